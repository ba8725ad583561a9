// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IPegStabilityModule} from "../interfaces/IPegStabilityModule.sol";
import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {FeedReaderLib} from "../oracle/FeedReaderLib.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";

/// @title PegStabilityModule
/// @notice USDC ↔ BDOL at par with fees, a minting ceiling, a depeg guard and a rolling outflow
/// limit. See {IPegStabilityModule}.
/// @dev Gas. Coin → stable touches two storage slots of its own, the ledger and the outflow bucket;
/// stable → coin touches three, the mint parameters, the ledger and the bucket (an inflow refills the
/// bucket, so it writes it: about 5,000 gas more than when only redemptions counted). No packing
/// does better: a swap in must write the minted amount, the owed fees, the bucket level and its time
/// (328 bits at the widths their bounds need) and read its fee, ceiling, depeg tolerance, vetted
/// reading, the outflow limit and window (376 more), more than two slots hold.
/// The depeg guard reads the stable asset's feed directly and asks the oracle adapter only about a
/// reading it has not vetted yet (see `_checkStablePrice`), which keeps the adapter's cold account and
/// its three cold slots off the common path.
contract PegStabilityModule is IPegStabilityModule, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;
    using SafeERC20 for IERC20;

    /// @inheritdoc IPegStabilityModule
    address public immutable stablecoin;
    /// @inheritdoc IPegStabilityModule
    address public immutable stable;
    /// @inheritdoc IPegStabilityModule
    address public immutable reserve;
    IOracleAdapter public immutable oracle;
    /// @dev 10^(18 − stable decimals): stable units → wad.
    uint256 internal immutable _scale;

    // The stable asset's primary feed and the adapter's checks for it, copied from the adapter at
    // deployment (`stableFeed`). A reading is vetted only while the adapter still has exactly these.
    address internal immutable _feed;
    uint256 internal immutable _feedDecimals;
    uint256 internal immutable _heartbeat; // [seconds]
    uint256 internal immutable _minPrice; // [wad]
    uint256 internal immutable _maxPrice; // [wad]
    /// @dev False when the adapter checks an L2 sequencer: its verdict then also depends on the
    /// sequencer, which can go down without a new feed reading, so no verdict is remembered.
    bool internal immutable _vettingAllowed;

    // slot 1: what stable → coin reads besides the ledger
    uint56 internal _feeIn; // [wad] ≤ MAX_PSM_FEE < 2^56
    uint64 internal _depegTolerance; // [wad] ≤ MAX_DEPEG_TOLERANCE
    uint96 internal _mintCeiling; // [wad] ≤ MAX_DEBT_CEILING < 2^96
    uint40 internal _vettedReading; // fingerprint of the last feed reading the adapter judged live; 0: none
    // slot 2: the ledger, read and written by every swap
    uint96 internal _minted; // [wad] ≤ max(ceiling at the time) ≤ MAX_DEBT_CEILING
    uint104 internal _pendingFees; // [wad] fees owed to the reserve, minted by `collectFees`
    uint56 internal _feeOut; // [wad] ≤ MAX_PSM_FEE
    // slot 3: the outflow bucket, read and written by every swap
    uint96 internal _outflowLimit; // [wad] ≤ MAX_DEBT_CEILING
    // [wad] available at `_bucketAt`. Above `_outflowLimit` by the inflow credit; always
    // ≤ _outflowLimit + _minted (see `_available`), so ≤ 2 × MAX_DEBT_CEILING < 2^96.
    uint96 internal _bucket;
    uint40 internal _bucketAt; // [seconds]
    uint24 internal _outflowWindow; // [seconds] ≤ MAX_OUTFLOW_WINDOW < 2^24

    /// @dev Reads the stable asset's feed configuration from the adapter, which must know the asset.
    constructor(address stablecoin_, address stable_, address oracle_, address reserve_, address admin) {
        if (
            stablecoin_ == address(0) ||
            stable_ == address(0) ||
            oracle_ == address(0) ||
            reserve_ == address(0) ||
            admin == address(0)
        ) revert ErrorsLib.ZeroAddress();
        uint8 decimals = IERC20Metadata(stable_).decimals();
        if (decimals > 18) revert UnsupportedDecimals(decimals);
        IOracleAdapter.FeedConfig memory config = IOracleAdapter(oracle_).feedConfig(stable_);
        if (config.primaryFeed == address(0)) revert StableFeedUnknown(stable_);
        stablecoin = stablecoin_;
        stable = stable_;
        oracle = IOracleAdapter(oracle_);
        reserve = reserve_;
        _scale = 10 ** (18 - decimals);
        _feed = config.primaryFeed;
        _feedDecimals = config.primaryDecimals;
        _heartbeat = config.heartbeat;
        _minPrice = config.minPrice;
        _maxPrice = config.maxPrice;
        _vettingAllowed = IOracleAdapter(oracle_).sequencerFeed() == address(0);
        _outflowWindow = uint24(ConstantsLib.MIN_OUTFLOW_WINDOW);
        _depegTolerance = uint64(ConstantsLib.MIN_DEPEG_TOLERANCE);
        _bucketAt = uint40(block.timestamp);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // =================================================================== swaps

    /// @inheritdoc IPegStabilityModule
    function swapStableForCoin(
        uint256 stableIn,
        uint256 minCoinOut,
        address to
    ) external nonReentrant returns (uint256 coinOut) {
        if (stableIn == 0) revert ErrorsLib.ZeroAmount();
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        _checkStablePrice();

        // The stable asset goes straight to the reserve; credit what arrived (fee-on-transfer safe).
        uint256 before = IERC20(stable).balanceOf(reserve);
        IERC20(stable).safeTransferFrom(msg.sender, reserve, stableIn);
        uint256 gross = (IERC20(stable).balanceOf(reserve) - before) * _scale;

        uint256 fee;
        (coinOut, fee) = _quoteGrossForCoin(gross);
        if (coinOut < minCoinOut) revert SlippageExceeded(coinOut, minCoinOut);
        uint256 newMinted = _minted + gross;
        uint256 ceiling = _mintCeiling;
        if (newMinted > ceiling) revert MintCeilingExceeded(newMinted, ceiling);
        _minted = uint96(newMinted); // ≤ ceiling ≤ MAX_DEBT_CEILING < 2^96
        // The fee is owed to the reserve and minted by `collectFees` (same slot, no second mint).
        _pendingFees = _addFee(_pendingFees, fee);
        // The stable value that came in refills the outflow bucket, above its limit if need be (see
        // `_available`). Fits: the bucket was ≤ limit + minted before, and both grew by `gross`.
        _bucket = uint96(_available() + gross);
        _bucketAt = uint40(block.timestamp);

        emit SwappedStableForCoin(msg.sender, to, stableIn, coinOut, fee);
        IBallastDollar(stablecoin).mint(to, coinOut);
    }

    /// @inheritdoc IPegStabilityModule
    function swapCoinForStable(
        uint256 coinIn,
        uint256 minStableOut,
        address to
    ) external nonReentrant returns (uint256 stableOut) {
        if (coinIn == 0) revert ErrorsLib.ZeroAmount();
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        uint256 fee;
        (stableOut, fee) = _quoteCoinForStable(coinIn);
        if (stableOut < minStableOut) revert SlippageExceeded(stableOut, minStableOut);
        uint256 paid = coinIn - fee; // = stableOut × scale: the coin that leaves circulation

        uint256 available = _available();
        if (paid > available) revert OutflowLimitExceeded(paid, available);
        // Fits: available − paid < available < 2^96 (see `_bucket`); timestamps fit 40 bits until
        // the year 36812.
        _bucket = uint96(available - paid);
        _bucketAt = uint40(block.timestamp);
        uint256 mintedBefore = _minted;
        _minted = uint96(mintedBefore > paid ? mintedBefore - paid : 0);
        _pendingFees = _addFee(_pendingFees, fee);

        emit SwappedCoinForStable(msg.sender, to, coinIn, stableOut, fee);
        // Burn it all (no allowance needed); the fee is owed to the reserve until `collectFees`.
        IBallastDollar(stablecoin).burn(msg.sender, coinIn);
        IReservePool(reserve).releaseStable(stable, to, stableOut);
    }

    /// @inheritdoc IPegStabilityModule
    function collectFees() external returns (uint256 fees) {
        fees = _pendingFees;
        if (fees == 0) revert ErrorsLib.ZeroAmount();
        _pendingFees = 0;
        emit FeesCollected(reserve, fees);
        IBallastDollar(stablecoin).mint(reserve, fees);
    }

    // =================================================================== views

    /// @inheritdoc IPegStabilityModule
    function pendingFees() external view returns (uint256) {
        return _pendingFees;
    }

    /// @inheritdoc IPegStabilityModule
    function minted() external view returns (uint256) {
        return _minted;
    }

    /// @inheritdoc IPegStabilityModule
    function quoteStableForCoin(uint256 stableIn) external view returns (uint256 coinOut, uint256 fee) {
        return _quoteGrossForCoin(stableIn * _scale);
    }

    /// @inheritdoc IPegStabilityModule
    function quoteCoinForStable(uint256 coinIn) external view returns (uint256 stableOut, uint256 fee) {
        return _quoteCoinForStable(coinIn);
    }

    /// @inheritdoc IPegStabilityModule
    function availableOutflow() external view returns (uint256) {
        return _available();
    }

    /// @inheritdoc IPegStabilityModule
    function stablePrice() external view returns (uint256 price, PriceStatus status) {
        uint40 reading;
        (status, price, , reading) = _readStableFeed();
        if (status != PriceStatus.Live || reading == _vettedReading) return (price, status);
        (uint256 adapterPrice, PriceStatus adapterStatus) = oracle.getPrice(stable);
        if (adapterStatus != PriceStatus.Live) return (adapterPrice, adapterStatus);
        return (MathLib.min(price, adapterPrice), status);
    }

    /// @inheritdoc IPegStabilityModule
    function stableFeed()
        external
        view
        returns (address feed, uint256 feedDecimals, uint256 heartbeat, uint256 minPrice, uint256 maxPrice)
    {
        return (_feed, _feedDecimals, _heartbeat, _minPrice, _maxPrice);
    }

    function feeIn() external view returns (uint256) {
        return _feeIn;
    }

    function feeOut() external view returns (uint256) {
        return _feeOut;
    }

    function mintCeiling() external view returns (uint256) {
        return _mintCeiling;
    }

    function outflowLimit() external view returns (uint256) {
        return _outflowLimit;
    }

    function outflowWindow() external view returns (uint256) {
        return _outflowWindow;
    }

    function depegTolerance() external view returns (uint256) {
        return _depegTolerance;
    }

    // =================================================================== governance

    /// @inheritdoc IPegStabilityModule
    function setFeeIn(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _feeIn;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_PSM_FEE);
        _feeIn = uint56(newValue);
        emit FeeInSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    function setFeeOut(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _feeOut;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_PSM_FEE);
        _feeOut = uint56(newValue);
        emit FeeOutSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    function setMintCeiling(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _mintCeiling;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        _mintCeiling = uint96(newValue);
        emit MintCeilingSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    /// @dev A raise adds its increase to the bucket at once; a cut caps the bucket at the new limit,
    /// inflow credit included (an emergency cut to 0 stops every redemption).
    function setOutflowLimit(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _outflowLimit;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        uint256 available = _available();
        // Fits: a raise keeps the bucket ≤ limit + minted, a cut lowers it.
        available = newValue > oldValue ? available + (newValue - oldValue) : MathLib.min(available, newValue);
        _outflowLimit = uint96(newValue);
        _bucket = uint96(available);
        _bucketAt = uint40(block.timestamp);
        emit OutflowLimitSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    function setOutflowWindow(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _outflowWindow;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, ConstantsLib.MIN_OUTFLOW_WINDOW, ConstantsLib.MAX_OUTFLOW_WINDOW);
        // Refill up to now at the old rate first.
        _bucket = uint96(_available());
        _bucketAt = uint40(block.timestamp);
        _outflowWindow = uint24(newValue);
        emit OutflowWindowSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    function setDepegTolerance(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _depegTolerance;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, ConstantsLib.MIN_DEPEG_TOLERANCE, ConstantsLib.MAX_DEPEG_TOLERANCE);
        _depegTolerance = uint64(newValue);
        emit DepegToleranceSet(oldValue, newValue);
    }

    // =================================================================== internals

    /// @dev The depeg guard: reverts unless the stable asset's price can be trusted and is at least
    /// 1 − depegTolerance. Two checks, both must pass (any doubt refuses minting):
    /// 1. Every swap reads the feed itself (`FeedReaderLib.readPrice` with the adapter's feed,
    ///    decimals, heartbeat and bounds copied at deployment): failed, stale or out of bounds refuses.
    /// 2. The adapter's own verdict (`getPrice`: the same reading checks, plus the sequencer and the
    ///    circuit breaker, i.e. frozen) is asked for each new reading. When it is live, and the adapter
    ///    still reads this feed with these settings, the reading's fingerprint is stored: later swaps
    ///    on the same reading skip the adapter. That is exact, not an approximation: for a fixed
    ///    reading and configuration the adapter's verdict cannot turn from live to frozen (its last
    ///    good price moves only by recording a live reading, which is this one), and a new round
    ///    changes the fingerprint. A refusal reverts, so only live verdicts are ever stored.
    /// What it gives up, stated: (a) an adapter reconfiguration of the asset (feed, bounds, heartbeat,
    /// deviation) reaches a reading already vetted only at the feed's next round, at most one
    /// heartbeat later; after it the adapter no longer matches the copy, so nothing is vetted again
    /// and every swap asks the adapter (and if the copied feed stops, minting stops: a new module is
    /// deployed). (b) The fingerprint is 40 bits of keccak256(price, updatedAt): a different reading
    /// passes as vetted with probability 2^-40, and only if its own checks in step 1 pass. (c) A
    /// feed that went back to an earlier reading would be trusted as that reading was; Chainlink
    /// feeds only move forward.
    function _checkStablePrice() internal {
        (PriceStatus status, uint256 price, uint256 updatedAt, uint40 reading) = _readStableFeed();
        if (status != PriceStatus.Live) revert StableOracleNotLive(status);
        if (reading != _vettedReading) {
            (uint256 adapterPrice, PriceStatus adapterStatus) = oracle.getPrice(stable);
            if (adapterStatus != PriceStatus.Live) revert StableOracleNotLive(adapterStatus);
            if (adapterPrice == price && _vettingAllowed && _adapterMatchesCopy()) {
                _vettedReading = reading;
                emit StableReadingVetted(price, updatedAt);
            }
            price = MathLib.min(price, adapterPrice);
        }
        uint256 floor = ConstantsLib.WAD - _depegTolerance;
        if (price < floor) revert StableDepegged(price, floor);
    }

    /// @dev The feed reading with the copied checks and, when live, its fingerprint (never 0, so it
    /// cannot match an empty `_vettedReading`).
    function _readStableFeed()
        internal
        view
        returns (PriceStatus status, uint256 price, uint256 updatedAt, uint40 reading)
    {
        (status, price, updatedAt) = FeedReaderLib.readPrice(_feed, _feedDecimals, _heartbeat, _minPrice, _maxPrice);
        if (status != PriceStatus.Live) return (status, price, updatedAt, 0);
        bytes32 digest;
        assembly ("memory-safe") {
            // Scratch space: two words hashed at once, nothing kept.
            mstore(0x00, price)
            mstore(0x20, updatedAt)
            digest := keccak256(0x00, 0x40)
        }
        reading = uint40(uint256(digest)) | 1;
    }

    /// @dev Whether the adapter still reads the stable asset from the copied feed with the copied
    /// decimals, heartbeat and bounds (so its live verdict was about this very reading).
    function _adapterMatchesCopy() internal view returns (bool) {
        IOracleAdapter.FeedConfig memory config = oracle.feedConfig(stable);
        return
            config.primaryFeed == _feed &&
            config.primaryDecimals == _feedDecimals &&
            config.heartbeat == _heartbeat &&
            config.minPrice == _minPrice &&
            config.maxPrice == _maxPrice;
    }

    /// @dev `pending + fee`, refused above 2^104 − 1 (about 2·10^13 BDOL of uncollected fees;
    /// `collectFees`, which anyone may call, empties it).
    function _addFee(uint256 pending, uint256 fee) internal pure returns (uint104) {
        uint256 sum = pending + fee;
        if (sum > type(uint104).max) revert ErrorsLib.AmountTooLarge(sum, type(uint104).max);
        return uint104(sum);
    }

    /// @dev Stable → coin for `gross` [wad] of stable value: the fee rounds up, the payout is the rest.
    function _quoteGrossForCoin(uint256 gross) internal view returns (uint256 coinOut, uint256 fee) {
        fee = gross.wadMulUp(_feeIn);
        coinOut = gross - fee;
    }

    /// @dev Coin → stable: the fee rounds up, the stable amount down, and the coin that does not
    /// buy a whole stable unit joins the fee (so `coinIn − fee` is exactly `stableOut × scale`).
    function _quoteCoinForStable(uint256 coinIn) internal view returns (uint256 stableOut, uint256 fee) {
        uint256 net = coinIn - coinIn.wadMulUp(_feeOut);
        stableOut = net / _scale;
        fee = coinIn - stableOut * _scale;
    }

    /// @dev The outflow bucket now. It drifts toward the limit at limit per window: from below it
    /// refills (bucket + limit × elapsed / window, rounded down, at most the limit); from above, where
    /// swaps in put it, the inflow credit fades (bucket − limit × elapsed / window, rounded up, at
    /// least the limit). Both roundings leave less room to redeem.
    /// Why the bucket never passes limit + minted (the fit of `_bucket`): drift never takes it above
    /// max(level, limit); a swap in adds `gross` to both; a redemption takes `paid` from the bucket
    /// and at most `paid` from `minted` (it floors at 0, and then the bucket is below the limit); a
    /// cut of the limit caps the bucket at the new one; a raise adds the same increase to both sides.
    function _available() internal view returns (uint256) {
        uint256 limit = _outflowLimit;
        uint256 level = _bucket;
        uint256 elapsed = block.timestamp - _bucketAt;
        if (level < limit) {
            uint256 refilled = level + (limit * elapsed) / _outflowWindow;
            return refilled < limit ? refilled : limit;
        }
        uint256 fade = limit.mulDivUp(elapsed, _outflowWindow);
        return level - limit > fade ? level - fade : limit;
    }
}

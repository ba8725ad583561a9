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
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";

/// @title PegStabilityModule
/// @notice USDC ↔ BDOL at par with fees, a minting ceiling, a depeg guard and a rolling outflow
/// limit. See {IPegStabilityModule}.
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

    // slot: the parameters a swap reads
    uint64 internal _feeIn; // [wad]
    uint64 internal _feeOut; // [wad]
    uint64 internal _depegTolerance; // [wad]
    uint32 internal _outflowWindow; // [seconds]
    uint128 internal _mintCeiling; // [wad]
    // slot: the mint ledger, read and written by every swap
    uint128 internal _minted; // [wad]
    uint128 internal _pendingFees; // [wad] fees owed to the reserve, minted by `collectFees`
    // slot: the outflow bucket
    uint96 internal _outflowLimit; // [wad] ≤ MAX_DEBT_CEILING < 2^96
    uint96 internal _bucket; // [wad] available at `_bucketAt`
    uint40 internal _bucketAt; // [seconds]

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
        stablecoin = stablecoin_;
        stable = stable_;
        oracle = IOracleAdapter(oracle_);
        reserve = reserve_;
        _scale = 10 ** (18 - decimals);
        _outflowWindow = uint32(ConstantsLib.MIN_OUTFLOW_WINDOW);
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
        (uint256 price, PriceStatus status) = oracle.getPrice(stable);
        if (status != PriceStatus.Live) revert StableOracleNotLive(status);
        uint256 floor = ConstantsLib.WAD - _depegTolerance;
        if (price < floor) revert StableDepegged(price, floor);

        // The stable asset goes straight to the reserve; credit what arrived (fee-on-transfer safe).
        uint256 before = IERC20(stable).balanceOf(reserve);
        IERC20(stable).safeTransferFrom(msg.sender, reserve, stableIn);
        uint256 gross = (IERC20(stable).balanceOf(reserve) - before) * _scale;

        uint256 fee;
        (coinOut, fee) = _quoteGrossForCoin(gross);
        if (coinOut < minCoinOut) revert SlippageExceeded(coinOut, minCoinOut);
        uint256 newMinted = _minted + gross;
        if (newMinted > _mintCeiling) revert MintCeilingExceeded(newMinted, _mintCeiling);
        _minted = uint128(newMinted); // ≤ ceiling < 2^128
        // The fee is owed to the reserve and minted by `collectFees` (one slot, no second mint).
        _pendingFees += uint128(fee);

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
        _bucket = uint96(available - paid);
        _bucketAt = uint40(block.timestamp);
        uint256 minted = _minted;
        _minted = uint128(minted > paid ? minted - paid : 0);
        _pendingFees += uint128(fee);

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
        _feeIn = uint64(newValue);
        emit FeeInSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    function setFeeOut(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _feeOut;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_PSM_FEE);
        _feeOut = uint64(newValue);
        emit FeeOutSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    function setMintCeiling(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _mintCeiling;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        _mintCeiling = uint128(newValue);
        emit MintCeilingSet(oldValue, newValue);
    }

    /// @inheritdoc IPegStabilityModule
    /// @dev A raise adds its increase to the bucket at once; a cut caps the bucket at the new limit.
    function setOutflowLimit(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _outflowLimit;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        uint256 available = _available();
        if (newValue > oldValue) available += newValue - oldValue;
        _outflowLimit = uint96(newValue);
        _bucket = uint96(available < newValue ? available : newValue);
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
        _outflowWindow = uint32(newValue);
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

    /// @dev The outflow bucket refilled up to now: bucket + limit × elapsed / window, at most limit.
    function _available() internal view returns (uint256) {
        uint256 limit = _outflowLimit;
        uint256 refill = (limit * (block.timestamp - _bucketAt)) / _outflowWindow;
        uint256 available = uint256(_bucket) + refill;
        return available < limit ? available : limit;
    }
}

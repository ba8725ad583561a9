// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ILiquidationEngine, ITakeCallback} from "../interfaces/ILiquidationEngine.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";
import {AuctionLib} from "../libraries/AuctionLib.sol";

/// @title LiquidationEngine
/// @notice Buffer absorption, Dutch auctions with a floor, keeper pay. See {ILiquidationEngine}.
/// @dev Accounting identity (with the vault manager's, tested by the invariant suite): the
/// stablecoin supply equals Σ vault debt − accrued fees − rounding slack + `totalDebtUnderAuction`
/// + the reserve's deficit. A liquidation moves the sliced debt off the vault manager's books: the
/// absorbed part is burnt by the reserve at once, the auctioned part is counted here until the
/// auction burns it or ends short (the reserve burns or records the shortfall).
contract LiquidationEngine is ILiquidationEngine, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;
    using SafeERC20 for IERC20;

    /// @dev A reserve sale raises an unbounded tab: everything paid is proceeds for the reserve.
    uint96 internal constant SALE_TAB = type(uint96).max;

    /// @dev Per-collateral configuration and state, packed: an absorbed liquidation reads one slot,
    /// an auctioned one two, a take three.
    struct Collateral {
        // slot 0: every liquidation
        uint128 debtUnderAuction; // [wad]
        uint96 maxAuctionDebt; // [wad]
        uint8 index; // key in _collateralAt
        bool enabled;
        // slot 1: every take
        address oracleAsset;
        uint8 decimals;
        uint32 duration; // [seconds]
        uint32 maxAge; // [seconds]
        // slot 2
        uint64 startMultiplier; // [wad]
        uint64 floorRatio; // [wad]
        uint96 dust; // [wad]
        // slot 3: reserve sales only
        uint128 collateralOnSale; // [token units]
    }

    /// @dev An auction in two slots (a new auction writes two fresh slots, 44k gas). The collateral
    /// is an index into `_collateralAt`; the price needs no start price because it is relative to
    /// the live oracle. Proceeds pay the debt before the penalty, so the debt still to raise is
    /// `tab − penalty` while the tab exceeds the penalty.
    struct Auction {
        // slot 0
        address owner;
        uint96 lot; // [token units] > 0 ⇔ the auction is active
        // slot 1 (248 bits)
        uint96 tab; // [wad]
        uint96 penalty; // [wad] the penalty part of the initial tab
        uint40 startTime; // [seconds]
        uint8 collateralIndex;
        uint8 paidRedos; // ≤ MAX_PAID_REDOS (10) < 2^8
    }

    IBallastDollar public immutable stablecoin;
    IVaultManager public immutable vaultManager;
    IOracleAdapter public immutable oracle;
    /// @inheritdoc ILiquidationEngine
    address public immutable reserve;

    mapping(address collateral => Collateral) internal _collaterals;
    mapping(uint256 auctionId => Auction) internal _auctions;
    /// @dev Auction leftovers whose transfer to the owner failed (a token that blocks the owner),
    /// claimable by the owner: a refund can never block an auction from ending.
    mapping(address owner => mapping(address collateral => uint256)) internal _refunds;
    /// @dev Configured collaterals by index (a mapping, not an array: no length read on a take).
    mapping(uint256 index => address) internal _collateralAt;
    uint256 internal _collateralCount;

    // Packed globals read and written by every liquidation: the total under auction, its limit, the
    // last id, the auctions running.
    uint96 internal _totalDebtUnderAuction; // [wad] ≤ maxTotalAuctionDebt ≤ MAX_DEBT_CEILING < 2^96
    uint96 internal _maxTotalAuctionDebt; // [wad]
    // Each auction costs its starter > 150k gas: 2^32 of them would take > 6e14 gas. The increment
    // is checked (an overflow reverts the liquidation, it never wraps an id).
    uint32 internal _auctionCount;
    uint32 internal _activeAuctionCount; // ≤ _auctionCount
    // Keeper pay: what every liquidation reads in one slot, the caps and the restart gas in another.
    address internal _nativeAsset;
    uint32 internal _tipGas; // [gas] ≤ MAX_TIP_GAS < 2^32
    uint64 internal _keeperFee; // [wad] ≤ MAX_KEEPER_FEE < 2^64
    uint96 internal _maxTip; // [wad] ≤ MAX_KEEPER_TIP < 2^96
    uint64 internal _maxRewardShare; // [wad] ≤ MAX_KEEPER_REWARD_SHARE < 2^64
    uint32 internal _redoGas; // [gas] ≤ MAX_REDO_GAS < 2^32

    constructor(address vaultManager_, address reserve_, address admin) {
        if (vaultManager_ == address(0) || reserve_ == address(0) || admin == address(0)) {
            revert ErrorsLib.ZeroAddress();
        }
        vaultManager = IVaultManager(vaultManager_);
        stablecoin = IVaultManager(vaultManager_).stablecoin();
        oracle = IVaultManager(vaultManager_).oracle();
        reserve = reserve_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // =================================================================== keeper actions

    /// @inheritdoc ILiquidationEngine
    function liquidate(uint256 vaultId, address keeper) external nonReentrant returns (uint256 auctionId) {
        if (keeper == address(0)) revert ErrorsLib.ZeroAddress();
        address collateral = vaultManager.vaultCollateral(vaultId);
        Collateral storage config = _collaterals[collateral];
        if (!config.enabled) revert CollateralNotConfigured(collateral);

        uint256 room = _auctionRoom(config);
        IVaultManager.Seizure memory s = vaultManager.seize(
            vaultId,
            IReservePool(reserve).stabilityBuffer(),
            room,
            reserve
        );
        uint256 reward = _keeperReward(s.debt, s.oracleAsset, s.price);
        // Nothing arrived to sell for the auctioned part (a vault with dust collateral, or a token
        // whose fee took it all): all of it is a shortfall, covered after the absorption so that it
        // cannot eat the buffer first.
        uint256 shortfall = s.auctionLot == 0 ? s.auctionDebt : 0;
        if (s.auctionDebt != 0 && shortfall == 0) auctionId = _startVaultAuction(vaultId, config, s);
        emit Liquidated(vaultId, keeper, auctionId, reward);

        if (s.absorbedDebt != 0) {
            IReservePool(reserve).absorb(s.absorbedDebt, keeper, reward);
        } else if (reward != 0) {
            IReservePool(reserve).payKeeper(keeper, reward);
        }
        if (shortfall != 0) IReservePool(reserve).coverShortfall(shortfall);
    }

    /// @inheritdoc ILiquidationEngine
    function take(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        address receiver,
        bytes calldata data
    ) external nonReentrant returns (uint256 collateralOut, uint256 paid) {
        if (maxCollateral == 0) revert ErrorsLib.ZeroAmount();
        if (receiver == address(0)) revert ErrorsLib.ZeroAddress();
        Auction storage auction = _activeAuction(auctionId);
        address collateral = _collateralAt[auction.collateralIndex];
        Collateral storage config = _collaterals[collateral];
        uint256 price = _takeablePrice(auctionId, auction, config);
        if (price > maxPrice) revert PriceAboveMax(price, maxPrice);

        uint256 lot = auction.lot;
        uint256 tab = auction.tab;
        (collateralOut, paid) = _takeAmounts(config, lot, tab, MathLib.min(maxCollateral, lot), price);

        uint256 penalty = auction.penalty;
        uint256 lotLeft = lot - collateralOut;
        uint256 tabLeft = tab - paid;
        uint256 debtBefore = tab > penalty ? tab - penalty : 0;
        uint256 debtPaid = MathLib.min(paid, debtBefore);
        // The auction ends when the tab is raised or the lot is gone.
        uint256 refund = tabLeft == 0 ? lotLeft : 0;
        uint256 shortfall = lotLeft == 0 ? debtBefore - debtPaid : 0;
        address owner = auction.owner;

        if (debtPaid + shortfall != 0) _releaseDebt(config, debtPaid + shortfall);
        if (owner == reserve) config.collateralOnSale -= uint128(collateralOut + refund);
        if (lotLeft == 0 || tabLeft == 0) {
            _endAuction(auctionId);
        } else {
            auction.lot = uint96(lotLeft);
            auction.tab = uint96(tabLeft);
        }
        // An ended auction has no lot left (a raised tab's remainder is the owner's refund).
        emit Taken(auctionId, msg.sender, receiver, collateralOut, paid, price, refund == 0 ? lotLeft : 0, tabLeft);
        if (lotLeft == 0 || tabLeft == 0) emit AuctionEnded(auctionId, refund, shortfall);

        IERC20(collateral).safeTransfer(receiver, collateralOut);
        if (data.length != 0) ITakeCallback(receiver).onTake(msg.sender, collateralOut, paid, data);
        stablecoin.burn(msg.sender, paid);
        if (paid > debtPaid) stablecoin.mint(reserve, paid - debtPaid);
        if (refund != 0 && !IERC20(collateral).trySafeTransfer(owner, refund)) {
            // Still under the guard: the refund is kept for the owner to claim.
            _refunds[owner][collateral] += refund;
            emit RefundCredited(owner, collateral, refund);
        }
        if (shortfall != 0) IReservePool(reserve).coverShortfall(shortfall);
    }

    /// @inheritdoc ILiquidationEngine
    function redo(uint256 auctionId, address keeper) external nonReentrant {
        if (keeper == address(0)) revert ErrorsLib.ZeroAddress();
        Auction storage auction = _activeAuction(auctionId);
        Collateral storage config = _collaterals[_collateralAt[auction.collateralIndex]];
        if (!_stale(auction, config)) revert RedoNotNeeded(auctionId);
        auction.startTime = uint40(block.timestamp);

        // Restarting is harmless at any time, but it is paid only at a live price (while the oracle
        // is out no take can happen), for the restart's own gas, and at most MAX_PAID_REDOS times:
        // an auction nobody bids on cannot drain the reserve by restarts.
        uint256 reward;
        uint256 paidRedos = auction.paidRedos;
        if (paidRedos < ConstantsLib.MAX_PAID_REDOS) {
            (uint256 oraclePrice, PriceStatus status) = oracle.getPrice(config.oracleAsset);
            if (status == PriceStatus.Live) {
                uint256 lotValue = CollateralLib.valueDown(auction.lot, config.decimals, oraclePrice);
                uint256 cap = MathLib.min(auction.tab, lotValue).wadMulDown(_maxRewardShare) /
                    ConstantsLib.MAX_PAID_REDOS;
                reward = MathLib.min(_basefeeTip(_redoGas, config.oracleAsset, oraclePrice), cap);
                // Fits: paidRedos < MAX_PAID_REDOS < 2^8.
                if (reward != 0) auction.paidRedos = uint8(paidRedos + 1);
            }
        }
        emit AuctionReset(auctionId, keeper, reward);
        if (reward != 0) IReservePool(reserve).payKeeper(keeper, reward);
    }

    /// @inheritdoc ILiquidationEngine
    function claimRefund(address collateral, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        amount = _refunds[msg.sender][collateral];
        if (amount == 0) revert NothingToClaim(msg.sender, collateral);
        _refunds[msg.sender][collateral] = 0;
        emit RefundClaimed(msg.sender, collateral, to, amount);
        IERC20(collateral).safeTransfer(to, amount);
    }

    /// @inheritdoc ILiquidationEngine
    function startSale(address collateral, uint256 amount) external nonReentrant returns (uint256 auctionId) {
        if (msg.sender != reserve) revert NotReserve(msg.sender);
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        Collateral storage config = _configuredCollateral(collateral);
        // A lot worth less than the collateral's dust would only clutter the keepers' scans.
        (uint256 price, ) = oracle.getPrice(config.oracleAsset);
        uint256 value = CollateralLib.valueDown(amount, config.decimals, price);
        if (value < config.dust) revert LotTooSmall(value, config.dust);
        auctionId = ++_auctionCount;
        ++_activeAuctionCount;
        _auctions[auctionId] = Auction({
            owner: msg.sender,
            lot: _toUint96(amount),
            tab: SALE_TAB,
            penalty: SALE_TAB,
            startTime: uint40(block.timestamp),
            collateralIndex: config.index,
            paidRedos: 0
        });
        config.collateralOnSale += uint128(amount);
        emit AuctionStarted(auctionId, 0, collateral, amount, SALE_TAB, 0);
    }

    // =================================================================== views

    /// @inheritdoc ILiquidationEngine
    function auctionInfo(uint256 auctionId) external view returns (AuctionView memory view_) {
        Auction storage auction = _auctions[auctionId];
        if (auction.lot == 0) return view_;
        uint256 tab = auction.tab;
        uint256 penalty = auction.penalty;
        view_ = AuctionView({
            collateral: _collateralAt[auction.collateralIndex],
            owner: auction.owner,
            lot: auction.lot,
            tab: tab,
            debt: tab > penalty ? tab - penalty : 0,
            startTime: auction.startTime,
            paidRedos: auction.paidRedos
        });
    }

    /// @inheritdoc ILiquidationEngine
    function auctionPrice(uint256 auctionId) external view returns (uint256 price, bool needsReset) {
        Auction storage auction = _activeAuction(auctionId);
        Collateral storage config = _collaterals[_collateralAt[auction.collateralIndex]];
        (uint256 oraclePrice, PriceStatus status) = oracle.getPrice(config.oracleAsset);
        price = oraclePrice.wadMulDown(_multiplierAt(auction, config));
        needsReset = status != PriceStatus.Live || _stale(auction, config);
    }

    /// @inheritdoc ILiquidationEngine
    function auctionCount() external view returns (uint256) {
        return _auctionCount;
    }

    /// @inheritdoc ILiquidationEngine
    function activeAuctionCount() external view returns (uint256) {
        return _activeAuctionCount;
    }

    /// @inheritdoc ILiquidationEngine
    function refundOf(address owner, address collateral) external view returns (uint256) {
        return _refunds[owner][collateral];
    }

    /// @inheritdoc ILiquidationEngine
    function totalDebtUnderAuction() external view returns (uint256) {
        return _totalDebtUnderAuction;
    }

    /// @inheritdoc ILiquidationEngine
    function maxTotalAuctionDebt() external view returns (uint256) {
        return _maxTotalAuctionDebt;
    }

    /// @inheritdoc ILiquidationEngine
    function nativeAsset() external view returns (address) {
        return _nativeAsset;
    }

    /// @inheritdoc ILiquidationEngine
    function keeperReward(uint256 debt) external view returns (uint256) {
        return _keeperReward(debt, address(0), 0);
    }

    /// @inheritdoc ILiquidationEngine
    function keeperRewardParams() external view returns (KeeperRewardParams memory) {
        return
            KeeperRewardParams({
                tipGas: _tipGas,
                maxTip: _maxTip,
                keeperFee: _keeperFee,
                maxRewardShare: _maxRewardShare,
                redoGas: _redoGas
            });
    }

    /// @inheritdoc ILiquidationEngine
    function collateralState(address collateral) external view returns (CollateralState memory state) {
        Collateral storage c = _collaterals[collateral];
        state = CollateralState({
            enabled: c.enabled,
            oracleAsset: c.oracleAsset,
            decimals: c.decimals,
            params: _params(c),
            debtUnderAuction: c.debtUnderAuction,
            collateralOnSale: c.collateralOnSale
        });
    }

    // =================================================================== governance

    /// @inheritdoc ILiquidationEngine
    function configureCollateral(
        address collateral,
        AuctionParams calldata params
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _collaterals[collateral];
        if (config.enabled) revert CollateralAlreadyConfigured(collateral);
        IVaultManager.CollateralConfig memory vm = vaultManager.collateralConfig(collateral);
        if (!vm.enabled) revert IVaultManager.UnknownCollateral(collateral);
        _checkPrices(params.startMultiplier, params.floorRatio);
        _checkDuration(params.duration);
        _checkDuration(params.maxAge);
        ErrorsLib.checkBounds(params.maxAuctionDebt, 0, ConstantsLib.MAX_DEBT_CEILING);
        ErrorsLib.checkBounds(params.dust, 0, ConstantsLib.MAX_MIN_DEBT);

        // Bounded by the vault manager's MAX_COLLATERALS (32), so the index fits 8 bits.
        uint256 index = _collateralCount++;
        config.enabled = true;
        config.index = uint8(index);
        _collateralAt[index] = collateral;
        config.oracleAsset = vm.oracleAsset;
        config.decimals = vm.decimals;
        config.duration = uint32(params.duration);
        config.maxAge = uint32(params.maxAge);
        config.startMultiplier = uint64(params.startMultiplier);
        config.floorRatio = uint64(params.floorRatio);
        config.maxAuctionDebt = uint96(params.maxAuctionDebt);
        config.dust = uint96(params.dust);
        emit CollateralConfigured(collateral, params);
    }

    /// @inheritdoc ILiquidationEngine
    function setStartMultiplier(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _configuredCollateral(collateral);
        uint256 oldValue = config.startMultiplier;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkPrices(newValue, config.floorRatio);
        config.startMultiplier = uint64(newValue);
        emit StartMultiplierSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setFloorRatio(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _configuredCollateral(collateral);
        uint256 oldValue = config.floorRatio;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkPrices(config.startMultiplier, newValue);
        config.floorRatio = uint64(newValue);
        emit FloorRatioSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setAuctionDuration(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _configuredCollateral(collateral);
        uint256 oldValue = config.duration;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkDuration(newValue);
        config.duration = uint32(newValue);
        emit AuctionDurationSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setMaxAuctionAge(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _configuredCollateral(collateral);
        uint256 oldValue = config.maxAge;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkDuration(newValue);
        config.maxAge = uint32(newValue);
        emit MaxAuctionAgeSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setMaxAuctionDebt(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _configuredCollateral(collateral);
        uint256 oldValue = config.maxAuctionDebt;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        config.maxAuctionDebt = uint96(newValue);
        emit MaxAuctionDebtSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setAuctionDust(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _configuredCollateral(collateral);
        uint256 oldValue = config.dust;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_MIN_DEBT);
        config.dust = uint96(newValue);
        emit AuctionDustSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setMaxTotalAuctionDebt(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _maxTotalAuctionDebt;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        _maxTotalAuctionDebt = uint96(newValue);
        emit MaxTotalAuctionDebtSet(oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setTipGas(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _tipGas;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_TIP_GAS);
        _tipGas = uint32(newValue);
        emit TipGasSet(oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setMaxTip(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _maxTip;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_KEEPER_TIP);
        _maxTip = uint96(newValue);
        emit MaxTipSet(oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setKeeperFee(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _keeperFee;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_KEEPER_FEE);
        _keeperFee = uint64(newValue);
        emit KeeperFeeSet(oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setMaxRewardShare(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _maxRewardShare;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_KEEPER_REWARD_SHARE);
        // Never above a collateral's penalty: self-liquidation would pay. Bounded: ≤ MAX_COLLATERALS.
        address[] memory collaterals = vaultManager.collaterals();
        for (uint256 i; i < collaterals.length; ++i) {
            uint256 penalty = vaultManager.collateralConfig(collaterals[i]).liquidationPenalty;
            if (newValue > penalty) revert RewardShareAbovePenalty(collaterals[i], penalty, newValue);
        }
        _maxRewardShare = uint64(newValue);
        emit MaxRewardShareSet(oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setRedoGas(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _redoGas;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_REDO_GAS);
        _redoGas = uint32(newValue);
        emit RedoGasSet(oldValue, newValue);
    }

    /// @inheritdoc ILiquidationEngine
    function setNativeAsset(address newAsset) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address oldAsset = _nativeAsset;
        if (newAsset == oldAsset) revert ErrorsLib.NoChange();
        // address(0) turns the basefee tip off; any other asset must be priced by the oracle.
        if (newAsset != address(0)) oracle.getPrice(newAsset);
        _nativeAsset = newAsset;
        emit NativeAssetSet(oldAsset, newAsset);
    }

    // =================================================================== internals

    function _startVaultAuction(
        uint256 vaultId,
        Collateral storage config,
        IVaultManager.Seizure memory s
    ) internal returns (uint256 auctionId) {
        uint256 tab = _toUint96(s.auctionDebt.wadMulUp(ConstantsLib.WAD + s.liquidationPenalty));
        // Fits: auctionDebt ≤ the room, which is ≤ the uint96 limits; the counters as declared.
        auctionId = ++_auctionCount;
        ++_activeAuctionCount;
        _totalDebtUnderAuction += uint96(s.auctionDebt);
        config.debtUnderAuction += uint128(s.auctionDebt);
        // The two slots of `Auction`, each written once (a struct copy writes packed fields one by
        // one). Every field fits its width: owner 160 bits; lot < 2^96 (checked: what arrived, which
        // an odd token could make more than was sent); tab < 2^96 (checked) and penalty < tab; the
        // timestamp < 2^40 until the year 36812; index < 2^8 (≤ MAX_COLLATERALS); paidRedos = 0.
        uint256 word0 = uint256(uint160(s.owner)) | (uint256(_toUint96(s.auctionLot)) << 160);
        uint256 word1 = tab | ((tab - s.auctionDebt) << 96) | (block.timestamp << 192) | (uint256(config.index) << 232);
        Auction storage auction = _auctions[auctionId];
        assembly ("memory-safe") {
            sstore(auction.slot, word0)
            sstore(add(auction.slot, 1), word1)
        }
        emit AuctionStarted(auctionId, vaultId, s.collateral, s.auctionLot, tab, s.auctionDebt);
    }

    /// @dev AuctionLib.takeAmounts with the collateral's decimals and dust.
    function _takeAmounts(
        Collateral storage config,
        uint256 lot,
        uint256 tab,
        uint256 slice,
        uint256 price
    ) internal view returns (uint256 collateralOut, uint256 paid) {
        return AuctionLib.takeAmounts(lot, tab, slice, price, config.decimals, config.dust);
    }

    /// @dev The auction price if a take may happen now; reverts otherwise.
    function _takeablePrice(
        uint256 auctionId,
        Auction storage auction,
        Collateral storage config
    ) internal view returns (uint256 price) {
        uint256 oraclePrice = _liveOraclePrice(config);
        uint256 multiplier = _multiplierAt(auction, config);
        price = oraclePrice.wadMulDown(multiplier);
        if (_stale(auction, config)) {
            revert AuctionNeedsReset(auctionId, price, oraclePrice.wadMulDown(config.floorRatio));
        }
    }

    /// @dev startMultiplier × (duration − t) / duration, rounded down; 0 from `duration` on.
    function _multiplierAt(Auction storage auction, Collateral storage config) internal view returns (uint256) {
        uint256 elapsed = block.timestamp - auction.startTime;
        uint256 duration = config.duration;
        if (elapsed >= duration) return 0;
        return uint256(config.startMultiplier).mulDivDown(duration - elapsed, duration);
    }

    /// @dev Too old, or decayed below the floor: a take is refused until `redo`.
    function _stale(Auction storage auction, Collateral storage config) internal view returns (bool) {
        return
            block.timestamp - auction.startTime > config.maxAge || _multiplierAt(auction, config) < config.floorRatio;
    }

    function _liveOraclePrice(Collateral storage config) internal view returns (uint256 price) {
        address asset = config.oracleAsset;
        PriceStatus status;
        (price, status) = oracle.getPrice(asset);
        if (status != PriceStatus.Live) revert OracleNotLive(asset, status);
    }

    /// @dev Deletes an ended auction (its lot sold, or its tab raised).
    function _endAuction(uint256 auctionId) internal {
        delete _auctions[auctionId];
        // Cannot underflow: every running auction was counted when it started.
        unchecked {
            --_activeAuctionCount;
        }
    }

    /// @dev Debt left the auctions (raised, or written off as shortfall).
    function _releaseDebt(Collateral storage config, uint256 amount) internal {
        // Cannot underflow: an auction's debt was added to both counters when it started.
        unchecked {
            config.debtUnderAuction -= uint128(amount);
            _totalDebtUnderAuction -= uint96(amount);
        }
    }

    function _auctionRoom(Collateral storage config) internal view returns (uint256) {
        uint256 used = config.debtUnderAuction;
        uint256 limit = config.maxAuctionDebt;
        uint256 room = limit > used ? limit - used : 0;
        uint256 totalUsed = _totalDebtUnderAuction;
        uint256 totalLimit = _maxTotalAuctionDebt;
        return MathLib.min(room, totalLimit > totalUsed ? totalLimit - totalUsed : 0);
    }

    /// @dev `knownAsset`'s price `knownPrice` was just read (saves a second oracle read when the
    /// collateral is the native asset).
    function _keeperReward(uint256 debt, address knownAsset, uint256 knownPrice) internal view returns (uint256) {
        uint256 reward = _basefeeTip(_tipGas, knownAsset, knownPrice) + debt.wadMulDown(_keeperFee);
        return MathLib.min(reward, debt.wadMulDown(_maxRewardShare));
    }

    /// @dev gas × basefee [native wei] × native price [wad per whole token] / 1e18, capped at maxTip.
    /// The oracle's last good price is used whatever its status: the tip is pay, not risk.
    function _basefeeTip(uint256 gas, address knownAsset, uint256 knownPrice) internal view returns (uint256) {
        address asset = _nativeAsset;
        if (asset == address(0)) return 0;
        uint256 nativePrice = knownPrice;
        if (asset != knownAsset) (nativePrice, ) = oracle.getPrice(asset);
        uint256 tip = (gas * block.basefee).wadMulDown(nativePrice);
        return MathLib.min(tip, _maxTip);
    }

    function _activeAuction(uint256 auctionId) internal view returns (Auction storage auction) {
        auction = _auctions[auctionId];
        if (auction.lot == 0) revert AuctionNotActive(auctionId);
    }

    function _configuredCollateral(address collateral) internal view returns (Collateral storage config) {
        config = _collaterals[collateral];
        if (!config.enabled) revert CollateralNotConfigured(collateral);
    }

    function _params(Collateral storage c) internal view returns (AuctionParams memory) {
        return
            AuctionParams({
                startMultiplier: c.startMultiplier,
                floorRatio: c.floorRatio,
                duration: c.duration,
                maxAge: c.maxAge,
                maxAuctionDebt: c.maxAuctionDebt,
                dust: c.dust
            });
    }

    function _checkPrices(uint256 startMultiplier, uint256 floorRatio) internal pure {
        ErrorsLib.checkBounds(startMultiplier, ConstantsLib.MIN_START_MULTIPLIER, ConstantsLib.MAX_START_MULTIPLIER);
        ErrorsLib.checkBounds(floorRatio, ConstantsLib.MIN_FLOOR_RATIO, ConstantsLib.MAX_FLOOR_RATIO);
        if (floorRatio >= startMultiplier) revert FloorNotBelowStart(floorRatio, startMultiplier);
    }

    function _checkDuration(uint256 value) internal pure {
        ErrorsLib.checkBounds(value, ConstantsLib.MIN_AUCTION_DURATION, ConstantsLib.MAX_AUCTION_DURATION);
    }

    function _toUint96(uint256 value) internal pure returns (uint96) {
        if (value > type(uint96).max) revert ErrorsLib.AmountTooLarge(value, type(uint96).max);
        return uint96(value);
    }
}

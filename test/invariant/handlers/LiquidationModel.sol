// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IReservePool} from "../../../contracts/interfaces/IReservePool.sol";
import {IReserveLens} from "../../../contracts/interfaces/IReserveLens.sol";
import {IOracleAdapter, PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {Test} from "../utils/Test.sol";

/// @title LiquidationModel
/// @notice What `LiquidationHandler` expects of the liquidation engine, the reserve and the vault
/// manager's `seize`, written from the NatSpec of ILiquidationEngine, IReservePool and IVaultManager
/// (and CollateralLib's documented rounding), check by check in the documented order: for each call,
/// the exact revert data from a pre-state, or the exact effects. The pre-state is read from the chain
/// (views; `vaults` for a vault's normalized debt) right before the call; MathLib does the arithmetic
/// (it is fuzzed on its own in VaultMath.t.sol). Oracle prices and statuses come from the adapter's
/// `getPrice`, which the VaultManager suite models on its own.
abstract contract LiquidationModel is Test {
    using MathLib for uint256;

    /// @notice The deployed system. Token index 0 is WETH (18 decimals), 1 is WBTC (8).
    struct Deployment {
        address deployer;
        IVaultManager vaultManager;
        ILiquidationEngine engine;
        IReservePool reserve;
        IReserveLens lens;
        IOracleAdapter oracle;
        IBallastDollar stablecoin;
        MockERC20[2] tokens;
        MockAggregator[2] feeds;
        address[4] actors;
        address whale;
        address keeper;
    }

    /// @dev A vault as stored (`IVaultManager.Vault` with its amounts widened).
    struct VaultState {
        address collateral; // address(0): never opened, or closed
        uint256 normalizedDebt;
        address owner;
        uint256 collateralAmount;
    }

    /// @dev A debt-adding vault action (open or borrow) as the model sees it.
    struct DebtQuote {
        bytes err;
        uint256 rate; // [ray] after the action's accrual
        uint256 normalizedAdded;
        uint256 collateralNeeded; // for an open at a target ratio
    }

    /// @dev `liquidate` as the model sees it: the revert, or the seizure and what follows.
    struct LiquidationQuote {
        bytes err;
        uint256 c;
        address collateral;
        address owner;
        uint256 normalizedDebt;
        uint256 collateralAmount;
        uint256 rate;
        uint256 debt;
        uint256 sliced;
        uint256 absorbed;
        uint256 auctionDebt;
        uint256 toReserve;
        uint256 auctionCollateral;
        uint256 normalizedRemoved;
        uint256 reward;
        uint256 shortfall;
        bool startsAuction;
        uint256 tab;
    }

    struct TakeInput {
        uint256 auctionId;
        address taker;
        address receiver;
        uint256 maxCollateral;
        uint256 maxPrice;
        bool callback; // receiver is the TakeReceiver, called back with data
        bool pay; // the receiver pays the taker in the callback
        bool fund; // the payer is lent enough stablecoin first (else it holds none)
    }

    struct TakeQuote {
        bytes err;
        uint256 c;
        address collateral;
        address owner;
        bool sale;
        uint256 lot;
        uint256 tab;
        uint256 debt;
        uint256 startTime;
        uint256 multiplier;
        uint256 price;
        uint256 oraclePrice;
        PriceStatus oracleStatus;
        uint256 floorRatio;
        uint256 dust;
        uint256 out;
        uint256 paid;
        uint256 debtPaid;
        uint256 lotLeft;
        uint256 tabLeft;
        uint256 refund;
        uint256 shortfall;
        uint256 onSaleBefore;
    }

    struct RedoQuote {
        bytes err;
        uint256 c;
        uint256 reward;
        uint256 paidRedos; // after the restart
    }

    /// @dev What an action may change, for one collateral and one paid (or paying) account.
    struct Balances {
        address account;
        uint256 accountStable;
        uint256 reserveStable;
        uint256 deficit;
        uint256 reserveToken;
        uint256 reserveEscrow;
        uint256 engineToken;
        uint256 managerToken;
        uint256 debtUnderAuction;
    }

    uint256 internal constant ACTOR_COUNT = 4;
    uint256 internal constant COLLATERAL_COUNT = 2;
    uint256 internal constant HOLDER_COUNT = 10;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant BPS = 10_000;
    /// @dev Mock feeds answer with 8 decimals; the adapter scales to WAD.
    uint256 internal constant FEED_TO_WAD = 1e10;

    address public immutable deployer;
    IVaultManager public immutable vaultManager;
    ILiquidationEngine public immutable engine;
    IReservePool public immutable reserve;
    IReserveLens public immutable lens;
    IOracleAdapter public immutable oracle;
    IBallastDollar public immutable stablecoin;
    address public immutable whale;
    address public immutable keeper;

    MockERC20[2] internal _tokens;
    MockAggregator[2] internal _feeds;
    address[4] internal _actors;
    uint256[2] internal _scale; // 10^(18 − decimals)
    uint256[2] internal _initialAnswer;
    /// @dev Everyone who can hold collateral: the actors, the whale, the keeper, the take receiver,
    /// the vault manager, the engine and the reserve.
    address[10] internal _holders;
    uint256 public currentTime;

    constructor(Deployment memory d) {
        deployer = d.deployer;
        vaultManager = d.vaultManager;
        engine = d.engine;
        reserve = d.reserve;
        lens = d.lens;
        oracle = d.oracle;
        stablecoin = d.stablecoin;
        whale = d.whale;
        keeper = d.keeper;
        _actors = d.actors;
        currentTime = block.timestamp;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            _tokens[c] = d.tokens[c];
            _feeds[c] = d.feeds[c];
            _scale[c] = 10 ** (18 - d.tokens[c].decimals());
            (, int256 answer, , , ) = d.feeds[c].latestRoundData();
            _initialAnswer[c] = uint256(answer);
        }
    }

    // =================================================================== supply identity

    /// @notice E = Σ_c (⌈totalNormalizedDebt_c × rate_c / RAY⌉ − accruedFees_c) + totalDebtUnderAuction
    /// + deficit − totalSupply: stablecoin owed to the system minus stablecoin in circulation.
    function supplyExcess() public view returns (int256 e) {
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(_tokens[c]));
            e += int256(cfg.totalNormalizedDebt.rayMulUp(cfg.rateAccumulator)) - int256(cfg.accruedFees);
        }
        e += int256(engine.totalDebtUnderAuction()) + int256(reserve.deficit());
        e -= int256(stablecoin.totalSupply());
    }

    // =================================================================== vault manager

    function _quoteDebt(
        uint256 vaultId,
        uint256 c,
        uint256 normalizedDebt,
        uint256 collateralAmount,
        uint256 amount,
        uint256 ratio
    ) internal view returns (DebtQuote memory q) {
        vaultId;
        collateralAmount;
        address token = address(_tokens[c]);
        q.rate = vaultManager.currentRate(token);
        q.normalizedAdded = amount.rayDivUp(q.rate);
        if (ratio != 0) {
            uint256 newDebt = (normalizedDebt + q.normalizedAdded).rayMulUp(q.rate);
            (uint256 price, ) = oracle.getPrice(token);
            q.collateralNeeded = _amountForValueUp(c, newDebt.wadMulUp(ratio), price);
            if (q.collateralNeeded == 0) q.collateralNeeded = 1;
        }
    }

    /// @dev VaultManager._addDebt's checks in order (the collateral is never paused here), after the
    /// action's own argument checks.
    function _debtError(
        uint256 vaultId,
        uint256 c,
        uint256 normalizedDebt,
        uint256 collateralAmount,
        uint256 amount,
        DebtQuote memory q
    ) internal view returns (bytes memory) {
        if (amount == 0) return _err(ErrorsLib.ZeroAmount.selector);
        IVaultManager.CollateralConfig memory cfg = _collateral(c);
        uint256 newTotal = (cfg.totalNormalizedDebt + q.normalizedAdded).rayMulUp(q.rate);
        if (newTotal > cfg.debtCeiling) {
            return abi.encodeWithSelector(IVaultManager.DebtCeilingExceeded.selector, newTotal, cfg.debtCeiling);
        }
        uint256 newDebt = (normalizedDebt + q.normalizedAdded).rayMulUp(q.rate);
        if (newDebt < cfg.minDebt) {
            return abi.encodeWithSelector(IVaultManager.DebtBelowMinimum.selector, newDebt, cfg.minDebt);
        }
        address token = address(_tokens[c]);
        (uint256 price, PriceStatus status) = oracle.getPrice(token);
        if (status != PriceStatus.Live) {
            return abi.encodeWithSelector(IVaultManager.OracleNotLive.selector, token, status);
        }
        uint256 value = _valueDown(c, collateralAmount, price);
        uint256 required = newDebt.wadMulUp(cfg.borrowRatio);
        if (value < required) {
            return abi.encodeWithSelector(IVaultManager.BelowBorrowRatio.selector, vaultId, value, required);
        }
        return "";
    }

    /// @dev Debt the vault could add at the borrow ratio (before rounding).
    function _borrowHeadroom(
        uint256 c,
        uint256 collateralAmount,
        uint256 normalizedDebt
    ) internal view returns (uint256) {
        address token = address(_tokens[c]);
        (uint256 price, ) = oracle.getPrice(token);
        uint256 maxDebt = _valueDown(c, collateralAmount, price).wadDivDown(_collateral(c).borrowRatio);
        uint256 debt = normalizedDebt.rayMulUp(vaultManager.currentRate(token));
        return maxDebt > debt ? maxDebt - debt : 0;
    }

    // =================================================================== liquidate

    /// @dev ILiquidationEngine.liquidate and IVaultManager.seize: keeper, vault, (configured
    /// collateral), debt, live price, health, slice; then the seizure's split and the auction.
    function _quoteLiquidation(
        uint256 vaultId,
        address keeperAddress
    ) internal view returns (LiquidationQuote memory q) {
        VaultState memory v = _vault(vaultId);
        (q.collateral, q.owner, q.normalizedDebt, q.collateralAmount) = (
            v.collateral,
            v.owner,
            v.normalizedDebt,
            v.collateralAmount
        );
        if (keeperAddress == address(0)) {
            q.err = _err(ErrorsLib.ZeroAddress.selector);
            return q;
        }
        if (v.collateral == address(0)) {
            q.err = abi.encodeWithSelector(IVaultManager.UnknownVault.selector, vaultId);
            return q;
        }
        q.c = _index(v.collateral);
        uint256 buffer = _buffer();
        uint256 room = _room(q.c);
        if (v.normalizedDebt == 0) {
            q.err = abi.encodeWithSelector(IVaultManager.NoDebt.selector, vaultId);
            return q;
        }
        q.rate = vaultManager.currentRate(v.collateral);
        q.debt = v.normalizedDebt.rayMulUp(q.rate);
        (uint256 price, PriceStatus status) = oracle.getPrice(v.collateral);
        if (status != PriceStatus.Live) {
            q.err = abi.encodeWithSelector(IVaultManager.OracleNotLive.selector, v.collateral, status);
            return q;
        }
        IVaultManager.CollateralConfig memory cfg = _collateral(q.c);
        q.err = _healthError(q, vaultId, cfg, price);
        if (q.err.length != 0) return q;
        (q.sliced, q.absorbed) = _slice(q.debt, buffer, room, cfg.minDebt);
        _quoteSeizure(q, cfg, price);
        // A slice of nothing, or a partial slice with a part (absorbed or auctioned) that carries no
        // collateral, is refused (it would write debt off).
        bool emptyPart = (q.auctionDebt != 0 && q.auctionCollateral == 0) || (q.absorbed != 0 && q.toReserve == 0);
        if (q.sliced == 0 || (q.sliced < q.debt && emptyPart)) {
            q.err = abi.encodeWithSelector(
                IVaultManager.LiquidationLimitReached.selector,
                vaultId,
                q.debt,
                buffer.saturatingAdd(room)
            );
        }
    }

    /// @dev VaultNotLiquidatable unless value < ⌈debt × liquidationRatio⌉ (healthFactor < 1e18).
    function _healthError(
        LiquidationQuote memory q,
        uint256 vaultId,
        IVaultManager.CollateralConfig memory cfg,
        uint256 price
    ) internal view returns (bytes memory) {
        uint256 value = _valueDown(q.c, q.collateralAmount, price);
        uint256 required = q.debt.wadMulUp(cfg.liquidationRatio);
        if (value < required) return "";
        return abi.encodeWithSelector(IVaultManager.VaultNotLiquidatable.selector, vaultId, value.wadDivDown(required));
    }

    /// @dev IVaultManager.seize's split: collateral in proportion to the slice (rounded down, all of
    /// it for a whole liquidation); the reserve's escrow is credited absorbed × (1 + penalty) worth
    /// (rounded up) out of the absorbed share, the rest of that share stays in the vault; the engine
    /// gets the rest of the slice.
    function _quoteSeizure(
        LiquidationQuote memory q,
        IVaultManager.CollateralConfig memory cfg,
        uint256 price
    ) internal view {
        q.auctionDebt = q.sliced - q.absorbed;
        if (q.sliced == 0) return;
        uint256 slicedCollateral = _shareDown(q.collateralAmount, q.sliced, q.debt);
        uint256 absorbShare = _shareDown(slicedCollateral, q.absorbed, q.sliced);
        if (q.absorbed != 0) {
            uint256 owed = q.absorbed.wadMulUp(WAD + cfg.liquidationPenalty);
            q.toReserve = MathLib.min(absorbShare, _amountForValueUp(q.c, owed, price));
        }
        q.auctionCollateral = slicedCollateral - absorbShare;
        q.normalizedRemoved = q.sliced == q.debt ? q.normalizedDebt : q.sliced.rayDivDown(q.rate);
        q.reward = _keeperReward(q.sliced);
        q.startsAuction = q.auctionDebt != 0 && q.auctionCollateral != 0;
        if (q.auctionDebt != 0 && q.auctionCollateral == 0) q.shortfall = q.auctionDebt;
        if (q.startsAuction) q.tab = q.auctionDebt.wadMulUp(WAD + cfg.liquidationPenalty);
    }

    /// @dev CollateralLib.slice as its NatSpec states it.
    function _slice(
        uint256 debt,
        uint256 absorbCapacity,
        uint256 auctionRoom,
        uint256 minDebt
    ) internal pure returns (uint256 sliced, uint256 absorbed) {
        if (debt <= absorbCapacity) return (debt, debt);
        absorbed = absorbCapacity;
        sliced = absorbed + MathLib.min(debt - absorbed, auctionRoom);
        if (sliced < debt && debt - sliced < minDebt) {
            sliced = debt > minDebt ? debt - minDebt : 0;
            if (absorbed > sliced) absorbed = sliced;
        }
    }

    /// @dev The reserve's stability buffer as booked now (the handler checks the view against the
    /// booking rule and the stored ledgers after every action).
    function _buffer() internal view returns (uint256) {
        return reserve.stabilityBuffer();
    }

    /// @dev Room left under the collateral's and the total auction-debt limits.
    function _room(uint256 c) internal view returns (uint256) {
        ILiquidationEngine.CollateralState memory s = engine.collateralState(address(_tokens[c]));
        uint256 limit = s.params.maxAuctionDebt;
        uint256 room = limit > s.debtUnderAuction ? limit - s.debtUnderAuction : 0;
        uint256 total = engine.totalDebtUnderAuction();
        uint256 totalLimit = engine.maxTotalAuctionDebt();
        return MathLib.min(room, totalLimit > total ? totalLimit - total : 0);
    }

    /// @dev min(min(tipGas × basefee × native price, maxTip) + keeperFee × debt, maxRewardShare × debt).
    function _keeperReward(uint256 debt) internal view returns (uint256) {
        ILiquidationEngine.KeeperRewardParams memory p = engine.keeperRewardParams();
        return MathLib.min(_tip(p) + debt.wadMulDown(p.keeperFee), debt.wadMulDown(p.maxRewardShare));
    }

    function _tip(ILiquidationEngine.KeeperRewardParams memory p) internal view returns (uint256) {
        return _gasTip(p.tipGas, p.maxTip);
    }

    /// @dev gas × basefee × native price (its last good price), capped at maxTip; 0 without a native asset.
    function _gasTip(uint256 gas, uint256 maxTip) internal view returns (uint256) {
        address native = engine.nativeAsset();
        if (native == address(0)) return 0;
        (uint256 nativePrice, ) = oracle.getPrice(native);
        return MathLib.min((gas * block.basefee).wadMulDown(nativePrice), maxTip);
    }

    /// @dev `healthFactor` right before a liquidation (max for a vault without debt or that does not
    /// exist), cross-checked against the lens a keeper reads.
    function _healthBefore(uint256 vaultId) internal view returns (uint256 health) {
        if (_vault(vaultId).collateral == address(0)) return type(uint256).max;
        health = vaultManager.healthFactor(vaultId);
        IReserveLens.VaultHealth[] memory page = lens.vaultsHealth(vaultId, 1);
        assertEq(page.length, 1, "lens: page length");
        assertEq(page[0].healthFactor, health, "lens: health factor differs from the vault manager's");
        assertEq(page[0].debt, vaultManager.debtOf(vaultId), "lens: debt");
    }

    // =================================================================== take and redo

    /// @dev ILiquidationEngine.take: arguments, active auction, live oracle, age and floor, maxPrice,
    /// amounts (the dust rule), then the payment (the taker's balance once the callback has run).
    function _quoteTake(TakeInput memory t) internal view returns (TakeQuote memory q) {
        if (t.maxCollateral == 0) {
            q.err = _err(ErrorsLib.ZeroAmount.selector);
            return q;
        }
        if (t.receiver == address(0)) {
            q.err = _err(ErrorsLib.ZeroAddress.selector);
            return q;
        }
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(t.auctionId);
        if (a.collateral == address(0)) {
            q.err = abi.encodeWithSelector(ILiquidationEngine.AuctionNotActive.selector, t.auctionId);
            return q;
        }
        q.err = _takePriceError(q, a, t.auctionId);
        if (q.err.length != 0) return q;
        if (q.price > t.maxPrice) {
            q.err = abi.encodeWithSelector(ILiquidationEngine.PriceAboveMax.selector, q.price, t.maxPrice);
            return q;
        }
        q.err = _takeAmounts(q, MathLib.min(t.maxCollateral, q.lot));
        if (q.err.length != 0) return q;
        q.lotLeft = q.lot - q.out;
        q.tabLeft = q.tab - q.paid;
        q.debtPaid = MathLib.min(q.paid, q.debt);
        if (q.tabLeft == 0) q.refund = q.lotLeft;
        if (q.lotLeft == 0) q.shortfall = q.debt - q.debtPaid;
        q.err = _payError(t, q.paid);
    }

    /// @dev The auction's state, then: OracleNotLive, or AuctionNeedsReset (too old, or the multiplier
    /// below the floor ratio) with the price ⌊oracle × m(t)⌋ and the floor ⌊oracle × floorRatio⌋.
    function _takePriceError(
        TakeQuote memory q,
        ILiquidationEngine.AuctionView memory a,
        uint256 auctionId
    ) internal view returns (bytes memory) {
        q.c = _index(a.collateral);
        (q.collateral, q.owner, q.lot, q.tab, q.debt, q.startTime) = (
            a.collateral,
            a.owner,
            a.lot,
            a.tab,
            a.debt,
            a.startTime
        );
        q.sale = a.owner == address(reserve);
        q.onSaleBefore = engine.collateralState(a.collateral).collateralOnSale;
        ILiquidationEngine.AuctionParams memory params = _auction(q.c);
        (q.floorRatio, q.dust) = (params.floorRatio, params.dust);
        (q.oraclePrice, q.oracleStatus) = oracle.getPrice(a.collateral);
        if (q.oracleStatus != PriceStatus.Live) {
            return abi.encodeWithSelector(ILiquidationEngine.OracleNotLive.selector, a.collateral, q.oracleStatus);
        }
        q.multiplier = _multiplierAt(a.startTime, params);
        q.price = q.oraclePrice.wadMulDown(q.multiplier);
        if (!_stale(a.startTime, params)) return "";
        return
            abi.encodeWithSelector(
                ILiquidationEngine.AuctionNeedsReset.selector,
                auctionId,
                q.price,
                q.oraclePrice.wadMulDown(params.floorRatio)
            );
    }

    /// @dev Pays ⌈slice × price⌉; at or above the tab, pays the tab and receives ⌊tab / price⌋ (at most
    /// the slice). A partial take (slice < lot) leaving 0 < tab < dust is cut to leave exactly dust, or
    /// refused when the tab is already at most dust; then, leaving a lot worth ⌊lot left × price⌋ <
    /// dust, it is cut to leave ⌈dust / price⌉ units, or refused when the lot is no larger than that
    /// (ILiquidationEngine's dust rule); nothing for nothing.
    function _takeAmounts(TakeQuote memory q, uint256 slice) internal view returns (bytes memory) {
        uint256 paid = _valueUp(q.c, slice, q.price);
        if (paid >= q.tab) {
            (q.out, q.paid) = (MathLib.min(_amountForValueDown(q.c, q.tab, q.price), slice), q.tab);
            return "";
        }
        if (slice < q.lot) {
            if (q.tab - paid < q.dust) {
                if (q.tab <= q.dust) {
                    return abi.encodeWithSelector(ILiquidationEngine.TakeLeavesDust.selector, q.tab - paid, q.dust);
                }
                slice = _amountForValueDown(q.c, q.tab - q.dust, q.price);
                // Within one collateral unit of dust: only the whole tab or lot can be taken.
                if (slice == 0) {
                    return abi.encodeWithSelector(ILiquidationEngine.TakeLeavesDust.selector, q.tab - paid, q.dust);
                }
            }
            uint256 lotLeftValue = _valueDown(q.c, q.lot - slice, q.price);
            if (lotLeftValue < q.dust) {
                uint256 keep = _amountForValueUp(q.c, q.dust, q.price);
                if (keep >= q.lot) {
                    return abi.encodeWithSelector(ILiquidationEngine.TakeLeavesDustLot.selector, lotLeftValue, q.dust);
                }
                slice = q.lot - keep;
            }
            paid = _valueUp(q.c, slice, q.price);
        }
        if (slice == 0 || paid == 0) return _err(ErrorsLib.ZeroAmount.selector);
        (q.out, q.paid) = (slice, paid);
        return "";
    }

    /// @dev The burn from the taker after the callback: with a paying receiver, the receiver's transfer
    /// fails first if it lacks the stablecoin; otherwise the taker's balance must cover the payment.
    function _payError(TakeInput memory t, uint256 paid) internal view returns (bytes memory) {
        uint256 takerBalance = stablecoin.balanceOf(t.taker);
        if (t.callback && t.pay) {
            uint256 receiverBalance = stablecoin.balanceOf(t.receiver);
            if (receiverBalance < paid) return _insufficient(t.receiver, receiverBalance, paid);
            takerBalance += paid;
        }
        if (takerBalance < paid) return _insufficient(t.taker, takerBalance, paid);
        return "";
    }

    /// @dev m(t) = startMultiplier × (duration − t) / duration for t < duration, else 0 (rounded
    /// down); the auction price is ⌊oracle price × m(t)⌋.
    function _multiplierAt(
        uint256 startTime,
        ILiquidationEngine.AuctionParams memory params
    ) internal view returns (uint256) {
        uint256 elapsed = block.timestamp - startTime;
        if (elapsed >= params.duration) return 0;
        return params.startMultiplier.mulDivDown(params.duration - elapsed, params.duration);
    }

    /// @dev Too old (t > maxAge) or the multiplier below the floor ratio: only `redo` helps.
    function _stale(uint256 startTime, ILiquidationEngine.AuctionParams memory params) internal view returns (bool) {
        return block.timestamp - startTime > params.maxAge || _multiplierAt(startTime, params) < params.floorRatio;
    }

    /// @dev ILiquidationEngine.redo: keeper, active auction, needed (no price needed); the pay, only at
    /// a live price and while fewer than MAX_PAID_REDOS restarts were paid, is
    /// min(redoGas × basefee × native price, maxTip, ⌊maxRewardShare × min(tab, lot value)⌋ / MAX_PAID_REDOS).
    function _quoteRedo(uint256 auctionId, address keeperAddress) internal view returns (RedoQuote memory q) {
        if (keeperAddress == address(0)) {
            q.err = _err(ErrorsLib.ZeroAddress.selector);
            return q;
        }
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
        if (a.collateral == address(0)) {
            q.err = abi.encodeWithSelector(ILiquidationEngine.AuctionNotActive.selector, auctionId);
            return q;
        }
        q.c = _index(a.collateral);
        if (!_stale(a.startTime, _auction(q.c))) {
            q.err = abi.encodeWithSelector(ILiquidationEngine.RedoNotNeeded.selector, auctionId);
            return q;
        }
        q.paidRedos = a.paidRedos;
        // Paid only at a live price, at most MAX_PAID_REDOS times.
        if (a.paidRedos >= ConstantsLib.MAX_PAID_REDOS) return q;
        (uint256 oraclePrice, PriceStatus status) = oracle.getPrice(a.collateral);
        if (status != PriceStatus.Live) return q;
        ILiquidationEngine.KeeperRewardParams memory p = engine.keeperRewardParams();
        uint256 lotValue = _valueDown(q.c, a.lot, oraclePrice);
        uint256 cap = MathLib.min(a.tab, lotValue).wadMulDown(p.maxRewardShare) / ConstantsLib.MAX_PAID_REDOS;
        q.reward = MathLib.min(_gasTip(p.redoGas, p.maxTip), cap);
        if (q.reward != 0) q.paidRedos += 1;
    }

    // =================================================================== state reads

    function _balances(uint256 c, address account) internal view returns (Balances memory b) {
        MockERC20 token = _tokens[c];
        b.account = account;
        b.accountStable = stablecoin.balanceOf(account);
        b.reserveStable = stablecoin.balanceOf(address(reserve));
        b.deficit = reserve.deficit();
        b.reserveToken = token.balanceOf(address(reserve));
        b.reserveEscrow = vaultManager.escrowOf(address(token), address(reserve));
        b.engineToken = token.balanceOf(address(engine));
        b.managerToken = token.balanceOf(address(vaultManager));
        b.debtUnderAuction = engine.collateralState(address(token)).debtUnderAuction;
    }

    function _tokenBalances(uint256 c) internal view returns (uint256[HOLDER_COUNT] memory balances) {
        for (uint256 i; i < HOLDER_COUNT; ++i) balances[i] = _tokens[c].balanceOf(_holders[i]);
    }

    function _holderIndex(address account) internal view returns (uint256) {
        for (uint256 i; i < HOLDER_COUNT; ++i) if (_holders[i] == account) return i;
        fail(string.concat("collateral reached an unexpected holder: ", vm.toString(account)));
    }

    /// @dev A vault as stored (zeros when it does not exist), through the vault manager's raw view.
    function _vault(uint256 vaultId) internal view returns (VaultState memory v) {
        IVaultManager.Vault[] memory page = vaultManager.vaults(vaultId, 1);
        if (page.length == 1) {
            (v.collateral, v.normalizedDebt, v.owner, v.collateralAmount) = (
                page[0].collateral,
                page[0].normalizedDebt,
                page[0].owner,
                page[0].collateralAmount
            );
        }
    }

    function _index(address token) internal view returns (uint256) {
        if (token == address(_tokens[0])) return 0;
        if (token == address(_tokens[1])) return 1;
        fail(string.concat("unknown collateral: ", vm.toString(token)));
    }

    function _collateral(uint256 c) internal view returns (IVaultManager.CollateralConfig memory) {
        return vaultManager.collateralConfig(address(_tokens[c]));
    }

    function _auction(uint256 c) internal view returns (ILiquidationEngine.AuctionParams memory) {
        return engine.collateralState(address(_tokens[c])).params;
    }

    // =================================================================== units (CollateralLib's rounding)

    function _valueDown(uint256 c, uint256 amount, uint256 price) internal view returns (uint256) {
        return (amount * _scale[c]).wadMulDown(price);
    }

    function _valueUp(uint256 c, uint256 amount, uint256 price) internal view returns (uint256) {
        return (amount * _scale[c]).wadMulUp(price);
    }

    function _amountForValueDown(uint256 c, uint256 value, uint256 price) internal view returns (uint256) {
        return value.wadDivDown(price) / _scale[c];
    }

    function _amountForValueUp(uint256 c, uint256 value, uint256 price) internal view returns (uint256) {
        return (value.wadDivUp(price) + _scale[c] - 1) / _scale[c];
    }

    function _shareDown(uint256 amount, uint256 part, uint256 whole) internal pure returns (uint256) {
        return part == whole ? amount : amount.mulDivDown(part, whole);
    }

    function _ceilDiv(uint256 x, uint256 d) internal pure returns (uint256) {
        return (x + d - 1) / d;
    }

    // =================================================================== encoding

    function _err(bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector);
    }

    function _insufficient(address account, uint256 balance, uint256 needed) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("ERC20InsufficientBalance(address,uint256,uint256)", account, balance, needed);
    }

    function _boundError(uint256 value, uint256 min, uint256 max) internal pure returns (bytes memory) {
        if (value >= min && value <= max) return "";
        return abi.encodeWithSelector(ErrorsLib.OutOfBounds.selector, value, min, max);
    }

    function _hex(bytes memory data) internal pure returns (string memory) {
        bytes16 digits = "0123456789abcdef";
        bytes memory out = new bytes(2 + data.length * 2);
        (out[0], out[1]) = ("0", "x");
        for (uint256 i; i < data.length; ++i) {
            out[2 + 2 * i] = digits[uint8(data[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(data[i]) & 0x0f];
        }
        return string(out);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {IOracleAdapter, PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {Test} from "../utils/Test.sol";

/// @title VaultManagerModel
/// @notice Reference model of VaultManager and OracleAdapter for `VaultHandler`: the state the
/// handler expects on chain (every vault, both collaterals' accounting and parameters, operator
/// approvals, every account's balances, the oracle's last good price and circuit breaker, the clock)
/// and, for each action, the exact revert the contracts must produce from a given pre-state. It is
/// written from the interfaces' documented rules, check by check in the contracts' order, using
/// MathLib for the arithmetic (MathLib itself is fuzzed in VaultMath.t.sol).
// A model of two contracts needs their state.
// solhint-disable-next-line max-states-count
abstract contract VaultManagerModel is Test {
    using MathLib for uint256;

    /// @dev Mirrors OracleAdapter's private `Outcome`: what the circuit breaker makes of a reading.
    enum Outcome {
        Rejected,
        Accepted,
        Confirmed,
        Tripped,
        Held
    }

    /// @notice The deployed system the handler drives. Index 0 is WETH (18 decimals), 1 is WBTC (8).
    struct Deployment {
        address deployer;
        IVaultManager vaultManager;
        IOracleAdapter oracle;
        IBallastDollar stablecoin;
        address reserve;
        MockERC20[2] tokens;
        MockAggregator[2] feeds;
        address[4] actors;
    }

    /// @dev The model's copy of a collateral's state in VaultManager.
    struct CollateralModel {
        uint256 rate; // [ray]
        uint256 lastAccrual;
        uint256 stabilityFee; // [ray per second]
        uint256 totalNormalizedDebt;
        uint256 accruedFees;
        uint256 totalCollateral;
        uint256 debtCeiling;
        uint256 minDebt;
        uint256 liquidationRatio;
        uint256 borrowRatio;
        uint256 liquidationPenalty;
        bool paused;
    }

    /// @dev The model's copy of a feed and of the adapter's state for its asset.
    struct FeedModel {
        uint256 answer; // [8 decimals] latest round
        uint256 updatedAt;
        uint256 lastGood; // [wad]
        uint256 lastGoodUpdatedAt;
        bool frozen;
        uint256 pending; // [wad]
        uint256 pendingUpdatedAt;
    }

    struct VaultModel {
        bool open;
        address owner;
        uint256 collateralIndex;
        uint256 collateralAmount;
        uint256 normalizedDebt;
    }

    /// @dev A debt-adding action as the model sees it.
    struct DebtQuote {
        bytes err;
        uint256 rate;
        uint256 normalizedAdded;
    }

    uint256 internal constant ACTOR_COUNT = 4;
    uint256 internal constant COLLATERAL_COUNT = 2;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    /// @dev Mock feeds answer with 8 decimals; the adapter scales to WAD.
    uint256 internal constant FEED_TO_WAD = 1e10;

    address public immutable deployer;
    IVaultManager public immutable vaultManager;
    IOracleAdapter public immutable oracle;
    IBallastDollar public immutable stablecoin;
    address public immutable reserve;

    MockERC20[2] internal _tokens;
    MockAggregator[2] internal _feeds;
    address[4] internal _actors;
    mapping(address actor => uint256) internal _actorIndex; // index + 1
    uint256[2] internal _scale; // 10^(18 − decimals)
    uint256[2] internal _heartbeat;
    uint256[2] internal _minPrice;
    uint256[2] internal _maxPrice;
    uint256[2] internal _maxDeviation;

    CollateralModel[2] internal _collateral;
    FeedModel[2] internal _feed;
    mapping(uint256 vaultId => VaultModel) internal _vault;
    uint256 public vaultCount;
    mapping(address owner => mapping(address operator => bool)) internal _approved;
    mapping(address account => uint256) public expectedStable;
    mapping(address account => uint256[2]) internal _expectedToken;
    uint256 public feesToReserve;
    uint256 public currentTime;

    /// @dev Starts from the deployed state (the deploy itself is not modelled).
    constructor(Deployment memory d) {
        deployer = d.deployer;
        vaultManager = d.vaultManager;
        oracle = d.oracle;
        stablecoin = d.stablecoin;
        reserve = d.reserve;
        _actors = d.actors;
        for (uint256 i; i < ACTOR_COUNT; ++i) _actorIndex[d.actors[i]] = i + 1;
        currentTime = block.timestamp;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            _tokens[c] = d.tokens[c];
            _feeds[c] = d.feeds[c];
            _scale[c] = 10 ** (18 - d.tokens[c].decimals());
            _initModel(c);
        }
    }

    function expectedToken(address account, uint256 c) external view returns (uint256) {
        return _expectedToken[account][c];
    }

    // =================================================================== VaultManager: expected reverts

    /// @dev VaultManager._addDebt, check by check in its order.
    function _quoteDebt(
        uint256 vaultId,
        uint256 c,
        uint256 normalizedDebt,
        uint256 collateralAmount,
        uint256 amount
    ) internal view returns (DebtQuote memory quote) {
        CollateralModel storage m = _collateral[c];
        if (m.paused) {
            quote.err = _pausedError(c);
            return quote;
        }
        quote.rate = _rateNow(c);
        quote.normalizedAdded = amount.rayDivUp(quote.rate);
        uint256 newTotalDebt = (m.totalNormalizedDebt + quote.normalizedAdded).rayMulUp(quote.rate);
        if (newTotalDebt > m.debtCeiling) {
            quote.err = abi.encodeWithSelector(IVaultManager.DebtCeilingExceeded.selector, newTotalDebt, m.debtCeiling);
            return quote;
        }
        uint256 newDebt = (normalizedDebt + quote.normalizedAdded).rayMulUp(quote.rate);
        if (newDebt < m.minDebt) {
            quote.err = abi.encodeWithSelector(IVaultManager.DebtBelowMinimum.selector, newDebt, m.minDebt);
            return quote;
        }
        quote.err = _borrowRatioError(vaultId, c, collateralAmount, newDebt);
    }

    /// @dev VaultManager.repay after its existence, amount and debt checks.
    function _quoteRepay(
        VaultModel storage v,
        uint256 amount
    ) internal view returns (bytes memory err, uint256 burnt, uint256 normalizedRepaid) {
        uint256 rate = _rateNow(v.collateralIndex);
        uint256 debt = v.normalizedDebt.rayMulUp(rate);
        if (amount >= debt) return ("", debt, v.normalizedDebt);
        normalizedRepaid = amount.rayDivDown(rate);
        uint256 remaining = (v.normalizedDebt - normalizedRepaid).rayMulUp(rate);
        uint256 minDebt = _collateral[v.collateralIndex].minDebt;
        if (remaining < minDebt) {
            err = abi.encodeWithSelector(IVaultManager.DebtBelowMinimum.selector, remaining, minDebt);
        }
        burnt = amount;
    }

    /// @dev VaultManager._checkBorrowRatio.
    function _borrowRatioError(
        uint256 vaultId,
        uint256 c,
        uint256 collateralAmount,
        uint256 debt
    ) internal view returns (bytes memory) {
        (uint256 price, PriceStatus status) = _price(c);
        if (status != PriceStatus.Live) {
            return abi.encodeWithSelector(IVaultManager.OracleNotLive.selector, address(_tokens[c]), status);
        }
        uint256 value = (collateralAmount * _scale[c]).wadMulDown(price);
        uint256 required = debt.wadMulUp(_collateral[c].borrowRatio);
        if (value < required) {
            return abi.encodeWithSelector(IVaultManager.BelowBorrowRatio.selector, vaultId, value, required);
        }
        return "";
    }

    function _authorizationError(address actor, uint256 vaultId) internal view returns (bytes memory) {
        VaultModel storage v = _vault[vaultId];
        if (!v.open) return abi.encodeWithSelector(IVaultManager.UnknownVault.selector, vaultId);
        if (actor != v.owner && !_approved[v.owner][actor]) {
            return abi.encodeWithSelector(IVaultManager.NotOwnerOrOperator.selector, vaultId, actor);
        }
        return "";
    }

    /// @dev The stablecoin burns from the payer after VaultManager's own checks.
    function _balanceError(address payer, uint256 amount) internal view returns (bytes memory) {
        uint256 balance = expectedStable[payer];
        if (balance >= amount) return "";
        return abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, payer, balance, amount);
    }

    function _pausedError(uint256 c) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IVaultManager.CollateralPaused.selector, address(_tokens[c]));
    }

    /// @dev The setter's revert for `value`, in the order of the setter's checks.
    function _parameterError(uint256 c, uint256 which, uint256 value) internal view returns (bytes memory) {
        CollateralModel storage m = _collateral[c];
        bytes memory noChange = _err(ErrorsLib.NoChange.selector);
        if (which == 0) {
            bytes memory err = _boundError(value, 0, ConstantsLib.MAX_DEBT_CEILING);
            return err.length == 0 && value == m.debtCeiling ? noChange : err;
        }
        if (which == 1) {
            bytes memory err = _boundError(value, 0, ConstantsLib.MAX_MIN_DEBT);
            return err.length == 0 && value == m.minDebt ? noChange : err;
        }
        if (which == 2) {
            if (value == m.liquidationRatio) return noChange;
            return
                _firstError(
                    _ratiosError(value, m.borrowRatio),
                    _stepError(m.liquidationRatio, value, ConstantsLib.MAX_LIQUIDATION_RATIO_STEP)
                );
        }
        if (which == 3) return value == m.borrowRatio ? noChange : _ratiosError(m.liquidationRatio, value);
        if (which == 4) {
            if (value == m.liquidationPenalty) return noChange;
            return
                _firstError(
                    _boundError(value, 0, ConstantsLib.MAX_LIQUIDATION_PENALTY),
                    _stepError(m.liquidationPenalty, value, ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP)
                );
        }
        return value == m.stabilityFee ? noChange : _boundError(value, RAY, ConstantsLib.MAX_STABILITY_FEE);
    }

    /// @dev The setter call for parameter `which` (see `_parameterError`).
    function _parameterCall(uint256 c, uint256 which, uint256 value) internal view returns (bytes memory) {
        address token = address(_tokens[c]);
        if (which == 0) return abi.encodeCall(IVaultManager.setDebtCeiling, (token, value));
        if (which == 1) return abi.encodeCall(IVaultManager.setMinDebt, (token, value));
        if (which == 2) return abi.encodeCall(IVaultManager.setLiquidationRatio, (token, value));
        if (which == 3) return abi.encodeCall(IVaultManager.setBorrowRatio, (token, value));
        if (which == 4) return abi.encodeCall(IVaultManager.setLiquidationPenalty, (token, value));
        return abi.encodeCall(IVaultManager.setStabilityFee, (token, value));
    }

    function _firstError(bytes memory first, bytes memory second) internal pure returns (bytes memory) {
        return first.length != 0 ? first : second;
    }

    function _ratiosError(uint256 liquidationRatio, uint256 borrowRatio) internal pure returns (bytes memory err) {
        err = _boundError(liquidationRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, ConstantsLib.MAX_LIQUIDATION_RATIO);
        if (err.length != 0) return err;
        err = _boundError(borrowRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, ConstantsLib.MAX_BORROW_RATIO);
        if (err.length != 0) return err;
        if (borrowRatio < liquidationRatio) {
            err = abi.encodeWithSelector(
                IVaultManager.BorrowRatioBelowLiquidationRatio.selector,
                borrowRatio,
                liquidationRatio
            );
        }
    }

    function _boundError(uint256 value, uint256 min, uint256 max) internal pure returns (bytes memory) {
        if (value >= min && value <= max) return "";
        return abi.encodeWithSelector(ErrorsLib.OutOfBounds.selector, value, min, max);
    }

    function _stepError(uint256 oldValue, uint256 newValue, uint256 maxStep) internal pure returns (bytes memory) {
        if (oldValue.absDiff(newValue) <= maxStep) return "";
        return abi.encodeWithSelector(ErrorsLib.StepTooLarge.selector, oldValue, newValue, maxStep);
    }

    // =================================================================== VaultManager: interest

    /// @dev VaultManager._accrueWithFee.
    function _accrueModel(uint256 c) internal {
        CollateralModel storage m = _collateral[c];
        if (block.timestamp == m.lastAccrual) return;
        uint256 newRate = _rateNow(c);
        m.accruedFees += m.totalNormalizedDebt.rayMulUp(newRate) - m.totalNormalizedDebt.rayMulUp(m.rate);
        m.rate = newRate;
        m.lastAccrual = block.timestamp;
    }

    function _rateNow(uint256 c) internal view returns (uint256) {
        CollateralModel storage m = _collateral[c];
        uint256 elapsed = block.timestamp - m.lastAccrual;
        if (elapsed == 0) return m.rate;
        return m.rate.rayMulUp(MathLib.rpowUp(m.stabilityFee, elapsed));
    }

    /// @dev ⌈rate / RAY⌉: the most one borrow or partial repay can add to E (see the test file).
    function _ceilRate(uint256 c) internal view returns (uint256) {
        return (_collateral[c].rate + RAY - 1) / RAY;
    }

    function _initModel(uint256 c) internal {
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(_tokens[c]));
        _collateral[c] = CollateralModel({
            rate: cfg.rateAccumulator,
            lastAccrual: cfg.lastAccrual,
            stabilityFee: cfg.stabilityFee,
            totalNormalizedDebt: cfg.totalNormalizedDebt,
            accruedFees: cfg.accruedFees,
            totalCollateral: cfg.totalCollateral,
            debtCeiling: cfg.debtCeiling,
            minDebt: cfg.minDebt,
            liquidationRatio: cfg.liquidationRatio,
            borrowRatio: cfg.borrowRatio,
            liquidationPenalty: cfg.liquidationPenalty,
            paused: cfg.paused
        });
        IOracleAdapter.FeedConfig memory feedConfig = oracle.feedConfig(address(_tokens[c]));
        _heartbeat[c] = feedConfig.heartbeat;
        _minPrice[c] = feedConfig.minPrice;
        _maxPrice[c] = feedConfig.maxPrice;
        _maxDeviation[c] = feedConfig.maxDeviation;
        IOracleAdapter.PriceState memory state = oracle.priceState(address(_tokens[c]));
        (, int256 answer, , uint256 updatedAt, ) = _feeds[c].latestRoundData();
        _feed[c] = FeedModel({
            answer: uint256(answer),
            updatedAt: updatedAt,
            lastGood: state.lastGoodPrice,
            lastGoodUpdatedAt: state.lastGoodUpdatedAt,
            frozen: state.frozen,
            pending: state.pendingPrice,
            pendingUpdatedAt: state.pendingUpdatedAt
        });
    }

    // =================================================================== OracleAdapter

    /// @dev OracleAdapter._evaluate for a feed that never fails (no sequencer feed, no secondary).
    function _evaluate(
        uint256 c
    ) internal view returns (Outcome outcome, PriceStatus status, uint256 price, uint256 updatedAt) {
        FeedModel storage f = _feed[c];
        if (block.timestamp - f.updatedAt > _heartbeat[c]) return (Outcome.Rejected, PriceStatus.Stale, 0, 0);
        price = f.answer * FEED_TO_WAD;
        if (price < _minPrice[c] || price > _maxPrice[c]) return (Outcome.Rejected, PriceStatus.OutOfBounds, 0, 0);
        updatedAt = f.updatedAt;
        if (!f.frozen) outcome = _within(c, price, f.lastGood) ? Outcome.Accepted : Outcome.Tripped;
        else if (updatedAt <= f.pendingUpdatedAt) outcome = Outcome.Held;
        else outcome = _within(c, price, f.pending) ? Outcome.Confirmed : Outcome.Tripped;
        status = outcome == Outcome.Accepted || outcome == Outcome.Confirmed ? PriceStatus.Live : PriceStatus.Frozen;
    }

    function _within(uint256 c, uint256 price, uint256 referencePrice) internal view returns (bool) {
        return price.absDiff(referencePrice) * WAD <= _maxDeviation[c] * referencePrice;
    }

    /// @dev The price OracleAdapter.getPrice returns, per the model (for shaping inputs).
    function _modelPrice(uint256 c) internal view returns (uint256 price) {
        Outcome outcome;
        (outcome, , price, ) = _evaluate(c);
        if (outcome != Outcome.Accepted && outcome != Outcome.Confirmed) price = _feed[c].lastGood;
    }

    /// @dev OracleAdapter.getPrice per the model, checked against the adapter.
    function _price(uint256 c) internal view returns (uint256 price, PriceStatus status) {
        Outcome outcome;
        (outcome, status, price, ) = _evaluate(c);
        if (outcome != Outcome.Accepted && outcome != Outcome.Confirmed) price = _feed[c].lastGood;
        (uint256 chainPrice, PriceStatus chainStatus) = oracle.getPrice(address(_tokens[c]));
        assertEq(chainPrice, price, "oracle model: price");
        assertEq(uint256(chainStatus), uint256(status), "oracle model: status");
    }

    /// @dev OracleAdapter.recordPrice after the feed published a round at `answer`, now.
    function _recordModel(uint256 c, uint256 answer) internal {
        FeedModel storage f = _feed[c];
        (f.answer, f.updatedAt) = (answer, block.timestamp);
        (Outcome outcome, , uint256 price, uint256 updatedAt) = _evaluate(c);
        if (outcome == Outcome.Accepted || outcome == Outcome.Confirmed) {
            if (updatedAt > f.lastGoodUpdatedAt) f.lastGoodUpdatedAt = updatedAt;
            (f.lastGood, f.frozen, f.pending, f.pendingUpdatedAt) = (price, false, 0, 0);
        } else if (outcome == Outcome.Tripped) {
            (f.frozen, f.pending, f.pendingUpdatedAt) = (true, price, updatedAt);
        }
    }

    function _advance(uint256 dt) internal {
        currentTime += dt;
        vm.warp(currentTime);
    }

    // =================================================================== encoding

    function _err(bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector);
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

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IOracleAdapter, PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {RateLib} from "../../../contracts/libraries/RateLib.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {Test} from "../utils/Test.sol";

/// @title VaultManagerModel
/// @notice Reference model of VaultManager and OracleAdapter for `VaultHandler`: the state the
/// handler expects on chain (every vault, both collaterals' accounting, parameters and pauses, the
/// longest pause, operator approvals, every account's balances, the oracle's last good price and
/// circuit breaker, the liquidation engine's cap on the keeper reward, the clock)
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

    /// @notice The deployed system the handler drives. Index 0 is WETH (18 decimals), 1 is WBTC (8),
    /// registered in that order. `deployer` holds DEFAULT_ADMIN_ROLE (governance) of the vault
    /// manager and of the engine, `guardian` only GUARDIAN_ROLE, the actors no role. `engine` is the
    /// vault manager's liquidation engine (address(0): none wired).
    struct Deployment {
        address deployer;
        address guardian;
        IVaultManager vaultManager;
        ILiquidationEngine engine;
        IOracleAdapter oracle;
        IBallastDollar stablecoin;
        address reserve;
        MockERC20[2] tokens;
        MockAggregator[2] feeds;
        address[4] actors;
        /// @dev Holds RISK_CONTROL_ROLE, standing in for the risk controller: halts by
        /// applyRiskSettings (address(0): none).
        address controller;
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
        uint256 pausedUntil; // paused iff block.timestamp < pausedUntil; 0 until the first pause
        bool pausedByGuardian; // the guardian paused since governance last paused or unpaused
        uint256 guardianPausedUntil; // end of that guardian pause (0: none); halts leave it alone
        // Time of the last change of each stepped parameter (0: never changed; not returned by
        // collateralConfig, compared with VaultManager's storage, see VaultStorage.loadStepTimes).
        uint256 liquidationRatioSetAt;
        uint256 liquidationPenaltySetAt;
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

    /// @dev VaultManager's pause API (see `_pauseCallData`).
    enum PauseCall {
        Pause, // one collateral, by the guardian or governance
        PauseAll, // the circuit breaker
        Unpause // governance ends a running pause (a no-op on the pause when none runs)
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
    address public immutable guardian;
    address public immutable controller;
    IVaultManager public immutable vaultManager;
    ILiquidationEngine public immutable engine;
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
    /// @dev VaultManager.maxPauseDuration.
    uint256 internal _maxPauseDuration;
    /// @dev The engine's keeperRewardParams().maxRewardShare (0 without an engine).
    uint256 internal _maxRewardShare;

    /// @dev Starts from the deployed state (the deploy itself is not modelled).
    constructor(Deployment memory d) {
        deployer = d.deployer;
        guardian = d.guardian;
        controller = d.controller;
        vaultManager = d.vaultManager;
        engine = d.engine;
        oracle = d.oracle;
        stablecoin = d.stablecoin;
        reserve = d.reserve;
        _actors = d.actors;
        for (uint256 i; i < ACTOR_COUNT; ++i) _actorIndex[d.actors[i]] = i + 1;
        currentTime = block.timestamp;
        _maxPauseDuration = d.vaultManager.maxPauseDuration();
        assertEq(d.vaultManager.liquidationEngine(), address(d.engine), "deployment: liquidation engine");
        if (address(d.engine) != address(0)) _maxRewardShare = d.engine.keeperRewardParams().maxRewardShare;
        address[] memory registered = d.vaultManager.collaterals();
        assertEq(registered.length, COLLATERAL_COUNT, "deployment: collateral count");
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            assertEq(registered[c], address(d.tokens[c]), "deployment: collateral order");
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
        if (_paused(c)) {
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

    // =================================================================== VaultManager: pauses

    /// @dev VaultManager._checkNotPaused: a pause runs until (excluding) `pausedUntil`.
    function _paused(uint256 c) internal view returns (bool) {
        return block.timestamp < _collateral[c].pausedUntil;
    }

    /// @dev Collateral `c` of the pause actions: a registered one (0, 1), or COLLATERAL_COUNT for an
    /// address that is not a collateral (the stablecoin).
    function _collateralAddress(uint256 c) internal view returns (address) {
        return c < COLLATERAL_COUNT ? address(_tokens[c]) : address(stablecoin);
    }

    /// @dev The call data of pause API call `which` on collateral `c` (ignored for PauseAll).
    function _pauseCallData(PauseCall which, uint256 c) internal view returns (bytes memory) {
        if (which == PauseCall.Pause) return abi.encodeCall(IVaultManager.pauseRiskAdding, (_collateralAddress(c)));
        if (which == PauseCall.PauseAll) return abi.encodeCall(IVaultManager.pauseAllRiskAdding, ());
        return abi.encodeCall(IVaultManager.allowRiskAdding, (_collateralAddress(c)));
    }

    function _pauseCallName(PauseCall which) internal pure returns (string memory) {
        if (which == PauseCall.Pause) return "pauseRiskAdding";
        return which == PauseCall.PauseAll ? "pauseAllRiskAdding" : "allowRiskAdding";
    }

    /// @dev VaultManager.pauseRiskAdding, check by check: the caller's role, the collateral, then the
    /// guardian's rules (governance may renew a running pause).
    function _pauseError(address caller, uint256 c) internal view returns (bytes memory) {
        if (caller != deployer && caller != guardian) {
            return abi.encodeWithSelector(IVaultManager.NotGuardian.selector, caller);
        }
        if (c >= COLLATERAL_COUNT) return _unknownCollateralError(c);
        return caller == deployer ? bytes("") : _guardianPauseError(c);
    }

    /// @dev VaultManager._pause for the guardian: no pause while one runs (its own, governance's or a
    /// risk-controller halt), nor, after a pause of its own that governance neither renewed nor ended,
    /// within one maxPauseDuration (the one in force now) of that pause's own end — a halt that ran
    /// past it changes neither. A pause made or ended by governance leaves no cool-down.
    function _guardianPauseError(uint256 c) internal view returns (bytes memory) {
        CollateralModel storage m = _collateral[c];
        uint256 until = m.pausedUntil;
        address token = address(_tokens[c]);
        if (block.timestamp < until) return abi.encodeWithSelector(IVaultManager.AlreadyPaused.selector, token, until);
        uint256 own = m.guardianPausedUntil;
        if (own != 0 && block.timestamp < own + _maxPauseDuration) {
            return abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, token, own + _maxPauseDuration);
        }
        return "";
    }

    /// @dev VaultManager.pauseAllRiskAdding: the revert, and which collaterals it pauses (governance
    /// every one, the guardian exactly those a `pauseRiskAdding` of its own would not refuse; none is
    /// `NothingToPause`).
    function _circuitBreakerQuote(address caller) internal view returns (bytes memory err, bool[2] memory pauses) {
        if (caller != deployer && caller != guardian) {
            return (abi.encodeWithSelector(IVaultManager.NotGuardian.selector, caller), pauses);
        }
        bool any;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            pauses[c] = caller == deployer || _guardianPauseError(c).length == 0;
            any = any || pauses[c];
        }
        if (!any) err = _err(IVaultManager.NothingToPause.selector);
    }

    /// @dev VaultManager.allowRiskAdding (unpause): governance only, a registered collateral; it never
    /// reverts otherwise, paused or not. It ends a running pause now and always clears
    /// `pausedByGuardian` (no cool-down follows), see `_applyUnpauseModel`.
    function _unpauseError(address caller, uint256 c) internal view returns (bytes memory) {
        if (caller != deployer) return _accessError(caller);
        if (c >= COLLATERAL_COUNT) return _unknownCollateralError(c);
        return "";
    }

    /// @dev VaultManager.allowRiskAdding's effect on collateral `c`: a running pause ends now (a
    /// lapsed one keeps its end), and the guardian's cool-down is gone either way.
    function _applyUnpauseModel(uint256 c) internal {
        CollateralModel storage m = _collateral[c];
        if (_paused(c)) m.pausedUntil = block.timestamp;
        m.pausedByGuardian = false;
        m.guardianPausedUntil = 0;
    }

    /// @dev VaultManager.setMaxPauseDuration: governance only, the bounds, then NoChange.
    function _maxPauseDurationError(address caller, uint256 value) internal view returns (bytes memory) {
        if (caller != deployer) return _accessError(caller);
        bytes memory err = _boundError(value, ConstantsLib.MIN_PAUSE_DURATION, ConstantsLib.MAX_PAUSE_DURATION);
        if (err.length != 0) return err;
        return value == _maxPauseDuration ? _err(ErrorsLib.NoChange.selector) : bytes("");
    }

    /// @dev AccessControl's onlyRole(DEFAULT_ADMIN_ROLE).
    function _accessError(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, bytes32(0));
    }

    function _unknownCollateralError(uint256 c) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IVaultManager.UnknownCollateral.selector, _collateralAddress(c));
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
                    _stepError(
                        m.liquidationRatio,
                        value,
                        ConstantsLib.MAX_LIQUIDATION_RATIO_STEP,
                        m.liquidationRatioSetAt
                    )
                );
        }
        if (which == 3) return value == m.borrowRatio ? noChange : _ratiosError(m.liquidationRatio, value);
        if (which == 4) {
            if (value == m.liquidationPenalty) return noChange;
            return
                _firstError(
                    _firstError(
                        _boundError(value, 0, ConstantsLib.MAX_LIQUIDATION_PENALTY),
                        _stepError(
                            m.liquidationPenalty,
                            value,
                            ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP,
                            m.liquidationPenaltySetAt
                        )
                    ),
                    _penaltyRewardError(value)
                );
        }
        return value == m.stabilityFee ? noChange : _boundError(value, RAY, ConstantsLib.MAX_STABILITY_FEE);
    }

    /// @dev VaultManager._checkPenaltyCoversReward: with an engine wired, a penalty below its
    /// maxRewardShare would let a keeper reward exceed what the vault's owner pays.
    function _penaltyRewardError(uint256 penalty) internal view returns (bytes memory) {
        if (address(engine) == address(0) || penalty >= _maxRewardShare) return "";
        return abi.encodeWithSelector(IVaultManager.PenaltyBelowKeeperReward.selector, penalty, _maxRewardShare);
    }

    /// @dev LiquidationEngine.setMaxRewardShare: governance only, NoChange, the bounds, then the
    /// first registered collateral (in `collaterals()` order: WETH, WBTC) whose penalty is below it.
    function _maxRewardShareError(address caller, uint256 value) internal view returns (bytes memory) {
        if (caller != deployer) return _accessError(caller);
        if (value == _maxRewardShare) return _err(ErrorsLib.NoChange.selector);
        bytes memory err = _boundError(value, 0, ConstantsLib.MAX_KEEPER_REWARD_SHARE);
        if (err.length != 0) return err;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            uint256 penalty = _collateral[c].liquidationPenalty;
            if (value > penalty) {
                return
                    abi.encodeWithSelector(
                        ILiquidationEngine.RewardShareAbovePenalty.selector,
                        address(_tokens[c]),
                        penalty,
                        value
                    );
            }
        }
        return "";
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

    /// @dev VaultManager._checkStep: the step's size first, then its timing: after a change at
    /// `lastChange` (0: never changed) the next one is allowed from lastChange + MIN_STEP_INTERVAL.
    function _stepError(
        uint256 oldValue,
        uint256 newValue,
        uint256 maxStep,
        uint256 lastChange
    ) internal view returns (bytes memory) {
        if (oldValue.absDiff(newValue) > maxStep) {
            return abi.encodeWithSelector(ErrorsLib.StepTooLarge.selector, oldValue, newValue, maxStep);
        }
        return _stepTooSoonError(lastChange);
    }

    function _stepTooSoonError(uint256 lastChange) internal view returns (bytes memory) {
        if (lastChange == 0 || block.timestamp >= lastChange + ConstantsLib.MIN_STEP_INTERVAL) return "";
        return abi.encodeWithSelector(ErrorsLib.StepTooSoon.selector, lastChange + ConstantsLib.MIN_STEP_INTERVAL);
    }

    /// @dev When parameter `which` of collateral `c` may change next (0 for the parameters without a
    /// timer, and for a stepped one never changed).
    function _nextStepAt(uint256 c, uint256 which) internal view returns (uint256) {
        CollateralModel storage m = _collateral[c];
        uint256 last = which == 2 ? m.liquidationRatioSetAt : (which == 4 ? m.liquidationPenaltySetAt : 0);
        return last == 0 ? 0 : last + ConstantsLib.MIN_STEP_INTERVAL;
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
        return RateLib.grow(m.rate, m.stabilityFee, elapsed);
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
            pausedUntil: cfg.pausedUntil,
            pausedByGuardian: cfg.pausedByGuardian,
            guardianPausedUntil: cfg.guardianPausedUntil,
            liquidationRatioSetAt: 0,
            liquidationPenaltySetAt: 0
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

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {IOracleAdapter, PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {Vm} from "../utils/Test.sol";
import {VaultStorage} from "../utils/VaultStorage.sol";
import {VaultManagerModel} from "./VaultManagerModel.sol";

/// @title VaultHandler
/// @notice Invariant-campaign handler for VaultManager, in the style of liquity/bold's
/// InvariantsTestHandler: every action is first run through a reference model of the vault manager
/// and the oracle adapter (`VaultManagerModel`), which decides from the pre-state whether the action
/// is safe and, if not, the exact revert data (custom error and arguments) it must fail with. Then
/// the real call is made and both directions are asserted: a safe action must not revert, an unsafe
/// one must revert with exactly that error. After a success the model applies the action and the
/// whole model (every vault, both collaterals, every balance) is compared with the chain.
///
/// Outcomes, as forge reports them: a successful action returns normally; a correctly predicted
/// revert ends the handler call with `ExpectedRevert(selector)` (not an assertion, so it does not
/// fail the campaign with `fail_on_revert = false`), which makes forge's per-selector table read
/// "calls − reverts = successful protocol actions". A wrong prediction, a model mismatch or a broken
/// per-action check fails with an "assertion failed" message.
///
/// Also recorded for the invariants (DESIGN.md §5):
///  - (3) right after every successful open/borrow/withdraw that leaves debt, the vault is checked
///    against its borrow ratio at the live price, from chain state only; a violation sets
///    `borrowRatioViolated`.
///  - (6) the holdings of every actor (stablecoin, both collateral tokens, their vaults' collateral
///    and normalized debt) and of the reserve are taken before every action (from the model, which
///    the previous action's check proved equal to the chain) and after it (from the chain); an actor
///    other than the caller who has not approved the caller as operator may not lose anything nor
///    gain debt. A violation sets `consentViolated`.
///  - (1) per collateral ghosts: stablecoin minted and burnt by vault actions, fees minted to the
///    reserve, and a rounding budget (see `SupplyLedger`).
///  - (7) per collateral pause ghosts (see `PauseLedger`): the time of the last pause (a risk-controller
///    halt that extended one counts) and the maxPauseDuration in force then, and the last pause's end,
///    so that the test can bound `pausedUntil`; whether the guardian paused and governance has not
///    paused or unpaused since, and the end of that guardian pause (the chain's `pausedByGuardian` and
///    `guardianPausedUntil`, which halts leave alone); and, at every successful pause by the
///    guardian, its rules checked against the chain's state before the call and against the ghosts
///    alone. A violation sets `pauseRuleViolated`.
///  - (5) per collateral and stepped parameter (liquidation ratio, penalty) step ghosts (see
///    `StepLedger`): at every successful change, from the chain's values before and after the call
///    and the ghosts alone, the change is at most the parameter's maximum step and comes at least
///    MIN_STEP_INTERVAL after the previous change of the same parameter of the same collateral; the
///    chain records the change's time. A violation sets `stepRuleViolated`.
contract VaultHandler is VaultManagerModel {
    using MathLib for uint256;

    /// @notice The protocol call reverted exactly as the model predicted (see the contract notes).
    error ExpectedRevert(bytes4 selector);

    enum Action {
        OpenVault,
        Deposit,
        Withdraw,
        Borrow,
        Repay,
        CloseVault,
        SetOperator,
        Accrue,
        TransferStable,
        Donate,
        Warp,
        MovePrice,
        Pause, // governance pauses a collateral that is not paused
        Renew, // governance pauses a collateral that is paused (extends the pause)
        Unpause, // governance ends a running pause
        CircuitBreaker, // by governance
        SetMaxPauseDuration,
        GuardianPause,
        GuardianCircuitBreaker,
        SetParameter,
        SetMaxRewardShare, // LiquidationEngine.setMaxRewardShare (from `setParameter`)
        UnpauseLapsed, // governance unpauses a collateral that is not paused (ends any cool-down)
        Halt // the risk controller halts a collateral (applyRiskSettings with a haltUntil)
    }

    /// @notice Per collateral ghosts for the supply identity. `excess` is E = D − S − accruedFees with
    /// D = ⌈totalNormalizedDebt × rate / RAY⌉ and S = minted − burnt + feesMinted, measured after the
    /// last action; `roundingBudget` is the sum of the proven per-action rounding bounds (⌈rate / RAY⌉
    /// for a borrow or a partial repay, 1 for a full repay or a close with debt, 0 otherwise).
    struct SupplyLedger {
        uint256 minted; // by openVault and borrow
        uint256 burnt; // by repay and closeVault
        uint256 feesMinted; // to the reserve by accrue
        uint256 borrows; // successful debt-adding actions (open with debt, borrow)
        uint256 repays; // successful repays
        uint256 closes; // successful closes of a vault with debt
        uint256 roundingBudget;
        int256 excess;
        uint256 donated; // collateral sent to the vault manager by plain transfer
    }

    /// @notice Per collateral pause ghosts, written after each successful pause, renewal and unpause.
    struct PauseLedger {
        uint256 pauses; // successful pauses (governance, guardian, circuit breaker; renewals included)
        uint256 renewals; // governance pauses of a running pause
        uint256 unpauses;
        uint256 lastPauseAt; // time of the last successful pause or extending halt (0: never paused)
        uint256 lastPauseDuration; // maxPauseDuration in force at that pause
        uint256 lastPauseEnd; // when it ends: at + duration, a halt's capped end, or an unpause's time
        uint256 halts; // halts that extended a pause (or started one)
        uint256 guardianPauses; // successful pauses by the guardian (pause or circuit breaker)
        uint256 lastGuardianPauseAt;
        uint256 lastGuardianPauseDuration;
        bool governanceSinceGuardian; // governance paused or unpaused since the guardian's last pause
        bool unpausedSincePause; // governance ended the last pause early (allowRiskAdding)
    }

    /// @notice Per collateral and stepped parameter (index 0: liquidation ratio, 1: penalty) ghosts,
    /// written after each successful change: enough to bound the parameter's whole path (it moved at
    /// most `changes` steps, and `changes` ≤ 1 + (lastChangeAt − firstChangeAt) / MIN_STEP_INTERVAL).
    struct StepLedger {
        uint256 initial; // the value at the start of the run
        uint256 lastValue; // the value set by the last change (`initial` before any)
        uint256 changes; // successful changes
        uint256 firstChangeAt; // 0: never changed
        uint256 lastChangeAt; // 0: never changed
        uint256 minGap; // shortest time between two consecutive changes (type(uint256).max: < 2 changes)
        uint256 largestStep; // largest |new − old| of a change
    }

    /// @dev The pause state read from the chain before a pause call, for the rule checks.
    struct ChainPauseState {
        uint256[2] pausedUntil;
        uint256[2] guardianPausedUntil;
        uint256 maxPauseDuration;
    }

    /// @dev What one account holds, for the consent check. Index 0–3 are the actors, 4 the reserve.
    struct Holdings {
        bool approvesCaller;
        uint256 stable;
        uint256[2] token;
        uint256[2] vaultCollateral;
        uint256[2] vaultNormalizedDebt;
    }

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_WARP = 30 days;
    uint256 internal constant MAX_SMALL_MOVE_BPS = 2_000; // ±20 %: inside the 25 % breaker
    uint256 internal constant MIN_JUMP_BPS = 2_600; // beyond the breaker
    uint256 internal constant MAX_JUMP_BPS = 6_000;

    uint256[2] internal _maxCollateral; // largest amount an action moves at once [token units]
    SupplyLedger[2] internal _ledger;
    /// @dev Rounding bound of the action in progress, per collateral (see `SupplyLedger`).
    uint256[2] internal _actionBound;
    PauseLedger[2] internal _pauseLedger;
    /// @dev [collateral][0: liquidation ratio, 1: penalty].
    StepLedger[2][2] internal _stepLedger;

    // ------------------------------------------------------------------ findings and counters
    bool public borrowRatioViolated;
    string public borrowRatioViolation;
    bool public consentViolated;
    string public consentViolation;
    bool public pauseRuleViolated;
    string public pauseRuleViolation;
    bool public stepRuleViolated;
    string public stepRuleViolation;
    mapping(Action action => uint256) public successes;
    bool internal _scripted;

    modifier scripted() {
        _scripted = true;
        _;
        _scripted = false;
    }

    /// @dev Runs the action in an external self-call and inspects any revert: only `ExpectedRevert` and
    /// assertion failures may leave the handler. Anything else (a panic or a `bound` error in the model,
    /// an unexpected revert in the handler's own steps) would otherwise count as an ordinary revert and
    /// pass silently under `fail_on_revert = false`.
    modifier guarded() {
        if (msg.sender == address(this)) {
            _;
        } else {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(this).call(msg.data);
            if (!ok) _rethrowIfExpected(reason);
        }
    }

    /// @dev forge keeps `vm.warp` across calls of a sequence nowadays; re-applying the model's clock
    /// keeps the handler correct on versions that do not, and after a reverted call.
    modifier syncTime() {
        if (block.timestamp != currentTime) vm.warp(currentTime);
        _;
    }

    constructor(Deployment memory d) VaultManagerModel(d) {
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            _maxCollateral[c] = (400 * 10 ** d.tokens[c].decimals()) / (c == 0 ? 1 : 20);
            for (uint256 i; i < ACTOR_COUNT; ++i) {
                vm.prank(_actors[i]);
                _tokens[c].approve(address(vaultManager), type(uint256).max);
            }
            (_stepLedger[c][0].initial, _stepLedger[c][1].initial) = (
                _collateral[c].liquidationRatio,
                _collateral[c].liquidationPenalty
            );
            for (uint256 k; k < 2; ++k) {
                _stepLedger[c][k].lastValue = _stepLedger[c][k].initial;
                _stepLedger[c][k].minGap = type(uint256).max;
            }
        }
    }

    // =================================================================== fuzzed actions

    /// @notice An actor opens a vault on WETH or WBTC with a random collateral amount and debt.
    function openVault(
        uint256 actorSeed,
        uint256 collateralSeed,
        uint256 amountSeed,
        uint256 debtSeed
    ) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        uint256 amount = _collateralAmount(amountSeed, c);
        uint256 debt = _openDebtAmount(debtSeed, c, amount);
        _openVault(actor, c, amount, debt);
    }

    /// @notice Any actor tops up any vault (also others' vaults, closed and unknown ids).
    function deposit(uint256 actorSeed, uint256 vaultSeed, uint256 amountSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 vaultId = _pickVault(vaultSeed, actor, false, false);
        uint256 c = _vault[vaultId].open ? _vault[vaultId].collateralIndex : amountSeed % COLLATERAL_COUNT;
        uint256 amount = amountSeed % 16 == 0 ? 0 : _collateralAmount(amountSeed >> 4, c);
        _deposit(actor, vaultId, c, amount);
    }

    function withdraw(
        uint256 actorSeed,
        uint256 vaultSeed,
        uint256 amountSeed,
        uint256 toSeed
    ) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 vaultId = _pickVault(vaultSeed, actor, true, false);
        _withdraw(actor, vaultId, _withdrawAmount(amountSeed, vaultId), _recipient(toSeed));
    }

    function borrow(
        uint256 actorSeed,
        uint256 vaultSeed,
        uint256 amountSeed,
        uint256 toSeed
    ) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 vaultId = _pickVault(vaultSeed, actor, true, false);
        _borrow(actor, vaultId, _borrowAmount(amountSeed, vaultId), _recipient(toSeed));
    }

    /// @notice Any actor repays any vault with the stablecoin it holds.
    function repay(uint256 actorSeed, uint256 vaultSeed, uint256 amountSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 vaultId = _pickVault(vaultSeed, actor, false, true);
        _repay(actor, vaultId, _repayAmount(amountSeed, vaultId, actor));
    }

    function closeVault(uint256 actorSeed, uint256 vaultSeed, uint256 toSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        _closeVault(actor, _pickVault(vaultSeed, actor, true, false), _recipient(toSeed));
    }

    /// @notice An actor approves or revokes an operator; 1 in 8 re-sets the current value (NoChange).
    function setOperator(uint256 actorSeed, uint256 operatorSeed, uint256 approvedSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        address operator = _recipient(operatorSeed);
        bool current = _approved[actor][operator];
        _setOperator(actor, operator, approvedSeed % 8 == 0 ? current : !current);
    }

    function accrue(uint256 actorSeed, uint256 collateralSeed) external guarded syncTime {
        _accrue(_actor(actorSeed), collateralSeed % COLLATERAL_COUNT);
    }

    /// @notice Moves stablecoin between actors, so that anyone can repay anything.
    function transferStable(uint256 fromSeed, uint256 toSeed, uint256 amountSeed) external guarded syncTime {
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        uint256 amount = bound(amountSeed, 0, stablecoin.balanceOf(from));
        Holdings[5] memory pre = _holdings(from);
        expectedStable[from] -= amount;
        expectedStable[to] += amount;
        vm.prank(from);
        assertTrue(stablecoin.transfer(to, amount), "transfer returned false");
        _afterAction(Action.TransferStable, from, pre);
    }

    /// @notice Sends collateral to the vault manager by plain transfer: it must credit no vault.
    function donate(uint256 actorSeed, uint256 collateralSeed, uint256 amountSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        uint256 amount = bound(amountSeed, 1, _maxCollateral[c] / 100);
        _fund(actor, c, amount);
        Holdings[5] memory pre = _holdings(actor);
        _expectedToken[actor][c] -= amount;
        _ledger[c].donated += amount;
        vm.prank(actor);
        assertTrue(_tokens[c].transfer(address(vaultManager), amount), "donation returned false");
        _afterAction(Action.Donate, actor, pre);
    }

    /// @notice Time passes (up to 30 days); usually both feeds then publish a fresh round at their
    /// current answer and the price is recorded, sometimes they do not and go stale.
    function warp(uint256 secondsSeed, uint256 refreshSeed) external guarded syncTime {
        uint256 dt = secondsSeed % 4 == 0 ? bound(secondsSeed >> 2, 1, 2 hours) : bound(secondsSeed >> 2, 1, MAX_WARP);
        Holdings[5] memory pre = _holdings(address(0));
        _advance(dt);
        if (refreshSeed % 8 != 0) {
            for (uint256 c; c < COLLATERAL_COUNT; ++c) _publish(c, _feed[c].answer);
        }
        _afterAction(Action.Warp, address(0), pre);
    }

    /// @notice A new round for one feed a few minutes later: usually a move within ±20 % (the breaker
    /// lets it through), sometimes a jump beyond 25 % (the breaker freezes the asset until a later
    /// round confirms it), rarely an answer outside the sanity bounds. Always recorded.
    function movePrice(uint256 assetSeed, uint256 moveSeed, uint256 kindSeed) external guarded syncTime {
        uint256 c = assetSeed % COLLATERAL_COUNT;
        Holdings[5] memory pre = _holdings(address(0));
        _advance(bound(kindSeed >> 8, 1, 10 minutes));
        _publish(c, _movedAnswer(c, moveSeed, kindSeed % 16));
        _afterAction(Action.MovePrice, address(0), pre);
    }

    /// @notice The pauses, by the guardian, governance or an actor without a role: the guardian
    /// pauses a collateral or trips the circuit breaker (within its rules or not: a running pause,
    /// the cool-down); governance pauses (renews a running pause), trips the breaker, unpauses or
    /// sets maxPauseDuration; callers without the role try each of these (and the guardian the
    /// governance-only ones). 1 in 16 name an address that is not a collateral; 1 in 4 first move
    /// time to an edge of the collateral's pause or cool-down (`_pauseEdge`). The weights keep pauses
    /// rare enough (about one successful pause in 40 calls, most ending with the next long warp) that
    /// the risk-adding actions succeed about as often as with the former on/off pause.
    function pause(uint256 collateralSeed, uint256 kindSeed, uint256 timeSeed) external guarded syncTime {
        uint256 c = _pauseTarget(collateralSeed);
        _pauseEdge(c, timeSeed);
        uint256 kind = kindSeed % 32;
        uint256 s = kindSeed >> 5;
        if (kind < 8) _pauseCall(guardian, c);
        else if (kind < 10) _circuitBreakerCall(guardian);
        else if (kind < 13) _pauseCall(deployer, c);
        else if (kind < 14) _circuitBreakerCall(deployer);
        else if (kind < 19) _unpauseCall(deployer, c);
        else if (kind < 22) _haltCall(c, s);
        else if (kind < 26) _setMaxPauseDurationCall(deployer, _pauseDurationValue(s));
        else {
            // Without the role: an actor (any of the four calls) or the guardian (governance's two).
            address caller = kind < 30 ? _actor(s) : guardian;
            uint256 which = kind < 30 ? (s >> 2) % 4 : 2 + ((s >> 2) % 2);
            if (which == 0) _pauseCall(caller, c);
            else if (which == 1) _circuitBreakerCall(caller);
            else if (which == 2) _unpauseCall(caller, c);
            else _setMaxPauseDurationCall(caller, _pauseDurationValue(s >> 3));
        }
    }

    /// @notice Governance sets one risk parameter to a random value, inside or outside its hard
    /// bound or maximum step (invariant 5 in both directions); with an engine wired, 1 in 9 is the
    /// engine's keeper reward cap instead (`maxRewardShare`, which no penalty may be below); the two
    /// stepped parameters get two shares each.
    /// A stepped parameter (liquidation ratio, penalty) changes at most once per MIN_STEP_INTERVAL,
    /// and the long warps between calls mostly let that day pass, so for them: 1 in 4 first move
    /// time to an edge of the parameter's timer when it is ahead (`_stepEdge`), and, 1 in 2 after a
    /// successful change, governance tries a second step of the same parameter in the same call, in
    /// the same second (a batch), at the last second before the timer runs out, at its first second
    /// or up to 3 days later (`_followUpStep`): a `StepTooSoon` reverts the whole call, like a
    /// proposal's batch.
    function setParameter(
        uint256 collateralSeed,
        uint256 whichSeed,
        uint256 valueSeed,
        uint256 timeSeed
    ) external guarded syncTime {
        // Slots 0–5 the parameters, 6 the keeper reward cap (with an engine), then the stepped two again.
        uint256 extra = address(engine) == address(0) ? 6 : 7;
        uint256 slot = whichSeed % (extra + 2);
        uint256 which = slot < extra ? slot : (slot == extra ? 2 : 4);
        if (which == 6) {
            _setMaxRewardShareCall(collateralSeed, valueSeed);
            return;
        }
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        _stepEdge(c, which, timeSeed);
        _setParameter(c, which, _parameterValue(c, which, valueSeed));
        if ((which == 2 || which == 4) && (timeSeed >> 3) % 2 == 0) _followUpStep(c, which, valueSeed, timeSeed >> 4);
    }

    // =================================================================== scripted use (not fuzzed)

    /// @notice Opens one WETH and one WBTC vault with debt per actor, so that a run starts with
    /// vaults to act on. Called from the test's setUp.
    function seed() external syncTime scripted {
        for (uint256 i; i < ACTOR_COUNT; ++i) {
            _openVault(_actors[i], 0, (10 + i) * 1e18, 5_000e18 + i * 1_000e18);
            _openVault(_actors[i], 1, (5 + i) * 1e7, 5_000e18 + i * 1_000e18);
        }
    }

    /// @notice End-of-run liveness check, called by the test's `afterInvariant`:
    /// 1. every vault without debt withdraws all its collateral, whatever the oracle says and even
    ///    when its collateral is paused (DESIGN.md: "a vault with no debt can always withdraw");
    /// 2. the feeds publish until both prices are live again and governance unpauses;
    /// 3. a fresh vault borrows and is partly repaid through the checked action paths.
    /// Every step goes through the model, so a step predicted unsafe fails the probe.
    function livenessProbe() external syncTime scripted returns (uint256 borrowsBefore, uint256 repaysBefore) {
        for (uint256 id = 1; id <= vaultCount; ++id) {
            VaultModel storage v = _vault[id];
            if (v.open && v.normalizedDebt == 0 && v.collateralAmount != 0) {
                _withdraw(v.owner, id, v.collateralAmount, v.owner);
            }
        }
        _restoreLivePrices();
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            if (_paused(c)) _setPausedScripted(c, false);
        }
        borrowsBefore = successes[Action.Borrow] + successes[Action.OpenVault];
        repaysBefore = successes[Action.Repay];

        CollateralModel storage m = _collateral[0];
        uint256 debt = 2 * m.minDebt + 1_000e18;
        uint256 room = m.totalNormalizedDebt.rayMulUp(_rateNow(0)) + 2 * debt;
        if (room > m.debtCeiling) _setDebtCeilingScripted(0, room);
        uint256 collateral = _collateralFor(0, 2 * debt);
        address actor = _actors[0];
        _openVault(actor, 0, collateral, debt);
        uint256 vaultId = vaultCount;
        _borrow(actor, vaultId, debt / 4, actor);
        _repay(actor, vaultId, debt / 4);
    }

    // =================================================================== views for the test

    function ledger(uint256 c) external view returns (SupplyLedger memory) {
        return _ledger[c];
    }

    function pauseLedger(uint256 c) external view returns (PauseLedger memory) {
        return _pauseLedger[c];
    }

    /// @param k 0: the liquidation ratio, 1: the liquidation penalty.
    function stepLedger(uint256 c, uint256 k) external view returns (StepLedger memory) {
        return _stepLedger[c][k];
    }

    // =================================================================== actions (model + call + checks)

    function _openVault(address actor, uint256 c, uint256 amount, uint256 debt) internal {
        _fund(actor, c, amount);
        Holdings[5] memory pre = _holdings(actor);
        DebtQuote memory quote;
        if (amount == 0) quote.err = _err(ErrorsLib.ZeroAmount.selector);
        else if (debt != 0) quote = _quoteDebt(vaultCount + 1, c, 0, amount, debt);

        uint256 vaultId;
        vm.prank(actor);
        try vaultManager.openVault(address(_tokens[c]), amount, debt) returns (uint256 id) {
            _settle(true, "", quote.err, "openVault");
            vaultId = id;
        } catch (bytes memory reason) {
            _settle(false, reason, quote.err, "openVault");
        }
        assertEq(vaultId, ++vaultCount, "openVault: vault id");
        VaultModel storage v = _vault[vaultId];
        (v.open, v.owner, v.collateralIndex, v.collateralAmount) = (true, actor, c, amount);
        _collateral[c].totalCollateral += amount;
        _expectedToken[actor][c] -= amount;
        if (debt != 0) _applyBorrow(v, c, quote, debt, actor);
        _afterAction(Action.OpenVault, actor, pre);
        if (debt != 0) _checkOwnActionBorrowRatio(vaultId, "openVault");
    }

    function _deposit(address actor, uint256 vaultId, uint256 c, uint256 amount) internal {
        _fund(actor, c, amount);
        Holdings[5] memory pre = _holdings(actor);
        bytes memory expected;
        VaultModel storage v = _vault[vaultId];
        if (!v.open) expected = abi.encodeWithSelector(IVaultManager.UnknownVault.selector, vaultId);
        else if (amount == 0) expected = _err(ErrorsLib.ZeroAmount.selector);

        vm.prank(actor);
        try vaultManager.deposit(vaultId, amount) {
            _settle(true, "", expected, "deposit");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "deposit");
        }
        v.collateralAmount += amount;
        _collateral[c].totalCollateral += amount;
        _expectedToken[actor][c] -= amount;
        _afterAction(Action.Deposit, actor, pre);
    }

    function _withdraw(address actor, uint256 vaultId, uint256 amount, address to) internal {
        Holdings[5] memory pre = _holdings(actor);
        VaultModel storage v = _vault[vaultId];
        bytes memory expected = _authorizationError(actor, vaultId);
        if (expected.length == 0) {
            if (amount == 0) expected = _err(ErrorsLib.ZeroAmount.selector);
            else if (to == address(0)) expected = _err(ErrorsLib.ZeroAddress.selector);
            else if (amount > v.collateralAmount) {
                expected = abi.encodeWithSelector(
                    IVaultManager.InsufficientCollateral.selector,
                    amount,
                    v.collateralAmount
                );
            } else if (v.normalizedDebt != 0) {
                uint256 c = v.collateralIndex;
                if (_paused(c)) expected = _pausedError(c);
                else {
                    uint256 debt = v.normalizedDebt.rayMulUp(_rateNow(c));
                    expected = _borrowRatioError(vaultId, c, v.collateralAmount - amount, debt);
                }
            }
        }

        vm.prank(actor);
        try vaultManager.withdraw(vaultId, amount, to) {
            _settle(true, "", expected, "withdraw");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "withdraw");
        }
        v.collateralAmount -= amount;
        _collateral[v.collateralIndex].totalCollateral -= amount;
        _expectedToken[to][v.collateralIndex] += amount;
        _afterAction(Action.Withdraw, actor, pre);
        if (v.normalizedDebt != 0) _checkOwnActionBorrowRatio(vaultId, "withdraw");
    }

    function _borrow(address actor, uint256 vaultId, uint256 amount, address to) internal {
        Holdings[5] memory pre = _holdings(actor);
        VaultModel storage v = _vault[vaultId];
        DebtQuote memory quote;
        quote.err = _authorizationError(actor, vaultId);
        if (quote.err.length == 0) {
            if (amount == 0) quote.err = _err(ErrorsLib.ZeroAmount.selector);
            else if (to == address(0)) quote.err = _err(ErrorsLib.ZeroAddress.selector);
            else quote = _quoteDebt(vaultId, v.collateralIndex, v.normalizedDebt, v.collateralAmount, amount);
        }

        vm.prank(actor);
        try vaultManager.borrow(vaultId, amount, to) {
            _settle(true, "", quote.err, "borrow");
        } catch (bytes memory reason) {
            _settle(false, reason, quote.err, "borrow");
        }
        _applyBorrow(v, v.collateralIndex, quote, amount, to);
        _afterAction(Action.Borrow, actor, pre);
        _checkOwnActionBorrowRatio(vaultId, "borrow");
    }

    function _repay(address payer, uint256 vaultId, uint256 amount) internal {
        Holdings[5] memory pre = _holdings(payer);
        VaultModel storage v = _vault[vaultId];
        uint256 c = v.collateralIndex;
        bytes memory expected;
        uint256 burnt;
        uint256 normalizedRepaid;
        if (!v.open) expected = abi.encodeWithSelector(IVaultManager.UnknownVault.selector, vaultId);
        else if (amount == 0) expected = _err(ErrorsLib.ZeroAmount.selector);
        else if (v.normalizedDebt == 0) expected = abi.encodeWithSelector(IVaultManager.NoDebt.selector, vaultId);
        else {
            (expected, burnt, normalizedRepaid) = _quoteRepay(v, amount);
            if (expected.length == 0) expected = _balanceError(payer, burnt);
        }

        vm.prank(payer);
        try vaultManager.repay(vaultId, amount) {
            _settle(true, "", expected, "repay");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "repay");
        }
        bool full = normalizedRepaid == v.normalizedDebt;
        _accrueModel(c);
        v.normalizedDebt -= normalizedRepaid;
        _collateral[c].totalNormalizedDebt -= normalizedRepaid;
        expectedStable[payer] -= burnt;
        _ledger[c].burnt += burnt;
        _ledger[c].repays++;
        _actionBound[c] = full ? 1 : _ceilRate(c);
        _afterAction(Action.Repay, payer, pre);
    }

    function _closeVault(address actor, uint256 vaultId, address to) internal {
        Holdings[5] memory pre = _holdings(actor);
        VaultModel storage v = _vault[vaultId];
        uint256 c = v.collateralIndex;
        uint256 debt;
        bytes memory expected = _authorizationError(actor, vaultId);
        if (expected.length == 0) {
            if (to == address(0)) expected = _err(ErrorsLib.ZeroAddress.selector);
            else if (v.normalizedDebt != 0) {
                debt = v.normalizedDebt.rayMulUp(_rateNow(c));
                expected = _balanceError(actor, debt);
            }
        }

        vm.prank(actor);
        try vaultManager.closeVault(vaultId, to) {
            _settle(true, "", expected, "closeVault");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "closeVault");
        }
        CollateralModel storage m = _collateral[c];
        if (v.normalizedDebt != 0) {
            _accrueModel(c);
            m.totalNormalizedDebt -= v.normalizedDebt;
            expectedStable[actor] -= debt;
            _ledger[c].burnt += debt;
            _ledger[c].closes++;
            _actionBound[c] = 1;
        }
        m.totalCollateral -= v.collateralAmount;
        _expectedToken[to][c] += v.collateralAmount;
        delete _vault[vaultId];
        _afterAction(Action.CloseVault, actor, pre);
    }

    function _setOperator(address actor, address operator, bool approved) internal {
        Holdings[5] memory pre = _holdings(actor);
        bytes memory expected;
        if (operator == address(0)) expected = _err(ErrorsLib.ZeroAddress.selector);
        else if (_approved[actor][operator] == approved) expected = _err(ErrorsLib.NoChange.selector);

        vm.prank(actor);
        try vaultManager.setOperator(operator, approved) {
            _settle(true, "", expected, "setOperator");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "setOperator");
        }
        _approved[actor][operator] = approved;
        _afterAction(Action.SetOperator, actor, pre);
    }

    function _accrue(address actor, uint256 c) internal {
        Holdings[5] memory pre = _holdings(actor);
        vm.prank(actor);
        try vaultManager.accrue(address(_tokens[c])) {
            _settle(true, "", "", "accrue");
        } catch (bytes memory reason) {
            _settle(false, reason, "", "accrue");
        }
        _accrueModel(c);
        uint256 fees = _collateral[c].accruedFees;
        _collateral[c].accruedFees = 0;
        _ledger[c].feesMinted += fees;
        feesToReserve += fees;
        _afterAction(Action.Accrue, actor, pre);
    }

    /// @dev `caller` pauses collateral `c` (a renewal when governance pauses a running pause).
    function _pauseCall(address caller, uint256 c) internal {
        Holdings[5] memory pre = _holdings(caller);
        bytes memory expected = _pauseError(caller, c);
        ChainPauseState memory before = _chainPauseState();
        bool renewal = c < COLLATERAL_COUNT && _paused(c);

        _pauseApiCall(caller, PauseCall.Pause, c, expected);
        _applyPause(c, caller, before);
        Action action = caller == guardian ? Action.GuardianPause : (renewal ? Action.Renew : Action.Pause);
        _afterAction(action, caller, pre);
    }

    /// @dev `caller` trips the circuit breaker; the model says which collaterals it pauses, and the
    /// CircuitBreakerTripped event must report that count.
    function _circuitBreakerCall(address caller) internal {
        Holdings[5] memory pre = _holdings(caller);
        (bytes memory expected, bool[2] memory pauses) = _circuitBreakerQuote(caller);
        ChainPauseState memory before = _chainPauseState();

        vm.recordLogs();
        _pauseApiCall(caller, PauseCall.PauseAll, 0, expected);
        uint256 count;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            if (!pauses[c]) continue;
            _applyPause(c, caller, before);
            ++count;
        }
        _checkCircuitBreakerEvent(caller, count);
        _afterAction(caller == guardian ? Action.GuardianCircuitBreaker : Action.CircuitBreaker, caller, pre);
    }

    /// @dev allowRiskAdding succeeds for governance on any registered collateral: on a running pause
    /// it ends it (Unpause), on one that is not paused it only ends any guardian cool-down
    /// (UnpauseLapsed). Either way governance decided, so the guardian may pause again at once.
    function _unpauseCall(address caller, uint256 c) internal {
        Holdings[5] memory pre = _holdings(caller);
        bytes memory expected = _unpauseError(caller, c);
        bool wasPaused = c < COLLATERAL_COUNT && _paused(c);

        _pauseApiCall(caller, PauseCall.Unpause, c, expected);
        _applyUnpauseModel(c);
        PauseLedger storage p = _pauseLedger[c];
        p.unpauses++;
        p.governanceSinceGuardian = true;
        // Only a running pause is ended early: a lapsed one ran its full course.
        if (wasPaused) {
            p.unpausedSincePause = true;
            p.lastPauseEnd = block.timestamp;
        }
        _afterAction(wasPaused ? Action.Unpause : Action.UnpauseLapsed, caller, pre);
    }

    function _setMaxPauseDurationCall(address caller, uint256 value) internal {
        Holdings[5] memory pre = _holdings(caller);
        bytes memory expected = _maxPauseDurationError(caller, value);

        vm.prank(caller);
        try vaultManager.setMaxPauseDuration(value) {
            _settle(true, "", expected, "setMaxPauseDuration");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "setMaxPauseDuration");
        }
        _maxPauseDuration = value; // running pauses keep their end
        _afterAction(Action.SetMaxPauseDuration, caller, pre);
    }

    /// @dev One call of VaultManager's pause API by `caller`, settled against `expected`.
    function _pauseApiCall(address caller, PauseCall which, uint256 c, bytes memory expected) internal {
        vm.prank(caller);
        // A low-level call, so that the pause API's names live in `_pauseCallData` only.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(vaultManager).call(_pauseCallData(which, c));
        _settle(ok, reason, expected, _pauseCallName(which));
    }

    /// @dev After a successful pause of `c` by `caller`: the guardian's rules, checked against the
    /// chain's state before the call (`before`) and, independently, against the ghosts; then the
    /// ghosts and the model (every pause sets pausedByGuardian to "the caller is not governance").
    function _applyPause(uint256 c, address caller, ChainPauseState memory before) internal {
        PauseLedger storage p = _pauseLedger[c];
        uint256 d = _maxPauseDuration;
        if (caller == guardian) {
            uint256 ownBefore = before.guardianPausedUntil[c];
            if (block.timestamp < before.pausedUntil[c]) _pauseRuleViolation(c, "the guardian paused during a pause");
            else if (ownBefore != 0 && block.timestamp < ownBefore + before.maxPauseDuration) {
                _pauseRuleViolation(c, "the guardian paused during its cool-down");
            }
            // From the ghosts alone. The last pause (or extending halt) runs until its recorded end
            // unless governance ended it. After a pause of the guardian's own at t1 (for d1) that
            // governance neither renewed nor ended, that pause ended at t1 + d1 and the guardian waits
            // until t1 + d1 + d (d: the maxPauseDuration in force now), whatever halts ran since; a
            // pause or an unpause by governance since leaves no cool-down.
            if (p.pauses != 0 && block.timestamp < p.lastPauseEnd) {
                _pauseRuleViolation(c, "the guardian paused before the last pause ran out");
            }
            if (
                p.guardianPauses != 0 &&
                !p.governanceSinceGuardian &&
                block.timestamp < p.lastGuardianPauseAt + p.lastGuardianPauseDuration + d
            ) {
                _pauseRuleViolation(c, "the guardian paused again within the cool-down after its own pause");
            }
            p.guardianPauses++;
            p.lastGuardianPauseAt = block.timestamp;
            p.lastGuardianPauseDuration = d;
            p.governanceSinceGuardian = false;
        } else {
            if (_paused(c)) p.renewals++;
            p.governanceSinceGuardian = true;
        }
        p.pauses++;
        p.lastPauseAt = block.timestamp;
        p.lastPauseDuration = d;
        p.lastPauseEnd = block.timestamp + d;
        p.unpausedSincePause = false;
        _collateral[c].pausedUntil = block.timestamp + d;
        _collateral[c].pausedByGuardian = caller != deployer;
        _collateral[c].guardianPausedUntil = caller == deployer ? 0 : block.timestamp + d;
    }

    /// @dev The risk controller halts collateral `c` (or an address that is not one) until a time
    /// from now to twice maxPauseDuration ahead, 1 in 4 already past (no halt), with the fee and
    /// borrow ratio in force (no other change). VaultManager.applyRiskSettings: UnknownCollateral
    /// for a non-collateral; the halt, capped at now + maxPauseDuration, only ever extends the pause
    /// and leaves the guardian's cool-down alone.
    function _haltCall(uint256 c, uint256 seed_) internal {
        address token = _collateralAddress(c);
        uint256 haltUntil = seed_ % 4 == 0
            ? bound(seed_ >> 2, 0, block.timestamp)
            : block.timestamp + bound(seed_ >> 2, 1, 2 * _maxPauseDuration);
        bytes memory expected = c < COLLATERAL_COUNT ? bytes("") : _unknownCollateralError(c);
        (uint256 fee, uint256 ratio) = c < COLLATERAL_COUNT
            ? (_collateral[c].stabilityFee, _collateral[c].borrowRatio)
            : (RAY, WAD);
        Holdings[5] memory pre = _holdings(controller);
        vm.prank(controller);
        try vaultManager.applyRiskSettings(token, fee, ratio, haltUntil) {
            _settle(true, "", expected, "applyRiskSettings");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "applyRiskSettings");
        }
        uint256 capped = MathLib.min(haltUntil, block.timestamp + _maxPauseDuration);
        if (capped > block.timestamp && capped > _collateral[c].pausedUntil) {
            _collateral[c].pausedUntil = capped;
            PauseLedger storage p = _pauseLedger[c];
            p.halts++;
            p.pauses++;
            p.lastPauseAt = block.timestamp;
            p.lastPauseDuration = _maxPauseDuration;
            p.lastPauseEnd = capped;
            p.unpausedSincePause = false;
        }
        _afterAction(Action.Halt, controller, pre);
    }

    function _pauseRuleViolation(uint256 c, string memory problem) internal {
        if (pauseRuleViolated) return;
        pauseRuleViolated = true;
        pauseRuleViolation = string.concat(problem, " (collateral ", vm.toString(c), ")");
    }

    /// @dev Both collaterals' pausedUntil and guardianPausedUntil, and maxPauseDuration, read from the chain.
    function _chainPauseState() internal view returns (ChainPauseState memory state) {
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(_tokens[c]));
            (state.pausedUntil[c], state.guardianPausedUntil[c]) = (cfg.pausedUntil, cfg.guardianPausedUntil);
        }
        state.maxPauseDuration = vaultManager.maxPauseDuration();
    }

    function _checkCircuitBreakerEvent(address caller, uint256 count) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter != address(vaultManager) ||
                logs[i].topics[0] != IVaultManager.CircuitBreakerTripped.selector
            ) continue;
            assertEq(logs[i].topics[1], bytes32(uint256(uint160(caller))), "CircuitBreakerTripped: by");
            assertEq(abi.decode(logs[i].data, (uint256)), count, "CircuitBreakerTripped: paused");
            ++found;
        }
        assertEq(found, 1, "CircuitBreakerTripped: one event");
    }

    /// @dev Governance sets parameter `which` (0 debt ceiling, 1 min debt, 2 liquidation ratio, 3 borrow
    /// ratio, 4 penalty, 5 stability fee) of `c` to `value`, against the setter's expected revert.
    function _setParameter(uint256 c, uint256 which, uint256 value) internal {
        Holdings[5] memory pre = _holdings(deployer);
        bytes memory expected = _parameterError(c, which, value);
        bytes memory data = _parameterCall(c, which, value);
        uint256 chainBefore = _steppedChainValue(c, which);

        vm.prank(deployer);
        // A low-level call because the setter differs per parameter; its revert data is compared exactly.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(vaultManager).call(data);
        _settle(ok, reason, expected, "setParameter");

        CollateralModel storage m = _collateral[c];
        if (which == 0) m.debtCeiling = value;
        else if (which == 1) m.minDebt = value;
        else if (which == 2) (m.liquidationRatio, m.liquidationRatioSetAt) = (value, block.timestamp);
        else if (which == 3) m.borrowRatio = value;
        else if (which == 4) (m.liquidationPenalty, m.liquidationPenaltySetAt) = (value, block.timestamp);
        else {
            _accrueModel(c); // interest up to now is charged at the old fee
            m.stabilityFee = value;
        }
        if (which == 2 || which == 4) _applyStep(c, which, chainBefore);
        _afterAction(Action.SetParameter, deployer, pre);
    }

    /// @dev The chain's liquidation ratio (`which` 2) or penalty (4) of `c`; 0 for other parameters.
    function _steppedChainValue(uint256 c, uint256 which) internal view returns (uint256) {
        if (which != 2 && which != 4) return 0;
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(_tokens[c]));
        return which == 2 ? cfg.liquidationRatio : cfg.liquidationPenalty;
    }

    /// @dev After a successful change of stepped parameter `which` (2 or 4) of `c`, from `before` (read
    /// from the chain before the call): the step rules, from the chain's values and from the ghosts
    /// alone (not from the model, which predicted the call), then the ghosts.
    function _applyStep(uint256 c, uint256 which, uint256 before) internal {
        uint256 k = which == 2 ? 0 : 1;
        StepLedger storage g = _stepLedger[c][k];
        uint256 maxStep = k == 0 ? ConstantsLib.MAX_LIQUIDATION_RATIO_STEP : ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP;
        uint256 afterValue = _steppedChainValue(c, which);
        uint256 stepSize = before.absDiff(afterValue);
        VaultStorage.StoredStepTimes memory stored = VaultStorage.loadStepTimes(
            address(vaultManager),
            address(_tokens[c])
        );
        uint256 recordedAt = k == 0 ? stored.liquidationRatioSetAt : stored.liquidationPenaltySetAt;
        if (before != g.lastValue) _stepRuleViolation(c, k, "the parameter changed outside a checked change");
        else if (stepSize == 0) _stepRuleViolation(c, k, "a successful change left the value as it was");
        else if (stepSize > maxStep) _stepRuleViolation(c, k, "a change exceeded the maximum step");
        else if (g.changes != 0 && block.timestamp < g.lastChangeAt + ConstantsLib.MIN_STEP_INTERVAL) {
            _stepRuleViolation(c, k, "a change came less than MIN_STEP_INTERVAL after the previous one");
        } else if (recordedAt != block.timestamp) {
            _stepRuleViolation(c, k, "the chain did not record the change's time");
        }
        if (g.changes != 0 && block.timestamp - g.lastChangeAt < g.minGap) g.minGap = block.timestamp - g.lastChangeAt;
        if (g.changes == 0) g.firstChangeAt = block.timestamp;
        if (stepSize > g.largestStep) g.largestStep = stepSize;
        g.changes++;
        g.lastChangeAt = block.timestamp;
        g.lastValue = afterValue;
    }

    function _stepRuleViolation(uint256 c, uint256 k, string memory problem) internal {
        if (stepRuleViolated) return;
        stepRuleViolated = true;
        stepRuleViolation = string.concat(
            problem,
            k == 0 ? " (liquidation ratio" : " (liquidation penalty",
            ", collateral ",
            vm.toString(c),
            ")"
        );
    }

    /// @dev 1 in 4, for a stepped parameter (`which` 2 or 4) changed before, while its next change is
    /// ahead: time moves (as in `warp`, the feeds then publish) to the last second before that change
    /// is allowed (StepTooSoon), or to its first second (a step allowed again).
    function _stepEdge(uint256 c, uint256 which, uint256 seed_) internal {
        if (seed_ % 4 != 0) return;
        uint256 next = _nextStepAt(c, which);
        if (next == 0) return;
        uint256 target = (seed_ >> 2) % 2 == 0 ? next - 1 : next;
        if (target <= currentTime) return;
        Holdings[5] memory pre = _holdings(address(0));
        _advance(target - currentTime);
        for (uint256 k; k < COLLATERAL_COUNT; ++k) _publish(k, _feed[k].answer);
        _afterAction(Action.Warp, address(0), pre);
    }

    /// @dev LiquidationEngine.setMaxRewardShare, by governance (1 in 16 by an actor without the role).
    function _setMaxRewardShareCall(uint256 callerSeed, uint256 valueSeed) internal {
        address caller = callerSeed % 16 == 15 ? _actor(callerSeed >> 4) : deployer;
        Holdings[5] memory pre = _holdings(caller);
        uint256 value = _maxRewardShareValue(valueSeed);
        bytes memory expected = _maxRewardShareError(caller, value);

        vm.prank(caller);
        try engine.setMaxRewardShare(value) {
            _settle(true, "", expected, "setMaxRewardShare");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "setMaxRewardShare");
        }
        _maxRewardShare = value;
        _afterAction(Action.SetMaxRewardShare, caller, pre);
    }

    /// @dev Governance pauses (renews) or unpauses `c` through the checked paths; in scripted use a
    /// predicted revert fails the script.
    function _setPausedScripted(uint256 c, bool paused) internal {
        if (paused) _pauseCall(deployer, c);
        else _unpauseCall(deployer, c);
    }

    function _setDebtCeilingScripted(uint256 c, uint256 value) internal {
        vm.prank(deployer);
        vaultManager.setDebtCeiling(address(_tokens[c]), value);
        _collateral[c].debtCeiling = value;
        _checkModel();
    }

    /// @dev 1 in 8 outside the hard bound, 1 in 8 the current value (NoChange), otherwise a realistic
    /// value (which may still break the ratio order or the maximum step). For the penalty, 1 in 8 is
    /// the engine's maxRewardShare ± 1 wei, and 1 in 8 a value below that cap within a step down
    /// (`PenaltyBelowKeeperReward`) or, when a step does not reach below it, a full step down (so the
    /// penalty soon comes within a step of the cap). For both stepped parameters, 1 in 4 is a step
    /// the other checks allow (`_stepValue`), so that the timer decides.
    function _parameterValue(uint256 c, uint256 which, uint256 valueSeed) internal view returns (uint256) {
        CollateralModel storage m = _collateral[c];
        uint256 mode = valueSeed % 8;
        uint256 s = valueSeed >> 3;
        if (which == 0) {
            return _pick(mode, ConstantsLib.MAX_DEBT_CEILING + bound(s, 1, 1e27), m.debtCeiling, bound(s, 2e23, 3e24));
        }
        if (which == 1) return _pick(mode, ConstantsLib.MAX_MIN_DEBT + bound(s, 1, 1e24), m.minDebt, bound(s, 0, 2e21));
        if ((which == 2 || which == 4) && mode >= 6) return _stepValue(c, which, s);
        if (which == 2) return _pick(mode, bound(s, 0, 0.99e18), m.liquidationRatio, bound(s, 1.2e18, 1.8e18));
        if (which == 3) {
            return
                _pick(mode, ConstantsLib.MAX_BORROW_RATIO + bound(s, 1, 1e18), m.borrowRatio, bound(s, 1.4e18, 2.2e18));
        }
        if (which == 4) {
            uint256 penalty = m.liquidationPenalty;
            uint256 step = ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP;
            if (mode == 2) return bound(s, _maxRewardShare > 0 ? _maxRewardShare - 1 : 0, _maxRewardShare + 1);
            if (mode == 3) {
                uint256 low = penalty > step ? penalty - step : 0;
                return _maxRewardShare > low ? bound(s, low, _maxRewardShare - 1) : low;
            }
            uint256 outside = ConstantsLib.MAX_LIQUIDATION_PENALTY + bound(s, 1, 1e18);
            return _pick(mode, outside, penalty, bound(s, 0, 0.2e18));
        }
        uint256 outsideFee = s % 2 == 0
            ? bound(s >> 1, 0, RAY - 1)
            : ConstantsLib.MAX_STABILITY_FEE + bound(s >> 1, 1, 1e20);
        return _pick(mode, outsideFee, m.stabilityFee, bound(s, RAY, ConstantsLib.MAX_STABILITY_FEE));
    }

    /// @dev 1 in 8 above MAX_KEEPER_REWARD_SHARE, 1 in 8 the current value (NoChange), 1 in 8 above
    /// the lowest penalty (by 1 wei or up to 0.01: `RewardShareAbovePenalty` within the bound), 1 in 8
    /// the lowest penalty or 1 wei below, otherwise anything within the bound.
    function _maxRewardShareValue(uint256 valueSeed) internal view returns (uint256) {
        uint256 mode = valueSeed % 8;
        uint256 s = valueSeed >> 3;
        uint256 lowest = MathLib.min(_collateral[0].liquidationPenalty, _collateral[1].liquidationPenalty);
        if (mode == 2) return lowest + 1 + (s % 2 == 0 ? 0 : bound(s >> 1, 0, 0.01e18));
        if (mode == 3) return lowest > 0 ? lowest - (s % 2) : 0;
        uint256 outside = ConstantsLib.MAX_KEEPER_REWARD_SHARE + bound(s, 1, 1e18);
        return _pick(mode, outside, _maxRewardShare, bound(s, 0, ConstantsLib.MAX_KEEPER_REWARD_SHARE));
    }

    /// @dev A new value for stepped parameter `which` (2 or 4) of `c` that every check of its setter
    /// but the timer allows: within one maximum step, the bounds, the borrow ratio (for the
    /// liquidation ratio) and above the keeper reward cap (for the penalty).
    function _stepValue(uint256 c, uint256 which, uint256 seed_) internal view returns (uint256 value) {
        CollateralModel storage m = _collateral[c];
        (uint256 current, uint256 step, uint256 lo, uint256 hi) = which == 2
            ? (
                m.liquidationRatio,
                ConstantsLib.MAX_LIQUIDATION_RATIO_STEP,
                ConstantsLib.MIN_LIQUIDATION_RATIO,
                MathLib.min(m.borrowRatio, ConstantsLib.MAX_LIQUIDATION_RATIO)
            )
            : (
                m.liquidationPenalty,
                ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP,
                _maxRewardShare,
                ConstantsLib.MAX_LIQUIDATION_PENALTY
            );
        if (current > step && current - step > lo) lo = current - step;
        if (current + step < hi) hi = current + step;
        value = bound(seed_, lo, hi);
        // lo ≤ current ≤ hi (the model's parameters are valid): move off the current value if it can.
        if (value == current) value = current < hi ? current + 1 : lo;
    }

    /// @dev After a successful change of stepped parameter `which` (2 or 4) of `c`, a second step the
    /// other checks allow (`_stepValue`), in the same second, at the last second before the timer
    /// runs out (both `StepTooSoon`), at its first second or up to 3 days later (a second step that
    /// succeeds); time moves as in `warp`.
    function _followUpStep(uint256 c, uint256 which, uint256 valueSeed, uint256 seed_) internal {
        uint256 edge = seed_ % 4;
        if (edge != 0) {
            uint256 next = _nextStepAt(c, which);
            uint256 target = edge == 1 ? next - 1 : (edge == 2 ? next : next + bound(seed_ >> 2, 1, 3 days));
            Holdings[5] memory pre = _holdings(address(0));
            _advance(target - currentTime);
            for (uint256 k; k < COLLATERAL_COUNT; ++k) _publish(k, _feed[k].answer);
            _afterAction(Action.Warp, address(0), pre);
        }
        _setParameter(c, which, _stepValue(c, which, uint256(keccak256(abi.encode(valueSeed, seed_)))));
    }

    function _pick(uint256 mode, uint256 outside, uint256 current, uint256 inside) internal pure returns (uint256) {
        if (mode == 0) return outside;
        return mode == 1 ? current : inside;
    }

    // =================================================================== ghosts

    function _applyBorrow(
        VaultModel storage v,
        uint256 c,
        DebtQuote memory quote,
        uint256 amount,
        address to
    ) internal {
        _accrueModel(c);
        assertEq(_collateral[c].rate, quote.rate, "model: accrued rate differs from quoted rate");
        v.normalizedDebt += quote.normalizedAdded;
        _collateral[c].totalNormalizedDebt += quote.normalizedAdded;
        expectedStable[to] += amount;
        _ledger[c].minted += amount;
        _ledger[c].borrows++;
        _actionBound[c] = _ceilRate(c);
    }

    // =================================================================== oracle rounds

    /// @dev A new round at `answer`, then `recordPrice`, applied to the model (OracleAdapter.recordPrice).
    function _publish(uint256 c, uint256 answer) internal {
        _feeds[c].updateAnswer(int256(answer));
        oracle.recordPrice(address(_tokens[c]));
        _recordModel(c, answer);
    }

    function _movedAnswer(uint256 c, uint256 moveSeed, uint256 kind) internal view returns (uint256 answer) {
        FeedModel storage f = _feed[c];
        uint256 minAnswer = _minPrice[c] / FEED_TO_WAD;
        uint256 maxAnswer = _maxPrice[c] / FEED_TO_WAD;
        // From an out-of-bounds answer, move around the last good price instead.
        uint256 base = f.answer < minAnswer || f.answer > maxAnswer ? f.lastGood / FEED_TO_WAD : f.answer;
        bool up = moveSeed % 2 == 0;
        if (kind == 0)
            return up ? maxAnswer + bound(moveSeed >> 1, 1, maxAnswer) : bound(moveSeed >> 1, 1, minAnswer - 1);
        uint256 bps = kind <= 2
            ? bound(moveSeed >> 1, MIN_JUMP_BPS, MAX_JUMP_BPS)
            : bound(moveSeed >> 1, 0, MAX_SMALL_MOVE_BPS);
        answer = up ? (base * (BPS + bps)) / BPS : (base * (BPS - bps)) / BPS;
        if (answer < minAnswer) answer = minAnswer;
        if (answer > maxAnswer) answer = maxAnswer;
    }

    /// @dev Publishes rounds for both feeds until both assets read live at the same time: a confirming
    /// round ends a freeze, and an out-of-bounds answer is replaced by the last good price.
    function _restoreLivePrices() internal {
        for (uint256 attempt; attempt < 3 && !(_isLive(0) && _isLive(1)); ++attempt) {
            _advance(1 minutes);
            for (uint256 c; c < COLLATERAL_COUNT; ++c) {
                FeedModel storage f = _feed[c];
                uint256 price = f.answer * FEED_TO_WAD;
                bool inBounds = price >= _minPrice[c] && price <= _maxPrice[c];
                _publish(c, inBounds ? f.answer : f.lastGood / FEED_TO_WAD);
            }
        }
        assertTrue(_isLive(0) && _isLive(1), "probe: prices not live after three rounds");
    }

    function _isLive(uint256 c) internal view returns (bool) {
        (, PriceStatus status) = _price(c);
        return status == PriceStatus.Live;
    }

    // =================================================================== checks after every action

    /// @dev Revert-direction check. A safe action (expected empty) must succeed; an unsafe one must
    /// revert with exactly `expected`, and then the handler call ends with `ExpectedRevert`.
    function _settle(bool ok, bytes memory reason, bytes memory expected, string memory action) internal view {
        if (expected.length == 0) {
            if (!ok) fail(string.concat(action, ": safe action reverted with ", _hex(reason)));
            return;
        }
        if (ok) fail(string.concat(action, ": unsafe action succeeded; expected revert ", _hex(expected)));
        if (keccak256(reason) != keccak256(expected)) {
            fail(string.concat(action, ": reverted with ", _hex(reason), ", expected ", _hex(expected)));
        }
        if (_scripted) fail(string.concat(action, ": scripted action was not safe: ", _hex(expected)));
        revert ExpectedRevert(bytes4(expected));
    }

    /// @dev After a successful action: the model against the chain, the supply ledger, the oracle
    /// model when time or prices moved, and consent (pre-state from the model, which the previous
    /// action's check proved equal to the chain; post-state from the chain).
    function _afterAction(Action action, address caller, Holdings[5] memory pre) internal {
        Holdings[5] memory post = _checkModel();
        if (action == Action.Warp || action == Action.MovePrice) {
            for (uint256 c; c < COLLATERAL_COUNT; ++c) _checkOracleModel(c);
        }
        _checkConsent(action, caller, pre, post);
        successes[action]++;
    }

    /// @dev The whole model against the chain (every collateral, every vault, every balance) and the
    /// per-action supply-identity check; returns the holdings read from the chain on the way.
    function _checkModel() internal returns (Holdings[5] memory h) {
        assertEq(vaultManager.vaultCount(), vaultCount, "model: vaultCount");
        assertEq(vaultManager.maxPauseDuration(), _maxPauseDuration, "model: maxPauseDuration");
        if (address(engine) != address(0)) {
            assertEq(engine.keeperRewardParams().maxRewardShare, _maxRewardShare, "model: maxRewardShare");
        }
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            _checkSupplyLedger(c, _checkCollateralModel(c));
            assertEq(
                _tokens[c].balanceOf(address(vaultManager)),
                _collateral[c].totalCollateral + _ledger[c].donated,
                "model: vault manager collateral balance"
            );
            for (uint256 i; i < ACTOR_COUNT; ++i) {
                h[i].token[c] = _tokens[c].balanceOf(_actors[i]);
                assertEq(h[i].token[c], _expectedToken[_actors[i]][c], "model: actor collateral");
            }
        }
        for (uint256 i; i < ACTOR_COUNT; ++i) {
            h[i].stable = stablecoin.balanceOf(_actors[i]);
            assertEq(h[i].stable, expectedStable[_actors[i]], "model: actor stablecoin");
        }
        h[ACTOR_COUNT].stable = stablecoin.balanceOf(reserve);
        assertEq(h[ACTOR_COUNT].stable, feesToReserve, "model: reserve stablecoin");
        for (uint256 id = 1; id <= vaultCount; ++id) {
            VaultStorage.StoredVault memory stored = VaultStorage.load(address(vaultManager), id);
            VaultModel storage v = _vault[id];
            address token = v.open ? address(_tokens[v.collateralIndex]) : address(0);
            assertEq(stored.collateral, token, "model: vault collateral token");
            assertEq(stored.owner, v.owner, "model: vault owner");
            assertEq(stored.collateralAmount, v.collateralAmount, "model: vault collateral");
            assertEq(stored.normalizedDebt, v.normalizedDebt, "model: vault normalized debt");
            if (!v.open) continue;
            uint256 i = _actorIndex[stored.owner] - 1;
            h[i].vaultCollateral[v.collateralIndex] += stored.collateralAmount;
            h[i].vaultNormalizedDebt[v.collateralIndex] += stored.normalizedDebt;
        }
    }

    function _checkCollateralModel(uint256 c) internal view returns (IVaultManager.CollateralConfig memory cfg) {
        cfg = vaultManager.collateralConfig(address(_tokens[c]));
        CollateralModel storage m = _collateral[c];
        assertEq(cfg.rateAccumulator, m.rate, "model: rate");
        assertEq(cfg.lastAccrual, m.lastAccrual, "model: lastAccrual");
        assertEq(cfg.stabilityFee, m.stabilityFee, "model: stabilityFee");
        assertEq(cfg.totalNormalizedDebt, m.totalNormalizedDebt, "model: totalNormalizedDebt");
        assertEq(cfg.accruedFees, m.accruedFees, "model: accruedFees");
        assertEq(cfg.totalCollateral, m.totalCollateral, "model: totalCollateral");
        assertEq(cfg.debtCeiling, m.debtCeiling, "model: debtCeiling");
        assertEq(cfg.minDebt, m.minDebt, "model: minDebt");
        assertEq(cfg.liquidationRatio, m.liquidationRatio, "model: liquidationRatio");
        assertEq(cfg.borrowRatio, m.borrowRatio, "model: borrowRatio");
        assertEq(cfg.liquidationPenalty, m.liquidationPenalty, "model: liquidationPenalty");
        assertEq(cfg.pausedUntil, m.pausedUntil, "model: pausedUntil");
        assertEq(cfg.pausedByGuardian, m.pausedByGuardian, "model: pausedByGuardian");
        assertEq(cfg.guardianPausedUntil, m.guardianPausedUntil, "model: guardianPausedUntil");
        assertEq(cfg.paused, _paused(c), "model: paused");
        VaultStorage.StoredStepTimes memory stored = VaultStorage.loadStepTimes(
            address(vaultManager),
            address(_tokens[c])
        );
        // The slot's first two fields against the view: the decoding of the times is right.
        assertEq(stored.totalCollateral, cfg.totalCollateral, "storage decoding: totalCollateral");
        assertEq(stored.liquidationPenalty, cfg.liquidationPenalty, "storage decoding: liquidationPenalty");
        assertEq(stored.liquidationRatioSetAt, m.liquidationRatioSetAt, "model: liquidationRatioSetAt");
        assertEq(stored.liquidationPenaltySetAt, m.liquidationPenaltySetAt, "model: liquidationPenaltySetAt");
    }

    function _checkOracleModel(uint256 c) internal view {
        IOracleAdapter.PriceState memory state = oracle.priceState(address(_tokens[c]));
        FeedModel storage f = _feed[c];
        assertEq(state.lastGoodPrice, f.lastGood, "oracle model: lastGoodPrice");
        assertEq(state.lastGoodUpdatedAt, f.lastGoodUpdatedAt, "oracle model: lastGoodUpdatedAt");
        assertEq(state.frozen, f.frozen, "oracle model: frozen");
        assertEq(state.pendingPrice, f.pending, "oracle model: pendingPrice");
        assertEq(state.pendingUpdatedAt, f.pendingUpdatedAt, "oracle model: pendingUpdatedAt");
        _price(c);
    }

    /// @dev Invariant 1 per action: E_c never decreases and grows by at most the action's proven
    /// rounding bound.
    function _checkSupplyLedger(uint256 c, IVaultManager.CollateralConfig memory cfg) internal {
        SupplyLedger storage entry = _ledger[c];
        int256 excess = int256(cfg.totalNormalizedDebt.rayMulUp(cfg.rateAccumulator)) -
            (int256(entry.minted + entry.feesMinted) - int256(entry.burnt)) -
            int256(cfg.accruedFees);
        uint256 actionBound = _actionBound[c];
        _actionBound[c] = 0;
        if (excess < entry.excess) {
            fail(
                string.concat("supply identity: E fell from ", vm.toString(entry.excess), " to ", vm.toString(excess))
            );
        }
        if (excess - entry.excess > int256(actionBound)) {
            fail(
                string.concat(
                    "supply identity: E grew by ",
                    vm.toString(excess - entry.excess),
                    ", more than the bound ",
                    vm.toString(actionBound)
                )
            );
        }
        entry.excess = excess;
        entry.roundingBudget += actionBound;
    }

    /// @dev Invariant 3, from chain state only: after the vault's own risk-adding action it holds its
    /// borrow ratio at a live price (and so its liquidation ratio: health factor ≥ 1).
    function _checkOwnActionBorrowRatio(uint256 vaultId, string memory action) internal {
        (, address token, uint256 collateralAmount, uint256 debt) = vaultManager.vaultInfo(vaultId);
        if (debt == 0) return;
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(token);
        (uint256 price, PriceStatus status) = oracle.getPrice(cfg.oracleAsset);
        uint256 value = (collateralAmount * 10 ** (18 - cfg.decimals)).wadMulDown(price);
        string memory problem;
        if (status != PriceStatus.Live) problem = "price not live";
        else if (value < debt.wadMulUp(cfg.borrowRatio)) problem = "below borrow ratio";
        else if (vaultManager.healthFactor(vaultId) < WAD) problem = "health factor below 1";
        if (bytes(problem).length != 0 && !borrowRatioViolated) {
            borrowRatioViolated = true;
            borrowRatioViolation = string.concat(action, " left vault ", vm.toString(vaultId), " ", problem);
        }
    }

    /// @dev Invariant 6: an account that is not the caller and has not approved the caller as its
    /// operator loses no stablecoin, collateral token or vault collateral, and gains no debt.
    function _checkConsent(Action action, address caller, Holdings[5] memory pre, Holdings[5] memory post) internal {
        for (uint256 i; i <= ACTOR_COUNT; ++i) {
            if (consentViolated) return;
            address account = i < ACTOR_COUNT ? _actors[i] : reserve;
            if (account == caller || pre[i].approvesCaller) continue;
            string memory lost;
            if (post[i].stable < pre[i].stable) lost = "stablecoin";
            for (uint256 c; c < COLLATERAL_COUNT; ++c) {
                if (post[i].token[c] < pre[i].token[c]) lost = "collateral token";
                if (post[i].vaultCollateral[c] < pre[i].vaultCollateral[c]) lost = "vault collateral";
                if (post[i].vaultNormalizedDebt[c] > pre[i].vaultNormalizedDebt[c]) lost = "vault debt (it grew)";
            }
            if (bytes(lost).length != 0) {
                consentViolated = true;
                consentViolation = string.concat(
                    "action ",
                    vm.toString(uint256(action)),
                    " by ",
                    vm.toString(caller),
                    " changed the ",
                    lost,
                    " of ",
                    vm.toString(account)
                );
            }
        }
    }

    /// @dev Holdings of the actors (0–3) and the reserve (4) before an action, from the model: the
    /// previous action's `_checkModel` proved it equal to the chain, and nothing runs in between.
    function _holdings(address caller) internal view returns (Holdings[5] memory h) {
        for (uint256 i; i < ACTOR_COUNT; ++i) {
            address account = _actors[i];
            h[i].approvesCaller = _approved[account][caller];
            h[i].stable = expectedStable[account];
            h[i].token = _expectedToken[account];
        }
        h[ACTOR_COUNT].stable = feesToReserve;
        for (uint256 id = 1; id <= vaultCount; ++id) {
            VaultModel storage v = _vault[id];
            if (!v.open) continue;
            uint256 i = _actorIndex[v.owner] - 1;
            h[i].vaultCollateral[v.collateralIndex] += v.collateralAmount;
            h[i].vaultNormalizedDebt[v.collateralIndex] += v.normalizedDebt;
        }
    }

    // =================================================================== input shaping

    function _actor(uint256 seed_) internal view returns (address) {
        return _actors[seed_ % ACTOR_COUNT];
    }

    /// @dev An actor, or (1 in 16) the zero address.
    function _recipient(uint256 seed_) internal view returns (address) {
        return seed_ % 16 == 0 ? address(0) : _actors[(seed_ >> 4) % ACTOR_COUNT];
    }

    /// @dev 1 in 8: any id from 1 to vaultCount + 1 (closed and never-opened ids included). Otherwise
    /// an open vault, preferably one the actor controls (`mustControl`) or one with debt (`preferDebt`).
    function _pickVault(
        uint256 seed_,
        address actor,
        bool mustControl,
        bool preferDebt
    ) internal view returns (uint256) {
        uint256 count = vaultCount;
        if (count == 0 || seed_ % 8 == 0) return bound(seed_ >> 3, 1, count + 1);
        uint256 start = (seed_ >> 3) % count;
        uint256 fallbackId;
        for (uint256 k; k < count; ++k) {
            uint256 id = ((start + k) % count) + 1;
            VaultModel storage v = _vault[id];
            if (!v.open) continue;
            bool controls = v.owner == actor || _approved[v.owner][actor];
            if ((mustControl && !controls) || (preferDebt && v.normalizedDebt == 0)) {
                if (fallbackId == 0) fallbackId = id;
                continue;
            }
            return id;
        }
        return fallbackId != 0 ? fallbackId : count + 1;
    }

    /// @dev 1 in 16 zero, 1 in 16 dust, else up to `_maxCollateral`.
    function _collateralAmount(uint256 seed_, uint256 c) internal view returns (uint256) {
        uint256 mode = seed_ % 16;
        if (mode == 0) return 0;
        if (mode == 1) return bound(seed_ >> 4, 1, _scale[c] == 1 ? 1e15 : 1e5);
        return bound(seed_ >> 4, _maxCollateral[c] / 1e4, _maxCollateral[c]);
    }

    function _openDebtAmount(uint256 seed_, uint256 c, uint256 collateralAmount) internal view returns (uint256) {
        if (seed_ % 4 == 0) return 0;
        return _debtAmount(seed_ >> 2, c, _maxDebt(c, collateralAmount));
    }

    function _borrowAmount(uint256 seed_, uint256 vaultId) internal view returns (uint256) {
        VaultModel storage v = _vault[vaultId];
        uint256 c = v.collateralIndex;
        if (seed_ % 16 == 0) return 0;
        uint256 maxDebt = _maxDebt(c, v.collateralAmount);
        uint256 debt = v.normalizedDebt.rayMulUp(_rateNow(c));
        return _debtAmount(seed_ >> 4, c, maxDebt > debt ? maxDebt - debt : 0);
    }

    /// @dev A debt amount around the interesting edges: dust and the minimum debt (± 2 wei), the
    /// borrow-ratio headroom (± 5 % and ± 2 wei), the debt ceiling's room (± 5 % and ± 2 wei), or
    /// anything below the headroom.
    function _debtAmount(uint256 seed_, uint256 c, uint256 headroom) internal view returns (uint256) {
        uint256 mode = seed_ % 8;
        uint256 s = seed_ >> 3;
        CollateralModel storage m = _collateral[c];
        if (mode == 0) {
            // Dust, or the minimum debt itself ± 2 wei (exact edge for a vault without debt).
            if (s % 2 == 0) return bound(s >> 1, 1, m.minDebt + m.minDebt / 2 + 1);
            return bound(s >> 1, m.minDebt > 2 ? m.minDebt - 2 : 1, m.minDebt + 2);
        }
        if (mode == 1 || mode == 2) return bound(s, (headroom * 95) / 100 + 1, (headroom * 105) / 100 + 2);
        if (mode == 3) return headroom == 0 ? bound(s, 1, 3) : bound(s, headroom - 1, headroom + 2);
        if (mode == 4 || mode == 5) {
            uint256 total = m.totalNormalizedDebt.rayMulUp(_rateNow(c));
            uint256 room = m.debtCeiling > total ? m.debtCeiling - total : 0;
            if (mode == 5) return bound(s, room > 2 ? room - 2 : 1, room + 2);
            return bound(s, (room * 95) / 100 + 1, (room * 105) / 100 + 2);
        }
        return bound(s, 1, headroom > 1 ? headroom : 1);
    }

    function _withdrawAmount(uint256 seed_, uint256 vaultId) internal view returns (uint256) {
        VaultModel storage v = _vault[vaultId];
        uint256 available = v.collateralAmount;
        uint256 mode = seed_ % 16;
        uint256 s = seed_ >> 4;
        if (mode == 0) return 0;
        if (mode == 1) return available + bound(s, 1, 1e18);
        if (mode == 2 || mode == 3) return available;
        uint256 upper = available > 1 ? available : 1;
        if (mode < 8 && v.normalizedDebt != 0) {
            // Around the largest withdrawal the borrow ratio allows: ± 5 %, or ± 2 units.
            uint256 debt = v.normalizedDebt.rayMulUp(_rateNow(v.collateralIndex));
            uint256 needed = _collateralFor(v.collateralIndex, debt);
            uint256 free = available > needed ? available - needed : 0;
            uint256 lo = mode < 6 ? (free * 95) / 100 + 1 : (free > 2 ? free - 2 : 1);
            uint256 hi = mode < 6 ? (free * 105) / 100 + 2 : free + 2;
            return bound(s, lo < upper ? lo : upper, hi < upper ? hi : upper);
        }
        return bound(s, 1, upper);
    }

    /// @dev Zero, the whole debt (exactly or more), a partial repay that keeps or breaks the minimum
    /// debt (or leaves it ± 2 wei), a few wei, or anything the payer holds.
    function _repayAmount(uint256 seed_, uint256 vaultId, address payer) internal view returns (uint256) {
        VaultModel storage v = _vault[vaultId];
        uint256 debt = v.normalizedDebt.rayMulUp(_rateNow(v.collateralIndex));
        uint256 minDebt = _collateral[v.collateralIndex].minDebt;
        uint256 mode = seed_ % 16;
        uint256 s = seed_ >> 4;
        if (mode == 0) return 0;
        if (mode == 1 || mode == 2) return debt + bound(s, 0, 1e18);
        if (mode == 3) return debt;
        if (debt > 1 && (mode == 4 || mode == 5)) return bound(s, 1, debt > minDebt + 1 ? debt - minDebt : debt - 1);
        // Leaves a positive debt below the minimum.
        if (mode == 6 && minDebt > 1 && debt > minDebt) return bound(s, debt - minDebt + 1, debt - 1);
        // Leaves the minimum debt ± 2 wei.
        if (debt > minDebt + 2 && mode == 8) return bound(s, debt - minDebt - 2, debt - minDebt + 2);
        if (mode == 7) return bound(s, 1, 1e6);
        uint256 balance = expectedStable[payer];
        uint256 cap = balance < debt ? balance : debt;
        return bound(s, 1, cap > 1 ? cap : 1);
    }

    /// @dev Largest debt `collateralAmount` supports at the borrow ratio, at the price the vault
    /// manager would read (the last good price while the feed is not live).
    function _maxDebt(uint256 c, uint256 collateralAmount) internal view returns (uint256) {
        uint256 price = _modelPrice(c);
        uint256 value = (collateralAmount * _scale[c]).wadMulDown(price);
        return value.wadDivDown(_collateral[c].borrowRatio);
    }

    /// @dev Smallest collateral that covers `debt` at the borrow ratio at the current price.
    function _collateralFor(uint256 c, uint256 debt) internal view returns (uint256) {
        uint256 price = _modelPrice(c);
        uint256 required = debt.wadMulUp(_collateral[c].borrowRatio);
        return required.mulDivUp(WAD, price * _scale[c]);
    }

    /// @dev 1 in 16 an address that is not a collateral (COLLATERAL_COUNT), else WETH or WBTC.
    function _pauseTarget(uint256 seed_) internal pure returns (uint256) {
        return seed_ % 16 == 0 ? COLLATERAL_COUNT : (seed_ >> 4) % COLLATERAL_COUNT;
    }

    /// @dev 1 in 4, when it is ahead: time moves (as in `warp`, the feeds then publish) to an edge of
    /// collateral `c`'s last pause: its last second, its end, the last second of the guardian's
    /// cool-down or its end (with the maxPauseDuration in force now).
    function _pauseEdge(uint256 c, uint256 seed_) internal {
        if (seed_ % 4 != 0 || c >= COLLATERAL_COUNT) return;
        uint256 until = _collateral[c].pausedUntil;
        if (until == 0) return;
        uint256 edge = (seed_ >> 2) % 4;
        uint256 target = edge < 2 ? until : until + _maxPauseDuration;
        if (edge % 2 == 0) target -= 1;
        if (target <= currentTime) return;
        Holdings[5] memory pre = _holdings(address(0));
        _advance(target - currentTime);
        for (uint256 k; k < COLLATERAL_COUNT; ++k) _publish(k, _feed[k].answer);
        _afterAction(Action.Warp, address(0), pre);
    }

    /// @dev 1 in 8 outside the bounds, 1 in 8 the current value (NoChange), 1 in 8 a bound itself,
    /// otherwise inside (half of those at most the default of 7 days, so pauses do not take over).
    function _pauseDurationValue(uint256 seed_) internal view returns (uint256) {
        uint256 mode = seed_ % 8;
        uint256 s = seed_ >> 3;
        uint256 min = ConstantsLib.MIN_PAUSE_DURATION;
        uint256 max = ConstantsLib.MAX_PAUSE_DURATION;
        if (mode == 0) return s % 2 == 0 ? bound(s >> 1, 0, min - 1) : max + bound(s >> 1, 1, 365 days);
        if (mode == 1) return _maxPauseDuration;
        if (mode == 2) return s % 2 == 0 ? min : max;
        return bound(s, min, mode < 5 ? ConstantsLib.DEFAULT_MAX_PAUSE_DURATION : max);
    }

    /// @dev Mints the shortfall of `amount` to `actor`: the test tokens are the actors' faucet.
    function _fund(address actor, uint256 c, uint256 amount) internal {
        uint256 balance = _tokens[c].balanceOf(actor);
        if (balance >= amount) return;
        _tokens[c].mint(actor, amount - balance);
        _expectedToken[actor][c] += amount - balance;
    }

    function _rethrowIfExpected(bytes memory reason) internal pure {
        if (bytes4(reason) == ExpectedRevert.selector || _isAssertion(reason)) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
        fail(string.concat("handler reverted unexpectedly: ", _hex(reason)));
    }

    /// @dev An `Error(string)` whose message starts with "assertion failed" (see utils/Test.sol).
    function _isAssertion(bytes memory reason) internal pure returns (bool) {
        bytes memory prefix = "assertion failed";
        // Error(string): selector, offset word, length word, then the message from byte 68.
        if (bytes4(reason) != 0x08c379a0 || reason.length < 68 + prefix.length) return false;
        for (uint256 i; i < prefix.length; ++i) {
            if (reason[68 + i] != prefix[i]) return false;
        }
        return true;
    }
}

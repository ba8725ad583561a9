// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IVaultManager} from "../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../contracts/interfaces/ILiquidationEngine.sol";
import {IOracleAdapter} from "../../contracts/interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {MockERC20} from "../../contracts/test/MockERC20.sol";
import {VaultHandler} from "./handlers/VaultHandler.sol";
import {VaultManagerModel} from "./handlers/VaultManagerModel.sol";
import {BallastFixture} from "./utils/BallastFixture.sol";
import {VaultStorage} from "./utils/VaultStorage.sol";

/// @title VaultManagerInvariantTest
/// @notice DESIGN.md §5 invariants of the vault manager under random operation sequences driven by
/// `VaultHandler` (4 actors, WETH and WBTC vaults, operators, time, price moves and circuit-breaker
/// trips, governance parameter changes including the liquidation engine's keeper reward cap and the
/// once-a-day stepped parameters, expiring pauses by governance and by a guardian). The
/// handler checks every action in both directions (a safe action must succeed, an unsafe one must
/// revert with the exact error) against a reference model; the functions below are the §5
/// invariants (and the pauses' bound), checked by forge after every call.
///
/// §5.1, the supply identity, as tested. Per collateral c, with D_c = ⌈totalNormalizedDebt × rate / RAY⌉
/// from `collateralConfig(c)`, S_c = (minted − burnt for c by vault actions) + (fees of c minted to the
/// reserve), and E_c = D_c − S_c − accruedFees_c:
///   totalSupply = Σ_c S_c (exactly: no other module mints, flash mints are zero between calls), and
///   0 ≤ E_c ≤ Σ over c's actions of their rounding bound, where, with r = rate / RAY at the action:
///     borrow / open with debt a: n = ⌈a / r⌉ is added, D grows by ⌈T r + n r⌉ − ⌈T r⌉ ∈ [a, a + ⌈r⌉]
///       (n r ∈ [a, a + r)), so E grows by 0 … ⌈r⌉;
///     partial repay a: n = ⌊a / r⌋ is removed, D falls by ∈ [⌊n r⌋, ⌈n r⌉] ⊂ (a − r − 1, a], so E
///       grows by 0 … ⌈r⌉;
///     full repay or close of a vault owing ⌈m r⌉: D falls by ⌈m r⌉ or ⌈m r⌉ − 1, E grows by 0 or 1;
///     accrual: the fee is exactly the increase of D, so E is unchanged; minting fees moves them from
///       accruedFees to S, E unchanged.
/// S_c must include the fees minted for c: without them E_c would jump by the fees at every `accrue`.
/// VaultManager's NatSpec (and the README) state the tighter bound E_c ≤ borrows + repays, i.e. one wei
/// per action; that does not hold once rate > 1 RAY: see `test_SupplyIdentity_NatSpecBoundCounterexample`.
contract VaultManagerInvariantTest is BallastFixture {
    using MathLib for uint256;

    /// @notice Values of the counterexample, visible with `forge test -vvvv`.
    event Counterexample(uint256 rate, uint256 borrowed, uint256 normalizedDebt, uint256 totalDebt, int256 excess);

    uint256 internal constant RAY = 1e27;
    uint256 internal constant COLLATERAL_COUNT = 2;

    Ballast internal ballast;
    VaultHandler internal handler;
    address[4] internal actors;
    address[2] internal tokens;
    address internal guardian;
    /// @dev Holds RISK_CONTROL_ROLE in place of the risk controller: its halts.
    address internal controller;

    function setUp() public {
        vm.warp(START_TIME);
        ballast = _deployBallast(makeAddr("deployer"));
        actors = [makeAddr("alice"), makeAddr("bob"), makeAddr("carol"), makeAddr("dave")];
        tokens = [address(ballast.weth), address(ballast.wbtc)];
        guardian = makeAddr("guardian");
        controller = makeAddr("controller");
        _grantPauseRoles();

        handler = new VaultHandler(
            VaultManagerModel.Deployment({
                deployer: ballast.deployer,
                guardian: guardian,
                vaultManager: ballast.vaultManager,
                engine: ballast.engine,
                oracle: ballast.oracle,
                stablecoin: ballast.stablecoin,
                reserve: address(ballast.reserve),
                tokens: [ballast.weth, ballast.wbtc],
                feeds: [ballast.ethUsdFeed, ballast.btcUsdFeed],
                actors: actors,
                controller: controller
            })
        );
        handler.seed();

        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _fuzzedSelectors()}));
        address[14] memory system = [
            address(ballast.stablecoin),
            address(ballast.reserve),
            address(ballast.oracle),
            address(ballast.vaultManager),
            address(ballast.engine),
            address(ballast.lens),
            address(ballast.weth),
            address(ballast.wbtc),
            address(ballast.usdc),
            address(ballast.ethUsdFeed),
            address(ballast.btcUsdFeed),
            address(ballast.usdcUsdFeed),
            address(ballast.bdolUsdFeed),
            address(handler)
        ];
        for (uint256 i; i < system.length; ++i) {
            if (system[i] != address(handler)) excludeContract(system[i]);
            excludeSender(system[i]);
        }
    }

    /// @dev The guardian's role, and the risk controller's (to `controller`, whose halts the handler makes).
    function _grantPauseRoles() internal {
        IAccessControl manager = IAccessControl(address(ballast.vaultManager));
        vm.startPrank(ballast.deployer);
        manager.grantRole(ballast.vaultManager.GUARDIAN_ROLE(), guardian);
        manager.grantRole(ballast.vaultManager.RISK_CONTROL_ROLE(), controller);
        vm.stopPrank();
    }

    // =================================================================== DESIGN.md §5 invariants

    /// @notice §5.1: total supply = Σ_c S_c exactly, and per collateral 0 ≤ E_c ≤ the rounding budget.
    function invariant_supplyIdentity() public view {
        _checkSupplyIdentity();
    }

    /// @notice §5.2: Σ normalized debt of the vaults = the collateral's total normalized debt.
    function invariant_normalizedDebtSums() public view {
        _checkNormalizedDebtSums();
    }

    /// @notice §5.3: no vault's own action left it below its borrow ratio (checked by the handler right
    /// after every successful open with debt, borrow and withdraw from a vault with debt).
    function invariant_ownActionsKeepBorrowRatio() public view {
        assertFalse(handler.borrowRatioViolated(), handler.borrowRatioViolation());
    }

    /// @notice §5.4: collateral held by the vault manager ≥ Σ vault collateral = totalCollateral.
    function invariant_collateralHeld() public view {
        _checkCollateralHeld();
    }

    /// @notice §5.5: every vault-manager, oracle and stablecoin parameter is inside its ConstantsLib bound,
    /// and no collateral's liquidation penalty is below the engine's keeper reward cap (maxRewardShare).
    /// The stepped parameters (liquidation ratio, penalty) move slowly: between two successful changes
    /// of the same parameter of the same collateral at least MIN_STEP_INTERVAL passed and each change
    /// was at most its maximum step (checked by the handler at every change, from the chain's values
    /// and its ghosts), so over any N days a parameter moved at most N + 1 steps; here, from the ghosts
    /// and the chain: every change went through the handler's check, the chain recorded the last
    /// one's time, and the whole path is within (1 + days between the first and the last change)
    /// maximum steps of the start.
    function invariant_parametersInBounds() public view {
        _checkParametersInBounds();
        _checkSteps();
    }

    /// @notice §5.6: no action moved an actor's collateral or stablecoin (or added debt to its vaults)
    /// without that actor or its operator calling; and every balance is what the consented flows give.
    function invariant_noMovementWithoutConsent() public view {
        _checkConsent();
    }

    /// @notice Pauses expire and the guardian keeps its cool-down, risk-controller halts included. For
    /// every collateral: pausedUntil ≤ the end its last pause or extending halt set ≤ (time of that
    /// pause, by governance, the guardian, a circuit breaker or the controller) + (maxPauseDuration in
    /// force then) ≤ that time + MAX_PAUSE_DURATION; a collateral never paused has pausedUntil = 0;
    /// pausedByGuardian holds exactly when the guardian paused and governance has neither paused nor
    /// unpaused since, and guardianPausedUntil is then the end of that guardian pause (0 otherwise),
    /// whatever halts ran since; and no guardian pause started during a pause (or halt), nor within
    /// maxPauseDuration of the end of a pause of its own that governance neither renewed nor ended —
    /// a halt that ran past that pause, or started during its cool-down, shortens nothing (checked
    /// by the handler at every guardian pause, against the chain before the call and against its
    /// ghosts).
    /// @dev The bound uses the duration in force at the pause, not the current one: lowering
    /// maxPauseDuration does not shorten a running pause (see `test_LoweringMaxPauseDurationKeepsRunningPause`).
    function invariant_pausesExpire() public view {
        _checkPauses();
    }

    /// @notice After each run: the liveness probe passes (debt-free vaults withdraw everything whatever
    /// the oracle says; once the oracle recovers, a new vault borrows and is repaid through the
    /// handler's checked paths, so every run ends with at least one successful borrow and repay), and
    /// every invariant still holds afterwards.
    /// @dev Deliberately no "the fuzzed calls succeeded at least once" assertion here: forge's shrinker
    /// would then reduce any failing sequence to one reverting call that fails that assertion instead,
    /// hiding the real counterexample. `test_HandlerCoversEveryOutcome` guards against a handler whose
    /// actions never succeed or never revert, and forge's per-selector table shows calls − reverts =
    /// successful actions for every campaign.
    function afterInvariant() external {
        (uint256 borrowsBefore, uint256 repaysBefore) = handler.livenessProbe();
        uint256 borrows = handler.successes(VaultHandler.Action.Borrow) +
            handler.successes(VaultHandler.Action.OpenVault);
        assertGt(borrows, borrowsBefore, "probe: no successful borrow");
        assertGt(handler.successes(VaultHandler.Action.Repay), repaysBefore, "probe: no successful repay");
        _checkSupplyIdentity();
        _checkNormalizedDebtSums();
        assertFalse(handler.borrowRatioViolated(), handler.borrowRatioViolation());
        _checkCollateralHeld();
        _checkParametersInBounds();
        _checkSteps();
        _checkConsent();
        _checkPauses();
    }

    // =================================================================== deterministic tests

    /// @notice The storage decoding that invariant 2 relies on agrees with the contract's views.
    function test_VaultStorageMatchesViews() public {
        vm.warp(block.timestamp + 7 days);
        uint256 count = ballast.vaultManager.vaultCount();
        assertGt(count, 0, "seeded vaults");
        for (uint256 id = 1; id <= count; ++id) {
            VaultStorage.StoredVault memory stored = VaultStorage.load(address(ballast.vaultManager), id);
            (address owner, address collateral, uint256 amount, uint256 debt) = ballast.vaultManager.vaultInfo(id);
            assertEq(stored.owner, owner, "owner");
            assertEq(stored.collateral, collateral, "collateral");
            assertEq(stored.collateralAmount, amount, "collateral amount");
            assertGt(stored.normalizedDebt, 0, "seeded vaults owe");
            assertEq(stored.normalizedDebt.rayMulUp(ballast.vaultManager.currentRate(collateral)), debt, "debt");
        }
        assertEq(VaultStorage.load(address(ballast.vaultManager), count + 1).collateral, address(0), "unknown id");
    }

    /// @notice A short deterministic campaign proving the handler exercises both directions: every
    /// action succeeds at least once and every modelled revert reason occurs at least once.
    function test_HandlerCoversEveryOutcome() public {
        bytes4[] memory selectors = _fuzzedSelectors();
        bytes4[] memory reasons = _modelledReasons();
        uint256[] memory succeeded = new uint256[](selectors.length);
        uint256[] memory seen = new uint256[](reasons.length);
        for (uint256 i; i < 2_500; ++i) {
            uint256 k = uint256(keccak256(abi.encode("action", i))) % selectors.length;
            bytes memory data = abi.encodePacked(
                selectors[k],
                abi.encode(_word(i, 0), _word(i, 1), _word(i, 2), _word(i, 3))
            );
            // Every fuzzed handler function takes four uint256 seeds at most; extra words are ignored.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(handler).call(data);
            if (ok) {
                succeeded[k]++;
                continue;
            }
            // Anything but the handler's ExpectedRevert is a failed check: surface it.
            if (bytes4(reason) != VaultHandler.ExpectedRevert.selector) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
            bytes4 expected = abi.decode(_tail(reason), (bytes4));
            for (uint256 r; r < reasons.length; ++r) {
                if (reasons[r] == expected) seen[r]++;
            }
        }
        for (uint256 k; k < selectors.length; ++k) {
            assertGt(succeeded[k], 0, string.concat("never succeeded: action ", vm.toString(k)));
        }
        for (uint256 r; r < reasons.length; ++r) {
            assertGt(seen[r], 0, string.concat("never predicted: ", vm.toString(bytes32(reasons[r]))));
        }
        _checkSupplyIdentity();
        _checkNormalizedDebtSums();
        _checkCollateralHeld();
        _checkParametersInBounds();
        _checkSteps();
        _checkConsent();
        _checkPauses();
        assertFalse(handler.borrowRatioViolated(), handler.borrowRatioViolation());
        _assertSharedSelectorActionsSucceeded();
    }

    /// @dev Every kind of successful pause call occurred (they share the handler's `pause` selector),
    /// an unpause of a running pause and one of a collateral not paused, a change of the keeper
    /// reward cap (from the `setParameter` selector), and, for both stepped parameters, a second
    /// successful change of the same collateral's parameter (a step after the once-a-day timer ran).
    function _assertSharedSelectorActionsSucceeded() internal view {
        VaultHandler.Action[10] memory pauseActions = [
            VaultHandler.Action.Pause,
            VaultHandler.Action.Renew,
            VaultHandler.Action.Unpause,
            VaultHandler.Action.UnpauseLapsed,
            VaultHandler.Action.CircuitBreaker,
            VaultHandler.Action.SetMaxPauseDuration,
            VaultHandler.Action.GuardianPause,
            VaultHandler.Action.GuardianCircuitBreaker,
            VaultHandler.Action.SetMaxRewardShare,
            VaultHandler.Action.Halt
        ];
        for (uint256 k; k < pauseActions.length; ++k) {
            assertGt(
                handler.successes(pauseActions[k]),
                0,
                string.concat("never succeeded: action kind ", vm.toString(uint256(pauseActions[k])))
            );
        }
        for (uint256 k; k < 2; ++k) {
            (uint256 weth, uint256 wbtc) = (handler.stepLedger(0, k).changes, handler.stepLedger(1, k).changes);
            assertGe(weth > wbtc ? weth : wbtc, 2, string.concat("no second step: stepped parameter ", vm.toString(k)));
        }
    }

    /// @notice A risk-controller halt leaves the guardian's cool-down as it was, second by second: a
    /// halt that runs past the guardian's pause keeps the guardian out until that pause's own end +
    /// maxPauseDuration (not the halt's end + maxPauseDuration, nor the halt's end alone); a halt
    /// during the cool-down neither ends nor restarts it.
    function test_HaltKeepsGuardianCoolDown() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        uint256 d = manager.maxPauseDuration();
        IVaultManager.CollateralConfig memory cfg = manager.collateralConfig(weth);
        (uint256 fee, uint256 ratio) = (cfg.stabilityFee, cfg.borrowRatio);
        uint256 t0 = block.timestamp;
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        // Half-way, the controller halts until one day past the guardian's pause.
        vm.warp(t0 + d / 2);
        vm.prank(controller);
        manager.applyRiskSettings(weth, fee, ratio, t0 + d + 1 days);
        cfg = manager.collateralConfig(weth);
        assertEq(cfg.pausedUntil, t0 + d + 1 days, "the halt extends the pause");
        assertEq(cfg.guardianPausedUntil, t0 + d, "the guardian's own end is kept");
        assertTrue(cfg.pausedByGuardian, "its cool-down still applies");
        // When the halt ends the guardian is still cooling down, until t0 + 2d exactly.
        vm.warp(t0 + d + 1 days);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, weth, t0 + 2 * d));
        manager.pauseRiskAdding(weth);
        // A second halt during the cool-down changes it neither way.
        vm.prank(controller);
        manager.applyRiskSettings(weth, fee, ratio, t0 + d + 2 days);
        assertEq(manager.collateralConfig(weth).guardianPausedUntil, t0 + d, "a halt in the cool-down keeps it");
        vm.warp(t0 + 2 * d - 1);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, weth, t0 + 2 * d));
        manager.pauseRiskAdding(weth);
        vm.warp(t0 + 2 * d);
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).guardianPausedUntil, t0 + 3 * d, "the guardian's next pause");
    }

    /// @notice The guardian's window after a pause of its own, second by second: no pause while it
    /// runs, none within maxPauseDuration of its end, then a pause again; its circuit breaker skips
    /// what it may not pause.
    function test_GuardianPauseWindowEdges() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        uint256 d = manager.maxPauseDuration();
        assertEq(d, ConstantsLib.DEFAULT_MAX_PAUSE_DURATION, "default maxPauseDuration");
        assertFalse(manager.collateralConfig(weth).pausedByGuardian, "never paused");

        uint256 t0 = block.timestamp;
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + d, "guardian pause");
        assertTrue(manager.collateralConfig(weth).pausedByGuardian, "the guardian's pause");
        vm.warp(t0 + d - 1);
        assertTrue(manager.collateralConfig(weth).paused, "paused until its last second");
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.AlreadyPaused.selector, weth, t0 + d));
        manager.pauseRiskAdding(weth);
        vm.warp(t0 + d);
        assertFalse(manager.collateralConfig(weth).paused, "over at pausedUntil");
        assertTrue(manager.collateralConfig(weth).pausedByGuardian, "still the guardian's last pause");
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, weth, t0 + 2 * d));
        manager.pauseRiskAdding(weth);
        vm.warp(t0 + 2 * d - 1);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, weth, t0 + 2 * d));
        manager.pauseRiskAdding(weth);
        // The guardian's circuit breaker skips WETH (cooling down) and pauses WBTC.
        vm.prank(guardian);
        manager.pauseAllRiskAdding();
        assertEq(manager.collateralConfig(tokens[1]).pausedUntil, t0 + 3 * d - 1, "breaker paused WBTC");
        assertTrue(manager.collateralConfig(tokens[1]).pausedByGuardian, "the guardian's breaker");
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + d, "breaker skipped WETH");
        vm.prank(guardian);
        vm.expectRevert(IVaultManager.NothingToPause.selector);
        manager.pauseAllRiskAdding();

        vm.warp(t0 + 2 * d);
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 3 * d, "guardian pause after the cool-down");
    }

    /// @notice Governance renews a running pause of the guardian (the pause becomes governance's)
    /// and ends it: the guardian may pause again at once.
    function test_GovernanceRenewsAndEndsPauses() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        uint256 d = manager.maxPauseDuration();
        uint256 t0 = block.timestamp;
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + d, "guardian pause");

        vm.warp(t0 + 1);
        vm.prank(ballast.deployer);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 1 + d, "governance renewal");
        assertFalse(manager.collateralConfig(weth).pausedByGuardian, "a renewal makes it governance's pause");
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.AlreadyPaused.selector, weth, t0 + 1 + d));
        manager.pauseRiskAdding(weth);
        vm.warp(t0 + 2);
        vm.prank(ballast.deployer);
        manager.allowRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 2, "unpause ends the pause now");
        assertFalse(manager.collateralConfig(weth).paused, "not paused");
        assertFalse(manager.collateralConfig(weth).pausedByGuardian, "unpaused by governance");
        // Unpausing again, with no pause running, succeeds and leaves the pause's end where it is.
        vm.prank(ballast.deployer);
        manager.allowRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 2, "a second unpause changes nothing");
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        manager.allowRiskAdding(weth);

        // No cool-down after governance's unpause: the guardian pauses in the same second.
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 2 + d, "guardian pause right after the unpause");
        assertTrue(manager.collateralConfig(weth).pausedByGuardian, "the guardian's pause again");
    }

    /// @notice Governance ending the guardian's own pause (no renewal) leaves no cool-down either;
    /// a guardian pause that runs out unrenewed and unended does.
    function test_GovernanceEndingGuardianPauseLeavesNoCoolDown() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        uint256 d = manager.maxPauseDuration();
        uint256 t0 = block.timestamp;
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        vm.warp(t0 + 1);
        vm.prank(ballast.deployer);
        manager.allowRiskAdding(weth);
        assertFalse(manager.collateralConfig(weth).pausedByGuardian, "governance ended the guardian's pause");
        vm.prank(guardian);
        manager.pauseAllRiskAdding();
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 1 + d, "breaker right after the unpause");
        assertEq(manager.collateralConfig(tokens[1]).pausedUntil, t0 + 1 + d, "breaker paused WBTC too");
        // That pause runs out unrenewed: now the guardian waits a full maxPauseDuration.
        vm.warp(t0 + 1 + 2 * d - 1);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, weth, t0 + 1 + 2 * d));
        manager.pauseRiskAdding(weth);
        vm.prank(guardian);
        vm.expectRevert(IVaultManager.NothingToPause.selector);
        manager.pauseAllRiskAdding();
        vm.warp(t0 + 1 + 2 * d);
        vm.prank(guardian);
        manager.pauseAllRiskAdding();
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 1 + 3 * d, "breaker after the cool-down");
    }

    /// @notice A pause made by governance (one collateral or the circuit breaker) leaves no cool-down:
    /// the guardian may pause the second it runs out, while it may not pause during it.
    function test_GuardianPausesWhenGovernancePauseRunsOut() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        address wbtc = tokens[1];
        uint256 d = manager.maxPauseDuration();
        uint256 t0 = block.timestamp;
        vm.prank(guardian);
        manager.pauseRiskAdding(wbtc); // the guardian's own pause of WBTC: cool-down after it
        vm.prank(ballast.deployer);
        manager.pauseAllRiskAdding(); // governance renews WBTC's pause and pauses WETH
        assertFalse(manager.collateralConfig(weth).pausedByGuardian, "governance's breaker: WETH");
        assertFalse(manager.collateralConfig(wbtc).pausedByGuardian, "governance's breaker: WBTC");
        vm.warp(t0 + d - 1);
        vm.prank(guardian);
        vm.expectRevert(IVaultManager.NothingToPause.selector);
        manager.pauseAllRiskAdding();

        vm.warp(t0 + d);
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 2 * d, "guardian pause as governance's ends");
        vm.prank(guardian);
        manager.pauseAllRiskAdding(); // skips WETH (paused), pauses WBTC
        assertEq(manager.collateralConfig(wbtc).pausedUntil, t0 + 2 * d, "breaker paused WBTC at once");
        assertTrue(manager.collateralConfig(wbtc).pausedByGuardian, "the guardian's breaker");
    }

    /// @notice Lowering maxPauseDuration does not shorten a running pause: the pause outlives the new
    /// maximum (hence `invariant_pausesExpire` bounds a pause by the duration in force when it was
    /// made), while the guardian's cool-down after its own pause shrinks at once.
    function test_LoweringMaxPauseDurationKeepsRunningPause() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        uint256 t0 = block.timestamp;
        vm.prank(ballast.deployer);
        manager.setMaxPauseDuration(ConstantsLib.MAX_PAUSE_DURATION);
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        vm.prank(ballast.deployer);
        manager.setMaxPauseDuration(ConstantsLib.MIN_PAUSE_DURATION);
        uint256 until = manager.collateralConfig(weth).pausedUntil;
        assertEq(until, t0 + ConstantsLib.MAX_PAUSE_DURATION, "running pause keeps its end");
        assertGt(until, t0 + manager.maxPauseDuration(), "longer than the current maxPauseDuration");
        vm.warp(until + ConstantsLib.MIN_PAUSE_DURATION - 1);
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVaultManager.PauseCoolingDown.selector,
                weth,
                until + ConstantsLib.MIN_PAUSE_DURATION
            )
        );
        manager.pauseRiskAdding(weth);
        vm.warp(until + ConstantsLib.MIN_PAUSE_DURATION);
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(
            manager.collateralConfig(weth).pausedUntil,
            block.timestamp + ConstantsLib.MIN_PAUSE_DURATION,
            "guardian"
        );
    }

    /// @notice No liquidation penalty below the engine's keeper reward cap, from either side:
    /// setLiquidationPenalty checks it after the bounds and the step (its size, then its timer),
    /// setMaxRewardShare after NoChange and its bound, naming the first registered collateral whose
    /// penalty is below.
    function test_PenaltyNeverBelowKeeperReward() public {
        IVaultManager manager = ballast.vaultManager;
        ILiquidationEngine engine = ballast.engine;
        (address weth, address wbtc) = (tokens[0], tokens[1]);
        uint256 share = engine.keeperRewardParams().maxRewardShare;
        assertEq(share, MAX_REWARD_SHARE, "fixture's reward cap");
        assertGe(LIQUIDATION_PENALTY, share, "fixture's penalty covers the reward cap");
        uint256 t0 = block.timestamp;
        uint256 interval = ConstantsLib.MIN_STEP_INTERVAL;
        vm.startPrank(ballast.deployer);

        // The step comes first: 0.1 → 0.01 is below the cap but two steps away.
        uint256 step = ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP;
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StepTooLarge.selector, LIQUIDATION_PENALTY, 0.01e18, step));
        manager.setLiquidationPenalty(weth, 0.01e18);
        manager.setLiquidationPenalty(weth, 0.05e18);
        vm.warp(t0 + interval); // the step's timer (see test_PenaltyStepTimerComesBeforeKeeperReward)
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PenaltyBelowKeeperReward.selector, 0, share));
        manager.setLiquidationPenalty(weth, 0);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PenaltyBelowKeeperReward.selector, share - 1, share));
        manager.setLiquidationPenalty(weth, share - 1);
        manager.setLiquidationPenalty(weth, share);
        assertEq(manager.collateralConfig(weth).liquidationPenalty, share, "penalty = the cap is allowed");

        // The cap: NoChange and its bound first, then WETH (first registered) before WBTC.
        vm.expectRevert(ErrorsLib.NoChange.selector);
        engine.setMaxRewardShare(share);
        uint256 tooHigh = ConstantsLib.MAX_KEEPER_REWARD_SHARE + 1;
        vm.expectRevert(
            abi.encodeWithSelector(ErrorsLib.OutOfBounds.selector, tooHigh, 0, ConstantsLib.MAX_KEEPER_REWARD_SHARE)
        );
        engine.setMaxRewardShare(tooHigh);
        manager.setLiquidationPenalty(wbtc, 0.05e18); // WBTC's first change: no timer yet
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidationEngine.RewardShareAbovePenalty.selector, weth, share, 0.06e18)
        );
        engine.setMaxRewardShare(0.06e18);
        vm.warp(t0 + 2 * interval); // WETH's penalty last changed at t0 + interval, WBTC's too
        manager.setLiquidationPenalty(weth, 0.07e18);
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidationEngine.RewardShareAbovePenalty.selector, wbtc, 0.05e18, 0.06e18)
        );
        engine.setMaxRewardShare(0.06e18);
        engine.setMaxRewardShare(0.05e18);
        assertEq(engine.keeperRewardParams().maxRewardShare, 0.05e18, "cap = the lowest penalty is allowed");
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PenaltyBelowKeeperReward.selector, 0.05e18 - 1, 0.05e18));
        manager.setLiquidationPenalty(wbtc, 0.05e18 - 1);
        engine.setMaxRewardShare(0);
        manager.setLiquidationPenalty(wbtc, 0.01e18);
        vm.stopPrank();
    }

    /// @notice The liquidation ratio moves at most once per MIN_STEP_INTERVAL, second by second: the
    /// first change is free; NoChange, the ratio order and the step's size are checked before the
    /// timer; each parameter of each collateral has its own timer; a refused change does not restart
    /// it; the last second before it runs out is too soon and the next is not. VaultManager's storage
    /// records each change's time.
    function test_LiquidationRatioStepsOncePerInterval() public {
        IVaultManager manager = ballast.vaultManager;
        (address weth, address wbtc) = (tokens[0], tokens[1]);
        uint256 interval = ConstantsLib.MIN_STEP_INTERVAL;
        assertEq(interval, 1 days, "one step a day");
        VaultStorage.StoredStepTimes memory times = VaultStorage.loadStepTimes(address(manager), weth);
        assertEq(times.liquidationRatioSetAt + times.liquidationPenaltySetAt, 0, "never changed");
        assertEq(times.liquidationPenalty, LIQUIDATION_PENALTY, "storage decoding");
        uint256 t0 = block.timestamp;
        bytes memory tooSoon = abi.encodeWithSelector(ErrorsLib.StepTooSoon.selector, t0 + interval);
        vm.startPrank(ballast.deployer);

        manager.setLiquidationRatio(weth, 1.45e18);
        vm.expectRevert(ErrorsLib.NoChange.selector);
        manager.setLiquidationRatio(weth, 1.45e18);
        vm.expectRevert(
            abi.encodeWithSelector(IVaultManager.BorrowRatioBelowLiquidationRatio.selector, BORROW_RATIO, 1.7e18)
        );
        manager.setLiquidationRatio(weth, 1.7e18);
        uint256 ratioStep = ConstantsLib.MAX_LIQUIDATION_RATIO_STEP;
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StepTooLarge.selector, 1.45e18, 1.3e18, ratioStep));
        manager.setLiquidationRatio(weth, 1.3e18);
        vm.expectRevert(tooSoon);
        manager.setLiquidationRatio(weth, 1.5e18);
        // Own timers: WETH's penalty and WBTC's ratio change at once.
        manager.setLiquidationPenalty(weth, 0.06e18);
        manager.setLiquidationRatio(wbtc, 1.55e18);
        times = VaultStorage.loadStepTimes(address(manager), weth);
        assertEq(times.liquidationRatioSetAt, t0, "ratio change recorded");
        assertEq(times.liquidationPenaltySetAt, t0, "penalty change recorded");

        vm.warp(t0 + interval - 1);
        vm.expectRevert(tooSoon);
        manager.setLiquidationRatio(weth, 1.5e18);
        vm.warp(t0 + interval);
        manager.setLiquidationRatio(weth, 1.35e18);
        assertEq(manager.collateralConfig(weth).liquidationRatio, 1.35e18, "second step");
        times = VaultStorage.loadStepTimes(address(manager), weth);
        assertEq(times.liquidationRatioSetAt, t0 + interval, "second ratio change recorded");
        assertEq(times.liquidationPenaltySetAt, t0, "the penalty's time is its own");
        // Two days after the first change, the third step: 1.45 → 1.35 → 1.25, never faster.
        vm.warp(t0 + 2 * interval);
        manager.setLiquidationRatio(weth, 1.25e18);
        vm.stopPrank();
    }

    /// @notice The penalty's timer, second by second, and it comes before the keeper reward cap: a
    /// change below the cap a day too soon is reported as StepTooSoon.
    function test_PenaltyStepTimerComesBeforeKeeperReward() public {
        IVaultManager manager = ballast.vaultManager;
        address weth = tokens[0];
        uint256 interval = ConstantsLib.MIN_STEP_INTERVAL;
        uint256 share = ballast.engine.keeperRewardParams().maxRewardShare;
        uint256 t0 = block.timestamp;
        vm.startPrank(ballast.deployer);
        manager.setLiquidationPenalty(weth, 0.06e18);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StepTooSoon.selector, t0 + interval));
        manager.setLiquidationPenalty(weth, 0.05e18);
        vm.warp(t0 + interval - 1);
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StepTooSoon.selector, t0 + interval));
        manager.setLiquidationPenalty(weth, 0.1e18);
        vm.warp(t0 + interval);
        manager.setLiquidationPenalty(weth, 0.03e18);
        VaultStorage.StoredStepTimes memory times = VaultStorage.loadStepTimes(address(manager), weth);
        assertEq(times.liquidationPenaltySetAt, t0 + interval, "second penalty change recorded");
        assertEq(times.liquidationRatioSetAt, 0, "the ratio's time is its own");

        // Below the reward cap, one step away, a day too soon: the timer is reported first.
        vm.expectRevert(abi.encodeWithSelector(ErrorsLib.StepTooSoon.selector, t0 + 2 * interval));
        manager.setLiquidationPenalty(weth, share - 1);
        vm.warp(t0 + 2 * interval);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PenaltyBelowKeeperReward.selector, share - 1, share));
        manager.setLiquidationPenalty(weth, share - 1);
        manager.setLiquidationPenalty(weth, share);
        vm.stopPrank();
    }

    /// @notice Governance's unpause never reverts for a registered collateral: after the guardian's own
    /// pause lapsed it keeps the pause's end and ends the guardian's cool-down; on a collateral never
    /// paused it changes nothing; it still refuses an address that is not a collateral.
    function test_UnpauseWithoutRunningPause() public {
        IVaultManager manager = ballast.vaultManager;
        (address weth, address wbtc) = (tokens[0], tokens[1]);
        uint256 d = manager.maxPauseDuration();
        uint256 t0 = block.timestamp;
        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        vm.warp(t0 + d);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.PauseCoolingDown.selector, weth, t0 + 2 * d));
        manager.pauseRiskAdding(weth);

        vm.expectEmit(address(manager));
        emit IVaultManager.Unpaused(weth, ballast.deployer);
        vm.prank(ballast.deployer);
        manager.allowRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + d, "a lapsed pause keeps its end");
        assertFalse(manager.collateralConfig(weth).pausedByGuardian, "cool-down ended");
        vm.prank(ballast.deployer);
        manager.allowRiskAdding(wbtc);
        assertEq(manager.collateralConfig(wbtc).pausedUntil, 0, "never paused: nothing to end");
        vm.prank(ballast.deployer);
        vm.expectRevert(abi.encodeWithSelector(IVaultManager.UnknownCollateral.selector, address(ballast.stablecoin)));
        manager.allowRiskAdding(address(ballast.stablecoin));

        vm.prank(guardian);
        manager.pauseRiskAdding(weth);
        assertEq(manager.collateralConfig(weth).pausedUntil, t0 + 2 * d, "the guardian pauses at once");
    }

    /// @notice addCollateral checks the new collateral's penalty against the keeper reward cap, after
    /// the penalty's bound; a vault manager without an engine has nothing to compare.
    function test_AddCollateralPenaltyCoversKeeperReward() public {
        IVaultManager.CollateralParams memory params = IVaultManager.CollateralParams({
            oracleAsset: address(ballast.usdc),
            debtCeiling: DEBT_CEILING,
            minDebt: MIN_DEBT,
            liquidationRatio: LIQUIDATION_RATIO,
            borrowRatio: BORROW_RATIO,
            liquidationPenalty: uint64(ConstantsLib.MAX_LIQUIDATION_PENALTY + 1),
            stabilityFee: WETH_STABILITY_FEE
        });
        address usdc = address(ballast.usdc);
        vm.startPrank(ballast.deployer);
        vm.expectRevert(
            abi.encodeWithSelector(
                ErrorsLib.OutOfBounds.selector,
                ConstantsLib.MAX_LIQUIDATION_PENALTY + 1,
                0,
                ConstantsLib.MAX_LIQUIDATION_PENALTY
            )
        );
        ballast.vaultManager.addCollateral(usdc, params);
        params.liquidationPenalty = uint64(MAX_REWARD_SHARE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVaultManager.PenaltyBelowKeeperReward.selector,
                MAX_REWARD_SHARE - 1,
                MAX_REWARD_SHARE
            )
        );
        ballast.vaultManager.addCollateral(usdc, params);
        params.liquidationPenalty = uint64(MAX_REWARD_SHARE);
        ballast.vaultManager.addCollateral(usdc, params);
        assertEq(ballast.vaultManager.collateralConfig(usdc).liquidationPenalty, MAX_REWARD_SHARE, "added");

        // Without an engine (the deploy order: collaterals first), any penalty within the bound.
        bytes memory args = abi.encode(ballast.stablecoin, ballast.oracle, ballast.reserve, ballast.deployer);
        IVaultManager bare = IVaultManager(_deploy("VaultManager", args));
        assertEq(bare.liquidationEngine(), address(0), "no engine");
        params.liquidationPenalty = 0;
        bare.addCollateral(usdc, params);
        assertEq(bare.collateralConfig(usdc).liquidationPenalty, 0, "no engine: penalty 0");
        vm.stopPrank();
    }

    /// @notice VaultManager's NatSpec: "0 ≤ D_c − S_c − accruedFees_c ≤ (number of borrows and repays
    /// on c) because … each borrow or partial repay can add at most one wei". A single borrow can add
    /// two: after a year at 2 % (rate r ≈ 1.02 RAY), a borrow of a with frac(a / r) < 1 − 1/r records
    /// n = ⌈a / r⌉ normalized debt worth ⌈n r⌉ = a + 2 on a collateral with no other debt. The
    /// identity's direction (never negative, in the protocol's favour) holds; the bound is ⌈r⌉ per
    /// borrow or partial repay, which the invariant above uses.
    function test_SupplyIdentity_NatSpecBoundCounterexample() public {
        Ballast memory fresh = _deployBallast(makeAddr("freshDeployer"));
        address borrower = makeAddr("borrower");
        vm.warp(block.timestamp + 365 days);
        fresh.ethUsdFeed.updateAnswer(ETH_USD_ANSWER);
        fresh.oracle.recordPrice(address(fresh.weth));
        fresh.vaultManager.accrue(address(fresh.weth)); // no debt yet: only the accumulator moves
        uint256 rate = fresh.vaultManager.collateralConfig(address(fresh.weth)).rateAccumulator;
        assertGt(rate, RAY, "interest accrued");

        // Smallest borrow above 600 BDOL that rounds up by two wei.
        uint256 borrowed;
        uint256 normalized = uint256(600e18).rayDivUp(rate);
        for (; normalized < 600e18 + 10_000; ++normalized) {
            uint256 candidate = normalized.rayMulUp(rate) - 2;
            if (candidate.rayDivUp(rate) == normalized) {
                borrowed = candidate;
                break;
            }
        }
        assertGt(borrowed, 0, "a two-wei borrow exists");

        fresh.weth.mint(borrower, 1e18);
        vm.startPrank(borrower);
        fresh.weth.approve(address(fresh.vaultManager), 1e18);
        fresh.vaultManager.openVault(address(fresh.weth), 1e18, borrowed);
        vm.stopPrank();

        IVaultManager.CollateralConfig memory cfg = fresh.vaultManager.collateralConfig(address(fresh.weth));
        uint256 totalDebt = cfg.totalNormalizedDebt.rayMulUp(cfg.rateAccumulator);
        int256 excess = int256(totalDebt) - int256(fresh.stablecoin.totalSupply()) - int256(cfg.accruedFees);
        emit Counterexample(rate, borrowed, cfg.totalNormalizedDebt, totalDebt, excess);
        assertEq(cfg.accruedFees, 0, "no fees: there was no debt while interest accrued");
        assertEq(fresh.stablecoin.totalSupply(), borrowed, "S = the one borrow");
        assertEq(excess, 2, "E = 2 after one borrow: the NatSpec bound (1) is exceeded");
    }

    // =================================================================== invariant bodies

    function _checkSupplyIdentity() internal view {
        // S_c is signed: interest is repaid with stablecoin minted against the other collateral.
        int256 supply;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            VaultHandler.SupplyLedger memory entry = handler.ledger(c);
            int256 netMinted = int256(entry.minted + entry.feesMinted) - int256(entry.burnt);
            supply += netMinted;
            IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(tokens[c]);
            int256 excess = int256(cfg.totalNormalizedDebt.rayMulUp(cfg.rateAccumulator)) -
                netMinted -
                int256(cfg.accruedFees);
            assertGe(excess, 0, "supply identity: D - S - accruedFees < 0");
            assertLe(excess, int256(entry.roundingBudget), "supply identity: D - S - accruedFees > rounding budget");
        }
        assertEq(int256(ballast.stablecoin.totalSupply()), supply, "supply identity: totalSupply != sum of S_c");
    }

    function _checkNormalizedDebtSums() internal view {
        uint256[COLLATERAL_COUNT] memory sums;
        uint256 count = ballast.vaultManager.vaultCount();
        for (uint256 id = 1; id <= count; ++id) {
            VaultStorage.StoredVault memory v = VaultStorage.load(address(ballast.vaultManager), id);
            if (v.collateral == tokens[0]) sums[0] += v.normalizedDebt;
            else if (v.collateral == tokens[1]) sums[1] += v.normalizedDebt;
            else assertEq(v.collateral, address(0), "vault with an unregistered collateral");
        }
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(tokens[c]);
            assertEq(sums[c], cfg.totalNormalizedDebt, "sum of vault normalized debt != totalNormalizedDebt");
        }
    }

    function _checkCollateralHeld() internal view {
        uint256[COLLATERAL_COUNT] memory sums;
        uint256 count = ballast.vaultManager.vaultCount();
        for (uint256 id = 1; id <= count; ++id) {
            VaultStorage.StoredVault memory v = VaultStorage.load(address(ballast.vaultManager), id);
            if (v.collateral == tokens[0]) sums[0] += v.collateralAmount;
            else if (v.collateral == tokens[1]) sums[1] += v.collateralAmount;
        }
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            uint256 held = MockERC20(tokens[c]).balanceOf(address(ballast.vaultManager));
            IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(tokens[c]);
            assertGe(held, sums[c], "collateral held < sum of vault collateral");
            assertEq(sums[c], cfg.totalCollateral, "sum of vault collateral != totalCollateral");
            assertEq(held, sums[c] + handler.ledger(c).donated, "collateral held != vaults + donations");
        }
    }

    function _checkParametersInBounds() internal view {
        address[] memory collaterals = ballast.vaultManager.collaterals();
        assertLe(collaterals.length, ConstantsLib.MAX_COLLATERALS, "too many collaterals");
        for (uint256 i; i < collaterals.length; ++i) _checkCollateralParameters(collaterals[i]);
        address[4] memory assets = [
            address(ballast.weth),
            address(ballast.wbtc),
            address(ballast.usdc),
            address(ballast.stablecoin)
        ];
        for (uint256 i; i < assets.length; ++i) _checkFeedParameters(assets[i]);
        if (ballast.oracle.sequencerFeed() == address(0)) {
            assertEq(ballast.oracle.sequencerGracePeriod(), 0, "grace period without a sequencer feed");
        } else {
            _assertWithin(
                ballast.oracle.sequencerGracePeriod(),
                ConstantsLib.MIN_SEQUENCER_GRACE,
                ConstantsLib.MAX_SEQUENCER_GRACE,
                "sequencerGracePeriod"
            );
        }
        _assertWithin(
            ballast.vaultManager.maxPauseDuration(),
            ConstantsLib.MIN_PAUSE_DURATION,
            ConstantsLib.MAX_PAUSE_DURATION,
            "maxPauseDuration"
        );
        assertLe(ballast.stablecoin.flashFeeRate(), ConstantsLib.MAX_FLASH_FEE, "flashFeeRate");
        assertLe(ballast.stablecoin.flashMintMax(), ConstantsLib.MAX_FLASH_MINT, "flashMintMax");
    }

    function _checkCollateralParameters(address collateral) internal view {
        IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(collateral);
        assertTrue(cfg.enabled, "registered collateral not enabled");
        assertLe(cfg.decimals, ConstantsLib.MAX_COLLATERAL_DECIMALS, "decimals");
        _assertWithin(
            cfg.liquidationRatio,
            ConstantsLib.MIN_LIQUIDATION_RATIO,
            ConstantsLib.MAX_LIQUIDATION_RATIO,
            "liquidationRatio"
        );
        _assertWithin(cfg.borrowRatio, cfg.liquidationRatio, ConstantsLib.MAX_BORROW_RATIO, "borrowRatio");
        _assertWithin(cfg.liquidationPenalty, 0, ConstantsLib.MAX_LIQUIDATION_PENALTY, "liquidationPenalty");
        address engine = ballast.vaultManager.liquidationEngine();
        if (engine != address(0)) {
            assertGe(
                cfg.liquidationPenalty,
                ILiquidationEngine(engine).keeperRewardParams().maxRewardShare,
                "liquidationPenalty below the keeper reward cap"
            );
        }
        _assertWithin(cfg.stabilityFee, RAY, ConstantsLib.MAX_STABILITY_FEE, "stabilityFee");
        _assertWithin(cfg.minDebt, 0, ConstantsLib.MAX_MIN_DEBT, "minDebt");
        _assertWithin(cfg.debtCeiling, 0, ConstantsLib.MAX_DEBT_CEILING, "debtCeiling");
        assertGe(cfg.rateAccumulator, RAY, "rateAccumulator below 1 RAY");
        assertLe(cfg.lastAccrual, block.timestamp, "lastAccrual in the future");
    }

    function _checkFeedParameters(address asset) internal view {
        IOracleAdapter.FeedConfig memory feed = ballast.oracle.feedConfig(asset);
        assertTrue(feed.primaryFeed != address(0), "asset without a feed");
        assertTrue(feed.secondaryFeed != feed.primaryFeed, "secondary feed = primary feed");
        _assertWithin(feed.heartbeat, ConstantsLib.MIN_HEARTBEAT, ConstantsLib.MAX_HEARTBEAT, "heartbeat");
        assertGt(feed.minPrice, 0, "minPrice");
        assertLt(feed.minPrice, feed.maxPrice, "minPrice >= maxPrice");
        _assertWithin(
            feed.maxDeviation,
            ConstantsLib.MIN_MAX_DEVIATION,
            ConstantsLib.MAX_MAX_DEVIATION,
            "maxDeviation"
        );
        _assertWithin(
            feed.maxReferenceAge,
            ConstantsLib.MIN_REFERENCE_AGE,
            ConstantsLib.MAX_REFERENCE_AGE,
            "maxReferenceAge"
        );
        assertLe(feed.primaryDecimals, ConstantsLib.MAX_FEED_DECIMALS, "feed decimals");
    }

    function _checkPauses() internal view {
        assertFalse(handler.pauseRuleViolated(), handler.pauseRuleViolation());
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(tokens[c]);
            uint256 pausedUntil = cfg.pausedUntil;
            VaultHandler.PauseLedger memory p = handler.pauseLedger(c);
            bool guardians = p.guardianPauses != 0 && !p.governanceSinceGuardian;
            assertEq(
                cfg.pausedByGuardian,
                guardians,
                "pausedByGuardian != (the guardian paused, governance has not acted since)"
            );
            // The guardian's cool-down runs from its own pause's end, which no halt moves.
            assertEq(
                cfg.guardianPausedUntil,
                guardians ? p.lastGuardianPauseAt + p.lastGuardianPauseDuration : 0,
                "guardianPausedUntil != the end of the guardian's own last pause"
            );
            if (p.pauses == 0) {
                assertEq(pausedUntil, 0, "pausedUntil set without a pause");
                continue;
            }
            assertLe(pausedUntil, p.lastPauseEnd, "pause lasts past the end its pause or halt set");
            _assertWithin(
                p.lastPauseDuration,
                ConstantsLib.MIN_PAUSE_DURATION,
                ConstantsLib.MAX_PAUSE_DURATION,
                "duration of the last pause"
            );
            assertLe(
                pausedUntil,
                p.lastPauseAt + p.lastPauseDuration,
                "pause lasts longer than maxPauseDuration from its last pause"
            );
        }
    }

    /// @dev The stepped parameters' ghosts (see `invariant_parametersInBounds`), per collateral, for
    /// the liquidation ratio (k 0) and the penalty (k 1).
    function _checkSteps() internal view {
        assertFalse(handler.stepRuleViolated(), handler.stepRuleViolation());
        uint256 interval = ConstantsLib.MIN_STEP_INTERVAL;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(tokens[c]);
            VaultStorage.StoredStepTimes memory times = VaultStorage.loadStepTimes(
                address(ballast.vaultManager),
                tokens[c]
            );
            for (uint256 k; k < 2; ++k) {
                VaultHandler.StepLedger memory g = handler.stepLedger(c, k);
                uint256 value = k == 0 ? cfg.liquidationRatio : cfg.liquidationPenalty;
                uint256 maxStep = k == 0
                    ? ConstantsLib.MAX_LIQUIDATION_RATIO_STEP
                    : ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP;
                assertEq(value, g.lastValue, "stepped parameter changed outside a checked change");
                assertEq(
                    k == 0 ? times.liquidationRatioSetAt : times.liquidationPenaltySetAt,
                    g.lastChangeAt,
                    "recorded time of the last change != the last successful change"
                );
                assertLe(g.largestStep, maxStep, "a change exceeded the maximum step");
                if (g.changes < 2) continue;
                assertGe(g.minGap, interval, "two changes less than MIN_STEP_INTERVAL apart");
                assertLe(
                    g.changes - 1,
                    (g.lastChangeAt - g.firstChangeAt) / interval,
                    "more changes than days between the first and the last, plus one"
                );
                assertLe(
                    MathLib.absDiff(value, g.initial),
                    g.changes * maxStep,
                    "the parameter moved more than its steps allow"
                );
            }
        }
    }

    function _checkConsent() internal view {
        assertFalse(handler.consentViolated(), handler.consentViolation());
        for (uint256 i; i < actors.length; ++i) {
            assertEq(
                ballast.stablecoin.balanceOf(actors[i]),
                handler.expectedStable(actors[i]),
                "actor stablecoin != consented flows"
            );
            for (uint256 c; c < COLLATERAL_COUNT; ++c) {
                assertEq(
                    MockERC20(tokens[c]).balanceOf(actors[i]),
                    handler.expectedToken(actors[i], c),
                    "actor collateral != consented flows"
                );
            }
        }
        assertEq(
            ballast.stablecoin.balanceOf(address(ballast.reserve)),
            handler.feesToReserve(),
            "reserve != fees minted"
        );
    }

    // =================================================================== helpers

    /// @dev Every revert reason the handler's model predicts (vault manager, setters, pauses, access
    /// control, stablecoin burn, the engine's keeper reward cap).
    function _modelledReasons() internal pure returns (bytes4[] memory reasons) {
        reasons = new bytes4[](25);
        reasons[0] = IVaultManager.UnknownVault.selector;
        reasons[1] = IVaultManager.NotOwnerOrOperator.selector;
        reasons[2] = IVaultManager.BelowBorrowRatio.selector;
        reasons[3] = IVaultManager.DebtBelowMinimum.selector;
        reasons[4] = IVaultManager.DebtCeilingExceeded.selector;
        reasons[5] = IVaultManager.OracleNotLive.selector;
        reasons[6] = IVaultManager.CollateralPaused.selector;
        reasons[7] = IVaultManager.InsufficientCollateral.selector;
        reasons[8] = IVaultManager.NoDebt.selector;
        reasons[9] = IVaultManager.BorrowRatioBelowLiquidationRatio.selector;
        reasons[10] = ErrorsLib.ZeroAmount.selector;
        reasons[11] = ErrorsLib.ZeroAddress.selector;
        reasons[12] = ErrorsLib.NoChange.selector;
        reasons[13] = ErrorsLib.OutOfBounds.selector;
        reasons[14] = ErrorsLib.StepTooLarge.selector;
        reasons[15] = IERC20Errors.ERC20InsufficientBalance.selector;
        reasons[16] = IVaultManager.NotGuardian.selector;
        reasons[17] = IVaultManager.AlreadyPaused.selector;
        reasons[18] = IVaultManager.PauseCoolingDown.selector;
        reasons[19] = ErrorsLib.StepTooSoon.selector;
        reasons[20] = IVaultManager.NothingToPause.selector;
        reasons[21] = IVaultManager.UnknownCollateral.selector;
        reasons[22] = IAccessControl.AccessControlUnauthorizedAccount.selector;
        reasons[23] = IVaultManager.PenaltyBelowKeeperReward.selector;
        reasons[24] = ILiquidationEngine.RewardShareAbovePenalty.selector;
    }

    function _fuzzedSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](14);
        selectors[0] = VaultHandler.openVault.selector;
        selectors[1] = VaultHandler.deposit.selector;
        selectors[2] = VaultHandler.withdraw.selector;
        selectors[3] = VaultHandler.borrow.selector;
        selectors[4] = VaultHandler.repay.selector;
        selectors[5] = VaultHandler.closeVault.selector;
        selectors[6] = VaultHandler.setOperator.selector;
        selectors[7] = VaultHandler.accrue.selector;
        selectors[8] = VaultHandler.transferStable.selector;
        selectors[9] = VaultHandler.donate.selector;
        selectors[10] = VaultHandler.warp.selector;
        selectors[11] = VaultHandler.movePrice.selector;
        selectors[12] = VaultHandler.pause.selector;
        selectors[13] = VaultHandler.setParameter.selector;
    }

    function _assertWithin(uint256 value, uint256 min, uint256 max, string memory name) internal pure {
        assertGe(value, min, string.concat(name, " below its bound"));
        assertLe(value, max, string.concat(name, " above its bound"));
    }

    function _word(uint256 i, uint256 j) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(i, j)));
    }

    /// @dev Revert data without its 4-byte selector.
    function _tail(bytes memory data) internal pure returns (bytes memory tail) {
        tail = new bytes(data.length - 4);
        for (uint256 i; i < tail.length; ++i) tail[i] = data[i + 4];
    }
}

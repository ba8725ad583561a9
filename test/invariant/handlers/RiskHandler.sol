// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {IOracleAdapter, PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IRiskController} from "../../../contracts/interfaces/IRiskController.sol";
import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {CollateralLib} from "../../../contracts/libraries/CollateralLib.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {Test, Vm} from "../utils/Test.sol";

/// @dev forge's `toString(bytes)` cheatcode, which utils/Test.sol's `Vm` does not declare.
interface IVmBytesToString {
    function toString(bytes calldata value) external pure returns (string memory);
}

/// @title RiskHandler
/// @notice Invariant-campaign handler for `RiskController` (IRiskController's NatSpec is the spec).
/// It drives the world the controller reads — two collaterals' prices (WETH, 18 decimals; WBTC, 8)
/// with small moves, jumps past the oracle's 25 % freeze and broken feeds, the stablecoin's market
/// price (the controller's `pegAsset`) between 0.90 and 1.10, sometimes stale, price recording, time (less
/// than a poke interval up to days), vaults (open, borrow, repay), governance (every rule setter of
/// the controller within ConstantsLib's bounds, unmanaging a collateral, the vault manager's
/// liquidation ratio, borrow ratio, fee, debt ceiling and pause cap) and the guardian's pause — and
/// pokes.
///
/// Every poke is checked against the chain right before it, in the same block (`_snapshot`):
///  - it reverts, with exactly `PokeTooSoon(nextPokeAt)`, if and only if it comes before
///    `nextPokeAt`; any other revert or a too-early success is a wrongful outcome (`Check.PokeRevert`);
///  - (1) `Check.Bounds`: each fee (annual, as the controller reads the per-second fee) and borrow
///    ratio in its band before the poke is in it after; one outside (rules just changed) ends at most
///    `max(0, distance − step)` from it; hard bounds always;
///  - (2) `Check.Step`: |Δ annual fee| ≤ maxRateStep, except the system breaker's jump to exactly
///    maxRate; |Δ borrow ratio| ≤ maxBorrowRatioStep;
///  - (3) `Check.LiquidationSafety`: the liquidation ratio is unchanged and so is every vault's
///    `healthFactor`;
///  - (4) `Check.Integral`: |integral| ≤ maxPegTerm and |peg term| ≤ maxPegTerm;
///  - (5) `Check.Pause`: no pause shortened, none set past now + maxPauseDuration;
///  - `Check.Model`: every output equals the NatSpec's formula evaluated from the snapshot (fee curve,
///    peg PI step, target and stepped fee, borrow-ratio target and step, price-breaker anchors and
///    halts, system collateral ratio and breaker, the halt passed to the vault manager, the events'
///    fields, the reserve target).
/// A broken check is recorded (`violations`, `firstViolation`) rather than reverted, so that the
/// test's invariant names the property; the handler's own failures (a panic in a model) are surfaced
/// as assertion failures by `guarded`.
// solhint-disable-next-line max-states-count
contract RiskHandler is Test {
    using MathLib for uint256;

    /// @notice What a broken check is about (see the contract notes).
    enum Check {
        Bounds,
        Step,
        LiquidationSafety,
        Integral,
        Pause,
        PokeRevert,
        Model
    }

    enum Action {
        MovePrice,
        MovePegPrice,
        RecordPrices,
        Warp,
        OpenVault,
        Borrow,
        Repay,
        Poke, // a successful poke (from `poke` or `pokeWhenDue`)
        PokeTooSoon, // a poke refused with PokeTooSoon
        SetCollateralRules,
        UnmanageCollateral,
        SetPegRules,
        SetSystemRules,
        GuardianPause,
        Unpause,
        SetLiquidationRatio,
        SetBorrowRatio,
        SetStabilityFee,
        SetDebtCeiling,
        SetMaxPauseDuration
    }

    struct Deployment {
        address deployer;
        address guardian;
        IRiskController controller;
        IVaultManager vaultManager;
        IOracleAdapter oracle;
        IBallastDollar stablecoin;
        MockERC20[2] tokens;
        MockAggregator[2] feeds;
        MockAggregator pegFeed;
        address[3] actors;
    }

    /// @dev One collateral as the chain shows it right before a poke.
    struct CollateralSnap {
        bool managed;
        IRiskController.CollateralRules rules;
        IRiskController.CollateralState state;
        uint256 fee;
        uint256 borrowRatio;
        uint256 liquidationRatio;
        uint256 pausedUntil;
        bool pausedByGuardian;
        uint256 price;
        PriceStatus status;
        IOracleAdapter.PriceReport report; // the oracle's report in the poke's block (range, latest round)
        uint256 debt;
        uint256 debtCeiling;
        uint256 value; // collateral in vaults at `price` [wad], rounded down
    }

    struct PokeSnap {
        IRiskController.State state;
        IRiskController.SystemRules sys;
        IRiskController.PegRules peg;
        int256 pegError;
        uint256 maxPauseDuration;
        CollateralSnap[2] c;
        uint256[] health; // healthFactor of vault id i + 1
    }

    /// @dev The poke's events.
    struct PokeLog {
        uint256 pokedCount;
        int256 pegError;
        int256 integral;
        int256 pegTerm;
        uint256 collateralRatio;
        uint256 systemHaltUntil;
        uint256 reserveTarget;
        IRiskController.CollateralUpdate[2] updates;
        uint256[2] updateCount;
    }

    /// @dev What the NatSpec says one collateral's update must be.
    struct Expected {
        uint256 utilisation;
        uint256 curveRate;
        uint256 targetRate;
        uint256 rate;
        uint256 volatility;
        uint256 targetBorrowRatio;
        uint256 borrowRatio;
        uint256 priceMove;
        uint256 slowPriceMove;
        IRiskController.CollateralState state;
        uint256 haltUntil; // passed to the vault manager (0: none)
        uint256 pausedUntil;
        bool pausedByGuardian;
    }

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant COLLATERALS = 2;
    uint256 internal constant ACTORS = 3;
    /// @dev Vaults are never closed, so a poke's health check reads at most this many.
    uint256 internal constant MAX_VAULTS = 24;
    uint256 internal constant CHECKS = 7;
    /// @dev Feed answers have 8 decimals; bounds as the oracle's (BallastFixture) price bounds.
    int256 internal constant FEED_UNIT = 1e8;
    uint256 internal constant PEG_HEARTBEAT = 90_000;

    IVmBytesToString private constant VM_BYTES = IVmBytesToString(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    address public immutable deployer;
    address public immutable guardian;
    IRiskController public immutable controller;
    IVaultManager public immutable vaultManager;
    IOracleAdapter public immutable oracle;
    IBallastDollar public immutable stablecoin;
    MockAggregator public immutable pegFeed;
    MockERC20[2] internal _tokens;
    MockAggregator[2] internal _feeds;
    address[3] internal _actors;
    int256[2] internal _minAnswer = [int256(10e8), int256(100e8)];
    int256[2] internal _maxAnswer = [int256(1_000_000e8), int256(10_000_000e8)];
    string[2] internal _names = ["WETH", "WBTC"];

    // ------------------------------------------------------------------ ghosts
    /// @notice The campaign's clock (forge may reset block.timestamp between calls).
    uint256 public currentTime;
    mapping(Check check => uint256) public violations;
    mapping(Check check => string) public firstViolation;
    mapping(Action action => uint256) public successes;
    /// @notice maxPegTerm in force at the last successful poke (the integral is clamped to it).
    uint256 public integralCap;
    /// @notice Fee, borrow ratio and liquidation ratio as the last poke or governance call left them.
    uint256[2] internal _ghostFee;
    uint256[2] internal _ghostBorrowRatio;
    uint256[2] internal _ghostLiquidationRatio;
    /// @notice The fee / borrow ratio sat in its band at the last change of it or of its bounds: it
    /// must stay there (a poke keeps an in-band value in band). False while a rules change left the
    /// value outside its new band and no poke has brought it back yet, and while unmanaged.
    bool[2] internal _feeSettled;
    bool[2] internal _borrowRatioSettled;
    /// @notice Coverage counters for the deterministic test.
    uint256 public systemBreakerPokes; // pokes during which the system breaker held
    uint256 public systemBreakerTrips; // pokes that (re)tripped it
    uint256 public priceBreakerTrips;
    uint256 public fullFeeSteps; // fee moves of exactly maxRateStep
    uint256 public fullBorrowRatioSteps;
    uint256 public convergingPokes; // pokes that moved an unsettled value toward its band
    uint256 public pauseExtensions; // pokes that extended a collateral's pause
    uint256 public cappedPauses; // ... where the cap now + maxPauseDuration bit
    uint256 public saturatedIntegrals; // pokes that left |integral| = maxPegTerm > 0
    uint256 public livePegPokes; // pokes with a live peg price and a pegAsset
    uint256 public brokenFeedPokes; // pokes while a managed collateral's feed failed
    uint256[] internal _vaultIds;

    modifier syncTime() {
        if (block.timestamp != currentTime) vm.warp(currentTime);
        _;
    }

    /// @dev Runs the action in an external self-call: a revert of the handler's own code (a panic in a
    /// model, a protocol call it did not expect to fail) would otherwise pass silently under
    /// `fail_on_revert = false`; it becomes an assertion failure.
    modifier guarded() {
        if (msg.sender == address(this)) {
            _;
        } else {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(this).call(msg.data);
            if (!ok) _surface(reason);
        }
    }

    constructor(Deployment memory d) {
        deployer = d.deployer;
        guardian = d.guardian;
        controller = d.controller;
        vaultManager = d.vaultManager;
        oracle = d.oracle;
        stablecoin = d.stablecoin;
        pegFeed = d.pegFeed;
        _tokens = d.tokens;
        _feeds = d.feeds;
        _actors = d.actors;
        currentTime = block.timestamp;
        for (uint256 i; i < COLLATERALS; ++i) {
            for (uint256 a; a < ACTORS; ++a) {
                vm.prank(_actors[a]);
                _tokens[i].approve(address(vaultManager), type(uint256).max);
            }
            _syncGhosts(i);
        }
        integralCap = controller.pegRules().maxPegTerm;
    }

    /// @notice Opens one vault per collateral and actor, so the first pokes already see debt.
    function seed() external {
        for (uint256 i; i < COLLATERALS; ++i) {
            for (uint256 a; a < ACTORS; ++a) {
                _openVault(a, i, 50_000e18 + 40_000e18 * a, 0.05e18 + 0.1e18 * a);
            }
        }
    }

    // =================================================================== fuzzed actions: markets

    /// @notice A collateral's feed publishes a new round: a small move (within the oracle's 25 %
    /// freeze), a jump past it (the oracle freezes until a later round confirms), the same answer
    /// again (confirms a pending jump) or an extreme price inside the oracle's bounds; or the feed
    /// breaks (reverts, returns malformed data or a return bomb) or is repaired.
    function movePrice(uint256 which, uint256 moveSeed, uint256 kindSeed) external guarded syncTime {
        uint256 i = which % COLLATERALS;
        int256 answer = _answer(_feeds[i]);
        uint256 kind = kindSeed % 10;
        if (kind < 6) {
            answer = (answer * int256(10_000 + (moveSeed % 2_401)) - answer * 1_200) / 10_000; // −12 % … +12 %
        } else if (kind < 8) {
            uint256 bps = 2_600 + ((moveSeed >> 8) % 4_401); // 26 % … 70 %
            answer = moveSeed % 2 == 0
                ? (answer * int256(10_000 + bps)) / 10_000
                : (answer * int256(10_000 - bps)) / 10_000;
        } else if (kind == 8 && moveSeed % 2 == 0) {
            _feeds[i].setMode(_mode(moveSeed >> 1));
        } else if (kind == 9) {
            uint256 span = uint256(_maxAnswer[i] - _minAnswer[i]);
            uint256 edge = moveSeed % 4;
            answer = edge == 0
                ? _minAnswer[i]
                : edge == 1
                    ? _maxAnswer[i]
                    : _minAnswer[i] + int256(moveSeed % span);
        }
        if (answer < _minAnswer[i]) answer = _minAnswer[i];
        if (answer > _maxAnswer[i]) answer = _maxAnswer[i];
        _feeds[i].updateAnswer(answer);
        if ((kindSeed >> 8) % 3 == 0) oracle.recordPrice(address(_tokens[i]));
        successes[Action.MovePrice]++;
    }

    /// @notice The stablecoin's market price: a new round in [0.90, 1.10] (a jump above the oracle's
    /// 10 % deviation freezes it), the same answer again, a round stamped older than the heartbeat
    /// (stale), or the feed breaks or is repaired.
    function movePegPrice(uint256 priceSeed, uint256 kindSeed) external guarded syncTime {
        uint256 kind = kindSeed % 8;
        int256 answer = _answer(pegFeed);
        if (kind < 5) {
            uint256 edge = priceSeed % 8;
            answer = edge == 0
                ? int256(0.9e8)
                : edge == 1
                    ? int256(1.1e8)
                    : edge == 2
                        ? FEED_UNIT
                        : int256(0.9e8 + ((priceSeed % 0.2e8) + 1));
            pegFeed.updateAnswer(answer);
        } else if (kind == 5) {
            pegFeed.updateAnswer(answer);
        } else if (kind == 6) {
            pegFeed.setMode(_mode(priceSeed));
        } else {
            uint256 age = PEG_HEARTBEAT + 1 + (priceSeed % 1 days);
            uint256 stamp = block.timestamp > age ? block.timestamp - age : 0;
            pegFeed.updateRoundData(answer, stamp, stamp);
        }
        if ((kindSeed >> 8) % 2 == 0) oracle.recordPrice(address(stablecoin));
        successes[Action.MovePegPrice]++;
    }

    /// @notice A keeper records prices (the volatility estimate and the oracle's breaker move).
    function recordPrices(uint256 mask) external guarded syncTime {
        for (uint256 i; i < COLLATERALS; ++i) {
            if ((mask >> i) & 1 == 1) oracle.recordPrice(address(_tokens[i]));
        }
        if ((mask >> 2) & 1 == 1) oracle.recordPrice(address(stablecoin));
        successes[Action.RecordPrices]++;
    }

    /// @notice Time passes: under a poke interval, to one second before or at `nextPokeAt`, hours, or
    /// days; keepers sometimes republish the feeds' answers at the new time (keeps prices live and
    /// confirms pending jumps); half the time someone pokes then (due or not), so that runs hold
    /// long sequences of pokes.
    function warp(uint256 timeSeed, uint256 kindSeed) external guarded syncTime {
        uint256 interval = controller.systemRules().pokeInterval;
        uint256 kind = kindSeed % 8;
        uint256 next = controller.nextPokeAt();
        uint256 target;
        if (kind < 3) target = block.timestamp + 1 + (timeSeed % (interval - 1));
        else if (kind == 3) target = next == 0 ? block.timestamp + 1 : next - (timeSeed % 2);
        else if (kind < 6) target = block.timestamp + 1 + (timeSeed % 12 hours);
        else if (kind == 6) target = block.timestamp + 1 days + (timeSeed % 9 days);
        else target = block.timestamp + 1 + (timeSeed % 60);
        if (target <= block.timestamp) target = block.timestamp + 1;
        _warpTo(target);
        _refresh(kindSeed >> 8);
        successes[Action.Warp]++;
        if ((kindSeed >> 16) % 2 == 0) _poke();
    }

    // =================================================================== fuzzed actions: vaults

    function openVault(
        uint256 actorSeed,
        uint256 collateralSeed,
        uint256 valueSeed,
        uint256 marginSeed
    ) external guarded syncTime {
        if (_vaultIds.length >= MAX_VAULTS) return;
        _openVault(
            actorSeed % ACTORS,
            collateralSeed % COLLATERALS,
            5_000e18 + (valueSeed % 400_000e18),
            0.005e18 + (marginSeed % 0.6e18)
        );
    }

    /// @notice The owner borrows part of its vault's headroom above the borrow ratio.
    function borrow(uint256 vaultSeed, uint256 shareSeed) external guarded syncTime {
        if (_vaultIds.length == 0) return;
        uint256 id = _vaultIds[vaultSeed % _vaultIds.length];
        (address owner, address collateral, uint256 amount, uint256 debt) = vaultManager.vaultInfo(id);
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(collateral);
        (uint256 price, ) = oracle.getPrice(collateral);
        uint256 limit = CollateralLib.valueDown(amount, cfg.decimals, price).wadDivDown(cfg.borrowRatio);
        if (limit <= debt) return;
        uint256 value = ((limit - debt) * (1 + (shareSeed % 100))) / 100;
        if (value == 0) return;
        vm.prank(owner);
        try vaultManager.borrow(id, value, owner) {
            successes[Action.Borrow]++;
        } catch {} // paused, stale price, ceiling or a fee accrued since the estimate
    }

    /// @notice The owner repays part or all of its vault's debt from what it holds.
    function repay(uint256 vaultSeed, uint256 shareSeed) external guarded syncTime {
        if (_vaultIds.length == 0) return;
        uint256 id = _vaultIds[vaultSeed % _vaultIds.length];
        (address owner, , , uint256 debt) = vaultManager.vaultInfo(id);
        uint256 held = stablecoin.balanceOf(owner);
        uint256 value = ((debt < held ? debt : held) * (1 + (shareSeed % 100))) / 100;
        if (value == 0) return;
        vm.prank(owner);
        try vaultManager.repay(id, value) {
            successes[Action.Repay]++;
        } catch {} // would leave dust below minDebt
    }

    // =================================================================== fuzzed actions: pokes

    /// @notice A poke at the current time, due or not.
    function poke() external guarded syncTime {
        _poke();
    }

    /// @notice Time runs to `nextPokeAt` plus up to 10 minutes (or to one second before it, then
    /// the poke must be refused), keepers may refresh the feeds, and someone pokes.
    function pokeWhenDue(uint256 delaySeed, uint256 refreshSeed) external guarded syncTime {
        uint256 next = controller.nextPokeAt();
        if (delaySeed % 8 == 0 && next > block.timestamp + 1) {
            _warpTo(next - 1);
            _poke();
        }
        uint256 target = next + (delaySeed % 600);
        if (target > block.timestamp) _warpTo(target);
        _refresh(refreshSeed);
        _poke();
    }

    // =================================================================== fuzzed actions: governance

    /// @notice Governance sets a collateral's rules, each field within its ConstantsLib bound (edges
    /// often); now and then it unmanages the collateral instead.
    function setCollateralRules(
        uint256 collateralSeed,
        uint256 rateSeed,
        uint256 ratioSeed,
        uint256 otherSeed
    ) external guarded syncTime {
        uint256 i = collateralSeed % COLLATERALS;
        address token = address(_tokens[i]);
        if (otherSeed % 16 == 0 && controller.collateralRules(token).kink != 0) {
            vm.prank(deployer);
            controller.unmanageCollateral(token);
            _syncGhosts(i);
            successes[Action.UnmanageCollateral]++;
            return;
        }
        IRiskController.CollateralRules memory r = _collateralRules(rateSeed, ratioSeed, otherSeed);
        vm.prank(deployer);
        try controller.setCollateralRules(token, r) {
            successes[Action.SetCollateralRules]++;
        } catch (bytes memory reason) {
            _expectNoChange(reason, "setCollateralRules refused rules within bounds");
        }
        _syncGhosts(i);
    }

    function setPegRules(uint256 assetSeed, uint256 gainSeed) external guarded syncTime {
        uint256 pick = assetSeed % 16;
        // Mostly the stablecoin; sometimes no peg term; rarely a collateral (a huge "peg error").
        address asset = pick < 12
            ? address(stablecoin)
            : pick < 15
                ? address(0)
                : address(_tokens[1]);
        IRiskController.PegRules memory r = IRiskController.PegRules({
            pegAsset: asset,
            kp: uint64(_pick(gainSeed, 0, 0, ConstantsLib.MAX_PEG_GAIN)),
            ki: uint64(_pick(gainSeed, 1, 0, ConstantsLib.MAX_PEG_GAIN)),
            leakPerDay: uint64(_pick(gainSeed, 2, 0, ConstantsLib.MAX_PEG_LEAK)),
            maxPegTerm: uint64(_pick(gainSeed, 3, 0, ConstantsLib.MAX_CONTROLLED_RATE))
        });
        vm.prank(deployer);
        try controller.setPegRules(r) {
            successes[Action.SetPegRules]++;
        } catch (bytes memory reason) {
            _expectNoChange(reason, "setPegRules refused rules within bounds");
        }
    }

    function setSystemRules(uint256 timeSeed, uint256 ratioSeed) external guarded syncTime {
        uint256 priceWindow = _pick(timeSeed, 1, ConstantsLib.MIN_PRICE_WINDOW, ConstantsLib.MAX_PRICE_WINDOW);
        // Casts are safe: every bound here is at most 30 days < 2^24 seconds.
        IRiskController.SystemRules memory r = IRiskController.SystemRules({
            pokeInterval: uint24(_pick(timeSeed, 0, ConstantsLib.MIN_POKE_INTERVAL, ConstantsLib.MAX_POKE_INTERVAL)),
            priceWindow: uint24(priceWindow),
            slowWindow: uint24(_pick(timeSeed, 4, priceWindow, ConstantsLib.MAX_SLOW_WINDOW)),
            coolDown: uint24(_pick(timeSeed, 2, ConstantsLib.MIN_BREAKER_COOLDOWN, ConstantsLib.MAX_BREAKER_COOLDOWN)),
            varHorizon: uint24(_pick(timeSeed, 3, ConstantsLib.MIN_VAR_HORIZON, ConstantsLib.MAX_VAR_HORIZON)),
            criticalCollateralRatio: uint64(
                _pick(ratioSeed, 0, ConstantsLib.MIN_CRITICAL_RATIO, ConstantsLib.MAX_CRITICAL_RATIO)
            ),
            varConfidence: uint64(_pick(ratioSeed, 1, 0, ConstantsLib.MAX_VAR_CONFIDENCE))
        });
        vm.prank(deployer);
        try controller.setSystemRules(r) {
            successes[Action.SetSystemRules]++;
        } catch (bytes memory reason) {
            _expectNoChange(reason, "setSystemRules refused rules within bounds");
        }
    }

    /// @notice The guardian pauses a collateral; or governance ends a pause.
    function pause(uint256 collateralSeed, uint256 kindSeed) external guarded syncTime {
        address token = address(_tokens[collateralSeed % COLLATERALS]);
        if (kindSeed % 3 == 0) {
            vm.prank(deployer);
            vaultManager.allowRiskAdding(token);
            successes[Action.Unpause]++;
            return;
        }
        vm.prank(guardian);
        try vaultManager.pauseRiskAdding(token) {
            successes[Action.GuardianPause]++;
        } catch {} // already paused or cooling down
    }

    /// @notice Governance moves what the controller's bands hang on or overrides an output: the
    /// liquidation ratio (one step a day), the borrow ratio, the fee, the debt ceiling, the pause cap.
    function setVaultParameter(uint256 collateralSeed, uint256 kindSeed, uint256 valueSeed) external guarded syncTime {
        uint256 i = collateralSeed % COLLATERALS;
        address token = address(_tokens[i]);
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(token);
        uint256 kind = kindSeed % 5;
        vm.startPrank(deployer);
        if (kind == 0) {
            uint256 hi = MathLib.min(cfg.liquidationRatio + ConstantsLib.MAX_LIQUIDATION_RATIO_STEP, cfg.borrowRatio);
            hi = MathLib.min(hi, ConstantsLib.MAX_LIQUIDATION_RATIO);
            uint256 lo = cfg.liquidationRatio > ConstantsLib.MIN_LIQUIDATION_RATIO + 0.1e18
                ? cfg.liquidationRatio - 0.1e18
                : ConstantsLib.MIN_LIQUIDATION_RATIO;
            try vaultManager.setLiquidationRatio(token, _pick(valueSeed, 0, lo, hi)) {
                successes[Action.SetLiquidationRatio]++;
            } catch {} // once a day; no change
        } else if (kind == 1) {
            uint256 hi = MathLib.min(cfg.liquidationRatio + 2e18, ConstantsLib.MAX_BORROW_RATIO);
            try vaultManager.setBorrowRatio(token, _pick(valueSeed, 0, cfg.liquidationRatio, hi)) {
                successes[Action.SetBorrowRatio]++;
            } catch {} // no change
        } else if (kind == 2) {
            try vaultManager.setStabilityFee(token, _pick(valueSeed, 0, RAY, ConstantsLib.MAX_STABILITY_FEE)) {
                successes[Action.SetStabilityFee]++;
            } catch {} // no change
        } else if (kind == 3) {
            uint256 ceiling = valueSeed % 8 == 0 ? 0 : 100_000e18 + (valueSeed % 4_000_000e18);
            try vaultManager.setDebtCeiling(token, ceiling) {
                successes[Action.SetDebtCeiling]++;
            } catch {} // no change
        } else {
            uint256 cap = _pick(valueSeed, 0, ConstantsLib.MIN_PAUSE_DURATION, ConstantsLib.MAX_PAUSE_DURATION);
            try vaultManager.setMaxPauseDuration(cap) {
                successes[Action.SetMaxPauseDuration]++;
            } catch {} // no change
        }
        vm.stopPrank();
        _syncGhosts(i);
    }

    // =================================================================== views for the test

    function tokens(uint256 i) external view returns (address) {
        return address(_tokens[i]);
    }

    function ghostFee(uint256 i) external view returns (uint256) {
        return _ghostFee[i];
    }

    function ghostBorrowRatio(uint256 i) external view returns (uint256) {
        return _ghostBorrowRatio[i];
    }

    function ghostLiquidationRatio(uint256 i) external view returns (uint256) {
        return _ghostLiquidationRatio[i];
    }

    function feeSettled(uint256 i) external view returns (bool) {
        return _feeSettled[i];
    }

    function borrowRatioSettled(uint256 i) external view returns (bool) {
        return _borrowRatioSettled[i];
    }

    function vaultCount() external view returns (uint256) {
        return _vaultIds.length;
    }

    /// @notice The annual rate the controller reads from a per-second fee (its `_toAnnual`).
    function toAnnual(uint256 perSecond) public pure returns (uint256) {
        return ((perSecond - RAY) * ConstantsLib.SECONDS_PER_YEAR) / 1e9;
    }

    /// @notice The per-second fee the controller writes for an annual rate (its `_toPerSecond`).
    function toPerSecond(uint256 rate) public pure returns (uint256) {
        return RAY + (rate * 1e9).mulDivUp(1, ConstantsLib.SECONDS_PER_YEAR);
    }

    /// @notice A due poke at a fresh price must succeed (the end-of-run liveness probe).
    function pokeDueWithFreshPrices() external syncTime returns (bool) {
        uint256 before = successes[Action.Poke];
        uint256 next = controller.nextPokeAt();
        if (next > block.timestamp) _warpTo(next);
        _refresh(3);
        _poke();
        return successes[Action.Poke] == before + 1;
    }

    // =================================================================== the poke and its checks

    function _poke() internal {
        uint256 due = controller.nextPokeAt();
        bool tooSoon = block.timestamp < due;
        PokeSnap memory s = _snapshot();
        vm.recordLogs();
        try controller.poke() {
            Vm.Log[] memory logs = vm.getRecordedLogs();
            if (tooSoon) {
                _violate(Check.PokeRevert, string.concat("poke succeeded before nextPokeAt ", vm.toString(due)));
                return;
            }
            successes[Action.Poke]++;
            _checkPoke(s, _decode(logs));
        } catch (bytes memory reason) {
            vm.getRecordedLogs();
            if (
                tooSoon &&
                keccak256(reason) == keccak256(abi.encodeWithSelector(IRiskController.PokeTooSoon.selector, due))
            ) {
                successes[Action.PokeTooSoon]++;
                return;
            }
            _violate(
                Check.PokeRevert,
                string.concat(
                    "poke at ",
                    vm.toString(block.timestamp),
                    " (nextPokeAt ",
                    vm.toString(due),
                    ") reverted with ",
                    VM_BYTES.toString(reason)
                )
            );
        }
    }

    function _snapshot() internal view returns (PokeSnap memory s) {
        s.state = controller.state();
        s.sys = controller.systemRules();
        s.peg = controller.pegRules();
        s.maxPauseDuration = vaultManager.maxPauseDuration();
        if (s.peg.pegAsset != address(0)) {
            (uint256 pegPrice, PriceStatus pegStatus) = oracle.getPrice(s.peg.pegAsset);
            if (pegStatus == PriceStatus.Live) s.pegError = int256(WAD) - int256(pegPrice);
        }
        for (uint256 i; i < COLLATERALS; ++i) {
            CollateralSnap memory c = s.c[i];
            address token = address(_tokens[i]);
            c.rules = controller.collateralRules(token);
            c.managed = c.rules.kink != 0;
            c.state = controller.collateralState(token);
            IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(token);
            c.fee = cfg.stabilityFee;
            c.borrowRatio = cfg.borrowRatio;
            c.liquidationRatio = cfg.liquidationRatio;
            c.pausedUntil = cfg.pausedUntil;
            c.pausedByGuardian = cfg.pausedByGuardian;
            (c.price, c.status) = oracle.getPrice(cfg.oracleAsset);
            c.report = oracle.priceReport(cfg.oracleAsset);
            c.debt = vaultManager.totalDebt(token);
            c.debtCeiling = cfg.debtCeiling;
            c.value = CollateralLib.valueDown(cfg.totalCollateral, cfg.decimals, c.price);
        }
        s.health = new uint256[](_vaultIds.length);
        for (uint256 k; k < _vaultIds.length; ++k) s.health[k] = vaultManager.healthFactor(_vaultIds[k]);
    }

    function _decode(Vm.Log[] memory logs) internal view returns (PokeLog memory ev) {
        for (uint256 k; k < logs.length; ++k) {
            Vm.Log memory log = logs[k];
            if (log.emitter != address(controller)) continue;
            if (log.topics[0] == IRiskController.Poked.selector) {
                ev.pokedCount++;
                (
                    ,
                    ,
                    ev.pegError,
                    ev.integral,
                    ev.pegTerm,
                    ev.collateralRatio,
                    ev.systemHaltUntil,
                    ev.reserveTarget
                ) = abi.decode(log.data, (uint256, PriceStatus, int256, int256, int256, uint256, uint256, uint256));
            } else if (log.topics[0] == IRiskController.CollateralPoked.selector) {
                address token = address(uint160(uint256(log.topics[1])));
                for (uint256 i; i < COLLATERALS; ++i) {
                    if (token != address(_tokens[i])) continue;
                    ev.updateCount[i]++;
                    ev.updates[i] = abi.decode(log.data, (IRiskController.CollateralUpdate));
                }
            }
        }
    }

    function _checkPoke(PokeSnap memory s, PokeLog memory ev) internal {
        IRiskController.State memory st = controller.state();
        _model(ev.pokedCount == 1, "one Poked event");
        _modelEq(st.lastPoke, block.timestamp, "lastPoke");
        int256 pegTerm = _checkPeg(s, ev, st);
        bool halt = _checkSystemBreaker(s, ev, st);

        uint256 stress;
        for (uint256 i; i < COLLATERALS; ++i) {
            if (!s.c[i].managed) {
                _checkUnmanaged(s.c[i], ev, i);
                continue;
            }
            if (s.c[i].status == PriceStatus.Failed) brokenFeedPokes++;
            Expected memory e = _expected(s, i, pegTerm, halt, st.systemHaltUntil);
            IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(_tokens[i]));
            _checkFee(s.c[i], cfg, e, halt, i);
            _checkBorrowRatio(s.c[i], cfg, e, i);
            _checkBreakerAndPause(s, i, cfg, e);
            _checkEvent(s.c[i], ev, i, e);
            stress += ev.updates[i].stressLoss;
            _ghostFee[i] = cfg.stabilityFee;
            _ghostBorrowRatio[i] = cfg.borrowRatio;
        }
        _modelEq(st.reserveTarget, stress, "reserve target = sum of stress losses");
        _modelEq(ev.reserveTarget, stress, "Poked.reserveTarget");
        _modelEq(st.reserveTarget, controller.reserveTargetNow(), "reserveTargetNow right after the poke");

        _checkHealth(s.health);
    }

    /// @dev The peg term: the PI step of the NatSpec, and (4) its bounds. Returns the model's term.
    function _checkPeg(
        PokeSnap memory s,
        PokeLog memory ev,
        IRiskController.State memory st
    ) internal returns (int256 pegTerm) {
        uint256 dt = s.state.lastPoke == 0
            ? 0
            : MathLib.min(block.timestamp - s.state.lastPoke, ConstantsLib.MAX_INTEGRATION_STEP);
        int256 integral;
        (integral, pegTerm) = _pegModel(s.peg, s.state.integral, s.pegError, dt);
        int256 cap = int256(uint256(s.peg.maxPegTerm));
        if (st.integral > cap || st.integral < -cap) {
            _violate(Check.Integral, string.concat("|integral| ", vm.toString(int256(st.integral)), " > maxPegTerm"));
        }
        if (ev.pegTerm > cap || ev.pegTerm < -cap) {
            _violate(Check.Integral, string.concat("|peg term| ", vm.toString(ev.pegTerm), " > maxPegTerm"));
        }
        _modelEqInt(ev.pegError, s.pegError, "peg error");
        _modelEqInt(st.integral, integral, "integral");
        _modelEqInt(ev.integral, integral, "Poked.integral");
        _modelEqInt(ev.pegTerm, pegTerm, "peg term");
        if (cap > 0 && (st.integral == cap || st.integral == -cap)) saturatedIntegrals++;
        if (s.peg.pegAsset != address(0) && s.pegError != 0) livePegPokes++;
        integralCap = s.peg.maxPegTerm;
    }

    /// @dev The system breaker: trips below the critical ratio, holds for the cool-down. Returns
    /// whether it holds after the poke.
    function _checkSystemBreaker(
        PokeSnap memory s,
        PokeLog memory ev,
        IRiskController.State memory st
    ) internal returns (bool halt) {
        uint256 ratio = _systemRatio(s);
        _modelEq(ev.collateralRatio, ratio, "system collateral ratio");
        uint256 haltUntil = s.state.systemHaltUntil;
        if (ratio < s.sys.criticalCollateralRatio) {
            haltUntil = block.timestamp + s.sys.coolDown;
            systemBreakerTrips++;
        }
        _modelEq(st.systemHaltUntil, haltUntil, "systemHaltUntil");
        _modelEq(ev.systemHaltUntil, haltUntil, "Poked.systemHaltUntil");
        halt = block.timestamp < st.systemHaltUntil;
        if (halt) systemBreakerPokes++;
    }

    /// @dev (3) No vault's health factor moved.
    function _checkHealth(uint256[] memory health) internal {
        for (uint256 k; k < health.length; ++k) {
            uint256 after_ = vaultManager.healthFactor(_vaultIds[k]);
            if (after_ == health[k]) continue;
            _violate(
                Check.LiquidationSafety,
                string.concat(
                    "vault ",
                    vm.toString(_vaultIds[k]),
                    " health factor moved by a poke: ",
                    vm.toString(health[k]),
                    " -> ",
                    vm.toString(after_)
                )
            );
        }
    }

    /// @dev What one managed collateral's update must be, from the snapshot and the NatSpec.
    function _expected(
        PokeSnap memory s,
        uint256 i,
        int256 pegTerm,
        bool halt,
        uint256 systemHaltUntil
    ) internal view returns (Expected memory e) {
        CollateralSnap memory c = s.c[i];
        _expectedFee(c, e, pegTerm, halt);
        _expectedBorrowRatio(c, e, address(_tokens[i]));
        _expectedBreaker(s, c, e);

        // The halt passed to the vault manager, which only extends a pause and caps it, and leaves
        // the guardian's cool-down (pausedByGuardian, guardianPausedUntil) as it was.
        uint256 h = e.state.haltUntil > systemHaltUntil ? e.state.haltUntil : systemHaltUntil;
        e.pausedUntil = c.pausedUntil;
        e.pausedByGuardian = c.pausedByGuardian;
        if (h > block.timestamp) {
            e.haltUntil = h;
            uint256 capped = MathLib.min(h, block.timestamp + s.maxPauseDuration);
            if (capped > c.pausedUntil) e.pausedUntil = capped;
        }
    }

    /// @dev Fee: curve(u) + peg term, clamped, stepped; the ceiling at once while the system halts.
    function _expectedFee(CollateralSnap memory c, Expected memory e, int256 pegTerm, bool halt) internal pure {
        IRiskController.CollateralRules memory r = c.rules;
        e.utilisation = c.debtCeiling == 0 ? (c.debt == 0 ? 0 : WAD) : MathLib.min(c.debt.wadDivUp(c.debtCeiling), WAD);
        e.curveRate = e.utilisation <= r.kink
            ? r.baseRate + uint256(r.slopeBelowKink).mulDivUp(e.utilisation, r.kink)
            : r.baseRate + r.slopeBelowKink + uint256(r.slopeAboveKink).mulDivUp(e.utilisation - r.kink, WAD - r.kink);
        if (halt) {
            e.targetRate = r.maxRate;
            e.rate = r.maxRate;
            return;
        }
        int256 raw = int256(e.curveRate) + pegTerm;
        e.targetRate = raw <= int256(uint256(r.minRate)) ? r.minRate : MathLib.min(uint256(raw), r.maxRate);
        e.rate = _step(toAnnual(c.fee), e.targetRate, r.maxRateStep);
    }

    /// @dev Borrow ratio: LR + margin + multiplier × σ, at most maxBorrowRatio, at least LR; stepped.
    function _expectedBorrowRatio(CollateralSnap memory c, Expected memory e, address token) internal view {
        IRiskController.CollateralRules memory r = c.rules;
        e.volatility = oracle.volatility(token);
        e.targetBorrowRatio =
            c.liquidationRatio +
            r.baseMargin +
            uint256(r.volatilityMultiplier).wadMulUp(e.volatility);
        e.targetBorrowRatio = MathLib.min(e.targetBorrowRatio, r.maxBorrowRatio);
        if (e.targetBorrowRatio < c.liquidationRatio) e.targetBorrowRatio = c.liquidationRatio;
        e.borrowRatio = _step(c.borrowRatio, e.targetBorrowRatio, r.maxBorrowRatioStep);
    }

    /// @dev Price breaker (IRiskController): with c the live price, or the oracle's latest round when
    /// not live, and [low, high] the oracle's range, each window measures (max S − min S) / max S over
    /// S = {anchor, previous anchor (while the anchor is under two windows old), low, high, c}; either
    /// above its threshold holds the breaker for the cool-down. Then each window's anchors roll with c:
    /// the first poke of a new window shifts them, two windows or more after the anchor both restart.
    function _expectedBreaker(PokeSnap memory s, CollateralSnap memory c, Expected memory e) internal view {
        IRiskController.CollateralState memory st = c.state;
        // A copy: assigning the memory struct would alias the snapshot's.
        e.state = IRiskController.CollateralState({
            anchorPrice: st.anchorPrice,
            previousAnchorPrice: st.previousAnchorPrice,
            anchorTime: st.anchorTime,
            haltUntil: st.haltUntil,
            slowAnchorPrice: st.slowAnchorPrice,
            previousSlowAnchorPrice: st.previousSlowAnchorPrice,
            slowAnchorTime: st.slowAnchorTime
        });
        uint96 current = _stored(c.status == PriceStatus.Live ? c.price : c.report.latestPrice);
        uint256[3] memory seen = [uint256(_stored(c.report.low)), uint256(_stored(c.report.high)), uint256(current)];
        e.priceMove = _rangeMove(
            st.anchorPrice,
            _recent(st.previousAnchorPrice, st.anchorTime, s.sys.priceWindow),
            seen
        );
        e.slowPriceMove = _rangeMove(
            st.slowAnchorPrice,
            _recent(st.previousSlowAnchorPrice, st.slowAnchorTime, s.sys.slowWindow),
            seen
        );
        if (e.priceMove > c.rules.maxPriceMove || e.slowPriceMove > c.rules.maxSlowMove) {
            e.state.haltUntil = uint32(block.timestamp + s.sys.coolDown);
        }
        if (current == 0) return;
        (e.state.anchorPrice, e.state.previousAnchorPrice, e.state.anchorTime) = _rolled(
            st.anchorPrice,
            st.previousAnchorPrice,
            st.anchorTime,
            current,
            s.sys.priceWindow
        );
        (e.state.slowAnchorPrice, e.state.previousSlowAnchorPrice, e.state.slowAnchorTime) = _rolled(
            st.slowAnchorPrice,
            st.previousSlowAnchorPrice,
            st.slowAnchorTime,
            current,
            s.sys.slowWindow
        );
    }

    function _recent(uint96 previous, uint32 since, uint256 window) internal view returns (uint256) {
        return block.timestamp < uint256(since) + 2 * window ? previous : 0;
    }

    function _rolled(
        uint96 anchor,
        uint96 previous,
        uint32 since,
        uint96 price,
        uint256 window
    ) internal view returns (uint96, uint96, uint32) {
        if (since == 0 || block.timestamp >= uint256(since) + 2 * window) {
            return (price, price, uint32(block.timestamp));
        }
        if (block.timestamp >= uint256(since) + window) return (price, anchor, uint32(block.timestamp));
        return (anchor, previous, since);
    }

    /// @dev (max − min) / max over the non-zero prices, rounded up; 0 when all are 0.
    function _rangeMove(uint256 a, uint256 b, uint256[3] memory seen) internal pure returns (uint256) {
        uint256 top;
        uint256 bottom = type(uint256).max;
        uint256[5] memory all = [a, b, seen[0], seen[1], seen[2]];
        for (uint256 k; k < 5; ++k) {
            if (all[k] == 0) continue;
            if (all[k] > top) top = all[k];
            if (all[k] < bottom) bottom = all[k];
        }
        return top == 0 ? 0 : (top - bottom).mulDivUp(WAD, top);
    }

    function _stored(uint256 price) internal pure returns (uint96) {
        return price > type(uint96).max ? type(uint96).max : uint96(price);
    }

    /// @dev The fee after the poke: (1) band, (2) step, the model, the hard bounds.
    function _checkFee(
        CollateralSnap memory c,
        IVaultManager.CollateralConfig memory cfg,
        Expected memory e,
        bool halt,
        uint256 i
    ) internal {
        IRiskController.CollateralRules memory r = c.rules;
        string memory name = _names[i];
        // (3) The liquidation ratio is not the controller's.
        if (cfg.liquidationRatio != c.liquidationRatio) {
            _violate(Check.LiquidationSafety, string.concat(name, ": liquidation ratio changed by a poke"));
        }
        uint256 before = toAnnual(c.fee);
        uint256 rate = toAnnual(cfg.stabilityFee);
        _modelEq(cfg.stabilityFee, toPerSecond(rate), string.concat(name, ": fee is the per-second form of a rate"));
        _modelEq(rate, e.rate, string.concat(name, ": fee"));
        if (halt) {
            if (rate != r.maxRate) _violate(Check.Step, string.concat(name, ": breaker fee not at maxRate"));
        } else if (rate.absDiff(before) > r.maxRateStep) {
            _violate(
                Check.Step,
                string.concat(
                    name,
                    ": fee moved ",
                    vm.toString(rate.absDiff(before)),
                    " > maxRateStep ",
                    vm.toString(uint256(r.maxRateStep))
                )
            );
        }
        if (!halt && rate.absDiff(before) == r.maxRateStep) fullFeeSteps++;
        _checkBand(before, rate, r.minRate, r.maxRate, halt ? type(uint256).max : r.maxRateStep, name, "fee");
        if (cfg.stabilityFee < RAY || cfg.stabilityFee > ConstantsLib.MAX_STABILITY_FEE) {
            _violate(Check.Bounds, string.concat(name, ": fee outside its hard bounds"));
        }
        _feeSettled[i] = rate >= r.minRate && rate <= r.maxRate;
    }

    /// @dev The borrow ratio after the poke: (1) band [LR, max(maxBorrowRatio, LR)], (2) step, the
    /// model, the hard bounds.
    function _checkBorrowRatio(
        CollateralSnap memory c,
        IVaultManager.CollateralConfig memory cfg,
        Expected memory e,
        uint256 i
    ) internal {
        IRiskController.CollateralRules memory r = c.rules;
        string memory name = _names[i];
        uint256 lr = c.liquidationRatio;
        uint256 moved = cfg.borrowRatio.absDiff(c.borrowRatio);
        _modelEq(cfg.borrowRatio, e.borrowRatio, string.concat(name, ": borrow ratio"));
        if (moved > r.maxBorrowRatioStep) {
            _violate(
                Check.Step,
                string.concat(
                    name,
                    ": borrow ratio moved ",
                    vm.toString(moved),
                    " > maxBorrowRatioStep ",
                    vm.toString(uint256(r.maxBorrowRatioStep))
                )
            );
        }
        if (moved == r.maxBorrowRatioStep) fullBorrowRatioSteps++;
        uint256 top = r.maxBorrowRatio > lr ? r.maxBorrowRatio : lr;
        _checkBand(c.borrowRatio, cfg.borrowRatio, lr, top, r.maxBorrowRatioStep, name, "borrow ratio");
        if (cfg.borrowRatio < lr || cfg.borrowRatio > ConstantsLib.MAX_BORROW_RATIO) {
            _violate(Check.Bounds, string.concat(name, ": borrow ratio outside [LR, MAX_BORROW_RATIO]"));
        }
        _borrowRatioSettled[i] = cfg.borrowRatio >= lr && cfg.borrowRatio <= top;
    }

    /// @dev The breaker state against the model, and (5) the pause.
    function _checkBreakerAndPause(
        PokeSnap memory s,
        uint256 i,
        IVaultManager.CollateralConfig memory cfg,
        Expected memory e
    ) internal {
        CollateralSnap memory c = s.c[i];
        string memory name = _names[i];
        IRiskController.CollateralState memory cs = controller.collateralState(address(_tokens[i]));
        _modelEq(cs.anchorPrice, e.state.anchorPrice, string.concat(name, ": anchorPrice"));
        _modelEq(cs.previousAnchorPrice, e.state.previousAnchorPrice, string.concat(name, ": previousAnchorPrice"));
        _modelEq(cs.anchorTime, e.state.anchorTime, string.concat(name, ": anchorTime"));
        _modelEq(cs.slowAnchorPrice, e.state.slowAnchorPrice, string.concat(name, ": slowAnchorPrice"));
        _modelEq(
            cs.previousSlowAnchorPrice,
            e.state.previousSlowAnchorPrice,
            string.concat(name, ": previousSlowAnchorPrice")
        );
        _modelEq(cs.slowAnchorTime, e.state.slowAnchorTime, string.concat(name, ": slowAnchorTime"));
        _modelEq(cs.haltUntil, e.state.haltUntil, string.concat(name, ": price breaker haltUntil"));
        if (e.state.haltUntil != c.state.haltUntil) priceBreakerTrips++;
        if (cfg.pausedUntil < c.pausedUntil) {
            _violate(Check.Pause, string.concat(name, ": a poke shortened a pause"));
        }
        if (cfg.pausedUntil > c.pausedUntil && cfg.pausedUntil > block.timestamp + s.maxPauseDuration) {
            _violate(Check.Pause, string.concat(name, ": a poke paused past now + maxPauseDuration"));
        }
        _modelEq(cfg.pausedUntil, e.pausedUntil, string.concat(name, ": pausedUntil"));
        _model(cfg.pausedByGuardian == e.pausedByGuardian, string.concat(name, ": pausedByGuardian"));
        if (cfg.pausedUntil > c.pausedUntil) {
            pauseExtensions++;
            if (cfg.pausedUntil == block.timestamp + s.maxPauseDuration) cappedPauses++;
        }
    }

    /// @dev (1) From `before` to `after_` in one poke with band [lo, hi] and step `step`: a value in the
    /// band stays in it; one outside ends at most max(0, distance − step) from it.
    function _checkBand(
        uint256 before,
        uint256 after_,
        uint256 lo,
        uint256 hi,
        uint256 step,
        string memory name,
        string memory what
    ) internal {
        uint256 d0 = _distance(before, lo, hi);
        uint256 d1 = _distance(after_, lo, hi);
        uint256 allowed = d0 > step ? d0 - step : 0;
        if (d1 > allowed) {
            _violate(
                Check.Bounds,
                string.concat(
                    name,
                    ": ",
                    what,
                    " ",
                    vm.toString(after_),
                    " is ",
                    vm.toString(d1),
                    " outside [",
                    vm.toString(lo),
                    ", ",
                    vm.toString(hi),
                    "], was ",
                    vm.toString(d0)
                )
            );
        }
        if (d0 > 0 && d1 < d0) convergingPokes++;
    }

    function _checkEvent(CollateralSnap memory c, PokeLog memory ev, uint256 i, Expected memory e) internal {
        string memory name = _names[i];
        _model(ev.updateCount[i] == 1, string.concat(name, ": one CollateralPoked event"));
        IRiskController.CollateralUpdate memory u = ev.updates[i];
        _modelEq(u.price, c.price, string.concat(name, ": update.price"));
        _model(u.priceStatus == c.status, string.concat(name, ": update.priceStatus"));
        _modelEq(u.utilisation, e.utilisation, string.concat(name, ": update.utilisation"));
        _modelEq(u.volatility, e.volatility, string.concat(name, ": update.volatility"));
        _modelEq(u.priceMove, e.priceMove, string.concat(name, ": update.priceMove"));
        _modelEq(u.slowPriceMove, e.slowPriceMove, string.concat(name, ": update.slowPriceMove"));
        _modelEq(u.priceLow, c.report.low, string.concat(name, ": update.priceLow"));
        _modelEq(u.priceHigh, c.report.high, string.concat(name, ": update.priceHigh"));
        _modelEq(u.curveRate, e.curveRate, string.concat(name, ": update.curveRate"));
        _modelEq(
            u.curveRate,
            controller.curveRate(address(_tokens[i]), e.utilisation),
            string.concat(name, ": curveRate()")
        );
        _modelEq(u.targetRate, e.targetRate, string.concat(name, ": update.targetRate"));
        _modelEq(u.rate, e.rate, string.concat(name, ": update.rate"));
        _modelEq(u.targetBorrowRatio, e.targetBorrowRatio, string.concat(name, ": update.targetBorrowRatio"));
        _modelEq(u.borrowRatio, e.borrowRatio, string.concat(name, ": update.borrowRatio"));
        _modelEq(u.haltUntil, e.haltUntil, string.concat(name, ": update.haltUntil"));
        _modelEq(
            u.stressLoss,
            controller.stressLossNow(address(_tokens[i])),
            string.concat(name, ": update.stressLoss")
        );
        _modelEq(u.stressLoss, _stressLoss(c, u.volatility), string.concat(name, ": stress loss"));
    }

    /// @dev An unmanaged collateral: the poke leaves it alone.
    function _checkUnmanaged(CollateralSnap memory c, PokeLog memory ev, uint256 i) internal {
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(_tokens[i]));
        _model(ev.updateCount[i] == 0, string.concat(_names[i], ": unmanaged but updated"));
        _modelEq(cfg.stabilityFee, c.fee, string.concat(_names[i], ": unmanaged fee"));
        _modelEq(cfg.borrowRatio, c.borrowRatio, string.concat(_names[i], ": unmanaged borrow ratio"));
        _modelEq(cfg.pausedUntil, c.pausedUntil, string.concat(_names[i], ": unmanaged pause"));
        if (cfg.liquidationRatio != c.liquidationRatio) {
            _violate(Check.LiquidationSafety, string.concat(_names[i], ": liquidation ratio changed by a poke"));
        }
    }

    // =================================================================== models (IRiskController NatSpec)

    /// @dev The leaky PI step with conditional integration, evaluated with truncating division:
    /// I ← clamp(I · (1 − leak · dt / 1 day)⁺); then, unless kp · e + I (after the leak, before the
    /// step) is already beyond the cap in the direction of e, I ← clamp(I + ki · e · dt / 1 day);
    /// peg term = clamp(kp · e + I), every clamp to ±maxPegTerm.
    function _pegModel(
        IRiskController.PegRules memory peg,
        int256 integral,
        int256 e,
        uint256 dt
    ) internal pure returns (int256, int256) {
        int256 wadDay = int256(WAD) * 1 days;
        int256 cap = int256(uint256(peg.maxPegTerm));
        int256 leak = int256(uint256(peg.leakPerDay) * dt);
        integral = leak >= wadDay ? int256(0) : integral - (integral * leak) / wadDay;
        integral = _clamp(integral, cap);
        int256 proportional = (int256(uint256(peg.kp)) * e) / int256(WAD);
        int256 output = proportional + integral;
        bool saturated = (e > 0 && output > cap) || (e < 0 && output < -cap);
        if (!saturated) integral = _clamp(integral + (int256(uint256(peg.ki)) * e * int256(dt)) / wadDay, cap);
        return (integral, _clamp(proportional + integral, cap));
    }

    /// @dev Σ value / Σ debt over the managed collaterals (max without debt).
    function _systemRatio(PokeSnap memory s) internal pure returns (uint256) {
        uint256 value;
        uint256 debt;
        for (uint256 i; i < COLLATERALS; ++i) {
            if (!s.c[i].managed) continue;
            value += s.c[i].value;
            debt += s.c[i].debt;
        }
        return debt == 0 ? type(uint256).max : value.wadDivDown(debt);
    }

    /// @dev loss_c = D · max(0, 1 − LR · (1 − d) · (1 − δ)), d = min(1, max(shock, z · σ · √h)).
    function _stressLoss(CollateralSnap memory c, uint256 volatility) internal view returns (uint256) {
        IRiskController.SystemRules memory sys = controller.systemRules();
        uint256 horizon = MathLib.sqrtDown((uint256(sys.varHorizon) * 1e36) / ConstantsLib.SECONDS_PER_YEAR);
        uint256 varMove = uint256(sys.varConfidence).wadMulUp(volatility).wadMulUp(horizon);
        uint256 drop = varMove > c.rules.stressShock ? varMove : c.rules.stressShock;
        if (drop > WAD) drop = WAD;
        uint256 recovered = c.liquidationRatio.wadMulDown(WAD - drop).wadMulDown(WAD - c.rules.saleDiscount);
        return recovered >= WAD ? 0 : c.debt.wadMulUp(WAD - recovered);
    }

    function _step(uint256 current, uint256 target, uint256 maxStep) internal pure returns (uint256) {
        if (target > current) return MathLib.min(target, current + maxStep);
        return current - MathLib.min(current - target, maxStep);
    }

    function _clamp(int256 x, int256 cap) internal pure returns (int256) {
        return
            x > cap
                ? cap
                : x < -cap
                    ? -cap
                    : x;
    }

    function _distance(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return
            x < lo
                ? lo - x
                : x > hi
                    ? x - hi
                    : 0;
    }

    // =================================================================== internals

    function _openVault(uint256 a, uint256 i, uint256 value, uint256 margin) internal {
        address actor = _actors[a];
        address token = address(_tokens[i]);
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(token);
        (uint256 price, ) = oracle.getPrice(token);
        uint256 amount = CollateralLib.amountForValueUp(value, cfg.decimals, price);
        uint256 debt = value.wadDivDown(cfg.borrowRatio.wadMulUp(WAD + margin));
        _tokens[i].mint(actor, amount);
        vm.prank(actor);
        try vaultManager.openVault(token, amount, debt) returns (uint256 id) {
            _vaultIds.push(id);
            successes[Action.OpenVault]++;
        } catch {} // paused, not live, ceiling
    }

    /// @dev Keepers republish the feeds' answers at the current time (bit 0: collaterals, bit 1: peg).
    function _refresh(uint256 mask) internal {
        if (mask & 1 == 1) {
            for (uint256 i; i < COLLATERALS; ++i) _feeds[i].updateAnswer(_answer(_feeds[i]));
        }
        if (mask & 2 == 2) pegFeed.updateAnswer(_answer(pegFeed));
    }

    function _warpTo(uint256 t) internal {
        vm.warp(t);
        currentTime = t;
    }

    /// @dev A feed mode: working half the time, else reverting, malformed or a return bomb. (Not
    /// BurnGas: the same Failed status, at 100,000 gas per read, and every vault's health factor
    /// reads the feed twice per poke.)
    function _mode(uint256 seed_) internal pure returns (MockAggregator.Mode) {
        if (seed_ % 2 == 0) return MockAggregator.Mode.Normal;
        uint256 k = (seed_ >> 1) % 3;
        return
            k == 0
                ? MockAggregator.Mode.Revert
                : k == 1
                    ? MockAggregator.Mode.Malformed
                    : MockAggregator.Mode.ReturnBomb;
    }

    /// @dev The latest answer, read from storage: `latestRoundData` fails while the feed is broken.
    function _answer(MockAggregator feed) internal view returns (int256) {
        return feed.answers(feed.latestRound());
    }

    /// @dev Random rules, every field within its ConstantsLib bound.
    function _collateralRules(
        uint256 rateSeed,
        uint256 ratioSeed,
        uint256 otherSeed
    ) internal pure returns (IRiskController.CollateralRules memory r) {
        r.maxRate = uint64(_pick(rateSeed, 0, 0, ConstantsLib.MAX_CONTROLLED_RATE));
        r.baseRate = uint64(_pick(rateSeed, 1, 0, r.maxRate));
        r.minRate = uint64(_pick(rateSeed, 2, 0, r.baseRate));
        r.slopeBelowKink = uint64(_pick(rateSeed, 3, 0, ConstantsLib.MAX_CONTROLLED_RATE));
        r.slopeAboveKink = uint64(_pick(rateSeed, 4, 0, ConstantsLib.MAX_CONTROLLED_RATE));
        r.maxRateStep = uint64(_pick(rateSeed, 5, 1, ConstantsLib.MAX_RATE_STEP));
        r.kink = uint64(_pick(otherSeed, 0, 1, WAD));
        r.baseMargin = uint64(_pick(ratioSeed, 0, 0, ConstantsLib.MAX_BASE_MARGIN));
        r.volatilityMultiplier = uint64(_pick(ratioSeed, 1, 0, ConstantsLib.MAX_VOLATILITY_MULTIPLIER));
        // Mostly near the liquidation ratio, where the band's two ends meet.
        r.maxBorrowRatio = uint64(
            ratioSeed % 4 == 0
                ? _pick(ratioSeed, 2, ConstantsLib.MIN_LIQUIDATION_RATIO, ConstantsLib.MAX_BORROW_RATIO)
                : _pick(ratioSeed, 2, ConstantsLib.MIN_LIQUIDATION_RATIO, 3e18)
        );
        r.maxBorrowRatioStep = uint64(_pick(ratioSeed, 3, 1, ConstantsLib.MAX_BORROW_RATIO_STEP));
        r.maxPriceMove = uint64(_pick(otherSeed, 1, ConstantsLib.MIN_PRICE_MOVE, ConstantsLib.MAX_PRICE_MOVE));
        r.maxSlowMove = uint64(_pick(otherSeed, 4, ConstantsLib.MIN_PRICE_MOVE, ConstantsLib.MAX_PRICE_MOVE));
        r.stressShock = uint64(_pick(otherSeed, 2, 0, ConstantsLib.MAX_STRESS_SHOCK));
        r.saleDiscount = uint64(_pick(otherSeed, 3, 0, ConstantsLib.MAX_SALE_DISCOUNT));
    }

    /// @dev A value in [lo, hi] from `seed` and `salt`: lo or hi a quarter of the time each.
    function _pick(uint256 word, uint256 salt, uint256 lo, uint256 hi) internal pure returns (uint256) {
        uint256 w = uint256(keccak256(abi.encode(word, salt)));
        uint256 mode = w % 8;
        if (mode < 2) return lo;
        if (mode < 4) return hi;
        return lo + ((w >> 8) % (hi - lo + 1));
    }

    /// @dev After a governance call: the ghosts follow the chain, and a value is settled iff it sits
    /// in its (possibly new) band.
    function _syncGhosts(uint256 i) internal {
        address token = address(_tokens[i]);
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(token);
        IRiskController.CollateralRules memory r = controller.collateralRules(token);
        _ghostFee[i] = cfg.stabilityFee;
        _ghostBorrowRatio[i] = cfg.borrowRatio;
        _ghostLiquidationRatio[i] = cfg.liquidationRatio;
        if (r.kink == 0) {
            (_feeSettled[i], _borrowRatioSettled[i]) = (false, false);
            return;
        }
        uint256 rate = toAnnual(cfg.stabilityFee);
        uint256 top = r.maxBorrowRatio > cfg.liquidationRatio ? r.maxBorrowRatio : cfg.liquidationRatio;
        _feeSettled[i] = rate >= r.minRate && rate <= r.maxRate;
        _borrowRatioSettled[i] = cfg.borrowRatio >= cfg.liquidationRatio && cfg.borrowRatio <= top;
    }

    function _expectNoChange(bytes memory reason, string memory what) internal {
        if (bytes4(reason) != ErrorsLib.NoChange.selector) {
            _violate(Check.Model, string.concat(what, ": ", VM_BYTES.toString(reason)));
        }
    }

    function _model(bool ok, string memory what) internal {
        if (!ok) _violate(Check.Model, what);
    }

    function _modelEq(uint256 got, uint256 want, string memory what) internal {
        if (got != want) {
            _violate(Check.Model, string.concat(what, ": ", vm.toString(got), " != expected ", vm.toString(want)));
        }
    }

    function _modelEqInt(int256 got, int256 want, string memory what) internal {
        if (got != want) {
            _violate(Check.Model, string.concat(what, ": ", vm.toString(got), " != expected ", vm.toString(want)));
        }
    }

    function _violate(Check check, string memory what) internal {
        if (violations[check]++ == 0) {
            firstViolation[check] = string.concat(what, " (t = ", vm.toString(block.timestamp), ")");
        }
    }

    function _surface(bytes memory reason) internal pure {
        if (reason.length >= 68 && bytes4(reason) == bytes4(keccak256("Error(string)"))) {
            bytes memory body = new bytes(reason.length - 4);
            for (uint256 k; k < body.length; ++k) body[k] = reason[k + 4];
            string memory message = abi.decode(body, (string));
            // solhint-disable-next-line gas-custom-errors
            if (_startsWith(bytes(message), "assertion failed")) revert(message);
            fail(string.concat("handler reverted: ", message));
        }
        fail(string.concat("handler reverted: ", VM_BYTES.toString(reason)));
    }

    function _startsWith(bytes memory s, bytes memory prefix) internal pure returns (bool) {
        if (s.length < prefix.length) return false;
        for (uint256 k; k < prefix.length; ++k) if (s[k] != prefix[k]) return false;
        return true;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {IReservePool} from "../../../contracts/interfaces/IReservePool.sol";
import {IPegStabilityModule} from "../../../contracts/interfaces/IPegStabilityModule.sol";
import {IOracleAdapter, PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {PegStabilityModule} from "../../../contracts/psm/PegStabilityModule.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {MockERC4626Strategy} from "../../../contracts/test/MockERC4626Strategy.sol";
import {Test, Vm} from "../utils/Test.sol";

/// @title PsmHandler
/// @notice Invariant-campaign handler for the peg stability module and the reserve's USDC (the real
/// `PegStabilityModule`, `ReservePool`, `OracleAdapter`, `BallastDollar`, two mock ERC-4626
/// strategies and the mock USDC/USD feed). Actions: swaps in and out (inside and outside every
/// limit, at the exact edge), fee collection, time warps, USDC price moves (small moves around the
/// depeg floor, depegs, jumps past the oracle's circuit breaker, out-of-bounds and failed answers, a
/// second round stamped in the same second, a reverting or malformed feed, with or without a keeper
/// recording the round), rebalances, strategy gains and losses, strategies whose deposits,
/// withdrawals or views revert, stablecoin minted outside the module (as vaults do) and USDC
/// donated to the reserve.
///
/// Every protocol call is predicted from the pre-state, independently of the module's code, in
/// both directions: a call predicted safe must succeed and one predicted unsafe must revert with
/// exactly the predicted error (the handler call then ends with `ExpectedRevert`). Ghosts, surfaced
/// as invariants by `PsmInvariantTest`:
///  - `wrongfulRefusals`: redemptions of at most min(USDC the reserve can pay: liquid plus the value
///    of its shares in every strategy whose withdrawals work — views or not: a redemption needs no
///    valuation —, outflow bucket), by a holder of the coin with no slippage bound, that reverted;
///  - `windowViolations`: the bucket limits net flow (IPegStabilityModule, bounds 1 and 2). Over every
///    stretch of flows from the i-th to a redemption k (stable out measured at the receivers, stable
///    in at the reserve), net outflow ≤ limit × (1 + (t_k − t_i) / window) + C_i, where the credit
///    C_i = max(0, max over u < i of (net inflow from u to i − limit × (t_i − t_u) / window)) comes
///    from the flows before i alone: a stretch may spend what came in before it, less what faded;
///  - `untrustedMints`: successful mints while the feed read independently was below 1 − tolerance,
///    failed, stale or out of bounds, or the oracle adapter did not report the price live (frozen);
///  - `mismatches`: any other disagreement with the prediction (an unsafe call that succeeded, a
///    wrong revert, an amount or balance that moved otherwise than predicted, the bucket's level);
///  - supply ledgers: `externalNet` (coin minted outside the module) and `psmNet` (coin minted minus
///    burnt by module calls, measured as `totalSupply` deltas), and `excessRedeemed` (coin redeemed
///    beyond the module's `minted`, which floors at zero);
///  - `usdcMinted`: all USDC ever minted (to actors, strategies as gains, the reserve as donations);
///  - strategies (issue 11): the rebalance bucket modelled (maxRebalance per interval, the reserve's
///    `availableRebalance` equal to the model, a rebalance never moving more than it); each
///    strategy's principal modelled from the USDC that moved between it and the reserve
///    (`strategies()` must report it); `exchangeLosses`: an exchange with a strategy whose value is
///    known that lost more than 0.01 % + 1 unit (the reserve's holding at convertToAssets, computed
///    here); `unknownDeposits`: a deposit into a strategy whose views revert, or such a strategy not
///    flagged after a rebalance.
// A handler with ghosts for several invariants needs the state.
// solhint-disable-next-line max-states-count
contract PsmHandler is Test {
    /// @notice The protocol call reverted exactly as predicted.
    error ExpectedRevert(bytes4 selector);

    struct Deployment {
        address deployer;
        IBallastDollar stablecoin;
        IReservePool reserve;
        IOracleAdapter oracle;
        IVaultManager vaultManager;
        ILiquidationEngine engine;
        /// @dev The concrete type, not the interface, on purpose: through it this file imports the
        /// module, so forge builds it only with the via-IR profile, like the test that deploys it.
        /// (Built twice, once per profile, forge could not tell which artifact the deployed handler
        /// is and would refuse it as an invariant target.)
        PegStabilityModule psm;
        MockERC20 usdc;
        MockAggregator usdcFeed;
        MockERC4626Strategy[2] strategies;
        address[4] actors;
        /// @dev A stablecoin module standing in for the vault manager: coin minted outside the PSM.
        address minter;
    }

    enum Action {
        SwapIn,
        SwapOut,
        CollectFees,
        Warp,
        MovePrice,
        Rebalance,
        StrategyGain,
        StrategyLoss,
        StrategyFlags,
        MintExternal,
        DonateUsdc
    }

    uint256 internal constant WAD = 1e18;
    /// @dev USDC units → wad.
    uint256 internal constant SCALE = 1e12;
    /// @dev 8-decimal feed answers → wad.
    uint256 internal constant FEED_SCALE = 1e10;
    uint256 internal constant ACTOR_COUNT = 4;
    uint256 internal constant STRATEGY_COUNT = 2;
    /// @dev The loss an exchange with a strategy may cause: 0.01 % of what was given, rounded down, + 1 unit.
    uint256 internal constant LOSS_TOLERANCE = 0.0001e18;
    uint256 internal constant ROUNDING_UNITS = 1;
    address internal constant SINK = 0x000000000000000000000000000000000000dEaD;

    IBallastDollar public immutable stablecoin;
    IReservePool public immutable reserve;
    IOracleAdapter public immutable oracle;
    IVaultManager public immutable vaultManager;
    ILiquidationEngine public immutable engine;
    PegStabilityModule public immutable psm;
    MockERC20 public immutable usdc;
    MockAggregator public immutable usdcFeed;
    address public immutable minter;
    MockERC4626Strategy[2] internal _strategies;
    address[4] internal _actors;

    // The module's fixed parameters and the feed checks the module copied (read once).
    uint256 internal immutable _feeIn;
    uint256 internal immutable _feeOut;
    uint256 internal immutable _ceiling;
    uint256 internal immutable _limit;
    uint256 internal immutable _window;
    uint256 internal immutable _floor;
    uint256 internal immutable _heartbeat;
    uint256 internal immutable _minPrice;
    uint256 internal immutable _maxPrice;
    uint256 internal immutable _maxRebalance;
    uint256 internal immutable _rebalanceInterval;

    // ------------------------------------------------------------------ ghosts
    uint256 public currentTime;
    uint256 public usdcMinted;
    int256 public externalNet;
    int256 public psmNet;
    uint256 public excessRedeemed;
    uint256 public wrongfulRefusals;
    string public wrongfulRefusal;
    uint256 public windowViolations;
    string public windowViolation;
    uint256 public untrustedMints;
    string public untrustedMint;
    uint256 public mismatches;
    string public mismatch;
    /// @dev The outflow bucket, modelled: level at `_bucketAt`, drifting toward the limit at limit per
    /// window (refill from below, fade from above); swaps in add to it, redemptions take from it.
    uint256 internal _bucket;
    uint256 internal _bucketAt;
    /// @dev Every flow through the module: when, its net outflow [wad] (a redemption's USDC value
    /// received, negative: a swap in's USDC value that arrived), and the credit C_i it may start with
    /// (× window, see `windowViolations`).
    uint256[] internal _flowAt;
    int256[] internal _flowOut;
    uint256[] internal _flowCredit;
    uint256 public outflowCount;
    mapping(Action action => uint256) public successes;
    /// @notice Successful redemptions that needed USDC from a strategy; mints that found the reading
    /// already vetted (the adapter not asked); redemptions at exactly the edge.
    uint256 public strategyPulls;
    uint256 public vettedMints;
    uint256 public edgeRedemptions;
    /// @dev The rebalance bucket, modelled like the outflow bucket.
    uint256 internal _rebalanceBucket;
    uint256 internal _rebalanceBucketAt;
    /// @dev Each strategy's principal, modelled: + USDC into it, − USDC out of it (floored at 0),
    /// counted by the vault's balance over reserve calls (strategies move no USDC otherwise, but for
    /// gains and losses, which are separate actions).
    uint256[2] internal _principal;
    /// @dev The strategies before a reserve call: the vault's USDC, the reserve's holding, known.
    StrategySnap[2] internal _snap;
    uint256 public exchangeLosses;
    string public exchangeLoss;
    uint256 public unknownDeposits;
    string public unknownDeposit;
    /// @notice Rebalances that moved something.
    uint256 public rebalanceMoves;

    struct StrategySnap {
        uint256 vaultUsdc;
        uint256 holding;
        bool known;
    }

    /// @dev Re-applies the handler's clock (forge keeps warps across calls nowadays; this keeps the
    /// handler right on versions that do not). The handler reads the time from `currentTime` only:
    /// compiled via-IR, `block.timestamp` may be read once per call and miss a `vm.warp`.
    modifier syncTime() {
        if (block.timestamp != currentTime) vm.warp(currentTime);
        _;
    }

    constructor(Deployment memory d) {
        stablecoin = d.stablecoin;
        reserve = d.reserve;
        oracle = d.oracle;
        vaultManager = d.vaultManager;
        engine = d.engine;
        psm = d.psm;
        usdc = d.usdc;
        usdcFeed = d.usdcFeed;
        minter = d.minter;
        _strategies = d.strategies;
        _actors = d.actors;
        _feeIn = d.psm.feeIn();
        _feeOut = d.psm.feeOut();
        _ceiling = d.psm.mintCeiling();
        _limit = d.psm.outflowLimit();
        _window = d.psm.outflowWindow();
        _floor = WAD - d.psm.depegTolerance();
        (, , _heartbeat, _minPrice, _maxPrice) = d.psm.stableFeed();
        currentTime = block.timestamp;
        _bucket = d.psm.availableOutflow();
        _bucketAt = block.timestamp;
        _maxRebalance = d.reserve.maxRebalance();
        _rebalanceInterval = d.reserve.rebalanceInterval();
        _rebalanceBucket = d.reserve.availableRebalance();
        _rebalanceBucketAt = block.timestamp;
        for (uint256 i; i < ACTOR_COUNT; ++i) {
            vm.prank(d.actors[i]);
            d.usdc.approve(address(d.psm), type(uint256).max);
        }
    }

    // =================================================================== fuzzed actions

    /// @dev One swap, planned and predicted before it is sent (a struct keeps the stack shallow).
    struct Swap {
        address actor;
        address to;
        uint256 mode;
        uint256 amount; // USDC units in, or coin in
        uint256 balance; // the actor's balance of what it pays with
        uint256 gross; // swap in: USDC value [wad]; swap out: coin that leaves circulation (paid)
        uint256 fee;
        uint256 out; // coin out, or USDC units out
        uint256 minOut;
        uint256 bucket; // swap out: the outflow bucket before
        uint256 payable_; // swap out: USDC the reserve can pay before
        bytes expected;
    }

    /// @dev What a swap leaves behind, read before it runs.
    struct Before {
        uint256 supply;
        uint256 minted;
        uint256 pending;
        uint256 reserveUsdc;
        uint256 receiverCoin;
        uint256 receiverUsdc;
    }

    /// @notice An actor swaps USDC for the coin: funded or not, with or without a slippage bound, zero
    /// or to nobody, under whatever price the feed and the oracle show.
    function swapIn(uint256 actorSeed, uint256 amountSeed, uint256 modeSeed) external syncTime {
        Swap memory w;
        w.actor = _actors[actorSeed % ACTOR_COUNT];
        w.mode = modeSeed % 16;
        w.amount = w.mode == 0 ? 0 : bound(amountSeed, 1, 1_500_000e6);
        w.to = w.mode == 1 ? address(0) : w.actor;
        w.balance = usdc.balanceOf(w.actor);
        if (w.mode != 2 && w.balance < w.amount) {
            _mintUsdc(w.actor, w.amount - w.balance);
            w.balance = w.amount;
        }
        w.gross = w.amount * SCALE;
        w.fee = _mulDivUp(w.gross, _feeIn, WAD);
        w.out = w.gross - w.fee;
        w.minOut = w.mode == 3 ? w.out + 1 + (amountSeed % 1_000) : (w.mode == 4 ? w.out : 0);
        w.expected = _predictSwapIn(w);
        (bool trusted, string memory why) = _stableTrusted();
        Before memory b = _before(w.to);

        vm.recordLogs();
        vm.prank(w.actor);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(psm).call(
            abi.encodeCall(IPegStabilityModule.swapStableForCoin, (w.amount, w.minOut, w.to))
        );
        bool vetting = _vettedLogged();
        if (ok) {
            if (!trusted) _flagUntrusted(string.concat("mint succeeded while ", why));
            if (!vetting) ++vettedMints;
            _expectEq(abi.decode(reason, (uint256)), w.out, "swapIn: coin paid");
            _expectEq(stablecoin.balanceOf(w.to), b.receiverCoin + w.out, "swapIn: receiver's coin");
            _expectEq(usdc.balanceOf(address(reserve)), b.reserveUsdc + w.amount, "swapIn: USDC into the reserve");
            _expectEq(psm.minted(), b.minted + w.gross, "swapIn: minted");
            _expectEq(psm.pendingFees(), b.pending + w.fee, "swapIn: pending fees");
            _expectEq(stablecoin.totalSupply(), b.supply + w.out, "swapIn: supply");
            psmNet += int256(stablecoin.totalSupply()) - int256(b.supply);
            // The USDC value that came in refills the bucket, above the limit if need be.
            uint256 arrived = (usdc.balanceOf(address(reserve)) - b.reserveUsdc) * SCALE;
            _bucket = _available(currentTime) + arrived;
            _bucketAt = currentTime;
            _recordFlow(-int256(arrived));
        }
        _settle(ok, reason, w.expected, Action.SwapIn);
    }

    /// @notice An actor redeems the coin for USDC: within min(payable USDC, bucket) (most often), at
    /// exactly that edge, one wei of coin past it, anything up to 3M, zero, or with a slippage bound
    /// above the quote. The actor is topped up with coin from outside the module when short, except
    /// in the unbounded mode.
    function swapOut(uint256 actorSeed, uint256 amountSeed, uint256 modeSeed) external syncTime {
        Swap memory w;
        w.actor = _actors[actorSeed % ACTOR_COUNT];
        w.to = w.actor;
        w.mode = modeSeed % 8;
        _checkBucket();
        w.bucket = _available(currentTime);
        w.payable_ = _payableUsdc();
        uint256 edge = _maxCoinFor(_min(w.payable_ * SCALE, w.bucket));
        if (w.mode <= 2 || w.mode == 7) w.amount = bound(amountSeed, 1, edge == 0 ? 1 : edge);
        else if (w.mode == 3) w.amount = edge == 0 ? 1 : edge;
        else if (w.mode == 4)
            w.amount = edge + 1; // one wei of coin past the edge: one USDC unit more
        else if (w.mode == 5) w.amount = bound(amountSeed, 1, 3_000_000e18);
        if (w.mode != 5) _topUpCoin(w.actor, w.amount);
        (w.out, w.fee) = _quoteOut(w.amount);
        w.gross = w.amount - w.fee;
        w.minOut = w.mode == 7 ? w.out + 1 : 0;
        w.balance = stablecoin.balanceOf(w.actor);
        w.expected = _predictSwapOut(w);
        // Invariant (a)'s premise, stated without the model: within what the reserve can pay and the
        // bucket allows, by a holder of the coin, with no slippage bound.
        bool honoured = w.amount != 0 &&
            w.minOut == 0 &&
            w.balance >= w.amount &&
            w.out <= w.payable_ &&
            w.gross <= w.bucket;
        Before memory b = _before(w.actor);
        _snapStrategies();

        vm.prank(w.actor);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(psm).call(
            abi.encodeCall(IPegStabilityModule.swapCoinForStable, (w.amount, w.minOut, w.to))
        );
        if (!ok && honoured) {
            _flagWrongfulRefusal(w, reason);
            return;
        }
        if (ok) {
            _afterSwapOut(w, b, abi.decode(reason, (uint256)));
            _afterExchanges(false);
        }
        _settle(ok, reason, w.expected, Action.SwapOut);
    }

    function _afterSwapOut(Swap memory w, Before memory b, uint256 returned) internal {
        uint256 received = usdc.balanceOf(w.to) - b.receiverUsdc;
        _expectEq(returned, w.out, "swapOut: USDC paid");
        _expectEq(received, w.out, "swapOut: USDC received");
        _expectEq(stablecoin.totalSupply(), b.supply - w.amount, "swapOut: supply");
        _expectEq(psm.minted(), b.minted > w.gross ? b.minted - w.gross : 0, "swapOut: minted");
        _expectEq(psm.pendingFees(), b.pending + w.fee, "swapOut: pending fees");
        psmNet += int256(stablecoin.totalSupply()) - int256(b.supply);
        if (w.gross > b.minted) excessRedeemed += w.gross - b.minted;
        if (w.out > b.reserveUsdc) ++strategyPulls;
        if (w.mode == 3) ++edgeRedemptions;
        // More than the bucket held can only leave if the module is wrong (already a mismatch).
        _bucket = w.bucket > w.gross ? w.bucket - w.gross : 0;
        _bucketAt = currentTime;
        ++outflowCount;
        _recordFlow(int256(received * SCALE));
        _checkNetOutflow();
    }

    function _flagWrongfulRefusal(Swap memory w, bytes memory reason) internal {
        ++wrongfulRefusals;
        if (wrongfulRefusals != 1) return;
        wrongfulRefusal = string.concat(
            "redemption of ",
            vm.toString(w.out),
            " USDC units refused (payable ",
            vm.toString(w.payable_),
            ", bucket ",
            vm.toString(w.bucket),
            "): ",
            _hex(reason)
        );
    }

    function _before(address receiver) internal view returns (Before memory b) {
        b.supply = stablecoin.totalSupply();
        b.minted = psm.minted();
        b.pending = psm.pendingFees();
        b.reserveUsdc = usdc.balanceOf(address(reserve));
        if (receiver != address(0)) {
            b.receiverCoin = stablecoin.balanceOf(receiver);
            b.receiverUsdc = usdc.balanceOf(receiver);
        }
    }

    /// @notice Anyone mints the fees owed to the reserve (ZeroAmount when none are owed).
    function collectFees() external syncTime {
        uint256 pending = psm.pendingFees();
        bytes memory expected = pending == 0 ? abi.encodeWithSelector(ErrorsLib.ZeroAmount.selector) : bytes("");
        uint256 supply = stablecoin.totalSupply();
        uint256 reserveCoin = stablecoin.balanceOf(address(reserve));
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(psm).call(abi.encodeCall(IPegStabilityModule.collectFees, ()));
        if (ok) {
            _expectEq(stablecoin.balanceOf(address(reserve)), reserveCoin + pending, "collectFees: reserve's coin");
            _expectEq(psm.pendingFees(), 0, "collectFees: still pending");
            psmNet += int256(stablecoin.totalSupply()) - int256(supply);
        }
        _settle(ok, reason, expected, Action.CollectFees);
    }

    /// @notice Time passes: seconds, hours, or up to three days (past the feed's 25-hour heartbeat).
    function warp(uint256 seed) external syncTime {
        uint256 mode = seed % 4;
        uint256 dt = mode == 0
            ? bound(seed >> 2, 1, 3_600)
            : (mode == 3 ? bound(seed >> 2, 1 days, 3 days) : bound(seed >> 2, 1, 1 days));
        _advance(dt);
        ++successes[Action.Warp];
    }

    /// @notice The USDC/USD feed moves (one second later, or in the same second), and a keeper may
    /// record the round in the oracle adapter.
    function movePrice(uint256 answerSeed, uint256 modeSeed, uint256 recordSeed) external syncTime {
        uint256 mode = modeSeed % 12;
        // The latest round from storage: latestRoundData itself may be set to revert.
        uint80 round = usdcFeed.latestRound();
        int256 last = usdcFeed.answers(round);
        uint256 lastAt = usdcFeed.updatedAts(round);
        if (mode == 11) {
            // A reverting, malformed or return-bombing feed, or back to normal (twice as likely).
            MockAggregator.Mode[5] memory modes = [
                MockAggregator.Mode.Normal,
                MockAggregator.Mode.Normal,
                MockAggregator.Mode.Revert,
                MockAggregator.Mode.Malformed,
                MockAggregator.Mode.ReturnBomb
            ];
            usdcFeed.setMode(modes[answerSeed % 5]);
        } else {
            int256 answer;
            if (mode <= 4)
                answer = int256(bound(answerSeed, 0.985e8, 1.015e8)); // around the floor
            else if (mode <= 6)
                answer = int256(bound(answerSeed, 0.85e8, 0.99e8)); // a depeg
            else if (mode == 7 || (mode == 9 && answerSeed % 2 == 0)) {
                // A jump of 11–20 % from the last answer: past the adapter's 10 % breaker (in the
                // same second half the time, so a vetted reading's timestamp alone proves nothing).
                uint256 step = bound(answerSeed >> 1, 1_100, 2_000);
                uint256 base = last > 0 ? uint256(last) : 1e8;
                answer = int256(
                    answerSeed % 2 == 0 ? (base * (10_000 + step)) / 10_000 : (base * (10_000 - step)) / 10_000
                );
            } else if (mode == 8)
                answer = [int256(0.3e8), 2.5e8, 0, -1][answerSeed % 4]; // out of bounds, failed
            else answer = int256(bound(answerSeed, 0.95e8, 1.05e8));
            if (mode == 9 && lastAt != 0 && lastAt <= currentTime) {
                usdcFeed.updateRoundData(answer, lastAt, lastAt); // a second round in the same second
            } else {
                _advance(1);
                usdcFeed.updateAnswer(answer);
            }
        }
        if (recordSeed % 2 == 0) oracle.recordPrice(address(usdc));
        ++successes[Action.MovePrice];
    }

    /// @notice Anyone rebalances the reserve's USDC toward its liquid target: it never reverts, moves
    /// one way only, at most what the modelled bucket holds (which the reserve must report), and every
    /// exchange it makes keeps the loss rule and the principal (see `_afterExchanges`).
    function rebalance() external syncTime {
        uint256 available = _rebalanceAvailable(currentTime);
        _expectEq(reserve.availableRebalance(), available, "availableRebalance != the modelled bucket");
        _snapStrategies();
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(reserve).call(abi.encodeCall(IReservePool.rebalance, ()));
        if (!ok) {
            _mismatch(string.concat("rebalance reverted: ", _hex(reason)));
            return;
        }
        (uint256 deposited, uint256 withdrawn) = abi.decode(reason, (uint256, uint256));
        uint256 moved = deposited + withdrawn;
        if ((deposited != 0 && withdrawn != 0) || moved > available) {
            _mismatch("rebalance moved both ways or beyond the bucket");
        } else if (moved != 0) {
            _rebalanceBucket = available - moved;
            _rebalanceBucketAt = currentTime;
            ++rebalanceMoves;
        }
        _afterExchanges(true);
        ++successes[Action.Rebalance];
    }

    /// @notice A strategy earns: USDC arrives in the vault, every share is worth more.
    function strategyGain(uint256 strategySeed, uint256 amountSeed) external syncTime {
        _mintUsdc(address(_strategies[strategySeed % STRATEGY_COUNT]), bound(amountSeed, 1, 200_000e6));
        ++successes[Action.StrategyGain];
    }

    /// @notice A strategy loses up to half its assets.
    function strategyLoss(uint256 strategySeed, uint256 bpsSeed) external syncTime {
        _strategies[strategySeed % STRATEGY_COUNT].simulateLoss(bound(bpsSeed, 1, 5_000));
        ++successes[Action.StrategyLoss];
    }

    /// @notice A strategy's deposits, withdrawals or views start or stop reverting (healthy half the time).
    function strategyFlags(uint256 strategySeed, uint256 flagSeed) external syncTime {
        MockERC4626Strategy s = _strategies[strategySeed % STRATEGY_COUNT];
        uint256 flags = flagSeed % 2 == 0 ? 0 : (flagSeed >> 1) % 8;
        s.setFailDeposit(flags & 1 != 0);
        s.setFailWithdraw(flags & 2 != 0);
        s.setFailViews(flags & 4 != 0);
        ++successes[Action.StrategyFlags];
    }

    /// @notice Coin minted outside the module (as a vault borrows) reaches an actor.
    function mintExternal(uint256 actorSeed, uint256 amountSeed) external syncTime {
        _mintCoin(_actors[actorSeed % ACTOR_COUNT], bound(amountSeed, 1, 500_000e18));
        ++successes[Action.MintExternal];
    }

    /// @notice Someone sends USDC to the reserve without swapping: it counts in the reserve's value.
    function donateUsdc(uint256 amountSeed) external syncTime {
        _mintUsdc(address(reserve), bound(amountSeed, 1, 100_000e6));
        ++successes[Action.DonateUsdc];
    }

    // =================================================================== views for the invariants

    function actors() external view returns (address[4] memory) {
        return _actors;
    }

    function strategies() external view returns (MockERC4626Strategy[2] memory) {
        return _strategies;
    }

    /// @notice USDC the reserve can pay now: liquid plus `maxWithdraw` of every strategy whose views
    /// and withdrawals work (computed from share math, not asked of the strategy).
    function payableUsdc() external view returns (uint256) {
        return _payableUsdc();
    }

    /// @notice The reserve's USDC in strategy `i` at convertToAssets, from the vault's balances
    /// (OpenZeppelin ERC-4626, no decimals offset: shares × (assets + 1) / (supply + 1), rounded
    /// down), 0 while its views revert.
    function strategyAssets(uint256 i) public view returns (uint256) {
        MockERC4626Strategy s = _strategies[i];
        if (s.failViews()) return 0;
        return _sharesValue(s, s.balanceOf(address(reserve)));
    }

    /// @notice The outflow bucket as modelled, now.
    function modelAvailable() external view returns (uint256) {
        return _available(currentTime);
    }

    /// @notice The rebalance bucket as modelled, now.
    function modelRebalanceAvailable() external view returns (uint256) {
        return _rebalanceAvailable(currentTime);
    }

    /// @notice Strategy `i`'s principal as modelled.
    function principal(uint256 i) external view returns (uint256) {
        return _principal[i];
    }

    // =================================================================== prediction

    /// @dev In the module's order: zero, receiver, the depeg guard, the USDC transfer, slippage, ceiling.
    function _predictSwapIn(Swap memory w) internal view returns (bytes memory) {
        if (w.amount == 0) return abi.encodeWithSelector(ErrorsLib.ZeroAmount.selector);
        if (w.to == address(0)) return abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector);
        bytes memory guard = _guardRefusal();
        if (guard.length != 0) return guard;
        if (w.balance < w.amount) {
            return abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, w.actor, w.balance, w.amount);
        }
        if (w.out < w.minOut) {
            return abi.encodeWithSelector(IPegStabilityModule.SlippageExceeded.selector, w.out, w.minOut);
        }
        uint256 minted = psm.minted();
        if (minted + w.gross > _ceiling) {
            return abi.encodeWithSelector(IPegStabilityModule.MintCeilingExceeded.selector, minted + w.gross, _ceiling);
        }
        return "";
    }

    /// @dev In the module's order: zero, slippage, the bucket, the burn, then the reserve's payment
    /// (after pulling everything the working strategies hold, it has exactly `payable_`).
    function _predictSwapOut(Swap memory w) internal view returns (bytes memory) {
        if (w.amount == 0) return abi.encodeWithSelector(ErrorsLib.ZeroAmount.selector);
        if (w.out < w.minOut) {
            return abi.encodeWithSelector(IPegStabilityModule.SlippageExceeded.selector, w.out, w.minOut);
        }
        if (w.gross > w.bucket) {
            return abi.encodeWithSelector(IPegStabilityModule.OutflowLimitExceeded.selector, w.gross, w.bucket);
        }
        if (w.balance < w.amount) {
            return abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, w.actor, w.balance, w.amount);
        }
        if (w.out > w.payable_) {
            return abi.encodeWithSelector(IReservePool.InsufficientStable.selector, address(usdc), w.out, w.payable_);
        }
        return "";
    }

    /// @dev The depeg guard's refusal, or empty: the feed read independently (the module's copied
    /// checks: failed, stale, out of bounds), then the adapter's verdict, then the floor. The module
    /// skips the adapter for a reading it vetted; the adapter's verdict on such a reading must still
    /// be live, so predicting with it is exact (and a disagreement shows as a mismatch).
    function _guardRefusal() internal view returns (bytes memory) {
        (PriceStatus status, uint256 price) = _readFeed();
        if (status != PriceStatus.Live) {
            return abi.encodeWithSelector(IPegStabilityModule.StableOracleNotLive.selector, status);
        }
        (uint256 adapterPrice, PriceStatus adapterStatus) = oracle.getPrice(address(usdc));
        if (adapterStatus != PriceStatus.Live) {
            return abi.encodeWithSelector(IPegStabilityModule.StableOracleNotLive.selector, adapterStatus);
        }
        price = _min(price, adapterPrice);
        if (price < _floor) return abi.encodeWithSelector(IPegStabilityModule.StableDepegged.selector, price, _floor);
        return "";
    }

    /// @dev Whether USDC's price can be trusted and is at least the floor, and why not.
    function _stableTrusted() internal view returns (bool, string memory) {
        (PriceStatus status, uint256 price) = _readFeed();
        if (status != PriceStatus.Live) return (false, string.concat("the feed read ", vm.toString(uint256(status))));
        if (price < _floor) return (false, string.concat("USDC at ", vm.toString(price)));
        (uint256 adapterPrice, PriceStatus adapterStatus) = oracle.getPrice(address(usdc));
        if (adapterStatus != PriceStatus.Live) {
            return (false, string.concat("the adapter reported ", vm.toString(uint256(adapterStatus))));
        }
        if (adapterPrice < _floor)
            return (false, string.concat("the adapter priced USDC at ", vm.toString(adapterPrice)));
        return (true, "");
    }

    /// @dev The USDC/USD feed as the module must read it (FeedReaderLib's rules, restated).
    function _readFeed() internal view returns (PriceStatus, uint256) {
        MockAggregator.Mode mode = usdcFeed.mode();
        if (mode == MockAggregator.Mode.Revert || mode == MockAggregator.Mode.Malformed) {
            return (PriceStatus.Failed, 0);
        }
        (, int256 answer, , uint256 updatedAt, ) = usdcFeed.latestRoundData();
        if (answer <= 0 || updatedAt == 0 || updatedAt > currentTime) return (PriceStatus.Failed, 0);
        if (currentTime - updatedAt > _heartbeat) return (PriceStatus.Stale, 0);
        uint256 price = uint256(answer) * FEED_SCALE;
        if (price < _minPrice || price > _maxPrice) return (PriceStatus.OutOfBounds, 0);
        return (PriceStatus.Live, price);
    }

    /// @dev Coin → USDC: the fee rounds up, the USDC down, the remainder joins the fee.
    function _quoteOut(uint256 coinIn) internal view returns (uint256 stableOut, uint256 fee) {
        uint256 net = coinIn - _mulDivUp(coinIn, _feeOut, WAD);
        stableOut = net / SCALE;
        fee = coinIn - stableOut * SCALE;
    }

    /// @dev The largest coinIn whose payment (stableOut × SCALE) is at most `capWad`. The USDC out
    /// grows with coinIn, and (units + 1) × SCALE × WAD / (WAD − feeOut) is at least that largest
    /// coinIn (coinIn − ⌈coinIn × feeOut⌉ > coinIn × (1 − feeOut) − 1), a few wei above it at most.
    function _maxCoinFor(uint256 capWad) internal view returns (uint256 coinIn) {
        uint256 units = capWad / SCALE;
        coinIn = ((units + 1) * SCALE * WAD) / (WAD - _feeOut);
        while (coinIn != 0) {
            (uint256 out, ) = _quoteOut(coinIn);
            if (out <= units) return coinIn;
            --coinIn;
        }
    }

    /// @dev USDC the reserve can pay: liquid + the value of its shares in every strategy whose
    /// withdrawals work. A strategy whose views revert is redeemed from all the same (the mock's
    /// `redeem`, `previewWithdraw` and `maxRedeem` do not use the reverting views), and redeeming
    /// loses at most a unit of rounding, within the loss rule, so no such redemption is undone.
    function _payableUsdc() internal view returns (uint256 total) {
        total = usdc.balanceOf(address(reserve));
        for (uint256 i; i < STRATEGY_COUNT; ++i) {
            MockERC4626Strategy s = _strategies[i];
            if (s.failWithdraw()) continue;
            total += _sharesValue(s, s.balanceOf(address(reserve)));
        }
    }

    // =================================================================== strategies

    /// @dev The rebalance bucket refilled up to `t`, at most maxRebalance.
    function _rebalanceAvailable(uint256 t) internal view returns (uint256) {
        return _min(_maxRebalance, _rebalanceBucket + (_maxRebalance * (t - _rebalanceBucketAt)) / _rebalanceInterval);
    }

    function _snapStrategies() internal {
        for (uint256 i; i < STRATEGY_COUNT; ++i) {
            MockERC4626Strategy s = _strategies[i];
            _snap[i] = StrategySnap({
                vaultUsdc: usdc.balanceOf(address(s)),
                holding: _sharesValue(s, s.balanceOf(address(reserve))),
                known: !s.failViews()
            });
        }
    }

    /// @dev After a reserve call: USDC into a strategy is a deposit, out of it a redemption (nothing
    /// else moves a vault's USDC within the call). The principal follows them; a deposit into a
    /// strategy whose views revert, or such a strategy left unflagged by a rebalance, is recorded; a
    /// known strategy's exchange must keep the loss rule: the holding rose by at least put − loss
    /// allowed, or fell by at most received + loss allowed; the reserve must report the principal.
    function _afterExchanges(bool isRebalance) internal {
        IReservePool.StrategyInfo[] memory listed = reserve.strategies();
        for (uint256 i; i < STRATEGY_COUNT; ++i) {
            MockERC4626Strategy s = _strategies[i];
            StrategySnap memory was = _snap[i];
            uint256 vaultUsdc = usdc.balanceOf(address(s));
            uint256 holding = _sharesValue(s, s.balanceOf(address(reserve)));
            if (vaultUsdc > was.vaultUsdc) {
                uint256 put = vaultUsdc - was.vaultUsdc;
                _principal[i] += put;
                if (!was.known)
                    _flagUnknownDeposit(string.concat("deposit into a strategy whose views revert: ", vm.toString(i)));
                uint256 gained = holding > was.holding ? holding - was.holding : 0;
                if (gained + _lossAllowed(put) < put) _flagExchangeLoss(i, put, gained);
            } else if (vaultUsdc < was.vaultUsdc) {
                uint256 received = was.vaultUsdc - vaultUsdc;
                _principal[i] = _principal[i] > received ? _principal[i] - received : 0;
                uint256 given = was.holding > holding ? was.holding - holding : 0;
                if (was.known && received + _lossAllowed(given) < given) _flagExchangeLoss(i, given, received);
            }
            _expectEq(listed[i].principal, _principal[i], "strategies(): principal");
            if (isRebalance && !was.known && !listed[i].failed) {
                _flagUnknownDeposit(string.concat("a strategy whose views revert was not flagged: ", vm.toString(i)));
            }
        }
    }

    function _lossAllowed(uint256 given) internal pure returns (uint256) {
        return (given * LOSS_TOLERANCE) / WAD + ROUNDING_UNITS;
    }

    function _flagExchangeLoss(uint256 i, uint256 given, uint256 received) internal {
        ++exchangeLosses;
        if (exchangeLosses != 1) return;
        exchangeLoss = string.concat(
            "strategy ",
            vm.toString(i),
            ": gave ",
            vm.toString(given),
            " for ",
            vm.toString(received)
        );
    }

    function _flagUnknownDeposit(string memory what) internal {
        ++unknownDeposits;
        if (unknownDeposits == 1) unknownDeposit = what;
    }

    function _sharesValue(MockERC4626Strategy s, uint256 shares) internal view returns (uint256) {
        return (shares * (usdc.balanceOf(address(s)) + 1)) / (s.totalSupply() + 1);
    }

    // =================================================================== outflow window

    /// @dev The bucket at `t`: from below refilled (limit × dt / window, rounded down, at most the
    /// limit); from above faded (the same, rounded up, at least the limit).
    function _available(uint256 t) internal view returns (uint256) {
        uint256 dt = t - _bucketAt;
        if (_bucket < _limit) return _min(_limit, _bucket + (_limit * dt) / _window);
        uint256 fade = _mulDivUp(_limit, dt, _window);
        return _bucket - _limit > fade ? _bucket - fade : _limit;
    }

    function _checkBucket() internal {
        _expectEq(psm.availableOutflow(), _available(currentTime), "availableOutflow != the modelled bucket");
    }

    /// @dev Appends a flow with the credit it may start with, from the flows before it alone:
    /// C_i × window = max(0, max over u < i of (window × (net inflow of the flows u … i − 1) −
    /// limit × (t_i − t_u))).
    function _recordFlow(int256 netOut) internal {
        uint256 i = _flowAt.length;
        int256 best;
        int256 inflow; // window × net inflow of the flows u … i − 1
        for (uint256 u = i; u > 0; --u) {
            inflow -= _flowOut[u - 1] * int256(_window);
            int256 credit = inflow - int256(_limit * (currentTime - _flowAt[u - 1]));
            if (credit > best) best = credit;
        }
        _flowAt.push(currentTime);
        _flowOut.push(netOut);
        _flowCredit.push(uint256(best));
    }

    /// @dev Checks every stretch that ends with the redemption just recorded (k):
    /// window × Σ_{j=i..k} out_j ≤ limit × (window + t_k − t_i) + C_i × window.
    function _checkNetOutflow() internal {
        uint256 k = _flowAt.length - 1;
        int256 sum;
        for (uint256 i = k + 1; i > 0; --i) {
            sum += _flowOut[i - 1];
            int256 allowed = int256(_limit * (_window + _flowAt[k] - _flowAt[i - 1]) + _flowCredit[i - 1]);
            if (sum * int256(_window) > allowed) {
                ++windowViolations;
                if (windowViolations == 1) {
                    windowViolation = string.concat(
                        vm.toString(sum),
                        " left net between ",
                        vm.toString(_flowAt[i - 1]),
                        " and ",
                        vm.toString(_flowAt[k]),
                        ", more than limit x (1 + t / window) + the credit then"
                    );
                }
                return;
            }
        }
    }

    // =================================================================== helpers

    function _advance(uint256 dt) internal {
        currentTime += dt;
        vm.warp(currentTime);
    }

    function _mintUsdc(address to, uint256 amount) internal {
        usdc.mint(to, amount);
        usdcMinted += amount;
    }

    function _mintCoin(address to, uint256 amount) internal {
        vm.prank(minter);
        stablecoin.mint(to, amount);
        externalNet += int256(amount);
    }

    function _topUpCoin(address actor, uint256 amount) internal {
        uint256 balance = stablecoin.balanceOf(actor);
        if (balance < amount) _mintCoin(actor, amount - balance);
    }

    /// @dev Whether the call just made emitted StableReadingVetted (consumes the log record).
    function _vettedLogged() internal returns (bool) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(psm) && logs[i].topics[0] == IPegStabilityModule.StableReadingVetted.selector
            ) {
                return true;
            }
        }
        return false;
    }

    /// @dev A safe call (expected empty) must succeed; an unsafe one must revert with exactly `expected`,
    /// and the handler call then ends with `ExpectedRevert`. A disagreement is recorded, not reverted,
    /// so the invariant reports it.
    function _settle(bool ok, bytes memory reason, bytes memory expected, Action action) internal {
        if (expected.length == 0) {
            if (ok) ++successes[action];
            else _mismatch(string.concat(_name(action), ": safe call reverted with ", _hex(reason)));
            return;
        }
        if (ok) {
            _mismatch(string.concat(_name(action), ": unsafe call succeeded; expected ", _hex(expected)));
            return;
        }
        if (keccak256(reason) != keccak256(expected)) {
            _mismatch(string.concat(_name(action), ": reverted with ", _hex(reason), ", expected ", _hex(expected)));
            return;
        }
        revert ExpectedRevert(bytes4(expected));
    }

    function _expectEq(uint256 actual, uint256 predicted, string memory what) internal {
        if (actual != predicted) {
            _mismatch(string.concat(what, ": ", vm.toString(actual), " != predicted ", vm.toString(predicted)));
        }
    }

    function _mismatch(string memory what) internal {
        ++mismatches;
        if (mismatches == 1) mismatch = what;
    }

    function _flagUntrusted(string memory what) internal {
        ++untrustedMints;
        if (untrustedMints == 1) untrustedMint = what;
    }

    function _name(Action action) internal pure returns (string memory) {
        if (action == Action.SwapIn) return "swapIn";
        if (action == Action.SwapOut) return "swapOut";
        return "collectFees";
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

    function _mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y + d - 1) / d;
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IPegStabilityModule} from "../../contracts/interfaces/IPegStabilityModule.sol";
import {IReservePool} from "../../contracts/interfaces/IReservePool.sol";
import {PriceStatus} from "../../contracts/interfaces/IOracleAdapter.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {PegStabilityModule} from "../../contracts/psm/PegStabilityModule.sol";
import {MockERC4626Strategy} from "../../contracts/test/MockERC4626Strategy.sol";
import {PsmHandler} from "./handlers/PsmHandler.sol";
import {BallastFixture} from "./utils/BallastFixture.sol";

/// @title PsmInvariantTest
/// @notice Invariants of the peg stability module and the reserve's USDC under random sequences
/// driven by `PsmHandler` (swaps in and out inside, at and past every limit, fee collection, time,
/// USDC price moves and feed failures, rebalances, strategy gains, losses and failures, coin minted
/// outside the module, USDC donations). The system is the real one: `_deployBallast` as deploy/00–06
/// do, then the module and two ERC-4626 strategies as deploy/08 and 09 do, with the local config's
/// fees (0.1 % each way), window (a day) and depeg tolerance (1 %), and limits scaled down (ceiling
/// 5M, outflow 500k per day, strategy caps 2M and 1M, rebalances of 1M per hour) so that random
/// campaigns reach them. Every invariant is checked after every call by one campaign (`invariant_psmAndReserve`);
/// a failure names its check:
/// (a) redemptions are honoured: no redemption of at most min(USDC the reserve can pay — liquid plus
///     every strategy whose withdrawals work, views or not — , the outflow bucket) by a holder of the
///     coin was refused (`wrongfulRefusals`); the bucket limits net flow: over any stretch of flows
///     ending with a redemption, t long, at most outflowLimit × (1 + t / outflowWindow) of USDC left
///     net of what came in, plus the credit the flows before the stretch left (net inflow less
///     outflowLimit per outflowWindow since; `windowViolations`, out measured at the receivers, in at
///     the reserve); the bucket equals its model and never passes outflowLimit + minted;
/// (b) the reserve's value equals the sum of its holdings computed here: its stablecoin at $1, each
///     collateral at the oracle's price, and its USDC (liquid + every strategy's shares at
///     convertToAssets, from the vault's balances, 0 while the vault's views revert) at the oracle's
///     price; `composition()`, `totalReserveValue()`, `strategyAssets()` and `strategies()` agree;
/// (c) supply: totalSupply = coin minted outside the module + the net coin minted by module calls,
///     and that net equals minted − pendingFees − coin redeemed beyond `minted` (which floors at
///     zero); USDC is conserved; the module holds neither token;
/// (d) strategies (issue 11): no exchange with a strategy whose value is known lost more than
///     0.01 % + 1 unit of what the reserve gave (`exchangeLosses`); no deposit went into a strategy
///     whose views revert, and a rebalance flags such a strategy (`unknownDeposits`); each strategy's
///     principal equals its model and is at most its cap; `strategies()` reports a strategy's value
///     as known exactly when its views work; `availableRebalance()` equals the modelled bucket of
///     1M per hour and no rebalance moved more than it;
/// and the price guard: no mint succeeded while the feed read below 1 − tolerance, failed, stale,
/// out of bounds, or while the oracle adapter did not report USDC live (frozen) (`untrustedMints`);
/// every call matched its prediction (`mismatches`).
/// @dev This file and the handler import the module itself, so that forge builds it with the via-IR
/// profile, as deployed (through the oracle library it uses, which foundry.toml compiles via-IR), and
/// fresh with every run; the test and its handler are then compiled via-IR too (about a minute more
/// when they change). Reading a holder's artifact instead, as `BallastFixture` does for the other
/// contracts, would need foundry.toml's fs_permissions to allow it.
contract PsmInvariantTest is BallastFixture {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant SCALE = 1e12;
    uint256 internal constant FEE = 0.001e18;
    uint256 internal constant MINT_CEILING = 5_000_000e18;
    uint256 internal constant OUTFLOW_LIMIT = 500_000e18;
    uint256 internal constant OUTFLOW_WINDOW = 1 days;
    uint256 internal constant DEPEG_TOLERANCE = 0.01e18;
    uint256 internal constant LIQUID_TARGET = 0.2e18;
    uint256 internal constant MAX_REBALANCE = 1_000_000e6;
    uint256 internal constant REBALANCE_INTERVAL = 1 hours;
    uint256 internal constant FIRST_CAP = 2_000_000e6;
    uint256 internal constant SECOND_CAP = 1_000_000e6;
    address internal constant SINK = 0x000000000000000000000000000000000000dEaD;

    Ballast internal ballast;
    IPegStabilityModule internal psm;
    MockERC4626Strategy[2] internal strategies;
    PsmHandler internal handler;

    function setUp() public {
        vm.warp(START_TIME);
        ballast = _deployBallast(makeAddr("deployer"));
        address minter = makeAddr("minter");
        vm.startPrank(ballast.deployer);
        _deployPsmAndStrategies();
        // Coin minted outside the module, standing in for the vault manager.
        ballast.stablecoin.setModule(minter, true);
        vm.stopPrank();

        handler = new PsmHandler(
            PsmHandler.Deployment({
                deployer: ballast.deployer,
                stablecoin: ballast.stablecoin,
                reserve: ballast.reserve,
                oracle: ballast.oracle,
                vaultManager: ballast.vaultManager,
                engine: ballast.engine,
                psm: PegStabilityModule(address(psm)),
                usdc: ballast.usdc,
                usdcFeed: ballast.usdcUsdFeed,
                strategies: strategies,
                actors: [makeAddr("alice"), makeAddr("bob"), makeAddr("carol"), makeAddr("dave")],
                minter: minter
            })
        );
        _target();
    }

    /// @dev 08_psm and 09_strategies, with the deployer's prank on.
    function _deployPsmAndStrategies() internal {
        psm = IPegStabilityModule(
            address(
                new PegStabilityModule(
                    address(ballast.stablecoin),
                    address(ballast.usdc),
                    address(ballast.oracle),
                    address(ballast.reserve),
                    ballast.deployer
                )
            )
        );
        psm.setFeeIn(FEE);
        psm.setFeeOut(FEE);
        psm.setMintCeiling(MINT_CEILING);
        psm.setOutflowWindow(OUTFLOW_WINDOW);
        psm.setOutflowLimit(OUTFLOW_LIMIT);
        psm.setDepegTolerance(DEPEG_TOLERANCE);
        ballast.stablecoin.setModule(address(psm), true);
        ballast.reserve.setPegStabilityModule(address(psm));
        strategies[0] = new MockERC4626Strategy(IERC20(address(ballast.usdc)), "Strategy A", "sA");
        strategies[1] = new MockERC4626Strategy(IERC20(address(ballast.usdc)), "Strategy B", "sB");
        ballast.reserve.addStrategy(address(strategies[0]), FIRST_CAP);
        ballast.reserve.addStrategy(address(strategies[1]), SECOND_CAP);
        ballast.reserve.setLiquidTarget(LIQUID_TARGET);
        ballast.reserve.setRebalanceInterval(REBALANCE_INTERVAL);
        ballast.reserve.setMaxRebalance(MAX_REBALANCE);
    }

    /// @dev Only the handler's actions are fuzzed; no system contract sends them.
    function _target() internal {
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _fuzzedSelectors()}));
        address[12] memory system = [
            address(ballast.stablecoin),
            address(ballast.reserve),
            address(ballast.oracle),
            address(ballast.vaultManager),
            address(ballast.engine),
            address(ballast.lens),
            address(ballast.usdc),
            address(ballast.usdcUsdFeed),
            address(psm),
            address(strategies[0]),
            address(strategies[1]),
            address(handler)
        ];
        for (uint256 i; i < system.length; ++i) {
            if (system[i] != address(handler)) excludeContract(system[i]);
            excludeSender(system[i]);
        }
    }

    // =================================================================== invariants

    /// @notice (a), (b), (c), (d) and the price guard (see the contract's notes), after every call.
    function invariant_psmAndReserve() public view {
        _checkRedemptions();
        _checkReserveValue();
        _checkSupply();
        _checkStrategies();
        _checkPriceGuard();
    }

    // =================================================================== deterministic tests

    /// @notice A fixed campaign proving the handler exercises both directions: every action succeeds
    /// at least once, the key refusals are predicted and seen, redemptions pull from strategies, run
    /// at the exact edge, and mints find vetted readings; then the invariants hold.
    function test_HandlerCoversEveryOutcome() public {
        bytes4[] memory selectors = _fuzzedSelectors();
        bytes4[] memory reasons = _coveredReasons();
        uint256[] memory succeeded = new uint256[](selectors.length);
        uint256[] memory seen = new uint256[](reasons.length);
        for (uint256 i; i < 2_000; ++i) {
            uint256 k = _weightedAction(_word(i, 99));
            bytes memory data = abi.encodePacked(selectors[k], abi.encode(_word(i, 0), _word(i, 1), _word(i, 2)));
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(handler).call(data);
            if (ok) {
                succeeded[k]++;
                continue;
            }
            if (bytes4(reason) != PsmHandler.ExpectedRevert.selector) {
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
        assertGt(handler.strategyPulls(), 0, "no redemption pulled from a strategy");
        assertGt(handler.edgeRedemptions(), 0, "no redemption at the exact edge");
        assertGt(handler.vettedMints(), 0, "no mint on an already vetted reading");
        assertGt(handler.outflowCount(), 10, "too few redemptions");
        assertGt(handler.rebalanceMoves(), 0, "no rebalance moved anything");
        invariant_psmAndReserve();
    }

    /// @notice The audit's inflation attack (issue 11, finding 1) on the first, still empty,
    /// strategy: 200k donated before anyone deposited, so the reserve's 1M deposit would get 4 shares
    /// worth 960k. It is undone and the strategy flagged, each time; the second strategy fills to its
    /// cap; nothing was lost.
    function test_InflatedStrategyGetsNothing() public {
        handler.strategyGain(0, 200_000e6);
        handler.swapIn(0, 1_500_000e6, 5);
        for (uint256 i; i < 3; ++i) {
            handler.rebalance();
            handler.warp(REBALANCE_INTERVAL << 2); // mode 0: exactly an hour, the bucket refills
        }
        IReservePool.StrategyInfo[] memory listed = ballast.reserve.strategies();
        assertEq(strategies[0].balanceOf(address(ballast.reserve)), 0, "no shares of the inflated vault");
        assertEq(listed[0].principal, 0, "nothing put in");
        assertTrue(listed[0].failed, "flagged");
        assertEq(listed[1].principal, SECOND_CAP, "the second strategy filled to its cap");
        invariant_psmAndReserve();
    }

    /// @notice A strategy whose views revert (issue 11, finding 2) gets no deposit, stays flagged by
    /// every rebalance, counts 0 in the reserve's value, and still pays redemptions.
    function test_FailingViewsGetNothing() public {
        handler.swapIn(0, 1_000_000e6, 5);
        handler.rebalance(); // 800k into the first strategy
        strategies[0].setFailViews(true);
        handler.swapIn(1, 1_000_000e6, 5);
        for (uint256 i; i < 3; ++i) {
            handler.warp(REBALANCE_INTERVAL << 2);
            handler.rebalance();
        }
        IReservePool.StrategyInfo[] memory listed = ballast.reserve.strategies();
        assertEq(listed[0].principal, 800_000e6, "no deposit while its views revert");
        assertFalse(listed[0].known, "unknown");
        assertTrue(listed[0].failed, "flagged");
        assertEq(listed[0].assets, 0, "valued 0");
        invariant_psmAndReserve();
    }

    /// @notice (a) at its exact edge, deterministically, with a strategy whose withdrawals revert:
    /// the redemption that takes exactly the USDC the reserve can pay succeeds; one more wei of coin
    /// (one more USDC unit) is refused with InsufficientStable; the same with the bucket as the limit.
    function test_RedemptionEdgeIsExact() public {
        address alice = handler.actors()[0];
        // 300k USDC in, rebalanced: 20 % liquid, the rest in the first strategy.
        handler.swapIn(0, 300_000e6, 5);
        handler.rebalance();
        assertEq(ballast.usdc.balanceOf(address(ballast.reserve)), 60_000e6, "liquid after rebalance");
        strategies[0].setFailWithdraw(true);
        uint256 payable_ = handler.payableUsdc();
        assertEq(payable_, 60_000e6, "only the liquid USDC is payable");
        _expectRefusal(abi.encodeCall(PsmHandler.swapOut, (0, 0, 4)), IReservePool.InsufficientStable.selector);
        handler.swapOut(0, 0, 3); // exactly the edge
        assertEq(ballast.usdc.balanceOf(address(ballast.reserve)), 0, "the edge takes all the liquid USDC");
        // With the strategy working again, and the credit the swaps in left faded (three days),
        // the bucket (back at 500k) is the limit.
        strategies[0].setFailWithdraw(false);
        handler.swapIn(1, 1_000_000e6, 5);
        assertEq(handler.modelAvailable(), 1_740_000e18, "500k + 300k in - 60k out + 1M in");
        handler.warp((3 days << 2) | 3);
        assertEq(handler.modelAvailable(), OUTFLOW_LIMIT, "the credit faded");
        assertLt(handler.modelAvailable(), handler.payableUsdc() * SCALE, "the bucket is the limit");
        _expectRefusal(
            abi.encodeCall(PsmHandler.swapOut, (0, 0, 4)),
            IPegStabilityModule.OutflowLimitExceeded.selector
        );
        handler.swapOut(0, 0, 3);
        assertLt(psm.availableOutflow(), SCALE, "the edge empties the bucket");
        assertEq(handler.edgeRedemptions(), 2, "edge redemptions");
        assertGt(ballast.usdc.balanceOf(alice), 0, "alice was paid");
        invariant_psmAndReserve();
    }

    /// @notice The price guard at its edge: USDC at 0.98999999 is refused (StableDepegged), at 0.99
    /// accepted; a jump back to par from a recorded 0.88 is refused while frozen, even though the
    /// reading is above the floor, and accepted once a later round confirms it.
    function test_PriceGuardEdge() public {
        address alice = handler.actors()[0];
        ballast.usdc.mint(alice, 1_000e6);
        vm.startPrank(alice);
        ballast.usdc.approve(address(psm), type(uint256).max);
        _setUsdc(98_999_999);
        vm.expectRevert(abi.encodeWithSelector(IPegStabilityModule.StableDepegged.selector, 0.98999999e18, 0.99e18));
        psm.swapStableForCoin(100e6, 0, alice);
        _setUsdc(99_000_000);
        psm.swapStableForCoin(100e6, 0, alice);
        _setUsdc(0.92e8);
        _setUsdc(0.88e8);
        skip(1);
        ballast.usdcUsdFeed.updateAnswer(1e8); // 13.6 % above the last good price
        vm.expectRevert(
            abi.encodeWithSelector(IPegStabilityModule.StableOracleNotLive.selector, uint8(PriceStatus.Frozen))
        );
        psm.swapStableForCoin(100e6, 0, alice);
        ballast.oracle.recordPrice(address(ballast.usdc)); // trips the breaker
        skip(1);
        _setUsdc(1.001e8); // a later round confirms
        psm.swapStableForCoin(100e6, 0, alice);
        vm.stopPrank();
    }

    /// @notice A vetted reading is the reading, not its timestamp: after a mint vets the round at
    /// par, a second round stamped in the same second jumps 15 % (frozen by the adapter); the mint
    /// on it must be refused as the adapter's verdict says, through the handler's prediction.
    function test_SameSecondRoundIsVettedAgain() public {
        handler.swapIn(0, 1_000e6, 5); // vets the round the fixture recorded at par
        assertEq(handler.vettedMints(), 0, "the first mint vets");
        handler.swapIn(0, 1_000e6, 5);
        assertEq(handler.vettedMints(), 1, "the second mint finds the reading vetted");
        // movePrice mode 9 with an even seed: a jump, stamped in the latest round's second.
        uint256 seed = 1_500 << 1; // even, and bound(seed >> 1, 1_100, 2_000) = 1_500: +15 %
        handler.movePrice(seed, 9, 1);
        (, int256 answer, , uint256 updatedAt, ) = ballast.usdcUsdFeed.latestRoundData();
        assertEq(answer, 1.15e8, "jumped 15 %");
        assertEq(updatedAt, START_TIME, "in the same second");
        _expectRefusal(
            abi.encodeCall(PsmHandler.swapIn, (0, 1_000e6, 5)),
            IPegStabilityModule.StableOracleNotLive.selector
        );
        invariant_psmAndReserve();
    }

    // =================================================================== invariant bodies

    function _checkRedemptions() internal view {
        assertEq(handler.wrongfulRefusals(), 0, handler.wrongfulRefusal());
        assertEq(handler.windowViolations(), 0, handler.windowViolation());
        uint256 available = psm.availableOutflow();
        assertEq(available, handler.modelAvailable(), "availableOutflow != the modelled bucket");
        assertLe(available, OUTFLOW_LIMIT + psm.minted(), "bucket above the limit + minted");
    }

    function _checkReserveValue() internal view {
        IReservePool reserve = ballast.reserve;
        IReservePool.Holding[] memory lines = reserve.composition();
        address[] memory collaterals = ballast.vaultManager.collaterals();
        assertEq(lines.length, collaterals.length + 2, "composition: one line per collateral + coin + USDC");

        uint256 coin = ballast.stablecoin.balanceOf(address(reserve));
        _checkLine(lines[0], address(ballast.stablecoin), coin, coin, "stablecoin");
        uint256 total = coin;
        for (uint256 i; i < collaterals.length; ++i) {
            address token = collaterals[i];
            uint256 amount = IERC20(token).balanceOf(address(reserve)) +
                ballast.vaultManager.escrowOf(token, address(reserve)) +
                ballast.engine.collateralState(token).collateralOnSale;
            // The fixture prices every collateral by itself (oracleAsset = token).
            uint256 value = amount == 0 ? 0 : _valueDown(amount, IERC20Metadata(token).decimals(), token);
            _checkLine(lines[i + 1], token, amount, value, "collateral");
            total += value;
        }

        address usdc = address(ballast.usdc);
        uint256 invested;
        IReservePool.StrategyInfo[] memory listed = reserve.strategies();
        assertEq(listed.length, 2, "strategies");
        for (uint256 i; i < 2; ++i) {
            uint256 assets = handler.strategyAssets(i);
            assertEq(listed[i].vault, address(strategies[i]), "strategy order");
            assertEq(listed[i].assets, assets, "strategies(): assets != shares at convertToAssets");
            invested += assets;
        }
        assertEq(reserve.strategyAssets(), invested, "strategyAssets()");
        uint256 usdcAmount = ballast.usdc.balanceOf(address(reserve)) + invested;
        uint256 usdcValue = usdcAmount == 0 ? 0 : _valueDown(usdcAmount, 6, usdc);
        _checkLine(lines[lines.length - 1], usdc, usdcAmount, usdcValue, "USDC");
        total += usdcValue;
        assertEq(reserve.totalReserveValue(), total, "totalReserveValue != sum of the holdings");
    }

    function _checkSupply() internal view {
        int256 supply = int256(ballast.stablecoin.totalSupply());
        assertEq(supply, handler.externalNet() + handler.psmNet(), "supply != minted outside + net by the module");
        assertEq(
            handler.psmNet(),
            int256(psm.minted()) - int256(psm.pendingFees()) - int256(handler.excessRedeemed()),
            "module's net coin != minted - pendingFees - redeemed beyond minted"
        );
        assertLe(psm.minted(), MINT_CEILING, "minted above the ceiling");
        assertEq(ballast.stablecoin.balanceOf(address(psm)), 0, "the module holds coin");
        assertEq(ballast.usdc.balanceOf(address(psm)), 0, "the module holds USDC");

        uint256 held = ballast.usdc.balanceOf(address(ballast.reserve)) + ballast.usdc.balanceOf(SINK);
        for (uint256 i; i < 2; ++i) held += ballast.usdc.balanceOf(address(strategies[i]));
        address[4] memory actors = handler.actors();
        for (uint256 i; i < actors.length; ++i) held += ballast.usdc.balanceOf(actors[i]);
        assertEq(ballast.usdc.totalSupply(), handler.usdcMinted(), "USDC minted outside the handler");
        assertEq(held, handler.usdcMinted(), "USDC conservation: held != minted");
    }

    function _checkStrategies() internal view {
        assertEq(handler.exchangeLosses(), 0, handler.exchangeLoss());
        assertEq(handler.unknownDeposits(), 0, handler.unknownDeposit());
        uint256 available = ballast.reserve.availableRebalance();
        assertEq(available, handler.modelRebalanceAvailable(), "availableRebalance != the modelled bucket");
        assertLe(available, MAX_REBALANCE, "rebalance bucket above the limit");
        IReservePool.StrategyInfo[] memory listed = ballast.reserve.strategies();
        uint256[2] memory caps = [FIRST_CAP, SECOND_CAP];
        for (uint256 i; i < 2; ++i) {
            assertEq(listed[i].principal, handler.principal(i), "principal != its model");
            assertLe(listed[i].principal, caps[i], "principal above the cap");
            assertEq(listed[i].known, !strategies[i].failViews(), "known != views work");
        }
    }

    function _checkPriceGuard() internal view {
        assertEq(handler.untrustedMints(), 0, handler.untrustedMint());
        assertEq(handler.mismatches(), 0, handler.mismatch());
    }

    function _checkLine(
        IReservePool.Holding memory line,
        address asset,
        uint256 amount,
        uint256 value,
        string memory what
    ) internal pure {
        assertEq(line.asset, asset, string.concat("composition: ", what, " asset"));
        assertEq(line.amount, amount, string.concat("composition: ", what, " amount"));
        assertEq(line.value, value, string.concat("composition: ", what, " value"));
    }

    /// @dev amount (in the token's decimals) × the oracle's price (its last good one when not live),
    /// rounded down.
    function _valueDown(uint256 amount, uint8 decimals, address asset) internal view returns (uint256) {
        (uint256 price, ) = ballast.oracle.getPrice(asset);
        return (amount * 10 ** (18 - decimals) * price) / WAD;
    }

    // =================================================================== helpers

    function _setUsdc(int256 answer) internal {
        ballast.usdcUsdFeed.updateAnswer(answer);
        ballast.oracle.recordPrice(address(ballast.usdc));
    }

    /// @dev The handler call must end with the predicted refusal `selector`.
    function _expectRefusal(bytes memory call, bytes4 selector) internal {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(handler).call(call);
        assertFalse(ok, "expected a refusal");
        assertEq(bytes4(reason), PsmHandler.ExpectedRevert.selector, "not a predicted refusal");
        assertEq(abi.decode(_tail(reason), (bytes4)), selector, "refused for another reason");
    }

    function _fuzzedSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](11);
        selectors[0] = PsmHandler.swapIn.selector;
        selectors[1] = PsmHandler.swapOut.selector;
        selectors[2] = PsmHandler.collectFees.selector;
        selectors[3] = PsmHandler.warp.selector;
        selectors[4] = PsmHandler.movePrice.selector;
        selectors[5] = PsmHandler.rebalance.selector;
        selectors[6] = PsmHandler.strategyGain.selector;
        selectors[7] = PsmHandler.strategyLoss.selector;
        selectors[8] = PsmHandler.strategyFlags.selector;
        selectors[9] = PsmHandler.mintExternal.selector;
        selectors[10] = PsmHandler.donateUsdc.selector;
    }

    /// @dev Refusals the deterministic campaign must see at least once.
    function _coveredReasons() internal pure returns (bytes4[] memory reasons) {
        reasons = new bytes4[](9);
        reasons[0] = ErrorsLib.ZeroAmount.selector;
        reasons[1] = ErrorsLib.ZeroAddress.selector;
        reasons[2] = IPegStabilityModule.StableOracleNotLive.selector;
        reasons[3] = IPegStabilityModule.StableDepegged.selector;
        reasons[4] = IPegStabilityModule.MintCeilingExceeded.selector;
        reasons[5] = IPegStabilityModule.SlippageExceeded.selector;
        reasons[6] = IPegStabilityModule.OutflowLimitExceeded.selector;
        reasons[7] = IReservePool.InsufficientStable.selector;
        reasons[8] = IERC20Errors.ERC20InsufficientBalance.selector;
    }

    /// @dev The deterministic campaign's mix: swaps and price moves most often.
    function _weightedAction(uint256 r) internal pure returns (uint256) {
        // Weights per selector, in `_fuzzedSelectors` order.
        uint8[11] memory weights = [14, 16, 3, 5, 8, 4, 2, 2, 3, 2, 1];
        uint256 total;
        for (uint256 k; k < weights.length; ++k) total += weights[k];
        uint256 x = r % total;
        for (uint256 k; k < weights.length; ++k) {
            if (x < weights[k]) return k;
            x -= weights[k];
        }
        return 0;
    }

    function _word(uint256 i, uint256 j) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(i, j)));
    }

    function _tail(bytes memory data) internal pure returns (bytes memory tail) {
        tail = new bytes(data.length - 4);
        for (uint256 i; i < tail.length; ++i) tail[i] = data[i + 4];
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IBallastDollar} from "../../contracts/interfaces/IBallastDollar.sol";
import {IReservePool} from "../../contracts/interfaces/IReservePool.sol";
import {IOracleAdapter, PriceStatus} from "../../contracts/interfaces/IOracleAdapter.sol";
import {IVaultManager} from "../../contracts/interfaces/IVaultManager.sol";
import {IRiskController} from "../../contracts/interfaces/IRiskController.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {MockERC20} from "../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../contracts/test/MockAggregator.sol";
import {RiskHandler} from "./handlers/RiskHandler.sol";
import {BallastFixture} from "./utils/BallastFixture.sol";

/// @dev `RiskControllerArtifact.creationCode`.
interface IRiskControllerArtifact {
    function creationCode() external pure returns (bytes memory);
}

/// @title RiskControllerInvariantTest
/// @notice Invariants of the risk controller (DESIGN.md "Risk controller", IRiskController's NatSpec)
/// under random sequences driven by `RiskHandler`: collateral prices (WETH 18 decimals, WBTC 8) with
/// moves past the oracle's freeze, the stablecoin's market price (the controller's pegAsset) in
/// [0.90, 1.10] or stale, price recording, time from seconds to days, vaults opened, borrowed against
/// and repaid, pokes due and too early, and governance changing every controller rule within its
/// ConstantsLib bounds, unmanaging a collateral, moving the vault manager's liquidation ratio, borrow
/// ratio, fee, debt ceiling and pause cap, and the guardian's pause.
///
/// Checked after every call (`invariant_riskController`) and at the end of every run:
///  1. bounds — every managed collateral's fee (the annual rate the controller reads from the vault
///     manager's per-second fee) lies in [minRate, maxRate] and its borrow ratio in
///     [liquidationRatio, max(maxBorrowRatio, liquidationRatio)], unless a governance change moved
///     the value or its band since the last poke (then it is the value governance or the last poke
///     left, unchanged; the next poke moves it toward the band by a full step or into it, which the
///     handler checks); ConstantsLib's hard bounds always (fee, ratios, every rule);
///  2. steps — each poke moved each fee by at most maxRateStep (or to exactly maxRate while the system
///     breaker holds) and each borrow ratio by at most maxBorrowRatioStep;
///  3. no poke changed a liquidation ratio nor any vault's health factor (read just before and just
///     after the poke, in the same block);
///  4. |integral| ≤ maxPegTerm (the cap in force at the last poke; a poke clamps it to the current
///     one), and so was the poke's peg term;
///  5. a pause set by a poke never shortened the one running and never ran past now + maxPauseDuration;
///  6. poke reverted only with PokeTooSoon(nextPokeAt), exactly when called before nextPokeAt;
/// and every poke's outputs equal the NatSpec's formulas evaluated by the handler (`Check.Model`).
///
/// The controller does not compile without viaIR, and a test that imports it would join the slow
/// via-IR compilation unit, so it is deployed from the creation code that utils/risk/
/// ProtocolArtifacts.sol (`RiskControllerArtifact`) holds, as BallastFixture deploys the rest of the
/// protocol. The system is deployed here without the liquidation engine and the lens, which the
/// controller does not use.
///
/// Runs: 48 × 48 calls from a fixed seed (deterministic, about 3 s); FOUNDRY_PROFILE=deep: 300 × 150.
contract RiskControllerInvariantTest is BallastFixture {
    address internal constant RISK_ARTIFACT = address(uint160(uint256(keccak256("ballast.risk-controller-artifact"))));
    string internal constant RISK_ARTIFACT_NAME = "ProtocolArtifacts.sol:RiskControllerArtifact";
    string internal constant RISK_ARTIFACT_FILE = "out/ProtocolArtifacts.sol/RiskControllerArtifact.json";

    uint256 internal constant WAD = 1e18;
    uint256 internal constant COLLATERALS = 2;

    address internal deployer;
    address internal guardian;
    IBallastDollar internal stablecoin;
    IOracleAdapter internal oracle;
    IVaultManager internal vaultManager;
    IRiskController internal controller;
    MockERC20[2] internal tokens;
    MockAggregator[2] internal feeds;
    MockAggregator internal pegFeed;
    RiskHandler internal handler;

    function setUp() public {
        vm.warp(START_TIME);
        deployer = makeAddr("deployer");
        guardian = makeAddr("guardian");
        _deploySystem();
        handler = new RiskHandler(
            RiskHandler.Deployment({
                deployer: deployer,
                guardian: guardian,
                controller: controller,
                vaultManager: vaultManager,
                oracle: oracle,
                stablecoin: stablecoin,
                tokens: tokens,
                feeds: feeds,
                pegFeed: pegFeed,
                actors: [makeAddr("alice"), makeAddr("bob"), makeAddr("carol")]
            })
        );
        handler.seed();

        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _fuzzedSelectors()}));
        excludeSender(address(handler));
        excludeSender(address(controller));
        excludeSender(address(vaultManager));
        excludeSender(address(oracle));
    }

    // =================================================================== invariants

    /// @notice The six properties of the contract notes, and the handler's per-poke model checks.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    /// forge-config: default.fuzz.seed = "0xba11a57"
    /// forge-config: deep.invariant.runs = 300
    /// forge-config: deep.invariant.depth = 150
    function invariant_riskController() public view {
        _checkAll();
    }

    /// @notice After each run: a due poke at fresh prices succeeds, and everything still holds.
    function afterInvariant() external {
        assertTrue(handler.pokeDueWithFreshPrices(), "a due poke at fresh prices did not succeed");
        _checkAll();
    }

    // =================================================================== deterministic tests

    /// @notice A deterministic campaign: every action succeeds, pokes are both made and refused, the
    /// breakers trip, values outside a new band converge, and no check breaks.
    function test_HandlerCoversEveryAction() public {
        bytes4[] memory selectors = _fuzzedSelectors();
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 k; k < 1_500; ++k) {
            // Nothing allocated in an iteration outlives it: reuse the memory (expansion is quadratic).
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
            uint256 pick = uint256(keccak256(abi.encode("action", k))) % (selectors.length + 4);
            // Extra weight on pokeWhenDue so that sequences of pokes are long enough to converge.
            bytes4 selector = pick < selectors.length ? selectors[pick] : RiskHandler.pokeWhenDue.selector;
            bytes memory data = abi.encodePacked(
                selector,
                abi.encode(_word(k, 0), _word(k, 1), _word(k, 2), _word(k, 3))
            );
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(handler).call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
            _checkAll();
        }
        for (uint256 a; a <= uint256(RiskHandler.Action.SetMaxPauseDuration); ++a) {
            assertGt(
                handler.successes(RiskHandler.Action(a)),
                0,
                string.concat("never succeeded: action ", vm.toString(a))
            );
        }
        assertGt(handler.successes(RiskHandler.Action.Poke), 200, "pokes");
        assertGt(handler.systemBreakerTrips(), 0, "system breaker trips");
        assertGt(handler.systemBreakerPokes(), 0, "pokes under the system breaker");
        assertGt(handler.priceBreakerTrips(), 0, "price breaker trips");
        assertGt(handler.fullFeeSteps(), 0, "full fee steps");
        assertGt(handler.fullBorrowRatioSteps(), 0, "full borrow-ratio steps");
        assertGt(handler.convergingPokes(), 0, "values brought back into a new band");
        assertGt(handler.pauseExtensions(), 0, "pauses extended by a poke");
        assertGt(handler.cappedPauses(), 0, "pauses capped at maxPauseDuration");
        assertGt(handler.saturatedIntegrals(), 0, "saturated integral");
        assertGt(handler.livePegPokes(), 0, "pokes with a live peg error");
        assertGt(handler.brokenFeedPokes(), 0, "pokes while a collateral feed failed");
        assertTrue(handler.pokeDueWithFreshPrices(), "a due poke at fresh prices did not succeed");
        _checkAll();
    }

    /// @notice PokeTooSoon to the second: refused at nextPokeAt − 1 with nextPokeAt, accepted at it.
    function test_PokeTooSoonAtTheSecond() public {
        controller.poke();
        uint256 next = controller.nextPokeAt();
        assertEq(next, block.timestamp + controller.systemRules().pokeInterval, "nextPokeAt");
        vm.warp(next - 1);
        vm.expectRevert(abi.encodeWithSelector(IRiskController.PokeTooSoon.selector, next));
        controller.poke();
        vm.warp(next);
        controller.poke();
        assertEq(controller.state().lastPoke, next, "lastPoke");
    }

    /// @notice A crash below the critical ratio: fees jump to maxRate in one poke, borrow ratios only
    /// step, liquidation ratios and health factors stay, and borrowing halts for the cool-down, capped
    /// at the vault manager's maxPauseDuration.
    function test_SystemBreakerJumpsFeesButNotRatios() public {
        controller.poke();
        uint256 id = vaultManager.vaultCount();
        uint256 t = block.timestamp;
        // −24 % twice, each round recorded and confirmed (the oracle's freeze is at 25 %).
        for (uint256 k; k < 2; ++k) {
            t += 1 hours;
            vm.warp(t);
            for (uint256 i; i < COLLATERALS; ++i) {
                (, int256 answer, , , ) = feeds[i].latestRoundData();
                feeds[i].updateAnswer((answer * 76) / 100);
                oracle.recordPrice(address(tokens[i]));
            }
            pegFeed.updateAnswer(1e8);
        }
        uint256 health = vaultManager.healthFactor(id);
        IVaultManager.CollateralConfig memory before = vaultManager.collateralConfig(address(tokens[0]));
        controller.poke();
        IRiskController.State memory st = controller.state();
        assertEq(st.systemHaltUntil, t + controller.systemRules().coolDown, "system breaker tripped");
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(tokens[0]));
        IRiskController.CollateralRules memory r = controller.collateralRules(address(tokens[0]));
        assertEq(handler.toAnnual(cfg.stabilityFee), r.maxRate, "fee at its ceiling at once");
        assertEq(cfg.liquidationRatio, before.liquidationRatio, "liquidation ratio");
        assertLe(cfg.borrowRatio - before.borrowRatio, r.maxBorrowRatioStep, "borrow ratio stepped");
        assertEq(vaultManager.healthFactor(id), health, "health factor");
        assertEq(cfg.pausedUntil, t + controller.systemRules().coolDown, "halted for the cool-down");
        assertTrue(cfg.paused, "borrowing halted");
    }

    /// @notice A crash that freezes the oracle (−30 %, past its 25 %) halts borrowing at the next poke:
    /// the breaker compares its anchors with the oracle's range and latest round, whatever the status.
    function test_PriceBreakerTripsOnAFrozenCrash() public {
        controller.poke();
        uint256 t = block.timestamp + 30 minutes;
        vm.warp(t);
        (, int256 answer, , , ) = feeds[0].latestRoundData();
        feeds[0].updateAnswer((answer * 70) / 100);
        oracle.recordPrice(address(tokens[0]));
        (, PriceStatus status) = oracle.getPrice(address(tokens[0]));
        assertEq(uint256(status), uint256(PriceStatus.Frozen), "the oracle froze the crash");
        vm.warp(t + 30 minutes);
        feeds[1].updateAnswer(feeds[1].answers(feeds[1].latestRound()));
        pegFeed.updateAnswer(1e8);
        controller.poke();
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(address(tokens[0]));
        assertTrue(cfg.paused, "borrowing halted");
        assertEq(
            controller.collateralState(address(tokens[0])).haltUntil,
            block.timestamp + controller.systemRules().coolDown,
            "price breaker tripped"
        );
        assertFalse(vaultManager.collateralConfig(address(tokens[1])).paused, "WBTC untouched");
    }

    /// @notice A wick inside the hour that no poke sampled trips: the range holds its low.
    function test_PriceBreakerSeesAWickBetweenPokes() public {
        controller.poke();
        uint256 t = block.timestamp;
        (, int256 answer, , , ) = feeds[0].latestRoundData();
        vm.warp(t + 20 minutes);
        feeds[0].updateAnswer((answer * 79) / 100); // −21 %, never recorded
        vm.warp(t + 40 minutes);
        feeds[0].updateAnswer((answer * 895) / 1000); // half recovered
        vm.warp(t + 1 hours);
        feeds[1].updateAnswer(feeds[1].answers(feeds[1].latestRound()));
        pegFeed.updateAnswer(1e8);
        controller.poke();
        assertTrue(vaultManager.collateralConfig(address(tokens[0])).paused, "borrowing halted by the wick");
    }

    // =================================================================== checks

    function _checkAll() internal view {
        _checkViolations();
        for (uint256 i; i < COLLATERALS; ++i) _checkBounds(i);
        _checkRules();
        IRiskController.State memory st = controller.state();
        int256 cap = int256(handler.integralCap());
        assertTrue(st.integral <= cap && st.integral >= -cap, "4: |integral| > maxPegTerm at the last poke");
    }

    /// @dev What the handler recorded at each poke and governance call.
    function _checkViolations() internal view {
        string[7] memory names = [
            "1: bounds",
            "2: step",
            "3: liquidation safety",
            "4: integral",
            "5: pause",
            "6: poke revert",
            "model"
        ];
        for (uint256 k; k < names.length; ++k) {
            RiskHandler.Check check = RiskHandler.Check(k);
            assertEq(handler.violations(check), 0, string.concat(names[k], ": ", handler.firstViolation(check)));
        }
    }

    /// @dev 1: the values on chain against the current rules and the hard bounds.
    function _checkBounds(uint256 i) internal view {
        address token = address(tokens[i]);
        IVaultManager.CollateralConfig memory cfg = vaultManager.collateralConfig(token);
        assertGe(cfg.liquidationRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, "1: liquidation ratio hard bound");
        assertLe(cfg.liquidationRatio, ConstantsLib.MAX_LIQUIDATION_RATIO, "1: liquidation ratio hard bound");
        assertGe(cfg.borrowRatio, cfg.liquidationRatio, "1: borrow ratio below the liquidation ratio");
        assertLe(cfg.borrowRatio, ConstantsLib.MAX_BORROW_RATIO, "1: borrow ratio hard bound");
        assertGe(cfg.stabilityFee, 1e27, "1: fee below 1 RAY");
        assertLe(cfg.stabilityFee, ConstantsLib.MAX_STABILITY_FEE, "1: fee hard bound");
        // Only pokes and the handler's governance calls move them.
        assertEq(cfg.stabilityFee, handler.ghostFee(i), "1: fee moved outside a poke or governance");
        assertEq(cfg.borrowRatio, handler.ghostBorrowRatio(i), "1: borrow ratio moved outside a poke or governance");
        assertEq(cfg.liquidationRatio, handler.ghostLiquidationRatio(i), "1: liquidation ratio moved");

        IRiskController.CollateralRules memory r = controller.collateralRules(token);
        if (r.kink == 0) return;
        if (handler.feeSettled(i)) {
            uint256 rate = handler.toAnnual(cfg.stabilityFee);
            assertGe(rate, r.minRate, "1: fee below minRate");
            assertLe(rate, r.maxRate, "1: fee above maxRate");
        }
        if (handler.borrowRatioSettled(i)) {
            uint256 top = r.maxBorrowRatio > cfg.liquidationRatio ? r.maxBorrowRatio : cfg.liquidationRatio;
            assertLe(cfg.borrowRatio, top, "1: borrow ratio above max(maxBorrowRatio, liquidationRatio)");
        }
    }

    /// @dev 1: every rule the controller holds is inside its ConstantsLib bound.
    function _checkRules() internal view {
        for (uint256 i; i < COLLATERALS; ++i) {
            IRiskController.CollateralRules memory r = controller.collateralRules(address(tokens[i]));
            if (r.kink == 0) continue;
            assertLe(r.kink, WAD, "1: kink");
            assertLe(r.maxRate, ConstantsLib.MAX_CONTROLLED_RATE, "1: maxRate");
            assertTrue(r.minRate <= r.baseRate && r.baseRate <= r.maxRate, "1: minRate <= baseRate <= maxRate");
            assertLe(r.slopeBelowKink, ConstantsLib.MAX_CONTROLLED_RATE, "1: slopeBelowKink");
            assertLe(r.slopeAboveKink, ConstantsLib.MAX_CONTROLLED_RATE, "1: slopeAboveKink");
            assertTrue(r.maxRateStep > 0 && r.maxRateStep <= ConstantsLib.MAX_RATE_STEP, "1: maxRateStep");
            assertLe(r.baseMargin, ConstantsLib.MAX_BASE_MARGIN, "1: baseMargin");
            assertLe(r.volatilityMultiplier, ConstantsLib.MAX_VOLATILITY_MULTIPLIER, "1: volatilityMultiplier");
            assertGe(r.maxBorrowRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, "1: maxBorrowRatio");
            assertLe(r.maxBorrowRatio, ConstantsLib.MAX_BORROW_RATIO, "1: maxBorrowRatio");
            assertTrue(
                r.maxBorrowRatioStep > 0 && r.maxBorrowRatioStep <= ConstantsLib.MAX_BORROW_RATIO_STEP,
                "1: maxBorrowRatioStep"
            );
            assertGe(r.maxPriceMove, ConstantsLib.MIN_PRICE_MOVE, "1: maxPriceMove");
            assertLe(r.maxPriceMove, ConstantsLib.MAX_PRICE_MOVE, "1: maxPriceMove");
            assertGe(r.maxSlowMove, ConstantsLib.MIN_PRICE_MOVE, "1: maxSlowMove");
            assertLe(r.maxSlowMove, ConstantsLib.MAX_PRICE_MOVE, "1: maxSlowMove");
            assertLe(r.stressShock, ConstantsLib.MAX_STRESS_SHOCK, "1: stressShock");
            assertLe(r.saleDiscount, ConstantsLib.MAX_SALE_DISCOUNT, "1: saleDiscount");
        }
        IRiskController.PegRules memory p = controller.pegRules();
        assertLe(p.kp, ConstantsLib.MAX_PEG_GAIN, "1: kp");
        assertLe(p.ki, ConstantsLib.MAX_PEG_GAIN, "1: ki");
        assertLe(p.leakPerDay, ConstantsLib.MAX_PEG_LEAK, "1: leakPerDay");
        assertLe(p.maxPegTerm, ConstantsLib.MAX_CONTROLLED_RATE, "1: maxPegTerm");
        IRiskController.SystemRules memory s = controller.systemRules();
        assertGe(s.pokeInterval, ConstantsLib.MIN_POKE_INTERVAL, "1: pokeInterval");
        assertLe(s.pokeInterval, ConstantsLib.MAX_POKE_INTERVAL, "1: pokeInterval");
        assertGe(s.priceWindow, ConstantsLib.MIN_PRICE_WINDOW, "1: priceWindow");
        assertLe(s.priceWindow, ConstantsLib.MAX_PRICE_WINDOW, "1: priceWindow");
        assertGe(s.slowWindow, s.priceWindow, "1: slowWindow");
        assertLe(s.slowWindow, ConstantsLib.MAX_SLOW_WINDOW, "1: slowWindow");
        assertGe(s.coolDown, ConstantsLib.MIN_BREAKER_COOLDOWN, "1: coolDown");
        assertLe(s.coolDown, ConstantsLib.MAX_BREAKER_COOLDOWN, "1: coolDown");
        assertGe(s.varHorizon, ConstantsLib.MIN_VAR_HORIZON, "1: varHorizon");
        assertLe(s.varHorizon, ConstantsLib.MAX_VAR_HORIZON, "1: varHorizon");
        assertGe(s.criticalCollateralRatio, ConstantsLib.MIN_CRITICAL_RATIO, "1: criticalCollateralRatio");
        assertLe(s.criticalCollateralRatio, ConstantsLib.MAX_CRITICAL_RATIO, "1: criticalCollateralRatio");
        assertLe(s.varConfidence, ConstantsLib.MAX_VAR_CONFIDENCE, "1: varConfidence");
    }

    // =================================================================== setup

    function _fuzzedSelectors() internal pure returns (bytes4[] memory s) {
        s = new bytes4[](14);
        s[0] = RiskHandler.movePrice.selector;
        s[1] = RiskHandler.movePegPrice.selector;
        s[2] = RiskHandler.recordPrices.selector;
        s[3] = RiskHandler.warp.selector;
        s[4] = RiskHandler.openVault.selector;
        s[5] = RiskHandler.borrow.selector;
        s[6] = RiskHandler.repay.selector;
        s[7] = RiskHandler.poke.selector;
        s[8] = RiskHandler.pokeWhenDue.selector;
        s[9] = RiskHandler.setCollateralRules.selector;
        s[10] = RiskHandler.setPegRules.selector;
        s[11] = RiskHandler.setSystemRules.selector;
        s[12] = RiskHandler.pause.selector;
        s[13] = RiskHandler.setVaultParameter.selector;
    }

    function _word(uint256 k, uint256 j) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("word", k, j)));
    }

    /// @dev deploy/00_mocks … 04_vault_manager and 10_risk_controller of the local network
    /// (config/networks.ts), as BallastFixture does, without the liquidation engine and the lens.
    function _deploySystem() internal {
        vm.startPrank(deployer);
        tokens[0] = new MockERC20("Wrapped Ether (test)", "WETH", 18);
        tokens[1] = new MockERC20("Wrapped Bitcoin (test)", "WBTC", 8);
        feeds[0] = new MockAggregator(FEED_DECIMALS, "ETH / USD", ETH_USD_ANSWER);
        feeds[1] = new MockAggregator(FEED_DECIMALS, "BTC / USD", BTC_USD_ANSWER);
        pegFeed = new MockAggregator(FEED_DECIMALS, "BDOL / USD", USD_ANSWER);

        stablecoin = IBallastDollar(_deploy("BallastDollar", abi.encode("Ballast Dollar", "BDOL", deployer)));
        address reserve = _deploy("ReservePool", abi.encode(address(stablecoin), deployer, BUFFER_SHARE));
        stablecoin.setFeeRecipient(reserve);

        _deployOracle();
        vaultManager = IVaultManager(
            _deploy("VaultManager", abi.encode(address(stablecoin), address(oracle), reserve, deployer))
        );
        vaultManager.addCollateral(address(tokens[0]), _vaultParams(address(tokens[0]), WETH_STABILITY_FEE));
        vaultManager.addCollateral(address(tokens[1]), _vaultParams(address(tokens[1]), WBTC_STABILITY_FEE));
        stablecoin.setModule(address(vaultManager), true);
        IReservePool(reserve).setVaultManager(address(vaultManager));
        _deployController();
        vm.stopPrank();
    }

    /// @dev 03_oracle: the three feeds, each price recorded once; the deployer's prank is on.
    function _deployOracle() internal {
        oracle = IOracleAdapter(_deploy("OracleAdapter", abi.encode(deployer, address(0), 0)));
        oracle.setFeed(
            address(tokens[0]),
            _feedParams(
                address(feeds[0]),
                CRYPTO_HEARTBEAT,
                ETH_MIN_PRICE,
                ETH_MAX_PRICE,
                CRYPTO_MAX_DEVIATION,
                CRYPTO_REFERENCE_AGE
            )
        );
        oracle.setFeed(
            address(tokens[1]),
            _feedParams(
                address(feeds[1]),
                CRYPTO_HEARTBEAT,
                BTC_MIN_PRICE,
                BTC_MAX_PRICE,
                CRYPTO_MAX_DEVIATION,
                CRYPTO_REFERENCE_AGE
            )
        );
        oracle.setFeed(
            address(stablecoin),
            _feedParams(
                address(pegFeed),
                USD_HEARTBEAT,
                USD_MIN_PRICE,
                USD_MAX_PRICE,
                USD_MAX_DEVIATION,
                USD_REFERENCE_AGE
            )
        );
        oracle.recordPrice(address(tokens[0]));
        oracle.recordPrice(address(tokens[1]));
        oracle.recordPrice(address(stablecoin));
    }

    /// @dev 10_risk_controller with config/networks.ts `local`'s rules; the deployer's prank is on.
    function _deployController() internal {
        controller = IRiskController(_createController());
        controller.setPegRules(
            IRiskController.PegRules({
                pegAsset: address(stablecoin),
                kp: 1e18,
                ki: 0.5e18,
                leakPerDay: 0.2e18,
                maxPegTerm: 0.1e18
            })
        );
        IRiskController.CollateralRules memory rules = _wethRules();
        controller.setCollateralRules(address(tokens[0]), rules);
        rules.baseRate = 0.015e18;
        rules.stressShock = 0.4e18;
        controller.setCollateralRules(address(tokens[1]), rules);
        IAccessControl(address(vaultManager)).grantRole(vaultManager.RISK_CONTROL_ROLE(), address(controller));
        IAccessControl(address(vaultManager)).grantRole(vaultManager.GUARDIAN_ROLE(), guardian);
    }

    /// @dev The controller's creation code comes from utils/risk/ProtocolArtifacts.sol (see the notes).
    function _createController() internal returns (address deployed) {
        if (RISK_ARTIFACT.code.length == 0) {
            _checkRiskArtifactFresh();
            vm.etch(RISK_ARTIFACT, vm.getDeployedCode(RISK_ARTIFACT_NAME));
        }
        IRiskController.SystemRules memory system = IRiskController.SystemRules({
            pokeInterval: 3600,
            priceWindow: 3600,
            slowWindow: 24 * 3600,
            coolDown: 6 * 3600,
            varHorizon: 24 * 3600,
            criticalCollateralRatio: 1.2e18,
            varConfidence: 2.33e18
        });
        bytes memory code = abi.encodePacked(
            IRiskControllerArtifact(RISK_ARTIFACT).creationCode(),
            abi.encode(address(vaultManager), deployer, system)
        );
        assembly ("memory-safe") {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        if (deployed == address(0)) fail("deploying RiskController");
    }

    /// @dev Refuses stale bytecode, as BallastFixture does for ProtocolArtifacts: every contracts/
    /// source the artifact was built from must still hash as recorded in its metadata.
    function _checkRiskArtifactFresh() internal view {
        string memory json = vm.readFile(RISK_ARTIFACT_FILE);
        string[] memory sources = vm.parseJsonKeys(json, ".metadata.sources");
        uint256 checked;
        for (uint256 i; i < sources.length; ++i) {
            bytes memory path = bytes(sources[i]);
            if (path.length < 10 || bytes10(path) != bytes10("contracts/")) continue;
            bytes32 recorded = vm.parseJsonBytes32(
                json,
                string.concat(".metadata.sources['", sources[i], "'].keccak256")
            );
            if (keccak256(bytes(vm.readFile(sources[i]))) != recorded) {
                fail(
                    string.concat(
                        "stale ",
                        RISK_ARTIFACT_FILE,
                        " (",
                        sources[i],
                        " changed since): run `node scripts/forge.js build` or an unfiltered `forge test`"
                    )
                );
            }
            ++checked;
        }
        if (checked == 0) fail("RiskControllerArtifact metadata lists no contracts/ source");
    }

    /// @dev config/networks.ts WETH_CONTROL.
    function _wethRules() internal pure returns (IRiskController.CollateralRules memory) {
        return
            IRiskController.CollateralRules({
                baseRate: 0.02e18,
                kink: 0.8e18,
                slopeBelowKink: 0.03e18,
                slopeAboveKink: 0.25e18,
                minRate: 0.005e18,
                maxRate: 0.4e18,
                maxRateStep: 0.005e18,
                baseMargin: 0.05e18,
                volatilityMultiplier: 0.1e18,
                maxBorrowRatio: 2.5e18,
                maxBorrowRatioStep: 0.02e18,
                maxPriceMove: 0.15e18,
                maxSlowMove: 0.3e18,
                stressShock: 0.5e18,
                saleDiscount: 0.1e18
            });
    }

    function _vaultParams(
        address token,
        uint96 stabilityFee
    ) internal pure returns (IVaultManager.CollateralParams memory) {
        return
            IVaultManager.CollateralParams({
                oracleAsset: token,
                debtCeiling: DEBT_CEILING,
                minDebt: MIN_DEBT,
                liquidationRatio: LIQUIDATION_RATIO,
                borrowRatio: BORROW_RATIO,
                liquidationPenalty: LIQUIDATION_PENALTY,
                stabilityFee: stabilityFee
            });
    }
}

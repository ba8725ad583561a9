// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IVaultManager} from "../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../contracts/interfaces/ILiquidationEngine.sol";
import {IReservePool} from "../../contracts/interfaces/IReservePool.sol";
import {IReserveLens} from "../../contracts/interfaces/IReserveLens.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {MockERC20} from "../../contracts/test/MockERC20.sol";
import {LiquidationHandler} from "./handlers/LiquidationHandler.sol";
import {LiquidationModel} from "./handlers/LiquidationModel.sol";
import {BallastFixture} from "./utils/BallastFixture.sol";

/// @title LiquidationInvariantTest
/// @notice Invariants of the liquidation engine and the reserve (issue 3, "Forge invariants
/// extended") under random sequences driven by `LiquidationHandler`: vaults opened at and near the
/// borrow ratio, price moves within the oracle's 25 % breaker (and prices set exactly at a vault's
/// liquidation edge), time, keepers liquidating random and unhealthy vaults under random basefees,
/// takes of random amounts at random times with random max prices (from the taker's balance or
/// through a callback), restarts, reserve sales, heals, donations (buffer large or empty), buffer-share
/// and auction-limit changes. Every protocol call is predicted in both directions by the handler's
/// model (a safe call must succeed, an unsafe one must revert with its exact error);
/// `invariant_liquidationAndReserve` checks the invariants after every call, and `afterInvariant`
/// settles every auction at the end of each run and checks them again.
///
/// The supply identity, as tested. With D_c = ⌈totalNormalizedDebt_c × rate_c / RAY⌉ and accruedFees_c
/// from `collateralConfig(c)` (fees accrued but not yet minted to the reserve), U =
/// `totalDebtUnderAuction()`, F = the reserve's `deficit()` and S = `totalSupply()`:
///     E = Σ_c (D_c − accruedFees_c) + U + F − S,   0 ≤ E ≤ Σ over actions of their rounding bound,
/// and E never decreases. Per action, with r = rate / RAY of the collateral after the action's accrual:
///  - borrow / open with debt: ⌈r⌉; partial repay: ⌈r⌉; full repay or close: 1 (VaultManager's NatSpec,
///    see VaultManager.invariant.t.sol for the derivation);
///  - a whole liquidation removes all normalized debt m: D falls by ⌈mr⌉ or ⌈mr⌉ − 1 while the debt
///    ⌈mr⌉ leaves the vault (absorbed: burnt; auctioned: added to U; without collateral: shortfall,
///    burnt or added to F), so E grows by 0 or 1;
///  - a sliced liquidation removes n = ⌊slice / r⌋ (IVaultManager.seize): D falls by ∈ (slice − r − 1,
///    slice], so E grows by at most ⌈r⌉;
///  - everything else moves E by exactly 0: accrual (the fee is exactly the increase of D), minting
///    fees (accruedFees → S), take (U falls by debtPaid + shortfall while debtPaid is burnt and the
///    shortfall is burnt or added to F; the penalty is burnt from the taker and minted to the reserve),
///    keeper pay (from the balance: a transfer; minted: S and F grow alike), heal (S and F fall alike),
///    sales, donations, transfers.
/// So the slack is in the protocol's favour (supply never exceeds what backs it) and is bounded by
/// 1 wei per whole liquidation / full repay and ⌈r⌉ (2 wei while rate < 2 RAY) per borrow, partial
/// repay and sliced liquidation; `roundingBudget` is that sum over the run.
contract LiquidationInvariantTest is BallastFixture {
    using MathLib for uint256;

    uint256 internal constant RAY = 1e27;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant COLLATERAL_COUNT = 2;
    /// @dev config/networks.ts `local` debt ceiling; the fixture lowers it to 2M for the VaultManager
    /// suite, this suite restores it (the treasury vault lends the actors their stablecoin).
    uint256 internal constant LOCAL_DEBT_CEILING = 100_000_000e18;

    Ballast internal ballast;
    LiquidationHandler internal handler;
    address[4] internal actors;
    address[2] internal tokens;

    function setUp() public {
        vm.warp(START_TIME);
        ballast = _deployBallast(makeAddr("deployer"));
        tokens = [address(ballast.weth), address(ballast.wbtc)];
        vm.startPrank(ballast.deployer);
        for (uint256 c; c < COLLATERAL_COUNT; ++c) ballast.vaultManager.setDebtCeiling(tokens[c], LOCAL_DEBT_CEILING);
        vm.stopPrank();
        actors = [makeAddr("alice"), makeAddr("bob"), makeAddr("carol"), makeAddr("dave")];

        handler = new LiquidationHandler(
            LiquidationModel.Deployment({
                deployer: ballast.deployer,
                vaultManager: ballast.vaultManager,
                engine: ballast.engine,
                reserve: ballast.reserve,
                lens: ballast.lens,
                oracle: ballast.oracle,
                stablecoin: ballast.stablecoin,
                tokens: [ballast.weth, ballast.wbtc],
                feeds: [ballast.ethUsdFeed, ballast.btcUsdFeed],
                actors: actors,
                whale: makeAddr("whale"),
                keeper: makeAddr("keeper")
            })
        );
        handler.seed();

        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _fuzzedSelectors()}));
        address[15] memory system = [
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
            address(handler.receiver()),
            address(handler)
        ];
        for (uint256 i; i < system.length; ++i) {
            if (system[i] != address(handler)) excludeContract(system[i]);
            excludeSender(system[i]);
        }
    }

    // =================================================================== invariants (issue 3)

    /// @notice Issue 3's invariants, checked after every call of one campaign (each check is cheap
    /// next to a handler call, and one campaign covers them all at the cost of one; a failure names
    /// its check):
    /// 1. supply identity with the reserve and the auctions: 0 ≤ E ≤ the rounding budget (see above);
    /// 2. a vault at or above its liquidation ratio is never liquidated: no successful liquidation of a
    ///    vault whose health factor was ≥ 1e18 right before (and every liquidate call on such a vault at
    ///    a live price was predicted, and seen, to revert with VaultNotLiquidatable);
    /// 3. an auction never sells below its floor: every successful take's price was at least
    ///    ⌊floorRatio × the live oracle price⌋ at that moment, and so was what was paid per token;
    /// 4. collateral is conserved across the actors, the vault manager (vaults, the reserve's escrow),
    ///    the engine (lots), the reserve and the take receiver; the vault manager holds at least Σ vault
    ///    collateral and the engine at least Σ lots;
    /// and: the engine's counters (debt under auction per collateral and in total, collateral on sale,
    /// the number of running auctions) equal the sums over active auctions; the deficit moves only
    /// through the reserve's KeeperPayMinted / ShortfallCovered (growth) and DeficitHealed (shrinking)
    /// events and never grows while the reserve keeps stablecoin; the reserve's identity holds
    /// (B = buffer + surplus + unbooked over its stored ledgers, a deficit only with empty ledgers) and
    /// its buffer and surplus views follow IReservePool's booking rule.
    function invariant_liquidationAndReserve() public view {
        _checkSupplyIdentity();
        assertEq(handler.healthyLiquidated(), 0, handler.healthyLiquidation());
        assertEq(handler.floorViolations(), 0, handler.floorViolation());
        _checkCollateral();
        _checkDeficit();
    }

    /// @notice After each run every active auction is settled (restarted when it must be, its whole
    /// lot taken), and everything above still holds with no debt left under auction.
    function afterInvariant() external {
        _checkLensAuctions();
        handler.settleAll();
        assertEq(ballast.engine.totalDebtUnderAuction(), 0, "settle: debt left under auction");
        _checkSupplyIdentity();
        _checkCollateral();
        _checkDeficit();
        _checkSnapshot();
        assertEq(handler.healthyLiquidated(), 0, handler.healthyLiquidation());
        assertEq(handler.floorViolations(), 0, handler.floorViolation());
    }

    // =================================================================== deterministic tests

    /// @notice A short deterministic campaign proving the handler exercises both directions: every
    /// action succeeds at least once and the key refusals occur.
    function test_HandlerCoversEveryOutcome() public {
        bytes4[] memory selectors = _fuzzedSelectors();
        bytes4[] memory reasons = _coveredReasons();
        uint256[] memory succeeded = new uint256[](selectors.length);
        uint256[] memory seen = new uint256[](reasons.length);
        for (uint256 i; i < 1_500; ++i) {
            uint256 k = _weightedAction(uint256(keccak256(abi.encode("action", i))));
            bytes memory data = abi.encodePacked(
                selectors[k],
                abi.encode(_word(i, 0), _word(i, 1), _word(i, 2), _word(i, 3))
            );
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(handler).call(data);
            if (ok) {
                succeeded[k]++;
                continue;
            }
            if (bytes4(reason) != LiquidationHandler.ExpectedRevert.selector) {
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
        assertGt(handler.partialLiquidations(), 0, "no sliced liquidation");
        assertGt(handler.shortTakes(), 0, "no auction ended short");
        assertGt(handler.deficitAdded(), 0, "no deficit");
        assertGt(handler.deficitHealed(), 0, "no heal");
        _checkSupplyIdentity();
        _checkCollateral();
        _checkDeficit();
        assertEq(handler.healthyLiquidated(), 0, handler.healthyLiquidation());
        assertEq(handler.floorViolations(), 0, handler.floorViolation());
        handler.settleAll();
        _checkSupplyIdentity();
        _checkCollateral();
    }

    /// @notice Invariant 2 at its exact edge, deterministically: for each WBTC vault opened near the
    /// borrow ratio, the feed moves to the smallest answer at which the vault's collateral value still
    /// covers debt × liquidation ratio (health factor ≥ 1e18): `liquidate` must revert with
    /// VaultNotLiquidatable; one feed unit (1e-8 USD) lower it must succeed. Both through the handler,
    /// so the model checks every effect.
    function test_LiquidationEdgeIsExact() public {
        uint256[4] memory wbtcVaults = [uint256(4), 8, 12, 16];
        for (uint256 i; i < wbtcVaults.length; ++i) {
            uint256 id = wbtcVaults[i];
            assertEq(ballast.vaultManager.vaultCollateral(id), tokens[1], "seeded WBTC vault");
            uint256 snapshot = vm.snapshotState();
            uint256 vaultSeed = ((id - 1) << 4) | 2; // `_pickVault`: the vault at index id − 1
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(handler).call(
                abi.encodeCall(LiquidationHandler.liquidateAtEdge, (vaultSeed, 0, 1))
            );
            assertFalse(ok, "liquidated at its liquidation ratio");
            assertEq(bytes4(reason), LiquidationHandler.ExpectedRevert.selector, "not a predicted refusal");
            assertEq(
                abi.decode(_tail(reason), (bytes4)),
                IVaultManager.VaultNotLiquidatable.selector,
                "refused for another reason"
            );
            handler.liquidateAtEdge(vaultSeed, 1, 1);
            assertEq(ballast.vaultManager.debtOf(id), 0, "the unhealthy vault was not liquidated whole");
            vm.revertToState(snapshot);
        }
        assertEq(handler.healthyLiquidated(), 0, handler.healthyLiquidation());
    }

    // =================================================================== invariant bodies

    function _checkSupplyIdentity() internal view {
        int256 e;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            IVaultManager.CollateralConfig memory cfg = ballast.vaultManager.collateralConfig(tokens[c]);
            e += int256(cfg.totalNormalizedDebt.rayMulUp(cfg.rateAccumulator)) - int256(cfg.accruedFees);
        }
        e += int256(ballast.engine.totalDebtUnderAuction()) + int256(ballast.reserve.deficit());
        e -= int256(ballast.stablecoin.totalSupply());
        assertGe(e, 0, "supply identity: supply exceeds debt + auctions + deficit");
        assertLe(e, int256(handler.roundingBudget()), "supply identity: slack above the rounding budget");
        assertEq(e, handler.excess(), "supply identity: E changed outside the handler's actions");
    }

    function _checkCollateral() internal view {
        uint256 vaultCount = ballast.vaultManager.vaultCount();
        IVaultManager.Vault[] memory vaults = ballast.vaultManager.vaults(1, vaultCount);
        uint256 auctionCount = ballast.engine.auctionCount();
        uint256 totalUnderAuction;
        uint256 active;
        for (uint256 id = 1; id <= auctionCount; ++id) {
            if (ballast.engine.auctionInfo(id).collateral != address(0)) ++active;
        }
        assertEq(ballast.engine.activeAuctionCount(), active, "activeAuctionCount != number of running auctions");
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            MockERC20 token = MockERC20(tokens[c]);
            address[10] memory holders = handler.holders();
            uint256 held;
            for (uint256 i; i < holders.length; ++i) held += token.balanceOf(holders[i]);
            assertEq(held, handler.collateralMinted(c), "collateral conservation: held != minted");
            assertEq(token.totalSupply(), handler.collateralMinted(c), "collateral minted outside the handler");

            uint256 inVaults;
            for (uint256 i; i < vaults.length; ++i)
                if (vaults[i].collateral == tokens[c]) inVaults += vaults[i].collateralAmount;
            uint256 manager = token.balanceOf(address(ballast.vaultManager));
            uint256 escrow = ballast.vaultManager.escrowOf(tokens[c], address(ballast.reserve));
            assertEq(ballast.vaultManager.collateralConfig(tokens[c]).totalCollateral, inVaults, "totalCollateral");
            assertGe(manager, inVaults, "vault manager holds less than the vaults' collateral");
            assertEq(
                manager,
                inVaults + escrow + handler.donatedToManager(c),
                "vault manager: balance != vaults + escrow + donations"
            );

            (uint256 lots, uint256 saleLots, uint256 debt) = _auctionSums(tokens[c], auctionCount);
            uint256 engineHeld = token.balanceOf(address(ballast.engine));
            assertGe(engineHeld, lots, "engine holds less than its lots");
            assertEq(engineHeld, lots + handler.donatedToEngine(c), "engine: balance != lots + donations");
            ILiquidationEngine.CollateralState memory state = ballast.engine.collateralState(tokens[c]);
            assertEq(state.collateralOnSale, saleLots, "collateralOnSale != sum of sale lots");
            assertEq(state.debtUnderAuction, debt, "debtUnderAuction != sum of active auctions' debt");
            totalUnderAuction += debt;
        }
        assertEq(ballast.engine.totalDebtUnderAuction(), totalUnderAuction, "totalDebtUnderAuction != sum");
    }

    function _auctionSums(
        address token,
        uint256 auctionCount
    ) internal view returns (uint256 lots, uint256 saleLots, uint256 debt) {
        for (uint256 id = 1; id <= auctionCount; ++id) {
            ILiquidationEngine.AuctionView memory a = ballast.engine.auctionInfo(id);
            if (a.collateral != token) continue;
            assertGt(a.lot, 0, "active auction without a lot");
            lots += a.lot;
            debt += a.debt;
            if (a.owner == address(ballast.reserve)) {
                saleLots += a.lot;
                assertEq(a.debt, 0, "reserve sale with debt");
            } else {
                assertGe(a.tab, a.debt, "tab below its debt");
            }
        }
    }

    function _checkDeficit() internal view {
        assertEq(handler.deficitViolations(), 0, handler.deficitViolation());
        assertEq(
            ballast.reserve.deficit(),
            handler.deficitAdded() - handler.deficitHealed(),
            "deficit != added by KeeperPayMinted/ShortfallCovered - healed by DeficitHealed"
        );
        // The reserve's identity over its stored ledgers and its views as the booking rule gives them.
        handler.checkReserveLedgers();
    }

    /// @dev The lens's system snapshot agrees with the contracts it reads.
    function _checkSnapshot() internal view {
        IReserveLens.SystemSnapshot memory snap = ballast.lens.systemSnapshot();
        uint256 vaultDebt;
        for (uint256 c; c < COLLATERAL_COUNT; ++c) vaultDebt += ballast.vaultManager.totalDebt(tokens[c]);
        assertEq(snap.totalDebtUnderAuction, ballast.engine.totalDebtUnderAuction(), "lens: debt under auction");
        assertEq(snap.totalDebt, vaultDebt + snap.totalDebtUnderAuction, "lens: total debt");
        assertEq(snap.stablecoinSupply, ballast.stablecoin.totalSupply(), "lens: supply");
        assertEq(snap.deficit, ballast.reserve.deficit(), "lens: deficit");
        assertEq(snap.stabilityBuffer, ballast.reserve.stabilityBuffer(), "lens: buffer");
        assertEq(snap.auctionCount, ballast.engine.auctionCount(), "lens: auction count");
        assertEq(snap.vaultCount, ballast.vaultManager.vaultCount(), "lens: vault count");
    }

    /// @dev The lens's auction page agrees with the engine (what a keeper bot scans).
    function _checkLensAuctions() internal view {
        uint256 count = ballast.engine.auctionCount();
        IReserveLens.AuctionStatus[] memory page = ballast.lens.activeAuctions(1, count);
        uint256 k;
        for (uint256 id = 1; id <= count; ++id) {
            ILiquidationEngine.AuctionView memory a = ballast.engine.auctionInfo(id);
            if (a.collateral == address(0)) continue;
            assertLt(k, page.length, "lens: active auction missing");
            IReserveLens.AuctionStatus memory entry = page[k++];
            (uint256 price, bool needsReset) = ballast.engine.auctionPrice(id);
            assertEq(entry.auctionId, id, "lens: auction id");
            assertEq(entry.lot, a.lot, "lens: lot");
            assertEq(entry.tab, a.tab, "lens: tab");
            assertEq(entry.debt, a.debt, "lens: debt");
            assertEq(entry.price, price, "lens: price");
            assertEq(entry.needsReset, needsReset, "lens: needsReset");
        }
        assertEq(page.length, k, "lens: ended auction listed");
    }

    // =================================================================== helpers

    function _fuzzedSelectors() internal pure returns (bytes4[] memory selectors) {
        selectors = new bytes4[](17);
        selectors[0] = LiquidationHandler.openVault.selector;
        selectors[1] = LiquidationHandler.borrowToEdge.selector;
        selectors[2] = LiquidationHandler.repay.selector;
        selectors[3] = LiquidationHandler.accrue.selector;
        selectors[4] = LiquidationHandler.warp.selector;
        selectors[5] = LiquidationHandler.movePrice.selector;
        selectors[6] = LiquidationHandler.liquidate.selector;
        selectors[7] = LiquidationHandler.liquidateUnhealthy.selector;
        selectors[8] = LiquidationHandler.liquidateAtEdge.selector;
        selectors[9] = LiquidationHandler.take.selector;
        selectors[10] = LiquidationHandler.redo.selector;
        selectors[11] = LiquidationHandler.sellCollateral.selector;
        selectors[12] = LiquidationHandler.heal.selector;
        selectors[13] = LiquidationHandler.donateStable.selector;
        selectors[14] = LiquidationHandler.donateCollateral.selector;
        selectors[15] = LiquidationHandler.setBufferShare.selector;
        selectors[16] = LiquidationHandler.setAuctionLimits.selector;
    }

    /// @dev Refusals the deterministic campaign must see at least once. (TakeLeavesDust needs an
    /// auction whose whole tab is at most the dust, which only a buffer ending within ~90 BDOL of a
    /// vault's debt creates; the handler aims for it, but not reliably within this campaign.)
    function _coveredReasons() internal pure returns (bytes4[] memory reasons) {
        reasons = new bytes4[](16);
        reasons[0] = IVaultManager.VaultNotLiquidatable.selector;
        reasons[1] = IVaultManager.UnknownVault.selector;
        reasons[2] = IVaultManager.NoDebt.selector;
        reasons[3] = IVaultManager.LiquidationLimitReached.selector;
        reasons[4] = ILiquidationEngine.AuctionNeedsReset.selector;
        reasons[5] = ILiquidationEngine.PriceAboveMax.selector;
        reasons[6] = ILiquidationEngine.RedoNotNeeded.selector;
        reasons[7] = ILiquidationEngine.AuctionNotActive.selector;
        reasons[8] = ILiquidationEngine.LotTooSmall.selector;
        reasons[9] = IReservePool.NothingToHeal.selector;
        reasons[10] = IReservePool.InsufficientReserveCollateral.selector;
        reasons[11] = IERC20Errors.ERC20InsufficientBalance.selector;
        reasons[12] = ErrorsLib.ZeroAddress.selector;
        reasons[13] = ErrorsLib.ZeroAmount.selector;
        reasons[14] = ErrorsLib.NoChange.selector;
        reasons[15] = ILiquidationEngine.TakeLeavesDustLot.selector;
    }

    /// @dev The deterministic campaign's mix: keeper actions and price moves more often than
    /// donations and governance, so that the reserve runs dry and auctions end short within it.
    function _weightedAction(uint256 r) internal pure returns (uint256) {
        // Weights per selector, in `_fuzzedSelectors` order.
        uint8[17] memory weights = [6, 4, 4, 3, 4, 8, 6, 8, 6, 12, 4, 3, 3, 2, 2, 3, 3];
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

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IReservePool} from "../../../contracts/interfaces/IReservePool.sol";
import {IReserveLens} from "../../../contracts/interfaces/IReserveLens.sol";
import {PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {ErrorsLib} from "../../../contracts/libraries/ErrorsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {Vm} from "../utils/Test.sol";
import {LiquidationModel} from "./LiquidationModel.sol";
import {TakeReceiver} from "./TakeReceiver.sol";

/// @title LiquidationHandler
/// @notice Invariant-campaign handler for the liquidation engine and the reserve, in the style of
/// `VaultHandler`: before every protocol call, `LiquidationModel` predicts from the chain's pre-state
/// (read through the contracts' views) whether the call must succeed and, if not, its
/// exact revert data, from the interfaces' NatSpec. Both directions are asserted: a call predicted
/// safe must not revert, one predicted unsafe must revert with exactly that error (the handler call
/// then ends with `ExpectedRevert`, which forge counts as an ordinary revert). After a success the
/// predicted effects are compared with the chain: the liquidated slice, the collateral credited to
/// the reserve's escrow, sent to the engine or left in the vault, the auction's lot, tab, debt and
/// start time, the taker's amounts and callback, the keeper's pay, the reserve's balance and deficit.
///
/// Ghosts surfaced as invariants by `LiquidationInvariantTest`:
///  - supply identity: E = Σ_c (⌈totalNormalizedDebt_c × rate_c⌉ − accruedFees_c) + totalDebtUnderAuction
///    + deficit − totalSupply, measured around every action: it never falls and grows by at most the
///    action's rounding bound; `roundingBudget` is the sum of those bounds (see the test's notes);
///  - `healthyLiquidated`: successful liquidations of a vault whose `healthFactor` was ≥ 1e18 right
///    before (read independently of the model);
///  - `floorViolations`: successful takes whose price (from the `Taken` event) was below
///    ⌊floorRatio × the live oracle price⌋ read right before, or whose payment was worth less than
///    that per token received;
///  - the deficit ledger: every change of `deficit()` is matched by the reserve's KeeperPayMinted /
///    ShortfallCovered (growth) and DeficitHealed (shrinking) events, and no call adds deficit while
///    the reserve keeps stablecoin (`deficitViolations`);
///  - collateral minted to the actors and donated to the vault manager and the engine.
// A handler with ghosts for several invariants and a per-action scratch needs the state.
// solhint-disable-next-line max-states-count
contract LiquidationHandler is LiquidationModel {
    using MathLib for uint256;

    /// @notice The protocol call reverted exactly as the model predicted.
    error ExpectedRevert(bytes4 selector);

    enum Action {
        OpenVault,
        BorrowToEdge,
        Repay,
        Accrue,
        Warp,
        MovePrice,
        Liquidate,
        LiquidateUnhealthy,
        LiquidateAtEdge,
        Take,
        Redo,
        SellCollateral,
        Heal,
        DonateStable,
        DonateCollateral,
        SetBufferShare,
        SetAuctionLimits
    }

    uint256 internal constant MAX_MOVE_BPS = 2_000; // ±20 %: inside the oracle's 25 % breaker
    uint256 internal constant TREASURY_SEED = 20_000_000e18;
    uint256 internal constant TREASURY_TOPUP = 1_000_000e18;
    uint256 internal constant MAX_DONATION = 200_000e18;

    TakeReceiver public immutable receiver;

    // ------------------------------------------------------------------ ghosts
    uint256[2] internal _collateralMinted;
    uint256[2] internal _donatedToManager;
    uint256[2] internal _donatedToEngine;
    int256 public excess;
    uint256 public roundingBudget;
    uint256 public deficitAdded;
    uint256 public deficitHealed;
    uint256 public healthyLiquidated;
    string public healthyLiquidation;
    uint256 public floorViolations;
    string public floorViolation;
    uint256 public deficitViolations;
    string public deficitViolation;
    mapping(Action action => uint256) public successes;
    /// @notice Liquidations that took a slice (not the whole debt), takes that ended an auction short.
    uint256 public partialLiquidations;
    uint256 public shortTakes;
    uint256 public whaleVault;

    // ------------------------------------------------------------------ per-action scratch
    int256 internal _excessBefore;
    uint256 internal _deficitBefore;
    uint256 internal _opBound;
    /// @dev Deficit events read (and so consumed) from the log record mid-action, kept for `_end`.
    uint256 internal _pendingAdded;
    uint256 internal _pendingHealed;
    bool internal _scripted;

    modifier scripted() {
        _scripted = true;
        _;
        _scripted = false;
    }

    /// @dev Runs the action in an external self-call and inspects any revert: only `ExpectedRevert` and
    /// assertion failures may leave the handler (see VaultHandler.guarded).
    modifier guarded() {
        if (msg.sender == address(this)) {
            _;
        } else {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = address(this).call(msg.data);
            if (!ok) _rethrowIfExpected(reason);
        }
    }

    /// @dev Re-applies the handler's clock (forge keeps warps across calls nowadays; this keeps the
    /// handler right on versions that do not).
    modifier syncTime() {
        if (block.timestamp != currentTime) vm.warp(currentTime);
        _;
    }

    constructor(Deployment memory d) LiquidationModel(d) {
        receiver = new TakeReceiver(address(d.engine), address(d.stablecoin));
        for (uint256 i; i < ACTOR_COUNT; ++i) receiver.trust(d.actors[i]);
        _holders = [
            d.actors[0],
            d.actors[1],
            d.actors[2],
            d.actors[3],
            d.whale,
            d.keeper,
            address(receiver),
            address(d.vaultManager),
            address(d.engine),
            address(d.reserve)
        ];
        for (uint256 c; c < COLLATERAL_COUNT; ++c) {
            for (uint256 i; i < HOLDER_COUNT - 3; ++i) {
                vm.prank(_holders[i]);
                _tokens[c].approve(address(d.vaultManager), type(uint256).max);
            }
        }
        excess = supplyExcess();
    }

    // =================================================================== fuzzed actions: vaults

    /// @notice An actor opens a vault at a collateral ratio from the borrow ratio up to 2.4.
    function openVault(
        uint256 actorSeed,
        uint256 collateralSeed,
        uint256 ratioSeed,
        uint256 debtSeed
    ) external guarded syncTime {
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        uint256 ratio = ratioSeed % 4 == 0 ? _collateral(c).borrowRatio : bound(ratioSeed >> 2, 1.6e18, 2.4e18);
        uint256 debt = debtSeed % 8 == 0 ? _collateral(c).minDebt : bound(debtSeed >> 3, 500e18, 40_000e18);
        _begin();
        _openVault(_actor(actorSeed), c, debt, ratio);
        _end(Action.OpenVault);
    }

    /// @notice A vault's owner borrows (about) all the borrow ratio allows, leaving the vault at the
    /// edge where a small price fall makes it liquidatable.
    function borrowToEdge(uint256 vaultSeed, uint256 amountSeed) external guarded syncTime {
        uint256 vaultId = _pickVault(vaultSeed, false);
        VaultState memory v = _vault(vaultId);
        uint256 amount = 1;
        if (v.collateral != address(0)) {
            uint256 c = _index(v.collateral);
            uint256 headroom = _borrowHeadroom(c, v.collateralAmount, v.normalizedDebt);
            uint256 mode = amountSeed % 4;
            if (mode == 0) amount = headroom;
            else if (mode == 1) amount = headroom + bound(amountSeed >> 2, 1, 3);
            else amount = headroom - (headroom * bound(amountSeed >> 2, 0, 100)) / BPS;
            if (amount == 0) amount = 1;
        }
        _begin();
        _borrow(v.collateral == address(0) ? _actors[0] : v.owner, vaultId, amount, v.owner);
        _end(Action.BorrowToEdge);
    }

    /// @notice Any actor repays part or all of a vault's debt (funded by the treasury).
    function repay(uint256 actorSeed, uint256 vaultSeed, uint256 amountSeed) external guarded syncTime {
        uint256 vaultId = _pickVault(vaultSeed, true);
        VaultState memory v = _vault(vaultId);
        uint256 amount = 1;
        if (v.collateral != address(0) && v.normalizedDebt != 0) {
            uint256 c = _index(v.collateral);
            uint256 debt = v.normalizedDebt.rayMulUp(vaultManager.currentRate(v.collateral));
            uint256 minDebt = _collateral(c).minDebt;
            uint256 mode = amountSeed % 4;
            if (mode == 0) amount = debt;
            else if (debt > minDebt + 1) amount = bound(amountSeed >> 2, 1, debt - minDebt);
            else amount = debt;
        }
        address payer = _actor(actorSeed);
        _begin();
        _fundStable(payer, amount);
        _repay(payer, vaultId, amount);
        _end(Action.Repay);
    }

    /// @notice Accrues a collateral's interest and mints the fees to the reserve (the buffer grows).
    function accrue(uint256 collateralSeed) external guarded syncTime {
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        address token = address(_tokens[c]);
        _begin();
        uint256 reserveBefore = stablecoin.balanceOf(address(reserve));
        uint256 fees = vaultManager.pendingFees(token);
        vaultManager.accrue(token);
        assertEq(stablecoin.balanceOf(address(reserve)), reserveBefore + fees, "accrue: fees minted to the reserve");
        assertEq(vaultManager.collateralConfig(token).accruedFees, 0, "accrue: accrued fees left");
        _end(Action.Accrue);
    }

    // =================================================================== fuzzed actions: time and prices

    /// @notice Time passes: usually minutes, sometimes days (fees accrue); usually both feeds then
    /// publish a fresh round at their price, sometimes (1 in 8) they do not and may go stale.
    function warp(uint256 secondsSeed, uint256 refreshSeed) external guarded syncTime {
        uint256 mode = secondsSeed % 4;
        uint256 dt = mode == 0 ? bound(secondsSeed >> 2, 1 days, 5 days) : bound(secondsSeed >> 2, 1, 1 hours);
        _begin();
        _advance(dt);
        if (refreshSeed % 8 != 0) _refreshFeeds();
        _end(Action.Warp);
    }

    /// @notice One feed moves by up to ±20 % of the last good price (inside the 25 % breaker) a few
    /// minutes later; 1 in 8 a crash (three falls of 15–20 % minutes apart), 1 in 8 a rally (two
    /// rises). Prices stay within 0.3x … 3x of the deployment price.
    function movePrice(uint256 assetSeed, uint256 moveSeed, uint256 delaySeed) external guarded syncTime {
        uint256 c = assetSeed % COLLATERAL_COUNT;
        uint256 kind = moveSeed % 8;
        _begin();
        if (kind < 2) {
            for (uint256 i; i < 3 - kind; ++i) {
                uint256 r = uint256(keccak256(abi.encode(moveSeed, i)));
                _advance(bound(r, 1 minutes, 10 minutes));
                _publishMove(c, kind == 1, bound(r >> 16, 1_500, MAX_MOVE_BPS));
            }
        } else {
            _advance(bound(delaySeed, 1, 10 minutes));
            _publishMove(c, (moveSeed >> 3) % 2 == 0, bound(moveSeed >> 4, 0, MAX_MOVE_BPS));
        }
        _end(Action.MovePrice);
    }

    // =================================================================== fuzzed actions: liquidation

    /// @notice A keeper liquidates a random vault id: healthy, unhealthy, without debt, closed or unknown.
    function liquidate(uint256 vaultSeed, uint256 keeperSeed, uint256 basefeeSeed) external guarded syncTime {
        uint256 vaultId = _pickVault(vaultSeed, true);
        _begin();
        _liquidate(vaultId, _keeperFor(keeperSeed), _caller(keeperSeed >> 8), basefeeSeed);
        _end(Action.Liquidate);
    }

    /// @notice A keeper scans the vaults through the lens, as the bot does, and liquidates one whose
    /// health factor is below 1 (or a random one when there is none).
    function liquidateUnhealthy(uint256 vaultSeed, uint256 keeperSeed, uint256 basefeeSeed) external guarded syncTime {
        uint256 found = _pickUnhealthy(vaultSeed);
        _begin();
        _liquidate(found, _keeperFor(keeperSeed), _caller(keeperSeed >> 8), basefeeSeed);
        _end(Action.LiquidateUnhealthy);
    }

    /// @notice The price of a vault's collateral moves to exactly where the vault is at its
    /// liquidation ratio (healthy: the smallest feed answer with value ≥ debt × ratio), or one feed unit
    /// below it (unhealthy), or a unit further on either side; then a keeper liquidates that vault.
    /// When the edge is more than 20 % away, the price moves 20 % towards it instead.
    function liquidateAtEdge(uint256 vaultSeed, uint256 sideSeed, uint256 keeperSeed) external guarded syncTime {
        uint256 vaultId = _pickVault(vaultSeed, true);
        _begin();
        _advance(1);
        VaultState memory v = _vault(vaultId);
        if (v.collateral != address(0) && v.normalizedDebt != 0 && v.collateralAmount != 0) {
            _priceToEdge(_index(v.collateral), v, sideSeed % 4);
        } else {
            _refreshFeeds();
        }
        _liquidate(vaultId, _keeperFor(keeperSeed), _caller(keeperSeed >> 8), sideSeed >> 2);
        _end(Action.LiquidateAtEdge);
    }

    /// @notice A random amount of a random auction (sometimes an inactive id) is taken at a random time,
    /// with a random maxPrice, by an actor paying from its balance or through the callback receiver.
    function take(
        uint256 auctionSeed,
        uint256 amountSeed,
        uint256 priceSeed,
        uint256 timeSeed
    ) external guarded syncTime {
        uint256 auctionId = _pickAuction(auctionSeed);
        _begin();
        // Seven times in eight the taker is a keeper that first restarts the auction if it is stale
        // (as the bot does), then takes some time later; otherwise it takes the auction as it is.
        if ((timeSeed >> 32) % 8 != 0 && engine.auctionInfo(auctionId).collateral != address(0)) {
            _refreshFeeds();
            (, bool needsReset) = engine.auctionPrice(auctionId);
            if (needsReset) _redoScripted(auctionId);
        }
        if (timeSeed % 4 != 0) {
            _advance(_takeDelay(timeSeed >> 2));
            _refreshFeeds();
        }
        TakeInput memory t = _takeInput(auctionId, amountSeed, priceSeed, timeSeed >> 64);
        _take(t);
        _end(Action.Take);
    }

    /// @notice A keeper restarts an auction, sometimes after some time has passed.
    function redo(
        uint256 auctionSeed,
        uint256 keeperSeed,
        uint256 basefeeSeed,
        uint256 timeSeed
    ) external guarded syncTime {
        uint256 auctionId = _pickAuction(auctionSeed);
        _begin();
        if (timeSeed % 2 == 0) {
            _advance(_takeDelay(timeSeed >> 1));
            _refreshFeeds();
        }
        _redo(auctionId, _keeperFor(keeperSeed), _caller(keeperSeed >> 8), basefeeSeed);
        _end(Action.Redo);
    }

    /// @notice Anyone puts part, all or more than all of the reserve's collateral (its escrow in the
    /// vault manager and what it holds) on sale, sometimes a lot around the dust's worth (LotTooSmall).
    function sellCollateral(uint256 collateralSeed, uint256 amountSeed, uint256 callerSeed) external guarded syncTime {
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        address token = address(_tokens[c]);
        uint256 owned = _tokens[c].balanceOf(address(reserve)) + vaultManager.escrowOf(token, address(reserve));
        uint256 mode = amountSeed % 8;
        uint256 s = amountSeed >> 3;
        uint256 amount;
        if (mode == 0) amount = s % 4 == 0 ? 0 : bound(s, 1, owned + 1);
        else if (mode == 1) amount = owned + bound(s, 1, 1e18);
        else if (mode < 4) amount = owned;
        else if (mode == 4) {
            (uint256 price, ) = oracle.getPrice(token);
            uint256 dustAmount = _amountForValueUp(c, _auction(c).dust, price);
            amount = bound(s, dustAmount > 2 ? dustAmount - 2 : 1, dustAmount + 2);
        } else amount = bound(s, 1, owned > 1 ? owned : 1);
        _begin();
        _sell(c, amount, _caller(callerSeed));
        _end(Action.SellCollateral);
    }

    /// @notice Anyone heals: burns the reserve's stablecoin against the deficit. Half the time an
    /// actor first gives the reserve up to twice the deficit (new surplus pays the deficit first).
    function heal(uint256 callerSeed, uint256 amountSeed) external guarded syncTime {
        _begin();
        uint256 owed = reserve.deficit();
        if (amountSeed % 2 == 0 && owed != 0) {
            address actor = _actor(amountSeed >> 1);
            uint256 amount = bound(amountSeed >> 8, 1, 2 * owed);
            _fundStable(actor, amount);
            vm.prank(actor);
            assertTrue(stablecoin.transfer(address(reserve), amount), "donation returned false");
        }
        _heal(_caller(callerSeed));
        _end(Action.Heal);
    }

    /// @notice An actor gives the reserve stablecoin: usually a little, sometimes a lot (a large
    /// buffer). 1 in 8, the buffer is brought to just short of (or exactly) the debt of an unhealthy
    /// vault, by a donation or, when the buffer is already larger, by governance lowering the buffer
    /// share; a keeper then liquidates that vault: absorbed in part, with an auctioned tail around the
    /// dust (or refused when the tail would carry no collateral).
    function donateStable(uint256 actorSeed, uint256 amountSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 mode = amountSeed % 8;
        uint256 amount = bound(
            amountSeed >> 3,
            1,
            mode < 5
                ? 1_000e18
                : mode < 7
                    ? 10_000e18
                    : MAX_DONATION
        );
        uint256 target;
        if (mode == 6) {
            target = _findUnhealthy(amountSeed >> 3);
            amount = _donationForBuffer(target, bound(amountSeed >> 64, 0, 300e18));
        }
        _begin();
        if (amount != 0) {
            _fundStable(actor, amount);
            uint256 before = stablecoin.balanceOf(address(reserve));
            vm.prank(actor);
            assertTrue(stablecoin.transfer(address(reserve), amount), "donation returned false");
            assertEq(stablecoin.balanceOf(address(reserve)), before + amount, "donation: reserve balance");
        }
        if (target != 0) {
            _shareForBuffer(target, bound(amountSeed >> 64, 0, 300e18));
            _liquidate(target, keeper, keeper, amountSeed >> 128);
        }
        _end(Action.DonateStable);
    }

    /// @notice Collateral sent by plain transfer to the vault manager, the engine or the reserve: it
    /// credits no vault and no auction (the reserve's may later be sold).
    function donateCollateral(uint256 actorSeed, uint256 collateralSeed, uint256 amountSeed) external guarded syncTime {
        address actor = _actor(actorSeed);
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        uint256 amount = bound(amountSeed >> 2, 1, 5 * 10 ** _tokens[c].decimals());
        uint256 target = amountSeed % 3;
        address to = target == 0
            ? address(vaultManager)
            : target == 1
                ? address(engine)
                : address(reserve);
        _begin();
        _mintCollateral(actor, c, amount);
        if (target == 0) _donatedToManager[c] += amount;
        else if (target == 1) _donatedToEngine[c] += amount;
        vm.prank(actor);
        assertTrue(_tokens[c].transfer(to, amount), "collateral donation returned false");
        _end(Action.DonateCollateral);
    }

    /// @notice Governance sets the buffer share: 0 (no buffer), 100 %, the deployed 80 %, or anything,
    /// sometimes the current value (NoChange) or above 100 % (OutOfBounds).
    function setBufferShare(uint256 valueSeed) external guarded syncTime {
        uint256 mode = valueSeed % 8;
        uint256 current = reserve.bufferShare();
        uint256 value;
        if (mode == 0) value = 0;
        else if (mode == 1) value = WAD;
        else if (mode == 2) value = current;
        else if (mode == 3) value = WAD + bound(valueSeed >> 3, 1, 1e18);
        else if (mode == 4) value = 0.8e18;
        else value = bound(valueSeed >> 3, 0, WAD);
        bytes memory expected;
        if (value == current) expected = _err(ErrorsLib.NoChange.selector);
        else expected = _boundError(value, 0, ConstantsLib.MAX_BUFFER_SHARE);
        _begin();
        vm.prank(deployer);
        try reserve.setBufferShare(value) {
            _settle(true, "", expected, "setBufferShare");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "setBufferShare");
        }
        assertEq(reserve.bufferShare(), value, "setBufferShare: value");
        _end(Action.SetBufferShare);
    }

    /// @notice Governance sets a collateral's auction-debt limit or the total limit: small values so
    /// that liquidations are sliced or refused (LiquidationLimitReached), or back to the deployed ones.
    function setAuctionLimits(uint256 collateralSeed, uint256 valueSeed) external guarded syncTime {
        uint256 c = collateralSeed % COLLATERAL_COUNT;
        bool total = (collateralSeed >> 1) % 3 == 0;
        uint256 current = total
            ? engine.maxTotalAuctionDebt()
            : engine.collateralState(address(_tokens[c])).params.maxAuctionDebt;
        uint256 mode = valueSeed % 8;
        uint256 value;
        if (mode == 0) value = 0;
        else if (mode == 1) value = current;
        else if (mode == 2) value = total ? 30_000_000e18 : 20_000_000e18;
        else if (mode == 3) value = ConstantsLib.MAX_DEBT_CEILING + bound(valueSeed >> 3, 1, 1e27);
        else value = bound(valueSeed >> 3, 0, 80_000e18);
        bytes memory expected = value == current
            ? _err(ErrorsLib.NoChange.selector)
            : _boundError(value, 0, ConstantsLib.MAX_DEBT_CEILING);
        _begin();
        vm.prank(deployer);
        if (total) {
            try engine.setMaxTotalAuctionDebt(value) {
                _settle(true, "", expected, "setMaxTotalAuctionDebt");
            } catch (bytes memory reason) {
                _settle(false, reason, expected, "setMaxTotalAuctionDebt");
            }
            assertEq(engine.maxTotalAuctionDebt(), value, "setMaxTotalAuctionDebt: value");
        } else {
            try engine.setMaxAuctionDebt(address(_tokens[c]), value) {
                _settle(true, "", expected, "setMaxAuctionDebt");
            } catch (bytes memory reason) {
                _settle(false, reason, expected, "setMaxAuctionDebt");
            }
            assertEq(
                engine.collateralState(address(_tokens[c])).params.maxAuctionDebt,
                value,
                "setMaxAuctionDebt: value"
            );
        }
        _end(Action.SetAuctionLimits);
    }

    // =================================================================== scripted use (not fuzzed)

    /// @notice The starting book, called from the test's setUp: the treasury's vault (a whale that
    /// lends the actors stablecoin), two WETH and two WBTC vaults per actor from the borrow ratio up to
    /// 2.1x, a 15 % fall of ETH whose liquidations start auctions, then a first reserve balance (so the
    /// buffer starts non-empty).
    function seed() external syncTime scripted {
        _begin();
        _openVault(whale, 0, TREASURY_SEED, 15e18);
        whaleVault = vaultManager.vaultCount();
        for (uint256 i; i < ACTOR_COUNT; ++i) {
            _openVault(_actors[i], 0, 2_000e18 + i * 3_000e18, 1.6e18 + i * 0.05e18);
            _openVault(_actors[i], 0, 8_000e18 + i * 1_000e18, 1.8e18 + i * 0.1e18);
            _openVault(_actors[i], 1, 3_000e18 + i * 2_000e18, 1.62e18 + i * 0.04e18);
            _openVault(_actors[i], 1, 12_000e18 + i * 1_000e18, 1.9e18 + i * 0.05e18);
        }
        // A first fall of ETH by 15 %: the WETH vaults opened near the borrow ratio become
        // liquidatable and are auctioned (the buffer is still empty), so runs start with auctions.
        _advance(1 minutes);
        _publishMove(0, false, 1_500);
        uint256 count = vaultManager.vaultCount();
        for (uint256 id = 1; id <= count; ++id) {
            if (vaultManager.healthFactor(id) < WAD) _liquidate(id, keeper, keeper, 0);
        }
        assertGt(engine.auctionCount(), 0, "seed: no auction");
        vm.prank(whale);
        assertTrue(stablecoin.transfer(address(reserve), 10_000e18), "seed donation");
        _end(Action.DonateStable);
    }

    /// @notice End of run: prices are made live again and every active auction is settled (restarted
    /// when it must be, then its whole lot taken): no auction can be stuck. Called by `afterInvariant`.
    function settleAll() external syncTime scripted {
        _begin();
        _advance(1 minutes);
        _refreshFeeds();
        uint256 count = engine.auctionCount();
        for (uint256 id = 1; id <= count; ++id) {
            ILiquidationEngine.AuctionView memory a = engine.auctionInfo(id);
            if (a.collateral == address(0)) continue;
            (, bool needsReset) = engine.auctionPrice(id);
            if (needsReset) _redo(id, keeper, keeper, 0);
            TakeInput memory t;
            t.auctionId = id;
            t.taker = keeper;
            t.receiver = keeper;
            t.maxCollateral = a.lot;
            t.maxPrice = type(uint256).max;
            t.fund = true;
            _take(t);
            assertEq(engine.auctionInfo(id).collateral, address(0), "settle: auction still active");
        }
        _end(Action.Take);
    }

    // =================================================================== views for the test

    function collateralMinted(uint256 c) external view returns (uint256) {
        return _collateralMinted[c];
    }

    function donatedToManager(uint256 c) external view returns (uint256) {
        return _donatedToManager[c];
    }

    function donatedToEngine(uint256 c) external view returns (uint256) {
        return _donatedToEngine[c];
    }

    function holders() external view returns (address[10] memory) {
        return _holders;
    }

    // =================================================================== vault actions (quote, call, check)

    function _openVault(address actor, uint256 c, uint256 debt, uint256 ratio) internal {
        address token = address(_tokens[c]);
        uint256 vaultId = vaultManager.vaultCount() + 1;
        DebtQuote memory q = _quoteDebt(vaultId, c, 0, 0, debt, ratio);
        _mintCollateral(actor, c, q.collateralNeeded);
        q.err = _debtError(vaultId, c, 0, q.collateralNeeded, debt, q);

        uint256 stableBefore = stablecoin.balanceOf(actor);
        vm.prank(actor);
        try vaultManager.openVault(token, q.collateralNeeded, debt) returns (uint256 id) {
            _settle(true, "", q.err, "openVault");
            assertEq(id, vaultId, "openVault: id");
        } catch (bytes memory reason) {
            _settle(false, reason, q.err, "openVault");
        }
        VaultState memory v = _vault(vaultId);
        assertEq(v.normalizedDebt, q.normalizedAdded, "openVault: normalized debt");
        assertEq(v.collateralAmount, q.collateralNeeded, "openVault: collateral");
        assertEq(stablecoin.balanceOf(actor), stableBefore + debt, "openVault: minted");
        _opBound += _ceilDiv(q.rate, RAY);
    }

    function _borrow(address actor, uint256 vaultId, uint256 amount, address to) internal {
        VaultState memory v = _vault(vaultId);
        DebtQuote memory q;
        if (v.collateral == address(0)) {
            q.err = abi.encodeWithSelector(IVaultManager.UnknownVault.selector, vaultId);
        } else {
            uint256 c = _index(v.collateral);
            q = _quoteDebt(vaultId, c, v.normalizedDebt, v.collateralAmount, amount, 0);
            q.err = _debtError(vaultId, c, v.normalizedDebt, v.collateralAmount, amount, q);
        }
        uint256 stableBefore = stablecoin.balanceOf(to);
        vm.prank(actor);
        try vaultManager.borrow(vaultId, amount, to) {
            _settle(true, "", q.err, "borrow");
        } catch (bytes memory reason) {
            _settle(false, reason, q.err, "borrow");
        }
        VaultState memory after_ = _vault(vaultId);
        assertEq(after_.normalizedDebt, v.normalizedDebt + q.normalizedAdded, "borrow: normalized debt");
        assertEq(stablecoin.balanceOf(to), stableBefore + amount, "borrow: minted");
        _opBound += _ceilDiv(q.rate, RAY);
    }

    function _repay(address payer, uint256 vaultId, uint256 amount) internal {
        VaultState memory v = _vault(vaultId);
        bytes memory expected;
        uint256 burnt;
        uint256 normalizedRepaid;
        uint256 rate;
        if (v.collateral == address(0)) expected = abi.encodeWithSelector(IVaultManager.UnknownVault.selector, vaultId);
        else if (amount == 0) expected = _err(ErrorsLib.ZeroAmount.selector);
        else if (v.normalizedDebt == 0) expected = abi.encodeWithSelector(IVaultManager.NoDebt.selector, vaultId);
        else {
            rate = vaultManager.currentRate(v.collateral);
            uint256 debt = v.normalizedDebt.rayMulUp(rate);
            if (amount >= debt) {
                (burnt, normalizedRepaid) = (debt, v.normalizedDebt);
            } else {
                normalizedRepaid = amount.rayDivDown(rate);
                uint256 remaining = (v.normalizedDebt - normalizedRepaid).rayMulUp(rate);
                uint256 minDebt = _collateral(_index(v.collateral)).minDebt;
                if (remaining < minDebt) {
                    expected = abi.encodeWithSelector(IVaultManager.DebtBelowMinimum.selector, remaining, minDebt);
                }
                burnt = amount;
            }
            if (expected.length == 0) expected = _balanceError(payer, burnt);
        }
        uint256 stableBefore = stablecoin.balanceOf(payer);
        vm.prank(payer);
        try vaultManager.repay(vaultId, amount) {
            _settle(true, "", expected, "repay");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "repay");
        }
        assertEq(_vault(vaultId).normalizedDebt, v.normalizedDebt - normalizedRepaid, "repay: normalized debt");
        assertEq(stablecoin.balanceOf(payer), stableBefore - burnt, "repay: burnt");
        _opBound += normalizedRepaid == v.normalizedDebt ? 1 : _ceilDiv(rate, RAY);
    }

    /// @dev Lends `to` stablecoin from the treasury (the whale's vault borrows more when it runs low).
    function _fundStable(address to, uint256 amount) internal {
        if (to == whale || amount == 0) return;
        uint256 balance = stablecoin.balanceOf(whale);
        if (balance < amount) {
            // The treasury's borrow needs a live price (feeds left stale are refreshed for it).
            _refreshFeeds();
            uint256 borrowed = amount - balance + TREASURY_TOPUP;
            // Collateral worth 4x the new debt keeps the treasury far from its borrow ratio.
            (uint256 price, ) = oracle.getPrice(address(_tokens[0]));
            uint256 collateral = _amountForValueUp(0, borrowed * 4, price);
            _mintCollateral(whale, 0, collateral);
            vm.prank(whale);
            vaultManager.deposit(whaleVault, collateral);
            bool wasScripted = _scripted;
            _scripted = true; // the treasury's borrow must succeed
            _borrow(whale, whaleVault, borrowed, whale);
            _scripted = wasScripted;
        }
        vm.prank(whale);
        assertTrue(stablecoin.transfer(to, amount), "treasury transfer returned false");
    }

    /// @dev `account` gives all its stablecoin back to the treasury.
    function _drainStable(address account) internal {
        uint256 balance = stablecoin.balanceOf(account);
        if (balance == 0 || account == whale) return;
        vm.prank(account);
        assertTrue(stablecoin.transfer(whale, balance), "drain returned false");
    }

    function _mintCollateral(address to, uint256 c, uint256 amount) internal {
        _tokens[c].mint(to, amount);
        _collateralMinted[c] += amount;
    }

    // =================================================================== liquidation actions

    function _liquidate(uint256 vaultId, address keeperAddress, address caller, uint256 basefeeSeed) internal {
        vm.fee(_basefee(basefeeSeed));
        LiquidationQuote memory q = _quoteLiquidation(vaultId, keeperAddress);
        Balances memory pre = _balances(q.c, keeperAddress);
        uint256 healthBefore = _healthBefore(vaultId);
        uint256 auctionsBefore = engine.auctionCount();

        uint256 auctionId;
        vm.prank(caller);
        try engine.liquidate(vaultId, keeperAddress) returns (uint256 id) {
            auctionId = id;
            if (healthBefore >= WAD) {
                healthyLiquidated++;
                if (bytes(healthyLiquidation).length == 0) {
                    healthyLiquidation = string.concat(
                        "vault ",
                        vm.toString(vaultId),
                        " liquidated with health factor ",
                        vm.toString(healthBefore)
                    );
                }
            }
            _settle(true, "", q.err, "liquidate");
        } catch (bytes memory reason) {
            _settle(false, reason, q.err, "liquidate");
        }
        _checkLiquidation(vaultId, q, pre, auctionsBefore, auctionId);
        if (q.sliced != q.debt) partialLiquidations++;
        _opBound += q.sliced == q.debt ? 1 : _ceilDiv(q.rate, RAY);
    }

    function _checkLiquidation(
        uint256 vaultId,
        LiquidationQuote memory q,
        Balances memory pre,
        uint256 auctionsBefore,
        uint256 auctionId
    ) internal {
        uint256 expectedId = q.startsAuction ? auctionsBefore + 1 : 0;
        assertEq(auctionId, expectedId, "liquidate: auction id");
        assertEq(engine.auctionCount(), auctionsBefore + (q.startsAuction ? 1 : 0), "liquidate: auction count");
        if (q.startsAuction) {
            ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
            assertEq(a.collateral, q.collateral, "liquidate: auction collateral");
            assertEq(a.owner, q.owner, "liquidate: auction owner");
            assertEq(a.lot, q.auctionCollateral, "liquidate: lot");
            assertEq(a.tab, q.tab, "liquidate: tab = debt x (1 + penalty), rounded up");
            assertEq(a.debt, q.auctionDebt, "liquidate: auction debt");
            assertEq(a.startTime, block.timestamp, "liquidate: start time");
        }
        VaultState memory v = _vault(vaultId);
        assertEq(v.normalizedDebt, q.normalizedDebt - q.normalizedRemoved, "liquidate: vault normalized debt");
        assertEq(
            v.collateralAmount,
            q.collateralAmount - q.toReserve - q.auctionCollateral,
            "liquidate: vault collateral"
        );
        uint256 debtLeft = vaultManager.debtOf(vaultId);
        if (debtLeft != 0) assertGe(debtLeft, _collateral(q.c).minDebt, "liquidate: vault left with dust debt");

        Balances memory post = _balances(q.c, pre.account);
        assertEq(post.reserveEscrow, pre.reserveEscrow + q.toReserve, "liquidate: collateral to the reserve's escrow");
        assertEq(post.reserveToken, pre.reserveToken, "liquidate: collateral sent to the reserve itself");
        assertEq(post.engineToken, pre.engineToken + q.auctionCollateral, "liquidate: collateral to the engine");
        assertEq(
            post.managerToken + q.auctionCollateral,
            pre.managerToken,
            "liquidate: collateral out of the vault manager"
        );
        assertEq(post.accountStable, pre.accountStable + q.reward, "liquidate: keeper pay");
        _checkReserveAfter(pre, post, q.absorbed, q.shortfall + q.reward, 0);
        assertEq(
            engine.collateralState(q.collateral).debtUnderAuction,
            pre.debtUnderAuction + (q.startsAuction ? q.auctionDebt : 0),
            "liquidate: debt under auction"
        );
    }

    function _take(TakeInput memory t) internal {
        // The payer is lent enough, or (unfunded) holds nothing at all: then only a paying callback
        // can make the take succeed.
        address payer = t.callback && t.pay ? address(receiver) : t.taker;
        if (t.fund) _fundStable(payer, _takeFunding(t.auctionId));
        else _drainStable(payer);
        TakeQuote memory q = _quoteTake(t);
        Balances memory pre = _balances(q.c, t.taker);
        uint256[HOLDER_COUNT] memory tokensBefore = _tokenBalances(q.c);
        uint256 callbacksBefore = receiver.callbacks();
        uint256 receiverHeld = tokensBefore[_holderIndex(address(receiver))];
        bytes memory data = t.callback ? abi.encode(q.collateral, t.pay) : bytes("");

        uint256 out;
        uint256 paid;
        vm.prank(t.taker);
        try engine.take(t.auctionId, t.maxCollateral, t.maxPrice, t.receiver, data) returns (uint256 o, uint256 p) {
            (out, paid) = (o, p);
            _checkFloor(t.auctionId, q, out, paid);
            _settle(true, "", q.err, "take");
        } catch (bytes memory reason) {
            _settle(false, reason, q.err, "take");
        }
        assertEq(out, q.out, "take: collateral out");
        assertEq(paid, q.paid, "take: paid");
        _checkTakeAuction(t.auctionId, q);
        _checkTakeTokens(t, q, tokensBefore);
        if (t.callback) {
            assertEq(receiver.callbacks(), callbacksBefore + 1, "take: callback not called");
            TakeReceiver.Callback memory cb = receiver.lastCallback();
            assertEq(cb.taker, t.taker, "take: callback taker");
            assertEq(cb.collateralAmount, q.out, "take: callback amount");
            assertEq(cb.owed, q.paid, "take: callback owed");
            assertEq(cb.collateralHeld, receiverHeld + q.out, "take: collateral not sent before the callback");
        }
        Balances memory post = _balances(q.c, t.taker);
        uint256 callbackPay = t.callback && t.pay ? q.paid : 0;
        assertEq(post.accountStable + q.paid, pre.accountStable + callbackPay, "take: paid by the taker");
        _checkReserveAfter(pre, post, 0, q.shortfall, q.paid - q.debtPaid);
        assertEq(
            engine.collateralState(q.collateral).debtUnderAuction + q.debtPaid + q.shortfall,
            pre.debtUnderAuction,
            "take: debt under auction"
        );
        if (q.shortfall != 0) shortTakes++;
    }

    function _checkTakeAuction(uint256 auctionId, TakeQuote memory q) internal view {
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
        if (q.lotLeft == 0 || q.tabLeft == 0) {
            assertEq(a.collateral, address(0), "take: auction should have ended");
            return;
        }
        assertEq(a.lot, q.lotLeft, "take: lot left");
        assertEq(a.tab, q.tabLeft, "take: tab left");
        assertEq(a.debt, q.debt - q.debtPaid, "take: debt left");
        assertEq(a.startTime, q.startTime, "take: start time changed");
        if (!q.sale) assertTrue(q.tabLeft >= q.dust, "take: left 0 < tab < dust");
        // The dust rule for the lot, as a property: a running auction's lot is worth at least dust at
        // the price it was just sold at (unless it was already worth less and nothing was taken).
        assertGe(_valueDown(q.c, q.lotLeft, q.price), q.dust, "take: left a lot worth less than dust");
    }

    function _checkTakeTokens(
        TakeInput memory t,
        TakeQuote memory q,
        uint256[HOLDER_COUNT] memory before
    ) internal view {
        before[_holderIndex(t.receiver)] += q.out;
        before[_holderIndex(address(engine))] -= q.out + q.refund;
        before[_holderIndex(q.owner)] += q.refund;
        uint256[HOLDER_COUNT] memory afterTake = _tokenBalances(q.c);
        for (uint256 i; i < HOLDER_COUNT; ++i) {
            assertEq(afterTake[i], before[i], string.concat("take: collateral of holder ", vm.toString(i)));
        }
        uint256 onSale = engine.collateralState(q.collateral).collateralOnSale;
        if (q.sale) assertEq(onSale + q.out + q.refund, q.onSaleBefore, "take: collateral on sale");
        else assertEq(onSale, q.onSaleBefore, "take: collateral on sale changed by a vault auction");
    }

    /// @dev Invariant 3, independently of the model: a take at a price below floorRatio × the live
    /// oracle price (read right before), or paying less than that for what it received, is a violation.
    function _checkFloor(uint256 auctionId, TakeQuote memory q, uint256 out, uint256 paid) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 price = type(uint256).max;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(engine) && logs[i].topics[0] == ILiquidationEngine.Taken.selector) {
                (, , , price, , ) = abi.decode(logs[i].data, (address, uint256, uint256, uint256, uint256, uint256));
            }
        }
        // The logs were consumed: put the remaining checks' inputs back on record for `_end`.
        _replayReserveLogs(logs);
        // ILiquidationEngine: "no take ever pays less than ⌊oracle × floorRatio⌋ at a live price".
        uint256 floorPrice = q.oraclePrice.wadMulDown(q.floorRatio);
        string memory problem;
        if (q.oracleStatus != PriceStatus.Live) problem = "oracle not live";
        else if (price == type(uint256).max) problem = "no Taken event";
        else if (price < floorPrice) problem = "price below the floor";
        else if (paid * WAD < out * _scale[q.c] * floorPrice) problem = "paid below the floor";
        if (bytes(problem).length == 0) return;
        floorViolations++;
        if (bytes(floorViolation).length == 0) {
            floorViolation = string.concat(
                "auction ",
                vm.toString(auctionId),
                ": ",
                problem,
                " (price ",
                vm.toString(price),
                ", oracle ",
                vm.toString(q.oraclePrice),
                ")"
            );
        }
    }

    function _redo(uint256 auctionId, address keeperAddress, address caller, uint256 basefeeSeed) internal {
        vm.fee(_basefee(basefeeSeed));
        RedoQuote memory q = _quoteRedo(auctionId, keeperAddress);
        Balances memory pre = _balances(q.c, keeperAddress);
        ILiquidationEngine.AuctionView memory before = engine.auctionInfo(auctionId);
        vm.prank(caller);
        try engine.redo(auctionId, keeperAddress) {
            _settle(true, "", q.err, "redo");
        } catch (bytes memory reason) {
            _settle(false, reason, q.err, "redo");
        }
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
        assertEq(a.startTime, block.timestamp, "redo: start time");
        assertEq(a.lot, before.lot, "redo: lot changed");
        assertEq(a.tab, before.tab, "redo: tab changed");
        assertEq(a.owner, before.owner, "redo: owner changed");
        if (q.err.length == 0) {
            assertEq(a.paidRedos, q.paidRedos, "redo: paid restarts");
            assertLe(a.paidRedos, ConstantsLib.MAX_PAID_REDOS, "redo: more paid restarts than MAX_PAID_REDOS");
        }
        Balances memory post = _balances(q.c, keeperAddress);
        assertEq(post.accountStable, pre.accountStable + q.reward, "redo: keeper pay");
        _checkReserveAfter(pre, post, 0, q.reward, 0);
    }

    /// @dev IReservePool.sellCollateral then ILiquidationEngine.startSale: amount, what the reserve owns
    /// (escrow first, then its own balance), the lot's value against the dust at the last good price.
    /// @dev A restart that the model must predict safe.
    function _redoScripted(uint256 auctionId) internal {
        bool wasScripted = _scripted;
        _scripted = true;
        _redo(auctionId, keeper, keeper, 0);
        _scripted = wasScripted;
    }

    function _sell(uint256 c, uint256 amount, address caller) internal {
        address token = address(_tokens[c]);
        uint256 held = _tokens[c].balanceOf(address(reserve));
        uint256 escrowed = vaultManager.escrowOf(token, address(reserve));
        (uint256 price, ) = oracle.getPrice(token);
        bytes memory expected;
        if (amount == 0) expected = _err(ErrorsLib.ZeroAmount.selector);
        else if (amount > held + escrowed) {
            expected = abi.encodeWithSelector(
                IReservePool.InsufficientReserveCollateral.selector,
                token,
                amount,
                held + escrowed
            );
        } else {
            uint256 value = _valueDown(c, amount, price);
            uint256 dust = _auction(c).dust;
            if (value < dust) expected = abi.encodeWithSelector(ILiquidationEngine.LotTooSmall.selector, value, dust);
        }
        uint256 count = engine.auctionCount();
        uint256 onSale = engine.collateralState(token).collateralOnSale;
        uint256 engineHeld = _tokens[c].balanceOf(address(engine));
        uint256 auctionId;
        vm.prank(caller);
        try reserve.sellCollateral(token, amount) returns (uint256 id) {
            auctionId = id;
            _settle(true, "", expected, "sellCollateral");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "sellCollateral");
        }
        assertEq(auctionId, count + 1, "sellCollateral: auction id");
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
        assertEq(a.collateral, token, "sale: collateral");
        assertEq(a.owner, address(reserve), "sale: owner");
        assertEq(a.lot, amount, "sale: lot");
        assertEq(a.tab, type(uint96).max, "sale: tab");
        assertEq(a.debt, 0, "sale: debt");
        assertEq(a.startTime, block.timestamp, "sale: start time");
        assertEq(engine.collateralState(token).collateralOnSale, onSale + amount, "sale: collateral on sale");
        uint256 fromEscrow = MathLib.min(amount, escrowed);
        assertEq(vaultManager.escrowOf(token, address(reserve)), escrowed - fromEscrow, "sale: escrow released first");
        assertEq(_tokens[c].balanceOf(address(reserve)), held - (amount - fromEscrow), "sale: reserve collateral");
        assertEq(_tokens[c].balanceOf(address(engine)), engineHeld + amount, "sale: engine collateral");
    }

    function _heal(address caller) internal {
        uint256 balance = stablecoin.balanceOf(address(reserve));
        uint256 owed = reserve.deficit();
        uint256 healed = MathLib.min(balance, owed);
        bytes memory expected = healed == 0 ? _err(IReservePool.NothingToHeal.selector) : bytes("");
        vm.prank(caller);
        try reserve.heal() returns (uint256 h) {
            _settle(true, "", expected, "heal");
            assertEq(h, healed, "heal: amount");
        } catch (bytes memory reason) {
            _settle(false, reason, expected, "heal");
        }
        assertEq(stablecoin.balanceOf(address(reserve)), balance - healed, "heal: reserve balance");
        assertEq(reserve.deficit(), owed - healed, "heal: deficit");
    }

    /// @dev The reserve's stablecoin and deficit after a call that receives `inflow` (penalties), then,
    /// when it calls a reserve hook, books (heals the deficit from the balance first), burns
    /// `absorbed` and pays out `outflow` (shortfall plus keeper pay: from the ledgers, which are the
    /// whole balance once booked, the rest minted into deficit).
    /// Independently of that prediction: a call that added deficit must leave the reserve without
    /// stablecoin (IReservePool: deficit is what the reserve "cannot" cover).
    function _checkReserveAfter(
        Balances memory pre,
        Balances memory post,
        uint256 absorbed,
        uint256 outflow,
        uint256 inflow
    ) internal {
        uint256 balance = pre.reserveStable + inflow;
        uint256 owed = pre.deficit;
        // Every reserve hook books first: unbooked stablecoin (all of it while there is a deficit,
        // the ledgers being empty then) heals the deficit before anything else.
        if (absorbed != 0 || outflow != 0) {
            uint256 healed = MathLib.min(balance, owed);
            (balance, owed) = (balance - healed - absorbed, owed - healed);
        }
        uint256 owedBeforeOutflow = owed;
        uint256 fromBalance = MathLib.min(outflow, balance);
        (balance, owed) = (balance - fromBalance, owed + outflow - fromBalance);
        if (post.deficit > owedBeforeOutflow && post.reserveStable != 0) {
            _deficitViolation(
                string.concat("deficit added while the reserve keeps ", vm.toString(post.reserveStable), " stablecoin")
            );
        }
        assertEq(post.reserveStable, balance, "reserve stablecoin after the call");
        assertEq(post.deficit, owed, "reserve deficit after the call");
    }

    // =================================================================== per-action checks

    function _begin() internal {
        _excessBefore = supplyExcess();
        _deficitBefore = reserve.deficit();
        _opBound = 0;
        vm.recordLogs();
    }

    /// @dev Supply identity per action, the deficit ledger from the reserve's events, the reserve views.
    function _end(Action action) internal {
        int256 excessAfter = supplyExcess();
        if (excessAfter < _excessBefore) {
            fail(
                string.concat(
                    "supply identity: E fell from ",
                    vm.toString(_excessBefore),
                    " to ",
                    vm.toString(excessAfter)
                )
            );
        }
        if (excessAfter - _excessBefore > int256(_opBound)) {
            fail(
                string.concat(
                    "supply identity: E grew by ",
                    vm.toString(excessAfter - _excessBefore),
                    ", more than the bound ",
                    vm.toString(_opBound)
                )
            );
        }
        excess = excessAfter;
        roundingBudget += _opBound;
        _checkDeficitLedger(vm.getRecordedLogs());
        _checkReserveViews();
        successes[action]++;
    }

    function _checkDeficitLedger(Vm.Log[] memory logs) internal {
        (uint256 added, uint256 healed) = _deficitEvents(logs);
        added += _pendingAdded;
        healed += _pendingHealed;
        (_pendingAdded, _pendingHealed) = (0, 0);
        uint256 owed = reserve.deficit();
        deficitAdded += added;
        deficitHealed += healed;
        if (owed + healed == _deficitBefore + added) return;
        _deficitViolation(
            string.concat(
                "deficit moved without a matching event: before ",
                vm.toString(_deficitBefore),
                ", after ",
                vm.toString(owed),
                ", added ",
                vm.toString(added),
                ", healed ",
                vm.toString(healed)
            )
        );
    }

    function _deficitViolation(string memory problem) internal {
        deficitViolations++;
        if (bytes(deficitViolation).length == 0) deficitViolation = problem;
    }

    /// @dev `_checkFloor` reads (and so consumes) the recorded logs mid-action: keep their deficit
    /// events for `_end`, and record again for the rest of the action.
    function _replayReserveLogs(Vm.Log[] memory logs) internal {
        (uint256 added, uint256 healed) = _deficitEvents(logs);
        _pendingAdded += added;
        _pendingHealed += healed;
        vm.recordLogs();
    }

    function _deficitEvents(Vm.Log[] memory logs) internal view returns (uint256 added, uint256 healed) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(reserve)) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic == IReservePool.KeeperPayMinted.selector) {
                (uint256 minted, uint256 owedAfter) = abi.decode(logs[i].data, (uint256, uint256));
                assertGt(minted, 0, "KeeperPayMinted: nothing minted");
                assertGe(owedAfter, minted, "KeeperPayMinted: deficit below the amount just added");
                added += minted;
            } else if (topic == IReservePool.ShortfallCovered.selector) {
                (uint256 amount, uint256 burnt, uint256 addedToDeficit) = abi.decode(
                    logs[i].data,
                    (uint256, uint256, uint256)
                );
                assertEq(burnt + addedToDeficit, amount, "ShortfallCovered: burnt + added != amount");
                added += addedToDeficit;
            } else if (topic == IReservePool.DeficitHealed.selector) {
                (uint256 amount, ) = abi.decode(logs[i].data, (uint256, uint256));
                healed += amount;
            }
        }
    }

    /// @dev ReservePool's storage slot of its stablecoin ledgers (uint128 buffer | uint128 surplus),
    /// checked against `ledgers()` below so a layout change fails loudly rather than silently.
    uint256 internal constant LEDGER_SLOT = 12;

    /// @dev IReservePool's ledgers. The identity B = buffer + surplus + unbooked over the stored
    /// ledgers; a recorded deficit only with empty ledgers; and the views as the booking rule gives
    /// them: the unbooked inflow heals the deficit first, then the part that fills buffer + surplus up
    /// to the target joins the buffer at the larger of the two shares, the rest at the buffer share.
    function checkReserveLedgers() external view {
        _checkReserveViews();
    }

    function _checkReserveViews() internal view {
        uint256 balance = stablecoin.balanceOf(address(reserve));
        uint256 raw = uint256(vm.load(address(reserve), bytes32(LEDGER_SLOT)));
        (uint256 buffer, uint256 surplus) = (uint128(raw), raw >> 128);
        uint256 owed = reserve.deficit();
        IReservePool.Ledgers memory books = reserve.ledgers();
        assertEq(books.balance, balance, "reserve: ledgers balance");
        assertGe(balance, buffer + surplus, "reserve identity: balance below the booked ledgers");
        assertEq(books.unbooked, balance - buffer - surplus, "reserve identity: B = buffer + surplus + unbooked");
        if (owed != 0) assertEq(buffer + surplus, 0, "reserve: a recorded deficit beside booked ledgers");
        uint256 healed = MathLib.min(books.unbooked, owed);
        uint256 free = books.unbooked - healed;
        uint256 share = reserve.bufferShare();
        uint256 target = reserve.reserveTarget();
        uint256 gap = buffer + surplus < target ? MathLib.min(free, target - buffer - surplus) : 0;
        uint256 toBuffer = gap.wadMulDown(MathLib.max(share, reserve.recoveryShare())) + (free - gap).wadMulDown(share);
        assertEq(books.buffer, buffer + toBuffer, "reserve: buffer as booked now");
        assertEq(books.surplus, surplus + free - toBuffer, "reserve: surplus as booked now");
        assertEq(books.deficit, owed - healed, "reserve: deficit as booked now");
        assertEq(reserve.stabilityBuffer(), books.buffer, "reserve: stabilityBuffer");
        assertEq(reserve.surplus(), books.surplus, "reserve: surplus");
    }

    // =================================================================== input shaping

    function _actor(uint256 seed_) internal view returns (address) {
        return _actors[seed_ % ACTOR_COUNT];
    }

    /// @dev Who sends a keeper transaction: an actor or the keeper.
    function _caller(uint256 seed_) internal view returns (address) {
        uint256 i = seed_ % (ACTOR_COUNT + 1);
        return i == ACTOR_COUNT ? keeper : _actors[i];
    }

    /// @dev The keeper to pay: 1 in 32 the zero address, else the keeper or an actor.
    function _keeperFor(uint256 seed_) internal view returns (address) {
        if (seed_ % 32 == 0) return address(0);
        return _caller(seed_ >> 5);
    }

    /// @dev Gas price regimes: none, ordinary (≤ 50 gwei), a spike (≤ 2,000 gwei: the tip hits its cap).
    function _basefee(uint256 seed_) internal pure returns (uint256) {
        uint256 mode = seed_ % 4;
        if (mode == 0) return 0;
        if (mode == 3) return bound(seed_ >> 2, 50 gwei, 2_000 gwei);
        return bound(seed_ >> 2, 1, 50 gwei);
    }

    /// @dev 1 in 8 any id up to count + 1; otherwise an existing vault, preferably with debt, and the
    /// treasury's vault only when there is nothing else.
    function _pickVault(uint256 seed_, bool preferDebt) internal view returns (uint256) {
        uint256 count = vaultManager.vaultCount();
        if (count == 0 || seed_ % 16 == 0) return count + 1 + ((seed_ >> 4) % 2); // never opened
        if (seed_ % 16 == 1) return bound(seed_ >> 4, 1, count); // any, closed included
        uint256 start = (seed_ >> 4) % count;
        uint256 fallbackId;
        for (uint256 k; k < count; ++k) {
            uint256 id = ((start + k) % count) + 1;
            VaultState memory v = _vault(id);
            if (v.collateral == address(0)) continue;
            if (id == whaleVault || (preferDebt && v.normalizedDebt == 0)) {
                if (fallbackId == 0) fallbackId = id;
                continue;
            }
            return id;
        }
        return fallbackId != 0 ? fallbackId : count + 1;
    }

    /// @dev A vault the lens reports with debt and a health factor below 1, as a keeper scan finds it;
    /// a random vault when there is none.
    function _pickUnhealthy(uint256 seed_) internal view returns (uint256) {
        uint256 found = _findUnhealthy(seed_);
        return found != 0 ? found : _pickVault(seed_, true);
    }

    /// @dev `_pickUnhealthy` without the fallback: 0 when no vault is below 1.
    function _findUnhealthy(uint256 seed_) internal view returns (uint256) {
        uint256 count = vaultManager.vaultCount();
        IReserveLens.VaultHealth[] memory page = lens.vaultsHealth(1, count);
        uint256 start = count == 0 ? 0 : seed_ % count;
        for (uint256 k; k < page.length; ++k) {
            IReserveLens.VaultHealth memory h = page[(start + k) % page.length];
            if (h.owner != address(0) && h.debt != 0 && h.healthFactor < WAD) return h.vaultId;
        }
        return 0;
    }

    /// @dev 1 in 16 any id up to count + 1 (ended or unknown auctions); otherwise an active one.
    function _pickAuction(uint256 seed_) internal view returns (uint256) {
        uint256 count = engine.auctionCount();
        if (count == 0 || seed_ % 16 == 0) return bound(seed_ >> 4, 1, count + 1);
        uint256 start = (seed_ >> 4) % count;
        for (uint256 k; k < count; ++k) {
            uint256 id = ((start + k) % count) + 1;
            if (engine.auctionInfo(id).collateral != address(0)) return id;
        }
        return bound(seed_ >> 4, 1, count + 1);
    }

    /// @dev Fresh (≤ 20 min), around the floor crossing (20–25 min at a steady oracle), around the
    /// maximum age (55–65 min), or long after (up to 3 h).
    function _takeDelay(uint256 seed_) internal pure returns (uint256) {
        uint256 mode = seed_ % 8;
        uint256 s = seed_ >> 3;
        if (mode < 5) return bound(s, 1, 20 minutes);
        if (mode == 5) return bound(s, 20 minutes, 25 minutes);
        if (mode == 6) return bound(s, 55 minutes, 65 minutes);
        return bound(s, 1, 3 hours);
    }

    function _takeInput(
        uint256 auctionId,
        uint256 amountSeed,
        uint256 priceSeed,
        uint256 modeSeed
    ) internal view returns (TakeInput memory t) {
        t.auctionId = auctionId;
        t.taker = _actor(modeSeed);
        uint256 route = (modeSeed >> 2) % 32;
        t.receiver = route == 0
            ? address(0)
            : route < 8
                ? address(receiver)
                : t.taker;
        t.callback = t.receiver == address(receiver);
        t.pay = t.callback && (modeSeed >> 7) % 4 != 0;
        t.fund = (modeSeed >> 9) % 8 != 0;
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
        (uint256 price, ) = a.collateral == address(0) ? (0, false) : engine.auctionPrice(auctionId);
        t.maxCollateral = _takeAmount(a, price, amountSeed);
        uint256 mode = priceSeed % 8;
        if (mode < 3) t.maxPrice = type(uint256).max;
        else if (mode == 3) t.maxPrice = price;
        else if (mode == 4) t.maxPrice = price == 0 ? 0 : price - 1;
        else t.maxPrice = bound(priceSeed >> 3, price / 2, price * 2 + 1);
    }

    /// @dev Whole lot (or more), a random part, one unit, none, just around the amount that would
    /// leave exactly `dust` of the tab (the tab's dust edge), or all but a few units of the lot (the
    /// lot's dust edge: cut to leave dust's worth, or refused when the lot is worth no more).
    function _takeAmount(
        ILiquidationEngine.AuctionView memory a,
        uint256 price,
        uint256 seed_
    ) internal view returns (uint256) {
        uint256 mode = seed_ % 16;
        uint256 s = seed_ >> 4;
        if (mode == 0) return s % 4 == 0 ? 0 : 1;
        if (mode < 4) return a.lot;
        if (mode == 4) return a.lot + bound(s, 1, 1e18);
        if (mode == 8 && a.lot > 1) return a.lot - bound(s, 1, a.lot > 3 ? 3 : a.lot - 1);
        if (a.collateral != address(0) && price != 0 && mode < 8 && a.tab < type(uint96).max) {
            uint256 c = _index(a.collateral);
            uint256 dust = _auction(c).dust;
            uint256 target = a.tab > dust ? a.tab - dust : a.tab;
            uint256 amount = target.wadDivDown(price) / _scale[c];
            return bound(s, amount > 2 ? amount - 2 : 1, amount + 2);
        }
        return bound(s, 1, a.lot > 1 ? a.lot : 1);
    }

    /// @dev Enough stablecoin for whatever the take can cost: min(tab, value of the lot) plus margin.
    function _takeFunding(uint256 auctionId) internal view returns (uint256) {
        ILiquidationEngine.AuctionView memory a = engine.auctionInfo(auctionId);
        if (a.collateral == address(0)) return 0;
        (uint256 price, ) = engine.auctionPrice(auctionId);
        uint256 value = (a.lot * _scale[_index(a.collateral)]).wadMulUp(price) + 1;
        return MathLib.min(value, a.tab);
    }

    /// @dev What to give the reserve so that its buffer becomes `short` below vault `vaultId`'s debt
    /// (0 when it is already there or above, or the buffer share is 0).
    function _donationForBuffer(uint256 vaultId, uint256 short) internal view returns (uint256) {
        VaultState memory v = _vault(vaultId);
        uint256 share = reserve.bufferShare();
        if (v.collateral == address(0) || v.normalizedDebt == 0 || share == 0) return 0;
        uint256 debt = v.normalizedDebt.rayMulUp(vaultManager.currentRate(v.collateral));
        uint256 target = debt > short ? debt - short : 0;
        uint256 balance = stablecoin.balanceOf(address(reserve));
        uint256 owed = reserve.deficit();
        // Smallest free balance whose buffer ⌊free × share⌋ reaches the target (what the deficit
        // takes first comes on top).
        uint256 needBalance = target.mulDivUp(WAD, share) + owed;
        uint256 donation = needBalance > balance ? needBalance - balance : 0;
        // A tiny share would need an absurd donation: give nothing then.
        return donation > MAX_DONATION ? 0 : donation;
    }

    /// @dev When the buffer exceeds `short` below vault `vaultId`'s debt, governance sets the smallest
    /// buffer share that still reaches that target (the buffer is then the target, to the wei or so).
    function _shareForBuffer(uint256 vaultId, uint256 short) internal {
        VaultState memory v = _vault(vaultId);
        if (v.collateral == address(0) || v.normalizedDebt == 0) return;
        uint256 debt = v.normalizedDebt.rayMulUp(vaultManager.currentRate(v.collateral));
        uint256 target = debt > short ? debt - short : 0;
        uint256 balance = stablecoin.balanceOf(address(reserve));
        uint256 owed = reserve.deficit();
        uint256 free = balance > owed ? balance - owed : 0;
        if (free == 0 || free.wadMulDown(reserve.bufferShare()) <= target) return;
        uint256 share = target.mulDivUp(WAD, free);
        if (share == reserve.bufferShare()) return;
        vm.prank(deployer);
        reserve.setBufferShare(share);
    }

    // =================================================================== prices

    function _publishMove(uint256 c, bool up, uint256 bps) internal {
        uint256 base = oracle.priceState(address(_tokens[c])).lastGoodPrice / FEED_TO_WAD;
        uint256 answer = up ? (base * (BPS + bps)) / BPS : (base * (BPS - bps)) / BPS;
        answer = _clampAnswer(c, answer);
        _publish(c, answer);
        _publish(1 - c, _currentAnswer(1 - c));
    }

    /// @dev Puts vault `v`'s collateral price at its liquidation edge (see `liquidateAtEdge`).
    function _priceToEdge(uint256 c, VaultState memory v, uint256 side) internal {
        uint256 debt = v.normalizedDebt.rayMulUp(vaultManager.currentRate(v.collateral));
        uint256 required = debt.wadMulUp(_collateral(c).liquidationRatio);
        // Smallest answer a with ⌊amount × scale × a × 1e10 / 1e18⌋ ≥ required.
        uint256 edge = required.mulDivUp(WAD, v.collateralAmount * _scale[c] * FEED_TO_WAD);
        uint256 answer = side == 0
            ? edge
            : side == 1
                ? edge - 1
                : side == 2
                    ? edge + 1
                    : edge - 2;
        uint256 base = oracle.priceState(address(_tokens[c])).lastGoodPrice / FEED_TO_WAD;
        uint256 lo = (base * (BPS - MAX_MOVE_BPS)) / BPS + 1;
        uint256 hi = (base * (BPS + MAX_MOVE_BPS)) / BPS;
        if (answer < lo) answer = lo;
        if (answer > hi) answer = hi;
        _publish(c, _clampAnswer(c, answer));
        _publish(1 - c, _currentAnswer(1 - c));
    }

    function _clampAnswer(uint256 c, uint256 answer) internal view returns (uint256) {
        uint256 lo = (_initialAnswer[c] * 3) / 10;
        uint256 hi = _initialAnswer[c] * 3;
        if (answer < lo) return lo;
        if (answer > hi) return hi;
        return answer;
    }

    function _currentAnswer(uint256 c) internal view returns (uint256) {
        return oracle.priceState(address(_tokens[c])).lastGoodPrice / FEED_TO_WAD;
    }

    function _refreshFeeds() internal {
        for (uint256 c; c < COLLATERAL_COUNT; ++c) _publish(c, _currentAnswer(c));
    }

    /// @dev A new round at `answer`, then `recordPrice`: it must read live (moves stay within ±20 %).
    function _publish(uint256 c, uint256 answer) internal {
        _feeds[c].updateAnswer(int256(answer));
        (, PriceStatus status) = oracle.recordPrice(address(_tokens[c]));
        assertEq(uint256(status), uint256(PriceStatus.Live), "published price not live");
    }

    function _advance(uint256 dt) internal {
        currentTime += dt;
        vm.warp(currentTime);
    }

    // =================================================================== reverts

    /// @dev A safe call (expected empty) must succeed; an unsafe one must revert with exactly `expected`,
    /// and the handler call then ends with `ExpectedRevert`.
    function _settle(bool ok, bytes memory reason, bytes memory expected, string memory action) internal view {
        if (expected.length == 0) {
            if (!ok) fail(string.concat(action, ": safe call reverted with ", _hex(reason)));
            return;
        }
        if (ok) fail(string.concat(action, ": unsafe call succeeded; expected revert ", _hex(expected)));
        if (keccak256(reason) != keccak256(expected)) {
            fail(string.concat(action, ": reverted with ", _hex(reason), ", expected ", _hex(expected)));
        }
        if (_scripted) fail(string.concat(action, ": scripted call was not safe: ", _hex(expected)));
        revert ExpectedRevert(bytes4(expected));
    }

    function _rethrowIfExpected(bytes memory reason) internal pure {
        if (bytes4(reason) == ExpectedRevert.selector || _isAssertion(reason)) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
        fail(string.concat("handler reverted unexpectedly: ", _hex(reason)));
    }

    function _isAssertion(bytes memory reason) internal pure returns (bool) {
        bytes memory prefix = "assertion failed";
        if (bytes4(reason) != 0x08c379a0 || reason.length < 68 + prefix.length) return false;
        for (uint256 i; i < prefix.length; ++i) {
            if (reason[68 + i] != prefix[i]) return false;
        }
        return true;
    }

    function _balanceError(address payer, uint256 amount) internal view returns (bytes memory) {
        uint256 balance = stablecoin.balanceOf(payer);
        if (balance >= amount) return "";
        return abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, payer, balance, amount);
    }
}

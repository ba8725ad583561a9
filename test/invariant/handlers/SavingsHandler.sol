// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {IReservePool} from "../../../contracts/interfaces/IReservePool.sol";
import {ConstantsLib} from "../../../contracts/libraries/ConstantsLib.sol";
import {MathLib} from "../../../contracts/libraries/MathLib.sol";
import {SavingsBdol} from "../../../contracts/savings/SavingsBdol.sol";
import {Test} from "../utils/Test.sol";

/// @title SavingsHandler
/// @notice Random sequences on sBDOL and the reserve's ledgers: deposits, mints, withdrawals and
/// redemptions (at and past the max functions), donations to the vault, inflows to the reserve,
/// drips, rate changes, time, pauses. Each ERC-4626 call is checked against its preview in the same
/// block (EIP-4626: deposit/mint/withdraw/redeem do exactly what previewX said, the previews round
/// in the vault's favour), and each drip against RateLib's interest capped by `savingsPayable`.
/// Ghosts: the coin minted outside (`mintedOutside`), the interest paid (`interestPaid`).
contract SavingsHandler is Test {
    using MathLib for uint256;

    uint256 internal constant ACTORS = 4;

    IBallastDollar public immutable stablecoin;
    IReservePool public immutable reserve;
    SavingsBdol public immutable savings;
    address public immutable controller;
    address public immutable guardian;
    address public immutable admin;
    address public immutable minter;
    address[ACTORS] internal _actors;

    uint256 public mintedOutside;
    uint256 public interestPaid;
    /// @notice A call that did not do what its preview (or the rule) said; the first is described.
    uint256 public mismatches;
    string public mismatch;
    mapping(bytes4 => uint256) public successes;

    constructor(
        IBallastDollar stablecoin_,
        IReservePool reserve_,
        SavingsBdol savings_,
        address controller_,
        address guardian_,
        address admin_,
        address minter_,
        address[ACTORS] memory actors_
    ) {
        (stablecoin, reserve, savings, controller, guardian, admin, minter) = (
            stablecoin_,
            reserve_,
            savings_,
            controller_,
            guardian_,
            admin_,
            minter_
        );
        _actors = actors_;
        for (uint256 i; i < ACTORS; ++i) {
            _mintTo(actors_[i], 1_000_000e18);
            vm.prank(actors_[i]);
            stablecoin_.approve(address(savings_), type(uint256).max);
        }
    }

    /// @dev No action here absorbs, covers a shortfall or pays a keeper: the buffer (as booked now)
    /// never falls, so savings interest never reached it.
    modifier bufferKept() {
        uint256 before = reserve.stabilityBuffer();
        _;
        _expect(reserve.stabilityBuffer() >= before, "the buffer fell: savings reached it");
    }

    // =================================================================== actions

    function deposit(uint256 actorSeed, uint256 amount) external bufferKept {
        address a = _actor(actorSeed);
        amount = bound(amount, 0, stablecoin.balanceOf(a));
        savings.drip();
        uint256 preview = savings.previewDeposit(amount);
        vm.prank(a);
        try savings.deposit(amount, a) returns (uint256 shares) {
            _expect(shares == preview, "deposit: shares differ from previewDeposit");
            successes[this.deposit.selector]++;
        } catch {
            _expect(amount == 0 || preview == 0 || savings.depositsPaused(), "deposit refused");
        }
    }

    function mint(uint256 actorSeed, uint256 shares) external bufferKept {
        address a = _actor(actorSeed);
        savings.drip();
        shares = bound(shares, 0, savings.previewDeposit(stablecoin.balanceOf(a)));
        uint256 preview = savings.previewMint(shares);
        vm.prank(a);
        try savings.mint(shares, a) returns (uint256 assets) {
            _expect(assets == preview, "mint: assets differ from previewMint");
            _expect(assets >= savings.convertToAssets(shares), "mint: charged below convertToAssets");
            successes[this.mint.selector]++;
        } catch {
            _expect(shares == 0 || savings.depositsPaused(), "mint refused");
        }
    }

    function withdraw(uint256 actorSeed, uint256 assets) external bufferKept {
        address a = _actor(actorSeed);
        savings.drip();
        uint256 max = savings.maxWithdraw(a);
        assets = bound(assets, 0, max);
        uint256 preview = savings.previewWithdraw(assets);
        uint256 before = stablecoin.balanceOf(a);
        vm.prank(a);
        try savings.withdraw(assets, a, a) returns (uint256 shares) {
            _expect(shares == preview, "withdraw: shares differ from previewWithdraw");
            _expect(stablecoin.balanceOf(a) - before == assets, "withdraw: assets received");
            successes[this.withdraw.selector]++;
        } catch {
            _expect(assets == 0, "withdraw refused within maxWithdraw");
        }
    }

    function redeem(uint256 actorSeed, uint256 shares, bool all) external bufferKept {
        address a = _actor(actorSeed);
        savings.drip();
        uint256 max = savings.maxRedeem(a);
        shares = all ? max : bound(shares, 0, max);
        uint256 preview = savings.previewRedeem(shares);
        uint256 before = stablecoin.balanceOf(a);
        vm.prank(a);
        try savings.redeem(shares, a, a) returns (uint256 assets) {
            _expect(assets == preview, "redeem: assets differ from previewRedeem");
            _expect(stablecoin.balanceOf(a) - before == assets, "redeem: assets received");
            successes[this.redeem.selector]++;
        } catch {
            _expect(shares == 0 || preview == 0, "redeem refused within maxRedeem");
        }
    }

    /// @notice BDOL sent to sBDOL without a deposit (an inflation attempt): it must move no price.
    function donateToVault(uint256 actorSeed, uint256 amount) external bufferKept {
        address a = _actor(actorSeed);
        amount = bound(amount, 0, stablecoin.balanceOf(a));
        uint256 price = savings.convertToAssets(1e18);
        vm.prank(a);
        stablecoin.transfer(address(savings), amount);
        _expect(savings.convertToAssets(1e18) == price, "donation moved the share price");
        successes[this.donateToVault.selector]++;
    }

    /// @notice An inflow to the reserve (a fee, a penalty): booked into buffer and surplus.
    function feedReserve(uint256 actorSeed, uint256 amount, bool book) external bufferKept {
        address a = _actor(actorSeed);
        amount = bound(amount, 0, MathLib.min(stablecoin.balanceOf(a), 50_000e18));
        vm.prank(a);
        stablecoin.transfer(address(reserve), amount);
        if (book && amount != 0) reserve.book();
        successes[this.feedReserve.selector]++;
    }

    function drip() external bufferKept {
        uint256 owed = savings.interestOwed();
        uint256 payable_ = reserve.savingsPayable();
        uint256 booked = savings.assetsBooked();
        uint256 supply = stablecoin.totalSupply();
        uint256 paid = savings.drip();
        _expect(paid == MathLib.min(owed, payable_), "drip: paid != min(owed, savingsPayable)");
        _expect(savings.assetsBooked() == booked + paid, "drip: assets booked");
        _expect(stablecoin.totalSupply() == supply, "drip: the supply moved");
        interestPaid += paid;
        successes[this.drip.selector]++;
    }

    function setRate(uint256 rate) external bufferKept {
        rate = bound(rate, ConstantsLib.RAY, ConstantsLib.MAX_SAVINGS_RATE);
        if (rate == savings.rate()) return;
        vm.prank(controller);
        savings.setRate(rate);
        _expect(savings.rate() == rate, "setRate: rate");
        successes[this.setRate.selector]++;
    }

    function warp(uint256 seconds_) external bufferKept {
        vm.warp(block.timestamp + bound(seconds_, 1, 30 days));
        successes[this.warp.selector]++;
    }

    function pause(bool on) external bufferKept {
        if (on == savings.depositsPaused()) return;
        vm.prank(on ? guardian : admin);
        if (on) savings.pauseDeposits();
        else savings.unpauseDeposits();
        successes[this.pause.selector]++;
    }

    // =================================================================== helpers

    function actors() external view returns (address[ACTORS] memory) {
        return _actors;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % ACTORS];
    }

    function _mintTo(address to, uint256 amount) internal {
        vm.prank(minter);
        stablecoin.mint(to, amount);
        mintedOutside += amount;
    }

    function _expect(bool ok, string memory what) internal {
        if (ok) return;
        if (mismatches++ == 0) mismatch = what;
    }
}

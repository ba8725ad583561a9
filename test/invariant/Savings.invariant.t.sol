// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReservePool} from "../../contracts/interfaces/IReservePool.sol";
import {SavingsBdol} from "../../contracts/savings/SavingsBdol.sol";
import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {SavingsHandler} from "./handlers/SavingsHandler.sol";
import {BallastFixture} from "./utils/BallastFixture.sol";

/// @title SavingsInvariantTest
/// @notice sBDOL and the reserve's ledgers under random sequences (`SavingsHandler`), on the real
/// system (`_deployBallast`, then sBDOL as deploy/14 does; coin reaches the actors through a module
/// standing in for the vault manager). After every call:
/// (a) sBDOL holds at least what it booked, and its shares are owed no more than its assets:
///     balance ≥ assetsBooked, convertToAssets(totalSupply) ≤ totalAssets ≤ assetsBooked + savingsPayable;
/// (b) the reserve's identity: B = buffer + surplus + unbooked over its stored ledgers, a recorded
///     deficit only with empty ledgers, and its savings payouts never reach the buffer;
/// (c) supply: totalSupply = the coin minted outside (savings never mint; interest is the reserve's
///     coin moved), and the coin is conserved across the actors, the vault and the reserve;
/// (d) ERC-4626 (the properties of a16z's erc4626-tests, checked here against our own handler rather
///     than vendored): every deposit, mint, withdraw and redeem did exactly what its preview said in
///     the same block; a donation moved no share price; max* calls succeed (`mismatches`).
/// @dev Imports sBDOL itself, so forge compiles it (on the legacy pipeline: its source needs no IR).
contract SavingsInvariantTest is BallastFixture {
    uint256 internal constant LEDGER_SLOT = 12;

    Ballast internal ballast;
    SavingsBdol internal savings;
    SavingsHandler internal handler;

    function setUp() public {
        vm.warp(START_TIME);
        ballast = _deployBallast(makeAddr("deployer"));
        address minter = makeAddr("minter");
        address controller = makeAddr("controller");
        address guardian = makeAddr("guardian");
        vm.startPrank(ballast.deployer);
        savings = new SavingsBdol(address(ballast.stablecoin), address(ballast.reserve), ballast.deployer);
        ballast.reserve.setSavings(address(savings));
        savings.grantRole(savings.RISK_CONTROL_ROLE(), controller);
        savings.grantRole(savings.GUARDIAN_ROLE(), guardian);
        ballast.stablecoin.setModule(minter, true);
        vm.stopPrank();
        handler = new SavingsHandler(
            ballast.stablecoin,
            ballast.reserve,
            savings,
            controller,
            guardian,
            ballast.deployer,
            minter,
            [makeAddr("alice"), makeAddr("bob"), makeAddr("carol"), makeAddr("dave")]
        );
        targetContract(address(handler));
        excludeSender(address(savings));
        excludeSender(address(ballast.reserve));
    }

    function invariant_savingsAndReserve() public view {
        _checkVault();
        _checkReserve();
        _checkSupply();
        assertEq(handler.mismatches(), 0, handler.mismatch());
    }

    /// @notice A fixed campaign: every action succeeds, interest is paid, and a drip with too little
    /// surplus pays what it holds and cuts the rate.
    function test_HandlerCoversEveryOutcome() public {
        handler.feedReserve(0, 10_000e18, true);
        handler.setRate(ConstantsLib.MAX_SAVINGS_RATE);
        handler.deposit(1, 100_000e18);
        handler.mint(2, 50_000e18);
        handler.warp(30 days);
        handler.drip();
        assertGt(handler.interestPaid(), 0, "no interest paid");
        handler.withdraw(1, 10_000e18);
        handler.redeem(2, 0, true);
        handler.donateToVault(3, 1_000e18);
        handler.pause(true);
        handler.deposit(0, 1e18);
        handler.pause(false);
        // The surplus (≈ 2,000) cannot pay a year at 25 % on ≈ 90,000: paid in part, the rate cut.
        uint256 rateBefore = savings.rate();
        handler.warp(30 days);
        for (uint256 i; i < 12; ++i) handler.warp(30 days);
        handler.drip();
        assertLt(savings.rate(), rateBefore, "the rate was not cut");
        assertEq(ballast.reserve.surplus(), 0, "the surplus was not drawn to 0");
        bytes4[9] memory actions = [
            handler.deposit.selector,
            handler.mint.selector,
            handler.withdraw.selector,
            handler.redeem.selector,
            handler.donateToVault.selector,
            handler.feedReserve.selector,
            handler.drip.selector,
            handler.setRate.selector,
            handler.pause.selector
        ];
        for (uint256 i; i < actions.length; ++i)
            assertGt(handler.successes(actions[i]), 0, "an action never succeeded");
        invariant_savingsAndReserve();
    }

    function _checkVault() internal view {
        uint256 booked = savings.assetsBooked();
        uint256 total = savings.totalAssets();
        assertGe(ballast.stablecoin.balanceOf(address(savings)), booked, "sBDOL holds less than it booked");
        assertGe(total, booked, "totalAssets below assetsBooked");
        assertLe(
            total - booked,
            ballast.reserve.savingsPayable(),
            "totalAssets counts interest the surplus cannot pay"
        );
        assertLe(savings.convertToAssets(savings.totalSupply()), total, "shares owed more than the assets");
    }

    function _checkReserve() internal view {
        IReservePool reserve = ballast.reserve;
        uint256 balance = ballast.stablecoin.balanceOf(address(reserve));
        uint256 raw = uint256(vm.load(address(reserve), bytes32(LEDGER_SLOT)));
        (uint256 buffer, uint256 surplus) = (uint128(raw), raw >> 128);
        IReservePool.Ledgers memory books = reserve.ledgers();
        assertGe(balance, buffer + surplus, "reserve identity: balance below the booked ledgers");
        assertEq(books.unbooked, balance - buffer - surplus, "reserve identity: B = buffer + surplus + unbooked");
        if (reserve.deficit() != 0) assertEq(buffer + surplus, 0, "reserve: a deficit beside booked ledgers");
        assertLe(books.savingsOwed, reserve.savingsPayable(), "reserve: savings owed beyond what they may draw");
    }

    function _checkSupply() internal view {
        assertEq(
            ballast.stablecoin.totalSupply(),
            handler.mintedOutside(),
            "supply: minted beyond the coin minted outside"
        );
        address[4] memory actors = handler.actors();
        uint256 held = ballast.stablecoin.balanceOf(address(savings)) +
            ballast.stablecoin.balanceOf(address(ballast.reserve));
        for (uint256 i; i < actors.length; ++i) held += ballast.stablecoin.balanceOf(actors[i]);
        assertEq(held, ballast.stablecoin.totalSupply(), "supply: coin outside the actors, the vault and the reserve");
    }
}

// SPDX-License-Identifier: MIT
// The system under test, its handler and the suites share this file on purpose: together they are
// one small, self-contained check of the toolchain.
// solhint-disable one-contract-per-file
pragma solidity 0.8.30;

import {Test} from "./utils/Test.sol";

// Self-tests of the forge toolchain (scripts/solc-wrapper.js, foundry.toml) and of the base
// contract in utils/Test.sol: cheatcodes, bound, assertions, fuzzing, and invariant targeting.
// They guard the test infrastructure, not Ballast itself.

/// @dev A trivial capped counter, the system under test for the invariant campaign below.
contract Counter {
    uint256 public constant CAP = 1_000_000;
    uint256 public count;

    event Added(address indexed by, uint256 amount);

    error CapExceeded(uint256 wouldBe);
    error Zero();

    function add(uint256 amount) external {
        if (amount == 0) revert Zero();
        if (count + amount > CAP) revert CapExceeded(count + amount);
        count += amount;
        emit Added(msg.sender, amount);
    }

    function sub(uint256 amount) external {
        count -= amount; // Checked arithmetic: reverts with Panic(0x11) below zero.
    }
}

/// @dev Invariant handler: bounds inputs so calls succeed, and keeps ghost totals to check
/// the counter against. Only its add/sub are targeted (see setUp below).
contract CounterHandler is Test {
    Counter public immutable counter;
    address public immutable allowedSender;

    uint256 public ghostAdded;
    uint256 public ghostSubtracted;
    uint256 public calls;
    bool public sawForeignSender;

    constructor(Counter counter_, address allowedSender_) {
        counter = counter_;
        allowedSender = allowedSender_;
    }

    function add(uint256 amount) external {
        _record();
        uint256 room = counter.CAP() - counter.count();
        if (room == 0) return;
        amount = bound(amount, 1, room);
        counter.add(amount);
        ghostAdded += amount;
    }

    function sub(uint256 amount) external {
        _record();
        amount = bound(amount, 0, counter.count());
        counter.sub(amount);
        ghostSubtracted += amount;
    }

    /// @dev Reachable only if targetSelector were ignored: it would break the ghost invariant.
    function unaccountedAdd() external {
        counter.add(1);
    }

    function _record() private {
        calls++;
        if (msg.sender != allowedSender) sawForeignSender = true;
    }
}

/// @dev Exposes assertions as external calls so a test can expect their revert.
contract AssertionProbe is Test {
    function eq(uint256 a, uint256 b, string calldata message) external pure {
        assertEq(a, b, message);
    }

    function le(uint256 a, uint256 b) external pure {
        assertLe(a, b);
    }

    function approxRel(uint256 a, uint256 b, uint256 maxPercentDelta) external pure {
        assertApproxEqRel(a, b, maxPercentDelta);
    }
}

contract ToolchainFuzzTest is Test {
    Counter internal counter;
    AssertionProbe internal probe;

    function setUp() public {
        counter = new Counter();
        probe = new AssertionProbe();
    }

    function testFuzz_BoundStaysInRange(uint256 x, uint256 min, uint256 max) public pure {
        if (min > max) (min, max) = (max, min);
        uint256 result = bound(x, min, max);
        assertGe(result, min, "below min");
        assertLe(result, max, "above max");
        if (x >= min && x <= max) assertEq(result, x, "in-range value changed");
    }

    function testFuzz_SignedBoundStaysInRange(int256 x, int256 min, int256 max) public pure {
        if (min > max) (min, max) = (max, min);
        int256 result = bound(x, min, max);
        assertGe(result, min, "below min");
        assertLe(result, max, "above max");
        if (x >= min && x <= max) assertEq(result, x, "in-range value changed");
    }

    /// @dev Fixed points of forge-std's bound, so a rewrite cannot drift from its semantics.
    function test_BoundMatchesForgeStdSemantics() public pure {
        assertEq(bound(uint256(15), 10, 20), 15, "in range");
        assertEq(bound(uint256(0), 10, 20), 10, "0 -> min");
        assertEq(bound(uint256(3), 10, 20), 13, "3 -> min + 3");
        assertEq(bound(uint256(4), 10, 20), 15, "wraps from below");
        assertEq(bound(uint256(21), 10, 20), 10, "max + 1 -> min");
        assertEq(bound(uint256(31), 10, 20), 20, "max + size -> max");
        assertEq(bound(type(uint256).max, 10, 20), 20, "MAX -> max");
        assertEq(bound(type(uint256).max - 3, 10, 20), 17, "MAX - 3 -> max - 3");
        assertEq(bound(uint256(5), 7, 7), 7, "single-value range");
        assertEq(bound(type(int256).min, -5, 5), -5, "int min -> min");
        assertEq(bound(type(int256).max, -5, 5), 5, "int max -> max");
        assertEq(bound(int256(-1), -5, 5), -1, "signed in range");
    }

    function testFuzz_PrankWarpRollDeal(address who, uint256 time, uint256 height, uint96 balance) public {
        vm.assume(who != address(0));
        time = bound(time, block.timestamp, type(uint64).max);
        height = bound(height, block.number, type(uint64).max);

        vm.warp(time);
        vm.roll(height);
        vm.deal(who, balance);
        assertEq(block.timestamp, time, "warp");
        assertEq(block.number, height, "roll");
        assertEq(who.balance, uint256(balance), "deal");

        vm.prank(who);
        counter.add(1);
        vm.startPrank(who);
        counter.add(1);
        counter.sub(2);
        vm.stopPrank();
        assertEq(counter.count(), 0, "pranked calls");
    }

    function test_ExpectRevertAndEmit() public {
        vm.expectRevert(Counter.Zero.selector);
        counter.add(0);

        uint256 tooMuch = counter.CAP() + 1;
        vm.expectRevert(abi.encodeWithSelector(Counter.CapExceeded.selector, tooMuch));
        counter.add(tooMuch);

        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        counter.sub(1);

        address alice = makeAddr("alice");
        vm.expectEmit(address(counter));
        emit Counter.Added(alice, 7);
        vm.prank(alice);
        counter.add(7);
    }

    function test_StoreLoadAddr() public {
        // `count` is Counter's first storage variable: slot 0.
        vm.store(address(counter), bytes32(0), bytes32(uint256(42)));
        assertEq(counter.count(), 42, "store");
        assertEq(vm.load(address(counter), bytes32(0)), bytes32(uint256(42)), "load");
        // The well-known address of private key 1.
        assertEq(vm.addr(1), 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf, "addr");
    }

    function test_AssertionsPassOnTrueStatements() public pure {
        assertTrue(true, "true");
        assertFalse(false, "false");
        assertEq(address(1), address(1), "address");
        assertEq(true, true, "bool");
        assertNotEq(uint256(1), 2, "not eq");
        assertLt(uint256(1), 2, "lt");
        assertGt(uint256(2), 1, "gt");
        assertApproxEqAbs(100, 103, 3, "abs");
        assertApproxEqRel(100e18, 101e18, 0.01e18, "1% of right");
        assertApproxEqRel(0, 0, 0, "zero");
    }

    function test_FailingAssertionsRevertWithReadableMessage() public {
        vm.expectRevert(bytes("assertion failed: supply: 1 != 2"));
        probe.eq(1, 2, "supply");

        vm.expectRevert(bytes("assertion failed: 3 > 2"));
        probe.le(3, 2);

        vm.expectRevert(
            bytes(
                string.concat(
                    "assertion failed: 110 !~= 100 ",
                    "(max delta: 50000000000000000, real delta: 100000000000000000; 1e18 = 100%)"
                )
            )
        );
        probe.approxRel(110, 100, 0.05e18);
    }
}

contract ToolchainInvariantTest is Test {
    Counter internal counter;
    CounterHandler internal handler;
    address internal constant ACTOR = address(0xA11CE);

    function setUp() public {
        counter = new Counter();
        handler = new CounterHandler(counter, ACTOR);
        vm.label(ACTOR, "actor");

        // Without these, forge would also call Counter directly and the handler's
        // unaccountedAdd, and the ghost invariant below would break: it checks the targeting.
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](2);
        selectors[0] = CounterHandler.add.selector;
        selectors[1] = CounterHandler.sub.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetSender(ACTOR);
        excludeSender(address(counter));
    }

    function invariant_CountEqualsGhostTotals() public view {
        assertEq(counter.count(), handler.ghostAdded() - handler.ghostSubtracted(), "count != added - subtracted");
    }

    function invariant_CountWithinCap() public view {
        assertLe(counter.count(), counter.CAP(), "count above cap");
    }

    function invariant_OnlyTargetedSenderCalls() public view {
        assertFalse(handler.sawForeignSender(), "call from a sender that was not targeted");
    }

    /// @dev Runs after each campaign run: proves the handler was actually exercised.
    function afterInvariant() external view {
        assertGt(handler.calls(), 0, "handler never called");
    }

    function test_TargetListsAreExposed() public view {
        assertEq(targetContracts().length, 1, "targetContracts");
        assertEq(targetContracts()[0], address(handler), "targetContracts[0]");
        assertEq(targetSelectors()[0].selectors.length, 2, "targetSelectors");
        assertEq(targetSenders()[0], ACTOR, "targetSenders");
        assertEq(excludeSenders()[0], address(counter), "excludeSenders");
        assertEq(excludeContracts().length, 0, "excludeContracts");
    }
}

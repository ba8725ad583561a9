// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Vm
/// @notice The forge cheatcodes the Ballast tests use. forge answers calls to this address
/// natively; the signatures must match forge's exactly, so add new ones by their forge signature.
/// @dev forge-std is not usable here (the npm copy is old and needs the missing ds-test), hence
/// this small replacement. The name `Vm` (not `IVm`) is the one every forge test and doc uses.
// solhint-disable-next-line interface-starts-with-i
interface Vm {
    // Block and time.
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function getBlockTimestamp() external view returns (uint256 timestamp);

    // Caller impersonation.
    function prank(address msgSender) external;
    function prank(address msgSender, address txOrigin) external;
    function startPrank(address msgSender) external;
    function startPrank(address msgSender, address txOrigin) external;
    function stopPrank() external;

    // Fuzz input filtering: a false condition discards the run instead of failing it.
    function assume(bool condition) external pure;
    function assumeNoRevert() external pure;

    // State.
    function deal(address account, uint256 newBalance) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function snapshotState() external returns (uint256 snapshotId);
    function fee(uint256 newBasefee) external;

    // Artifacts: deploys `artifactPath` ("File.sol:Contract") with ABI-encoded constructor arguments.
    function deployCode(string calldata artifactPath, bytes calldata constructorArgs) external returns (address);
    function getDeployedCode(string calldata artifactPath) external view returns (bytes memory runtimeBytecode);

    // Files and JSON (reads need foundry.toml's fs_permissions).
    function readFile(string calldata path) external view returns (string memory data);
    function parseJsonKeys(string calldata json, string calldata key) external pure returns (string[] memory keys);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);

    // Logs emitted since `recordLogs`; reading them clears the record.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function revertToState(uint256 snapshotId) external returns (bool success);

    // Mocks.
    function mockCall(address callee, bytes calldata data, bytes calldata returnData) external;
    function clearMockedCalls() external;

    // Expectations on the next call.
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
    function expectCall(address callee, bytes calldata data) external;

    // Keys, labels and formatting.
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function label(address account, string calldata newLabel) external;
    function toString(uint256 value) external pure returns (string memory stringifiedValue);
    function toString(int256 value) external pure returns (string memory stringifiedValue);
    function toString(address value) external pure returns (string memory stringifiedValue);
    function toString(bool value) external pure returns (string memory stringifiedValue);
    function toString(bytes32 value) external pure returns (string memory stringifiedValue);
}

/// @title Test
/// @notice Base contract for forge fuzz and invariant tests: cheatcodes (`vm`), `bound`,
/// assertions, and the invariant target/exclude lists forge reads after `setUp()`.
/// @dev forge 1.x treats a contract as a test suite by its `test*`/`invariant*` functions and a
/// test as failed when it reverts, so no `IS_TEST`/`failed()` is needed: every assertion here
/// reverts. Assertion messages start with "assertion failed" because forge classifies reverts with
/// that text as assertion failures (e.g. inside invariant handlers, even with fail_on_revert off).
abstract contract Test {
    /// @dev forge's cheatcode address: address(bytes20(uint160(uint256(keccak256("hevm cheat code"))))).
    /// Named `vm`, not VM, because that is how every forge test spells cheatcode calls.
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    uint256 private constant UINT256_MAX = type(uint256).max;
    /// @dev 1e18 = 100% for the relative-tolerance assertions, as in forge-std.
    uint256 private constant PERCENT_100 = 1e18;

    error BoundMaxBelowMin();

    // -----------------------------------------------------------------------------------------
    // Invariant targeting. The ABI of these structs and getters is what forge decodes, so their
    // shapes must not change. With no targetContract call, forge fuzzes every contract deployed in
    // setUp() except the test contract itself.
    // -----------------------------------------------------------------------------------------

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    struct FuzzArtifactSelector {
        string artifact;
        bytes4[] selectors;
    }

    struct FuzzInterface {
        address addr;
        string[] artifacts;
    }

    address[] private _targetedContracts;
    address[] private _excludedContracts;
    address[] private _targetedSenders;
    address[] private _excludedSenders;
    string[] private _targetedArtifacts;
    string[] private _excludedArtifacts;
    FuzzSelector[] private _targetedSelectors;
    FuzzSelector[] private _excludedSelectors;
    FuzzArtifactSelector[] private _targetedArtifactSelectors;
    FuzzInterface[] private _targetedInterfaces;

    /// @notice Restrict invariant calls to this contract (may be called several times).
    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    /// @notice Restrict invariant calls on `selector.addr` to the listed functions.
    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    /// @notice Only these addresses send invariant calls (default: random senders).
    function targetSender(address sender) internal {
        _targetedSenders.push(sender);
    }

    function targetArtifact(string memory artifact) internal {
        _targetedArtifacts.push(artifact);
    }

    function targetArtifactSelector(FuzzArtifactSelector memory selector) internal {
        _targetedArtifactSelectors.push(selector);
    }

    function targetInterface(FuzzInterface memory target) internal {
        _targetedInterfaces.push(target);
    }

    function excludeContract(address target) internal {
        _excludedContracts.push(target);
    }

    function excludeSelector(FuzzSelector memory selector) internal {
        _excludedSelectors.push(selector);
    }

    /// @notice Never use `sender` as the caller of an invariant call.
    function excludeSender(address sender) internal {
        _excludedSenders.push(sender);
    }

    function excludeArtifact(string memory artifact) internal {
        _excludedArtifacts.push(artifact);
    }

    // Getters forge calls on the test contract after setUp(). A missing one is treated as empty,
    // but defining all of them keeps the behaviour independent of the forge version.

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function targetArtifacts() public view returns (string[] memory) {
        return _targetedArtifacts;
    }

    function targetArtifactSelectors() public view returns (FuzzArtifactSelector[] memory) {
        return _targetedArtifactSelectors;
    }

    function targetInterfaces() public view returns (FuzzInterface[] memory) {
        return _targetedInterfaces;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    function excludeSelectors() public view returns (FuzzSelector[] memory) {
        return _excludedSelectors;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    function excludeArtifacts() public view returns (string[] memory) {
        return _excludedArtifacts;
    }

    // -----------------------------------------------------------------------------------------
    // Fuzz helpers
    // -----------------------------------------------------------------------------------------

    /// @notice Maps a fuzzed `x` into [min, max] (inclusive), with forge-std's semantics:
    /// values already in range are returned unchanged (so dictionary values such as exact
    /// thresholds survive), 0..3 map to min..min+3 and MAX-3..MAX to max-3..max (so the edges are
    /// hit often), and anything else wraps around the range.
    function bound(uint256 x, uint256 min, uint256 max) internal pure virtual returns (uint256) {
        if (min > max) revert BoundMaxBelowMin();
        if (x >= min && x <= max) return x;

        // Not overflowing: with min = 0 and max = MAX every x was returned above.
        uint256 size = max - min + 1;
        if (x <= 3 && x < size) return min + x;
        if (x >= UINT256_MAX - 3 && UINT256_MAX - x < size) return max - (UINT256_MAX - x);

        if (x > max) {
            uint256 above = (x - max) % size;
            return above == 0 ? max : min + above - 1;
        }
        uint256 below = (min - x) % size;
        return below == 0 ? min : max - below + 1;
    }

    /// @notice Signed `bound`: flipping the sign bit maps int256 order onto uint256 order
    /// (int256.min -> 0, 0 -> 2**255), so the unsigned rules apply around int256.min/max.
    function bound(int256 x, int256 min, int256 max) internal pure virtual returns (int256) {
        if (min > max) revert BoundMaxBelowMin();
        return _fromOrdered(bound(_toOrdered(x), _toOrdered(min), _toOrdered(max)));
    }

    /// @notice A deterministic address for `name`, labelled in traces.
    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(account, name);
    }

    /// @notice Advances block.timestamp by `time` seconds.
    function skip(uint256 time) internal {
        vm.warp(vm.getBlockTimestamp() + time);
    }

    // -----------------------------------------------------------------------------------------
    // Assertions: each reverts with "assertion failed: [<message>: ]<left> <violated relation> <right>".
    // They revert with a string, not a custom error, because forge recognises an assertion failure
    // by an Error(string) containing "assertion failed" (see the contract's @dev).
    // -----------------------------------------------------------------------------------------

    /* solhint-disable gas-custom-errors */

    function fail() internal pure virtual {
        revert("assertion failed");
    }

    function fail(string memory message) internal pure virtual {
        revert(string.concat("assertion failed: ", message));
    }

    function assertTrue(bool condition) internal pure virtual {
        assertTrue(condition, "");
    }

    function assertTrue(bool condition, string memory message) internal pure virtual {
        if (!condition) _fail(message, "expected true, got false");
    }

    function assertFalse(bool condition) internal pure virtual {
        assertFalse(condition, "");
    }

    function assertFalse(bool condition, string memory message) internal pure virtual {
        if (condition) _fail(message, "expected false, got true");
    }

    function assertEq(uint256 left, uint256 right) internal pure virtual {
        assertEq(left, right, "");
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left != right) _fail(message, vm.toString(left), " != ", vm.toString(right));
    }

    function assertEq(int256 left, int256 right) internal pure virtual {
        assertEq(left, right, "");
    }

    function assertEq(int256 left, int256 right, string memory message) internal pure virtual {
        if (left != right) _fail(message, vm.toString(left), " != ", vm.toString(right));
    }

    function assertEq(address left, address right) internal pure virtual {
        assertEq(left, right, "");
    }

    function assertEq(address left, address right, string memory message) internal pure virtual {
        if (left != right) _fail(message, vm.toString(left), " != ", vm.toString(right));
    }

    function assertEq(bool left, bool right) internal pure virtual {
        assertEq(left, right, "");
    }

    function assertEq(bool left, bool right, string memory message) internal pure virtual {
        if (left != right) _fail(message, vm.toString(left), " != ", vm.toString(right));
    }

    function assertEq(bytes32 left, bytes32 right) internal pure virtual {
        assertEq(left, right, "");
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure virtual {
        if (left != right) _fail(message, vm.toString(left), " != ", vm.toString(right));
    }

    function assertNotEq(uint256 left, uint256 right) internal pure virtual {
        assertNotEq(left, right, "");
    }

    function assertNotEq(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left == right) _fail(message, vm.toString(left), " == ", vm.toString(right));
    }

    function assertNotEq(address left, address right) internal pure virtual {
        assertNotEq(left, right, "");
    }

    function assertNotEq(address left, address right, string memory message) internal pure virtual {
        if (left == right) _fail(message, vm.toString(left), " == ", vm.toString(right));
    }

    function assertLt(uint256 left, uint256 right) internal pure virtual {
        assertLt(left, right, "");
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left >= right) _fail(message, vm.toString(left), " >= ", vm.toString(right));
    }

    function assertLe(uint256 left, uint256 right) internal pure virtual {
        assertLe(left, right, "");
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left > right) _fail(message, vm.toString(left), " > ", vm.toString(right));
    }

    function assertGt(uint256 left, uint256 right) internal pure virtual {
        assertGt(left, right, "");
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left <= right) _fail(message, vm.toString(left), " <= ", vm.toString(right));
    }

    function assertGe(uint256 left, uint256 right) internal pure virtual {
        assertGe(left, right, "");
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left < right) _fail(message, vm.toString(left), " < ", vm.toString(right));
    }

    function assertLt(int256 left, int256 right) internal pure virtual {
        assertLt(left, right, "");
    }

    function assertLt(int256 left, int256 right, string memory message) internal pure virtual {
        if (left >= right) _fail(message, vm.toString(left), " >= ", vm.toString(right));
    }

    function assertLe(int256 left, int256 right) internal pure virtual {
        assertLe(left, right, "");
    }

    function assertLe(int256 left, int256 right, string memory message) internal pure virtual {
        if (left > right) _fail(message, vm.toString(left), " > ", vm.toString(right));
    }

    function assertGt(int256 left, int256 right) internal pure virtual {
        assertGt(left, right, "");
    }

    function assertGt(int256 left, int256 right, string memory message) internal pure virtual {
        if (left <= right) _fail(message, vm.toString(left), " <= ", vm.toString(right));
    }

    function assertGe(int256 left, int256 right) internal pure virtual {
        assertGe(left, right, "");
    }

    function assertGe(int256 left, int256 right, string memory message) internal pure virtual {
        if (left < right) _fail(message, vm.toString(left), " < ", vm.toString(right));
    }

    /// @notice |left - right| <= maxDelta.
    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta) internal pure virtual {
        assertApproxEqAbs(left, right, maxDelta, "");
    }

    function assertApproxEqAbs(
        uint256 left,
        uint256 right,
        uint256 maxDelta,
        string memory message
    ) internal pure virtual {
        uint256 delta = _absDiff(left, right);
        if (delta > maxDelta) {
            _fail(
                message,
                vm.toString(left),
                " !~= ",
                string.concat(
                    vm.toString(right),
                    " (max delta: ",
                    vm.toString(maxDelta),
                    ", real delta: ",
                    vm.toString(delta),
                    ")"
                )
            );
        }
    }

    /// @notice |left - right| / right <= maxPercentDelta, with 1e18 = 100% (forge-std semantics;
    /// when right is 0, left must be exactly 0).
    function assertApproxEqRel(uint256 left, uint256 right, uint256 maxPercentDelta) internal pure virtual {
        assertApproxEqRel(left, right, maxPercentDelta, "");
    }

    function assertApproxEqRel(
        uint256 left,
        uint256 right,
        uint256 maxPercentDelta,
        string memory message
    ) internal pure virtual {
        if (right == 0) {
            assertEq(left, right, message);
            return;
        }
        // delta * 1e18 overflows only for deltas above ~1.2e59, far outside any test amount.
        uint256 percentDelta = (_absDiff(left, right) * PERCENT_100) / right;
        if (percentDelta > maxPercentDelta) {
            _fail(
                message,
                vm.toString(left),
                " !~= ",
                string.concat(
                    vm.toString(right),
                    " (max delta: ",
                    vm.toString(maxPercentDelta),
                    ", real delta: ",
                    vm.toString(percentDelta),
                    "; 1e18 = 100%)"
                )
            );
        }
    }

    function _fail(string memory message, string memory detail) private pure {
        if (bytes(message).length == 0) revert(string.concat("assertion failed: ", detail));
        revert(string.concat("assertion failed: ", message, ": ", detail));
    }

    function _fail(string memory message, string memory left, string memory op, string memory right) private pure {
        _fail(message, string.concat(left, op, right));
    }

    /* solhint-enable gas-custom-errors */

    // -----------------------------------------------------------------------------------------
    // Internals
    // -----------------------------------------------------------------------------------------

    function _absDiff(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _toOrdered(int256 x) private pure returns (uint256) {
        return uint256(x) ^ (1 << 255);
    }

    function _fromOrdered(uint256 x) private pure returns (int256) {
        return int256(x ^ (1 << 255));
    }
}

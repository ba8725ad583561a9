// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MockReentryAttacker
/// @notice The Lendf.me attacker (April 2020) as a contract. It owns vaults and acts through
/// `execute`; a collateral token with a transfer hook (MockReentrantToken with this contract as hook
/// target and `onTokenTransfer()` as hook data) calls it back in the middle of the protocol's token
/// transfers, and the call armed with `arm` then runs once, as this contract, re-entering the
/// protocol. Every revert bubbles up unchanged, so a test sees the protocol's own error. Local
/// networks only: anyone may call it.
contract MockReentryAttacker {
    /// @notice The call the next hook makes (address(0): none).
    address public armedTarget;
    bytes public armedData;
    /// @notice Armed calls that ran and succeeded.
    uint256 public reentries;

    /// @notice Calls `target` with `data` as this contract.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) _bubble(result);
    }

    /// @notice Makes the next `onTokenTransfer` call `target` with `data`.
    function arm(address target, bytes calldata data) external {
        armedTarget = target;
        armedData = data;
    }

    /// @notice The token's hook: runs the armed call once (disarming first), bubbling its revert.
    function onTokenTransfer() external {
        address target = armedTarget;
        if (target == address(0)) return;
        bytes memory data = armedData;
        armedTarget = address(0);
        delete armedData;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) _bubble(result);
        ++reentries;
    }

    function _bubble(bytes memory result) internal pure {
        assembly ("memory-safe") {
            revert(add(result, 32), mload(result))
        }
    }
}

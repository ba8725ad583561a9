// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockReentrantToken
/// @notice An 18-decimal token with a transfer hook (ERC-777 style) that calls `hookTarget` with
/// `hookData` during every transfer, to try re-entering the protocol mid-transfer. A revert of the
/// hook call is bubbled up, so a test sees the protocol's reentrancy error.
contract MockReentrantToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool private _inHook;

    constructor() ERC20("Hook Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hookTarget == address(0) || _inHook || from == address(0)) return;
        _inHook = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = hookTarget.call(hookData);
        _inHook = false;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title Timelock
/// @notice OpenZeppelin's TimelockController with a hard bound on its delay: a passed proposal
/// always waits between MIN_TIMELOCK_DELAY (never zero) and MAX_TIMELOCK_DELAY before anyone may
/// execute it. After deployment the governor is the only proposer and canceller, execution is open
/// to anyone (EXECUTOR_ROLE held by address(0)) and the timelock administers itself: no admin is
/// left, so a change of roles or delay is itself a proposal.
contract Timelock is TimelockController {
    /// @param minDelay Initial delay [seconds], within the bounds.
    /// @param admin Optional deployer admin for the wiring; the deployment's last step renounces it.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        ErrorsLib.checkBounds(minDelay, ConstantsLib.MIN_TIMELOCK_DELAY, ConstantsLib.MAX_TIMELOCK_DELAY);
    }

    /// @notice Only through the timelock itself (a proposal): set the delay within the bounds.
    function updateDelay(uint256 newDelay) public override {
        // The caller first, so that an outsider always sees TimelockUnauthorizedCaller.
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        ErrorsLib.checkBounds(newDelay, ConstantsLib.MIN_TIMELOCK_DELAY, ConstantsLib.MAX_TIMELOCK_DELAY);
        super.updateDelay(newDelay);
    }
}

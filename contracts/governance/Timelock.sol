// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title Timelock
/// @notice OpenZeppelin's TimelockController with a hard bound on its delay: a passed proposal
/// always waits between MIN_TIMELOCK_DELAY (never zero) and MAX_TIMELOCK_DELAY before anyone may
/// execute it. After deployment the governor is the only proposer and canceller, execution is open
/// to anyone (EXECUTOR_ROLE held by address(0)) and the timelock administers itself: no admin is
/// left, so a change of roles or delay is itself a proposal. A new delay must also keep the
/// governance cycle of the vault manager's governor shorter than its `maxPauseDuration` (see
/// IBallastGovernor).
contract Timelock is TimelockController {
    /// @notice The vault manager whose `maxPauseDuration` bounds the governance cycle.
    IVaultManager public immutable vaultManager;

    /// @param minDelay Initial delay [seconds], within the bounds.
    /// @param admin Optional deployer admin for the wiring; the deployment's last step renounces it.
    /// @param vaultManager_ Read by `updateDelay` (the governor, deployed after this, checks the
    /// initial cycle).
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin,
        IVaultManager vaultManager_
    ) TimelockController(minDelay, proposers, executors, admin) {
        ErrorsLib.checkBounds(minDelay, ConstantsLib.MIN_TIMELOCK_DELAY, ConstantsLib.MAX_TIMELOCK_DELAY);
        if (address(vaultManager_) == address(0)) revert ErrorsLib.ZeroAddress();
        vaultManager = vaultManager_;
    }

    /// @notice Only through the timelock itself (a proposal): set the delay within the bounds, keeping
    /// voting delay + voting period + the new delay below the vault manager's `maxPauseDuration`
    /// (`GovernanceCycleTooLong`), with the voting settings of the governor the vault manager knows
    /// (`pauseGovernor`; none yet: no check).
    function updateDelay(uint256 newDelay) public override {
        // The caller first, so that an outsider always sees TimelockUnauthorizedCaller.
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        ErrorsLib.checkBounds(newDelay, ConstantsLib.MIN_TIMELOCK_DELAY, ConstantsLib.MAX_TIMELOCK_DELAY);
        address governor = vaultManager.pauseGovernor();
        if (governor != address(0)) {
            uint256 cycle = IGovernor(governor).votingDelay() + IGovernor(governor).votingPeriod() + newDelay;
            uint256 maxPause = vaultManager.maxPauseDuration();
            if (cycle >= maxPause) revert ErrorsLib.GovernanceCycleTooLong(cycle, maxPause);
        }
        super.updateDelay(newDelay);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVaultManager} from "./IVaultManager.sol";

/// @title IBallastGovernor
/// @notice What Ballast adds to OpenZeppelin's Governor: a governance cycle that always stays shorter
/// than the vault manager's `maxPauseDuration`, so that a vote can renew a guardian's pause (or
/// revoke a captured guardian) before the pause lapses.
/// @dev The rule, cycle < maxPauseDuration with cycle = voting delay + voting period + timelock
/// delay, is enforced wherever one of its four terms changes: here (`setVotingDelay`,
/// `setVotingPeriod`, and the constructor), in the Timelock (`updateDelay`), and in the vault manager
/// (`setMaxPauseDuration`, `setPauseGovernor`). Each reverts `ErrorsLib.GovernanceCycleTooLong`.
/// No deployment cycle: the vault manager comes first and learns the governor afterwards
/// (`setPauseGovernor`, by its admin); until then it checks nothing, and the governor and the
/// timelock, which know the vault manager from their constructors, check against its value.
interface IBallastGovernor {
    /// @notice The vault manager whose `maxPauseDuration` bounds the governance cycle.
    function vaultManager() external view returns (IVaultManager);

    /// @notice Seconds from a proposal to the earliest execution of its calls: voting delay +
    /// voting period + the timelock's minimum delay.
    function governanceCycle() external view returns (uint256);
}

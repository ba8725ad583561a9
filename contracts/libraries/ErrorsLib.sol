// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ErrorsLib
/// @notice Errors shared by several contracts, and the bound check that raises `OutOfBounds`.
/// Errors that belong to one contract live in its interface.
library ErrorsLib {
    /// @notice An amount that must be positive was zero.
    error ZeroAmount();
    /// @notice An address that must be set was the zero address.
    error ZeroAddress();
    /// @notice A parameter was set outside its hard bound [min, max].
    error OutOfBounds(uint256 value, uint256 min, uint256 max);
    /// @notice A parameter was moved by more than its maximum step in one call.
    error StepTooLarge(uint256 oldValue, uint256 newValue, uint256 maxStep);
    /// @notice A stepped parameter changed less than MIN_STEP_INTERVAL ago; the next step is
    /// allowed from `availableAt`.
    error StepTooSoon(uint256 availableAt);
    /// @notice A setter was called with the value already in force.
    error NoChange();
    /// @notice A value did not fit the storage type reserved for it.
    error AmountTooLarge(uint256 value, uint256 max);
    /// @notice The governance cycle (voting delay + voting period + timelock delay) would not stay
    /// shorter than the vault manager's `maxPauseDuration`: a pause could lapse before a vote on it.
    error GovernanceCycleTooLong(uint256 cycle, uint256 maxPauseDuration);

    /// @notice The one hard-bound check every setter uses: reverts `OutOfBounds` unless
    /// `min ≤ value ≤ max`.
    function checkBounds(uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert OutOfBounds(value, min, max);
    }
}

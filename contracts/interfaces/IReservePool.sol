// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IReservePool
/// @notice The protocol's balance sheet. This first version receives stability fees and flash-mint
/// fees in the stablecoin; later versions add the stability buffer, liquidation collateral,
/// deficit accounting and ERC-4626 strategies.
interface IReservePool {
    /// @notice The stablecoin the reserve accounts in.
    function stablecoin() external view returns (address);

    /// @notice Stablecoin the reserve owns free of any obligation [wad].
    function surplus() external view returns (uint256);

    /// @notice USD value of everything the reserve holds [wad], valued at $1 per stablecoin.
    function totalReserveValue() external view returns (uint256);
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IReservePool} from "../interfaces/IReservePool.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title ReservePool
/// @notice The protocol's balance sheet, first version. Stability fees (minted here by the vault
/// manager) and flash-mint fees (transferred here by the stablecoin) accumulate as surplus.
/// @dev The surplus is the stablecoin balance: fees arrive by mint and transfer, so there is no
/// receive hook to keep a separate counter in step. A donation only makes the reserve richer.
contract ReservePool is IReservePool, AccessControl {
    /// @inheritdoc IReservePool
    address public immutable stablecoin;

    constructor(address stablecoin_, address admin) {
        if (stablecoin_ == address(0) || admin == address(0)) revert ErrorsLib.ZeroAddress();
        stablecoin = stablecoin_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IReservePool
    function surplus() public view returns (uint256) {
        return IERC20(stablecoin).balanceOf(address(this));
    }

    /// @inheritdoc IReservePool
    function totalReserveValue() external view returns (uint256) {
        return surplus();
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";

/// @notice Test helper for scan benchmarks: opens many vaults in one transaction (this contract
/// owns them). Collateral per vault varies over four steps so health factors differ.
contract BulkVaultOpener {
    function open(IVaultManager vm, address collateral, uint256 count, uint256 collateralEach, uint256 debt) external {
        uint256 total = collateralEach * count * 2;
        IERC20(collateral).transferFrom(msg.sender, address(this), total);
        IERC20(collateral).approve(address(vm), total);
        for (uint256 i; i < count; ++i) {
            vm.openVault(collateral, collateralEach + (collateralEach * (i % 4)) / 4, debt);
        }
    }
}

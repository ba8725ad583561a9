// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/// @title IBallastDollar
/// @notice The Ballast USD stablecoin: ERC-20, EIP-2612 permit and ERC-3156 flash mint. Only
/// registered modules (vault manager, peg stability module, reserve) mint and burn.
interface IBallastDollar is IERC20, IERC20Permit, IERC3156FlashLender {
    event ModuleSet(address indexed module, bool enabled);
    event FlashFeeSet(uint256 oldFee, uint256 newFee);
    event FlashMintMaxSet(uint256 oldMax, uint256 newMax);
    event FeeRecipientSet(address indexed oldRecipient, address indexed newRecipient);

    /// @notice The caller is not a registered module.
    error NotModule(address caller);

    /// @notice Module only: mint `amount` to `to`.
    function mint(address to, uint256 amount) external;

    /// @notice Module only: burn `amount` from `from`. The module is responsible for `from`'s
    /// consent (the vault manager burns only from the caller of `repay`).
    function burn(address from, uint256 amount) external;

    function isModule(address account) external view returns (bool);

    /// @notice Flash-mint fee as a share of the amount [wad].
    function flashFeeRate() external view returns (uint256);

    /// @notice Largest single flash mint [wad].
    function flashMintMax() external view returns (uint256);

    /// @notice Where flash-mint fees go: the reserve pool.
    function feeRecipient() external view returns (address);

    /// @notice Admin: register or remove a module.
    function setModule(address module, bool enabled) external;

    /// @notice Admin: set the flash fee, at most `MAX_FLASH_FEE`.
    function setFlashFeeRate(uint256 newFee) external;

    /// @notice Admin: set the flash-mint maximum, at most `MAX_FLASH_MINT`.
    function setFlashMintMax(uint256 newMax) external;

    /// @notice Admin: set the reserve that receives flash fees.
    function setFeeRecipient(address newRecipient) external;
}

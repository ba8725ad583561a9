// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/// @title MockVotesFlashLender
/// @notice A fee-free ERC-3156 lender of the tokens it holds (here: the governance token), like a
/// lending pool an attacker borrows voting power from for one transaction (Beanstalk, 2022).
contract MockVotesFlashLender is IERC3156FlashLender {
    using SafeERC20 for IERC20;

    bytes32 internal constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    IERC20 public immutable asset;

    error UnsupportedToken(address token);
    error CallbackFailed();

    constructor(address asset_) {
        asset = IERC20(asset_);
    }

    function maxFlashLoan(address token) public view returns (uint256) {
        return token == address(asset) ? asset.balanceOf(address(this)) : 0;
    }

    function flashFee(address token, uint256) external view returns (uint256) {
        if (token != address(asset)) revert UnsupportedToken(token);
        return 0;
    }

    /// @notice Lends `amount` to `receiver` for the duration of its callback and pulls it back.
    function flashLoan(
        IERC3156FlashBorrower receiver,
        address token,
        uint256 amount,
        bytes calldata data
    ) external returns (bool) {
        if (token != address(asset)) revert UnsupportedToken(token);
        asset.safeTransfer(address(receiver), amount);
        if (receiver.onFlashLoan(msg.sender, token, amount, 0, data) != CALLBACK_SUCCESS) revert CallbackFailed();
        asset.safeTransferFrom(address(receiver), address(this), amount);
        return true;
    }
}

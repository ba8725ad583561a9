// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title MockDex
/// @notice A market that buys any token at a set price for the stablecoin it holds (funded by the
/// test): `amountIn` token units pay `amountIn × price / 10^decimals`, rounded down.
contract MockDex {
    using SafeERC20 for IERC20;

    IERC20 public immutable stablecoin;
    mapping(address token => uint256) public price; // [wad of stablecoin per whole token]

    event Sold(address indexed token, address indexed seller, uint256 amountIn, uint256 amountOut);

    error NoPrice(address token);
    error InsufficientOutput(uint256 amountOut, uint256 minOut);

    constructor(address stablecoin_) {
        stablecoin = IERC20(stablecoin_);
    }

    function setPrice(address token, uint256 priceWad) external {
        price[token] = priceWad;
    }

    function quote(address token, uint256 amountIn) public view returns (uint256) {
        uint256 p = price[token];
        if (p == 0) revert NoPrice(token);
        return (amountIn * p) / 10 ** IERC20Metadata(token).decimals();
    }

    /// @notice Pulls `amountIn` of `token` from the caller and pays the stablecoin to `to`.
    function sell(address token, uint256 amountIn, uint256 minOut, address to) external returns (uint256 amountOut) {
        amountOut = quote(token, amountIn);
        if (amountOut < minOut) revert InsufficientOutput(amountOut, minOut);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amountIn);
        stablecoin.safeTransfer(to, amountOut);
        emit Sold(token, msg.sender, amountIn, amountOut);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Uniswap v3's own interfaces, compiled so that TypeChain types the deployed Uniswap contracts (the
// npm artifacts) for the tests and tools. Nothing here is deployed.
/* solhint-disable no-unused-import */
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {IQuoterV2} from "@uniswap/v3-periphery/contracts/interfaces/IQuoterV2.sol";

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarketPriceFeed} from "../../../contracts/interfaces/IMarketPriceFeed.sol";
import {PriceStatus} from "../../../contracts/interfaces/IOracleAdapter.sol";

/// @title PoolOracle
/// @notice The oracle as the peg keeper reads it: USDC at `usdcPrice` (live), the coin at the market
/// feed's TWAP × USDC — what MarketPriceFeed's rounds report when they are recorded every update.
contract PoolOracle {
    address public immutable usdc;
    IMarketPriceFeed public immutable feed;
    uint256 public usdcPrice = 1e18;

    constructor(address usdc_, address feed_) {
        usdc = usdc_;
        feed = IMarketPriceFeed(feed_);
    }

    function setUsdcPrice(uint256 price) external {
        usdcPrice = price;
    }

    function getPrice(address asset) external view returns (uint256, PriceStatus) {
        if (asset == usdc) return (usdcPrice, PriceStatus.Live);
        (uint256 twap, ) = feed.consult(feed.window(), 0);
        return ((twap * usdcPrice) / 1e18, PriceStatus.Live);
    }
}

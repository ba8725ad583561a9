// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";

/// @title OracleGasCaller
/// @notice Test helper: calls the oracle with a chosen gas allowance, and measures what a price read
/// costs a caller (cold oracle account and storage, as in a fresh transaction).
contract OracleGasCaller {
    /// @notice `oracle.getPrice(asset)` forwarding exactly `gasLimit`; reverts bubble up.
    function getPriceWithGas(
        IOracleAdapter oracle,
        address asset,
        uint256 gasLimit
    ) external view returns (uint256 priceWad, PriceStatus status) {
        return oracle.getPrice{gas: gasLimit}(asset);
    }

    /// @notice `oracle.volatility(asset)` forwarding exactly `gasLimit`; reverts bubble up.
    function volatilityWithGas(IOracleAdapter oracle, address asset, uint256 gasLimit) external view returns (uint256) {
        return oracle.volatility{gas: gasLimit}(asset);
    }

    /// @notice `oracle.recordPrice(asset)` forwarding exactly `gasLimit`; reverts bubble up.
    function recordPriceWithGas(IOracleAdapter oracle, address asset, uint256 gasLimit) external {
        oracle.recordPrice{gas: gasLimit}(asset);
    }

    /// @notice Gas used by one `oracle.getPrice(asset)` call, including the call itself.
    function measureGetPrice(
        IOracleAdapter oracle,
        address asset
    ) external view returns (uint256 gasUsed, uint256 priceWad, PriceStatus status) {
        uint256 before = gasleft();
        (priceWad, status) = oracle.getPrice(asset);
        gasUsed = before - gasleft();
    }

    /// @notice Gas used by one `feed.latestRoundData()` call (a market feed's TWAP read), the call included.
    function measureFeedRead(AggregatorV3Interface feed) external view returns (uint256 gasUsed, int256 answer) {
        uint256 before = gasleft();
        (, answer, , , ) = feed.latestRoundData();
        gasUsed = before - gasleft();
    }
}

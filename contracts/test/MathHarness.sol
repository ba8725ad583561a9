// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AuctionLib} from "../libraries/AuctionLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {RateLib} from "../libraries/RateLib.sol";

/// @notice Test only: the math libraries' internal functions as external calls, so the TypeScript
/// SDK's copy (lib/sdk/math.ts) is checked against them on random inputs (test/sdk/math.test.ts).
contract MathHarness {
    function mulDivDown(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return MathLib.mulDivDown(x, y, d);
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return MathLib.mulDivUp(x, y, d);
    }

    function wadMulDown(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wadMulDown(x, y);
    }

    function wadMulUp(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wadMulUp(x, y);
    }

    function wadDivDown(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wadDivDown(x, y);
    }

    function wadDivUp(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.wadDivUp(x, y);
    }

    function rayMulDown(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.rayMulDown(x, y);
    }

    function rayMulUp(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.rayMulUp(x, y);
    }

    function rayDivDown(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.rayDivDown(x, y);
    }

    function rayDivUp(uint256 x, uint256 y) external pure returns (uint256) {
        return MathLib.rayDivUp(x, y);
    }

    function rpowUpCapped(uint256 x, uint256 n, uint256 cap) external pure returns (uint256) {
        return MathLib.rpowUpCapped(x, n, cap);
    }

    function sqrtDown(uint256 x) external pure returns (uint256) {
        return MathLib.sqrtDown(x);
    }

    function rpowDownCapped(uint256 x, uint256 n, uint256 cap) external pure returns (uint256) {
        return MathLib.rpowDownCapped(x, n, cap);
    }

    function interestDown(uint256 assets, uint256 rate, uint256 elapsed) external pure returns (uint256) {
        return RateLib.interestDown(assets, rate, elapsed);
    }

    function grow(uint256 rate, uint256 fee, uint256 elapsed) external pure returns (uint256) {
        return RateLib.grow(rate, fee, elapsed);
    }

    function valueDown(uint256 amount, uint8 decimals, uint256 price) external pure returns (uint256) {
        return CollateralLib.valueDown(amount, decimals, price);
    }

    function valueUp(uint256 amount, uint8 decimals, uint256 price) external pure returns (uint256) {
        return CollateralLib.valueUp(amount, decimals, price);
    }

    function amountForValueDown(uint256 value, uint8 decimals, uint256 price) external pure returns (uint256) {
        return CollateralLib.amountForValueDown(value, decimals, price);
    }

    function amountForValueUp(uint256 value, uint8 decimals, uint256 price) external pure returns (uint256) {
        return CollateralLib.amountForValueUp(value, decimals, price);
    }

    function shareDown(uint256 amount, uint256 part, uint256 whole) external pure returns (uint256) {
        return CollateralLib.shareDown(amount, part, whole);
    }

    function slice(
        uint256 debt,
        uint256 absorbCapacity,
        uint256 auctionRoom,
        uint256 minDebt
    ) external pure returns (uint256, uint256) {
        return CollateralLib.slice(debt, absorbCapacity, auctionRoom, minDebt);
    }

    function split(
        uint256 collateralAmount,
        uint256 debt,
        uint256 sliced,
        uint256 absorbed,
        uint256 penalty,
        uint8 decimals,
        uint256 price
    ) external pure returns (uint256, uint256) {
        return CollateralLib.split(collateralAmount, debt, sliced, absorbed, penalty, decimals, price);
    }

    function takeAmounts(
        uint256 lot,
        uint256 tab,
        uint256 slice_,
        uint256 price,
        uint8 decimals,
        uint256 dust
    ) external pure returns (uint256, uint256) {
        return AuctionLib.takeAmounts(lot, tab, slice_, price, decimals, dust);
    }
}

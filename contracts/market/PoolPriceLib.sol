// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FullMath} from "@uniswap/v4-core/src/libraries/FullMath.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PoolPriceLib
/// @notice A Uniswap v3 pool's price as a WAD price of one of its tokens (the base) in the other (the
/// quote), from a sqrt price or a tick. Uses Uniswap's own `TickMath` and `FullMath` (v4-core, the
/// maintained 0.8 copies).
library PoolPriceLib {
    /// @notice The base token's price in the quote token [wad, rounded down] at `sqrtPriceX96`
    /// (√(token1 / token0) in raw units, Q64.96). `scale` = 10^(18 + base decimals − quote decimals).
    /// @dev Squares in 256 bits when the sqrt price fits 128 bits, otherwise through a Q128 ratio (the
    /// approach of Uniswap's OracleLibrary). No overflow for scales ≤ 1e36 over the whole tick range.
    function priceAtSqrtPrice(uint160 sqrtPriceX96, bool baseIsToken0, uint256 scale) internal pure returns (uint256) {
        if (sqrtPriceX96 <= type(uint128).max) {
            uint256 ratioX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
            return
                baseIsToken0
                    ? FullMath.mulDiv(ratioX192, scale, 1 << 192)
                    : FullMath.mulDiv(1 << 192, scale, ratioX192);
        }
        uint256 ratioX128 = FullMath.mulDiv(sqrtPriceX96, sqrtPriceX96, 1 << 64);
        return baseIsToken0 ? FullMath.mulDiv(ratioX128, scale, 1 << 128) : FullMath.mulDiv(1 << 128, scale, ratioX128);
    }

    /// @notice The sqrt price (Q64.96, rounded down) at which the base token is worth `priceWad` of the
    /// quote token; the inverse of `priceAtSqrtPrice` up to rounding. For prices whose sqrt price
    /// fits Uniswap's range (the caller checks against TickMath's bounds when it matters).
    function sqrtPriceAtPrice(uint256 priceWad, bool baseIsToken0, uint256 scale) internal pure returns (uint160) {
        uint256 ratioX192 = baseIsToken0
            ? FullMath.mulDiv(priceWad, 1 << 192, scale)
            : FullMath.mulDiv(scale, 1 << 192, priceWad);
        return uint160(Math.sqrt(ratioX192));
    }

    /// @notice The base token's price in the quote token at `tick` [wad, rounded down from the tick's
    /// sqrt price]. Callers passing a mean tick floored towards −∞ (`meanTick`) get the base's price
    /// up to one tick (1 bp) low when the base is token0 and up to one tick high when it is token1
    /// (its price is the inverse ratio).
    function priceAtTick(int24 tick, bool baseIsToken0, uint256 scale) internal pure returns (uint256) {
        return priceAtSqrtPrice(TickMath.getSqrtPriceAtTick(tick), baseIsToken0, scale);
    }

    /// @notice The arithmetic mean tick of a tick-cumulative difference over `secondsElapsed` (> 0),
    /// rounded towards negative infinity (as Uniswap's OracleLibrary.consult).
    function meanTick(int56 tickCumulativeDelta, uint256 secondsElapsed) internal pure returns (int24 tick) {
        // Safe: secondsElapsed ≤ 2^32 (observe takes uint32) and a mean of valid ticks is a valid tick.
        int56 elapsed = int56(int256(secondsElapsed));
        tick = int24(tickCumulativeDelta / elapsed);
        if (tickCumulativeDelta < 0 && tickCumulativeDelta % elapsed != 0) --tick;
    }

    /// @notice The harmonic-mean in-range liquidity over `secondsElapsed` from the difference of the
    /// pool's seconds-per-liquidity accumulator (Q128), saturated at 2^128 − 1.
    function harmonicMeanLiquidity(
        uint160 secondsPerLiquidityDeltaX128,
        uint256 secondsElapsed
    ) internal pure returns (uint256) {
        if (secondsPerLiquidityDeltaX128 == 0) return type(uint128).max;
        uint256 liquidity = (secondsElapsed << 128) / secondsPerLiquidityDeltaX128;
        return liquidity > type(uint128).max ? type(uint128).max : liquidity;
    }
}

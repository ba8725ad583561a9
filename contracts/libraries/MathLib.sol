// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ConstantsLib} from "./ConstantsLib.sol";

/// @title MathLib
/// @notice WAD and RAY fixed-point arithmetic. Every function states its rounding direction in its
/// name; callers pick the one that favours the protocol (debt up, value and payouts down).
/// @dev Checked arithmetic: an intermediate overflow reverts rather than wraps.
library MathLib {
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y) / d;
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y + (d - 1)) / d;
    }

    function wadMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, ConstantsLib.WAD);
    }

    function wadMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, ConstantsLib.WAD);
    }

    function wadDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, ConstantsLib.WAD, y);
    }

    function wadDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, ConstantsLib.WAD, y);
    }

    function rayMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, ConstantsLib.RAY);
    }

    function rayMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, ConstantsLib.RAY);
    }

    function rayDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, ConstantsLib.RAY, y);
    }

    function rayDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, ConstantsLib.RAY, y);
    }

    /// @notice min(`x^n`, `cap`) for a RAY base, by squaring, each product rounded up, so that below
    /// the cap the result is an upper bound of the exact power (the accumulator never under-charges
    /// interest). Never reverts.
    /// @dev Relative error grows about linearly in n (each squaring doubles it): below n·1e-27, so
    /// about 3e-20 over a year of seconds, and always upward. Runs on every accrual, so it is written in
    /// assembly. Requires RAY ≤ x ≤ cap < 2^128: every factor is then at most the cap, so no product
    /// passes cap² + RAY < 2^256. Saturates as soon as the partial result or a square passes the cap:
    /// a square computed while bits of `n` remain is at most the top square, which is multiplied in,
    /// and every factor is ≥ 1 RAY, so the power would end above the cap too.
    function rpowUpCapped(uint256 x, uint256 n, uint256 cap) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            let ray := 1000000000000000000000000000
            let roundUp := sub(ray, 1)
            z := ray
            for {} n {} {
                if and(n, 1) {
                    z := div(add(mul(z, x), roundUp), ray)
                    if gt(z, cap) {
                        z := cap
                        break
                    }
                }
                n := shr(1, n)
                if n {
                    x := div(add(mul(x, x), roundUp), ray)
                    if gt(x, cap) {
                        z := cap
                        break
                    }
                }
            }
        }
    }

    /// @notice min(`x^n`, `cap`) for a RAY base, by squaring, each product rounded down, so that below
    /// the cap the result is a lower bound of the exact power (savings interest is never over-paid).
    /// Never reverts. The mirror of `rpowUpCapped`, with the same requirement RAY ≤ x ≤ cap < 2^128.
    function rpowDownCapped(uint256 x, uint256 n, uint256 cap) internal pure returns (uint256 z) {
        assembly ("memory-safe") {
            let ray := 1000000000000000000000000000
            z := ray
            for {} n {} {
                if and(n, 1) {
                    z := div(mul(z, x), ray)
                    if gt(z, cap) {
                        z := cap
                        break
                    }
                }
                n := shr(1, n)
                if n {
                    x := div(mul(x, x), ray)
                    if gt(x, cap) {
                        z := cap
                        break
                    }
                }
            }
        }
    }

    function absDiff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    /// @notice a + b, or the largest uint256 when the sum would overflow.
    function saturatingAdd(uint256 a, uint256 b) internal pure returns (uint256) {
        unchecked {
            uint256 c = a + b;
            return c < a ? type(uint256).max : c;
        }
    }

    function min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    /// @notice Integer square root, rounded down (Babylonian method).
    function sqrtDown(uint256 x) internal pure returns (uint256 z) {
        if (x == 0) return 0;
        z = x;
        uint256 y = x / 2 + 1;
        while (y < z) {
            z = y;
            y = (x / y + y) / 2;
        }
    }
}

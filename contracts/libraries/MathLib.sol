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

    /// @notice `x^n` for a RAY base, by squaring, each product rounded up, so the result is an
    /// upper bound of the exact power (the accumulator never under-charges interest).
    /// @dev Relative error at most 2·log2(n)·1e-27. With x ≤ MAX_STABILITY_FEE (2x a year) the
    /// intermediate products stay far below 2^256 for any n below 2^40 seconds.
    function rpowUp(uint256 x, uint256 n) internal pure returns (uint256 z) {
        z = ConstantsLib.RAY;
        while (n != 0) {
            if (n & 1 != 0) z = rayMulUp(z, x);
            n >>= 1;
            if (n != 0) x = rayMulUp(x, x);
        }
    }

    function absDiff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
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

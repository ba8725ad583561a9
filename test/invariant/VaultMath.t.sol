// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ConstantsLib} from "../../contracts/libraries/ConstantsLib.sol";
import {MathLib} from "../../contracts/libraries/MathLib.sol";
import {Test} from "./utils/Test.sol";

/// @title VaultMathTest
/// @notice Fuzz tests of MathLib, the fixed-point arithmetic behind every debt and collateral value.
/// `rpowUpCapped` is compared with an independent reference: the same power computed at 1e45 precision
/// with OpenZeppelin's 512-bit `mulDiv`, rounded down and up, which brackets the exact value
/// x^n / RAY^(n−1) far more tightly than one ray wei.
contract VaultMathTest is Test {
    using MathLib for uint256;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    /// @dev Reference precision and its ratio to RAY.
    uint256 internal constant FINE = 1e45;
    uint256 internal constant FINE_PER_RAY = 1e18;
    uint256 internal constant YEAR = 365 days;
    /// @dev perSecondRate(2 %) from config/units.ts, the WETH stability fee.
    uint256 internal constant FEE_2_PERCENT = 1_000000000627937192491029810;

    // ------------------------------------------------------------------ rpowUpCapped

    /// @dev The cap the vault manager passes (the accumulator's saturation point).
    uint256 internal constant CAP = ConstantsLib.MAX_RATE_ACCUMULATOR;

    function _pow(uint256 x, uint256 n) internal pure returns (uint256) {
        return MathLib.rpowUpCapped(x, n, CAP);
    }

    function testFuzz_RpowUpOfRayIsRay(uint256 n) public pure {
        assertEq(_pow(RAY, n), RAY, "1^n");
    }

    function testFuzz_RpowUpSmallExponents(uint256 x) public pure {
        x = bound(x, RAY, ConstantsLib.MAX_STABILITY_FEE);
        assertEq(_pow(x, 0), RAY, "x^0");
        assertEq(_pow(x, 1), x, "x^1");
        assertEq(_pow(x, 2), x.rayMulUp(x), "x^2");
    }

    /// @notice Below the cap, the power is an upper bound of the exact power (the accumulator never
    /// under-charges), and its excess is below n · x^n / RAY ray wei: relative error ≤ n · 1e-27.
    function testFuzz_RpowUpBracketsExactPower(uint256 x, uint256 n) public pure {
        x = bound(x, RAY, ConstantsLib.MAX_STABILITY_FEE);
        n = bound(n, 0, 4 * YEAR);
        (uint256 lower, uint256 upper) = _exactBracket(x, n);
        uint256 result = _pow(x, n);
        assertGe(result * FINE_PER_RAY, lower, "rpowUpCapped below the exact power");
        assertGe(result * FINE_PER_RAY, upper, "rpowUpCapped below the exact power (fine bound)");
        uint256 excess = (result * FINE_PER_RAY - lower) / FINE_PER_RAY;
        assertLe(excess, (n * result) / RAY + 1, "rpowUpCapped error above n * 1e-27 relative");
    }

    /// @notice x^(a+b) = x^a · x^b, within the two upper bounds' rounding.
    function testFuzz_RpowUpSplitsExponent(uint256 x, uint256 a, uint256 b) public pure {
        x = bound(x, RAY, ConstantsLib.MAX_STABILITY_FEE);
        a = bound(a, 0, 2 * YEAR);
        b = bound(b, 0, 2 * YEAR);
        uint256 whole = _pow(x, a + b);
        uint256 split = _pow(x, a).rayMulUp(_pow(x, b));
        assertApproxEqAbs(whole, split, (2 * (a + b + 1) * whole) / RAY + 2, "x^(a+b) != x^a * x^b");
        (uint256 lower, ) = _exactBracket(x, a + b);
        assertGe(split * FINE_PER_RAY, lower, "x^a * x^b below the exact power");
    }

    function testFuzz_RpowUpIsMonotone(uint256 x, uint256 y, uint256 n) public pure {
        x = bound(x, RAY, ConstantsLib.MAX_STABILITY_FEE);
        y = bound(y, x, ConstantsLib.MAX_STABILITY_FEE);
        n = bound(n, 0, 10 * YEAR);
        uint256 power = _pow(x, n);
        assertGe(_pow(x, n + 1), power, "not monotone in n");
        assertGe(_pow(y, n), power, "not monotone in x");
    }

    /// @notice Far outside real use the power saturates at the cap; it never wraps nor reverts, and
    /// below the cap it is still an upper bound of the exact power.
    function testFuzz_RpowUpSaturatesInsteadOfWrapping(uint256 x, uint256 n) public pure {
        x = bound(x, RAY, 1_000 * RAY);
        n = bound(n, 0, 512);
        uint256 result = _pow(x, n);
        assertLe(result, CAP, "above the cap");
        assertGe(result, RAY, "below 1");
        if (result < CAP) {
            (uint256 lower, ) = _exactBracket(x, n);
            assertGe(result * FINE_PER_RAY, lower, "below the exact power");
        }
    }

    /// @notice The maximum fee for 200 years, or 1,000× per second for 512 seconds, saturates exactly
    /// at the cap; 29 years at the maximum fee (2^29 < 1e9) does not.
    function test_RpowUpSaturatesAtTheCap() public pure {
        assertEq(_pow(ConstantsLib.MAX_STABILITY_FEE, 200 * YEAR), CAP, "200 years at the maximum fee");
        assertEq(_pow(1_000 * RAY, 512), CAP, "1,000x for 512 s");
        assertLt(_pow(ConstantsLib.MAX_STABILITY_FEE, 29 * YEAR), CAP, "29 years at the maximum fee");
    }

    /// @notice The error grows like n·1e-27, not like log2(n)·1e-27: one year at 2 % overshoots the
    /// exact accumulator by about 1e7 ray wei (relative 1e-20). Still an upper bound and economically
    /// negligible (1e-11 USD on 1e9 USD of debt).
    function test_RpowUpErrorGrowsLinearlyNotLogarithmically() public pure {
        uint256 result = _pow(FEE_2_PERCENT, YEAR);
        (uint256 lower, ) = _exactBracket(FEE_2_PERCENT, YEAR);
        uint256 excess = (result * FINE_PER_RAY - lower) / FINE_PER_RAY;
        uint256 logBound = (2 * 25 * result) / RAY + 1; // log2(31,536,000) < 25
        assertGt(excess, 100_000 * logBound, "error far above a logarithmic bound");
        assertLe(excess, (YEAR * result) / RAY, "error within n * 1e-27");
    }

    // ------------------------------------------------------------------ mulDiv and WAD / RAY helpers

    function testFuzz_MulDivUpVsDown(uint256 x, uint256 y, uint256 d) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 0, type(uint128).max);
        d = bound(d, 1, type(uint128).max);
        uint256 down = x.mulDivDown(y, d);
        uint256 up = x.mulDivUp(y, d);
        assertGe(up, down, "up < down");
        assertLe(up - down, 1, "up - down > 1");
        assertEq(up == down, (x * y) % d == 0, "up == down iff the division is exact");
        assertEq(down, Math.mulDiv(x, y, d), "down != OpenZeppelin mulDiv");
    }

    function testFuzz_WadMulBracketsProduct(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 0, type(uint128).max);
        _assertBrackets(x.wadMulDown(y), x.wadMulUp(y), x * y, WAD, "wadMul");
        _assertBrackets(x.rayMulDown(y), x.rayMulUp(y), x * y, RAY, "rayMul");
    }

    function testFuzz_DivBracketsQuotient(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 1, type(uint128).max);
        _assertBrackets(x.wadDivDown(y), x.wadDivUp(y), x * WAD, y, "wadDiv");
        _assertBrackets(x.rayDivDown(y), x.rayDivUp(y), x * RAY, y, "rayDiv");
    }

    /// @notice The debt round trip the vault manager relies on: a borrow of `a` records ⌈a / r⌉ and
    /// owes at least `a` back, at most ⌈r⌉ wei more; a repay of `a` removes ⌊a / r⌋ worth at most `a`.
    function testFuzz_DebtRoundTripFavoursProtocol(uint256 amount, uint256 rate) public pure {
        amount = bound(amount, 0, 1e30);
        rate = bound(rate, RAY, 100 * RAY);
        uint256 owed = amount.rayDivUp(rate).rayMulUp(rate);
        assertGe(owed, amount, "borrower owes less than received");
        assertLe(owed - amount, (rate + RAY - 1) / RAY, "borrow rounds up by more than ceil(rate)");
        uint256 credited = amount.rayDivDown(rate).rayMulDown(rate);
        assertLe(credited, amount, "payer credited more than paid");
    }

    // ------------------------------------------------------------------ helpers

    /// @dev [lower, upper] ∋ x^n / RAY^(n−1), scaled to FINE, by square-and-multiply at 1e45 precision.
    function _exactBracket(uint256 x, uint256 n) internal pure returns (uint256 lower, uint256 upper) {
        (uint256 baseLower, uint256 baseUpper) = (x * FINE_PER_RAY, x * FINE_PER_RAY);
        (lower, upper) = (FINE, FINE);
        while (n != 0) {
            if (n & 1 != 0) {
                lower = Math.mulDiv(lower, baseLower, FINE);
                upper = Math.mulDiv(upper, baseUpper, FINE, Math.Rounding.Ceil);
            }
            n >>= 1;
            if (n != 0) {
                baseLower = Math.mulDiv(baseLower, baseLower, FINE);
                baseUpper = Math.mulDiv(baseUpper, baseUpper, FINE, Math.Rounding.Ceil);
            }
        }
    }

    /// @dev down · d ≤ numerator ≤ up · d, up − down ≤ 1.
    function _assertBrackets(uint256 down, uint256 up, uint256 numerator, uint256 d, string memory name) internal pure {
        assertLe(down * d, numerator, string.concat(name, ": down above the quotient"));
        assertGe(up * d, numerator, string.concat(name, ": up below the quotient"));
        assertLe(up - down, 1, string.concat(name, ": up - down > 1"));
    }
}

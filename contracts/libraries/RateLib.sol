// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ConstantsLib} from "./ConstantsLib.sol";
import {MathLib} from "./MathLib.sol";

/// @title RateLib
/// @notice The one rule for growing an accumulator: the stability fee's, used by the vault manager
/// (accrual and the `currentRate` view) and the risk controller (its debt reading), rounded up; and
/// the savings rate's, used by sBDOL, rounded down. Each is saturated at MAX_RATE_ACCUMULATOR.
library RateLib {
    using MathLib for uint256;

    /// @notice `rate` [ray] compounded at `fee` [ray per second] for `elapsed` seconds: rate × fee^elapsed,
    /// each product rounded up (interest is never under-charged), saturated at MAX_RATE_ACCUMULATOR.
    /// Saturation, not a revert: past the cap no more interest accrues, and accruing, repaying and
    /// closing keep working for ever.
    /// @dev Requires RAY ≤ rate ≤ MAX_RATE_ACCUMULATOR and RAY ≤ fee ≤ MAX_STABILITY_FEE (the vault
    /// manager's bounds). Both factors are then ≤ the cap (1e36), so rate × power ≤ 1e72: no overflow.
    function grow(uint256 rate, uint256 fee, uint256 elapsed) internal pure returns (uint256) {
        if (elapsed == 0) return rate;
        uint256 cap = ConstantsLib.MAX_RATE_ACCUMULATOR;
        return MathLib.min(rate.rayMulUp(MathLib.rpowUpCapped(fee, elapsed, cap)), cap);
    }

    /// @notice Interest on `assets` [wad] at `rate` [ray per second] for `elapsed` seconds:
    /// assets × (rate^elapsed − 1), the power and the product rounded down (savings interest is never
    /// over-paid), the power saturated at MAX_RATE_ACCUMULATOR.
    /// @dev Requires RAY ≤ rate ≤ MAX_SAVINGS_RATE < MAX_RATE_ACCUMULATOR and assets < 2^128.
    function interestDown(uint256 assets, uint256 rate, uint256 elapsed) internal pure returns (uint256) {
        if (elapsed == 0 || rate == ConstantsLib.RAY) return 0;
        uint256 power = MathLib.rpowDownCapped(rate, elapsed, ConstantsLib.MAX_RATE_ACCUMULATOR);
        return assets.rayMulDown(power - ConstantsLib.RAY);
    }
}

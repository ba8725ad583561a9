// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MathLib} from "./MathLib.sol";

/// @title CollateralLib
/// @notice The one place where collateral amounts (in the token's own decimals) and 18-decimal USD
/// values meet, and the arithmetic of slicing a vault for liquidation. Every function states its
/// rounding direction in its name.
library CollateralLib {
    using MathLib for uint256;

    /// @notice USD value of `amount` token units at `price` (WAD per whole token), rounded down.
    function valueDown(uint256 amount, uint8 decimals, uint256 price) internal pure returns (uint256) {
        return (amount * 10 ** (18 - decimals)).wadMulDown(price);
    }

    /// @notice USD value of `amount` token units at `price`, rounded up (what a buyer pays).
    function valueUp(uint256 amount, uint8 decimals, uint256 price) internal pure returns (uint256) {
        return (amount * 10 ** (18 - decimals)).wadMulUp(price);
    }

    /// @notice Token units worth at most `value` at `price`, rounded down (what a buyer receives).
    function amountForValueDown(uint256 value, uint8 decimals, uint256 price) internal pure returns (uint256) {
        return value.wadDivDown(price) / 10 ** (18 - decimals);
    }

    /// @notice Token units worth at least `value` at `price`, rounded up.
    function amountForValueUp(uint256 value, uint8 decimals, uint256 price) internal pure returns (uint256) {
        uint256 scale = 10 ** (18 - decimals);
        return (value.wadDivUp(price) + scale - 1) / scale;
    }

    /// @notice `amount × part / whole` rounded down, and exactly `amount` when `part == whole`, so a
    /// whole liquidation moves every unit and a partial one never moves more than its share.
    function shareDown(uint256 amount, uint256 part, uint256 whole) internal pure returns (uint256) {
        return part == whole ? amount : amount.mulDivDown(part, whole);
    }

    /// @notice The collateral a liquidation moves: `toReserve` for the absorbed part (worth
    /// absorbed × (1 + penalty) at `price`, rounded up, at most that part's proportional share —
    /// the rest of the share stays in the vault) and `toAuction` (the auctioned part's proportional
    /// share). Shares are rounded down, so toReserve + toAuction ≤ collateralAmount.
    function split(
        uint256 collateralAmount,
        uint256 debt,
        uint256 sliced,
        uint256 absorbed,
        uint256 penalty,
        uint8 decimals,
        uint256 price
    ) internal pure returns (uint256 toReserve, uint256 toAuction) {
        uint256 slicedCollateral = shareDown(collateralAmount, sliced, debt);
        uint256 absorbShare = shareDown(slicedCollateral, absorbed, sliced);
        if (absorbed != 0) {
            uint256 owed = absorbed.wadMulUp(1e18 + penalty);
            toReserve = MathLib.min(absorbShare, amountForValueUp(owed, decimals, price));
        }
        toAuction = slicedCollateral - absorbShare;
    }

    /// @notice How much of a vault's `debt` a liquidation takes (`sliced`) and how much of that the
    /// reserve's buffer absorbs (`absorbed`).
    /// @dev The whole debt when the buffer and the auction room cover it. Otherwise the buffer is
    /// used fully and the auction takes what its room allows; if the vault would keep less than
    /// `minDebt` (dust), the slice shrinks so that it keeps exactly `minDebt`, and the absorbed
    /// part shrinks with it if needed. `sliced == 0` means nothing can be taken now.
    function slice(
        uint256 debt,
        uint256 absorbCapacity,
        uint256 auctionRoom,
        uint256 minDebt
    ) internal pure returns (uint256 sliced, uint256 absorbed) {
        if (debt <= absorbCapacity) return (debt, debt);
        absorbed = absorbCapacity;
        // debt > absorbed here, so the subtraction is safe and auctioned ≤ debt − absorbed.
        sliced = absorbed + MathLib.min(debt - absorbed, auctionRoom);
        if (sliced < debt && debt - sliced < minDebt) {
            sliced = debt > minDebt ? debt - minDebt : 0;
            if (absorbed > sliced) absorbed = sliced;
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {CollateralLib} from "./CollateralLib.sol";
import {ErrorsLib} from "./ErrorsLib.sol";
import {MathLib} from "./MathLib.sol";

/// @title AuctionLib
/// @notice The amounts of a take from a Dutch auction, with the dust rule for the tab and the lot
/// (ILiquidationEngine, "Dust"), in one place. Rounding favours the protocol: the taker pays
/// ⌈amount × price⌉ and receives ⌊value / price⌋.
library AuctionLib {
    /// @notice What a taker asking for `slice` (≤ `lot`) of an auction with `lot` and `tab` left at
    /// `price` receives and pays:
    ///  - ⌈slice × price⌉ ≥ tab: the whole tab, for ⌊tab / price⌋ (at most the slice);
    ///  - a partial take (slice < lot) is cut so that it leaves neither 0 < tab < dust (the tab left
    ///    is dust, up to one collateral unit's value more; `TakeLeavesDust` when the tab is at most
    ///    dust already) nor a lot worth ⌊lot left × price⌋ < dust (the lot left is ⌈dust / price⌉
    ///    units; `TakeLeavesDustLot` when the lot is no larger). Each cut only shrinks the slice, so
    ///    it only raises the tab and the lot left: neither cut can undo the other;
    ///  - nothing for nothing (`ZeroAmount`).
    /// @param decimals the collateral token's decimals; `price` > 0 [wad per whole token]
    function takeAmounts(
        uint256 lot,
        uint256 tab,
        uint256 slice,
        uint256 price,
        uint8 decimals,
        uint256 dust
    ) internal pure returns (uint256 collateralOut, uint256 paid) {
        paid = CollateralLib.valueUp(slice, decimals, price);
        if (paid >= tab) {
            return (MathLib.min(CollateralLib.amountForValueDown(tab, decimals, price), slice), tab);
        }
        if (slice < lot) {
            if (tab - paid < dust) {
                if (tab <= dust) revert ILiquidationEngine.TakeLeavesDust(tab - paid, dust);
                slice = CollateralLib.amountForValueDown(tab - dust, decimals, price);
                // The tab is within one collateral unit of dust: only the whole tab or lot remains.
                if (slice == 0) revert ILiquidationEngine.TakeLeavesDust(tab - paid, dust);
            }
            uint256 lotLeftValue = CollateralLib.valueDown(lot - slice, decimals, price);
            if (lotLeftValue < dust) {
                uint256 keep = CollateralLib.amountForValueUp(dust, decimals, price);
                // The lot is worth at most dust already: only the whole lot (or tab) remains.
                if (keep >= lot) revert ILiquidationEngine.TakeLeavesDustLot(lotLeftValue, dust);
                slice = lot - keep;
            }
            paid = CollateralLib.valueUp(slice, decimals, price);
        }
        if (slice == 0 || paid == 0) revert ErrorsLib.ZeroAmount();
        return (slice, paid);
    }
}

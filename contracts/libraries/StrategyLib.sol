// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IReservePool} from "../interfaces/IReservePool.sol";
import {ConstantsLib} from "./ConstantsLib.sol";
import {MathLib} from "./MathLib.sol";

/// @title StrategyLib
/// @notice The reserve's exchanges with its ERC-4626 strategies and their valuation: one checked
/// deposit, one checked redemption, the loss rule they share, and the rebalance bucket's refill.
/// Internal functions, run in the reserve's context (`address(this)` is the reserve).
library StrategyLib {
    using MathLib for uint256;
    using SafeERC20 for IERC20;

    /// @notice The reserve's holding in `vault`: convertToAssets(balanceOf(reserve)). `known` is false,
    /// with the revert data in `reason`, when either view reverts; the value is then reported as 0.
    /// Never the vault's raw asset balance, which a donation moves.
    function valueOf(address vault) internal view returns (bool known, uint256 value, bytes memory reason) {
        try IERC4626(vault).balanceOf(address(this)) returns (uint256 shares) {
            try IERC4626(vault).convertToAssets(shares) returns (uint256 assets) {
                return (true, assets, "");
            } catch (bytes memory data) {
                return (false, 0, data);
            }
        } catch (bytes memory data) {
            return (false, 0, data);
        }
    }

    /// @notice Deposits `amount` of `asset` into `vault` and checks what the reserve got for it:
    /// `spent` is what left the reserve (balance difference), `value` what its holding rose by
    /// (convertToAssets of all its shares, after − before, floored at 0). Reverts with the vault's
    /// error when a view or the deposit reverts, and StrategyLossExceeded on a short result.
    function depositChecked(
        address vault,
        address asset,
        uint256 amount
    ) internal returns (uint256 spent, uint256 value) {
        uint256 valueBefore = _holding(vault);
        uint256 balanceBefore = IERC20(asset).balanceOf(address(this));
        IERC20(asset).forceApprove(vault, amount);
        IERC4626(vault).deposit(amount, address(this));
        // No allowance outlives the call, whatever the vault pulled.
        IERC20(asset).forceApprove(vault, 0);
        spent = balanceBefore - IERC20(asset).balanceOf(address(this));
        uint256 valueAfter = _holding(vault);
        value = valueAfter > valueBefore ? valueAfter - valueBefore : 0;
        checkLoss(vault, spent, value);
    }

    /// @notice Redeems shares worth `assets` from `vault` — rounded up (previewWithdraw: enough to
    /// cover `assets`) or down (convertToShares: at most `assets`), at most maxRedeem — and returns
    /// what reached the reserve (balance difference). When the reserve's holding can be valued, the
    /// fall of that value is checked against what arrived; when it cannot (`known` false, the
    /// valuation's revert data in `viewError`), the redemption stands unchecked: those shares already
    /// count for nothing.
    function redeemChecked(
        address vault,
        address asset,
        uint256 assets,
        bool roundUp
    ) internal returns (uint256 received, bool known, bytes memory viewError) {
        uint256 valueBefore;
        (known, valueBefore, viewError) = valueOf(vault);
        uint256 shares = roundUp ? IERC4626(vault).previewWithdraw(assets) : IERC4626(vault).convertToShares(assets);
        shares = MathLib.min(shares, IERC4626(vault).maxRedeem(address(this)));
        if (shares == 0) return (0, known, viewError);
        uint256 balanceBefore = IERC20(asset).balanceOf(address(this));
        IERC4626(vault).redeem(shares, address(this), address(this));
        received = IERC20(asset).balanceOf(address(this)) - balanceBefore;
        if (!known) return (received, known, viewError);
        uint256 valueAfter = _holding(vault);
        checkLoss(vault, valueBefore > valueAfter ? valueBefore - valueAfter : 0, received);
    }

    /// @notice Reverts StrategyLossExceeded unless
    /// received ≥ given − ⌊given × STRATEGY_LOSS_TOLERANCE⌋ − STRATEGY_ROUNDING_UNITS
    /// (the tolerance rounds down: the protocol's favour).
    function checkLoss(address vault, uint256 given, uint256 received) internal pure {
        uint256 maxLoss = given.wadMulDown(ConstantsLib.STRATEGY_LOSS_TOLERANCE) + ConstantsLib.STRATEGY_ROUNDING_UNITS;
        if (received + maxLoss < given) revert IReservePool.StrategyLossExceeded(vault, given, received, maxLoss);
    }

    /// @notice A bucket of size `limit` that held `level` at `at`, refilled linearly over `interval`
    /// up to now: min(limit, level + ⌊limit × elapsed / interval⌋).
    function refilled(uint256 level, uint256 at, uint256 limit, uint256 interval) internal view returns (uint256) {
        return MathLib.min(limit, level + limit.mulDivDown(block.timestamp - at, interval));
    }

    /// @dev The reserve's holding, reverting with the vault's error when a view does.
    function _holding(address vault) private view returns (uint256) {
        return IERC4626(vault).convertToAssets(IERC4626(vault).balanceOf(address(this)));
    }
}

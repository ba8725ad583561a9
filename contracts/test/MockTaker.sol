// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ILiquidationEngine, ITakeCallback} from "../interfaces/ILiquidationEngine.sol";

/// @title MockTaker
/// @notice A take-callback receiver for liquidation-engine tests. It can take an auction itself
/// (then it is the taker the engine burns from) or serve as the `receiver` of someone else's take.
/// Like any real receiver it checks who took (ITakeCallback): `onTake` runs only for a take by this
/// contract itself or by the taker it trusts (`setTrustedTaker`), else it reverts `UntrustedTaker`
/// (a stranger could otherwise make it pay for a take at the stranger's price).
/// In `onTake` it records what it was told and then, by mode:
/// - `Pay`: pulls `owed` stablecoin from `funder` (who approved it) and sends it to the taker, so a
///   taker that holds nothing before the take can pay;
/// - `NoPay`: does nothing (the engine's burn then fails);
/// - `Call`: makes an arbitrary call (`callTarget`, `callData`) and bubbles a revert, to re-enter
///   `take`, `liquidate`, `redo` or anything else from inside the callback.
contract MockTaker is ITakeCallback {
    using SafeERC20 for IERC20;

    enum Mode {
        Pay,
        NoPay,
        Call
    }

    ILiquidationEngine public immutable engine;
    IERC20 public immutable stablecoin;

    Mode public mode;
    address public funder;
    address public callTarget;
    bytes public callData;
    /// @notice Besides this contract, the one caller of `take` whose callbacks it serves.
    address public trustedTaker;

    uint256 public calls;
    address public lastTaker;
    uint256 public lastCollateralAmount;
    uint256 public lastOwed;
    bytes public lastData;
    /// @dev This contract's balance of the auction's collateral seen inside the callback.
    uint256 public collateralSeen;
    address public collateralToken;

    error NotEngine(address caller);
    error UntrustedTaker(address taker);

    constructor(address engine_, address stablecoin_) {
        engine = ILiquidationEngine(engine_);
        stablecoin = IERC20(stablecoin_);
    }

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    function setFunder(address newFunder) external {
        funder = newFunder;
    }

    function setTrustedTaker(address newTaker) external {
        trustedTaker = newTaker;
    }

    function setCall(address newTarget, bytes calldata newCallData) external {
        callTarget = newTarget;
        callData = newCallData;
    }

    /// @notice Takes as the taker (the engine burns from this contract), receiving the collateral here.
    function take(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        bytes calldata data
    ) external returns (uint256 collateralOut, uint256 paid) {
        collateralToken = engine.auctionInfo(auctionId).collateral;
        return engine.take(auctionId, maxCollateral, maxPrice, address(this), data);
    }

    /// @notice Sends tokens held here (collateral received, leftover stablecoin) to `to`.
    function sweep(address token, address to) external {
        IERC20(token).safeTransfer(to, IERC20(token).balanceOf(address(this)));
    }

    /// @inheritdoc ITakeCallback
    function onTake(address taker, uint256 collateralAmount, uint256 owed, bytes calldata data) external {
        if (msg.sender != address(engine)) revert NotEngine(msg.sender);
        if (taker != address(this) && taker != trustedTaker) revert UntrustedTaker(taker);
        ++calls;
        lastTaker = taker;
        lastCollateralAmount = collateralAmount;
        lastOwed = owed;
        lastData = data;
        if (collateralToken != address(0)) collateralSeen = IERC20(collateralToken).balanceOf(address(this));
        if (mode == Mode.Pay) {
            stablecoin.safeTransferFrom(funder, taker, owed);
        } else if (mode == Mode.Call) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = callTarget.call(callData);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(result, 32), mload(result))
                }
            }
        }
    }
}

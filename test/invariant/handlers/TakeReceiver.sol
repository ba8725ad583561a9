// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ITakeCallback} from "../../../contracts/interfaces/ILiquidationEngine.sol";

/// @title TakeReceiver
/// @notice The receiver of a `take` with callback data, as a capital-free keeper would use it: it
/// receives the collateral, is called back, and (when told to) pays the taker what the engine will
/// burn from it, out of the stablecoin it holds (standing in for selling the collateral on a market).
/// It records what it saw so that the handler can check the engine's promise: the collateral is
/// already here when `onTake` runs, and `owed` is what the taker is then charged. Like any real
/// receiver it serves only the takers it trusts (ITakeCallback): the handler registers its actors.
contract TakeReceiver is ITakeCallback {
    /// @notice What the last callback saw.
    struct Callback {
        address taker;
        uint256 collateralAmount;
        uint256 owed;
        uint256 collateralHeld; // this contract's collateral balance during the callback
    }

    address public immutable engine;
    IERC20 public immutable stablecoin;
    address public immutable owner;
    mapping(address taker => bool) public trusted;
    Callback internal _last;
    uint256 public callbacks;

    error NotEngine(address caller);
    error NotOwner(address caller);
    error UntrustedTaker(address taker);

    constructor(address engine_, address stablecoin_) {
        engine = engine_;
        stablecoin = IERC20(stablecoin_);
        owner = msg.sender;
    }

    function trust(address taker) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        trusted[taker] = true;
    }

    /// @inheritdoc ITakeCallback
    /// @dev `data` = abi.encode(collateral token, pay the taker?).
    function onTake(address taker, uint256 collateralAmount, uint256 owed, bytes calldata data) external {
        if (msg.sender != engine) revert NotEngine(msg.sender);
        if (!trusted[taker]) revert UntrustedTaker(taker);
        (address token, bool pay) = abi.decode(data, (address, bool));
        _last = Callback({
            taker: taker,
            collateralAmount: collateralAmount,
            owed: owed,
            collateralHeld: IERC20(token).balanceOf(address(this))
        });
        ++callbacks;
        if (pay && owed != 0) {
            bool ok = stablecoin.transfer(taker, owed);
            // solhint-disable-next-line gas-custom-errors
            require(ok, "TakeReceiver: transfer failed");
        }
    }

    function lastCallback() external view returns (Callback memory) {
        return _last;
    }
}

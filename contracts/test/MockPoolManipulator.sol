// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

/// @title MockPoolManipulator
/// @notice An attacker for the market-price tests: pushes a Uniswap v3 pool by selling (or buying) a
/// token, optionally calls a target while the pool is pushed (recording what it returned), and swaps
/// back. `attack` does all of it inside one flash mint of the stablecoin (one transaction);
/// `push`/`unwind` hold the push across blocks with the contract's own tokens.
contract MockPoolManipulator is IERC3156FlashBorrower, IUniswapV3SwapCallback {
    error NotLender();
    error NotPool();
    error TargetFailed(bytes reason);

    IERC3156FlashLender public immutable lender;
    IUniswapV3Pool public immutable pool;
    address public immutable token; // the stablecoin: what the push sells
    address public immutable other;
    bool internal immutable _tokenIs0;

    address internal _target;
    bytes internal _data;
    /// @notice What the target returned while the pool was pushed.
    bytes public returned;
    /// @notice The other token received by the last push.
    uint256 public received;
    /// @notice The pool's sqrt price while pushed (inside `attack`).
    uint160 public sqrtPriceDuring;

    constructor(address lender_, address pool_, address token_) {
        lender = IERC3156FlashLender(lender_);
        pool = IUniswapV3Pool(pool_);
        token = token_;
        _tokenIs0 = IUniswapV3Pool(pool_).token0() == token_;
        other = _tokenIs0 ? IUniswapV3Pool(pool_).token1() : IUniswapV3Pool(pool_).token0();
    }

    /// @notice Flash-mints `amount` of the stablecoin, sells it into the pool, calls `target` with
    /// `data`, buys it back and repays; the fee and the round trip's losses come from this contract's
    /// own balance.
    function attack(uint256 amount, address target, bytes calldata data) external {
        (_target, _data) = (target, data);
        lender.flashLoan(this, token, amount, "");
    }

    function onFlashLoan(address, address, uint256 amount, uint256 fee, bytes calldata) external returns (bytes32) {
        if (msg.sender != address(lender)) revert NotLender();
        push(amount);
        (sqrtPriceDuring, , , , , , ) = pool.slot0();
        if (_target != address(0)) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = _target.call(_data);
            if (!ok) revert TargetFailed(ret);
            returned = ret;
        }
        unwind();
        IERC20(token).approve(address(lender), amount + fee);
        return keccak256("ERC3156FlashBorrower.onFlashLoan");
    }

    /// @notice Sells `amount` of the stablecoin into the pool (no price limit).
    function push(uint256 amount) public {
        bool zeroForOne = _tokenIs0;
        (int256 a0, int256 a1) = pool.swap(
            address(this),
            zeroForOne,
            int256(amount),
            zeroForOne ? TickMath.MIN_SQRT_PRICE + 1 : TickMath.MAX_SQRT_PRICE - 1,
            ""
        );
        received = uint256(-(zeroForOne ? a1 : a0));
    }

    /// @notice Sells what the last push received back into the pool.
    function unwind() public {
        bool zeroForOne = !_tokenIs0;
        pool.swap(
            address(this),
            zeroForOne,
            int256(received),
            zeroForOne ? TickMath.MIN_SQRT_PRICE + 1 : TickMath.MAX_SQRT_PRICE - 1,
            ""
        );
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (msg.sender != address(pool)) revert NotPool();
        if (amount0Delta > 0) IERC20(pool.token0()).transfer(msg.sender, uint256(amount0Delta));
        if (amount1Delta > 0) IERC20(pool.token1()).transfer(msg.sender, uint256(amount1Delta));
    }
}

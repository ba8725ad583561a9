// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

import {ILiquidationEngine, ITakeCallback} from "../interfaces/ILiquidationEngine.sol";
import {IPegStabilityModule} from "../interfaces/IPegStabilityModule.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title FlashTaker
/// @notice Takes a liquidation auction with no capital: `take` sends the collateral here and calls
/// back; the callback sells it into a Uniswap v3 pool of the collateral and the PSM's stable asset
/// (USDC), swaps the USDC for the stablecoin at the PSM, and the engine then burns what is owed from
/// this contract; what is left is the profit, sent to the caller's recipient only when it reaches
/// the caller's minimum (the slippage limit).
/// @dev Holds nothing between transactions; anyone may use it. The engine calls back whoever a
/// `take` names, so the callback acts only for this contract's own `take` (`taker` is this
/// contract, inside `run`), and the pool's callback only for the pool `run` named, during its swap.
contract FlashTaker is ITakeCallback, IUniswapV3SwapCallback, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    event FlashTaken(
        uint256 indexed auctionId,
        address indexed recipient,
        uint256 collateralSold,
        uint256 stableReceived,
        uint256 paid,
        uint256 profit
    );

    /// @notice `onTake` from another address than the engine, for another taker, or outside `run`.
    error NotEngine(address caller);
    error NotOwnTake(address taker);
    /// @notice The pool's callback from another address than the pool `run` named, or outside its swap.
    error NotPool(address caller);
    /// @notice The pool does not pair the auction's collateral with the PSM's stable asset.
    error PoolMismatch(address pool);
    /// @notice The sale and the PSM swap did not cover what the take owes.
    error ProceedsShort(uint256 proceeds, uint256 owed);
    /// @notice The profit is below the caller's minimum.
    error ProfitTooLow(uint256 profit, uint256 minProfit);

    ILiquidationEngine public immutable engine;
    IPegStabilityModule public immutable psm;
    IERC20 public immutable stablecoin;
    IERC20 public immutable stable;

    /// @dev The pool of the current `run` (the only one whose callback is accepted), and the
    /// collateral it sells; set for the length of `run`.
    address internal transient _pool;
    address internal transient _collateral;
    uint256 internal transient _stableReceived;

    constructor(address engine_, address psm_) {
        if (engine_ == address(0) || psm_ == address(0)) revert ErrorsLib.ZeroAddress();
        engine = ILiquidationEngine(engine_);
        psm = IPegStabilityModule(psm_);
        stablecoin = IERC20(IPegStabilityModule(psm_).stablecoin());
        stable = IERC20(IPegStabilityModule(psm_).stable());
    }

    /// @notice Takes up to `maxCollateral` of auction `auctionId` at a price of at most `maxPrice`
    /// (as `take`), sells the collateral into `pool` and the USDC at the PSM, pays, and sends the
    /// profit (at least `minProfit`) to `recipient`.
    /// @return profit stablecoin sent to `recipient` [wad]
    function run(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        address pool,
        uint256 minProfit,
        address recipient
    ) external nonReentrant returns (uint256 profit) {
        if (recipient == address(0) || pool == address(0)) revert ErrorsLib.ZeroAddress();
        address collateral = engine.auctionInfo(auctionId).collateral;
        address token0 = IUniswapV3Pool(pool).token0();
        address token1 = IUniswapV3Pool(pool).token1();
        bool paired = (token0 == collateral && token1 == address(stable)) ||
            (token1 == collateral && token0 == address(stable));
        if (!paired) revert PoolMismatch(pool);
        (_pool, _collateral) = (pool, collateral);

        (uint256 collateralOut, uint256 paid) = engine.take(auctionId, maxCollateral, maxPrice, address(this), hex"01");

        profit = stablecoin.balanceOf(address(this));
        if (profit < minProfit) revert ProfitTooLow(profit, minProfit);
        stablecoin.safeTransfer(recipient, profit);
        // Collateral the pool did not take (it ran out of liquidity): the recipient's, never left here.
        uint256 left = IERC20(collateral).balanceOf(address(this));
        if (left != 0) IERC20(collateral).safeTransfer(recipient, left);
        emit FlashTaken(auctionId, recipient, collateralOut, _stableReceived, paid, profit);
        (_pool, _collateral) = (address(0), address(0));
    }

    /// @notice The engine's callback: sells the collateral received, buys the stablecoin owed.
    function onTake(address taker, uint256 collateralAmount, uint256 owed, bytes calldata) external {
        if (msg.sender != address(engine)) revert NotEngine(msg.sender);
        if (taker != address(this) || _pool == address(0)) revert NotOwnTake(taker);
        // What arrived (a fee-on-transfer collateral delivers less than `collateralAmount`).
        uint256 amount = IERC20(_collateral).balanceOf(address(this));
        if (amount > collateralAmount) amount = collateralAmount;
        bool zeroForOne = IUniswapV3Pool(_pool).token0() == _collateral;
        uint256 stableBefore = stable.balanceOf(address(this));
        // Safe: a token amount is far below 2^255.
        IUniswapV3Pool(_pool).swap(
            address(this),
            zeroForOne,
            int256(amount),
            zeroForOne ? TickMath.MIN_SQRT_PRICE + 1 : TickMath.MAX_SQRT_PRICE - 1,
            ""
        );
        uint256 received = stable.balanceOf(address(this)) - stableBefore;
        _stableReceived = received;
        stable.forceApprove(address(psm), received);
        uint256 coinOut = psm.swapStableForCoin(received, 0, address(this));
        if (coinOut < owed) revert ProceedsShort(coinOut, owed);
    }

    /// @notice The pool's callback: pays the collateral the swap owes.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (msg.sender != _pool || _pool == address(0)) revert NotPool(msg.sender);
        // Safe: the positive delta is what the pool is owed.
        uint256 owed = uint256(amount0Delta > 0 ? amount0Delta : amount1Delta);
        IERC20(_collateral).safeTransfer(msg.sender, owed);
    }
}

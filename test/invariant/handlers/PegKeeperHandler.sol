// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3MintCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3MintCallback.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

import {IPegKeeper} from "../../../contracts/interfaces/IPegKeeper.sol";
import {IReservePool} from "../../../contracts/interfaces/IReservePool.sol";
import {IMarketPriceFeed} from "../../../contracts/interfaces/IMarketPriceFeed.sol";
import {KeeperCoin} from "./KeeperCoin.sol";
import {PoolOracle} from "./PoolOracle.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {PoolPriceLib} from "../../../contracts/market/PoolPriceLib.sol";
import {Vm} from "../utils/Test.sol";

/// @title PegKeeperHandler
/// @notice Random traffic for the peg keeper's invariant campaign: trades of either side into the
/// real Uniswap v3 pool (bounded to 0.9–1.1), time, USDC moving within ±2 %, and keeper updates by
/// anyone. Records what the invariants need: the coin issued outside the keeper, and every update
/// that moved the spot away from the peg or across it.
contract PegKeeperHandler is IUniswapV3SwapCallback, IUniswapV3MintCallback {
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    KeeperCoin public immutable coin;
    MockERC20 public immutable usdc;
    IUniswapV3Pool public immutable pool;
    IPegKeeper public immutable keeper;
    IMarketPriceFeed public immutable feed;
    PoolOracle public immutable oracle;
    bool internal immutable _coinIs0;

    /// @notice Coin minted by this handler (the seed and the traders'), never by the keeper.
    uint256 public issued;
    /// @notice Keeper updates that left the spot further from the peg, or on its other side.
    uint256 public wrongWay;
    uint256 public updates;
    /// @notice USDC the reserve paid the pool for buy-backs [raw], from its BuyBackPaid events.
    uint256 public reservePaid;
    /// @notice Updates in which the reserve bought.
    uint256 public reserveBuyBacks;
    /// @notice Updates in which the reserve bought although the pool had not settled (the spot more
    /// than a tick above the TWAP, or more than 2 × fee and a tick below it), or left the spot above
    /// TWAP × (1 + maxSpread).
    uint256 public unsettledBuyBacks;

    constructor(KeeperCoin coin_, MockERC20 usdc_, IPegKeeper keeper_, IMarketPriceFeed feed_, PoolOracle oracle_) {
        coin = coin_;
        usdc = usdc_;
        keeper = keeper_;
        feed = feed_;
        oracle = oracle_;
        pool = IUniswapV3Pool(feed_.pool());
        _coinIs0 = pool.token0() == address(coin_);
    }

    /// @notice Seeds the pool: `liquidity` in ticks [lower, upper).
    function provide(int24 lower, int24 upper, uint128 liquidity) external {
        pool.mint(address(this), lower, upper, liquidity, "");
    }

    function trade(bool sellCoin, uint256 amount, uint256 limitBps) external {
        amount = _bound(amount, 1e18, 400_000e18);
        limitBps = _bound(limitBps, 1, 1000);
        // A price limit 0.01–10 % from $1 on the side the trade pushes.
        uint256 limitPrice = sellCoin ? 1e18 - limitBps * 1e14 : 1e18 + limitBps * 1e14;
        uint160 limit = PoolPriceLib.sqrtPriceAtPrice(limitPrice, _coinIs0, 1e30);
        (uint160 sqrtNow, , , , , , ) = pool.slot0();
        bool zeroForOne = sellCoin == _coinIs0;
        if (zeroForOne ? limit >= sqrtNow : limit <= sqrtNow) return;
        uint256 specified = sellCoin ? amount : amount / 1e12;
        pool.swap(address(this), zeroForOne, int256(specified), limit, "");
    }

    function wait(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 3_600));
    }

    function moveUsdc(uint256 bps) external {
        oracle.setUsdcPrice(1e18 - 200e14 + _bound(bps, 0, 400) * 1e14);
    }

    function update() external {
        uint256 before = feed.spotPrice();
        // The TWAP the update reads (it refuses when the feed cannot answer).
        uint256 twap;
        try feed.consult(feed.window(), 0) returns (uint256 price, uint256) {
            twap = price;
        } catch {}
        vm.recordLogs();
        try keeper.update() {
            updates++;
            uint256 afterSpot = feed.spotPrice();
            if (_countBuyBacks()) {
                // 0.01 % pool: 2 × fee = 2e14, one tick ≈ 1e14 (rounded out by a wei).
                bool settled = before <= (twap * (1e18 + 1e14)) / 1e18 + 1 &&
                    before >= (twap * (1e18 - 3e14)) / 1e18 - 1;
                if (!settled || afterSpot > (twap * (1e18 + keeper.rules().maxSpread)) / 1e18 + 1) {
                    unsettledBuyBacks++;
                }
            }
            bool away = before > 1e18
                ? (afterSpot > before || afterSpot < 1e18)
                : (afterSpot < before || afterSpot > 1e18);
            if (away) wrongWay++;
        } catch {
            // Refused (nothing to do, disagreeing prices, too soon, the cap, USDC off): changes nothing.
        }
    }

    error NotPool(address caller);

    /// @dev Adds the reserve's BuyBackPaid amounts among the update's logs; whether there were any.
    function _countBuyBacks() internal returns (bool bought) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        address reserve = keeper.reserve();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != reserve || logs[i].topics[0] != IReservePool.BuyBackPaid.selector) continue;
            reservePaid += abi.decode(logs[i].data, (uint256));
            bought = true;
        }
        if (bought) reserveBuyBacks++;
    }

    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (msg.sender != address(pool)) revert NotPool(msg.sender);
        _pay(amount0Delta, amount1Delta);
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        if (msg.sender != address(pool)) revert NotPool(msg.sender);
        _pay(int256(amount0Owed), int256(amount1Owed));
    }

    function _pay(int256 amount0, int256 amount1) internal {
        (int256 coinOwed, int256 usdcOwed) = _coinIs0 ? (amount0, amount1) : (amount1, amount0);
        if (coinOwed > 0) {
            issued += uint256(coinOwed);
            coin.mint(address(pool), uint256(coinOwed));
        }
        if (usdcOwed > 0) usdc.mint(address(pool), uint256(usdcOwed));
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (x % (max - min + 1));
    }
}

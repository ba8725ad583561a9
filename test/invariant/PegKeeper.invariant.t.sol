// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

import {IPegKeeper} from "../../contracts/interfaces/IPegKeeper.sol";
import {IMarketPriceFeed} from "../../contracts/interfaces/IMarketPriceFeed.sol";
import {MarketPriceFeed} from "../../contracts/market/MarketPriceFeed.sol";
import {PegKeeper} from "../../contracts/market/PegKeeper.sol";
import {ReservePool} from "../../contracts/core/ReservePool.sol";
import {PoolPriceLib} from "../../contracts/market/PoolPriceLib.sol";
import {MockAggregator} from "../../contracts/test/MockAggregator.sol";
import {MockERC20} from "../../contracts/test/MockERC20.sol";
import {KeeperCoin} from "./handlers/KeeperCoin.sol";
import {PegKeeperHandler} from "./handlers/PegKeeperHandler.sol";
import {PoolOracle} from "./handlers/PoolOracle.sol";
import {Test} from "./utils/Test.sol";

/// @title PegKeeperInvariantTest
/// @notice The peg keeper on the real Uniswap v3 pool (the npm package's UniswapV3Factory artifact,
/// as deploy/09 deploys it locally, and the pool it creates), the real MarketPriceFeed for its TWAP
/// and spot, under random trades of either side, time, USDC moving ±2 % and updates by anyone
/// (`PegKeeperHandler`). After every call:
/// (a) its debt is at most its cap;
/// (b) the USDC it holds, at $1 a unit, is at least its debt (every coin it minted is backed);
/// (c) supply identity: the coin's total supply = the coin issued outside the keeper + its debt;
/// (d) no update moved the spot away from the peg or across it;
/// (e) the reserve (the real ReservePool, USDC-funded) paid for buy-backs at most the buy-back limit
///     plus its refill since it was set, in USD at $1 a unit;
/// (f) the reserve bought only from a settled pool (the spot within a tick above and 2 × fee plus a
///     tick below the TWAP) and never lifted the spot above TWAP × (1 + maxSpread) (the sandwich fix).
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 48
contract PegKeeperInvariantTest is Test {
    string internal constant FACTORY =
        "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json";
    uint256 internal constant CAP = 1_000_000e18;
    uint256 internal constant BUY_BACK_LIMIT = 300_000e18;

    uint256 internal limitSetAt;
    ReservePool internal reserve;

    KeeperCoin internal coin;
    MockERC20 internal usdc;
    PegKeeper internal keeper;
    PegKeeperHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        coin = new KeeperCoin();
        usdc = new MockERC20("USD Coin (test)", "USDC", 6);
        (IUniswapV3Pool pool, uint160 par) = _pool();
        MockAggregator usdcFeed = new MockAggregator(8, "USDC / USD", 1e8);
        MarketPriceFeed feed = new MarketPriceFeed(
            address(pool),
            address(coin),
            address(usdcFeed),
            address(this),
            1800,
            1e15,
            2 days
        );
        PoolOracle oracle = new PoolOracle(address(usdc), address(feed));
        reserve = new ReservePool(address(coin), address(this), 0);
        keeper = new PegKeeper(address(feed), address(oracle), address(reserve), address(this), _rules());
        reserve.setPegKeeper(address(keeper));
        keeper.setBuyBackLimit(BUY_BACK_LIMIT);
        limitSetAt = block.timestamp;
        usdc.mint(address(reserve), 2_000_000e6);
        handler = new PegKeeperHandler(
            coin,
            usdc,
            IPegKeeper(address(keeper)),
            IMarketPriceFeed(address(feed)),
            oracle
        );
        coin.setModule(address(keeper));
        coin.setModule(address(handler));
        // About 200k of USDC per 1 % move within ±1 % (L · √p · 0.005 with √p = 1e-6), a tenth of
        // that out to ±10 %: random trades of up to 400k reach well past the keeper's band.
        int24 tick = TickMath.getTickAtSqrtPrice(par);
        handler.provide(tick - 100, tick + 100, 4e19);
        handler.provide(tick - 1000, tick + 1000, 4e18);
        vm.warp(block.timestamp + 1800);
        _target();
    }

    /// @dev Uniswap's factory from the npm artifact, the 0.01 % tier, the pool at $1.
    function _pool() internal returns (IUniswapV3Pool pool, uint160 par) {
        IUniswapV3Factory factory = IUniswapV3Factory(vm.deployCode(FACTORY, ""));
        factory.enableFeeAmount(100, 1);
        pool = IUniswapV3Pool(factory.createPool(address(coin), address(usdc), 100));
        par = PoolPriceLib.sqrtPriceAtPrice(1e18, pool.token0() == address(coin), 1e30);
        pool.initialize(par);
        pool.increaseObservationCardinalityNext(64);
    }

    function _rules() internal pure returns (IPegKeeper.Rules memory) {
        return
            IPegKeeper.Rules({
                debtCap: uint128(CAP),
                maxPerUpdate: 100_000e18,
                band: 0.002e18,
                maxSpread: 0.005e18,
                callerShare: 0.05e18,
                interval: 600
            });
    }

    function _target() internal {
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = PegKeeperHandler.trade.selector;
        selectors[1] = PegKeeperHandler.wait.selector;
        selectors[2] = PegKeeperHandler.moveUsdc.selector;
        selectors[3] = PegKeeperHandler.update.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice The campaign's paths make the keeper act: above the peg it mints, below it buys back.
    function test_keeperActsBothWays() public {
        // The handler bounds its inputs (min + x % range): 400k of USDC, limit 2 %, 1,800 s.
        handler.trade(false, 399_999e18, 199); // buy the coin up to 1.02
        handler.wait(1_799);
        handler.update();
        uint256 debt = keeper.debt();
        assertGt(debt, 0, "minted above the peg");
        handler.trade(true, 399_999e18, 199); // sell it down to 0.98
        handler.wait(1_799);
        handler.update();
        assertLt(keeper.debt(), debt, "bought back below the peg");
        assertEq(handler.updates(), 2);
        invariant_pegKeeper();
        // No debt left, the pool sold down again: the reserve's USDC buys, toward the peg.
        handler.trade(true, 399_999e18, 199);
        handler.wait(1_799);
        handler.update();
        assertEq(keeper.debt(), 0, "the keeper's own debt is gone");
        assertGe(handler.reserveBuyBacks(), 1, "the reserve bought back");
        assertGt(handler.reservePaid(), 0);
        assertGt(coin.balanceOf(address(reserve)), handler.reservePaid() * 1e12, "below $1 a coin");
        invariant_pegKeeper();
    }

    function invariant_pegKeeper() public view {
        uint256 debt = keeper.debt();
        assertLe(debt, CAP, "(a) debt above the cap");
        assertGe(usdc.balanceOf(address(keeper)) * 1e12, debt, "(b) USDC held below the debt");
        assertEq(coin.totalSupply(), handler.issued() + debt, "(c) supply identity");
        assertEq(handler.wrongWay(), 0, "(d) an update moved the spot away from the peg or across it");
        uint256 refill = (BUY_BACK_LIMIT * (block.timestamp - limitSetAt)) / 1 days;
        assertLe(handler.reservePaid() * 1e12, BUY_BACK_LIMIT + refill, "(e) the reserve paid beyond the limit");
        assertEq(handler.unsettledBuyBacks(), 0, "(f) the reserve bought from an unsettled pool or beyond the step");
    }
}

import { deployments } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256 } from "ethers";
import type {
  ISwapRouter,
  IUniswapV3Factory,
  IUniswapV3Pool,
  MarketPriceFeed,
  PegKeeper,
  PegStabilityModule,
} from "../../typechain-types";
import { isToken0, sqrtPriceX96At } from "../../scripts/lib/uniswap";
import { seedPool } from "../../scripts/lib/market";
import { networkConfig } from "../../config/networks";
import { adminOf, at, feedParams, systemAt, type System } from "./fixtures";

/** The market's deployments: Uniswap's router, the two pools and the market price feed. */
export interface Market {
  factory: IUniswapV3Factory;
  router: ISwapRouter;
  pool: IUniswapV3Pool;
  wethPool: IUniswapV3Pool;
  feed: MarketPriceFeed;
  psm: PegStabilityModule;
  keeper: PegKeeper;
}

/**
 * The whole system with BDOL's pool seeded as `npx hardhat market:seed` does (the deployer buys the
 * BDOL from the PSM), at a snapshot, the clock pinned to it as `loadSystem` does.
 */
const seededSystem = deployments.createFixture(async (hre): Promise<System> => {
  await deployments.fixture();
  await seedPool(hre, "BDOL_USDC_POOL");
  return systemAt();
});

export async function loadSeededSystem(): Promise<System> {
  const sys = await seededSystem();
  await time.setNextBlockTimestamp((await time.latest()) + 1);
  return sys;
}

export async function loadMarket(): Promise<Market> {
  return {
    factory: await at<IUniswapV3Factory>("IUniswapV3Factory", "UniswapV3Factory"),
    router: await at<ISwapRouter>("ISwapRouter", "SwapRouter"),
    pool: await at<IUniswapV3Pool>("IUniswapV3Pool", "BDOL_USDC_POOL"),
    wethPool: await at<IUniswapV3Pool>("IUniswapV3Pool", "WETH_USDC_POOL"),
    feed: await at<MarketPriceFeed>("MarketPriceFeed", "MarketPriceFeed"),
    psm: await at<PegStabilityModule>("PegStabilityModule", "PegStabilityModule"),
    keeper: await at<PegKeeper>("PegKeeper", "PegKeeper"),
  };
}

/**
 * Points the oracle's BDOL feed at MarketPriceFeed with mainnet's settings, as governance would
 * (locally the oracle reads the mock BDOL_USD_FEED).
 */
export async function useMarketFeed(sys: System, m: Market): Promise<void> {
  const cfg = networkConfig("mainnet").pricedAssets.BDOL.feed;
  const params = feedParams(await m.feed.getAddress(), {
    heartbeat: cfg.heartbeat,
    minPrice: cfg.minPrice,
    maxPrice: cfg.maxPrice,
    maxDeviation: cfg.maxDeviation,
    maxReferenceAge: cfg.maxReferenceAge,
  });
  await sys.oracle.connect(await adminOf(sys.oracle)).setFeed(await sys.bdol.getAddress(), params);
}

/** A new round, at the same answer, for every mock feed but BDOL's (time passes in the tests). */
export async function refreshFeeds(sys: System): Promise<void> {
  for (const f of [sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed, sys.usdcFeed]) {
    await f.updateAnswer((await f.latestRoundData())[1]);
  }
}

/**
 * Moves the BDOL/USDC pool's price to `priceWad` (USDC per BDOL) with one swap through Uniswap's
 * router by `who`, who is given what it sells (USDC minted; BDOL bought from the PSM). Returns the
 * amount sold.
 */
export async function movePoolTo(sys: System, m: Market, who: HardhatEthersSigner, priceWad: bigint): Promise<bigint> {
  const bdol = await sys.bdol.getAddress();
  const usdc = await sys.usdc.getAddress();
  const bdolIs0 = isToken0(bdol, usdc);
  const limit = sqrtPriceX96At(priceWad, 18, 6, bdolIs0);
  const current = (await m.pool.slot0()).sqrtPriceX96;
  if (limit === current) return 0n;
  // The price of BDOL falls when BDOL is sold.
  const spot = await m.feed.spotPrice();
  const sellBdol = priceWad < spot;
  // Enough to cross the seeded range either way; within the PSM's ceiling when bought from it.
  const budgetUsdc = 20_000_000n * 10n ** 6n;
  const router = await m.router.getAddress();
  let tokenIn: string;
  let amountIn: bigint;
  if (sellBdol) {
    await sys.usdc.mint(who.address, budgetUsdc);
    await sys.usdc.connect(who).approve(await m.psm.getAddress(), budgetUsdc);
    amountIn = await m.psm.connect(who).swapStableForCoin.staticCall(budgetUsdc, 0, who.address);
    await m.psm.connect(who).swapStableForCoin(budgetUsdc, 0, who.address);
    await sys.bdol.connect(who).approve(router, MaxUint256);
    tokenIn = bdol;
  } else {
    amountIn = budgetUsdc;
    await sys.usdc.mint(who.address, amountIn);
    await sys.usdc.connect(who).approve(router, MaxUint256);
    tokenIn = usdc;
  }
  const params = {
    tokenIn,
    tokenOut: tokenIn === bdol ? usdc : bdol,
    fee: await m.pool.fee(),
    recipient: who.address,
    deadline: MaxUint256,
    amountIn,
    amountOutMinimum: 0,
    sqrtPriceLimitX96: limit,
  };
  const before = await (tokenIn === bdol ? sys.bdol : sys.usdc).balanceOf(who.address);
  await m.router.connect(who).exactInputSingle(params);
  return before - (await (tokenIn === bdol ? sys.bdol : sys.usdc).balanceOf(who.address));
}

/** Lets `seconds` pass (one block at the end), so that the pool's TWAP covers them. */
export async function elapse(seconds: number): Promise<void> {
  await time.increase(seconds);
}

import hre, { deployments } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type {
  ISwapRouter,
  IUniswapV3Factory,
  IUniswapV3Pool,
  MarketPriceFeed,
  PegKeeper,
  PegStabilityModule,
} from "../../typechain-types";
import { marketFeedParams, movePoolTo as movePool, seedPool } from "../../scripts/lib/market";
import { adminOf, at, systemAt, type System } from "./fixtures";

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
  const params = marketFeedParams(await m.feed.getAddress());
  await sys.oracle.connect(await adminOf(sys.oracle)).setFeed(await sys.bdol.getAddress(), params);
}

/** A new round, at the same answer, for every mock feed but BDOL's (time passes in the tests). */
export async function refreshFeeds(sys: System): Promise<void> {
  for (const f of [sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed, sys.usdcFeed]) {
    await f.updateAnswer((await f.latestRoundData())[1]);
  }
}

/** Moves the BDOL/USDC pool's price to `priceWad` with one swap by `who` (see scripts/lib/market.ts). */
export async function movePoolTo(who: HardhatEthersSigner, priceWad: bigint): Promise<bigint> {
  return movePool(hre, who, priceWad);
}

/** Lets `seconds` pass (one block at the end), so that the pool's TWAP covers them. */
export async function elapse(seconds: number): Promise<void> {
  await time.increase(seconds);
}

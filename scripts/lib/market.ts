/**
 * Local seeding of BDOL's market: liquidity for a configured Uniswap v3 pool, provided through
 * Uniswap's position manager by one account (the deployer unless told). Used by deploy/09_market for
 * the pools of test tokens (WETH/USDC) and by `npx hardhat market:seed` (and the tests and the demo)
 * for the stablecoin's pool, whose BDOL is bought from the PSM at par: every seeded BDOL is backed.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { MaxUint256 } from "ethers";
import { networkConfig } from "../../config/networks";
import { resolveAddress } from "./deploy";
import {
  MAX_TICK,
  MIN_TICK,
  TICK_SPACING,
  alignTick,
  decimalsOf,
  isToken0,
  sqrtPriceX96At,
  tickAt,
  uniswapArtifact,
} from "./uniswap";
import { WAD } from "../../lib/sdk";
import { contractAt } from "../../lib/sdk/hardhat";

/**
 * `OracleAdapter.setFeed`'s parameters that price BDOL from `marketFeed` (MarketPriceFeed) with
 * mainnet's rules for it (config/networks.ts): what governance's vote does, for the local demo, the
 * simulator and the tests (locally the oracle reads the mock BDOL_USD_FEED until then).
 */
export function marketFeedParams(marketFeed: string) {
  const cfg = networkConfig("mainnet").pricedAssets.BDOL.feed;
  const zero = "0x0000000000000000000000000000000000000000";
  return {
    primaryFeed: marketFeed,
    secondaryFeed: zero,
    heartbeat: cfg.heartbeat,
    minPrice: cfg.minPrice,
    maxPrice: cfg.maxPrice,
    maxDeviation: cfg.maxDeviation,
    maxReferenceAge: cfg.maxReferenceAge,
    ratioFeed: zero,
    ratioHeartbeat: 0,
    minRatio: 0n,
    maxRatio: 0n,
  };
}

export interface SeedResult {
  /** Positions minted (token ids of the position manager). */
  tokenIds: bigint[];
  /** The pool's in-range liquidity afterwards. */
  liquidity: bigint;
}

/**
 * Provides pool `name`'s seed liquidity (config `market.pools.<name>.seed`) from `signer`: one position
 * per entry, ± `range` around the initial price (aligned outward to the tick spacing) or the full
 * range. Test tokens are minted to the signer; the stablecoin is bought from the PSM. Local networks only.
 */
export async function seedPool(hre: HardhatRuntimeEnvironment, name: string, signer?: Signer): Promise<SeedResult> {
  const { deployments, ethers, network } = hre;
  const config = networkConfig(network.name);
  if (!config.local) throw new Error(`seeding ${name} is for local networks, not ${network.name}`);
  const p = config.market.pools[name];
  if (!p?.seed) throw new Error(`config/networks.ts: market.pools.${name} has no seed`);
  const lp = signer ?? (await ethers.getSigner((await hre.getNamedAccounts()).deployer));
  const owner = await lp.getAddress();
  const base = await resolveAddress(hre, p.base, `market.pools.${name}.base`);
  const quote = await resolveAddress(hre, p.quote, `market.pools.${name}.quote`);
  const baseDecimals = await decimalsOf(hre, base);
  const quoteDecimals = await decimalsOf(hre, quote);
  const baseIs0 = isToken0(base, quote);
  const spacing = TICK_SPACING[p.fee];
  const stablecoin = (await deployments.get("BallastDollar")).address.toLowerCase();
  const baseTotal = p.seed.reduce((s, e) => s + e.base, 0n);
  const quoteTotal = p.seed.reduce((s, e) => s + e.quote, 0n);

  const mint = async (token: string, amount: bigint) => {
    const mock = await contractAt(hre, "MockERC20", token, lp);
    await (await mock.mint(owner, amount)).wait();
  };
  await mint(quote, quoteTotal);
  if (base.toLowerCase() === stablecoin) {
    // What buys `baseTotal` BDOL at the PSM: par plus its fee in, rounded up.
    const psm = await contractAt(hre, "PegStabilityModule", "PegStabilityModule", lp);
    const net = 10n ** 18n - (await psm.feeIn());
    const scale = 10n ** BigInt(18 - quoteDecimals);
    const stableIn = (baseTotal * 10n ** 18n + net * scale - 1n) / (net * scale);
    await mint(quote, stableIn);
    const usdc = await contractAt(hre, "IERC20", quote, lp);
    await (await usdc.approve(await psm.getAddress(), stableIn)).wait();
    await (await psm.swapStableForCoin(stableIn, baseTotal, owner)).wait();
  } else {
    await mint(base, baseTotal);
  }

  const npm = (await deployments.get("NonfungiblePositionManager")).address;
  const manager = new ethers.Contract(npm, uniswapArtifact("NonfungiblePositionManager").abi, lp);
  for (const token of [base, quote]) {
    const c = await contractAt(hre, "IERC20", token, lp);
    await (await c.approve(npm, MaxUint256)).wait();
  }
  const [token0, token1] = baseIs0 ? [base, quote] : [quote, base];
  const tokenIds: bigint[] = [];
  for (const e of p.seed) {
    let lower: number;
    let upper: number;
    if (e.range === "full") {
      [lower, upper] = [alignTick(MIN_TICK, spacing, true), alignTick(MAX_TICK, spacing)];
    } else {
      const a = tickAt((p.initialPrice * (WAD - e.range)) / WAD, baseDecimals, quoteDecimals, baseIs0);
      const b = tickAt((p.initialPrice * (WAD + e.range)) / WAD, baseDecimals, quoteDecimals, baseIs0);
      [lower, upper] = [alignTick(Math.min(a, b), spacing), alignTick(Math.max(a, b), spacing, true)];
    }
    const [amount0, amount1] = baseIs0 ? [e.base, e.quote] : [e.quote, e.base];
    const params = {
      token0,
      token1,
      fee: p.fee,
      tickLower: lower,
      tickUpper: upper,
      amount0Desired: amount0,
      amount1Desired: amount1,
      amount0Min: 0,
      amount1Min: 0,
      recipient: owner,
      deadline: MaxUint256,
    };
    const [tokenId] = await manager.mint.staticCall(params);
    await (await manager.mint(params)).wait();
    tokenIds.push(tokenId);
  }
  const pool = await contractAt(hre, "IUniswapV3Pool", name);
  return { tokenIds, liquidity: await pool.liquidity() };
}

/**
 * Moves BDOL's pool (`market.priceFeed.pool`) to `priceWad` (USDC per BDOL) with one swap through
 * Uniswap's SwapRouter by `who`, who is given what it sells: test USDC minted, BDOL bought from the
 * PSM (enough to cross the seeded range either way; what the pool does not take stays with `who`).
 * Local networks only. Returns the amount sold.
 */
export async function movePoolTo(hre: HardhatRuntimeEnvironment, who: Signer, priceWad: bigint): Promise<bigint> {
  const { deployments, ethers, network } = hre;
  const config = networkConfig(network.name);
  if (!config.local) throw new Error(`moving the pool by minting test USDC is for local networks, not ${network.name}`);
  const poolName = config.market.priceFeed.pool;
  const address = async (name: string) => (await deployments.get(name)).address;
  const pool = await contractAt(hre, "IUniswapV3Pool", await address(poolName));
  const feed = await contractAt(hre, "MarketPriceFeed", await address("MarketPriceFeed"));
  const bdol = await contractAt(hre, "IERC20", await address("BallastDollar"), who);
  const usdcAddress = await resolveAddress(hre, config.market.pools[poolName].quote, "quote");
  const usdc = await contractAt(hre, "MockERC20", usdcAddress, who);
  const psm = await contractAt(hre, "PegStabilityModule", await address("PegStabilityModule"), who);
  const router = await contractAt(hre, "ISwapRouter", await address("SwapRouter"), who);
  const owner = await who.getAddress();
  const bdolAddress = await bdol.getAddress();
  const bdolIs0 = isToken0(bdolAddress, usdcAddress);
  const quoteDecimals = await decimalsOf(hre, usdcAddress);
  const limit = sqrtPriceX96At(priceWad, 18, quoteDecimals, bdolIs0);
  if (limit === (await pool.slot0()).sqrtPriceX96) return 0n;
  const sellBdol = priceWad < (await feed.spotPrice());
  // Enough to cross the seeded range either way; the pool takes only what reaches the limit and the
  // rest stays with `who` for the next move (BDOL is bought from the PSM only to top it up).
  const budget = 20_000_000n * 10n ** BigInt(quoteDecimals);
  const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
  let amountIn = budget;
  if (sellBdol) {
    const coinBudget = budget * 10n ** BigInt(18 - quoteDecimals);
    const have = await bdol.balanceOf(owner);
    if (have < coinBudget) {
      // (budget − have) at par plus the PSM's fee, rounded up, in USDC units.
      const stableIn = ((coinBudget - have) * 1_001n) / 1_000n / 10n ** BigInt(18 - quoteDecimals) + 1n;
      await wait(usdc.mint(owner, stableIn));
      await wait(usdc.approve(await psm.getAddress(), stableIn));
      await wait(psm.swapStableForCoin(stableIn, 0, owner));
    }
    amountIn = await bdol.balanceOf(owner);
    await wait(bdol.approve(await router.getAddress(), MaxUint256));
  } else {
    await wait(usdc.mint(owner, budget));
    await wait(usdc.approve(await router.getAddress(), MaxUint256));
  }
  const tokenIn = sellBdol ? bdolAddress : usdcAddress;
  const sold = sellBdol ? bdol : usdc;
  const before = await sold.balanceOf(owner);
  await wait(
    router.exactInputSingle({
      tokenIn,
      tokenOut: sellBdol ? usdcAddress : bdolAddress,
      fee: await pool.fee(),
      recipient: owner,
      deadline: MaxUint256,
      amountIn,
      amountOutMinimum: 0,
      sqrtPriceLimitX96: limit,
    }),
  );
  return before - (await sold.balanceOf(owner));
}

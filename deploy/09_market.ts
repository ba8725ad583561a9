import { ZeroAddress, formatEther } from "ethers";
import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent, toBigInt } from "../scripts/lib/deploy";
import { seedPool } from "../scripts/lib/market";
import {
  TICK_SPACING,
  decimalsOf,
  deployUniswap,
  isToken0,
  priceWadAt,
  sqrtPriceX96At,
  uniswapArtifact,
} from "../scripts/lib/uniswap";

/**
 * BDOL's market. On local networks Uniswap v3 itself — the npm packages' compiled factory, router,
 * quoter and position manager, deployed as they are — with the 0.01 % fee tier enabled as Uniswap's
 * governance did on mainnet; elsewhere the canonical deployment from the config. Then each pool of the
 * config: created and initialised at its price when missing, its observation ring grown for TWAPs,
 * saved under its deployment name (`BDOL_USDC_POOL`, `WETH_USDC_POOL`); on local networks a pool of test
 * tokens only (WETH/USDC) is seeded by the deployer. The stablecoin's pool is created and initialised
 * at $1 but seeded apart (`npx hardhat market:seed`): BDOL can only come from the protocol (the PSM),
 * and a deployment that minted some would move every reserve and PSM figure the system starts from.
 * Last, `MarketPriceFeed` on the stablecoin's pool. Re-runnable: what exists or is in force is left
 * alone.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const m = config.market;
  const log = !config.local;

  // ------------------------------------------------------------------ Uniswap v3
  let factoryAddress: string;
  if (m.uniswap === "deploy") {
    const weth = await resolveAddress(hre, m.wrappedNative, "market.wrappedNative");
    factoryAddress = await deployUniswap(hre, "UniswapV3Factory", [], log);
    await deployUniswap(hre, "SwapRouter", [factoryAddress, weth], log);
    await deployUniswap(hre, "QuoterV2", [factoryAddress, weth], log);
    // No token descriptor: only the positions' tokenURI needs one.
    await deployUniswap(hre, "NonfungiblePositionManager", [factoryAddress, weth, ZeroAddress], log);
  } else {
    const u = m.uniswap;
    factoryAddress = u.factory;
    const canonical: [string, string | undefined][] = [
      ["UniswapV3Factory", u.factory],
      ["QuoterV2", u.quoterV2],
      ["NonfungiblePositionManager", u.positionManager],
      ["SwapRouter", u.swapRouter],
    ];
    for (const [name, address] of canonical) {
      if (address === undefined) continue;
      const { abi } = uniswapArtifact(name as "UniswapV3Factory");
      await deployments.save(name, { address, abi: abi as never });
    }
  }
  // Transactions go through hardhat-deploy (as every other deploy step), reads too.
  const opts = { from: deployer, log };
  const read = (contract: string, method: string, ...args: unknown[]) => deployments.read(contract, method, ...args);
  const send = (contract: string, method: string, ...args: unknown[]) =>
    deployments.execute(contract, opts, method, ...args);

  // ------------------------------------------------------------------ pools
  const stablecoin = (await deployments.get("BallastDollar")).address;
  const poolAbi = uniswapArtifact("UniswapV3Pool").abi;
  for (const [name, p] of Object.entries(m.pools)) {
    const spacing = TICK_SPACING[p.fee];
    if (spacing === undefined)
      throw new Error(`config/networks.ts: market.pools.${name}.fee ${p.fee} is not a Uniswap fee tier`);
    const factorySpacing = toBigInt(await read("UniswapV3Factory", "feeAmountTickSpacing", p.fee));
    if (factorySpacing === 0n) {
      if (m.uniswap !== "deploy") throw new Error(`Uniswap's factory on ${network.name} has no ${p.fee} fee tier`);
      await send("UniswapV3Factory", "enableFeeAmount", p.fee, spacing);
    } else if (factorySpacing !== BigInt(spacing)) {
      throw new Error(
        `Uniswap's ${p.fee} fee tier on ${network.name} has tick spacing ${factorySpacing}, not ${spacing}`,
      );
    }
    const base = await resolveAddress(hre, p.base, `market.pools.${name}.base`);
    const quote = await resolveAddress(hre, p.quote, `market.pools.${name}.quote`);
    const baseDecimals = await decimalsOf(hre, base);
    const quoteDecimals = await decimalsOf(hre, quote);
    const baseIs0 = isToken0(base, quote);
    const [token0, token1] = baseIs0 ? [base, quote] : [quote, base];
    // Created and initialised in one transaction (no window for someone else to initialise it); a
    // pool that exists already keeps its price, checked below.
    const save = async () => {
      const address: string = await read("UniswapV3Factory", "getPool", base, quote, p.fee);
      if (address !== ZeroAddress) await deployments.save(name, { address, abi: poolAbi as never });
      return address;
    };
    let poolAddress = await save();
    if (poolAddress === ZeroAddress || toBigInt((await read(name, "slot0")).sqrtPriceX96) === 0n) {
      const sqrtPrice = sqrtPriceX96At(p.initialPrice, baseDecimals, quoteDecimals, baseIs0);
      await send("NonfungiblePositionManager", "createAndInitializePoolIfNecessary", token0, token1, p.fee, sqrtPrice);
      poolAddress = await save();
    }
    const price = priceWadAt(toBigInt((await read(name, "slot0")).sqrtPriceX96), baseDecimals, quoteDecimals, baseIs0);
    const off = price > p.initialPrice ? price - p.initialPrice : p.initialPrice - price;
    if (off * 100n > p.initialPrice) {
      throw new Error(
        `${name} (${poolAddress}) trades at ${formatEther(price)}, more than 1 % from the configured ` +
          `${formatEther(p.initialPrice)}: someone initialised it first. Bring it back with a swap, then re-run.`,
      );
    }
    // Each new observation slot costs a storage write (~22k gas): grown in steps of 200, each
    // transaction far below the 2^24 gas cap per transaction.
    for (let next = Number((await read(name, "slot0")).observationCardinalityNext); next < p.observationCardinality; ) {
      next = Math.min(p.observationCardinality, next + 200);
      await send(name, "increaseObservationCardinalityNext", next);
    }
    // The stablecoin's pool is seeded by `market:seed` (see scripts/lib/market.ts), not here.
    const testTokensOnly = base !== stablecoin && quote !== stablecoin;
    if (p.seed && config.local && testTokensOnly && toBigInt(await read(name, "liquidity")) === 0n) {
      await seedPool(hre, name);
    }
  }

  // ------------------------------------------------------------------ the market price feed
  const f = m.priceFeed;
  const pool = (await deployments.get(f.pool)).address;
  const quoteFeed = await resolveAddress(hre, f.quoteFeed, "market.priceFeed.quoteFeed");
  const existing = await deployments.getOrNull("MarketPriceFeed");
  if (existing) {
    const current = {
      pool: await read("MarketPriceFeed", "pool"),
      quoteFeed: await read("MarketPriceFeed", "quoteFeed"),
    };
    if (
      current.pool.toLowerCase() !== pool.toLowerCase() ||
      current.quoteFeed.toLowerCase() !== quoteFeed.toLowerCase()
    ) {
      throw new Error(
        `MarketPriceFeed (${existing.address}) reads pool ${current.pool} and quote feed ${current.quoteFeed}; the ` +
          `config says ${pool} and ${quoteFeed}. Its pool and quote feed are fixed: deploy a new one (delete ` +
          `deployments/${network.name}/MarketPriceFeed.json) and point the oracle at it through governance.`,
      );
    }
  }
  await deployments.deploy("MarketPriceFeed", {
    from: deployer,
    skipIfAlreadyDeployed: true,
    args: [pool, stablecoin, quoteFeed, deployer, f.window, f.minLiquidity, f.quoteHeartbeat],
    log,
  });
  const set = (getter: string, value: bigint, setter: string) =>
    setIfDifferent(hre, "MarketPriceFeed", { name: getter }, value, setter, [value]);
  await set("window", BigInt(f.window), "setWindow");
  await set("minLiquidity", f.minLiquidity, "setMinLiquidity");
  await set("quoteHeartbeat", BigInt(f.quoteHeartbeat), "setQuoteHeartbeat");
};

func.id = "09_market";
func.tags = ["Market"];
func.dependencies = ["Mocks", "BallastDollar"];
export default func;

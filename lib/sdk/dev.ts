/**
 * Local-chain helpers (a Hardhat node, anvil, the in-process network): move the clock, move a mock
 * feed's price the way the oracle's circuit breaker accepts, mint test tokens. Every helper leaves
 * the oracle's prices live: after a time jump each mock feed gets a fresh round (same answer) and
 * each asset is recorded, so nothing reads Stale afterwards.
 */
import { ZeroAddress, type Provider, type Signer } from "ethers";
import { UsageError } from "./cli-error";
import { pickBySymbol, type Ballast } from "./contracts";
import { WAD, max, min } from "./math";
import { priceStatusName } from "./status";

/** The feeds of one priced asset (zero addresses omitted). */
async function feedsOf(ballast: Ballast, asset: string): Promise<string[]> {
  const [config, ratio] = await Promise.all([ballast.oracle.feedConfig(asset), ballast.oracle.ratioFeedConfig(asset)]);
  return [config.primaryFeed, config.secondaryFeed, ratio.feed].filter((f) => f !== ZeroAddress);
}

/** Whether `address` is a MockAggregator (its public `updateAnswer` accepts a call). */
async function isMock(ballast: Ballast, address: string): Promise<boolean> {
  try {
    const feed = ballast.mockFeed(address);
    const round = await feed.latestRound();
    await feed.updateAnswer.staticCall(await feed.answers(round));
    return true;
  } catch {
    return false;
  }
}

export interface Refreshed {
  asset: string;
  symbol: string;
  price: bigint;
  status: string;
}

/**
 * Pushes a fresh round (the same answer) on every mock feed of every priced asset, then records
 * each asset in the oracle. Real feeds are left alone.
 */
export async function refreshMockFeeds(ballast: Ballast): Promise<Refreshed[]> {
  const out: Refreshed[] = [];
  for (const asset of await ballast.oracle.assets()) {
    for (const address of await feedsOf(ballast, asset)) {
      if (!(await isMock(ballast, address))) continue;
      const feed = ballast.mockFeed(address);
      await (await feed.updateAnswer(await feed.answers(await feed.latestRound()))).wait();
    }
    await (await ballast.oracle.recordPrice(asset)).wait();
    const [price, status] = await ballast.oracle.getPrice(asset);
    out.push({ asset, symbol: await symbolOrAddress(ballast, asset), price, status: priceStatusName(status) });
  }
  return out;
}

/** A priced asset's token symbol, else its deployment name (a reference asset such as BTC), else its address. */
async function symbolOrAddress(ballast: Ballast, asset: string): Promise<string> {
  try {
    return await ballast.erc20(asset).symbol();
  } catch {
    const named = Object.entries(ballast.addresses).find(([, a]) => a.toLowerCase() === asset.toLowerCase());
    return named ? named[0] : asset;
  }
}

/** Moves the chain's clock forward by `seconds` and mines a block (Hardhat node and anvil alike). */
export async function advanceTime(
  provider: Provider & { send(method: string, params: unknown[]): Promise<unknown> },
  seconds: bigint,
): Promise<void> {
  await provider.send("evm_increaseTime", [Number(seconds)]);
  await provider.send("evm_mine", []);
}

/** Every asset the oracle prices, with its symbol: the collaterals and the others (USDC, BDOL). */
export async function pricedAssets(ballast: Ballast): Promise<{ asset: string; symbol: string }[]> {
  const assets = await ballast.oracle.assets();
  return Promise.all(assets.map(async (a) => ({ asset: a, symbol: await symbolOrAddress(ballast, a) })));
}

/** One priced asset by symbol (any case) or address; an unknown one is refused with the choices. */
export async function pricedAsset(ballast: Ballast, symbol: string): Promise<{ asset: string; symbol: string }> {
  return pickBySymbol(await pricedAssets(ballast), symbol, "asset", "priced by the oracle", (n) => n.asset);
}

export interface PriceStep {
  price: bigint;
  status: string;
}

/**
 * Moves a priced asset's mock USD feed to `target` [wad] in rounds the circuit breaker accepts
 * (each at most 80 % of its maximum deviation from the last), recording every round, so the price
 * is live at the end. A composite asset (WBTC = BTC/USD × WBTC/BTC) moves its USD leg.
 */
export async function moveMockPrice(ballast: Ballast, asset: string, target: bigint): Promise<PriceStep[]> {
  const [config, ratio] = await Promise.all([ballast.oracle.feedConfig(asset), ballast.oracle.ratioFeedConfig(asset)]);
  if (!(await isMock(ballast, config.primaryFeed))) {
    throw new UsageError(`the price feed of ${asset} is not a mock feed: only a local deployment's prices can be set`);
  }
  if (target < config.minPrice || target > config.maxPrice) {
    throw new UsageError(
      `--price is outside the oracle's sanity bounds for this asset [${Number(config.minPrice) / 1e18}, ${Number(config.maxPrice) / 1e18}] USD`,
    );
  }
  const feed = ballast.mockFeed(config.primaryFeed);
  const scale = 10n ** BigInt(config.primaryDecimals);
  let ratioWad = WAD;
  if (ratio.feed !== ZeroAddress) {
    const r = ballast.mockFeed(ratio.feed);
    ratioWad = ((await r.answers(await r.latestRound())) * WAD) / 10n ** BigInt(ratio.decimals);
  }
  // The USD leg that makes the asset's price `target`.
  const goal = (target * WAD) / ratioWad;
  const step = (BigInt(config.maxDeviation) * 8n) / 10n;
  let current = ((await feed.answers(await feed.latestRound())) * WAD) / scale;
  const steps: PriceStep[] = [];
  for (let i = 0; i < 200; i++) {
    const next =
      goal > current ? min(goal, current + (current * step) / WAD) : max(goal, current - (current * step) / WAD);
    await (await feed.updateAnswer((next * scale) / WAD)).wait();
    await (await ballast.oracle.recordPrice(asset)).wait();
    const [price, status] = await ballast.oracle.getPrice(asset);
    steps.push({ price, status: priceStatusName(status) });
    current = next;
    if (current === goal) break;
  }
  return steps;
}

/** Mints `amount` of a test token to `to` (MockERC20's open `mint`: local deployments only). */
export async function faucet(
  ballast: Ballast,
  token: string,
  to: string,
  amount: bigint,
  signer: Signer,
): Promise<void> {
  const t = ballast.testToken(token).connect(signer);
  try {
    await t.mint.staticCall(to, amount);
  } catch {
    throw new UsageError(`${token} is not a test token that anyone may mint`);
  }
  await (await t.mint(to, amount)).wait();
}

/** A test token by symbol (any case) among the deployment's tokens: the collaterals and the stable asset. */
export async function testTokenOf(
  ballast: Ballast,
  symbol: string,
): Promise<{ address: string; symbol: string; decimals: number }> {
  const collaterals = (await ballast.collaterals()).list.map((c) => ({ ...c }));
  const tokens = [...collaterals];
  if (ballast.psm) {
    const stable = await ballast.psm.stable();
    const t = ballast.erc20(stable);
    tokens.push({
      address: stable,
      symbol: await t.symbol(),
      decimals: Number(await t.decimals()),
      oracleAsset: stable,
    });
  }
  return pickBySymbol(tokens, symbol, "asset", "a test token here", (t) => t.address);
}

/**
 * The collaterals the simulator drives, from the deployment's configuration (config/networks.ts):
 * every collateral of the network whose token and USD feed are deployments, the feed a mock the
 * simulator publishes rounds on. A scenario names a collateral by the asset its feed prices ("ETH"
 * for WETH, whose feed is "ETH / USD"), in the configuration's order.
 */
import { networkConfig } from "../../config/networks";
import type { AddressRef, NetworkConfig } from "../../config/networks";

/** The mock feeds' answers have 8 decimals, as Chainlink's USD feeds; the simulator publishes them so. */
export const FEED_DECIMALS = 8;

/**
 * The $1 assets a scenario may price (not collateral), with the mock feed and the deployment each one
 * drives: USDC, the PSM's stable asset, and BDOL, the controller's peg input.
 */
export const PEG_ASSETS = {
  USDC: { feed: "USDC_USD_FEED", token: "USDC" },
  BDOL: { feed: "BDOL_USD_FEED", token: "BallastDollar" },
} as const;
export type PegKey = keyof typeof PEG_ASSETS;
export const PEG_KEYS = Object.keys(PEG_ASSETS) as PegKey[];

export interface SimAsset {
  /** What a scenario calls it: the asset its USD feed prices (the base of the mock feed's description). */
  key: string;
  /** The collateral's symbol: its key in the configuration and its token's deployment name. */
  symbol: string;
  /** The token's decimals (the configuration's test token). */
  decimals: number;
  /** Deployment name of the mock USD feed that the scenario's prices drive. */
  feed: string;
  /** The mock feed's deployed answer [USD]: the flat path of a collateral that a scenario does not price. */
  deployedPrice: number;
  /** The oracle's circuit-breaker deviation for the asset (a fraction). */
  breakerDeviation: number;
}

const cache = new Map<string, SimAsset[]>();

/** The collaterals of `network`'s configuration as the simulator sees them (memoised); throws on one it cannot drive. */
export function simAssets(network = "hardhat"): SimAsset[] {
  let assets = cache.get(network);
  if (assets === undefined) {
    assets = readAssets(networkConfig(network), network);
    cache.set(network, assets);
  }
  return assets;
}

/** The simulator's assets read from one network's configuration. */
export function readAssets(config: NetworkConfig, network: string): SimAsset[] {
  const out: SimAsset[] = [];
  for (const [symbol, c] of Object.entries(config.collaterals)) {
    const fail = (msg: string): never => {
      throw new Error(
        `config/networks.ts (${network}), collateral ${symbol}: ${msg}; the simulator needs mock tokens and feeds`,
      );
    };
    const token = deploymentOf(c.token) ?? fail("its token is not a deployment");
    const decimals = config.testTokens[token]?.decimals ?? fail(`no test token ${token}`);
    const feed = deploymentOf(c.feed.primaryFeed) ?? fail("its USD feed is not a deployment");
    const mock = config.mockFeeds[feed] ?? fail(`its feed ${feed} is not a mock feed`);
    if (mock.decimals !== FEED_DECIMALS) fail(`its feed ${feed} has ${mock.decimals} decimals, not ${FEED_DECIMALS}`);
    const [base, quote] = mock.description.split("/").map((x) => x.trim());
    if (!base || quote !== "USD") fail(`its feed ${feed} is "${mock.description}", not "<asset> / USD"`);
    // A composite's ratio leg (WBTC/BTC) is republished at its answer (chain.ts, which reads it from the oracle).
    const ratioFeed = c.feed.ratio === undefined ? undefined : deploymentOf(c.feed.ratio.feed);
    if (c.feed.ratio !== undefined && (ratioFeed === undefined || config.mockFeeds[ratioFeed] === undefined)) {
      fail("its ratio feed is not a mock feed");
    }
    if ((PEG_KEYS as string[]).includes(base) || out.some((a) => a.key === base)) {
      fail(`its asset ${base} is priced twice`);
    }
    out.push({
      key: base,
      symbol,
      decimals,
      feed,
      deployedPrice: Number(mock.answer) / 10 ** mock.decimals,
      breakerDeviation: Number(c.feed.maxDeviation) / 1e18,
    });
  }
  return out;
}

function deploymentOf(ref: AddressRef): string | undefined {
  return typeof ref === "object" && "deployment" in ref ? ref.deployment : undefined;
}

/** The scenario's names for the collaterals, in the configuration's order. */
export function assetKeys(assets = simAssets()): string[] {
  return assets.map((a) => a.key);
}

/** The asset a scenario calls `key`; throws with the choices. */
export function assetOf(key: string, assets = simAssets()): SimAsset {
  const a = assets.find((x) => x.key === key);
  if (a === undefined) throw new Error(`unknown asset ${key} (known: ${assetChoices(assets)})`);
  return a;
}

/** "ETH (WETH), BTC (WBTC)": the scenario's names for the collaterals, with their symbols. */
export function assetChoices(assets = simAssets()): string {
  return assets.map((a) => `${a.key} (${a.symbol})`).join(", ");
}

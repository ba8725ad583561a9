import { wad } from "../lib/sdk";
import type { MarketSetup, NetworkConfig } from "./types";
import {
  DAY,
  WETH_CONTROL,
  WBTC_CONTROL,
  risk,
  psm,
  ETH_FEED_COMMON,
  BTC_FEED_COMMON,
  USD_FEED_COMMON,
  WBTC_BTC_RATIO,
  WETH_RISK,
  WBTC_RISK,
  KEEPER_PAY,
  pegKeeper,
  LOCAL_TEST_TOKENS,
  bdolPool,
  bdolPriceFeed,
  limits,
  stablecoin,
} from "./presets";

/** BDOL's pool and a WETH pool on real Uniswap v3 bytecode deployed locally, seeded by the deploy scripts. */
const LOCAL_MARKET: MarketSetup = {
  uniswap: "deploy",
  wrappedNative: { deployment: "WETH" },
  pools: {
    BDOL_USDC_POOL: {
      // Hardhat mines a block per transaction: 720 observations, room for a window and a round of busy blocks.
      ...bdolPool({ deployment: "USDC" }, 720),
      // Deepest at the peg, enough within ±5 % that a depeg of a few cents still reads (the feed's
      // minimum is 2e19; the ±5 % position alone is about 8e19), and a full-range tail.
      seed: [
        { range: wad("0.01"), base: wad(3_000_000), quote: 3_000_000n * 10n ** 6n },
        { range: wad("0.05"), base: wad(2_000_000), quote: 2_000_000n * 10n ** 6n },
        { range: "full", base: wad(1_000_000), quote: 1_000_000n * 10n ** 6n },
      ],
    },
    WETH_USDC_POOL: {
      base: { deployment: "WETH" },
      quote: { deployment: "USDC" },
      fee: 500,
      initialPrice: wad(3_000),
      observationCardinality: 100,
      seed: [
        { range: wad("0.5"), base: wad(2_000), quote: 6_000_000n * 10n ** 6n },
        { range: "full", base: wad(500), quote: 1_500_000n * 10n ** 6n },
      ],
    },
  },
  priceFeed: bdolPriceFeed({ deployment: "USDC_USD_FEED" }),
  // Buy-back: 1M USDC a day, a fifth of the seeded pool's USDC, so the tests and the demo see it act
  // on a few updates in a row and then run dry.
  pegKeeper: pegKeeper(wad(5_000_000), wad(1_000_000)),
};

/** The in-process network and a local node (Hardhat node, anvil): mocks for every token and feed. */
export const local: NetworkConfig = {
  local: true,
  testTokens: LOCAL_TEST_TOKENS,
  mockFeeds: {
    ETH_USD_FEED: { decimals: 8, description: "ETH / USD", answer: 3_000n * 10n ** 8n },
    BTC_USD_FEED: { decimals: 8, description: "BTC / USD", answer: 60_000n * 10n ** 8n },
    WBTC_BTC_FEED: { decimals: 8, description: "WBTC / BTC", answer: 10n ** 8n },
    USDC_USD_FEED: { decimals: 8, description: "USDC / USD", answer: 10n ** 8n },
    BDOL_USD_FEED: { decimals: 8, description: "BDOL / USD", answer: 10n ** 8n },
  },
  mockStrategies: {
    USDC_STRATEGY: { asset: { deployment: "USDC" }, name: "Mock USDC Strategy", symbol: "msUSDC" },
  },
  stablecoin: stablecoin(wad(10_000_000)),
  oracle: { sequencerGracePeriod: 3600 },
  collaterals: {
    WETH: {
      token: { deployment: "WETH" },
      oracleAsset: { deployment: "WETH" },
      feed: { primaryFeed: { deployment: "ETH_USD_FEED" }, ...ETH_FEED_COMMON },
      ...limits(wad(100_000_000), wad(500), wad(20_000_000), wad(100)),
      ...WETH_RISK,
      control: WETH_CONTROL,
    },
    WBTC: {
      token: { deployment: "WBTC" },
      oracleAsset: { deployment: "WBTC" },
      // WBTC/BTC × BTC/USD, as on mainnet, so that tests exercise the composite.
      feed: {
        primaryFeed: { deployment: "BTC_USD_FEED" },
        ...BTC_FEED_COMMON,
        ratio: { feed: { deployment: "WBTC_BTC_FEED" }, ...WBTC_BTC_RATIO },
      },
      ...limits(wad(100_000_000), wad(500), wad(20_000_000), wad(100)),
      ...WBTC_RISK,
      control: WBTC_CONTROL,
    },
  },
  // 10M USDC per hour: local runs (tests, the demo, the simulator) see the limit without waiting days.
  reserve: {
    bufferShare: wad("0.8"),
    liquidTarget: wad("0.2"),
    maxRebalance: 10_000_000n * 10n ** 6n,
    rebalanceInterval: 3600,
    recoveryShare: wad("0.95"),
    savingsMargin: wad("0.1"),
  },
  reserveStrategies: [{ vault: { deployment: "USDC_STRATEGY" }, cap: 20_000_000n * 10n ** 6n }],
  liquidation: { ...KEEPER_PAY, maxTotalAuctionDebt: wad(30_000_000), nativeAsset: { deployment: "WETH" } },
  psm: psm({ deployment: "USDC" }, wad(50_000_000), wad(5_000_000)),
  risk: risk("BDOL"),
  // Short delays for the demo and local tries; `gov:* --advance` moves the clock past them.
  governance: {
    token: { name: "Ballast Governance", symbol: "BLST", supply: wad(100_000_000) },
    treasury: { account: "deployer" },
    guardian: { account: "guardian" },
    votingDelay: 60,
    votingPeriod: 3600,
    timelockDelay: 3600,
    proposalThreshold: wad(100_000),
    quorumPercent: 4,
    maxPauseDuration: 7 * DAY,
    selfDelegateTreasury: true,
  },
  market: LOCAL_MARKET,
  pricedAssets: {
    USDC: { token: { deployment: "USDC" }, feed: { primaryFeed: { deployment: "USDC_USD_FEED" }, ...USD_FEED_COMMON } },
    BDOL: {
      token: { deployment: "BallastDollar" },
      feed: { primaryFeed: { deployment: "BDOL_USD_FEED" }, ...USD_FEED_COMMON },
    },
  },
};

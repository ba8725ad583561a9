import { wad } from "../lib/sdk";
import type { MarketSetup, NetworkConfig } from "./types";
import {
  WETH_CONTROL,
  WBTC_CONTROL,
  risk,
  psm,
  publicGovernance,
  ETH_FEED_COMMON,
  BTC_FEED_COMMON,
  WBTC_BTC_RATIO,
  WETH_RISK,
  WBTC_RISK,
  KEEPER_PAY,
  pegKeeper,
  UNISWAP_SOURCE,
  PUBLIC_RESERVE,
  bdolPool,
  bdolPriceFeed,
  limits,
  publicPricedAssets,
  stablecoin,
} from "./presets";

/** The canonical tokens, and Chainlink's USDC / USD. */
const WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
const WBTC = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599";
const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const USDC_USD = "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6";

const MAINNET_MARKET: MarketSetup = {
  uniswap: {
    factory: "0x1F98431c8aD98523631AE4a59f267346ea31F984",
    quoterV2: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
    positionManager: "0xC36442b4a4522E871399CD717aBDD847Ab11FE88",
    swapRouter: "0xE592427A0AEce92De3Edee1F18E0157C05861564",
    swapRouter02: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
    source: UNISWAP_SOURCE,
  },
  wrappedNative: WETH,
  pools: {
    // 12-second blocks: 300 observations cover 60 minutes of blocks that all trade.
    BDOL_USDC_POOL: bdolPool(USDC, 300),
    // The existing WETH/USDC 0.05 % pool; its observation ring is left as it is.
    WETH_USDC_POOL: {
      base: WETH,
      quote: USDC,
      fee: 500,
      initialPrice: wad(3_000),
      observationCardinality: 0,
    },
  },
  priceFeed: bdolPriceFeed(USDC_USD),
  // Buy-back: 2M USDC a day, two thirds of the 3.07M BDOL it takes to push a pool of the seeded
  // depth to 0.99 (README's manipulation table), a fifth of the keeper's cap; the bound is 10M.
  pegKeeper: pegKeeper(wad(10_000_000), wad(2_000_000)),
};

/** Ethereum mainnet: canonical tokens and Chainlink feeds. */
export const mainnet: NetworkConfig = {
  local: false,
  testTokens: {},
  mockFeeds: {},
  mockStrategies: {},
  stablecoin: stablecoin(wad(50_000_000)),
  oracle: { sequencerGracePeriod: 3600 },
  collaterals: {
    WETH: {
      token: WETH,
      oracleAsset: WETH,
      feed: { primaryFeed: "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", ...ETH_FEED_COMMON },
      ...limits(wad(50_000_000), wad(2_000), wad(10_000_000), wad(1_000)),
      ...WETH_RISK,
      control: WETH_CONTROL,
    },
    WBTC: {
      token: WBTC,
      oracleAsset: WBTC,
      // WBTC/BTC × BTC/USD: a custody or bridge failure shows in the price. WBTC/BTC is Chainlink's
      // "WBTC / BTC" feed in its published list of Ethereum mainnet feeds
      // (https://docs.chain.link/data-feeds/price-feeds/addresses?network=ethereum), the feed its
      // Feed Registry maps (WBTC, BTC) to; BTC/USD is Chainlink's "BTC / USD".
      feed: {
        primaryFeed: "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",
        ...BTC_FEED_COMMON,
        ratio: { feed: "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23", ...WBTC_BTC_RATIO },
      },
      ...limits(wad(25_000_000), wad(2_000), wad(5_000_000), wad(1_000)),
      ...WBTC_RISK,
      control: WBTC_CONTROL,
    },
  },
  ...PUBLIC_RESERVE,
  liquidation: {
    ...KEEPER_PAY,
    maxTotalAuctionDebt: wad(12_000_000),
    nativeAsset: WETH,
  },
  psm: psm(USDC, wad(20_000_000), wad(2_000_000)),
  // The peg term reads BDOL's market price (MarketPriceFeed on BDOL_USDC_POOL).
  risk: risk("BDOL"),
  governance: publicGovernance("mainnet"),
  market: MAINNET_MARKET,
  pricedAssets: publicPricedAssets(USDC, USDC_USD),
};

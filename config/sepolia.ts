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
  WETH_RISK,
  WBTC_RISK,
  KEEPER_PAY,
  pegKeeper,
  UNISWAP_SOURCE,
  LOCAL_TEST_TOKENS,
  PUBLIC_RESERVE,
  bdolPool,
  bdolPriceFeed,
  limits,
  publicPricedAssets,
  stablecoin,
} from "./presets";

/** Chainlink's USDC / USD on Sepolia. */
const USDC_USD = "0xA2F78ab2355fe2f984D808B5CeE7FD0A93D5270E";

const SEPOLIA_MARKET: MarketSetup = {
  uniswap: {
    factory: "0x0227628f3F023bb0B980b67D528571c95c6DaC1c",
    quoterV2: "0xEd1f6473345F45b75F8179591dd5bA1888cf2FB3",
    positionManager: "0x1238536071E1c677A632429e3655c799b22cDA52",
    // Sepolia has no v1 SwapRouter.
    swapRouter02: "0x3bFA4769FB09eefC5a80d6E87c3B9C650f7Ae48E",
    source: UNISWAP_SOURCE,
  },
  wrappedNative: "0xfFf9976782d46CC05630D1f6eBAb18b2324d6B14",
  pools: {
    BDOL_USDC_POOL: bdolPool({ deployment: "USDC" }, 300),
  },
  priceFeed: bdolPriceFeed(USDC_USD),
  // Buy-back: 250k USDC a day, a quarter of the keeper's cap, on a testnet's thin pool and small reserve.
  pegKeeper: pegKeeper(wad(1_000_000), wad(250_000)),
};

/**
 * Sepolia: real Chainlink feeds, mintable test tokens (there is no canonical WBTC there, and
 * testers need to mint collateral). BDOL's market price comes from its own Uniswap pool, as on mainnet.
 */
export const sepolia: NetworkConfig = {
  local: false,
  testTokens: LOCAL_TEST_TOKENS,
  mockFeeds: {},
  mockStrategies: {},
  stablecoin: stablecoin(wad(10_000_000)),
  oracle: { sequencerGracePeriod: 3600 },
  collaterals: {
    WETH: {
      token: { deployment: "WETH" },
      oracleAsset: { deployment: "WETH" },
      feed: { primaryFeed: "0x694AA1769357215DE4FAC081bf1f309aDC325306", ...ETH_FEED_COMMON },
      ...limits(wad(10_000_000), wad(500), wad(2_000_000), wad(100)),
      ...WETH_RISK,
      control: WETH_CONTROL,
    },
    WBTC: {
      token: { deployment: "WBTC" },
      oracleAsset: { deployment: "WBTC" },
      // A mintable test token that cannot depeg: BTC/USD alone (Sepolia has no WBTC/BTC feed).
      feed: { primaryFeed: "0x1b44F3514812d835EB1BDB0acB33d3fA3351Ee43", ...BTC_FEED_COMMON },
      ...limits(wad(10_000_000), wad(500), wad(2_000_000), wad(100)),
      ...WBTC_RISK,
      control: WBTC_CONTROL,
    },
  },
  ...PUBLIC_RESERVE,
  liquidation: { ...KEEPER_PAY, maxTotalAuctionDebt: wad(3_000_000), nativeAsset: { deployment: "WETH" } },
  psm: psm({ deployment: "USDC" }, wad(5_000_000), wad(500_000)),
  // The peg term reads BDOL's market price (MarketPriceFeed on BDOL_USDC_POOL).
  risk: risk("BDOL"),
  governance: publicGovernance("sepolia"),
  market: SEPOLIA_MARKET,
  pricedAssets: publicPricedAssets({ deployment: "USDC" }, USDC_USD),
};

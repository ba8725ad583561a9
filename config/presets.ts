/**
 * Presets shared by the networks' configurations: each asset's feed and risk settings, the risk
 * controller's rules, auction and keeper pay, the PSM, governance and market building blocks.
 */
import { perSecondRate, wad } from "../lib/sdk";
import type {
  AddressRef,
  FeedSetup,
  AuctionSetup,
  ControllerRules,
  RiskSetup,
  PsmSetup,
  GovernanceSetup,
  TestToken,
  PegKeeperSetup,
  PoolSetup,
  MarketSetup,
  NetworkConfig,
  CollateralSetup,
} from "./types";

export const DAY = 24 * 3600;

/**
 * 2 % at zero utilisation, 5 % at the 80 % kink, 30 % when full; 0.5 %–40 %, at most 0.5 point per
 * poke. Borrow ratio: liquidation ratio + 5 points + 0.1 × volatility (80 % → +8 points), ≤ 250 %,
 * 2 points per poke. Halt on a 15 % move within the hour's window or a 30 % move within the day's.
 * Stress: a 50 % fall sold 10 % under.
 */
export const WETH_CONTROL: ControllerRules = {
  baseRate: wad("0.02"),
  kink: wad("0.8"),
  slopeBelowKink: wad("0.03"),
  slopeAboveKink: wad("0.25"),
  minRate: wad("0.005"),
  maxRate: wad("0.4"),
  maxRateStep: wad("0.005"),
  baseMargin: wad("0.05"),
  volatilityMultiplier: wad("0.1"),
  maxBorrowRatio: wad("2.5"),
  maxBorrowRatioStep: wad("0.02"),
  maxPriceMove: wad("0.15"),
  maxSlowMove: wad("0.3"),
  stressShock: wad("0.5"),
  saleDiscount: wad("0.1"),
};
/** As WETH, from 1.5 %, with a 40 % stress fall. */
export const WBTC_CONTROL: ControllerRules = { ...WETH_CONTROL, baseRate: wad("0.015"), stressShock: wad("0.4") };

/**
 * Reserve arm: savings at 1 % at peg, at most 10 %, moving 0.25 point a poke, at most 0.5 % while the
 * reserve is below target; the PSM's USDC stressed at a 12 % loss (0.88); a poke paid 400,000 gas at
 * the basefee, at most 20 BDOL a poke and 480 a day (24 hourly pokes at the cap).
 * Poke hourly; price-breaker windows of an hour and of a day; breakers hold 6 hours after their condition was last seen; system breaker below
 * 120 %; value-at-risk at z = 2.33 (99 %) over a day. Peg: 1 % under the peg adds 1 point of fee
 * at once and 0.5 point per day held, the integral leaks 20 % a day, the peg term is capped at 10 points.
 */
export function risk(pegAsset?: string): RiskSetup {
  return {
    pokeInterval: 3600,
    priceWindow: 3600,
    slowWindow: DAY,
    coolDown: 6 * 3600,
    varHorizon: 24 * 3600,
    varConfidence: wad("2.33"),
    criticalCollateralRatio: wad("1.2"),
    peg: { pegAsset, kp: wad(1), ki: wad("0.5"), leakPerDay: wad("0.2"), maxPegTerm: wad("0.1") },
    reserveArm: {
      baseSavingsRate: wad("0.01"),
      maxSavingsRate: wad("0.1"),
      savingsRateStep: wad("0.0025"),
      capBelowTarget: wad("0.005"),
      stableStress: wad("0.12"),
      pokeGas: 400_000,
      maxPokeReward: wad(20),
      maxPokeRewardPerDay: wad(480),
    },
  };
}

/** 0.1 % each way, 1 % depeg tolerance, the outflow bucket refilling over a day. */
export function psm(stable: AddressRef, mintCeiling: bigint, outflowLimit: bigint): PsmSetup {
  return {
    stable,
    feeIn: wad("0.001"),
    feeOut: wad("0.001"),
    mintCeiling,
    outflowLimit,
    outflowWindow: 24 * 3600,
    depegTolerance: wad("0.01"),
  };
}

/** Mainnet and testnets: a day before the vote, five days of voting, two days in the timelock. */
export function publicGovernance(network: string): GovernanceSetup {
  const prefix = network.toUpperCase();
  return {
    token: { name: "Ballast Governance", symbol: "BLST", supply: wad(100_000_000) },
    treasury: { env: `${prefix}_TREASURY` },
    guardian: { env: `${prefix}_GUARDIAN` },
    votingDelay: DAY,
    votingPeriod: 5 * DAY,
    timelockDelay: 2 * DAY,
    proposalThreshold: wad(100_000),
    quorumPercent: 4,
    // Longer than a governance cycle (8 days): a vote can renew a pause before it lapses.
    maxPauseDuration: 14 * DAY,
    selfDelegateTreasury: false,
  };
}

/**
 * Heartbeats are the feeds' own plus a margin (ETH/USD and BTC/USD: 1 hour; USDC/USD: 24 hours); the
 * breaker's reference ages out after one heartbeat.
 */
export const ETH_FEED_COMMON = {
  heartbeat: 3900,
  minPrice: wad(10),
  maxPrice: wad(1_000_000),
  maxDeviation: wad("0.25"),
  maxReferenceAge: 3900,
};
export const BTC_FEED_COMMON = {
  heartbeat: 3900,
  minPrice: wad(100),
  maxPrice: wad(10_000_000),
  maxDeviation: wad("0.25"),
  maxReferenceAge: 3900,
};
export const USD_FEED_COMMON = {
  heartbeat: 90_000,
  minPrice: wad("0.5"),
  maxPrice: wad(2),
  maxDeviation: wad("0.1"),
  maxReferenceAge: 90_000,
};
/**
 * WBTC/BTC: Chainlink's feed has a 24-hour heartbeat (2 % deviation); a depeg reads as it is down to
 * 0.01 BTC, and a premium above 1.2 BTC is taken for a broken feed.
 */
export const WBTC_BTC_RATIO = { heartbeat: 90_000, minRatio: wad("0.01"), maxRatio: wad("1.2") };

export const WETH_RISK = {
  liquidationRatio: wad("1.5"),
  borrowRatio: wad("1.6"),
  liquidationPenalty: wad("0.1"),
  stabilityFee: perSecondRate(wad("0.02")),
};
export const WBTC_RISK = {
  liquidationRatio: wad("1.5"),
  borrowRatio: wad("1.6"),
  liquidationPenalty: wad("0.1"),
  stabilityFee: perSecondRate(wad("0.015")),
};

/** Auctions start 10 % above the oracle and never sell below 90 % of it; two hours to zero. */
export function auction(maxAuctionDebt: bigint, dust: bigint): AuctionSetup {
  return {
    startMultiplier: wad("1.1"),
    floorRatio: wad("0.9"),
    duration: 2 * 3600,
    maxAge: 3600,
    maxAuctionDebt,
    dust,
  };
}

/**
 * Keeper pay: 400k gas at the basefee (≤ 500 BDOL) + 0.1 % of the debt, at most 2 % of the debt; a
 * restart pays 100k gas at the basefee (a restart uses about 88k: a margin of 1.14 for the priority fee).
 */
export const KEEPER_PAY = {
  tipGas: 400_000,
  redoGas: 100_000,
  maxTip: wad(500),
  keeperFee: wad("0.001"),
  maxRewardShare: wad("0.02"),
};

/**
 * BDOL/USDC at the 0.01 % tier: a pair of two dollars trades within a few basis points, where the
 * 0.05 % tier's fee would be most of the spread and its 10-tick spacing (0.1 %) too coarse for range
 * orders at the PSM's ±0.1 % band; the 1-tick spacing places them to the basis point.
 * MarketPriceFeed: a 30-minute TWAP; below 2e19 of harmonic-mean liquidity (about $100k moving the
 * price 1 %: L · √p · 0.005 with √p = 1e-6 for 18/6 decimals at par) it reads not live.
 */
export const BDOL_FEED = { window: 1800, minLiquidity: 2n * 10n ** 19n, quoteHeartbeat: 90_000 };

/**
 * BDOL's market price in the oracle (sepolia, mainnet): MarketPriceFeed's rounds, recorded at most
 * every 10 minutes by the keeper bot (or anyone); two hours without one reads Stale. Bounds and the
 * breaker as for the other dollars.
 */
/**
 * PegKeeper: acts beyond ±0.2 % (four times the 0.01 % pool's fee round trip, inside the PSM's ±0.1 %
 * fees plus its 0.1 % band for arbitrage), at most 250k BDOL per half hour, refusing when the spot is
 * 0.5 % off the TWAP or the oracle; 5 % of each update's profit to its caller.
 */
export function pegKeeper(debtCap: bigint, buyBackLimit: bigint): PegKeeperSetup {
  return {
    debtCap,
    maxPerUpdate: wad(250_000),
    band: wad("0.002"),
    maxSpread: wad("0.005"),
    callerShare: wad("0.05"),
    interval: 1_800,
    buyBackLimit,
  };
}

export const MARKET_FEED: FeedSetup = {
  primaryFeed: { deployment: "MarketPriceFeed" },
  ...USD_FEED_COMMON,
  heartbeat: 7_200,
};

/** Uniswap's Ethereum deployments page (docs.uniswap.org, v3 → Deployments → Ethereum). */
export const UNISWAP_SOURCE = "https://docs.uniswap.org/contracts/v3/reference/deployments/ethereum-deployments";

export const LOCAL_TEST_TOKENS: Record<string, TestToken> = {
  WETH: { name: "Wrapped Ether (test)", symbol: "WETH", decimals: 18 },
  WBTC: { name: "Wrapped Bitcoin (test)", symbol: "WBTC", decimals: 8 },
  USDC: { name: "USD Coin (test)", symbol: "USDC", decimals: 6 },
};

/** BDOL: its name and symbol, a 0.05 % flash fee, at most `flashMintMax` in one flash loan. */
export function stablecoin(flashMintMax: bigint): NetworkConfig["stablecoin"] {
  return { name: "Ballast Dollar", symbol: "BDOL", flashFeeRate: wad("0.0005"), flashMintMax };
}

/** A collateral's sizes: debt ceiling, smallest vault debt, and its auctions' largest debt and dust. */
export function limits(
  debtCeiling: bigint,
  minDebt: bigint,
  maxAuctionDebt: bigint,
  dust: bigint,
): Pick<CollateralSetup, "debtCeiling" | "minDebt" | "auction"> {
  return { debtCeiling, minDebt, auction: auction(maxAuctionDebt, dust) };
}

/** BDOL's own pool against USDC: the 0.01 % tier, opened at $1 (`observationCardinality` sized to the chain's blocks). */
export function bdolPool(quote: AddressRef, observationCardinality: number): PoolSetup {
  return { base: { deployment: "BallastDollar" }, quote, fee: 100, initialPrice: wad(1), observationCardinality };
}

/** MarketPriceFeed on BDOL_USDC_POOL, with USDC's USD feed. */
export function bdolPriceFeed(quoteFeed: AddressRef): MarketSetup["priceFeed"] {
  return { pool: "BDOL_USDC_POOL", quoteFeed, ...BDOL_FEED };
}

/** Public networks: no strategies yet, so the PSM's stable asset stays liquid. */
export const PUBLIC_RESERVE: Pick<NetworkConfig, "reserve" | "reserveStrategies"> = {
  reserve: {
    bufferShare: wad("0.8"),
    liquidTarget: wad(1),
    maxRebalance: 0n,
    rebalanceInterval: 24 * 3600,
    recoveryShare: wad("0.95"),
    savingsMargin: wad("0.1"),
  },
  reserveStrategies: [],
};

/** Public networks: USDC priced by its Chainlink feed, BDOL by its market (MarketPriceFeed). */
export function publicPricedAssets(usdc: AddressRef, usdcFeed: string): NetworkConfig["pricedAssets"] {
  return {
    USDC: { token: usdc, feed: { primaryFeed: usdcFeed, ...USD_FEED_COMMON } },
    BDOL: { token: { deployment: "BallastDollar" }, feed: MARKET_FEED },
  };
}

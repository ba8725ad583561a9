/**
 * One typed configuration for every network Ballast deploys to. Deploy scripts read it through
 * `networkConfig(name)`, which throws on a network or value that is missing, so a deploy never
 * proceeds with a silent default.
 *
 * An `AddressRef` is a literal address, `{ deployment: "NAME" }` (a contract that an earlier deploy
 * step of this run created: mocks on local networks), `{ account: "NAME" }` (a named account of
 * hardhat.config.ts, local networks) or `{ env: "VAR" }` (an address from an environment variable,
 * for multisigs that differ between deployments; see .env.example).
 */
import { perSecondRate, wad } from "../lib/sdk";

const DAY = 24 * 3600;

export type AddressRef = string | { deployment: string } | { account: string } | { env: string };

export interface FeedSetup {
  /** Chainlink AggregatorV3 feed for the asset in USD. */
  primaryFeed: AddressRef;
  /** Optional fallback feed used when the primary is unusable. */
  secondaryFeed?: AddressRef;
  /** Seconds after which a round is stale: the feed's heartbeat plus a margin. */
  heartbeat: number;
  minPrice: bigint;
  maxPrice: bigint;
  /** Circuit breaker: largest move from the last good price accepted without confirmation. */
  maxDeviation: bigint;
  /**
   * Seconds after which the breaker's reference no longer freezes a fresh round by itself: the round
   * is judged against the feed's previous round instead (about a heartbeat).
   */
  maxReferenceAge: number;
  /**
   * Composite price: the primary (and secondary) feed prices the base in USD and this asset/base
   * feed (e.g. WBTC/BTC) the asset in the base; each leg has its own heartbeat and bounds [wad].
   */
  ratio?: { feed: AddressRef; heartbeat: number; minRatio: bigint; maxRatio: bigint };
}

/** Liquidation-auction parameters of one collateral (LiquidationEngine.AuctionParams). */
export interface AuctionSetup {
  /** Auction start price = oracle price × this. */
  startMultiplier: bigint;
  /** No take below oracle price × this; the auction is restarted instead. */
  floorRatio: bigint;
  /** Seconds for the auction price to fall linearly to zero. */
  duration: number;
  /** Seconds after which anyone may restart an auction. */
  maxAge: number;
  /** Limit on this collateral's debt under auction. */
  maxAuctionDebt: bigint;
  /** Smallest tab a partial take may leave. */
  dust: bigint;
}

export interface CollateralSetup {
  token: AddressRef;
  feed: FeedSetup;
  auction: AuctionSetup;
  debtCeiling: bigint;
  minDebt: bigint;
  liquidationRatio: bigint;
  borrowRatio: bigint;
  liquidationPenalty: bigint;
  /** Per-second RAY stability fee. */
  stabilityFee: bigint;
  /** What the risk controller may do with it. */
  control: ControllerRules;
}

/**
 * What the risk controller may do with one collateral (RiskController.CollateralRules). Rates are
 * annual, continuously compounded [wad per year]; ratios [wad].
 */
export interface ControllerRules {
  /** Fee curve: baseRate at zero utilisation, + slopeBelowKink at the kink, + slopeAboveKink at 100 %. */
  baseRate: bigint;
  kink: bigint;
  slopeBelowKink: bigint;
  slopeAboveKink: bigint;
  /** Bounds of the controlled fee; maxRate is also the fee while the system breaker holds. */
  minRate: bigint;
  maxRate: bigint;
  /** Largest fee move per poke. */
  maxRateStep: bigint;
  /** Borrow ratio = liquidation ratio + baseMargin + volatilityMultiplier × annualised volatility. */
  baseMargin: bigint;
  volatilityMultiplier: bigint;
  maxBorrowRatio: bigint;
  maxBorrowRatioStep: bigint;
  /** Price move within the fast window that halts borrowing against the collateral. */
  maxPriceMove: bigint;
  /** Price move within the slow window that halts borrowing (slow falls in small steps). */
  maxSlowMove: bigint;
  /** Stress scenario of the reserve target: price fall and forced-sale discount. */
  stressShock: bigint;
  saleDiscount: bigint;
}

/** The risk controller's system-wide rules and its peg controller (RiskController). */
export interface RiskSetup {
  /**
   * Seconds between pokes, length of the fast and the slow price-breaker windows, how long a breaker
   * holds.
   */
  pokeInterval: number;
  priceWindow: number;
  slowWindow: number;
  coolDown: number;
  /** Liquidation horizon [s] and confidence z [wad] of the value-at-risk move. */
  varHorizon: number;
  varConfidence: bigint;
  /** System collateral ratio below which borrowing halts everywhere and fees go to their ceiling. */
  criticalCollateralRatio: bigint;
  /**
   * PI controller on the stablecoin's market price: `pegAsset` names an entry of `pricedAssets`
   * (none: no peg term). kp [rate per unit of error], ki [per unit of error per day], the integral's
   * leak per day, and the cap of the peg term.
   */
  peg: { pegAsset?: string; kp: bigint; ki: bigint; leakPerDay: bigint; maxPegTerm: bigint };
}

/**
 * 2 % at zero utilisation, 5 % at the 80 % kink, 30 % when full; 0.5 %–40 %, at most 0.5 point per
 * poke. Borrow ratio: liquidation ratio + 5 points + 0.1 × volatility (80 % → +8 points), ≤ 250 %,
 * 2 points per poke. Halt on a 15 % move within the hour's window or a 30 % move within the day's.
 * Stress: a 50 % fall sold 10 % under.
 */
const WETH_CONTROL: ControllerRules = {
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
const WBTC_CONTROL: ControllerRules = { ...WETH_CONTROL, baseRate: wad("0.015"), stressShock: wad("0.4") };

/**
 * Poke hourly; price-breaker windows of an hour and of a day; breakers hold 6 hours after their condition was last seen; system breaker below
 * 120 %; value-at-risk at z = 2.33 (99 %) over a day. Peg: 1 % under the peg adds 1 point of fee
 * at once and 0.5 point per day held, the integral leaks 20 % a day, the peg term is capped at 10 points.
 */
function risk(pegAsset?: string): RiskSetup {
  return {
    pokeInterval: 3600,
    priceWindow: 3600,
    slowWindow: DAY,
    coolDown: 6 * 3600,
    varHorizon: 24 * 3600,
    varConfidence: wad("2.33"),
    criticalCollateralRatio: wad("1.2"),
    peg: { pegAsset, kp: wad(1), ki: wad("0.5"), leakPerDay: wad("0.2"), maxPegTerm: wad("0.1") },
  };
}

export interface PsmSetup {
  /** The stable asset swapped at par (USDC); it must also be a priced asset of the oracle. */
  stable: AddressRef;
  /** Fee on stable → coin and on coin → stable [wad]. */
  feeIn: bigint;
  feeOut: bigint;
  /** Ceiling on the coin minted against the stable asset [wad]. */
  mintCeiling: bigint;
  /** Stable value [wad] that may leave per window (a rolling bucket). */
  outflowLimit: bigint;
  outflowWindow: number;
  /** Minting stops while the stable asset trades below 1 − this [wad]. */
  depegTolerance: bigint;
}

/** 0.1 % each way, 1 % depeg tolerance, the outflow bucket refilling over a day. */
function psm(stable: AddressRef, mintCeiling: bigint, outflowLimit: bigint): PsmSetup {
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

export interface GovernanceSetup {
  token: { name: string; symbol: string; /** Fixed supply [wad], minted once to the treasury. */ supply: bigint };
  /** Receives the whole token supply. */
  treasury: AddressRef;
  /** Emergency address (a multisig in production): may pause risk-adding actions, nothing else. */
  guardian: AddressRef;
  /** Seconds from a proposal to its vote snapshot (and the opening of the vote). */
  votingDelay: number;
  /** Seconds a vote stays open. */
  votingPeriod: number;
  /** Seconds a passed proposal waits in the timelock. */
  timelockDelay: number;
  /** Votes [wad] needed to propose. */
  proposalThreshold: bigint;
  /** Quorum, percent of the supply at the snapshot. */
  quorumPercent: number;
  /**
   * Seconds after which any pause ends unless governance renews it (VaultManager.maxPauseDuration);
   * must exceed votingDelay + votingPeriod + timelockDelay (checked by deploy/07_governance.ts before
   * it deploys anything, and on-chain by the vault manager, the governor and the timelock whenever
   * one of the four changes: GovernanceCycleTooLong).
   */
  maxPauseDuration: number;
  /**
   * Local networks only: the treasury (the deployer account) delegates its votes to itself at
   * deployment, so `gov:propose` and `gov:vote` work on a fresh node without a delegation step.
   */
  selfDelegateTreasury: boolean;
}

/** Mainnet and testnets: a day before the vote, five days of voting, two days in the timelock. */
function publicGovernance(network: string): GovernanceSetup {
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

export interface TestToken {
  name: string;
  symbol: string;
  decimals: number;
}

export interface MockFeed {
  decimals: number;
  description: string;
  /** Initial answer in the feed's decimals. */
  answer: bigint;
}

export interface MockStrategy {
  /** The ERC-4626 vault's underlying asset. */
  asset: AddressRef;
  name: string;
  symbol: string;
}

/** An ERC-4626 vault over the PSM's stable asset that the reserve may deposit into. */
export interface StrategySetup {
  vault: AddressRef;
  /** Deposit cap [stable asset units]. */
  cap: bigint;
}

/** A Uniswap v3 pool Ballast creates (when missing) and reads. */
export interface PoolSetup {
  /** The token priced (BDOL, WETH) and the token it is priced in (USDC). */
  base: AddressRef;
  quote: AddressRef;
  /** Fee tier in hundredths of a basis point (100 = 0.01 %, 500 = 0.05 %). */
  fee: number;
  /** Price the pool is initialised at when Ballast creates it [wad quote per base]. */
  initialPrice: bigint;
  /** Observation slots the pool keeps (TWAP history): at least (window + a round) / block time; 0 leaves a pool's ring as it is. */
  observationCardinality: number;
  /**
   * Local networks: liquidity the deployer provides, one position per entry: ± `range` around the
   * initial price [wad share] or the full range, with the amounts offered [token units].
   */
  seed?: { range: bigint | "full"; base: bigint; quote: bigint }[];
}

/** Canonical Uniswap v3 addresses on a public network, with where they were taken from. */
export interface UniswapAddresses {
  factory: string;
  quoterV2: string;
  positionManager: string;
  /** The v1 `SwapRouter` where the network has one (not on Sepolia). */
  swapRouter?: string;
  /** `SwapRouter02` (its exactInputSingle takes no deadline). */
  swapRouter02: string;
  source: string;
}

/** BDOL's market (deploy/09_market): Uniswap v3, the pools, and MarketPriceFeed. */
export interface MarketSetup {
  /** "deploy": the npm packages' artifacts are deployed (local networks). */
  uniswap: "deploy" | UniswapAddresses;
  /** The wrapped native token Uniswap's periphery is built with (local deployment). */
  wrappedNative: AddressRef;
  /** Pools by deployment name. */
  pools: Record<string, PoolSetup>;
  /**
   * MarketPriceFeed: the pool it reads (a `pools` key), the quote token's USD feed, the TWAP window
   * [seconds], the harmonic-mean liquidity below which it reads not live [Uniswap L], and the quote
   * feed's heartbeat [seconds].
   */
  priceFeed: { pool: string; quoteFeed: AddressRef; window: number; minLiquidity: bigint; quoteHeartbeat: number };
  /** PegKeeper's rules (IPegKeeper.Rules), on the price feed's pool. */
  pegKeeper: PegKeeperSetup;
}

/**
 * PegKeeper: the most BDOL outstanding and per update [wad]; it acts outside 1 ± band, while the
 * pool's spot is within maxSpread of the TWAP (and the oracle of both) [wad]; the caller's share of
 * an update's profit [wad]; the least time between updates [seconds]; the most of the reserve's
 * liquid USDC it may spend buying BDOL back below the peg per rolling day [wad, USD; 0 = off;
 * ≤ ConstantsLib.MAX_BUY_BACK_LIMIT, 10M], set with setBuyBackLimit (not one of the rules).
 */
export interface PegKeeperSetup {
  debtCap: bigint;
  maxPerUpdate: bigint;
  band: bigint;
  maxSpread: bigint;
  callerShare: bigint;
  interval: number;
  buyBackLimit: bigint;
}

export interface NetworkConfig {
  /** True on hardhat and localhost: deploy mocks, allow the demo's shortcuts. */
  local: boolean;
  /** Mintable test tokens to deploy under these deployment names (local networks and testnets). */
  testTokens: Record<string, TestToken>;
  /** Chainlink-style mock feeds to deploy under these deployment names (local networks only). */
  mockFeeds: Record<string, MockFeed>;
  /** Mock ERC-4626 strategies to deploy under these deployment names (local networks only). */
  mockStrategies: Record<string, MockStrategy>;
  stablecoin: { name: string; symbol: string; flashFeeRate: bigint; flashMintMax: bigint };
  oracle: { sequencerFeed?: AddressRef; sequencerGracePeriod: number };
  /** Registered collaterals, keyed by symbol. */
  collaterals: Record<string, CollateralSetup>;
  /**
   * Share of the reserve's free stablecoin that forms the stability buffer; share of the PSM's stable
   * asset kept liquid [wad]; the most rebalances move per interval [stable asset units], and that
   * interval [seconds] (the bucket refills linearly over it).
   */
  reserve: { bufferShare: bigint; liquidTarget: bigint; maxRebalance: bigint; rebalanceInterval: number };
  /** ERC-4626 strategies for the PSM's stable asset, in fill/drain order (deploy/09_strategies). */
  reserveStrategies: StrategySetup[];
  /** Keeper pay and the total auction limit (LiquidationEngine). */
  liquidation: {
    /** Gas allowance priced at block.basefee × the native asset's price. */
    tipGas: number;
    /**
     * Gas a restart (`redo`) is paid for, priced like `tipGas`: set near a restart's measured gas
     * (about 88k on a local chain) so that a restart earns its gas back and little more.
     */
    redoGas: number;
    maxTip: bigint;
    /** Share of the liquidated debt paid to the keeper. */
    keeperFee: bigint;
    /** Cap on the whole reward as a share of the debt. */
    maxRewardShare: bigint;
    maxTotalAuctionDebt: bigint;
    /** Oracle asset pricing the chain's native token (WETH's key on Ethereum). */
    nativeAsset: AddressRef;
  };
  /** Peg stability module: the stable asset and its brakes (PegStabilityModule). */
  psm: PsmSetup;
  /** Risk controller (RiskController); per-collateral rules sit with each collateral. */
  risk: RiskSetup;
  /** Token, governor, timelock and guardian (GovernanceToken, BallastGovernor, Timelock). */
  governance: GovernanceSetup;
  /** Priced assets that are not collateral (the PSM's stable asset, the stablecoin's market price). */
  pricedAssets: Record<string, { token: AddressRef; feed: FeedSetup }>;
  /** BDOL's market: Uniswap v3, its pools and MarketPriceFeed (deploy/09_market). */
  market: MarketSetup;
}

/**
 * Heartbeats are the feeds' own plus a margin (ETH/USD and BTC/USD: 1 hour; USDC/USD: 24 hours); the
 * breaker's reference ages out after one heartbeat.
 */
const ETH_FEED_COMMON = {
  heartbeat: 3900,
  minPrice: wad(10),
  maxPrice: wad(1_000_000),
  maxDeviation: wad("0.25"),
  maxReferenceAge: 3900,
};
const BTC_FEED_COMMON = {
  heartbeat: 3900,
  minPrice: wad(100),
  maxPrice: wad(10_000_000),
  maxDeviation: wad("0.25"),
  maxReferenceAge: 3900,
};
const USD_FEED_COMMON = {
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
const WBTC_BTC_RATIO = { heartbeat: 90_000, minRatio: wad("0.01"), maxRatio: wad("1.2") };

const WETH_RISK = {
  liquidationRatio: wad("1.5"),
  borrowRatio: wad("1.6"),
  liquidationPenalty: wad("0.1"),
  stabilityFee: perSecondRate(wad("0.02")),
};
const WBTC_RISK = {
  liquidationRatio: wad("1.5"),
  borrowRatio: wad("1.6"),
  liquidationPenalty: wad("0.1"),
  stabilityFee: perSecondRate(wad("0.015")),
};

/** Auctions start 10 % above the oracle and never sell below 90 % of it; two hours to zero. */
function auction(maxAuctionDebt: bigint, dust: bigint): AuctionSetup {
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
const KEEPER_PAY = {
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
const BDOL_FEED = { window: 1800, minLiquidity: 2n * 10n ** 19n, quoteHeartbeat: 90_000 };

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
function pegKeeper(debtCap: bigint, buyBackLimit: bigint): PegKeeperSetup {
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

const MARKET_FEED: FeedSetup = {
  primaryFeed: { deployment: "MarketPriceFeed" },
  ...USD_FEED_COMMON,
  heartbeat: 7_200,
};

const LOCAL_MARKET: MarketSetup = {
  uniswap: "deploy",
  wrappedNative: { deployment: "WETH" },
  pools: {
    BDOL_USDC_POOL: {
      base: { deployment: "BallastDollar" },
      quote: { deployment: "USDC" },
      fee: 100,
      initialPrice: wad(1),
      // Hardhat mines a block per transaction: room for a window and a round of busy blocks.
      observationCardinality: 720,
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
  priceFeed: { pool: "BDOL_USDC_POOL", quoteFeed: { deployment: "USDC_USD_FEED" }, ...BDOL_FEED },
  // Buy-back: 1M USDC a day, a fifth of the seeded pool's USDC, so the tests and the demo see it act
  // on a few updates in a row and then run dry.
  pegKeeper: pegKeeper(wad(5_000_000), wad(1_000_000)),
};

/** Uniswap's Ethereum deployments page (docs.uniswap.org, v3 → Deployments → Ethereum). */
const UNISWAP_SOURCE = "https://docs.uniswap.org/contracts/v3/reference/deployments/ethereum-deployments";

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
    BDOL_USDC_POOL: {
      base: { deployment: "BallastDollar" },
      quote: { deployment: "USDC" },
      fee: 100,
      initialPrice: wad(1),
      observationCardinality: 300,
    },
  },
  priceFeed: {
    pool: "BDOL_USDC_POOL",
    quoteFeed: "0xA2F78ab2355fe2f984D808B5CeE7FD0A93D5270E",
    ...BDOL_FEED,
  },
  // Buy-back: 250k USDC a day, a quarter of the keeper's cap, on a testnet's thin pool and small reserve.
  pegKeeper: pegKeeper(wad(1_000_000), wad(250_000)),
};

const MAINNET_MARKET: MarketSetup = {
  uniswap: {
    factory: "0x1F98431c8aD98523631AE4a59f267346ea31F984",
    quoterV2: "0x61fFE014bA17989E743c5F6cB21bF9697530B21e",
    positionManager: "0xC36442b4a4522E871399CD717aBDD847Ab11FE88",
    swapRouter: "0xE592427A0AEce92De3Edee1F18E0157C05861564",
    swapRouter02: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
    source: UNISWAP_SOURCE,
  },
  wrappedNative: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
  pools: {
    // 12-second blocks: 300 observations cover 60 minutes of blocks that all trade.
    BDOL_USDC_POOL: {
      base: { deployment: "BallastDollar" },
      quote: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
      fee: 100,
      initialPrice: wad(1),
      observationCardinality: 300,
    },
    // The existing WETH/USDC 0.05 % pool; its observation ring is left as it is.
    WETH_USDC_POOL: {
      base: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
      quote: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
      fee: 500,
      initialPrice: wad(3_000),
      observationCardinality: 0,
    },
  },
  priceFeed: {
    pool: "BDOL_USDC_POOL",
    quoteFeed: "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6",
    ...BDOL_FEED,
  },
  // Buy-back: 2M USDC a day, two thirds of the 3.07M BDOL it takes to push a pool of the seeded
  // depth to 0.99 (README's manipulation table), a fifth of the keeper's cap; the bound is 10M.
  pegKeeper: pegKeeper(wad(10_000_000), wad(2_000_000)),
};

const LOCAL_TEST_TOKENS: Record<string, TestToken> = {
  WETH: { name: "Wrapped Ether (test)", symbol: "WETH", decimals: 18 },
  WBTC: { name: "Wrapped Bitcoin (test)", symbol: "WBTC", decimals: 8 },
  USDC: { name: "USD Coin (test)", symbol: "USDC", decimals: 6 },
};

const local: NetworkConfig = {
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
  stablecoin: { name: "Ballast Dollar", symbol: "BDOL", flashFeeRate: wad("0.0005"), flashMintMax: wad(10_000_000) },
  oracle: { sequencerGracePeriod: 3600 },
  collaterals: {
    WETH: {
      token: { deployment: "WETH" },
      feed: { primaryFeed: { deployment: "ETH_USD_FEED" }, ...ETH_FEED_COMMON },
      debtCeiling: wad(100_000_000),
      minDebt: wad(500),
      auction: auction(wad(20_000_000), wad(100)),
      ...WETH_RISK,
      control: WETH_CONTROL,
    },
    WBTC: {
      token: { deployment: "WBTC" },
      // WBTC/BTC × BTC/USD, as on mainnet, so that tests exercise the composite.
      feed: {
        primaryFeed: { deployment: "BTC_USD_FEED" },
        ...BTC_FEED_COMMON,
        ratio: { feed: { deployment: "WBTC_BTC_FEED" }, ...WBTC_BTC_RATIO },
      },
      debtCeiling: wad(100_000_000),
      minDebt: wad(500),
      auction: auction(wad(20_000_000), wad(100)),
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

/**
 * Sepolia: real Chainlink feeds, mintable test tokens (there is no canonical WBTC there, and
 * testers need to mint collateral). BDOL's market price comes from its own Uniswap pool, as on mainnet.
 */
const sepolia: NetworkConfig = {
  local: false,
  testTokens: LOCAL_TEST_TOKENS,
  mockFeeds: {},
  mockStrategies: {},
  stablecoin: { name: "Ballast Dollar", symbol: "BDOL", flashFeeRate: wad("0.0005"), flashMintMax: wad(10_000_000) },
  oracle: { sequencerGracePeriod: 3600 },
  collaterals: {
    WETH: {
      token: { deployment: "WETH" },
      feed: { primaryFeed: "0x694AA1769357215DE4FAC081bf1f309aDC325306", ...ETH_FEED_COMMON },
      debtCeiling: wad(10_000_000),
      minDebt: wad(500),
      auction: auction(wad(2_000_000), wad(100)),
      ...WETH_RISK,
      control: WETH_CONTROL,
    },
    WBTC: {
      token: { deployment: "WBTC" },
      // A mintable test token that cannot depeg: BTC/USD alone (Sepolia has no WBTC/BTC feed).
      feed: { primaryFeed: "0x1b44F3514812d835EB1BDB0acB33d3fA3351Ee43", ...BTC_FEED_COMMON },
      debtCeiling: wad(10_000_000),
      minDebt: wad(500),
      auction: auction(wad(2_000_000), wad(100)),
      ...WBTC_RISK,
      control: WBTC_CONTROL,
    },
  },
  // No strategies yet: the PSM's stable asset stays liquid.
  reserve: { bufferShare: wad("0.8"), liquidTarget: wad(1), maxRebalance: 0n, rebalanceInterval: 24 * 3600 },
  reserveStrategies: [],
  liquidation: { ...KEEPER_PAY, maxTotalAuctionDebt: wad(3_000_000), nativeAsset: { deployment: "WETH" } },
  psm: psm({ deployment: "USDC" }, wad(5_000_000), wad(500_000)),
  // The peg term reads BDOL's market price (MarketPriceFeed on BDOL_USDC_POOL).
  risk: risk("BDOL"),
  governance: publicGovernance("sepolia"),
  market: SEPOLIA_MARKET,
  pricedAssets: {
    USDC: {
      token: { deployment: "USDC" },
      feed: { primaryFeed: "0xA2F78ab2355fe2f984D808B5CeE7FD0A93D5270E", ...USD_FEED_COMMON },
    },
    BDOL: { token: { deployment: "BallastDollar" }, feed: MARKET_FEED },
  },
};

/** Ethereum mainnet: canonical tokens and Chainlink feeds. */
const mainnet: NetworkConfig = {
  local: false,
  testTokens: {},
  mockFeeds: {},
  mockStrategies: {},
  stablecoin: { name: "Ballast Dollar", symbol: "BDOL", flashFeeRate: wad("0.0005"), flashMintMax: wad(50_000_000) },
  oracle: { sequencerGracePeriod: 3600 },
  collaterals: {
    WETH: {
      token: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
      feed: { primaryFeed: "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", ...ETH_FEED_COMMON },
      debtCeiling: wad(50_000_000),
      minDebt: wad(2_000),
      auction: auction(wad(10_000_000), wad(1_000)),
      ...WETH_RISK,
      control: WETH_CONTROL,
    },
    WBTC: {
      token: "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
      // WBTC/BTC × BTC/USD: a custody or bridge failure shows in the price. WBTC/BTC is Chainlink's
      // "WBTC / BTC" feed in its published list of Ethereum mainnet feeds
      // (https://docs.chain.link/data-feeds/price-feeds/addresses?network=ethereum), the feed its
      // Feed Registry maps (WBTC, BTC) to; BTC/USD is Chainlink's "BTC / USD".
      feed: {
        primaryFeed: "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",
        ...BTC_FEED_COMMON,
        ratio: { feed: "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23", ...WBTC_BTC_RATIO },
      },
      debtCeiling: wad(25_000_000),
      minDebt: wad(2_000),
      auction: auction(wad(5_000_000), wad(1_000)),
      ...WBTC_RISK,
      control: WBTC_CONTROL,
    },
  },
  // No strategies yet: the PSM's stable asset stays liquid.
  reserve: { bufferShare: wad("0.8"), liquidTarget: wad(1), maxRebalance: 0n, rebalanceInterval: 24 * 3600 },
  reserveStrategies: [],
  liquidation: {
    ...KEEPER_PAY,
    maxTotalAuctionDebt: wad(12_000_000),
    nativeAsset: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
  },
  psm: psm("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", wad(20_000_000), wad(2_000_000)),
  // The peg term reads BDOL's market price (MarketPriceFeed on BDOL_USDC_POOL).
  risk: risk("BDOL"),
  governance: publicGovernance("mainnet"),
  market: MAINNET_MARKET,
  pricedAssets: {
    USDC: {
      token: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
      feed: { primaryFeed: "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6", ...USD_FEED_COMMON },
    },
    BDOL: { token: { deployment: "BallastDollar" }, feed: MARKET_FEED },
  },
};

const CONFIGS: Record<string, NetworkConfig> = { hardhat: local, localhost: local, sepolia, mainnet };

/**
 * The configuration of `network`; throws when the network has none.
 *
 * `BALLAST_CONFIG=<name>` makes the in-process `hardhat` network use `<name>`'s configuration
 * instead of the local one; it is meant for a fork (`FORK_URL`), e.g. `BALLAST_CONFIG=mainnet` deploys
 * against the real mainnet tokens and Chainlink feeds, with no mocks. It requires FORK_URL and has
 * no effect on any other network.
 */
export function networkConfig(network: string): NetworkConfig {
  const override = process.env.BALLAST_CONFIG;
  if (network === "hardhat" && override) {
    if (!process.env.FORK_URL) {
      throw new Error(`BALLAST_CONFIG=${override} applies to a fork of that network: set FORK_URL as well`);
    }
    network = override;
  }
  const config = CONFIGS[network];
  if (!config) {
    throw new Error(
      `config/networks.ts has no configuration for network "${network}" (known: ${Object.keys(CONFIGS).join(", ")})`,
    );
  }
  return config;
}

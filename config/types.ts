/**
 * The shape of a network's configuration (config/local.ts, sepolia.ts, mainnet.ts); read through
 * `networkConfig(name)` in config/networks.ts.
 *
 * An `AddressRef` is a literal address, `{ deployment: "NAME" }` (a contract that an earlier deploy
 * step of this run created: mocks on local networks), `{ account: "NAME" }` (a named account of
 * hardhat.config.ts, local networks) or `{ env: "VAR" }` (an address from an environment variable,
 * for multisigs that differ between deployments; see .env.example).
 */
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
  /**
   * The key of the collateral's price in the oracle adapter: the deploy registers `feed` under it
   * and the vault manager prices the collateral by it. Every collateral today is priced under its
   * own token; a collateral priced as another asset (a wrapper priced as its underlying) names that.
   */
  oracleAsset: AddressRef;
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
  /**
   * The reserve arm (IRiskController.ReserveRules): the savings rate at peg, its ceiling, its step per
   * poke and its ceiling while the reserve is below target [wad per year]; the stressed loss of the
   * PSM's stable asset in the target [wad]; the poke's pay: the gas priced at the basefee (with
   * `liquidation.nativeAsset`'s price), its cap per poke and per UTC day [wad].
   */
  reserveArm: {
    baseSavingsRate: bigint;
    maxSavingsRate: bigint;
    savingsRateStep: bigint;
    capBelowTarget: bigint;
    stableStress: bigint;
    pokeGas: number;
    maxPokeReward: bigint;
    maxPokeRewardPerDay: bigint;
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
   * Share of each booked inflow that joins the stability buffer; share of the PSM's stable
   * asset kept liquid [wad]; the most rebalances move per interval [stable asset units], and that
   * interval [seconds] (the bucket refills linearly over it).
   */
  reserve: {
    bufferShare: bigint;
    liquidTarget: bigint;
    maxRebalance: bigint;
    rebalanceInterval: number;
    /** Share of each inflow that joins the buffer while buffer + surplus is below the reserve target [wad]. */
    recoveryShare: bigint;
    /** Savings draw on the surplus only beyond target × (1 + savingsMargin) [wad]. */
    savingsMargin: bigint;
  };
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

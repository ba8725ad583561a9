/**
 * The keeper package's public types: the options a caller passes, the state it keeps between
 * iterations, the actions `beforeAction` sees and the report an iteration returns.
 */
import type { Signer } from "ethers";

export interface KeeperOptions {
  /** Signs every transaction; receives rewards and collateral. */
  keeper: Signer;
  /** Report what would be done, send nothing. */
  dryRun?: boolean;
  /** Vaults (and auctions) per lens call, default 1000. */
  pageSize?: number;
  /** Wei; when the network's current gas price (block basefee + priority) is above it, send nothing and report "gas price above cap". */
  maxGasPrice?: bigint;
  /** WAD; take an auction only when its price ≤ reference × (1 − spread); default 0.02e18. */
  spread?: bigint;
  /** Default: the oracle price. */
  referencePrice?: (collateral: string, oraclePrice: bigint) => bigint | Promise<bigint>;
  /** Cap on BDOL spent per take; default: the keeper's whole BDOL balance. */
  maxTakeBdol?: bigint;
  /** Also call ReservePool.sellCollateral for collateral the reserve holds (default false). */
  sellReserveCollateral?: boolean;
  /** Restart auctions that need it (default true). */
  redo?: boolean;
  /**
   * Also restart an auction whose restart pay is used up (MAX_PAID_REDOS paid restarts: later
   * restarts pay nothing), as unpaid work (default false: such an auction is left to a bidder, who
   * restarts it when it wants to take).
   */
  unpaidRedo?: boolean;
  /** Default console.log; every action logged in one line. */
  log?: (line: string) => void;
  /** Log one JSON object per line (time, level, event, its fields and the human message) instead of the human line. */
  jsonLogs?: boolean;
  /** Smallest reserve lot worth selling [wad, at the oracle price]; default 1,000 BDOL. */
  minSaleValue?: bigint;
  /**
   * Remembers the lowest auction id still active, so a loop does not rescan ancient ids. Pass the
   * same object to successive `runKeeperOnce` calls; `runKeeperLoop` creates one when absent.
   */
  state?: KeeperState;
  /**
   * Called after the scan and before each action's static call. Tests use it to stage a race (a
   * rival keeper acting between this keeper's scan and its transaction).
   */
  beforeAction?: (action: KeeperAction) => void | Promise<void>;
  /** Also poke the risk controller when its interval has passed (default false). */
  poke?: boolean;
  /** Also rebalance the reserve's USDC when that moves something (default false). */
  rebalance?: boolean;
  /**
   * Take auctions with no capital through the FlashTaker (the collateral sold into its USDC pool,
   * the USDC swapped at the PSM), only when QuoterV2's quote after the PSM fee, gas and `slippage`
   * leaves a profit (default false: takes pay with the keeper's own BDOL).
   */
  flash?: boolean;
  /** WAD; the flash take's slippage limit on the quoted proceeds (default 0.005e18). */
  slippage?: bigint;
}

/** `runKeeperLoop`'s options: an iteration's, plus the schedule, the metrics endpoint and a hook per iteration. */
export interface KeeperLoopOptions extends KeeperOptions {
  /** Between the starts of two iterations [ms]. */
  intervalMs: number;
  /** Stop after this many iterations (default: until `signal` aborts). */
  iterations?: number;
  signal?: AbortSignal;
  /** Serve Prometheus metrics on 127.0.0.1 at this port while the loop runs (default: off). */
  metricsPort?: number;
  /** Called with each iteration's report (1-based index) before the wait for the next one. */
  onIteration?: (report: KeeperReport, iteration: number) => void | Promise<void>;
}

export interface KeeperState {
  /** Lowest auction id that may still be active; ids below it have ended. Starts at 1. */
  firstActiveAuction: bigint;
}

export interface KeeperAction {
  kind: "liquidate" | "sell" | "redo" | "take" | "heal" | "poke" | "record" | "rebalance" | "update";
  /** Vault id (liquidate), auction id (redo, take) or 0 (sell, heal). */
  id: bigint;
  /** The collateral token (sell, redo, take), the vault's collateral (liquidate), the stablecoin (heal). */
  collateral: string;
}

export interface KeeperReport {
  scannedVaults: number;
  /** Lens calls made for the vault scan (vaultsHealth pages). */
  ethCalls: number;
  liquidations: {
    vaultId: bigint;
    debt: bigint;
    absorbedDebt: bigint;
    auctionId: bigint;
    reward: bigint;
    gasUsed: bigint;
  }[];
  takes: {
    auctionId: bigint;
    collateral: string;
    amount: bigint;
    paid: bigint;
    price: bigint;
    referencePrice: bigint;
    profit: bigint;
    gasUsed: bigint;
  }[];
  redos: { auctionId: bigint; reward: bigint; gasUsed: bigint }[];
  sales: { collateral: string; amount: bigint; auctionId: bigint }[];
  /** Deficit burnt by `ReservePool.heal` (0 when the pass did not heal). */
  healed: bigint;
  /** Oracle recordings sent (or, dry run, that would be): one per priced asset with a new round. */
  records: { asset: string; gasUsed: bigint }[];
  /** Risk-controller pokes sent (or, dry run, that would be). */
  pokes: { gasUsed: bigint }[];
  /** Market price feed updates sent (or, dry run, that would be); `live`: a round was recorded. */
  marketUpdates: { live: boolean; gasUsed: bigint }[];
  /** Reserve rebalances: USDC units moved into and out of strategies. */
  rebalances: { deposited: bigint; withdrawn: bigint; gasUsed: bigint }[];
  /** e.g. static call reverted (decoded error), gas price above cap, unprofitable. */
  skipped: { what: string; reason: string }[];
  /** WAD: Σ rewards + Σ take profits (at the reference price) − gas cost at the native asset's oracle price. */
  realisedProfit: bigint;
  /** Σ gasUsed × effectiveGasPrice [wei]. */
  gasSpent: bigint;
  /** True when nothing was sent (dry run). */
  dryRun: boolean;
  /** Dry run: what the actions would earn (rewards + take profits − estimated gas cost); else equals realisedProfit. */
  expectedProfit: bigint;
  /** Active auctions seen, and lens calls made to list them. */
  activeAuctions: number;
  auctionCalls: number;
  /** The block the vault scan read. */
  blockNumber: number;
  /** Wall time of the iteration [ms]. */
  ms: number;
  /** runKeeperLoop only: why the iteration failed (it is then otherwise empty). */
  error?: string;
}

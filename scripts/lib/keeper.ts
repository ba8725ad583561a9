/**
 * The keeper bot's logic, shared by the `keeper` task (tasks/keeperBot.ts) and the crash simulator.
 *
 * One iteration (`runKeeperOnce`):
 *  0. Record: BDOL's market price feed (`MarketPriceFeed.update`), when the oracle reads it and its
 *     period has passed, so that its next round exists; then every asset the oracle prices (`OracleAdapter.assets()`) whose feed has a round the
 *     oracle has not processed yet is recorded (`recordPrice`), so the circuit breaker's reference
 *     never ages in normal operation and the round history is stored as the rounds come.
 *  1. Scan: `ReserveLens.systemSnapshot()` (price status per collateral, vault count) and
 *     `ReserveLens.vaultsHealth` in pages of `pageSize`, all pinned to one block, so 10,000 vaults
 *     cost 10 page calls at the default page size of 1,000.
 *  2. Liquidate every open vault with health factor < 1 whose collateral's price is live, riskiest
 *     first.
 *  3. Optionally put reserve-held collateral up for sale (`ReservePool.sellCollateral`), one lot per
 *     collateral worth at least `minSaleValue`.
 *  4. List the active auctions with `ReserveLens.activeAuctions`, paging from the lowest id that was
 *     still active last time (`KeeperState`), restart those that need it (`redo`), and take those
 *     whose price is at most reference × (1 − spread), best discount first, within the BDOL budget,
 *     with `maxPrice` = the price seen (a price that moved up makes the take revert, not overpay).
 *  5. Heal the reserve's deficit from its stablecoin balance when it can.
 *  6. Optional duties (unpaid public services): `poke` the risk controller when its interval has
 *     passed, and `rebalance` the reserve's USDC when a rebalance would move something (a
 *     rebalance moves at most `maxRebalance` per interval; with that used up it is skipped, said why).
 *
 * Every transaction is first run as a static call of the same call from the keeper's address; a
 * revert is logged with its decoded custom error and the action is skipped, so two racing keepers
 * waste no gas on reverts. Before every transaction the network's gas price (latest basefee + the
 * priority fee) is compared with `maxGasPrice`; above it nothing is sent. Under a cap, transactions
 * are also sent with `maxFeePerGas` = the cap, so inclusion can never cost more.
 *
 * Dry run: the same scan and static calls; the report's action lists hold what the static calls
 * returned (debt and absorbed debt are the lens's and the buffer's estimates, `gasUsed` is the gas
 * estimate), nothing is sent, `gasSpent` and `realisedProfit` are 0 and `expectedProfit` holds the
 * estimate. Each static call sees the chain as it is, not as the previous simulated actions would
 * leave it.
 *
 * This module is imported while Hardhat loads its config (through the task), so it must not import
 * "hardhat" itself: everything comes in through `hre`.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type {
  BaseContract,
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Provider,
  Signer,
  TransactionReceipt,
} from "ethers";
import type {
  BallastDollar,
  LiquidationEngine,
  OracleAdapter,
  ReserveLens,
  ReservePool,
  FlashTaker,
  IQuoterV2,
  MarketPriceFeed,
  PegStabilityModule,
  RiskController,
  VaultManager,
} from "../../typechain-types";
import { explainError } from "../../lib/sdk";
import { PRICE_STATUS, fmtPct, fmtWad, symbolOf } from "../../lib/sdk";
import { valueDown, valueUp } from "../../lib/sdk";
import { WAD, bounds } from "../../lib/sdk";

const LIVE = 0n; // PriceStatus.Live
/** ConstantsLib.MAX_PAID_REDOS: an auction pays at most this many restarts in its life. */
export const MAX_PAID_REDOS = bounds.MAX_PAID_REDOS;
/** Page calls in flight at once during a scan. */
const SCAN_CONCURRENCY = 4;

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
  // ---- additions (all optional) ----
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
  // ---- additions (always set by runKeeperOnce) ----
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

/** The protocol's contracts as the keeper uses them (connected to the keeper's signer). */
interface Contracts {
  vm: VaultManager;
  engine: LiquidationEngine;
  reserve: ReservePool;
  lens: ReserveLens;
  oracle: OracleAdapter;
  bdol: BallastDollar;
  /** Absent on a deployment without a risk controller. */
  risk?: RiskController;
  /** Absent on a deployment without a market. */
  marketFeed?: MarketPriceFeed;
  /** Flash takes: the taker, Uniswap's quoter, the PSM, and each collateral's USDC pool. */
  flash?: {
    taker: FlashTaker;
    quoter: IQuoterV2;
    psm: PegStabilityModule;
    pools: Map<string, { address: string; fee: bigint }>;
  };
  /** For decoding custom errors. */
  all: BaseContract[];
}

interface CollateralInfo {
  token: string;
  symbol: string;
  decimals: bigint;
  price: bigint;
  status: bigint;
}

interface Ctx {
  hre: HardhatRuntimeEnvironment;
  opts: KeeperOptions;
  c: Contracts;
  provider: Provider;
  keeper: string;
  dryRun: boolean;
  log: (line: string) => void;
  report: KeeperReport;
  collaterals: Map<string, CollateralInfo>;
  nativePrice: bigint;
  /** Fee fields for the next transaction, set by the gas-cap check in `simulate`. */
  fees?: Overrides;
}

// ====================================================================== public API

/** One scan-liquidate-sell-redo-take pass. */
export async function runKeeperOnce(hre: HardhatRuntimeEnvironment, opts: KeeperOptions): Promise<KeeperReport> {
  const started = Date.now();
  const provider = opts.keeper.provider ?? hre.ethers.provider;
  const c = await loadContracts(hre, opts.keeper);
  const ctx: Ctx = {
    hre,
    opts,
    c,
    provider,
    keeper: await opts.keeper.getAddress(),
    dryRun: opts.dryRun ?? false,
    log: opts.log ?? ((line: string) => console.log(line)),
    report: emptyReport(opts.dryRun ?? false),
    collaterals: new Map(),
    nativePrice: 0n,
  };
  const pageSize = opts.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer: ${pageSize}`);

  // 0. The market feed's next round, then every priced asset's new round (before the scan, which
  // then reads the recorded state).
  await updateMarketFeed(ctx);
  await recordRounds(ctx);

  // 1. Scan, pinned to one block.
  const blockTag = await provider.getBlockNumber();
  ctx.report.blockNumber = blockTag;
  const snapshot = await c.lens.systemSnapshot({ blockTag });
  for (const col of snapshot.collaterals) {
    ctx.collaterals.set(col.token.toLowerCase(), {
      token: col.token,
      symbol: await symbolOf(hre.ethers.provider, col.token),
      decimals: 0n, // filled below
      price: col.price,
      status: col.priceStatus,
    });
  }
  await Promise.all(
    [...ctx.collaterals.entries()].map(async ([token, info]) => {
      info.decimals = (await c.engine.collateralState(token, { blockTag })).decimals;
    }),
  );
  ctx.nativePrice = await nativeAssetPrice(c, blockTag);
  const vaultCount = Number(snapshot.vaultCount);
  const starts: number[] = [];
  for (let from = 1; from <= vaultCount; from += pageSize) starts.push(from);
  const pages = await mapLimited(starts, SCAN_CONCURRENCY, (from) => c.lens.vaultsHealth(from, pageSize, { blockTag }));
  ctx.report.ethCalls = pages.length;

  const unhealthy: { vaultId: bigint; collateral: string; debt: bigint; healthFactor: bigint }[] = [];
  for (const page of pages) {
    for (const v of page) {
      ctx.report.scannedVaults += 1;
      if (v.owner === ZERO_ADDRESS || v.debt === 0n || v.healthFactor >= WAD) continue;
      unhealthy.push({ vaultId: v.vaultId, collateral: v.collateral, debt: v.debt, healthFactor: v.healthFactor });
    }
  }
  unhealthy.sort((a, b) => (a.healthFactor < b.healthFactor ? -1 : a.healthFactor > b.healthFactor ? 1 : 0));

  // 2. Liquidate.
  let bufferLeft = snapshot.stabilityBuffer; // dry-run estimate of absorption only
  for (const v of unhealthy) {
    const info = ctx.collaterals.get(v.collateral.toLowerCase());
    const what = `vault ${v.vaultId}`;
    if (!info || info.status !== LIVE) {
      skip(ctx, what, `${info?.symbol ?? v.collateral} price ${statusName(info?.status)}, not live`);
      continue;
    }
    const est = await liquidateVault(ctx, v, info, bufferLeft);
    if (est !== undefined) bufferLeft = bufferLeft > est ? bufferLeft - est : 0n;
  }

  // 3. Reserve collateral sales: what the reserve owns and has not put on sale yet. The lens's
  // reserveHolding counts the reserve's own balance, whatever it holds elsewhere (escrow) and its
  // lots on sale, so this does not depend on where the absorbed collateral sits. Re-read when this
  // pass absorbed something.
  if (opts.sellReserveCollateral) {
    const tag = ctx.report.liquidations.length === 0 || ctx.dryRun ? blockTag : await provider.getBlockNumber();
    const snap = tag === blockTag ? snapshot : await c.lens.systemSnapshot({ blockTag: tag });
    for (const col of snap.collaterals) {
      const { collateralOnSale } = await c.engine.collateralState(col.token, { blockTag: tag });
      const info = { ...(await collateralInfo(ctx, col.token)), price: col.price, status: col.priceStatus };
      await sellReserveCollateral(ctx, info, col.reserveHolding - collateralOnSale);
    }
  }

  // 4. Auctions: redo, then take.
  await processAuctions(ctx, pageSize);

  // 5. Heal: burn the reserve's stablecoin against its deficit (keeper pay minted while the reserve
  // was empty, or an auction shortfall), so the books show it as soon as the balance allows.
  await healDeficit(ctx);

  // 6. Optional duties.
  if (opts.poke) await pokeController(ctx);
  if (opts.rebalance) await rebalanceReserve(ctx);

  // Profit.
  const r = ctx.report;
  const earned =
    r.liquidations.reduce((s, l) => s + l.reward, 0n) +
    r.redos.reduce((s, l) => s + l.reward, 0n) +
    r.takes.reduce((s, t) => s + t.profit, 0n);
  if (ctx.dryRun) {
    const gasEstimate = [...r.records, ...r.liquidations, ...r.redos, ...r.takes, ...r.pokes, ...r.rebalances].reduce(
      (s, a) => s + a.gasUsed,
      0n,
    );
    const { price: gasPrice } = await gasPriceNow(ctx);
    r.expectedProfit = earned - (gasEstimate * gasPrice * ctx.nativePrice) / WAD;
  } else {
    r.realisedProfit = earned - (r.gasSpent * ctx.nativePrice) / WAD;
    r.expectedProfit = r.realisedProfit;
  }
  r.ms = Date.now() - started;
  ctx.log(summaryLine(r));
  return r;
}

/**
 * Runs `runKeeperOnce` every `intervalMs` (measured from the start of each iteration) for
 * `iterations` iterations, or until `signal` aborts. An iteration that throws (a node that went
 * away) is logged and reported as skipped; the loop goes on.
 */
export async function runKeeperLoop(
  hre: HardhatRuntimeEnvironment,
  opts: KeeperOptions & { intervalMs: number; iterations?: number; signal?: AbortSignal },
): Promise<KeeperReport[]> {
  const state = opts.state ?? { firstActiveAuction: 1n };
  const log = opts.log ?? ((line: string) => console.log(line));
  const reports: KeeperReport[] = [];
  for (let i = 0; opts.iterations === undefined || i < opts.iterations; i++) {
    if (opts.signal?.aborted) break;
    const started = Date.now();
    try {
      reports.push(await runKeeperOnce(hre, { ...opts, state, log }));
    } catch (err) {
      const reason = explainError(err, []);
      log(`iteration ${i + 1} failed: ${reason}`);
      reports.push({
        ...emptyReport(opts.dryRun ?? false),
        skipped: [{ what: `iteration ${i + 1}`, reason }],
        error: reason,
      });
    }
    const last = opts.iterations !== undefined && i + 1 >= opts.iterations;
    if (last || opts.signal?.aborted) break;
    await sleep(Math.max(0, opts.intervalMs - (Date.now() - started)), opts.signal);
  }
  return reports;
}

/** Σ over reports, for a final summary. */
export function totalReport(reports: KeeperReport[]): KeeperReport {
  const t = emptyReport(reports.some((r) => r.dryRun));
  for (const r of reports) {
    t.scannedVaults += r.scannedVaults;
    t.ethCalls += r.ethCalls;
    t.liquidations.push(...r.liquidations);
    t.takes.push(...r.takes);
    t.redos.push(...r.redos);
    t.sales.push(...r.sales);
    t.healed += r.healed;
    t.records.push(...r.records);
    t.pokes.push(...r.pokes);
    t.marketUpdates.push(...r.marketUpdates);
    t.rebalances.push(...r.rebalances);
    t.skipped.push(...r.skipped);
    t.realisedProfit += r.realisedProfit;
    t.expectedProfit += r.expectedProfit;
    t.gasSpent += r.gasSpent;
    t.activeAuctions = r.activeAuctions;
    t.auctionCalls += r.auctionCalls;
    t.blockNumber = r.blockNumber;
    t.ms += r.ms;
  }
  return t;
}

/** The one-line summary printed after each iteration. */
export function summaryLine(r: KeeperReport): string {
  const ids = (xs: bigint[]) => (xs.length ? ` [${xs.join(", ")}]` : "");
  const verb = r.dryRun ? "would " : "";
  return (
    `${r.dryRun ? "[dry run] " : ""}block ${r.blockNumber}: scanned ${r.scannedVaults} vaults in ${r.ethCalls} lens calls; ` +
    `${verb}liquidate ${r.liquidations.length}${ids(r.liquidations.map((l) => l.vaultId))}, ` +
    `${verb}take ${r.takes.length}${ids(r.takes.map((t) => t.auctionId))}, ` +
    `${verb}redo ${r.redos.length}${ids(r.redos.map((x) => x.auctionId))}, ` +
    `${verb}sell ${r.sales.length}, ` +
    (r.records.length ? `${verb}record ${r.records.length}, ` : "") +
    (r.pokes.length ? `${verb}poke ${r.pokes.length}, ` : "") +
    (r.marketUpdates.length ? `${verb}update the market feed ${r.marketUpdates.length}, ` : "") +
    (r.rebalances.length ? `${verb}rebalance ${r.rebalances.length}, ` : "") +
    `skipped ${r.skipped.length}; ` +
    `gas ${fmtWad(r.gasSpent, 6)} ETH; ` +
    (r.dryRun
      ? `expected profit ${fmtWad(r.expectedProfit)} BDOL`
      : `realised profit ${fmtWad(r.realisedProfit)} BDOL`) +
    ` (${r.ms} ms)`
  );
}

// ====================================================================== actions

/** Liquidates one vault; returns the (estimated) absorbed debt, or undefined when skipped. */
async function liquidateVault(
  ctx: Ctx,
  v: { vaultId: bigint; collateral: string; debt: bigint; healthFactor: bigint },
  info: CollateralInfo,
  bufferLeft: bigint,
): Promise<bigint | undefined> {
  const { engine } = ctx.c;
  const what = `vault ${v.vaultId}`;
  const action: KeeperAction = { kind: "liquidate", id: v.vaultId, collateral: v.collateral };
  const sim = await simulate(ctx, action, what, () => engine.liquidate.staticCall(v.vaultId, ctx.keeper));
  if (!sim.ok) return undefined;
  const sent = await send(
    ctx,
    what,
    () => engine.liquidate.estimateGas(v.vaultId, ctx.keeper),
    (o) => engine.liquidate(v.vaultId, ctx.keeper, o),
  );
  if (sent === undefined) return undefined;

  let entry: KeeperReport["liquidations"][number];
  if (sent.receipt) {
    // The vault manager's VaultSeized carries the slice taken and the part absorbed; the engine's
    // Liquidated the auction and the reward.
    const seized = findEvent(sent.receipt, ctx.c.vm, "VaultSeized");
    const liquidated = findEvent(sent.receipt, engine, "Liquidated");
    entry = {
      vaultId: v.vaultId,
      debt: seized.args.debt,
      absorbedDebt: seized.args.absorbedDebt,
      auctionId: liquidated.args.auctionId,
      reward: liquidated.args.reward,
      gasUsed: sent.receipt.gasUsed,
    };
  } else {
    const auctionId = sim.value;
    entry = {
      vaultId: v.vaultId,
      debt: v.debt,
      absorbedDebt: auctionId === 0n ? v.debt : v.debt < bufferLeft ? v.debt : bufferLeft,
      auctionId,
      reward: await engine.keeperReward(v.debt),
      gasUsed: sent.gas,
    };
  }
  ctx.report.liquidations.push(entry);
  ctx.log(
    `${prefix(ctx)}liquidate vault ${v.vaultId} (${info.symbol}, health ${fmtWad(v.healthFactor, 4)}): ` +
      `debt ${fmtWad(entry.debt)} BDOL, absorbed ${fmtWad(entry.absorbedDebt)}, ` +
      `auction ${entry.auctionId === 0n ? "none" : entry.auctionId}, reward ${fmtWad(entry.reward)} BDOL, ` +
      `gas ${entry.gasUsed}${sent.receipt ? ` (${fmtWad(gasCost(sent.receipt), 6)} ETH)` : " (estimate)"}`,
  );
  return entry.absorbedDebt;
}

/** Puts `held` (the reserve's collateral not on sale yet) up for auction when the lot is big enough. */
async function sellReserveCollateral(ctx: Ctx, info: CollateralInfo, held: bigint): Promise<void> {
  const { reserve } = ctx.c;
  const token = info.token;
  const what = `reserve ${info.symbol}`;
  if (held <= 0n) return;
  const minValue = ctx.opts.minSaleValue ?? 1000n * WAD;
  const value = valueDown(held, info.decimals, info.price);
  if (value < minValue) {
    skip(ctx, what, `lot of ${fmtWad(value)} BDOL below the ${fmtWad(minValue)} minimum`);
    return;
  }
  if (info.status !== LIVE) {
    skip(ctx, what, `${info.symbol} price ${statusName(info.status)}, not live`);
    return;
  }
  const action: KeeperAction = { kind: "sell", id: 0n, collateral: token };
  const sim = await simulate(ctx, action, what, () => reserve.sellCollateral.staticCall(token, held));
  if (!sim.ok) return;
  const sent = await send(
    ctx,
    what,
    () => reserve.sellCollateral.estimateGas(token, held),
    (o) => reserve.sellCollateral(token, held, o),
  );
  if (sent === undefined) return;
  const auctionId = sent.receipt ? findEvent(sent.receipt, reserve, "CollateralSaleStarted").args.auctionId : sim.value;
  ctx.report.sales.push({ collateral: token, amount: held, auctionId });
  ctx.log(
    `${prefix(ctx)}sell reserve ${fmtWad(held, 4, Number(info.decimals))} ${info.symbol} ` +
      `(${fmtWad(value)} BDOL at the oracle) in auction ${auctionId}, gas ${sent.receipt?.gasUsed ?? sent.gas}`,
  );
}

async function healDeficit(ctx: Ctx): Promise<void> {
  const { reserve, bdol } = ctx.c;
  const deficit = await reserve.deficit();
  if (deficit === 0n) return;
  // Nothing to heal with yet (common right after keeper pay was minted): not worth a log line.
  if ((await bdol.balanceOf(await reserve.getAddress())) === 0n) return;
  const action: KeeperAction = { kind: "heal", id: 0n, collateral: await bdol.getAddress() };
  const sim = await simulate(ctx, action, "heal", () => reserve.heal.staticCall());
  if (!sim.ok) return;
  const sent = await send(
    ctx,
    "heal",
    () => reserve.heal.estimateGas(),
    (o) => reserve.heal(o),
  );
  if (sent === undefined) return;
  ctx.report.healed = sim.value;
  ctx.log(
    `${prefix(ctx)}heal: burnt ${fmtWad(sim.value)} BDOL of the reserve against its deficit of ${fmtWad(deficit)}, ` +
      `gas ${sent.receipt?.gasUsed ?? sent.gas}`,
  );
}

/** Pokes the risk controller when its interval has passed (unpaid: costs the keeper gas). */
async function pokeController(ctx: Ctx): Promise<void> {
  const risk = ctx.c.risk;
  if (!risk) return;
  const now = BigInt((await ctx.provider.getBlock("latest"))!.timestamp);
  const next = await risk.nextPokeAt();
  // The static call runs at the latest block's timestamp: only a poke due by then passes it.
  if (next > now) return;
  const action: KeeperAction = { kind: "poke", id: 0n, collateral: await risk.getAddress() };
  const sim = await simulate(ctx, action, "poke", () => risk.poke.staticCall());
  if (!sim.ok) return;
  const sent = await send(
    ctx,
    "poke",
    () => risk.poke.estimateGas(),
    (o) => risk.poke(o),
  );
  if (sent === undefined) return;
  const gasUsed = sent.receipt?.gasUsed ?? sent.gas;
  ctx.report.pokes.push({ gasUsed });
  ctx.log(`${prefix(ctx)}poke: risk controller ${ctx.dryRun ? "due" : "updated"}, gas ${gasUsed}`);
}

/**
 * Records BDOL's market price feed's next round when its period has passed and the oracle reads it
 * (`update` records the market as not live when it is; either way the report says which).
 */
async function updateMarketFeed(ctx: Ctx): Promise<void> {
  const feed = ctx.c.marketFeed;
  if (!feed) return;
  const address = (await feed.getAddress()).toLowerCase();
  const configs = await Promise.all((await ctx.c.oracle.assets()).map((a) => ctx.c.oracle.feedConfig(a)));
  if (!configs.some((f) => [f.primaryFeed, f.secondaryFeed].some((x) => x.toLowerCase() === address))) return;
  const now = BigInt((await ctx.provider.getBlock("latest"))!.timestamp);
  const [, lastUpdateAt] = await feed.updateState();
  if (lastUpdateAt !== 0n && lastUpdateAt + (await feed.ROUND_PERIOD()) > now) return;
  const action: KeeperAction = { kind: "update", id: 0n, collateral: await feed.getAddress() };
  const sim = await simulate(ctx, action, "update market feed", () => feed.update.staticCall());
  if (!sim.ok) return;
  const sent = await send(
    ctx,
    "update market feed",
    () => feed.update.estimateGas(),
    (o) => feed.update(o),
  );
  if (sent === undefined) return;
  const live = sim.value;
  ctx.report.marketUpdates.push({ live, gasUsed: sent.receipt?.gasUsed ?? sent.gas });
  ctx.log(`${prefix(ctx)}update the market feed: ${live ? "a round recorded" : "the market recorded not live"}`);
}

/**
 * Records every asset the oracle prices whose feed has moved since the oracle last looked: the
 * primary feed has a round the round history has not processed (volatility and price range), or
 * the ratio leg of a composite asset has a round newer than the circuit breaker's reference (the
 * last good price, or the pending one while frozen). Recording each round keeps that reference fresh,
 * so a crash is judged against the price just before it, and stores the history as it comes (a view
 * would otherwise walk the unrecorded rounds, up to 64 at a time). A secondary feed's rounds alone
 * do not trigger a recording. Failures are skipped like any other action.
 */
async function recordRounds(ctx: Ctx): Promise<void> {
  const { oracle } = ctx.c;
  const latest = async (feed: string) => {
    const aggregator = new ctx.hre.ethers.Contract(
      feed,
      ["function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)"],
      ctx.provider,
    );
    try {
      const [roundId, , , updatedAt] = (await aggregator.latestRoundData()) as [bigint, bigint, bigint, bigint, bigint];
      return { roundId, updatedAt };
    } catch {
      return undefined; // a broken feed: recording would change nothing
    }
  };
  for (const asset of await oracle.assets()) {
    const [config, ratio, history, state] = await Promise.all([
      oracle.feedConfig(asset),
      oracle.ratioFeedConfig(asset),
      oracle.roundHistory(asset),
      oracle.priceState(asset),
    ]);
    const primary = await latest(config.primaryFeed);
    const reference = state.frozen ? state.pendingUpdatedAt : state.lastGoodUpdatedAt;
    let due = primary !== undefined && primary.roundId !== history.lastRoundId;
    if (!due && ratio.feed !== ZERO_ADDRESS) {
      const leg = await latest(ratio.feed);
      // A new ratio round moves the round history (both legs are walked) and may be a new reading.
      due = leg !== undefined && (leg.roundId !== history.lastRatioRoundId || leg.updatedAt > reference);
    }
    if (!due) continue;
    const action: KeeperAction = { kind: "record", id: 0n, collateral: asset };
    const what = `record ${await symbolOf(ctx.hre.ethers.provider, asset)}`;
    const sim = await simulate(ctx, action, what, () => oracle.recordPrice.staticCall(asset));
    if (!sim.ok) continue;
    const sent = await send(
      ctx,
      what,
      () => oracle.recordPrice.estimateGas(asset),
      (o) => oracle.recordPrice(asset, o),
    );
    if (sent === undefined) continue;
    ctx.report.records.push({ asset, gasUsed: sent.receipt?.gasUsed ?? sent.gas });
  }
}

/** Rebalances the reserve's USDC toward its liquid target when that moves something. */
async function rebalanceReserve(ctx: Ctx): Promise<void> {
  const { reserve } = ctx.c;
  const action: KeeperAction = { kind: "rebalance", id: 0n, collateral: await reserve.getAddress() };
  const sim = await simulate(ctx, action, "rebalance", () => reserve.rebalance.staticCall());
  if (!sim.ok) return;
  const [deposited, withdrawn] = sim.value as unknown as [bigint, bigint];
  if (deposited === 0n && withdrawn === 0n) {
    // Nothing to move, or the limit per interval is used up (rebalance then moves nothing and
    // succeeds): say which, so an operator sees why the reserve is off its target.
    if ((await reserve.availableRebalance()) === 0n) {
      skip(ctx, "rebalance", "limit per interval used up; it refills over the interval");
    }
    return;
  }
  const sent = await send(
    ctx,
    "rebalance",
    () => reserve.rebalance.estimateGas(),
    (o) => reserve.rebalance(o),
  );
  if (sent === undefined) return;
  const gasUsed = sent.receipt?.gasUsed ?? sent.gas;
  ctx.report.rebalances.push({ deposited, withdrawn, gasUsed });
  ctx.log(`${prefix(ctx)}rebalance: ${deposited} USDC units into strategies, ${withdrawn} out of them, gas ${gasUsed}`);
}

async function processAuctions(ctx: Ctx, pageSize: number): Promise<void> {
  const { engine, lens, bdol } = ctx.c;
  const state = ctx.opts.state;
  const first = state?.firstActiveAuction ?? 1n;
  const count = await engine.auctionCount();
  const active: Awaited<ReturnType<ReserveLens["activeAuctions"]>>[number][] = [];
  for (let from = first; from <= count; from += BigInt(pageSize)) {
    active.push(...(await lens.activeAuctions(from, pageSize)));
    ctx.report.auctionCalls += 1;
  }
  ctx.report.activeAuctions = active.length;
  if (state) state.firstActiveAuction = active.length ? active[0].auctionId : count + 1n;

  // Redo.
  const takeable: typeof active = [];
  for (const a of active) {
    const info = await collateralInfo(ctx, a.collateral);
    const what = `auction ${a.auctionId}`;
    if (a.oracleStatus !== LIVE) {
      skip(ctx, what, `${info.symbol} price ${statusName(a.oracleStatus)}, not live`);
      continue;
    }
    if (!a.needsReset) {
      takeable.push(a);
      continue;
    }
    if (ctx.opts.redo === false) {
      skip(ctx, what, "needs a reset (redo disabled)");
      continue;
    }
    if (!ctx.opts.unpaidRedo && (await engine.auctionInfo(a.auctionId)).paidRedos >= MAX_PAID_REDOS) {
      skip(ctx, what, `needs a reset, but its restart pay is used up (${MAX_PAID_REDOS} paid restarts)`);
      continue;
    }
    const action: KeeperAction = { kind: "redo", id: a.auctionId, collateral: a.collateral };
    const sim = await simulate(ctx, action, what, () => engine.redo.staticCall(a.auctionId, ctx.keeper));
    if (!sim.ok) continue;
    const sent = await send(
      ctx,
      what,
      () => engine.redo.estimateGas(a.auctionId, ctx.keeper),
      (o) => engine.redo(a.auctionId, ctx.keeper, o),
    );
    if (sent === undefined) continue;
    // Dry run: the tip follows the basefee of the block that includes the redo, unknown before.
    const reward: bigint = sent.receipt ? findEvent(sent.receipt, engine, "AuctionReset").args.reward : 0n;
    const gasUsed = sent.receipt?.gasUsed ?? sent.gas;
    ctx.report.redos.push({ auctionId: a.auctionId, reward, gasUsed });
    ctx.log(
      `${prefix(ctx)}redo auction ${a.auctionId} (${info.symbol}, price ${fmtWad(a.price)}: below the floor or too old): ` +
        `restarted, reward ${fmtWad(reward)} BDOL, gas ${gasUsed}`,
    );
  }

  if (ctx.opts.flash) {
    for (const a of takeable) await flashTake(ctx, a);
    return;
  }

  // Take, best discount against the reference first.
  const spread = ctx.opts.spread ?? (2n * WAD) / 100n;
  if (spread < 0n || spread >= WAD) throw new Error(`spread must be in [0, 1): ${fmtWad(spread, 4)}`);
  const quotes: { a: (typeof active)[number]; reference: bigint; limit: bigint; info: CollateralInfo }[] = [];
  for (const a of takeable) {
    const info = await collateralInfo(ctx, a.collateral);
    const reference = ctx.opts.referencePrice
      ? await ctx.opts.referencePrice(a.collateral, a.oraclePrice)
      : a.oraclePrice;
    const limit = (reference * (WAD - spread)) / WAD;
    if (a.price > limit) {
      skip(
        ctx,
        `auction ${a.auctionId}`,
        `unprofitable: price ${fmtWad(a.price)} > ${fmtWad(limit)} (reference ${fmtWad(reference)} − ${fmtPct(spread)})`,
      );
      continue;
    }
    quotes.push({ a, reference, limit, info });
  }
  quotes.sort((x, y) => {
    // price / reference ascending, compared without division
    const l = x.a.price * y.reference;
    const r = y.a.price * x.reference;
    return l < r ? -1 : l > r ? 1 : 0;
  });
  if (quotes.length === 0) return;

  let balance = await bdol.balanceOf(ctx.keeper);
  for (const { a, reference, info } of quotes) {
    const what = `auction ${a.auctionId}`;
    const budget =
      ctx.opts.maxTakeBdol !== undefined && ctx.opts.maxTakeBdol < balance ? ctx.opts.maxTakeBdol : balance;
    const maxCollateral = collateralForBudget(budget, a.tab, a.lot, info.decimals, a.price);
    if (maxCollateral === 0n) {
      skip(ctx, what, `BDOL budget ${fmtWad(budget)} buys nothing at ${fmtWad(a.price)}`);
      continue;
    }
    const action: KeeperAction = { kind: "take", id: a.auctionId, collateral: a.collateral };
    const args = [a.auctionId, maxCollateral, a.price, ctx.keeper, "0x"] as const;
    const sim = await simulate(ctx, action, what, () => engine.take.staticCall(...args));
    if (!sim.ok) continue;
    const sent = await send(
      ctx,
      what,
      () => engine.take.estimateGas(...args),
      (o) => engine.take(...args, o),
    );
    if (sent === undefined) continue;
    let amount: bigint;
    let paid: bigint;
    let price: bigint;
    if (sent.receipt) {
      const ev = findEvent(sent.receipt, engine, "Taken");
      amount = ev.args.collateralAmount;
      paid = ev.args.paid;
      price = ev.args.price;
      balance = await bdol.balanceOf(ctx.keeper);
    } else {
      [amount, paid] = sim.value;
      price = a.price;
      balance -= paid;
    }
    const profit = valueDown(amount, info.decimals, reference) - paid;
    const gasUsed = sent.receipt?.gasUsed ?? sent.gas;
    ctx.report.takes.push({
      auctionId: a.auctionId,
      collateral: a.collateral,
      amount,
      paid,
      price,
      referencePrice: reference,
      profit,
      gasUsed,
    });
    ctx.log(
      `${prefix(ctx)}take auction ${a.auctionId}: ${fmtWad(amount, 4, Number(info.decimals))} ${info.symbol} ` +
        `for ${fmtWad(paid)} BDOL at ${fmtWad(price)} (reference ${fmtWad(reference)}), ` +
        `profit ${fmtWad(profit)} BDOL, gas ${gasUsed}`,
    );
  }
}

/**
 * A flash take of auction `a`'s whole lot (or what its tab buys): QuoterV2 quotes the collateral
 * sold into its USDC pool, the PSM's fee in gives the BDOL it buys; the take goes ahead only when
 * that, less the slippage limit, the tab paid and the gas at the current price, is a profit, and
 * `minProfit` holds the FlashTaker to the slippage limit.
 */
async function flashTake(ctx: Ctx, a: Awaited<ReturnType<ReserveLens["activeAuctions"]>>[number]): Promise<void> {
  const what = `auction ${a.auctionId}`;
  const flash = ctx.c.flash;
  if (!flash) {
    skip(ctx, what, "flash take: no FlashTaker, QuoterV2 or PSM deployed");
    return;
  }
  const info = await collateralInfo(ctx, a.collateral);
  const pool = flash.pools.get(a.collateral.toLowerCase());
  if (!pool) {
    skip(ctx, what, `flash take: no ${info.symbol}/USDC pool`);
    return;
  }
  // What the take buys: the whole lot, or what the tab is worth at the price (rounded up).
  const unit = 10n ** info.decimals;
  const forTab = (a.tab * unit + a.price - 1n) / a.price;
  const amount = forTab < a.lot ? forTab : a.lot;
  const paid = (amount * a.price + unit - 1n) / unit > a.tab ? a.tab : (amount * a.price + unit - 1n) / unit;
  const [quoted] = await flash.quoter.quoteExactInputSingle.staticCall({
    tokenIn: a.collateral,
    tokenOut: await flash.psm.stable(),
    amountIn: amount,
    fee: pool.fee,
    sqrtPriceLimitX96: 0n,
  });
  const stableDecimals = BigInt(
    await (await ctx.hre.ethers.getContractAt("IERC20Metadata", await flash.psm.stable())).decimals(),
  );
  const proceeds = (quoted * 10n ** (18n - stableDecimals) * (WAD - (await flash.psm.feeIn()))) / WAD;
  const slippage = ctx.opts.slippage ?? (5n * WAD) / 1000n;
  const worst = (proceeds * (WAD - slippage)) / WAD;
  const args = [a.auctionId, a.lot, a.price, pool.address, 0n, ctx.keeper] as const;
  const { price: gasPrice } = await gasPriceNow(ctx);
  let gas = 350_000n;
  try {
    gas = await flash.taker.run.estimateGas(...args);
  } catch {
    // Unprofitable or refused: the static call below says why.
  }
  const gasCost = (gas * gasPrice * ctx.nativePrice) / WAD;
  const expected = worst - paid - gasCost;
  const quoteLine =
    `quote: ${fmtWad(amount, 4, Number(info.decimals))} ${info.symbol} → ${fmtWad(quoted, 2, Number(stableDecimals))} USDC ` +
    `→ ${fmtWad(proceeds)} BDOL at the PSM; pays ${fmtWad(paid)}; gas ${fmtWad(gasCost)} BDOL; ` +
    `after ${fmtPct(slippage)} slippage ${fmtWad(expected)} BDOL`;
  if (expected <= 0n) {
    skip(ctx, what, `flash take unprofitable after gas and slippage (${quoteLine})`);
    return;
  }
  const minProfit = worst - paid;
  const runArgs = [a.auctionId, a.lot, a.price, pool.address, minProfit, ctx.keeper] as const;
  const action: KeeperAction = { kind: "take", id: a.auctionId, collateral: a.collateral };
  const sim = await simulate(ctx, action, what, () => flash.taker.run.staticCall(...runArgs));
  if (!sim.ok) return;
  const sent = await send(
    ctx,
    what,
    () => flash.taker.run.estimateGas(...runArgs),
    (o) => flash.taker.run(...runArgs, o),
  );
  if (sent === undefined) return;
  let profit = sim.value;
  let took = amount;
  let paidOut = paid;
  if (sent.receipt) {
    const ev = findEvent(sent.receipt, flash.taker, "FlashTaken");
    profit = ev.args.profit;
    took = ev.args.collateralSold;
    paidOut = ev.args.paid;
  }
  const gasUsed = sent.receipt?.gasUsed ?? sent.gas;
  ctx.report.takes.push({
    auctionId: a.auctionId,
    collateral: a.collateral,
    amount: took,
    paid: paidOut,
    price: a.price,
    referencePrice: a.oraclePrice,
    profit,
    gasUsed,
  });
  ctx.log(
    `${prefix(ctx)}flash take auction ${a.auctionId}: ${quoteLine}; ` +
      `${ctx.dryRun ? "would keep" : "kept"} ${fmtWad(profit)} BDOL, gas ${gasUsed}`,
  );
}

// ====================================================================== transactions

type Sim<T> = { ok: true; value: T } | { ok: false };

/** `beforeAction`, the gas cap, then the static call; logs and records a skip on failure. */
async function simulate<T>(ctx: Ctx, action: KeeperAction, what: string, call: () => Promise<T>): Promise<Sim<T>> {
  await ctx.opts.beforeAction?.(action);
  const cap = ctx.opts.maxGasPrice;
  ctx.fees = undefined;
  if (cap !== undefined) {
    const { price, capped } = await gasPriceNow(ctx);
    if (price > cap) {
      skip(ctx, what, `gas price above cap (${fmtGwei(price)} > ${fmtGwei(cap)} gwei)`);
      return { ok: false };
    }
    ctx.fees = capped;
  }
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    skip(ctx, what, `static call reverted: ${explainError(err, ctx.c.all)}`);
    return { ok: false };
  }
}

/**
 * Gas added to every estimate. eth_call and eth_estimateGas without fee fields run at basefee 0,
 * so the simulated basefee tip is 0 and a redo's keeper payment is not in the estimate; and the
 * oracle's gas guard makes an exact estimate fail when the next block costs a little more.
 */
const GAS_CUSHION = 100_000n;

/**
 * Sends a transaction that passed its static call (or, in a dry run, only estimates its gas).
 * Gas limit: the estimate plus a quarter plus GAS_CUSHION (unused gas is not paid for).
 */
async function send(
  ctx: Ctx,
  what: string,
  estimate: () => Promise<bigint>,
  tx: (overrides: Overrides) => Promise<ContractTransactionResponse>,
): Promise<{ receipt?: ContractTransactionReceipt; gas: bigint } | undefined> {
  let gas: bigint;
  try {
    gas = await estimate();
  } catch (err) {
    skip(ctx, what, `gas estimate reverted: ${explainError(err, ctx.c.all)}`);
    return undefined;
  }
  if (ctx.dryRun) return { gas };
  const overrides: Overrides = { gasLimit: gas + gas / 4n + GAS_CUSHION, ...ctx.fees };
  try {
    const response = await tx(overrides);
    const receipt = await response.wait();
    if (!receipt) throw new Error("no receipt");
    ctx.report.gasSpent += gasCost(receipt);
    return { receipt, gas };
  } catch (err) {
    // Lost a race inside one block: the transaction was mined and reverted.
    const receipt = (err as { receipt?: TransactionReceipt }).receipt;
    if (receipt) ctx.report.gasSpent += gasCost(receipt);
    skip(ctx, what, `transaction failed: ${explainError(err, ctx.c.all)}`);
    return undefined;
  }
}

type Overrides = { gasLimit?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };

/**
 * The network's gas price now: the latest basefee + the suggested priority fee (eth_gasPrice on a
 * chain without a basefee); and, under `maxGasPrice`, fee fields that never pay more than the cap.
 */
async function gasPriceNow(ctx: Ctx): Promise<{ price: bigint; capped: Overrides }> {
  const cap = ctx.opts.maxGasPrice;
  const [block, fee] = await Promise.all([ctx.provider.getBlock("latest"), ctx.provider.getFeeData()]);
  if (block?.baseFeePerGas != null) {
    const priority = fee.maxPriorityFeePerGas ?? 0n;
    const capped = cap === undefined ? {} : { maxFeePerGas: cap, maxPriorityFeePerGas: min(priority, cap) };
    return { price: block.baseFeePerGas + priority, capped };
  }
  const price = fee.gasPrice ?? 0n;
  return { price, capped: cap === undefined ? {} : { gasPrice: min(price, cap) } };
}

function gasCost(receipt: TransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

// ====================================================================== helpers

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

async function loadContracts(hre: HardhatRuntimeEnvironment, signer: Signer): Promise<Contracts> {
  const at = async <T>(name: string): Promise<T> => {
    const d = await hre.deployments.getOrNull(name);
    if (!d) throw new Error(`no ${name} deployment on network ${hre.network.name}: deploy the system first`);
    return (await hre.ethers.getContractAt(name, d.address, signer)) as unknown as T;
  };
  const [vm, engine, reserve, lens, oracle, bdol] = await Promise.all([
    at<VaultManager>("VaultManager"),
    at<LiquidationEngine>("LiquidationEngine"),
    at<ReservePool>("ReservePool"),
    at<ReserveLens>("ReserveLens"),
    at<OracleAdapter>("OracleAdapter"),
    at<BallastDollar>("BallastDollar"),
  ]);
  const riskDeployment = await hre.deployments.getOrNull("RiskController");
  const risk = riskDeployment
    ? ((await hre.ethers.getContractAt("RiskController", riskDeployment.address, signer)) as unknown as RiskController)
    : undefined;
  const feedDeployment = await hre.deployments.getOrNull("MarketPriceFeed");
  const marketFeed = feedDeployment
    ? ((await hre.ethers.getContractAt(
        "MarketPriceFeed",
        feedDeployment.address,
        signer,
      )) as unknown as MarketPriceFeed)
    : undefined;
  const flash = await loadFlash(hre, signer);
  const all = [
    engine,
    vm,
    reserve,
    oracle,
    bdol,
    lens,
    ...(risk ? [risk] : []),
    ...(marketFeed ? [marketFeed] : []),
    ...(flash ? [flash.taker, flash.psm] : []),
  ];
  return { vm, engine, reserve, lens, oracle, bdol, risk, marketFeed, flash, all: all as unknown as BaseContract[] };
}

/** The flash-take tools, when the deployment has them: every pool of the market whose quote is the PSM's stable asset. */
async function loadFlash(hre: HardhatRuntimeEnvironment, signer: Signer): Promise<Contracts["flash"]> {
  const { deployments, ethers } = hre;
  const [takerD, quoterD, psmD] = await Promise.all(
    ["FlashTaker", "QuoterV2", "PegStabilityModule"].map((n) => deployments.getOrNull(n)),
  );
  if (!takerD || !quoterD || !psmD) return undefined;
  const psm = (await ethers.getContractAt("PegStabilityModule", psmD.address, signer)) as unknown as PegStabilityModule;
  const stable = (await psm.stable()).toLowerCase();
  const pools = new Map<string, { address: string; fee: bigint }>();
  for (const d of Object.values(await deployments.all())) {
    if (!d.abi.some((f: { name?: string }) => f.name === "observe")) continue;
    const pool = await ethers.getContractAt("IUniswapV3Pool", d.address);
    const [t0, t1, fee] = await Promise.all([pool.token0(), pool.token1(), pool.fee()]);
    if (t1.toLowerCase() === stable) pools.set(t0.toLowerCase(), { address: d.address, fee });
    else if (t0.toLowerCase() === stable) pools.set(t1.toLowerCase(), { address: d.address, fee });
  }
  return {
    taker: (await ethers.getContractAt("FlashTaker", takerD.address, signer)) as unknown as FlashTaker,
    quoter: (await ethers.getContractAt("IQuoterV2", quoterD.address, signer)) as unknown as IQuoterV2,
    psm,
    pools,
  };
}

/** A collateral seen in an auction; normally known from the snapshot. */
async function collateralInfo(ctx: Ctx, token: string): Promise<CollateralInfo> {
  let info = ctx.collaterals.get(token.toLowerCase());
  if (!info) {
    const state = await ctx.c.engine.collateralState(token);
    const [price, status] = await ctx.c.oracle.getPrice(state.oracleAsset);
    info = { token, symbol: await symbolOf(ctx.hre.ethers.provider, token), decimals: state.decimals, price, status };
    ctx.collaterals.set(token.toLowerCase(), info);
  }
  return info;
}

/** The native asset's oracle price (last good price), 0 when the engine has none set. */
async function nativeAssetPrice(c: Contracts, blockTag: number): Promise<bigint> {
  const asset = await c.engine.nativeAsset({ blockTag });
  if (asset === ZERO_ADDRESS) return 0n;
  const [price] = await c.oracle.getPrice(asset, { blockTag });
  return price;
}

function findEvent(receipt: ContractTransactionReceipt, contract: BaseContract, name: string) {
  const address = String(contract.target).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`no ${name} event in transaction ${receipt.hash}`);
}

/**
 * The most collateral `budget` pays for at `price`: the whole lot when the budget covers the tab
 * (the engine then charges the tab only), else the largest slice whose rounded-up cost fits.
 */
export function collateralForBudget(budget: bigint, tab: bigint, lot: bigint, decimals: bigint, price: bigint): bigint {
  if (price === 0n || budget === 0n) return 0n;
  if (budget >= tab) return lot;
  let slice = (budget * WAD) / price / 10n ** (18n - decimals);
  if (slice >= lot) return lot;
  while (slice > 0n && valueUp(slice, decimals, price) > budget) slice -= 1n;
  return slice;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function skip(ctx: Ctx, what: string, reason: string): void {
  ctx.report.skipped.push({ what, reason });
  ctx.log(`${prefix(ctx)}skip ${what}: ${reason}`);
}

function prefix(ctx: Ctx): string {
  return ctx.dryRun ? "[dry run] would " : "";
}

function statusName(status: bigint | undefined): string {
  return status === undefined ? "unknown" : (PRICE_STATUS[Number(status)] ?? `status ${status}`);
}

function fmtGwei(wei: bigint): string {
  return fmtWad(wei, 3, 9);
}

function emptyReport(dryRun: boolean): KeeperReport {
  return {
    scannedVaults: 0,
    ethCalls: 0,
    liquidations: [],
    takes: [],
    redos: [],
    sales: [],
    healed: 0n,
    records: [],
    pokes: [],
    marketUpdates: [],
    rebalances: [],
    skipped: [],
    realisedProfit: 0n,
    gasSpent: 0n,
    dryRun,
    expectedProfit: 0n,
    activeAuctions: 0,
    auctionCalls: 0,
    blockNumber: 0,
    ms: 0,
  };
}

/** `fn` over `items` with at most `limit` in flight, results in order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

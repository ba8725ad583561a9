/**
 * The keeper's decisions, as pure functions of what scan.ts read and the options: which vaults to
 * liquidate and in which order, which reserve lots to sell, which auctions to restart and which to
 * take (within the spread and the BDOL budget), whether a flash take pays, whether to heal, poke,
 * rebalance, update the market feed or record a round, and the gas-price cap. No provider, no
 * `hre`, no I/O: test/keeper/plan.test.ts runs them on hand-built states.
 *
 * Each planner returns its stage's steps in the order the executor takes them: an action to try,
 * or a skip with its reason, so the report lists skips and actions in the order they happened.
 * Under the gas cap a planner plans no action: every action it would have tried is a skip
 * "gas price above cap". The executor checks the cap again before each transaction (the price
 * moves with every block).
 */
import { fmtPct, fmtWad } from "../sdk/format";
import { WAD, valueDown, valueUp, wadMulDown } from "../sdk/math";
import { MAX_PAID_REDOS as MAX_PAID_REDOS_BOUND } from "../sdk/constants";
import { PRICE_STATUS } from "../sdk/status";
import type { KeeperAction, KeeperOptions } from "./types";
import type {
  AuctionView,
  FlashQuote,
  HealScan,
  HoldingScan,
  MarketFeedScan,
  PokeScan,
  RebalanceScan,
  RoundScan,
  VaultScan,
} from "./scan";

/** PriceStatus.Live */
export const LIVE = 0n;
/** ConstantsLib.MAX_PAID_REDOS: an auction pays at most this many restarts in its life. */
export const MAX_PAID_REDOS = MAX_PAID_REDOS_BOUND;
/** Take only at price ≤ reference × (1 − spread) [wad]. */
export const DEFAULT_SPREAD = (2n * WAD) / 100n;
/** A flash take's slippage limit on the quoted proceeds [wad]. */
export const DEFAULT_SLIPPAGE = (5n * WAD) / 1000n;
/** Smallest reserve lot worth selling [wad, at the oracle price]. */
export const DEFAULT_MIN_SALE_VALUE = 1000n * WAD;
export const DEFAULT_PAGE_SIZE = 1000;

/** The gas price seen when planning and the cap; undefined when there is no cap. */
export interface GasCheck {
  /** [wei] */
  price: bigint;
  /** [wei] */
  cap: bigint;
}

export interface Skip {
  type: "skip";
  what: string;
  reason: string;
}

/** An action to try: its `KeeperAction` (what `beforeAction` sees) and what executing it needs. */
export type Act<T> = { type: "act"; what: string; action: KeeperAction } & T;

export type Step<T> = Skip | Act<T>;

export type MarketUpdateStep = Step<object>;
export type RecordStep = Step<{ asset: string; symbol: string }>;
export type LiquidationStep = Step<{ vaultId: bigint; debt: bigint; healthFactor: bigint; symbol: string }>;
export type SaleStep = Step<{ token: string; held: bigint; value: bigint; symbol: string; decimals: bigint }>;
export type RedoStep = Step<{ auction: AuctionView }>;
export type HealStep = Step<{ deficit: bigint }>;
export type PokeStep = Step<object>;
export type RebalanceStep = Step<object>;

/** A takeable auction priced within the spread, with its reference price. */
export interface TakeCandidate {
  auction: AuctionView;
  /** [wad] */
  reference: bigint;
}

/** A planned take: at most `maxCollateral` at most at the price seen; `balance` is the BDOL planned to be left before it. */
export type TakeStep =
  | (Skip & { candidate?: TakeCandidate; balance?: bigint })
  | Act<{ candidate: TakeCandidate; maxCollateral: bigint; expectedPaid: bigint; balance: bigint }>;

export type FlashTakeStep = Step<{
  amount: bigint;
  paid: bigint;
  pool: string;
  /** [wad] the FlashTaker's floor on profit: the quote less slippage, less the tab paid. */
  minProfit: bigint;
  /** The quote as the log shows it. */
  quoteLine: string;
}>;

// ====================================================================== options and gas

/** Throws on an option no iteration can run with (the same messages as before the split). */
export function checkOptions(opts: Pick<KeeperOptions, "pageSize" | "spread" | "slippage">): void {
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer: ${pageSize}`);
  const spread = opts.spread ?? DEFAULT_SPREAD;
  if (spread < 0n || spread >= WAD) throw new Error(`spread must be in [0, 1): ${fmtWad(spread, 4)}`);
  const slippage = opts.slippage ?? DEFAULT_SLIPPAGE;
  if (slippage < 0n || slippage >= WAD) throw new Error(`slippage must be in [0, 1): ${fmtWad(slippage, 4)}`);
}

/** The skip reason when the gas price is above the cap, else undefined. */
export function gasCapReason(gas: GasCheck | undefined): string | undefined {
  if (gas === undefined || gas.price <= gas.cap) return undefined;
  return `gas price above cap (${fmtGwei(gas.price)} > ${fmtGwei(gas.cap)} gwei)`;
}

/** `act`, or the gas-cap skip in its place. */
function actOrCapped<T>(gas: GasCheck | undefined, what: string, action: KeeperAction, fields: T): Step<T> {
  const capped = gasCapReason(gas);
  return capped ? skip(what, capped) : ({ type: "act", what, action, ...fields } as Act<T>);
}

// ====================================================================== oracle upkeep

/** BDOL's market feed: its next round when the oracle reads it and its period has passed. */
export function planMarketUpdate(s: MarketFeedScan | undefined, gas?: GasCheck): MarketUpdateStep[] {
  if (!s || !s.read) return [];
  if (s.lastUpdateAt !== 0n && s.lastUpdateAt + s.roundPeriod > s.now) return [];
  return [actOrCapped(gas, "update market feed", { kind: "update", id: 0n, collateral: s.feed }, {})];
}

/**
 * A recording for every asset whose feed moved since the oracle last looked: the primary feed has
 * a round the round history has not processed, or the ratio leg of a composite asset has a round
 * the history has not processed or newer than the circuit breaker's reference. Recording each round
 * keeps that reference fresh, so a crash is judged against the price just before it. A failing
 * feed, and a secondary feed's rounds alone, trigger nothing.
 */
export function planRecords(rounds: RoundScan[], gas?: GasCheck): RecordStep[] {
  const steps: RecordStep[] = [];
  for (const r of rounds) {
    let due = r.primary !== undefined && r.primary.roundId !== r.lastRoundId;
    if (!due && r.ratio?.latest !== undefined) {
      const leg = r.ratio.latest;
      due = leg.roundId !== r.ratio.lastRoundId || leg.updatedAt > r.referenceUpdatedAt;
    }
    if (!due) continue;
    const action: KeeperAction = { kind: "record", id: 0n, collateral: r.asset };
    steps.push(actOrCapped(gas, `record ${r.symbol}`, action, { asset: r.asset, symbol: r.symbol }));
  }
  return steps;
}

// ====================================================================== liquidations and sales

/** Every open vault with health factor < 1, riskiest first; those whose collateral's price is not live are skipped. */
export function planLiquidations(scan: Pick<VaultScan, "vaults" | "collaterals">, gas?: GasCheck): LiquidationStep[] {
  const byToken = new Map(scan.collaterals.map((c) => [c.token.toLowerCase(), c]));
  const unhealthy = scan.vaults.filter((v) => v.owner !== ZERO_ADDRESS && v.debt !== 0n && v.healthFactor < WAD);
  unhealthy.sort((a, b) => (a.healthFactor < b.healthFactor ? -1 : a.healthFactor > b.healthFactor ? 1 : 0));
  return unhealthy.map((v) => {
    const info = byToken.get(v.collateral.toLowerCase());
    const what = `vault ${v.vaultId}`;
    if (!info || info.status !== LIVE) {
      return skip(what, `${info?.symbol ?? v.collateral} price ${statusName(info?.status)}, not live`);
    }
    const action: KeeperAction = { kind: "liquidate", id: v.vaultId, collateral: v.collateral };
    return actOrCapped(gas, what, action, {
      vaultId: v.vaultId,
      debt: v.debt,
      healthFactor: v.healthFactor,
      symbol: info.symbol,
    });
  });
}

/**
 * The debt a liquidation moves to the stability buffer, estimated for a dry run: all of it when the
 * static call started no auction, else what the buffer has left.
 */
export function absorbedEstimate(debt: bigint, auctionId: bigint, bufferLeft: bigint): bigint {
  if (auctionId === 0n) return debt;
  return debt < bufferLeft ? debt : bufferLeft;
}

/** One lot per collateral the reserve holds and has not put on sale, when it is worth at least `minSaleValue` and priced live. */
export function planSales(holdings: HoldingScan[], minSaleValue = DEFAULT_MIN_SALE_VALUE, gas?: GasCheck): SaleStep[] {
  const steps: SaleStep[] = [];
  for (const h of holdings) {
    if (h.held <= 0n) continue;
    const what = `reserve ${h.symbol}`;
    const value = valueDown(h.held, h.decimals, h.price);
    if (value < minSaleValue) {
      steps.push(skip(what, `lot of ${fmtWad(value)} BDOL below the ${fmtWad(minSaleValue)} minimum`));
      continue;
    }
    if (h.status !== LIVE) {
      steps.push(skip(what, `${h.symbol} price ${statusName(h.status)}, not live`));
      continue;
    }
    const action: KeeperAction = { kind: "sell", id: 0n, collateral: h.token };
    steps.push(
      actOrCapped(gas, what, action, { token: h.token, held: h.held, value, symbol: h.symbol, decimals: h.decimals }),
    );
  }
  return steps;
}

// ====================================================================== auctions

/** The lowest auction id that may still be active after this listing. */
export function firstActiveAfter(active: AuctionView[], count: bigint): bigint {
  return active.length ? active[0].auctionId : count + 1n;
}

/**
 * Restarts for the live auctions that need one (not when `redo` is false; not when its restart pay
 * is used up, unless `unpaidRedo`), and the live auctions that need none: the takeable ones.
 */
export function planRedos(
  active: AuctionView[],
  opts: Pick<KeeperOptions, "redo" | "unpaidRedo">,
  gas?: GasCheck,
): { steps: RedoStep[]; takeable: AuctionView[] } {
  const steps: RedoStep[] = [];
  const takeable: AuctionView[] = [];
  for (const a of active) {
    const what = `auction ${a.auctionId}`;
    if (a.oracleStatus !== LIVE) {
      steps.push(skip(what, `${a.symbol} price ${statusName(a.oracleStatus)}, not live`));
      continue;
    }
    if (!a.needsReset) {
      takeable.push(a);
      continue;
    }
    if (opts.redo === false) {
      steps.push(skip(what, "needs a reset (redo disabled)"));
      continue;
    }
    if (!opts.unpaidRedo && a.paidRedos >= MAX_PAID_REDOS) {
      steps.push(skip(what, `needs a reset, but its restart pay is used up (${MAX_PAID_REDOS} paid restarts)`));
      continue;
    }
    const action: KeeperAction = { kind: "redo", id: a.auctionId, collateral: a.collateral };
    steps.push(actOrCapped(gas, what, action, { auction: a }));
  }
  return { steps, takeable };
}

/**
 * Takes paid with the keeper's BDOL. An auction is a candidate when its price is at most
 * reference × (1 − spread); candidates go best discount against the reference first, each sized
 * by `sizeTake` from the BDOL left after the takes before it (each assumed to pay
 * `expectedPaid`, the most it can pay).
 */
export function planTakes(
  takeable: AuctionView[],
  references: bigint[],
  balance: bigint,
  opts: Pick<KeeperOptions, "spread" | "maxTakeBdol">,
  gas?: GasCheck,
): TakeStep[] {
  const spread = opts.spread ?? DEFAULT_SPREAD;
  const steps: TakeStep[] = [];
  const candidates: TakeCandidate[] = [];
  takeable.forEach((auction, i) => {
    const reference = references[i];
    const limit = wadMulDown(reference, WAD - spread);
    if (auction.price > limit) {
      steps.push(
        skip(
          `auction ${auction.auctionId}`,
          `unprofitable: price ${fmtWad(auction.price)} > ${fmtWad(limit)} (reference ${fmtWad(reference)} − ${fmtPct(spread)})`,
        ),
      );
      return;
    }
    candidates.push({ auction, reference });
  });
  candidates.sort((x, y) => {
    // price / reference ascending, compared without division
    const l = x.auction.price * y.reference;
    const r = y.auction.price * x.reference;
    return l < r ? -1 : l > r ? 1 : 0;
  });
  for (const candidate of candidates) {
    const step = planTake(candidate, balance, opts.maxTakeBdol, gas);
    steps.push(step);
    if (step.type === "act") balance -= step.expectedPaid;
  }
  return steps;
}

/**
 * One take from `balance`: the budget is the balance, or `maxTakeBdol` when lower; the most
 * collateral it buys at the price seen (`collateralForBudget`), or a skip when that is nothing.
 * The executor calls it again when the balance actually left differs from the plan's.
 */
export function planTake(
  candidate: TakeCandidate,
  balance: bigint,
  maxTakeBdol: bigint | undefined,
  gas?: GasCheck,
): TakeStep {
  const a = candidate.auction;
  const what = `auction ${a.auctionId}`;
  const budget = maxTakeBdol !== undefined && maxTakeBdol < balance ? maxTakeBdol : balance;
  const maxCollateral = collateralForBudget(budget, a.tab, a.lot, a.decimals, a.price);
  if (maxCollateral === 0n) {
    return { ...skip(what, `BDOL budget ${fmtWad(budget)} buys nothing at ${fmtWad(a.price)}`), candidate, balance };
  }
  const capped = gasCapReason(gas);
  if (capped) return { ...skip(what, capped), candidate, balance };
  const cost = valueUp(maxCollateral, a.decimals, a.price);
  return {
    type: "act",
    what,
    action: { kind: "take", id: a.auctionId, collateral: a.collateral },
    candidate,
    maxCollateral,
    expectedPaid: cost < a.tab ? cost : a.tab,
    balance,
  };
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

/** What a flash take of auction `a` buys (the whole lot, or what the tab is worth at the price, rounded up) and pays. */
export function flashTakeSize(a: Pick<AuctionView, "lot" | "tab" | "price" | "decimals">): {
  amount: bigint;
  paid: bigint;
} {
  const unit = 10n ** a.decimals;
  if (a.price === 0n) return { amount: a.lot, paid: 0n }; // an auction run down to 0 needs a reset first
  const forTab = (a.tab * unit + a.price - 1n) / a.price;
  const amount = forTab < a.lot ? forTab : a.lot;
  const cost = (amount * a.price + unit - 1n) / unit;
  return { amount, paid: cost > a.tab ? a.tab : cost };
}

/**
 * A flash take goes ahead only when the quote (collateral sold into its USDC pool, the USDC swapped
 * at the PSM after its fee), less the slippage limit, the tab paid and the gas at the current
 * price, is a profit; `minProfit` then holds the FlashTaker to the slippage limit.
 */
export function planFlashTake(
  a: AuctionView,
  size: { amount: bigint; paid: bigint },
  quote: FlashQuote,
  opts: { slippage?: bigint; nativePrice: bigint; maxGasPrice?: bigint },
): FlashTakeStep {
  const what = `auction ${a.auctionId}`;
  if (quote.missing !== undefined) {
    return skip(
      what,
      quote.missing === "tools"
        ? "flash take: no FlashTaker, QuoterV2 or PSM deployed"
        : `flash take: no ${a.symbol}/USDC pool`,
    );
  }
  const proceeds = (quote.quoted * 10n ** (18n - quote.stableDecimals) * (WAD - quote.feeIn)) / WAD;
  const slippage = opts.slippage ?? DEFAULT_SLIPPAGE;
  const worst = wadMulDown(proceeds, WAD - slippage);
  const gasCost = wadMulDown(quote.gas * quote.gasPrice, opts.nativePrice);
  const expected = worst - size.paid - gasCost;
  const quoteLine =
    `quote: ${fmtWad(size.amount, 4, Number(a.decimals))} ${a.symbol} → ${fmtWad(quote.quoted, 2, Number(quote.stableDecimals))} USDC ` +
    `→ ${fmtWad(proceeds)} BDOL at the PSM; pays ${fmtWad(size.paid)}; gas ${fmtWad(gasCost)} BDOL; ` +
    `after ${fmtPct(slippage)} slippage ${fmtWad(expected)} BDOL`;
  if (expected <= 0n) return skip(what, `flash take unprofitable after gas and slippage (${quoteLine})`);
  const gas = opts.maxGasPrice === undefined ? undefined : { price: quote.gasPrice, cap: opts.maxGasPrice };
  const action: KeeperAction = { kind: "take", id: a.auctionId, collateral: a.collateral };
  return actOrCapped(gas, what, action, { ...size, pool: quote.pool, minProfit: worst - size.paid, quoteLine });
}

// ====================================================================== reserve and duties

/** Burn the reserve's stablecoin against its deficit when it has both (nothing to heal with yet is not worth a line). */
export function planHeal(s: HealScan, gas?: GasCheck): HealStep[] {
  if (s.deficit === 0n || s.reserveBalance === 0n) return [];
  return [actOrCapped(gas, "heal", { kind: "heal", id: 0n, collateral: s.stablecoin }, { deficit: s.deficit })];
}

/** Poke the risk controller once its interval has passed (by the latest block's timestamp, which its static call runs at). */
export function planPoke(s: PokeScan | undefined, gas?: GasCheck): PokeStep[] {
  if (!s || s.nextPokeAt > s.now) return [];
  return [actOrCapped(gas, "poke", { kind: "poke", id: 0n, collateral: s.controller }, {})];
}

/**
 * Rebalance when it moves something. When it would move nothing because the limit per interval is
 * used up (rebalance then moves nothing and succeeds), say so, so an operator sees why the reserve
 * is off its target.
 */
export function planRebalance(s: RebalanceScan, gas?: GasCheck): RebalanceStep[] {
  const capped = gasCapReason(gas);
  if (capped) return [skip("rebalance", capped)];
  if ("error" in s.preview) return [skip("rebalance", `static call reverted: ${s.preview.error}`)];
  if (s.preview.deposited === 0n && s.preview.withdrawn === 0n) {
    return s.available === 0n ? [skip("rebalance", "limit per interval used up; it refills over the interval")] : [];
  }
  return [{ type: "act", what: "rebalance", action: { kind: "rebalance", id: 0n, collateral: s.reserve } }];
}

// ====================================================================== helpers

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

function skip(what: string, reason: string): Skip {
  return { type: "skip", what, reason };
}

export function statusName(status: bigint | undefined): string {
  return status === undefined ? "unknown" : (PRICE_STATUS[Number(status)] ?? `status ${status}`);
}

function fmtGwei(wei: bigint): string {
  return fmtWad(wei, 3, 9);
}

/**
 * The iteration report and the log: `KeeperLog` records each outcome in the report and writes its
 * line, either the human line (as the README quotes it) or, with `json`, one JSON object per line:
 * `{"time", "level", "event", "dryRun", ...the outcome's fields, "msg": the human line}` with
 * bigints as decimal strings. Also the summary line, the totals over a loop and the profit.
 */
import type { TransactionReceipt } from "ethers";
import { fmtWad } from "../sdk/format";
import { WAD, wadMulDown } from "../sdk/math";
import type { KeeperReport } from "./types";

type Fields = Record<string, unknown>;
type Level = "info" | "warn" | "error";

export function emptyReport(dryRun: boolean): KeeperReport {
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

/** JSON.stringify with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** One structured log line. */
export function jsonLogLine(level: Level, event: string, fields: Fields, msg: string): string {
  return toJson({ time: new Date().toISOString(), level, event, ...fields, msg });
}

/** Records an iteration's outcomes in its report and logs one line for each. */
export class KeeperLog {
  readonly report: KeeperReport;

  constructor(
    private readonly write: (line: string) => void,
    readonly dryRun: boolean,
    private readonly json = false,
  ) {
    this.report = emptyReport(dryRun);
  }

  /** "[dry run] would " in a dry run: every action line starts with it. */
  get prefix(): string {
    return this.dryRun ? "[dry run] would " : "";
  }

  skip(what: string, reason: string): void {
    this.report.skipped.push({ what, reason });
    this.emit("warn", "skip", { what, reason }, `${this.prefix}skip ${what}: ${reason}`);
  }

  /** A sent transaction's gas cost, mined or reverted. */
  spent(receipt: TransactionReceipt): void {
    this.report.gasSpent += gasCost(receipt);
  }

  liquidated(
    entry: KeeperReport["liquidations"][number],
    ctx: { symbol: string; healthFactor: bigint; receipt?: TransactionReceipt },
  ): void {
    this.report.liquidations.push(entry);
    this.emit(
      "info",
      "liquidate",
      { ...entry, healthFactor: ctx.healthFactor },
      `${this.prefix}liquidate vault ${entry.vaultId} (${ctx.symbol}, health ${fmtWad(ctx.healthFactor, 4)}): ` +
        `debt ${fmtWad(entry.debt)} BDOL, absorbed ${fmtWad(entry.absorbedDebt)}, ` +
        `auction ${entry.auctionId === 0n ? "none" : entry.auctionId}, reward ${fmtWad(entry.reward)} BDOL, ` +
        `gas ${entry.gasUsed}${ctx.receipt ? ` (${fmtWad(gasCost(ctx.receipt), 6)} ETH)` : " (estimate)"}`,
    );
  }

  sold(
    entry: KeeperReport["sales"][number],
    ctx: { symbol: string; decimals: bigint; value: bigint; gasUsed: bigint },
  ): void {
    this.report.sales.push(entry);
    this.emit(
      "info",
      "sell",
      { ...entry, value: ctx.value, gasUsed: ctx.gasUsed },
      `${this.prefix}sell reserve ${fmtWad(entry.amount, 4, Number(ctx.decimals))} ${ctx.symbol} ` +
        `(${fmtWad(ctx.value)} BDOL at the oracle) in auction ${entry.auctionId}, gas ${ctx.gasUsed}`,
    );
  }

  redone(entry: KeeperReport["redos"][number], ctx: { symbol: string; price: bigint }): void {
    this.report.redos.push(entry);
    this.emit(
      "info",
      "redo",
      { ...entry, price: ctx.price },
      `${this.prefix}redo auction ${entry.auctionId} (${ctx.symbol}, price ${fmtWad(ctx.price)}: below the floor or too old): ` +
        `restarted, reward ${fmtWad(entry.reward)} BDOL, gas ${entry.gasUsed}`,
    );
  }

  took(entry: KeeperReport["takes"][number], ctx: { symbol: string; decimals: bigint }): void {
    this.report.takes.push(entry);
    this.emit(
      "info",
      "take",
      { ...entry },
      `${this.prefix}take auction ${entry.auctionId}: ${fmtWad(entry.amount, 4, Number(ctx.decimals))} ${ctx.symbol} ` +
        `for ${fmtWad(entry.paid)} BDOL at ${fmtWad(entry.price)} (reference ${fmtWad(entry.referencePrice)}), ` +
        `profit ${fmtWad(entry.profit)} BDOL, gas ${entry.gasUsed}`,
    );
  }

  flashTook(entry: KeeperReport["takes"][number], quoteLine: string): void {
    this.report.takes.push(entry);
    this.emit(
      "info",
      "take",
      { ...entry, flash: true },
      `${this.prefix}flash take auction ${entry.auctionId}: ${quoteLine}; ` +
        `${this.dryRun ? "would keep" : "kept"} ${fmtWad(entry.profit)} BDOL, gas ${entry.gasUsed}`,
    );
  }

  healed(amount: bigint, deficit: bigint, gasUsed: bigint): void {
    this.report.healed = amount;
    this.emit(
      "info",
      "heal",
      { healed: amount, deficit, gasUsed },
      `${this.prefix}heal: burnt ${fmtWad(amount)} BDOL of the reserve against its deficit of ${fmtWad(deficit)}, ` +
        `gas ${gasUsed}`,
    );
  }

  poked(gasUsed: bigint): void {
    this.report.pokes.push({ gasUsed });
    this.emit(
      "info",
      "poke",
      { gasUsed },
      `${this.prefix}poke: risk controller ${this.dryRun ? "due" : "updated"}, gas ${gasUsed}`,
    );
  }

  marketUpdated(entry: KeeperReport["marketUpdates"][number]): void {
    this.report.marketUpdates.push(entry);
    this.emit(
      "info",
      "update",
      { ...entry },
      `${this.prefix}update the market feed: ${entry.live ? "a round recorded" : "the market recorded not live"}`,
    );
  }

  /** A recording has no human line (one per asset and round would drown the log); a JSON event all the same. */
  recorded(entry: KeeperReport["records"][number], symbol: string): void {
    this.report.records.push(entry);
    if (this.json)
      this.write(jsonLogLine("info", "record", { dryRun: this.dryRun, ...entry, symbol }, `record ${symbol}`));
  }

  rebalanced(entry: KeeperReport["rebalances"][number]): void {
    this.report.rebalances.push(entry);
    this.emit(
      "info",
      "rebalance",
      { ...entry },
      `${this.prefix}rebalance: ${entry.deposited} USDC units into strategies, ${entry.withdrawn} out of them, gas ${entry.gasUsed}`,
    );
  }

  /** The summary line that ends an iteration. */
  summary(): void {
    const r = this.report;
    this.emit(
      "info",
      "summary",
      {
        blockNumber: r.blockNumber,
        scannedVaults: r.scannedVaults,
        liquidations: r.liquidations.length,
        takes: r.takes.length,
        redos: r.redos.length,
        sales: r.sales.length,
        skipped: r.skipped.length,
        gasSpent: r.gasSpent,
        realisedProfit: r.realisedProfit,
        expectedProfit: r.expectedProfit,
        ms: r.ms,
      },
      summaryLine(r),
    );
  }

  private emit(level: Level, event: string, fields: Fields, msg: string): void {
    this.write(this.json ? jsonLogLine(level, event, { dryRun: this.dryRun, ...fields }, msg) : msg);
  }
}

/**
 * Profit, once the iteration's actions are in: Σ rewards + Σ take profits, less the gas. Sent:
 * `gasSpent` at the native asset's oracle price (realised). Dry run: the gas estimates at
 * `gasPrice` (expected); nothing is realised.
 */
export function settleProfit(r: KeeperReport, nativePrice: bigint, gasPrice: bigint): void {
  const earned =
    r.liquidations.reduce((s, l) => s + l.reward, 0n) +
    r.redos.reduce((s, l) => s + l.reward, 0n) +
    r.takes.reduce((s, t) => s + t.profit, 0n);
  if (r.dryRun) {
    const gasEstimate = [...r.records, ...r.liquidations, ...r.redos, ...r.takes, ...r.pokes, ...r.rebalances].reduce(
      (s, a) => s + a.gasUsed,
      0n,
    );
    r.expectedProfit = earned - wadMulDown(gasEstimate * gasPrice, nativePrice);
  } else {
    r.realisedProfit = earned - wadMulDown(r.gasSpent, nativePrice);
    r.expectedProfit = r.realisedProfit;
  }
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

function gasCost(receipt: TransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

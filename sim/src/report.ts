/** Output of the crash simulator: sim/out/<scenario>.json, sim/out/<scenario>.svg and the console table. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { table } from "../../lib/sdk";
import type { RunResult, SimResult } from "./simulate";
import { renderSvg } from "./chart";

export const DEFAULT_OUT_DIR = path.join(__dirname, "..", "out");

/** Version of the JSON layout (bump on a breaking change; added fields are not one). */
export const OUTPUT_FORMAT = 1;

/** Writes `<outDir>/<scenario>.json` and `.svg` (the chart, chart.ts); returns their paths. */
export async function writeOutputs(
  result: SimResult,
  outDir = DEFAULT_OUT_DIR,
): Promise<{ json: string; svg: string }> {
  mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `${result.scenario.name}.json`);
  const svg = path.join(outDir, `${result.scenario.name}.svg`);
  const doc = { format: OUTPUT_FORMAT, generatedBy: "npx hardhat sim (sim/src/cli.ts)", ...result };
  writeFileSync(json, JSON.stringify(doc, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
  writeFileSync(svg, await renderSvg(result));
  return { json, svg };
}

/** A run without its per-tick series: what the tables and the README read. */
export type RunSummary = Omit<RunResult, "series">;

/** A scenario's result without the series and the scenario's path (the tables' input; summary.json). */
export interface ResultSummary {
  scenario: { name: string; description?: string };
  parameters: Pick<SimResult["parameters"], "market" | "vaults" | "seed" | "keepersAbsentMinutes"> & {
    /** The collaterals' scenario keys and symbols. */
    assets: { key: string; symbol: string }[];
  };
  setup: Pick<SimResult["setup"], "totalDebt" | "reserveSeed" | "reserveTargetNowAtStart">;
  runs: RunSummary[];
  wallMs: number;
}

/** `<out>/summary.json`: every scenario's totals and timings, from which the README's tables are generated. */
export interface SimSummary {
  format: number;
  generatedBy: string;
  /** The command's options as run. */
  command: {
    scenarios: string[];
    vaults: number;
    keepersAbsentMinutes: number;
    seed: number;
    market: boolean;
    pegKeeper: string;
  };
  /** Wall time of the whole command [ms] (the machine's load shows in it). */
  wallMs: number;
  /** The checks' line ("Checks passed: …" or the failures). */
  checks: string;
  results: ResultSummary[];
}

/** The summary of one scenario's result (drops the series and the scenario's path). */
export function summarize(result: SimResult): ResultSummary {
  const { market, vaults, seed, keepersAbsentMinutes, assets } = result.parameters;
  const { totalDebt, reserveSeed, reserveTargetNowAtStart } = result.setup;
  return {
    scenario: { name: result.scenario.name, description: result.scenario.description },
    parameters: {
      market,
      vaults,
      seed,
      keepersAbsentMinutes,
      assets: assets.map(({ key, symbol }) => ({ key, symbol })),
    },
    setup: { totalDebt, reserveSeed, reserveTargetNowAtStart },
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    runs: result.runs.map(({ series, ...run }) => run),
    wallMs: result.wallMs,
  };
}

/** Writes `<outDir>/summary.json`; returns its path. */
export function writeSummary(summary: SimSummary, outDir = DEFAULT_OUT_DIR): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, "summary.json");
  writeFileSync(file, JSON.stringify(summary, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
  return file;
}

const KEEPERS_LABEL: Record<string, string> = { active: "active", absent: "absent" };

function usd(x: number): string {
  if (x > 0 && x < 0.5) return "< 1";
  return Math.round(x).toLocaleString("en-US");
}

function pct(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(digits)} %`;
}

/** One table row per run. */
export function resultRows(result: ResultSummary): Record<string, string>[] {
  return result.runs.map((r: RunSummary) => {
    const t = r.totals;
    return {
      scenario: result.scenario.name,
      keepers: runLabel(r),
      "vaults liquidated": `${t.vaultsLiquidated}/${result.parameters.vaults}`,
      "debt absorbed": usd(t.debtAbsorbed),
      "debt auctioned": usd(t.debtAuctioned),
      "proceeds / oracle value": pct(t.allAuctions.proceedsToOracle),
      "bad debt": usd(t.badDebt),
      "deficit (uncovered)": `${usd(t.deficit)} (${usd(t.deficitUncovered)})`,
      "lowest reserve ratio": pct(t.lowestReserveRatio.value),
      redos: String(t.redos),
      "takes ≥ floor":
        t.floorCheck.violations.length === 0 ? `yes (${t.floorCheck.takes})` : `NO (${t.floorCheck.violations.length})`,
      "wall s": (r.wallMs / 1000).toFixed(1),
    };
  });
}

/** The keepers' label, and "no peg keeper" for the market model's run without it (the tables without a PegKeeper column). */
function runLabel(r: RunSummary): string {
  return keepersLabel(r) + (r.market && !r.pegKeeper ? ", no peg keeper" : "");
}

function keepersLabel(r: RunSummary): string {
  const absentFor = r.keeperAbsences.reduce((a, [x, y]) => a + (y - x), 0);
  return r.mode === "absent"
    ? `absent ${absentFor >= 60 ? `${+(absentFor / 60).toFixed(2)}h` : `${absentFor}m`}`
    : KEEPERS_LABEL[r.mode];
}

function counts(c: Record<string, number>): string {
  const entries = Object.entries(c).filter(([, n]) => n > 0);
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${n}`).join(", ");
}

/** One row per run: the risk controller, the PSM and the reserve's USDC. */
export function controlRows(result: ResultSummary): Record<string, string>[] {
  return result.runs.map((r: RunSummary) => {
    const c = r.totals.controller;
    const p = r.totals.psm;
    const refused = Object.entries(p.desk.arbitrage.mintRefused).sort((a, b) => b[1] - a[1]);
    const refusedN = refused.reduce((a, [, n]) => a + n, 0);
    return {
      scenario: result.scenario.name,
      keepers: runLabel(r),
      pokes: `${c.pokes}${c.maxPokeGapMinutes === null ? "" : ` (gap ≤ ${Math.round(c.maxPokeGapMinutes)}m)`}`,
      "peak fee": `${pct(c.peakFee.value)} ${c.peakFee.collateral}`,
      "peak borrow ratio": `${pct(c.peakBorrowRatio.value, 1)} ${c.peakBorrowRatio.collateral}`,
      "breaker trips": counts(c.breakerTrips),
      "reserve target at start": usd(result.setup.reserveTargetNowAtStart),
      "bad debt": usd(r.totals.badDebt),
      "PSM minted start → end": `${usd(p.mintedStart)} → ${usd(p.mintedEnd)}`,
      "holders redeemed / asked": `${usd(p.desk.served)} / ${usd(p.desk.asked)}`,
      "arb minted / redeemed": `${usd(p.desk.arbitrage.minted)} / ${usd(p.desk.arbitrage.redeemed)}`,
      "mints refused": refusedN === 0 ? "0" : `${refusedN} (${refused[0][0]})`,
      "max 24h outflow": usd(p.maxOutflow24h),
      "USDC from strategy": usd(p.strategy.withdrawnByRebalance + p.strategy.withdrawnForRedemptions),
      "lowest liquid USDC": usd(p.lowestUsdcLiquid.value),
    };
  });
}

function signedPct(x: number, digits = 2): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(digits)} %`;
}

function minutes(x: number): string {
  return x >= 120 ? `${(x / 60).toFixed(1)}h` : `${Math.round(x)}m`;
}

/** The collateral pool the takes left furthest from the scenario's price at the end of a tick, and how far. */
function largestPoolGap(result: ResultSummary, collateral: Record<string, { largestGap: { gap: number } }>): string {
  const [key, worst] = Object.entries(collateral).reduce((a, b) =>
    Math.abs(b[1].largestGap.gap) > Math.abs(a[1].largestGap.gap) ? b : a,
  );
  const symbol = result.parameters.assets.find((a) => a.key === key)?.symbol ?? key;
  return `${signedPct(worst.largestGap.gap)} ${symbol}`;
}

/** One row per run of the market model: BDOL's peg, the PegKeeper, the takers' slippage, bad debt. */
export function marketRows(result: ResultSummary): Record<string, string>[] {
  return result.runs
    .filter((r) => r.market !== undefined)
    .map((r: RunSummary) => {
      const m = r.market!;
      const b = m.bdol;
      const k = m.pegKeeperTotals;
      return {
        scenario: result.scenario.name,
        keepers: keepersLabel(r),
        "peg keeper": r.pegKeeper ? "yes" : "no",
        "largest spot / TWAP deviation": `${signedPct(b.largestDeviation.spot.deviation)} / ${signedPct(b.largestDeviation.twap.deviation)}`,
        "spot off > 0.5 % / > 1 %": `${minutes(b.minutesOutside.spot05)} / ${minutes(b.minutesOutside.spot1)}`,
        "TWAP off > 0.5 % / > 1 %": `${minutes(b.minutesOutside.twap05)} / ${minutes(b.minutesOutside.twap1)}`,
        "spot at end": b.spotAtEnd.toFixed(4),
        "vs scripted (mean / max)": b.scriptedGap
          ? `${b.scriptedGap.mean.toFixed(4)} / ${b.scriptedGap.max.toFixed(4)}`
          : "–",
        "keeper minted / bought": r.pegKeeper ? `${usd(k.minted)} / ${usd(k.bought)}` : "–",
        "reserve bought back (gain)": r.pegKeeper
          ? `${usd(k.reserveBoughtBack)} (${usd(k.reserveBoughtBack - k.reserveQuoteSpent)})`
          : "–",
        "keeper max debt": r.pegKeeper ? usd(k.maxDebt) : "–",
        "keeper profit": r.pegKeeper ? usd(k.profit) : "–",
        "flash takes (slippage)": `${m.takers.flashTakes} (${usd(m.takers.slippagePaid)}, ${pct(m.takers.slippageShare)})`,
        "largest pool gap": largestPoolGap(result, m.collateral),
        "bad debt": usd(r.totals.badDebt),
      };
    });
}

/** Prints the summary tables for one or more scenarios: liquidations, then controller and PSM, then markets. */
export function printTable(results: ResultSummary[]): void {
  table(
    "Crash simulator (amounts in BDOL; proceeds / oracle value over vault auctions and reserve sales)",
    results.flatMap(resultRows),
  );
  table(
    "Risk controller and PSM (fees annual; reserve target = the controller's stress-loss estimate on the starting " +
      "book, vs the bad debt measured; PSM amounts in BDOL or USDC)",
    results.flatMap(controlRows),
  );
  const markets = results.flatMap(marketRows);
  if (markets.length > 0) {
    table(
      "Markets (BDOL in USD; deviations from $1; time off peg in minutes or hours; keeper amounts in BDOL, profit in " +
        "USD; slippage = oracle value of the collateral flash takes sold − the USDC it fetched)",
      markets,
    );
  }
}

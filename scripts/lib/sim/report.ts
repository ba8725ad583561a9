/** Output of the crash simulator: sim/out/<scenario>.json, sim/out/<scenario>.svg and the console table. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { table } from "../format";
import type { RunResult, SimResult } from "./simulate";
import { renderSvg } from "./svg";

export const DEFAULT_OUT_DIR = path.join(__dirname, "..", "..", "..", "sim", "out");

/** Version of the JSON layout (bump on a breaking change). */
export const OUTPUT_FORMAT = 1;

/** Writes `<outDir>/<scenario>.json` and `.svg`; returns their paths. */
export function writeOutputs(result: SimResult, outDir = DEFAULT_OUT_DIR): { json: string; svg: string } {
  mkdirSync(outDir, { recursive: true });
  const json = path.join(outDir, `${result.scenario.name}.json`);
  const svg = path.join(outDir, `${result.scenario.name}.svg`);
  const doc = { format: OUTPUT_FORMAT, generatedBy: "npm run sim (scripts/sim.ts)", ...result };
  writeFileSync(json, JSON.stringify(doc, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
  writeFileSync(svg, renderSvg(result));
  return { json, svg };
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
export function resultRows(result: SimResult): Record<string, string>[] {
  return result.runs.map((r: RunResult) => {
    const t = r.totals;
    const absentFor = r.keeperAbsences.reduce((a, [x, y]) => a + (y - x), 0);
    return {
      scenario: result.scenario.name,
      keepers:
        r.mode === "absent"
          ? `absent ${absentFor >= 60 ? `${+(absentFor / 60).toFixed(2)}h` : `${absentFor}m`}`
          : KEEPERS_LABEL[r.mode],
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

/** Prints the summary table for one or more scenarios. */
export function printTable(results: SimResult[]): void {
  table(
    "Crash simulator (amounts in BDOL; proceeds / oracle value over vault auctions and reserve sales)",
    results.flatMap(resultRows),
  );
}

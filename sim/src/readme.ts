/**
 * The README's simulator tables, generated from a committed results file: `sim/results/summary.json`
 * is the `summary.json` a real run writes (`npm run sim -- --vaults 200 --out <dir>`, then copied),
 * and each `<!-- sim:ID -->` … `<!-- /sim -->` block of README.md is rendered from it with the row
 * functions the console tables use (report.ts), then formatted by prettier as the README is.
 * `npm run docs:sim` writes the blocks; `npm run docs:sim -- --check` and test/sim/Readme.test.ts
 * fail when the README differs from the file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { OUTPUT_FORMAT, controlRows, marketRows, resultRows, type SimSummary } from "./report";
import { listScenarios } from "./scenario";

export const README = path.join(__dirname, "..", "..", "README.md");
export const RESULTS = path.join(__dirname, "..", "results", "summary.json");

const BLOCK = /<!-- sim:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/sim -->/g;

/** The committed summary; refused when it is not a simulator summary of this format. */
export function loadSummary(file = RESULTS): SimSummary {
  const summary = JSON.parse(readFileSync(file, "utf8")) as SimSummary;
  if (summary.format !== OUTPUT_FORMAT || !Array.isArray(summary.results)) {
    throw new Error(`${file} is not a simulator summary (format ${OUTPUT_FORMAT})`);
  }
  return summary;
}

/** Rows of strings as a Markdown table (prettier aligns it). */
export function markdownTable(rows: Record<string, string>[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns = Object.keys(rows[0]);
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${columns.map(cell).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c] ?? "")).join(" | ")} |`),
  ].join("\n");
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const seconds = (ms: number) => `${Math.round(ms / 1000).toLocaleString("en-US")} s`;

/** The command that reproduces the run (options that differ from the defaults). */
export function commandOf(summary: SimSummary): string {
  const c = summary.command;
  const all = listScenarios();
  const words = ["npm run sim --"];
  if (c.scenarios.length !== all.length || c.scenarios.some((s, i) => s !== all[i])) {
    words.push(...c.scenarios.map((s) => `--scenario ${s}`));
  }
  if (c.vaults !== 500) words.push(`--vaults ${c.vaults}`);
  if (c.keepersAbsentMinutes !== 60) words.push(`--keepers-absent ${c.keepersAbsentMinutes}`);
  if (c.seed !== 1) words.push(`--seed ${c.seed}`);
  if (!c.market) words.push("--market off");
  else if (c.pegKeeper !== "both") words.push(`--peg-keeper ${c.pegKeeper}`);
  return words.join(" ");
}

/** Each block's Markdown, by id. */
export function simBlocks(summary: SimSummary): Map<string, string> {
  const runs = summary.results.reduce((n, r) => n + r.runs.length, 0);
  const debt = summary.results[0]?.setup.totalDebt ?? 0;
  const run = [
    `\`${commandOf(summary)}\`: ${plural(summary.results.length, "scenario")}, ${plural(runs, "run")}, ` +
      `${summary.command.vaults} vaults (${Math.round(debt).toLocaleString("en-US")} BDOL of debt), ` +
      `${seconds(summary.wallMs)} in all — ` +
      summary.results.map((r) => `${r.scenario.name} ${seconds(r.wallMs)}`).join(", ") +
      ".",
    "",
    summary.checks,
  ].join("\n");
  return new Map([
    ["sim-run", run],
    ["sim-liquidations", markdownTable(summary.results.flatMap(resultRows))],
    ["sim-controls", markdownTable(summary.results.flatMap(controlRows))],
    ["sim-markets", markdownTable(summary.results.flatMap(marketRows))],
  ]);
}

/** The README with every sim block rendered from `summary` and prettier-formatted; the ids written and missing. */
export async function renderReadme(
  text: string,
  summary: SimSummary,
  file = README,
): Promise<{ text: string; written: string[]; missing: string[] }> {
  const blocks = simBlocks(summary);
  const written: string[] = [];
  const replaced = text.replace(BLOCK, (whole, id: string) => {
    const body = blocks.get(id);
    if (body === undefined) throw new Error(`README: <!-- sim:${id} --> is not a simulator block`);
    written.push(id);
    return `<!-- sim:${id} -->\n\n${body}\n\n<!-- /sim -->`;
  });
  const options = { ...((await resolveConfig(file)) ?? {}), filepath: file };
  const missing = [...blocks.keys()].filter((id) => !written.includes(id));
  return { text: await format(replaced, options), written, missing };
}

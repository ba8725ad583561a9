/**
 * The campaign's results: `mutation/report.json` (kept across runs: a run replaces the results of
 * the mutants it ran, and drops a contract's old results when its source changed) and
 * `mutation/report.md` rendered from it. `mutation/accepted.json` marks surviving mutants as
 * equivalent or accepted, with a reason; the score is given raw and net of those.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Operator } from "./operators";

export type Status = "killed" | "timeout" | "survived" | "invalid" | "equivalent";

export interface MutantResult {
  id: string;
  index: number;
  operator: Operator;
  line: number;
  description: string;
  originalLine: string;
  mutatedLine: string;
  status: Status;
  /** Wall time for this mutant: compile + tests (+ forge). */
  seconds: number;
  compileSeconds: number;
  /** Killed: the first failing test; invalid: the compiler's or the size check's message. */
  detail?: string;
  /** Which suite killed it: `mocha` or `forge`. */
  killedBy?: "mocha" | "forge";
}

export interface ContractReport {
  contract: string;
  source: string;
  sourceSha256: string;
  commit: string;
  /** Whether contracts/ had uncommitted changes when this contract was last run. */
  contractsDirty: boolean;
  updatedAt: string;
  seed: number;
  operators: Operator[];
  tests: string[];
  missingTests: string[];
  forge: string[];
  baselineSeconds: { compile: number; tests: number; forge?: number };
  timeoutSeconds: number;
  /** Mutants the selected operators generate for this source. */
  generated: number;
  results: MutantResult[];
}

export interface Report {
  contracts: Record<string, ContractReport>;
}

export interface AcceptedEntry {
  /** The mutant's id when it was accepted (informational: ids move when the source changes). */
  id: string;
  /** `originalLine` and `mutatedLine` of the mutant, as in report.json: what the entry matches. */
  original: string;
  mutated: string;
  reason: string;
}

export interface Summary {
  generated: number;
  run: number;
  killed: number;
  timeout: number;
  survived: number;
  accepted: number;
  invalid: number;
  equivalent: number;
  /** (killed + timeout) / (killed + timeout + survived), in percent; null when nothing counted. */
  scoreRaw: number | null;
  /** The same with accepted survivors left out of the denominator. */
  scoreNet: number | null;
}

export function loadReport(file: string): Report {
  if (!existsSync(file)) return { contracts: {} };
  const parsed = JSON.parse(readFileSync(file, "utf8"));
  const contracts: Record<string, ContractReport & { summary?: Summary }> = parsed.contracts ?? {};
  // The summary is written for readers and recomputed on every write.
  for (const c of Object.values(contracts)) delete c.summary;
  return { contracts };
}

export function loadAccepted(file: string): AcceptedEntry[] {
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, "utf8"));
  const entries: AcceptedEntry[] = parsed.accepted ?? [];
  for (const e of entries) {
    if (!e.id || !e.original || e.mutated === undefined || !e.reason) {
      throw new Error(`${file}: every entry needs id, original, mutated and reason (${JSON.stringify(e)})`);
    }
  }
  return entries;
}

/** The accepted entry matching a result (same contract, same original and mutated line), if any. */
export function acceptedFor(result: MutantResult, accepted: AcceptedEntry[]): AcceptedEntry | undefined {
  const contract = result.id.split("#")[0];
  return accepted.find(
    (e) => e.id.split("#")[0] === contract && e.original === result.originalLine && e.mutated === result.mutatedLine,
  );
}

export function summarize(report: ContractReport, accepted: AcceptedEntry[]): Summary {
  const count = (s: Status) => report.results.filter((r) => r.status === s).length;
  const killed = count("killed");
  const timeout = count("timeout");
  const survived = count("survived");
  const acceptedCount = report.results.filter((r) => r.status === "survived" && acceptedFor(r, accepted)).length;
  const pct = (num: number, den: number) => (den > 0 ? Math.round((1000 * num) / den) / 10 : null);
  return {
    generated: report.generated,
    run: report.results.length,
    killed,
    timeout,
    survived,
    accepted: acceptedCount,
    invalid: count("invalid"),
    equivalent: count("equivalent"),
    scoreRaw: pct(killed + timeout, killed + timeout + survived),
    scoreNet: pct(killed + timeout, killed + timeout + survived - acceptedCount),
  };
}

/** Puts `results` into the report's entry for `contract`, replacing results with the same id. */
export function mergeResults(report: Report, entry: Omit<ContractReport, "results">, results: MutantResult[]): void {
  const old = report.contracts[entry.contract];
  const kept = old && old.sourceSha256 === entry.sourceSha256 ? old.results : [];
  const byId = new Map(kept.map((r) => [r.id, r]));
  for (const r of results) byId.set(r.id, r);
  report.contracts[entry.contract] = {
    ...entry,
    results: [...byId.values()].sort((a, b) => a.index - b.index),
  };
}

const fmtScore = (s: number | null) => (s === null ? "—" : `${s.toFixed(1)} %`);
const code = (s: string) => (s === "" ? "(deleted)" : `\`${s.replace(/`/g, "'").replace(/\|/g, "\\|")}\``);
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(report: Report, accepted: AcceptedEntry[]): string {
  const names = Object.keys(report.contracts);
  const out: string[] = [];
  out.push("# Mutation report", "");
  out.push(
    "Written by `npm run mutate` (scripts/mutate.ts). Score = killed / (killed + survived), timeouts " +
      "counted as killed; the net score leaves out survivors marked equivalent or accepted in " +
      "`mutation/accepted.json`. Invalid mutants (do not compile, or exceed the contract size limit) and " +
      "equivalent ones (same bytecode as the original) are not counted.",
    "",
  );
  out.push(
    "| contract | generated | run | killed | timeout | survived | accepted | invalid | equivalent | score | net score |",
  );
  out.push("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |");
  for (const name of names) {
    const s = summarize(report.contracts[name], accepted);
    out.push(
      `| ${name} | ${s.generated} | ${s.run} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.accepted} | ` +
        `${s.invalid} | ${s.equivalent} | ${fmtScore(s.scoreRaw)} | ${fmtScore(s.scoreNet)} |`,
    );
  }
  for (const name of names) {
    const c = report.contracts[name];
    out.push("", `## ${name}`, "");
    const timing = c.results.filter((r) => r.status !== "invalid" && r.status !== "equivalent");
    const mean = timing.length ? timing.reduce((a, r) => a + r.seconds, 0) / timing.length : 0;
    out.push(
      `- source: \`${c.source}\` (sha256 ${c.sourceSha256.slice(0, 12)}…), commit ${c.commit.slice(0, 10)}` +
        `${c.contractsDirty ? " with uncommitted changes in contracts/" : ""}; run ${c.updatedAt}`,
      `- operators: ${c.operators.join(", ")}; seed ${c.seed}`,
      `- tests: ${c.tests.map((t) => `\`${t}\``).join(", ")}` +
        (c.missingTests.length ? ` (not found, skipped: ${c.missingTests.map((t) => `\`${t}\``).join(", ")})` : ""),
      `- forge: ${c.forge.length ? c.forge.map((t) => `\`${t}\``).join(", ") : "not run"}` +
        (c.forge.length
          ? `; mutants only forge killed: ${c.results.filter((r) => r.killedBy === "forge").length}`
          : ""),
      `- baseline: compile ${c.baselineSeconds.compile.toFixed(1)} s, tests ${c.baselineSeconds.tests.toFixed(1)} s` +
        `${c.baselineSeconds.forge !== undefined ? `, forge ${c.baselineSeconds.forge.toFixed(1)} s` : ""}; ` +
        `timeout ${c.timeoutSeconds.toFixed(0)} s; mean ${mean.toFixed(1)} s per compiled mutant`,
      "",
    );
    const ops = [...new Set(c.results.map((r) => r.operator))];
    out.push(
      "| operator | killed | timeout | survived | invalid | equivalent |",
      "| --- | --: | --: | --: | --: | --: |",
    );
    for (const op of ops) {
      const of = (s: Status) => c.results.filter((r) => r.operator === op && r.status === s).length;
      out.push(
        `| ${op} | ${of("killed")} | ${of("timeout")} | ${of("survived")} | ${of("invalid")} | ${of("equivalent")} |`,
      );
    }
    const survivors = c.results.filter((r) => r.status === "survived");
    out.push("", survivors.length ? "Surviving mutants:" : "No surviving mutant.", "");
    if (survivors.length) {
      out.push("| id | where | operator | original | mutated | status |", "| --- | --- | --- | --- | --- | --- |");
      for (const r of survivors) {
        const a = acceptedFor(r, accepted);
        out.push(
          `| ${r.id} | ${c.source}:${r.line} | ${r.operator} | ${code(r.originalLine)} | ${code(r.mutatedLine)} | ` +
            `${a ? `survived (accepted: ${cell(a.reason)})` : "survived"} |`,
        );
      }
    }
    const odd = c.results.filter((r) => r.status === "invalid" || r.status === "equivalent");
    if (odd.length) {
      out.push("", "Not counted:", "", "| id | where | status | why |", "| --- | --- | --- | --- |");
      for (const r of odd) {
        out.push(`| ${r.id} | ${c.source}:${r.line} | ${r.status} | ${cell(r.detail ?? "")} |`);
      }
    }
  }
  const matched = new Set<AcceptedEntry>();
  for (const c of Object.values(report.contracts)) {
    for (const r of c.results) {
      const a = acceptedFor(r, accepted);
      if (a) matched.add(a);
    }
  }
  const unmatched = accepted.filter((e) => !matched.has(e));
  if (unmatched.length) {
    out.push("", "## Accepted entries with no matching mutant in this report", "");
    out.push("Not run in this report, or stale (the line changed): check them.", "");
    for (const e of unmatched) out.push(`- ${e.id}: ${code(e.original)} → ${code(e.mutated)} (${cell(e.reason)})`);
  }
  return out.join("\n") + "\n";
}

/** Writes report.json and report.md into `dir`, formatted with the project's prettier config. */
export async function writeReport(dir: string, report: Report, accepted: AcceptedEntry[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const withSummary = {
    contracts: Object.fromEntries(
      Object.entries(report.contracts).map(([name, c]) => [name, { summary: summarize(c, accepted), ...c }]),
    ),
  };
  const files: [string, string][] = [
    [path.join(dir, "report.json"), JSON.stringify(withSummary, null, 2) + "\n"],
    [path.join(dir, "report.md"), renderMarkdown(report, accepted)],
  ];
  for (const [file, text] of files) writeFileSync(file, await prettify(file, text));
}

async function prettify(file: string, text: string): Promise<string> {
  try {
    const prettier = await import("prettier");
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text;
  }
}

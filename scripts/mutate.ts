/**
 * `npm run mutate -- [options]`: mutation testing of the core contracts. Each mutant is a small
 * deliberate bug (a flipped comparison, the other rounding direction, a deleted revert…); it is
 * compiled and the tests that cover its contract run against it. A mutant the tests do not notice
 * ("survived") points at behaviour no test pins down.
 *
 *   --contract <Name>      contract to mutate (repeat or comma-separate; default: the six core
 *                          contracts). Also MathLib, CollateralLib.
 *   --operators <list>     default | all | comma-separated names (see --list-operators)
 *   --seed <n>             order in which mutants run (a seeded shuffle; default 1), so a
 *                          budget or --max samples uniformly and reproducibly
 *   --max <n>              at most n mutants per contract (the first n of the seeded order)
 *   --budget <minutes>     stop starting new mutants of a contract after this long (baseline included)
 *   --total-budget <min>   the same over the whole run
 *   --only <id>            run only this mutant (repeatable), e.g. --only PegStabilityModule#042
 *   --resume               skip mutants that already have a result for the same source in the report
 *   --list                 print the mutants and exit (nothing compiled or run)
 *   --render               rewrite report.md from report.json and accepted.json, run nothing
 *   --list-operators       print the operators and exit
 *   --tests <files>        use these mocha files instead of the contract's list (comma-separated)
 *   --forge                also run the contract's forge suites on mutants that survive mocha (slow)
 *   --cold                 a fresh `hardhat test` process per mutant instead of the warm mocha
 *                          process (slower: Hardhat's start-up is paid per mutant)
 *   --timeout-factor <x>   a mutant's tests time out after max(x × baseline, baseline + 30 s) (default 3)
 *   --no-compile           do not run `hardhat compile` first (the artifacts must be up to date)
 *   --keep                 keep the temporary workspace (its path is printed)
 *   --out <dir>            report directory (default mutation)
 *
 * Mutants run in a temporary copy of the project, never in the working tree. Results go to
 * mutation/report.json and mutation/report.md; mutation/accepted.json marks survivors as
 * equivalent or accepted, with a reason.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

import {
  CompileError,
  MAX_INITCODE_BYTES,
  MAX_RUNTIME_BYTES,
  SolcWorker,
  codeSizes,
  compileSelection,
  deployableContracts,
  dependentsOf,
  loadBuildInput,
  stripMetadata,
} from "./lib/mutate/compiler";
import { tokenize } from "./lib/mutate/lexer";
import {
  DEFAULT_OPERATORS,
  OPERATORS,
  OPERATOR_HELP,
  type Mutant,
  type Operator,
  applyMutant,
  declaredFunctions,
  generateMutants,
} from "./lib/mutate/operators";
import {
  type ContractReport,
  type MutantResult,
  loadAccepted,
  loadReport,
  mergeResults,
  summarize,
  writeReport,
} from "./lib/mutate/report";
import { TARGETS, type Target, findTarget } from "./lib/mutate/targets";
import {
  Interrupted,
  type TestRun,
  WarmRunner,
  hardhatTestCommand,
  killActiveCommands,
  runCommand,
} from "./lib/mutate/testrun";
import { Workspace } from "./lib/mutate/workspace";

const ROOT = path.resolve(__dirname, "..");
/** Set by Ctrl-C / SIGTERM: the run stops, keeping the results recorded so far. */
let interrupted = false;

interface Options {
  contracts: Target[];
  operators: Operator[];
  seed: number;
  max: number;
  budgetMinutes: number;
  totalBudgetMinutes: number;
  only: string[];
  resume: boolean;
  list: boolean;
  render: boolean;
  tests?: string[];
  forge: boolean;
  cold: boolean;
  timeoutFactor: number;
  compile: boolean;
  keep: boolean;
  out: string;
}

function usage(code: number): never {
  const source = readFileSync(__filename, "utf8");
  const text = source
    .slice(0, source.indexOf(" */"))
    .split("\n")
    .filter((l) => l.startsWith(" *"))
    .map((l) => l.replace(/^ \* ?/, ""))
    .join("\n");
  (code === 0 ? console.log : console.error)(text);
  process.exit(code);
}

function fail(message: string): never {
  console.error(`mutate: ${message}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    contracts: [],
    operators: [...DEFAULT_OPERATORS],
    seed: 1,
    max: Infinity,
    budgetMinutes: Infinity,
    totalBudgetMinutes: Infinity,
    only: [],
    resume: false,
    list: false,
    render: false,
    forge: false,
    cold: false,
    timeoutFactor: 3,
    compile: true,
    keep: false,
    out: "mutation",
  };
  const names: string[] = [];
  const positive = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) fail(`${flag} needs a positive number, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--contract":
        names.push(...next().split(","));
        break;
      case "--operators": {
        const list = next().split(",");
        const chosen = new Set<Operator>();
        for (const name of list) {
          if (name === "default") DEFAULT_OPERATORS.forEach((o) => chosen.add(o));
          else if (name === "all") OPERATORS.forEach((o) => chosen.add(o));
          else if ((OPERATORS as readonly string[]).includes(name)) chosen.add(name as Operator);
          else fail(`unknown operator "${name}" (see --list-operators)`);
        }
        opts.operators = OPERATORS.filter((o) => chosen.has(o));
        break;
      }
      case "--seed":
        opts.seed = Math.floor(Number(next()));
        if (!Number.isSafeInteger(opts.seed)) fail("--seed needs an integer");
        break;
      case "--max":
        opts.max = Math.floor(positive(arg, next()));
        break;
      case "--budget":
        opts.budgetMinutes = positive(arg, next());
        break;
      case "--total-budget":
        opts.totalBudgetMinutes = positive(arg, next());
        break;
      case "--only":
        opts.only.push(...next().split(","));
        break;
      case "--resume":
        opts.resume = true;
        break;
      case "--list":
        opts.list = true;
        break;
      case "--render":
        opts.render = true;
        break;
      case "--list-operators":
        for (const o of OPERATORS) {
          console.log(`${o.padEnd(16)} ${DEFAULT_OPERATORS.includes(o) ? "default" : "opt-in "}  ${OPERATOR_HELP[o]}`);
        }
        process.exit(0);
        break;
      case "--tests":
        opts.tests = next().split(",");
        break;
      case "--forge":
        opts.forge = true;
        break;
      case "--cold":
        opts.cold = true;
        break;
      case "--timeout-factor":
        opts.timeoutFactor = positive(arg, next());
        break;
      case "--no-compile":
        opts.compile = false;
        break;
      case "--keep":
        opts.keep = true;
        break;
      case "--out":
        opts.out = next();
        break;
      case "--help":
      case "-h":
        usage(0);
        break;
      default:
        console.error(`mutate: unknown argument "${arg}"\n`);
        usage(2);
    }
  }
  for (const id of opts.only) {
    if (!/^\w+#\d+$/.test(id)) fail(`--only takes a mutant id such as PegStabilityModule#042, got "${id}"`);
    names.push(id.split("#")[0]);
  }
  const unique = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  opts.contracts = unique.length
    ? unique.map((n) => findTarget(n) ?? fail(`unknown contract "${n}" (see scripts/lib/mutate/targets.ts)`))
    : TARGETS;
  return opts;
}

/** Deterministic shuffle (mulberry32), so a seed always gives the same order. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function solidityFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return solidityFiles(full);
    return name.endsWith(".sol") ? [full] : [];
  });
}

/** Every function name declared under contracts/ (for the rounding operator's Up/Down pairs). */
function knownFunctions(): Set<string> {
  const names = new Set<string>();
  for (const file of solidityFiles(path.join(ROOT, "contracts"))) {
    for (const name of declaredFunctions(tokenize(readFileSync(file, "utf8")))) names.add(name);
  }
  return names;
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

interface Plan {
  target: Target;
  source: string;
  sha: string;
  generated: number;
  mutants: Mutant[];
}

function plan(opts: Options, known: Set<string>): Plan[] {
  const report = loadReport(path.resolve(ROOT, opts.out, "report.json"));
  return opts.contracts.map((target) => {
    const source = readFileSync(path.join(ROOT, target.source), "utf8");
    const sha = createHash("sha256").update(source).digest("hex");
    const all = generateMutants(source, { contract: target.name, knownFunctions: known });
    const selected = all.filter((m) => opts.operators.includes(m.operator));
    let mutants: Mutant[];
    if (opts.only.length) {
      mutants = all.filter((m) => opts.only.includes(m.id));
      const missing = opts.only.filter((id) => id.startsWith(`${target.name}#`) && !mutants.some((m) => m.id === id));
      if (missing.length) fail(`no mutant ${missing.join(", ")} in the current ${target.source}`);
    } else {
      mutants = shuffled(selected, opts.seed);
      if (opts.resume) {
        const previous = report.contracts[target.name];
        const done = new Set(previous?.sourceSha256 === sha ? previous.results.map((r) => r.id) : []);
        mutants = mutants.filter((m) => !done.has(m.id));
      }
      mutants = mutants.slice(0, opts.max);
    }
    return { target, source, sha, generated: selected.length, mutants };
  });
}

const seconds = (ms: number) => ms / 1000;
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) {
    const dir = path.resolve(ROOT, opts.out);
    await writeReport(dir, loadReport(path.join(dir, "report.json")), loadAccepted(path.join(dir, "accepted.json")));
    console.log(`Rewrote ${path.join(opts.out, "report.md")} and report.json`);
    return;
  }
  const known = knownFunctions();
  const plans = plan(opts, known);

  if (opts.list) {
    for (const p of plans) {
      console.log(`${p.target.name} (${p.target.source}): ${p.generated} mutants, ${p.mutants.length} selected`);
      for (const m of [...p.mutants].sort((a, b) => a.index - b.index)) {
        console.log(`  ${m.id} line ${m.line} ${pad(m.operator, 14)} ${m.description}`);
        console.log(`      - ${m.originalLine}`);
        console.log(`      + ${m.mutatedLine || "(deleted)"}`);
      }
    }
    return;
  }

  if (opts.compile) {
    console.log("Compiling (hardhat compile)…");
    const compiled = await runCommand(
      [process.execPath, require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] }), "compile"],
      ROOT,
      0,
    );
    if (!compiled.passed) fail(`hardhat compile failed:\n${compiled.output}`);
  }
  const commit = git(["rev-parse", "HEAD"]);
  const contractsDirty = git(["status", "--porcelain", "--", "contracts"]) !== "";
  if (contractsDirty) {
    console.log("Note: contracts/ has uncommitted changes; they are mutated as they are (the report says so).");
  }
  const acceptedFile = path.resolve(ROOT, opts.out, "accepted.json");
  const accepted = loadAccepted(acceptedFile);
  const reportFile = path.resolve(ROOT, opts.out, "report.json");

  const ws = Workspace.create(ROOT);
  const solc = new SolcWorker(ROOT);
  console.log(`Workspace: ${ws.dir}`);
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    killActiveCommands();
    if (!opts.keep) ws.remove();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      cleanup();
      process.exit(130);
    }
    interrupted = true;
    console.log(`\n${signal}: stopping (the report keeps the mutants already run)…`);
    killActiveCommands();
    void solc.close();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", cleanup);

  const runStart = Date.now();
  const totalBudgetMs = opts.totalBudgetMinutes * 60_000;
  try {
    for (const p of plans) {
      if (interrupted || Date.now() - runStart >= totalBudgetMs) break;
      await runContract(
        p,
        opts,
        ws,
        solc,
        { commit, contractsDirty, accepted, reportFile, runStart, totalBudgetMs },
        () => interrupted,
      );
    }
  } finally {
    await solc.close();
    cleanup();
  }
  const report = loadReport(reportFile);
  console.log("");
  for (const p of plans) {
    const c = report.contracts[p.target.name];
    if (!c) continue;
    const s = summarize(c, accepted);
    const net = s.accepted ? `, net ${s.scoreNet} %` : "";
    console.log(
      `${p.target.name}: ${s.run}/${s.generated} run, ${s.killed} killed, ${s.timeout} timeout, ${s.survived} survived ` +
        `(${s.accepted} accepted), ${s.invalid} invalid, ${s.equivalent} equivalent: score ${s.scoreRaw ?? "—"} %${net}`,
    );
  }
  console.log(`Report: ${path.join(opts.out, "report.md")} (and report.json)`);
  if (interrupted) process.exit(130);
}

interface RunContext {
  commit: string;
  contractsDirty: boolean;
  accepted: ReturnType<typeof loadAccepted>;
  reportFile: string;
  runStart: number;
  totalBudgetMs: number;
}

async function runContract(
  p: Plan,
  opts: Options,
  ws: Workspace,
  solc: SolcWorker,
  ctx: RunContext,
  isInterrupted: () => boolean,
): Promise<void> {
  const { target } = p;
  const started = Date.now();
  const budgetMs = opts.budgetMinutes * 60_000;
  console.log(`\n== ${target.name} (${target.source}): ${p.mutants.length} of ${p.generated} mutants`);
  if (p.mutants.length === 0) return;

  // What a mutant of this file can change: its contracts and those of every file importing it.
  const input = loadBuildInput(ROOT, target.source);
  if (input.sources[target.source].content !== p.source) {
    fail(`the artifacts are older than ${target.source}: run \`npx hardhat compile\` (or drop --no-compile)`);
  }
  const files = [target.source, ...dependentsOf(input, target.source).filter((f) => !f.startsWith("@"))];
  const selection = files.flatMap((f) => deployableContracts(ROOT, f).map((name) => `${f}:${name}`));

  let t = Date.now();
  const baseline = await compileSelection(solc, input, target.source, p.source, selection);
  const compileBaseline = seconds(Date.now() - t);
  const baselineCode = new Map<string, string>();
  for (const [key, code] of baseline.contracts) {
    baselineCode.set(key, stripMetadata(code));
    const [file, name] = key.split(":");
    const artifact = JSON.parse(readFileSync(path.join(ROOT, "artifacts", file, `${name}.json`), "utf8"));
    if (code.bytecode !== artifact.bytecode || code.deployedBytecode !== artifact.deployedBytecode) {
      fail(`compiling ${key} here does not reproduce Hardhat's artifact: the compiler settings differ`);
    }
  }
  console.log(
    `   recompiles ${selection.join(", ")} per mutant (baseline ${compileBaseline.toFixed(1)} s, same bytecode as Hardhat)`,
  );

  const wanted = opts.tests ?? target.tests;
  const tests = wanted.filter((f) => {
    try {
      return statSync(ws.file(f)).isFile();
    } catch {
      return false;
    }
  });
  const missingTests = wanted.filter((f) => !tests.includes(f));
  if (missingTests.length) console.log(`   tests not found, skipped: ${missingTests.join(", ")}`);
  if (tests.length === 0) fail(`no test file for ${target.name}`);
  const testCommand = hardhatTestCommand(ROOT, tests);
  let warm: WarmRunner | undefined;
  let baseSeconds: number;
  if (opts.cold) {
    const cold = await runCommand(testCommand, ws.dir, 0);
    if (!cold.passed)
      fail(`the unmutated tests fail, fix them first:\n   ${cold.failure}\n${cold.output.slice(-4000)}`);
    baseSeconds = cold.seconds;
  } else {
    warm = new WarmRunner(ws.dir, tests);
    baseSeconds = await checkWarmRunner(warm, ws, baseline.contracts.keys());
  }
  const timeoutMs = Math.max(opts.timeoutFactor * baseSeconds, baseSeconds + 30) * 1000;
  console.log(
    `   baseline tests pass in ${baseSeconds.toFixed(1)} s ${warm ? "(warm runner checked)" : "(fresh hardhat test)"}, ` +
      `${tests.length} files; timeout ${(timeoutMs / 1000).toFixed(0)} s`,
  );
  const runTests = async (): Promise<TestRun> => {
    if (!warm) return runCommand(testCommand, ws.dir, timeoutMs);
    const run = await warm.run(timeoutMs);
    // A crash of the warm process (not a test failure) is confirmed by a fresh `hardhat test`.
    return run.crashed ? runCommand(testCommand, ws.dir, timeoutMs) : run;
  };

  const forgeFiles = opts.forge ? target.forge : [];
  let forge: Forge | undefined;
  let forgeBaseline: number | undefined;
  if (forgeFiles.length) {
    console.log(`   forge baseline (${forgeFiles.join(", ")}); a first build can take many minutes…`);
    forge = new Forge(ws, forgeFiles);
    const fb = await forge.run(0);
    if (!fb.passed) fail(`the unmutated forge suite fails:\n${fb.output.slice(-4000)}`);
    forgeBaseline = fb.seconds;
    forge.timeoutMs = Math.max(opts.timeoutFactor * fb.testSeconds, fb.testSeconds + 60) * 1000;
    console.log(
      `   forge baseline passes: build ${fb.buildSeconds.toFixed(1)} s, tests ${fb.testSeconds.toFixed(1)} s`,
    );
  }

  const entry: Omit<ContractReport, "results"> = {
    contract: target.name,
    source: target.source,
    sourceSha256: p.sha,
    commit: ctx.commit,
    contractsDirty: ctx.contractsDirty,
    updatedAt: new Date().toISOString(),
    seed: opts.seed,
    operators: opts.operators,
    tests,
    missingTests,
    forge: forgeFiles,
    baselineSeconds: { compile: compileBaseline, tests: baseSeconds, forge: forgeBaseline },
    timeoutSeconds: timeoutMs / 1000,
    generated: p.generated,
  };
  const results: MutantResult[] = [];
  const save = async () => {
    const report = loadReport(ctx.reportFile);
    mergeResults(report, entry, results);
    await writeReport(path.dirname(ctx.reportFile), report, ctx.accepted);
  };
  await save();

  try {
    const width = String(p.mutants.length).length;
    for (const [n, m] of p.mutants.entries()) {
      if (isInterrupted()) break;
      if (Date.now() - started >= budgetMs || Date.now() - ctx.runStart >= ctx.totalBudgetMs) {
        console.log(`   budget spent: ${p.mutants.length - n} mutants not run`);
        break;
      }
      const result = await runMutant(m, p, { solc, input, selection, baselineCode, ws, runTests, timeoutMs });
      if (result.status === "survived" && forge && !isInterrupted()) {
        ws.write(target.source, applyMutant(p.source, m));
        try {
          const fr = await forge.run(forge.timeoutMs);
          result.seconds += fr.seconds;
          if (fr.buildFailed) {
            result.detail = `forge build failed, mocha's verdict kept: ${fr.failure}`;
          } else if (!fr.passed) {
            result.status = fr.timedOut ? "timeout" : "killed";
            result.killedBy = "forge";
            result.detail = fr.timedOut ? "forge timed out" : fr.failure;
          }
        } finally {
          ws.restore();
        }
      }
      if (isInterrupted() && result.status !== "invalid" && result.status !== "equivalent") break; // half-run
      results.push(result);
      const counter = `[${String(n + 1).padStart(width)}/${p.mutants.length}]`;
      const where = `line ${m.line}`;
      const why = result.status === "killed" || result.status === "invalid" ? `  ${result.detail ?? ""}` : "";
      console.log(
        `${counter} ${pad(m.id, target.name.length + 5)} ${pad(where, 9)} ${pad(m.operator, 14)} ${pad(m.description, 36)} ` +
          `${pad(result.status, 10)} ${result.seconds.toFixed(1).padStart(6)} s${why.slice(0, 140)}`,
      );
      await save();
    }
  } finally {
    warm?.stop();
  }
  const report = loadReport(ctx.reportFile);
  const s = summarize(report.contracts[target.name], ctx.accepted);
  console.log(
    `   ${target.name}: ${results.length} run in ${seconds(Date.now() - started).toFixed(0)} s; ` +
      `score ${s.scoreRaw ?? "—"} % over ${s.run} mutants in the report`,
  );
}

/**
 * Checks the warm runner before trusting it: the unmutated tests pass in it; with the contract's
 * creation code replaced by an invalid opcode they fail (it deploys from the artifacts on disk,
 * not from a cache); and they pass again afterwards (nothing carries over from a failed run).
 * Returns the warm run's time, the baseline for the timeout.
 */
async function checkWarmRunner(warm: WarmRunner, ws: Workspace, keys: Iterable<string>): Promise<number> {
  const first = await warm.run(0);
  if (!first.passed) {
    fail(
      `the unmutated tests fail (warm runner; --cold runs a fresh hardhat test):\n   ${first.failure}\n${first.output}`,
    );
  }
  for (const key of keys) {
    ws.writeArtifact(key, {
      bytecode: "0xfe",
      deployedBytecode: "0xfe",
      linkReferences: {},
      deployedLinkReferences: {},
    });
  }
  let canary: TestRun;
  try {
    canary = await warm.run(0);
  } finally {
    ws.restore();
  }
  if (canary.passed)
    fail("the warm runner passed with undeployable bytecode: it does not see new artifacts (use --cold)");
  const again = await warm.run(0);
  if (!again.passed)
    fail(`the warm runner fails after a failed run (use --cold):\n   ${again.failure}\n${again.output}`);
  return Math.max(first.seconds, again.seconds);
}

/**
 * The contract's forge suites, run in the workspace on the source as it is there: a full
 * `forge build` first (test/invariant's fixture deploys ProtocolArtifacts, which a filtered
 * `forge test` does not rebuild, and refuses it stale), then `forge test --match-path`.
 */
class Forge {
  timeoutMs = 0;
  private readonly script: string;

  constructor(
    private readonly ws: Workspace,
    private readonly files: string[],
  ) {
    this.script = ws.file(path.join("scripts", "forge.js"));
  }

  async run(timeoutMs: number) {
    const build = await runCommand([process.execPath, this.script, "build"], this.ws.dir, 0);
    if (!build.passed) {
      return { ...build, buildFailed: true, buildSeconds: build.seconds, testSeconds: 0 };
    }
    const match = this.files.length === 1 ? this.files[0] : `{${this.files.join(",")}}`;
    const test = await runCommand(
      [process.execPath, this.script, "test", "--match-path", match],
      this.ws.dir,
      timeoutMs,
    );
    return {
      ...test,
      buildFailed: false,
      seconds: build.seconds + test.seconds,
      buildSeconds: build.seconds,
      testSeconds: test.seconds,
    };
  }
}

interface MutantContext {
  solc: SolcWorker;
  input: ReturnType<typeof loadBuildInput>;
  selection: string[];
  baselineCode: Map<string, string>;
  ws: Workspace;
  runTests: () => Promise<TestRun>;
  timeoutMs: number;
}

async function runMutant(m: Mutant, p: Plan, ctx: MutantContext): Promise<MutantResult> {
  const started = Date.now();
  const result: MutantResult = {
    id: m.id,
    index: m.index,
    operator: m.operator,
    line: m.line,
    description: m.description,
    originalLine: m.originalLine,
    mutatedLine: m.mutatedLine,
    status: "invalid",
    seconds: 0,
    compileSeconds: 0,
  };
  const done = () => {
    result.seconds = seconds(Date.now() - started);
    return result;
  };
  let compiled;
  try {
    compiled = await compileSelection(ctx.solc, ctx.input, p.target.source, applyMutant(p.source, m), ctx.selection);
  } catch (err) {
    if (!(err instanceof CompileError)) throw err;
    result.compileSeconds = seconds(Date.now() - started);
    result.detail = err.message;
    return done();
  }
  result.compileSeconds = seconds(Date.now() - started);
  let same = true;
  for (const [key, code] of compiled.contracts) {
    const size = codeSizes(code);
    if (size.runtime > MAX_RUNTIME_BYTES || size.initcode > MAX_INITCODE_BYTES) {
      result.detail = `${key.split(":")[1]} is ${size.runtime} bytes (limit ${MAX_RUNTIME_BYTES}): cannot be deployed`;
      return done();
    }
    if (stripMetadata(code) !== ctx.baselineCode.get(key)) same = false;
  }
  if (same) {
    result.status = "equivalent";
    result.detail = "same bytecode as the original (the optimizer proves it equivalent)";
    return done();
  }
  try {
    for (const [key, code] of compiled.contracts) ctx.ws.writeArtifact(key, code);
    const run = await ctx.runTests();
    if (run.timedOut) {
      result.status = "timeout";
      result.detail = `tests exceeded ${(ctx.timeoutMs / 1000).toFixed(0)} s`;
    } else if (run.passed) {
      result.status = "survived";
    } else {
      result.status = "killed";
      result.killedBy = "mocha";
      result.detail = run.failure;
    }
  } finally {
    ctx.ws.restore();
  }
  return done();
}

main().catch((err) => {
  if (interrupted || err instanceof Interrupted) {
    console.log("Interrupted: the workspace is removed; the report keeps the mutants already run.");
    process.exit(130);
  }
  console.error(err);
  process.exit(1);
});

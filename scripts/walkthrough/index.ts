/**
 * The walkthrough on a real node: start a Hardhat node or anvil on a free loopback port, deploy
 * with `hardhat deploy --network localhost` (records in a temporary folder), run the steps
 * (runner.ts), stop the node. Also the README's sample blocks: read, normalize, write.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  Child,
  LOOPBACK,
  ROOT,
  bin,
  freePort,
  makeTempDir,
  removeTempDir,
  run,
  waitForChainId,
} from "../lib/externalNode";
import { STEPS } from "./steps";

export type NodeKind = "hardhat" | "anvil";
export interface StepOutput {
  id: string;
  command: string;
  output: string;
}

const TIMEOUT_MS = 300_000;

/** A fresh node on a free loopback port, with its deployment records in a temporary folder. */
export interface LocalNode {
  kind: NodeKind;
  url: string;
  /** The environment of the commands run against it (LOCALHOST_RPC_URL, BALLAST_DEPLOYMENTS_DIR, …). */
  env: NodeJS.ProcessEnv;
  /** Where `hardhat deploy --network localhost` writes its records (`<dir>/localhost/<name>.json`). */
  deploymentsDir: string;
  /** What each phase took, e.g. "deploy 21.3 s". */
  timings: string[];
  /** Stops the node (its whole process group) and removes the temporary folder. */
  stop(): Promise<void>;
}

/** Starts a Hardhat node or anvil on a free loopback port and waits for its chain id. */
export async function startNode(kind: NodeKind): Promise<LocalNode> {
  const port = await freePort();
  const url = `http://${LOOPBACK}:${port}`;
  const dir = makeTempDir("ballast-walkthrough-");
  const deploymentsDir = path.join(dir, "deployments");
  const env: NodeJS.ProcessEnv = {
    LOCALHOST_RPC_URL: url,
    BALLAST_DEPLOYMENTS_DIR: deploymentsDir,
    // A plain local chain whatever the caller's environment says.
    FORK_URL: "",
    BALLAST_CONFIG: "",
    HARDHAT_NETWORK: undefined, // each command names its network; spawn drops undefined values
  };
  const args =
    kind === "hardhat"
      ? // --no-deploy: hardhat-deploy would run the deploy scripts inside the node; --no-reset: and delete the records.
        ["node", "--hostname", LOOPBACK, "--port", String(port), "--no-deploy", "--no-reset"]
      : ["--host", LOOPBACK, "--port", String(port), "--chain-id", "31337"];
  const timings: string[] = [];
  const t = Date.now();
  const node = new Child(kind, bin(kind), args, env);
  const stop = async () => {
    await node.stop();
    removeTempDir(dir);
  };
  try {
    await waitForChainId(node, url, TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  timings.push(`start ${seconds(t)}`);
  return { kind, url, env, deploymentsDir, timings, stop };
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** `hardhat deploy --network localhost --no-compile` against the node; returns its output. */
export async function deployTo(node: LocalNode): Promise<string> {
  const t = Date.now();
  const { output } = await run("hardhat deploy", bin("hardhat"), ["deploy", "--network", "localhost", "--no-compile"], {
    env: node.env,
    timeoutMs: TIMEOUT_MS,
  });
  node.timings.push(`deploy ${seconds(t)}`);
  return output;
}

/** Runs every step of steps.ts in order against the deployed node (runner.ts, one process). */
export async function runSteps(node: LocalNode): Promise<StepOutput[]> {
  const t = Date.now();
  const outFile = path.join(path.dirname(node.deploymentsDir), "walkthrough.json");
  await run(
    "walkthrough",
    bin("hardhat"),
    ["run", "--network", "localhost", "--no-compile", path.join("scripts", "walkthrough", "runner.ts")],
    { env: { ...node.env, WALKTHROUGH_OUT: outFile }, timeoutMs: TIMEOUT_MS },
  );
  node.timings.push(`${STEPS.length} commands ${seconds(t)}`);
  return JSON.parse(readFileSync(outFile, "utf8")) as StepOutput[];
}

/** Runs every step on a fresh node of `kind`; returns the outputs and what each phase took. */
export async function runWalkthrough(kind: NodeKind): Promise<{ steps: StepOutput[]; timings: string[] }> {
  const node = await startNode(kind);
  try {
    await deployTo(node);
    return { steps: await runSteps(node), timings: node.timings };
  } finally {
    await node.stop();
  }
}

/**
 * What may differ between two runs or two nodes and is masked before comparing: transaction
 * hashes, dates and durations (the wall clock), gas (anvil and the Hardhat node differ by a few
 * thousand on some calls), milliseconds, block numbers, digits past the second decimal (interest
 * accrued in the seconds between commands), and two figures that follow the clock (the PSM's
 * outflow bucket, the supply identity's slack in wei).
 */
export function normalize(text: string, masks: RegExp[] = []): string {
  for (const m of masks) text = text.replace(m, "<masked>");
  return (
    text
      // Figures that move with every second of the wall clock: the PSM's outflow bucket refills
      // (about 58 BDOL a second locally) and the supply identity's slack is a few wei of rounding.
      .replace(/(outflow left in the window \(BDOL\)\s*│?\s*)[\d,.]+/g, "$1<clock>")
      .replace(/(outflow available \/ limit per window\s*│?\s*)[\d,.]+/g, "$1<clock>")
      .replace(/(slack \(wei, rounding in the protocol's favour\)\s*│?\s*)\d+/g, "$1<wei>")
      .replace(/0x[0-9a-fA-F]{64}/g, "0x<hash>")
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, "<date>")
      .replace(/\b\d+ (d|h|min|s)( \d+ (h|min|s))?\b/g, "<duration>")
      // A time right at the chain's clock prints "now" (fmtWhen), a second later "1 s ago".
      .replace(/<duration> ago|\bnow\b/g, "<when>")
      .replace(/\bgas [\d,.]+/g, "gas <n>")
      .replace(/\b\d[\d,]* gas\b/g, "<n> gas")
      .replace(/\(\d+ ms\)/g, "(<ms>)")
      .replace(/\bblock \d+/g, "block <n>")
      .replace(/(\d\.\d\d)\d+/g, "$1")
      .replace(/[ \t]+$/gm, "")
      .replace(/[─┌┐└┘├┤┬┴┼│ ]+/g, " ")
      .trim()
  );
}

const README = path.join(ROOT, "README.md");
// Prettier puts a blank line between an HTML comment and a code fence: both forms are read.
const BLOCK = /<!-- sample:([a-z0-9-]+) -->\n\n?```(?:text)?\n([\s\S]*?)```\n\n?<!-- \/sample -->/g;

/** The README's sample blocks, id → text. */
export function readmeSamples(file = README): Map<string, string> {
  const text = readFileSync(file, "utf8");
  return new Map([...text.matchAll(BLOCK)].map((m) => [m[1], m[2]]));
}

/** Writes each step's output into its README block (blocks whose id is not a step are left alone). */
export function writeReadmeSamples(steps: StepOutput[], file = README): string[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const written: string[] = [];
  const text = readFileSync(file, "utf8").replace(BLOCK, (whole, id: string) => {
    const step = byId.get(id);
    if (!step) return whole;
    written.push(id);
    return `<!-- sample:${id} -->\n\n\`\`\`text\n$ npx hardhat --network localhost ${step.command}\n${step.output}\n\`\`\`\n\n<!-- /sample -->`;
  });
  writeFileSync(file, text);
  return written;
}

/** A step's README block without its command line, normalized. */
export function sampleBody(sample: string, masks: RegExp[] = []): string {
  return normalize(sample.replace(/^\$ npx hardhat[^\n]*\n/, ""), masks);
}

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

/** Runs every step on a fresh node of `kind`; returns the outputs and what each phase took. */
export async function runWalkthrough(kind: NodeKind): Promise<{ steps: StepOutput[]; timings: string[] }> {
  const port = await freePort();
  const url = `http://${LOOPBACK}:${port}`;
  const dir = makeTempDir("ballast-walkthrough-");
  const env: NodeJS.ProcessEnv = {
    LOCALHOST_RPC_URL: url,
    BALLAST_DEPLOYMENTS_DIR: path.join(dir, "deployments"),
    FORK_URL: "",
    BALLAST_CONFIG: "",
    HARDHAT_NETWORK: undefined,
  };
  const args =
    kind === "hardhat"
      ? ["node", "--hostname", LOOPBACK, "--port", String(port), "--no-deploy", "--no-reset"]
      : ["--host", LOOPBACK, "--port", String(port), "--chain-id", "31337"];
  const timings: string[] = [];
  let t = Date.now();
  const node = new Child(kind, bin(kind), args, env);
  try {
    await waitForChainId(node, url, TIMEOUT_MS);
    timings.push(`start ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    await run("hardhat deploy", bin("hardhat"), ["deploy", "--network", "localhost", "--no-compile"], {
      env,
      timeoutMs: TIMEOUT_MS,
    });
    timings.push(`deploy ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    const outFile = path.join(dir, "walkthrough.json");
    await run(
      "walkthrough",
      bin("hardhat"),
      ["run", "--network", "localhost", "--no-compile", path.join("scripts", "walkthrough", "runner.ts")],
      { env: { ...env, WALKTHROUGH_OUT: outFile }, timeoutMs: TIMEOUT_MS },
    );
    timings.push(`${STEPS.length} commands ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return { steps: JSON.parse(readFileSync(outFile, "utf8")) as StepOutput[], timings };
  } finally {
    await node.stop();
    removeTempDir(dir);
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

/**
 * Compiles mutants with the npm solc (solcjs) exactly as Hardhat did, but only what a mutant changes.
 *
 * Hardhat's incremental compile of one changed file re-runs the whole compilation job with every
 * output of every contract selected; here the standard-JSON input is taken from Hardhat's own
 * build-info (same sources, same settings: viaIR, optimizer runs, evm version), the mutated file's
 * text is swapped in, and the output selection is narrowed to the bytecode of the contracts that
 * can change (those in the mutated file and in the files that import it). The compiler stays loaded
 * in a worker thread with a large stack (viaIR recursion overflows Node's default ~1 MB stack; see
 * scripts/solc-wrapper.js), so each mutant pays only for its own compilation.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";

/** Stack for the compiler thread, in MB (as scripts/solc-wrapper.js). */
const COMPILER_STACK_MB = 256;
/** EIP-170 and EIP-3860 limits: a mutant over them cannot be deployed at all. */
export const MAX_RUNTIME_BYTES = 24_576;
export const MAX_INITCODE_BYTES = 49_152;

interface StandardJsonInput {
  language: string;
  sources: Record<string, { content: string }>;
  settings: Record<string, unknown> & { outputSelection?: unknown };
}

interface LinkReferences {
  [file: string]: { [library: string]: { start: number; length: number }[] };
}

export interface Bytecode {
  bytecode: string;
  deployedBytecode: string;
  linkReferences: LinkReferences;
  deployedLinkReferences: LinkReferences;
}

export interface CompiledUnit {
  /** `source:Name` → bytecode, for every selected contract. */
  contracts: Map<string, Bytecode>;
}

export class CompileError extends Error {}

/** A solcjs instance kept loaded in a worker thread. */
export class SolcWorker {
  private readonly worker: Worker;
  private queue: { resolve: (out: string) => void; reject: (e: Error) => void }[] = [];

  constructor(projectRoot: string) {
    const solcPath = require.resolve("solc", { paths: [projectRoot] });
    const code = `
      const { parentPort } = require("worker_threads");
      const solc = require(${JSON.stringify(solcPath)});
      parentPort.on("message", (input) => parentPort.postMessage(solc.compile(input)));
    `;
    this.worker = new Worker(code, { eval: true, resourceLimits: { stackSizeMb: COMPILER_STACK_MB } });
    this.worker.on("message", (out: string) => this.queue.shift()?.resolve(out));
    this.worker.on("error", (err) => {
      for (const pending of this.queue.splice(0)) pending.reject(err);
    });
    this.worker.on("exit", (code) => {
      for (const pending of this.queue.splice(0)) pending.reject(new Error(`the compiler thread stopped (${code})`));
    });
  }

  compile(input: StandardJsonInput): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.worker.postMessage(JSON.stringify(input));
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Hardhat's build-info for the compilation job that contains `sourceName`. */
export function loadBuildInput(root: string, sourceName: string): StandardJsonInput {
  const name = path.basename(sourceName, ".sol");
  const dbg = path.join(root, "artifacts", sourceName, `${name}.dbg.json`);
  if (!existsSync(dbg)) throw new Error(`no artifact for ${sourceName}: run \`npx hardhat compile\``);
  const buildInfo = path.resolve(path.dirname(dbg), JSON.parse(readFileSync(dbg, "utf8")).buildInfo);
  const input = JSON.parse(readFileSync(buildInfo, "utf8")).input as StandardJsonInput;
  if (!input.sources[sourceName]) throw new Error(`${sourceName} is not in ${buildInfo}`);
  return input;
}

/** The files of `input` that import `sourceName`, directly or not (project files only). */
export function dependentsOf(input: StandardJsonInput, sourceName: string): string[] {
  const importers = new Map<string, Set<string>>();
  const importRe = /^\s*import\s+(?:[^"';]*\sfrom\s+)?["']([^"']+)["']/gm;
  for (const [file, { content }] of Object.entries(input.sources)) {
    for (const m of content.matchAll(importRe)) {
      const target = m[1].startsWith(".")
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]))
        : m[1];
      if (!importers.has(target)) importers.set(target, new Set());
      importers.get(target)!.add(file);
    }
  }
  const found = new Set<string>();
  const queue = [sourceName];
  while (queue.length) {
    for (const importer of importers.get(queue.pop()!) ?? []) {
      if (!found.has(importer)) {
        found.add(importer);
        queue.push(importer);
      }
    }
  }
  return [...found].sort();
}

/** Contracts with bytecode (not interfaces or abstract) in `sourceName`, from Hardhat's artifacts. */
export function deployableContracts(root: string, sourceName: string): string[] {
  const dir = path.join(root, "artifacts", sourceName);
  if (!existsSync(dir)) return [];
  const names: string[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".json") || file.endsWith(".dbg.json")) continue;
    const artifact = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
    if (artifact.bytecode && artifact.bytecode !== "0x") names.push(artifact.contractName);
  }
  return names.sort();
}

/**
 * Compiles `input` with `sourceName`'s content replaced by `content`, selecting only the bytecode
 * of `selection` (`source:Name` keys). Throws CompileError with solc's first error on failure.
 */
export async function compileSelection(
  solc: SolcWorker,
  input: StandardJsonInput,
  sourceName: string,
  content: string,
  selection: string[],
): Promise<CompiledUnit> {
  const outputSelection: Record<string, Record<string, string[]>> = {};
  for (const key of selection) {
    const [file, name] = key.split(":");
    (outputSelection[file] ??= {})[name] = [
      "evm.bytecode.object",
      "evm.bytecode.linkReferences",
      "evm.deployedBytecode.object",
      "evm.deployedBytecode.linkReferences",
    ];
  }
  const mutated: StandardJsonInput = {
    ...input,
    sources: { ...input.sources, [sourceName]: { content } },
    settings: { ...input.settings, outputSelection },
  };
  const output = JSON.parse(await solc.compile(mutated));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) {
    throw new CompileError(
      String(errors[0].formattedMessage ?? errors[0].message)
        .trim()
        .split("\n")[0],
    );
  }
  const contracts = new Map<string, Bytecode>();
  for (const key of selection) {
    const [file, name] = key.split(":");
    const evm = output.contracts?.[file]?.[name]?.evm;
    if (!evm) throw new CompileError(`solc returned no bytecode for ${key}`);
    contracts.set(key, {
      bytecode: `0x${evm.bytecode.object}`,
      deployedBytecode: `0x${evm.deployedBytecode.object}`,
      linkReferences: evm.bytecode.linkReferences ?? {},
      deployedLinkReferences: evm.deployedBytecode.linkReferences ?? {},
    });
  }
  return { contracts };
}

/**
 * The bytecode without its CBOR metadata (which hashes the source text, so it changes with any
 * edit, even a comment): runtime code minus its trailing metadata, and creation code with every
 * copy of that metadata removed. Two mutants with the same stripped code behave identically.
 */
export function stripMetadata(code: Bytecode): string {
  const runtime = code.deployedBytecode.slice(2);
  let metadata = "";
  if (runtime.length >= 4) {
    const length = parseInt(runtime.slice(-4), 16) * 2 + 4;
    if (length <= runtime.length) metadata = runtime.slice(-length);
  }
  const strip = (hex: string) => (metadata ? hex.split(metadata).join("") : hex);
  return `${strip(code.bytecode.slice(2))}|${strip(runtime)}`;
}

/** Byte sizes of the creation and runtime code. */
export function codeSizes(code: Bytecode): { initcode: number; runtime: number } {
  return { initcode: (code.bytecode.length - 2) / 2, runtime: (code.deployedBytecode.length - 2) / 2 };
}

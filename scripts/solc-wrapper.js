#!/usr/bin/env node
/*
 * A stand-in for the native `solc` binary, built on the npm `solc` package (solcjs).
 *
 * Why: Foundry's forge only drives a native solc executable, which it would download from the
 * internet; neither npm nor Debian ship one, and our machines are offline. forge accepts any
 * executable as `solc`, so this script answers the two things forge asks of it:
 *
 *   solc --version                      -> "Version: 0.8.30+commit.<hash>.Linux.g++"
 *   solc [flags] --standard-json        -> standard-JSON compile of stdin, result on stdout
 *
 * forge (1.7) invokes it as `--allow-paths <root>,<root>/lib --base-path <root> --standard-json`
 * with the project root as cwd. Every other flag is accepted and ignored, so a newer forge that
 * adds one does not break the build.
 *
 * The compile runs in a worker thread with a large stack: solcjs is WebAssembly, and deep
 * recursion in the compiler (viaIR, long expressions) overflows Node's default ~1 MB stack with
 * "RangeError: Maximum call stack size exceeded". A worker's `stackSizeMb` sets the thread's real
 * stack size, so unlike `node --stack-size=...` it cannot outgrow the OS stack limit and segfault,
 * and it needs no re-exec or shell shim (works the same on Linux and macOS).
 */
"use strict";

const fs = require("fs");
const path = require("path");
const { Worker, isMainThread, parentPort, workerData } = require("worker_threads");

/** Stack for the compiler thread, in MB (Node's default is about 1 MB). */
const COMPILER_STACK_MB = 256;

if (isMainThread) {
  main();
} else {
  compileInWorker(workerData);
}

function main() {
  const args = parseArgs(process.argv.slice(2));

  if (args.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${nativeStyleVersion()}\n`);
    return;
  }

  if (!args.standardJson) {
    // Only the two modes forge needs are emulated; say so instead of silently doing nothing.
    process.stderr.write(
      "solc-wrapper: only --version and --standard-json are supported (this wraps npm solcjs for forge).\n",
    );
    process.exitCode = 1;
    return;
  }

  const input = fs.readFileSync(0, "utf8");
  // Roots the import callback may read from, in the order native solc searches them
  // (base path, then include paths); allow-paths and the cwd come last as a fallback.
  const roots = unique([args.basePath, ...args.includePaths, ...args.allowPaths, process.cwd()]);

  const worker = new Worker(__filename, {
    workerData: { input, roots },
    resourceLimits: { stackSizeMb: COMPILER_STACK_MB },
  });
  let answered = false;
  worker.on("message", (output) => {
    answered = true;
    process.stdout.write(output);
  });
  worker.on("error", (err) => {
    answered = true;
    // Native solc reports internal failures inside the JSON; do the same so forge shows the
    // message rather than a bare JSON parse error.
    process.stdout.write(errorOutput(`solcjs crashed: ${err && err.stack ? err.stack : err}`));
  });
  worker.on("exit", (code) => {
    if (!answered) process.stdout.write(errorOutput(`solcjs worker exited with code ${code} and no output`));
  });
}

/** Runs inside the worker: compile the standard-JSON input and post the JSON string back. */
function compileInWorker({ input, roots }) {
  const solc = require("solc");
  const output = solc.compile(input, { import: (importPath) => readImport(importPath, roots) });
  parentPort.postMessage(output);
}

/**
 * Import callback: forge normally sends every source in the JSON already (it resolves remappings
 * and the import graph itself), so this is only reached for a file forge did not include. It
 * mirrors native solc: absolute paths as given, relative ones against each root in turn.
 */
function readImport(importPath, roots) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.join(root, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: fs.readFileSync(candidate, "utf8") };
    } catch {
      // Not under this root; try the next one.
    }
  }
  return { error: `File not found. Searched: ${candidates.join(", ")}` };
}

/** Parses the solc flags forge passes, in both `--flag value` and `--flag=value` forms. */
function parseArgs(argv) {
  const args = { version: false, standardJson: false, basePath: undefined, includePaths: [], allowPaths: [] };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq !== -1) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const takeValue = () => (value !== undefined ? value : argv[++i]);
    switch (flag) {
      case "--version":
        args.version = true;
        break;
      case "--standard-json":
        args.standardJson = true;
        break;
      case "--base-path":
        args.basePath = takeValue();
        break;
      case "--include-path":
        args.includePaths.push(takeValue());
        break;
      case "--allow-paths":
        args.allowPaths.push(...String(takeValue()).split(","));
        break;
      default:
        // Unknown flags (and any value that follows them) are ignored on purpose; see header.
        break;
    }
  }
  args.includePaths = args.includePaths.filter(Boolean);
  args.allowPaths = args.allowPaths.filter(Boolean);
  return args;
}

/** "0.8.30+commit.73712a01.Emscripten.clang" -> "0.8.30+commit.73712a01.Linux.g++" (native form). */
function nativeStyleVersion() {
  const solc = require("solc");
  const match = /^(\d+\.\d+\.\d+\+commit\.[0-9a-f]+)/.exec(solc.version());
  if (!match) throw new Error(`unexpected solcjs version string: ${solc.version()}`);
  return `${match[1]}.Linux.g++`;
}

function errorOutput(message) {
  const error = { component: "general", severity: "error", type: "InternalCompilerError", message };
  return JSON.stringify({ errors: [{ ...error, formattedMessage: `InternalCompilerError: ${message}` }] });
}

function unique(list) {
  return [...new Set(list.filter(Boolean).map((p) => path.resolve(p)))];
}

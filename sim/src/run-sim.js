#!/usr/bin/env node
/*
 * `npm run sim -- [options]`: the crash simulator's command line, `npx hardhat sim` on the
 * in-process network (tasks/sim.ts) run in a child process, with the options as they always were:
 * Hardhat takes `--verbose` for its own debug log and refuses a repeated option, so this wrapper
 * turns `--verbose` into the task's `--keeper-log`, joins repeated `--scenario`s with commas, and
 * accepts `--option=value`.
 *
 *   --scenario <name|file.json>   a scenario of sim/scenarios/ (repeat or comma-separate; default: all)
 *   --vaults <N>                  number of vaults (default 500)
 *   --keepers-absent <minutes>    keepers away for this long from the start of the steepest such
 *                                 window in the second run (default 60; 0 = only the active run)
 *   --out <dir>                   output directory (default sim/out)
 *   --seed <N>                    population seed (default 1)
 *   --market <on|off>             the market model: real Uniswap pools, flash takes, BDOL's price
 *                                 from its pool (default on); off: the scripted model
 *   --peg-keeper <on|off|both>    market model: runs with the PegKeeper, without, or both (an extra
 *                                 active run without it; default both)
 *   --verbose                     print every keeper action
 *
 * The same without the wrapper: npx hardhat sim --scenario black-thursday --vaults 200 --keeper-log
 */
"use strict";

const { spawn } = require("child_process");
const path = require("path");

const OPTIONS = ["--scenario", "--vaults", "--keepers-absent", "--out", "--seed", "--market", "--peg-keeper"];
const FLAGS = { "--verbose": "--keeper-log" };

function usage(code) {
  const text = require("fs")
    .readFileSync(__filename, "utf8")
    .split("\n")
    .filter((l) => l.startsWith(" *") && !l.startsWith(" */"))
    .map((l) => l.replace(/^ \* ?/, ""))
    .join("\n");
  (code === 0 ? console.log : console.error)(text);
  process.exit(code);
}

const taskArgs = [];
const scenarios = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  let arg = args[i];
  let value;
  const eq = arg.indexOf("=");
  if (arg.startsWith("--") && eq > 0) {
    value = arg.slice(eq + 1);
    arg = arg.slice(0, eq);
  }
  if (arg === "--help" || arg === "-h") usage(0);
  if (FLAGS[arg]) {
    taskArgs.push(FLAGS[arg]);
    continue;
  }
  if (!OPTIONS.includes(arg)) {
    console.error(`unknown option ${arg}\n`);
    usage(2);
  }
  if (value === undefined) {
    value = args[++i];
    if (value === undefined || value.startsWith("--")) {
      console.error(`${arg} needs a value\n`);
      usage(2);
    }
  }
  if (arg === "--scenario") scenarios.push(value);
  else taskArgs.push(arg, value);
}
if (scenarios.length > 0) taskArgs.push("--scenario", scenarios.join(","));

const root = path.resolve(__dirname, "..", "..");
const hardhat = require.resolve("hardhat/internal/cli/bootstrap.js", { paths: [root] });
const child = spawn(process.execPath, [hardhat, "sim", "--network", "hardhat", ...taskArgs], {
  cwd: root,
  stdio: "inherit",
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));

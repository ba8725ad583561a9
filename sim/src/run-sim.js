#!/usr/bin/env node
/*
 * `npm run sim -- [options]`: the crash simulator's command line. `hardhat run` does not forward
 * unknown arguments to the script, so this wrapper parses them, passes them on as SIM_* environment
 * variables and runs `hardhat run sim/src/cli.ts` on the in-process network.
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
 * The same variables work without the wrapper:
 *   SIM_SCENARIO=black-thursday SIM_VAULTS=200 npx hardhat run sim/src/cli.ts
 */
"use strict";

const { spawn } = require("child_process");
const path = require("path");

const OPTIONS = {
  "--scenario": "SIM_SCENARIO",
  "--vaults": "SIM_VAULTS",
  "--keepers-absent": "SIM_KEEPERS_ABSENT",
  "--out": "SIM_OUT",
  "--seed": "SIM_SEED",
  "--market": "SIM_MARKET",
  "--peg-keeper": "SIM_PEG_KEEPER",
};
const FLAGS = { "--verbose": "SIM_VERBOSE" };

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

const env = { ...process.env };
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
    env[FLAGS[arg]] = "1";
    continue;
  }
  const name = OPTIONS[arg];
  if (!name) {
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
  else env[name] = value;
}
if (scenarios.length > 0) env.SIM_SCENARIO = scenarios.join(",");

const hardhat = require.resolve("hardhat/internal/cli/bootstrap.js", { paths: [path.resolve(__dirname, "..", "..")] });
const child = spawn(process.execPath, [hardhat, "run", "--network", "hardhat", path.join("sim", "src", "cli.ts")], {
  cwd: path.resolve(__dirname, "..", ".."),
  env,
  stdio: "inherit",
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));

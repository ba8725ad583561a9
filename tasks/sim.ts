/**
 * The crash simulator (sim/): `npx hardhat sim [--scenario <names|files>] [--vaults 500]
 * [--keepers-absent 60] [--out sim/out] [--seed 1] [--market on|off] [--peg-keeper on|off|both]
 * [--keeper-log]`, on the in-process network. `npm run sim -- ...` takes the same options, and
 * `--verbose` for `--keeper-log` (Hardhat's own --verbose is its debug log) and a repeated
 * `--scenario` (sim/src/run-sim.js). See sim/README.md.
 *
 * The simulator is imported when the task runs, not when Hardhat loads its config (which imports
 * this file): it needs the hardhat runtime, and it is large.
 */
import { task, types } from "hardhat/config";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import { HardhatPluginError } from "hardhat/plugins";
import type { PegKeeperRuns } from "../sim/src/simulate";

interface SimArgs {
  scenario?: string;
  vaults: number;
  keepersAbsent: number;
  out?: string;
  seed: number;
  market: string;
  pegKeeper: string;
  keeperLog: boolean;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new HardhatPluginError("sim", message);
}

task("sim", "Run the crash simulator's scenarios and write sim/out/<scenario>.json and .svg")
  .addOptionalParam(
    "scenario",
    "scenarios of sim/scenarios/ or JSON files, comma-separated (default: all)",
    undefined,
    types.string,
  )
  .addOptionalParam("vaults", "number of vaults", 500, types.int)
  .addOptionalParam(
    "keepersAbsent",
    "minutes without keepers in the second run, from the start of the steepest such window (0: only the active run)",
    60,
    types.int,
  )
  .addOptionalParam("out", "output directory (default sim/out)", undefined, types.string)
  .addOptionalParam("seed", "population seed", 1, types.int)
  .addOptionalParam("market", "on: the market model (Uniswap pools, flash takes); off: the scripted one", "on")
  .addOptionalParam("pegKeeper", "market model: runs with the PegKeeper, without, or both", "both")
  .addFlag("keeperLog", "print every keeper action")
  .setAction(async (args: SimArgs, hre) => {
    check(
      hre.network.name === "hardhat",
      "the simulator deploys its own system on the in-process network: drop --network",
    );
    check(args.vaults >= 1, `--vaults must be at least 1: ${args.vaults}`);
    check(args.keepersAbsent >= 0, `--keepers-absent must be at least 0: ${args.keepersAbsent}`);
    check(args.seed >= 0, `--seed must be at least 0: ${args.seed}`);
    check(["on", "off"].includes(args.market), `--market must be on or off: ${args.market}`);
    check(["on", "off", "both"].includes(args.pegKeeper), `--peg-keeper must be on, off or both: ${args.pegKeeper}`);
    // As `hardhat run` did: the deploy scripts read the artifacts.
    await hre.run(TASK_COMPILE, { quiet: true });
    const { loadScenarios, runSimulator } = await import("../sim/src/cli");
    const names = (args.scenario ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
    let scenarios;
    try {
      scenarios = loadScenarios(names);
    } catch (err) {
      throw new HardhatPluginError("sim", (err as Error).message);
    }
    const problems = await runSimulator(hre, {
      scenarios,
      vaults: args.vaults,
      keepersAbsentMinutes: args.keepersAbsent,
      seed: args.seed,
      out: args.out,
      market: args.market === "on",
      pegKeeper: args.pegKeeper as PegKeeperRuns,
      keeperLog: args.keeperLog,
    });
    if (problems.length > 0) process.exitCode = 1;
  });

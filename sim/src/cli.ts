/**
 * The crash simulator's command, `npx hardhat sim` (tasks/sim.ts; `npm run sim` runs it through
 * run-sim.js). For each scenario it deploys the fixture on the in-process network, opens the vault
 * population, drives the scenario's prices (the configured collaterals, USDC and BDOL) with the
 * keeper bot running every step and poking the risk controller hourly, and the PSM's holders and
 * arbitrageur trading — once with keepers throughout, once with keepers absent during the steepest
 * hour — and writes sim/out/<scenario>.json and .svg, then prints the tables (liquidations;
 * controller and PSM; markets). See sim/README.md.
 *
 * The checks that fail the command (exit status 1): an auction ever sold below its floor
 * (floorRatio × the oracle price at the take's block), the PSM minted while USDC was below its depeg
 * tolerance, redemptions paid more than the outflow limit allows, a poke reverted, or a scenario's
 * expectation (e.g. zero bad debt with active keepers) is not met.
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { listScenarios, loadScenario, type Scenario } from "./scenario";
import { simulate, type PegKeeperRuns, type SimResult } from "./simulate";
import { DEFAULT_OUT_DIR, OUTPUT_FORMAT, printTable, summarize, writeOutputs, writeSummary } from "./report";

export interface SimCommand {
  scenarios: Scenario[];
  vaults: number;
  /** Minutes without keepers in the second run (0: the active run only). */
  keepersAbsentMinutes: number;
  seed: number;
  /** Output directory (default sim/out). */
  out?: string;
  /** The market model (true) or the scripted one. */
  market: boolean;
  pegKeeper: PegKeeperRuns;
  /** Print every keeper action. */
  keeperLog: boolean;
}

/** The named scenarios (names in sim/scenarios/ or JSON files), or every bundled one; throws on a bad one. */
export function loadScenarios(names: string[]): Scenario[] {
  return (names.length > 0 ? names : listScenarios()).map(loadScenario);
}

/** Runs the scenarios, writes their outputs and prints the tables; returns the failed checks (none: all passed). */
export async function runSimulator(hre: HardhatRuntimeEnvironment, cmd: SimCommand): Promise<string[]> {
  const { scenarios, vaults, seed, keepersAbsentMinutes, market, pegKeeper } = cmd;
  const outDir = cmd.out ? path.resolve(cmd.out) : DEFAULT_OUT_DIR;
  const log = (line: string) => console.log(line);

  console.log(
    `Crash simulator: ${scenarios.map((s) => s.name).join(", ")}; ${vaults} vaults, seed ${seed}, ` +
      `keepers absent ${keepersAbsentMinutes} min in the second run; ` +
      (market ? `market model, PegKeeper ${pegKeeper}` : "scripted model") +
      `; output to ${path.relative(process.cwd(), outDir) || "."}`,
  );
  const started = Date.now();
  const results: SimResult[] = [];
  const problems: string[] = [];
  for (const scenario of scenarios) {
    const result = await simulate(hre, {
      scenario,
      vaults,
      seed,
      keepersAbsentMinutes,
      market,
      pegKeeper,
      log,
      keeperLog: cmd.keeperLog ? (line) => console.log(`    keeper: ${line}`) : undefined,
    });
    const files = await writeOutputs(result, outDir);
    console.log(
      `[${scenario.name}] ${(result.wallMs / 1000).toFixed(1)} s; wrote ${path.relative(process.cwd(), files.json)} ` +
        `and ${path.relative(process.cwd(), files.svg)}`,
    );
    results.push(result);
    problems.push(...failedChecks(result));
  }

  const summaries = results.map(summarize);
  printTable(summaries);
  const wallMs = Date.now() - started;
  console.log(
    `Total wall time ${(wallMs / 1000).toFixed(1)} s ` +
      `(${results.map((r) => `${r.scenario.name} ${(r.wallMs / 1000).toFixed(1)} s`).join(", ")}).`,
  );
  const checked = results.flatMap((r) => r.runs).reduce((a, r) => a + r.totals.floorCheck.takes, 0);
  const mints = results.flatMap((r) => r.runs).reduce((a, r) => a + r.totals.psm.depegCheck.mints, 0);
  const redemptions = results.flatMap((r) => r.runs).reduce((a, r) => a + r.totals.psm.outflowCheck.redemptions, 0);
  const checks =
    problems.length > 0
      ? `CHECKS FAILED:\n  ${problems.join("\n  ")}`
      : `Checks passed: all ${checked} takes at or above floorRatio × the oracle price at their block; ` +
        `${mints} PSM mints all at a USDC price within the depeg tolerance; ${redemptions} redemptions within the ` +
        `outflow bound; every poke went through; scenario expectations met.`;
  console.log(problems.length > 0 ? `\n${checks}` : checks);
  const summary = writeSummary(
    {
      format: OUTPUT_FORMAT,
      generatedBy: "npx hardhat sim (sim/src/cli.ts)",
      command: {
        scenarios: scenarios.map((s) => s.name),
        vaults,
        keepersAbsentMinutes,
        seed,
        market,
        pegKeeper: market ? pegKeeper : "off",
      },
      wallMs,
      checks,
      results: summaries,
    },
    outDir,
  );
  console.log(`Wrote ${path.relative(process.cwd(), summary)} (the tables' figures and timings).`);
  return problems;
}

/** What went wrong in one scenario's runs (see the header). */
function failedChecks(result: SimResult): string[] {
  const scenario = result.scenario;
  const problems: string[] = [];
  for (const r of result.runs) {
    for (const v of r.totals.floorCheck.violations) {
      problems.push(
        `${scenario.name} (${r.mode}): auction ${v.auctionId} sold at ${v.price} below the floor ${v.floorPrice} ` +
          `(oracle ${v.oraclePrice}, block ${v.block})`,
      );
    }
    if (r.mode === "active" && scenario.expect?.zeroBadDebtWithActiveKeepers && r.totals.badDebt > 0) {
      problems.push(
        `${scenario.name}: expected zero bad debt with active keepers, got ${r.totals.badDebt.toFixed(2)} BDOL`,
      );
    }
    const psm = r.totals.psm;
    for (const v of psm.depegCheck.violations) {
      problems.push(
        `${scenario.name} (${r.mode}): the PSM minted at block ${v.block} while the oracle's USDC was ${v.usdcPrice} ` +
          `(below 1 − ${psm.depegCheck.tolerance})`,
      );
    }
    for (const v of psm.outflowCheck.violations.slice(0, 5)) {
      problems.push(
        `${scenario.name} (${r.mode}): redemptions paid ${v.paid.toFixed(2)} USDC between blocks ${v.fromBlock} and ` +
          `${v.toBlock}, above the outflow bound ${v.bound.toFixed(2)}`,
      );
    }
    for (const f of r.pokeFailures.slice(0, 5)) {
      problems.push(`${scenario.name} (${r.mode}): the poke at minute ${f.minute} reverted: ${f.error}`);
    }
    const refused = Object.values(psm.desk.arbitrage.mintRefused).reduce((a, n) => a + n, 0);
    if (scenario.expect?.psmMintRefused && refused === 0) {
      problems.push(`${scenario.name} (${r.mode}): expected the PSM to refuse a mint, it refused none`);
    }
    const pulled = psm.strategy.withdrawnByRebalance + psm.strategy.withdrawnForRedemptions;
    if (scenario.expect?.strategyPulled && pulled === 0) {
      problems.push(
        `${scenario.name} (${r.mode}): expected the reserve to withdraw USDC from its strategy, it did not`,
      );
    }
  }
  return problems;
}

/**
 * `npm run sim -- --scenario <name> [--vaults N] [--keepers-absent <minutes>] [--out dir] [--seed N]`:
 * the crash simulator (sim/src/run-sim.js parses the options into SIM_* variables). For each scenario it
 * deploys the fixture on the in-process network, opens the vault population, drives the scenario's
 * prices (ETH, BTC, USDC and BDOL) with the keeper bot running every step and poking the risk
 * controller hourly, and the PSM's holders and arbitrageur trading — once with keepers throughout,
 * once with keepers absent during the steepest hour — and writes sim/out/<scenario>.json and .svg,
 * then prints two tables (liquidations; controller and PSM). See sim/README.md.
 *
 * Exit status 1 when an auction ever sold below its floor (floorRatio × the oracle price at the
 * take's block), the PSM minted while USDC was below its depeg tolerance, redemptions paid more
 * than the outflow limit allows, a poke reverted, or a scenario's expectation (e.g. zero bad debt
 * with active keepers) is not met.
 */
import hre from "hardhat";
import path from "node:path";
import { listScenarios, loadScenario } from "./scenario";
import { simulate, type PegKeeperRuns, type SimResult } from "./simulate";
import { DEFAULT_OUT_DIR, printTable, writeOutputs } from "./report";

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}: ${raw}`);
  return n;
}

function choiceEnv(name: string, fallback: string, choices: string[]): string {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!choices.includes(raw)) throw new Error(`${name} must be one of ${choices.join(", ")}: ${raw}`);
  return raw;
}

async function main(): Promise<void> {
  const names = (process.env.SIM_SCENARIO ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  const scenarios = (names.length > 0 ? names : listScenarios()).map(loadScenario);
  const vaults = intEnv("SIM_VAULTS", 500, 1);
  const keepersAbsentMinutes = intEnv("SIM_KEEPERS_ABSENT", 60, 0);
  const seed = intEnv("SIM_SEED", 1, 0);
  const outDir = process.env.SIM_OUT ? path.resolve(process.env.SIM_OUT) : DEFAULT_OUT_DIR;
  const verbose = process.env.SIM_VERBOSE === "1";
  const market = choiceEnv("SIM_MARKET", "on", ["on", "off"]) === "on";
  const pegKeeper = choiceEnv("SIM_PEG_KEEPER", "both", ["on", "off", "both"]) as PegKeeperRuns;
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
      keeperLog: verbose ? (line) => console.log(`    keeper: ${line}`) : undefined,
    });
    const files = writeOutputs(result, outDir);
    console.log(
      `[${scenario.name}] ${(result.wallMs / 1000).toFixed(1)} s; wrote ${path.relative(process.cwd(), files.json)} ` +
        `and ${path.relative(process.cwd(), files.svg)}`,
    );
    results.push(result);
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
  }

  printTable(results);
  console.log(
    `Total wall time ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(${results.map((r) => `${r.scenario.name} ${(r.wallMs / 1000).toFixed(1)} s`).join(", ")}).`,
  );
  const checked = results.flatMap((r) => r.runs).reduce((a, r) => a + r.totals.floorCheck.takes, 0);
  const mints = results.flatMap((r) => r.runs).reduce((a, r) => a + r.totals.psm.depegCheck.mints, 0);
  const redemptions = results.flatMap((r) => r.runs).reduce((a, r) => a + r.totals.psm.outflowCheck.redemptions, 0);
  if (problems.length > 0) {
    console.log(`\nCHECKS FAILED:\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  } else {
    console.log(
      `Checks passed: all ${checked} takes at or above floorRatio × the oracle price at their block; ` +
        `${mints} PSM mints all at a USDC price within the depeg tolerance; ${redemptions} redemptions within the ` +
        `outflow bound; every poke went through; scenario expectations met.`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

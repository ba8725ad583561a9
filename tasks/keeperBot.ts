/**
 * Keeper bot: `npx hardhat keeper --network <net> [--dry-run] [--once] [--interval <seconds>]
 * [--iterations N] [--max-gas-price <gwei>] [--spread 0.02] [--sell-reserve-collateral]
 * [--page-size 1000] [--max-take <BDOL>] [--no-redo] [--unpaid-redo] [--poke] [--rebalance]
 * [--flash [--slippage 0.005]] [--json] [--json-logs] [--metrics-port <port>]`
 *
 * Scans every vault through the lens, liquidates the unhealthy ones, restarts stale auctions and
 * takes auctions priced at least `spread` below the oracle, simulating each transaction with a
 * static call first (see lib/keeper/). With --poke and --rebalance it also pokes the risk
 * controller when due and rebalances the reserve's USDC when a rebalance would move something. With
 * --flash it takes with no capital through the FlashTaker (collateral sold into its USDC pool, the
 * USDC swapped at the PSM), only when QuoterV2's quote after the PSM fee, gas and the slippage limit
 * is a profit; a dry run prints the quote.
 * Prints one line per action, one summary line per iteration and a final table. Without --once or --iterations it runs until Ctrl-C.
 * --json also prints each iteration's report as one JSON line (bigints as decimal strings);
 * --json-logs prints every line as a JSON object instead (the table becomes a "totals" object);
 * --metrics-port serves Prometheus metrics on 127.0.0.1 while the bot runs.
 * A malformed or out-of-range option is refused in one line naming it, before anything is sent.
 *
 * Keeper account: KEEPER_PRIVATE_KEY when set, else the network's first account (on sepolia and
 * mainnet that is DEPLOYER_PRIVATE_KEY, see hardhat.config.ts). On the in-process hardhat network
 * a fresh system is deployed first, as `status` does.
 */
import { task, types } from "hardhat/config";
import type { CLIArgumentType, HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { jsonLogLine, runKeeperLoop, summaryLine, toJson, totalReport, type KeeperReport } from "../lib/keeper";
import { REQUIRED_DEPLOYMENTS, UsageError, WAD, fmtWad, parseAmount, parseWhole, table } from "../lib/sdk";
import { cliAction } from "../lib/sdk/hardhat";

interface KeeperArgs {
  dryRun: boolean;
  once: boolean;
  interval: NumberArg;
  iterations?: NumberArg;
  maxGasPrice?: string;
  spread: string;
  sellReserveCollateral: boolean;
  pageSize: NumberArg;
  maxTake?: string;
  noRedo: boolean;
  unpaidRedo: boolean;
  poke: boolean;
  rebalance: boolean;
  flash: boolean;
  slippage: string;
  json: boolean;
  jsonLogs: boolean;
  metricsPort?: NumberArg;
}

/** The task's options as the bot takes them, each checked. */
interface ParsedArgs {
  spread: bigint;
  slippage: bigint;
  maxGasPrice?: bigint;
  maxTakeBdol?: bigint;
  intervalMs: number;
  iterations?: number;
  pageSize: number;
  metricsPort?: number;
}

/** A number option as typed on the command line, or as a number when a test or another task runs the task. */
type NumberArg = string | number;

/**
 * Number options are read as text and parsed here, not by Hardhat's int and float types: Hardhat
 * refuses "-2" itself, with a stack trace on a machine without a display.
 */
const numberArg: CLIArgumentType<NumberArg> = {
  name: "number",
  parse: (_name, value) => value,
  validate: (name, value) => {
    if (typeof value !== "string" && typeof value !== "number") {
      throw new UsageError(`--${kebab(name)} takes a number, not ${JSON.stringify(value)}`);
    }
  },
};

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A fraction in [0, 1) (`--spread`, `--slippage`) [wad]. */
function fraction(arg: string, value: string, example: string): bigint {
  let x: bigint;
  try {
    x = parseAmount(arg, value, 18);
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\(e\.g\. [^)]*\)$/, `(e.g. --${arg} ${example})`));
  }
  if (x >= WAD) throw new UsageError(`--${arg} must be less than 1: ${value}`);
  return x;
}

/** Every number option, checked before anything is deployed or sent; a bad one is refused in one line naming it. */
function parseArgs(args: KeeperArgs): ParsedArgs {
  const spread = fraction("spread", args.spread, "0.02");
  const slippage = fraction("slippage", args.slippage, "0.005");
  const maxGasPrice =
    args.maxGasPrice === undefined
      ? undefined
      : parseAmount("max-gas-price", args.maxGasPrice, 9, { positive: true, unit: "gwei" });
  const maxTakeBdol =
    args.maxTake === undefined
      ? undefined
      : parseAmount("max-take", args.maxTake, 18, { positive: true, unit: "BDOL" });
  const intervalMs = Number(parseAmount("interval", args.interval, 3, { unit: "s" }));
  const iterations =
    args.iterations === undefined ? undefined : Number(parseWhole("iterations", args.iterations, { positive: true }));
  const pageSize = Number(parseWhole("page-size", args.pageSize, { positive: true }));
  let metricsPort: number | undefined;
  if (args.metricsPort !== undefined) {
    metricsPort = Number(parseWhole("metrics-port", args.metricsPort, { positive: true }));
    if (metricsPort > 65_535) throw new UsageError(`--metrics-port must be a port number up to 65535: ${metricsPort}`);
  }
  return { spread, slippage, maxGasPrice, maxTakeBdol, intervalMs, iterations, pageSize, metricsPort };
}

/** KEEPER_PRIVATE_KEY, else the first configured account. */
export async function keeperSigner(hre: HardhatRuntimeEnvironment): Promise<Signer> {
  const key = process.env.KEEPER_PRIVATE_KEY;
  if (key) return new hre.ethers.Wallet(key, hre.ethers.provider);
  const [first] = await hre.ethers.getSigners();
  if (!first) {
    throw new UsageError(
      `no account on network ${hre.network.name}: set KEEPER_PRIVATE_KEY (or DEPLOYER_PRIVATE_KEY, which hardhat.config.ts uses)`,
    );
  }
  return first;
}

task("keeper", "Keeper bot: liquidates unhealthy vaults, restarts stale auctions, takes profitable ones")
  .addFlag("dryRun", "report what would be done, send nothing")
  .addFlag("once", "one iteration, then exit")
  .addOptionalParam("interval", "seconds between iterations", "15", numberArg)
  .addOptionalParam("iterations", "stop after N iterations (default: run until Ctrl-C)", undefined, numberArg)
  .addOptionalParam(
    "maxGasPrice",
    "gwei; send nothing while basefee + priority fee is above it",
    undefined,
    types.string,
  )
  .addOptionalParam("spread", "take only at price ≤ oracle × (1 − spread)", "0.02", types.string)
  .addFlag("sellReserveCollateral", "also auction collateral the reserve holds (lots worth ≥ 1,000 BDOL)")
  .addOptionalParam("pageSize", "vaults per lens call", "1000", numberArg)
  .addOptionalParam("maxTake", "BDOL cap per take (default: the whole balance)", undefined, types.string)
  .addFlag("noRedo", "do not restart auctions that need it")
  .addFlag("unpaidRedo", "also restart auctions whose restart pay is used up (10 paid restarts): unpaid work")
  .addFlag("poke", "also poke the risk controller whenever its interval has passed (unpaid duty)")
  .addFlag("rebalance", "also rebalance the reserve's USDC toward its liquid target when needed (unpaid duty)")
  .addFlag("flash", "take with no capital through the FlashTaker, when the QuoterV2 quote is profitable")
  .addOptionalParam("slippage", "flash takes: slippage limit on the quoted proceeds", "0.005", types.string)
  .addFlag("json", "also print each iteration's report as one JSON line")
  .addFlag("jsonLogs", "print every line as a JSON object (time, level, event, fields, msg)")
  .addOptionalParam(
    "metricsPort",
    "serve Prometheus metrics on 127.0.0.1 at this port (default: off)",
    undefined,
    numberArg,
  )
  .setAction((args: KeeperArgs, hre) => cliAction(hre, "keeper", () => keeperBot(args, hre)));

async function keeperBot(args: KeeperArgs, hre: HardhatRuntimeEnvironment): Promise<KeeperReport[]> {
  const parsed = parseArgs(args);
  // With --json-logs every line is a JSON object: the task's own lines too.
  const say = (event: string, fields: Record<string, unknown>, text: string, level: "info" | "error" = "info") =>
    (level === "error" ? console.error : console.log)(args.jsonLogs ? jsonLogLine(level, event, fields, text) : text);
  if (hre.network.name === "hardhat" && !(await hre.deployments.getOrNull("VaultManager"))) {
    say(
      "deploy",
      { network: "hardhat" },
      "(in-process network: deploying a fresh system first; use --network localhost for a running node)",
    );
    await hre.deployments.fixture();
  }
  const missing = [];
  for (const name of REQUIRED_DEPLOYMENTS) if (!(await hre.deployments.getOrNull(name))) missing.push(name);
  if (missing.length) {
    throw new UsageError(`no ${missing.join(", ")} deployment on ${hre.network.name}: deploy the system first`);
  }
  const keeper = await keeperSigner(hre);
  const address = await keeper.getAddress();
  const iterations = args.once ? 1 : parsed.iterations;
  say(
    "start",
    { keeper: address, network: hre.network.name, dryRun: args.dryRun, iterations, metricsPort: parsed.metricsPort },
    `keeper ${address} on ${hre.network.name}${args.dryRun ? " (dry run)" : ""}: ` +
      `${iterations === undefined ? `every ${parsed.intervalMs / 1000} s until Ctrl-C` : `${iterations} iteration(s)`}, ` +
      `spread ${args.spread}` +
      (args.maxGasPrice !== undefined ? `, gas cap ${args.maxGasPrice} gwei` : "") +
      (parsed.metricsPort !== undefined ? `, metrics on http://127.0.0.1:${parsed.metricsPort}/metrics` : ""),
  );

  // Ctrl-C: finish the current iteration, then print the table.
  const abort = new AbortController();
  const onSignal = () => {
    say("stopping", {}, "stopping after this iteration…");
    abort.abort();
  };
  if (iterations === undefined) process.once("SIGINT", onSignal);
  let reports: KeeperReport[];
  try {
    reports = await runKeeperLoop(hre, {
      keeper,
      dryRun: args.dryRun,
      pageSize: parsed.pageSize,
      maxGasPrice: parsed.maxGasPrice,
      spread: parsed.spread,
      maxTakeBdol: parsed.maxTakeBdol,
      sellReserveCollateral: args.sellReserveCollateral,
      redo: !args.noRedo,
      unpaidRedo: args.unpaidRedo,
      poke: args.poke,
      rebalance: args.rebalance,
      flash: args.flash,
      slippage: parsed.slippage,
      jsonLogs: args.jsonLogs,
      intervalMs: parsed.intervalMs,
      iterations,
      signal: abort.signal,
      metricsPort: parsed.metricsPort,
      onIteration: args.json ? (r, i) => console.log(toJson({ iteration: i, ...r })) : undefined,
    });
  } finally {
    process.removeListener("SIGINT", onSignal);
  }

  const failed = reports.filter((r) => r.error !== undefined).length;
  if (args.jsonLogs) {
    say(
      "totals",
      { keeper: address, iterations: reports.length, failed, ...totalReport(reports) },
      summaryLine(totalReport(reports)),
    );
  } else {
    const rows = reports.map((r, i) => row(String(i + 1), r));
    if (reports.length > 1) rows.push(row("total", totalReport(reports)));
    table(`Keeper ${address}${args.dryRun ? " (dry run: nothing sent)" : ""}`, rows);
    if (reports.length > 1) console.log(summaryLine(totalReport(reports)));
  }
  if (failed) {
    say(
      "failed",
      { failed, iterations: reports.length },
      `${failed} of ${reports.length} iteration(s) failed`,
      "error",
    );
    process.exitCode = 1;
  }
  return reports;
}

/** "#3 #1 #6", cut after six ids. */
function vaultList(ids: bigint[]): string {
  if (ids.length === 0) return "-";
  const shown = ids.slice(0, 6).map((id) => `#${id}`);
  return ids.length > 6 ? `${shown.join(" ")} … (${ids.length})` : shown.join(" ");
}

function row(label: string, r: KeeperReport): Record<string, string | number> {
  return {
    iteration: label,
    vaults: r.scannedVaults,
    "lens calls": r.ethCalls,
    liquidated: vaultList(r.liquidations.map((l) => l.vaultId)),
    "debt (BDOL)": fmtWad(r.liquidations.reduce((s, l) => s + l.debt, 0n)),
    taken: r.takes.length,
    "paid (BDOL)": fmtWad(r.takes.reduce((s, t) => s + t.paid, 0n)),
    redone: r.redos.length,
    sold: r.sales.length,
    skipped: r.skipped.length,
    "rewards (BDOL)": fmtWad([...r.liquidations, ...r.redos].reduce((s, x) => s + x.reward, 0n)),
    "gas (ETH)": fmtWad(r.gasSpent, 6),
    [r.dryRun ? "expected profit (BDOL)" : "profit (BDOL)"]: fmtWad(r.dryRun ? r.expectedProfit : r.realisedProfit),
  };
}

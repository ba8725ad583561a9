/**
 * The keeper bot, shared by the `keeper` task (tasks/keeperBot.ts), the crash simulator, the demo
 * and the tests. By role: scan.ts reads the chain into plain data, plan.ts decides (pure),
 * execute.ts static-calls and sends, report.ts keeps the report and the log, metrics.ts serves
 * Prometheus metrics for a loop.
 *
 * One iteration (`runKeeperOnce`) is a run of stages, each read, planned and executed before the
 * next is read, because each stage's transactions change what the next one sees:
 *  0. Record: BDOL's market price feed (`MarketPriceFeed.update`), when the oracle reads it and its
 *     period has passed, so that its next round exists; then every asset the oracle prices whose
 *     feed has a round the oracle has not processed yet (`recordPrice`), so the circuit breaker's
 *     reference never ages in normal operation and the round history is stored as the rounds come.
 *  1. Scan: `ReserveLens.systemSnapshot()` and `vaultsHealth` in pages, pinned to one block.
 *  2. Liquidate every open vault with health factor < 1 whose collateral's price is live, riskiest
 *     first.
 *  3. Optionally put reserve-held collateral up for sale (`ReservePool.sellCollateral`), one lot per
 *     collateral worth at least `minSaleValue`.
 *  4. List the active auctions, paging from the lowest id that was still active last time
 *     (`KeeperState`), restart those that need it (`redo`), and take those whose price is at most
 *     reference × (1 − spread), best discount first, within the BDOL budget (or, with `flash`, take
 *     with no capital when the quote pays).
 *  5. Heal the reserve's deficit from its stablecoin balance when it can.
 *  6. Optional duties: `poke` the risk controller when its interval has passed (paid about its gas
 *     at the basefee from the reserve's surplus, when there is one), and `rebalance` the reserve's
 *     USDC when a rebalance would move something (unpaid).
 *
 * Imported while Hardhat loads its config (through the task): nothing in lib/keeper may import
 * "hardhat" itself; everything comes in through `hre`.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { explainError } from "../sdk/errors";
import {
  executeFlashTake,
  executeHeal,
  executeLiquidations,
  executeMarketUpdate,
  executePoke,
  executeRebalance,
  executeRecords,
  executeRedos,
  executeSales,
  executeTakes,
  type ExecContext,
} from "./execute";
import { KeeperMetrics, serveMetrics, type MetricsServer } from "./metrics";
import {
  DEFAULT_MIN_SALE_VALUE,
  DEFAULT_PAGE_SIZE,
  checkOptions,
  firstActiveAfter,
  flashTakeSize,
  planFlashTake,
  planHeal,
  planLiquidations,
  planMarketUpdate,
  planPoke,
  planRebalance,
  planRecords,
  planRedos,
  planSales,
  planTakes,
  type GasCheck,
} from "./plan";
import { KeeperLog, emptyReport, jsonLogLine, settleProfit } from "./report";
import {
  loadContracts,
  readGasPrice,
  scanAuctions,
  scanFlashQuote,
  scanHeal,
  scanMarketFeed,
  scanPoke,
  scanRebalance,
  scanReserveHoldings,
  scanRounds,
  scanTakes,
  scanVaults,
  type ScanContext,
} from "./scan";
import type { KeeperLoopOptions, KeeperOptions, KeeperReport } from "./types";

export type { KeeperAction, KeeperLoopOptions, KeeperOptions, KeeperReport, KeeperState } from "./types";
export { MAX_PAID_REDOS, collateralForBudget } from "./plan";
export { jsonLogLine, summaryLine, toJson, totalReport } from "./report";
export { KeeperMetrics, serveMetrics, type MetricsServer } from "./metrics";

/** One scan-liquidate-sell-redo-take pass. */
export async function runKeeperOnce(hre: HardhatRuntimeEnvironment, opts: KeeperOptions): Promise<KeeperReport> {
  const started = Date.now();
  checkOptions(opts);
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const dryRun = opts.dryRun ?? false;
  const provider = opts.keeper.provider ?? hre.ethers.provider;
  const c = await loadContracts(hre, opts.keeper);
  const out = new KeeperLog(opts.log ?? ((line: string) => console.log(line)), dryRun, opts.jsonLogs);
  const report = out.report;
  const sc: ScanContext = { hre, c, provider, collaterals: new Map() };

  // The gas price the planners hold to the cap, read again only once the chain may have moved.
  let reading: GasCheck | undefined;
  const gas = async (): Promise<GasCheck | undefined> => {
    if (opts.maxGasPrice === undefined) return undefined;
    reading ??= { price: (await readGasPrice(provider)).price, cap: opts.maxGasPrice };
    return reading;
  };
  const ex: ExecContext = {
    c,
    provider,
    keeper: await opts.keeper.getAddress(),
    opts,
    dryRun,
    out,
    onChange: () => (reading = undefined),
  };

  // 0. The market feed's next round, then every priced asset's new round (before the scan, which
  // then reads the recorded state).
  await executeMarketUpdate(ex, planMarketUpdate(await scanMarketFeed(sc), await gas()));
  await executeRecords(ex, planRecords(await scanRounds(sc), await gas()));

  // 1-2. Scan, pinned to one block; liquidate.
  const vaults = await scanVaults(sc, pageSize);
  report.blockNumber = vaults.blockNumber;
  report.scannedVaults = vaults.vaults.length;
  report.ethCalls = vaults.lensCalls;
  await executeLiquidations(ex, planLiquidations(vaults, await gas()), vaults.stabilityBuffer);

  // 3. Reserve collateral sales, re-read when this pass absorbed something.
  if (opts.sellReserveCollateral) {
    const holdings = await scanReserveHoldings(sc, vaults, report.liquidations.length === 0 || dryRun);
    await executeSales(ex, planSales(holdings, opts.minSaleValue ?? DEFAULT_MIN_SALE_VALUE, await gas()));
  }

  // 4. Auctions: redo, then take.
  const auctions = await scanAuctions(sc, pageSize, opts.state?.firstActiveAuction ?? 1n);
  report.auctionCalls = auctions.lensCalls;
  report.activeAuctions = auctions.active.length;
  if (opts.state) opts.state.firstActiveAuction = firstActiveAfter(auctions.active, auctions.count);
  const { steps: redos, takeable } = planRedos(auctions.active, opts, await gas());
  await executeRedos(ex, redos);
  if (opts.flash) {
    // One auction at a time: each flash take moves the pool the next one is quoted on.
    for (const a of takeable) {
      const size = flashTakeSize(a);
      const quote = await scanFlashQuote(sc, a, size.amount, ex.keeper);
      const step = planFlashTake(a, size, quote, {
        slippage: opts.slippage,
        nativePrice: vaults.nativePrice,
        maxGasPrice: opts.maxGasPrice,
      });
      await executeFlashTake(ex, a, step);
    }
  } else if (takeable.length > 0) {
    const { balance, references } = await scanTakes(sc, ex.keeper, takeable, opts.referencePrice);
    const g = await gas();
    const steps = planTakes(takeable, references, balance, opts, g);
    await executeTakes(ex, steps, { balance, maxTakeBdol: opts.maxTakeBdol, gas: g });
  }

  // 5. Heal: burn the reserve's stablecoin against its deficit (keeper pay minted while the reserve
  // was empty, or an auction shortfall), so the books show it as soon as the balance allows.
  await executeHeal(ex, planHeal(await scanHeal(sc), await gas()));

  // 6. Optional duties.
  if (opts.poke) await executePoke(ex, planPoke(await scanPoke(sc), await gas()));
  if (opts.rebalance) await executeRebalance(ex, planRebalance(await scanRebalance(sc), await gas()));

  settleProfit(report, vaults.nativePrice, dryRun ? (await readGasPrice(provider)).price : 0n);
  report.ms = Date.now() - started;
  out.summary();
  return report;
}

/**
 * Runs `runKeeperOnce` every `intervalMs` (measured from the start of each iteration) for
 * `iterations` iterations, or until `signal` aborts. An iteration that throws (a node that went
 * away) is logged and reported as skipped; the loop goes on. With `metricsPort`, Prometheus
 * metrics are served on 127.0.0.1 while the loop runs.
 */
export async function runKeeperLoop(hre: HardhatRuntimeEnvironment, opts: KeeperLoopOptions): Promise<KeeperReport[]> {
  const state = opts.state ?? { firstActiveAuction: 1n };
  const log = opts.log ?? ((line: string) => console.log(line));
  const metrics = opts.metricsPort === undefined ? undefined : new KeeperMetrics();
  const server: MetricsServer | undefined = metrics && (await serveMetrics(metrics, opts.metricsPort!));
  const reports: KeeperReport[] = [];
  try {
    for (let i = 0; opts.iterations === undefined || i < opts.iterations; i++) {
      if (opts.signal?.aborted) break;
      const started = Date.now();
      let report: KeeperReport;
      try {
        report = await runKeeperOnce(hre, { ...opts, state, log });
      } catch (err) {
        const reason = explainError(err, []);
        const line = `iteration ${i + 1} failed: ${reason}`;
        log(opts.jsonLogs ? jsonLogLine("error", "iteration failed", { iteration: i + 1, reason }, line) : line);
        report = {
          ...emptyReport(opts.dryRun ?? false),
          skipped: [{ what: `iteration ${i + 1}`, reason }],
          error: reason,
        };
      }
      reports.push(report);
      metrics?.observe(report);
      await opts.onIteration?.(report, i + 1);
      const last = opts.iterations !== undefined && i + 1 >= opts.iterations;
      if (last || opts.signal?.aborted) break;
      await sleep(Math.max(0, opts.intervalMs - (Date.now() - started)), opts.signal);
    }
  } finally {
    await server?.close();
  }
  return reports;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Prometheus metrics for the keeper loop, on 127.0.0.1 only (`runKeeperLoop`'s `metricsPort`, the
 * task's `--metrics-port`; off by default). Each iteration's report moves the counters once; the
 * server is closed when the loop stops. A registry of its own per loop, so two loops in one
 * process (tests) do not share or clash.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";
import type { KeeperReport } from "./types";

const WAD = 1e18;
/** The only address the endpoint listens on: metrics are for a scraper on the same machine (or a tunnel). */
export const METRICS_HOST = "127.0.0.1";

export class KeeperMetrics {
  readonly registry = new Registry();
  private readonly scans = new Counter({
    name: "ballast_keeper_scans_total",
    help: "Iterations that scanned the vaults",
    registers: [this.registry],
  });
  private readonly vaults = new Gauge({
    name: "ballast_keeper_vaults_scanned",
    help: "Vaults the last scan read",
    registers: [this.registry],
  });
  private readonly actions = new Counter({
    name: "ballast_keeper_actions_total",
    help: "Actions done (dry_run: would be done), by kind",
    labelNames: ["kind", "dry_run"] as const,
    registers: [this.registry],
  });
  private readonly skipped = new Counter({
    name: "ballast_keeper_skipped_total",
    help: "Actions skipped, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  private readonly profit = new Gauge({
    name: "ballast_keeper_profit_bdol",
    help: "Realised profit since the loop started [BDOL]: rewards and take profits less gas at the oracle price",
    registers: [this.registry],
  });
  private readonly gasSpent = new Counter({
    name: "ballast_keeper_gas_spent_eth_total",
    help: "Gas paid for sent transactions [ETH]",
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: "ballast_keeper_errors_total",
    help: "Failures: iterations that threw, transactions mined and reverted",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  private readonly lastBlock = new Gauge({
    name: "ballast_keeper_last_block",
    help: "The block the last scan read",
    registers: [this.registry],
  });
  private readonly lastMs = new Gauge({
    name: "ballast_keeper_last_iteration_ms",
    help: "Wall time of the last iteration [ms]",
    registers: [this.registry],
  });

  constructor() {
    // Every series exists from the start at 0, so a scraper sees `errors_total` before the first error.
    this.errors.labels("iteration").inc(0);
    this.errors.labels("transaction").inc(0);
  }

  /** One iteration's report. */
  observe(r: KeeperReport): void {
    if (r.error !== undefined) {
      this.errors.labels("iteration").inc();
      return;
    }
    this.scans.inc();
    this.vaults.set(r.scannedVaults);
    const dry = String(r.dryRun);
    const counts: [string, number][] = [
      ["liquidate", r.liquidations.length],
      ["take", r.takes.length],
      ["redo", r.redos.length],
      ["sell", r.sales.length],
      ["heal", r.healed > 0n ? 1 : 0],
      ["record", r.records.length],
      ["poke", r.pokes.length],
      ["update", r.marketUpdates.length],
      ["rebalance", r.rebalances.length],
    ];
    for (const [kind, n] of counts) if (n > 0) this.actions.labels(kind, dry).inc(n);
    for (const s of r.skipped) {
      const reason = skipReason(s.reason);
      this.skipped.labels(reason).inc();
      if (reason === "transaction failed") this.errors.labels("transaction").inc();
    }
    this.profit.inc(Number(r.realisedProfit) / WAD);
    this.gasSpent.inc(Number(r.gasSpent) / WAD);
    this.lastBlock.set(r.blockNumber);
    this.lastMs.set(r.ms);
  }
}

/** A skip's reason in a few classes (the label must not carry amounts or ids). */
export function skipReason(reason: string): string {
  const classes: [RegExp, string][] = [
    [/^gas price above cap/, "gas cap"],
    [/^static call reverted/, "static call reverted"],
    [/^gas estimate reverted/, "gas estimate reverted"],
    [/^transaction failed/, "transaction failed"],
    [/not live$/, "price not live"],
    [/unprofitable/, "unprofitable"],
    [/^BDOL budget/, "budget"],
    [/needs a reset/, "redo not done"],
    [/below the .* minimum$/, "lot too small"],
  ];
  return classes.find(([re]) => re.test(reason))?.[1] ?? "other";
}

export interface MetricsServer {
  port: number;
  /** http://127.0.0.1:<port>/metrics */
  url: string;
  close(): Promise<void>;
}

/** Serves `metrics` at http://127.0.0.1:`port`/metrics (port 0: any free port). */
export async function serveMetrics(metrics: KeeperMetrics, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found: the metrics are at /metrics\n");
      return;
    }
    metrics.registry
      .metrics()
      .then((text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text))
      .catch((err: Error) => res.writeHead(500, { "Content-Type": "text/plain" }).end(`${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, METRICS_HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://${METRICS_HOST}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

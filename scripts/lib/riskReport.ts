/**
 * `risk:report`: the book as short puts (lib/sdk/risk.ts) on the deployed system read through the
 * lens (lib/sdk/book.ts): per collateral the expected loss, VaR and expected shortfall at 99 %, the
 * Greeks of the reserve's exposure and two revalued stresses; for the system the probability that
 * the loss exceeds what the reserve can pay, in closed form and by Monte Carlo.
 */
import {
  expectedShortfall,
  greeks,
  insolvencyProbability,
  monteCarlo,
  stressedLoss,
  valueAtRisk,
  type Ballast,
  type SystemBook,
} from "../../lib/sdk";
import { readBook } from "../../lib/sdk/book";

export interface RiskReportOptions {
  /** Horizon [seconds]. */
  horizon: number;
  paths: number;
  /** Correlation between collaterals in the second Monte Carlo (the first uses 1, the closed form's case). */
  correlation: number;
  seed: number;
}

export interface CollateralRisk {
  collateral: string;
  vaults: number;
  debt: number;
  price: number;
  volatility: number;
  recovery: number;
  held: number;
  expectedLoss: number;
  valueAtRisk99: number;
  expectedShortfall99: number;
  /** The reserve's exposure (held × price − expected loss) and its Greeks: per USD of price, per USD², per unit of σ. */
  exposure: number;
  delta: number;
  gamma: number;
  vega: number;
  /** Expected loss after a 1 % fall of the price, and after a 10-point rise of volatility (revalued). */
  lossAfter1pctFall: number;
  lossAfter10ptVol: number;
}

export interface RiskReport {
  block: number;
  horizonDays: number;
  reserve: number;
  collaterals: CollateralRisk[];
  system: {
    debt: number;
    /** What the reserve can pay today: its stable part + the collateral it holds, at the floor of today's price. */
    capacityToday: number;
    expectedLoss: number;
    valueAtRisk99: number;
    expectedShortfall99: number;
    insolvencyProbability: number;
    monteCarlo: {
      correlation: number;
      paths: number;
      insolvencyProbability: number;
      error: number;
      expectedShortfall99: number;
      expectedLoss: number;
      /** The loss's quantiles at 0.5 %, 1 %, …, 100 %. */
      quantiles: number[];
    }[];
  };
  /** Collaterals whose oracle had no volatility estimate yet (a floor was used). */
  noVolatility: string[];
  /** Collaterals whose oracle price is not live (the last good price was used). */
  notLive: { symbol: string; status: string }[];
}

const YEAR = 365 * 24 * 3600;

export function riskReport(book: SystemBook, opts: RiskReportOptions): RiskReport {
  const T = opts.horizon / YEAR;
  const collaterals = book.books.map((b): CollateralRisk => {
    const g = greeks(b, T);
    return {
      collateral: b.symbol,
      vaults: b.vaults.length,
      debt: b.vaults.reduce((t, v) => t + v.debt, 0),
      price: b.price,
      volatility: b.volatility,
      recovery: b.recovery,
      held: b.held,
      expectedLoss: g.expectedLoss,
      valueAtRisk99: valueAtRisk([b], T),
      expectedShortfall99: expectedShortfall([b], T),
      exposure: g.exposure,
      delta: g.delta,
      gamma: g.gamma,
      vega: g.vega,
      lossAfter1pctFall: stressedLoss(b, T, { price: -0.01 }),
      lossAfter10ptVol: stressedLoss(b, T, { volatility: 0.1 }),
    };
  });
  const mc = [...new Set([1, opts.correlation])].map((correlation) => {
    const r = monteCarlo(book.books, book.reserve, T, { paths: opts.paths, correlation, seed: opts.seed });
    return {
      correlation,
      paths: r.paths,
      insolvencyProbability: r.insolvencyProbability,
      error: r.insolvencyProbabilityError,
      expectedShortfall99: r.expectedShortfall,
      expectedLoss: r.expectedLoss,
      quantiles: r.quantiles,
    };
  });
  return {
    block: book.block,
    horizonDays: opts.horizon / 86_400,
    reserve: book.reserve,
    collaterals,
    system: {
      debt: collaterals.reduce((t, c) => t + c.debt, 0),
      capacityToday: book.reserve + collaterals.reduce((t, c) => t + c.held * c.price * c.recovery, 0),
      expectedLoss: collaterals.reduce((t, c) => t + c.expectedLoss, 0),
      valueAtRisk99: valueAtRisk(book.books, T),
      expectedShortfall99: expectedShortfall(book.books, T),
      insolvencyProbability: insolvencyProbability(book.books, book.reserve, T),
      monteCarlo: mc,
    },
    noVolatility: book.noVolatility,
    notLive: book.notLive,
  };
}

/**
 * The report's chart (Vega-Lite): the simulated loss's distribution for each correlation (loss
 * against the probability of not exceeding it, the tail on a log scale), with the closed-form VaR
 * and ES at 99 % and what the reserve can pay today; beside it, each collateral's expected loss and
 * ES 99 %.
 */
export function riskChartSpec(report: RiskReport): Record<string, unknown> {
  const curve = report.system.monteCarlo.flatMap((m) =>
    m.quantiles.map((loss, k) => ({
      exceed: 1 - (k + 1) / 200 || 1 / m.paths,
      loss,
      run: `Monte Carlo, correlation ${m.correlation} (${m.paths.toLocaleString("en-US")} paths)`,
    })),
  );
  const rules = [
    { loss: report.system.valueAtRisk99, what: "VaR 99 % (closed form)" },
    { loss: report.system.expectedShortfall99, what: "ES 99 % (closed form)" },
    { loss: report.system.capacityToday, what: "what the reserve can pay today" },
  ];
  const bars = report.collaterals.flatMap((c) => [
    { collateral: c.collateral, measure: "expected loss", value: c.expectedLoss },
    { collateral: c.collateral, measure: "ES 99 %", value: c.expectedShortfall99 },
  ]);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `The book as short puts: loss over ${report.horizonDays} days (block ${report.block})`,
      subtitle: `debt ${Math.round(report.system.debt).toLocaleString("en-US")} BDOL; P(loss beyond the reserve) ${(
        report.system.insolvencyProbability * 100
      ).toFixed(3)} % in closed form`,
    },
    hconcat: [
      {
        title: "probability the loss exceeds x (log scale)",
        width: 420,
        height: 260,
        layer: [
          {
            data: { values: curve },
            mark: { type: "line", interpolate: "step-after" },
            encoding: {
              x: { field: "loss", type: "quantitative", title: "loss (BDOL)" },
              y: { field: "exceed", type: "quantitative", scale: { type: "log" }, title: "P(loss > x)" },
              color: {
                field: "run",
                type: "nominal",
                legend: { orient: "bottom", direction: "vertical", title: null },
              },
            },
          },
          {
            data: { values: rules },
            mark: { type: "rule", strokeDash: [4, 3] },
            encoding: {
              x: { field: "loss", type: "quantitative" },
              strokeDash: { field: "what", type: "nominal", legend: { orient: "bottom", title: null } },
            },
          },
        ],
      },
      {
        title: "per collateral (BDOL)",
        width: 200,
        height: 260,
        data: { values: bars },
        mark: "bar",
        encoding: {
          x: { field: "collateral", type: "nominal", title: null },
          xOffset: { field: "measure" },
          y: { field: "value", type: "quantitative", title: "BDOL" },
          color: { field: "measure", type: "nominal", legend: { orient: "bottom", title: null } },
        },
      },
    ],
  };
}

export async function readRiskReport(ballast: Ballast, opts: RiskReportOptions): Promise<RiskReport> {
  return riskReport(await readBook(ballast), opts);
}

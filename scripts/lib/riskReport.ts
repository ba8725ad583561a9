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
    };
  });
  return {
    block: book.block,
    horizonDays: opts.horizon / 86_400,
    reserve: book.reserve,
    collaterals,
    system: {
      debt: collaterals.reduce((t, c) => t + c.debt, 0),
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

export async function readRiskReport(ballast: Ballast, opts: RiskReportOptions): Promise<RiskReport> {
  return riskReport(await readBook(ballast), opts);
}

/**
 * The simulated borrowers: a seeded, reproducible population of vaults whose collateral ratios and
 * sizes follow the shape of public CDP data (see sim/README.md, "Population").
 *
 * Collateral ratio (CR = collateral value / debt at the scenario's start price), a three-part mixture:
 *   - 25 % "active" vaults near the borrow ratio: uniform in [1.61, 1.90]
 *   - 55 % the body: uniform in [2.0, 3.0]
 *   - 20 % the conservative tail: log-uniform in [3.0, 6.0]
 * Debt: log-normal, median 10,000 BDOL, σ = 1.5 (mean ≈ 31,000 in theory; heavy-tailed: with the
 * default seed the largest 10 % of 500 vaults hold 53 % of the debt), clamped to [500 (minDebt), 2,000,000]. Collateral: 70 % of vaults WETH, 30 % WBTC. CR and size are drawn
 * independently.
 */
import { Prng } from "./prng";
import type { AssetKey } from "./scenario";

export interface CrBand {
  name: string;
  share: number;
  lo: number;
  hi: number;
  logScale: boolean;
}

export interface PopulationParams {
  vaults: number;
  seed: number;
  /** Share of vaults per asset (sums to 1). */
  assetShare: Record<AssetKey, number>;
  crBands: CrBand[];
  debtMedian: number;
  debtSigma: number;
  minDebt: number;
  maxDebt: number;
}

export const DEFAULT_POPULATION: Omit<PopulationParams, "vaults" | "seed"> = {
  assetShare: { ETH: 0.7, BTC: 0.3 },
  crBands: [
    { name: "near borrow ratio (1.61–1.9)", share: 0.25, lo: 1.61, hi: 1.9, logScale: false },
    { name: "body (2–3)", share: 0.55, lo: 2.0, hi: 3.0, logScale: false },
    { name: "tail (3–6)", share: 0.2, lo: 3.0, hi: 6.0, logScale: true },
  ],
  debtMedian: 10_000,
  debtSigma: 1.5,
  minDebt: 500,
  maxDebt: 2_000_000,
};

export interface VaultSpec {
  index: number;
  asset: AssetKey;
  band: number;
  /** Collateral ratio at the start price. */
  cr: number;
  /** Whole BDOL. */
  debt: number;
}

/** Draws the population; pure and deterministic in (params, seed). */
export function drawPopulation(params: PopulationParams): VaultSpec[] {
  const rng = new Prng(params.seed);
  const assets = Object.keys(params.assetShare) as AssetKey[];
  const out: VaultSpec[] = [];
  for (let i = 0; i < params.vaults; i++) {
    const asset = assets[rng.pick(assets.map((a) => params.assetShare[a]))];
    const band = rng.pick(params.crBands.map((b) => b.share));
    const b = params.crBands[band];
    const cr = b.logScale ? rng.logUniform(b.lo, b.hi) : rng.uniform(b.lo, b.hi);
    const debt = Math.round(
      Math.min(params.maxDebt, Math.max(params.minDebt, rng.logNormal(params.debtMedian, params.debtSigma))),
    );
    out.push({ index: i, asset, band, cr: Math.round(cr * 1e4) / 1e4, debt });
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface PopulationSummary {
  vaults: number;
  totalDebt: number;
  totalCollateralValue: number;
  /** Σ collateral value / Σ debt at the start prices. */
  systemCr: number;
  /** Debt-weighted mean CR (equal to systemCr) and the count-weighted median. */
  medianCr: number;
  debt: { min: number; median: number; mean: number; p90: number; max: number };
  /** Share of the debt held by the largest 10 % of vaults. */
  top10PctDebtShare: number;
  byAsset: Record<string, { vaults: number; debt: number; collateralValue: number }>;
  byBand: { band: string; vaults: number; debt: number; shareOfDebt: number }[];
  /** Debt of vaults that become liquidatable (CR < LR) after a fall of x %. */
  debtLiquidatableAfterDrop: Record<string, number>;
}

/** Summary statistics of a drawn population; `lr` is each collateral's liquidation ratio. */
export function summarise(
  specs: VaultSpec[],
  params: PopulationParams,
  lr: Record<AssetKey, number>,
): PopulationSummary {
  const debts = specs.map((v) => v.debt).sort((a, b) => a - b);
  const crs = specs.map((v) => v.cr).sort((a, b) => a - b);
  const totalDebt = debts.reduce((a, b) => a + b, 0);
  const totalCollateralValue = specs.reduce((a, v) => a + v.debt * v.cr, 0);
  const byAsset: PopulationSummary["byAsset"] = {};
  for (const v of specs) {
    const a = (byAsset[v.asset] ??= { vaults: 0, debt: 0, collateralValue: 0 });
    a.vaults += 1;
    a.debt += v.debt;
    a.collateralValue += v.debt * v.cr;
  }
  const byBand = params.crBands.map((b, i) => {
    const inBand = specs.filter((v) => v.band === i);
    const debt = inBand.reduce((a, v) => a + v.debt, 0);
    return { band: b.name, vaults: inBand.length, debt, shareOfDebt: totalDebt === 0 ? 0 : debt / totalDebt };
  });
  const drops: Record<string, number> = {};
  for (const d of [10, 20, 30, 40, 50, 60]) {
    drops[`${d}%`] = specs.filter((v) => v.cr * (1 - d / 100) < lr[v.asset]).reduce((a, v) => a + v.debt, 0);
  }
  return {
    vaults: specs.length,
    totalDebt,
    totalCollateralValue: Math.round(totalCollateralValue),
    systemCr: totalDebt === 0 ? 0 : totalCollateralValue / totalDebt,
    medianCr: quantile(crs, 0.5),
    debt: {
      min: debts[0] ?? 0,
      median: quantile(debts, 0.5),
      mean: specs.length === 0 ? 0 : totalDebt / specs.length,
      p90: quantile(debts, 0.9),
      max: debts[debts.length - 1] ?? 0,
    },
    top10PctDebtShare:
      totalDebt === 0
        ? 0
        : debts.slice(debts.length - Math.ceil(debts.length / 10)).reduce((a, b) => a + b, 0) / totalDebt,
    byAsset,
    byBand,
    debtLiquidatableAfterDrop: drops,
  };
}

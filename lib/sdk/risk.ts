/**
 * The borrowers' book as options, for the reserve (issue 14's risk measures; off-chain, floats).
 *
 * A vault with `collateral` units of an asset priced `price` and `debt` BDOL leaves the reserve a
 * shortfall if the asset's price at the horizon, S_T, falls so far that selling the collateral at
 * `recovery` × S_T (the auction's floor, say) does not repay the debt: max(0, debt − recovery ×
 * collateral × S_T) = recovery × collateral × max(0, K − S_T) with K = debt / (recovery ×
 * collateral). The reserve is short one put per vault. Prices are lognormal without drift:
 * S_T = S e^{−σ²T/2 + σ√T Z}, Z standard normal, σ the oracle's annual volatility, T in years.
 *
 * Closed form (one factor: every collateral moved by the same Z, the crash case): the expected loss
 * is Σ Black–Scholes puts (r = 0); the loss L(Z) falls as Z rises, so the probability that it exceeds
 * what the reserve can pay is Φ(z*) where they meet, VaR at α is L(z_{1−α}), and the expected shortfall is
 * E[L | Z ≤ z_{1−α}] = Σ recovery × collateral × (K Φ(m) − S Φ(m − σ√T)) / (1 − α), m = min(z_{1−α}, z_K).
 * `monteCarlo` samples the same book with a correlation ρ between collaterals (one-factor Gaussian
 * copula); at ρ = 1 it estimates what the closed form computes.
 *
 * What the reserve can pay at the horizon is `reserve` (its stable part: BDOL, USDC, strategies)
 * plus the collateral it holds sold at the floor of the simulated price, Σ held × recovery × S_T:
 * a crash shrinks it too. The loss less that capacity still falls as z rises.
 */
import cdf from "@stdlib/stats-base-dists-normal-cdf";
import pdf from "@stdlib/stats-base-dists-normal-pdf";
import quantile from "@stdlib/stats-base-dists-normal-quantile";

const Phi = (x: number) => cdf(x, 0, 1);
const phi = (x: number) => pdf(x, 0, 1);

export interface BookVault {
  /** Collateral in whole tokens. */
  collateral: number;
  /** Debt in BDOL. */
  debt: number;
}

export interface CollateralBook {
  symbol: string;
  /** The oracle's price [USD]. */
  price: number;
  /** Annual volatility (0.8 = 80 %). */
  volatility: number;
  /** Share of the collateral's value an auction recovers at the horizon (the floor ratio: the worst it sells at). */
  recovery: number;
  vaults: BookVault[];
  /** Collateral the reserve itself holds (from liquidations it absorbed) [whole tokens]. */
  held: number;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(what);
}

const finite = (x: number) => Number.isFinite(x);

function checkHorizon(horizon: number): void {
  check(horizon > 0 && finite(horizon), `horizon must be a positive number of years: ${horizon}`);
}

function checkReserve(reserve: number): void {
  check(reserve >= 0 && finite(reserve), `reserve must be a finite number, not negative: ${reserve}`);
}

function checkAlpha(alpha: number): void {
  check(alpha > 0 && alpha < 1, `alpha must be in (0, 1): ${alpha}`);
}

function checkBook(b: CollateralBook, horizon: number): void {
  checkHorizon(horizon);
  check(b.price > 0 && Number.isFinite(b.price), `${b.symbol}: price must be positive: ${b.price}`);
  check(b.volatility > 0 && Number.isFinite(b.volatility), `${b.symbol}: volatility must be positive: ${b.volatility}`);
  check(b.recovery > 0 && b.recovery <= 1, `${b.symbol}: recovery must be in (0, 1]: ${b.recovery}`);
  check(b.held >= 0 && finite(b.held), `${b.symbol}: held must be finite, not negative: ${b.held}`);
  for (const v of b.vaults) {
    check(
      v.collateral >= 0 && v.debt >= 0 && finite(v.collateral) && finite(v.debt),
      `${b.symbol}: a vault's collateral and debt must be finite, not negative`,
    );
  }
}

/** Black–Scholes put with no interest: strike K on spot S, volatility σ over T years. */
export function putValue(S: number, K: number, sigma: number, T: number): number {
  if (K <= 0) return 0;
  const s = sigma * Math.sqrt(T);
  const d1 = (Math.log(S / K) + (s * s) / 2) / s;
  return K * Phi(-(d1 - s)) - S * Phi(-d1);
}

/** A vault's put: its notional (recovery × collateral) and strike; a vault without collateral is a sure loss. */
function put(b: CollateralBook, v: BookVault): { notional: number; strike: number } | { sure: number } {
  const notional = b.recovery * v.collateral;
  return notional === 0 ? { sure: v.debt } : { notional, strike: v.debt / notional };
}

/** The asset's price at the horizon for the normal draw z. */
const priceAt = (b: CollateralBook, T: number, z: number) =>
  b.price * Math.exp(-(b.volatility * b.volatility * T) / 2 + b.volatility * Math.sqrt(T) * z);

/** The book's loss (bad debt before the reserve) when the collateral's price is `S`. */
export function lossAtPrice(b: CollateralBook, S: number): number {
  let loss = 0;
  for (const v of b.vaults) loss += Math.max(0, v.debt - b.recovery * v.collateral * S);
  return loss;
}

/** Expected loss of one collateral's book at the horizon: Σ recovery × collateral × put(S, K). */
export function expectedLoss(b: CollateralBook, horizon: number): number {
  checkBook(b, horizon);
  let total = 0;
  for (const v of b.vaults) {
    const p = put(b, v);
    total += "sure" in p ? p.sure : p.notional * putValue(b.price, p.strike, b.volatility, horizon);
  }
  return total;
}

/** The system's loss when every collateral is moved by the same draw z (one factor). */
export function lossAt(books: CollateralBook[], horizon: number, z: number): number {
  for (const b of books) checkBook(b, horizon);
  return books.reduce((t, b) => t + lossAtPrice(b, priceAt(b, horizon, z)), 0);
}

/** What the reserve can pay when the prices are `prices`: its stable part and its collateral sold at the floor. */
const capacityAt = (books: CollateralBook[], reserve: number, prices: number[]) =>
  books.reduce((t, b, i) => t + b.held * b.recovery * prices[i], reserve);

/** Loss beyond what the reserve can pay at the one-factor draw z (falls as z rises). */
function uncoveredAt(books: CollateralBook[], reserve: number, horizon: number, z: number): number {
  const prices = books.map((b) => priceAt(b, horizon, z));
  return books.reduce((t, b, i) => t + lossAtPrice(b, prices[i]), 0) - capacityAt(books, reserve, prices);
}

/**
 * Probability that the loss exceeds what the reserve can pay at the horizon (`reserve` plus the
 * collateral it holds at the floor), one factor (closed form): Φ(z*) where they meet, found by
 * bisection (the uncovered loss is continuous and does not rise with z).
 */
export function insolvencyProbability(books: CollateralBook[], reserve: number, horizon: number): number {
  for (const b of books) checkBook(b, horizon);
  checkHorizon(horizon);
  checkReserve(reserve);
  let lo = -40;
  let hi = 40;
  if (uncoveredAt(books, reserve, horizon, lo) <= 0) return 0;
  if (uncoveredAt(books, reserve, horizon, hi) > 0) return 1;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (uncoveredAt(books, reserve, horizon, mid) > 0) lo = mid;
    else hi = mid;
  }
  return Phi((lo + hi) / 2);
}

/** Value at risk at `alpha` (0.99): the loss exceeded with probability 1 − alpha, one factor. */
export function valueAtRisk(books: CollateralBook[], horizon: number, alpha = 0.99): number {
  checkAlpha(alpha);
  return lossAt(books, horizon, quantile(1 - alpha, 0, 1));
}

/** Expected shortfall at `alpha` (0.99): the mean loss in the worst 1 − alpha of outcomes, one factor (closed form). */
export function expectedShortfall(books: CollateralBook[], horizon: number, alpha = 0.99): number {
  checkAlpha(alpha);
  checkHorizon(horizon);
  const zA = quantile(1 - alpha, 0, 1);
  let tail = 0;
  for (const b of books) {
    checkBook(b, horizon);
    const s = b.volatility * Math.sqrt(horizon);
    for (const v of b.vaults) {
      const p = put(b, v);
      if ("sure" in p) {
        tail += p.sure * (1 - alpha);
        continue;
      }
      // E[(K − S(Z)) 1{Z ≤ m}] with S(z) = S e^{−s²/2 + s z}: K Φ(m) − S Φ(m − s).
      const zK = (Math.log(p.strike / b.price) + (s * s) / 2) / s;
      const m = Math.min(zA, zK);
      tail += p.notional * (p.strike * Phi(m) - b.price * Phi(m - s));
    }
  }
  return tail / (1 - alpha);
}

export interface Greeks {
  /** Expected loss [BDOL]. */
  expectedLoss: number;
  /** ∂(expected loss)/∂price [BDOL per USD], ∂²/∂price², ∂/∂volatility [BDOL per unit of σ]. */
  lossDelta: number;
  lossGamma: number;
  lossVega: number;
  /** The reserve's exposure, held × price − expected loss, and its delta (held − lossDelta), gamma and vega. */
  exposure: number;
  delta: number;
  gamma: number;
  vega: number;
}

/** The Greeks of one collateral's book (Black–Scholes puts, r = 0) and of the reserve's exposure to it. */
export function greeks(b: CollateralBook, horizon: number): Greeks {
  checkBook(b, horizon);
  const s = b.volatility * Math.sqrt(horizon);
  let loss = 0;
  let lossDelta = 0;
  let lossGamma = 0;
  let lossVega = 0;
  for (const v of b.vaults) {
    const p = put(b, v);
    if ("sure" in p) {
      loss += p.sure;
      continue;
    }
    const d1 = (Math.log(b.price / p.strike) + (s * s) / 2) / s;
    loss += p.notional * putValue(b.price, p.strike, b.volatility, horizon);
    lossDelta += p.notional * (Phi(d1) - 1);
    lossGamma += (p.notional * phi(d1)) / (b.price * s);
    lossVega += p.notional * b.price * phi(d1) * Math.sqrt(horizon);
  }
  return {
    expectedLoss: loss,
    lossDelta,
    lossGamma,
    lossVega,
    exposure: b.held * b.price - loss,
    delta: b.held - lossDelta,
    gamma: -lossGamma,
    vega: -lossVega,
  };
}

/** What a price move (−0.01: 1 % down) and a volatility rise (+0.10: ten points) do to the expected loss, revalued. */
export function stressedLoss(
  b: CollateralBook,
  horizon: number,
  move: { price?: number; volatility?: number },
): number {
  return expectedLoss(
    { ...b, price: b.price * (1 + (move.price ?? 0)), volatility: b.volatility + (move.volatility ?? 0) },
    horizon,
  );
}

/**
 * A seeded stream of standard normal draws (xorshift128+ and Box–Muller), reproducible across runs.
 * The seed (any safe integer ≥ 0) is spread over the 128-bit state by splitmix64, so nearby seeds
 * give unrelated streams.
 */
export function normalStream(seed: number): () => number {
  check(Number.isSafeInteger(seed) && seed >= 0, `seed must be a whole number ≥ 0: ${seed}`);
  const mask = (1n << 64n) - 1n;
  let sm = BigInt(seed);
  const splitmix = (): bigint => {
    sm = (sm + 0x9e3779b97f4a7c15n) & mask;
    let z = sm;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    return z ^ (z >> 31n);
  };
  let s0 = splitmix();
  let s1 = splitmix();
  if (s0 === 0n && s1 === 0n) s1 = 1n;
  const uniform = (): number => {
    let x = s0;
    const y = s1;
    s0 = y;
    x ^= (x << 23n) & mask;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    // 52 random bits, centred: in (0, 1), never 0 or 1.
    return (Number(((s1 + y) & mask) >> 12n) + 0.5) / 2 ** 52;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

export interface MonteCarloResult {
  paths: number;
  expectedLoss: number;
  /** Standard error of the expected loss. */
  expectedLossError: number;
  insolvencyProbability: number;
  insolvencyProbabilityError: number;
  valueAtRisk: number;
  expectedShortfall: number;
  /** The loss's quantiles at 0.5 %, 1 %, …, 100 % (200 points, the last one the worst path). */
  quantiles: number[];
}

/**
 * The book's loss by simulation: each path draws a common factor M and one draw per collateral,
 * z_c = √ρ M + √(1 − ρ) ε_c (ρ = 1: the one-factor closed form's case), prices the book and counts
 * the paths whose loss exceeds what the reserve can pay (`reserve` + Σ held × recovery × S_T).
 */
export function monteCarlo(
  books: CollateralBook[],
  reserve: number,
  horizon: number,
  opts: { paths?: number; correlation?: number; seed?: number; alpha?: number } = {},
): MonteCarloResult {
  const paths = opts.paths ?? 100_000;
  const rho = opts.correlation ?? 1;
  const alpha = opts.alpha ?? 0.99;
  check(Number.isInteger(paths) && paths >= 100, `paths must be a whole number ≥ 100: ${paths}`);
  check(rho >= 0 && rho <= 1, `correlation must be in [0, 1]: ${rho}`);
  checkAlpha(alpha);
  check(paths * (1 - alpha) >= 1, `paths × (1 − alpha) must be at least 1: ${paths} paths at ${alpha}`);
  checkReserve(reserve);
  checkHorizon(horizon);
  for (const b of books) checkBook(b, horizon);
  const draw = normalStream(opts.seed ?? 1);
  const losses = new Float64Array(paths);
  let sum = 0;
  let sumSq = 0;
  let beyond = 0;
  for (let i = 0; i < paths; i++) {
    const m = draw();
    let loss = 0;
    let capacity = reserve;
    for (const b of books) {
      const z = rho === 1 ? m : Math.sqrt(rho) * m + Math.sqrt(1 - rho) * draw();
      const S = priceAt(b, horizon, z);
      loss += lossAtPrice(b, S);
      capacity += b.held * b.recovery * S;
    }
    losses[i] = loss;
    sum += loss;
    sumSq += loss * loss;
    if (loss > capacity) beyond++;
  }
  const mean = sum / paths;
  const p = beyond / paths;
  losses.sort();
  // The worst (1 − alpha) of the paths; VaR is the order statistic at ⌈n·alpha⌉.
  const tailFrom = Math.floor(paths * alpha);
  let tail = 0;
  for (let i = tailFrom; i < paths; i++) tail += losses[i];
  return {
    paths,
    expectedLoss: mean,
    expectedLossError: Math.sqrt(Math.max(0, sumSq / paths - mean * mean) / paths),
    insolvencyProbability: p,
    insolvencyProbabilityError: Math.sqrt((p * (1 - p)) / paths),
    valueAtRisk: losses[Math.ceil(paths * alpha) - 1],
    expectedShortfall: tail / (paths - tailFrom),
    quantiles: Array.from({ length: 200 }, (_, k) => losses[Math.ceil((paths * (k + 1)) / 200) - 1]),
  };
}

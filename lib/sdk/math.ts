/**
 * The protocol's fixed-point math in bigint: the one TypeScript copy of what MathLib and
 * CollateralLib compute on-chain, with the same rounding (the direction is in every name). Used by
 * the deploy config, the tools and the tests; `test/sdk/math.test.ts` checks it against the
 * contracts on random inputs.
 */
export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;
export const SECONDS_PER_YEAR = 365n * 24n * 3600n;
export const MAX_UINT256 = 2n ** 256n - 1n;

export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export const mulDivDown = (x: bigint, y: bigint, d: bigint): bigint => (x * y) / d;
export const mulDivUp = (x: bigint, y: bigint, d: bigint): bigint => (x * y + d - 1n) / d;
export const wadMulDown = (x: bigint, y: bigint): bigint => (x * y) / WAD;
export const wadMulUp = (x: bigint, y: bigint): bigint => mulDivUp(x, y, WAD);
export const wadDivDown = (x: bigint, y: bigint): bigint => (x * WAD) / y;
export const wadDivUp = (x: bigint, y: bigint): bigint => mulDivUp(x, WAD, y);
export const rayMulDown = (x: bigint, y: bigint): bigint => (x * y) / RAY;
export const rayMulUp = (x: bigint, y: bigint): bigint => mulDivUp(x, y, RAY);
export const rayDivDown = (x: bigint, y: bigint): bigint => (x * RAY) / y;
export const rayDivUp = (x: bigint, y: bigint): bigint => mulDivUp(x, RAY, y);

/** Integer square root, rounded down. */
export function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let z = x;
  let y = (x >> 1n) + 1n;
  while (y < z) {
    z = y;
    y = (x / y + y) >> 1n;
  }
  return z;
}

/** Mirrors MathLib.rpowUpCapped below its cap: x^n for a RAY base, each product rounded up. */
export function rpowUp(x: bigint, n: bigint): bigint {
  let z = RAY;
  while (n !== 0n) {
    if (n & 1n) z = rayMulUp(z, x);
    n >>= 1n;
    if (n !== 0n) x = rayMulUp(x, x);
  }
  return z;
}

/**
 * Per-second RAY fee → the annual continuously compounded rate [wad] the risk controller steers:
 * (perSecond − RAY) × year / 1e9, rounded down (RiskController._toAnnual).
 */
export function annualRateOf(perSecond: bigint): bigint {
  return ((perSecond - RAY) * SECONDS_PER_YEAR) / 10n ** 9n;
}

/** Annual continuously compounded rate [wad] → per-second fee [ray]: 1 + rate / year, rounded up (RiskController._toPerSecond). */
export function perSecondFeeUp(annualRate: bigint): bigint {
  return RAY + mulDivUp(annualRate * 10n ** 9n, 1n, SECONDS_PER_YEAR);
}

/**
 * Per-second RAY rate whose compounding over a year gives `annualRate` (a WAD, 0.02e18 = 2 %).
 * Found by bisection on the exact on-chain power, so the deployed rate compounds to the target
 * rounded down to the nearest RAY unit per second.
 */
export function perSecondRate(annualRate: bigint): bigint {
  const target = RAY + annualRate * 10n ** 9n;
  let lo = RAY;
  let hi = RAY + 10n ** 20n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (rpowUp(mid, SECONDS_PER_YEAR) <= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** `current` moved toward `target` by at most `maxStep`. */
export const stepToward = (current: bigint, target: bigint, maxStep: bigint): bigint =>
  target > current ? min(target, current + maxStep) : current - min(current - target, maxStep);

/** 10^(18 − decimals): a collateral amount in its own units × this is an 18-decimal amount. */
function collateralScale(decimals: bigint | number): bigint {
  return 10n ** (18n - BigInt(decimals));
}

/** Mirrors CollateralLib.valueDown: value [wad] of `amount` token units at `price`, rounded down. */
export function valueDown(amount: bigint, decimals: bigint | number, price: bigint): bigint {
  return (amount * collateralScale(decimals) * price) / WAD;
}

/** Mirrors CollateralLib.valueUp: the same, rounded up (what a buyer pays). */
export function valueUp(amount: bigint, decimals: bigint | number, price: bigint): bigint {
  return (amount * collateralScale(decimals) * price + WAD - 1n) / WAD;
}

/** Mirrors CollateralLib.amountForValueDown: token units worth at most `value`. */
export function amountForValueDown(value: bigint, decimals: bigint | number, price: bigint): bigint {
  return (value * WAD) / price / collateralScale(decimals);
}

/** Mirrors CollateralLib.amountForValueUp: token units worth at least `value`. */
export function amountForValueUp(value: bigint, decimals: bigint | number, price: bigint): bigint {
  const scale = collateralScale(decimals);
  return ((value * WAD + price - 1n) / price + scale - 1n) / scale;
}

/** A vault's debt [wad] from its normalized debt and the rate accumulator, rounded up (VaultManager). */
export const debtUp = (normalizedDebt: bigint, rate: bigint): bigint => rayMulUp(normalizedDebt, rate);

/**
 * A vault's health factor [wad]: collateral value / (debt × liquidation ratio), rounded down;
 * the maximum uint256 without debt (VaultManager.healthFactor).
 */
export function healthFactorDown(collateralValue: bigint, debt: bigint, liquidationRatio: bigint): bigint {
  if (debt === 0n) return MAX_UINT256;
  return wadDivDown(collateralValue, wadMulUp(debt, liquidationRatio));
}

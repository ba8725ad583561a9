/** Fixed-point helpers shared by the deploy config, scripts and tests. */
export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;
export const SECONDS_PER_YEAR = 365n * 24n * 3600n;

/** Decimal string or number → WAD bigint, exactly ("1.5" → 1.5e18). */
export function wad(value: string | number): bigint {
  return toFixed(String(value), 18);
}

/** Decimal string → fixed point with `decimals` places, exactly, without float rounding. */
export function toFixed(value: string, decimals: number): bigint {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) throw new Error(`not a decimal number: ${value}`);
  const [, sign, int = "", frac = ""] = match;
  if (frac.length > decimals) throw new Error(`${value} has more than ${decimals} decimals`);
  const digits = BigInt((int || "0") + frac.padEnd(decimals, "0"));
  return sign === "-" ? -digits : digits;
}

/** Fixed point → decimal string trimmed of trailing zeros (`fmt(1500000000000000000n)` → "1.5"). */
export function fromFixed(value: bigint, decimals = 18, maxFraction = decimals): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const base = 10n ** BigInt(decimals);
  const int = abs / base;
  let frac = (abs % base).toString().padStart(decimals, "0").slice(0, maxFraction);
  frac = frac.replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? "." + frac : ""}`;
}

function rayMulUp(a: bigint, b: bigint): bigint {
  return (a * b + RAY - 1n) / RAY;
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
 * Per-second RAY rate whose compounding over a year gives `annualRate` (a WAD, 0.02e18 = 2 %).
 * Found by bisection on the exact on-chain power, so the deployed rate compounds to the target
 * rounded down to the nearest RAY unit per second.
 */
/**
 * Per-second RAY fee → the annual continuously compounded rate [wad] the risk controller steers:
 * (perSecond − RAY) × year / 1e9, rounded down (RiskController._toAnnual).
 */
export function annualRateOf(perSecond: bigint): bigint {
  return ((perSecond - RAY) * SECONDS_PER_YEAR) / 10n ** 9n;
}

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

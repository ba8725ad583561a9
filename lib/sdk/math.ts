/**
 * The protocol's fixed-point math in bigint: the one TypeScript copy of what MathLib and
 * CollateralLib compute on-chain, with the same rounding (the direction is in every name). Used by
 * the deploy config, the tools and the tests; `test/sdk/math.test.ts` checks it against the
 * contracts on random inputs.
 */
import { MAX_RATE_ACCUMULATOR, RAY, SECONDS_PER_YEAR, WAD } from "./constants";

export { MAX_RATE_ACCUMULATOR, RAY, SECONDS_PER_YEAR, WAD };
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

/** What a per-second fee [ray] compounds to over a year, less one [wad]: rpowUp, rounded up (2 % a year → 0.02e18). */
export function yearlyGrowthUp(perSecond: bigint): bigint {
  return mulDivUp(rpowUp(perSecond, SECONDS_PER_YEAR) - RAY, 1n, 10n ** 9n);
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

/** Mirrors MathLib.rpowUpCapped: min(x^n, cap) for a RAY base, each product rounded up. */
export function rpowUpCapped(x: bigint, n: bigint, cap: bigint): bigint {
  let z = RAY;
  while (n !== 0n) {
    if (n & 1n) {
      z = rayMulUp(z, x);
      if (z > cap) return cap;
    }
    n >>= 1n;
    if (n !== 0n) {
      x = rayMulUp(x, x);
      if (x > cap) return cap;
    }
  }
  return z;
}

/** Mirrors MathLib.rpowDownCapped: min(x^n, cap) for a RAY base, each product rounded down. */
export function rpowDownCapped(x: bigint, n: bigint, cap: bigint): bigint {
  let z = RAY;
  while (n !== 0n) {
    if (n & 1n) {
      z = rayMulDown(z, x);
      if (z > cap) return cap;
    }
    n >>= 1n;
    if (n !== 0n) {
      x = rayMulDown(x, x);
      if (x > cap) return cap;
    }
  }
  return z;
}

/** Mirrors RateLib.interestDown: savings interest on `assets` at `rate` [ray/s] for `elapsed` s, rounded down. */
export function interestDown(assets: bigint, rate: bigint, elapsed: bigint): bigint {
  if (elapsed === 0n || rate === RAY) return 0n;
  return rayMulDown(assets, rpowDownCapped(rate, elapsed, MAX_RATE_ACCUMULATOR) - RAY);
}

/** Mirrors RateLib.grow: `rate` compounded at `fee` for `elapsed` seconds, rounded up, saturated at the cap. */
export function growRateUp(rate: bigint, fee: bigint, elapsed: bigint): bigint {
  if (elapsed === 0n) return rate;
  return min(rayMulUp(rate, rpowUpCapped(fee, elapsed, MAX_RATE_ACCUMULATOR)), MAX_RATE_ACCUMULATOR);
}

/** Mirrors CollateralLib.shareDown: amount × part / whole rounded down, exactly `amount` when part = whole. */
export const shareDown = (amount: bigint, part: bigint, whole: bigint): bigint =>
  part === whole ? amount : (amount * part) / whole;

/** Mirrors CollateralLib.slice: how much of `debt` a liquidation takes and how much of it the buffer absorbs. */
export function sliceDebt(
  debt: bigint,
  absorbCapacity: bigint,
  auctionRoom: bigint,
  minDebt: bigint,
): { sliced: bigint; absorbed: bigint } {
  if (debt <= absorbCapacity) return { sliced: debt, absorbed: debt };
  let absorbed = absorbCapacity;
  let sliced = absorbed + min(debt - absorbed, auctionRoom);
  if (sliced < debt && debt - sliced < minDebt) {
    sliced = debt > minDebt ? debt - minDebt : 0n;
    if (absorbed > sliced) absorbed = sliced;
  }
  return { sliced, absorbed };
}

/** Mirrors CollateralLib.split: the collateral a liquidation sends to the reserve and to auction (rounded down). */
export function splitCollateralDown(
  collateralAmount: bigint,
  debt: bigint,
  sliced: bigint,
  absorbed: bigint,
  penalty: bigint,
  decimals: bigint | number,
  price: bigint,
): { toReserve: bigint; toAuction: bigint } {
  const slicedCollateral = shareDown(collateralAmount, sliced, debt);
  const absorbShare = shareDown(slicedCollateral, absorbed, sliced);
  let toReserve = 0n;
  if (absorbed !== 0n)
    toReserve = min(absorbShare, amountForValueUp(wadMulUp(absorbed, WAD + penalty), decimals, price));
  return { toReserve, toAuction: slicedCollateral - absorbShare };
}

/**
 * Mirrors AuctionLib.takeAmounts: what a taker asking for `slice` of an auction receives and pays
 * (the taker pays rounded up, receives rounded down). Throws an Error named like the contract's
 * revert (`TakeLeavesDust`, `TakeLeavesDustLot`, `ZeroAmount`).
 */
export function takeAmounts(
  lot: bigint,
  tab: bigint,
  slice: bigint,
  price: bigint,
  decimals: bigint | number,
  dust: bigint,
): { collateralOut: bigint; paid: bigint } {
  let paid = valueUp(slice, decimals, price);
  if (paid >= tab) return { collateralOut: min(amountForValueDown(tab, decimals, price), slice), paid: tab };
  if (slice < lot) {
    if (tab - paid < dust) {
      if (tab <= dust) throw new Error("TakeLeavesDust");
      slice = amountForValueDown(tab - dust, decimals, price);
      if (slice === 0n) throw new Error("TakeLeavesDust");
    }
    const lotLeftValue = valueDown(lot - slice, decimals, price);
    if (lotLeftValue < dust) {
      const keep = amountForValueUp(dust, decimals, price);
      if (keep >= lot) throw new Error("TakeLeavesDustLot");
      slice = lot - keep;
    }
    paid = valueUp(slice, decimals, price);
  }
  if (slice === 0n || paid === 0n) throw new Error("ZeroAmount");
  return { collateralOut: slice, paid };
}

/** The auction price multiplier `elapsed` seconds after a (re)start: start × (duration − t) / duration, 0 after. */
export const auctionMultiplierDown = (elapsed: bigint, startMultiplier: bigint, duration: bigint): bigint =>
  elapsed >= duration ? 0n : (startMultiplier * (duration - elapsed)) / duration;

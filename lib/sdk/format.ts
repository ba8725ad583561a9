/**
 * The one formatter: fixed-point amounts, percentages, rates, durations and times in human units,
 * and the text tables every tool prints. Numbers go through Intl.NumberFormat with the decimal
 * string (exact, no floating point); tables through cli-table3.
 */
import Table from "cli-table3";
import { MAX_UINT256, RAY, yearlyGrowthUp } from "./math";
import { fromFixed } from "./units";

const formatters = new Map<number, Intl.NumberFormat>();
function numberFormat(digits: number): Intl.NumberFormat {
  let f = formatters.get(digits);
  if (!f) {
    f = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      roundingMode: "halfExpand",
      signDisplay: "negative",
    } as unknown as Intl.NumberFormatOptions);
    formatters.set(digits, f);
  }
  return f;
}

/** A fixed-point amount with thousands separators and `digits` decimals ("1,234.50"); ∞ for max uint256. */
export function fmtWad(value: bigint, digits = 2, decimals = 18): string {
  if (value === MAX_UINT256) return "∞";
  return numberFormat(digits).format(fromFixed(value, decimals) as unknown as number);
}

/** A fixed-point amount with up to `maxDigits` decimals, trailing zeros trimmed ("2.5"). */
export function fmtAmount(value: bigint, decimals = 18, maxDigits = 6): string {
  const [int, frac = ""] = fromFixed(value, decimals, maxDigits).split(".");
  const grouped = numberFormat(0).format(int as unknown as number);
  return frac ? `${grouped}.${frac}` : grouped;
}

/** An amount of a token with its symbol: "2.5 WETH". */
export const fmtToken = (value: bigint, decimals: number, symbol: string, maxDigits = 6): string =>
  `${fmtAmount(value, decimals, maxDigits)} ${symbol}`;

/** A WAD ratio as a percentage ("150.00 %"); ∞ for max uint256. */
export function fmtPct(value: bigint, digits = 2): string {
  if (value === MAX_UINT256) return "∞";
  return `${fmtWad(value * 100n, digits)} %`;
}

/** A float (the risk measures' figures) with `digits` decimals and thousands separators. */
export function fmtNumber(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) < 0.5 * 10 ** -digits) x = 0; // rounds to zero: no "-0.00"
  return new Intl.NumberFormat("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(x);
}

/** A float fraction as a percentage (0.0123 → "1.23 %"); below 0.01 % shown as "< 0.01 %". */
export function fmtFraction(x: number, digits = 2): string {
  if (x > 0 && x < 10 ** -(digits + 2)) return `< ${fmtNumber(10 ** -digits, digits)} %`;
  return `${fmtNumber(x * 100, digits)} %`;
}

/** An annual continuously compounded rate [wad] as the yearly growth of a debt ("2.02 %"). */
export function fmtRate(rate: bigint): string {
  return `${(Math.expm1(Number(rate) / 1e18) * 100).toFixed(2)} %`;
}

/** A per-second RAY fee as the yearly growth it compounds to ("2.0000 % a year"). */
export function fmtPerSecondFee(fee: bigint, digits = 4): string {
  if (fee < RAY) return `${fee} per second (below 1 RAY)`;
  const yearly = yearlyGrowthUp(fee) * 100n; // WAD percent
  return `${fmtAmount(yearly, 18, digits)} % a year`;
}

/** Seconds as "1 d 2 h 3 min 4 s", keeping the `maxParts` largest units. */
export function fmtDuration(seconds: bigint | number, maxParts = 4): string {
  let rest = BigInt(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3600n],
    ["min", 60n],
  ] as const) {
    if (rest >= size) {
      parts.push(`${rest / size} ${unit}`);
      rest %= size;
    }
  }
  if (rest > 0n || parts.length === 0) parts.push(`${rest} s`);
  return parts.slice(0, maxParts).join(" ");
}

/** A timestamp as "2025-01-01 12:00:00 UTC". */
export function fmtUtc(timestamp: bigint | number): string {
  // Dates run to year 275760; a larger timestamp (a sentinel such as max uint) prints as it is.
  if (Number(timestamp) > 8.64e12 || Number(timestamp) < 0) return `timestamp ${timestamp}`;
  return new Date(Number(timestamp) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** A timestamp as UTC with its distance from the chain's `now`: "2025-01-01 12:00:00 UTC (in 1 h)". */
export function fmtTime(timestamp: bigint, now: bigint): string {
  const iso = fmtUtc(timestamp);
  if (timestamp === now) return `${iso} (now)`;
  return timestamp > now
    ? `${iso} (in ${fmtDuration(timestamp - now, 2)})`
    : `${iso} (${fmtDuration(now - timestamp, 2)} ago)`;
}

/** A timestamp as "in 2 h 5 min" / "3 min 10 s ago" relative to `now`, or "–" for 0. */
export function fmtWhen(at: bigint, now: bigint): string {
  if (at === 0n) return "–";
  if (at === now) return "now";
  return at > now ? `in ${fmtDuration(at - now, 2)}` : `${fmtDuration(now - at, 2)} ago`;
}

/** Minutes since a simulation's start: "h:mm" within two days, else "d d h:mm". */
export function fmtMinute(minute: number): string {
  const m = String(Math.round(minute % 60)).padStart(2, "0");
  if (minute < 2880) return `${Math.floor(minute / 60)}:${m}`;
  return `${Math.floor(minute / 1440)} d ${Math.floor((minute % 1440) / 60)}:${m}`;
}

/** An integer with thousands separators. */
export const fmtInt = (value: bigint | number): string => numberFormat(0).format(value as number);

type Cell = string | number | bigint;

/** Rows as an aligned text table (first column left, the others right), with a title line above. */
export function tableText(title: string, rows: Record<string, Cell>[]): string {
  if (rows.length === 0) return "";
  const headers = Object.keys(rows[0]);
  const t = new Table({
    head: headers,
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    colAligns: headers.map((_, i) => (i === 0 ? "left" : "right")),
  });
  for (const r of rows) t.push(headers.map((h) => String(r[h])));
  // cli-table3 rules every row or none: keep only the rule under the header.
  const [top, head, ...body] = t.toString().split("\n");
  const rule = top.replace("┌", "├").replace(/┬/g, "┼").replace("┐", "┤");
  return `\n${title}\n${[top, head, rule, ...body].join("\n")}`;
}

/** Prints rows as an aligned text table with a title. */
export function table(title: string, rows: Record<string, Cell>[]): void {
  if (rows.length > 0) console.log(tableText(title, rows));
}

/** Key/value pairs as a two-column table. */
export function kv(title: string, pairs: Record<string, Cell>): void {
  table(
    title,
    Object.entries(pairs).map(([k, v]) => ({ item: k, value: String(v) })),
  );
}

/**
 * A value as JSON text for `--json` output: ethers Results become objects (named fields) or arrays,
 * bigints become decimal strings (exact), so a script can read every figure without rounding.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(plain(value), null, 2);
}

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) {
    const r = value as unknown[] & { toObject?: (deep?: boolean) => Record<string, unknown> };
    if (typeof r.toObject === "function") {
      let obj: Record<string, unknown> | undefined;
      try {
        obj = r.toObject();
      } catch {
        obj = undefined; // unnamed fields
      }
      if (obj && Object.keys(obj).length > 0 && !Object.keys(obj).every((k) => /^_?\d+$/.test(k))) {
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
      }
    }
    return r.map(plain);
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Decimal strings ↔ fixed point, exactly (no floating point), and the parsers the command line
 * uses for amounts, durations and prices. A parser refuses a bad value with a `UsageError` that
 * names the argument, so a tool prints one line instead of a stack trace.
 */
import { UsageError } from "./cli-error";

/** Decimal string or number → WAD bigint, exactly ("1.5" → 1.5e18). */
export function wad(value: string | number): bigint {
  return toFixed(String(value), 18);
}

/** Decimal string → fixed point with `decimals` places, exactly, without float rounding. */
export function toFixed(value: string, decimals: number): bigint {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim().replace(/_/g, ""));
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`not a decimal number: ${value}`);
  const [, sign, int = "", frac = ""] = match;
  if (frac.length > decimals) throw new Error(`${value} has more than ${decimals} decimals`);
  const digits = BigInt((int || "0") + frac.padEnd(decimals, "0"));
  return sign === "-" ? -digits : digits;
}

/** Fixed point → decimal string trimmed of trailing zeros (`fromFixed(1500000000000000000n)` → "1.5"). */
export function fromFixed(value: bigint, decimals = 18, maxFraction = decimals): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const base = 10n ** BigInt(decimals);
  const int = abs / base;
  let frac = (abs % base).toString().padStart(decimals, "0").slice(0, maxFraction);
  frac = frac.replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? "." + frac : ""}`;
}

export interface AmountRules {
  /** Refuse 0 (default: allowed). */
  positive?: boolean;
  /** Largest accepted value in fixed point; refused above with the limit in `unit`. */
  max?: bigint;
  /** Unit named in messages ("WETH", "BDOL"). */
  unit?: string;
}

/**
 * A command-line amount: a non-negative decimal with at most `decimals` places ("2.5", "1_000"),
 * as fixed point. Anything else is refused with one line naming `arg`.
 */
export function parseAmount(arg: string, value: unknown, decimals: number, rules: AmountRules = {}): bigint {
  const text = String(value ?? "").trim();
  const unit = rules.unit ? ` ${rules.unit}` : "";
  if (!/^\d[\d_]*(\.\d*)?$|^\.\d+$/.test(text)) {
    const why = text.startsWith("-") ? "must not be negative" : "is not a decimal number";
    throw new UsageError(`--${arg} ${JSON.stringify(text)} ${why} (e.g. --${arg} 2.5)`);
  }
  const frac = text.split(".")[1] ?? "";
  if (frac.length > decimals) {
    throw new UsageError(`--${arg} ${text} has ${frac.length} decimals; ${rules.unit ?? "it"} has ${decimals}`);
  }
  const amount = toFixed(text, decimals);
  if (rules.positive && amount === 0n) throw new UsageError(`--${arg} must be more than 0${unit}`);
  if (rules.max !== undefined && amount > rules.max) {
    throw new UsageError(`--${arg} ${text}${unit} is more than ${fromFixed(rules.max, decimals)}${unit}`);
  }
  return amount;
}

/** A whole non-negative number (an id, a count), refused with one line naming `arg` otherwise. */
export function parseWhole(arg: string, value: unknown, rules: { positive?: boolean } = {}): bigint {
  const text = String(value ?? "").trim();
  if (!/^\d+$/.test(text)) {
    throw new UsageError(
      `--${arg} ${JSON.stringify(text)} is not a whole number${text.startsWith("-") ? " (negative)" : ""}`,
    );
  }
  const n = BigInt(text);
  if (rules.positive && n === 0n) throw new UsageError(`--${arg} must be at least 1`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 };

/** "90", "90s", "30m", "1h", "1.5h", "1d", "2w" → seconds; one line naming `arg` otherwise. */
export function parseDuration(arg: string, value: unknown): bigint {
  const text = String(value ?? "").trim();
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?$/.exec(text);
  if (!match) throw new UsageError(`--${arg} ${JSON.stringify(text)} is not a duration (e.g. 90s, 30m, 1h, 1d)`);
  const seconds = Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "s"]);
  if (seconds <= 0) throw new UsageError(`--${arg} must be longer than 0 s`);
  return BigInt(seconds);
}

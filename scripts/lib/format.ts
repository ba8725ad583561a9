/** Small formatting helpers for the demo, the benchmark and the status tools. */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { fromFixed } from "../../config/units";

/** Human names of IOracleAdapter's `PriceStatus`, indexed by its numeric value. */
export const PRICE_STATUS = ["live", "stale", "out of bounds", "frozen", "failed", "sequencer down", "sequencer grace"];

/** A WAD amount as a human number with thousands separators and `digits` decimals. */
export function fmtWad(value: bigint, digits = 2, decimals = 18): string {
  if (value === 2n ** 256n - 1n) return "∞";
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const scale = 10n ** BigInt(decimals);
  // Round half up to `digits` decimals.
  const unit = 10n ** BigInt(Math.max(decimals - digits, 0));
  const rounded = digits >= decimals ? abs : ((abs + unit / 2n) / unit) * unit;
  const int = rounded / scale;
  const frac = (rounded % scale).toString().padStart(decimals, "0").slice(0, digits);
  const intStr = int.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${intStr}${digits > 0 ? "." + frac : ""}`;
}

/** A WAD ratio as a percentage ("150.00 %"). */
export function fmtPct(value: bigint, digits = 2): string {
  if (value === 2n ** 256n - 1n) return "∞";
  return `${fmtWad(value * 100n, digits)} %`;
}

/** Prints rows as an aligned text table with a title. */
export function table(title: string, rows: Record<string, string | number | bigint>[]): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]);
  const cells = rows.map((r) => headers.map((h) => String(r[h])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals: string[]) =>
    "│ " + vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" │ ") + " │";
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  console.log(`\n${title}`);
  console.log(rule("┌", "┬", "┐"));
  console.log(line(headers));
  console.log(rule("├", "┼", "┤"));
  for (const c of cells) console.log(line(c));
  console.log(rule("└", "┴", "┘"));
}

/** Key/value pairs as a two-column table. */
export function kv(title: string, pairs: Record<string, string | number | bigint>): void {
  table(
    title,
    Object.entries(pairs).map(([k, v]) => ({ item: k, value: String(v) })),
  );
}

export { fromFixed };

const symbols = new Map<string, string>();

/** A token's symbol (cached per network), or its address when it has none. */
export async function symbolOf(hre: HardhatRuntimeEnvironment, token: string): Promise<string> {
  const key = `${hre.network.name}:${token.toLowerCase()}`;
  let symbol = symbols.get(key);
  if (symbol === undefined) {
    try {
      const erc20 = new hre.ethers.Contract(token, ["function symbol() view returns (string)"], hre.ethers.provider);
      symbol = String(await erc20.symbol());
    } catch {
      symbol = token;
    }
    symbols.set(key, symbol);
  }
  return symbol;
}

/**
 * Crash scenarios: a JSON file per scenario in sim/scenarios/ (format in sim/README.md). Prices are
 * given as points [minutes since the start, USD price] per asset and linearly interpolated; after
 * the last point the price stays flat.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

/** The assets a scenario prices, with the collateral and mock feed each one drives. */
export const SCENARIO_ASSETS = {
  ETH: { collateral: "WETH", feed: "ETH_USD_FEED", decimals: 18 },
  BTC: { collateral: "WBTC", feed: "BTC_USD_FEED", decimals: 8 },
} as const;
export type AssetKey = keyof typeof SCENARIO_ASSETS;
export const ASSET_KEYS = Object.keys(SCENARIO_ASSETS) as AssetKey[];

/** [minutes since the start, USD price]. */
export type PricePoint = [number, number];

export interface Scenario {
  name: string;
  description: string;
  /** Where the shape comes from. */
  source?: string;
  /** Seconds between price steps (feed rounds) when nothing is happening; at most 3600 (heartbeat 3900 s). */
  stepSeconds: number;
  /** Seconds between keeper rounds while auctions run or the reserve holds collateral (default min(step, 300)). */
  keeperIntervalSeconds?: number;
  /** Length of the run in minutes (default: the last price point). */
  durationMinutes?: number;
  prices: Record<AssetKey, PricePoint[]>;
  /** Windows [fromMinute, toMinute) without keepers for the "absent" run; default: the steepest hour. */
  keeperAbsences?: [number, number][];
  /** Checks the simulator enforces (exit status 1 when not met). */
  expect?: { zeroBadDebtWithActiveKeepers?: boolean };
}

/** The OracleAdapter's circuit breaker trips on a move above this between recorded prices. */
export const BREAKER_DEVIATION = 0.25;
/** The local feeds' heartbeat; a step must publish rounds more often than this. */
export const HEARTBEAT_SECONDS = 3900;

export const SCENARIO_DIR = path.join(__dirname, "..", "..", "..", "sim", "scenarios");

/** Loads `sim/scenarios/<name>.json`, or a path to a JSON file, and validates it. */
export function loadScenario(nameOrPath: string): Scenario {
  const file =
    nameOrPath.endsWith(".json") || nameOrPath.includes("/")
      ? path.resolve(nameOrPath)
      : path.join(SCENARIO_DIR, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    throw new Error(`no scenario "${nameOrPath}" (looked for ${file}); known: ${listScenarios().join(", ")}`);
  }
  return validateScenario(JSON.parse(readFileSync(file, "utf8")), file);
}

/** Names of the scenarios in sim/scenarios/. */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

/** Checks a parsed scenario and fills in defaults; throws with the file and field on a bad value. */
export function validateScenario(raw: unknown, where = "scenario"): Scenario {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (typeof raw !== "object" || raw === null) fail("not a JSON object");
  const s = raw as Scenario;
  if (typeof s.name !== "string" || !/^[a-z0-9-]+$/.test(s.name)) fail("name must be lower-case words and dashes");
  if (typeof s.description !== "string") fail("description is missing");
  if (!Number.isInteger(s.stepSeconds) || s.stepSeconds < 60 || s.stepSeconds > 3600) {
    fail("stepSeconds must be an integer in [60, 3600] (the feeds' heartbeat is 3900 s)");
  }
  s.keeperIntervalSeconds ??= Math.min(s.stepSeconds, 300);
  if (!Number.isInteger(s.keeperIntervalSeconds) || s.keeperIntervalSeconds < 12) {
    fail("keeperIntervalSeconds must be an integer ≥ 12");
  }
  if (s.keeperIntervalSeconds > s.stepSeconds) fail("keeperIntervalSeconds must not exceed stepSeconds");
  if (typeof s.prices !== "object" || s.prices === null) fail("prices is missing");
  let last = 0;
  for (const asset of ASSET_KEYS) {
    const pts = s.prices[asset];
    if (!Array.isArray(pts) || pts.length === 0) fail(`prices.${asset} must be a non-empty list of [minute, price]`);
    pts.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === "number" && Number.isFinite(x))) {
        fail(`prices.${asset}[${i}] must be [minute, price]`);
      }
      if (p[1] <= 0) fail(`prices.${asset}[${i}]: price must be positive`);
      if (i === 0 && p[0] !== 0) fail(`prices.${asset} must start at minute 0`);
      if (i > 0 && p[0] <= pts[i - 1][0]) fail(`prices.${asset}: minutes must increase (at index ${i})`);
    });
    last = Math.max(last, pts[pts.length - 1][0]);
  }
  for (const k of Object.keys(s.prices)) {
    if (!ASSET_KEYS.includes(k as AssetKey)) fail(`prices.${k}: unknown asset (known: ${ASSET_KEYS.join(", ")})`);
  }
  s.durationMinutes ??= last;
  if (!(s.durationMinutes > 0)) fail("durationMinutes must be positive");
  for (const [i, w] of (s.keeperAbsences ?? []).entries()) {
    if (!Array.isArray(w) || w.length !== 2 || !(w[0] >= 0) || !(w[1] > w[0])) {
      fail(`keeperAbsences[${i}] must be [fromMinute, toMinute] with from < to`);
    }
  }
  return s;
}

/** The asset's price at `minute`, linearly interpolated, flat after the last point. */
export function priceAt(points: PricePoint[], minute: number): number {
  if (minute <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    const [m1, p1] = points[i];
    if (minute <= m1) {
      const [m0, p0] = points[i - 1];
      return p0 + ((p1 - p0) * (minute - m0)) / (m1 - m0);
    }
  }
  return points[points.length - 1][1];
}

/**
 * The window of `lengthMinutes` (starting on a whole minute) in which some asset falls the most,
 * relative to its price at the window's start. Returns the window and the move (−0.3 = −30 %).
 */
export function steepestWindow(
  s: Scenario,
  lengthMinutes: number,
): { from: number; to: number; asset: AssetKey; move: number } {
  let best = { from: 0, to: lengthMinutes, asset: ASSET_KEYS[0], move: Infinity };
  const end = Math.max(0, (s.durationMinutes ?? 0) - lengthMinutes);
  for (let m = 0; m <= end; m++) {
    for (const asset of ASSET_KEYS) {
      const move = priceAt(s.prices[asset], m + lengthMinutes) / priceAt(s.prices[asset], m) - 1;
      if (move < best.move) best = { from: m, to: m + lengthMinutes, asset, move };
    }
  }
  return best;
}

/** Largest relative move of any asset between two consecutive steps (the breaker trips above 25 %). */
export function largestStepMove(s: Scenario): { minute: number; asset: AssetKey; move: number } {
  let worst = { minute: 0, asset: ASSET_KEYS[0], move: 0 };
  const stepMin = s.stepSeconds / 60;
  for (let m = stepMin; m <= (s.durationMinutes ?? 0); m += stepMin) {
    for (const asset of ASSET_KEYS) {
      const move = priceAt(s.prices[asset], m) / priceAt(s.prices[asset], m - stepMin) - 1;
      if (Math.abs(move) > Math.abs(worst.move)) worst = { minute: m, asset, move };
    }
  }
  return worst;
}

/** Peak-to-trough and start-to-end moves of each asset, for the report. */
export function pathSummary(
  s: Scenario,
): Record<AssetKey, { start: number; low: number; end: number; maxDrawdown: number }> {
  const out = {} as Record<AssetKey, { start: number; low: number; end: number; maxDrawdown: number }>;
  for (const asset of ASSET_KEYS) {
    const pts = s.prices[asset];
    let peak = pts[0][1];
    let dd = 0;
    let low = pts[0][1];
    for (const [m, p] of pts) {
      if (m > (s.durationMinutes ?? Infinity)) break;
      peak = Math.max(peak, p);
      low = Math.min(low, p);
      dd = Math.min(dd, p / peak - 1);
    }
    out[asset] = { start: pts[0][1], low, end: priceAt(pts, s.durationMinutes ?? 0), maxDrawdown: dd };
  }
  return out;
}

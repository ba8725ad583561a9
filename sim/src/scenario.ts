/**
 * Crash scenarios: a JSON file per scenario in sim/scenarios/ (format in sim/README.md). Prices are
 * given as points [minutes since the start, USD price] per asset and linearly interpolated; after
 * the last point the price stays flat. The collaterals are the configuration's (assets.ts), named by
 * the asset their feed prices (ETH, BTC); one the scenario does not price stays at its deployed
 * price. USDC (the PSM's stable asset) and BDOL (the stablecoin's market price, the risk controller's
 * peg input) are optional and flat at $1 by default. An optional `psm` block adds flows through the
 * peg stability module.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { networkConfig } from "../../config/networks";
import { PEG_KEYS, assetChoices, assetKeys, simAssets, type PegKey, type SimAsset } from "./assets";

/** A collateral as a scenario names it (SimAsset.key: ETH, BTC). */
export type AssetKey = string;
/** A collateral or USDC or BDOL. */
export type PriceKey = AssetKey | PegKey;

/** The assets a scenario may price: the collaterals, then USDC and BDOL. */
export function priceKeys(assets = simAssets()): PriceKey[] {
  return [...assetKeys(assets), ...PEG_KEYS];
}

/** [minutes since the start, USD price]. */
export type PricePoint = [number, number];
/** The default path of USDC and BDOL: $1 throughout. */
export const FLAT_PEG: PricePoint[] = [[0, 1]];

/** [minute, amount]: an amount asked for at that minute. */
export type Ask = [number, number];

/**
 * Flows through the peg stability module (see sim/README.md, "PSM flows"). Amounts are whole
 * USDC or BDOL (floats are fine).
 */
export interface PsmFlows {
  /** USDC the holders swap into the PSM during setup; the reserve is then rebalanced (default 0). */
  seedLiquidity?: number;
  /** [minute, BDOL]: holders ask to redeem BDOL for USDC; what the outflow bucket refuses waits in a queue. */
  redemptions?: Ask[];
  /** Most BDOL the arbitrageur swaps per hour while the market price leaves the PSM's fee band (default 1,000,000; 0: none). */
  arbitragePerHour?: number;
}

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
  /**
   * Per collateral (any of the configuration's; after validation every one has a path, its deployed
   * price for one not given) and optionally USDC and BDOL (default flat at $1).
   */
  prices: Record<AssetKey, PricePoint[]> & Partial<Record<PegKey, PricePoint[]>>;
  /** Windows [fromMinute, toMinute) without keepers for the "absent" run; default: the steepest hour. */
  keeperAbsences?: [number, number][];
  /** Flows through the peg stability module (default: none but the arbitrageur, idle at $1). */
  psm?: PsmFlows;
  /** Where an asset's oracle feed departs from its market price (`prices`, which the pools follow). */
  oracle?: Partial<Record<AssetKey, OracleSpec>>;
  /** A gas-price path and the keeper's cap. */
  gas?: GasSpec;
  /** Several keepers with partial capacity, competing (default: one keeper, always there, no cap). */
  keepers?: KeepersSpec;
  /** Borrowers who react to prices and fees (default: none do). */
  borrowers?: BorrowersSpec;
  /** The markets' depth and BDOL's demand (used by the market model, the default; see sim/README.md, "Markets"). */
  market?: MarketSpec;
  /** Checks the simulator enforces (exit status 1 when not met). */
  expect?: ScenarioExpectations;
}

/** The market model's inputs (see sim/src/market.ts). */
/**
 * How an asset's feed departs from the market: its own path (e.g. without a wick the pools saw), a
 * lag, a floor it sticks at, and outages without rounds (the oracle reads Stale once the heartbeat
 * has passed). The feed publishes max(floor, path(minute − lag)) at every tick outside an outage.
 */
export interface OracleSpec {
  prices?: PricePoint[];
  lagMinutes?: number;
  floor?: number;
  outages?: [number, number][];
}

/**
 * The network's basefee over the run ([minute, gwei], interpolated; default: Hardhat's own, which
 * decays toward 0) and the keeper's `maxGasPrice` (gwei; above it the keeper sends nothing).
 */
export interface GasSpec {
  basefeeGwei?: PricePoint[];
  keeperMaxGwei?: number;
}

/**
 * Competing keepers: `count` of them (1–5), each running the keeper bot in turn every keeper round
 * (the first to go rotates), each missing a round with probability `missRate` (a seeded draw), each
 * spending at most `maxTakeBdol` per take. The first also does the unpaid duties (poke, rebalance).
 * The keepers' BDOL stash is split evenly between them.
 */
export interface KeepersSpec {
  count?: number;
  maxTakeBdol?: number;
  missRate?: number;
}

/**
 * Borrowers who react: the owners of a `share` of the vaults (a seeded draw per vault) look every
 * `everyMinutes` (default 60) and, in this order: below a health factor of `topUpBelow` add
 * collateral back to `topUpTo`; with the collateral's stability fee above `repayAboveFee` (APR)
 * repay `repayShare` of the debt (BDOL bought from the holders at $1; never below the minimum
 * debt); above a health factor of `borrowAbove` with the fee below `borrowBelowFee` borrow down to
 * `borrowTo`. Each reaction is optional; a refused call (a cap, a ratio) is skipped and counted.
 */
export interface BorrowersSpec {
  share: number;
  everyMinutes?: number;
  topUpBelow?: number;
  topUpTo?: number;
  repayAboveFee?: number;
  repayShare?: number;
  borrowAbove?: number;
  borrowTo?: number;
  borrowBelowFee?: number;
}

/** The price the asset's feed publishes at `minute`, or undefined during an outage (no round). */
export function feedPriceAt(s: Scenario, key: AssetKey, minute: number): number | undefined {
  const o = s.oracle?.[key];
  if (o === undefined) return priceAt(s.prices[key], minute);
  if ((o.outages ?? []).some(([from, to]) => minute >= from && minute < to)) return undefined;
  const p = priceAt(o.prices ?? s.prices[key], Math.max(0, minute - (o.lagMinutes ?? 0)));
  return o.floor === undefined ? p : Math.max(p, o.floor);
}

export interface MarketSpec {
  /** Each collateral pool's depth at the start: the market maker's full-range position [USD] (default 100M). */
  depthUsd?: Partial<Record<AssetKey, number>>;
  /** [minute, multiplier of the starting depth] (default 1 throughout), e.g. [[0, 1], [60, 0.2]]: 80 % gone in an hour. */
  depth?: PricePoint[];
  /** [minute, BDOL per hour] the holders buy (+) or sell (−) in BDOL's pool whatever the price, interpolated. */
  bdolDemand?: PricePoint[];
  /** Most BDOL per hour the holders trade toward a scripted BDOL price (`prices.BDOL`; default 2,000,000). */
  bdolFollowPerHour?: number;
}

/** Scenario-specific checks; each is checked in every run of the scenario unless it says otherwise. */
export interface ScenarioExpectations {
  /** The active-keeper run ends without bad debt. */
  zeroBadDebtWithActiveKeepers?: boolean;
  /** The PSM's depeg guard refuses at least one mint (the arbitrageur tries while USDC is below tolerance). */
  psmMintRefused?: boolean;
  /** The reserve withdraws USDC from a strategy at least once (to pay a redemption or by rebalance). */
  strategyPulled?: boolean;
}
export const EXPECTATION_KEYS: (keyof ScenarioExpectations)[] = [
  "zeroBadDebtWithActiveKeepers",
  "psmMintRefused",
  "strategyPulled",
];

/** Default size of the arbitrageur [BDOL per hour]. */
export const DEFAULT_ARBITRAGE_PER_HOUR = 1_000_000;

/** The local feeds' heartbeat; a step must publish rounds more often than this. */
export const HEARTBEAT_SECONDS = 3900;

/** The local USD feeds' settings (USDC and BDOL share them; the in-process network uses the local config): bounds and circuit-breaker deviation. */
const USD_FEED = networkConfig("localhost").pricedAssets.USDC.feed;
export const PEG_FEED = {
  minPrice: Number(USD_FEED.minPrice) / 1e18,
  maxPrice: Number(USD_FEED.maxPrice) / 1e18,
  deviation: Number(USD_FEED.maxDeviation) / 1e18,
};

/** A scenario's price path for `key` (USDC and BDOL default to $1). */
export function pathOf(s: Scenario, key: PriceKey): PricePoint[] {
  return (s.prices as Record<string, PricePoint[] | undefined>)[key] ?? FLAT_PEG;
}

/** The breaker deviation of an asset's feed (the oracle's circuit breaker trips on a larger move between recorded prices). */
export function deviationOf(key: PriceKey, assets = simAssets()): number {
  if ((PEG_KEYS as string[]).includes(key)) return PEG_FEED.deviation;
  const a = assets.find((x) => x.key === key);
  if (a === undefined) throw new Error(`unknown asset ${key} (known: ${assetChoices(assets)})`);
  return a.breakerDeviation;
}

export const SCENARIO_DIR = path.join(__dirname, "..", "scenarios");

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

/**
 * Checks a parsed scenario against the collaterals `assets` (default: the in-process network's) and
 * fills in defaults; throws with the file and field on a bad value.
 */
export function validateScenario(raw: unknown, where = "scenario", assets = simAssets()): Scenario {
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
  if (typeof s.prices !== "object" || s.prices === null || Array.isArray(s.prices)) fail("prices is missing");
  const collaterals = assetKeys(assets);
  for (const k of Object.keys(s.prices)) {
    if (!priceKeys(assets).includes(k)) {
      fail(`prices.${k}: unknown asset (known: ${assetChoices(assets)}, ${PEG_KEYS.join(", ")})`);
    }
  }
  let last = 0;
  for (const asset of priceKeys(assets).filter((k) => k in s.prices)) {
    const pts = (s.prices as Record<string, PricePoint[]>)[asset];
    const peg = (PEG_KEYS as string[]).includes(asset);
    // Two points at one minute: a jump, published as one round at the next tick.
    checkPath(`prices.${asset}`, pts, "price", fail, { repeat: true }, (v) =>
      v <= 0
        ? "price must be positive"
        : peg && (v < PEG_FEED.minPrice || v > PEG_FEED.maxPrice)
          ? `${v} is outside the oracle's bounds for USD feeds ` +
            `[${PEG_FEED.minPrice}, ${PEG_FEED.maxPrice}] (the feed would read as out of bounds)`
          : undefined,
    );
    // USDC and BDOL do not set the length: a flat tail is their default.
    if (collaterals.includes(asset)) last = Math.max(last, pts[pts.length - 1][0]);
  }
  if (s.durationMinutes === undefined && !collaterals.some((k) => k in s.prices)) {
    fail(`prices gives no collateral's path (${assetChoices(assets)}): durationMinutes must set the run's length`);
  }
  // Every collateral gets a path (one not given stays at its deployed price), in the configuration's order.
  const prices: Record<string, PricePoint[]> = {};
  for (const a of assets) prices[a.key] = s.prices[a.key] ?? [[0, a.deployedPrice]];
  for (const k of PEG_KEYS) if (s.prices[k] !== undefined) prices[k] = s.prices[k];
  s.prices = prices as Scenario["prices"];
  s.durationMinutes ??= last;
  if (typeof s.durationMinutes !== "number" || !(s.durationMinutes > 0)) fail("durationMinutes must be positive");
  if (s.keeperAbsences !== undefined && !Array.isArray(s.keeperAbsences)) fail("keeperAbsences must be a list");
  for (const [i, w] of (s.keeperAbsences ?? []).entries()) {
    if (!Array.isArray(w) || w.length !== 2 || !(w[0] >= 0) || !(w[1] > w[0])) {
      fail(`keeperAbsences[${i}] must be [fromMinute, toMinute] with from < to`);
    }
  }
  if (s.psm !== undefined) validatePsm(s.psm, s.durationMinutes, fail);
  if (s.market !== undefined) validateMarket(s.market, fail, assets);
  if (s.oracle !== undefined) validateOracle(s.oracle, fail, assets);
  if (s.gas !== undefined) validateGas(s.gas, fail);
  if (s.keepers !== undefined) validateKeepers(s.keepers, fail);
  if (s.borrowers !== undefined) validateBorrowers(s.borrowers, fail);
  if (s.expect !== undefined) {
    if (typeof s.expect !== "object" || s.expect === null || Array.isArray(s.expect)) fail("expect must be an object");
    for (const [k, v] of Object.entries(s.expect)) {
      if (!(EXPECTATION_KEYS as string[]).includes(k)) {
        fail(`expect.${k}: unknown expectation (known: ${EXPECTATION_KEYS.join(", ")})`);
      }
      if (typeof v !== "boolean") fail(`expect.${k} must be true or false`);
    }
  }
  return s;
}

/**
 * A `[minute, value]` path at `at`: a non-empty list of number pairs from minute 0, its minutes
 * increasing (`repeat`: or repeating, a jump); `value` returns what is wrong with a value, if anything.
 */
function checkPath(
  at: string,
  pts: unknown,
  what: string,
  fail: (msg: string) => never,
  { repeat }: { repeat: boolean },
  value: (v: number) => string | undefined,
): void {
  if (!Array.isArray(pts) || pts.length === 0) fail(`${at} must be a non-empty list of [minute, ${what}]`);
  (pts as unknown[]).forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === "number" && Number.isFinite(x))) {
      fail(`${at}[${i}] must be [minute, ${what}]`);
    }
    const [minute, v] = p as [number, number];
    const wrong = value(v);
    if (wrong !== undefined) fail(`${at}[${i}]: ${wrong}`);
    if (i === 0 && minute !== 0) fail(`${at} must start at minute 0`);
    const previous = i > 0 ? (pts as PricePoint[])[i - 1][0] : -Infinity;
    if (repeat ? minute < previous : minute <= previous) {
      fail(`${at}: minutes must ${repeat ? "not decrease" : "increase"} (at index ${i})`);
    }
  });
}

const PSM_KEYS = ["seedLiquidity", "redemptions", "arbitragePerHour"];

function validatePsm(psm: unknown, duration: number, fail: (msg: string) => never): void {
  if (typeof psm !== "object" || psm === null || Array.isArray(psm)) fail("psm must be an object");
  const p = psm as PsmFlows;
  for (const k of Object.keys(p)) {
    if (!PSM_KEYS.includes(k)) fail(`psm.${k}: unknown field (known: ${PSM_KEYS.join(", ")})`);
  }
  const amount = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0;
  if (p.seedLiquidity !== undefined && !amount(p.seedLiquidity)) {
    fail("psm.seedLiquidity must be a USDC amount ≥ 0");
  }
  if (p.arbitragePerHour !== undefined && !amount(p.arbitragePerHour)) {
    fail("psm.arbitragePerHour must be a BDOL amount per hour ≥ 0 (0 turns the arbitrageur off)");
  }
  if (p.redemptions !== undefined) {
    if (!Array.isArray(p.redemptions)) fail("psm.redemptions must be a list of [minute, BDOL]");
    p.redemptions.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === "number" && Number.isFinite(x))) {
        fail(`psm.redemptions[${i}] must be [minute, BDOL]`);
      }
      if (r[0] < 0 || r[0] > duration)
        fail(`psm.redemptions[${i}]: minute ${r[0]} is outside the run [0, ${duration}]`);
      if (!(r[1] > 0)) fail(`psm.redemptions[${i}]: the amount must be positive`);
      if (i > 0 && r[0] < p.redemptions![i - 1][0]) {
        fail(`psm.redemptions: minutes must not decrease (at index ${i})`);
      }
    });
  }
}

const BORROWERS_KEYS = [
  "share",
  "everyMinutes",
  "topUpBelow",
  "topUpTo",
  "repayAboveFee",
  "repayShare",
  "borrowAbove",
  "borrowTo",
  "borrowBelowFee",
];

function validateBorrowers(borrowers: unknown, fail: (msg: string) => never): void {
  if (typeof borrowers !== "object" || borrowers === null || Array.isArray(borrowers))
    fail("borrowers must be an object");
  const b = borrowers as BorrowersSpec;
  for (const f of Object.keys(b)) {
    if (!BORROWERS_KEYS.includes(f)) fail(`borrowers.${f}: unknown field (known: ${BORROWERS_KEYS.join(", ")})`);
  }
  const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  if (!(num(b.share) && b.share > 0 && b.share <= 1)) fail("borrowers.share must be in (0, 1]");
  if (b.everyMinutes !== undefined && !(num(b.everyMinutes) && b.everyMinutes >= 5)) {
    fail("borrowers.everyMinutes must be ≥ 5");
  }
  const pair = (
    below: keyof BorrowersSpec,
    to: keyof BorrowersSpec,
    ok: (lo: number, hi: number) => boolean,
    what: string,
  ) => {
    const x = b[below];
    const y = b[to];
    if ((x === undefined) !== (y === undefined)) fail(`borrowers.${below} and borrowers.${to} go together`);
    if (x !== undefined && !(num(x) && num(y) && ok(x as number, y as number)))
      fail(`borrowers.${below}, ${to}: ${what}`);
  };
  pair("topUpBelow", "topUpTo", (lo, hi) => lo >= 1 && hi > lo && hi <= 10, "health factors with 1 ≤ below < to ≤ 10");
  pair("borrowAbove", "borrowTo", (hi, lo) => lo > 1 && hi > lo && hi <= 100, "health factors with 1 < to < above");
  pair(
    "repayAboveFee",
    "repayShare",
    (fee, share) => fee >= 0 && share > 0 && share <= 1,
    "a fee ≥ 0 and a share in (0, 1]",
  );
  if (b.borrowAbove !== undefined && !(num(b.borrowBelowFee) && (b.borrowBelowFee as number) > 0)) {
    fail("borrowers.borrowBelowFee (APR > 0) must go with borrowAbove");
  }
}

const KEEPERS_KEYS = ["count", "maxTakeBdol", "missRate"];

function validateKeepers(keepers: unknown, fail: (msg: string) => never): void {
  if (typeof keepers !== "object" || keepers === null || Array.isArray(keepers)) fail("keepers must be an object");
  const k = keepers as KeepersSpec;
  for (const f of Object.keys(k)) {
    if (!KEEPERS_KEYS.includes(f)) fail(`keepers.${f}: unknown field (known: ${KEEPERS_KEYS.join(", ")})`);
  }
  if (k.count !== undefined && !(Number.isInteger(k.count) && k.count >= 1 && k.count <= 5)) {
    fail("keepers.count must be an integer in [1, 5]");
  }
  if (k.maxTakeBdol !== undefined && !(typeof k.maxTakeBdol === "number" && k.maxTakeBdol > 0)) {
    fail("keepers.maxTakeBdol must be a positive BDOL amount");
  }
  if (k.missRate !== undefined && !(typeof k.missRate === "number" && k.missRate >= 0 && k.missRate <= 0.9)) {
    fail("keepers.missRate must be a probability in [0, 0.9]");
  }
}

const GAS_KEYS = ["basefeeGwei", "keeperMaxGwei"];

function validateGas(gas: unknown, fail: (msg: string) => never): void {
  if (typeof gas !== "object" || gas === null || Array.isArray(gas)) fail("gas must be an object");
  const g = gas as GasSpec;
  for (const k of Object.keys(g))
    if (!GAS_KEYS.includes(k)) fail(`gas.${k}: unknown field (known: ${GAS_KEYS.join(", ")})`);
  if (g.basefeeGwei !== undefined) {
    checkPath("gas.basefeeGwei", g.basefeeGwei, "gwei", fail, { repeat: true }, (v) =>
      v >= 0 && v <= 100_000 ? undefined : `${v} gwei is outside [0, 100,000]`,
    );
  }
  if (g.keeperMaxGwei !== undefined && !(typeof g.keeperMaxGwei === "number" && g.keeperMaxGwei > 0)) {
    fail("gas.keeperMaxGwei must be a positive gwei amount");
  }
}

const ORACLE_KEYS = ["prices", "lagMinutes", "floor", "outages"];

function validateOracle(oracle: unknown, fail: (msg: string) => never, assets: SimAsset[]): void {
  if (typeof oracle !== "object" || oracle === null || Array.isArray(oracle)) fail("oracle must be an object");
  for (const [asset, spec] of Object.entries(oracle as object)) {
    const at = `oracle.${asset}`;
    if (!assetKeys(assets).includes(asset)) fail(`${at}: unknown asset (known: ${assetChoices(assets)})`);
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) fail(`${at} must be an object`);
    const o = spec as OracleSpec;
    for (const k of Object.keys(o)) {
      if (!ORACLE_KEYS.includes(k)) fail(`${at}.${k}: unknown field (known: ${ORACLE_KEYS.join(", ")})`);
    }
    if (o.prices !== undefined) {
      checkPath(`${at}.prices`, o.prices, "price", fail, { repeat: true }, (v) =>
        v > 0 ? undefined : "price must be positive",
      );
    }
    if (
      o.lagMinutes !== undefined &&
      !(typeof o.lagMinutes === "number" && o.lagMinutes >= 0 && o.lagMinutes <= 1440)
    ) {
      fail(`${at}.lagMinutes must be minutes in [0, 1440]`);
    }
    if (o.floor !== undefined && !(typeof o.floor === "number" && o.floor > 0))
      fail(`${at}.floor must be a positive price`);
    if (o.outages !== undefined && !Array.isArray(o.outages))
      fail(`${at}.outages must be a list of [fromMinute, toMinute]`);
    for (const [i, w] of (o.outages ?? []).entries()) {
      if (!Array.isArray(w) || w.length !== 2 || !(w[0] >= 0) || !(w[1] > w[0])) {
        fail(`${at}.outages[${i}] must be [fromMinute, toMinute] with from < to`);
      }
    }
  }
}

const MARKET_KEYS = ["depthUsd", "depth", "bdolDemand", "bdolFollowPerHour"];

function validateMarket(market: unknown, fail: (msg: string) => never, assets: SimAsset[]): void {
  if (typeof market !== "object" || market === null || Array.isArray(market)) fail("market must be an object");
  const m = market as MarketSpec;
  for (const k of Object.keys(m)) {
    if (!MARKET_KEYS.includes(k)) fail(`market.${k}: unknown field (known: ${MARKET_KEYS.join(", ")})`);
  }
  if (m.depthUsd !== undefined) {
    if (typeof m.depthUsd !== "object" || m.depthUsd === null || Array.isArray(m.depthUsd)) {
      fail(`market.depthUsd must be { ${assetKeys(assets).join("?, ")}? } in USD`);
    }
    for (const [k, v] of Object.entries(m.depthUsd)) {
      if (!assetKeys(assets).includes(k)) fail(`market.depthUsd.${k}: unknown asset (known: ${assetChoices(assets)})`);
      if (typeof v !== "number" || !(v >= 100_000) || v > 1e11)
        fail(`market.depthUsd.${k} must be a USD amount in [100,000, 1e11]`);
    }
  }
  const path = (name: string, pts: unknown, ok: (x: number) => boolean, what: string) =>
    checkPath(`market.${name}`, pts, what, fail, { repeat: false }, (v) =>
      ok(v) ? undefined : `${v} is not a valid ${what}`,
    );
  if (m.depth !== undefined) path("depth", m.depth, (x) => x >= 0.01 && x <= 10, "depth multiplier in [0.01, 10]");
  if (m.bdolDemand !== undefined) path("bdolDemand", m.bdolDemand, (x) => Math.abs(x) <= 1e9, "BDOL per hour");
  if (m.bdolFollowPerHour !== undefined && !(typeof m.bdolFollowPerHour === "number" && m.bdolFollowPerHour >= 0)) {
    fail("market.bdolFollowPerHour must be a BDOL amount per hour ≥ 0");
  }
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
  assets = simAssets(),
): { from: number; to: number; asset: AssetKey; move: number } {
  const keys = assetKeys(assets);
  let best = { from: 0, to: lengthMinutes, asset: keys[0], move: Infinity };
  const end = Math.max(0, (s.durationMinutes ?? 0) - lengthMinutes);
  for (let m = 0; m <= end; m++) {
    for (const asset of keys) {
      const move = priceAt(s.prices[asset], m + lengthMinutes) / priceAt(s.prices[asset], m) - 1;
      if (move < best.move) best = { from: m, to: m + lengthMinutes, asset, move };
    }
  }
  return best;
}

/** Largest relative move of any collateral between two consecutive steps (its breaker trips above `deviationOf`). */
export function largestStepMove(s: Scenario, assets = simAssets()): { minute: number; asset: AssetKey; move: number } {
  const keys = assetKeys(assets);
  let worst = { minute: 0, asset: keys[0], move: 0 };
  const stepMin = s.stepSeconds / 60;
  for (let m = stepMin; m <= (s.durationMinutes ?? 0); m += stepMin) {
    for (const asset of keys) {
      const move = priceAt(s.prices[asset], m) / priceAt(s.prices[asset], m - stepMin) - 1;
      if (Math.abs(move) > Math.abs(worst.move)) worst = { minute: m, asset, move };
    }
  }
  return worst;
}

/** Largest relative move of one asset between two consecutive steps (its feed's breaker trips above `deviationOf`). */
export function largestStepMoveOf(s: Scenario, key: PriceKey): { minute: number; move: number } {
  let worst = { minute: 0, move: 0 };
  const stepMin = s.stepSeconds / 60;
  const pts = pathOf(s, key);
  for (let m = stepMin; m <= (s.durationMinutes ?? 0); m += stepMin) {
    const move = priceAt(pts, m) / priceAt(pts, m - stepMin) - 1;
    if (Math.abs(move) > Math.abs(worst.move)) worst = { minute: m, move };
  }
  return worst;
}

export interface PathSummary {
  start: number;
  low: number;
  end: number;
  maxDrawdown: number;
}

/** Peak-to-trough and start-to-end moves of each asset (USDC and BDOL included), for the report. */
export function pathSummary(s: Scenario, assets = simAssets()): Record<PriceKey, PathSummary> {
  const out = {} as Record<PriceKey, PathSummary>;
  for (const asset of priceKeys(assets)) {
    const pts = pathOf(s, asset);
    let peak = pts[0][1];
    let dd = 0;
    let low = pts[0][1];
    for (const [m, p] of pts) {
      if (m > (s.durationMinutes ?? Infinity)) break;
      peak = Math.max(peak, p);
      low = Math.min(low, p);
      dd = Math.min(dd, p / peak - 1);
    }
    const end = priceAt(pts, s.durationMinutes ?? 0);
    out[asset] = { start: pts[0][1], low: Math.min(low, end), end, maxDrawdown: dd };
  }
  return out;
}

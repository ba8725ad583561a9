/**
 * The crash simulator's engine: deploys the fixture, opens the population, seeds the reserve and
 * the keeper, then drives the scenario's prices once per run mode ("active": keepers all along;
 * "absent": keepers away during the steepest hour or the scenario's absence windows), reverting to
 * the same snapshot between runs so both see the same vaults. See sim/README.md.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { runKeeperOnce, type KeeperReport, type KeeperState } from "../keeper";
import { Chain, WAD, priceWad, toNum, valueDown } from "./chain";
import { analyseRun, type RunTotals, type TickRecord } from "./metrics";
import {
  DEFAULT_POPULATION,
  drawPopulation,
  summarise,
  type PopulationParams,
  type PopulationSummary,
  type VaultSpec,
} from "./population";
import {
  ASSET_KEYS,
  BREAKER_DEVIATION,
  largestStepMove,
  pathSummary,
  priceAt,
  steepestWindow,
  type AssetKey,
  type Scenario,
} from "./scenario";

export type RunMode = "active" | "absent";

/** The keeper's default smallest reserve lot worth selling (KeeperOptions.minSaleValue). */
const MIN_SALE_VALUE = 1000n * WAD;

export interface SimOptions {
  scenario: Scenario;
  /** Number of vaults (default 500). */
  vaults?: number;
  /** PRNG seed of the population (default 1). */
  seed?: number;
  /** Minutes without keepers in the "absent" run, from the start of the steepest such window (default 60). */
  keepersAbsentMinutes?: number;
  /** Runs to do, in order (default both; "absent" is dropped when keepersAbsentMinutes is 0). */
  runs?: RunMode[];
  /** Reserve stablecoin at the start, as a share of total debt (default 0.03). */
  reserveSeedShare?: number;
  /** BDOL the keeper holds at the start, as a share of total debt (default 0.2). */
  keeperStashShare?: number;
  /** Keeper's required discount to the reference price [wad] (default 0.02e18). */
  spread?: bigint;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
  /** The keeper's own action log (default: silent). */
  keeperLog?: (line: string) => void;
}

export interface ProtocolParams {
  collaterals: Record<
    string,
    {
      liquidationRatio: number;
      borrowRatio: number;
      liquidationPenalty: number;
      minDebt: number;
      stabilityFeeApr: number;
      startMultiplier: number;
      floorRatio: number;
      auctionDurationSeconds: number;
      maxAuctionAgeSeconds: number;
      maxAuctionDebt: number;
      dust: number;
    }
  >;
  bufferShare: number;
  maxTotalAuctionDebt: number;
  keeperPay: { tipGas: number; maxTip: number; keeperFee: number; maxRewardShare: number };
  oracleMaxDeviation: number;
}

export interface RunResult {
  mode: RunMode;
  /** [fromMinute, toMinute) windows without keepers. */
  keeperAbsences: [number, number][];
  wallMs: number;
  /** Where the wall time went [ms]: feed rounds, keeper, market sales, snapshots, event analysis. */
  timing: Record<string, number>;
  ticks: number;
  totals: RunTotals;
  series: TickRecord[];
}

export interface SimResult {
  scenario: Scenario;
  scenarioSummary: {
    path: ReturnType<typeof pathSummary>;
    steepestWindow: ReturnType<typeof steepestWindow>;
    largestStepMove: ReturnType<typeof largestStepMove>;
  };
  parameters: {
    vaults: number;
    seed: number;
    keepersAbsentMinutes: number;
    reserveSeedShare: number;
    keeperStashShare: number;
    keeperSpread: number;
    stepSeconds: number;
    keeperIntervalSeconds: number;
    population: Omit<PopulationParams, "vaults" | "seed">;
    protocol: ProtocolParams;
  };
  setup: {
    startPrices: Record<AssetKey, number>;
    totalDebt: number;
    reserveSeed: number;
    reserveBufferAtStart: number;
    keeperStash: number;
    marketBdol: number;
    systemCrAtStart: number;
    reserveRatioAtStart: number;
    wallMs: number;
  };
  population: PopulationSummary;
  runs: RunResult[];
  wallMs: number;
}

const FLOAT_WAD = (x: bigint) => toNum(x);

/** Runs the scenario in every requested mode and returns the results (nothing is written here). */
export async function simulate(hre: HardhatRuntimeEnvironment, opts: SimOptions): Promise<SimResult> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const s = opts.scenario;
  const vaults = opts.vaults ?? 500;
  const seed = opts.seed ?? 1;
  const absentMinutes = opts.keepersAbsentMinutes ?? 60;
  const runs = (opts.runs ?? ["active", "absent"]).filter((m) => m === "active" || absentMinutes > 0);
  const reserveSeedShare = opts.reserveSeedShare ?? 0.03;
  const keeperStashShare = opts.keeperStashShare ?? 0.2;
  const spread = opts.spread ?? (2n * WAD) / 100n;

  const stepMove = largestStepMove(s);
  if (Math.abs(stepMove.move) > BREAKER_DEVIATION) {
    log(
      `warning: ${stepMove.asset} moves ${(stepMove.move * 100).toFixed(1)} % in one step at minute ${stepMove.minute}: ` +
        `the oracle's circuit breaker will freeze it until the next round confirms the move`,
    );
  }

  // ---------------------------------------------------------------- setup
  const setupStarted = Date.now();
  log(`[${s.name}] deploying the fixture…`);
  const chain = await Chain.deploy(hre);
  const protocol = await readProtocol(chain);
  const startPrices = {} as Record<AssetKey, number>;
  for (const k of ASSET_KEYS) startPrices[k] = priceAt(s.prices[k], 0);
  await walkPrices(chain, startPrices);

  const popParams: PopulationParams = { ...DEFAULT_POPULATION, vaults, seed };
  const specs = drawPopulation(popParams);
  const lr = protocol.collaterals[chain.assets.ETH.tokenAddress].liquidationRatio;
  const population = summarise(specs, popParams, lr);
  log(`[${s.name}] opening ${vaults} vaults (${Math.round(population.totalDebt).toLocaleString("en-US")} BDOL)…`);
  await openPopulation(chain, specs, startPrices);

  // Everything the borrowers minted goes to one market account; the reserve and the keeper are
  // funded from it (see sim/README.md, "Reserve and keeper").
  const market = chain.market.address;
  for (const b of chain.borrowers) {
    const bal = await chain.bdol.balanceOf(b.address);
    if (bal > 0n) await chain.transferToken(chain.bdol, chain.addresses.BallastDollar, b.address, market, bal);
  }
  const snap0 = await chain.lens.systemSnapshot();
  const totalDebtWad = snap0.totalDebt;
  const reserveSeed = (totalDebtWad * BigInt(Math.round(reserveSeedShare * 1e6))) / 1_000_000n;
  const keeperStash = (totalDebtWad * BigInt(Math.round(keeperStashShare * 1e6))) / 1_000_000n;
  await chain.transferToken(
    chain.bdol,
    chain.addresses.BallastDollar,
    market,
    chain.addresses.ReservePool,
    reserveSeed,
  );
  await chain.transferToken(chain.bdol, chain.addresses.BallastDollar, market, chain.keeper.address, keeperStash);
  const snap1 = await chain.lens.systemSnapshot();
  const setup: SimResult["setup"] = {
    startPrices,
    totalDebt: FLOAT_WAD(totalDebtWad),
    reserveSeed: FLOAT_WAD(reserveSeed),
    reserveBufferAtStart: FLOAT_WAD(snap1.stabilityBuffer),
    keeperStash: FLOAT_WAD(keeperStash),
    marketBdol: FLOAT_WAD(await chain.bdol.balanceOf(market)),
    systemCrAtStart: FLOAT_WAD(snap1.systemCollateralRatio),
    reserveRatioAtStart: FLOAT_WAD(snap1.reserveRatio),
    wallMs: Date.now() - setupStarted,
  };
  log(
    `[${s.name}] setup done in ${(setup.wallMs / 1000).toFixed(1)} s: debt ${fmt(setup.totalDebt)}, ` +
      `reserve ${fmt(setup.reserveSeed)} (buffer ${fmt(setup.reserveBufferAtStart)}), keeper ${fmt(setup.keeperStash)} BDOL`,
  );
  let snapshotId = await chain.snapshot();

  // ---------------------------------------------------------------- runs
  const steepest = steepestWindow(s, Math.max(absentMinutes, 1));
  const absences: [number, number][] = s.keeperAbsences ?? [[steepest.from, steepest.to]];
  const results: RunResult[] = [];
  for (const [i, mode] of runs.entries()) {
    if (i > 0) {
      await chain.revert(snapshotId);
      snapshotId = await chain.snapshot();
    }
    const windows = mode === "active" ? [] : absences;
    const r = await runOnce(hre, chain, s, mode, windows, { spread, log, keeperLog: opts.keeperLog });
    results.push(r);
  }

  return {
    scenario: s,
    scenarioSummary: { path: pathSummary(s), steepestWindow: steepest, largestStepMove: stepMove },
    parameters: {
      vaults,
      seed,
      keepersAbsentMinutes: absentMinutes,
      reserveSeedShare,
      keeperStashShare,
      keeperSpread: FLOAT_WAD(spread),
      stepSeconds: s.stepSeconds,
      keeperIntervalSeconds: s.keeperIntervalSeconds ?? s.stepSeconds,
      population: DEFAULT_POPULATION,
      protocol: renameCollaterals(chain, protocol),
    },
    setup,
    population,
    runs: results,
    wallMs: Date.now() - started,
  };
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

/** Protocol parameters keyed by token address (renamed to symbols for the report). */
async function readProtocol(chain: Chain): Promise<ProtocolParams> {
  const collaterals: ProtocolParams["collaterals"] = {};
  let oracleMaxDeviation = 0;
  for (const k of ASSET_KEYS) {
    const a = chain.assets[k];
    const c = await chain.vm.collateralConfig(a.tokenAddress);
    const e = await chain.engine.collateralState(a.tokenAddress);
    const feed = await chain.oracle.feedConfig(a.tokenAddress);
    oracleMaxDeviation = Math.max(oracleMaxDeviation, FLOAT_WAD(feed.maxDeviation));
    const perSecond = Number(c.stabilityFee) / 1e27;
    collaterals[a.tokenAddress] = {
      liquidationRatio: FLOAT_WAD(c.liquidationRatio),
      borrowRatio: FLOAT_WAD(c.borrowRatio),
      liquidationPenalty: FLOAT_WAD(c.liquidationPenalty),
      minDebt: FLOAT_WAD(c.minDebt),
      stabilityFeeApr: Math.round((Math.pow(perSecond, 365 * 24 * 3600) - 1) * 1e6) / 1e6,
      startMultiplier: FLOAT_WAD(e.params.startMultiplier),
      floorRatio: FLOAT_WAD(e.params.floorRatio),
      auctionDurationSeconds: Number(e.params.duration),
      maxAuctionAgeSeconds: Number(e.params.maxAge),
      maxAuctionDebt: FLOAT_WAD(e.params.maxAuctionDebt),
      dust: FLOAT_WAD(e.params.dust),
    };
  }
  const kp = await chain.engine.keeperRewardParams();
  return {
    collaterals,
    bufferShare: FLOAT_WAD(await chain.reserve.bufferShare()),
    maxTotalAuctionDebt: FLOAT_WAD(await chain.engine.maxTotalAuctionDebt()),
    keeperPay: {
      tipGas: Number(kp.tipGas),
      maxTip: FLOAT_WAD(kp.maxTip),
      keeperFee: FLOAT_WAD(kp.keeperFee),
      maxRewardShare: FLOAT_WAD(kp.maxRewardShare),
    },
    oracleMaxDeviation,
  };
}

function renameCollaterals(chain: Chain, p: ProtocolParams): ProtocolParams {
  const collaterals: ProtocolParams["collaterals"] = {};
  for (const k of ASSET_KEYS) {
    const a = chain.assets[k];
    collaterals[k === "ETH" ? "WETH" : "WBTC"] = p.collaterals[a.tokenAddress];
  }
  return { ...p, collaterals };
}

/**
 * Moves each feed from its deployed price to the scenario's start price in steps of at most 20 %
 * (one minute apart, each recorded), so the circuit breaker never trips on the way.
 */
async function walkPrices(chain: Chain, target: Record<AssetKey, number>): Promise<void> {
  const current = {} as Record<AssetKey, number>;
  for (const k of ASSET_KEYS) current[k] = Number((await chain.assets[k].feed.latestRoundData())[1]) / 1e8;
  for (let guard = 0; guard < 100; guard++) {
    let done = true;
    await chain.setNextTimestamp((await chain.latestTimestamp()) + 60);
    for (const k of ASSET_KEYS) {
      const ratio = target[k] / current[k];
      const next = ratio > 1.2 ? current[k] * 1.2 : ratio < 0.8 ? current[k] * 0.8 : target[k];
      if (next !== target[k]) done = false;
      current[k] = next;
      await chain.setPrice(k, next);
    }
    if (done) break;
  }
  for (const k of ASSET_KEYS) {
    const [price, status] = await chain.oracle.getPrice(chain.assets[k].tokenAddress);
    if (status !== 0n || price !== priceWad(target[k])) {
      throw new Error(`could not bring ${k} to ${target[k]} (oracle ${toNum(price)}, status ${status})`);
    }
  }
}

/** Opens the vaults: collateral = debt × CR / start price, owners spread over the borrower accounts. */
async function openPopulation(chain: Chain, specs: VaultSpec[], prices: Record<AssetKey, number>): Promise<void> {
  const borrowers = chain.borrowers.map((b) => b.address);
  const amounts = specs.map((v) => {
    const debt = BigInt(v.debt) * WAD;
    const value = (debt * BigInt(Math.round(v.cr * 1e6))) / 1_000_000n;
    const scale = 10n ** BigInt(18 - chain.assets[v.asset].decimals);
    const p = priceWad(prices[v.asset]);
    return (value * WAD + p * scale - 1n) / (p * scale);
  });
  const need = new Map<string, bigint>();
  specs.forEach((v, i) => {
    const key = `${borrowers[i % borrowers.length]}:${v.asset}`;
    need.set(key, (need.get(key) ?? 0n) + amounts[i]);
  });
  const vmAddr = chain.addresses.VaultManager;
  for (const [key, amount] of need) {
    const [owner, asset] = key.split(":") as [string, AssetKey];
    await chain.mint(asset, owner, amount);
    const a = chain.assets[asset];
    await chain.send(
      owner,
      a.tokenAddress,
      a.token.interface.encodeFunctionData("approve", [vmAddr, 2n ** 256n - 1n]),
      100_000,
    );
  }
  const before = await chain.vm.vaultCount();
  for (const [i, v] of specs.entries()) {
    const data = chain.vm.interface.encodeFunctionData("openVault", [
      chain.assets[v.asset].tokenAddress,
      amounts[i],
      BigInt(v.debt) * WAD,
    ]);
    await chain.send(borrowers[i % borrowers.length], vmAddr, data, 600_000);
  }
  const opened = (await chain.vm.vaultCount()) - before;
  if (opened !== BigInt(specs.length)) throw new Error(`opened ${opened} vaults, expected ${specs.length}`);
}

/**
 * Per collateral, the highest price at which some open vault is liquidatable, from one lens scan
 * (a vault's liquidation price is price / health factor). Between scans the only thing that moves
 * a vault's health is interest (≤ 0.01 % a day at these fees) and the keeper's liquidations, after
 * which the sim rescans; a 0.5 % margin covers the drift, so "no vault can be unhealthy" is exact.
 */
class LiquidationWatch {
  private threshold = new Map<string, bigint>();
  refreshedAt = -Infinity;

  constructor(private readonly chain: Chain) {}

  async refresh(minute: number): Promise<void> {
    const prices = new Map<string, bigint>();
    for (const k of ASSET_KEYS) {
      const a = this.chain.assets[k];
      prices.set(a.tokenAddress.toLowerCase(), (await this.chain.oracle.getPrice(a.tokenAddress))[0]);
    }
    this.threshold.clear();
    for (const v of await this.chain.vaultsHealth()) {
      if (v.debt === 0n || v.healthFactor === 0n || v.healthFactor === 2n ** 256n - 1n) continue;
      const liq = ((prices.get(v.collateral) ?? 0n) * WAD) / v.healthFactor;
      if (liq > (this.threshold.get(v.collateral) ?? 0n)) this.threshold.set(v.collateral, liq);
    }
    this.refreshedAt = minute;
  }

  /** False only when no open vault can have a health factor below 1 at these prices. */
  mayBeUnhealthy(prices: Record<AssetKey, number>): boolean {
    return ASSET_KEYS.some((k) => {
      const limit = this.threshold.get(this.chain.assets[k].tokenAddress.toLowerCase()) ?? 0n;
      return priceWad(prices[k]) * 1000n <= limit * 1005n;
    });
  }
}

function inWindows(minute: number, windows: [number, number][]): boolean {
  return windows.some(([a, b]) => minute >= a && minute < b);
}

/** One pass over the scenario in one mode, from the setup snapshot. */
async function runOnce(
  hre: HardhatRuntimeEnvironment,
  chain: Chain,
  s: Scenario,
  mode: RunMode,
  absences: [number, number][],
  ctx: {
    spread: bigint;
    log: (line: string) => void;
    keeperLog?: (line: string) => void;
  },
): Promise<RunResult> {
  const started = Date.now();
  const endSec = Math.round((s.durationMinutes ?? 0) * 60);
  const step = s.stepSeconds;
  const interval = s.keeperIntervalSeconds ?? step;
  const boundaries = absences.flat().map((m) => Math.round(m * 60));
  const t0 = (await chain.latestTimestamp()) + 60;
  const startBlock = (await chain.blockNumber()) + 1;
  const state: KeeperState = { firstActiveAuction: 1n };
  const reports: KeeperReport[] = [];
  const ticks: TickRecord[] = [];
  const market = { bdolPaid: 0n, collateralValue: 0n, shortOfBdol: 0 };
  const keeperLog = ctx.keeperLog ?? (() => undefined);
  ctx.log(
    `[${s.name}] run "${mode}"${absences.length ? ` (keepers absent ${absences.map(([a, b]) => `${a}–${b} min`).join(", ")})` : ""}…`,
  );

  const timing = { prices: 0, precheck: 0, keeper: 0, market: 0, snapshot: 0, analysis: 0 };
  /** The keeper has unfinished business (auctions, reserve collateral, a skipped vault). */
  let pending = false;
  const watch = new LiquidationWatch(chain);
  let clock = Date.now();
  const lap = (k: keyof typeof timing) => {
    const now = Date.now();
    timing[k] += now - clock;
    clock = now;
  };
  let t = 0;
  for (;;) {
    const minute = t / 60;
    clock = Date.now();
    const fromBlock = (await chain.blockNumber()) + 1;
    await chain.setNextTimestamp(t0 + t);
    const prices = {} as Record<AssetKey, number>;
    for (const k of ASSET_KEYS) {
      prices[k] = priceAt(s.prices[k], minute);
      await chain.setPrice(k, prices[k]);
    }
    lap("prices");
    const present = !inWindows(minute, absences);
    let report: KeeperReport | undefined;
    // The keeper runs on every tick where it has something to do. A tick with no unhealthy vault,
    // no auction, no reserve collateral and nothing left from the last keeper round gives it
    // nothing but a scan, so the call is skipped (one lens call decides; the outcome is the same).
    if (minute - watch.refreshedAt >= 360) await watch.refresh(minute);
    const work = present && (pending || watch.mayBeUnhealthy(prices));
    lap("precheck");
    if (work) {
      report = await runKeeperOnce(hre, {
        keeper: chain.keeper,
        spread: ctx.spread,
        sellReserveCollateral: true,
        referencePrice: (_collateral, oraclePrice) => oraclePrice,
        state,
        log: keeperLog,
      });
      reports.push(report);
      if (report.liquidations.length > 0) await watch.refresh(minute);
      lap("keeper");
      await sellToMarket(chain, market);
      lap("market");
    }
    const snap = await chain.systemSnapshot();
    const status = {} as Record<AssetKey, number>;
    const oracle = {} as Record<AssetKey, number>;
    let reserveCollateralValue = 0n;
    for (const k of ASSET_KEYS) {
      const c = snap.collaterals.find((x) => x.token === chain.assets[k].tokenAddress);
      if (!c) throw new Error(`no ${k} in the lens snapshot`);
      status[k] = Number(c.priceStatus);
      oracle[k] = toNum(c.price);
      reserveCollateralValue += valueDown(c.reserveHolding, chain.assets[k].decimals, c.price);
    }
    ticks.push({
      minute,
      fromBlock,
      toBlock: await chain.blockNumber(),
      keepers: present,
      keeperRan: report !== undefined,
      prices,
      oraclePrices: oracle,
      priceStatus: status,
      systemCr: snap.systemCollateralRatio === 2n ** 256n - 1n ? null : toNum(snap.systemCollateralRatio),
      reserveRatio: snap.reserveRatio === 2n ** 256n - 1n ? null : toNum(snap.reserveRatio),
      reserveValue: toNum(snap.reserveValue),
      reserveCollateralValue: toNum(reserveCollateralValue),
      stabilityBuffer: toNum(snap.stabilityBuffer),
      deficit: toNum(snap.deficit),
      deficitWei: snap.deficit.toString(),
      totalDebt: toNum(snap.totalDebt),
      debtUnderAuction: toNum(snap.totalDebtUnderAuction),
      // Filled from the events by analyseRun.
      badDebt: 0,
      vaultsLiquidated: 0,
      debtAbsorbed: 0,
      debtAuctioned: 0,
      redos: 0,
    });
    lap("snapshot");
    // Work left for the next keeper round: an auction still running, reserve collateral worth
    // selling (the keeper leaves lots below its minimum sale value alone), or a vault it skipped.
    pending =
      (await chain.activeAuctionCount(state.firstActiveAuction)) > 0 ||
      reserveCollateralValue >= MIN_SALE_VALUE ||
      (report?.skipped.some((x) => x.what.startsWith("vault")) ?? false);
    if (t >= endSec) break;

    // Busy: keeper rounds every keeperIntervalSeconds; quiet: one round per price step.
    const busy = pending;
    const nextStep = (Math.floor(t / step) + 1) * step;
    let next = Math.min(t + (busy ? interval : step), nextStep, endSec);
    for (const b of boundaries) if (b > t && b < next) next = b;
    t = next;
  }

  const endBlock = await chain.blockNumber();
  clock = Date.now();
  const totals = await analyseRun(chain, {
    startBlock,
    endBlock,
    ticks,
    reports,
    market,
  });
  lap("analysis");
  const r: RunResult = {
    mode,
    keeperAbsences: absences,
    wallMs: Date.now() - started,
    timing,
    ticks: ticks.length,
    totals,
    series: ticks,
  };
  ctx.log(
    `[${s.name}] run "${mode}" done in ${(r.wallMs / 1000).toFixed(1)} s (${ticks.length} ticks): ` +
      `${totals.vaultsLiquidated} vaults liquidated, bad debt ${fmt(totals.badDebt)}, deficit ${fmt(totals.deficit)}, ` +
      `lowest reserve ratio ${(totals.lowestReserveRatio.value * 100).toFixed(2)} % ` +
      `[ms: ${Object.entries(timing)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}]`,
  );
  return r;
}

/**
 * The market equals the oracle: what the keeper bought in auctions it sells at the oracle price to
 * the market account (the holders of the BDOL the borrowers minted), which pays in BDOL. This
 * keeps the keeper's capital turning over, as a real keeper's would on an exchange.
 */
async function sellToMarket(chain: Chain, market: { bdolPaid: bigint; collateralValue: bigint; shortOfBdol: number }) {
  const keeper = chain.keeper.address;
  const buyer = chain.market.address;
  for (const k of ASSET_KEYS) {
    const a = chain.assets[k];
    const amount = await a.token.balanceOf(keeper);
    if (amount === 0n) continue;
    const [price] = await chain.oracle.getPrice(a.tokenAddress);
    const value = valueDown(amount, a.decimals, price);
    const available = await chain.bdol.balanceOf(buyer);
    const pay = value < available ? value : available;
    if (pay < value) market.shortOfBdol += 1;
    await chain.transferToken(a.token, a.tokenAddress, keeper, buyer, amount);
    if (pay > 0n) await chain.transferToken(chain.bdol, chain.addresses.BallastDollar, buyer, keeper, pay);
    market.bdolPaid += pay;
    market.collateralValue += value;
  }
}

/**
 * The crash simulator's engine: deploys the fixture, gives the oracle a calm price history, opens
 * the population, seeds the reserve, the keeper and (optionally) the PSM, then drives the
 * scenario's prices once per run mode ("active": keepers all along; "absent": keepers away during
 * the steepest hour or the scenario's absence windows), reverting to the same snapshot between runs
 * so both see the same vaults. In every run the keeper pokes the risk controller whenever its
 * interval has passed and rebalances the reserve's USDC, and the PSM's holders and arbitrageur
 * trade (psm.ts). See sim/README.md.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { runKeeperOnce, type KeeperReport, type KeeperState } from "../../lib/keeper";
import { newBorrowerStats, reactBorrowers, type BorrowerStats } from "./borrowers";
import { Chain, WAD, pinBlockTimes, priceWad, toNum, valueDown, type BlockPin } from "./chain";
import { analyseRun, type RunTotals, type TickRecord } from "./metrics";
import { PsmDesk } from "./psm";
import { MarketDesk, analyseMarket, prepareMarket, setUpMarket, type MarketTotals } from "./market";
import {
  DEFAULT_POPULATION,
  drawPopulation,
  summarise,
  type PopulationParams,
  type PopulationSummary,
  type VaultSpec,
} from "./population";
import { PEG_KEYS, assetChoices, simAssets, type PegKey, type SimAsset } from "./assets";
import {
  deviationOf,
  largestStepMove,
  largestStepMoveOf,
  pathOf,
  pathSummary,
  priceAt,
  feedPriceAt,
  steepestWindow,
  type AssetKey,
  type Scenario,
} from "./scenario";
import { annualRateOf, yearlyGrowthUp } from "../../lib/sdk";

export type RunMode = "active" | "absent";
/** Which runs have the PegKeeper (its updates called by the keeper): "both" adds a run without it. */
export type PegKeeperRuns = "on" | "off" | "both";

/** The keeper's default smallest reserve lot worth selling (KeeperOptions.minSaleValue). */
const MIN_SALE_VALUE = 1000n * WAD;

/**
 * The oracle's volatility estimate before the scenario starts: a calm market with this annualised
 * volatility (see `warmUp`), so the controller's first borrow ratio and stress loss read a plausible
 * figure, not the artefact of walking the feeds to the start prices.
 */
export const START_VOLATILITY: Record<AssetKey, number> = { ETH: 0.6, BTC: 0.45 };
/** The start volatility of a collateral START_VOLATILITY does not list. */
export const DEFAULT_START_VOLATILITY = 0.6;
/** Daily rounds of the warm-up: far more than the handful the estimate needs to forget the walk. */
const WARMUP_ROUNDS = 150;
/** USDC and BDOL rounds are published when their price changes, and at least this often (heartbeat 25 h). */
const PEG_REPUBLISH_SECONDS = 6 * 3600;
/** The keeper's rebalance duty sends a rebalance only when it moves at least this much USDC [units]. */
const MIN_REBALANCE_UNITS = 10n ** 6n;
/** Most seconds the sim's keeper waits for a poke that falls due just after a tick (see `keeperDuties`). */
const POKE_SLACK_SECONDS = 60;

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
  /**
   * The market model (default true): real Uniswap pools for the collateral and BDOL, flash takes
   * selling into them, BDOL's price from its pool and the MarketPriceFeed (sim/README.md, "Markets").
   * False: the scripted model (prices as given, takes at the oracle price).
   */
  market?: boolean;
  /** With the market model: runs with the PegKeeper, without it, or both (default "both": an extra active run without). */
  pegKeeper?: PegKeeperRuns;
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
  /** The risk controller's rules (rates and ratios as fractions, times in seconds). */
  controller: {
    pokeInterval: number;
    priceWindow: number;
    slowWindow: number;
    coolDown: number;
    varHorizon: number;
    varConfidence: number;
    criticalCollateralRatio: number;
    peg: { kp: number; ki: number; leakPerDay: number; maxPegTerm: number; pegAsset: string };
    collaterals: Record<string, Record<string, number>>;
  };
  psm: {
    feeIn: number;
    feeOut: number;
    mintCeiling: number;
    outflowLimit: number;
    outflowWindowSeconds: number;
    depegTolerance: number;
  };
  reserveUsdc: { liquidTarget: number; maxRebalance: number; strategies: { vault: string; cap: number }[] };
}

export interface RunResult {
  mode: RunMode;
  /** The market model's PegKeeper was updated in this run (false in the scripted model). */
  pegKeeper: boolean;
  /** What the markets did (the market model only). */
  market?: MarketTotals;
  /** What the reacting borrowers did (a scenario's `borrowers` block only). */
  borrowers?: BorrowerStats;
  /** [fromMinute, toMinute) windows without keepers. */
  keeperAbsences: [number, number][];
  wallMs: number;
  /** Where the wall time went [ms]: feed rounds, keeper, market sales, snapshots, event analysis. */
  timing: Record<string, number>;
  ticks: number;
  totals: RunTotals;
  series: TickRecord[];
  /** Pokes of the keeper's duty that reverted (none expected; sim.ts fails the run's checks). */
  pokeFailures: { minute: number; error: string }[];
}

export interface SimResult {
  scenario: Scenario;
  scenarioSummary: {
    path: ReturnType<typeof pathSummary>;
    steepestWindow: ReturnType<typeof steepestWindow>;
    largestStepMove: ReturnType<typeof largestStepMove>;
    /** USDC's and BDOL's largest move between two steps (their feeds' breaker deviation is 10 %). */
    largestPegStepMove: Record<PegKey, { minute: number; move: number }>;
  };
  parameters: {
    /** The market model (true) or the scripted one. */
    market: boolean;
    /** The collaterals, from the configuration (assets.ts), in its order. */
    assets: SimAsset[];
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
    /** The oracle's annualised volatility estimate per collateral when the runs start. */
    volatilityAtStart: Record<string, number>;
    /** The controller's stress-loss estimate on the starting book (reserveTargetNow) [BDOL]. */
    reserveTargetNowAtStart: number;
    /** USDC swapped into the PSM during setup, BDOL it minted, and where the reserve's USDC sits. */
    psmSeed: number;
    psmMinted: number;
    usdcLiquid: number;
    usdcInStrategies: number;
    wallMs: number;
  };
  population: PopulationSummary;
  runs: RunResult[];
  wallMs: number;
}

const FLOAT_WAD = (x: bigint) => toNum(x);

/** Runs the scenario in every requested mode and returns the results (nothing is written here). */
/** Block times and the scenario's basefee while `simulate` runs (one simulation at a time per process). */
let blockPin: BlockPin | undefined;

export async function simulate(hre: HardhatRuntimeEnvironment, opts: SimOptions): Promise<SimResult> {
  // Deterministic block times: the runs from one snapshot differ only by what they do.
  blockPin = pinBlockTimes(hre.network.provider);
  try {
    return await simulateScenario(hre, opts);
  } finally {
    blockPin.restore();
    blockPin = undefined;
  }
}

async function simulateScenario(hre: HardhatRuntimeEnvironment, opts: SimOptions): Promise<SimResult> {
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
  const useMarket = opts.market ?? true;
  const pegKeeperRuns: PegKeeperRuns = useMarket ? (opts.pegKeeper ?? "both") : "off";

  const stepMove = largestStepMove(s);
  if (Math.abs(stepMove.move) > deviationOf(stepMove.asset)) {
    log(
      `warning: ${stepMove.asset} moves ${(stepMove.move * 100).toFixed(1)} % in one step at minute ${stepMove.minute}: ` +
        `the oracle's circuit breaker will freeze it until the next round confirms the move`,
    );
  }
  const pegStepMoves = {} as Record<PegKey, { minute: number; move: number }>;
  for (const k of PEG_KEYS) {
    pegStepMoves[k] = largestStepMoveOf(s, k);
    if (Math.abs(pegStepMoves[k].move) > deviationOf(k)) {
      log(
        `warning: ${k} moves ${(pegStepMoves[k].move * 100).toFixed(1)} % in one step at minute ${pegStepMoves[k].minute}, ` +
          `more than its feed's ${deviationOf(k) * 100} % breaker deviation: the oracle will freeze it`,
      );
    }
  }

  // ---------------------------------------------------------------- setup
  const setupStarted = Date.now();
  log(`[${s.name}] deploying the fixture…`);
  const chain = await Chain.deploy(hre);
  const protocol = await readProtocol(chain);
  const startPrices = {} as Record<AssetKey, number>;
  for (const k of chain.keys) startPrices[k] = priceAt(s.prices[k], 0);
  // The pools first, so that the days of the walk and the warm-up pass over BDOL's seeded pool.
  if (useMarket) await prepareMarket(chain, startPrices);
  // The PSM is seeded first, at USDC's deployed price, so that the days of the price walk and the
  // warm-up refill the reserve's rebalance limit for placing the seed (placePsmSeed).
  const psmSeed = await seedPsm(chain, s, log);
  await walkPrices(chain, startPrices);
  await warmUp(chain, startPrices);
  for (const k of PEG_KEYS) await chain.setPegPrice(k, priceAt(pathOf(s, k), 0));
  if (useMarket) {
    log(`[${s.name}] seeding the pools and pointing BDOL's oracle price at the MarketPriceFeed…`);
    await setUpMarket(chain, s, startPrices);
    // The seed of BDOL's pool was bought at the PSM: its credit in the outflow bucket goes too.
    await fadeSeedCredit(chain);
    await rebalanceReserve(chain);
  }
  if (psmSeed > 0) await placePsmSeed(chain, s, log);

  const popParams: PopulationParams = { ...DEFAULT_POPULATION, vaults, seed };
  for (const k of Object.keys(popParams.assetShare)) {
    if (!chain.keys.includes(k)) {
      throw new Error(
        `the population's vaults of ${k} have no collateral in the configuration (known: ${assetChoices()})`,
      );
    }
  }
  const specs = drawPopulation(popParams);
  const lrs: Record<AssetKey, number> = {};
  for (const k of chain.keys) lrs[k] = protocol.collaterals[chain.assets[k].tokenAddress].liquidationRatio;
  const population = summarise(specs, popParams, lrs);
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
  // Competing keepers share the stash evenly.
  const keeperCount = s.keepers?.count ?? 1;
  for (let i = 1; i < keeperCount; i++) {
    const share = keeperStash / BigInt(keeperCount);
    const to = extraKeeperAddress(hre, i);
    await chain.transferToken(chain.bdol, chain.addresses.BallastDollar, chain.keeper.address, to, share);
  }
  const snap1 = await chain.lens.systemSnapshot();
  const volatilityAtStart: Record<string, number> = {};
  for (const k of chain.keys) {
    volatilityAtStart[chain.assets[k].symbol] = toNum(await chain.oracle.volatility(chain.assets[k].tokenAddress));
  }
  const setup: SimResult["setup"] = {
    startPrices,
    totalDebt: FLOAT_WAD(totalDebtWad),
    reserveSeed: FLOAT_WAD(reserveSeed),
    reserveBufferAtStart: FLOAT_WAD(snap1.stabilityBuffer),
    keeperStash: FLOAT_WAD(keeperStash),
    marketBdol: FLOAT_WAD(await chain.bdol.balanceOf(market)),
    systemCrAtStart: FLOAT_WAD(snap1.systemCollateralRatio),
    reserveRatioAtStart: FLOAT_WAD(snap1.reserveRatio),
    volatilityAtStart,
    reserveTargetNowAtStart: FLOAT_WAD(await chain.risk.reserveTargetNow()),
    psmSeed,
    psmMinted: FLOAT_WAD(await chain.psm.minted()),
    usdcLiquid: Number(await chain.usdc.balanceOf(chain.addresses.ReservePool)) / 1e6,
    usdcInStrategies: Number(await chain.reserve.strategyAssets()) / 1e6,
    wallMs: Date.now() - setupStarted,
  };
  log(
    `[${s.name}] setup done in ${(setup.wallMs / 1000).toFixed(1)} s: debt ${fmt(setup.totalDebt)}, ` +
      `reserve ${fmt(setup.reserveSeed)} (buffer ${fmt(setup.reserveBufferAtStart)}), keeper ${fmt(setup.keeperStash)} BDOL` +
      (psmSeed > 0
        ? `; PSM seeded with ${fmt(psmSeed)} USDC (${fmt(setup.usdcLiquid)} liquid, ${fmt(setup.usdcInStrategies)} in the strategy)`
        : ""),
  );
  let snapshotId = await chain.snapshot();

  // ---------------------------------------------------------------- runs
  const steepest = steepestWindow(s, Math.max(absentMinutes, 1));
  const absences: [number, number][] = s.keeperAbsences ?? [[steepest.from, steepest.to]];
  const results: RunResult[] = [];
  const runSpecs: { mode: RunMode; pegKeeper: boolean }[] = runs.map((mode) => ({
    mode,
    pegKeeper: pegKeeperRuns !== "off",
  }));
  if (pegKeeperRuns === "both") runSpecs.push({ mode: "active", pegKeeper: false });
  for (const [i, spec] of runSpecs.entries()) {
    if (i > 0) {
      await chain.revert(snapshotId);
      snapshotId = await chain.snapshot();
    }
    const windows = spec.mode === "active" ? [] : absences;
    const r = await runOnce(hre, chain, s, spec.mode, windows, {
      spread,
      log,
      keeperLog: opts.keeperLog,
      market: useMarket,
      pegKeeper: spec.pegKeeper,
    });
    results.push(r);
  }

  return {
    scenario: s,
    scenarioSummary: {
      path: pathSummary(s),
      steepestWindow: steepest,
      largestStepMove: stepMove,
      largestPegStepMove: pegStepMoves,
    },
    parameters: {
      market: useMarket,
      assets: simAssets(hre.network.name),
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

/** Per-second RAY fee → annual rate as a fraction: (perSecond − 1e27) × 31,536,000 / 1e9 [wad]. */
export function annualRate(perSecond: bigint): number {
  return toNum(annualRateOf(perSecond));
}

/** Protocol parameters keyed by token address (renamed to symbols for the report). */
async function readProtocol(chain: Chain): Promise<ProtocolParams> {
  const collaterals: ProtocolParams["collaterals"] = {};
  let oracleMaxDeviation = 0;
  for (const k of chain.keys) {
    const a = chain.assets[k];
    const c = await chain.vm.collateralConfig(a.tokenAddress);
    const e = await chain.engine.collateralState(a.tokenAddress);
    const feed = await chain.oracle.feedConfig(a.tokenAddress);
    oracleMaxDeviation = Math.max(oracleMaxDeviation, FLOAT_WAD(feed.maxDeviation));
    collaterals[a.tokenAddress] = {
      liquidationRatio: FLOAT_WAD(c.liquidationRatio),
      borrowRatio: FLOAT_WAD(c.borrowRatio),
      liquidationPenalty: FLOAT_WAD(c.liquidationPenalty),
      minDebt: FLOAT_WAD(c.minDebt),
      // What the per-second fee compounds to over a year (as the vault manager accrues it).
      stabilityFeeApr: Math.round(toNum(yearlyGrowthUp(c.stabilityFee)) * 1e6) / 1e6,
      startMultiplier: FLOAT_WAD(e.params.startMultiplier),
      floorRatio: FLOAT_WAD(e.params.floorRatio),
      auctionDurationSeconds: Number(e.params.duration),
      maxAuctionAgeSeconds: Number(e.params.maxAge),
      maxAuctionDebt: FLOAT_WAD(e.params.maxAuctionDebt),
      dust: FLOAT_WAD(e.params.dust),
    };
  }
  const kp = await chain.engine.keeperRewardParams();
  const sys = await chain.risk.systemRules();
  const peg = await chain.risk.pegRules();
  const rules: ProtocolParams["controller"]["collaterals"] = {};
  for (const k of chain.keys) {
    const r = await chain.risk.collateralRules(chain.assets[k].tokenAddress);
    rules[chain.assets[k].symbol] = {
      baseRate: FLOAT_WAD(r.baseRate),
      kink: FLOAT_WAD(r.kink),
      slopeBelowKink: FLOAT_WAD(r.slopeBelowKink),
      slopeAboveKink: FLOAT_WAD(r.slopeAboveKink),
      minRate: FLOAT_WAD(r.minRate),
      maxRate: FLOAT_WAD(r.maxRate),
      maxRateStep: FLOAT_WAD(r.maxRateStep),
      baseMargin: FLOAT_WAD(r.baseMargin),
      volatilityMultiplier: FLOAT_WAD(r.volatilityMultiplier),
      maxBorrowRatio: FLOAT_WAD(r.maxBorrowRatio),
      maxBorrowRatioStep: FLOAT_WAD(r.maxBorrowRatioStep),
      maxPriceMove: FLOAT_WAD(r.maxPriceMove),
      maxSlowMove: FLOAT_WAD(r.maxSlowMove),
      stressShock: FLOAT_WAD(r.stressShock),
      saleDiscount: FLOAT_WAD(r.saleDiscount),
    };
  }
  const strategies = await chain.reserve.strategies();
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
    controller: {
      pokeInterval: Number(sys.pokeInterval),
      priceWindow: Number(sys.priceWindow),
      slowWindow: Number(sys.slowWindow),
      coolDown: Number(sys.coolDown),
      varHorizon: Number(sys.varHorizon),
      varConfidence: FLOAT_WAD(sys.varConfidence),
      criticalCollateralRatio: FLOAT_WAD(sys.criticalCollateralRatio),
      peg: {
        pegAsset: peg.pegAsset,
        kp: FLOAT_WAD(peg.kp),
        ki: FLOAT_WAD(peg.ki),
        leakPerDay: FLOAT_WAD(peg.leakPerDay),
        maxPegTerm: FLOAT_WAD(peg.maxPegTerm),
      },
      collaterals: rules,
    },
    psm: {
      feeIn: FLOAT_WAD(await chain.psm.feeIn()),
      feeOut: FLOAT_WAD(await chain.psm.feeOut()),
      mintCeiling: FLOAT_WAD(await chain.psm.mintCeiling()),
      outflowLimit: FLOAT_WAD(await chain.psm.outflowLimit()),
      outflowWindowSeconds: Number(await chain.psm.outflowWindow()),
      depegTolerance: FLOAT_WAD(await chain.psm.depegTolerance()),
    },
    reserveUsdc: {
      liquidTarget: FLOAT_WAD(await chain.reserve.liquidTarget()),
      maxRebalance: Number(await chain.reserve.maxRebalance()) / 1e6,
      strategies: strategies.map((x) => ({ vault: x.vault, cap: Number(x.cap) / 1e6 })),
    },
  };
}

function renameCollaterals(chain: Chain, p: ProtocolParams): ProtocolParams {
  const collaterals: ProtocolParams["collaterals"] = {};
  for (const k of chain.keys) {
    const a = chain.assets[k];
    collaterals[a.symbol] = p.collaterals[a.tokenAddress];
  }
  return { ...p, collaterals };
}

/**
 * Moves each feed from its deployed price to the scenario's start price in steps of at most 20 %
 * (one day apart, each recorded), so the circuit breaker never trips on the way.
 */
async function walkPrices(chain: Chain, target: Record<AssetKey, number>): Promise<void> {
  const current = {} as Record<AssetKey, number>;
  for (const k of chain.keys) current[k] = Number((await chain.assets[k].feed.latestRoundData())[1]) / 1e8;
  for (let guard = 0; guard < 100; guard++) {
    let done = true;
    await chain.setNextTimestamp((await chain.latestTimestamp()) + 86_400);
    for (const k of chain.keys) {
      const ratio = target[k] / current[k];
      const next = ratio > 1.2 ? current[k] * 1.2 : ratio < 0.8 ? current[k] * 0.8 : target[k];
      if (next !== target[k]) done = false;
      current[k] = next;
      await chain.setPrice(k, next);
    }
    if (done) break;
  }
  for (const k of chain.keys) {
    const [price, status] = await chain.oracle.getPrice(chain.assets[k].tokenAddress);
    if (status !== 0n || price !== priceWad(target[k])) {
      throw new Error(`could not bring ${k} to ${target[k]} (oracle ${toNum(price)}, status ${status})`);
    }
  }
}

/**
 * A calm history before the scenario: `WARMUP_ROUNDS` daily rounds alternating between the start
 * price and the start price × (1 + σ/√365), ending on the start price. The oracle's variance rate
 * (V ← (τ·V + r²) / (τ + dt), τ = dt = one day: each round halves what came before) then sits at its
 * fixed point r²/dt, about σ² a year, whatever the walk to the start prices left in it, so the
 * controller's first poke sees volatility σ (START_VOLATILITY). No vault exists yet: nothing accrues
 * over these 150 days.
 */
async function warmUp(chain: Chain, prices: Record<AssetKey, number>): Promise<void> {
  for (let i = 1; i <= WARMUP_ROUNDS; i++) {
    await chain.setNextTimestamp((await chain.latestTimestamp()) + 86_400);
    for (const k of chain.keys) {
      const up = i % 2 === 1 && i < WARMUP_ROUNDS;
      const sigma = START_VOLATILITY[k] ?? DEFAULT_START_VOLATILITY;
      await chain.setPrice(k, up ? prices[k] * (1 + sigma / Math.sqrt(365)) : prices[k]);
    }
  }
  for (const k of chain.keys) {
    const [price, status] = await chain.oracle.getPrice(chain.assets[k].tokenAddress);
    if (status !== 0n || price !== priceWad(prices[k])) {
      throw new Error(`warm-up left ${k} at ${toNum(price)} (status ${status}), expected ${prices[k]}`);
    }
  }
  await chain.setNextTimestamp((await chain.latestTimestamp()) + 60);
}

/**
 * The seed stands for liquidity the PSM has held for a long time, so the credit its swap in left in
 * the outflow bucket (which lets what came in leave again, fading at the limit per window) would be
 * gone: governance (the impersonated timelock) cuts the limit by one wei and restores it — a cut caps
 * the bucket, credit included — so every run starts with the bucket exactly full.
 */
async function fadeSeedCredit(chain: Chain): Promise<void> {
  const limit = await chain.psm.outflowLimit();
  if (limit === 0n || (await chain.psm.availableOutflow()) <= limit) return;
  const psmAddr = chain.addresses.PegStabilityModule;
  await chain.asTimelock(
    [limit - 1n, limit].map((value) => [
      psmAddr,
      chain.psm.interface.encodeFunctionData("setOutflowLimit", [value]),
      200_000,
    ]),
  );
}

/**
 * The PSM's starting liquidity (`psm.seedLiquidity`), at the start of the setup: the holders (market
 * account) swap that much USDC in at its deployed price (its credit in the outflow bucket is then
 * cleared, `fadeSeedCredit`), and the reserve rebalances once (at most
 * `maxRebalance`, its limit per interval); `placePsmSeed` places the rest after the warm-up. Also
 * approves the PSM for the holders' and the arbitrageur's USDC. Returns the USDC swapped in.
 */
async function seedPsm(chain: Chain, s: Scenario, log: (line: string) => void): Promise<number> {
  const psmAddr = chain.addresses.PegStabilityModule;
  const approve = chain.usdc.interface.encodeFunctionData("approve", [psmAddr, 2n ** 256n - 1n]);
  for (const who of [chain.market.address, chain.arbitrageur.address]) {
    await chain.send(who, chain.addresses.USDC, approve, 100_000);
  }
  const seed = s.psm?.seedLiquidity ?? 0;
  if (seed <= 0) return 0;
  const amount = BigInt(Math.round(seed * 1e6));
  const market = chain.market.address;
  await chain.mintUsdc(market, amount);
  const data = chain.psm.interface.encodeFunctionData("swapStableForCoin", [amount, 0n, market]);
  const dry = await chain.tryCall(market, psmAddr, data);
  if (!dry.ok) {
    let reason = dry.data;
    try {
      reason = chain.psm.interface.parseError(dry.data)?.name ?? reason;
    } catch {
      // keep the raw data
    }
    throw new Error(
      `${s.name}: the PSM refuses the seed of ${seed} USDC (${reason}) at USDC's deployed price; ` +
        `the mint ceiling is ${toNum(await chain.psm.mintCeiling())} BDOL`,
    );
  }
  await chain.send(market, psmAddr, data, 1_500_000);
  await fadeSeedCredit(chain);
  await rebalanceReserve(chain);
  log(`[${s.name}] PSM seeded: ${seed.toLocaleString("en-US")} USDC swapped in and the reserve rebalanced`);
  return seed;
}

/**
 * After the warm-up (days later: the rebalance limit has refilled), the reserve places the rest of
 * the PSM's seed: 20 % liquid, the rest in the strategy up to its cap.
 */
async function placePsmSeed(chain: Chain, s: Scenario, log: (line: string) => void): Promise<void> {
  await rebalanceReserve(chain);
  log(`[${s.name}] the reserve placed the PSM's seed`);
}

/** One rebalance by the keeper, when a dry run shows it moves at least MIN_REBALANCE_UNITS. */
async function rebalanceReserve(chain: Chain): Promise<void> {
  const rebalance = chain.reserve.interface.encodeFunctionData("rebalance");
  const r = await chain.tryCall(chain.keeper.address, chain.addresses.ReservePool, rebalance);
  if (!r.ok) return;
  const [deposited, withdrawn] = chain.reserve.interface.decodeFunctionResult("rebalance", r.data) as unknown as [
    bigint,
    bigint,
  ];
  if (deposited + withdrawn < MIN_REBALANCE_UNITS) return;
  await chain.send(chain.keeper.address, chain.addresses.ReservePool, rebalance, 3_000_000);
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
 * a vault's health is interest (≤ 0.11 % a day even at the controller's 40 % fee ceiling; a poke
 * never moves the liquidation ratio) and the keeper's liquidations, after which the sim rescans; a
 * 0.5 % margin covers 6 hours of drift, so "no vault can be unhealthy" is exact.
 */
class LiquidationWatch {
  private threshold = new Map<string, bigint>();
  refreshedAt = -Infinity;

  constructor(private readonly chain: Chain) {}

  async refresh(minute: number): Promise<void> {
    const prices = new Map<string, bigint>();
    for (const k of this.chain.keys) {
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
    return this.chain.keys.some((k) => {
      const limit = this.threshold.get(this.chain.assets[k].tokenAddress.toLowerCase()) ?? 0n;
      return priceWad(prices[k]) * 1000n <= limit * 1005n;
    });
  }
}

/** The i-th extra keeper's address (i ≥ 1): fixed, from its index. */
function extraKeeperAddress(hre: HardhatRuntimeEnvironment, i: number): string {
  return new hre.ethers.Wallet(hre.ethers.id(`ballast.sim.keeper.${i}`)).address;
}

/** The scenario's extra keepers as signers (impersonated, 1,000 ETH each for gas). */
async function extraKeepers(hre: HardhatRuntimeEnvironment, s: Scenario) {
  const out = [];
  for (let i = 1; i < (s.keepers?.count ?? 1); i++) {
    const address = extraKeeperAddress(hre, i);
    await hre.network.provider.request({ method: "hardhat_setBalance", params: [address, "0x3635c9adc5dea00000"] });
    out.push(await hre.ethers.getImpersonatedSigner(address));
  }
  return out;
}

/** A seed from a name (FNV-1a). */
function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** A deterministic draw in [0, 1) from integers (a hash of them). */
function unitDraw(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h / 2 ** 32;
}

function inWindows(minute: number, windows: [number, number][]): boolean {
  return windows.some(([a, b]) => minute >= a && minute < b);
}

/**
 * The keeper's two unpaid duties on a tick where it is around, done without its vault scan (the
 * keeper bot does the same with `poke: true` and `rebalance: true`, which it also gets on the ticks
 * where it runs):
 * - poke the risk controller once its interval has passed. The tick's transactions shift the clock
 *   by a few seconds from one tick to the next, so a poke that falls due at most `slack` seconds
 *   after the next block is mined at its due time rather than a whole step later: pokes stay hourly.
 * - rebalance the reserve's USDC when that moves at least 1 USDC (dry run first).
 * Returns the error of a poke that reverted (the run goes on; sim.ts fails the check).
 */
async function keeperDuties(chain: Chain, slack: number): Promise<string | undefined> {
  const keeper = chain.keeper.address;
  let error: string | undefined;
  const due = Number(await chain.risk.nextPokeAt());
  const earliest = (await chain.latestTimestamp()) + 1;
  if (due <= earliest + slack) {
    // No dry run: an eth_call runs at the latest block's timestamp, one second before the poke's
    // own block, and would see PokeTooSoon when the poke falls due exactly then.
    if (due > earliest) await chain.setNextTimestamp(due);
    try {
      await chain.send(
        keeper,
        chain.addresses.RiskController,
        chain.risk.interface.encodeFunctionData("poke"),
        5_000_000,
      );
    } catch (err) {
      error = (err as Error).message.split("\n")[0];
    }
  }
  const rebalance = chain.reserve.interface.encodeFunctionData("rebalance");
  const dry = await chain.tryCall(keeper, chain.addresses.ReservePool, rebalance, 5_000_000);
  if (dry.ok) {
    const [deposited, withdrawn] = chain.reserve.interface.decodeFunctionResult("rebalance", dry.data) as unknown as [
      bigint,
      bigint,
    ];
    if (deposited + withdrawn >= MIN_REBALANCE_UNITS) {
      await chain.send(keeper, chain.addresses.ReservePool, rebalance, 5_000_000);
    }
  }
  return error;
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
    market: boolean;
    pegKeeper: boolean;
  },
): Promise<RunResult> {
  const started = Date.now();
  const endSec = Math.round((s.durationMinutes ?? 0) * 60);
  const step = s.stepSeconds;
  const interval = s.keeperIntervalSeconds ?? step;
  const boundaries = absences.flat().map((m) => Math.round(m * 60));
  const t0 = (await chain.latestTimestamp()) + 60;
  const startBlock = (await chain.blockNumber()) + 1;
  // The keepers (one unless the scenario asks for several): each with its own bot state.
  const keepers = [chain.keeper, ...(await extraKeepers(hre, s))];
  const states: KeeperState[] = keepers.map(() => ({ firstActiveAuction: 1n }));
  const missRate = s.keepers?.missRate ?? 0;
  const maxTakeBdol = s.keepers?.maxTakeBdol === undefined ? undefined : priceWad(s.keepers.maxTakeBdol);
  const maxGasPrice = s.gas?.keeperMaxGwei === undefined ? undefined : BigInt(Math.round(s.gas.keeperMaxGwei * 1e9));
  const seed = seedOf(s.name);
  let round = 0;
  const borrowerStats = newBorrowerStats();
  let lastLook = -1;
  const reports: KeeperReport[] = [];
  const ticks: TickRecord[] = [];
  const market = { bdolPaid: 0n, collateralValue: 0n, shortOfBdol: 0 };
  const keeperLog = ctx.keeperLog ?? (() => undefined);
  const desk = await PsmDesk.create(chain, s);
  const mdesk = ctx.market ? await MarketDesk.create(chain, s, ctx.pegKeeper, desk) : undefined;
  const slack = Math.min(POKE_SLACK_SECONDS, Math.floor(interval / 2));
  // The last USDC and BDOL rounds (published during setup): a new one goes out on a change of price
  // or when the last is PEG_REPUBLISH_SECONDS old.
  const published = {} as Record<PegKey, { answer: bigint; at: number }>;
  for (const k of PEG_KEYS) {
    const round = await chain.pegs[k].feed.latestRoundData();
    published[k] = { answer: round[1], at: Number(round[3]) };
  }
  let lastPoke = -1n;
  const pokeFailures: RunResult["pokeFailures"] = [];
  ctx.log(
    `[${s.name}] run "${mode}"${ctx.market ? (ctx.pegKeeper ? " with the PegKeeper" : " without the PegKeeper") : ""}${absences.length ? ` (keepers absent ${absences.map(([a, b]) => `${a}–${b} min`).join(", ")})` : ""}…`,
  );

  const timing = {
    prices: 0,
    pools: 0,
    psm: 0,
    duties: 0,
    precheck: 0,
    keeper: 0,
    market: 0,
    snapshot: 0,
    analysis: 0,
  };
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
  let previousT = 0;
  for (;;) {
    const minute = t / 60;
    clock = Date.now();
    const fromBlock = (await chain.blockNumber()) + 1;
    await chain.setNextTimestamp(t0 + t);
    if (s.gas?.basefeeGwei) await blockPin?.setBaseFee(BigInt(Math.round(priceAt(s.gas.basefeeGwei, minute) * 1e9)));
    const prices = {} as Record<AssetKey, number>;
    for (const k of chain.keys) {
      // The market's price (the pools follow it); the feed publishes its own view of it, or nothing.
      prices[k] = priceAt(s.prices[k], minute);
      const feedPrice = feedPriceAt(s, k, minute);
      if (feedPrice !== undefined) await chain.setPrice(k, feedPrice);
    }
    const pegPrices = {} as Record<PegKey, number>;
    for (const k of PEG_KEYS) {
      pegPrices[k] = priceAt(pathOf(s, k), minute);
      // The market model: BDOL's price comes out of its pool (below), its oracle from the MarketPriceFeed.
      if (mdesk && k === "BDOL") continue;
      const answer = BigInt(Math.round(pegPrices[k] * 1e8));
      if (answer !== published[k].answer || t0 + t - published[k].at >= PEG_REPUBLISH_SECONDS) {
        await chain.setPegPrice(k, pegPrices[k]);
        published[k] = { answer, at: await chain.latestTimestamp() };
      }
    }
    lap("prices");
    // The market: holders' redemptions and the arbitrageur (they do not wait for keepers).
    if (mdesk) {
      await mdesk.tick(minute, t - previousT, prices, pegPrices.USDC);
      lap("pools");
    }
    await desk.tick(minute, t - previousT, pegPrices, mdesk === undefined);
    previousT = t;
    lap("psm");
    // Borrowers who react (the scenario's borrowers block), every `everyMinutes`, before the keepers.
    if (s.borrowers !== undefined) {
      const look = Math.floor(minute / (s.borrowers.everyMinutes ?? 60));
      if (look !== lastLook) {
        lastLook = look;
        const fees = {} as Record<AssetKey, number>;
        for (const k of chain.keys) {
          fees[k] = annualRate((await chain.vm.collateralConfig(chain.assets[k].tokenAddress)).stabilityFee);
        }
        const share = s.borrowers.share;
        const reacts = (id: bigint) => unitDraw(seed, Number(id), 7) < share;
        if (await reactBorrowers(chain, s.borrowers, fees, reacts, borrowerStats)) await watch.refresh(minute);
      }
    }
    const present = !inWindows(minute, absences);
    if (present) {
      const error = await keeperDuties(chain, slack);
      if (error) pokeFailures.push({ minute, error });
      if (mdesk) await mdesk.pegKeeperDuty();
    }
    lap("duties");
    const tickReports: KeeperReport[] = [];
    // The keeper runs on every tick where it has something to do. A tick with no unhealthy vault,
    // no auction, no reserve collateral and nothing left from the last keeper round gives it
    // nothing but a scan, so the call is skipped (one lens call decides; the outcome is the same).
    if (minute - watch.refreshedAt >= 360) await watch.refresh(minute);
    const work = present && (pending || watch.mayBeUnhealthy(prices));
    lap("precheck");
    if (work) {
      // Each keeper in turn, the first to go rotating round by round; one may miss the round.
      round++;
      for (let j = 0; j < keepers.length; j++) {
        const i = (round + j) % keepers.length;
        if (missRate > 0 && unitDraw(seed, round, i) < missRate) continue;
        const report = await runKeeperOnce(hre, {
          keeper: keepers[i],
          spread: ctx.spread,
          sellReserveCollateral: true,
          referencePrice: (_collateral, oraclePrice) => oraclePrice,
          state: states[i],
          log: keeperLog,
          // The unpaid duties: the first keeper's.
          poke: i === 0,
          rebalance: i === 0,
          // The market model: takes with no capital, selling the collateral into its pool.
          flash: mdesk !== undefined,
          maxGasPrice,
          maxTakeBdol,
        });
        (report as KeeperReport & { keeper?: number }).keeper = i;
        reports.push(report);
        tickReports.push(report);
        if (report.liquidations.length > 0) await watch.refresh(minute);
      }
      lap("keeper");
      if (!mdesk) for (const k of keepers) await sellToMarket(chain, market, k.address);
      lap("market");
    }
    const snap = await chain.systemSnapshot();
    const [psmMinted, availableOutflow, usdcLiquid, usdcInStrategies, [usdcOracle]] = await Promise.all([
      chain.psm.minted(),
      chain.psm.availableOutflow(),
      chain.usdc.balanceOf(chain.addresses.ReservePool),
      chain.reserve.strategyAssets(),
      chain.oracle.getPrice(chain.addresses.USDC),
    ]);
    const status = {} as Record<AssetKey, number>;
    const oracle = {} as Record<AssetKey, number>;
    const fees: Record<string, number> = {};
    const borrowRatios: Record<string, number> = {};
    const volatility: Record<string, number> = {};
    const halted: Record<string, boolean> = {};
    const breakers: Record<string, boolean> = {};
    let reserveCollateralValue = 0n;
    for (const k of chain.keys) {
      const c = snap.collaterals.find((x) => x.token === chain.assets[k].tokenAddress);
      if (!c) throw new Error(`no ${k} in the lens snapshot`);
      const symbol = chain.assets[k].symbol;
      status[k] = Number(c.priceStatus);
      oracle[k] = toNum(c.price);
      reserveCollateralValue += valueDown(c.reserveHolding, chain.assets[k].decimals, c.price);
      fees[symbol] = annualRate(c.stabilityFee);
      borrowRatios[symbol] = toNum(c.borrowRatio);
      volatility[symbol] = toNum(c.volatility);
      halted[symbol] = c.paused;
      breakers[symbol] = c.breakerHaltUntil > snap.timestamp;
    }
    breakers.system = snap.risk.systemHalted;
    const poked = snap.risk.lastPoke !== lastPoke && snap.risk.lastPoke !== 0n;
    const marketTick = mdesk ? await mdesk.tickRecord(minute, prices, pegPrices.USDC) : undefined;
    if (marketTick) pegPrices.BDOL = marketTick.bdolSpotUsd;
    lastPoke = snap.risk.lastPoke;
    ticks.push({
      minute,
      fromBlock,
      toBlock: await chain.blockNumber(),
      keepers: present,
      keeperRan: tickReports.length > 0,
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
      pegPrices,
      market: marketTick,
      usdcOracle: toNum(usdcOracle),
      fees,
      borrowRatios,
      volatility,
      halted,
      breakers,
      reserveTarget: toNum(snap.risk.reserveTarget),
      poked,
      pokes: 0,
      psm: {
        minted: toNum(psmMinted),
        availableOutflow: toNum(availableOutflow),
        usdcLiquid: Number(usdcLiquid) / 1e6,
        usdcInStrategies: Number(usdcInStrategies) / 1e6,
        queue: toNum(desk.queue),
        redeemed: 0,
        arbitrageMinted: 0,
      },
    });
    lap("snapshot");
    // Work left for the next keeper round: an auction still running, reserve collateral worth
    // selling (the keeper leaves lots below its minimum sale value alone), or a vault it skipped.
    pending =
      (await chain.activeAuctionCount(
        states.reduce((a, x) => (x.firstActiveAuction < a ? x.firstActiveAuction : a), states[0].firstActiveAuction),
      )) > 0 ||
      reserveCollateralValue >= MIN_SALE_VALUE ||
      tickReports.some((r) => r.skipped.some((x) => x.what.startsWith("vault")));
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
    startTimestamp: t0,
    ticks,
    reports,
    market,
    desk: desk.report(),
  });
  const marketTotals = mdesk ? await analyseMarket(chain, mdesk, s, ticks, reports, startBlock, endBlock) : undefined;
  lap("analysis");
  const r: RunResult = {
    mode,
    pegKeeper: ctx.market && ctx.pegKeeper,
    market: marketTotals,
    borrowers: s.borrowers === undefined ? undefined : borrowerStats,
    keeperAbsences: absences,
    wallMs: Date.now() - started,
    timing,
    ticks: ticks.length,
    totals,
    series: ticks,
    pokeFailures,
  };
  ctx.log(
    `[${s.name}] run "${mode}" done in ${(r.wallMs / 1000).toFixed(1)} s (${ticks.length} ticks): ` +
      `${totals.vaultsLiquidated} vaults liquidated, bad debt ${fmt(totals.badDebt)}, deficit ${fmt(totals.deficit)}, ` +
      `lowest reserve ratio ${(totals.lowestReserveRatio.value * 100).toFixed(2)} %, ` +
      `${totals.controller.pokes} pokes, peak fee ${(totals.controller.peakFee.value * 100).toFixed(2)} % ` +
      `(${totals.controller.peakFee.collateral}), PSM minted ${fmt(totals.psm.mintedStart)} → ${fmt(totals.psm.mintedEnd)}, ` +
      `redeemed ${fmt(totals.psm.redemptions.coinIn)}` +
      (s.oracle !== undefined && totals.oracle.largestGap !== null
        ? `, oracle stale ${totals.oracle.staleTicks} / frozen ${totals.oracle.frozenTicks} ticks, largest oracle gap ` +
          `${(totals.oracle.largestGap.gap * 100).toFixed(2)} % (${totals.oracle.largestGap.asset}, minute ${totals.oracle.largestGap.minute})`
        : "") +
      ` [ms: ${Object.entries(timing)
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
async function sellToMarket(
  chain: Chain,
  market: { bdolPaid: bigint; collateralValue: bigint; shortOfBdol: number },
  keeper: string,
) {
  const buyer = chain.market.address;
  for (const k of chain.keys) {
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

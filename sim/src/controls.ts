/**
 * What the risk controller and the peg stability module did in a run, read back from their events
 * over the run's blocks (as metrics.ts does for liquidations): pokes, fees, borrow ratios, breaker
 * trips and the reserve target (RiskController's Poked, CollateralPoked, PriceBreakerTripped,
 * SystemBreakerTripped), PSM swaps (SwappedStableForCoin, SwappedCoinForStable) and the reserve's
 * strategy moves (StrategyDeposit, StrategyWithdrawal, Rebalanced). Two checks run on them:
 *
 * - **depeg guard**: no mint at a block where the oracle's USDC price is below 1 − depegTolerance;
 * - **outflow limit**: the bucket limits net flow (IPegStabilityModule, bounds 1 and 2): over the PSM's
 *   flows in the run (swaps in, redemptions) in order, for any flow i and later redemption k, the USDC
 *   value paid by the redemptions from i to k less the USDC value swapped in meanwhile is at most
 *   outflowLimit × (1 + (t_k − t_i) / outflowWindow) plus the credit the run's earlier flows left
 *   (max over u < i of their net inflow since u less outflowLimit × (t_i − t_u) / outflowWindow):
 *   the bucket's promise for a run that starts with it at most full (the seed's credit has faded).
 */
import { Chain, WAD, toNum } from "./chain";
import type { PsmDeskReport } from "./psm";
import type { TickRecord } from "./metrics";

const DAY = 24 * 3600;

export interface Peak {
  value: number;
  /** The collateral's symbol (WETH). */
  collateral: string;
  minute: number;
}

export interface ControllerTotals {
  /** Poked events in the run (the sim's keeper duty and the keeper bot together). */
  pokes: number;
  /** Longest time between two pokes, or from the run's start to the first [minutes]. */
  maxPokeGapMinutes: number | null;
  /**
   * The stress-loss estimate stored by the run's first poke [BDOL], and when (minute 0 unless keepers
   * were absent then); the estimate on the starting book itself is `setup.reserveTargetNowAtStart`.
   */
  reserveTargetFirstPoke: { value: number; minute: number } | null;
  reserveTargetPeak: number;
  reserveTargetEnd: number;
  /** Annual stability fee (fraction) and borrow ratio: highest value applied by a poke, and at the end. */
  peakFee: Peak;
  peakBorrowRatio: Peak;
  feeEnd: Record<string, number>;
  borrowRatioEnd: Record<string, number>;
  /** Lowest live BDOL price a poke saw, and the peg term's range [annual rate, fraction]. */
  lowestPegPrice: number | null;
  pegTermRange: [number, number];
  /** Trips: episodes (a trip while the breaker was not holding), per collateral and for the system. */
  breakerTrips: Record<string, number>;
  /** Trip events (a breaker that holds is renewed by every poke that sees its condition). */
  breakerTripEvents: number;
  /** Ticks at which borrowing was halted on the collateral (any cause), and its share of the run's ticks. */
  haltedTicks: Record<string, number>;
}

export interface PsmTotals {
  mintedStart: number;
  mintedEnd: number;
  mintedPeak: number;
  /**
   * Σ over SwappedStableForCoin: count, USDC in, BDOL out, fees [BDOL], and the USDC in at the
   * oracle's price at each mint's block (below `stableIn` when the PSM took USDC under par).
   */
  mints: { count: number; stableIn: number; coinOut: number; fees: number; stableInOracleValue: number };
  /** Σ over SwappedCoinForStable: count, BDOL in, USDC out, fees; BDOL in by holders and by the arbitrageur. */
  redemptions: {
    count: number;
    coinIn: number;
    stableOut: number;
    fees: number;
    byHolders: number;
    byArbitrageur: number;
  };
  /** USDC paid out by redemptions in the busiest 24 hours (events), against 2 × outflowLimit. */
  maxOutflow24h: number;
  outflowCheck: {
    limit: number;
    windowSeconds: number;
    redemptions: number;
    /**
     * Largest (net paid − limit × (t_k − t_i) / window − credit_i) over pairs, as a share of the limit
     * (≤ 1 holds).
     */
    worstShareOfBound: number | null;
    violations: { fromBlock: number; toBlock: number; paid: number; bound: number }[];
  };
  depegCheck: {
    tolerance: number;
    mints: number;
    /** Lowest oracle USDC price at a mint's block. */
    lowestUsdcAtMint: number | null;
    violations: { block: number; usdcPrice: number }[];
  };
  strategy: {
    /** USDC moved into strategies / out of them by rebalance / out of them to pay redemptions. */
    deposited: number;
    withdrawnByRebalance: number;
    withdrawnForRedemptions: number;
    rebalances: number;
  };
  lowestUsdcLiquid: { value: number; minute: number };
  usdcEnd: { liquid: number; inStrategies: number };
  pendingFees: number;
  desk: PsmDeskReport;
}

/**
 * Builds the controller's and the PSM's totals for a run and fills the cumulative tick fields
 * (`pokes`, `psm.redeemed`, `psm.arbitrageMinted`).
 */
export async function analyseControls(
  chain: Chain,
  run: { startBlock: number; endBlock: number; startTimestamp: number; ticks: TickRecord[]; desk: PsmDeskReport },
): Promise<{ controller: ControllerTotals; psm: PsmTotals }> {
  const { risk, psm, reserve } = chain;
  const from = run.startBlock;
  const to = run.endBlock;
  const [poked, cpoked, priceTrips, systemTrips, mints, redeems, deposits, withdrawals, rebalances] = await Promise.all(
    [
      risk.queryFilter(risk.filters.Poked(), from, to),
      risk.queryFilter(risk.filters.CollateralPoked(), from, to),
      risk.queryFilter(risk.filters.PriceBreakerTripped(), from, to),
      risk.queryFilter(risk.filters.SystemBreakerTripped(), from, to),
      psm.queryFilter(psm.filters.SwappedStableForCoin(), from, to),
      psm.queryFilter(psm.filters.SwappedCoinForStable(), from, to),
      reserve.queryFilter(reserve.filters.StrategyDeposit(), from, to),
      reserve.queryFilter(reserve.filters.StrategyWithdrawal(), from, to),
      reserve.queryFilter(reserve.filters.Rebalanced(), from, to),
    ],
  );
  const timestamps = new Map<number, number>();
  const timeOf = async (block: number): Promise<number> => {
    let t = timestamps.get(block);
    if (t === undefined) {
      t = (await chain.hre.ethers.provider.getBlock(block))!.timestamp;
      timestamps.set(block, t);
    }
    return t;
  };
  const symbolOf = new Map<string, string>();
  for (const k of chain.keys) symbolOf.set(chain.assets[k].tokenAddress.toLowerCase(), chain.assets[k].symbol);
  const sym = (address: string) => symbolOf.get(address.toLowerCase()) ?? address;
  const minuteOf = async (block: number) => ((await timeOf(block)) - run.startTimestamp) / 60;

  // ------------------------------------------------------------------ controller
  const sys = await risk.systemRules();
  const coolDown = Number(sys.coolDown);
  let maxGap: number | null = null;
  let prev = run.startTimestamp;
  for (const e of poked) {
    const t = await timeOf(e.blockNumber);
    maxGap = Math.max(maxGap ?? 0, (t - prev) / 60);
    prev = t;
  }
  const endTimestamp = await timeOf(to);
  if (poked.length > 0) maxGap = Math.max(maxGap ?? 0, (endTimestamp - prev) / 60);
  const targets = poked.map((e) => toNum(e.args.reserveTarget));
  const live = poked.filter((e) => e.args.pegStatus === 0n).map((e) => toNum(e.args.pegPrice));
  const terms = poked.map((e) => Number(e.args.pegTerm) / 1e18);

  let peakFee: Peak = { value: -Infinity, collateral: "", minute: 0 };
  let peakBr: Peak = { value: -Infinity, collateral: "", minute: 0 };
  for (const e of cpoked) {
    const rate = toNum(e.args.update.rate);
    const br = toNum(e.args.update.borrowRatio);
    if (rate > peakFee.value) {
      peakFee = { value: rate, collateral: sym(e.args.collateral), minute: await minuteOf(e.blockNumber) };
    }
    if (br > peakBr.value) {
      peakBr = { value: br, collateral: sym(e.args.collateral), minute: await minuteOf(e.blockNumber) };
    }
  }
  // Before any poke (or without one) the peak is the value in force at the first tick.
  const first = run.ticks[0];
  for (const [c, v] of Object.entries(first?.fees ?? {})) {
    if (v > peakFee.value) peakFee = { value: v, collateral: c, minute: first.minute };
  }
  for (const [c, v] of Object.entries(first?.borrowRatios ?? {})) {
    if (v > peakBr.value) peakBr = { value: v, collateral: c, minute: first.minute };
  }

  // Trip episodes: a trip at time t (= haltUntil − coolDown) while the previous halt ended by t.
  const breakerTrips: Record<string, number> = {};
  for (const k of chain.keys) breakerTrips[chain.assets[k].symbol] = 0;
  breakerTrips.system = 0;
  const heldUntil = new Map<string, number>();
  const trips = [
    ...priceTrips.map((e) => ({ key: sym(e.args.collateral), until: Number(e.args.haltUntil), block: e.blockNumber })),
    ...systemTrips.map((e) => ({ key: "system", until: Number(e.args.haltUntil), block: e.blockNumber })),
  ].sort((a, b) => a.block - b.block);
  for (const t of trips) {
    const at = t.until - coolDown;
    if (at >= (heldUntil.get(t.key) ?? 0)) breakerTrips[t.key] = (breakerTrips[t.key] ?? 0) + 1;
    heldUntil.set(t.key, t.until);
  }

  const last = run.ticks[run.ticks.length - 1];
  const haltedTicks: Record<string, number> = {};
  for (const k of chain.keys) {
    const symbol = chain.assets[k].symbol;
    haltedTicks[symbol] = run.ticks.filter((t) => t.halted[symbol]).length;
  }

  // Cumulative pokes per tick.
  let iPoke = 0;
  for (const tick of run.ticks) {
    while (iPoke < poked.length && poked[iPoke].blockNumber <= tick.toBlock) iPoke++;
    tick.pokes = iPoke;
  }

  const controller: ControllerTotals = {
    pokes: poked.length,
    maxPokeGapMinutes: maxGap,
    reserveTargetFirstPoke: poked.length ? { value: targets[0], minute: await minuteOf(poked[0].blockNumber) } : null,
    reserveTargetPeak: targets.length ? Math.max(...targets) : 0,
    reserveTargetEnd: targets.length ? targets[targets.length - 1] : 0,
    peakFee,
    peakBorrowRatio: peakBr,
    feeEnd: { ...(last?.fees ?? {}) },
    borrowRatioEnd: { ...(last?.borrowRatios ?? {}) },
    lowestPegPrice: live.length ? Math.min(...live) : null,
    pegTermRange: terms.length ? [Math.min(...terms), Math.max(...terms)] : [0, 0],
    breakerTrips,
    breakerTripEvents: trips.length,
    haltedTicks,
  };

  // ------------------------------------------------------------------ PSM
  const usdcScale = 10n ** 12n;
  const [limitWad, windowSeconds, toleranceWad, pendingFees] = await Promise.all([
    psm.outflowLimit(),
    psm.outflowWindow(),
    psm.depegTolerance(),
    psm.pendingFees(),
  ]);
  const window = Number(windowSeconds);
  const arb = chain.arbitrageur.address.toLowerCase();

  // Depeg guard: the oracle's USDC price at every mint's block.
  const floor = WAD - toleranceWad;
  const depegViolations: PsmTotals["depegCheck"]["violations"] = [];
  let lowestAtMint: number | null = null;
  let mintedValue = 0n;
  for (const e of mints) {
    const [price] = await chain.oracle.getPrice(chain.addresses.USDC, { blockTag: e.blockNumber });
    mintedValue += (e.args.stableIn * usdcScale * price) / WAD;
    lowestAtMint = lowestAtMint === null ? toNum(price) : Math.min(lowestAtMint, toNum(price));
    if (price < floor) depegViolations.push({ block: e.blockNumber, usdcPrice: toNum(price) });
  }

  // Outflow, net: every flow in order, out = stableOut × scale (= coinIn − fee) paid by a redemption,
  // in = stableIn × scale swapped in; credit_i (× window) from the flows before i alone.
  type Flow = { t: number; out: bigint; block: number; redemption: boolean };
  const flows: (Flow & { index: number })[] = [];
  for (const e of redeems) {
    const f = { t: await timeOf(e.blockNumber), out: e.args.stableOut * usdcScale, block: e.blockNumber };
    flows.push({ ...f, redemption: true, index: e.index });
  }
  for (const e of mints) {
    const f = { t: await timeOf(e.blockNumber), out: -(e.args.stableIn * usdcScale), block: e.blockNumber };
    flows.push({ ...f, redemption: false, index: e.index });
  }
  flows.sort((a, b) => a.block - b.block || a.index - b.index);
  const W = BigInt(window);
  const credit: bigint[] = flows.map((f, i) => {
    let best = 0n;
    let inflow = 0n; // window × net inflow of flows u … i − 1
    for (let u = i - 1; u >= 0; u--) {
      inflow -= flows[u].out * W;
      const c = inflow - limitWad * BigInt(f.t - flows[u].t);
      if (c > best) best = c;
    }
    return best;
  });
  const violations: PsmTotals["outflowCheck"]["violations"] = [];
  let worst: number | null = null;
  for (let k = 0; k < flows.length; k++) {
    if (!flows[k].redemption) continue;
    let net = 0n;
    for (let i = k; i >= 0; i--) {
      net += flows[i].out;
      const allowedW = limitWad * (W + BigInt(flows[k].t - flows[i].t)) + credit[i];
      const share =
        limitWad === 0n ? 0 : Number(((net * W - allowedW + limitWad * W) * 1_000_000n) / (limitWad * W)) / 1e6;
      worst = worst === null ? share : Math.max(worst, share);
      if (net * W > allowedW) {
        violations.push({
          fromBlock: flows[i].block,
          toBlock: flows[k].block,
          paid: toNum(net),
          bound: toNum(allowedW / W),
        });
      }
    }
  }
  // The busiest 24 hours of redemptions (gross, informational).
  const outs = flows.filter((f) => f.redemption);
  let max24 = 0n;
  for (let i = 0; i < outs.length; i++) {
    let sum = 0n;
    for (let j = i; j < outs.length && outs[j].t - outs[i].t < DAY; j++) {
      sum += outs[j].out;
      if (sum > max24) max24 = sum;
    }
  }

  // Strategy withdrawals in a rebalance's transaction are the rebalance's; the others paid redemptions.
  const rebalanceTxs = new Set(rebalances.map((e) => e.transactionHash));
  const usdc = (x: bigint) => Number(x) / 1e6;
  let wRebalance = 0n;
  let wRedeem = 0n;
  for (const e of withdrawals) {
    if (rebalanceTxs.has(e.transactionHash)) wRebalance += e.args.assets;
    else wRedeem += e.args.assets;
  }

  // Cumulative redemptions and arbitrage mints per tick.
  const byBlock = <T extends { blockNumber: number }>(xs: T[]) => [...xs].sort((a, b) => a.blockNumber - b.blockNumber);
  const rs = byBlock(redeems);
  const ms = byBlock(mints);
  let iR = 0;
  let iM = 0;
  let redeemed = 0n;
  let arbMinted = 0n;
  for (const tick of run.ticks) {
    while (iR < rs.length && rs[iR].blockNumber <= tick.toBlock) redeemed += rs[iR++].args.coinIn;
    while (iM < ms.length && ms[iM].blockNumber <= tick.toBlock) arbMinted += ms[iM++].args.coinOut;
    tick.psm.redeemed = toNum(redeemed);
    tick.psm.arbitrageMinted = toNum(arbMinted);
  }

  const sum = <T>(xs: T[], f: (x: T) => bigint) => xs.reduce((a, x) => a + f(x), 0n);
  let lowLiquid = { value: Infinity, minute: 0 };
  for (const t of run.ticks)
    if (t.psm.usdcLiquid < lowLiquid.value) lowLiquid = { value: t.psm.usdcLiquid, minute: t.minute };
  const psmTotals: PsmTotals = {
    mintedStart: run.ticks[0]?.psm.minted ?? 0,
    mintedEnd: last?.psm.minted ?? 0,
    mintedPeak: Math.max(0, ...run.ticks.map((t) => t.psm.minted)),
    mints: {
      count: mints.length,
      stableIn: usdc(sum(mints, (e) => e.args.stableIn)),
      coinOut: toNum(sum(mints, (e) => e.args.coinOut)),
      fees: toNum(sum(mints, (e) => e.args.fee)),
      stableInOracleValue: toNum(mintedValue),
    },
    redemptions: {
      count: redeems.length,
      coinIn: toNum(sum(redeems, (e) => e.args.coinIn)),
      stableOut: usdc(sum(redeems, (e) => e.args.stableOut)),
      fees: toNum(sum(redeems, (e) => e.args.fee)),
      byHolders: toNum(sum(redeems, (e) => (e.args.to.toLowerCase() === arb ? 0n : e.args.coinIn))),
      byArbitrageur: toNum(sum(redeems, (e) => (e.args.to.toLowerCase() === arb ? e.args.coinIn : 0n))),
    },
    maxOutflow24h: toNum(max24),
    outflowCheck: {
      limit: toNum(limitWad),
      windowSeconds: window,
      redemptions: redeems.length,
      worstShareOfBound: worst,
      violations,
    },
    depegCheck: {
      tolerance: toNum(toleranceWad),
      mints: mints.length,
      lowestUsdcAtMint: lowestAtMint,
      violations: depegViolations,
    },
    strategy: {
      deposited: usdc(sum(deposits, (e) => e.args.assets)),
      withdrawnByRebalance: usdc(wRebalance),
      withdrawnForRedemptions: usdc(wRedeem),
      rebalances: rebalances.length,
    },
    lowestUsdcLiquid: lowLiquid,
    usdcEnd: { liquid: last?.psm.usdcLiquid ?? 0, inStrategies: last?.psm.usdcInStrategies ?? 0 },
    pendingFees: toNum(pendingFees),
    desk: run.desk,
  };
  return { controller, psm: psmTotals };
}

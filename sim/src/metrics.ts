/**
 * What a run did, read back from the chain: the engine's and the reserve's events over the run's
 * blocks (not the keeper's own report, so the figures do not depend on the bot being right), the
 * oracle price at each take's block (historical eth_call) for the floor check, and the state at
 * the end. The risk controller's and the PSM's part is in controls.ts.
 */
import type { KeeperReport } from "../../lib/keeper";
import { Chain, WAD, toNum, valueDown } from "./chain";
import { analyseControls, type ControllerTotals, type PsmTotals } from "./controls";
import type { PsmDeskReport } from "./psm";
import type { MarketTick } from "./market";
import type { PegKey } from "./assets";
import type { AssetKey } from "./scenario";

export interface TickRecord {
  minute: number;
  fromBlock: number;
  toBlock: number;
  /** Keepers were around in this tick (false inside an absence window). */
  keepers: boolean;
  /** The keeper bot was called (it is not when the lens shows it nothing to do). */
  keeperRan: boolean;
  /** The scenario's market price (what the feed publishes unless the scenario's `oracle` block departs from it). */
  prices: Record<AssetKey, number>;
  /** The oracle's price after recording (equal to `prices` unless the circuit breaker holds it or the feed departs). */
  oraclePrices: Record<AssetKey, number>;
  /** IOracleAdapter.PriceStatus (0 live, 3 frozen…). */
  priceStatus: Record<AssetKey, number>;
  /** Collateral value in vaults / vault debt; null with no debt. */
  systemCr: number | null;
  /** (reserve value − deficit) / system debt; null with no debt. */
  reserveRatio: number | null;
  reserveValue: number;
  /** Reserve-owned collateral (held or on sale) at the oracle price. */
  reserveCollateralValue: number;
  stabilityBuffer: number;
  deficit: number;
  deficitWei: string;
  totalDebt: number;
  debtUnderAuction: number;
  /** Cumulative from the start of the run. */
  badDebt: number;
  vaultsLiquidated: number;
  debtAbsorbed: number;
  debtAuctioned: number;
  redos: number;
  /** The scenario's USDC and BDOL prices (what their feeds published; BDOL is the controller's peg input). */
  pegPrices: Record<PegKey, number>;
  /** The market model's BDOL and PegKeeper state at the end of the tick (market.ts). */
  market?: MarketTick;
  /** USDC as the oracle has it after recording (the PSM's depeg guard reads the same round). */
  usdcOracle: number;
  /**
   * Per collateral (WETH, WBTC): the annual stability fee as a fraction, from the vault manager's
   * per-second fee: (perSecond − 1e27) × 31,536,000 / 1e9 [wad] (the controller's own conversion).
   */
  fees: Record<string, number>;
  /** Per collateral: borrow ratio (initial margin), and the oracle's annualised volatility estimate. */
  borrowRatios: Record<string, number>;
  volatility: Record<string, number>;
  /** Per collateral: borrowing halted (any pause: the controller's breakers, the guardian, governance). */
  halted: Record<string, boolean>;
  /** The controller's breakers holding: each collateral's price breaker, and `system`. */
  breakers: Record<string, boolean>;
  /** The controller's reserve target (stress-loss estimate) stored by the last poke; 0 before the first. */
  reserveTarget: number;
  /** A poke was mined in this tick; `pokes` counts them from the run's start (filled from the events). */
  poked: boolean;
  pokes: number;
  psm: {
    /** PegStabilityModule.minted(): BDOL minted against USDC, net of redemptions. */
    minted: number;
    /** USDC value the outflow bucket lets out now. */
    availableOutflow: number;
    /** The reserve's USDC: liquid, and in ERC-4626 strategies (convertToAssets). */
    usdcLiquid: number;
    usdcInStrategies: number;
    /** BDOL the holders asked to redeem that still waits. */
    queue: number;
    /** Cumulative BDOL redeemed, and BDOL minted by the arbitrageur (filled from the events). */
    redeemed: number;
    arbitrageMinted: number;
  };
}

interface SaleFigures {
  started: number;
  ended: number;
  takes: number;
  /** Σ collateral sold × oracle price at the take's block [BDOL]. */
  oracleValueSold: number;
  /** Σ paid [BDOL]. */
  proceeds: number;
  /** proceeds / oracleValueSold (null when nothing sold). */
  proceedsToOracle: number | null;
}

export interface RunTotals {
  vaultsLiquidated: number;
  liquidations: number;
  debtLiquidated: number;
  debtAbsorbed: number;
  debtAuctioned: number;
  debtAbsorbedWei: string;
  debtAuctionedWei: string;
  vaultAuctions: SaleFigures & { endedShort: number; activeAtEnd: number; refundedToOwners: Record<string, number> };
  reserveSales: SaleFigures & { activeAtEnd: number };
  /** Both kinds together: what the table shows. */
  allAuctions: { takes: number; proceeds: number; oracleValueSold: number; proceedsToOracle: number | null };
  /** Σ ShortfallCovered.amount: debt no auction (or collateral) covered. */
  badDebt: number;
  badDebtWei: string;
  /** Σ AuctionEnded.shortfall (the part of bad debt from auctions that sold out short). */
  auctionShortfall: number;
  shortfallBurntByReserve: number;
  shortfallAddedToDeficit: number;
  /** reserve.deficit() at the end. */
  deficit: number;
  deficitWei: string;
  /** The part of the deficit the reserve's stablecoin does not cover (max(0, deficit − balance)). */
  deficitUncovered: number;
  deficitHealed: number;
  keeperPaid: number;
  /** Keeper pay the reserve could not cover (minted into deficit). */
  keeperPaidMinted: number;
  redos: number;
  lowestReserveRatio: { value: number; minute: number };
  lowestSystemCr: { value: number; minute: number };
  end: {
    minute: number;
    reserveRatio: number | null;
    systemCr: number | null;
    reserveValue: number;
    stabilityBuffer: number;
    debtUnderAuction: number;
    totalDebt: number;
    /** Open vaults with health factor < 1 at the end. */
    unhealthyVaults: number;
    unhealthyDebt: number;
    reserveCollateral: Record<string, number>;
  };
  floorCheck: {
    takes: number;
    violations: { auctionId: string; block: number; price: number; oraclePrice: number; floorPrice: number }[];
    /** min over takes of take price / oracle price at that block. */
    minPriceToOracle: number | null;
  };
  oracle: {
    frozenTicks: number;
    notLiveTicks: number;
    staleTicks: number;
    /** The largest |oracle − market| / market over the ticks and assets. */
    largestGap: { asset: AssetKey; minute: number; gap: number } | null;
  };
  keeper: {
    runs: number;
    /** Ticks with keepers around but nothing to do (call skipped). */
    idleTicks: number;
    liquidations: number;
    takes: number;
    redos: number;
    sales: number;
    realisedProfit: number;
    gasSpentEth: number;
    scanMsTotal: number;
    skipped: Record<string, number>;
    /** Per keeper (the scenario's `keepers.count`; index 0 does the unpaid duties). */
    byKeeper: { runs: number; liquidations: number; takes: number; realisedProfit: number }[];
  };
  market: { bdolPaidToKeeper: number; collateralBoughtValue: number; ticksShortOfBdol: number };
  /** The risk controller: pokes, fees, borrow ratios, breakers, reserve target (controls.ts). */
  controller: ControllerTotals;
  /** The peg stability module, its flows and the reserve's USDC (controls.ts). */
  psm: PsmTotals;
}

/** Reads a run's events and end state and builds its totals; fills the cumulative fields of `ticks`. */
export async function analyseRun(
  chain: Chain,
  run: {
    startBlock: number;
    endBlock: number;
    /** Timestamp of the run's minute 0. */
    startTimestamp: number;
    ticks: TickRecord[];
    reports: KeeperReport[];
    market: { bdolPaid: bigint; collateralValue: bigint; shortOfBdol: number };
    desk: PsmDeskReport;
  },
): Promise<RunTotals> {
  const { engine, reserve, vm } = chain;
  const from = run.startBlock;
  const to = run.endBlock;
  const [liquidated, seized, started, taken, resets, ended, shortfalls, minted, healed] = await Promise.all([
    engine.queryFilter(engine.filters.Liquidated(), from, to),
    vm.queryFilter(vm.filters.VaultSeized(), from, to),
    engine.queryFilter(engine.filters.AuctionStarted(), from, to),
    engine.queryFilter(engine.filters.Taken(), from, to),
    engine.queryFilter(engine.filters.AuctionReset(), from, to),
    engine.queryFilter(engine.filters.AuctionEnded(), from, to),
    reserve.queryFilter(reserve.filters.ShortfallCovered(), from, to),
    reserve.queryFilter(reserve.filters.KeeperPayMinted(), from, to),
    reserve.queryFilter(reserve.filters.DeficitHealed(), from, to),
  ]);

  // Asset of each token; auction → (collateral, is a reserve sale).
  const assetOf = new Map<string, AssetKey>();
  for (const k of chain.keys) assetOf.set(chain.assets[k].tokenAddress.toLowerCase(), k);
  const auctions = new Map<bigint, { asset: AssetKey; sale: boolean }>();
  for (const e of started) {
    const asset = assetOf.get(e.args.collateral.toLowerCase());
    if (!asset) throw new Error(`auction ${e.args.auctionId} sells an unknown collateral ${e.args.collateral}`);
    auctions.set(e.args.auctionId, { asset, sale: e.args.vaultId === 0n });
  }

  // Floor check and proceeds: the oracle price at each take's block, read back from the chain.
  const floorWad: Record<AssetKey, bigint> = {} as Record<AssetKey, bigint>;
  for (const k of chain.keys)
    floorWad[k] = (await engine.collateralState(chain.assets[k].tokenAddress)).params.floorRatio;
  const fig = () => ({ takes: 0, paid: 0n, value: 0n });
  const vaultFig = fig();
  const saleFig = fig();
  const violations: RunTotals["floorCheck"]["violations"] = [];
  let minRatio: number | null = null;
  for (const e of taken) {
    const a = auctions.get(e.args.auctionId);
    if (!a) throw new Error(`take of auction ${e.args.auctionId}, which did not start in this run`);
    const handle = chain.assets[a.asset];
    const [oraclePrice] = await chain.oracle.getPrice(handle.tokenAddress, { blockTag: e.blockNumber });
    // The engine's guarantee: no take below ⌊oracle price × floorRatio⌋ at a live price.
    const floorPrice = (oraclePrice * floorWad[a.asset]) / WAD;
    if (e.args.price < floorPrice) {
      violations.push({
        auctionId: e.args.auctionId.toString(),
        block: e.blockNumber,
        price: toNum(e.args.price),
        oraclePrice: toNum(oraclePrice),
        floorPrice: toNum(floorPrice),
      });
    }
    const ratio = Number((e.args.price * 1_000_000n) / oraclePrice) / 1e6;
    minRatio = minRatio === null ? ratio : Math.min(minRatio, ratio);
    const f = a.sale ? saleFig : vaultFig;
    f.takes += 1;
    f.paid += e.args.paid;
    f.value += valueDown(e.args.collateralAmount, handle.decimals, oraclePrice);
  }

  const sum = <T>(xs: T[], f: (x: T) => bigint) => xs.reduce((acc, x) => acc + f(x), 0n);
  // The debt figures are the vault manager's (VaultSeized, one per liquidation, same transaction).
  const debtAbsorbed = sum(seized, (e) => e.args.absorbedDebt);
  const debtLiquidated = sum(seized, (e) => e.args.debt);
  const debtAuctioned = debtLiquidated - debtAbsorbed;
  const badDebt = sum(shortfalls, (e) => e.args.amount);
  const endedVault = ended.filter((e) => !auctions.get(e.args.auctionId)?.sale);
  const endedSale = ended.filter((e) => auctions.get(e.args.auctionId)?.sale);
  const refunded: Record<string, number> = {};
  for (const e of endedVault) {
    const asset = auctions.get(e.args.auctionId)!.asset;
    const symbol = chain.assets[asset].symbol;
    refunded[symbol] = (refunded[symbol] ?? 0) + toNum(e.args.refund, chain.assets[asset].decimals);
  }
  const vaultStarted = started.filter((e) => e.args.vaultId !== 0n).length;
  const saleStarted = started.length - vaultStarted;

  // Cumulative series, by block.
  const byBlock = <T extends { blockNumber: number }>(xs: T[]) => [...xs].sort((a, b) => a.blockNumber - b.blockNumber);
  const cum = {
    bad: byBlock(shortfalls),
    liq: byBlock(seized),
    redo: byBlock(resets),
  };
  const seen = new Set<bigint>();
  let iBad = 0;
  let iLiq = 0;
  let iRedo = 0;
  let bad = 0n;
  let absorbed = 0n;
  let auctioned = 0n;
  for (const tick of run.ticks) {
    while (iBad < cum.bad.length && cum.bad[iBad].blockNumber <= tick.toBlock) bad += cum.bad[iBad++].args.amount;
    while (iLiq < cum.liq.length && cum.liq[iLiq].blockNumber <= tick.toBlock) {
      const e = cum.liq[iLiq++];
      seen.add(e.args.vaultId);
      absorbed += e.args.absorbedDebt;
      auctioned += e.args.debt - e.args.absorbedDebt;
    }
    while (iRedo < cum.redo.length && cum.redo[iRedo].blockNumber <= tick.toBlock) iRedo++;
    tick.badDebt = toNum(bad);
    tick.vaultsLiquidated = seen.size;
    tick.debtAbsorbed = toNum(absorbed);
    tick.debtAuctioned = toNum(auctioned);
    tick.redos = iRedo;
  }

  // Lows.
  let lowRR = { value: Infinity, minute: 0 };
  let lowCR = { value: Infinity, minute: 0 };
  for (const tick of run.ticks) {
    if (tick.reserveRatio !== null && tick.reserveRatio < lowRR.value)
      lowRR = { value: tick.reserveRatio, minute: tick.minute };
    if (tick.systemCr !== null && tick.systemCr < lowCR.value) lowCR = { value: tick.systemCr, minute: tick.minute };
  }

  // End state.
  const last = run.ticks[run.ticks.length - 1];
  let unhealthy = 0;
  let unhealthyDebt = 0n;
  for (const v of await chain.vaultsHealth()) {
    if (v.debt > 0n && v.healthFactor < WAD) {
      unhealthy += 1;
      unhealthyDebt += v.debt;
    }
  }
  const snap = await chain.systemSnapshot();
  const reserveCollateral: Record<string, number> = {};
  for (const k of chain.keys) {
    const c = snap.collaterals.find((x) => x.token === chain.assets[k].tokenAddress)!;
    reserveCollateral[chain.assets[k].symbol] = toNum(c.reserveHolding, chain.assets[k].decimals);
  }
  const activeSales = saleStarted - endedSale.length;
  const activeVault = vaultStarted - endedVault.length;
  const deficit = await chain.reserve.deficit();
  const reserveBalance = await chain.bdol.balanceOf(chain.addresses.ReservePool);

  // Keeper.
  const skipped: Record<string, number> = {};
  for (const r of run.reports) {
    for (const x of r.skipped) {
      const reason = x.reason
        .replace(/\(.*$/, "")
        .replace(/:.*$/, "")
        .replace(/[0-9][0-9,.]*/g, "#")
        .trim();
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    }
  }
  const rsum = (f: (r: KeeperReport) => number) => run.reports.reduce((a, r) => a + f(r), 0);
  const sales = (f: ReturnType<typeof fig>, startedN: number, endedN: number): SaleFigures => ({
    started: startedN,
    ended: endedN,
    takes: f.takes,
    oracleValueSold: toNum(f.value),
    proceeds: toNum(f.paid),
    proceedsToOracle: f.value === 0n ? null : Number((f.paid * 1_000_000n) / f.value) / 1e6,
  });
  const allPaid = vaultFig.paid + saleFig.paid;
  const allValue = vaultFig.value + saleFig.value;
  const controls = await analyseControls(chain, run);

  return {
    vaultsLiquidated: new Set(liquidated.map((e) => e.args.vaultId)).size,
    liquidations: liquidated.length,
    debtLiquidated: toNum(debtLiquidated),
    debtAbsorbed: toNum(debtAbsorbed),
    debtAuctioned: toNum(debtAuctioned),
    debtAbsorbedWei: debtAbsorbed.toString(),
    debtAuctionedWei: debtAuctioned.toString(),
    vaultAuctions: {
      ...sales(vaultFig, vaultStarted, endedVault.length),
      endedShort: endedVault.filter((e) => e.args.shortfall > 0n).length,
      activeAtEnd: activeVault,
      refundedToOwners: refunded,
    },
    reserveSales: { ...sales(saleFig, saleStarted, endedSale.length), activeAtEnd: activeSales },
    allAuctions: {
      takes: vaultFig.takes + saleFig.takes,
      proceeds: toNum(allPaid),
      oracleValueSold: toNum(allValue),
      proceedsToOracle: allValue === 0n ? null : Number((allPaid * 1_000_000n) / allValue) / 1e6,
    },
    badDebt: toNum(badDebt),
    badDebtWei: badDebt.toString(),
    auctionShortfall: toNum(sum(ended, (e) => e.args.shortfall)),
    shortfallBurntByReserve: toNum(sum(shortfalls, (e) => e.args.burnt)),
    shortfallAddedToDeficit: toNum(sum(shortfalls, (e) => e.args.addedToDeficit)),
    deficit: toNum(deficit),
    deficitWei: deficit.toString(),
    deficitUncovered: toNum(deficit > reserveBalance ? deficit - reserveBalance : 0n),
    deficitHealed: toNum(sum(healed, (e) => e.args.amount)),
    keeperPaid: toNum(sum(liquidated, (e) => e.args.reward) + sum(resets, (e) => e.args.reward)),
    keeperPaidMinted: toNum(sum(minted, (e) => e.args.minted)),
    redos: resets.length,
    lowestReserveRatio: lowRR,
    lowestSystemCr: lowCR,
    end: {
      minute: last.minute,
      reserveRatio: last.reserveRatio,
      systemCr: last.systemCr,
      reserveValue: last.reserveValue,
      stabilityBuffer: last.stabilityBuffer,
      debtUnderAuction: last.debtUnderAuction,
      totalDebt: last.totalDebt,
      unhealthyVaults: unhealthy,
      unhealthyDebt: toNum(unhealthyDebt),
      reserveCollateral,
    },
    floorCheck: { takes: taken.length, violations, minPriceToOracle: minRatio },
    oracle: {
      frozenTicks: run.ticks.filter((t) => chain.keys.some((k) => t.priceStatus[k] === 3)).length,
      notLiveTicks: run.ticks.filter((t) => chain.keys.some((k) => t.priceStatus[k] !== 0)).length,
      staleTicks: run.ticks.filter((t) => chain.keys.some((k) => t.priceStatus[k] === 1)).length,
      largestGap: largestOracleGap(run.ticks, chain.keys),
    },
    keeper: {
      runs: run.reports.length,
      idleTicks: run.ticks.filter((t) => t.keepers && !t.keeperRan).length,
      liquidations: rsum((r) => r.liquidations.length),
      takes: rsum((r) => r.takes.length),
      redos: rsum((r) => r.redos.length),
      sales: rsum((r) => r.sales.length),
      realisedProfit: toNum(run.reports.reduce((a, r) => a + r.realisedProfit, 0n)),
      gasSpentEth: toNum(run.reports.reduce((a, r) => a + r.gasSpent, 0n)),
      scanMsTotal: rsum((r) => r.ms),
      skipped,
      byKeeper: byKeeper(run.reports),
    },
    market: {
      bdolPaidToKeeper: toNum(run.market.bdolPaid),
      collateralBoughtValue: toNum(run.market.collateralValue),
      ticksShortOfBdol: run.market.shortOfBdol,
    },
    controller: controls.controller,
    psm: controls.psm,
  };
}

/** The tick and asset where the oracle's price was furthest from the market's (relative). */
function largestOracleGap(
  ticks: TickRecord[],
  keys: AssetKey[],
): { asset: AssetKey; minute: number; gap: number } | null {
  let best: { asset: AssetKey; minute: number; gap: number } | null = null;
  for (const t of ticks) {
    for (const k of keys) {
      const gap = t.oraclePrices[k] / t.prices[k] - 1;
      if (best === null || Math.abs(gap) > Math.abs(best.gap)) best = { asset: k, minute: t.minute, gap };
    }
  }
  return best;
}

/** The keeper reports split by the keeper that made them (`keeper` index; 0 when absent). */
function byKeeper(
  reports: KeeperReport[],
): { runs: number; liquidations: number; takes: number; realisedProfit: number }[] {
  const out: { runs: number; liquidations: number; takes: number; realisedProfit: number }[] = [];
  for (const r of reports) {
    const i = (r as KeeperReport & { keeper?: number }).keeper ?? 0;
    while (out.length <= i) out.push({ runs: 0, liquidations: 0, takes: 0, realisedProfit: 0 });
    out[i].runs += 1;
    out[i].liquidations += r.liquidations.length;
    out[i].takes += r.takes.length;
    out[i].realisedProfit += toNum(r.realisedProfit);
  }
  return out;
}

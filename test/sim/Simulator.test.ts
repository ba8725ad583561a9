/**
 * The crash simulator on short runs. First 40 vaults, ETH −40 % in an hour, both run modes: checks
 * that the JSON and SVG outputs exist and are well-formed, that the population is reproducible, and
 * that the reported figures agree with the chain: the last run's state is still on the chain when
 * `simulate` returns, so its totals are recomputed here from the events and views directly. Then a
 * PSM scenario (10 vaults, six hours, USDC dipping to 0.97, redemptions beyond the outflow bucket):
 * its PSM, reserve and controller figures against the chain.
 */
import hre, { ethers } from "hardhat";
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { simulate, type SimResult } from "../../sim/src/simulate";
import { controlRows, marketRows, resultRows, summarize, writeOutputs, type ResultSummary } from "../../sim/src/report";
import { chartSpec, renderSvg } from "../../sim/src/chart";
import { DEFAULT_POPULATION, drawPopulation } from "../../sim/src/population";
import { readAssets, simAssets } from "../../sim/src/assets";
import { networkConfig } from "../../config/networks";
import {
  feedPriceAt,
  listScenarios,
  loadScenario,
  priceAt,
  steepestWindow,
  validateScenario,
} from "../../sim/src/scenario";
import type {
  LiquidationEngine,
  MockERC20,
  OracleAdapter,
  PegStabilityModule,
  ReserveLens,
  ReservePool,
  RiskController,
  VaultManager,
} from "../../typechain-types";
import { WAD } from "../../lib/sdk";
import { contractAt } from "../../lib/sdk/hardhat";
import { at } from "../helpers/fixtures";

const SCENARIO = validateScenario({
  name: "test-drop",
  description: "ETH −40 % within an hour, BTC −25 %, then flat",
  stepSeconds: 300,
  keeperIntervalSeconds: 300,
  durationMinutes: 150,
  prices: {
    ETH: [
      [0, 3000],
      [20, 3000],
      [80, 1800],
      [150, 1850],
    ],
    BTC: [
      [0, 60000],
      [20, 60000],
      [80, 45000],
      [150, 45000],
    ],
  },
});

/**
 * Six hours: USDC slips to 0.97 (the PSM refuses to mint below 0.99) and back; BDOL dips to 0.99, so
 * the arbitrageur tries to mint; holders ask for 7M within half an hour against a 5M-a-day bucket.
 */
const PSM_SCENARIO = validateScenario({
  name: "test-psm",
  description: "USDC to 0.97 and back, BDOL to 0.99, 7M of redemptions against a 5M bucket",
  stepSeconds: 900,
  keeperIntervalSeconds: 300,
  durationMinutes: 360,
  prices: {
    ETH: [[0, 3000]],
    BTC: [[0, 60000]],
    USDC: [
      [0, 1],
      [60, 0.995],
      [120, 0.97],
      [240, 0.97],
      [300, 0.995],
      [360, 1],
    ],
    BDOL: [
      [0, 1],
      [120, 0.99],
      [360, 0.995],
    ],
  },
  psm: {
    seedLiquidity: 20_000_000,
    redemptions: [
      [15, 4_000_000],
      [30, 3_000_000],
    ],
    arbitragePerHour: 1_000_000,
  },
  expect: { psmMintRefused: true, strategyPulled: true },
});

/** The chart's panels: Vega-Lite's vconcat cells. */
function panelCount(svg: string): number {
  return svg.match(/class="mark-group role-scope concat_\d+_group"/g)?.length ?? 0;
}

/** Self-contained: no scripts, links or imports; url() only for its own clip paths. */
function checkSelfContained(svg: string): void {
  expect(svg).to.not.match(/<script|<foreignObject|href=|@import/i);
  for (const u of svg.match(/url\([^)]*\)/g) ?? []) expect(u).to.match(/^url\(#clip\d+\)$/);
}

/** Tags open and close in order, attributes are quoted, one root <svg>. */
function checkXml(text: string): { tags: Map<string, number> } {
  const stack: string[] = [];
  const tags = new Map<string, number>();
  const body = text.replace(/<\?xml[^>]*\?>/, "").trim();
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    const between = body.slice(last, m.index);
    expect(between, `stray markup before ${m[0]}`).to.not.match(/[<>]/);
    last = re.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (!closing) tags.set(name, (tags.get(name) ?? 0) + 1);
    if (closing) expect(stack.pop(), `</${name}> closes the wrong tag`).to.equal(name);
    else if (!selfClosing) stack.push(name);
    if (stack.length === 0) expect(body.slice(last).trim(), "content after the root element").to.equal("");
  }
  expect(body.slice(last).trim()).to.equal("");
  expect(stack, "unclosed tags").to.deep.equal([]);
  return { tags };
}

describe("crash simulator (test/sim)", function () {
  let result: SimResult;
  let outDir: string;
  let files: { json: string; svg: string };

  before(async function () {
    outDir = mkdtempSync(path.join(os.tmpdir(), "ballast-sim-"));
    result = await simulate(hre, { scenario: SCENARIO, vaults: 40, seed: 7, market: false });
    files = await writeOutputs(result, outDir);
  });

  after(function () {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("loads every bundled scenario and finds the steepest hour", function () {
    const names = listScenarios();
    expect(names).to.include.members([
      "black-thursday",
      "may-2021",
      "slow-bleed",
      "flash-crash-recover",
      "svb-depeg",
      "bank-run",
      "bdol-demand-shock",
    ]);
    for (const n of names) expect(loadScenario(n).name).to.equal(n);
    const bt = loadScenario("black-thursday");
    const w = steepestWindow(bt, 60);
    expect(w.asset).to.equal("ETH");
    expect(w.move).to.be.closeTo(-0.3, 0.001);
    expect(priceAt(bt.prices.ETH, 1440) / priceAt(bt.prices.ETH, 0) - 1).to.be.closeTo(-0.43, 0.001);
    expect(() => validateScenario({ ...SCENARIO, stepSeconds: 7200 })).to.throw(/stepSeconds/);
    // March 2023: USDC at 0.877 about 35 hours in, back to 0.99 within three days of the start.
    const svb = loadScenario("svb-depeg");
    expect(Math.min(...svb.prices.USDC!.map(([, p]) => p))).to.equal(0.877);
    expect(priceAt(svb.prices.USDC!, 72 * 60)).to.be.at.least(0.99);
    expect(svb.psm?.seedLiquidity).to.equal(20_000_000);
    const run = loadScenario("bank-run");
    const asked = run.psm!.redemptions!.filter(([m]) => m < 1440).reduce((a, [, x]) => a + x, 0);
    expect(asked / run.psm!.seedLiquidity!).to.be.closeTo(0.6, 1e-9);
  });

  it("validates the price paths of USDC and BDOL, the PSM flows and the expectations", function () {
    const bad = (patch: Record<string, unknown>) => () => validateScenario({ ...structuredClone(SCENARIO), ...patch });
    const prices = (extra: Record<string, unknown>) => ({ prices: { ...SCENARIO.prices, ...extra } });
    expect(bad(prices({ USDC: [[0, 0.4]] }))).to.throw(/prices\.USDC\[0\]: 0\.4 is outside the oracle's bounds/);
    expect(bad(prices({ BDOL: [[10, 1]] }))).to.throw(/prices\.BDOL must start at minute 0/);
    expect(bad(prices({ BDOL: [] }))).to.throw(/prices\.BDOL must be a non-empty list/);
    expect(bad(prices({ DAI: [[0, 1]] }))).to.throw(/prices\.DAI: unknown asset/);
    expect(bad({ psm: { seedLiquidity: -1 } })).to.throw(/psm\.seedLiquidity must be a USDC amount/);
    expect(bad({ psm: { seedLiquidty: 1 } })).to.throw(/psm\.seedLiquidty: unknown field/);
    expect(bad({ psm: { redemptions: [[10, 0]] } })).to.throw(/psm\.redemptions\[0\]: the amount must be positive/);
    expect(bad({ psm: { redemptions: [[9999, 5]] } })).to.throw(/psm\.redemptions\[0\]: minute 9999 is outside/);
    expect(
      bad({
        psm: {
          redemptions: [
            [20, 5],
            [10, 5],
          ],
        },
      }),
    ).to.throw(/must not decrease \(at index 1\)/);
    expect(bad({ psm: { redemptions: [[20]] } })).to.throw(/psm\.redemptions\[0\] must be \[minute, BDOL\]/);
    expect(bad({ psm: { arbitragePerHour: "lots" } })).to.throw(/psm\.arbitragePerHour/);
    expect(bad({ psm: [] })).to.throw(/psm must be an object/);
    expect(bad({ expect: { noBadDebt: true } })).to.throw(/expect\.noBadDebt: unknown expectation/);
    expect(bad({ expect: { psmMintRefused: "yes" } })).to.throw(/expect\.psmMintRefused must be true or false/);
    // USDC and BDOL do not set the run's length; without them the scenario is as before.
    const s = validateScenario({
      ...structuredClone(SCENARIO),
      durationMinutes: undefined,
      ...prices({
        USDC: [
          [0, 1],
          [900, 0.99],
        ],
      }),
    });
    expect(s.durationMinutes).to.equal(150);
  });

  it("draws the same population from the same seed", function () {
    const a = drawPopulation({ ...DEFAULT_POPULATION, vaults: 200, seed: 3 });
    const b = drawPopulation({ ...DEFAULT_POPULATION, vaults: 200, seed: 3 });
    const c = drawPopulation({ ...DEFAULT_POPULATION, vaults: 200, seed: 4 });
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
    for (const v of a) {
      expect(v.cr).to.be.at.least(1.61);
      expect(v.debt).to.be.within(500, 2_000_000);
    }
  });

  it("writes well-formed JSON with both runs, totals and a time series", function () {
    const doc = JSON.parse(readFileSync(files.json, "utf8"));
    expect(doc.scenario.name).to.equal("test-drop");
    expect(doc.parameters.vaults).to.equal(40);
    expect(doc.population.vaults).to.equal(40);
    expect(doc.runs.map((r: { mode: string }) => r.mode)).to.deep.equal(["active", "absent"]);
    const [active, absent] = doc.runs;
    expect(absent.keeperAbsences).to.deep.equal([[20, 80]]);
    for (const r of doc.runs) {
      expect(r.series.length).to.equal(r.ticks);
      expect(r.series[0].minute).to.equal(0);
      expect(r.series[r.series.length - 1].minute).to.equal(150);
      for (let i = 1; i < r.series.length; i++) {
        const [p, q] = [r.series[i - 1], r.series[i]];
        expect(q.minute).to.be.greaterThan(p.minute);
        expect(q.toBlock).to.be.at.least(q.fromBlock - 1);
        expect(q.badDebt).to.be.at.least(p.badDebt);
        expect(q.vaultsLiquidated).to.be.at.least(p.vaultsLiquidated);
      }
      const last = r.series[r.series.length - 1];
      expect(last.badDebt).to.be.closeTo(r.totals.badDebt, 1e-6);
      expect(last.deficit).to.equal(r.totals.deficit);
      expect(last.vaultsLiquidated).to.equal(r.totals.vaultsLiquidated);
      expect(last.debtAbsorbed).to.be.closeTo(r.totals.debtAbsorbed, 1e-6);
      expect(r.totals.lowestReserveRatio.value).to.be.at.most(last.reserveRatio);
      expect(r.totals.debtLiquidated).to.be.closeTo(r.totals.debtAbsorbed + r.totals.debtAuctioned, 1e-6);
      expect(r.totals.floorCheck.violations).to.deep.equal([]);
      if (r.totals.floorCheck.minPriceToOracle !== null) {
        expect(r.totals.floorCheck.minPriceToOracle).to.be.at.least(
          doc.parameters.protocol.collaterals.WETH.floorRatio,
        );
      }
    }
    // The crash liquidates vaults and exercises both the buffer and the auction.
    expect(active.totals.vaultsLiquidated).to.be.greaterThan(0);
    expect(active.totals.debtAbsorbed).to.be.greaterThan(0);
    expect(active.totals.debtAuctioned).to.be.greaterThan(0);
    expect(active.totals.allAuctions.takes).to.be.greaterThan(0);
    expect(active.totals.allAuctions.proceedsToOracle).to.be.within(0.9, 1.1);
    // Keepers away for the −40 % hour: vaults fall below 100 % before anyone liquidates them, so
    // auctions end short (bad debt), and auctions from before the window are restarted, not sold cheap.
    const away = absent.series.filter((t: { keepers: boolean }) => !t.keepers);
    expect(away.length).to.be.greaterThan(0);
    expect(absent.totals.badDebt).to.be.greaterThan(0);
    expect(absent.totals.vaultAuctions.endedShort).to.be.greaterThan(0);
    expect(absent.totals.redos).to.be.greaterThan(0);
    expect(active.totals.badDebt).to.equal(0);
    // The controller runs in every scenario: poked at minute 0 and hourly while keepers are around
    // (150 minutes: 0, 60, 120); in the other run the keepers are away from 20 to 80, so the poke due
    // at 60 waits until 80 (then 140).
    expect(active.totals.controller.pokes).to.equal(3);
    expect(active.totals.controller.maxPokeGapMinutes).to.be.at.most(61);
    expect(absent.totals.controller.pokes).to.equal(3);
    expect(absent.totals.controller.maxPokeGapMinutes).to.be.within(79, 81);
    expect(doc.setup.reserveTargetNowAtStart).to.be.greaterThan(0);
    for (const r of doc.runs) {
      expect(r.series[0].poked).to.equal(true);
      expect(r.series[r.series.length - 1].pokes).to.equal(r.totals.controller.pokes);
      for (const t of r.series) {
        expect(t.pegPrices).to.deep.equal({ USDC: 1, BDOL: 1 });
        expect(Object.keys(t.fees)).to.deep.equal(["WETH", "WBTC"]);
        expect(t.borrowRatios.WETH).to.be.at.least(doc.parameters.protocol.collaterals.WETH.liquidationRatio);
        expect(t.psm.minted).to.equal(0);
      }
      // ETH −40 % within the hour trips WETH's price breaker (15 % within a window): borrowing halts.
      expect(r.totals.controller.breakerTrips.WETH).to.be.at.least(1);
      expect(r.series.some((t: { halted: { WETH: boolean } }) => t.halted.WETH)).to.equal(true);
    }
  });

  it("keeps in its summary (summary.json, the README's source) every figure the tables show", function () {
    const summary = JSON.parse(JSON.stringify(summarize(result))) as ResultSummary;
    for (const r of summary.runs) expect(r).to.not.have.property("series");
    expect(resultRows(summary)).to.deep.equal(resultRows(result));
    expect(controlRows(summary)).to.deep.equal(controlRows(result));
    expect(marketRows(summary)).to.deep.equal(marketRows(result));
    expect(resultRows(summary).map((r) => r.keepers)).to.deep.equal(["active", "absent 1h"]);
  });

  it("writes a self-contained SVG of the Vega-Lite spec: seven panels, their lines, axes and legends", async function () {
    expect(() => checkXml("<svg><g></svg>")).to.throw();
    expect(() => checkXml('<svg><rect x="1"/></svg><g></g>')).to.throw();
    const svg = readFileSync(files.svg, "utf8");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    const { tags } = checkXml(svg);
    expect(tags.get("svg")).to.equal(1);
    expect(svg).to.contain("<title>Ballast crash simulation: test-drop</title>");
    checkSelfContained(svg);
    // Prices, peg, system CR, reserve ratio, bad debt, fees, borrow ratio (no PSM panel: it was not used).
    expect(panelCount(svg)).to.equal(7);
    // Each series is a line mark (a path labelled with its series), each panel a legend entry per series.
    const lines = (series: string) => svg.split(`series: ${series}"`).length - 1;
    for (const series of [
      "ETH (start $3,000)",
      "BTC (start $60,000)",
      "BDOL (market)",
      "USDC",
      "keepers active",
      "keepers absent",
      "reserve, keepers active",
      "target, keepers absent",
      "bad debt, keepers absent",
      "deficit, keepers active",
      "WETH, keepers active",
      "WBTC, keepers absent",
    ]) {
      expect(lines(series), series).to.be.at.least(1);
      expect(svg, series).to.contain(`>${series.replace(/&/g, "&amp;")}</text>`);
    }
    for (const text of [
      "Ballast crash simulation — test-drop",
      "40 vaults, seed 7",
      "Oracle price, % of the start price",
      "Peg: market prices of BDOL",
      "System collateral ratio",
      "Reserve ratio",
      "reserve target",
      "Bad debt",
      "Stability fee",
      "Borrow ratio",
      "hours since the start",
      "liquidation ratio 150 %",
      "PSM mints only at USDC ≥ 0.99",
      "keepers absent (window)",
      "borrowing halted (active run)",
    ]) {
      expect(svg).to.contain(text);
    }
    expect(svg).to.not.contain("NaN");
    // The spec behind it: the fee panel has a line per collateral and run, in the configuration's order.
    const spec = chartSpec(result) as unknown as {
      vconcat: { title: string; layer: { encoding: { color?: { scale: { domain: string[] } } } }[] }[];
    };
    expect(spec.vconcat.map((p) => p.title.split(/[,(:]/)[0].trim())).to.deep.equal([
      "Oracle price",
      "Peg",
      "System collateral ratio",
      "Reserve ratio",
      "Bad debt",
      "Stability fee set by the risk controller",
      "Borrow ratio",
    ]);
    const fees = spec.vconcat[5].layer.find((l) => l.encoding.color !== undefined)!;
    expect(fees.encoding.color!.scale.domain).to.deep.equal([
      "WETH, keepers active",
      "WETH, keepers absent",
      "WBTC, keepers active",
      "WBTC, keepers absent",
    ]);
    // Neither Vega-Lite nor Vega has anything to warn about.
    const warnings: string[] = [];
    await renderSvg(result, (m) => warnings.push(m));
    expect(warnings).to.deep.equal([]);
  });

  it("reports the last run's figures as the chain has them", async function () {
    const engine = await at<LiquidationEngine>("LiquidationEngine", "LiquidationEngine");
    const reserve = await at<ReservePool>("ReservePool", "ReservePool");
    const lens = await at<ReserveLens>("ReserveLens", "ReserveLens");
    const oracle = await at<OracleAdapter>("OracleAdapter", "OracleAdapter");
    const vm = await at<VaultManager>("VaultManager", "VaultManager");
    const run = result.runs[result.runs.length - 1];
    expect(run.mode).to.equal("absent");
    const t = run.totals;
    const from = run.series[0].fromBlock;
    const to = run.series[run.series.length - 1].toBlock;
    expect(await ethers.provider.getBlockNumber()).to.equal(to);

    expect((await reserve.deficit()).toString()).to.equal(t.deficitWei);
    const snap = await lens.systemSnapshot();
    const last = run.series[run.series.length - 1];
    expect(Number(snap.systemCollateralRatio) / 1e18).to.be.closeTo(last.systemCr!, 1e-9);
    expect(Number(snap.reserveRatio) / 1e18).to.be.closeTo(last.reserveRatio!, 1e-9);
    expect(Number(snap.totalDebtUnderAuction) / 1e18).to.be.closeTo(t.end.debtUnderAuction, 1e-9);

    const liquidated = await engine.queryFilter(engine.filters.Liquidated(), from, to);
    expect(new Set(liquidated.map((e) => e.args.vaultId)).size).to.equal(t.vaultsLiquidated);
    const seized = await vm.queryFilter(vm.filters.VaultSeized(), from, to);
    expect(seized.length).to.equal(liquidated.length);
    expect(seized.reduce((a, e) => a + e.args.absorbedDebt, 0n).toString()).to.equal(t.debtAbsorbedWei);
    expect(seized.reduce((a, e) => a + e.args.debt - e.args.absorbedDebt, 0n).toString()).to.equal(t.debtAuctionedWei);
    const shortfalls = await reserve.queryFilter(reserve.filters.ShortfallCovered(), from, to);
    expect(shortfalls.reduce((a, e) => a + e.args.amount, 0n).toString()).to.equal(t.badDebtWei);
    const resets = await engine.queryFilter(engine.filters.AuctionReset(), from, to);
    expect(resets.length).to.equal(t.redos);

    // No take below ⌊floorRatio × the oracle price⌋ at its block.
    const taken = await engine.queryFilter(engine.filters.Taken(), from, to);
    const started = await engine.queryFilter(engine.filters.AuctionStarted(), from, to);
    const collateralOf = new Map(started.map((e) => [e.args.auctionId, e.args.collateral]));
    expect(taken.length).to.equal(t.floorCheck.takes);
    for (const e of taken) {
      const collateral = collateralOf.get(e.args.auctionId)!;
      const state = await engine.collateralState(collateral);
      const [oraclePrice] = await oracle.getPrice(state.oracleAsset, { blockTag: e.blockNumber });
      const floor = (oraclePrice * state.params.floorRatio) / WAD;
      expect(e.args.price >= floor, `take in auction ${e.args.auctionId} below the floor`).to.equal(true);
    }

    // Keepers away: no liquidation, take or redo in the window's blocks.
    const keeperEvents = [...liquidated, ...taken, ...resets].map((e) => e.blockNumber);
    for (const tick of run.series.filter((x) => !x.keepers)) {
      expect(keeperEvents.filter((b) => b >= tick.fromBlock && b <= tick.toBlock)).to.deep.equal([]);
    }
  });
});

describe("crash simulator with the PSM and the risk controller (test/sim)", function () {
  let result: SimResult;
  let outDir: string;

  before(async function () {
    outDir = mkdtempSync(path.join(os.tmpdir(), "ballast-sim-psm-"));
    result = await simulate(hre, { scenario: PSM_SCENARIO, vaults: 10, seed: 3, runs: ["active"], market: false });
    await writeOutputs(result, outDir);
  });

  after(function () {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("seeds the PSM and puts what is above the liquid target into the strategy", function () {
    expect(result.setup.psmSeed).to.equal(20_000_000);
    expect(result.setup.psmMinted).to.equal(20_000_000); // minted counts the fee too
    expect(result.setup.usdcLiquid).to.equal(4_000_000); // 20 % liquid
    expect(result.setup.usdcInStrategies).to.equal(16_000_000);
    expect(result.setup.volatilityAtStart.WETH).to.be.closeTo(0.6, 0.03);
  });

  it("runs the flows: the bucket holds the queue, the depeg guard refuses mints, the strategy pays", function () {
    const t = result.runs[0].totals;
    const desk = t.psm.desk;
    expect(desk.asked).to.equal(7_000_000);
    // 5M in the bucket plus 5M a day of refill over the run's 5¾ hours: the queue is not through.
    expect(desk.served).to.be.within(5_000_000, 5_000_000 * (1 + 360 / 1440));
    expect(desk.queueAtEnd).to.be.closeTo(desk.asked - desk.served, 1e-6);
    expect(desk.ticksHeldBack).to.be.greaterThan(0);
    expect(desk.refusals.OutflowLimitExceeded).to.be.greaterThan(0);
    expect(desk.arbitrage.mintRefused.StableDepegged).to.be.greaterThan(0);
    expect(t.psm.outflowCheck.violations).to.deep.equal([]);
    expect(t.psm.outflowCheck.worstShareOfBound).to.be.at.most(1);
    expect(t.psm.depegCheck.violations).to.deep.equal([]);
    expect(t.psm.redemptions.byHolders).to.be.closeTo(desk.served, 1e-6);
    expect(t.psm.strategy.withdrawnByRebalance + t.psm.strategy.withdrawnForRedemptions).to.be.greaterThan(0);
    // BDOL below its peg: the peg term raises the fee above the curve.
    expect(t.controller.pegTermRange[1]).to.be.greaterThan(0);
    expect(t.controller.peakFee.value).to.be.greaterThan(result.runs[0].series[0].fees.WETH);
    expect(t.controller.lowestPegPrice).to.be.closeTo(0.99, 1e-9);
  });

  it("reports the PSM, the reserve's USDC and the controller as the chain has them", async function () {
    const psm = await at<PegStabilityModule>("PegStabilityModule", "PegStabilityModule");
    const risk = await at<RiskController>("RiskController", "RiskController");
    const reserve = await at<ReservePool>("ReservePool", "ReservePool");
    const vm = await at<VaultManager>("VaultManager", "VaultManager");
    const usdc = await at<MockERC20>("MockERC20", "USDC");
    const run = result.runs[0];
    const t = run.totals;
    const last = run.series[run.series.length - 1];
    const from = run.series[0].fromBlock;
    const to = last.toBlock;
    expect(await ethers.provider.getBlockNumber()).to.equal(to);

    expect(last.psm.minted).to.be.closeTo(Number(await psm.minted()) / 1e18, 1e-6);
    expect(last.psm.usdcLiquid).to.equal(Number(await usdc.balanceOf(await reserve.getAddress())) / 1e6);
    expect(last.psm.usdcInStrategies).to.equal(Number(await reserve.strategyAssets()) / 1e6);
    expect(last.reserveTarget).to.be.closeTo(Number((await risk.state()).reserveTarget) / 1e18, 1e-6);

    // Redemptions: the events' sum is what the desk served, within the rolling bucket.
    const redeemed = await psm.queryFilter(psm.filters.SwappedCoinForStable(), from, to);
    const coinIn = redeemed.reduce((a, e) => a + e.args.coinIn, 0n);
    expect(Number(coinIn) / 1e18).to.be.closeTo(t.psm.redemptions.coinIn, 1e-6);
    const paid = redeemed.reduce((a, e) => a + e.args.stableOut, 0n) * 10n ** 12n;
    const first = (await ethers.provider.getBlock(redeemed[0].blockNumber))!.timestamp;
    const lastTime = (await ethers.provider.getBlock(redeemed[redeemed.length - 1].blockNumber))!.timestamp;
    const limit = await psm.outflowLimit();
    expect(paid <= limit + (limit * BigInt(lastTime - first)) / (await psm.outflowWindow())).to.equal(true);
    expect(paid > limit).to.equal(true); // the bucket was used to the full and refilled

    // Pokes: one an hour at most, each one an event; the fee and borrow ratio are the vault manager's.
    const poked = await risk.queryFilter(risk.filters.Poked(), from, to);
    expect(poked.length).to.equal(t.controller.pokes);
    expect(poked.length).to.equal(7); // minutes 0, 60, …, 360
    for (const k of ["WETH", "WBTC"]) {
      const c = await vm.collateralConfig((await hre.deployments.get(k)).address);
      const annual = Number(((c.stabilityFee - 10n ** 27n) * 31_536_000n) / 10n ** 9n) / 1e18;
      expect(last.fees[k]).to.be.closeTo(annual, 1e-15);
      expect(last.borrowRatios[k]).to.be.closeTo(Number(c.borrowRatio) / 1e18, 1e-15);
    }
    const cpoked = await risk.queryFilter(risk.filters.CollateralPoked(), from, to);
    const peak = Math.max(...cpoked.map((e) => Number(e.args.update.rate) / 1e18));
    expect(t.controller.peakFee.value).to.be.closeTo(peak, 1e-15);

    // No mint at a USDC price below the tolerance, and the refusals were real: nothing minted then.
    const mints = await psm.queryFilter(psm.filters.SwappedStableForCoin(), from, to);
    expect(mints.length).to.equal(t.psm.mints.count);
    const oracle = await at<OracleAdapter>("OracleAdapter", "OracleAdapter");
    for (const e of mints) {
      const [price] = await oracle.getPrice(await usdc.getAddress(), { blockTag: e.blockNumber });
      expect(price >= 99n * 10n ** 16n).to.equal(true);
    }
  });

  it("draws the PSM panel", function () {
    const svg = readFileSync(path.join(outDir, "test-psm.svg"), "utf8");
    checkXml(svg);
    checkSelfContained(svg);
    expect(panelCount(svg)).to.equal(8);
    for (const text of ["PSM minted", "USDC in strategy", "redemptions waiting", "PSM mints only at USDC ≥ 0.99"]) {
      expect(svg).to.contain(text);
    }
    expect(svg).to.not.contain("NaN");
  });
});

/**
 * The market model: ETH −30 % within the first hour (liquidations, flash takes selling into the
 * WETH/USDC pool whose depth halves), BDOL's holders buying 2M an hour for an hour and a half (above
 * the PSM's arbitrage of 1M an hour: the PegKeeper mints and sells), then selling 2M an hour (it buys
 * back and burns). One active run with the PegKeeper; its figures against the chain. Only ETH is
 * priced: BTC stays at its deployed price (the mock feed's 60,000).
 */
const MARKET_SCENARIO = validateScenario({
  name: "test-market",
  description: "ETH −30 % in the first hour; BDOL bought 2M/h for 90 minutes, then sold 2M/h for an hour",
  stepSeconds: 300,
  keeperIntervalSeconds: 300,
  durationMinutes: 240,
  prices: {
    ETH: [
      [0, 3000],
      [10, 3000],
      [60, 2100],
      [240, 2150],
    ],
  },
  market: {
    depthUsd: { ETH: 20_000_000 },
    depth: [
      [0, 1],
      [60, 0.5],
    ],
    bdolDemand: [
      [0, 2_000_000],
      [90, 2_000_000],
      [91, 0],
      [120, 0],
      [121, -2_000_000],
      [180, -2_000_000],
      [181, 0],
    ],
  },
});

describe("crash simulator with markets (test/sim)", function () {
  let result: SimResult;

  before(async function () {
    result = await simulate(hre, {
      scenario: MARKET_SCENARIO,
      vaults: 30,
      seed: 5,
      runs: ["active"],
      pegKeeper: "on",
    });
  });

  it("validates the market block", function () {
    const bad = (market: unknown) => () => validateScenario({ ...structuredClone(MARKET_SCENARIO), market });
    expect(bad({ depthUsd: { DOGE: 1e6 } })).to.throw(/market\.depthUsd\.DOGE: unknown asset/);
    expect(bad({ depthUsd: { ETH: 10 } })).to.throw(/market\.depthUsd\.ETH must be a USD amount/);
    expect(bad({ depth: [[5, 1]] })).to.throw(/market\.depth must start at minute 0/);
    expect(bad({ depth: [[0, 0]] })).to.throw(/market\.depth\[0\]: 0 is not a valid depth multiplier/);
    expect(
      bad({
        bdolDemand: [
          [0, 1],
          [0, 2],
        ],
      }),
    ).to.throw(/market\.bdolDemand: minutes must increase/);
    expect(bad({ bdolFollowPerHour: -1 })).to.throw(/market\.bdolFollowPerHour/);
    expect(bad({ liquidity: 1 })).to.throw(/market\.liquidity: unknown field/);
  });

  it("runs with prices for ETH only (BTC at its deployed price, its pool created there); refuses an unknown asset with the choices", async function () {
    expect(MARKET_SCENARIO.prices.BTC).to.deep.equal([[0, 60000]]);
    expect(Object.keys(MARKET_SCENARIO.prices)).to.deep.equal(["ETH", "BTC"]);
    expect(MARKET_SCENARIO.durationMinutes).to.equal(240);
    expect(result.parameters.assets.map((a) => `${a.key} ${a.symbol}`)).to.deep.equal(["ETH WETH", "BTC WBTC"]);
    expect(result.setup.startPrices).to.deep.equal({ ETH: 3000, BTC: 60000 });
    const [run] = result.runs;
    for (const t of run.series) {
      expect(t.prices.BTC).to.equal(60000);
      expect(t.oraclePrices.BTC).to.equal(60000);
      expect(t.priceStatus.BTC).to.equal(0);
    }
    expect(run.series[run.series.length - 1].prices.ETH).to.equal(2150);
    expect(run.totals.controller.breakerTrips.WBTC).to.equal(0);
    expect(result.population.byAsset.BTC.vaults).to.be.greaterThan(0);
    // WBTC's pool, created by the simulator at BTC's start price, and held there by the arbitrageur.
    const pool = await contractAt(hre, "IUniswapV3Pool", "WBTC_USDC_POOL");
    const wbtc = (await hre.deployments.get("WBTC")).address;
    expect([await pool.token0(), await pool.token1()]).to.include(wbtc);
    expect(Math.abs(run.market!.collateral.BTC.largestGap.gap)).to.be.below(1e-4);

    const choices = "ETH (WETH), BTC (WBTC)";
    const scenario = (patch: Record<string, unknown>) => () =>
      validateScenario({ ...structuredClone(MARKET_SCENARIO), ...patch });
    expect(scenario({ prices: { SOL: [[0, 150]] } })).to.throw(
      `prices.SOL: unknown asset (known: ${choices}, USDC, BDOL)`,
    );
    // The collateral's symbol is not its name in a scenario: the message shows both.
    expect(scenario({ prices: { WETH: [[0, 3000]] } })).to.throw(`prices.WETH: unknown asset (known: ${choices}`);
    expect(scenario({ oracle: { SOL: { lagMinutes: 5 } } })).to.throw(`oracle.SOL: unknown asset (known: ${choices})`);
    expect(scenario({ market: { depthUsd: { SOL: 1e6 } } })).to.throw(
      `market.depthUsd.SOL: unknown asset (known: ${choices})`,
    );
    expect(scenario({ prices: { USDC: [[0, 1]] }, durationMinutes: undefined })).to.throw(
      `prices gives no collateral's path (${choices}): durationMinutes must set the run's length`,
    );
  });

  it("reads BDOL's oracle price from the MarketPriceFeed, and its spot from the pool", async function () {
    const oracle = (await contractAt(hre, "OracleAdapter", "OracleAdapter")) as unknown as OracleAdapter;
    const bdol = (await hre.deployments.get("BallastDollar")).address;
    const feed = await contractAt(hre, "MarketPriceFeed", "MarketPriceFeed");
    expect((await oracle.feedConfig(bdol)).primaryFeed).to.equal(await feed.getAddress());
    const [run] = result.runs;
    expect(result.parameters.market).to.equal(true);
    expect(run.pegKeeper).to.equal(true);
    const last = run.series[run.series.length - 1].market!;
    expect(last.bdolSpot).to.equal(Number(await feed.spotPrice()) / 1e18);
    const [price, status] = await oracle.getPrice(bdol);
    expect(status).to.equal(0n);
    expect(last.bdolOracle).to.equal(Number(price) / 1e18);
    // The demand pushed BDOL above the PegKeeper's band, and the PSM and the keeper brought it back.
    const m = run.market!;
    expect(m.bdol.largestDeviation.spot.deviation).to.be.greaterThan(0.002);
    expect(m.bdol.demandBought).to.be.greaterThan(1_000_000);
    expect(m.bdol.demandSold).to.be.greaterThan(1_000_000);
    expect(m.bdol.arbitrageSold).to.be.greaterThan(0);
    expect(Math.abs(m.bdol.spotAtEnd - 1)).to.be.lessThan(0.01);
    // Time off peg, recomputed from the series (each tick's state holds until the next).
    let off = 0;
    for (let i = 0; i + 1 < run.series.length; i++) {
      if (Math.abs(run.series[i].market!.bdolSpotUsd - 1) > 0.005)
        off += run.series[i + 1].minute - run.series[i].minute;
    }
    expect(m.bdol.minutesOutside.spot05).to.equal(off);
  });

  it("reports the PegKeeper's minting, buying back and profit as its events and state have them", async function () {
    const keeper = await contractAt(hre, "PegKeeper", "PegKeeper");
    const m = result.runs[0].market!;
    const k = m.pegKeeperTotals;
    expect(m.pegKeeper.updates).to.be.greaterThan(0);
    expect(k.minted).to.be.greaterThan(0);
    expect(k.burnt).to.be.greaterThan(0);
    expect(k.minted - k.burnt).to.be.closeTo(Number(await keeper.debt()) / 1e18, 1e-6);
    expect(k.debtAtEnd).to.equal(Number(await keeper.debt()) / 1e18);
    expect(k.maxDebt).to.be.at.least(k.debtAtEnd);
    expect(k.profit).to.be.greaterThan(0);
    expect(k.toReserve + k.callerRewards).to.be.closeTo(k.profit, k.profit * 0.01);
  });

  it("counts the flash takes and the slippage they paid from FlashTaken", async function () {
    const taker = await contractAt(hre, "FlashTaker", "FlashTaker");
    const events = await taker.queryFilter(taker.filters.FlashTaken());
    const t = result.runs[0].market!.takers;
    expect(t.flashTakes).to.be.greaterThan(0);
    expect(t.flashTakes).to.equal(events.length);
    const received = events.reduce((a, e) => a + Number(e.args.stableReceived) / 1e6, 0);
    expect(t.stableReceived).to.be.closeTo(received, 1e-6);
    // Selling into a pool of finite depth costs something, and less than the auction's discount.
    expect(t.slippageShare).to.be.greaterThan(0);
    expect(t.slippageShare).to.be.lessThan(0.1);
    expect(result.runs[0].totals.floorCheck.violations).to.deep.equal([]);
  });

  it("prints the market table and draws BDOL's pool and the PegKeeper's debt", async function () {
    const svg = await renderSvg(result);
    checkXml(svg);
    checkSelfContained(svg);
    // The seven, BDOL's pool, the PegKeeper's debt, and the PSM (the pool's seed was bought there).
    expect(panelCount(svg)).to.equal(10);
    expect(svg).to.include("BDOL in its pool (market model)");
    expect(svg).to.match(/PegKeeper(&#39;|')s debt/);
    const rows = marketRows(result);
    expect(rows).to.have.length(1);
    expect(rows[0]["peg keeper"]).to.equal("yes");
    expect(rows[0]["flash takes (slippage)"]).to.match(/^\d+ \(/);
  });
});

/**
 * Five hours where the oracle and the market part: ETH's feed lags 15 minutes, never shows a
 * 10-minute wick to 1,100 and sticks at a 1,500 floor while the market falls on to 1,300; BTC falls
 * 30 % in one round (the breaker's 25 % freezes it until the next round confirms), then its feed
 * stops for 140 minutes (Stale once the 65-minute heartbeat has passed).
 */
const ORACLE_SCENARIO = validateScenario({
  name: "test-oracle",
  description: "ETH's feed lags, misses a wick and sticks at a floor; BTC jumps in one round, then its feed stops",
  stepSeconds: 300,
  keeperIntervalSeconds: 300,
  durationMinutes: 300,
  prices: {
    ETH: [
      [0, 2000],
      [60, 1900],
      [120, 1700],
      [125, 1100],
      [135, 1650],
      [240, 1300],
      [300, 1300],
    ],
    BTC: [
      [0, 60000],
      [90, 60000],
      [90, 42000],
      [300, 42000],
    ],
  },
  oracle: {
    ETH: {
      prices: [
        [0, 2000],
        [60, 1900],
        [120, 1700],
        [240, 1300],
        [300, 1300],
      ],
      lagMinutes: 15,
      floor: 1500,
    },
    BTC: { outages: [[150, 290]] },
  },
});

describe("crash simulator with the oracle apart from the market (test/sim)", function () {
  this.timeout(600_000);
  let result: SimResult;

  before(async function () {
    result = await simulate(hre, { scenario: ORACLE_SCENARIO, vaults: 10, seed: 5, runs: ["active"], market: false });
  });

  it("validates the oracle block; a repeated minute is a jump", function () {
    const bad = (oracle: unknown) => () => validateScenario({ ...structuredClone(ORACLE_SCENARIO), oracle });
    expect(bad([])).to.throw(/oracle must be an object/);
    expect(bad({ DOGE: {} })).to.throw(/oracle.DOGE: unknown asset/);
    expect(bad({ ETH: { lag: 5 } })).to.throw(/oracle.ETH.lag: unknown field/);
    expect(bad({ ETH: { lagMinutes: -1 } })).to.throw(/lagMinutes must be minutes/);
    expect(bad({ ETH: { floor: 0 } })).to.throw(/floor must be a positive price/);
    expect(bad({ BTC: { outages: [[50, 40]] } })).to.throw(/outages\[0\] must be \[fromMinute, toMinute\]/);
    expect(bad({ ETH: { prices: [[5, 2000]] } })).to.throw(/prices must start at minute 0/);
    expect(
      bad({
        ETH: {
          prices: [
            [0, 2000],
            [10, 1900],
            [5, 1800],
          ],
        },
      }),
    ).to.throw(/minutes must not decrease/);
    const s = ORACLE_SCENARIO;
    // BTC's jump: the old price up to its minute, the new one right after.
    expect(priceAt(s.prices.BTC, 90)).to.equal(60000);
    expect(priceAt(s.prices.BTC, 90.5)).to.equal(42000);
    // ETH's feed: the lagged path, no wick, the floor; BTC's: nothing during the outage.
    expect(feedPriceAt(s, "ETH", 75)).to.equal(priceAt(s.oracle!.ETH!.prices!, 60));
    expect(feedPriceAt(s, "ETH", 150)).to.be.closeTo(1700 - (400 * 15) / 120, 1e-9);
    expect(feedPriceAt(s, "ETH", 280)).to.equal(1500);
    expect(feedPriceAt(s, "BTC", 150)).to.equal(undefined);
    expect(feedPriceAt(s, "BTC", 290)).to.equal(42000);
  });

  it("the oracle follows the feed, not the market: the lag, the floor, the missed wick", function () {
    const run = result.runs[0];
    let checked = 0;
    for (const t of run.series) {
      if (t.priceStatus.ETH !== 0) continue;
      const feed = feedPriceAt(ORACLE_SCENARIO, "ETH", t.minute)!;
      expect(t.oraclePrices.ETH, `ETH at minute ${t.minute}`).to.be.closeTo(feed, feed * 1e-6);
      checked++;
    }
    expect(checked).to.be.greaterThan(50);
    const wick = run.series.find((t) => t.minute === 125)!;
    expect(wick.prices.ETH).to.equal(1100);
    expect(wick.oraclePrices.ETH).to.be.gt(1600);
    expect(run.series.at(-1)!.oraclePrices.ETH).to.equal(1500);
    expect(run.series.at(-1)!.prices.ETH).to.equal(1300);
    const gap = run.totals.oracle.largestGap!;
    expect(gap.asset).to.equal("ETH");
    expect(gap.minute).to.be.within(125, 130);
    expect(gap.gap).to.be.gt(0.5);
  });

  it("a jump published as one round freezes the price; a feed that stops reads Stale after its heartbeat", function () {
    const run = result.runs[0];
    const status = (m: number) => run.series.find((t) => t.minute === m)!.priceStatus.BTC;
    expect(status(90)).to.equal(0);
    expect(status(95)).to.equal(3); // Frozen: −30 % in one round against the breaker's 25 %
    expect(status(100)).to.equal(0); // the next round confirms it
    // The last round at minute 145; Stale from 145 + 65 minutes until rounds resume at 290.
    for (const t of run.series.filter((x) => x.minute > 215 && x.minute < 290)) {
      expect(t.priceStatus.BTC, `BTC at minute ${t.minute}`).to.equal(1);
    }
    expect(status(200)).to.equal(0);
    expect(status(295)).to.equal(0);
    expect(run.totals.oracle.staleTicks).to.be.gte(14);
    expect(run.totals.oracle.frozenTicks).to.be.gte(1);
  });
});

/**
 * Three hours: ETH −40 % between minutes 20 and 50 while the basefee jumps to 3,000 gwei from
 * minute 25 to 70 against the keeper's 500 gwei cap: it sends nothing in the spike, liquidates after.
 */
const GAS_SCENARIO = validateScenario({
  name: "test-gas",
  description: "ETH −40 % in half an hour during a 3,000 gwei basefee spike; the keeper's cap is 500 gwei",
  stepSeconds: 300,
  keeperIntervalSeconds: 300,
  durationMinutes: 180,
  prices: {
    ETH: [
      [0, 3000],
      [20, 3000],
      [50, 1800],
      [180, 1800],
    ],
    BTC: [[0, 60000]],
  },
  gas: {
    basefeeGwei: [
      [0, 20],
      [25, 20],
      [25, 3000],
      [70, 3000],
      [70, 20],
    ],
    keeperMaxGwei: 500,
  },
});

describe("crash simulator with a gas-price path (test/sim)", function () {
  this.timeout(600_000);
  let result: SimResult;

  before(async function () {
    result = await simulate(hre, { scenario: GAS_SCENARIO, vaults: 40, seed: 7, runs: ["active"], market: false });
  });

  it("validates the gas block", function () {
    const bad = (gas: unknown) => () => validateScenario({ ...structuredClone(GAS_SCENARIO), gas });
    expect(bad([])).to.throw(/gas must be an object/);
    expect(bad({ basefee: [] })).to.throw(/gas.basefee: unknown field/);
    expect(bad({ basefeeGwei: [[5, 1]] })).to.throw(/must start at minute 0/);
    expect(bad({ basefeeGwei: [[0, -1]] })).to.throw(/outside \[0, 100,000\]/);
    expect(bad({ keeperMaxGwei: 0 })).to.throw(/keeperMaxGwei must be a positive gwei amount/);
  });

  it("mines every block at the scenario's basefee; above its cap the keeper sends nothing, and liquidates once it falls", async function () {
    const run = result.runs[0];
    const baseFeeOf = async (block: number) => (await ethers.provider.getBlock(block))!.baseFeePerGas!;
    const tickAt = (m: number) => run.series.find((t) => t.minute === m)!;
    expect(await baseFeeOf(tickAt(40).toBlock)).to.equal(3000n * 10n ** 9n);
    expect(await baseFeeOf(tickAt(100).toBlock)).to.equal(20n * 10n ** 9n);
    const skippedForGas = Object.entries(run.totals.keeper.skipped)
      .filter(([reason]) => reason.startsWith("gas price above cap"))
      .reduce((n, [, count]) => n + count, 0);
    expect(skippedForGas).to.be.greaterThan(0);
    // Vaults fall below their ratio during the spike, but none is liquidated until it ends.
    const spike = run.series.filter((t) => t.minute >= 25 && t.minute < 70);
    expect(spike.every((t) => t.vaultsLiquidated === spike[0].vaultsLiquidated)).to.equal(true);
    expect(spike[0].vaultsLiquidated).to.equal(0);
    expect(run.totals.vaultsLiquidated).to.be.greaterThan(0);
    const first = run.series.find((t) => t.vaultsLiquidated > 0)!;
    expect(first.minute).to.be.gte(70);
    expect(run.totals.keeper.gasSpentEth).to.be.greaterThan(0);
  });
});

/**
 * The drop of the first scenario with three keepers competing: each misses 30 % of the rounds and
 * spends at most 20,000 BDOL per take.
 */
const KEEPERS_SCENARIO = validateScenario({
  ...structuredClone(SCENARIO),
  name: "test-keepers",
  description: "ETH −40 % within an hour; three keepers, each missing 30 % of rounds, 20,000 BDOL a take",
  keepers: { count: 3, maxTakeBdol: 20_000, missRate: 0.3 },
});

describe("crash simulator with competing keepers (test/sim)", function () {
  this.timeout(600_000);
  let result: SimResult;

  before(async function () {
    result = await simulate(hre, { scenario: KEEPERS_SCENARIO, vaults: 40, seed: 7, runs: ["active"], market: false });
  });

  it("validates the keepers block", function () {
    const bad = (keepers: unknown) => () => validateScenario({ ...structuredClone(KEEPERS_SCENARIO), keepers });
    expect(bad([])).to.throw(/keepers must be an object/);
    expect(bad({ n: 2 })).to.throw(/keepers.n: unknown field/);
    expect(bad({ count: 6 })).to.throw(/count must be an integer in \[1, 5\]/);
    expect(bad({ count: 1.5 })).to.throw(/count must be an integer/);
    expect(bad({ maxTakeBdol: 0 })).to.throw(/maxTakeBdol must be a positive BDOL amount/);
    expect(bad({ missRate: 0.95 })).to.throw(/missRate must be a probability in \[0, 0.9\]/);
  });

  it("the keepers share the work as the chain shows it, each missing rounds, no take above the cap", async function () {
    const run = result.runs[0];
    const by = run.totals.keeper.byKeeper;
    expect(by).to.have.length(3);
    const rounds = run.series.filter((t) => t.keeperRan).length;
    for (const k of by) expect(k.runs).to.be.greaterThan(0).and.lessThan(rounds);
    const engine = await contractAt(hre, "LiquidationEngine", "LiquidationEngine");
    const from = run.series[0].fromBlock;
    const liquidated = await engine.queryFilter(engine.filters.Liquidated(), from);
    const taken = await engine.queryFilter(engine.filters.Taken(), from);
    const liquidators = new Set(liquidated.map((e) => e.args.keeper));
    console.log(
      `      3 keepers: runs ${by.map((k) => k.runs).join(" / ")} of ${rounds} rounds; liquidations ` +
        `${by.map((k) => k.liquidations).join(" / ")}; takes ${by.map((k) => k.takes).join(" / ")}`,
    );
    expect(liquidators.size).to.be.gte(2);
    expect(by.reduce((a, k) => a + k.liquidations, 0)).to.equal(liquidated.length);
    expect(by.reduce((a, k) => a + k.takes, 0)).to.equal(taken.length);
    for (const e of taken) expect(e.args.paid).to.be.lte(20_000n * WAD);
    expect(run.totals.badDebt).to.equal(0);
  });
});

/**
 * The drop of the first scenario with borrowers who react every 15 minutes: all top up below a
 * health factor of 1.25 (back to 1.6); WETH vaults (fee 2 %) repay a fifth of their debt while the
 * fee is above 1.9 %; WBTC vaults (1.5 %) borrow down to 2.5 while above 3 and the fee under 5 %.
 */
const BORROWERS_SCENARIO = validateScenario({
  ...structuredClone(SCENARIO),
  name: "test-borrowers",
  description: "ETH −40 % within an hour; borrowers top up, repay and borrow",
  borrowers: {
    share: 1,
    everyMinutes: 15,
    topUpBelow: 1.25,
    topUpTo: 1.6,
    repayAboveFee: 0.019,
    repayShare: 0.2,
    borrowAbove: 3,
    borrowTo: 2.5,
    borrowBelowFee: 0.05,
  },
});

describe("crash simulator with borrowers who react (test/sim)", function () {
  this.timeout(600_000);
  let result: SimResult;

  before(async function () {
    result = await simulate(hre, {
      scenario: BORROWERS_SCENARIO,
      vaults: 40,
      seed: 7,
      runs: ["active"],
      market: false,
    });
  });

  it("validates the borrowers block", function () {
    const bad = (borrowers: unknown) => () => validateScenario({ ...structuredClone(BORROWERS_SCENARIO), borrowers });
    expect(bad([])).to.throw(/borrowers must be an object/);
    expect(bad({ share: 0 })).to.throw(/share must be in \(0, 1\]/);
    expect(bad({ share: 1, react: true })).to.throw(/borrowers.react: unknown field/);
    expect(bad({ share: 1, topUpBelow: 1.2 })).to.throw(/topUpBelow and borrowers.topUpTo go together/);
    expect(bad({ share: 1, topUpBelow: 1.5, topUpTo: 1.2 })).to.throw(/1 ≤ below < to/);
    expect(bad({ share: 1, borrowAbove: 3, borrowTo: 2 })).to.throw(/borrowBelowFee/);
    expect(bad({ share: 1, everyMinutes: 1 })).to.throw(/everyMinutes must be ≥ 5/);
  });

  it("tops up, repays and borrows as the chain's events show, and stays solvent", async function () {
    const run = result.runs[0];
    const b = run.borrowers!;
    console.log(
      `      ${b.looks} looks: ${b.topUps} top-ups (${Math.round(b.toppedUpValue).toLocaleString("en-US")} USD), ` +
        `${b.repays} repays (${Math.round(b.repaid).toLocaleString("en-US")} BDOL), ${b.borrows} borrows ` +
        `(${Math.round(b.borrowed).toLocaleString("en-US")} BDOL); refused ${JSON.stringify(b.refused)}; ` +
        `${run.totals.vaultsLiquidated} vaults liquidated`,
    );
    expect(b.looks).to.equal(Math.floor(150 / 15) + 1);
    expect(b.topUps).to.be.greaterThan(0);
    expect(b.repays).to.be.greaterThan(0);
    expect(b.borrows).to.be.greaterThan(0);
    const vm = await contractAt(hre, "VaultManager", "VaultManager");
    const from = run.series[0].fromBlock;
    const deposited = await vm.queryFilter(vm.filters.CollateralDeposited(), from);
    const repaid = await vm.queryFilter(vm.filters.DebtRepaid(), from);
    const borrowed = await vm.queryFilter(vm.filters.DebtBorrowed(), from);
    expect(deposited.length).to.equal(b.topUps);
    // No vault was liquidated here: every repayment is a borrower's.
    expect(run.totals.vaultsLiquidated).to.equal(0);
    expect(repaid.length).to.equal(b.repays);
    expect(borrowed.length).to.equal(b.borrows);
    const total = (xs: typeof repaid | typeof borrowed) => Number(xs.reduce((t, e) => t + e.args.amount, 0n)) / 1e18;
    expect(total(repaid)).to.be.closeTo(b.repaid, b.repaid * 1e-9);
    expect(total(borrowed)).to.be.closeTo(b.borrowed, b.borrowed * 1e-9);
    expect(run.totals.badDebt).to.equal(0);
  });
});

describe("crash simulator's collaterals from the configuration (test/sim)", function () {
  it("reads the local collaterals: the scenario's name from the feed, the symbol, decimals, feed and deployed price", function () {
    expect(simAssets()).to.deep.equal([
      { key: "ETH", symbol: "WETH", decimals: 18, feed: "ETH_USD_FEED", deployedPrice: 3000, breakerDeviation: 0.25 },
      { key: "BTC", symbol: "WBTC", decimals: 8, feed: "BTC_USD_FEED", deployedPrice: 60000, breakerDeviation: 0.25 },
    ]);
    expect(readAssets(networkConfig("localhost"), "localhost")).to.deep.equal(simAssets());
    // Sepolia and mainnet read real feeds: nothing to drive.
    expect(() => readAssets(networkConfig("mainnet"), "mainnet")).to.throw(
      "config/networks.ts (mainnet), collateral WETH: its token is not a deployment; the simulator needs mock tokens and feeds",
    );
  });

  it("takes a third configured collateral as a scenario asset", function () {
    const local = networkConfig("localhost");
    const config = {
      ...local,
      testTokens: { ...local.testTokens, WSOL: { name: "Wrapped SOL (test)", symbol: "WSOL", decimals: 9 } },
      mockFeeds: {
        ...local.mockFeeds,
        SOL_USD_FEED: { decimals: 8, description: "SOL / USD", answer: 150n * 10n ** 8n },
      },
      collaterals: {
        ...local.collaterals,
        WSOL: {
          ...local.collaterals.WETH,
          token: { deployment: "WSOL" },
          feed: { ...local.collaterals.WETH.feed, primaryFeed: { deployment: "SOL_USD_FEED" } },
        },
      },
    };
    const assets = readAssets(config, "test");
    expect(assets.map((a) => `${a.key} ${a.symbol} ${a.decimals} ${a.deployedPrice}`)).to.deep.equal([
      "ETH WETH 18 3000",
      "BTC WBTC 8 60000",
      "SOL WSOL 9 150",
    ]);
    const raw = {
      name: "sol-only",
      description: "SOL −30 % in an hour",
      stepSeconds: 300,
      prices: {
        SOL: [
          [0, 150],
          [60, 105],
        ],
      },
      oracle: { SOL: { lagMinutes: 5 } },
      market: { depthUsd: { SOL: 5_000_000 } },
    };
    const s = validateScenario(structuredClone(raw), "sol-only", assets);
    expect(s.prices).to.deep.equal({ ETH: [[0, 3000]], BTC: [[0, 60000]], SOL: raw.prices.SOL });
    expect(s.durationMinutes).to.equal(60);
    expect(steepestWindow(s, 30, assets)).to.include({ asset: "SOL", from: 30, to: 60 });
    // Without SOL in the configuration the same file is refused, the choices listed.
    expect(() => validateScenario(structuredClone(raw), "sol-only")).to.throw(
      "sol-only: prices.SOL: unknown asset (known: ETH (WETH), BTC (WBTC), USDC, BDOL)",
    );
    expect(() =>
      readAssets(
        {
          ...config,
          mockFeeds: {
            ...config.mockFeeds,
            SOL_USD_FEED: { ...config.mockFeeds.SOL_USD_FEED, description: "SOL / ETH" },
          },
        },
        "test",
      ),
    ).to.throw('collateral WSOL: its feed SOL_USD_FEED is "SOL / ETH", not "<asset> / USD"');
  });
});

/**
 * The crash simulator on a short run: 40 vaults, ETH −40 % in an hour, both run modes. Checks that
 * the JSON and SVG outputs exist and are well-formed, that the population is reproducible, and
 * that the reported figures agree with the chain: the last run's state is still on the chain when
 * `simulate` returns, so its totals are recomputed here from the events and views directly.
 */
import hre, { ethers } from "hardhat";
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { simulate, type SimResult } from "../../scripts/lib/sim/simulate";
import { writeOutputs } from "../../scripts/lib/sim/report";
import { DEFAULT_POPULATION, drawPopulation } from "../../scripts/lib/sim/population";
import { listScenarios, loadScenario, priceAt, steepestWindow, validateScenario } from "../../scripts/lib/sim/scenario";
import type { LiquidationEngine, OracleAdapter, ReserveLens, ReservePool, VaultManager } from "../../typechain-types";

const WAD = 10n ** 18n;

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
    result = await simulate(hre, { scenario: SCENARIO, vaults: 40, seed: 7 });
    files = writeOutputs(result, outDir);
  });

  after(function () {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("loads every bundled scenario and finds the steepest hour", function () {
    const names = listScenarios();
    expect(names).to.include.members(["black-thursday", "may-2021", "slow-bleed", "flash-crash-recover"]);
    for (const n of names) expect(loadScenario(n).name).to.equal(n);
    const bt = loadScenario("black-thursday");
    const w = steepestWindow(bt, 60);
    expect(w.asset).to.equal("ETH");
    expect(w.move).to.be.closeTo(-0.3, 0.001);
    expect(priceAt(bt.prices.ETH, 1440) / priceAt(bt.prices.ETH, 0) - 1).to.be.closeTo(-0.43, 0.001);
    expect(() => validateScenario({ ...SCENARIO, stepSeconds: 7200 })).to.throw(/stepSeconds/);
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
  });

  it("writes a self-contained SVG with the four panels, axes and legend", function () {
    expect(() => checkXml("<svg><g></svg>")).to.throw();
    expect(() => checkXml('<svg><rect x="1"/></svg><g></g>')).to.throw();
    const svg = readFileSync(files.svg, "utf8");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    const { tags } = checkXml(svg);
    expect(tags.get("svg")).to.equal(1);
    expect(tags.get("polyline")).to.be.at.least(8);
    expect(svg).to.not.match(/<script|href=|@import|url\(/i);
    for (const text of [
      "Oracle price",
      "System collateral ratio",
      "Reserve ratio",
      "Bad debt",
      "keepers active",
      "keepers absent",
    ]) {
      expect(svg).to.contain(text);
    }
    expect(svg).to.not.contain("NaN");
  });

  it("reports the last run's figures as the chain has them", async function () {
    const at = async <T>(name: string) =>
      (await ethers.getContractAt(name, (await hre.deployments.get(name)).address)) as unknown as T;
    const engine = await at<LiquidationEngine>("LiquidationEngine");
    const reserve = await at<ReservePool>("ReservePool");
    const lens = await at<ReserveLens>("ReserveLens");
    const oracle = await at<OracleAdapter>("OracleAdapter");
    const vm = await at<VaultManager>("VaultManager");
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

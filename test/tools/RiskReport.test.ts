/**
 * `risk:report` on the real deployment: it reads the book as the chain has it (vaults, prices, the
 * oracle's volatility, the auction floor, what the reserve can pay), its closed forms agree with its
 * Monte Carlo, it reads only, and each bad input is refused in one line.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { UsageError, WAD, fromFixed } from "../../lib/sdk";
import { openSession } from "../../lib/sdk/hardhat";
import { runTask } from "../helpers/tasks";
import { riskChartSpec, type RiskReport } from "../../scripts/lib/riskReport";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const run = runTask;

const float = (x: bigint, decimals = 18) => Number(fromFixed(x, decimals));

describe("risk:report (the book as short puts, on the deployment)", function () {
  this.timeout(300_000);
  let report: RiskReport;

  before(async () => {
    await deployments.fixture();
    // Three WETH vaults at collateral ratios 2.5, 1.875 and 1.67 and one WBTC vault; then prices that
    // move so that the oracle has a volatility estimate.
    for (const [from, debt] of [
      ["7", "12000"],
      ["8", "16000"],
      ["9", "18000"],
    ]) {
      await run("vault:open", { collateral: "WETH", amount: "10", debt, mint: true, from });
    }
    await run("vault:open", { collateral: "WBTC", amount: "1", debt: "30000", mint: true, from: "10" });
    for (const price of ["2700", "3100", "2800", "3000"]) {
      await run("dev:time", { advance: "1h" });
      await run("dev:price", { asset: "WETH", price });
      await run("dev:price", { asset: "WBTC", price: String(Number(price) * 20) });
    }
    report = (await run("risk:report", { horizon: "365d", paths: "200000", correlation: "0.5", seed: "1", json: true }))
      .result as RiskReport;
  });

  it("reads the vaults, prices, volatility, floor and reserve as the chain has them", async () => {
    const s = await openSession(hre);
    const { vaultManager: vm, oracle, engine, lens } = s.ballast;
    const registry = await s.ballast.collaterals();
    for (const c of report.collaterals) {
      const col = registry.get(c.collateral);
      let debt = 0;
      let vaults = 0;
      for (let id = 1n; id <= (await vm.vaultCount()); id++) {
        const info = await vm.vaultInfo(id);
        if (info.collateral.toLowerCase() !== col.address.toLowerCase()) continue;
        vaults++;
        debt += float(await vm.debtOf(id));
      }
      expect(c.vaults, c.collateral).to.equal(vaults);
      expect(c.debt, c.collateral).to.be.closeTo(debt, debt * 1e-9);
      const [price] = await oracle.getPrice(col.oracleAsset);
      expect(c.price).to.equal(float(price));
      const vol = float(await oracle.volatility(col.oracleAsset));
      expect(vol, "the price moves gave a volatility estimate").to.be.greaterThan(0);
      expect(c.volatility).to.equal(vol);
      expect(c.recovery).to.equal(float((await engine.collateralState(col.address)).params.floorRatio));
    }
    expect(report.collaterals.map((c) => c.vaults)).to.deep.equal([3, 1]);
    // The reserve's stable part: its ratio × debt less the collateral it holds (held, in escrow, on sale),
    // which the measures revalue at each simulated price.
    const snap = await lens.systemSnapshot();
    const holdings = await s.ballast.reserve.composition();
    let heldValue = 0n;
    for (const c of report.collaterals) {
      const col = registry.get(c.collateral);
      const h = holdings.find((x) => x.asset.toLowerCase() === col.address.toLowerCase());
      expect(c.held, c.collateral).to.equal(float(h?.amount ?? 0n, col.decimals));
      heldValue += h?.value ?? 0n;
    }
    expect(report.reserve).to.be.closeTo(float((snap.reserveRatio * snap.totalDebt) / WAD - heldValue), 1e-6);
    expect(report.noVolatility).to.deep.equal([]);
    expect(report.notLive).to.deep.equal([]);
  });

  it("its closed forms agree with its Monte Carlo at correlation 1; the tail measures are ordered", () => {
    const s = report.system;
    const one = s.monteCarlo.find((m) => m.correlation === 1)!;
    expect(s.monteCarlo.map((m) => m.correlation)).to.deep.equal([1, 0.5]);
    expect(s.insolvencyProbability).to.be.greaterThan(0).and.lessThan(1);
    expect(Math.abs(one.insolvencyProbability - s.insolvencyProbability)).to.be.lte(4 * one.error + 1e-9);
    expect(Math.abs(one.expectedShortfall99 - s.expectedShortfall99) / s.expectedShortfall99).to.be.lte(0.05);
    expect(s.expectedShortfall99).to.be.greaterThan(s.valueAtRisk99);
    expect(s.valueAtRisk99).to.be.greaterThan(s.expectedLoss);
    for (const c of report.collaterals) {
      expect(c.lossAfter1pctFall, c.collateral).to.be.greaterThan(c.expectedLoss);
      expect(c.lossAfter10ptVol, c.collateral).to.be.greaterThan(c.expectedLoss);
      expect(c.delta, c.collateral).to.be.greaterThan(0); // short puts: the exposure gains when the price rises
      expect(c.vega, c.collateral).to.be.lessThan(0);
    }
  });

  it("prints tables, reads only, and refuses each bad input in one line", async () => {
    const [signer] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(signer.address);
    const { out } = await run("risk:report", { horizon: "7d", paths: "1000", correlation: "0", seed: "1" });
    expect(out).to.match(/The book as short puts over 7 d/);
    expect(out).to.match(/P\(loss > what the reserve can pay\), closed form/);
    expect(out).to.match(/Monte Carlo, correlation 0\.00 \(1,000 paths\)/);
    const bad: [Record<string, string>, RegExp][] = [
      [{ paths: "10" }, /--paths must be 1,000 to 2,000,000/],
      [{ paths: "-5" }, /--paths "-5" is not a whole number/],
      [{ correlation: "2" }, /--correlation "2" must be a number from 0 to 1/],
      [{ correlation: "-0.5" }, /--correlation "-0.5" must be a number from 0 to 1/],
      [{ horizon: "soon" }, /--horizon "soon" is not a duration/],
      [{ seed: "x" }, /--seed "x" is not a whole number/],
    ];
    for (const [args, message] of bad) {
      const err = await run("risk:report", {
        horizon: "30d",
        paths: "1000",
        correlation: "0.5",
        seed: "1",
        ...args,
      }).then(
        () => undefined,
        (e) => e,
      );
      expect(err, JSON.stringify(args)).to.be.instanceOf(UsageError);
      expect(err.message).to.match(message);
      expect(err.message.includes("\n")).to.equal(false);
    }
    expect(await ethers.provider.getTransactionCount(signer.address), "nothing sent").to.equal(nonce);
  });

  it("--chart writes the SVG: the simulated loss distribution per correlation, the closed-form tail and the reserve", async () => {
    const file = path.join(os.tmpdir(), `ballast-risk-${process.pid}.svg`);
    try {
      const { out } = await run("risk:report", {
        horizon: "365d",
        paths: "20000",
        correlation: "0.5",
        seed: "1",
        chart: file,
      });
      expect(out).to.include(`chart written to ${file}`);
      const svg = fs.readFileSync(file, "utf8");
      expect(svg.startsWith("<svg")).to.equal(true);
      expect(svg).to.include("<title>Ballast risk report</title>");
      expect(svg).to.include("what the reserve can pay today");
      expect(svg).to.include("Monte Carlo, correlation 0.5 (20,000 paths)");
      expect(svg).not.to.match(/<script/i);
    } finally {
      fs.rmSync(file, { force: true });
    }
    // The spec's data are the report's: 200 quantiles per run, increasing, the last one the worst path.
    const spec = riskChartSpec(report) as {
      hconcat: { layer?: { data: { values: { loss: number; run?: string }[] } }[] }[];
    };
    const curve = spec.hconcat[0].layer![0].data.values;
    expect(curve.length).to.equal(2 * 200);
    const one = curve.filter((p) => p.run?.includes("correlation 1 "));
    expect(one.every((p, i) => i === 0 || p.loss >= one[i - 1].loss)).to.equal(true);
    const rules = spec.hconcat[0].layer![1].data.values.map((r) => r.loss);
    expect(rules).to.deep.equal([
      report.system.valueAtRisk99,
      report.system.expectedShortfall99,
      report.system.capacityToday,
    ]);
    const err = await run("risk:report", {
      horizon: "30d",
      paths: "1000",
      correlation: "0.5",
      seed: "1",
      chart: "x.png",
    }).then(
      () => undefined,
      (e) => e,
    );
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.match(/--chart "x.png" must name an .svg file/);
  });
});

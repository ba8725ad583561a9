/**
 * Risk-controller scenarios of issue 5, on the real deployment (deployments.fixture) with the local
 * config: pokes at most hourly; WETH fee curve 2 % → 5 % at the 80 % kink, 0.5 %–40 %, 0.5 point per
 * poke; peg controller kp 1, ki 0.5 per day, leak 20 % per day, peg term ≤ 10 points; borrow ratio =
 * liquidation ratio + 5 points + 0.1 × volatility, 2 points per poke.
 *
 * `SCENARIO_REPORT=1` prints each scenario's figures (used for the closing note).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { networkConfig } from "../../config/networks";
import { RAY, SECONDS_PER_YEAR, wad } from "../../lib/sdk";
import { feedAnswer, loadSystem, openVault, type System } from "../helpers/fixtures";

const C = networkConfig("hardhat");
const WETH_RULES = C.collaterals.WETH.control;
const HOUR = 3600;
const DAY = 24 * HOUR;
const report = (line: string) => {
  if (process.env.SCENARIO_REPORT === "1") console.log(`      ${line}`);
};
const pct = (x: bigint, digits = 2) => `${(Number(x) / 1e16).toFixed(digits)} %`;
/** The vault manager's per-second fee as the controller's annual rate. */
const annual = (perSecond: bigint) => ((perSecond - RAY) * SECONDS_PER_YEAR) / 10n ** 9n;

describe("Scenarios: the risk controller", () => {
  let sys: System;
  let weth: string;

  beforeEach(async () => {
    sys = await loadSystem();
    weth = await sys.weth.getAddress();
  });

  async function wethRate(): Promise<bigint> {
    return annual((await sys.vaultManager.collateralConfig(weth)).stabilityFee);
  }

  /** Advances `seconds`, publishes fresh rounds (so no feed goes stale), then pokes. */
  async function pokeAfter(seconds: number, prices: { eth?: string; bdol: string }): Promise<void> {
    await time.increase(seconds);
    await sys.ethFeed.updateAnswer(feedAnswer(prices.eth ?? "3000"));
    await sys.btcFeed.updateAnswer(feedAnswer("60000"));
    await sys.bdolFeed.updateAnswer(feedAnswer(prices.bdol));
    await sys.risk.poke();
  }

  it("peg at $0.98 for ten days: fees rise step by step to curve + peg term, then fall after the peg returns", async () => {
    // A borrower at 20 % of the WETH ceiling (100M): the curve gives 2 % + 3 % × 0.2 / 0.8 = 2.75 %.
    await openVault(sys, sys.alice, sys.weth, wad(20_000), wad(20_000_000));
    await pokeAfter(HOUR, { bdol: "1" });
    const start = await wethRate();
    const daily: bigint[] = [start];
    let previous = start;
    let rises = 0;
    // Ten days at $0.98, a poke every three hours.
    for (let i = 1; i <= 80; i++) {
      await pokeAfter(3 * HOUR, { bdol: "0.98" });
      const rate = await wethRate();
      // Never down while below the peg, never more than one step up.
      expect(rate).to.be.gte(previous);
      expect(rate - previous).to.be.lte(WETH_RULES.maxRateStep);
      if (rate > previous) rises++;
      previous = rate;
      if (i % 8 === 0) daily.push(rate);
    }
    const peak = previous;
    const integralAtPeak = (await sys.risk.state()).integral;
    // The integral approaches ki × e / leak = 0.5 × 0.02 / 0.2 = 5 points and never passes the cap.
    expect(integralAtPeak).to.be.gt(wad("0.04"));
    expect(integralAtPeak).to.be.lte(wad("0.05"));
    // Fee = curve + kp × e + I, where the curve moved only with accrued interest (utilisation ~20 %).
    const u = await sys.lens.systemSnapshot().then((s) => s.collaterals[0].utilisation);
    const curve = await sys.risk.curveRate(weth, u);
    expect(peak).to.be.closeTo(curve + wad("0.02") + integralAtPeak, wad("0.0001"));
    expect(rises).to.be.gte(3); // step by step, not in one jump

    // The peg returns to $1.00 for ten days: the proportional term drops at once (one step per
    // poke), the integral leaks 20 % a day.
    const after: bigint[] = [];
    previous = peak;
    // Exactly I ← I − I × leakPerDay × dt / 1 day at each poke (no error, nothing to integrate).
    let expectedIntegral = BigInt(integralAtPeak);
    let lastPoke = (await sys.risk.state()).lastPoke;
    for (let i = 1; i <= 80; i++) {
      await pokeAfter(3 * HOUR, { bdol: "1" });
      const rate = await wethRate();
      expect(rate).to.be.lte(previous);
      expect(previous - rate).to.be.lte(WETH_RULES.maxRateStep);
      previous = rate;
      const st = await sys.risk.state();
      const leak = C.risk.peg.leakPerDay * (st.lastPoke - lastPoke);
      expectedIntegral -= (expectedIntegral * leak) / (wad(1) * BigInt(DAY));
      expect(st.integral).to.equal(expectedIntegral);
      lastPoke = st.lastPoke;
      if (i % 8 === 0) after.push(rate);
    }
    const end = previous;
    const integralAtEnd = (await sys.risk.state()).integral;
    expect(integralAtEnd).to.be.lt(integralAtPeak / 5n); // (1 − 0.2 / 8)^80 ≈ 0.13
    expect(end).to.be.lt(peak - wad("0.04"));
    expect(end).to.be.closeTo(curve + integralAtEnd, wad("0.001"));
    report(
      `WETH fee at the start ${pct(start, 3)}; each day at $0.98: ${daily
        .slice(1)
        .map((r) => pct(r))
        .join(", ")}`,
    );
    report(
      `peak ${pct(peak, 3)} (integral ${pct(integralAtPeak, 3)}); each day back at $1.00: ${after.map((r) => pct(r)).join(", ")}`,
    );
  });

  it("a volatility spike: the borrow ratio widens, the liquidation ratio stays, no vault becomes liquidatable", async () => {
    // Vaults from comfortable to just above the liquidation ratio once ETH settles at $2,800.
    const ids: bigint[] = [];
    for (const [who, debt] of [
      [sys.alice, wad(1_800)],
      [sys.bob, wad(1_700)],
      [sys.carol, wad(1_300)],
    ] as const) {
      ids.push(await openVault(sys, who, sys.weth, wad(1), debt));
    }
    await pokeAfter(HOUR, { bdol: "1" });
    const cfg0 = await sys.vaultManager.collateralConfig(weth);
    const ratioBefore = cfg0.borrowRatio;
    const lr = cfg0.liquidationRatio;

    // A day of whipsaw: ETH alternates $2,800 / $3,050 (±8.9 %, under the 15 % breaker and the
    // oracle's 25 % freeze) every hour; a keeper records each round, feeding the volatility estimate.
    let maxStep = 0n;
    let previousRatio = ratioBefore;
    let sigma = 0n;
    for (let h = 0; h < 24; h++) {
      const eth = h % 2 === 0 ? "2800" : "3050";
      await time.increase(HOUR);
      await sys.ethFeed.updateAnswer(feedAnswer(eth));
      await sys.btcFeed.updateAnswer(feedAnswer("60000"));
      await sys.bdolFeed.updateAnswer(feedAnswer("1"));
      await sys.oracle.recordPrice(weth); // a keeper records each round: the volatility estimate's input
      const healthBefore = await Promise.all(ids.map((id) => sys.vaultManager.healthFactor(id)));
      const receipt = (await (await sys.risk.poke()).wait())!;
      const healthAfter = await Promise.all(
        ids.map((id) => sys.vaultManager.healthFactor(id, { blockTag: receipt.blockNumber })),
      );
      // The poke moves no vault's health beyond a few seconds of interest (the liquidation ratio is
      // not the controller's to move).
      for (let i = 0; i < ids.length; i++) {
        expect(healthAfter[i]).to.be.closeTo(healthBefore[i], healthBefore[i] / 10n ** 8n);
      }
      const update = receipt.logs
        .map((l) => sys.risk.interface.parseLog(l))
        .find((e) => e?.name === "CollateralPoked" && e.args.collateral === weth)!.args.update;
      sigma = update.volatility;
      // Target = LR + margin + multiplier × σ (rounded up), ≤ maxBorrowRatio; one step of ≤ 2 points.
      const raw = lr + WETH_RULES.baseMargin + (WETH_RULES.volatilityMultiplier * sigma + wad(1) - 1n) / wad(1);
      const target = raw > WETH_RULES.maxBorrowRatio ? WETH_RULES.maxBorrowRatio : raw;
      expect(update.targetBorrowRatio).to.equal(target);
      const stepped =
        target > previousRatio
          ? previousRatio +
            (target - previousRatio < WETH_RULES.maxBorrowRatioStep
              ? target - previousRatio
              : WETH_RULES.maxBorrowRatioStep)
          : previousRatio -
            (previousRatio - target < WETH_RULES.maxBorrowRatioStep
              ? previousRatio - target
              : WETH_RULES.maxBorrowRatioStep);
      expect(update.borrowRatio).to.equal(stepped);
      const cfg = await sys.vaultManager.collateralConfig(weth);
      expect(cfg.borrowRatio).to.equal(stepped);
      expect(cfg.liquidationRatio).to.equal(lr);
      const step = stepped > previousRatio ? stepped - previousRatio : previousRatio - stepped;
      if (step > maxStep) maxStep = step;
      previousRatio = stepped;
    }
    expect(maxStep).to.equal(WETH_RULES.maxBorrowRatioStep);
    expect(sigma).to.be.gt(wad(1)); // a day of ±9 % hourly moves: well above 100 % a year
    expect(previousRatio).to.be.gt(ratioBefore + wad("0.1"));

    // Bob's vault (1,700 BDOL on 1 ETH at $3,050 → 179 %) is healthy and not liquidatable, but a
    // borrow that the old borrow ratio allowed is now refused: the wider margin only refuses new risk.
    await expect(sys.engine.liquidate(ids[1], sys.keeper.address)).to.be.revertedWithCustomError(
      sys.vaultManager,
      "VaultNotLiquidatable",
    );
    const debt = await sys.vaultManager.debtOf(ids[1]);
    const value = wad(3_050);
    const roomOld = (value * wad(1)) / ratioBefore - debt;
    await expect(
      sys.vaultManager.connect(sys.bob).borrow(ids[1], roomOld - wad(1), sys.bob.address),
    ).to.be.revertedWithCustomError(sys.vaultManager, "BelowBorrowRatio");
    // Carol (1,300 on 1 ETH) still borrows within the new ratio.
    const carolRoom = (value * wad(1)) / previousRatio - (await sys.vaultManager.debtOf(ids[2]));
    expect(carolRoom).to.be.gt(0n);
    await sys.vaultManager.connect(sys.carol).borrow(ids[2], carolRoom / 2n, sys.carol.address);
    report(
      `WETH volatility ${pct(sigma, 0)} after a day of ±8.9 % hourly moves; borrow ratio ${pct(ratioBefore, 1)} → ` +
        `${pct(previousRatio, 1)} (largest step ${pct(maxStep, 1)}), liquidation ratio ${pct(lr, 0)} throughout`,
    );
  });
});

/**
 * The risk controller's reserve arm on the real deployment (deploy/14_savings.ts with the local
 * config: savings 1 % at peg, at most 10 %, 0.25 point a poke, 0.5 % below target; USDC stressed at
 * 12 %; a poke paid 400,000 gas at the basefee, at most 20 BDOL a poke and 200 a day). The poke's
 * every event and write is also checked against the model in RiskController.test.ts; here, the
 * behaviour the issue names: the savings rate follows the peg step by step, the target acts (savings
 * capped, the buffer built first), the poke is paid from the surplus only, within its caps.
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";

import { networkConfig } from "../../config/networks";
import { RAY, SECONDS_PER_YEAR, WAD, wad, wadMulDown, wadMulUp } from "../../lib/sdk";
import { adminOf, feedAnswer, loadSystem, type System } from "../helpers/fixtures";
import { BOUNDS, donateToReserve, freezeRates, spareBdol } from "../liquidation/helpers";
import type { RiskController } from "../../typechain-types";
import { readReserveRules, toAnnual } from "./helpers";

const ARM = networkConfig("hardhat").risk.reserveArm;
const GWEI = 10n ** 9n;

describe("RiskController: the reserve arm (savings rate, reserve target, paid poke)", () => {
  let sys: System;
  let risk: RiskController;
  let gov: RiskController;

  beforeEach(async () => {
    sys = await loadSystem();
    risk = sys.risk;
    gov = risk.connect(await adminOf(risk));
    await freezeRates(sys);
  });

  const rules = () => readReserveRules(sys);

  /** An hour later, every feed with a fresh round at its current answer. */
  async function anHourLater() {
    await time.increase(3600);
    for (const f of [sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed, sys.bdolFeed]) {
      await f.updateAnswer(await f.answers(await f.latestRound()));
    }
  }

  /** An hour later, every feed fresh (BDOL at `peg`), the basefee at `basefee`; poke as `from`. */
  async function pokeAfterAnHour(peg: string, from: Signer = sys.keeper, basefee = GWEI) {
    await time.increase(3600);
    for (const f of [sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed])
      await f.updateAnswer(await f.answers(await f.latestRound()));
    await sys.bdolFeed.updateAnswer(feedAnswer(peg));
    await ethers.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(basefee)]);
    const tx = await risk.connect(from).poke();
    const log = (await tx.wait())!.logs
      .map((l) => {
        try {
          return risk.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((l) => l?.name === "ReservePoked")!;
    const [target, stablePart, belowTarget, reward, paid, savingsTarget, savingsRate] = log.args;
    return { tx, target, stablePart, belowTarget, reward, paid, savingsTarget, savingsRate };
  }

  const perSecondDown = (annual: bigint) => RAY + (annual * 10n ** 9n) / SECONDS_PER_YEAR;

  it("is configured by deploy/14: linked to the reserve and sBDOL, the reserve's controller, WETH pricing the gas", async () => {
    const r = await rules();
    expect(r.reserve).to.equal(await sys.reserve.getAddress());
    expect(r.savings).to.equal(await sys.savings.getAddress());
    expect(r.gasAsset).to.equal(await sys.weth.getAddress());
    expect([r.baseSavingsRate, r.maxSavingsRate, r.savingsRateStep, r.capBelowTarget, r.stableStress]).to.deep.equal([
      ARM.baseSavingsRate,
      ARM.maxSavingsRate,
      ARM.savingsRateStep,
      ARM.capBelowTarget,
      ARM.stableStress,
    ]);
    expect(await sys.reserve.riskController()).to.equal(await risk.getAddress());
  });

  it("below peg (0.98) the savings rate rises step by step to its target; above peg (1.02) it falls", async () => {
    // No debt: the target is 0 and the reserve is above it.
    const seen: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await pokeAfterAnHour("0.98");
      expect(p.belowTarget).to.equal(false);
      // base 1 % + the peg term (kp × 2 % plus the integral): well above five steps.
      expect(p.savingsTarget).to.be.gt(ARM.baseSavingsRate + wad("0.02") - 1n);
      seen.push(p.savingsRate);
      expect(await sys.savings.rate()).to.equal(perSecondDown(p.savingsRate));
    }
    expect(seen).to.deep.equal([1n, 2n, 3n, 4n, 5n].map((k) => k * ARM.savingsRateStep));
    // Above the peg the peg term is negative: the target falls to 0 and the rate steps down.
    const down: bigint[] = [];
    for (let i = 0; i < 3; i++) down.push((await pokeAfterAnHour("1.02")).savingsRate);
    expect(down[0]).to.equal(4n * ARM.savingsRateStep);
    expect(down[2]).to.be.lt(down[0]);
    // The annual reading of sBDOL's per-second rate is what the controller set (rounded down).
    expect(toAnnual(await sys.savings.rate())).to.be.within(down[2] - 1n, down[2]);
    expect(await sys.savings.rate()).to.equal(perSecondDown(down[2]));
  });

  it("below the reserve target: the savings rate is capped, inflows build the buffer first (recovery share), savings draw nothing", async () => {
    const { alice, bob } = sys;
    await spareBdol(sys, alice, wad(100_000)); // vault debt: a stress target of several thousand
    let p = await pokeAfterAnHour("0.98");
    expect(p.target).to.be.gt(wad(1_000));
    expect(p.belowTarget).to.equal(true);
    for (let i = 0; i < 3; i++) p = await pokeAfterAnHour("0.98");
    expect(p.savingsRate).to.equal(ARM.capBelowTarget); // 0.5 %: two steps, then held at the cap
    expect(await sys.reserve.reserveTarget()).to.equal(p.target);

    // An inflow below the target builds the buffer at the recovery share (95 %), not the buffer share (80 %).
    const recovery = await sys.reserve.recoveryShare();
    expect(recovery).to.equal(wad("0.95"));
    const before = await sys.reserve.ledgers();
    await sys.bdol.connect(alice).transfer(await sys.reserve.getAddress(), wad(500));
    await expect(sys.reserve.book())
      .to.emit(sys.reserve, "Booked")
      .withArgs(wad(500), 0n, wadMulDown(wad(500), recovery), wad(500) - wadMulDown(wad(500), recovery));
    const after = await sys.reserve.ledgers();
    expect(after.buffer - before.buffer).to.equal(wad(475));
    expect(after.surplus - before.surplus).to.equal(wad(25));
    // Nothing for savings below target × (1 + margin).
    expect(await sys.reserve.savingsPayable()).to.equal(0n);

    // An inflow that crosses the target: the part up to it at the recovery share, the rest at the
    // buffer share; then savings may draw what lies beyond target × 1.1.
    const target = await sys.reserve.reserveTarget();
    const held = after.buffer + after.surplus;
    await donateToReserve(sys, bob, target * 2n);
    const booked = await sys.reserve.book.staticCall();
    const gap = target - held;
    const toBuffer = wadMulDown(gap, recovery) + wadMulDown(target * 2n - gap, await sys.reserve.bufferShare());
    await expect(sys.reserve.book())
      .to.emit(sys.reserve, "Booked")
      .withArgs(target * 2n, 0n, toBuffer, target * 2n - toBuffer);
    const l = await sys.reserve.ledgers();
    const keep = wadMulUp(target, WAD + (await sys.reserve.savingsMargin()));
    expect(await sys.reserve.savingsPayable()).to.equal(
      l.surplus < l.buffer + l.surplus - keep ? l.surplus : l.buffer + l.surplus - keep,
    );
    expect(booked).to.equal(target * 2n);
    p = await pokeAfterAnHour("0.98");
    expect(p.belowTarget).to.equal(false);
    expect(p.savingsRate).to.equal(ARM.capBelowTarget + ARM.savingsRateStep); // the cap lifted: one more step
  });

  it("pays the poke about its gas at the basefee from the surplus, capped per poke and per day; nothing with an empty surplus", async () => {
    const { keeper, bob } = sys;
    const ethPrice = (await sys.oracle.getPrice(await sys.weth.getAddress()))[0];
    // Empty surplus: the reward is computed, nothing is paid, the poke goes through.
    const before = await sys.bdol.balanceOf(keeper.address);
    let p = await pokeAfterAnHour("1", keeper, 2n * GWEI);
    expect(p.reward).to.equal(wadMulDown(BigInt(ARM.pokeGas) * 2n * GWEI, ethPrice));
    expect(p.paid).to.equal(0n);
    expect(await sys.bdol.balanceOf(keeper.address)).to.equal(before);

    await donateToReserve(sys, bob, wad(10_000)); // surplus 2,000 once booked
    await sys.reserve.book();
    p = await pokeAfterAnHour("1", keeper, 2n * GWEI);
    const gasCost = wadMulDown(BigInt(ARM.pokeGas) * 2n * GWEI, ethPrice); // 400k gas × 2 gwei × ETH
    expect(p.paid).to.equal(gasCost);
    await expect(p.tx).to.emit(sys.reserve, "PokerPaid");
    expect((await sys.bdol.balanceOf(keeper.address)) - before).to.equal(gasCost);

    // Per poke: at 100 gwei the pay would be 400k × 100 gwei × ETH; the cap is 20 BDOL.
    p = await pokeAfterAnHour("1", keeper, 100n * GWEI);
    expect(p.reward).to.equal(ARM.maxPokeReward);
    // Per day: with a 25 BDOL day cap each poke gets at most what the UTC day has left, and the
    // day's total never passes it; a new day starts afresh.
    await gov.setReserveRules({ ...(await rules()), maxPokeRewardPerDay: wad(25) });
    const full = wadMulDown(BigInt(ARM.pokeGas) * 100n * GWEI, ethPrice);
    const days = new Set<bigint>();
    for (let i = 0; i < 30; i++) {
      const before = await risk.payState();
      p = await pokeAfterAnHour("1", keeper, 100n * GWEI);
      const today = BigInt(await time.latest()) / 86_400n;
      const paidToday = before.day === today ? before.paidToday : 0n;
      let expected = full < ARM.maxPokeReward ? full : ARM.maxPokeReward;
      if (expected > wad(25) - paidToday) expected = wad(25) - paidToday;
      expect(p.reward, `poke ${i}`).to.equal(expected);
      expect(p.paid).to.equal(expected); // the surplus holds enough
      expect((await risk.payState()).paidToday).to.be.lte(wad(25));
      days.add(today);
    }
    expect(days.size).to.be.gte(2); // 30 hourly pokes cross a UTC midnight
  });

  it("the target adds the PSM-backed coin × the stable asset's stressed loss (USDC at 12 %)", async () => {
    const { alice } = sys;
    const psm = await ethers.getContractAt("PegStabilityModule", (await deployments.get("PegStabilityModule")).address);
    await sys.usdc.mint(alice.address, 100_000n * 10n ** 6n);
    await sys.usdc.connect(alice).approve(await psm.getAddress(), ethers.MaxUint256);
    await psm.connect(alice).swapStableForCoin(100_000n * 10n ** 6n, 0n, alice.address);
    const backed = await sys.reserve.psmBacked();
    expect(backed).to.equal((await psm.minted()) - (await psm.pendingFees()));
    const stable = wadMulUp(backed, ARM.stableStress);
    expect(stable).to.be.within(wad(11_900), wad(12_000));
    expect(await risk.reserveTargetNow()).to.equal(stable); // no vault debt
    const p = await pokeAfterAnHour("1");
    expect([p.target, p.stablePart]).to.deep.equal([stable, stable]);
    expect(p.belowTarget).to.equal(true);
    expect((await risk.state()).reserveTarget).to.equal(stable);
  });

  it("refuses rules out of bounds or unlinked, and anyone but governance; NoChange for the rules in force", async () => {
    const r = await rules();
    await expect(risk.connect(sys.attacker).setReserveRules(r)).to.be.revertedWithCustomError(
      risk,
      "AccessControlUnauthorizedAccount",
    );
    await expect(gov.setReserveRules(r)).to.be.revertedWithCustomError(risk, "NoChange");
    const bad: [Partial<typeof r>, string][] = [
      [{ maxSavingsRate: BOUNDS.MAX_CONTROLLED_SAVINGS_RATE + 1n }, "OutOfBounds"],
      [{ baseSavingsRate: r.maxSavingsRate + 1n }, "InvalidSavingsRates"],
      [{ capBelowTarget: r.maxSavingsRate + 1n }, "InvalidSavingsRates"],
      [{ savingsRateStep: 0n }, "OutOfBounds"],
      [{ savingsRateStep: BOUNDS.MAX_RATE_STEP + 1n }, "OutOfBounds"],
      [{ stableStress: WAD + 1n }, "OutOfBounds"],
      [{ pokeGas: BOUNDS.MAX_POKE_GAS + 1n }, "OutOfBounds"],
      [{ maxPokeReward: BOUNDS.MAX_POKE_REWARD + 1n }, "OutOfBounds"],
      [{ maxPokeRewardPerDay: BOUNDS.MAX_POKE_REWARD_PER_DAY + 1n }, "OutOfBounds"],
      [{ gasAsset: sys.attacker.address }, "UnknownAsset"],
      [{ savings: sys.attacker.address }, ""],
    ];
    for (const [change, error] of bad) {
      const call = gov.setReserveRules({ ...r, ...change });
      if (error === "UnknownAsset") await expect(call).to.be.revertedWithCustomError(sys.oracle, error);
      else if (error) await expect(call).to.be.revertedWithCustomError(risk, error);
      else await expect(call).to.be.reverted; // not a savings vault at all
    }
    // A reserve whose controller is not this one, a savings vault of another reserve.
    const other = await ethers.deployContract("ReservePool", [await sys.bdol.getAddress(), sys.alice.address, 0n]);
    await expect(gov.setReserveRules({ ...r, reserve: await other.getAddress() }))
      .to.be.revertedWithCustomError(risk, "ReserveNotLinked")
      .withArgs(await other.getAddress(), ethers.ZeroAddress);
    const otherSavings = await ethers.deployContract("SavingsBdol", [
      await sys.bdol.getAddress(),
      await other.getAddress(),
      sys.alice.address,
    ]);
    await expect(gov.setReserveRules({ ...r, savings: await otherSavings.getAddress() }))
      .to.be.revertedWithCustomError(risk, "SavingsNotLinked")
      .withArgs(await otherSavings.getAddress(), await other.getAddress());
    // Off: no reserve, no savings: the poke settles nothing.
    await expect(gov.setReserveRules({ ...r, reserve: ethers.ZeroAddress, savings: ethers.ZeroAddress })).to.emit(
      risk,
      "ReserveRulesSet",
    );
    await anHourLater();
    await expect(risk.poke()).not.to.emit(risk, "ReservePoked");
  });

  it("a cut forced by an empty surplus stands: the poke steps from the cut rate, one step", async () => {
    const { alice, bob } = sys;
    await donateToReserve(sys, bob, wad(100)); // surplus 20: far short of a week at 10 % on 100,000
    await sys.reserve.book();
    await spareBdol(sys, alice, wad(100_000));
    await sys.bdol.connect(alice).approve(await sys.savings.getAddress(), ethers.MaxUint256);
    await sys.savings.connect(alice).deposit(wad(100_000), alice.address);
    for (let i = 0; i < 6; i++) await pokeAfterAnHour("0.98"); // up to 1.5 %
    await time.increase(7 * 86_400);
    const p = await pokeAfterAnHour("0.98");
    await expect(p.tx).to.emit(sys.savings, "SavingsRateCut");
    // The cut rate (what 20 paid over the week) read back, plus one step.
    expect(p.savingsRate).to.be.lte(ARM.savingsRateStep + wad("0.0002"));
    expect(await sys.savings.rate()).to.equal(perSecondDown(p.savingsRate));
  });

  it("a broken link skips the arm (ReserveArmSkipped) and never stops the poke", async () => {
    const savingsAdmin = sys.savings.connect(await adminOf(sys.savings));
    await savingsAdmin.revokeRole(await sys.savings.RISK_CONTROL_ROLE(), await risk.getAddress());
    const p = await pokeAfterAnHour("0.98");
    await expect(p.tx)
      .to.emit(risk, "ReserveArmSkipped")
      .withArgs(ethers.ZeroAddress, await sys.savings.getAddress());
    expect(p.savingsRate).to.equal(0n);
    const reserveAdmin = sys.reserve.connect(await adminOf(sys.reserve));
    await reserveAdmin.setRiskController(ethers.ZeroAddress);
    await anHourLater();
    await expect(risk.poke())
      .to.emit(risk, "ReserveArmSkipped")
      .withArgs(await sys.reserve.getAddress(), await sys.savings.getAddress());
    // Rules that name sBDOL without the role are refused up front.
    await reserveAdmin.setRiskController(await risk.getAddress());
    await expect(gov.setReserveRules({ ...(await rules()), baseSavingsRate: 1n })).to.be.revertedWithCustomError(
      risk,
      "SavingsNotLinked",
    );
  });
});

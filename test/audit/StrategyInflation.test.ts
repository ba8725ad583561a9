/**
 * Regression (audit periph-1, issue 11 finding 1): share inflation of an ERC-4626 strategy through
 * the permissionless `ReservePool.rebalance()`. The attacker's steps of the proof — a 1-unit deposit
 * and a donation into the fresh strategy, then `rebalance()` called over and over — now leave the
 * reserve whole: every deposit whose shares are worth less than what left the reserve (beyond
 * STRATEGY_LOSS_TOLERANCE and a unit of rounding) is undone and the strategy flagged; the cap counts
 * the principal put in; `rebalance` moves at most `maxRebalance` per interval, however often it is
 * called. The attacker ends with less than it started with, and PSM redemptions still pay.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, type System } from "../helpers/fixtures";
import type { MockERC4626Strategy, PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const C = networkConfig("hardhat");
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const TOLERANCE = wad("0.0001"); // ConstantsLib.STRATEGY_LOSS_TOLERANCE
const ROUNDING = 1n; // ConstantsLib.STRATEGY_ROUNDING_UNITS
const maxLoss = (given: bigint) => (given * TOLERANCE) / 10n ** 18n + ROUNDING;

describe("AUDIT periph-1 (fixed): strategy share inflation via permissionless rebalance", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let strategy: MockERC4626Strategy;
  let reserveAddr: string;
  let vault: string;

  /** A fresh system where honest users swapped 50M USDC into the PSM (the local mint ceiling). */
  async function setup() {
    sys = await loadSystem();
    psm = (await contractAt(hre, "PegStabilityModule", "PegStabilityModule")) as unknown as PegStabilityModule;
    vault = (await deployments.get("USDC_STRATEGY")).address;
    strategy = (await contractAt(hre, "MockERC4626Strategy", vault)) as unknown as MockERC4626Strategy;
    reserveAddr = await sys.reserve.getAddress();
    await sys.usdc.mint(sys.alice.address, USDC(50_000_000));
    await sys.usdc.connect(sys.alice).approve(await psm.getAddress(), ethers.MaxUint256);
    await psm.connect(sys.alice).swapStableForCoin(USDC(50_000_000), 0n, sys.alice.address);
    await sys.usdc.connect(sys.attacker).approve(vault, ethers.MaxUint256);
  }

  beforeEach(setup);

  /** The reserve's USDC: liquid plus its strategy shares at convertToAssets. */
  const reserveUsdc = async () => (await sys.usdc.balanceOf(reserveAddr)) + (await sys.reserve.strategyAssets());

  /** The attacker's setup of the proof: `seed` units deposited into the fresh vault, then `donation` sent to it. */
  async function inflate(seed: bigint, donation: bigint): Promise<bigint> {
    await sys.usdc.mint(sys.attacker.address, seed + donation);
    const start = await sys.usdc.balanceOf(sys.attacker.address);
    await strategy.connect(sys.attacker).deposit(seed, sys.attacker.address);
    await sys.usdc.connect(sys.attacker).transfer(vault, donation);
    return start;
  }

  it("the proof's attack: 23 rebalances after a 1-unit deposit and a 20M donation deposit nothing; the attacker loses", async () => {
    const { attacker, reserve } = sys;
    expect(await strategy.totalSupply()).to.equal(0n);
    const maxRebalance = await reserve.maxRebalance();
    const attackerStart = await inflate(1n, 2n * maxRebalance);
    const before = await reserveUsdc();
    expect(before).to.equal(USDC(50_000_000));

    // The first call tries maxRebalance, gets 0 shares for it: undone, flagged, with the reason.
    const short = reserve.interface.encodeErrorResult("StrategyLossExceeded", [
      vault,
      maxRebalance,
      0n,
      maxLoss(maxRebalance),
    ]);
    await expect(reserve.connect(attacker).rebalance())
      .to.emit(reserve, "StrategyFailed")
      .withArgs(vault, short)
      .and.to.emit(reserve, "Rebalanced")
      .withArgs(USDC(50_000_000), USDC(10_000_000), 0n, 0n, maxRebalance);
    // The proof's 23 calls (and more): each is undone the same way; the limit is not even used.
    for (let calls = 1; calls < 40; calls++) {
      const [deposited] = await reserve.connect(attacker).rebalance.staticCall();
      expect(deposited).to.equal(0n);
      await reserve.connect(attacker).rebalance();
    }
    expect(await sys.usdc.balanceOf(reserveAddr)).to.equal(USDC(50_000_000));
    expect(await strategy.balanceOf(reserveAddr)).to.equal(0n);
    expect(await reserveUsdc()).to.equal(before);
    const [info] = await reserve.strategies();
    expect(info.failed).to.equal(true);
    expect(info.principal).to.equal(0n);
    expect(await reserve.availableRebalance()).to.equal(maxRebalance);

    // The attacker redeems its share: OpenZeppelin's virtual share keeps half the donation.
    await strategy.connect(attacker).redeem(1n, attacker.address, attacker.address);
    const profit = (await sys.usdc.balanceOf(attacker.address)) - attackerStart;
    expect(profit).to.equal(-maxRebalance); // (20M + 2) / 2 back for 20M + 1 put in
    // PSM redemptions pay from the reserve's liquid USDC.
    await expect(psm.connect(sys.alice).swapCoinForStable(wad(1_000_000), 0n, sys.alice.address)).to.emit(
      reserve,
      "StableReleased",
    );
  });

  it("whatever the attacker's deposit and donation, the reserve loses at most the tolerance and the attacker gains no more than that", async () => {
    const X = await sys.reserve.maxRebalance(); // what the first rebalance deposits
    let accepted = 0;
    let rejected = 0;
    let worstLoss = 0n;
    let bestGain = -(10n ** 30n);
    for (const seed of [1n, 1_000n, 1_000_000n]) {
      for (const divisor of [2_000_000n, 10_000n, 1_000n, 300n, 100n, 30n, 10n, 3n, 1n]) {
        await setup();
        const donation = (2n * X) / divisor;
        const start = await inflate(seed, donation);
        const before = await reserveUsdc();
        const liquidBefore = await sys.usdc.balanceOf(reserveAddr);
        await sys.reserve.connect(sys.attacker).rebalance();
        const spent = liquidBefore - (await sys.usdc.balanceOf(reserveAddr));
        const loss = before - (await reserveUsdc());
        const shares = await strategy.balanceOf(sys.attacker.address);
        await strategy.connect(sys.attacker).redeem(shares, sys.attacker.address, sys.attacker.address);
        const gain = (await sys.usdc.balanceOf(sys.attacker.address)) - start;
        if (spent === 0n) {
          ++rejected;
          expect(loss).to.equal(0n);
          expect((await sys.reserve.strategies())[0].failed).to.equal(true);
        } else {
          ++accepted;
          expect(spent).to.equal(X);
          expect(loss).to.be.lessThanOrEqual(maxLoss(spent));
          expect((await sys.reserve.strategies())[0].principal).to.equal(spent);
        }
        expect(gain).to.be.lessThanOrEqual(loss > 0n ? loss : 0n);
        if (loss > worstLoss) worstLoss = loss;
        if (gain > bestGain) bestGain = gain;
      }
    }
    console.log(
      `      27 attacks: ${accepted} deposits stood, ${rejected} undone; worst reserve loss ${worstLoss} units ` +
        `(bound ${maxLoss(X)}), best attacker result ${bestGain} units`,
    );
    expect(accepted).to.be.greaterThan(0);
    expect(rejected).to.be.greaterThan(0);
  });

  it("an emptied strategy cannot be inflated either: the reserve withdraws everything, the attacker re-runs the attack", async () => {
    const { reserve, attacker } = sys;
    const admin = reserve.connect(await adminOf(reserve));
    await reserve.rebalance(); // 10M in
    await admin.setLiquidTarget(wad(1));
    await time.increase(C.reserve.rebalanceInterval);
    await reserve.rebalance(); // 10M out
    expect(await strategy.totalSupply()).to.equal(0n);
    expect((await reserve.strategies())[0].principal).to.equal(0n);
    await admin.setLiquidTarget(C.reserve.liquidTarget);
    await time.increase(C.reserve.rebalanceInterval);

    await inflate(1n, 2n * (await reserve.maxRebalance()));
    const before = await reserveUsdc();
    await expect(reserve.connect(attacker).rebalance()).to.emit(reserve, "StrategyFailed");
    expect(await reserveUsdc()).to.equal(before);
    expect(await strategy.balanceOf(reserveAddr)).to.equal(0n);
  });

  it("the cap counts the principal: after the strategy loses everything, the reserve puts in at most cap − principal more", async () => {
    const { reserve } = sys;
    const cap = C.reserveStrategies[0].cap;
    await reserve.rebalance(); // 10M in
    await strategy.simulateLoss(10_000); // all of it
    let [info] = await reserve.strategies();
    expect(info.assets).to.equal(0n);
    expect(info.principal).to.equal(USDC(10_000_000));
    for (let i = 0; i < 6; i++) {
      await time.increase(C.reserve.rebalanceInterval);
      await reserve.rebalance();
    }
    [info] = await reserve.strategies();
    expect(info.principal).to.equal(cap);
    // 50M in, 10M lost: 30M liquid, 10M (at cost, and at value) in the strategy.
    expect(await sys.usdc.balanceOf(reserveAddr)).to.equal(USDC(50_000_000) - cap);
  });

  it("rebalance moves at most maxRebalance per interval, however often it is called", async () => {
    const { reserve, attacker } = sys;
    const max = await reserve.maxRebalance();
    const interval = BigInt(C.reserve.rebalanceInterval);
    const start = BigInt(await time.latest());
    let moved = 0n;
    for (let i = 0; i < 23; i++) {
      const tx = await reserve.connect(attacker).rebalance();
      const receipt = await tx.wait();
      for (const log of receipt!.logs) {
        const parsed = reserve.interface.parseLog(log);
        if (parsed?.name === "Rebalanced") moved += parsed.args.deposited + parsed.args.withdrawn;
      }
    }
    const elapsed = BigInt(await time.latest()) - start;
    expect(moved).to.be.greaterThanOrEqual(max);
    expect(moved).to.be.lessThanOrEqual(max + (max * elapsed) / interval);
  });
});

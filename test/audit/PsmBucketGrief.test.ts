/**
 * Regression for audit finding 5 (Medium, PsmBucketGrief): the outflow bucket counted gross outflow,
 * so a same-block round trip USDC → BDOL → USDC emptied the 5M/day bucket for about 10k USDC of fees
 * and refused every honest redemption for the rest of the day. The bucket now counts net flow: a
 * swap in refills it by the stable value it brings (above the limit if need be), so the same round
 * trip leaves it fuller than it found it. What a round trip can still do, and at what cost, is stated
 * in IPegStabilityModule (bound 3) and measured below: keeping others out needs the coin held.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { loadSystem, type System } from "../helpers/fixtures";
import type { PegStabilityModule } from "../../typechain-types";
import { WAD } from "../../lib/sdk";
import { contractAt } from "../../lib/sdk/hardhat";

const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const SCALE = 10n ** 12n;
const DAY = 24 * 3600;

describe("AUDIT finding 5: the PSM outflow bucket counts net flow (PsmBucketGrief)", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let limit: bigint;

  beforeEach(async () => {
    sys = await loadSystem();
    const psmAddr = (await deployments.get("PegStabilityModule")).address;
    psm = (await contractAt(hre, "PegStabilityModule", psmAddr)) as unknown as PegStabilityModule;
    limit = await psm.outflowLimit();
    const { alice, attacker, usdc } = sys;
    for (const who of [alice, attacker]) await usdc.connect(who).approve(psmAddr, ethers.MaxUint256);
    // Alice holds BDOL bought through the PSM earlier (so the reserve has USDC). Two days later the
    // credit her swap left has faded and the bucket is exactly full: the old attack's starting point.
    await usdc.mint(alice.address, USDC(10_000_000));
    await psm.connect(alice).swapStableForCoin(USDC(10_000_000), 0n, alice.address);
    await time.increase(2 * DAY);
    await sys.usdcFeed.updateAnswer(10n ** 8n); // a fresh USDC round at $1
    expect(await psm.availableOutflow()).to.equal(limit);
  });

  /** The attacker's USDC sized, as in the proof, to redeem the whole bucket. */
  async function roundTripStake(): Promise<bigint> {
    const feeOut = await psm.feeOut();
    const feeIn = await psm.feeIn();
    const coinNeeded = (limit * WAD + (WAD - feeOut) - 1n) / (WAD - feeOut) + SCALE;
    return (coinNeeded * WAD) / (WAD - feeIn) / SCALE + 2n;
  }

  it("the proof's round trip leaves the bucket fuller than it found it: Alice's redemption succeeds", async () => {
    const { alice, attacker, usdc, bdol } = sys;
    const stableIn = await roundTripStake();
    await usdc.mint(attacker.address, stableIn);
    const start = await usdc.balanceOf(attacker.address);

    // The attacker's same steps: swap in, then redeem as much as the bucket allows.
    await psm.connect(attacker).swapStableForCoin(stableIn, 0n, attacker.address);
    const coin = await bdol.balanceOf(attacker.address);
    const avail = await psm.availableOutflow();
    expect(avail).to.equal(limit + stableIn * SCALE); // the inflow refilled it above the limit
    const feeOut = await psm.feeOut();
    const coinIn = (avail * WAD) / (WAD - feeOut);
    await psm.connect(attacker).swapCoinForStable(coinIn < coin ? coinIn : coin, 0n, attacker.address);
    const cost = start - (await usdc.balanceOf(attacker.address));

    // Blocked: nothing. The bucket holds more than the limit (the two fees stayed in it).
    const after = await psm.availableOutflow();
    expect(after).to.be.greaterThanOrEqual(limit);
    expect(cost).to.be.greaterThan(USDC(9_000)); // ≈ 0.2 % of 5M, as before: paid for nothing
    console.log(
      `      round trip of ${stableIn / 10n ** 6n} USDC: cost ${Number(cost) / 1e6} USDC, bucket ${after / WAD} BDOL ` +
        `(limit ${limit / WAD}): blocked 0`,
    );
    await expect(psm.connect(alice).swapCoinForStable(ethers.parseUnits("10000", 18), 0n, alice.address)).to.emit(
      psm,
      "SwappedCoinForStable",
    );
    // Alice may take the whole limit, not just 10,000.
    await expect(
      psm.connect(alice).swapCoinForStable(((limit - 10_000n * WAD) * WAD) / (WAD - feeOut), 0n, alice.address),
    ).to.emit(psm, "SwappedCoinForStable");
  });

  it("repeated in one block it still blocks nothing; keeping others out needs the coin held (bound 3)", async () => {
    const { alice, attacker, usdc, bdol } = sys;
    const stableIn = await roundTripStake();
    await usdc.mint(attacker.address, stableIn);
    for (let i = 0; i < 3; i++) {
      await psm.connect(attacker).swapStableForCoin(await usdc.balanceOf(attacker.address), 0n, attacker.address);
      await psm.connect(attacker).swapCoinForStable(await bdol.balanceOf(attacker.address), 0n, attacker.address);
      expect(await psm.availableOutflow()).to.be.greaterThanOrEqual(limit);
    }

    // Held: swap in, wait half a window, redeem. The bucket started full, so what the attacker can
    // take from the others is at most L × τ / W, about half the limit here, never more.
    await psm.connect(attacker).swapStableForCoin(await usdc.balanceOf(attacker.address), 0n, attacker.address);
    const held = await bdol.balanceOf(attacker.address);
    const t0 = BigInt(await time.latest());
    await time.increase(DAY / 2);
    await psm.connect(attacker).swapCoinForStable(held, 0n, attacker.address);
    const tau = BigInt(await time.latest()) - t0;
    const window = await psm.outflowWindow();
    const blocked = limit - (await psm.availableOutflow());
    expect(blocked).to.be.greaterThan(0n);
    expect(blocked).to.be.lessThanOrEqual((limit * tau) / window + 1n);
    console.log(
      `      holding ${held / WAD} BDOL for ${tau} s took ${blocked / WAD} BDOL of room (≤ L × τ / W = ${
        (limit * tau) / window / WAD
      })`,
    );
    // Alice still redeems what is left.
    await expect(psm.connect(alice).swapCoinForStable(ethers.parseUnits("10000", 18), 0n, alice.address)).to.emit(
      psm,
      "SwappedCoinForStable",
    );
  });
});

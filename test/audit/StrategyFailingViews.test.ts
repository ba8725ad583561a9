/**
 * Regression (audit periph-3, issue 11 finding 2): a strategy whose views (`convertToAssets`,
 * `maxWithdraw`) revert. Unknown is no longer zero: such a strategy gets no deposits (its room is
 * not `cap − 0`), counts at its principal in the liquid target, stays flagged on every rebalance
 * until a checked exchange succeeds with its views working again, and is valued at 0 in the
 * reserve's value. The proof's loop of `rebalance()` calls moves nothing into it; redemptions pay
 * from the liquid USDC, and beyond that from the strategy itself (a redemption needs no valuation).
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { loadSystem, type System } from "../helpers/fixtures";
import type { MockERC4626Strategy, PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const C = networkConfig("hardhat");
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;

describe("AUDIT periph-3 (fixed): a strategy with failing views gets nothing more and stays flagged", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let strategy: MockERC4626Strategy;
  let reserveAddr: string;
  let vault: string;

  beforeEach(async () => {
    sys = await loadSystem();
    psm = (await contractAt(hre, "PegStabilityModule", "PegStabilityModule")) as unknown as PegStabilityModule;
    vault = (await deployments.get("USDC_STRATEGY")).address;
    strategy = (await contractAt(hre, "MockERC4626Strategy", vault)) as unknown as MockERC4626Strategy;
    reserveAddr = await sys.reserve.getAddress();
    await sys.usdc.mint(sys.alice.address, USDC(50_000_000));
    await sys.usdc.connect(sys.alice).approve(await psm.getAddress(), ethers.MaxUint256);
    await psm.connect(sys.alice).swapStableForCoin(USDC(50_000_000), 0n, sys.alice.address);
  });

  it("cap 20M, liquid target 20 %: the proof's rebalance loop moves nothing into the strategy; redemptions pay", async () => {
    const { alice, attacker, usdc, reserve } = sys;
    // Normal operation first: one rebalance puts 10M (maxRebalance) into the strategy.
    await reserve.connect(attacker).rebalance();
    expect(await reserve.strategyAssets()).to.equal(USDC(10_000_000));

    // The strategy's views start reverting (its own upstream problem; deposits still work).
    await strategy.setFailViews(true);
    const reason = strategy.interface.encodeErrorResult("ViewsDisabled", []);
    // Target: 20 % of (40M liquid + 10M principal), so 30M is excess; none of it may go in.
    await expect(reserve.connect(attacker).rebalance())
      .to.emit(reserve, "StrategyFailed")
      .withArgs(vault, reason)
      .and.to.emit(reserve, "Rebalanced")
      .withArgs(USDC(40_000_000), USDC(10_000_000), 0n, 0n, anyValue);
    // The proof's loop, with the interval passing between calls so the limit never binds.
    for (let calls = 0; calls < 40; calls++) {
      await time.increase(C.reserve.rebalanceInterval);
      const [deposited, withdrawn] = await reserve.connect(attacker).rebalance.staticCall();
      expect([deposited, withdrawn]).to.deep.equal([0n, 0n]);
      await reserve.connect(attacker).rebalance();
    }
    const cap = C.reserveStrategies[0].cap;
    expect(await usdc.balanceOf(vault)).to.equal(USDC(10_000_000));
    expect(await usdc.balanceOf(reserveAddr)).to.equal(USDC(40_000_000));
    const [info] = await reserve.strategies();
    expect(info.failed).to.equal(true);
    expect(info.known).to.equal(false);
    expect(info.assets).to.equal(0n); // unknown is not counted as value
    expect(info.principal).to.equal(USDC(10_000_000)); // but fills the cap as what was put in
    expect(info.principal).to.be.lessThan(cap);
    expect(await reserve.strategyAssets()).to.equal(0n);

    // Redemptions: 1M BDOL → USDC, within the outflow bucket, paid from the liquid USDC.
    const before = await usdc.balanceOf(alice.address);
    await psm.connect(alice).swapCoinForStable(wad(1_000_000), 0n, alice.address);
    expect(await usdc.balanceOf(alice.address)).to.be.greaterThan(before + USDC(990_000));
  });

  it("the flag stays while the views fail, even through successful redemptions; a checked deposit clears it once they work", async () => {
    const { alice, reserve } = sys;
    await reserve.rebalance(); // 10M in
    await strategy.setFailViews(true);
    await reserve.rebalance(); // flags it
    // Drain the liquid USDC to 1M, so a redemption must pull from the strategy.
    const psmSigner = await ethers.getImpersonatedSigner(await psm.getAddress());
    await ethers.provider.send("hardhat_setBalance", [await psm.getAddress(), "0x56BC75E2D63100000"]);
    await reserve.connect(psmSigner).releaseStable(await sys.usdc.getAddress(), sys.bob.address, USDC(39_000_000));
    const need = USDC(2_000_000);
    const tx = reserve.connect(psmSigner).releaseStable(await sys.usdc.getAddress(), alice.address, need);
    // Redeemed unchecked (its shares count for nothing while unvalued): the flag stays.
    await expect(tx).to.emit(reserve, "StrategyWithdrawal").withArgs(vault, USDC(1_000_000));
    await expect(tx).not.to.emit(reserve, "StrategyRecovered");
    let [info] = await reserve.strategies();
    expect(info.failed).to.equal(true);
    expect(info.principal).to.equal(USDC(9_000_000));

    // Views work again: valued, still flagged until a checked exchange succeeds.
    await strategy.setFailViews(false);
    [info] = await reserve.strategies();
    expect([info.known, info.assets, info.failed]).to.deep.equal([true, USDC(9_000_000), true]);
    await sys.usdc.mint(reserveAddr, USDC(10_000_000)); // something to place
    await time.increase(C.reserve.rebalanceInterval);
    await expect(reserve.rebalance()).to.emit(reserve, "StrategyRecovered").withArgs(vault);
    [info] = await reserve.strategies();
    expect(info.failed).to.equal(false);
  });
});

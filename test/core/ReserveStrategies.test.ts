/**
 * ReservePool strategies (issue 5, hardened in issue 11): ERC-4626 vaults over the PSM's stable asset
 * (USDC). Registration from the config, rebalance toward the liquid target within the limit per
 * interval and the caps (which count the principal), redemptions pulling from strategies, losses,
 * failing strategies (undone, skipped and flagged), the loss check on every exchange and its
 * tolerance, strategies whose views revert (unknown, not 0), the governance setters, and valuation
 * by convertToAssets (a donation is not counted as the reserve's).
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, type System } from "../helpers/fixtures";
import type { MockERC4626Strategy, PegStabilityModule, ReservePool } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const C = networkConfig("hardhat");
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const SCALE = 10n ** 12n; // USDC units → wad
const MAX_AMOUNT = 10_000_000_000n * 10n ** 6n; // MAX_STRATEGY_AMOUNT_UNITS whole USDC
const ADMIN_ROLE = ethers.ZeroHash;
const INTERVAL = BigInt(C.reserve.rebalanceInterval);
const TOLERANCE = wad("0.0001"); // ConstantsLib.STRATEGY_LOSS_TOLERANCE
const ROUNDING = 1n; // ConstantsLib.STRATEGY_ROUNDING_UNITS
const maxLoss = (given: bigint) => (given * TOLERANCE) / 10n ** 18n + ROUNDING;
/** Lets the rebalance limit refill completely. */
const refill = () => time.increase(INTERVAL);

describe("ReservePool strategies", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let admin: ReservePool;
  let strategy: MockERC4626Strategy;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let attacker: HardhatEthersSigner;
  let reserve: string;
  let vault: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, attacker } = sys);
    const psmAddress = (await deployments.get("PegStabilityModule")).address;
    psm = (await contractAt(hre, "PegStabilityModule", psmAddress)) as unknown as PegStabilityModule;
    vault = (await deployments.get("USDC_STRATEGY")).address;
    strategy = (await contractAt(hre, "MockERC4626Strategy", vault)) as unknown as MockERC4626Strategy;
    admin = sys.reserve.connect(await adminOf(sys.reserve));
    reserve = await sys.reserve.getAddress();
    for (const who of [alice, bob]) {
      await sys.usdc.mint(who.address, USDC(100_000_000));
      await sys.usdc.connect(who).approve(psmAddress, ethers.MaxUint256);
      await sys.usdc.connect(who).approve(vault, ethers.MaxUint256);
    }
  });

  const liquid = () => sys.usdc.balanceOf(reserve);
  const usdcValue = async () => (await sys.reserve.composition()).at(-1)!;

  /** Alice swaps `n` USDC into the PSM (the reserve receives it). */
  async function swapIn(n: bigint) {
    await psm.connect(alice).swapStableForCoin(n, 0n, alice.address);
  }

  /** A second mock strategy over USDC, registered with `cap`. */
  async function addSecond(cap: bigint): Promise<MockERC4626Strategy> {
    const f = await ethers.getContractFactory("MockERC4626Strategy");
    const s = (await f.deploy(await sys.usdc.getAddress(), "Second", "s2")) as unknown as MockERC4626Strategy;
    await admin.addStrategy(await s.getAddress(), cap);
    return s;
  }

  it("is registered by deploy/09 from the config, with the liquid target and rebalance limit", async () => {
    const [s] = C.reserveStrategies;
    const list = await sys.reserve.strategies();
    expect(list.length).to.equal(1);
    expect(list[0].vault).to.equal(vault);
    expect(list[0].cap).to.equal(s.cap);
    expect(list[0].assets).to.equal(0n);
    expect(list[0].principal).to.equal(0n);
    expect(list[0].known).to.equal(true);
    expect(list[0].failed).to.equal(false);
    expect(await strategy.asset()).to.equal(await sys.usdc.getAddress());
    expect(await sys.reserve.liquidTarget()).to.equal(C.reserve.liquidTarget);
    expect(await sys.reserve.maxRebalance()).to.equal(C.reserve.maxRebalance);
    expect(await sys.reserve.rebalanceInterval()).to.equal(INTERVAL);
    expect(await sys.reserve.availableRebalance()).to.equal(C.reserve.maxRebalance); // raised from 0: full at once
    expect(await sys.reserve.hasRole(ADMIN_ROLE, (await deployments.get("Timelock")).address)).to.equal(true);
  });

  it("rebalance deposits the excess above the liquid target, within the limit per interval and the cap, value unchanged", async () => {
    // Config: target 20 %, at most 10M per hour, cap 20M.
    await swapIn(USDC(30_000_000));
    const value = await sys.reserve.totalReserveValue();
    expect(value).to.equal(USDC(30_000_000) * SCALE);

    await expect(sys.reserve.connect(bob).rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(30_000_000), USDC(6_000_000), USDC(10_000_000), 0n, 0n)
      .and.to.emit(sys.reserve, "StrategyDeposit")
      .withArgs(vault, USDC(10_000_000), USDC(10_000_000));
    expect(await liquid()).to.equal(USDC(20_000_000));
    let [info] = await sys.reserve.strategies();
    expect([info.assets, info.principal]).to.deep.equal([USDC(10_000_000), USDC(10_000_000)]);

    // Second call, an interval later: 14M excess, limit 10M, room 10M.
    await refill();
    await sys.reserve.connect(bob).rebalance();
    expect(await liquid()).to.equal(USDC(10_000_000));
    expect(await sys.reserve.strategyAssets()).to.equal(USDC(20_000_000));
    [info] = await sys.reserve.strategies();
    expect(info.principal).to.equal(USDC(20_000_000));

    // Third: 4M excess but the cap is reached: nothing moves, the call still succeeds.
    await refill();
    await expect(sys.reserve.connect(bob).rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(10_000_000), USDC(6_000_000), 0n, 0n, USDC(10_000_000));
    expect(await sys.reserve.totalReserveValue()).to.equal(value);
    const line = await usdcValue();
    expect(line.amount).to.equal(USDC(30_000_000));
    expect(line.value).to.equal(value);

    // A higher target withdraws the shortfall, again within the limit.
    await admin.setLiquidTarget(wad("0.9"));
    await expect(sys.reserve.connect(bob).rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(10_000_000), USDC(27_000_000), 0n, USDC(10_000_000), 0n)
      .and.to.emit(sys.reserve, "StrategyWithdrawal")
      .withArgs(vault, USDC(10_000_000));
    expect(await liquid()).to.equal(USDC(20_000_000));
    expect(await sys.reserve.totalReserveValue()).to.equal(value);
    [info] = await sys.reserve.strategies();
    expect(info.principal).to.equal(USDC(10_000_000));
  });

  it("a PSM redemption larger than the liquid USDC pulls the difference from the strategy", async () => {
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance(); // 8M in the strategy, 2M liquid
    expect(await liquid()).to.equal(USDC(2_000_000));
    const usdcBefore = await sys.usdc.balanceOf(alice.address);
    const out = await psm.connect(alice).swapCoinForStable.staticCall(wad(4_000_000), 0n, alice.address);
    expect(out).to.be.greaterThan(USDC(2_000_000));
    await expect(psm.connect(alice).swapCoinForStable(wad(4_000_000), 0n, alice.address))
      .to.emit(sys.reserve, "StrategyWithdrawal")
      .withArgs(vault, out - USDC(2_000_000));
    expect(await sys.usdc.balanceOf(alice.address)).to.equal(usdcBefore + out);
    expect(await liquid()).to.equal(0n);
    expect(await sys.reserve.strategyAssets()).to.equal(USDC(10_000_000) - out);

    // Beyond liquid + strategies: InsufficientStable, with what is left after pulling everything.
    const psmSigner = await ethers.getImpersonatedSigner(await psm.getAddress());
    await ethers.provider.send("hardhat_setBalance", [await psm.getAddress(), "0x56BC75E2D63100000"]);
    const left = await sys.reserve.strategyAssets();
    await expect(sys.reserve.connect(psmSigner).releaseStable(await sys.usdc.getAddress(), bob.address, left + 1n))
      .to.be.revertedWithCustomError(sys.reserve, "InsufficientStable")
      .withArgs(await sys.usdc.getAddress(), left + 1n, left);
  });

  it("a 20 % strategy loss lowers totalReserveValue by the lost amount; users' balances are unchanged", async () => {
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance();
    const invested = await sys.reserve.strategyAssets();
    expect(invested).to.equal(USDC(8_000_000));
    const value = await sys.reserve.totalReserveValue();
    const users = async () =>
      Promise.all([alice, bob].flatMap((u) => [sys.bdol.balanceOf(u.address), sys.usdc.balanceOf(u.address)]));
    const before = await users();
    const supply = await sys.bdol.totalSupply();

    await strategy.simulateLoss(2_000);
    const lost = USDC(1_600_000);
    expect(await sys.reserve.strategyAssets()).to.be.closeTo(invested - lost, 1n);
    expect(await sys.reserve.totalReserveValue()).to.be.closeTo(value - lost * SCALE, SCALE);
    expect(await users()).to.deep.equal(before);
    expect(await sys.bdol.totalSupply()).to.equal(supply);
  });

  it("a redemption the first strategy covers never calls the next (a second whose views revert is not flagged)", async () => {
    await admin.setStrategyCap(vault, USDC(3_000_000));
    const second = await addSecond(USDC(20_000_000));
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance(); // 3M first (its cap), 5M second
    await second.setFailViews(true);
    // Liquid is 2M: a 3M redemption needs ~1M, which the first strategy covers whole.
    const tx = psm.connect(alice).swapCoinForStable(wad(3_000_000), 0n, alice.address);
    await expect(tx).to.emit(sys.reserve, "StrategyWithdrawal");
    await expect(tx).not.to.emit(sys.reserve, "StrategyFailed");
    await second.setFailViews(false);
    const list = await sys.reserve.strategies();
    expect(list[0].assets).to.be.lessThan(USDC(3_000_000));
    expect([list[1].assets, list[1].failed]).to.deep.equal([USDC(5_000_000), false]);
  });

  it("a reverting strategy is skipped and flagged; rebalance and redemptions succeed from the others and liquid", async () => {
    await admin.setStrategyCap(vault, USDC(3_000_000));
    const second = await addSecond(USDC(20_000_000));
    const secondAddr = await second.getAddress();
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance(); // 3M first (its cap), 5M second
    expect((await sys.reserve.strategies()).map((s) => s.assets)).to.deep.equal([USDC(3_000_000), USDC(5_000_000)]);

    // Withdrawals from the first revert: a redemption beyond liquid comes from the second.
    await strategy.setFailWithdraw(true);
    const out = await psm.connect(alice).swapCoinForStable.staticCall(wad(4_000_000), 0n, alice.address);
    const reason = strategy.interface.encodeErrorResult("WithdrawalsDisabled", []);
    await expect(psm.connect(alice).swapCoinForStable(wad(4_000_000), 0n, alice.address))
      .to.emit(sys.reserve, "StrategyFailed")
      .withArgs(vault, reason)
      .and.to.emit(sys.reserve, "StrategyWithdrawal")
      .withArgs(secondAddr, out - USDC(2_000_000));
    let list = await sys.reserve.strategies();
    expect(list[0].failed).to.equal(true);
    expect(list[0].assets).to.equal(USDC(3_000_000));
    expect(list[1].failed).to.equal(false);
    expect(list[1].assets).to.equal(USDC(5_000_000) - (out - USDC(2_000_000)));

    // Deposits into the first revert too: rebalance skips it and fills the second.
    await strategy.setFailDeposit(true);
    await strategy.setFailWithdraw(false);
    await admin.setStrategyCap(vault, USDC(10_000_000));
    await sys.usdc.mint(reserve, USDC(10_000_000)); // more liquid USDC to place
    const liquidBefore = await liquid();
    const tx = sys.reserve.rebalance();
    await expect(tx)
      .to.emit(sys.reserve, "StrategyFailed")
      .withArgs(vault, strategy.interface.encodeErrorResult("DepositsDisabled", []));
    await expect(tx).to.emit(sys.reserve, "StrategyDeposit");
    expect(await liquid()).to.be.lessThan(liquidBefore);
    list = await sys.reserve.strategies();
    expect(list[0].failed).to.equal(true);
    expect(list[0].assets).to.equal(USDC(3_000_000));
    expect(await sys.usdc.allowance(reserve, vault)).to.equal(0n);

    // It works again: the next successful checked exchange clears the flag.
    await strategy.setFailDeposit(false);
    await admin.setLiquidTarget(wad(1));
    await refill();
    await expect(sys.reserve.rebalance()) // withdraws from the first in order
      .to.emit(sys.reserve, "StrategyRecovered")
      .withArgs(vault);
    expect((await sys.reserve.strategies())[0].failed).to.equal(false);
  });

  it("with every strategy failing, rebalance still succeeds (nothing moves) and redemptions pay from liquid", async () => {
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance();
    await strategy.setFailWithdraw(true);
    await admin.setLiquidTarget(wad(1));
    await refill();
    await expect(sys.reserve.rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(2_000_000), USDC(10_000_000), 0n, 0n, C.reserve.maxRebalance)
      .and.to.emit(sys.reserve, "StrategyFailed");
    await psm.connect(alice).swapCoinForStable(wad(1_000_000), 0n, alice.address); // ≤ liquid
    await expect(psm.connect(alice).swapCoinForStable(wad(2_000_000), 0n, alice.address)).to.be.revertedWithCustomError(
      sys.reserve,
      "InsufficientStable",
    );
  });

  it("a strategy whose views revert: valued 0, no deposits, its principal in the target, flagged; redeemed from unchecked", async () => {
    await admin.setStrategyCap(vault, USDC(3_000_000));
    const second = await addSecond(USDC(20_000_000));
    const secondAddr = await second.getAddress();
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance(); // 3M first, 5M second, 2M liquid
    const value = await sys.reserve.totalReserveValue();
    await strategy.setFailViews(true);
    let list = await sys.reserve.strategies();
    expect(list.map((s) => [s.assets, s.known, s.principal])).to.deep.equal([
      [0n, false, USDC(3_000_000)],
      [USDC(5_000_000), true, USDC(5_000_000)],
    ]);
    expect(await sys.reserve.strategyAssets()).to.equal(USDC(5_000_000));
    expect(await sys.reserve.totalReserveValue()).to.equal(value - USDC(3_000_000) * SCALE);

    // Room in its cap and USDC to place: nothing goes to it; the target counts its 3M principal.
    await admin.setStrategyCap(vault, USDC(10_000_000));
    await sys.usdc.mint(reserve, USDC(10_000_000));
    await refill();
    const reason = strategy.interface.encodeErrorResult("ViewsDisabled", []);
    const tx = sys.reserve.rebalance();
    await expect(tx).to.emit(sys.reserve, "StrategyFailed").withArgs(vault, reason);
    await expect(tx)
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(12_000_000), USDC(4_000_000), USDC(8_000_000), 0n, USDC(2_000_000));
    await expect(tx).to.emit(sys.reserve, "StrategyDeposit").withArgs(secondAddr, USDC(8_000_000), USDC(8_000_000));
    expect(await sys.usdc.balanceOf(vault)).to.equal(USDC(3_000_000));

    // A redemption beyond liquid: the first, in order, is redeemed from without a valuation; the
    // USDC counts, the flag stays (no StrategyRecovered).
    const out = await psm.connect(alice).swapCoinForStable.staticCall(wad(5_000_000), 0n, alice.address);
    const redemption = psm.connect(alice).swapCoinForStable(wad(5_000_000), 0n, alice.address);
    await expect(redemption)
      .to.emit(sys.reserve, "StrategyWithdrawal")
      .withArgs(vault, out - USDC(4_000_000));
    await expect(redemption).to.emit(sys.reserve, "StrategyFailed").withArgs(vault, reason);
    await expect(redemption).not.to.emit(sys.reserve, "StrategyRecovered");
    list = await sys.reserve.strategies();
    expect(list[0].failed).to.equal(true);
    expect(list[0].principal).to.equal(USDC(3_000_000) - (out - USDC(4_000_000)));

    // Views back: valued again, still flagged until a checked exchange succeeds.
    await strategy.setFailViews(false);
    list = await sys.reserve.strategies();
    expect([list[0].known, list[0].assets, list[0].failed]).to.deep.equal([
      true,
      USDC(3_000_000) - (out - USDC(4_000_000)),
      true,
    ]);
  });

  describe("rules of issue 11", () => {
    it("the limit per interval: a bucket of maxRebalance refilling over rebalanceInterval, used by deposits and withdrawals", async () => {
      await swapIn(USDC(30_000_000));
      await sys.reserve.rebalance(); // 10M: the bucket is empty
      const t0 = BigInt(await time.latest());
      expect(await sys.reserve.availableRebalance()).to.equal(0n);
      // The keeper's static call sees nothing to do until time passes.
      await time.setNextBlockTimestamp(t0 + 1n);
      expect((await sys.reserve.rebalance.staticCall())[0]).to.be.lessThan(USDC(3_000)); // at most a second's refill
      // Half an interval: half the limit.
      await time.setNextBlockTimestamp(t0 + INTERVAL / 2n);
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "Rebalanced")
        .withArgs(USDC(20_000_000), USDC(6_000_000), USDC(5_000_000), 0n, 0n);
      // Withdrawals use the same bucket: a 15M shortfall moves 10M after a full interval.
      await admin.setLiquidTarget(wad(1));
      await time.setNextBlockTimestamp(t0 + INTERVAL / 2n + INTERVAL);
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "Rebalanced")
        .withArgs(USDC(15_000_000), USDC(30_000_000), 0n, USDC(10_000_000), 0n);
      // A call with nothing left moves nothing and succeeds.
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "Rebalanced")
        .withArgs(USDC(25_000_000), USDC(30_000_000), 0n, anyValue, anyValue);
    });

    it("the loss check on deposits: a loss of exactly the tolerance stands, one unit more is undone and flagged", async () => {
      const X = USDC(1); // ⌊X × 0.01 %⌋ + 1 = 101 units may be lost
      // The reserve alone in an empty vault that leaks `u` units after each deposit: its X shares
      // are then worth ⌊X × (X − u + 1) / (X + 1)⌋ (OpenZeppelin's virtual share and asset).
      const lossWith = (u: bigint) => X - (X * (X - u + 1n)) / (X + 1n);
      expect(lossWith(101n)).to.equal(maxLoss(X));
      expect(lossWith(102n)).to.equal(maxLoss(X) + 1n);
      await admin.setLiquidTarget(0n);
      await sys.usdc.mint(reserve, X);

      await strategy.setLeak(102n);
      const short = sys.reserve.interface.encodeErrorResult("StrategyLossExceeded", [vault, X, X - 102n, maxLoss(X)]);
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "StrategyFailed")
        .withArgs(vault, short)
        .and.to.emit(sys.reserve, "Rebalanced")
        .withArgs(X, 0n, 0n, 0n, C.reserve.maxRebalance);
      expect(await liquid()).to.equal(X); // undone: nothing left the reserve
      expect(await strategy.totalSupply()).to.equal(0n);
      expect(await sys.usdc.allowance(reserve, vault)).to.equal(0n);
      let [info] = await sys.reserve.strategies();
      expect([info.failed, info.principal]).to.deep.equal([true, 0n]);

      await strategy.setLeak(101n);
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "StrategyDeposit")
        .withArgs(vault, X, X - 101n)
        .and.to.emit(sys.reserve, "StrategyRecovered")
        .withArgs(vault);
      [info] = await sys.reserve.strategies();
      expect([info.failed, info.principal, info.assets]).to.deep.equal([false, X, X - 101n]);
      expect(await liquid()).to.equal(0n);
    });

    it("the loss check on redemptions: a strategy that leaks beyond the tolerance is undone and skipped, the next pays", async () => {
      await admin.setStrategyCap(vault, USDC(3_000_000));
      const second = await addSecond(USDC(20_000_000));
      await swapIn(USDC(10_000_000));
      await sys.reserve.rebalance(); // 3M first, 5M second, 2M liquid
      // Redeeming ~2M from the first may lose ⌊2M × 0.01 %⌋ + 1 ≈ 200 USDC: it leaks 1,000.
      await strategy.setLeak(USDC(1_000));
      const out = await psm.connect(alice).swapCoinForStable.staticCall(wad(4_000_000), 0n, alice.address);
      const selector = sys.reserve.interface.getError("StrategyLossExceeded")!.selector;
      const tx = psm.connect(alice).swapCoinForStable(wad(4_000_000), 0n, alice.address);
      await expect(tx)
        .to.emit(sys.reserve, "StrategyFailed")
        .withArgs(vault, (reason: string) => reason.startsWith(selector));
      await expect(tx)
        .to.emit(sys.reserve, "StrategyWithdrawal")
        .withArgs(await second.getAddress(), out - USDC(2_000_000));
      const list = await sys.reserve.strategies();
      expect([list[0].assets, list[0].principal, list[0].failed]).to.deep.equal([
        USDC(3_000_000),
        USDC(3_000_000),
        true,
      ]);
      // Within the tolerance it stands (and clears the flag).
      await strategy.setLeak(100n);
      await expect(psm.connect(alice).swapCoinForStable(wad(500_000), 0n, alice.address))
        .to.emit(sys.reserve, "StrategyRecovered")
        .withArgs(vault);
    });

    it("principal: + what left the reserve, − what came back (floored at 0); the cap's room is cap − max(principal, value)", async () => {
      await swapIn(USDC(10_000_000));
      await sys.reserve.rebalance(); // 8M
      const info = async () => (await sys.reserve.strategies())[0];
      expect((await info()).principal).to.equal(USDC(8_000_000));
      await sys.usdc.mint(vault, USDC(2_000_000)); // a gain: value ≈ 10M, principal 8M
      expect((await info()).assets).to.be.closeTo(USDC(10_000_000), 1n);
      expect((await info()).principal).to.equal(USDC(8_000_000));

      // Half liquid: 4M comes back (shares worth at most the shortfall).
      await admin.setLiquidTarget(wad("0.5"));
      await refill();
      const withdrawn = (await sys.reserve.rebalance.staticCall())[1];
      await sys.reserve.rebalance();
      expect(withdrawn).to.be.closeTo(USDC(4_000_000), 2n);
      expect(withdrawn).to.be.lessThanOrEqual(USDC(4_000_000));
      expect((await info()).principal).to.equal(USDC(8_000_000) - withdrawn);
      // All liquid: the ~6M left is more than the ~4M principal left, which floors at 0.
      await admin.setLiquidTarget(wad(1));
      await refill();
      await sys.reserve.rebalance();
      expect((await info()).principal).to.equal(0n);
      expect(await strategy.balanceOf(reserve)).to.be.lessThanOrEqual(1n); // rounding dust at most

      // A loss: value 5M, principal 10M; with a 15M cap the room is 5M, not 10M.
      await admin.setLiquidTarget(0n);
      await refill();
      await sys.reserve.rebalance(); // 10M in
      expect((await info()).principal).to.equal(USDC(10_000_000));
      await strategy.simulateLoss(5_000);
      await admin.setStrategyCap(vault, USDC(15_000_000));
      await sys.usdc.mint(reserve, USDC(20_000_000));
      await refill();
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "StrategyDeposit")
        .withArgs(vault, USDC(5_000_000), anyValue);
      expect((await info()).principal).to.equal(USDC(15_000_000));
    });

    it("the checked exchanges are the reserve's own: anyone else gets NotSelf", async () => {
      const usdc = await sys.usdc.getAddress();
      await expect(sys.reserve.connect(attacker).depositIntoStrategy(vault, usdc, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "NotSelf")
        .withArgs(attacker.address);
      await expect(sys.reserve.connect(attacker).redeemFromStrategy(vault, usdc, 1n, true))
        .to.be.revertedWithCustomError(sys.reserve, "NotSelf")
        .withArgs(attacker.address);
    });
  });

  describe("governance setters", () => {
    it("addStrategy: admin only, checks the address, the asset, the cap bound, duplicates and the count", async () => {
      const f = await ethers.getContractFactory("MockERC4626Strategy");
      const fresh = await (await f.deploy(await sys.usdc.getAddress(), "S", "S")).getAddress();
      await expect(sys.reserve.connect(attacker).addStrategy(fresh, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, ADMIN_ROLE);
      await expect(admin.addStrategy(ZeroAddress, 1n)).to.be.revertedWithCustomError(sys.reserve, "ZeroAddress");
      await expect(admin.addStrategy(vault, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "StrategyExists")
        .withArgs(vault);
      const wethVault = await (await f.deploy(await sys.weth.getAddress(), "W", "W")).getAddress();
      await expect(admin.addStrategy(wethVault, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "StrategyAssetMismatch")
        .withArgs(wethVault, await sys.weth.getAddress(), await sys.usdc.getAddress());
      await expect(admin.addStrategy(fresh, MAX_AMOUNT + 1n))
        .to.be.revertedWithCustomError(sys.reserve, "OutOfBounds")
        .withArgs(MAX_AMOUNT + 1n, 0n, MAX_AMOUNT);
      await expect(admin.addStrategy(fresh, MAX_AMOUNT))
        .to.emit(sys.reserve, "StrategyAdded")
        .withArgs(fresh, MAX_AMOUNT);
      for (let i = 2; i < 8; i++) await addSecond(1n);
      expect((await sys.reserve.strategies()).length).to.equal(8);
      const ninth = await (await f.deploy(await sys.usdc.getAddress(), "9", "9")).getAddress();
      await expect(admin.addStrategy(ninth, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "TooManyStrategies")
        .withArgs(8n);
    });

    it("setStrategyCap: admin only, known strategy, bound, NoChange, event", async () => {
      const cap = C.reserveStrategies[0].cap;
      await expect(sys.reserve.connect(attacker).setStrategyCap(vault, 1n)).to.be.revertedWithCustomError(
        sys.reserve,
        "AccessControlUnauthorizedAccount",
      );
      await expect(admin.setStrategyCap(bob.address, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "UnknownStrategy")
        .withArgs(bob.address);
      await expect(admin.setStrategyCap(vault, cap)).to.be.revertedWithCustomError(sys.reserve, "NoChange");
      await expect(admin.setStrategyCap(vault, MAX_AMOUNT + 1n))
        .to.be.revertedWithCustomError(sys.reserve, "OutOfBounds")
        .withArgs(MAX_AMOUNT + 1n, 0n, MAX_AMOUNT);
      await expect(admin.setStrategyCap(vault, 0n)).to.emit(sys.reserve, "StrategyCapSet").withArgs(vault, cap, 0n);
      // A zero cap stops deposits.
      await swapIn(USDC(1_000_000));
      await sys.reserve.rebalance();
      expect(await sys.reserve.strategyAssets()).to.equal(0n);
    });

    it("removeStrategy: admin only, known strategy, redeems everything first, keeps the order", async () => {
      const second = await addSecond(USDC(1_000_000));
      await swapIn(USDC(10_000_000));
      await sys.reserve.rebalance();
      await expect(sys.reserve.connect(attacker).removeStrategy(vault)).to.be.revertedWithCustomError(
        sys.reserve,
        "AccessControlUnauthorizedAccount",
      );
      await expect(admin.removeStrategy(bob.address))
        .to.be.revertedWithCustomError(sys.reserve, "UnknownStrategy")
        .withArgs(bob.address);
      await strategy.setFailWithdraw(true);
      await expect(admin.removeStrategy(vault)).to.be.revertedWithCustomError(strategy, "WithdrawalsDisabled");
      await strategy.setFailWithdraw(false);
      const value = await sys.reserve.totalReserveValue();
      await expect(admin.removeStrategy(vault))
        .to.emit(sys.reserve, "StrategyRemoved")
        .withArgs(vault, USDC(8_000_000));
      expect(await strategy.balanceOf(reserve)).to.equal(0n);
      expect(await liquid()).to.equal(USDC(10_000_000));
      expect(await sys.reserve.totalReserveValue()).to.equal(value);
      const list = await sys.reserve.strategies();
      expect(list.map((s) => s.vault)).to.deep.equal([await second.getAddress()]);
      await expect(admin.removeStrategy(vault)).to.be.revertedWithCustomError(sys.reserve, "UnknownStrategy");
      // An empty strategy is removed without a call to redeem; it can be added again.
      await expect(admin.removeStrategy(await second.getAddress()))
        .to.emit(sys.reserve, "StrategyRemoved")
        .withArgs(await second.getAddress(), 0n);
      await expect(admin.addStrategy(vault, 1n)).to.emit(sys.reserve, "StrategyAdded");
    });

    it("setLiquidTarget and setMaxRebalance: admin only, bounds, NoChange, events", async () => {
      const t = C.reserve.liquidTarget;
      const m = C.reserve.maxRebalance;
      // One call at a time: a second transaction sent before the first is awaited rejects unobserved.
      for (const call of [
        () => sys.reserve.connect(attacker).setLiquidTarget(1n),
        () => sys.reserve.connect(attacker).setMaxRebalance(1n),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(sys.reserve, "AccessControlUnauthorizedAccount")
          .withArgs(attacker.address, ADMIN_ROLE);
      }
      await expect(admin.setLiquidTarget(t)).to.be.revertedWithCustomError(sys.reserve, "NoChange");
      await expect(admin.setLiquidTarget(wad(1) + 1n))
        .to.be.revertedWithCustomError(sys.reserve, "OutOfBounds")
        .withArgs(wad(1) + 1n, 0n, wad(1));
      await expect(admin.setLiquidTarget(0n)).to.emit(sys.reserve, "LiquidTargetSet").withArgs(t, 0n);
      await expect(admin.setMaxRebalance(m)).to.be.revertedWithCustomError(sys.reserve, "NoChange");
      await expect(admin.setMaxRebalance(MAX_AMOUNT + 1n))
        .to.be.revertedWithCustomError(sys.reserve, "OutOfBounds")
        .withArgs(MAX_AMOUNT + 1n, 0n, MAX_AMOUNT);
      await expect(admin.setMaxRebalance(0n)).to.emit(sys.reserve, "MaxRebalanceSet").withArgs(m, 0n);
      // A zero limit moves nothing.
      await swapIn(USDC(1_000_000));
      await expect(sys.reserve.rebalance())
        .to.emit(sys.reserve, "Rebalanced")
        .withArgs(USDC(1_000_000), 0n, 0n, 0n, 0n);
    });

    it("setRebalanceInterval: admin only, bounds, NoChange, event; the bucket refills at the old rate first", async () => {
      await expect(sys.reserve.connect(attacker).setRebalanceInterval(7_200n))
        .to.be.revertedWithCustomError(sys.reserve, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, ADMIN_ROLE);
      await expect(admin.setRebalanceInterval(INTERVAL)).to.be.revertedWithCustomError(sys.reserve, "NoChange");
      for (const bad of [3_599n, 30n * 86_400n + 1n]) {
        await expect(admin.setRebalanceInterval(bad))
          .to.be.revertedWithCustomError(sys.reserve, "OutOfBounds")
          .withArgs(bad, 3_600n, 30n * 86_400n);
      }
      await swapIn(USDC(30_000_000));
      await sys.reserve.rebalance(); // empties the bucket
      const t0 = BigInt(await time.latest());
      // A quarter of the hour at the old rate: 2.5M; then a day for the whole 10M.
      await time.setNextBlockTimestamp(t0 + INTERVAL / 4n);
      await expect(admin.setRebalanceInterval(86_400n))
        .to.emit(sys.reserve, "RebalanceIntervalSet")
        .withArgs(INTERVAL, 86_400n);
      expect(await sys.reserve.availableRebalance()).to.equal(USDC(2_500_000));
      await time.increase(8_640); // a tenth of a day: 1M more
      expect(await sys.reserve.availableRebalance()).to.equal(USDC(3_500_000));
      expect(await sys.reserve.rebalanceInterval()).to.equal(86_400n);
    });

    it("setMaxRebalance: a raise adds its increase to the bucket at once, a cut caps it", async () => {
      await swapIn(USDC(30_000_000));
      await sys.reserve.rebalance(); // empties the bucket
      const t0 = BigInt(await time.latest());
      await time.setNextBlockTimestamp(t0 + INTERVAL / 10n); // 1M refilled
      await admin.setMaxRebalance(USDC(12_000_000));
      expect(await sys.reserve.availableRebalance()).to.equal(USDC(3_000_000));
      await admin.setMaxRebalance(USDC(2_000_000));
      expect(await sys.reserve.availableRebalance()).to.equal(USDC(2_000_000));
    });
  });

  it("values shares with convertToAssets: a donation to the vault counts only by the reserve's share", async () => {
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance(); // 8M of shares
    await strategy.connect(bob).deposit(USDC(8_000_000), bob.address); // bob holds as many shares
    const valueBefore = await sys.reserve.totalReserveValue();
    await sys.usdc.connect(bob).transfer(vault, USDC(1_000_000)); // donation

    const shares = await strategy.balanceOf(reserve);
    const counted = await strategy.convertToAssets(shares);
    expect(await sys.reserve.strategyAssets()).to.equal(counted);
    expect((await sys.reserve.strategies())[0].assets).to.equal(counted);
    expect(counted).to.be.closeTo(USDC(8_500_000), 1n); // half the donation, not all of it
    expect(counted).to.be.lessThan(await sys.usdc.balanceOf(vault));
    const value = await sys.reserve.totalReserveValue();
    expect(value).to.equal((await liquid()) * SCALE + counted * SCALE);
    expect(value - valueBefore).to.be.lessThanOrEqual(USDC(500_000) * SCALE);
  });
});

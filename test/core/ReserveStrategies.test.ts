/**
 * ReservePool strategies (issue 5): ERC-4626 vaults over the PSM's stable asset (USDC). Registration
 * from the config, rebalance toward the liquid target within the per-call limit and the caps,
 * redemptions pulling from strategies, losses, failing strategies (skipped and flagged), the
 * governance setters, and valuation by convertToAssets (a donation is not counted as the reserve's).
 */
import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";

import { networkConfig } from "../../config/networks";
import { wad } from "../../config/units";
import { adminOf, loadSystem, type System } from "../helpers/fixtures";
import type { MockERC4626Strategy, PegStabilityModule, ReservePool } from "../../typechain-types";

const C = networkConfig("hardhat");
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const SCALE = 10n ** 12n; // USDC units → wad
const MAX_AMOUNT = 10_000_000_000n * 10n ** 6n; // MAX_STRATEGY_AMOUNT_UNITS whole USDC
const ADMIN_ROLE = ethers.ZeroHash;

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
    psm = (await ethers.getContractAt("PegStabilityModule", psmAddress)) as unknown as PegStabilityModule;
    vault = (await deployments.get("USDC_STRATEGY")).address;
    strategy = (await ethers.getContractAt("MockERC4626Strategy", vault)) as unknown as MockERC4626Strategy;
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
    expect(list[0].failed).to.equal(false);
    expect(await strategy.asset()).to.equal(await sys.usdc.getAddress());
    expect(await sys.reserve.liquidTarget()).to.equal(C.reserve.liquidTarget);
    expect(await sys.reserve.maxRebalance()).to.equal(C.reserve.maxRebalance);
    expect(await sys.reserve.hasRole(ADMIN_ROLE, (await deployments.get("Timelock")).address)).to.equal(true);
  });

  it("rebalance deposits the excess above the liquid target, within maxRebalance and the cap, value unchanged", async () => {
    // Config: target 20 %, at most 10M per call, cap 20M.
    await swapIn(USDC(30_000_000));
    const value = await sys.reserve.totalReserveValue();
    expect(value).to.equal(USDC(30_000_000) * SCALE);

    await expect(sys.reserve.connect(bob).rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(30_000_000), USDC(6_000_000), USDC(10_000_000), 0n)
      .and.to.emit(sys.reserve, "StrategyDeposit")
      .withArgs(vault, USDC(10_000_000));
    expect(await liquid()).to.equal(USDC(20_000_000));
    expect((await sys.reserve.strategies())[0].assets).to.equal(USDC(10_000_000));

    // Second call: 14M excess, limit 10M, room 10M.
    await sys.reserve.connect(bob).rebalance();
    expect(await liquid()).to.equal(USDC(10_000_000));
    expect(await sys.reserve.strategyAssets()).to.equal(USDC(20_000_000));

    // Third: 4M excess but the cap is reached: nothing moves, the call still succeeds.
    await expect(sys.reserve.connect(bob).rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(10_000_000), USDC(6_000_000), 0n, 0n);
    expect(await sys.reserve.totalReserveValue()).to.equal(value);
    const line = await usdcValue();
    expect(line.amount).to.equal(USDC(30_000_000));
    expect(line.value).to.equal(value);

    // A higher target withdraws the shortfall, again within maxRebalance.
    await admin.setLiquidTarget(wad("0.9"));
    await expect(sys.reserve.connect(bob).rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(10_000_000), USDC(27_000_000), 0n, USDC(10_000_000))
      .and.to.emit(sys.reserve, "StrategyWithdrawal")
      .withArgs(vault, USDC(10_000_000));
    expect(await liquid()).to.equal(USDC(20_000_000));
    expect(await sys.reserve.totalReserveValue()).to.equal(value);
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

    // It works again: the next successful operation clears the flag.
    await strategy.setFailDeposit(false);
    await admin.setLiquidTarget(wad(1));
    await sys.reserve.rebalance(); // withdraws from the first in order
    expect((await sys.reserve.strategies())[0].failed).to.equal(false);
  });

  it("with every strategy failing, rebalance still succeeds (nothing moves) and redemptions pay from liquid", async () => {
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance();
    await strategy.setFailWithdraw(true);
    await admin.setLiquidTarget(wad(1));
    await expect(sys.reserve.rebalance())
      .to.emit(sys.reserve, "Rebalanced")
      .withArgs(USDC(2_000_000), USDC(10_000_000), 0n, 0n)
      .and.to.emit(sys.reserve, "StrategyFailed");
    await psm.connect(alice).swapCoinForStable(wad(1_000_000), 0n, alice.address); // ≤ liquid
    await expect(psm.connect(alice).swapCoinForStable(wad(2_000_000), 0n, alice.address)).to.be.revertedWithCustomError(
      sys.reserve,
      "InsufficientStable",
    );
  });

  it("a strategy whose views revert is valued at 0 and skipped (flagged) by redemptions; it counts again once they work", async () => {
    await admin.setStrategyCap(vault, USDC(3_000_000));
    const second = await addSecond(USDC(20_000_000));
    await swapIn(USDC(10_000_000));
    await sys.reserve.rebalance(); // 3M first, 5M second, 2M liquid
    const value = await sys.reserve.totalReserveValue();
    await strategy.setFailViews(true);
    expect((await sys.reserve.strategies()).map((s) => s.assets)).to.deep.equal([0n, USDC(5_000_000)]);
    expect(await sys.reserve.totalReserveValue()).to.equal(value - USDC(3_000_000) * SCALE);
    // A redemption beyond liquid: maxWithdraw reverts on the first, so the second pays.
    const out = await psm.connect(alice).swapCoinForStable.staticCall(wad(4_000_000), 0n, alice.address);
    const reason = strategy.interface.encodeErrorResult("ViewsDisabled", []);
    await expect(psm.connect(alice).swapCoinForStable(wad(4_000_000), 0n, alice.address))
      .to.emit(sys.reserve, "StrategyFailed")
      .withArgs(vault, reason)
      .and.to.emit(sys.reserve, "StrategyWithdrawal")
      .withArgs(await second.getAddress(), out - USDC(2_000_000));
    expect((await sys.reserve.strategies())[0].failed).to.equal(true);
    await strategy.setFailViews(false);
    expect((await sys.reserve.strategies())[0].assets).to.equal(USDC(3_000_000));
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
      await expect(sys.reserve.rebalance()).to.emit(sys.reserve, "Rebalanced").withArgs(USDC(1_000_000), 0n, 0n, 0n);
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

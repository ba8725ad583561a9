/**
 * Lendf.me: imBTC is an ERC-777 token, whose transfers call the sender's hook. Lendf.me's `supply`
 * read the account's balance, pulled the tokens (running the attacker's hook, which called
 * `withdraw`), then wrote back the balance it had read plus the deposit: each round doubled the
 * attacker's supply. Ballast takes collateral with transfer hooks the same way (MockReentrantToken,
 * hook target an attacker contract that re-enters as the vault owner): every state-changing vault
 * entry point but `borrow` and `repay` holds a reentrancy guard, the engine's too, and the two
 * unguarded ones (they move only BDOL) see the conservative state, because `deposit` credits nothing
 * before its transfer returns and `withdraw` and `closeVault` write the vault before theirs.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { BaseContract, Interface } from "ethers";

import { wad } from "../../lib/sdk";
import { loadSystem, type System } from "../helpers/fixtures";
import { eventOf, expectUnchanged, freezeRates, liquidate, snapshot, valueUp, wadMulUp } from "../liquidation/helpers";
import { addCollateral } from "./helpers";
import type { MockAggregator, MockReentrantToken, MockReentryAttacker } from "../../typechain-types";

describe(
  "Lendf.me (dForce) — 19 April 2020: imBTC's ERC-777 transfer hook re-entered `withdraw` in the middle of " +
    "`supply`, doubling the attacker's balance each round; ~$25M drained (later returned) (dForce post-mortem, April 2020)",
  () => {
    let sys: System;
    let hook: MockReentrantToken;
    let feed: MockAggregator;
    let attacker: MockReentryAttacker;
    let token: string;
    let manager: string;
    /** The attacker contract's vault: 500 HOOK ($50,000) against 20,000 of debt. */
    let vaultId: bigint;
    /** alice's vault: 500 HOOK against 30,000 of debt (ratio 1.67). */
    let aliceVault: bigint;
    let holders: string[];

    beforeEach(async () => {
      sys = await loadSystem();
      await freezeRates(sys);
      hook = (await ethers.deployContract("MockReentrantToken")) as unknown as MockReentrantToken;
      feed = await addCollateral(sys, hook, 100, { description: "HOOK / USD" });
      attacker = (await ethers.deployContract("MockReentryAttacker")) as unknown as MockReentryAttacker;
      token = await hook.getAddress();
      manager = await sys.vaultManager.getAddress();
      holders = [await attacker.getAddress()];

      await hook.mint(await attacker.getAddress(), wad(1_000));
      await act(hook, "approve", [manager, ethers.MaxUint256]);
      await act(sys.vaultManager, "openVault", [token, wad(500), wad(20_000)]);
      vaultId = await sys.vaultManager.vaultCount();
      await hook.mint(sys.alice.address, wad(500));
      await hook.connect(sys.alice).approve(manager, ethers.MaxUint256);
      await sys.vaultManager.connect(sys.alice).openVault(token, wad(500), wad(30_000));
      aliceVault = await sys.vaultManager.vaultCount();
      // From now on every HOOK transfer calls the attacker contract back (ERC-777's tokensToSend).
      await hook.setHook(await attacker.getAddress(), attacker.interface.encodeFunctionData("onTokenTransfer"));
    });

    /** The attacker contract calls `contract.fn(args)` itself. */
    const act = async (contract: BaseContract, fn: string, args: unknown[]) =>
      attacker.execute(await contract.getAddress(), contract.interface.encodeFunctionData(fn, args));
    /** The next HOOK transfer makes the attacker contract call `contract.fn(args)`. */
    const arm = async (contract: BaseContract, fn: string, args: unknown[]) =>
      attacker.arm(await contract.getAddress(), (contract.interface as Interface).encodeFunctionData(fn, args));
    /** A reverted attempt leaves its call armed: clear it. */
    const disarm = () => attacker.arm(ethers.ZeroAddress, "0x");
    const state = () => snapshot(sys, holders, [hook]);

    it("Lendf.me's move — withdraw from the hook of a deposit — and every other re-entry into a guarded entry point is refused, changing nothing", async () => {
      const { vaultManager: vm } = sys;
      const before = await state();
      const reentry = (trigger: Promise<unknown>) =>
        expect(trigger).to.be.revertedWithCustomError(vm, "ReentrancyGuardReentrantCall");

      // Mid-deposit: withdraw everything, the deposit included; close the vault; open another one.
      await arm(vm, "withdraw", [vaultId, wad(600), await attacker.getAddress()]);
      await reentry(act(vm, "deposit", [vaultId, wad(100)]));
      await arm(vm, "closeVault", [vaultId, await attacker.getAddress()]);
      await reentry(act(vm, "deposit", [vaultId, wad(100)]));
      await arm(vm, "openVault", [token, wad(100), 0n]);
      await reentry(act(vm, "deposit", [vaultId, wad(100)]));
      // Mid-withdraw: withdraw again (a double withdrawal), or deposit what is in flight.
      await arm(vm, "withdraw", [vaultId, wad(100), await attacker.getAddress()]);
      await reentry(act(vm, "withdraw", [vaultId, wad(100), await attacker.getAddress()]));
      await arm(vm, "deposit", [vaultId, wad(100)]);
      await reentry(act(vm, "withdraw", [vaultId, wad(100), await attacker.getAddress()]));
      // Mid-open: top up the existing vault.
      await arm(vm, "deposit", [vaultId, wad(1)]);
      await reentry(act(vm, "openVault", [token, wad(100), 0n]));
      await expectUnchanged(sys, before, holders, [hook]);
      expect(await attacker.reentries()).to.equal(0n);

      // Without the hook call each of these works: the guard, not a balance check, is what refused them.
      await disarm();
      await act(vm, "deposit", [vaultId, wad(100)]);
      await act(vm, "withdraw", [vaultId, wad(100), await attacker.getAddress()]);
      expect((await vm.vaultInfo(vaultId)).collateralAmount).to.equal(wad(500));
    });

    it("the unguarded borrow, re-entered from a hook, sees only the conservative state: no collateral counted twice", async () => {
      const { vaultManager: vm } = sys;
      const me = await attacker.getAddress();
      // HOOK's stability fee is exactly 1 RAY from its registration: debts are exact.
      expect(await vm.debtOf(vaultId)).to.equal(wad(20_000));
      const before = await state();
      // Mid-deposit the 100 HOOK are not credited yet: 12,000 more (32,000 needs 51,200) is refused at the
      // old 50,000, though it fits the 60,000 the vault has once the deposit returns.
      await arm(vm, "borrow", [vaultId, wad(12_000), me]);
      await expect(act(vm, "deposit", [vaultId, wad(100)]))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(vaultId, wad(50_000), wad(51_200));
      // Mid-withdraw the 150 HOOK are already debited: 2,000 more (22,000 needs 35,200) is refused at 35,000.
      await arm(vm, "borrow", [vaultId, wad(2_000), me]);
      await expect(act(vm, "withdraw", [vaultId, wad(150), me]))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(vaultId, wad(35_000), wad(35_200));
      // Mid-close the vault is already gone.
      await arm(vm, "borrow", [vaultId, wad(1), me]);
      await expect(act(vm, "closeVault", [vaultId, me]))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(vaultId);
      await expectUnchanged(sys, before, holders, [hook]);

      // A borrow the pre-deposit state allows goes through from the hook exactly as a direct one would:
      // 1,000 of stablecoin for 1,000 of debt, nothing more.
      const debt = await vm.debtOf(vaultId);
      const coin = await sys.bdol.balanceOf(me);
      await arm(vm, "borrow", [vaultId, wad(1_000), me]);
      await act(vm, "deposit", [vaultId, wad(100)]);
      expect(await attacker.reentries()).to.equal(1n);
      expect(await sys.bdol.balanceOf(me)).to.equal(coin + wad(1_000));
      expect(await vm.debtOf(vaultId)).to.be.gte(debt + wad(1_000));
      expect((await vm.vaultInfo(vaultId)).collateralAmount).to.equal(wad(600));
      expect(await hook.balanceOf(manager)).to.equal((await vm.collateralConfig(token)).totalCollateral);
    });

    it("re-entering the engine from a hook during a liquidation or a take is refused: no second seizure, no second sale", async () => {
      const { vaultManager: vm, engine: eng } = sys;
      const me = await attacker.getAddress();
      // HOOK falls 100 → 80: alice's vault (40,000 against 30,000 × 1.5) can be liquidated, the attacker's cannot.
      await feed.updateAnswer(80n * 10n ** 8n);
      await sys.oracle.recordPrice(token);

      // Mid-seizure (the vault manager sends the lot to the engine): liquidate again, take, or withdraw.
      const before = await state();
      for (const [contract, fn, args] of [
        [eng, "liquidate", [aliceVault, me]],
        [eng, "take", [1n, wad(1), wad(1_000), me, "0x"]],
        [vm, "withdraw", [vaultId, wad(1), me]],
      ] as [BaseContract, string, unknown[]][]) {
        await arm(contract, fn, args);
        await expect(liquidate(sys, aliceVault)).to.be.revertedWithCustomError(eng, "ReentrancyGuardReentrantCall");
      }
      await expectUnchanged(sys, before, holders, [hook]);

      // Unarmed, the liquidation starts auction 1: 500 HOOK for a tab of 33,000.
      await disarm();
      const tx = await liquidate(sys, aliceVault);
      expect((await eventOf(tx, eng, "Liquidated")).auctionId).to.equal(1n);
      expect((await eng.auctionInfo(1n)).tab).to.equal(wadMulUp(wad(30_000), wad("1.1")));

      // Mid-take (the engine sends the attacker its HOOK): take again, restart the auction, liquidate.
      const during = await state();
      for (const [fn, args] of [
        ["take", [1n, wad(100), wad(1_000), me, "0x"]],
        ["redo", [1n, me]],
        ["liquidate", [aliceVault, me]],
      ] as [string, unknown[]][]) {
        await arm(eng, fn, args);
        await expect(act(eng, "take", [1n, wad(100), wad(1_000), me, "0x"])).to.be.revertedWithCustomError(
          eng,
          "ReentrancyGuardReentrantCall",
        );
      }
      await expectUnchanged(sys, during, holders, [hook]);

      // The honest take: 100 HOOK at the auction price, paid in full.
      await disarm();
      const hookBefore = await hook.balanceOf(me);
      const coinBefore = await sys.bdol.balanceOf(me);
      const taken = await eventOf(await act(eng, "take", [1n, wad(100), wad(1_000), me, "0x"]), eng, "Taken");
      expect(taken.collateralAmount).to.equal(wad(100));
      expect(taken.paid).to.equal(valueUp(wad(100), 18n, taken.price as bigint));
      expect(await hook.balanceOf(me)).to.equal(hookBefore + wad(100));
      expect(await sys.bdol.balanceOf(me)).to.equal(coinBefore - (taken.paid as bigint));
    });
  },
);

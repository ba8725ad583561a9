/**
 * bZx and Inverse Finance: flash-loaned capital moved the price a lending protocol read (a DEX spot
 * price for bZx, a short SushiSwap TWAP for Inverse), and the protocol lent against it in the same
 * transaction. Ballast reads no price from a balance or a pool it can be moved in: collateral prices
 * come from the oracle adapter (Chainlink-style rounds, a circuit breaker), health factors from stored
 * vault amounts, and the reserve's figures from its own holdings. A flash mint of the whole BDOL
 * maximum therefore changes nothing Ballast reads: a borrower contract (MockFlashRecorder) reads
 * every health factor, price, ratio and reserve figure, and the lens snapshot, before the loan and
 * inside its callback, in one transaction; then it tries to liquidate, borrow and move the risk
 * controller while holding the loan.
 *
 * Not covered yet: Ballast's own market price of BDOL (MarketPriceFeed, a Uniswap v3 TWAP read by the
 * risk controller's peg term) is not in this codebase; when it lands, a multi-block TWAP
 * manipulation test belongs here.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, ContractTransactionResponse } from "ethers";

import { RAY, wad } from "../../lib/sdk";
import { loadSystem, openVault, type System } from "../helpers/fixtures";
import {
  donateToReserve,
  eventsOf,
  freezeRates,
  liquidate,
  spareBdol,
  unhealthyVault,
  wadMulUp,
} from "../liquidation/helpers";
import type { MockFlashRecorder, PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

/** MockFlashRecorder.Phase. */
enum Phase {
  Before,
  During,
}

interface View {
  label: string;
  contract: BaseContract;
  fn: string;
  args: unknown[];
}

/** An ethers Result (and every Result in it) as plain arrays, for deep comparison. */
const plain = (v: unknown): unknown => (Array.isArray(v) ? Array.from(v, plain) : v);

describe(
  "bZx (15 and 18 February 2020) and Inverse Finance (2 April 2022): flash-loaned capital moved a DEX spot " +
    "price / a short TWAP that the lender read, and it lent against it in the same transaction; ~$1M (bZx) and " +
    "~$15.6M (Inverse) (bZx post-mortems, February 2020; Inverse Finance post-mortem, April 2022)",
  () => {
    let sys: System;
    let psm: PegStabilityModule;
    let recorder: MockFlashRecorder;
    let bdol: string;
    /** The flash-mint maximum and its fee. */
    let amount: bigint;
    let fee: bigint;
    /** alice's WETH vault at exactly its borrow ratio; carol's liquidated vault (auction 1). */
    let aliceVault: bigint;

    beforeEach(async () => {
      sys = await loadSystem();
      await freezeRates(sys);
      psm = (await contractAt(hre, "PegStabilityModule", "PegStabilityModule")) as unknown as PegStabilityModule;
      bdol = await sys.bdol.getAddress();

      // A live book: an auction (carol's vault, ETH 3,000 → 2,500), a WBTC vault, the reserve holding
      // stablecoin, the PSM holding USDC, and alice's vault right at its 160 % borrow ratio (health 1.067).
      await liquidate(sys, await unhealthyVault(sys, sys.carol));
      await donateToReserve(sys, sys.bob, wad(20_000));
      await sys.usdc.mint(sys.bob.address, 100_000n * 10n ** 6n);
      await sys.usdc.connect(sys.bob).approve(await psm.getAddress(), ethers.MaxUint256);
      await psm.connect(sys.bob).swapStableForCoin(100_000n * 10n ** 6n, 0n, sys.bob.address);
      aliceVault = await openVault(sys, sys.alice, sys.weth, wad(10), wad(15_624)); // 25,000 / 1.6 = 15,625

      recorder = (await ethers.deployContract("MockFlashRecorder", [bdol])) as unknown as MockFlashRecorder;
      amount = await sys.bdol.maxFlashLoan(bdol);
      expect(amount).to.equal(wad(10_000_000));
      fee = await sys.bdol.flashFee(bdol, amount);
      // The attacker pays the flash fee from its own stablecoin.
      await spareBdol(sys, sys.attacker, wad(10_000));
      await sys.bdol.connect(sys.attacker).transfer(await recorder.getAddress(), fee);
    });

    /** Every figure Ballast reads to decide a borrow, a liquidation, an auction price or a reserve move. */
    async function views(): Promise<View[]> {
      const { vaultManager: vm, oracle, engine, reserve, lens, risk } = sys;
      const list: View[] = [];
      const add = (label: string, contract: BaseContract, fn: string, args: unknown[] = []) =>
        list.push({ label, contract, fn, args });
      const count = await vm.vaultCount();
      for (let id = 1n; id <= count; id++) {
        add(`healthFactor(${id})`, vm, "healthFactor", [id]);
        add(`vaultInfo(${id})`, vm, "vaultInfo", [id]);
      }
      for (const token of [sys.weth, sys.wbtc]) {
        const c = await token.getAddress();
        add(`collateralConfig(${c})`, vm, "collateralConfig", [c]);
        add(`totalDebt(${c})`, vm, "totalDebt", [c]);
        add(`volatility(${c})`, oracle, "volatility", [c]);
        add(`stressLossNow(${c})`, risk, "stressLossNow", [c]);
      }
      for (const asset of [sys.weth, sys.wbtc, sys.usdc, sys.bdol]) {
        add(`getPrice(${await asset.getAddress()})`, oracle, "getPrice", [await asset.getAddress()]);
      }
      add("auctionPrice(1)", engine, "auctionPrice", [1n]);
      add("auctionInfo(1)", engine, "auctionInfo", [1n]);
      add("totalDebtUnderAuction", engine, "totalDebtUnderAuction");
      for (const fn of ["totalReserveValue", "reserveRatio", "stabilityBuffer", "surplus", "deficit", "composition"]) {
        add(fn, reserve, fn);
      }
      for (const fn of ["stablePrice", "availableOutflow", "minted"]) add(fn, psm, fn);
      add("reserveTargetNow", risk, "reserveTargetNow");
      add("vaultsHealth", lens, "vaultsHealth", [1n, count]);
      add("activeAuctions", lens, "activeAuctions", [1n, 10n]);
      add("systemSnapshot", lens, "systemSnapshot");
      return list;
    }

    const calls = (list: View[]) =>
      Promise.all(
        list.map(async (v) => ({
          target: await v.contract.getAddress(),
          data: v.contract.interface.encodeFunctionData(v.fn, v.args),
        })),
      );

    /** Each view's decoded result per phase, from the recorder's events. */
    async function recorded(tx: ContractTransactionResponse, list: View[]): Promise<Record<Phase, unknown[]>> {
      const out: Record<Phase, unknown[]> = { [Phase.Before]: [], [Phase.During]: [] };
      for (const e of await eventsOf(tx, recorder, "Recorded")) {
        const v = list[Number(e.index)];
        out[Number(e.phase) as Phase][Number(e.index)] = decode(v, e.result);
      }
      for (const phase of [Phase.Before, Phase.During]) expect(out[phase].length).to.equal(list.length);
      return out;
    }
    const decode = (v: View, data: string) => plain(v.contract.interface.decodeFunctionResult(v.fn, data));

    it("a flash mint of the whole maximum moves no health factor, price, ratio or reserve figure Ballast reads", async () => {
      const list = await views();
      const supply = await sys.bdol.totalSupply();
      const reserveBalance = await sys.bdol.balanceOf(await sys.reserve.getAddress());
      const tx = await recorder.run(bdol, amount, await calls(list), []);
      const { [Phase.Before]: before, [Phase.During]: during } = await recorded(tx, list);
      expect(await recorder.balanceDuringLoan()).to.equal(amount + fee);

      // The lens reports the stablecoin supply, and a flash mint is supply while it lasts: that one
      // figure grows by exactly the loan. Every other figure — in the lens and everywhere else — is equal.
      const snapshotIndex = list.findIndex((v) => v.fn === "systemSnapshot");
      const supplyIndex = sys.lens.interface
        .getFunction("systemSnapshot")!
        .outputs[0].components!.findIndex((c) => c.name === "stablecoinSupply");
      const snapBefore = (before[snapshotIndex] as unknown[][])[0];
      const snapDuring = (during[snapshotIndex] as unknown[][])[0];
      expect(snapBefore[supplyIndex]).to.equal(supply);
      expect(snapDuring[supplyIndex]).to.equal(supply + amount);
      snapDuring[supplyIndex] = supply;
      list.forEach((v, i) => expect(during[i], `${v.label} inside the flash mint`).to.deep.equal(before[i]));

      // After the loan only the fee remains: supply is back, the reserve received the fee, and the vaults,
      // prices and auction read as before (the figures that do not move with the clock, read in a later block).
      expect(await sys.bdol.totalSupply()).to.equal(supply);
      expect(await sys.bdol.balanceOf(await sys.reserve.getAddress())).to.equal(reserveBalance + fee);
      const timeless = [
        "healthFactor",
        "vaultInfo",
        "collateralConfig",
        "totalDebt",
        "getPrice",
        "vaultsHealth",
        "auctionInfo",
      ];
      for (const [i, v] of list.entries()) {
        if (!timeless.includes(v.fn)) continue;
        const data = v.contract.interface.encodeFunctionData(v.fn, v.args);
        const now = decode(v, await ethers.provider.call({ to: await v.contract.getAddress(), data }));
        expect(now, `${v.label} after the flash mint`).to.deep.equal(before[i]);
      }
    });

    it("holding the loan, the attacker can neither liquidate a healthy vault nor borrow past the ratio it read outside", async () => {
      const { vaultManager: vm, engine } = sys;
      const hf = await vm.healthFactor(aliceVault);
      expect(hf).to.be.gt(wad(1)); // 25,000 / (15,624 × 1.5)
      const attempt = async (target: BaseContract, data: string) =>
        recorder.run(bdol, amount, [], [{ target: await target.getAddress(), data }]);

      // The liquidation bZx-style manipulation aims at: refused with the same health factor as outside.
      await expect(
        attempt(engine, engine.interface.encodeFunctionData("liquidate", [aliceVault, sys.attacker.address])),
      )
        .to.be.revertedWithCustomError(vm, "VaultNotLiquidatable")
        .withArgs(aliceVault, hf);

      // Borrowing 2 more on alice's vault (the recorder is her operator) is refused inside the loan with
      // exactly the value and requirement a plain borrow is refused with outside it.
      await vm.connect(sys.alice).setOperator(await recorder.getAddress(), true);
      const debt = await vm.debtOf(aliceVault);
      let outside: unknown[] = [];
      try {
        await vm.connect(sys.alice).borrow.staticCall(aliceVault, wad(2), sys.alice.address);
      } catch (e) {
        const parsed = vm.interface.parseError((e as { data: string }).data)!;
        expect(parsed.name).to.equal("BelowBorrowRatio");
        outside = [...parsed.args];
      }
      // 25,000 of WETH against (debt + 2) × 1.6, the new debt rounded up by a few wei.
      expect(outside.slice(0, 2)).to.deep.equal([aliceVault, wad(25_000)]);
      expect((outside[2] as bigint) - wadMulUp(debt + wad(2), wad("1.6"))).to.be.within(0n, 10n);
      await expect(attempt(vm, vm.interface.encodeFunctionData("borrow", [aliceVault, wad(2), sys.attacker.address])))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(...outside);
      expect(await vm.debtOf(aliceVault)).to.equal(debt);
    });

    it("a risk-controller poke made while holding the loan sets exactly what a poke without it sets", async () => {
      const { vaultManager: vm, risk } = sys;
      const collaterals = await vm.collaterals();
      const outputs = async () => ({
        state: plain(await risk.state()),
        collaterals: await Promise.all(
          collaterals.map(async (c) => [plain(await vm.collateralConfig(c)), plain(await risk.collateralState(c))]),
        ),
      });
      const t = BigInt(await time.latest()) + 60n;
      const fork = await takeSnapshot();
      await time.setNextBlockTimestamp(t);
      const poke = { target: await risk.getAddress(), data: risk.interface.encodeFunctionData("poke") };
      await recorder.run(bdol, amount, [], [poke]);
      const withLoan = await outputs();
      await fork.restore();
      await time.setNextBlockTimestamp(t);
      await risk.connect(sys.keeper).poke();
      const withoutLoan = await outputs();
      expect(withLoan).to.deep.equal(withoutLoan);
      // The poke did run inside the callback, and moved the fees off the 1 RAY the set-up froze them at.
      expect((withLoan.state as unknown[])[0]).to.equal(t);
      expect((await vm.collateralConfig(collaterals[0])).stabilityFee).to.not.equal(RAY);
    });
  },
);

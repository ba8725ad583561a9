/**
 * Euler: `donateToReserves` let an account give away collateral (eTokens) without the health check
 * every other action ran, so the attacker could push its own leveraged account under water and then
 * liquidate it itself, collecting a liquidation discount larger than the loss. Ballast has no
 * unchecked way to lower a vault's collateral (`withdraw` checks the borrow ratio), reads vault
 * collateral from stored amounts rather than balances (a token sent to the vault manager, the engine
 * or the reserve is nobody's collateral), and its liquidation penalty is never below the keeper's
 * reward cap, so a self-liquidation always costs the owner the penalty net of the reward.
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, openVault, type System } from "../helpers/fixtures";
import {
  GWEI,
  KEEPER,
  PENALTY,
  at,
  eventOf,
  freezeRates,
  liquidate,
  priceAt,
  spareBdol,
  timeOf,
  unhealthyVault,
  wadMulDown,
} from "../liquidation/helpers";
import { worth } from "./helpers";

const ETH_2500 = wad(2_500);
/** First second at which the multiplier 1.1 × (7200 − t) / 7200 is below the 0.9 floor. */
const FLOOR_BREACH = 1_310n;

describe(
  "Euler Finance — 13 March 2023: `donateToReserves` lowered an account's collateral without a health check, " +
    "and the attacker liquidated its own under-water account at a discount; ~$197M (later returned) " +
    "(Euler Finance post-mortem, March 2023)",
  () => {
    let sys: System;
    let attacker: HardhatEthersSigner;

    beforeEach(async () => {
      sys = await loadSystem();
      attacker = sys.attacker;
      await freezeRates(sys);
    });

    it("no donation — WETH or BDOL, to the vault manager, the engine or the reserve — moves a health factor or makes a vault liquidatable", async () => {
      const { vaultManager: vm, engine, reserve, lens, weth, bdol } = sys;
      // The attacker's vault at its 160 % borrow ratio (30,000 of WETH for 18,749), alice's with room.
      const own = await openVault(sys, attacker, weth, wad(10), wad(18_749));
      const alice = await openVault(sys, sys.alice, weth, wad(10), wad(15_000));
      const health = async () => [await vm.healthFactor(own), await vm.healthFactor(alice)];
      const before = await health();
      const pageBefore = await lens.vaultsHealth(1n, 2n);
      const totalCollateral = (await vm.collateralConfig(await weth.getAddress())).totalCollateral;
      const bufferBefore = await reserve.stabilityBuffer();

      // Euler's move was a donation out of the account; the nearest Ballast has is tokens sent to the
      // protocol's contracts with no vault attached.
      await weth.mint(attacker.address, wad(15));
      for (const to of [vm, engine, reserve]) {
        await weth.connect(attacker).transfer(await to.getAddress(), wad(5));
        await bdol.connect(attacker).transfer(await to.getAddress(), wad(1_000));
      }

      expect(await health()).to.deep.equal(before);
      expect(await lens.vaultsHealth(1n, 2n)).to.deep.equal(pageBefore);
      for (const [id, hf] of [
        [own, before[0]],
        [alice, before[1]],
      ]) {
        await expect(liquidate(sys, id, { caller: attacker, keeper: attacker.address }))
          .to.be.revertedWithCustomError(vm, "VaultNotLiquidatable")
          .withArgs(id, hf);
      }
      // The donated WETH is nobody's collateral, and the only way out of a vault is the checked withdraw.
      expect((await vm.collateralConfig(await weth.getAddress())).totalCollateral).to.equal(totalCollateral);
      expect(await weth.balanceOf(await vm.getAddress())).to.equal(totalCollateral + wad(5));
      await expect(vm.connect(attacker).withdraw(own, wad("0.001"), attacker.address)).to.be.revertedWithCustomError(
        vm,
        "BelowBorrowRatio",
      );
      // The reserve only got richer: its buffer grew by its share of the 1,000 BDOL.
      expect(await reserve.stabilityBuffer()).to.equal(
        bufferBefore + wadMulDown(wad(1_000), await reserve.bufferShare()),
      );
    });

    it("self-liquidation through the buffer the attacker filled with a donation costs the donation and the penalty, net of the reward", async () => {
      const { reserve, bdol, vaultManager: vm } = sys;
      await spareBdol(sys, attacker, wad(40_000)); // its own WBTC vault: unchanged below (BTC and rates fixed)
      // The market puts the attacker's vault under water (10 WETH, 18,000 of debt, ETH 3,000 → 2,500).
      const id = await unhealthyVault(sys, attacker);
      const debt = await vm.debtOf(id);
      const before = await worth(sys, attacker.address, ETH_2500, [id]);

      // It donates enough for the buffer to absorb its whole debt, then liquidates itself at the largest
      // keeper reward a gas spike can pay (1,000 gwei: the reward hits its 2 % cap).
      const donation = wad(25_000);
      await bdol.connect(attacker).transfer(await reserve.getAddress(), donation);
      expect(await reserve.stabilityBuffer()).to.be.gte(debt);
      const tx = await liquidate(sys, id, { caller: attacker, keeper: attacker.address, basefee: 1_000n * GWEI });
      const seized = await eventOf(tx, vm, "VaultSeized");
      expect(seized.absorbedDebt).to.equal(debt);
      const reward = (await eventOf(tx, sys.engine, "Liquidated")).reward as bigint;
      expect(reward).to.equal(wadMulDown(debt, KEEPER.maxRewardShare));

      const loss = before - (await worth(sys, attacker.address, ETH_2500, [id]));
      // 25,000 donated + 1,800 of penalty − 360 of reward, to a few wei of rounding (in the protocol's favour).
      expect(loss - (donation + wadMulDown(debt, PENALTY) - reward)).to.be.within(0n, 10_000n);
      expect(loss).to.be.gte(donation + wadMulDown(debt, PENALTY - KEEPER.maxRewardShare));
    });

    it("self-liquidation through an auction the owner takes itself, at the best price it can wait for, costs the penalty net of the reward", async () => {
      const { engine, vaultManager: vm } = sys;
      await spareBdol(sys, attacker, wad(30_000));
      const id = await unhealthyVault(sys, attacker);
      const debt = await vm.debtOf(id);
      const before = await worth(sys, attacker.address, ETH_2500, [id]);

      // The buffer is empty: the whole debt goes to auction. The owner waits until the last second above
      // the floor (the cheapest takeable price) and buys the lot itself.
      const tx = await liquidate(sys, id, { caller: attacker, keeper: attacker.address, basefee: 1_000n * GWEI });
      const reward = (await eventOf(tx, engine, "Liquidated")).reward as bigint;
      const t0 = await timeOf(tx);
      await at(t0, FLOOR_BREACH - 1n);
      const take = await engine.connect(attacker).take(1n, wad(10), wad(1_000_000), attacker.address, "0x");
      const taken = await eventOf(take, engine, "Taken");
      expect(taken.price).to.equal(priceAt(ETH_2500, FLOOR_BREACH - 1n));
      expect((await eventOf(take, engine, "AuctionEnded")).shortfall).to.equal(0n);

      // It paid the whole tab (debt + 10 %) and got its leftover back as the owner: the penalty is gone.
      const loss = before - (await worth(sys, attacker.address, ETH_2500, [id]));
      expect(loss - (wadMulDown(debt, PENALTY) - reward)).to.be.within(0n, 10_000n);
      expect(loss).to.be.gte(wadMulDown(debt, PENALTY - KEEPER.maxRewardShare));
    });

    it("governance cannot open the gap Euler's discount lived in: the reward cap never exceeds a penalty, either way round", async () => {
      const weth = await sys.weth.getAddress();
      const vm = sys.vaultManager.connect(await adminOf(sys.vaultManager));
      const engine = sys.engine.connect(await adminOf(sys.engine));
      await vm.setLiquidationPenalty(weth, wad("0.05"));
      await expect(engine.setMaxRewardShare(wad("0.06")))
        .to.be.revertedWithCustomError(engine, "RewardShareAbovePenalty")
        .withArgs(weth, wad("0.05"), wad("0.06"));
      expect((await sys.engine.keeperRewardParams()).maxRewardShare).to.equal(KEEPER.maxRewardShare);
      await time.increase(24 * 3600); // a penalty moves at most once a day
      await expect(vm.setLiquidationPenalty(weth, KEEPER.maxRewardShare - 1n))
        .to.be.revertedWithCustomError(vm, "PenaltyBelowKeeperReward")
        .withArgs(KEEPER.maxRewardShare - 1n, KEEPER.maxRewardShare);
      expect((await sys.vaultManager.collateralConfig(weth)).liquidationPenalty).to.equal(wad("0.05"));
    });
  },
);

import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { networkConfig } from "../../config/networks";
import { WAD, wad } from "../../config/units";
import { loadSystem, openVault, type System } from "../helpers/fixtures";
import type { ReservePool } from "../../typechain-types";

const LOCAL = networkConfig("hardhat");
const ADMIN_ROLE = ethers.ZeroHash;
const DAY = 24 * 3600;

describe("ReservePool", () => {
  let sys: System;
  let reserve: ReservePool;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob } = sys);
    reserve = sys.reserve;
  });

  /** The reserve's stablecoin splits into buffer and surplus; with no collateral held its value is that balance. */
  async function expectReserveValue(expected: bigint) {
    expect((await reserve.surplus()) + (await reserve.stabilityBuffer())).to.equal(expected);
    expect(await reserve.totalReserveValue()).to.equal(expected);
    expect(await sys.bdol.balanceOf(await reserve.getAddress())).to.equal(expected);
  }

  describe("constructor", () => {
    it("rejects a zero stablecoin or admin", async () => {
      const factory = await ethers.getContractFactory("ReservePool");
      const bdol = await sys.bdol.getAddress();
      await expect(factory.deploy(ethers.ZeroAddress, alice.address, 0n)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      await expect(factory.deploy(bdol, ethers.ZeroAddress, 0n)).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(factory.deploy(ethers.ZeroAddress, ethers.ZeroAddress, 0n)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
    });

    it("stores the stablecoin and grants the admin role", async () => {
      const fresh = await ethers.deployContract("ReservePool", [await sys.bdol.getAddress(), alice.address, 0n]);
      expect(await fresh.stablecoin()).to.equal(await sys.bdol.getAddress());
      expect(await fresh.hasRole(ADMIN_ROLE, alice.address)).to.equal(true);
      expect(await fresh.hasRole(ADMIN_ROLE, bob.address)).to.equal(false);
      expect(await fresh.surplus()).to.equal(0n);
    });

    it("is the deployed system's reserve: the vault manager's and the stablecoin's fee recipient", async () => {
      expect(await reserve.stablecoin()).to.equal(await sys.bdol.getAddress());
      expect(await sys.vaultManager.reserve()).to.equal(await reserve.getAddress());
      expect(await sys.bdol.feeRecipient()).to.equal(await reserve.getAddress());
      await expectReserveValue(0n);
    });
  });

  describe("surplus and totalReserveValue", () => {
    it("grow by the stability fees once accrued fees are minted", async () => {
      const vm = sys.vaultManager;
      const weth = await sys.weth.getAddress();
      const wbtc = await sys.wbtc.getAddress();
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(20_000));
      await time.increase(90 * DAY);

      // Fees accrue lazily: owed to the reserve, but not in its balance until minted.
      const pendingWeth = await vm.pendingFees(weth);
      expect(pendingWeth).to.be.gt(0n);
      await expectReserveValue(0n);

      const tx = await vm.accrue(weth);
      const minted = (await tx.wait())!.logs.map((l) => vm.interface.parseLog(l)).find((e) => e?.name === "FeesMinted")!
        .args.amount as bigint;
      // 90 days and one block at 2 % a year on 10,000: ~48.9.
      expect(minted).to.be.within(pendingWeth, pendingWeth + wad("0.001"));
      expect(minted).to.be.within(wad(48), wad(50));
      await expectReserveValue(minted);

      const pendingWbtc = await vm.pendingFees(wbtc);
      await vm.accrue(wbtc);
      const surplus = await sys.bdol.balanceOf(await reserve.getAddress());
      expect(surplus - minted).to.be.within(pendingWbtc, pendingWbtc + wad("0.001"));
      await expectReserveValue(surplus);
      // And the supply identity: everything outside the borrowers' hands is the reserve's.
      expect(await sys.bdol.totalSupply()).to.equal(wad(30_000) + surplus);
    });

    it("grow by flash-mint fees", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      const borrower = await ethers.deployContract("MockFlashBorrower", [await sys.bdol.getAddress()]);
      await sys.bdol.connect(alice).transfer(await borrower.getAddress(), wad(100));

      const amount = wad(50_000);
      const fee = (amount * LOCAL.stablecoin.flashFeeRate + WAD - 1n) / WAD; // 25
      expect(fee).to.equal(wad(25));
      await borrower.borrow(amount);
      await expectReserveValue(fee);
      await borrower.borrow(amount);
      await expectReserveValue(2n * fee);
    });

    it("count a donation (the reserve only gets richer)", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await sys.bdol.connect(alice).transfer(await reserve.getAddress(), wad(123));
      await expectReserveValue(wad(123));
    });
  });
});

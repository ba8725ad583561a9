import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { impersonateAccount, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";

import { networkConfig } from "../../config/networks";
import { WAD, wad } from "../../lib/sdk";
import { adminOf, loadSystem, openVault, type System } from "../helpers/fixtures";
import type { ReservePool } from "../../typechain-types";
import {
  BUFFER_SHARE,
  BOUNDS,
  donateToReserve,
  expectSupplyIdentity,
  expectUnchanged,
  freezeRates,
  liquidate,
  reserveHolding,
  setEthPrice,
  snapshot,
  spareBdol,
  unhealthyVault,
  valueDown,
  valueUp,
  wadDivDown,
  wadMulDown,
} from "../liquidation/helpers";
import { contractAt } from "../../lib/sdk/hardhat";

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

  // --------------------------------------------------------------------------- liquidation side

  describe("constructor bounds and deployment", () => {
    it("rejects a buffer share above 100 % (OutOfBounds) and announces the initial share", async () => {
      const factory = await ethers.getContractFactory("ReservePool");
      const bdol = await sys.bdol.getAddress();
      await expect(factory.deploy(bdol, alice.address, WAD + 1n))
        .to.be.revertedWithCustomError(factory, "OutOfBounds")
        .withArgs(WAD + 1n, 0n, BOUNDS.MAX_BUFFER_SHARE);
      const fresh = await factory.deploy(bdol, alice.address, WAD);
      await expect(fresh.deploymentTransaction()).to.emit(fresh, "BufferShareSet").withArgs(0n, WAD);
      expect(await fresh.bufferShare()).to.equal(WAD);
      // Not wired yet: no vault manager, no engine, a stablecoin-only composition.
      expect([await fresh.vaultManager(), await fresh.liquidationEngine()]).to.deep.equal([ZeroAddress, ZeroAddress]);
      expect((await fresh.composition()).map((h) => [...h])).to.deep.equal([[bdol, 0n, 0n]]);
      expect(await fresh.reserveRatio()).to.equal(ethers.MaxUint256);
      await expect(fresh.sellCollateral(await sys.weth.getAddress(), 1n)).to.be.revertedWithCustomError(
        fresh,
        "NotConfigured",
      );
      // No PSM yet: nothing to rebalance, said as such.
      await expect(fresh.rebalance()).to.be.revertedWithCustomError(fresh, "NotConfigured");
    });

    it("is wired by deploy/02, /05 and /08: buffer share, vault manager, engine, PSM, a line per collateral and USDC", async () => {
      expect(await reserve.bufferShare()).to.equal(LOCAL.reserve.bufferShare);
      expect(await reserve.vaultManager()).to.equal(await sys.vaultManager.getAddress());
      expect(await reserve.liquidationEngine()).to.equal(await sys.engine.getAddress());
      expect(await reserve.pegStabilityModule()).to.equal((await deployments.get("PegStabilityModule")).address);
      const lines = (await reserve.composition()).map((h) => [...h]);
      expect(lines).to.deep.equal([
        [await sys.bdol.getAddress(), 0n, 0n],
        [await sys.weth.getAddress(), 0n, 0n],
        [await sys.wbtc.getAddress(), 0n, 0n],
        [await sys.usdc.getAddress(), 0n, 0n],
      ]);
      expect([await reserve.deficit(), await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([
        0n,
        0n,
        0n,
      ]);
    });
  });

  describe("stability buffer, surplus and deficit", () => {
    let engineSigner: HardhatEthersSigner;
    let keeperAddress: string;
    let reserveAddress: string;

    beforeEach(async () => {
      await freezeRates(sys);
      const engineAddress = await sys.engine.getAddress();
      await impersonateAccount(engineAddress);
      await setBalance(engineAddress, 10n ** 20n);
      engineSigner = await ethers.getSigner(engineAddress);
      keeperAddress = sys.keeper.address;
      reserveAddress = await reserve.getAddress();
      await spareBdol(sys, bob, wad(10_000)); // bob's pocket for further transfers
    });

    it("splits the free balance: buffer = ⌊free × share⌋, surplus = the rest", async () => {
      await donateToReserve(sys, bob, wad(1_000));
      expect(await reserve.stabilityBuffer()).to.equal(wad(800));
      expect(await reserve.surplus()).to.equal(wad(200));
      // Rounding: the buffer rounds down, the surplus takes the wei.
      await sys.bdol.connect(bob).transfer(reserveAddress, 1n);
      expect(await reserve.stabilityBuffer()).to.equal(wad(800));
      expect(await reserve.surplus()).to.equal(wad(200) + 1n);
    });

    it("pays a keeper from its balance and mints what it lacks into deficit (payKeeper, engine only)", async () => {
      await donateToReserve(sys, bob, wad(30));
      const supply = await sys.bdol.totalSupply();
      await expect(reserve.connect(engineSigner).payKeeper(keeperAddress, wad(20))).not.to.emit(
        reserve,
        "KeeperPayMinted",
      );
      expect(await sys.bdol.balanceOf(keeperAddress)).to.equal(wad(20));
      await expect(reserve.connect(engineSigner).payKeeper(keeperAddress, wad(25)))
        .to.emit(reserve, "KeeperPayMinted")
        .withArgs(keeperAddress, wad(15), wad(15));
      expect(await sys.bdol.balanceOf(keeperAddress)).to.equal(wad(45));
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(0n);
      expect(await reserve.deficit()).to.equal(wad(15));
      expect((await sys.bdol.totalSupply()) - supply).to.equal(wad(15));
      await expectSupplyIdentity(sys, 2n);
    });

    it("leaves no buffer or surplus until the deficit is paid: the healable part comes first", async () => {
      await reserve.connect(engineSigner).payKeeper(keeperAddress, wad(100)); // deficit 100
      await donateToReserve(sys, bob, wad(60));
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([0n, 0n]);
      await sys.bdol.connect(bob).transfer(reserveAddress, wad(1_040)); // balance 1,100: free 1,000
      expect(await reserve.stabilityBuffer()).to.equal(wad(800));
      expect(await reserve.surplus()).to.equal(wad(200));
      // The views count the deficit as healed already; heal() makes it so.
      await expect(reserve.heal()).to.emit(reserve, "DeficitHealed").withArgs(wad(100), 0n);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(wad(1_000));
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([wad(800), wad(200)]);
      await expectSupplyIdentity(sys, 2n);
    });

    it("absorbs (engine only): books first, burns the debt from the buffer, pays the keeper from the surplus; BufferTooSmall above the buffer", async () => {
      await reserve.connect(engineSigner).payKeeper(keeperAddress, wad(100)); // deficit 100
      await donateToReserve(sys, bob, wad(1_100)); // free 1,000 → buffer 800
      const before = await snapshot(sys);
      await expect(reserve.connect(engineSigner).absorb(wad(800) + 1n, keeperAddress, 0n))
        .to.be.revertedWithCustomError(reserve, "BufferTooSmall")
        .withArgs(wad(800) + 1n, wad(800));
      await expectUnchanged(sys, before);

      const supply = await sys.bdol.totalSupply();
      const tx = reserve.connect(engineSigner).absorb(wad(800), keeperAddress, wad(150));
      await expect(tx).to.emit(reserve, "DeficitHealed").withArgs(wad(100), 0n);
      await expect(tx).not.to.emit(reserve, "KeeperPayMinted");
      // 1,100 − 100 healed − 800 burnt − 150 to the keeper.
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(wad(50));
      expect(supply - (await sys.bdol.totalSupply())).to.equal(wad(900));
      expect(await sys.bdol.balanceOf(keeperAddress)).to.equal(wad(250));
      expect(await reserve.deficit()).to.equal(0n);

      // The keeper was paid from the surplus (200 → 50): the buffer absorbed only the debt.
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([0n, wad(50)]);

      // A reward beyond both ledgers is minted into deficit: surplus first, then the buffer.
      await sys.bdol.connect(bob).transfer(reserveAddress, wad(50)); // inflow 50: buffer 40, surplus 60
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([wad(40), wad(60)]);
      await expect(reserve.connect(engineSigner).absorb(wad(40) + 1n, keeperAddress, 0n))
        .to.be.revertedWithCustomError(reserve, "BufferTooSmall")
        .withArgs(wad(40) + 1n, wad(40));
      await expect(reserve.connect(engineSigner).absorb(wad(30), keeperAddress, wad(80)))
        .to.emit(reserve, "KeeperPayMinted")
        .withArgs(keeperAddress, wad(10), wad(10));
      expect(await reserve.deficit()).to.equal(wad(10));
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([0n, 0n]);
    });

    it("covers a shortfall (engine only): burns what it has, records the rest as deficit", async () => {
      await donateToReserve(sys, bob, wad(300));
      await expect(reserve.connect(engineSigner).coverShortfall(wad(100)))
        .to.emit(reserve, "ShortfallCovered")
        .withArgs(wad(100), wad(100), 0n);
      expect(await reserve.deficit()).to.equal(0n);
      await expect(reserve.connect(engineSigner).coverShortfall(wad(500)))
        .to.emit(reserve, "ShortfallCovered")
        .withArgs(wad(500), wad(200), wad(300));
      expect(await reserve.deficit()).to.equal(wad(300));
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(0n);
    });

    it("refuses absorb, payKeeper and coverShortfall from anyone but the engine (NotLiquidationEngine)", async () => {
      await donateToReserve(sys, bob, wad(1_000));
      const before = await snapshot(sys);
      for (const caller of [sys.attacker, sys.deployer]) {
        const r = reserve.connect(caller);
        await expect(r.absorb(wad(1), caller.address, 0n))
          .to.be.revertedWithCustomError(reserve, "NotLiquidationEngine")
          .withArgs(caller.address);
        await expect(r.payKeeper(caller.address, wad(1)))
          .to.be.revertedWithCustomError(reserve, "NotLiquidationEngine")
          .withArgs(caller.address);
        await expect(r.coverShortfall(wad(1)))
          .to.be.revertedWithCustomError(reserve, "NotLiquidationEngine")
          .withArgs(caller.address);
      }
      await expectUnchanged(sys, before);
    });

    it("releases its USDC only to the PSM's order (NotPegStabilityModule), however much it holds", async () => {
      const usdc = await sys.usdc.getAddress();
      await sys.usdc.mint(reserveAddress, 1_000n * 10n ** 6n);
      for (const caller of [sys.attacker, sys.deployer]) {
        await expect(reserve.connect(caller).releaseStable(usdc, caller.address, 1n))
          .to.be.revertedWithCustomError(reserve, "NotPegStabilityModule")
          .withArgs(caller.address);
      }
      expect(await sys.usdc.balanceOf(reserveAddress)).to.equal(1_000n * 10n ** 6n);
    });

    it("heal: NothingToHeal without a deficit or without a balance; burns min(balance, deficit) otherwise", async () => {
      const empty = await snapshot(sys);
      await expect(reserve.heal()).to.be.revertedWithCustomError(reserve, "NothingToHeal");
      await expectUnchanged(sys, empty);
      await donateToReserve(sys, bob, wad(10));
      const withBalance = await snapshot(sys);
      await expect(reserve.heal()).to.be.revertedWithCustomError(reserve, "NothingToHeal"); // balance, no deficit
      await expectUnchanged(sys, withBalance);

      await reserve.connect(engineSigner).payKeeper(keeperAddress, wad(110)); // 10 from balance, 100 minted
      expect(await reserve.deficit()).to.equal(wad(100));
      const noBalance = await snapshot(sys);
      await expect(reserve.heal()).to.be.revertedWithCustomError(reserve, "NothingToHeal"); // deficit, no balance
      await expectUnchanged(sys, noBalance);

      await sys.bdol.connect(bob).transfer(reserveAddress, wad(40));
      expect(await reserve.heal.staticCall()).to.equal(wad(40));
      await expect(reserve.connect(sys.attacker).heal()).to.emit(reserve, "DeficitHealed").withArgs(wad(40), wad(60));
      await sys.bdol.connect(bob).transfer(reserveAddress, wad(100));
      await expect(reserve.heal()).to.emit(reserve, "DeficitHealed").withArgs(wad(60), 0n);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(wad(40));
      await expectSupplyIdentity(sys, 2n);
    });
  });

  describe("collateral, value and ratio", () => {
    beforeEach(async () => {
      await freezeRates(sys);
    });

    it("values the collateral the reserve absorbed at the oracle price, rounded down (composition): one wei less than rounded up", async () => {
      const id = await unhealthyVault(sys, alice, wad(10), "2499.87654321");
      await donateToReserve(sys, bob, wad(25_000));
      await liquidate(sys, id);
      const weth = await sys.weth.getAddress();
      const line = (await sys.reserve.composition()).find((h) => h.asset === weth)!;
      const price = wad("2499.87654321");
      expect(line.amount).to.be.greaterThan(0n);
      // An amount whose value has a remainder: rounding up would read one wei more.
      expect(valueUp(line.amount, 18n, price)).to.equal(valueDown(line.amount, 18n, price) + 1n);
      expect(line.value).to.equal(valueDown(line.amount, 18n, price));
    });

    it("values collateral it took at the oracle's last good price, including escrow and lots on sale", async () => {
      const id = await unhealthyVault(sys, alice);
      await donateToReserve(sys, bob, wad(25_000));
      await liquidate(sys, id); // absorbed: ≈ 7.92 WETH for the reserve
      const held = await reserveHolding(sys, sys.weth);
      expect(held).to.be.gt(wad("7.9"));
      const balance = await sys.bdol.balanceOf(await reserve.getAddress());
      const wethValue = valueDown(held, 18n, wad(2_500));
      expect(await reserve.totalReserveValue()).to.equal(balance + wethValue);

      // Part of it on sale: the holding and the value do not change.
      await reserve.sellCollateral(await sys.weth.getAddress(), wad(3));
      expect(await reserveHolding(sys, sys.weth)).to.equal(held);
      expect(await reserve.totalReserveValue()).to.equal(balance + wethValue);
      // A donated unit counts too.
      await sys.weth.mint(await reserve.getAddress(), wad(1));
      expect(await reserveHolding(sys, sys.weth)).to.equal(held + wad(1));

      // A frozen jump is not believed: the value stays at the last good price.
      await setEthPrice(sys, 1_000);
      const [price, status] = await sys.oracle.getPrice(await sys.weth.getAddress());
      expect(status).to.equal(3n); // Frozen
      expect(price).to.equal(wad(2_500));
      expect(await reserve.totalReserveValue()).to.equal(balance + valueDown(held + wad(1), 18n, wad(2_500)));
    });

    it("sells collateral escrowed in the vault manager first, then collateral it holds itself", async () => {
      const id = await unhealthyVault(sys, alice);
      await donateToReserve(sys, bob, wad(25_000));
      await liquidate(sys, id);
      const escrowed = await reserveHolding(sys, sys.weth);
      const reserveAddress = await reserve.getAddress();
      const manager = await sys.vaultManager.getAddress();
      await sys.weth.mint(reserveAddress, wad(2));
      const managerBefore = await sys.weth.balanceOf(manager);
      await reserve.sellCollateral(await sys.weth.getAddress(), escrowed + wad(1));
      expect(managerBefore - (await sys.weth.balanceOf(manager))).to.equal(escrowed);
      expect(await sys.weth.balanceOf(reserveAddress)).to.equal(wad(1));
      expect(await sys.weth.balanceOf(await sys.engine.getAddress())).to.equal(escrowed + wad(1));
      expect(await reserveHolding(sys, sys.weth)).to.equal(escrowed + wad(2));
      await expect(reserve.sellCollateral(await sys.weth.getAddress(), wad(1) + 1n))
        .to.be.revertedWithCustomError(reserve, "InsufficientReserveCollateral")
        .withArgs(await sys.weth.getAddress(), wad(1) + 1n, wad(1));
    });

    it("reserveRatio = (value − deficit) / (vault debt + debt under auction); max without debt; 0 under water", async () => {
      expect(await reserve.reserveRatio()).to.equal(ethers.MaxUint256);
      const id = await unhealthyVault(sys, alice);
      await spareBdol(sys, bob, wad(10_000));
      await liquidate(sys, id); // auction: debt moves under auction, the keeper's pay is deficit
      const vm = sys.vaultManager;
      const systemDebt =
        (await vm.totalDebt(await sys.weth.getAddress())) +
        (await vm.totalDebt(await sys.wbtc.getAddress())) +
        (await sys.engine.totalDebtUnderAuction());
      const deficit = await reserve.deficit();
      const value = await reserve.totalReserveValue();
      expect(value).to.equal(0n);
      expect(deficit).to.be.gt(0n);
      expect(await reserve.reserveRatio()).to.equal(0n);

      await sys.bdol.connect(bob).transfer(await reserve.getAddress(), wad(5_000));
      expect(await reserve.reserveRatio()).to.equal(wadDivDown(wad(5_000) - deficit, systemDebt));
      expect(systemDebt).to.be.gt(wad(28_000)); // 18,000 under auction + 10,000 in a WBTC vault
    });

    it("reserveRatio does not count the PSM's USDC that backs the coin it minted, only the fees it owes the reserve", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      const psmAddress = (await deployments.get("PegStabilityModule")).address;
      const psm = await contractAt(hre, "PegStabilityModule", psmAddress);
      await sys.usdc.mint(bob.address, 1_000_000n * 10n ** 6n);
      await sys.usdc.connect(bob).approve(psmAddress, ethers.MaxUint256);
      await psm.connect(bob).swapStableForCoin(1_000_000n * 10n ** 6n, 0n, bob.address);
      const debt = await sys.vaultManager.totalDebt(await sys.weth.getAddress());
      // The reserve holds 1M USDC; 999,000 BDOL are in Bob's hands, 1,000 of fees are owed to it.
      expect(await reserve.totalReserveValue()).to.equal(wad(1_000_000));
      expect([await psm.minted(), await psm.pendingFees()]).to.deep.equal([wad(1_000_000), wad(1_000)]);
      expect(await reserve.reserveRatio()).to.equal(wadDivDown(wad(1_000), debt));
      // Collecting the fees mints them to the reserve: same ratio.
      await psm.collectFees();
      expect(await reserve.totalReserveValue()).to.equal(wad(1_001_000));
      expect(await reserve.reserveRatio()).to.equal(wadDivDown(wad(1_000), debt));
    });
  });

  describe("governance setters", () => {
    it("setBufferShare: admin only, NoChange, OutOfBounds above 100 %, event; moves the buffer/surplus split", async () => {
      const admin = reserve.connect(await adminOf(reserve));
      await donateToReserve(sys, bob, wad(1_000));
      await expect(reserve.connect(sys.attacker).setBufferShare(wad("0.5")))
        .to.be.revertedWithCustomError(reserve, "AccessControlUnauthorizedAccount")
        .withArgs(sys.attacker.address, ADMIN_ROLE);
      await expect(admin.setBufferShare(BUFFER_SHARE)).to.be.revertedWithCustomError(reserve, "NoChange");
      await expect(admin.setBufferShare(WAD + 1n))
        .to.be.revertedWithCustomError(reserve, "OutOfBounds")
        .withArgs(WAD + 1n, 0n, BOUNDS.MAX_BUFFER_SHARE);
      await expect(admin.setBufferShare(wad("0.5")))
        .to.emit(reserve, "BufferShareSet")
        .withArgs(BUFFER_SHARE, wad("0.5"));
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([wad(500), wad(500)]);
      await admin.setBufferShare(WAD);
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([wad(1_000), 0n]);
      await admin.setBufferShare(0n);
      expect([await reserve.stabilityBuffer(), await reserve.surplus()]).to.deep.equal([0n, wad(1_000)]);
      expect(wadMulDown(wad(1_000), BUFFER_SHARE)).to.equal(wad(800));
    });

    for (const [setter, getter, event] of [
      ["setVaultManager", "vaultManager", "VaultManagerSet"],
      ["setLiquidationEngine", "liquidationEngine", "LiquidationEngineSet"],
    ] as const) {
      it(`${setter}: admin only, ZeroAddress, NoChange, event with old and new`, async () => {
        const admin = reserve.connect(await adminOf(reserve));
        const current = await reserve[getter]();
        await expect(reserve.connect(sys.attacker)[setter](bob.address))
          .to.be.revertedWithCustomError(reserve, "AccessControlUnauthorizedAccount")
          .withArgs(sys.attacker.address, ADMIN_ROLE);
        await expect(admin[setter](ZeroAddress)).to.be.revertedWithCustomError(reserve, "ZeroAddress");
        await expect(admin[setter](current)).to.be.revertedWithCustomError(reserve, "NoChange");
        expect(await reserve[getter]()).to.equal(current);
        await expect(admin[setter](bob.address)).to.emit(reserve, event).withArgs(current, bob.address);
        expect(await reserve[getter]()).to.equal(bob.address);
      });
    }

    it("moving the engine moves who may call the hooks: the old engine keeps them only while it is retired", async () => {
      const admin = reserve.connect(await adminOf(reserve));
      const engineAddress = await sys.engine.getAddress();
      // The vault manager still uses the old engine: it is retired, not cut off.
      await expect(admin.setLiquidationEngine(bob.address))
        .to.emit(reserve, "LiquidationEngineRetired")
        .withArgs(engineAddress);
      expect(await reserve.retiredEngines()).to.deep.equal([engineAddress]);
      await donateToReserve(sys, sys.carol, wad(1_000));
      await expect(reserve.connect(bob).payKeeper(bob.address, wad(1))).not.to.be.reverted;
      await impersonateAccount(engineAddress);
      await setBalance(engineAddress, 10n ** 20n);
      const oldEngine = await ethers.getSigner(engineAddress);
      await expect(reserve.connect(oldEngine).payKeeper(bob.address, wad(1))).not.to.be.reverted;
      // Once the vault manager moves too and the old engine has no running auction, the next change
      // drops it (bob, an address without code, is never retired); then its hooks are refused.
      const [deployer] = await ethers.getSigners();
      const next = await ethers.deployContract("LiquidationEngine", [sys.vaultManager, reserve, deployer.address]);
      await sys.vaultManager.connect(await adminOf(sys.vaultManager)).setLiquidationEngine(next);
      const tx = admin.setLiquidationEngine(next);
      await expect(tx).to.emit(reserve, "RetiredEngineDropped").withArgs(engineAddress);
      await expect(tx).not.to.emit(reserve, "LiquidationEngineRetired");
      expect(await reserve.retiredEngines()).to.deep.equal([]);
      for (const caller of [oldEngine, bob]) {
        await expect(reserve.connect(caller).payKeeper(bob.address, wad(1)))
          .to.be.revertedWithCustomError(reserve, "NotLiquidationEngine")
          .withArgs(caller.address);
      }
    });
  });
});

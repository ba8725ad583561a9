/**
 * Engine migration (IReservePool.setLiquidationEngine, ILiquidationEngine "Migration"): the reserve
 * retires a replaced engine instead of cutting it off, serves its hooks while it has running
 * auctions or the vault manager still uses it, counts its lots and debt in its views, drops it once
 * it is done, and keeps at most MAX_RETIRED_ENGINES of them.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, type System } from "../helpers/fixtures";
import type { LiquidationEngine, ReservePool } from "../../typechain-types";
import {
  AUCTION,
  BOUNDS,
  GWEI,
  KEEPER,
  donateToReserve,
  eventOf,
  expectSupplyIdentity,
  expectUnchanged,
  freezeRates,
  liquidate,
  refreshFeeds,
  reserveHolding,
  snapshot,
  spareBdol,
  unhealthyVault,
  withBasefee,
} from "./helpers";

describe("LiquidationEngine migration (the reserve's retired engines)", () => {
  let sys: System;
  let reserve: ReservePool;
  let admin: ReservePool;
  let deployer: HardhatEthersSigner;
  let weth: string;

  beforeEach(async () => {
    sys = await loadSystem();
    reserve = sys.reserve;
    admin = reserve.connect(await adminOf(reserve));
    [deployer] = await ethers.getSigners();
    weth = await sys.weth.getAddress();
    await freezeRates(sys);
  });

  /** A new engine on the same vault manager and reserve, WETH configured, a stablecoin module. */
  async function newEngine(): Promise<LiquidationEngine> {
    const e = (await ethers.deployContract("LiquidationEngine", [
      sys.vaultManager,
      reserve,
      deployer.address,
    ])) as unknown as LiquidationEngine;
    await e.configureCollateral(weth, AUCTION);
    await e.setRedoGas(KEEPER.redoGas);
    await e.setMaxTip(KEEPER.maxTip);
    await e.setMaxRewardShare(KEEPER.maxRewardShare);
    await e.setMaxTotalAuctionDebt(KEEPER.maxTotalAuctionDebt);
    await e.setNativeAsset(weth);
    await sys.bdol.connect(await adminOf(sys.bdol)).setModule(e, true);
    return e;
  }

  /** Governance's migration proposal: the vault manager, then the reserve. */
  async function migrateTo(e: LiquidationEngine) {
    await sys.vaultManager.connect(await adminOf(sys.vaultManager)).setLiquidationEngine(e);
    return admin.setLiquidationEngine(e);
  }

  /** A reserve sale of `amount` WETH (minted to the reserve) on the current engine. */
  async function sale(amount = wad(1)) {
    await sys.weth.mint(await reserve.getAddress(), amount);
    return reserve.sellCollateral(weth, amount);
  }

  it("retires an engine with running auctions: its lots and debt still count in the reserve's views", async () => {
    await spareBdol(sys, sys.bob, wad(60_000));
    const id = await unhealthyVault(sys, sys.alice);
    await liquidate(sys, id); // a vault auction (the buffer is empty)
    await sale(wad(2)); // and a reserve sale
    const old = sys.engine;
    expect(await old.activeAuctionCount()).to.equal(2n);
    const holding = await reserveHolding(sys, sys.weth);
    const ratio = await reserve.reserveRatio();
    const value = await reserve.totalReserveValue();

    const v2 = await newEngine();
    const tx = await migrateTo(v2);
    await expect(tx)
      .to.emit(reserve, "LiquidationEngineSet")
      .withArgs(await old.getAddress(), await v2.getAddress());
    await expect(tx)
      .to.emit(reserve, "LiquidationEngineRetired")
      .withArgs(await old.getAddress());
    expect(await reserve.retiredEngines()).to.deep.equal([await old.getAddress()]);
    // The sale lot on the old engine is still the reserve's; the auction's debt is still system debt.
    expect(await reserveHolding(sys, sys.weth)).to.equal(holding);
    expect(await reserve.totalReserveValue()).to.equal(value);
    expect(await reserve.reserveRatio()).to.equal(ratio);

    // A sale now goes to v2, and both engines' lots count.
    await sale(wad(1));
    expect((await v2.collateralState(weth)).collateralOnSale).to.equal(wad(1));
    expect(await reserveHolding(sys, sys.weth)).to.equal(holding + wad(1));

    // The retired engine's restart of its sale is paid (from the reserve's balance).
    await donateToReserve(sys, sys.carol, wad(1_000));
    await time.increase(1_400);
    await refreshFeeds(sys);
    const redo = await withBasefee(10n * GWEI, (fees) => old.connect(sys.keeper).redo(2n, sys.keeper.address, fees));
    expect((await eventOf(redo, old, "AuctionReset")).reward).to.equal(wad("2.5")); // 100k × 10 gwei × 2,500
    await expectSupplyIdentity(sys, 6n);
  });

  it("keeps serving an old engine the vault manager still uses (reserve moved first): it still liquidates and absorbs", async () => {
    const old = sys.engine;
    const v2 = await newEngine();
    // Only the reserve moves (a half-done migration): the old engine is retired although it has no auction.
    await expect(admin.setLiquidationEngine(v2))
      .to.emit(reserve, "LiquidationEngineRetired")
      .withArgs(await old.getAddress());
    const id = await unhealthyVault(sys, sys.alice);
    await donateToReserve(sys, sys.bob, wad(40_000)); // buffer 32,000 ≥ 18,000: absorbed whole
    const tx = await liquidate(sys, id);
    await expect(tx).to.emit(old, "Liquidated");
    expect(await sys.vaultManager.debtOf(id)).to.equal(0n);
    await expectSupplyIdentity(sys, 6n);
  });

  it("drops a retired engine once it is done, and the new engine on a rollback", async () => {
    const old = sys.engine;
    const oldAddress = await old.getAddress();
    await sale(); // auction 1 on the old engine
    const v2 = await newEngine();
    await migrateTo(v2);
    expect(await reserve.retiredEngines()).to.deep.equal([oldAddress]);

    // Rollback to the old engine: it leaves the retired list; v2 (the vault manager's) is retired.
    await sys.vaultManager.connect(await adminOf(sys.vaultManager)).setLiquidationEngine(old);
    const back = admin.setLiquidationEngine(old);
    await expect(back).to.emit(reserve, "RetiredEngineDropped").withArgs(oldAddress);
    await expect(back).not.to.emit(reserve, "LiquidationEngineRetired"); // v2: no auction, not the manager's
    expect(await reserve.retiredEngines()).to.deep.equal([]);

    // Forward again: the old engine's sale still runs, so it is retired again; v3 later drops it
    // only once its sale has ended.
    await migrateTo(v2);
    expect(await reserve.retiredEngines()).to.deep.equal([oldAddress]);
    const lot = (await old.auctionInfo(1n)).lot;
    await spareBdol(sys, sys.bob, wad(10_000));
    await old.connect(sys.bob).take(1n, lot, wad(1_000_000), sys.bob.address, "0x");
    expect(await old.activeAuctionCount()).to.equal(0n);
    const v3 = await newEngine();
    await expect(migrateTo(v3)).to.emit(reserve, "RetiredEngineDropped").withArgs(oldAddress);
    expect(await reserve.retiredEngines()).to.deep.equal([]);
  });

  it(`keeps at most MAX_RETIRED_ENGINES (${BOUNDS.MAX_RETIRED_ENGINES}) retired engines with running auctions (TooManyRetiredEngines)`, async () => {
    const engines: string[] = [];
    await sale();
    engines.push(await sys.engine.getAddress());
    for (let i = 0n; i < BOUNDS.MAX_RETIRED_ENGINES - 1n; i++) {
      const e = await newEngine();
      await migrateTo(e);
      await sale();
      engines.push(await e.getAddress());
    }
    const fifth = await newEngine();
    await migrateTo(fifth);
    expect(await reserve.retiredEngines()).to.deep.equal(engines);
    await sale(); // the fifth engine has a running auction too
    const sixth = await newEngine();
    await sys.vaultManager.connect(await adminOf(sys.vaultManager)).setLiquidationEngine(sixth);
    const before = await snapshot(sys);
    await expect(admin.setLiquidationEngine(sixth))
      .to.be.revertedWithCustomError(reserve, "TooManyRetiredEngines")
      .withArgs(BOUNDS.MAX_RETIRED_ENGINES);
    expect(await reserve.liquidationEngine()).to.equal(await fifth.getAddress());
    await expectUnchanged(sys, before);
  });

  it("never retires an address without code", async () => {
    await admin.setLiquidationEngine(sys.bob.address); // the deployed engine is retired (the manager's)
    const v2 = await newEngine();
    await migrateTo(v2);
    expect(await reserve.retiredEngines()).to.deep.equal([]); // bob: no code; the old engine: done
  });
});

/**
 * Regression for audit finding G (Low) — an engine migration stranded the old engine's auctions.
 *
 * The proof: with an underwater auction running in the engine, governance deployed engine v2 and
 * pointed the reserve at it; the reserve then refused the old engine's hooks, so a paid `redo`
 * reverted (payKeeper → NotLiquidationEngine) and the take that sold the lot reverted
 * (coverShortfall), for ever.
 *
 * Now the reserve retires the old engine instead of cutting it off: while it has running auctions
 * (or the vault manager still uses it) the reserve accepts its hooks, counts its debt under auction,
 * and lists it in `retiredEngines()`; once it has none left it is dropped at the next engine change.
 * The migration path, step by step (the order the README's Deployer section gives):
 *   1. deploy and configure engine v2; give it the stablecoin module right;
 *   2. one proposal: VaultManager.setLiquidationEngine(v2), ReservePool.setLiquidationEngine(v2)
 *      (the old engine is retired; new liquidations go to v2);
 *   3. the old engine's auctions end by takes (restarted and paid as before; shortfalls covered);
 *   4. when `activeAuctionCount()` of the old engine is 0, revoke its module right; the reserve drops
 *      it at its next engine change.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, type System } from "../helpers/fixtures";
import type { LiquidationEngine } from "../../typechain-types";
import {
  AUCTION,
  GWEI,
  KEEPER,
  eventOf,
  expectSupplyIdentity,
  freezeRates,
  liquidate,
  moveEthPrice,
  refreshFeeds,
  spareBdol,
  unhealthyVault,
  withBasefee,
} from "../liquidation/helpers";

/** Engine v2 as governance would deploy it: the same vault manager and reserve, configured, a stablecoin module. */
async function deployEngineV2(sys: System): Promise<LiquidationEngine> {
  const [deployer] = await ethers.getSigners();
  const v2 = (await ethers.deployContract("LiquidationEngine", [
    await sys.vaultManager.getAddress(),
    await sys.reserve.getAddress(),
    deployer.address,
  ])) as unknown as LiquidationEngine;
  for (const token of [sys.weth, sys.wbtc]) await v2.configureCollateral(await token.getAddress(), AUCTION);
  await v2.setTipGas(KEEPER.tipGas);
  await v2.setRedoGas(KEEPER.redoGas);
  await v2.setMaxTip(KEEPER.maxTip);
  await v2.setKeeperFee(KEEPER.keeperFee);
  await v2.setMaxRewardShare(KEEPER.maxRewardShare);
  await v2.setMaxTotalAuctionDebt(KEEPER.maxTotalAuctionDebt);
  await v2.setNativeAsset(await sys.weth.getAddress());
  await sys.bdol.connect(await adminOf(sys.bdol)).setModule(await v2.getAddress(), true);
  return v2;
}

describe("AUDIT G (regression): the old engine's auctions still end after a migration", () => {
  it("restarts (paid) and the take that ends short settle through the retired engine; it is dropped once done", async () => {
    const sys: System = await loadSystem();
    await freezeRates(sys);
    await spareBdol(sys, sys.bob, wad(60_000));
    const id = await unhealthyVault(sys, sys.alice);
    await moveEthPrice(sys, 1_900); // underwater: the auction will end short
    await liquidate(sys, id);
    const old = sys.engine;
    const oldAddress = await old.getAddress();

    // --- migration: governance points the vault manager and the reserve at v2 (one proposal)
    const v2 = await deployEngineV2(sys);
    const v2Address = await v2.getAddress();
    await sys.vaultManager.connect(await adminOf(sys.vaultManager)).setLiquidationEngine(v2Address);
    await expect(sys.reserve.connect(await adminOf(sys.reserve)).setLiquidationEngine(v2Address))
      .to.emit(sys.reserve, "LiquidationEngineRetired")
      .withArgs(oldAddress);
    expect(await sys.reserve.retiredEngines()).to.deep.equal([oldAddress]);
    // The old auction's debt still counts in the system's debt (reserve ratio) and the supply identity.
    await expectSupplyIdentity(sys, 6n);

    // --- the old auction goes stale; a paid restart now goes through
    await time.increase(1_400);
    await refreshFeeds(sys);
    const redo = await withBasefee(10n * GWEI, (fees) => old.connect(sys.keeper).redo(1n, sys.keeper.address, fees));
    expect((await eventOf(redo, old, "AuctionReset")).reward).to.equal(wad("1.9")); // 100k × 10 gwei × 1,900

    // --- the take that sells the whole lot ends the auction short: the shortfall reaches the reserve
    const lot = (await old.auctionInfo(1n)).lot;
    await time.increase(1_200);
    await refreshFeeds(sys);
    const deficitBefore = await sys.reserve.deficit();
    const take = await old.connect(sys.bob).take(1n, lot, wad(1_000_000), sys.bob.address, "0x");
    const shortfall = (await eventOf(take, old, "AuctionEnded")).shortfall as bigint;
    expect(shortfall).to.be.gt(0n);
    await expect(take).to.emit(sys.reserve, "ShortfallCovered").withArgs(shortfall, 0n, shortfall);
    expect((await sys.reserve.deficit()) - deficitBefore).to.equal(shortfall);
    expect(await old.totalDebtUnderAuction()).to.equal(0n);
    expect(await old.activeAuctionCount()).to.equal(0n);
    expect(await sys.weth.balanceOf(oldAddress)).to.equal(0n);

    // --- the next engine change drops the finished engine; its hooks are refused from then on
    const v3 = await deployEngineV2(sys);
    await sys.vaultManager.connect(await adminOf(sys.vaultManager)).setLiquidationEngine(await v3.getAddress());
    await expect(sys.reserve.connect(await adminOf(sys.reserve)).setLiquidationEngine(await v3.getAddress()))
      .to.emit(sys.reserve, "RetiredEngineDropped")
      .withArgs(oldAddress);
    expect(await sys.reserve.retiredEngines()).to.deep.equal([]); // v2 had no auction either
    await impersonateAccount(oldAddress);
    await setBalance(oldAddress, 10n ** 20n);
    await expect(sys.reserve.connect(await ethers.getSigner(oldAddress)).payKeeper(sys.bob.address, 1n))
      .to.be.revertedWithCustomError(sys.reserve, "NotLiquidationEngine")
      .withArgs(oldAddress);
  });
});

/**
 * Regression for audit finding A (Medium) — fee-on-transfer collateral created phantom auction lots.
 *
 * The proof: a 1 % fee-on-transfer token, two underwater vaults of 990 FOT each; `seize` sent 990 to
 * the engine per vault and the engine recorded lots of 990 while it received 980.1, so the last
 * auction of the token could never close and its debt never became deficit.
 *
 * Now every transfer of collateral into the engine is credited by balance difference: the vault
 * manager reports what arrived (`Seizure.auctionLot`) and the reserve passes what arrived to
 * `startSale`. The same steps: the lots equal what the engine holds, both auctions close (the first
 * and the last), their shortfalls reach the reserve's deficit, and the engine is left with nothing.
 * A token whose fee is switched on after listing (as USDT's can be) is covered too, for a vault
 * auction and a reserve sale.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { RAY, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, loadSystem, priceTestAsset, type System } from "../helpers/fixtures";
import { AUCTION, donateToReserve, eventOf, expectSupplyIdentity, liquidate, spareBdol } from "../liquidation/helpers";
import type { MockFeeOnTransferToken } from "../../typechain-types";

/** Lists a fee-on-transfer token as collateral (1 % fee unless told), priced at 100 USD. */
async function listFeeToken(sys: System, feeBps: bigint) {
  const fot = (await ethers.deployContract("MockFeeOnTransferToken", [feeBps])) as unknown as MockFeeOnTransferToken;
  const asset = await fot.getAddress();
  const feed = await priceTestAsset(sys, asset, "FOT / USD", 100);
  await sys.vaultManager.connect(await adminOf(sys.vaultManager)).addCollateral(asset, {
    oracleAsset: asset,
    debtCeiling: wad(1_000_000),
    minDebt: wad(100),
    liquidationRatio: wad("1.5"),
    borrowRatio: wad("1.6"),
    liquidationPenalty: wad("0.1"),
    stabilityFee: RAY,
  });
  await sys.engine.connect(await adminOf(sys.engine)).configureCollateral(asset, AUCTION);
  return { fot, asset, feed };
}

describe("AUDIT A (regression): fee-on-transfer collateral and auction lots", () => {
  it("records lots by what arrived: every auction of the token closes and its shortfall reaches the deficit", async () => {
    const sys: System = await loadSystem();
    const { alice, bob, carol } = sys;
    const vm = sys.vaultManager;
    const engine = sys.engine;
    const engineAddress = await engine.getAddress();
    const { fot, asset, feed } = await listFeeToken(sys, 100n);

    // --- the attacker's steps: two borrowers, 1,000 FOT each (990 arrive), 60,000 BDOL each at 100 USD
    for (const who of [alice, bob]) {
      await fot.mint(who.address, wad(1_000));
      await fot.connect(who).approve(await vm.getAddress(), ethers.MaxUint256);
      await vm.connect(who).openVault(asset, wad(1_000), wad(60_000));
    }
    expect(await sys.reserve.stabilityBuffer()).to.equal(0n);
    for (const p of [80, 64, 52]) {
      await feed.updateAnswer(feedAnswer(p));
      await sys.oracle.recordPrice(asset);
    }
    const tx1 = await liquidate(sys, 1n);
    await liquidate(sys, 2n);

    // --- the vault lost 990 FOT; the engine received 980.1 and that is the lot
    expect((await eventOf(tx1, vm, "VaultSeized")).collateralToAuction).to.equal(wad(990));
    expect((await eventOf(tx1, engine, "AuctionStarted")).lot).to.equal(wad("980.1"));
    const lot1 = (await engine.auctionInfo(1n)).lot;
    const lot2 = (await engine.auctionInfo(2n)).lot;
    expect([lot1, lot2]).to.deep.equal([wad("980.1"), wad("980.1")]);
    expect(await fot.balanceOf(engineAddress)).to.equal(lot1 + lot2); // no phantom collateral
    expect(await engine.activeAuctionCount()).to.equal(2n);

    // --- carol takes all of auction 1 (underwater: the lot runs out, the debt left is a shortfall)
    await spareBdol(sys, carol, wad(200_000));
    const deficitBefore = await sys.reserve.deficit();
    const take1 = await engine.connect(carol).take(1n, lot1, wad(1_000_000), carol.address, "0x");
    const short1 = (await eventOf(take1, engine, "AuctionEnded")).shortfall as bigint;
    expect(short1).to.be.gt(0n);
    expect(await fot.balanceOf(engineAddress)).to.equal(lot2); // auction 2's lot is still all there

    // --- the last auction of the token closes too: its whole lot can be taken
    const take2 = await engine.connect(carol).take(2n, lot2, wad(1_000_000), carol.address, "0x");
    const short2 = (await eventOf(take2, engine, "AuctionEnded")).shortfall as bigint;
    expect(short2).to.be.gt(0n);
    expect((await engine.auctionInfo(2n)).lot).to.equal(0n);
    expect(await fot.balanceOf(engineAddress)).to.equal(0n);
    expect(await engine.totalDebtUnderAuction()).to.equal(0n);
    expect((await engine.collateralState(asset)).debtUnderAuction).to.equal(0n);
    expect(await engine.activeAuctionCount()).to.equal(0n);
    // The reserve had no stablecoin: both shortfalls became deficit.
    expect((await sys.reserve.deficit()) - deficitBefore).to.equal(short1 + short2);
    // The taker bears the fee on the way out (ITakeCallback): 1 % of what she bought.
    expect(await fot.balanceOf(carol.address)).to.equal(((lot1 + lot2) * 99n) / 100n);
    await expectSupplyIdentity(sys, 10n);
  });

  it("credits by balance difference when the fee is switched on after listing: a vault auction and a reserve sale", async () => {
    const sys: System = await loadSystem();
    const { alice, bob, carol } = sys;
    const vm = sys.vaultManager;
    const engine = sys.engine;
    const engineAddress = await engine.getAddress();
    const reserveAddress = await sys.reserve.getAddress();
    const { fot, asset, feed } = await listFeeToken(sys, 0n); // listed without a fee

    for (const who of [alice, bob]) {
      await fot.mint(who.address, wad(1_000));
      await fot.connect(who).approve(await vm.getAddress(), ethers.MaxUint256);
      await vm.connect(who).openVault(asset, wad(1_000), wad(60_000));
    }
    for (const p of [80, 64]) {
      await feed.updateAnswer(feedAnswer(p));
      await sys.oracle.recordPrice(asset);
    }
    // alice's vault is absorbed by a buffer (the reserve's collateral stays escrowed in the vault manager)
    await donateToReserve(sys, carol, wad(100_000));
    await liquidate(sys, 1n);
    const escrowed = await vm.escrowOf(asset, reserveAddress);
    expect(escrowed).to.be.gt(0n);
    await sys.reserve.connect(await adminOf(sys.reserve)).setBufferShare(0n);

    // --- the token starts taking 1 %
    await fot.setFeeBps(100n);
    const tx = await liquidate(sys, 2n); // bob's vault: all to auction
    const sent = (await eventOf(tx, vm, "VaultSeized")).collateralToAuction as bigint;
    const auctionId = (await eventOf(tx, engine, "Liquidated")).auctionId as bigint;
    expect((await engine.auctionInfo(auctionId)).lot).to.equal(sent - sent / 100n);

    const saleTx = await sys.reserve.sellCollateral(asset, escrowed);
    const saleLot = escrowed - escrowed / 100n;
    const saleId = auctionId + 1n;
    await expect(saleTx).to.emit(sys.reserve, "CollateralSaleStarted").withArgs(asset, saleLot, saleId);
    expect((await engine.auctionInfo(saleId)).lot).to.equal(saleLot);
    expect((await engine.collateralState(asset)).collateralOnSale).to.equal(saleLot);
    expect(await fot.balanceOf(engineAddress)).to.equal((await engine.auctionInfo(auctionId)).lot + saleLot);

    // --- both end with their whole lots taken
    await spareBdol(sys, carol, wad(200_000));
    for (const id of [auctionId, saleId]) {
      const lot = (await engine.auctionInfo(id)).lot;
      await expect(engine.connect(carol).take(id, lot, wad(1_000_000), carol.address, "0x")).to.emit(
        engine,
        "AuctionEnded",
      );
    }
    expect(await fot.balanceOf(engineAddress)).to.equal(0n);
    expect(await engine.activeAuctionCount()).to.equal(0n);
    expect(await engine.totalDebtUnderAuction()).to.equal(0n);
    expect((await engine.collateralState(asset)).collateralOnSale).to.equal(0n);
    await expectSupplyIdentity(sys, 10n);
  });
});

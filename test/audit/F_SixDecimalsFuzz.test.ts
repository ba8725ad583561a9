/**
 * F — 6-decimal collateral with a high unit price (1 unit = 0.05 USD), random partial absorptions,
 * auctions and partial takes: checks the supply identity (0 ≤ slack ≤ small), that the engine always
 * holds at least Σ active lots + credited refunds, that Σ vault collateral ≤ the manager's balance, and
 * that no take pays less than ⌊oracle × floor⌋ per token.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { RAY, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, loadSystem, priceTestAsset, type System } from "../helpers/fixtures";
import { AUCTION, donateToReserve, freezeRates, liquidate, spareBdol, supplySlack } from "../liquidation/helpers";

describe("AUDIT F: 6-decimal collateral, random liquidation sequence", () => {
  it("keeps supply identity and engine collateral coverage", async () => {
    const sys: System = await loadSystem();
    await freezeRates(sys);
    const vm = sys.vaultManager;
    const engine = sys.engine;
    const tok = await ethers.deployContract("MockERC20", ["Six", "SIX", 6]);
    const asset = await tok.getAddress();
    const feed = await priceTestAsset(sys, asset, "SIX / USD", 50_000);
    await vm.connect(await adminOf(vm)).addCollateral(asset, {
      oracleAsset: asset,
      debtCeiling: wad(100_000_000),
      minDebt: wad(500),
      liquidationRatio: wad("1.5"),
      borrowRatio: wad("1.6"),
      liquidationPenalty: wad("0.1"),
      stabilityFee: RAY,
    });
    await engine.connect(await adminOf(engine)).configureCollateral(asset, { ...AUCTION, maxAuctionDebt: wad(40_000) });

    // deterministic pseudo-random
    let seed = 12345n;
    const rnd = (n: bigint) => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      return (seed >> 16n) % n;
    };
    const signers = await ethers.getSigners();
    const owners = signers.slice(6, 16);
    const ids: bigint[] = [];
    for (const o of owners) {
      const amt = 100_000n + rnd(3_000_000n); // 0.1 – 3.1 SIX
      await tok.mint(o.address, amt);
      await tok.connect(o).approve(await vm.getAddress(), amt);
      const value = (amt * 10n ** 12n * wad(50_000)) / wad(1);
      const debt = (value * 10n) / 16n - rnd(wad(100)); // right at the borrow ratio
      if (debt < wad(500)) continue;
      await vm.connect(o).openVault(asset, amt, debt);
      ids.push(await vm.vaultCount());
    }
    await donateToReserve(sys, sys.bob, wad(15_000)); // buffer 12,000: partial absorptions
    await spareBdol(sys, sys.carol, wad(3_000_000));
    // price −20 %: every vault unhealthy
    await feed.updateAnswer(feedAnswer(40_000));
    await sys.oracle.recordPrice(asset);

    let ops = 0;
    for (let round = 0; round < 40; round++) {
      const id = ids[Number(rnd(BigInt(ids.length)))];
      try {
        await liquidate(sys, id);
        ops++;
      } catch {
        /* healthy, no debt, or limit reached */
      }
      // random partial takes on active auctions
      const n = await engine.auctionCount();
      for (let a = 1n; a <= n; a++) {
        const info = await engine.auctionInfo(a);
        if (info.lot === 0n) continue;
        const [price, needsReset] = await engine.auctionPrice(a);
        if (needsReset) {
          await engine.redo(a, sys.keeper.address);
          continue;
        }
        expect(price >= (wad(40_000) * AUCTION.floorRatio) / wad(1)).to.equal(true);
        const want = 1n + rnd(info.lot);
        try {
          await engine.connect(sys.carol).take(a, want, price, sys.carol.address, "0x");
        } catch (e) {
          const msg = String(e);
          if (!msg.includes("TakeLeavesDust")) throw e;
        }
      }
      await time.increase(1 + Number(rnd(900n)));
      await feed.updateAnswer(feedAnswer(40_000)); // keep it fresh
      // invariants
      const slack = await supplySlack(sys);
      expect(slack >= 0n, `slack ${slack}`).to.equal(true);
      expect(slack <= 3n * BigInt(ops + 20), `slack ${slack}`).to.equal(true);
      let lots = 0n;
      for (let a = 1n; a <= (await engine.auctionCount()); a++) lots += (await engine.auctionInfo(a)).lot;
      let refunds = 0n;
      for (const o of owners) refunds += await engine.refundOf(o.address, asset);
      expect(await tok.balanceOf(await engine.getAddress())).to.be.gte(lots + refunds);
      let inVaults = 0n;
      for (const v of ids) {
        try {
          inVaults += (await vm.vaultInfo(v)).collateralAmount;
        } catch {
          /* closed */
        }
      }
      expect(await tok.balanceOf(await vm.getAddress())).to.be.gte(
        inVaults + (await vm.escrowOf(asset, await sys.reserve.getAddress())),
      );
    }
    console.log(
      `      liquidations ${ops}, auctions ${await engine.auctionCount()}, final slack ${await supplySlack(sys)} wei, deficit ${ethers.formatEther(await sys.reserve.deficit())}`,
    );
  });
});

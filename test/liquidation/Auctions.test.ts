import { expect } from "chai";
import { ethers } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

import { WAD, wad } from "../../lib/sdk";
import { adminOf, loadSystem, openVault, type System } from "../helpers/fixtures";
import type {
  LiquidationEngine,
  MockBlocklistToken,
  MockDex,
  MockTaker,
  MockTakerFlashMint,
  VaultManager,
} from "../../typechain-types";
import {
  AUCTION,
  BOUNDS,
  LR,
  MIN_DEBT,
  DURATION,
  DUST,
  ETH_HEARTBEAT,
  GWEI,
  KEEPER,
  LOCAL,
  MAX_AGE,
  PENALTY,
  SALE_TAB,
  Status,
  amountForValueDown,
  amountForValueUp,
  at,
  donateToReserve,
  eventOf,
  expectSupplyIdentity,
  expectUnchanged,
  freezeRates,
  liquidate,
  min,
  moveBtcPrice,
  moveEthPrice,
  multiplierAt,
  withBasefee,
  priceAt,
  refreshFeeds,
  redoPayFor,
  reserveHolding,
  setEthPrice,
  snapshot,
  spareBdol,
  timeOf,
  unhealthyVault,
  valueDown,
  valueUp,
  wadMulDown,
  wadMulUp,
} from "./helpers";

const ETH_2500 = wad(2_500);
const FLOOR_2500 = wadMulDown(ETH_2500, AUCTION.floorRatio); // 2,250
/** First second at which the multiplier 1.1 × (7200 − t) / 7200 is below the 0.9 floor. */
const FLOOR_BREACH = 1_310n;

describe("LiquidationEngine auctions", () => {
  let sys: System;
  let engine: LiquidationEngine;
  let admin: LiquidationEngine;
  let vm: VaultManager;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let keeper: HardhatEthersSigner;
  let attacker: HardhatEthersSigner;
  let weth: string;
  let engineAddress: string;
  let reserveAddress: string;

  /** The auction of alice's vault: 10 WETH, debt ≈ 18,000, tab ≈ 19,800, started at t0. */
  let vaultId: bigint;
  let debt: bigint;
  let tab: bigint;
  let t0: bigint;
  let keeperReward: bigint;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol, keeper, attacker } = sys);
    engine = sys.engine;
    vm = sys.vaultManager;
    admin = engine.connect(await adminOf(engine));
    weth = await sys.weth.getAddress();
    engineAddress = await engine.getAddress();
    reserveAddress = await sys.reserve.getAddress();
    await freezeRates(sys);
    await spareBdol(sys, bob, wad(60_000));
  });

  /** Liquidates alice's standard vault into auction 1 (empty reserve: the keeper's pay is deficit). */
  async function startAuction(priceUsd = 2_500) {
    vaultId = await unhealthyVault(sys, alice);
    if (priceUsd !== 2_500) await moveEthPrice(sys, priceUsd);
    debt = await vm.debtOf(vaultId);
    tab = wadMulUp(debt, WAD + PENALTY);
    const tx = await liquidate(sys, vaultId);
    t0 = await timeOf(tx);
    keeperReward = (await eventOf(tx, engine, "Liquidated")).reward as bigint;
    expect((await engine.auctionInfo(1n)).lot).to.equal(wad(10));
  }

  const take = (who: HardhatEthersSigner, maxCollateral: bigint, maxPrice = wad(1_000_000), receiver?: string) =>
    engine.connect(who).take(1n, maxCollateral, maxPrice, receiver ?? who.address, "0x");

  // --------------------------------------------------------------------------- price

  describe("auctionPrice", () => {
    beforeEach(() => startAuction());

    it("starts at oracle × 1.1 and falls linearly to zero over the duration", async () => {
      expect(await engine.auctionPrice(1n)).to.deep.equal([wad(2_750), false]);
      for (const t of [600n, 1_309n]) {
        await time.increaseTo(t0 + t);
        expect(await engine.auctionPrice(1n)).to.deep.equal([priceAt(ETH_2500, t), false]);
      }
      expect(priceAt(ETH_2500, 600n)).to.equal(wadMulDown(ETH_2500, (AUCTION.startMultiplier * 6_600n) / 7_200n));
      await time.increaseTo(t0 + FLOOR_BREACH);
      expect(await engine.auctionPrice(1n)).to.deep.equal([priceAt(ETH_2500, FLOOR_BREACH), true]);
      await refreshFeeds(sys);
      await time.increaseTo(t0 + DURATION);
      await refreshFeeds(sys);
      expect(await engine.auctionPrice(1n)).to.deep.equal([0n, true]);
    });

    it("follows the live oracle: a recovery lifts it at once, a fall lowers it", async () => {
      await time.increaseTo(t0 + 300n);
      await setEthPrice(sys, 3_000); // +20 % from the recorded 2,500: live
      const t = BigInt(await time.latest()) - t0;
      expect(await engine.auctionPrice(1n)).to.deep.equal([priceAt(wad(3_000), t), false]);
      await moveEthPrice(sys, 2_000);
      const t2 = BigInt(await time.latest()) - t0;
      expect(await engine.auctionPrice(1n)).to.deep.equal([priceAt(wad(2_000), t2), false]);
    });

    it("reports needsReset while the oracle is not live, and AuctionNotActive for unknown ids", async () => {
      await time.increase(ETH_HEARTBEAT + 1);
      const [price, needsReset] = await engine.auctionPrice(1n);
      expect(needsReset).to.equal(true);
      // The price is computed from the last good price.
      expect(price).to.equal(priceAt(ETH_2500, BigInt(await time.latest()) - t0));
      for (const id of [0n, 2n]) {
        await expect(engine.auctionPrice(id)).to.be.revertedWithCustomError(engine, "AuctionNotActive").withArgs(id);
      }
    });
  });

  // --------------------------------------------------------------------------- take

  describe("take", () => {
    beforeEach(() => startAuction());

    it("buys the whole tab for less than the lot: refund to the owner, penalty to the reserve, debt burnt", async () => {
      const t = 100n;
      const price = priceAt(ETH_2500, t);
      const out = amountForValueDown(tab, 18n, price);
      expect(valueUp(wad(10), 18n, price)).to.be.gt(tab);
      const refund = wad(10) - out;
      const supply = await sys.bdol.totalSupply();
      const bobBdol = await sys.bdol.balanceOf(bob.address);
      const aliceWeth = await sys.weth.balanceOf(alice.address);

      // A static call in the liquidation's block (t = 0) agrees with the same arithmetic at 2,750.
      expect(await engine.connect(bob).take.staticCall(1n, wad(10), wad(2_750), carol.address, "0x")).to.deep.equal([
        amountForValueDown(tab, 18n, wad(2_750)),
        tab,
      ]);
      await at(t0, t);
      const tx = await engine.connect(bob).take(1n, wad(10), price, carol.address, "0x");
      await expect(tx).to.emit(engine, "Taken").withArgs(1n, bob.address, carol.address, out, tab, price, 0n, 0n);
      await expect(tx).to.emit(engine, "AuctionEnded").withArgs(1n, refund, 0n);
      await expect(tx).not.to.emit(sys.reserve, "ShortfallCovered");

      expect(await sys.weth.balanceOf(carol.address)).to.equal(out);
      expect((await sys.weth.balanceOf(alice.address)) - aliceWeth).to.equal(refund);
      expect(await sys.weth.balanceOf(engineAddress)).to.equal(0n);
      expect(bobBdol - (await sys.bdol.balanceOf(bob.address))).to.equal(tab);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(tab - debt); // the penalty
      expect(supply - (await sys.bdol.totalSupply())).to.equal(debt); // the debt part is burnt
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(0n);
      expect([...(await engine.auctionInfo(1n))]).to.deep.equal([ZeroAddress, ZeroAddress, 0n, 0n, 0n, 0n, 0n]);
      expect(await sys.reserve.deficit()).to.equal(keeperReward);
      await expectSupplyIdentity(sys, 6n);
    });

    it("applies partial takes to the debt first, then to the penalty", async () => {
      const p1 = priceAt(ETH_2500, 10n);
      const paid1 = valueUp(wad(3), 18n, p1);
      await at(t0, 10n);
      await expect(take(bob, wad(3)))
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, wad(3), paid1, p1, wad(7), tab - paid1);
      let a = await engine.auctionInfo(1n);
      expect([a.lot, a.tab, a.debt]).to.deep.equal([wad(7), tab - paid1, debt - paid1]);
      expect(await engine.totalDebtUnderAuction()).to.equal(debt - paid1);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(0n); // nothing of the penalty yet
      await expectSupplyIdentity(sys, 6n);

      // 4 more WETH pay more than the debt left: the excess is penalty, minted to the reserve.
      const p2 = priceAt(ETH_2500, 20n);
      const paid2 = valueUp(wad(4), 18n, p2);
      expect(paid2).to.be.gt(debt - paid1);
      await at(t0, 20n);
      await take(bob, wad(4));
      a = await engine.auctionInfo(1n);
      expect([a.lot, a.tab, a.debt]).to.deep.equal([wad(3), tab - paid1 - paid2, 0n]);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(paid1 + paid2 - debt);
      await expectSupplyIdentity(sys, 6n);

      // The rest of the tab (penalty only) ends it; 3 WETH less what it costs go back to alice.
      const p3 = priceAt(ETH_2500, 30n);
      const left = tab - paid1 - paid2;
      const out3 = amountForValueDown(left, 18n, p3);
      await at(t0, 30n);
      await expect(take(bob, wad(3)))
        .to.emit(engine, "AuctionEnded")
        .withArgs(1n, wad(3) - out3, 0n);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(tab - debt);
      await expectSupplyIdentity(sys, 6n);
    });

    it("refuses a price above maxPrice (PriceAboveMax), and takes at exactly maxPrice", async () => {
      const price = priceAt(ETH_2500, 50n);
      const before = await snapshot(sys);
      await at(t0, 50n);
      await expect(take(bob, wad(1), price - 1n))
        .to.be.revertedWithCustomError(engine, "PriceAboveMax")
        .withArgs(price, price - 1n);
      await expectUnchanged(sys, before);
      await at(t0, 51n);
      await expect(take(bob, wad(1), priceAt(ETH_2500, 51n))).to.emit(engine, "Taken");
    });

    it("refuses once the price fell below the floor (AuctionNeedsReset), takes a second before", async () => {
      expect(multiplierAt(FLOOR_BREACH - 1n)).to.be.gte(AUCTION.floorRatio);
      expect(multiplierAt(FLOOR_BREACH)).to.be.lt(AUCTION.floorRatio);
      const before = await snapshot(sys);
      await at(t0, FLOOR_BREACH);
      await expect(take(bob, wad(1)))
        .to.be.revertedWithCustomError(engine, "AuctionNeedsReset")
        .withArgs(1n, priceAt(ETH_2500, FLOOR_BREACH), FLOOR_2500);
      await expectUnchanged(sys, before);
    });

    it("takes at the last second above the floor, never below ⌊oracle × floor⌋", async () => {
      const price = priceAt(ETH_2500, FLOOR_BREACH - 1n);
      expect(price).to.be.gte(FLOOR_2500);
      await at(t0, FLOOR_BREACH - 1n);
      await expect(take(bob, wad(1)))
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, wad(1), valueUp(wad(1), 18n, price), price, wad(9), anyValue);
    });

    it("takes at the very second the multiplier equals the floor; a second later needs a reset", async () => {
      // A floor the decay meets exactly: 1.1 × (7200 − 1800) / 7200 = 0.825.
      const floor = multiplierAt(1_800n);
      expect(floor).to.equal(wad("0.825"));
      await admin.setFloorRatio(weth, floor);
      await time.increaseTo(t0 + 1_700n);
      await refreshFeeds(sys);
      const snap = await takeSnapshot();
      await at(t0, 1_800n);
      await expect(take(bob, wad(1))).to.emit(engine, "Taken");
      await snap.restore();
      await at(t0, 1_801n);
      await expect(take(bob, wad(1))).to.be.revertedWithCustomError(engine, "AuctionNeedsReset");
    });

    it("refuses an auction older than maxAge (AuctionNeedsReset) even above the floor", async () => {
      await admin.setFloorRatio(weth, wad("0.5")); // the floor is no longer what stops it
      await time.increaseTo(t0 + MAX_AGE - 100n);
      await refreshFeeds(sys);
      const before = await snapshot(sys);
      await at(t0, MAX_AGE + 1n);
      const price = priceAt(ETH_2500, MAX_AGE + 1n);
      expect(price).to.be.gt(wad(1_250));
      await expect(take(bob, wad(1)))
        .to.be.revertedWithCustomError(engine, "AuctionNeedsReset")
        .withArgs(1n, price, wad(1_250));
      await expectUnchanged(sys, before);
    });

    it("refuses after the whole duration, at price 0 (AuctionNeedsReset): a zero bid never wins", async () => {
      await time.increaseTo(t0 + DURATION - 100n);
      await refreshFeeds(sys);
      const before = await snapshot(sys);
      await at(t0, DURATION);
      await expect(take(bob, wad(10), wad(1_000_000)))
        .to.be.revertedWithCustomError(engine, "AuctionNeedsReset")
        .withArgs(1n, 0n, FLOOR_2500);
      await expectUnchanged(sys, before);
    });

    it("prices against the live oracle: after a recovery a take pays the higher price, never below ⌊oracle × floor⌋", async () => {
      await setEthPrice(sys, 3_000); // +20 % from the recorded 2,500: live
      const p = priceAt(wad(3_000), 100n);
      await at(t0, 100n);
      await expect(take(bob, wad(1)))
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, wad(1), valueUp(wad(1), 18n, p), p, wad(9), anyValue);
      await time.increaseTo(t0 + FLOOR_BREACH - 1n);
      const [last, needsReset] = await engine.auctionPrice(1n);
      expect(needsReset).to.equal(false);
      expect(last).to.equal(priceAt(wad(3_000), FLOOR_BREACH - 1n));
      expect(last).to.be.gte(wadMulDown(wad(3_000), AUCTION.floorRatio));
    });

    it("refuses while the oracle is stale or frozen: OracleNotLive from the engine", async () => {
      const before = await snapshot(sys);
      await time.increase(ETH_HEARTBEAT + 1);
      await expect(take(bob, wad(1)))
        .to.be.revertedWithCustomError(engine, "OracleNotLive")
        .withArgs(weth, Status.Stale);
      await setEthPrice(sys, 1_800); // −28 % from the recorded 2,500
      await expect(take(bob, wad(1)))
        .to.be.revertedWithCustomError(engine, "OracleNotLive")
        .withArgs(weth, Status.Frozen);
      await expectUnchanged(sys, before);
    });

    it("refuses an ended or unknown auction (AuctionNotActive), zero maxCollateral (ZeroAmount) and a zero receiver", async () => {
      const before = await snapshot(sys);
      await expect(take(bob, 0n)).to.be.revertedWithCustomError(engine, "ZeroAmount");
      await expect(engine.connect(bob).take(1n, wad(1), wad(10_000), ZeroAddress, "0x")).to.be.revertedWithCustomError(
        engine,
        "ZeroAddress",
      );
      for (const id of [0n, 2n]) {
        await expect(engine.connect(bob).take(id, wad(1), wad(10_000), bob.address, "0x"))
          .to.be.revertedWithCustomError(engine, "AuctionNotActive")
          .withArgs(id);
      }
      await expectUnchanged(sys, before);

      await take(bob, wad(10)); // ends it
      const after = await snapshot(sys);
      await expect(take(bob, wad(1)))
        .to.be.revertedWithCustomError(engine, "AuctionNotActive")
        .withArgs(1n);
      await expect(engine.redo(1n, keeper.address))
        .to.be.revertedWithCustomError(engine, "AuctionNotActive")
        .withArgs(1n);
      await expectUnchanged(sys, after);
    });

    it("burns from the caller: a taker short of stablecoin is refused (ERC20InsufficientBalance)", async () => {
      await sys.bdol.connect(bob).transfer(carol.address, wad(100));
      const price = priceAt(ETH_2500, 40n);
      const paid = valueUp(wad(1), 18n, price);
      const before = await snapshot(sys);
      await at(t0, 40n);
      await expect(take(carol, wad(1)))
        .to.be.revertedWithCustomError(sys.bdol, "ERC20InsufficientBalance")
        .withArgs(carol.address, wad(100), paid);
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- 8 decimals

  describe("a WBTC auction (8 decimals)", () => {
    it("prices satoshis at 1e10 × price, refunds the owner and cuts a dusty take to the satoshi", async () => {
      const wbtc = await sys.wbtc.getAddress();
      const id = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(36_000)); // 1 BTC at 60,000
      await moveBtcPrice(sys, 50_000); // 50,000 < 54,000 required
      const btcDebt = await vm.debtOf(id);
      const btcTab = wadMulUp(btcDebt, WAD + PENALTY);
      const start = await timeOf(await liquidate(sys, id));
      const a = await engine.auctionInfo(1n);
      expect([a.collateral, a.owner, a.lot, a.tab, a.debt]).to.deep.equal([
        wbtc,
        carol.address,
        10n ** 8n,
        btcTab,
        btcDebt,
      ]);

      // A dusty partial take is cut to leave dust, to within one satoshi's value.
      const p1 = priceAt(wad(50_000), 30n);
      const asked = amountForValueDown(btcTab - wad(10), 8n, p1);
      const slice = amountForValueDown(btcTab - DUST, 8n, p1);
      const paid1 = valueUp(slice, 8n, p1);
      expect(btcTab - paid1).to.be.gte(DUST);
      expect(btcTab - paid1 - DUST).to.be.lte(valueUp(1n, 8n, p1));
      await at(start, 30n);
      await expect(engine.connect(bob).take(1n, asked, p1, bob.address, "0x"))
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, slice, paid1, p1, 10n ** 8n - slice, btcTab - paid1);
      expect(await sys.wbtc.balanceOf(bob.address)).to.equal(slice);

      // The rest of the tab: ⌊tab / price⌋ satoshis, the remainder back to carol.
      const p2 = priceAt(wad(50_000), 40n);
      const out = amountForValueDown(btcTab - paid1, 8n, p2);
      const refund = 10n ** 8n - slice - out;
      const carolBefore = await sys.wbtc.balanceOf(carol.address);
      await at(start, 40n);
      await expect(engine.connect(bob).take(1n, 10n ** 8n, p2, bob.address, "0x"))
        .to.emit(engine, "AuctionEnded")
        .withArgs(1n, refund, 0n);
      expect((await sys.wbtc.balanceOf(carol.address)) - carolBefore).to.equal(refund);
      expect(await sys.wbtc.balanceOf(engineAddress)).to.equal(0n);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(btcTab - btcDebt);
      await expectSupplyIdentity(sys, 8n);
    });
  });

  // --------------------------------------------------------------------------- dust

  describe("dust", () => {
    beforeEach(() => startAuction());

    it("cuts a partial take that would leave 0 < tab < dust so that the tab left is dust", async () => {
      const t = 60n;
      const price = priceAt(ETH_2500, t);
      // Asked: collateral worth all but 50 of the tab.
      const asked = amountForValueDown(tab - wad(50), 18n, price);
      expect(tab - valueUp(asked, 18n, price)).to.be.lt(DUST);
      const slice = amountForValueDown(tab - DUST, 18n, price);
      const paid = valueUp(slice, 18n, price);
      const tabLeft = tab - paid;
      // Exactly dust, up to the value of one wei of collateral at the price (≈ 2,700 wei).
      expect(tabLeft).to.be.gte(DUST);
      expect(tabLeft - DUST).to.be.lte(price / WAD + 1n);
      await at(t0, t);
      await expect(take(bob, asked))
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, slice, paid, price, wad(10) - slice, tabLeft);
      expect((await engine.auctionInfo(1n)).tab).to.equal(tabLeft);
      await expectSupplyIdentity(sys, 6n);

      // Now only the whole tab or the whole lot may go. A further partial take is refused with
      // TakeLeavesDust, both when the tab is exactly dust and when it is a few wei above (the cut to
      // "leave dust" would then buy ⌊(tab − dust) / price⌋ = 0 collateral).
      const before = await snapshot(sys);
      const p2 = priceAt(ETH_2500, t + 10n);
      const small = valueUp(wad("0.001"), 18n, p2);
      await at(t0, t + 10n);
      if (tabLeft === DUST) {
        await expect(take(bob, wad("0.001")))
          .to.be.revertedWithCustomError(engine, "TakeLeavesDust")
          .withArgs(tabLeft - small, DUST);
      } else {
        expect(amountForValueDown(tabLeft - DUST, 18n, p2)).to.equal(0n);
        await expect(take(bob, wad("0.001")))
          .to.be.revertedWithCustomError(engine, "TakeLeavesDust")
          .withArgs(tabLeft - small, DUST);
      }
      await expectUnchanged(sys, before);
      await at(t0, t + 20n);
      await expect(take(bob, wad(10))).to.emit(engine, "AuctionEnded");
    });

    it("refuses a partial take once the tab is at most dust (TakeLeavesDust); the whole tab still goes", async () => {
      // Leave a tab of about 1,000, then raise the dust above it.
      const p1 = priceAt(ETH_2500, 10n);
      await at(t0, 10n);
      await take(bob, amountForValueDown(tab - wad(1_000), 18n, p1));
      const left = (await engine.auctionInfo(1n)).tab;
      expect(left).to.be.within(wad(1_000), wad(1_001));
      await expect(admin.setAuctionDust(weth, wad(2_000)))
        .to.emit(engine, "AuctionDustSet")
        .withArgs(weth, DUST, wad(2_000));

      const p2 = priceAt(ETH_2500, 20n);
      const paid = valueUp(wad("0.1"), 18n, p2);
      const before = await snapshot(sys);
      await at(t0, 20n);
      await expect(take(bob, wad("0.1")))
        .to.be.revertedWithCustomError(engine, "TakeLeavesDust")
        .withArgs(left - paid, wad(2_000));
      await expectUnchanged(sys, before);

      // The whole tab (maxCollateral above what it buys) is not partial: it ends the auction.
      const lot = (await engine.auctionInfo(1n)).lot;
      await at(t0, 30n);
      await expect(take(bob, lot)).to.emit(engine, "AuctionEnded");
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
    });

    it("lets a partial take leave any tab when dust is 0", async () => {
      await admin.setAuctionDust(weth, 0n);
      const price = priceAt(ETH_2500, 10n);
      const asked = amountForValueDown(tab - wad(1), 18n, price);
      await at(t0, 10n);
      await take(bob, asked);
      expect((await engine.auctionInfo(1n)).tab).to.equal(tab - valueUp(asked, 18n, price));
      expect((await engine.auctionInfo(1n)).tab).to.be.lt(wad(2));
    });
  });

  describe("dust lot", () => {
    // Underwater: 10 WETH at 1,900 against a tab of 19,800, so a take of nearly the whole lot
    // leaves the tab unraised and the lot is what the dust rule must protect.
    beforeEach(() => startAuction(1_900));
    const ETH_1900 = wad(1_900);

    it("cuts a partial take that would leave a lot worth less than dust so that the lot left is worth dust", async () => {
      const t = 1_300n;
      const price = priceAt(ETH_1900, t);
      expect(valueUp(wad(10), 18n, price)).to.be.lt(tab); // the whole lot does not raise the tab
      const keep = amountForValueUp(DUST, 18n, price); // ⌈100 / 1,712.7⌉ ≈ 0.0584 WETH
      const slice = wad(10) - keep;
      const paid = valueUp(slice, 18n, price);
      expect(valueDown(keep, 18n, price)).to.be.gte(DUST);
      expect(valueDown(keep - 1n, 18n, price)).to.be.lt(DUST); // the smallest lot worth dust
      await at(t0, t);
      await expect(take(bob, wad(10) - 1n)) // all but one wei
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, slice, paid, price, keep, tab - paid);
      const a = await engine.auctionInfo(1n);
      expect([a.lot, a.tab]).to.deep.equal([keep, tab - paid]);
      expect(await engine.totalDebtUnderAuction()).to.equal(debt - paid);
      await expectSupplyIdentity(sys, 6n);
    });

    it("refuses a partial take once the lot is worth at most dust (TakeLeavesDustLot); the whole lot still goes, and the shortfall reaches the deficit", async () => {
      const t = 1_300n;
      await at(t0, t);
      await take(bob, wad(10) - 1n);
      const keep = (await engine.auctionInfo(1n)).lot;
      // Ten seconds later the price is lower: the lot left is worth just under dust.
      const p2 = priceAt(ETH_1900, t + 5n);
      const lotValue = valueDown(keep, 18n, p2);
      expect(lotValue).to.be.lt(DUST);
      const before = await snapshot(sys);
      await at(t0, t + 5n);
      await expect(take(bob, keep - 1n))
        .to.be.revertedWithCustomError(engine, "TakeLeavesDustLot")
        .withArgs(valueDown(1n, 18n, p2), DUST);
      await expect(take(bob, 1n)).to.be.revertedWithCustomError(engine, "TakeLeavesDustLot");
      await expectUnchanged(sys, before);
      // The whole lot ends the auction: the debt not raised is a shortfall, burnt or recorded as deficit.
      const left = await engine.auctionInfo(1n);
      const p3 = priceAt(ETH_1900, t + 8n);
      const paid = valueUp(keep, 18n, p3);
      const deficitBefore = await sys.reserve.deficit();
      await at(t0, t + 8n);
      const tx = await take(bob, keep);
      await expect(tx)
        .to.emit(engine, "AuctionEnded")
        .withArgs(1n, 0n, left.debt - paid);
      await expect(tx)
        .to.emit(sys.reserve, "ShortfallCovered")
        .withArgs(left.debt - paid, 0n, left.debt - paid);
      expect((await sys.reserve.deficit()) - deficitBefore).to.equal(left.debt - paid);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      expect(await engine.activeAuctionCount()).to.equal(0n);
      await expectSupplyIdentity(sys, 6n);
    });

    it("lets a partial take leave any lot when dust is 0", async () => {
      await admin.setAuctionDust(weth, 0n);
      await at(t0, 1_300n);
      await take(bob, wad(10) - 1n);
      expect((await engine.auctionInfo(1n)).lot).to.equal(1n);
    });
  });

  // --------------------------------------------------------------------------- redo

  describe("redo", () => {
    beforeEach(() => startAuction());

    it("refuses an auction that needs no reset (RedoNotNeeded), a zero keeper and an unknown id", async () => {
      const before = await snapshot(sys);
      await at(t0, FLOOR_BREACH - 1n);
      await expect(engine.redo(1n, keeper.address)).to.be.revertedWithCustomError(engine, "RedoNotNeeded").withArgs(1n);
      await expect(engine.redo(1n, ZeroAddress)).to.be.revertedWithCustomError(engine, "ZeroAddress");
      await expect(engine.redo(7n, keeper.address))
        .to.be.revertedWithCustomError(engine, "AuctionNotActive")
        .withArgs(7n);
      await expectUnchanged(sys, before);
    });

    it("restarts an auction below its floor at oracle × 1.1 and pays the keeper its gas (redoGas at the basefee)", async () => {
      await moveEthPrice(sys, 2_200);
      await time.increaseTo(t0 + FLOOR_BREACH);
      const tx = await withBasefee(10n * GWEI, (fees) => engine.connect(carol).redo(1n, keeper.address, fees));
      const reward = redoPayFor(10n * GWEI, wad(2_200), tab, valueDown(wad(10), 18n, wad(2_200)));
      expect(reward).to.equal(wad("2.2")); // 100k × 10 gwei × 2,200, not the liquidation's 400k tip
      expect((await engine.auctionInfo(1n)).paidRedos).to.equal(1n);
      await expect(tx).to.emit(engine, "AuctionReset").withArgs(1n, keeper.address, reward);
      await expect(tx)
        .to.emit(sys.reserve, "KeeperPayMinted")
        .withArgs(keeper.address, reward, keeperReward + reward);
      const restart = await timeOf(tx);
      expect((await engine.auctionInfo(1n)).startTime).to.equal(restart);
      expect(await engine.auctionPrice(1n)).to.deep.equal([wadMulDown(wad(2_200), AUCTION.startMultiplier), false]);
      // A take now pays the restarted price.
      await at(restart, 5n);
      await expect(take(bob, wad(1)))
        .to.emit(engine, "Taken")
        .withArgs(
          1n,
          bob.address,
          bob.address,
          wad(1),
          valueUp(wad(1), 18n, priceAt(wad(2_200), 5n)),
          priceAt(wad(2_200), 5n),
          wad(9),
          anyValue,
        );
      await expectSupplyIdentity(sys, 6n);
    });

    it("restarts an auction older than maxAge even above its floor", async () => {
      await admin.setFloorRatio(weth, wad("0.5"));
      await time.increaseTo(t0 + MAX_AGE - 10n);
      await refreshFeeds(sys);
      await at(t0, MAX_AGE);
      await expect(engine.redo(1n, keeper.address)).to.be.revertedWithCustomError(engine, "RedoNotNeeded");
      await at(t0, MAX_AGE + 1n);
      await expect(engine.redo(1n, keeper.address)).to.emit(engine, "AuctionReset");
      expect((await engine.auctionInfo(1n)).startTime).to.equal(t0 + MAX_AGE + 1n);
      expect(await engine.auctionPrice(1n)).to.deep.equal([wad(2_750), false]); // oracle × 1.1 again
    });

    it("pays nothing for resets during an oracle outage, when no take can happen", async () => {
      // Restarting is allowed without a live price, but unpaid: paid resets every ~22 minutes (the
      // floor is crossed 1,310 s after each restart) would only mint deficit while takes wait.
      await time.increase(BigInt(ETH_HEARTBEAT) + 1n);
      const deficitBefore = await sys.reserve.deficit();
      const keeperBdol = await sys.bdol.balanceOf(keeper.address);
      for (let i = 0; i < 16; i++) {
        // 16 resets ≈ 6 hours of outage.
        await time.increase(FLOOR_BREACH);
        const tx = await withBasefee(10n * GWEI, (fees) => engine.redo(1n, keeper.address, fees));
        expect((await eventOf(tx, engine, "AuctionReset")).reward).to.equal(0n);
        await expect(take(bob, wad(1))).to.be.revertedWithCustomError(engine, "OracleNotLive");
      }
      expect(await sys.reserve.deficit()).to.equal(deficitBefore);
      expect(await sys.bdol.balanceOf(keeper.address)).to.equal(keeperBdol);
      // Once the feed is back, a needed reset is paid again.
      await refreshFeeds(sys);
      await time.increase(FLOOR_BREACH);
      const tx = await withBasefee(10n * GWEI, (fees) => engine.redo(1n, keeper.address, fees));
      expect((await eventOf(tx, engine, "AuctionReset")).reward).to.equal(
        redoPayFor(10n * GWEI, ETH_2500, tab, valueDown(wad(10), 18n, ETH_2500)),
      );
      // The unpaid restarts did not count against the auction's paid restarts.
      expect((await engine.auctionInfo(1n)).paidRedos).to.equal(1n);
    });

    it("restarts without a live price (unpaid), while takes still wait for one", async () => {
      await time.increaseTo(t0 + BigInt(ETH_HEARTBEAT) + 1n);
      expect((await sys.oracle.getPrice(weth))[1]).to.equal(Status.Stale);
      const tx = await withBasefee(GWEI, (fees) => engine.redo(1n, keeper.address, fees));
      await expect(tx).to.emit(engine, "AuctionReset").withArgs(1n, keeper.address, 0n);
      await expect(take(bob, wad(1)))
        .to.be.revertedWithCustomError(engine, "OracleNotLive")
        .withArgs(weth, Status.Stale);
      expect((await engine.auctionPrice(1n))[1]).to.equal(true);
    });

    it("caps the reset pay at maxRewardShare × min(tab, lot value) / MAX_PAID_REDOS, and at maxTip", async () => {
      await time.increaseTo(t0 + FLOOR_BREACH);
      // 100k × 1,000 gwei × 2,500 = 250, under maxTip 500, capped at 2 % × min(19,800, 25,000) / 10 = 39.6.
      const tx = await withBasefee(1_000n * GWEI, (fees) => engine.redo(1n, keeper.address, fees));
      const cap = wadMulDown(tab, KEEPER.maxRewardShare) / BOUNDS.MAX_PAID_REDOS;
      expect(cap).to.be.within(wad("39.6"), wad("39.6") + 1n);
      await expect(tx).to.emit(engine, "AuctionReset").withArgs(1n, keeper.address, cap);
      // With a lower maxTip the tip cap binds first.
      await admin.setMaxTip(wad(10));
      await time.increase(FLOOR_BREACH);
      await refreshFeeds(sys);
      await expect(withBasefee(1_000n * GWEI, (fees) => engine.redo(1n, keeper.address, fees)))
        .to.emit(engine, "AuctionReset")
        .withArgs(1n, keeper.address, wad(10));
    });

    it("pays at most MAX_PAID_REDOS restarts in an auction's life (at most maxRewardShare × tab in all); later restarts are free", async () => {
      const keeperBefore = await sys.bdol.balanceOf(keeper.address);
      const deficitBefore = await sys.reserve.deficit();
      let paid = 0n;
      for (let i = 1n; i <= BOUNDS.MAX_PAID_REDOS + 3n; i++) {
        await time.increase(FLOOR_BREACH);
        await refreshFeeds(sys);
        const tx = await withBasefee(20n * GWEI, (fees) => engine.redo(1n, keeper.address, fees));
        const reward = (await eventOf(tx, engine, "AuctionReset")).reward as bigint;
        const expected = i <= BOUNDS.MAX_PAID_REDOS ? redoPayFor(20n * GWEI, ETH_2500, tab, wad(25_000)) : 0n;
        expect(reward, `restart ${i}`).to.equal(expected);
        expect((await engine.auctionInfo(1n)).paidRedos).to.equal(min(i, BOUNDS.MAX_PAID_REDOS));
        paid += reward;
      }
      expect(paid).to.equal(BOUNDS.MAX_PAID_REDOS * wad(5)); // 10 × (100k × 20 gwei × 2,500)
      expect(paid).to.be.lte(wadMulDown(tab, KEEPER.maxRewardShare));
      expect((await sys.bdol.balanceOf(keeper.address)) - keeperBefore).to.equal(paid);
      expect((await sys.reserve.deficit()) - deficitBefore).to.equal(paid); // an empty reserve: minted into deficit
      // The auction still works: a take after the last (free) restart.
      await at(BigInt(await time.latest()), 5n);
      await expect(take(bob, wad(1))).to.emit(engine, "Taken");
    });

    it("pays nothing and counts nothing with redoGas 0 or a zero basefee", async () => {
      await admin.setRedoGas(0n);
      await time.increaseTo(t0 + FLOOR_BREACH);
      await expect(withBasefee(100n * GWEI, (fees) => engine.redo(1n, keeper.address, fees)))
        .to.emit(engine, "AuctionReset")
        .withArgs(1n, keeper.address, 0n);
      await admin.setRedoGas(KEEPER.redoGas);
      await time.increase(FLOOR_BREACH);
      await refreshFeeds(sys);
      await expect(engine.redo(1n, keeper.address)).to.emit(engine, "AuctionReset").withArgs(1n, keeper.address, 0n);
      expect((await engine.auctionInfo(1n)).paidRedos).to.equal(0n);
    });
  });

  // --------------------------------------------------------------------------- refunds

  describe("a refund the owner's token refuses", () => {
    it("is credited instead: the auction still ends, and the owner claims the leftover to another address", async () => {
      // A USDC/USDT-style token that blocks addresses, priced by the ETH feed, as a collateral.
      const token = (await ethers.deployContract("MockBlocklistToken")) as unknown as MockBlocklistToken;
      const tokenAddress = await token.getAddress();
      await vm.connect(await adminOf(vm)).addCollateral(tokenAddress, {
        oracleAsset: weth,
        debtCeiling: wad(1_000_000),
        minDebt: MIN_DEBT,
        liquidationRatio: LR,
        borrowRatio: wad("1.6"),
        liquidationPenalty: PENALTY,
        stabilityFee: 10n ** 27n,
      });
      await admin.configureCollateral(tokenAddress, AUCTION);
      await token.mint(alice.address, wad(10));
      await token.connect(alice).approve(await vm.getAddress(), wad(10));
      await vm.connect(alice).openVault(tokenAddress, wad(10), wad(18_000));
      const id = await vm.vaultCount();
      await moveEthPrice(sys, 2_500);
      await token.setBlocked(alice.address, true);

      const liquidation = await liquidate(sys, id);
      const auctionId = (await eventOf(liquidation, engine, "Liquidated")).auctionId as bigint;
      const lot = (await engine.auctionInfo(auctionId)).lot;
      const tx = await engine.connect(bob).take(auctionId, lot, wad(1_000_000), bob.address, "0x");
      const refund = (await eventOf(tx, engine, "AuctionEnded")).refund as bigint;
      expect(refund).to.be.gt(0n);
      await expect(tx).to.emit(engine, "RefundCredited").withArgs(alice.address, tokenAddress, refund);
      expect((await engine.auctionInfo(auctionId)).collateral).to.equal(ZeroAddress); // ended
      expect(await engine.refundOf(alice.address, tokenAddress)).to.equal(refund);
      expect(await token.balanceOf(engineAddress)).to.equal(refund);
      expect(await token.balanceOf(bob.address)).to.equal(lot - refund);

      await expect(engine.connect(alice).claimRefund(tokenAddress, ZeroAddress)).to.be.revertedWithCustomError(
        engine,
        "ZeroAddress",
      );
      await expect(engine.connect(alice).claimRefund(tokenAddress, carol.address))
        .to.emit(engine, "RefundClaimed")
        .withArgs(alice.address, tokenAddress, carol.address, refund);
      expect(await token.balanceOf(carol.address)).to.equal(refund);
      expect(await engine.refundOf(alice.address, tokenAddress)).to.equal(0n);
      await expect(engine.connect(alice).claimRefund(tokenAddress, carol.address))
        .to.be.revertedWithCustomError(engine, "NothingToClaim")
        .withArgs(alice.address, tokenAddress);
      await expect(engine.connect(bob).claimRefund(weth, bob.address))
        .to.be.revertedWithCustomError(engine, "NothingToClaim")
        .withArgs(bob.address, weth);
    });
  });

  // --------------------------------------------------------------------------- callbacks

  describe("take callbacks", () => {
    let taker: MockTaker;
    let takerAddress: string;

    beforeEach(async () => {
      await startAuction();
      taker = (await ethers.deployContract("MockTaker", [
        engineAddress,
        await sys.bdol.getAddress(),
      ])) as unknown as MockTaker;
      takerAddress = await taker.getAddress();
    });

    it("sends the collateral first, then calls onTake(taker, collateral, owed, data), then burns from the taker", async () => {
      // The taker contract holds nothing; its callback pulls what it owes from bob (a funder).
      await taker.setMode(0); // Pay
      await taker.setFunder(bob.address);
      await sys.bdol.connect(bob).approve(takerAddress, ethers.MaxUint256);
      const price = priceAt(ETH_2500, 30n);
      const paid = valueUp(wad(2), 18n, price);
      const bobBefore = await sys.bdol.balanceOf(bob.address);
      await at(t0, 30n);
      await expect(taker.take(1n, wad(2), price, "0xbeef"))
        .to.emit(engine, "Taken")
        .withArgs(1n, takerAddress, takerAddress, wad(2), paid, price, wad(8), tab - paid);
      expect(await taker.calls()).to.equal(1n);
      expect([
        await taker.lastTaker(),
        await taker.lastCollateralAmount(),
        await taker.lastOwed(),
        await taker.lastData(),
      ]).to.deep.equal([takerAddress, wad(2), paid, "0xbeef"]);
      expect(await taker.collateralSeen()).to.equal(wad(2)); // the collateral was there during the callback
      expect(await sys.weth.balanceOf(takerAddress)).to.equal(wad(2));
      expect(await sys.bdol.balanceOf(takerAddress)).to.equal(0n);
      expect(bobBefore - (await sys.bdol.balanceOf(bob.address))).to.equal(paid);
      await expectSupplyIdentity(sys, 6n);
    });

    it("passes the caller as `taker` when the receiver is someone else's contract, and skips the callback without data", async () => {
      await taker.setMode(1); // NoPay: bob pays himself
      await taker.setTrustedTaker(bob.address);
      const price = priceAt(ETH_2500, 30n);
      const paid = valueUp(wad(1), 18n, price);
      await at(t0, 30n);
      await engine.connect(bob).take(1n, wad(1), price, takerAddress, "0x01");
      expect(await taker.lastTaker()).to.equal(bob.address);
      expect(await taker.lastOwed()).to.equal(paid);
      expect(await sys.weth.balanceOf(takerAddress)).to.equal(wad(1));
      await engine.connect(bob).take(1n, wad(1), wad(1_000_000), takerAddress, "0x");
      expect(await taker.calls()).to.equal(1n); // no second callback
      expect(await sys.weth.balanceOf(takerAddress)).to.equal(wad(2));
    });

    it("lets a receiver refuse a stranger's take (it must check `taker`): a stranger cannot make it pay", async () => {
      // Pay mode: the receiver would pay whoever took. A stranger names it as receiver with data.
      await taker.setMode(0);
      await taker.setFunder(bob.address);
      await sys.bdol.connect(bob).approve(takerAddress, ethers.MaxUint256);
      const before = await snapshot(sys, [takerAddress]);
      await at(t0, 30n);
      await expect(engine.connect(attacker).take(1n, wad(2), wad(1_000_000), takerAddress, "0x01"))
        .to.be.revertedWithCustomError(taker, "UntrustedTaker")
        .withArgs(attacker.address);
      await expectUnchanged(sys, before, [takerAddress]);
      // Without data there is no callback: the stranger pays for what the receiver gets.
      await expect(
        engine.connect(attacker).take(1n, wad(2), wad(1_000_000), takerAddress, "0x"),
      ).to.be.revertedWithCustomError(sys.bdol, "ERC20InsufficientBalance");
    });

    it("reverts the whole take when the callback does not pay (ERC20InsufficientBalance from the stablecoin)", async () => {
      await taker.setMode(1); // NoPay
      const price = priceAt(ETH_2500, 30n);
      const paid = valueUp(wad(2), 18n, price);
      const before = await snapshot(sys, [takerAddress]);
      await at(t0, 30n);
      await expect(taker.take(1n, wad(2), price, "0x01"))
        .to.be.revertedWithCustomError(sys.bdol, "ERC20InsufficientBalance")
        .withArgs(takerAddress, 0n, paid);
      await expectUnchanged(sys, before, [takerAddress]);
      expect(await taker.calls()).to.equal(0n);
    });

    it("refuses re-entry from the callback into take, liquidate, redo and a reserve sale (ReentrancyGuardReentrantCall)", async () => {
      // A second unhealthy vault that liquidate could otherwise take, and WETH the reserve could sell.
      const other = await openVault(sys, carol, sys.weth, wad(2), wad(3_000));
      await moveEthPrice(sys, 2_200);
      await sys.weth.mint(reserveAddress, wad(1));
      await sys.bdol.connect(bob).transfer(takerAddress, wad(30_000));
      await taker.setMode(2); // Call
      const calls: [string, string][] = [
        [engineAddress, engine.interface.encodeFunctionData("take", [1n, wad(1), wad(1_000_000), takerAddress, "0x"])],
        [engineAddress, engine.interface.encodeFunctionData("liquidate", [other, takerAddress])],
        [engineAddress, engine.interface.encodeFunctionData("redo", [1n, takerAddress])],
        [reserveAddress, sys.reserve.interface.encodeFunctionData("sellCollateral", [weth, wad(1)])],
      ];
      const before = await snapshot(sys, [takerAddress]);
      for (const [target, data] of calls) {
        await taker.setCall(target, data);
        await expect(taker.take(1n, wad(1), wad(1_000_000), "0x01")).to.be.revertedWithCustomError(
          engine,
          "ReentrancyGuardReentrantCall",
        );
      }
      await expectUnchanged(sys, before, [takerAddress]);
      // Outside a take the same liquidation goes through: the guard is what stopped it.
      await expect(liquidate(sys, other)).to.emit(engine, "Liquidated");
    });

    it("reverts a take whose receiver has no code when data asks for a callback", async () => {
      const before = await snapshot(sys);
      await expect(engine.connect(bob).take(1n, wad(1), wad(1_000_000), carol.address, "0x01")).to.be.reverted;
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- no capital

  describe("a keeper with no capital", () => {
    let dex: MockDex;
    let flash: MockTakerFlashMint;
    let beneficiary: HardhatEthersSigner;

    beforeEach(async () => {
      await startAuction();
      dex = (await ethers.deployContract("MockDex", [await sys.bdol.getAddress()])) as unknown as MockDex;
      await dex.setPrice(weth, ETH_2500); // the market trades at the oracle price
      await sys.bdol.connect(bob).transfer(await dex.getAddress(), wad(50_000));
      flash = (await ethers.deployContract("MockTakerFlashMint", [
        engineAddress,
        await sys.bdol.getAddress(),
        await dex.getAddress(),
      ])) as unknown as MockTakerFlashMint;
      beneficiary = (await ethers.getSigners())[7];
      expect(await sys.bdol.balanceOf(beneficiary.address)).to.equal(0n);
    });

    for (const useCallback of [true, false]) {
      it(`flash-mints, takes ${useCallback ? "with the callback selling inside onTake" : "then sells"}, repays and keeps the profit`, async () => {
        const t = 1_200n; // multiplier 0.9167: the auction sells below the market
        const price = priceAt(ETH_2500, t);
        const out = amountForValueDown(tab, 18n, price);
        const proceeds = (out * ETH_2500) / WAD;
        const loan = tab;
        const fee = wadMulUp(loan, LOCAL.stablecoin.flashFeeRate);
        const reserveBefore = await sys.bdol.balanceOf(reserveAddress);
        const supplyBefore = await sys.bdol.totalSupply();
        await time.increaseTo(t0 + t - 5n);
        await refreshFeeds(sys);
        await at(t0, t);
        const tx = await flash.connect(beneficiary).run(1n, wad(10), price, loan, useCallback, beneficiary.address);
        await expect(tx)
          .to.emit(engine, "AuctionEnded")
          .withArgs(1n, wad(10) - out, 0n);
        expect(await flash.lastPaid()).to.equal(tab);
        expect(await flash.lastCollateralOut()).to.equal(out);
        expect(await flash.lastSold()).to.equal(proceeds);
        expect(await flash.lastFlashFee()).to.equal(fee);
        // Profit: the market value of what was bought, minus the tab and the flash fee.
        expect(await sys.bdol.balanceOf(beneficiary.address)).to.equal(proceeds - tab - fee);
        expect(proceeds - tab - fee).to.be.gt(wad(1_700));
        expect(await sys.bdol.balanceOf(await flash.getAddress())).to.equal(0n);
        expect(await sys.weth.balanceOf(await flash.getAddress())).to.equal(0n);
        // The reserve got the penalty and the flash fee; the debt was burnt; nothing was left minted.
        expect((await sys.bdol.balanceOf(reserveAddress)) - reserveBefore).to.equal(tab - debt + fee);
        expect(supplyBefore - (await sys.bdol.totalSupply())).to.equal(debt);
        expect(await engine.totalDebtUnderAuction()).to.equal(0n);
        await expectSupplyIdentity(sys, 6n);
      });
    }
  });

  // --------------------------------------------------------------------------- shortfall and deficit

  describe("shortfall", () => {
    it("loses the penalty first: a lot worth between the debt and the tab ends with no shortfall", async () => {
      await startAuction(1_900); // 10 WETH at 1,900: 19,000 between 18,000 and 19,800
      const t = 655n; // multiplier just under 1
      const price = priceAt(wad(1_900), t);
      const paid = valueUp(wad(10), 18n, price);
      expect(paid).to.be.gt(debt);
      expect(paid).to.be.lt(tab);
      await time.increaseTo(t0 + t - 5n);
      await at(t0, t);
      const tx = await take(bob, wad(10));
      await expect(tx).to.emit(engine, "AuctionEnded").withArgs(1n, 0n, 0n);
      await expect(tx).not.to.emit(sys.reserve, "ShortfallCovered");
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(paid - debt);
      expect(await sys.reserve.deficit()).to.equal(keeperReward);
      await expectSupplyIdentity(sys, 6n);
    });

    it("covers a shortfall with the reserve's stablecoin, records the rest as deficit, and heals it with later inflows", async () => {
      await startAuction(1_500); // 10 WETH at 1,500 = 15,000 against 18,000 of debt
      expect(await sys.reserve.deficit()).to.equal(keeperReward);
      await sys.bdol.connect(bob).transfer(reserveAddress, wad(1_000));
      // With a deficit, the balance heals it before anything is buffer or surplus.
      expect(await sys.reserve.stabilityBuffer()).to.equal(
        wadMulDown(wad(1_000) - keeperReward, LOCAL.reserve.bufferShare),
      );

      const t = 5n;
      const price = priceAt(wad(1_500), t);
      const paid = valueUp(wad(10), 18n, price); // ≈ 16,497.7
      const shortfall = debt - paid;
      await at(t0, t);
      const tx = await take(bob, wad(10));
      await expect(tx)
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, wad(10), paid, price, 0n, tab - paid);
      await expect(tx).to.emit(engine, "AuctionEnded").withArgs(1n, 0n, shortfall);
      // Booking first burns the keeper's minted pay, so the ledgers hold 1,000 − keeperReward.
      await expect(tx).to.emit(sys.reserve, "DeficitHealed").withArgs(keeperReward, 0n);
      await expect(tx)
        .to.emit(sys.reserve, "ShortfallCovered")
        .withArgs(shortfall, wad(1_000) - keeperReward, shortfall - wad(1_000) + keeperReward);
      const deficit = keeperReward + shortfall - wad(1_000);
      expect(await sys.reserve.deficit()).to.equal(deficit);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(0n);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(0n);
      expect([await sys.reserve.stabilityBuffer(), await sys.reserve.surplus()]).to.deep.equal([0n, 0n]);
      expect((await sys.lens.systemSnapshot()).deficit).to.equal(deficit);
      await expectSupplyIdentity(sys, 6n);

      // Nothing to heal with.
      const before = await snapshot(sys);
      await expect(sys.reserve.heal()).to.be.revertedWithCustomError(sys.reserve, "NothingToHeal");
      await expectUnchanged(sys, before);

      // New surplus (a donation, a flash fee) is burnt against the deficit first.
      expect(deficit).to.be.within(wad(500), wad(600)); // 1,502 short + the keeper's ≈ 28 − 1,000
      await sys.bdol.connect(bob).transfer(reserveAddress, wad(200));
      expect(await sys.reserve.stabilityBuffer()).to.equal(0n);
      expect(await sys.reserve.surplus()).to.equal(0n);
      await expect(sys.reserve.heal())
        .to.emit(sys.reserve, "DeficitHealed")
        .withArgs(wad(200), deficit - wad(200));
      await expectSupplyIdentity(sys, 6n);
      const borrower = await ethers.deployContract("MockFlashBorrower", [await sys.bdol.getAddress()]);
      await sys.bdol.connect(bob).transfer(await borrower.getAddress(), wad(100));
      await borrower.borrow(wad(100_000)); // fee 50 to the reserve
      await expect(sys.reserve.heal())
        .to.emit(sys.reserve, "DeficitHealed")
        .withArgs(wad(50), deficit - wad(250));

      // Paid off completely: the rest is buffer and surplus again.
      await sys.bdol.connect(bob).transfer(reserveAddress, deficit - wad(250) + wad(100));
      expect(await sys.reserve.heal.staticCall()).to.equal(deficit - wad(250));
      await sys.reserve.heal();
      expect(await sys.reserve.deficit()).to.equal(0n);
      expect([await sys.reserve.stabilityBuffer(), await sys.reserve.surplus()]).to.deep.equal([wad(80), wad(20)]);
      await expect(sys.reserve.heal()).to.be.revertedWithCustomError(sys.reserve, "NothingToHeal");
      await expectSupplyIdentity(sys, 6n);
    });
  });

  // --------------------------------------------------------------------------- reserve sales

  describe("reserve collateral sale", () => {
    let held: bigint;

    beforeEach(async () => {
      // Full absorption: the reserve holds ≈ 7.92 WETH.
      vaultId = await unhealthyVault(sys, alice);
      await donateToReserve(sys, carol, wad(25_000));
      await liquidate(sys, vaultId);
      held = await reserveHolding(sys, sys.weth);
      expect(held).to.be.within(wad("7.92"), wad("7.92") + 1n);
    });

    it("auctions reserve collateral with no debt: everything paid is minted to the reserve", async () => {
      const auctionId = await sys.reserve.connect(attacker).sellCollateral.staticCall(weth, wad(5));
      expect(auctionId).to.equal(1n);
      const tx = await sys.reserve.connect(attacker).sellCollateral(weth, wad(5));
      const start = await timeOf(tx);
      await expect(tx).to.emit(sys.reserve, "CollateralSaleStarted").withArgs(weth, wad(5), 1n);
      await expect(tx).to.emit(engine, "AuctionStarted").withArgs(1n, 0n, weth, wad(5), SALE_TAB, 0n);
      const a = await engine.auctionInfo(1n);
      expect([a.collateral, a.owner, a.lot, a.tab, a.debt, a.startTime]).to.deep.equal([
        weth,
        reserveAddress,
        wad(5),
        SALE_TAB,
        0n,
        start,
      ]);
      expect((await engine.collateralState(weth)).collateralOnSale).to.equal(wad(5));
      expect(await sys.weth.balanceOf(engineAddress)).to.equal(wad(5));
      // The reserve's holding counts the lot on sale.
      expect(await reserveHolding(sys, sys.weth)).to.equal(held);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);

      const reserveBdol = await sys.bdol.balanceOf(reserveAddress);
      const supply = await sys.bdol.totalSupply();
      const p = priceAt(ETH_2500, 20n);
      const paid = valueUp(wad(2), 18n, p);
      await at(start, 20n);
      await expect(engine.connect(bob).take(1n, wad(2), p, bob.address, "0x"))
        .to.emit(engine, "Taken")
        .withArgs(1n, bob.address, bob.address, wad(2), paid, p, wad(3), SALE_TAB - paid);
      expect((await sys.bdol.balanceOf(reserveAddress)) - reserveBdol).to.equal(paid);
      expect(await sys.bdol.totalSupply()).to.equal(supply);
      expect((await engine.collateralState(weth)).collateralOnSale).to.equal(wad(3));
      expect(await reserveHolding(sys, sys.weth)).to.equal(held - wad(2));

      // The rest of the lot ends the sale: no refund, no shortfall.
      await at(start, 30n);
      await expect(engine.connect(bob).take(1n, wad(100), wad(1_000_000), bob.address, "0x"))
        .to.emit(engine, "AuctionEnded")
        .withArgs(1n, 0n, 0n);
      expect((await engine.collateralState(weth)).collateralOnSale).to.equal(0n);
      expect(await reserveHolding(sys, sys.weth)).to.equal(held - wad(5));
      await expectSupplyIdentity(sys, 8n);
    });

    it("resets a stale sale like any auction, paying at most maxRewardShare of the lot's value / MAX_PAID_REDOS", async () => {
      const tx = await sys.reserve.sellCollateral(weth, wad(1));
      const start = await timeOf(tx);
      await time.increaseTo(start + FLOOR_BREACH);
      // 2 % of 2,500 / 10 = 5 (the gas part, 100k × 1,000 gwei × 2,500 = 250, is higher)
      const cap = wadMulDown(valueDown(wad(1), 18n, ETH_2500), KEEPER.maxRewardShare) / BOUNDS.MAX_PAID_REDOS;
      await expect(withBasefee(1_000n * GWEI, (fees) => engine.redo(1n, keeper.address, fees)))
        .to.emit(engine, "AuctionReset")
        .withArgs(1n, keeper.address, cap);
    });

    it("refuses more than the reserve holds (InsufficientReserveCollateral), zero, and a collateral the engine does not auction", async () => {
      const before = await snapshot(sys);
      await expect(sys.reserve.sellCollateral(weth, held + 1n))
        .to.be.revertedWithCustomError(sys.reserve, "InsufficientReserveCollateral")
        .withArgs(weth, held + 1n, held);
      await expect(sys.reserve.sellCollateral(weth, 0n)).to.be.revertedWithCustomError(sys.reserve, "ZeroAmount");
      await expectUnchanged(sys, before);
      const usdc = await sys.usdc.getAddress();
      await sys.usdc.mint(reserveAddress, 1_000n * 10n ** 6n);
      await expect(sys.reserve.sellCollateral(usdc, 10n ** 6n))
        .to.be.revertedWithCustomError(engine, "CollateralNotConfigured")
        .withArgs(usdc);
      expect(await sys.usdc.balanceOf(reserveAddress)).to.equal(1_000n * 10n ** 6n);
    });

    it("refuses a lot worth less than the collateral's dust at the oracle price (LotTooSmall)", async () => {
      // 0.0399 WETH at 2,500 = 99.75 < 100.
      const amount = wad("0.0399");
      const value = valueDown(amount, 18n, ETH_2500);
      expect(value).to.be.lt(DUST);
      const before = await snapshot(sys);
      await expect(sys.reserve.sellCollateral(weth, amount))
        .to.be.revertedWithCustomError(engine, "LotTooSmall")
        .withArgs(value, DUST);
      await expectUnchanged(sys, before);
      await expect(sys.reserve.sellCollateral(weth, wad("0.04"))).to.emit(engine, "AuctionStarted");
    });

    it("refuses a sale of nothing even from the reserve (ZeroAmount)", async () => {
      const reserveAddress = await sys.reserve.getAddress();
      await ethers.provider.send("hardhat_impersonateAccount", [reserveAddress]);
      await ethers.provider.send("hardhat_setBalance", [reserveAddress, "0xDE0B6B3A7640000"]);
      const asReserve = await ethers.getSigner(reserveAddress);
      const before = await snapshot(sys);
      await expect(engine.connect(asReserve).startSale(weth, 0n)).to.be.revertedWithCustomError(engine, "ZeroAmount");
      await expectUnchanged(sys, before);
      await ethers.provider.send("hardhat_stopImpersonatingAccount", [reserveAddress]);
    });

    it("lets only the reserve start a sale on the engine (NotReserve)", async () => {
      await sys.weth.mint(attacker.address, wad(1));
      await sys.weth.connect(attacker).transfer(engineAddress, wad(1));
      const before = await snapshot(sys);
      for (const caller of [attacker, sys.deployer]) {
        await expect(engine.connect(caller).startSale(weth, wad(1)))
          .to.be.revertedWithCustomError(engine, "NotReserve")
          .withArgs(caller.address);
      }
      await expectUnchanged(sys, before);
    });
  });
});

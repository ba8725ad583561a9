import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress } from "ethers";

import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, openVault, type System } from "../helpers/fixtures";
import type { ReserveLens } from "../../typechain-types";
import {
  elapse,
  loadMarket,
  loadSeededSystem,
  movePoolTo,
  refreshFeeds,
  useMarketFeed,
  type Market,
} from "../helpers/market";
import {
  ETH_HEARTBEAT,
  Status,
  donateToReserve,
  freezeRates,
  liquidate,
  moveBtcPrice,
  moveEthPrice,
  priceAt,
  reserveHolding,
  setEthPrice,
  spareBdol,
  timeOf,
  unhealthyVault,
  valueDown,
  wadDivDown,
} from "../liquidation/helpers";

describe("ReserveLens", () => {
  let sys: System;
  let lens: ReserveLens;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let others: HardhatEthersSigner[];
  let weth: string;
  let wbtc: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol } = sys);
    lens = sys.lens;
    others = (await ethers.getSigners()).slice(6, 12);
    weth = await sys.weth.getAddress();
    wbtc = await sys.wbtc.getAddress();
    await freezeRates(sys);
  });

  /** Every field of systemSnapshot() against the contracts it aggregates, read in the same block. */
  async function expectSnapshotMatches() {
    const snap = await lens.systemSnapshot();
    const vm = sys.vaultManager;
    const tokens = await vm.collaterals();
    expect(snap.collaterals.length).to.equal(tokens.length);
    let vaultDebt = 0n;
    let collateralValue = 0n;
    for (let i = 0; i < tokens.length; i++) {
      const c = snap.collaterals[i];
      const token = tokens[i];
      const config = await vm.collateralConfig(token);
      const [price, status] = await sys.oracle.getPrice(config.oracleAsset);
      const debt = await vm.totalDebt(token);
      const value = valueDown(config.totalCollateral, config.decimals, price);
      expect([c.token, c.oracleAsset, c.price, c.priceStatus], `collateral ${i} price`).to.deep.equal([
        token,
        config.oracleAsset,
        price,
        status,
      ]);
      expect(
        [c.totalCollateral, c.collateralValue, c.debt, c.debtCeiling, c.utilisation],
        `collateral ${i} book`,
      ).to.deep.equal([
        config.totalCollateral,
        value,
        debt,
        config.debtCeiling,
        config.debtCeiling === 0n ? 0n : wadDivDown(debt, config.debtCeiling),
      ]);
      expect(
        [c.liquidationRatio, c.borrowRatio, c.liquidationPenalty, c.stabilityFee, c.paused],
        `collateral ${i} parameters`,
      ).to.deep.equal([
        config.liquidationRatio,
        config.borrowRatio,
        config.liquidationPenalty,
        config.stabilityFee,
        config.paused,
      ]);
      expect([c.debtUnderAuction, c.reserveHolding, c.volatility], `collateral ${i} liquidation`).to.deep.equal([
        (await sys.engine.collateralState(token)).debtUnderAuction,
        await reserveHolding(sys, { getAddress: async () => token }),
        await sys.oracle.volatility(config.oracleAsset),
      ]);
      vaultDebt += debt;
      collateralValue += value;
    }
    const underAuction = await sys.engine.totalDebtUnderAuction();
    expect(snap.totalDebt).to.equal(vaultDebt + underAuction);
    expect(snap.totalCollateralValue).to.equal(collateralValue);
    expect(snap.systemCollateralRatio).to.equal(vaultDebt === 0n ? MaxUint256 : wadDivDown(collateralValue, vaultDebt));
    expect(snap.stablecoinSupply).to.equal(await sys.bdol.totalSupply());
    expect(snap.reserveValue).to.equal(await sys.reserve.totalReserveValue());
    expect(snap.reserveRatio).to.equal(await sys.reserve.reserveRatio());
    expect(snap.stabilityBuffer).to.equal(await sys.reserve.stabilityBuffer());
    expect(snap.surplus).to.equal(await sys.reserve.surplus());
    expect(snap.deficit).to.equal(await sys.reserve.deficit());
    expect(snap.totalDebtUnderAuction).to.equal(underAuction);
    expect(snap.auctionCount).to.equal(await sys.engine.auctionCount());
    expect(snap.vaultCount).to.equal(await vm.vaultCount());
    expect(snap.timestamp).to.equal(BigInt(await time.latest()));
    return snap;
  }

  /** Every entry of a vaultsHealth page against vaultInfo and healthFactor. */
  async function expectPageMatches(fromId: bigint, count: bigint, expectedIds: bigint[]) {
    const page = await lens.vaultsHealth(fromId, count);
    expect(page.map((v) => v.vaultId)).to.deep.equal(expectedIds);
    for (const v of page) {
      let info: [string, string, bigint, bigint] | undefined;
      try {
        const r = await sys.vaultManager.vaultInfo(v.vaultId);
        info = [r[0], r[1], r[2], r[3]];
      } catch {
        info = undefined;
      }
      if (info === undefined) {
        // Closed: no owner, nothing held or owed, health ∞ (nothing to liquidate).
        expect(
          [v.owner, v.collateral, v.collateralAmount, v.debt, v.healthFactor],
          `closed vault ${v.vaultId}`,
        ).to.deep.equal([ZeroAddress, ZeroAddress, 0n, 0n, MaxUint256]);
      } else {
        expect([v.owner, v.collateral, v.collateralAmount, v.debt], `vault ${v.vaultId}`).to.deep.equal(info);
        expect(v.healthFactor, `health of vault ${v.vaultId}`).to.equal(await sys.vaultManager.healthFactor(v.vaultId));
      }
    }
    return page;
  }

  // --------------------------------------------------------------------------- wiring

  it("reads the deployed vault manager, engine, the engine's reserve and the oracle; rejects zero addresses", async () => {
    expect(await lens.vaultManager()).to.equal(await sys.vaultManager.getAddress());
    expect(await lens.liquidationEngine()).to.equal(await sys.engine.getAddress());
    expect(await lens.reserve()).to.equal(await sys.reserve.getAddress());
    expect(await lens.oracle()).to.equal(await sys.oracle.getAddress());
    expect(await lens.riskController()).to.equal(await sys.risk.getAddress());
    const factory = await ethers.getContractFactory("ReserveLens");
    const [vm, engine] = [await sys.vaultManager.getAddress(), await sys.engine.getAddress()];
    await expect(factory.deploy(ZeroAddress, engine, ZeroAddress)).to.be.revertedWithCustomError(
      factory,
      "ZeroAddress",
    );
    await expect(factory.deploy(vm, ZeroAddress, ZeroAddress)).to.be.revertedWithCustomError(factory, "ZeroAddress");
    // Without a risk controller the lens still reads the system; its risk section is empty.
    const bare = await factory.deploy(vm, engine, ZeroAddress);
    const snap = await bare.systemSnapshot();
    expect(snap.risk.controller).to.equal(ZeroAddress);
    expect(snap.risk.reserveTargetNow).to.equal(0n);
    expect(snap.collaterals.map((c) => c.managed)).to.deep.equal([false, false]);
  });

  // --------------------------------------------------------------------------- systemSnapshot

  describe("systemSnapshot", () => {
    it("describes an empty system: no debt (ratios at max), both collaterals at their feed prices", async () => {
      const snap = await expectSnapshotMatches();
      expect(snap.collaterals.map((c) => c.token)).to.deep.equal([weth, wbtc]);
      expect(snap.collaterals.map((c) => c.price)).to.deep.equal([wad(3_000), wad(60_000)]);
      expect(snap.collaterals.map((c) => c.priceStatus)).to.deep.equal([BigInt(Status.Live), BigInt(Status.Live)]);
      expect([snap.totalDebt, snap.systemCollateralRatio, snap.reserveRatio, snap.stablecoinSupply]).to.deep.equal([
        0n,
        MaxUint256,
        MaxUint256,
        0n,
      ]);
      expect([snap.auctionCount, snap.vaultCount]).to.deep.equal([0n, 0n]);
    });

    it("matches the underlying contracts field by field with auctions, absorption, a sale, a deficit, a pause and a closed vault", async () => {
      await spareBdol(sys, bob, wad(60_000)); // vault 1 (WBTC)
      const auctioned = await unhealthyVault(sys, alice); // vault 2
      const absorbed = await openVault(sys, carol, sys.weth, wad(2), wad(3_000)); // vault 3
      const closed = await openVault(sys, others[0], sys.weth, wad(1), 0n); // vault 4
      await sys.vaultManager.connect(others[0]).closeVault(closed, others[0].address);
      await liquidate(sys, auctioned); // auction 1; reserve empty: keeper pay is deficit
      await moveEthPrice(sys, 2_200); // recorded moves: a volatility estimate
      await donateToReserve(sys, bob, wad(10_000));
      await liquidate(sys, absorbed); // absorbed, WETH escrowed for the reserve
      await sys.reserve.sellCollateral(weth, wad(1)); // auction 2: a reserve sale
      await sys.vaultManager.connect(await adminOf(sys.vaultManager)).pauseRiskAdding(wbtc);
      await moveBtcPrice(sys, 55_000);

      const snap = await expectSnapshotMatches();
      const [w, b] = snap.collaterals;
      expect(w.debtUnderAuction).to.be.gt(wad(17_999));
      expect(w.reserveHolding).to.be.gt(wad(1)); // escrowed + on sale
      expect(w.volatility).to.be.gt(0n);
      expect(b.paused).to.equal(true);
      expect(snap.deficit).to.equal(0n); // healed by the donation before the absorption
      expect([snap.auctionCount, snap.vaultCount]).to.deep.equal([2n, 5n]);

      // And when the oracle goes stale the snapshot reports the status and the last good price.
      await time.increase(ETH_HEARTBEAT + 1);
      const stale = await expectSnapshotMatches();
      expect(stale.collaterals[0].priceStatus).to.equal(BigInt(Status.Stale));
      expect(stale.collaterals[0].price).to.equal(wad(2_200));
    });

    it("shows a deficit the reserve cannot cover", async () => {
      await spareBdol(sys, bob, wad(60_000));
      const id = await unhealthyVault(sys, alice);
      await liquidate(sys, id);
      const snap = await expectSnapshotMatches();
      expect(snap.deficit).to.be.gt(0n);
      expect(snap.reserveRatio).to.equal(0n);
    });
  });

  // --------------------------------------------------------------------------- vaultsHealth

  describe("vaultsHealth", () => {
    let ids: bigint[];

    beforeEach(async () => {
      ids = [];
      ids.push(await openVault(sys, alice, sys.weth, wad(10), wad(15_000))); // 1: health 1.33
      ids.push(await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(20_000))); // 2: WBTC
      ids.push(await openVault(sys, carol, sys.weth, wad(3), 0n)); // 3: no debt → max
      ids.push(await openVault(sys, others[0], sys.weth, wad(2), wad(3_700))); // 4: closed below
      ids.push(await openVault(sys, others[1], sys.weth, wad(10), wad(18_000))); // 5: liquidated below
      ids.push(await openVault(sys, others[2], sys.wbtc, 3n * 10n ** 7n, wad(11_000))); // 6: WBTC, 0.3 BTC
      ids.push(await openVault(sys, others[3], sys.weth, wad("0.32"), wad(500))); // 7: small
      expect(ids).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
      await sys.bdol.connect(alice).transfer(others[0].address, wad(10));
      await sys.vaultManager.connect(others[0]).closeVault(4n, others[0].address);
      await setEthPrice(sys, 2_500);
      await sys.oracle.recordPrice(weth);
      await liquidate(sys, 5n); // auctioned: vault 5 keeps nothing, owes nothing
    });

    it("pages through every vault with owner 0 for a closed one and the vault manager's exact health", async () => {
      const first = await expectPageMatches(1n, 3n, [1n, 2n, 3n]);
      expect(first[0].healthFactor).to.be.within(wad("1.11"), wad("1.12")); // 25,000 / 22,500
      expect(first[2].healthFactor).to.equal(MaxUint256); // no debt
      const second = await expectPageMatches(4n, 3n, [4n, 5n, 6n]);
      expect(second[0].owner).to.equal(ZeroAddress); // closed
      expect(second[0].healthFactor).to.equal(MaxUint256);
      expect(second[1].owner).to.equal(others[1].address); // liquidated but still open
      expect(second[1].healthFactor).to.equal(MaxUint256);
      // Cut at vaultCount.
      await expectPageMatches(7n, 3n, [7n]);
      await expectPageMatches(8n, 3n, []);
      await expectPageMatches(100n, 3n, []);
      await expectPageMatches(2n, 0n, []);
      await expectPageMatches(1n, 1_000n, ids);
      // Unhealthy vaults show below 1, matching what liquidate accepts.
      await setEthPrice(sys, 2_000);
      const all = await expectPageMatches(1n, 10n, ids);
      const unhealthy = all.filter((v) => v.healthFactor < wad(1)).map((v) => v.vaultId);
      expect(unhealthy).to.deep.equal([1n, 7n]);
      for (const id of unhealthy) await expect(liquidate(sys, id)).to.emit(sys.engine, "Liquidated");
    });

    it("uses the same last good price as healthFactor when the oracle is not live", async () => {
      await setEthPrice(sys, 1_500); // −40 %: frozen, the last good price (2,500) stays in use
      expect((await sys.oracle.getPrice(weth))[1]).to.equal(BigInt(Status.Frozen));
      await expectPageMatches(1n, 10n, ids);
      await time.increase(ETH_HEARTBEAT + 1);
      await expectPageMatches(1n, 10n, ids);
    });

    it("reads the first page from id 1 when asked from id 0", async () => {
      const page = await lens.vaultsHealth(0n, 2n);
      expect(page.length).to.be.within(1, 2);
      expect(page[0].vaultId).to.equal(1n);
      expect(page[0].owner).to.equal(alice.address);
    });
  });

  // --------------------------------------------------------------------------- activeAuctions

  describe("activeAuctions", () => {
    it("lists active auctions only, with the engine's price, the oracle's and needsReset", async () => {
      await spareBdol(sys, bob, wad(60_000));
      // Three vaults at 1,800 of debt per WETH, unhealthy at 2,500.
      const a = await openVault(sys, alice, sys.weth, wad(10), wad(18_000));
      const c = await openVault(sys, carol, sys.weth, wad(4), wad(7_200));
      const d = await openVault(sys, others[0], sys.weth, wad(2), wad(3_600));
      await setEthPrice(sys, 2_500);
      await sys.oracle.recordPrice(weth);
      const t1 = await timeOf(await liquidate(sys, a)); // auction 1
      await liquidate(sys, d); // auction 2, taken whole
      await sys.engine.connect(bob).take(2n, wad(100), wad(1_000_000), bob.address, "0x"); // ends auction 2
      await time.increaseTo(t1 + 1_400n); // auction 1 below its floor by now
      await liquidate(sys, c); // auction 3
      await sys.weth.mint(await sys.reserve.getAddress(), wad(1));
      await sys.reserve.sellCollateral(weth, wad(1)); // auction 4: a sale

      const list = await lens.activeAuctions(1n, 10n);
      expect(list.map((x) => x.auctionId)).to.deep.equal([1n, 3n, 4n]);
      expect(list.map((x) => x.needsReset)).to.deep.equal([true, false, false]);
      const [oraclePrice, status] = await sys.oracle.getPrice(weth);
      for (const x of list) {
        const info = await sys.engine.auctionInfo(x.auctionId);
        const [price, needsReset] = await sys.engine.auctionPrice(x.auctionId);
        expect([x.collateral, x.owner, x.lot, x.tab, x.debt, x.startTime]).to.deep.equal([
          info.collateral,
          info.owner,
          info.lot,
          info.tab,
          info.debt,
          info.startTime,
        ]);
        expect([x.price, x.needsReset, x.oraclePrice, x.oracleStatus]).to.deep.equal([
          price,
          needsReset,
          oraclePrice,
          status,
        ]);
      }
      expect(list[0].owner).to.equal(alice.address);
      expect(list[2].owner).to.equal(await sys.reserve.getAddress());
      expect(list[1].price).to.equal(priceAt(wad(2_500), BigInt(await time.latest()) - list[1].startTime));

      // Pages: ids fromId … fromId + count − 1, ended ones skipped, cut at auctionCount.
      expect((await lens.activeAuctions(2n, 2n)).map((x) => x.auctionId)).to.deep.equal([3n]);
      expect((await lens.activeAuctions(1n, 1n)).map((x) => x.auctionId)).to.deep.equal([1n]);
      expect((await lens.activeAuctions(4n, 100n)).map((x) => x.auctionId)).to.deep.equal([4n]);
      expect(await lens.activeAuctions(5n, 10n)).to.deep.equal([]);
      expect(await lens.activeAuctions(2n, 1n)).to.deep.equal([]);

      // After a reset auction 1 is fresh again; after the oracle goes stale every auction needs one.
      await sys.engine.redo(1n, sys.keeper.address);
      expect((await lens.activeAuctions(1n, 1n))[0].needsReset).to.equal(false);
      await time.increase(ETH_HEARTBEAT + 1);
      const stale = await lens.activeAuctions(1n, 10n);
      expect(stale.map((x) => x.needsReset)).to.deep.equal([true, true, true]);
      expect(stale.map((x) => x.oracleStatus)).to.deep.equal([
        BigInt(Status.Stale),
        BigInt(Status.Stale),
        BigInt(Status.Stale),
      ]);
    });

    it("returns nothing before any auction", async () => {
      expect(await lens.activeAuctions(0n, 10n)).to.deep.equal([]);
      expect(await lens.activeAuctions(1n, 10n)).to.deep.equal([]);
    });
  });

  describe("pegKeeperSnapshot", () => {
    /** Every field against the keeper and the reserve, in the same block. */
    async function expectKeeperMatches(m: Market) {
      const snap = await sys.lens.pegKeeperSnapshot();
      const k = m.keeper;
      expect(snap.keeper).to.equal(await k.getAddress());
      expect(snap.debt).to.equal(await k.debt());
      expect(snap.quoteHeld).to.equal(await k.quoteHeld());
      expect(snap.excess).to.equal(await k.excess());
      expect(snap.rules).to.deep.equal(await k.rules());
      expect(snap.nextUpdateAt).to.equal(await k.nextUpdateAt());
      expect(snap.mintingPausedUntil).to.equal(await k.mintingPausedUntil());
      expect(snap.mintingPaused).to.equal(snap.mintingPausedUntil > BigInt(await time.latest()));
      expect(snap.buyBackLimit).to.equal(await k.buyBackLimit());
      expect(snap.availableBuyBack).to.equal(await k.availableBuyBack());
      expect(snap.reserveFunds).to.equal(await sys.usdc.balanceOf(await sys.reserve.getAddress()));
      return snap;
    }

    it("shows the reserve's peg keeper: its debt and backing after an update, rules, next update, pause, buy-back allowance; nothing without one", async () => {
      sys = await loadSeededSystem();
      const m = await loadMarket();
      await useMarketFeed(sys, m);
      let snap = await expectKeeperMatches(m);
      expect(snap.debt).to.equal(0n);
      expect(snap.nextUpdateAt).to.equal(0n);
      expect(snap.buyBackLimit).to.equal(wad(1_000_000));
      // The pool held at 1.02: the keeper mints and sells; its debt, backing and next update show.
      await movePoolTo(sys.carol, wad("1.02"));
      await elapse(Number(await m.feed.window()));
      await refreshFeeds(sys);
      await m.feed.update();
      await sys.oracle.recordPrice(await sys.bdol.getAddress());
      await m.keeper.update();
      await m.keeper.connect(await adminOf(m.keeper)).pauseMinting();
      snap = await expectKeeperMatches(m);
      expect(snap.debt).to.equal(wad(250_000));
      expect(snap.quoteHeld * 10n ** 12n).to.be.gte(snap.debt);
      expect(snap.nextUpdateAt).to.be.gt(0n);
      expect(snap.mintingPaused).to.equal(true);
      // Governance detaches the keeper from the reserve: the lens shows none.
      await sys.reserve.connect(await adminOf(sys.reserve)).setPegKeeper(ZeroAddress);
      snap = await sys.lens.pegKeeperSnapshot();
      expect(snap.keeper).to.equal(ZeroAddress);
      expect([snap.debt, snap.quoteHeld, snap.buyBackLimit, snap.reserveFunds]).to.deep.equal([0n, 0n, 0n, 0n]);
    });
  });
});

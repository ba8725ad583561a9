/**
 * An L2 sequencer outage. While Arbitrum's sequencer is down nobody can transact normally, but
 * transactions forced through the L1 inbox still land, and when it restarts, queued transactions and
 * fresh price rounds arrive before users can top up: a lender reading prices as usual lets positions
 * be liquidated at prices their owners never had a chance to react to, or borrowed against at stale
 * ones. (The June 2023 incident, often cited with it, was a batch-poster stall: the sequencer kept
 * ordering transactions; Arbitrum Foundation post-mortem, June 2023.)
 *
 * Ballast's oracle adapter reads Chainlink's sequencer-uptime feed on an L2: while the sequencer is
 * down, and for a grace period after it is back, every price reads `SequencerDown` /
 * `SequencerGrace`, so no borrow, liquidation or auction take happens; deposits and repayments go on.
 *
 * config/networks.ts has no L2 network yet, so the fixture's adapter has no sequencer feed. As in
 * test/liquidation/LiquidationEngine.test.ts, this builds an L2 deployment by hand: an OracleAdapter
 * with a sequencer-uptime feed, and a ReservePool, VaultManager and LiquidationEngine wired to it as
 * deploy/02, 04 and 05 wire theirs, with the local parameters and the same stablecoin and tokens.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";

import { RAY, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, loadSystem, type System, feedParams } from "../helpers/fixtures";
import {
  AUCTION,
  BUFFER_SHARE,
  KEEPER,
  LOCAL,
  Status,
  WETH_SETUP,
  eventOf,
  freezeRates,
  spareBdol,
} from "../liquidation/helpers";
import type { LiquidationEngine, MockAggregator, OracleAdapter, VaultManager } from "../../typechain-types";

const GRACE = BigInt(LOCAL.oracle.sequencerGracePeriod); // 3,600 s
/** The December 2023 outage. */
const OUTAGE = 78n * 60n;

describe(
  "Arbitrum sequencer outage — 15 December 2023: the sequencer stalled for ~78 minutes under a surge of " +
    "inscriptions; on restart, queued transactions and new price rounds land before users can react; no loss " +
    "figure, the risk is liquidations owners could not prevent (Offchain Labs post-mortem, December 2023)",
  () => {
    let sys: System;
    let sequencer: MockAggregator;
    let oracle: OracleAdapter;
    let manager: VaultManager;
    let engine: LiquidationEngine;
    let weth: string;

    /** Publishes ETH at `usd` on the shared feed and records it on the L2 adapter. */
    async function ethAt(usd: number) {
      await sys.ethFeed.updateAnswer(feedAnswer(usd));
      await oracle.recordPrice(weth);
    }

    /** Sets the sequencer's status (0 up, 1 down), changed now. */
    async function sequencerStatus(answer: 0 | 1) {
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await sequencer.updateRoundData(answer, now, now);
    }

    /** Opens an L2 vault for `who` with `collateral` WETH and `debt`. */
    async function open(who: HardhatEthersSigner, collateral: bigint, debt: bigint): Promise<bigint> {
      await sys.weth.mint(who.address, collateral);
      await sys.weth.connect(who).approve(await manager.getAddress(), ethers.MaxUint256);
      await manager.connect(who).openVault(weth, collateral, debt);
      return manager.vaultCount();
    }

    beforeEach(async () => {
      sys = await loadSystem();
      await freezeRates(sys);
      weth = await sys.weth.getAddress();
      const deployer = sys.deployer;
      const bdol = await sys.bdol.getAddress();

      sequencer = (await ethers.deployContract("MockAggregator", [
        0,
        "L2 Sequencer Uptime",
        0,
      ])) as unknown as MockAggregator;
      const now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now - 2n * GRACE); // up for two grace periods
      oracle = (await ethers.deployContract("OracleAdapter", [
        deployer.address,
        await sequencer.getAddress(),
        GRACE,
      ])) as unknown as OracleAdapter;
      const f = WETH_SETUP.feed;
      await oracle.setFeed(
        weth,
        feedParams(await sys.ethFeed.getAddress(), {
          heartbeat: f.heartbeat,
          maxReferenceAge: f.heartbeat,
          minPrice: f.minPrice,
          maxPrice: f.maxPrice,
          maxDeviation: f.maxDeviation,
        }),
      );
      await ethAt(3_000);
      const reserve = await ethers.deployContract("ReservePool", [bdol, deployer.address, BUFFER_SHARE]);
      manager = (await ethers.deployContract("VaultManager", [
        bdol,
        oracle,
        reserve,
        deployer.address,
      ])) as unknown as VaultManager;
      await manager.addCollateral(weth, {
        oracleAsset: weth,
        debtCeiling: WETH_SETUP.debtCeiling,
        minDebt: WETH_SETUP.minDebt,
        liquidationRatio: WETH_SETUP.liquidationRatio,
        borrowRatio: WETH_SETUP.borrowRatio,
        liquidationPenalty: WETH_SETUP.liquidationPenalty,
        stabilityFee: RAY,
      });
      engine = (await ethers.deployContract("LiquidationEngine", [
        manager,
        reserve,
        deployer.address,
      ])) as unknown as LiquidationEngine;
      await engine.configureCollateral(weth, AUCTION);
      await engine.setMaxTotalAuctionDebt(KEEPER.maxTotalAuctionDebt);
      await engine.setTipGas(KEEPER.tipGas);
      await engine.setMaxTip(KEEPER.maxTip);
      await engine.setKeeperFee(KEEPER.keeperFee);
      await engine.setMaxRewardShare(KEEPER.maxRewardShare);
      await engine.setNativeAsset(weth);
      await manager.setLiquidationEngine(engine);
      await reserve.setVaultManager(manager);
      await reserve.setLiquidationEngine(engine);
      const bdolAdmin = sys.bdol.connect(await adminOf(sys.bdol));
      for (const module of [manager, engine, reserve]) await bdolAdmin.setModule(await module.getAddress(), true);
      expect(await oracle.sequencerFeed()).to.equal(await sequencer.getAddress());
    });

    it("no borrow, liquidation or take while the sequencer is down or in its grace period; owners top up meanwhile; all works after", async () => {
      const { alice, bob, carol, attacker, keeper } = sys;
      // At 3,000: alice and the attacker owe 18,000 on 10 WETH each, carol too; bob owes 10,000 on 20 WETH.
      const aliceVault = await open(alice, wad(10), wad(18_000));
      const carolVault = await open(carol, wad(10), wad(18_000));
      const lateVault = await open(attacker, wad(10), wad(18_000));
      const bobVault = await open(bob, wad(20), wad(10_000));
      await spareBdol(sys, bob, wad(40_000)); // stablecoin to take an auction with
      // ETH at 2,500: the three 18,000 vaults can be liquidated. Carol's is, before the outage (auction 1).
      await ethAt(2_500);
      await engine.connect(keeper).liquidate(carolVault, keeper.address);
      expect((await engine.auctionInfo(1n)).lot).to.equal(wad(10));

      const refused = async (status: Status) => {
        await expect(engine.connect(keeper).liquidate(aliceVault, keeper.address))
          .to.be.revertedWithCustomError(manager, "OracleNotLive")
          .withArgs(weth, status);
        await expect(manager.connect(bob).borrow(bobVault, wad(1_000), bob.address))
          .to.be.revertedWithCustomError(manager, "OracleNotLive")
          .withArgs(weth, status);
        await expect(engine.connect(bob).take(1n, wad(1), wad(1_000_000), bob.address, "0x"))
          .to.be.revertedWithCustomError(engine, "OracleNotLive")
          .withArgs(weth, status);
      };

      // The sequencer stops. Whatever lands (forced through L1) finds every price SequencerDown, however
      // fresh the feed: no liquidation, no borrow, no take.
      await sequencerStatus(1);
      await ethAt(2_500);
      expect((await oracle.getPrice(weth))[1]).to.equal(Status.SequencerDown);
      await refused(Status.SequencerDown);
      // Risk-reducing actions are never refused: alice repays a little from her stablecoin.
      await manager.connect(alice).repay(aliceVault, wad(1_000));

      // 78 minutes later it is back, and the price rounds resume: for the grace period prices are still not live.
      await time.increase(OUTAGE);
      await sequencerStatus(0);
      await ethAt(2_500);
      expect((await oracle.getPrice(weth))[1]).to.equal(Status.SequencerGrace);
      await refused(Status.SequencerGrace);
      // The grace period is for this: alice tops up, 13 WETH against 17,000 (32,500 ≥ 25,500).
      await sys.weth.mint(alice.address, wad(3));
      await manager.connect(alice).deposit(aliceVault, wad(3));
      // The last second of the grace period is still grace.
      const backUp = (await sequencer.latestRoundData())[2];
      await time.setNextBlockTimestamp(backUp + GRACE);
      await expect(engine.connect(keeper).liquidate(lateVault, keeper.address))
        .to.be.revertedWithCustomError(manager, "OracleNotLive")
        .withArgs(weth, Status.SequencerGrace);

      // After the grace period prices are live again: alice's vault is safe, the attacker's (not topped up)
      // is liquidated, borrowing works, and the stalled auction is restarted and taken.
      await time.increase(1);
      await ethAt(2_500);
      expect(await oracle.getPrice(weth)).to.deep.equal([wad(2_500), Status.Live]);
      await expect(engine.connect(keeper).liquidate(aliceVault, keeper.address)).to.be.revertedWithCustomError(
        manager,
        "VaultNotLiquidatable",
      );
      const liquidated = await engine.connect(keeper).liquidate(lateVault, keeper.address);
      expect((await eventOf(liquidated, engine, "Liquidated")).auctionId).to.equal(2n);
      await expect(manager.connect(bob).borrow(bobVault, wad(1_000), bob.address)).to.emit(manager, "DebtBorrowed");
      await expect(
        engine.connect(bob).take(1n, wad(1), wad(1_000_000), bob.address, "0x"),
      ).to.be.revertedWithCustomError(engine, "AuctionNeedsReset");
      await engine.connect(keeper).redo(1n, keeper.address);
      await expect(engine.connect(bob).take(1n, wad(1), wad(1_000_000), bob.address, "0x")).to.emit(engine, "Taken");
    });
  },
);

import { expect } from "chai";
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";

import { RAY, WAD, wad } from "../../lib/sdk";
import {
  adminOf,
  feedAnswer,
  feedParams,
  loadSystem,
  openVault,
  priceTestAsset,
  type System,
} from "../helpers/fixtures";
import type {
  LiquidationEngine,
  MockAggregator,
  MockERC20,
  MockFeeOnTransferToken,
  VaultManager,
} from "../../typechain-types";
import {
  ADMIN_ROLE,
  AUCTION,
  BOUNDS,
  BUFFER_SHARE,
  ETH_HEARTBEAT,
  GWEI,
  KEEPER,
  LR,
  MIN_DEBT,
  PENALTY,
  Status,
  WBTC_SETUP,
  WETH_SETUP,
  amountForValueUp,
  basefeeOf,
  basefeeTip,
  donateToReserve,
  eventOf,
  expectLiquidation,
  expectSupplyIdentity,
  expectUnchanged,
  freezeRates,
  keeperRewardFor,
  liquidate,
  min,
  moveBtcPrice,
  moveEthPrice,
  rayDivDown,
  refreshFeeds,
  rayMulUp,
  reserveHolding,
  rewardOf,
  seizureOf,
  setEthPrice,
  snapshot,
  spareBdol,
  supplySlack,
  timeOf,
  unhealthyVault,
  wadMulDown,
  wadMulUp,
} from "./helpers";

const ETH_2500 = wad(2_500);
const GRACE = 3600n;

describe("LiquidationEngine", () => {
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
  let wbtc: string;
  let reserveAddress: string;
  let engineAddress: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol, keeper, attacker } = sys);
    engine = sys.engine;
    vm = sys.vaultManager;
    admin = engine.connect(await adminOf(engine));
    weth = await sys.weth.getAddress();
    wbtc = await sys.wbtc.getAddress();
    reserveAddress = await sys.reserve.getAddress();
    engineAddress = await engine.getAddress();
    await freezeRates(sys);
  });

  /** Registers a fresh 18-decimal token in the oracle and the vault manager only (not in the engine). */
  async function vaultManagerOnlyCollateral(usdPrice: number): Promise<{ token: MockERC20; feed: MockAggregator }> {
    const token = (await ethers.deployContract("MockERC20", ["Other", "OTH", 18])) as unknown as MockERC20;
    const feed = (await ethers.deployContract("MockAggregator", [
      8,
      "OTH / USD",
      feedAnswer(usdPrice),
    ])) as unknown as MockAggregator;
    const asset = await token.getAddress();
    await sys.oracle
      .connect(await adminOf(sys.oracle))
      .setFeed(asset, feedParams(await feed.getAddress(), { minPrice: wad("0.01") }));
    await vm.connect(await adminOf(vm)).addCollateral(asset, {
      oracleAsset: asset,
      debtCeiling: wad(1_000_000),
      minDebt: MIN_DEBT,
      liquidationRatio: LR,
      borrowRatio: wad("1.6"),
      liquidationPenalty: PENALTY,
      stabilityFee: RAY,
    });
    return { token, feed };
  }

  // --------------------------------------------------------------------------- deployment

  describe("deployment", () => {
    it("is wired by deploy/05 to the vault manager, the reserve, the stablecoin and the oracle", async () => {
      expect(await engine.vaultManager()).to.equal(await vm.getAddress());
      expect(await engine.reserve()).to.equal(reserveAddress);
      expect(await engine.stablecoin()).to.equal(await sys.bdol.getAddress());
      expect(await engine.oracle()).to.equal(await sys.oracle.getAddress());
      expect(await vm.liquidationEngine()).to.equal(engineAddress);
      expect(await sys.reserve.liquidationEngine()).to.equal(engineAddress);
      expect(await sys.reserve.vaultManager()).to.equal(await vm.getAddress());
      expect(await sys.bdol.isModule(engineAddress)).to.equal(true);
      expect(await sys.bdol.isModule(reserveAddress)).to.equal(true);
      // deploy/99_handover gave the admin role to the timelock; the deployer kept none.
      expect(await engine.hasRole(ADMIN_ROLE, (await deployments.get("Timelock")).address)).to.equal(true);
      expect(await engine.hasRole(ADMIN_ROLE, sys.deployer.address)).to.equal(false);
      expect(await engine.hasRole(ADMIN_ROLE, attacker.address)).to.equal(false);
      expect(await engine.auctionCount()).to.equal(0n);
      expect(await engine.activeAuctionCount()).to.equal(0n);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      expect(await sys.reserve.retiredEngines()).to.deep.equal([]);
    });

    it("configures WETH and WBTC and keeper pay with the network config's parameters", async () => {
      for (const [token, setup, decimals] of [
        [weth, WETH_SETUP, 18n],
        [wbtc, WBTC_SETUP, 8n],
      ] as const) {
        const state = await engine.collateralState(token);
        expect(state.enabled).to.equal(true);
        expect(state.oracleAsset).to.equal(token);
        expect(state.decimals).to.equal(decimals);
        const a = setup.auction;
        expect([...state.params]).to.deep.equal([
          a.startMultiplier,
          a.floorRatio,
          BigInt(a.duration),
          BigInt(a.maxAge),
          a.maxAuctionDebt,
          a.dust,
        ]);
        expect(state.debtUnderAuction).to.equal(0n);
        expect(state.collateralOnSale).to.equal(0n);
      }
      expect((await engine.collateralState(await sys.usdc.getAddress())).enabled).to.equal(false);
      const k = await engine.keeperRewardParams();
      expect([k.tipGas, k.maxTip, k.keeperFee, k.maxRewardShare, k.redoGas]).to.deep.equal([
        BigInt(KEEPER.tipGas),
        KEEPER.maxTip,
        KEEPER.keeperFee,
        KEEPER.maxRewardShare,
        BigInt(KEEPER.redoGas),
      ]);
      expect(await engine.maxTotalAuctionDebt()).to.equal(KEEPER.maxTotalAuctionDebt);
      expect(await engine.nativeAsset()).to.equal(weth);
    });

    it("rejects a zero vault manager, reserve or admin", async () => {
      const factory = await ethers.getContractFactory("LiquidationEngine");
      const args = [await vm.getAddress(), reserveAddress, alice.address];
      for (let i = 0; i < 3; i++) {
        const a = [...args];
        a[i] = ZeroAddress;
        await expect(factory.deploy(a[0], a[1], a[2])).to.be.revertedWithCustomError(factory, "ZeroAddress");
      }
    });
  });

  // --------------------------------------------------------------------------- refusals

  describe("liquidate: refusals change nothing", () => {
    let id: bigint;

    beforeEach(async () => {
      id = await unhealthyVault(sys, alice);
      await spareBdol(sys, bob, wad(1_000));
    });

    it("refuses a healthy vault with VaultNotLiquidatable(health factor), down to the liquidation ratio", async () => {
      await setEthPrice(sys, 3_000);
      const before = await snapshot(sys);
      const hf = await vm.healthFactor(id);
      expect(hf).to.be.within(wad("1.1"), wad("1.12")); // 30,000 / 27,000
      await expect(liquidate(sys, id)).to.be.revertedWithCustomError(vm, "VaultNotLiquidatable").withArgs(id, hf);
      await expectUnchanged(sys, before);

      // The lowest feed price (8 decimals) at which 10 WETH still cover debt × 1.5: refused there
      // (a vault at its liquidation ratio is never liquidatable), liquidatable one feed unit below.
      const required = wadMulUp(await vm.debtOf(id), LR);
      const feedUnit = 10n ** 10n; // 1e-8 USD in wad
      const boundary = (required * WAD + wad(10) * feedUnit - 1n) / (wad(10) * feedUnit); // ⌈required / 10 / unit⌉
      await sys.ethFeed.updateAnswer(boundary);
      const atRatio = await vm.healthFactor(id);
      expect(atRatio).to.be.within(WAD, WAD + 10n ** 7n);
      await expect(liquidate(sys, id)).to.be.revertedWithCustomError(vm, "VaultNotLiquidatable").withArgs(id, atRatio);
      await sys.ethFeed.updateAnswer(boundary - 1n);
      expect(await vm.healthFactor(id)).to.be.lt(WAD);
      await expect(liquidate(sys, id)).to.emit(engine, "Liquidated");
    });

    it("refuses a stale price: OracleNotLive(Stale) from the vault manager", async () => {
      await time.increase(ETH_HEARTBEAT + 1);
      const [, status] = await sys.oracle.getPrice(weth);
      expect(status).to.equal(Status.Stale);
      const before = await snapshot(sys);
      await expect(liquidate(sys, id)).to.be.revertedWithCustomError(vm, "OracleNotLive").withArgs(weth, Status.Stale);
      await expectUnchanged(sys, before);
      // A fresh round at the same price makes it liquidatable again.
      await setEthPrice(sys, 2_500);
      await expect(liquidate(sys, id)).to.emit(engine, "Liquidated");
    });

    it("refuses a frozen price (a > 25 % jump not yet confirmed), then liquidates once a later round confirms it", async () => {
      await setEthPrice(sys, 1_800); // −28 % from the last recorded 2,500
      expect((await sys.oracle.getPrice(weth))[1]).to.equal(Status.Frozen);
      const before = await snapshot(sys);
      await expect(liquidate(sys, id)).to.be.revertedWithCustomError(vm, "OracleNotLive").withArgs(weth, Status.Frozen);
      await expectUnchanged(sys, before);
      // Recording trips the breaker; it stays frozen until a later round confirms the jump.
      await sys.oracle.recordPrice(weth);
      await expect(liquidate(sys, id)).to.be.revertedWithCustomError(vm, "OracleNotLive").withArgs(weth, Status.Frozen);
      await time.increase(60);
      await setEthPrice(sys, 1_800);
      await sys.oracle.recordPrice(weth);
      expect((await sys.oracle.getPrice(weth))[1]).to.equal(Status.Live);
      await expect(liquidate(sys, id)).to.emit(engine, "Liquidated");
    });

    it("refuses a zero keeper address (ZeroAddress)", async () => {
      const before = await snapshot(sys);
      await expect(liquidate(sys, id, { keeper: ZeroAddress })).to.be.revertedWithCustomError(engine, "ZeroAddress");
      await expectUnchanged(sys, before);
    });

    it("refuses an unknown vault (UnknownVault) and a closed one", async () => {
      const before = await snapshot(sys);
      for (const unknown of [0n, 99n]) {
        await expect(liquidate(sys, unknown)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(unknown);
      }
      await expectUnchanged(sys, before);
      const closed = await openVault(sys, carol, sys.weth, wad(1), 0n);
      await vm.connect(carol).closeVault(closed, carol.address);
      await expect(liquidate(sys, closed)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(closed);
    });

    it("refuses a vault with no debt (NoDebt)", async () => {
      const free = await openVault(sys, carol, sys.weth, wad(1), 0n);
      const before = await snapshot(sys);
      await expect(liquidate(sys, free)).to.be.revertedWithCustomError(vm, "NoDebt").withArgs(free);
      await expectUnchanged(sys, before);
    });

    it("refuses a collateral the engine has not configured (CollateralNotConfigured), until it is", async () => {
      const { token, feed } = await vaultManagerOnlyCollateral(100);
      const asset = await token.getAddress();
      const other = await openVault(sys, carol, token, wad(100), wad(6_000)); // 10,000 USD
      await feed.updateAnswer(feedAnswer(85)); // 8,500 < 9,000 required
      expect(await vm.healthFactor(other)).to.be.lt(WAD);
      const before = await snapshot(sys, [], [token]);
      await expect(liquidate(sys, other))
        .to.be.revertedWithCustomError(engine, "CollateralNotConfigured")
        .withArgs(asset);
      await expectUnchanged(sys, before, [], [token]);

      await expect(admin.configureCollateral(asset, AUCTION))
        .to.emit(engine, "CollateralConfigured")
        .withArgs(asset, [
          AUCTION.startMultiplier,
          AUCTION.floorRatio,
          AUCTION.duration,
          AUCTION.maxAge,
          AUCTION.maxAuctionDebt,
          AUCTION.dust,
        ]);
      const state = await engine.collateralState(asset);
      expect([state.enabled, state.oracleAsset, state.decimals]).to.deep.equal([true, asset, 18n]);
      await expect(liquidate(sys, other)).to.emit(engine, "AuctionStarted");
      expect((await engine.auctionInfo(1n)).collateral).to.equal(asset);
    });

    it("refuses when the per-collateral auction limit is used up and the buffer is empty (LiquidationLimitReached)", async () => {
      await admin.setMaxAuctionDebt(weth, 0n);
      const debt = await vm.debtOf(id);
      const before = await snapshot(sys);
      await expect(liquidate(sys, id))
        .to.be.revertedWithCustomError(vm, "LiquidationLimitReached")
        .withArgs(id, debt, 0n);
      await expectUnchanged(sys, before);
    });

    it("refuses when the total auction limit is used up (LiquidationLimitReached), whatever the collateral's room", async () => {
      await admin.setMaxTotalAuctionDebt(0n);
      const debt = await vm.debtOf(id);
      expect((await engine.collateralState(weth)).params.maxAuctionDebt).to.equal(AUCTION.maxAuctionDebt);
      const before = await snapshot(sys);
      await expect(liquidate(sys, id))
        .to.be.revertedWithCustomError(vm, "LiquidationLimitReached")
        .withArgs(id, debt, 0n);
      await expectUnchanged(sys, before);
    });

    it("refuses when the room only allows a slice leaving less than minDebt, for a vault already at or below it (LiquidationLimitReached)", async () => {
      // Governance raised minDebt above this vault's debt: any partial slice would leave dust, so
      // only the whole debt may go, and the room is one wei short of it.
      await vm.connect(await adminOf(vm)).setMinDebt(weth, wad(20_000));
      const debt = await vm.debtOf(id);
      await admin.setMaxAuctionDebt(weth, debt - 1n);
      const before = await snapshot(sys);
      await expect(liquidate(sys, id))
        .to.be.revertedWithCustomError(vm, "LiquidationLimitReached")
        .withArgs(id, debt, debt - 1n);
      await expectUnchanged(sys, before);
      await admin.setMaxAuctionDebt(weth, debt);
      await expect(liquidate(sys, id)).to.emit(engine, "AuctionStarted");
      expect(await vm.debtOf(id)).to.equal(0n);
    });

    it("liquidates a vault whose collateral is paused (seize works while paused)", async () => {
      await vm.connect(await adminOf(vm)).pauseRiskAdding(weth);
      await expect(liquidate(sys, id)).to.emit(vm, "VaultSeized");
    });
  });

  // --------------------------------------------------------------------------- sequencer

  describe("an L2 deployment with a sequencer-uptime feed", () => {
    it("refuses inside the grace period and while the sequencer is down, and liquidates after", async () => {
      // config/networks.ts gives the local network no sequencer feed, so the fixture's oracle has
      // none. This test builds, by hand, a separate OracleAdapter with a MockAggregator as sequencer
      // feed and a VaultManager / ReservePool / LiquidationEngine wired exactly as deploy/02, 04 and
      // 05 wire them (same stablecoin, tokens and price feed; the local parameters).
      expect(await sys.oracle.sequencerFeed()).to.equal(ZeroAddress);
      const deployer = sys.deployer;
      const bdol = await sys.bdol.getAddress();
      const sequencer = await ethers.deployContract("MockAggregator", [0, "L2 Sequencer Uptime", 0]);
      let now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now - 2n * GRACE); // up for two grace periods
      const oracle = await ethers.deployContract("OracleAdapter", [deployer.address, sequencer, GRACE]);
      const f = WETH_SETUP.feed;
      await oracle.setFeed(
        weth,
        feedParams(await sys.ethFeed.getAddress(), {
          heartbeat: f.heartbeat,
          minPrice: f.minPrice,
          maxPrice: f.maxPrice,
          maxDeviation: f.maxDeviation,
          maxReferenceAge: f.maxReferenceAge,
        }),
      );
      await setEthPrice(sys, 3_000);
      await oracle.recordPrice(weth);
      const reserve = await ethers.deployContract("ReservePool", [bdol, deployer.address, BUFFER_SHARE]);
      const manager = await ethers.deployContract("VaultManager", [bdol, oracle, reserve, deployer.address]);
      await manager.addCollateral(weth, {
        oracleAsset: weth,
        debtCeiling: WETH_SETUP.debtCeiling,
        minDebt: WETH_SETUP.minDebt,
        liquidationRatio: WETH_SETUP.liquidationRatio,
        borrowRatio: WETH_SETUP.borrowRatio,
        liquidationPenalty: WETH_SETUP.liquidationPenalty,
        stabilityFee: RAY,
      });
      const l2Engine = await ethers.deployContract("LiquidationEngine", [manager, reserve, deployer.address]);
      await l2Engine.configureCollateral(weth, AUCTION);
      await l2Engine.setMaxTotalAuctionDebt(KEEPER.maxTotalAuctionDebt);
      await l2Engine.setTipGas(KEEPER.tipGas);
      await l2Engine.setMaxTip(KEEPER.maxTip);
      await l2Engine.setKeeperFee(KEEPER.keeperFee);
      await l2Engine.setMaxRewardShare(KEEPER.maxRewardShare);
      await l2Engine.setNativeAsset(weth);
      await manager.setLiquidationEngine(l2Engine);
      await reserve.setVaultManager(manager);
      await reserve.setLiquidationEngine(l2Engine);
      const bdolAdmin = sys.bdol.connect(await adminOf(sys.bdol));
      for (const module of [manager, l2Engine, reserve]) await bdolAdmin.setModule(await module.getAddress(), true);

      await sys.weth.mint(alice.address, wad(10));
      await sys.weth.connect(alice).approve(manager, wad(10));
      await manager.connect(alice).openVault(weth, wad(10), wad(18_000));
      await setEthPrice(sys, 2_500);
      expect(await manager.healthFactor(1n)).to.be.lt(WAD);

      const state = async () => [
        [...(await manager.vaultInfo(1n))],
        await l2Engine.auctionCount(),
        await l2Engine.totalDebtUnderAuction(),
        await reserve.deficit(),
        await sys.bdol.totalSupply(),
        await sys.weth.balanceOf(await l2Engine.getAddress()),
      ];
      const before = await state();

      // The sequencer went down and came back up just now: inside the grace period.
      now = BigInt(await time.latest());
      await sequencer.updateRoundData(1, now, now);
      await expect(l2Engine.connect(keeper).liquidate(1n, keeper.address))
        .to.be.revertedWithCustomError(manager, "OracleNotLive")
        .withArgs(weth, Status.SequencerDown);
      now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now);
      expect((await oracle.getPrice(weth))[1]).to.equal(Status.SequencerGrace);
      await expect(l2Engine.connect(keeper).liquidate(1n, keeper.address))
        .to.be.revertedWithCustomError(manager, "OracleNotLive")
        .withArgs(weth, Status.SequencerGrace);
      await time.increase(GRACE - 10n);
      await setEthPrice(sys, 2_500);
      await expect(l2Engine.connect(keeper).liquidate(1n, keeper.address))
        .to.be.revertedWithCustomError(manager, "OracleNotLive")
        .withArgs(weth, Status.SequencerGrace);
      expect(await state()).to.deep.equal(before);

      // After the grace period the same call goes through.
      await time.increase(11);
      expect((await oracle.getPrice(weth))[1]).to.equal(Status.Live);
      await expect(l2Engine.connect(keeper).liquidate(1n, keeper.address))
        .to.emit(l2Engine, "AuctionStarted")
        .withArgs(1n, 1n, weth, wad(10), anyValueAtLeast(wad(19_800)), anyValueAtLeast(wad(18_000)));

      // And inside a later grace period a take waits too (OracleNotLive from the engine). Bob's
      // spare BDOL comes from a WBTC vault: a fresh BTC round first, as the fixture's ages with the
      // wall clock of the whole run.
      await refreshFeeds(sys);
      await spareBdol(sys, bob, wad(30_000));
      now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now);
      await expect(l2Engine.connect(bob).take(1n, wad(1), wad(100_000), bob.address, "0x"))
        .to.be.revertedWithCustomError(l2Engine, "OracleNotLive")
        .withArgs(weth, Status.SequencerGrace);
      const [, needsReset] = await l2Engine.auctionPrice(1n);
      expect(needsReset).to.equal(true);
    });
  });

  // --------------------------------------------------------------------------- waterfall

  describe("waterfall", () => {
    it("auctions the whole vault when the buffer is empty; the keeper's pay is minted into deficit", async () => {
      const id = await unhealthyVault(sys, alice);
      const debt = await vm.debtOf(id);
      expect(debt).to.be.within(wad(18_000), wad(18_000) + 1n);
      expect(await sys.reserve.stabilityBuffer()).to.equal(0n);
      expect(await engine.liquidate.staticCall(id, keeper.address)).to.equal(1n);

      const tx = await liquidate(sys, id, { basefee: 10n * GWEI });
      const reward = keeperRewardFor(debt, 10n * GWEI, ETH_2500);
      // 400k gas × 10 gwei × 2,500 = 10 BDOL tip + 0.1 % of 18,000 = 28.
      expect(reward).to.be.within(wad(28), wad(28) + 1n);
      const tab = wadMulUp(debt, WAD + PENALTY);
      await expectLiquidation(sys, tx, {
        vaultId: id,
        keeper: keeper.address,
        auctionId: 1n,
        reward,
        debt,
        absorbed: 0n,
        toReserve: 0n,
        toAuction: wad(10),
      });
      await expect(tx).to.emit(engine, "AuctionStarted").withArgs(1n, id, weth, wad(10), tab, debt);
      await expect(tx).to.emit(sys.reserve, "KeeperPayMinted").withArgs(keeper.address, reward, reward);

      expect(await vm.vaultInfo(id)).to.deep.equal([alice.address, weth, 0n, 0n]);
      expect(await sys.weth.balanceOf(engineAddress)).to.equal(wad(10));
      const a = await engine.auctionInfo(1n);
      expect([a.collateral, a.owner, a.lot, a.tab, a.debt, a.startTime]).to.deep.equal([
        weth,
        alice.address,
        wad(10),
        tab,
        debt,
        await timeOf(tx),
      ]);
      expect(await engine.auctionCount()).to.equal(1n);
      expect(await engine.totalDebtUnderAuction()).to.equal(debt);
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(debt);
      expect(await sys.bdol.balanceOf(keeper.address)).to.equal(reward);
      expect(await sys.reserve.deficit()).to.equal(reward);
      await expectSupplyIdentity(sys, 6n);
    });

    it("absorbs the whole debt when the buffer covers it: the reserve gets debt × 1.1 of collateral, the owner keeps the rest", async () => {
      const id = await unhealthyVault(sys, alice);
      await donateToReserve(sys, bob, wad(25_000));
      expect(await sys.reserve.stabilityBuffer()).to.equal(wad(20_000));
      const debt = await vm.debtOf(id);
      expect(await engine.liquidate.staticCall(id, keeper.address)).to.equal(0n);

      const tx = await liquidate(sys, id);
      const reward = keeperRewardFor(debt, GWEI, ETH_2500);
      const toReserve = amountForValueUp(wadMulUp(debt, WAD + PENALTY), 18n, ETH_2500);
      expect(toReserve).to.be.within(wad("7.92"), wad("7.92") + 1n); // 19,800 / 2,500
      await expectLiquidation(sys, tx, {
        vaultId: id,
        keeper: keeper.address,
        auctionId: 0n,
        reward,
        debt,
        absorbed: debt,
        toReserve,
        toAuction: 0n,
      });
      await expect(tx).not.to.emit(engine, "AuctionStarted");
      await expect(tx).not.to.emit(sys.reserve, "KeeperPayMinted");

      expect(await reserveHolding(sys, sys.weth)).to.equal(toReserve);
      expect(await vm.vaultInfo(id)).to.deep.equal([alice.address, weth, wad(10) - toReserve, 0n]);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(wad(25_000) - debt - reward);
      expect(await sys.bdol.balanceOf(keeper.address)).to.equal(reward);
      expect(await sys.reserve.deficit()).to.equal(0n);
      expect(await engine.auctionCount()).to.equal(0n);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      await expectSupplyIdentity(sys, 6n);

      // The owner withdraws what is left, whatever the oracle says (no debt).
      await time.increase(ETH_HEARTBEAT + 1);
      await expect(vm.connect(alice).withdraw(id, wad(10) - toReserve, alice.address)).to.changeTokenBalance(
        sys.weth,
        alice,
        wad(10) - toReserve,
      );
      // Every WETH unit is accounted for: the reserve's share is still held for it.
      expect(await reserveHolding(sys, sys.weth)).to.equal(toReserve);
    });

    it("absorbs what the buffer can and auctions the rest (partial absorption)", async () => {
      const id = await unhealthyVault(sys, alice);
      await donateToReserve(sys, bob, wad(10_000));
      const buffer = await sys.reserve.stabilityBuffer();
      expect(buffer).to.equal(wad(8_000));
      const debt = await vm.debtOf(id);
      const s = seizureOf(debt, wad(10), buffer, AUCTION.maxAuctionDebt, ETH_2500);
      expect(s.absorbed).to.equal(wad(8_000));
      expect(s.toReserve).to.equal(wad("3.52")); // 8,800 / 2,500: less than the proportional 4.44
      expect(s.auctionCollateral).to.be.within(wad("5.5555"), wad("5.5556"));

      const tx = await liquidate(sys, id);
      const reward = keeperRewardFor(debt, GWEI, ETH_2500);
      await expectLiquidation(sys, tx, {
        vaultId: id,
        keeper: keeper.address,
        auctionId: 1n,
        reward,
        debt,
        absorbed: s.absorbed,
        toReserve: s.toReserve,
        toAuction: s.auctionCollateral,
      });
      await expect(tx)
        .to.emit(engine, "AuctionStarted")
        .withArgs(1n, id, weth, s.auctionCollateral, s.tab, s.auctionDebt);

      expect(await vm.vaultInfo(id)).to.deep.equal([alice.address, weth, s.keptCollateral, 0n]);
      expect(await reserveHolding(sys, sys.weth)).to.equal(s.toReserve);
      expect(await sys.weth.balanceOf(engineAddress)).to.equal(s.auctionCollateral);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(wad(10_000) - s.absorbed - reward);
      expect(await engine.totalDebtUnderAuction()).to.equal(s.auctionDebt);
      expect(await sys.reserve.deficit()).to.equal(0n);
      await expectSupplyIdentity(sys, 6n);
    });

    it("heals an existing deficit before absorbing: the buffer is a share of the balance net of the deficit", async () => {
      const first = await unhealthyVault(sys, alice, wad(5));
      await liquidate(sys, first); // reserve empty: the keeper's pay becomes deficit
      const deficit = await sys.reserve.deficit();
      expect(deficit).to.be.gt(0n);

      const second = await openVault(sys, carol, sys.weth, wad(2), wad(3_000)); // 5,000 USD at 2,500
      await moveEthPrice(sys, 2_200); // 4,400 < 4,500
      await donateToReserve(sys, bob, wad(10_000));
      expect(await sys.reserve.stabilityBuffer()).to.equal(wadMulDown(wad(10_000) - deficit, BUFFER_SHARE));
      const debt = await vm.debtOf(second);
      const tx = await liquidate(sys, second);
      await expect(tx).to.emit(sys.reserve, "DeficitHealed").withArgs(deficit, 0n);
      const reward = keeperRewardFor(debt, GWEI, wad(2_200));
      await expectLiquidation(sys, tx, {
        vaultId: second,
        keeper: keeper.address,
        auctionId: 0n,
        reward,
        debt,
        absorbed: debt,
        toReserve: amountForValueUp(wadMulUp(debt, WAD + PENALTY), 18n, wad(2_200)),
        toAuction: 0n,
      });
      expect(await sys.reserve.deficit()).to.equal(0n);
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(wad(10_000) - deficit - debt - reward);
      await expectSupplyIdentity(sys, 8n);
    });

    it("refuses a partial slice whose auctioned part would carry no collateral (room below one collateral unit's worth)", async () => {
      // 10 WETH (1e19 units) against 18,000: a slice of fewer than 1,800 wei of debt carries
      // ⌊1e19 × slice / 18,000e18⌋ = 0 collateral. Liquidating it would write the debt off, so it is refused.
      const id = await unhealthyVault(sys, alice);
      await admin.setMaxAuctionDebt(weth, 1_000n);
      const debt = await vm.debtOf(id);
      const before = await snapshot(sys);
      await expect(liquidate(sys, id))
        .to.be.revertedWithCustomError(vm, "LiquidationLimitReached")
        .withArgs(id, (value: bigint) => value >= debt && value <= debt + 1n, 1_000n);
      await expectUnchanged(sys, before);
      // With room for a slice that carries collateral, the same vault goes to auction.
      await admin.setMaxAuctionDebt(weth, wad(5_000));
      await expect(liquidate(sys, id)).to.emit(engine, "AuctionStarted");
    });
  });

  // --------------------------------------------------------------------------- collateral in

  describe("collateral in: lots by balance difference (fee-on-transfer collateral)", () => {
    /** A fee-on-transfer token at 100 USD, registered in the vault manager and the engine. */
    async function feeToken(feeBps: bigint) {
      const token = (await ethers.deployContract("MockFeeOnTransferToken", [
        feeBps,
      ])) as unknown as MockFeeOnTransferToken;
      const asset = await token.getAddress();
      const feed = await priceTestAsset(sys, asset, "FOT / USD", 100);
      await vm.connect(await adminOf(vm)).addCollateral(asset, {
        oracleAsset: asset,
        debtCeiling: wad(1_000_000),
        minDebt: MIN_DEBT,
        liquidationRatio: LR,
        borrowRatio: wad("1.6"),
        liquidationPenalty: PENALTY,
        stabilityFee: RAY,
      });
      await admin.configureCollateral(asset, AUCTION);
      await token.mint(alice.address, wad(1_000));
      await token.connect(alice).approve(await vm.getAddress(), ethers.MaxUint256);
      // 1,000 sent (less the fee arrives), 50,000 of debt; then the price falls 100 → 80 → 70
      await vm.connect(alice).openVault(asset, wad(1_000), wad(50_000));
      const id = await vm.vaultCount();
      for (const p of [80, 70]) {
        await feed.updateAnswer(feedAnswer(p));
        await sys.oracle.recordPrice(asset);
      }
      return { token, asset, id };
    }

    it("records the lot the engine received, not what the vault manager sent", async () => {
      const { token, asset, id } = await feeToken(50n); // 0.5 %
      const inVault = (await vm.vaultInfo(id)).collateralAmount;
      expect(inVault).to.equal(wad(995));
      const tx = await liquidate(sys, id);
      const seized = await eventOf(tx, vm, "VaultSeized");
      const started = await eventOf(tx, engine, "AuctionStarted");
      expect(seized.collateralToAuction).to.equal(inVault);
      const received = inVault - (inVault * 50n) / 10_000n;
      expect(started.lot).to.equal(received);
      expect((await engine.auctionInfo(started.auctionId)).lot).to.equal(received);
      expect(await token.balanceOf(engineAddress)).to.equal(received);
      expect((await engine.collateralState(asset)).debtUnderAuction).to.equal(started.debt);
    });

    it("makes the whole auctioned debt a shortfall at once when nothing arrives (a 100 % fee switched on)", async () => {
      const { token, asset, id } = await feeToken(0n);
      await token.setFeeBps(10_000n);
      const debt = await vm.debtOf(id);
      const tx = await liquidate(sys, id);
      await expect(tx).not.to.emit(engine, "AuctionStarted");
      expect((await eventOf(tx, engine, "Liquidated")).auctionId).to.equal(0n);
      // The reserve is empty: the keeper's pay and the whole debt become deficit.
      await expect(tx).to.emit(sys.reserve, "ShortfallCovered").withArgs(debt, 0n, debt);
      expect(await engine.auctionCount()).to.equal(0n);
      expect(await engine.activeAuctionCount()).to.equal(0n);
      expect((await engine.collateralState(asset)).debtUnderAuction).to.equal(0n);
      expect(await sys.reserve.deficit()).to.equal(debt + (await rewardOf(sys, tx)));
      await expectSupplyIdentity(sys, 6n);
    });
  });

  // --------------------------------------------------------------------------- limits and slices

  describe("limits and slices", () => {
    let id: bigint;
    let debt: bigint;

    beforeEach(async () => {
      id = await unhealthyVault(sys, alice);
      debt = await vm.debtOf(id);
      await spareBdol(sys, bob, wad(40_000));
    });

    it("takes a proportional slice when the room is smaller than the debt, then refuses until room frees up", async () => {
      await expect(admin.setMaxAuctionDebt(weth, wad(5_000)))
        .to.emit(engine, "MaxAuctionDebtSet")
        .withArgs(weth, AUCTION.maxAuctionDebt, wad(5_000));
      const s = seizureOf(debt, wad(10), 0n, wad(5_000), ETH_2500);
      expect(s.debt).to.equal(wad(5_000));
      const { rateAccumulator: rate, totalNormalizedDebt: normalizedBefore } = await vm.collateralConfig(weth);

      const tx = await liquidate(sys, id);
      const lot = (wad(10) * wad(5_000)) / debt; // 2.78 WETH
      expect(lot).to.equal(s.auctionCollateral);
      await expectLiquidation(sys, tx, {
        vaultId: id,
        keeper: keeper.address,
        auctionId: 1n,
        reward: keeperRewardFor(wad(5_000), GWEI, ETH_2500),
        debt: wad(5_000),
        absorbed: 0n,
        toReserve: 0n,
        toAuction: lot,
      });
      await expect(tx).to.emit(engine, "AuctionStarted").withArgs(1n, id, weth, lot, wad(5_500), wad(5_000));
      // ⌊5,000 / rate⌋ normalized debt leaves: the vault owes at least debt − 5,000.
      const normalizedLeft = normalizedBefore - rayDivDown(wad(5_000), rate);
      expect(await vm.vaultInfo(id)).to.deep.equal([
        alice.address,
        weth,
        wad(10) - lot,
        rayMulUp(normalizedLeft, rate),
      ]);
      expect(rayMulUp(normalizedLeft, rate)).to.be.within(debt - wad(5_000), debt - wad(5_000) + 2n);
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(wad(5_000));
      await expectSupplyIdentity(sys, 8n);

      // Still unhealthy, but no room left.
      expect(await vm.healthFactor(id)).to.be.lt(WAD);
      const before = await snapshot(sys);
      const debtLeft = await vm.debtOf(id);
      await expect(liquidate(sys, id))
        .to.be.revertedWithCustomError(vm, "LiquidationLimitReached")
        .withArgs(id, debtLeft, 0n);
      await expectUnchanged(sys, before);

      // Raising the auction's tab frees its room: the next slice goes.
      await engine.connect(bob).take(1n, wad(10), wad(100_000), bob.address, "0x");
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
      await expect(liquidate(sys, id))
        .to.emit(engine, "AuctionStarted")
        .withArgs(2n, id, weth, anyValueAtLeast(1n), wad(5_500), wad(5_000));
      await expectSupplyIdentity(sys, 12n);
    });

    it("gives the next slice exactly the room left: limit − debt under auction", async () => {
      await admin.setMaxAuctionDebt(weth, wad(5_000));
      await liquidate(sys, id);
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(wad(5_000));
      await admin.setMaxAuctionDebt(weth, wad(6_000)); // 1,000 of room with 5,000 under auction
      await expect(liquidate(sys, id))
        .to.emit(engine, "AuctionStarted")
        .withArgs(2n, id, weth, anyValueAtLeast(1n), wad(1_100), wad(1_000));
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(wad(6_000));
      expect(await engine.totalDebtUnderAuction()).to.equal(wad(6_000));
    });

    it("gives the next slice exactly the total room left: total limit − total under auction", async () => {
      await admin.setMaxTotalAuctionDebt(wad(6_000));
      await liquidate(sys, id); // 6,000 of WETH debt under auction: the total is full
      const btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(37_000));
      await moveBtcPrice(sys, 50_000);
      await admin.setMaxTotalAuctionDebt(wad(10_000)); // 4,000 of total room, WBTC's own is 20M
      await expect(liquidate(sys, btcVault))
        .to.emit(engine, "AuctionStarted")
        .withArgs(2n, btcVault, wbtc, anyValueAtLeast(1n), wad(4_400), wad(4_000));
      expect(await engine.totalDebtUnderAuction()).to.equal(wad(10_000));
    });

    it("counts the total limit across collaterals", async () => {
      await expect(admin.setMaxTotalAuctionDebt(wad(6_000)))
        .to.emit(engine, "MaxTotalAuctionDebtSet")
        .withArgs(KEEPER.maxTotalAuctionDebt, wad(6_000));
      await liquidate(sys, id);
      expect(await engine.totalDebtUnderAuction()).to.equal(wad(6_000));

      // A WBTC vault: its own room is 20M, the total's is 0.
      const btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(37_000));
      await moveBtcPrice(sys, 50_000);
      expect(await vm.healthFactor(btcVault)).to.be.lt(WAD);
      const btcDebt = await vm.debtOf(btcVault);
      const before = await snapshot(sys);
      await expect(liquidate(sys, btcVault))
        .to.be.revertedWithCustomError(vm, "LiquidationLimitReached")
        .withArgs(btcVault, btcDebt, 0n);
      await expectUnchanged(sys, before);

      // Raising the total limit lets it through; WETH's counter is separate from WBTC's.
      await admin.setMaxTotalAuctionDebt(wad(100_000));
      await liquidate(sys, btcVault);
      expect((await engine.collateralState(wbtc)).debtUnderAuction).to.equal(btcDebt);
      expect((await engine.collateralState(weth)).debtUnderAuction).to.equal(wad(6_000));
      expect(await engine.totalDebtUnderAuction()).to.equal(btcDebt + wad(6_000));
      await expectSupplyIdentity(sys, 12n);
    });

    it("shrinks a slice that would leave dust so that the vault keeps exactly minDebt", async () => {
      // Room for all but 250: the vault would keep 250 < 500, so the slice is debt − 500.
      await admin.setMaxAuctionDebt(weth, debt - wad(250));
      const s = seizureOf(debt, wad(10), 0n, debt - wad(250), ETH_2500);
      expect(s.debt).to.equal(debt - MIN_DEBT);
      const { rateAccumulator: rate, totalNormalizedDebt: normalized } = await vm.collateralConfig(weth);
      const tx = await liquidate(sys, id);
      await expectLiquidation(sys, tx, {
        vaultId: id,
        keeper: keeper.address,
        auctionId: 1n,
        reward: keeperRewardFor(debt - MIN_DEBT, GWEI, ETH_2500),
        debt: debt - MIN_DEBT,
        absorbed: 0n,
        toReserve: 0n,
        toAuction: s.auctionCollateral,
      });
      const [, , collateral, left] = await vm.vaultInfo(id);
      // ⌈(N − ⌊slice / rate⌋) × rate⌉: minDebt up to the accumulator's rounding (rate ≈ 1 RAY here).
      expect(left).to.equal(rayMulUp(normalized - rayDivDown(debt - MIN_DEBT, rate), rate));
      expect(left).to.be.within(MIN_DEBT, MIN_DEBT + 2n);
      expect(collateral).to.equal(wad(10) - s.auctionCollateral);
      await expectSupplyIdentity(sys, 8n);
    });

    it("adds the buffer to the room: absorbs the buffer, auctions the room, leaves the rest", async () => {
      await admin.setMaxAuctionDebt(weth, wad(5_000));
      await donateToReserve(sys, carol, wad(5_000)); // buffer 4,000
      const s = seizureOf(debt, wad(10), wad(4_000), wad(5_000), ETH_2500);
      expect([s.debt, s.absorbed, s.auctionDebt]).to.deep.equal([wad(9_000), wad(4_000), wad(5_000)]);
      const tx = await liquidate(sys, id);
      await expectLiquidation(sys, tx, {
        vaultId: id,
        keeper: keeper.address,
        auctionId: 1n,
        reward: keeperRewardFor(wad(9_000), GWEI, ETH_2500),
        debt: wad(9_000),
        absorbed: wad(4_000),
        toReserve: s.toReserve,
        toAuction: s.auctionCollateral,
      });
      await expect(tx)
        .to.emit(engine, "AuctionStarted")
        .withArgs(1n, id, weth, s.auctionCollateral, wad(5_500), wad(5_000));
      expect((await vm.vaultInfo(id)).collateralAmount).to.equal(s.keptCollateral);
      expect(await vm.debtOf(id)).to.be.within(debt - wad(9_000), debt - wad(9_000) + 2n);
      await expectSupplyIdentity(sys, 8n);
    });

    it("absorbs the whole debt with no auction room at all", async () => {
      await admin.setMaxAuctionDebt(weth, 0n);
      await donateToReserve(sys, carol, wad(30_000));
      expect(await engine.liquidate.staticCall(id, keeper.address)).to.equal(0n);
      await liquidate(sys, id);
      expect(await vm.debtOf(id)).to.equal(0n);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
    });
  });

  // --------------------------------------------------------------------------- keeper pay

  describe("keeper pay", () => {
    /** A WETH vault with `debt` liquidated at `basefee`: returns the reward paid. */
    async function rewardAt(who: HardhatEthersSigner, debt: bigint, basefee: bigint, tipOn = true): Promise<bigint> {
      // Collateral for a 1.62 ratio at 3,000 (then unhealthy at 2,500: 1.35 < 1.5).
      await setEthPrice(sys, 3_000);
      const collateral = (debt * 162n) / 100n / 3_000n;
      const id = await openVault(sys, who, sys.weth, collateral, debt);
      await setEthPrice(sys, 2_500);
      const vaultDebt = await vm.debtOf(id);
      const keeperBefore = await sys.bdol.balanceOf(keeper.address);
      const tx = await liquidate(sys, id, { basefee });
      expect(await basefeeOf(tx)).to.equal(basefee);
      const reward = await rewardOf(sys, tx);
      const expected = tipOn
        ? keeperRewardFor(vaultDebt, basefee, ETH_2500)
        : min(wadMulDown(vaultDebt, KEEPER.keeperFee), wadMulDown(vaultDebt, KEEPER.maxRewardShare));
      expect(reward).to.equal(expected);
      expect((await sys.bdol.balanceOf(keeper.address)) - keeperBefore).to.equal(reward);
      return reward;
    }

    it("pays a basefee tip (tipGas × basefee × ETH price) plus 0.1 % of the debt, rising with the basefee", async () => {
      const low = await rewardAt(alice, wad(100_000), GWEI);
      const high = await rewardAt(carol, wad(100_000), 100n * GWEI);
      // 400k × 1 gwei × 2,500 = 1 BDOL; × 100 gwei = 100 BDOL; plus 100 BDOL of fee.
      expect(low).to.be.within(wad(101), wad(101) + 1n);
      expect(high).to.be.within(wad(200), wad(200) + 1n);
      expect(high - low).to.equal(basefeeTip(100n * GWEI, ETH_2500) - basefeeTip(GWEI, ETH_2500));
    });

    it("caps the basefee tip at maxTip (a gas spike pays at most 500 + the fee)", async () => {
      // 400k × 1,000 gwei × 2,500 = 1,000 BDOL, capped at 500; + 100 fee; under 2 % of 100,000.
      const reward = await rewardAt(alice, wad(100_000), 1_000n * GWEI);
      expect(basefeeTip(1_000n * GWEI, ETH_2500)).to.equal(KEEPER.maxTip);
      expect(reward).to.be.within(wad(600), wad(600) + 1n);
    });

    it("caps the whole reward at maxRewardShare of the debt", async () => {
      // 500 + 18 > 2 % × 18,000 = 360.
      const reward = await rewardAt(alice, wad(18_000), 1_000n * GWEI);
      expect(reward).to.be.within(wad(360), wad(360) + 1n);
    });

    it("pays from the reserve's balance first and mints only what it lacks into deficit", async () => {
      await sys.reserve.connect(await adminOf(sys.reserve)).setBufferShare(0n); // no absorption
      await donateToReserve(sys, bob, wad(10));
      const id = await unhealthyVault(sys, alice);
      const debt = await vm.debtOf(id);
      const reward = keeperRewardFor(debt, 100n * GWEI, ETH_2500); // 100 + 18
      const tx = await liquidate(sys, id, { basefee: 100n * GWEI });
      await expect(tx)
        .to.emit(sys.reserve, "KeeperPayMinted")
        .withArgs(keeper.address, reward - wad(10), reward - wad(10));
      expect(await sys.bdol.balanceOf(reserveAddress)).to.equal(0n);
      expect(await sys.reserve.deficit()).to.equal(reward - wad(10));
      expect(await sys.bdol.balanceOf(keeper.address)).to.equal(reward);
      await expectSupplyIdentity(sys, 8n);
    });

    it("pays only the fee share with no native asset (tip off), and keeperReward(debt) agrees", async () => {
      await expect(admin.setNativeAsset(ZeroAddress)).to.emit(engine, "NativeAssetSet").withArgs(weth, ZeroAddress);
      expect(await engine.keeperReward(wad(18_000))).to.equal(wad(18));
      expect(await engine.keeperReward(0n)).to.equal(0n);
      const reward = await rewardAt(alice, wad(18_000), 1_000n * GWEI, false);
      expect(reward).to.be.within(wad(18), wad(18) + 1n);
    });

    it("prices the tip with the native asset's last good price even when that price is not live", async () => {
      // A WBTC vault liquidated while ETH's feed is stale: the tip uses ETH's last good price (2,500).
      const btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(37_000));
      await setEthPrice(sys, 2_500);
      await sys.oracle.recordPrice(weth);
      await time.increase(ETH_HEARTBEAT + 1);
      await moveBtcPrice(sys, 50_000);
      const [ethLastGood, ethStatus] = await sys.oracle.getPrice(weth);
      expect([ethLastGood, ethStatus]).to.deep.equal([ETH_2500, BigInt(Status.Stale)]);
      const debt = await vm.debtOf(btcVault);
      const tx = await liquidate(sys, btcVault, { basefee: 10n * GWEI });
      expect(await rewardOf(sys, tx)).to.equal(keeperRewardFor(debt, 10n * GWEI, ETH_2500));
    });
  });

  // --------------------------------------------------------------------------- governance

  describe("governance setters", () => {
    const perCollateral: {
      setter: keyof LiquidationEngine & string;
      event: string;
      field: number;
      valid: bigint;
      outOfBounds: [bigint, bigint, bigint][];
    }[] = [
      {
        setter: "setStartMultiplier",
        event: "StartMultiplierSet",
        field: 0,
        valid: wad("1.2"),
        outOfBounds: [
          [wad("0.99"), BOUNDS.MIN_START_MULTIPLIER, BOUNDS.MAX_START_MULTIPLIER],
          [wad("2.01"), BOUNDS.MIN_START_MULTIPLIER, BOUNDS.MAX_START_MULTIPLIER],
        ],
      },
      {
        setter: "setFloorRatio",
        event: "FloorRatioSet",
        field: 1,
        valid: wad("0.8"),
        outOfBounds: [
          [wad("0.49"), BOUNDS.MIN_FLOOR_RATIO, BOUNDS.MAX_FLOOR_RATIO],
          [wad("1.01"), BOUNDS.MIN_FLOOR_RATIO, BOUNDS.MAX_FLOOR_RATIO],
        ],
      },
      {
        setter: "setAuctionDuration",
        event: "AuctionDurationSet",
        field: 2,
        valid: 3n * 3600n,
        outOfBounds: [
          [299n, BOUNDS.MIN_AUCTION_DURATION, BOUNDS.MAX_AUCTION_DURATION],
          [BOUNDS.MAX_AUCTION_DURATION + 1n, BOUNDS.MIN_AUCTION_DURATION, BOUNDS.MAX_AUCTION_DURATION],
        ],
      },
      {
        setter: "setMaxAuctionAge",
        event: "MaxAuctionAgeSet",
        field: 3,
        valid: 1800n,
        outOfBounds: [
          [299n, BOUNDS.MIN_AUCTION_DURATION, BOUNDS.MAX_AUCTION_DURATION],
          [BOUNDS.MAX_AUCTION_DURATION + 1n, BOUNDS.MIN_AUCTION_DURATION, BOUNDS.MAX_AUCTION_DURATION],
        ],
      },
      {
        setter: "setMaxAuctionDebt",
        event: "MaxAuctionDebtSet",
        field: 4,
        valid: 0n,
        outOfBounds: [[BOUNDS.MAX_DEBT_CEILING + 1n, 0n, BOUNDS.MAX_DEBT_CEILING]],
      },
      {
        setter: "setAuctionDust",
        event: "AuctionDustSet",
        field: 5,
        valid: BOUNDS.MAX_MIN_DEBT,
        outOfBounds: [[BOUNDS.MAX_MIN_DEBT + 1n, 0n, BOUNDS.MAX_MIN_DEBT]],
      },
    ];

    for (const c of perCollateral) {
      it(`${c.setter}: sets with an old/new event; NoChange; OutOfBounds; CollateralNotConfigured; admin only`, async () => {
        const call = (signer: LiquidationEngine, token: string, value: bigint) =>
          (signer[c.setter] as unknown as (t: string, v: bigint) => Promise<unknown>)(token, value);
        const old = (await engine.collateralState(weth)).params[c.field];
        const before = await snapshot(sys);
        await expect(call(engine.connect(attacker), weth, c.valid))
          .to.be.revertedWithCustomError(engine, "AccessControlUnauthorizedAccount")
          .withArgs(attacker.address, ADMIN_ROLE);
        await expect(call(admin, weth, old)).to.be.revertedWithCustomError(engine, "NoChange");
        for (const [value, lo, hi] of c.outOfBounds) {
          await expect(call(admin, weth, value))
            .to.be.revertedWithCustomError(engine, "OutOfBounds")
            .withArgs(value, lo, hi);
        }
        const usdc = await sys.usdc.getAddress();
        await expect(call(admin, usdc, c.valid))
          .to.be.revertedWithCustomError(engine, "CollateralNotConfigured")
          .withArgs(usdc);
        await expectUnchanged(sys, before);

        await expect(call(admin, weth, c.valid))
          .to.emit(engine, c.event)
          .withArgs(weth, old, c.valid);
        expect((await engine.collateralState(weth)).params[c.field]).to.equal(c.valid);
        // WBTC's parameters are its own.
        expect((await engine.collateralState(wbtc)).params[c.field]).to.equal(old);
      });
    }

    it("keeps the floor strictly below the start multiplier (FloorNotBelowStart) from either setter", async () => {
      await admin.setFloorRatio(weth, wad(1)); // start 1.1 > 1
      await expect(admin.setStartMultiplier(weth, wad(1)))
        .to.be.revertedWithCustomError(engine, "FloorNotBelowStart")
        .withArgs(wad(1), wad(1));
      await admin.setFloorRatio(weth, wad("0.9"));
      await admin.setStartMultiplier(weth, wad(1));
      await expect(admin.setFloorRatio(weth, wad(1)))
        .to.be.revertedWithCustomError(engine, "FloorNotBelowStart")
        .withArgs(wad(1), wad(1));
      expect((await engine.collateralState(weth)).params.floorRatio).to.equal(wad("0.9"));
    });

    const globals: {
      setter: keyof LiquidationEngine & string;
      event: string;
      read: (e: LiquidationEngine) => Promise<bigint>;
      valid: bigint;
      max: bigint;
    }[] = [
      {
        setter: "setMaxTotalAuctionDebt",
        event: "MaxTotalAuctionDebtSet",
        read: (e) => e.maxTotalAuctionDebt(),
        valid: wad(1),
        max: BOUNDS.MAX_DEBT_CEILING,
      },
      {
        setter: "setTipGas",
        event: "TipGasSet",
        read: async (e) => (await e.keeperRewardParams()).tipGas,
        valid: 0n,
        max: BOUNDS.MAX_TIP_GAS,
      },
      {
        setter: "setRedoGas",
        event: "RedoGasSet",
        read: async (e) => (await e.keeperRewardParams()).redoGas,
        valid: BOUNDS.MAX_REDO_GAS,
        max: BOUNDS.MAX_REDO_GAS,
      },
      {
        setter: "setMaxTip",
        event: "MaxTipSet",
        read: async (e) => (await e.keeperRewardParams()).maxTip,
        valid: BOUNDS.MAX_KEEPER_TIP,
        max: BOUNDS.MAX_KEEPER_TIP,
      },
      {
        setter: "setKeeperFee",
        event: "KeeperFeeSet",
        read: async (e) => (await e.keeperRewardParams()).keeperFee,
        valid: BOUNDS.MAX_KEEPER_FEE,
        max: BOUNDS.MAX_KEEPER_FEE,
      },
      {
        setter: "setMaxRewardShare",
        event: "MaxRewardShareSet",
        read: async (e) => (await e.keeperRewardParams()).maxRewardShare,
        valid: BOUNDS.MAX_KEEPER_REWARD_SHARE,
        max: BOUNDS.MAX_KEEPER_REWARD_SHARE,
      },
    ];

    it("setMaxRewardShare never exceeds a collateral's penalty (RewardShareAbovePenalty): self-liquidation must not pay", async () => {
      const vmAdmin = vm.connect(await adminOf(vm));
      await vmAdmin.setLiquidationPenalty(await sys.wbtc.getAddress(), wad("0.06")); // WETH stays at 10 %
      const before = await snapshot(sys);
      await expect(admin.setMaxRewardShare(wad("0.07")))
        .to.be.revertedWithCustomError(engine, "RewardShareAbovePenalty")
        .withArgs(await sys.wbtc.getAddress(), wad("0.06"), wad("0.07"));
      await expectUnchanged(sys, before);
      await expect(admin.setMaxRewardShare(wad("0.06"))).to.emit(engine, "MaxRewardShareSet");
    });

    it("VaultManager.setLiquidationEngine refuses an engine whose reward cap exceeds a penalty (PenaltyBelowKeeperReward)", async () => {
      const vmAdmin = vm.connect(await adminOf(vm));
      const [deployer] = await ethers.getSigners();
      const other = await ethers.deployContract("LiquidationEngine", [vm, sys.reserve, deployer.address]);
      await other.setMaxRewardShare(wad("0.06")); // all penalties are 10 % so far
      await vmAdmin.setLiquidationPenalty(weth, wad("0.05"));
      await expect(vmAdmin.setLiquidationEngine(other))
        .to.be.revertedWithCustomError(vm, "PenaltyBelowKeeperReward")
        .withArgs(wad("0.05"), wad("0.06"));
      expect(await vm.liquidationEngine()).to.equal(engineAddress);
      await other.setMaxRewardShare(wad("0.05"));
      await expect(vmAdmin.setLiquidationEngine(other)).to.emit(vm, "LiquidationEngineSet");
    });

    for (const g of globals) {
      it(`${g.setter}: sets with an old/new event; NoChange; OutOfBounds above ${g.max}; admin only`, async () => {
        const call = (signer: LiquidationEngine, value: bigint) =>
          (signer[g.setter] as unknown as (v: bigint) => Promise<unknown>)(value);
        const old = await g.read(engine);
        const before = await snapshot(sys);
        await expect(call(engine.connect(attacker), g.valid))
          .to.be.revertedWithCustomError(engine, "AccessControlUnauthorizedAccount")
          .withArgs(attacker.address, ADMIN_ROLE);
        await expect(call(admin, old)).to.be.revertedWithCustomError(engine, "NoChange");
        await expect(call(admin, g.max + 1n))
          .to.be.revertedWithCustomError(engine, "OutOfBounds")
          .withArgs(g.max + 1n, 0n, g.max);
        expect(await g.read(engine)).to.equal(old);
        await expectUnchanged(sys, before);
        await expect(call(admin, g.valid)).to.emit(engine, g.event).withArgs(old, g.valid);
        expect(await g.read(engine)).to.equal(g.valid);
      });
    }

    it("setNativeAsset: any priced asset or zero (tip off); UnknownAsset for an unpriced one; NoChange; admin only", async () => {
      const usdc = await sys.usdc.getAddress();
      await expect(engine.connect(attacker).setNativeAsset(wbtc))
        .to.be.revertedWithCustomError(engine, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, ADMIN_ROLE);
      await expect(admin.setNativeAsset(weth)).to.be.revertedWithCustomError(engine, "NoChange");
      const unpriced = ethers.Wallet.createRandom().address;
      await expect(admin.setNativeAsset(unpriced))
        .to.be.revertedWithCustomError(sys.oracle, "UnknownAsset")
        .withArgs(unpriced);
      expect(await engine.nativeAsset()).to.equal(weth);
      await expect(admin.setNativeAsset(usdc)).to.emit(engine, "NativeAssetSet").withArgs(weth, usdc);
      await expect(admin.setNativeAsset(ZeroAddress)).to.emit(engine, "NativeAssetSet").withArgs(usdc, ZeroAddress);
      expect(await engine.nativeAsset()).to.equal(ZeroAddress);
    });

    it("configureCollateral: admin only; CollateralAlreadyConfigured; UnknownCollateral; every bound", async () => {
      const { token } = await vaultManagerOnlyCollateral(100);
      const asset = await token.getAddress();
      await expect(engine.connect(attacker).configureCollateral(asset, AUCTION))
        .to.be.revertedWithCustomError(engine, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, ADMIN_ROLE);
      await expect(admin.configureCollateral(weth, AUCTION))
        .to.be.revertedWithCustomError(engine, "CollateralAlreadyConfigured")
        .withArgs(weth);
      const usdc = await sys.usdc.getAddress();
      await expect(admin.configureCollateral(usdc, AUCTION))
        .to.be.revertedWithCustomError(vm, "UnknownCollateral")
        .withArgs(usdc);
      const cases: [Partial<typeof AUCTION>, string, unknown[]][] = [
        [
          { startMultiplier: wad("0.9") },
          "OutOfBounds",
          [wad("0.9"), BOUNDS.MIN_START_MULTIPLIER, BOUNDS.MAX_START_MULTIPLIER],
        ],
        [{ floorRatio: wad("0.4") }, "OutOfBounds", [wad("0.4"), BOUNDS.MIN_FLOOR_RATIO, BOUNDS.MAX_FLOOR_RATIO]],
        [{ startMultiplier: wad(1), floorRatio: wad(1) }, "FloorNotBelowStart", [wad(1), wad(1)]],
        [{ duration: 60 }, "OutOfBounds", [60n, BOUNDS.MIN_AUCTION_DURATION, BOUNDS.MAX_AUCTION_DURATION]],
        [
          { maxAge: 8 * 24 * 3600 },
          "OutOfBounds",
          [8n * 24n * 3600n, BOUNDS.MIN_AUCTION_DURATION, BOUNDS.MAX_AUCTION_DURATION],
        ],
        [
          { maxAuctionDebt: BOUNDS.MAX_DEBT_CEILING + 1n },
          "OutOfBounds",
          [BOUNDS.MAX_DEBT_CEILING + 1n, 0n, BOUNDS.MAX_DEBT_CEILING],
        ],
        [{ dust: BOUNDS.MAX_MIN_DEBT + 1n }, "OutOfBounds", [BOUNDS.MAX_MIN_DEBT + 1n, 0n, BOUNDS.MAX_MIN_DEBT]],
      ];
      for (const [override, error, args] of cases) {
        await expect(
          admin.configureCollateral(asset, { ...AUCTION, ...override }),
          `${error} for ${Object.keys(override)}`,
        )
          .to.be.revertedWithCustomError(engine, error)
          .withArgs(...args);
      }
      expect((await engine.collateralState(asset)).enabled).to.equal(false);
      await admin.configureCollateral(asset, { ...AUCTION, dust: 0n, maxAuctionDebt: wad(1) });
      const state = await engine.collateralState(asset);
      expect([state.enabled, state.params.dust, state.params.maxAuctionDebt]).to.deep.equal([true, 0n, wad(1)]);
    });
  });

  // --------------------------------------------------------------------------- vault manager side

  describe("VaultManager.seize and setLiquidationEngine", () => {
    it("lets only the liquidation engine seize (NotLiquidationEngine), not even the admin", async () => {
      const id = await unhealthyVault(sys, alice);
      const before = await snapshot(sys);
      for (const caller of [attacker, sys.deployer, alice]) {
        await expect(vm.connect(caller).seize(id, 0n, wad(1_000_000), caller.address))
          .to.be.revertedWithCustomError(vm, "NotLiquidationEngine")
          .withArgs(caller.address);
      }
      await expectUnchanged(sys, before);
    });

    it("setLiquidationEngine: admin only, ZeroAddress, NoChange, event; the old engine loses the right to seize", async () => {
      const vmAdmin = vm.connect(await adminOf(vm));
      await expect(vm.connect(attacker).setLiquidationEngine(attacker.address))
        .to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, ADMIN_ROLE);
      await expect(vmAdmin.setLiquidationEngine(ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
      await expect(vmAdmin.setLiquidationEngine(engineAddress)).to.be.revertedWithCustomError(vm, "NoChange");
      expect(await vm.liquidationEngine()).to.equal(engineAddress);

      const id = await unhealthyVault(sys, alice);
      await expect(vmAdmin.setLiquidationEngine(carol.address))
        .to.emit(vm, "LiquidationEngineSet")
        .withArgs(engineAddress, carol.address);
      await expect(liquidate(sys, id))
        .to.be.revertedWithCustomError(vm, "NotLiquidationEngine")
        .withArgs(engineAddress);
      // The new "engine" seizes directly: the whole debt and collateral to it (no buffer, room for all).
      const debt = await vm.debtOf(id);
      await expect(vm.connect(carol).seize(id, 0n, wad(1_000_000), carol.address))
        .to.emit(vm, "VaultSeized")
        .withArgs(id, debt, 0n, 0n, wad(10), anyValueAtLeast(RAY));
      expect(await sys.weth.balanceOf(carol.address)).to.equal(wad(10));
    });
  });

  // --------------------------------------------------------------------------- supply identity

  describe("supply identity", () => {
    it("holds with interest accruing: fees accrued but not minted are the pendingFees term", async () => {
      const vmAdmin = vm.connect(await adminOf(vm));
      await vmAdmin.setStabilityFee(weth, WETH_SETUP.stabilityFee); // 2 % a year again
      await vmAdmin.setStabilityFee(wbtc, WBTC_SETUP.stabilityFee);
      await spareBdol(sys, bob, wad(60_000));
      const a = await openVault(sys, alice, sys.weth, wad(10), wad(17_000));
      const c = await openVault(sys, carol, sys.weth, wad(10), wad(17_500));
      await expectSupplyIdentity(sys, 8n);
      await time.increase(180 * 24 * 3600);
      await refreshFeeds(sys);
      expect(await vm.pendingFees(weth)).to.be.gt(wad(100));
      await expectSupplyIdentity(sys, 8n);
      await vm.accrue(weth); // WETH's fees minted to the reserve, WBTC's still pending
      expect(await vm.pendingFees(wbtc)).to.be.gt(0n);
      await expectSupplyIdentity(sys, 8n);
      await time.increase(3600);
      await setEthPrice(sys, 2_500);
      await sys.oracle.recordPrice(weth);
      await liquidate(sys, a); // the reserve's fees form a small buffer: partial absorption
      await expectSupplyIdentity(sys, 10n);
      await engine.connect(bob).take(1n, wad(100), wad(1_000_000), bob.address, "0x");
      await expectSupplyIdentity(sys, 10n);
      await time.increase(7 * 24 * 3600);
      await refreshFeeds(sys);
      await liquidate(sys, c);
      await expectSupplyIdentity(sys, 12n);
      await vm.accrue(wbtc);
      await vm.accrue(weth);
      await expectSupplyIdentity(sys, 12n);
    });

    it("holds exactly (up to rounding slack) through liquidations of every kind, a take and a heal", async () => {
      await spareBdol(sys, bob, wad(60_000));
      await expectSupplyIdentity(sys, 2n);
      const a = await unhealthyVault(sys, alice);
      const c = await openVault(sys, carol, sys.weth, wad(4), wad(6_000));
      await moveEthPrice(sys, 2_200);
      await liquidate(sys, a); // auction, pay into deficit
      await expectSupplyIdentity(sys, 6n);
      await engine.connect(bob).take(1n, wad(3), wad(10_000), bob.address, "0x"); // partial
      await expectSupplyIdentity(sys, 6n);
      await sys.bdol.connect(bob).transfer(reserveAddress, wad(10_000));
      await liquidate(sys, c); // absorbed, heals first
      await expectSupplyIdentity(sys, 8n);
      await engine.connect(bob).take(1n, wad(10), wad(10_000), bob.address, "0x"); // the rest
      await expectSupplyIdentity(sys, 8n);
      const slack = await supplySlack(sys);
      // Exactly what the vault-manager operations left: no liquidation step added or lost a wei beyond them.
      expect(slack).to.be.lte(8n);
      expect(await engine.totalDebtUnderAuction()).to.equal(0n);
    });
  });
});

/** withArgs predicate: x ≥ lo. */
function anyValueAtLeast(lo: bigint) {
  return (x: bigint) => x >= lo;
}

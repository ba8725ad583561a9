/**
 * PegKeeper against the real Uniswap v3 bytecode: the seeded BDOL/USDC pool, the oracle reading
 * BDOL from MarketPriceFeed as on mainnet. Above the peg it mints and sells within its cap and
 * never past 1 + 2 × fee; below it buys back and burns; every coin it minted stays backed by the
 * USDC it holds; profit goes to the caller (its share) and the reserve; it refuses to be steered.
 */
import { expect } from "chai";
import hre, { ethers, getNamedAccounts } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { WAD, wad } from "../../lib/sdk";
import { networkConfig } from "../../config/networks";
import { adminOf, type System } from "../helpers/fixtures";
import {
  elapse,
  loadMarket,
  loadSeededSystem,
  movePoolTo,
  refreshFeeds,
  useMarketFeed,
  type Market,
} from "../helpers/market";
import { expectSupplyIdentity } from "../liquidation/helpers";
import type { IPegKeeper } from "../../typechain-types";

const USDC = 10n ** 12n; // wad per USDC unit
const FEE2 = wad("0.0002"); // 2 × the 0.01 % pool's fee

describe("PegKeeper", () => {
  let sys: System;
  let m: Market;
  let rules: { [K in keyof IPegKeeper.RulesStruct]: bigint };

  /** Records a market round and the oracle's reading of it (after at least a round period). */
  const settle = async () => {
    await refreshFeeds(sys);
    await m.feed.update();
    await sys.oracle.recordPrice(await sys.bdol.getAddress());
  };
  /** Moves the pool to `price` and holds it there for a window, then settles the oracle. */
  const hold = async (price: bigint) => {
    await movePoolTo(sys.carol, price);
    await elapse(Number(await m.feed.window()));
    await settle();
  };
  const usdcOf = (who: string) => sys.usdc.balanceOf(who);
  const update = () => m.keeper.connect(sys.keeper).update();
  /** Every event of the keeper and the reserve in `tx`, in order. */
  const eventsOf = async (tx: Awaited<ReturnType<typeof update>>) =>
    (await tx.wait())!.logs
      .map((l) => m.keeper.interface.parseLog(l) ?? sys.reserve.interface.parseLog(l))
      .filter((e) => e !== null);
  const nextInterval = async () => {
    await elapse(Number(rules.interval));
    await settle();
  };

  beforeEach(async () => {
    sys = await loadSeededSystem();
    m = await loadMarket();
    await useMarketFeed(sys, m);
    await elapse(Number(await m.feed.window()));
    await settle();
    const r = await m.keeper.rules();
    rules = {
      debtCap: r.debtCap,
      maxPerUpdate: r.maxPerUpdate,
      band: r.band,
      maxSpread: r.maxSpread,
      callerShare: r.callerShare,
      interval: r.interval,
    };
  });

  it("is deployed with the config's rules, mints as a module, and answers to the timelock and the guardian", async () => {
    const k = networkConfig("hardhat").market.pegKeeper;
    expect([
      rules.debtCap,
      rules.maxPerUpdate,
      rules.band,
      rules.maxSpread,
      rules.callerShare,
      rules.interval,
    ]).to.deep.equal([k.debtCap, k.maxPerUpdate, k.band, k.maxSpread, k.callerShare, BigInt(k.interval)]);
    expect(await sys.bdol.isModule(await m.keeper.getAddress())).to.equal(true);
    expect(await m.keeper.pool()).to.equal(await m.pool.getAddress());
    expect(await m.keeper.quoteToken()).to.equal(await sys.usdc.getAddress());
    expect(await m.keeper.reserve()).to.equal(await sys.reserve.getAddress());
    expect(await m.keeper.debt()).to.equal(0n);
  });

  it("does nothing inside the band", async () => {
    await expect(update()).to.be.revertedWithCustomError(m.keeper, "NothingToDo");
  });

  describe("above the peg", () => {
    beforeEach(() => hold(wad("1.02")));

    it("mints and sells at most maxPerUpdate, never below 1 + 2 × fee, backed, profit to the caller and the reserve", async () => {
      const spotBefore = await m.feed.spotPrice();
      const reserveBefore = await usdcOf(await sys.reserve.getAddress());
      const supplyBefore = await sys.bdol.totalSupply();
      const tx = await update();
      const logs = (await tx.wait())!.logs.map((l) => m.keeper.interface.parseLog(l)).filter((e) => e !== null);
      const provided = logs.find((e) => e!.name === "Provided")!.args;
      const paid = logs.find((e) => e!.name === "ProfitPaid")!.args;
      const minted = provided.minted as bigint;
      const received = provided.quoteReceived as bigint;
      const spotAfter = await m.feed.spotPrice();
      console.log(
        `      pool 1.02: minted ${ethers.formatEther(minted)} BDOL for ${ethers.formatUnits(received, 6)} USDC, ` +
          `spot ${ethers.formatEther(spotBefore)} → ${ethers.formatEther(spotAfter)}, profit ${ethers.formatEther(paid.profit)}`,
      );
      expect(minted).to.equal(rules.maxPerUpdate);
      expect(await m.keeper.debt()).to.equal(minted);
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore + minted);
      expect(spotAfter)
        .to.be.lt(spotBefore)
        .and.gte(WAD + FEE2);
      // Sold above $1: more USDC than BDOL minted; the keeper keeps exactly the debt's worth.
      expect(received * USDC).to.be.gt(minted);
      expect(paid.profit).to.equal(received * USDC - minted);
      expect(await m.keeper.quoteHeld()).to.equal((minted + USDC - 1n) / USDC);
      expect(paid.rewardQuote).to.equal((paid.profit * rules.callerShare) / WAD / USDC);
      expect(paid.rewardCoin).to.equal(0n);
      expect(await usdcOf(sys.keeper.address)).to.equal(paid.rewardQuote);
      expect((await usdcOf(await sys.reserve.getAddress())) - reserveBefore).to.equal(paid.quoteToReserve);
      expect(paid.rewardQuote + paid.quoteToReserve).to.equal(received - (minted + USDC - 1n) / USDC);
      await expectSupplyIdentity(sys, 10n);
    });

    it("reserve:status shows the keeper's debt, its backing, the market round and its rules", async () => {
      await update();
      const printed: string[] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => printed.push(args.map(String).join(" "));
      try {
        await hre.run("reserve:status");
      } finally {
        console.log = log;
      }
      const text = printed.join("\n");
      expect(text).to.include("BDOL market and peg keeper");
      expect(text).to.match(/keeper debt \/ cap \(BDOL\) +│ +250,000.00 \/ 5,000,000.00/);
      expect(text).to.match(/USDC held \(backs the debt\) \/ beyond it \(USD\) +│ +250,000.00 \/ 0.00/);
      expect(text).to.match(/market feed \(TWAP × USDC\/USD\) +│ +1.0200 USD \(round 2, /);
      expect(text).to.match(/acts outside \/ per update \/ every +│ +1 ± 0.20 % \/ 250,000.00 BDOL \/ 0.5 h/);
      expect(text).to.match(/reserve's buy-back left \/ limit a day \(USD\) +│ +1,000,000.00 \/ 1,000,000.00/);
    });

    it("stops at the cap, and at the price limit: it never pushes the price across the peg", async () => {
      const admin = await adminOf(m.keeper);
      await m.keeper.connect(admin).setRules({ ...rules, debtCap: wad(400_000) });
      await update();
      await nextInterval();
      await update();
      expect(await m.keeper.debt()).to.equal(wad(400_000));
      await nextInterval();
      await expect(update())
        .to.be.revertedWithCustomError(m.keeper, "DebtCapReached")
        .withArgs(wad(400_000), wad(400_000));
      // A cap far above what the pool takes: it sells until the limit and stops there.
      await m.keeper.connect(admin).setRules({ ...rules, debtCap: wad(50_000_000), maxPerUpdate: wad(50_000_000) });
      await update();
      const spot = await m.feed.spotPrice();
      // At the limit, up to a wei of the sqrt price's rounding.
      console.log(
        `      unbounded cap: sold until the spot reached ${ethers.formatEther(spot)}; debt ${ethers.formatEther(await m.keeper.debt())}`,
      );
      expect(spot)
        .to.be.gte(WAD + FEE2 - 10n)
        .and.lt(WAD + FEE2 + wad("0.0001"));
      expect(await m.keeper.debt()).to.be.lt(wad(50_000_000));
      await expectSupplyIdentity(sys, 10n);
    });

    it("refuses an update within its interval", async () => {
      await update();
      const next = await m.keeper.nextUpdateAt();
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "UpdateTooSoon").withArgs(next);
    });

    it("the guardian pauses its minting (not longer, not again); governance lifts it", async () => {
      const guardian = await ethers.getSigner((await getNamedAccounts()).guardian);
      const role = await m.keeper.GUARDIAN_ROLE();
      expect(await m.keeper.hasRole(role, guardian.address)).to.equal(true);
      await expect(m.keeper.connect(sys.attacker).pauseMinting())
        .to.be.revertedWithCustomError(m.keeper, "NotGuardian")
        .withArgs(sys.attacker.address);
      await expect(m.keeper.connect(guardian).pauseMinting()).to.emit(m.keeper, "MintingPaused");
      const until = await m.keeper.mintingPausedUntil();
      expect(until).to.equal(BigInt(await time.latest()) + 7n * 86_400n);
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "MintingIsPaused").withArgs(until);
      await expect(m.keeper.connect(guardian).pauseMinting())
        .to.be.revertedWithCustomError(m.keeper, "AlreadyPaused")
        .withArgs(until);
      await expect(m.keeper.connect(guardian).unpauseMinting()).to.be.revertedWithCustomError(
        m.keeper,
        "AccessControlUnauthorizedAccount",
      );
      await expect(m.keeper.connect(await adminOf(m.keeper)).unpauseMinting()).to.emit(m.keeper, "MintingUnpaused");
      await expect(update()).to.emit(m.keeper, "Provided");
      // Not again until a pause's length after its last pause would have ended: at most half the time.
      await expect(m.keeper.connect(guardian).pauseMinting())
        .to.be.revertedWithCustomError(m.keeper, "PauseCoolingDown")
        .withArgs(until + 7n * 86_400n);
      await time.increaseTo(until + 7n * 86_400n);
      await expect(m.keeper.connect(guardian).pauseMinting()).to.emit(m.keeper, "MintingPaused");
    });
  });

  describe("below the peg", () => {
    beforeEach(async () => {
      await hold(wad("1.02"));
      await update();
      await hold(wad("0.98"));
    });

    it("buys back with the USDC it holds, below 1 − 2 × fee, burns against its debt, and books the profit", async () => {
      const debt = await m.keeper.debt();
      const supply = await sys.bdol.totalSupply();
      const tx = await update();
      const logs = (await tx.wait())!.logs.map((l) => m.keeper.interface.parseLog(l)).filter((e) => e !== null);
      const w = logs.find((e) => e!.name === "Withdrawn")!.args;
      const paid = logs.find((e) => e!.name === "ProfitPaid")!.args;
      console.log(
        `      pool 0.98: bought ${ethers.formatEther(w.bought)} BDOL for ${ethers.formatUnits(w.quoteSpent, 6)} USDC, ` +
          `burnt ${ethers.formatEther(w.burnt)}, debt ${ethers.formatEther(debt)} → ${ethers.formatEther(w.debt)}, profit ${ethers.formatEther(paid.profit)}`,
      );
      expect(w.quoteSpent * USDC).to.be.lt(w.bought);
      expect(await m.keeper.debt()).to.equal(debt - w.burnt);
      expect(await sys.bdol.totalSupply()).to.equal(supply - w.burnt);
      expect(await m.feed.spotPrice()).to.be.lte(WAD - FEE2);
      expect((await m.keeper.quoteHeld()) * USDC).to.be.gte(await m.keeper.debt());
      // Everything it held went into the buy-back: the profit is the coin bought beyond the debt,
      // the caller's share paid in coin, the rest to the reserve.
      expect(paid.profit).to.equal(w.bought - w.burnt);
      expect(paid.rewardQuote).to.equal(0n);
      expect(paid.rewardCoin).to.equal((paid.profit * rules.callerShare) / WAD);
      expect(await sys.bdol.balanceOf(sys.keeper.address)).to.equal(paid.rewardCoin);
      expect(paid.coinToReserve).to.equal(paid.profit - paid.rewardCoin);
      await expectSupplyIdentity(sys, 10n);
    });

    it("with nothing to buy back and the reserve's buy-back off it does nothing", async () => {
      await m.keeper.connect(await adminOf(m.keeper)).setBuyBackLimit(0n);
      while ((await m.keeper.debt()) > 0n) {
        await update();
        await hold(wad("0.98"));
      }
      expect(await m.keeper.quoteHeld()).to.equal(0n);
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "NothingToDo");
    });

    it("buying back goes on while minting is paused", async () => {
      await m.keeper.connect(await adminOf(m.keeper)).pauseMinting();
      await expect(update()).to.emit(m.keeper, "Withdrawn");
    });
  });

  describe("the reserve's buy-back", () => {
    const DAY = 86_400n;
    const reserveAddr = () => sys.reserve.getAddress();
    const limit = networkConfig("hardhat").market.pegKeeper.buyBackLimit;

    it("is deployed with the config's limit, full, and the reserve pays only this keeper", async () => {
      expect(limit).to.equal(wad(1_000_000));
      expect(await m.keeper.buyBackLimit()).to.equal(limit);
      expect(await m.keeper.availableBuyBack()).to.equal(limit);
      expect(await sys.reserve.pegKeeper()).to.equal(await m.keeper.getAddress());
      const liquid = await usdcOf(await reserveAddr());
      expect(liquid).to.be.gt(0n);
      expect(await sys.reserve.buyBackFunds(await m.keeper.getAddress())).to.equal(liquid);
      expect(await sys.reserve.buyBackFunds(sys.attacker.address)).to.equal(0n);
    });

    it("follows the keeper's own buy-back once its USDC is spent: below 1 − 2 × fee, for less than $1, kept by the reserve", async () => {
      // Both legs inside one update's step (TWAP × (1 + maxSpread): about 194k USDC at 0.98).
      rules = { ...rules, maxPerUpdate: wad(80_000) };
      await m.keeper.connect(await adminOf(m.keeper)).setRules(rules);
      await hold(wad("1.02"));
      await update();
      await hold(wad("0.98"));
      const reserve = await reserveAddr();
      const [usdcBefore, coinBefore, valueBefore, supplyBefore] = await Promise.all([
        usdcOf(reserve),
        sys.bdol.balanceOf(reserve),
        sys.reserve.totalReserveValue(),
        sys.bdol.totalSupply(),
      ]);
      const events = await eventsOf(await update());
      const names = events.map((e) => e!.name);
      // The keeper's own first, then the reserve's, paid by the reserve inside the swap.
      expect(names.indexOf("Withdrawn")).to.be.gte(0).and.lt(names.indexOf("BoughtBackForReserve"));
      expect(names.indexOf("BuyBackPaid")).to.be.lt(names.indexOf("BoughtBackForReserve"));
      const w = events.find((e) => e!.name === "Withdrawn")!.args;
      const b = events.find((e) => e!.name === "BoughtBackForReserve")!.args;
      const paidByReserve = events.find((e) => e!.name === "BuyBackPaid")!.args;
      const profit = events.find((e) => e!.name === "ProfitPaid")!.args;
      console.log(
        `      pool 0.98: the keeper bought ${ethers.formatEther(w.bought)} BDOL, then the reserve ` +
          `${ethers.formatEther(b.bought)} BDOL for ${ethers.formatUnits(b.quoteSpent, 6)} USDC, spot → ${ethers.formatEther(await m.feed.spotPrice())}`,
      );
      expect(w.quoteSpent * USDC).to.equal(rules.maxPerUpdate);
      expect(await m.keeper.debt()).to.equal(0n);
      expect(b.quoteSpent).to.equal(rules.maxPerUpdate / USDC);
      expect(paidByReserve.amount).to.equal(b.quoteSpent);
      expect(paidByReserve.to).to.equal(await m.pool.getAddress());
      expect(b.bought).to.be.gt(b.quoteSpent * USDC);
      expect(await m.feed.spotPrice()).to.be.lte(WAD - FEE2);
      // The reserve's balances moved by exactly the buy-back (and the keeper's profit it received).
      expect(await usdcOf(reserve)).to.equal(usdcBefore - b.quoteSpent + profit.quoteToReserve);
      expect(await sys.bdol.balanceOf(reserve)).to.equal(coinBefore + b.bought + profit.coinToReserve);
      expect(b.limitLeft).to.equal(limit - b.quoteSpent * USDC);
      expect(await m.keeper.availableBuyBack()).to.equal(b.limitLeft);
      // Coin at $1 for less than $1 of USDC: the reserve's value rises by the discount (and the profit).
      const valueAfter = await sys.reserve.totalReserveValue();
      expect(valueAfter - valueBefore).to.be.gte(b.bought - b.quoteSpent * USDC);
      // Nothing burnt but the keeper's debt: the supply identity stays exact.
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore - w.burnt);
      await expectSupplyIdentity(sys, 10n);
    });

    it("waits while the keeper's own swap reaches the price limit", async () => {
      await m.keeper
        .connect(await adminOf(m.keeper))
        .setRules({ ...rules, debtCap: wad(50_000_000), maxPerUpdate: wad(50_000_000) });
      await hold(wad("1.02"));
      await update();
      await hold(wad("0.99"));
      const reserve = await reserveAddr();
      const usdcBefore = await usdcOf(reserve);
      const events = await eventsOf(await update());
      const names = events.map((e) => e!.name);
      expect(names).to.include("Withdrawn");
      expect(names).to.not.include("BoughtBackForReserve");
      expect(await m.feed.spotPrice()).to.be.gte(WAD - FEE2 - wad("0.0001"));
      const profit = events.find((e) => e!.name === "ProfitPaid")!.args;
      expect(await usdcOf(reserve)).to.equal(usdcBefore + profit.quoteToReserve);
      expect(await m.keeper.availableBuyBack()).to.equal(limit);
    });

    it("with no debt the reserve buys alone, at most maxPerUpdate, a step of maxSpread above the TWAP at most, back into the band and never past the price limit", async () => {
      const admin = await adminOf(m.keeper);
      await m.keeper.connect(admin).setRules({ ...rules, maxPerUpdate: wad(100_000) });
      await hold(wad("0.98"));
      let events = await eventsOf(await update());
      expect(events.map((e) => e!.name)).to.not.include("Withdrawn");
      let b = events.find((e) => e!.name === "BoughtBackForReserve")!.args;
      expect(b.quoteSpent * USDC).to.equal(wad(100_000));
      // An update and a limit far above what the pool takes: each update buys up to
      // TWAP × (1 + maxSpread) and stops there; the TWAP follows, and the walk ends at the limit.
      await m.keeper.connect(admin).setRules({ ...rules, maxPerUpdate: wad(50_000_000) });
      await m.keeper.connect(admin).setBuyBackLimit(wad(10_000_000));
      await hold(wad("0.98"));
      const steps: string[] = [];
      for (;;) {
        const funds = await sys.reserve.buyBackFunds(await m.keeper.getAddress());
        const available = await m.keeper.availableBuyBack();
        const [twap] = await m.feed.consult(await m.feed.window(), 0);
        if (twap >= WAD - rules.band) {
          // Back inside the band (USDC at $1): nothing left to do.
          await expect(update()).to.be.revertedWithCustomError(m.keeper, "NothingToDo");
          break;
        }
        events = await eventsOf(await update());
        b = events.find((e) => e!.name === "BoughtBackForReserve")!.args;
        const spot = await m.feed.spotPrice();
        steps.push(`${ethers.formatUnits(b.quoteSpent, 6)} USDC → ${ethers.formatEther(spot)}`);
        const step = (twap * (WAD + rules.maxSpread)) / WAD;
        expect(spot).to.be.lte(step < WAD - FEE2 ? step : WAD - FEE2);
        expect(b.quoteSpent).to.be.lt(funds);
        expect(b.quoteSpent * USDC).to.be.lt(available);
        expect(b.bought).to.be.gt(b.quoteSpent * USDC);
        expect(steps.length, "reaches the limit within a few updates").to.be.lte(6);
        // The next update a window later: the TWAP has followed the price.
        await elapse(Number(await m.feed.window()));
        await settle();
      }
      console.log(`      no debt, pool 0.98, each update: ${steps.join("; ")}`);
      expect(steps.length).to.be.gte(3);
      expect(await m.feed.spotPrice())
        .to.be.lte(WAD - FEE2)
        .and.gte(WAD - rules.band);
      await expectSupplyIdentity(sys, 10n);
    });

    it("never spends more than the limit over a rolling day, and refills with time", async () => {
      const cap = wad(300_000);
      // Per update below the step (about 194k USDC at 0.98): the bucket, not the price, binds.
      rules = { ...rules, maxPerUpdate: wad(100_000) };
      await m.keeper.connect(await adminOf(m.keeper)).setRules(rules);
      await m.keeper.connect(await adminOf(m.keeper)).setBuyBackLimit(cap);
      const start = BigInt(await time.latest());
      let total = 0n;
      for (let i = 0; i < 4; i++) {
        await hold(wad("0.98"));
        const before = await m.keeper.availableBuyBack();
        const events = await eventsOf(await update());
        const b = events.find((e) => e!.name === "BoughtBackForReserve")!.args;
        const spent = b.quoteSpent * USDC;
        total += spent;
        // What was left (refilled for the one second to the update's block), floored to a USDC unit,
        // at most maxPerUpdate.
        const oneSecond = cap / DAY + 1n;
        const most = (x: bigint) => (x < rules.maxPerUpdate ? x : rules.maxPerUpdate);
        expect(spent)
          .to.be.lte(most(before + oneSecond))
          .and.gt(most(before) - USDC);
        const elapsed = BigInt(await time.latest()) - start;
        expect(total, "spent within the bucket and its refill").to.be.lte(cap + (cap * elapsed) / DAY);
      }
      expect(await m.keeper.availableBuyBack()).to.be.lt(wad(50_000));
      await elapse(Number(DAY));
      expect(await m.keeper.availableBuyBack()).to.equal(cap);
    });

    it("spends only the reserve's liquid USDC, never its strategy", async () => {
      await hold(wad("0.98"));
      const admin = await adminOf(sys.reserve);
      // Nearly all of it into the strategy, in one rebalance.
      await sys.reserve.connect(admin).setLiquidTarget(wad("0.001"));
      await sys.reserve.connect(admin).setMaxRebalance(100_000_000n * 10n ** 6n);
      const strategy = (await sys.reserve.strategies())[0].vault;
      await sys.reserve.connect(admin).setStrategyCap(strategy, 100_000_000n * 10n ** 6n);
      await sys.reserve.rebalance();
      const reserve = await reserveAddr();
      const liquid = await usdcOf(reserve);
      const inStrategies = await sys.reserve.strategyAssets();
      expect(liquid * USDC).to.be.lt(rules.maxPerUpdate);
      expect(inStrategies).to.be.gt(liquid);
      const b = (await eventsOf(await update())).find((e) => e!.name === "BoughtBackForReserve")!.args;
      expect(b.quoteSpent).to.equal(liquid);
      expect(await usdcOf(reserve)).to.equal(0n);
      expect(await sys.reserve.strategyAssets()).to.equal(inStrategies);
    });

    it("refuses with its errors and moves nothing: limit 0, not the keeper, beyond the liquid USDC, over the bound", async () => {
      const keeperAdmin = m.keeper.connect(await adminOf(m.keeper));
      const reserveAdmin = sys.reserve.connect(await adminOf(sys.reserve));
      const reserve = await reserveAddr();
      const balances = async () => [await usdcOf(reserve), await sys.bdol.balanceOf(reserve), await m.feed.spotPrice()];
      await hold(wad("0.98"));
      // Governance's bounds and no-ops.
      await expect(keeperAdmin.setBuyBackLimit(wad(10_000_000) + 1n))
        .to.be.revertedWithCustomError(m.keeper, "OutOfBounds")
        .withArgs(wad(10_000_000) + 1n, 0n, wad(10_000_000));
      await expect(keeperAdmin.setBuyBackLimit(limit)).to.be.revertedWithCustomError(m.keeper, "NoChange");
      await expect(m.keeper.connect(sys.attacker).setBuyBackLimit(0n)).to.be.revertedWithCustomError(
        m.keeper,
        "AccessControlUnauthorizedAccount",
      );
      await expect(reserveAdmin.setPegKeeper(await m.keeper.getAddress())).to.be.revertedWithCustomError(
        sys.reserve,
        "NoChange",
      );
      await expect(sys.reserve.connect(sys.attacker).setPegKeeper(sys.attacker.address)).to.be.revertedWithCustomError(
        sys.reserve,
        "AccessControlUnauthorizedAccount",
      );
      // A keeper that buys back for another reserve (review, info): refused.
      const other = await (
        await ethers.getContractFactory("PegKeeper")
      ).deploy(
        await m.feed.getAddress(),
        await sys.oracle.getAddress(),
        sys.attacker.address,
        sys.attacker.address,
        rules,
      );
      await expect(reserveAdmin.setPegKeeper(await other.getAddress()))
        .to.be.revertedWithCustomError(sys.reserve, "PegKeeperOfAnotherReserve")
        .withArgs(await other.getAddress(), sys.attacker.address);
      expect(await sys.reserve.pegKeeper()).to.equal(await m.keeper.getAddress());
      expect(await m.keeper.buyBackLimit()).to.equal(limit);
      // Only the keeper draws, and only what is liquid.
      await expect(sys.reserve.connect(sys.attacker).payBuyBack(sys.attacker.address, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "NotPegKeeper")
        .withArgs(sys.attacker.address);
      const keeperSigner = await ethers.getImpersonatedSigner(await m.keeper.getAddress());
      await hre.network.provider.send("hardhat_setBalance", [keeperSigner.address, "0xDE0B6B3A7640000"]);
      const liquid = await usdcOf(reserve);
      await expect(sys.reserve.connect(keeperSigner).payBuyBack(sys.attacker.address, liquid + 1n))
        .to.be.revertedWithCustomError(sys.reserve, "InsufficientStable")
        .withArgs(await sys.usdc.getAddress(), liquid + 1n, liquid);
      // Limit 0 (and no debt): nothing to do, nothing moves.
      const before = await balances();
      await expect(keeperAdmin.setBuyBackLimit(0n)).to.emit(m.keeper, "BuyBackLimitSet").withArgs(limit, 0n);
      expect(await m.keeper.availableBuyBack()).to.equal(0n);
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "NothingToDo");
      expect(await balances()).to.deep.equal(before);
      // Another keeper in the reserve (or none): this one's buy-back stops, nothing moves.
      await keeperAdmin.setBuyBackLimit(limit);
      await expect(reserveAdmin.setPegKeeper(ethers.ZeroAddress))
        .to.emit(sys.reserve, "PegKeeperSet")
        .withArgs(await m.keeper.getAddress(), ethers.ZeroAddress);
      expect(await sys.reserve.buyBackFunds(await m.keeper.getAddress())).to.equal(0n);
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "NothingToDo");
      expect(await balances()).to.deep.equal(before);
      await expect(sys.reserve.connect(keeperSigner).payBuyBack(sys.attacker.address, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "NotPegKeeper")
        .withArgs(keeperSigner.address);
      // Back in place, it buys.
      await reserveAdmin.setPegKeeper(await m.keeper.getAddress());
      await expect(update()).to.emit(m.keeper, "BoughtBackForReserve");
    });

    it("a raise of the limit adds its difference at once, a cut caps the bucket", async () => {
      const admin = m.keeper.connect(await adminOf(m.keeper));
      await hold(wad("0.98"));
      const b = (await eventsOf(await update())).find((e) => e!.name === "BoughtBackForReserve")!.args;
      const left = await m.keeper.availableBuyBack();
      expect(left).to.equal(limit - b.quoteSpent * USDC);
      await admin.setBuyBackLimit(wad(2_000_000));
      // The refill over the setter's second, at the old limit, then the raise.
      const afterRaise = await m.keeper.availableBuyBack();
      expect(afterRaise - left - wad(1_000_000))
        .to.be.gte(0n)
        .and.lte((limit * 2n) / DAY + 1n);
      await admin.setBuyBackLimit(wad(100_000));
      expect(await m.keeper.availableBuyBack()).to.equal(wad(100_000));
    });
  });

  describe("the reserve's buy-back against a sandwich (review finding M-1)", () => {
    const ONE_TICK = wad("0.0001");
    /** Sells `amountIn` of BDOL (or USDC) into the pool for `who`, no price limit; returns what came out. */
    const swapIn = async (who: typeof sys.attacker, sellBdol: boolean, amountIn: bigint) => {
      const [tokenIn, tokenOut] = sellBdol ? [sys.bdol, sys.usdc] : [sys.usdc, sys.bdol];
      await tokenIn.connect(who).approve(await m.router.getAddress(), amountIn);
      const before = await tokenOut.balanceOf(who.address);
      await m.router.connect(who).exactInputSingle({
        tokenIn: await tokenIn.getAddress(),
        tokenOut: await tokenOut.getAddress(),
        fee: await m.pool.fee(),
        recipient: who.address,
        deadline: ethers.MaxUint256,
        amountIn,
        amountOutMinimum: 0,
        sqrtPriceLimitX96: 0,
      });
      return (await tokenOut.balanceOf(who.address)) - before;
    };
    /** The attacker lifts the spot to `price` (buys BDOL), then `update()`, then sells that BDOL back. */
    const sandwich = async (price: bigint) => {
      const a = sys.attacker;
      const coinBefore = await sys.bdol.balanceOf(a.address);
      const spent = await movePoolTo(a, price);
      const coin = (await sys.bdol.balanceOf(a.address)) - coinBefore;
      const tx = await update().catch((e: Error) => e);
      const back = await swapIn(a, true, coin);
      return { spent, net: back - spent, tx };
    };
    const reserveBalances = async () => {
      const reserve = await sys.reserve.getAddress();
      return [await sys.usdc.balanceOf(reserve), await sys.bdol.balanceOf(reserve)];
    };

    it("a front-run that lifts the spot above the TWAP turns the reserve's leg off: the attacker pays the pool's fee, the reserve pays nothing", async () => {
      await hold(wad("0.98"));
      const before = await reserveBalances();
      // The review's attack: the spot lifted to just inside maxSpread of the TWAP (about 194k USDC).
      const [twap] = await m.feed.consult(await m.feed.window(), 0);
      const { spent, net, tx } = await sandwich((twap * (WAD + rules.maxSpread - ONE_TICK)) / WAD);
      console.log(
        `      pool 0.98, front-run ${ethers.formatUnits(spent, 6)} USDC: update refused, the attacker nets ${ethers.formatUnits(net, 6)} USDC (before the fix: +1,163)`,
      );
      expect(spent).to.be.gt(150_000n * 10n ** 6n);
      expect(tx).to.be.instanceOf(Error);
      expect((tx as Error).message).to.include("NothingToDo");
      expect(net).to.be.lt(0n);
      expect(await reserveBalances()).to.deep.equal(before);
      expect(await m.keeper.availableBuyBack()).to.equal(await m.keeper.buyBackLimit());
    });

    it("with keeper debt the keeper's own leg still acts, the reserve's does not", async () => {
      await hold(wad("1.02"));
      await update();
      await hold(wad("0.98"));
      const [twap] = await m.feed.consult(await m.feed.window(), 0);
      await movePoolTo(sys.attacker, (twap * (WAD + wad("0.003"))) / WAD);
      const names = (await eventsOf(await update())).map((e) => e!.name);
      expect(names).to.include("Withdrawn");
      expect(names).to.not.include("BoughtBackForReserve");
    });

    it("a front-run inside the settled band (2 × fee below the TWAP up to it) is worth a few dollars: the step caps what a back-run takes", async () => {
      await hold(wad("0.98"));
      const [twap] = await m.feed.consult(await m.feed.window(), 0);
      // The most room the rule leaves: a seller has put the spot 2 × fee under the TWAP.
      await movePoolTo(sys.carol, (twap * (WAD - FEE2)) / WAD);
      const start = await takeSnapshot();
      const honest = (await eventsOf(await update())).find((e) => e!.name === "BoughtBackForReserve")!.args;
      await start.restore();
      const { spent, net, tx } = await sandwich(twap);
      expect(tx).to.not.be.instanceOf(Error);
      const attacked = (await eventsOf(tx as Awaited<ReturnType<typeof update>>)).find(
        (e) => e!.name === "BoughtBackForReserve",
      )!.args;
      const perUsdc = (b: typeof honest) => (b.bought * 10n ** 6n) / b.quoteSpent;
      console.log(
        `      pool 2 × fee under a TWAP of 0.98: front-run ${ethers.formatUnits(spent, 6)} USDC nets ${ethers.formatUnits(net, 6)} USDC; ` +
          `the reserve buys ${ethers.formatEther(honest.bought)} BDOL for ${ethers.formatUnits(honest.quoteSpent, 6)} USDC alone, ` +
          `${ethers.formatEther(attacked.bought)} for ${ethers.formatUnits(attacked.quoteSpent, 6)} sandwiched ` +
          `(${ethers.formatEther(perUsdc(honest))} → ${ethers.formatEther(perUsdc(attacked))} BDOL per USDC)`,
      );
      // The front-run can only buy the stretch between the spot and the TWAP: about 0.03 % of the depth.
      expect(spent).to.be.lt(25_000n * 10n ** 6n);
      // It buys no lower than the spot and sells no higher than TWAP × (1 + maxSpread).
      expect(net).to.be.lte((spent * (rules.maxSpread + FEE2 + 2n * ONE_TICK)) / WAD);
      expect(net).to.be.lt(200n * 10n ** 6n);
      // The reserve never pays above the step.
      expect(attacked.quoteSpent * USDC * WAD * WAD).to.be.lte(attacked.bought * twap * (WAD + rules.maxSpread));
    });

    it("a front-run held for a window (known limit): its gain is at most its inventory × maxSpread, and the reserve still buys below $1", async () => {
      await hold(wad("0.98"));
      const start = await takeSnapshot();
      // Alone: one window later the reserve buys from the settled pool.
      await nextInterval();
      const alone = (await eventsOf(await update())).find((e) => e!.name === "BoughtBackForReserve")!.args;
      await start.restore();
      // Held: the attacker lifts the pool just inside maxSpread and holds it a window, so that the
      // TWAP follows; then updates, and sells back.
      const a = sys.attacker;
      const coinBefore = await sys.bdol.balanceOf(a.address);
      const spent = await movePoolTo(a, (wad("0.98") * (WAD + rules.maxSpread - ONE_TICK)) / WAD);
      const coin = (await sys.bdol.balanceOf(a.address)) - coinBefore;
      await nextInterval();
      const held = (await eventsOf(await update())).find((e) => e!.name === "BoughtBackForReserve")!.args;
      const net = (await swapIn(a, true, coin)) - spent;
      const perUsdc = (b: typeof held) => (b.bought * 10n ** 6n) / b.quoteSpent;
      console.log(
        `      held a window at 0.98 × 1.0049: ${ethers.formatUnits(spent, 6)} USDC of inventory nets ${ethers.formatUnits(net, 6)} USDC; ` +
          `the reserve gets ${ethers.formatEther(perUsdc(held))} BDOL per USDC (${ethers.formatEther(perUsdc(alone))} alone)`,
      );
      expect(net).to.be.gt(0n);
      expect(net).to.be.lte((spent * rules.maxSpread) / WAD);
      expect(perUsdc(held)).to.be.gt(WAD).and.lt(perUsdc(alone));
    });
  });

  describe("no steering", () => {
    it("a flash push of the spot makes it refuse (PricesDisagree), not act", async () => {
      await hold(wad("1.02"));
      const Manipulator = await ethers.getContractFactory("MockPoolManipulator");
      const attacker = await Manipulator.connect(sys.attacker).deploy(
        await sys.bdol.getAddress(),
        await m.pool.getAddress(),
        await sys.bdol.getAddress(),
      );
      await sys.usdc.mint(sys.attacker.address, 200_000n * 10n ** 6n);
      await sys.usdc.connect(sys.attacker).approve(await m.psm.getAddress(), ethers.MaxUint256);
      await m.psm.connect(sys.attacker).swapStableForCoin(200_000n * 10n ** 6n, 0, await attacker.getAddress());
      const data = m.keeper.interface.encodeFunctionData("update");
      const err = m.keeper.interface.getError("PricesDisagree")!.selector;
      await expect(attacker.attack(wad(5_000_000), await m.keeper.getAddress(), data))
        .to.be.revertedWithCustomError(attacker, "TargetFailed")
        .withArgs((reason: string) => reason.startsWith(err));
      expect(await m.keeper.debt()).to.equal(0n);
    });

    it("refuses while the oracle's round disagrees with the TWAP (the market moved since the last round)", async () => {
      await movePoolTo(sys.carol, wad("1.02"));
      await elapse(Number(await m.feed.window()));
      await refreshFeeds(sys);
      // No feed update: the oracle still reads the round at par.
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "OracleDisagrees");
      await m.feed.update();
      await expect(update()).to.emit(m.keeper, "Provided");
    });

    it("refuses while USDC is off its peg by more than 1 %, either way", async () => {
      for (const usdc of [98_900_000n, 101_100_000n]) {
        await sys.usdcFeed.updateAnswer(usdc);
        await hold(wad("1.02"));
        await expect(update(), `USDC ${usdc}`).to.be.revertedWithCustomError(m.keeper, "QuoteNotAtPar");
      }
    });

    it("judges the peg in USD: with USDC at $0.995 a pool at 1.005 USDC is at peg; above, it sells no lower than $1.0002", async () => {
      await sys.usdcFeed.updateAnswer(99_500_000n);
      await hold(wad("1.005"));
      await expect(update()).to.be.revertedWithCustomError(m.keeper, "NothingToDo");
      await hold(wad("1.03"));
      await elapse(Number(rules.interval));
      await update();
      const spot = await m.feed.spotPrice();
      // The limit: 1.0002 / 0.995 USDC, above 1.0002 USDC.
      const limit = (wad("1.0002") * WAD + wad("0.995") - 1n) / wad("0.995");
      console.log(
        `      USDC $0.995, pool 1.03 → sold down to ${ethers.formatEther(spot)} USDC (limit ${ethers.formatEther(limit)})`,
      );
      expect(spot).to.be.gte(limit - 10n);
      expect((await m.keeper.quoteHeld()) * USDC).to.be.gte(await m.keeper.debt());
    });

    it("takes the pool's callback only from the pool, during its own swap", async () => {
      await expect(m.keeper.connect(sys.attacker).uniswapV3SwapCallback(1, 1, "0x"))
        .to.be.revertedWithCustomError(m.keeper, "NotPool")
        .withArgs(sys.attacker.address);
    });
  });

  describe("random market paths (quick profile; PEG_KEEPER_PATHS=n for more)", () => {
    it("after every step: debt ≤ cap, USDC held ≥ debt, the supply identity exact, never a trade across the peg", async () => {
      const paths = Number(process.env.PEG_KEEPER_PATHS ?? 2);
      const admin = await adminOf(m.keeper);
      await m.keeper.connect(admin).setRules({ ...rules, debtCap: wad(1_000_000) });
      let seed = 12345;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
      let acted = 0;
      for (let p = 0; p < paths; p++) {
        for (let i = 0; i < 12; i++) {
          // A random push between 0.97 and 1.03, held a random 10–60 minutes, then an update attempt.
          const price = wad(1) + BigInt(Math.round((rand() - 0.5) * 600)) * 10n ** 14n;
          await movePoolTo(rand() < 0.5 ? sys.carol : sys.bob, price);
          await elapse(600 + Math.floor(rand() * 3000));
          await settle();
          const spotBefore = await m.feed.spotPrice();
          try {
            const tx = await update();
            const names = (await tx.wait())!.logs.map((l) => m.keeper.interface.parseLog(l)?.name);
            acted++;
            const spotAfter = await m.feed.spotPrice();
            // Toward the peg, and never across it: above it stays above, below stays below.
            if (names.includes("Provided")) expect(spotAfter).to.be.lt(spotBefore).and.gt(WAD);
            if (names.includes("Withdrawn") || names.includes("BoughtBackForReserve")) {
              expect(spotAfter).to.be.gt(spotBefore).and.lt(WAD);
            }
          } catch (e) {
            expect(String(e)).to.match(/NothingToDo|PricesDisagree|OracleDisagrees|DebtCapReached|UpdateTooSoon/);
          }
          const debt = await m.keeper.debt();
          expect(debt).to.be.lte(wad(1_000_000));
          expect((await m.keeper.quoteHeld()) * USDC).to.be.gte(debt);
          await expectSupplyIdentity(sys, 10n);
        }
      }
      expect(acted, "the paths made it act").to.be.gte(2);
    });
  });

  describe("governance", () => {
    it("sets the rules within their bounds; strangers cannot", async () => {
      const admin = await adminOf(m.keeper);
      const k = m.keeper.connect(admin);
      await expect(k.setRules(rules)).to.be.revertedWithCustomError(k, "NoChange");
      const bad: [Partial<IPegKeeper.RulesStruct>, bigint, bigint, bigint][] = [
        [{ debtCap: 10n ** 27n + 1n }, 10n ** 27n + 1n, 0n, 10n ** 27n],
        [{ maxPerUpdate: 0n }, 0n, 1n, 10n ** 27n],
        [{ band: wad("0.0002") }, wad("0.0002"), wad("0.0005"), wad("0.05")],
        [{ maxSpread: wad("0.03") }, wad("0.03"), wad("0.0005"), wad("0.02")],
        [{ callerShare: wad("0.21") }, wad("0.21"), 0n, wad("0.2")],
        [{ interval: 599n }, 599n, 600n, 86_400n],
      ];
      for (const [change, value, lo, hi] of bad) {
        await expect(k.setRules({ ...rules, ...change }))
          .to.be.revertedWithCustomError(k, "OutOfBounds")
          .withArgs(value, lo, hi);
      }
      await expect(k.setRules({ ...rules, band: wad("0.01") })).to.emit(k, "RulesSet");
      expect((await k.rules()).band).to.equal(wad("0.01"));
      await expect(m.keeper.connect(sys.attacker).setRules(rules)).to.be.revertedWithCustomError(
        m.keeper,
        "AccessControlUnauthorizedAccount",
      );
    });
  });
});

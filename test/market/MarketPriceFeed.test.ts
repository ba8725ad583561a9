/**
 * MarketPriceFeed against the real Uniswap v3 bytecode (the npm packages' artifacts, deployed by
 * deploy/09_market): the TWAP of the seeded BDOL/USDC pool × USDC/USD, its rounds, when it is not
 * live, its governance, and a one-transaction manipulation with the whole flash-mint maximum.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { WAD, wad } from "../../config/units";
import { adminOf, feedAnswer, loadSystem, type System } from "../helpers/fixtures";
import { elapse, loadMarket, loadSeededSystem, movePoolTo, type Market } from "../helpers/market";
import { isToken0, priceWadAt } from "../../scripts/lib/uniswap";

const BP = WAD / 10_000n;

describe("MarketPriceFeed", () => {
  let sys: System;
  let m: Market;
  let window: bigint;
  let period: bigint;

  beforeEach(async () => {
    sys = await loadSeededSystem();
    m = await loadMarket();
    window = await m.feed.window();
    period = await m.feed.ROUND_PERIOD();
  });

  /** Lets a whole window pass so that the pool's history covers it. */
  const warm = () => elapse(Number(window));
  const answer = async () => (await m.feed.latestRoundData())[1];

  describe("deployment", () => {
    it("creates BDOL's pool at $1 with no liquidity (seeded apart) and seeds WETH/USDC; an unseeded pool reads thin", async () => {
      const fresh = await loadSystem();
      const mk = await loadMarket();
      expect(await mk.pool.liquidity()).to.equal(0n);
      expect(await mk.feed.spotPrice()).to.be.closeTo(WAD, 1n);
      expect(await mk.wethPool.liquidity()).to.be.gt(0n);
      expect(await mk.wethPool.fee()).to.equal(500n);
      expect(await mk.pool.token0()).to.be.oneOf([await fresh.bdol.getAddress(), await fresh.usdc.getAddress()]);
      await elapse(Number(await mk.feed.window()));
      await expect(mk.feed.latestRoundData())
        .to.be.revertedWithCustomError(mk.feed, "LiquidityTooThin")
        .withArgs(1n, await mk.feed.minLiquidity());
    });

    it("reads the seeded pool: BDOL at par, a window of 30 min, 18 decimals", async () => {
      expect(await m.feed.pool()).to.equal(await m.pool.getAddress());
      expect(await m.feed.stablecoin()).to.equal(await sys.bdol.getAddress());
      expect(await m.feed.quoteToken()).to.equal(await sys.usdc.getAddress());
      expect(await m.feed.quoteFeed()).to.equal(await sys.usdcFeed.getAddress());
      expect(window).to.equal(1800n);
      expect(await m.feed.decimals()).to.equal(18n);
      expect(await m.pool.fee()).to.equal(100n);
      expect((await m.pool.slot0()).observationCardinalityNext).to.be.gte(720n);
      expect(await m.pool.liquidity()).to.be.gte(await m.feed.minLiquidity());
      const spot = await m.feed.spotPrice();
      expect(spot).to.be.closeTo(WAD, 1n);
    });

    it("reads not live until the pool's history covers the window, then par", async () => {
      await expect(m.feed.latestRoundData()).to.be.revertedWithCustomError(m.feed, "ObservationsTooShort");
      await warm();
      // The mean tick is floored: par reads within one tick (1 bp) below.
      expect(await answer()).to.be.closeTo(WAD, BP);
      expect(await answer()).to.be.lte(WAD);
    });
  });

  describe("the price", () => {
    beforeEach(warm);

    it("follows a move of the pool over the window, time-weighted", async () => {
      await movePoolTo(sys, m, sys.alice, wad("0.98"));
      expect(await m.feed.spotPrice()).to.be.closeTo(wad("0.98"), BP);
      // One block later the move has weighed one second of 1,800.
      await elapse(Number(window) / 2);
      const half = await answer();
      expect(half).to.be.lt(wad("0.995")).and.gt(wad("0.985"));
      await elapse(Number(window) / 2);
      expect(await answer()).to.be.closeTo(wad("0.98"), BP);
    });

    it("multiplies by USDC/USD", async () => {
      const before = await answer();
      await sys.usdcFeed.updateAnswer(feedAnswer("0.99"));
      expect(await answer()).to.equal((before * wad("0.99")) / WAD);
    });

    it("reads not live when USDC/USD is stale or unusable", async () => {
      await elapse(Number(await m.feed.quoteHeartbeat()) + 1);
      await expect(m.feed.latestRoundData())
        .to.be.revertedWithCustomError(m.feed, "QuotePriceUnavailable")
        .withArgs(await sys.usdcFeed.getAddress());
      await sys.usdcFeed.updateAnswer(0);
      await expect(m.feed.latestRoundData()).to.be.revertedWithCustomError(m.feed, "QuotePriceUnavailable");
    });

    it("reads not live when the pool's liquidity over the window is below the minimum", async () => {
      const [, liquidity] = await m.feed.consult(window, 0);
      const admin = await adminOf(m.feed);
      await m.feed.connect(admin).setMinLiquidity(liquidity * 2n);
      // A second later the harmonic mean may differ by a unit of rounding.
      await expect(m.feed.latestRoundData())
        .to.be.revertedWithCustomError(m.feed, "LiquidityTooThin")
        .withArgs((l: bigint) => l >= liquidity - 1n && l <= liquidity + 1n, liquidity * 2n);
    });
  });

  describe("rounds", () => {
    beforeEach(warm);

    it("numbers rounds by period; the current round equals getRoundData of its id", async () => {
      const [id, ans, startedAt, updatedAt, answeredIn] = await m.feed.latestRoundData();
      const now = BigInt(await time.latest());
      expect(id).to.equal(now / period);
      expect(answeredIn).to.equal(id);
      expect(startedAt).to.equal(id * period);
      expect(updatedAt).to.equal(now);
      const same = await m.feed.getRoundData(id);
      expect(same[1]).to.equal(ans);
      expect(same[3]).to.equal(now);
    });

    it("a closed round ends at its period's last second and never changes", async () => {
      const [id] = await m.feed.latestRoundData();
      await movePoolTo(sys, m, sys.alice, wad("0.97"));
      await elapse(Number(period) * 2);
      const closed = await m.feed.getRoundData(id);
      expect(closed[3]).to.equal((id + 1n) * period - 1n);
      await movePoolTo(sys, m, sys.bob, wad("1.01"));
      await elapse(Number(period));
      expect((await m.feed.getRoundData(id))[1]).to.equal(closed[1]);
    });

    it("refuses round 0, future rounds, and rounds older than the pool's history", async () => {
      const [id] = await m.feed.latestRoundData();
      await expect(m.feed.getRoundData(0)).to.be.revertedWithCustomError(m.feed, "UnknownRound").withArgs(0);
      await expect(m.feed.getRoundData(id + 1n))
        .to.be.revertedWithCustomError(m.feed, "UnknownRound")
        .withArgs(id + 1n);
      await expect(m.feed.getRoundData(id - 100n)).to.be.revertedWithCustomError(m.feed, "ObservationsTooShort");
    });
  });

  describe("governance", () => {
    it("sets the window within bounds and only over history the pool has", async () => {
      const admin = await adminOf(m.feed);
      const feed = m.feed.connect(admin);
      await expect(feed.setWindow(window)).to.be.revertedWithCustomError(feed, "NoChange");
      await expect(feed.setWindow(599)).to.be.revertedWithCustomError(feed, "OutOfBounds").withArgs(599, 600, 86_400);
      await expect(feed.setWindow(86_401))
        .to.be.revertedWithCustomError(feed, "OutOfBounds")
        .withArgs(86_401, 600, 86_400);
      await warm();
      await expect(feed.setWindow(7200)).to.be.revertedWithCustomError(feed, "ObservationsTooShort");
      await expect(feed.setWindow(900)).to.emit(feed, "WindowSet").withArgs(window, 900);
      expect(await feed.window()).to.equal(900n);
    });

    it("sets the liquidity minimum and the quote heartbeat within bounds; strangers cannot", async () => {
      const admin = await adminOf(m.feed);
      const feed = m.feed.connect(admin);
      await expect(feed.setMinLiquidity(0)).to.be.revertedWithCustomError(feed, "OutOfBounds");
      const old = await feed.minLiquidity();
      await expect(feed.setMinLiquidity(old * 2n))
        .to.emit(feed, "MinLiquiditySet")
        .withArgs(old, old * 2n);
      await expect(feed.setQuoteHeartbeat(59)).to.be.revertedWithCustomError(feed, "OutOfBounds");
      const hb = await feed.quoteHeartbeat();
      await expect(feed.setQuoteHeartbeat(3600)).to.emit(feed, "QuoteHeartbeatSet").withArgs(hb, 3600);
      for (const call of [
        () => m.feed.connect(sys.attacker).setWindow(900),
        () => m.feed.connect(sys.attacker).setMinLiquidity(1),
        () => m.feed.connect(sys.attacker).setQuoteHeartbeat(3600),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(m.feed, "AccessControlUnauthorizedAccount");
      }
    });
  });

  describe("construction", () => {
    it("refuses an uninitialised pool, a pool without the stablecoin, zero addresses and a broken quote feed", async () => {
      const factory = m.factory;
      const bdol = await sys.bdol.getAddress();
      const weth = await sys.weth.getAddress();
      const usdcFeed = await sys.usdcFeed.getAddress();
      await factory.createPool(bdol, weth, 500);
      const fresh = await factory.getPool(bdol, weth, 500);
      const F = await ethers.getContractFactory("MarketPriceFeed");
      const me = sys.deployer.address;
      await expect(F.deploy(fresh, bdol, usdcFeed, me, 1800, 1, 86_400))
        .to.be.revertedWithCustomError(F, "PoolNotInitialized")
        .withArgs(fresh);
      const wethPool = await m.wethPool.getAddress();
      await expect(F.deploy(wethPool, bdol, usdcFeed, me, 1800, 1, 86_400)).to.be.revertedWithCustomError(
        F,
        "PoolTokensMismatch",
      );
      const pool = await m.pool.getAddress();
      await expect(F.deploy(ethers.ZeroAddress, bdol, usdcFeed, me, 1800, 1, 86_400)).to.be.revertedWithCustomError(
        F,
        "ZeroAddress",
      );
      await expect(F.deploy(pool, bdol, bdol, me, 1800, 1, 86_400)).to.be.revertedWithCustomError(
        F,
        "InvalidQuoteFeed",
      );
      await expect(F.deploy(pool, bdol, usdcFeed, me, 60, 1, 86_400)).to.be.revertedWithCustomError(F, "OutOfBounds");
    });
  });

  describe("manipulation", () => {
    beforeEach(warm);

    it("a flash mint of the whole flash maximum sold into the pool moves the spot, not the TWAP", async () => {
      const max = await sys.bdol.flashMintMax();
      const Manipulator = await ethers.getContractFactory("MockPoolManipulator");
      const attacker = await Manipulator.connect(sys.attacker).deploy(
        await sys.bdol.getAddress(),
        await m.pool.getAddress(),
        await sys.bdol.getAddress(),
      );
      // The flash fee and the round trip's pool fees, paid from the attacker's own BDOL.
      const budget = (max * 2n) / 100n;
      await sys.usdc.mint(sys.attacker.address, budget / 10n ** 12n);
      await sys.usdc.connect(sys.attacker).approve(await m.psm.getAddress(), budget / 10n ** 12n);
      await m.psm.connect(sys.attacker).swapStableForCoin(budget / 10n ** 12n, 0, await attacker.getAddress());

      const before = await answer();
      const feed = await m.feed.getAddress();
      const data = m.feed.interface.encodeFunctionData("latestRoundData");
      await attacker.attack(max, feed, data);
      const during = m.feed.interface.decodeFunctionResult("latestRoundData", await attacker.returned());
      // Same block: Uniswap's observations record the tick at each block's start; the TWAP ending now
      // moved by nothing.
      expect(during[1]).to.equal(before);
      const bdolIs0 = isToken0(await sys.bdol.getAddress(), await sys.usdc.getAddress());
      const spotDuring = priceWadAt(await attacker.sqrtPriceDuring(), 18, 6, bdolIs0);
      console.log(
        `      flash mint of ${ethers.formatEther(max)} BDOL sold into the pool: spot ${ethers.formatEther(spotDuring)}, ` +
          `TWAP ${ethers.formatEther(during[1])} (before ${ethers.formatEther(before)})`,
      );
      expect(spotDuring).to.be.lt(wad("0.9"));
    });

    it("held across a 12-second block, the TWAP moves by the push's log-price times 12/1800, no more", async () => {
      const Manipulator = await ethers.getContractFactory("MockPoolManipulator");
      const attacker = await Manipulator.connect(sys.attacker).deploy(
        await sys.bdol.getAddress(),
        await m.pool.getAddress(),
        await sys.bdol.getAddress(),
      );
      const amount = wad(10_000_000);
      const usdcIn = amount / 10n ** 12n + amount / 10n ** 14n; // par plus the PSM's 0.1 % fee, rounded up
      await sys.usdc.mint(sys.attacker.address, usdcIn);
      await sys.usdc.connect(sys.attacker).approve(await m.psm.getAddress(), usdcIn);
      await m.psm.connect(sys.attacker).swapStableForCoin(usdcIn, amount, await attacker.getAddress());

      const before = await answer();
      const pushedAt = (await (await attacker.push(amount)).getBlock())!.timestamp;
      const spot = await m.feed.spotPrice();
      await time.increase(12);
      const [, held, , readAt] = await m.feed.latestRoundData();
      await attacker.unwind();
      const ln = (x: bigint) => Math.log(Number(x) / 1e18);
      // The read's block may be a second later than the mined one: weigh by the seconds actually held.
      const seconds = Number(readAt) - pushedAt;
      expect(seconds).to.be.within(12, 13);
      const expected = (seconds / Number(window)) * (ln(spot) - ln(before));
      const moved = ln(held) - ln(before);
      console.log(
        `      10M BDOL held 12 s: spot ${ethers.formatEther(spot)}, TWAP ${ethers.formatEther(before)} → ${ethers.formatEther(held)} ` +
          `(${(moved * 100).toFixed(3)} %, 12/${window} of the spot's ${((ln(spot) - ln(before)) * 100).toFixed(1)} % in log terms)`,
      );
      // Within two ticks (the mean tick is floored, the spot sits between ticks).
      expect(Math.abs(moved - expected)).to.be.lt(2e-4);
      expect(held).to.be.lt(before);
    });
  });
});

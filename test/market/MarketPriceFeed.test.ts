/**
 * MarketPriceFeed against the real Uniswap v3 bytecode (the npm packages' artifacts, deployed by
 * deploy/09_market): the TWAP of the seeded BDOL/USDC pool × USDC/USD recorded in rounds by
 * `update()`, when it is not live, its governance, and manipulation: a one-transaction push with the
 * whole flash-mint maximum, a push held across a block, and liquidity at one tick.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { runKeeperOnce } from "../../lib/keeper";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { WAD, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, feedParams, loadSystem, type System } from "../helpers/fixtures";
import { networkConfig } from "../../config/networks";
import {
  elapse,
  loadMarket,
  loadSeededSystem,
  movePoolTo,
  refreshFeeds,
  useMarketFeed,
  type Market,
} from "../helpers/market";
import { isToken0, priceWadAt, sqrtBigInt, sqrtPriceX96At, uniswapArtifact } from "../../scripts/lib/uniswap";

const BP = WAD / 10_000n;
const [LIVE, FAILED] = [0n, 4n];

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
  /** Records a round after a period (so that an update is due) and returns its answer. */
  const record = async (): Promise<bigint> => {
    await elapse(Number(period));
    await m.feed.update();
    return answer();
  };
  const selector = (name: string) => m.feed.interface.getError(name)!.selector;

  describe("deployment", () => {
    it("prices a pool in either token order: the deploy's integer square root is exact and quick for a WETH/USDC square", () => {
      // WETH at 3,000 USDC with USDC as token0: the squared sqrt price is ~1e66, where a float is
      // off by ~1e17 units (a walk of unit steps from it never ends).
      for (const baseIs0 of [true, false]) {
        const sqrtPrice = sqrtPriceX96At(wad(3_000), 18, 6, baseIs0);
        expect(priceWadAt(sqrtPrice, 18, 6, baseIs0)).to.be.closeTo(wad(3_000), wad("0.000001"));
      }
      for (const x of [2n, 3n, 4n, 10n ** 66n * 2n + 12_345n, (1n << 255n) - 1n]) {
        const r = sqrtBigInt(x);
        expect(r * r <= x && (r + 1n) * (r + 1n) > x, `⌊√${x}⌋`).to.equal(true);
      }
    });

    it("creates BDOL's pool at $1 with no liquidity (seeded apart) and seeds WETH/USDC; an unseeded pool reads thin", async () => {
      const fresh = await loadSystem();
      const mk = await loadMarket();
      expect(await mk.pool.liquidity()).to.equal(0n);
      expect(await mk.feed.spotPrice()).to.be.closeTo(WAD, 1n);
      expect(await mk.wethPool.liquidity()).to.be.gt(0n);
      expect(await mk.wethPool.fee()).to.equal(500n);
      expect(await mk.pool.token0()).to.be.oneOf([await fresh.bdol.getAddress(), await fresh.usdc.getAddress()]);
      await elapse(Number(await mk.feed.window()));
      const reason = mk.feed.interface.encodeErrorResult("LiquidityTooThin", [1n, await mk.feed.minLiquidity()]);
      await expect(mk.feed.update()).to.emit(mk.feed, "MarketUnavailable").withArgs(reason);
      await expect(mk.feed.latestRoundData())
        .to.be.revertedWithCustomError(mk.feed, "MarketNotLive")
        .withArgs(mk.feed.interface.getError("LiquidityTooThin")!.selector);
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

    it("has no round until an update over a covered window records one at par", async () => {
      await expect(m.feed.latestRoundData()).to.be.revertedWithCustomError(m.feed, "NoRound");
      await expect(m.feed.update()).to.emit(m.feed, "MarketUnavailable");
      await expect(m.feed.latestRoundData())
        .to.be.revertedWithCustomError(m.feed, "MarketNotLive")
        .withArgs(selector("ObservationsTooShort"));
      await warm();
      await expect(m.feed.update()).to.emit(m.feed, "RoundRecorded");
      // The mean tick is floored: par reads within one tick (1 bp) of par.
      expect(await answer()).to.be.closeTo(WAD, BP);
      const [id, at] = await m.feed.updateState();
      expect(id).to.equal(1n);
      expect(at).to.equal(BigInt(await time.latest()));
    });
  });

  describe("the price", () => {
    beforeEach(warm);

    it("follows a move of the pool over the window, time-weighted", async () => {
      await movePoolTo(sys.alice, wad("0.98"));
      expect(await m.feed.spotPrice()).to.be.closeTo(wad("0.98"), BP);
      await elapse(Number(window) / 2 - Number(period));
      const half = await record();
      expect(half).to.be.lt(wad("0.995")).and.gt(wad("0.985"));
      await elapse(Number(window) / 2 - Number(period));
      expect(await record()).to.be.closeTo(wad("0.98"), BP);
    });

    it("multiplies by USDC/USD at the time of the round", async () => {
      const before = await record();
      await sys.usdcFeed.updateAnswer(feedAnswer("0.99"));
      expect(await answer(), "a recorded round keeps its quote").to.equal(before);
      const after = await record();
      expect(after).to.equal((before * wad("0.99")) / WAD);
    });

    it("records not live when USDC/USD is stale or unusable, and live again when it is back", async () => {
      await record();
      await elapse(Number(await m.feed.quoteHeartbeat()) + 1);
      const reason = m.feed.interface.encodeErrorResult("QuotePriceUnavailable", [await sys.usdcFeed.getAddress()]);
      await expect(m.feed.update()).to.emit(m.feed, "MarketUnavailable").withArgs(reason);
      await expect(m.feed.latestRoundData())
        .to.be.revertedWithCustomError(m.feed, "MarketNotLive")
        .withArgs(selector("QuotePriceUnavailable"));
      await sys.usdcFeed.updateAnswer(0);
      await elapse(Number(period));
      await expect(m.feed.update()).to.emit(m.feed, "MarketUnavailable").withArgs(reason);
      await sys.usdcFeed.updateAnswer(feedAnswer("1"));
      expect(await record()).to.be.closeTo(WAD, BP);
      expect((await m.feed.updateState())[2]).to.equal("0x00000000");
    });

    it("records not live when the pool's liquidity over the window is below the minimum", async () => {
      const [, liquidity] = await m.feed.consult(window, 0);
      const admin = await adminOf(m.feed);
      await m.feed.connect(admin).setMinLiquidity(liquidity * 2n);
      await elapse(Number(period));
      await expect(m.feed.update()).to.emit(m.feed, "MarketUnavailable");
      await expect(m.feed.latestRoundData())
        .to.be.revertedWithCustomError(m.feed, "MarketNotLive")
        .withArgs(selector("LiquidityTooThin"));
    });
  });

  describe("rounds", () => {
    beforeEach(warm);

    it("numbers rounds 1, 2, 3 …; startedAt = updatedAt = the update's time; getRoundData agrees", async () => {
      for (let i = 1n; i <= 3n; i++) {
        await record();
        const [id, ans, startedAt, updatedAt, answeredIn] = await m.feed.latestRoundData();
        const now = BigInt(await time.latest());
        expect(id).to.equal(i);
        expect(answeredIn).to.equal(id);
        expect(startedAt).to.equal(now);
        expect(updatedAt).to.equal(now);
        const same = await m.feed.getRoundData(id);
        expect(same[1]).to.equal(ans);
        expect(same[3]).to.equal(now);
      }
    });

    it("a recorded round never changes: not when the pool moves, not when the window changes", async () => {
      const first = await record();
      await movePoolTo(sys.alice, wad("0.97"));
      await elapse(Number(window));
      await m.feed.connect(await adminOf(m.feed)).setWindow(900);
      expect((await m.feed.getRoundData(1))[1]).to.equal(first);
      expect(await answer(), "until the next update").to.equal(first);
      await elapse(Number(period));
      await expect(m.feed.update())
        .to.emit(m.feed, "RoundRecorded")
        .withArgs(2n, anyValue, anyValue, anyValue, anyValue, 900n);
      expect((await m.feed.getRoundData(1))[1]).to.equal(first);
      expect(await answer()).to.be.closeTo(wad("0.97"), BP);
    });

    it("refuses an update within a period of the last one, changing nothing", async () => {
      await record();
      const [, last] = await m.feed.updateState();
      await movePoolTo(sys.alice, wad("0.99"));
      await expect(m.feed.update())
        .to.be.revertedWithCustomError(m.feed, "UpdateTooSoon")
        .withArgs(last + period);
      expect((await m.feed.updateState())[0]).to.equal(1n);
      await time.setNextBlockTimestamp(last + period);
      await expect(m.feed.update()).to.emit(m.feed, "RoundRecorded");
    });

    it("records 'not live' only with enough gas that nothing inside was starved; a live update needs no margin", async () => {
      await elapse(Number(period));
      const admin = await adminOf(m.feed);
      await m.feed.connect(admin).setMinLiquidity(2n ** 127n);
      expect(await m.feed.MIN_UPDATE_GAS()).to.equal(300_000n);
      await expect(m.feed.update({ gasLimit: 200_000 })).to.be.revertedWithCustomError(m.feed, "UpdateGasTooLow");
      expect((await m.feed.updateState())[1]).to.equal(0n);
      await expect(m.feed.update({ gasLimit: 400_000 })).to.emit(m.feed, "MarketUnavailable");
      await m.feed.connect(admin).setMinLiquidity(10n ** 15n);
      await elapse(Number(period));
      const gas = await m.feed.update.estimateGas();
      expect(gas).to.be.lt(200_000n);
      await expect(m.feed.update({ gasLimit: gas })).to.emit(m.feed, "RoundRecorded");
    });

    it("refuses round 0 and rounds after the latest", async () => {
      await record();
      await expect(m.feed.getRoundData(0)).to.be.revertedWithCustomError(m.feed, "UnknownRound").withArgs(0);
      await expect(m.feed.getRoundData(2)).to.be.revertedWithCustomError(m.feed, "UnknownRound").withArgs(2);
    });

    it("reads in constant gas however far anyone grows the pool's observation ring", async () => {
      await record();
      const read = () => m.feed.latestRoundData.estimateGas();
      const before = await read();
      await m.pool.increaseObservationCardinalityNext(1_000);
      // A trade in each of 200 blocks writes 200 observations.
      const usdc = await sys.usdc.getAddress();
      const bdol = await sys.bdol.getAddress();
      await sys.usdc.mint(sys.alice.address, 10n ** 12n);
      await sys.usdc.connect(sys.alice).approve(await m.router.getAddress(), ethers.MaxUint256);
      const trade = {
        tokenIn: usdc,
        tokenOut: bdol,
        fee: 100,
        recipient: sys.alice.address,
        deadline: ethers.MaxUint256,
        amountIn: 1_000n * 10n ** 6n,
        amountOutMinimum: 0,
        sqrtPriceLimitX96: 0,
      };
      const index = (await m.pool.slot0()).observationIndex;
      for (let i = 0; i < 200; i++) await m.router.connect(sys.alice).exactInputSingle(trade);
      expect((await m.pool.slot0()).observationIndex).to.not.equal(index);
      expect(await read()).to.equal(before);
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
      await expect(feed.setMinLiquidity(10n ** 15n - 1n))
        .to.be.revertedWithCustomError(feed, "OutOfBounds")
        .withArgs(10n ** 15n - 1n, 10n ** 15n, 2n ** 128n - 1n);
      const old = await feed.minLiquidity();
      await expect(feed.setMinLiquidity(old * 2n))
        .to.emit(feed, "MinLiquiditySet")
        .withArgs(old, old * 2n);
      await expect(feed.setQuoteHeartbeat(59)).to.be.revertedWithCustomError(feed, "OutOfBounds");
      const hb = await feed.quoteHeartbeat();
      await expect(feed.setQuoteHeartbeat(3600)).to.emit(feed, "QuoteHeartbeatSet").withArgs(hb, 3600);
      for (const call of [
        () => m.feed.connect(sys.attacker).setWindow(900),
        () => m.feed.connect(sys.attacker).setMinLiquidity(10n ** 18n),
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
      const L = 10n ** 18n;
      await expect(F.deploy(fresh, bdol, usdcFeed, me, 1800, L, 86_400))
        .to.be.revertedWithCustomError(F, "PoolNotInitialized")
        .withArgs(fresh);
      const wethPool = await m.wethPool.getAddress();
      await expect(F.deploy(wethPool, bdol, usdcFeed, me, 1800, L, 86_400)).to.be.revertedWithCustomError(
        F,
        "PoolTokensMismatch",
      );
      const pool = await m.pool.getAddress();
      await expect(F.deploy(ethers.ZeroAddress, bdol, usdcFeed, me, 1800, L, 86_400)).to.be.revertedWithCustomError(
        F,
        "ZeroAddress",
      );
      await expect(F.deploy(pool, bdol, bdol, me, 1800, L, 86_400)).to.be.revertedWithCustomError(
        F,
        "InvalidQuoteFeed",
      );
      await expect(F.deploy(pool, bdol, usdcFeed, me, 60, L, 86_400)).to.be.revertedWithCustomError(F, "OutOfBounds");
    });
  });

  describe("as the oracle's BDOL feed", () => {
    it("sepolia and mainnet price BDOL with MarketPriceFeed, and their controller's peg term reads it", () => {
      for (const net of ["sepolia", "mainnet"]) {
        const c = networkConfig(net);
        expect(c.risk.peg.pegAsset, net).to.equal("BDOL");
        expect(c.pricedAssets.BDOL.feed.primaryFeed, net).to.deep.equal({ deployment: "MarketPriceFeed" });
        expect(c.market.priceFeed.pool, net).to.equal("BDOL_USDC_POOL");
      }
    });

    it("the adapter reads Failed before the first round, then the rounds; the peg term follows the pool to 0.98", async () => {
      const bdol = await sys.bdol.getAddress();
      await useMarketFeed(sys, m);
      expect((await sys.oracle.getPrice(bdol))[1]).to.equal(FAILED);
      const refresh = () => refreshFeeds(sys);
      await warm();
      await record();
      expect(await sys.oracle.getPrice(bdol)).to.deep.equal([await answer(), LIVE]);

      await movePoolTo(sys.alice, wad("0.98"));
      await elapse(Number(window));
      await refresh();
      await m.feed.update();
      const [price, status] = await sys.oracle.getPrice(bdol);
      expect(status).to.equal(LIVE);
      expect(price).to.be.closeTo(wad("0.98"), BP);
      await elapse(Number(await sys.risk.systemRules().then((r) => r.pokeInterval)));
      await refresh();
      const tx = await sys.risk.poke();
      const poked = (await tx.wait())!.logs
        .map((l) => sys.risk.interface.parseLog(l))
        .find((e) => e?.name === "Poked")!;
      expect(poked.args.pegStatus).to.equal(LIVE);
      expect(poked.args.pegPrice).to.equal(price);
      expect(poked.args.pegError).to.equal(WAD - price);
      expect(poked.args.pegTerm).to.be.gt(0n);
      console.log(
        `      pool at 0.98: the adapter reads ${ethers.formatEther(price)}, the peg term adds ` +
          `${ethers.formatEther(poked.args.pegTerm * 100n)} points of fee`,
      );
    });
  });

  describe("the keeper bot", () => {
    it("updates the feed only when the oracle reads it and a period has passed, then records BDOL's new round", async () => {
      const lines: string[] = [];
      const run = () => runKeeperOnce(hre, { keeper: sys.keeper, log: (l) => lines.push(l) });
      await warm();
      expect((await run()).marketUpdates, "the oracle reads the mock BDOL feed locally").to.deep.equal([]);

      const bdol = await sys.bdol.getAddress();
      await sys.oracle.connect(await adminOf(sys.oracle)).setFeed(bdol, feedParams(await m.feed.getAddress()));
      const first = await run();
      expect(first.marketUpdates.map((u) => u.live)).to.deep.equal([true]);
      expect(first.records.map((r) => r.asset)).to.include(bdol);
      expect((await m.feed.updateState())[0]).to.equal(1n);
      expect((await sys.oracle.roundHistory(bdol)).lastRoundId).to.equal(1n);
      expect((await run()).marketUpdates, "within the period: nothing").to.deep.equal([]);
      await elapse(Number(period));
      expect((await run()).marketUpdates.length).to.equal(1);
      expect(lines.filter((l) => l.startsWith("update the market feed: a round recorded")).length).to.equal(2);
    });
  });

  describe("manipulation", () => {
    beforeEach(warm);

    const manipulator = async () => {
      const Manipulator = await ethers.getContractFactory("MockPoolManipulator");
      return Manipulator.connect(sys.attacker).deploy(
        await sys.bdol.getAddress(),
        await m.pool.getAddress(),
        await sys.bdol.getAddress(),
      );
    };

    it("a flash mint of the whole flash maximum sold into the pool around an update records no move", async () => {
      const max = await sys.bdol.flashMintMax();
      const attacker = await manipulator();
      // The flash fee and the round trip's pool fees, paid from the attacker's own BDOL.
      const budget = (max * 2n) / 100n;
      await sys.usdc.mint(sys.attacker.address, budget / 10n ** 12n);
      await sys.usdc.connect(sys.attacker).approve(await m.psm.getAddress(), budget / 10n ** 12n);
      await m.psm.connect(sys.attacker).swapStableForCoin(budget / 10n ** 12n, 0, await attacker.getAddress());

      const before = await record();
      await elapse(Number(period));
      const data = m.feed.interface.encodeFunctionData("update");
      await attacker.attack(max, await m.feed.getAddress(), data);
      const [id, during] = await m.feed.latestRoundData();
      expect(id, "the attacker's update recorded a round").to.equal(2n);
      // Uniswap's observations record each block's opening tick: the TWAP ending in the attack's
      // block moved by nothing.
      expect(during).to.equal(before);
      const bdolIs0 = isToken0(await sys.bdol.getAddress(), await sys.usdc.getAddress());
      const spotDuring = priceWadAt(await attacker.sqrtPriceDuring(), 18, 6, bdolIs0);
      console.log(
        `      flash mint of ${ethers.formatEther(max)} BDOL sold into the pool: spot ${ethers.formatEther(spotDuring)}, ` +
          `recorded TWAP ${ethers.formatEther(during)} (before ${ethers.formatEther(before)})`,
      );
      expect(spotDuring).to.be.lt(wad("0.9"));
    });

    it("the cost of holding the TWAP off peg for a window at the seeded liquidity (a push per 12-second block)", async () => {
      // The price counts in the TWAP only across block boundaries (Uniswap records each block's opening
      // tick): the attacker pushes at the end of each block, arbitrageurs bring the pool back to within
      // the PSM's 0.1 % fee in the next, and it pushes again. Its loss per push: what it sold, at $1,
      // less what it got. A window of 30 minutes is 150 blocks of 12 seconds.
      const blocks = Number(window) / 12;
      const rows: string[] = [];
      for (const target of [wad("0.995"), wad("0.99"), wad("0.98"), wad("1.01")]) {
        const id = await ethers.provider.send("evm_snapshot", []);
        const below = target < WAD;
        // Where PSM arbitrage leaves the pool (within its 0.1 % fee), on the side of the push.
        await movePoolTo(sys.bob, below ? wad("0.999") : wad("1.001"));
        const [bdolBefore, usdcBefore] = [
          await sys.bdol.balanceOf(sys.attacker),
          await sys.usdc.balanceOf(sys.attacker),
        ];
        // What the push sold: BDOL (below the peg; bought from the PSM first) or USDC (above; minted).
        const sold = await movePoolTo(sys.attacker, target);
        const bdolGot = (await sys.bdol.balanceOf(sys.attacker)) - bdolBefore;
        const usdcGot = (await sys.usdc.balanceOf(sys.attacker)) - usdcBefore;
        // Below: USDC received for `sold` BDOL (the PSM top-up nets to zero USDC). Above: BDOL received
        // for `sold` USDC (the helper minted its budget, what the pool did not take stays).
        const loss = below ? sold - usdcGot * 10n ** 12n : sold * 10n ** 12n - bdolGot;
        expect(loss).to.be.gt(0n);
        const perWindow = loss * BigInt(blocks);
        rows.push(
          `${ethers.formatEther(target)}: ${Number(ethers.formatUnits(sold, below ? 18 : 6)).toFixed(0)} ${below ? "BDOL" : "USDC"} sold per push, ` +
            `loss ${Number(ethers.formatEther(loss)).toFixed(0)} per block, ${Number(ethers.formatEther(perWindow)).toFixed(0)} per window`,
        );
        await ethers.provider.send("evm_revert", [id]);
      }
      for (const r of rows) console.log(`      ${r}`);
    });

    it("liquidity at one tick reads live only while the price stays in it: pushed 1 % off for a third of the window, the market reads thin", async () => {
      const fresh = await loadSystem();
      const mk = await loadMarket();
      const [bdol, usdc] = [await fresh.bdol.getAddress(), await fresh.usdc.getAddress()];
      const bdolIs0 = isToken0(bdol, usdc);
      const lp = fresh.alice;
      // Up to 100k of each in the position, and BDOL to push with: bought from the PSM.
      await fresh.usdc.mint(lp.address, 500_000n * 10n ** 6n);
      await fresh.usdc.connect(lp).approve(await mk.psm.getAddress(), ethers.MaxUint256);
      await mk.psm.connect(lp).swapStableForCoin(301_000n * 10n ** 6n, wad(300_000), lp.address);
      const npm = (await deployments.get("NonfungiblePositionManager")).address;
      const manager = new ethers.Contract(npm, uniswapArtifact("NonfungiblePositionManager").abi, lp);
      await fresh.usdc.connect(lp).approve(npm, ethers.MaxUint256);
      await fresh.bdol.connect(lp).approve(npm, ethers.MaxUint256);
      const tick = Number((await mk.pool.slot0()).tick);
      const [a0, a1] = bdolIs0 ? [wad(100_000), 100_000n * 10n ** 6n] : [100_000n * 10n ** 6n, wad(100_000)];
      await manager.mint({
        token0: bdolIs0 ? bdol : usdc,
        token1: bdolIs0 ? usdc : bdol,
        fee: 100,
        tickLower: tick,
        tickUpper: tick + 1,
        amount0Desired: a0,
        amount1Desired: a1,
        amount0Min: 0,
        amount1Min: 0,
        recipient: lp.address,
        deadline: ethers.MaxUint256,
      });
      const minL = await mk.feed.minLiquidity();
      const oneTick = await mk.pool.liquidity();
      expect(oneTick, "one tick of 100k clears the minimum").to.be.gt(minL);
      await elapse(Number(await mk.feed.window()));
      await expect(mk.feed.update()).to.emit(mk.feed, "RoundRecorded");

      // Pushed 1 % down through the tick into nothing, and held there for 10 of the window's 30 minutes.
      await fresh.bdol.connect(lp).approve(await mk.router.getAddress(), ethers.MaxUint256);
      await mk.router.connect(lp).exactInputSingle({
        tokenIn: bdol,
        tokenOut: usdc,
        fee: 100,
        recipient: lp.address,
        deadline: ethers.MaxUint256,
        amountIn: wad(200_000),
        amountOutMinimum: 0,
        sqrtPriceLimitX96: sqrtPriceX96At(wad("0.99"), 18, 6, bdolIs0),
      });
      expect(await mk.pool.liquidity()).to.equal(0n);
      await elapse(Number(await mk.feed.ROUND_PERIOD()));
      const [, harmonic] = await mk.feed.consult(await mk.feed.window(), 0);
      console.log(`      one-tick L ${oneTick}; after 10 min off it, harmonic-mean L over the window ${harmonic}`);
      expect(harmonic).to.be.lt(10n);
      await expect(mk.feed.update()).to.emit(mk.feed, "MarketUnavailable");
      await expect(mk.feed.latestRoundData())
        .to.be.revertedWithCustomError(mk.feed, "MarketNotLive")
        .withArgs(mk.feed.interface.getError("LiquidityTooThin")!.selector);
    });

    it("held across a 12-second block, the TWAP moves by the push's log-price times 12/1800, no more", async () => {
      const attacker = await manipulator();
      const amount = wad(10_000_000);
      const usdcIn = amount / 10n ** 12n + amount / 10n ** 14n; // par plus the PSM's 0.1 % fee, rounded up
      await sys.usdc.mint(sys.attacker.address, usdcIn);
      await sys.usdc.connect(sys.attacker).approve(await m.psm.getAddress(), usdcIn);
      await m.psm.connect(sys.attacker).swapStableForCoin(usdcIn, amount, await attacker.getAddress());

      const before = await record();
      await elapse(Number(period));
      const pushedAt = (await (await attacker.push(amount)).getBlock())!.timestamp;
      const spot = await m.feed.spotPrice();
      await time.increase(11);
      const updated = await (await m.feed.update()).getBlock();
      const held = await answer();
      await attacker.unwind();
      const ln = (x: bigint) => Math.log(Number(x) / 1e18);
      const seconds = updated!.timestamp - pushedAt;
      expect(seconds).to.equal(12);
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

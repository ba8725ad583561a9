import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import hre, { deployments, ethers } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Result } from "ethers";
import { ZeroAddress, ZeroHash } from "ethers";
import { networkConfig } from "../../config/networks";
import { SECONDS_PER_YEAR, WAD, wad } from "../../lib/sdk";
import deployOracle from "../../deploy/03_oracle";
import { adminOf, at, feedParams, loadSystem, openVault, type FeedParams } from "../helpers/fixtures";
import type { MockAggregator, OracleAdapter, OracleGasCaller } from "../../typechain-types";

/** `PriceStatus` in IOracleAdapter.sol. */
const Status = { Live: 0n, Stale: 1n, OutOfBounds: 2n, Frozen: 3n, Failed: 4n, SequencerDown: 5n, SequencerGrace: 6n };
/** `MockAggregator.Mode`. */
const Mode = { Normal: 0, Revert: 1, BurnGas: 2, Malformed: 3, ReturnBomb: 4 };

const HEARTBEAT = 3900n; // ETH feed heartbeat in config/networks.ts
const GRACE = 3600n;
/** A fresh asset key for feeds configured inside a test. */
const NEW_ASSET = ethers.getAddress("0x00000000000000000000000000000000000a55e7");
/** setFeed parameters for NEW_ASSET apart from the feeds. */
const NEW_PARAMS = {
  heartbeat: 3600,
  minPrice: wad(1),
  maxPrice: wad(1_000_000),
  maxDeviation: wad("0.25"),
  maxReferenceAge: 3600,
};

/** 8-decimal feed answer. */
const usd8 = (value: number | string): bigint => ethers.parseUnits(String(value), 8);

// --------------------------------------------------------------------------- the NatSpec's estimator, re-derived

/** ConstantsLib: VOLATILITY_TIME_CONSTANT, PRICE_RANGE_BUCKET, MAX_VOLATILITY_RETURN, MAX_VARIANCE_RATE, MAX_ROUNDS_PER_WALK. */
const TAU = 86_400n;
const BUCKET = 3_600n;
const MAX_RETURN = 100n * WAD;
const MAX_VARIANCE = 2n ** 64n - 1n;
const MAX_WALK = 64;
const UINT96_MAX = 2n ** 96n - 1n;

const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;
const absDiff = (a: bigint, b: bigint) => (a > b ? a - b : b - a);
const bigMin = (a: bigint, b: bigint) => (a < b ? a : b);
const bigMax = (a: bigint, b: bigint) => (a > b ? a : b);
const sat96 = (p: bigint) => bigMin(p, UINT96_MAX);

/** V' = min(⌈(τ·V + ⌈r²⌉) / (τ + dt)⌉, MAX_VARIANCE_RATE), r = ⌈|P − P_last| / P_last⌉ ≤ 100 (IOracleAdapter). */
function nextVarianceRate(variance: bigint, last: bigint, price: bigint, dt: bigint): bigint {
  const r = bigMin(divUp(absDiff(price, last) * WAD, last), MAX_RETURN);
  return bigMin(divUp(TAU * variance + divUp(r * r, WAD), TAU + dt), MAX_VARIANCE);
}

function sqrtUp(x: bigint): bigint {
  if (x === 0n) return 0n;
  let z = x;
  let y = x / 2n + 1n;
  while (y < z) {
    z = y;
    y = (x / y + y) / 2n;
  }
  return z * z === x ? z : z + 1n;
}

/** volatility = ⌈sqrt(V · year)⌉ [wad]. */
const annualised = (variance: bigint) => sqrtUp(variance * SECONDS_PER_YEAR * WAD);

/** The round history of IOracleAdapter, replayed from the rounds a walk uses. */
class HistoryModel {
  lastPrice = 0n;
  lastAt = 0n;
  variance = 0n;
  low = 0n;
  high = 0n;
  previousLow = 0n;
  previousHigh = 0n;

  constructor(init?: {
    lastPrice: bigint;
    lastUpdatedAt: bigint;
    varianceRate: bigint;
    low: bigint;
    high: bigint;
    previousLow: bigint;
    previousHigh: bigint;
  }) {
    if (init) {
      this.lastPrice = init.lastPrice;
      this.lastAt = init.lastUpdatedAt;
      this.variance = init.varianceRate;
      [this.low, this.high, this.previousLow, this.previousHigh] = [
        init.low,
        init.high,
        init.previousLow,
        init.previousHigh,
      ];
    }
  }

  observe(price: bigint, at: bigint): void {
    if (at <= this.lastAt) return;
    const p = sat96(price);
    if (this.lastPrice === 0n) {
      [this.low, this.high, this.previousLow, this.previousHigh] = [p, p, p, p];
    } else {
      this.variance = nextVarianceRate(this.variance, this.lastPrice, price, at - this.lastAt);
      const bucket = at / BUCKET;
      const lastBucket = this.lastAt / BUCKET;
      const carried = sat96(this.lastPrice);
      if (bucket === lastBucket) {
        [this.low, this.high] = [bigMin(this.low, p), bigMax(this.high, p)];
      } else {
        [this.previousLow, this.previousHigh] = bucket === lastBucket + 1n ? [this.low, this.high] : [carried, carried];
        [this.low, this.high] = [bigMin(carried, p), bigMax(carried, p)];
      }
    }
    [this.lastPrice, this.lastAt] = [price, at];
  }

  /** [low, high] of prices in force from the start of the previous bucket to `now`. */
  range(now: bigint): [bigint, bigint] {
    if (this.lastPrice === 0n) return [0n, 0n];
    const bucket = now / BUCKET;
    const lastBucket = this.lastAt / BUCKET;
    if (lastBucket === bucket) return [bigMin(this.low, this.previousLow), bigMax(this.high, this.previousHigh)];
    if (lastBucket + 1n === bucket) return [this.low, this.high];
    return [sat96(this.lastPrice), sat96(this.lastPrice)];
  }
}

const setup = deployments.createFixture(async () => {
  await deployments.fixture();
  const [deployer, alice, keeper] = await ethers.getSigners();
  const oracle = await at<OracleAdapter>("OracleAdapter", "OracleAdapter");
  const gov = oracle.connect(await adminOf(oracle));
  const ethFeed = await at<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const btcFeed = await at<MockAggregator>("MockAggregator", "BTC_USD_FEED");
  const wbtcBtcFeed = await at<MockAggregator>("MockAggregator", "WBTC_BTC_FEED");
  const weth = (await deployments.get("WETH")).address;
  const wbtc = (await deployments.get("WBTC")).address;
  const usdc = (await deployments.get("USDC")).address;
  const bdol = (await deployments.get("BallastDollar")).address;
  const gasCaller = (await (await ethers.getContractFactory("OracleGasCaller")).deploy()) as unknown as OracleGasCaller;
  return { deployer, alice, keeper, oracle, gov, ethFeed, btcFeed, wbtcBtcFeed, weth, wbtc, usdc, bdol, gasCaller };
});

async function newFeed(decimals: number, answer: bigint, description = "TEST / USD"): Promise<MockAggregator> {
  const factory = await ethers.getContractFactory("MockAggregator");
  return (await factory.deploy(decimals, description, answer)) as unknown as MockAggregator;
}

describe("OracleAdapter", () => {
  let s: Awaited<ReturnType<typeof setup>>;
  let oracle: OracleAdapter;
  let gov: OracleAdapter;
  let ethFeed: MockAggregator;
  let weth: string;
  let alice: HardhatEthersSigner;

  beforeEach(async () => {
    s = await setup();
    ({ oracle, gov, ethFeed, weth, alice } = s);
  });

  const state = async (asset: string) => ((await oracle.priceState(asset)) as unknown as Result).toObject();
  const read = async (asset: string) => [...(await oracle.getPrice(asset))];

  /** Asserts the asset reads `status` at its last good price and that recording changes nothing. */
  async function expectRejected(asset: string, status: bigint): Promise<void> {
    const before = await state(asset);
    expect(await read(asset)).to.deep.equal([before.lastGoodPrice, status]);
    await expect(oracle.recordPrice(asset)).to.emit(oracle, "PriceRejected").withArgs(asset, status);
    expect(await state(asset)).to.deep.equal(before);
  }

  async function setNewAsset(
    primary: MockAggregator,
    secondary: string = ZeroAddress,
    overrides: Partial<FeedParams> = {},
  ) {
    return gov.setFeed(
      NEW_ASSET,
      feedParams(await primary.getAddress(), { ...NEW_PARAMS, secondaryFeed: secondary, ...overrides }),
    );
  }

  /** WETH's configuration on the ETH feed (config/networks.ts) with `overrides`. */
  async function wethParams(overrides: Partial<FeedParams> = {}): Promise<FeedParams> {
    const eth = networkConfig(hre.network.name).collaterals.WETH.feed;
    return feedParams(await ethFeed.getAddress(), {
      heartbeat: eth.heartbeat,
      minPrice: eth.minPrice,
      maxPrice: eth.maxPrice,
      maxDeviation: eth.maxDeviation,
      maxReferenceAge: eth.maxReferenceAge,
      ...overrides,
    });
  }

  /** A second adapter, as deployed on an L2: with a sequencer-uptime feed and WETH on the ETH feed. */
  async function deployL2Oracle(sequencer: MockAggregator): Promise<OracleAdapter> {
    const factory = await ethers.getContractFactory("OracleAdapter");
    const admin = (await ethers.getSigners())[0];
    const l2 = (await factory.deploy(admin.address, await sequencer.getAddress(), GRACE)) as unknown as OracleAdapter;
    await l2.connect(admin).setFeed(weth, await wethParams());
    await l2.recordPrice(weth);
    return l2;
  }

  describe("deployment", () => {
    it("configures every collateral and priced asset from config/networks.ts and records a first price", async () => {
      const config = networkConfig(hre.network.name);
      const expected: Record<string, [string, bigint]> = {
        WETH: [s.weth, wad(3_000)],
        WBTC: [s.wbtc, wad(60_000)],
        USDC: [s.usdc, wad(1)],
        BDOL: [s.bdol, wad(1)],
      };
      const setups = { ...config.collaterals, ...config.pricedAssets };
      expect(Object.keys(setups).sort()).to.deep.equal(Object.keys(expected).sort());
      for (const [symbol, { feed }] of Object.entries(setups)) {
        const [asset, price] = expected[symbol];
        const cfg = await oracle.feedConfig(asset);
        const ref = feed.primaryFeed as { deployment: string };
        expect(cfg.primaryFeed).to.equal((await deployments.get(ref.deployment)).address);
        expect(cfg.secondaryFeed).to.equal(ZeroAddress);
        expect(cfg.primaryDecimals).to.equal(8n);
        expect(cfg.heartbeat).to.equal(BigInt(feed.heartbeat));
        expect([cfg.minPrice, cfg.maxPrice, cfg.maxDeviation, cfg.maxReferenceAge]).to.deep.equal([
          feed.minPrice,
          feed.maxPrice,
          feed.maxDeviation,
          BigInt(feed.maxReferenceAge),
        ]);
        const ratio = await oracle.ratioFeedConfig(asset);
        if (feed.ratio === undefined) {
          expect([ratio.feed, ratio.heartbeat, ratio.minRatio, ratio.maxRatio]).to.deep.equal([
            ZeroAddress,
            0n,
            0n,
            0n,
          ]);
        } else {
          const ref = feed.ratio.feed as { deployment: string };
          expect([ratio.feed, ratio.heartbeat, ratio.decimals, ratio.minRatio, ratio.maxRatio]).to.deep.equal([
            (await deployments.get(ref.deployment)).address,
            BigInt(feed.ratio.heartbeat),
            8n,
            feed.ratio.minRatio,
            feed.ratio.maxRatio,
          ]);
        }
        const st = await oracle.priceState(asset);
        expect([st.lastGoodPrice, st.composite]).to.deep.equal([price, feed.ratio !== undefined]);
        expect(await read(asset)).to.deep.equal([price, Status.Live]);
        // The first recording also set the round history's reference.
        expect((await oracle.roundHistory(asset)).lastPrice).to.equal(price);
      }
      // Local WBTC is the composite WBTC/BTC × BTC/USD, as on mainnet.
      expect(config.collaterals.WBTC.feed.ratio).to.not.equal(undefined);
      expect(networkConfig("mainnet").collaterals.WBTC.feed.ratio?.feed).to.equal(
        "0xfdFD9C85aD200c506Cf9e21F1FD8dd01932FBB23",
      );
      expect(await oracle.assets()).to.deep.equal([s.weth, s.wbtc, s.usdc, s.bdol]);
      expect(await oracle.sequencerFeed()).to.equal(ZeroAddress);
    });

    it("re-running the deploy script changes nothing", async () => {
      const before = await state(weth);
      const block = await ethers.provider.getBlockNumber();
      await deployOracle(hre);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(await state(weth)).to.deep.equal(before);
    });

    it("rejects a zero admin", async () => {
      const factory = await ethers.getContractFactory("OracleAdapter");
      await expect(factory.deploy(ZeroAddress, ZeroAddress, 0)).to.be.revertedWithCustomError(oracle, "ZeroAddress");
    });
  });

  describe("reading a feed", () => {
    it("normalises 0, 6, 8, 18 and 36 decimals to WAD, rounding down", async () => {
      for (const [decimals, answer] of [
        [0, 2_500n],
        [6, 2_500n * 10n ** 6n],
        [8, 2_500n * 10n ** 8n],
        [18, 2_500n * 10n ** 18n],
        [36, 2_500n * 10n ** 36n + 999n],
      ] as const) {
        const feed = await newFeed(decimals, answer);
        const asset = ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(1000 + decimals), 20));
        await gov.setFeed(asset, feedParams(await feed.getAddress(), { ...NEW_PARAMS }));
        expect((await oracle.feedConfig(asset)).primaryDecimals).to.equal(BigInt(decimals));
        expect(await read(asset)).to.deep.equal([wad(2_500), Status.Live]);
      }
    });

    it("accepts the first reading of an asset whatever its level, then stores it", async () => {
      const feed = await newFeed(8, usd8(777));
      await setNewAsset(feed);
      expect(await read(NEW_ASSET)).to.deep.equal([wad(777), Status.Live]);
      const updatedAt = (await feed.latestRoundData())[3];
      await expect(oracle.recordPrice(NEW_ASSET))
        .to.emit(oracle, "PriceRecorded")
        .withArgs(NEW_ASSET, wad(777), updatedAt)
        .and.to.emit(oracle, "RoundsProcessed")
        .withArgs(NEW_ASSET, 1n, 1n, 0n);
      const st = await oracle.priceState(NEW_ASSET);
      expect([st.lastGoodPrice, st.lastGoodUpdatedAt, st.frozen, st.composite]).to.deep.equal([
        wad(777),
        updatedAt,
        false,
        false,
      ]);
      const h = await oracle.roundHistory(NEW_ASSET);
      expect([h.lastRoundId, h.lastPrice, h.lastUpdatedAt, h.varianceRate, h.low, h.high]).to.deep.equal([
        1n,
        wad(777),
        updatedAt,
        0n,
        wad(777),
        wad(777),
      ]);
    });

    it("reverts UnknownAsset for an unconfigured asset and reads (0, status) before any good price", async () => {
      await expect(oracle.getPrice(NEW_ASSET))
        .to.be.revertedWithCustomError(oracle, "UnknownAsset")
        .withArgs(NEW_ASSET);
      await expect(oracle.recordPrice(NEW_ASSET))
        .to.be.revertedWithCustomError(oracle, "UnknownAsset")
        .withArgs(NEW_ASSET);
      await expect(oracle.volatility(NEW_ASSET))
        .to.be.revertedWithCustomError(oracle, "UnknownAsset")
        .withArgs(NEW_ASSET);
      await expect(oracle.priceReport(NEW_ASSET))
        .to.be.revertedWithCustomError(oracle, "UnknownAsset")
        .withArgs(NEW_ASSET);
      await expect(gov.unfreeze(NEW_ASSET)).to.be.revertedWithCustomError(oracle, "UnknownAsset").withArgs(NEW_ASSET);
      const feed = await newFeed(8, usd8(10));
      await setNewAsset(feed);
      await feed.updateAnswer(0);
      expect(await read(NEW_ASSET)).to.deep.equal([0n, Status.Failed]);
    });

    it("stays live up to the heartbeat and is stale one second after", async () => {
      const updatedAt = (await ethFeed.latestRoundData())[3];
      await time.setNextBlockTimestamp(updatedAt + HEARTBEAT);
      await expect(oracle.recordPrice(weth)).not.to.emit(oracle, "PriceRejected");
      await time.setNextBlockTimestamp(updatedAt + HEARTBEAT + 1n);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "PriceRejected").withArgs(weth, Status.Stale);
      await expectRejected(weth, Status.Stale);
    });

    it("treats a zero or negative answer as failed", async () => {
      await ethFeed.updateAnswer(0);
      await expectRejected(weth, Status.Failed);
      await ethFeed.updateAnswer(-1);
      await expectRejected(weth, Status.Failed);
    });

    it("treats an answer below minPrice or above maxPrice as out of bounds (bounds inclusive)", async () => {
      await ethFeed.updateAnswer(usd8("9.99999999")); // minPrice 10
      await expectRejected(weth, Status.OutOfBounds);
      await ethFeed.updateAnswer(usd8(1_000_001)); // maxPrice 1,000,000
      await expectRejected(weth, Status.OutOfBounds);
      // An answer too large to scale is out of bounds, not an overflow.
      await ethFeed.updateAnswer(2n ** 255n - 1n);
      await expectRejected(weth, Status.OutOfBounds);
      const feed = await newFeed(8, usd8(1));
      await setNewAsset(feed);
      expect(await read(NEW_ASSET)).to.deep.equal([wad(1), Status.Live]);
      await feed.updateAnswer(usd8(1_000_000));
      expect(await read(NEW_ASSET)).to.deep.equal([wad(1_000_000), Status.Live]);
    });

    it("treats a reverting, gas-burning or malformed feed as failed, never reverting the caller", async () => {
      for (const mode of [Mode.Revert, Mode.BurnGas, Mode.Malformed]) {
        await ethFeed.setMode(mode);
        await expectRejected(weth, Status.Failed);
      }
    });

    it("treats an updatedAt in the future or of 0 as failed", async () => {
      const now = BigInt(await time.latest());
      await ethFeed.updateRoundData(usd8(3_000), now + 3600n, now);
      await expectRejected(weth, Status.Failed);
      await ethFeed.updateRoundData(usd8(3_000), 0, 0);
      await expectRejected(weth, Status.Failed);
    });

    it("copies only five words of an oversized return (returndata bomb)", async () => {
      const feed = await newFeed(8, usd8(2_000));
      await setNewAsset(feed);
      const [normalGas] = await s.gasCaller.measureGetPrice(oracle, NEW_ASSET);
      await feed.setMode(Mode.ReturnBomb);
      const [bombGas, price, status] = await s.gasCaller.measureGetPrice(oracle, NEW_ASSET);
      expect([price, status]).to.deep.equal([wad(2_000), Status.Live]);
      // The feed pays ~14k to expand its own memory to 64 KiB; copying it would cost the caller ~20k more.
      expect(bombGas - normalGas).to.be.lessThan(20_000n);
    });
  });

  describe("gas", () => {
    it("reads a healthy feed with little gas, so gas estimates need no margin", async () => {
      expect([...(await s.gasCaller.getPriceWithGas(oracle, weth, 40_000))]).to.deep.equal([wad(3_000), Status.Live]);
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(3_010));
      // recordPrice at a gas limit just above what it uses succeeds and stores the reading.
      const estimate = await oracle.recordPrice.estimateGas(weth);
      await expect(oracle.recordPrice(weth, { gasLimit: estimate })).to.emit(oracle, "PriceRecorded");
      expect((await state(weth)).lastGoodPrice).to.equal(wad(3_010));
    });

    it("reverts InsufficientGas when a feed fails after being forwarded less than its allowance", async () => {
      await ethFeed.setMode(Mode.Revert);
      await expect(s.gasCaller.getPriceWithGas(oracle, weth, 100_000))
        .to.be.revertedWithCustomError(oracle, "InsufficientGas")
        .withArgs((g: bigint) => g < 110_000n, 110_000n);
      const before = await state(weth);
      await expect(oracle.recordPrice(weth, { gasLimit: 100_000 })).to.be.revertedWithCustomError(
        oracle,
        "InsufficientGas",
      );
      expect(await state(weth)).to.deep.equal(before);
      // With enough gas the failure is the feed's own: a status, not a revert.
      expect([...(await s.gasCaller.getPriceWithGas(oracle, weth, 200_000))]).to.deep.equal([
        wad(3_000),
        Status.Failed,
      ]);
    });

    it("cannot be starved into a fake failure that switches to the secondary feed", async () => {
      const secondary = await newFeed(8, usd8(2_900));
      await gov.setFeed(weth, await wethParams({ secondaryFeed: await secondary.getAddress() }));
      // The primary burns whatever gas it gets, like a feed whose cost a caller could starve.
      await ethFeed.setMode(Mode.BurnGas);
      // Too little gas to give the primary its full allowance: refused, never the secondary's price.
      await expect(s.gasCaller.getPriceWithGas(oracle, weth, 105_000)).to.be.revertedWithCustomError(
        oracle,
        "InsufficientGas",
      );
      // With the full allowance the primary's failure is genuine and the secondary is used.
      expect([...(await s.gasCaller.getPriceWithGas(oracle, weth, 300_000))]).to.deep.equal([wad(2_900), Status.Live]);
    });

    it("measures getPrice and recordPrice", async () => {
      const gasOf = async (asset: string) => (await s.gasCaller.measureGetPrice(oracle, asset))[0];
      const recordGas = async () => (await (await oracle.recordPrice(weth)).wait())!.gasUsed;
      const live = await gasOf(weth);
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(3_010));
      const firstRecord = await recordGas(); // the variance goes from 0 to non-zero
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(3_020));
      const steadyRecord = await recordGas();
      const unchangedRecord = await recordGas(); // same round: nothing to store
      const sequencer = await newFeed(0, 0n, "L2 Sequencer Uptime");
      const now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now - 2n * GRACE);
      const l2 = await deployL2Oracle(sequencer);
      const withSequencer = (await s.gasCaller.measureGetPrice(l2, weth))[0];
      console.log(
        `      getPrice (cold, incl. the call): ${live} gas, ${withSequencer} with a sequencer feed, ` +
          `${await gasOf(s.wbtc)} composite (WBTC); recordPrice tx: ${firstRecord} first variance, ` +
          `${steadyRecord} steady, ${unchangedRecord} same round`,
      );
      // The vault manager's borrow budget is 90k in total; the oracle read must stay a small part of it,
      // and the single-feed read at a fresh reference costs no more than before issue 11 (19,205).
      expect(live).to.be.lessThanOrEqual(19_205n);
    });
  });

  describe("getPrice mirrors recordPrice", () => {
    /** recordPrice's return (simulated), getPrice before and after recording must all agree. */
    async function expectMirror(expected: [bigint, bigint]): Promise<void> {
      expect(await read(weth)).to.deep.equal(expected);
      expect([...(await oracle.recordPrice.staticCall(weth))]).to.deep.equal(expected);
      await oracle.recordPrice(weth);
      expect(await read(weth)).to.deep.equal(expected);
    }

    it("on every outcome: accepted, tripped, held, replaced, confirmed, rejected", async () => {
      const round = async (price: number) => {
        await time.increase(60);
        await ethFeed.updateAnswer(usd8(price));
      };
      await round(3_100);
      await expectMirror([wad(3_100), Status.Live]); // accepted
      await round(4_000);
      await expectMirror([wad(3_100), Status.Frozen]); // tripped
      await expectMirror([wad(3_100), Status.Frozen]); // held
      await round(5_500);
      await expectMirror([wad(3_100), Status.Frozen]); // replaced
      await round(5_400);
      await expectMirror([wad(5_400), Status.Live]); // confirmed
      await ethFeed.setMode(Mode.Revert);
      await expectMirror([wad(5_400), Status.Failed]); // rejected
    });
  });

  describe("circuit breaker", () => {
    const jump = async (price: number) => {
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(price));
      return (await ethFeed.latestRoundData())[3];
    };

    it("accepts a move up to maxDeviation inclusive and records it", async () => {
      const updatedAt = await jump(3_750); // exactly +25 %
      expect(await read(weth)).to.deep.equal([wad(3_750), Status.Live]);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "PriceRecorded").withArgs(weth, wad(3_750), updatedAt);
      expect((await oracle.priceState(weth)).lastGoodPrice).to.equal(wad(3_750));
    });

    it("does not store a round already recorded", async () => {
      await expect(oracle.recordPrice(weth)).not.to.emit(oracle, "PriceRecorded");
      expect([...(await oracle.recordPrice.staticCall(weth))]).to.deep.equal([wad(3_000), Status.Live]);
    });

    it("freezes on a jump, reads Frozen before anyone records it, and holds in the same round", async () => {
      const before = await state(weth);
      const updatedAt = await jump(4_000);
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "CircuitBreakerTripped")
        .withArgs(weth, wad(3_000), wad(4_000), wad(1) / 3n);
      const st = await state(weth);
      expect(st).to.deep.equal({ ...before, frozen: true, pendingPrice: wad(4_000), pendingUpdatedAt: updatedAt });
      await expectRejected(weth, Status.Frozen);
      // A round stamped no later than the pending one cannot confirm it.
      await ethFeed.updateRoundData(usd8(4_000), updatedAt, updatedAt);
      await expectRejected(weth, Status.Frozen);
    });

    it("a later round within maxDeviation of the pending price confirms it", async () => {
      const tripAt = await jump(4_000);
      await oracle.recordPrice(weth);
      const confirmAt = await jump(4_100);
      expect(await read(weth)).to.deep.equal([wad(4_100), Status.Live]);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "CircuitBreakerCleared")
        .withArgs(weth, wad(4_100), false)
        .and.to.emit(oracle, "PriceRecorded")
        .withArgs(weth, wad(4_100), confirmAt);
      expect(await state(weth)).to.deep.equal({
        lastGoodPrice: wad(4_100),
        lastGoodUpdatedAt: confirmAt,
        frozen: false,
        composite: false,
        pendingPrice: 0n,
        pendingUpdatedAt: 0n,
      });
      expect(tripAt).to.be.lessThan(confirmAt);
      expect(await read(weth)).to.deep.equal([wad(4_100), Status.Live]);
    });

    it("a later round that jumps again replaces the pending price", async () => {
      await jump(4_000);
      await oracle.recordPrice(weth);
      const secondAt = await jump(6_000); // +50 % from the pending price
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "CircuitBreakerTripped")
        .withArgs(weth, wad(3_000), wad(6_000), wad(1));
      const st = await oracle.priceState(weth);
      expect([st.lastGoodPrice, st.frozen, st.pendingPrice, st.pendingUpdatedAt]).to.deep.equal([
        wad(3_000),
        true,
        wad(6_000),
        secondAt,
      ]);
      // Back near the old price is a jump from the pending one too: still frozen until confirmed.
      await jump(3_000);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "CircuitBreakerTripped");
      await jump(3_050);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "CircuitBreakerCleared").withArgs(weth, wad(3_050), false);
    });

    it("a broken feed while frozen reports the feed's status", async () => {
      await jump(4_000);
      await oracle.recordPrice(weth);
      await time.increase(HEARTBEAT + 1n);
      await expectRejected(weth, Status.Stale);
    });

    it("governance unfreezes at the current live price", async () => {
      const updatedAt = await jump(4_000);
      await oracle.recordPrice(weth);
      await expect(oracle.connect(alice).unfreeze(weth))
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, ZeroHash);
      await expect(gov.unfreeze(weth))
        .to.emit(oracle, "CircuitBreakerCleared")
        .withArgs(weth, wad(4_000), true)
        .and.to.emit(oracle, "PriceRecorded");
      const st = await oracle.priceState(weth);
      expect([st.lastGoodPrice, st.lastGoodUpdatedAt, st.frozen, st.pendingPrice]).to.deep.equal([
        wad(4_000),
        updatedAt,
        false,
        0n,
      ]);
      expect(await read(weth)).to.deep.equal([wad(4_000), Status.Live]);
    });

    it("unfreeze reverts NotFrozen when not frozen and NoLivePrice without a usable reading", async () => {
      await expect(gov.unfreeze(weth)).to.be.revertedWithCustomError(oracle, "NotFrozen").withArgs(weth);
      await jump(4_000);
      await oracle.recordPrice(weth);
      await ethFeed.setMode(Mode.Revert);
      const before = await state(weth);
      await expect(gov.unfreeze(weth))
        .to.be.revertedWithCustomError(oracle, "NoLivePrice")
        .withArgs(weth, Status.Failed);
      expect(await state(weth)).to.deep.equal(before);
    });
  });

  describe("secondary feed", () => {
    let secondary: MockAggregator;

    beforeEach(async () => {
      secondary = await newFeed(18, wad(3_010));
      await gov.setFeed(weth, await wethParams({ secondaryFeed: await secondary.getAddress() }));
    });

    it("is used when the primary is stale, and its reading is recorded", async () => {
      await time.increase(HEARTBEAT);
      await secondary.updateAnswer(wad(3_020));
      const updatedAt = (await secondary.latestRoundData())[3];
      expect(await read(weth)).to.deep.equal([wad(3_020), Status.Live]);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "PriceRecorded").withArgs(weth, wad(3_020), updatedAt);
    });

    it("is used when the primary fails or is out of bounds", async () => {
      await ethFeed.setMode(Mode.BurnGas);
      expect(await read(weth)).to.deep.equal([wad(3_010), Status.Live]);
      await ethFeed.setMode(Mode.Normal);
      await ethFeed.updateAnswer(usd8(5));
      expect(await read(weth)).to.deep.equal([wad(3_010), Status.Live]);
    });

    it("reports the worse status when both are unusable", async () => {
      await time.increase(HEARTBEAT + 1n); // both stale
      await expectRejected(weth, Status.Stale);
      await secondary.setMode(Mode.Malformed); // stale + failed
      await expectRejected(weth, Status.Failed);
      await secondary.setMode(Mode.Normal);
      await ethFeed.updateAnswer(usd8(5)); // out of bounds + stale
      await expectRejected(weth, Status.OutOfBounds);
    });

    it("is subject to the circuit breaker", async () => {
      await ethFeed.setMode(Mode.Revert);
      await secondary.updateAnswer(wad(5_000));
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "CircuitBreakerTripped")
        .withArgs(weth, wad(3_000), wad(5_000), wad("0.666666666666666666"));
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
    });
  });

  describe("sequencer uptime feed", () => {
    let sequencer: MockAggregator;
    let l1Oracle: OracleAdapter;

    beforeEach(async () => {
      sequencer = await newFeed(0, 0n, "L2 Sequencer Uptime");
      const now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now - 2n * GRACE); // up for two grace periods
      // The rest of this block reads prices through an L2 deployment of the adapter.
      l1Oracle = oracle;
      oracle = await deployL2Oracle(sequencer);
      expect([await oracle.sequencerFeed(), await oracle.sequencerGracePeriod()]).to.deep.equal([
        await sequencer.getAddress(),
        GRACE,
      ]);
    });

    afterEach(() => {
      oracle = l1Oracle;
    });

    it("is live when the sequencer has been up longer than the grace period", async () => {
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Live]);
    });

    it("reads SequencerGrace, not SequencerDown, when the sequencer came up in this very second", async () => {
      const t = BigInt(await time.latest()) + 10n;
      await sequencer.updateRoundData(0, t, t); // up since t: a start stamped now is not in the future
      await time.setNextBlockTimestamp(t);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "PriceRejected").withArgs(weth, Status.SequencerGrace);
    });

    it("reads SequencerDown when the sequencer is down (answer 1), whatever the price feed says", async () => {
      const now = BigInt(await time.latest());
      await sequencer.updateRoundData(1, now, now);
      await ethFeed.updateAnswer(usd8(3_100));
      await expectRejected(weth, Status.SequencerDown);
    });

    it("reads SequencerGrace inside the grace period after coming back up, live after it", async () => {
      const now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now);
      await expectRejected(weth, Status.SequencerGrace);
      await time.setNextBlockTimestamp(now + GRACE);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "PriceRejected").withArgs(weth, Status.SequencerGrace);
      await time.increase(1);
      await ethFeed.updateAnswer(usd8(3_001));
      expect(await read(weth)).to.deep.equal([wad(3_001), Status.Live]);
    });

    it("reads SequencerDown when its feed is broken or nonsensical", async () => {
      const now = BigInt(await time.latest());
      for (const mode of [Mode.Revert, Mode.BurnGas, Mode.Malformed]) {
        await sequencer.setMode(mode);
        await expectRejected(weth, Status.SequencerDown);
      }
      await sequencer.setMode(Mode.Normal);
      await sequencer.updateRoundData(2, now, now - 2n * GRACE); // neither up nor down
      await expectRejected(weth, Status.SequencerDown);
      await sequencer.updateRoundData(0, now, 0); // startedAt 0
      await expectRejected(weth, Status.SequencerDown);
      await sequencer.updateRoundData(0, now, now + 100n); // status change in the future
      await expectRejected(weth, Status.SequencerDown);
    });

    it("validates the constructor: grace bounds, a broken feed, no grace period on L1", async () => {
      const factory = await ethers.getContractFactory("OracleAdapter");
      const addr = await sequencer.getAddress();
      const admin = (await ethers.getSigners())[0].address;
      await expect(factory.deploy(admin, addr, 299))
        .to.be.revertedWithCustomError(factory, "OutOfBounds")
        .withArgs(299, 300, 86_400);
      await expect(factory.deploy(admin, addr, 86_401))
        .to.be.revertedWithCustomError(factory, "OutOfBounds")
        .withArgs(86_401, 300, 86_400);
      const broken = await newFeed(0, 0n);
      await broken.setMode(Mode.Revert);
      await expect(factory.deploy(admin, await broken.getAddress(), GRACE))
        .to.be.revertedWithCustomError(factory, "InvalidFeed")
        .withArgs(await broken.getAddress());
      await expect(factory.deploy(admin, alice.address, GRACE))
        .to.be.revertedWithCustomError(factory, "InvalidFeed")
        .withArgs(alice.address);
      await expect(factory.deploy(admin, ZeroAddress, GRACE))
        .to.be.revertedWithCustomError(factory, "OutOfBounds")
        .withArgs(GRACE, 0, 0);
      await expect(factory.deploy(ZeroAddress, addr, GRACE)).to.be.revertedWithCustomError(factory, "ZeroAddress");
      // The deployed L1 adapter has no sequencer check: a "down" answer on some feed changes nothing.
      await sequencer.updateRoundData(1, await time.latest(), await time.latest());
      expect([await l1Oracle.sequencerFeed(), await l1Oracle.sequencerGracePeriod()]).to.deep.equal([ZeroAddress, 0n]);
      expect([...(await l1Oracle.getPrice(weth))]).to.deep.equal([wad(3_000), Status.Live]);
    });
  });

  describe("round history: volatility", () => {
    /** The stored history as the model's starting point. */
    const modelOf = async (asset: string) => new HistoryModel(await oracle.roundHistory(asset));
    /** A new round of `feed` `dt` seconds after the previous block; returns its timestamp. */
    const round = async (feed: MockAggregator, price: number | string, dt = 60) => {
      await time.increase(dt - 1);
      await feed.updateAnswer(usd8(price));
      return (await feed.latestRoundData())[3];
    };

    it("follows V ← (τ·V + r²) / (τ + dt) round by round, volatility = ⌈√(V · year)⌉, and emits RoundsProcessed", async () => {
      expect(await oracle.volatility(weth)).to.equal(0n);
      const model = await modelOf(weth);
      for (const [price, dt] of [
        [3_030, 3_600],
        [3_000, 600],
        [3_060, 7_200],
        [2_990, 60],
        [3_000, 90_000],
      ] as const) {
        const at = await round(ethFeed, price, dt);
        model.observe(wad(price), at);
        const roundId = (await ethFeed.latestRoundData())[0];
        await expect(oracle.recordPrice(weth))
          .to.emit(oracle, "RoundsProcessed")
          .withArgs(weth, roundId, 1n, model.variance);
        const h = await oracle.roundHistory(weth);
        expect([h.lastRoundId, h.lastPrice, h.lastUpdatedAt, h.varianceRate]).to.deep.equal([
          roundId,
          wad(price),
          at,
          model.variance,
        ]);
        expect(await oracle.volatility(weth)).to.equal(annualised(model.variance));
      }
      expect(await oracle.volatility(weth)).to.be.greaterThan(0n);
    });

    it("processes every round since the last one whoever records and whenever: the same state at any cadence", async () => {
      const prices = [3_010, 2_980, 3_050, 3_000, 2_950, 3_020, 3_040, 2_990, 3_000, 3_030];
      const snap = await takeSnapshot();
      const t0 = BigInt(await time.latest()) + 100n;
      const run = async (recordEvery: number) => {
        for (let i = 0; i < prices.length; i++) {
          await time.setNextBlockTimestamp(t0 + 60n * BigInt(i));
          await ethFeed.updateAnswer(usd8(prices[i]));
          if ((i + 1) % recordEvery === 0) await oracle.recordPrice(weth);
        }
        await time.setNextBlockTimestamp(t0 + 60n * BigInt(prices.length) + 30n);
        await oracle.recordPrice(weth);
        return ((await oracle.roundHistory(weth)) as unknown as Result).toObject();
      };
      const model = await modelOf(weth);
      const everyRound = await run(1);
      await snap.restore();
      // The views walk the unrecorded rounds: before anyone records, they already read the end state.
      for (let i = 0; i < prices.length; i++) {
        await time.setNextBlockTimestamp(t0 + 60n * BigInt(i));
        await ethFeed.updateAnswer(usd8(prices[i]));
        model.observe(wad(prices[i]), t0 + 60n * BigInt(i));
      }
      expect(await oracle.volatility(weth)).to.equal(annualised(model.variance));
      await snap.restore();
      const once = await run(prices.length + 1);
      await snap.restore();
      const everyThird = await run(3);
      expect(once).to.deep.equal(everyRound);
      expect(everyThird).to.deep.equal(everyRound);
      expect(everyRound.varianceRate).to.equal(model.variance);
      expect(everyRound.lastPrice).to.equal(wad(3_030));
    });

    it("reads at most MAX_ROUNDS_PER_WALK rounds: the older gap counts as one return", async () => {
      const model = await modelOf(weth);
      const start = (await ethFeed.latestRoundData())[0];
      const rounds: [bigint, bigint][] = [];
      for (let i = 0; i < MAX_WALK + 6; i++) {
        const price = wad(3_000 + (i % 2 === 0 ? 30 : -30));
        await ethFeed.updateAnswer(price / 10n ** 10n);
        rounds.push([price, (await ethFeed.latestRoundData())[3]]);
      }
      // Rounds start+1 … start+6 are never read: the first round read is compared with the last
      // processed price over the whole gap.
      for (const [price, at] of rounds.slice(6)) model.observe(price, at);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "RoundsProcessed")
        .withArgs(weth, start + BigInt(MAX_WALK) + 6n, BigInt(MAX_WALK), model.variance);
      expect((await oracle.roundHistory(weth)).varianceRate).to.equal(model.variance);
    });

    it("skips a reverting, malformed, gas-burning or unknown round; a walk starved of gas reverts InsufficientGas", async () => {
      const model = await modelOf(weth);
      const first = (await ethFeed.latestRoundData())[0] + 1n;
      const prices = [3_010, 3_020, 3_030, 3_040, 3_050];
      const ats: bigint[] = [];
      for (const p of prices) ats.push(await round(ethFeed, p));
      await ethFeed.setRoundMode(first, Mode.Revert);
      await ethFeed.setRoundMode(first + 1n, Mode.Malformed);
      await ethFeed.setRoundMode(first + 2n, Mode.BurnGas);
      [3, 4].forEach((i) => model.observe(wad(prices[i]), ats[i]));
      // With too little gas for the burning round to be the feed's own failure: refused, nothing stored.
      const before = await oracle.roundHistory(weth);
      await expect(s.gasCaller.volatilityWithGas(oracle, weth, 105_000))
        .to.be.revertedWithCustomError(oracle, "InsufficientGas")
        .withArgs((g: bigint) => g < 110_000n, 110_000n);
      await expect(s.gasCaller.recordPriceWithGas(oracle, weth, 105_000)).to.be.revertedWithCustomError(
        oracle,
        "InsufficientGas",
      );
      expect(await oracle.roundHistory(weth)).to.deep.equal(before);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "RoundsProcessed")
        .withArgs(weth, first + 4n, 2n, model.variance);
      // getRoundData of a round the feed does not know reverts (Chainlink "No data present").
      await expect(ethFeed.getRoundData(first + 99n)).to.be.revertedWithCustomError(ethFeed, "NoDataPresent");
    });

    it("treats a phase change as a gap: the new phase's first round is one return from the last processed price", async () => {
      const model = await modelOf(weth);
      await round(ethFeed, 3_010);
      await ethFeed.startPhase(2);
      const at1 = await round(ethFeed, 3_100);
      const at2 = await round(ethFeed, 3_050);
      expect((await ethFeed.latestRoundData())[0]).to.equal((2n << 64n) | 2n);
      // The 3,010 round of phase 1 is skipped; phase 2 is read from its first round.
      model.observe(wad(3_100), at1);
      model.observe(wad(3_050), at2);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "RoundsProcessed")
        .withArgs(weth, (2n << 64n) | 2n, 2n, model.variance);
    });

    it("ignores rounds out of the price bounds or stamped no later than the last processed one", async () => {
      const model = await modelOf(weth);
      const at = await round(ethFeed, 3_020);
      await round(ethFeed, 5); // below minPrice ($10)
      await ethFeed.updateRoundData(usd8(3_900), at, at); // not after the 3,020 round
      const last = await round(ethFeed, 3_040);
      model.observe(wad(3_020), at);
      model.observe(wad(3_040), last);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "RoundsProcessed")
        .withArgs(weth, (await ethFeed.latestRoundData())[0], 2n, model.variance);
    });

    it("a new primary feed restarts the walk at its latest round, from the asset's last price", async () => {
      await round(ethFeed, 3_020);
      await oracle.recordPrice(weth);
      const model = await modelOf(weth);
      const replacement = await newFeed(8, usd8(3_050));
      for (let i = 0; i < 4; i++) await replacement.updateAnswer(usd8(3_060 + i));
      await gov.setFeed(weth, await wethParams({ primaryFeed: await replacement.getAddress() }));
      expect((await oracle.roundHistory(weth)).lastRoundId).to.equal(0n);
      const at = (await replacement.latestRoundData())[3];
      model.observe(wad(3_063), at);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "RoundsProcessed").withArgs(weth, 5n, 1n, model.variance);
    });

    it("caps a return of more than 100x and saturates V, so the estimate cannot overflow", async () => {
      const feed = await newFeed(18, 1n);
      await setNewAsset(feed, ZeroAddress, { minPrice: 1n, maxPrice: 2n ** 128n - 1n, maxDeviation: wad(1) });
      await oracle.recordPrice(NEW_ASSET);
      const model = await modelOf(NEW_ASSET);
      for (const price of [2n ** 128n - 1n, 1n, 2n ** 128n - 1n]) {
        await time.increase(1);
        await feed.updateAnswer(price);
        model.observe(price, (await feed.latestRoundData())[3]);
        await oracle.recordPrice(NEW_ASSET);
      }
      const h = await oracle.roundHistory(NEW_ASSET);
      expect(h.varianceRate).to.equal(model.variance);
      expect(h.varianceRate).to.be.greaterThan(0n);
      // The range saturates at 2^96 − 1.
      expect(h.high).to.equal(UINT96_MAX);
      expect(await oracle.volatility(NEW_ASSET)).to.equal(annualised(model.variance));
    });
  });

  describe("round history: price range", () => {
    /** priceReport as a plain object. */
    const stats = async (asset: string) => ((await oracle.priceReport(asset)) as unknown as Result).toObject();
    /** Moves to `at` (an absolute time), publishes `price`. */
    const roundAt = async (feed: MockAggregator, at: bigint, price: number) => {
      await time.setNextBlockTimestamp(at);
      await feed.updateAnswer(usd8(price));
    };

    it("reports the prices in force from the start of the previous bucket, counting the price carried into each", async () => {
      const model = new HistoryModel(await oracle.roundHistory(weth));
      const hour = (BigInt(await time.latest()) / BUCKET + 1n) * BUCKET; // the next bucket boundary
      const path: [bigint, number][] = [
        [hour + 600n, 2_900], // bucket b: carried 3,000, low 2,900
        [hour + 1_200n, 3_300],
        [hour + BUCKET + 60n, 3_100], // bucket b+1 carries 3,300
        [hour + 3n * BUCKET + 10n, 3_150], // b+2 had no round: 3,100 in force throughout
      ];
      const checks: bigint[] = [hour + 900n, hour + 1_800n, hour + BUCKET + 120n, hour + 3n * BUCKET + 20n];
      for (let i = 0; i < path.length; i++) {
        const [at, price] = path[i];
        await roundAt(ethFeed, at, price);
        model.observe(wad(price), at);
        if (i % 2 === 0) await oracle.recordPrice(weth); // half of them recorded: it makes no difference
        await time.setNextBlockTimestamp(checks[i]);
        await ethers.provider.send("evm_mine", []);
        const st = await stats(weth);
        expect([st.low, st.high], `after round ${i}`).to.deep.equal(model.range(checks[i]));
        expect([st.latestPrice, st.latestUpdatedAt]).to.deep.equal([wad(price), at]);
        expect([st.price, st.status]).to.deep.equal([...(await oracle.getPrice(weth))]);
        expect(st.volatility).to.equal(annualised(model.variance));
        // Spelled out: just after the 3,100 round of the next bucket, the 2,900 low and 3,300 top of the
        // bucket before still count.
        if (i === 2) expect([st.low, st.high]).to.deep.equal([wad(2_900), wad(3_300)]);
      }
      // Two buckets after the last round only the price in force remains.
      await time.increase(2n * BUCKET);
      const st = await stats(weth);
      expect([st.low, st.high]).to.deep.equal([wad(3_150), wad(3_150)]);
    });

    it("counts a round that froze the oracle, recorded or not, while getPrice reports the last good price", async () => {
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(2_100)); // −30 %: beyond maxDeviation
      for (const recorded of [false, true]) {
        if (recorded) await expect(oracle.recordPrice(weth)).to.emit(oracle, "CircuitBreakerTripped");
        const st = await stats(weth);
        expect([st.price, st.status, st.low, st.high, st.latestPrice]).to.deep.equal([
          wad(3_000),
          Status.Frozen,
          wad(2_100),
          wad(3_000),
          wad(2_100),
        ]);
      }
    });
  });

  describe("reference age", () => {
    const HOUR = 3_600n;
    /** Hourly rounds from `from` to `to` (geometric), nobody recording; returns the last round's time. */
    const drift = async (from: number, to: number, hours: number) => {
      for (let i = 1; i <= hours; i++) {
        await time.increase(HOUR - 1n);
        await ethFeed.updateAnswer(usd8((from * Math.pow(to / from, i / hours)).toFixed(8)));
      }
      return (await ethFeed.latestRoundData())[3];
    };

    it("after a quiet week a fresh round that continues the feed's own path is live at once", async () => {
      await drift(3_000, 2_100, 7 * 24); // −30 % over a week, nobody recording
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(1_900)); // the crash round: −9.5 % from the previous round
      expect(await read(weth)).to.deep.equal([wad(1_900), Status.Live]);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "PriceRecorded")
        .and.not.to.emit(oracle, "CircuitBreakerTripped");
      expect(await state(weth)).to.include({ lastGoodPrice: wad(1_900), frozen: false });
    });

    it("a single-round jump still freezes, from a fresh reference and from an old one", async () => {
      // Fresh reference (the last good round is the previous round): −30 % in one round.
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(2_100));
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
      await ethFeed.updateAnswer(usd8(3_000)); // back
      await oracle.recordPrice(weth);
      // Old reference, then a jump within one round: the previous round is 3,000 too.
      await drift(3_000, 3_000, 30);
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(2_100));
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "CircuitBreakerTripped");
    });

    it("a previous round exactly at the floor or the ceiling counts (the bounds are inclusive); one unit outside does not", async () => {
      for (const [previous, latest, expected] of [
        [usd8(1), usd8("1.1"), Status.Live],
        [usd8(1) - 1n, usd8("1.1"), Status.Frozen],
        [usd8(1_000_000), usd8(900_000), Status.Live],
        [usd8(1_000_000) + 1n, usd8(900_000), Status.Frozen],
      ] as const) {
        const feed = await newFeed(8, usd8(2));
        await gov.setFeed(NEW_ASSET, feedParams(await feed.getAddress(), NEW_PARAMS)); // floor $1
        await oracle.recordPrice(NEW_ASSET); // reference $2
        await time.increase(2n * HOUR); // the reference is older than maxReferenceAge
        await feed.updateAnswer(previous); // the previous round: at a bound, or just outside it
        await time.increase(60);
        await feed.updateAnswer(latest); // far from the $2 reference, within 10 % of the previous round
        expect((await oracle.getPrice(NEW_ASSET))[1]).to.equal(expected);
      }
    });

    it("applies from maxReferenceAge + 1 s on the reading's timestamp", async () => {
      const ref = (await oracle.priceState(weth)).lastGoodUpdatedAt;
      const age = BigInt(networkConfig(hre.network.name).collaterals.WETH.feed.maxReferenceAge);
      await time.setNextBlockTimestamp(ref + age - 60n);
      await ethFeed.updateAnswer(usd8(2_400)); // −20 %: within maxDeviation, not recorded
      await time.setNextBlockTimestamp(ref + age);
      await ethFeed.updateAnswer(usd8(2_200)); // −26.7 % from the reference, −8.3 % from its previous round
      expect((await oracle.getPrice(weth))[1]).to.equal(Status.Frozen); // exactly maxReferenceAge: not old
      await time.setNextBlockTimestamp(ref + age + 1n);
      await ethFeed.updateAnswer(usd8(2_200));
      expect(await read(weth)).to.deep.equal([wad(2_200), Status.Live]);
    });

    it("while frozen with an old pending price, a round that agrees with its previous round confirms", async () => {
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(2_100));
      await oracle.recordPrice(weth); // frozen, pending 2,100
      await drift(2_100, 1_500, 5); // nobody records
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(1_480));
      expect(await read(weth)).to.deep.equal([wad(1_480), Status.Live]);
      await expect(oracle.recordPrice(weth)).to.emit(oracle, "CircuitBreakerCleared").withArgs(weth, wad(1_480), false);
    });

    it("freezes as before when there is no usable previous round", async () => {
      const snap = await takeSnapshot();
      const cases: [string, () => Promise<unknown>][] = [
        ["the crash opens a new phase", () => ethFeed.startPhase(3)],
        ["the round before it reverts", async () => ethFeed.setRoundMode(await ethFeed.latestRound(), Mode.Revert)],
        ["the round before it is out of bounds", () => ethFeed.updateAnswer(usd8(5))],
      ];
      for (const [what, breakIt] of cases) {
        await drift(3_000, 2_100, 30); // an old reference: nobody recorded for 30 hours
        await breakIt();
        await time.increase(60);
        await ethFeed.updateAnswer(usd8(1_900));
        expect(await read(weth), what).to.deep.equal([wad(3_000), Status.Frozen]);
        await snap.restore();
      }
      // Without breaking anything the same crash is live.
      await drift(3_000, 2_100, 30);
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(1_900));
      expect(await read(weth)).to.deep.equal([wad(1_900), Status.Live]);
    });

    it("a quiet week, a 30 % drift and a crash: liquidations work in the first block with the fresh round", async () => {
      const sys = await loadSystem();
      const { vaultManager: vm, engine, keeper } = sys;
      const wethAddr = await sys.weth.getAddress();
      // 10 WETH against 19,000 BDOL: liquidatable below 2,850 (LR 150 %).
      const id = await openVault(sys, sys.alice, sys.weth, wad(10), wad(13_000));
      for (let i = 1; i <= 7 * 24; i++) {
        await time.increase(HOUR - 1n);
        await sys.ethFeed.updateAnswer(usd8((3_000 * Math.pow(0.7, i / (7 * 24))).toFixed(8)));
        await sys.usdcFeed.updateAnswer(usd8(1)); // other feeds keep beating
        if (i % 20 === 0) {
          await sys.btcFeed.updateAnswer(usd8(60_000));
          await sys.wbtcBtcFeed.updateAnswer(usd8(1));
        }
      }
      await time.increase(60);
      await sys.ethFeed.updateAnswer(usd8(1_800)); // the crash round
      expect([...(await sys.oracle.getPrice(wethAddr))]).to.deep.equal([wad(1_800), Status.Live]);
      expect(await vm.healthFactor(id)).to.be.lessThan(WAD);
      await expect(engine.connect(keeper).liquidate(id, keeper.address)).to.emit(engine, "Liquidated");
    });
  });

  describe("composite feeds (WBTC = BTC/USD × WBTC/BTC)", () => {
    let wbtcBtc: MockAggregator;
    let wbtc: string;
    const RATIO_HEARTBEAT = BigInt(networkConfig(hre.network.name).collaterals.WBTC.feed.ratio!.heartbeat);

    beforeEach(async () => {
      ({ wbtcBtcFeed: wbtcBtc, wbtc } = s);
    });

    it("prices the asset as the USD leg times the ratio leg, rounding down", async () => {
      expect(await read(wbtc)).to.deep.equal([wad(60_000), Status.Live]);
      await time.increase(60);
      await wbtcBtc.updateAnswer(usd8("0.93333333"));
      expect(await read(wbtc)).to.deep.equal([(wad(60_000) * 93_333_333n) / 10n ** 8n, Status.Live]);
      // A new round of the ratio leg alone is a new reading, stamped with its own time.
      await expect(oracle.recordPrice(wbtc))
        .to.emit(oracle, "PriceRecorded")
        .withArgs(wbtc, (wad(60_000) * 93_333_333n) / 10n ** 8n, (await wbtcBtc.latestRoundData())[3]);
    });

    it("each leg has its own heartbeat: a stale WBTC/BTC leg reads stale whatever BTC/USD says", async () => {
      const ratioAt = (await wbtcBtc.latestRoundData())[3];
      await time.setNextBlockTimestamp(ratioAt + RATIO_HEARTBEAT);
      await s.btcFeed.updateAnswer(usd8(61_000));
      expect(await read(wbtc)).to.deep.equal([wad(61_000), Status.Live]); // exactly the heartbeat: live
      await time.setNextBlockTimestamp(ratioAt + RATIO_HEARTBEAT + 1n);
      await s.btcFeed.updateAnswer(usd8(61_000)); // the USD leg is fresh
      await expectRejected(wbtc, Status.Stale);
    });

    it("the worse status of the two legs wins", async () => {
      await wbtcBtc.setMode(Mode.Revert); // ratio failed, USD live
      await expectRejected(wbtc, Status.Failed);
      await wbtcBtc.setMode(Mode.Normal);
      await wbtcBtc.updateAnswer(usd8("1.3")); // ratio above maxRatio 1.2
      await expectRejected(wbtc, Status.OutOfBounds);
      await time.increase(HEARTBEAT + 1n); // and the USD leg stale: OutOfBounds is worse
      await expectRejected(wbtc, Status.OutOfBounds);
      await wbtcBtc.setMode(Mode.Malformed); // stale USD leg, failed ratio leg
      await expectRejected(wbtc, Status.Failed);
    });

    it("a ratio jump trips the breaker; with an old reference the ratio's own previous round is judged", async () => {
      await time.increase(60);
      await wbtcBtc.updateAnswer(usd8("0.7")); // −30 % in one round
      expect(await read(wbtc)).to.deep.equal([wad(60_000), Status.Frozen]);
      await wbtcBtc.updateAnswer(usd8(1));
      await oracle.recordPrice(wbtc);
      // The BTC leg drifts −30 % over two days nobody records, then WBTC/BTC moves 2 %: live at once.
      for (let i = 1; i <= 48; i++) {
        await time.increase(3_599);
        await s.btcFeed.updateAnswer(usd8((60_000 * Math.pow(0.7, i / 48)).toFixed(8)));
        if (i % 20 === 0) await wbtcBtc.updateAnswer(usd8(1));
      }
      await time.increase(60);
      await wbtcBtc.updateAnswer(usd8("0.98"));
      const btc = (await s.btcFeed.latestRoundData())[1];
      expect(await read(wbtc)).to.deep.equal([(btc * 10n ** 10n * 98n) / 100n, Status.Live]);
    });

    it("the round walk merges both legs by time (a WBTC/BTC round alone moves the history), and waits while the ratio is unusable", async () => {
      const model = new HistoryModel(await oracle.roundHistory(wbtc));
      const btcBefore = (await s.btcFeed.latestRoundData())[1] * 10n ** 10n;
      await time.increase(60);
      await wbtcBtc.updateAnswer(usd8("0.9"));
      // The ratio's round is a price of its own: BTC/USD in force × 0.9 at the ratio's time.
      model.observe((btcBefore * 9n) / 10n, (await wbtcBtc.latestRoundData())[3]);
      await time.increase(60);
      await s.btcFeed.updateAnswer(usd8(62_000));
      model.observe((wad(62_000) * 9n) / 10n, (await s.btcFeed.latestRoundData())[3]);
      expect((await oracle.priceReport(wbtc)).latestPrice).to.equal(wad(55_800));
      await oracle.recordPrice(wbtc);
      const h = await oracle.roundHistory(wbtc);
      expect(h.varianceRate).to.equal(model.variance);
      expect(h.lastRatioRoundId).to.equal((await wbtcBtc.latestRoundData())[0]);
      // A ratio round alone (BTC/USD unchanged) is walked and recorded by itself.
      await time.increase(60);
      await wbtcBtc.updateAnswer(usd8("0.95"));
      model.observe((wad(62_000) * 95n) / 100n, (await wbtcBtc.latestRoundData())[3]);
      await expect(oracle.recordPrice(wbtc)).to.emit(oracle, "RoundsProcessed");
      expect((await oracle.roundHistory(wbtc)).varianceRate).to.equal(model.variance);
      expect((await oracle.roundHistory(wbtc)).lastPrice).to.equal(wad(58_900));
      // A broken ratio leg: nothing is processed until it answers again.
      await wbtcBtc.setMode(Mode.Revert);
      await time.increase(60);
      await s.btcFeed.updateAnswer(usd8(63_000));
      const before = await oracle.roundHistory(wbtc);
      await oracle.recordPrice(wbtc);
      expect(await oracle.roundHistory(wbtc)).to.deep.equal(before);
    });

    it("rounds of both legs with one timestamp are one price; rounds of both legs since the last walk start from the last processed values", async () => {
      const model = new HistoryModel(await oracle.roundHistory(wbtc));
      const t = BigInt(await time.latest()) + 60n;
      await wbtcBtc.updateRoundData(usd8("0.9"), t, t);
      await s.btcFeed.updateRoundData(usd8(62_000), t, t);
      model.observe((wad(62_000) * 9n) / 10n, t); // once, not 60,000 × 0.9 then 62,000 × 0.9
      await time.setNextBlockTimestamp(t + 1n);
      await oracle.recordPrice(wbtc);
      let h = await oracle.roundHistory(wbtc);
      expect([h.lastPrice, h.lastUpdatedAt, h.varianceRate]).to.deep.equal([wad(55_800), t, model.variance]);
      // Interleaved rounds of both legs, walked in one call: ratio, BTC, ratio.
      await wbtcBtc.updateRoundData(usd8("0.8"), t + 100n, t + 100n);
      await s.btcFeed.updateRoundData(usd8(61_000), t + 200n, t + 200n);
      await wbtcBtc.updateRoundData(usd8("0.85"), t + 300n, t + 300n);
      model.observe((wad(62_000) * 8n) / 10n, t + 100n);
      model.observe((wad(61_000) * 8n) / 10n, t + 200n);
      model.observe((wad(61_000) * 85n) / 100n, t + 300n);
      await time.setNextBlockTimestamp(t + 301n);
      await expect(oracle.recordPrice(wbtc))
        .to.emit(oracle, "RoundsProcessed")
        .withArgs(wbtc, anyValue, 3n, model.variance);
      h = await oracle.roundHistory(wbtc);
      expect([h.lastPrice, h.low, h.high]).to.deep.equal([wad(51_850), model.low, model.high]);
      expect(model.low).to.equal(wad(48_800));
    });

    it("WBTC at 0.9 BTC makes a WBTC vault liquidatable at the composite price", async () => {
      const sys = await loadSystem();
      const { vaultManager: vm, engine, keeper } = sys;
      const wbtcAddr = await sys.wbtc.getAddress();
      // 1 WBTC at $60,000 against 37,000 BDOL: health 60,000 / (37,000 × 1.5) = 1.08.
      const id = await openVault(sys, sys.alice, sys.wbtc, 10n ** 8n, wad(37_000));
      expect(await vm.healthFactor(id)).to.be.greaterThan(WAD);
      await expect(engine.connect(keeper).liquidate(id, keeper.address)).to.be.revertedWithCustomError(
        vm,
        "VaultNotLiquidatable",
      );
      await time.increase(60);
      await sys.wbtcBtcFeed.updateAnswer(usd8("0.9")); // a custody failure: WBTC at 0.9 BTC
      expect([...(await sys.oracle.getPrice(wbtcAddr))]).to.deep.equal([wad(54_000), Status.Live]);
      expect(await vm.healthFactor(id)).to.be.lessThan(WAD); // 54,000 / 55,500
      await expect(engine.connect(keeper).liquidate(id, keeper.address)).to.emit(engine, "Liquidated");
    });
  });

  describe("setFeed", () => {
    let feed: MockAggregator;
    let feedAddr: string;
    const call = (o: Partial<FeedParams & { asset: string }> = {}) => {
      const { asset, ...rest } = { asset: NEW_ASSET, ...o };
      return gov.setFeed(asset, feedParams(feedAddr, { ...NEW_PARAMS, ...rest }));
    };

    beforeEach(async () => {
      feed = await newFeed(8, usd8(100));
      feedAddr = await feed.getAddress();
    });

    it("stores the configuration and emits FeedConfigured with the old and the new configuration", async () => {
      const secondary = await newFeed(6, 100n * 10n ** 6n);
      const secondaryAddr = await secondary.getAddress();
      const ratio = await newFeed(18, wad(1));
      const ratioAddr = await ratio.getAddress();
      const none = [ethers.ZeroAddress, 0n, 0n, 0n, 0n, 0n, ethers.ZeroAddress, 0n, 0n];
      const noRatio = [ethers.ZeroAddress, 0n, 0n, 0n, 0n];
      const config = [feedAddr, wad("0.25"), 3600n, 8n, wad(1), wad(1_000_000), secondaryAddr, 6n, 3600n];
      await expect(call({ secondaryFeed: secondaryAddr }))
        .to.emit(oracle, "FeedConfigured")
        .withArgs(NEW_ASSET, none, config, noRatio, noRatio);
      expect(((await oracle.feedConfig(NEW_ASSET)) as unknown as Result).toObject()).to.deep.equal({
        primaryFeed: feedAddr,
        maxDeviation: wad("0.25"),
        heartbeat: 3600n,
        primaryDecimals: 8n,
        minPrice: wad(1),
        maxPrice: wad(1_000_000),
        secondaryFeed: secondaryAddr,
        secondaryDecimals: 6n,
        maxReferenceAge: 3600n,
      });
      await expect(
        call({
          secondaryFeed: secondaryAddr,
          ratioFeed: ratioAddr,
          ratioHeartbeat: 86_400,
          minRatio: wad("0.5"),
          maxRatio: wad(2),
        }),
      )
        .to.emit(oracle, "FeedConfigured")
        .withArgs(NEW_ASSET, config, config, noRatio, [ratioAddr, 86_400n, 18n, wad("0.5"), wad(2)]);
      expect((await oracle.priceState(NEW_ASSET)).composite).to.equal(true);
      expect(await read(NEW_ASSET)).to.deep.equal([wad(100), Status.Live]);
      await call({ secondaryFeed: secondaryAddr }); // back to a single feed
      expect((await oracle.priceState(NEW_ASSET)).composite).to.equal(false);
      expect(await oracle.assets()).to.deep.equal([s.weth, s.wbtc, s.usdc, s.bdol, NEW_ASSET]);
    });

    it("rejects a non-admin caller", async () => {
      await expect(oracle.connect(alice).setFeed(NEW_ASSET, feedParams(feedAddr)))
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, ZeroHash);
    });

    it("rejects zero addresses and feeds that repeat", async () => {
      const other = await (await newFeed(8, usd8(1))).getAddress();
      await expect(call({ asset: ZeroAddress })).to.be.revertedWithCustomError(oracle, "ZeroAddress");
      await expect(call({ primaryFeed: ZeroAddress })).to.be.revertedWithCustomError(oracle, "ZeroAddress");
      await expect(call({ secondaryFeed: feedAddr }))
        .to.be.revertedWithCustomError(oracle, "InvalidFeed")
        .withArgs(feedAddr);
      const ratio = { ratioHeartbeat: 3600, minRatio: wad("0.5"), maxRatio: wad(2) };
      await expect(call({ ...ratio, ratioFeed: feedAddr }))
        .to.be.revertedWithCustomError(oracle, "InvalidFeed")
        .withArgs(feedAddr);
      await expect(call({ ...ratio, secondaryFeed: other, ratioFeed: other }))
        .to.be.revertedWithCustomError(oracle, "InvalidFeed")
        .withArgs(other);
    });

    it("checks every bound", async () => {
      const ratioFeed = await (await newFeed(8, usd8(1))).getAddress();
      const ratio = { ratioFeed, ratioHeartbeat: 3600, minRatio: wad("0.5"), maxRatio: wad(2) };
      const cases: [Partial<FeedParams>, bigint, bigint, bigint][] = [
        [{ heartbeat: 59 }, 59n, 60n, 172_800n],
        [{ heartbeat: 172_801 }, 172_801n, 60n, 172_800n],
        [{ maxDeviation: wad("0.01") - 1n }, wad("0.01") - 1n, wad("0.01"), wad(1)],
        [{ maxDeviation: wad(1) + 1n }, wad(1) + 1n, wad("0.01"), wad(1)],
        [{ maxReferenceAge: 59 }, 59n, 60n, 172_800n],
        [{ maxReferenceAge: 172_801 }, 172_801n, 60n, 172_800n],
        [{ ...ratio, ratioHeartbeat: 59 }, 59n, 60n, 172_800n],
        [{ ...ratio, ratioHeartbeat: 172_801 }, 172_801n, 60n, 172_800n],
      ];
      for (const [override, value, min, max] of cases) {
        await expect(call(override)).to.be.revertedWithCustomError(oracle, "OutOfBounds").withArgs(value, min, max);
      }
      await expect(call({ minPrice: 0n }))
        .to.be.revertedWithCustomError(oracle, "InvalidPriceBounds")
        .withArgs(0n, wad(1_000_000));
      await expect(call({ minPrice: wad(5), maxPrice: wad(5) }))
        .to.be.revertedWithCustomError(oracle, "InvalidPriceBounds")
        .withArgs(wad(5), wad(5));
      await expect(call({ minPrice: wad(6), maxPrice: wad(5) }))
        .to.be.revertedWithCustomError(oracle, "InvalidPriceBounds")
        .withArgs(wad(6), wad(5));
      for (const [minRatio, maxRatio] of [
        [0n, wad(2)],
        [wad(2), wad(2)],
        [wad(1), wad(1_000_000) + 1n],
      ]) {
        await expect(call({ ...ratio, minRatio, maxRatio }))
          .to.be.revertedWithCustomError(oracle, "InvalidRatioBounds")
          .withArgs(minRatio, maxRatio);
      }
      // Without a ratio feed every ratio field is 0.
      await expect(call({ maxRatio: wad(2) }))
        .to.be.revertedWithCustomError(oracle, "InvalidRatioBounds")
        .withArgs(0n, wad(2));
      await expect(call({ ratioHeartbeat: 3600 })).to.be.revertedWithCustomError(oracle, "InvalidRatioBounds");
      // The extremes themselves are accepted.
      await call({ heartbeat: 60, maxDeviation: wad("0.01"), maxReferenceAge: 60 });
      await call({ heartbeat: 172_800, maxDeviation: wad(1), maxReferenceAge: 172_800 });
      await call({ ...ratio, ratioHeartbeat: 60, minRatio: 1n, maxRatio: wad(1_000_000) });
    });

    it("rejects a feed that fails at configuration time", async () => {
      const bad: [string, () => Promise<MockAggregator | string>][] = [
        ["no code", async () => alice.address],
        // A token answers decimals() but not latestRoundData() (an empty revert) nor version().
        ["a token", async () => s.usdc],
        [
          "gas-burning",
          async () => {
            const f = await newFeed(8, usd8(1));
            await f.setMode(Mode.BurnGas);
            return f;
          },
        ],
        [
          "malformed",
          async () => {
            const f = await newFeed(8, usd8(1));
            await f.setMode(Mode.Malformed);
            return f;
          },
        ],
        ["zero answer", async () => newFeed(8, 0n)],
        ["negative answer", async () => newFeed(8, -1n)],
        ["37 decimals", async () => newFeed(37, 10n ** 37n)],
        [
          "future timestamp",
          async () => {
            const f = await newFeed(8, usd8(1));
            const now = BigInt(await time.latest());
            await f.updateRoundData(usd8(1), now + 1000n, now);
            return f;
          },
        ],
      ];
      const ratio = { ratioHeartbeat: 3600, minRatio: wad("0.5"), maxRatio: wad(2) };
      for (const [, make] of bad) {
        const f = await make();
        const addr = typeof f === "string" ? f : await f.getAddress();
        for (const role of [{ primaryFeed: addr }, { secondaryFeed: addr }, { ...ratio, ratioFeed: addr }]) {
          await expect(call(role), `${Object.keys(role)}: ${addr}`)
            .to.be.revertedWithCustomError(oracle, "InvalidFeed")
            .withArgs(addr);
        }
      }
      // 36 decimals is the limit; a stale feed can be configured (it reads Stale until it updates).
      await call({ primaryFeed: await (await newFeed(36, 10n ** 38n)).getAddress() });
      const stale = await newFeed(8, usd8(100));
      await time.increase(10_000);
      await call({ primaryFeed: await stale.getAddress() });
      expect((await oracle.getPrice(NEW_ASSET))[1]).to.equal(Status.Stale);
    });

    it("accepts a feed with no round yet (a revert with a reason, and version()): Failed until its first round", async () => {
      const f = await newFeed(8, usd8(100));
      await f.setMode(Mode.Revert);
      await expect(call({ primaryFeed: await f.getAddress() })).to.emit(oracle, "FeedConfigured");
      expect(await read(NEW_ASSET)).to.deep.equal([0n, Status.Failed]);
      await f.setMode(Mode.Normal);
      await f.updateAnswer(usd8(100));
      expect(await read(NEW_ASSET)).to.deep.equal([wad(100), Status.Live]);
    });

    it("rejects a no-op change", async () => {
      await call();
      await expect(call()).to.be.revertedWithCustomError(oracle, "NoChange");
    });

    it("lists at most MAX_ORACLE_ASSETS assets", async () => {
      const listed = (await oracle.assets()).length;
      for (let i = listed; i < 64; i++) {
        await call({ asset: ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(5_000 + i), 20)) });
      }
      expect((await oracle.assets()).length).to.equal(64);
      await expect(call()).to.be.revertedWithCustomError(oracle, "TooManyAssets").withArgs(64n);
      // An asset already listed can still be reconfigured.
      await gov.setFeed(weth, await wethParams({ maxDeviation: wad("0.2") }));
    });

    it("keeps the price state when feeds change, so a misconfigured new feed trips the breaker", async () => {
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(3_100));
      await oracle.recordPrice(weth);
      await ethFeed.updateAnswer(usd8(3_000));
      await oracle.recordPrice(weth);
      const before = await state(weth);
      const history = await oracle.roundHistory(weth);
      expect(history.varianceRate).to.be.greaterThan(0n);
      const replacement = await newFeed(18, wad(3_050));
      await gov.setFeed(weth, await wethParams({ primaryFeed: await replacement.getAddress() }));
      expect(await state(weth)).to.deep.equal(before);
      const after = await oracle.roundHistory(weth);
      expect([after.lastPrice, after.varianceRate, after.low, after.high]).to.deep.equal([
        history.lastPrice,
        history.varianceRate,
        history.low,
        history.high,
      ]);
      expect(await read(weth)).to.deep.equal([wad(3_050), Status.Live]);
      // A feed for the wrong asset, at a level inside the sanity bounds, trips the breaker.
      const wrongAsset = await newFeed(8, usd8(60_000));
      await gov.setFeed(weth, await wethParams({ primaryFeed: await wrongAsset.getAddress() }));
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
    });
  });
});

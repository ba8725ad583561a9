import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Result } from "ethers";
import { ZeroAddress, ZeroHash } from "ethers";
import { networkConfig } from "../../config/networks";
import { SECONDS_PER_YEAR, WAD, wad } from "../../config/units";
import deployOracle from "../../deploy/03_oracle";
import { adminOf } from "../helpers/fixtures";
import type { MockAggregator, OracleAdapter, OracleGasCaller } from "../../typechain-types";

/** `PriceStatus` in IOracleAdapter.sol. */
const Status = { Live: 0n, Stale: 1n, OutOfBounds: 2n, Frozen: 3n, Failed: 4n, SequencerDown: 5n, SequencerGrace: 6n };
/** `MockAggregator.Mode`. */
const Mode = { Normal: 0, Revert: 1, BurnGas: 2, Malformed: 3, ReturnBomb: 4 };

const HEARTBEAT = 3900n; // ETH feed heartbeat in config/networks.ts
const GRACE = 3600n;
/** A fresh asset key for feeds configured inside a test. */
const NEW_ASSET = ethers.getAddress("0x00000000000000000000000000000000000a55e7");
/** setFeed arguments for NEW_ASSET apart from the feeds. */
const NEW_PARAMS = {
  heartbeat: 3600,
  minPrice: wad(1),
  maxPrice: wad(1_000_000),
  maxDeviation: wad("0.25"),
  ewmaLambda: wad("0.94"),
};

/** 8-decimal feed answer. */
const usd8 = (value: number | string): bigint => ethers.parseUnits(String(value), 8);

/** Mirrors OracleAdapter._nextVarianceRate. */
function nextVarianceRate(varianceRate: bigint, lambda: bigint, last: bigint, price: bigint, dt: bigint): bigint {
  let r = ((price > last ? price - last : last - price) * WAD) / last;
  if (r > 100n * WAD) r = 100n * WAD;
  // MIN_VOLATILITY_INTERVAL: a move is never annualised over less than 10 minutes.
  const sample = (r * r) / WAD / (dt < 600n ? 600n : dt);
  return (lambda * varianceRate + (WAD - lambda) * sample) / WAD;
}

function sqrtDown(x: bigint): bigint {
  if (x === 0n) return 0n;
  let z = x;
  let y = x / 2n + 1n;
  while (y < z) {
    z = y;
    y = (x / y + y) / 2n;
  }
  return z;
}

const setup = deployments.createFixture(async () => {
  await deployments.fixture();
  const [deployer, alice, keeper] = await ethers.getSigners();
  const at = async <T>(contract: string, name: string): Promise<T> =>
    (await ethers.getContractAt(contract, (await deployments.get(name)).address)) as unknown as T;

  const oracle = await at<OracleAdapter>("OracleAdapter", "OracleAdapter");
  const gov = oracle.connect(await adminOf(oracle));
  const ethFeed = await at<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const btcFeed = await at<MockAggregator>("MockAggregator", "BTC_USD_FEED");
  const weth = (await deployments.get("WETH")).address;
  const wbtc = (await deployments.get("WBTC")).address;
  const usdc = (await deployments.get("USDC")).address;
  const bdol = (await deployments.get("BallastDollar")).address;
  const gasCaller = (await (await ethers.getContractFactory("OracleGasCaller")).deploy()) as unknown as OracleGasCaller;
  return { deployer, alice, keeper, oracle, gov, ethFeed, btcFeed, weth, wbtc, usdc, bdol, gasCaller };
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
    overrides: Partial<typeof NEW_PARAMS> = {},
  ) {
    const p = { ...NEW_PARAMS, ...overrides };
    return gov.setFeed(
      NEW_ASSET,
      await primary.getAddress(),
      secondary,
      p.heartbeat,
      p.minPrice,
      p.maxPrice,
      p.maxDeviation,
      p.ewmaLambda,
    );
  }

  /** A second adapter, as deployed on an L2: with a sequencer-uptime feed and WETH on the ETH feed. */
  async function deployL2Oracle(sequencer: MockAggregator): Promise<OracleAdapter> {
    const factory = await ethers.getContractFactory("OracleAdapter");
    const admin = (await ethers.getSigners())[0];
    const l2 = (await factory.deploy(admin.address, await sequencer.getAddress(), GRACE)) as unknown as OracleAdapter;
    const eth = networkConfig(hre.network.name).collaterals.WETH.feed;
    await l2
      .connect(admin)
      .setFeed(
        weth,
        await ethFeed.getAddress(),
        ZeroAddress,
        eth.heartbeat,
        eth.minPrice,
        eth.maxPrice,
        eth.maxDeviation,
        eth.ewmaLambda,
      );
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
        expect([cfg.minPrice, cfg.maxPrice, cfg.maxDeviation, cfg.ewmaLambda]).to.deep.equal([
          feed.minPrice,
          feed.maxPrice,
          feed.maxDeviation,
          feed.ewmaLambda,
        ]);
        expect((await oracle.priceState(asset)).lastGoodPrice).to.equal(price);
        expect(await read(asset)).to.deep.equal([price, Status.Live]);
      }
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
        await gov.setFeed(
          asset,
          await feed.getAddress(),
          ZeroAddress,
          3600,
          wad(1),
          wad(1_000_000),
          wad("0.25"),
          wad("0.94"),
        );
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
        .withArgs(NEW_ASSET, wad(777), updatedAt, 0n);
      const st = await oracle.priceState(NEW_ASSET);
      expect([st.lastGoodPrice, st.lastGoodUpdatedAt, st.frozen, st.varianceRate]).to.deep.equal([
        wad(777),
        updatedAt,
        false,
        0n,
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
      await gov.setFeed(
        weth,
        await ethFeed.getAddress(),
        await secondary.getAddress(),
        3900,
        wad(10),
        wad(1_000_000),
        wad("0.25"),
        wad("0.94"),
      );
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
      const firstRecord = await recordGas(); // variance slot goes from 0 to non-zero
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
        `      getPrice (cold, incl. the call): ${live} gas, ${withSequencer} with a sequencer feed; ` +
          `recordPrice tx: ${firstRecord} first variance, ${steadyRecord} steady, ${unchangedRecord} same round`,
      );
      // The vault manager's borrow budget is 90k in total; the oracle read must stay a small part of it.
      expect(live).to.be.lessThan(30_000n);
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
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "PriceRecorded")
        .withArgs(weth, wad(3_750), updatedAt, (v: bigint) => v > 0n);
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
      const before = await state(weth);
      const confirmAt = await jump(4_100);
      expect(await read(weth)).to.deep.equal([wad(4_100), Status.Live]);
      const variance = nextVarianceRate(
        before.varianceRate,
        wad("0.94"),
        wad(3_000),
        wad(4_100),
        confirmAt - before.lastGoodUpdatedAt,
      );
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "CircuitBreakerCleared")
        .withArgs(weth, wad(4_100), false)
        .and.to.emit(oracle, "PriceRecorded")
        .withArgs(weth, wad(4_100), confirmAt, variance);
      expect(await state(weth)).to.deep.equal({
        lastGoodPrice: wad(4_100),
        lastGoodUpdatedAt: confirmAt,
        frozen: false,
        pendingPrice: 0n,
        pendingUpdatedAt: 0n,
        varianceRate: variance,
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
      await gov.setFeed(
        weth,
        await ethFeed.getAddress(),
        await secondary.getAddress(),
        3900,
        wad(10),
        wad(1_000_000),
        wad("0.25"),
        wad("0.94"),
      );
    });

    it("is used when the primary is stale, and its reading is recorded", async () => {
      await time.increase(HEARTBEAT);
      await secondary.updateAnswer(wad(3_020));
      const updatedAt = (await secondary.latestRoundData())[3];
      expect(await read(weth)).to.deep.equal([wad(3_020), Status.Live]);
      await expect(oracle.recordPrice(weth))
        .to.emit(oracle, "PriceRecorded")
        .withArgs(weth, wad(3_020), updatedAt, (v: bigint) => v > 0n);
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

  describe("volatility", () => {
    it("starts at zero, follows the EWMA formula exactly, and rises more after big moves", async () => {
      expect(await oracle.volatility(weth)).to.equal(0n);
      const lambda = wad("0.94");
      let { lastGoodPrice: last, lastGoodUpdatedAt: lastAt, varianceRate: variance } = await oracle.priceState(weth);
      const path = [3_030, 3_000, 3_060, 2_990, 3_000];
      const step = async (price: number, dtSeconds: number) => {
        await time.increase(dtSeconds - 1);
        await ethFeed.updateAnswer(usd8(price));
        const updatedAt = (await ethFeed.latestRoundData())[3];
        variance = nextVarianceRate(variance, lambda, last, wad(price), updatedAt - lastAt);
        await expect(oracle.recordPrice(weth))
          .to.emit(oracle, "PriceRecorded")
          .withArgs(weth, wad(price), updatedAt, variance);
        [last, lastAt] = [wad(price), updatedAt];
        expect((await oracle.priceState(weth)).varianceRate).to.equal(variance);
        expect(await oracle.volatility(weth)).to.equal(sqrtDown(variance * SECONDS_PER_YEAR * WAD));
      };
      for (const price of path) await step(price, 3_600);
      const calm = await oracle.volatility(weth);
      expect(calm).to.be.greaterThan(0n);
      for (const price of [3_600, 2_900, 3_500, 2_800]) await step(price, 3_600);
      const stormy = await oracle.volatility(weth);
      expect(stormy).to.be.greaterThan(calm * 3n);
      console.log(
        `      annualised volatility: calm ${ethers.formatEther(calm)}, after big moves ${ethers.formatEther(stormy)}`,
      );
    });

    it("never annualises a move over less than 10 minutes: rounds 1 s and 600 s apart give the same estimate", async () => {
      const lambda = wad("0.94");
      const variances: bigint[] = [];
      await ethFeed.updateAnswer(usd8(3_000));
      await oracle.recordPrice(weth); // a fresh last good round
      for (const gap of [1, 600]) {
        const snap = await takeSnapshot();
        const before = await oracle.priceState(weth);
        if (gap > 1) await time.increase(gap - 1);
        await ethFeed.updateAnswer(usd8(3_300)); // +10 % a few seconds, or ten minutes, after the last round
        const updatedAt = (await ethFeed.latestRoundData())[3];
        expect(updatedAt - before.lastGoodUpdatedAt).to.be.lte(BigInt(gap + 5));
        await oracle.recordPrice(weth);
        const after = (await oracle.priceState(weth)).varianceRate;
        expect(after).to.equal(
          nextVarianceRate(
            before.varianceRate,
            lambda,
            before.lastGoodPrice,
            wad(3_300),
            updatedAt - before.lastGoodUpdatedAt,
          ),
        );
        variances.push(after);
        await snap.restore();
      }
      // Seconds apart and ten minutes apart: both divided by about 600 s. Without the floor the first
      // would have been hundreds of times the second.
      expect(variances[0]).to.be.gte(variances[1]);
      expect(variances[0] - variances[1]).to.be.lte(variances[1] / 100n);
    });

    it("caps a return of more than 100x so the estimate cannot overflow", async () => {
      const feed = await newFeed(18, 1n);
      await setNewAsset(feed, ZeroAddress, { minPrice: 1n, maxPrice: 2n ** 128n - 1n, maxDeviation: wad(1) });
      await oracle.recordPrice(NEW_ASSET);
      await feed.updateAnswer(2n ** 128n - 1n);
      await oracle.recordPrice(NEW_ASSET); // trips
      await time.increase(1);
      await feed.updateAnswer(2n ** 128n - 1n);
      await oracle.recordPrice(NEW_ASSET); // confirms: r capped
      const st = await oracle.priceState(NEW_ASSET);
      expect(st.lastGoodPrice).to.equal(2n ** 128n - 1n);
      expect(st.varianceRate).to.be.greaterThan(0n);
      expect(await oracle.volatility(NEW_ASSET)).to.be.greaterThan(0n);
    });
  });

  describe("setFeed", () => {
    let feed: MockAggregator;
    let feedAddr: string;
    const call = (o: Partial<typeof NEW_PARAMS & { asset: string; primary: string; secondary: string }> = {}) => {
      const p = { ...NEW_PARAMS, asset: NEW_ASSET, primary: feedAddr, secondary: ZeroAddress, ...o };
      return gov.setFeed(
        p.asset,
        p.primary,
        p.secondary,
        p.heartbeat,
        p.minPrice,
        p.maxPrice,
        p.maxDeviation,
        p.ewmaLambda,
      );
    };

    beforeEach(async () => {
      feed = await newFeed(8, usd8(100));
      feedAddr = await feed.getAddress();
    });

    it("stores the configuration and emits FeedConfigured with the old and the new configuration", async () => {
      const secondary = await newFeed(6, 100n * 10n ** 6n);
      const secondaryAddr = await secondary.getAddress();
      const none = [ethers.ZeroAddress, 0n, 0n, 0n, 0n, 0n, ethers.ZeroAddress, 0n, 0n];
      await expect(call({ secondary: secondaryAddr }))
        .to.emit(oracle, "FeedConfigured")
        .withArgs(NEW_ASSET, none, [
          feedAddr,
          wad("0.25"),
          3600n,
          8n,
          wad(1),
          wad(1_000_000),
          secondaryAddr,
          wad("0.94"),
          6n,
        ]);
      expect(((await oracle.feedConfig(NEW_ASSET)) as unknown as Result).toObject()).to.deep.equal({
        primaryFeed: feedAddr,
        maxDeviation: wad("0.25"),
        heartbeat: 3600n,
        primaryDecimals: 8n,
        minPrice: wad(1),
        maxPrice: wad(1_000_000),
        secondaryFeed: secondaryAddr,
        ewmaLambda: wad("0.94"),
        secondaryDecimals: 6n,
      });
    });

    it("rejects a non-admin caller", async () => {
      await expect(
        oracle.connect(alice).setFeed(NEW_ASSET, feedAddr, ZeroAddress, 3600, wad(1), wad(2), wad("0.25"), wad("0.94")),
      )
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, ZeroHash);
    });

    it("rejects zero addresses and a secondary equal to the primary", async () => {
      await expect(call({ asset: ZeroAddress })).to.be.revertedWithCustomError(oracle, "ZeroAddress");
      await expect(call({ primary: ZeroAddress })).to.be.revertedWithCustomError(oracle, "ZeroAddress");
      await expect(call({ secondary: feedAddr }))
        .to.be.revertedWithCustomError(oracle, "InvalidFeed")
        .withArgs(feedAddr);
    });

    it("checks every bound", async () => {
      const cases: [Partial<typeof NEW_PARAMS>, bigint, bigint, bigint][] = [
        [{ heartbeat: 59 }, 59n, 60n, 172_800n],
        [{ heartbeat: 172_801 }, 172_801n, 60n, 172_800n],
        [{ maxDeviation: wad("0.01") - 1n }, wad("0.01") - 1n, wad("0.01"), wad(1)],
        [{ maxDeviation: wad(1) + 1n }, wad(1) + 1n, wad("0.01"), wad(1)],
        [{ ewmaLambda: wad("0.5") - 1n }, wad("0.5") - 1n, wad("0.5"), wad("0.999")],
        [{ ewmaLambda: wad("0.999") + 1n }, wad("0.999") + 1n, wad("0.5"), wad("0.999")],
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
      // The extremes themselves are accepted.
      await call({ heartbeat: 60, maxDeviation: wad("0.01"), ewmaLambda: wad("0.5") });
      await call({ heartbeat: 172_800, maxDeviation: wad(1), ewmaLambda: wad("0.999") });
    });

    it("rejects a feed that fails at configuration time", async () => {
      const bad: [string, () => Promise<MockAggregator | string>][] = [
        ["no code", async () => alice.address],
        [
          "reverting",
          async () => {
            const f = await newFeed(8, usd8(1));
            await f.setMode(Mode.Revert);
            return f;
          },
        ],
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
      for (const [, make] of bad) {
        const f = await make();
        const addr = typeof f === "string" ? f : await f.getAddress();
        await expect(call({ primary: addr }), `primary: ${addr}`)
          .to.be.revertedWithCustomError(oracle, "InvalidFeed")
          .withArgs(addr);
        await expect(call({ secondary: addr }), `secondary: ${addr}`)
          .to.be.revertedWithCustomError(oracle, "InvalidFeed")
          .withArgs(addr);
      }
      // 36 decimals is the limit; a stale feed can be configured (it reads Stale until it updates).
      await call({ primary: await (await newFeed(36, 10n ** 38n)).getAddress() });
      const stale = await newFeed(8, usd8(100));
      await time.increase(10_000);
      await call({ primary: await stale.getAddress() });
      expect((await oracle.getPrice(NEW_ASSET))[1]).to.equal(Status.Stale);
    });

    it("rejects a no-op change", async () => {
      await call();
      await expect(call()).to.be.revertedWithCustomError(oracle, "NoChange");
    });

    it("keeps the price state when feeds change, so a misconfigured new feed trips the breaker", async () => {
      await time.increase(60);
      await ethFeed.updateAnswer(usd8(3_100));
      await oracle.recordPrice(weth);
      await ethFeed.updateAnswer(usd8(3_000));
      await oracle.recordPrice(weth);
      const before = await state(weth);
      expect(before.varianceRate).to.be.greaterThan(0n);
      const replacement = await newFeed(18, wad(3_050));
      await gov.setFeed(
        weth,
        await replacement.getAddress(),
        ZeroAddress,
        3900,
        wad(10),
        wad(1_000_000),
        wad("0.25"),
        wad("0.94"),
      );
      expect(await state(weth)).to.deep.equal(before);
      expect(await read(weth)).to.deep.equal([wad(3_050), Status.Live]);
      // A feed for the wrong asset, at a level inside the sanity bounds, trips the breaker.
      const wrongAsset = await newFeed(8, usd8(60_000));
      await gov.setFeed(
        weth,
        await wrongAsset.getAddress(),
        ZeroAddress,
        3900,
        wad(10),
        wad(1_000_000),
        wad("0.25"),
        wad("0.94"),
      );
      expect(await read(weth)).to.deep.equal([wad(3_000), Status.Frozen]);
    });
  });
});

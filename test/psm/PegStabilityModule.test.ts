/**
 * PegStabilityModule: USDC ↔ BDOL at par with fees, the minting ceiling, the depeg guard (minting
 * refused while USDC trades below 1 − tolerance; redemptions stay open), the rolling outflow
 * limit, and the reserve holding the USDC and counting it at its oracle price.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ZeroAddress } from "ethers";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { adminOf, feedAnswer, feedParams, loadSystem, type System } from "../helpers/fixtures";
import type { PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const P = networkConfig("hardhat").psm;
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const SCALE = 10n ** 12n;
const L = P.outflowLimit;
const W = BigInt(P.outflowWindow);

/**
 * The outflow bucket at `level` when last written at `from`, at `to` (IPegStabilityModule): it
 * drifts toward the limit at limit per window, refilling from below (rounded down), fading from above
 * (rounded up).
 */
function drifted(level: bigint, from: bigint | number, to: bigint | number): bigint {
  const dt = BigInt(to) - BigInt(from);
  if (level < L) {
    const refilled = level + (L * dt) / W;
    return refilled < L ? refilled : L;
  }
  const fade = (L * dt + W - 1n) / W;
  return level - L > fade ? level - fade : L;
}

describe("PegStabilityModule", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let admin: PegStabilityModule;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let usdc: string;
  let reserve: string;
  let psmAddress: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob } = sys);
    psmAddress = (await deployments.get("PegStabilityModule")).address;
    psm = (await contractAt(hre, "PegStabilityModule", psmAddress)) as unknown as PegStabilityModule;
    admin = psm.connect(await adminOf(psm));
    usdc = await sys.usdc.getAddress();
    reserve = await sys.reserve.getAddress();
    for (const who of [alice, bob]) {
      await sys.usdc.mint(who.address, USDC(100_000_000));
      await sys.usdc.connect(who).approve(psmAddress, ethers.MaxUint256);
    }
  });

  /** Everything a refused call must leave unchanged. */
  async function state() {
    return {
      minted: await psm.minted(),
      available: await psm.availableOutflow(),
      supply: await sys.bdol.totalSupply(),
      reserveUsdc: await sys.usdc.balanceOf(reserve),
      reserveBdol: await sys.bdol.balanceOf(reserve),
      alice: [await sys.usdc.balanceOf(alice.address), await sys.bdol.balanceOf(alice.address)],
    };
  }

  it("is deployed by deploy/08 with the config's parameters, minting right and reserve link, administered by the timelock", async () => {
    expect(await psm.stable()).to.equal(usdc);
    expect(await psm.stablecoin()).to.equal(await sys.bdol.getAddress());
    expect(await psm.reserve()).to.equal(reserve);
    expect([
      await psm.feeIn(),
      await psm.feeOut(),
      await psm.mintCeiling(),
      await psm.outflowLimit(),
      await psm.outflowWindow(),
      await psm.depegTolerance(),
    ]).to.deep.equal([P.feeIn, P.feeOut, P.mintCeiling, P.outflowLimit, BigInt(P.outflowWindow), P.depegTolerance]);
    expect(await psm.availableOutflow()).to.equal(P.outflowLimit); // a raise fills the bucket at once
    expect(await sys.bdol.isModule(psmAddress)).to.equal(true);
    expect(await sys.reserve.pegStabilityModule()).to.equal(psmAddress);
    expect(await psm.hasRole(ethers.ZeroHash, (await deployments.get("Timelock")).address)).to.equal(true);
    expect(await psm.hasRole(ethers.ZeroHash, sys.deployer.address)).to.equal(false);
  });

  describe("swapStableForCoin", () => {
    it("pays 1,000 USDC → 999 BDOL (0.1 % fee owed to the reserve, minted by collectFees); the USDC sits in the reserve", async () => {
      const [quoted, quotedFee] = await psm.quoteStableForCoin(USDC(1_000));
      expect([quoted, quotedFee]).to.deep.equal([wad(999), wad(1)]);
      await expect(psm.connect(alice).swapStableForCoin(USDC(1_000), wad(999), bob.address))
        .to.emit(psm, "SwappedStableForCoin")
        .withArgs(alice.address, bob.address, USDC(1_000), wad(999), wad(1));
      expect(await sys.bdol.balanceOf(bob.address)).to.equal(wad(999));
      expect(await psm.pendingFees()).to.equal(wad(1));
      expect(await sys.usdc.balanceOf(reserve)).to.equal(USDC(1_000));
      expect(await sys.usdc.balanceOf(psmAddress)).to.equal(0n);
      expect(await psm.minted()).to.equal(wad(1_000));
      // Anyone mints the owed fee to the reserve; then there is nothing to collect.
      await expect(psm.connect(bob).collectFees()).to.emit(psm, "FeesCollected").withArgs(reserve, wad(1));
      expect(await sys.bdol.balanceOf(reserve)).to.equal(wad(1));
      expect(await psm.pendingFees()).to.equal(0n);
      await expect(psm.collectFees()).to.be.revertedWithCustomError(psm, "ZeroAmount");
    });

    it("refuses zero, a zero receiver, slippage, the ceiling, a depeg and a stale price, changing nothing", async () => {
      const before = await state();
      const swap = (amount: bigint, min = 0n, to = alice.address) =>
        psm.connect(alice).swapStableForCoin(amount, min, to);
      await expect(swap(0n)).to.be.revertedWithCustomError(psm, "ZeroAmount");
      await expect(swap(USDC(1), 0n, ZeroAddress)).to.be.revertedWithCustomError(psm, "ZeroAddress");
      await expect(swap(USDC(1_000), wad(999) + 1n))
        .to.be.revertedWithCustomError(psm, "SlippageExceeded")
        .withArgs(wad(999), wad(999) + 1n);
      await expect(swap(USDC(50_000_001)))
        .to.be.revertedWithCustomError(psm, "MintCeilingExceeded")
        .withArgs(wad(50_000_001), P.mintCeiling);
      // USDC at 0.98: below 1 − 1 %.
      await sys.usdcFeed.updateAnswer(feedAnswer("0.98"));
      await sys.oracle.recordPrice(usdc);
      await expect(swap(USDC(1_000)))
        .to.be.revertedWithCustomError(psm, "StableDepegged")
        .withArgs(wad("0.98"), wad(1) - P.depegTolerance);
      // Back at par, but stale.
      await sys.usdcFeed.updateAnswer(feedAnswer(1));
      await sys.oracle.recordPrice(usdc);
      await time.increase(90_001);
      await expect(swap(USDC(1_000)))
        .to.be.revertedWithCustomError(psm, "StableOracleNotLive")
        .withArgs(1n);
      const after = await state();
      expect({ ...after, available: before.available }).to.deep.equal(before);
    });

    it("accepts USDC at exactly 1 − tolerance (0.99), and fills the ceiling exactly", async () => {
      await sys.usdcFeed.updateAnswer(feedAnswer("0.99"));
      await sys.oracle.recordPrice(usdc);
      await admin.setFeeIn(0n);
      await expect(psm.connect(alice).swapStableForCoin(USDC(50_000_000), 0n, alice.address)).to.emit(
        psm,
        "SwappedStableForCoin",
      );
      expect(await psm.minted()).to.equal(P.mintCeiling);
      await expect(psm.connect(alice).swapStableForCoin(1n, 0n, alice.address)).to.be.revertedWithCustomError(
        psm,
        "MintCeilingExceeded",
      );
    });
  });

  describe("the depeg guard (the feed read by the module, each new reading vetted by the adapter)", () => {
    const swap = (amount = USDC(1_000)) => psm.connect(alice).swapStableForCoin(amount, 0n, alice.address);
    const F = { Live: 0n, Stale: 1n, OutOfBounds: 2n, Frozen: 3n, Failed: 4n, SequencerDown: 5n };

    async function setUsdc(usd: string, record = true) {
      await sys.usdcFeed.updateAnswer(feedAnswer(usd));
      if (record) await sys.oracle.recordPrice(usdc);
    }

    /** The feed's latest round timestamp. */
    async function roundTime(feed = sys.usdcFeed): Promise<bigint> {
      return (await feed.latestRoundData())[3];
    }

    it("copies the adapter's feed, decimals, heartbeat and bounds for USDC at deployment", async () => {
      const adapter = await sys.oracle.feedConfig(usdc);
      expect(await psm.stableFeed()).to.deep.equal([
        adapter.primaryFeed,
        adapter.primaryDecimals,
        adapter.heartbeat,
        adapter.minPrice,
        adapter.maxPrice,
      ]);
      expect(adapter.primaryFeed).to.equal(await sys.usdcFeed.getAddress());
    });

    it("asks the adapter once per new feed reading: the first swap vets it, the next ones skip the adapter", async () => {
      await setUsdc("0.999");
      await expect(swap())
        .to.emit(psm, "StableReadingVetted")
        .withArgs(wad("0.999"), await roundTime());
      const second = await (await swap()).wait();
      expect(
        second!.logs.some((l) => l.topics[0] === psm.interface.getEvent("StableReadingVetted").topicHash),
      ).to.equal(false);
      expect(await psm.stablePrice()).to.deep.equal([wad("0.999"), F.Live]);
      // A new round is a new reading: vetted again.
      await setUsdc("1.001", false);
      await expect(swap())
        .to.emit(psm, "StableReadingVetted")
        .withArgs(wad("1.001"), await roundTime());
    });

    it("refuses while the adapter holds the price frozen, even though the reading itself is above the floor", async () => {
      // Recorded at 0.88 (depegged); then a single round jumps back to 1.00: 13.6 % above the last
      // good price, past the adapter's 10 % breaker.
      await setUsdc("0.95");
      await setUsdc("0.88");
      await time.increase(60);
      await setUsdc("1", false);
      expect(await psm.stablePrice()).to.deep.equal([wad("0.88"), F.Frozen]);
      const before = await state();
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Frozen);
      await sys.oracle.recordPrice(usdc); // trips the breaker: still frozen
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Frozen);
      expect({ ...(await state()), available: before.available }).to.deep.equal(before);
      // A later round confirms the recovery: live, minting reopens.
      await time.increase(60);
      await setUsdc("1.002");
      await expect(swap())
        .to.emit(psm, "StableReadingVetted")
        .withArgs(wad("1.002"), await roundTime());
    });

    it("re-vets a second round stamped in the same second as the vetted one (the reading, not the timestamp, is the key)", async () => {
      await setUsdc("0.95");
      await time.increase(60);
      await setUsdc("1", false); // within 10 % of 0.95: live
      await expect(swap()).to.emit(psm, "StableReadingVetted");
      const t = await roundTime();
      // Same timestamp, a different answer: 11.6 % above the last good 0.95, frozen by the adapter.
      await sys.usdcFeed.updateRoundData(feedAnswer("1.06"), t, t);
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Frozen);
    });

    it("refuses a failed, out-of-bounds or stale feed by its own read (the adapter is not asked)", async () => {
      await sys.usdcFeed.setMode(1); // latestRoundData reverts
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Failed);
      await sys.usdcFeed.setMode(3); // malformed
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Failed);
      await sys.usdcFeed.setMode(0);
      await setUsdc("2.5", false); // above maxPrice 2
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.OutOfBounds);
      await setUsdc("0", false);
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Failed);
      // A vetted reading goes stale like any other: the heartbeat is checked on every swap.
      await setUsdc("1");
      await expect(swap()).to.emit(psm, "StableReadingVetted");
      await time.increase(90_001);
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Stale);
      expect((await psm.stablePrice())[1]).to.equal(F.Stale);
    });

    it("after the adapter is given another USDC feed: every swap asks the adapter, and both feeds must be live", async () => {
      const f = await ethers.getContractFactory("MockAggregator");
      const other = await f.deploy(8, "USDC / USD (new)", feedAnswer(1));
      const oracleAdmin = sys.oracle.connect(await adminOf(sys.oracle));
      const cfg = await sys.oracle.feedConfig(usdc);
      await oracleAdmin.setFeed(
        usdc,
        feedParams(await other.getAddress(), {
          heartbeat: cfg.heartbeat,
          minPrice: cfg.minPrice,
          maxPrice: cfg.maxPrice,
          maxDeviation: cfg.maxDeviation,
          maxReferenceAge: cfg.maxReferenceAge,
        }),
      );
      await setUsdc("1", false);
      // Live on both: accepted, but the reading is not vetted (the adapter reads another feed).
      await expect(swap()).to.emit(psm, "SwappedStableForCoin").and.not.to.emit(psm, "StableReadingVetted");
      // The adapter's feed depegs: refused although the module's own feed still reads 1.
      await other.updateAnswer(feedAnswer("0.97"));
      await expect(swap())
        .to.be.revertedWithCustomError(psm, "StableDepegged")
        .withArgs(wad("0.97"), wad(1) - P.depegTolerance);
      // The module's own feed goes stale while the adapter's is live: refused (fail-safe).
      await time.increase(90_001);
      await other.updateAnswer(feedAnswer(1));
      await expect(swap()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(F.Stale);
    });

    it("with an L2 sequencer feed, never remembers a verdict: a sequencer outage refuses the next swap at once", async () => {
      const feeds = await ethers.getContractFactory("MockAggregator");
      const sequencer = await feeds.deploy(0, "sequencer", 0);
      const now = BigInt(await time.latest());
      await sequencer.updateRoundData(0, now, now - 7_200n); // up for two hours
      const adapter = await (
        await ethers.getContractFactory("OracleAdapter")
      ).deploy(sys.deployer.address, await sequencer.getAddress(), 3_600);
      await adapter.setFeed(
        usdc,
        feedParams(await sys.usdcFeed.getAddress(), {
          heartbeat: 90_000,
          minPrice: wad("0.5"),
          maxPrice: wad(2),
          maxDeviation: wad("0.1"),
          maxReferenceAge: 90_000,
        }),
      );
      await adapter.recordPrice(usdc);
      const l2 = await (
        await ethers.getContractFactory("PegStabilityModule")
      ).deploy(await sys.bdol.getAddress(), usdc, await adapter.getAddress(), reserve, sys.deployer.address);
      await l2.setMintCeiling(wad(1_000_000));
      await sys.bdol.connect(await adminOf(sys.bdol)).setModule(await l2.getAddress(), true);
      await sys.usdc.connect(alice).approve(await l2.getAddress(), ethers.MaxUint256);
      const l2swap = () => l2.connect(alice).swapStableForCoin(USDC(1_000), 0n, alice.address);
      await expect(l2swap()).to.emit(l2, "SwappedStableForCoin").and.not.to.emit(l2, "StableReadingVetted");
      await sequencer.updateRoundData(1, now, now); // down; the USDC reading is unchanged
      await expect(l2swap()).to.be.revertedWithCustomError(l2, "StableOracleNotLive").withArgs(F.SequencerDown);
      expect((await l2.stablePrice())[1]).to.equal(F.SequencerDown);
    });

    it("deploy/08 re-run warns when the adapter's USDC settings no longer match the module's copy", async () => {
      const feed = networkConfig("hardhat").pricedAssets.USDC.feed;
      const cfg = await sys.oracle.feedConfig(usdc);
      // Governance lengthens the heartbeat, and the config follows (so 03_oracle finds it in force).
      await sys.oracle.connect(await adminOf(sys.oracle)).setFeed(
        usdc,
        feedParams(cfg.primaryFeed, {
          heartbeat: feed.heartbeat + 600,
          minPrice: cfg.minPrice,
          maxPrice: cfg.maxPrice,
          maxDeviation: cfg.maxDeviation,
          maxReferenceAge: cfg.maxReferenceAge,
        }),
      );
      const warnings: string[] = [];
      const warn = console.warn;
      feed.heartbeat += 600;
      console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
      const block = await ethers.provider.getBlockNumber();
      try {
        await deployments.run(["PegStabilityModule"], { resetMemory: false, writeDeploymentsToFiles: false });
      } finally {
        feed.heartbeat -= 600;
        console.warn = warn;
      }
      expect(await ethers.provider.getBlockNumber()).to.equal(block); // nothing sent
      expect(warnings.join("\n")).to.include(`08_psm: OracleAdapter's feed settings for ${usdc} differ`);
      // The module keeps working, asking the adapter on every swap (nothing is vetted).
      await setUsdc("1", false);
      for (let i = 0; i < 2; i++) {
        await expect(swap()).to.emit(psm, "SwappedStableForCoin").and.not.to.emit(psm, "StableReadingVetted");
      }
    });

    it("cannot be deployed for a stable asset the adapter has no feed for (StableFeedUnknown)", async () => {
      const f = await ethers.getContractFactory("PegStabilityModule");
      const weird = await (await ethers.getContractFactory("MockERC20")).deploy("X", "X", 6);
      await expect(
        f.deploy(
          await sys.bdol.getAddress(),
          await weird.getAddress(),
          await sys.oracle.getAddress(),
          reserve,
          sys.deployer.address,
        ),
      )
        .to.be.revertedWithCustomError(f, "StableFeedUnknown")
        .withArgs(await weird.getAddress());
    });
  });

  describe("swapCoinForStable", () => {
    beforeEach(async () => {
      await psm.connect(alice).swapStableForCoin(USDC(8_000_000), 0n, alice.address); // 7,992,000 BDOL
    });

    it("pays 1,000 BDOL → 999 USDC from the reserve, burns the 1,000, owes the 1 BDOL fee to the reserve", async () => {
      const tIn = BigInt(await time.latest()); // Alice's swap in
      const supply = await sys.bdol.totalSupply();
      const fees = await psm.pendingFees();
      expect(await psm.quoteCoinForStable(wad(1_000))).to.deep.equal([USDC(999), wad(1)]);
      await expect(psm.connect(alice).swapCoinForStable(wad(1_000), USDC(999), bob.address))
        .to.emit(psm, "SwappedCoinForStable")
        .withArgs(alice.address, bob.address, wad(1_000), USDC(999), wad(1))
        .and.to.emit(sys.reserve, "StableReleased")
        .withArgs(usdc, bob.address, USDC(999));
      expect(await sys.usdc.balanceOf(bob.address)).to.equal(USDC(100_000_999));
      expect(await sys.bdol.totalSupply()).to.equal(supply - wad(1_000));
      expect(await psm.pendingFees()).to.equal(fees + wad(1));
      expect(await psm.minted()).to.equal(wad(8_000_000) - wad(999));
      // The bucket: the limit plus the credit Alice's 8M left (fading since), less exactly the 999 paid.
      expect(await psm.availableOutflow()).to.equal(
        drifted(P.outflowLimit + wad(8_000_000), tIn, await time.latest()) - wad(999),
      );
    });

    it("rounds the payout down: coin that buys no whole USDC unit joins the fee", async () => {
      const coinIn = wad(1) + 123n; // 1 BDOL + 123 wei
      const [out, fee] = await psm.quoteCoinForStable(coinIn);
      expect(out * SCALE + fee).to.equal(coinIn);
      expect(out).to.equal((coinIn - (coinIn * P.feeOut + wad(1) - 1n) / wad(1)) / SCALE);
    });

    it("holds the outflow to the rolling limit (OutflowLimitExceeded), refilling linearly over the window", async () => {
      // Two windows after Alice's 8M came in, its credit has faded: the bucket is exactly full.
      await time.increase(2 * P.outflowWindow);
      expect(await psm.availableOutflow()).to.equal(P.outflowLimit);
      await psm.connect(alice).swapCoinForStable(wad(5_000_000), 0n, alice.address);
      const empty = await psm.availableOutflow();
      expect(empty).to.be.lessThan(wad(6_000)); // 5M limit − 4,995,000 paid + a few seconds of refill
      const before = await state();
      await expect(psm.connect(alice).swapCoinForStable(wad(100_000), 0n, alice.address)).to.be.revertedWithCustomError(
        psm,
        "OutflowLimitExceeded",
      );
      expect({ ...(await state()), available: before.available }).to.deep.equal(before);
      // Half a window later, about half the limit is back; a full window refills it, never above.
      await time.increase(P.outflowWindow / 2);
      expect(await psm.availableOutflow()).to.be.closeTo(empty + P.outflowLimit / 2n, wad(200));
      await time.increase(P.outflowWindow);
      expect(await psm.availableOutflow()).to.equal(P.outflowLimit);
    });

    it("stays open while USDC is depegged (redemptions are never blocked by the guard)", async () => {
      await sys.usdcFeed.updateAnswer(feedAnswer("0.95"));
      await sys.oracle.recordPrice(usdc);
      await expect(psm.connect(alice).swapStableForCoin(USDC(1), 0n, alice.address)).to.be.revertedWithCustomError(
        psm,
        "StableDepegged",
      );
      await expect(psm.connect(alice).swapCoinForStable(wad(1_000), 0n, alice.address)).to.emit(
        psm,
        "SwappedCoinForStable",
      );
    });

    it("refuses more than the reserve holds (InsufficientStable) and slippage, changing nothing", async () => {
      await admin.setOutflowLimit(wad(100_000_000));
      const before = await state();
      await expect(psm.connect(alice).swapCoinForStable(wad(1_000), USDC(999) + 1n, alice.address))
        .to.be.revertedWithCustomError(psm, "SlippageExceeded")
        .withArgs(USDC(999), USDC(999) + 1n);
      // Bob's vault BDOL plus Alice's: more than the 8M USDC the reserve holds.
      await sys.bdol.connect(alice).transfer(bob.address, wad(7_992_000));
      await sys.wbtc.mint(bob.address, 10n ** 10n);
      await sys.wbtc.connect(bob).approve(await sys.vaultManager.getAddress(), 10n ** 10n);
      await sys.vaultManager.connect(bob).openVault(await sys.wbtc.getAddress(), 10n ** 10n, wad(1_000_000));
      await expect(psm.connect(bob).swapCoinForStable(wad(8_992_000), 0n, bob.address))
        .to.be.revertedWithCustomError(sys.reserve, "InsufficientStable")
        .withArgs(usdc, USDC(8_983_008), USDC(8_000_000));
      expect((await state()).reserveUsdc).to.equal(before.reserveUsdc);
    });
  });

  describe("the outflow bucket counts net flow", () => {
    const feeFree = async () => {
      await admin.setFeeIn(0n);
      await admin.setFeeOut(0n);
    };
    /** Two windows pass (the credit of earlier swaps in fades) and USDC gets a fresh round. */
    const creditFades = async () => {
      await time.increase(2 * P.outflowWindow);
      await sys.usdcFeed.updateAnswer(feedAnswer("1"));
      expect(await psm.availableOutflow()).to.equal(L);
    };

    it("a swap in refills the bucket by the stable value it brings, above the limit; the credit fades at limit per window, down to the limit", async () => {
      expect(await psm.availableOutflow()).to.equal(L);
      await psm.connect(alice).swapStableForCoin(USDC(3_000_000), 0n, alice.address);
      const t0 = BigInt(await time.latest());
      expect(await psm.availableOutflow()).to.equal(L + wad(3_000_000)); // gross, the fee included
      // A quarter of a window later a quarter of the limit (1.25M) has faded, rounded up.
      await time.increaseTo(t0 + W / 4n);
      expect(await psm.availableOutflow()).to.equal(L + wad(3_000_000) - (L * (W / 4n) + W - 1n) / W);
      expect(await psm.availableOutflow()).to.equal(drifted(L + wad(3_000_000), t0, t0 + W / 4n));
      // After 3M / 5M of a window the credit is gone; the bucket stays at the limit, never below.
      await time.increaseTo(t0 + (W * 3n) / 5n);
      expect(await psm.availableOutflow()).to.equal(L);
      await time.increase(10 * P.outflowWindow);
      expect(await psm.availableOutflow()).to.equal(L);
    });

    it("a redemption takes the credit like the rest: more than the limit may leave when as much came in", async () => {
      await psm.connect(alice).swapStableForCoin(USDC(8_000_000), 0n, alice.address);
      const tIn = BigInt(await time.latest());
      const coin = await sys.bdol.balanceOf(alice.address); // 7,992,000
      await time.setNextBlockTimestamp(tIn + 60n);
      await expect(psm.connect(alice).swapCoinForStable(coin, 0n, alice.address)).to.emit(psm, "SwappedCoinForStable");
      const paid = coin - (coin * P.feeOut + wad(1) - 1n) / wad(1);
      expect(await psm.availableOutflow()).to.equal(drifted(L + wad(8_000_000), tIn, tIn + 60n) - paid);
      // The net flow of the round trip is +16,000 (the fees): the bucket is above the limit.
      expect(await psm.availableOutflow()).to.be.greaterThan(L);
    });

    it("refills from below at limit per window (rounded down), never above the limit; what comes in meanwhile adds to it", async () => {
      await psm.connect(alice).swapStableForCoin(USDC(8_000_000), 0n, alice.address);
      await creditFades();
      await psm.connect(alice).swapCoinForStable(wad(5_000_000), 0n, alice.address);
      const t0 = BigInt(await time.latest());
      const low = await psm.availableOutflow(); // 5M − 4,995,000 = 5,000
      expect(low).to.equal(L - wad(4_995_000));
      await time.setNextBlockTimestamp(t0 + W / 10n);
      await psm.connect(bob).swapStableForCoin(USDC(1_000_000), 0n, bob.address);
      expect(await psm.availableOutflow()).to.equal(low + (L * (W / 10n)) / W + wad(1_000_000));
      await time.increase(P.outflowWindow);
      expect(await psm.availableOutflow()).to.equal(L);
    });

    it("a round trip in one block leaves the bucket higher by its fees; a full one blocks nobody", async () => {
      await psm.connect(alice).swapStableForCoin(USDC(8_000_000), 0n, alice.address);
      await creditFades();
      // Bob swaps 5M in and redeems all the coin he got, in one block.
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        // Explicit gas: estimating the second against the mined state would see no coin yet.
        await psm.connect(bob).swapStableForCoin(USDC(5_000_000), 0n, bob.address, { gasLimit: 500_000 });
        await psm.connect(bob).swapCoinForStable(wad(4_995_000), 0n, bob.address, { gasLimit: 500_000 });
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      expect(await sys.bdol.balanceOf(bob.address)).to.equal(0n);
      // In 5,000,000 of USDC value, out 4,990,005 (5M − 0.1 % − 0.1 %): the bucket kept the 9,995.
      expect(await psm.availableOutflow()).to.equal(L + wad(5_000_000) - wad(4_990_005));
      await expect(psm.connect(alice).swapCoinForStable(wad(5_000_000), 0n, alice.address)).to.emit(
        psm,
        "SwappedCoinForStable",
      );
    });

    it("with the fees at zero a round trip changes nothing; held for a while it takes at most limit × time / window", async () => {
      await feeFree();
      await psm.connect(alice).swapStableForCoin(USDC(8_000_000), 0n, alice.address);
      await creditFades();
      await psm.connect(bob).swapStableForCoin(USDC(2_000_000), 0n, bob.address);
      const t0 = BigInt(await time.latest());
      await time.setNextBlockTimestamp(t0 + 3_600n);
      await psm.connect(bob).swapCoinForStable(wad(2_000_000), 0n, bob.address);
      const taken = L - (await psm.availableOutflow());
      expect(taken).to.equal((L * 3_600n + W - 1n) / W); // one hour of fade, rounded up
    });

    it("with a limit of 0 nothing refills and credit does not fade: only what came in may leave", async () => {
      await admin.setOutflowLimit(0n);
      expect(await psm.availableOutflow()).to.equal(0n);
      await psm.connect(alice).swapStableForCoin(USDC(1_000), 0n, alice.address);
      await time.increase(10 * P.outflowWindow);
      expect(await psm.availableOutflow()).to.equal(wad(1_000));
      await expect(psm.connect(alice).swapCoinForStable(wad(999), 0n, alice.address)).to.emit(
        psm,
        "SwappedCoinForStable",
      );
      await expect(psm.connect(alice).swapCoinForStable(wad(3), 0n, alice.address))
        .to.be.revertedWithCustomError(psm, "OutflowLimitExceeded")
        .withArgs(wad("2.997"), wad(1_000) - wad("998.001"));
    });
  });

  describe("the reserve", () => {
    it("counts its USDC at the oracle price: a depeg lowers its value, users' balances are untouched", async () => {
      await psm.connect(alice).swapStableForCoin(USDC(1_000_000), 0n, alice.address);
      const line = async () => (await sys.reserve.composition()).find((h) => h.asset === usdc)!;
      expect((await line()).value).to.equal(wad(1_000_000));
      await sys.usdcFeed.updateAnswer(feedAnswer("0.95"));
      await sys.oracle.recordPrice(usdc);
      expect((await line()).value).to.equal(wad(950_000));
      expect(await sys.bdol.balanceOf(alice.address)).to.equal(wad(999_000));
    });

    it("releases stable only to the PSM's order (NotPegStabilityModule)", async () => {
      await expect(sys.reserve.connect(alice).releaseStable(usdc, alice.address, 1n))
        .to.be.revertedWithCustomError(sys.reserve, "NotPegStabilityModule")
        .withArgs(alice.address);
    });
  });

  describe("governance setters", () => {
    it("each stays within its bound, rejects NoChange, and emits old and new", async () => {
      const cases: [keyof PegStabilityModule, string, bigint, bigint, bigint][] = [
        ["setFeeIn", "FeeInSet", P.feeIn, wad("0.05"), wad("0.05") + 1n],
        ["setFeeOut", "FeeOutSet", P.feeOut, wad("0.05"), wad("0.05") + 1n],
        ["setMintCeiling", "MintCeilingSet", P.mintCeiling, wad(10_000_000_000), wad(10_000_000_000) + 1n],
        ["setOutflowLimit", "OutflowLimitSet", P.outflowLimit, wad(10_000_000_000), wad(10_000_000_000) + 1n],
        ["setOutflowWindow", "OutflowWindowSet", BigInt(P.outflowWindow), 30n * 86_400n, 30n * 86_400n + 1n],
        ["setDepegTolerance", "DepegToleranceSet", P.depegTolerance, wad("0.1"), wad("0.1") + 1n],
      ];
      for (const [setter, event, current, max, tooHigh] of cases) {
        const call = admin[setter] as unknown as (v: bigint) => Promise<unknown>;
        await expect(call(current)).to.be.revertedWithCustomError(psm, "NoChange");
        await expect(call(tooHigh)).to.be.revertedWithCustomError(psm, "OutOfBounds");
        await expect(call(max)).to.emit(psm, event).withArgs(current, max);
      }
      await expect(admin.setOutflowWindow(3_599n)).to.be.revertedWithCustomError(psm, "OutOfBounds");
      await expect(admin.setDepegTolerance(wad("0.001") - 1n)).to.be.revertedWithCustomError(psm, "OutOfBounds");
    });

    it("each accepts its lower bound (a zero fee, a zero mint ceiling stops minting, the shortest window, the tightest tolerance)", async () => {
      const cases: [keyof PegStabilityModule, string, bigint, bigint][] = [
        ["setFeeIn", "FeeInSet", P.feeIn, 0n],
        ["setFeeOut", "FeeOutSet", P.feeOut, 0n],
        ["setMintCeiling", "MintCeilingSet", P.mintCeiling, 0n],
        ["setOutflowLimit", "OutflowLimitSet", P.outflowLimit, 0n],
        ["setOutflowWindow", "OutflowWindowSet", BigInt(P.outflowWindow), 3_600n],
        ["setDepegTolerance", "DepegToleranceSet", P.depegTolerance, wad("0.001")],
      ];
      for (const [setter, event, current, min] of cases) {
        const call = admin[setter] as unknown as (v: bigint) => Promise<unknown>;
        await expect(call(min)).to.emit(psm, event).withArgs(current, min);
      }
      // A zero ceiling refuses every mint.
      await expect(psm.connect(alice).swapStableForCoin(USDC(1), 0n, alice.address))
        .to.be.revertedWithCustomError(psm, "MintCeilingExceeded")
        .withArgs(wad(1), 0n);
    });

    it("rounds the redemption fee up: at a stable-unit boundary the rounded-down fee would pay one unit more", async () => {
      // coinIn whose fee has a remainder and whose net after the rounded-down fee is a whole number
      // of stable units: the rounded-up fee leaves one unit less.
      const feeOut = await psm.feeOut();
      expect(feeOut).to.be.greaterThan(0n);
      let coinIn = 0n;
      for (let units = 1n; coinIn === 0n && units < 10_000_000n; units++) {
        const target = units * SCALE; // net after a rounded-down fee
        // coinIn − floor(coinIn × f / 1e18) = target: coinIn ≈ target / (1 − f); try the neighbours.
        const guess = (target * 10n ** 18n) / (10n ** 18n - feeOut);
        for (const c of [guess - 1n, guess, guess + 1n]) {
          if ((c * feeOut) % 10n ** 18n !== 0n && c - (c * feeOut) / 10n ** 18n === target) coinIn = c;
        }
      }
      expect(coinIn).to.be.greaterThan(0n);
      const feeUp = (coinIn * feeOut + 10n ** 18n - 1n) / 10n ** 18n;
      const stableOut = (coinIn - feeUp) / SCALE;
      expect(stableOut).to.equal((coinIn - (coinIn * feeOut) / 10n ** 18n) / SCALE - 1n);
      expect(await psm.quoteCoinForStable(coinIn)).to.deep.equal([stableOut, coinIn - stableOut * SCALE]);
      await psm.connect(alice).swapStableForCoin(USDC(10), 0n, alice.address);
      const before = await sys.usdc.balanceOf(alice.address);
      await expect(psm.connect(alice).swapCoinForStable(coinIn, 0n, alice.address))
        .to.emit(psm, "SwappedCoinForStable")
        .withArgs(alice.address, alice.address, coinIn, stableOut, coinIn - stableOut * SCALE);
      expect((await sys.usdc.balanceOf(alice.address)) - before).to.equal(stableOut);
    });

    it("refuses a zero address for each constructor argument (ZeroAddress)", async () => {
      const factory = await ethers.getContractFactory("PegStabilityModule");
      const args: [string, string, string, string, string] = [
        await sys.bdol.getAddress(),
        usdc,
        await sys.oracle.getAddress(),
        reserve,
        sys.deployer.address,
      ];
      for (let i = 0; i < args.length; i++) {
        const bad = [...args] as typeof args;
        bad[i] = ZeroAddress;
        await expect(factory.deploy(...bad)).to.be.revertedWithCustomError(psm, "ZeroAddress");
      }
      // And with every address set, it deploys.
      const module = await factory.deploy(...args);
      expect(await module.stable()).to.equal(usdc);
    });

    it("takes a stable of up to 18 decimals and refuses more (UnsupportedDecimals)", async () => {
      const factory = await ethers.getContractFactory("PegStabilityModule");
      const oracleAddress = await sys.oracle.getAddress();
      const feed = await sys.usdcFeed.getAddress();
      for (const decimals of [18n, 19n]) {
        const token = await ethers.deployContract("MockERC20", ["Stable", "STB", decimals]);
        const tokenAddress = await token.getAddress();
        const deploy = () =>
          factory.deploy(
            ethers.Wallet.createRandom().address,
            tokenAddress,
            oracleAddress,
            reserve,
            sys.deployer.address,
          );
        if (decimals > 18n) {
          await expect(deploy()).to.be.revertedWithCustomError(psm, "UnsupportedDecimals").withArgs(decimals);
          continue;
        }
        const oracleAdmin = sys.oracle.connect(await adminOf(sys.oracle));
        await oracleAdmin.setFeed(
          tokenAddress,
          feedParams(feed, { heartbeat: 90_000, minPrice: wad("0.5"), maxPrice: wad(2), maxDeviation: wad("0.1") }),
        );
        const module = await deploy();
        // One token unit of an 18-decimal stable is one wad: a scale of 1.
        expect(await module.quoteStableForCoin(wad(1))).to.deep.equal([wad(1), 0n]); // no fee at construction
      }
    });

    it("cutting the outflow limit caps the bucket, credit included; raising it adds the increase at once, credit kept", async () => {
      await admin.setOutflowLimit(wad(1_000_000));
      expect(await psm.availableOutflow()).to.equal(wad(1_000_000));
      await admin.setOutflowLimit(wad(3_000_000));
      expect(await psm.availableOutflow()).to.equal(wad(3_000_000));
      // With 2M of credit on top, a raise keeps it and adds the increase; a cut caps it all.
      await psm.connect(alice).swapStableForCoin(USDC(2_000_000), 0n, alice.address);
      const t = BigInt(await time.latest());
      await time.setNextBlockTimestamp(t + 1n);
      await admin.setOutflowLimit(wad(4_000_000));
      expect(await psm.availableOutflow()).to.equal(
        wad(5_000_000) - (wad(3_000_000) + 86_400n - 1n) / 86_400n + wad(1_000_000),
      );
      await admin.setOutflowLimit(wad(2_000_000));
      expect(await psm.availableOutflow()).to.equal(wad(2_000_000));
    });

    it("changing the window brings the bucket to now at the old rate first", async () => {
      await psm.connect(alice).swapStableForCoin(USDC(1_000_000), 0n, alice.address);
      const t0 = BigInt(await time.latest());
      await time.setNextBlockTimestamp(t0 + 3_600n);
      await admin.setOutflowWindow(W * 2n);
      const level = drifted(L + wad(1_000_000), t0, t0 + 3_600n); // faded for an hour at L per day
      expect(await psm.availableOutflow()).to.equal(level);
      await time.setNextBlockTimestamp(t0 + 7_200n);
      await sys.usdc.mint(bob.address, 1n); // a block one hour later
      expect(await psm.availableOutflow()).to.equal(level - (L * 3_600n + 2n * W - 1n) / (2n * W)); // half the rate
    });
  });
});

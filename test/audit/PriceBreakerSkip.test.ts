/**
 * Regression test for audit finding periph-5 (Medium): a crash large enough to freeze the oracle
 * skipped the risk controller's price breaker. The breaker ran on Live readings only and reset
 * anchors two windows old without comparing them, so 3,000 → 2,100 (beyond the oracle's 25 %
 * freeze) never halted borrowing while 3,000 → 2,400 did. Held-out runs found two more holes: a
 * −21 % wick inside an hour, half recovered by the next poke (pokes sampled one price an hour), and
 * a −54 % fall over two days in hourly steps under 15 %.
 *
 * Fixed: the controller compares its anchors with the oracle's price range (every usable round of
 * the last one to two hours, recorded or not, including rounds that froze the oracle) and its latest
 * round, whatever the oracle's status, before it re-anchors; and a slow window (one day, 30 %
 * locally) catches slow falls. The attacker's — here the market's — same steps now halt borrowing.
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { fund, loadSystem, type System } from "../helpers/fixtures";
import { wad } from "../../lib/sdk";

const usd8 = (usd: number) => BigInt(Math.round(usd * 1e8));

describe("AUDIT periph-5 regression: the price breaker sees moves that freeze the oracle, wicks and slow falls", () => {
  let sys: System;
  let weth: string;
  beforeEach(async () => {
    sys = await loadSystem();
    weth = await sys.weth.getAddress();
  });

  /** The price-breaker trips of a poke, as (fast move, slow move). */
  async function tripsOf(tx: Promise<ContractTransactionResponse>): Promise<[bigint, bigint][]> {
    const receipt = (await (await tx).wait())!;
    const out: [bigint, bigint][] = [];
    for (const log of receipt.logs) {
      const parsed = sys.risk.interface.parseLog(log);
      if (parsed?.name === "PriceBreakerTripped" && parsed.args.collateral === weth) {
        out.push([parsed.args.move, parsed.args.slowMove]);
      }
    }
    return out;
  }

  /** The keeper bot, hourly: record the round, then poke. */
  async function recordAndPoke(at: number): Promise<[bigint, bigint][]> {
    await time.setNextBlockTimestamp(at);
    await sys.oracle.connect(sys.keeper).recordPrice(weth);
    await sys.btcFeed.updateAnswer(usd8(60_000));
    await sys.bdolFeed.updateAnswer(usd8(1));
    return tripsOf(sys.risk.connect(sys.keeper).poke());
  }

  async function start(): Promise<number> {
    const t0 = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(t0);
    await sys.ethFeed.updateAnswer(usd8(3_000));
    await sys.oracle.connect(sys.keeper).recordPrice(weth);
    await sys.risk.connect(sys.keeper).poke(); // anchors at 3,000
    return time.latest();
  }

  /** The proof's steps: a crash round half an hour in, a confirming round, the keeper's hourly record + poke. */
  async function crash(newPrice: number) {
    const tp = await start();
    await time.setNextBlockTimestamp(tp + 1800);
    await sys.ethFeed.updateAnswer(usd8(newPrice)); // the crash round
    const trips = await recordAndPoke(tp + 3600);
    const status1 = (await sys.oracle.getPrice(weth))[1];
    await time.setNextBlockTimestamp(tp + 5400);
    await sys.ethFeed.updateAnswer(usd8(newPrice)); // next round, same price: confirms
    trips.push(...(await recordAndPoke(tp + 7201)));
    const pausedUntil = (await sys.vaultManager.collateralConfig(weth)).pausedUntil;
    return { trips, status1, pausedUntil, firstPoke: tp + 3600 };
  }

  it("a 20 % fall trips the 15 % breaker at the first poke after it", async () => {
    const r = await crash(2_400);
    expect(r.status1).to.equal(0n); // live: within the oracle's 25 %
    expect(r.trips[0]).to.deep.equal([wad("0.2"), wad("0.2")]);
  });

  it("a 30 % fall that freezes the oracle trips it too, at the same poke, and borrowing halts", async () => {
    const r = await crash(2_100);
    expect(r.status1).to.equal(3n); // Frozen at the first poke
    expect(r.trips.length).to.equal(2); // seen at the frozen poke and again once confirmed
    expect(r.trips[0]).to.deep.equal([wad("0.3"), wad("0.3")]);
    expect(r.pausedUntil).to.be.greaterThan(BigInt(await time.latest()));
    await fund(sys, sys.weth, sys.bob, wad(5));
    await expect(sys.vaultManager.connect(sys.bob).openVault(weth, wad(5), wad(1_000)))
      .to.be.revertedWithCustomError(sys.vaultManager, "CollateralPaused")
      .withArgs(weth);
    // Other collaterals are untouched.
    expect((await sys.vaultManager.collateralConfig(await sys.wbtc.getAddress())).paused).to.equal(false);
  });

  it("a −21 % wick inside the hour, half recovered by the next poke, trips", async () => {
    const tp = await start();
    await time.setNextBlockTimestamp(tp + 1200);
    await sys.ethFeed.updateAnswer(usd8(2_370)); // the wick: −21 %
    await time.setNextBlockTimestamp(tp + 2400);
    await sys.ethFeed.updateAnswer(usd8(2_685)); // half recovered by the poke
    const trips = await recordAndPoke(tp + 3600);
    expect(trips).to.deep.equal([[wad("0.21"), wad("0.21")]]);
    expect((await sys.vaultManager.collateralConfig(weth)).paused).to.equal(true);
  });

  it("a −54 % fall over two days in hourly steps under 15 % trips the slow window", async () => {
    const tp = await start();
    const hourly = Math.pow(0.46, 1 / 48); // −1.6 % an hour
    let price = 3_000;
    let tripped: [bigint, bigint] | undefined;
    let trippedAt = 0;
    for (let h = 1; h <= 48; h++) {
      const next = price * hourly;
      expect((price - next) / price).to.be.lessThan(0.15);
      price = next;
      await time.setNextBlockTimestamp(tp + 3600 * h - 60);
      await sys.ethFeed.updateAnswer(usd8(price));
      const trips = await recordAndPoke(tp + 3600 * h);
      if (trips.length > 0 && tripped === undefined) [tripped, trippedAt] = [trips[0], h];
    }
    expect(price / 3_000).to.be.closeTo(0.46, 0.001);
    expect(tripped, "the slow window trips").to.not.equal(undefined);
    // The fast window never saw 15 %: the slow one (a day, 30 %) did.
    expect(tripped![0] < wad("0.15")).to.equal(true);
    expect(tripped![1] > wad("0.3")).to.equal(true);
    expect(trippedAt).to.equal(23);
    expect((await sys.vaultManager.collateralConfig(weth)).paused).to.equal(true);
  });
});

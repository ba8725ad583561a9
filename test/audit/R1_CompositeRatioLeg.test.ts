/**
 * Internal review R1 (composite feeds), regression: the round history of a composite asset (WBTC =
 * BTC/USD × WBTC/BTC) used to walk only the USD leg's rounds, pricing each with the ratio's answer at
 * the time of the walk, so a move of the ratio leg alone never reached the price range or the
 * volatility: a −21 % WBTC/BTC wick half recovered by the poke tripped nothing, and one recordPrice
 * during a ratio dip took the volatility from 0 to 281 %. The walk now merges both legs' rounds by
 * time (IOracleAdapter, "Round history"): the same wick trips the breaker as a BTC/USD wick does, and
 * the volatility is the same whoever records and when.
 */
import { expect } from "chai";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { loadSystem, type System } from "../helpers/fixtures";

const usd8 = (usd: number) => BigInt(Math.round(usd * 1e8));
const ratio8 = (r: number) => BigInt(Math.round(r * 1e8));

describe("Review R1: a composite's ratio-leg moves reach the round history (WBTC/BTC depeg wick)", () => {
  let sys: System;
  let wbtc: string;
  beforeEach(async () => {
    sys = await loadSystem();
    wbtc = await sys.wbtc.getAddress();
  });

  async function trips(tx: Promise<ContractTransactionResponse>): Promise<bigint[][]> {
    const receipt = (await (await tx).wait())!;
    const out: bigint[][] = [];
    for (const log of receipt.logs) {
      const p = sys.risk.interface.parseLog(log);
      if (p?.name === "PriceBreakerTripped" && p.args.collateral === wbtc) out.push([p.args.move, p.args.slowMove]);
    }
    return out;
  }

  /** Fresh rounds everywhere at t0, WBTC recorded and a poke anchoring at 60,000. */
  async function start(): Promise<number> {
    const t0 = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(t0);
    await sys.btcFeed.updateAnswer(usd8(60_000));
    await sys.wbtcBtcFeed.updateAnswer(ratio8(1));
    await sys.ethFeed.updateAnswer(usd8(3_000));
    await sys.bdolFeed.updateAnswer(usd8(1));
    await sys.oracle.connect(sys.keeper).recordPrice(wbtc);
    await sys.risk.connect(sys.keeper).poke();
    return time.latest();
  }

  async function recordAndPoke(at: number) {
    await time.setNextBlockTimestamp(at);
    await sys.oracle.connect(sys.keeper).recordPrice(wbtc);
    return trips(sys.risk.connect(sys.keeper).poke());
  }

  it("control: a −21 % BTC/USD wick, half recovered by the poke, trips the 15 % breaker", async () => {
    const tp = await start();
    await time.setNextBlockTimestamp(tp + 1200);
    await sys.btcFeed.updateAnswer(usd8(47_400)); // −21 %
    await time.setNextBlockTimestamp(tp + 2400);
    await sys.btcFeed.updateAnswer(usd8(53_700)); // half recovered
    const t = await recordAndPoke(tp + 3600);
    expect(t.length).to.equal(1);
    expect(t[0][0]).to.equal(21n * 10n ** 16n);
    expect((await sys.vaultManager.collateralConfig(wbtc)).paused).to.equal(true);
  });

  it("the same −21 % wick on WBTC/BTC (depeg), half recovered by the poke, trips the breaker too", async () => {
    const tp = await start();
    await time.setNextBlockTimestamp(tp + 1200);
    await sys.wbtcBtcFeed.updateAnswer(ratio8(0.79)); // WBTC −21 %
    // While the wick lasts, getPrice is live at 47,400 (liquidations run at the depegged price).
    const [during, status] = await sys.oracle.getPrice(wbtc);
    expect(status).to.equal(0n);
    expect(during).to.equal(47_400n * 10n ** 18n);
    await time.setNextBlockTimestamp(tp + 2400);
    await sys.wbtcBtcFeed.updateAnswer(ratio8(0.895)); // half recovered
    const t = await recordAndPoke(tp + 3600);
    const report = await sys.oracle.priceReport(wbtc);
    // The range the breaker compares saw the wick: 47,400 to 60,000.
    expect(report.low).to.equal(47_400n * 10n ** 18n);
    expect(report.high).to.equal(60_000n * 10n ** 18n);
    expect(t.length).to.equal(1);
    expect(t[0][0]).to.equal(21n * 10n ** 16n);
    expect((await sys.vaultManager.collateralConfig(wbtc)).paused).to.equal(true);
  });

  it("volatility does not depend on who records and when: a record during a ratio dip changes nothing", async () => {
    const tp = await start();
    await time.setNextBlockTimestamp(tp + 600);
    await sys.wbtcBtcFeed.updateAnswer(ratio8(0.9)); // WBTC/BTC dips 10 %
    await time.setNextBlockTimestamp(tp + 900);
    await sys.btcFeed.updateAnswer(usd8(60_000)); // a BTC/USD round, price unchanged

    const snap = await takeSnapshot();
    // Path A: the attacker records during the dip.
    await time.setNextBlockTimestamp(tp + 1000);
    await sys.oracle.connect(sys.attacker).recordPrice(wbtc);
    await time.setNextBlockTimestamp(tp + 1500);
    await sys.wbtcBtcFeed.updateAnswer(ratio8(1)); // back
    await time.setNextBlockTimestamp(tp + 3000);
    await sys.btcFeed.updateAnswer(usd8(60_000));
    await time.setNextBlockTimestamp(tp + 3500);
    await sys.oracle.connect(sys.keeper).recordPrice(wbtc);
    const volA = await sys.oracle.volatility(wbtc);

    await snap.restore();
    // Path B: same feeds, nobody records during the dip.
    await time.setNextBlockTimestamp(tp + 1500);
    await sys.wbtcBtcFeed.updateAnswer(ratio8(1));
    await time.setNextBlockTimestamp(tp + 3000);
    await sys.btcFeed.updateAnswer(usd8(60_000));
    await time.setNextBlockTimestamp(tp + 3500);
    await sys.oracle.connect(sys.keeper).recordPrice(wbtc);
    const volB = await sys.oracle.volatility(wbtc);

    // Both walks saw the dip (−10 % and back within 15 minutes): the same, large, volatility.
    expect(volA).to.equal(volB);
    expect(volA).to.be.greaterThan(10n ** 18n);
  });
});

/**
 * Internal review R2 (Low, known issue — README "Known issues"): a walk reads at most
 * MAX_ROUNDS_PER_WALK (64) rounds of a feed, and the poke reads the range from a view walk starting at
 * the last recorded round. When 64 or more rounds follow a wick before anyone records, the wick's
 * round is skipped: the −21 % wick that trips the 15 % breaker with 63 later rounds trips nothing
 * with 64. The defence is recording: the keeper bot records every priced asset's new rounds each
 * iteration, and one record anywhere in the backlog keeps the wick in the history — shown here.
 */
import { expect } from "chai";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { loadSystem, type System } from "../helpers/fixtures";

const usd8 = (usd: number) => BigInt(Math.round(usd * 1e8));

describe("Review R2 (known issue): the breaker sees a wick up to 63 unrecorded rounds back; a record in between keeps it", () => {
  let sys: System;
  let weth: string;
  beforeEach(async () => {
    sys = await loadSystem();
    weth = await sys.weth.getAddress();
  });

  async function trips(tx: Promise<ContractTransactionResponse>): Promise<bigint[][]> {
    const receipt = (await (await tx).wait())!;
    const out: bigint[][] = [];
    for (const log of receipt.logs) {
      const p = sys.risk.interface.parseLog(log);
      if (p?.name === "PriceBreakerTripped" && p.args.collateral === weth) out.push([p.args.move, p.args.slowMove]);
    }
    return out;
  }

  it("63 rounds after the wick: trips; 64 unrecorded: skipped (the stated bound); 64 with one record in between: trips", async () => {
    const t0 = (await time.latest()) + 10;
    await time.setNextBlockTimestamp(t0);
    await sys.ethFeed.updateAnswer(usd8(3_000));
    await sys.btcFeed.updateAnswer(usd8(60_000));
    await sys.bdolFeed.updateAnswer(usd8(1));
    await sys.oracle.recordPrice(weth);
    await sys.risk.poke(); // anchors at 3,000
    const tp = await time.latest();

    await time.setNextBlockTimestamp(tp + 600);
    await sys.ethFeed.updateAnswer(usd8(2_370)); // the wick: −21 %
    // 62 rounds climbing back 0.1 % at a time from 2,600, a few seconds apart.
    let t = tp + 700;
    let price = 2_600;
    for (let i = 0; i < 62; i++) {
      await time.setNextBlockTimestamp(t);
      await sys.ethFeed.updateAnswer(usd8(price));
      t += 20;
      price = Math.round(price * 1.001);
    }
    const snap = await takeSnapshot();

    // 63 rounds after the wick: the walk still reaches it.
    await time.setNextBlockTimestamp(t);
    await sys.ethFeed.updateAnswer(usd8(2_700));
    await time.setNextBlockTimestamp(tp + 3600);
    const seen = await trips(sys.risk.poke());
    expect(seen.length).to.equal(1);
    expect(seen[0][0]).to.equal(21n * 10n ** 16n);

    await snap.restore();
    // One more round (64 after the wick): the wick's round is skipped.
    await time.setNextBlockTimestamp(t);
    await sys.ethFeed.updateAnswer(usd8(2_700));
    await time.setNextBlockTimestamp(t + 20);
    await sys.ethFeed.updateAnswer(usd8(2_700));
    await time.setNextBlockTimestamp(tp + 3600);
    const report = await sys.oracle.priceReport(weth);
    expect(report.low).to.equal(2_600n * 10n ** 18n); // the range's floor is 2,600, not 2,370
    expect(await trips(sys.risk.poke())).to.deep.equal([]); // 13.3 % < 15 %: no halt
    expect((await sys.vaultManager.collateralConfig(weth)).paused).to.equal(false);

    await snap.restore();
    // The same 64 rounds with a keeper's record in between (as the bot does each iteration).
    await sys.oracle.connect(sys.keeper).recordPrice(weth);
    await time.setNextBlockTimestamp(t);
    await sys.ethFeed.updateAnswer(usd8(2_700));
    await time.setNextBlockTimestamp(t + 20);
    await sys.ethFeed.updateAnswer(usd8(2_700));
    await time.setNextBlockTimestamp(tp + 3600);
    expect((await sys.oracle.priceReport(weth)).low).to.equal(2_370n * 10n ** 18n);
    const kept = await trips(sys.risk.poke());
    expect(kept.length).to.equal(1);
    expect(kept[0][0]).to.equal(21n * 10n ** 16n);
  });
});

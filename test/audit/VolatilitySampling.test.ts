/**
 * Regression test for audit finding periph-2 (Medium): the volatility estimate depended on who
 * recorded and when. It took one sample per `recordPrice`, r² / max(dt, 10 min), weighted per
 * observation, so a fast path read 368.7 % recorded every 10 minutes and 114.6 % recorded every
 * round, and a choppy path 0 % hourly and 448 % every round: anyone could steer borrow ratios by
 * choosing when to call `recordPrice`.
 *
 * Fixed: the estimate is a function of the feed's rounds, not of the calls. `recordPrice` (and the
 * views) process every round since the last processed one, in order, with the time-weighted update
 * V ← (τ·V + r²) / (τ + dt). The stated bound: the stored state is identical (to the wei) whatever
 * the recording cadence, as long as no recording meets more than MAX_ROUNDS_PER_WALK (64) new rounds;
 * with more, the rounds before the last 64 count as one return. Extra recordings (an attacker's, on
 * top of a keeper's) can only bring a walk under that bound, never move the estimate.
 */
import { expect } from "chai";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { loadSystem, type System } from "../helpers/fixtures";
import { WAD } from "../../lib/sdk";

/** Deterministic ±0.5 % random walk, one round a minute (a deviation-triggered feed in a fast market). */
function fastPath(n: number): bigint[] {
  let seed = 12345n;
  let p = 3000n * 10n ** 8n;
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    p = (seed >> 33n) % 2n === 0n ? (p * 1005n) / 1000n : (p * 995n) / 1000n;
    out.push(p);
  }
  return out;
}

/** 3,000 / 3,060 alternating, one round every 10 minutes: ±2 % chop. */
const choppyPath = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 3060n : 3000n) * 10n ** 8n);

/** Recording moments (round indexes after which someone records) for a cadence. */
type Cadence = { name: string; recordAfter: (i: number) => boolean };

/** A reproducible "random" cadence: gaps of 1 to 64 rounds. */
function randomCadence(n: number, seed: number): Cadence {
  const marks = new Set<number>();
  let s = seed;
  for (let i = 0; i < n; ) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    i += 1 + (s % 64);
    marks.add(i - 1);
  }
  return { name: "random gaps of 1–64 rounds", recordAfter: (i) => marks.has(i) };
}

describe("AUDIT periph-2 regression: the volatility estimate does not depend on who records or when", () => {
  let sys: System;
  let weth: string;
  beforeEach(async () => {
    sys = await loadSystem();
    weth = await sys.weth.getAddress();
  });

  /** Publishes `rounds` `dt` apart, recording per `cadence`, then records once more; the stored history. */
  async function run(rounds: bigint[], dt: number, t0: number, cadence: Cadence) {
    for (let i = 0; i < rounds.length; i++) {
      await time.setNextBlockTimestamp(t0 + dt * (i + 1));
      await sys.ethFeed.updateAnswer(rounds[i]);
      if (cadence.recordAfter(i)) await sys.oracle.connect(sys.attacker).recordPrice(weth);
    }
    await sys.oracle.connect(sys.keeper).recordPrice(weth);
    const h = await sys.oracle.roundHistory(weth);
    return { variance: h.varianceRate, volatility: await sys.oracle.volatility(weth), lastRoundId: h.lastRoundId };
  }

  async function compareCadences(rounds: bigint[], dt: number, cadences: Cadence[]) {
    await sys.oracle.connect(sys.keeper).recordPrice(weth);
    const t0 = (await time.latest()) + 10;
    const snap = await takeSnapshot();
    const results = [];
    for (const cadence of cadences) {
      results.push({ name: cadence.name, ...(await run(rounds, dt, t0, cadence)) });
      await snap.restore();
    }
    const pct = (x: bigint) => (Number((x * 10000n) / WAD) / 100).toFixed(2) + " %";
    for (const r of results) console.log(`      ${r.name.padEnd(28)} volatility ${pct(r.volatility)}`);
    // The stated bound: identical, to the wei, at every cadence whose gaps stay within 64 rounds.
    for (const r of results) {
      expect([r.variance, r.lastRoundId], r.name).to.deep.equal([results[0].variance, results[0].lastRoundId]);
    }
    expect(results[0].volatility).to.be.greaterThan(0n);
    return results[0].volatility;
  }

  it("a fast market (±0.5 % a minute, 600 rounds) reads the same recorded every round, every 10 minutes, hourly or at random", async () => {
    const rounds = fastPath(600);
    const vol = await compareCadences(rounds, 60, [
      { name: "every round", recordAfter: () => true },
      { name: "every 10 minutes", recordAfter: (i) => (i + 1) % 10 === 0 },
      { name: "hourly (60 rounds a walk)", recordAfter: (i) => (i + 1) % 60 === 0 },
      randomCadence(rounds.length, 7),
    ]);
    // 0.5 % a minute is σ ≈ 362 % a year; after 10 hours a one-day time constant has taken in
    // 1 − e^(−10/24) ≈ 34 % of it: σ ≈ 362 % · √0.34 ≈ 211 %.
    expect(vol).to.be.within(190n * 10n ** 16n, 230n * 10n ** 16n);
  });

  it("a choppy market (±2 % every 10 minutes) reads the same recorded every round, hourly or at random — no longer 0 % hourly", async () => {
    const rounds = choppyPath(60);
    const vol = await compareCadences(rounds, 600, [
      { name: "every round", recordAfter: () => true },
      { name: "hourly (the old 0 %)", recordAfter: (i) => (i + 1) % 6 === 0 },
      { name: "once, at the end", recordAfter: () => false },
      randomCadence(rounds.length, 11),
    ]);
    expect(vol).to.be.greaterThan(WAD); // ±2 % every 10 minutes is far above 100 % a year
  });

  it("an attacker recording on top of an hourly keeper cannot move the estimate", async () => {
    const rounds = fastPath(180);
    await compareCadences(rounds, 60, [
      { name: "keeper hourly", recordAfter: (i) => (i + 1) % 60 === 0 },
      {
        name: "keeper + attacker at will",
        recordAfter: (i) => (i + 1) % 60 === 0 || [3, 4, 17, 18, 19, 101].includes(i),
      },
    ]);
  });

  it("beyond the bound: a recording that meets more than 64 new rounds counts the older ones as one return", async () => {
    const rounds = choppyPath(130);
    await sys.oracle.connect(sys.keeper).recordPrice(weth);
    const t0 = (await time.latest()) + 10;
    const snap = await takeSnapshot();
    const everyRound = await run(rounds, 600, t0, { name: "every round", recordAfter: () => true });
    await snap.restore();
    const never = await run(rounds, 600, t0, { name: "never", recordAfter: () => false });
    // 66 of the chop's rounds collapse into one return of 0 %: the estimate reads lower. Nobody
    // recording for 64 rounds is the only way there; any extra recording restores the exact value.
    expect(never.lastRoundId).to.equal(everyRound.lastRoundId);
    expect(never.variance).to.be.lessThan(everyRound.variance);
  });
});

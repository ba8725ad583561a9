/**
 * The SDK's math (lib/sdk/math.ts) against the contracts' libraries on random inputs: every
 * function the tools and tests mirror returns exactly what MathLib, CollateralLib, RateLib and
 * AuctionLib return (through test-only MathHarness), including which inputs revert.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import * as m from "../../lib/sdk/math";
import type { MathHarness } from "../../typechain-types";
import { MAX_SAVINGS_RATE } from "../../lib/sdk/constants";

/** A deterministic xorshift64* stream of bigints. */
function prng(seed: bigint) {
  let s = seed;
  const next = (): bigint => {
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    return (s * 2685821657736338717n) & 0xffffffffffffffffn;
  };
  /** Uniform-ish in [lo, hi], on a log scale half the time so small and large values both appear. */
  return (lo: bigint, hi: bigint): bigint => {
    let r = 0n;
    for (let i = 0; i < 5; i++) r = (r << 64n) | next();
    if (next() % 2n === 0n) {
      const bits = BigInt((hi - lo).toString(2).length);
      const b = (next() % bits) + 1n;
      r %= 1n << b;
    }
    return lo + (r % (hi - lo + 1n));
  };
}

const N = 150;

describe("SDK math = the contracts' libraries (random inputs)", function () {
  let h: MathHarness;
  const rnd = prng(0x9e3779b97f4a7c15n);

  before(async () => {
    h = (await ethers.deployContract("MathHarness")) as unknown as MathHarness;
  });

  it("mulDiv, wad and ray products and quotients, both roundings", async () => {
    const pairs: [string, (x: bigint, y: bigint) => bigint][] = [
      ["wadMulDown", m.wadMulDown],
      ["wadMulUp", m.wadMulUp],
      ["wadDivDown", m.wadDivDown],
      ["wadDivUp", m.wadDivUp],
      ["rayMulDown", m.rayMulDown],
      ["rayMulUp", m.rayMulUp],
      ["rayDivDown", m.rayDivDown],
      ["rayDivUp", m.rayDivUp],
    ];
    for (let i = 0; i < N; i++) {
      const x = rnd(0n, 10n ** 36n);
      const y = rnd(1n, 10n ** 36n);
      for (const [name, f] of pairs) {
        expect(await h.getFunction(name)(x, y), `${name}(${x}, ${y})`).to.equal(f(x, y));
      }
      const d = rnd(1n, 10n ** 30n);
      expect(await h.mulDivDown(x, y, d)).to.equal(m.mulDivDown(x, y, d));
      expect(await h.mulDivUp(x, y, d)).to.equal(m.mulDivUp(x, y, d));
    }
  });

  it("integer square root", async () => {
    for (let i = 0; i < N; i++) {
      const x = rnd(0n, 2n ** 200n);
      expect(await h.sqrtDown(x)).to.equal(m.isqrt(x));
    }
  });

  it("rpowUpCapped and the rate accumulator's growth (RateLib.grow), saturation included", async () => {
    for (let i = 0; i < N; i++) {
      const fee = rnd(m.RAY, 1_000000021979553151239153027n); // up to MAX_STABILITY_FEE
      const elapsed = rnd(0n, 40n * m.SECONDS_PER_YEAR);
      const rate = rnd(m.RAY, m.MAX_RATE_ACCUMULATOR);
      expect(await h.rpowUpCapped(fee, elapsed, m.MAX_RATE_ACCUMULATOR)).to.equal(
        m.rpowUpCapped(fee, elapsed, m.MAX_RATE_ACCUMULATOR),
      );
      expect(await h.grow(rate, fee, elapsed), `grow(${rate}, ${fee}, ${elapsed})`).to.equal(
        m.growRateUp(rate, fee, elapsed),
      );
    }
    // Below the cap the uncapped mirror (used to find per-second rates) agrees too.
    const fee = m.perSecondRate(m.WAD / 50n);
    const year = await h.rpowUpCapped(fee, m.SECONDS_PER_YEAR, m.MAX_RATE_ACCUMULATOR);
    expect(year).to.equal(m.rpowUp(fee, m.SECONDS_PER_YEAR));
    // A year's growth in wad, rounded up: what a 2 % fee (rounded down to the RAY unit) compounds to.
    expect(m.yearlyGrowthUp(fee)).to.equal(m.mulDivUp(year - m.RAY, 1n, 10n ** 9n));
    expect(m.yearlyGrowthUp(fee))
      .to.be.lte(m.WAD / 50n)
      .and.gte(m.WAD / 50n - 10n ** 12n);
    expect(m.yearlyGrowthUp(m.RAY)).to.equal(0n);
  });

  it("rpowDownCapped and savings interest (RateLib.interestDown), saturation included", async () => {
    for (let i = 0; i < N; i++) {
      const rate = rnd(m.RAY, MAX_SAVINGS_RATE);
      const elapsed = rnd(0n, i % 4 === 0 ? 200n * m.SECONDS_PER_YEAR : 90n * 86_400n);
      const assets = rnd(0n, 10n ** 33n);
      expect(await h.rpowDownCapped(rate, elapsed, m.MAX_RATE_ACCUMULATOR)).to.equal(
        m.rpowDownCapped(rate, elapsed, m.MAX_RATE_ACCUMULATOR),
      );
      expect(await h.interestDown(assets, rate, elapsed), `interestDown(${assets}, ${rate}, ${elapsed})`).to.equal(
        m.interestDown(assets, rate, elapsed),
      );
      // Rounded down: never above the rounded-up power's interest.
      expect(m.rpowDownCapped(rate, elapsed, m.MAX_RATE_ACCUMULATOR)).to.be.lte(
        m.rpowUpCapped(rate, elapsed, m.MAX_RATE_ACCUMULATOR),
      );
    }
    // 200 years at the maximum rate saturates at the accumulator's cap.
    expect(m.rpowDownCapped(MAX_SAVINGS_RATE, 200n * m.SECONDS_PER_YEAR, m.MAX_RATE_ACCUMULATOR)).to.equal(
      m.MAX_RATE_ACCUMULATOR,
    );
  });

  it("collateral values and amounts at a price, for every decimals from 0 to 18", async () => {
    for (let i = 0; i < N; i++) {
      const decimals = Number(rnd(0n, 18n));
      const amount = rnd(0n, 10n ** 30n);
      const value = rnd(0n, 10n ** 30n);
      const price = rnd(1n, 10n ** 24n);
      expect(await h.valueDown(amount, decimals, price)).to.equal(m.valueDown(amount, decimals, price));
      expect(await h.valueUp(amount, decimals, price)).to.equal(m.valueUp(amount, decimals, price));
      expect(await h.amountForValueDown(value, decimals, price)).to.equal(m.amountForValueDown(value, decimals, price));
      expect(await h.amountForValueUp(value, decimals, price)).to.equal(m.amountForValueUp(value, decimals, price));
    }
  });

  it("a liquidation's slice and collateral split", async () => {
    for (let i = 0; i < N; i++) {
      const debt = rnd(1n, 10n ** 27n);
      const capacity = rnd(0n, 2n * debt);
      const room = rnd(0n, 2n * debt);
      const minDebt = rnd(0n, debt);
      const [sliced, absorbed] = await h.slice(debt, capacity, room, minDebt);
      expect({ sliced, absorbed }).to.deep.equal(m.sliceDebt(debt, capacity, room, minDebt));
      if (sliced === 0n) continue;
      const collateral = rnd(1n, 10n ** 27n);
      const penalty = rnd(0n, m.WAD / 4n);
      const decimals = Number(rnd(0n, 18n));
      const price = rnd(1n, 10n ** 24n);
      const [toReserve, toAuction] = await h.split(collateral, debt, sliced, absorbed, penalty, decimals, price);
      expect({ toReserve, toAuction }).to.deep.equal(
        m.splitCollateralDown(collateral, debt, sliced, absorbed, penalty, decimals, price),
      );
    }
  });

  it("a take's amounts, and the same refusals (dust, dust lot, zero)", async () => {
    let refused = 0;
    for (let i = 0; i < 2 * N; i++) {
      const decimals = Number(rnd(0n, 18n));
      const lot = rnd(1n, 10n ** 24n);
      const slice = rnd(1n, lot);
      const tab = rnd(1n, 10n ** 26n);
      const price = rnd(1n, 10n ** 24n);
      const dust = rnd(0n, 10n ** 21n);
      let expected: { collateralOut: bigint; paid: bigint } | string;
      try {
        expected = m.takeAmounts(lot, tab, slice, price, decimals, dust);
      } catch (e) {
        expected = (e as Error).message;
      }
      if (typeof expected === "string") {
        refused++;
        await expect(h.takeAmounts(lot, tab, slice, price, decimals, dust)).to.be.reverted;
        try {
          await h.takeAmounts(lot, tab, slice, price, decimals, dust);
        } catch (e) {
          const data = (e as { data?: string }).data ?? "";
          const iface = (await ethers.getContractFactory("LiquidationEngine")).interface;
          const name =
            iface.parseError(data)?.name ??
            (await ethers.getContractFactory("ErrorsLib")).interface.parseError(data)?.name;
          expect(name).to.equal(expected);
        }
      } else {
        const [collateralOut, paid] = await h.takeAmounts(lot, tab, slice, price, decimals, dust);
        expect({ collateralOut, paid }).to.deep.equal(expected);
      }
    }
    expect(refused, "some random takes are refused").to.be.greaterThan(0);
  });
});

/**
 * scripts/lib/uniswap.ts's integer square root, which every sqrt price the deploy scripts, the tools
 * and the simulator compute goes through: the floor, exact at and around perfect squares, and fast
 * on the 2^192-scale ratios of pools whose tokens' decimals differ (where a double's root is off by
 * ~1e11 and stepping from it by one hung the simulator).
 */
import { expect } from "chai";
import { sqrtBigInt, sqrtPriceX96At, priceWadAt } from "../../scripts/lib/uniswap";

describe("Uniswap math helpers (scripts/lib/uniswap.ts)", function () {
  it("sqrtBigInt is the floor of the root, from 0 to 2^256", function () {
    const cases = [0n, 1n, 2n, 3n, 4n, 8n, 9n, 15n, 16n, 17n, 99n, 100n, 101n];
    for (let i = 0; i < 200; i++) cases.push(BigInt(i) ** 5n + BigInt(i * 7919));
    const big = [2n ** 192n / 600n, 2n ** 192n * 600n, 2n ** 255n, 2n ** 256n - 1n, 10n ** 60n + 12345n];
    for (const b of big) cases.push(b, b - 1n, b + 1n);
    for (const r of [10n ** 30n + 1n, 2n ** 100n + 3n]) cases.push(r * r, r * r - 1n, r * r + 1n);
    for (const x of cases) {
      const r = sqrtBigInt(x);
      expect(r * r <= x && (r + 1n) * (r + 1n) > x, `sqrt(${x}) = ${r}`).to.equal(true);
    }
    expect(() => sqrtBigInt(-1n)).to.throw(/negative/);
  });

  it("prices an 8-decimal token against a 6-decimal one either way round (mocha's timeout catches a hang)", function () {
    for (const baseIs0 of [true, false]) {
      for (const usd of [20_000n, 60_000n, 100_000n]) {
        const wad = usd * 10n ** 18n;
        const sqrt = sqrtPriceX96At(wad, 8, 6, baseIs0);
        const back = priceWadAt(sqrt, 8, 6, baseIs0);
        // The floor of the root loses at most a part in 2^95 of the ratio.
        expect(Number(back - wad) / Number(wad)).to.be.closeTo(0, 1e-12);
      }
    }
  });
});

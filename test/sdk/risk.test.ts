/**
 * The SDK's risk measures (lib/sdk/risk.ts): the book as short puts. Closed forms against known
 * values, against their own finite differences and against a Monte Carlo of the same book; the
 * insolvency probability rising with volatility and with debt; bad inputs refused.
 */
import { expect } from "chai";
import {
  expectedLoss,
  expectedShortfall,
  greeks,
  insolvencyProbability,
  lossAt,
  monteCarlo,
  normalStream,
  putValue,
  stressedLoss,
  valueAtRisk,
  type CollateralBook,
} from "../../lib/sdk/risk";

const DAY = 1 / 365;

/** A book like the simulator's: collateral ratios 1.6–6 at the price, debt 1,000–50,000 BDOL. */
function book(symbol: string, price: number, volatility: number, vaults: number, seed: number): CollateralBook {
  const draw = normalStream(seed);
  const list = [];
  for (let i = 0; i < vaults; i++) {
    const debt = 1_000 + Math.abs(draw()) * 20_000;
    const ratio = 1.6 + Math.abs(draw()) * 1.5;
    list.push({ collateral: (debt * ratio) / price, debt });
  }
  return { symbol, price, volatility, recovery: 0.9, vaults: list, held: 0 };
}

describe("SDK risk measures (the book as short puts)", function () {
  this.timeout(120_000);
  const eth = book("WETH", 3_000, 0.8, 150, 1);
  const btc = book("WBTC", 60_000, 0.6, 60, 2);
  const T = 30 * DAY;

  it("prices a put as Black–Scholes with no interest (known values, parity, bounds)", () => {
    // S = K = 100, σ = 20 %, one year: 7.9656 (Hull's tables, r = 0).
    expect(putValue(100, 100, 0.2, 1)).to.be.closeTo(7.965567, 1e-5);
    // Put–call parity with r = 0: C − P = S − K, C from the same formula by symmetry.
    const S = 120;
    const K = 100;
    const call = putValue(S, K, 0.5, 0.5) + S - K;
    expect(call).to.be.greaterThan(S - K);
    expect(putValue(S, K, 0.5, 0.5))
      .to.be.greaterThan(0)
      .and.lessThan(K);
    expect(putValue(100, 0, 0.5, 1)).to.equal(0);
  });

  it("the one-factor closed forms agree with a Monte Carlo of the same book at correlation 1", () => {
    const books = [eth, btc];
    const reserve = 20_000;
    const mc = monteCarlo(books, reserve, T, { paths: 200_000, seed: 7 });
    const closedLoss = expectedLoss(eth, T) + expectedLoss(btc, T);
    const closedP = insolvencyProbability(books, reserve, T);
    // Within four standard errors (and the errors are small: a stated tolerance of 5 % of the value).
    expect(Math.abs(mc.expectedLoss - closedLoss)).to.be.lte(4 * mc.expectedLossError);
    expect(mc.expectedLossError / closedLoss).to.be.lte(0.05);
    expect(Math.abs(mc.insolvencyProbability - closedP)).to.be.lte(4 * mc.insolvencyProbabilityError + 1e-9);
    expect(closedP).to.be.greaterThan(0.001).and.lessThan(0.5);
    const es = expectedShortfall(books, T);
    expect(Math.abs(mc.expectedShortfall - es) / es).to.be.lte(0.05);
    const varClosed = valueAtRisk(books, T);
    expect(Math.abs(mc.valueAtRisk - varClosed) / varClosed).to.be.lte(0.05);
    expect(es).to.be.greaterThan(varClosed);
    expect(varClosed).to.be.greaterThan(closedLoss);
    // VaR is the loss at the 1 % quantile of the factor: the probability of exceeding it is 1 %.
    expect(insolvencyProbability(books, varClosed * (1 - 1e-9), T)).to.be.closeTo(0.01, 1e-6);
  });

  it("less correlation between collaterals lowers the tail, not the expected loss", () => {
    // Two books of the same size and volatility, so that diversification shows.
    const a = book("A", 3_000, 0.8, 150, 11);
    const b = book("B", 3_000, 0.8, 150, 12);
    const books = [a, b];
    const closedEs = expectedShortfall(books, T);
    const closedLoss = expectedLoss(a, T) + expectedLoss(b, T);
    const none = monteCarlo(books, 20_000, T, { paths: 200_000, seed: 3, correlation: 0 });
    expect(Math.abs(none.expectedLoss - closedLoss)).to.be.lte(4 * none.expectedLossError);
    // Expected shortfall is subadditive: the comonotone book (correlation 1, the closed form) is the worst.
    expect(none.expectedShortfall).to.be.lessThan(closedEs * 0.95);
  });

  it("the insolvency probability rises monotonically with volatility and with debt", () => {
    let last = 0;
    for (const vol of [0.3, 0.5, 0.8, 1.2, 2, 3]) {
      const p = insolvencyProbability([{ ...eth, volatility: vol }], 20_000, T);
      expect(p, `σ = ${vol}`).to.be.greaterThan(last);
      last = p;
    }
    last = 0;
    for (const scale of [1, 1.1, 1.25, 1.5, 2]) {
      const heavier = { ...eth, vaults: eth.vaults.map((v) => ({ ...v, debt: v.debt * scale })) };
      const p = insolvencyProbability([heavier], 20_000, T);
      expect(p, `debt × ${scale}`).to.be.greaterThan(last);
      last = p;
    }
    // More reserve, less probability; none when the reserve covers every debt.
    expect(insolvencyProbability([eth], 200_000, T)).to.be.lessThan(insolvencyProbability([eth], 20_000, T));
    const all = eth.vaults.reduce((t, v) => t + v.debt, 0);
    expect(insolvencyProbability([eth], all, T)).to.equal(0);
  });

  it("the Greeks equal finite differences of the expected loss; a 1 % fall and ten points of volatility revalued", () => {
    const g = greeks(eth, T);
    const h = eth.price * 1e-4;
    const up = expectedLoss({ ...eth, price: eth.price + h }, T);
    const down = expectedLoss({ ...eth, price: eth.price - h }, T);
    expect(g.expectedLoss).to.be.closeTo(expectedLoss(eth, T), 1e-6);
    expect(g.lossDelta).to.be.closeTo((up - down) / (2 * h), Math.abs(g.lossDelta) * 1e-4);
    expect(g.lossGamma).to.be.closeTo((up - 2 * g.expectedLoss + down) / (h * h), Math.abs(g.lossGamma) * 1e-2);
    const dv = 1e-5;
    const vegaFd =
      (expectedLoss({ ...eth, volatility: eth.volatility + dv }, T) -
        expectedLoss({ ...eth, volatility: eth.volatility - dv }, T)) /
      (2 * dv);
    expect(g.lossVega).to.be.closeTo(vegaFd, Math.abs(vegaFd) * 1e-4);
    // Short puts: the loss falls as the price rises and grows with volatility; the reserve's exposure adds what it holds.
    expect(g.lossDelta).to.be.lessThan(0);
    expect(g.lossGamma).to.be.greaterThan(0);
    expect(g.lossVega).to.be.greaterThan(0);
    expect(g.delta).to.be.closeTo(eth.held - g.lossDelta, 1e-9);
    expect(g.exposure).to.be.closeTo(eth.held * eth.price - g.expectedLoss, 1e-6);
    // Revalued scenarios, beside the Greeks' approximations.
    const fall = stressedLoss(eth, T, { price: -0.01 }) - g.expectedLoss;
    expect(fall).to.be.greaterThan(0);
    const approx = g.lossDelta * -0.01 * eth.price + 0.5 * g.lossGamma * (0.01 * eth.price) ** 2;
    expect(fall).to.be.closeTo(approx, Math.abs(fall) * 0.05);
    const volRise = stressedLoss(eth, T, { volatility: 0.1 }) - g.expectedLoss;
    expect(volRise).to.be.greaterThan(0);
  });

  it("an empty book loses nothing; a vault without collateral is a sure loss", () => {
    const empty = { ...eth, vaults: [] };
    expect(expectedLoss(empty, T)).to.equal(0);
    expect(expectedShortfall([empty], T)).to.equal(0);
    expect(insolvencyProbability([empty], 0, T)).to.equal(0);
    const bare = { ...eth, vaults: [{ collateral: 0, debt: 500 }] };
    expect(expectedLoss(bare, T)).to.equal(500);
    expect(lossAt([bare], T, 3)).to.equal(500);
    expect(expectedShortfall([bare], T)).to.be.closeTo(500, 1e-9);
  });

  it("refuses bad inputs with one clear message", () => {
    expect(() => expectedLoss({ ...eth, volatility: 0 }, T)).to.throw(RangeError, /volatility must be positive/);
    expect(() => expectedLoss({ ...eth, price: -1 }, T)).to.throw(RangeError, /price must be positive/);
    expect(() => expectedLoss({ ...eth, recovery: 1.5 }, T)).to.throw(RangeError, /recovery must be in/);
    expect(() => expectedLoss(eth, 0)).to.throw(RangeError, /horizon/);
    expect(() => insolvencyProbability([eth], -1, T)).to.throw(RangeError, /reserve/);
    expect(() => expectedShortfall([eth], T, 1)).to.throw(RangeError, /alpha/);
    expect(() => monteCarlo([eth], 0, T, { correlation: 1.2 })).to.throw(RangeError, /correlation/);
    expect(() => monteCarlo([eth], 0, T, { paths: 10 })).to.throw(RangeError, /paths/);
    expect(() => monteCarlo([eth], 0, T, { alpha: 1 })).to.throw(RangeError, /alpha/);
    expect(() => monteCarlo([eth], NaN, T)).to.throw(RangeError, /reserve/);
    expect(() => valueAtRisk([eth], -1)).to.throw(RangeError, /horizon/);
    expect(() => expectedLoss({ ...eth, vaults: [{ collateral: 1, debt: Infinity }] }, T)).to.throw(
      RangeError,
      /finite/,
    );
    const bad = { ...eth, vaults: [{ collateral: -1, debt: 1 }] };
    expect(() => expectedLoss(bad, T)).to.throw(RangeError, /not negative/);
  });

  it("nearby seeds give unrelated streams; a bad seed is refused", () => {
    const firsts = [0, 1, 2, 3, 7, 42, 1000, 2 ** 32].map((seed) => normalStream(seed)());
    expect(new Set(firsts).size).to.equal(firsts.length);
    const a = normalStream(2);
    const b = normalStream(3);
    const pairs = Array.from({ length: 2_000 }, () => [a(), b()]);
    const corr = pairs.reduce((t, [x, y]) => t + x * y, 0) / pairs.length;
    expect(Math.abs(corr)).to.be.lessThan(0.1);
    expect(() => normalStream(-1)).to.throw(RangeError, /seed/);
    expect(() => normalStream(1.5)).to.throw(RangeError, /seed/);
  });

  it("the reserve's own collateral is revalued at the simulated price: holding more lowers the probability", () => {
    const bare = { ...eth, held: 0 };
    const holding = { ...eth, held: 20 };
    const pBare = insolvencyProbability([bare], 20_000, T);
    const pHolding = insolvencyProbability([holding], 20_000, T);
    expect(pHolding).to.be.lessThan(pBare);
    // Against the same capacity as a fixed sum at today's price, revaluing lowers it in the crash paths.
    const fixed = insolvencyProbability([bare], 20_000 + 20 * eth.price * eth.recovery, T);
    expect(pHolding).to.be.greaterThan(fixed);
    const mc = monteCarlo([holding], 20_000, T, { paths: 100_000, seed: 5 });
    expect(Math.abs(mc.insolvencyProbability - pHolding)).to.be.lte(4 * mc.insolvencyProbabilityError + 1e-9);
  });

  it("draws reproducible standard normals", () => {
    const a = normalStream(42);
    const b = normalStream(42);
    const xs = Array.from({ length: 50_000 }, () => a());
    expect(xs.slice(0, 5)).to.deep.equal(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((t, x) => t + x, 0) / xs.length;
    const variance = xs.reduce((t, x) => t + (x - mean) ** 2, 0) / xs.length;
    expect(mean).to.be.closeTo(0, 0.02);
    expect(variance).to.be.closeTo(1, 0.03);
  });
});

/**
 * The keeper's planner (lib/keeper/plan.ts) on hand-built scanned states: no chain, no provider.
 * Prices are WAD per whole token; WETH has 18 decimals, WBTC 8.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import path from "node:path";

import { valueUp } from "../../lib/sdk/math";
import { wad } from "../../lib/sdk/units";
import {
  DEFAULT_MIN_SALE_VALUE,
  LIVE,
  MAX_PAID_REDOS,
  absorbedEstimate,
  checkOptions,
  collateralForBudget,
  flashTakeSize,
  gasCapReason,
  planFlashTake,
  planHeal,
  planLiquidations,
  planMarketUpdate,
  planPoke,
  planRebalance,
  planRecords,
  planRedos,
  planSales,
  planTakes,
  type GasCheck,
  type TakeStep,
} from "../../lib/keeper/plan";
import { emptyReport, settleProfit } from "../../lib/keeper/report";
import type { AuctionView, FlashQuote, RoundScan, VaultRow, VaultScan } from "../../lib/keeper/scan";

const WETH = "0x00000000000000000000000000000000000000E1";
const WBTC = "0x00000000000000000000000000000000000000B1";
const ALICE = "0x000000000000000000000000000000000000A11C";
const ZERO = "0x0000000000000000000000000000000000000000";
const STALE = 1n;
const GWEI = 10n ** 9n;
/** 50 gwei against a 25 gwei cap: above it. */
const ABOVE_CAP: GasCheck = { price: 50n * GWEI, cap: 25n * GWEI };

const collaterals: VaultScan["collaterals"] = [
  { token: WETH, symbol: "WETH", decimals: 18n, price: wad(2_400), status: LIVE, reserveHolding: 0n },
  { token: WBTC, symbol: "WBTC", decimals: 8n, price: wad(60_000), status: STALE, reserveHolding: 0n },
];

function vault(vaultId: number, healthFactor: string, collateral = WETH, debt = wad(10_000), owner = ALICE): VaultRow {
  return { vaultId: BigInt(vaultId), owner, collateral, debt, healthFactor: wad(healthFactor) };
}

function auction(id: number, fields: Partial<AuctionView> = {}): AuctionView {
  return {
    auctionId: BigInt(id),
    collateral: WETH,
    symbol: "WETH",
    decimals: 18n,
    lot: wad(10),
    tab: wad(20_000),
    price: wad(2_000),
    oraclePrice: wad(2_400),
    oracleStatus: LIVE,
    needsReset: false,
    paidRedos: 0n,
    ...fields,
  };
}

function acts<S extends { type: string }>(steps: S[]): Extract<S, { type: "act" }>[] {
  return steps.filter((s): s is Extract<S, { type: "act" }> => s.type === "act");
}
const skips = (steps: { type: string; what: string; reason?: string }[]) =>
  steps.filter((s) => s.type === "skip").map((s) => [s.what, s.reason]);

describe("Keeper planner (pure)", function () {
  it("loads without Hardhat or ethers: nothing in plan.ts can reach a chain", function () {
    this.timeout(60_000);
    const root = path.resolve(__dirname, "..", "..");
    const script =
      'require("./lib/keeper/plan");' +
      "const mods = Object.keys(require.cache).filter((f) => /node_modules[\\/\\\\](hardhat|ethers|@nomicfoundation)[\\/\\\\]/.test(f));" +
      "console.log(JSON.stringify(mods));";
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
      cwd: root,
      encoding: "utf8",
    });
    expect(JSON.parse(out)).to.deep.equal([]);
  });

  describe("liquidations", function () {
    const vaults = [
      vault(1, "0.944"), // unhealthy
      vault(2, "1.066"), // healthy
      vault(3, "0.888"), // the riskiest
      vault(4, "0.5", WBTC), // unhealthy, but WBTC's price is stale
      vault(5, "0.2", WETH, 0n), // no debt
      vault(6, "0.97"),
      vault(7, "0.1", WETH, wad(1), ZERO), // closed
      vault(8, "0.99", "0x00000000000000000000000000000000000000C0"), // a collateral the snapshot does not know
    ];

    it("liquidates the open unhealthy vaults riskiest first, skipping those whose price is not live", function () {
      const steps = planLiquidations({ vaults, collaterals });
      expect(steps.map((s) => s.what)).to.deep.equal(["vault 4", "vault 3", "vault 1", "vault 6", "vault 8"]);
      expect(acts(steps).map((s) => s.vaultId)).to.deep.equal([3n, 1n, 6n]);
      expect(acts(steps).map((s) => s.action)).to.deep.equal([
        { kind: "liquidate", id: 3n, collateral: WETH },
        { kind: "liquidate", id: 1n, collateral: WETH },
        { kind: "liquidate", id: 6n, collateral: WETH },
      ]);
      expect(skips(steps)).to.deep.equal([
        ["vault 4", "WBTC price stale, not live"],
        ["vault 8", "0x00000000000000000000000000000000000000C0 price unknown, not live"],
      ]);
    });

    it("a health factor of exactly 1 is healthy", function () {
      expect(planLiquidations({ vaults: [vault(1, "1")], collaterals })).to.deep.equal([]);
    });

    it("the dry run's absorption estimate: the whole debt without an auction, else what the buffer has left", function () {
      let buffer = wad(25_000);
      const absorbed: bigint[] = [];
      for (const [debt, auctionId] of [
        [wad(17_000), 1n],
        [wad(18_000), 2n],
        [wad(16_500), 3n],
      ]) {
        const a = absorbedEstimate(debt, auctionId, buffer);
        absorbed.push(a);
        buffer = buffer > a ? buffer - a : 0n;
      }
      expect(absorbed).to.deep.equal([wad(17_000), wad(8_000), 0n]);
      expect(absorbedEstimate(wad(5_000), 0n, 0n)).to.equal(wad(5_000));
    });
  });

  describe("takes", function () {
    it("takes only at price ≤ reference × (1 − spread): 2,352 passes at 2,400 − 2 %, 2,352.01 does not", function () {
      const takeable = [auction(1, { price: wad("2352.01") }), auction(2, { price: wad(2_352) })];
      const steps = planTakes(takeable, [wad(2_400), wad(2_400)], wad(100_000), {});
      expect(skips(steps)).to.deep.equal([
        ["auction 1", "unprofitable: price 2,352.01 > 2,352.00 (reference 2,400.00 − 2.00 %)"],
      ]);
      expect(acts(steps).map((s) => s.action.id)).to.deep.equal([2n]);
      // A wider spread turns the second away too; the reference is the one passed, not the oracle's.
      expect(acts(planTakes(takeable, [wad(2_400), wad(2_400)], wad(100_000), { spread: wad("0.03") }))).to.have.length(
        0,
      );
      expect(acts(planTakes(takeable, [wad(3_000), wad(3_000)], wad(100_000), {}))).to.have.length(2);
    });

    it("orders takes by discount against each one's reference, best first", function () {
      const takeable = [
        auction(1, { price: wad(2_200) }), // 91.7 % of 2,400
        auction(2, { price: wad(1_900) }), // 79.2 %
        auction(3, { price: wad(50_000), collateral: WBTC, symbol: "WBTC", decimals: 8n, lot: 10n ** 8n }), // 83.3 % of 60,000
      ];
      const steps = planTakes(takeable, [wad(2_400), wad(2_400), wad(60_000)], wad(1_000_000), {});
      expect(steps.map((s) => s.what)).to.deep.equal(["auction 2", "auction 3", "auction 1"]);
    });

    it("the BDOL budget cuts the takes: whole lot, then a slice, then nothing", function () {
      // Each: 10 WETH at 2,000 against a 20,000 BDOL tab; 30,000 BDOL to spend.
      const takeable = [auction(1), auction(2, { price: wad(1_990) }), auction(3, { price: wad(1_980) })];
      const steps = planTakes(takeable, [wad(2_400), wad(2_400), wad(2_400)], wad(30_000), {});
      expect(steps.map((s) => s.what)).to.deep.equal(["auction 3", "auction 2", "auction 1"]);
      const [first, second, third] = steps as TakeStep[];
      if (first.type !== "act" || second.type !== "act") throw new Error("expected two takes");
      expect(first.maxCollateral).to.equal(wad(10)); // the whole lot: 19,800 BDOL
      expect(first.expectedPaid).to.equal(wad(19_800));
      // 10,200 BDOL left: 5.125628… WETH at 1,990, its rounded-up cost within the budget.
      expect(second.balance).to.equal(wad(10_200));
      expect(valueUp(second.maxCollateral, 18n, wad(1_990))).to.be.lte(wad(10_200));
      expect(valueUp(second.maxCollateral + 1n, 18n, wad(1_990))).to.be.gt(wad(10_200));
      expect(third.type).to.equal("skip");
      expect(skips([third])).to.deep.equal([["auction 1", "BDOL budget 0.00 buys nothing at 2,000.00"]]);
    });

    it("maxTakeBdol caps each take, not the total", function () {
      const takeable = [auction(1), auction(2)];
      const steps = planTakes(takeable, [wad(2_400), wad(2_400)], wad(30_000), {
        maxTakeBdol: wad(5_000),
      }) as TakeStep[];
      expect(acts(steps)).to.have.length(2);
      for (const s of steps) {
        if (s.type !== "act") throw new Error("expected a take");
        expect(s.maxCollateral).to.equal(wad("2.5"));
        expect(s.expectedPaid).to.equal(wad(5_000));
      }
    });

    it("collateralForBudget: the whole lot when the budget covers the tab, else the largest affordable slice", function () {
      expect(collateralForBudget(wad(20_000), wad(20_000), wad(10), 18n, wad(2_000))).to.equal(wad(10));
      expect(collateralForBudget(wad(1_000), wad(20_000), 10n ** 8n, 8n, wad(60_000))).to.equal(1_666_666n);
      expect(collateralForBudget(0n, wad(20_000), wad(10), 18n, wad(2_000))).to.equal(0n);
      expect(collateralForBudget(wad(1), wad(20_000), 10n ** 8n, 8n, wad(1_000_000_000))).to.equal(0n);
    });
  });

  describe("restarts", function () {
    it("restarts live auctions that need it until their restart pay is used up (MAX_PAID_REDOS)", function () {
      const active = [
        auction(1, { needsReset: true, paidRedos: MAX_PAID_REDOS - 1n }),
        auction(2, { needsReset: true, paidRedos: MAX_PAID_REDOS }),
        auction(3), // takeable
        auction(4, { needsReset: true, oracleStatus: STALE }),
        auction(5, { oracleStatus: STALE }),
      ];
      const { steps, takeable } = planRedos(active, {});
      expect(acts(steps).map((s) => s.auction.auctionId)).to.deep.equal([1n]);
      expect(skips(steps)).to.deep.equal([
        ["auction 2", "needs a reset, but its restart pay is used up (10 paid restarts)"],
        ["auction 4", "WETH price stale, not live"],
        ["auction 5", "WETH price stale, not live"],
      ]);
      expect(takeable.map((a) => a.auctionId)).to.deep.equal([3n]);

      expect(acts(planRedos(active, { unpaidRedo: true }).steps).map((s) => s.action.id)).to.deep.equal([1n, 2n]);
      const off = planRedos(active, { redo: false }).steps;
      expect(acts(off)).to.have.length(0);
      expect(skips(off).slice(0, 2)).to.deep.equal([
        ["auction 1", "needs a reset (redo disabled)"],
        ["auction 2", "needs a reset (redo disabled)"],
      ]);
    });
  });

  describe("gas cap", function () {
    it("at or under the cap: planned; above it: nothing planned, every action a skip that says so", function () {
      expect(gasCapReason(undefined)).to.equal(undefined);
      expect(gasCapReason({ price: 25n * GWEI, cap: 25n * GWEI })).to.equal(undefined);
      expect(gasCapReason(ABOVE_CAP)).to.equal("gas price above cap (50.000 > 25.000 gwei)");
      expect(
        acts(planLiquidations({ vaults: [vault(1, "0.9")], collaterals }, { price: 25n * GWEI, cap: 25n * GWEI })),
      ).to.have.length(1);
    });

    it("above the cap every planner plans no action", function () {
      const reason = gasCapReason(ABOVE_CAP);
      const all: { type: string; what: string; reason?: string }[][] = [
        planLiquidations({ vaults: [vault(1, "0.9"), vault(2, "0.8", WBTC)], collaterals }, ABOVE_CAP),
        planTakes([auction(1)], [wad(2_400)], wad(100_000), {}, ABOVE_CAP),
        planRedos([auction(2, { needsReset: true })], {}, ABOVE_CAP).steps,
        planSales([{ ...collaterals[0], held: wad(10) }], DEFAULT_MIN_SALE_VALUE, ABOVE_CAP),
        planRecords([round({ primary: { roundId: 8n, updatedAt: 100n } })], ABOVE_CAP),
        planMarketUpdate({ feed: WETH, read: true, now: 1_000n, lastUpdateAt: 0n, roundPeriod: 60n }, ABOVE_CAP),
        planHeal({ deficit: wad(5), reserveBalance: wad(1), stablecoin: WETH }, ABOVE_CAP),
        planPoke({ controller: WETH, now: 100n, nextPokeAt: 50n }, ABOVE_CAP),
        planRebalance({ reserve: WETH, preview: { deposited: 5n, withdrawn: 0n }, available: 0n }, ABOVE_CAP),
      ];
      for (const steps of all) {
        expect(steps.filter((s) => s.type === "act")).to.deep.equal([]);
        expect(steps.length).to.be.gt(0);
      }
      // The WBTC vault keeps its own reason: its price is not live, whatever the gas.
      expect(skips(all[0])).to.deep.equal([
        ["vault 2", "WBTC price stale, not live"],
        ["vault 1", reason],
      ]);
    });
  });

  describe("reserve, oracle and duties", function () {
    it("sells a lot worth at least the minimum at a live price", function () {
      const steps = planSales(
        [
          { ...collaterals[0], held: wad(1) }, // 2,400 BDOL
          { ...collaterals[0], token: "0x00000000000000000000000000000000000000E2", held: wad("0.4") }, // 960 BDOL
          { ...collaterals[1], held: 10n ** 8n }, // stale
          { ...collaterals[0], held: 0n },
        ],
        DEFAULT_MIN_SALE_VALUE,
      );
      expect(acts(steps).map((s) => [s.held, s.value])).to.deep.equal([[wad(1), wad(2_400)]]);
      expect(skips(steps)).to.deep.equal([
        ["reserve WETH", "lot of 960.00 BDOL below the 1,000.00 minimum"],
        ["reserve WBTC", "WBTC price stale, not live"],
      ]);
    });

    it("records an asset whose primary or ratio feed has a round the oracle has not processed", function () {
      const steps = planRecords([
        round({ asset: WETH, symbol: "WETH", primary: { roundId: 8n, updatedAt: 100n }, lastRoundId: 7n }),
        round({ asset: WBTC, symbol: "WBTC", ratio: { latest: { roundId: 3n, updatedAt: 200n }, lastRoundId: 3n } }),
        round({ symbol: "USDC" }), // nothing new
        round({ symbol: "BDOL", primary: undefined }), // a failing feed
      ]);
      expect(steps.map((s) => s.what)).to.deep.equal(["record WETH", "record WBTC"]);
    });

    it("updates the market feed when the oracle reads it and its period has passed", function () {
      const feed = { feed: WETH, read: true, now: 1_000n, lastUpdateAt: 950n, roundPeriod: 60n };
      expect(planMarketUpdate(feed)).to.deep.equal([]);
      expect(acts(planMarketUpdate({ ...feed, now: 1_010n }))).to.have.length(1);
      expect(planMarketUpdate({ ...feed, now: 1_010n, read: false })).to.deep.equal([]);
      expect(planMarketUpdate(undefined)).to.deep.equal([]);
    });

    it("heals only with a deficit and a balance; pokes only when due; rebalances only what moves", function () {
      expect(planHeal({ deficit: 0n, reserveBalance: wad(1), stablecoin: WETH })).to.deep.equal([]);
      expect(planHeal({ deficit: wad(1), reserveBalance: 0n, stablecoin: WETH })).to.deep.equal([]);
      expect(acts(planHeal({ deficit: wad(1), reserveBalance: wad(1), stablecoin: WETH }))).to.have.length(1);
      expect(planPoke({ controller: WETH, now: 100n, nextPokeAt: 101n })).to.deep.equal([]);
      expect(acts(planPoke({ controller: WETH, now: 101n, nextPokeAt: 101n }))).to.have.length(1);
      const idle = { reserve: WETH, preview: { deposited: 0n, withdrawn: 0n }, available: 0n };
      expect(skips(planRebalance(idle))).to.deep.equal([
        ["rebalance", "limit per interval used up; it refills over the interval"],
      ]);
      expect(planRebalance({ ...idle, available: 5n })).to.deep.equal([]);
      expect(skips(planRebalance({ ...idle, preview: { error: "Paused()" } }))).to.deep.equal([
        ["rebalance", "static call reverted: Paused()"],
      ]);
    });
  });

  describe("flash takes", function () {
    const a = auction(1, { price: wad(2_000), tab: wad(5_000), lot: wad(10) });
    const quote = (quoted: bigint): FlashQuote => ({
      pool: WBTC,
      quoted,
      stableDecimals: 6n,
      feeIn: 0n,
      gas: 300_000n,
      gasPrice: GWEI,
    });

    it("buys what the tab is worth and goes ahead only when the quote less slippage, tab and gas pays", function () {
      const size = flashTakeSize(a);
      expect(size).to.deep.equal({ amount: wad("2.5"), paid: wad(5_000) });
      // 2.5 WETH → 6,000 USDC; 0.5 % slippage: 5,970; gas 0.0003 ETH × 2,400 = 0.72 BDOL.
      const step = planFlashTake(a, size, quote(6_000n * 10n ** 6n), { nativePrice: wad(2_400) });
      if (step.type !== "act") throw new Error(`expected a take: ${step.reason}`);
      expect(step.minProfit).to.equal(wad(970));
      const poor = planFlashTake(a, size, quote(5_020n * 10n ** 6n), { nativePrice: wad(2_400) });
      expect(poor.type).to.equal("skip");
      expect(skips([poor])[0][1]).to.match(/^flash take unprofitable after gas and slippage \(quote: 2\.5000 WETH/);
      expect(skips([planFlashTake(a, size, { missing: "pool" }, { nativePrice: 0n })])).to.deep.equal([
        ["auction 1", "flash take: no WETH/USDC pool"],
      ]);
    });
  });

  describe("options and dry run", function () {
    it("refuses options no iteration can run with", function () {
      expect(() => checkOptions({ pageSize: 0 })).to.throw("pageSize must be a positive integer: 0");
      expect(() => checkOptions({ spread: wad(1) })).to.throw("spread must be in [0, 1): 1.0000");
      expect(() => checkOptions({ slippage: -1n })).to.throw("slippage must be in [0, 1)");
      expect(() => checkOptions({})).to.not.throw();
    });

    it("dry run: nothing realised; expected profit = rewards and take profits less the estimated gas", function () {
      const r = emptyReport(true);
      r.liquidations.push({
        vaultId: 1n,
        debt: 0n,
        absorbedDebt: 0n,
        auctionId: 1n,
        reward: wad(100),
        gasUsed: 400_000n,
      });
      r.takes.push({
        auctionId: 1n,
        collateral: WETH,
        amount: 0n,
        paid: 0n,
        price: 0n,
        referencePrice: 0n,
        profit: wad(50),
        gasUsed: 100_000n,
      });
      settleProfit(r, wad(2_000), 10n * GWEI);
      // Gas: 500,000 × 10 gwei = 0.005 ETH = 10 BDOL at 2,000.
      expect(r.expectedProfit).to.equal(wad(140));
      expect(r.realisedProfit).to.equal(0n);

      const sent = { ...emptyReport(false), liquidations: r.liquidations, gasSpent: 10n ** 15n };
      settleProfit(sent, wad(2_000), 0n);
      expect(sent.realisedProfit).to.equal(wad(98));
      expect(sent.expectedProfit).to.equal(wad(98));
    });
  });
});

function round(fields: Partial<RoundScan>): RoundScan {
  return {
    asset: WETH,
    symbol: "WETH",
    primary: { roundId: 7n, updatedAt: 100n },
    lastRoundId: 7n,
    ratio: undefined,
    referenceUpdatedAt: 100n,
    ...fields,
  };
}

/**
 * Scenarios: BDOL's market with the oracle reading MarketPriceFeed (as on mainnet), the risk
 * controller poking, the peg keeper updating, over real Uniswap v3 bytecode.
 *
 *  1. A buyer pushes the pool to 1.02 once: the keeper mints and sells, update after update, within
 *     its cap, until the price is back inside its band.
 *  2. Then holders sell it to 0.98 and keep selling for two days (a week with BALLAST_DEEP=1): the market feed reports it, the
 *     controller raises the fees, the keeper buys back and burns its whole debt; when the selling
 *     stops, PSM arbitrage (buy in the pool, redeem at the PSM) brings the price back.
 *
 * SCENARIO_REPORT=1 prints the path. The week is the deep profile (about a minute more): the keeper's
 * debt is gone within the first day, the reserve's buy-backs repeat daily after it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { RAY, SECONDS_PER_YEAR, WAD, wad } from "../../lib/sdk";
import { openVault, type System } from "../helpers/fixtures";
import {
  elapse,
  loadMarket,
  loadSeededSystem,
  movePoolTo,
  refreshFeeds,
  useMarketFeed,
  type Market,
} from "../helpers/market";
import { expectSupplyIdentity } from "../liquidation/helpers";

const HOUR = 3600;
/** Days of selling at 0.98: two in CI, a week with BALLAST_DEEP=1. */
const DAYS = process.env.BALLAST_DEEP === "1" ? 7 : 2;
const report = (line: string) => {
  if (process.env.SCENARIO_REPORT === "1") console.log(`      ${line}`);
};
const fmt = (x: bigint, d = 4) => Number(ethers.formatEther(x)).toFixed(d);
const annual = (perSecond: bigint) => ((perSecond - RAY) * SECONDS_PER_YEAR) / 10n ** 9n;

describe("Scenarios: BDOL's market, the peg keeper and the controller", () => {
  let sys: System;
  let m: Market;
  let weth: string;

  beforeEach(async () => {
    sys = await loadSeededSystem();
    m = await loadMarket();
    weth = await sys.weth.getAddress();
    await useMarketFeed(sys, m);
    // A borrower, so that the controller has fees to move.
    await openVault(sys, sys.alice, sys.weth, wad(2_000), wad(2_000_000));
    await elapse(Number(await m.feed.window()));
    await step();
  });

  const wethFee = async () => annual((await sys.vaultManager.collateralConfig(weth)).stabilityFee);

  /** Fresh feed rounds, a market round, the oracle's recording, a poke when due, a keeper update when it acts. */
  async function step(): Promise<string> {
    await refreshFeeds(sys);
    await m.feed.update().catch(() => undefined); // within its period: the last round stands
    await sys.oracle.recordPrice(await sys.bdol.getAddress());
    if ((await sys.risk.nextPokeAt()) <= BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 1n) {
      await sys.risk.poke();
    }
    try {
      const tx = await m.keeper.connect(sys.keeper).update();
      const names = (await tx.wait())!.logs.map((l) => m.keeper.interface.parseLog(l)?.name);
      return names.includes("Provided") ? "provided" : "withdrawn";
    } catch (e) {
      const data = (e as { data?: string }).data ?? "";
      const parsed = data ? m.keeper.interface.parseError(data) : null;
      return parsed?.name ?? String(e);
    }
  }

  it("a buy at 1.02: the keeper sells back to its band within its cap; days of selling at 0.98: fees rise, it buys back and burns, arbitrage restores the peg", async () => {
    const cap = (await m.keeper.rules()).debtCap;
    const band = (await m.keeper.rules()).band;
    const feeBefore = await wethFee();

    // 1. One buy to 1.02, then an update every 30 minutes until the keeper has nothing to do.
    await movePoolTo(sys.carol, wad("1.02"));
    let provided = 0;
    for (let i = 0; i < 24; i++) {
      await elapse(1800);
      const what = await step();
      if (what === "provided") provided++;
      report(
        `+${(i + 1) / 2} h: spot ${fmt(await m.feed.spotPrice())}, debt ${fmt(await m.keeper.debt(), 0)} (${what})`,
      );
      if (what === "NothingToDo" && provided > 0) break;
    }
    const debtAfterPremium = await m.keeper.debt();
    const spotAfterPremium = await m.feed.spotPrice();
    expect(provided).to.be.gte(2);
    expect(debtAfterPremium).to.be.gt(0n).and.lte(cap);
    expect(spotAfterPremium)
      .to.be.lte(WAD + band)
      .and.gte(WAD);
    await expectSupplyIdentity(sys, 10n);

    // 2. Holders sell to 0.98 and keep it there for DAYS days; the keeper buys back every 30 min.
    let burnt = 0n;
    let withdrawn = 0;
    const debtAtShock = await m.keeper.debt();
    const shockStart = await ethers.provider.getBlockNumber();
    for (let h = 0; h < DAYS * 24; h++) {
      if ((await m.feed.spotPrice()) > wad("0.98")) await movePoolTo(sys.bob, wad("0.98"));
      for (let half = 0; half < 2; half++) {
        await elapse(1800);
        const before = await m.keeper.debt();
        if ((await step()) === "withdrawn") {
          withdrawn++;
          burnt += before - (await m.keeper.debt());
        }
      }
      if (h % 24 === 23) {
        const [, answer] = await m.feed.latestRoundData();
        report(
          `day ${(h + 1) / 24}: market feed ${fmt(answer)}, WETH fee ${fmt((await wethFee()) * 100n, 3)} %, keeper debt ${fmt(await m.keeper.debt(), 0)}`,
        );
      }
    }
    const [, answerAfter] = await m.feed.latestRoundData();
    const feeAfter = await wethFee();
    expect(answerAfter).to.be.closeTo(wad("0.98"), wad("0.003"));
    expect(feeAfter).to.be.gt(feeBefore);
    report(`${DAYS} days: ${withdrawn} buy-backs burnt ${fmt(burnt, 0)} BDOL`);
    // Once the keeper's debt is gone, the reserve's USDC buys: only from a settled pool, within its
    // daily limit (full at the start, refilling linearly).
    const reserveBuys = await m.keeper.queryFilter(m.keeper.filters.BoughtBackForReserve(), shockStart);
    const reservePaid = reserveBuys.reduce((t, e) => t + e.args.quoteSpent, 0n) * 10n ** 12n;
    const reserveBought = reserveBuys.reduce((t, e) => t + e.args.bought, 0n);
    report(
      `the reserve: ${reserveBuys.length} buy-backs, ${fmt(reserveBought, 0)} BDOL for ${fmt(reservePaid, 0)} USDC ` +
        `(limit ${fmt(await m.keeper.buyBackLimit(), 0)} a day)`,
    );
    expect(reserveBuys.length).to.be.gte(DAYS);
    expect(reserveBought).to.be.gt(reservePaid);
    expect(reservePaid).to.be.lte((await m.keeper.buyBackLimit()) * BigInt(DAYS + 1));
    expect(withdrawn).to.be.gte(2);
    expect(await m.keeper.debt()).to.equal(0n);
    expect(burnt).to.equal(debtAtShock);
    await expectSupplyIdentity(sys, 10n);

    // 3. The selling stops; an arbitrageur buys BDOL in the pool and redeems it at the PSM while
    // that pays (pool below 1 − the PSM's 0.1 % fee − the pool's fee).
    const arb = sys.attacker;
    await movePoolTo(arb, wad("0.9988"));
    const bought = await sys.bdol.balanceOf(arb.address);
    await sys.bdol.connect(arb).approve(await m.psm.getAddress(), bought);
    await m.psm.connect(arb).swapCoinForStable(bought, 0, arb.address);
    await elapse(Number(await m.feed.window()));
    await step();
    const [, restored] = await m.feed.latestRoundData();
    report(
      `arbitrage: ${fmt(bought, 0)} BDOL bought in the pool and redeemed at the PSM; market feed ${fmt(restored)}`,
    );
    expect(restored).to.be.gte(wad("0.998"));
  });
});

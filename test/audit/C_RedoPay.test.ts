/**
 * Regression for audit finding C (Low) — restart pay was uncapped and overpriced.
 *
 * The proof: every `redo` of a stale auction paid min(liquidation tip, 2 % × min(tab, lot value)):
 * 20 BDOL at a 20 gwei basefee and ETH 2,500 (the liquidation's 400k-gas tip) against 4.37 BDOL of
 * gas, with no limit over the auction's life: 91 restarts used up the whole 1,800 BDOL penalty.
 *
 * Now a restart is priced from its own gas — redoGas (100k; a restart uses about 88k) × basefee × ETH
 * price — capped at maxTip and at maxRewardShare × min(tab, lot value) / MAX_PAID_REDOS, and at most
 * MAX_PAID_REDOS (10) restarts are paid in an auction's life; later ones are free. The same steps:
 *  - pay per restart ≤ its gas cost × 1.15 (the stated margin: 100k / 88k covers a priority fee of
 *    up to 14 % of the basefee), and ≥ its gas cost (a restart still pays for itself);
 *  - all restart pay over the auction's life ≤ min(10 × maxTip, maxRewardShare × tab) = 396 BDOL
 *    here (in fact 10 × 5 = 50 BDOL), far from the 1,800 BDOL penalty: restarts can never exhaust it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../lib/sdk";
import { loadSystem, type System } from "../helpers/fixtures";
import {
  BOUNDS,
  GWEI,
  KEEPER,
  donateToReserve,
  eventOf,
  freezeRates,
  liquidate,
  min,
  refreshFeeds,
  spareBdol,
  unhealthyVault,
  wadMulDown,
  withBasefee,
} from "../liquidation/helpers";

/** The stated margin of restart pay over a restart's gas cost (at zero priority fee). */
const MARGIN_PERCENT = 115n;

describe("AUDIT C (regression): restart pay priced from its gas, capped over an auction's life", () => {
  it("pays each restart about its gas, at most 10 restarts per auction, far below the penalty", async () => {
    const sys: System = await loadSystem();
    const { alice, bob, keeper } = sys;
    const engine = sys.engine;
    await freezeRates(sys);
    await spareBdol(sys, bob, wad(60_000));
    const id = await unhealthyVault(sys, alice); // 10 WETH, 18,000 debt, ETH 2,500
    await liquidate(sys, id);
    await donateToReserve(sys, bob, wad(5_000)); // restart pay is a transfer, not a deficit mint
    // Booked now, as a live reserve's ledgers are: the first booking writes a zero slot (≈ 20k gas).
    await sys.reserve.book();
    const info = await engine.auctionInfo(1n);
    const penalty = info.tab - info.debt;
    const ethPrice = wad(2_500);

    // the attacker's steps, and more: restart the auction every 1,310 s (the floor period) 14 times
    const basefee = 20n * GWEI;
    const N = Number(BOUNDS.MAX_PAID_REDOS) + 4;
    let paid = 0n;
    let gasPaidRedos = 0n;
    for (let i = 1; i <= N; i++) {
      await time.increase(1_310);
      await refreshFeeds(sys);
      const tx = await withBasefee(basefee, (fees) => engine.connect(keeper).redo(1n, keeper.address, fees));
      const reward = (await eventOf(tx, engine, "AuctionReset")).reward as bigint;
      const gasUsed = (await tx.wait())!.gasUsed;
      const gasCost = wadMulDown(gasUsed * basefee, ethPrice);
      if (BigInt(i) <= BOUNDS.MAX_PAID_REDOS) {
        // pay per restart: within [gas cost, gas cost × 1.15]
        expect(reward, `restart ${i} pays less than its gas`).to.be.gte(gasCost);
        expect(reward * 100n, `restart ${i} pays more than its gas × 1.15`).to.be.lte(gasCost * MARGIN_PERCENT);
        gasPaidRedos += gasUsed;
      } else {
        expect(reward, `restart ${i}: past the cap`).to.equal(0n);
      }
      paid += reward;
    }
    const perRedo = paid / BOUNDS.MAX_PAID_REDOS;
    const gasPerRedo = gasPaidRedos / BOUNDS.MAX_PAID_REDOS;
    const cap = min(BOUNDS.MAX_PAID_REDOS * KEEPER.maxTip, wadMulDown(info.tab, KEEPER.maxRewardShare));
    console.log(
      `      basefee 20 gwei, ETH 2,500: a paid restart pays ${ethers.formatEther(perRedo)} BDOL for ${gasPerRedo} gas ` +
        `(= ${ethers.formatEther(wadMulDown(gasPerRedo * basefee, ethPrice))} BDOL); ${N} restarts paid ` +
        `${ethers.formatEther(paid)} BDOL in all (cap ${ethers.formatEther(cap)}, penalty ${ethers.formatEther(penalty)})`,
    );
    expect(perRedo).to.equal(wad(5)); // 100k × 20 gwei × 2,500
    expect((await engine.auctionInfo(1n)).paidRedos).to.equal(BOUNDS.MAX_PAID_REDOS);
    expect(paid).to.equal(BOUNDS.MAX_PAID_REDOS * perRedo);
    expect(paid).to.be.lte(cap);
    expect(paid * 10n).to.be.lt(penalty); // under a tenth of the penalty, however long nobody bids
  });
});

/**
 * The USDC depeg: when Circle disclosed that $3.3B of USDC's reserves sat at the failed Silicon Valley
 * Bank, USDC traded down to $0.877. Maker's PSM kept minting DAI 1:1 against it, so arbitrageurs
 * swapped discounted USDC for DAI until the PSM's USDC ceiling filled, and DAI followed USDC off its
 * peg. Ballast's PSM refuses stable → coin while USDC reads below 1 − depegTolerance (or is not live
 * at all, e.g. frozen by a sudden fall), keeps coin → stable open within its outflow bucket, and the
 * reserve counts its USDC at the oracle price, so the loss shows in its figures at once.
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre, { deployments, ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { feedAnswer, loadSystem, type System } from "../helpers/fixtures";
import { Status, valueDown } from "../liquidation/helpers";
import type { PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const P = networkConfig("hardhat").psm;
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
/** The low of 11 March 2023. */
const LOW = "0.877";

describe(
  "SVB and the USDC depeg — 10–13 March 2023: $3.3B of USDC's reserves were caught in Silicon Valley Bank's failure, " +
    "USDC fell to $0.877, and Maker's PSM kept minting DAI at par against it until DAI depegged too; no exploit, " +
    "a loss for whoever took USDC at par (Circle's statements, 10–13 March 2023)",
  () => {
    let sys: System;
    let psm: PegStabilityModule;
    let usdc: string;
    let reserve: string;
    let bob: HardhatEthersSigner;
    let arbitrageur: HardhatEthersSigner;

    beforeEach(async () => {
      sys = await loadSystem();
      ({ bob, attacker: arbitrageur } = sys);
      psm = (await contractAt(hre, "PegStabilityModule", "PegStabilityModule")) as unknown as PegStabilityModule;
      usdc = await sys.usdc.getAddress();
      reserve = await sys.reserve.getAddress();
      for (const who of [bob, arbitrageur]) {
        await sys.usdc.mint(who.address, USDC(10_000_000));
        await sys.usdc.connect(who).approve(await psm.getAddress(), ethers.MaxUint256);
      }
      // Before the news: bob swaps 1M USDC at par, days before (the credit his swap in left in the
      // outflow bucket has faded: the bucket is back at its limit).
      await psm.connect(bob).swapStableForCoin(USDC(1_000_000), 0n, bob.address);
      await time.increase(24 * 3600);
      expect(await psm.availableOutflow()).to.equal(await psm.outflowLimit());
    });

    /** Publishes a USDC/USD answer and records it. */
    const usdcAt = async (usd: string) => {
      await sys.usdcFeed.updateAnswer(feedAnswer(usd));
      await sys.oracle.recordPrice(usdc);
    };
    const state = async () => ({
      minted: await psm.minted(),
      supply: await sys.bdol.totalSupply(),
      reserveUsdc: await sys.usdc.balanceOf(reserve),
      arbitrageur: [await sys.usdc.balanceOf(arbitrageur.address), await sys.bdol.balanceOf(arbitrageur.address)],
    });
    const floor = wad(1) - P.depegTolerance; // 0.99

    it("refuses to mint against USDC below 1 − tolerance, whether it falls at once (frozen) or in steps (depegged)", async () => {
      const before = await state();
      const mint = () => psm.connect(arbitrageur).swapStableForCoin(USDC(1_000_000), 0n, arbitrageur.address);

      // The overnight fall, 1.00 → 0.877 in one round (−12.3 %): the adapter's circuit breaker holds it.
      await sys.usdcFeed.updateAnswer(feedAnswer(LOW));
      expect((await sys.oracle.getPrice(usdc))[1]).to.equal(Status.Frozen);
      await expect(mint()).to.be.revertedWithCustomError(psm, "StableOracleNotLive").withArgs(Status.Frozen);

      // The same fall in recorded steps (0.95, then 0.877): live, and refused as a depeg at every step.
      await usdcAt("0.95");
      await expect(mint()).to.be.revertedWithCustomError(psm, "StableDepegged").withArgs(wad("0.95"), floor);
      await usdcAt(LOW);
      expect(await sys.oracle.getPrice(usdc)).to.deep.equal([wad(LOW), Status.Live]);
      await expect(mint()).to.be.revertedWithCustomError(psm, "StableDepegged").withArgs(wad(LOW), floor);
      // 1M USDC bought at 0.877 would have been 999,000 BDOL at par: +122,000 for the arbitrageur, lost to the reserve.
      expect(await state()).to.deep.equal(before);

      // Still refused just under the floor on the way back; open again at it (13 March: ~$0.99+).
      await usdcAt("0.95");
      await usdcAt("0.989");
      await expect(mint()).to.be.revertedWithCustomError(psm, "StableDepegged").withArgs(wad("0.989"), floor);
      await usdcAt("0.99");
      await expect(mint()).to.emit(psm, "SwappedStableForCoin");
    });

    it("keeps redemptions open within the outflow bucket, and values the reserve's USDC at the oracle price", async () => {
      await usdcAt("0.95");
      await usdcAt(LOW);
      // Bob, holding BDOL, redeems half of it for USDC at par (less the 0.1 % fee), depeg or not.
      const available = await psm.availableOutflow();
      const coinIn = wad(500_000);
      const [stableOut] = await psm.quoteCoinForStable(coinIn);
      expect(stableOut).to.equal(USDC(499_500));
      await expect(psm.connect(bob).swapCoinForStable(coinIn, stableOut, bob.address))
        .to.emit(psm, "SwappedCoinForStable")
        .withArgs(bob.address, bob.address, coinIn, stableOut, coinIn - stableOut * 10n ** 12n);
      expect(await psm.availableOutflow()).to.equal(available - stableOut * 10n ** 12n);
      // A run is slowed, not stopped: more than the bucket holds (it refills ~58 BDOL a second) is refused for now.
      const coinTooMuch = (await psm.availableOutflow()) + wad(10_000);
      const [tooMuch] = await psm.quoteCoinForStable(coinTooMuch);
      await expect(psm.connect(bob).swapCoinForStable(coinTooMuch, 0n, bob.address))
        .to.be.revertedWithCustomError(psm, "OutflowLimitExceeded")
        .withArgs(tooMuch * 10n ** 12n, anyValue);

      // The reserve's USDC (1,000,000 − 499,500) counts at 0.877, not at par.
      const held = await sys.usdc.balanceOf(reserve);
      expect(held).to.equal(USDC(500_500));
      const composition = await sys.reserve.composition();
      const line = composition.find((h) => h.asset === usdc)!;
      expect([line.amount, line.value]).to.deep.equal([held, valueDown(held, 6n, wad(LOW))]);
      expect(await sys.reserve.totalReserveValue()).to.equal(
        composition.reduce((sum, h) => sum + (h.value as bigint), 0n),
      );
    });
  },
);

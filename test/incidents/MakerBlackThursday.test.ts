/**
 * Maker's Black Thursday, replayed against Ballast's auctions and keeper pay.
 *
 * What broke in 2020: Maker's collateral auctions (flip) sold to the best bid when the bidding
 * window closed, with no reserve price; as ETH fell by almost half and the gas price spiked, most
 * keepers' bots failed to bid, and a few bidders won lots for 0 DAI. Ballast's auction is a Dutch
 * auction priced from the live oracle with a floor (no take below oracle × floorRatio; an auction
 * past the floor or too old must be `redo`ne at the current oracle price), and a liquidation pays the
 * keeper a tip that follows `block.basefee`, capped.
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";

import { wad } from "../../lib/sdk";
import { loadSystem, openVault, type System } from "../helpers/fixtures";
import {
  AUCTION,
  DURATION,
  GWEI,
  KEEPER,
  MAX_AGE,
  at,
  basefeeOf,
  eventOf,
  expectUnchanged,
  freezeRates,
  keeperRewardFor,
  liquidate,
  moveEthPrice,
  multiplierAt,
  priceAt,
  refreshFeeds,
  rewardOf,
  setEthPrice,
  snapshot,
  spareBdol,
  timeOf,
  unhealthyVault,
  valueDown,
  valueUp,
  wadMulDown,
} from "../liquidation/helpers";

const ETH_2500 = wad(2_500);
/** First second at which the multiplier 1.1 × (7200 − t) / 7200 is below the 0.9 floor. */
const FLOOR_BREACH = 1_310n;

describe(
  "Maker Black Thursday — 12–13 March 2020: ETH fell ~43 % and a gas spike stalled keepers; " +
    "flip auctions were won with 0-DAI bids, ~$8.3M of ETH sold for nothing (Maker post-mortem, March 2020)",
  () => {
    let sys: System;
    let bob: HardhatEthersSigner;

    beforeEach(async () => {
      sys = await loadSystem();
      bob = sys.bob;
      await freezeRates(sys);
      await spareBdol(sys, bob, wad(60_000)); // a bidder with stablecoin
    });

    const take = (maxCollateral: bigint, maxPrice: bigint) =>
      sys.engine.connect(bob).take(1n, maxCollateral, maxPrice, bob.address, "0x");

    it("a zero or low bid never wins: past the floor the auction must be redone, and it then sells at the new oracle price", async () => {
      const { engine } = sys;
      // 10 WETH with 18,000 of debt, ETH from 3,000 to 2,500: the reserve's buffer is empty, so all of it is auctioned.
      const vaultId = await unhealthyVault(sys, sys.alice);
      const t0 = await timeOf(await liquidate(sys, vaultId));
      const auction = await engine.auctionInfo(1n);
      expect(auction.lot).to.equal(wad(10));
      const floor2500 = wadMulDown(ETH_2500, AUCTION.floorRatio); // 2,250

      // Maker's winning bid, 0 DAI, is refused at once: the price is set by the auction, from the oracle.
      const before = await snapshot(sys);
      await at(t0, 1n);
      await expect(take(wad(10), 0n))
        .to.be.revertedWithCustomError(engine, "PriceAboveMax")
        .withArgs(priceAt(ETH_2500, 1n), 0n);

      // Nobody bids while the price decays (keepers priced out). Once the multiplier is below the floor,
      // once the auction is older than maxAge, and when the price has decayed to zero, any bid — a zero
      // bid included — is refused, and nothing moves.
      for (const t of [FLOOR_BREACH, MAX_AGE + 1n, DURATION]) {
        await time.increaseTo(t0 + t - 20n);
        await refreshFeeds(sys); // the oracle stays live: the floor is what stops the sale
        await at(t0, t);
        await expect(take(wad(10), wad(1_000_000)))
          .to.be.revertedWithCustomError(engine, "AuctionNeedsReset")
          .withArgs(1n, priceAt(ETH_2500, t), floor2500);
        expect(multiplierAt(t)).to.be.lt(AUCTION.floorRatio);
      }
      expect(priceAt(ETH_2500, DURATION)).to.equal(0n); // where Maker's flip ended: a lot for nothing
      await expectUnchanged(sys, before);

      // The crash goes on (2,500 → 1,800) with the auction idle; a keeper restarts it at the new oracle price.
      await moveEthPrice(sys, 1_800);
      const restart = await timeOf(await engine.connect(sys.keeper).redo(1n, sys.keeper.address));
      expect((await engine.auctionInfo(1n)).startTime).to.equal(restart);
      const eth1800 = wad(1_800);
      expect(await engine.auctionPrice(1n)).to.deep.equal([wadMulDown(eth1800, AUCTION.startMultiplier), false]);

      // A bidder takes the whole lot ten minutes later: never below ⌊oracle × floor⌋ per ETH.
      await at(restart, 600n);
      const tx = await take(wad(10), wad(1_000_000));
      const taken = await eventOf(tx, engine, "Taken");
      const floor1800 = wadMulDown(eth1800, AUCTION.floorRatio); // 1,620
      expect(taken.price).to.equal(priceAt(eth1800, 600n));
      expect(taken.price).to.be.gte(floor1800);
      expect(taken.collateralAmount).to.equal(wad(10));
      // 10 ETH raised about 18,150 here, where Black Thursday's lots raised 0.
      expect(taken.paid).to.equal(valueUp(wad(10), 18n, taken.price as bigint));
      expect(taken.paid).to.be.gte(valueDown(wad(10), 18n, floor1800));
    });

    it("keeper pay follows block.basefee: at the spike's ~200 gwei a liquidation pays more than its gas, and the pay is capped", async () => {
      const { engine } = sys;
      // Four vaults opened at 3,000, all unhealthy at 2,500: three of 18,000 debt, one of 180,000.
      const small: bigint[] = [];
      for (const who of [sys.alice, sys.carol, sys.attacker]) {
        small.push(await openVault(sys, who, sys.weth, wad(10), wad(18_000)));
      }
      const large = await openVault(sys, sys.alice, sys.weth, wad(100), wad(180_000));
      await setEthPrice(sys, 2_500);
      await sys.oracle.recordPrice(await sys.weth.getAddress());

      /** Liquidates at `basefee`; returns the reward, the debt, and what the keeper's gas cost in stablecoin. */
      const liquidateAt = async (vaultId: bigint, basefee: bigint) => {
        const debt = await sys.vaultManager.debtOf(vaultId);
        const tx: ContractTransactionResponse = await liquidate(sys, vaultId, { basefee });
        expect(await basefeeOf(tx)).to.equal(basefee);
        const gasUsed = (await tx.wait())!.gasUsed;
        const gasCost = wadMulDown(gasUsed * basefee, ETH_2500); // no priority fee: the basefee is the whole price
        return { reward: await rewardOf(sys, tx), debt, gasCost };
      };

      // A quiet day: 1 gwei. The tip is tipGas × basefee × ETH price = 1 BDOL, on top of 0.1 % of the debt.
      const quiet = await liquidateAt(small[0], GWEI);
      expect(quiet.reward).to.equal(keeperRewardFor(quiet.debt, GWEI, ETH_2500));
      expect(quiet.reward).to.equal(wad(1) + wadMulDown(quiet.debt, KEEPER.keeperFee));

      // Black Thursday's gas: ~200 gwei. The tip rose 200-fold, and the reward pays for the keeper's gas.
      const spike = await liquidateAt(small[1], 200n * GWEI);
      expect(spike.reward).to.equal(keeperRewardFor(spike.debt, 200n * GWEI, ETH_2500));
      expect(spike.reward - quiet.reward).to.equal(wad(199)); // 400k gas × 199 gwei × 2,500
      expect(spike.reward).to.be.gt(spike.gasCost);

      // Capped: at 1,000 gwei the reward on an 18,000 debt stops at maxRewardShare (2 %) of the debt...
      const capped = await liquidateAt(small[2], 1_000n * GWEI);
      expect(capped.reward).to.equal(wadMulDown(capped.debt, KEEPER.maxRewardShare));
      expect(capped.reward).to.equal(keeperRewardFor(capped.debt, 1_000n * GWEI, ETH_2500));
      // ...and on a 180,000 debt the tip stops at maxTip (500), while the whole still pays for the gas.
      const big = await liquidateAt(large, 1_000n * GWEI);
      expect(big.reward).to.equal(KEEPER.maxTip + wadMulDown(big.debt, KEEPER.keeperFee));
      expect(big.reward).to.be.lt(wadMulDown(big.debt, KEEPER.maxRewardShare));
      expect(big.reward).to.be.gt(big.gasCost);
      // Every liquidation went through and started its auction.
      expect(await engine.auctionCount()).to.equal(4n);
    });
  },
);

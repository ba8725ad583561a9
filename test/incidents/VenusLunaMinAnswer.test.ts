/**
 * Venus and LUNA: a Chainlink aggregator refuses answers outside [minAnswer, maxAnswer], so when
 * LUNA fell through its $0.10 floor the feed stayed at the floor ($0.107) while the market traded at
 * a cent and below. Venus (and Blizz, on Avalanche) read the floor as the price: attackers bought LUNA
 * at the market and borrowed against it at ten times its value. Ballast's oracle adapter has its own
 * sanity bounds per asset; set above the aggregator's floor, they make a floored reading
 * `OutOfBounds`, never `Live`, so nothing is borrowed or liquidated at it.
 *
 * The mock feed plays the aggregator: each market price is reported as max(market, floor).
 */
import { expect } from "chai";
import { ethers } from "hardhat";

import { wad } from "../../lib/sdk";
import { feedAnswer, loadSystem, type System } from "../helpers/fixtures";
import { Status, freezeRates, liquidate } from "../liquidation/helpers";
import { addCollateral } from "./helpers";
import type { MockAggregator, MockERC20 } from "../../typechain-types";

/** The LUNA/USD aggregator's minAnswer. */
const FLOOR = 0.1;
/** LUNA's fall (USD), in steps of at most 20 % so the circuit breaker never trips, then through the floor. */
const CRASH = [
  ...Array.from({ length: 14 }, (_, i) => 5 * 0.8 ** (i + 1)), // 4 … 0.22
  0.176,
  0.141,
  0.113,
  0.1,
  0.05,
  0.01,
];
/** The attacker's LUNA, bought at the last market price ($0.01): $100,000 of it. */
const BOUGHT = wad(10_000_000);
/** What the floored price lets it borrow: 10M × $0.10 / 1.6 = 625,000; it asks for 600,000. */
const LOAN = wad(600_000);

describe(
  "Venus Protocol and LUNA — 12–13 May 2022: Chainlink's LUNA/USD feed stopped at $0.107, at its $0.10 minAnswer " +
    "floor, while LUNA traded near $0.01; attackers deposited LUNA bought for cents and borrowed at the floored " +
    "price; $11.2M of bad debt at Venus (Venus Protocol LUNA incident updates, May 2022)",
  () => {
    let sys: System;
    let luna: MockERC20;
    let feed: MockAggregator;
    let asset: string;
    /** alice's LUNA vault: 10,000 LUNA at $5 against 25,000. */
    let aliceVault: bigint;

    /** Lists LUNA with the adapter's floor at `minPrice`, opens alice's vault, and runs the crash. */
    async function crash(minPrice: bigint): Promise<void> {
      sys = await loadSystem();
      await freezeRates(sys);
      luna = (await ethers.deployContract("MockERC20", ["Terra (test)", "LUNA", 18])) as unknown as MockERC20;
      asset = await luna.getAddress();
      feed = await addCollateral(sys, luna, 5, { minPrice, maxPrice: wad(1_000), description: "LUNA / USD" });
      await luna.mint(sys.alice.address, wad(10_000));
      await luna.connect(sys.alice).approve(await sys.vaultManager.getAddress(), ethers.MaxUint256);
      await sys.vaultManager.connect(sys.alice).openVault(asset, wad(10_000), wad(25_000));
      aliceVault = await sys.vaultManager.vaultCount();
      for (const market of CRASH) {
        await feed.updateAnswer(feedAnswer(Math.max(market, FLOOR).toFixed(8)));
        await sys.oracle.recordPrice(asset);
      }
      expect(await feed.answers(await feed.latestRound())).to.equal(feedAnswer(FLOOR));
      await luna.mint(sys.attacker.address, BOUGHT);
      await luna.connect(sys.attacker).approve(await sys.vaultManager.getAddress(), ethers.MaxUint256);
    }

    it("with the adapter's floor above the aggregator's, the floored reading is OutOfBounds: no borrowing, no liquidation at it", async () => {
      await crash(wad("0.2"));
      const { vaultManager: vm, oracle } = sys;
      // The adapter kept its last good price (0.22, above its floor) and reports every later reading out of bounds.
      const [price, status] = await oracle.getPrice(asset);
      expect(status).to.equal(Status.OutOfBounds);
      expect(price).to.equal(feedAnswer((5 * 0.8 ** 14).toFixed(8)) * 10n ** 10n);

      // The attack: open a vault with 10M LUNA and borrow 600,000 against it.
      await expect(vm.connect(sys.attacker).openVault(asset, BOUGHT, LOAN))
        .to.be.revertedWithCustomError(vm, "OracleNotLive")
        .withArgs(asset, Status.OutOfBounds);
      await vm.connect(sys.attacker).openVault(asset, BOUGHT, 0n); // depositing is never refused
      const own = await vm.vaultCount();
      await expect(vm.connect(sys.attacker).borrow(own, LOAN, sys.attacker.address))
        .to.be.revertedWithCustomError(vm, "OracleNotLive")
        .withArgs(asset, Status.OutOfBounds);
      expect(await sys.bdol.balanceOf(sys.attacker.address)).to.equal(0n);

      // Nor is alice's vault liquidated at a price nobody can trust (it waits for a live reading or governance).
      await expect(liquidate(sys, aliceVault))
        .to.be.revertedWithCustomError(vm, "OracleNotLive")
        .withArgs(asset, Status.OutOfBounds);
      expect(await sys.engine.auctionCount()).to.equal(0n);
      // What the attacker put in it can leave again: a vault without debt always withdraws.
      await vm.connect(sys.attacker).withdraw(own, BOUGHT, sys.attacker.address);
      expect(await luna.balanceOf(sys.attacker.address)).to.equal(BOUGHT);
    });

    it("with the adapter's floor at the aggregator's (how Venus read the feed), the same attack borrows six times what it paid", async () => {
      await crash(wad(FLOOR));
      const { vaultManager: vm, oracle } = sys;
      expect(await oracle.getPrice(asset)).to.deep.equal([wad(FLOOR), Status.Live]);
      await vm.connect(sys.attacker).openVault(asset, BOUGHT, LOAN);
      // 600,000 BDOL for LUNA bought at $0.01: $100,000. The vault is bad debt the moment it opens.
      expect(await sys.bdol.balanceOf(sys.attacker.address)).to.equal(LOAN);
      expect(LOAN).to.equal(6n * wad(100_000));
    });
  },
);

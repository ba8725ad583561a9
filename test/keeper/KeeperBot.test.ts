/**
 * The keeper bot (lib/keeper/ and the `keeper` task), on the in-process network and
 * against a Hardhat node on 127.0.0.1 that the suite starts and stops.
 *
 * The crash: ETH 3,000 → 2,400 (−20 %, inside the oracle's 25 % circuit breaker, so the price stays
 * live). Liquidation ratio 150 %: a WETH vault is unhealthy after the crash when its debt exceeds
 * 10 WETH × 2,400 / 1.5 = 16,000 BDOL per 10 WETH.
 */
import { expect } from "chai";
import hre, { deployments, ethers, network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";

import { UsageError, wad } from "../../lib/sdk";
import { feedAnswer, fund, loadSystem, openVault, type System } from "../helpers/fixtures";
import {
  Child,
  LOOPBACK,
  bin,
  freePort,
  makeTempDir,
  removeTempDir,
  run,
  waitForChainId,
} from "../../scripts/lib/externalNode";
import { MAX_PAID_REDOS, runKeeperLoop, runKeeperOnce, type KeeperOptions, type KeeperReport } from "../../lib/keeper";
import {
  LiquidationEngine__factory,
  MockAggregator__factory,
  MockERC20__factory,
  OracleAdapter__factory,
  VaultManager__factory,
} from "../../typechain-types";
import { WAD } from "../../lib/sdk";

const CRASH_PRICE = 2_400n * WAD;
/** Auctions of the local config start at 110 % of the oracle, never sell under 90 %, fall to zero in 2 h and restart after 1 h. */
const START_MULTIPLIER = wad("1.1");

/** The crash scenario's vaults, in opening order (ids 1…7). */
const VAULTS = [
  { who: "alice", token: "weth", collateral: wad(10), debt: wad(17_000) }, // 1: 141.7 % after → unhealthy
  { who: "bob", token: "weth", collateral: wad(10), debt: wad(15_000) }, // 2: 160 % → healthy
  { who: "carol", token: "weth", collateral: wad(10), debt: wad(18_000) }, // 3: 133 % → unhealthy
  { who: "alice", token: "wbtc", collateral: 10n ** 8n, debt: wad(30_000) }, // 4: WBTC 200 % → healthy
  { who: "bob", token: "weth", collateral: wad(10), debt: wad(15_500) }, // 5: 154.8 % → healthy
  { who: "carol", token: "weth", collateral: wad(10), debt: wad(16_500) }, // 6: 145.5 % → unhealthy
  { who: "keeper", token: "wbtc", collateral: 2n * 10n ** 8n, debt: wad(60_000) }, // 7: the keeper's BDOL, 200 %
] as const;
const UNHEALTHY = [1n, 3n, 6n];
const HEALTHY = [2n, 4n, 5n, 7n];

interface Crashed extends System {
  weth_: string;
}

/** The system with the vaults above, ETH crashed to 2,400 and the price recorded. */
const crashed = deployments.createFixture(async (): Promise<Crashed> => {
  const sys = await loadSystem();
  for (const v of VAULTS) {
    await openVault(sys, sys[v.who], sys[v.token], v.collateral, v.debt);
  }
  await crash(sys, 2_400);
  return { ...sys, weth_: await sys.weth.getAddress() };
});

async function crash(sys: System, usd: number): Promise<void> {
  await sys.ethFeed.updateAnswer(feedAnswer(usd));
  await sys.oracle.recordPrice(await sys.weth.getAddress());
}

/** Options with the log collected into `lines`. */
function opts(keeper: HardhatEthersSigner, lines: string[], extra: Partial<KeeperOptions> = {}): KeeperOptions {
  return { keeper, log: (line) => lines.push(line), ...extra };
}

const ids = (r: KeeperReport) => r.liquidations.map((l) => l.vaultId).sort((a, b) => Number(a - b));

async function debts(sys: System, vaultIds: bigint[]): Promise<bigint[]> {
  return Promise.all(vaultIds.map((id) => sys.vaultManager.debtOf(id)));
}

describe("Keeper bot", function () {
  describe("in-process network", function () {
    let sys: Crashed;
    let lines: string[];

    beforeEach(async function () {
      sys = await crashed();
      lines = [];
    });

    it("liquidates exactly the unhealthy vaults, riskiest first, and leaves the healthy ones untouched", async function () {
      const healthyBefore = await Promise.all(HEALTHY.map((id) => sys.vaultManager.vaultInfo(id)));
      const bdolBefore = await sys.bdol.balanceOf(sys.keeper.address);
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines));

      expect(ids(r)).to.deep.equal(UNHEALTHY);
      // Riskiest first: vault 3 (133 %), 1 (141.7 %), 6 (145.5 %).
      expect(r.liquidations.map((l) => l.vaultId)).to.deep.equal([3n, 1n, 6n]);
      expect(await debts(sys, UNHEALTHY)).to.deep.equal([0n, 0n, 0n]);
      for (const [i, id] of HEALTHY.entries()) {
        const [, , amount, debt] = await sys.vaultManager.vaultInfo(id);
        expect(amount).to.equal(healthyBefore[i].collateralAmount);
        // Only interest: seconds of a 2 % a year fee.
        expect(debt)
          .to.be.gte(healthyBefore[i].debt)
          .and.lt(healthyBefore[i].debt + wad(1));
      }
      expect(r.scannedVaults).to.equal(VAULTS.length);
      expect(r.ethCalls).to.equal(1);
      expect(r.dryRun).to.equal(false);

      // The reserve holds no stablecoin: everything goes to auction, one per vault.
      expect(await sys.engine.auctionCount()).to.equal(3n);
      for (const l of r.liquidations) {
        expect(l.absorbedDebt).to.equal(0n);
        expect(l.debt).to.be.gte(VAULTS[Number(l.vaultId) - 1].debt);
        expect((await sys.engine.auctionInfo(l.auctionId)).debt).to.equal(l.debt);
        expect(l.gasUsed).to.be.gt(0n);
      }

      // Rewards went to the keeper; profit = rewards − gas at the ETH oracle price.
      const rewards = r.liquidations.reduce((s, l) => s + l.reward, 0n);
      expect(rewards).to.be.gt(0n);
      expect((await sys.bdol.balanceOf(sys.keeper.address)) - bdolBefore).to.equal(rewards);
      expect(r.gasSpent).to.be.gt(0n);
      expect(r.realisedProfit).to.equal(rewards - (r.gasSpent * CRASH_PRICE) / WAD);

      // One line per action, then the summary.
      for (const id of UNHEALTHY) expect(lines.some((l) => l.startsWith(`liquidate vault ${id} `))).to.equal(true);
      expect(lines.at(-1)).to.match(/liquidate 3 \[3, 1, 6\].*realised profit/);

      // The new auctions start at 110 % of the oracle: nothing to take yet.
      expect(r.takes).to.have.length(0);
      expect(r.skipped.map((s) => s.what).sort()).to.deep.equal(["auction 1", "auction 2", "auction 3"]);
      expect(r.skipped.every((s) => s.reason.startsWith("unprofitable"))).to.equal(true);

      // A second pass finds nothing left to liquidate.
      const again = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(again.liquidations).to.have.length(0);
      expect(again.activeAuctions).to.equal(3);
    });

    it("heals the reserve's deficit (keeper pay minted while it was empty) once it holds stablecoin", async function () {
      const first = await runKeeperOnce(hre, opts(sys.keeper, lines));
      const rewards = first.liquidations.reduce((s, l) => s + l.reward, 0n);
      // The reserve held nothing: every reward was minted into the deficit, and nothing was healed.
      expect(await sys.reserve.deficit()).to.equal(rewards);
      expect(first.healed).to.equal(0n);
      expect(first.skipped.some((s) => s.what === "heal")).to.equal(false);

      // Fees arrive (here the keeper sends some): the next pass burns them against the deficit.
      const reserve = await sys.reserve.getAddress();
      await sys.bdol.connect(sys.keeper).transfer(reserve, rewards + wad(5));
      const supply = await sys.bdol.totalSupply();
      const second = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(second.healed).to.equal(rewards);
      expect(await sys.reserve.deficit()).to.equal(0n);
      expect(await sys.bdol.balanceOf(reserve)).to.equal(wad(5));
      expect(supply - (await sys.bdol.totalSupply())).to.equal(rewards);
      expect(lines.some((l) => l.startsWith("heal: burnt"))).to.equal(true);
    });

    it("dry run: reports what it would do and sends nothing", async function () {
      const nonce = await ethers.provider.getTransactionCount(sys.keeper.address);
      const block = await ethers.provider.getBlockNumber();
      const before = await debts(sys, [...UNHEALTHY, ...HEALTHY]);

      const r = await runKeeperOnce(hre, opts(sys.keeper, lines, { dryRun: true }));

      expect(r.dryRun).to.equal(true);
      expect(ids(r)).to.deep.equal(UNHEALTHY);
      for (const l of r.liquidations) {
        expect(l.auctionId).to.be.gt(0n); // the static call's answer
        expect(l.gasUsed).to.be.gt(0n); // the gas estimate
      }
      expect(r.gasSpent).to.equal(0n);
      expect(r.realisedProfit).to.equal(0n);
      expect(r.expectedProfit).to.not.equal(0n);
      expect(lines.filter((l) => l.startsWith("[dry run] would liquidate vault"))).to.have.length(3);

      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect(await debts(sys, [...UNHEALTHY, ...HEALTHY])).to.deep.equal(before);
      expect(await sys.engine.auctionCount()).to.equal(0n);
    });

    it("sends nothing while the gas price is above maxGasPrice, and never pays more than the cap", async function () {
      const basefee = 50n * 10n ** 9n;
      await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(basefee)]);
      await network.provider.send("evm_mine");
      expect((await ethers.provider.getBlock("latest"))!.baseFeePerGas).to.equal(basefee);
      const nonce = await ethers.provider.getTransactionCount(sys.keeper.address);

      const capped = await runKeeperOnce(hre, opts(sys.keeper, lines, { maxGasPrice: basefee / 2n }));
      expect(capped.liquidations).to.have.length(0);
      expect(capped.skipped.map((s) => s.what)).to.deep.equal(["vault 3", "vault 1", "vault 6"]);
      expect(capped.skipped.every((s) => s.reason.startsWith("gas price above cap"))).to.equal(true);
      expect(capped.gasSpent).to.equal(0n);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce);
      expect(await debts(sys, UNHEALTHY)).to.not.include(0n);

      const cap = 200n * 10n ** 9n;
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines, { maxGasPrice: cap }));
      expect(ids(r)).to.deep.equal(UNHEALTHY);
      const sent = await ethers.provider.getTransactionCount(sys.keeper.address);
      expect(sent).to.equal(nonce + 3);
      const gasUsed = r.liquidations.reduce((s, l) => s + l.gasUsed, 0n);
      expect(r.gasSpent).to.be.lte(gasUsed * cap);
      expect(r.gasSpent).to.be.gte((gasUsed * basefee) / 2n); // basefee falls ≤ 12.5 % a block
    });

    it("skips unhealthy vaults whose price is not live, and sends nothing", async function () {
      await time.increase(4_000); // past the 3,900 s heartbeat: the ETH price is stale
      const nonce = await ethers.provider.getTransactionCount(sys.keeper.address);
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(r.liquidations).to.have.length(0);
      expect(r.skipped.map((s) => s.what)).to.deep.equal(["vault 3", "vault 1", "vault 6"]);
      for (const s of r.skipped) expect(s.reason).to.equal("WETH price stale, not live");
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce);
    });

    it("takes an auction only when its price is below the reference price less the spread", async function () {
      await runKeeperOnce(hre, opts(sys.keeper, []));
      const auctionIds = [1n, 2n, 3n];
      const start = (await sys.engine.auctionInfo(1n)).startTime;

      // 5 minutes in: 2,640 × (1 − 300/7,200) = 2,530 > 2,400 × 0.98 = 2,352.
      await time.increaseTo(start + 300n);
      const early = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(early.takes).to.have.length(0);
      expect(early.skipped.filter((s) => s.reason.startsWith("unprofitable"))).to.have.length(3);
      expect((await sys.engine.auctionInfo(1n)).lot).to.equal(wad(10));

      // 15 minutes in: 2,640 × (1 − 900/7,200) = 2,310 ≤ 2,352, but a reference price 5 % under the
      // oracle (2,280 × 0.98 = 2,234.4) still says no.
      await time.increaseTo(start + 899n);
      const lowRef = await runKeeperOnce(
        hre,
        opts(sys.keeper, lines, { referencePrice: (_c, oraclePrice) => (oraclePrice * 95n) / 100n }),
      );
      expect(lowRef.takes).to.have.length(0);
      expect(lowRef.skipped.filter((s) => s.reason.startsWith("unprofitable"))).to.have.length(3);

      // Against the oracle price the same auctions are worth taking: the keeper's 60,000 BDOL
      // covers all three tabs (18,700 + 19,800 + 18,150).
      const bdolBefore = await sys.bdol.balanceOf(sys.keeper.address);
      const wethBefore = await sys.weth.balanceOf(sys.keeper.address);
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(r.takes.map((t) => t.auctionId).sort()).to.deep.equal(auctionIds);
      let paid = 0n;
      let amount = 0n;
      for (const t of r.takes) {
        expect(t.collateral).to.equal(sys.weth_);
        expect(t.referencePrice).to.equal(CRASH_PRICE);
        expect(t.price).to.be.lte((CRASH_PRICE * 98n) / 100n);
        // The whole tab is raised: the auction ended.
        expect((await sys.engine.auctionInfo(t.auctionId)).collateral).to.equal(ethers.ZeroAddress);
        expect(t.profit).to.equal((t.amount * CRASH_PRICE) / WAD - t.paid);
        expect(t.profit).to.be.gt(0n);
        paid += t.paid;
        amount += t.amount;
      }
      // Tabs: debt × 1.1, debt rounded up by a little interest.
      expect(paid).to.be.gte(wad(56_650)).and.lt(wad(56_651));
      expect(bdolBefore - (await sys.bdol.balanceOf(sys.keeper.address))).to.equal(paid);
      expect((await sys.weth.balanceOf(sys.keeper.address)) - wethBefore).to.equal(amount);
      expect(r.realisedProfit).to.equal(r.takes.reduce((s, t) => s + t.profit, 0n) - (r.gasSpent * CRASH_PRICE) / WAD);
      expect(lines.filter((l) => l.startsWith("take auction "))).to.have.length(3);
    });

    it("caps each take at maxTakeBdol and stops when the BDOL runs out", async function () {
      await runKeeperOnce(hre, opts(sys.keeper, []));
      await time.increaseTo((await sys.engine.auctionInfo(1n)).startTime + 900n);
      const cap = wad(5_000);
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines, { maxTakeBdol: cap }));
      expect(r.takes).to.have.length(3);
      for (const t of r.takes) {
        // Sized at the price seen; the price decays a little until the take lands.
        expect(t.paid)
          .to.be.lte(cap)
          .and.gt((cap * 995n) / 1000n);
        const left = await sys.engine.auctionInfo(t.auctionId);
        expect(left.lot).to.equal(wad(10) - t.amount); // partial: the auction goes on
      }

      // A keeper without BDOL takes nothing and sends nothing.
      const nonce = await ethers.provider.getTransactionCount(sys.attacker.address);
      const broke = await runKeeperOnce(hre, opts(sys.attacker, lines));
      expect(broke.takes).to.have.length(0);
      expect(broke.skipped.filter((s) => /budget 0\.00 buys nothing/.test(s.reason))).to.have.length(3);
      expect(await ethers.provider.getTransactionCount(sys.attacker.address)).to.equal(nonce);
    });

    it("restarts an auction that fell below its floor, unless redo is off", async function () {
      await runKeeperOnce(hre, opts(sys.keeper, []));
      // 25 minutes in: 2,640 × (1 − 1,500/7,200) = 2,090 < the floor 2,160.
      await time.increaseTo((await sys.engine.auctionInfo(1n)).startTime + 1_500n);
      await sys.ethFeed.updateAnswer(feedAnswer(2_400)); // a fresh round, same price
      const [, needsReset] = await sys.engine.auctionPrice(1n);
      expect(needsReset).to.equal(true);

      const off = await runKeeperOnce(hre, opts(sys.keeper, lines, { redo: false }));
      expect(off.redos).to.have.length(0);
      expect(off.skipped.filter((s) => s.reason === "needs a reset (redo disabled)")).to.have.length(3);

      const r = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(r.redos.map((x) => x.auctionId).sort()).to.deep.equal([1n, 2n, 3n]);
      const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      for (const id of [1n, 2n, 3n]) {
        expect((await sys.engine.auctionInfo(id)).startTime).to.be.gte(now - 2n);
        // Back near the start price, 2,400 × 110 % = 2,640, and takeable again.
        const [price, needsReset] = await sys.engine.auctionPrice(id);
        expect(needsReset).to.equal(false);
        expect(price)
          .to.be.lte((CRASH_PRICE * START_MULTIPLIER) / WAD)
          .and.gt(wad(2_630));
      }
      // Restarted at 2,640: not worth taking in the same pass.
      expect(r.takes).to.have.length(0);
      expect(lines.filter((l) => l.startsWith("redo auction "))).to.have.length(3);
    });

    it("leaves an auction whose restart pay is used up (10 paid restarts) to a bidder, unless unpaidRedo", async function () {
      await runKeeperOnce(hre, opts(sys.keeper, []));
      const stale = async () => {
        await time.increaseTo((await sys.engine.auctionInfo(1n)).startTime + 1_500n);
        await sys.ethFeed.updateAnswer(feedAnswer(2_400));
      };
      // Someone restarts auction 1 ten times for pay (a 10 gwei basefee).
      for (let i = 0n; i < MAX_PAID_REDOS; i++) {
        await stale();
        await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(10n ** 10n)]);
        await sys.engine.connect(sys.attacker).redo(1n, sys.attacker.address, { maxFeePerGas: 10n ** 11n });
        await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
      }
      expect((await sys.engine.auctionInfo(1n)).paidRedos).to.equal(MAX_PAID_REDOS);
      await stale();
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(r.redos.map((x) => x.auctionId)).to.not.include(1n);
      expect(r.skipped.filter((s) => s.reason.includes("restart pay is used up"))).to.have.length(1);
      const unpaid = await runKeeperOnce(hre, opts(sys.keeper, lines, { unpaidRedo: true }));
      expect(unpaid.redos.map((x) => x.auctionId)).to.include(1n);
      expect(unpaid.redos.find((x) => x.auctionId === 1n)!.reward).to.equal(0n);
    });

    it("two keepers racing on the same vaults: the loser's static calls fail and it sends nothing", async function () {
      const rival = sys.keeper;
      const loser = sys.attacker;
      const loserNonce = await ethers.provider.getTransactionCount(loser.address);
      let rivalReport: KeeperReport | undefined;
      const r = await runKeeperOnce(
        hre,
        opts(loser, lines, {
          // The rival's transactions land between the loser's scan and its first static call.
          beforeAction: async (action) => {
            if (rivalReport) return;
            expect(action).to.deep.include({ kind: "liquidate", id: 3n });
            rivalReport = await runKeeperOnce(hre, opts(rival, []));
          },
        }),
      );
      expect(ids(rivalReport!)).to.deep.equal(UNHEALTHY);
      expect(r.liquidations).to.have.length(0);
      expect(r.skipped.map((s) => s.what)).to.deep.include.members(["vault 3", "vault 1", "vault 6"]);
      for (const id of UNHEALTHY) {
        const s = r.skipped.find((x) => x.what === `vault ${id}`)!;
        expect(s.reason).to.equal(`static call reverted: NoDebt: vault id #${id}`);
      }
      expect(r.gasSpent).to.equal(0n);
      expect(await ethers.provider.getTransactionCount(loser.address)).to.equal(loserNonce);
    });

    it("a take whose price moved up after the scan fails its static call (maxPrice = the price seen)", async function () {
      await runKeeperOnce(hre, opts(sys.keeper, []));
      const start = (await sys.engine.auctionInfo(1n)).startTime;
      await time.increaseTo(start + 900n);
      const nonce = await ethers.provider.getTransactionCount(sys.keeper.address);
      let staged = false;
      const r = await runKeeperOnce(
        hre,
        opts(sys.keeper, lines, {
          beforeAction: async (action) => {
            if (action.kind !== "take" || staged) return;
            staged = true;
            // Between the scan and the take, every auction grows too old and a rival restarts it
            // at 2,640, above the price the keeper saw.
            await sys.ethFeed.updateAnswer(feedAnswer(2_400));
            await time.increaseTo(start + 3_700n);
            for (const id of [1n, 2n, 3n]) await sys.engine.connect(sys.attacker).redo(id, sys.attacker.address);
          },
        }),
      );
      expect(r.takes).to.have.length(0);
      const reverted = r.skipped.filter((s) =>
        /^static call reverted: PriceAboveMax: price 2,6[\d,.]* USD, max price 2,3[\d,.]* USD$/.test(s.reason),
      );
      expect(reverted).to.have.length(3);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce);
      expect((await sys.engine.auctionInfo(1n)).lot).to.equal(wad(10));
    });

    it("sells collateral the reserve absorbed only when asked to", async function () {
      // Give the reserve 50,000 BDOL: its buffer (80 %, 40,000) absorbs the two riskiest vaults at once
      // (18,000 + 17,000; the keeper's pay comes from the surplus), the third only in part.
      const reserveAddress = await sys.reserve.getAddress();
      await sys.bdol.connect(sys.keeper).transfer(reserveAddress, wad(50_000));
      /** WETH the reserve owns and has not put on sale (wherever the contracts keep it). */
      const unsold = async () => {
        const weth = (await sys.lens.systemSnapshot()).collaterals.find((c) => c.token === sys.weth_)!;
        return weth.reserveHolding - (await sys.engine.collateralState(sys.weth_)).collateralOnSale;
      };

      const plain = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(ids(plain)).to.deep.equal(UNHEALTHY);
      const absorbed = plain.liquidations.filter((l) => l.absorbedDebt === l.debt);
      expect(absorbed.map((l) => l.vaultId)).to.deep.equal([3n, 1n]);
      expect(absorbed.every((l) => l.auctionId === 0n)).to.equal(true);
      expect(plain.sales).to.have.length(0);
      const held = await unsold();
      // At least what the two whole absorptions took: (18,000 + 17,000) × 1.1 / 2,400 WETH.
      expect(held).to.be.gte((wad(38_500) * WAD) / CRASH_PRICE);

      const count = await sys.engine.auctionCount();
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines, { sellReserveCollateral: true }));
      expect(r.sales).to.deep.equal([{ collateral: sys.weth_, amount: held, auctionId: count + 1n }]);
      expect(await unsold()).to.equal(0n);
      const sale = await sys.engine.auctionInfo(count + 1n);
      expect(sale.owner).to.equal(reserveAddress);
      expect(sale.lot).to.equal(held);
      expect(lines.some((l) => l.startsWith(`sell reserve `) && l.includes(`in auction ${count + 1n}`))).to.equal(true);

      // Nothing left to sell; a lot under the minimum is reported, not sold.
      const again = await runKeeperOnce(hre, opts(sys.keeper, lines, { sellReserveCollateral: true }));
      expect(again.sales).to.have.length(0);
      await sys.weth.mint(reserveAddress, wad("0.1")); // 240 BDOL
      const small = await runKeeperOnce(hre, opts(sys.keeper, lines, { sellReserveCollateral: true }));
      expect(small.sales).to.have.length(0);
      expect(small.skipped).to.deep.include({
        what: "reserve WETH",
        reason: "lot of 240.00 BDOL below the 1,000.00 minimum",
      });
    });

    it("rebalances the reserve's USDC when asked: within the limit per interval, then says it is used up", async function () {
      const plain = await loadSystem(); // no vaults: the rebalance is the only transaction
      const USDC = 10n ** 6n;
      await plain.usdc.mint(await plain.reserve.getAddress(), 30_000_000n * USDC); // liquid target 20 %
      const first = await runKeeperOnce(hre, opts(plain.keeper, lines, { rebalance: true }));
      expect(first.rebalances.map((x) => [x.deposited, x.withdrawn])).to.deep.equal([[10_000_000n * USDC, 0n]]);
      expect(lines).to.include(
        "rebalance: 10000000000000 USDC units into strategies, 0 out of them, gas " + first.rebalances[0].gasUsed,
      );

      // Right after, 10M of the 10M an hour is used: nothing is sent, and the report says why.
      const used = await runKeeperOnce(hre, opts(plain.keeper, lines, { rebalance: true }));
      expect(used.rebalances).to.have.length(0);
      expect(used.skipped).to.deep.equal([
        { what: "rebalance", reason: "limit per interval used up; it refills over the interval" },
      ]);
      expect(await plain.reserve.strategyAssets()).to.equal(10_000_000n * USDC);

      // Half an hour later, half the limit (and a second's refill) moves.
      await time.increase(1_800);
      const half = await runKeeperOnce(hre, opts(plain.keeper, lines, { rebalance: true }));
      expect(half.rebalances).to.have.length(1);
      expect(half.rebalances[0].deposited).to.be.within(5_000_000n * USDC, 5_010_000n * USDC);
    });

    it("loop: remembers the lowest active auction and stops rescanning ended ones", async function () {
      const reports = await runKeeperLoop(hre, { ...opts(sys.keeper, lines), intervalMs: 0, iterations: 2 });
      expect(reports).to.have.length(2);
      expect(ids(reports[0])).to.deep.equal(UNHEALTHY);
      expect(reports[1].liquidations).to.have.length(0);
      expect(reports[1].activeAuctions).to.equal(3);
      expect(lines.filter((l) => /^block \d+: scanned/.test(l))).to.have.length(2);

      // Take everything, then a pass with the same state lists no auction at all.
      const state = { firstActiveAuction: 1n };
      await time.increaseTo((await sys.engine.auctionInfo(1n)).startTime + 900n);
      const taken = await runKeeperOnce(hre, opts(sys.keeper, lines, { state }));
      expect(taken.takes).to.have.length(3);
      expect(state.firstActiveAuction).to.equal(1n); // they were active when listed
      const next = await runKeeperOnce(hre, opts(sys.keeper, lines, { state }));
      expect(next.activeAuctions).to.equal(0);
      expect(state.firstActiveAuction).to.equal(4n);
      const after = await runKeeperOnce(hre, opts(sys.keeper, lines, { state }));
      expect(after.auctionCalls).to.equal(0);
    });

    /** Runs the `keeper` task in process with KEEPER_PRIVATE_KEY = `key`; returns its reports and output. */
    async function keeperTask(args: Record<string, unknown>, key: string | undefined) {
      const out: string[] = [];
      const original = { log: console.log, key: process.env.KEEPER_PRIVATE_KEY };
      console.log = (...xs: unknown[]) => void out.push(xs.join(" "));
      if (key === undefined) delete process.env.KEEPER_PRIVATE_KEY;
      else process.env.KEEPER_PRIVATE_KEY = key;
      try {
        const reports = (await hre.run("keeper", args)) as KeeperReport[];
        return { reports, text: out.join("\n") };
      } finally {
        console.log = original.log;
        if (original.key === undefined) delete process.env.KEEPER_PRIVATE_KEY;
        else process.env.KEEPER_PRIVATE_KEY = original.key;
      }
    }

    it("the `keeper` task: the first account by default, one iteration, a summary line and the final table", async function () {
      const { reports, text } = await keeperTask({ once: true, spread: "0.02" }, undefined);
      expect(reports).to.have.length(1);
      expect(ids(reports[0])).to.deep.equal(UNHEALTHY);
      expect(text).to.include(`keeper ${sys.deployer.address} on hardhat: 1 iteration(s), spread 0.02`);
      expect(text).to.match(/block \d+: scanned 7 vaults in 1 lens calls; liquidate 3 \[3, 1, 6\]/);
      expect(text).to.match(/│ 1 +│ +7 │ +1 │ +#3 #1 #6 │/);
    });

    it("the `keeper` task: KEEPER_PRIVATE_KEY signs; --iterations, --dry-run and --max-gas-price in gwei", async function () {
      // Hardhat's default account 4 (sys.keeper), from the default mnemonic.
      const key = ethers.HDNodeWallet.fromPhrase(
        "test test test test test test test test test test test junk",
        undefined,
        "m/44'/60'/0'/0/4",
      ).privateKey;
      const deployerNonce = await ethers.provider.getTransactionCount(sys.deployer.address);
      const keeperNonce = await ethers.provider.getTransactionCount(sys.keeper.address);

      const dry = await keeperTask({ dryRun: true, iterations: 2, interval: 0, spread: "0.02" }, key);
      expect(dry.reports).to.have.length(2);
      expect(dry.reports.every((r) => r.dryRun && ids(r).join() === UNHEALTHY.join())).to.equal(true);
      expect(dry.text).to.include(`keeper ${sys.keeper.address} on hardhat (dry run): 2 iteration(s)`);
      expect(dry.text).to.match(/│ total +│ +14 │ +2 │/);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(keeperNonce);

      // A cap of 0.000000001 gwei (1 wei) is below any gas price: nothing is sent.
      const capped = await keeperTask({ once: true, maxGasPrice: "0.000000001", spread: "0.02" }, key);
      expect(capped.reports[0].liquidations).to.have.length(0);
      expect(capped.reports[0].skipped.every((x) => x.reason.startsWith("gas price above cap"))).to.equal(true);
      expect(capped.text).to.include("gas cap 0.000000001 gwei");
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(keeperNonce);

      const bdolBefore = await sys.bdol.balanceOf(sys.keeper.address);
      const { reports } = await keeperTask({ once: true, spread: "0.02" }, key);
      expect(ids(reports[0])).to.deep.equal(UNHEALTHY);
      const rewards = reports[0].liquidations.reduce((s, l) => s + l.reward, 0n);
      expect((await sys.bdol.balanceOf(sys.keeper.address)) - bdolBefore).to.equal(rewards);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(keeperNonce + 3);
      expect(await ethers.provider.getTransactionCount(sys.deployer.address)).to.equal(deployerNonce);
    });

    it("the `keeper` task refuses a negative or malformed number in one line naming it, before anything is sent", async function () {
      const nonce = await ethers.provider.getTransactionCount(sys.deployer.address);
      const refused: [Record<string, unknown>, string][] = [
        [{ maxTake: "-5" }, '--max-take "-5" must not be negative (e.g. --max-take 2.5)'],
        [{ maxTake: "5 BDOL" }, '--max-take "5 BDOL" is not a decimal number (e.g. --max-take 2.5)'],
        [{ maxTake: "0" }, "--max-take must be more than 0 BDOL"],
        [{ maxGasPrice: "-1" }, '--max-gas-price "-1" must not be negative (e.g. --max-gas-price 2.5)'],
        [{ spread: "1.5" }, "--spread must be less than 1: 1.5"],
        [{ spread: "-0.01" }, '--spread "-0.01" must not be negative (e.g. --spread 0.02)'],
        [{ slippage: "abc" }, '--slippage "abc" is not a decimal number (e.g. --slippage 0.005)'],
        [{ interval: "-2" }, '--interval "-2" must not be negative (e.g. --interval 2.5)'],
        [{ interval: -2 }, '--interval "-2" must not be negative (e.g. --interval 2.5)'],
        [{ iterations: 0 }, "--iterations must be at least 1"],
        [{ pageSize: "-1" }, '--page-size "-1" is not a whole number (negative)'],
        [{ metricsPort: 70_000 }, "--metrics-port must be a port number up to 65535: 70000"],
      ];
      for (const [args, message] of refused) {
        const err = await keeperTask({ once: true, ...args }, undefined).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(err, JSON.stringify(args)).to.be.instanceOf(UsageError);
        expect(err!.message).to.equal(message);
        expect(err!.message).to.not.include("\n");
      }
      expect(await ethers.provider.getTransactionCount(sys.deployer.address)).to.equal(nonce);
      expect(await debts(sys, UNHEALTHY)).to.not.include(0n);
    });

    it("from the command line, `keeper --max-take -5` prints one line and exits 1: no stack trace", async function () {
      this.timeout(120_000);
      const child = new Child(
        "hardhat keeper --max-take -5",
        bin("hardhat"),
        ["keeper", "--max-take", "-5", "--once"],
        {
          HARDHAT_NETWORK: undefined,
        },
      );
      expect(await child.exited).to.equal(1);
      expect(child.log.trim().split("\n")).to.deep.equal([
        'error: --max-take "-5" must not be negative (e.g. --max-take 2.5)',
      ]);
    });

    it("the `keeper` task: --json adds each report as one JSON line; --json-logs makes every line a JSON object", async function () {
      const json = await keeperTask({ once: true, json: true }, undefined);
      const reportLines = json.text.split("\n").filter((l) => l.startsWith('{"iteration":1,'));
      expect(reportLines).to.have.length(1);
      const report = JSON.parse(reportLines[0]) as { scannedVaults: number; liquidations: { vaultId: string }[] };
      expect(report.scannedVaults).to.equal(VAULTS.length);
      expect(report.liquidations.map((l) => l.vaultId)).to.deep.equal(["3", "1", "6"]);
      expect(json.text).to.match(/block \d+: scanned 7 vaults in 1 lens calls; liquidate 3 \[3, 1, 6\]/);

      sys = await crashed();
      const logs = await keeperTask({ once: true, jsonLogs: true }, undefined);
      const events = logs.text.split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const e of events) {
        expect(e.time).to.match(/^\d{4}-\d\d-\d\dT/);
        expect(e.msg).to.be.a("string");
      }
      // The three auctions this pass started open at 110 % of the oracle: listed, and skipped as unprofitable.
      expect(events.map((e) => e.event)).to.deep.equal([
        "start",
        ...["liquidate", "liquidate", "liquidate"],
        ...["skip", "skip", "skip"],
        "summary",
        "totals",
      ]);
      for (const e of events.filter((x) => x.event === "skip")) {
        expect(e.level).to.equal("warn");
        expect(e.reason).to.match(/^unprofitable: price /);
      }
      const liquidations = events.filter((e) => e.event === "liquidate");
      expect(liquidations.map((e) => e.vaultId)).to.deep.equal(["3", "1", "6"]);
      expect(liquidations[0].msg).to.match(/^liquidate vault 3 \(WETH, health 0\.\d{4}\): debt 18,000\.\d\d BDOL/);
      expect(events[events.length - 1].liquidations).to.have.length(3); // the totals carry the report
    });

    it("metrics: with a metrics port the loop serves its counters on 127.0.0.1, and closes the port when it stops", async function () {
      const port = await freePort();
      const url = `http://${LOOPBACK}:${port}/metrics`;
      let text = "";
      let elsewhere = 0;
      const reports = await runKeeperLoop(hre, {
        ...opts(sys.keeper, lines),
        intervalMs: 0,
        iterations: 1,
        metricsPort: port,
        onIteration: async () => {
          const res = await fetch(url);
          expect(res.status).to.equal(200);
          expect(res.headers.get("content-type")).to.match(/^text\/plain/);
          text = await res.text();
          elsewhere = (await fetch(`http://${LOOPBACK}:${port}/`)).status;
        },
      });
      const r = reports[0];
      expect(ids(r)).to.deep.equal(UNHEALTHY);
      const metric = (series: string) => {
        const line = text.split("\n").find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      expect(metric("ballast_keeper_scans_total")).to.equal(1);
      expect(metric("ballast_keeper_vaults_scanned")).to.equal(VAULTS.length);
      expect(metric('ballast_keeper_actions_total{kind="liquidate",dry_run="false"}')).to.equal(3);
      expect(metric('ballast_keeper_actions_total{kind="take",dry_run="false"}')).to.equal(undefined);
      expect(metric("ballast_keeper_last_block")).to.equal(r.blockNumber);
      expect(metric("ballast_keeper_gas_spent_eth_total")).to.be.closeTo(Number(r.gasSpent) / 1e18, 1e-12);
      expect(metric("ballast_keeper_profit_bdol"))
        .to.be.gt(0)
        .and.closeTo(Number(r.realisedProfit) / 1e18, 1e-6);
      expect(metric('ballast_keeper_errors_total{kind="iteration"}')).to.equal(0);
      expect(elsewhere).to.equal(404);
      // Closed with the loop: nothing listens on the port any more.
      await expect(fetch(url)).to.be.rejectedWith(TypeError);
    });
  });

  describe("recording every priced asset", function () {
    let sys: System;
    let assets: string[];

    beforeEach(async function () {
      sys = await loadSystem();
      assets = [...(await sys.oracle.assets())];
    });

    /** A new round of every feed the oracle reads (the ratio leg included), one minute apart. */
    async function newRounds(usd: { eth: number; btc: number; usdc: string; bdol: string; wbtcBtc: string }) {
      for (const [feed, answer] of [
        [sys.ethFeed, feedAnswer(usd.eth)],
        [sys.btcFeed, feedAnswer(usd.btc)],
        [sys.usdcFeed, feedAnswer(usd.usdc)],
        [sys.bdolFeed, feedAnswer(usd.bdol)],
        [sys.wbtcBtcFeed, feedAnswer(usd.wbtcBtc)],
      ] as const) {
        await time.increase(60);
        await feed.updateAnswer(answer);
      }
    }

    /** Each asset's primary feed's latest round id and the oracle's view of it. */
    async function recorded(asset: string) {
      const feed = MockAggregator__factory.connect((await sys.oracle.feedConfig(asset)).primaryFeed, ethers.provider);
      const [roundId] = await feed.latestRoundData();
      const history = await sys.oracle.roundHistory(asset);
      return history.lastRoundId === roundId;
    }

    it("records each asset the oracle prices — USDC and BDOL too — once per new round, every iteration", async function () {
      const lines: string[] = [];
      expect(assets).to.deep.equal([
        await sys.weth.getAddress(),
        await sys.wbtc.getAddress(),
        await sys.usdc.getAddress(),
        await sys.bdol.getAddress(),
      ]);
      for (const asset of assets) expect(await recorded(asset), asset).to.equal(true); // at deployment
      const nonce = await ethers.provider.getTransactionCount(sys.keeper.address);
      await newRounds({ eth: 2_990, btc: 60_100, usdc: "0.999", bdol: "1.001", wbtcBtc: "0.999" });
      const r = await runKeeperOnce(hre, opts(sys.keeper, lines));
      expect(r.records.map((x) => x.asset)).to.deep.equal(assets);
      expect(r.records.every((x) => x.gasUsed > 0n)).to.equal(true);
      for (const asset of assets) expect(await recorded(asset), asset).to.equal(true);
      // The circuit breaker's reference is the latest round of each: it does not age.
      const usdcRound = (await sys.usdcFeed.latestRoundData())[3];
      expect((await sys.oracle.priceState(await sys.usdc.getAddress())).lastGoodUpdatedAt).to.equal(usdcRound);
      expect(lines.some((l) => l.includes("record 4"))).to.equal(true);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce + 4);

      // Nothing new: nothing sent.
      const again = await runKeeperOnce(hre, opts(sys.keeper, []));
      expect(again.records).to.deep.equal([]);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce + 4);
    });

    it("a new round of a composite's ratio leg alone is recorded (WBTC at 0.95 BTC)", async function () {
      const wbtc = await sys.wbtc.getAddress();
      await time.increase(60);
      await sys.wbtcBtcFeed.updateAnswer(feedAnswer("0.95"));
      const r = await runKeeperOnce(hre, opts(sys.keeper, []));
      expect(r.records.map((x) => x.asset)).to.deep.equal([wbtc]);
      expect((await sys.oracle.priceState(wbtc)).lastGoodPrice).to.equal(wad(57_000));
    });

    it("keeps recording through a quiet market: every hourly iteration records the heartbeat rounds", async function () {
      const weth = await sys.weth.getAddress();
      for (let h = 1; h <= 6; h++) {
        await time.increase(3_540);
        await newRounds({ eth: 3_000 - 20 * h, btc: 60_000, usdc: "1", bdol: "1", wbtcBtc: "1" });
        const r = await runKeeperOnce(hre, opts(sys.keeper, []));
        expect(r.records.length, `hour ${h}`).to.equal(4);
        const round = (await sys.ethFeed.latestRoundData())[3];
        expect((await sys.oracle.priceState(weth)).lastGoodUpdatedAt).to.equal(round);
      }
    });

    it("dry run: reports the recordings it would send and sends nothing", async function () {
      await newRounds({ eth: 3_010, btc: 60_000, usdc: "1", bdol: "1", wbtcBtc: "1" });
      const nonce = await ethers.provider.getTransactionCount(sys.keeper.address);
      const before = await Promise.all(assets.map((a) => sys.oracle.roundHistory(a)));
      const r = await runKeeperOnce(hre, opts(sys.keeper, [], { dryRun: true }));
      expect(r.records.map((x) => x.asset)).to.deep.equal(assets);
      expect(await ethers.provider.getTransactionCount(sys.keeper.address)).to.equal(nonce);
      expect(await Promise.all(assets.map((a) => sys.oracle.roundHistory(a)))).to.deep.equal(before);
    });
  });

  describe("scan in pages", function () {
    const COUNT = 300;
    /** Every 30th vault (ids 30, 60, …, 300) is unhealthy after the crash. */
    const unhealthy = Array.from({ length: COUNT / 30 }, (_, i) => BigInt((i + 1) * 30));

    const many = deployments.createFixture(async () => {
      const sys = await loadSystem();
      const { carol } = sys;
      await fund(sys, sys.weth, carol, wad(COUNT));
      const vm = sys.vaultManager.connect(carol);
      const weth = await sys.weth.getAddress();
      // One transaction each, with a fixed gas limit (no estimate): about 2 ms a vault in process.
      for (let id = 1; id <= COUNT; id++) {
        // 1 WETH at 3,000: 1,500 BDOL (200 %) or 1,800 BDOL (167 %, 133 % after the crash).
        const debt = id % 30 === 0 ? wad(1_800) : wad(1_500);
        await vm.openVault(weth, wad(1), debt, { gasLimit: 400_000 });
      }
      expect(await sys.vaultManager.vaultCount()).to.equal(BigInt(COUNT));
      await crash(sys, 2_400);
      return sys;
    });

    /** Counts eth_calls of `vaultsHealth` that reach the node (hardhat-ethers sends through `send`). */
    async function countLensCalls<T>(sys: System, body: () => Promise<T>): Promise<{ result: T; calls: number }> {
      const selector = sys.lens.interface.getFunction("vaultsHealth").selector;
      const provider = network.provider as unknown as {
        send: (method: string, params?: unknown[]) => Promise<unknown>;
        request: (args: { method: string; params?: unknown[] }) => Promise<unknown>;
      };
      const { send, request } = provider;
      let calls = 0;
      const count = (method: string, params?: unknown[]) => {
        const p = params?.[0] as { data?: string; input?: string } | undefined;
        if (method === "eth_call" && (p?.data ?? p?.input ?? "").startsWith(selector)) calls++;
      };
      provider.send = (method, params) => {
        count(method, params);
        return send.call(provider, method, params);
      };
      provider.request = (args) => {
        count(args.method, args.params);
        return request.call(provider, args);
      };
      try {
        return { result: await body(), calls };
      } finally {
        provider.send = send;
        provider.request = request;
      }
    }

    it("300 vaults: 3 lens calls at page size 100, 1 at the default 1,000; the same vaults found", async function () {
      const sys = await many();
      const small = await countLensCalls(sys, () =>
        runKeeperOnce(hre, { keeper: sys.keeper, dryRun: true, pageSize: 100, log: () => undefined }),
      );
      expect(small.result.scannedVaults).to.equal(COUNT);
      expect(small.result.ethCalls).to.equal(3);
      expect(small.calls).to.equal(3);
      expect(ids(small.result)).to.deep.equal(unhealthy);

      const odd = await runKeeperOnce(hre, { keeper: sys.keeper, dryRun: true, pageSize: 7, log: () => undefined });
      expect(odd.ethCalls).to.equal(Math.ceil(COUNT / 7));
      expect(ids(odd)).to.deep.equal(unhealthy);

      const lines: string[] = [];
      const full = await countLensCalls(sys, () => runKeeperOnce(hre, opts(sys.keeper, lines)));
      expect(full.result.ethCalls).to.equal(1);
      expect(full.calls).to.equal(1);
      expect(full.result.scannedVaults).to.equal(COUNT);
      expect(ids(full.result)).to.deep.equal(unhealthy);
      for (const id of unhealthy) expect(await sys.vaultManager.debtOf(id)).to.equal(0n);
      expect(await sys.vaultManager.debtOf(29n)).to.be.gte(wad(1_500));
    });
  });

  describe("external node: `npx hardhat keeper --network localhost --once`", function () {
    this.timeout(600_000);
    const STEP_TIMEOUT_MS = 180_000;
    let node: Child | undefined;
    let provider: JsonRpcProvider | undefined;
    let deploymentsDir = "";
    let childEnv: NodeJS.ProcessEnv = {};
    const address = (name: string): string => {
      const file = path.join(deploymentsDir, "localhost", `${name}.json`);
      return (JSON.parse(readFileSync(file, "utf8")) as { address: string }).address;
    };

    before(async function () {
      const port = await freePort();
      const url = `http://${LOOPBACK}:${port}`;
      deploymentsDir = makeTempDir("ballast-keeper-");
      childEnv = {
        LOCALHOST_RPC_URL: url,
        BALLAST_DEPLOYMENTS_DIR: deploymentsDir,
        FORK_URL: "",
        BALLAST_CONFIG: "",
        KEEPER_PRIVATE_KEY: "", // the node's first account
        HARDHAT_NETWORK: undefined,
      };
      node = new Child(
        "hardhat node",
        bin("hardhat"),
        ["node", "--hostname", LOOPBACK, "--port", String(port), "--no-deploy", "--no-reset"],
        childEnv,
      );
      expect(await waitForChainId(node, url, STEP_TIMEOUT_MS)).to.equal(31337n);
      await run("hardhat deploy", bin("hardhat"), ["deploy", "--network", "localhost", "--no-compile"], {
        env: childEnv,
        timeoutMs: STEP_TIMEOUT_MS,
      });
      expect(existsSync(path.join(deploymentsDir, "localhost", "ReserveLens.json"))).to.equal(true);
      provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, pollingInterval: 100 });
    });

    after(async function () {
      provider?.destroy();
      await node?.stop();
      if (deploymentsDir) removeTempDir(deploymentsDir);
      if (node) expect(node.running).to.equal(false);
    });

    it("liquidates the unhealthy vault and only that one; --dry-run first sends nothing", async function () {
      const alice: JsonRpcSigner = await provider!.getSigner(1);
      const other: JsonRpcSigner = await provider!.getSigner(2);
      const keeper = (await provider!.getSigner(0)).address;
      const weth = MockERC20__factory.connect(address("WETH"), alice);
      const vm = VaultManager__factory.connect(address("VaultManager"), alice);
      const engine = LiquidationEngine__factory.connect(address("LiquidationEngine"), provider!);
      const withMargin = (g: bigint) => g + g / 4n;

      await (await weth.mint(alice.address, wad(20))).wait();
      await (await weth.approve(await vm.getAddress(), wad(20))).wait();
      for (const debt of [wad(17_000), wad(15_000)]) {
        const args = [await weth.getAddress(), wad(10), debt] as const;
        await (await vm.openVault(...args, { gasLimit: withMargin(await vm.openVault.estimateGas(...args)) })).wait();
      }
      await (
        await MockAggregator__factory.connect(address("ETH_USD_FEED"), other).updateAnswer(feedAnswer(2_400))
      ).wait();
      await (await OracleAdapter__factory.connect(address("OracleAdapter"), other).recordPrice(address("WETH"))).wait();
      expect(await vm.healthFactor(1)).to.be.lt(WAD);
      expect(await vm.healthFactor(2)).to.be.gt(WAD);

      const nonce = await provider!.getTransactionCount(keeper);
      const dry = await run(
        "hardhat keeper --dry-run",
        bin("hardhat"),
        ["keeper", "--network", "localhost", "--once", "--dry-run"],
        {
          env: childEnv,
          timeoutMs: STEP_TIMEOUT_MS,
        },
      );
      expect(dry.output).to.include(`keeper ${keeper} on localhost (dry run)`);
      expect(dry.output).to.match(/\[dry run\] would liquidate vault 1 \(WETH/);
      expect(dry.output).to.not.match(/liquidate vault 2 /);
      expect(await provider!.getTransactionCount(keeper)).to.equal(nonce);
      expect(await engine.auctionCount()).to.equal(0n);

      const { output } = await run("hardhat keeper", bin("hardhat"), ["keeper", "--network", "localhost", "--once"], {
        env: childEnv,
        timeoutMs: STEP_TIMEOUT_MS,
      });
      expect(output).to.match(/^liquidate vault 1 \(WETH, health 0\.94\d\d\): debt 17,000\.00 BDOL/m);
      expect(output).to.match(/scanned 2 vaults in 1 lens calls; liquidate 1 \[1\]/);
      expect(output).to.not.match(/liquidate vault 2 /);
      expect(await vm.debtOf(1)).to.equal(0n);
      expect(await vm.debtOf(2)).to.be.gte(wad(15_000));
      expect(await engine.auctionCount()).to.equal(1n);
      expect(await provider!.getTransactionCount(keeper)).to.equal(nonce + 1);
    });
  });
});

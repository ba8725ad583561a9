/**
 * Reserve scenarios of issue 5 that need no risk controller: the SVB replay (USDC to $0.877), a
 * bank run on the PSM (60 % of its liquidity asked for in a day), and a strategy losing 20 %. Each
 * runs the real deployment (deployments.fixture) with the local config: PSM fees 0.1 %, ceiling 50M,
 * outflow bucket 5M per day, depeg tolerance 1 %; the reserve keeps 20 % of its USDC liquid and
 * the rest in the mock ERC-4626 strategy (cap 20M, rebalances move at most 10M an hour).
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { adminOf, feedAnswer, loadSystem, type System } from "../helpers/fixtures";
import type { MockERC4626Strategy, PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const C = networkConfig("hardhat");
const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const DAY = 24 * 3600;

describe("Scenarios: the reserve under stress (PSM, strategies)", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let strategy: MockERC4626Strategy;
  let holders: HardhatEthersSigner[];
  let usdc: string;
  let reserve: string;

  beforeEach(async () => {
    sys = await loadSystem();
    const psmAddress = (await deployments.get("PegStabilityModule")).address;
    psm = (await contractAt(hre, "PegStabilityModule", psmAddress)) as unknown as PegStabilityModule;
    strategy = (await contractAt(hre, "MockERC4626Strategy", "USDC_STRATEGY")) as unknown as MockERC4626Strategy;
    usdc = await sys.usdc.getAddress();
    reserve = await sys.reserve.getAddress();
    holders = (await ethers.getSigners()).slice(10, 16);
    // Six holders swap 10M USDC in (60M minus fees would pass the 50M ceiling: 8M each, 48M).
    for (const h of holders) {
      await sys.usdc.mint(h.address, USDC(8_000_000));
      await sys.usdc.connect(h).approve(psmAddress, ethers.MaxUint256);
      await psm.connect(h).swapStableForCoin(USDC(8_000_000), 0n, h.address);
    }
    // They bought long ago: ten days on, the credit their 48M left in the outflow bucket has faded
    // (5M a day, IPegStabilityModule) and the bucket is exactly full; USDC gets a fresh round.
    await time.increase(10 * DAY);
    await setUsdcPrice("1");
    expect(await psm.availableOutflow()).to.equal(C.psm.outflowLimit);
  });

  async function setUsdcPrice(usd: string) {
    await sys.usdcFeed.updateAnswer(feedAnswer(usd));
    await sys.oracle.recordPrice(usdc);
  }

  it("SVB replay: USDC slides to $0.877 over three days; the PSM stops minting below $0.99, redemptions go on within the window", async () => {
    const mintedBefore = await psm.minted();
    const probe = holders[0];
    await sys.usdc.mint(probe.address, USDC(1_000_000));
    const log: string[] = [];
    // Each day a step of less than the oracle's 10 % circuit breaker, so the price stays live.
    for (const price of ["0.995", "0.99", "0.95", "0.90", "0.877"]) {
      await time.increase(DAY / 2);
      await setUsdcPrice(price);
      const [p] = await sys.oracle.getPrice(usdc);
      let minted = "accepted";
      try {
        await psm.connect(probe).swapStableForCoin.staticCall(USDC(100_000), 0n, probe.address);
      } catch (e) {
        minted = psm.interface.parseError((e as { data: string }).data)!.name;
      }
      log.push(`${ethers.formatEther(p)} ${minted}`);
    }
    expect(log).to.deep.equal([
      "0.995 accepted",
      "0.99 accepted",
      "0.95 StableDepegged",
      "0.9 StableDepegged",
      "0.877 StableDepegged",
    ]);
    expect(await psm.minted()).to.equal(mintedBefore); // static calls: nothing minted

    // Holders rush to redeem 20M BDOL for USDC at par: the bucket lets 5M out, the rest waits.
    let paid = 0n;
    let refused = 0;
    for (const h of holders.slice(0, 4)) {
      try {
        await psm.connect(h).swapCoinForStable(wad(5_000_000), 0n, h.address);
        paid += wad(5_000_000);
      } catch {
        refused++;
      }
    }
    expect(paid).to.equal(wad(5_000_000));
    expect(refused).to.equal(3);
    // The reserve's USDC is worth 0.877 per unit now: its value fell, no holder's balance did.
    const line = (await sys.reserve.composition()).find((h) => h.asset === usdc)!;
    expect(line.value).to.equal((line.amount * 10n ** 12n * 877n) / 1000n);
  });

  it("bank run: 60 % of the PSM's liquidity asked for in a day; the window holds, the reserve pulls from its strategy", async () => {
    // Governance has let the strategy take everything above the 20 % liquid target.
    const vault = await strategy.getAddress();
    await sys.reserve.connect(await adminOf(sys.reserve)).setStrategyCap(vault, USDC(50_000_000));
    for (let i = 0; i < 5; i++) {
      await sys.reserve.rebalance();
      await time.increase(C.reserve.rebalanceInterval); // the limit refills
    }
    const total = (await sys.usdc.balanceOf(reserve)) + (await sys.reserve.strategyAssets());
    const liquid = await sys.usdc.balanceOf(reserve);
    expect(liquid).to.equal((total * C.reserve.liquidTarget) / wad(1)); // 9.6M of 48M
    const inStrategy = await sys.reserve.strategyAssets();

    // 60 % of 48M = 28.8M asked for within a day, in six requests of 4.8M spread over the day.
    const start = await time.latest();
    let paidUsdc = 0n;
    let refusals = 0;
    for (let i = 0; i < 6; i++) {
      await time.increaseTo(start + 1 + Math.floor((i * DAY) / 6));
      const h = holders[i];
      try {
        const [out] = await psm.quoteCoinForStable(wad(4_800_000));
        await psm.connect(h).swapCoinForStable(wad(4_800_000), 0n, h.address);
        paidUsdc += out;
      } catch (e) {
        expect(psm.interface.parseError((e as { data: string }).data)!.name).to.equal("OutflowLimitExceeded");
        refusals++;
      }
    }
    // Over a day at most the 5M bucket plus a day's refill (5M) can leave; with 4.8M requests only
    // the first fits: the refill never reaches 4.8M again within the day.
    expect(paidUsdc).to.equal(USDC(4_795_200));
    expect(refusals).to.equal(5);
    // Day after day the holders redeem as the bucket allows; once the liquid 9.6M is spent the
    // reserve pulls from its strategy instead of refusing.
    let day = 0;
    while ((await sys.reserve.strategyAssets()) === inStrategy && day < 5) {
      await time.increase(DAY);
      day++;
      await psm.connect(holders[day]).swapCoinForStable(wad(4_800_000), 0n, holders[day].address);
    }
    expect(day).to.equal(2);
    expect(await sys.reserve.strategyAssets()).to.equal(inStrategy - (3n * USDC(4_795_200) - liquid));
    expect(await sys.usdc.balanceOf(reserve)).to.equal(0n);
  });

  it("a strategy loses 20 %: the reserve's value falls by the loss, users' balances and the supply do not", async () => {
    await sys.reserve.rebalance();
    await time.increase(C.reserve.rebalanceInterval); // the limit refills
    await sys.reserve.rebalance();
    const valueBefore = await sys.reserve.totalReserveValue();
    const supply = await sys.bdol.totalSupply();
    const balances = await Promise.all(holders.map((h) => sys.bdol.balanceOf(h.address)));
    await strategy.simulateLoss(2_000); // 20 % of its 20M USDC
    const lost = wad(4_000_000);
    expect(valueBefore - (await sys.reserve.totalReserveValue())).to.be.closeTo(lost, wad(1));
    expect(await sys.bdol.totalSupply()).to.equal(supply);
    expect(await Promise.all(holders.map((h) => sys.bdol.balanceOf(h.address)))).to.deep.equal(balances);
    // Redemptions are still paid at par from what is left.
    await expect(psm.connect(holders[0]).swapCoinForStable(wad(1_000_000), 0n, holders[0].address)).to.emit(
      psm,
      "SwappedCoinForStable",
    );
  });
});

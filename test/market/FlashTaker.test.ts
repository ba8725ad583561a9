/**
 * FlashTaker against the real Uniswap v3 bytecode: a keeper with no BDOL takes a whole auction, the
 * WETH sold into WETH_USDC_POOL and the USDC swapped at the PSM inside `take`'s callback; its slippage
 * limit; and the refusals (a callback from anyone but the engine, or for someone else's take; a pool
 * callback from anyone but the pool; a pool of the wrong pair).
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { runKeeperOnce } from "../../lib/keeper";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256 } from "ethers";
import { wad } from "../../lib/sdk";
import { adminOf, at, openVault, type System } from "../helpers/fixtures";
import { loadMarket, loadSeededSystem, type Market } from "../helpers/market";
import { expectSupplyIdentity, unhealthyVault } from "../liquidation/helpers";
import { isToken0, sqrtPriceX96At } from "../../scripts/lib/uniswap";
import type { FlashTaker } from "../../typechain-types";

describe("FlashTaker", () => {
  let sys: System;
  let m: Market;
  let taker: FlashTaker;
  let auctionId: bigint;
  let wethPool: string;

  /** Sells WETH into WETH_USDC_POOL until it trades at `price` USDC. */
  async function moveWethPool(price: bigint) {
    const who = sys.carol;
    const [weth, usdc] = [await sys.weth.getAddress(), await sys.usdc.getAddress()];
    await sys.weth.mint(who.address, wad(10_000));
    await sys.weth.connect(who).approve(await m.router.getAddress(), MaxUint256);
    await m.router.connect(who).exactInputSingle({
      tokenIn: weth,
      tokenOut: usdc,
      fee: 500,
      recipient: who.address,
      deadline: MaxUint256,
      amountIn: wad(10_000),
      amountOutMinimum: 0,
      sqrtPriceLimitX96: sqrtPriceX96At(price, 18, 6, isToken0(weth, usdc)),
    });
  }

  beforeEach(async () => {
    sys = await loadSeededSystem();
    m = await loadMarket();
    taker = await at<FlashTaker>("FlashTaker", "FlashTaker");
    wethPool = await m.wethPool.getAddress();
    // No absorption: the liquidation goes to auction whole.
    await sys.reserve.connect(await adminOf(sys.reserve)).setBufferShare(0);
    await openVault(sys, sys.bob, sys.weth, wad(100), wad(10_000));
    const vault = await unhealthyVault(sys, sys.alice, wad(10), 2_500);
    await sys.engine.connect(sys.keeper).liquidate(vault, sys.keeper.address);
    auctionId = await sys.engine.auctionCount();
    // The market follows the oracle down; 15 minutes later the auction's price is under it.
    await moveWethPool(wad(2_500));
    await time.increase(900);
    await sys.ethFeed.updateAnswer(2_500n * 10n ** 8n);
  });

  it("takes a whole auction with no capital: sells the lot into the pool, pays, keeps the difference", async () => {
    // The keeper spends none of its own BDOL (it holds only its liquidation reward).
    const lot = (await sys.engine.auctionInfo(auctionId)).lot;
    const before = await sys.bdol.balanceOf(sys.keeper.address);
    const tx = await taker.connect(sys.keeper).run(auctionId, lot, MaxUint256, wethPool, 0, sys.keeper.address);
    const e = (await tx.wait())!.logs.map((l) => taker.interface.parseLog(l)).find((x) => x?.name === "FlashTaken")!;
    const profit = (await sys.bdol.balanceOf(sys.keeper.address)) - before;
    console.log(
      `      lot ${ethers.formatEther(e.args.collateralSold)} WETH sold for ${ethers.formatUnits(e.args.stableReceived, 6)} USDC; ` +
        `paid ${ethers.formatEther(e.args.paid)} BDOL, profit ${ethers.formatEther(profit)} BDOL`,
    );
    expect(profit).to.equal(e.args.profit).and.to.be.gt(0n);
    expect((await sys.engine.auctionInfo(auctionId)).collateral).to.equal(ethers.ZeroAddress);
    const address = await taker.getAddress();
    for (const token of [sys.bdol, sys.usdc, sys.weth]) expect(await token.balanceOf(address)).to.equal(0n);
    await expectSupplyIdentity(sys, 10n);
  });

  it("refuses, changing nothing, when the profit is below the caller's minimum", async () => {
    const lot = (await sys.engine.auctionInfo(auctionId)).lot;
    const profit = await taker
      .connect(sys.keeper)
      .run.staticCall(auctionId, lot, MaxUint256, wethPool, 0, sys.keeper.address);
    // A block later the auction's price is a little lower: twice the quoted profit is out of reach.
    const min = profit * 2n;
    await expect(taker.connect(sys.keeper).run(auctionId, lot, MaxUint256, wethPool, min, sys.keeper.address))
      .to.be.revertedWithCustomError(taker, "ProfitTooLow")
      .withArgs((p: bigint) => p >= profit && p < min, min);
    expect((await sys.engine.auctionInfo(auctionId)).lot).to.equal(lot);
  });

  it("the keeper bot (--flash) takes only when QuoterV2's quote pays after gas and slippage; a dry run prints the quote", async () => {
    const lines: string[] = [];
    const opts = { keeper: sys.keeper, flash: true, log: (l: string) => lines.push(l) };
    const dry = await runKeeperOnce(hre, { ...opts, dryRun: true });
    console.log("      " + lines.find((l) => l.includes("flash take")));
    expect(dry.takes.map((t) => t.auctionId)).to.deep.equal([auctionId]);
    expect(lines.find((l) => l.startsWith("[dry run] would flash take"))).to.match(
      /quote: 8\.\d{4} WETH → [\d,]+\.\d\d USDC → [\d,.]+ BDOL at the PSM; pays [\d,.]+; gas [\d.]+ BDOL; after 0\.50 % slippage [\d,.]+ BDOL; would keep/,
    );
    const before = await sys.bdol.balanceOf(sys.keeper.address);
    const r = await runKeeperOnce(hre, opts);
    expect(r.takes.length).to.equal(1);
    expect(r.takes[0].profit).to.be.gt(0n);
    expect((await sys.bdol.balanceOf(sys.keeper.address)) - before).to.equal(r.takes[0].profit);
    expect((await sys.engine.auctionInfo(auctionId)).collateral).to.equal(ethers.ZeroAddress);
  });

  it("the keeper bot skips a flash take the market cannot pay for, saying why", async () => {
    await moveWethPool(wad(2_000));
    const lines: string[] = [];
    const r = await runKeeperOnce(hre, { keeper: sys.keeper, flash: true, log: (l: string) => lines.push(l) });
    expect(r.takes).to.deep.equal([]);
    expect(r.skipped.map((x) => x.reason).join("\n")).to.match(
      /flash take unprofitable after gas and slippage \(quote: /,
    );
  });

  it("refuses a pool of another pair, a callback from anyone but the engine, for someone else's take, or from anyone but the pool", async () => {
    const lot = (await sys.engine.auctionInfo(auctionId)).lot;
    const bdolPool = await m.pool.getAddress();
    await expect(taker.run(auctionId, lot, MaxUint256, bdolPool, 0, sys.keeper.address))
      .to.be.revertedWithCustomError(taker, "PoolMismatch")
      .withArgs(bdolPool);
    await expect(taker.connect(sys.attacker).onTake(sys.attacker.address, 1, 1, "0x"))
      .to.be.revertedWithCustomError(taker, "NotEngine")
      .withArgs(sys.attacker.address);
    // A stranger's take naming the taker as receiver, with data: the engine calls back for the stranger.
    await sys.bdol.connect(sys.bob).transfer(sys.attacker.address, wad(5_000));
    await expect(
      sys.engine.connect(sys.attacker).take(auctionId, lot / 10n, MaxUint256, await taker.getAddress(), "0x01"),
    )
      .to.be.revertedWithCustomError(taker, "NotOwnTake")
      .withArgs(sys.attacker.address);
    await expect(taker.connect(sys.attacker).uniswapV3SwapCallback(1, 0, "0x"))
      .to.be.revertedWithCustomError(taker, "NotPool")
      .withArgs(sys.attacker.address);
    expect((await deployments.get("FlashTaker")).address).to.equal(await taker.getAddress());
  });
});

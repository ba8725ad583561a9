/**
 * The tools of issue 5 around the risk controller and the PSM: `risk:poke`, `reserve:status`'s
 * controller section, `psm:swap`, and the keeper bot's optional poke and rebalance duties.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { RAY, SECONDS_PER_YEAR, wad } from "../../lib/sdk";
import { feedAnswer, loadSystem, openVault, type System } from "../helpers/fixtures";
import { runKeeperOnce } from "../../lib/keeper";
import type { PokeResult } from "../../scripts/lib/risk";
import type { PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;
const HOUR = 3600;

describe("Risk and PSM tools (risk:poke, reserve:status, psm:swap, keeper --poke --rebalance)", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let printed: string[];
  const log = console.log;
  const error = console.error;

  beforeEach(async () => {
    sys = await loadSystem();
    psm = (await contractAt(hre, "PegStabilityModule", "PegStabilityModule")) as unknown as PegStabilityModule;
    printed = [];
    console.log = (...args: unknown[]) => printed.push(args.map(String).join(" "));
    console.error = (...args: unknown[]) => printed.push(args.map(String).join(" "));
  });

  afterEach(() => {
    console.log = log;
    console.error = error;
    process.exitCode = 0;
  });

  it("risk:poke pokes when due and prints inputs and outputs; before the interval it sends nothing", async () => {
    await openVault(sys, sys.alice, sys.weth, wad(10), wad(10_000));
    await sys.bdolFeed.updateAnswer(feedAnswer("0.99"));
    const first = (await hre.run("risk:poke")) as PokeResult;
    expect(first.poked).to.equal(true);
    expect(first.collaterals.map((c) => c.symbol)).to.deep.equal(["WETH", "WBTC"]);
    for (const [i, token] of [await sys.weth.getAddress(), await sys.wbtc.getAddress()].entries()) {
      const cfg = await sys.vaultManager.collateralConfig(token);
      expect(first.collaterals[i].borrowRatio).to.equal(cfg.borrowRatio);
      // The applied per-second fee is RAY + ⌈rate × 1e9 / year⌉.
      const perSecond = RAY + (first.collaterals[i].rate * 10n ** 9n + SECONDS_PER_YEAR - 1n) / SECONDS_PER_YEAR;
      expect(cfg.stabilityFee).to.equal(perSecond);
    }
    const last = (await sys.risk.state()).lastPoke;
    expect(first.nextPokeAt).to.equal(last + 3600n);
    const text = printed.join("\n");
    expect(text).to.match(/Poke \(tx 0x[0-9a-f]{64}, [\d,]+ gas\)/);
    expect(text).to.match(/WETH +│ +3,000.00 live/);
    expect(text).to.match(/BDOL price +│ +0.9900 live/);
    expect(text).to.match(/peg error \/ integral \/ peg term \(points of fee\) +│ +1.000 \/ 0.000 \/ 1.000/);

    printed = [];
    const second = (await hre.run("risk:poke")) as PokeResult;
    expect(second.poked).to.equal(false);
    expect(second.nextPokeAt).to.equal(last + 3600n);
    expect(printed[0]).to.match(/^not due: the next poke is allowed in (1 h|59 min \d+ s); nothing sent$/);
    expect((await sys.risk.state()).lastPoke).to.equal(last);
  });

  it("reserve:status shows the controller: breakers, controlled parameters and the reserve target", async () => {
    await openVault(sys, sys.alice, sys.weth, wad(10), wad(10_000));
    await hre.run("risk:poke");
    printed = [];
    await hre.run("reserve:status");
    const text = printed.join("\n");
    const target = (await sys.risk.state()).reserveTarget;
    expect(target).to.be.gt(0n);
    expect(text).to.include("Risk controller");
    expect(text).to.match(/system breaker +│ +clear/);
    expect(text).to.include("Controlled parameters and breakers");
    expect(text).to.match(/WETH +│ +yes +│ +2.02 % +│ +150 % \/ 158.0 %/);
    // 10,000 BDOL at a 50 % stress fall sold 10 % under: 1 − 1.5 × 0.5 × 0.9 = 32.5 % of the debt.
    expect(text).to.match(/stress loss \(BDOL\)/);
    expect(text).to.match(/WETH .*│ +3,250.0\d │/);
  });

  it("psm:swap swaps USDC in and BDOL out at the quoted amounts, and prints a refusal's error", async () => {
    const bought = await hre.run("psm:swap", { in: "1000", mint: true });
    expect(bought).to.equal(wad(999));
    expect(await psm.minted()).to.equal(wad(1_000));
    const sold = await hre.run("psm:swap", { out: "500" });
    expect(sold).to.equal(USDC(500) - USDC(500) / 1000n); // 0.1 % fee
    expect(printed.join("\n")).to.match(/USDC received +│ +499.50/);

    // USDC below $0.99: minting refused with the PSM's own error, nothing changes.
    await sys.usdcFeed.updateAnswer(feedAnswer("0.95"));
    await sys.oracle.recordPrice(await sys.usdc.getAddress());
    printed = [];
    await expect(hre.run("psm:swap", { in: "1000", mint: true })).to.be.rejectedWith(
      "refused: StableDepegged: price 0.95 USD, floor 0.99 USD",
    );
    expect(await psm.minted()).to.equal(wad(1_000) - wad(500) + wad("0.5"));
  });

  it("the keeper's optional duties: a poke when due and a rebalance when it moves something, else nothing", async () => {
    const [, , , , keeper] = await ethers.getSigners();
    await sys.usdc.mint(sys.alice.address, USDC(1_000_000));
    await sys.usdc.connect(sys.alice).approve(await psm.getAddress(), ethers.MaxUint256);
    await psm.connect(sys.alice).swapStableForCoin(USDC(1_000_000), 0n, sys.alice.address);
    const lines: string[] = [];
    const opts = { keeper, poke: true, rebalance: true, log: (l: string) => lines.push(l) };

    const first = await runKeeperOnce(hre, opts);
    expect(first.pokes.length).to.equal(1);
    expect(first.rebalances).to.have.length(1);
    expect(first.rebalances[0].deposited).to.equal(USDC(800_000)); // 80 % of 1M into the strategy
    expect((await sys.risk.state()).lastPoke).to.be.gt(0n);
    expect(await sys.reserve.strategyAssets()).to.equal(USDC(800_000));
    expect(lines.some((l) => /^poke: risk controller updated, gas \d+$/.test(l))).to.equal(true);

    // Right after: no poke is due, nothing to rebalance; and no duty without the options.
    const second = await runKeeperOnce(hre, opts);
    expect(second.pokes).to.deep.equal([]);
    expect(second.rebalances).to.deep.equal([]);
    await time.increase(HOUR);
    const without = await runKeeperOnce(hre, { keeper, log: () => undefined });
    expect(without.pokes).to.deep.equal([]);
    const third = await runKeeperOnce(hre, { ...opts, dryRun: true });
    expect(third.pokes.length).to.equal(1); // due again: the dry run only estimates it
    expect(third.gasSpent).to.equal(0n);
  });
});

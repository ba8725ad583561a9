/** The reserve's tasks: `reserve:status` (value, composition, PSM, liquidity, strategies) and `reserve:rebalance`. */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { loadSystem, type System } from "../helpers/fixtures";
import type { PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;

describe("Reserve tasks (reserve:status, reserve:rebalance)", () => {
  let sys: System;
  let printed: string[];
  const log = console.log;

  beforeEach(async () => {
    sys = await loadSystem();
    const psmAddress = (await deployments.get("PegStabilityModule")).address;
    const psm = (await contractAt(hre, "PegStabilityModule", psmAddress)) as unknown as PegStabilityModule;
    await sys.usdc.mint(sys.alice.address, USDC(20_000_000));
    await sys.usdc.connect(sys.alice).approve(psmAddress, ethers.MaxUint256);
    await psm.connect(sys.alice).swapStableForCoin(USDC(20_000_000), 0n, sys.alice.address);
    printed = [];
    console.log = (...args: unknown[]) => printed.push(args.map(String).join(" "));
  });

  afterEach(() => {
    console.log = log;
  });

  it("reserve:rebalance moves USDC into the strategy up to the limit, says when the limit is used up, then nothing to move at the target", async () => {
    const first = await hre.run("reserve:rebalance");
    expect(first).to.deep.equal({ deposited: USDC(10_000_000), withdrawn: 0n });
    // Right after (a static call runs at the latest block's time): the limit, 10M an hour, is used up.
    const limited = await hre.run("reserve:rebalance");
    expect(limited).to.deep.equal({ deposited: 0n, withdrawn: 0n });
    await time.increase(3600);
    const second = await hre.run("reserve:rebalance");
    expect(second).to.deep.equal({ deposited: USDC(6_000_000), withdrawn: 0n }); // to 20 % liquid of 20M
    await time.increase(3600);
    await hre.run("reserve:rebalance");
    console.log = log;
    expect(printed[0]).to.match(/^rebalanced: 10,000,000.00 into strategies, 0.00 out of them \(tx 0x[0-9a-f]{64}\)$/);
    expect(printed[1]).to.equal(
      "nothing to move now: the rebalance limit (10,000,000.00 per 1 h) is used up; it refills over the interval",
    );
    expect(printed[3]).to.equal(
      "nothing to move: the reserve's liquid USDC is at its target (or the strategies are full or failing)",
    );
    expect(await sys.reserve.strategyAssets()).to.equal(USDC(16_000_000));
  });

  it("reserve:status prints the reserve, the PSM and the strategies", async () => {
    await hre.run("reserve:rebalance");
    await hre.run("reserve:status");
    console.log = log;
    const text = printed.join("\n");
    expect(text).to.include("Peg stability module (USDC ↔ BDOL)");
    expect(text).to.match(/minting \(stable → BDOL\) +│ +open/);
    expect(text).to.match(/minted \/ ceiling \(BDOL\) +│ +20,000,000.00 \/ 50,000,000.00/);
    expect(text).to.match(/liquid \/ in strategies +│ +10,000,000.00 \/ 10,000,000.00/);
    expect(text).to.match(/liquid share \/ target +│ +50.00 % \/ 20.00 %/);
    expect(text).to.include("Strategies");
    expect(text).to.match(/USDC +│ +20,000,000.0000/); // the composition's USDC line: liquid + strategy
  });
});

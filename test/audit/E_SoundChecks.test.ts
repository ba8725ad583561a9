/**
 * E — checks that came out sound (evidence for the coverage list): self-liquidation never pays (absorb
 * and auction paths, at the maximum keeper reward), liveness of repay-all / close / withdraw-all with a
 * dead oracle, and no take below the floor.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../lib/sdk";
import { loadSystem, openVault, type System } from "../helpers/fixtures";
import {
  GWEI,
  donateToReserve,
  eventOf,
  freezeRates,
  liquidate,
  spareBdol,
  unhealthyVault,
  timeOf,
} from "../liquidation/helpers";

async function worth(sys: System, who: string, price: bigint, vaultId?: bigint): Promise<bigint> {
  const bdol = await sys.bdol.balanceOf(who);
  let weth = await sys.weth.balanceOf(who);
  let debt = 0n;
  if (vaultId !== undefined) {
    try {
      const v = await sys.vaultManager.vaultInfo(vaultId);
      weth += v.collateralAmount;
      debt = v.debt;
    } catch {
      /* closed */
    }
  }
  return bdol + (weth * price) / wad(1) - debt;
}

describe("AUDIT E: sound checks", () => {
  it("self-liquidation through the buffer loses penalty − reward", async () => {
    const sys = await loadSystem();
    await freezeRates(sys);
    await donateToReserve(sys, sys.bob, wad(40_000)); // buffer 32,000 ≥ 18,000
    const id = await unhealthyVault(sys, sys.alice);
    const before = await worth(sys, sys.alice.address, wad(2_500), id);
    const tx = await liquidate(sys, id, { caller: sys.alice, keeper: sys.alice.address, basefee: 1_000n * GWEI });
    const reward = (await eventOf(tx, sys.engine, "Liquidated")).reward as bigint;
    const after = await worth(sys, sys.alice.address, wad(2_500), id);
    console.log(
      `      absorb path: reward ${ethers.formatEther(reward)} (max 2 %), owner net ${ethers.formatEther(after - before)}`,
    );
    expect(after < before).to.equal(true);
  });

  it("self-liquidation through an auction the owner takes herself loses penalty − reward", async () => {
    const sys = await loadSystem();
    await freezeRates(sys);
    const id = await unhealthyVault(sys, sys.alice);
    await spareBdol(sys, sys.alice, wad(30_000));
    const before = await worth(sys, sys.alice.address, wad(2_500), id);
    const tx = await liquidate(sys, id, { caller: sys.alice, keeper: sys.alice.address, basefee: 1_000n * GWEI });
    const auctionId = (await eventOf(tx, sys.engine, "Liquidated")).auctionId as bigint;
    await sys.engine.connect(sys.alice).take(auctionId, wad(10), wad(1_000_000), sys.alice.address, "0x");
    const after = await worth(sys, sys.alice.address, wad(2_500), id);
    console.log(`      auction path: owner net ${ethers.formatEther(after - before)}`);
    expect(after < before).to.equal(true);
  });

  it("no take below the floor: at the floor breach the take reverts AuctionNeedsReset", async () => {
    const sys = await loadSystem();
    await freezeRates(sys);
    await spareBdol(sys, sys.bob, wad(60_000));
    const id = await unhealthyVault(sys, sys.alice);
    const t0 = await timeOf(await liquidate(sys, id));
    await time.setNextBlockTimestamp(t0 + 1_310n);
    await expect(
      sys.engine.connect(sys.bob).take(1n, wad(10), wad(1_000_000), sys.bob.address, "0x"),
    ).to.be.revertedWithCustomError(sys.engine, "AuctionNeedsReset");
  });

  it("liveness: with a stale oracle, repay-all, close and withdraw-all of a debt-free vault work", async () => {
    const sys = await loadSystem();
    const id = await openVault(sys, sys.alice, sys.weth, wad(10), wad(5_000));
    const id2 = await openVault(sys, sys.carol, sys.weth, wad(1), 0n);
    await spareBdol(sys, sys.bob, wad(10_000));
    await time.increase(10 * 24 * 3600); // feeds stale
    expect((await sys.oracle.getPrice(await sys.weth.getAddress()))[1]).to.not.equal(0n);
    await sys.vaultManager.connect(sys.bob).repay(id, wad(1_000_000)); // anyone repays all
    await sys.vaultManager.connect(sys.alice).withdraw(id, wad(10), sys.alice.address);
    await sys.vaultManager.connect(sys.carol).closeVault(id2, sys.carol.address);
    expect(await sys.weth.balanceOf(sys.alice.address)).to.equal(wad(10));
  });

  it("consent: a stranger cannot withdraw, borrow or close someone else's vault", async () => {
    const sys = await loadSystem();
    const id = await openVault(sys, sys.alice, sys.weth, wad(10), wad(5_000));
    const vm = sys.vaultManager.connect(sys.attacker);
    // One call at a time: with a fixed gas limit (the coverage network) nothing is estimated first,
    // and three transactions sent at once from one signer race for the same nonce.
    for (const call of [
      () => vm.withdraw(id, 1n, sys.attacker.address),
      () => vm.borrow(id, wad(1), sys.attacker.address),
      () => vm.closeVault(id, sys.attacker.address),
    ]) {
      await expect(call()).to.be.revertedWithCustomError(sys.vaultManager, "NotOwnerOrOperator");
    }
  });
});

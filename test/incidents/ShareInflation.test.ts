/**
 * Share-price inflation by donation. Cream Finance valued yUSD vault shares at the vault's own
 * price per share, which a donation moves: the attacker inflated it and borrowed against the
 * inflated collateral. The independent review of December 2026 (issue 11, finding 1) found the
 * reserve-side version in Ballast: `ReservePool.rebalance()` deposited into a donation-inflated
 * ERC-4626 strategy for 0 shares, over and over. Ballast's defences: no collateral or limit is ever
 * priced from a share price (vault collateral at the oracle, the PSM and the buffer in BDOL and
 * USDC); every exchange with a strategy stands only if the shares received are worth what left the
 * reserve (STRATEGY_LOSS_TOLERANCE, 0.01 % + 1 unit); caps count the principal put in; `rebalance`
 * moves at most `maxRebalance` per interval however often it is called.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { wad } from "../../lib/sdk";
import { loadSystem, openVault, type System } from "../helpers/fixtures";
import { freezeRates } from "../liquidation/helpers";
import type { MockERC4626Strategy, PegStabilityModule } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const USDC = (n: bigint | number) => BigInt(n) * 10n ** 6n;

describe("share-price inflation by donation", () => {
  let sys: System;
  let psm: PegStabilityModule;
  let strategy: MockERC4626Strategy;
  let vault: string;
  let reserveAddr: string;

  beforeEach(async () => {
    sys = await loadSystem();
    psm = (await contractAt(hre, "PegStabilityModule", "PegStabilityModule")) as unknown as PegStabilityModule;
    vault = (await deployments.get("USDC_STRATEGY")).address;
    strategy = (await contractAt(hre, "MockERC4626Strategy", vault)) as unknown as MockERC4626Strategy;
    reserveAddr = await sys.reserve.getAddress();
    // Honest users swap 50M USDC into the PSM (the local mint ceiling); the reserve holds it.
    await sys.usdc.mint(sys.alice.address, USDC(50_000_000));
    await sys.usdc.connect(sys.alice).approve(await psm.getAddress(), ethers.MaxUint256);
    await psm.connect(sys.alice).swapStableForCoin(USDC(50_000_000), 0n, sys.alice.address);
    await sys.usdc.connect(sys.attacker).approve(vault, ethers.MaxUint256);
  });

  /** The reserve's USDC: liquid plus its strategy shares at convertToAssets. */
  const reserveUsdc = async () => (await sys.usdc.balanceOf(reserveAddr)) + (await sys.reserve.strategyAssets());

  describe(
    "Cream Finance — 27 October 2021: a donation to the yUSD vault doubled its price per share, which Cream " +
      "used as the collateral price of crYUSD; the attacker borrowed against it; ~$130M (Cream post-mortem, October 2021)",
    () => {
      it("a donation doubling the strategy's share price moves no health factor, borrow limit, price or buffer, and the donor loses it", async () => {
        const { reserve, vaultManager: vm, lens, attacker } = sys;
        await freezeRates(sys); // no interest: a health factor moves only if something else moves it
        await reserve.rebalance(); // 10M into the strategy: the reserve holds all its shares
        const shareValue = await strategy.convertToAssets(10n ** 6n);
        // Alice's vault just under its borrow ratio: 10 WETH at 3,000 (160 % allows ~18,750).
        const id = await openVault(sys, sys.alice, sys.weth, wad(10), wad(18_749));
        const canBorrow = async (amount: bigint) =>
          vm
            .connect(sys.alice)
            .borrow.staticCall(id, amount, sys.alice.address)
            .then(() => true)
            .catch(() => false);
        const read = async () => ({
          health: await vm.healthFactor(id),
          prices: (await lens.systemSnapshot()).collaterals.map((c) => c.price),
          buffer: await reserve.stabilityBuffer(),
          deficit: await reserve.deficit(),
          borrows: [await canBorrow(wad("0.9")), await canBorrow(wad("1.1"))],
        });
        const before = await read();
        expect(before.borrows).to.deep.equal([true, false]);

        // The attacker takes one share (1 USDC) and donates 10M: every share is now worth twice as much.
        await sys.usdc.mint(attacker.address, USDC(10_000_001));
        const start = await sys.usdc.balanceOf(attacker.address);
        await strategy.connect(attacker).deposit(USDC(1), attacker.address);
        await sys.usdc.connect(attacker).transfer(vault, USDC(10_000_000));
        expect(await strategy.convertToAssets(10n ** 6n)).to.be.within(shareValue * 2n - 1n, shareValue * 2n);

        // The reserve's reported value rose (its shares really are worth more) ...
        expect(await reserve.strategyAssets()).to.be.greaterThan(USDC(19_999_990));
        // ... but nothing Ballast lends, pays or limits by reads it: the vault can borrow exactly
        // what it could before (0.9 BDOL, not 1.1), and no limit, price or buffer moved.
        expect(await read()).to.deep.equal(before);
        // A deposit at the inflated price is fair (shares worth what left the reserve) and stands.
        await reserve.connect(attacker).rebalance.staticCall(); // does not revert
        // The attacker takes back its share: the donation stays with the reserve, the other holder.
        await strategy
          .connect(attacker)
          .redeem(await strategy.balanceOf(attacker.address), attacker.address, attacker.address);
        const lost = start - (await sys.usdc.balanceOf(attacker.address));
        expect(lost).to.be.greaterThan(USDC(9_999_990));
      });
    },
  );

  describe(
    "Ballast's own review — December 2026 (issue 11, finding 1, High): a 1-unit deposit and a donation made every " +
      "`rebalance()` deposit of the reserve mint 0 shares; 23 calls put all 50M USDC in for nothing, the attacker +15M",
    () => {
      it("two days of the attack — one inflation of the fresh strategy, then rebalance every 30 minutes — move nothing; redemptions pay throughout", async () => {
        const { reserve, attacker } = sys;
        const maxRebalance = await reserve.maxRebalance();
        expect(await strategy.totalSupply()).to.equal(0n);
        const start = 2n * maxRebalance + 1n;
        await sys.usdc.mint(attacker.address, start);
        await strategy.connect(attacker).deposit(1n, attacker.address);
        await sys.usdc.connect(attacker).transfer(vault, 2n * maxRebalance);

        let expected = await reserveUsdc();
        let undone = 0;
        for (let i = 0; i < 96; i++) {
          await time.increase(1_800);
          const tx = await reserve.connect(attacker).rebalance();
          const receipt = await tx.wait();
          for (const log of receipt!.logs) {
            const parsed = reserve.interface.parseLog(log);
            if (parsed?.name === "StrategyFailed") ++undone;
            if (parsed?.name === "Rebalanced") expect(parsed.args.deposited).to.equal(0n);
          }
          // The reserve holds all the USDC it had, less what holders redeemed: nothing went in for nothing.
          expect(await reserveUsdc()).to.equal(expected);
          if (i % 24 === 23) {
            // A holder redeems 1M BDOL every 12 hours: paid from the reserve's liquid USDC.
            await expect(psm.connect(sys.alice).swapCoinForStable(wad(1_000_000), 0n, sys.alice.address)).to.emit(
              reserve,
              "StableReleased",
            );
            expected -= USDC(999_000);
          }
        }
        expect(undone).to.equal(96);
        expect(await strategy.balanceOf(reserveAddr)).to.equal(0n);
        expect((await reserve.strategies())[0].failed).to.equal(true);
        // Everything the reserve had is still there: 50M in, 4M redeemed at par less the 0.1 % fee.
        expect(await sys.usdc.balanceOf(reserveAddr)).to.equal(USDC(50_000_000) - USDC(4 * 999_000));
        await strategy.connect(attacker).redeem(1n, attacker.address, attacker.address);
        expect(await sys.usdc.balanceOf(attacker.address)).to.be.lessThan(start - maxRebalance + 1n);
      });
    },
  );
});

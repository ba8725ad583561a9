/**
 * Regression for audit finding 10 (Info, D_AccumulatorOverflow): the uint128 rate accumulator passed
 * 2^128 after ~38 years at the maximum stability fee, and from then on every accrual reverted: repay,
 * closeVault, seize, borrow and accrue were bricked for that collateral and its collateral locked.
 * The accumulator now saturates at MAX_RATE_ACCUMULATOR (a billion-fold, ~30 years at the maximum
 * fee; RateLib.grow): past it no interest accrues, and the accrual arithmetic cannot revert.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../lib/sdk";
import { adminOf, loadSystem, openVault, type System } from "../helpers/fixtures";
import { spareBdol } from "../liquidation/helpers";

const MAX_STABILITY_FEE = 1_000000021979553151239153027n;
const MAX_RATE_ACCUMULATOR = 10n ** 36n;
const YEAR = 365 * 24 * 3600;

describe("AUDIT finding 10: the rate accumulator saturates instead of overflowing (D_AccumulatorOverflow)", () => {
  it("after 39 years at the maximum fee: accrue, repay and close work, the collateral comes back", async () => {
    const sys: System = await loadSystem();
    const { alice, bob } = sys;
    const vm = sys.vaultManager;
    const weth = await sys.weth.getAddress();
    await vm.connect(await adminOf(vm)).setStabilityFee(weth, MAX_STABILITY_FEE);
    const id = await openVault(sys, alice, sys.weth, wad(10), wad(1_000));
    const normalized = (await vm.vaults(id, 1))[0].normalizedDebt;
    await spareBdol(sys, bob, wad(1_000));

    await time.increase(39 * YEAR);
    expect(await vm.currentRate(weth)).to.equal(MAX_RATE_ACCUMULATOR);
    // The proof's three calls, each of which reverted with SafeCastOverflowedUintDowncast.
    await expect(vm.accrue(weth)).to.emit(vm, "FeesAccrued");
    expect((await vm.collateralConfig(weth)).rateAccumulator).to.equal(MAX_RATE_ACCUMULATOR);
    await expect(vm.connect(bob).repay(id, wad(1)))
      .to.emit(vm, "DebtRepaid")
      .withArgs(id, bob.address, wad(1), MAX_RATE_ACCUMULATOR);
    // Saturated: a year later the debt has not grown, and accruing adds no fee.
    const debt = await vm.debtOf(id);
    expect(debt).to.equal(((normalized - wad(1) / 10n ** 9n) * MAX_RATE_ACCUMULATOR + 10n ** 27n - 1n) / 10n ** 27n);
    await time.increase(YEAR);
    expect(await vm.debtOf(id)).to.equal(debt);
    await expect(vm.accrue(weth)).to.emit(vm, "FeesAccrued").withArgs(weth, MAX_RATE_ACCUMULATOR, 0n);

    // Alice closes: she needs the whole (billion-fold) debt in BDOL, minted here by the vault
    // manager's own right (impersonated) since no vault of hers could borrow that much.
    const manager = await ethers.getImpersonatedSigner(await vm.getAddress());
    await setBalance(manager.address, 10n ** 20n);
    await sys.bdol.connect(manager).mint(alice.address, debt);
    const before = await sys.weth.balanceOf(alice.address);
    await expect(vm.connect(alice).closeVault(id, alice.address)).to.emit(vm, "VaultClosed");
    expect(await sys.weth.balanceOf(alice.address)).to.equal(before + wad(10));
  });
});

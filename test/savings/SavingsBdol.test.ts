import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";

import { RAY, interestDown, wad } from "../../lib/sdk";
import { adminOf, impersonate, loadSystem, type System } from "../helpers/fixtures";
import { BOUNDS, donateToReserve, expectSupplyIdentity, freezeRates, spareBdol } from "../liquidation/helpers";
import type { SavingsBdol } from "../../typechain-types";

const YEAR = 365n * 24n * 3600n;
const DAY = 24 * 3600;
/** A per-second rate of `annual` a year (simple: 1 + annual / year), rounded down. */
const perSecond = (annual: bigint) => RAY + (annual * 10n ** 9n) / YEAR;

describe("SavingsBdol (sBDOL)", () => {
  let sys: System;
  let savings: SavingsBdol;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let savingsAddress: string;
  let reserveAddress: string;
  let controller: Signer;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob } = sys);
    savings = sys.savings;
    savingsAddress = await savings.getAddress();
    reserveAddress = await sys.reserve.getAddress();
    controller = await impersonate(await sys.risk.getAddress());
    await freezeRates(sys); // no stability fees arrive by themselves: the reserve holds only what a test gives it
    for (const who of [alice, bob]) {
      await spareBdol(sys, who, wad(20_000));
      await sys.bdol.connect(who).approve(savingsAddress, ethers.MaxUint256);
    }
  });

  const setRate = (rate: bigint) => savings.connect(controller).setRate(rate);

  it("is deployed over BDOL and the reserve, at 0 %, the reserve's savings vault, the controller its rate setter", async () => {
    expect(await savings.asset()).to.equal(await sys.bdol.getAddress());
    expect(await savings.reserve()).to.equal(reserveAddress);
    expect(await sys.reserve.savings()).to.equal(savingsAddress);
    expect([await savings.name(), await savings.symbol(), await savings.decimals()]).to.deep.equal([
      "Savings Ballast Dollar",
      "sBDOL",
      18n,
    ]);
    expect(await savings.rate()).to.equal(RAY);
    expect(await savings.hasRole(await savings.RISK_CONTROL_ROLE(), await sys.risk.getAddress())).to.equal(true);
  });

  it("deposits and redeems 1:1 at 0 %, drawing nothing from the reserve", async () => {
    await donateToReserve(sys, bob, wad(1_000));
    await expect(savings.connect(alice).deposit(wad(10_000), alice.address))
      .to.emit(savings, "Deposit")
      .withArgs(alice.address, alice.address, wad(10_000), wad(10_000));
    await time.increase(30 * DAY);
    const surplus = await sys.reserve.surplus();
    await expect(savings.connect(alice).redeem(wad(10_000), alice.address, alice.address))
      .to.emit(savings, "Withdraw")
      .withArgs(alice.address, alice.address, alice.address, wad(10_000), wad(10_000));
    expect(await sys.reserve.surplus()).to.equal(surplus);
    expect(await savings.totalAssets()).to.equal(0n);
  });

  it("pays its rate from the surplus only: the exact interest, the reserve's surplus down by it, no BDOL minted", async () => {
    await donateToReserve(sys, bob, wad(5_000)); // booked: 4,000 buffer, 1,000 surplus
    await sys.reserve.book();
    await savings.connect(alice).deposit(wad(10_000), alice.address);
    const rate = perSecond(wad("0.05"));
    await setRate(rate);
    const from = await savings.lastDrip();
    const buffer = await sys.reserve.stabilityBuffer();
    const surplus = await sys.reserve.surplus();
    const supply = await sys.bdol.totalSupply();
    await time.setNextBlockTimestamp(from + 30n * 86_400n);
    const owed = interestDown(wad(10_000), rate, 30n * 86_400n);
    expect(owed).to.be.within(wad(41), wad(42)); // 5 % a year for 30 days on 10,000
    const tx = savings.drip();
    await expect(tx)
      .to.emit(savings, "Dripped")
      .withArgs(owed, owed, wad(10_000) + owed);
    await expect(tx)
      .to.emit(sys.reserve, "SavingsPaid")
      .withArgs(savingsAddress, owed, surplus - owed);
    await expect(tx).not.to.emit(savings, "SavingsRateCut");
    expect(await sys.reserve.surplus()).to.equal(surplus - owed);
    expect(await sys.reserve.stabilityBuffer()).to.equal(buffer); // savings never touch the buffer
    expect(await sys.bdol.totalSupply()).to.equal(supply);
    expect(await sys.bdol.balanceOf(savingsAddress)).to.equal(wad(10_000) + owed);
    expect(await savings.totalAssets()).to.equal(wad(10_000) + owed);
    // Alice's shares are worth the interest (less the virtual share's rounding).
    const out = await savings.previewRedeem(wad(10_000));
    expect(out).to.be.within(wad(10_000) + owed - 1n, wad(10_000) + owed);
    await expectSupplyIdentity(sys, 4n);
  });

  it("previews the interest a drip would pay (totalAssets = booked + min(owed, surplus)) and pays it on a withdrawal", async () => {
    await donateToReserve(sys, bob, wad(5_000));
    await savings.connect(alice).deposit(wad(10_000), alice.address);
    await setRate(perSecond(wad("0.1")));
    await time.increase(10 * DAY);
    const owed = await savings.interestOwed();
    expect(owed).to.be.gt(0n);
    expect(await savings.totalAssets()).to.equal((await savings.assetsBooked()) + owed);
    const before = await sys.bdol.balanceOf(alice.address);
    await savings.connect(alice).redeem(wad(10_000), alice.address, alice.address);
    const got = (await sys.bdol.balanceOf(alice.address)) - before;
    expect(got).to.be.gte(wad(10_000) + owed); // one more second of interest than the preview
    expect(got).to.be.lte(wad(10_000) + owed + owed / 100n);
    // What rounding kept (in the vault's favour) stays: at most a wei.
    expect(await savings.totalAssets()).to.be.lte(1n);
    expect(await sys.bdol.balanceOf(savingsAddress)).to.be.lte(1n);
  });

  it("when the surplus cannot pay, pays what it holds and the rate falls to what was paid; an empty surplus cuts it to 0 %", async () => {
    await donateToReserve(sys, bob, wad(100)); // surplus 20
    await sys.reserve.book();
    await savings.connect(alice).deposit(wad(20_000), alice.address);
    const rate = perSecond(wad("0.2"));
    await setRate(rate);
    const from = await savings.lastDrip();
    const elapsed = 30n * 86_400n; // 20 % on 20,000 for 30 days ≈ 329 owed, 20 in the surplus
    await time.setNextBlockTimestamp(from + elapsed);
    const owed = interestDown(wad(20_000), rate, elapsed);
    const surplus = wad(20);
    const supply = await sys.bdol.totalSupply();
    const cut = RAY + (surplus * RAY) / (wad(20_000) * elapsed);
    const tx = savings.drip();
    await expect(tx).to.emit(savings, "SavingsRateCut").withArgs(rate, cut, owed, surplus);
    await expect(tx).to.emit(savings, "Dripped").withArgs(owed, surplus, wad(20_020));
    expect(await savings.rate()).to.equal(cut);
    expect(await sys.reserve.surplus()).to.equal(0n);
    expect(await sys.bdol.totalSupply()).to.equal(supply); // nothing unbacked minted
    // The buffer is not touched; with the surplus empty the next drip pays nothing and the rate is 0 %.
    expect(await sys.reserve.stabilityBuffer()).to.equal(wad(80));
    await time.increase(DAY);
    await expect(savings.drip()).to.emit(savings, "SavingsRateCut");
    expect(await savings.rate()).to.equal(RAY);
    expect(await sys.bdol.balanceOf(savingsAddress)).to.equal(wad(20_020));
    expect(await sys.reserve.stabilityBuffer()).to.equal(wad(80));
  });

  it("refuses a rate outside [0 %, MAX_SAVINGS_RATE], the same rate, and anyone but the rate setter; drips first", async () => {
    await expect(setRate(BOUNDS.MAX_SAVINGS_RATE + 1n))
      .to.be.revertedWithCustomError(savings, "OutOfBounds")
      .withArgs(BOUNDS.MAX_SAVINGS_RATE + 1n, RAY, BOUNDS.MAX_SAVINGS_RATE);
    await expect(setRate(RAY - 1n)).to.be.revertedWithCustomError(savings, "OutOfBounds");
    await expect(setRate(RAY)).to.be.revertedWithCustomError(savings, "NoChange");
    await expect(savings.connect(alice).setRate(RAY + 1n))
      .to.be.revertedWithCustomError(savings, "AccessControlUnauthorizedAccount")
      .withArgs(alice.address, await savings.RISK_CONTROL_ROLE());
    await donateToReserve(sys, bob, wad(1_000));
    await savings.connect(alice).deposit(wad(1_000), alice.address);
    await setRate(perSecond(wad("0.1")));
    await time.increase(DAY);
    const tx = setRate(BOUNDS.MAX_SAVINGS_RATE);
    await expect(tx).to.emit(savings, "Dripped");
    await expect(tx)
      .to.emit(savings, "SavingsRateSet")
      .withArgs(perSecond(wad("0.1")), BOUNDS.MAX_SAVINGS_RATE);
  });

  it("the guardian pauses deposits, never withdrawals; only governance resumes them", async () => {
    const guardian = (await ethers.getSigners())[6];
    await savings.connect(alice).deposit(wad(1_000), alice.address);
    await expect(savings.connect(alice).pauseDeposits())
      .to.be.revertedWithCustomError(savings, "NotGuardian")
      .withArgs(alice.address);
    await expect(savings.connect(guardian).pauseDeposits())
      .to.emit(savings, "DepositsPaused")
      .withArgs(guardian.address);
    await expect(savings.connect(guardian).pauseDeposits()).to.be.revertedWithCustomError(savings, "NoChange");
    expect([await savings.maxDeposit(alice.address), await savings.maxMint(alice.address)]).to.deep.equal([0n, 0n]);
    await expect(savings.connect(alice).deposit(wad(1), alice.address)).to.be.revertedWithCustomError(
      savings,
      "DepositsArePaused",
    );
    await expect(savings.connect(alice).mint(wad(1), alice.address)).to.be.revertedWithCustomError(
      savings,
      "DepositsArePaused",
    );
    await savings.connect(alice).withdraw(wad(400), alice.address, alice.address);
    await savings.connect(alice).redeem(wad(600), alice.address, alice.address);
    expect(await savings.balanceOf(alice.address)).to.equal(0n);
    await expect(savings.connect(guardian).unpauseDeposits()).to.be.revertedWithCustomError(
      savings,
      "AccessControlUnauthorizedAccount",
    );
    const timelock = await adminOf(savings);
    await expect(savings.connect(timelock).unpauseDeposits()).to.emit(savings, "DepositsUnpaused");
    await savings.connect(alice).deposit(wad(1), alice.address);
  });

  it("defeats the first-depositor inflation: a donation is not booked and moves no share price", async () => {
    const { attacker } = sys;
    await spareBdol(sys, attacker, wad(20_000));
    await sys.bdol.connect(attacker).approve(savingsAddress, ethers.MaxUint256);
    await savings.connect(attacker).deposit(1n, attacker.address); // 1 wei for 1 share
    await sys.bdol.connect(attacker).transfer(savingsAddress, wad(10_000)); // the "donation"
    expect(await savings.totalAssets()).to.equal(1n);
    await savings.connect(alice).deposit(wad(1_000), alice.address);
    expect(await savings.balanceOf(alice.address)).to.equal(wad(1_000));
    expect(await savings.previewRedeem(wad(1_000))).to.equal(wad(1_000));
    // The attacker's share is still worth its 1 wei; the donation is lost to it, not taken from Alice.
    expect(await savings.previewRedeem(1n)).to.equal(1n);
    await savings.connect(alice).redeem(wad(1_000), alice.address, alice.address);
    expect(await sys.bdol.balanceOf(alice.address)).to.equal(wad(20_000));
  });

  it("refuses a deposit or withdrawal of nothing (0 assets or 0 shares)", async () => {
    await expect(savings.connect(alice).deposit(0n, alice.address)).to.be.revertedWithCustomError(
      savings,
      "ZeroAmount",
    );
    await expect(savings.connect(alice).mint(0n, alice.address)).to.be.revertedWithCustomError(savings, "ZeroAmount");
    await savings.connect(alice).deposit(wad(1), alice.address);
    await expect(savings.connect(alice).redeem(0n, alice.address, alice.address)).to.be.revertedWithCustomError(
      savings,
      "ZeroAmount",
    );
    await expect(savings.connect(alice).withdraw(0n, alice.address, alice.address)).to.be.revertedWithCustomError(
      savings,
      "ZeroAmount",
    );
  });

  it("the reserve pays only its savings vault, only from the surplus (NotSavings, InsufficientSurplus, ZeroAmount)", async () => {
    await donateToReserve(sys, bob, wad(1_000)); // surplus 200 once booked
    await expect(sys.reserve.connect(alice).paySavings(wad(1)))
      .to.be.revertedWithCustomError(sys.reserve, "NotSavings")
      .withArgs(alice.address);
    const asSavings = sys.reserve.connect(await impersonate(savingsAddress));
    await expect(asSavings.paySavings(wad(200) + 1n))
      .to.be.revertedWithCustomError(sys.reserve, "InsufficientSurplus")
      .withArgs(wad(200) + 1n, wad(200));
    await expect(asSavings.paySavings(0n)).to.be.revertedWithCustomError(sys.reserve, "ZeroAmount");
    await expect(asSavings.paySavings(wad(200)))
      .to.emit(sys.reserve, "SavingsPaid")
      .withArgs(savingsAddress, wad(200), 0n);
    expect(await sys.reserve.stabilityBuffer()).to.equal(wad(800));
    // A savings vault of another reserve is refused.
    const other = await ethers.deployContract("SavingsBdol", [
      await sys.bdol.getAddress(),
      alice.address,
      alice.address,
    ]);
    const reserveAdmin = sys.reserve.connect(await adminOf(sys.reserve));
    await expect(reserveAdmin.setSavings(await other.getAddress()))
      .to.be.revertedWithCustomError(sys.reserve, "SavingsOfAnotherReserve")
      .withArgs(await other.getAddress(), alice.address);
    await expect(reserveAdmin.setSavings(ethers.ZeroAddress))
      .to.emit(sys.reserve, "SavingsSet")
      .withArgs(savingsAddress, ethers.ZeroAddress);
    await expect(asSavings.paySavings(wad(1))).to.be.revertedWithCustomError(sys.reserve, "NotSavings");
  });

  it("an unlinked vault (the reserve names another or none) draws nothing, cuts its rate and never blocks a withdrawal", async () => {
    await donateToReserve(sys, bob, wad(10_000));
    await savings.connect(alice).deposit(wad(10_000), alice.address);
    await setRate(perSecond(wad("0.1")));
    const reserveAdmin = sys.reserve.connect(await adminOf(sys.reserve));
    await reserveAdmin.setSavings(ethers.ZeroAddress);
    await time.increase(DAY);
    expect(await sys.reserve.savingsPayableTo(savingsAddress)).to.equal(0n);
    expect(await savings.totalAssets()).to.equal(wad(10_000)); // no interest it cannot draw
    await expect(savings.connect(alice).redeem(wad(4_000), alice.address, alice.address)).to.emit(
      savings,
      "SavingsRateCut",
    );
    expect(await savings.rate()).to.equal(RAY);
    await savings.connect(alice).withdraw(await savings.maxWithdraw(alice.address), alice.address, alice.address);
    expect(await savings.balanceOf(alice.address)).to.equal(0n);
  });
});

/**
 * The guardian: an emergency key that can only make the system safer. It pauses risk-adding
 * actions on a collateral (or on all of them: the circuit breaker) for at most `maxPauseDuration`;
 * the pause ends by itself; it cannot extend a pause nor pause again during a cool-down, cannot
 * end a pause, cannot set anything, grant itself anything or move anyone's funds. Governance (the
 * timelock) renews and ends pauses, bounds their length, and can revoke a captured guardian.
 */
import { expect } from "chai";
import hre, { deployments, ethers, getNamedAccounts } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, Signer } from "ethers";

import { networkConfig } from "../../config/networks";
import { RAY, bounds, wad } from "../../lib/sdk";
import { adminOf, fund, loadSystem, openVault, type System } from "../helpers/fixtures";
import { donateToReserve, freezeRates, refreshFeeds, setEthPrice } from "../liquidation/helpers";
import type { BallastGovernor, VaultManager } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const LOCAL = networkConfig("hardhat");
const PAUSE = BigInt(LOCAL.governance.maxPauseDuration); // 7 days locally
const HOUR = 3_600n;
const MIN_PAUSE = HOUR;
const MAX_PAUSE = bounds.MAX_PAUSE_DURATION;
// Voting delay + voting period + timelock delay: every pause must outlast it (7,260 s locally).
const CYCLE = BigInt(LOCAL.governance.votingDelay + LOCAL.governance.votingPeriod + LOCAL.governance.timelockDelay);
const RISK_CONTROL_ROLE = ethers.id("RISK_CONTROL_ROLE");
const ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const ROLES = [ADMIN_ROLE, GUARDIAN_ROLE, ...["PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"].map(ethers.id)];

/** Timestamp of the block that mined `tx`. */
async function minedAt(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

describe("Guardian", function () {
  let sys: System;
  let vm: VaultManager;
  let guardian: HardhatEthersSigner;
  let asGuardian: VaultManager;
  let governance: VaultManager; // the vault manager as the (impersonated) timelock
  let timelock: string;
  let weth: string;
  let wbtc: string;

  beforeEach(async () => {
    sys = await loadSystem();
    vm = sys.vaultManager;
    guardian = await ethers.getSigner((await getNamedAccounts()).guardian);
    asGuardian = vm.connect(guardian);
    const admin: Signer = await adminOf(vm);
    timelock = await admin.getAddress();
    expect(timelock).to.equal((await deployments.get("Timelock")).address);
    governance = vm.connect(admin);
    weth = await sys.weth.getAddress();
    wbtc = await sys.wbtc.getAddress();
  });

  const pausedUntil = async (c: string) => (await vm.collateralConfig(c)).pausedUntil;
  const paused = async (c: string) => (await vm.collateralConfig(c)).paused;

  it("is signer 6, holds GUARDIAN_ROLE on the vault manager, the peg keeper and sBDOL and no other role anywhere", async () => {
    expect(guardian.address).to.equal((await ethers.getSigners())[6].address);
    expect(await vm.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(true);
    for (const [name, d] of Object.entries(await deployments.all())) {
      if (!d.abi.some((f: { name?: string }) => f.name === "hasRole")) continue;
      const c = await ethers.getContractAt(d.abi, d.address);
      for (const role of ROLES) {
        const expected = ["VaultManager", "PegKeeper", "SavingsBdol"].includes(name) && role === GUARDIAN_ROLE;
        expect(await c.hasRole(role, guardian.address), `${name} ${role}`).to.equal(expected);
      }
    }
  });

  it("pauses a collateral for maxPauseDuration (Paused), refusing risk-adding actions and allowing risk-reducing ones", async () => {
    const { alice, bob, carol, keeper } = sys;
    await freezeRates(sys); // debts stop growing: alice can repay what she borrowed exactly
    const debtVault = await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
    const riskyVault = await openVault(sys, bob, sys.weth, wad(10), wad(18_000));
    const freeVault = await openVault(sys, carol, sys.weth, wad(5), 0n);
    const btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(1_000));
    await fund(sys, sys.weth, alice, wad(20));

    const tx = await asGuardian.pauseRiskAdding(weth);
    const until = (await minedAt(tx)) + PAUSE;
    await expect(tx).to.emit(vm, "Paused").withArgs(weth, guardian.address, until);
    expect(await pausedUntil(weth)).to.equal(until);
    expect(await paused(weth)).to.equal(true);
    expect(await paused(wbtc)).to.equal(false);

    // Risk-adding: refused.
    await expect(vm.connect(alice).openVault(weth, wad(10), wad(1_000)))
      .to.be.revertedWithCustomError(vm, "CollateralPaused")
      .withArgs(weth);
    await expect(vm.connect(alice).borrow(debtVault, wad(100), alice.address))
      .to.be.revertedWithCustomError(vm, "CollateralPaused")
      .withArgs(weth);
    await expect(vm.connect(alice).withdraw(debtVault, 1n, alice.address))
      .to.be.revertedWithCustomError(vm, "CollateralPaused")
      .withArgs(weth);

    // Risk-reducing: allowed.
    await expect(vm.connect(alice).openVault(weth, wad(1), 0n)).to.emit(vm, "VaultOpened");
    await expect(vm.connect(alice).deposit(debtVault, wad(1))).to.emit(vm, "CollateralDeposited");
    await expect(vm.connect(alice).repay(debtVault, wad(1_000))).to.emit(vm, "DebtRepaid");
    await expect(vm.connect(carol).withdraw(freeVault, wad(5), carol.address)).to.emit(vm, "CollateralWithdrawn");
    // A partial repay credits the payer down: the debt left is 9,000 and a few wei (rounding up).
    await sys.bdol.connect(carol).transfer(alice.address, wad(1));
    const owed = await vm.debtOf(debtVault);
    expect(owed - wad(9_000)).to.be.within(0n, 4n);
    await expect(vm.connect(alice).closeVault(debtVault, alice.address))
      .to.emit(vm, "VaultClosed")
      .withArgs(debtVault, alice.address, wad(11), owed, (await vm.collateralConfig(weth)).rateAccumulator);
    // Another collateral is not affected.
    await expect(vm.connect(carol).borrow(btcVault, wad(100), carol.address)).to.emit(vm, "DebtBorrowed");

    // Liquidation goes on: ETH −16.7 % puts bob's vault below its 150 % liquidation ratio.
    await setEthPrice(sys, 2_500);
    await sys.oracle.recordPrice(weth);
    await expect(sys.engine.liquidate(riskyVault, keeper.address)).to.emit(vm, "VaultSeized");
    expect(await vm.debtOf(riskyVault)).to.equal(0n);
  });

  it("ends the pause by itself at pausedUntil: refused one second before, allowed at that second", async () => {
    const { alice } = sys;
    const id = await openVault(sys, alice, sys.weth, wad(10), wad(1_000));
    const until = (await minedAt(await asGuardian.pauseRiskAdding(weth))) + PAUSE;

    await time.increaseTo(until - 10n);
    await refreshFeeds(sys);
    await time.setNextBlockTimestamp(until - 1n);
    await expect(vm.connect(alice).borrow(id, wad(100), alice.address))
      .to.be.revertedWithCustomError(vm, "CollateralPaused")
      .withArgs(weth);
    expect(await time.latest()).to.equal(until - 1n);
    expect(await paused(weth)).to.equal(true);

    await expect(vm.connect(alice).borrow(id, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
    expect(await time.latest()).to.equal(until);
    expect(await paused(weth)).to.equal(false);
    // Nobody had to do anything: no Unpaused event, the stored end is unchanged.
    expect(await pausedUntil(weth)).to.equal(until);
  });

  it("cannot extend a running pause (AlreadyPaused) nor pause again during the cool-down (PauseCoolingDown)", async () => {
    const until = (await minedAt(await asGuardian.pauseRiskAdding(weth))) + PAUSE;
    await expect(asGuardian.pauseRiskAdding(weth))
      .to.be.revertedWithCustomError(vm, "AlreadyPaused")
      .withArgs(weth, until);

    // The cool-down lasts one pause duration after the pause ended.
    const availableAt = until + PAUSE;
    await time.setNextBlockTimestamp(until);
    await expect(asGuardian.pauseRiskAdding(weth))
      .to.be.revertedWithCustomError(vm, "PauseCoolingDown")
      .withArgs(weth, availableAt);
    await time.setNextBlockTimestamp(availableAt - 1n);
    await expect(asGuardian.pauseRiskAdding(weth))
      .to.be.revertedWithCustomError(vm, "PauseCoolingDown")
      .withArgs(weth, availableAt);
    await expect(asGuardian.pauseRiskAdding(weth))
      .to.emit(vm, "Paused")
      .withArgs(weth, guardian.address, availableAt + PAUSE);
    expect(await time.latest()).to.equal(availableAt);
  });

  it("cannot unpause; governance renews a pause (Paused) and ends it (Unpaused), after which the guardian may pause at once", async () => {
    const { alice } = sys;
    const id = await openVault(sys, alice, sys.weth, wad(10), wad(1_000));
    await asGuardian.pauseRiskAdding(weth);
    await expect(asGuardian.allowRiskAdding(weth))
      .to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount")
      .withArgs(guardian.address, ADMIN_ROLE);

    // Governance renews a running pause: a fresh maxPauseDuration from now.
    await time.increase(24n * HOUR);
    const renew = await governance.pauseRiskAdding(weth);
    await expect(renew)
      .to.emit(vm, "Paused")
      .withArgs(weth, timelock, (await minedAt(renew)) + PAUSE);

    // Governance ends it now; borrowing resumes at once, and the guardian may pause again at once.
    const end = await governance.allowRiskAdding(weth);
    const endedAt = await minedAt(end);
    await expect(end).to.emit(vm, "Unpaused").withArgs(weth, timelock);
    expect(await pausedUntil(weth)).to.equal(endedAt);
    expect(await paused(weth)).to.equal(false);
    await refreshFeeds(sys);
    await expect(vm.connect(alice).borrow(id, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
    // Not paused any more: allowRiskAdding changes nothing but does not revert (a bundled proposal
    // still executes when the pause lapsed meanwhile).
    await expect(governance.allowRiskAdding(weth)).to.emit(vm, "Unpaused");
    expect(await pausedUntil(weth)).to.equal(endedAt);
    expect((await vm.collateralConfig(weth)).pausedByGuardian).to.equal(false);
    const again = await asGuardian.pauseRiskAdding(weth);
    await expect(again)
      .to.emit(vm, "Paused")
      .withArgs(weth, guardian.address, (await minedAt(again)) + PAUSE);
    expect((await vm.collateralConfig(weth)).pausedByGuardian).to.equal(true);
    // Governance renews the guardian's pause (the guardian's rules do not bind it); when that pause
    // runs out, the guardian may pause at once: the last pause was governance's.
    const govPause = await governance.pauseRiskAdding(weth);
    await expect(govPause).to.emit(vm, "Paused");
    expect((await vm.collateralConfig(weth)).pausedByGuardian).to.equal(false);
    await time.increaseTo((await minedAt(govPause)) + PAUSE);
    await expect(asGuardian.pauseRiskAdding(weth)).to.emit(vm, "Paused");
  });

  /** Collaterals a transaction paused, in order. */
  async function pausedBy(tx: ContractTransactionResponse): Promise<string[]> {
    const receipt = await tx.wait();
    return receipt!.logs
      .map((l) => vm.interface.parseLog(l))
      .filter((e) => e?.name === "Paused")
      .map((e) => e!.args[0] as string);
  }

  it("trips the circuit breaker: every collateral paused (Paused each, CircuitBreakerTripped)", async () => {
    const all = await asGuardian.pauseAllRiskAdding();
    const until = (await minedAt(all)) + PAUSE;
    await expect(all)
      .to.emit(vm, "Paused")
      .withArgs(weth, guardian.address, until)
      .and.to.emit(vm, "Paused")
      .withArgs(wbtc, guardian.address, until)
      .and.to.emit(vm, "CircuitBreakerTripped")
      .withArgs(guardian.address, 2);
    expect(await pausedBy(all)).to.deep.equal([weth, wbtc]);
    await expect(vm.connect(sys.attacker).pauseAllRiskAdding())
      .to.be.revertedWithCustomError(vm, "NotGuardian")
      .withArgs(sys.attacker.address);
  });

  it("skips, as guardian, collaterals already paused or cooling down, and reverts NothingToPause when none is left", async () => {
    const wethUntil = (await minedAt(await asGuardian.pauseRiskAdding(weth))) + PAUSE;
    await time.increase(24n * HOUR);
    // WETH is paused: only WBTC (until a day after WETH).
    const trip = await asGuardian.pauseAllRiskAdding();
    expect(await pausedBy(trip)).to.deep.equal([wbtc]);
    await expect(trip).to.emit(vm, "CircuitBreakerTripped").withArgs(guardian.address, 1);
    expect(await pausedUntil(weth)).to.equal(wethUntil);
    await expect(asGuardian.pauseAllRiskAdding()).to.be.revertedWithCustomError(vm, "NothingToPause");

    // WETH's pause (the guardian's own) ran out: it cools down; WBTC's runs: nothing.
    await time.increaseTo(wethUntil);
    await expect(asGuardian.pauseAllRiskAdding()).to.be.revertedWithCustomError(vm, "NothingToPause");
    // Governance ends WBTC's pause: governance decided, so the guardian may pause WBTC again at once
    // (no cool-down); WETH still cools down.
    await governance.allowRiskAdding(wbtc);
    const afterEnd = await asGuardian.pauseAllRiskAdding();
    expect(await pausedBy(afterEnd)).to.deep.equal([wbtc]);
    await expect(afterEnd).to.emit(vm, "CircuitBreakerTripped").withArgs(guardian.address, 1);

    // WETH's cool-down is over, WBTC's new pause runs: only WETH.
    await time.increaseTo(wethUntil + PAUSE);
    const again = await asGuardian.pauseAllRiskAdding();
    expect(await pausedBy(again)).to.deep.equal([weth]);
    await expect(again).to.emit(vm, "CircuitBreakerTripped").withArgs(guardian.address, 1);

    // Governance is bound by neither: it pauses (or renews) everything.
    const gov = await governance.pauseAllRiskAdding();
    expect(await pausedBy(gov)).to.deep.equal([weth, wbtc]);
    await expect(gov).to.emit(vm, "CircuitBreakerTripped").withArgs(timelock, 2);
  });

  it("lets only governance set maxPauseDuration, within [1 h, 30 days] and longer than the governance cycle; a pause lasts the current duration", async () => {
    for (const bad of [0n, MIN_PAUSE - 1n, MAX_PAUSE + 1n]) {
      await expect(governance.setMaxPauseDuration(bad))
        .to.be.revertedWithCustomError(vm, "OutOfBounds")
        .withArgs(bad, MIN_PAUSE, MAX_PAUSE);
    }
    await expect(asGuardian.setMaxPauseDuration(MAX_PAUSE))
      .to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount")
      .withArgs(guardian.address, ADMIN_ROLE);
    await expect(governance.setMaxPauseDuration(MAX_PAUSE))
      .to.emit(vm, "MaxPauseDurationSet")
      .withArgs(PAUSE, MAX_PAUSE);
    // Within the bounds but not longer than a governance cycle: a pause could lapse before a vote.
    expect(await vm.pauseGovernor()).to.equal((await deployments.get("BallastGovernor")).address);
    for (const short of [MIN_PAUSE, CYCLE]) {
      await expect(governance.setMaxPauseDuration(short))
        .to.be.revertedWithCustomError(vm, "GovernanceCycleTooLong")
        .withArgs(CYCLE, short);
    }
    await expect(governance.setMaxPauseDuration(CYCLE + 1n))
      .to.emit(vm, "MaxPauseDurationSet")
      .withArgs(MAX_PAUSE, CYCLE + 1n);
    await expect(governance.setMaxPauseDuration(CYCLE + 1n)).to.be.revertedWithCustomError(vm, "NoChange");
    expect(await vm.maxPauseDuration()).to.equal(CYCLE + 1n);

    const until = (await minedAt(await asGuardian.pauseRiskAdding(weth))) + CYCLE + 1n;
    expect(await pausedUntil(weth)).to.equal(until);
    await time.increaseTo(until);
    expect(await paused(weth)).to.equal(false);
  });

  describe("a risk-controller halt and the guardian's cool-down", () => {
    let controller: VaultManager;
    let ratio: bigint;
    let fee: bigint;

    beforeEach(async () => {
      // The risk controller's role, impersonated: its halts are applyRiskSettings(…, haltUntil).
      const risk = await ethers.getImpersonatedSigner(await sys.risk.getAddress());
      await setBalance(risk.address, 10n ** 20n);
      expect(await vm.hasRole(RISK_CONTROL_ROLE, risk.address)).to.equal(true);
      controller = vm.connect(risk);
      const c = await vm.collateralConfig(weth);
      [ratio, fee] = [c.borrowRatio, c.stabilityFee];
    });

    const halt = (until: bigint) => controller.applyRiskSettings(weth, fee, ratio, until);

    it("a halt that runs past the guardian's pause neither clears nor lengthens its cool-down", async () => {
      const g = await minedAt(await asGuardian.pauseRiskAdding(weth));
      const guardianEnd = g + PAUSE;
      // Two days in, the controller halts until a day after the guardian's pause ends.
      await time.increaseTo(g + 2n * 86_400n);
      await expect(halt(guardianEnd + 86_400n))
        .to.emit(vm, "Paused")
        .withArgs(weth, await sys.risk.getAddress(), guardianEnd + 86_400n);
      let c = await vm.collateralConfig(weth);
      expect([c.pausedUntil, c.pausedByGuardian, c.guardianPausedUntil]).to.deep.equal([
        guardianEnd + 86_400n,
        true,
        guardianEnd,
      ]);
      // When the halt ends the guardian's own cool-down still runs: until its pause's end + PAUSE.
      await time.increaseTo(guardianEnd + 86_400n);
      await expect(asGuardian.pauseRiskAdding(weth))
        .to.be.revertedWithCustomError(vm, "PauseCoolingDown")
        .withArgs(weth, guardianEnd + PAUSE);
      // …and not a second longer: the halt did not restart it.
      await time.setNextBlockTimestamp(guardianEnd + PAUSE);
      await expect(asGuardian.pauseRiskAdding(weth))
        .to.emit(vm, "Paused")
        .withArgs(weth, guardian.address, guardianEnd + 2n * PAUSE);
      c = await vm.collateralConfig(weth);
      expect(c.guardianPausedUntil).to.equal(guardianEnd + 2n * PAUSE);
    });

    it("a halt started during the guardian's cool-down leaves it as it was; one after it starts none", async () => {
      const guardianEnd = (await minedAt(await asGuardian.pauseRiskAdding(weth))) + PAUSE;
      await time.increaseTo(guardianEnd + 86_400n); // the pause ran out, the cool-down runs
      const h = await minedAt(await halt(guardianEnd + 3n * 86_400n)); // a 2-day halt, capped by nothing
      expect(await pausedUntil(weth)).to.equal(guardianEnd + 3n * 86_400n);
      expect((await vm.collateralConfig(weth)).guardianPausedUntil).to.equal(guardianEnd);
      await time.increaseTo(guardianEnd + 3n * 86_400n);
      await expect(asGuardian.pauseRiskAdding(weth))
        .to.be.revertedWithCustomError(vm, "PauseCoolingDown")
        .withArgs(weth, guardianEnd + PAUSE);
      expect(h).to.be.lessThan(guardianEnd + PAUSE);
      // After the cool-down: a halt now is the controller's alone; when it ends the guardian pauses at once.
      await time.increaseTo(guardianEnd + PAUSE + 1n);
      await halt(guardianEnd + PAUSE + 3_600n);
      await time.increaseTo(guardianEnd + PAUSE + 3_600n);
      await expect(asGuardian.pauseRiskAdding(weth)).to.emit(vm, "Paused");
    });

    it("a halt on a collateral the guardian never paused starts no cool-down", async () => {
      const t = BigInt(await time.latest());
      await halt(t + 86_400n);
      const c = await vm.collateralConfig(weth);
      expect([c.pausedByGuardian, c.guardianPausedUntil]).to.deep.equal([false, 0n]);
      await expect(asGuardian.pauseRiskAdding(weth))
        .to.be.revertedWithCustomError(vm, "AlreadyPaused")
        .withArgs(weth, t + 86_400n);
      await time.increaseTo(t + 86_400n);
      await expect(asGuardian.pauseRiskAdding(weth)).to.emit(vm, "Paused");
    });
  });

  it("cannot move funds, grant itself anything or loosen a parameter; renouncing leaves it nothing", async () => {
    const { alice, bob, carol, keeper, bdol, engine, reserve } = sys;
    await freezeRates(sys); // debts do not move with time: the balances below are comparable
    // The reserve absorbs a liquidation: it then has WETH in escrow at the vault manager.
    await donateToReserve(sys, carol, wad(30_000));
    const aliceVault = await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
    const bobVault = await openVault(sys, bob, sys.weth, wad(10), wad(18_000));
    await setEthPrice(sys, 2_500);
    await sys.oracle.recordPrice(weth);
    await engine.liquidate(bobVault, keeper.address);
    const escrow = await vm.escrowOf(weth, await reserve.getAddress());
    expect(escrow).to.be.greaterThan(0n);
    const balances = async () =>
      Promise.all([
        sys.weth.balanceOf(guardian.address),
        bdol.balanceOf(guardian.address),
        vm.escrowOf(weth, await reserve.getAddress()),
        vm.vaultInfo(aliceVault).then(String),
      ]);
    const before = await balances();

    await expect(asGuardian.releaseEscrow(weth, guardian.address, escrow))
      .to.be.revertedWithCustomError(vm, "InsufficientEscrow")
      .withArgs(weth, escrow, 0n);
    await expect(engine.connect(guardian).claimRefund(weth, guardian.address))
      .to.be.revertedWithCustomError(engine, "NothingToClaim")
      .withArgs(guardian.address, weth);
    for (const call of [
      () => asGuardian.withdraw(aliceVault, 1n, guardian.address),
      () => asGuardian.borrow(aliceVault, wad(100), guardian.address),
      () => asGuardian.closeVault(aliceVault, guardian.address),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(aliceVault, guardian.address);
    }
    const unauthorized = async (p: Promise<unknown>, c: { interface: unknown } = vm) =>
      expect(p)
        .to.be.revertedWithCustomError(c as VaultManager, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, ADMIN_ROLE);
    // No role of its own: it cannot appoint itself admin, a second guardian, or a minter.
    await unauthorized(asGuardian.grantRole(ADMIN_ROLE, guardian.address));
    await unauthorized(asGuardian.grantRole(GUARDIAN_ROLE, sys.attacker.address));
    await unauthorized(bdol.connect(guardian).setModule(guardian.address, true), bdol);
    await unauthorized(reserve.connect(guardian).setVaultManager(guardian.address), reserve);
    // Loosening risk: lower ratios, higher ceilings, no dust limit, free debt, longer pauses.
    await unauthorized(asGuardian.setLiquidationRatio(weth, wad("1.4")));
    await unauthorized(asGuardian.setBorrowRatio(weth, wad("1.5")));
    await unauthorized(asGuardian.setDebtCeiling(weth, wad(1_000_000_000)));
    await unauthorized(asGuardian.setMinDebt(weth, 0n));
    await unauthorized(asGuardian.setStabilityFee(weth, RAY));
    await unauthorized(asGuardian.setLiquidationPenalty(weth, wad("0.05")));
    await unauthorized(engine.connect(guardian).setFloorRatio(weth, wad("0.5")), engine);
    await unauthorized(sys.oracle.connect(guardian).unfreeze(weth), sys.oracle);
    expect(await balances()).to.deep.equal(before);

    // Renouncing its role gives it nothing: it just stops being the guardian.
    await expect(asGuardian.renounceRole(GUARDIAN_ROLE, guardian.address))
      .to.emit(vm, "RoleRevoked")
      .withArgs(GUARDIAN_ROLE, guardian.address, guardian.address);
    for (const role of ROLES) expect(await vm.hasRole(role, guardian.address)).to.equal(false);
    await expect(asGuardian.pauseRiskAdding(weth))
      .to.be.revertedWithCustomError(vm, "NotGuardian")
      .withArgs(guardian.address);
  });

  it("is revoked by a governance vote, which also ends its pause (the remedy for a captured guardian)", async () => {
    const { deployer } = sys;
    const governor = (await contractAt(hre, "BallastGovernor", "BallastGovernor")) as unknown as BallastGovernor;
    await asGuardian.pauseRiskAdding(weth); // the captured guardian freezes WETH borrowing

    const targets = [await vm.getAddress(), await vm.getAddress()];
    const values = [0n, 0n];
    const calldatas = [
      vm.interface.encodeFunctionData("revokeRole", [GUARDIAN_ROLE, guardian.address]),
      vm.interface.encodeFunctionData("allowRiskAdding", [weth]),
    ];
    const description = "Revoke the captured guardian and lift its pause";
    const hash = ethers.id(description);
    const id = await governor.hashProposal(targets, values, calldatas, hash);
    await governor.connect(deployer).propose(targets, values, calldatas, description);
    await time.increaseTo((await governor.proposalSnapshot(id)) + 1n);
    await governor.connect(deployer).castVote(id, 1);
    await time.increaseTo((await governor.proposalDeadline(id)) + 1n);
    await governor.queue(targets, values, calldatas, hash);
    await time.increaseTo(await governor.proposalEta(id));
    await expect(governor.execute(targets, values, calldatas, hash))
      .to.emit(vm, "RoleRevoked")
      .withArgs(GUARDIAN_ROLE, guardian.address, timelock)
      .and.to.emit(vm, "Unpaused")
      .withArgs(weth, timelock);

    expect(await vm.hasRole(GUARDIAN_ROLE, guardian.address)).to.equal(false);
    expect(await paused(weth)).to.equal(false);
    await expect(asGuardian.pauseAllRiskAdding())
      .to.be.revertedWithCustomError(vm, "NotGuardian")
      .withArgs(guardian.address);
  });
});

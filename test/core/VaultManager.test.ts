import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse, Result } from "ethers";

import { networkConfig } from "../../config/networks";
import { RAY, SECONDS_PER_YEAR, WAD, rpowUp, wad } from "../../config/units";
import { feedAnswer, fund, loadSystem, openVault, type System } from "../helpers/fixtures";
import type { IVaultManager, MockAggregator, MockERC20, VaultManager } from "../../typechain-types";

// ----------------------------------------------------------------------------- constants

const LOCAL = networkConfig("hardhat");
const WETH_SETUP = LOCAL.collaterals.WETH;
const WBTC_SETUP = LOCAL.collaterals.WBTC;
const ETH_HEARTBEAT = WETH_SETUP.feed.heartbeat;

/** Mirrors `PriceStatus` in IOracleAdapter.sol. */
enum Status {
  Live,
  Stale,
  OutOfBounds,
  Frozen,
  Failed,
  SequencerDown,
  SequencerGrace,
}

/** Mirrors `MockAggregator.Mode`. */
enum FeedMode {
  Normal,
  Revert,
  BurnGas,
  Malformed,
}

/** ConstantsLib hard bounds. */
const MIN_LIQUIDATION_RATIO = wad(1);
const MAX_LIQUIDATION_RATIO = wad(5);
const MAX_BORROW_RATIO = wad(10);
const MAX_LIQUIDATION_RATIO_STEP = wad("0.1");
const MAX_LIQUIDATION_PENALTY = wad("0.25");
const MAX_LIQUIDATION_PENALTY_STEP = wad("0.05");
const MAX_STABILITY_FEE = 1_000000021979553151239153027n;
const MAX_MIN_DEBT = wad(1_000_000);
const MAX_COLLATERALS = 32n;
const UINT128_MAX = 2n ** 128n - 1n;

const ADMIN_ROLE = ethers.ZeroHash;
const ETH_PRICE = wad(3_000);

// ----------------------------------------------------------------------------- fixed point (mirrors MathLib)

const rayMulUp = (x: bigint, y: bigint) => (x * y + RAY - 1n) / RAY;
const rayDivUp = (x: bigint, y: bigint) => (x * RAY + y - 1n) / y;
const rayDivDown = (x: bigint, y: bigint) => (x * RAY) / y;
const wadMulUp = (x: bigint, y: bigint) => (x * y + WAD - 1n) / WAD;
const wadDivDown = (x: bigint, y: bigint) => (x * WAD) / y;
const ceilDiv = (x: bigint, y: bigint) => (x + y - 1n) / y;
/** VaultManager._collateralValueDown. */
const valueDown = (amount: bigint, decimals: bigint, price: bigint) => (amount * 10n ** (18n - decimals) * price) / WAD;
/** The debt a vault records for a borrow of `amount` on top of `normalized` at `rate`. */
const debtAfterBorrow = (normalized: bigint, amount: bigint, rate: bigint) => rayMulUp(normalized + rayDivUp(amount, rate), rate);
/** x^n for a RAY base with 60-digit precision, far finer than the 1e-9 tolerance it is checked to. */
function powPrecise(xRay: bigint, n: bigint): { value: bigint; scale: bigint } {
  const scale = 10n ** 60n;
  let base = xRay * 10n ** 33n;
  let z = scale;
  while (n > 0n) {
    if (n & 1n) z = (z * base) / scale;
    base = (base * base) / scale;
    n >>= 1n;
  }
  return { value: z, scale };
}
/** |a − b| ≤ b × 1e-9. */
function expectRelativelyClose(actual: bigint, expected: bigint, what: string) {
  const diff = actual > expected ? actual - expected : expected - actual;
  expect(diff * 10n ** 9n <= expected, `${what}: ${actual} vs ${expected} (diff ${diff})`).to.equal(true);
}
const within = (lo: bigint, hi: bigint) => (x: bigint) => x >= lo && x <= hi;

// ----------------------------------------------------------------------------- helpers

type BalanceToken = { balanceOf(account: string): Promise<bigint>; getAddress(): Promise<string> };

/**
 * Everything a vault-manager call could move: every vault, every collateral's accounting, the
 * stablecoin supply, and the token balances of every actor, the vault manager and the reserve.
 */
async function snapshot(sys: System, extraTokens: BalanceToken[] = []) {
  const vm = sys.vaultManager;
  const holders = [
    ...[sys.deployer, sys.alice, sys.bob, sys.carol, sys.keeper, sys.attacker].map((s) => s.address),
    await vm.getAddress(),
    await sys.reserve.getAddress(),
  ];
  const tokens: BalanceToken[] = [sys.bdol, sys.weth, sys.wbtc, ...extraTokens];
  const balances = await Promise.all(tokens.map((t) => Promise.all(holders.map((h) => t.balanceOf(h)))));
  const collaterals = await vm.collaterals();
  const configs = await Promise.all(collaterals.map(async (c) => (await vm.collateralConfig(c)).toArray()));
  const count = await vm.vaultCount();
  const vaults: unknown[] = [];
  for (let id = 1n; id <= count; id++) {
    try {
      vaults.push((await vm.vaultInfo(id)).toArray());
    } catch {
      vaults.push("closed");
    }
  }
  return { balances, supply: await sys.bdol.totalSupply(), collaterals, configs, count, vaults, reserve: await vm.reserve() };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

async function expectUnchanged(sys: System, before: Snapshot, extraTokens: BalanceToken[] = []) {
  expect(await snapshot(sys, extraTokens)).to.deep.equal(before);
}

/** Decoded logs named `name` that `contract` emitted in `tx`. */
async function eventsOf(tx: ContractTransactionResponse, contract: BaseContract, name: string): Promise<Result[]> {
  const receipt = await tx.wait();
  const address = (await contract.getAddress()).toLowerCase();
  const out: Result[] = [];
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed.args);
  }
  return out;
}

/** Sets the stability fee to exactly 1 RAY (after accruing at the old fee): the rate stops moving. */
async function freezeRate(sys: System, token: MockERC20): Promise<bigint> {
  await sys.vaultManager.connect(sys.deployer).setStabilityFee(await token.getAddress(), RAY);
  return (await sys.vaultManager.collateralConfig(await token.getAddress())).rateAccumulator;
}

/** Re-publishes every feed's current answer so that none is stale after a `time.increase`. */
async function refreshFeeds(sys: System) {
  for (const feed of [sys.ethFeed, sys.btcFeed]) await feed.updateAnswer(await feed.answers(await feed.latestRound()));
}

/** Moves the ETH price in steps of at most 20 %, recording each step so the circuit breaker stays open. */
async function moveEthPrice(sys: System, usd: number) {
  let current = Number(await sys.ethFeed.answers(await sys.ethFeed.latestRound())) / 1e8;
  while (current !== usd) {
    const next = usd > current ? Math.min(usd, current * 1.2) : Math.max(usd, current * 0.8);
    await sys.ethFeed.updateAnswer(feedAnswer(next.toFixed(8)));
    await sys.oracle.recordPrice(await sys.weth.getAddress());
    current = next;
  }
}

/** Gives `who` spare stablecoin from a WBTC vault of their own (1 BTC = 60,000 USD of collateral). */
async function spareBdol(sys: System, who: HardhatEthersSigner, amount: bigint): Promise<bigint> {
  return openVault(sys, who, sys.wbtc, 10n ** 8n, amount);
}

/** Registers a new collateral token (as the deployer) with its own 8-decimal mock feed. */
async function registerCollateral(
  sys: System,
  token: BaseContract,
  usdPrice: number,
  params: Partial<IVaultManager.CollateralParamsStruct> = {},
): Promise<MockAggregator> {
  const feed = await ethers.deployContract("MockAggregator", [8, "TOKEN / USD", feedAnswer(usdPrice)]);
  const asset = await token.getAddress();
  await sys.oracle
    .connect(sys.deployer)
    .setFeed(asset, await feed.getAddress(), ethers.ZeroAddress, 3_900, wad("0.01"), wad(1_000_000), wad("0.25"), wad("0.94"));
  await sys.vaultManager.connect(sys.deployer).addCollateral(asset, { ...collateralParams(asset), ...params });
  return feed as unknown as MockAggregator;
}

function collateralParams(oracleAsset: string): IVaultManager.CollateralParamsStruct {
  return {
    oracleAsset,
    debtCeiling: wad(1_000_000),
    minDebt: wad(100),
    liquidationRatio: wad("1.5"),
    borrowRatio: wad("1.6"),
    liquidationPenalty: wad("0.1"),
    stabilityFee: WETH_SETUP.stabilityFee,
  };
}

// ============================================================================= tests

describe("VaultManager", () => {
  let sys: System;
  let vm: VaultManager;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let attacker: HardhatEthersSigner;
  let deployer: HardhatEthersSigner;
  let weth: string;
  let wbtc: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol, attacker, deployer } = sys);
    vm = sys.vaultManager;
    weth = await sys.weth.getAddress();
    wbtc = await sys.wbtc.getAddress();
  });

  /** alice: 10 WETH (30,000 USD), 10,000 BDOL debt. */
  const aliceVault = () => openVault(sys, alice, sys.weth, wad(10), wad(10_000));

  // --------------------------------------------------------------------------- deployment

  describe("deployment", () => {
    it("registers WETH and WBTC with the network config's parameters", async () => {
      expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      for (const [token, setup, decimals] of [
        [weth, WETH_SETUP, 18n],
        [wbtc, WBTC_SETUP, 8n],
      ] as const) {
        const c = await vm.collateralConfig(token);
        expect(c.enabled).to.equal(true);
        expect(c.paused).to.equal(false);
        expect(c.decimals).to.equal(decimals);
        expect(c.oracleAsset).to.equal(token);
        expect(c.debtCeiling).to.equal(setup.debtCeiling);
        expect(c.minDebt).to.equal(setup.minDebt);
        expect(c.liquidationRatio).to.equal(setup.liquidationRatio);
        expect(c.borrowRatio).to.equal(setup.borrowRatio);
        expect(c.liquidationPenalty).to.equal(setup.liquidationPenalty);
        expect(c.stabilityFee).to.equal(setup.stabilityFee);
        expect(c.totalNormalizedDebt).to.equal(0n);
        expect(c.totalCollateral).to.equal(0n);
        expect(c.rateAccumulator).to.be.gte(RAY);
      }
    });

    it("wires the stablecoin, oracle, reserve and admin", async () => {
      expect(await vm.stablecoin()).to.equal(await sys.bdol.getAddress());
      expect(await vm.oracle()).to.equal(await sys.oracle.getAddress());
      expect(await vm.reserve()).to.equal(await sys.reserve.getAddress());
      expect(await vm.hasRole(ADMIN_ROLE, deployer.address)).to.equal(true);
      expect(await sys.bdol.isModule(await vm.getAddress())).to.equal(true);
      expect(await vm.vaultCount()).to.equal(0n);
    });

    it("the fee was built by perSecondRate(0.02): it compounds to 1.02 over a year", async () => {
      expectRelativelyClose(rpowUp(WETH_SETUP.stabilityFee, SECONDS_PER_YEAR), (RAY * 102n) / 100n, "WETH annual factor");
    });
  });

  // --------------------------------------------------------------------------- openVault

  describe("openVault", () => {
    it("pulls the collateral, mints the debt to the caller and emits every event", async () => {
      await fund(sys, sys.weth, alice, wad(10));
      const tx = vm.connect(alice).openVault(weth, wad(10), wad(10_000));
      await expect(tx)
        .to.emit(vm, "VaultOpened")
        .withArgs(1n, alice.address, weth)
        .and.to.emit(vm, "CollateralDeposited")
        .withArgs(1n, alice.address, wad(10))
        .and.to.emit(vm, "DebtBorrowed")
        .withArgs(1n, alice.address, wad(10_000), anyValue)
        .and.to.emit(vm, "FeesAccrued")
        .withArgs(weth, anyValue, 0n);
      await expect(tx).to.changeTokenBalances(sys.weth, [alice, vm], [-wad(10), wad(10)]);
      await expect(tx).to.changeTokenBalance(sys.bdol, alice, wad(10_000));

      const [owner, collateral, amount, debt] = await vm.vaultInfo(1n);
      expect([owner, collateral, amount]).to.deep.equal([alice.address, weth, wad(10)]);
      // Debt rounds up: at least what was minted, at most one wei more.
      expect(debt).to.be.within(wad(10_000), wad(10_000) + 1n);
      expect(await vm.debtOf(1n)).to.equal(debt);
      const config = await vm.collateralConfig(weth);
      expect(config.totalCollateral).to.equal(wad(10));
      expect(config.totalNormalizedDebt).to.equal(rayDivUp(wad(10_000), config.rateAccumulator));
      expect(await vm.vaultCount()).to.equal(1n);
    });

    it("opens collateral-only vaults with increasing ids and no debt", async () => {
      await fund(sys, sys.weth, alice, wad(1));
      await expect(vm.connect(alice).openVault(weth, wad(1), 0n)).to.emit(vm, "VaultOpened").and.not.to.emit(vm, "DebtBorrowed");
      expect(await openVault(sys, bob, sys.wbtc, 10n ** 8n, 0n)).to.equal(2n);
      expect(await vm.vaultInfo(1n)).to.deep.equal([alice.address, weth, wad(1), 0n]);
      expect(await vm.vaultInfo(2n)).to.deep.equal([bob.address, wbtc, 10n ** 8n, 0n]);
      expect(await vm.healthFactor(1n)).to.equal(ethers.MaxUint256);
      expect(await sys.bdol.totalSupply()).to.equal(0n);
    });

    it("reverts UnknownCollateral for a token that is not registered, changing nothing", async () => {
      await fund(sys, sys.usdc, alice, 1_000n * 10n ** 6n);
      const before = await snapshot(sys, [sys.usdc]);
      const usdc = await sys.usdc.getAddress();
      await expect(vm.connect(alice).openVault(usdc, 1_000n * 10n ** 6n, 0n))
        .to.be.revertedWithCustomError(vm, "UnknownCollateral")
        .withArgs(usdc);
      await expectUnchanged(sys, before, [sys.usdc]);
    });

    it("reverts ZeroAmount for zero collateral, changing nothing", async () => {
      await fund(sys, sys.weth, alice, wad(10));
      const before = await snapshot(sys);
      await expect(vm.connect(alice).openVault(weth, 0n, 0n)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(alice).openVault(weth, 0n, wad(1_000))).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expectUnchanged(sys, before);
    });

    it("reverts BelowBorrowRatio when the debt is too large for the collateral, changing nothing", async () => {
      await fund(sys, sys.weth, alice, wad(10));
      const before = await snapshot(sys);
      // 30,000 USD of collateral; 20,000 debt needs 32,000.
      await expect(vm.connect(alice).openVault(weth, wad(10), wad(20_000)))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(1n, wad(30_000), within(wad(32_000), wad(32_000) + 2n));
      await expectUnchanged(sys, before);
    });

    it("reverts DebtBelowMinimum for a positive debt under the dust limit, changing nothing", async () => {
      await fund(sys, sys.weth, alice, wad(10));
      const before = await snapshot(sys);
      await expect(vm.connect(alice).openVault(weth, wad(10), wad(499)))
        .to.be.revertedWithCustomError(vm, "DebtBelowMinimum")
        .withArgs(within(wad(499), wad(499) + 1n), WETH_SETUP.minDebt);
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- deposit

  describe("deposit", () => {
    it("lets anyone top up any vault and emits CollateralDeposited", async () => {
      const id = await aliceVault();
      await fund(sys, sys.weth, bob, wad(1));
      const debtBefore = await vm.debtOf(id);
      const tx = vm.connect(bob).deposit(id, wad(1));
      await expect(tx).to.emit(vm, "CollateralDeposited").withArgs(id, bob.address, wad(1));
      await expect(tx).to.changeTokenBalances(sys.weth, [bob, vm], [-wad(1), wad(1)]);
      const [owner, , amount, debt] = await vm.vaultInfo(id);
      expect(owner).to.equal(alice.address);
      expect(amount).to.equal(wad(11));
      expect(debt).to.be.gte(debtBefore);
      expect((await vm.collateralConfig(weth)).totalCollateral).to.equal(wad(11));
    });

    it("reverts ZeroAmount and UnknownVault, changing nothing", async () => {
      const id = await aliceVault();
      await fund(sys, sys.weth, bob, wad(1));
      const before = await snapshot(sys);
      await expect(vm.connect(bob).deposit(id, 0n)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(bob).deposit(42n, wad(1))).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(42n);
      await expect(vm.connect(bob).deposit(0n, wad(1))).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(0n);
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- withdraw

  describe("withdraw", () => {
    it("sends collateral to `to` while the vault keeps its borrow ratio", async () => {
      const id = await aliceVault();
      const tx = vm.connect(alice).withdraw(id, wad(2), bob.address);
      await expect(tx).to.emit(vm, "CollateralWithdrawn").withArgs(id, bob.address, wad(2));
      await expect(tx).to.changeTokenBalances(sys.weth, [vm, bob, alice], [-wad(2), wad(2), 0n]);
      expect((await vm.vaultInfo(id)).collateralAmount).to.equal(wad(8));
      expect((await vm.collateralConfig(weth)).totalCollateral).to.equal(wad(8));
    });

    it("stops at the borrow ratio to the wei (BelowBorrowRatio one wei past it, nothing changed)", async () => {
      const id = await aliceVault();
      await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      const required = wadMulUp(debt, WETH_SETUP.borrowRatio);
      // value(remaining) = remaining × 3000 exactly, so the smallest remaining is ⌈required / 3000⌉.
      const minRemaining = ceilDiv(required, 3_000n);
      const maxWithdraw = wad(10) - minRemaining;

      const before = await snapshot(sys);
      await expect(vm.connect(alice).withdraw(id, maxWithdraw + 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(id, (minRemaining - 1n) * 3_000n, required);
      await expectUnchanged(sys, before);

      await expect(vm.connect(alice).withdraw(id, maxWithdraw, alice.address)).to.emit(vm, "CollateralWithdrawn");
      expect((await vm.vaultInfo(id)).collateralAmount).to.equal(minRemaining);
    });

    it("lets a debt-free vault withdraw everything", async () => {
      const id = await openVault(sys, bob, sys.weth, wad(5), 0n);
      await expect(vm.connect(bob).withdraw(id, wad(5), bob.address)).to.changeTokenBalance(sys.weth, bob, wad(5));
      expect(await vm.vaultInfo(id)).to.deep.equal([bob.address, weth, 0n, 0n]);
      expect((await vm.collateralConfig(weth)).totalCollateral).to.equal(0n);
    });

    it("reverts ZeroAmount, ZeroAddress, UnknownVault and InsufficientCollateral, changing nothing", async () => {
      const id = await aliceVault();
      const before = await snapshot(sys);
      await expect(vm.connect(alice).withdraw(id, 0n, alice.address)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(alice).withdraw(id, 1n, ethers.ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
      await expect(vm.connect(alice).withdraw(7n, 1n, alice.address)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(7n);
      await expect(vm.connect(alice).withdraw(id, wad(10) + 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "InsufficientCollateral")
        .withArgs(wad(10) + 1n, wad(10));
      await expectUnchanged(sys, before);
    });

    it("refuses anyone but the owner or an approved operator (NotOwnerOrOperator), changing nothing", async () => {
      const id = await openVault(sys, alice, sys.weth, wad(10), 0n);
      const before = await snapshot(sys);
      await expect(vm.connect(attacker).withdraw(id, wad(10), attacker.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(id, attacker.address);
      await expectUnchanged(sys, before);

      // An approved operator may withdraw (to anyone); a revoked one may not.
      await vm.connect(alice).setOperator(bob.address, true);
      await expect(vm.connect(bob).withdraw(id, wad(1), carol.address)).to.changeTokenBalance(sys.weth, carol, wad(1));
      await vm.connect(alice).setOperator(bob.address, false);
      const afterRevoke = await snapshot(sys);
      await expect(vm.connect(bob).withdraw(id, wad(1), bob.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(id, bob.address);
      await expectUnchanged(sys, afterRevoke);
    });
  });

  // --------------------------------------------------------------------------- borrow

  describe("borrow", () => {
    it("accrues, mints to `to` and records the normalized debt rounded up", async () => {
      const id = await aliceVault();
      await time.increase(30 * 24 * 3600);
      await refreshFeeds(sys);
      const tx = await vm.connect(alice).borrow(id, wad(1_000), bob.address);
      const rate = (await vm.collateralConfig(weth)).rateAccumulator;
      await expect(tx)
        .to.emit(vm, "DebtBorrowed")
        .withArgs(id, bob.address, wad(1_000), rayDivUp(wad(1_000), rate))
        .and.to.emit(vm, "FeesAccrued")
        .withArgs(weth, rate, anyValue);
      await expect(tx).to.changeTokenBalances(sys.bdol, [bob, alice], [wad(1_000), 0n]);
      // Thirty days at 2 % a year: ~16.3 BDOL of interest on 10,000 plus the new 1,000.
      expect(await vm.debtOf(id)).to.be.within(wad(11_016), wad(11_017));
    });

    it("stops at the borrow ratio to the wei (BelowBorrowRatio one wei past it, nothing changed)", async () => {
      const id = await openVault(sys, alice, sys.weth, wad(10), 0n);
      const rate = await freezeRate(sys, sys.weth);
      // 30,000 USD at a 1.6 borrow ratio: the new debt, rounded up, may reach 18,750.
      let max = wad(18_750) + 2n;
      while (wadMulUp(debtAfterBorrow(0n, max, rate), WETH_SETUP.borrowRatio) > wad(30_000)) max--;
      const requiredPastMax = wadMulUp(debtAfterBorrow(0n, max + 1n, rate), WETH_SETUP.borrowRatio);
      expect(requiredPastMax).to.be.gt(wad(30_000));

      const before = await snapshot(sys);
      await expect(vm.connect(alice).borrow(id, max + 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(id, wad(30_000), requiredPastMax);
      await expectUnchanged(sys, before);

      await vm.connect(alice).borrow(id, max, alice.address);
      expect(await vm.debtOf(id)).to.equal(debtAfterBorrow(0n, max, rate));
    });

    it("reverts DebtBelowMinimum under the dust limit, to the wei, changing nothing", async () => {
      const id = await openVault(sys, alice, sys.weth, wad(10), 0n);
      const rate = await freezeRate(sys, sys.weth);
      // The smallest borrow whose rounded-up debt reaches the 500 BDOL minimum.
      let min = WETH_SETUP.minDebt;
      while (debtAfterBorrow(0n, min - 1n, rate) >= WETH_SETUP.minDebt) min--;

      const before = await snapshot(sys);
      await expect(vm.connect(alice).borrow(id, min - 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "DebtBelowMinimum")
        .withArgs(debtAfterBorrow(0n, min - 1n, rate), WETH_SETUP.minDebt);
      await expectUnchanged(sys, before);
      await vm.connect(alice).borrow(id, min, alice.address);
      expect(await vm.debtOf(id)).to.equal(debtAfterBorrow(0n, min, rate));
      expect(await vm.debtOf(id)).to.be.gte(WETH_SETUP.minDebt);
    });

    it("reverts DebtCeilingExceeded past the collateral's ceiling, to the wei, changing nothing", async () => {
      await aliceVault();
      const id = await openVault(sys, bob, sys.weth, wad(100), 0n);
      await vm.connect(deployer).setDebtCeiling(weth, wad(20_000));
      const rate = await freezeRate(sys, sys.weth);
      const totalNormalized = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const totalAfter = (amount: bigint) => rayMulUp(totalNormalized + rayDivUp(amount, rate), rate);
      let max = wad(20_000) - rayMulUp(totalNormalized, rate) + 2n;
      while (totalAfter(max) > wad(20_000)) max--;

      const before = await snapshot(sys);
      await expect(vm.connect(bob).borrow(id, max + 1n, bob.address))
        .to.be.revertedWithCustomError(vm, "DebtCeilingExceeded")
        .withArgs(totalAfter(max + 1n), wad(20_000));
      await expectUnchanged(sys, before);
      await vm.connect(bob).borrow(id, max, bob.address);
      expect(await vm.totalDebt(weth)).to.equal(totalAfter(max));
      expect(await vm.totalDebt(weth)).to.be.lte(wad(20_000));
    });

    it("reverts ZeroAmount, ZeroAddress and UnknownVault, changing nothing", async () => {
      const id = await aliceVault();
      const before = await snapshot(sys);
      await expect(vm.connect(alice).borrow(id, 0n, alice.address)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(alice).borrow(id, wad(1), ethers.ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
      await expect(vm.connect(alice).borrow(9n, wad(1), alice.address)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(9n);
      await expectUnchanged(sys, before);
    });

    it("lets only the owner or an approved operator borrow", async () => {
      const id = await aliceVault();
      const before = await snapshot(sys);
      await expect(vm.connect(attacker).borrow(id, wad(100), attacker.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(id, attacker.address);
      await expectUnchanged(sys, before);

      await vm.connect(alice).setOperator(bob.address, true);
      await expect(vm.connect(bob).borrow(id, wad(100), bob.address)).to.changeTokenBalance(sys.bdol, bob, wad(100));
      await vm.connect(alice).setOperator(bob.address, false);
      const afterRevoke = await snapshot(sys);
      await expect(vm.connect(bob).borrow(id, wad(100), bob.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(id, bob.address);
      await expectUnchanged(sys, afterRevoke);
    });

    it("rounds a tiny borrow's normalized debt up, never to zero", async () => {
      const id = await aliceVault();
      await time.increase(90 * 24 * 3600);
      await refreshFeeds(sys);
      const rate = await freezeRate(sys, sys.weth);
      expect(rate).to.be.gt(RAY);
      // Rounded down, a 1-wei borrow would record nothing: free money.
      expect(rayDivDown(1n, rate)).to.equal(0n);
      const debtBefore = await vm.debtOf(id);
      const normalizedBefore = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      await expect(vm.connect(alice).borrow(id, 1n, alice.address)).to.emit(vm, "DebtBorrowed").withArgs(id, alice.address, 1n, 1n);
      expect((await vm.collateralConfig(weth)).totalNormalizedDebt).to.equal(normalizedBefore + 1n);
      expect(await vm.debtOf(id)).to.be.gte(debtBefore + 1n);

      // A larger amount whose exact normalized value has a fraction: recorded as the ceiling.
      let amount = wad(600) + 12_345n;
      while ((amount * RAY) % rate === 0n) amount++;
      const tx = await vm.connect(alice).borrow(id, amount, alice.address);
      const [borrowed] = await eventsOf(tx, vm, "DebtBorrowed");
      expect(borrowed.normalizedDebt).to.equal(rayDivDown(amount, rate) + 1n);
      expect(rayMulUp(borrowed.normalizedDebt, rate)).to.be.gte(amount);
    });
  });

  // --------------------------------------------------------------------------- repay

  describe("repay", () => {
    it("lets anyone repay any vault with their own stablecoin", async () => {
      const id = await aliceVault();
      await spareBdol(sys, bob, wad(2_000));
      const debtBefore = await vm.debtOf(id);
      const tx = await vm.connect(bob).repay(id, wad(1_000));
      const rate = (await vm.collateralConfig(weth)).rateAccumulator;
      await expect(tx).to.emit(vm, "DebtRepaid").withArgs(id, bob.address, wad(1_000), rayDivDown(wad(1_000), rate));
      await expect(tx).to.changeTokenBalances(sys.bdol, [bob, alice], [-wad(1_000), 0n]);
      expect(await vm.debtOf(id)).to.be.within(debtBefore - wad(1_000), debtBefore - wad(1_000) + wad("0.001"));
    });

    it("credits a partial repay down: the debt never falls by more than was paid", async () => {
      const id = await aliceVault();
      await time.increase(90 * 24 * 3600);
      const rate = await freezeRate(sys, sys.weth);
      let amount = wad(1_234) + 567n;
      while ((amount * RAY) % rate === 0n) amount++;
      const debtBefore = await vm.debtOf(id);
      const tx = await vm.connect(alice).repay(id, amount);
      const [repaid] = await eventsOf(tx, vm, "DebtRepaid");
      expect(repaid.normalizedDebt).to.equal(rayDivDown(amount, rate));
      // Rounding up instead would have credited one unit more.
      expect(repaid.normalizedDebt).to.be.lt(rayDivUp(amount, rate));
      expect(await vm.debtOf(id)).to.be.gte(debtBefore - amount);
      expect(await vm.debtOf(id)).to.be.lte(debtBefore - amount + 2n);
    });

    it("repays exactly the debt when asked for more", async () => {
      const id = await aliceVault();
      await spareBdol(sys, bob, wad(5_000));
      await sys.bdol.connect(bob).transfer(alice.address, wad(5_000));
      await time.increase(30 * 24 * 3600);
      const rate = await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      expect(debt).to.be.gt(wad(10_000));
      const normalized = (await vm.collateralConfig(weth)).totalNormalizedDebt; // alice's is the only WETH vault
      const supplyBefore = await sys.bdol.totalSupply();
      const tx = vm.connect(alice).repay(id, debt + wad(1_000));
      await expect(tx).to.emit(vm, "DebtRepaid").withArgs(id, alice.address, debt, normalized);
      await expect(tx).to.changeTokenBalance(sys.bdol, alice, -debt);
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore - debt);
      expect(await vm.debtOf(id)).to.equal(0n);
      expect(await vm.healthFactor(id)).to.equal(ethers.MaxUint256);
      expect(rate).to.be.gt(RAY);
    });

    it("reverts DebtBelowMinimum when a partial repay leaves dust, to the wei, changing nothing", async () => {
      const id = await aliceVault();
      const rate = await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      const normalized = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const remaining = (amount: bigint) => rayMulUp(normalized - rayDivDown(amount, rate), rate);
      let max = debt - WETH_SETUP.minDebt - 2n;
      while (remaining(max + 1n) >= WETH_SETUP.minDebt) max++;

      const before = await snapshot(sys);
      await expect(vm.connect(alice).repay(id, max + 1n))
        .to.be.revertedWithCustomError(vm, "DebtBelowMinimum")
        .withArgs(remaining(max + 1n), WETH_SETUP.minDebt);
      await expectUnchanged(sys, before);
      await vm.connect(alice).repay(id, max);
      expect(await vm.debtOf(id)).to.equal(remaining(max));
      expect(await vm.debtOf(id)).to.be.gte(WETH_SETUP.minDebt);
    });

    it("reverts NoDebt on a debt-free vault, ZeroAmount and UnknownVault, changing nothing", async () => {
      const id = await openVault(sys, bob, sys.weth, wad(1), 0n);
      await aliceVault();
      const before = await snapshot(sys);
      await expect(vm.connect(alice).repay(id, wad(1))).to.be.revertedWithCustomError(vm, "NoDebt").withArgs(id);
      await expect(vm.connect(alice).repay(2n, 0n)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(alice).repay(3n, wad(1))).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(3n);
      await expectUnchanged(sys, before);
    });

    it("burns only the payer's own stablecoin (ERC20InsufficientBalance without it), changing nothing", async () => {
      const id = await aliceVault();
      const before = await snapshot(sys);
      await expect(vm.connect(attacker).repay(id, wad(100)))
        .to.be.revertedWithCustomError(sys.bdol, "ERC20InsufficientBalance")
        .withArgs(attacker.address, 0n, wad(100));
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- closeVault

  describe("closeVault", () => {
    it("burns the exact debt, returns all collateral to `to` and deletes the vault", async () => {
      const id = await aliceVault();
      await spareBdol(sys, bob, wad(1_000));
      await sys.bdol.connect(bob).transfer(alice.address, wad(1_000));
      const normalized = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      await time.increase(180 * 24 * 3600);

      const aliceBefore = await sys.bdol.balanceOf(alice.address);
      const supplyBefore = await sys.bdol.totalSupply();
      const reserveBefore = await sys.reserve.surplus();
      const tx = await vm.connect(alice).closeVault(id, carol.address);
      const rate = (await vm.collateralConfig(weth)).rateAccumulator;
      const debt = rayMulUp(normalized, rate);
      expect(debt).to.be.gt(wad(10_090)); // half a year of 2 %: ~98 BDOL

      await expect(tx).to.emit(vm, "VaultClosed").withArgs(id, carol.address, wad(10), debt);
      await expect(tx).to.changeTokenBalances(sys.weth, [vm, carol, alice], [-wad(10), wad(10), 0n]);
      expect(await sys.bdol.balanceOf(alice.address)).to.equal(aliceBefore - debt);
      const fee = (await sys.reserve.surplus()) - reserveBefore;
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore + fee - debt);

      const config = await vm.collateralConfig(weth);
      expect(config.totalNormalizedDebt).to.equal(0n);
      expect(config.totalCollateral).to.equal(0n);
      expect(await vm.vaultCount()).to.equal(1n + 1n); // alice's and bob's spare WBTC vault
      await expect(vm.vaultInfo(id)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.debtOf(id)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.healthFactor(id)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.connect(alice).closeVault(id, alice.address)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.connect(alice).deposit(id, 1n)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.connect(alice).repay(id, 1n)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
    });

    it("closes a debt-free vault without touching the stablecoin", async () => {
      const id = await openVault(sys, bob, sys.weth, wad(3), 0n);
      const supplyBefore = await sys.bdol.totalSupply();
      const tx = vm.connect(bob).closeVault(id, bob.address);
      await expect(tx).to.emit(vm, "VaultClosed").withArgs(id, bob.address, wad(3), 0n);
      await expect(tx).to.changeTokenBalance(sys.weth, bob, wad(3));
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore);
    });

    it("lets an approved operator close, paying the debt itself", async () => {
      const id = await aliceVault();
      await spareBdol(sys, bob, wad(20_000));
      await vm.connect(alice).setOperator(bob.address, true);
      const rate = await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      const tx = vm.connect(bob).closeVault(id, alice.address);
      await expect(tx).to.emit(vm, "VaultClosed").withArgs(id, alice.address, wad(10), debt);
      await expect(tx).to.changeTokenBalances(sys.bdol, [bob, alice], [-debt, 0n]);
      await expect(tx).to.changeTokenBalance(sys.weth, alice, wad(10));
      expect(rate).to.be.gt(RAY);
    });

    it("reverts NotOwnerOrOperator, ZeroAddress, UnknownVault and on a short balance, changing nothing", async () => {
      const id = await aliceVault();
      await spareBdol(sys, attacker, wad(20_000));
      await sys.bdol.connect(alice).transfer(bob.address, wad(1));
      const before = await snapshot(sys);
      await expect(vm.connect(attacker).closeVault(id, attacker.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(id, attacker.address);
      await expect(vm.connect(alice).closeVault(id, ethers.ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
      await expect(vm.connect(alice).closeVault(99n, alice.address)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(99n);
      // Alice gave one BDOL away: she cannot burn her full debt.
      await expect(vm.connect(alice).closeVault(id, alice.address)).to.be.revertedWithCustomError(sys.bdol, "ERC20InsufficientBalance");
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- setOperator

  describe("setOperator", () => {
    it("approves and revokes per owner, with events", async () => {
      await expect(vm.connect(alice).setOperator(bob.address, true)).to.emit(vm, "OperatorSet").withArgs(alice.address, bob.address, true);
      expect(await vm.isOperator(alice.address, bob.address)).to.equal(true);
      expect(await vm.isOperator(bob.address, alice.address)).to.equal(false);
      await expect(vm.connect(alice).setOperator(bob.address, false)).to.emit(vm, "OperatorSet").withArgs(alice.address, bob.address, false);
      expect(await vm.isOperator(alice.address, bob.address)).to.equal(false);
    });

    it("reverts NoChange and ZeroAddress", async () => {
      await expect(vm.connect(alice).setOperator(bob.address, false)).to.be.revertedWithCustomError(vm, "NoChange");
      await vm.connect(alice).setOperator(bob.address, true);
      await expect(vm.connect(alice).setOperator(bob.address, true)).to.be.revertedWithCustomError(vm, "NoChange");
      await expect(vm.connect(alice).setOperator(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(vm, "ZeroAddress");
    });

    it("gives an operator power over the approving owner's vaults only", async () => {
      const aliceId = await aliceVault();
      const carolId = await openVault(sys, carol, sys.weth, wad(10), wad(1_000));
      await vm.connect(alice).setOperator(bob.address, true);
      await vm.connect(bob).borrow(aliceId, wad(100), bob.address);
      await expect(vm.connect(bob).borrow(carolId, wad(100), bob.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(carolId, bob.address);
    });
  });

  // --------------------------------------------------------------------------- accrue and interest

  describe("accrue", () => {
    it("reverts UnknownCollateral", async () => {
      const usdc = await sys.usdc.getAddress();
      await expect(vm.accrue(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      await expect(vm.currentRate(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      await expect(vm.totalDebt(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
    });

    it("moves the accumulator by the per-second fee and mints the fee to the reserve", async () => {
      await aliceVault();
      const c0 = await vm.collateralConfig(weth);
      const debt0 = await vm.totalDebt(weth); // accrued in the opening block: equal to the stored debt
      expect(debt0).to.equal(rayMulUp(c0.totalNormalizedDebt, c0.rateAccumulator));
      const t1 = c0.lastAccrual + 7n * 24n * 3600n;
      await time.setNextBlockTimestamp(t1);
      const expectedRate = rayMulUp(c0.rateAccumulator, rpowUp(c0.stabilityFee, t1 - c0.lastAccrual));
      const expectedFee = rayMulUp(c0.totalNormalizedDebt, expectedRate) - debt0;
      expect(expectedFee).to.be.gt(0n);

      const tx = vm.connect(attacker).accrue(weth); // anyone
      await expect(tx).to.emit(vm, "FeesAccrued").withArgs(weth, expectedRate, expectedFee);
      await expect(tx).to.changeTokenBalance(sys.bdol, sys.reserve, expectedFee);
      const c1 = await vm.collateralConfig(weth);
      expect(c1.rateAccumulator).to.equal(expectedRate);
      expect(c1.lastAccrual).to.equal(t1);
      expect(await vm.totalDebt(weth)).to.equal(debt0 + expectedFee);
      expect(await vm.currentRate(weth)).to.equal(expectedRate);
    });

    it("moves the accumulator but mints nothing with no debt", async () => {
      const c0 = await vm.collateralConfig(weth);
      await time.increase(3_600);
      const supply = await sys.bdol.totalSupply();
      await expect(vm.accrue(weth)).to.emit(vm, "FeesAccrued").withArgs(weth, anyValue, 0n);
      expect((await vm.collateralConfig(weth)).rateAccumulator).to.be.gt(c0.rateAccumulator);
      expect(await sys.bdol.totalSupply()).to.equal(supply);
    });
  });

  describe("interest", () => {
    it("compounds to the closed form (1 + r)^t over one year within 1e-9, ≈ principal × 1.02", async () => {
      const id = await aliceVault();
      const { rateAccumulator: r0, lastAccrual: t0, totalNormalizedDebt: normalized } = await vm.collateralConfig(weth);
      await time.setNextBlockTimestamp(t0 + SECONDS_PER_YEAR);
      await vm.accrue(weth);
      const debt = await vm.debtOf(id);

      // Exactly what the contract computes (MathLib.rpowUp mirrored in config/units.ts)...
      expect(debt).to.equal(rayMulUp(normalized, rayMulUp(r0, rpowUp(WETH_SETUP.stabilityFee, SECONDS_PER_YEAR))));
      // ...which is the closed form (1 + r)^t at 60-digit precision, to 1e-9...
      const growth = powPrecise(WETH_SETUP.stabilityFee, SECONDS_PER_YEAR);
      const principal = (normalized * r0) / RAY; // the 10,000 minted, to within a wei
      expectRelativelyClose(debt, (principal * growth.value) / growth.scale, "debt vs closed form");
      // ...and the 2 % a year the fee was built for.
      expectRelativelyClose(debt, (wad(10_000) * 102n) / 100n, "debt vs principal × 1.02");
      expect(debt).to.be.gt(wad(10_199));
    });

    it("mints to the reserve exactly the increase of totalDebt", async () => {
      // The debt as of the last accrual: what the reserve has been paid for so far.
      const storedDebt = async (c: string) => {
        const { totalNormalizedDebt, rateAccumulator } = await vm.collateralConfig(c);
        return rayMulUp(totalNormalizedDebt, rateAccumulator);
      };
      await aliceVault();
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(12_345));
      const wethDebt0 = await storedDebt(weth);
      const wbtcDebt0 = await storedDebt(wbtc);
      const surplus0 = await sys.reserve.surplus();

      await time.increase(200 * 24 * 3600);
      const tx1 = await vm.accrue(weth);
      const [wethFee] = await eventsOf(tx1, vm, "FeesAccrued");
      expect((await sys.reserve.surplus()) - surplus0).to.equal((await vm.totalDebt(weth)) - wethDebt0);
      expect(wethFee.fee).to.equal((await vm.totalDebt(weth)) - wethDebt0);

      const surplus1 = await sys.reserve.surplus();
      const tx2 = await vm.accrue(wbtc);
      const [wbtcFee] = await eventsOf(tx2, vm, "FeesAccrued");
      expect((await sys.reserve.surplus()) - surplus1).to.equal((await vm.totalDebt(wbtc)) - wbtcDebt0);
      expect(wbtcFee.fee).to.equal((await vm.totalDebt(wbtc)) - wbtcDebt0);
      // WBTC's fee is 1.5 % a year, WETH's 2 %: per unit of debt WBTC earned less.
      expect(wbtcFee.fee * wad(10_000)).to.be.lt(wethFee.fee * wad(12_345));
    });

    it("keeps the supply identity through a sequence of borrows, repays, closes and accruals", async () => {
      // BDOL supply = Σ borrowed − Σ repaid + fees minted to the reserve (exactly), and per collateral
      // 0 ≤ D − (borrowed − repaid + fees) ≤ Σ per-operation rounding, where D = ⌈N × rate⌉ is the
      // collateral's debt. A borrow or partial repay rounds by at most ⌈rate / RAY⌉ wei (2 once any
      // interest has accrued), a full repay or close by at most 1 wei.
      const ledger = new Map<string, { borrowed: bigint; repaid: bigint; fees: bigint; slack: bigint }>();
      for (const c of [weth, wbtc]) ledger.set(c, { borrowed: 0n, repaid: 0n, fees: 0n, slack: 0n });
      const collateralOf = new Map<bigint, string>();

      async function record(txp: Promise<ContractTransactionResponse>) {
        const tx = await txp;
        for (const e of await eventsOf(tx, vm, "FeesAccrued")) ledger.get(e.collateral)!.fees += e.fee;
        for (const e of await eventsOf(tx, vm, "VaultOpened")) collateralOf.set(e.vaultId, e.collateral);
        const rounding = async (c: string, partial: boolean) =>
          partial ? ceilDiv((await vm.collateralConfig(c)).rateAccumulator, RAY) : 1n;
        for (const e of await eventsOf(tx, vm, "DebtBorrowed")) {
          const c = collateralOf.get(e.vaultId)!;
          ledger.get(c)!.borrowed += e.amount;
          ledger.get(c)!.slack += await rounding(c, true);
        }
        for (const e of await eventsOf(tx, vm, "DebtRepaid")) {
          const c = collateralOf.get(e.vaultId)!;
          ledger.get(c)!.repaid += e.amount;
          ledger.get(c)!.slack += await rounding(c, true);
        }
        for (const e of await eventsOf(tx, vm, "VaultClosed")) {
          const c = collateralOf.get(e.vaultId)!;
          ledger.get(c)!.repaid += e.debtRepaid;
          if (e.debtRepaid > 0n) ledger.get(c)!.slack += 1n;
        }
        await check();
      }
      async function check() {
        let net = 0n;
        let fees = 0n;
        for (const [c, l] of ledger) {
          const { totalNormalizedDebt, rateAccumulator } = await vm.collateralConfig(c);
          const debt = rayMulUp(totalNormalizedDebt, rateAccumulator);
          const supplied = l.borrowed - l.repaid + l.fees;
          expect(debt - supplied, `rounding of ${c}`).to.be.within(0n, l.slack);
          net += l.borrowed - l.repaid;
          fees += l.fees;
        }
        expect(await sys.reserve.surplus()).to.equal(fees);
        expect(await sys.bdol.totalSupply()).to.equal(net + fees);
      }
      const day = 24 * 3600;
      const openWith = async (who: HardhatEthersSigner, token: MockERC20, collateral: bigint, debt: bigint) => {
        await fund(sys, token, who, collateral);
        await record(vm.connect(who).openVault(await token.getAddress(), collateral, debt));
        return vm.vaultCount();
      };

      const a = await openWith(alice, sys.weth, wad(10), wad(10_000));
      const b = await openWith(bob, sys.wbtc, 10n ** 8n, wad(20_000));
      await time.increase(30 * day);
      await refreshFeeds(sys);
      await record(vm.connect(alice).borrow(a, wad("1234.567890123456789"), alice.address));
      const c = await openWith(carol, sys.weth, wad(5), wad("3333.333333333333333333"));
      await time.increase(90 * day);
      await refreshFeeds(sys);
      await record(vm.connect(bob).repay(b, wad("777.777777777777777777")));
      await record(vm.connect(alice).repay(a, wad("2000.000000000000000001")));
      await record(vm.accrue(weth));
      await record(vm.accrue(wbtc));
      await time.increase(180 * day);
      await refreshFeeds(sys);
      await sys.bdol.connect(alice).transfer(carol.address, wad(500));
      await record(vm.connect(carol).closeVault(c, carol.address));
      await record(vm.connect(alice).borrow(a, 1n, alice.address));
      await sys.bdol.connect(alice).transfer(bob.address, wad(2_000));
      await record(vm.connect(bob).repay(b, wad(1_000_000))); // more than the debt
      await time.increase(365 * day);
      await record(vm.accrue(weth));
      await record(vm.accrue(wbtc));
      expect(await vm.debtOf(b)).to.equal(0n);
      for (const collateral of [weth, wbtc]) {
        const { totalNormalizedDebt, rateAccumulator } = await vm.collateralConfig(collateral);
        expect(await vm.totalDebt(collateral)).to.equal(rayMulUp(totalNormalizedDebt, rateAccumulator));
      }
    });

    it("can leave 2 wei (not 1) of rounding in one borrow or partial repay once the rate is well above 1 RAY", async () => {
      // Documents the true per-operation bound of 0 ≤ D − S: ⌈rate / RAY⌉ wei, not one.
      const id = await openVault(sys, alice, sys.weth, wad(100), wad(1_000));
      await vm.connect(deployer).setStabilityFee(weth, MAX_STABILITY_FEE);
      await time.increase(200 * 24 * 3600);
      await refreshFeeds(sys);
      const rate = await freezeRate(sys, sys.weth);
      expect(rate).to.be.gt((RAY * 14n) / 10n);
      const N = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const D = rayMulUp(N, rate);

      let amount = wad(1);
      while (rayMulUp(N + rayDivUp(amount, rate), rate) - D - amount !== 2n) amount++;
      await vm.connect(alice).borrow(id, amount, alice.address);
      expect((await vm.totalDebt(weth)) - D).to.equal(amount + 2n);

      const N2 = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const D2 = rayMulUp(N2, rate);
      let repay = wad(1);
      while (rayMulUp(N2 - rayDivDown(repay, rate), rate) - (D2 - repay) !== 2n) repay++;
      await vm.connect(alice).repay(id, repay);
      expect((await vm.totalDebt(weth)) - (D2 - repay)).to.equal(2n);
    });
  });

  // --------------------------------------------------------------------------- views

  describe("healthFactor", () => {
    it("is type(uint256).max without debt", async () => {
      const id = await openVault(sys, alice, sys.weth, wad(1), 0n);
      expect(await vm.healthFactor(id)).to.equal(ethers.MaxUint256);
    });

    it("is collateral value / (debt × liquidation ratio), falling with the price", async () => {
      const id = await openVault(sys, alice, sys.weth, wad(1), wad(1_800));
      await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      const hfAt = (price: bigint) => wadDivDown(price, wadMulUp(debt, WETH_SETUP.liquidationRatio));

      expect(await vm.healthFactor(id)).to.equal(hfAt(ETH_PRICE));
      expect(await vm.healthFactor(id)).to.be.gt(WAD);
      await moveEthPrice(sys, 2_800);
      const hf2800 = await vm.healthFactor(id);
      expect(hf2800).to.equal(hfAt(wad(2_800)));
      expect(hf2800).to.be.lt(hfAt(ETH_PRICE));
      expect(hf2800).to.be.gt(WAD); // 2,800 > 1,800 × 1.5
      // 2,600 < 1,800 × 1.5 = 2,700: liquidatable.
      await moveEthPrice(sys, 2_600);
      expect(await vm.healthFactor(id)).to.equal(hfAt(wad(2_600)));
      expect(await vm.healthFactor(id)).to.be.lt(WAD);
    });
  });

  describe("WBTC (8 decimals)", () => {
    it("values satoshis at 1e10 × price and stops borrowing at the ratio", async () => {
      const id = await openVault(sys, alice, sys.wbtc, 50_000_000n, 0n); // 0.5 BTC = 30,000 USD
      const rate = await freezeRate(sys, sys.wbtc);
      let max = wad(18_750) + 2n;
      while (wadMulUp(debtAfterBorrow(0n, max, rate), WBTC_SETUP.borrowRatio) > wad(30_000)) max--;
      await expect(vm.connect(alice).borrow(id, max + 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(id, wad(30_000), wadMulUp(debtAfterBorrow(0n, max + 1n, rate), WBTC_SETUP.borrowRatio));
      await vm.connect(alice).borrow(id, max, alice.address);
      const debt = await vm.debtOf(id);
      expect(await vm.healthFactor(id)).to.equal(wadDivDown(wad(30_000), wadMulUp(debt, WBTC_SETUP.liquidationRatio)));
      // 30,000 / (18,750 × 1.5) = 1.0666…
      expect(await vm.healthFactor(id)).to.be.within(wad("1.0666"), wad("1.0667"));
    });

    it("values an odd amount at an odd price exactly (8-decimal amount × 8-decimal feed)", async () => {
      const id = await openVault(sys, alice, sys.wbtc, 12_345_679n, wad(500)); // 0.12345679 BTC
      await sys.btcFeed.updateAnswer(feedAnswer("60000.12345679"));
      await freezeRate(sys, sys.wbtc);
      const value = valueDown(12_345_679n, 8n, wad("60000.12345679"));
      expect(value).to.equal(12_345_679n * 6_000_012_345_679n * 100n); // 7,407.40… USD, no rounding needed
      const debt = await vm.debtOf(id);
      expect(await vm.healthFactor(id)).to.equal(wadDivDown(value, wadMulUp(debt, WBTC_SETUP.liquidationRatio)));
    });
  });

  describe("rounding of the collateral value", () => {
    it("rounds the value down: a borrow that an exact (or rounded-up) value would allow fails by 1 wei", async () => {
      // ETH at 3,000.00000001: value = amount × 300000000001 / 1e8, with a fraction for most amounts.
      await sys.ethFeed.updateAnswer(feedAnswer("3000.00000001"));
      const price = wad("3000.00000001");
      await fund(sys, sys.weth, alice, wad(2));
      const rate = await freezeRate(sys, sys.weth);
      const required = (amount: bigint) => wadMulUp(debtAfterBorrow(0n, amount, rate), WETH_SETUP.borrowRatio);

      // Find a collateral amount and a borrow whose requirement is exactly ⌊value⌋ + 1 = ⌈value⌉.
      let collateral = wad(1);
      let amount = 0n;
      for (; ; collateral++) {
        if ((collateral * price) % WAD === 0n) continue;
        const target = valueDown(collateral, 18n, price) + 1n;
        const guess = (target * 10n) / 16n;
        const hit = [-2n, -1n, 0n, 1n, 2n].map((d) => guess + d).find((a) => required(a) === target);
        if (hit !== undefined) {
          amount = hit;
          break;
        }
      }
      const value = valueDown(collateral, 18n, price);
      expect(ceilDiv(collateral * price, WAD)).to.equal(required(amount)); // the exact value would pass

      await vm.connect(alice).openVault(weth, collateral, 0n);
      const id = await vm.vaultCount();
      const before = await snapshot(sys);
      await expect(vm.connect(alice).borrow(id, amount, alice.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(id, value, value + 1n);
      await expectUnchanged(sys, before);
      // One more wei of collateral adds 3,000 wei of value: now it passes.
      await vm.connect(alice).deposit(id, 1n);
      await vm.connect(alice).borrow(id, amount, alice.address);
    });
  });

  // --------------------------------------------------------------------------- oracle not live

  describe("with an oracle that is not live", () => {
    const FAILURES: { name: string; status: Status; breakFeed: (s: System) => Promise<unknown> }[] = [
      { name: "a stale feed", status: Status.Stale, breakFeed: () => time.increase(ETH_HEARTBEAT + 1) },
      { name: "a zero answer", status: Status.Failed, breakFeed: (s) => s.ethFeed.updateAnswer(0n) },
      { name: "a negative answer", status: Status.Failed, breakFeed: (s) => s.ethFeed.updateAnswer(-1n) },
      { name: "an answer below minPrice", status: Status.OutOfBounds, breakFeed: (s) => s.ethFeed.updateAnswer(feedAnswer(5)) },
      { name: "an answer above maxPrice", status: Status.OutOfBounds, breakFeed: (s) => s.ethFeed.updateAnswer(feedAnswer(2_000_000)) },
      { name: "a jump > 25 % (frozen)", status: Status.Frozen, breakFeed: (s) => s.ethFeed.updateAnswer(feedAnswer(3_900)) },
      { name: "a reverting feed", status: Status.Failed, breakFeed: (s) => s.ethFeed.setMode(FeedMode.Revert) },
      { name: "a gas-burning feed", status: Status.Failed, breakFeed: (s) => s.ethFeed.setMode(FeedMode.BurnGas) },
      { name: "a malformed feed", status: Status.Failed, breakFeed: (s) => s.ethFeed.setMode(FeedMode.Malformed) },
    ];

    for (const failure of FAILURES) {
      describe(failure.name, () => {
        let debtVault: bigint;
        let freeVault: bigint;
        let closingVault: bigint;

        beforeEach(async () => {
          debtVault = await aliceVault();
          freeVault = await openVault(sys, bob, sys.weth, wad(5), 0n);
          closingVault = await openVault(sys, carol, sys.weth, wad(2), wad(1_000));
          await sys.bdol.connect(alice).transfer(carol.address, wad(10)); // for the interest
          await fund(sys, sys.weth, alice, wad(10));
          await failure.breakFeed(sys);
          const [, status] = await sys.oracle.getPrice(weth);
          expect(status).to.equal(failure.status);
        });

        it(`refuses borrow, open-with-debt and withdraw-with-debt with OracleNotLive(${Status[failure.status]})`, async () => {
          const before = await snapshot(sys);
          await expect(vm.connect(alice).borrow(debtVault, wad(100), alice.address))
            .to.be.revertedWithCustomError(vm, "OracleNotLive")
            .withArgs(weth, failure.status);
          await expect(vm.connect(alice).withdraw(debtVault, 1n, alice.address))
            .to.be.revertedWithCustomError(vm, "OracleNotLive")
            .withArgs(weth, failure.status);
          await expect(vm.connect(alice).openVault(weth, wad(10), wad(1_000)))
            .to.be.revertedWithCustomError(vm, "OracleNotLive")
            .withArgs(weth, failure.status);
          await expectUnchanged(sys, before);
        });

        it("still lets deposit, repay and close through, and a debt-free vault withdraw everything", async () => {
          await expect(vm.connect(alice).deposit(debtVault, wad(1))).to.emit(vm, "CollateralDeposited");
          await expect(vm.connect(alice).repay(debtVault, wad(1_000))).to.emit(vm, "DebtRepaid");
          await expect(vm.connect(carol).closeVault(closingVault, carol.address)).to.changeTokenBalance(sys.weth, carol, wad(2));
          await expect(vm.connect(bob).withdraw(freeVault, wad(5), bob.address)).to.changeTokenBalance(sys.weth, bob, wad(5));
          await expect(vm.connect(alice).openVault(weth, wad(1), 0n)).to.emit(vm, "VaultOpened");
          expect((await vm.vaultInfo(debtVault)).collateralAmount).to.equal(wad(11));
        });
      });
    }
  });

  // --------------------------------------------------------------------------- pause

  describe("setPaused", () => {
    it("refuses borrow and withdraw-with-debt while allowing deposit, repay, close and debt-free withdraw", async () => {
      const debtVault = await aliceVault();
      const freeVault = await openVault(sys, bob, sys.weth, wad(5), 0n);
      const closingVault = await openVault(sys, carol, sys.weth, wad(2), wad(1_000));
      const btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(1_000));
      await sys.bdol.connect(alice).transfer(carol.address, wad(10));
      await fund(sys, sys.weth, alice, wad(10));

      await expect(vm.connect(deployer).setPaused(weth, true)).to.emit(vm, "PausedSet").withArgs(weth, true);
      expect((await vm.collateralConfig(weth)).paused).to.equal(true);

      const before = await snapshot(sys);
      await expect(vm.connect(alice).borrow(debtVault, wad(100), alice.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await expect(vm.connect(alice).withdraw(debtVault, 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await expect(vm.connect(alice).openVault(weth, wad(10), wad(1_000)))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await expectUnchanged(sys, before);

      await expect(vm.connect(alice).deposit(debtVault, wad(1))).to.emit(vm, "CollateralDeposited");
      await expect(vm.connect(alice).repay(debtVault, wad(1_000))).to.emit(vm, "DebtRepaid");
      await expect(vm.connect(carol).closeVault(closingVault, carol.address)).to.emit(vm, "VaultClosed");
      await expect(vm.connect(bob).withdraw(freeVault, wad(5), bob.address)).to.emit(vm, "CollateralWithdrawn");
      await expect(vm.connect(alice).openVault(weth, wad(1), 0n)).to.emit(vm, "VaultOpened");
      // Other collaterals are not affected.
      await expect(vm.connect(carol).borrow(btcVault, wad(100), carol.address)).to.emit(vm, "DebtBorrowed");

      await expect(vm.connect(deployer).setPaused(weth, false)).to.emit(vm, "PausedSet").withArgs(weth, false);
      await expect(vm.connect(alice).borrow(debtVault, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
    });

    it("reverts NoChange, UnknownCollateral and for non-admins", async () => {
      await expect(vm.connect(deployer).setPaused(weth, false)).to.be.revertedWithCustomError(vm, "NoChange");
      const usdc = await sys.usdc.getAddress();
      await expect(vm.connect(deployer).setPaused(usdc, true)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      await expect(vm.connect(attacker).setPaused(weth, true))
        .to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount")
        .withArgs(attacker.address, ADMIN_ROLE);
      expect((await vm.collateralConfig(weth)).paused).to.equal(false);
    });
  });

  // --------------------------------------------------------------------------- governance setters

  describe("governance setters", () => {
    const admin = () => vm.connect(deployer);

    it("every setter refuses non-admins (AccessControlUnauthorizedAccount)", async () => {
      const before = await snapshot(sys);
      const usdc = await sys.usdc.getAddress();
      const asAttacker = vm.connect(attacker);
      const calls = [
        () => asAttacker.setDebtCeiling(weth, 1n),
        () => asAttacker.setMinDebt(weth, 1n),
        () => asAttacker.setLiquidationRatio(weth, wad("1.45")),
        () => asAttacker.setBorrowRatio(weth, wad(2)),
        () => asAttacker.setLiquidationPenalty(weth, wad("0.05")),
        () => asAttacker.setStabilityFee(weth, RAY),
        () => asAttacker.setPaused(weth, true),
        () => asAttacker.setReserve(attacker.address),
        () => asAttacker.addCollateral(usdc, collateralParams(weth)),
      ];
      for (const call of calls) {
        await expect(call()).to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount").withArgs(attacker.address, ADMIN_ROLE);
      }
      await expectUnchanged(sys, before);
    });

    it("every per-collateral setter reverts UnknownCollateral for an unregistered token", async () => {
      const usdc = await sys.usdc.getAddress();
      for (const call of [
        () => admin().setDebtCeiling(usdc, 1n),
        () => admin().setMinDebt(usdc, 1n),
        () => admin().setLiquidationRatio(usdc, wad("1.5")),
        () => admin().setBorrowRatio(usdc, wad(2)),
        () => admin().setLiquidationPenalty(usdc, wad("0.05")),
        () => admin().setStabilityFee(usdc, RAY),
        () => admin().setPaused(usdc, true),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      }
    });

    describe("setDebtCeiling", () => {
      it("sets with old/new event, rejects NoChange and values above uint128", async () => {
        await expect(admin().setDebtCeiling(weth, wad(5)))
          .to.emit(vm, "DebtCeilingSet")
          .withArgs(weth, WETH_SETUP.debtCeiling, wad(5));
        expect((await vm.collateralConfig(weth)).debtCeiling).to.equal(wad(5));
        await expect(admin().setDebtCeiling(weth, wad(5))).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin().setDebtCeiling(weth, UINT128_MAX + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(UINT128_MAX + 1n, 0n, UINT128_MAX);
        await expect(admin().setDebtCeiling(weth, 0n)).to.emit(vm, "DebtCeilingSet").withArgs(weth, wad(5), 0n);
        expect((await vm.collateralConfig(weth)).debtCeiling).to.equal(0n);
      });
    });

    describe("setMinDebt", () => {
      it("sets with old/new event, rejects NoChange and values above MAX_MIN_DEBT", async () => {
        await expect(admin().setMinDebt(weth, MAX_MIN_DEBT)).to.emit(vm, "MinDebtSet").withArgs(weth, WETH_SETUP.minDebt, MAX_MIN_DEBT);
        await expect(admin().setMinDebt(weth, MAX_MIN_DEBT)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin().setMinDebt(weth, MAX_MIN_DEBT + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_MIN_DEBT + 1n, 0n, MAX_MIN_DEBT);
        expect((await vm.collateralConfig(weth)).minDebt).to.equal(MAX_MIN_DEBT);
      });
    });

    describe("setLiquidationRatio", () => {
      it("moves by at most MAX_LIQUIDATION_RATIO_STEP per call (StepTooLarge)", async () => {
        await admin().setBorrowRatio(weth, wad(3));
        const lr = WETH_SETUP.liquidationRatio;
        await expect(admin().setLiquidationRatio(weth, lr + MAX_LIQUIDATION_RATIO_STEP + 1n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(lr, lr + MAX_LIQUIDATION_RATIO_STEP + 1n, MAX_LIQUIDATION_RATIO_STEP);
        await expect(admin().setLiquidationRatio(weth, lr - MAX_LIQUIDATION_RATIO_STEP - 1n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(lr, lr - MAX_LIQUIDATION_RATIO_STEP - 1n, MAX_LIQUIDATION_RATIO_STEP);
        await expect(admin().setLiquidationRatio(weth, lr + MAX_LIQUIDATION_RATIO_STEP))
          .to.emit(vm, "LiquidationRatioSet")
          .withArgs(weth, lr, lr + MAX_LIQUIDATION_RATIO_STEP);
        expect((await vm.collateralConfig(weth)).liquidationRatio).to.equal(lr + MAX_LIQUIDATION_RATIO_STEP);
      });

      it("stays within [1, 5] and at or below the borrow ratio", async () => {
        await expect(admin().setLiquidationRatio(weth, MIN_LIQUIDATION_RATIO - 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MIN_LIQUIDATION_RATIO - 1n, MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO);
        await expect(admin().setLiquidationRatio(weth, MAX_LIQUIDATION_RATIO + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_LIQUIDATION_RATIO + 1n, MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO);
        await expect(admin().setLiquidationRatio(weth, WETH_SETUP.borrowRatio + 1n))
          .to.be.revertedWithCustomError(vm, "BorrowRatioBelowLiquidationRatio")
          .withArgs(WETH_SETUP.borrowRatio, WETH_SETUP.borrowRatio + 1n);
        await expect(admin().setLiquidationRatio(weth, WETH_SETUP.liquidationRatio)).to.be.revertedWithCustomError(vm, "NoChange");
        // Equal to the borrow ratio is allowed.
        await expect(admin().setLiquidationRatio(weth, WETH_SETUP.borrowRatio))
          .to.emit(vm, "LiquidationRatioSet")
          .withArgs(weth, WETH_SETUP.liquidationRatio, WETH_SETUP.borrowRatio);
      });
    });

    describe("setBorrowRatio", () => {
      it("stays within [liquidation ratio, 10] with old/new event and NoChange", async () => {
        await expect(admin().setBorrowRatio(weth, WETH_SETUP.liquidationRatio - 1n))
          .to.be.revertedWithCustomError(vm, "BorrowRatioBelowLiquidationRatio")
          .withArgs(WETH_SETUP.liquidationRatio - 1n, WETH_SETUP.liquidationRatio);
        await expect(admin().setBorrowRatio(weth, wad("0.9")))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(wad("0.9"), MIN_LIQUIDATION_RATIO, MAX_BORROW_RATIO);
        await expect(admin().setBorrowRatio(weth, MAX_BORROW_RATIO + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_BORROW_RATIO + 1n, MIN_LIQUIDATION_RATIO, MAX_BORROW_RATIO);
        await expect(admin().setBorrowRatio(weth, WETH_SETUP.borrowRatio)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin().setBorrowRatio(weth, MAX_BORROW_RATIO))
          .to.emit(vm, "BorrowRatioSet")
          .withArgs(weth, WETH_SETUP.borrowRatio, MAX_BORROW_RATIO);
        await expect(admin().setBorrowRatio(weth, WETH_SETUP.liquidationRatio))
          .to.emit(vm, "BorrowRatioSet")
          .withArgs(weth, MAX_BORROW_RATIO, WETH_SETUP.liquidationRatio);
      });

      it("takes effect on the next borrow", async () => {
        const id = await openVault(sys, alice, sys.weth, wad(10), 0n);
        await admin().setBorrowRatio(weth, wad(3)); // 30,000 USD now backs at most 10,000
        await expect(vm.connect(alice).borrow(id, wad(10_001), alice.address))
          .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
          .withArgs(id, wad(30_000), within(wad(30_003), wad(30_003) + 6n));
        await vm.connect(alice).borrow(id, wad(9_999), alice.address);
      });
    });

    describe("setLiquidationPenalty", () => {
      it("stays within [0, 25 %], moves by at most 5 % per call, with old/new event and NoChange", async () => {
        const p = WETH_SETUP.liquidationPenalty; // 10 %
        await expect(admin().setLiquidationPenalty(weth, p + MAX_LIQUIDATION_PENALTY_STEP + 1n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(p, p + MAX_LIQUIDATION_PENALTY_STEP + 1n, MAX_LIQUIDATION_PENALTY_STEP);
        await expect(admin().setLiquidationPenalty(weth, 0n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(p, 0n, MAX_LIQUIDATION_PENALTY_STEP);
        await expect(admin().setLiquidationPenalty(weth, p)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin().setLiquidationPenalty(weth, p + MAX_LIQUIDATION_PENALTY_STEP))
          .to.emit(vm, "LiquidationPenaltySet")
          .withArgs(weth, p, p + MAX_LIQUIDATION_PENALTY_STEP);
        await admin().setLiquidationPenalty(weth, wad("0.2"));
        await admin().setLiquidationPenalty(weth, MAX_LIQUIDATION_PENALTY);
        await expect(admin().setLiquidationPenalty(weth, MAX_LIQUIDATION_PENALTY + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_LIQUIDATION_PENALTY + 1n, 0n, MAX_LIQUIDATION_PENALTY);
        expect((await vm.collateralConfig(weth)).liquidationPenalty).to.equal(MAX_LIQUIDATION_PENALTY);
      });
    });

    describe("setStabilityFee", () => {
      it("stays within [1 RAY, MAX_STABILITY_FEE] with old/new event and NoChange", async () => {
        await expect(admin().setStabilityFee(weth, RAY - 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(RAY - 1n, RAY, MAX_STABILITY_FEE);
        await expect(admin().setStabilityFee(weth, MAX_STABILITY_FEE + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_STABILITY_FEE + 1n, RAY, MAX_STABILITY_FEE);
        await expect(admin().setStabilityFee(weth, WETH_SETUP.stabilityFee)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin().setStabilityFee(weth, MAX_STABILITY_FEE))
          .to.emit(vm, "StabilityFeeSet")
          .withArgs(weth, WETH_SETUP.stabilityFee, MAX_STABILITY_FEE);
        // MAX_STABILITY_FEE compounds to 100 % a year.
        expectRelativelyClose(rpowUp(MAX_STABILITY_FEE, SECONDS_PER_YEAR), 2n * RAY, "MAX_STABILITY_FEE over a year");
      });

      it("accrues at the old fee first, then compounds at the new one (closed form)", async () => {
        const id = await aliceVault();
        const { rateAccumulator: r0, lastAccrual: t0, totalNormalizedDebt: normalized } = await vm.collateralConfig(weth);
        const newFee = WBTC_SETUP.stabilityFee; // 1.5 % a year
        const half = SECONDS_PER_YEAR / 2n;

        await time.setNextBlockTimestamp(t0 + half);
        const r1 = rayMulUp(r0, rpowUp(WETH_SETUP.stabilityFee, half));
        const fee1 = rayMulUp(normalized, r1) - rayMulUp(normalized, r0);
        await expect(admin().setStabilityFee(weth, newFee))
          .to.emit(vm, "FeesAccrued")
          .withArgs(weth, r1, fee1)
          .and.to.emit(vm, "StabilityFeeSet")
          .withArgs(weth, WETH_SETUP.stabilityFee, newFee);
        expect((await vm.collateralConfig(weth)).rateAccumulator).to.equal(r1);

        await time.setNextBlockTimestamp(t0 + SECONDS_PER_YEAR);
        await vm.accrue(weth);
        const r2 = rayMulUp(r1, rpowUp(newFee, SECONDS_PER_YEAR - half));
        expect((await vm.collateralConfig(weth)).rateAccumulator).to.equal(r2);
        // Closed form: 10,000 × 1.02^½ × 1.015^½.
        const g1 = powPrecise(WETH_SETUP.stabilityFee, half);
        const g2 = powPrecise(newFee, SECONDS_PER_YEAR - half);
        const expected = (((((normalized * r0) / RAY) * g1.value) / g1.scale) * g2.value) / g2.scale;
        expectRelativelyClose(await vm.debtOf(id), expected, "debt across a fee change");
        // Had the new fee applied to the whole year the debt would be ~0.25 % lower: distinguishable.
        const g = powPrecise(newFee, SECONDS_PER_YEAR);
        expect(await vm.debtOf(id)).to.be.gt(((normalized * r0) / RAY) * g.value / g.scale + wad(20));
      });
    });

    describe("setReserve", () => {
      it("accrues to the old reserve, then sends fees to the new one", async () => {
        await aliceVault();
        await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(10_000));
        await time.increase(30 * 24 * 3600);
        const oldReserve = await sys.reserve.getAddress();
        const oldBefore = await sys.bdol.balanceOf(oldReserve);

        const tx = await admin().setReserve(carol.address);
        await expect(tx).to.emit(vm, "ReserveSet").withArgs(oldReserve, carol.address);
        const fees = await eventsOf(tx, vm, "FeesAccrued");
        expect(fees.map((f) => f.collateral)).to.deep.equal([weth, wbtc]);
        const accrued = fees.reduce((sum, f) => sum + f.fee, 0n);
        expect(accrued).to.be.gt(0n);
        expect(await sys.bdol.balanceOf(oldReserve)).to.equal(oldBefore + accrued);
        expect(await sys.bdol.balanceOf(carol.address)).to.equal(0n);
        expect(await vm.reserve()).to.equal(carol.address);

        await time.increase(30 * 24 * 3600);
        const tx2 = await vm.accrue(weth);
        const [fee] = await eventsOf(tx2, vm, "FeesAccrued");
        expect(fee.fee).to.be.gt(0n);
        expect(await sys.bdol.balanceOf(carol.address)).to.equal(fee.fee);
        expect(await sys.bdol.balanceOf(oldReserve)).to.equal(oldBefore + accrued);
      });

      it("reverts ZeroAddress and NoChange", async () => {
        await expect(admin().setReserve(ethers.ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
        await expect(admin().setReserve(await sys.reserve.getAddress())).to.be.revertedWithCustomError(vm, "NoChange");
      });
    });

    describe("addCollateral", () => {
      it("registers a 6-decimal token, which then backs vaults at its own scale", async () => {
        const token = await ethers.deployContract("MockERC20", ["Six", "SIX", 6]);
        const asset = await token.getAddress();
        const feed = await ethers.deployContract("MockAggregator", [8, "SIX / USD", feedAnswer(2)]);
        await sys.oracle
          .connect(deployer)
          .setFeed(asset, await feed.getAddress(), ethers.ZeroAddress, 3_900, wad("0.01"), wad(100), wad("0.25"), wad("0.94"));
        const params = collateralParams(asset);
        const tx = admin().addCollateral(asset, params);
        await expect(tx)
          .to.emit(vm, "CollateralAdded")
          .withArgs(asset, [
            params.oracleAsset,
            params.debtCeiling,
            params.minDebt,
            params.liquidationRatio,
            params.borrowRatio,
            params.liquidationPenalty,
            params.stabilityFee,
          ]);
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc, asset]);
        const c = await vm.collateralConfig(asset);
        expect(c.enabled).to.equal(true);
        expect(c.decimals).to.equal(6n);
        expect(c.rateAccumulator).to.equal(RAY);
        expect(c.lastAccrual).to.equal(BigInt(await time.latest()));
        expect(c.stabilityFee).to.equal(params.stabilityFee);

        // 1,000 SIX at 2 USD = 2,000 USD: borrows up to 1,250 at 1.6.
        const id = await openVault(sys, alice, token as unknown as MockERC20, 1_000n * 10n ** 6n, 0n);
        await expect(vm.connect(alice).borrow(id, wad(1_251), alice.address))
          .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
          .withArgs(id, wad(2_000), within(wad("2001.6"), wad("2001.6") + 2n));
        await vm.connect(alice).borrow(id, wad(1_249), alice.address);
      });

      it("reverts CollateralAlreadyAdded, ZeroAddress and an unknown oracle asset", async () => {
        await expect(admin().addCollateral(weth, collateralParams(weth)))
          .to.be.revertedWithCustomError(vm, "CollateralAlreadyAdded")
          .withArgs(weth);
        const usdt = await (await ethers.deployContract("MockERC20", ["Tether", "USDT", 6])).getAddress();
        await expect(admin().addCollateral(ethers.ZeroAddress, collateralParams(weth))).to.be.revertedWithCustomError(vm, "ZeroAddress");
        await expect(admin().addCollateral(usdt, collateralParams(ethers.ZeroAddress))).to.be.revertedWithCustomError(vm, "ZeroAddress");
        await expect(admin().addCollateral(usdt, collateralParams(usdt)))
          .to.be.revertedWithCustomError(sys.oracle, "UnknownAsset")
          .withArgs(usdt);
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      });

      it("reverts UnsupportedDecimals above 18 decimals", async () => {
        for (const decimals of [19n, 24n]) {
          const token = await (await ethers.deployContract("MockERC20", ["Many", "MANY", decimals])).getAddress();
          await expect(admin().addCollateral(token, collateralParams(weth)))
            .to.be.revertedWithCustomError(vm, "UnsupportedDecimals")
            .withArgs(token, decimals);
        }
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      });

      it("checks every parameter against its hard bound", async () => {
        const token = await (await ethers.deployContract("MockERC20", ["T", "T", 18])).getAddress();
        const base = collateralParams(weth); // priced like WETH
        const cases: [Partial<IVaultManager.CollateralParamsStruct>, string, unknown[]][] = [
          [{ liquidationRatio: wad("0.99") }, "OutOfBounds", [wad("0.99"), MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO]],
          [{ liquidationRatio: wad("5.1"), borrowRatio: wad(6) }, "OutOfBounds", [wad("5.1"), MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO]],
          [{ borrowRatio: wad("10.1") }, "OutOfBounds", [wad("10.1"), MIN_LIQUIDATION_RATIO, MAX_BORROW_RATIO]],
          [{ borrowRatio: wad("1.4") }, "BorrowRatioBelowLiquidationRatio", [wad("1.4"), wad("1.5")]],
          [{ liquidationPenalty: wad("0.26") }, "OutOfBounds", [wad("0.26"), 0n, MAX_LIQUIDATION_PENALTY]],
          [{ stabilityFee: RAY - 1n }, "OutOfBounds", [RAY - 1n, RAY, MAX_STABILITY_FEE]],
          [{ stabilityFee: MAX_STABILITY_FEE + 1n }, "OutOfBounds", [MAX_STABILITY_FEE + 1n, RAY, MAX_STABILITY_FEE]],
          [{ minDebt: MAX_MIN_DEBT + 1n }, "OutOfBounds", [MAX_MIN_DEBT + 1n, 0n, MAX_MIN_DEBT]],
        ];
        for (const [override, error, args] of cases) {
          await expect(admin().addCollateral(token, { ...base, ...override }), `${error} ${JSON.stringify(override, (_, v) => String(v))}`)
            .to.be.revertedWithCustomError(vm, error)
            .withArgs(...args);
        }
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      });

      it(`stops at MAX_COLLATERALS (${MAX_COLLATERALS}) with TooManyCollaterals`, async () => {
        for (let i = 2n; i < MAX_COLLATERALS; i++) {
          const token = await ethers.deployContract("MockERC20", [`T${i}`, `T${i}`, 18]);
          await admin().addCollateral(await token.getAddress(), collateralParams(weth));
        }
        expect((await vm.collaterals()).length).to.equal(Number(MAX_COLLATERALS));
        const extra = await (await ethers.deployContract("MockERC20", ["X", "X", 18])).getAddress();
        await expect(admin().addCollateral(extra, collateralParams(weth)))
          .to.be.revertedWithCustomError(vm, "TooManyCollaterals")
          .withArgs(MAX_COLLATERALS);
        // setReserve accrues every collateral: still well within a block.
        const tx = await admin().setReserve(carol.address);
        expect((await tx.wait())!.gasUsed).to.be.lt(2_000_000n);
      });
    });
  });

  // --------------------------------------------------------------------------- odd tokens

  describe("odd tokens", () => {
    it("credits a fee-on-transfer token by the balance that arrived", async () => {
      const fot = await ethers.deployContract("MockFeeOnTransferToken", [100n]); // 1 % per transfer
      const asset = await fot.getAddress();
      await registerCollateral(sys, fot, 100);
      await fot.mint(alice.address, wad(1_100));
      await fot.connect(alice).approve(await vm.getAddress(), ethers.MaxUint256);

      await expect(vm.connect(alice).openVault(asset, wad(1_000), 0n))
        .to.emit(vm, "CollateralDeposited")
        .withArgs(1n, alice.address, wad(990));
      expect((await vm.vaultInfo(1n)).collateralAmount).to.equal(wad(990));
      await expect(vm.connect(alice).deposit(1n, wad(100))).to.emit(vm, "CollateralDeposited").withArgs(1n, alice.address, wad(99));
      expect((await vm.vaultInfo(1n)).collateralAmount).to.equal(wad(1_089));
      expect((await vm.collateralConfig(asset)).totalCollateral).to.equal(wad(1_089));
      expect(await fot.balanceOf(await vm.getAddress())).to.equal(wad(1_089));

      // Borrowing is priced on what arrived: 1,089 × 100 USD = 108,900 USD backs at most 68,062.5.
      await expect(vm.connect(alice).borrow(1n, wad(68_063), alice.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(1n, wad(108_900), anyValue);
      // Withdrawing debits the vault what it sends; the recipient gets it minus the token's fee.
      await expect(vm.connect(alice).withdraw(1n, wad(89), bob.address)).to.changeTokenBalance(fot, bob, wad("88.11"));
      expect((await vm.vaultInfo(1n)).collateralAmount).to.equal(wad(1_000));
      expect(await fot.balanceOf(await vm.getAddress())).to.equal((await vm.collateralConfig(asset)).totalCollateral);
    });

    it("handles a token whose transfers return nothing through SafeERC20", async () => {
      const nrt = await ethers.deployContract("MockNoReturnToken", [18]);
      const asset = await nrt.getAddress();
      await registerCollateral(sys, nrt, 10);
      await nrt.mint(alice.address, wad(1_000));
      await nrt.connect(alice).approve(await vm.getAddress(), ethers.MaxUint256);
      const manager = await vm.getAddress();

      await vm.connect(alice).openVault(asset, wad(600), wad(1_000));
      await vm.connect(alice).deposit(1n, wad(400));
      expect(await nrt.balanceOf(manager)).to.equal(wad(1_000));
      expect((await vm.vaultInfo(1n)).collateralAmount).to.equal(wad(1_000));
      await vm.connect(alice).withdraw(1n, wad(300), bob.address);
      expect(await nrt.balanceOf(bob.address)).to.equal(wad(300));
      await spareBdol(sys, bob, wad(500));
      await sys.bdol.connect(bob).transfer(alice.address, wad(1)); // for the interest
      await vm.connect(alice).closeVault(1n, carol.address);
      expect(await nrt.balanceOf(carol.address)).to.equal(wad(700));
      expect(await nrt.balanceOf(manager)).to.equal(0n);
    });

    it("reverts with ReentrancyGuardReentrantCall when a token hook re-enters, changing nothing", async () => {
      const hook = await ethers.deployContract("MockReentrantToken");
      const asset = await hook.getAddress();
      await registerCollateral(sys, hook, 100);
      await hook.mint(alice.address, wad(1_000));
      await hook.connect(alice).approve(await vm.getAddress(), ethers.MaxUint256);
      await vm.connect(alice).openVault(asset, wad(500), wad(10_000));
      const id = await vm.vaultCount();
      // The hook token is even an approved operator of alice, so its calls would pass without the guard.
      await vm.connect(alice).setOperator(asset, true);
      await spareBdol(sys, bob, wad(1_000));
      await sys.bdol.connect(bob).transfer(alice.address, wad(1_000)); // enough to close
      const manager = await vm.getAddress();

      const before = await snapshot(sys, [hook]);
      // During deposit's transferFrom the hook tries to withdraw.
      await hook.setHook(manager, vm.interface.encodeFunctionData("withdraw", [id, wad(100), attacker.address]));
      await expect(vm.connect(alice).deposit(id, wad(100))).to.be.revertedWithCustomError(vm, "ReentrancyGuardReentrantCall");
      // During withdraw's transfer the hook tries to borrow.
      await hook.setHook(manager, vm.interface.encodeFunctionData("borrow", [id, wad(1_000), attacker.address]));
      await expect(vm.connect(alice).withdraw(id, wad(1), alice.address)).to.be.revertedWithCustomError(vm, "ReentrancyGuardReentrantCall");
      // Even a permissionless call (accrue) is refused mid-transfer.
      await hook.setHook(manager, vm.interface.encodeFunctionData("accrue", [weth]));
      await expect(vm.connect(alice).closeVault(id, alice.address)).to.be.revertedWithCustomError(vm, "ReentrancyGuardReentrantCall");
      await expectUnchanged(sys, before, [hook]);

      // Outside a vault-manager call the same hook calls go through: the guard is what stopped them.
      await expect(hook.connect(alice).transfer(bob.address, 1n)).to.emit(vm, "FeesAccrued");
      await hook.setHook(manager, vm.interface.encodeFunctionData("borrow", [id, wad(1_000), attacker.address]));
      await expect(hook.connect(alice).transfer(bob.address, 1n)).to.changeTokenBalance(sys.bdol, attacker, wad(1_000));
    });
  });
});

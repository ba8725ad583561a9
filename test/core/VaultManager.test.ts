import { expect } from "chai";
import hre, { artifacts, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse, Interface, Result } from "ethers";

import { networkConfig } from "../../config/networks";
import { PriceStatus, RAY, SECONDS_PER_YEAR, WAD, bounds, rayDivUp, rayMulUp, rpowUp, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, feedParams, fund, loadSystem, openVault, type System } from "../helpers/fixtures";
import type { IVaultManager, MockAggregator, MockERC20, VaultManager } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

// ----------------------------------------------------------------------------- constants

const LOCAL = networkConfig("hardhat");
const WETH_SETUP = LOCAL.collaterals.WETH;
const WBTC_SETUP = LOCAL.collaterals.WBTC;
const ETH_HEARTBEAT = WETH_SETUP.feed.heartbeat;
const DAY = 24 * 3600;

const Status = PriceStatus;
type Status = PriceStatus;

/** Mirrors `MockAggregator.Mode`. */
enum FeedMode {
  Normal,
  Revert,
  BurnGas,
  Malformed,
}

/** ConstantsLib hard bounds (generated from the Solidity: lib/sdk/constants.ts). */
const {
  MIN_LIQUIDATION_RATIO,
  MAX_LIQUIDATION_RATIO,
  MAX_BORROW_RATIO,
  MAX_LIQUIDATION_RATIO_STEP,
  MAX_LIQUIDATION_PENALTY,
  MAX_LIQUIDATION_PENALTY_STEP,
  MAX_STABILITY_FEE,
  MAX_RATE_ACCUMULATOR,
  MAX_DEBT_CEILING,
  MAX_MIN_DEBT,
  MAX_COLLATERALS,
} = bounds;
const YEAR = 365 * DAY;

const ADMIN_ROLE = ethers.ZeroHash;
const ETH_PRICE = wad(3_000);

// ----------------------------------------------------------------------------- fixed point (mirrors MathLib)

const rayDivDown = (x: bigint, y: bigint) => (x * RAY) / y;
const wadMulUp = (x: bigint, y: bigint) => (x * y + WAD - 1n) / WAD;
const wadDivDown = (x: bigint, y: bigint) => (x * WAD) / y;
const ceilDiv = (x: bigint, y: bigint) => (x + y - 1n) / y;
/** VaultManager._collateralValueDown. */
const valueDown = (amount: bigint, decimals: bigint, price: bigint) => (amount * 10n ** (18n - decimals) * price) / WAD;
/** The debt a vault records for a borrow of `amount` on top of `normalized` at `rate`. */
const debtAfterBorrow = (normalized: bigint, amount: bigint, rate: bigint) =>
  rayMulUp(normalized + rayDivUp(amount, rate), rate);

/** x^n for a RAY base at 60-digit precision, far finer than the 1e-9 tolerance it is checked to. */
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

/** |actual − expected| ≤ expected × ppb / 1e9 (default 1e-9). */
function expectRelativelyClose(actual: bigint, expected: bigint, what: string, ppb = 1n) {
  const diff = actual > expected ? actual - expected : expected - actual;
  expect(diff * 10n ** 9n <= expected * ppb, `${what}: ${actual} vs ${expected} (diff ${diff})`).to.equal(true);
}

/** withArgs predicate: lo ≤ x ≤ hi. */
const within = (lo: bigint, hi: bigint) => (x: bigint) => x >= lo && x <= hi;

// ----------------------------------------------------------------------------- helpers

type BalanceToken = { balanceOf(account: string): Promise<bigint>; getAddress(): Promise<string> };

interface StoredVault {
  collateral: string;
  normalizedDebt: bigint;
  owner: string;
  collateralAmount: bigint;
}

/** Where and how `_vaults` is stored, from solc's storage layout of the compiled VaultManager. */
let vaultLayout:
  | { slot: bigint; members: { label: string; slot: bigint; offset: number; bytes: number }[] }
  | undefined;

async function loadVaultLayout() {
  if (vaultLayout) return vaultLayout;
  const source = "contracts/core/VaultManager.sol";
  const info = await artifacts.getBuildInfo(`${source}:VaultManager`);
  type Layout = {
    storage: { label: string; slot: string; offset: number; type: string }[];
    types: Record<string, { numberOfBytes: string; value?: string; members?: Layout["storage"] }>;
  };
  const layout = (info!.output.contracts[source].VaultManager as unknown as { storageLayout: Layout }).storageLayout;
  const vaults = layout.storage.find((v) => v.label === "_vaults")!;
  const struct = layout.types[layout.types[vaults.type].value!];
  vaultLayout = {
    slot: BigInt(vaults.slot),
    members: struct.members!.map((m) => ({
      label: m.label,
      slot: BigInt(m.slot),
      offset: m.offset,
      bytes: Number(layout.types[m.type].numberOfBytes),
    })),
  };
  return vaultLayout;
}

/**
 * A vault exactly as stored, normalized debt included. The views only give debt × the current rate,
 * which moves with every block, so "nothing changed" is checked on storage.
 */
async function storedVault(vm: VaultManager, vaultId: bigint): Promise<StoredVault> {
  const { slot, members } = await loadVaultLayout();
  const base = BigInt(ethers.solidityPackedKeccak256(["uint256", "uint256"], [vaultId, slot]));
  const fields: Record<string, bigint> = {};
  for (const m of members) {
    const word = BigInt(await ethers.provider.getStorage(await vm.getAddress(), base + m.slot));
    fields[m.label] = (word >> BigInt(8 * m.offset)) & ((1n << BigInt(8 * m.bytes)) - 1n);
  }
  const address = (x: bigint) => ethers.getAddress(ethers.toBeHex(x, 20));
  return {
    collateral: address(fields.collateral),
    normalizedDebt: fields.normalizedDebt,
    owner: address(fields.owner),
    collateralAmount: fields.collateralAmount,
  };
}

/**
 * Everything a vault-manager call could move: every vault as stored, every collateral's state, the
 * stablecoin supply, the reserve, and the token balances of every actor, the vault manager and the
 * reserve. Reverted transactions are mined (one second later), so only time-independent state is kept.
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
  const configs = await Promise.all(collaterals.map(async (c) => [...(await vm.collateralConfig(c))]));
  const count = await vm.vaultCount();
  const vaults: StoredVault[] = [];
  for (let id = 1n; id <= count; id++) vaults.push(await storedVault(vm, id));
  const supply = await sys.bdol.totalSupply();
  return { balances, supply, collaterals, configs, count, vaults, reserve: await vm.reserve() };
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
  const vm = sys.vaultManager;
  await vm.connect(await adminOf(vm)).setStabilityFee(await token.getAddress(), RAY);
  return (await vm.collateralConfig(await token.getAddress())).rateAccumulator;
}

/** Re-publishes each feed's current answer so that none is stale after a `time.increase`. */
async function refreshFeeds(sys: System) {
  for (const feed of [sys.ethFeed, sys.btcFeed]) await feed.updateAnswer(await feed.answers(await feed.latestRound()));
}

/** Moves the ETH price in steps of at most 20 %, recording each so the circuit breaker never trips. */
async function moveEthPrice(sys: System, usd: number) {
  let current = Number(await sys.ethFeed.answers(await sys.ethFeed.latestRound())) / 1e8;
  while (current !== usd) {
    const next = usd > current ? Math.min(usd, current * 1.2) : Math.max(usd, current * 0.8);
    await sys.ethFeed.updateAnswer(feedAnswer(next.toFixed(8)));
    await sys.oracle.recordPrice(await sys.weth.getAddress());
    current = next;
  }
}

/** Gives `who` stablecoin from a WBTC vault of their own (1 BTC = 60,000 USD of collateral). */
async function spareBdol(sys: System, who: HardhatEthersSigner, amount: bigint): Promise<bigint> {
  return openVault(sys, who, sys.wbtc, 10n ** 8n, amount);
}

/** The collateral's debt as of its last accrual, ⌈N × rate⌉: what its fees have been counted against. */
async function storedDebt(vm: VaultManager, collateral: string): Promise<bigint> {
  const { totalNormalizedDebt, rateAccumulator } = await vm.collateralConfig(collateral);
  return rayMulUp(totalNormalizedDebt, rateAccumulator);
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

/** Registers `token` as a collateral with its own 8-decimal mock feed at `usdPrice`. */
async function registerCollateral(sys: System, token: BaseContract, usdPrice: number): Promise<MockAggregator> {
  const feed = await ethers.deployContract("MockAggregator", [8, "TOKEN / USD", feedAnswer(usdPrice)]);
  const asset = await token.getAddress();
  await sys.oracle
    .connect(await adminOf(sys.oracle))
    .setFeed(asset, feedParams(await feed.getAddress(), { minPrice: wad("0.01") }));
  await sys.vaultManager.connect(await adminOf(sys.vaultManager)).addCollateral(asset, collateralParams(asset));
  return feed as unknown as MockAggregator;
}

// ============================================================================= tests

describe("VaultManager", () => {
  let sys: System;
  let vm: VaultManager;
  let admin: VaultManager;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let attacker: HardhatEthersSigner;
  let weth: string;
  let wbtc: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol, attacker } = sys);
    vm = sys.vaultManager;
    admin = vm.connect(await adminOf(vm));
    weth = await sys.weth.getAddress();
    wbtc = await sys.wbtc.getAddress();
  });

  /** alice: 10 WETH (30,000 USD), 10,000 BDOL of debt. */
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
        expect(c.accruedFees).to.equal(0n);
        expect(c.rateAccumulator).to.equal(RAY); // nothing has accrued yet
      }
      expect((await vm.collateralConfig(await sys.usdc.getAddress())).enabled).to.equal(false);
    });

    it("wires the stablecoin, oracle, reserve and admin", async () => {
      expect(await vm.stablecoin()).to.equal(await sys.bdol.getAddress());
      expect(await vm.oracle()).to.equal(await sys.oracle.getAddress());
      expect(await vm.reserve()).to.equal(await sys.reserve.getAddress());
      expect(await sys.bdol.isModule(await vm.getAddress())).to.equal(true);
      expect(await vm.vaultCount()).to.equal(0n);
      expect(await vm.hasRole(ADMIN_ROLE, sys.attacker.address)).to.equal(false);
    });

    it("rejects a zero address in the constructor", async () => {
      const factory = await ethers.getContractFactory("VaultManager");
      const addresses = [await sys.bdol.getAddress(), await sys.oracle.getAddress(), await sys.reserve.getAddress()];
      for (let i = 0; i < 4; i++) {
        const args = [...addresses, alice.address];
        args[i] = ethers.ZeroAddress;
        await expect(factory.deploy(args[0], args[1], args[2], args[3])).to.be.revertedWithCustomError(
          factory,
          "ZeroAddress",
        );
      }
    });

    it("uses the fee perSecondRate(0.02) built: it compounds to 1.02 over a year", async () => {
      expectRelativelyClose(
        rpowUp(WETH_SETUP.stabilityFee, SECONDS_PER_YEAR),
        (RAY * 102n) / 100n,
        "WETH annual growth",
      );
      expectRelativelyClose(
        rpowUp(WBTC_SETUP.stabilityFee, SECONDS_PER_YEAR),
        (RAY * 1015n) / 1000n,
        "WBTC annual growth",
      );
    });
  });

  // --------------------------------------------------------------------------- openVault

  describe("openVault", () => {
    it("pulls the collateral, mints the debt to the caller and emits VaultOpened with the rate", async () => {
      await fund(sys, sys.weth, alice, wad(10));
      const tx = await vm.connect(alice).openVault(weth, wad(10), wad(10_000));
      const config = await vm.collateralConfig(weth);
      const rate = config.rateAccumulator;
      expect(rate).to.be.gt(RAY); // accrued since registration
      await expect(tx)
        .to.emit(vm, "VaultOpened")
        .withArgs(1n, alice.address, weth, wad(10), wad(10_000), rate)
        .and.not.to.emit(vm, "FeesAccrued");
      await expect(tx).to.changeTokenBalances(sys.weth, [alice, vm], [-wad(10), wad(10)]);
      await expect(tx).to.changeTokenBalance(sys.bdol, alice, wad(10_000));

      const [owner, collateral, amount, debt] = await vm.vaultInfo(1n);
      expect([owner, collateral, amount]).to.deep.equal([alice.address, weth, wad(10)]);
      expect(config.totalNormalizedDebt).to.equal(rayDivUp(wad(10_000), rate));
      expect(debt).to.equal(rayMulUp(rayDivUp(wad(10_000), rate), rate));
      // Debt rounds up: at least what was minted, at most one wei more.
      expect(debt).to.be.within(wad(10_000), wad(10_000) + 1n);
      expect(await vm.debtOf(1n)).to.equal(debt);
      expect(config.totalCollateral).to.equal(wad(10));
      expect(config.lastAccrual).to.equal(BigInt(await time.latest()));
      expect(await vm.vaultCount()).to.equal(1n);
    });

    it("opens collateral-only vaults with increasing ids and no debt", async () => {
      await fund(sys, sys.weth, alice, wad(1));
      await expect(vm.connect(alice).openVault(weth, wad(1), 0n))
        .to.emit(vm, "VaultOpened")
        .withArgs(1n, alice.address, weth, wad(1), 0n, RAY);
      expect(await openVault(sys, bob, sys.wbtc, 10n ** 8n, 0n)).to.equal(2n);
      expect(await vm.vaultInfo(1n)).to.deep.equal([alice.address, weth, wad(1), 0n]);
      expect(await vm.vaultInfo(2n)).to.deep.equal([bob.address, wbtc, 10n ** 8n, 0n]);
      expect(await vm.healthFactor(1n)).to.equal(ethers.MaxUint256);
      expect(await sys.bdol.totalSupply()).to.equal(0n);
      // A collateral-only open does not accrue.
      expect((await vm.collateralConfig(weth)).rateAccumulator).to.equal(RAY);
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
      // 30,000 USD of collateral; 20,000 of debt needs 32,000.
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
      const tx = vm.connect(bob).deposit(id, wad(1));
      await expect(tx).to.emit(vm, "CollateralDeposited").withArgs(id, bob.address, wad(1));
      await expect(tx).to.changeTokenBalances(sys.weth, [bob, vm], [-wad(1), wad(1)]);
      const [owner, , amount] = await vm.vaultInfo(id);
      expect(owner).to.equal(alice.address);
      expect(amount).to.equal(wad(11));
      expect((await vm.collateralConfig(weth)).totalCollateral).to.equal(wad(11));
    });

    it("reverts ZeroAmount and UnknownVault, changing nothing", async () => {
      const id = await aliceVault();
      await fund(sys, sys.weth, bob, wad(1));
      const before = await snapshot(sys);
      await expect(vm.connect(bob).deposit(id, 0n)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(bob).deposit(42n, wad(1)))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(42n);
      await expect(vm.connect(bob).deposit(0n, wad(1)))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(0n);
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
      // value(remaining) = remaining × 3000 exactly, so the least remaining is ⌈required / 3000⌉.
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
      await expect(vm.connect(alice).withdraw(id, 1n, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vm,
        "ZeroAddress",
      );
      await expect(vm.connect(alice).withdraw(7n, 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(7n);
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
    it("accrues into accruedFees, mints to `to` and records the normalized debt rounded up", async () => {
      const id = await aliceVault();
      await time.increase(30 * DAY);
      await refreshFeeds(sys);
      const c0 = await vm.collateralConfig(weth);
      const tx = await vm.connect(alice).borrow(id, wad(1_000), bob.address);
      const c1 = await vm.collateralConfig(weth);
      const rate = c1.rateAccumulator;
      await expect(tx)
        .to.emit(vm, "DebtBorrowed")
        .withArgs(id, bob.address, wad(1_000), rate)
        .and.not.to.emit(vm, "FeesAccrued");
      await expect(tx).to.changeTokenBalances(sys.bdol, [bob, alice, sys.reserve], [wad(1_000), 0n, 0n]);
      expect(c1.totalNormalizedDebt - c0.totalNormalizedDebt).to.equal(rayDivUp(wad(1_000), rate));
      // The interest of the 30 days is owed to the reserve but not minted yet.
      const fee = rayMulUp(c0.totalNormalizedDebt, rate) - rayMulUp(c0.totalNormalizedDebt, c0.rateAccumulator);
      expect(c1.accruedFees - c0.accruedFees).to.equal(fee);
      expect(await vm.pendingFees(weth)).to.equal(c1.accruedFees);
      // Thirty days at 2 % a year: ~16.3 BDOL of interest on 10,000, plus the new 1,000.
      expect(fee).to.be.within(wad(16), wad(17));
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
      // The least borrow whose rounded-up debt reaches the 500 BDOL minimum.
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
      await admin.setDebtCeiling(weth, wad(20_000));
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
      await expect(vm.connect(alice).borrow(id, wad(1), ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vm,
        "ZeroAddress",
      );
      await expect(vm.connect(alice).borrow(9n, wad(1), alice.address))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(9n);
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
      await time.increase(90 * DAY);
      await refreshFeeds(sys);
      const rate = await freezeRate(sys, sys.weth);
      expect(rate).to.be.gt(RAY);
      // Rounded down, a 1-wei borrow would record nothing: free money.
      expect(rayDivDown(1n, rate)).to.equal(0n);
      const debtBefore = await vm.debtOf(id);
      const normalizedBefore = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      await expect(vm.connect(alice).borrow(id, 1n, alice.address))
        .to.emit(vm, "DebtBorrowed")
        .withArgs(id, alice.address, 1n, rate);
      expect((await vm.collateralConfig(weth)).totalNormalizedDebt).to.equal(normalizedBefore + 1n);
      expect(await vm.debtOf(id)).to.be.gte(debtBefore + 1n);

      // A larger amount whose exact normalized value has a fraction is recorded as the ceiling.
      let amount = wad(600) + 12_345n;
      while ((amount * RAY) % rate === 0n) amount++;
      const n0 = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      await vm.connect(alice).borrow(id, amount, alice.address);
      const added = (await vm.collateralConfig(weth)).totalNormalizedDebt - n0;
      expect(added).to.equal(rayDivDown(amount, rate) + 1n);
      expect(rayMulUp(added, rate)).to.be.gte(amount);
    });
  });

  // --------------------------------------------------------------------------- repay

  describe("repay", () => {
    it("lets anyone repay any vault with their own stablecoin", async () => {
      const id = await aliceVault();
      await spareBdol(sys, bob, wad(2_000));
      const debtBefore = await vm.debtOf(id);
      const n0 = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const tx = await vm.connect(bob).repay(id, wad(1_000));
      const { rateAccumulator: rate, totalNormalizedDebt: n1 } = await vm.collateralConfig(weth);
      await expect(tx).to.emit(vm, "DebtRepaid").withArgs(id, bob.address, wad(1_000), rate);
      await expect(tx).to.changeTokenBalances(sys.bdol, [bob, alice], [-wad(1_000), 0n]);
      expect(n0 - n1).to.equal(rayDivDown(wad(1_000), rate));
      expect(await vm.debtOf(id)).to.be.within(debtBefore - wad(1_000), debtBefore - wad(1_000) + wad("0.001"));
    });

    it("credits a partial repay down: the debt never falls by more than was paid", async () => {
      const id = await aliceVault();
      await time.increase(90 * DAY);
      const rate = await freezeRate(sys, sys.weth);
      let amount = wad(1_234) + 567n;
      while ((amount * RAY) % rate === 0n) amount++;
      const debtBefore = await vm.debtOf(id);
      const n0 = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      await expect(vm.connect(alice).repay(id, amount))
        .to.emit(vm, "DebtRepaid")
        .withArgs(id, alice.address, amount, rate);
      const credited = n0 - (await vm.collateralConfig(weth)).totalNormalizedDebt;
      expect(credited).to.equal(rayDivDown(amount, rate));
      expect(credited).to.be.lt(rayDivUp(amount, rate)); // rounding up would have credited one unit more
      expect(await vm.debtOf(id)).to.be.gte(debtBefore - amount);
      expect(await vm.debtOf(id)).to.be.lte(debtBefore - amount + 2n);
    });

    it("repays exactly the debt when asked for more", async () => {
      const id = await aliceVault();
      await spareBdol(sys, bob, wad(5_000));
      await sys.bdol.connect(bob).transfer(alice.address, wad(5_000));
      await time.increase(30 * DAY);
      const rate = await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      expect(debt).to.be.gt(wad(10_001));
      const supplyBefore = await sys.bdol.totalSupply();
      const tx = vm.connect(alice).repay(id, debt + wad(1_000));
      await expect(tx).to.emit(vm, "DebtRepaid").withArgs(id, alice.address, debt, rate);
      await expect(tx).to.changeTokenBalance(sys.bdol, alice, -debt);
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore - debt);
      expect(await vm.debtOf(id)).to.equal(0n);
      expect((await vm.collateralConfig(weth)).totalNormalizedDebt).to.equal(0n);
      expect(await vm.healthFactor(id)).to.equal(ethers.MaxUint256);
    });

    it("reverts DebtBelowMinimum when a partial repay leaves dust, to the wei, changing nothing", async () => {
      const id = await aliceVault();
      const rate = await freezeRate(sys, sys.weth);
      const debt = await vm.debtOf(id);
      const normalized = (await vm.collateralConfig(weth)).totalNormalizedDebt; // alice's is the only vault
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
      await expect(vm.connect(alice).repay(id, wad(1)))
        .to.be.revertedWithCustomError(vm, "NoDebt")
        .withArgs(id);
      await expect(vm.connect(alice).repay(2n, 0n)).to.be.revertedWithCustomError(vm, "ZeroAmount");
      await expect(vm.connect(alice).repay(3n, wad(1)))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(3n);
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
      const c0 = await vm.collateralConfig(weth);
      await time.increase(180 * DAY);

      const aliceBefore = await sys.bdol.balanceOf(alice.address);
      const supplyBefore = await sys.bdol.totalSupply();
      const tx = await vm.connect(alice).closeVault(id, carol.address);
      const c1 = await vm.collateralConfig(weth);
      const debt = rayMulUp(c0.totalNormalizedDebt, c1.rateAccumulator); // alice's is the only WETH vault
      expect(debt).to.be.gt(wad(10_090)); // half a year of 2 %: ~98 BDOL of interest

      await expect(tx).to.emit(vm, "VaultClosed").withArgs(id, carol.address, wad(10), debt, c1.rateAccumulator);
      await expect(tx).to.changeTokenBalances(sys.weth, [vm, carol, alice], [-wad(10), wad(10), 0n]);
      expect(await sys.bdol.balanceOf(alice.address)).to.equal(aliceBefore - debt);
      expect(await sys.bdol.totalSupply()).to.equal(supplyBefore - debt);
      // The interest is owed to the reserve: accrued, to be minted by `accrue`.
      expect(c1.accruedFees).to.equal(debt - rayMulUp(c0.totalNormalizedDebt, c0.rateAccumulator));
      expect(c1.totalNormalizedDebt).to.equal(0n);
      expect(c1.totalCollateral).to.equal(0n);
      expect(await vm.vaultCount()).to.equal(2n); // alice's and bob's WBTC vault: ids are never reused

      await expect(vm.vaultInfo(id)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.debtOf(id)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.healthFactor(id)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.connect(alice).closeVault(id, alice.address))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(id);
      await expect(vm.connect(alice).deposit(id, 1n)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
      await expect(vm.connect(alice).repay(id, 1n)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(id);
    });

    it("closes a debt-free vault without touching the stablecoin or the accumulator", async () => {
      const id = await openVault(sys, bob, sys.weth, wad(3), 0n);
      const supplyBefore = await sys.bdol.totalSupply();
      const tx = vm.connect(bob).closeVault(id, bob.address);
      await expect(tx).to.emit(vm, "VaultClosed").withArgs(id, bob.address, wad(3), 0n, RAY);
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
      await expect(tx).to.emit(vm, "VaultClosed").withArgs(id, alice.address, wad(10), debt, rate);
      await expect(tx).to.changeTokenBalances(sys.bdol, [bob, alice], [-debt, 0n]);
      await expect(tx).to.changeTokenBalance(sys.weth, alice, wad(10));
    });

    it("reverts NotOwnerOrOperator, ZeroAddress, UnknownVault and on a short balance, changing nothing", async () => {
      const id = await aliceVault();
      await spareBdol(sys, attacker, wad(20_000));
      await sys.bdol.connect(alice).transfer(bob.address, wad(1));
      const before = await snapshot(sys);
      await expect(vm.connect(attacker).closeVault(id, attacker.address))
        .to.be.revertedWithCustomError(vm, "NotOwnerOrOperator")
        .withArgs(id, attacker.address);
      await expect(vm.connect(alice).closeVault(id, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vm,
        "ZeroAddress",
      );
      await expect(vm.connect(alice).closeVault(99n, alice.address))
        .to.be.revertedWithCustomError(vm, "UnknownVault")
        .withArgs(99n);
      // Alice gave one BDOL away: she cannot burn her whole debt.
      await expect(vm.connect(alice).closeVault(id, alice.address)).to.be.revertedWithCustomError(
        sys.bdol,
        "ERC20InsufficientBalance",
      );
      await expectUnchanged(sys, before);
    });
  });

  // --------------------------------------------------------------------------- setOperator

  describe("setOperator", () => {
    it("approves and revokes per owner, with events", async () => {
      await expect(vm.connect(alice).setOperator(bob.address, true))
        .to.emit(vm, "OperatorSet")
        .withArgs(alice.address, bob.address, true);
      expect(await vm.isOperator(alice.address, bob.address)).to.equal(true);
      expect(await vm.isOperator(bob.address, alice.address)).to.equal(false);
      await expect(vm.connect(alice).setOperator(bob.address, false))
        .to.emit(vm, "OperatorSet")
        .withArgs(alice.address, bob.address, false);
      expect(await vm.isOperator(alice.address, bob.address)).to.equal(false);
    });

    it("reverts NoChange and ZeroAddress", async () => {
      await expect(vm.connect(alice).setOperator(bob.address, false)).to.be.revertedWithCustomError(vm, "NoChange");
      await vm.connect(alice).setOperator(bob.address, true);
      await expect(vm.connect(alice).setOperator(bob.address, true)).to.be.revertedWithCustomError(vm, "NoChange");
      await expect(vm.connect(alice).setOperator(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
        vm,
        "ZeroAddress",
      );
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
    it("reverts UnknownCollateral (and so do the per-collateral views)", async () => {
      const usdc = await sys.usdc.getAddress();
      await expect(vm.accrue(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      await expect(vm.currentRate(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      await expect(vm.totalDebt(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      await expect(vm.pendingFees(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
    });

    it("moves the accumulator by the per-second fee and mints every accrued fee to the reserve", async () => {
      const id = await aliceVault();
      await time.increase(10 * DAY);
      await refreshFeeds(sys);
      await vm.connect(alice).borrow(id, wad(1_000), alice.address); // accrues 10 days into accruedFees
      const c0 = await vm.collateralConfig(weth);
      expect(c0.accruedFees).to.be.gt(0n);

      // pendingFees as of a later block: accrued + not yet accrued.
      const t1 = c0.lastAccrual + 7n * BigInt(DAY);
      await time.increaseTo(t1);
      const r1 = rayMulUp(c0.rateAccumulator, rpowUp(c0.stabilityFee, t1 - c0.lastAccrual));
      const fee1 = rayMulUp(c0.totalNormalizedDebt, r1) - rayMulUp(c0.totalNormalizedDebt, c0.rateAccumulator);
      expect(await vm.currentRate(weth)).to.equal(r1);
      expect(await vm.pendingFees(weth)).to.equal(c0.accruedFees + fee1);

      const t2 = t1 + 1n;
      await time.setNextBlockTimestamp(t2);
      const r2 = rayMulUp(c0.rateAccumulator, rpowUp(c0.stabilityFee, t2 - c0.lastAccrual));
      const fee2 = rayMulUp(c0.totalNormalizedDebt, r2) - rayMulUp(c0.totalNormalizedDebt, c0.rateAccumulator);
      const reserve = await sys.reserve.getAddress();
      const tx = vm.connect(attacker).accrue(weth); // anyone
      await expect(tx)
        .to.emit(vm, "FeesAccrued")
        .withArgs(weth, r2, fee2)
        .and.to.emit(vm, "FeesMinted")
        .withArgs(weth, reserve, c0.accruedFees + fee2);
      await expect(tx).to.changeTokenBalance(sys.bdol, sys.reserve, c0.accruedFees + fee2);
      const c1 = await vm.collateralConfig(weth);
      expect(c1.rateAccumulator).to.equal(r2);
      expect(c1.lastAccrual).to.equal(t2);
      expect(c1.accruedFees).to.equal(0n);
      expect(await vm.pendingFees(weth)).to.equal(0n);
      expect(await vm.totalDebt(weth)).to.equal(rayMulUp(c0.totalNormalizedDebt, r2));
    });

    it("moves the accumulator but mints nothing with no debt", async () => {
      await time.increase(3_600);
      const supply = await sys.bdol.totalSupply();
      await expect(vm.accrue(weth))
        .to.emit(vm, "FeesAccrued")
        .withArgs(weth, anyValue, 0n)
        .and.not.to.emit(vm, "FeesMinted");
      expect((await vm.collateralConfig(weth)).rateAccumulator).to.be.gt(RAY);
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

      // Exactly what the contract computes (MathLib.rpowUpCapped is mirrored by rpowUp in config/units.ts)...
      expect(debt).to.equal(rayMulUp(normalized, rayMulUp(r0, rpowUp(WETH_SETUP.stabilityFee, SECONDS_PER_YEAR))));
      // ...which is the closed form (1 + r)^t at 60-digit precision, to 1e-9...
      const growth = powPrecise(WETH_SETUP.stabilityFee, SECONDS_PER_YEAR);
      const principal = (normalized * r0) / RAY; // the 10,000 minted, to within a wei
      expectRelativelyClose(debt, (principal * growth.value) / growth.scale, "debt vs closed form");
      // ...and the 2 % a year the fee was built for.
      expectRelativelyClose(debt, (wad(10_000) * 102n) / 100n, "debt vs principal × 1.02");
      expect(debt).to.be.gt(wad(10_199));
    });

    it("mints to the reserve exactly the increase of totalDebt between two accruals", async () => {
      await aliceVault();
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(12_345));
      await vm.accrue(weth); // start both collaterals with nothing owed to the reserve
      await vm.accrue(wbtc);
      const wethDebt0 = await storedDebt(vm, weth);
      const wbtcDebt0 = await storedDebt(vm, wbtc);

      await time.increase(200 * DAY);
      const surplus0 = await sys.bdol.balanceOf(await sys.reserve.getAddress());
      await vm.accrue(weth);
      const wethFee = (await sys.bdol.balanceOf(await sys.reserve.getAddress())) - surplus0;
      expect(wethFee).to.equal((await vm.totalDebt(weth)) - wethDebt0);

      const surplus1 = await sys.bdol.balanceOf(await sys.reserve.getAddress());
      await vm.accrue(wbtc);
      const wbtcFee = (await sys.bdol.balanceOf(await sys.reserve.getAddress())) - surplus1;
      expect(wbtcFee).to.equal((await vm.totalDebt(wbtc)) - wbtcDebt0);
      // WBTC pays 1.5 % a year, WETH 2 %: per unit of debt WBTC earned less.
      expect(wbtcFee * wad(10_000)).to.be.lt(wethFee * wad(12_345));
      expect(wethFee).to.be.within(wad(109), wad(110)); // 10,000 × (1.02^(200/365) − 1) ≈ 109.1
    });

    it("keeps the supply identity through a sequence of borrows, repays, closes and accruals", async () => {
      // BDOL supply = Σ borrowed − Σ repaid + fees minted to the reserve (exactly), and per collateral
      //   0 ≤ D − (borrowed − repaid) − (minted + accruedFees) ≤ Σ per-operation rounding,
      // where D = ⌈N × rate⌉ is the collateral's debt at its last accrual. A borrow or partial repay
      // rounds by at most ⌈rate / RAY⌉ wei (2 once any interest has accrued; see the next test); a
      // full repay or close by at most 1 wei.
      type Ledger = { borrowed: bigint; repaid: bigint; minted: bigint; slack: bigint };
      const ledger = new Map<string, Ledger>();
      for (const c of [weth, wbtc]) ledger.set(c, { borrowed: 0n, repaid: 0n, minted: 0n, slack: 0n });
      const collateralOf = new Map<bigint, string>();
      let operations = 0;

      async function record(sent: Promise<ContractTransactionResponse>) {
        const tx = await sent;
        const rounding = async (c: string) => ceilDiv((await vm.collateralConfig(c)).rateAccumulator, RAY);
        for (const e of await eventsOf(tx, vm, "FeesMinted")) ledger.get(e.collateral)!.minted += e.amount;
        for (const e of await eventsOf(tx, vm, "VaultOpened")) {
          collateralOf.set(e.vaultId, e.collateral);
          if (e.debt === 0n) continue;
          ledger.get(e.collateral)!.borrowed += e.debt;
          ledger.get(e.collateral)!.slack += await rounding(e.collateral);
          operations++;
        }
        for (const e of await eventsOf(tx, vm, "DebtBorrowed")) {
          const c = collateralOf.get(e.vaultId)!;
          ledger.get(c)!.borrowed += e.amount;
          ledger.get(c)!.slack += await rounding(c);
          operations++;
        }
        for (const e of await eventsOf(tx, vm, "DebtRepaid")) {
          const c = collateralOf.get(e.vaultId)!;
          ledger.get(c)!.repaid += e.amount;
          ledger.get(c)!.slack += await rounding(c);
          operations++;
        }
        for (const e of await eventsOf(tx, vm, "VaultClosed")) {
          const c = collateralOf.get(e.vaultId)!;
          ledger.get(c)!.repaid += e.debtRepaid;
          if (e.debtRepaid > 0n) {
            ledger.get(c)!.slack += 1n;
            operations++;
          }
        }
        await check();
      }
      async function check() {
        let net = 0n;
        let minted = 0n;
        for (const [c, l] of ledger) {
          const { accruedFees } = await vm.collateralConfig(c);
          const rounding = (await storedDebt(vm, c)) - (l.borrowed - l.repaid) - (l.minted + accruedFees);
          expect(rounding, `rounding of ${c}`).to.be.within(0n, l.slack);
          net += l.borrowed - l.repaid;
          minted += l.minted;
        }
        expect(await sys.bdol.balanceOf(await sys.reserve.getAddress())).to.equal(minted);
        expect(await sys.bdol.totalSupply()).to.equal(net + minted);
      }
      const openWith = async (who: HardhatEthersSigner, token: MockERC20, collateral: bigint, debt: bigint) => {
        await fund(sys, token, who, collateral);
        await record(vm.connect(who).openVault(await token.getAddress(), collateral, debt));
        return vm.vaultCount();
      };

      const a = await openWith(alice, sys.weth, wad(10), wad(10_000));
      const b = await openWith(bob, sys.wbtc, 10n ** 8n, wad(20_000));
      await time.increase(30 * DAY);
      await refreshFeeds(sys);
      await record(vm.connect(alice).borrow(a, wad("1234.567890123456789"), alice.address));
      const c = await openWith(carol, sys.weth, wad(5), wad("3333.333333333333333333"));
      await time.increase(90 * DAY);
      await refreshFeeds(sys);
      await record(vm.connect(bob).repay(b, wad("777.777777777777777777")));
      await record(vm.connect(alice).repay(a, wad("2000.000000000000000001")));
      await record(vm.accrue(weth));
      await time.increase(180 * DAY);
      await refreshFeeds(sys);
      await sys.bdol.connect(alice).transfer(carol.address, wad(500));
      await record(vm.connect(carol).closeVault(c, carol.address));
      await record(vm.connect(alice).borrow(a, 1n, alice.address));
      await sys.bdol.connect(alice).transfer(bob.address, wad(2_000));
      await record(vm.connect(bob).repay(b, wad(1_000_000))); // more than the debt
      await time.increase(365 * DAY);
      for (const collateral of [weth, wbtc]) {
        await record(vm.accrue(collateral));
        // Right after an accrual the view and the stored debt agree and nothing is owed to the reserve.
        expect(await vm.totalDebt(collateral)).to.equal(await storedDebt(vm, collateral));
        expect(await vm.pendingFees(collateral)).to.equal(0n);
      }

      expect(operations).to.equal(9);
      expect(await vm.debtOf(b)).to.equal(0n);
      expect(ledger.get(weth)!.minted).to.be.gt(wad(200)); // a year and a half of interest on ~12,000
    });

    it("can leave 2 wei (not 1) of rounding in one borrow or partial repay once the rate is well above 1 RAY", async () => {
      // Documents the true per-operation bound of D − S: ⌈rate / RAY⌉ wei, not one. With x = N × rate
      // (exact) and D = ⌈x⌉, a borrow adds 2 wei when D − x < rate − 1 and ⌈a / rate⌉ × rate − a is
      // close to rate; a partial repay likewise. A first borrow `setup` moves N to such an x.
      const id = await openVault(sys, alice, sys.weth, wad(100), wad(1_000));
      await admin.setStabilityFee(weth, MAX_STABILITY_FEE);
      await time.increase(200 * DAY);
      await refreshFeeds(sys);
      const rate = await freezeRate(sys, sys.weth);
      expect(rate).to.be.gt((RAY * 14n) / 10n);

      const borrowExcess = (n: bigint, a: bigint) => rayMulUp(n + rayDivUp(a, rate), rate) - rayMulUp(n, rate) - a;
      const repayExcess = (n: bigint, a: bigint) => rayMulUp(n - rayDivDown(a, rate), rate) - (rayMulUp(n, rate) - a);
      /** A setup borrow and an amount whose `excess` is 2 wei. */
      function search(excess: (n: bigint, a: bigint) => bigint, n0: bigint): [bigint, bigint] {
        for (let setup = wad(1); setup < wad(1) + 10_000n; setup += 1n) {
          const n = n0 + rayDivUp(setup, rate);
          for (let a = wad(1); a < wad(1) + 200n; a++) if (excess(n, a) === 2n) return [setup, a];
        }
        throw new Error("no 2-wei case found");
      }

      const n0 = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const [setup, amount] = search(borrowExcess, n0);
      await vm.connect(alice).borrow(id, setup, alice.address);
      const D = await vm.totalDebt(weth);
      await vm.connect(alice).borrow(id, amount, alice.address);
      expect((await vm.totalDebt(weth)) - D).to.equal(amount + 2n);

      const n1 = (await vm.collateralConfig(weth)).totalNormalizedDebt;
      const [setup2, repay] = search(repayExcess, n1);
      await vm.connect(alice).borrow(id, setup2, alice.address);
      const D2 = await vm.totalDebt(weth);
      await vm.connect(alice).repay(id, repay);
      expect((await vm.totalDebt(weth)) - (D2 - repay)).to.equal(2n);
    });
  });

  // --------------------------------------------------------------------------- views

  describe("the accumulator's saturation (MAX_RATE_ACCUMULATOR)", () => {
    it("stops at a billion-fold: the fee's exact compounding below it, the cap above, and no fee once there", async () => {
      await admin.setStabilityFee(weth, MAX_STABILITY_FEE);
      const id = await aliceVault();
      const start = (await vm.collateralConfig(weth)).rateAccumulator;
      // 29 years at 100 %/yr: 2^29 ≈ 5.4e8 < 1e9, still compounding exactly as rpowUp says.
      const t0 = BigInt((await vm.collateralConfig(weth)).lastAccrual);
      await time.increaseTo(t0 + BigInt(29 * YEAR));
      const grown = rayMulUp(start, rpowUp(MAX_STABILITY_FEE, BigInt(29 * YEAR)));
      expect(grown).to.be.lessThan(MAX_RATE_ACCUMULATOR);
      expect(await vm.currentRate(weth)).to.equal(grown);
      // Two years later 2^31 > 1e9: saturated, for the view and for an accrual.
      await time.increaseTo(t0 + BigInt(31 * YEAR));
      expect(await vm.currentRate(weth)).to.equal(MAX_RATE_ACCUMULATOR);
      const debt = await vm.debtOf(id);
      const fees = await vm.pendingFees(weth);
      await expect(vm.accrue(weth)).to.emit(vm, "FeesAccrued").withArgs(weth, MAX_RATE_ACCUMULATOR, anyValue);
      expect(await sys.bdol.balanceOf(await sys.reserve.getAddress())).to.be.greaterThanOrEqual(fees);
      // From now on nothing accrues: the debt stays, a later accrual adds 0, a fee change too.
      await time.increase(10 * YEAR);
      expect(await vm.debtOf(id)).to.equal(debt);
      await expect(vm.accrue(weth)).to.emit(vm, "FeesAccrued").withArgs(weth, MAX_RATE_ACCUMULATOR, 0n);
      await expect(admin.setStabilityFee(weth, RAY))
        .to.emit(vm, "FeesAccrued")
        .withArgs(weth, MAX_RATE_ACCUMULATOR, 0n);
      // Repaying still works, recorded at the cap (new borrowing is past any debt ceiling now).
      await expect(vm.connect(alice).repay(id, wad(1)))
        .to.emit(vm, "DebtRepaid")
        .withArgs(id, alice.address, wad(1), MAX_RATE_ACCUMULATOR);
    });

    it("never reverts an accrual, however long: 200 years in one step (the old rpowUp overflowed)", async () => {
      await admin.setStabilityFee(weth, MAX_STABILITY_FEE);
      const id = await aliceVault();
      await openVault(sys, bob, sys.weth, wad(10), wad(1_000));
      await time.increase(200 * YEAR);
      await expect(vm.connect(bob).repay(id, wad(1))).to.emit(vm, "DebtRepaid");
      expect((await vm.collateralConfig(weth)).rateAccumulator).to.equal(MAX_RATE_ACCUMULATOR);
    });
  });

  describe("vaultInfo and debtOf", () => {
    it("report the stored vault: debt = ⌈normalized debt × current rate⌉, moving with time", async () => {
      const id = await aliceVault();
      await time.increase(DAY);
      const stored = await storedVault(vm, id);
      expect(stored).to.deep.equal({
        collateral: weth,
        normalizedDebt: (await vm.collateralConfig(weth)).totalNormalizedDebt,
        owner: alice.address,
        collateralAmount: wad(10),
      });
      const debt = rayMulUp(stored.normalizedDebt, await vm.currentRate(weth));
      expect(await vm.vaultInfo(id)).to.deep.equal([alice.address, weth, wad(10), debt]);
      expect(await vm.debtOf(id)).to.equal(debt);
      expect(debt).to.be.gt(wad(10_000) + wad("0.5")); // a day of 2 % on 10,000 ≈ 0.54
      await expect(vm.debtOf(0n)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(0n);
      await expect(vm.vaultInfo(2n)).to.be.revertedWithCustomError(vm, "UnknownVault").withArgs(2n);
    });
  });

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

    it("grows worse with interest at a constant price", async () => {
      const id = await openVault(sys, alice, sys.weth, wad(1), wad(1_800));
      const hf0 = await vm.healthFactor(id);
      await time.increase(365 * DAY);
      await refreshFeeds(sys);
      const hf1 = await vm.healthFactor(id);
      expect(hf1).to.be.lt(hf0);
      // A year and the two blocks that refresh the feeds: within 1e-8.
      expectRelativelyClose(hf1 * 102n, hf0 * 100n, "health factor × 1.02 a year later", 10n);
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
      expect(value).to.equal(12_345_679n * 6_000_012_345_679n * 100n); // 7,407.41 USD, no rounding needed
      const debt = await vm.debtOf(id);
      expect(await vm.healthFactor(id)).to.equal(wadDivDown(value, wadMulUp(debt, WBTC_SETUP.liquidationRatio)));
    });
  });

  describe("rounding of the collateral value", () => {
    it("rounds the value down: a borrow the exact value would allow fails by 1 wei", async () => {
      // ETH at 3,001.23456789: value = amount × 300123456789 / 1e8, with a fraction for most amounts.
      await sys.ethFeed.updateAnswer(feedAnswer("3001.23456789"));
      const price = wad("3001.23456789");
      await fund(sys, sys.weth, alice, wad(2));
      const rate = await freezeRate(sys, sys.weth);
      const required = (amount: bigint) => wadMulUp(debtAfterBorrow(0n, amount, rate), WETH_SETUP.borrowRatio);

      // A collateral amount and a borrow whose requirement is exactly ⌊value⌋ + 1 = ⌈value⌉.
      let collateral = wad(1);
      let amount = 0n;
      for (; collateral < wad(1) + 1_000n; collateral++) {
        if ((collateral * price) % WAD === 0n) continue;
        const target = valueDown(collateral, 18n, price) + 1n;
        const guess = (target * 10n) / 16n;
        const hit = [-2n, -1n, 0n, 1n, 2n].map((d) => guess + d).find((a) => required(a) === target);
        if (hit !== undefined) {
          amount = hit;
          break;
        }
      }
      expect(amount, "no boundary case found").to.be.gt(0n);
      const value = valueDown(collateral, 18n, price);
      expect(ceilDiv(collateral * price, WAD)).to.equal(required(amount)); // the exact value covers it

      await vm.connect(alice).openVault(weth, collateral, 0n);
      const id = await vm.vaultCount();
      const before = await snapshot(sys);
      await expect(vm.connect(alice).borrow(id, amount, alice.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(id, value, value + 1n);
      await expectUnchanged(sys, before);
      // One more wei of collateral adds 3,001 wei of value: now it passes.
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
      {
        name: "an answer below minPrice",
        status: Status.OutOfBounds,
        breakFeed: (s) => s.ethFeed.updateAnswer(feedAnswer(5)),
      },
      {
        name: "an answer above maxPrice",
        status: Status.OutOfBounds,
        breakFeed: (s) => s.ethFeed.updateAnswer(feedAnswer(2_000_000)),
      },
      {
        name: "a jump > 25 % (frozen)",
        status: Status.Frozen,
        breakFeed: async (s) => {
          await s.ethFeed.updateAnswer(feedAnswer(3_900));
          await s.oracle.recordPrice(await s.weth.getAddress());
        },
      },
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

        it(`refuses borrow, open-with-debt and withdraw-with-debt: OracleNotLive(${Status[failure.status]})`, async () => {
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
          await expect(vm.connect(carol).closeVault(closingVault, carol.address)).to.changeTokenBalance(
            sys.weth,
            carol,
            wad(2),
          );
          await expect(vm.connect(bob).withdraw(freeVault, wad(5), bob.address)).to.changeTokenBalance(
            sys.weth,
            bob,
            wad(5),
          );
          await expect(vm.connect(alice).openVault(weth, wad(1), 0n)).to.emit(vm, "VaultOpened");
          await expect(vm.accrue(weth)).to.emit(vm, "FeesMinted");
          expect((await vm.vaultInfo(debtVault)).collateralAmount).to.equal(wad(11));
          expect(await vm.vaultInfo(freeVault)).to.deep.equal([bob.address, weth, 0n, 0n]);
        });
      });
    }
  });

  // --------------------------------------------------------------------------- pause

  describe("pause / unpause (governance)", () => {
    it("refuses borrow and withdraw-with-debt while allowing deposit, repay, close and debt-free withdraw", async () => {
      const debtVault = await aliceVault();
      const freeVault = await openVault(sys, bob, sys.weth, wad(5), 0n);
      const closingVault = await openVault(sys, carol, sys.weth, wad(2), wad(1_000));
      const btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(1_000));
      await sys.bdol.connect(alice).transfer(carol.address, wad(10));
      await fund(sys, sys.weth, alice, wad(10));

      await expect(admin.pauseRiskAdding(weth)).to.emit(vm, "Paused");
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

      await expect(admin.allowRiskAdding(weth)).to.emit(vm, "Unpaused");
      await expect(vm.connect(alice).borrow(debtVault, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
    });

    it("allowRiskAdding on a collateral that is not paused changes nothing but never reverts; UnknownCollateral", async () => {
      const before = (await vm.collateralConfig(weth)).pausedUntil;
      await expect(admin.allowRiskAdding(weth)).to.emit(vm, "Unpaused");
      expect((await vm.collateralConfig(weth)).pausedUntil).to.equal(before);
      const usdc = await sys.usdc.getAddress();
      await expect(admin.pauseRiskAdding(usdc)).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      expect((await vm.collateralConfig(weth)).paused).to.equal(false);
    });
  });

  // --------------------------------------------------------------------------- governance setters

  describe("governance setters", () => {
    it("every setter refuses non-admins (AccessControlUnauthorizedAccount), changing nothing", async () => {
      const usdc = await sys.usdc.getAddress();
      const asAttacker = vm.connect(attacker);
      const before = await snapshot(sys);
      const calls = [
        () => asAttacker.setDebtCeiling(weth, 1n),
        () => asAttacker.setMinDebt(weth, 1n),
        () => asAttacker.setLiquidationRatio(weth, wad("1.45")),
        () => asAttacker.setBorrowRatio(weth, wad(2)),
        () => asAttacker.setLiquidationPenalty(weth, wad("0.05")),
        () => asAttacker.setStabilityFee(weth, RAY),
        () => asAttacker.allowRiskAdding(weth),
        () => asAttacker.setMaxPauseDuration(86_400n),
        () => asAttacker.setPauseGovernor(attacker.address),
        () => asAttacker.setReserve(attacker.address),
        () => asAttacker.addCollateral(usdc, collateralParams(weth)),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount")
          .withArgs(attacker.address, ADMIN_ROLE);
      }
      await expect(asAttacker.pauseRiskAdding(weth))
        .to.be.revertedWithCustomError(vm, "NotGuardian")
        .withArgs(attacker.address);
      await expect(asAttacker.pauseAllRiskAdding())
        .to.be.revertedWithCustomError(vm, "NotGuardian")
        .withArgs(attacker.address);
      await expectUnchanged(sys, before);
    });

    it("every per-collateral setter reverts UnknownCollateral for an unregistered token", async () => {
      const usdc = await sys.usdc.getAddress();
      for (const call of [
        () => admin.setDebtCeiling(usdc, 1n),
        () => admin.setMinDebt(usdc, 1n),
        () => admin.setLiquidationRatio(usdc, wad("1.5")),
        () => admin.setBorrowRatio(usdc, wad(2)),
        () => admin.setLiquidationPenalty(usdc, wad("0.05")),
        () => admin.setStabilityFee(usdc, RAY),
        () => admin.pauseRiskAdding(usdc),
        () => admin.allowRiskAdding(usdc),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(vm, "UnknownCollateral").withArgs(usdc);
      }
    });

    describe("setDebtCeiling", () => {
      it("sets with an old/new event, rejects NoChange and values above MAX_DEBT_CEILING", async () => {
        await expect(admin.setDebtCeiling(weth, wad(5)))
          .to.emit(vm, "DebtCeilingSet")
          .withArgs(weth, WETH_SETUP.debtCeiling, wad(5));
        expect((await vm.collateralConfig(weth)).debtCeiling).to.equal(wad(5));
        await expect(admin.setDebtCeiling(weth, wad(5))).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin.setDebtCeiling(weth, MAX_DEBT_CEILING + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_DEBT_CEILING + 1n, 0n, MAX_DEBT_CEILING);
        await expect(admin.setDebtCeiling(weth, MAX_DEBT_CEILING))
          .to.emit(vm, "DebtCeilingSet")
          .withArgs(weth, wad(5), MAX_DEBT_CEILING);
        await expect(admin.setDebtCeiling(weth, 0n)).to.emit(vm, "DebtCeilingSet").withArgs(weth, MAX_DEBT_CEILING, 0n);
        expect((await vm.collateralConfig(weth)).debtCeiling).to.equal(0n);
      });
    });

    describe("setMinDebt", () => {
      it("sets with an old/new event, rejects NoChange and values above MAX_MIN_DEBT", async () => {
        await expect(admin.setMinDebt(weth, MAX_MIN_DEBT))
          .to.emit(vm, "MinDebtSet")
          .withArgs(weth, WETH_SETUP.minDebt, MAX_MIN_DEBT);
        await expect(admin.setMinDebt(weth, MAX_MIN_DEBT)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin.setMinDebt(weth, MAX_MIN_DEBT + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_MIN_DEBT + 1n, 0n, MAX_MIN_DEBT);
        expect((await vm.collateralConfig(weth)).minDebt).to.equal(MAX_MIN_DEBT);
        await expect(admin.setMinDebt(weth, 0n)).to.emit(vm, "MinDebtSet").withArgs(weth, MAX_MIN_DEBT, 0n);
      });
    });

    describe("setLiquidationRatio", () => {
      it("moves by at most MAX_LIQUIDATION_RATIO_STEP per call (StepTooLarge)", async () => {
        await admin.setBorrowRatio(weth, wad(3));
        const lr = WETH_SETUP.liquidationRatio;
        await expect(admin.setLiquidationRatio(weth, lr + MAX_LIQUIDATION_RATIO_STEP + 1n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(lr, lr + MAX_LIQUIDATION_RATIO_STEP + 1n, MAX_LIQUIDATION_RATIO_STEP);
        await expect(admin.setLiquidationRatio(weth, lr - MAX_LIQUIDATION_RATIO_STEP - 1n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(lr, lr - MAX_LIQUIDATION_RATIO_STEP - 1n, MAX_LIQUIDATION_RATIO_STEP);
        await expect(admin.setLiquidationRatio(weth, lr + MAX_LIQUIDATION_RATIO_STEP))
          .to.emit(vm, "LiquidationRatioSet")
          .withArgs(weth, lr, lr + MAX_LIQUIDATION_RATIO_STEP);
        expect((await vm.collateralConfig(weth)).liquidationRatio).to.equal(lr + MAX_LIQUIDATION_RATIO_STEP);
      });

      it("moves at most once per MIN_STEP_INTERVAL, so a batch of steps cannot add up to a jump (StepTooSoon)", async () => {
        await admin.setBorrowRatio(weth, wad(3));
        const lr = WETH_SETUP.liquidationRatio;
        const first = await admin.setLiquidationRatio(weth, lr + MAX_LIQUIDATION_RATIO_STEP);
        const at = BigInt((await first.getBlock())!.timestamp);
        const before = await snapshot(sys);
        // The batch a proposal could hold: ten more steps in the same transaction or block.
        await expect(admin.setLiquidationRatio(weth, lr + 2n * MAX_LIQUIDATION_RATIO_STEP))
          .to.be.revertedWithCustomError(vm, "StepTooSoon")
          .withArgs(at + BigInt(DAY));
        await time.setNextBlockTimestamp(at + BigInt(DAY) - 1n);
        await expect(
          admin.setLiquidationRatio(weth, lr + 2n * MAX_LIQUIDATION_RATIO_STEP),
        ).to.be.revertedWithCustomError(vm, "StepTooSoon");
        await expectUnchanged(sys, before);
        await time.setNextBlockTimestamp(at + BigInt(DAY));
        await expect(admin.setLiquidationRatio(weth, lr + 2n * MAX_LIQUIDATION_RATIO_STEP))
          .to.emit(vm, "LiquidationRatioSet")
          .withArgs(weth, lr + MAX_LIQUIDATION_RATIO_STEP, lr + 2n * MAX_LIQUIDATION_RATIO_STEP);
      });

      it("stays within [1, 5] and at or below the borrow ratio", async () => {
        await expect(admin.setLiquidationRatio(weth, MIN_LIQUIDATION_RATIO - 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MIN_LIQUIDATION_RATIO - 1n, MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO);
        await expect(admin.setLiquidationRatio(weth, MAX_LIQUIDATION_RATIO + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_LIQUIDATION_RATIO + 1n, MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO);
        await expect(admin.setLiquidationRatio(weth, WETH_SETUP.borrowRatio + 1n))
          .to.be.revertedWithCustomError(vm, "BorrowRatioBelowLiquidationRatio")
          .withArgs(WETH_SETUP.borrowRatio, WETH_SETUP.borrowRatio + 1n);
        await expect(admin.setLiquidationRatio(weth, WETH_SETUP.liquidationRatio)).to.be.revertedWithCustomError(
          vm,
          "NoChange",
        );
        // Equal to the borrow ratio is allowed.
        await expect(admin.setLiquidationRatio(weth, WETH_SETUP.borrowRatio))
          .to.emit(vm, "LiquidationRatioSet")
          .withArgs(weth, WETH_SETUP.liquidationRatio, WETH_SETUP.borrowRatio);
      });
    });

    describe("setBorrowRatio", () => {
      it("stays within [liquidation ratio, 10] with an old/new event and NoChange", async () => {
        await expect(admin.setBorrowRatio(weth, WETH_SETUP.liquidationRatio - 1n))
          .to.be.revertedWithCustomError(vm, "BorrowRatioBelowLiquidationRatio")
          .withArgs(WETH_SETUP.liquidationRatio - 1n, WETH_SETUP.liquidationRatio);
        await expect(admin.setBorrowRatio(weth, wad("0.9")))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(wad("0.9"), MIN_LIQUIDATION_RATIO, MAX_BORROW_RATIO);
        await expect(admin.setBorrowRatio(weth, MAX_BORROW_RATIO + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_BORROW_RATIO + 1n, MIN_LIQUIDATION_RATIO, MAX_BORROW_RATIO);
        await expect(admin.setBorrowRatio(weth, WETH_SETUP.borrowRatio)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin.setBorrowRatio(weth, MAX_BORROW_RATIO))
          .to.emit(vm, "BorrowRatioSet")
          .withArgs(weth, WETH_SETUP.borrowRatio, MAX_BORROW_RATIO);
        await expect(admin.setBorrowRatio(weth, WETH_SETUP.liquidationRatio))
          .to.emit(vm, "BorrowRatioSet")
          .withArgs(weth, MAX_BORROW_RATIO, WETH_SETUP.liquidationRatio);
      });

      it("takes effect on the next borrow", async () => {
        const id = await openVault(sys, alice, sys.weth, wad(10), 0n);
        await admin.setBorrowRatio(weth, wad(3)); // 30,000 USD now backs at most 10,000
        await expect(vm.connect(alice).borrow(id, wad(10_001), alice.address))
          .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
          .withArgs(id, wad(30_000), within(wad(30_003), wad(30_003) + 6n));
        await vm.connect(alice).borrow(id, wad(9_999), alice.address);
      });
    });

    describe("setLiquidationPenalty", () => {
      it("stays within [0, 25 %], moves by at most 5 % per call, with an old/new event and NoChange", async () => {
        const p = WETH_SETUP.liquidationPenalty; // 10 %
        await expect(admin.setLiquidationPenalty(weth, p + MAX_LIQUIDATION_PENALTY_STEP + 1n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(p, p + MAX_LIQUIDATION_PENALTY_STEP + 1n, MAX_LIQUIDATION_PENALTY_STEP);
        await expect(admin.setLiquidationPenalty(weth, 0n))
          .to.be.revertedWithCustomError(vm, "StepTooLarge")
          .withArgs(p, 0n, MAX_LIQUIDATION_PENALTY_STEP);
        await expect(admin.setLiquidationPenalty(weth, p)).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin.setLiquidationPenalty(weth, p + MAX_LIQUIDATION_PENALTY_STEP))
          .to.emit(vm, "LiquidationPenaltySet")
          .withArgs(weth, p, p + MAX_LIQUIDATION_PENALTY_STEP);
        // One step per MIN_STEP_INTERVAL (a day): a second step at once is refused, a day later allowed.
        const steppedAt = BigInt(await time.latest());
        await expect(admin.setLiquidationPenalty(weth, wad("0.2")))
          .to.be.revertedWithCustomError(vm, "StepTooSoon")
          .withArgs(steppedAt + BigInt(DAY));
        await time.setNextBlockTimestamp(steppedAt + BigInt(DAY) - 1n);
        await expect(admin.setLiquidationPenalty(weth, wad("0.2"))).to.be.revertedWithCustomError(vm, "StepTooSoon");
        await admin.setLiquidationPenalty(weth, wad("0.2"));
        await time.increase(DAY);
        await admin.setLiquidationPenalty(weth, MAX_LIQUIDATION_PENALTY);
        await time.increase(DAY);
        await expect(admin.setLiquidationPenalty(weth, MAX_LIQUIDATION_PENALTY + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_LIQUIDATION_PENALTY + 1n, 0n, MAX_LIQUIDATION_PENALTY);
        expect((await vm.collateralConfig(weth)).liquidationPenalty).to.equal(MAX_LIQUIDATION_PENALTY);
      });

      it("never goes below the engine's maxRewardShare (PenaltyBelowKeeperReward): self-liquidation must not pay", async () => {
        const share = (await sys.engine.keeperRewardParams()).maxRewardShare; // 2 %
        await admin.setLiquidationPenalty(weth, wad("0.05"));
        await time.increase(DAY);
        const before = await snapshot(sys);
        await expect(admin.setLiquidationPenalty(weth, share - 1n))
          .to.be.revertedWithCustomError(vm, "PenaltyBelowKeeperReward")
          .withArgs(share - 1n, share);
        await expectUnchanged(sys, before);
        await expect(admin.setLiquidationPenalty(weth, share))
          .to.emit(vm, "LiquidationPenaltySet")
          .withArgs(weth, wad("0.05"), share);
        // A new collateral is held to the same rule (USDC has a feed but is not a collateral).
        const asset = await sys.usdc.getAddress();
        await expect(admin.addCollateral(asset, { ...collateralParams(asset), liquidationPenalty: share - 1n }))
          .to.be.revertedWithCustomError(vm, "PenaltyBelowKeeperReward")
          .withArgs(share - 1n, share);
      });
    });

    describe("setStabilityFee", () => {
      it("stays within [1 RAY, MAX_STABILITY_FEE] with an old/new event and NoChange", async () => {
        await expect(admin.setStabilityFee(weth, RAY - 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(RAY - 1n, RAY, MAX_STABILITY_FEE);
        await expect(admin.setStabilityFee(weth, MAX_STABILITY_FEE + 1n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(MAX_STABILITY_FEE + 1n, RAY, MAX_STABILITY_FEE);
        await expect(admin.setStabilityFee(weth, WETH_SETUP.stabilityFee)).to.be.revertedWithCustomError(
          vm,
          "NoChange",
        );
        await expect(admin.setStabilityFee(weth, MAX_STABILITY_FEE))
          .to.emit(vm, "StabilityFeeSet")
          .withArgs(weth, WETH_SETUP.stabilityFee, MAX_STABILITY_FEE);
        expect((await vm.collateralConfig(weth)).stabilityFee).to.equal(MAX_STABILITY_FEE);
        // MAX_STABILITY_FEE compounds to 100 % a year.
        expectRelativelyClose(rpowUp(MAX_STABILITY_FEE, SECONDS_PER_YEAR), 2n * RAY, "MAX_STABILITY_FEE over a year");
      });

      it("accrues at the old fee first, then compounds at the new one (closed form)", async () => {
        const id = await aliceVault();
        const {
          rateAccumulator: r0,
          lastAccrual: t0,
          totalNormalizedDebt: normalized,
        } = await vm.collateralConfig(weth);
        const newFee = WBTC_SETUP.stabilityFee; // 1.5 % a year
        const half = SECONDS_PER_YEAR / 2n;

        await time.setNextBlockTimestamp(t0 + half);
        const r1 = rayMulUp(r0, rpowUp(WETH_SETUP.stabilityFee, half));
        const fee1 = rayMulUp(normalized, r1) - rayMulUp(normalized, r0);
        await expect(admin.setStabilityFee(weth, newFee))
          .to.emit(vm, "FeesAccrued")
          .withArgs(weth, r1, fee1)
          .and.to.emit(vm, "StabilityFeeSet")
          .withArgs(weth, WETH_SETUP.stabilityFee, newFee);
        const c1 = await vm.collateralConfig(weth);
        expect(c1.rateAccumulator).to.equal(r1);
        expect(c1.accruedFees).to.equal(fee1);

        await time.setNextBlockTimestamp(t0 + SECONDS_PER_YEAR);
        await vm.accrue(weth);
        const r2 = rayMulUp(r1, rpowUp(newFee, SECONDS_PER_YEAR - half));
        expect((await vm.collateralConfig(weth)).rateAccumulator).to.equal(r2);
        // Closed form: 10,000 × 1.02^½ × 1.015^½.
        const principal = (normalized * r0) / RAY;
        const g1 = powPrecise(WETH_SETUP.stabilityFee, half);
        const g2 = powPrecise(newFee, SECONDS_PER_YEAR - half);
        const expected = (((principal * g1.value) / g1.scale) * g2.value) / g2.scale;
        expectRelativelyClose(await vm.debtOf(id), expected, "debt across a fee change");
        // Had the new fee applied to the whole year the debt would be ~25 BDOL lower: distinguishable.
        const g = powPrecise(newFee, SECONDS_PER_YEAR);
        expect(await vm.debtOf(id)).to.be.gt((principal * g.value) / g.scale + wad(20));
      });
    });

    describe("setPauseGovernor", () => {
      it("is the deployed governor; a new one must have a cycle shorter than maxPauseDuration (GovernanceCycleTooLong)", async () => {
        const governor = await contractAt(hre, "BallastGovernor", await vm.pauseGovernor());
        const cycle = await governor.governanceCycle();
        const g = LOCAL.governance;
        expect(cycle).to.equal(BigInt(g.votingDelay + g.votingPeriod + g.timelockDelay));
        await expect(admin.setPauseGovernor(await governor.getAddress())).to.be.revertedWithCustomError(vm, "NoChange");
        await expect(admin.setPauseGovernor(ethers.ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
        // Two more governors on the same token and timelock: one whose cycle is 7 days (too long)…
        const factory = await ethers.getContractFactory("BallastGovernor");
        const args = (votingPeriod: bigint) =>
          [g.votingDelay, votingPeriod, g.proposalThreshold, g.quorumPercent] as const;
        const maxPause = await vm.maxPauseDuration();
        const deploy = async (votingPeriod: bigint) =>
          factory.deploy(await governor.token(), await governor.timelock(), ...args(votingPeriod), vm);
        const fits = await deploy(maxPause - BigInt(g.votingDelay + g.timelockDelay) - 1n);
        await admin.setMaxPauseDuration(maxPause - 1n); // now the second one's cycle equals it
        await expect(admin.setPauseGovernor(await fits.getAddress()))
          .to.be.revertedWithCustomError(vm, "GovernanceCycleTooLong")
          .withArgs(maxPause - 1n, maxPause - 1n);
        await admin.setMaxPauseDuration(maxPause);
        await expect(admin.setPauseGovernor(await fits.getAddress()))
          .to.emit(vm, "PauseGovernorSet")
          .withArgs(await governor.getAddress(), await fits.getAddress());
        expect(await vm.pauseGovernor()).to.equal(await fits.getAddress());
        // …from then on maxPauseDuration must outlast the new governor's cycle.
        await expect(admin.setMaxPauseDuration(maxPause - 1n))
          .to.be.revertedWithCustomError(vm, "GovernanceCycleTooLong")
          .withArgs(maxPause - 1n, maxPause - 1n);
      });
    });

    describe("setReserve", () => {
      it("mints what was earned to the old reserve, then sends fees to the new one", async () => {
        await aliceVault();
        await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(10_000));
        await time.increase(30 * DAY);
        const oldReserve = await sys.reserve.getAddress();
        const oldBefore = await sys.bdol.balanceOf(oldReserve);

        const tx = await admin.setReserve(carol.address);
        await expect(tx).to.emit(vm, "ReserveSet").withArgs(oldReserve, carol.address);
        const accrued = await eventsOf(tx, vm, "FeesAccrued");
        expect(accrued.map((f) => f.collateral)).to.deep.equal([weth, wbtc]);
        const minted = await eventsOf(tx, vm, "FeesMinted");
        expect(minted.map((f) => [f.collateral, f.reserve])).to.deep.equal([
          [weth, oldReserve],
          [wbtc, oldReserve],
        ]);
        const total = minted.reduce((sum, f) => sum + f.amount, 0n);
        expect(total).to.equal(accrued.reduce((sum, f) => sum + f.fee, 0n)); // nothing was accrued before
        expect(total).to.be.gt(wad(25)); // a month of ~2 % on 20,000
        expect(await sys.bdol.balanceOf(oldReserve)).to.equal(oldBefore + total);
        expect(await sys.bdol.balanceOf(carol.address)).to.equal(0n);
        expect(await vm.reserve()).to.equal(carol.address);

        await time.increase(30 * DAY);
        const tx2 = await vm.accrue(weth);
        const [fee] = await eventsOf(tx2, vm, "FeesMinted");
        expect(fee.reserve).to.equal(carol.address);
        expect(fee.amount).to.be.gt(0n);
        expect(await sys.bdol.balanceOf(carol.address)).to.equal(fee.amount);
        expect(await sys.bdol.balanceOf(oldReserve)).to.equal(oldBefore + total);
      });

      it("reverts ZeroAddress and NoChange", async () => {
        await expect(admin.setReserve(ethers.ZeroAddress)).to.be.revertedWithCustomError(vm, "ZeroAddress");
        await expect(admin.setReserve(await sys.reserve.getAddress())).to.be.revertedWithCustomError(vm, "NoChange");
      });
    });

    describe("addCollateral", () => {
      it("registers a 6-decimal token, which then backs vaults at its own scale", async () => {
        const token = await ethers.deployContract("MockERC20", ["Six", "SIX", 6]);
        const asset = await token.getAddress();
        const feed = await ethers.deployContract("MockAggregator", [8, "SIX / USD", feedAnswer(2)]);
        await sys.oracle
          .connect(await adminOf(sys.oracle))
          .setFeed(asset, feedParams(await feed.getAddress(), { minPrice: wad("0.01"), maxPrice: wad(100) }));
        const params = collateralParams(asset);
        await expect(admin.addCollateral(asset, params))
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
        expect(c.debtCeiling).to.equal(params.debtCeiling);

        // 1,000 SIX at 2 USD = 2,000 USD: borrows up to 1,250 at 1.6.
        const id = await openVault(sys, alice, token as unknown as MockERC20, 1_000n * 10n ** 6n, 0n);
        await expect(vm.connect(alice).borrow(id, wad(1_251), alice.address))
          .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
          .withArgs(id, wad(2_000), within(wad("2001.6"), wad("2001.6") + 2n));
        await vm.connect(alice).borrow(id, wad(1_249), alice.address);
      });

      it("reverts CollateralAlreadyAdded, ZeroAddress and an unknown oracle asset", async () => {
        await expect(admin.addCollateral(weth, collateralParams(weth)))
          .to.be.revertedWithCustomError(vm, "CollateralAlreadyAdded")
          .withArgs(weth);
        const usdt = await (await ethers.deployContract("MockERC20", ["Tether", "USDT", 6])).getAddress();
        await expect(admin.addCollateral(ethers.ZeroAddress, collateralParams(weth))).to.be.revertedWithCustomError(
          vm,
          "ZeroAddress",
        );
        await expect(admin.addCollateral(usdt, collateralParams(ethers.ZeroAddress))).to.be.revertedWithCustomError(
          vm,
          "ZeroAddress",
        );
        await expect(admin.addCollateral(usdt, collateralParams(usdt)))
          .to.be.revertedWithCustomError(sys.oracle, "UnknownAsset")
          .withArgs(usdt);
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      });

      it("reverts UnsupportedDecimals above 18 decimals", async () => {
        for (const decimals of [19n, 24n]) {
          const token = await (await ethers.deployContract("MockERC20", ["Many", "MANY", decimals])).getAddress();
          await expect(admin.addCollateral(token, collateralParams(weth)))
            .to.be.revertedWithCustomError(vm, "UnsupportedDecimals")
            .withArgs(token, decimals);
        }
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      });

      it("checks every parameter against its hard bound", async () => {
        const token = await (await ethers.deployContract("MockERC20", ["T", "T", 18])).getAddress();
        const base = collateralParams(weth); // priced like WETH
        const cases: [Partial<IVaultManager.CollateralParamsStruct>, string, unknown[]][] = [
          [
            { liquidationRatio: wad("0.99") },
            "OutOfBounds",
            [wad("0.99"), MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO],
          ],
          [
            { liquidationRatio: wad("5.1"), borrowRatio: wad(6) },
            "OutOfBounds",
            [wad("5.1"), MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO],
          ],
          [{ borrowRatio: wad("10.1") }, "OutOfBounds", [wad("10.1"), MIN_LIQUIDATION_RATIO, MAX_BORROW_RATIO]],
          [{ borrowRatio: wad("1.4") }, "BorrowRatioBelowLiquidationRatio", [wad("1.4"), wad("1.5")]],
          [{ liquidationPenalty: wad("0.26") }, "OutOfBounds", [wad("0.26"), 0n, MAX_LIQUIDATION_PENALTY]],
          [{ stabilityFee: RAY - 1n }, "OutOfBounds", [RAY - 1n, RAY, MAX_STABILITY_FEE]],
          [{ stabilityFee: MAX_STABILITY_FEE + 1n }, "OutOfBounds", [MAX_STABILITY_FEE + 1n, RAY, MAX_STABILITY_FEE]],
          [{ minDebt: MAX_MIN_DEBT + 1n }, "OutOfBounds", [MAX_MIN_DEBT + 1n, 0n, MAX_MIN_DEBT]],
          [{ debtCeiling: MAX_DEBT_CEILING + 1n }, "OutOfBounds", [MAX_DEBT_CEILING + 1n, 0n, MAX_DEBT_CEILING]],
        ];
        for (const [override, error, args] of cases) {
          await expect(admin.addCollateral(token, { ...base, ...override }), `${error} for ${Object.keys(override)}`)
            .to.be.revertedWithCustomError(vm, error)
            .withArgs(...args);
        }
        expect(await vm.collaterals()).to.deep.equal([weth, wbtc]);
      });

      it(`stops at MAX_COLLATERALS (${MAX_COLLATERALS}) with TooManyCollaterals`, async () => {
        for (let i = 2n; i < MAX_COLLATERALS; i++) {
          const token = await ethers.deployContract("MockERC20", [`T${i}`, `T${i}`, 18]);
          await admin.addCollateral(await token.getAddress(), collateralParams(weth));
        }
        expect((await vm.collaterals()).length).to.equal(Number(MAX_COLLATERALS));
        const extra = await (await ethers.deployContract("MockERC20", ["X", "X", 18])).getAddress();
        await expect(admin.addCollateral(extra, collateralParams(weth)))
          .to.be.revertedWithCustomError(vm, "TooManyCollaterals")
          .withArgs(MAX_COLLATERALS);
        // setReserve accrues every collateral: still far within a block.
        const tx = await admin.setReserve(carol.address);
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
        .to.emit(vm, "VaultOpened")
        .withArgs(1n, alice.address, asset, wad(990), 0n, RAY);
      expect((await vm.vaultInfo(1n)).collateralAmount).to.equal(wad(990));
      await expect(vm.connect(alice).deposit(1n, wad(100)))
        .to.emit(vm, "CollateralDeposited")
        .withArgs(1n, alice.address, wad(99));
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

    describe("a token whose transfer hook re-enters the vault manager", () => {
      let hook: Awaited<ReturnType<typeof deployHookToken>>;
      let id: bigint;
      let manager: string;

      async function deployHookToken() {
        return ethers.deployContract("MockReentrantToken");
      }

      beforeEach(async () => {
        hook = await deployHookToken();
        await registerCollateral(sys, hook, 100);
        await hook.mint(alice.address, wad(1_000));
        await hook.connect(alice).approve(await vm.getAddress(), ethers.MaxUint256);
        // 500 HOOK at 100 USD = 50,000 USD against 10,000 of debt.
        await vm.connect(alice).openVault(await hook.getAddress(), wad(500), wad(10_000));
        id = await vm.vaultCount();
        // The hook token is even an approved operator of alice: without the guard its calls would pass.
        await vm.connect(alice).setOperator(await hook.getAddress(), true);
        await spareBdol(sys, bob, wad(1_000));
        await sys.bdol.connect(bob).transfer(alice.address, wad(1_000)); // enough to close
        manager = await vm.getAddress();
      });

      const setHook = (fn: string, args: unknown[]) =>
        hook.setHook(manager, (vm.interface as Interface).encodeFunctionData(fn, args));

      it("reverts ReentrancyGuardReentrantCall for guarded entry points, changing nothing", async () => {
        const before = await snapshot(sys, [hook]);
        // During deposit's transferFrom the hook tries to withdraw.
        await setHook("withdraw", [id, wad(100), attacker.address]);
        await expect(vm.connect(alice).deposit(id, wad(100))).to.be.revertedWithCustomError(
          vm,
          "ReentrancyGuardReentrantCall",
        );
        // During withdraw's transfer the hook tries to deposit, then to open a vault.
        await setHook("deposit", [id, wad(1)]);
        await expect(vm.connect(alice).withdraw(id, wad(1), alice.address)).to.be.revertedWithCustomError(
          vm,
          "ReentrancyGuardReentrantCall",
        );
        await setHook("openVault", [await hook.getAddress(), wad(1), 0n]);
        await expect(vm.connect(alice).openVault(await hook.getAddress(), wad(10), 0n)).to.be.revertedWithCustomError(
          vm,
          "ReentrancyGuardReentrantCall",
        );
        // Even the permissionless accrue is refused mid-transfer.
        await setHook("accrue", [weth]);
        await expect(vm.connect(alice).closeVault(id, alice.address)).to.be.revertedWithCustomError(
          vm,
          "ReentrancyGuardReentrantCall",
        );
        await expectUnchanged(sys, before, [hook]);

        // Outside a vault-manager call the same hook call goes through: the guard is what stopped it.
        await expect(hook.connect(alice).transfer(bob.address, 1n)).to.emit(vm, "FeesAccrued");
      });

      it("lets borrow re-enter (it is deliberately unguarded) but only against the conservative state", async () => {
        const before = await snapshot(sys, [hook]);
        // Mid-deposit the new collateral is not credited yet: a borrow needing it fails with the old value.
        // 35,000 of debt needs 56,000 USD: more than the 50,000 held, less than the 60,000 after the deposit.
        await setHook("borrow", [id, wad(25_000), attacker.address]);
        await expect(vm.connect(alice).deposit(id, wad(100)))
          .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
          .withArgs(id, wad(50_000), within(wad(56_000), wad(56_001)));
        // Mid-withdraw the collateral is already debited: 20,000 of debt needs 32,000 > 30,000 left.
        await setHook("borrow", [id, wad(10_000), attacker.address]);
        await expect(vm.connect(alice).withdraw(id, wad(200), alice.address))
          .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
          .withArgs(id, wad(30_000), within(wad(32_000), wad(32_001)));
        // Mid-close the vault is already gone.
        await expect(vm.connect(alice).closeVault(id, alice.address))
          .to.be.revertedWithCustomError(vm, "UnknownVault")
          .withArgs(id);
        await expectUnchanged(sys, before, [hook]);

        // A borrow the pre-deposit state allows goes through from the hook, exactly as if called directly.
        await setHook("borrow", [id, wad(1_000), attacker.address]);
        await expect(vm.connect(alice).deposit(id, wad(100))).to.changeTokenBalance(sys.bdol, attacker, wad(1_000));
        expect((await vm.vaultInfo(id)).collateralAmount).to.equal(wad(600));
      });
    });
  });
});

import hre, { deployments, ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import { connect, type ContractName } from "../../lib/sdk";
import { contractAt } from "../../lib/sdk/hardhat";
import type {
  BallastDollar,
  LiquidationEngine,
  ReserveLens,
  MockAggregator,
  MockERC20,
  OracleAdapter,
  ReservePool,
  RiskController,
  SavingsBdol,
  VaultManager,
} from "../../typechain-types";

export interface Actors {
  deployer: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  attacker: HardhatEthersSigner;
}

export interface System extends Actors {
  bdol: BallastDollar;
  reserve: ReservePool;
  oracle: OracleAdapter;
  vaultManager: VaultManager;
  engine: LiquidationEngine;
  lens: ReserveLens;
  risk: RiskController;
  savings: SavingsBdol;
  weth: MockERC20;
  wbtc: MockERC20;
  usdc: MockERC20;
  ethFeed: MockAggregator;
  btcFeed: MockAggregator;
  /** WBTC/BTC: local WBTC is priced BTC/USD × WBTC/BTC. */
  wbtcBtcFeed: MockAggregator;
  usdcFeed: MockAggregator;
  bdolFeed: MockAggregator;
}

/** The contract recorded under `deployment`, typed as `contract` (for contracts outside the SDK's `Ballast`). */
export async function at<T>(contract: string, deployment: string): Promise<T> {
  return (await contractAt(hre, contract as ContractName, deployment)) as unknown as T;
}

export async function actors(): Promise<Actors> {
  const [deployer, alice, bob, carol, keeper, attacker] = await ethers.getSigners();
  return { deployer, alice, bob, carol, keeper, attacker };
}

/** The deployed system's contracts (bound by the SDK, as the deployer) and actors, as the deployments record them now. */
export async function systemAt(): Promise<System> {
  const a = await actors();
  const all = await deployments.all();
  const c = connect(a.deployer, Object.fromEntries(Object.entries(all).map(([n, d]) => [n, d.address])));
  return {
    ...a,
    bdol: c.bdol,
    reserve: c.reserve,
    oracle: c.oracle,
    vaultManager: c.vaultManager,
    engine: c.engine,
    lens: c.lens,
    risk: c.risk!,
    savings: c.savings,
    weth: c.testToken("WETH"),
    wbtc: c.testToken("WBTC"),
    usdc: c.testToken("USDC"),
    ethFeed: c.mockFeed("ETH_USD_FEED"),
    btcFeed: c.mockFeed("BTC_USD_FEED"),
    wbtcBtcFeed: c.mockFeed("WBTC_BTC_FEED"),
    usdcFeed: c.mockFeed("USDC_USD_FEED"),
    bdolFeed: c.mockFeed("BDOL_USD_FEED"),
  };
}

/** The whole system, deployed by the real deploy scripts (`deployments.fixture()` with no tags). */
const deploySystem = deployments.createFixture(async (): Promise<System> => {
  await deployments.fixture();
  return systemAt();
});

/**
 * The deployed system at the fixture's snapshot, with the clock pinned to it: the next block is
 * stamped one second after the snapshot's, whatever wall-clock time the run has spent since the
 * fixture was made (Hardhat keeps its time offset across reverts). The feeds' rounds are as old in
 * the last test of a long run as in the first, so no test depends on how fast the machine is.
 */
export async function loadSystem(): Promise<System> {
  const sys = await deploySystem();
  await time.setNextBlockTimestamp((await time.latest()) + 1);
  return sys;
}

/** `OracleAdapter.setFeed`'s parameters (IOracleAdapter.FeedParams). */
export interface FeedParams {
  primaryFeed: string;
  secondaryFeed: string;
  heartbeat: number | bigint;
  minPrice: bigint;
  maxPrice: bigint;
  maxDeviation: bigint;
  maxReferenceAge: number | bigint;
  ratioFeed: string;
  ratioHeartbeat: number | bigint;
  minRatio: bigint;
  maxRatio: bigint;
}

/**
 * `setFeed` parameters for a single-feed asset on `primaryFeed`: the local ETH feed's rules (heartbeat
 * and reference age 3,900 s, bounds $10–$1M, 25 % deviation), no secondary feed, no ratio leg, unless
 * overridden.
 */
export function feedParams(primaryFeed: string, overrides: Partial<FeedParams> = {}): FeedParams {
  return {
    primaryFeed,
    secondaryFeed: ethers.ZeroAddress,
    heartbeat: 3_900,
    minPrice: 10n * 10n ** 18n,
    maxPrice: 1_000_000n * 10n ** 18n,
    maxDeviation: 25n * 10n ** 16n,
    maxReferenceAge: 3_900,
    ratioFeed: ethers.ZeroAddress,
    ratioHeartbeat: 0,
    minRatio: 0n,
    maxRatio: 0n,
    ...overrides,
  };
}

/**
 * Prices a test token in the oracle: a new 8-decimal mock feed at `usd`, set by the oracle's admin with
 * `feedParams`'s rules but a floor of $0.01 (test tokens fall far). Returns the feed.
 */
export async function priceTestAsset(
  sys: System,
  asset: string,
  description: string,
  usd: number | string,
): Promise<MockAggregator> {
  const feed = (await ethers.deployContract("MockAggregator", [
    8,
    description,
    feedAnswer(usd),
  ])) as unknown as MockAggregator;
  await sys.oracle
    .connect(await adminOf(sys.oracle))
    .setFeed(asset, feedParams(await feed.getAddress(), { minPrice: 10n ** 16n }));
  return feed;
}

/** 8-decimal feed answer for a USD price given as a number or decimal string. */
export function feedAnswer(usd: number | string): bigint {
  return ethers.parseUnits(String(usd), 8);
}

/** Mints `amount` of a test token to `who` and approves the vault manager for it. */
export async function fund(sys: System, token: MockERC20, who: HardhatEthersSigner, amount: bigint): Promise<void> {
  await token.mint(who.address, amount);
  await token.connect(who).approve(await sys.vaultManager.getAddress(), amount);
}

/** Opens a vault for `who` and returns its id. */
export async function openVault(
  sys: System,
  who: HardhatEthersSigner,
  token: MockERC20,
  collateral: bigint,
  debt: bigint,
): Promise<bigint> {
  await fund(sys, token, who, collateral);
  const vm = sys.vaultManager.connect(who);
  const id = await vm.openVault.staticCall(await token.getAddress(), collateral, debt);
  await vm.openVault(await token.getAddress(), collateral, debt);
  return id;
}

/**
 * Whoever holds DEFAULT_ADMIN_ROLE on `contract`: the deployer, or the timelock once the
 * governance deploy step has handed the roles over (then impersonated and funded for gas).
 */
export async function adminOf(contract: { hasRole(role: string, account: string): Promise<boolean> }): Promise<Signer> {
  const adminRole = ethers.ZeroHash;
  const [deployer] = await ethers.getSigners();
  if (await contract.hasRole(adminRole, deployer.address)) return deployer;
  const timelock = await deployments.getOrNull("Timelock");
  if (timelock && (await contract.hasRole(adminRole, timelock.address))) {
    await setBalance(timelock.address, 10n ** 20n);
    return ethers.getImpersonatedSigner(timelock.address);
  }
  throw new Error("no admin the tests can act as");
}

/** A signer for any address (a contract, the timelock…), funded with 100 ETH for gas. */
export async function impersonate(address: string): Promise<Signer> {
  await setBalance(address, 10n ** 20n);
  return ethers.getImpersonatedSigner(address);
}

/**
 * Governance: the token, the governor and the timelock as the deploy scripts leave them, a proposal
 * that changes a risk parameter through the real Governor → Timelock path, the attacks that
 * governance must resist (votes bought or flash-borrowed after the snapshot, propose-vote-execute
 * in one transaction as in the Beanstalk exploit), and the rule that only the timelock sets
 * parameters, always within their hard bounds.
 */
import { expect } from "chai";
import { deployments, ethers, getNamedAccounts } from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, Contract, Signer } from "ethers";

import { networkConfig } from "../../config/networks";
import { RAY, WAD, bounds, wad } from "../../lib/sdk";
import { adminOf, at, feedParams, impersonate, loadSystem, type System } from "../helpers/fixtures";
import type {
  BallastGovernor,
  GovernanceAttacker,
  GovernanceToken,
  MockVotesFlashLender,
  Timelock,
} from "../../typechain-types";

// ----------------------------------------------------------------------------- constants

const LOCAL = networkConfig("hardhat");
const G = LOCAL.governance;
const SUPPLY = G.token.supply; // 100M BLST
const DAY = 24 * 3600;
const ADMIN_ROLE = ethers.ZeroHash;
const GUARDIAN_ROLE = ethers.id("GUARDIAN_ROLE");
const RISK_CONTROL_ROLE = ethers.id("RISK_CONTROL_ROLE");
const PROPOSER_ROLE = ethers.id("PROPOSER_ROLE");
const CANCELLER_ROLE = ethers.id("CANCELLER_ROLE");
const EXECUTOR_ROLE = ethers.id("EXECUTOR_ROLE");

/** Mirrors IGovernor.ProposalState. */
enum State {
  Pending,
  Active,
  Canceled,
  Defeated,
  Succeeded,
  Queued,
  Expired,
  Executed,
}
enum Vote {
  Against,
  For,
  Abstain,
}
/** The `expectedStates` bitmap of GovernorUnexpectedProposalState / TimelockUnexpectedOperationState. */
const bitmap = (...states: number[]) =>
  ethers.toBeHex(
    states.reduce((m, s) => m | (1n << BigInt(s)), 0n),
    32,
  );
const TIMELOCK_READY = 2; // TimelockController.OperationState.Ready

/** ConstantsLib's governance and vault-manager bounds (generated from the Solidity: lib/sdk/constants.ts). */
const {
  MIN_VOTING_DELAY,
  MAX_VOTING_DELAY,
  MIN_VOTING_PERIOD,
  MAX_VOTING_PERIOD,
  MIN_TIMELOCK_DELAY,
  MAX_TIMELOCK_DELAY,
  MIN_QUORUM_PERCENT: MIN_QUORUM,
  MAX_QUORUM_PERCENT: MAX_QUORUM,
  MIN_LIQUIDATION_RATIO,
  MAX_LIQUIDATION_RATIO,
  MAX_LIQUIDATION_RATIO_STEP,
  MAX_LIQUIDATION_PENALTY,
} = bounds;
const MAX_THRESHOLD = (SUPPLY * bounds.MAX_PROPOSAL_THRESHOLD_SHARE) / WAD;

const WETH_LR = LOCAL.collaterals.WETH.liquidationRatio; // 1.5

// ----------------------------------------------------------------------------- fixture

interface Gov extends System {
  token: GovernanceToken;
  governor: BallastGovernor;
  timelock: Timelock;
  guardian: HardhatEthersSigner;
  addr: Record<string, string>;
}

async function loadGov(): Promise<Gov> {
  const sys = await loadSystem();
  const token = await at<GovernanceToken>("GovernanceToken", "GovernanceToken");
  const governor = await at<BallastGovernor>("BallastGovernor", "BallastGovernor");
  const timelock = await at<Timelock>("Timelock", "Timelock");
  const guardian = await ethers.getSigner((await getNamedAccounts()).guardian);
  const addr: Record<string, string> = {};
  for (const [name, d] of Object.entries(await deployments.all())) addr[name] = d.address;
  return { ...sys, token, governor, timelock, guardian, addr };
}

// ----------------------------------------------------------------------------- proposals

interface Proposal {
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
  descriptionHash: string;
  id: bigint;
}

/** A proposal of `calls` (each `[contract, function, args]`); its id is computed, nothing is sent. */
async function proposal(gov: Gov, description: string, calls: [BaseContract, string, unknown[]][]): Promise<Proposal> {
  const targets: string[] = [];
  const calldatas: string[] = [];
  for (const [contract, fn, args] of calls) {
    targets.push(await contract.getAddress());
    calldatas.push(contract.interface.encodeFunctionData(fn, args));
  }
  const values = targets.map(() => 0n);
  const descriptionHash = ethers.id(description);
  const id = await gov.governor.hashProposal(targets, values, calldatas, descriptionHash);
  return { targets, values, calldatas, description, descriptionHash, id };
}

const propose = (gov: Gov, p: Proposal, from: Signer) =>
  gov.governor.connect(from).propose(p.targets, p.values, p.calldatas, p.description);
const queue = (gov: Gov, p: Proposal, from?: Signer) =>
  gov.governor.connect(from ?? gov.keeper).queue(p.targets, p.values, p.calldatas, p.descriptionHash);
const execute = (gov: Gov, p: Proposal, from?: Signer) =>
  gov.governor.connect(from ?? gov.keeper).execute(p.targets, p.values, p.calldatas, p.descriptionHash);

/** The timelock operation a queued proposal became (GovernorTimelockControl's salt). */
async function operationId(gov: Gov, p: Proposal): Promise<string> {
  const salt = ethers.toBeHex((BigInt(await gov.governor.getAddress()) << 96n) ^ BigInt(p.descriptionHash), 32);
  return gov.timelock.hashOperationBatch(p.targets, p.values, p.calldatas, ethers.ZeroHash, salt);
}

/**
 * Proposes each proposal (the deployer, treasury and 100M-vote delegate, proposes and votes for),
 * waits out the vote, queues them and waits for the timelock: they are then ready to execute.
 */
async function passAll(gov: Gov, ps: Proposal[]): Promise<void> {
  for (const p of ps) await propose(gov, p, gov.deployer);
  const snapshots = await Promise.all(ps.map((p) => gov.governor.proposalSnapshot(p.id)));
  await time.increaseTo(snapshots.reduce((a, b) => (a > b ? a : b)) + 1n);
  for (const p of ps) await gov.governor.connect(gov.deployer).castVote(p.id, Vote.For);
  const deadlines = await Promise.all(ps.map((p) => gov.governor.proposalDeadline(p.id)));
  await time.increaseTo(deadlines.reduce((a, b) => (a > b ? a : b)) + 1n);
  for (const p of ps) await queue(gov, p);
  const etas = await Promise.all(ps.map((p) => gov.governor.proposalEta(p.id)));
  await time.increaseTo(etas.reduce((a, b) => (a > b ? a : b)));
  for (const p of ps) expect(await gov.governor.state(p.id)).to.equal(State.Queued);
}

// ----------------------------------------------------------------------------- state snapshot

/**
 * Every zero-argument view of every protocol contract, every known role of the actors and the
 * protocol contracts, and the per-collateral configurations: what "changing nothing" compares.
 */
async function protocolState(gov: Gov): Promise<unknown> {
  const out: Record<string, unknown> = {};
  const actors = [gov.deployer, gov.attacker, gov.guardian].map((s) => s.address);
  const holders = [...actors, gov.addr.Timelock, gov.addr.BallastGovernor];
  // The lens holds no state (and reports prices that go stale with time): left out.
  for (const name of protocolDeployments(await deployments.all()).filter((n) => n !== "ReserveLens")) {
    const d = await deployments.get(name);
    const c = (await ethers.getContractAt(d.abi, d.address)) as unknown as Contract;
    for (const f of d.abi as AbiFunction[]) {
      if (f.type !== "function" || !isView(f) || f.inputs.length !== 0 || f.name === "clock") continue;
      out[`${name}.${f.name}`] = await c
        .getFunction(`${f.name}()`)
        .staticCall()
        .then(String, (e: Error) => `revert ${e.message}`);
    }
    if (d.abi.some((f: AbiFunction) => f.name === "hasRole")) {
      for (const role of [ADMIN_ROLE, GUARDIAN_ROLE, RISK_CONTROL_ROLE, PROPOSER_ROLE, CANCELLER_ROLE, EXECUTOR_ROLE]) {
        for (const h of holders) out[`${name}.hasRole(${role},${h})`] = await c.hasRole(role, h);
      }
    }
  }
  const weth = gov.addr.WETH;
  const wbtc = gov.addr.WBTC;
  for (const t of [weth, wbtc]) {
    out[`collateralConfig(${t})`] = String(await gov.vaultManager.collateralConfig(t));
    out[`collateralState(${t})`] = String(await gov.engine.collateralState(t));
  }
  for (const t of [weth, wbtc, gov.addr.USDC]) out[`feedConfig(${t})`] = String(await gov.oracle.feedConfig(t));
  for (const h of holders) {
    out[`isModule(${h})`] = await gov.bdol.isModule(h);
    out[`bdol(${h})`] = await gov.bdol.balanceOf(h);
    out[`blst(${h})`] = await gov.token.balanceOf(h);
  }
  return out;
}

// ----------------------------------------------------------------------------- ABI enumeration

interface AbiFunction {
  type: string;
  name: string;
  stateMutability: string;
  inputs: { type: string }[];
}
const isView = (f: AbiFunction) => f.stateMutability === "view" || f.stateMutability === "pure";

/** Uniswap's own contracts and pools (third-party code the local deploy runs as it is). */
const UNISWAP = ["UniswapV3Factory", "SwapRouter", "QuoterV2", "NonfungiblePositionManager"];

/** Every deployment of the protocol itself: all but the local test tokens, mock feeds and Uniswap. */
function protocolDeployments(all: Record<string, unknown>): string[] {
  const mocks = new Set([
    ...Object.keys(LOCAL.testTokens),
    ...Object.keys(LOCAL.mockFeeds),
    ...Object.keys(LOCAL.mockStrategies),
    ...UNISWAP,
    ...Object.keys(LOCAL.market.pools),
  ]);
  return Object.keys(all)
    .filter((n) => !mocks.has(n))
    .sort();
}

type Who = "deployer" | "attacker" | "guardian";
interface Ctx {
  gov: Gov;
  caller: string;
  a: Record<string, string>;
}
/** The error a refused caller gets, and its arguments. */
type Refusal = { error: string; args: unknown[] };
interface Privileged {
  /** Arguments that the rightful caller could use (checked by a static call where `rightful` is set). */
  args: (x: Ctx) => unknown[];
  refusal: (x: Ctx) => Refusal;
  /** Who may call it: a static call from them with `args` succeeds. Omitted when the call needs state. */
  rightful?: (gov: Gov) => Promise<Signer>;
  /** The guardian's own powers (pause, trip the breaker): tested in Guardian.test.ts. */
  guardianMay?: boolean;
  /** Prepares the state the rightful call needs (e.g. a running pause for `allowRiskAdding`). */
  prepare?: (gov: Gov) => Promise<void>;
}

const notAdmin = (x: Ctx): Refusal => ({ error: "AccessControlUnauthorizedAccount", args: [x.caller, ADMIN_ROLE] });
const timelockSigner = (gov: Gov) => adminOf(gov.vaultManager);

/** AccessControl's own functions on a contract administered by the timelock. */
function roleFunctions(
  grantArgs: (x: Ctx) => unknown[],
  revokeArgs: (x: Ctx) => unknown[],
  renounceArgs: (x: Ctx) => unknown[] = (x) => [ADMIN_ROLE, x.a.Timelock],
  admin: (gov: Gov) => Promise<Signer> = timelockSigner,
) {
  return {
    grantRole: { args: grantArgs, refusal: notAdmin, rightful: admin },
    revokeRole: { args: revokeArgs, refusal: notAdmin, rightful: admin },
    // Renouncing works only for one's own account: on someone else's behalf it is refused.
    renounceRole: { args: renounceArgs, refusal: () => ({ error: "AccessControlBadConfirmation", args: [] }) },
  } satisfies Record<string, Privileged>;
}

const AUCTION_PARAMS = {
  startMultiplier: wad("1.1"),
  floorRatio: wad("0.9"),
  duration: 7200n,
  maxAge: 3600n,
  maxAuctionDebt: wad(1_000_000),
  dust: wad(100),
};

/**
 * Every function that changes state and is not open to everyone, with arguments valid for its
 * rightful caller and the error anybody else gets. Functions are enumerated from the ABIs: a new
 * state-changing function fails the classification test until it is listed here or in PUBLIC.
 */
const PRIVILEGED: Record<string, Record<string, Privileged>> = {
  VaultManager: {
    addCollateral: {
      args: (x) => [
        x.a.USDC,
        {
          oracleAsset: x.a.USDC,
          debtCeiling: wad(1_000_000),
          minDebt: wad(100),
          liquidationRatio: wad("1.1"),
          borrowRatio: wad("1.2"),
          liquidationPenalty: wad("0.05"),
          stabilityFee: RAY,
        },
      ],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    setDebtCeiling: { args: (x) => [x.a.WETH, wad(200_000_000)], refusal: notAdmin, rightful: timelockSigner },
    setMinDebt: { args: (x) => [x.a.WETH, wad(1_000)], refusal: notAdmin, rightful: timelockSigner },
    setLiquidationRatio: { args: (x) => [x.a.WETH, wad("1.55")], refusal: notAdmin, rightful: timelockSigner },
    setBorrowRatio: { args: (x) => [x.a.WETH, wad("1.7")], refusal: notAdmin, rightful: timelockSigner },
    setLiquidationPenalty: { args: (x) => [x.a.WETH, wad("0.12")], refusal: notAdmin, rightful: timelockSigner },
    setStabilityFee: { args: (x) => [x.a.WETH, RAY], refusal: notAdmin, rightful: timelockSigner },
    setMaxPauseDuration: { args: () => [DAY], refusal: notAdmin, rightful: timelockSigner },
    // Its rightful use needs a second governor (tested in VaultManager.test.ts).
    setPauseGovernor: { args: (x) => [x.a.BallastGovernor], refusal: notAdmin },
    applyRiskSettings: {
      args: (x) => [x.a.WETH, RAY, wad("1.7"), 0n],
      refusal: (x) => ({ error: "AccessControlUnauthorizedAccount", args: [x.caller, RISK_CONTROL_ROLE] }),
      rightful: async (gov) => impersonate(gov.addr.RiskController),
    },
    setReserve: { args: (x) => [x.caller], refusal: notAdmin, rightful: timelockSigner },
    setLiquidationEngine: {
      args: () => ["0x000000000000000000000000000000000000dEaD"],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    pauseRiskAdding: {
      args: (x) => [x.a.WETH],
      refusal: (x) => ({ error: "NotGuardian", args: [x.caller] }),
      rightful: async (gov) => gov.guardian,
      guardianMay: true,
    },
    pauseAllRiskAdding: {
      args: () => [],
      refusal: (x) => ({ error: "NotGuardian", args: [x.caller] }),
      rightful: async (gov) => gov.guardian,
      guardianMay: true,
    },
    // After the two pauses: its preparation pauses WETH.
    allowRiskAdding: {
      args: (x) => [x.a.WETH],
      refusal: notAdmin,
      rightful: timelockSigner,
      prepare: async (gov) => {
        await gov.vaultManager.connect(gov.guardian).pauseRiskAdding(gov.addr.WETH);
      },
    },
    seize: {
      args: (x) => [1n, 0n, 0n, x.caller],
      refusal: (x) => ({ error: "NotLiquidationEngine", args: [x.caller] }),
    },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [GUARDIAN_ROLE, x.gov.guardian.address],
    ),
  },
  LiquidationEngine: {
    configureCollateral: { args: (x) => [x.a.USDC, AUCTION_PARAMS], refusal: notAdmin },
    setStartMultiplier: { args: (x) => [x.a.WETH, wad("1.2")], refusal: notAdmin, rightful: timelockSigner },
    setFloorRatio: { args: (x) => [x.a.WETH, wad("0.85")], refusal: notAdmin, rightful: timelockSigner },
    setAuctionDuration: { args: (x) => [x.a.WETH, 3 * 3600], refusal: notAdmin, rightful: timelockSigner },
    setMaxAuctionAge: { args: (x) => [x.a.WETH, 2 * 3600], refusal: notAdmin, rightful: timelockSigner },
    setMaxAuctionDebt: { args: (x) => [x.a.WETH, wad(30_000_000)], refusal: notAdmin, rightful: timelockSigner },
    setAuctionDust: { args: (x) => [x.a.WETH, wad(200)], refusal: notAdmin, rightful: timelockSigner },
    setMaxTotalAuctionDebt: { args: () => [wad(40_000_000)], refusal: notAdmin, rightful: timelockSigner },
    setTipGas: { args: () => [500_000], refusal: notAdmin, rightful: timelockSigner },
    setRedoGas: { args: () => [120_000], refusal: notAdmin, rightful: timelockSigner },
    setMaxTip: { args: () => [wad(600)], refusal: notAdmin, rightful: timelockSigner },
    setKeeperFee: { args: () => [wad("0.002")], refusal: notAdmin, rightful: timelockSigner },
    setMaxRewardShare: { args: () => [wad("0.03")], refusal: notAdmin, rightful: timelockSigner },
    setNativeAsset: { args: (x) => [x.a.WBTC], refusal: notAdmin, rightful: timelockSigner },
    startSale: {
      args: (x) => [x.a.WETH, wad(1)],
      refusal: (x) => ({ error: "NotReserve", args: [x.caller] }),
    },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  PegStabilityModule: {
    setFeeIn: { args: () => [wad("0.002")], refusal: notAdmin, rightful: timelockSigner },
    setFeeOut: { args: () => [wad("0.002")], refusal: notAdmin, rightful: timelockSigner },
    setMintCeiling: { args: () => [wad(1)], refusal: notAdmin, rightful: timelockSigner },
    setOutflowLimit: { args: () => [wad(1)], refusal: notAdmin, rightful: timelockSigner },
    setOutflowWindow: { args: () => [7_200], refusal: notAdmin, rightful: timelockSigner },
    setDepegTolerance: { args: () => [wad("0.02")], refusal: notAdmin, rightful: timelockSigner },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  ReservePool: {
    setBufferShare: { args: () => [wad("0.5")], refusal: notAdmin, rightful: timelockSigner },
    setVaultManager: { args: (x) => [x.caller], refusal: notAdmin, rightful: timelockSigner },
    setLiquidationEngine: { args: (x) => [x.caller], refusal: notAdmin, rightful: timelockSigner },
    setPegStabilityModule: { args: (x) => [x.caller], refusal: notAdmin, rightful: timelockSigner },
    // address(0) detaches it; another address must be a keeper of this reserve.
    setPegKeeper: { args: () => [ethers.ZeroAddress], refusal: notAdmin, rightful: timelockSigner },
    setSavings: { args: () => [ethers.ZeroAddress], refusal: notAdmin, rightful: timelockSigner },
    setRiskController: { args: () => [ethers.ZeroAddress], refusal: notAdmin, rightful: timelockSigner },
    setRecoveryShare: { args: () => [wad("0.9")], refusal: notAdmin, rightful: timelockSigner },
    setSavingsMargin: { args: () => [wad("0.2")], refusal: notAdmin, rightful: timelockSigner },
    // The poke's settlement: the risk controller only.
    settlePoke: {
      args: (x) => [x.caller, 0n, 0n],
      refusal: (x) => ({ error: "NotRiskController", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.RiskController),
    },
    // The savings vault's drip, from the surplus only: the fresh deployment has none to pay.
    paySavings: { args: () => [wad(1)], refusal: (x) => ({ error: "NotSavings", args: [x.caller] }) },
    // Inside the peg keeper's swap callback, to the pool: the keeper only.
    payBuyBack: {
      args: (x) => [x.caller, 0n],
      refusal: (x) => ({ error: "NotPegKeeper", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.PegKeeper),
    },
    // Needs a second ERC-4626 vault over USDC (the configured one is registered): tested in ReserveStrategies.test.ts.
    addStrategy: { args: (x) => [x.a.USDC_STRATEGY, 1n], refusal: notAdmin },
    setStrategyCap: { args: (x) => [x.a.USDC_STRATEGY, 1n], refusal: notAdmin, rightful: timelockSigner },
    removeStrategy: { args: (x) => [x.a.USDC_STRATEGY], refusal: notAdmin, rightful: timelockSigner },
    setLiquidTarget: { args: () => [wad("0.5")], refusal: notAdmin, rightful: timelockSigner },
    setMaxRebalance: { args: () => [1n], refusal: notAdmin, rightful: timelockSigner },
    setRebalanceInterval: { args: () => [7_200n], refusal: notAdmin, rightful: timelockSigner },
    // The reserve's checked strategy exchanges, called only by the reserve itself (inside rebalance
    // and releaseStable). A deposit needs USDC in the reserve: tested in ReserveStrategies.test.ts.
    depositIntoStrategy: {
      args: (x) => [x.a.USDC_STRATEGY, x.a.USDC, 1n],
      refusal: (x) => ({ error: "NotSelf", args: [x.caller] }),
    },
    redeemFromStrategy: {
      args: (x) => [x.a.USDC_STRATEGY, x.a.USDC, 1n, true],
      refusal: (x) => ({ error: "NotSelf", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.ReservePool),
    },
    releaseStable: {
      args: (x) => [x.a.USDC, x.caller, 0n],
      refusal: (x) => ({ error: "NotPegStabilityModule", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.PegStabilityModule),
    },
    absorb: {
      args: (x) => [wad(1), x.caller, 0n],
      refusal: (x) => ({ error: "NotLiquidationEngine", args: [x.caller] }),
    },
    payKeeper: {
      args: (x) => [x.caller, wad(1_000)],
      refusal: (x) => ({ error: "NotLiquidationEngine", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.LiquidationEngine),
    },
    coverShortfall: {
      args: () => [wad(1_000)],
      refusal: (x) => ({ error: "NotLiquidationEngine", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.LiquidationEngine),
    },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  BallastDollar: {
    setModule: { args: (x) => [x.caller, true], refusal: notAdmin, rightful: timelockSigner },
    setFlashFeeRate: { args: () => [wad("0.001")], refusal: notAdmin, rightful: timelockSigner },
    setFlashMintMax: { args: () => [wad(1)], refusal: notAdmin, rightful: timelockSigner },
    setFeeRecipient: { args: (x) => [x.caller], refusal: notAdmin, rightful: timelockSigner },
    mint: {
      args: (x) => [x.caller, wad(1_000_000)],
      refusal: (x) => ({ error: "NotModule", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.VaultManager),
    },
    burn: {
      args: (x) => [x.a.ReservePool, 0n],
      refusal: (x) => ({ error: "NotModule", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.VaultManager),
    },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  OracleAdapter: {
    setFeed: {
      args: (x) => [x.a.WETH, feedParams(x.a.ETH_USD_FEED, { heartbeat: 3_600 })],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    unfreeze: { args: (x) => [x.a.WETH], refusal: notAdmin },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  RiskController: {
    setCollateralRules: {
      args: (x) => [x.a.WETH, { ...networkConfig("hardhat").collaterals.WETH.control, baseRate: wad("0.03") }],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    unmanageCollateral: { args: (x) => [x.a.WBTC], refusal: notAdmin, rightful: timelockSigner },
    setPegRules: {
      args: (x) => [
        { pegAsset: x.a.BallastDollar, kp: wad(2), ki: wad(1), leakPerDay: wad("0.1"), maxPegTerm: wad("0.05") },
      ],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    setSystemRules: {
      args: () => [
        {
          pokeInterval: 600,
          priceWindow: 3600,
          slowWindow: 86_400,
          coolDown: 3600,
          varHorizon: 3600,
          criticalCollateralRatio: wad("1.1"),
          varConfidence: wad(3),
        },
      ],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    // Needs the deployed links (the reserve's controller, sBDOL's reserve); the bounds: RiskController tests.
    setReserveRules: {
      args: (x) => [
        {
          reserve: x.a.ReservePool,
          baseSavingsRate: 0n,
          savings: x.a.SavingsBdol,
          pokeGas: 0,
          maxPokeReward: 0n,
          gasAsset: ethers.ZeroAddress,
          maxPokeRewardPerDay: 0n,
          maxSavingsRate: 0n,
          savingsRateStep: 1n,
          capBelowTarget: 0n,
          stableStress: 0n,
        },
      ],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  MarketPriceFeed: {
    // The rightful call needs the pool's history to cover the new window: not statically checked here.
    setWindow: { args: () => [900], refusal: notAdmin },
    setMinLiquidity: { args: () => [wad(1)], refusal: notAdmin, rightful: timelockSigner },
    setQuoteHeartbeat: { args: () => [3_600], refusal: notAdmin, rightful: timelockSigner },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  PegKeeper: {
    setRules: {
      args: () => [
        {
          debtCap: wad(1_000_000),
          maxPerUpdate: wad(100_000),
          band: wad("0.003"),
          maxSpread: wad("0.005"),
          callerShare: wad("0.05"),
          interval: 3_600,
        },
      ],
      refusal: notAdmin,
      rightful: timelockSigner,
    },
    setBuyBackLimit: { args: () => [wad(500_000)], refusal: notAdmin, rightful: timelockSigner },
    pauseMinting: {
      args: () => [],
      refusal: (x) => ({ error: "NotGuardian", args: [x.caller] }),
      rightful: async (gov) => gov.guardian,
      guardianMay: true,
    },
    // Needs a running pause: not statically checked here (PegKeeper.test.ts lifts one).
    unpauseMinting: { args: () => [], refusal: notAdmin },
    // The pool's callback: refused to anyone but the pool during the keeper's own swap.
    uniswapV3SwapCallback: {
      args: () => [1, 1, "0x"],
      refusal: (x) => ({ error: "NotPool", args: [x.caller] }),
    },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  SavingsBdol: {
    setRate: {
      args: () => [10n ** 27n + 1n],
      refusal: (x) => ({ error: "AccessControlUnauthorizedAccount", args: [x.caller, RISK_CONTROL_ROLE] }),
      rightful: async (gov) => impersonate(gov.addr.RiskController),
    },
    pauseDeposits: {
      args: () => [],
      refusal: (x) => ({ error: "NotGuardian", args: [x.caller] }),
      rightful: async (gov) => gov.guardian,
      guardianMay: true,
    },
    // Needs a running pause: tested in SavingsBdol.test.ts.
    unpauseDeposits: { args: () => [], refusal: notAdmin },
    ...roleFunctions(
      (x) => [ADMIN_ROLE, x.caller],
      (x) => [ADMIN_ROLE, x.a.Timelock],
    ),
  },
  // A keeper's tool: its callbacks act only for its own take and its own swap.
  FlashTaker: {
    onTake: { args: (x) => [x.caller, 1n, 1n, "0x"], refusal: (x) => ({ error: "NotEngine", args: [x.caller] }) },
    uniswapV3SwapCallback: { args: () => [1n, 0n, "0x"], refusal: (x) => ({ error: "NotPool", args: [x.caller] }) },
  },
  // Governor settings: only through a proposal, which the timelock executes.
  BallastGovernor: {
    setVotingDelay: { args: () => [1], refusal: (x) => ({ error: "GovernorOnlyExecutor", args: [x.caller] }) },
    setVotingPeriod: { args: () => [7_200], refusal: (x) => ({ error: "GovernorOnlyExecutor", args: [x.caller] }) },
    setProposalThreshold: { args: () => [0], refusal: (x) => ({ error: "GovernorOnlyExecutor", args: [x.caller] }) },
    updateQuorumNumerator: { args: () => [10], refusal: (x) => ({ error: "GovernorOnlyExecutor", args: [x.caller] }) },
    relay: {
      args: (x) => [x.a.GovernanceToken, 0n, transferData(x.caller)],
      refusal: (x) => ({ error: "GovernorOnlyExecutor", args: [x.caller] }),
    },
  },
  Timelock: {
    updateDelay: {
      args: () => [7_200],
      refusal: (x) => ({ error: "TimelockUnauthorizedCaller", args: [x.caller] }),
      rightful: async (gov) => impersonate(gov.addr.Timelock),
    },
    schedule: {
      args: (x) => [x.a.VaultManager, 0n, setDebtCeilingData(x.a.WETH), ethers.ZeroHash, ethers.id(x.caller), 3_600],
      refusal: (x) => ({ error: "AccessControlUnauthorizedAccount", args: [x.caller, PROPOSER_ROLE] }),
      rightful: async (gov) => impersonate(gov.addr.BallastGovernor),
    },
    scheduleBatch: {
      args: (x) => [
        [x.a.VaultManager],
        [0n],
        [setDebtCeilingData(x.a.WETH)],
        ethers.ZeroHash,
        ethers.id(x.caller),
        3_600,
      ],
      refusal: (x) => ({ error: "AccessControlUnauthorizedAccount", args: [x.caller, PROPOSER_ROLE] }),
      rightful: async (gov) => impersonate(gov.addr.BallastGovernor),
    },
    cancel: {
      args: () => [ethers.id("any operation")],
      refusal: (x) => ({ error: "AccessControlUnauthorizedAccount", args: [x.caller, CANCELLER_ROLE] }),
    },
    // The timelock is its own admin: grants and revokes are proposals.
    ...roleFunctions(
      (x) => [PROPOSER_ROLE, x.caller],
      (x) => [PROPOSER_ROLE, x.a.BallastGovernor],
      (x) => [PROPOSER_ROLE, x.a.BallastGovernor],
      async (gov) => impersonate(gov.addr.Timelock),
    ),
  },
};

/** State-changing functions open to everyone, each acting only on the caller's own assets or rights. */
const PUBLIC: Record<string, string[]> = {
  // Anyone swaps at par within the fees, the ceiling, the depeg guard and the outflow limit, and
  // anyone mints the fees owed to the reserve (to the reserve only).
  PegStabilityModule: ["swapStableForCoin", "swapCoinForStable", "collectFees"],
  // Borrower actions (owner/operator checks), the caller's own escrow, anyone's accrual.
  VaultManager: [
    "openVault",
    "deposit",
    "withdraw",
    "borrow",
    "repay",
    "closeVault",
    "setOperator",
    "accrue",
    "releaseEscrow",
  ],
  // Keeper actions; a refund goes to its owner only.
  LiquidationEngine: ["liquidate", "take", "redo", "claimRefund"],
  // Anyone books inflows into the ledgers (healing the deficit first), sends the reserve's collateral to auction (floor-priced),
  // or moves the reserve's USDC between liquid and its strategies toward the governed target.
  ReservePool: ["heal", "book", "sellCollateral", "rebalance"],
  // Holders' own shares; anyone drips the interest the surplus owes (never more than it holds).
  SavingsBdol: ["deposit", "mint", "withdraw", "redeem", "drip", "transfer", "transferFrom", "approve"],
  BallastDollar: ["transfer", "transferFrom", "approve", "permit", "flashLoan"],
  OracleAdapter: ["recordPrice"],
  // Anyone pokes the controller, at most once per interval; it only moves parameters within the
  // governed rules.
  RiskController: ["poke"],
  // Anyone records the market's next round, at most once per ROUND_PERIOD; it measures, sets nothing.
  MarketPriceFeed: ["update"],
  // Anyone, at most once per interval; it trades only toward the peg, within its rules.
  PegKeeper: ["update"],
  // Anyone takes an auction through it; it holds nothing between transactions.
  FlashTaker: ["run"],
  GovernanceToken: ["transfer", "transferFrom", "approve", "permit", "delegate", "delegateBySig"],
  // The proposal lifecycle is open to token holders; cancel is the proposer's, while Pending.
  BallastGovernor: [
    "propose",
    "castVote",
    "castVoteWithReason",
    "castVoteWithReasonAndParams",
    "castVoteBySig",
    "castVoteWithReasonAndParamsBySig",
    "queue",
    "execute",
    "cancel",
    "onERC721Received",
    "onERC1155Received",
    "onERC1155BatchReceived",
  ],
  // EXECUTOR_ROLE is open (address 0): anyone may execute an operation once it is ready.
  Timelock: ["execute", "executeBatch", "onERC721Received", "onERC1155Received", "onERC1155BatchReceived"],
  ReserveLens: [],
};

function transferData(to: string): string {
  return new ethers.Interface(["function transfer(address,uint256)"]).encodeFunctionData("transfer", [
    to,
    wad(1_000_000),
  ]);
}
function setDebtCeilingData(collateral: string): string {
  return new ethers.Interface(["function setDebtCeiling(address,uint256)"]).encodeFunctionData("setDebtCeiling", [
    collateral,
    wad(1),
  ]);
}

async function contractOf(name: string): Promise<Contract> {
  const d = await deployments.get(name);
  return (await ethers.getContractAt(d.abi, d.address)) as unknown as Contract;
}

// ============================================================================= tests

describe("Governance", function () {
  let gov: Gov;

  beforeEach(async () => {
    gov = await loadGov();
  });

  // --------------------------------------------------------------------------- token

  describe("GovernanceToken", () => {
    it("has its configured name and symbol and the whole fixed supply at the treasury, self-delegated", async () => {
      const { token, deployer } = gov;
      expect(await token.name()).to.equal(G.token.name);
      expect(await token.symbol()).to.equal(G.token.symbol);
      expect(await token.decimals()).to.equal(18n);
      expect(await token.totalSupply()).to.equal(SUPPLY);
      // Locally the treasury is the deployer, which delegated to itself at deployment.
      expect(await token.balanceOf(deployer.address)).to.equal(SUPPLY);
      expect(await token.delegates(deployer.address)).to.equal(deployer.address);
      expect(await token.getVotes(deployer.address)).to.equal(SUPPLY);
    });

    it("keeps time by block timestamp (ERC-6372), and the governor uses the same clock", async () => {
      const { token, governor, deployer, alice } = gov;
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
      await time.increase(1_000);
      expect(await token.clock()).to.equal(await time.latest());
      expect(await governor.clock()).to.equal(await time.latest());
      // Checkpoints are keyed by the timestamp of the transaction that wrote them.
      await token.connect(deployer).transfer(alice.address, wad(10));
      await token.connect(alice).delegate(alice.address);
      const t = BigInt(await time.latest());
      await mine();
      expect(await token.numCheckpoints(alice.address)).to.equal(1n);
      expect((await token.checkpoints(alice.address, 0)).map(BigInt)).to.deep.equal([t, wad(10)]);
      expect(await token.getPastVotes(alice.address, t - 1n)).to.equal(0n);
      expect(await token.getPastVotes(alice.address, t)).to.equal(wad(10));
      // A future timepoint cannot be read: votes "now" can still change in this second.
      await expect(token.getPastVotes(alice.address, (await time.latest()) + 1))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs((await time.latest()) + 1, await time.latest());
    });

    it("accepts an EIP-2612 permit, once", async () => {
      const { token, deployer, alice, bob } = gov;
      const deadline = BigInt(await time.latest()) + 3_600n;
      const value = wad(1_234);
      const nonce = await token.nonces(deployer.address);
      const { chainId } = await ethers.provider.getNetwork();
      const signature = ethers.Signature.from(
        await deployer.signTypedData(
          { name: G.token.name, version: "1", chainId, verifyingContract: await token.getAddress() },
          {
            Permit: [
              { name: "owner", type: "address" },
              { name: "spender", type: "address" },
              { name: "value", type: "uint256" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          { owner: deployer.address, spender: alice.address, value, nonce, deadline },
        ),
      );
      const permit = () =>
        token
          .connect(bob)
          .permit(deployer.address, alice.address, value, deadline, signature.v, signature.r, signature.s);
      await expect(permit()).to.emit(token, "Approval").withArgs(deployer.address, alice.address, value);
      expect(await token.allowance(deployer.address, alice.address)).to.equal(value);
      expect(await token.nonces(deployer.address)).to.equal(nonce + 1n);
      await expect(permit()).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
      await token.connect(alice).transferFrom(deployer.address, bob.address, value);
      expect(await token.balanceOf(bob.address)).to.equal(value);
    });

    it("has no mint, no owner and no role: the supply is fixed", async () => {
      const { token } = gov;
      const names: string[] = [];
      token.interface.forEachFunction((f) => names.push(f.name));
      for (const forbidden of ["mint", "owner", "hasRole", "grantRole", "transferOwnership", "burn", "burnFrom"]) {
        expect(names, forbidden).to.not.include(forbidden);
      }
      // Nothing that changes state other than the ERC-20, permit and delegation functions.
      const abi = (await deployments.get("GovernanceToken")).abi as AbiFunction[];
      const writes = abi.filter((f) => f.type === "function" && !isView(f)).map((f) => f.name);
      expect(writes.sort()).to.deep.equal(PUBLIC.GovernanceToken.slice().sort());
    });

    it("refuses a zero treasury (ZeroAddress) and a zero supply (ZeroAmount) at deployment", async () => {
      const factory = await ethers.getContractFactory("GovernanceToken");
      await expect(factory.deploy("T", "T", ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      await expect(factory.deploy("T", "T", gov.alice.address, 0n)).to.be.revertedWithCustomError(
        factory,
        "ZeroAmount",
      );
    });
  });

  // --------------------------------------------------------------------------- governor settings

  describe("BallastGovernor settings", () => {
    it("are the network config's, with OpenZeppelin's name, version and counting mode", async () => {
      const { governor, token, timelock } = gov;
      expect(await governor.name()).to.equal("BallastGovernor");
      expect(await governor.version()).to.equal("1");
      expect(await governor.COUNTING_MODE()).to.equal("support=bravo&quorum=for,abstain");
      expect(await governor.votingDelay()).to.equal(BigInt(G.votingDelay));
      expect(await governor.votingPeriod()).to.equal(BigInt(G.votingPeriod));
      expect(await governor.proposalThreshold()).to.equal(G.proposalThreshold);
      expect(await governor["quorumNumerator()"]()).to.equal(BigInt(G.quorumPercent));
      expect(await governor.quorumDenominator()).to.equal(100n);
      expect(await governor.token()).to.equal(await token.getAddress());
      expect(await governor.timelock()).to.equal(await timelock.getAddress());
      expect(await timelock.getMinDelay()).to.equal(BigInt(G.timelockDelay));
    });

    it("sets the quorum at 4 % of the supply at the snapshot", async () => {
      const { governor } = gov;
      await mine();
      const past = (await time.latest()) - 1;
      expect(await governor.quorum(past)).to.equal((SUPPLY * BigInt(G.quorumPercent)) / 100n);
      expect(await governor.quorum(past)).to.equal(wad(4_000_000));
    });

    it("executes a proposal within the bounds (voting delay set to its 1 s minimum)", async () => {
      const { governor } = gov;
      const p = await proposal(gov, "voting delay to 1 s", [[governor, "setVotingDelay", [MIN_VOTING_DELAY]]]);
      await passAll(gov, [p]);
      await expect(execute(gov, p))
        .to.emit(governor, "VotingDelaySet")
        .withArgs(G.votingDelay, MIN_VOTING_DELAY)
        .and.to.emit(governor, "ProposalExecuted")
        .withArgs(p.id);
      expect(await governor.votingDelay()).to.equal(MIN_VOTING_DELAY);
      expect(await governor.state(p.id)).to.equal(State.Executed);
    });

    it("fails at execution, with the bound's OutOfBounds, a proposal that sets any setting out of bounds", async () => {
      const { governor, timelock } = gov;
      const cases: [string, BaseContract, string, bigint, bigint, bigint][] = [
        ["voting delay 0", governor, "setVotingDelay", 0n, MIN_VOTING_DELAY, MAX_VOTING_DELAY],
        [
          "voting delay 30 d + 1 s",
          governor,
          "setVotingDelay",
          MAX_VOTING_DELAY + 1n,
          MIN_VOTING_DELAY,
          MAX_VOTING_DELAY,
        ],
        [
          "voting period 1 h − 1 s",
          governor,
          "setVotingPeriod",
          MIN_VOTING_PERIOD - 1n,
          MIN_VOTING_PERIOD,
          MAX_VOTING_PERIOD,
        ],
        ["voting period 0", governor, "setVotingPeriod", 0n, MIN_VOTING_PERIOD, MAX_VOTING_PERIOD],
        ["quorum 0 %", governor, "updateQuorumNumerator", 0n, MIN_QUORUM, MAX_QUORUM],
        ["quorum 51 %", governor, "updateQuorumNumerator", 51n, MIN_QUORUM, MAX_QUORUM],
        ["threshold 10 % + 1 wei", governor, "setProposalThreshold", MAX_THRESHOLD + 1n, 0n, MAX_THRESHOLD],
        ["timelock delay 0", timelock, "updateDelay", 0n, MIN_TIMELOCK_DELAY, MAX_TIMELOCK_DELAY],
        [
          "timelock delay 30 d + 1 s",
          timelock,
          "updateDelay",
          MAX_TIMELOCK_DELAY + 1n,
          MIN_TIMELOCK_DELAY,
          MAX_TIMELOCK_DELAY,
        ],
      ];
      const ps = await Promise.all(cases.map(([d, c, fn, v]) => proposal(gov, d, [[c, fn, [v]]])));
      await passAll(gov, ps);
      const before = await protocolState(gov);
      for (const [i, [description, , , value, lo, hi]] of cases.entries()) {
        // The timelock's call reverts, and TimelockController bubbles its revert data up unchanged.
        await expect(execute(gov, ps[i]), description)
          .to.be.revertedWithCustomError(governor, "OutOfBounds")
          .withArgs(value, lo, hi);
        expect(await governor.state(ps[i].id), description).to.equal(State.Queued);
      }
      expect(await protocolState(gov)).to.deep.equal(before);
      // At the bounds themselves the same settings are accepted. The timelock's longest delay is
      // the one the governance cycle allows: voting delay + period + delay < maxPauseDuration (7 d).
      const longestDelay = BigInt(G.maxPauseDuration) - BigInt(G.votingDelay) - MIN_VOTING_PERIOD - 1n;
      const edges = await proposal(gov, "edges", [
        [governor, "setVotingPeriod", [MIN_VOTING_PERIOD]],
        [governor, "updateQuorumNumerator", [MAX_QUORUM]],
        [governor, "setProposalThreshold", [MAX_THRESHOLD]],
        [timelock, "updateDelay", [longestDelay]],
      ]);
      await passAll(gov, [edges]);
      await execute(gov, edges);
      expect(await governor.votingPeriod()).to.equal(MIN_VOTING_PERIOD);
      expect(await governor["quorumNumerator()"]()).to.equal(MAX_QUORUM);
      expect(await governor.proposalThreshold()).to.equal(MAX_THRESHOLD);
      expect(await timelock.getMinDelay()).to.equal(longestDelay);
      expect(await governor.governanceCycle()).to.equal(BigInt(G.maxPauseDuration) - 1n);
    });

    it("keeps the governance cycle shorter than maxPauseDuration: a proposal that lengthens voting or the timelock delay to it fails at execution (GovernanceCycleTooLong)", async () => {
      const { governor, timelock, vaultManager } = gov;
      const maxPause = BigInt(G.maxPauseDuration); // 7 d
      const [delay, period, lock] = [BigInt(G.votingDelay), BigInt(G.votingPeriod), BigInt(G.timelockDelay)];
      expect(await governor.governanceCycle()).to.equal(delay + period + lock);
      expect(await governor.vaultManager()).to.equal(await vaultManager.getAddress());
      expect(await timelock.vaultManager()).to.equal(await vaultManager.getAddress());
      // Each term raised so that the cycle equals maxPauseDuration: refused, whichever contract checks.
      const cases: [string, BaseContract, string, bigint][] = [
        ["voting delay", governor, "setVotingDelay", maxPause - period - lock],
        ["voting period", governor, "setVotingPeriod", maxPause - delay - lock],
        ["timelock delay", timelock, "updateDelay", maxPause - delay - period],
      ];
      const ps = await Promise.all(cases.map(([d, c, fn, v]) => proposal(gov, d, [[c, fn, [v]]])));
      const fits = await Promise.all(cases.map(([d, c, fn, v]) => proposal(gov, `${d} − 1 s`, [[c, fn, [v - 1n]]])));
      await passAll(gov, [...ps, ...fits]);
      for (const [i, [description]] of cases.entries()) {
        await expect(execute(gov, ps[i]), description)
          .to.be.revertedWithCustomError(governor, "GovernanceCycleTooLong")
          .withArgs(maxPause, maxPause);
      }
      // One second less fits; after it, every other term is at its longest: a second longer
      // anywhere (here the timelock delay) is refused, and maxPauseDuration cannot come down.
      await execute(gov, fits[0]);
      expect(await governor.governanceCycle()).to.equal(maxPause - 1n);
      for (const i of [1, 2]) {
        await expect(execute(gov, fits[i]), cases[i][0]).to.be.revertedWithCustomError(
          governor,
          "GovernanceCycleTooLong",
        );
      }
      const vmAdmin = vaultManager.connect(await adminOf(vaultManager));
      await expect(vmAdmin.setMaxPauseDuration(maxPause - 1n))
        .to.be.revertedWithCustomError(vaultManager, "GovernanceCycleTooLong")
        .withArgs(maxPause - 1n, maxPause - 1n);
      await expect(vmAdmin.setMaxPauseDuration(maxPause + 1n)).to.emit(vaultManager, "MaxPauseDurationSet");
    });

    it("refuses to deploy a governor whose cycle is not shorter than the vault manager's maxPauseDuration", async () => {
      const { token, timelock, vaultManager } = gov;
      const factory = await ethers.getContractFactory("BallastGovernor");
      const maxPause = BigInt(G.maxPauseDuration);
      const period = maxPause - BigInt(G.votingDelay) - BigInt(G.timelockDelay);
      const deploy = (votingPeriod: bigint) =>
        factory.deploy(
          token,
          timelock,
          G.votingDelay,
          votingPeriod,
          G.proposalThreshold,
          G.quorumPercent,
          vaultManager,
        );
      await expect(deploy(period))
        .to.be.revertedWithCustomError(factory, "GovernanceCycleTooLong")
        .withArgs(maxPause, maxPause);
      const ok = (await deploy(period - 1n)) as unknown as BallastGovernor;
      expect(await ok.governanceCycle()).to.equal(maxPause - 1n);
      await expect(
        factory.deploy(token, timelock, G.votingDelay, G.votingPeriod, 0, G.quorumPercent, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });
  });

  // --------------------------------------------------------------------------- lifecycle

  describe("lifecycle", () => {
    let weth: string;

    /** alice 3M, bob 2M, carol 1M BLST, each self-delegated; the treasury keeps 94M and does not vote. */
    async function distribute() {
      const { token, deployer, alice, bob, carol } = gov;
      for (const [who, amount] of [
        [alice, wad(3_000_000)],
        [bob, wad(2_000_000)],
        [carol, wad(1_000_000)],
      ] as const) {
        await token.connect(deployer).transfer(who.address, amount);
        await token.connect(who).delegate(who.address);
      }
      await mine();
    }

    beforeEach(async () => {
      weth = gov.addr.WETH;
    });

    it("changes a risk parameter: Pending → Active → Succeeded → Queued → Executed, only after the delay", async () => {
      const { governor, vaultManager: vm, alice, bob, carol, keeper } = gov;
      await distribute();
      const ratio = async () => (await vm.collateralConfig(weth)).liquidationRatio;
      const p = await proposal(gov, "WETH liquidation ratio 150 % → 155 %", [
        [vm, "setLiquidationRatio", [weth, wad("1.55")]],
      ]);

      await expect(propose(gov, p, alice)).to.emit(governor, "ProposalCreated");
      const proposedAt = BigInt(await time.latest());
      const snapshot = await governor.proposalSnapshot(p.id);
      const deadline = await governor.proposalDeadline(p.id);
      expect(snapshot).to.equal(proposedAt + BigInt(G.votingDelay));
      expect(deadline).to.equal(snapshot + BigInt(G.votingPeriod));
      expect(await governor.proposalProposer(p.id)).to.equal(alice.address);
      expect(await governor.state(p.id)).to.equal(State.Pending);

      // Pending up to and including the snapshot second: no vote yet.
      await time.setNextBlockTimestamp(snapshot);
      await expect(governor.connect(alice).castVote(p.id, Vote.For))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Pending, bitmap(State.Active));
      expect(await ratio()).to.equal(WETH_LR);

      await expect(governor.connect(alice).castVote(p.id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(alice.address, p.id, Vote.For, wad(3_000_000), "");
      expect(await governor.state(p.id)).to.equal(State.Active);
      await governor.connect(bob).castVoteWithReason(p.id, Vote.For, "safer");
      await governor.connect(carol).castVote(p.id, Vote.Against);
      await expect(governor.connect(alice).castVote(p.id, Vote.Against))
        .to.be.revertedWithCustomError(governor, "GovernorAlreadyCastVote")
        .withArgs(alice.address);
      const [against, forVotes, abstain] = await governor.proposalVotes(p.id);
      expect([against, forVotes, abstain]).to.deep.equal([wad(1_000_000), wad(5_000_000), 0n]);
      await expect(queue(gov, p))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Active, bitmap(State.Succeeded));

      // Active through the deadline second, Succeeded after it.
      await time.increaseTo(deadline);
      expect(await governor.state(p.id)).to.equal(State.Active);
      await mine();
      expect(await governor.state(p.id)).to.equal(State.Succeeded);
      expect(await ratio()).to.equal(WETH_LR);
      await expect(execute(gov, p))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Succeeded, bitmap(State.Queued));

      const queued = await queue(gov, p, keeper);
      const eta = BigInt(await time.latest()) + BigInt(G.timelockDelay);
      await expect(queued).to.emit(governor, "ProposalQueued").withArgs(p.id, eta);
      expect(await governor.proposalEta(p.id)).to.equal(eta);
      expect(await governor.state(p.id)).to.equal(State.Queued);
      const op = await operationId(gov, p);
      expect(await gov.timelock.isOperationPending(op)).to.equal(true);
      expect(await gov.timelock.getTimestamp(op)).to.equal(eta);

      // One second before the eta the timelock refuses; the parameter has not moved.
      await time.setNextBlockTimestamp(eta - 1n);
      await expect(execute(gov, p))
        .to.be.revertedWithCustomError(gov.timelock, "TimelockUnexpectedOperationState")
        .withArgs(op, bitmap(TIMELOCK_READY));
      expect(await ratio()).to.equal(WETH_LR);
      expect(await governor.state(p.id)).to.equal(State.Queued);

      // At the eta anyone executes; the timelock makes the call.
      await expect(execute(gov, p, keeper))
        .to.emit(vm, "LiquidationRatioSet")
        .withArgs(weth, WETH_LR, wad("1.55"))
        .and.to.emit(governor, "ProposalExecuted")
        .withArgs(p.id)
        .and.to.emit(gov.timelock, "CallExecuted");
      expect(await time.latest()).to.equal(eta);
      expect(await ratio()).to.equal(wad("1.55"));
      expect(await governor.state(p.id)).to.equal(State.Executed);
      expect(await gov.timelock.isOperationDone(op)).to.equal(true);
      await expect(execute(gov, p))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Executed, bitmap(State.Queued));
    });

    it("refuses a proposer below the threshold (checked at the previous second)", async () => {
      const { governor, token, deployer, alice, attacker } = gov;
      const p = await proposal(gov, "raise ceiling", [[gov.vaultManager, "setDebtCeiling", [weth, wad(200_000_000)]]]);
      await expect(propose(gov, p, attacker))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(attacker.address, 0n, G.proposalThreshold);
      // One wei short of the threshold.
      await token.connect(deployer).transfer(alice.address, G.proposalThreshold - 1n);
      await token.connect(alice).delegate(alice.address);
      await expect(propose(gov, p, alice))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(alice.address, G.proposalThreshold - 1n, G.proposalThreshold);
      await token.connect(deployer).transfer(alice.address, 1n);
      await mine();
      await expect(propose(gov, p, alice)).to.emit(governor, "ProposalCreated");
    });

    it("lets the proposer cancel while pending (Canceled), nobody else, and not once voting opened", async () => {
      const { governor, token, deployer, alice, attacker } = gov;
      await token.connect(deployer).transfer(alice.address, G.proposalThreshold);
      await token.connect(alice).delegate(alice.address);
      await mine();
      const p = await proposal(gov, "raise ceiling, then cancel", [
        [gov.vaultManager, "setDebtCeiling", [weth, wad(200_000_000)]],
      ]);
      await propose(gov, p, alice);
      const cancel = (from: Signer) =>
        governor.connect(from).cancel(p.targets, p.values, p.calldatas, p.descriptionHash);
      await expect(cancel(attacker))
        .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
        .withArgs(p.id, attacker.address);
      await expect(cancel(alice)).to.emit(governor, "ProposalCanceled").withArgs(p.id);
      expect(await governor.state(p.id)).to.equal(2n); // Canceled
      await expect(queue(gov, p)).to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState");

      const q = await proposal(gov, "raise ceiling, cancel too late", [
        [gov.vaultManager, "setDebtCeiling", [weth, wad(200_000_000)]],
      ]);
      await propose(gov, q, alice);
      await time.increase(G.votingDelay + 1);
      await expect(governor.connect(alice).cancel(q.targets, q.values, q.calldatas, q.descriptionHash))
        .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
        .withArgs(q.id, alice.address);
    });

    it("defeats a proposal that misses the quorum or that against wins; neither can be queued or executed", async () => {
      const { governor, vaultManager: vm, alice, bob, carol } = gov;
      await distribute();
      const noQuorum = await proposal(gov, "ceiling 200M", [[vm, "setDebtCeiling", [weth, wad(200_000_000)]]]);
      const againstWins = await proposal(gov, "ceiling 300M", [[vm, "setDebtCeiling", [weth, wad(300_000_000)]]]);
      const abstainQuorum = await proposal(gov, "min debt 1,000", [[vm, "setMinDebt", [weth, wad(1_000)]]]);
      for (const p of [noQuorum, againstWins, abstainQuorum]) await propose(gov, p, alice);
      await time.increaseTo((await governor.proposalSnapshot(abstainQuorum.id)) + 1n);
      // 3M for, nothing against: below the 4M quorum.
      await governor.connect(alice).castVote(noQuorum.id, Vote.For);
      // 5M votes, quorum reached, but against (3M) > for (2M).
      await governor.connect(alice).castVote(againstWins.id, Vote.Against);
      await governor.connect(bob).castVote(againstWins.id, Vote.For);
      // Abstentions count toward the quorum: 1M for + 3M abstain = 4M, for > against.
      await governor.connect(carol).castVote(abstainQuorum.id, Vote.For);
      await governor.connect(alice).castVote(abstainQuorum.id, Vote.Abstain);
      await time.increaseTo((await governor.proposalDeadline(abstainQuorum.id)) + 1n);

      expect(await governor.quorum(await governor.proposalSnapshot(noQuorum.id))).to.equal(wad(4_000_000));
      for (const p of [noQuorum, againstWins]) {
        expect(await governor.state(p.id)).to.equal(State.Defeated);
        await expect(queue(gov, p))
          .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
          .withArgs(p.id, State.Defeated, bitmap(State.Succeeded));
        await expect(execute(gov, p))
          .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
          .withArgs(p.id, State.Defeated, bitmap(State.Queued));
      }
      expect(await governor.state(abstainQuorum.id)).to.equal(State.Succeeded);
      expect((await vm.collateralConfig(weth)).debtCeiling).to.equal(LOCAL.collaterals.WETH.debtCeiling);
    });
  });

  // --------------------------------------------------------------------------- vote buying and flash loans

  describe("votes after the snapshot, flash loans, one-transaction governance", () => {
    let lender: MockVotesFlashLender;
    let bot: GovernanceAttacker;
    let p: Proposal;
    const POOL = wad(50_000_000);

    beforeEach(async () => {
      const { token, governor, deployer, vaultManager: vm } = gov;
      // A lending pool holding half the supply, and the attacker's contract.
      lender = await ethers.deployContract("MockVotesFlashLender", [await token.getAddress()]);
      bot = await ethers.deployContract("GovernanceAttacker", [await governor.getAddress(), await token.getAddress()]);
      await token.connect(deployer).transfer(await lender.getAddress(), POOL);
      // The attacker wants the WETH liquidation ratio lowered (one step, 1.5 → 1.4).
      p = await proposal(gov, "attack: WETH liquidation ratio 1.4", [
        [vm, "setLiquidationRatio", [gov.addr.WETH, wad("1.4")]],
      ]);
    });

    const encodeProposal = (q: Proposal) =>
      ethers.AbiCoder.defaultAbiCoder().encode(
        ["address[]", "uint256[]", "bytes[]", "string"],
        [q.targets, q.values, q.calldatas, q.description],
      );
    const encodeVote = (id: bigint, support: Vote) =>
      ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint8"], [id, support]);

    it("gives tokens transferred after the snapshot no weight on that proposal", async () => {
      const { token, governor, deployer, alice, bob } = gov;
      const honest = await proposal(gov, "ceiling 200M", [
        [gov.vaultManager, "setDebtCeiling", [gov.addr.WETH, wad(200_000_000)]],
      ]);
      await propose(gov, honest, deployer);
      const snapshot = await governor.proposalSnapshot(honest.id);
      // Before the snapshot a transfer still counts (the voting delay is the time to acquire votes)...
      await token.connect(deployer).transfer(bob.address, wad(1_000_000));
      await token.connect(bob).delegate(bob.address);
      await time.increaseTo(snapshot + 1n);
      // ...after it, it does not.
      await token.connect(deployer).transfer(alice.address, wad(10_000_000));
      await token.connect(alice).delegate(alice.address);
      expect(await token.getVotes(alice.address)).to.equal(wad(10_000_000));
      expect(await token.getPastVotes(alice.address, snapshot)).to.equal(0n);

      const before = await governor.proposalVotes(honest.id);
      await expect(governor.connect(alice).castVote(honest.id, Vote.Against))
        .to.emit(governor, "VoteCast")
        .withArgs(alice.address, honest.id, Vote.Against, 0n, "");
      expect(await governor.proposalVotes(honest.id)).to.deep.equal(before);
      await governor.connect(bob).castVote(honest.id, Vote.For);
      // The seller still votes its whole snapshot weight (all but the pool's 50M and bob's 1M):
      // the 10M it sold after the snapshot are counted once, for the seller, not for the buyer.
      const sellerWeight = SUPPLY - POOL - wad(1_000_000);
      await expect(governor.connect(deployer).castVote(honest.id, Vote.For))
        .to.emit(governor, "VoteCast")
        .withArgs(deployer.address, honest.id, Vote.For, sellerWeight, "");
      expect(await governor.proposalVotes(honest.id)).to.deep.equal([0n, sellerWeight + wad(1_000_000), 0n]);
    });

    it("refuses a proposal from flash-borrowed votes (below the threshold at the previous second)", async () => {
      const { governor } = gov;
      await expect(bot.flash(await lender.getAddress(), POOL, 1 /* Propose */, encodeProposal(p)))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(await bot.getAddress(), 0n, G.proposalThreshold);
      // The loan itself works: holding the votes for a transaction is possible, using them is not.
      await bot.flash(await lender.getAddress(), POOL, 0 /* Hold */, "0x");
      expect(await bot.votesDuringLoan()).to.equal(POOL);
      expect(await gov.token.balanceOf(await lender.getAddress())).to.equal(POOL);
      await expect(governor.state(p.id)).to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal");
    });

    it("counts flash-borrowed votes as 0 on an active proposal, changing no tally", async () => {
      const { governor, deployer, alice, token } = gov;
      const honest = await proposal(gov, "ceiling 200M", [
        [gov.vaultManager, "setDebtCeiling", [gov.addr.WETH, wad(200_000_000)]],
      ]);
      await propose(gov, honest, deployer);
      await time.increaseTo((await governor.proposalSnapshot(honest.id)) + 1n);
      await token.connect(deployer).transfer(alice.address, wad(1_000)); // any activity
      const before = await governor.proposalVotes(honest.id);
      await expect(bot.flash(await lender.getAddress(), POOL, 2 /* Vote */, encodeVote(honest.id, Vote.Against)))
        .to.emit(governor, "VoteCast")
        .withArgs(await bot.getAddress(), honest.id, Vote.Against, 0n, "");
      expect(await bot.votesDuringLoan()).to.equal(POOL);
      expect(await bot.lastWeight()).to.equal(0n);
      expect(await governor.proposalVotes(honest.id)).to.deep.equal(before);
      expect(await governor.hasVoted(honest.id, await bot.getAddress())).to.equal(true);
    });

    it("gives no weight to a flash loan taken in the snapshot second itself", async () => {
      const { governor, deployer } = gov;
      const honest = await proposal(gov, "ceiling 200M", [
        [gov.vaultManager, "setDebtCeiling", [gov.addr.WETH, wad(200_000_000)]],
      ]);
      await propose(gov, honest, deployer);
      const snapshot = await governor.proposalSnapshot(honest.id);
      await time.setNextBlockTimestamp(snapshot);
      await bot.flash(await lender.getAddress(), POOL, 0 /* Hold */, "0x");
      expect(await bot.votesDuringLoan()).to.equal(POOL);
      // Checkpoints written in one second keep only the last value: 0 once the loan is repaid.
      await expect(bot.vote(honest.id, Vote.Against))
        .to.emit(governor, "VoteCast")
        .withArgs(await bot.getAddress(), honest.id, Vote.Against, 0n, "");
      expect(await gov.token.getPastVotes(await bot.getAddress(), snapshot)).to.equal(0n);
      expect(await governor.proposalVotes(honest.id)).to.deep.equal([0n, 0n, 0n]);
    });

    /** The attacker's contract holds 10M delegated votes: enough to propose and to reach quorum alone. */
    async function armBot() {
      await gov.token.connect(gov.deployer).transfer(await bot.getAddress(), wad(10_000_000));
      await bot.delegateSelf();
      await mine();
    }
    const STEPS = { vote: 1, queue: 2, execute: 4 };

    async function expectOneTxAttackFails() {
      const { governor, vaultManager: vm } = gov;
      const pending = (allowed: number) => [p.id, State.Pending, bitmap(allowed)] as const;
      const attack = (steps: number) => bot.proposeAndExecute(p.targets, p.values, p.calldatas, p.description, steps);
      await expect(attack(STEPS.vote | STEPS.queue | STEPS.execute))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(...pending(State.Active));
      await expect(attack(STEPS.queue | STEPS.execute))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(...pending(State.Succeeded));
      await expect(attack(STEPS.execute))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(...pending(State.Queued));
      await expect(governor.state(p.id))
        .to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal")
        .withArgs(p.id);
      expect((await vm.collateralConfig(gov.addr.WETH)).liquidationRatio).to.equal(WETH_LR);
    }

    it("cannot propose, vote, queue and execute in one transaction", async () => {
      await armBot();
      await expectOneTxAttackFails();
    });

    it("cannot do it with the voting delay at its 1 s minimum either, nor vote in the next second", async () => {
      const { governor } = gov;
      const minDelay = await proposal(gov, "voting delay 1 s", [[governor, "setVotingDelay", [MIN_VOTING_DELAY]]]);
      await passAll(gov, [minDelay]);
      await execute(gov, minDelay);
      expect(await governor.votingDelay()).to.equal(1n);
      await armBot();
      await expectOneTxAttackFails();

      // Propose at t: the snapshot is t + 1, votes open at t + 2.
      await bot.proposeAndExecute(p.targets, p.values, p.calldatas, p.description, 0);
      const t = BigInt(await time.latest());
      expect(await governor.proposalSnapshot(p.id)).to.equal(t + 1n);
      await expect(bot.vote(p.id, Vote.For))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Pending, bitmap(State.Active));
      expect(await time.latest()).to.equal(Number(t + 1n));
      await bot.vote(p.id, Vote.For);
      expect(await bot.lastWeight()).to.equal(wad(10_000_000));
      // Still a full voting period and timelock delay before anything can run, time to react.
      await expect(queue(gov, p))
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Active, bitmap(State.Succeeded));
      expect(await governor.proposalDeadline(p.id)).to.equal(t + 1n + BigInt(G.votingPeriod));
    });
  });

  // --------------------------------------------------------------------------- only the timelock

  describe("only the timelock sets parameters", () => {
    it("classifies every state-changing function of every protocol contract (a new one must be listed)", async () => {
      const all = await deployments.all();
      const unlisted: string[] = [];
      const stale: string[] = [];
      for (const name of protocolDeployments(all)) {
        const writes = (all[name].abi as AbiFunction[])
          .filter((f) => f.type === "function" && !isView(f))
          .map((f) => f.name);
        for (const fn of writes) {
          if (!(fn in (PRIVILEGED[name] ?? {})) && !(PUBLIC[name] ?? []).includes(fn)) unlisted.push(`${name}.${fn}`);
        }
        for (const fn of [...Object.keys(PRIVILEGED[name] ?? {}), ...(PUBLIC[name] ?? [])]) {
          if (!writes.includes(fn)) stale.push(`${name}.${fn}`);
        }
      }
      expect(unlisted, "state-changing functions in neither PRIVILEGED nor PUBLIC").to.deep.equal([]);
      expect(stale, "listed functions that no longer exist").to.deep.equal([]);
      expect(protocolDeployments(all)).to.include.members(Object.keys(PRIVILEGED));
    });

    for (const who of ["deployer", "attacker", "guardian"] as Who[]) {
      it(`refuses the ${who} every privileged function, with the exact error, changing nothing`, async () => {
        const caller = who === "guardian" ? gov.guardian : gov[who];
        const before = await protocolState(gov);
        let checked = 0;
        for (const [name, fns] of Object.entries(PRIVILEGED)) {
          const c = (await contractOf(name)).connect(caller) as Contract;
          for (const [fn, entry] of Object.entries(fns)) {
            if (who === "guardian" && entry.guardianMay) continue;
            const x: Ctx = { gov, caller: caller.address, a: gov.addr };
            const { error, args } = entry.refusal(x);
            await expect(c.getFunction(fn)(...entry.args(x)), `${name}.${fn}`)
              .to.be.revertedWithCustomError(c, error)
              .withArgs(...args);
            checked++;
          }
        }
        expect(checked).to.be.greaterThan(60);
        expect(await protocolState(gov)).to.deep.equal(before);
      });
    }

    it("uses argument values that the rightful caller could use (static calls succeed)", async () => {
      let checked = 0;
      for (const [name, fns] of Object.entries(PRIVILEGED)) {
        for (const [fn, entry] of Object.entries(fns)) {
          if (!entry.rightful) continue;
          if (entry.prepare) await entry.prepare(gov);
          const signer = await entry.rightful(gov);
          const c = (await contractOf(name)).connect(signer) as Contract;
          const x: Ctx = { gov, caller: await signer.getAddress(), a: gov.addr };
          await c
            .getFunction(fn)
            .staticCall(...entry.args(x))
            .catch((e: Error) => {
              throw new Error(`${name}.${fn} from its rightful caller: ${e.message}`);
            });
          checked++;
        }
      }
      expect(checked).to.be.greaterThan(40);
    });

    it("refuses the governor's settings even to the timelock outside a proposal the governor executes", async () => {
      const { governor } = gov;
      const timelock = await impersonate(gov.addr.Timelock);
      // GovernorTimelockControl accepts a call from the timelock only for a call the governor
      // itself queued in `execute` (its governance-call queue is empty here: Panic 0x31).
      await expect(governor.connect(timelock).setVotingDelay(1)).to.be.revertedWithPanic(0x31);
      expect(await governor.votingDelay()).to.equal(BigInt(G.votingDelay));
    });

    it("never moves to another timelock (updateTimelock reverts TimelockFixed for anyone, the timelock too)", async () => {
      const { governor } = gov;
      const timelock = await impersonate(gov.addr.Timelock);
      for (const caller of [timelock, gov.attacker]) {
        await expect(governor.connect(caller).updateTimelock(gov.attacker.address)).to.be.revertedWithCustomError(
          governor,
          "TimelockFixed",
        );
      }
      expect(await governor.timelock()).to.equal(gov.addr.Timelock);
    });

    it("checks the timelock delay's caller before its bound (TimelockUnauthorizedCaller for anyone else)", async () => {
      await expect(gov.timelock.connect(gov.attacker).updateDelay(0))
        .to.be.revertedWithCustomError(gov.timelock, "TimelockUnauthorizedCaller")
        .withArgs(gov.attacker.address);
      await expect(gov.timelock.connect(gov.attacker).updateDelay(MIN_TIMELOCK_DELAY))
        .to.be.revertedWithCustomError(gov.timelock, "TimelockUnauthorizedCaller")
        .withArgs(gov.attacker.address);
    });
  });

  // --------------------------------------------------------------------------- bounds at execution

  describe("a passed proposal with an out-of-bounds value", () => {
    it("is queued, then fails at execution with the bound's error, changing nothing", async () => {
      const { vaultManager: vm, governor } = gov;
      const weth = gov.addr.WETH;
      const config = async () => vm.collateralConfig(weth);
      const cases: [string, string, bigint, string, unknown[]][] = [
        [
          "ratio below 100 %",
          "setLiquidationRatio",
          wad("0.9"),
          "OutOfBounds",
          [wad("0.9"), MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO],
        ],
        ["ratio 0", "setLiquidationRatio", 0n, "OutOfBounds", [0n, MIN_LIQUIDATION_RATIO, MAX_LIQUIDATION_RATIO]],
        [
          "ratio step 0.15",
          "setLiquidationRatio",
          wad("1.35"),
          "StepTooLarge",
          [WETH_LR, wad("1.35"), MAX_LIQUIDATION_RATIO_STEP],
        ],
        [
          "ratio above the borrow ratio",
          "setLiquidationRatio",
          wad("1.61"),
          "BorrowRatioBelowLiquidationRatio",
          [wad("1.6"), wad("1.61")],
        ],
        ["penalty 30 %", "setLiquidationPenalty", wad("0.3"), "OutOfBounds", [wad("0.3"), 0n, MAX_LIQUIDATION_PENALTY]],
        [
          "penalty step 0.06",
          "setLiquidationPenalty",
          wad("0.16"),
          "StepTooLarge",
          [wad("0.1"), wad("0.16"), wad("0.05")],
        ],
      ];
      const ps = await Promise.all(cases.map(([d, fn, v]) => proposal(gov, d, [[vm, fn, [weth, v]]])));
      // A valid change batched with an invalid one: the proposal is atomic, neither applies.
      const batch = await proposal(gov, "ceiling 200M and penalty 30 %", [
        [vm, "setDebtCeiling", [weth, wad(200_000_000)]],
        [vm, "setLiquidationPenalty", [weth, wad("0.3")]],
      ]);
      await passAll(gov, [...ps, batch]);
      const before = await config();
      for (const [i, [description, , , error, args]] of cases.entries()) {
        await expect(execute(gov, ps[i]), description)
          .to.be.revertedWithCustomError(vm, error)
          .withArgs(...args);
        expect(await governor.state(ps[i].id)).to.equal(State.Queued);
      }
      await expect(execute(gov, batch))
        .to.be.revertedWithCustomError(vm, "OutOfBounds")
        .withArgs(wad("0.3"), 0n, MAX_LIQUIDATION_PENALTY);
      expect(await config()).to.deep.equal(before);
    });
  });
});

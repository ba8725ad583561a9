/**
 * A proposal's life through BallastGovernor: propose (after simulating every action as the
 * timelock), vote, queue, execute, status, delegate, and — on local networks — moving the clock
 * past the point a step waits for. Plain functions taking `hre` and a signer, returning structured
 * results; the `gov:*` tasks (tasks/governance.ts) print them and the demo calls them directly.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { WAD, bounds, decodeRevert as decodeRevertSdk, fmtDuration, fmtTime, fmtUtc } from "../../../lib/sdk";
import { LOCAL_NETWORKS, deploymentAddresses, isLocalNetwork, resolveSigner } from "../../../lib/sdk/hardhat";
import { connect } from "../../../lib/sdk";
import { refreshMockFeeds } from "../../../lib/sdk/dev";
import { AbiCoder, getAddress, id as keccakUtf8, isAddress, type Signer } from "ethers";
import type { BallastGovernor, GovernanceToken, Timelock } from "../../../typechain-types";
import {
  allInterfaces,
  decodeAction,
  formatValue,
  resolveAction,
  type ActionInput,
  type ResolvedAction,
} from "./params";
import { loadStore, saveStore, type StoredProposal } from "./store";
import { contractAt } from "../../../lib/sdk/hardhat";
import type { ContractName } from "../../../lib/sdk/contracts";

/** ethers' isAddress without its type guard (which narrows a string to `never` in the else branch). */
const isAddr = (value: string): boolean => isAddress(value);

/** IGovernor.ProposalState, by numeric value. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

export type Support = "for" | "against" | "abstain";
/** GovernorCountingSimple's vote types. */
const SUPPORT_CODE: Record<Support, number> = { against: 0, for: 1, abstain: 2 };

// ------------------------------------------------------------------------------ networks, signers

/** Networks whose clock a tool may move: the in-process network and a local node. */

/** Throws unless `network` is local: `--advance` moves the chain's clock, which only a local chain allows. */
export function assertLocalNetwork(network: string, what = "--advance"): void {
  if (!isLocalNetwork(network)) {
    throw new Error(
      `${what} moves the chain's clock and mines blocks, which only a local network allows (${LOCAL_NETWORKS.join(", ")}); ` +
        `${network} is not one: gov:status shows when the step becomes possible; run it then without ${what}`,
    );
  }
}

/**
 * The signer: the network's first account by default; `from` is an account index or address of
 * the network's accounts. Another account than the first is for local networks only (public
 * networks have one configured account, DEPLOYER_PRIVATE_KEY's).
 */

// ------------------------------------------------------------------------------------- helpers

interface Gov {
  governor: BallastGovernor;
  token: GovernanceToken;
  timelock: Timelock;
  governorAddress: string;
  timelockAddress: string;
}

async function gov(hre: HardhatRuntimeEnvironment, runner?: Signer): Promise<Gov> {
  const at = async <T>(name: string) => {
    const d = await hre.deployments.getOrNull(name);
    if (!d)
      throw new Error(`deployment ${name} does not exist on ${hre.network.name}: deploy first (npx hardhat deploy)`);
    return {
      contract: (await contractAt(hre, name as ContractName, d.address, runner)) as unknown as T,
      address: d.address,
    };
  };
  const governor = await at<BallastGovernor>("BallastGovernor");
  const token = await at<GovernanceToken>("GovernanceToken");
  const timelock = await at<Timelock>("Timelock");
  return {
    governor: governor.contract,
    token: token.contract,
    timelock: timelock.contract,
    governorAddress: getAddress(governor.address),
    timelockAddress: getAddress(timelock.address),
  };
}

/** The latest block's timestamp: the chain's "now". */
export async function chainTime(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  const block = await hre.ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

/** A proposal id shortened for messages: its first 10 digits. */
export function shortId(id: bigint | string): string {
  const s = String(id);
  return s.length > 12 ? `${s.slice(0, 10)}…` : s;
}

/** Votes [wad] as whole BLST with two decimals and separators. */
export function fmtVotes(votes: bigint): string {
  const cents = (votes + 5n * 10n ** 15n) / 10n ** 16n;
  const int = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${int}.${(cents % 100n).toString().padStart(2, "0")}`;
}

export interface DecodedRevert {
  /** Error name (OutOfBounds, Error, Panic, …), undefined when it could not be decoded. */
  name?: string;
  args: unknown[];
  /** `Name(arg, …)`, or the provider's message. */
  text: string;
}

/**
 * Decodes a failed call against every deployment's errors (and Error(string) / Panic(uint256)),
 * with the SDK's decoder; `text` is the raw form, which the governance messages then explain in
 * the parameter's units.
 */
export async function decodeRevert(hre: HardhatRuntimeEnvironment, err: unknown): Promise<DecodedRevert> {
  const d = decodeRevertSdk(err, await allInterfaces(hre));
  // The governance messages quote the raw error, then explain it in the parameter's units.
  return { name: d.name, args: d.args, text: d.raw };
}

/** The revert of an action, with OutOfBounds' numbers also in the parameter's units. */
function explainActionRevert(action: ResolvedAction, revert: DecodedRevert): string {
  if (revert.name === "OutOfBounds" && action.unit && revert.args.length === 3) {
    const [value, min, max] = revert.args.map((a) => BigInt(a as bigint));
    const f = (v: bigint) => formatValue(action.unit!, v);
    return `${revert.text}: ${f(value)} is outside [${f(min)}, ${f(max)}]`;
  }
  if (revert.name === "StepTooLarge" && action.unit && revert.args.length === 3) {
    const [oldValue, newValue, step] = revert.args.map((a) => BigInt(a as bigint));
    const f = (v: bigint) => formatValue(action.unit!, v);
    return `${revert.text}: from ${f(oldValue)} to ${f(newValue)} moves more than ${f(step)} in one step (one step a day)`;
  }
  if (revert.name === "StepTooSoon" && revert.args.length === 1) {
    const at = BigInt(revert.args[0] as bigint);
    return `${revert.text}: this parameter moved less than a day ago; the next step is allowed from ${fmtUtc(at)}`;
  }
  return revert.text;
}

// ---------------------------------------------------------------------------- simulation

export interface Simulation {
  action: ResolvedAction;
  ok: boolean;
  /** The decoded revert when `ok` is false. */
  error?: string;
  /** How the action was checked when it could not be simulated as is. */
  note?: string;
}

/**
 * BallastGovernor's bounds (ConstantsLib), checked here because the governor's setters run only
 * inside its own `execute` (OpenZeppelin's onlyGovernance checks a queue of expected calls that a
 * simulated call from the timelock does not have, so any such call reverts with a Panic).
 */
async function governorBounds(g: Gov, fn: string): Promise<[bigint, bigint] | undefined> {
  switch (fn) {
    case "setVotingDelay":
      return [bounds.MIN_VOTING_DELAY, bounds.MAX_VOTING_DELAY];
    case "setVotingPeriod":
      return [bounds.MIN_VOTING_PERIOD, bounds.MAX_VOTING_PERIOD];
    case "updateQuorumNumerator":
      return [bounds.MIN_QUORUM_PERCENT, bounds.MAX_QUORUM_PERCENT];
    case "setProposalThreshold":
      return [0n, ((await g.token.totalSupply()) * bounds.MAX_PROPOSAL_THRESHOLD_SHARE) / WAD];
    default:
      return undefined;
  }
}

/**
 * Runs each action as the timelock would (eth_call from the Timelock's address) against the
 * current state, and decodes any revert. Each action is simulated on its own: one that depends on
 * an earlier action of the same proposal may be refused here and still succeed at execution.
 */
export async function simulateActions(
  hre: HardhatRuntimeEnvironment,
  actions: ResolvedAction[],
): Promise<Simulation[]> {
  const g = await gov(hre);
  const out: Simulation[] = [];
  for (const action of actions) {
    if (action.target.toLowerCase() === g.governorAddress.toLowerCase()) {
      const range = await governorBounds(g, action.function);
      if (!range) {
        out.push({ action, ok: true, note: "not simulated: the governor's setters run only inside its execute" });
        continue;
      }
      const tx = g.governor.interface.parseTransaction({ data: action.calldata })!;
      const value = BigInt(tx.args[0]);
      const [min, max] = range;
      const ok = value >= min && value <= max;
      const revert: DecodedRevert = {
        name: "OutOfBounds",
        args: [value, min, max],
        text: `OutOfBounds(${value}, ${min}, ${max})`,
      };
      out.push({
        action,
        ok,
        error: ok ? undefined : explainActionRevert(action, revert),
        note: "bounds checked off-chain",
      });
      continue;
    }
    try {
      await hre.ethers.provider.call({
        from: g.timelockAddress,
        to: action.target,
        data: action.calldata,
        value: action.value,
      });
      out.push({ action, ok: true });
    } catch (err) {
      out.push({ action, ok: false, error: explainActionRevert(action, await decodeRevert(hre, err)) });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------- finding proposals

/** Thrown when the store and the governor hold no proposal at all. */
export class NoProposalsError extends Error {}

async function exists(g: Gov, id: bigint): Promise<boolean> {
  return (await g.governor.proposalSnapshot(id)) !== 0n;
}

function parseId(id: bigint | string): bigint | undefined {
  if (typeof id === "bigint") return id;
  const s = id.trim();
  return /^\d+$/.test(s) || /^0x[0-9a-f]+$/i.test(s) ? BigInt(s) : undefined;
}

/** A proposal from its ProposalCreated event (a proposal made by another tool). */
async function fromEvents(hre: HardhatRuntimeEnvironment, g: Gov, id: bigint): Promise<StoredProposal | undefined> {
  const d = await hre.deployments.get("BallastGovernor");
  const fromBlock = d.receipt?.blockNumber ?? 0;
  const events = await g.governor.queryFilter(g.governor.filters.ProposalCreated(), fromBlock);
  const e = events.find((x) => x.args.proposalId === id);
  if (!e) return undefined;
  const block = await e.getBlock();
  return {
    id: id.toString(),
    description: e.args.description,
    descriptionHash: keccakUtf8(e.args.description),
    targets: [...e.args.targets],
    values: e.args[3].map((v: bigint) => v.toString()),
    calldatas: [...e.args.calldatas],
    actions: [],
    proposer: e.args.proposer,
    createdAt: block.timestamp,
    blockNumber: e.blockNumber,
    txHash: e.transactionHash,
  };
}

/**
 * The proposal `id` (a full id, or a unique prefix of at least 4 digits of a stored one), or the
 * latest stored proposal the governor knows when `id` is undefined. Proposals missing from the
 * store are found through their ProposalCreated event.
 */
export async function findProposal(hre: HardhatRuntimeEnvironment, id?: bigint | string): Promise<StoredProposal> {
  const g = await gov(hre);
  const store = await loadStore(hre);
  if (id === undefined || String(id).trim() === "" || String(id).trim() === "latest") {
    for (let i = store.proposals.length - 1; i >= 0; i--) {
      if (await exists(g, BigInt(store.proposals[i].id))) return store.proposals[i];
    }
    const stale = store.proposals.length;
    throw new NoProposalsError(
      `no proposals on ${hre.network.name}` +
        (stale > 0 ? ` (the store lists ${stale} the governor does not know: an earlier chain)` : "") +
        ": make one with gov:propose",
    );
  }
  const text = String(id).trim();
  let stored = store.proposals.find(
    (p) => p.id === text || (parseId(text) !== undefined && p.id === parseId(text)!.toString()),
  );
  if (!stored && /^\d{4,}$/.test(text)) {
    const matches = store.proposals.filter((p) => p.id.startsWith(text));
    if (matches.length > 1)
      throw new Error(`--id ${text} matches ${matches.length} stored proposals; give more digits`);
    stored = matches[0];
  }
  if (stored) {
    if (!(await exists(g, BigInt(stored.id)))) {
      throw new Error(
        `proposal ${shortId(stored.id)} is in the store but unknown to the governor at ${g.governorAddress} on ${hre.network.name} (made on an earlier chain?)`,
      );
    }
    return stored;
  }
  const full = parseId(text);
  if (full === undefined) throw new Error(`--id takes a proposal id (decimal), not "${text}"`);
  const found = (await exists(g, full)) ? await fromEvents(hre, g, full) : undefined;
  if (!found)
    throw new Error(
      `proposal ${shortId(full)} is unknown to the governor at ${g.governorAddress} on ${hre.network.name}`,
    );
  return found;
}

// -------------------------------------------------------------------------------------- status

export interface ProposalStatus {
  id: bigint;
  description: string;
  proposer: string;
  state: ProposalStateName;
  votes: { for: bigint; against: bigint; abstain: bigint };
  /** Quorum at the snapshot [wad votes]; before the snapshot, computed from the current supply. */
  quorum: bigint;
  /** for + abstain ≥ quorum (GovernorCountingSimple). */
  quorumReached: boolean;
  /** True when the quorum is an estimate (the snapshot is not past yet). */
  quorumEstimated: boolean;
  snapshot: bigint;
  deadline: bigint;
  /** 0 until queued. */
  eta: bigint;
  /** The chain's clock when read. */
  now: bigint;
  createdAt: bigint;
  actions: ResolvedAction[];
}

/** State, votes, quorum, times and decoded actions of a proposal (default: the latest). */
export async function proposalStatus(hre: HardhatRuntimeEnvironment, id?: bigint | string): Promise<ProposalStatus> {
  const p = await findProposal(hre, id);
  const g = await gov(hre);
  const pid = BigInt(p.id);
  const now = await chainTime(hre);
  const [state, snapshot, deadline, eta, votes] = await Promise.all([
    g.governor.state(pid),
    g.governor.proposalSnapshot(pid),
    g.governor.proposalDeadline(pid),
    g.governor.proposalEta(pid),
    g.governor.proposalVotes(pid),
  ]);
  let quorum: bigint;
  const quorumEstimated = snapshot >= now;
  if (quorumEstimated) {
    const [supply, numerator, denominator] = await Promise.all([
      g.token.totalSupply(),
      g.governor["quorumNumerator()"](),
      g.governor.quorumDenominator(),
    ]);
    quorum = (supply * numerator) / denominator;
  } else {
    quorum = await g.governor.quorum(snapshot);
  }
  const [against, forVotes, abstain] = votes;
  const actions = await Promise.all(p.targets.map((t, i) => decodeAction(hre, t, BigInt(p.values[i]), p.calldatas[i])));
  return {
    id: pid,
    description: p.description,
    proposer: p.proposer,
    state: PROPOSAL_STATES[Number(state)],
    votes: { for: forVotes, against, abstain },
    quorum,
    quorumReached: forVotes + abstain >= quorum,
    quorumEstimated,
    snapshot,
    deadline,
    eta,
    now,
    createdAt: BigInt(p.createdAt),
    actions,
  };
}

export interface ProposalSummary {
  id: bigint;
  state: ProposalStateName | "unknown to this chain";
  description: string;
  createdAt: bigint;
}

/** Every stored proposal with its state, oldest first. */
export async function listProposals(hre: HardhatRuntimeEnvironment): Promise<ProposalSummary[]> {
  const g = await gov(hre);
  const store = await loadStore(hre);
  return Promise.all(
    store.proposals.map(async (p) => {
      const id = BigInt(p.id);
      const known = await exists(g, id);
      return {
        id,
        state: known ? PROPOSAL_STATES[Number(await g.governor.state(id))] : ("unknown to this chain" as const),
        description: p.description,
        createdAt: BigInt(p.createdAt),
      };
    }),
  );
}

// ------------------------------------------------------------------------------------- advance

export type AdvancePoint = "snapshot" | "deadline" | "eta";

export interface AdvanceResult {
  id: bigint;
  point: AdvancePoint;
  /** The first timestamp at which the step waiting on `point` is allowed. */
  target: bigint;
  before: bigint;
  after: bigint;
  /** False when the clock was already there. */
  advanced: boolean;
}

/**
 * Local networks only: mines a block at the first second the next step allows — past the snapshot
 * (voting open), past the deadline (voting closed), or at the eta (executable) — unless the chain
 * is already there. Uses evm_setNextBlockTimestamp + evm_mine, which Hardhat and anvil both serve.
 */
export async function advancePast(
  hre: HardhatRuntimeEnvironment,
  point: AdvancePoint,
  id?: bigint | string,
): Promise<AdvanceResult> {
  assertLocalNetwork(hre.network.name);
  const p = await findProposal(hre, id);
  const g = await gov(hre);
  const pid = BigInt(p.id);
  let target: bigint;
  if (point === "snapshot") target = (await g.governor.proposalSnapshot(pid)) + 1n;
  else if (point === "deadline") target = (await g.governor.proposalDeadline(pid)) + 1n;
  else {
    const eta = await g.governor.proposalEta(pid);
    if (eta === 0n) {
      const state = PROPOSAL_STATES[Number(await g.governor.state(pid))];
      throw new Error(
        `proposal ${shortId(pid)} is ${state}, not queued: there is no eta to advance to (gov:queue first)`,
      );
    }
    target = eta;
  }
  const before = await chainTime(hre);
  if (before >= target) return { id: pid, point, target, before, after: before, advanced: false };
  await hre.network.provider.send("evm_setNextBlockTimestamp", [Number(target)]);
  await hre.network.provider.send("evm_mine", []);
  const after = await chainTime(hre);
  // The jump left the mock feeds' rounds behind: give each a fresh round so prices stay live.
  const [signer] = await hre.ethers.getSigners();
  await refreshMockFeeds(connect(signer, await deploymentAddresses(hre)));
  return { id: pid, point, target, before, after, advanced: true };
}

function advanceHint(hre: HardhatRuntimeEnvironment): string {
  return isLocalNetwork(hre.network.name) ? "; use --advance on a local network" : "";
}

// ------------------------------------------------------------------------------------- propose

export interface ProposeOptions {
  /** Propose even when an action's simulation reverts (e.g. to test a refusal at execution). */
  force?: boolean;
}

export interface ProposeResult {
  id: bigint;
  description: string;
  descriptionHash: string;
  proposer: string;
  actions: ResolvedAction[];
  simulations: Simulation[];
  snapshot: bigint;
  deadline: bigint;
  createdAt: bigint;
  txHash: string;
  blockNumber: number;
  storePath: string;
}

function isResolved(a: ActionInput | ResolvedAction): a is ResolvedAction {
  return typeof (a as ResolvedAction).calldata === "string" && typeof (a as ResolvedAction).target === "string";
}

/**
 * Resolves the actions (named changes or raw calls), simulates each as the timelock and refuses
 * with the decoded error unless `force`, checks the proposer's votes and that the same proposal
 * does not exist yet, proposes, and records the proposal in the store.
 */
export async function proposeActions(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  actions: (ActionInput | ResolvedAction)[],
  description: string,
  opts: ProposeOptions = {},
): Promise<ProposeResult> {
  if (!description || description.trim() === "") throw new Error("a proposal needs a description");
  if (!Array.isArray(actions) || actions.length === 0) throw new Error("a proposal needs at least one action");
  const resolved: ResolvedAction[] = [];
  for (const [i, a] of actions.entries()) {
    try {
      resolved.push(isResolved(a) ? a : await resolveAction(hre, a));
    } catch (err) {
      throw new Error(actions.length > 1 ? `action ${i + 1}: ${(err as Error).message}` : (err as Error).message);
    }
  }

  const simulations = await simulateActions(hre, resolved);
  const failed = simulations.filter((s) => !s.ok);
  if (failed.length > 0 && !opts.force) {
    const lines = failed.map((s) => `  ${resolved.indexOf(s.action) + 1}. ${s.action.text} reverts: ${s.error}`);
    throw new Error(
      `refused: ${failed.length === 1 ? "an action" : `${failed.length} actions`} would revert when the timelock executes ` +
        `${failed.length === 1 ? "it" : "them"}; nothing was proposed (--force proposes anyway)\n${lines.join("\n")}`,
    );
  }

  const g = await gov(hre, signer);
  const proposer = getAddress(await signer.getAddress());
  const [threshold, votes] = await Promise.all([g.governor.proposalThreshold(), g.token.getVotes(proposer)]);
  if (votes < threshold) {
    throw new Error(
      `${proposer} has ${fmtVotes(votes)} votes; proposing needs ${fmtVotes(threshold)} BLST of delegated votes ` +
        `(delegate first: gov:delegate; votes count from the second after delegation)`,
    );
  }

  const targets = resolved.map((a) => a.target);
  const values = resolved.map((a) => a.value);
  const calldatas = resolved.map((a) => a.calldata);
  // The Governor accepts a description ending in "#proposer=<address>" only from that address, so
  // nobody can front-run the proposal with the same content, become its proposer and cancel it.
  if (!/#proposer=0x[0-9a-fA-F]{40}$/.test(description)) description = `${description}\n\n#proposer=${proposer}`;
  const descriptionHash = keccakUtf8(description);
  const id = await g.governor.hashProposal(targets, values, calldatas, descriptionHash);
  if (await exists(g, id)) {
    const state = PROPOSAL_STATES[Number(await g.governor.state(id))];
    throw new Error(
      `the same proposal (same actions and description) exists already: ${id} (${state}); change the description to propose it again`,
    );
  }

  let receipt;
  try {
    receipt = await (await g.governor.propose(targets, values, calldatas, description)).wait();
  } catch (err) {
    throw new Error(`propose reverted: ${(await decodeRevert(hre, err)).text}`);
  }
  const created = receipt!.logs
    .map((l) => {
      try {
        return g.governor.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((e) => e?.name === "ProposalCreated");
  if (!created || BigInt(created.args.proposalId) !== id) throw new Error("propose: no matching ProposalCreated event");
  const block = await hre.ethers.provider.getBlock(receipt!.blockNumber);
  const [snapshot, deadline] = await Promise.all([g.governor.proposalSnapshot(id), g.governor.proposalDeadline(id)]);

  const store = await loadStore(hre);
  const kept: StoredProposal[] = [];
  for (const p of store.proposals) if (await exists(g, BigInt(p.id))) kept.push(p);
  kept.push({
    id: id.toString(),
    description,
    descriptionHash,
    targets,
    values: values.map(String),
    calldatas,
    actions: resolved.map((a) => a.text),
    proposer,
    createdAt: block!.timestamp,
    blockNumber: receipt!.blockNumber,
    txHash: receipt!.hash,
  });
  store.proposals = kept;
  const storePath = saveStore(hre, store);

  return {
    id,
    description,
    descriptionHash,
    proposer,
    actions: resolved,
    simulations,
    snapshot,
    deadline,
    createdAt: BigInt(block!.timestamp),
    txHash: receipt!.hash,
    blockNumber: receipt!.blockNumber,
    storePath,
  };
}

/** A description as people read it: without the "#proposer=0x…" suffix the tools append. */
export function readableDescription(description: string): string {
  return description.replace(/\s*#proposer=0x[0-9a-fA-F]{40}$/, "");
}

/** The default description of a proposal: its actions' texts. */
export function describeActions(actions: ResolvedAction[]): string {
  return actions.map((a) => a.text).join("; ");
}

// ---------------------------------------------------------------------------------------- vote

export interface StepOptions {
  /** Local networks only: first move the clock just past what the step waits for. */
  advance?: boolean;
}

export interface VoteOptions extends StepOptions {
  reason?: string;
}

export interface VoteResult {
  id: bigint;
  voter: string;
  support: Support;
  /** The voter's votes at the snapshot [wad]. */
  weight: bigint;
  reason?: string;
  txHash: string;
  votes: { for: bigint; against: bigint; abstain: bigint };
  quorum: bigint;
  quorumReached: boolean;
  deadline: bigint;
  now: bigint;
  advance?: AdvanceResult;
}

export function parseSupport(support: string | number): Support {
  const s = String(support).trim().toLowerCase();
  if (s === "for" || s === "1" || s === "yes") return "for";
  if (s === "against" || s === "0" || s === "no") return "against";
  if (s === "abstain" || s === "2") return "abstain";
  throw new Error(`--support is for, against or abstain, not "${support}"`);
}

function stateName(state: bigint): ProposalStateName {
  return PROPOSAL_STATES[Number(state)];
}

/** Casts `signer`'s votes (as delegated at the snapshot) on a proposal (default: the latest). */
export async function castVote(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  id: bigint | string | undefined,
  support: Support | string,
  opts: VoteOptions = {},
): Promise<VoteResult> {
  const choice = parseSupport(support);
  const p = await findProposal(hre, id);
  const pid = BigInt(p.id);
  const advance = opts.advance ? await advancePast(hre, "snapshot", pid) : undefined;
  const g = await gov(hre, signer);
  const voter = getAddress(await signer.getAddress());
  const now = await chainTime(hre);
  const [state, snapshot, deadline] = await Promise.all([
    g.governor.state(pid),
    g.governor.proposalSnapshot(pid),
    g.governor.proposalDeadline(pid),
  ]);
  const name = stateName(state);
  if (name === "Pending") {
    throw new Error(
      `proposal ${shortId(pid)} is Pending until ${fmtTime(snapshot, now)}: voting opens after the snapshot${advanceHint(hre)}`,
    );
  }
  if (name !== "Active") {
    throw new Error(
      name === "Canceled"
        ? `proposal ${shortId(pid)} was canceled`
        : `proposal ${shortId(pid)} is ${name}: voting closed at ${fmtTime(deadline, now)}`,
    );
  }
  if (await g.governor.hasVoted(pid, voter)) throw new Error(`${voter} has already voted on proposal ${shortId(pid)}`);
  const weight = await g.governor.getVotes(voter, snapshot);
  if (weight === 0n) {
    throw new Error(
      `${voter} had no votes at the snapshot of proposal ${shortId(pid)} (${fmtTime(snapshot, now)}): ` +
        `votes count only when delegated before the snapshot (gov:delegate)`,
    );
  }
  let receipt;
  try {
    const tx = opts.reason
      ? await g.governor.castVoteWithReason(pid, SUPPORT_CODE[choice], opts.reason)
      : await g.governor.castVote(pid, SUPPORT_CODE[choice]);
    receipt = await tx.wait();
  } catch (err) {
    throw new Error(`vote reverted: ${(await decodeRevert(hre, err)).text}`);
  }
  const [against, forVotes, abstain] = await g.governor.proposalVotes(pid);
  const quorum = await g.governor.quorum(snapshot);
  return {
    id: pid,
    voter,
    support: choice,
    weight,
    reason: opts.reason,
    txHash: receipt!.hash,
    votes: { for: forVotes, against, abstain },
    quorum,
    quorumReached: forVotes + abstain >= quorum,
    deadline,
    now: await chainTime(hre),
    advance,
  };
}

// --------------------------------------------------------------------------------------- queue

export interface QueueResult {
  id: bigint;
  txHash: string;
  /** When the timelock lets anyone execute it. */
  eta: bigint;
  now: bigint;
  advance?: AdvanceResult;
}

async function votesLine(g: Gov, pid: bigint, snapshot: bigint): Promise<string> {
  const [against, forVotes, abstain] = await g.governor.proposalVotes(pid);
  const quorum = await g.governor.quorum(snapshot);
  const reached = forVotes + abstain >= quorum;
  return (
    `for ${fmtVotes(forVotes)}, against ${fmtVotes(against)}, abstain ${fmtVotes(abstain)}; ` +
    `quorum ${fmtVotes(quorum)} ${reached ? "reached" : "not reached"}`
  );
}

/** What queue and execute read first: the stored proposal, the clock (advanced if asked) and its state. */
async function stepContext(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  id: bigint | string | undefined,
  opts: StepOptions,
  point: AdvancePoint,
) {
  const p = await findProposal(hre, id);
  const pid = BigInt(p.id);
  const advance = opts.advance ? await advancePast(hre, point, pid) : undefined;
  const g = await gov(hre, signer);
  const now = await chainTime(hre);
  const [state, snapshot, deadline, eta] = await Promise.all([
    g.governor.state(pid),
    g.governor.proposalSnapshot(pid),
    g.governor.proposalDeadline(pid),
    g.governor.proposalEta(pid),
  ]);
  return { p, pid, advance, g, now, snapshot, deadline, eta, name: stateName(state), sid: shortId(pid) };
}

/** Queues a succeeded proposal in the timelock, rebuilt from the store (default: the latest). */
export async function queueProposal(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  id?: bigint | string,
  opts: StepOptions = {},
): Promise<QueueResult> {
  const { p, pid, advance, g, now, snapshot, deadline, eta, name, sid } = await stepContext(
    hre,
    signer,
    id,
    opts,
    "deadline",
  );
  switch (name) {
    case "Succeeded":
      break;
    case "Pending":
      throw new Error(
        `proposal ${sid} is Pending until ${fmtTime(snapshot, now)}, then open for votes until ${fmtTime(deadline, now)}; ` +
          `it can be queued once the vote has ended and succeeded${advanceHint(hre)}`,
      );
    case "Active":
      throw new Error(
        `proposal ${sid} is Active (voting) until ${fmtTime(deadline, now)}; it can be queued once the vote has ended and succeeded${advanceHint(hre)}`,
      );
    case "Defeated":
      throw new Error(`proposal ${sid} was Defeated (${await votesLine(g, pid, snapshot)}); it cannot be queued`);
    case "Queued":
      throw new Error(`proposal ${sid} is already Queued; executable from ${fmtTime(eta, now)} (gov:execute)`);
    default:
      throw new Error(`proposal ${sid} is ${name}; only a Succeeded proposal can be queued`);
  }
  let receipt;
  try {
    receipt = await (await g.governor.queue(p.targets, p.values, p.calldatas, p.descriptionHash)).wait();
  } catch (err) {
    throw new Error(`queue reverted: ${(await decodeRevert(hre, err)).text}`);
  }
  return { id: pid, txHash: receipt!.hash, eta: await g.governor.proposalEta(pid), now: await chainTime(hre), advance };
}

// ------------------------------------------------------------------------------------- execute

export interface ExecuteResult {
  id: bigint;
  txHash: string;
  /** The actions, decoded before execution (`current` is the value it replaced). */
  actions: ResolvedAction[];
  advance?: AdvanceResult;
}

/**
 * Executes a queued proposal whose timelock delay has passed, rebuilt from the store (default:
 * the latest). Simulates first, so a call that reverts surfaces its decoded error (e.g.
 * OutOfBounds of a proposal made with --force).
 */
export async function executeProposal(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  id?: bigint | string,
  opts: StepOptions = {},
): Promise<ExecuteResult> {
  const { p, pid, advance, g, now, snapshot, deadline, eta, name, sid } = await stepContext(
    hre,
    signer,
    id,
    opts,
    "eta",
  );
  switch (name) {
    case "Queued":
      if (eta > now) {
        throw new Error(
          `proposal ${sid} is Queued: the timelock delay runs until ${fmtTime(eta, now)}${advanceHint(hre)}`,
        );
      }
      break;
    case "Succeeded":
      throw new Error(
        `proposal ${sid} has Succeeded but is not queued: run gov:queue first, then wait for the timelock delay`,
      );
    case "Pending":
      throw new Error(
        `proposal ${sid} is Pending until ${fmtTime(snapshot, now)}; it must be voted, queued and wait for the timelock delay first`,
      );
    case "Active":
      throw new Error(
        `proposal ${sid} is Active (voting) until ${fmtTime(deadline, now)}; it must then be queued (gov:queue) and wait for the timelock delay`,
      );
    case "Defeated":
      throw new Error(`proposal ${sid} was Defeated (${await votesLine(g, pid, snapshot)}); it cannot be executed`);
    case "Executed":
      throw new Error(`proposal ${sid} was already executed`);
    default:
      throw new Error(`proposal ${sid} is ${name}; only a Queued proposal past its eta can be executed`);
  }
  const actions = await Promise.all(p.targets.map((t, i) => decodeAction(hre, t, BigInt(p.values[i]), p.calldatas[i])));
  const value = p.values.reduce((s, v) => s + BigInt(v), 0n);
  const args = [p.targets, p.values, p.calldatas, p.descriptionHash] as const;
  try {
    await g.governor.execute.staticCall(...args, { value });
  } catch (err) {
    throw new Error(`execution of proposal ${sid} would revert: ${(await decodeRevert(hre, err)).text}`);
  }
  let receipt;
  try {
    receipt = await (await g.governor.execute(...args, { value })).wait();
  } catch (err) {
    throw new Error(`execution of proposal ${sid} reverted: ${(await decodeRevert(hre, err)).text}`);
  }
  return { id: pid, txHash: receipt!.hash, actions, advance };
}

// ------------------------------------------------------------------------------------ delegate

export interface DelegateResult {
  delegator: string;
  delegatee: string;
  previousDelegate: string;
  /** The delegator's BLST balance [wad]. */
  balance: bigint;
  /** The delegatee's votes after the delegation [wad]. */
  votes: bigint;
  /** Undefined when the votes were already delegated to `delegatee`. */
  txHash?: string;
}

/** Delegates the signer's votes to `to` (an address or account index; default: the signer itself). */
export async function delegateVotes(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  to?: string,
): Promise<DelegateResult> {
  const g = await gov(hre, signer);
  const delegator = getAddress(await signer.getAddress());
  let delegatee = delegator;
  if (to !== undefined && to.trim() !== "") {
    const ref = to.trim();
    if (isAddr(ref)) delegatee = getAddress(ref);
    else if (/^\d+$/.test(ref)) {
      const signers = await hre.ethers.getSigners();
      if (!signers[Number(ref)]) throw new Error(`--to ${ref}: ${hre.network.name} has ${signers.length} account(s)`);
      delegatee = signers[Number(ref)].address;
    } else throw new Error(`--to takes an address or an account index, not "${ref}"`);
  }
  const [previousDelegate, balance] = await Promise.all([g.token.delegates(delegator), g.token.balanceOf(delegator)]);
  let txHash: string | undefined;
  if (previousDelegate.toLowerCase() !== delegatee.toLowerCase()) {
    try {
      txHash = (await (await g.token.delegate(delegatee)).wait())!.hash;
    } catch (err) {
      throw new Error(`delegate reverted: ${(await decodeRevert(hre, err)).text}`);
    }
  }
  return {
    delegator,
    delegatee,
    previousDelegate: getAddress(previousDelegate),
    balance,
    votes: await g.token.getVotes(delegatee),
    txHash,
  };
}

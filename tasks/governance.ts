/**
 * Voter tasks: a parameter change through BallastGovernor and the timelock.
 *   npx hardhat gov:propose --param debtCeiling --collateral WETH --value 150000000 [--description "..."] [--force]
 *   npx hardhat gov:propose --file proposal.json [--force]
 *   npx hardhat gov:vote --support for|against|abstain [--id <id>] [--reason "..."] [--advance]
 *   npx hardhat gov:queue [--id <id>] [--advance]
 *   npx hardhat gov:execute [--id <id>] [--advance]
 *   npx hardhat gov:status [--id <id>] [--all]
 *   npx hardhat gov:delegate [--to <address|index>]
 *   npx hardhat gov:params
 * Add `--network localhost` (or sepolia, mainnet). `--id` defaults to the latest proposal of the
 * store (deployments/<network>/.proposals.json). `--from <index|address>` picks another signer on
 * local networks (default: the first account). `--advance` (local networks only) moves the clock
 * just past what the step waits for: the snapshot (vote), the deadline (queue), the eta (execute).
 * The logic lives in scripts/lib/governance (the demo calls the same functions).
 */
import { task } from "hardhat/config";
import { cliAction, ensureInProcessDeployment } from "../lib/sdk/hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  NoProposalsError,
  assertLocalNetwork,
  PARAMS,
  castVote,
  delegateVotes,
  describeActions,
  executeProposal,
  fmtTime,
  fmtUtc,
  fmtVotes,
  formatValue,
  listProposals,
  proposalStatus,
  proposeActions,
  readableDescription,
  queueProposal,
  registeredCollaterals,
  resolveAction,
  resolveSigner,
  shortId,
  unitHelp,
  type ActionInput,
  type AdvanceResult,
  type ResolvedAction,
} from "../scripts/lib/governance";

/** Runs a task body on a deployed system; a mistake prints one line (lib/sdk/hardhat.ts's cliAction). */
async function cli<T>(hre: HardhatRuntimeEnvironment, name: string, body: () => Promise<T>): Promise<T | undefined> {
  return cliAction(hre, name, async () => {
    await ensureInProcessDeployment(hre);
    return body();
  });
}

function actionLine(a: ResolvedAction, i: number, label: string): string {
  return `${i + 1}. ${a.text}${a.currentText !== undefined ? `   (${label} ${a.currentText})` : ""}`;
}

/** The actions, with the value in force read before (`was`) or now (`now`). */
function printActions(actions: ResolvedAction[], label = "now"): void {
  actions.forEach((a, i) => console.log(`  ${i === 0 ? "actions     " : "            "}${actionLine(a, i, label)}`));
}

function printAdvance(a: AdvanceResult | undefined, hre: HardhatRuntimeEnvironment): void {
  if (!a) return;
  console.log(
    a.advanced
      ? `advanced ${hre.network.name}'s clock by ${a.after - a.before} s, past the ${a.point}: it reads ${fmtUtc(a.after)}`
      : `no need to advance: the ${a.point} is already past`,
  );
}

interface ProposalFile {
  description?: string;
  actions?: ActionInput[];
}

function readProposalFile(file: string): ProposalFile {
  const full = path.resolve(process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch {
    throw new Error(`cannot read ${full}`);
  }
  let parsed: ProposalFile;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.actions) || parsed.actions.length === 0) {
    throw new Error(
      `${file}: expected { "description": "...", "actions": [ { "param", "collateral"?, "value" } | { "contract", "function", "args" } ] }`,
    );
  }
  return parsed;
}

task("gov:propose", "Proposes parameter changes (simulated as the timelock first)")
  .addOptionalParam("file", "JSON file: { description, actions: [named change | raw call] }")
  .addOptionalParam("param", `named parameter (gov:params lists them): ${PARAMS.map((p) => p.name).join(", ")}`)
  .addOptionalParam("collateral", "collateral symbol or address, for per-collateral parameters")
  .addOptionalParam(
    "value",
    "new value in human units: ratios 1.6 or 160%, stabilityFee yearly 0.03 or 3%, BDOL whole units, seconds or 2h/7d",
  )
  .addOptionalParam("description", "proposal description (default: the file's, or the action itself)")
  .addFlag("force", "propose even when an action's simulation reverts")
  .addOptionalParam("from", "signer: account index or address (local networks)")
  .setAction(async (args, hre) =>
    cli(hre, "gov:propose", async () => {
      let actions: ActionInput[];
      let description: string | undefined = args.description;
      if (args.file && args.param) throw new Error("give either --file or --param, not both");
      if (args.file) {
        const file = readProposalFile(args.file);
        actions = file.actions!;
        description = description ?? file.description;
        if (!description) throw new Error(`${args.file}: missing "description" (or pass --description)`);
      } else if (args.param) {
        actions = [{ param: args.param, collateral: args.collateral, value: args.value }];
      } else {
        throw new Error(
          "nothing to propose: give --param <name> --value <v> [--collateral <symbol>], or --file <proposal.json>",
        );
      }
      const signer = await resolveSigner(hre, args.from);
      // A named change on the command line describes itself unless told otherwise.
      if (!description) {
        const resolved = await Promise.all(actions.map((a) => resolveAction(hre, a)));
        description = describeActions(resolved);
        actions = resolved as unknown as ActionInput[];
      }
      const r = await proposeActions(hre, signer, actions, description, { force: args.force });
      for (const s of r.simulations) {
        if (!s.ok) {
          console.log(
            `warning: action ${r.actions.indexOf(s.action) + 1} reverts if executed now: ${s.error} (proposed anyway: --force)`,
          );
        } else if (s.note) {
          console.log(`note: action ${r.actions.indexOf(s.action) + 1}: ${s.note}`);
        }
      }
      console.log(
        `proposal ${shortId(r.id)} proposed on ${hre.network.name} by ${r.proposer} (tx ${r.txHash}, block ${r.blockNumber})`,
      );
      console.log(`  id          ${r.id}`);
      console.log(`  description ${readableDescription(r.description)}`);
      printActions(r.actions);
      console.log(
        `  snapshot    ${fmtTime(r.snapshot, r.createdAt)}: votes delegated by then count; voting opens after it`,
      );
      console.log(`  deadline    ${fmtTime(r.deadline, r.createdAt)}: voting closes`);
      const rel = path.relative(process.cwd(), r.storePath);
      console.log(`  store       ${rel.startsWith("..") || path.isAbsolute(rel) ? r.storePath : rel}`);
      console.log(
        hre.network.name === "hardhat"
          ? "  next        gov:vote --support for, in the same process: the in-process chain ends with it (--network localhost chains CLI commands)"
          : `  next        npx hardhat gov:vote --support for --network ${hre.network.name}`,
      );
      return r;
    }),
  );

task("gov:vote", "Votes on a proposal with the signer's delegated votes at its snapshot")
  .addParam("support", "for, against or abstain")
  .addOptionalParam("id", "proposal id (default: the latest proposal of the store)")
  .addOptionalParam("reason", "reason recorded with the vote")
  .addFlag("advance", "local networks: first move the clock past the snapshot")
  .addOptionalParam("from", "signer: account index or address (local networks)")
  .setAction(async (args, hre) =>
    cli(hre, "gov:vote", async () => {
      // Refused before any network access on a public network.
      if (args.advance) assertLocalNetwork(hre.network.name);
      const signer = await resolveSigner(hre, args.from);
      const r = await castVote(hre, signer, args.id, args.support, { reason: args.reason, advance: args.advance });
      printAdvance(r.advance, hre);
      console.log(
        `${r.voter} voted ${r.support} on proposal ${shortId(r.id)} with ${fmtVotes(r.weight)} BLST${r.reason ? ` ("${r.reason}")` : ""} (tx ${r.txHash})`,
      );
      console.log(
        `  votes       for ${fmtVotes(r.votes.for)} · against ${fmtVotes(r.votes.against)} · abstain ${fmtVotes(r.votes.abstain)} BLST`,
      );
      console.log(
        `  quorum      ${fmtVotes(r.quorum)} BLST (for + abstain): ${r.quorumReached ? "reached" : "not reached"}`,
      );
      console.log(`  deadline    ${fmtTime(r.deadline, r.now)}`);
      return r;
    }),
  );

task("gov:queue", "Queues a succeeded proposal in the timelock")
  .addOptionalParam("id", "proposal id (default: the latest proposal of the store)")
  .addFlag("advance", "local networks: first move the clock past the voting deadline")
  .addOptionalParam("from", "signer: account index or address (local networks)")
  .setAction(async (args, hre) =>
    cli(hre, "gov:queue", async () => {
      // Refused before any network access on a public network.
      if (args.advance) assertLocalNetwork(hre.network.name);
      const signer = await resolveSigner(hre, args.from);
      const r = await queueProposal(hre, signer, args.id, { advance: args.advance });
      printAdvance(r.advance, hre);
      console.log(`proposal ${shortId(r.id)} queued in the timelock (tx ${r.txHash})`);
      console.log(`  eta         ${fmtTime(r.eta, r.now)}: anyone may execute it from then (gov:execute)`);
      return r;
    }),
  );

task("gov:execute", "Executes a queued proposal once its timelock delay has passed")
  .addOptionalParam("id", "proposal id (default: the latest proposal of the store)")
  .addFlag("advance", "local networks: first move the clock to the eta")
  .addOptionalParam("from", "signer: account index or address (local networks)")
  .setAction(async (args, hre) =>
    cli(hre, "gov:execute", async () => {
      // Refused before any network access on a public network.
      if (args.advance) assertLocalNetwork(hre.network.name);
      const signer = await resolveSigner(hre, args.from);
      const r = await executeProposal(hre, signer, args.id, { advance: args.advance });
      printAdvance(r.advance, hre);
      console.log(`proposal ${shortId(r.id)} executed (tx ${r.txHash})`);
      printActions(r.actions, "was");
      return r;
    }),
  );

task("gov:status", "Prints a proposal's state, votes, quorum, times and actions")
  .addOptionalParam("id", "proposal id (default: the latest proposal of the store)")
  .addFlag("all", "list every stored proposal with its state")
  .setAction(async (args, hre) =>
    cli(hre, "gov:status", async () => {
      if (args.all) {
        const list = await listProposals(hre);
        if (list.length === 0) console.log(`no proposals on ${hre.network.name}: make one with gov:propose`);
        for (const p of list) console.log(`${p.id}  ${p.state.padEnd(9)}  ${readableDescription(p.description)}`);
        return list;
      }
      let s;
      try {
        s = await proposalStatus(hre, args.id);
      } catch (err) {
        if (err instanceof NoProposalsError) {
          console.log(err.message);
          return null;
        }
        throw err;
      }
      const state =
        s.state === "Pending"
          ? `Pending: voting opens after ${fmtTime(s.snapshot, s.now)}`
          : s.state === "Active"
            ? `Active: voting until ${fmtTime(s.deadline, s.now)}`
            : s.state === "Queued"
              ? `Queued: executable ${s.eta <= s.now ? "now" : `from ${fmtTime(s.eta, s.now)}`}`
              : s.state;
      console.log(`proposal ${shortId(s.id)} on ${hre.network.name}`);
      console.log(`  id          ${s.id}`);
      console.log(`  description ${readableDescription(s.description)}`);
      console.log(`  proposer    ${s.proposer}`);
      console.log(`  state       ${state}`);
      console.log(
        `  votes       for ${fmtVotes(s.votes.for)} · against ${fmtVotes(s.votes.against)} · abstain ${fmtVotes(s.votes.abstain)} BLST`,
      );
      console.log(
        `  quorum      ${fmtVotes(s.quorum)} BLST ${s.quorumEstimated ? "(at the snapshot, from the current supply)" : "at the snapshot"}: ` +
          `${s.quorumReached ? "reached" : "not reached"} (for + abstain ${fmtVotes(s.votes.for + s.votes.abstain)})`,
      );
      console.log(`  created     ${fmtTime(s.createdAt, s.now)}`);
      console.log(`  snapshot    ${fmtTime(s.snapshot, s.now)}`);
      console.log(`  deadline    ${fmtTime(s.deadline, s.now)}`);
      console.log(`  eta         ${s.eta === 0n ? "— (not queued)" : fmtTime(s.eta, s.now)}`);
      printActions(s.actions);
      return s;
    }),
  );

task("gov:delegate", "Delegates the signer's BLST votes (default: to itself)")
  .addOptionalParam("to", "delegatee: address or account index (default: the signer)")
  .addOptionalParam("from", "signer: account index or address (local networks)")
  .setAction(async (args, hre) =>
    cli(hre, "gov:delegate", async () => {
      const signer = await resolveSigner(hre, args.from);
      const r = await delegateVotes(hre, signer, args.to);
      const self = r.delegatee === r.delegator ? " (itself)" : "";
      console.log(
        r.txHash
          ? `${r.delegator} delegated its ${fmtVotes(r.balance)} BLST of votes to ${r.delegatee}${self} (tx ${r.txHash})`
          : `${r.delegator} already delegates its ${fmtVotes(r.balance)} BLST of votes to ${r.delegatee}${self}: nothing sent`,
      );
      if (r.balance === 0n)
        console.log(`  ${r.delegator} holds no BLST: votes follow the balance, so it delegates nothing yet`);
      console.log(
        `  ${r.delegatee} now has ${fmtVotes(r.votes)} votes; they count on proposals whose snapshot is later than now`,
      );
      return r;
    }),
  );

task("gov:params", "Lists the named parameters gov:propose --param accepts, with their values in force").setAction(
  async (_args, hre) =>
    cli(hre, "gov:params", async () => {
      const collaterals = await registeredCollaterals(hre);
      for (const p of PARAMS) {
        const d = await hre.deployments.get(p.contract);
        const c = new hre.ethers.Contract(d.address, d.abi, hre.ethers.provider);
        const current = p.perCollateral
          ? (
              await Promise.all(
                collaterals.map(async (col) => `${col.symbol} ${formatValue(p.unit, await p.read(c, col.address))}`),
              )
            ).join(" · ")
          : formatValue(p.unit, await p.read(c));
        console.log(`${p.name.padEnd(20)} ${`${p.contract}.${p.setter}`.padEnd(40)} ${unitHelp(p.unit)}`);
        console.log(`${"".padEnd(20)} ${p.description}; now ${current}`);
      }
      console.log("Other calls (addresses, pauseRiskAdding, setFeed, …): a raw action in a --file proposal, e.g.");
      console.log('  { "contract": "VaultManager", "function": "pauseRiskAdding", "args": ["WETH"] }');
    }),
);

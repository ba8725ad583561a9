/**
 * The voting tools: the `gov:*` tasks run in process (hre.run, console output captured) and the
 * functions of scripts/lib/governance behind them, on the system the real deploy scripts build
 * (the treasury, account 0, holds and self-delegates the 100M BLST; local delays: voting opens
 * 60 s after a proposal, lasts 1 h, the timelock waits 1 h).
 *
 * The proposal store goes to a temporary folder (setProposalStorePath), so the suite leaves
 * nothing under deployments/hardhat.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { bounds, perSecondRate, wad } from "../../lib/sdk";
import { loadSystem, type System } from "../helpers/fixtures";
import {
  PARAMS,
  STORE_FILE,
  assertLocalNetwork,
  castVote,
  delegateVotes,
  executeProposal,
  isLocalNetwork,
  parseValue,
  proposalStatus,
  proposalStorePath,
  proposeActions,
  queueProposal,
  resolveNamedChange,
  resolveSigner,
  setProposalStorePath,
  type ProposalStore,
  type ProposeResult,
} from "../../scripts/lib/governance";
import type { BallastGovernor, GovernanceToken } from "../../typechain-types";
import { contractAt } from "../../lib/sdk/hardhat";

const { MAX_DEBT_CEILING } = bounds;

describe("Governance tools (gov:* tasks)", function () {
  let sys: System;
  let governor: BallastGovernor;
  let token: GovernanceToken;
  let weth: string;
  let dir: string;
  let store: string;

  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "ballast-gov-"));
    store = path.join(dir, STORE_FILE);
    setProposalStorePath(store);
  });

  after(function () {
    setProposalStorePath(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async function () {
    sys = await loadSystem();
    rmSync(store, { force: true });
    governor = (await contractAt(hre, "BallastGovernor", "BallastGovernor")) as unknown as BallastGovernor;
    token = (await contractAt(hre, "GovernanceToken", "GovernanceToken")) as unknown as GovernanceToken;
    weth = await sys.weth.getAddress();
  });

  /** Runs a task in process; returns its result and what it printed. */
  async function run<T = unknown>(
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<{ result: T; text: string }> {
    const out: string[] = [];
    const original = console.log;
    console.log = (...xs: unknown[]) => void out.push(xs.join(" "));
    try {
      const result = (await hre.run(name, args)) as T;
      return { result, text: out.join("\n") };
    } finally {
      console.log = original;
    }
  }

  const readStore = (): ProposalStore => JSON.parse(readFileSync(store, "utf8"));
  const proposalCount = async () => (await governor.queryFilter(governor.filters.ProposalCreated())).length;

  it("the store sits in deployments/<network>/ under a dot-file name that hardhat-deploy skips, unless a test moves it", function () {
    expect(proposalStorePath(hre)).to.equal(store);
    setProposalStorePath(undefined);
    try {
      expect(proposalStorePath(hre)).to.equal(path.join(hre.config.paths.deployments, "hardhat", ".proposals.json"));
      expect(path.basename(proposalStorePath(hre)).startsWith(".")).to.equal(true);
    } finally {
      setProposalStorePath(store);
    }
  });

  it("a named change: propose → vote → queue → execute with --advance, the store chaining the id", async function () {
    const before = (await sys.vaultManager.collateralConfig(weth)).debtCeiling;
    expect(before).to.equal(wad(100_000_000));

    const proposed = await run<ProposeResult>("gov:propose", {
      param: "debtCeiling",
      collateral: "WETH",
      value: "150000000",
    });
    const id = proposed.result.id;
    expect(proposed.text).to.include(`id          ${id}`);
    expect(proposed.text).to.include("1. VaultManager.setDebtCeiling(WETH, 150,000,000 BDOL)   (now 100,000,000 BDOL)");
    expect(proposed.text).to.match(/snapshot {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 1 min\)/);
    expect(proposed.text).to.match(/deadline {4}.* UTC \(in 1 h 1 min\)/);

    // The store holds what queue and execute need.
    const saved = readStore();
    expect(saved.governor).to.equal(await governor.getAddress());
    expect(saved.proposals).to.have.length(1);
    const p = saved.proposals[0];
    expect(p.id).to.equal(id.toString());
    expect(p.targets).to.deep.equal([await sys.vaultManager.getAddress()]);
    expect(p.values).to.deep.equal(["0"]);
    expect(p.calldatas).to.deep.equal([
      sys.vaultManager.interface.encodeFunctionData("setDebtCeiling", [weth, wad(150_000_000)]),
    ]);
    expect(p.descriptionHash).to.equal(ethers.id(p.description));
    expect(p.proposer).to.equal(sys.deployer.address);

    // Each step refuses to run early, with the time it waits for.
    await expect(run("gov:vote", { support: "for" })).to.be.rejectedWith(
      /proposal \d{10}… is Pending until .* UTC \(in 1 min\): voting opens after the snapshot; use --advance on a local network/,
    );
    const voted = await run("gov:vote", { support: "for", advance: true });
    expect(voted.text).to.include("advanced hardhat's clock by");
    expect(voted.text).to.include(`voted for on proposal ${id.toString().slice(0, 10)}… with 100,000,000.00 BLST`);
    expect(voted.text).to.include("quorum      4,000,000.00 BLST (for + abstain): reached");

    await expect(run("gov:queue")).to.be.rejectedWith(
      /is Active \(voting\) until .*; use --advance on a local network/,
    );
    const queued = await run("gov:queue", { advance: true });
    expect(queued.text).to.include("queued in the timelock");
    expect(queued.text).to.match(/eta {9}.* UTC \(in 1 h\)/);

    await expect(run("gov:execute")).to.be.rejectedWith(
      /is Queued: the timelock delay runs until .* UTC \(in 1 h\); use --advance on a local network/,
    );
    const executed = await run("gov:execute", { advance: true });
    expect(executed.text).to.include(`proposal ${id.toString().slice(0, 10)}… executed`);
    expect(executed.text).to.include("1. VaultManager.setDebtCeiling(WETH, 150,000,000 BDOL)   (was 100,000,000 BDOL)");

    expect((await sys.vaultManager.collateralConfig(weth)).debtCeiling).to.equal(wad(150_000_000));
    expect((await run("gov:status")).text).to.include("state       Executed");
    await expect(run("gov:execute")).to.be.rejectedWith(/was already executed/);
  });

  it("a JSON file with two actions, a named change and a raw call, through the library functions", async function () {
    const file = path.join(dir, "proposal.json");
    writeFileSync(
      file,
      JSON.stringify({
        description: "WBTC fee to 3 %, keeper fee to 0.2 %",
        actions: [
          { param: "stabilityFee", collateral: "WBTC", value: "3%" },
          { contract: "LiquidationEngine", function: "setKeeperFee", args: ["2000000000000000"] },
        ],
      }),
    );
    const { result, text } = await run<ProposeResult>("gov:propose", { file });
    expect(result.actions).to.have.length(2);
    expect(text).to.include("description WBTC fee to 3 %, keeper fee to 0.2 %");
    expect(text).to.include("1. VaultManager.setStabilityFee(WBTC, 3 % a year)   (now 1.5 % a year)");
    // The raw call decodes with the registry's units too.
    expect(text).to.include("2. LiquidationEngine.setKeeperFee(0.002 (0.2 %))   (now 0.001 (0.1 %))");

    const signer = await resolveSigner(hre);
    await castVote(hre, signer, undefined, "for", { advance: true });
    await queueProposal(hre, signer, undefined, { advance: true });
    await executeProposal(hre, signer, result.id, { advance: true });

    const wbtc = await sys.wbtc.getAddress();
    expect((await sys.vaultManager.collateralConfig(wbtc)).stabilityFee).to.equal(perSecondRate(wad("0.03")));
    expect((await sys.engine.keeperRewardParams()).keeperFee).to.equal(wad("0.002"));
  });

  it("status: state, votes, quorum, times and actions; several voters; no proposals says so", async function () {
    const none = await run("gov:status");
    expect(none.text).to.equal("no proposals on hardhat: make one with gov:propose");

    // Alice (account 1) gets 5M BLST and delegates to herself before the proposal.
    await token.transfer(sys.alice.address, wad(5_000_000));
    const delegated = await run("gov:delegate", { from: "1" });
    expect(delegated.text).to.include(
      `${sys.alice.address} delegated its 5,000,000.00 BLST of votes to ${sys.alice.address} (itself)`,
    );
    expect((await run("gov:delegate", { from: sys.alice.address })).text).to.include("nothing sent");

    const { result } = await run<ProposeResult>("gov:propose", {
      param: "liquidationRatio",
      collateral: "WETH",
      value: "1.6",
      description: "WETH liquidation ratio to 160 %",
    });
    const pending = await run("gov:status");
    expect(pending.text).to.include("state       Pending: voting opens after");
    expect(pending.text).to.include(
      "quorum      4,000,000.00 BLST (at the snapshot, from the current supply): not reached",
    );

    await run("gov:vote", { support: "for", advance: true, reason: "margin" });
    await run("gov:vote", { support: "against", from: "1", id: result.id.toString() });
    await run("gov:vote", { support: "abstain", from: "2" }).then(
      () => expect.fail("account 2 has no votes"),
      (err: Error) => expect(err.message).to.match(/had no votes at the snapshot .*gov:delegate/),
    );
    await expect(run("gov:vote", { support: "for" })).to.be.rejectedWith(/has already voted on proposal/);

    const { text, result: s } = await run<Awaited<ReturnType<typeof proposalStatus>>>("gov:status", {
      id: result.id.toString().slice(0, 8),
    });
    expect(s.id).to.equal(result.id);
    expect(text).to.match(/state {7}Active: voting until .* UTC \(in 59 min/);
    expect(text).to.include("votes       for 95,000,000.00 · against 5,000,000.00 · abstain 0.00 BLST");
    expect(text).to.include("quorum      4,000,000.00 BLST at the snapshot: reached (for + abstain 95,000,000.00)");
    expect(text).to.include("eta         — (not queued)");
    expect(text).to.include("1. VaultManager.setLiquidationRatio(WETH, 1.6 (160 %))   (now 1.5 (150 %))");
    expect(s.votes).to.deep.equal({ for: wad(95_000_000), against: wad(5_000_000), abstain: 0n });

    // Voted down: queueing explains why it cannot.
    const second = await proposeActions(
      hre,
      sys.deployer,
      [{ param: "minDebt", collateral: "WBTC", value: "600" }],
      "minDebt",
    );
    await castVote(hre, sys.alice, second.id, "against", { advance: true });
    await expect(queueProposal(hre, sys.deployer, second.id, { advance: true })).to.be.rejectedWith(
      /was Defeated \(for 0.00, against 5,000,000.00, abstain 0.00; quorum 4,000,000.00 not reached\); it cannot be queued/,
    );
    const all = await run("gov:status", { all: true });
    expect(all.text).to.match(new RegExp(`${result.id} +Succeeded +WETH liquidation ratio to 160 %`));
    expect(all.text).to.match(new RegExp(`${second.id} +Defeated +minDebt`));
  });

  it("an out-of-bounds change is refused before proposing with the decoded error; with --force it is proposed and execution reverts", async function () {
    const args = { param: "debtCeiling", collateral: "WETH", value: "20000000000" };
    await expect(run("gov:propose", args)).to.be.rejectedWith(
      "refused: an action would revert when the timelock executes it; nothing was proposed (--force proposes anyway)\n" +
        "  1. VaultManager.setDebtCeiling(WETH, 20,000,000,000 BDOL) reverts: " +
        `OutOfBounds(${wad(20_000_000_000)}, 0, ${MAX_DEBT_CEILING}): 20,000,000,000 BDOL is outside [0 BDOL, 10,000,000,000 BDOL]`,
    );
    expect(await proposalCount()).to.equal(0);
    expect(existsSync(store)).to.equal(false);

    const forced = await run<ProposeResult>("gov:propose", { ...args, force: true });
    expect(forced.text).to.include("warning: action 1 reverts if executed now: OutOfBounds(");
    expect(await proposalCount()).to.equal(1);
    await run("gov:vote", { support: "for", advance: true });
    await run("gov:queue", { advance: true });
    await expect(run("gov:execute", { advance: true })).to.be.rejectedWith(
      new RegExp(
        `execution of proposal \\d{10}… would revert: OutOfBounds\\(${wad(20_000_000_000)}, 0, ${MAX_DEBT_CEILING}\\)`,
      ),
    );
    expect((await sys.vaultManager.collateralConfig(weth)).debtCeiling).to.equal(wad(100_000_000));
    expect((await proposalStatus(hre)).state).to.equal("Queued");
  });

  it("the governor's own settings are checked against its bounds off-chain (its setters only run inside execute)", async function () {
    await expect(run("gov:propose", { param: "votingPeriod", value: "10" })).to.be.rejectedWith(
      /BallastGovernor.setVotingPeriod\(10 s\) reverts: OutOfBounds\(10, 3600, 2592000\)/,
    );
    const { text } = await run("gov:propose", { param: "votingPeriod", value: "2h" });
    expect(text).to.include("note: action 1: bounds checked off-chain");
    await run("gov:vote", { support: "for", advance: true });
    await run("gov:queue", { advance: true });
    await run("gov:execute", { advance: true });
    expect(await governor.votingPeriod()).to.equal(7200n);
  });

  it("unknown parameters, collaterals, contracts and functions are refused with the valid names", async function () {
    await expect(run("gov:propose", { param: "debtCieling", collateral: "WETH", value: "1" })).to.be.rejectedWith(
      `unknown parameter "debtCieling"; named parameters: ${PARAMS.map((p) => p.name).join(", ")}`,
    );
    await expect(run("gov:propose", { param: "debtCeiling", collateral: "DOGE", value: "1" })).to.be.rejectedWith(
      `unknown collateral "DOGE"; registered collaterals: WETH (${weth}), WBTC (${await sys.wbtc.getAddress()})`,
    );
    await expect(run("gov:propose", { param: "debtCeiling", value: "1" })).to.be.rejectedWith(
      "debtCeiling is set per collateral: give one (WETH, WBTC)",
    );
    await expect(run("gov:propose", { param: "tipGas", collateral: "WETH", value: "1" })).to.be.rejectedWith(
      /tipGas is not set per collateral/,
    );
    await expect(
      run("gov:propose", { param: "liquidationRatio", collateral: "WETH", value: "abc" }),
    ).to.be.rejectedWith(/liquidationRatio: "abc" is not a decimal/);
    await expect(
      proposeActions(hre, sys.deployer, [{ contract: "Vault", function: "pauseRiskAdding", args: ["WETH"] }], "x"),
    ).to.be.rejectedWith(/unknown contract "Vault" on hardhat; governed deployments: VaultManager, LiquidationEngine/);
    await expect(
      proposeActions(hre, sys.deployer, [{ contract: "VaultManager", function: "paws", args: ["WETH"] }], "x"),
    ).to.be.rejectedWith(/VaultManager has no function "paws"; its functions: .*setDebtCeiling/);
    expect(await proposalCount()).to.equal(0);
  });

  it("raw actions resolve deployment names and collateral symbols in address arguments", async function () {
    const r = await proposeActions(
      hre,
      sys.deployer,
      [{ contract: "VaultManager", function: "pauseRiskAdding", args: ["WETH"] }],
      "Pause WETH",
    );
    expect(r.actions[0].text).to.equal("VaultManager.pauseRiskAdding(WETH)");
    expect(r.actions[0].calldata).to.equal(sys.vaultManager.interface.encodeFunctionData("pauseRiskAdding", [weth]));
  });

  it("the proposer needs the threshold of delegated votes; the same proposal cannot be made twice", async function () {
    await expect(
      proposeActions(hre, sys.alice, [{ param: "minDebt", collateral: "WETH", value: "600" }], "minDebt"),
    ).to.be.rejectedWith(
      /has 0.00 votes; proposing needs 100,000.00 BLST of delegated votes \(delegate first: gov:delegate/,
    );
    const change = [{ param: "minDebt", collateral: "WETH", value: "600" }];
    const first = await proposeActions(hre, sys.deployer, change, "minDebt 600");
    await expect(proposeActions(hre, sys.deployer, change, "minDebt 600")).to.be.rejectedWith(
      `the same proposal (same actions and description) exists already: ${first.id} (Pending)`,
    );
    // The store chains the latest of several proposals.
    const second = await proposeActions(hre, sys.deployer, change, "minDebt 600, again");
    expect((await proposalStatus(hre)).id).to.equal(second.id);
    expect((await proposalStatus(hre, first.id)).id).to.equal(first.id);
    expect(readStore().proposals.map((p) => p.id)).to.deep.equal([first.id.toString(), second.id.toString()]);
  });

  it("--advance and --from other accounts are for local networks only", async function () {
    expect(isLocalNetwork("hardhat")).to.equal(true);
    expect(isLocalNetwork("localhost")).to.equal(true);
    expect(isLocalNetwork("sepolia")).to.equal(false);
    expect(() => assertLocalNetwork("hardhat")).not.to.throw();
    expect(() => assertLocalNetwork("localhost")).not.to.throw();
    for (const net of ["sepolia", "mainnet"]) {
      expect(() => assertLocalNetwork(net)).to.throw(
        `--advance moves the chain's clock and mines blocks, which only a local network allows (hardhat, localhost); ${net} is not one`,
      );
    }
    await expect(resolveSigner(hre, "99")).to.be.rejectedWith(/--from 99: hardhat has 20 account\(s\), indices 0–19/);
    await expect(resolveSigner(hre, "bob")).to.be.rejectedWith(/--from takes an account index or an address/);
    expect(await (await resolveSigner(hre, sys.bob.address)).getAddress()).to.equal(sys.bob.address);
  });

  it("human values convert to the setters' units", async function () {
    expect(parseValue("ratio", "1.6")).to.equal(wad("1.6"));
    expect(parseValue("ratio", "160%")).to.equal(wad("1.6"));
    expect(parseValue("ratio", "0.05%")).to.equal(wad("0.0005"));
    expect(parseValue("annualRate", "0.03")).to.equal(perSecondRate(wad("0.03")));
    expect(parseValue("annualRate", "3%")).to.equal(perSecondRate(wad("0.03")));
    expect(parseValue("bdol", "150_000_000")).to.equal(wad(150_000_000));
    expect(parseValue("bdol", "1,500.5")).to.equal(wad("1500.5"));
    expect(parseValue("seconds", "3600")).to.equal(3600n);
    expect(parseValue("seconds", "2h")).to.equal(7200n);
    expect(parseValue("seconds", "7d")).to.equal(604_800n);
    expect(parseValue("percent", "5%")).to.equal(5n);
    expect(() => parseValue("seconds", "1.5h")).to.throw(/not a duration/);
    expect(() => parseValue("bdol", "-1")).to.throw(/negative/);
    const a = await resolveNamedChange(hre, { param: "bufferShare", value: "90%" });
    expect(a.text).to.equal("ReservePool.setBufferShare(0.9 (90 %))");
    expect(a.currentText).to.equal("0.8 (80 %)");
    const d = await delegateVotes(hre, sys.deployer);
    expect(d.txHash).to.equal(undefined); // the treasury self-delegated at deploy
  });
});

/**
 * Beanstalk: governance weight was the stake held when voting, and `emergencyCommit` executed a
 * proposal at once with two thirds of that weight. The attacker had proposed a malicious BIP a day
 * earlier, then flash-borrowed ~$1B of stablecoins, deposited them for 79 % of the votes, voted and
 * executed in one transaction, and repaid. Ballast's governor (OpenZeppelin, timestamp clock) counts
 * votes checkpointed at each proposal's snapshot, needs the proposal threshold a second before
 * proposing, and runs every passed proposal through the timelock's delay: BLST borrowed and returned
 * in one transaction weighs nothing, and no proposal reaches execution in the block it was voted in.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";

import { networkConfig } from "../../config/networks";
import { wad } from "../../lib/sdk";
import { at, loadSystem, type System } from "../helpers/fixtures";
import type { BallastGovernor, GovernanceAttacker, GovernanceToken, MockVotesFlashLender } from "../../typechain-types";

const G = networkConfig("hardhat").governance;

/** IGovernor.ProposalState. */
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
/** GovernanceAttacker.Action. */
enum Action {
  Hold,
  Propose,
  Vote,
}
/** The `expectedStates` bitmap of GovernorUnexpectedProposalState. */
const bitmap = (...states: State[]) =>
  ethers.toBeHex(
    states.reduce((m, s) => m | (1n << BigInt(s)), 0n),
    32,
  );

describe(
  "Beanstalk — 17 April 2022: ~$1B of flash-borrowed stablecoins bought 79 % of the votes for one transaction, " +
    "which voted for and `emergencyCommit`ted a proposal sending the treasury to the attacker; ~$182M lost " +
    "(Beanstalk post-mortem, April 2022)",
  () => {
    let sys: System;
    let token: GovernanceToken;
    let governor: BallastGovernor;
    let lender: MockVotesFlashLender;
    let bot: GovernanceAttacker;
    /** The malicious proposal: make the attacker's contract a BDOL minter (the treasury drain of BIP-18). */
    let p: { targets: string[]; values: bigint[]; calldatas: string[]; description: string; id: bigint };
    /** Half the supply, lent out by a pool for one transaction at a time. */
    const POOL = wad(50_000_000);

    beforeEach(async () => {
      sys = await loadSystem();
      token = await at<GovernanceToken>("GovernanceToken", "GovernanceToken");
      governor = await at<BallastGovernor>("BallastGovernor", "BallastGovernor");
      lender = (await ethers.deployContract("MockVotesFlashLender", [
        await token.getAddress(),
      ])) as unknown as MockVotesFlashLender;
      bot = (await ethers.deployContract("GovernanceAttacker", [
        await governor.getAddress(),
        await token.getAddress(),
      ])) as unknown as GovernanceAttacker;
      await token.connect(sys.deployer).transfer(await lender.getAddress(), POOL);

      const targets = [await sys.bdol.getAddress()];
      const calldatas = [sys.bdol.interface.encodeFunctionData("setModule", [await bot.getAddress(), true])];
      const description = "BIP-18: make the attacker a minter";
      const values = [0n];
      const id = await governor.hashProposal(targets, values, calldatas, ethers.id(description));
      p = { targets, values, calldatas, description, id };
    });

    const encodeProposal = () =>
      ethers.AbiCoder.defaultAbiCoder().encode(
        ["address[]", "uint256[]", "bytes[]", "string"],
        [p.targets, p.values, p.calldatas, p.description],
      );
    const encodeVote = (support: number) =>
      ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint8"], [p.id, support]);
    const queue = () => governor.queue(p.targets, p.values, p.calldatas, ethers.id(p.description));

    it("votes borrowed for one transaction can neither propose nor weigh on a vote: they are read a second before proposing and at the snapshot", async () => {
      const lenderAddress = await lender.getAddress();
      const botAddress = await bot.getAddress();
      // Proposing with borrowed votes: the threshold is read at the previous second, when the bot held nothing.
      await expect(bot.flash(lenderAddress, POOL, Action.Propose, encodeProposal()))
        .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
        .withArgs(botAddress, 0n, G.proposalThreshold);

      // As in Beanstalk the attacker proposes ahead with a stake of its own (the threshold, 100,000 BLST).
      await token.connect(sys.deployer).transfer(botAddress, G.proposalThreshold);
      await bot.delegateSelf();
      await mine();
      await bot.proposeAndExecute(p.targets, p.values, p.calldatas, p.description, 0);
      expect(await bot.lastProposalId()).to.equal(p.id);
      const snapshot = await governor.proposalSnapshot(p.id);
      await time.increaseTo(snapshot + 1n);
      expect(await governor.state(p.id)).to.equal(State.Active);

      // Voting day: it borrows half the supply and votes For inside the loan. It holds 50.1M votes there,
      // and the governor counts the 100,000 it held at the snapshot.
      await expect(bot.flash(lenderAddress, POOL, Action.Vote, encodeVote(1)))
        .to.emit(governor, "VoteCast")
        .withArgs(botAddress, p.id, 1, G.proposalThreshold, "");
      expect(await bot.votesDuringLoan()).to.equal(POOL + G.proposalThreshold);
      expect(await governor.proposalVotes(p.id)).to.deep.equal([0n, G.proposalThreshold, 0n]);
      expect(await token.balanceOf(lenderAddress)).to.equal(POOL);

      // No emergency path: the proposal is still voting, so it cannot be queued, let alone executed.
      await expect(queue())
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Active, bitmap(State.Succeeded));
      // At the end of the vote the 100,000 real votes are short of the 4 % quorum (4M): defeated for good.
      await time.increaseTo((await governor.proposalDeadline(p.id)) + 1n);
      expect(await governor.state(p.id)).to.equal(State.Defeated);
      await expect(queue())
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, State.Defeated, bitmap(State.Succeeded));
      expect(await sys.bdol.isModule(botAddress)).to.equal(false);
    });

    it("a loan taken in the snapshot second itself weighs nothing either", async () => {
      const { deployer } = sys;
      // An honest proposal from the treasury; the attacker tries to vote it down.
      const honest = {
        targets: [await sys.bdol.getAddress()],
        values: [0n],
        calldatas: [sys.bdol.interface.encodeFunctionData("setFlashMintMax", [wad(20_000_000)])],
        description: "flash-mint maximum 20M",
      };
      await governor.connect(deployer).propose(honest.targets, honest.values, honest.calldatas, honest.description);
      const id = await governor.hashProposal(
        honest.targets,
        honest.values,
        honest.calldatas,
        ethers.id(honest.description),
      );
      const snapshot = await governor.proposalSnapshot(id);
      // Borrowed, delegated and repaid within the snapshot's second: the checkpoint keeps the last value, 0.
      await time.setNextBlockTimestamp(snapshot);
      await bot.flash(await lender.getAddress(), POOL, Action.Hold, "0x");
      expect(await bot.votesDuringLoan()).to.equal(POOL);
      await expect(bot.vote(id, 0))
        .to.emit(governor, "VoteCast")
        .withArgs(await bot.getAddress(), id, 0, 0n, "");
      expect(await token.getPastVotes(await bot.getAddress(), snapshot)).to.equal(0n);
      expect((await governor.proposalVotes(id))[0]).to.equal(0n);
    });

    it("even with real votes of its own, one transaction cannot carry a proposal from proposal to execution", async () => {
      // 10M delegated BLST: enough to propose and to meet the quorum alone.
      await token.connect(sys.deployer).transfer(await bot.getAddress(), wad(10_000_000));
      await bot.delegateSelf();
      await mine();
      const pending = [p.id, State.Pending] as const;
      const attack = (steps: number) => bot.proposeAndExecute(p.targets, p.values, p.calldatas, p.description, steps);
      await expect(attack(1 | 2 | 4)) // propose, vote, queue, execute
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(...pending, bitmap(State.Active));
      await expect(attack(2 | 4)) // propose, queue, execute
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(...pending, bitmap(State.Succeeded));
      await expect(attack(4)) // propose, execute
        .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
        .withArgs(...pending, bitmap(State.Queued));
      await expect(governor.state(p.id)).to.be.revertedWithCustomError(governor, "GovernorNonexistentProposal");
      expect(await sys.bdol.isModule(await bot.getAddress())).to.equal(false);
    });
  },
);

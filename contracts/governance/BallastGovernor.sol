// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
// solhint-disable-next-line max-line-length
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";

import {IBallastGovernor} from "../interfaces/IBallastGovernor.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";

/// @title BallastGovernor
/// @notice OpenZeppelin Governor — settings, simple counting (against / for / abstain), token votes,
/// quorum as a fraction of the supply at the snapshot, timelock control — so governance UIs that
/// read OpenZeppelin's events and views work with it unchanged.
/// @dev Lifecycle: `propose` (proposer holds ≥ `proposalThreshold` votes at the previous second)
/// → Pending for `votingDelay` seconds; the snapshot is `proposal time + votingDelay` → Active for
/// `votingPeriod` seconds: `castVote` counts the voter's delegated votes at the snapshot → Succeeded
/// when for > against and for + abstain ≥ quorum → `queue` schedules it in the timelock → after the
/// timelock delay anyone may `execute` it; the timelock makes the calls. Every step checks the
/// proposal's state against the clock, so proposing, voting and executing cannot share a
/// transaction, and weight comes from checkpoints strictly before voting opens.
/// Hard bounds (ConstantsLib) on every setting: voting delay [1 s, 30 days], period [1 h, 30 days],
/// quorum [1 %, 50 %], threshold ≤ 10 % of the supply; the timelock bounds its own delay. And the
/// governance cycle stays shorter than the vault manager's `maxPauseDuration` (see IBallastGovernor).
contract BallastGovernor is
    IBallastGovernor,
    Governor,
    GovernorVotes,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    using MathLib for uint256;

    /// @inheritdoc IBallastGovernor
    IVaultManager public immutable vaultManager;

    /// @notice `updateTimelock` is disabled: the timelock holds every role of the protocol, so
    /// pointing the governor elsewhere would freeze every parameter. A migration deploys a new
    /// governor and timelock and moves the roles by proposal.
    error TimelockFixed();

    /// @param votingDelay_ Seconds from a proposal to its snapshot and the opening of the vote.
    /// @param votingPeriod_ Seconds the vote stays open.
    /// @param threshold_ Votes [wad] a proposer must hold.
    /// @param quorumPercent_ Quorum as a percentage of the supply at the snapshot.
    /// @param vaultManager_ Its `maxPauseDuration` must exceed the governance cycle from the start.
    constructor(
        IVotes token_,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 threshold_,
        uint256 quorumPercent_,
        IVaultManager vaultManager_
    )
        Governor("BallastGovernor")
        GovernorVotes(token_)
        GovernorSettings(votingDelay_, votingPeriod_, threshold_)
        GovernorVotesQuorumFraction(quorumPercent_)
        GovernorTimelockControl(timelock_)
    {
        if (address(vaultManager_) == address(0)) revert ErrorsLib.ZeroAddress();
        vaultManager = vaultManager_;
        // The settings' own setters ran before the vault manager was known: check them now.
        _checkCycle();
    }

    /// @inheritdoc IBallastGovernor
    function governanceCycle() public view returns (uint256) {
        return votingDelay() + votingPeriod() + TimelockController(payable(timelock())).getMinDelay();
    }

    // ------------------------------------------------------------------ bounded settings

    function _setVotingDelay(uint48 newVotingDelay) internal override {
        ErrorsLib.checkBounds(newVotingDelay, ConstantsLib.MIN_VOTING_DELAY, ConstantsLib.MAX_VOTING_DELAY);
        super._setVotingDelay(newVotingDelay);
        _checkCycle();
    }

    function _setVotingPeriod(uint32 newVotingPeriod) internal override {
        ErrorsLib.checkBounds(newVotingPeriod, ConstantsLib.MIN_VOTING_PERIOD, ConstantsLib.MAX_VOTING_PERIOD);
        super._setVotingPeriod(newVotingPeriod);
        _checkCycle();
    }

    /// @dev Reverts `GovernanceCycleTooLong` unless the cycle is shorter than the vault manager's
    /// `maxPauseDuration`. Skipped while the constructor has not set the vault manager yet (the base
    /// constructors apply the settings first); the constructor checks once it has.
    function _checkCycle() internal view {
        if (address(vaultManager) == address(0)) return;
        uint256 cycle = governanceCycle();
        uint256 maxPause = vaultManager.maxPauseDuration();
        if (cycle >= maxPause) revert ErrorsLib.GovernanceCycleTooLong(cycle, maxPause);
    }

    function _setProposalThreshold(uint256 newProposalThreshold) internal override {
        uint256 supply = IERC20(address(token())).totalSupply();
        ErrorsLib.checkBounds(newProposalThreshold, 0, supply.wadMulDown(ConstantsLib.MAX_PROPOSAL_THRESHOLD_SHARE));
        super._setProposalThreshold(newProposalThreshold);
    }

    function _updateQuorumNumerator(uint256 newQuorumNumerator) internal override {
        ErrorsLib.checkBounds(newQuorumNumerator, ConstantsLib.MIN_QUORUM_PERCENT, ConstantsLib.MAX_QUORUM_PERCENT);
        super._updateQuorumNumerator(newQuorumNumerator);
    }

    /// @notice Always reverts `TimelockFixed` (see the error).
    function updateTimelock(TimelockController) public pure override {
        revert TimelockFixed();
    }

    // ------------------------------------------------------------------ required overrides

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}

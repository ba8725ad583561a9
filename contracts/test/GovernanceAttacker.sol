// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/// @title GovernanceAttacker
/// @notice Tries the governance attacks the Beanstalk exploit used: voting power flash-borrowed for
/// one transaction, and propose → vote → queue → execute inside that one transaction. Every revert
/// from the governor bubbles up unchanged so that tests can assert the exact error.
contract GovernanceAttacker is IERC3156FlashBorrower {
    /// @notice What to do with flash-borrowed tokens inside the callback.
    enum Action {
        Hold, // only delegate to itself and record the votes it holds
        Propose, // propose with the borrowed votes
        Vote // vote with the borrowed votes
    }

    /// @notice `proposeAndExecute` steps after `propose` (bit mask).
    uint8 public constant STEP_VOTE = 1;
    uint8 public constant STEP_QUEUE = 2;
    uint8 public constant STEP_EXECUTE = 4;

    IGovernor public immutable governor;
    IERC20 public immutable token;
    /// @notice Votes this contract held (getVotes) inside the last flash-loan callback.
    uint256 public votesDuringLoan;
    /// @notice Weight the governor counted for the last vote.
    uint256 public lastWeight;
    /// @notice Id returned by the last successful propose.
    uint256 public lastProposalId;

    error UntrustedLender(address lender);

    constructor(address governor_, address token_) {
        governor = IGovernor(governor_);
        token = IERC20(token_);
    }

    function delegateSelf() external {
        IVotes(address(token)).delegate(address(this));
    }

    function vote(uint256 proposalId, uint8 support) external {
        lastWeight = governor.castVote(proposalId, support);
    }

    /// @notice Borrows `amount` from `lender` and runs `action` with it: `payload` is empty for Hold,
    /// abi.encode(targets, values, calldatas, description) for Propose, abi.encode(proposalId,
    /// support) for Vote.
    function flash(IERC3156FlashLender lender, uint256 amount, Action action, bytes calldata payload) external {
        lender.flashLoan(this, address(token), amount, abi.encode(lender, action, payload));
    }

    /// @notice Proposes, then in the same transaction runs the `steps` (STEP_* bits) in order.
    function proposeAndExecute(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description,
        uint8 steps
    ) external returns (uint256 proposalId) {
        proposalId = governor.propose(targets, values, calldatas, description);
        lastProposalId = proposalId;
        bytes32 descriptionHash = keccak256(bytes(description));
        if (steps & STEP_VOTE != 0) lastWeight = governor.castVote(proposalId, 1);
        if (steps & STEP_QUEUE != 0) governor.queue(targets, values, calldatas, descriptionHash);
        if (steps & STEP_EXECUTE != 0) governor.execute(targets, values, calldatas, descriptionHash);
    }

    function onFlashLoan(
        address initiator,
        address,
        uint256 amount,
        uint256 fee,
        bytes calldata data
    ) external returns (bytes32) {
        (address lender, Action action, bytes memory payload) = abi.decode(data, (address, Action, bytes));
        if (msg.sender != lender || initiator != address(this)) revert UntrustedLender(msg.sender);
        IVotes(address(token)).delegate(address(this));
        votesDuringLoan = IVotes(address(token)).getVotes(address(this));
        if (action == Action.Propose) {
            (
                address[] memory targets,
                uint256[] memory values,
                bytes[] memory calldatas,
                string memory description
            ) = abi.decode(payload, (address[], uint256[], bytes[], string));
            lastProposalId = governor.propose(targets, values, calldatas, description);
        } else if (action == Action.Vote) {
            (uint256 proposalId, uint8 support) = abi.decode(payload, (uint256, uint8));
            lastWeight = governor.castVote(proposalId, support);
        }
        token.approve(msg.sender, amount + fee);
        return keccak256("ERC3156FlashBorrower.onFlashLoan");
    }
}

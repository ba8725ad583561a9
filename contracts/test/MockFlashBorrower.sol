// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/// @title MockFlashBorrower
/// @notice ERC-3156 borrower with switchable misbehaviour, for flash-mint tests.
contract MockFlashBorrower is IERC3156FlashBorrower {
    enum Behaviour {
        Repay, // approves amount + fee and returns the magic value
        NoApprove, // returns the magic value but never approves repayment
        WrongReturn, // approves but returns a wrong value
        Reenter // tries a nested flash loan from inside the callback
    }

    IERC3156FlashLender public immutable lender;
    Behaviour public behaviour;
    uint256 public lastAmount;
    uint256 public lastFee;
    uint256 public balanceDuringLoan;

    constructor(address lender_) {
        lender = IERC3156FlashLender(lender_);
    }

    function setBehaviour(Behaviour b) external {
        behaviour = b;
    }

    function borrow(uint256 amount) external {
        lender.flashLoan(this, address(lender), amount, "");
    }

    function onFlashLoan(
        address,
        address token,
        uint256 amount,
        uint256 fee,
        bytes calldata
    ) external returns (bytes32) {
        lastAmount = amount;
        lastFee = fee;
        balanceDuringLoan = IERC20(token).balanceOf(address(this));
        if (behaviour == Behaviour.Reenter) lender.flashLoan(this, token, amount, "");
        if (behaviour != Behaviour.NoApprove) IERC20(token).approve(address(lender), amount + fee);
        if (behaviour == Behaviour.WrongReturn) return bytes32(0);
        return keccak256("ERC3156FlashBorrower.onFlashLoan");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/// @title MockFlashRecorder
/// @notice The flash-loan price manipulator (bZx, February 2020; Inverse Finance, April 2022) turned
/// into a witness: it runs one list of view calls before taking a flash loan and again inside its
/// callback while it holds the loan, in one transaction (one block, one timestamp), and emits every
/// raw result (`Recorded`), so a test can compare what the protocol reads with and without the loan.
/// Inside the callback it then makes the `actions` calls (a liquidation, a borrow, a risk-controller
/// poke…) with the loan in hand; their reverts bubble up unchanged. Local networks only: anyone may
/// call it.
contract MockFlashRecorder is IERC3156FlashBorrower {
    bytes32 internal constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @notice When a view was read.
    enum Phase {
        Before, // in the same transaction, before the flash loan
        During // inside the callback, holding the loan
    }

    /// @notice A call: `data` sent to `target`.
    struct Call {
        address target;
        bytes data;
    }

    IERC3156FlashLender public immutable lender;
    /// @notice The lent token's balance this contract held inside the last callback.
    uint256 public balanceDuringLoan;

    /// @notice View `index` of the list returned `result` in `phase`.
    event Recorded(Phase indexed phase, uint256 indexed index, bytes result);

    error UntrustedLender(address caller, address initiator);

    constructor(address lender_) {
        lender = IERC3156FlashLender(lender_);
    }

    /// @notice Records `views`, then flash-borrows `amount` of `token` (the callback records `views`
    /// again and makes `actions`) and repays it with the fee this contract holds.
    /// @dev The lists travel to the callback in the loan's `data`: no storage, so the witness costs
    /// little more than the views it makes.
    function run(address token, uint256 amount, Call[] calldata views, Call[] calldata actions) external {
        _record(Phase.Before, views);
        lender.flashLoan(this, token, amount, abi.encode(views, actions));
    }

    /// @inheritdoc IERC3156FlashBorrower
    function onFlashLoan(
        address initiator,
        address token,
        uint256 amount,
        uint256 fee,
        bytes calldata data
    ) external returns (bytes32) {
        if (msg.sender != address(lender) || initiator != address(this)) {
            revert UntrustedLender(msg.sender, initiator);
        }
        (Call[] memory views, Call[] memory actions) = abi.decode(data, (Call[], Call[]));
        balanceDuringLoan = IERC20(token).balanceOf(address(this));
        _record(Phase.During, views);
        for (uint256 i; i < actions.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = actions[i].target.call(actions[i].data);
            if (!ok) _bubble(result);
        }
        IERC20(token).approve(msg.sender, amount + fee);
        return CALLBACK_SUCCESS;
    }

    function _record(Phase phase, Call[] memory views) internal {
        for (uint256 i; i < views.length; ++i) {
            (bool ok, bytes memory result) = views[i].target.staticcall(views[i].data);
            if (!ok) _bubble(result);
            emit Recorded(phase, i, result);
        }
    }

    function _bubble(bytes memory result) internal pure {
        assembly ("memory-safe") {
            revert(add(result, 32), mload(result))
        }
    }
}

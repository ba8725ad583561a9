// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ErrorsLib} from "../libraries/ErrorsLib.sol";

/// @title GovernanceToken
/// @notice Ballast's voting token: ERC-20 with EIP-2612 permit and ERC20Votes checkpoints on a
/// timestamp clock (ERC-6372 `mode=timestamp`). The whole supply is minted once, at deployment, to
/// the treasury named in the network config; there is no owner and no way to mint more.
/// @dev Votes count only once delegated (a holder may delegate to itself). A proposal counts the
/// votes held at its snapshot, a timepoint strictly before voting opens, so tokens bought or
/// flash-borrowed after the snapshot carry no weight on it.
contract GovernanceToken is ERC20, ERC20Permit, ERC20Votes {
    /// @param treasury Receives the whole fixed supply.
    /// @param supply The fixed supply [wad], at most ERC20Votes' 2^208 − 1.
    constructor(
        string memory name_,
        string memory symbol_,
        address treasury,
        uint256 supply
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        if (treasury == address(0)) revert ErrorsLib.ZeroAddress();
        if (supply == 0) revert ErrorsLib.ZeroAmount();
        _mint(treasury, supply);
    }

    /// @notice ERC-6372: checkpoints are keyed by block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372: the clock is the block timestamp.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}

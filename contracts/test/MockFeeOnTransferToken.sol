// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockFeeOnTransferToken
/// @notice Burns `feeBps` of every transfer (not mints or burns), like PAXG, or USDT with its fee
/// switched on. The fee can be changed at any time (`setFeeBps`, anyone: a test token), as USDT's
/// can: a token listed without a fee may start taking one.
contract MockFeeOnTransferToken is ERC20 {
    uint256 public feeBps;

    error FeeTooHigh(uint256 feeBps);

    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        setFeeBps(feeBps_);
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Up to 10,000 (everything sent is burnt).
    function setFeeBps(uint256 newFeeBps) public {
        if (newFeeBps > 10_000) revert FeeTooHigh(newFeeBps);
        feeBps = newFeeBps;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

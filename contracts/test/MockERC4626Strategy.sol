// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title MockERC4626Strategy
/// @notice OpenZeppelin ERC-4626 vault over a test token, with hooks to simulate a loss, a leak on
/// every deposit and withdrawal (a fee that leaves the vault), and reverting deposits, withdrawals
/// or views (`convertToAssets`, `maxWithdraw`). Local networks only: anyone may call the hooks. A
/// gain is a plain transfer of the asset to the vault.
contract MockERC4626Strategy is ERC4626 {
    using SafeERC20 for IERC20;

    /// @dev Where simulated losses go (an address nobody controls).
    address internal constant SINK = 0x000000000000000000000000000000000000dEaD;

    bool public failDeposit;
    bool public failWithdraw;
    bool public failViews;
    /// @notice Asset units sent away after every deposit and every withdrawal [asset units].
    uint256 public leak;

    error DepositsDisabled();
    error WithdrawalsDisabled();
    error ViewsDisabled();

    constructor(IERC20 asset_, string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC4626(asset_) {}

    /// @notice Sends `bps` / 10,000 of the vault's assets away: every share is worth that much less.
    function simulateLoss(uint256 bps) external {
        IERC20 token = IERC20(asset());
        token.safeTransfer(SINK, (token.balanceOf(address(this)) * bps) / 10_000);
    }

    function setFailDeposit(bool value) external {
        failDeposit = value;
    }

    function setFailWithdraw(bool value) external {
        failWithdraw = value;
    }

    function setFailViews(bool value) external {
        failViews = value;
    }

    function setLeak(uint256 units) external {
        leak = units;
    }

    function convertToAssets(uint256 shares) public view override returns (uint256) {
        if (failViews) revert ViewsDisabled();
        return super.convertToAssets(shares);
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        if (failViews) revert ViewsDisabled();
        return super.maxWithdraw(owner);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        if (failDeposit) revert DepositsDisabled();
        super._deposit(caller, receiver, assets, shares);
        _leak();
    }

    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        if (failWithdraw) revert WithdrawalsDisabled();
        super._withdraw(caller, receiver, owner, assets, shares);
        _leak();
    }

    function _leak() internal {
        uint256 units = leak;
        if (units != 0) IERC20(asset()).safeTransfer(SINK, units);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ISavingsBdol} from "../interfaces/ISavingsBdol.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {RateLib} from "../libraries/RateLib.sol";

/// @title SavingsBdol (sBDOL)
/// @notice An ERC-4626 vault over BDOL paying a savings rate from the reserve's surplus. See
/// {ISavingsBdol} for the rules.
/// @dev `DEFAULT_ADMIN_ROLE`: governance (unpause, roles). `RISK_CONTROL_ROLE`: the rate setter.
/// `GUARDIAN_ROLE`: pauses deposits. Holds only its holders' BDOL.
contract SavingsBdol is ISavingsBdol, ERC4626, AccessControl, ReentrancyGuardTransient {
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    bytes32 public constant RISK_CONTROL_ROLE = keccak256("RISK_CONTROL_ROLE");

    /// @inheritdoc ISavingsBdol
    address public immutable reserve;

    // One slot: the rate ≤ MAX_SAVINGS_RATE < 2^96, the last drip (fits until the year 36812), the pause.
    uint96 internal _rate; // [ray per second]
    uint40 internal _lastDrip; // [s]
    /// @inheritdoc ISavingsBdol
    bool public depositsPaused;
    uint256 internal _assets; // [wad] booked assets

    constructor(
        address stablecoin_,
        address reserve_,
        address admin
    ) ERC20("Savings Ballast Dollar", "sBDOL") ERC4626(IERC20(stablecoin_)) {
        if (stablecoin_ == address(0) || reserve_ == address(0) || admin == address(0)) {
            revert ErrorsLib.ZeroAddress();
        }
        reserve = reserve_;
        _rate = uint96(ConstantsLib.RAY);
        _lastDrip = uint40(block.timestamp);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit SavingsRateSet(0, ConstantsLib.RAY);
    }

    // =================================================================== interest

    /// @inheritdoc ISavingsBdol
    function drip() public returns (uint256 paid) {
        uint256 last = _lastDrip;
        if (last == block.timestamp) return 0;
        uint256 elapsed = block.timestamp - last;
        uint256 rate_ = _rate;
        uint256 assets = _assets;
        uint256 owed = RateLib.interestDown(assets, rate_, elapsed);
        if (owed != 0) {
            paid = MathLib.min(owed, IReservePool(reserve).savingsPayableTo(address(this)));
            if (paid != 0) {
                // Credit what arrived (balance difference), at most what was asked for.
                uint256 before = IERC20(asset()).balanceOf(address(this));
                IReservePool(reserve).paySavings(paid);
                paid = MathLib.min(IERC20(asset()).balanceOf(address(this)) - before, paid);
                assets += paid;
                _assets = assets;
            }
            if (paid < owed) {
                // The rate the surplus paid over the interval, rounded down; owed ≠ 0 ⇒ assets ≠ 0.
                uint256 cut = ConstantsLib.RAY + MathLib.mulDivDown(paid, ConstantsLib.RAY, (assets - paid) * elapsed);
                if (cut < rate_) {
                    _rate = uint96(cut);
                    emit SavingsRateCut(rate_, cut, owed, paid);
                }
            }
        }
        _lastDrip = uint40(block.timestamp);
        emit Dripped(owed, paid, assets);
    }

    /// @inheritdoc ISavingsBdol
    function setRate(uint256 newRate) external onlyRole(RISK_CONTROL_ROLE) nonReentrant {
        drip(); // a no-op when the rate setter dripped first in the same block
        uint256 oldRate = _rate;
        if (newRate == oldRate) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newRate, ConstantsLib.RAY, ConstantsLib.MAX_SAVINGS_RATE);
        _rate = uint96(newRate);
        emit SavingsRateSet(oldRate, newRate);
    }

    // =================================================================== ERC-4626, each after a drip

    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256) {
        if (depositsPaused) revert DepositsArePaused();
        drip();
        return super.deposit(assets, receiver);
    }

    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256) {
        if (depositsPaused) revert DepositsArePaused();
        drip();
        return super.mint(shares, receiver);
    }

    function withdraw(uint256 assets, address receiver, address owner) public override nonReentrant returns (uint256) {
        drip();
        return super.withdraw(assets, receiver, owner);
    }

    function redeem(uint256 shares, address receiver, address owner) public override nonReentrant returns (uint256) {
        drip();
        return super.redeem(shares, receiver, owner);
    }

    /// @notice Booked assets plus the interest a drip would pay now.
    function totalAssets() public view override returns (uint256) {
        uint256 owed = interestOwed();
        if (owed == 0) return _assets;
        return _assets + MathLib.min(owed, IReservePool(reserve).savingsPayableTo(address(this)));
    }

    /// @notice 0 while deposits are paused.
    function maxDeposit(address receiver) public view override returns (uint256) {
        return depositsPaused ? 0 : super.maxDeposit(receiver);
    }

    /// @notice 0 while deposits are paused.
    function maxMint(address receiver) public view override returns (uint256) {
        return depositsPaused ? 0 : super.maxMint(receiver);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        if (assets == 0 || shares == 0) revert ErrorsLib.ZeroAmount();
        _assets += assets;
        super._deposit(caller, receiver, assets, shares);
    }

    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        if (assets == 0 || shares == 0) revert ErrorsLib.ZeroAmount();
        _assets -= assets;
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    // =================================================================== pause

    /// @inheritdoc ISavingsBdol
    function pauseDeposits() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotGuardian(msg.sender);
        }
        if (depositsPaused) revert ErrorsLib.NoChange();
        depositsPaused = true;
        emit DepositsPaused(msg.sender);
    }

    /// @inheritdoc ISavingsBdol
    function unpauseDeposits() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!depositsPaused) revert ErrorsLib.NoChange();
        depositsPaused = false;
        emit DepositsUnpaused(msg.sender);
    }

    // =================================================================== views

    /// @inheritdoc ISavingsBdol
    function rate() external view returns (uint256) {
        return _rate;
    }

    /// @inheritdoc ISavingsBdol
    function lastDrip() external view returns (uint256) {
        return _lastDrip;
    }

    /// @inheritdoc ISavingsBdol
    function assetsBooked() external view returns (uint256) {
        return _assets;
    }

    /// @inheritdoc ISavingsBdol
    function interestOwed() public view returns (uint256) {
        return RateLib.interestDown(_assets, _rate, block.timestamp - _lastDrip);
    }
}

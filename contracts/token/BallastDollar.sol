// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20FlashMint} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20FlashMint.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";

/// @title BallastDollar
/// @notice The Ballast USD stablecoin. See {IBallastDollar}.
/// @dev Flash mints cannot nest (non-reentrant), so the unbacked supply inside a transaction is at
/// most `flashMintMax`, and it is zero between transactions.
contract BallastDollar is IBallastDollar, ERC20Permit, ERC20FlashMint, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;

    mapping(address account => bool) public isModule;
    /// @inheritdoc IBallastDollar
    uint256 public flashFeeRate; // [wad]
    /// @inheritdoc IBallastDollar
    uint256 public flashMintMax; // [wad]
    /// @inheritdoc IBallastDollar
    address public feeRecipient;

    modifier onlyModule() {
        if (!isModule[msg.sender]) revert NotModule(msg.sender);
        _;
    }

    constructor(string memory name_, string memory symbol_, address admin) ERC20(name_, symbol_) ERC20Permit(name_) {
        if (admin == address(0)) revert ErrorsLib.ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IBallastDollar
    function mint(address to, uint256 amount) external onlyModule {
        _mint(to, amount);
    }

    /// @inheritdoc IBallastDollar
    function burn(address from, uint256 amount) external onlyModule {
        _burn(from, amount);
    }

    /// @notice ERC-3156 flash mint of this token, at most `flashMintMax`, fee to the reserve.
    function flashLoan(
        IERC3156FlashBorrower receiver,
        address token,
        uint256 value,
        bytes calldata data
    ) public override(ERC20FlashMint, IERC3156FlashLender) nonReentrant returns (bool) {
        return super.flashLoan(receiver, token, value, data);
    }

    /// @notice The largest flash mint: `flashMintMax` (0 for any other token).
    function maxFlashLoan(address token) public view override(ERC20FlashMint, IERC3156FlashLender) returns (uint256) {
        return token == address(this) ? flashMintMax : 0;
    }

    /// @notice The fee for flash minting `value`: `value × flashFeeRate`, rounded up.
    function flashFee(
        address token,
        uint256 value
    ) public view override(ERC20FlashMint, IERC3156FlashLender) returns (uint256) {
        return super.flashFee(token, value);
    }

    // ------------------------------------------------------------------ admin

    /// @inheritdoc IBallastDollar
    function setModule(address module, bool enabled) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (module == address(0)) revert ErrorsLib.ZeroAddress();
        if (isModule[module] == enabled) revert ErrorsLib.NoChange();
        isModule[module] = enabled;
        emit ModuleSet(module, enabled);
    }

    /// @inheritdoc IBallastDollar
    function setFlashFeeRate(uint256 newFee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ErrorsLib.checkBounds(newFee, 0, ConstantsLib.MAX_FLASH_FEE);
        uint256 oldFee = flashFeeRate;
        if (newFee == oldFee) revert ErrorsLib.NoChange();
        flashFeeRate = newFee;
        emit FlashFeeSet(oldFee, newFee);
    }

    /// @inheritdoc IBallastDollar
    function setFlashMintMax(uint256 newMax) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ErrorsLib.checkBounds(newMax, 0, ConstantsLib.MAX_FLASH_MINT);
        uint256 oldMax = flashMintMax;
        if (newMax == oldMax) revert ErrorsLib.NoChange();
        flashMintMax = newMax;
        emit FlashMintMaxSet(oldMax, newMax);
    }

    /// @inheritdoc IBallastDollar
    function setFeeRecipient(address newRecipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newRecipient == address(0)) revert ErrorsLib.ZeroAddress();
        address oldRecipient = feeRecipient;
        if (newRecipient == oldRecipient) revert ErrorsLib.NoChange();
        feeRecipient = newRecipient;
        emit FeeRecipientSet(oldRecipient, newRecipient);
    }

    // ------------------------------------------------------------------ overrides

    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    function _flashFee(address, uint256 value) internal view override returns (uint256) {
        return value.wadMulUp(flashFeeRate);
    }

    /// @dev Until a reserve is set the fee is burnt (OpenZeppelin's behaviour for address(0)).
    function _flashFeeReceiver() internal view override returns (address) {
        return feeRecipient;
    }
}

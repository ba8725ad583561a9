// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {IPegStabilityModule} from "../interfaces/IPegStabilityModule.sol";
import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";

/// @title ReservePool
/// @notice The protocol's balance sheet: surplus, stability buffer, liquidation collateral and its
/// sale, deficit. See {IReservePool} for the accounting.
/// @dev Holds no user funds: everything here is the protocol's. Fees arrive by mint (vault manager,
/// engine penalties) and transfer (flash fees), so balances are read, not tracked.
contract ReservePool is IReservePool, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;
    using SafeERC20 for IERC20;

    /// @inheritdoc IReservePool
    address public immutable stablecoin;
    /// @inheritdoc IReservePool
    address public vaultManager;
    /// @inheritdoc IReservePool
    address public liquidationEngine;
    /// @inheritdoc IReservePool
    address public pegStabilityModule;
    /// @inheritdoc IReservePool
    uint256 public bufferShare; // [wad]
    uint256 internal _deficit; // [wad]

    constructor(address stablecoin_, address admin, uint256 bufferShare_) {
        if (stablecoin_ == address(0) || admin == address(0)) revert ErrorsLib.ZeroAddress();
        ErrorsLib.checkBounds(bufferShare_, 0, ConstantsLib.MAX_BUFFER_SHARE);
        stablecoin = stablecoin_;
        bufferShare = bufferShare_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit BufferShareSet(0, bufferShare_);
    }

    modifier onlyEngine() {
        if (msg.sender != liquidationEngine) revert NotLiquidationEngine(msg.sender);
        _;
    }

    // =================================================================== peg stability module

    /// @inheritdoc IReservePool
    function releaseStable(address asset, address to, uint256 amount) external nonReentrant {
        if (msg.sender != pegStabilityModule) revert NotPegStabilityModule(msg.sender);
        uint256 held = IERC20(asset).balanceOf(address(this));
        if (amount > held) revert InsufficientStable(asset, amount, held);
        emit StableReleased(asset, to, amount);
        IERC20(asset).safeTransfer(to, amount);
    }

    // =================================================================== engine hooks

    /// @inheritdoc IReservePool
    /// @dev Reads the balance once: the heal, the buffer check and the keeper pay use it.
    function absorb(uint256 debt, address keeper, uint256 reward) external onlyEngine {
        uint256 balance = _balance();
        balance -= _heal(balance);
        uint256 buffer = _bufferOf(balance);
        if (debt > buffer) revert BufferTooSmall(debt, buffer);
        IBallastDollar(stablecoin).burn(address(this), debt);
        if (reward != 0) _payKeeper(keeper, reward, balance - debt);
    }

    /// @inheritdoc IReservePool
    function payKeeper(address keeper, uint256 amount) external onlyEngine {
        _payKeeper(keeper, amount, _balance());
    }

    /// @inheritdoc IReservePool
    function coverShortfall(uint256 amount) external onlyEngine {
        uint256 burnt = MathLib.min(amount, _balance());
        uint256 added = amount - burnt;
        if (added != 0) _deficit += added;
        emit ShortfallCovered(amount, burnt, added);
        if (burnt != 0) IBallastDollar(stablecoin).burn(address(this), burnt);
    }

    // =================================================================== anyone

    /// @inheritdoc IReservePool
    function heal() external nonReentrant returns (uint256 healed) {
        healed = _heal(_balance());
        if (healed == 0) revert NothingToHeal();
    }

    /// @inheritdoc IReservePool
    /// @dev Sells escrowed collateral first, then collateral the reserve holds itself (donations).
    function sellCollateral(address collateral, uint256 amount) external nonReentrant returns (uint256 auctionId) {
        address engine = liquidationEngine;
        address manager = vaultManager;
        if (engine == address(0) || manager == address(0)) revert NotConfigured();
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        uint256 escrowed = IVaultManager(manager).escrowOf(collateral, address(this));
        uint256 own = IERC20(collateral).balanceOf(address(this));
        if (amount > escrowed + own) revert InsufficientReserveCollateral(collateral, amount, escrowed + own);
        // The engine trusts the reserve to have sent the lot; it reverts for an unconfigured collateral.
        uint256 fromEscrow = MathLib.min(amount, escrowed);
        if (fromEscrow != 0) IVaultManager(manager).releaseEscrow(collateral, engine, fromEscrow);
        if (amount > fromEscrow) IERC20(collateral).safeTransfer(engine, amount - fromEscrow);
        auctionId = ILiquidationEngine(engine).startSale(collateral, amount);
        emit CollateralSaleStarted(collateral, amount, auctionId);
    }

    // =================================================================== views

    /// @inheritdoc IReservePool
    function deficit() external view returns (uint256) {
        return _deficit;
    }

    /// @inheritdoc IReservePool
    function stabilityBuffer() public view returns (uint256) {
        return _bufferOf(_balance());
    }

    /// @inheritdoc IReservePool
    function surplus() external view returns (uint256) {
        uint256 free = _freeOf(_balance());
        return free - free.wadMulDown(bufferShare);
    }

    /// @inheritdoc IReservePool
    function totalReserveValue() public view returns (uint256 value) {
        Holding[] memory holdings = composition();
        for (uint256 i; i < holdings.length; ++i) value += holdings[i].value;
    }

    /// @inheritdoc IReservePool
    function reserveRatio() external view returns (uint256) {
        uint256 debt = _systemDebt();
        if (debt == 0) return type(uint256).max;
        uint256 value = totalReserveValue();
        uint256 net = value > _deficit ? value - _deficit : 0;
        return net.wadDivDown(debt);
    }

    /// @inheritdoc IReservePool
    /// @dev Loops over the vault manager's collaterals, at most MAX_COLLATERALS.
    function composition() public view returns (Holding[] memory holdings) {
        address manager = vaultManager;
        address[] memory collaterals = manager == address(0) ? new address[](0) : IVaultManager(manager).collaterals();
        address psm = pegStabilityModule;
        holdings = new Holding[](manager == address(0) ? 1 : collaterals.length + (psm == address(0) ? 1 : 2));
        uint256 balance = _balance();
        holdings[0] = Holding({asset: stablecoin, amount: balance, value: balance});
        if (manager == address(0)) return holdings;
        IOracleAdapter oracle = IVaultManager(manager).oracle();
        address engine = liquidationEngine;
        for (uint256 i; i < collaterals.length; ++i) {
            address token = collaterals[i];
            uint256 amount = IERC20(token).balanceOf(address(this)) +
                IVaultManager(manager).escrowOf(token, address(this));
            if (engine != address(0)) {
                amount += ILiquidationEngine(engine).collateralState(token).collateralOnSale;
            }
            uint256 value;
            if (amount != 0) {
                IVaultManager.CollateralConfig memory config = IVaultManager(manager).collateralConfig(token);
                (uint256 price, ) = oracle.getPrice(config.oracleAsset);
                value = CollateralLib.valueDown(amount, config.decimals, price);
            }
            holdings[i + 1] = Holding({asset: token, amount: amount, value: value});
        }
        if (psm != address(0)) {
            // The PSM's stable asset, at its oracle price (a depeg lowers the reserve's value).
            address asset = IPegStabilityModule(psm).stable();
            uint256 amount = IERC20(asset).balanceOf(address(this));
            uint256 value;
            if (amount != 0) {
                (uint256 price, ) = oracle.getPrice(asset);
                value = CollateralLib.valueDown(amount, IERC20Metadata(asset).decimals(), price);
            }
            holdings[collaterals.length + 1] = Holding({asset: asset, amount: amount, value: value});
        }
    }

    // =================================================================== governance

    /// @inheritdoc IReservePool
    function setPegStabilityModule(address newModule) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address oldModule = pegStabilityModule;
        if (newModule == oldModule) revert ErrorsLib.NoChange();
        pegStabilityModule = newModule;
        emit PegStabilityModuleSet(oldModule, newModule);
    }

    /// @inheritdoc IReservePool
    function setBufferShare(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = bufferShare;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_BUFFER_SHARE);
        bufferShare = newValue;
        emit BufferShareSet(oldValue, newValue);
    }

    /// @inheritdoc IReservePool
    function setVaultManager(address newManager) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newManager == address(0)) revert ErrorsLib.ZeroAddress();
        address oldManager = vaultManager;
        if (newManager == oldManager) revert ErrorsLib.NoChange();
        vaultManager = newManager;
        emit VaultManagerSet(oldManager, newManager);
    }

    /// @inheritdoc IReservePool
    function setLiquidationEngine(address newEngine) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newEngine == address(0)) revert ErrorsLib.ZeroAddress();
        address oldEngine = liquidationEngine;
        if (newEngine == oldEngine) revert ErrorsLib.NoChange();
        liquidationEngine = newEngine;
        emit LiquidationEngineSet(oldEngine, newEngine);
    }

    // =================================================================== internals

    /// @dev Pays from `balance` (the reserve's current stablecoin); mints what it lacks into deficit.
    function _payKeeper(address keeper, uint256 amount, uint256 balance) internal {
        uint256 fromBalance = MathLib.min(amount, balance);
        uint256 minted = amount - fromBalance;
        if (minted != 0) {
            _deficit += minted;
            emit KeeperPayMinted(keeper, minted, _deficit);
        }
        if (fromBalance != 0) IBallastDollar(stablecoin).transfer(keeper, fromBalance);
        if (minted != 0) IBallastDollar(stablecoin).mint(keeper, minted);
    }

    /// @dev Burns min(balance, deficit): new stablecoin pays the deficit before anything else.
    function _heal(uint256 balance) internal returns (uint256 healed) {
        uint256 owed = _deficit;
        if (owed == 0) return 0;
        healed = MathLib.min(owed, balance);
        if (healed == 0) return 0;
        _deficit = owed - healed;
        emit DeficitHealed(healed, owed - healed);
        IBallastDollar(stablecoin).burn(address(this), healed);
    }

    function _balance() internal view returns (uint256) {
        return IERC20(stablecoin).balanceOf(address(this));
    }

    /// @dev What is left of `balance` once the deficit is paid.
    function _freeOf(uint256 balance) internal view returns (uint256) {
        uint256 owed = _deficit;
        return balance > owed ? balance - owed : 0;
    }

    /// @dev The buffer part of `balance` once the deficit is paid.
    function _bufferOf(uint256 balance) internal view returns (uint256) {
        return _freeOf(balance).wadMulDown(bufferShare);
    }

    /// @dev Σ accrued debt of every collateral + debt under auction.
    function _systemDebt() internal view returns (uint256 debt) {
        address manager = vaultManager;
        if (manager == address(0)) return 0;
        address[] memory collaterals = IVaultManager(manager).collaterals();
        for (uint256 i; i < collaterals.length; ++i) debt += IVaultManager(manager).totalDebt(collaterals[i]);
        address engine = liquidationEngine;
        if (engine != address(0)) debt += ILiquidationEngine(engine).totalDebtUnderAuction();
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {IPegStabilityModule} from "../interfaces/IPegStabilityModule.sol";
import {IPegKeeper} from "../interfaces/IPegKeeper.sol";
import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";
import {StrategyLib} from "../libraries/StrategyLib.sol";
import {ISavingsBdol} from "../interfaces/ISavingsBdol.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ReservePool
/// @notice The protocol's balance sheet: the stability buffer, surplus and deficit ledgers, liquidation
/// collateral and its sale, savings interest. See {IReservePool} for the accounting.
/// @dev Holds no user funds: everything here is the protocol's. Fees arrive by mint (vault manager,
/// engine penalties, PSM fees) and transfer (flash fees) without a hook, so they are booked into the
/// ledgers by one rule (`_book`) at the next action that moves the reserve's stablecoin.
// The balance sheet's state is its ledgers, links and strategy book, packed by slot (see each note).
// solhint-disable-next-line max-states-count
contract ReservePool is IReservePool, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;
    using SafeERC20 for IERC20;

    /// @inheritdoc IReservePool
    address public immutable stablecoin;
    /// @inheritdoc IReservePool
    address public vaultManager;
    /// @inheritdoc IReservePool
    address public liquidationEngine;
    /// @dev Packed with `liquidationEngine`: a liquidation reads both (the buffer, then the hook's
    /// caller check) in one slot. ≤ MAX_BUFFER_SHARE = 1e18 < 2^64.
    uint64 internal _bufferShare; // [wad]
    /// @inheritdoc IReservePool
    address public pegStabilityModule;
    // One slot, read by every booking: the deficit (< 2^96, 79 billion), the reserve target the risk
    // controller last set (saturated at 2^96 − 1), and the buffer share of inflows below it (≤ 1e18).
    uint96 internal _deficit; // [wad]
    uint96 internal _target; // [wad]
    uint64 internal _recoveryShare; // [wad]
    /// @inheritdoc IReservePool
    uint256 public liquidTarget; // [wad]
    /// @inheritdoc IReservePool
    uint256 public maxRebalance; // [stable asset units]
    // One slot: the rebalance bucket. maxRebalance ≤ MAX_STRATEGY_AMOUNT_UNITS × 10^18 = 10^28 < 2^96
    // (the PSM's stable asset has at most 18 decimals), and the bucket never exceeds it.
    uint96 internal _rebalanceBucket; // [stable asset units] available at `_rebalanceBucketAt`
    uint40 internal _rebalanceBucketAt; // [seconds] fits until the year 36812
    uint24 internal _rebalanceInterval; // [seconds] ≤ MAX_REBALANCE_INTERVAL < 2^24

    struct StrategyConfig {
        bool listed;
        bool failed;
        uint256 cap; // [stable asset units]
        uint256 principal; // [stable asset units] Σ spent − Σ received, floored at 0
    }

    address[] internal _strategyList;
    mapping(address vault => StrategyConfig) internal _strategy;
    /// @dev Replaced engines with running auctions, ≤ MAX_RETIRED_ENGINES (see setLiquidationEngine).
    address[] internal _retiredEngines;
    /// @inheritdoc IReservePool
    address public pegKeeper;
    // One slot: the stablecoin ledgers (each ≤ the stablecoin's supply, stored checked below 2^128).
    uint128 internal _buffer; // [wad]
    uint128 internal _surplus; // [wad]
    /// @inheritdoc IReservePool
    address public savings;
    uint64 internal _savingsMargin; // [wad] ≤ MAX_SAVINGS_MARGIN, packed with `savings`
    /// @inheritdoc IReservePool
    address public riskController;

    constructor(address stablecoin_, address admin, uint256 bufferShare_) {
        if (stablecoin_ == address(0) || admin == address(0)) revert ErrorsLib.ZeroAddress();
        ErrorsLib.checkBounds(bufferShare_, 0, ConstantsLib.MAX_BUFFER_SHARE);
        stablecoin = stablecoin_;
        _bufferShare = uint64(bufferShare_);
        // Everything stays liquid until governance sets a lower target (and a rebalance limit).
        liquidTarget = ConstantsLib.MAX_LIQUID_TARGET;
        _rebalanceInterval = uint24(ConstantsLib.DEFAULT_REBALANCE_INTERVAL);
        _rebalanceBucketAt = uint40(block.timestamp);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit BufferShareSet(0, bufferShare_);
        emit LiquidTargetSet(0, ConstantsLib.MAX_LIQUID_TARGET);
        emit RebalanceIntervalSet(0, ConstantsLib.DEFAULT_REBALANCE_INTERVAL);
    }

    /// @dev The engine, or a retired engine still settling its auctions (checked only when the
    /// caller is not the engine, so the liquidation path pays nothing for it).
    modifier onlyEngine() {
        if (msg.sender != liquidationEngine && !_isRetiredEngine(msg.sender)) revert NotLiquidationEngine(msg.sender);
        _;
    }

    // =================================================================== peg stability module

    /// @inheritdoc IReservePool
    function releaseStable(address asset, address to, uint256 amount) external nonReentrant {
        if (msg.sender != pegStabilityModule) revert NotPegStabilityModule(msg.sender);
        uint256 held = IERC20(asset).balanceOf(address(this));
        if (amount > held && _strategyList.length != 0 && asset == IPegStabilityModule(msg.sender).stable()) {
            _withdrawFromStrategies(asset, amount - held, true);
            held = IERC20(asset).balanceOf(address(this));
        }
        if (amount > held) revert InsufficientStable(asset, amount, held);
        emit StableReleased(asset, to, amount);
        IERC20(asset).safeTransfer(to, amount);
    }

    // =================================================================== peg keeper

    /// @inheritdoc IReservePool
    function buyBackFunds(address keeper) external view returns (uint256) {
        if (keeper != pegKeeper || keeper == address(0)) return 0;
        return IERC20(IPegKeeper(keeper).quoteToken()).balanceOf(address(this));
    }

    /// @inheritdoc IReservePool
    function payBuyBack(address to, uint256 amount) external nonReentrant {
        // msg.sender is never address(0): an unset keeper refuses everyone.
        if (msg.sender != pegKeeper) revert NotPegKeeper(msg.sender);
        address asset = IPegKeeper(msg.sender).quoteToken();
        uint256 held = IERC20(asset).balanceOf(address(this));
        if (amount > held) revert InsufficientStable(asset, amount, held);
        emit BuyBackPaid(asset, to, amount);
        IERC20(asset).safeTransfer(to, amount);
    }

    // =================================================================== engine hooks

    /// @inheritdoc IReservePool
    function absorb(uint256 debt, address keeper, uint256 reward) external onlyEngine {
        (uint256 buffer, uint256 surplus_) = _book();
        if (debt > buffer) revert BufferTooSmall(debt, buffer);
        (uint256 fromLedgers, uint256 minted) = _payKeeper(keeper, reward, buffer - debt, surplus_);
        IBallastDollar(stablecoin).burn(address(this), debt);
        _sendKeeperPay(keeper, fromLedgers, minted);
    }

    /// @inheritdoc IReservePool
    function payKeeper(address keeper, uint256 amount) external onlyEngine {
        (uint256 buffer, uint256 surplus_) = _book();
        (uint256 fromLedgers, uint256 minted) = _payKeeper(keeper, amount, buffer, surplus_);
        _sendKeeperPay(keeper, fromLedgers, minted);
    }

    /// @inheritdoc IReservePool
    function coverShortfall(uint256 amount) external onlyEngine {
        (uint256 buffer, uint256 surplus_) = _book();
        uint256 burnt = _drawSurplusThenBuffer(amount, buffer, surplus_);
        uint256 added = amount - burnt;
        if (added != 0) _deficit = SafeCast.toUint96(_deficit + added);
        emit ShortfallCovered(amount, burnt, added);
        if (burnt != 0) IBallastDollar(stablecoin).burn(address(this), burnt);
    }

    // =================================================================== savings

    /// @inheritdoc IReservePool
    function paySavings(uint256 amount) external nonReentrant {
        if (msg.sender != savings || msg.sender == address(0)) revert NotSavings(msg.sender);
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        (uint256 buffer, uint256 surplus_) = _book();
        uint256 payable_ = _savingsPayable(buffer, surplus_);
        if (amount > payable_) revert InsufficientSurplus(amount, payable_);
        surplus_ -= amount;
        _store(buffer, surplus_);
        emit SavingsPaid(msg.sender, amount, surplus_);
        IERC20(stablecoin).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IReservePool
    function settlePoke(
        address poker,
        uint256 reward,
        uint256 target
    ) external nonReentrant returns (uint256 paid, bool belowTarget) {
        if (msg.sender != riskController || msg.sender == address(0)) revert NotRiskController(msg.sender);
        // Inflows that arrived under the old target are booked under it.
        (uint256 buffer, uint256 surplus_) = _book();
        uint96 stored = target > type(uint96).max ? type(uint96).max : uint96(target);
        if (stored != _target) {
            emit ReserveTargetSet(_target, stored);
            _target = stored;
        }
        paid = MathLib.min(reward, surplus_);
        if (paid != 0) {
            surplus_ -= paid;
            _store(buffer, surplus_);
            emit PokerPaid(poker, paid, surplus_);
            IERC20(stablecoin).safeTransfer(poker, paid);
        }
        belowTarget = buffer + surplus_ < stored;
    }

    // =================================================================== anyone

    /// @inheritdoc IReservePool
    function book() external nonReentrant returns (uint256 inflow) {
        inflow = _unbookedOf(_balance());
        if (inflow == 0) revert NothingToBook();
        _book();
    }

    /// @inheritdoc IReservePool
    function heal() external nonReentrant returns (uint256 healed) {
        uint256 owed = _deficit;
        _book();
        healed = owed - _deficit;
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
        // The engine trusts the reserve's lot, so the lot is what arrived (balance difference: a
        // fee-on-transfer token delivers less); it reverts for an unconfigured collateral.
        uint256 engineBefore = IERC20(collateral).balanceOf(engine);
        uint256 fromEscrow = MathLib.min(amount, escrowed);
        if (fromEscrow != 0) IVaultManager(manager).releaseEscrow(collateral, engine, fromEscrow);
        if (amount > fromEscrow) IERC20(collateral).safeTransfer(engine, amount - fromEscrow);
        uint256 lot = IERC20(collateral).balanceOf(engine) - engineBefore;
        auctionId = ILiquidationEngine(engine).startSale(collateral, lot);
        emit CollateralSaleStarted(collateral, lot, auctionId);
    }

    /// @inheritdoc IReservePool
    /// @dev `held[i]` is what fills strategy i's cap, max(principal, value), or max uint256 when its
    /// value is unknown (no room). The bucket is written only when something moved.
    function rebalance() external nonReentrant returns (uint256 deposited, uint256 withdrawn) {
        address asset = _stableAsset();
        uint256 liquid = IERC20(asset).balanceOf(address(this));
        uint256 n = _strategyList.length;
        uint256[] memory held = new uint256[](n);
        uint256 invested;
        for (uint256 i; i < n; ++i) {
            address vault = _strategyList[i];
            StrategyConfig storage config = _strategy[vault];
            (bool known, uint256 value, bytes memory reason) = StrategyLib.valueOf(vault);
            if (known) {
                invested += value;
                held[i] = MathLib.max(config.principal, value);
            } else {
                _flag(config, vault, reason);
                invested += config.principal;
                held[i] = type(uint256).max;
            }
        }
        uint256 target = (liquid + invested).wadMulDown(liquidTarget);
        uint256 available = availableRebalance();
        if (liquid > target) {
            deposited = _depositIntoStrategies(asset, MathLib.min(liquid - target, available), held);
        } else if (liquid < target) {
            withdrawn = _withdrawFromStrategies(asset, MathLib.min(target - liquid, available), false);
        }
        // Each counts at most what was asked for, so moved ≤ available ≤ maxRebalance < 2^96.
        uint256 left = available - deposited - withdrawn;
        if (left != available) {
            _rebalanceBucket = uint96(left);
            _rebalanceBucketAt = uint40(block.timestamp);
        }
        emit Rebalanced(liquid, target, deposited, withdrawn, left);
    }

    /// @inheritdoc IReservePool
    function depositIntoStrategy(
        address vault,
        address asset,
        uint256 amount
    ) external returns (uint256 spent, uint256 value) {
        if (msg.sender != address(this)) revert NotSelf(msg.sender);
        return StrategyLib.depositChecked(vault, asset, amount);
    }

    /// @inheritdoc IReservePool
    function redeemFromStrategy(
        address vault,
        address asset,
        uint256 assets,
        bool roundUp
    ) external returns (uint256 received, bool known, bytes memory viewError) {
        if (msg.sender != address(this)) revert NotSelf(msg.sender);
        return StrategyLib.redeemChecked(vault, asset, assets, roundUp);
    }

    // =================================================================== views

    /// @inheritdoc IReservePool
    function strategies() external view returns (StrategyInfo[] memory list) {
        uint256 n = _strategyList.length;
        list = new StrategyInfo[](n);
        for (uint256 i; i < n; ++i) {
            address vault = _strategyList[i];
            StrategyConfig storage config = _strategy[vault];
            (bool known, uint256 value, ) = StrategyLib.valueOf(vault);
            list[i] = StrategyInfo({
                vault: vault,
                cap: config.cap,
                principal: config.principal,
                assets: value,
                known: known,
                failed: config.failed
            });
        }
    }

    /// @inheritdoc IReservePool
    function strategyAssets() public view returns (uint256 total) {
        uint256 n = _strategyList.length;
        for (uint256 i; i < n; ++i) {
            (, uint256 value, ) = StrategyLib.valueOf(_strategyList[i]);
            total += value;
        }
    }

    /// @inheritdoc IReservePool
    function rebalanceInterval() external view returns (uint256) {
        return _rebalanceInterval;
    }

    /// @inheritdoc IReservePool
    function availableRebalance() public view returns (uint256) {
        return StrategyLib.refilled(_rebalanceBucket, _rebalanceBucketAt, maxRebalance, _rebalanceInterval);
    }

    /// @inheritdoc IReservePool
    function deficit() external view returns (uint256) {
        return _deficit;
    }

    /// @inheritdoc IReservePool
    function bufferShare() external view returns (uint256) {
        return _bufferShare;
    }

    /// @inheritdoc IReservePool
    function retiredEngines() external view returns (address[] memory) {
        return _retiredEngines;
    }

    /// @inheritdoc IReservePool
    function stabilityBuffer() public view returns (uint256 buffer) {
        (buffer, , , ) = _booked(_balance(), _buffer, _surplus, _deficit);
    }

    /// @inheritdoc IReservePool
    function surplus() public view returns (uint256 surplus_) {
        (, surplus_, , ) = _booked(_balance(), _buffer, _surplus, _deficit);
    }

    /// @inheritdoc IReservePool
    function savingsPayable() external view returns (uint256) {
        return savingsPayableTo(savings);
    }

    /// @inheritdoc IReservePool
    function savingsPayableTo(address vault) public view returns (uint256) {
        if (vault != savings || vault == address(0)) return 0;
        (uint256 buffer, uint256 surplus_, , ) = _booked(_balance(), _buffer, _surplus, _deficit);
        return _savingsPayable(buffer, surplus_);
    }

    /// @inheritdoc IReservePool
    function reserveTarget() external view returns (uint256) {
        return _target;
    }

    /// @inheritdoc IReservePool
    function recoveryShare() external view returns (uint256) {
        return _recoveryShare;
    }

    /// @inheritdoc IReservePool
    function savingsMargin() external view returns (uint256) {
        return _savingsMargin;
    }

    /// @inheritdoc IReservePool
    function psmBacked() external view returns (uint256) {
        return _psmOwed();
    }

    /// @inheritdoc IReservePool
    function ledgers() public view returns (Ledgers memory out) {
        out.balance = _balance();
        (out.buffer, out.surplus, out.deficit, ) = _booked(out.balance, _buffer, _surplus, _deficit);
        out.unbooked = _unbookedOf(out.balance);
        out.target = _target;
        address savings_ = savings;
        if (savings_ != address(0)) {
            out.savingsOwed = MathLib.min(
                ISavingsBdol(savings_).interestOwed(),
                _savingsPayable(out.buffer, out.surplus)
            );
        }
    }

    /// @inheritdoc IReservePool
    function netPosition() public view returns (int256) {
        // The recorded deficit against the whole balance (booking would burn the healed part of both).
        uint256 assets = totalReserveValue();
        uint256 owed = _deficit + ledgers().savingsOwed + _psmOwed();
        return assets >= owed ? SafeCast.toInt256(assets - owed) : -SafeCast.toInt256(owed - assets);
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
        int256 net = netPosition();
        return net > 0 ? uint256(net).wadDivDown(debt) : 0;
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
        address[] memory engines = _engines();
        for (uint256 i; i < collaterals.length; ++i) {
            address token = collaterals[i];
            uint256 amount = IERC20(token).balanceOf(address(this)) +
                IVaultManager(manager).escrowOf(token, address(this));
            for (uint256 e; e < engines.length; ++e) {
                amount += ILiquidationEngine(engines[e]).collateralState(token).collateralOnSale;
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
            // The PSM's stable asset, liquid and in strategies (shares at convertToAssets), at its
            // oracle price (a depeg lowers the reserve's value).
            address asset = IPegStabilityModule(psm).stable();
            uint256 amount = IERC20(asset).balanceOf(address(this)) + strategyAssets();
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
    function setPegKeeper(address newKeeper) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address oldKeeper = pegKeeper;
        if (newKeeper == oldKeeper) revert ErrorsLib.NoChange();
        if (newKeeper != address(0)) {
            address itsReserve = IPegKeeper(newKeeper).reserve();
            if (itsReserve != address(this)) revert PegKeeperOfAnotherReserve(newKeeper, itsReserve);
        }
        pegKeeper = newKeeper;
        emit PegKeeperSet(oldKeeper, newKeeper);
    }

    /// @inheritdoc IReservePool
    function setSavings(address newSavings) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address oldSavings = savings;
        if (newSavings == oldSavings) revert ErrorsLib.NoChange();
        if (newSavings != address(0)) {
            address itsReserve = ISavingsBdol(newSavings).reserve();
            if (itsReserve != address(this)) revert SavingsOfAnotherReserve(newSavings, itsReserve);
        }
        savings = newSavings;
        emit SavingsSet(oldSavings, newSavings);
    }

    /// @inheritdoc IReservePool
    function setRiskController(address newController) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address oldController = riskController;
        if (newController == oldController) revert ErrorsLib.NoChange();
        riskController = newController;
        emit RiskControllerSet(oldController, newController);
    }

    /// @inheritdoc IReservePool
    function setRecoveryShare(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _recoveryShare;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_BUFFER_SHARE);
        _recoveryShare = uint64(newValue);
        emit RecoveryShareSet(oldValue, newValue);
    }

    /// @inheritdoc IReservePool
    function setSavingsMargin(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _savingsMargin;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_SAVINGS_MARGIN);
        _savingsMargin = uint64(newValue);
        emit SavingsMarginSet(oldValue, newValue);
    }

    /// @inheritdoc IReservePool
    function setBufferShare(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _bufferShare;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_BUFFER_SHARE);
        _bufferShare = uint64(newValue);
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
    /// @dev Loops over at most MAX_RETIRED_ENGINES + 1 engines.
    function setLiquidationEngine(address newEngine) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newEngine == address(0)) revert ErrorsLib.ZeroAddress();
        address oldEngine = liquidationEngine;
        if (newEngine == oldEngine) revert ErrorsLib.NoChange();
        liquidationEngine = newEngine;
        emit LiquidationEngineSet(oldEngine, newEngine);

        address managerEngine = vaultManager == address(0)
            ? address(0)
            : IVaultManager(vaultManager).liquidationEngine();
        // Drop the retired engines that are done (and the new one, on a rollback), keeping the order.
        uint256 n = _retiredEngines.length;
        uint256 kept;
        for (uint256 i; i < n; ++i) {
            address engine = _retiredEngines[i];
            if (engine == newEngine || _isDone(engine, managerEngine)) {
                emit RetiredEngineDropped(engine);
            } else {
                _retiredEngines[kept++] = engine;
            }
        }
        for (; n > kept; --n) _retiredEngines.pop();
        if (oldEngine != address(0) && !_isDone(oldEngine, managerEngine)) {
            if (kept == ConstantsLib.MAX_RETIRED_ENGINES)
                revert TooManyRetiredEngines(ConstantsLib.MAX_RETIRED_ENGINES);
            _retiredEngines.push(oldEngine);
            emit LiquidationEngineRetired(oldEngine);
        }
    }

    /// @inheritdoc IReservePool
    function addStrategy(address vault, uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (vault == address(0)) revert ErrorsLib.ZeroAddress();
        if (_strategy[vault].listed) revert StrategyExists(vault);
        if (_strategyList.length >= ConstantsLib.MAX_STRATEGIES) revert TooManyStrategies(ConstantsLib.MAX_STRATEGIES);
        address expected = _stableAsset();
        address asset = IERC4626(vault).asset();
        if (asset != expected) revert StrategyAssetMismatch(vault, asset, expected);
        ErrorsLib.checkBounds(cap, 0, _maxStableAmount(expected));
        _strategy[vault] = StrategyConfig({listed: true, failed: false, cap: cap, principal: 0});
        _strategyList.push(vault);
        emit StrategyAdded(vault, cap);
    }

    /// @inheritdoc IReservePool
    function setStrategyCap(address vault, uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        StrategyConfig storage config = _strategy[vault];
        if (!config.listed) revert UnknownStrategy(vault);
        uint256 oldCap = config.cap;
        if (cap == oldCap) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(cap, 0, _maxStableAmount(IERC4626(vault).asset()));
        config.cap = cap;
        emit StrategyCapSet(vault, oldCap, cap);
    }

    /// @inheritdoc IReservePool
    /// @dev Redeems every share (reverts if the vault does); the list keeps its order.
    function removeStrategy(address vault) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (!_strategy[vault].listed) revert UnknownStrategy(vault);
        uint256 shares = IERC4626(vault).balanceOf(address(this));
        uint256 assets;
        if (shares != 0) assets = IERC4626(vault).redeem(shares, address(this), address(this));
        uint256 left = IERC4626(vault).balanceOf(address(this));
        if (left != 0) revert StrategyNotEmpty(vault, left);
        delete _strategy[vault];
        uint256 n = _strategyList.length;
        uint256 i;
        while (_strategyList[i] != vault) ++i;
        for (; i + 1 < n; ++i) _strategyList[i] = _strategyList[i + 1];
        _strategyList.pop();
        emit StrategyRemoved(vault, assets);
    }

    /// @inheritdoc IReservePool
    function setLiquidTarget(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = liquidTarget;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_LIQUID_TARGET);
        liquidTarget = newValue;
        emit LiquidTargetSet(oldValue, newValue);
    }

    /// @inheritdoc IReservePool
    function setMaxRebalance(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = maxRebalance;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, _maxStableAmount(_stableAsset()));
        uint256 available = availableRebalance();
        if (newValue > oldValue) available += newValue - oldValue;
        maxRebalance = newValue;
        // ≤ newValue ≤ 10^28 < 2^96 (see the slot's fit note).
        _rebalanceBucket = uint96(MathLib.min(available, newValue));
        _rebalanceBucketAt = uint40(block.timestamp);
        emit MaxRebalanceSet(oldValue, newValue);
    }

    /// @inheritdoc IReservePool
    function setRebalanceInterval(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldValue = _rebalanceInterval;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, ConstantsLib.MIN_REBALANCE_INTERVAL, ConstantsLib.MAX_REBALANCE_INTERVAL);
        // Refill up to now at the old rate first.
        _rebalanceBucket = uint96(availableRebalance());
        _rebalanceBucketAt = uint40(block.timestamp);
        _rebalanceInterval = uint24(newValue);
        emit RebalanceIntervalSet(oldValue, newValue);
    }

    // =================================================================== internals

    /// @dev The peg stability module's stable asset: the only asset strategies hold.
    function _stableAsset() internal view returns (address) {
        address psm = pegStabilityModule;
        if (psm == address(0)) revert NotConfigured();
        return IPegStabilityModule(psm).stable();
    }

    /// @dev MAX_STRATEGY_AMOUNT_UNITS whole units of `asset`.
    function _maxStableAmount(address asset) internal view returns (uint256) {
        return ConstantsLib.MAX_STRATEGY_AMOUNT_UNITS * 10 ** IERC20Metadata(asset).decimals();
    }

    /// @dev Deposits up to `amount` into the strategies in order, each up to its room
    /// cap − held[i], each through a checked self-call; one that fails is undone and flagged.
    function _depositIntoStrategies(
        address asset,
        uint256 amount,
        uint256[] memory held
    ) internal returns (uint256 deposited) {
        uint256 n = _strategyList.length;
        for (uint256 i; i < n && deposited < amount; ++i) {
            address vault = _strategyList[i];
            StrategyConfig storage config = _strategy[vault];
            uint256 room = config.cap > held[i] ? config.cap - held[i] : 0;
            uint256 put = MathLib.min(amount - deposited, room);
            if (put == 0) continue;
            try this.depositIntoStrategy(vault, asset, put) returns (uint256 spent, uint256 value) {
                // spent ≤ put: the allowance was `put`.
                deposited += spent;
                config.principal += spent;
                emit StrategyDeposit(vault, spent, value);
                _recover(config, vault);
            } catch (bytes memory reason) {
                _flag(config, vault, reason);
            }
        }
    }

    /// @dev Redeems up to `amount` from the strategies in order (shares rounded up for a redemption's
    /// shortfall, down for a rebalance), counting what actually arrives, at most `amount`. A failed
    /// redemption is undone and flagged; one from a strategy whose value is unknown stands but leaves
    /// it flagged.
    function _withdrawFromStrategies(address asset, uint256 amount, bool roundUp) internal returns (uint256 withdrawn) {
        uint256 n = _strategyList.length;
        for (uint256 i; i < n && withdrawn < amount; ++i) {
            address vault = _strategyList[i];
            StrategyConfig storage config = _strategy[vault];
            try this.redeemFromStrategy(vault, asset, amount - withdrawn, roundUp) returns (
                uint256 received,
                bool known,
                bytes memory viewError
            ) {
                if (received == 0) continue;
                withdrawn += MathLib.min(received, amount - withdrawn);
                uint256 principal = config.principal;
                config.principal = principal > received ? principal - received : 0;
                emit StrategyWithdrawal(vault, received);
                if (known) _recover(config, vault);
                else _flag(config, vault, viewError);
            } catch (bytes memory reason) {
                _flag(config, vault, reason);
            }
        }
    }

    function _flag(StrategyConfig storage config, address vault, bytes memory reason) internal {
        config.failed = true;
        emit StrategyFailed(vault, reason);
    }

    /// @dev After a checked exchange succeeded (so the strategy's views work).
    function _recover(StrategyConfig storage config, address vault) internal {
        if (!config.failed) return;
        config.failed = false;
        emit StrategyRecovered(vault);
    }

    /// @dev Stores the ledgers less the keeper's pay `amount` (0: none): surplus first, then the
    /// buffer; what both lack is minted into the deficit. Moves no token (see `_sendKeeperPay`).
    function _payKeeper(
        address keeper,
        uint256 amount,
        uint256 buffer,
        uint256 surplus_
    ) internal returns (uint256 fromLedgers, uint256 minted) {
        fromLedgers = _drawSurplusThenBuffer(amount, buffer, surplus_);
        minted = amount - fromLedgers;
        if (minted != 0) {
            uint256 owed = _deficit + minted;
            _deficit = SafeCast.toUint96(owed);
            emit KeeperPayMinted(keeper, minted, owed);
        }
    }

    /// @dev Stores the ledgers less up to `amount`, from the surplus first, then the buffer (the order
    /// of a shortfall and of a keeper's pay); returns what they gave.
    function _drawSurplusThenBuffer(uint256 amount, uint256 buffer, uint256 surplus_) internal returns (uint256 drawn) {
        uint256 fromSurplus = MathLib.min(amount, surplus_);
        uint256 fromBuffer = MathLib.min(amount - fromSurplus, buffer);
        _store(buffer - fromBuffer, surplus_ - fromSurplus);
        return fromSurplus + fromBuffer;
    }

    function _sendKeeperPay(address keeper, uint256 fromLedgers, uint256 minted) internal {
        if (fromLedgers != 0) IBallastDollar(stablecoin).transfer(keeper, fromLedgers);
        if (minted != 0) IBallastDollar(stablecoin).mint(keeper, minted);
    }

    /// @dev Books what arrived since the last booking (see IReservePool: booking) and returns the
    /// ledgers. Stores only what changed; burns what heals the deficit.
    function _book() internal returns (uint256 buffer, uint256 surplus_) {
        uint256 balance = _balance();
        uint256 oldBuffer = _buffer;
        uint256 oldSurplus = _surplus;
        uint256 owed = _deficit;
        uint256 healed;
        (buffer, surplus_, , healed) = _booked(balance, oldBuffer, oldSurplus, owed);
        if (buffer == oldBuffer && surplus_ == oldSurplus && healed == 0) return (buffer, surplus_);
        uint256 booked = oldBuffer + oldSurplus;
        if (balance < booked) {
            emit LedgerLoss(booked - balance, oldBuffer - buffer, oldSurplus - surplus_);
        } else {
            emit Booked(balance - booked, healed, buffer - oldBuffer, surplus_ - oldSurplus);
        }
        _store(buffer, surplus_);
        if (healed != 0) {
            _deficit = uint96(owed - healed);
            emit DeficitHealed(healed, owed - healed);
            IBallastDollar(stablecoin).burn(address(this), healed);
        }
    }

    /// @dev The booking rule, as a view: the ledgers and deficit once `balance` is booked, and the
    /// part that heals the deficit. An inflow pays the deficit first, then ⌊rest × bufferShare⌋ joins
    /// the buffer and the remainder the surplus. A balance below the booked ledgers (stablecoin that
    /// left without a ledger moving it, which no path here allows) is a loss: surplus first, then
    /// buffer.
    function _booked(
        uint256 balance,
        uint256 buffer,
        uint256 surplus_,
        uint256 owed
    ) internal view returns (uint256, uint256, uint256, uint256 healed) {
        uint256 booked = buffer + surplus_;
        if (balance < booked) {
            uint256 loss = booked - balance;
            uint256 fromSurplus = MathLib.min(loss, surplus_);
            return (buffer - (loss - fromSurplus), surplus_ - fromSurplus, owed, 0);
        }
        uint256 inflow = balance - booked;
        healed = MathLib.min(inflow, owed);
        uint256 free = inflow - healed;
        // The part that fills buffer + surplus up to the target builds the buffer at the larger of the
        // two shares; the rest at the buffer share.
        uint256 share = _bufferShare;
        uint256 gap = booked < _target ? MathLib.min(free, _target - booked) : 0;
        uint256 toBuffer = gap.wadMulDown(MathLib.max(share, _recoveryShare)) + (free - gap).wadMulDown(share);
        return (buffer + toBuffer, surplus_ + free - toBuffer, owed - healed, healed);
    }

    /// @dev What savings may draw: the surplus beyond target × (1 + savingsMargin) of buffer + surplus.
    function _savingsPayable(uint256 buffer, uint256 surplus_) internal view returns (uint256) {
        uint256 keep = uint256(_target).wadMulUp(ConstantsLib.WAD + _savingsMargin);
        uint256 held = buffer + surplus_;
        return held > keep ? MathLib.min(surplus_, held - keep) : 0;
    }

    /// @dev What of `balance` the ledgers do not hold yet (0 below them).
    function _unbookedOf(uint256 balance) internal view returns (uint256) {
        return balance - MathLib.min(balance, uint256(_buffer) + _surplus);
    }

    function _store(uint256 buffer, uint256 surplus_) internal {
        _buffer = SafeCast.toUint128(buffer);
        _surplus = SafeCast.toUint128(surplus_);
    }

    function _balance() internal view returns (uint256) {
        return IERC20(stablecoin).balanceOf(address(this));
    }

    /// @dev The PSM-backed coin: what the PSM minted and has not taken back, less the fees it owes
    /// the reserve. The stable asset behind it belongs to its redeemers.
    function _psmOwed() internal view returns (uint256) {
        address psm = pegStabilityModule;
        if (psm == address(0)) return 0;
        uint256 minted = IPegStabilityModule(psm).minted();
        uint256 fees = IPegStabilityModule(psm).pendingFees();
        return minted > fees ? minted - fees : 0;
    }

    /// @dev Σ accrued debt of every collateral + debt under auction in the engine and the retired ones.
    function _systemDebt() internal view returns (uint256 debt) {
        address manager = vaultManager;
        if (manager == address(0)) return 0;
        address[] memory collaterals = IVaultManager(manager).collaterals();
        for (uint256 i; i < collaterals.length; ++i) debt += IVaultManager(manager).totalDebt(collaterals[i]);
        address[] memory engines = _engines();
        for (uint256 e; e < engines.length; ++e) debt += ILiquidationEngine(engines[e]).totalDebtUnderAuction();
    }

    /// @dev The engine (when set) and the retired engines: every engine that may hold reserve lots
    /// or debt under auction. At most MAX_RETIRED_ENGINES + 1.
    function _engines() internal view returns (address[] memory engines) {
        address engine = liquidationEngine;
        uint256 retired = _retiredEngines.length;
        uint256 first = engine == address(0) ? 0 : 1;
        engines = new address[](first + retired);
        if (first == 1) engines[0] = engine;
        for (uint256 i; i < retired; ++i) engines[first + i] = _retiredEngines[i];
    }

    function _isRetiredEngine(address caller) internal view returns (bool) {
        uint256 n = _retiredEngines.length;
        for (uint256 i; i < n; ++i) if (_retiredEngines[i] == caller) return true;
        return false;
    }

    /// @dev A replaced engine needs the reserve no more when it has no running auction and cannot
    /// start one (the vault manager no longer lets it seize). An address without code never did.
    function _isDone(address engine, address managerEngine) internal view returns (bool) {
        if (engine.code.length == 0) return true;
        return engine != managerEngine && ILiquidationEngine(engine).activeAuctionCount() == 0;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {IBallastGovernor} from "../interfaces/IBallastGovernor.sol";
import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";
import {RateLib} from "../libraries/RateLib.sol";

/// @title VaultManager
/// @notice Multi-collateral vaults minting the Ballast stablecoin. See {IVaultManager}.
/// @dev Accounting identity, per collateral c (tested by the invariant suite):
///   Σ_vaults normalizedDebt = totalNormalizedDebt_c
///   D_c = ⌈totalNormalizedDebt_c × rate_c / RAY⌉ is the collateral's accrued debt, and the
///   stablecoin minted for c minus what was burnt for c, S_c, satisfies
///       0 ≤ D_c − S_c − accruedFees_c ≤ Σ_ops slack
///   because each accrual adds exactly the increase of D_c to accruedFees_c (minted to the reserve
///   by `accrue`); a borrow or a partial repay adds at most ⌈rate_c / RAY⌉ wei of slack (the
///   normalized amount is rounded against the user, and D_c is rounded up), a full repay or a
///   close at most 1 wei. The slack is always in the protocol's favour: supply never exceeds debt.
///   Collateral: the contract holds Σ vault collateral + Σ escrow (what seizures credited to the
///   reserve and it has not released yet).
///   A seizure takes debt off these books without burning: the liquidation engine accounts for it
///   (absorbed debt is burnt by the reserve, auctioned debt is tracked until raised or written off),
///   and removing ⌊slice / rate⌋ normalized debt keeps the same direction of rounding.
contract VaultManager is IVaultManager, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;
    using SafeERC20 for IERC20;

    IBallastDollar public immutable stablecoin;
    IOracleAdapter public immutable oracle;
    /// @notice Receives the stability fees.
    address public reserve;
    /// @inheritdoc IVaultManager
    /// @dev Packed with `reserve`; read only by `pauseRiskAdding` and `pauseAllRiskAdding`.
    uint64 public maxPauseDuration;
    /// @inheritdoc IVaultManager
    uint256 public vaultCount;
    /// @inheritdoc IVaultManager
    address public liquidationEngine;

    /// @dev A collateral's state, packed so that a borrow reads four slots and writes two. Values
    /// are returned unpacked by `collateralConfig`. A collateral is registered iff its accumulator
    /// is non-zero (it starts at 1 RAY and only grows).
    struct Collateral {
        // slot 0: read by every action, written by every accrual
        uint120 rateAccumulator; // [ray] ≤ MAX_RATE_ACCUMULATOR < 2^120 (RateLib saturates there)
        uint32 lastAccrual; // [seconds] (to 2106)
        // [seconds] end of the guardian's last pause; 0: none since governance last paused or
        // unpaused. The guardian may pause again from this + maxPauseDuration (its cool-down),
        // whatever a risk-controller halt did to `pausedUntil` meanwhile.
        uint32 guardianPausedUntil;
        uint72 stabilityFeeSpread; // [ray per second] stability fee − 1 RAY; ≤ MAX_STABILITY_FEE − RAY < 2^72
        // slot 1: written by every accrual and debt change
        // [wad] ≤ debtCeiling ≤ MAX_DEBT_CEILING at every borrow (rate ≥ 1 RAY) and only falls otherwise
        uint128 totalNormalizedDebt;
        // [wad] ≤ the collateral's debt ≤ MAX_DEBT_CEILING × MAX_RATE_ACCUMULATOR / RAY = 1e37 < 2^128
        uint128 accruedFees;
        // slot 2: read by every borrow
        uint96 debtCeiling; // [wad] ≤ MAX_DEBT_CEILING < 2^96
        uint80 minDebt; // [wad] ≤ MAX_MIN_DEBT < 2^80
        uint64 borrowRatio; // [wad] ≤ MAX_BORROW_RATIO < 2^64
        uint8 decimals; // ≤ MAX_COLLATERAL_DECIMALS
        // slot 3: read by every risk-adding action
        address oracleAsset;
        uint64 liquidationRatio; // [wad] ≤ MAX_LIQUIDATION_RATIO < 2^64
        uint32 pausedUntil; // [seconds] risk-adding actions refused while block.timestamp < this (to 2106)
        // slot 4
        uint128 totalCollateral; // [token units]
        uint64 liquidationPenalty; // [wad] ≤ MAX_LIQUIDATION_PENALTY
        uint32 liquidationRatioSetAt; // [seconds] last change of the liquidation ratio (0: never)
        uint32 liquidationPenaltySetAt; // [seconds] last change of the penalty (0: never)
    }

    mapping(address collateral => Collateral) internal _configs;
    address[] internal _collaterals;
    mapping(uint256 vaultId => Vault) internal _vaults;
    mapping(address owner => mapping(address operator => bool)) internal _operators;
    /// @dev Collateral held for absorbers (the reserve), outside the vaults [token units].
    mapping(address collateral => mapping(address holder => uint256)) internal _escrow;
    /// @inheritdoc IVaultManager
    address public pauseGovernor;

    /// @inheritdoc IVaultManager
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @inheritdoc IVaultManager
    bytes32 public constant RISK_CONTROL_ROLE = keccak256("RISK_CONTROL_ROLE");

    constructor(address stablecoin_, address oracle_, address reserve_, address admin) {
        if (stablecoin_ == address(0) || oracle_ == address(0) || reserve_ == address(0) || admin == address(0)) {
            revert ErrorsLib.ZeroAddress();
        }
        stablecoin = IBallastDollar(stablecoin_);
        oracle = IOracleAdapter(oracle_);
        reserve = reserve_;
        maxPauseDuration = uint64(ConstantsLib.DEFAULT_MAX_PAUSE_DURATION);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // =================================================================== borrower actions

    /// @inheritdoc IVaultManager
    function openVault(
        address collateral,
        uint256 collateralAmount,
        uint256 debtAmount
    ) external nonReentrant returns (uint256 vaultId) {
        Collateral storage config = _enabledConfig(collateral);
        if (collateralAmount == 0) revert ErrorsLib.ZeroAmount();
        uint256 received = _pullCollateral(collateral, collateralAmount);

        vaultId = ++vaultCount;
        Vault storage vault = _vaults[vaultId];
        vault.owner = msg.sender;
        vault.collateral = collateral;
        vault.collateralAmount = _toUint96(received);
        config.totalCollateral += _toUint128(received);

        uint256 rate = config.rateAccumulator;
        if (debtAmount != 0) rate = _addDebt(vaultId, vault, config, collateral, debtAmount);
        emit VaultOpened(vaultId, msg.sender, collateral, received, debtAmount, rate);
        if (debtAmount != 0) stablecoin.mint(msg.sender, debtAmount);
    }

    /// @inheritdoc IVaultManager
    function deposit(uint256 vaultId, uint256 amount) external nonReentrant {
        Vault storage vault = _existingVault(vaultId);
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        address collateral = vault.collateral;
        uint256 received = _pullCollateral(collateral, amount);
        vault.collateralAmount = _toUint96(vault.collateralAmount + received);
        _configs[collateral].totalCollateral += _toUint128(received);
        emit CollateralDeposited(vaultId, msg.sender, received);
    }

    /// @inheritdoc IVaultManager
    function withdraw(uint256 vaultId, uint256 amount, address to) external nonReentrant {
        Vault storage vault = _authorizedVault(vaultId);
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        uint256 available = vault.collateralAmount;
        if (amount > available) revert InsufficientCollateral(amount, available);

        address collateral = vault.collateral;
        Collateral storage config = _configs[collateral];
        uint256 remaining = available - amount;
        uint256 normalizedDebt = vault.normalizedDebt;
        // A vault without debt withdraws freely: no pause, no oracle (liveness).
        if (normalizedDebt != 0) {
            _checkNotPaused(config, collateral);
            // The debt is unchanged, so the current rate is read, not accrued: nothing to mint yet.
            uint256 debt = normalizedDebt.rayMulUp(_currentRate(config));
            _checkBorrowRatio(vaultId, config, remaining, debt);
        }

        vault.collateralAmount = uint96(remaining); // remaining < available, which fits
        config.totalCollateral -= uint128(amount); // amount ≤ available ≤ totalCollateral
        emit CollateralWithdrawn(vaultId, to, amount);
        IERC20(collateral).safeTransfer(to, amount);
    }

    /// @inheritdoc IVaultManager
    /// @dev Not `nonReentrant`, like `repay`: it moves only the protocol's own stablecoin (no
    /// transfer hooks) and calls only the oracle, whose feed reads are static calls, after all of
    /// its effects. Re-entry from a collateral token's hook is harmless here: `openVault` and
    /// `deposit` credit nothing before their transfer returns, and `withdraw` and `closeVault`
    /// update the vault before theirs, so a borrow made from a hook sees the conservative state.
    function borrow(uint256 vaultId, uint256 amount, address to) external {
        Vault storage vault = _authorizedVault(vaultId);
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        address collateral = vault.collateral;
        uint256 rate = _addDebt(vaultId, vault, _configs[collateral], collateral, amount);
        emit DebtBorrowed(vaultId, to, amount, rate);
        stablecoin.mint(to, amount);
    }

    /// @inheritdoc IVaultManager
    /// @dev Not `nonReentrant`: see `borrow`.
    function repay(uint256 vaultId, uint256 amount) external {
        Vault storage vault = _existingVault(vaultId);
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        uint256 normalizedDebt = vault.normalizedDebt;
        if (normalizedDebt == 0) revert NoDebt(vaultId);

        Collateral storage config = _configs[vault.collateral];
        uint256 totalNormalized = config.totalNormalizedDebt;
        (uint256 rate, uint256 fee) = _accrueRate(config, totalNormalized);
        uint256 debt = normalizedDebt.rayMulUp(rate);

        uint256 normalizedRepaid;
        if (amount >= debt) {
            (amount, normalizedRepaid) = (debt, normalizedDebt);
        } else {
            // The payer is credited down: a partial repay never reduces debt by more than it pays.
            normalizedRepaid = amount.rayDivDown(rate);
            uint256 remainingDebt = (normalizedDebt - normalizedRepaid).rayMulUp(rate);
            if (remainingDebt < config.minDebt) revert DebtBelowMinimum(remainingDebt, config.minDebt);
        }

        // Cannot underflow: normalizedRepaid ≤ normalizedDebt ≤ totalNormalizedDebt (Σ of vaults).
        unchecked {
            vault.normalizedDebt = uint96(normalizedDebt - normalizedRepaid);
            totalNormalized -= normalizedRepaid;
        }
        _storeTotals(config, totalNormalized, fee);
        emit DebtRepaid(vaultId, msg.sender, amount, rate);
        stablecoin.burn(msg.sender, amount);
    }

    /// @inheritdoc IVaultManager
    function closeVault(uint256 vaultId, address to) external nonReentrant {
        Vault storage vault = _authorizedVault(vaultId);
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        address collateral = vault.collateral;
        Collateral storage config = _configs[collateral];
        uint256 normalizedDebt = vault.normalizedDebt;
        uint256 collateralAmount = vault.collateralAmount;

        uint256 debt;
        uint256 rate = config.rateAccumulator;
        if (normalizedDebt != 0) {
            uint256 totalNormalized = config.totalNormalizedDebt;
            uint256 fee;
            (rate, fee) = _accrueRate(config, totalNormalized);
            debt = normalizedDebt.rayMulUp(rate);
            // Cannot underflow: the vault's normalized debt is part of the total (Σ of vaults).
            _storeTotals(config, totalNormalized - normalizedDebt, fee);
        }
        config.totalCollateral -= uint128(collateralAmount);
        delete _vaults[vaultId];
        emit VaultClosed(vaultId, to, collateralAmount, debt, rate);

        if (debt != 0) stablecoin.burn(msg.sender, debt);
        if (collateralAmount != 0) IERC20(collateral).safeTransfer(to, collateralAmount);
    }

    /// @inheritdoc IVaultManager
    function setOperator(address operator, bool approved) external {
        if (operator == address(0)) revert ErrorsLib.ZeroAddress();
        if (_operators[msg.sender][operator] == approved) revert ErrorsLib.NoChange();
        _operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    /// @inheritdoc IVaultManager
    function accrue(address collateral) external nonReentrant {
        _accrueAndMint(collateral, _enabledConfig(collateral));
    }

    // =================================================================== liquidation

    /// @inheritdoc IVaultManager
    function seize(
        uint256 vaultId,
        uint256 absorbCapacity,
        uint256 auctionRoom,
        address absorber
    ) external nonReentrant returns (Seizure memory s) {
        if (msg.sender != liquidationEngine) revert NotLiquidationEngine(msg.sender);
        Vault storage vault = _existingVault(vaultId);
        uint256 normalizedDebt = vault.normalizedDebt;
        if (normalizedDebt == 0) revert NoDebt(vaultId);
        s.collateral = vault.collateral;
        Collateral storage config = _configs[s.collateral];
        uint256 rate = _accrue(config);
        uint256 debt = normalizedDebt.rayMulUp(rate);
        uint256 collateralAmount = vault.collateralAmount;
        s.oracleAsset = config.oracleAsset;
        s.price = _checkLiquidatable(vaultId, config, collateralAmount, debt);

        s.owner = vault.owner;
        _slice(s, vaultId, config, debt, collateralAmount, absorbCapacity, auctionRoom);

        uint256 normalizedRemoved = s.debt == debt ? normalizedDebt : s.debt.rayDivDown(rate);
        uint256 collateralRemoved = s.collateralToReserve + s.auctionCollateral;
        // Cannot underflow: normalizedRemoved ≤ normalizedDebt (⌊slice / rate⌋ ≤ ⌊debt / rate⌋ when
        // slice < debt) and collateralRemoved ≤ collateralAmount (CollateralLib.split); both vault
        // values are parts of the collateral's totals.
        unchecked {
            vault.normalizedDebt = uint96(normalizedDebt - normalizedRemoved);
            vault.collateralAmount = uint96(collateralAmount - collateralRemoved);
            config.totalNormalizedDebt -= uint128(normalizedRemoved);
            config.totalCollateral -= uint128(collateralRemoved);
        }
        if (s.collateralToReserve != 0) _escrow[s.collateral][absorber] += s.collateralToReserve;
        emit VaultSeized(vaultId, s.debt, s.absorbedDebt, s.collateralToReserve, s.auctionCollateral, rate);

        if (s.auctionCollateral != 0) {
            // The lot is what arrives (a fee-on-transfer token delivers less than it sends).
            IERC20 token = IERC20(s.collateral);
            uint256 before = token.balanceOf(msg.sender);
            token.safeTransfer(msg.sender, s.auctionCollateral);
            s.auctionLot = token.balanceOf(msg.sender) - before;
        }
    }

    /// @inheritdoc IVaultManager
    function releaseEscrow(address collateral, address to, uint256 amount) external nonReentrant {
        if (amount == 0) revert ErrorsLib.ZeroAmount();
        if (to == address(0)) revert ErrorsLib.ZeroAddress();
        uint256 held = _escrow[collateral][msg.sender];
        if (amount > held) revert InsufficientEscrow(collateral, amount, held);
        _escrow[collateral][msg.sender] = held - amount;
        emit EscrowReleased(collateral, msg.sender, to, amount);
        IERC20(collateral).safeTransfer(to, amount);
    }

    // =================================================================== views

    /// @inheritdoc IVaultManager
    function escrowOf(address collateral, address holder) external view returns (uint256) {
        return _escrow[collateral][holder];
    }

    /// @inheritdoc IVaultManager
    function vaults(uint256 fromId, uint256 count) external view returns (Vault[] memory page) {
        uint256 last = vaultCount;
        if (fromId == 0) fromId = 1;
        uint256 n = fromId > last ? 0 : MathLib.min(count, last - fromId + 1);
        page = new Vault[](n);
        for (uint256 i; i < n; ++i) page[i] = _vaults[fromId + i];
    }

    /// @inheritdoc IVaultManager
    function vaultCollateral(uint256 vaultId) external view returns (address) {
        return _existingVault(vaultId).collateral;
    }

    /// @inheritdoc IVaultManager
    function vaultInfo(
        uint256 vaultId
    ) external view returns (address owner, address collateral, uint256 collateralAmount, uint256 debt) {
        Vault storage vault = _existingVault(vaultId);
        owner = vault.owner;
        collateral = vault.collateral;
        collateralAmount = vault.collateralAmount;
        debt = uint256(vault.normalizedDebt).rayMulUp(_currentRate(_configs[collateral]));
    }

    /// @inheritdoc IVaultManager
    function debtOf(uint256 vaultId) public view returns (uint256) {
        Vault storage vault = _existingVault(vaultId);
        return uint256(vault.normalizedDebt).rayMulUp(_currentRate(_configs[vault.collateral]));
    }

    /// @inheritdoc IVaultManager
    function healthFactor(uint256 vaultId) external view returns (uint256) {
        Vault storage vault = _existingVault(vaultId);
        Collateral storage config = _configs[vault.collateral];
        uint256 debt = uint256(vault.normalizedDebt).rayMulUp(_currentRate(config));
        if (debt == 0) return type(uint256).max;
        (uint256 price, ) = oracle.getPrice(config.oracleAsset);
        uint256 value = _collateralValueDown(vault.collateralAmount, config.decimals, price);
        return value.wadDivDown(debt.wadMulUp(config.liquidationRatio));
    }

    /// @inheritdoc IVaultManager
    function collateralConfig(address collateral) external view returns (CollateralConfig memory config) {
        Collateral storage c = _configs[collateral];
        config = CollateralConfig({
            enabled: c.rateAccumulator != 0,
            paused: block.timestamp < c.pausedUntil,
            pausedUntil: c.pausedUntil,
            pausedByGuardian: c.guardianPausedUntil != 0,
            guardianPausedUntil: c.guardianPausedUntil,
            decimals: c.decimals,
            oracleAsset: c.oracleAsset,
            rateAccumulator: c.rateAccumulator,
            lastAccrual: c.lastAccrual,
            stabilityFee: _stabilityFee(c),
            totalNormalizedDebt: c.totalNormalizedDebt,
            accruedFees: c.accruedFees,
            totalCollateral: c.totalCollateral,
            debtCeiling: c.debtCeiling,
            minDebt: c.minDebt,
            liquidationRatio: c.liquidationRatio,
            borrowRatio: c.borrowRatio,
            liquidationPenalty: c.liquidationPenalty
        });
    }

    /// @inheritdoc IVaultManager
    function currentRate(address collateral) external view returns (uint256) {
        return _currentRate(_enabledConfig(collateral));
    }

    /// @inheritdoc IVaultManager
    function totalDebt(address collateral) external view returns (uint256) {
        Collateral storage config = _enabledConfig(collateral);
        return uint256(config.totalNormalizedDebt).rayMulUp(_currentRate(config));
    }

    /// @inheritdoc IVaultManager
    function pendingFees(address collateral) external view returns (uint256) {
        Collateral storage config = _enabledConfig(collateral);
        uint256 totalNormalized = config.totalNormalizedDebt;
        uint256 rate = config.rateAccumulator;
        return config.accruedFees + totalNormalized.rayMulUp(_currentRate(config)) - totalNormalized.rayMulUp(rate);
    }

    /// @inheritdoc IVaultManager
    function collaterals() external view returns (address[] memory) {
        return _collaterals;
    }

    /// @inheritdoc IVaultManager
    function isOperator(address owner, address operator) external view returns (bool) {
        return _operators[owner][operator];
    }

    // =================================================================== governance

    /// @inheritdoc IVaultManager
    function addCollateral(address collateral, CollateralParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (collateral == address(0) || params.oracleAsset == address(0)) revert ErrorsLib.ZeroAddress();
        Collateral storage config = _configs[collateral];
        if (config.rateAccumulator != 0) revert CollateralAlreadyAdded(collateral);
        if (_collaterals.length >= ConstantsLib.MAX_COLLATERALS)
            revert TooManyCollaterals(ConstantsLib.MAX_COLLATERALS);
        uint8 decimals = IERC20Metadata(collateral).decimals();
        if (decimals > ConstantsLib.MAX_COLLATERAL_DECIMALS) revert UnsupportedDecimals(collateral, decimals);
        // Reverts with the oracle's UnknownAsset when no feed is configured for the asset.
        oracle.getPrice(params.oracleAsset);

        _checkRatios(params.liquidationRatio, params.borrowRatio);
        ErrorsLib.checkBounds(params.liquidationPenalty, 0, ConstantsLib.MAX_LIQUIDATION_PENALTY);
        _checkPenaltyCoversReward(params.liquidationPenalty);
        ErrorsLib.checkBounds(params.stabilityFee, ConstantsLib.RAY, ConstantsLib.MAX_STABILITY_FEE);
        ErrorsLib.checkBounds(params.minDebt, 0, ConstantsLib.MAX_MIN_DEBT);
        ErrorsLib.checkBounds(params.debtCeiling, 0, ConstantsLib.MAX_DEBT_CEILING);

        config.rateAccumulator = uint120(ConstantsLib.RAY);
        config.lastAccrual = uint32(block.timestamp);
        config.decimals = decimals;
        config.debtCeiling = params.debtCeiling;
        config.minDebt = uint80(params.minDebt); // ≤ MAX_MIN_DEBT, checked above
        config.liquidationRatio = params.liquidationRatio;
        config.borrowRatio = params.borrowRatio;
        config.oracleAsset = params.oracleAsset;
        config.stabilityFeeSpread = uint72(params.stabilityFee - ConstantsLib.RAY);
        config.liquidationPenalty = params.liquidationPenalty;
        _collaterals.push(collateral);
        emit CollateralAdded(collateral, params);
    }

    /// @inheritdoc IVaultManager
    function setDebtCeiling(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_DEBT_CEILING);
        uint256 oldValue = config.debtCeiling;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        config.debtCeiling = uint96(newValue);
        emit DebtCeilingSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function setMinDebt(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_MIN_DEBT);
        uint256 oldValue = config.minDebt;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        config.minDebt = uint80(newValue);
        emit MinDebtSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function setLiquidationRatio(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        uint256 oldValue = config.liquidationRatio;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkRatios(newValue, config.borrowRatio);
        _checkStep(oldValue, newValue, ConstantsLib.MAX_LIQUIDATION_RATIO_STEP, config.liquidationRatioSetAt);
        config.liquidationRatio = uint64(newValue);
        config.liquidationRatioSetAt = uint32(block.timestamp);
        emit LiquidationRatioSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function setBorrowRatio(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        uint256 oldValue = config.borrowRatio;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkRatios(config.liquidationRatio, newValue);
        config.borrowRatio = uint64(newValue);
        emit BorrowRatioSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function setLiquidationPenalty(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        uint256 oldValue = config.liquidationPenalty;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, 0, ConstantsLib.MAX_LIQUIDATION_PENALTY);
        _checkStep(oldValue, newValue, ConstantsLib.MAX_LIQUIDATION_PENALTY_STEP, config.liquidationPenaltySetAt);
        _checkPenaltyCoversReward(newValue);
        config.liquidationPenalty = uint64(newValue);
        config.liquidationPenaltySetAt = uint32(block.timestamp);
        emit LiquidationPenaltySet(collateral, oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function setStabilityFee(address collateral, uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        uint256 oldValue = _stabilityFee(config);
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newValue, ConstantsLib.RAY, ConstantsLib.MAX_STABILITY_FEE);
        // Interest up to now is charged at the old fee.
        _accrueLogged(collateral, config);
        config.stabilityFeeSpread = uint72(newValue - ConstantsLib.RAY);
        emit StabilityFeeSet(collateral, oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function pauseRiskAdding(address collateral) external {
        bool governance = _pauserIsGovernance();
        _pause(collateral, _enabledConfig(collateral), governance, maxPauseDuration, true);
    }

    /// @inheritdoc IVaultManager
    function pauseAllRiskAdding() external {
        bool governance = _pauserIsGovernance();
        uint256 duration = maxPauseDuration;
        uint256 paused;
        // Bounded: at most MAX_COLLATERALS entries, listed by governance.
        uint256 count = _collaterals.length;
        for (uint256 i; i < count; ++i) {
            address collateral = _collaterals[i];
            if (_pause(collateral, _configs[collateral], governance, duration, false)) ++paused;
        }
        if (paused == 0) revert NothingToPause();
        emit CircuitBreakerTripped(msg.sender, paused);
    }

    /// @inheritdoc IVaultManager
    function allowRiskAdding(address collateral) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        // Ends a running pause now, and any guardian cool-down: governance decided. Never reverts
        // for a registered collateral, so a proposal that also revokes a guardian still executes
        // when the pause has lapsed meanwhile.
        if (block.timestamp < config.pausedUntil) config.pausedUntil = uint32(block.timestamp);
        config.guardianPausedUntil = 0;
        emit Unpaused(collateral, msg.sender);
    }

    /// @inheritdoc IVaultManager
    function applyRiskSettings(
        address collateral,
        uint256 stabilityFee,
        uint256 borrowRatio,
        uint256 haltUntil
    ) external onlyRole(RISK_CONTROL_ROLE) {
        Collateral storage config = _enabledConfig(collateral);
        uint256 oldFee = _stabilityFee(config);
        if (stabilityFee != oldFee) {
            ErrorsLib.checkBounds(stabilityFee, ConstantsLib.RAY, ConstantsLib.MAX_STABILITY_FEE);
            // Interest up to now is charged at the old fee.
            _accrueLogged(collateral, config);
            config.stabilityFeeSpread = uint72(stabilityFee - ConstantsLib.RAY);
            emit StabilityFeeSet(collateral, oldFee, stabilityFee);
        }
        uint256 oldRatio = config.borrowRatio;
        if (borrowRatio != oldRatio) {
            _checkRatios(config.liquidationRatio, borrowRatio);
            config.borrowRatio = uint64(borrowRatio);
            emit BorrowRatioSet(collateral, oldRatio, borrowRatio);
        }
        uint256 cap = block.timestamp + maxPauseDuration;
        if (haltUntil > cap) haltUntil = cap;
        // A halt that ends now or earlier is no halt, whatever the last pause was. The guardian's
        // cool-down (`guardianPausedUntil`) is left alone: the controller neither starts nor ends it.
        if (haltUntil > block.timestamp && haltUntil > config.pausedUntil) {
            config.pausedUntil = uint32(haltUntil); // ≤ now + MAX_PAUSE_DURATION, to 2106
            emit Paused(collateral, msg.sender, haltUntil);
        }
    }

    /// @inheritdoc IVaultManager
    function setMaxPauseDuration(uint256 newValue) external onlyRole(DEFAULT_ADMIN_ROLE) {
        ErrorsLib.checkBounds(newValue, ConstantsLib.MIN_PAUSE_DURATION, ConstantsLib.MAX_PAUSE_DURATION);
        uint256 oldValue = maxPauseDuration;
        if (newValue == oldValue) revert ErrorsLib.NoChange();
        _checkGovernanceCycle(pauseGovernor, newValue);
        maxPauseDuration = uint64(newValue);
        emit MaxPauseDurationSet(oldValue, newValue);
    }

    /// @inheritdoc IVaultManager
    function setPauseGovernor(address newGovernor) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newGovernor == address(0)) revert ErrorsLib.ZeroAddress();
        address oldGovernor = pauseGovernor;
        if (newGovernor == oldGovernor) revert ErrorsLib.NoChange();
        _checkGovernanceCycle(newGovernor, maxPauseDuration);
        pauseGovernor = newGovernor;
        emit PauseGovernorSet(oldGovernor, newGovernor);
    }

    /// @inheritdoc IVaultManager
    function setReserve(address newReserve) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newReserve == address(0)) revert ErrorsLib.ZeroAddress();
        address oldReserve = reserve;
        if (newReserve == oldReserve) revert ErrorsLib.NoChange();
        // Fees earned so far go to the old reserve. Bounded: at most MAX_COLLATERALS entries.
        uint256 count = _collaterals.length;
        for (uint256 i; i < count; ++i) {
            address collateral = _collaterals[i];
            _accrueAndMint(collateral, _configs[collateral]);
        }
        reserve = newReserve;
        emit ReserveSet(oldReserve, newReserve);
    }

    /// @inheritdoc IVaultManager
    function setLiquidationEngine(address newEngine) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newEngine == address(0)) revert ErrorsLib.ZeroAddress();
        address oldEngine = liquidationEngine;
        if (newEngine == oldEngine) revert ErrorsLib.NoChange();
        liquidationEngine = newEngine;
        // The new engine's reward cap must stay within every penalty. Bounded: ≤ MAX_COLLATERALS.
        uint256 count = _collaterals.length;
        for (uint256 i; i < count; ++i) {
            _checkPenaltyCoversReward(_configs[_collaterals[i]].liquidationPenalty);
        }
        emit LiquidationEngineSet(oldEngine, newEngine);
    }

    // =================================================================== internals

    /// @dev Records `amount` of new debt on the vault after every risk check and returns the
    /// accumulator it was recorded at; the caller emits and mints.
    function _addDebt(
        uint256 vaultId,
        Vault storage vault,
        Collateral storage config,
        address collateral,
        uint256 amount
    ) internal returns (uint256 rate) {
        _checkNotPaused(config, collateral);
        uint256 totalNormalized = config.totalNormalizedDebt;
        uint256 fee;
        (rate, fee) = _accrueRate(config, totalNormalized);
        // New debt is recorded rounded up: the vault owes at least what it received.
        uint256 normalizedAdded = amount.rayDivUp(rate);
        totalNormalized += normalizedAdded;

        uint256 newTotalDebt = totalNormalized.rayMulUp(rate);
        uint256 ceiling = config.debtCeiling;
        if (newTotalDebt > ceiling) revert DebtCeilingExceeded(newTotalDebt, ceiling);
        uint256 newNormalizedDebt = vault.normalizedDebt + normalizedAdded;
        uint256 newDebt = newNormalizedDebt.rayMulUp(rate);
        uint256 minDebt = config.minDebt;
        if (newDebt < minDebt) revert DebtBelowMinimum(newDebt, minDebt);
        _checkBorrowRatio(vaultId, config, vault.collateralAmount, newDebt);

        vault.normalizedDebt = _toUint96(newNormalizedDebt);
        // Fits: totalNormalized × rate ≤ debtCeiling (uint96) and rate ≥ 1 RAY.
        _storeTotals(config, totalNormalized, fee);
    }

    /// @dev Reverts `PenaltyBelowKeeperReward` when a liquidation's keeper reward could exceed the
    /// penalty the owner pays: self-liquidation would then pay. No engine yet, or an engine address
    /// without code (which pays no reward): nothing to compare.
    function _checkPenaltyCoversReward(uint256 penalty) internal view {
        address engine = liquidationEngine;
        if (engine.code.length == 0) return;
        uint256 share = ILiquidationEngine(engine).keeperRewardParams().maxRewardShare;
        if (penalty < share) revert PenaltyBelowKeeperReward(penalty, share);
    }

    /// @dev Reverts `GovernanceCycleTooLong` unless `governor`'s cycle (voting delay + voting period +
    /// timelock delay) is shorter than `pauseDuration`; no governor yet (during deployment): nothing.
    function _checkGovernanceCycle(address governor, uint256 pauseDuration) internal view {
        if (governor == address(0)) return;
        uint256 cycle = IBallastGovernor(governor).governanceCycle();
        if (cycle >= pauseDuration) revert ErrorsLib.GovernanceCycleTooLong(cycle, pauseDuration);
    }

    /// @dev Whether the caller pauses as governance (true) or as the guardian (false); reverts
    /// `NotGuardian` for anyone else.
    function _pauserIsGovernance() internal view returns (bool governance) {
        governance = hasRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (!governance && !hasRole(GUARDIAN_ROLE, msg.sender)) revert NotGuardian(msg.sender);
    }

    /// @dev Reverts `CollateralPaused` while a pause of the collateral runs.
    function _checkNotPaused(Collateral storage config, address collateral) internal view {
        if (block.timestamp < config.pausedUntil) revert CollateralPaused(collateral);
    }

    /// @dev Pauses `collateral` for `duration` from now. Governance may renew a running pause; the
    /// guardian may not, nor pause again within `duration` of the end of its own last pause
    /// (`guardianPausedUntil`, which a risk-controller halt leaves alone), so with a fixed
    /// `maxPauseDuration` a captured guardian freezes a collateral at most half of the time until
    /// governance revokes it. A pause by governance, or ended by governance, leaves the guardian
    /// free to pause at once. With `strict`, a pause the guardian may not make reverts; otherwise it
    /// is skipped (returns false).
    function _pause(
        address collateral,
        Collateral storage config,
        bool governance,
        uint256 duration,
        bool strict
    ) internal returns (bool) {
        if (!governance) {
            uint256 pausedUntil = config.pausedUntil;
            if (block.timestamp < pausedUntil) {
                if (strict) revert AlreadyPaused(collateral, pausedUntil);
                return false;
            }
            uint256 guardianPausedUntil = config.guardianPausedUntil;
            if (guardianPausedUntil != 0 && block.timestamp < guardianPausedUntil + duration) {
                if (strict) revert PauseCoolingDown(collateral, guardianPausedUntil + duration);
                return false;
            }
        }
        // Fits: duration ≤ MAX_PAUSE_DURATION, so `until` fits 32 bits until 2106.
        uint32 until = uint32(block.timestamp + duration);
        config.pausedUntil = until;
        config.guardianPausedUntil = governance ? 0 : until;
        emit Paused(collateral, msg.sender, until);
        return true;
    }

    /// @dev Brings the accumulator up to now. The fee is the exact increase of the collateral's
    /// rounded-up total debt, so supply plus accrued fees tracks debt one to one. It is kept in
    /// `accruedFees` (same slot as the total debt, so no extra storage write) until `accrue` mints it.
    /// Emits nothing: the calling action's event carries the new accumulator.
    function _accrue(Collateral storage config) internal returns (uint256 rate) {
        (rate, ) = _accrueWithFee(config);
    }

    /// @dev `_accrue` for accruals that are not part of a user action, reported by FeesAccrued.
    function _accrueLogged(address collateral, Collateral storage config) internal {
        (uint256 rate, uint256 fee) = _accrueWithFee(config);
        emit FeesAccrued(collateral, rate, fee);
    }

    function _accrueWithFee(Collateral storage config) internal returns (uint256 rate, uint256 fee) {
        (rate, fee) = _accrueRate(config, config.totalNormalizedDebt);
        // Fits: see `accruedFees`.
        if (fee != 0) config.accruedFees += uint128(fee);
    }

    /// @dev The accrual's first half: brings the accumulator (slot 0) up to now and returns it with
    /// the fee, the increase of ⌈totalNormalized × rate⌉ (`totalNormalized`: the caller's read of
    /// slot 1). The caller adds the fee to `accruedFees` in its own write of slot 1, so an action that
    /// also changes the total debt writes that slot once. Never reverts (RateLib saturates).
    function _accrueRate(
        Collateral storage config,
        uint256 totalNormalized
    ) internal returns (uint256 rate, uint256 fee) {
        rate = config.rateAccumulator;
        uint256 elapsed = block.timestamp - config.lastAccrual;
        if (elapsed == 0) return (rate, 0);
        uint256 newRate = RateLib.grow(rate, _stabilityFee(config), elapsed);
        // newRate ≥ rate, and both products stay below 2^128 × 1e36.
        fee = totalNormalized.rayMulUp(newRate) - totalNormalized.rayMulUp(rate);
        config.rateAccumulator = uint120(newRate); // ≤ MAX_RATE_ACCUMULATOR < 2^120
        config.lastAccrual = uint32(block.timestamp);
        return (newRate, fee);
    }

    /// @dev The accrual's second half with a debt change: one write of slot 1. Fits: see the fields.
    function _storeTotals(Collateral storage config, uint256 totalNormalized, uint256 fee) internal {
        config.totalNormalizedDebt = uint128(totalNormalized);
        if (fee != 0) config.accruedFees += uint128(fee);
    }

    /// @dev Accrues, then mints every accrued fee of the collateral to the reserve.
    function _accrueAndMint(address collateral, Collateral storage config) internal {
        _accrueLogged(collateral, config);
        uint256 fees = config.accruedFees;
        if (fees == 0) return;
        config.accruedFees = 0;
        address to = reserve;
        emit FeesMinted(collateral, to, fees);
        stablecoin.mint(to, fees);
    }

    function _currentRate(Collateral storage config) internal view returns (uint256) {
        return RateLib.grow(config.rateAccumulator, _stabilityFee(config), block.timestamp - config.lastAccrual);
    }

    /// @dev Fills the slice of `seize` (see CollateralLib.slice and split). Refuses a slice of
    /// nothing, and a partial slice with a part (absorbed or auctioned) that carries no collateral:
    /// it would write debt off (auction) or buy nothing (absorption).
    function _slice(
        Seizure memory s,
        uint256 vaultId,
        Collateral storage config,
        uint256 debt,
        uint256 collateralAmount,
        uint256 absorbCapacity,
        uint256 auctionRoom
    ) internal view {
        (s.debt, s.absorbedDebt) = CollateralLib.slice(debt, absorbCapacity, auctionRoom, config.minDebt);
        s.auctionDebt = s.debt - s.absorbedDebt;
        s.liquidationPenalty = config.liquidationPenalty;
        (s.collateralToReserve, s.auctionCollateral) = CollateralLib.split(
            collateralAmount,
            debt,
            s.debt,
            s.absorbedDebt,
            s.liquidationPenalty,
            config.decimals,
            s.price
        );
        bool emptyPart = (s.auctionDebt != 0 && s.auctionCollateral == 0) ||
            (s.absorbedDebt != 0 && s.collateralToReserve == 0);
        if (s.debt == 0 || (s.debt < debt && emptyPart)) {
            revert LiquidationLimitReached(vaultId, debt, absorbCapacity.saturatingAdd(auctionRoom));
        }
    }

    /// @dev Reverts unless the vault's health factor is below 1 at a live price; returns the price.
    function _checkLiquidatable(
        uint256 vaultId,
        Collateral storage config,
        uint256 collateralAmount,
        uint256 debt
    ) internal view returns (uint256 price) {
        address asset = config.oracleAsset;
        PriceStatus status;
        (price, status) = oracle.getPrice(asset);
        if (status != PriceStatus.Live) revert OracleNotLive(asset, status);
        uint256 value = _collateralValueDown(collateralAmount, config.decimals, price);
        uint256 required = debt.wadMulUp(config.liquidationRatio);
        // The same comparison as healthFactor(vaultId) < 1e18.
        if (value >= required) revert VaultNotLiquidatable(vaultId, value.wadDivDown(required));
    }

    /// @dev Reverts unless `collateralAmount` at a live price covers `debt × borrowRatio`.
    function _checkBorrowRatio(
        uint256 vaultId,
        Collateral storage config,
        uint256 collateralAmount,
        uint256 debt
    ) internal view {
        address asset = config.oracleAsset;
        (uint256 price, PriceStatus status) = oracle.getPrice(asset);
        if (status != PriceStatus.Live) revert OracleNotLive(asset, status);
        uint256 value = _collateralValueDown(collateralAmount, config.decimals, price);
        uint256 required = debt.wadMulUp(config.borrowRatio);
        if (value < required) revert BelowBorrowRatio(vaultId, value, required);
    }

    function _collateralValueDown(uint256 amount, uint8 decimals, uint256 price) internal pure returns (uint256) {
        return CollateralLib.valueDown(amount, decimals, price);
    }

    /// @dev Pulls `amount` from the caller and returns what arrived, so a fee-on-transfer token is
    /// credited by balance difference, never by the requested amount.
    function _pullCollateral(address collateral, uint256 amount) internal returns (uint256 received) {
        IERC20 token = IERC20(collateral);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        received = token.balanceOf(address(this)) - before;
        if (received == 0) revert ErrorsLib.ZeroAmount();
    }

    function _enabledConfig(address collateral) internal view returns (Collateral storage config) {
        config = _configs[collateral];
        if (config.rateAccumulator == 0) revert UnknownCollateral(collateral);
    }

    function _stabilityFee(Collateral storage config) internal view returns (uint256) {
        return ConstantsLib.RAY + config.stabilityFeeSpread;
    }

    function _existingVault(uint256 vaultId) internal view returns (Vault storage vault) {
        vault = _vaults[vaultId];
        if (vault.collateral == address(0)) revert UnknownVault(vaultId);
    }

    function _authorizedVault(uint256 vaultId) internal view returns (Vault storage vault) {
        vault = _existingVault(vaultId);
        address owner = vault.owner;
        if (msg.sender != owner && !_operators[owner][msg.sender]) revert NotOwnerOrOperator(vaultId, msg.sender);
    }

    function _checkRatios(uint256 liquidationRatio, uint256 borrowRatio) internal pure {
        ErrorsLib.checkBounds(liquidationRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, ConstantsLib.MAX_LIQUIDATION_RATIO);
        ErrorsLib.checkBounds(borrowRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, ConstantsLib.MAX_BORROW_RATIO);
        if (borrowRatio < liquidationRatio) revert BorrowRatioBelowLiquidationRatio(borrowRatio, liquidationRatio);
    }

    /// @dev A dangerous parameter moves by at most `maxStep`, and at most once per MIN_STEP_INTERVAL
    /// (`lastChange` 0: never changed), so neither one call nor a batch of calls in one proposal or
    /// block can jump it: vault owners get a day to react to each step.
    function _checkStep(uint256 oldValue, uint256 newValue, uint256 maxStep, uint256 lastChange) internal view {
        if (oldValue.absDiff(newValue) > maxStep) revert ErrorsLib.StepTooLarge(oldValue, newValue, maxStep);
        if (lastChange != 0 && block.timestamp < lastChange + ConstantsLib.MIN_STEP_INTERVAL) {
            revert ErrorsLib.StepTooSoon(lastChange + ConstantsLib.MIN_STEP_INTERVAL);
        }
    }

    function _toUint96(uint256 value) internal pure returns (uint96) {
        if (value > type(uint96).max) revert ErrorsLib.AmountTooLarge(value, type(uint96).max);
        return uint96(value);
    }

    function _toUint128(uint256 value) internal pure returns (uint128) {
        if (value > type(uint128).max) revert ErrorsLib.AmountTooLarge(value, type(uint128).max);
        return uint128(value);
    }
}

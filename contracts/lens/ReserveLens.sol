// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IReserveLens} from "../interfaces/IReserveLens.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {IRiskController} from "../interfaces/IRiskController.sol";
import {IPegKeeper} from "../interfaces/IPegKeeper.sol";
import {ISavingsBdol} from "../interfaces/ISavingsBdol.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";

/// @title ReserveLens
/// @notice Read-only aggregation over the vault manager, the liquidation engine, the reserve and
/// the oracle. See {IReserveLens}. Stateless: redeploy it freely.
contract ReserveLens is IReserveLens {
    using MathLib for uint256;

    IVaultManager public immutable vaultManager;
    ILiquidationEngine public immutable liquidationEngine;
    IReservePool public immutable reserve;
    IOracleAdapter public immutable oracle;
    /// @notice The risk controller, or address(0) for a system without one.
    IRiskController public immutable riskController;

    /// @dev What the health computation needs per collateral, read once per call.
    struct Pricing {
        address token;
        uint256 price;
        uint256 liquidationRatio;
        uint256 rate; // [ray] current accumulator, as vaultInfo computes it
        uint8 decimals;
    }

    constructor(address vaultManager_, address liquidationEngine_, address riskController_) {
        if (vaultManager_ == address(0) || liquidationEngine_ == address(0)) revert ErrorsLib.ZeroAddress();
        vaultManager = IVaultManager(vaultManager_);
        liquidationEngine = ILiquidationEngine(liquidationEngine_);
        reserve = IReservePool(ILiquidationEngine(liquidationEngine_).reserve());
        oracle = IVaultManager(vaultManager_).oracle();
        riskController = IRiskController(riskController_);
    }

    /// @inheritdoc IReserveLens
    function systemSnapshot() external view returns (SystemSnapshot memory snap) {
        address[] memory tokens = vaultManager.collaterals();
        snap.collaterals = new CollateralSnapshot[](tokens.length);
        uint256 vaultDebt;
        for (uint256 i; i < tokens.length; ++i) {
            CollateralSnapshot memory c = _collateralSnapshot(tokens[i]);
            snap.collaterals[i] = c;
            vaultDebt += c.debt;
            snap.totalCollateralValue += c.collateralValue;
        }
        snap.totalDebtUnderAuction = liquidationEngine.totalDebtUnderAuction();
        snap.totalDebt = vaultDebt + snap.totalDebtUnderAuction;
        snap.systemCollateralRatio = vaultDebt == 0
            ? type(uint256).max
            : snap.totalCollateralValue.wadDivDown(vaultDebt);
        snap.stablecoinSupply = IERC20(address(vaultManager.stablecoin())).totalSupply();
        snap.reserveValue = reserve.totalReserveValue();
        snap.reserveRatio = reserve.reserveRatio();
        snap.stabilityBuffer = reserve.stabilityBuffer();
        snap.surplus = reserve.surplus();
        snap.deficit = reserve.deficit();
        snap.auctionCount = liquidationEngine.auctionCount();
        snap.vaultCount = vaultManager.vaultCount();
        snap.timestamp = block.timestamp;
        snap.risk = _riskSnapshot();
    }

    /// @inheritdoc IReserveLens
    function reserveSnapshot() external view returns (ReserveSnapshot memory snap) {
        snap.ledgers = reserve.ledgers();
        snap.netPosition = reserve.netPosition();
        snap.psmBacked = reserve.psmBacked();
        snap.reserveTarget = reserve.reserveTarget();
        if (address(riskController) != address(0)) snap.reserveTargetNow = riskController.reserveTargetNow();
        snap.targetGap = int256(snap.ledgers.buffer + snap.ledgers.surplus) - int256(snap.reserveTarget);
        snap.savingsPayable = reserve.savingsPayable();
        if (address(riskController) != address(0)) snap.pokeRewardNow = riskController.pokeRewardNow();
        address savings = reserve.savings();
        if (savings == address(0)) return snap;
        ISavingsBdol s = ISavingsBdol(savings);
        snap.savings = savings;
        snap.savingsRate = s.rate();
        snap.savingsAssets = IERC4626(savings).totalAssets();
        snap.savingsShares = IERC20(savings).totalSupply();
        snap.savingsDepositsPaused = s.depositsPaused();
    }

    /// @inheritdoc IReserveLens
    function pegKeeperSnapshot() external view returns (PegKeeperSnapshot memory snap) {
        address keeper = reserve.pegKeeper();
        if (keeper == address(0)) return snap;
        IPegKeeper k = IPegKeeper(keeper);
        snap.keeper = keeper;
        snap.debt = k.debt();
        snap.quoteHeld = k.quoteHeld();
        snap.excess = k.excess();
        snap.rules = k.rules();
        snap.nextUpdateAt = k.nextUpdateAt();
        snap.mintingPausedUntil = k.mintingPausedUntil();
        snap.mintingPaused = snap.mintingPausedUntil > block.timestamp;
        snap.buyBackLimit = k.buyBackLimit();
        snap.availableBuyBack = k.availableBuyBack();
        snap.reserveFunds = reserve.buyBackFunds(keeper);
    }

    /// @inheritdoc IReserveLens
    function vaultsHealth(uint256 fromId, uint256 count) external view returns (VaultHealth[] memory page) {
        IVaultManager.Vault[] memory raw = vaultManager.vaults(fromId, count);
        page = new VaultHealth[](raw.length);
        Pricing[] memory pricing = _pricing();
        uint256 first = fromId == 0 ? 1 : fromId;
        for (uint256 i; i < raw.length; ++i) {
            IVaultManager.Vault memory v = raw[i];
            page[i].vaultId = first + i;
            // A closed vault: no owner, no debt, health ∞ (nothing to liquidate).
            if (v.collateral == address(0)) {
                page[i].healthFactor = type(uint256).max;
                continue;
            }
            Pricing memory p = _find(pricing, v.collateral);
            uint256 debt = uint256(v.normalizedDebt).rayMulUp(p.rate);
            page[i].owner = v.owner;
            page[i].collateral = v.collateral;
            page[i].collateralAmount = v.collateralAmount;
            page[i].debt = debt;
            page[i].healthFactor = _health(p, v.collateralAmount, debt);
        }
    }

    /// @inheritdoc IReserveLens
    function activeAuctions(uint256 fromId, uint256 count) external view returns (AuctionStatus[] memory list) {
        uint256 last = liquidationEngine.auctionCount();
        if (fromId == 0) fromId = 1;
        uint256 n = fromId > last ? 0 : MathLib.min(count, last - fromId + 1);
        AuctionStatus[] memory found = new AuctionStatus[](n);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            uint256 id = fromId + i;
            ILiquidationEngine.AuctionView memory a = liquidationEngine.auctionInfo(id);
            if (a.collateral == address(0)) continue;
            address asset = liquidationEngine.collateralState(a.collateral).oracleAsset;
            (uint256 price, bool needsReset) = liquidationEngine.auctionPrice(id);
            (uint256 oraclePrice, PriceStatus status) = oracle.getPrice(asset);
            found[k++] = AuctionStatus({
                auctionId: id,
                collateral: a.collateral,
                owner: a.owner,
                lot: a.lot,
                tab: a.tab,
                debt: a.debt,
                price: price,
                oraclePrice: oraclePrice,
                oracleStatus: status,
                needsReset: needsReset,
                startTime: a.startTime
            });
        }
        list = new AuctionStatus[](k);
        for (uint256 i; i < k; ++i) list[i] = found[i];
    }

    function _collateralSnapshot(address token) internal view returns (CollateralSnapshot memory c) {
        IVaultManager.CollateralConfig memory config = vaultManager.collateralConfig(token);
        ILiquidationEngine.CollateralState memory state = liquidationEngine.collateralState(token);
        c.token = token;
        c.oracleAsset = config.oracleAsset;
        (c.price, c.priceStatus) = oracle.getPrice(config.oracleAsset);
        c.totalCollateral = config.totalCollateral;
        c.collateralValue = CollateralLib.valueDown(config.totalCollateral, config.decimals, c.price);
        c.debt = vaultManager.totalDebt(token);
        c.debtCeiling = config.debtCeiling;
        c.utilisation = config.debtCeiling == 0 ? 0 : c.debt.wadDivDown(config.debtCeiling);
        c.liquidationRatio = config.liquidationRatio;
        c.borrowRatio = config.borrowRatio;
        c.liquidationPenalty = config.liquidationPenalty;
        c.stabilityFee = config.stabilityFee;
        c.paused = config.paused;
        c.debtUnderAuction = state.debtUnderAuction;
        c.reserveHolding =
            IERC20(token).balanceOf(address(reserve)) +
            vaultManager.escrowOf(token, address(reserve)) +
            state.collateralOnSale;
        c.volatility = oracle.volatility(config.oracleAsset);
        c.pausedUntil = config.pausedUntil;
        c.annualRate = ((config.stabilityFee - ConstantsLib.RAY) * ConstantsLib.SECONDS_PER_YEAR) / 1e9;
        if (address(riskController) != address(0)) {
            IRiskController.CollateralRules memory rules = riskController.collateralRules(token);
            c.managed = rules.kink != 0;
            c.breakerHaltUntil = riskController.collateralState(token).haltUntil;
            c.stressLoss = c.managed ? riskController.stressLossNow(token) : 0;
        }
    }

    function _riskSnapshot() internal view returns (RiskSnapshot memory r) {
        if (address(riskController) == address(0)) return r;
        IRiskController.State memory s = riskController.state();
        IRiskController.SystemRules memory sys = riskController.systemRules();
        address pegAsset = riskController.pegRules().pegAsset;
        r.controller = address(riskController);
        r.lastPoke = s.lastPoke;
        r.nextPokeAt = riskController.nextPokeAt();
        if (pegAsset != address(0)) (r.pegPrice, r.pegStatus) = oracle.getPrice(pegAsset);
        r.integral = s.integral;
        r.systemHaltUntil = s.systemHaltUntil;
        r.systemHalted = block.timestamp < s.systemHaltUntil;
        r.criticalCollateralRatio = sys.criticalCollateralRatio;
        r.reserveTarget = s.reserveTarget;
        r.reserveTargetNow = riskController.reserveTargetNow();
    }

    function _pricing() internal view returns (Pricing[] memory pricing) {
        address[] memory tokens = vaultManager.collaterals();
        pricing = new Pricing[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            IVaultManager.CollateralConfig memory config = vaultManager.collateralConfig(tokens[i]);
            (uint256 price, ) = oracle.getPrice(config.oracleAsset);
            pricing[i] = Pricing({
                token: tokens[i],
                price: price,
                liquidationRatio: config.liquidationRatio,
                rate: vaultManager.currentRate(tokens[i]),
                decimals: config.decimals
            });
        }
    }

    function _find(Pricing[] memory pricing, address token) internal pure returns (Pricing memory) {
        for (uint256 i; i < pricing.length; ++i) if (pricing[i].token == token) return pricing[i];
        revert IVaultManager.UnknownCollateral(token);
    }

    /// @dev VaultManager.healthFactor with the price read once per collateral.
    function _health(Pricing memory p, uint256 amount, uint256 debt) internal pure returns (uint256) {
        if (debt == 0) return type(uint256).max;
        uint256 value = CollateralLib.valueDown(amount, p.decimals, p.price);
        return value.wadDivDown(debt.wadMulUp(p.liquidationRatio));
    }
}

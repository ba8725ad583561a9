// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReservePool} from "./IReservePool.sol";
import {PriceStatus} from "./IOracleAdapter.sol";
import {IPegKeeper} from "./IPegKeeper.sol";

/// @title IReserveLens
/// @notice Read-only aggregation for keepers, scripts and dashboards: one call for the whole
/// system, one call per page of vaults or auctions. Nothing here changes state.
/// @dev Views only; the health factor here is computed exactly as `VaultManager.healthFactor` (the
/// oracle price is read once per collateral, not once per vault), so a keeper can trust
/// `healthFactor < 1e18 && priceStatus == Live` to mean `liquidate` will not revert with
/// VaultNotLiquidatable in the same block.
interface IReserveLens {
    struct CollateralSnapshot {
        address token;
        address oracleAsset;
        uint256 price; // [wad] oracle price (last good price when not live)
        PriceStatus priceStatus;
        uint256 totalCollateral; // [token units] in vaults
        uint256 collateralValue; // [wad] at `price`, rounded down
        uint256 debt; // [wad] accrued debt of the collateral's vaults
        uint256 debtCeiling; // [wad]
        uint256 utilisation; // [wad] debt / ceiling (0 when the ceiling is 0)
        uint256 liquidationRatio; // [wad]
        uint256 borrowRatio; // [wad]
        uint256 liquidationPenalty; // [wad]
        uint256 stabilityFee; // [ray per second]
        bool paused;
        uint256 debtUnderAuction; // [wad]
        uint256 reserveHolding; // [token units] held by the reserve, including lots on sale
        uint256 volatility; // [wad] annualised, the oracle's time-weighted estimate over its feed rounds
        uint256 pausedUntil; // [s] end of the current or last pause (guardian, governance or controller)
        bool managed; // the risk controller sets its fee, borrow ratio and halts
        uint256 annualRate; // [wad per year] stability fee as a continuously compounded annual rate
        uint256 breakerHaltUntil; // [s] the controller's price breaker holds until then
        uint256 stressLoss; // [wad] its share of the controller's reserve target, now
    }

    /// @notice The risk controller's state (all zero when the lens has no controller).
    struct RiskSnapshot {
        address controller;
        uint256 lastPoke; // [s]
        uint256 nextPokeAt; // [s]
        uint256 pegPrice; // [wad] the stablecoin's market price now (0 when there is no peg feed)
        PriceStatus pegStatus;
        int256 integral; // [wad per year] the PI controller's integral term
        uint256 systemHaltUntil; // [s] the system breaker holds until then
        bool systemHalted;
        uint256 criticalCollateralRatio; // [wad]
        uint256 reserveTarget; // [wad] stress-loss estimate stored by the last poke
        uint256 reserveTargetNow; // [wad] the same estimate on the current book
    }

    struct SystemSnapshot {
        CollateralSnapshot[] collaterals;
        uint256 totalDebt; // [wad] Σ collateral debt + debt under auction
        uint256 totalCollateralValue; // [wad] Σ collateral value in vaults
        uint256 systemCollateralRatio; // [wad] collateral value / vault debt (max uint256 with no debt)
        uint256 stablecoinSupply; // [wad]
        uint256 reserveValue; // [wad] totalReserveValue()
        uint256 reserveRatio; // [wad]
        uint256 stabilityBuffer; // [wad]
        uint256 surplus; // [wad]
        uint256 deficit; // [wad]
        uint256 totalDebtUnderAuction; // [wad]
        uint256 auctionCount; // auctions ever started
        uint256 vaultCount; // vaults ever opened
        uint256 timestamp;
        RiskSnapshot risk;
    }

    struct VaultHealth {
        uint256 vaultId;
        address owner; // address(0) for a closed vault
        address collateral;
        uint256 collateralAmount; // [token units]
        uint256 debt; // [wad]
        uint256 healthFactor; // [wad] max uint256 with no debt, and for a closed vault
    }

    struct AuctionStatus {
        uint256 auctionId;
        address collateral;
        address owner;
        uint256 lot; // [token units]
        uint256 tab; // [wad]
        uint256 debt; // [wad]
        uint256 price; // [wad per whole token] current auction price
        uint256 oraclePrice; // [wad]
        PriceStatus oracleStatus;
        bool needsReset; // a take would be refused until `redo`
        uint256 startTime;
    }

    /// @notice The reserve's peg keeper (`IReservePool.pegKeeper`) in one call.
    /// @notice The reserve's ledgers against its target and all its liabilities, and sBDOL.
    struct ReserveSnapshot {
        IReservePool.Ledgers ledgers; // as booked now (IReservePool)
        int256 netPosition; // [wad] reserve value − deficit − savings owed − PSM-backed coin, signed
        uint256 psmBacked; // [wad] the PSM-backed coin
        uint256 reserveTarget; // [wad] the target the last poke set in the reserve
        uint256 reserveTargetNow; // [wad] the controller's estimate on the current book (0 without one)
        int256 targetGap; // [wad] buffer + surplus − reserveTarget: negative is the shortfall
        uint256 savingsPayable; // [wad] what sBDOL may draw now
        address savings; // sBDOL (address(0): none)
        uint256 savingsRate; // [ray per second]
        uint256 savingsAssets; // [wad] sBDOL's totalAssets()
        uint256 savingsShares; // sBDOL's totalSupply()
        bool savingsDepositsPaused;
        uint256 pokeRewardNow; // [wad] the poke's pay if it ran now, before the surplus cap
    }

    struct PegKeeperSnapshot {
        address keeper; // address(0): the reserve has no peg keeper, every other field is zero
        uint256 debt; // [wad] stablecoin it minted, not yet bought back and burnt
        uint256 quoteHeld; // [quote raw units] what backs the debt
        uint256 excess; // [wad] quote held beyond the debt: the profit its next update sends on
        IPegKeeper.Rules rules;
        uint256 nextUpdateAt; // [s] 0: never updated
        uint256 mintingPausedUntil; // [s] 0 or past: not paused
        bool mintingPaused;
        uint256 buyBackLimit; // [wad per day] the reserve's buy-back allowance; 0: off
        uint256 availableBuyBack; // [wad] left of it now
        uint256 reserveFunds; // [quote raw units] the reserve's liquid quote token it may draw
    }

    /// @notice The whole system in one call.
    function systemSnapshot() external view returns (SystemSnapshot memory);

    /// @notice Health of vaults `fromId` … `fromId + count − 1` (ids start at 1: a `fromId` of 0 reads
    /// as 1), cut at the last vault ever opened.
    /// Closed vaults appear with owner 0 and health ∞. Cost is about 6k gas per vault, so a page of 1,000 fits an
    /// ordinary eth_call gas cap.
    function vaultsHealth(uint256 fromId, uint256 count) external view returns (VaultHealth[] memory);

    /// @notice The peg keeper the reserve pays for buy-backs, read through the reserve, so the lens
    /// needs no wiring of its own and follows governance's `setPegKeeper`.
    function pegKeeperSnapshot() external view returns (PegKeeperSnapshot memory);

    /// @notice The reserve's ledgers, target, net position and sBDOL (see ReserveSnapshot).
    function reserveSnapshot() external view returns (ReserveSnapshot memory);

    /// @notice Active auctions among ids `fromId` … `fromId + count − 1` (ended ones are skipped).
    function activeAuctions(uint256 fromId, uint256 count) external view returns (AuctionStatus[] memory);
}

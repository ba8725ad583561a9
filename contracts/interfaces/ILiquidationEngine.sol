// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PriceStatus} from "./IOracleAdapter.sol";

/// @title ITakeCallback
/// @notice Implemented by a taker that wants the collateral before it pays (no capital needed):
/// the engine sends the collateral to `receiver`, calls `onTake` on it, then burns what is owed
/// from the caller of `take`. A flash-minting keeper sells the collateral here and repays.
/// @dev Anyone may call `take` with any `receiver` and any `data`, so the engine calls `onTake` on
/// behalf of whoever took, at the price and amount that caller chose. A receiver must check that
/// `msg.sender` is the engine AND that `taker` is itself or a caller it trusts before it acts on
/// `data` or spends anything: otherwise a stranger makes it buy (or pay the stranger's bill) at the
/// stranger's terms. The engine checks neither. A fee-on-transfer collateral delivers
/// `collateralAmount` less the token's fee; the receiver bears the fee.
interface ITakeCallback {
    /// @param taker the caller of `take`, who pays `owed`: check it (see above)
    /// @param collateralAmount collateral already sent to the receiver [token units]
    /// @param owed stablecoin that will be burnt from the taker when this returns [wad]
    /// @param data the bytes the taker passed to `take`
    function onTake(address taker, uint256 collateralAmount, uint256 owed, bytes calldata data) external;
}

/// @title ILiquidationEngine
/// @notice Liquidates vaults whose health factor is below 1 at a live price. Waterfall: the
/// reserve's stability buffer absorbs what it can at once; the rest goes to a Dutch auction that
/// never sells below a floor relative to the live oracle price (it is restarted instead); what an
/// auction leaves of the collateral goes back to the vault's owner; a shortfall is covered by the
/// reserve or recorded as deficit.
/// @dev Auction price, relative to the live oracle. With `t` the seconds since the auction started
/// (or was restarted), the multiplier m(t) = startMultiplier × (duration − t) / duration for
/// t < duration, else 0 (linear decrease, rounded down), and price(t) = oracle price × m(t)
/// (rounded down). It starts at oracle × startMultiplier and decays; because it follows the
/// oracle, a recovery lifts it at once (no cheap sale after a flash crash) and a falling market
/// lowers it with the floor. A take is refused (`AuctionNeedsReset`) when t > maxAge or
/// m(t) < floorRatio, and (`OracleNotLive`) when the oracle is not live; anyone may then `redo`,
/// which restarts the clock. So no take ever pays less than ⌊oracle × floorRatio⌋ at a live
/// price: a crash without bidders resets auctions instead of selling at zero.
///
/// Tab. An auction raises `tab` = debt × (1 + penalty), rounded up. Proceeds pay the debt first
/// (burnt) and then the penalty (minted to the reserve, as the stablecoin burnt from the taker).
/// Dust. A partial take (less than the whole lot, less than the whole tab) never leaves dust:
///  - not 0 < tab < dust: it is reduced to leave `dust` of tab (up to the value of one collateral
///    unit more), and refused (`TakeLeavesDust`) when the tab is already at most `dust`;
///  - not a lot worth less than `dust` at the take's price (⌊lot left × price⌋ < dust): it is reduced
///    to leave ⌈dust / price⌉ collateral units, and refused (`TakeLeavesDustLot`) when the lot is
///    worth at most that already.
/// So an auction whose lot or tab is down to dust can only be taken whole: the lot runs out (and
/// the debt not raised becomes the reserve's shortfall, burnt or recorded as `deficit`) or the tab
/// is raised. No auction is left with a lot too small for anyone to bother closing.
/// The auction ends when the tab is raised (the remaining lot goes to the vault's owner; if that
/// transfer fails, e.g. a token that blocks the owner, it is credited for `claimRefund`, so a refund
/// can never keep an auction open) or the lot is sold (the debt not raised is a shortfall for the
/// reserve).
///
/// Limits. Debt under auction (debt part, not penalty) is limited per collateral (`maxAuctionDebt`)
/// and in total (`maxTotalAuctionDebt`). A liquidation takes the slice that the buffer plus the
/// room left allow, never leaving the vault with dust (see IVaultManager.seize). The vault
/// manager's debt ceiling counts vault debt only (reading the engine on every borrow would cost the
/// borrow path a call): debt moved to an auction frees ceiling room, so a collateral's exposure is
/// at most its debt ceiling + its `maxAuctionDebt`.
///
/// Keeper pay, from the reserve, for a liquidation of `debt`:
///   reward = min(min(tipGas × block.basefee × ETH price, maxTip) + keeperFee × debt, maxRewardShare × debt)
/// The basefee part keeps keepers paid through a gas spike (Black Thursday).
/// A `redo` is paid for its own gas, at most MAX_PAID_REDOS (10) times in an auction's life:
///   redo pay = min(redoGas × block.basefee × ETH price, maxTip,
///                  ⌊maxRewardShare × min(tab, ⌊lot × oracle price⌋)⌋ / MAX_PAID_REDOS)
/// (only at a live price; a restart that pays 0 does not count). `redoGas` is set near a restart's
/// measured gas, so a restart earns its gas back and little more; and all restart pay over an
/// auction's life is at most maxRewardShare × its initial tab (and at most 10 × maxTip). Restarts
/// past the tenth paid one are free to anyone, e.g. a taker who wants to bid.
///
/// Collateral in. Every lot is what the engine received, measured by balance difference: the vault
/// manager reports what arrived (`IVaultManager.Seizure.auctionLot`), the reserve passes what
/// arrived to `startSale`. A fee-on-transfer collateral (its fee on now or switched on later) so
/// never records a lot the engine does not hold; the owner of what is sent bears the fee.
///
/// Reserve sales: collateral the reserve took is sold through the same auction with no debt and an
/// unbounded tab; everything paid is minted to the reserve and the auction ends with the lot.
///
/// Migration. The engine's vault manager and reserve links are immutable; a new engine is a new
/// deployment. The reserve keeps serving the hooks (`payKeeper`, `coverShortfall`, `absorb`) of a
/// retired engine until it has no running auction (`activeAuctionCount() == 0`, see
/// IReservePool.setLiquidationEngine), so every auction it started still ends: takes (the old engine
/// must keep its stablecoin module right until then), paid restarts and shortfalls work as before.
interface ILiquidationEngine {
    /// @notice Per-collateral auction parameters (the stored form is packed).
    struct AuctionParams {
        uint256 startMultiplier; // [wad] start price = oracle price × this, in [1, 2]
        uint256 floorRatio; // [wad] no take below oracle price × this, in [0.5, 1], < startMultiplier
        uint256 duration; // [seconds] time for the price to fall linearly to zero
        uint256 maxAge; // [seconds] an older auction must be restarted
        uint256 maxAuctionDebt; // [wad] limit on this collateral's debt under auction
        uint256 dust; // [wad] smallest tab, and smallest lot value, a partial take may leave
    }

    /// @notice A collateral's configuration and state, as returned by `collateralState`.
    struct CollateralState {
        bool enabled;
        address oracleAsset;
        uint8 decimals;
        AuctionParams params;
        uint256 debtUnderAuction; // [wad]
        uint256 collateralOnSale; // [token units] reserve-owned collateral in sale auctions
    }

    /// @notice An auction, as returned by `auctionInfo`.
    struct AuctionView {
        address collateral; // address(0) when the auction does not exist or has ended
        address owner; // receives the lot left when the tab is raised (the reserve for sales)
        uint256 lot; // [token units] collateral left to sell
        uint256 tab; // [wad] stablecoin left to raise (type(uint96).max for a reserve sale)
        uint256 debt; // [wad] part of the tab that is debt (burnt when paid)
        uint256 startTime; // [seconds] start or last restart
        uint256 paidRedos; // restarts paid so far (at most MAX_PAID_REDOS)
    }

    /// @notice Keeper pay parameters.
    struct KeeperRewardParams {
        uint256 tipGas; // [gas] priced at block.basefee and the native asset's price
        uint256 maxTip; // [wad] cap on the basefee part
        uint256 keeperFee; // [wad] share of the liquidated debt
        uint256 maxRewardShare; // [wad] cap on the whole reward, as a share of the debt
        uint256 redoGas; // [gas] a restart's pay, priced at block.basefee and the native asset's price
    }

    event CollateralConfigured(address indexed collateral, AuctionParams params);
    event StartMultiplierSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event FloorRatioSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event AuctionDurationSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event MaxAuctionAgeSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event MaxAuctionDebtSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event AuctionDustSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event MaxTotalAuctionDebtSet(uint256 oldValue, uint256 newValue);
    event TipGasSet(uint256 oldValue, uint256 newValue);
    event MaxTipSet(uint256 oldValue, uint256 newValue);
    event KeeperFeeSet(uint256 oldValue, uint256 newValue);
    event MaxRewardShareSet(uint256 oldValue, uint256 newValue);
    event RedoGasSet(uint256 oldValue, uint256 newValue);
    event NativeAssetSet(address indexed oldAsset, address indexed newAsset);

    /// @notice Vault `vaultId` was liquidated by `keeper`, paid `reward` by the reserve; the part the
    /// buffer did not absorb went to auction `auctionId` (0 when none). The vault manager's
    /// VaultSeized event, emitted just before, carries the debt and collateral taken.
    event Liquidated(uint256 indexed vaultId, address indexed keeper, uint256 indexed auctionId, uint256 reward);
    /// @notice `vaultId` is 0 for a reserve sale (its tab is type(uint96).max and its debt 0).
    event AuctionStarted(
        uint256 indexed auctionId,
        uint256 indexed vaultId,
        address indexed collateral,
        uint256 lot,
        uint256 tab,
        uint256 debt
    );
    /// @notice `collateralAmount` sold to `receiver` for `paid` at `price`; `lot` and `tab` remain
    /// (both 0 once the auction ends, except `tab` when the lot ran out first with the tab unraised).
    event Taken(
        uint256 indexed auctionId,
        address indexed taker,
        address receiver,
        uint256 collateralAmount,
        uint256 paid,
        uint256 price,
        uint256 lot,
        uint256 tab
    );
    /// @notice The auction's clock was restarted; `reward` paid to `keeper` (0 past MAX_PAID_REDOS
    /// paid restarts, or without a live price).
    event AuctionReset(uint256 indexed auctionId, address indexed keeper, uint256 reward);
    /// @notice The auction ended: `refund` collateral went to its owner, `shortfall` debt was not raised.
    event AuctionEnded(uint256 indexed auctionId, uint256 refund, uint256 shortfall);

    /// @notice The transfer of an auction's leftover to its owner failed; the owner may claim it.
    event RefundCredited(address indexed owner, address indexed collateral, uint256 amount);
    event RefundClaimed(address indexed owner, address indexed collateral, address to, uint256 amount);

    error NotReserve(address caller);
    error NothingToClaim(address owner, address collateral);
    error CollateralNotConfigured(address collateral);
    /// @notice The reward cap would exceed `collateral`'s liquidation penalty: liquidating one's own
    /// vault would pay.
    error RewardShareAbovePenalty(address collateral, uint256 penalty, uint256 maxRewardShare);
    error CollateralAlreadyConfigured(address collateral);
    error FloorNotBelowStart(uint256 floorRatio, uint256 startMultiplier);
    error AuctionNotActive(uint256 auctionId);
    /// @notice The auction is too old or its price fell below the floor: it must be restarted.
    error AuctionNeedsReset(uint256 auctionId, uint256 price, uint256 floorPrice);
    /// @notice `redo` on an auction that is neither too old nor below its floor.
    error RedoNotNeeded(uint256 auctionId);
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice A partial take would leave 0 < tab < dust and the tab is already at most dust.
    error TakeLeavesDust(uint256 tabLeft, uint256 dust);
    /// @notice A partial take would leave a lot worth `lotLeftValue` < dust at the take's price, and
    /// the whole lot is worth too little to leave dust of it: only the whole lot (or tab) may go.
    error TakeLeavesDustLot(uint256 lotLeftValue, uint256 dust);
    error OracleNotLive(address asset, PriceStatus status);
    /// @notice A reserve sale lot worth less than the collateral's dust at the oracle's last good price.
    error LotTooSmall(uint256 value, uint256 dust);

    /// @notice Anyone: liquidate a vault whose health factor is below 1 at a live price.
    /// @dev The auction's lot is the collateral that arrived (balance difference, measured by the
    /// vault manager); if nothing arrived, its whole debt is a shortfall for the reserve at once.
    /// @param keeper receives the keeper reward
    /// @return auctionId the auction for the part the buffer did not absorb, 0 when none
    function liquidate(uint256 vaultId, address keeper) external returns (uint256 auctionId);

    /// @notice Anyone: buy up to `maxCollateral` of an auction's lot at its current price.
    /// @param maxCollateral in the collateral token's units
    /// @param maxPrice stablecoin (WAD) per whole collateral token, the oracle's unit
    /// @param receiver receives the collateral (and the callback when `data` is not empty; it must
    /// check `taker`, see ITakeCallback)
    /// @param data passed to `ITakeCallback(receiver).onTake` when not empty
    /// @return collateralOut sent to `receiver`
    /// @return paid stablecoin burnt from the caller
    function take(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        address receiver,
        bytes calldata data
    ) external returns (uint256 collateralOut, uint256 paid);

    /// @notice Anyone: restart the clock of an auction that is too old or whose multiplier fell
    /// below the floor. Needs no live price (takes still wait for one), but pays the keeper only
    /// at a live price, for its gas and at most MAX_PAID_REDOS times per auction (see above).
    function redo(uint256 auctionId, address keeper) external;

    /// @notice Sends the caller's credited auction leftovers of `collateral` to `to` (credited when
    /// the transfer to the owner failed, e.g. a token that blocks the owner's address).
    function claimRefund(address collateral, address to) external returns (uint256 amount);

    /// @notice Auction leftovers of `collateral` credited to `owner` and not yet claimed.
    function refundOf(address owner, address collateral) external view returns (uint256);

    /// @notice Reserve only: auction `amount` of collateral the reserve already sent to the engine
    /// (what arrived, by balance difference: the engine trusts the reserve's measurement); the lot
    /// must be worth at least the collateral's dust at the oracle's last good price.
    function startSale(address collateral, uint256 amount) external returns (uint256 auctionId);

    /// @notice The auction's state (all zero once it has ended).
    function auctionInfo(uint256 auctionId) external view returns (AuctionView memory);

    /// @notice The auction's current price [wad per whole token] and whether a take would be
    /// refused until it is restarted (too old, below the floor, or the oracle not live).
    function auctionPrice(uint256 auctionId) external view returns (uint256 price, bool needsReset);

    /// @notice The reserve that absorbs, pays keepers and covers shortfalls.
    function reserve() external view returns (address);

    /// @notice Number of auctions ever started; ids run from 1.
    function auctionCount() external view returns (uint256);

    /// @notice Number of auctions running now (vault auctions and reserve sales). A retired engine
    /// with none left no longer needs the reserve's hooks.
    function activeAuctionCount() external view returns (uint256);

    /// @notice Σ debt under auction over all collaterals [wad].
    function totalDebtUnderAuction() external view returns (uint256);

    /// @notice The keeper reward a liquidation of `debt` pays now.
    function keeperReward(uint256 debt) external view returns (uint256);

    function collateralState(address collateral) external view returns (CollateralState memory);

    function keeperRewardParams() external view returns (KeeperRewardParams memory);

    function maxTotalAuctionDebt() external view returns (uint256);

    /// @notice The oracle asset whose price converts the basefee tip (the chain's native token).
    function nativeAsset() external view returns (address);

    /// @notice Admin: enable a vault-manager collateral for liquidation with its auction parameters.
    function configureCollateral(address collateral, AuctionParams calldata params) external;

    function setStartMultiplier(address collateral, uint256 newValue) external;

    function setFloorRatio(address collateral, uint256 newValue) external;

    function setAuctionDuration(address collateral, uint256 newValue) external;

    function setMaxAuctionAge(address collateral, uint256 newValue) external;

    function setMaxAuctionDebt(address collateral, uint256 newValue) external;

    function setAuctionDust(address collateral, uint256 newValue) external;

    function setMaxTotalAuctionDebt(uint256 newValue) external;

    function setTipGas(uint256 newValue) external;

    function setMaxTip(uint256 newValue) external;

    function setKeeperFee(uint256 newValue) external;

    /// @notice Admin: cap on the keeper reward as a share of the debt; never above any collateral's
    /// liquidation penalty (`RewardShareAbovePenalty`).
    function setMaxRewardShare(uint256 newValue) external;

    function setNativeAsset(address newAsset) external;

    /// @notice Admin: the gas a restart is paid for at the basefee, at most MAX_REDO_GAS; 0 turns
    /// restart pay off.
    function setRedoGas(uint256 newValue) external;
}

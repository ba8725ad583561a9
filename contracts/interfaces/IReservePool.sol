// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IReservePool
/// @notice The protocol's balance sheet. It receives stability fees, flash-mint fees and liquidation
/// penalties in the stablecoin; part of that stablecoin is the stability buffer, which absorbs
/// liquidated debt at once (burning it and taking the collateral); collateral taken that way is
/// sold back into the stablecoin through the liquidation engine's auction; auction shortfalls are
/// covered by burning the reserve's stablecoin, and what it cannot cover is recorded as deficit.
/// @dev Stablecoin ledgers. B is the reserve's stablecoin balance; the buffer, the surplus and the
/// deficit F are stored.
///   identity  B = buffer + surplus + unbooked,   unbooked ≥ 0,   F > 0 ⇒ buffer = surplus = 0 (booked)
/// Inflows (stability fees, liquidation penalties and sale proceeds, flash fees, PSM fees, the peg
/// keeper's buy-backs) arrive by mint or transfer with no hook: they are `unbooked` until the next
/// action that moves the reserve's stablecoin (or `book()`, anyone) books them by one rule:
///   healed    = min(unbooked, F)                   burnt; F −= healed (new money pays the deficit first)
///   gap       = min(unbooked − healed, (target − buffer − surplus)⁺)
///   toBuffer  = ⌊gap × max(bufferShare, recoveryShare)⌋ + ⌊(unbooked − healed − gap) × bufferShare⌋
///               (the part that fills buffer + surplus up to the reserve target builds the buffer first)
///   toSurplus = unbooked − healed − toBuffer        surplus += toSurplus
/// Outflows, each after booking, each from a stated ledger:
///   absorbing a liquidation  buffer only (BufferTooSmall beyond it)
///   an auction's shortfall    surplus, then buffer, then F += the rest (ShortfallCovered)
///   a keeper's pay            surplus, then buffer, then minted with F += the rest (KeeperPayMinted)
///   savings interest          surplus beyond the margin only (savingsPayable; InsufficientSurplus)
///   the poke's pay            surplus only, at most what it holds (nothing when it is empty)
/// Reserve target. The risk controller's poke sets it (`settlePoke`): the stress loss of the vault
/// book plus the PSM-backed coin × a stressed loss of the stable asset. Savings draw only on
///   savingsPayable = min(surplus, (buffer + surplus − ⌈target × (1 + savingsMargin)⌉)⁺)
/// so interest is paid only from what lies beyond the target and its margin.
/// So a payout never eats the buffer while surplus can pay, and the buffer refills only from
/// inflows. The views `stabilityBuffer`, `surplus` and `ledgers` show the ledgers as if booked now;
/// `deficit` is the recorded one. The reserve's net position against all its liabilities is signed:
///   netPosition = totalReserveValue − F − savings owed − PSM-backed coin
/// Deficit: stablecoin in circulation that no vault debt or auction backs. It grows only when an
/// auction ends short and the ledgers cannot burn enough, or when keepers are paid beyond them (the
/// shortfall is minted, as Maker's `suck`); it shrinks only by booking.
interface IReservePool {
    /// @notice One line of the reserve's composition.
    struct Holding {
        address asset; // the stablecoin, or a collateral token
        uint256 amount; // [asset units] held by the reserve, in its vault-manager escrow, and on sale in the engine
        uint256 value; // [wad] at the oracle's last good price (stablecoin at $1)
    }

    /// @notice The stablecoin ledgers as if booked now, with what is stored (see the accounting above).
    struct Ledgers {
        uint256 balance; // [wad] the reserve's stablecoin balance B
        uint256 buffer; // [wad] stability buffer, booked now
        uint256 surplus; // [wad] surplus, booked now
        uint256 deficit; // [wad] deficit, booked now
        uint256 unbooked; // [wad] what arrived since the last booking (B − stored buffer − stored surplus)
        uint256 savingsOwed; // [wad] interest sBDOL has accrued and not drawn, at most what it may draw
        uint256 target; // [wad] the reserve target the risk controller last set
    }

    /// @notice One ERC-4626 strategy holding part of the PSM's stable asset.
    struct StrategyInfo {
        address vault;
        uint256 cap; // [asset units] deposits stop once max(principal, assets) reaches it
        uint256 principal; // [asset units] Σ put in − Σ taken out (what left and reached the reserve), floored at 0
        uint256 assets; // [asset units] convertToAssets(shares held); 0 when unknown
        bool known; // false: balanceOf or convertToAssets reverts, the value is unknown
        bool failed; // the last exchange or valuation attempted on it failed (see rebalance)
    }

    event BufferShareSet(uint256 oldValue, uint256 newValue);
    event VaultManagerSet(address indexed oldManager, address indexed newManager);
    event LiquidationEngineSet(address indexed oldEngine, address indexed newEngine);
    /// @notice `engine` was replaced but still has running auctions: the reserve keeps serving its hooks.
    event LiquidationEngineRetired(address indexed engine);
    /// @notice A retired engine has no running auction left (or became the engine again): dropped.
    event RetiredEngineDropped(address indexed engine);
    event PegStabilityModuleSet(address indexed oldModule, address indexed newModule);
    /// @notice The peg stability module paid `amount` of the reserve's `asset` to `to`.
    event StableReleased(address indexed asset, address indexed to, uint256 amount);
    event PegKeeperSet(address indexed oldKeeper, address indexed newKeeper);
    /// @notice The peg keeper's buy-back paid `amount` of the reserve's liquid `asset` to `to` (the pool).
    event BuyBackPaid(address indexed asset, address indexed to, uint256 amount);
    /// @notice The reserve's stablecoin did not cover a keeper payment: `minted` was minted to the
    /// keeper and added to the deficit (now `deficit`). Payments from the balance are reported by
    /// the engine's Liquidated and AuctionReset events (and the stablecoin's Transfer).
    event KeeperPayMinted(address indexed keeper, uint256 minted, uint256 deficit);
    /// @notice `inflow` of unbooked stablecoin was booked: `healed` burnt against the deficit, the
    /// rest split between the buffer and the surplus.
    event Booked(uint256 inflow, uint256 healed, uint256 toBuffer, uint256 toSurplus);
    /// @notice The balance was found `loss` below the booked ledgers (stablecoin left without a
    /// ledger moving it): written off the surplus, then the buffer.
    event LedgerLoss(uint256 loss, uint256 fromBuffer, uint256 fromSurplus);
    event SavingsSet(address indexed oldSavings, address indexed newSavings);
    event RiskControllerSet(address indexed oldController, address indexed newController);
    event RecoveryShareSet(uint256 oldValue, uint256 newValue);
    event SavingsMarginSet(uint256 oldValue, uint256 newValue);
    /// @notice The risk controller's poke set the reserve target.
    event ReserveTargetSet(uint256 oldTarget, uint256 newTarget);
    /// @notice The poke's caller was paid `amount` from the surplus.
    event PokerPaid(address indexed poker, uint256 amount, uint256 surplusLeft);
    /// @notice `amount` of the surplus was paid to the savings vault as interest.
    event SavingsPaid(address indexed savings, uint256 amount, uint256 surplusLeft);
    /// @notice An auction ended short by `amount`: `burnt` covered by the reserve (surplus, then
    /// buffer), the rest became deficit.
    event ShortfallCovered(uint256 amount, uint256 burnt, uint256 addedToDeficit);
    /// @notice `amount` of the reserve's stablecoin was burnt against the deficit.
    event DeficitHealed(uint256 amount, uint256 remainingDeficit);
    /// @notice Reserve collateral went to the engine to be sold by auction `auctionId`; `amount` is
    /// what the engine received (the auction's lot).
    event CollateralSaleStarted(address indexed collateral, uint256 amount, uint256 indexed auctionId);
    event StrategyAdded(address indexed vault, uint256 cap);
    event StrategyCapSet(address indexed vault, uint256 oldCap, uint256 newCap);
    /// @notice The strategy left the list; `assets` were redeemed from it back to the reserve.
    event StrategyRemoved(address indexed vault, uint256 assets);
    event LiquidTargetSet(uint256 oldValue, uint256 newValue);
    event MaxRebalanceSet(uint256 oldValue, uint256 newValue);
    event RebalanceIntervalSet(uint256 oldValue, uint256 newValue);
    /// @notice `assets` of the stable asset went into the strategy (what left the reserve), for
    /// shares that raised the reserve's holding there by `value` (convertToAssets).
    event StrategyDeposit(address indexed vault, uint256 assets, uint256 value);
    /// @notice `assets` of the stable asset came back from the strategy (what reached the reserve).
    event StrategyWithdrawal(address indexed vault, uint256 assets);
    /// @notice An exchange with the strategy, or its valuation, failed with `reason` (the vault's
    /// revert data, or StrategyLossExceeded): it was undone and skipped, and the strategy flagged.
    event StrategyFailed(address indexed vault, bytes reason);
    /// @notice A checked exchange with a flagged strategy succeeded: the flag is cleared.
    event StrategyRecovered(address indexed vault);
    /// @notice A rebalance: the liquid balance before, the liquid target, what moved, and what is
    /// left of the interval's limit.
    event Rebalanced(uint256 liquidBefore, uint256 target, uint256 deposited, uint256 withdrawn, uint256 limitLeft);

    /// @notice Only the peg stability module may call this.
    error NotPegStabilityModule(address caller);
    /// @notice Only the configured peg keeper may call this.
    error NotPegKeeper(address caller);
    /// @notice `keeper` buys back for another reserve than this one.
    error PegKeeperOfAnotherReserve(address keeper, address itsReserve);
    /// @notice The reserve holds less of the stable asset than a redemption asks for.
    error InsufficientStable(address asset, uint256 requested, uint256 available);
    /// @notice Only the liquidation engine (or a retired one with running auctions) may call this.
    error NotLiquidationEngine(address caller);
    /// @notice An engine change would leave more than `max` retired engines with running auctions.
    error TooManyRetiredEngines(uint256 max);
    /// @notice The buffer holds less than the debt to absorb.
    error BufferTooSmall(uint256 debt, uint256 buffer);
    /// @notice The reserve holds less of the collateral than the sale asks for.
    error InsufficientReserveCollateral(address collateral, uint256 requested, uint256 available);
    /// @notice The vault manager or engine is not set yet.
    error NotConfigured();
    /// @notice There is no deficit to heal, or no stablecoin to heal it with.
    error NothingToHeal();
    /// @notice No stablecoin arrived since the last booking.
    error NothingToBook();
    /// @notice Only the savings vault may call this.
    error NotSavings(address caller);
    /// @notice Only the risk controller may call this.
    error NotRiskController(address caller);
    /// @notice `savings` pays interest out of another reserve than this one.
    error SavingsOfAnotherReserve(address savings, address itsReserve);
    /// @notice A savings payout of `requested` exceeds what savings may draw (`savingsPayable`).
    error InsufficientSurplus(uint256 requested, uint256 payable_);
    /// @notice The strategy is already registered.
    error StrategyExists(address vault);
    /// @notice The address is not a registered strategy.
    error UnknownStrategy(address vault);
    /// @notice The strategy list is full (MAX_STRATEGIES).
    error TooManyStrategies(uint256 max);
    /// @notice The vault's asset is not the peg stability module's stable asset.
    error StrategyAssetMismatch(address vault, address asset, address expected);
    /// @notice The strategy still holds reserve shares after redeeming.
    error StrategyNotEmpty(address vault, uint256 shares);
    /// @notice An exchange with the strategy gave the reserve `received` of value for `given`, a loss
    /// above `maxLoss` (STRATEGY_LOSS_TOLERANCE of `given` + STRATEGY_ROUNDING_UNITS).
    error StrategyLossExceeded(address vault, uint256 given, uint256 received, uint256 maxLoss);
    /// @notice Only the reserve itself may call this (its checked strategy exchanges).
    error NotSelf(address caller);

    /// @notice The stablecoin the reserve accounts in.
    function stablecoin() external view returns (address);

    /// @notice The vault manager (source of the collateral list, the oracle and the system debt).
    function vaultManager() external view returns (address);

    /// @notice The peg stability module: its stable asset is held here and counts in the reserve's
    /// value; only it may release that asset (to pay a redemption).
    function pegStabilityModule() external view returns (address);

    /// @notice Peg stability module only: pay `amount` of the stable `asset` to `to`. When the liquid
    /// balance is short, the difference is redeemed from the strategies first (in order; from each,
    /// shares worth at least what is still missing, previewWithdraw, at most all it holds; checked as
    /// `rebalance`'s exchanges are, skipping and flagging those that fail; not rate-limited: the PSM
    /// limits its outflow); only then does it revert InsufficientStable. A liquid balance that
    /// covers `amount` touches no strategy.
    function releaseStable(address asset, address to, uint256 amount) external;

    /// @notice Admin: set the peg stability module (address(0) detaches it).
    function setPegStabilityModule(address newModule) external;

    /// @notice The peg keeper whose buy-back the reserve's liquid quote asset (USDC) may pay for
    /// (`payBuyBack`); address(0): none. The keeper enforces the governed limit (IPegKeeper
    /// `buyBackLimit`), as the PSM limits its own outflow for `releaseStable`.
    function pegKeeper() external view returns (address);

    /// @notice What `keeper` may draw for a buy-back [raw units of its quote token]: the reserve's
    /// liquid balance of its quote token (strategy shares are never drawn), or 0 when `keeper` is not
    /// the configured peg keeper (a replaced keeper keeps working without the reserve's money).
    function buyBackFunds(address keeper) external view returns (uint256);

    /// @notice Peg keeper only (`NotPegKeeper`): pay `amount` of its quote token from the liquid
    /// balance to `to` — the pool, inside the keeper's swap callback, exactly what the pool is owed.
    /// Never redeems from strategies: a balance short of `amount` reverts `InsufficientStable`. The
    /// stablecoin bought goes straight from the pool to the reserve and is not burnt (it joins the
    /// buffer and surplus), so the supply identity is untouched.
    function payBuyBack(address to, uint256 amount) external;

    /// @notice Admin: set the peg keeper (address(0) stops all buy-backs from the reserve); a keeper
    /// whose `reserve()` is another reserve is refused (`PegKeeperOfAnotherReserve`).
    function setPegKeeper(address newKeeper) external;

    /// @notice The liquidation engine: the caller of absorb, payKeeper and coverShortfall, with the
    /// retired engines that still have running auctions (`retiredEngines`).
    function liquidationEngine() external view returns (address);

    /// @notice Engines replaced by `setLiquidationEngine` whose auctions still run: the reserve
    /// accepts their hooks, and counts their debt under auction and their sale lots, until they end.
    function retiredEngines() external view returns (address[] memory);

    /// @notice Share of each booked inflow (after the deficit is healed) that joins the buffer [wad].
    function bufferShare() external view returns (uint256);

    /// @notice The buffer ledger as if booked now: stablecoin that absorbs liquidated debt [wad].
    function stabilityBuffer() external view returns (uint256);

    /// @notice The surplus ledger as if booked now: stablecoin that pays shortfalls and keepers
    /// first, and the only source of savings interest (what the savings vault may draw now) [wad].
    function surplus() external view returns (uint256);

    /// @notice Recorded bad debt not yet paid down (an unbooked inflow heals it at the next booking) [wad].
    function deficit() external view returns (uint256);

    /// @notice Every ledger as if booked now, with the unbooked inflow and the savings owed.
    function ledgers() external view returns (Ledgers memory);

    /// @notice totalReserveValue − deficit − savings owed − PSM-backed coin [wad], signed: negative
    /// when the reserve is worth less than it owes (a depeg of the PSM's stable asset, bad debt).
    function netPosition() external view returns (int256);

    /// @notice The savings vault (sBDOL) whose interest the surplus pays; address(0): none.
    function savings() external view returns (address);

    /// @notice What the savings vault may draw now [wad]: the surplus beyond the target and its
    /// margin, as if booked now (see the accounting above).
    function savingsPayable() external view returns (uint256);

    /// @notice What `vault` may draw now [wad]: `savingsPayable` for the savings vault, 0 for any other
    /// address (a replaced or unlinked vault draws nothing, so its withdrawals never revert).
    function savingsPayableTo(address vault) external view returns (uint256);

    /// @notice Savings vault only (`NotSavings`): pay `amount` of the surplus to it, after booking.
    /// Reverts `InsufficientSurplus` beyond `savingsPayable` and `ZeroAmount` for 0; never mints.
    function paySavings(uint256 amount) external;

    /// @notice The risk controller, whose poke sets the target and is paid here; address(0): none.
    function riskController() external view returns (address);

    /// @notice The reserve target [wad] the risk controller's last poke set (0 before any).
    function reserveTarget() external view returns (uint256);

    /// @notice Share of each inflow that joins the buffer while buffer + surplus < target [wad].
    function recoveryShare() external view returns (uint256);

    /// @notice Savings draw only beyond target × (1 + savingsMargin) [wad].
    function savingsMargin() external view returns (uint256);

    /// @notice The PSM-backed coin: what the PSM minted and has not taken back, less the fees it owes
    /// the reserve [wad]. The stable asset behind it belongs to its redeemers.
    function psmBacked() external view returns (uint256);

    /// @notice Risk controller only (`NotRiskController`): book (under the old target), store the
    /// reserve `target` (saturated at 2^96 − 1), and pay `poker` min(`reward`, surplus) from the
    /// surplus — nothing when it is empty, never more. Returns what was paid and whether buffer +
    /// surplus is below the target.
    function settlePoke(
        address poker,
        uint256 reward,
        uint256 target
    ) external returns (uint256 paid, bool belowTarget);

    /// @notice Admin: set the risk controller (address(0): no poke sets the target or is paid).
    function setRiskController(address newController) external;

    /// @notice Admin: set the recovery share (≤ 100 %).
    function setRecoveryShare(uint256 newValue) external;

    /// @notice Admin: set the savings margin (≤ MAX_SAVINGS_MARGIN).
    function setSavingsMargin(uint256 newValue) external;

    /// @notice Admin: set the savings vault (address(0) stops all savings payouts); one whose
    /// `reserve()` is another reserve is refused (`SavingsOfAnotherReserve`).
    function setSavings(address newSavings) external;

    /// @notice Anyone: book the unbooked stablecoin into the ledgers (see the rule above); returns
    /// it. Reverts `NothingToBook` when nothing arrived.
    function book() external returns (uint256 inflow);

    /// @notice USD value of everything the reserve owns [wad]: its stablecoin at $1 plus its
    /// collateral (held, escrowed, and lots on sale in the engine and the retired engines) and the PSM's
    /// stable asset (liquid, and in strategies at convertToAssets, 0 for a strategy whose value is
    /// unknown) at the oracle's last good price, rounded down. The deficit is not subtracted; see
    /// `reserveRatio`.
    function totalReserveValue() external view returns (uint256);

    /// @notice (netPosition floored at 0) / system debt [wad], that is (totalReserveValue − deficit −
    /// savings owed − PSM-backed coin)⁺ / system debt,
    /// where the system debt is every collateral's accrued debt plus the debt under auction (in the
    /// engine and the retired engines), and the
    /// PSM-backed coin is the stablecoin the PSM minted and has not taken back, less the fees it owes
    /// the reserve (`minted − pendingFees`): the stable asset behind it belongs to its redeemers, so
    /// it does not cover the vaults. Max uint256 with no debt.
    function reserveRatio() external view returns (uint256);

    /// @notice The stablecoin line first, then one line per registered collateral, then (with a PSM)
    /// the PSM's stable asset: liquid + `strategyAssets()`.
    function composition() external view returns (Holding[] memory);

    /// @notice Engine only: book, burn `debt` of the buffer to absorb a liquidation, then pay the
    /// liquidating keeper `reward` as `payKeeper` does. One call, as the liquidation's last step.
    function absorb(uint256 debt, address keeper, uint256 reward) external;

    /// @notice Engine only: pay a keeper `amount` from the surplus, then the buffer; what they lack is
    /// minted and added to the deficit.
    function payKeeper(address keeper, uint256 amount) external;

    /// @notice Engine only: an auction ended `amount` short of its debt: burn it from the surplus,
    /// then the buffer; record the rest as deficit.
    function coverShortfall(uint256 amount) external;

    /// @notice Anyone: book, which burns unbooked stablecoin against the deficit first; returns what
    /// was healed, `NothingToHeal` when nothing was.
    function heal() external returns (uint256 healed);

    /// @notice Anyone: send `amount` of collateral the reserve owns (escrowed in the vault manager
    /// first, then held here) to the engine and start an auction that sells it for the stablecoin
    /// (the proceeds come back to the reserve). The lot is what the engine received (its balance
    /// difference): a fee-on-transfer collateral's fee is the reserve's loss, never a phantom lot.
    function sellCollateral(address collateral, uint256 amount) external returns (uint256 auctionId);

    /// @notice Admin: set the buffer share (≤ 100 %).
    function setBufferShare(uint256 newValue) external;

    /// @notice Admin: set the vault manager.
    function setVaultManager(address newManager) external;

    /// @notice Admin: set the liquidation engine. Migration: the old engine is retired, not cut off:
    /// while it has running auctions (`activeAuctionCount() != 0`) or is still the vault manager's
    /// engine, the reserve keeps accepting its hooks, so its takes, paid restarts and shortfalls
    /// still settle. Retired engines with nothing left (and the new engine, on a rollback) are
    /// dropped here; at most MAX_RETIRED_ENGINES may remain (`TooManyRetiredEngines`).
    function setLiquidationEngine(address newEngine) external;

    // ------------------------------------------------------------ strategies (the PSM's stable asset)
    // Every exchange with a strategy is checked. A deposit of `spent` (what left the reserve, by
    // balance difference) stands only if the reserve's holding there, convertToAssets(shares held),
    // rose by `value` ≥ spent − ⌊spent × STRATEGY_LOSS_TOLERANCE⌋ − STRATEGY_ROUNDING_UNITS; a
    // redemption that lowered the holding by `given` stands only if what reached the reserve is
    // ≥ given − ⌊given × STRATEGY_LOSS_TOLERANCE⌋ − STRATEGY_ROUNDING_UNITS. Each exchange runs in a
    // call of the reserve to itself that reverts as a whole on a short result (StrategyLossExceeded)
    // or on any revert of the vault; the reserve then flags the strategy (StrategyFailed with the
    // reason) and goes on with the next one. So no caller can make the reserve lose more than the
    // tolerance on an exchange: a 0-share deposit (an inflated share price) is undone, not paid for.
    // Principal: Σ spent − Σ received, floored at 0; the cap bounds max(principal, value), so a
    // holding valued low (a loss, a manipulated price) leaves no more room than what was put in.
    // A strategy whose value is unknown (balanceOf or convertToAssets reverts) is valued at 0 by
    // `strategyAssets`, `composition` and `totalReserveValue` (unknown is not counted as value), gets
    // no deposits, counts at its principal in the liquid target (more stays liquid), stays flagged,
    // and is still redeemed from when stable is needed (unchecked: its shares count for nothing).

    /// @notice Share of the reserve's stable asset (liquid + Σ strategy assets) kept liquid [wad].
    function liquidTarget() external view returns (uint256);

    /// @notice Most stable asset `rebalance` moves per `rebalanceInterval` [asset units]: the size
    /// of a bucket that refills linearly over the interval, deposits and withdrawals alike.
    function maxRebalance() external view returns (uint256);

    /// @notice Time over which the rebalance bucket refills from empty to `maxRebalance` [seconds].
    function rebalanceInterval() external view returns (uint256);

    /// @notice What `rebalance` may still move now [asset units]:
    /// min(maxRebalance, bucket + ⌊maxRebalance × elapsed / rebalanceInterval⌋).
    function availableRebalance() external view returns (uint256);

    /// @notice Every strategy, in the order deposits fill and withdrawals drain them.
    function strategies() external view returns (StrategyInfo[] memory);

    /// @notice Σ convertToAssets(shares held) over the strategies whose value is known [asset units].
    function strategyAssets() external view returns (uint256);

    /// @notice Anyone: move the liquid stable asset toward liquidTarget × (liquid + invested), where
    /// invested is each strategy's value, or its principal when unknown (which is flagged); at most
    /// `availableRebalance()`, which the amount moved then uses up. The excess is deposited into the
    /// strategies in order, each up to its room cap − max(principal, value) and never into one whose
    /// value is unknown; a shortfall is redeemed from them in order (shares worth at most what is
    /// missing: convertToShares, rounded down). Each exchange is checked (see above); one that fails
    /// is undone, skipped and flagged, and a checked one that succeeds clears the flag. With nothing
    /// left of the limit, at the target, or every strategy full or failing, nothing moves and the
    /// call still succeeds (returns 0, 0): a keeper's static call tells it whether to send.
    function rebalance() external returns (uint256 deposited, uint256 withdrawn);

    /// @notice Self only: one checked deposit of `amount` (see above), reverting as a whole on a
    /// short result. Returns what left the reserve and what the holding rose by.
    function depositIntoStrategy(
        address vault,
        address asset,
        uint256 amount
    ) external returns (uint256 spent, uint256 value);

    /// @notice Self only: redeem shares worth `assets` from the strategy, rounded up (a redemption's
    /// shortfall: enough shares to cover it, previewWithdraw) or down (rebalance: convertToShares),
    /// at most maxRedeem; checked as above unless the strategy's value is unknown (`known` false,
    /// `viewError` the revert data of its valuation). Returns what reached the reserve.
    function redeemFromStrategy(
        address vault,
        address asset,
        uint256 assets,
        bool roundUp
    ) external returns (uint256 received, bool known, bytes memory viewError);

    /// @notice Admin: register an ERC-4626 vault over the PSM's stable asset, with a deposit cap.
    function addStrategy(address vault, uint256 cap) external;

    /// @notice Admin: set a strategy's deposit cap (0 stops deposits; assets above it stay).
    function setStrategyCap(address vault, uint256 cap) external;

    /// @notice Admin: redeem everything the reserve holds in the strategy, then unregister it.
    function removeStrategy(address vault) external;

    /// @notice Admin: set the liquid target share (≤ 100 %).
    function setLiquidTarget(uint256 newValue) external;

    /// @notice Admin: set the rebalance limit per interval (≤ MAX_STRATEGY_AMOUNT_UNITS whole units).
    /// The bucket first refills up to now; a raise adds its increase to it at once, a cut caps it.
    function setMaxRebalance(uint256 newValue) external;

    /// @notice Admin: set the rebalance interval, within [MIN_REBALANCE_INTERVAL,
    /// MAX_REBALANCE_INTERVAL]. The bucket first refills up to now at the old rate.
    function setRebalanceInterval(uint256 newValue) external;
}

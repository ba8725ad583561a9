// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOracleAdapter, PriceStatus} from "./IOracleAdapter.sol";
import {IBallastDollar} from "./IBallastDollar.sol";

/// @title IVaultManager
/// @notice Multi-collateral vaults. Each vault holds one collateral token and owes stablecoin debt.
/// Interest is O(1): a vault stores normalized debt and `debt = normalizedDebt × rateAccumulator`.
/// @dev Rounding: debt rounds up, collateral value rounds down. Risk-adding actions (borrow,
/// withdraw with debt) need a live oracle price, the borrow ratio, the minimum debt and the debt
/// ceiling; risk-reducing actions (deposit, repay) always work, even when the collateral is paused.
/// A vault without debt can always withdraw all its collateral, whatever the oracle says.
interface IVaultManager {
    /// @notice A collateral's parameters and accounting, as returned by `collateralConfig`. Storage
    /// packs the same values into five slots (see VaultManager's `Collateral`).
    struct CollateralConfig {
        bool enabled; // registered collateral
        bool paused; // risk-adding actions refused (block.timestamp < pausedUntil)
        uint256 pausedUntil; // [seconds] end of the current or last pause (0: never paused)
        // the guardian's cool-down applies: its last pause (ending `guardianPausedUntil`) came after
        // governance's last pause or unpause
        bool pausedByGuardian;
        // [seconds] end of the guardian's last pause (0: none since governance last acted); the
        // guardian may pause again from max(pausedUntil, guardianPausedUntil + maxPauseDuration)
        uint256 guardianPausedUntil;
        uint8 decimals; // collateral token decimals (≤ 18)
        address oracleAsset; // key of the asset's price in the oracle adapter
        // [ray] debt per unit of normalized debt; starts at 1 RAY, saturates at MAX_RATE_ACCUMULATOR
        uint256 rateAccumulator;
        uint256 lastAccrual; // [seconds] timestamp of the last accrual
        uint256 stabilityFee; // [ray per second] compounding fee, ≥ 1 RAY
        uint256 totalNormalizedDebt; // [wad] Σ vault normalized debt
        uint256 accruedFees; // [wad] interest accrued but not yet minted to the reserve
        uint256 totalCollateral; // [token units] Σ vault collateral
        uint256 debtCeiling; // [wad] maximum total debt of this collateral
        uint256 minDebt; // [wad] a vault's debt is 0 or at least this (dust limit)
        uint256 liquidationRatio; // [wad] maintenance margin: below it a vault is liquidatable
        uint256 borrowRatio; // [wad] initial margin, ≥ liquidationRatio: a vault's own action must keep it
        uint256 liquidationPenalty; // [wad] share of the debt added on liquidation
    }

    /// @notice A vault. Two slots: amounts are bounded by uint96 (7.9e28 units). The collateral
    /// token sits with the debt so that `repay`, which anyone may call, reads one slot.
    struct Vault {
        address collateral; // address(0) for a vault that does not exist (never opened, or closed)
        uint96 normalizedDebt; // [wad]
        address owner;
        uint96 collateralAmount; // [token units]
    }

    /// @notice What `seize` took from a vault, for the liquidation engine.
    struct Seizure {
        address owner; // the vault's owner: receives what an auction leaves
        address collateral; // the vault's collateral token
        address oracleAsset; // the collateral's key in the oracle
        uint256 price; // [wad] the live oracle price the vault was found unhealthy at
        uint256 debt; // [wad] debt taken off the vault (the whole debt, or a slice)
        uint256 absorbedDebt; // [wad] part of `debt` the reserve's buffer absorbs
        uint256 collateralToReserve; // [token units] credited to the absorber's escrow for `absorbedDebt`
        uint256 auctionDebt; // [wad] debt − absorbedDebt, to be raised by auction
        uint256 auctionCollateral; // [token units] sent to the engine for the auction
        uint256 liquidationPenalty; // [wad] the collateral's penalty share
        uint256 auctionLot; // [token units] what arrived at the engine: auctionCollateral less a transfer fee
    }

    /// @notice Parameters for registering a collateral.
    struct CollateralParams {
        address oracleAsset;
        uint96 debtCeiling;
        uint96 minDebt;
        uint64 liquidationRatio;
        uint64 borrowRatio;
        uint64 liquidationPenalty;
        uint96 stabilityFee;
    }

    /// @notice A vault was opened with `collateralAmount` (what arrived) and `debt` minted to the owner.
    /// @dev Action events that change debt (VaultOpened with debt, DebtBorrowed, DebtRepaid,
    /// VaultClosed with debt) carry the collateral's `rateAccumulator` after the accrual they
    /// triggered: that accrual is reported there rather than by a separate FeesAccrued event, which
    /// would cost each user action a second log. `FeesAccrued` reports accruals made on their own
    /// (`accrue`, fee changes, reserve changes).
    event VaultOpened(
        uint256 indexed vaultId,
        address indexed owner,
        address indexed collateral,
        uint256 collateralAmount,
        uint256 debt,
        uint256 rateAccumulator
    );
    event CollateralDeposited(uint256 indexed vaultId, address indexed from, uint256 amount);
    event CollateralWithdrawn(uint256 indexed vaultId, address indexed to, uint256 amount);
    /// @notice `amount` minted to `to`; the vault's normalized debt grew by ⌈amount / rateAccumulator⌉.
    event DebtBorrowed(uint256 indexed vaultId, address indexed to, uint256 amount, uint256 rateAccumulator);
    /// @notice `amount` burnt from `payer`. The vault's normalized debt fell by all of it when
    /// `amount` was the whole debt, else by ⌊amount / rateAccumulator⌋ (the payer is credited down).
    event DebtRepaid(uint256 indexed vaultId, address indexed payer, uint256 amount, uint256 rateAccumulator);
    event VaultClosed(
        uint256 indexed vaultId,
        address indexed to,
        uint256 collateralReturned,
        uint256 debtRepaid,
        uint256 rateAccumulator
    );
    event OperatorSet(address indexed owner, address indexed operator, bool approved);
    /// @notice Interest accrued on `collateral`: the accumulator moved to `rateAccumulator` and `fee`
    /// was added to the collateral's accrued fees.
    event FeesAccrued(address indexed collateral, uint256 rateAccumulator, uint256 fee);
    /// @notice Accrued fees of `collateral` were minted to `reserve`.
    event FeesMinted(address indexed collateral, address indexed reserve, uint256 amount);
    event CollateralAdded(address indexed collateral, CollateralParams params);
    event DebtCeilingSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event MinDebtSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event LiquidationRatioSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event BorrowRatioSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event LiquidationPenaltySet(address indexed collateral, uint256 oldValue, uint256 newValue);
    event StabilityFeeSet(address indexed collateral, uint256 oldValue, uint256 newValue);
    /// @notice `by` (the guardian or governance) paused risk-adding actions on `collateral` until `until`.
    event Paused(address indexed collateral, address indexed by, uint256 until);
    /// @notice Governance ended the pause of `collateral`.
    event Unpaused(address indexed collateral, address indexed by);
    /// @notice `by` paused every collateral it could (`paused` of them) at once.
    event CircuitBreakerTripped(address indexed by, uint256 paused);
    event MaxPauseDurationSet(uint256 oldValue, uint256 newValue);
    event PauseGovernorSet(address indexed oldGovernor, address indexed newGovernor);
    event ReserveSet(address indexed oldReserve, address indexed newReserve);
    event LiquidationEngineSet(address indexed oldEngine, address indexed newEngine);
    /// @notice `holder` released `amount` of its escrowed collateral to `to`.
    event EscrowReleased(address indexed collateral, address indexed holder, address to, uint256 amount);
    /// @notice The engine took `debt` and collateral off an unhealthy vault: `collateralToReserve`
    /// was credited to the absorber's escrow, `collateralToAuction` sent to the engine; the rest stayed.
    event VaultSeized(
        uint256 indexed vaultId,
        uint256 debt,
        uint256 absorbedDebt,
        uint256 collateralToReserve,
        uint256 collateralToAuction,
        uint256 rateAccumulator
    );

    error UnknownCollateral(address collateral);
    error CollateralAlreadyAdded(address collateral);
    error UnsupportedDecimals(address collateral, uint8 decimals);
    error UnknownVault(uint256 vaultId);
    /// @notice The caller is neither the vault's owner nor an operator the owner approved.
    error NotOwnerOrOperator(uint256 vaultId, address caller);
    /// @notice After the action the vault would be below its borrow ratio.
    error BelowBorrowRatio(uint256 vaultId, uint256 collateralValue, uint256 requiredValue);
    /// @notice The vault's debt would be positive but below the collateral's minimum debt.
    error DebtBelowMinimum(uint256 debt, uint256 minDebt);
    /// @notice The collateral's total debt would exceed its ceiling.
    error DebtCeilingExceeded(uint256 totalDebt, uint256 debtCeiling);
    /// @notice A risk-adding action needs a live price.
    error OracleNotLive(address asset, PriceStatus status);
    /// @notice Risk-adding actions on this collateral are paused.
    error CollateralPaused(address collateral);
    /// @notice Only the guardian or governance may pause.
    error NotGuardian(address caller);
    /// @notice The guardian cannot extend a running pause; only governance renews it.
    error AlreadyPaused(address collateral, uint256 pausedUntil);
    /// @notice The guardian cannot pause a collateral again before `availableAt`: one
    /// `maxPauseDuration` after its own last pause of that collateral ran out.
    error PauseCoolingDown(address collateral, uint256 availableAt);
    /// @notice The penalty would be below the engine's `maxRewardShare`: a keeper reward above the
    /// penalty would make liquidating one's own vault pay.
    error PenaltyBelowKeeperReward(uint256 penalty, uint256 maxRewardShare);
    /// @notice `pauseAllRiskAdding` found no collateral it could pause.
    error NothingToPause();
    error InsufficientCollateral(uint256 requested, uint256 available);
    /// @notice The caller's escrow holds less of the collateral than it asked to release.
    error InsufficientEscrow(address collateral, uint256 requested, uint256 available);
    /// @notice The borrow ratio must not be below the liquidation ratio.
    error BorrowRatioBelowLiquidationRatio(uint256 borrowRatio, uint256 liquidationRatio);
    /// @notice `repay` on a vault that owes nothing.
    error NoDebt(uint256 vaultId);
    error TooManyCollaterals(uint256 max);
    /// @notice Only the liquidation engine may seize vaults.
    error NotLiquidationEngine(address caller);
    /// @notice The vault is at or above its liquidation ratio: `healthFactor` ≥ 1.
    error VaultNotLiquidatable(uint256 vaultId, uint256 healthFactor);
    /// @notice The buffer and the auction room together cannot take a slice of this vault that
    /// leaves it with 0 or at least the minimum debt.
    error LiquidationLimitReached(uint256 vaultId, uint256 debt, uint256 capacity);

    /// @notice Opens a vault for the caller, pulls `collateralAmount` of `collateral` from the caller
    /// and mints `debtAmount` to the caller. The credited collateral is the balance increase, so a
    /// fee-on-transfer token is credited what actually arrived.
    function openVault(
        address collateral,
        uint256 collateralAmount,
        uint256 debtAmount
    ) external returns (uint256 vaultId);

    /// @notice Adds collateral to any vault; anyone may top up any vault. Never paused.
    function deposit(uint256 vaultId, uint256 amount) external;

    /// @notice Owner or operator: sends `amount` collateral to `to`. With debt, the vault must keep
    /// its borrow ratio at a live price; without debt, always allowed.
    function withdraw(uint256 vaultId, uint256 amount, address to) external;

    /// @notice Owner or operator: mints `amount` stablecoin to `to` against the vault.
    function borrow(uint256 vaultId, uint256 amount, address to) external;

    /// @notice Anyone: burns up to `amount` of the caller's stablecoin against the vault's debt.
    /// Repaying more than the debt repays the debt. Never paused.
    function repay(uint256 vaultId, uint256 amount) external;

    /// @notice Owner or operator: repays all debt from the caller and sends all collateral to `to`.
    function closeVault(uint256 vaultId, address to) external;

    /// @notice Lets `operator` act for the caller on all of the caller's vaults, or revokes it.
    function setOperator(address operator, bool approved) external;

    /// @notice Accrues the stability fee of `collateral` up to now and mints all accrued fees to the
    /// reserve. Anyone may call it; borrow, repay and close accrue too but leave the minting to this
    /// call (one balance update per keeper call instead of one per user action).
    function accrue(address collateral) external;

    /// @notice The vault's owner, collateral token, collateral amount and current debt.
    function vaultInfo(
        uint256 vaultId
    ) external view returns (address owner, address collateral, uint256 collateralAmount, uint256 debt);

    /// @notice Current debt with interest up to now, rounded up [wad].
    function debtOf(uint256 vaultId) external view returns (uint256);

    /// @notice collateral value / (debt × liquidation ratio) at the oracle's last price [wad];
    /// type(uint256).max with no debt. Below 1e18 the vault can be liquidated.
    function healthFactor(uint256 vaultId) external view returns (uint256);

    function collateralConfig(address collateral) external view returns (CollateralConfig memory);

    /// @notice Rate accumulator as of now, including interest not yet accrued [ray].
    function currentRate(address collateral) external view returns (uint256);

    /// @notice Total debt of a collateral as of now, rounded up [wad].
    function totalDebt(address collateral) external view returns (uint256);

    /// @notice Interest of a collateral accrued up to now and not yet minted to the reserve [wad].
    function pendingFees(address collateral) external view returns (uint256);

    /// @notice Registered collaterals in registration order.
    function collaterals() external view returns (address[] memory);

    function isOperator(address owner, address operator) external view returns (bool);

    /// @notice Number of vaults ever opened; ids run from 1 to this.
    function vaultCount() external view returns (uint256);

    /// @notice The stablecoin the vaults mint.
    function stablecoin() external view returns (IBallastDollar);

    /// @notice The oracle adapter that prices the collaterals.
    function oracle() external view returns (IOracleAdapter);

    /// @notice The reserve that receives the stability fees.
    function reserve() external view returns (address);

    /// @notice Raw vaults `fromId` … `fromId + count − 1` as stored (ids start at 1: a `fromId` of 0
    /// reads as 1) (normalized debt, not debt), cut at
    /// `vaultCount`; a closed vault reads as zeros. For the lens: two storage reads per vault.
    function vaults(uint256 fromId, uint256 count) external view returns (Vault[] memory page);

    /// @notice The collateral token of an existing vault (one storage read, for the engine).
    function vaultCollateral(uint256 vaultId) external view returns (address);

    /// @notice Collateral this contract holds for `holder` (a reserve that absorbed liquidations),
    /// outside every vault [token units].
    function escrowOf(address collateral, address holder) external view returns (uint256);

    /// @notice Sends `amount` of the caller's escrowed `collateral` to `to`.
    function releaseEscrow(address collateral, address to, uint256 amount) external;

    /// @notice The liquidation engine, the only caller of `seize`.
    function liquidationEngine() external view returns (address);

    /// @notice Liquidation engine only: takes debt and collateral off a vault whose health factor is
    /// below 1 at a live oracle price (never stale, frozen or in the sequencer grace period).
    /// @dev Accrues first. The slice: the whole debt when `absorbCapacity + auctionRoom` covers it;
    /// otherwise as much as they cover, reduced so that the vault keeps exactly `minDebt` when it
    /// would keep less (never dust). Collateral goes with the slice in proportion (rounded down).
    /// Of the slice, up to `absorbCapacity` is absorbed: the reserve receives the collateral worth
    /// absorbed × (1 + penalty) at the oracle price (rounded up), at most the absorbed part's
    /// proportional collateral; the remainder of that share stays in the vault for its owner. The
    /// rest of the slice (≤ `auctionRoom`) and its proportional collateral go to the engine.
    /// The absorbed collateral is not transferred: it stays in this contract, credited to the
    /// escrow of `absorber` (the engine's reserve), which releases it when it sells (saves a token
    /// transfer in the crash path). `absorber` is normally `reserve()`, which receives fees; the two
    /// differ only while a reserve migration is half done.
    /// The auctioned collateral is sent to the engine and credited by balance difference: `auctionLot`
    /// is the engine's balance after the transfer minus before (a fee-on-transfer token delivers
    /// less than `auctionCollateral`, which is what leaves the vault).
    /// Removes ⌊slice / rate⌋ normalized debt (all of it for a whole liquidation), so the vault
    /// never owes less than it did minus the slice. A partial slice whose absorbed or auctioned part
    /// would carry no collateral is refused (`LiquidationLimitReached`): it would write debt off.
    /// Works while the collateral is paused.
    function seize(
        uint256 vaultId,
        uint256 absorbCapacity,
        uint256 auctionRoom,
        address absorber
    ) external returns (Seizure memory);

    /// @notice Admin: register a collateral token with its parameters.
    function addCollateral(address collateral, CollateralParams calldata params) external;

    function setDebtCeiling(address collateral, uint256 newValue) external;

    function setMinDebt(address collateral, uint256 newValue) external;

    /// @notice Admin: move the liquidation ratio by at most `MAX_LIQUIDATION_RATIO_STEP`, at most once
    /// per `MIN_STEP_INTERVAL` (`StepTooSoon`).
    function setLiquidationRatio(address collateral, uint256 newValue) external;

    function setBorrowRatio(address collateral, uint256 newValue) external;

    /// @notice Admin: move the penalty by at most `MAX_LIQUIDATION_PENALTY_STEP`, at most once per
    /// `MIN_STEP_INTERVAL` (`StepTooSoon`); never below the
    /// liquidation engine's `maxRewardShare` (`PenaltyBelowKeeperReward`).
    function setLiquidationPenalty(address collateral, uint256 newValue) external;

    /// @notice Admin: set the per-second stability fee; interest accrues at the old fee first.
    function setStabilityFee(address collateral, uint256 newValue) external;

    /// @notice Role held by the guardian: `pauseRiskAdding` and `pauseAllRiskAdding`, nothing else.
    function GUARDIAN_ROLE() external view returns (bytes32);

    /// @notice Longest pause [seconds]: every pause ends by itself after this, unless governance
    /// renews it.
    function maxPauseDuration() external view returns (uint64);

    /// @notice Guardian or governance: refuse risk-adding actions (opening with debt, borrow,
    /// withdraw from a vault with debt) on `collateral` for `maxPauseDuration`. Deposits, repays,
    /// closes and liquidations go on. Governance may renew a running pause; the guardian may not
    /// pause while any pause runs (`AlreadyPaused`), and after a pause of its own it may pause that
    /// collateral again only `maxPauseDuration` after that pause's own end (`PauseCoolingDown`), even
    /// when a risk-controller halt ran past it. A pause made or ended by governance leaves no
    /// cool-down.
    function pauseRiskAdding(address collateral) external;

    /// @notice Guardian or governance: the system circuit breaker — `pauseRiskAdding` every collateral the
    /// caller may pause (the guardian skips paused and cooling-down ones). Reverts `NothingToPause`
    /// when there is none.
    function pauseAllRiskAdding() external;

    /// @notice Governance: end a running pause now (the unpause) and any guardian cool-down. Never
    /// reverts for a registered collateral, even one not paused, so a proposal that bundles it keeps
    /// executing if the pause lapsed meanwhile. The guardian may pause again at once; to stop a
    /// captured guardian, revoke its role in the same proposal.
    /// @dev The pause functions' names sort after the hot paths' selectors: the via-IR dispatcher
    /// compares selectors one by one in ascending order (~22 gas each), so every function whose
    /// selector sorts before `borrow` (0xd6bda0c0) and `repay` (0xd8aed145) costs them gas.
    function allowRiskAdding(address collateral) external;

    /// @notice Role held by the risk controller: `applyRiskSettings`, nothing else.
    function RISK_CONTROL_ROLE() external view returns (bytes32);

    /// @notice Risk controller: set the collateral's stability fee and borrow ratio, and halt its
    /// risk-adding actions until `haltUntil` (0: no halt). A value equal to the one in force is left
    /// alone (no event); a fee change accrues interest at the old fee first. The fee must lie in
    /// [1 RAY, MAX_STABILITY_FEE] and the borrow ratio in [liquidation ratio, MAX_BORROW_RATIO]: the
    /// liquidation ratio is not the controller's to move, so no vault becomes liquidatable by it.
    /// A halt only ever extends the current pause (it never shortens a guardian's or governance's;
    /// one that ends by now is ignored),
    /// is capped at `maxPauseDuration` from now, and emits `Paused`. It leaves the guardian's
    /// cool-down as it was: a halt that runs past a guardian's pause, or starts during its cool-down,
    /// neither ends nor lengthens it (the guardian may pause again from max(end of the halt, end of
    /// its own pause + maxPauseDuration)), and a halt starts none.
    /// @dev Named so that its selector (0xf6c714fe) sorts after the hot paths' (see `allowRiskAdding`).
    function applyRiskSettings(
        address collateral,
        uint256 stabilityFee,
        uint256 borrowRatio,
        uint256 haltUntil
    ) external;

    /// @notice Governance: set `maxPauseDuration` within [MIN_PAUSE_DURATION, MAX_PAUSE_DURATION], and
    /// longer than `pauseGovernor`'s governance cycle (`ErrorsLib.GovernanceCycleTooLong`), so that a
    /// vote can renew a pause before it lapses.
    function setMaxPauseDuration(uint256 newValue) external;

    /// @notice The governor whose cycle (voting delay + voting period + timelock delay, see
    /// IBallastGovernor) every pause must outlast; address(0) until the deployment sets it.
    /// @dev Named, like its setter, so that its selector sorts after the hot paths' (see
    /// `allowRiskAdding`).
    function pauseGovernor() external view returns (address);

    /// @notice Admin: set `pauseGovernor`; its cycle must already be shorter than `maxPauseDuration`
    /// (`ErrorsLib.GovernanceCycleTooLong`). From then on the rule holds in both directions: this
    /// contract checks `setMaxPauseDuration`, the governor its voting settings, the Timelock its delay.
    function setPauseGovernor(address newGovernor) external;

    /// @notice Admin: set the reserve pool that receives stability fees.
    function setReserve(address newReserve) external;

    /// @notice Admin: set the liquidation engine; its `maxRewardShare` must not exceed any
    /// collateral's penalty (`PenaltyBelowKeeperReward`).
    function setLiquidationEngine(address newEngine) external;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISavingsBdol
/// @notice sBDOL: an ERC-4626 vault over BDOL that pays a savings rate out of the reserve's surplus
/// ledger. It never mints BDOL: every unit of interest is BDOL the reserve held and transferred.
///
/// Rate. `rate` is per second [ray], RAY ≤ rate ≤ MAX_SAVINGS_RATE. Interest accrues on the assets
/// the vault has booked (`assetsBooked`, deposits and paid interest less withdrawals) at
///     owed = assetsBooked × (rate^Δt − 1)          (RateLib.interestDown: rounded down)
/// and is drawn from the reserve by `drip` — before every deposit, mint, withdrawal, redemption and
/// rate change, and by anyone — as paid = min(owed, reserve.savingsPayableTo(this)) (0 once the
/// reserve names another savings vault: an unlinked vault pays nothing more and cuts its rate to 0 %,
/// and its holders withdraw as ever).
/// When the surplus cannot pay (paid < owed), the rate falls to what it paid over the interval,
///     rate' = RAY + ⌊paid × RAY / (assetsBooked × Δt)⌋     (never above the old rate)
/// the interval's simple rate, rounded down (compounded over a later interval it pays slightly more
/// than simple interest would); the rate setter (the risk controller) raises it again, one step a
/// poke. `totalAssets` is assetsBooked plus the interest a drip would pay now, so previews match what
/// a deposit or withdrawal does in the same block.
///
/// Inflation and donation: BDOL sent to the vault without a deposit is not booked and never moves
/// the share price; conversions use OpenZeppelin's virtual share and asset (offset 0), rounded in
/// the vault's favour. Deposits can be paused by the guardian (or governance); withdrawals and
/// redemptions never pause.
interface ISavingsBdol {
    /// @notice A drip: interest `owed` over the interval, `paid` drawn from the reserve's surplus.
    event Dripped(uint256 owed, uint256 paid, uint256 assetsBooked);
    /// @notice The rate setter set the savings rate (after a drip at the old rate).
    event SavingsRateSet(uint256 oldRate, uint256 newRate);
    /// @notice The surplus paid `paid` of `owed`: the rate fell to what it paid.
    event SavingsRateCut(uint256 oldRate, uint256 newRate, uint256 owed, uint256 paid);
    event DepositsPaused(address indexed by);
    event DepositsUnpaused(address indexed by);

    /// @notice Deposits and mints are paused (withdrawals and redemptions never are).
    error DepositsArePaused();
    /// @notice Only the guardian or governance may pause deposits.
    error NotGuardian(address caller);

    /// @notice The reserve whose surplus pays the interest.
    function reserve() external view returns (address);

    /// @notice The savings rate [ray per second].
    function rate() external view returns (uint256);

    /// @notice When interest was last drawn [s].
    function lastDrip() external view returns (uint256);

    /// @notice Deposits and mints are refused while true.
    function depositsPaused() external view returns (bool);

    /// @notice Deposits and paid interest less withdrawals [wad]: the BDOL the shares are owed
    /// before the interest not yet drawn. The vault's balance is at least this.
    function assetsBooked() external view returns (uint256);

    /// @notice Interest accrued since the last drip at the current rate, before the surplus cap [wad].
    function interestOwed() external view returns (uint256);

    /// @notice Anyone: draw the interest owed from the reserve's surplus (see the rate rule above);
    /// returns what was paid.
    function drip() external returns (uint256 paid);

    /// @notice Rate setter only (RISK_CONTROL_ROLE): drip, then set the rate; bounded by
    /// [RAY, MAX_SAVINGS_RATE] (OutOfBounds), NoChange when equal.
    function setRate(uint256 newRate) external;

    /// @notice The guardian or governance: refuse deposits and mints from now on.
    function pauseDeposits() external;

    /// @notice Governance only: accept deposits again.
    function unpauseDeposits() external;
}

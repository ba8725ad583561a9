// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPegKeeper
/// @notice Protocol-owned liquidity for the stablecoin's Uniswap v3 pool with the quote token (USDC):
/// it trades against the pool on the side that brings the price back to the peg, and only there.
///
/// Above the peg (the pool's TWAP and spot, in USD at the quote token's oracle price, both above
/// 1 + `band`) it mints the stablecoin and sells it into the pool — minted inside the swap, exactly
/// what the pool takes — down to a limit of 1 + 2 × the pool's fee in the quote token and in USD
/// (the higher of the two), so every coin sold brings in more than $1 either way; its debt grows by
/// what it minted, within `debtCap` and `maxPerUpdate`. Below the peg (both below 1 − `band` in USD)
/// it buys the stablecoin back from the pool with the quote token it holds, up to a limit of
/// 1 − 2 × the fee in both units (the lower), so every coin costs less than $1 either way, and burns
/// it against its debt (coin bought beyond the debt is profit). Its price limits stop short of the
/// peg: it never pushes the price across it, and never acts against it.
///
/// The reserve's buy-back. Below the peg, once the keeper's own quote token is spent — it had none
/// to spend (no debt), or its swap took all it offered without reaching the limit — the reserve's
/// liquid quote token buys the stablecoin from the pool in the same update, up to the same limit,
/// at most `maxPerUpdate` and what is left of `buyBackLimit` per BUY_BACK_WINDOW (a bucket that
/// refills linearly; 0 = off). Against a sandwich (buy before the update, sell after it) it acts
/// only when the update finds the pool settled: the spot not above the TWAP and at most 2 × fee
/// below it, up to the TWAP's rounding (its mean tick is floored: the TWAP reads up to a tick low
/// when the coin is the pool's token0, high when it is token1; one tick is allowed on that side). A
/// front-run that lifts the spot turns it off, and while the spot is still falling below the TWAP
/// there is no cheap stretch for a front-run to buy first (0.03 % of the pool's depth at the 0.01 %
/// tier). It never buys above TWAP × (1 + `maxSpread`): each update moves the price at most that
/// step above what the pool held over the window (at the seeded depth, about 194k USDC at 0.98), so
/// the price walks back to the limit over several updates as the TWAP follows. A front-run held for
/// a whole window moves the TWAP too and still gains (README, known limits). The pool sends the
/// coin to the reserve, which pays the pool in the swap's callback exactly what it is owed
/// (`IReservePool.payBuyBack`, liquid balance only, never strategy shares), so nothing is left to
/// return; both legs are measured by the reserve's balances.
/// The coin bought is not burnt: it joins the reserve's buffer and surplus at $1, having cost less,
/// so `totalReserveValue` does not fall (at a USDC within 1 % of $1) and the supply identity is
/// untouched. It spends USDC that may back PSM-minted coin: every coin bought is one less that can
/// claim it at the PSM, and each costs less than $1. No caller reward: it is the reserve's trade.
/// Only the reserve's configured peg keeper draws (`IReservePool.pegKeeper`); the limit lives here,
/// as the PSM's outflow limit does, read warm by every update.
///
/// Backing. The quote token it holds, valued at $1 per unit, is at least its debt after every update
/// (checked: `Unbacked`); the stablecoin's supply identity gains its debt as a term
/// (supply = vault debt + PSM-minted + keeper debt). What it holds beyond its debt is profit: the
/// quote token beyond the debt's worth, and coin bought back beyond the debt. Each update pays the
/// caller `callerShare` of the update's profit (in the quote token, then in coin) and sends the rest
/// of both to the reserve, where it counts in `totalReserveValue`.
///
/// No steering. An update reads the pool's TWAP over the market feed's window and its spot price,
/// and refuses (`PricesDisagree`) when they differ by more than `maxSpread`: a flash loan that moves
/// the spot does not move the TWAP, so it makes the keeper refuse, not act. It refuses too when the
/// oracle's price of the coin is not live or differs from the TWAP (× the quote token's USD price)
/// by more than `maxSpread` (`OracleDisagrees`): the oracle reads the market feed's recorded rounds,
/// so a TWAP that moved since the last round waits for the next one. It also refuses while
/// the quote token does not read live at the oracle within 1 % of $1, either way (`QuoteNotAtPar`):
/// at a depegged USDC its holdings would not back its debt. Anyone may call `update`, at most once per
/// `interval`.
///
/// Governance sets the rules within hard bounds (ConstantsLib); the guardian can only pause its
/// minting (for at most `MAX_PAUSE`), which governance can lift; buying back and burning never pause.
interface IPegKeeper {
    /// @notice The keeper's governed rules.
    struct Rules {
        uint128 debtCap; // [wad] most stablecoin outstanding, ≤ MAX_PEG_KEEPER_CAP
        uint128 maxPerUpdate; // [wad] most stablecoin minted or bought back per update, in (0, MAX_PEG_KEEPER_CAP]
        uint64 band; // [wad] acts only outside 1 ± band, in [MIN_PEG_KEEPER_BAND, MAX_PEG_KEEPER_BAND]
        uint64 maxSpread; // [wad] |spot − TWAP| / TWAP allowed, in [MIN_PEG_KEEPER_SPREAD, MAX_PEG_KEEPER_SPREAD]
        uint64 callerShare; // [wad] of an update's profit to its caller, ≤ MAX_PEG_KEEPER_CALLER_SHARE
        uint32 interval; // [s] least time between updates, in [MIN_PEG_KEEPER_INTERVAL, MAX_PEG_KEEPER_INTERVAL]
    }

    /// @notice An update sold `minted` stablecoin (newly minted) into the pool for `quoteReceived`
    /// (raw units) at a TWAP of `twap` and a spot of `spot` [wad, quote per coin].
    event Provided(uint256 minted, uint256 quoteReceived, uint256 twap, uint256 spot, uint256 debt);
    /// @notice An update bought `bought` stablecoin for `quoteSpent` (raw) and burnt `burnt` of it.
    event Withdrawn(uint256 bought, uint256 quoteSpent, uint256 burnt, uint256 twap, uint256 spot, uint256 debt);
    /// @notice An update's profit [wad, USD]: the caller's share paid as `rewardQuote` (quote raw)
    /// and `rewardCoin`; `quoteToReserve` (raw) and `coinToReserve` sent to the reserve.
    event ProfitPaid(
        address indexed caller,
        uint256 profit,
        uint256 rewardQuote,
        uint256 rewardCoin,
        uint256 quoteToReserve,
        uint256 coinToReserve
    );
    event RulesSet(Rules oldRules, Rules newRules);
    event MintingPaused(address indexed by, uint256 until);
    event MintingUnpaused(address indexed by);
    /// @notice An update bought `bought` stablecoin for the reserve with `quoteSpent` (raw) of the
    /// reserve's quote token at a TWAP of `twap` and a spot (before the keeper's own buy-back) of
    /// `spot` [wad, quote per coin]; `limitLeft` [wad] of the buy-back limit is left.
    event BoughtBackForReserve(uint256 quoteSpent, uint256 bought, uint256 twap, uint256 spot, uint256 limitLeft);
    event BuyBackLimitSet(uint256 oldLimit, uint256 newLimit);

    /// @notice An update within `interval` of the last; the next is possible at `nextAt`.
    error UpdateTooSoon(uint256 nextAt);
    /// @notice The pool's spot and TWAP differ by more than `maxSpread`.
    error PricesDisagree(uint256 spot, uint256 twap);
    /// @notice The oracle's price of the coin is not live, or differs from the TWAP × the quote
    /// token's price (`twapUsd`) by more than `maxSpread`.
    error OracleDisagrees(uint256 oraclePrice, uint8 status, uint256 twapUsd);
    /// @notice The quote token's oracle price is not live or more than PEG_KEEPER_QUOTE_TOLERANCE from $1.
    error QuoteNotAtPar(uint256 price, uint8 status);
    /// @notice Neither side calls for action: the price is inside the band, the spot and the TWAP
    /// are on different sides, the spot is already at the limit, or (below the peg) there is no debt
    /// to buy back and the reserve may not buy (limit 0 or spent, no liquid quote token, not its keeper).
    error NothingToDo(uint256 spot, uint256 twap);
    /// @notice Above the peg with no room: the debt is at its cap.
    error DebtCapReached(uint256 debt, uint256 debtCap);
    /// @notice Above the peg while minting is paused.
    error MintingIsPaused(uint256 until);
    /// @notice The quote token held would not back the debt (never expected: a check, not a path).
    error Unbacked(uint256 held, uint256 debt);
    /// @notice The swap callback came from another address than the pool, or outside an update.
    error NotPool(address caller);
    /// @notice The pool does not pair the stablecoin with the market feed's quote token.
    error PoolMismatch(address pool);
    /// @notice Only the guardian or governance may pause; the guardian cannot extend a running pause.
    error NotGuardian(address caller);
    error AlreadyPaused(uint256 until);
    /// @notice The guardian may pause again only `MAX_PAUSE` after its last pause ended: at `availableAt`.
    error PauseCoolingDown(uint256 availableAt);

    /// @notice Anyone, at most once per `interval`: provide above the peg or withdraw below it, then
    /// buy back for the reserve (see above), pay the caller its share of the profit (the keeper's own
    /// trades'), send the rest to the reserve.
    /// @return profit The update's profit [wad, USD].
    function update() external returns (uint256 profit);

    /// @notice Stablecoin minted and not yet bought back and burnt [wad].
    function debt() external view returns (uint256);

    /// @notice The quote token held [raw units]: at least the debt's worth.
    function quoteHeld() external view returns (uint256);

    /// @notice The quote token held beyond the debt, in USD at $1 per unit [wad, rounded down]: what
    /// the next update sends on (the reserve's, less the caller's share).
    function excess() external view returns (uint256);

    /// @notice When the next update may run.
    function nextUpdateAt() external view returns (uint256);

    function rules() external view returns (Rules memory);

    /// @notice Most of the reserve's quote token the keeper may spend buying the stablecoin back per
    /// BUY_BACK_WINDOW (1 day) [wad, USD at $1 a unit]; 0: the reserve's buy-back is off.
    function buyBackLimit() external view returns (uint256);

    /// @notice What is left of `buyBackLimit` now [wad]: the bucket refilled linearly since the last
    /// buy-back (or limit change), at most the limit.
    function availableBuyBack() external view returns (uint256);

    /// @notice End of the current minting pause (0 or past: not paused).
    function mintingPausedUntil() external view returns (uint256);

    /// @notice The stablecoin, the pool, the market price feed (TWAP and spot), the oracle (the quote
    /// token's price), the reserve (where profit goes) and the quote token.
    function stablecoin() external view returns (address);

    function pool() external view returns (address);

    function marketFeed() external view returns (address);

    function oracle() external view returns (address);

    function reserve() external view returns (address);

    function quoteToken() external view returns (address);

    /// @notice Governance: set the rules within their bounds (`OutOfBounds`); `NoChange` when equal.
    /// A lower cap does not force a buy-back: it stops minting until the debt is under it.
    function setRules(Rules calldata newRules) external;

    /// @notice Governance: set `buyBackLimit` (`OutOfBounds` above MAX_BUY_BACK_LIMIT; `NoChange` when
    /// equal). The bucket is refilled to now at the old limit first; a raise adds its difference at
    /// once, a cut caps the bucket at the new limit.
    function setBuyBackLimit(uint256 newLimit) external;

    /// @notice Guardian or governance: pause minting for `MAX_PAUSE`. The guardian cannot extend a
    /// running pause (`AlreadyPaused`) nor pause again within `MAX_PAUSE` of its last pause's end
    /// (`PauseCoolingDown`): at most half of the time; governance can do both.
    function pauseMinting() external;

    /// @notice Governance: lift a minting pause.
    function unpauseMinting() external;

    /// @notice Longest minting pause.
    function MAX_PAUSE() external view returns (uint256);

    /// @notice Role held by the guardian: `pauseMinting`, nothing else.
    function GUARDIAN_ROLE() external view returns (bytes32);
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title IMarketPriceFeed
/// @notice The stablecoin's market price in USD as a Chainlink-style feed, so that the oracle adapter
/// reads it like any other (heartbeat, bounds, circuit breaker, status):
///     price = TWAP of the stablecoin in the quote token over `window` (Uniswap v3 pool)
///             × quote/USD (a Chainlink feed)                                [wad, rounded down]
/// The pool's time-weighted average is its arithmetic mean tick over the window (rounded towards
/// negative infinity, as Uniswap's own oracle library does) turned into a price; the quote leg is the
/// Chainlink feed's latest answer at the time of the round.
///
/// Rounds are recorded, not computed on reading. `update()` — anyone, at most once per
/// `ROUND_PERIOD` — measures the TWAP over the window ending now and either records it as the next
/// round (ids 1, 2, 3, … contiguous; `startedAt` = `updatedAt` = the update's time) or, when the
/// market is not live, records that instead. Readings then cost two storage reads whatever the pool's
/// observation ring holds (anyone can grow a pool's ring, which makes `observe` dearer), a closed
/// round never changes, history is as long as the feed's life, and a new `window` applies from the
/// next round. A round that nobody records lets the reading age: the adapter's heartbeat reads it
/// `Stale`; the keeper bot updates the feed every iteration when due.
///
/// Not live, never a price. `update()` records the market as not live — and every `latestRoundData`
/// reverts `MarketNotLive` until a live update — when the pool is not initialised, its observations do
/// not reach back over the window, its harmonic-mean in-range liquidity over the window is below
/// `minLiquidity`, or the quote feed's answer is unusable or older than `quoteHeartbeat`. The
/// harmonic mean weighs the seconds at thin liquidity heavily: liquidity placed at one tick satisfies
/// the minimum only while the price stays in that tick, and pushing the price off it into thin
/// liquidity for a fraction f of the window divides the mean by about f · minLiquidity / thin.
///
/// Manipulation. Uniswap records each block's opening tick, so a swap moved and undone inside one
/// transaction changes no round; moving the mean tick by Δ over the window needs the pool held
/// Δ · window / s away for s seconds (the README measures it with a flash mint of the whole flash
/// maximum, and gives the cost of holding the TWAP 1 % off for a window).
interface IMarketPriceFeed is AggregatorV3Interface {
    event WindowSet(uint256 oldWindow, uint256 newWindow);
    event MinLiquiditySet(uint256 oldMinLiquidity, uint256 newMinLiquidity);
    event QuoteHeartbeatSet(uint256 oldHeartbeat, uint256 newHeartbeat);
    /// @notice A live update: round `roundId` = `poolPrice` × `quotePrice` [wad] over `window` seconds
    /// with `harmonicMeanLiquidity` in range.
    event RoundRecorded(
        uint256 indexed roundId,
        uint256 answer,
        uint256 poolPrice,
        uint256 quotePrice,
        uint256 harmonicMeanLiquidity,
        uint256 window
    );
    /// @notice An update found the market not live; `reason` is the ABI-encoded custom error
    /// (`PoolNotInitialized`, `ObservationsTooShort`, `LiquidityTooThin` or `QuotePriceUnavailable`).
    event MarketUnavailable(bytes reason);

    /// @notice The pool has no price yet (`initialize` was never called).
    error PoolNotInitialized(address pool);
    /// @notice The pool does not pair the stablecoin with a token of at most 18 + its decimals.
    error PoolTokensMismatch(address token0, address token1);
    /// @notice The pool's observations reach back `available` seconds; `required` are needed.
    error ObservationsTooShort(uint256 available, uint256 required);
    /// @notice The pool's harmonic-mean in-range liquidity over the window is below the minimum.
    error LiquidityTooThin(uint256 harmonicMeanLiquidity, uint256 minLiquidity);
    /// @notice The quote feed's latest answer is not usable (call failed, answer ≤ 0, timestamp 0 or
    /// in the future) or older than `quoteHeartbeat`.
    error QuotePriceUnavailable(address quoteFeed);
    /// @notice The quote feed does not answer `decimals()` (at most MAX_FEED_DECIMALS) and a usable
    /// `latestRoundData()` (answer > 0, stamped neither 0 nor in the future).
    error InvalidQuoteFeed(address quoteFeed);
    /// @notice No such round: id 0 or after the latest recorded one.
    error UnknownRound(uint256 roundId);
    /// @notice No round has been recorded yet.
    error NoRound();
    /// @notice The last update found the market not live; `reason` is its error's selector.
    error MarketNotLive(bytes4 reason);
    /// @notice An update within `ROUND_PERIOD` of the last one; the next is possible at `nextAt`.
    error UpdateTooSoon(uint256 nextAt);
    /// @notice An update that would record the market not live started with less than `required` gas:
    /// a call inside it may have been starved into that failure, so nothing is recorded.
    error UpdateGasTooLow(uint256 gasLeft, uint256 required);
    /// @notice The pool's `observe` failed although the pool is initialised and its history covers
    /// the window (not recorded: the update reverts).
    error ObservationFailed();

    /// @notice Records the next round (see the rounds above). Anyone; at most once per
    /// `ROUND_PERIOD` (`UpdateTooSoon`); recording the market not live takes a start with at least
    /// `MIN_UPDATE_GAS` gas (`UpdateGasTooLow`).
    /// @return live Whether a round was recorded (false: `MarketUnavailable` was emitted).
    function update() external returns (bool live);

    /// @notice The Uniswap v3 pool pairing the stablecoin with the quote token.
    function pool() external view returns (address);

    /// @notice The stablecoin (the priced token).
    function stablecoin() external view returns (address);

    /// @notice The pool's other token (USDC).
    function quoteToken() external view returns (address);

    /// @notice The quote token's Chainlink USD feed.
    function quoteFeed() external view returns (address);

    /// @notice The least time between two updates [seconds].
    function ROUND_PERIOD() external view returns (uint256);

    /// @notice The least gas an update that records the market not live starts with.
    function MIN_UPDATE_GAS() external view returns (uint256);

    /// @notice The latest recorded round's id (0: none yet), the last update's time (live or not) and,
    /// when the last update found the market not live, its error's selector (else 0).
    function updateState() external view returns (uint256 latestRoundId, uint256 lastUpdateAt, bytes4 notLiveReason);

    /// @notice The TWAP window [seconds], in [MIN_TWAP_WINDOW, MAX_TWAP_WINDOW].
    function window() external view returns (uint256);

    /// @notice The lowest harmonic-mean in-range liquidity (Uniswap's L, raw units) over the window
    /// that gives a price. For a pair at price p (quote raw units per stablecoin raw unit), moving the
    /// price 1 % takes about L · √p · 0.005 raw quote units.
    function minLiquidity() external view returns (uint256);

    /// @notice The oldest quote/USD answer accepted [seconds].
    function quoteHeartbeat() external view returns (uint256);

    /// @notice The pool's time-weighted average over `[now − endAgo − window_, now − endAgo]`: the
    /// stablecoin's price in the quote token [wad, rounded down] and the harmonic-mean in-range
    /// liquidity. Reverts `PoolNotInitialized` or `ObservationsTooShort`; applies no liquidity
    /// minimum. Its gas grows with the pool's observation ring (for comparisons in transactions that
    /// carry their own gas, not for the adapter's capped reads).
    function consult(
        uint256 window_,
        uint256 endAgo
    ) external view returns (uint256 priceWad, uint256 harmonicMeanLiquidity);

    /// @notice The pool's current price of the stablecoin in the quote token [wad, rounded down], from
    /// `slot0` (manipulable within a block: for comparisons, never as a price to act on alone).
    function spotPrice() external view returns (uint256 priceWad);

    /// @notice Governance: the TWAP window [seconds], within [MIN_TWAP_WINDOW, MAX_TWAP_WINDOW]; the
    /// pool's observations must already cover it (`ObservationsTooShort`). Applies from the next round.
    /// Reverts `NoChange`.
    function setWindow(uint256 newWindow) external;

    /// @notice Governance: the liquidity minimum, within [MIN_MIN_LIQUIDITY, MAX_MIN_LIQUIDITY].
    /// Reverts `NoChange`.
    function setMinLiquidity(uint256 newMinLiquidity) external;

    /// @notice Governance: the quote feed's heartbeat, within [MIN_HEARTBEAT, MAX_HEARTBEAT].
    /// Reverts `NoChange`.
    function setQuoteHeartbeat(uint256 newHeartbeat) external;
}

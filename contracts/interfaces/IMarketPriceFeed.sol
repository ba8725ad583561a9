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
/// Chainlink feed's latest answer.
///
/// Not live, never a price. A reading reverts — which the adapter reads as `Failed` — when the pool
/// is not initialised, its observations do not reach back over the window (a young pool, or one whose
/// observation ring is too short for the window), its harmonic-mean in-range liquidity over the
/// window is below `minLiquidity`, or the quote feed's answer is unusable or older than
/// `quoteHeartbeat`.
///
/// Rounds. Time is cut into periods of `ROUND_PERIOD` seconds; round k is period k
/// (roundId = k = timestamp / ROUND_PERIOD, phase 0). A round's answer is the TWAP over the window
/// ending at the round's close ((k + 1) · ROUND_PERIOD − 1), or now for the current round, whose
/// answer moves until it closes, as a Chainlink round in progress; `updatedAt` is that end time and
/// `startedAt` the period's start. So `getRoundData(latestRoundId)` equals `latestRoundData()`, round
/// ids are contiguous and timestamps increase with them, and the adapter's round walk and
/// previous-round check work unchanged. The pool's part of a closed round never changes (Uniswap
/// observations are never rewritten); the quote leg of every round is the quote feed's latest answer
/// (the quote asset's own moves are judged by its own feed), and a change of `window` redefines the
/// rounds not yet processed.
///
/// Manipulation. Moving the mean tick by Δ over the window needs the pool held Δ · window / s away
/// for s seconds: a one-block push of the price lasts one block's seconds in the average (the README
/// measures it with a flash mint of the whole flash maximum).
interface IMarketPriceFeed is AggregatorV3Interface {
    event WindowSet(uint256 oldWindow, uint256 newWindow);
    event MinLiquiditySet(uint256 oldMinLiquidity, uint256 newMinLiquidity);
    event QuoteHeartbeatSet(uint256 oldHeartbeat, uint256 newHeartbeat);

    /// @notice The pool has no price yet (`initialize` was never called).
    error PoolNotInitialized(address pool);
    /// @notice The pool does not pair the stablecoin with the quote token.
    error PoolTokensMismatch(address token0, address token1);
    /// @notice The pool's observations reach back `available` seconds; `required` are needed (the
    /// window, plus the age of the round's end).
    error ObservationsTooShort(uint256 available, uint256 required);
    /// @notice The pool's harmonic-mean in-range liquidity over the window is below the minimum.
    error LiquidityTooThin(uint256 harmonicMeanLiquidity, uint256 minLiquidity);
    /// @notice The quote feed's latest answer is not usable (call failed, answer ≤ 0, timestamp 0 or
    /// in the future) or older than `quoteHeartbeat`.
    error QuotePriceUnavailable(address quoteFeed);
    /// @notice The quote feed does not answer `decimals()` (at most MAX_FEED_DECIMALS) and a usable
    /// `latestRoundData()` (answer > 0, stamped neither 0 nor in the future).
    error InvalidQuoteFeed(address quoteFeed);
    /// @notice No such round: id 0, a round after the current one, or one that does not fit 80 bits.
    error UnknownRound(uint256 roundId);

    /// @notice The Uniswap v3 pool pairing the stablecoin with the quote token.
    function pool() external view returns (address);

    /// @notice The stablecoin (the priced token).
    function stablecoin() external view returns (address);

    /// @notice The pool's other token (USDC).
    function quoteToken() external view returns (address);

    /// @notice The quote token's Chainlink USD feed.
    function quoteFeed() external view returns (address);

    /// @notice Round length [seconds].
    function ROUND_PERIOD() external view returns (uint256);

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
    /// liquidity. Reverts as a reading does (not initialised, observations too short) but applies no
    /// liquidity minimum.
    function consult(
        uint256 window_,
        uint256 endAgo
    ) external view returns (uint256 priceWad, uint256 harmonicMeanLiquidity);

    /// @notice The pool's current price of the stablecoin in the quote token [wad, rounded down], from
    /// `slot0` (manipulable within a block: for comparisons, never as a price to act on alone).
    function spotPrice() external view returns (uint256 priceWad);

    /// @notice Governance: the TWAP window [seconds], within [MIN_TWAP_WINDOW, MAX_TWAP_WINDOW]; the
    /// pool's observations must already cover it (`ObservationsTooShort`). Reverts `NoChange`.
    function setWindow(uint256 newWindow) external;

    /// @notice Governance: the liquidity minimum, within [1, MAX_MIN_LIQUIDITY]. Reverts `NoChange`.
    function setMinLiquidity(uint256 newMinLiquidity) external;

    /// @notice Governance: the quote feed's heartbeat, within [MIN_HEARTBEAT, MAX_HEARTBEAT].
    /// Reverts `NoChange`.
    function setQuoteHeartbeat(uint256 newHeartbeat) external;
}

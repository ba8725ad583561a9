// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice What a price reading is worth. Only `Live` may be used to add risk or to liquidate.
enum PriceStatus {
    /// Fresh, inside its sanity bounds, within the deviation limit of the last good price.
    Live,
    /// The feed's last update is older than the asset's heartbeat.
    Stale,
    /// The answer is outside [minPrice, maxPrice].
    OutOfBounds,
    /// The circuit breaker holds the asset: the price jumped more than `maxDeviation` since the
    /// last good price and no fresh round has confirmed the jump yet.
    Frozen,
    /// The feed reverted, ran out of gas, returned malformed data, an answer ≤ 0, or a timestamp of 0
    /// or in the future.
    Failed,
    /// The L2 sequencer is down (or its uptime feed failed).
    SequencerDown,
    /// The L2 sequencer is back up but still inside its grace period.
    SequencerGrace
}

/// @title IOracleAdapter
/// @notice Wraps Chainlink-style feeds, one configuration per asset, and turns them into a WAD USD
/// price plus a status. A broken feed is a status, never a revert of the caller.
/// @dev Reading order for an asset: sequencer check (if a sequencer feed is set) → primary feed →
/// secondary feed when the primary is not usable → circuit-breaker check against the last good
/// price. When nothing is usable, `getPrice` returns the last good price with the worst status seen
/// (severity Failed > OutOfBounds > Stale, which is their order in `PriceStatus`).
///
/// Circuit breaker. A usable reading more than `maxDeviation` away from the last good price (relative
/// to the last good price) is not accepted: `recordPrice` freezes the asset and keeps the reading as
/// pending. While frozen, a reading from a later round (`updatedAt > pendingUpdatedAt`) within
/// `maxDeviation` of the pending price confirms it (it becomes the last good price and the asset is
/// live again); a later round that jumps again from the pending price replaces it. Governance may
/// `unfreeze` at the current usable reading. The first reading of an asset is accepted as is.
/// `getPrice` applies the same decision without storing it, so a jump reads `Frozen` even before
/// anyone records it. It compares with the last *recorded* good price: keepers should record every
/// round, or a slow drift past `maxDeviation` between records reads `Frozen` until a later round
/// confirms it.
///
/// Volatility. Each accepted observation with a newer feed timestamp updates, with
/// r = |P − P_last| / P_last (capped at `MAX_EWMA_RETURN`) and dt = updatedAt − lastGoodUpdatedAt:
///     varianceRate ← λ · varianceRate + (1 − λ) · r² / max(dt, MIN_VOLATILITY_INTERVAL)   [wad per second]
///     volatility    = sqrt(varianceRate · SECONDS_PER_YEAR)       [wad, annualised]
/// The first observation of an asset only sets the reference price.
///
/// Feed changes keep the asset's price state (last good price, breaker, variance): the price belongs
/// to the asset, not to the feed, and checking a new feed against the old last good price makes a
/// misconfigured feed (wrong asset, wrong decimals) trip the breaker instead of being trusted.
interface IOracleAdapter {
    /// @notice Per-asset feed configuration, set by governance.
    /// @dev Field order packs what `getPrice` reads on every call into two slots (primary feed,
    /// deviation, heartbeat, decimals | price bounds); the fallback-only fields share a third.
    struct FeedConfig {
        address primaryFeed; // Chainlink AggregatorV3Interface
        uint64 maxDeviation; // [wad] circuit-breaker threshold relative to the last good price
        uint24 heartbeat; // [seconds] a round older than this is stale; ≤ MAX_HEARTBEAT fits 24 bits
        uint8 primaryDecimals; // cached feed decimals
        uint128 minPrice; // [wad] sanity floor, inclusive
        uint128 maxPrice; // [wad] sanity ceiling, inclusive
        address secondaryFeed; // optional fallback, address(0) when none; same heartbeat and bounds
        uint64 ewmaLambda; // [wad] weight of the previous variance in the EWMA update
        uint8 secondaryDecimals;
    }

    /// @notice Per-asset state kept by the adapter.
    struct PriceState {
        uint128 lastGoodPrice; // [wad]
        uint40 lastGoodUpdatedAt; // [seconds] feed timestamp of the last good price
        bool frozen; // circuit breaker tripped
        uint128 pendingPrice; // [wad] the jumped price awaiting confirmation while frozen
        uint40 pendingUpdatedAt; // [seconds] feed timestamp of the pending price
        uint256 varianceRate; // [wad per second] EWMA of squared relative returns divided by elapsed time
    }

    /// @notice A feed configuration replaced `oldConfig` (all zero for a new asset) with `newConfig`.
    event FeedConfigured(address indexed asset, FeedConfig oldConfig, FeedConfig newConfig);
    /// @notice A live price was recorded as the last good price.
    event PriceRecorded(address indexed asset, uint256 price, uint256 updatedAt, uint256 varianceRate);
    /// @notice The circuit breaker tripped, or a later jump replaced the pending price: `price` is
    /// `deviation` [wad] away from `lastGoodPrice`.
    event CircuitBreakerTripped(address indexed asset, uint256 lastGoodPrice, uint256 price, uint256 deviation);
    /// @notice A fresh round confirmed the jumped price; the asset is live again.
    event CircuitBreakerCleared(address indexed asset, uint256 price, bool byGovernance);
    /// @notice `recordPrice` found no usable price; nothing was stored.
    event PriceRejected(address indexed asset, PriceStatus status);

    error UnknownAsset(address asset);
    /// @notice A feed failed at configuration time: `decimals()` or `latestRoundData()` failed or
    /// returned malformed data, the answer was ≤ 0 or stamped 0 / in the future, it reports more than
    /// `MAX_FEED_DECIMALS` decimals, or the secondary feed equals the primary.
    error InvalidFeed(address feed);
    /// @notice Price bounds must satisfy 0 < minPrice < maxPrice.
    error InvalidPriceBounds(uint256 minPrice, uint256 maxPrice);
    /// @notice A feed call failed while the caller held too little gas for the failure to be the
    /// feed's own: it may have been starved on purpose. Retry with more gas.
    error InsufficientGas(uint256 gasLeft, uint256 required);
    error NotFrozen(address asset);
    /// @notice Governance tried to unfreeze at a price that is not itself live.
    error NoLivePrice(address asset, PriceStatus status);

    /// @notice The asset's price in USD (WAD) and the status of that reading. Never reverts for a
    /// broken feed; reverts only for an unknown asset or when called with too little gas.
    /// @dev When the status is not `Live` the returned price is the last good price (0 if none).
    function getPrice(address asset) external view returns (uint256 priceWad, PriceStatus status);

    /// @notice Reads the feed and, when the reading is live, stores it as the last good price and
    /// updates the volatility estimate; a jump above `maxDeviation` trips the circuit breaker instead.
    /// Anyone may call it; keepers do so each round. Returns what `getPrice` returns in the same block.
    /// @dev A live reading whose feed timestamp is not newer than the stored one (no new round, or an
    /// older secondary round) is returned as live but not stored. Never reverts for a broken feed.
    function recordPrice(address asset) external returns (uint256 priceWad, PriceStatus status);

    /// @notice Annualised volatility estimate (WAD, 0.8e18 = 80 %) from the EWMA of recorded returns:
    /// sqrt(varianceRate × SECONDS_PER_YEAR), rounded down. Reverts `UnknownAsset`.
    function volatility(address asset) external view returns (uint256 annualisedVolWad);

    function feedConfig(address asset) external view returns (FeedConfig memory);

    function priceState(address asset) external view returns (PriceState memory);

    /// @notice The L2 sequencer-uptime feed, address(0) on L1. Fixed at deployment: a chain's
    /// sequencer feed does not change, and an immutable costs no storage read on every price query.
    /// @dev The feed answers 0 when the sequencer is up and 1 when down; `startedAt` is when the status
    /// last changed. Any other answer, a `startedAt` of 0 or in the future, or a failing feed reads as
    /// `SequencerDown`; up for at most `gracePeriod` seconds reads as `SequencerGrace`.
    function sequencerFeed() external view returns (address);

    /// @notice Seconds after the sequencer comes back up during which prices are not live (0 on L1).
    function sequencerGracePeriod() external view returns (uint256);

    /// @notice Governance: set or replace an asset's feeds and bounds (reads and caches decimals).
    /// Keeps the asset's price state. Reverts `NoChange` when the configuration is already in force.
    function setFeed(
        address asset,
        address primaryFeed,
        address secondaryFeed,
        uint32 heartbeat,
        uint128 minPrice,
        uint128 maxPrice,
        uint64 maxDeviation,
        uint64 ewmaLambda
    ) external;

    /// @notice Governance: accept the current usable feed reading (ignoring the deviation check) as
    /// good and clear the circuit breaker. Reverts `NotFrozen` or `NoLivePrice`.
    function unfreeze(address asset) external;
}

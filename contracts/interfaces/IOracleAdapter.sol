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
    /// The feed reverted, ran out of gas, returned malformed data or an answer ≤ 0.
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
/// price. When nothing is usable, `getPrice` returns the last good price with the worst status seen.
interface IOracleAdapter {
    /// @notice Per-asset feed configuration, set by governance.
    struct FeedConfig {
        address primaryFeed; // Chainlink AggregatorV3Interface
        address secondaryFeed; // optional fallback, address(0) when none
        uint32 heartbeat; // [seconds] a round older than this is stale
        uint8 primaryDecimals; // cached feed decimals
        uint8 secondaryDecimals;
        uint128 minPrice; // [wad] sanity floor, inclusive
        uint128 maxPrice; // [wad] sanity ceiling, inclusive
        uint64 maxDeviation; // [wad] circuit-breaker threshold relative to the last good price
        uint64 ewmaLambda; // [wad] weight of the previous variance in the EWMA update
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

    event FeedConfigured(address indexed asset, FeedConfig config);
    event SequencerFeedSet(address indexed feed, uint256 gracePeriod);
    /// @notice A live price was recorded as the last good price.
    event PriceRecorded(address indexed asset, uint256 price, uint256 updatedAt, uint256 varianceRate);
    /// @notice The circuit breaker tripped: `price` is `deviation` away from `lastGoodPrice`.
    event CircuitBreakerTripped(address indexed asset, uint256 lastGoodPrice, uint256 price, uint256 deviation);
    /// @notice A fresh round confirmed the jumped price; the asset is live again.
    event CircuitBreakerCleared(address indexed asset, uint256 price, bool byGovernance);
    /// @notice `recordPrice` found no usable price; nothing was stored.
    event PriceRejected(address indexed asset, PriceStatus status);

    error UnknownAsset(address asset);
    error InvalidFeed(address feed);
    /// @notice The caller forwarded too little gas to read a feed safely.
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
    /// Anyone may call it; keepers do so each round.
    function recordPrice(address asset) external returns (uint256 priceWad, PriceStatus status);

    /// @notice Annualised volatility estimate (WAD, 0.8e18 = 80 %) from the EWMA of recorded returns.
    function volatility(address asset) external view returns (uint256 annualisedVolWad);

    function feedConfig(address asset) external view returns (FeedConfig memory);

    function priceState(address asset) external view returns (PriceState memory);

    function sequencerFeed() external view returns (address);

    function sequencerGracePeriod() external view returns (uint256);

    /// @notice Governance: set or replace an asset's feeds and bounds (reads and caches decimals).
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

    /// @notice Governance: set the L2 sequencer-uptime feed (address(0) on L1) and its grace period.
    function setSequencerFeed(address feed, uint256 gracePeriod) external;

    /// @notice Governance: accept the current live feed price as good and clear the circuit breaker.
    function unfreeze(address asset) external;
}

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
    /// last good price (or, with an old reference, since the feed's previous round) and no fresh
    /// round has confirmed the jump yet.
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
/// @dev Reading order for an asset: sequencer check (if a sequencer feed is set) → USD leg: primary
/// feed, secondary feed when the primary is not usable → ratio leg (composite assets only) →
/// circuit-breaker check. When nothing is usable, `getPrice` returns the last good price with the
/// worst status seen (severity Failed > OutOfBounds > Stale, which is their order in `PriceStatus`).
///
/// Composite prices. An asset with a ratio feed (asset/base, e.g. WBTC/BTC) is priced
///     price = usdLeg × ratio        [wad, rounded down]
/// where the USD leg (base/USD, e.g. BTC/USD) is read as a single-feed asset is (primary, then
/// secondary) and the ratio leg has its own heartbeat and bounds [minRatio, maxRatio]. Each leg gets
/// its own status and the worse one wins: a stale ratio leg makes the asset stale, whatever the USD
/// leg says. The reading's timestamp is the newer of the two legs' (a new round of either leg is a
/// new reading). A product of 0 or above 2^128 − 1 reads OutOfBounds.
///
/// Circuit breaker. A usable reading more than `maxDeviation` away from the reference (the last good
/// price; the pending price while frozen) is not accepted: `recordPrice` freezes the asset and keeps
/// the reading as pending. While frozen, a reading from a later round (`updatedAt > pendingUpdatedAt`)
/// within `maxDeviation` of the pending price confirms it (it becomes the last good price and the
/// asset is live again); a later round that jumps again from the pending price replaces it. Governance
/// may `unfreeze` at the current usable reading. The first reading of an asset is accepted as is.
/// `getPrice` applies the same decision without storing it, so a jump reads `Frozen` even before
/// anyone records it.
///
/// Reference age. A reference older than the asset's `maxReferenceAge` (the reading's `updatedAt`
/// more than `maxReferenceAge` after the reference's) does not freeze a reading by itself: a reading
/// outside `maxDeviation` of such a reference is judged instead against the feed's own previous
/// round, the reading as it stood just before its latest round (`getRoundData(latestRoundId − 1)` of
/// the leg that moved last, the other leg at its latest answer). Within `maxDeviation` of that, the
/// reading is accepted (confirmed while frozen); otherwise — a jump within one round, or no usable
/// previous round (the first round of a phase, a reverting or malformed round, an answer ≤ 0, a
/// timestamp of 0 or later than the latest round's, out of the leg's bounds) — it freezes as above.
/// So after a quiet period nobody recorded, a fresh round that continues the feed's own path is live
/// at once, and a single-round jump still freezes. Only this case reads the previous round.
///
/// Round history (volatility and price range). The adapter processes the feeds' rounds in order,
/// whoever calls and whenever: `recordPrice` reads every round since the last processed one
/// (`getRoundData`, ids contiguous within a Chainlink phase) and stores the result; the views
/// `volatility` and `priceReport` run the same walk over the unprocessed rounds without storing it.
/// A walk reads at most `MAX_ROUNDS_PER_WALK` rounds of each feed (the latest included); with more
/// unprocessed rounds, or after a phase change, the oldest are skipped and the move from the last
/// processed price to the first round read counts as one return. A round is usable when its answer
/// > 0, its timestamp is not 0 nor in the future, and its answer lies within its leg's bounds
/// ([minPrice, maxPrice] for the USD leg, [minRatio, maxRatio] for a ratio leg; staleness does not
/// matter for history); rounds that trip the circuit breaker count. A single-feed asset's price is
/// its primary feed's. A composite's two legs are merged by timestamp: each usable round of either
/// leg sets that leg's value, and the product usd × ratio (rounded down) is observed at that round's
/// time, so a move of the ratio leg alone (a depeg of the wrapped asset) enters the volatility and
/// the range as a move of the USD leg does. A leg without new rounds holds its latest value; when
/// both have new rounds each starts from its last processed round's value. The walk waits while the
/// ratio's latest answer is not usable. A price is used when its timestamp is later than the last
/// used one. So two callers recording the same rounds at any cadence leave the same state, as long
/// as no walk meets more than `MAX_ROUNDS_PER_WALK` new rounds of a feed.
///
/// Volatility. Each used round, with r = |P − P_last| / P_last (rounded up, capped at
/// MAX_VOLATILITY_RETURN) and dt = updatedAt − lastUpdatedAt ≥ 1, updates the variance rate:
///     V ← min((τ · V + r²) / (τ + dt), MAX_VARIANCE_RATE)     [wad per second, rounded up]
///     volatility = sqrt(V · SECONDS_PER_YEAR)                   [wad, annualised, rounded up]
/// with τ = VOLATILITY_TIME_CONSTANT (one day). Old returns fade by τ / (τ + dt) per round: as e^(−dt/τ) when rounds
/// are close, while a return over a gap dt ≫ τ reads as r² / dt. For a path whose rounds all move r
/// every dt the fixed point is exactly r² / dt, whatever dt, so no floor on dt is needed. The first
/// round only sets the reference price.
///
/// Price range. The history also keeps the lowest and highest used price of the bucket
/// (`PRICE_RANGE_BUCKET`, aligned to its multiples) holding the last processed round and of the
/// bucket before, each bucket counting the price carried into it. `priceReport` reports the range of
/// prices in force from the start of the previous bucket (of block time) to now: the prices of the
/// rounds in that time, and the one in force when it began. Stored prices saturate at 2^96 − 1.
///
/// Feed changes keep the asset's price state (last good price, breaker, variance, range): the price
/// belongs to the asset, not to the feed, and checking a new feed against the old last good price
/// makes a misconfigured feed (wrong asset, wrong decimals) trip the breaker instead of being
/// trusted. A new primary (ratio) feed restarts that leg's round walk at its latest round.
interface IOracleAdapter {
    /// @notice Per-asset feed configuration, set by governance.
    /// @dev Field order packs what `getPrice` reads on every call into two slots (primary feed,
    /// deviation, heartbeat, decimals | price bounds); the fallback-only fields share a third.
    struct FeedConfig {
        address primaryFeed; // Chainlink AggregatorV3Interface: the asset (or, composite, the base) in USD
        uint64 maxDeviation; // [wad] circuit-breaker threshold relative to the reference
        uint24 heartbeat; // [seconds] a round older than this is stale; ≤ MAX_HEARTBEAT fits 24 bits
        uint8 primaryDecimals; // cached feed decimals
        uint128 minPrice; // [wad] sanity floor of the USD leg, inclusive
        uint128 maxPrice; // [wad] sanity ceiling of the USD leg, inclusive
        address secondaryFeed; // optional fallback, address(0) when none; same heartbeat and bounds
        uint8 secondaryDecimals;
        uint24 maxReferenceAge; // [seconds] ≤ MAX_REFERENCE_AGE (2 days) fits 24 bits
    }

    /// @notice The ratio leg of a composite asset (asset/base), set with the feed configuration.
    struct RatioFeedConfig {
        address feed; // asset/base feed; address(0): none, the primary feed prices the asset in USD
        uint24 heartbeat; // [seconds] ≤ MAX_HEARTBEAT
        uint8 decimals; // cached feed decimals
        uint128 minRatio; // [wad] sanity floor, inclusive
        uint128 maxRatio; // [wad] sanity ceiling, inclusive, ≤ MAX_FEED_RATIO
    }

    /// @notice Everything `setFeed` takes (decimals are read from the feeds).
    struct FeedParams {
        address primaryFeed;
        address secondaryFeed; // address(0): none
        uint32 heartbeat; // [seconds]
        uint128 minPrice; // [wad]
        uint128 maxPrice; // [wad]
        uint64 maxDeviation; // [wad]
        uint32 maxReferenceAge; // [seconds]
        address ratioFeed; // address(0): not a composite; then the ratio fields must be 0
        uint32 ratioHeartbeat; // [seconds]
        uint128 minRatio; // [wad]
        uint128 maxRatio; // [wad]
    }

    /// @notice Per-asset state of the circuit breaker.
    struct PriceState {
        uint128 lastGoodPrice; // [wad]
        uint40 lastGoodUpdatedAt; // [seconds] feed timestamp of the last good price
        bool frozen; // circuit breaker tripped
        bool composite; // a copy of `ratioFeedConfig(asset).feed != 0`, in the slot every read loads
        uint128 pendingPrice; // [wad] the jumped price awaiting confirmation while frozen
        uint40 pendingUpdatedAt; // [seconds] feed timestamp of the pending price
    }

    /// @notice What the adapter has processed of the feeds' rounds (four slots; the fourth only for a
    /// composite).
    struct RoundHistory {
        uint80 lastRoundId; // the primary feed's last round processed (0: none, or the feed changed)
        uint128 lastPrice; // [wad] the last used price (USD leg × ratio for a composite); 0 before the first
        uint40 lastUpdatedAt; // [seconds] its feed timestamp
        uint64 varianceRate; // [wad per second] V, ≤ MAX_VARIANCE_RATE
        uint96 low; // [wad] lowest price in force in the bucket holding lastUpdatedAt, saturated
        uint96 high; // [wad] highest, saturated at 2^96 − 1
        uint96 previousLow; // [wad] the same for the bucket before it
        uint96 previousHigh; // [wad]
        uint80 lastRatioRoundId; // a composite's ratio feed's last round processed (0: none, or the feed changed)
    }

    /// @notice What the risk controller reads in one call: `getPrice`'s answer, and the history
    /// computed as of now over every round of the primary feed (processed or not, see the walk above).
    struct PriceReport {
        uint256 price; // [wad] as `getPrice`
        PriceStatus status; // as `getPrice`
        uint256 volatility; // [wad] annualised, rounded up
        uint256 low; // [wad] lowest price in force since the start of the previous range bucket (0: none)
        uint256 high; // [wad] highest
        uint256 latestPrice; // [wad] the latest used round's price (0: none)
        uint256 latestUpdatedAt; // [seconds] its feed timestamp
    }

    /// @notice A feed configuration replaced `oldConfig` (all zero for a new asset) with `newConfig`.
    event FeedConfigured(
        address indexed asset,
        FeedConfig oldConfig,
        FeedConfig newConfig,
        RatioFeedConfig oldRatio,
        RatioFeedConfig newRatio
    );
    /// @notice A live price was recorded as the last good price.
    event PriceRecorded(address indexed asset, uint256 price, uint256 updatedAt);
    /// @notice `recordPrice` processed the feed's rounds up to `lastRoundId`, `rounds` of them used:
    /// the history's last price, variance rate and range moved (`roundHistory`).
    event RoundsProcessed(address indexed asset, uint256 lastRoundId, uint256 rounds, uint256 varianceRate);
    /// @notice The circuit breaker tripped, or a later jump replaced the pending price: `price` is
    /// `deviation` [wad] away from `lastGoodPrice`.
    event CircuitBreakerTripped(address indexed asset, uint256 lastGoodPrice, uint256 price, uint256 deviation);
    /// @notice A fresh round confirmed the jumped price; the asset is live again.
    event CircuitBreakerCleared(address indexed asset, uint256 price, bool byGovernance);
    /// @notice `recordPrice` found no usable price; nothing was stored.
    event PriceRejected(address indexed asset, PriceStatus status);

    error UnknownAsset(address asset);
    /// @notice A feed failed at configuration time: `decimals()` failed, returned malformed data or
    /// more than `MAX_FEED_DECIMALS`; `latestRoundData()` returned malformed data, an answer ≤ 0 or a
    /// stamp of 0 / in the future, ran out of gas, or reverted without a reason or from a contract
    /// that does not answer `version()` (a feed with no round yet — a reason and `version()` — is
    /// accepted and reads `Failed` until its first round); or it equals another of the asset's feeds.
    error InvalidFeed(address feed);
    /// @notice Price bounds must satisfy 0 < minPrice < maxPrice.
    error InvalidPriceBounds(uint256 minPrice, uint256 maxPrice);
    /// @notice Ratio bounds must satisfy 0 < minRatio < maxRatio ≤ MAX_FEED_RATIO with a ratio feed,
    /// and the ratio fields must all be 0 without one.
    error InvalidRatioBounds(uint256 minRatio, uint256 maxRatio);
    /// @notice A feed call failed while the caller held too little gas for the failure to be the
    /// feed's own: it may have been starved on purpose. Retry with more gas.
    error InsufficientGas(uint256 gasLeft, uint256 required);
    error NotFrozen(address asset);
    /// @notice Governance tried to unfreeze at a price that is not itself live.
    error NoLivePrice(address asset, PriceStatus status);
    /// @notice The adapter already prices MAX_ORACLE_ASSETS assets.
    error TooManyAssets(uint256 max);

    /// @notice The asset's price in USD (WAD) and the status of that reading. Never reverts for a
    /// broken feed; reverts only for an unknown asset or when called with too little gas.
    /// @dev When the status is not `Live` the returned price is the last good price (0 if none).
    function getPrice(address asset) external view returns (uint256 priceWad, PriceStatus status);

    /// @notice Reads the feed and, when the reading is live, stores it as the last good price; a jump
    /// above `maxDeviation` trips the circuit breaker instead. Then processes the primary feed's new
    /// rounds into the round history (volatility and range), whatever the reading's status.
    /// Anyone may call it; keepers do so each round. Returns what `getPrice` returns in the same block.
    /// @dev A live reading whose feed timestamp is not newer than the stored one (no new round, or an
    /// older secondary round) is returned as live but not stored. Never reverts for a broken feed.
    /// With no new round since the last call it reads the feed and stores nothing.
    function recordPrice(address asset) external returns (uint256 priceWad, PriceStatus status);

    /// @notice Annualised volatility estimate (WAD, 0.8e18 = 80 %): sqrt(V × SECONDS_PER_YEAR),
    /// rounded up, with V after every round of the primary feed (see the NatSpec above). Reverts
    /// `UnknownAsset`.
    function volatility(address asset) external view returns (uint256 annualisedVolWad);

    /// @notice Price and status (as `getPrice`), volatility, price range and latest round price as
    /// of now (see `PriceReport`). Reverts `UnknownAsset`.
    function priceReport(address asset) external view returns (PriceReport memory);

    function feedConfig(address asset) external view returns (FeedConfig memory);

    function ratioFeedConfig(address asset) external view returns (RatioFeedConfig memory);

    function priceState(address asset) external view returns (PriceState memory);

    /// @notice The stored round history (as the last `recordPrice` left it; the views walk further).
    function roundHistory(address asset) external view returns (RoundHistory memory);

    /// @notice Every asset ever configured, in configuration order (keepers record each one).
    function assets() external view returns (address[] memory);

    /// @notice The L2 sequencer-uptime feed, address(0) on L1. Fixed at deployment: a chain's
    /// sequencer feed does not change, and an immutable costs no storage read on every price query.
    /// @dev The feed answers 0 when the sequencer is up and 1 when down; `startedAt` is when the status
    /// last changed. Any other answer, a `startedAt` of 0 or in the future, or a failing feed reads as
    /// `SequencerDown`; up for at most `gracePeriod` seconds reads as `SequencerGrace`.
    function sequencerFeed() external view returns (address);

    /// @notice Seconds after the sequencer comes back up during which prices are not live (0 on L1).
    function sequencerGracePeriod() external view returns (uint256);

    /// @notice Governance: set or replace an asset's feeds, bounds and rules (reads and caches
    /// decimals). Bounds: heartbeats in [MIN_HEARTBEAT, MAX_HEARTBEAT], 0 < minPrice < maxPrice,
    /// maxDeviation in [MIN_MAX_DEVIATION, MAX_MAX_DEVIATION], maxReferenceAge in
    /// [MIN_REFERENCE_AGE, MAX_REFERENCE_AGE]; with a ratio feed 0 < minRatio < maxRatio ≤ MAX_FEED_RATIO, without
    /// one every ratio field 0. The feeds must differ from each other. Keeps the asset's price state;
    /// a new primary feed restarts the round walk. Reverts `NoChange` when all of it is in force.
    function setFeed(address asset, FeedParams calldata params) external;

    /// @notice Governance: accept the current usable feed reading (ignoring the deviation check) as
    /// good and clear the circuit breaker. Reverts `NotFrozen` or `NoLivePrice`.
    function unfreeze(address asset) external;
}

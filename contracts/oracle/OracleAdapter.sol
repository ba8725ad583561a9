// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {FeedReaderLib} from "./FeedReaderLib.sol";
import {RoundHistoryLib} from "./RoundHistoryLib.sol";

/// @title OracleAdapter
/// @notice Chainlink-style feeds per asset (single or composite) → WAD USD price + status, with a
/// last good price, a deviation circuit breaker that judges against the feed's previous round when
/// its reference is old, and a round history (volatility, price range) processed round by round.
/// See `IOracleAdapter` for the rules.
/// @dev `getPrice` and `recordPrice` share one decision (`_evaluate`), so what a view reports as
/// live is exactly what a keeper's `recordPrice` would store; the views and `recordPrice` share one
/// round walk (`RoundHistoryLib`). `DEFAULT_ADMIN_ROLE` (the timelock after deployment) gates every
/// setter.
contract OracleAdapter is IOracleAdapter, AccessControl {
    using MathLib for uint256;

    /// @dev What the circuit breaker makes of the current reading.
    enum Outcome {
        Rejected, // no usable reading: sequencer down / in grace, or every feed stale, out of bounds or failed
        Accepted, // within maxDeviation of the reference (or of the previous round), or the first reading ever
        Confirmed, // frozen, and a later round agrees with the pending price (or the previous round)
        Tripped, // a jump from the reference, or (frozen) a later round jumping from the pending price
        Held // frozen, and no round newer than the pending one yet
    }

    mapping(address asset => FeedConfig) internal _feedConfigs;
    mapping(address asset => RatioFeedConfig) internal _ratioConfigs;
    mapping(address asset => PriceState) internal _priceStates;
    mapping(address asset => RoundHistory) internal _histories;
    /// @dev Every configured asset; at most MAX_ORACLE_ASSETS.
    address[] internal _assets;
    /// @inheritdoc IOracleAdapter
    address public immutable sequencerFeed;
    /// @inheritdoc IOracleAdapter
    uint256 public immutable sequencerGracePeriod;

    /// @param sequencerFeed_ Chainlink L2 sequencer-uptime feed, address(0) on L1.
    /// @param sequencerGracePeriod_ Seconds prices stay unusable after the sequencer comes back up;
    /// must be 0 without a sequencer feed.
    constructor(address admin, address sequencerFeed_, uint256 sequencerGracePeriod_) {
        if (admin == address(0)) revert ErrorsLib.ZeroAddress();
        if (sequencerFeed_ == address(0)) {
            ErrorsLib.checkBounds(sequencerGracePeriod_, 0, 0);
        } else {
            ErrorsLib.checkBounds(
                sequencerGracePeriod_,
                ConstantsLib.MIN_SEQUENCER_GRACE,
                ConstantsLib.MAX_SEQUENCER_GRACE
            );
            (bool ok, , , ) = FeedReaderLib.latestRound(sequencerFeed_);
            if (!ok) revert InvalidFeed(sequencerFeed_);
        }
        sequencerFeed = sequencerFeed_;
        sequencerGracePeriod = sequencerGracePeriod_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- prices

    /// @inheritdoc IOracleAdapter
    function getPrice(address asset) external view returns (uint256 priceWad, PriceStatus status) {
        PriceState storage state = _priceStates[asset];
        (, status, priceWad, ) = _evaluate(asset, state);
        // Not live exactly when the outcome is neither Accepted nor Confirmed.
        if (status != PriceStatus.Live) priceWad = state.lastGoodPrice;
    }

    /// @inheritdoc IOracleAdapter
    function recordPrice(address asset) external returns (uint256 priceWad, PriceStatus status) {
        PriceState storage state = _priceStates[asset];
        Outcome outcome;
        uint256 updatedAt;
        (outcome, status, priceWad, updatedAt) = _evaluate(asset, state);

        if (outcome == Outcome.Accepted) {
            // An unchanged round (or an older secondary round) is live but carries no new information.
            if (updatedAt > state.lastGoodUpdatedAt) _store(asset, state, priceWad, updatedAt);
        } else if (outcome == Outcome.Confirmed) {
            _store(asset, state, priceWad, updatedAt);
            emit CircuitBreakerCleared(asset, priceWad, false);
        } else {
            uint256 lastGood = state.lastGoodPrice;
            if (outcome == Outcome.Tripped) {
                state.frozen = true;
                // Casts are safe: priceWad < 2^128 (a bound or the product check) and updatedAt ≤ now.
                state.pendingPrice = uint128(priceWad);
                state.pendingUpdatedAt = uint40(updatedAt);
                emit CircuitBreakerTripped(asset, lastGood, priceWad, priceWad.absDiff(lastGood).wadDivDown(lastGood));
            } else {
                emit PriceRejected(asset, status);
            }
            priceWad = lastGood;
        }
        _processRounds(asset);
    }

    /// @inheritdoc IOracleAdapter
    function unfreeze(address asset) external onlyRole(DEFAULT_ADMIN_ROLE) {
        PriceState storage state = _priceStates[asset];
        (Outcome outcome, PriceStatus status, uint256 priceWad, uint256 updatedAt) = _evaluate(asset, state);
        if (!state.frozen) revert NotFrozen(asset);
        if (outcome == Outcome.Rejected) revert NoLivePrice(asset, status);
        _store(asset, state, priceWad, updatedAt);
        emit CircuitBreakerCleared(asset, priceWad, true);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IOracleAdapter
    function volatility(address asset) external view returns (uint256 annualisedVolWad) {
        (RoundHistory memory h, ) = _walkedHistory(asset);
        return RoundHistoryLib.annualised(h.varianceRate);
    }

    /// @inheritdoc IOracleAdapter
    function priceReport(address asset) external view returns (PriceReport memory report) {
        PriceState storage state = _priceStates[asset];
        (, report.status, report.price, ) = _evaluate(asset, state);
        if (report.status != PriceStatus.Live) report.price = state.lastGoodPrice;
        (RoundHistory memory h, bool rolled) = _walkedHistory(asset);
        // The previous bucket's range counts only while the last round is in the current bucket.
        if (
            !rolled &&
            h.lastUpdatedAt / ConstantsLib.PRICE_RANGE_BUCKET == block.timestamp / ConstantsLib.PRICE_RANGE_BUCKET
        ) {
            RoundHistory storage stored = _histories[asset];
            (h.previousLow, h.previousHigh) = (stored.previousLow, stored.previousHigh);
        }
        report.volatility = RoundHistoryLib.annualised(h.varianceRate);
        (report.low, report.high) = RoundHistoryLib.range(h, block.timestamp);
        report.latestPrice = h.lastPrice;
        report.latestUpdatedAt = h.lastUpdatedAt;
    }

    /// @inheritdoc IOracleAdapter
    function feedConfig(address asset) external view returns (FeedConfig memory) {
        return _feedConfigs[asset];
    }

    /// @inheritdoc IOracleAdapter
    function ratioFeedConfig(address asset) external view returns (RatioFeedConfig memory) {
        return _ratioConfigs[asset];
    }

    /// @inheritdoc IOracleAdapter
    function priceState(address asset) external view returns (PriceState memory) {
        return _priceStates[asset];
    }

    /// @inheritdoc IOracleAdapter
    function roundHistory(address asset) external view returns (RoundHistory memory) {
        return _histories[asset];
    }

    /// @inheritdoc IOracleAdapter
    function assets() external view returns (address[] memory) {
        return _assets;
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IOracleAdapter
    function setFeed(address asset, FeedParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (asset == address(0) || params.primaryFeed == address(0)) revert ErrorsLib.ZeroAddress();
        if (params.secondaryFeed == params.primaryFeed) revert InvalidFeed(params.secondaryFeed);
        ErrorsLib.checkBounds(params.heartbeat, ConstantsLib.MIN_HEARTBEAT, ConstantsLib.MAX_HEARTBEAT);
        if (params.minPrice == 0 || params.minPrice >= params.maxPrice) {
            revert InvalidPriceBounds(params.minPrice, params.maxPrice);
        }
        ErrorsLib.checkBounds(params.maxDeviation, ConstantsLib.MIN_MAX_DEVIATION, ConstantsLib.MAX_MAX_DEVIATION);
        ErrorsLib.checkBounds(params.maxReferenceAge, ConstantsLib.MIN_REFERENCE_AGE, ConstantsLib.MAX_REFERENCE_AGE);
        RatioFeedConfig memory ratio = _checkedRatio(params);

        // Casts are safe: heartbeat ≤ MAX_HEARTBEAT and maxReferenceAge ≤ MAX_REFERENCE_AGE (2 days) < 2^24.
        FeedConfig memory config = FeedConfig({
            primaryFeed: params.primaryFeed,
            maxDeviation: params.maxDeviation,
            heartbeat: uint24(params.heartbeat),
            primaryDecimals: _validFeedDecimals(params.primaryFeed),
            minPrice: params.minPrice,
            maxPrice: params.maxPrice,
            secondaryFeed: params.secondaryFeed,
            secondaryDecimals: params.secondaryFeed == address(0) ? 0 : _validFeedDecimals(params.secondaryFeed),
            maxReferenceAge: uint24(params.maxReferenceAge)
        });
        FeedConfig memory oldConfig = _feedConfigs[asset];
        RatioFeedConfig memory oldRatio = _ratioConfigs[asset];
        if (keccak256(abi.encode(config, ratio)) == keccak256(abi.encode(oldConfig, oldRatio)))
            revert ErrorsLib.NoChange();
        if (oldConfig.primaryFeed == address(0)) {
            if (_assets.length >= ConstantsLib.MAX_ORACLE_ASSETS) revert TooManyAssets(ConstantsLib.MAX_ORACLE_ASSETS);
            _assets.push(asset);
        }
        _feedConfigs[asset] = config;
        _ratioConfigs[asset] = ratio;
        _priceStates[asset].composite = ratio.feed != address(0);
        // Round ids belong to a feed: a new primary (or ratio) feed's walk starts at its latest round.
        if (config.primaryFeed != oldConfig.primaryFeed) _histories[asset].lastRoundId = 0;
        if (ratio.feed != oldRatio.feed) _histories[asset].lastRatioRoundId = 0;
        emit FeedConfigured(asset, oldConfig, config, oldRatio, ratio);
    }

    // ---------------------------------------------------------------- internal: the decision

    /// @dev The one decision shared by `getPrice`, `recordPrice` and `unfreeze`. Returns the outcome,
    /// the status `getPrice` reports, and the reading (price and feed timestamp; zero when rejected).
    function _evaluate(
        address asset,
        PriceState storage state
    ) internal view returns (Outcome outcome, PriceStatus status, uint256 priceWad, uint256 updatedAt) {
        FeedConfig storage config = _feedConfigs[asset];
        address primaryFeed = config.primaryFeed;
        if (primaryFeed == address(0)) revert UnknownAsset(asset);

        status = _sequencerStatus();
        if (status != PriceStatus.Live) return (Outcome.Rejected, status, 0, 0);

        (status, priceWad, updatedAt) = FeedReaderLib.readPrice(
            primaryFeed,
            config.primaryDecimals,
            config.heartbeat,
            config.minPrice,
            config.maxPrice
        );
        // One load of the state's first slot serves the composite check and the breaker.
        uint256 lastGood = state.lastGoodPrice;
        bool frozen = state.frozen;
        if (status != PriceStatus.Live || state.composite) {
            (status, priceWad, updatedAt) = _otherLegs(asset, status, priceWad, updatedAt);
            if (status != PriceStatus.Live) return (Outcome.Rejected, status, 0, 0);
        }

        outcome = _judge(asset, state, lastGood, frozen, priceWad, updatedAt, config.maxDeviation);
        // Tripped or Held (Rejected returned above).
        if (outcome > Outcome.Confirmed) status = PriceStatus.Frozen;
    }

    /// @dev The rest of a reading when the primary feed alone does not give it: the secondary feed
    /// when the primary is not usable (the worse of the two failures is reported: the enum orders
    /// Stale < OutOfBounds < Failed), then, for a composite asset, the ratio leg.
    function _otherLegs(
        address asset,
        PriceStatus status,
        uint256 priceWad,
        uint256 updatedAt
    ) internal view returns (PriceStatus, uint256, uint256) {
        FeedConfig storage config = _feedConfigs[asset];
        if (status != PriceStatus.Live) {
            address secondaryFeed = config.secondaryFeed;
            if (secondaryFeed != address(0)) {
                PriceStatus primaryStatus = status;
                (status, priceWad, updatedAt) = FeedReaderLib.readPrice(
                    secondaryFeed,
                    config.secondaryDecimals,
                    config.heartbeat,
                    config.minPrice,
                    config.maxPrice
                );
                if (status != PriceStatus.Live && primaryStatus > status) status = primaryStatus;
            }
        }
        if (_priceStates[asset].composite) return _withRatio(asset, status, priceWad, updatedAt);
        return (status, priceWad, updatedAt);
    }

    /// @dev The circuit breaker applied to a usable reading, given the state's first slot (`lastGood`,
    /// `frozen`). Reads the pending slot only when frozen; a jump is judged again under the
    /// reference-age rule (`_judgeOldReference`).
    function _judge(
        address asset,
        PriceState storage state,
        uint256 lastGood,
        bool frozen,
        uint256 priceWad,
        uint256 updatedAt,
        uint256 maxDeviation
    ) internal view returns (Outcome) {
        if (lastGood == 0) return Outcome.Accepted;
        if (!frozen) {
            if (_within(priceWad, lastGood, maxDeviation)) return Outcome.Accepted;
            return _judgeOldReference(asset, state, priceWad, updatedAt);
        }
        if (updatedAt <= state.pendingUpdatedAt) return Outcome.Held;
        if (_within(priceWad, state.pendingPrice, maxDeviation)) return Outcome.Confirmed;
        return _judgeOldReference(asset, state, priceWad, updatedAt);
    }

    /// @dev A reading that tripped the breaker, judged again under the reference-age rule: when it is
    /// more than `maxReferenceAge` newer than the reference (the pending price while frozen, the last
    /// good price otherwise) and within `maxDeviation` of the previous reading, it is accepted
    /// (confirmed while frozen); otherwise it stays tripped.
    function _judgeOldReference(
        address asset,
        PriceState storage state,
        uint256 priceWad,
        uint256 updatedAt
    ) internal view returns (Outcome) {
        FeedConfig storage config = _feedConfigs[asset];
        bool frozen = state.frozen;
        uint256 referenceAt = frozen ? state.pendingUpdatedAt : state.lastGoodUpdatedAt;
        if (updatedAt <= referenceAt + config.maxReferenceAge) return Outcome.Tripped;
        uint256 previous = _previousReading(asset);
        if (previous == 0 || !_within(priceWad, previous, config.maxDeviation)) return Outcome.Tripped;
        return frozen ? Outcome.Confirmed : Outcome.Accepted;
    }

    /// @dev Whether |price − referencePrice| / referencePrice ≤ maxDeviation, without a division.
    function _within(uint256 priceWad, uint256 referencePrice, uint256 maxDeviation) internal pure returns (bool) {
        // Cannot overflow: a price here is below 2^128 (a uint128 bound, or the product check) or a
        // previous reading below 2^128 · MAX_FEED_RATIO / 1e18 < 2^148, and maxDeviation ≤ 1e18 < 2^60:
        // both sides stay below 2^208.
        unchecked {
            return priceWad.absDiff(referencePrice) * ConstantsLib.WAD <= maxDeviation * referencePrice;
        }
    }

    /// @dev The composite price: the USD leg times the ratio leg, rounded down; the worse of the two
    /// statuses; the newer of the two timestamps. A product above 2^128 − 1 reads OutOfBounds.
    function _withRatio(
        address asset,
        PriceStatus usdStatus,
        uint256 usdPrice,
        uint256 usdUpdatedAt
    ) internal view returns (PriceStatus status, uint256 priceWad, uint256 updatedAt) {
        RatioFeedConfig storage ratio = _ratioConfigs[asset];
        uint256 ratioWad;
        (status, ratioWad, updatedAt) = FeedReaderLib.readPrice(
            ratio.feed,
            ratio.decimals,
            ratio.heartbeat,
            ratio.minRatio,
            ratio.maxRatio
        );
        if (usdStatus > status) status = usdStatus;
        if (status != PriceStatus.Live) return (status, 0, 0);
        // usdPrice < 2^128 and ratioWad ≤ MAX_FEED_RATIO: no overflow.
        priceWad = usdPrice.wadMulDown(ratioWad);
        if (priceWad == 0 || priceWad > type(uint128).max) return (PriceStatus.OutOfBounds, 0, 0);
        updatedAt = MathLib.max(updatedAt, usdUpdatedAt);
    }

    /// @dev The reading as it stood just before its latest round: the leg that moved last one round
    /// back (`getRoundData(latestRoundId − 1)`), the other leg at its latest answer. 0 when that round
    /// is not usable (see the interface). Only the old-reference case calls this.
    function _previousReading(address asset) internal view returns (uint256) {
        FeedConfig storage config = _feedConfigs[asset];
        uint256 minPrice = config.minPrice;
        uint256 maxPrice = config.maxPrice;
        // The USD leg as `_evaluate` read it: the primary feed when live, else the secondary.
        address usdFeed = config.primaryFeed;
        uint256 usdDecimals = config.primaryDecimals;
        (PriceStatus usdStatus, uint256 usdPrice, uint256 usdUpdatedAt, uint256 usdRound) = FeedReaderLib.readRound(
            usdFeed,
            usdDecimals,
            config.heartbeat,
            minPrice,
            maxPrice
        );
        if (usdStatus != PriceStatus.Live) {
            usdFeed = config.secondaryFeed;
            usdDecimals = config.secondaryDecimals;
            (usdStatus, usdPrice, usdUpdatedAt, usdRound) = FeedReaderLib.readRound(
                usdFeed,
                usdDecimals,
                config.heartbeat,
                minPrice,
                maxPrice
            );
        }
        if (!_priceStates[asset].composite) {
            return _previousRoundPrice(usdFeed, usdRound, usdUpdatedAt, usdDecimals, minPrice, maxPrice);
        }
        RatioFeedConfig storage ratio = _ratioConfigs[asset];
        (, uint256 ratioWad, uint256 ratioUpdatedAt, uint256 ratioRound) = FeedReaderLib.readRound(
            ratio.feed,
            ratio.decimals,
            ratio.heartbeat,
            ratio.minRatio,
            ratio.maxRatio
        );
        if (ratioUpdatedAt > usdUpdatedAt) {
            ratioWad = _previousRoundPrice(
                ratio.feed,
                ratioRound,
                ratioUpdatedAt,
                ratio.decimals,
                ratio.minRatio,
                ratio.maxRatio
            );
        } else {
            usdPrice = _previousRoundPrice(usdFeed, usdRound, usdUpdatedAt, usdDecimals, minPrice, maxPrice);
        }
        // Both factors are within their bounds (or 0): no overflow.
        return usdPrice.wadMulDown(ratioWad);
    }

    /// @dev The WAD answer of round `roundId − 1` of `feed`, or 0 when there is none in the same phase
    /// or it is not usable, stamped after `latestUpdatedAt`, or out of [minPrice, maxPrice].
    function _previousRoundPrice(
        address feed,
        uint256 roundId,
        uint256 latestUpdatedAt,
        uint256 feedDecimals,
        uint256 minPrice,
        uint256 maxPrice
    ) internal view returns (uint256 priceWad) {
        // The first round of a phase (aggregator round 1) has no previous round in its phase.
        if (uint64(roundId) <= 1) return 0;
        (bool ok, int256 answer, uint256 updatedAt) = FeedReaderLib.roundData(feed, roundId - 1);
        if (!ok || updatedAt > latestUpdatedAt) return 0;
        return FeedReaderLib.boundedValue(answer, updatedAt, feedDecimals, minPrice, maxPrice);
    }

    /// @dev `Live` when no sequencer feed is set or the sequencer has been up longer than the grace period.
    function _sequencerStatus() internal view returns (PriceStatus) {
        address feed = sequencerFeed;
        if (feed == address(0)) return PriceStatus.Live;
        (bool ok, int256 answer, uint256 startedAt, ) = FeedReaderLib.latestRound(feed);
        // Only answer 0 means up; a broken or nonsensical feed cannot prove the sequencer is up.
        if (!ok || answer != 0 || startedAt == 0 || startedAt > block.timestamp) return PriceStatus.SequencerDown;
        // Cannot underflow: startedAt ≤ block.timestamp was checked above.
        if (block.timestamp - startedAt <= sequencerGracePeriod) return PriceStatus.SequencerGrace;
        return PriceStatus.Live;
    }

    /// @dev Stores an accepted reading as the last good price and clears the breaker.
    function _store(address asset, PriceState storage state, uint256 priceWad, uint256 updatedAt) internal {
        uint256 lastUpdatedAt = MathLib.max(state.lastGoodUpdatedAt, updatedAt);
        if (state.frozen) {
            state.pendingPrice = 0;
            state.pendingUpdatedAt = 0;
        }
        // Casts are safe: priceWad < 2^128 and timestamps ≤ block.timestamp.
        state.lastGoodPrice = uint128(priceWad);
        state.lastGoodUpdatedAt = uint40(lastUpdatedAt);
        state.frozen = false;
        emit PriceRecorded(asset, priceWad, lastUpdatedAt);
    }

    // ---------------------------------------------------------------- internal: the round history

    /// @dev Walks the feeds' new rounds into the stored history. The previous bucket's slot is
    /// written when a bucket rolls and never read here; the ratio's round id only for a composite.
    function _processRounds(address asset) internal {
        (RoundHistoryLib.Leg memory usd, RoundHistoryLib.Leg memory ratio) = _walkLegs(asset);
        RoundHistory storage stored = _histories[asset];
        RoundHistory memory h = _loadHistory(stored, ratio.feed != address(0));
        (uint256 lastRoundId, uint256 lastRatioRoundId) = (h.lastRoundId, h.lastRatioRoundId);
        (uint256 used, bool rolled) = RoundHistoryLib.walk(h, usd, ratio);
        if (h.lastRoundId == lastRoundId && h.lastRatioRoundId == lastRatioRoundId) return;
        stored.lastRoundId = h.lastRoundId;
        if (h.lastRatioRoundId != lastRatioRoundId) stored.lastRatioRoundId = h.lastRatioRoundId;
        if (used != 0) {
            stored.lastPrice = h.lastPrice;
            stored.lastUpdatedAt = h.lastUpdatedAt;
            stored.varianceRate = h.varianceRate;
            stored.low = h.low;
            stored.high = h.high;
            if (rolled) {
                stored.previousLow = h.previousLow;
                stored.previousHigh = h.previousHigh;
            }
        }
        emit RoundsProcessed(asset, h.lastRoundId, used, h.varianceRate);
    }

    /// @dev The stored history walked to now in memory (what `recordPrice` would store), and whether a
    /// bucket rolled on the way. Without a roll the previous bucket's fields are left 0 (not loaded).
    function _walkedHistory(address asset) internal view returns (RoundHistory memory h, bool rolled) {
        if (_feedConfigs[asset].primaryFeed == address(0)) revert UnknownAsset(asset);
        (RoundHistoryLib.Leg memory usd, RoundHistoryLib.Leg memory ratio) = _walkLegs(asset);
        h = _loadHistory(_histories[asset], ratio.feed != address(0));
        (, rolled) = RoundHistoryLib.walk(h, usd, ratio);
    }

    /// @dev The history's first two slots (all but the previous bucket's range), and the ratio's
    /// round id for a composite.
    function _loadHistory(RoundHistory storage stored, bool composite) internal view returns (RoundHistory memory h) {
        h.lastRoundId = stored.lastRoundId;
        h.lastPrice = stored.lastPrice;
        h.lastUpdatedAt = stored.lastUpdatedAt;
        h.varianceRate = stored.varianceRate;
        h.low = stored.low;
        h.high = stored.high;
        if (composite) h.lastRatioRoundId = stored.lastRatioRoundId;
    }

    /// @dev The legs a walk reads: the primary feed with the USD leg's bounds, and for a composite
    /// the ratio feed with its bounds (otherwise an empty leg).
    function _walkLegs(
        address asset
    ) internal view returns (RoundHistoryLib.Leg memory usd, RoundHistoryLib.Leg memory ratio) {
        FeedConfig storage config = _feedConfigs[asset];
        usd.feed = config.primaryFeed;
        usd.decimals = config.primaryDecimals;
        usd.minValue = config.minPrice;
        usd.maxValue = config.maxPrice;
        if (!_priceStates[asset].composite) return (usd, ratio);
        RatioFeedConfig storage ratioConfig = _ratioConfigs[asset];
        ratio.feed = ratioConfig.feed;
        ratio.decimals = ratioConfig.decimals;
        ratio.minValue = ratioConfig.minRatio;
        ratio.maxValue = ratioConfig.maxRatio;
    }

    // ---------------------------------------------------------------- internal: configuration

    /// @dev The ratio leg from `params`: a checked feed and bounds, or all zero without a ratio feed.
    function _checkedRatio(FeedParams calldata params) internal view returns (RatioFeedConfig memory ratio) {
        if (params.ratioFeed == address(0)) {
            if (params.ratioHeartbeat != 0 || params.minRatio != 0 || params.maxRatio != 0) {
                revert InvalidRatioBounds(params.minRatio, params.maxRatio);
            }
            return ratio;
        }
        if (params.ratioFeed == params.primaryFeed || params.ratioFeed == params.secondaryFeed) {
            revert InvalidFeed(params.ratioFeed);
        }
        ErrorsLib.checkBounds(params.ratioHeartbeat, ConstantsLib.MIN_HEARTBEAT, ConstantsLib.MAX_HEARTBEAT);
        if (
            params.minRatio == 0 || params.minRatio >= params.maxRatio || params.maxRatio > ConstantsLib.MAX_FEED_RATIO
        ) {
            revert InvalidRatioBounds(params.minRatio, params.maxRatio);
        }
        // Safe: ratioHeartbeat ≤ MAX_HEARTBEAT < 2^24.
        ratio = RatioFeedConfig({
            feed: params.ratioFeed,
            heartbeat: uint24(params.ratioHeartbeat),
            decimals: _validFeedDecimals(params.ratioFeed),
            minRatio: params.minRatio,
            maxRatio: params.maxRatio
        });
    }

    /// @dev Cached decimals of a feed that answers `decimals()` and either a usable `latestRoundData()`
    /// or, a feed with no round yet (the market price feed before its first update), a revert with a
    /// reason together with `version()`: such a feed reads `Failed` until its first round.
    function _validFeedDecimals(address feed) internal view returns (uint8) {
        (bool ok, uint256 feedDecimals) = FeedReaderLib.decimals(feed);
        if (!ok || feedDecimals > ConstantsLib.MAX_FEED_DECIMALS) revert InvalidFeed(feed);
        (bool readOk, int256 answer, , uint256 updatedAt) = FeedReaderLib.latestRound(feed);
        if (readOk ? !FeedReaderLib.usable(answer, updatedAt) : !FeedReaderLib.notLiveYet(feed)) {
            revert InvalidFeed(feed);
        }
        // Safe: feedDecimals ≤ MAX_FEED_DECIMALS (36).
        return uint8(feedDecimals);
    }
}

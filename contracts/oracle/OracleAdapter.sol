// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {FeedReaderLib} from "./FeedReaderLib.sol";

/// @title OracleAdapter
/// @notice Chainlink-style feeds per asset → WAD USD price + status, with a last good price, a
/// deviation circuit breaker and an EWMA volatility estimate. See `IOracleAdapter` for the rules.
/// @dev `getPrice` and `recordPrice` share one decision (`_evaluate`), so what a view reports as
/// live is exactly what a keeper's `recordPrice` would store. `DEFAULT_ADMIN_ROLE` (the timelock
/// after deployment) gates every setter.
contract OracleAdapter is IOracleAdapter, AccessControl {
    using MathLib for uint256;

    /// @dev What the circuit breaker makes of the current reading.
    enum Outcome {
        Rejected, // no usable reading: sequencer down / in grace, or every feed stale, out of bounds or failed
        Accepted, // within maxDeviation of the last good price, or the first reading ever
        Confirmed, // frozen, and a later round agrees with the pending price
        Tripped, // a jump from the last good price, or (frozen) a later round jumping from the pending price
        Held // frozen, and no round newer than the pending one yet
    }

    mapping(address asset => FeedConfig) internal _feedConfigs;
    mapping(address asset => PriceState) internal _priceStates;
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
        Outcome outcome;
        (outcome, status, priceWad, ) = _evaluate(asset, state);
        if (outcome != Outcome.Accepted && outcome != Outcome.Confirmed) priceWad = state.lastGoodPrice;
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
            return (priceWad, status);
        }
        if (outcome == Outcome.Confirmed) {
            _store(asset, state, priceWad, updatedAt);
            emit CircuitBreakerCleared(asset, priceWad, false);
            return (priceWad, status);
        }

        uint256 lastGood = state.lastGoodPrice;
        if (outcome == Outcome.Tripped) {
            state.frozen = true;
            // Casts are safe: priceWad ≤ maxPrice (a uint128) and updatedAt ≤ block.timestamp.
            state.pendingPrice = uint128(priceWad);
            state.pendingUpdatedAt = uint40(updatedAt);
            emit CircuitBreakerTripped(asset, lastGood, priceWad, priceWad.absDiff(lastGood).wadDivDown(lastGood));
        } else {
            emit PriceRejected(asset, status);
        }
        return (lastGood, status);
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
        if (_feedConfigs[asset].primaryFeed == address(0)) revert UnknownAsset(asset);
        // varianceRate ≤ (MAX_EWMA_RETURN²/WAD) per second, so the product stays far below 2^256.
        uint256 annualVariance = _priceStates[asset].varianceRate * ConstantsLib.SECONDS_PER_YEAR;
        return Math.sqrt(annualVariance * ConstantsLib.WAD); // rounded down
    }

    /// @inheritdoc IOracleAdapter
    function feedConfig(address asset) external view returns (FeedConfig memory) {
        return _feedConfigs[asset];
    }

    /// @inheritdoc IOracleAdapter
    function priceState(address asset) external view returns (PriceState memory) {
        return _priceStates[asset];
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IOracleAdapter
    function setFeed(
        address asset,
        address primaryFeed,
        address secondaryFeed,
        uint32 heartbeat,
        uint128 minPrice,
        uint128 maxPrice,
        uint64 maxDeviation,
        uint64 ewmaLambda
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (asset == address(0) || primaryFeed == address(0)) revert ErrorsLib.ZeroAddress();
        if (secondaryFeed == primaryFeed) revert InvalidFeed(secondaryFeed);
        ErrorsLib.checkBounds(heartbeat, ConstantsLib.MIN_HEARTBEAT, ConstantsLib.MAX_HEARTBEAT);
        if (minPrice == 0 || minPrice >= maxPrice) revert InvalidPriceBounds(minPrice, maxPrice);
        ErrorsLib.checkBounds(maxDeviation, ConstantsLib.MIN_MAX_DEVIATION, ConstantsLib.MAX_MAX_DEVIATION);
        ErrorsLib.checkBounds(ewmaLambda, ConstantsLib.MIN_EWMA_LAMBDA, ConstantsLib.MAX_EWMA_LAMBDA);

        FeedConfig memory config = FeedConfig({
            primaryFeed: primaryFeed,
            maxDeviation: maxDeviation,
            // Safe: heartbeat ≤ MAX_HEARTBEAT (2 days) < 2^24.
            heartbeat: uint24(heartbeat),
            primaryDecimals: _validFeedDecimals(primaryFeed),
            minPrice: minPrice,
            maxPrice: maxPrice,
            secondaryFeed: secondaryFeed,
            ewmaLambda: ewmaLambda,
            secondaryDecimals: secondaryFeed == address(0) ? 0 : _validFeedDecimals(secondaryFeed)
        });
        FeedConfig memory oldConfig = _feedConfigs[asset];
        if (keccak256(abi.encode(config)) == keccak256(abi.encode(oldConfig))) revert ErrorsLib.NoChange();
        _feedConfigs[asset] = config;
        emit FeedConfigured(asset, oldConfig, config);
    }

    // ---------------------------------------------------------------- internal

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

        uint256 minPrice = config.minPrice;
        uint256 maxPrice = config.maxPrice;
        (status, priceWad, updatedAt) = FeedReaderLib.readPrice(
            primaryFeed,
            config.primaryDecimals,
            config.heartbeat,
            minPrice,
            maxPrice
        );
        if (status != PriceStatus.Live) {
            address secondaryFeed = config.secondaryFeed;
            if (secondaryFeed == address(0)) return (Outcome.Rejected, status, 0, 0);
            PriceStatus primaryStatus = status;
            (status, priceWad, updatedAt) = FeedReaderLib.readPrice(
                secondaryFeed,
                config.secondaryDecimals,
                config.heartbeat,
                minPrice,
                maxPrice
            );
            // Report the worse of the two failures: the enum orders Stale < OutOfBounds < Failed.
            if (status != PriceStatus.Live) {
                return (Outcome.Rejected, primaryStatus > status ? primaryStatus : status, 0, 0);
            }
        }

        outcome = _judge(state, priceWad, updatedAt, config.maxDeviation);
        if (outcome != Outcome.Accepted && outcome != Outcome.Confirmed) status = PriceStatus.Frozen;
    }

    /// @dev The circuit breaker applied to a usable reading. Reads the pending slot only when frozen.
    function _judge(
        PriceState storage state,
        uint256 priceWad,
        uint256 updatedAt,
        uint256 maxDeviation
    ) internal view returns (Outcome) {
        uint256 lastGood = state.lastGoodPrice;
        if (lastGood == 0) return Outcome.Accepted;
        if (!state.frozen) return _within(priceWad, lastGood, maxDeviation) ? Outcome.Accepted : Outcome.Tripped;
        if (updatedAt <= state.pendingUpdatedAt) return Outcome.Held;
        return _within(priceWad, state.pendingPrice, maxDeviation) ? Outcome.Confirmed : Outcome.Tripped;
    }

    /// @dev Whether |price − referencePrice| / referencePrice ≤ maxDeviation, without a division. Both sides
    /// stay below 2^128 · 1e18, far from overflow.
    function _within(uint256 priceWad, uint256 referencePrice, uint256 maxDeviation) internal pure returns (bool) {
        return priceWad.absDiff(referencePrice) * ConstantsLib.WAD <= maxDeviation * referencePrice;
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

    /// @dev Stores an accepted reading as the last good price and clears the breaker. The variance
    /// moves only when the feed timestamp advanced (dt ≥ 1) and there was a previous price to compare.
    function _store(address asset, PriceState storage state, uint256 priceWad, uint256 updatedAt) internal {
        uint256 lastGood = state.lastGoodPrice;
        uint256 lastUpdatedAt = state.lastGoodUpdatedAt;
        uint256 varianceRate = state.varianceRate;
        if (updatedAt > lastUpdatedAt) {
            if (lastGood != 0) {
                uint256 lambda = _feedConfigs[asset].ewmaLambda;
                varianceRate = _nextVarianceRate(varianceRate, lambda, lastGood, priceWad, updatedAt - lastUpdatedAt);
                state.varianceRate = varianceRate;
            }
            lastUpdatedAt = updatedAt;
        }
        if (state.frozen) {
            state.pendingPrice = 0;
            state.pendingUpdatedAt = 0;
        }
        // Casts are safe: priceWad ≤ maxPrice (a uint128) and timestamps ≤ block.timestamp.
        state.lastGoodPrice = uint128(priceWad);
        state.lastGoodUpdatedAt = uint40(lastUpdatedAt);
        state.frozen = false;
        emit PriceRecorded(asset, priceWad, lastUpdatedAt, varianceRate);
    }

    /// @dev varianceRate' = λ·varianceRate + (1 − λ)·r²/max(dt, MIN_VOLATILITY_INTERVAL), r =
    /// |P − P_last| / P_last capped at MAX_EWMA_RETURN, all WAD, rounded down (an estimate, not an
    /// amount owed). The floor on dt keeps two rounds seconds apart from annualising one move over a
    /// second (a 25 % jump 1 s after the last round would otherwise read as a volatility of 34,000 %).
    function _nextVarianceRate(
        uint256 varianceRate,
        uint256 lambda,
        uint256 lastPrice,
        uint256 priceWad,
        uint256 dt
    ) internal pure returns (uint256) {
        uint256 r = priceWad.absDiff(lastPrice).wadDivDown(lastPrice).min(ConstantsLib.MAX_EWMA_RETURN);
        uint256 sample = r.wadMulDown(r) / dt.max(ConstantsLib.MIN_VOLATILITY_INTERVAL);
        return (lambda * varianceRate + (ConstantsLib.WAD - lambda) * sample) / ConstantsLib.WAD;
    }

    /// @dev Cached decimals of a feed that answers both `decimals()` and `latestRoundData()` sensibly.
    function _validFeedDecimals(address feed) internal view returns (uint8) {
        (bool ok, uint256 feedDecimals) = FeedReaderLib.decimals(feed);
        if (!ok || feedDecimals > ConstantsLib.MAX_FEED_DECIMALS) revert InvalidFeed(feed);
        (bool readOk, int256 answer, , uint256 updatedAt) = FeedReaderLib.latestRound(feed);
        if (!readOk || answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) revert InvalidFeed(feed);
        // Safe: feedDecimals ≤ MAX_FEED_DECIMALS (36).
        return uint8(feedDecimals);
    }
}

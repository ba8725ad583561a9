// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {FeedReaderLib} from "./FeedReaderLib.sol";

/// @title RoundHistoryLib
/// @notice The oracle adapter's round walk: processes a feed's rounds in order into the volatility
/// estimate and the price range (`IOracleAdapter` states the rules). Works on a memory copy so that
/// `recordPrice` stores the result and the views use it as it stands now.
library RoundHistoryLib {
    using MathLib for uint256;

    /// @dev Chainlink round ids are (phaseId << 64) | aggregatorRoundId: ids are contiguous within a
    /// phase and the first round of a phase has aggregatorRoundId 1.
    uint256 private constant PHASE_OFFSET = 64;

    /// @notice What a walk reads.
    struct Source {
        address feed; // the primary feed
        uint256 decimals;
        uint256 minPrice; // [wad] the USD leg's bounds
        uint256 maxPrice; // [wad]
        uint256 ratio; // [wad] the ratio leg's latest answer; WAD for a single-feed asset
    }

    /// @notice Processes every round of `src.feed` after `h.lastRoundId` (at most
    /// MAX_ROUNDS_PER_WALK, the latest included) into `h`. Returns how many rounds were used and
    /// whether a bucket rolled (then `previousLow`/`previousHigh` were rewritten; otherwise they were
    /// neither read nor written). A failing latest read leaves `h` as it was.
    function walk(
        IOracleAdapter.RoundHistory memory h,
        Source memory src
    ) internal view returns (uint256 used, bool rolled) {
        (bool ok, uint256 latestId, int256 answer, uint256 updatedAt) = FeedReaderLib.latestRoundWithId(src.feed);
        uint256 lastId = h.lastRoundId;
        if (!ok || latestId == lastId || latestId > type(uint80).max) return (0, false);
        uint256 first = latestId;
        if (lastId != 0 && lastId < latestId) {
            uint256 phaseStart = (latestId >> PHASE_OFFSET) << PHASE_OFFSET;
            // In the latest phase, resume after the last processed round; from an older phase, at the
            // first round of the latest one (the phase boundary counts as a gap).
            first = lastId > phaseStart ? lastId + 1 : phaseStart + 1;
            // Cannot underflow: latestId ≥ MAX_ROUNDS_PER_WALK when the difference is that large.
            if (latestId - first >= ConstantsLib.MAX_ROUNDS_PER_WALK) {
                first = latestId + 1 - ConstantsLib.MAX_ROUNDS_PER_WALK;
            }
        }
        for (uint256 id = first; id < latestId; ++id) {
            (bool roundOk, int256 roundAnswer, uint256 roundUpdatedAt) = FeedReaderLib.roundData(src.feed, id);
            if (roundOk) (used, rolled) = _count(observe(h, src, roundAnswer, roundUpdatedAt), used, rolled);
        }
        (used, rolled) = _count(observe(h, src, answer, updatedAt), used, rolled);
        // Safe: latestId ≤ type(uint80).max was checked above.
        h.lastRoundId = uint80(latestId);
    }

    /// @notice One round into `h`. Returns 0 when the round is not used (answer ≤ 0, timestamp not
    /// after the last one or in the future, out of [minPrice, maxPrice], or a product above 2^128 − 1
    /// or of 0), 1 when used within the last round's bucket, 2 when used and a bucket rolled.
    function observe(
        IOracleAdapter.RoundHistory memory h,
        Source memory src,
        int256 answer,
        uint256 updatedAt
    ) internal view returns (uint256) {
        if (!FeedReaderLib.usable(answer, updatedAt) || updatedAt <= h.lastUpdatedAt) return 0;
        uint256 price = FeedReaderLib.toWad(uint256(answer), src.decimals);
        if (price < src.minPrice || price > src.maxPrice) return 0;
        // price ≤ maxPrice < 2^128 and ratio ≤ MAX_FEED_RATIO: the product stays below 2^256.
        if (src.ratio != ConstantsLib.WAD) price = price.wadMulDown(src.ratio);
        if (price == 0 || price > type(uint128).max) return 0;

        uint256 last = h.lastPrice;
        uint96 stored = _stored(price);
        if (last == 0) {
            // The first round only sets the reference price.
            (h.low, h.high, h.previousLow, h.previousHigh) = (stored, stored, stored, stored);
            _setLast(h, price, updatedAt);
            return 2;
        }
        // dt ≥ 1: updatedAt > lastUpdatedAt was checked above.
        h.varianceRate = uint64(nextVarianceRate(h.varianceRate, last, price, updatedAt - h.lastUpdatedAt));

        uint256 bucket = updatedAt / ConstantsLib.PRICE_RANGE_BUCKET;
        uint256 lastBucket = h.lastUpdatedAt / ConstantsLib.PRICE_RANGE_BUCKET;
        _setLast(h, price, updatedAt);
        if (bucket == lastBucket) {
            if (stored < h.low) h.low = stored;
            if (stored > h.high) h.high = stored;
            return 1;
        }
        uint96 carried = _stored(last);
        if (bucket == lastBucket + 1) {
            (h.previousLow, h.previousHigh) = (h.low, h.high);
        } else {
            // The bucket before this one had no round: the carried price was in force throughout.
            (h.previousLow, h.previousHigh) = (carried, carried);
        }
        (h.low, h.high) = stored < carried ? (stored, carried) : (carried, stored);
        return 2;
    }

    /// @notice V' = min((τ·V + r²) / (τ + dt), MAX_VARIANCE_RATE) with τ = VOLATILITY_TIME_CONSTANT and
    /// r = |P − P_last| / P_last capped at MAX_VOLATILITY_RETURN, each step rounded up (the estimate errs
    /// high). τ·V ≤ 86,400 · 1.9e19 and r² ≤ 1e22: far from overflow.
    function nextVarianceRate(
        uint256 varianceRate,
        uint256 lastPrice,
        uint256 price,
        uint256 dt
    ) internal pure returns (uint256) {
        uint256 tau = ConstantsLib.VOLATILITY_TIME_CONSTANT;
        uint256 r = price.absDiff(lastPrice).mulDivUp(ConstantsLib.WAD, lastPrice).min(
            ConstantsLib.MAX_VOLATILITY_RETURN
        );
        uint256 next = (tau * varianceRate + r.wadMulUp(r)).mulDivUp(1, tau + dt);
        return next.min(ConstantsLib.MAX_VARIANCE_RATE);
    }

    /// @notice sqrt(V × SECONDS_PER_YEAR) [wad, annualised], rounded up. V ≤ 2^64 keeps the product
    /// below 2^256.
    function annualised(uint256 varianceRate) internal pure returns (uint256) {
        return Math.sqrt(varianceRate * ConstantsLib.SECONDS_PER_YEAR * ConstantsLib.WAD, Math.Rounding.Ceil);
    }

    /// @notice The range of prices in force from the start of the bucket before `now`'s to `now`,
    /// (0, 0) before the first round. Reads the previous bucket only when the last round is in
    /// `now`'s bucket.
    function range(IOracleAdapter.RoundHistory memory h, uint256 now_) internal pure returns (uint256, uint256) {
        if (h.lastPrice == 0) return (0, 0);
        uint256 bucket = now_ / ConstantsLib.PRICE_RANGE_BUCKET;
        uint256 lastBucket = h.lastUpdatedAt / ConstantsLib.PRICE_RANGE_BUCKET;
        if (lastBucket == bucket) {
            return (MathLib.min(h.low, h.previousLow), MathLib.max(h.high, h.previousHigh));
        }
        // The last round's bucket is the previous one; the current bucket holds only the last price,
        // which that range already holds.
        if (lastBucket + 1 == bucket) return (h.low, h.high);
        uint256 carried = _stored(h.lastPrice);
        return (carried, carried);
    }

    function _setLast(IOracleAdapter.RoundHistory memory h, uint256 price, uint256 updatedAt) private pure {
        // Safe: price ≤ 2^128 − 1 was checked, and updatedAt ≤ block.timestamp < 2^40.
        h.lastPrice = uint128(price);
        h.lastUpdatedAt = uint40(updatedAt);
    }

    function _count(uint256 observed, uint256 used, bool rolled) private pure returns (uint256, bool) {
        if (observed == 0) return (used, rolled);
        return (used + 1, rolled || observed == 2);
    }

    /// @dev A price in the range's uint96 fields, saturated at 2^96 − 1 (7.9e28 wad).
    function _stored(uint256 price) private pure returns (uint96) {
        return price > type(uint96).max ? type(uint96).max : uint96(price);
    }
}

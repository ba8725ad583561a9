// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {FeedReaderLib} from "./FeedReaderLib.sol";

/// @title RoundHistoryLib
/// @notice The oracle adapter's round walk: processes a price's rounds in order into the volatility
/// estimate and the price range (`IOracleAdapter` states the rules); for a composite price, both legs'
/// rounds merged by time. Works on a memory copy so that `recordPrice` stores the result and the
/// views use it as it stands now.
library RoundHistoryLib {
    using MathLib for uint256;

    /// @dev Chainlink round ids are (phaseId << 64) | aggregatorRoundId: ids are contiguous within a
    /// phase and the first round of a phase has aggregatorRoundId 1.
    uint256 private constant PHASE_OFFSET = 64;

    /// @notice One leg of a walk: a feed, how to scale and bound its answers, and where it resumes.
    struct Leg {
        address feed; // address(0): no such leg (a single-feed asset's ratio), its value stays WAD
        uint256 decimals;
        uint256 minValue; // [wad] rounds outside [minValue, maxValue] are not used
        uint256 maxValue; // [wad]
        uint256 lastId; // the last round processed (0: none)
    }

    /// @dev A leg during a walk: the rounds still to read (nextId..latestId), the next one loaded,
    /// and the value in force (0: none usable yet).
    struct Cursor {
        Leg leg;
        uint256 nextId;
        uint256 latestId;
        int256 latestAnswer; // the latest round, read once at the start
        uint256 latestUpdatedAt;
        int256 answer; // the round nextId
        uint256 updatedAt;
        uint256 value; // [wad]
    }

    /// @notice Processes the rounds of both legs after their last processed ones (`h.lastRoundId`,
    /// `h.lastRatioRoundId`; at most MAX_ROUNDS_PER_WALK per leg, the latest included) into `h`, in
    /// the order of their timestamps: after each round that changes a leg's value, the price
    /// usd × ratio at that round's time is observed. Returns how many prices were used and whether a
    /// bucket rolled (then `previousLow`/`previousHigh` were rewritten; otherwise they were neither
    /// read nor written). A failing latest read of either leg, a composite's ratio whose latest answer
    /// is not usable, or no new round, leaves `h` as it was.
    function walk(
        IOracleAdapter.RoundHistory memory h,
        Leg memory usd,
        Leg memory ratio
    ) internal view returns (uint256 used, bool rolled) {
        bool composite = ratio.feed != address(0);
        usd.lastId = h.lastRoundId;
        ratio.lastId = h.lastRatioRoundId;
        (bool ok, Cursor memory u) = _open(usd);
        if (!ok) return (0, false);
        Cursor memory r;
        if (composite) {
            (ok, r) = _open(ratio);
            // The walk waits while the ratio's latest answer is not usable (> 0, not in the future,
            // within its bounds; its age does not matter for history) rather than lose the USD
            // leg's rounds.
            if (!ok || _value(ratio, r.latestAnswer, r.latestUpdatedAt) == 0) return (0, false);
        } else {
            r.value = ConstantsLib.WAD;
        }
        bool usdNew = u.latestId != usd.lastId;
        bool ratioNew = composite && r.latestId != ratio.lastId;
        if (!usdNew && !ratioNew) return (0, false);
        if (!usdNew) {
            // Only the ratio moved: the USD leg's latest value holds throughout.
            u.value = _value(usd, u.latestAnswer, u.latestUpdatedAt);
            u.nextId = u.latestId + 1;
        } else if (!ratioNew) {
            // Only the USD leg moved (always so for a single feed): the ratio's latest value holds.
            if (composite) r.value = _value(ratio, r.latestAnswer, r.latestUpdatedAt);
            r.nextId = r.latestId + 1;
        } else {
            // Both moved: each starts from its last processed round's value (none on a first walk).
            if (usd.lastId != 0) u.value = _roundValue(usd, usd.lastId);
            if (ratio.lastId != 0) r.value = _roundValue(ratio, ratio.lastId);
        }
        while (true) {
            bool uHas = _load(u);
            bool rHas = _load(r);
            if (!uHas && !rHas) break;
            uint256 t = !rHas || (uHas && u.updatedAt <= r.updatedAt) ? u.updatedAt : r.updatedAt;
            bool moved;
            if (uHas && u.updatedAt == t) moved = _advance(u);
            if (rHas && r.updatedAt == t) moved = _advance(r) || moved;
            if (!moved || u.value == 0 || r.value == 0) continue;
            // u.value ≤ maxPrice < 2^128 and r.value ≤ MAX_FEED_RATIO: no overflow.
            uint256 price = composite ? u.value.wadMulDown(r.value) : u.value;
            (used, rolled) = _count(observe(h, price, t), used, rolled);
        }
        // Safe: both ids ≤ type(uint80).max (checked by `_open`).
        h.lastRoundId = uint80(u.latestId);
        if (composite) h.lastRatioRoundId = uint80(r.latestId);
    }

    /// @notice One price into `h`. Returns 0 when it is not used (timestamp not after the last one or
    /// in the future, a price of 0 or above 2^128 − 1), 1 when used within the last round's bucket, 2
    /// when used and a bucket rolled.
    function observe(
        IOracleAdapter.RoundHistory memory h,
        uint256 price,
        uint256 updatedAt
    ) internal view returns (uint256) {
        if (updatedAt <= h.lastUpdatedAt || updatedAt > block.timestamp) return 0;
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

    /// @dev A leg's cursor after reading its latest round: the rounds to walk start after the last
    /// processed one in the latest phase, at the first round of the latest phase otherwise (the phase
    /// boundary counts as a gap), at most MAX_ROUNDS_PER_WALK back; only the latest on a first walk.
    function _open(Leg memory leg) private view returns (bool ok, Cursor memory c) {
        uint256 latestId;
        (ok, latestId, c.latestAnswer, c.latestUpdatedAt) = FeedReaderLib.latestRoundWithId(leg.feed);
        if (!ok || latestId > type(uint80).max) return (false, c);
        c.leg = leg;
        c.latestId = latestId;
        uint256 lastId = leg.lastId;
        uint256 first = latestId;
        if (lastId != 0 && lastId < latestId) {
            uint256 phaseStart = (latestId >> PHASE_OFFSET) << PHASE_OFFSET;
            first = lastId > phaseStart ? lastId + 1 : phaseStart + 1;
            // Cannot underflow: latestId ≥ MAX_ROUNDS_PER_WALK when the difference is that large.
            if (latestId - first >= ConstantsLib.MAX_ROUNDS_PER_WALK) {
                first = latestId + 1 - ConstantsLib.MAX_ROUNDS_PER_WALK;
            }
        }
        c.nextId = first;
    }

    /// @dev Loads round `nextId` unless loaded (the latest was read by `_open`); false when the leg
    /// has no round left. A round whose call fails reads as answer 0 (not used).
    function _load(Cursor memory c) private view returns (bool) {
        if (c.leg.feed == address(0) || c.nextId > c.latestId) return false;
        if (c.updatedAt != 0 || c.answer != 0) return true;
        if (c.nextId == c.latestId) {
            (c.answer, c.updatedAt) = (c.latestAnswer, c.latestUpdatedAt);
        } else {
            (, c.answer, c.updatedAt) = FeedReaderLib.roundData(c.leg.feed, c.nextId);
        }
        // An unusable round with a zero timestamp still has to be consumed: mark it loaded.
        if (c.answer == 0 && c.updatedAt == 0) c.answer = -1;
        return true;
    }

    /// @dev Consumes the loaded round: its value is in force from now on when usable (see `_value`).
    /// Returns whether it was.
    function _advance(Cursor memory c) private view returns (bool moved) {
        uint256 value = _value(c.leg, c.answer, c.updatedAt);
        if (value != 0) (c.value, moved) = (value, true);
        ++c.nextId;
        (c.answer, c.updatedAt) = (0, 0);
    }

    /// @dev A round's WAD value when usable (answer > 0, 0 < updatedAt ≤ now) and within the leg's
    /// bounds, else 0.
    function _value(Leg memory leg, int256 answer, uint256 updatedAt) private view returns (uint256) {
        return FeedReaderLib.boundedValue(answer, updatedAt, leg.decimals, leg.minValue, leg.maxValue);
    }

    /// @dev The value of round `id` of a leg (0 when its call fails or it is not usable).
    function _roundValue(Leg memory leg, uint256 id) private view returns (uint256) {
        (bool ok, int256 answer, uint256 updatedAt) = FeedReaderLib.roundData(leg.feed, id);
        return ok ? _value(leg, answer, updatedAt) : 0;
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

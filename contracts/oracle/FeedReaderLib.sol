// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";

/// @title FeedReaderLib
/// @notice Reads Chainlink-style feeds so that a broken feed becomes a status, never a revert.
/// @dev Calls are low-level `staticcall`s with a fixed gas cap and a fixed-size return buffer: a
/// high-level call or try/catch would revert the caller on short return data or a call to an
/// address without code, and would copy an unbounded return payload (returndata bomb).
library FeedReaderLib {
    /// @dev 5 ABI words: roundId, answer, startedAt, updatedAt, answeredInRound.
    uint256 private constant ROUND_DATA_SIZE = 160;

    /// @notice `latestRoundData()` of `feed`. `ok` is false when the call reverted, ran out of its
    /// gas cap, or returned fewer than 5 words; only the first 5 words are ever copied.
    /// @dev A failed call counts as the feed's failure only if the feed had its whole allowance
    /// (`FEED_CALL_GAS`). A caller holding less than `MIN_GAS_FOR_FEED` makes EIP-150 forward less;
    /// if the call then fails, a caller may have starved it on purpose to fake a failure (and push
    /// the adapter onto the secondary feed), so it reverts `InsufficientGas` instead. A call that
    /// succeeds is trusted whatever the gas, so ordinary gas estimation needs no margin.
    function latestRound(
        address feed
    ) internal view returns (bool ok, int256 answer, uint256 startedAt, uint256 updatedAt) {
        uint256 gasLeft = gasleft();
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        uint256 callGas = ConstantsLib.FEED_CALL_GAS;
        uint256 size = ROUND_DATA_SIZE;
        bool success;
        assembly ("memory-safe") {
            // Scratch space past the free-memory pointer; nothing here outlives this block.
            let ptr := mload(0x40)
            mstore(ptr, selector)
            success := staticcall(callGas, feed, ptr, 4, ptr, size)
            ok := and(success, iszero(lt(returndatasize(), size)))
            if ok {
                answer := mload(add(ptr, 0x20))
                startedAt := mload(add(ptr, 0x40))
                updatedAt := mload(add(ptr, 0x60))
            }
        }
        if (!success && gasLeft < ConstantsLib.MIN_GAS_FOR_FEED) {
            revert IOracleAdapter.InsufficientGas(gasLeft, ConstantsLib.MIN_GAS_FOR_FEED);
        }
    }

    /// @notice `latestRoundData()` of `feed` with its round id, for the readers that need the round
    /// (the round walk and the previous-round check). Same failure rules and gas floor as `latestRound`.
    function latestRoundWithId(
        address feed
    ) internal view returns (bool ok, uint256 roundId, int256 answer, uint256 updatedAt) {
        return _round(feed, abi.encodeWithSelector(AggregatorV3Interface.latestRoundData.selector));
    }

    /// @notice `getRoundData(roundId)` of `feed`: `ok` is false when the call reverted (Chainlink
    /// reverts for a round it does not know), ran out of its gas cap, or returned fewer than 5 words.
    /// Same gas floor as `latestRound`: a failure while the caller held less than `MIN_GAS_FOR_FEED`
    /// reverts `InsufficientGas`, so a caller cannot starve a round into a skipped one.
    function roundData(
        address feed,
        uint256 roundId
    ) internal view returns (bool ok, int256 answer, uint256 updatedAt) {
        // Safe: Chainlink round ids are uint80 and callers pass ids derived from one.
        (ok, , answer, updatedAt) = _round(
            feed,
            abi.encodeWithSelector(AggregatorV3Interface.getRoundData.selector, uint80(roundId))
        );
    }

    /// @notice Whether a round's answer and timestamp are usable: answer > 0 and 0 < updatedAt ≤ now
    /// (the rules `readPrice` applies before its staleness and bounds checks).
    function usable(int256 answer, uint256 updatedAt) internal view returns (bool) {
        return answer > 0 && updatedAt != 0 && updatedAt <= block.timestamp;
    }

    /// @notice A round's WAD value when it is usable (see `usable`) and within [minValue, maxValue]
    /// after scaling, else 0: the rules of `readPrice` without staleness, for rounds read as history
    /// (the round walk, the previous-round check).
    function boundedValue(
        int256 answer,
        uint256 updatedAt,
        uint256 feedDecimals,
        uint256 minValue,
        uint256 maxValue
    ) internal view returns (uint256 value) {
        if (!usable(answer, updatedAt)) return 0;
        value = toWad(uint256(answer), feedDecimals);
        if (value < minValue || value > maxValue) return 0;
    }

    /// @notice `decimals()` of `feed`; `ok` is false when the call failed or returned less than a word.
    function decimals(address feed) internal view returns (bool ok, uint256 feedDecimals) {
        return _word(feed, AggregatorV3Interface.decimals.selector);
    }

    /// @notice Whether `feed` looks like a feed with no round yet: `latestRoundData()` reverts with a
    /// reason (at least a selector; running out of gas or an empty revert does not count) and
    /// `version()` answers a word (a token, which answers `decimals()` too, does not).
    function notLiveYet(address feed) internal view returns (bool) {
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        uint256 callGas = ConstantsLib.FEED_CALL_GAS;
        bool reverted;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            let success := staticcall(callGas, feed, ptr, 4, ptr, 0)
            reverted := and(iszero(success), iszero(lt(returndatasize(), 4)))
        }
        if (!reverted) return false;
        (bool ok, ) = _word(feed, AggregatorV3Interface.version.selector);
        return ok;
    }

    /// @dev A view of `feed` answering one word; `ok` is false when the call failed or returned less.
    function _word(address feed, bytes4 selector) private view returns (bool ok, uint256 value) {
        uint256 callGas = ConstantsLib.FEED_CALL_GAS;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            let success := staticcall(callGas, feed, ptr, 4, ptr, 0x20)
            ok := and(success, iszero(lt(returndatasize(), 0x20)))
            if ok {
                value := mload(ptr)
            }
        }
    }

    /// @notice Reads `feed` and classifies the answer. Returns `Live` with a WAD price and the
    /// round's timestamp when the reading is usable, otherwise `Failed`, `Stale` or `OutOfBounds`
    /// (checked in that order) and a zero price.
    /// @dev `Failed`: the call failed, the answer is ≤ 0, or `updatedAt` is 0 or in the future (a
    /// future stamp would keep a frozen feed looking fresh past its heartbeat, so it is not trusted).
    /// `Stale`: older than `heartbeat`. `OutOfBounds`: outside [minPrice, maxPrice] after scaling.
    function readPrice(
        address feed,
        uint256 feedDecimals,
        uint256 heartbeat,
        uint256 minPrice,
        uint256 maxPrice
    ) internal view returns (PriceStatus status, uint256 priceWad, uint256 updatedAt) {
        (bool ok, int256 answer, , uint256 roundUpdatedAt) = latestRound(feed);
        // The rule of `usable`, written out: the hot path's code stays as before it existed.
        if (!ok || answer <= 0 || roundUpdatedAt == 0 || roundUpdatedAt > block.timestamp) {
            return (PriceStatus.Failed, 0, 0);
        }
        // Cannot underflow: roundUpdatedAt ≤ block.timestamp was checked above.
        if (block.timestamp - roundUpdatedAt > heartbeat) return (PriceStatus.Stale, 0, 0);
        priceWad = toWad(uint256(answer), feedDecimals);
        if (priceWad < minPrice || priceWad > maxPrice) return (PriceStatus.OutOfBounds, 0, 0);
        return (PriceStatus.Live, priceWad, roundUpdatedAt);
    }

    /// @notice `readPrice` and the round id of the same `latestRoundData()` (a second, warm call: only
    /// the adapter's previous-round check needs it, so the hot `readPrice` stays as it is).
    function readRound(
        address feed,
        uint256 feedDecimals,
        uint256 heartbeat,
        uint256 minPrice,
        uint256 maxPrice
    ) internal view returns (PriceStatus status, uint256 priceWad, uint256 updatedAt, uint256 roundId) {
        (status, priceWad, updatedAt) = readPrice(feed, feedDecimals, heartbeat, minPrice, maxPrice);
        (, roundId, , ) = latestRoundWithId(feed);
    }

    /// @dev One round call (`latestRoundData()` or `getRoundData(id)`) with `latestRound`'s gas cap,
    /// fixed-size return buffer and gas floor. Returns the round id, answer and `updatedAt`.
    function _round(
        address feed,
        bytes memory data
    ) private view returns (bool ok, uint256 roundId, int256 answer, uint256 updatedAt) {
        uint256 gasLeft = gasleft();
        uint256 callGas = ConstantsLib.FEED_CALL_GAS;
        uint256 size = ROUND_DATA_SIZE;
        bool success;
        assembly ("memory-safe") {
            // Scratch space past the free-memory pointer; nothing here outlives this block.
            let ptr := mload(0x40)
            success := staticcall(callGas, feed, add(data, 0x20), mload(data), ptr, size)
            ok := and(success, iszero(lt(returndatasize(), size)))
            if ok {
                roundId := mload(ptr)
                answer := mload(add(ptr, 0x20))
                updatedAt := mload(add(ptr, 0x60))
            }
        }
        if (!success && gasLeft < ConstantsLib.MIN_GAS_FOR_FEED) {
            revert IOracleAdapter.InsufficientGas(gasLeft, ConstantsLib.MIN_GAS_FOR_FEED);
        }
    }

    /// @notice Scales a feed answer with `feedDecimals` (≤ MAX_FEED_DECIMALS) to WAD, rounding down.
    /// @dev An answer above 2^128 with ≤ 18 decimals is above any `maxPrice` (a uint128) before
    /// scaling, so it is saturated instead of multiplied: the result is then out of bounds, never
    /// an overflow revert.
    function toWad(uint256 answer, uint256 feedDecimals) internal pure returns (uint256) {
        if (feedDecimals > 18) return answer / 10 ** (feedDecimals - 18);
        if (answer > type(uint128).max) return type(uint256).max;
        return answer * 10 ** (18 - feedDecimals);
    }
}

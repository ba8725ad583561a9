// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title MockAggregator
/// @notice Chainlink-style price feed for tests and local demos. Each `updateAnswer` opens a new
/// round stamped with the current block time. Round ids follow Chainlink's proxies:
/// (phaseId << 64) | aggregatorRoundId, contiguous within a phase (`startPhase` opens a new one).
/// `getRoundData` keeps every round and reverts for one it does not know, as Chainlink's aggregators
/// do. Failure modes let tests break the feed, or single historical rounds, on purpose.
contract MockAggregator is AggregatorV3Interface {
    enum Mode {
        Normal,
        Revert, // latestRoundData reverts
        BurnGas, // latestRoundData consumes all gas it is given
        Malformed, // latestRoundData returns too few bytes
        ReturnBomb // latestRoundData returns the round followed by 64 KiB of padding
    }

    uint8 public immutable override decimals;
    string public override description;
    // solhint-disable-next-line const-name-snakecase
    uint256 public constant override version = 4;

    /// @dev The latest round's metadata in one slot and its answer in a second, as Chainlink's OCR
    /// aggregator keeps its hot variables packed: a read costs two storage loads.
    uint80 public latestRound;
    uint40 private _startedAt;
    uint40 private _updatedAt;
    Mode public mode;
    int256 private _answer;
    mapping(uint80 roundId => int256) public answers;
    mapping(uint80 roundId => uint256) public updatedAts;
    mapping(uint80 roundId => uint256) public startedAts;

    /// @dev How `getRoundData` fails for a round broken on purpose.
    mapping(uint80 roundId => Mode) public roundModes;
    /// @dev Set by `startPhase`: the next round's id is this + 1.
    uint80 private _phaseStart;

    error Broken();
    /// @notice `getRoundData` for a round that does not exist (Chainlink: "No data present").
    error NoDataPresent(uint80 roundId);

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        updateAnswer(initialAnswer);
    }

    /// @notice Opens a new round with `answer`, stamped now.
    function updateAnswer(int256 answer) public {
        _setRound(answer, block.timestamp, block.timestamp);
    }

    /// @notice Opens a new round with explicit timestamps (stale rounds, sequencer `startedAt`).
    function updateRoundData(int256 answer, uint256 updatedAt, uint256 startedAt) external {
        _setRound(answer, updatedAt, startedAt);
    }

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    /// @notice Makes `getRoundData(roundId)` fail as `roundMode` says (Revert, BurnGas, Malformed),
    /// or work again (Normal).
    function setRoundMode(uint80 roundId, Mode roundMode) external {
        roundModes[roundId] = roundMode;
    }

    /// @notice The next round opens phase `phaseId` (its id is (phaseId << 64) | 1), as a Chainlink
    /// proxy does when it moves to a new aggregator.
    function startPhase(uint16 phaseId) external {
        _phaseStart = uint80(phaseId) << 64;
    }

    function getRoundData(uint80 roundId) external view override returns (uint80, int256, uint256, uint256, uint80) {
        Mode roundMode = roundModes[roundId];
        if (roundMode == Mode.Revert) revert Broken();
        if (roundMode == Mode.BurnGas) {
            uint256 i;
            while (true) i++;
        }
        if (roundMode == Mode.Malformed) {
            assembly ("memory-safe") {
                mstore(0, 1)
                return(0, 32)
            }
        }
        if (updatedAts[roundId] == 0 && answers[roundId] == 0) revert NoDataPresent(roundId);
        return (roundId, answers[roundId], startedAts[roundId], updatedAts[roundId], roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        if (mode == Mode.Revert) revert Broken();
        if (mode == Mode.BurnGas) {
            // Spin until the call runs out of gas, as a feed stuck in an expensive path would.
            uint256 i;
            while (true) i++;
        }
        if (mode == Mode.Malformed) {
            assembly ("memory-safe") {
                mstore(0, 1)
                return(0, 32)
            }
        }
        uint80 r = latestRound;
        if (mode == Mode.ReturnBomb) {
            (int256 answer, uint256 startedAt, uint256 updatedAt) = (_answer, _startedAt, _updatedAt);
            // A valid round in the first 5 words, then padding a careless reader would copy.
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                mstore(ptr, r)
                mstore(add(ptr, 0x20), answer)
                mstore(add(ptr, 0x40), startedAt)
                mstore(add(ptr, 0x60), updatedAt)
                mstore(add(ptr, 0x80), r)
                return(ptr, 0x10000)
            }
        }
        return (r, _answer, _startedAt, _updatedAt, r);
    }

    function _setRound(int256 answer, uint256 updatedAt, uint256 startedAt) private {
        uint80 r = _phaseStart != 0 ? _phaseStart + 1 : latestRound + 1;
        (latestRound, _phaseStart) = (r, 0);
        answers[r] = answer;
        updatedAts[r] = updatedAt;
        startedAts[r] = startedAt;
        // Test timestamps stay far below 2^40 (year 36812).
        (_answer, _startedAt, _updatedAt) = (answer, uint40(startedAt), uint40(updatedAt));
        emit AnswerUpdated(answer, r, updatedAt);
    }
}

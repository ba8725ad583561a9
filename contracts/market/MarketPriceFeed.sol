// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IMarketPriceFeed} from "../interfaces/IMarketPriceFeed.sol";
import {PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {FeedReaderLib} from "../oracle/FeedReaderLib.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {PoolPriceLib} from "./PoolPriceLib.sol";

/// @title MarketPriceFeed
/// @notice The stablecoin's USD market price from a Uniswap v3 pool's TWAP and the quote token's
/// Chainlink feed, recorded in rounds by `update()`. See {IMarketPriceFeed}.
/// @dev Gas. A reading loads the update state and one round (two slots). An update calls the pool's
/// `observe` (a binary search over its observation ring: at most 16 steps) and the quote feed.
contract MarketPriceFeed is IMarketPriceFeed, AccessControl {
    using MathLib for uint256;

    /// @inheritdoc IMarketPriceFeed
    uint256 public constant ROUND_PERIOD = 10 minutes;
    /// @inheritdoc IMarketPriceFeed
    /// @dev `observe` over a full 65,535-slot ring costs about 110k and the quote feed at most
    /// FEED_CALL_GAS: 300k leaves each call its whole need under EIP-150's 63/64. Only an update that
    /// would record the market not live needs it: a live one is trusted whatever its gas, so gas
    /// estimation needs no margin.
    uint256 public constant MIN_UPDATE_GAS = 300_000;
    uint8 private constant DECIMALS = 18;

    /// @inheritdoc IMarketPriceFeed
    address public immutable pool;
    /// @inheritdoc IMarketPriceFeed
    address public immutable stablecoin;
    /// @inheritdoc IMarketPriceFeed
    address public immutable quoteToken;
    /// @inheritdoc IMarketPriceFeed
    address public immutable quoteFeed;
    bool internal immutable _stablecoinIsToken0;
    /// @dev 10^(18 + stablecoin decimals − quote decimals): the pool's raw ratio → a wad price.
    uint256 internal immutable _scale;
    uint256 internal immutable _quoteFeedDecimals;

    /// @dev A recorded round: its answer [wad] and time.
    struct Round {
        uint128 answer;
        uint40 updatedAt;
    }

    // Parameters, read by updates.
    uint32 internal _window; // [seconds] ≤ MAX_TWAP_WINDOW
    uint32 internal _quoteHeartbeat; // [seconds] ≤ MAX_HEARTBEAT
    uint128 internal _minLiquidity; // Uniswap L, ≤ MAX_MIN_LIQUIDITY

    // The update state, read by every reading: one slot.
    uint80 internal _latestRoundId;
    uint40 internal _lastUpdateAt;
    bytes4 internal _notLiveReason;

    mapping(uint256 roundId => Round) internal _rounds;

    /// @dev The pool must pair `stablecoin_` with another token and be initialised; the quote feed
    /// must answer `decimals()` (≤ MAX_FEED_DECIMALS) and a usable `latestRoundData()`. The window
    /// need not be covered yet: updates record the market as not live until it is.
    constructor(
        address pool_,
        address stablecoin_,
        address quoteFeed_,
        address admin,
        uint256 window_,
        uint256 minLiquidity_,
        uint256 quoteHeartbeat_
    ) {
        if (pool_ == address(0) || stablecoin_ == address(0) || quoteFeed_ == address(0) || admin == address(0)) {
            revert ErrorsLib.ZeroAddress();
        }
        address token0 = IUniswapV3Pool(pool_).token0();
        address token1 = IUniswapV3Pool(pool_).token1();
        if (token0 != stablecoin_ && token1 != stablecoin_) revert PoolTokensMismatch(token0, token1);
        (uint160 sqrtPriceX96, , , , , , ) = IUniswapV3Pool(pool_).slot0();
        if (sqrtPriceX96 == 0) revert PoolNotInitialized(pool_);
        (bool ok, uint256 feedDecimals) = FeedReaderLib.decimals(quoteFeed_);
        (bool readOk, int256 answer, , uint256 updatedAt) = FeedReaderLib.latestRound(quoteFeed_);
        if (
            !ok || feedDecimals > ConstantsLib.MAX_FEED_DECIMALS || !readOk || !FeedReaderLib.usable(answer, updatedAt)
        ) {
            revert InvalidQuoteFeed(quoteFeed_);
        }

        pool = pool_;
        stablecoin = stablecoin_;
        quoteFeed = quoteFeed_;
        _stablecoinIsToken0 = token0 == stablecoin_;
        quoteToken = _stablecoinIsToken0 ? token1 : token0;
        uint256 stableDecimals = IERC20Metadata(stablecoin_).decimals();
        uint256 quoteDecimals = IERC20Metadata(quoteToken).decimals();
        if (quoteDecimals > 18 + stableDecimals || 18 + stableDecimals - quoteDecimals > 36) {
            revert PoolTokensMismatch(token0, token1);
        }
        _scale = 10 ** (18 + stableDecimals - quoteDecimals);
        _quoteFeedDecimals = feedDecimals;

        _setWindow(window_, false);
        _setMinLiquidity(minLiquidity_);
        _setQuoteHeartbeat(quoteHeartbeat_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ updates

    /// @inheritdoc IMarketPriceFeed
    function update() external returns (bool live) {
        uint256 gasLeft = gasleft();
        uint256 last = _lastUpdateAt;
        if (last != 0 && block.timestamp < last + ROUND_PERIOD) revert UpdateTooSoon(last + ROUND_PERIOD);

        uint256 window_ = _window;
        (bytes memory err, uint256 poolPrice, uint256 liquidity) = _consult(window_, 0);
        uint256 quotePrice;
        if (err.length == 0) {
            uint256 minLiq = _minLiquidity;
            PriceStatus status;
            (status, quotePrice, ) = FeedReaderLib.readPrice(
                quoteFeed,
                _quoteFeedDecimals,
                _quoteHeartbeat,
                1,
                type(uint128).max
            );
            if (liquidity < minLiq) err = abi.encodeWithSelector(LiquidityTooThin.selector, liquidity, minLiq);
            else if (status != PriceStatus.Live)
                err = abi.encodeWithSelector(QuotePriceUnavailable.selector, quoteFeed);
        }

        // Safe: timestamps fit 40 bits for 34,000 years.
        _lastUpdateAt = uint40(block.timestamp);
        if (err.length != 0) {
            // A caller holding too little gas might have starved a call into this failure.
            if (gasLeft < MIN_UPDATE_GAS) revert UpdateGasTooLow(gasLeft, MIN_UPDATE_GAS);
            _notLiveReason = bytes4(err);
            emit MarketUnavailable(err);
            return false;
        }
        // An answer beyond 2^128 is far outside any adapter bounds: saturated, it reads OutOfBounds.
        uint256 answer = MathLib.min(poolPrice, type(uint128).max).wadMulDown(quotePrice);
        if (answer > type(uint128).max) answer = type(uint128).max;
        uint256 id = _latestRoundId + 1;
        // Safe: answer ≤ 2^128 − 1 (above); one id per ROUND_PERIOD never reaches 2^80.
        _rounds[id] = Round({answer: uint128(answer), updatedAt: uint40(block.timestamp)});
        _latestRoundId = uint80(id);
        _notLiveReason = bytes4(0);
        emit RoundRecorded(id, answer, poolPrice, quotePrice, liquidity, window_);
        return true;
    }

    // ------------------------------------------------------------------ AggregatorV3Interface

    /// @notice 18: answers are wad USD prices.
    function decimals() external pure returns (uint8) {
        return DECIMALS;
    }

    function description() external pure returns (string memory) {
        return "BDOL / USD (Uniswap v3 TWAP x quote / USD)";
    }

    function version() external pure returns (uint256) {
        return 2;
    }

    /// @notice The latest recorded round. Reverts `MarketNotLive` when the last update found the
    /// market not live, `NoRound` before the first round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        bytes4 reason = _notLiveReason;
        if (reason != bytes4(0)) revert MarketNotLive(reason);
        uint256 id = _latestRoundId;
        if (id == 0) revert NoRound();
        return _round(id);
    }

    /// @notice Recorded round `roundId`. Reverts `UnknownRound` for id 0 or after the latest.
    function getRoundData(
        uint80 roundId
    ) external view returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) {
        if (roundId == 0 || roundId > _latestRoundId) revert UnknownRound(roundId);
        return _round(roundId);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IMarketPriceFeed
    function updateState() external view returns (uint256, uint256, bytes4) {
        return (_latestRoundId, _lastUpdateAt, _notLiveReason);
    }

    /// @inheritdoc IMarketPriceFeed
    function consult(
        uint256 window_,
        uint256 endAgo
    ) external view returns (uint256 priceWad, uint256 harmonicMeanLiquidity) {
        if (window_ == 0) revert ErrorsLib.ZeroAmount();
        ErrorsLib.checkBounds(window_ + endAgo, 1, type(uint32).max);
        bytes memory err;
        (err, priceWad, harmonicMeanLiquidity) = _consult(window_, endAgo);
        _revertWith(err);
    }

    /// @inheritdoc IMarketPriceFeed
    function spotPrice() external view returns (uint256) {
        (uint160 sqrtPriceX96, , , , , , ) = IUniswapV3Pool(pool).slot0();
        return PoolPriceLib.priceAtSqrtPrice(sqrtPriceX96, _stablecoinIsToken0, _scale);
    }

    /// @inheritdoc IMarketPriceFeed
    function window() external view returns (uint256) {
        return _window;
    }

    /// @inheritdoc IMarketPriceFeed
    function minLiquidity() external view returns (uint256) {
        return _minLiquidity;
    }

    /// @inheritdoc IMarketPriceFeed
    function quoteHeartbeat() external view returns (uint256) {
        return _quoteHeartbeat;
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IMarketPriceFeed
    function setWindow(uint256 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newWindow == _window) revert ErrorsLib.NoChange();
        _setWindow(newWindow, true);
    }

    /// @inheritdoc IMarketPriceFeed
    function setMinLiquidity(uint256 newMinLiquidity) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newMinLiquidity == _minLiquidity) revert ErrorsLib.NoChange();
        _setMinLiquidity(newMinLiquidity);
    }

    /// @inheritdoc IMarketPriceFeed
    function setQuoteHeartbeat(uint256 newHeartbeat) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newHeartbeat == _quoteHeartbeat) revert ErrorsLib.NoChange();
        _setQuoteHeartbeat(newHeartbeat);
    }

    // ------------------------------------------------------------------ internals

    function _round(uint256 id) internal view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[id];
        // Safe: id ≤ _latestRoundId < 2^80; the answer is below 2^128.
        return (uint80(id), int256(uint256(r.answer)), r.updatedAt, r.updatedAt, uint80(id));
    }

    /// @dev The pool's TWAP [wad, the stablecoin in the quote token] and harmonic-mean liquidity over
    /// [now − endAgo − window_, now − endAgo], or the ABI-encoded reason it has none
    /// (`PoolNotInitialized`, `ObservationsTooShort`).
    function _consult(uint256 window_, uint256 endAgo) internal view returns (bytes memory, uint256, uint256) {
        uint32[] memory secondsAgos = new uint32[](2);
        // Safe: window_ ≤ MAX_TWAP_WINDOW, or window_ + endAgo checked by `consult`.
        secondsAgos[0] = uint32(window_ + endAgo);
        secondsAgos[1] = uint32(endAgo);
        try IUniswapV3Pool(pool).observe(secondsAgos) returns (
            int56[] memory tickCumulatives,
            uint160[] memory secondsPerLiquidityX128
        ) {
            int24 tick = PoolPriceLib.meanTick(tickCumulatives[1] - tickCumulatives[0], window_);
            uint160 liquidityDelta;
            // The accumulator wraps by design (Uniswap subtracts it unchecked too).
            unchecked {
                liquidityDelta = secondsPerLiquidityX128[1] - secondsPerLiquidityX128[0];
            }
            return (
                "",
                PoolPriceLib.priceAtTick(tick, _stablecoinIsToken0, _scale),
                PoolPriceLib.harmonicMeanLiquidity(liquidityDelta, window_)
            );
        } catch {
            return (_unavailable(window_ + endAgo), 0, 0);
        }
    }

    /// @dev Why `observe` failed: the pool is not initialised, or its oldest observation is younger
    /// than `required` seconds. Neither (a call starved of gas, which MIN_UPDATE_GAS rules out in
    /// updates): reverts `ObservationFailed` rather than blame the market.
    function _unavailable(uint256 required) internal view returns (bytes memory) {
        IUniswapV3Pool p = IUniswapV3Pool(pool);
        (uint160 sqrtPriceX96, , uint16 index, uint16 cardinality, , , ) = p.slot0();
        if (sqrtPriceX96 == 0 || cardinality == 0) return abi.encodeWithSelector(PoolNotInitialized.selector, pool);
        (uint32 oldest, , , bool initialized) = p.observations((uint256(index) + 1) % cardinality);
        if (!initialized) (oldest, , , ) = p.observations(0);
        uint256 available = block.timestamp - oldest;
        if (available < required) return abi.encodeWithSelector(ObservationsTooShort.selector, available, required);
        revert ObservationFailed();
    }

    /// @dev Reverts with `err` (an ABI-encoded custom error) unless it is empty.
    function _revertWith(bytes memory err) internal pure {
        if (err.length == 0) return;
        assembly ("memory-safe") {
            revert(add(err, 0x20), mload(err))
        }
    }

    function _setWindow(uint256 newWindow, bool checkCovered) internal {
        ErrorsLib.checkBounds(newWindow, ConstantsLib.MIN_TWAP_WINDOW, ConstantsLib.MAX_TWAP_WINDOW);
        if (checkCovered) {
            (bytes memory err, , ) = _consult(newWindow, 0);
            _revertWith(err);
        }
        emit WindowSet(_window, newWindow);
        // Safe: ≤ MAX_TWAP_WINDOW < 2^32.
        _window = uint32(newWindow);
    }

    function _setMinLiquidity(uint256 newMinLiquidity) internal {
        ErrorsLib.checkBounds(newMinLiquidity, ConstantsLib.MIN_MIN_LIQUIDITY, ConstantsLib.MAX_MIN_LIQUIDITY);
        emit MinLiquiditySet(_minLiquidity, newMinLiquidity);
        // Safe: ≤ MAX_MIN_LIQUIDITY < 2^128.
        _minLiquidity = uint128(newMinLiquidity);
    }

    function _setQuoteHeartbeat(uint256 newHeartbeat) internal {
        ErrorsLib.checkBounds(newHeartbeat, ConstantsLib.MIN_HEARTBEAT, ConstantsLib.MAX_HEARTBEAT);
        emit QuoteHeartbeatSet(_quoteHeartbeat, newHeartbeat);
        // Safe: ≤ MAX_HEARTBEAT < 2^32.
        _quoteHeartbeat = uint32(newHeartbeat);
    }
}

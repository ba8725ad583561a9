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
/// Chainlink feed. See {IMarketPriceFeed}.
/// @dev Gas. A reading loads this contract's one parameter slot, calls the pool's `observe` (its
/// `slot0`, the observation at the window's start found by binary search over the observation ring:
/// at most 16 steps of 2 slots) and the quote feed. The current round ends now, which Uniswap answers
/// from the latest observation without a search.
contract MarketPriceFeed is IMarketPriceFeed, AccessControl {
    using MathLib for uint256;

    /// @inheritdoc IMarketPriceFeed
    uint256 public constant ROUND_PERIOD = 10 minutes;
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

    // One slot, read by every reading.
    uint32 internal _window; // [seconds] ≤ MAX_TWAP_WINDOW
    uint32 internal _quoteHeartbeat; // [seconds] ≤ MAX_HEARTBEAT
    uint128 internal _minLiquidity; // Uniswap L, ≤ MAX_MIN_LIQUIDITY

    /// @dev The pool must pair `stablecoin_` with another token and be initialised; the quote feed
    /// must answer `decimals()` (≤ MAX_FEED_DECIMALS). The window need not be covered yet: a young
    /// pool reads as not live until it is.
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

    // ------------------------------------------------------------------ AggregatorV3Interface

    /// @notice 18: answers are wad USD prices.
    function decimals() external pure returns (uint8) {
        return DECIMALS;
    }

    function description() external pure returns (string memory) {
        return "BDOL / USD (Uniswap v3 TWAP x quote / USD)";
    }

    function version() external pure returns (uint256) {
        return 1;
    }

    /// @notice The current round: the TWAP over the window ending now. Reverts when not live (see
    /// {IMarketPriceFeed}).
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        uint256 id = block.timestamp / ROUND_PERIOD;
        return _round(id, block.timestamp);
    }

    /// @notice Round `roundId` (see the rounds in {IMarketPriceFeed}). Reverts `UnknownRound` for id 0
    /// or a future round, and as a reading does when its window is not available or not live.
    function getRoundData(
        uint80 roundId
    ) external view returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) {
        uint256 current = block.timestamp / ROUND_PERIOD;
        if (roundId == 0 || roundId > current) revert UnknownRound(roundId);
        uint256 end = roundId == current ? block.timestamp : (uint256(roundId) + 1) * ROUND_PERIOD - 1;
        return _round(roundId, end);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IMarketPriceFeed
    function consult(
        uint256 window_,
        uint256 endAgo
    ) external view returns (uint256 priceWad, uint256 harmonicMeanLiquidity) {
        if (window_ == 0) revert ErrorsLib.ZeroAmount();
        ErrorsLib.checkBounds(window_ + endAgo, 1, type(uint32).max);
        return _consult(window_, endAgo);
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

    /// @dev Round `id` as the TWAP over the window ending at `end` (≤ now) times the quote price.
    function _round(
        uint256 id,
        uint256 end
    ) internal view returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80) {
        uint256 minLiq = _minLiquidity;
        (uint256 poolPrice, uint256 liquidity) = _consult(_window, block.timestamp - end);
        if (liquidity < minLiq) revert LiquidityTooThin(liquidity, minLiq);
        (PriceStatus status, uint256 quotePrice, ) = FeedReaderLib.readPrice(
            quoteFeed,
            _quoteFeedDecimals,
            _quoteHeartbeat,
            1,
            type(uint128).max
        );
        if (status != PriceStatus.Live) revert QuotePriceUnavailable(quoteFeed);
        // Safe: both factors are below 2^128, so the product fits int256; id < 2^80 (a timestamp / 600).
        answer = int256(poolPrice.wadMulDown(quotePrice));
        return (uint80(id), answer, id * ROUND_PERIOD, end, uint80(id));
    }

    /// @dev The pool's TWAP [wad, the stablecoin in the quote token] and harmonic-mean liquidity over
    /// [now − endAgo − window_, now − endAgo]. Maps the pool's string reverts to this contract's errors.
    function _consult(uint256 window_, uint256 endAgo) internal view returns (uint256, uint256) {
        uint32[] memory secondsAgos = new uint32[](2);
        // Safe: window_ ≤ MAX_TWAP_WINDOW or checked by `consult`, endAgo ≤ ROUND_PERIOD · rounds.
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
                PoolPriceLib.priceAtTick(tick, _stablecoinIsToken0, _scale),
                PoolPriceLib.harmonicMeanLiquidity(liquidityDelta, window_)
            );
        } catch {
            _revertUnavailable(window_ + endAgo);
        }
    }

    /// @dev Why `observe` failed: the pool is not initialised, or its oldest observation is younger
    /// than `required` seconds.
    function _revertUnavailable(uint256 required) internal view {
        IUniswapV3Pool p = IUniswapV3Pool(pool);
        (uint160 sqrtPriceX96, , uint16 index, uint16 cardinality, , , ) = p.slot0();
        if (sqrtPriceX96 == 0 || cardinality == 0) revert PoolNotInitialized(pool);
        (uint32 oldest, , , bool initialized) = p.observations((uint256(index) + 1) % cardinality);
        if (!initialized) (oldest, , , ) = p.observations(0);
        revert ObservationsTooShort(block.timestamp - oldest, required);
    }

    function _setWindow(uint256 newWindow, bool checkCovered) internal {
        ErrorsLib.checkBounds(newWindow, ConstantsLib.MIN_TWAP_WINDOW, ConstantsLib.MAX_TWAP_WINDOW);
        if (checkCovered) _consult(newWindow, 0);
        emit WindowSet(_window, newWindow);
        // Safe: ≤ MAX_TWAP_WINDOW < 2^32.
        _window = uint32(newWindow);
    }

    function _setMinLiquidity(uint256 newMinLiquidity) internal {
        ErrorsLib.checkBounds(newMinLiquidity, 1, ConstantsLib.MAX_MIN_LIQUIDITY);
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

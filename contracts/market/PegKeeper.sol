// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

import {IPegKeeper} from "../interfaces/IPegKeeper.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {IMarketPriceFeed} from "../interfaces/IMarketPriceFeed.sol";
import {IBallastDollar} from "../interfaces/IBallastDollar.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {StrategyLib} from "../libraries/StrategyLib.sol";
import {PoolPriceLib} from "./PoolPriceLib.sol";

/// @title PegKeeper
/// @notice Protocol-owned liquidity that trades the stablecoin's pool back to the peg. See {IPegKeeper}.
contract PegKeeper is IPegKeeper, AccessControl, ReentrancyGuardTransient, IUniswapV3SwapCallback {
    using SafeERC20 for IERC20;
    using MathLib for uint256;

    uint256 private constant WAD = 1e18;
    /// @dev One tick of the pool (1.0001): the TWAP's resolution (its mean tick is floored).
    uint256 private constant ONE_TICK = 1e14;
    /// @dev Who pays the running swap's input (`_payer`): nobody (no swap of ours), the keeper, the reserve.
    uint8 private constant NO_SWAP = 0;
    uint8 private constant KEEPER_PAYS = 1;
    uint8 private constant RESERVE_PAYS = 2;
    /// @inheritdoc IPegKeeper
    uint256 public constant MAX_PAUSE = 7 days;
    /// @inheritdoc IPegKeeper
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @inheritdoc IPegKeeper
    address public immutable stablecoin;
    /// @inheritdoc IPegKeeper
    address public immutable pool;
    /// @inheritdoc IPegKeeper
    address public immutable marketFeed;
    /// @inheritdoc IPegKeeper
    address public immutable oracle;
    /// @inheritdoc IPegKeeper
    address public immutable reserve;
    /// @inheritdoc IPegKeeper
    address public immutable quoteToken;
    bool internal immutable _coinIsToken0;
    /// @dev 10^(18 − quote decimals): quote raw units → wad.
    uint256 internal immutable _quoteScale;
    /// @dev 10^(36 − quote decimals): the pool's raw ratio → a wad price of the coin in the quote token.
    uint256 internal immutable _priceScale;
    /// @dev 2 × the pool's fee [wad]: the limits' distance from the peg, below every band.
    uint256 internal immutable _fee2;
    /// @dev How far the spot may sit above / below the TWAP for the pool to count as settled [wad]:
    /// the TWAP's mean tick is floored, so it reads up to a tick low when the coin is token0 (its
    /// price rises with the tick) and up to a tick high when it is token1; below, also 2 × fee.
    uint256 internal immutable _settledAbove;
    uint256 internal immutable _settledBelow;

    Rules internal _rules;
    /// @inheritdoc IPegKeeper
    uint256 public debt;
    // One slot, written by every update, so that an update reads the buy-back limit warm.
    // Timestamps fit 40 bits until the year 36812; the limit is ≤ MAX_BUY_BACK_LIMIT = 1e25 < 2^96.
    uint40 internal _lastUpdateAt; // [s]
    uint40 internal _mintingPausedUntil; // [s]
    /// @dev End of the guardian's last pause: it may pause again MAX_PAUSE after it.
    uint40 internal _guardianPauseEnd; // [s]
    uint96 internal _buyBackLimit; // [wad, USD at $1 a quote unit, per BUY_BACK_WINDOW]
    // One slot: the buy-back bucket, ≤ the limit < 2^96.
    uint96 internal _buyBackBucket; // [wad] available at `_buyBackBucketAt`
    uint40 internal _buyBackBucketAt; // [s]
    /// @dev Set only while this contract's own swap runs (to who pays it): the callback is accepted then only.
    uint8 internal transient _payer;

    constructor(address marketFeed_, address oracle_, address reserve_, address admin, Rules memory rules_) {
        if (marketFeed_ == address(0) || oracle_ == address(0) || reserve_ == address(0) || admin == address(0)) {
            revert ErrorsLib.ZeroAddress();
        }
        IMarketPriceFeed feed = IMarketPriceFeed(marketFeed_);
        pool = feed.pool();
        stablecoin = feed.stablecoin();
        quoteToken = feed.quoteToken();
        marketFeed = marketFeed_;
        oracle = oracle_;
        reserve = reserve_;
        _coinIsToken0 = IUniswapV3Pool(pool).token0() == stablecoin;
        uint256 coinDecimals = IERC20Metadata(stablecoin).decimals();
        uint256 quoteDecimals = IERC20Metadata(quoteToken).decimals();
        if (coinDecimals != 18 || quoteDecimals > 18) revert PoolMismatch(pool);
        _quoteScale = 10 ** (18 - quoteDecimals);
        _priceScale = 10 ** (36 - quoteDecimals);
        // 2 × the fee (in hundredths of a bip) as a wad.
        _fee2 = uint256(IUniswapV3Pool(pool).fee()) * 2e12;
        _settledAbove = _coinIsToken0 ? ONE_TICK : 0;
        _settledBelow = _fee2 + (_coinIsToken0 ? 0 : ONE_TICK);
        _setRules(rules_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ update

    /// @inheritdoc IPegKeeper
    function update() external nonReentrant returns (uint256 profit) {
        Rules memory r = _rules;
        uint256 next = uint256(_lastUpdateAt) + r.interval;
        if (_lastUpdateAt != 0 && block.timestamp < next) revert UpdateTooSoon(next);
        _lastUpdateAt = uint40(block.timestamp);

        (uint256 quotePrice, PriceStatus status) = IOracleAdapter(oracle).getPrice(quoteToken);
        if (status != PriceStatus.Live || _gap(quotePrice, WAD) > ConstantsLib.PEG_KEEPER_QUOTE_TOLERANCE) {
            revert QuoteNotAtPar(quotePrice, uint8(status));
        }
        IMarketPriceFeed feed = IMarketPriceFeed(marketFeed);
        (uint256 twap, ) = feed.consult(feed.window(), 0);
        uint256 spot = feed.spotPrice();
        if (_gap(spot, twap) > r.maxSpread) revert PricesDisagree(spot, twap);
        (uint256 coinPrice, PriceStatus coinStatus) = IOracleAdapter(oracle).getPrice(stablecoin);
        uint256 twapUsd = twap.wadMulDown(quotePrice);
        if (coinStatus != PriceStatus.Live || _gap(coinPrice, twapUsd) > r.maxSpread) {
            revert OracleDisagrees(coinPrice, uint8(coinStatus), twapUsd);
        }

        // The band is judged in USD; the limits hold in both units: every coin is sold at a price of
        // at least 1 + 2 × fee in the quote token and in USD (more than 1 of each after the pool's
        // fee), every coin bought back at most 1 − 2 × fee of both (less than 1 with the fee).
        uint256 spotUsd = spot.wadMulDown(quotePrice);
        uint256 excessBefore = excess();
        uint256 coinProfit;
        if (twapUsd > WAD + r.band && spotUsd > WAD + r.band) {
            uint256 limit = MathLib.max(WAD + _fee2, (WAD + _fee2).wadDivUp(quotePrice));
            if (spot <= limit) revert NothingToDo(spot, twap);
            _provide(r, twap, spot, limit);
        } else if (twapUsd < WAD - r.band && spotUsd < WAD - r.band) {
            uint256 limit = MathLib.min(WAD - _fee2, (WAD - _fee2).wadDivDown(quotePrice));
            if (spot >= limit) revert NothingToDo(spot, twap);
            bool withdrew;
            bool stopped;
            (coinProfit, withdrew, stopped) = _withdraw(r, twap, spot, _sqrtPriceAt(limit));
            // The reserve's quote token follows only once the keeper's own is spent: it had none to
            // spend, or its swap took all of it without reaching the limit.
            bool boughtBack = !stopped && _buyBackLimit != 0 && _buyBack(r, twap, spot, limit);
            if (!withdrew && !boughtBack) revert NothingToDo(spot, twap);
        } else {
            revert NothingToDo(spot, twap);
        }

        uint256 held = quoteHeld();
        if (held * _quoteScale < debt) revert Unbacked(held, debt);
        uint256 excessAfter = excess();
        profit = (excessAfter > excessBefore ? excessAfter - excessBefore : 0) + coinProfit;
        _payProfit(r, profit, coinProfit);
    }

    /// @dev Above the peg: sell newly minted coin into the pool down to `limit` [wad, quote per coin].
    function _provide(Rules memory r, uint256 twap, uint256 spot, uint256 limit) internal {
        uint256 until = _mintingPausedUntil;
        if (until > block.timestamp) revert MintingIsPaused(until);
        uint256 cap = r.debtCap;
        if (debt >= cap) revert DebtCapReached(debt, cap);
        uint256 amount = MathLib.min(cap - debt, r.maxPerUpdate);
        uint256 quoteBefore = quoteHeld();
        (int256 coinPaid, ) = _swap(true, amount, _sqrtPriceAt(limit), address(this), KEEPER_PAYS);
        // Safe: the pool owes nothing on the input side and took at most `amount` > 0.
        uint256 minted = uint256(coinPaid);
        uint256 received = quoteHeld() - quoteBefore;
        emit Provided(minted, received, twap, spot, debt);
    }

    /// @dev Below the peg: buy coin from the pool up to `limit` with quote worth at most the debt and
    /// `maxPerUpdate`, burn up to the debt. Returns the coin bought beyond the debt, whether it
    /// bought, and whether its swap stopped at the limit (the pool took less than offered).
    function _withdraw(
        Rules memory r,
        uint256 twap,
        uint256 spot,
        uint160 limit
    ) internal returns (uint256 coinProfit, bool withdrew, bool stopped) {
        uint256 owed = debt;
        if (owed == 0) return (0, false, false);
        uint256 spend = MathLib.min(MathLib.min(owed, r.maxPerUpdate) / _quoteScale, quoteHeld());
        if (spend == 0) return (0, false, false);
        uint256 coinBefore = IERC20(stablecoin).balanceOf(address(this));
        (, int256 quotePaid) = _swap(false, spend, limit, address(this), KEEPER_PAYS);
        uint256 bought = IERC20(stablecoin).balanceOf(address(this)) - coinBefore;
        uint256 burnt = MathLib.min(bought, debt);
        debt -= burnt;
        IBallastDollar(stablecoin).burn(address(this), burnt);
        coinProfit = bought - burnt;
        // Safe: the quote side is the input here, owed to the pool (positive).
        emit Withdrawn(bought, uint256(quotePaid), burnt, twap, spot, debt);
        // Nothing paid (no liquidity between the spot and the limit) is not an action.
        return (coinProfit, quotePaid > 0, uint256(quotePaid) < spend);
    }

    /// @dev Below the peg, after `_withdraw`: the reserve's liquid quote token buys coin from the pool
    /// up to `limit` [wad, quote per coin] and the step bound, at most the buy-back bucket and
    /// `maxPerUpdate`; the pool sends the coin to the reserve and the reserve pays the pool in the
    /// callback. Against a sandwich it acts only when the update found the pool settled — the spot
    /// at most 2 × fee below the TWAP and not above it, up to the TWAP's one-tick rounding — and never
    /// buys above TWAP × (1 + maxSpread). The bucket is debited what was offered before
    /// the swap and credited what the pool did not take after it. Returns whether the reserve paid.
    function _buyBack(Rules memory r, uint256 twap, uint256 spot, uint256 limit) internal returns (bool) {
        if (spot > twap.wadMulUp(WAD + _settledAbove) || spot < twap.wadMulDown(WAD - _settledBelow)) return false;
        uint160 sqrtLimit = _sqrtPriceAt(MathLib.min(limit, twap.wadMulDown(WAD + r.maxSpread)));
        (uint160 sqrtPrice, , , , , , ) = IUniswapV3Pool(pool).slot0();
        // Buying the coin raises its price: the sqrt price rises when it is token0, falls otherwise.
        if (_coinIsToken0 ? sqrtPrice >= sqrtLimit : sqrtPrice <= sqrtLimit) return false;
        address reserve_ = reserve;
        uint256 funds = IReservePool(reserve_).buyBackFunds(address(this));
        uint256 available = availableBuyBack();
        uint256 spend = MathLib.min(MathLib.min(available, r.maxPerUpdate) / _quoteScale, funds);
        if (spend == 0) return false;
        // ≤ available ≤ the limit < 2^96; the time fits 40 bits (see the slot).
        _buyBackBucket = uint96(available - spend * _quoteScale);
        _buyBackBucketAt = uint40(block.timestamp);
        uint256 coinBefore = IERC20(stablecoin).balanceOf(reserve_);
        _swap(false, spend, sqrtLimit, reserve_, RESERVE_PAYS);
        // What the pool took from the reserve and sent it, by balance: `funds` was its balance.
        uint256 spent = funds - IERC20(quoteToken).balanceOf(reserve_);
        uint256 bought = IERC20(stablecoin).balanceOf(reserve_) - coinBefore;
        // spent ≤ spend: the pool takes at most the exact input offered (checked by the subtraction).
        uint256 left = available - spent * _quoteScale;
        _buyBackBucket = uint96(left);
        if (spent == 0) return false;
        emit BoughtBackForReserve(spent, bought, twap, spot, left);
        return true;
    }

    /// @dev An exact-input swap of `amount` of the coin (`sellCoin`) or the quote token against the
    /// pool, stopping at `limit`, the output to `recipient`, the input paid by `payer` in the callback.
    /// Returns what was paid in each: (coin, quote), positive = paid.
    function _swap(
        bool sellCoin,
        uint256 amount,
        uint160 limit,
        address recipient,
        uint8 payer
    ) internal returns (int256 coinPaid, int256 quotePaid) {
        // Selling the coin lowers its price: token0 → token1 when it is token0.
        bool zeroForOne = sellCoin == _coinIsToken0;
        _payer = payer;
        // Safe: amount ≤ MAX_PEG_KEEPER_CAP < 2^255.
        (int256 amount0, int256 amount1) = IUniswapV3Pool(pool).swap(recipient, zeroForOne, int256(amount), limit, "");
        _payer = NO_SWAP;
        (coinPaid, quotePaid) = _coinIsToken0 ? (amount0, amount1) : (amount1, amount0);
    }

    /// @notice The pool's callback: pays what the swap owes — the coin by minting it to the pool (the
    /// keeper's debt grows by exactly that), the quote token from its holdings, or from the reserve's
    /// during a buy-back for the reserve.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        uint8 payer = _payer;
        if (msg.sender != pool || payer == NO_SWAP) revert NotPool(msg.sender);
        (int256 coinOwed, int256 quoteOwed) = _coinIsToken0
            ? (amount0Delta, amount1Delta)
            : (amount1Delta, amount0Delta);
        if (payer == RESERVE_PAYS) {
            // Buying coin: only the quote side is owed, exactly what the reserve pays.
            // Safe: positive.
            if (quoteOwed > 0) IReservePool(reserve).payBuyBack(pool, uint256(quoteOwed));
            return;
        }
        if (coinOwed > 0) {
            // Safe: positive.
            debt += uint256(coinOwed);
            IBallastDollar(stablecoin).mint(pool, uint256(coinOwed));
        }
        if (quoteOwed > 0) IERC20(quoteToken).safeTransfer(pool, uint256(quoteOwed));
    }

    /// @dev The caller's share of `profit`, paid in the quote token it holds beyond the debt and then
    /// in the coin bought beyond the debt; the rest of both to the reserve.
    function _payProfit(Rules memory r, uint256 profit, uint256 coinProfit) internal {
        uint256 reward = profit.wadMulDown(r.callerShare);
        uint256 spareQuote = excess() / _quoteScale;
        uint256 rewardQuote = MathLib.min(reward / _quoteScale, spareQuote);
        uint256 rewardCoin = MathLib.min(reward - rewardQuote * _quoteScale, coinProfit);
        if (rewardQuote != 0) IERC20(quoteToken).safeTransfer(msg.sender, rewardQuote);
        if (rewardCoin != 0) IERC20(stablecoin).safeTransfer(msg.sender, rewardCoin);
        uint256 quoteToReserve = spareQuote - rewardQuote;
        uint256 coinToReserve = coinProfit - rewardCoin;
        if (quoteToReserve != 0) IERC20(quoteToken).safeTransfer(reserve, quoteToReserve);
        if (coinToReserve != 0) IERC20(stablecoin).safeTransfer(reserve, coinToReserve);
        emit ProfitPaid(msg.sender, profit, rewardQuote, rewardCoin, quoteToReserve, coinToReserve);
    }

    /// @dev The pool's sqrt price at which the coin costs `priceWad` of the quote token.
    function _sqrtPriceAt(uint256 priceWad) internal view returns (uint160) {
        return PoolPriceLib.sqrtPriceAtPrice(priceWad, _coinIsToken0, _priceScale);
    }

    /// @dev |a − b| / b [wad, rounded down].
    function _gap(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a > b ? a - b : b - a).wadDivDown(b);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPegKeeper
    function quoteHeld() public view returns (uint256) {
        return IERC20(quoteToken).balanceOf(address(this));
    }

    /// @inheritdoc IPegKeeper
    function excess() public view returns (uint256) {
        uint256 held = quoteHeld() * _quoteScale;
        return held > debt ? held - debt : 0;
    }

    /// @inheritdoc IPegKeeper
    function nextUpdateAt() external view returns (uint256) {
        return _lastUpdateAt == 0 ? 0 : uint256(_lastUpdateAt) + _rules.interval;
    }

    /// @inheritdoc IPegKeeper
    function buyBackLimit() external view returns (uint256) {
        return _buyBackLimit;
    }

    /// @inheritdoc IPegKeeper
    function availableBuyBack() public view returns (uint256) {
        return StrategyLib.refilled(_buyBackBucket, _buyBackBucketAt, _buyBackLimit, ConstantsLib.BUY_BACK_WINDOW);
    }

    /// @inheritdoc IPegKeeper
    function mintingPausedUntil() external view returns (uint256) {
        return _mintingPausedUntil;
    }

    /// @inheritdoc IPegKeeper
    function rules() external view returns (Rules memory) {
        return _rules;
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IPegKeeper
    function setRules(Rules calldata newRules) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (keccak256(abi.encode(newRules)) == keccak256(abi.encode(_rules))) revert ErrorsLib.NoChange();
        _setRules(newRules);
    }

    /// @inheritdoc IPegKeeper
    function setBuyBackLimit(uint256 newLimit) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 oldLimit = _buyBackLimit;
        if (newLimit == oldLimit) revert ErrorsLib.NoChange();
        ErrorsLib.checkBounds(newLimit, 0, ConstantsLib.MAX_BUY_BACK_LIMIT);
        // Refill up to now at the old limit first; a raise adds its difference at once, a cut caps it.
        uint256 available = availableBuyBack();
        if (newLimit > oldLimit) available += newLimit - oldLimit;
        // ≤ newLimit ≤ MAX_BUY_BACK_LIMIT < 2^96; the time fits 40 bits (see the slot).
        _buyBackBucket = uint96(MathLib.min(available, newLimit));
        _buyBackBucketAt = uint40(block.timestamp);
        _buyBackLimit = uint96(newLimit);
        emit BuyBackLimitSet(oldLimit, newLimit);
    }

    /// @inheritdoc IPegKeeper
    function pauseMinting() external {
        bool governance = hasRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (!governance && !hasRole(GUARDIAN_ROLE, msg.sender)) revert NotGuardian(msg.sender);
        uint256 until = _mintingPausedUntil;
        if (!governance) {
            if (until > block.timestamp) revert AlreadyPaused(until);
            uint256 again = _guardianPauseEnd == 0 ? 0 : uint256(_guardianPauseEnd) + MAX_PAUSE;
            if (block.timestamp < again) revert PauseCoolingDown(again);
            // Safe: a timestamp plus 7 days fits 40 bits (see the slot).
            _guardianPauseEnd = uint40(block.timestamp + MAX_PAUSE);
        }
        until = block.timestamp + MAX_PAUSE;
        // Safe: a timestamp plus 7 days fits 40 bits (see the slot).
        _mintingPausedUntil = uint40(until);
        emit MintingPaused(msg.sender, until);
    }

    /// @inheritdoc IPegKeeper
    function unpauseMinting() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_mintingPausedUntil <= block.timestamp) revert ErrorsLib.NoChange();
        _mintingPausedUntil = 0;
        emit MintingUnpaused(msg.sender);
    }

    function _setRules(Rules memory r) internal {
        ErrorsLib.checkBounds(r.debtCap, 0, ConstantsLib.MAX_PEG_KEEPER_CAP);
        ErrorsLib.checkBounds(r.maxPerUpdate, 1, ConstantsLib.MAX_PEG_KEEPER_CAP);
        // The band lies beyond the limits (1 ± 2 × fee), so a price outside it is on the far side of them.
        ErrorsLib.checkBounds(
            r.band,
            MathLib.max(ConstantsLib.MIN_PEG_KEEPER_BAND, _fee2 + 1),
            ConstantsLib.MAX_PEG_KEEPER_BAND
        );
        ErrorsLib.checkBounds(r.maxSpread, ConstantsLib.MIN_PEG_KEEPER_SPREAD, ConstantsLib.MAX_PEG_KEEPER_SPREAD);
        ErrorsLib.checkBounds(r.callerShare, 0, ConstantsLib.MAX_PEG_KEEPER_CALLER_SHARE);
        ErrorsLib.checkBounds(r.interval, ConstantsLib.MIN_PEG_KEEPER_INTERVAL, ConstantsLib.MAX_PEG_KEEPER_INTERVAL);
        emit RulesSet(_rules, r);
        _rules = r;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ConstantsLib
/// @notice Units and the hard bounds that governance can never move a parameter past. Every setter
/// in the protocol checks its value against a bound named here.
library ConstantsLib {
    /// @dev Fixed-point base for amounts, USD prices and ratios (1e18 = 1.0 = 100 %).
    uint256 internal constant WAD = 1e18;
    /// @dev Fixed-point base for per-second rates and rate accumulators.
    uint256 internal constant RAY = 1e27;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    // ---------------------------------------------------------------- vault manager
    /// @dev A liquidation ratio below 100 % would let debt exceed collateral value.
    uint256 internal constant MIN_LIQUIDATION_RATIO = 1e18;
    uint256 internal constant MAX_LIQUIDATION_RATIO = 5e18;
    /// @dev The borrow ratio (initial margin) is at least the liquidation ratio and at most this.
    uint256 internal constant MAX_BORROW_RATIO = 10e18;
    /// @dev Largest move of the liquidation ratio in one governance call: a jump would make
    /// healthy vaults liquidatable at once.
    uint256 internal constant MAX_LIQUIDATION_RATIO_STEP = 0.1e18;
    uint256 internal constant MAX_LIQUIDATION_PENALTY = 0.25e18;
    /// @dev A stepped parameter (liquidation ratio, penalty) changes at most once in this interval,
    /// so a batch of steps in one proposal cannot add up to a jump.
    uint256 internal constant MIN_STEP_INTERVAL = 1 days;
    /// @dev Largest move of the liquidation penalty in one governance call.
    uint256 internal constant MAX_LIQUIDATION_PENALTY_STEP = 0.05e18;
    /// @dev Per-second stability fee of 100 % a year: (1 + r)^(365 days) = 2.
    uint256 internal constant MAX_STABILITY_FEE = 1_000000021979553151239153027;
    /// @dev The rate accumulator saturates here (a debt grows at most a billion-fold; at the maximum
    /// fee after about 30 years, at 10 % a year after about 217): from then on no interest accrues,
    /// and the accrual arithmetic never reverts (every product stays far below 2^256, accrued fees
    /// below 2^128), so repaying and closing always work. Fits the packed uint120 (< 1.33e36).
    uint256 internal constant MAX_RATE_ACCUMULATOR = 1_000_000_000e27;
    /// @dev A collateral's debt ceiling cannot exceed 10 billion (fits the packed uint96 slot).
    uint256 internal constant MAX_DEBT_CEILING = 10_000_000_000e18;
    /// @dev Minimum debt (dust) cannot exceed this.
    uint256 internal constant MAX_MIN_DEBT = 1_000_000e18;
    /// @dev A collateral token with more decimals cannot be scaled to 18 without losing value.
    uint8 internal constant MAX_COLLATERAL_DECIMALS = 18;
    /// @dev Every pause ends by itself after at most `maxPauseDuration`, governed within these bounds.
    uint256 internal constant MIN_PAUSE_DURATION = 1 hours;
    uint256 internal constant MAX_PAUSE_DURATION = 30 days;
    uint256 internal constant DEFAULT_MAX_PAUSE_DURATION = 7 days;
    /// @dev Bounds the loops over collaterals (accrue-all before a reserve change, the lens).
    uint256 internal constant MAX_COLLATERALS = 32;

    // ---------------------------------------------------------------- stablecoin
    /// @dev Flash-mint fee ceiling: 1 % of the amount.
    uint256 internal constant MAX_FLASH_FEE = 0.01e18;
    /// @dev Flash-mint maximum ceiling.
    uint256 internal constant MAX_FLASH_MINT = 1_000_000_000e18;

    // ---------------------------------------------------------------- market price feed
    /// @dev The TWAP window: at least a round (10 minutes), at most a day.
    uint256 internal constant MIN_TWAP_WINDOW = 10 minutes;
    uint256 internal constant MAX_TWAP_WINDOW = 1 days;
    /// @dev The liquidity minimum fits Uniswap's uint128 L. Its floor only keeps governance from
    /// switching the check off by mistake (1e15 is about $0.005 of depth per 1 % for 18/6 decimals at
    /// par); the configured minimum is what protects.
    uint256 internal constant MIN_MIN_LIQUIDITY = 1e15;
    uint256 internal constant MAX_MIN_LIQUIDITY = type(uint128).max;

    // ---------------------------------------------------------------- peg keeper
    /// @dev Most BDOL the peg keeper may have outstanding, and move per update.
    uint256 internal constant MAX_PEG_KEEPER_CAP = 1_000_000_000e18;
    /// @dev It acts only outside peg ± band: at least 5 bp (above the 0.01 % pool's fee round trip),
    /// at most 5 %.
    uint256 internal constant MIN_PEG_KEEPER_BAND = 0.0005e18;
    uint256 internal constant MAX_PEG_KEEPER_BAND = 0.05e18;
    /// @dev The spot may differ from the TWAP by at most this much for it to act.
    uint256 internal constant MIN_PEG_KEEPER_SPREAD = 0.0005e18;
    uint256 internal constant MAX_PEG_KEEPER_SPREAD = 0.02e18;
    uint256 internal constant MIN_PEG_KEEPER_INTERVAL = 10 minutes;
    uint256 internal constant MAX_PEG_KEEPER_INTERVAL = 1 days;
    /// @dev The caller's share of an update's profit.
    uint256 internal constant MAX_PEG_KEEPER_CALLER_SHARE = 0.2e18;
    /// @dev It acts only while the quote asset (USDC) reads at least 1 − this at the oracle.
    uint256 internal constant PEG_KEEPER_QUOTE_TOLERANCE = 0.01e18;
    /// @dev Most of the reserve's quote asset (USDC, in USD at $1 a unit) the peg keeper may spend on
    /// buying the stablecoin back per BUY_BACK_WINDOW: 10M a day, five times mainnet's configured 2M.
    /// 0 switches the reserve's buy-back off. ≤ 1e25 < 2^96 (the limit's and the bucket's fields).
    uint256 internal constant MAX_BUY_BACK_LIMIT = 10_000_000e18;
    /// @dev The buy-back limit refills linearly over this window (a rolling day).
    uint256 internal constant BUY_BACK_WINDOW = 1 days;

    // ---------------------------------------------------------------- oracle
    uint256 internal constant MIN_HEARTBEAT = 1 minutes;
    uint256 internal constant MAX_HEARTBEAT = 2 days;
    /// @dev The circuit breaker trips on a move of at least 1 %, and cannot be disabled (100 % max).
    uint256 internal constant MIN_MAX_DEVIATION = 0.01e18;
    uint256 internal constant MAX_MAX_DEVIATION = 1e18;
    uint256 internal constant MIN_SEQUENCER_GRACE = 5 minutes;
    uint256 internal constant MAX_SEQUENCER_GRACE = 1 days;
    uint8 internal constant MAX_FEED_DECIMALS = 36;
    /// @dev Gas forwarded to a price feed. A feed call that fails while the caller held less than
    /// MIN_GAS_FOR_FEED (so EIP-150 forwarded less than FEED_CALL_GAS) reverts the read instead of
    /// reporting a failure that the caller could have caused by starving it.
    uint256 internal constant FEED_CALL_GAS = 100_000;
    uint256 internal constant MIN_GAS_FOR_FEED = 110_000;
    /// @dev Bounds the adapter's list of configured assets (the keepers' recording loop).
    uint256 internal constant MAX_ORACLE_ASSETS = 64;
    /// @dev A reference price (the last good price, or the pending one while frozen) older than this
    /// does not freeze a fresh round by itself: the round is judged against the feed's previous round.
    /// Governed per asset within these bounds (about a heartbeat).
    uint256 internal constant MIN_REFERENCE_AGE = 1 minutes;
    uint256 internal constant MAX_REFERENCE_AGE = 2 days;
    /// @dev A ratio leg (asset/base feed of a composite price) answers within (0, MAX_FEED_RATIO].
    /// With maxPrice < 2^128 the product price × ratio stays below 2^128 · 1e24, far from overflow.
    uint256 internal constant MAX_FEED_RATIO = 1_000_000e18;
    /// @dev Time constant τ of the volatility estimate V ← (τ·V + r²) / (τ + dt): a return's weight
    /// fades as τ / (τ + dt), about e^(−dt/τ), so the estimate reflects roughly the last day.
    uint256 internal constant VOLATILITY_TIME_CONSTANT = 1 days;
    /// @dev A relative return above 100x (10,000 %) is capped in the volatility estimate, so that r²
    /// stays ≤ 1e22 whatever the price bounds are; any such move already means extreme volatility.
    uint256 internal constant MAX_VOLATILITY_RETURN = 100e18;
    /// @dev The variance rate [wad per second] saturates here (its uint64 storage): an annualised
    /// volatility of about 2,400,000 %, far past any bound that reads it.
    uint256 internal constant MAX_VARIANCE_RATE = type(uint64).max;
    /// @dev Feed rounds one `recordPrice` (or one view) reads one by one. Older unprocessed rounds
    /// are skipped and the gap up to the oldest round read counts as one return.
    uint256 internal constant MAX_ROUNDS_PER_WALK = 64;
    /// @dev The price range the adapter keeps is per bucket of this length, aligned to multiples of
    /// it: the current bucket and the one before (so one to two buckets of history).
    uint256 internal constant PRICE_RANGE_BUCKET = 1 hours;

    // ---------------------------------------------------------------- liquidation engine
    /// @dev An auction starts at the oracle price times a multiplier in [1, 2].
    uint256 internal constant MIN_START_MULTIPLIER = 1e18;
    uint256 internal constant MAX_START_MULTIPLIER = 2e18;
    /// @dev The floor (share of the live oracle price below which an auction never sells) is at
    /// least 50 %: a lower floor would let a crash auction sell collateral near zero.
    uint256 internal constant MIN_FLOOR_RATIO = 0.5e18;
    uint256 internal constant MAX_FLOOR_RATIO = 1e18;
    /// @dev Time for the auction price to fall linearly from its start to zero, and the age after
    /// which anyone may restart an auction.
    uint256 internal constant MIN_AUCTION_DURATION = 5 minutes;
    uint256 internal constant MAX_AUCTION_DURATION = 7 days;
    /// @dev Keeper pay: at most 5 % of the debt as a fee, a flat tip of at most 10,000 stablecoin,
    /// at most 10 % of the debt in all, and a gas allowance of at most 5M gas priced at the basefee.
    uint256 internal constant MAX_KEEPER_FEE = 0.05e18;
    uint256 internal constant MAX_KEEPER_TIP = 10_000e18;
    uint256 internal constant MAX_KEEPER_REWARD_SHARE = 0.1e18;
    uint256 internal constant MAX_TIP_GAS = 5_000_000;
    /// @dev Restart pay: the gas a `redo` is paid for at the basefee is at most 1M (a restart costs
    /// about 90k), and an auction pays at most 10 restarts in its life, each at most a tenth of
    /// maxRewardShare × min(tab, lot value), so all restart pay stays within maxRewardShare × tab.
    uint256 internal constant MAX_REDO_GAS = 1_000_000;
    uint256 internal constant MAX_PAID_REDOS = 10;

    // ---------------------------------------------------------------- governance
    /// @dev The vote snapshot is at least one second after the proposal.
    uint256 internal constant MIN_VOTING_DELAY = 1;
    uint256 internal constant MAX_VOTING_DELAY = 30 days;
    uint256 internal constant MIN_VOTING_PERIOD = 1 hours;
    uint256 internal constant MAX_VOTING_PERIOD = 30 days;
    /// @dev A passed proposal waits at least this long in the timelock: never zero.
    uint256 internal constant MIN_TIMELOCK_DELAY = 1 hours;
    uint256 internal constant MAX_TIMELOCK_DELAY = 30 days;
    /// @dev Quorum between 1 % and 50 % of the supply (percent, the governor's denominator is 100).
    uint256 internal constant MIN_QUORUM_PERCENT = 1;
    uint256 internal constant MAX_QUORUM_PERCENT = 50;
    /// @dev The proposal threshold is at most 10 % of the token supply.
    uint256 internal constant MAX_PROPOSAL_THRESHOLD_SHARE = 0.1e18;

    // ---------------------------------------------------------------- peg stability module
    /// @dev Swap fees at most 5 % each way.
    uint256 internal constant MAX_PSM_FEE = 0.05e18;
    /// @dev The outflow bucket refills over 1 hour to 30 days.
    uint256 internal constant MIN_OUTFLOW_WINDOW = 1 hours;
    uint256 internal constant MAX_OUTFLOW_WINDOW = 30 days;
    /// @dev Minting against the stable asset stops when it trades below 1 − tolerance, with a
    /// tolerance of 0.1 %–10 %.
    uint256 internal constant MIN_DEPEG_TOLERANCE = 0.001e18;
    uint256 internal constant MAX_DEPEG_TOLERANCE = 0.1e18;

    // ---------------------------------------------------------------- reserve pool
    /// @dev Share of the reserve's free stablecoin that forms the stability buffer (≤ 100 %).
    uint256 internal constant MAX_BUFFER_SHARE = 1e18;
    /// @dev Bounds the loops over ERC-4626 strategies (rebalance, redemptions, valuation).
    uint256 internal constant MAX_STRATEGIES = 8;
    /// @dev A strategy cap and the per-call rebalance limit are at most 10 billion whole units of the
    /// stable asset (scaled by its decimals).
    uint256 internal constant MAX_STRATEGY_AMOUNT_UNITS = 10_000_000_000;
    /// @dev Share of the reserve's stable asset kept liquid (≤ 100 %).
    uint256 internal constant MAX_LIQUID_TARGET = 1e18;
    /// @dev Retired liquidation engines whose running auctions the reserve still serves (an engine
    /// migration keeps the old engine's auctions alive until they end); bounds the loops over them.
    uint256 internal constant MAX_RETIRED_ENGINES = 4;
    /// @dev `rebalance` moves at most `maxRebalance` per `rebalanceInterval` (a bucket refilling
    /// linearly), governed within [1 hour, 30 days] (fits the packed uint24); 1 day until set.
    uint256 internal constant MIN_REBALANCE_INTERVAL = 1 hours;
    uint256 internal constant MAX_REBALANCE_INTERVAL = 30 days;
    uint256 internal constant DEFAULT_REBALANCE_INTERVAL = 1 days;
    /// @dev An exchange with a strategy (a deposit, or a redemption) stands only if the value the
    /// reserve receives is at least what it gives up less 0.01 % of it and STRATEGY_ROUNDING_UNITS:
    /// a deposit whose shares are worth less (an inflated share price, an entry fee) is undone. A
    /// vault's rounding costs far less; a vault that charges more than this is not a reserve strategy.
    uint256 internal constant STRATEGY_LOSS_TOLERANCE = 0.0001e18;
    /// @dev The part of an exchange's loss that is rounding, in units of the stable asset: one
    /// convertToAssets floor. A vault whose share is worth at most one unit loses less than two
    /// units to rounding on a deposit, less than two on a redemption (so at most one, in integers).
    uint256 internal constant STRATEGY_ROUNDING_UNITS = 1;

    // ---------------------------------------------------------------- savings (sBDOL)
    /// @dev Largest per-second savings rate [ray]: 1 + 25 % / SECONDS_PER_YEAR, rounded down
    /// (about 28.4 % a year compounded). The savings rate never goes below RAY (0 %).
    uint256 internal constant MAX_SAVINGS_RATE = 1_000000007927447995941146626;
    /// @dev Savings draw on the reserve only beyond its target × (1 + margin), margin ≤ 100 %.
    uint256 internal constant MAX_SAVINGS_MARGIN = 1e18;

    // ---------------------------------------------------------------- risk controller
    /// @dev Controlled rates are annual and continuously compounded (wad per year); the per-second
    /// fee is 1 + rate / SECONDS_PER_YEAR. 0.69 < ln 2 keeps it under MAX_STABILITY_FEE.
    uint256 internal constant MAX_CONTROLLED_RATE = 0.69e18;
    /// @dev The savings rate the controller may set, annual: 25 % (sBDOL's MAX_SAVINGS_RATE per second).
    uint256 internal constant MAX_CONTROLLED_SAVINGS_RATE = 0.25e18;
    /// @dev The poke's pay: at most 1,000,000 gas priced, 100 BDOL a poke, 2,400 BDOL a day.
    uint256 internal constant MAX_POKE_GAS = 1_000_000;
    uint256 internal constant MAX_POKE_REWARD = 100e18;
    uint256 internal constant MAX_POKE_REWARD_PER_DAY = 2_400e18;
    /// @dev Largest move of a controlled rate in one poke.
    uint256 internal constant MAX_RATE_STEP = 0.05e18;
    /// @dev Largest move of a controlled borrow ratio in one poke.
    uint256 internal constant MAX_BORROW_RATIO_STEP = 0.1e18;
    /// @dev Borrow ratio = liquidation ratio + margin + multiplier × volatility, each bounded.
    uint256 internal constant MAX_BASE_MARGIN = 1e18;
    uint256 internal constant MAX_VOLATILITY_MULTIPLIER = 5e18;
    /// @dev A per-collateral price breaker trips on a move of 1 %–100 % within its window (the same
    /// bounds hold for the slow window's `maxSlowMove`).
    uint256 internal constant MIN_PRICE_MOVE = 0.01e18;
    uint256 internal constant MAX_PRICE_MOVE = 1e18;
    /// @dev Stress-loss inputs: price fall ≤ 100 %, forced-sale discount ≤ 50 %, confidence z ≤ 10.
    uint256 internal constant MAX_STRESS_SHOCK = 1e18;
    uint256 internal constant MAX_SALE_DISCOUNT = 0.5e18;
    uint256 internal constant MAX_VAR_CONFIDENCE = 10e18;
    uint256 internal constant MIN_VAR_HORIZON = 1 hours;
    uint256 internal constant MAX_VAR_HORIZON = 30 days;
    /// @dev PI gains (wad per year per unit of peg error; the integral's per day), leak per day.
    uint256 internal constant MAX_PEG_GAIN = 10e18;
    uint256 internal constant MAX_PEG_LEAK = 1e18;
    /// @dev Poke interval, price-breaker windows and breaker cool-down. The price window is at least
    /// the oracle's range bucket (the range a poke compares spans whole buckets); the slow window is
    /// at least the price window.
    uint256 internal constant MIN_POKE_INTERVAL = 5 minutes;
    uint256 internal constant MAX_POKE_INTERVAL = 1 days;
    uint256 internal constant MIN_PRICE_WINDOW = PRICE_RANGE_BUCKET;
    uint256 internal constant MAX_PRICE_WINDOW = 7 days;
    uint256 internal constant MAX_SLOW_WINDOW = 30 days;
    uint256 internal constant MIN_BREAKER_COOLDOWN = 1 hours;
    uint256 internal constant MAX_BREAKER_COOLDOWN = 7 days;
    /// @dev The system breaker's critical collateral ratio lies in [100 %, 300 %].
    uint256 internal constant MIN_CRITICAL_RATIO = 1e18;
    uint256 internal constant MAX_CRITICAL_RATIO = 3e18;
    /// @dev The integral term integrates over at most one day per poke, however long pokes stopped.
    uint256 internal constant MAX_INTEGRATION_STEP = 1 days;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PriceStatus} from "./IOracleAdapter.sol";

/// @title IRiskController
/// @notice The algorithmic part of the protocol. `poke()` — anyone, at most once per `pokeInterval` —
/// recomputes every managed collateral's stability fee and borrow ratio from live data, trips or
/// renews circuit breakers, and re-estimates the reserve's target size. Governance sets the rules
/// (curves, gains, bounds, steps); the controller only moves outputs inside them.
///
/// Rates. A controlled rate is annual and continuously compounded [wad per year]: the vault
/// manager's per-second fee is `1 + rate / SECONDS_PER_YEAR` [ray], rounded up (so e^rate − 1 is the
/// yearly growth of a debt: 2 % → 2.02 %).
///
/// Stability fee, per collateral c, with utilisation u = debt / debt ceiling (capped at 1):
///     curve(u) = baseRate + slopeBelowKink · u / kink                              (u ≤ kink)
///              = baseRate + slopeBelowKink + slopeAboveKink · (u − kink) / (1 − kink)   (u > kink)
///     target   = clamp(curve(u) + pegTerm, minRate, maxRate)
///     rate     = current rate moved toward target by at most maxRateStep
/// While the system breaker holds, target = maxRate and the rate jumps there at once: the one
/// output not stepped (a higher fee makes nobody liquidatable; it accrues over time).
///
/// Peg term, one PI controller on the stablecoin's market price p (oracle asset `pegAsset`):
///     e        = 1 − p                         (positive below the peg: rates rise)
///     I        ← I · (1 − leakPerDay · dt / 1 day)⁺ + ki · e · dt / 1 day,   dt ≤ MAX_INTEGRATION_STEP
///     pegTerm  = clamp(kp · e + I, −maxPegTerm, +maxPegTerm)
/// Anti-windup: I is clamped to ±maxPegTerm, and while kp · e + I (after the leak, before this
/// poke's step) is already beyond the cap in the direction of e the integration step is skipped
/// (only the leak applies); the leak brings I back to 0 once the peg holds, so rates fall again
/// after a depeg ends. No live peg price (or no pegAsset): e = 0.
///
/// Borrow ratio (initial margin), with σ the oracle's annualised volatility estimate:
///     target = clamp(liquidationRatio + baseMargin + volatilityMultiplier · σ, ≤ maxBorrowRatio),
///     never below the liquidation ratio; moved by at most maxBorrowRatioStep per poke.
/// The liquidation ratio is never touched, so a poke makes no vault liquidatable; a wider borrow
/// ratio only refuses new risk.
///
/// Reserve target (stress loss). Assume every vault sits exactly at its liquidation ratio LR (the
/// worst book that is still healthy), the price falls by d and the collateral is sold at a discount δ:
///     d_c      = min(1, max(stressShock_c, z · σ_c · √(horizon / 1 year)))
///     loss_c   = D_c · max(0, 1 − LR_c · (1 − d_c) · (1 − δ_c))
///     target   = Σ_c loss_c
/// D_c is the collateral's accrued vault debt. z · σ · √h is the one-sided value-at-risk price move
/// at confidence z (2.33 ≈ 99 % for a normal law); the stress shock is a floor (a Black Thursday
/// move) because volatility estimates lag a crash. The figure is published (event, `state`, the
/// lens) for governance to compare with the reserve's value; the controller does not move funds.
///
/// Reserve target, second part: the stable asset behind the PSM-backed coin can depeg too, so
///     target  += psmBacked · stableStress        (reserve.psmBacked(): minted − fees owed)
/// The whole target goes to the reserve at each poke (`ReservePool.settlePoke`), where it acts: below
/// it, inflows build the buffer first (the reserve's recovery share) and savings draw nothing beyond
/// it and its margin.
///
/// The reserve arm (ReserveRules; off while `reserve` is address(0)), after the collaterals:
/// - Savings rate (second arm of the peg controller), annual like the fees, with the same peg term:
///     target_s = clamp(baseSavingsRate + pegTerm, 0, maxSavingsRate)
///     target_s = min(target_s, capBelowTarget)      while buffer + surplus < reserve target
///     rate_s   = the sBDOL rate (its annual reading ⌈(r − 1) · year⌉) moved toward target_s by at
///                most savingsRateStep
///   sent to sBDOL as 1 + rate_s / SECONDS_PER_YEAR per second, rounded down, only when it changes.
///   Below peg both the fees and the savings rate rise (holding BDOL pays); above it both fall.
///   sBDOL may cut its rate itself when the surplus cannot pay; the next pokes step it back up.
/// - The poke's pay, from the reserve's surplus only (nothing when it is empty):
///     reward = min(pokeGas · basefee · price(gasAsset), maxPokeReward, maxPokeRewardPerDay − paid today)
///   priced only at a live gas-asset price; the day is the UTC day (block.timestamp / 1 day).
///
/// Circuit breakers.
/// - Price moves, per collateral, over two windows: `priceWindow` (fast, threshold maxPriceMove) and
///   `slowWindow` (slow falls, threshold maxSlowMove). For each window the controller keeps two
///   anchors: the price at the first poke of the current window and the anchor of the window before.
///   Each poke reads the oracle's `priceReport` — the range [low, high] of prices in force since the
///   start of the previous range bucket (every usable round of the feed, recorded or not, including
///   rounds that froze the oracle) — and its current price c: the live price, or when the reading is
///   not live the oracle's latest round (a pending jump while frozen). With S the set {anchor,
///   previous anchor, low, high, c} (zeros left out, and the previous anchor left out once the anchor
///   is two windows old or more: every poke of the anchor's window compared it already):
///       move = (max S − min S) / max S          [wad, rounded up]
///   and the window's breaker trips when move exceeds its threshold, whatever the oracle's status. It
///   is the fall from the highest to the lowest price the window saw, in either order, so a rise of x
///   reads x / (1 + x) (a 17.6 % rise reads 15 %). Only after comparing are the anchors rolled with c:
///   the first poke of a new window makes the anchor the previous anchor and c the anchor; after two
///   windows or more without a poke both become c. So an anchor is always compared before it is
///   replaced, however old: the first poke after a long gap compares the prices since with it.
///   The range reaches up to one bucket (an hour) before the older anchor, so it errs toward
///   tripping. Pokes further apart than a bucket see the range of the last one to two hours only:
///   a wick earlier than that shows only through the anchors (a keeper pokes every interval).
///   With a one-hour fast window and hourly pokes, a −21 % wick half recovered by the next poke trips
///   (the range holds the wick's low); a −54 % fall over two days in hourly steps under 15 % trips the
///   slow window (one day, 30 %) after 23 hours.
/// - System: Σ collateral value / Σ debt over the managed collaterals below
///   `criticalCollateralRatio` halts borrowing everywhere and sends every fee to its ceiling.
/// A tripped breaker halts until `coolDown` after the last poke that saw its condition: it clears by
/// itself once the condition has not been seen for a cool-down (the vault manager's pause lapses;
/// nobody needs to poke). Halts go through `VaultManager.applyRiskSettings`, which only extends
/// pauses and caps them at the vault manager's `maxPauseDuration`.
interface IRiskController {
    /// @notice Per-collateral rules, set by governance. Rates in wad per year, ratios in wad.
    struct CollateralRules {
        uint64 baseRate; // fee at zero utilisation
        uint64 kink; // utilisation where the curve steepens, (0, 1]
        uint64 slopeBelowKink; // added from zero utilisation to the kink
        uint64 slopeAboveKink; // added from the kink to full utilisation
        uint64 minRate; // lowest fee the controller sets
        uint64 maxRate; // highest fee, and the fee while the system breaker holds; ≤ MAX_CONTROLLED_RATE
        uint64 maxRateStep; // largest fee move per poke, (0, MAX_RATE_STEP]
        uint64 baseMargin; // borrow ratio above the liquidation ratio at zero volatility
        uint64 volatilityMultiplier; // borrow ratio added per unit of annualised volatility
        uint64 maxBorrowRatio; // highest borrow ratio, ≤ MAX_BORROW_RATIO
        uint64 maxBorrowRatioStep; // largest borrow-ratio move per poke, (0, MAX_BORROW_RATIO_STEP]
        uint64 maxPriceMove; // price move within the fast window that halts borrowing, [1 %, 100 %]
        uint64 maxSlowMove; // price move within the slow window that halts borrowing, [1 %, 100 %]
        uint64 stressShock; // price fall of the stress scenario, ≤ 100 %
        uint64 saleDiscount; // discount of a forced sale in the stress scenario, ≤ 50 %
    }

    /// @notice The peg controller's rules.
    struct PegRules {
        address pegAsset; // oracle key of the stablecoin's market price; address(0): no peg term
        uint64 kp; // proportional gain [rate per unit of error], ≤ MAX_PEG_GAIN
        uint64 ki; // integral gain [rate per unit of error per day], ≤ MAX_PEG_GAIN
        uint64 leakPerDay; // share of the integral that decays per day, ≤ MAX_PEG_LEAK
        uint64 maxPegTerm; // cap of |peg term| and |integral|, ≤ MAX_CONTROLLED_RATE
    }

    /// @notice The reserve arm's rules (four slots), set by governance; see above.
    struct ReserveRules {
        address reserve; // the reserve the poke settles with (its riskController must be this); 0: arm off
        uint64 baseSavingsRate; // [wad per year] the savings target at peg, ≤ maxSavingsRate
        address savings; // sBDOL over that reserve (this holds its RISK_CONTROL_ROLE); 0: no savings arm
        uint24 pokeGas; // [gas] the poke's pay at the basefee, ≤ MAX_POKE_GAS
        uint72 maxPokeReward; // [wad] per poke, ≤ MAX_POKE_REWARD
        address gasAsset; // oracle asset pricing the gas (WETH); 0: no pay
        uint96 maxPokeRewardPerDay; // [wad] per UTC day, ≤ MAX_POKE_REWARD_PER_DAY
        uint64 maxSavingsRate; // [wad per year] ≤ MAX_CONTROLLED_SAVINGS_RATE
        uint64 savingsRateStep; // [wad per year] per poke, in [1, MAX_RATE_STEP]
        uint64 capBelowTarget; // [wad per year] the savings ceiling below target, ≤ maxSavingsRate
        uint64 stableStress; // [wad] stressed loss of the PSM's stable asset, ≤ 100 %
    }

    /// @notice What the reserve arm remembers (one slot).
    struct PayState {
        uint32 day; // UTC day of the last paid poke
        uint96 paidToday; // [wad] paid to pokers that day
    }

    /// @notice System-wide rules (one slot: every time is at most 30 days < 2^24 seconds, which the
    /// bound checks guarantee before a value is stored).
    struct SystemRules {
        uint24 pokeInterval; // [s] least time between pokes
        uint24 priceWindow; // [s] length of a fast price-breaker window, [MIN_PRICE_WINDOW, MAX_PRICE_WINDOW]
        uint24 slowWindow; // [s] length of a slow price-breaker window, [priceWindow, MAX_SLOW_WINDOW]
        uint24 coolDown; // [s] a breaker holds this long after its condition was last seen
        uint24 varHorizon; // [s] liquidation horizon of the stress estimate
        uint64 criticalCollateralRatio; // [wad] system breaker threshold
        uint64 varConfidence; // [wad] z of the value-at-risk move, ≤ MAX_VAR_CONFIDENCE
    }

    /// @notice What the controller remembers about a collateral (two slots). A price above uint96
    /// (7.9e28, i.e. 79 billion USD per whole token) is stored saturated.
    struct CollateralState {
        uint96 anchorPrice; // [wad] price at the first poke of the current fast window (0: none yet)
        uint96 previousAnchorPrice; // [wad] the anchor of the fast window before
        uint32 anchorTime; // [s] start of the current fast window
        uint32 haltUntil; // [s] the price breaker holds until then
        uint96 slowAnchorPrice; // [wad] price at the first poke of the current slow window (0: none yet)
        uint96 previousSlowAnchorPrice; // [wad] the anchor of the slow window before
        uint32 slowAnchorTime; // [s] start of the current slow window
    }

    /// @notice What the controller remembers about the system (one slot).
    struct State {
        uint32 lastPoke; // [s] 0 before the first poke
        uint32 systemHaltUntil; // [s] the system breaker holds until then
        int64 integral; // [wad per year] the PI controller's integral term, |I| ≤ MAX_CONTROLLED_RATE
        uint128 reserveTarget; // [wad] stress-loss estimate at the last poke
    }

    /// @notice Every output of one collateral's update, with its inputs.
    struct CollateralUpdate {
        uint256 price; // [wad] oracle price read by the poke (what getPrice returns)
        PriceStatus priceStatus;
        uint256 utilisation; // [wad]
        uint256 volatility; // [wad] annualised
        uint256 priceLow; // [wad] the oracle's range: lowest price in force since the previous bucket
        uint256 priceHigh; // [wad] highest
        uint256 priceMove; // [wad] move seen by the fast window
        uint256 slowPriceMove; // [wad] move seen by the slow window
        uint256 curveRate; // [wad/yr] curve(u)
        uint256 targetRate; // [wad/yr] after the peg term and the bounds
        uint256 rate; // [wad/yr] applied, after the step
        uint256 targetBorrowRatio; // [wad]
        uint256 borrowRatio; // [wad] applied, after the step
        uint256 stressLoss; // [wad] loss_c of the reserve target
        uint256 haltUntil; // [s] halt passed to the vault manager (0: none)
    }

    /// @notice A poke: system inputs and outputs. `pegError` = 1 − pegPrice (0 when not live).
    event Poked(
        address indexed caller,
        uint256 pegPrice,
        PriceStatus pegStatus,
        int256 pegError,
        int256 integral,
        int256 pegTerm,
        uint256 systemCollateralRatio,
        uint256 systemHaltUntil,
        uint256 reserveTarget
    );
    /// @notice The reserve arm of a poke: the whole target (with `stablePart`), whether buffer +
    /// surplus was below it, the pay asked and paid, and the savings rate's target and new value
    /// [wad per year] (both 0 without a savings arm).
    event ReservePoked(
        uint256 reserveTarget,
        uint256 stablePart,
        bool belowTarget,
        uint256 reward,
        uint256 paid,
        uint256 savingsTargetRate,
        uint256 savingsRate
    );
    event ReserveRulesSet(ReserveRules oldRules, ReserveRules newRules);
    /// @notice The reserve no longer names this controller (`reserve` set: the whole arm skipped), or
    /// this controller no longer sets sBDOL's rate (`reserve` 0: the savings step skipped).
    event ReserveArmSkipped(address reserve, address savings);
    /// @notice One collateral's update within a poke.
    event CollateralPoked(address indexed collateral, CollateralUpdate update);
    /// @notice The price breaker of `collateral` saw a move of `move` in its fast window and
    /// `slowMove` in its slow window, at least one above its threshold, and holds until `haltUntil`.
    event PriceBreakerTripped(address indexed collateral, uint256 move, uint256 slowMove, uint256 haltUntil);
    /// @notice The system breaker saw `collateralRatio` below critical and holds until `haltUntil`.
    event SystemBreakerTripped(uint256 collateralRatio, uint256 haltUntil);
    event CollateralRulesSet(address indexed collateral, CollateralRules oldRules, CollateralRules newRules);
    event CollateralUnmanaged(address indexed collateral);
    event PegRulesSet(PegRules oldRules, PegRules newRules);
    event SystemRulesSet(SystemRules oldRules, SystemRules newRules);

    /// @notice The reserve's risk controller is not this controller.
    error ReserveNotLinked(address reserve, address itsController);
    /// @notice sBDOL pays from another reserve than the rules', or this controller does not hold its
    /// RISK_CONTROL_ROLE.
    error SavingsNotLinked(address savings, address itsReserve);
    /// @notice The savings rates must satisfy baseSavingsRate, capBelowTarget ≤ maxSavingsRate.
    error InvalidSavingsRates(uint256 baseRate, uint256 capBelowTarget, uint256 maxRate);
    /// @notice A poke came before `nextPokeAt`.
    error PokeTooSoon(uint256 nextPokeAt);
    /// @notice The collateral is not registered in the vault manager.
    error UnknownCollateral(address collateral);
    /// @notice The collateral has no rules here.
    error NotManaged(address collateral);
    /// @notice The rates must satisfy minRate ≤ baseRate ≤ maxRate.
    error InvalidRateBounds(uint256 minRate, uint256 baseRate, uint256 maxRate);

    /// @notice Anyone, at most once per `pokeInterval`: update every managed collateral (see above).
    function poke() external;

    /// @notice When the next poke is allowed [s].
    function nextPokeAt() external view returns (uint256);

    /// @notice The fee curve alone at utilisation `utilisation` [wad/yr].
    function curveRate(address collateral, uint256 utilisation) external view returns (uint256);

    /// @notice The reserve target [wad], computed now (the poke stores it): the vault book's stress
    /// loss plus, with a reserve arm, the PSM-backed coin × stableStress.
    function reserveTargetNow() external view returns (uint256);

    /// @notice `collateral`'s part of `reserveTargetNow` (loss_c) [wad].
    function stressLossNow(address collateral) external view returns (uint256);

    function collateralRules(address collateral) external view returns (CollateralRules memory);

    function collateralState(address collateral) external view returns (CollateralState memory);

    function pegRules() external view returns (PegRules memory);

    function systemRules() external view returns (SystemRules memory);

    function state() external view returns (State memory);

    /// @notice Collaterals the controller manages, in the order it pokes them.
    function managedCollaterals() external view returns (address[] memory);

    /// @notice Governance: set `collateral`'s rules (it starts being managed). Each field is checked
    /// against its bound in ConstantsLib.
    function setCollateralRules(address collateral, CollateralRules calldata rules) external;

    /// @notice Governance: stop managing `collateral`; its parameters stay where they are.
    function unmanageCollateral(address collateral) external;

    function setPegRules(PegRules calldata rules) external;

    function setSystemRules(SystemRules calldata rules) external;

    /// @notice Governance: set the reserve arm's rules; each bound in ConstantsLib, the links checked
    /// (ReserveNotLinked, SavingsNotLinked), a gas asset the oracle prices.
    function setReserveRules(ReserveRules calldata rules) external;

    function reserveRules() external view returns (ReserveRules memory);

    function payState() external view returns (PayState memory);

    /// @notice The poke's pay if it ran now, before the surplus cap [wad].
    function pokeRewardNow() external view returns (uint256);
}

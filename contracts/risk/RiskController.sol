// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IRiskController} from "../interfaces/IRiskController.sol";
import {IVaultManager} from "../interfaces/IVaultManager.sol";
import {IOracleAdapter, PriceStatus} from "../interfaces/IOracleAdapter.sol";
import {ConstantsLib} from "../libraries/ConstantsLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {MathLib} from "../libraries/MathLib.sol";
import {RateLib} from "../libraries/RateLib.sol";
import {CollateralLib} from "../libraries/CollateralLib.sol";
import {IReservePool} from "../interfaces/IReservePool.sol";
import {ISavingsBdol} from "../interfaces/ISavingsBdol.sol";

/// @title RiskController
/// @notice Moves stability fees, borrow ratios and circuit breakers inside governance's bounds. See
/// {IRiskController} for every formula.
/// @dev Holds `VaultManager.RISK_CONTROL_ROLE`; `DEFAULT_ADMIN_ROLE` (the timelock) sets the rules.
/// A poke reads everything first (the system breaker needs the whole book), then applies. Loops run
/// over the managed collaterals: at most MAX_COLLATERALS, listed by governance.
contract RiskController is IRiskController, AccessControl, ReentrancyGuardTransient {
    using MathLib for uint256;

    /// @dev sBDOL's rate-setter role, which `setReserveRules` requires this controller to hold.
    bytes32 internal constant RISK_CONTROL_ROLE = keccak256("RISK_CONTROL_ROLE");

    IVaultManager public immutable vaultManager;
    IOracleAdapter public immutable oracle;

    State internal _state;
    SystemRules internal _system;
    PegRules internal _peg;
    mapping(address collateral => CollateralRules) internal _rules;
    mapping(address collateral => CollateralState) internal _cstate;
    address[] internal _managed;
    ReserveRules internal _reserveRules;
    PayState internal _pay;

    /// @dev One managed collateral as the read phase of a poke sees it.
    struct Reading {
        address collateral;
        CollateralRules rules;
        uint256 price;
        PriceStatus status;
        uint256 volatility;
        uint256 low; // [wad] the oracle's price range (priceReport)
        uint256 high; // [wad]
        uint256 latestPrice; // [wad] the oracle's latest usable round
        uint256 debt;
        uint256 debtCeiling;
        uint256 liquidationRatio;
        uint256 borrowRatio;
        uint256 stabilityFee; // [ray per second]
        uint256 value; // [wad] collateral in vaults at `price`, rounded down
    }

    constructor(address vaultManager_, address admin, SystemRules memory system) {
        if (vaultManager_ == address(0) || admin == address(0)) revert ErrorsLib.ZeroAddress();
        vaultManager = IVaultManager(vaultManager_);
        oracle = IVaultManager(vaultManager_).oracle();
        _checkSystemRules(system);
        _system = system;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit SystemRulesSet(SystemRules(0, 0, 0, 0, 0, 0, 0), system);
    }

    // =================================================================== poke

    /// @inheritdoc IRiskController
    function poke() external nonReentrant {
        State memory s = _state;
        SystemRules memory sys = _system;
        if (s.lastPoke != 0 && block.timestamp < uint256(s.lastPoke) + sys.pokeInterval) {
            revert PokeTooSoon(uint256(s.lastPoke) + sys.pokeInterval);
        }
        uint256 dt = s.lastPoke == 0 ? 0 : MathLib.min(block.timestamp - s.lastPoke, ConstantsLib.MAX_INTEGRATION_STEP);

        // Peg term.
        PegRules memory peg = _peg;
        (uint256 pegPrice, PriceStatus pegStatus, int256 pegError) = _pegReading(peg);
        int256 pegTerm;
        (s.integral, pegTerm) = _updatePeg(peg, s.integral, pegError, dt);

        // Read every managed collateral; value the book for the system breaker.
        Reading[] memory readings = _readAll();
        uint256 collateralRatio = _systemCollateralRatio(readings);
        if (collateralRatio < sys.criticalCollateralRatio) {
            s.systemHaltUntil = uint32(block.timestamp + sys.coolDown);
            emit SystemBreakerTripped(collateralRatio, s.systemHaltUntil);
        }
        bool systemHalt = block.timestamp < s.systemHaltUntil;

        // Apply.
        uint256 reserveTarget;
        for (uint256 i; i < readings.length; ++i) {
            reserveTarget += _apply(readings[i], sys, pegTerm, systemHalt, s.systemHaltUntil);
        }

        ReserveRules memory rr = _reserveRules;
        if (rr.reserve != address(0)) reserveTarget = _reserveArm(rr, reserveTarget, pegTerm);

        s.lastPoke = uint32(block.timestamp);
        s.reserveTarget = SafeCast.toUint128(reserveTarget);
        _state = s;
        emit Poked(
            msg.sender,
            pegPrice,
            pegStatus,
            pegError,
            s.integral,
            pegTerm,
            collateralRatio,
            s.systemHaltUntil,
            reserveTarget
        );
    }

    // =================================================================== views

    /// @inheritdoc IRiskController
    function nextPokeAt() external view returns (uint256) {
        uint256 last = _state.lastPoke;
        return last == 0 ? 0 : last + _system.pokeInterval;
    }

    /// @inheritdoc IRiskController
    function curveRate(address collateral, uint256 utilisation) external view returns (uint256) {
        return _curveRate(_managedRules(collateral), MathLib.min(utilisation, ConstantsLib.WAD));
    }

    /// @inheritdoc IRiskController
    function reserveTargetNow() external view returns (uint256 target) {
        Reading[] memory readings = _readAll();
        SystemRules memory sys = _system;
        for (uint256 i; i < readings.length; ++i) target += _stressLoss(readings[i], sys);
        ReserveRules memory rr = _reserveRules;
        if (rr.reserve != address(0)) target += _stablePart(rr);
    }

    /// @inheritdoc IRiskController
    function pokeRewardNow() external view returns (uint256) {
        return _pokeReward(_reserveRules, _pay);
    }

    /// @inheritdoc IRiskController
    function reserveRules() external view returns (ReserveRules memory) {
        return _reserveRules;
    }

    /// @inheritdoc IRiskController
    function payState() external view returns (PayState memory) {
        return _pay;
    }

    /// @inheritdoc IRiskController
    function stressLossNow(address collateral) external view returns (uint256) {
        _managedRules(collateral);
        Reading memory r;
        _read(r, collateral);
        return _stressLoss(r, _system);
    }

    /// @inheritdoc IRiskController
    function collateralRules(address collateral) external view returns (CollateralRules memory) {
        return _rules[collateral];
    }

    /// @inheritdoc IRiskController
    function collateralState(address collateral) external view returns (CollateralState memory) {
        return _cstate[collateral];
    }

    /// @inheritdoc IRiskController
    function pegRules() external view returns (PegRules memory) {
        return _peg;
    }

    /// @inheritdoc IRiskController
    function systemRules() external view returns (SystemRules memory) {
        return _system;
    }

    /// @inheritdoc IRiskController
    function state() external view returns (State memory) {
        return _state;
    }

    /// @inheritdoc IRiskController
    function managedCollaterals() external view returns (address[] memory) {
        return _managed;
    }

    // =================================================================== governance

    /// @inheritdoc IRiskController
    function setCollateralRules(
        address collateral,
        CollateralRules calldata rules
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!vaultManager.collateralConfig(collateral).enabled) revert UnknownCollateral(collateral);
        _checkCollateralRules(rules);
        CollateralRules memory old = _rules[collateral];
        if (keccak256(abi.encode(old)) == keccak256(abi.encode(rules))) revert ErrorsLib.NoChange();
        // Managed iff kink ≠ 0 (the check above refuses a zero kink). Bounded by the vault manager's
        // own MAX_COLLATERALS: only registered collaterals get here.
        if (old.kink == 0) _managed.push(collateral);
        _rules[collateral] = rules;
        emit CollateralRulesSet(collateral, old, rules);
    }

    /// @inheritdoc IRiskController
    function unmanageCollateral(address collateral) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _managedRules(collateral);
        uint256 last = _managed.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (_managed[i] == collateral) {
                _managed[i] = _managed[last];
                _managed.pop();
                break;
            }
        }
        delete _rules[collateral];
        delete _cstate[collateral];
        emit CollateralUnmanaged(collateral);
    }

    /// @inheritdoc IRiskController
    function setPegRules(PegRules calldata rules) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Reverts with the oracle's UnknownAsset when the asset has no feed.
        if (rules.pegAsset != address(0)) oracle.getPrice(rules.pegAsset);
        ErrorsLib.checkBounds(rules.kp, 0, ConstantsLib.MAX_PEG_GAIN);
        ErrorsLib.checkBounds(rules.ki, 0, ConstantsLib.MAX_PEG_GAIN);
        ErrorsLib.checkBounds(rules.leakPerDay, 0, ConstantsLib.MAX_PEG_LEAK);
        ErrorsLib.checkBounds(rules.maxPegTerm, 0, ConstantsLib.MAX_CONTROLLED_RATE);
        PegRules memory old = _peg;
        if (keccak256(abi.encode(old)) == keccak256(abi.encode(rules))) revert ErrorsLib.NoChange();
        _peg = rules;
        emit PegRulesSet(old, rules);
    }

    /// @inheritdoc IRiskController
    function setSystemRules(SystemRules calldata rules) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkSystemRules(rules);
        SystemRules memory old = _system;
        if (keccak256(abi.encode(old)) == keccak256(abi.encode(rules))) revert ErrorsLib.NoChange();
        _system = rules;
        emit SystemRulesSet(old, rules);
    }

    /// @inheritdoc IRiskController
    function setReserveRules(ReserveRules calldata rules) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (rules.reserve != address(0)) {
            address itsController = IReservePool(rules.reserve).riskController();
            if (itsController != address(this)) revert ReserveNotLinked(rules.reserve, itsController);
        }
        if (rules.savings != address(0)) {
            address itsReserve = ISavingsBdol(rules.savings).reserve();
            if (itsReserve != rules.reserve) revert SavingsNotLinked(rules.savings, itsReserve);
            if (!IAccessControl(rules.savings).hasRole(RISK_CONTROL_ROLE, address(this))) {
                revert SavingsNotLinked(rules.savings, itsReserve);
            }
        }
        // Reverts with the oracle's UnknownAsset when the asset has no feed.
        if (rules.gasAsset != address(0)) oracle.getPrice(rules.gasAsset);
        ErrorsLib.checkBounds(rules.maxSavingsRate, 0, ConstantsLib.MAX_CONTROLLED_SAVINGS_RATE);
        if (rules.baseSavingsRate > rules.maxSavingsRate || rules.capBelowTarget > rules.maxSavingsRate) {
            revert InvalidSavingsRates(rules.baseSavingsRate, rules.capBelowTarget, rules.maxSavingsRate);
        }
        ErrorsLib.checkBounds(rules.savingsRateStep, 1, ConstantsLib.MAX_RATE_STEP);
        ErrorsLib.checkBounds(rules.stableStress, 0, ConstantsLib.WAD);
        ErrorsLib.checkBounds(rules.pokeGas, 0, ConstantsLib.MAX_POKE_GAS);
        ErrorsLib.checkBounds(rules.maxPokeReward, 0, ConstantsLib.MAX_POKE_REWARD);
        ErrorsLib.checkBounds(rules.maxPokeRewardPerDay, 0, ConstantsLib.MAX_POKE_REWARD_PER_DAY);
        ReserveRules memory old = _reserveRules;
        if (keccak256(abi.encode(old)) == keccak256(abi.encode(rules))) revert ErrorsLib.NoChange();
        _reserveRules = rules;
        emit ReserveRulesSet(old, rules);
    }

    // =================================================================== internals: reserve arm

    /// @dev Sets the reserve's target (vault stress + stable part), pays the poker, steers the
    /// savings rate (see the interface). Returns the whole target.
    function _reserveArm(ReserveRules memory rr, uint256 vaultTarget, int256 pegTerm) internal returns (uint256) {
        uint256 stablePart = _stablePart(rr);
        uint256 target = vaultTarget + stablePart;
        // Links governance may have changed since the rules were set: a broken one skips the arm
        // (ReserveArmSkipped), it never stops the poke and its breakers.
        if (IReservePool(rr.reserve).riskController() != address(this)) {
            emit ReserveArmSkipped(rr.reserve, rr.savings);
            return target;
        }
        PayState memory pay = _pay;
        uint256 reward = _pokeReward(rr, pay);
        (uint256 paid, bool below) = IReservePool(rr.reserve).settlePoke(msg.sender, reward, target);
        if (paid != 0) {
            uint32 today = uint32(block.timestamp / 1 days);
            if (pay.day != today) (pay.day, pay.paidToday) = (today, 0);
            // paid ≤ reward ≤ maxPokeRewardPerDay − paidToday < 2^96.
            pay.paidToday += uint96(paid);
            _pay = pay;
        }
        uint256 savingsTarget;
        uint256 savingsRate;
        if (rr.savings != address(0)) {
            if (IAccessControl(rr.savings).hasRole(RISK_CONTROL_ROLE, address(this))) {
                (savingsTarget, savingsRate) = _savingsArm(rr, pegTerm, below);
            } else {
                emit ReserveArmSkipped(address(0), rr.savings);
            }
        }
        emit ReservePoked(target, stablePart, below, reward, paid, savingsTarget, savingsRate);
        return target;
    }

    /// @dev The PSM-backed coin × stableStress, rounded up (a target errs high).
    function _stablePart(ReserveRules memory rr) internal view returns (uint256) {
        if (rr.stableStress == 0) return 0;
        return IReservePool(rr.reserve).psmBacked().wadMulUp(rr.stableStress);
    }

    /// @dev pokeGas × basefee × the gas asset's live price, within the per-poke and per-day caps; 0
    /// when the oracle no longer prices the gas asset (a poke never depends on its pay).
    function _pokeReward(ReserveRules memory rr, PayState memory pay) internal view returns (uint256) {
        if (rr.gasAsset == address(0) || rr.pokeGas == 0) return 0;
        uint256 price;
        try oracle.getPrice(rr.gasAsset) returns (uint256 p, PriceStatus status) {
            if (status != PriceStatus.Live) return 0;
            price = p;
        } catch {
            return 0;
        }
        uint256 reward = MathLib.min((uint256(rr.pokeGas) * block.basefee).wadMulDown(price), rr.maxPokeReward);
        uint256 paidToday = pay.day == block.timestamp / 1 days ? pay.paidToday : 0;
        uint256 left = rr.maxPokeRewardPerDay > paidToday ? rr.maxPokeRewardPerDay - paidToday : 0;
        return MathLib.min(reward, left);
    }

    /// @dev The savings rate's target and its stepped value [wad per year]; sent to sBDOL when its
    /// per-second rate changes.
    function _savingsArm(
        ReserveRules memory rr,
        int256 pegTerm,
        bool belowTarget
    ) internal returns (uint256 target, uint256 rate) {
        int256 raw = int256(uint256(rr.baseSavingsRate)) + pegTerm;
        target = raw <= 0 ? 0 : MathLib.min(uint256(raw), rr.maxSavingsRate);
        if (belowTarget) target = MathLib.min(target, rr.capBelowTarget);
        // Drip first: a cut the surplus forces now is the rate the step starts from.
        ISavingsBdol(rr.savings).drip();
        uint256 current = ISavingsBdol(rr.savings).rate();
        // Read back rounded up: the exact inverse of the rounded-down conversion below, so a rate
        // the controller set reads as itself (sBDOL's own cuts read at most a wei per year high).
        uint256 annual = ((current - ConstantsLib.RAY) * ConstantsLib.SECONDS_PER_YEAR).mulDivUp(1, 1e9);
        rate = _step(annual, target, rr.savingsRateStep);
        // Per second rounded down: holders are never promised more than the annual rate.
        uint256 perSecond = ConstantsLib.RAY + (rate * 1e9) / ConstantsLib.SECONDS_PER_YEAR;
        if (perSecond != current) ISavingsBdol(rr.savings).setRate(perSecond);
    }

    // =================================================================== internals: poke

    /// @dev The stablecoin's price and the peg error e = 1 − p (0 unless the price is live).
    function _pegReading(
        PegRules memory peg
    ) internal view returns (uint256 price, PriceStatus status, int256 pegError) {
        if (peg.pegAsset == address(0)) return (0, PriceStatus.Failed, 0);
        (price, status) = oracle.getPrice(peg.pegAsset);
        if (status == PriceStatus.Live) pegError = int256(ConstantsLib.WAD) - int256(price);
    }

    /// @dev One step of the leaky PI controller with conditional integration (see the interface).
    function _updatePeg(
        PegRules memory peg,
        int256 integral,
        int256 pegError,
        uint256 dt
    ) internal pure returns (int64 newIntegral, int256 pegTerm) {
        int256 wad = int256(ConstantsLib.WAD);
        int256 cap = int256(uint256(peg.maxPegTerm));
        int256 day = int256(uint256(1 days));
        int256 elapsed = int256(dt);
        // Leak toward zero, never past it.
        int256 leak = int256(uint256(peg.leakPerDay)) * elapsed;
        integral = leak >= wad * day ? int256(0) : integral - (integral * leak) / (wad * day);
        integral = _clampSigned(integral, cap);
        int256 proportional = (int256(uint256(peg.kp)) * pegError) / wad;
        // Conditional integration: no step while the output is already saturated in e's direction.
        int256 output = proportional + integral;
        bool saturated = (pegError > 0 && output > cap) || (pegError < 0 && output < -cap);
        if (!saturated) {
            integral = _clampSigned(integral + (int256(uint256(peg.ki)) * pegError * elapsed) / (wad * day), cap);
        }
        // |integral| ≤ cap ≤ MAX_CONTROLLED_RATE < 2^63: fits int64.
        newIntegral = int64(integral);
        pegTerm = _clampSigned(proportional + integral, cap);
    }

    /// @dev Reads every managed collateral at the oracle's current verdict (`priceReport`: `getPrice`'s
    /// answer — the same decision `recordPrice` makes, without storing it — and the round history
    /// walked to now). Recording rounds, which confirms a frozen jump and keeps the walk short, is the
    /// keepers' job (`keeper:record`, and the bot each iteration); a poke does not pay for storing
    /// it, and the volatility and range it reads do not depend on it.
    function _readAll() internal view returns (Reading[] memory readings) {
        uint256 count = _managed.length;
        readings = new Reading[](count);
        for (uint256 i; i < count; ++i) _read(readings[i], _managed[i]);
    }

    /// @dev One collateral's reading: its vault-manager config, the oracle's price and volatility.
    function _read(Reading memory r, address collateral) internal view {
        IVaultManager.CollateralConfig memory config = vaultManager.collateralConfig(collateral);
        r.collateral = collateral;
        r.rules = _rules[collateral];
        // The vault manager's `totalDebt`, computed here from the config it already returned.
        uint256 rate = RateLib.grow(config.rateAccumulator, config.stabilityFee, block.timestamp - config.lastAccrual);
        r.debt = config.totalNormalizedDebt.rayMulUp(rate);
        r.debtCeiling = config.debtCeiling;
        r.liquidationRatio = config.liquidationRatio;
        r.borrowRatio = config.borrowRatio;
        r.stabilityFee = config.stabilityFee;
        IOracleAdapter.PriceReport memory report = oracle.priceReport(config.oracleAsset);
        (r.price, r.status, r.volatility) = (report.price, report.status, report.volatility);
        (r.low, r.high, r.latestPrice) = (report.low, report.high, report.latestPrice);
        r.value = CollateralLib.valueDown(config.totalCollateral, config.decimals, r.price);
    }

    /// @dev Σ value / Σ debt of the managed collaterals (max with no debt).
    function _systemCollateralRatio(Reading[] memory readings) internal pure returns (uint256) {
        uint256 value;
        uint256 debt;
        for (uint256 i; i < readings.length; ++i) {
            value += readings[i].value;
            debt += readings[i].debt;
        }
        return debt == 0 ? type(uint256).max : value.wadDivDown(debt);
    }

    /// @dev One collateral's update, applied to the vault manager and reported; returns its stress loss.
    function _apply(
        Reading memory r,
        SystemRules memory sys,
        int256 pegTerm,
        bool systemHalt,
        uint256 systemHaltUntil
    ) internal returns (uint256) {
        CollateralUpdate memory u = _update(r, sys, pegTerm, systemHalt, systemHaltUntil);
        vaultManager.applyRiskSettings(r.collateral, _toPerSecond(u.rate), u.borrowRatio, u.haltUntil);
        emit CollateralPoked(r.collateral, u);
        return u.stressLoss;
    }

    /// @dev Every output for one collateral; updates its breaker state.
    function _update(
        Reading memory r,
        SystemRules memory sys,
        int256 pegTerm,
        bool systemHalt,
        uint256 systemHaltUntil
    ) internal returns (CollateralUpdate memory u) {
        u.price = r.price;
        u.priceStatus = r.status;
        u.volatility = r.volatility;
        u.utilisation = _utilisation(r.debt, r.debtCeiling);
        _feeOutputs(r, u, pegTerm, systemHalt);
        _borrowRatioOutputs(r, u);
        uint256 haltUntil = Math.max(_priceBreaker(r, u, sys), systemHaltUntil);
        if (haltUntil > block.timestamp) u.haltUntil = haltUntil;
        u.stressLoss = _stressLoss(r, sys);
    }

    /// @dev Stability fee: curve + peg term within [minRate, maxRate], one step at most; maxRate at
    /// once while the system breaker holds.
    function _feeOutputs(Reading memory r, CollateralUpdate memory u, int256 pegTerm, bool systemHalt) internal pure {
        CollateralRules memory rules = r.rules;
        u.curveRate = _curveRate(rules, u.utilisation);
        if (systemHalt) {
            u.targetRate = rules.maxRate;
            u.rate = rules.maxRate;
            return;
        }
        int256 raw = int256(u.curveRate) + pegTerm;
        u.targetRate = raw <= int256(uint256(rules.minRate)) ? rules.minRate : MathLib.min(uint256(raw), rules.maxRate);
        u.rate = _step(_toAnnual(r.stabilityFee), u.targetRate, rules.maxRateStep);
    }

    /// @dev Borrow ratio: LR + margin + multiplier × σ, at most maxBorrowRatio, never below LR, one
    /// step at most.
    function _borrowRatioOutputs(Reading memory r, CollateralUpdate memory u) internal pure {
        CollateralRules memory rules = r.rules;
        uint256 target = r.liquidationRatio +
            rules.baseMargin +
            uint256(rules.volatilityMultiplier).wadMulUp(r.volatility);
        target = MathLib.min(target, rules.maxBorrowRatio);
        if (target < r.liquidationRatio) target = r.liquidationRatio;
        u.targetBorrowRatio = target;
        u.borrowRatio = _step(r.borrowRatio, target, rules.maxBorrowRatioStep);
        if (u.borrowRatio < r.liquidationRatio) u.borrowRatio = r.liquidationRatio;
    }

    /// @dev The price breaker (see the interface): compares each window's anchors, the oracle's range
    /// and the current price, trips on a move above either threshold, then rolls the anchors. Returns
    /// the breaker's halt end.
    function _priceBreaker(
        Reading memory r,
        CollateralUpdate memory u,
        SystemRules memory sys
    ) internal returns (uint256) {
        CollateralState memory st = _cstate[r.collateral];
        // Not live (frozen, stale…): the oracle's latest round stands for the current price.
        uint96 current = _toStoredPrice(r.status == PriceStatus.Live ? r.price : r.latestPrice);
        uint256 low = _toStoredPrice(r.low);
        uint256 high = _toStoredPrice(r.high);
        (u.priceLow, u.priceHigh) = (r.low, r.high);
        u.priceMove = _move(
            st.anchorPrice,
            _recentPrevious(st.previousAnchorPrice, st.anchorTime, sys.priceWindow),
            low,
            high,
            current
        );
        u.slowPriceMove = _move(
            st.slowAnchorPrice,
            _recentPrevious(st.previousSlowAnchorPrice, st.slowAnchorTime, sys.slowWindow),
            low,
            high,
            current
        );
        if (u.priceMove > r.rules.maxPriceMove || u.slowPriceMove > r.rules.maxSlowMove) {
            st.haltUntil = uint32(block.timestamp + sys.coolDown);
            emit PriceBreakerTripped(r.collateral, u.priceMove, u.slowPriceMove, st.haltUntil);
        }
        if (current != 0) {
            (st.anchorPrice, st.previousAnchorPrice, st.anchorTime) = _roll(
                st.anchorPrice,
                st.previousAnchorPrice,
                st.anchorTime,
                current,
                sys.priceWindow
            );
            (st.slowAnchorPrice, st.previousSlowAnchorPrice, st.slowAnchorTime) = _roll(
                st.slowAnchorPrice,
                st.previousSlowAnchorPrice,
                st.slowAnchorTime,
                current,
                sys.slowWindow
            );
        }
        _cstate[r.collateral] = st;
        return st.haltUntil;
    }

    /// @dev The previous anchor while the current one is less than two windows old, else 0 (left out):
    /// every poke of the current anchor's window already compared it.
    function _recentPrevious(uint96 previous, uint32 anchorTime, uint256 window) internal view returns (uint96) {
        return block.timestamp - anchorTime < 2 * window ? previous : 0;
    }

    /// @dev A window's anchors after a poke at `price`: unchanged within the window; the first poke
    /// of a new window shifts them; two windows or more after the anchor both restart at `price`.
    function _roll(
        uint96 anchor,
        uint96 previous,
        uint32 anchorTime,
        uint96 price,
        uint256 window
    ) internal view returns (uint96, uint96, uint32) {
        uint256 elapsed = block.timestamp - anchorTime;
        // Safe: block.timestamp < 2^32 until 2106, as every stored time of the controller.
        if (anchorTime == 0 || elapsed >= 2 * window) return (price, price, uint32(block.timestamp));
        if (elapsed >= window) return (price, anchor, uint32(block.timestamp));
        return (anchor, previous, anchorTime);
    }

    // =================================================================== internals: formulas

    /// @dev curve(u), see the interface. u ≤ 1.
    function _curveRate(CollateralRules memory rules, uint256 u) internal pure returns (uint256) {
        if (u <= rules.kink) return rules.baseRate + uint256(rules.slopeBelowKink).mulDivUp(u, rules.kink);
        // kink < u ≤ 1, so kink < 1.
        return
            rules.baseRate +
            rules.slopeBelowKink +
            uint256(rules.slopeAboveKink).mulDivUp(u - rules.kink, ConstantsLib.WAD - rules.kink);
    }

    /// @dev debt / ceiling, at most 1; a zero ceiling reads as full when there is debt.
    function _utilisation(uint256 debt, uint256 ceiling) internal pure returns (uint256) {
        if (ceiling == 0) return debt == 0 ? 0 : ConstantsLib.WAD;
        return MathLib.min(debt.wadDivUp(ceiling), ConstantsLib.WAD);
    }

    /// @dev loss_c of the stress estimate, rounded up (a target errs high).
    function _stressLoss(Reading memory r, SystemRules memory sys) internal pure returns (uint256) {
        uint256 horizon = Math.sqrt((uint256(sys.varHorizon) * 1e36) / ConstantsLib.SECONDS_PER_YEAR);
        uint256 varMove = uint256(sys.varConfidence).wadMulUp(r.volatility).wadMulUp(horizon);
        uint256 drop = MathLib.min(Math.max(r.rules.stressShock, varMove), ConstantsLib.WAD);
        uint256 recovered = r.liquidationRatio.wadMulDown(ConstantsLib.WAD - drop).wadMulDown(
            ConstantsLib.WAD - r.rules.saleDiscount
        );
        if (recovered >= ConstantsLib.WAD) return 0;
        return r.debt.wadMulUp(ConstantsLib.WAD - recovered);
    }

    /// @dev (max S − min S) / max S over the non-zero prices S = {anchor, previous, low, high,
    /// current}, rounded up (the breaker errs toward tripping); 0 when S is empty.
    function _move(
        uint256 anchor,
        uint256 previous,
        uint256 low,
        uint256 high,
        uint256 current
    ) internal pure returns (uint256) {
        uint256 top = Math.max(Math.max(anchor, previous), Math.max(high, current));
        if (top == 0) return 0;
        uint256 bottom = top;
        if (anchor != 0 && anchor < bottom) bottom = anchor;
        if (previous != 0 && previous < bottom) bottom = previous;
        if (low != 0 && low < bottom) bottom = low;
        if (current != 0 && current < bottom) bottom = current;
        return (top - bottom).mulDivUp(ConstantsLib.WAD, top);
    }

    /// @dev `current` moved toward `target` by at most `maxStep`.
    function _step(uint256 current, uint256 target, uint256 maxStep) internal pure returns (uint256) {
        if (target > current) return MathLib.min(target, current + maxStep);
        return current - MathLib.min(current - target, maxStep);
    }

    /// @dev Annual rate [wad] → per-second fee [ray], rounded up (the protocol's favour).
    function _toPerSecond(uint256 rate) internal pure returns (uint256) {
        return ConstantsLib.RAY + (rate * 1e9).mulDivUp(1, ConstantsLib.SECONDS_PER_YEAR);
    }

    /// @dev Per-second fee [ray] → annual rate [wad], rounded down; exact inverse of `_toPerSecond`.
    function _toAnnual(uint256 perSecond) internal pure returns (uint256) {
        return ((perSecond - ConstantsLib.RAY) * ConstantsLib.SECONDS_PER_YEAR) / 1e9;
    }

    function _toStoredPrice(uint256 price) internal pure returns (uint96) {
        return price > type(uint96).max ? type(uint96).max : uint96(price);
    }

    function _clampSigned(int256 x, int256 cap) internal pure returns (int256) {
        if (x > cap) return cap;
        if (x < -cap) return -cap;
        return x;
    }

    // =================================================================== internals: rules

    function _managedRules(address collateral) internal view returns (CollateralRules memory rules) {
        rules = _rules[collateral];
        if (rules.kink == 0) revert NotManaged(collateral);
    }

    function _checkCollateralRules(CollateralRules calldata r) internal pure {
        ErrorsLib.checkBounds(r.kink, 1, ConstantsLib.WAD);
        ErrorsLib.checkBounds(r.maxRate, 0, ConstantsLib.MAX_CONTROLLED_RATE);
        if (r.minRate > r.baseRate || r.baseRate > r.maxRate)
            revert InvalidRateBounds(r.minRate, r.baseRate, r.maxRate);
        ErrorsLib.checkBounds(r.slopeBelowKink, 0, ConstantsLib.MAX_CONTROLLED_RATE);
        ErrorsLib.checkBounds(r.slopeAboveKink, 0, ConstantsLib.MAX_CONTROLLED_RATE);
        ErrorsLib.checkBounds(r.maxRateStep, 1, ConstantsLib.MAX_RATE_STEP);
        ErrorsLib.checkBounds(r.baseMargin, 0, ConstantsLib.MAX_BASE_MARGIN);
        ErrorsLib.checkBounds(r.volatilityMultiplier, 0, ConstantsLib.MAX_VOLATILITY_MULTIPLIER);
        ErrorsLib.checkBounds(r.maxBorrowRatio, ConstantsLib.MIN_LIQUIDATION_RATIO, ConstantsLib.MAX_BORROW_RATIO);
        ErrorsLib.checkBounds(r.maxBorrowRatioStep, 1, ConstantsLib.MAX_BORROW_RATIO_STEP);
        ErrorsLib.checkBounds(r.maxPriceMove, ConstantsLib.MIN_PRICE_MOVE, ConstantsLib.MAX_PRICE_MOVE);
        ErrorsLib.checkBounds(r.maxSlowMove, ConstantsLib.MIN_PRICE_MOVE, ConstantsLib.MAX_PRICE_MOVE);
        ErrorsLib.checkBounds(r.stressShock, 0, ConstantsLib.MAX_STRESS_SHOCK);
        ErrorsLib.checkBounds(r.saleDiscount, 0, ConstantsLib.MAX_SALE_DISCOUNT);
    }

    function _checkSystemRules(SystemRules memory r) internal pure {
        ErrorsLib.checkBounds(r.pokeInterval, ConstantsLib.MIN_POKE_INTERVAL, ConstantsLib.MAX_POKE_INTERVAL);
        ErrorsLib.checkBounds(r.priceWindow, ConstantsLib.MIN_PRICE_WINDOW, ConstantsLib.MAX_PRICE_WINDOW);
        ErrorsLib.checkBounds(r.slowWindow, r.priceWindow, ConstantsLib.MAX_SLOW_WINDOW);
        ErrorsLib.checkBounds(r.coolDown, ConstantsLib.MIN_BREAKER_COOLDOWN, ConstantsLib.MAX_BREAKER_COOLDOWN);
        ErrorsLib.checkBounds(r.varHorizon, ConstantsLib.MIN_VAR_HORIZON, ConstantsLib.MAX_VAR_HORIZON);
        ErrorsLib.checkBounds(
            r.criticalCollateralRatio,
            ConstantsLib.MIN_CRITICAL_RATIO,
            ConstantsLib.MAX_CRITICAL_RATIO
        );
        ErrorsLib.checkBounds(r.varConfidence, 0, ConstantsLib.MAX_VAR_CONFIDENCE);
    }
}

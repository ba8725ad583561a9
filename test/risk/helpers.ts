/**
 * An independent model of the risk controller (IRiskController's NatSpec re-implemented in bigint,
 * with the contract's rounding), the readers that gather its inputs from the chain, and the checks
 * that compare a poke's events and writes with the model.
 *
 * Two choices where the NatSpec leaves the order open, taken as the NatSpec reads:
 * - Peg anti-windup: the integration step is skipped while kp·e + I (I after the leak, before this
 *   step's integration) is saturated in the direction of e.
 * - Price breaker: the move is measured first, over the anchors (the previous one only while the
 *   anchor is under two windows old), the oracle's range and the current price; then the first poke
 *   of a window sets the new anchor (the old one becomes the previous anchor; two windows or more
 *   after the last anchor both restart at the current price).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse, Result } from "ethers";

import {
  PriceStatus,
  RAY,
  SECONDS_PER_YEAR,
  WAD,
  annualRateOf,
  bounds,
  isqrt,
  max,
  min,
  mulDivUp,
  perSecondFeeUp,
  rayDivUp,
  rayMulUp,
  rpowUp,
  stepToward,
  valueDown,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
} from "../../lib/sdk";
import type { System } from "../helpers/fixtures";
import type { ControllerRules } from "../../config/networks";

export { RAY, SECONDS_PER_YEAR, WAD };
export const DAY = 86_400n;
export const HOUR = 3_600n;

/** IOracleAdapter's `PriceStatus` (the SDK's). */
export const Status = PriceStatus;
export type Status = PriceStatus;

/** ConstantsLib's bounds, generated from the Solidity (lib/sdk/constants.ts). */
export const BOUNDS = bounds;

// ----------------------------------------------------------------------------- fixed point

export { isqrt, max, min, mulDivUp, rayDivUp, rayMulUp, wadDivDown, wadDivUp, wadMulDown, wadMulUp };
const clampSigned = (x: bigint, cap: bigint) => (x > cap ? cap : x < -cap ? -cap : x);

// ----------------------------------------------------------------------------- the controller's formulas

/** Annual rate [wad] ↔ per-second fee [ray], and the stepped move (the SDK's). */
export const toAnnual = annualRateOf;
export const toPerSecond = perSecondFeeUp;
export { stepToward };

/** A collateral's controller rules (IRiskController.CollateralRules): the config's type. */
export type CollateralRules = ControllerRules;
export const RULE_KEYS: (keyof CollateralRules)[] = [
  "baseRate",
  "kink",
  "slopeBelowKink",
  "slopeAboveKink",
  "minRate",
  "maxRate",
  "maxRateStep",
  "baseMargin",
  "volatilityMultiplier",
  "maxBorrowRatio",
  "maxBorrowRatioStep",
  "maxPriceMove",
  "maxSlowMove",
  "stressShock",
  "saleDiscount",
];

export interface PegRules {
  pegAsset: string;
  kp: bigint;
  ki: bigint;
  leakPerDay: bigint;
  maxPegTerm: bigint;
}

export interface SystemRules {
  pokeInterval: bigint;
  priceWindow: bigint;
  slowWindow: bigint;
  coolDown: bigint;
  varHorizon: bigint;
  criticalCollateralRatio: bigint;
  varConfidence: bigint;
}

export interface ControllerState {
  lastPoke: bigint;
  systemHaltUntil: bigint;
  integral: bigint;
  reserveTarget: bigint;
}

export interface CollateralState {
  anchorPrice: bigint;
  previousAnchorPrice: bigint;
  anchorTime: bigint;
  haltUntil: bigint;
  slowAnchorPrice: bigint;
  previousSlowAnchorPrice: bigint;
  slowAnchorTime: bigint;
}

/** The vault-manager fields a poke reads. */
export interface VmConfig {
  decimals: bigint;
  rateAccumulator: bigint;
  lastAccrual: bigint;
  stabilityFee: bigint;
  totalNormalizedDebt: bigint;
  totalCollateral: bigint;
  debtCeiling: bigint;
  liquidationRatio: bigint;
  borrowRatio: bigint;
  pausedUntil: bigint;
}

/** curve(u) of the NatSpec, u ≤ 1, each division rounded up. */
export function curve(r: CollateralRules, u: bigint): bigint {
  if (u <= r.kink) return r.baseRate + mulDivUp(r.slopeBelowKink, u, r.kink);
  return r.baseRate + r.slopeBelowKink + mulDivUp(r.slopeAboveKink, u - r.kink, WAD - r.kink);
}

/** debt / ceiling rounded up, at most 1; a zero ceiling reads as full when there is debt. */
export function utilisation(debt: bigint, ceiling: bigint): bigint {
  if (ceiling === 0n) return debt === 0n ? 0n : WAD;
  return min(wadDivUp(debt, ceiling), WAD);
}

/** A collateral's accrued debt at `t` (the vault manager's totalDebt at that second). */
export function debtAt(c: VmConfig, t: bigint): bigint {
  let rate = c.rateAccumulator;
  if (t > c.lastAccrual) rate = rayMulUp(rate, rpowUp(c.stabilityFee, t - c.lastAccrual));
  return rayMulUp(c.totalNormalizedDebt, rate);
}

/** √(horizon / year) [wad], rounded down. */
export const horizonFactor = (sys: SystemRules) => isqrt((sys.varHorizon * 10n ** 36n) / SECONDS_PER_YEAR);
/** z · σ · √(horizon / year), each product rounded up. */
export const varMove = (sys: SystemRules, volatility: bigint) =>
  wadMulUp(wadMulUp(sys.varConfidence, volatility), horizonFactor(sys));

/** loss_c = D · max(0, 1 − LR · (1 − d) · (1 − δ)), d = min(1, max(shock, z σ √h)); a target errs high. */
export function stressLoss(
  debt: bigint,
  liquidationRatio: bigint,
  volatility: bigint,
  r: CollateralRules,
  sys: SystemRules,
): bigint {
  const drop = min(max(r.stressShock, varMove(sys, volatility)), WAD);
  const recovered = wadMulDown(wadMulDown(liquidationRatio, WAD - drop), WAD - r.saleDiscount);
  if (recovered >= WAD) return 0n;
  return wadMulUp(debt, WAD - recovered);
}

/** (max S − min S) / max S over the non-zero prices of S, rounded up (0 for an empty S). */
export function rangeMove(prices: bigint[]): bigint {
  const s = prices.filter((p) => p !== 0n);
  if (s.length === 0) return 0n;
  const top = s.reduce(max);
  return mulDivUp(top - s.reduce(min), WAD, top);
}

/** One step of the leaky PI controller (see the file comment for the anti-windup reading). */
export function pegStep(
  peg: PegRules,
  integral: bigint,
  pegError: bigint,
  dt: bigint,
): { integral: bigint; pegTerm: bigint; saturated: boolean } {
  const cap = peg.maxPegTerm;
  const leak = peg.leakPerDay * dt;
  let I = leak >= WAD * DAY ? 0n : integral - (integral * leak) / (WAD * DAY);
  I = clampSigned(I, cap);
  const proportional = (peg.kp * pegError) / WAD;
  const output = proportional + I;
  const saturated = (pegError > 0n && output > cap) || (pegError < 0n && output < -cap);
  if (!saturated) I = clampSigned(I + (peg.ki * pegError * dt) / (WAD * DAY), cap);
  return { integral: I, pegTerm: clampSigned(proportional + I, cap), saturated };
}

// ----------------------------------------------------------------------------- a whole poke

/** What a test states about one collateral's oracle reading in the poke. */
export interface Reading {
  price: bigint; // the price the poke sees (the last good price when not live)
  status: Status;
  volatility: bigint;
  /** The oracle's range and latest round (priceReport) as the poke read them. */
  low: bigint;
  high: bigint;
  latestPrice: bigint;
}

export interface CollateralInput extends Reading {
  token: string;
  rules: CollateralRules;
  cstate: CollateralState;
  config: VmConfig;
}

export interface PokeInput {
  t: bigint;
  state: ControllerState;
  system: SystemRules;
  peg: PegRules;
  pegPrice: bigint;
  pegStatus: Status;
  maxPauseDuration: bigint;
  collaterals: CollateralInput[];
}

export interface Update {
  price: bigint;
  priceStatus: bigint;
  utilisation: bigint;
  volatility: bigint;
  priceLow: bigint;
  priceHigh: bigint;
  priceMove: bigint;
  slowPriceMove: bigint;
  curveRate: bigint;
  targetRate: bigint;
  rate: bigint;
  targetBorrowRatio: bigint;
  borrowRatio: bigint;
  stressLoss: bigint;
  haltUntil: bigint;
}
export const UPDATE_KEYS: (keyof Update)[] = [
  "price",
  "priceStatus",
  "utilisation",
  "volatility",
  "priceLow",
  "priceHigh",
  "priceMove",
  "slowPriceMove",
  "curveRate",
  "targetRate",
  "rate",
  "targetBorrowRatio",
  "borrowRatio",
  "stressLoss",
  "haltUntil",
];

export interface PokePrediction {
  t: bigint;
  pegPrice: bigint;
  pegStatus: bigint;
  pegError: bigint;
  integral: bigint;
  pegTerm: bigint;
  collateralRatio: bigint;
  systemTripped: boolean;
  systemHaltUntil: bigint;
  reserveTarget: bigint;
  updates: Update[];
  debts: bigint[];
  states: CollateralState[];
  priceTrips: { index: number; move: bigint; slowMove: bigint; haltUntil: bigint }[];
  /** What the vault manager holds after the poke, per collateral. */
  vm: {
    stabilityFee: bigint;
    borrowRatio: bigint;
    pausedUntil: bigint;
    feeChanged: boolean;
    ratioChanged: boolean;
    paused: boolean;
  }[];
}

export const UINT256_MAX = 2n ** 256n - 1n;
const UINT96_MAX = 2n ** 96n - 1n;

/** Everything one poke at `input.t` should emit and write, from the NatSpec. */
export function predictPoke(input: PokeInput): PokePrediction {
  const { t, state, system: sys, peg } = input;
  const dt = state.lastPoke === 0n ? 0n : min(t - state.lastPoke, BOUNDS.MAX_INTEGRATION_STEP);

  const pegError = peg.pegAsset === ethers.ZeroAddress || input.pegStatus !== Status.Live ? 0n : WAD - input.pegPrice;
  const { integral, pegTerm } = pegStep(peg, state.integral, pegError, dt);

  const debts = input.collaterals.map((c) => debtAt(c.config, t));
  let value = 0n;
  let debt = 0n;
  input.collaterals.forEach((c, i) => {
    value += valueDown(c.config.totalCollateral, c.config.decimals, c.price);
    debt += debts[i];
  });
  const collateralRatio = debt === 0n ? UINT256_MAX : wadDivDown(value, debt);
  const systemTripped = collateralRatio < sys.criticalCollateralRatio;
  const systemHaltUntil = systemTripped ? t + sys.coolDown : state.systemHaltUntil;
  const systemHalt = t < systemHaltUntil;

  const updates: Update[] = [];
  const states: CollateralState[] = [];
  const priceTrips: PokePrediction["priceTrips"] = [];
  const vm: PokePrediction["vm"] = [];
  let reserveTarget = 0n;
  input.collaterals.forEach((c, i) => {
    const r = c.rules;
    const u = utilisation(debts[i], c.config.debtCeiling);
    const curveRate = curve(r, u);
    let targetRate: bigint;
    let rate: bigint;
    if (systemHalt) {
      targetRate = r.maxRate;
      rate = r.maxRate;
    } else {
      const raw = curveRate + pegTerm;
      targetRate = raw <= r.minRate ? r.minRate : min(raw, r.maxRate);
      rate = stepToward(toAnnual(c.config.stabilityFee), targetRate, r.maxRateStep);
    }
    const lr = c.config.liquidationRatio;
    let targetBorrowRatio = min(lr + r.baseMargin + wadMulUp(r.volatilityMultiplier, c.volatility), r.maxBorrowRatio);
    if (targetBorrowRatio < lr) targetBorrowRatio = lr;
    let borrowRatio = stepToward(c.config.borrowRatio, targetBorrowRatio, r.maxBorrowRatioStep);
    if (borrowRatio < lr) borrowRatio = lr;

    const st = { ...c.cstate };
    const sat = (p: bigint) => (p > UINT96_MAX ? UINT96_MAX : p);
    const current = sat(c.status === Status.Live ? c.price : c.latestPrice);
    const observed = [sat(c.low), sat(c.high), current];
    // The previous anchor counts while the anchor is under two windows old.
    const recent = (previous: bigint, since: bigint, window: bigint) => (t - since < 2n * window ? previous : 0n);
    const move = rangeMove([
      st.anchorPrice,
      recent(st.previousAnchorPrice, st.anchorTime, sys.priceWindow),
      ...observed,
    ]);
    const slowMove = rangeMove([
      st.slowAnchorPrice,
      recent(st.previousSlowAnchorPrice, st.slowAnchorTime, sys.slowWindow),
      ...observed,
    ]);
    if (move > r.maxPriceMove || slowMove > r.maxSlowMove) {
      st.haltUntil = t + sys.coolDown;
      priceTrips.push({ index: i, move, slowMove, haltUntil: st.haltUntil });
    }
    // Then the anchors roll with the current price (none without one).
    const roll = (anchor: bigint, previous: bigint, since: bigint, window: bigint): [bigint, bigint, bigint] => {
      if (since === 0n || t >= since + 2n * window) return [current, current, t];
      if (t >= since + window) return [current, anchor, t];
      return [anchor, previous, since];
    };
    if (current !== 0n) {
      [st.anchorPrice, st.previousAnchorPrice, st.anchorTime] = roll(
        st.anchorPrice,
        st.previousAnchorPrice,
        st.anchorTime,
        sys.priceWindow,
      );
      [st.slowAnchorPrice, st.previousSlowAnchorPrice, st.slowAnchorTime] = roll(
        st.slowAnchorPrice,
        st.previousSlowAnchorPrice,
        st.slowAnchorTime,
        sys.slowWindow,
      );
    }
    states.push(st);
    const haltMax = max(st.haltUntil, systemHaltUntil);
    const haltUntil = haltMax > t ? haltMax : 0n;
    const loss = stressLoss(debts[i], lr, c.volatility, r, sys);
    reserveTarget += loss;
    updates.push({
      price: c.price,
      priceStatus: BigInt(c.status),
      utilisation: u,
      volatility: c.volatility,
      priceLow: c.low,
      priceHigh: c.high,
      priceMove: move,
      slowPriceMove: slowMove,
      curveRate,
      targetRate,
      rate,
      targetBorrowRatio,
      borrowRatio,
      stressLoss: loss,
      haltUntil,
    });
    const fee = toPerSecond(rate);
    const cappedHalt = min(haltUntil, t + input.maxPauseDuration);
    const extends_ = cappedHalt > c.config.pausedUntil;
    vm.push({
      stabilityFee: fee,
      borrowRatio,
      pausedUntil: extends_ ? cappedHalt : c.config.pausedUntil,
      feeChanged: fee !== c.config.stabilityFee,
      ratioChanged: borrowRatio !== c.config.borrowRatio,
      paused: extends_,
    });
  });

  return {
    t,
    pegPrice: peg.pegAsset === ethers.ZeroAddress ? 0n : input.pegPrice,
    pegStatus: BigInt(peg.pegAsset === ethers.ZeroAddress ? Status.Failed : input.pegStatus),
    pegError,
    integral,
    pegTerm,
    collateralRatio,
    systemTripped,
    systemHaltUntil,
    reserveTarget,
    updates,
    debts,
    states,
    priceTrips,
    vm,
  };
}

// ----------------------------------------------------------------------------- chain readers

const bigs = <T extends object>(r: Result | object, keys: (keyof T)[]): T => {
  const o = {} as Record<string, unknown>;
  for (const k of keys) o[k as string] = (r as Record<string, unknown>)[k as string];
  return o as T;
};

export async function readRules(sys: System, token: string): Promise<CollateralRules> {
  return bigs<CollateralRules>(await sys.risk.collateralRules(token), RULE_KEYS);
}

export async function readPeg(sys: System): Promise<PegRules> {
  const p = await sys.risk.pegRules();
  return { pegAsset: p.pegAsset, kp: p.kp, ki: p.ki, leakPerDay: p.leakPerDay, maxPegTerm: p.maxPegTerm };
}

export async function readSystem(sys: System): Promise<SystemRules> {
  const s = await sys.risk.systemRules();
  return {
    pokeInterval: s.pokeInterval,
    priceWindow: s.priceWindow,
    slowWindow: s.slowWindow,
    coolDown: s.coolDown,
    varHorizon: s.varHorizon,
    criticalCollateralRatio: s.criticalCollateralRatio,
    varConfidence: s.varConfidence,
  };
}

export async function readState(sys: System): Promise<ControllerState> {
  const s = await sys.risk.state();
  return {
    lastPoke: s.lastPoke,
    systemHaltUntil: s.systemHaltUntil,
    integral: s.integral,
    reserveTarget: s.reserveTarget,
  };
}

export async function readCState(sys: System, token: string): Promise<CollateralState> {
  const s = await sys.risk.collateralState(token);
  return {
    anchorPrice: s.anchorPrice,
    previousAnchorPrice: s.previousAnchorPrice,
    anchorTime: s.anchorTime,
    haltUntil: s.haltUntil,
    slowAnchorPrice: s.slowAnchorPrice,
    previousSlowAnchorPrice: s.previousSlowAnchorPrice,
    slowAnchorTime: s.slowAnchorTime,
  };
}

export async function readVm(sys: System, token: string): Promise<VmConfig> {
  const c = await sys.vaultManager.collateralConfig(token);
  return {
    decimals: c.decimals,
    rateAccumulator: c.rateAccumulator,
    lastAccrual: c.lastAccrual,
    stabilityFee: c.stabilityFee,
    totalNormalizedDebt: c.totalNormalizedDebt,
    totalCollateral: c.totalCollateral,
    debtCeiling: c.debtCeiling,
    liquidationRatio: c.liquidationRatio,
    borrowRatio: c.borrowRatio,
    pausedUntil: c.pausedUntil,
  };
}

/** Everything a poke reads that is not an oracle reading, as of now (before the poke). */
export async function readPre(sys: System) {
  const managed = [...(await sys.risk.managedCollaterals())];
  const collaterals = [];
  for (const token of managed) {
    collaterals.push({
      token,
      rules: await readRules(sys, token),
      cstate: await readCState(sys, token),
      config: await readVm(sys, token),
    });
  }
  return {
    state: await readState(sys),
    system: await readSystem(sys),
    peg: await readPeg(sys),
    maxPauseDuration: await sys.vaultManager.maxPauseDuration(),
    collaterals,
    arm: await readArm(sys),
  };
}
export type Pre = Awaited<ReturnType<typeof readPre>>;

/**
 * The reserve arm's inputs before a poke: its rules, the pay state, the reserve's ledgers (booked:
 * the poke helper books any inflow first, so the poke's own booking moves nothing), the PSM-backed
 * coin and sBDOL's rate.
 */
/** The reserve arm's rules in force, as a plain object `setReserveRules` takes. */
export async function readReserveRules(sys: System) {
  const r = await sys.risk.reserveRules();
  return {
    reserve: r.reserve,
    baseSavingsRate: r.baseSavingsRate,
    savings: r.savings,
    pokeGas: r.pokeGas,
    maxPokeReward: r.maxPokeReward,
    gasAsset: r.gasAsset,
    maxPokeRewardPerDay: r.maxPokeRewardPerDay,
    maxSavingsRate: r.maxSavingsRate,
    savingsRateStep: r.savingsRateStep,
    capBelowTarget: r.capBelowTarget,
    stableStress: r.stableStress,
  };
}

export async function readArm(sys: System) {
  const rules = await readReserveRules(sys);
  const pay = await sys.risk.payState();
  const l = await sys.reserve.ledgers();
  expect(l.unbooked, "the reserve is booked before the poke").to.equal(0n);
  return {
    rules,
    pay: { day: pay.day, paidToday: pay.paidToday },
    buffer: l.buffer,
    surplus: l.surplus,
    psmBacked: await sys.reserve.psmBacked(),
    savingsRate: rules.savings === ethers.ZeroAddress ? 0n : await sys.savings.rate(),
  };
}

/** The reserve arm of a poke at `t` (IRiskController's NatSpec), from the vault target and the peg term. */
export function predictArm(
  arm: Pre["arm"],
  t: bigint,
  vaultTarget: bigint,
  pegTerm: bigint,
  basefee: bigint,
  gasPrice: { price: bigint; status: Status },
) {
  const r = arm.rules;
  const stablePart = r.stableStress === 0n ? 0n : wadMulUp(arm.psmBacked, r.stableStress);
  const target = vaultTarget + stablePart;
  let reward = 0n;
  if (r.gasAsset !== ethers.ZeroAddress && r.pokeGas !== 0n && gasPrice.status === Status.Live) {
    reward = min(wadMulDown(r.pokeGas * basefee, gasPrice.price), r.maxPokeReward);
    const paidToday = arm.pay.day === t / DAY ? arm.pay.paidToday : 0n;
    reward = min(reward, r.maxPokeRewardPerDay > paidToday ? r.maxPokeRewardPerDay - paidToday : 0n);
  }
  const paid = min(reward, arm.surplus);
  const stored = min(target, 2n ** 96n - 1n);
  const belowTarget = arm.buffer + arm.surplus - paid < stored;
  let savingsTarget = 0n;
  let savingsRate = 0n;
  let perSecond: bigint | undefined;
  if (r.savings !== ethers.ZeroAddress) {
    const raw = r.baseSavingsRate + pegTerm;
    savingsTarget = raw <= 0n ? 0n : min(raw, r.maxSavingsRate);
    if (belowTarget) savingsTarget = min(savingsTarget, r.capBelowTarget);
    const annual = mulDivUp((arm.savingsRate - RAY) * SECONDS_PER_YEAR, 1n, 10n ** 9n);
    savingsRate = stepToward(annual, savingsTarget, r.savingsRateStep);
    const next = RAY + (savingsRate * 10n ** 9n) / SECONDS_PER_YEAR;
    if (next !== arm.savingsRate) perSecond = next;
  }
  const pay =
    paid === 0n ? arm.pay : { day: t / DAY, paidToday: (arm.pay.day === t / DAY ? arm.pay.paidToday : 0n) + paid };
  return { target, stablePart, reward, paid, belowTarget, savingsTarget, savingsRate, perSecond, pay };
}

/** Timestamp of the block that mined `tx`. */
export async function timeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

/** Decoded logs of `contract` in `tx`, in order, with their names. */
export async function logsOf(
  tx: ContractTransactionResponse,
  contract: BaseContract,
): Promise<{ name: string; args: Result }[]> {
  const receipt = await tx.wait();
  const address = (await contract.getAddress()).toLowerCase();
  const out: { name: string; args: Result }[] = [];
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed) out.push({ name: parsed.name, args: parsed.args });
  }
  return out;
}

/** The controller as a signer (impersonated, funded for gas). */
export async function controllerSigner(sys: System): Promise<HardhatEthersSigner> {
  const address = await sys.risk.getAddress();
  await setBalance(address, 10n ** 20n);
  return ethers.getImpersonatedSigner(address);
}

// ----------------------------------------------------------------------------- checking a poke

export const updateTuple = (u: Update) => UPDATE_KEYS.map((k) => u[k]);

/**
 * Predicts the poke `tx` (mined after `pre` was read) from `pre` and the stated oracle readings,
 * and checks every event of the controller and the vault manager in the transaction, in order, and
 * the controller's and vault manager's state afterwards. Returns the prediction.
 */
export async function expectPoke(
  sys: System,
  tx: ContractTransactionResponse,
  pre: Pre,
  readings: Reading[],
  peg: { price: bigint; status: Status },
): Promise<PokePrediction> {
  const t = await timeOf(tx);
  expect(readings.length, "one reading per managed collateral").to.equal(pre.collaterals.length);
  const p = predictPoke({
    t,
    state: pre.state,
    system: pre.system,
    peg: pre.peg,
    pegPrice: peg.price,
    pegStatus: peg.status,
    maxPauseDuration: pre.maxPauseDuration,
    collaterals: pre.collaterals.map((c, i) => ({ ...c, ...readings[i] })),
  });
  const receipt = (await tx.wait())!;
  const caller = receipt.from;
  let arm: ReturnType<typeof predictArm> | undefined;
  if (pre.arm.rules.reserve !== ethers.ZeroAddress) {
    const block = (await ethers.provider.getBlock(receipt.blockNumber))!;
    const [price, status] = await sys.oracle.getPrice(pre.arm.rules.gasAsset, { blockTag: receipt.blockNumber });
    arm = predictArm(pre.arm, t, p.reserveTarget, p.pegTerm, block.baseFeePerGas!, {
      price,
      status: Number(status) as Status,
    });
    p.reserveTarget = arm.target;
  }

  // The controller's events, in order.
  const expectedRisk: [string, unknown[]][] = [];
  if (p.systemTripped) expectedRisk.push(["SystemBreakerTripped", [p.collateralRatio, p.systemHaltUntil]]);
  pre.collaterals.forEach((c, i) => {
    for (const trip of p.priceTrips.filter((x) => x.index === i)) {
      expectedRisk.push(["PriceBreakerTripped", [c.token, trip.move, trip.slowMove, trip.haltUntil]]);
    }
    expectedRisk.push(["CollateralPoked", [c.token, updateTuple(p.updates[i])]]);
  });
  if (arm) {
    expectedRisk.push([
      "ReservePoked",
      [arm.target, arm.stablePart, arm.belowTarget, arm.reward, arm.paid, arm.savingsTarget, arm.savingsRate],
    ]);
  }
  expectedRisk.push([
    "Poked",
    [
      caller,
      p.pegPrice,
      p.pegStatus,
      p.pegError,
      p.integral,
      p.pegTerm,
      p.collateralRatio,
      p.systemHaltUntil,
      p.reserveTarget,
    ],
  ]);
  const riskLogs = await logsOf(tx, sys.risk);
  const actualRisk = riskLogs.map((l) => [
    l.name,
    l.name === "CollateralPoked" ? [l.args[0], [...l.args[1]]] : [...l.args],
  ]);
  expect(actualRisk, "controller events").to.deep.equal(expectedRisk);

  // The vault manager's events, in order: accrual before a fee change, then the ratio, then the halt.
  const vmAddress = await sys.risk.getAddress();
  const expectedVm: [string, unknown[]][] = [];
  pre.collaterals.forEach((c, i) => {
    const v = p.vm[i];
    if (v.feeChanged) {
      const elapsed = t - c.config.lastAccrual;
      const rate =
        elapsed === 0n
          ? c.config.rateAccumulator
          : rayMulUp(c.config.rateAccumulator, rpowUp(c.config.stabilityFee, elapsed));
      const fee =
        rayMulUp(c.config.totalNormalizedDebt, rate) - rayMulUp(c.config.totalNormalizedDebt, c.config.rateAccumulator);
      expectedVm.push(["FeesAccrued", [c.token, rate, fee]]);
      expectedVm.push(["StabilityFeeSet", [c.token, c.config.stabilityFee, v.stabilityFee]]);
    }
    if (v.ratioChanged) expectedVm.push(["BorrowRatioSet", [c.token, c.config.borrowRatio, v.borrowRatio]]);
    if (v.paused) expectedVm.push(["Paused", [c.token, vmAddress, v.pausedUntil]]);
  });
  const vmLogs = (await logsOf(tx, sys.vaultManager)).map((l) => [l.name, [...l.args]]);
  expect(vmLogs, "vault manager events").to.deep.equal(expectedVm);

  // State afterwards.
  expect(await readState(sys), "state()").to.deep.equal({
    lastPoke: t,
    systemHaltUntil: p.systemHaltUntil,
    integral: p.integral,
    reserveTarget: p.reserveTarget,
  });
  if (arm) {
    const pay = await sys.risk.payState();
    expect({ day: pay.day, paidToday: pay.paidToday }, "payState()").to.deep.equal(arm.pay);
    expect(await sys.reserve.reserveTarget(), "the reserve's target").to.equal(min(arm.target, 2n ** 96n - 1n));
    if (pre.arm.rules.savings !== ethers.ZeroAddress) {
      expect(await sys.savings.rate(), "sBDOL's rate").to.equal(arm.perSecond ?? pre.arm.savingsRate);
    }
  }
  for (let i = 0; i < pre.collaterals.length; i++) {
    const token = pre.collaterals[i].token;
    expect(await readCState(sys, token), `collateralState ${i}`).to.deep.equal(p.states[i]);
    const c = await readVm(sys, token);
    expect([c.stabilityFee, c.borrowRatio, c.pausedUntil, c.liquidationRatio], `vault manager ${i}`).to.deep.equal([
      p.vm[i].stabilityFee,
      p.vm[i].borrowRatio,
      p.vm[i].pausedUntil,
      pre.collaterals[i].config.liquidationRatio,
    ]);
  }
  return p;
}

/**
 * The risk controller on the real deployment (deploy/10_risk_controller.ts with the local config:
 * hourly pokes, 1 h price window, 6 h cool-down, critical ratio 1.2, peg on BDOL_USD_FEED with
 * kp 1, ki 0.5/day, leak 0.2/day, cap 0.1). Every poke is checked against an independent bigint
 * model of IRiskController's NatSpec (test/risk/helpers.ts): every controller and vault-manager
 * event in order, and the state both keep afterwards. The tests add hand-written spot values.
 *
 * Every test states the NatSpec; the review that wrote them found four mismatches (anti-windup
 * integrated-then-tested, stale anchors after a gap, an overstated "always trips", peg gains wider
 * than their uint64 fields), each fixed in the contract and kept here as a regression test.
 */
import { expect } from "chai";
import { deployments, ethers, getNamedAccounts } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MaxUint256, ZeroAddress } from "ethers";

import { networkConfig } from "../../config/networks";
import { perSecondRate, rpowUp, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, fund, loadSystem, openVault, type System } from "../helpers/fixtures";
import type { MockAggregator, RiskController, VaultManager } from "../../typechain-types";
import {
  BOUNDS,
  DAY,
  HOUR,
  RAY,
  RULE_KEYS,
  SECONDS_PER_YEAR,
  Status,
  UINT256_MAX,
  WAD,
  controllerSigner,
  curve,
  debtAt,
  expectPoke,
  horizonFactor,
  logsOf,
  mulDivUp,
  rayDivUp,
  rayMulUp,
  readCState,
  readPeg,
  readPre,
  readRules,
  readState,
  readSystem,
  readVm,
  stressLoss,
  timeOf,
  toAnnual,
  toPerSecond,
  varMove,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
  type CollateralRules,
  type PegRules,
  type PokePrediction,
  type SystemRules,
} from "./helpers";

const LOCAL = networkConfig("hardhat");
const WETH_CONTROL: CollateralRules = { ...LOCAL.collaterals.WETH.control };
const WBTC_CONTROL: CollateralRules = { ...LOCAL.collaterals.WBTC.control };
const LR = LOCAL.collaterals.WETH.liquidationRatio; // 1.5 for both
const COOL_DOWN = BigInt(LOCAL.risk.coolDown); // 6 h
const INTERVAL = BigInt(LOCAL.risk.pokeInterval); // 1 h
const MAX_PAUSE = BigInt(LOCAL.governance.maxPauseDuration); // 7 days
const BDOL_HEARTBEAT = BigInt(LOCAL.pricedAssets.BDOL.feed.heartbeat); // 90,000 s
const ADMIN_ROLE = ethers.ZeroHash;
const RISK_CONTROL_ROLE = ethers.id("RISK_CONTROL_ROLE");
const U64_MAX = 2n ** 64n - 1n;
const ZERO_RULES: CollateralRules = Object.fromEntries(RULE_KEYS.map((k) => [k, 0n])) as unknown as CollateralRules;

type Expected = { price: bigint; status: Status };
const live = (usd: number | string): Expected => ({ price: wad(usd), status: Status.Live });
const PEG_LIVE: Expected = live(1);

describe("RiskController", () => {
  let sys: System;
  let risk: RiskController;
  let vm: VaultManager;
  let gov: RiskController; // as the timelock
  let vmGov: VaultManager; // as the timelock
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let weth: string;
  let wbtc: string;
  let usdc: string;
  let bdol: string;
  let systemRules: SystemRules;
  let pegRules: PegRules;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol } = sys);
    risk = sys.risk;
    vm = sys.vaultManager;
    gov = risk.connect(await adminOf(risk));
    vmGov = vm.connect(await adminOf(vm));
    weth = await sys.weth.getAddress();
    wbtc = await sys.wbtc.getAddress();
    usdc = await sys.usdc.getAddress();
    bdol = await sys.bdol.getAddress();
    systemRules = await readSystem(sys);
    pegRules = await readPeg(sys);
  });

  // --------------------------------------------------------------------------- helpers

  /**
   * Pokes (as the keeper, at `at` when given) and checks the poke against the model with the stated
   * readings: per managed collateral the price and status the poke sees, and the peg price.
   * Volatilities, price ranges and latest rounds come from the oracle's `priceReport` at the poke's block.
   */
  async function poke(
    readings: Expected[],
    peg: Expected = PEG_LIVE,
    opts: { at?: bigint; from?: HardhatEthersSigner } = {},
  ): Promise<PokePrediction & { tx: Awaited<ReturnType<RiskController["poke"]>> }> {
    // Inflows to the reserve are booked first, so the model reads its ledgers as the poke will.
    if ((await sys.reserve.ledgers()).unbooked > 0n) await sys.reserve.book();
    const pre = await readPre(sys);
    // As the keeper bot does: record each managed collateral's latest round, then poke — here in one
    // block, so that the poke sees exactly what a recording poke would.
    const from = opts.from ?? sys.keeper;
    await ethers.provider.send("evm_setAutomine", [false]);
    let tx: Awaited<ReturnType<RiskController["poke"]>>;
    try {
      for (const c of pre.collaterals) {
        const asset = (await vm.collateralConfig(c.token)).oracleAsset;
        await sys.oracle.connect(from).recordPrice(asset, { gasLimit: 3_000_000 });
      }
      tx = await risk.connect(from).poke({ gasLimit: 15_000_000 });
      if (opts.at !== undefined) await time.setNextBlockTimestamp(opts.at);
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    // The oracle's report at the poke's block (the poke is its last transaction): what the poke read.
    const blockTag = (await tx.wait())!.blockNumber;
    const reports: Awaited<ReturnType<typeof sys.oracle.priceReport>>[] = [];
    for (const c of pre.collaterals) {
      reports.push(await sys.oracle.priceReport((await vm.collateralConfig(c.token)).oracleAsset, { blockTag }));
    }
    const p = await expectPoke(
      sys,
      tx,
      pre,
      readings.map((r, i) => ({
        ...r,
        volatility: reports[i].volatility,
        low: reports[i].low,
        high: reports[i].high,
        latestPrice: reports[i].latestPrice,
      })),
      peg,
    );
    return { ...p, tx };
  }

  /** Re-publishes the current answer of each feed (a new round stamped now), so none is stale. */
  async function refresh(...feeds: MockAggregator[]) {
    const list = feeds.length ? feeds : [sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed, sys.bdolFeed];
    for (const f of list) await f.updateAnswer(await f.answers(await f.latestRound()));
  }

  /** Advances to `lastPoke + seconds`, refreshing every feed just before. */
  async function after(seconds: bigint, ...feeds: MockAggregator[]): Promise<bigint> {
    const at = (await readState(sys)).lastPoke + seconds;
    await time.setNextBlockTimestamp(at - 5n);
    await refresh(...feeds);
    return at;
  }

  /** Advances to `lastPoke + seconds` (fresh BTC and BDOL rounds) and publishes an ETH price just before. */
  async function ethAfter(seconds: bigint, usd: number | string): Promise<bigint> {
    const at = await after(seconds, sys.btcFeed, sys.wbtcBtcFeed, sys.bdolFeed);
    await sys.ethFeed.updateAnswer(feedAnswer(usd));
    return at;
  }

  /** Records `count` ETH (or BTC) moves between `base` and `base × 1.1`, `dt` apart, ending at `base`. */
  async function swing(which: "eth" | "btc", count: number, dt: bigint) {
    const feed = which === "eth" ? sys.ethFeed : sys.btcFeed;
    const token = which === "eth" ? weth : wbtc;
    const base = which === "eth" ? 3_000 : 60_000;
    for (let i = 0; i < count; i++) {
      await time.increase(dt);
      await feed.updateAnswer(feedAnswer(i % 2 === 0 ? (base * 11) / 10 : base));
      await sys.oracle.recordPrice(token);
    }
  }

  async function setRules(token: string, changes: Partial<CollateralRules>) {
    const base = await readRules(sys, token);
    await gov.setCollateralRules(token, { ...base, ...changes });
  }

  /** Zero rates on both collaterals (the controller then keeps the fee at exactly 1 RAY): debts stop growing. */
  async function zeroRates() {
    for (const token of [weth, wbtc]) {
      await setRules(token, { baseRate: 0n, slopeBelowKink: 0n, slopeAboveKink: 0n, minRate: 0n, maxRate: 0n });
      await vmGov.setStabilityFee(token, RAY);
    }
  }

  const paused = async (token: string) => (await vm.collateralConfig(token)).paused;

  // --------------------------------------------------------------------------- 1. first poke

  describe("poke", () => {
    it("deploys with the config's rules, the timelock as admin and RISK_CONTROL_ROLE on the vault manager", async () => {
      expect(await risk.managedCollaterals()).to.deep.equal([weth, wbtc]);
      expect(await readRules(sys, weth)).to.deep.equal(WETH_CONTROL);
      expect(await readRules(sys, wbtc)).to.deep.equal(WBTC_CONTROL);
      expect(systemRules).to.deep.equal({
        pokeInterval: 3600n,
        priceWindow: 3600n,
        slowWindow: 86_400n,
        coolDown: 21_600n,
        varHorizon: 86_400n,
        criticalCollateralRatio: wad("1.2"),
        varConfidence: wad("2.33"),
      });
      expect(pegRules).to.deep.equal({
        pegAsset: bdol,
        kp: wad(1),
        ki: wad("0.5"),
        leakPerDay: wad("0.2"),
        maxPegTerm: wad("0.1"),
      });
      const timelock = (await deployments.get("Timelock")).address;
      expect(await risk.hasRole(ADMIN_ROLE, timelock)).to.equal(true);
      expect(await risk.hasRole(ADMIN_ROLE, sys.deployer.address)).to.equal(false);
      expect(await vm.hasRole(RISK_CONTROL_ROLE, await risk.getAddress())).to.equal(true);
      expect(await risk.vaultManager()).to.equal(await vm.getAddress());
      expect(await risk.oracle()).to.equal(await sys.oracle.getAddress());
      expect(await readState(sys)).to.deep.equal({
        lastPoke: 0n,
        systemHaltUntil: 0n,
        integral: 0n,
        reserveTarget: 0n,
      });
      expect(await risk.nextPokeAt()).to.equal(0n);
    });

    it("first poke: Poked and one CollateralPoked per managed collateral with exact inputs and outputs; fee and borrow ratio move one step at most", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(20_000));
      // WETH at ~83 % utilisation: its fee target lies several steps above its fee.
      await vmGov.setDebtCeiling(weth, wad(12_000));
      await time.increase(600n);
      const before = { weth: await readVm(sys, weth), wbtc: await readVm(sys, wbtc) };
      const p = await poke([live(3_000), live(60_000)], PEG_LIVE, { from: sys.attacker });
      const [w, b] = p.updates;

      // The deployed fees (2 % and 1.5 % a year compounded) read as continuous rates: ln 1.02, ln 1.015.
      const wethFrom = toAnnual(before.weth.stabilityFee);
      const wbtcFrom = toAnnual(before.wbtc.stabilityFee);
      expect(before.weth.stabilityFee).to.equal(perSecondRate(wad("0.02")));
      expect(wethFrom).to.be.within(wad("0.0198026272"), wad("0.0198026274")); // ln 1.02 = 0.01980262729…
      expect(wbtcFrom).to.be.within(wad("0.0148886"), wad("0.0148887"));

      const debtW = debtAt(before.weth, p.t);
      const debtB = debtAt(before.wbtc, p.t);
      expect(debtW).to.be.within(wad(10_000), wad("10000.01"));
      // WETH: u above the kink, curve 0.05 + 0.25 (u − 0.8) / 0.2; one step of 0.005 from ln 1.02.
      expect(w.utilisation).to.equal(wadDivUp(debtW, wad(12_000)));
      expect(w.curveRate).to.equal(wad("0.05") + mulDivUp(wad("0.25"), w.utilisation - wad("0.8"), wad("0.2")));
      expect(w.targetRate).to.equal(w.curveRate);
      expect(w.rate).to.equal(wethFrom + wad("0.005"));
      // WBTC: u far below the kink; its target is within a step, so it is reached.
      expect(b.utilisation).to.equal(wadDivUp(debtB, wad(100_000_000)));
      expect(b.curveRate).to.equal(wad("0.015") + mulDivUp(wad("0.03"), b.utilisation, wad("0.8")));
      expect(b.rate).to.equal(b.targetRate);
      expect(b.rate - wbtcFrom < wad("0.005")).to.equal(true);
      // Borrow ratio: target LR + 5 points (no volatility yet), moved 2 points from 1.6.
      for (const u of [w, b]) {
        expect([u.volatility, u.targetBorrowRatio, u.borrowRatio]).to.deep.equal([0n, wad("1.55"), wad("1.58")]);
        expect([u.priceStatus, u.priceMove, u.haltUntil]).to.deep.equal([BigInt(Status.Live), 0n, 0n]);
      }
      expect([w.price, b.price]).to.deep.equal([wad(3_000), wad(60_000)]);
      // The vault manager holds RAY + ⌈rate·1e9 / year⌉.
      for (const [token, u] of [
        [weth, w],
        [wbtc, b],
      ] as const) {
        const c = await vm.collateralConfig(token);
        expect(c.stabilityFee).to.equal(RAY + (u.rate * 10n ** 9n + SECONDS_PER_YEAR - 1n) / SECONDS_PER_YEAR);
        expect([c.borrowRatio, c.liquidationRatio, c.paused]).to.deep.equal([wad("1.58"), LR, false]);
      }
      // System: no peg error on the first poke, collateral ratio 90,000 / Σ debt.
      expect([p.pegPrice, p.pegError, p.integral, p.pegTerm]).to.deep.equal([WAD, 0n, 0n, 0n]);
      expect(p.collateralRatio).to.equal(wadDivDown(wad(90_000), debtW + debtB));
      // Stress loss at the 50 % / 40 % shocks sold 10 % under: 1 − 1.5·0.5·0.9 = 0.325 and 1 − 1.5·0.6·0.9 = 0.19.
      expect([w.stressLoss, b.stressLoss]).to.deep.equal([wadMulUp(debtW, wad("0.325")), wadMulUp(debtB, wad("0.19"))]);
      expect(p.reserveTarget).to.equal(w.stressLoss + b.stressLoss);
      // Anchors set at the first poke, both windows.
      expect(await readCState(sys, weth)).to.deep.equal({
        anchorPrice: wad(3_000),
        previousAnchorPrice: wad(3_000),
        anchorTime: p.t,
        haltUntil: 0n,
        slowAnchorPrice: wad(3_000),
        previousSlowAnchorPrice: wad(3_000),
        slowAnchorTime: p.t,
      });
      expect(await risk.nextPokeAt()).to.equal(p.t + INTERVAL);
    });

    it("refuses a poke one second before the interval ends (PokeTooSoon(nextPokeAt)) and accepts it at that second", async () => {
      // Fresh rounds first: the fixture's rounds age with the wall clock of the whole run, and the
      // second poke an hour later must still read them live (heartbeat 3,900 s).
      await refresh();
      const first = (await poke([live(3_000), live(60_000)])).t;
      expect(await risk.nextPokeAt()).to.equal(first + 3_600n);
      // No debt, peg at 1: the WETH fee is exactly 2 % continuous, i.e. e^0.02 − 1 = 2.0201 % a year.
      const fee = (await vm.collateralConfig(weth)).stabilityFee;
      expect(fee).to.equal(toPerSecond(wad("0.02")));
      expect(rpowUp(fee, SECONDS_PER_YEAR)).to.be.within(1_020201340n * 10n ** 18n, 1_020201341n * 10n ** 18n);
      await time.setNextBlockTimestamp(first + 3_599n);
      await expect(risk.poke())
        .to.be.revertedWithCustomError(risk, "PokeTooSoon")
        .withArgs(first + 3_600n);
      expect((await readState(sys)).lastPoke).to.equal(first);

      const second = (await poke([live(3_000), live(60_000)], PEG_LIVE, { at: first + 3_600n })).t;
      expect(second).to.equal(first + 3_600n);
      expect(await risk.nextPokeAt()).to.equal(second + 3_600n);
      await expect(risk.connect(sys.attacker).poke())
        .to.be.revertedWithCustomError(risk, "PokeTooSoon")
        .withArgs(second + 3_600n);

      // A longer interval set by governance moves nextPokeAt at once.
      await gov.setSystemRules({ ...systemRules, pokeInterval: 7_200n });
      expect(await risk.nextPokeAt()).to.equal(second + 7_200n);
      await time.setNextBlockTimestamp(second + 7_199n);
      await expect(risk.poke())
        .to.be.revertedWithCustomError(risk, "PokeTooSoon")
        .withArgs(second + 7_200n);
      await time.setNextBlockTimestamp(second + 7_200n);
      await expect(risk.poke()).to.emit(risk, "Poked");
    });
  });

  // --------------------------------------------------------------------------- 3. fee curve

  describe("fee curve", () => {
    it("curveRate: at 0, below the kink, at the kink, above it, at 100 % and capped above 100 %, rounded up", async () => {
      const cases: [bigint, bigint][] = [
        [0n, wad("0.02")],
        [1n, wad("0.02") + 1n], // ⌈0.03 · 1e-18 / 0.8⌉
        [wad("0.4"), wad("0.035")],
        [wad("0.8"), wad("0.05")],
        [wad("0.8") + 1n, wad("0.05") + 2n], // ⌈0.25 · 1e-18 / 0.2⌉ = 2 wei
        [wad("0.9"), wad("0.175")],
        [wad(1), wad("0.3")],
        [wad("1.5"), wad("0.3")],
        [MaxUint256, wad("0.3")],
      ];
      for (const [u, rate] of cases) {
        expect(await risk.curveRate(weth, u), `WETH u=${u}`).to.equal(rate);
        expect(curve(WETH_CONTROL, u > WAD ? WAD : u)).to.equal(rate);
      }
      expect(await risk.curveRate(wbtc, 0n)).to.equal(wad("0.015"));
      expect(await risk.curveRate(wbtc, wad("0.8"))).to.equal(wad("0.045"));
      expect(await risk.curveRate(wbtc, wad(1))).to.equal(wad("0.295"));
      // A kink at 100 %: the curve is linear over the whole range.
      await setRules(weth, { kink: WAD });
      expect(await risk.curveRate(weth, wad("0.5"))).to.equal(wad("0.035"));
      expect(await risk.curveRate(weth, wad(2))).to.equal(wad("0.05"));
      await expect(risk.curveRate(usdc, 0n)).to.be.revertedWithCustomError(risk, "NotManaged").withArgs(usdc);
    });

    it("follows the utilisation of real debt against a lowered debt ceiling, one maxRateStep per poke, with its target clamped to maxRate", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      let p = await poke([live(3_000), live(60_000)]);
      expect(p.updates[0].rate).to.equal(p.updates[0].targetRate);
      let rate = p.updates[0].rate;

      // [ceiling, utilisation branch]
      const steps: [bigint, string][] = [
        [wad(25_000), "below the kink"],
        [wad(11_000), "above the kink"],
        [wad(10_000), "full: debt with interest is above the ceiling"],
        [wad(5_000), "over 100 %: capped at 1"],
        [0n, "a zero ceiling with debt reads as full"],
      ];
      for (const [ceiling, what] of steps) {
        await vmGov.setDebtCeiling(weth, ceiling);
        const before = await readVm(sys, weth);
        p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(INTERVAL) });
        const u = p.updates[0];
        const debt = debtAt(before, p.t);
        const expectedU = ceiling === 0n ? WAD : wadDivUp(debt, ceiling) > WAD ? WAD : wadDivUp(debt, ceiling);
        expect(u.utilisation, what).to.equal(expectedU);
        expect(u.curveRate, what).to.equal(curve(WETH_CONTROL, expectedU));
        expect(u.targetRate, what).to.equal(u.curveRate);
        expect(u.rate, what).to.equal(rate + wad("0.005"));
        rate = u.rate;
      }
      expect(p.updates[0].curveRate).to.equal(wad("0.3"));
      expect(rate < wad("0.05")).to.equal(true); // five steps from 2 %: still far below 30 %

      // A lower maxRate clamps the target; the fee steps up to it and stays.
      await setRules(weth, { maxRate: wad("0.055") });
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(INTERVAL) });
      expect([p.updates[0].curveRate, p.updates[0].targetRate]).to.deep.equal([wad("0.3"), wad("0.055")]);
      expect(p.updates[0].rate).to.equal(rate + wad("0.005") > wad("0.055") ? wad("0.055") : rate + wad("0.005"));
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(INTERVAL) });
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(INTERVAL) });
      expect(p.updates[0].rate).to.equal(wad("0.055"));
      expect((await vm.collateralConfig(weth)).stabilityFee).to.equal(toPerSecond(wad("0.055")));
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(INTERVAL) });
      expect(p.vm[0].feeChanged).to.equal(false);
    });
  });

  // --------------------------------------------------------------------------- 4. peg controller

  describe("peg controller", () => {
    const P = wad("0.02"); // kp · e at 0.98
    const ONE_HOUR_STEP = (wad("0.5") * wad("0.02") * 3_600n) / (WAD * DAY); // ki · e · 1 h / 1 day

    it("BDOL at 0.98: the proportional term at once, the integral per poke over the elapsed time (capped at a day)", async () => {
      await sys.bdolFeed.updateAnswer(feedAnswer("0.98"));
      const peg = live("0.98");
      let p = await poke([live(3_000), live(60_000)], peg);
      // First poke: no elapsed time, no integration.
      expect([p.pegError, p.integral, p.pegTerm]).to.deep.equal([P, 0n, P]);
      expect(p.updates[0].targetRate).to.equal(wad("0.04")); // 2 % curve + 2 points
      expect(p.updates[1].targetRate).to.equal(wad("0.035"));

      p = await poke([live(3_000), live(60_000)], peg, { at: await after(HOUR) });
      expect(ONE_HOUR_STEP).to.equal(416_666_666_666_666n);
      expect([p.integral, p.pegTerm]).to.deep.equal([ONE_HOUR_STEP, P + ONE_HOUR_STEP]);
      expect(p.updates[0].targetRate).to.equal(wad("0.04") + ONE_HOUR_STEP);

      // Three days later: dt is capped at one day, for the leak and for the integration.
      p = await poke([live(3_000), live(60_000)], peg, { at: await after(3n * DAY) });
      const I = ONE_HOUR_STEP - (ONE_HOUR_STEP * wad("0.2")) / WAD + wad("0.01");
      expect([p.integral, p.pegTerm]).to.deep.equal([I, P + I]);
      expect((await readState(sys)).integral).to.equal(I);
    });

    it("saturated in the direction of e (kp · e beyond the cap): the integration step is skipped, only the leak applies", async () => {
      await sys.bdolFeed.updateAnswer(feedAnswer("0.98"));
      const peg = live("0.98");
      await poke([live(3_000), live(60_000)], peg);
      let p = await poke([live(3_000), live(60_000)], peg, { at: await after(DAY) });
      expect(p.integral).to.equal(wad("0.01"));
      await gov.setPegRules({ ...pegRules, kp: wad(6) }); // kp · e = 0.12 > 0.1
      p = await poke([live(3_000), live(60_000)], peg, { at: await after(DAY) });
      expect([p.integral, p.pegTerm]).to.deep.equal([wad("0.008"), wad("0.1")]);
      expect(p.updates[0].targetRate).to.equal(wad("0.12"));
      p = await poke([live(3_000), live(60_000)], peg, { at: await after(DAY / 2n) });
      expect([p.integral, p.pegTerm]).to.deep.equal([wad("0.0072"), wad("0.1")]);
    });

    it("clamps the integral to ±maxPegTerm, on both sides of the peg", async () => {
      await gov.setPegRules({ ...pegRules, kp: 0n, ki: wad(10), leakPerDay: 0n });
      await sys.bdolFeed.updateAnswer(feedAnswer("0.98"));
      await poke([live(3_000), live(60_000)], live("0.98"));
      let p = await poke([live(3_000), live(60_000)], live("0.98"), { at: await after(DAY) });
      // 10 · 0.02 · 1 day = 0.2, clamped to 0.1.
      expect([p.integral, p.pegTerm]).to.deep.equal([wad("0.1"), wad("0.1")]);
      // A lower cap clamps the stored integral at the next poke.
      await gov.setPegRules({ ...pegRules, kp: 0n, ki: wad(10), leakPerDay: 0n, maxPegTerm: wad("0.05") });
      p = await poke([live(3_000), live(60_000)], live("0.98"), { at: await after(HOUR) });
      expect([p.integral, p.pegTerm]).to.deep.equal([wad("0.05"), wad("0.05")]);
      await sys.bdolFeed.updateAnswer(feedAnswer("1.02"));
      p = await poke([live(3_000), live(60_000)], live("1.02"), { at: await after(DAY) });
      // 0.05 − 0.2 = −0.15, clamped to −0.05.
      expect([p.pegError, p.integral, p.pegTerm]).to.deep.equal([-wad("0.02"), -wad("0.05"), -wad("0.05")]);
      expect((await readState(sys)).integral).to.equal(-wad("0.05"));
    });

    it("leaks the integral by leakPerDay · dt once the peg holds, to zero when leak · dt reaches 1", async () => {
      await sys.bdolFeed.updateAnswer(feedAnswer("0.98"));
      await poke([live(3_000), live(60_000)], live("0.98"));
      await poke([live(3_000), live(60_000)], live("0.98"), { at: await after(DAY) });
      await sys.bdolFeed.updateAnswer(feedAnswer(1));
      let p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(DAY) });
      expect([p.pegError, p.integral, p.pegTerm]).to.deep.equal([0n, wad("0.008"), wad("0.008")]);
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(DAY / 2n) });
      expect(p.integral).to.equal(wad("0.0072"));
      // Five days without a poke leak one day's worth.
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(5n * DAY) });
      expect(p.integral).to.equal(wad("0.00576"));
      await gov.setPegRules({ ...pegRules, leakPerDay: WAD });
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(HOUR) });
      expect(p.integral).to.equal(wad("0.00576") - (wad("0.00576") * 3_600n) / DAY);
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(DAY) });
      expect([p.integral, p.pegTerm]).to.deep.equal([0n, 0n]);
    });

    it("above the peg (1.02) the term is negative and the fee falls toward minRate by maxRateStep per poke, then stays there", async () => {
      await sys.bdolFeed.updateAnswer(feedAnswer("1.02"));
      const peg = live("1.02");
      const from = [toAnnual((await readVm(sys, weth)).stabilityFee), toAnnual((await readVm(sys, wbtc)).stabilityFee)];
      let p = await poke([live(3_000), live(60_000)], peg);
      expect([p.pegError, p.pegTerm]).to.deep.equal([-P, -P]);
      // curve + peg term = 0 (WETH), −0.005 (WBTC): both clamped up to minRate 0.005.
      expect(p.updates.map((u) => u.targetRate)).to.deep.equal([wad("0.005"), wad("0.005")]);
      expect(p.updates.map((u) => u.rate)).to.deep.equal(from.map((r) => r - wad("0.005")));
      p = await poke([live(3_000), live(60_000)], peg, { at: await after(HOUR) });
      expect(p.pegTerm).to.equal(-P - ONE_HOUR_STEP);
      // WETH one more step; WBTC (from ln 1.015) is within a step of the floor and reaches it.
      expect(p.updates.map((u) => u.rate)).to.deep.equal([from[0] - wad("0.01"), wad("0.005")]);
      p = await poke([live(3_000), live(60_000)], peg, { at: await after(HOUR) });
      expect(p.updates.map((u) => u.rate)).to.deep.equal([wad("0.005"), wad("0.005")]);
      p = await poke([live(3_000), live(60_000)], peg, { at: await after(HOUR) });
      expect(p.updates.map((u) => u.rate)).to.deep.equal([wad("0.005"), wad("0.005")]);
      expect(p.vm.map((v) => v.feeChanged)).to.deep.equal([false, false]);
      expect((await vm.collateralConfig(weth)).stabilityFee).to.equal(
        RAY + (wad("0.005") * 10n ** 9n + SECONDS_PER_YEAR - 1n) / SECONDS_PER_YEAR,
      );
    });

    it("no live peg price — stale past the 90,000 s heartbeat, or frozen by a jump over 10 % — or no peg asset gives e = 0", async () => {
      expect((await sys.oracle.priceState(bdol)).lastGoodPrice).to.equal(WAD); // recorded at deployment
      await sys.bdolFeed.updateAnswer(feedAnswer("0.98"));
      await poke([live(3_000), live(60_000)], live("0.98"));
      let p = await poke([live(3_000), live(60_000)], live("0.98"), { at: await after(DAY) });
      expect(p.integral).to.equal(wad("0.01"));

      // Stale: no BDOL round for more than its heartbeat (the collateral feeds stay fresh).
      const bdolRound = (await sys.bdolFeed.latestRoundData())[3];
      const at = bdolRound + BDOL_HEARTBEAT + 1n;
      await time.setNextBlockTimestamp(at - 5n);
      await refresh(sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed);
      p = await poke([live(3_000), live(60_000)], { price: WAD, status: Status.Stale }, { at });
      expect([p.pegPrice, p.pegStatus, p.pegError]).to.deep.equal([WAD, BigInt(Status.Stale), 0n]);
      expect([p.integral, p.pegTerm]).to.deep.equal([wad("0.008"), wad("0.008")]);

      // Frozen: 0.85 is 15 % from the last good price 1.00.
      await sys.bdolFeed.updateAnswer(feedAnswer("0.85"));
      p = await poke(
        [live(3_000), live(60_000)],
        { price: WAD, status: Status.Frozen },
        { at: await after(DAY, sys.ethFeed, sys.btcFeed, sys.wbtcBtcFeed) },
      );
      expect([p.pegPrice, p.pegStatus, p.pegError]).to.deep.equal([WAD, BigInt(Status.Frozen), 0n]);
      expect(p.integral).to.equal(wad("0.0064"));

      // No peg asset: price 0, status Failed, e = 0.
      await gov.setPegRules({ ...pegRules, pegAsset: ZeroAddress });
      p = await poke([live(3_000), live(60_000)], { price: 0n, status: Status.Failed }, { at: await after(DAY) });
      expect([p.pegPrice, p.pegStatus, p.pegError, p.integral]).to.deep.equal([
        0n,
        BigInt(Status.Failed),
        0n,
        wad("0.00512"),
      ]);
    });

    it("anti-windup: integrates while kp·e + I is not saturated, so a persistent 5 % depeg holds the peg term at its cap", async () => {
      // NatSpec: "while kp · e + I is saturated in the direction of e the integration step is
      // skipped (only the leak applies)". At 0.95 with daily pokes: kp·e = 0.05, ki·e = 0.025/day,
      // leak 20 %/day. Pokes 2 and 3 integrate (I = 0.025, 0.045; term 0.075, 0.095). At poke 4,
      // kp·e + I = 0.05 + 0.036 (after the leak) = 0.086 is not saturated, so I integrates to 0.061
      // and the term is capped at 0.1. From then on the term stays at the cap as long as the depeg
      // lasts. (A first version tested kp·e + I after this step's integration and skipped the step
      // whenever integrating would saturate: the term then sagged to 0.086 at poke 4.)
      // Pokes 5 and 6: the leak takes I to 0.0488 (0.05 + 0.0488 not saturated: I integrates to
      // 0.0738), then to 0.05904, where 0.05 + 0.05904 > 0.1 is saturated: the step is skipped.
      // Above the peg (1.05) everything mirrors, negative.
      await anti("0.95", 1n);
    });

    it("anti-windup mirrors above the peg: a persistent 5 % premium holds the peg term at −cap", async () => {
      await anti("1.05", -1n);
    });

    async function anti(price: string, sign: bigint) {
      await sys.bdolFeed.updateAnswer(feedAnswer(price));
      const peg = live(price);
      await poke([live(3_000), live(60_000)], peg);
      const terms: bigint[] = [];
      const integrals: bigint[] = [];
      for (let i = 0; i < 5; i++) {
        const pre = await readState(sys);
        await time.setNextBlockTimestamp(pre.lastPoke + DAY - 5n);
        await refresh();
        await time.setNextBlockTimestamp(pre.lastPoke + DAY);
        const tx = await risk.poke();
        const poked = (await logsOf(tx, risk)).find((l) => l.name === "Poked")!;
        integrals.push(poked.args.integral as bigint);
        terms.push(poked.args.pegTerm as bigint);
      }
      expect(integrals, "integral after pokes 2 to 6").to.deep.equal(
        ["0.025", "0.045", "0.061", "0.0738", "0.05904"].map((x) => sign * wad(x)),
      );
      expect(terms, "peg term after pokes 2 to 6").to.deep.equal(
        ["0.075", "0.095", "0.1", "0.1", "0.1"].map((x) => sign * wad(x)),
      );
    }
  });

  // --------------------------------------------------------------------------- 5. borrow ratio

  describe("borrow ratio", () => {
    let ids: bigint[];

    beforeEach(async () => {
      await zeroRates();
      ids = [
        await openVault(sys, alice, sys.weth, wad(10), wad(10_000)),
        await openVault(sys, bob, sys.weth, wad(5), wad(6_000)),
        await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(20_000)),
      ];
    });

    const healthFactors = async () => Promise.all(ids.map((id) => vm.healthFactor(id)));

    it("widens with volatility: target = LR + baseMargin + multiplier · σ, stepped; the liquidation ratio and every health factor stay", async () => {
      let p = await poke([live(3_000), live(60_000)]);
      expect(p.updates[0].borrowRatio).to.equal(wad("1.58"));
      expect(p.vm[0].stabilityFee).to.equal(RAY); // rates stay frozen

      await swing("eth", 6, HOUR);
      const sigma = await sys.oracle.volatility(weth);
      expect(sigma > wad(1)).to.equal(true);
      const hf = await healthFactors();
      await refresh(sys.btcFeed, sys.bdolFeed);
      p = await poke([live(3_000), live(60_000)]);
      expect(p.updates[0].volatility).to.equal(sigma);
      expect(p.updates[0].targetBorrowRatio).to.equal(LR + wad("0.05") + wadMulUp(wad("0.1"), sigma));
      expect(p.updates[0].borrowRatio).to.equal(wad("1.6"));
      expect(p.updates[1].borrowRatio).to.equal(wad("1.56")); // WBTC: no volatility, still stepping down
      expect(await healthFactors()).to.deep.equal(hf);

      for (const expected of [wad("1.62"), wad("1.64")]) {
        p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(HOUR) });
        expect(p.updates[0].borrowRatio).to.equal(expected);
        expect(p.updates[0].targetBorrowRatio).to.equal(
          LR + wad("0.05") + wadMulUp(wad("0.1"), p.updates[0].volatility),
        );
        expect(await healthFactors()).to.deep.equal(hf);
      }
      const c = await vm.collateralConfig(weth);
      expect([c.liquidationRatio, c.borrowRatio]).to.deep.equal([LR, wad("1.64")]);

      // The vault manager uses the wider ratio: bob's 15,000 of WETH carries at most 15,000 / 1.64.
      const c2 = await vm.collateralConfig(weth);
      const [stored] = await vm.vaults(ids[1], 1n);
      const newDebt = rayMulUp(stored.normalizedDebt + rayDivUp(wad(3_200), c2.rateAccumulator), c2.rateAccumulator);
      const required = wadMulUp(newDebt, wad("1.64"));
      await expect(vm.connect(bob).borrow(ids[1], wad(3_200), bob.address))
        .to.be.revertedWithCustomError(vm, "BelowBorrowRatio")
        .withArgs(ids[1], wad(15_000), required);
      await expect(vm.connect(bob).borrow(ids[1], wad(3_100), bob.address)).to.emit(vm, "DebtBorrowed");
    });

    it("is clamped at maxBorrowRatio", async () => {
      await setRules(weth, {
        volatilityMultiplier: wad(1),
        maxBorrowRatio: wad("1.9"),
        maxBorrowRatioStep: wad("0.1"),
      });
      await poke([live(3_000), live(60_000)]);
      await swing("eth", 6, HOUR);
      await refresh(sys.btcFeed, sys.bdolFeed);
      expect((await vm.collateralConfig(weth)).borrowRatio).to.equal(wad("1.55")); // no volatility yet: one 0.1 step allowed
      const expected = [wad("1.65"), wad("1.75"), wad("1.85"), wad("1.9"), wad("1.9")];
      for (const [i, ratio] of expected.entries()) {
        const p = await poke([live(3_000), live(60_000)], PEG_LIVE, i === 0 ? {} : { at: await after(HOUR) });
        expect(LR + wad("0.05") + wadMulUp(WAD, p.updates[0].volatility) > wad("1.9")).to.equal(true);
        expect([p.updates[0].targetBorrowRatio, p.updates[0].borrowRatio]).to.deep.equal([wad("1.9"), ratio]);
      }
      expect((await vm.collateralConfig(weth)).borrowRatio).to.equal(wad("1.9"));
    });

    it("never goes below the liquidation ratio, even when maxBorrowRatio is below it", async () => {
      await setRules(weth, {
        baseMargin: 0n,
        volatilityMultiplier: 0n,
        maxBorrowRatio: WAD,
        maxBorrowRatioStep: wad("0.03"),
      });
      const hf = await healthFactors();
      const expected = [wad("1.57"), wad("1.54"), wad("1.51"), LR, LR];
      for (const [i, ratio] of expected.entries()) {
        const p = await poke([live(3_000), live(60_000)], PEG_LIVE, i === 0 ? {} : { at: await after(HOUR) });
        expect([p.updates[0].targetBorrowRatio, p.updates[0].borrowRatio]).to.deep.equal([LR, ratio]);
      }
      expect(await healthFactors()).to.deep.equal(hf);
      const c = await vm.collateralConfig(weth);
      expect([c.liquidationRatio, c.borrowRatio]).to.deep.equal([LR, LR]);
    });
  });

  // --------------------------------------------------------------------------- 6. price breaker

  describe("price breaker", () => {
    let vaultId: bigint;
    let btcVault: bigint;
    let t0: bigint;

    beforeEach(async () => {
      vaultId = await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      btcVault = await openVault(sys, carol, sys.wbtc, 10n ** 8n, wad(20_000));
    });

    async function tripAt2520() {
      t0 = (await poke([live(3_000), live(60_000)])).t;
      await time.setNextBlockTimestamp(t0 + HOUR - 5n);
      await refresh(sys.btcFeed, sys.bdolFeed);
      await sys.ethFeed.updateAnswer(feedAnswer(2_520));
      return poke([live(2_520), live(60_000)], PEG_LIVE, { at: t0 + HOUR });
    }

    it("a 16 % move trips PriceBreakerTripped and halts borrowing until now + coolDown (CollateralPaused); repay and deposit go on; WBTC is untouched", async () => {
      const p = await tripAt2520();
      const t1 = p.t;
      expect(p.updates[0].priceMove).to.equal(wad("0.16"));
      // The slow window (a day) sees the same 16 %, under its 30 %.
      expect(p.priceTrips).to.deep.equal([
        { index: 0, move: wad("0.16"), slowMove: wad("0.16"), haltUntil: t1 + COOL_DOWN },
      ]);
      await expect(p.tx)
        .to.emit(risk, "PriceBreakerTripped")
        .withArgs(weth, wad("0.16"), wad("0.16"), t1 + COOL_DOWN)
        .and.to.emit(vm, "Paused")
        .withArgs(weth, await risk.getAddress(), t1 + COOL_DOWN);
      expect(p.updates[0].haltUntil).to.equal(t1 + COOL_DOWN);
      expect(p.updates[1].haltUntil).to.equal(0n);
      const c = await vm.collateralConfig(weth);
      expect([c.paused, c.pausedUntil, c.pausedByGuardian]).to.deep.equal([true, t1 + COOL_DOWN, false]);
      expect((await readCState(sys, weth)).haltUntil).to.equal(t1 + COOL_DOWN);

      await expect(vm.connect(alice).borrow(vaultId, wad(100), alice.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await expect(vm.connect(alice).withdraw(vaultId, 1n, alice.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await fund(sys, sys.weth, bob, wad(10));
      await expect(vm.connect(bob).openVault(weth, wad(5), wad(1_000)))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await expect(vm.connect(alice).repay(vaultId, wad(1_000))).to.emit(vm, "DebtRepaid");
      await fund(sys, sys.weth, alice, wad(1));
      await expect(vm.connect(alice).deposit(vaultId, wad(1))).to.emit(vm, "CollateralDeposited");
      await expect(vm.connect(carol).borrow(btcVault, wad(100), carol.address)).to.emit(vm, "DebtBorrowed");
      expect(await paused(wbtc)).to.equal(false);
    });

    it("the halt lapses by itself coolDown after the poke that saw the move: refused one second before, allowed at that second", async () => {
      const t1 = (await tripAt2520()).t;
      const until = t1 + COOL_DOWN;
      await time.setNextBlockTimestamp(until - 10n);
      await refresh();
      await time.setNextBlockTimestamp(until - 1n);
      await expect(vm.connect(alice).borrow(vaultId, wad(100), alice.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(weth);
      await expect(vm.connect(alice).borrow(vaultId, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
      expect(await time.latest()).to.equal(until);
      expect((await vm.collateralConfig(weth)).pausedUntil).to.equal(until);
    });

    it("a poke after the halt lapsed does not halt again for the move it saw: an anchor two windows old is compared without its predecessor", async () => {
      // After the trip at t1 (anchor 2,520, previous anchor 3,000) the price stays at 2,520 and nobody
      // pokes for six hours; the halt lapses. The next poke compares the current anchor (2,520, which
      // every poke of its window compared with 3,000 already) with the prices since, then restarts
      // both anchors: no move, no halt. (A first version re-anchored without comparing at all.)
      const t1 = (await tripAt2520()).t;
      const p = await poke([live(2_520), live(60_000)], PEG_LIVE, { at: await after(COOL_DOWN + 60n) });
      expect(p.t).to.equal(t1 + COOL_DOWN + 60n);
      expect([p.updates[0].priceMove, p.priceTrips]).to.deep.equal([0n, []]);
      // The slow window (a day) still holds both anchors: 16 %, under its 30 %.
      expect(p.updates[0].slowPriceMove).to.equal(wad("0.16"));
      expect(await paused(weth)).to.equal(false);
      await expect(vm.connect(alice).borrow(vaultId, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
    });

    it("an anchor is compared before it is replaced: a fall while nobody poked for two windows trips", async () => {
      // The audit's case: pokes stop (or, before issue 11, skipped a frozen oracle) while ETH falls
      // 3,000 → 2,400; the first poke two hours later compares the 3,000 anchor before restarting.
      t0 = (await poke([live(3_000), live(60_000)])).t;
      for (const [dt, usd] of [
        [1_800n, 2_800],
        [3_600n, 2_600],
      ] as const) {
        await time.setNextBlockTimestamp(t0 + dt);
        await sys.ethFeed.updateAnswer(feedAnswer(usd));
      }
      const p = await poke([live(2_400), live(60_000)], PEG_LIVE, { at: await ethAfter(2n * HOUR + 60n, 2_400) });
      expect(p.updates[0].priceMove).to.equal(wad("0.2"));
      expect(p.priceTrips.length).to.equal(1);
      expect(await readCState(sys, weth)).to.include({ anchorPrice: wad(2_400), previousAnchorPrice: wad(2_400) });
    });

    it("compares with both anchors: a fall within 15 % of this window's anchor but over 15 % from the previous window's trips", async () => {
      await gov.setSystemRules({ ...systemRules, priceWindow: 3n * HOUR });
      t0 = (await poke([live(3_000), live(60_000)])).t;
      let p = await poke([live(2_700), live(60_000)], PEG_LIVE, { at: await ethAfter(3n * HOUR, 2_700) });
      expect(p.updates[0].priceMove).to.equal(wad("0.1"));
      expect(p.priceTrips).to.deep.equal([]);
      expect(await readCState(sys, weth)).to.include({
        anchorPrice: wad(2_700),
        previousAnchorPrice: wad(3_000),
        anchorTime: t0 + 3n * HOUR,
      });
      // Two hours later, same window: 2,520 is 6.7 % below its anchor, 16 % below the previous one;
      // the oracle's range (the last one to two hours) holds only 2,700 and 2,520.
      p = await poke([live(2_520), live(60_000)], PEG_LIVE, { at: await ethAfter(2n * HOUR, 2_520) });
      expect([p.updates[0].priceLow, p.updates[0].priceHigh]).to.deep.equal([wad(2_520), wad(2_700)]);
      expect(p.updates[0].priceMove).to.equal(wad("0.16"));
      expect(p.priceTrips.map((x) => x.move)).to.deep.equal([wad("0.16")]);
      expect((await readCState(sys, weth)).anchorTime).to.equal(t0 + 3n * HOUR);
      expect(await paused(weth)).to.equal(true);
    });

    it("sees the range between pokes: a −21 % wick inside the hour, half recovered by the poke, trips", async () => {
      t0 = (await poke([live(3_000), live(60_000)])).t;
      await time.setNextBlockTimestamp(t0 + 1_200n);
      await sys.ethFeed.updateAnswer(feedAnswer(2_370)); // the wick: −21 %, nobody records it
      await time.setNextBlockTimestamp(t0 + 3_000n);
      await sys.ethFeed.updateAnswer(feedAnswer(2_685)); // half recovered
      const p = await poke([live(2_685), live(60_000)], PEG_LIVE, { at: await after(HOUR, sys.btcFeed, sys.bdolFeed) });
      // Against the anchors alone the poke would see 10.5 %: the range's low makes it 21 %.
      expect(p.updates[0].priceLow).to.equal(wad(2_370));
      expect(p.updates[0].priceMove).to.equal(wad("0.21"));
      expect(p.priceTrips.length).to.equal(1);
    });

    it("the slow window catches a fall in small steps: −54 % over two days, never 15 % within an hour", async () => {
      // Hourly −1.6 % (0.984^48 ≈ 0.46): the fast window never sees more than 3.2 %; the slow window (a
      // day, 30 %) trips after 23 hours (0.984^23 = 0.69), against its anchors of 3,000.
      let price = 3_000;
      let p = await poke([live(price), live(60_000)]);
      let tripHour = 0;
      for (let h = 1; h <= 48 && tripHour === 0; h++) {
        price = Math.round(price * 984) / 1000;
        p = await poke([live(price), live(60_000)], PEG_LIVE, { at: await ethAfter(HOUR, price) });
        expect(p.updates[0].priceMove < wad("0.04"), `hour ${h}`).to.equal(true);
        if (p.priceTrips.length > 0) tripHour = h;
      }
      expect(tripHour).to.equal(23);
      expect(p.updates[0].slowPriceMove > wad("0.3")).to.equal(true);
      expect(await paused(weth)).to.equal(true);
    });

    it("a move of exactly maxPriceMove does not trip; a larger one trips even when the oracle froze it", async () => {
      t0 = (await poke([live(3_000), live(60_000)])).t;
      let p = await poke([live(2_550), live(60_000)], PEG_LIVE, { at: await ethAfter(HOUR, 2_550) });
      expect([p.updates[0].priceMove, p.updates[0].haltUntil]).to.deep.equal([wad("0.15"), 0n]);
      expect(p.priceTrips).to.deep.equal([]);

      // 1,900 is 25.5 % below the last good price: the oracle freezes it and the poke reads 2,550,
      // Frozen — but the oracle's range and latest round hold 1,900.
      p = await poke([{ price: wad(2_550), status: Status.Frozen }, live(60_000)], PEG_LIVE, {
        at: await ethAfter(HOUR, 1_900),
      });
      expect([p.updates[0].priceStatus, p.updates[0].priceLow]).to.deep.equal([BigInt(Status.Frozen), wad(1_900)]);
      expect(p.updates[0].priceMove).to.equal(mulDivUp(wad(3_000 - 1_900), 1n, 3_000n));
      expect(p.priceTrips.length).to.equal(1);
      // The anchors follow the latest round, not the frozen last good price.
      expect((await readCState(sys, weth)).anchorPrice).to.equal(wad(1_900));
      expect(await paused(weth)).to.equal(true);
    });

    it("a stale oracle compares its latest round: no new move, no trip", async () => {
      await refresh(); // the round goes stale one heartbeat after now, after the next poke falls due
      t0 = (await poke([live(3_000), live(60_000)])).t;
      const round = (await sys.ethFeed.latestRoundData())[3];
      const at = round + BigInt(LOCAL.collaterals.WETH.feed.heartbeat) + 1n;
      await time.setNextBlockTimestamp(at - 5n);
      await refresh(sys.btcFeed, sys.bdolFeed);
      const p = await poke([{ price: wad(3_000), status: Status.Stale }, live(60_000)], PEG_LIVE, { at });
      expect([p.updates[0].priceStatus, p.updates[0].priceMove]).to.deep.equal([BigInt(Status.Stale), 0n]);
      expect(await paused(weth)).to.equal(false);
    });
  });

  describe("price breaker and the vault manager's pause rules", () => {
    let vaultId: bigint;

    beforeEach(async () => {
      vaultId = await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
    });

    async function trip() {
      const t0 = (await poke([live(3_000), live(60_000)])).t;
      await time.setNextBlockTimestamp(t0 + HOUR - 5n);
      await refresh(sys.btcFeed, sys.bdolFeed);
      await sys.ethFeed.updateAnswer(feedAnswer(2_520));
      return poke([live(2_520), live(60_000)], PEG_LIVE, { at: t0 + HOUR });
    }

    it("a halt reaches the vault manager capped at its maxPauseDuration; borrowing resumes at the cap when nobody pokes", async () => {
      // Three hours: shorter than the 6-hour cool-down, longer than the governance cycle (~2 h).
      const PAUSE = 3n * HOUR;
      await vmGov.setMaxPauseDuration(PAUSE);
      const p = await trip();
      const t1 = p.t;
      expect(p.updates[0].haltUntil).to.equal(t1 + COOL_DOWN);
      expect((await readCState(sys, weth)).haltUntil).to.equal(t1 + COOL_DOWN);
      expect((await vm.collateralConfig(weth)).pausedUntil).to.equal(t1 + PAUSE);
      await expect(p.tx)
        .to.emit(vm, "Paused")
        .withArgs(weth, await risk.getAddress(), t1 + PAUSE);
      await time.setNextBlockTimestamp(t1 + PAUSE - 10n);
      await refresh();
      await time.setNextBlockTimestamp(t1 + PAUSE);
      await expect(vm.connect(alice).borrow(vaultId, wad(100), alice.address)).to.emit(vm, "DebtBorrowed");
    });

    it("a trip does not shorten a longer guardian pause, nor take it over", async () => {
      const guardian = await ethers.getSigner((await getNamedAccounts()).guardian);
      const g = await timeOf(await vm.connect(guardian).pauseRiskAdding(weth));
      const p = await trip();
      expect(p.priceTrips.length).to.equal(1);
      expect(p.vm[0].paused).to.equal(false); // checked by expectPoke: no Paused event
      const c = await vm.collateralConfig(weth);
      expect([c.pausedUntil, c.pausedByGuardian]).to.deep.equal([g + MAX_PAUSE, true]);
    });
  });

  // --------------------------------------------------------------------------- 7. system breaker

  describe("system breaker", () => {
    it("below the critical ratio: SystemBreakerTripped, every collateral halted, fees at maxRate in one poke; after recovery the halt lapses and fees step down", async () => {
      // Price breakers out of the way: moves up to 100 % allowed, one window for the whole test.
      await gov.setSystemRules({ ...systemRules, priceWindow: 7n * DAY, slowWindow: 7n * DAY });
      await setRules(weth, { maxPriceMove: WAD, maxSlowMove: WAD });
      const id = await openVault(sys, alice, sys.weth, wad(10), wad(18_000));
      const btcVault = await openVault(sys, carol, sys.wbtc, 2_000_000n, wad(600)); // 0.02 BTC = 1,200 USD

      let p = await poke([live(3_000), live(60_000)]);
      expect(p.collateralRatio > wad("1.6")).to.equal(true);
      // 3,000 → 2,400 → 2,100 in recorded steps under the oracle's 25 % freeze.
      p = await poke([live(2_400), live(60_000)], PEG_LIVE, { at: await ethAfter(HOUR, 2_400) });
      expect(p.systemTripped).to.equal(false);
      const wethBefore = await readVm(sys, weth);
      const wbtcBefore = await readVm(sys, wbtc);
      p = await poke([live(2_100), live(60_000)], PEG_LIVE, { at: await ethAfter(HOUR, 2_100) });
      const t2 = p.t;
      const ratio = wadDivDown(wad(21_000) + wad(1_200), debtAt(wethBefore, t2) + debtAt(wbtcBefore, t2));
      expect(ratio < wad("1.2")).to.equal(true);
      expect([p.systemTripped, p.collateralRatio, p.systemHaltUntil]).to.deep.equal([true, ratio, t2 + COOL_DOWN]);
      await expect(p.tx)
        .to.emit(risk, "SystemBreakerTripped")
        .withArgs(ratio, t2 + COOL_DOWN);
      for (const [i, token] of [weth, wbtc].entries()) {
        expect([p.updates[i].targetRate, p.updates[i].rate, p.updates[i].haltUntil]).to.deep.equal([
          wad("0.4"),
          wad("0.4"),
          t2 + COOL_DOWN,
        ]);
        const c = await vm.collateralConfig(token);
        expect([c.stabilityFee, c.pausedUntil, c.paused]).to.deep.equal([
          toPerSecond(wad("0.4")),
          t2 + COOL_DOWN,
          true,
        ]);
      }
      expect(p.priceTrips).to.deep.equal([]);
      await expect(vm.connect(carol).borrow(btcVault, wad(100), carol.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(wbtc);

      // The book recovers: alice adds 10 WETH (deposits go on while halted).
      await fund(sys, sys.weth, alice, wad(10));
      await vm.connect(alice).deposit(id, wad(10));
      p = await poke([live(2_100), live(60_000)], PEG_LIVE, { at: await after(HOUR) });
      expect(p.systemTripped).to.equal(false);
      expect(p.systemHaltUntil).to.equal(t2 + COOL_DOWN);
      expect(p.updates.map((u) => [u.rate, u.haltUntil])).to.deep.equal([
        [wad("0.4"), t2 + COOL_DOWN],
        [wad("0.4"), t2 + COOL_DOWN],
      ]);
      expect(p.vm.map((v) => v.paused)).to.deep.equal([false, false]); // not extended: no Paused event

      await time.setNextBlockTimestamp(t2 + COOL_DOWN - 10n);
      await refresh();
      await time.setNextBlockTimestamp(t2 + COOL_DOWN - 1n);
      await expect(vm.connect(carol).borrow(btcVault, wad(100), carol.address))
        .to.be.revertedWithCustomError(vm, "CollateralPaused")
        .withArgs(wbtc);
      // At t2 + coolDown the halt is over: the fees step down by maxRateStep per poke.
      p = await poke([live(2_100), live(60_000)], PEG_LIVE, { at: t2 + COOL_DOWN });
      expect(p.updates.map((u) => [u.rate, u.haltUntil])).to.deep.equal([
        [wad("0.395"), 0n],
        [wad("0.395"), 0n],
      ]);
      await expect(vm.connect(carol).borrow(btcVault, wad(100), carol.address)).to.emit(vm, "DebtBorrowed");
      p = await poke([live(2_100), live(60_000)], PEG_LIVE, { at: await after(HOUR) });
      expect(p.updates.map((u) => u.rate)).to.deep.equal([wad("0.39"), wad("0.39")]);
      expect(await paused(weth)).to.equal(false);
    });

    it("reads the ratio as unbounded without debt, and renews the halt while the ratio stays below critical", async () => {
      let p = await poke([live(3_000), live(60_000)]);
      expect(p.collateralRatio).to.equal(UINT256_MAX);
      // A critical ratio of 3 with a book at 2.5: every poke renews the halt.
      await gov.setSystemRules({ ...systemRules, criticalCollateralRatio: wad(3) });
      await openVault(sys, alice, sys.weth, wad(10), wad(12_000));
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(HOUR) });
      expect([p.systemTripped, p.systemHaltUntil]).to.deep.equal([true, p.t + COOL_DOWN]);
      const first = p.t;
      p = await poke([live(3_000), live(60_000)], PEG_LIVE, { at: await after(HOUR) });
      expect([p.systemTripped, p.systemHaltUntil]).to.deep.equal([true, first + HOUR + COOL_DOWN]);
      expect((await vm.collateralConfig(wbtc)).pausedUntil).to.equal(first + HOUR + COOL_DOWN);
    });
  });

  // --------------------------------------------------------------------------- 8. applyRiskSettings

  describe("VaultManager.applyRiskSettings", () => {
    let ctl: HardhatEthersSigner;
    let asCtl: VaultManager;
    let fee: bigint;

    beforeEach(async () => {
      ctl = await controllerSigner(sys);
      asCtl = vm.connect(ctl);
      fee = (await vm.collateralConfig(weth)).stabilityFee;
    });

    it("only RISK_CONTROL_ROLE (the controller) may call it", async () => {
      const guardian = await ethers.getSigner((await getNamedAccounts()).guardian);
      const timelock = await adminOf(vm);
      for (const caller of [sys.attacker, sys.deployer, guardian, timelock]) {
        await expect(vm.connect(caller).applyRiskSettings(weth, fee, wad("1.6"), 0n))
          .to.be.revertedWithCustomError(vm, "AccessControlUnauthorizedAccount")
          .withArgs(await caller.getAddress(), RISK_CONTROL_ROLE);
      }
      await expect(asCtl.applyRiskSettings(usdc, fee, wad("1.6"), 0n))
        .to.be.revertedWithCustomError(vm, "UnknownCollateral")
        .withArgs(usdc);
    });

    it("emits nothing when every value is the one in force", async () => {
      const before = await vm.collateralConfig(weth);
      const tx = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), 0n);
      expect((await tx.wait())!.logs).to.deep.equal([]);
      const after_ = await vm.collateralConfig(weth);
      expect([after_.stabilityFee, after_.borrowRatio, after_.pausedUntil, after_.rateAccumulator]).to.deep.equal([
        before.stabilityFee,
        before.borrowRatio,
        before.pausedUntil,
        before.rateAccumulator,
      ]);
    });

    it("a fee change accrues at the old fee first (FeesAccrued, then StabilityFeeSet); a ratio change emits BorrowRatioSet", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await time.increase(DAY);
      const before = await vm.collateralConfig(weth);
      const newFee = toPerSecond(wad("0.05"));
      const tx = await asCtl.applyRiskSettings(weth, newFee, wad("1.7"), 0n);
      const t = await timeOf(tx);
      const rate = (before.rateAccumulator * rpowUp(before.stabilityFee, t - before.lastAccrual) + RAY - 1n) / RAY;
      const accrued =
        (before.totalNormalizedDebt * rate + RAY - 1n) / RAY -
        (before.totalNormalizedDebt * before.rateAccumulator + RAY - 1n) / RAY;
      expect((await logsOf(tx, vm)).map((l) => [l.name, [...l.args]])).to.deep.equal([
        ["FeesAccrued", [weth, rate, accrued]],
        ["StabilityFeeSet", [weth, before.stabilityFee, newFee]],
        ["BorrowRatioSet", [weth, wad("1.6"), wad("1.7")]],
      ]);
      const c = await vm.collateralConfig(weth);
      expect([c.rateAccumulator, c.lastAccrual, c.stabilityFee, c.borrowRatio, c.accruedFees]).to.deep.equal([
        rate,
        t,
        newFee,
        wad("1.7"),
        before.accruedFees + accrued,
      ]);
      expect(accrued > 0n).to.equal(true);
    });

    it("refuses a fee outside [RAY, MAX_STABILITY_FEE] (OutOfBounds) and a borrow ratio below the liquidation ratio (BorrowRatioBelowLiquidationRatio)", async () => {
      const before = await vm.collateralConfig(weth);
      for (const bad of [RAY - 1n, BOUNDS.MAX_STABILITY_FEE + 1n]) {
        await expect(asCtl.applyRiskSettings(weth, bad, wad("1.6"), 0n))
          .to.be.revertedWithCustomError(vm, "OutOfBounds")
          .withArgs(bad, RAY, BOUNDS.MAX_STABILITY_FEE);
      }
      await expect(asCtl.applyRiskSettings(weth, fee, wad("1.4"), 0n))
        .to.be.revertedWithCustomError(vm, "BorrowRatioBelowLiquidationRatio")
        .withArgs(wad("1.4"), LR);
      await expect(asCtl.applyRiskSettings(weth, fee, LR - 1n, 0n))
        .to.be.revertedWithCustomError(vm, "BorrowRatioBelowLiquidationRatio")
        .withArgs(LR - 1n, LR);
      await expect(asCtl.applyRiskSettings(weth, fee, BOUNDS.MAX_BORROW_RATIO + 1n, 0n))
        .to.be.revertedWithCustomError(vm, "OutOfBounds")
        .withArgs(BOUNDS.MAX_BORROW_RATIO + 1n, WAD, BOUNDS.MAX_BORROW_RATIO);
      const unchanged = await vm.collateralConfig(weth);
      expect([unchanged.stabilityFee, unchanged.borrowRatio, unchanged.pausedUntil]).to.deep.equal([
        before.stabilityFee,
        before.borrowRatio,
        before.pausedUntil,
      ]);
      // The edges are accepted: the fee at both bounds, the ratio at the liquidation ratio.
      await expect(asCtl.applyRiskSettings(weth, BOUNDS.MAX_STABILITY_FEE, LR, 0n))
        .to.emit(vm, "StabilityFeeSet")
        .withArgs(weth, before.stabilityFee, BOUNDS.MAX_STABILITY_FEE)
        .and.to.emit(vm, "BorrowRatioSet")
        .withArgs(weth, wad("1.6"), LR);
      await expect(asCtl.applyRiskSettings(weth, RAY, BOUNDS.MAX_BORROW_RATIO, 0n))
        .to.emit(vm, "StabilityFeeSet")
        .withArgs(weth, BOUNDS.MAX_STABILITY_FEE, RAY);
    });

    it("a halt extends the pause only, capped at maxPauseDuration from now (Paused); it never shortens one", async () => {
      const now = BigInt(await time.latest());
      const tx = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), now + 10n * HOUR);
      const t = await timeOf(tx);
      await expect(tx)
        .to.emit(vm, "Paused")
        .withArgs(weth, ctl.address, now + 10n * HOUR);
      expect((await vm.collateralConfig(weth)).pausedUntil).to.equal(now + 10n * HOUR);
      // A shorter halt changes nothing.
      const shorter = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), t + HOUR);
      expect((await shorter.wait())!.logs).to.deep.equal([]);
      expect((await vm.collateralConfig(weth)).pausedUntil).to.equal(now + 10n * HOUR);
      // Far beyond maxPauseDuration: capped at now + 7 days.
      const long = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), t + 30n * DAY);
      const tl = await timeOf(long);
      await expect(long)
        .to.emit(vm, "Paused")
        .withArgs(weth, ctl.address, tl + MAX_PAUSE);
      expect((await vm.collateralConfig(weth)).pausedUntil).to.equal(tl + MAX_PAUSE);
      const max = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), MaxUint256);
      await expect(max)
        .to.emit(vm, "Paused")
        .withArgs(weth, ctl.address, (await timeOf(max)) + MAX_PAUSE);
    });

    it("never shortens a guardian's pause, and leaves the guardian's cool-down as it was when it extends it", async () => {
      const guardian = await ethers.getSigner((await getNamedAccounts()).guardian);
      const g = await timeOf(await vm.connect(guardian).pauseRiskAdding(weth));
      expect((await vm.collateralConfig(weth)).pausedByGuardian).to.equal(true);
      const shorter = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), g + COOL_DOWN);
      expect((await shorter.wait())!.logs).to.deep.equal([]);
      let c = await vm.collateralConfig(weth);
      expect([c.pausedUntil, c.pausedByGuardian]).to.deep.equal([g + MAX_PAUSE, true]);

      await time.increase(DAY);
      const ext = await asCtl.applyRiskSettings(weth, fee, wad("1.6"), MaxUint256);
      const te = await timeOf(ext);
      await expect(ext)
        .to.emit(vm, "Paused")
        .withArgs(weth, ctl.address, te + MAX_PAUSE);
      c = await vm.collateralConfig(weth);
      expect([c.pausedUntil, c.pausedByGuardian, c.guardianPausedUntil]).to.deep.equal([
        te + MAX_PAUSE,
        true,
        g + MAX_PAUSE,
      ]);
      // The guardian's cool-down runs from its own pause's end, not the halt's: it may pause again
      // at g + 2 × MAX_PAUSE, after the halt (te + MAX_PAUSE) ended, and not before.
      await time.setNextBlockTimestamp(te + MAX_PAUSE);
      await expect(vm.connect(guardian).pauseRiskAdding(weth))
        .to.be.revertedWithCustomError(vm, "PauseCoolingDown")
        .withArgs(weth, g + 2n * MAX_PAUSE);
      await time.setNextBlockTimestamp(g + 2n * MAX_PAUSE);
      await expect(vm.connect(guardian).pauseRiskAdding(weth))
        .to.emit(vm, "Paused")
        .withArgs(weth, guardian.address, g + 3n * MAX_PAUSE);
    });
  });

  // --------------------------------------------------------------------------- 9. governance

  describe("governance", () => {
    async function snapshotRules() {
      return {
        weth: await readRules(sys, weth),
        wbtc: await readRules(sys, wbtc),
        peg: await readPeg(sys),
        system: await readSystem(sys),
        managed: [...(await risk.managedCollaterals())],
      };
    }

    it("setCollateralRules: every bound refused with its error, state unchanged", async () => {
      const before = await snapshotRules();
      const R = WETH_CONTROL;
      const cases: [Partial<CollateralRules>, string, unknown[]][] = [
        [{ kink: 0n }, "OutOfBounds", [0n, 1n, WAD]],
        [{ kink: WAD + 1n }, "OutOfBounds", [WAD + 1n, 1n, WAD]],
        [
          { maxRate: BOUNDS.MAX_CONTROLLED_RATE + 1n },
          "OutOfBounds",
          [BOUNDS.MAX_CONTROLLED_RATE + 1n, 0n, BOUNDS.MAX_CONTROLLED_RATE],
        ],
        [{ minRate: wad("0.03") }, "InvalidRateBounds", [wad("0.03"), R.baseRate, R.maxRate]],
        [{ baseRate: wad("0.41") }, "InvalidRateBounds", [R.minRate, wad("0.41"), R.maxRate]],
        [{ maxRate: wad("0.01") }, "InvalidRateBounds", [R.minRate, R.baseRate, wad("0.01")]],
        [
          { slopeBelowKink: BOUNDS.MAX_CONTROLLED_RATE + 1n },
          "OutOfBounds",
          [BOUNDS.MAX_CONTROLLED_RATE + 1n, 0n, BOUNDS.MAX_CONTROLLED_RATE],
        ],
        [
          { slopeAboveKink: BOUNDS.MAX_CONTROLLED_RATE + 1n },
          "OutOfBounds",
          [BOUNDS.MAX_CONTROLLED_RATE + 1n, 0n, BOUNDS.MAX_CONTROLLED_RATE],
        ],
        [{ maxRateStep: 0n }, "OutOfBounds", [0n, 1n, BOUNDS.MAX_RATE_STEP]],
        [
          { maxRateStep: BOUNDS.MAX_RATE_STEP + 1n },
          "OutOfBounds",
          [BOUNDS.MAX_RATE_STEP + 1n, 1n, BOUNDS.MAX_RATE_STEP],
        ],
        [{ baseMargin: WAD + 1n }, "OutOfBounds", [WAD + 1n, 0n, BOUNDS.MAX_BASE_MARGIN]],
        [{ volatilityMultiplier: 5n * WAD + 1n }, "OutOfBounds", [5n * WAD + 1n, 0n, BOUNDS.MAX_VOLATILITY_MULTIPLIER]],
        [{ maxBorrowRatio: WAD - 1n }, "OutOfBounds", [WAD - 1n, WAD, BOUNDS.MAX_BORROW_RATIO]],
        [{ maxBorrowRatio: 10n * WAD + 1n }, "OutOfBounds", [10n * WAD + 1n, WAD, BOUNDS.MAX_BORROW_RATIO]],
        [{ maxBorrowRatioStep: 0n }, "OutOfBounds", [0n, 1n, BOUNDS.MAX_BORROW_RATIO_STEP]],
        [
          { maxBorrowRatioStep: BOUNDS.MAX_BORROW_RATIO_STEP + 1n },
          "OutOfBounds",
          [BOUNDS.MAX_BORROW_RATIO_STEP + 1n, 1n, BOUNDS.MAX_BORROW_RATIO_STEP],
        ],
        [
          { maxPriceMove: BOUNDS.MIN_PRICE_MOVE - 1n },
          "OutOfBounds",
          [BOUNDS.MIN_PRICE_MOVE - 1n, BOUNDS.MIN_PRICE_MOVE, WAD],
        ],
        [{ maxPriceMove: WAD + 1n }, "OutOfBounds", [WAD + 1n, BOUNDS.MIN_PRICE_MOVE, WAD]],
        [
          { maxSlowMove: BOUNDS.MIN_PRICE_MOVE - 1n },
          "OutOfBounds",
          [BOUNDS.MIN_PRICE_MOVE - 1n, BOUNDS.MIN_PRICE_MOVE, WAD],
        ],
        [{ maxSlowMove: WAD + 1n }, "OutOfBounds", [WAD + 1n, BOUNDS.MIN_PRICE_MOVE, WAD]],
        [{ stressShock: WAD + 1n }, "OutOfBounds", [WAD + 1n, 0n, BOUNDS.MAX_STRESS_SHOCK]],
        [{ saleDiscount: WAD / 2n + 1n }, "OutOfBounds", [WAD / 2n + 1n, 0n, BOUNDS.MAX_SALE_DISCOUNT]],
      ];
      for (const [change, error, args] of cases) {
        await expect(
          gov.setCollateralRules(weth, { ...R, ...change }),
          JSON.stringify(change, (_, v) => String(v)),
        )
          .to.be.revertedWithCustomError(risk, error)
          .withArgs(...args);
      }
      await expect(gov.setCollateralRules(usdc, R))
        .to.be.revertedWithCustomError(risk, "UnknownCollateral")
        .withArgs(usdc);
      await expect(gov.setCollateralRules(ZeroAddress, R))
        .to.be.revertedWithCustomError(risk, "UnknownCollateral")
        .withArgs(ZeroAddress);
      await expect(gov.setCollateralRules(weth, R)).to.be.revertedWithCustomError(risk, "NoChange");
      await expect(risk.connect(sys.attacker).setCollateralRules(weth, { ...R, baseRate: wad("0.03") }))
        .to.be.revertedWithCustomError(risk, "AccessControlUnauthorizedAccount")
        .withArgs(sys.attacker.address, ADMIN_ROLE);
      expect(await snapshotRules()).to.deep.equal(before);

      // The bounds themselves are accepted; CollateralRulesSet carries the old and new rules.
      const edge: CollateralRules = {
        baseRate: BOUNDS.MAX_CONTROLLED_RATE,
        kink: WAD,
        slopeBelowKink: BOUNDS.MAX_CONTROLLED_RATE,
        slopeAboveKink: BOUNDS.MAX_CONTROLLED_RATE,
        minRate: BOUNDS.MAX_CONTROLLED_RATE,
        maxRate: BOUNDS.MAX_CONTROLLED_RATE,
        maxRateStep: BOUNDS.MAX_RATE_STEP,
        baseMargin: WAD,
        volatilityMultiplier: 5n * WAD,
        maxBorrowRatio: 10n * WAD,
        maxBorrowRatioStep: BOUNDS.MAX_BORROW_RATIO_STEP,
        maxPriceMove: WAD,
        maxSlowMove: WAD,
        stressShock: WAD,
        saleDiscount: WAD / 2n,
      };
      const tx = await gov.setCollateralRules(weth, edge);
      const [log] = (await logsOf(tx, risk)).filter((l) => l.name === "CollateralRulesSet");
      expect([log.args[0], [...log.args[1]], [...log.args[2]]]).to.deep.equal([
        weth,
        RULE_KEYS.map((k) => R[k]),
        RULE_KEYS.map((k) => edge[k]),
      ]);
      const low: CollateralRules = {
        ...ZERO_RULES,
        kink: 1n,
        maxRateStep: 1n,
        maxBorrowRatio: WAD,
        maxBorrowRatioStep: 1n,
        maxPriceMove: BOUNDS.MIN_PRICE_MOVE,
        maxSlowMove: BOUNDS.MIN_PRICE_MOVE,
      };
      await expect(gov.setCollateralRules(weth, low)).to.emit(risk, "CollateralRulesSet");
      expect(await readRules(sys, weth)).to.deep.equal(low);
      expect(await risk.managedCollaterals()).to.deep.equal([weth, wbtc]); // still listed once
    });

    it("setPegRules: every reachable bound refused, an unknown asset refused by the oracle (UnknownAsset), NoChange; PegRulesSet with old and new", async () => {
      const before = await snapshotRules();
      const cases: [Partial<PegRules>, bigint, bigint][] = [
        [{ kp: BOUNDS.MAX_PEG_GAIN + 1n }, BOUNDS.MAX_PEG_GAIN + 1n, BOUNDS.MAX_PEG_GAIN],
        [{ ki: BOUNDS.MAX_PEG_GAIN + 1n }, BOUNDS.MAX_PEG_GAIN + 1n, BOUNDS.MAX_PEG_GAIN],
        [{ leakPerDay: WAD + 1n }, WAD + 1n, BOUNDS.MAX_PEG_LEAK],
        [{ maxPegTerm: BOUNDS.MAX_CONTROLLED_RATE + 1n }, BOUNDS.MAX_CONTROLLED_RATE + 1n, BOUNDS.MAX_CONTROLLED_RATE],
      ];
      for (const [change, value, hi] of cases) {
        await expect(gov.setPegRules({ ...pegRules, ...change }))
          .to.be.revertedWithCustomError(risk, "OutOfBounds")
          .withArgs(value, 0n, hi);
      }
      await expect(gov.setPegRules({ ...pegRules, pegAsset: sys.attacker.address }))
        .to.be.revertedWithCustomError(sys.oracle, "UnknownAsset")
        .withArgs(sys.attacker.address);
      await expect(gov.setPegRules(pegRules)).to.be.revertedWithCustomError(risk, "NoChange");
      await expect(risk.connect(sys.attacker).setPegRules({ ...pegRules, kp: 0n }))
        .to.be.revertedWithCustomError(risk, "AccessControlUnauthorizedAccount")
        .withArgs(sys.attacker.address, ADMIN_ROLE);
      expect(await snapshotRules()).to.deep.equal(before);

      const next: PegRules = {
        pegAsset: usdc,
        kp: BOUNDS.MAX_PEG_GAIN,
        ki: BOUNDS.MAX_PEG_GAIN,
        leakPerDay: WAD,
        maxPegTerm: BOUNDS.MAX_CONTROLLED_RATE,
      };
      const tx = await gov.setPegRules(next);
      const [log] = await logsOf(tx, risk);
      expect([log.name, [...log.args[0]], [...log.args[1]]]).to.deep.equal([
        "PegRulesSet",
        [bdol, wad(1), wad("0.5"), wad("0.2"), wad("0.1")],
        [usdc, next.kp, next.ki, next.leakPerDay, next.maxPegTerm],
      ]);
      const none = { pegAsset: ZeroAddress, kp: 0n, ki: 0n, leakPerDay: 0n, maxPegTerm: 0n };
      await expect(gov.setPegRules(none)).to.emit(risk, "PegRulesSet");
      expect(await readPeg(sys)).to.deep.equal(none);
    });

    it("MAX_PEG_GAIN fits PegRules' uint64 gains (a first bound of 20 did not: ABI decoding reverted without a reason)", async () => {
      expect(BOUNDS.MAX_PEG_GAIN <= U64_MAX).to.equal(true);
      await expect(gov.setPegRules({ ...pegRules, kp: BOUNDS.MAX_PEG_GAIN, ki: BOUNDS.MAX_PEG_GAIN })).to.emit(
        risk,
        "PegRulesSet",
      );
      expect((await readPeg(sys)).kp).to.equal(BOUNDS.MAX_PEG_GAIN);
    });

    it("setSystemRules: every bound refused, NoChange; SystemRulesSet with old and new", async () => {
      const before = await snapshotRules();
      const cases: [keyof SystemRules, bigint, bigint, bigint][] = [
        ["pokeInterval", BOUNDS.MIN_POKE_INTERVAL - 1n, BOUNDS.MIN_POKE_INTERVAL, BOUNDS.MAX_POKE_INTERVAL],
        ["pokeInterval", BOUNDS.MAX_POKE_INTERVAL + 1n, BOUNDS.MIN_POKE_INTERVAL, BOUNDS.MAX_POKE_INTERVAL],
        ["priceWindow", BOUNDS.MIN_PRICE_WINDOW - 1n, BOUNDS.MIN_PRICE_WINDOW, BOUNDS.MAX_PRICE_WINDOW],
        ["priceWindow", BOUNDS.MAX_PRICE_WINDOW + 1n, BOUNDS.MIN_PRICE_WINDOW, BOUNDS.MAX_PRICE_WINDOW],
        // The slow window is at least the fast one (an hour here) and at most 30 days.
        ["slowWindow", systemRules.priceWindow - 1n, systemRules.priceWindow, BOUNDS.MAX_SLOW_WINDOW],
        ["slowWindow", BOUNDS.MAX_SLOW_WINDOW + 1n, systemRules.priceWindow, BOUNDS.MAX_SLOW_WINDOW],
        ["coolDown", BOUNDS.MIN_BREAKER_COOLDOWN - 1n, BOUNDS.MIN_BREAKER_COOLDOWN, BOUNDS.MAX_BREAKER_COOLDOWN],
        ["coolDown", BOUNDS.MAX_BREAKER_COOLDOWN + 1n, BOUNDS.MIN_BREAKER_COOLDOWN, BOUNDS.MAX_BREAKER_COOLDOWN],
        ["varHorizon", BOUNDS.MIN_VAR_HORIZON - 1n, BOUNDS.MIN_VAR_HORIZON, BOUNDS.MAX_VAR_HORIZON],
        ["varHorizon", BOUNDS.MAX_VAR_HORIZON + 1n, BOUNDS.MIN_VAR_HORIZON, BOUNDS.MAX_VAR_HORIZON],
        ["criticalCollateralRatio", WAD - 1n, WAD, BOUNDS.MAX_CRITICAL_RATIO],
        ["criticalCollateralRatio", BOUNDS.MAX_CRITICAL_RATIO + 1n, WAD, BOUNDS.MAX_CRITICAL_RATIO],
        ["varConfidence", BOUNDS.MAX_VAR_CONFIDENCE + 1n, 0n, BOUNDS.MAX_VAR_CONFIDENCE],
      ];
      for (const [key, value, lo, hi] of cases) {
        await expect(gov.setSystemRules({ ...systemRules, [key]: value }), key)
          .to.be.revertedWithCustomError(risk, "OutOfBounds")
          .withArgs(value, lo, hi);
      }
      await expect(gov.setSystemRules(systemRules)).to.be.revertedWithCustomError(risk, "NoChange");
      await expect(risk.connect(sys.attacker).setSystemRules({ ...systemRules, coolDown: 7_200n }))
        .to.be.revertedWithCustomError(risk, "AccessControlUnauthorizedAccount")
        .withArgs(sys.attacker.address, ADMIN_ROLE);
      expect(await snapshotRules()).to.deep.equal(before);

      // A fast window longer than the slow one is refused with the slow window's bound.
      await expect(gov.setSystemRules({ ...systemRules, priceWindow: 2n * DAY }))
        .to.be.revertedWithCustomError(risk, "OutOfBounds")
        .withArgs(systemRules.slowWindow, 2n * DAY, BOUNDS.MAX_SLOW_WINDOW);
      const next: SystemRules = {
        pokeInterval: BOUNDS.MAX_POKE_INTERVAL,
        priceWindow: BOUNDS.MIN_PRICE_WINDOW,
        slowWindow: BOUNDS.MAX_SLOW_WINDOW,
        coolDown: BOUNDS.MAX_BREAKER_COOLDOWN,
        varHorizon: BOUNDS.MIN_VAR_HORIZON,
        criticalCollateralRatio: BOUNDS.MAX_CRITICAL_RATIO,
        varConfidence: 0n,
      };
      const tx = await gov.setSystemRules(next);
      const [log] = await logsOf(tx, risk);
      const keys = Object.keys(systemRules) as (keyof SystemRules)[];
      expect([log.name, [...log.args[0]], [...log.args[1]]]).to.deep.equal([
        "SystemRulesSet",
        keys.map((k) => systemRules[k]),
        keys.map((k) => next[k]),
      ]);
      expect(await readSystem(sys)).to.deep.equal(next);
    });

    it("unmanageCollateral: the poke skips it and its parameters stay; NotManaged afterwards; new rules manage it again", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await poke([live(3_000), live(60_000)]);
      await expect(gov.unmanageCollateral(weth)).to.emit(risk, "CollateralUnmanaged").withArgs(weth);
      expect(await risk.managedCollaterals()).to.deep.equal([wbtc]);
      expect(await readRules(sys, weth)).to.deep.equal(ZERO_RULES);
      expect(await readCState(sys, weth)).to.deep.equal({
        anchorPrice: 0n,
        previousAnchorPrice: 0n,
        anchorTime: 0n,
        haltUntil: 0n,
        slowAnchorPrice: 0n,
        previousSlowAnchorPrice: 0n,
        slowAnchorTime: 0n,
      });
      await expect(gov.unmanageCollateral(weth)).to.be.revertedWithCustomError(risk, "NotManaged").withArgs(weth);
      await expect(risk.curveRate(weth, 0n)).to.be.revertedWithCustomError(risk, "NotManaged").withArgs(weth);
      await expect(risk.stressLossNow(weth)).to.be.revertedWithCustomError(risk, "NotManaged").withArgs(weth);
      await expect(gov.unmanageCollateral(usdc)).to.be.revertedWithCustomError(risk, "NotManaged").withArgs(usdc);
      await expect(risk.connect(sys.attacker).unmanageCollateral(wbtc))
        .to.be.revertedWithCustomError(risk, "AccessControlUnauthorizedAccount")
        .withArgs(sys.attacker.address, ADMIN_ROLE);

      // A utilisation of ~83 % would move the WETH fee: the controller leaves it alone now.
      await vmGov.setDebtCeiling(weth, wad(12_000));
      const wethBefore = await vm.collateralConfig(weth);
      const p = await poke([live(60_000)], PEG_LIVE, { at: await after(HOUR) });
      expect(p.updates.length).to.equal(1);
      const wethAfter = await vm.collateralConfig(weth);
      expect([wethAfter.stabilityFee, wethAfter.borrowRatio, wethAfter.pausedUntil]).to.deep.equal([
        wethBefore.stabilityFee,
        wethBefore.borrowRatio,
        wethBefore.pausedUntil,
      ]);
      expect(await risk.reserveTargetNow()).to.equal(await risk.stressLossNow(wbtc));

      // New rules: managed again, appended; CollateralRulesSet from all-zero rules.
      const tx = await gov.setCollateralRules(weth, WETH_CONTROL);
      const [log] = await logsOf(tx, risk);
      expect([log.name, log.args[0], [...log.args[1]], [...log.args[2]]]).to.deep.equal([
        "CollateralRulesSet",
        weth,
        RULE_KEYS.map(() => 0n),
        RULE_KEYS.map((k) => WETH_CONTROL[k]),
      ]);
      expect(await risk.managedCollaterals()).to.deep.equal([wbtc, weth]);
      const q = await poke([live(60_000), live(3_000)], PEG_LIVE, { at: await after(HOUR) });
      // Fresh state: the anchor is set again at this poke.
      expect(q.states[1]).to.deep.equal({
        anchorPrice: wad(3_000),
        previousAnchorPrice: wad(3_000),
        anchorTime: q.t,
        haltUntil: 0n,
        slowAnchorPrice: wad(3_000),
        previousSlowAnchorPrice: wad(3_000),
        slowAnchorTime: q.t,
      });
      expect(q.updates[1].rate).to.equal(toAnnual(wethBefore.stabilityFee) + wad("0.005"));

      // The last of the list goes too (WETH, appended above), then the only one left.
      await expect(gov.unmanageCollateral(weth)).to.emit(risk, "CollateralUnmanaged").withArgs(weth);
      expect(await risk.managedCollaterals()).to.deep.equal([wbtc]);
      await expect(gov.unmanageCollateral(wbtc)).to.emit(risk, "CollateralUnmanaged").withArgs(wbtc);
      expect(await risk.managedCollaterals()).to.deep.equal([]);
    });

    it("a newly registered collateral with rules is managed and poked (USDC, 6 decimals)", async () => {
      await vmGov.addCollateral(usdc, {
        oracleAsset: usdc,
        debtCeiling: wad(1_000_000),
        minDebt: wad(100),
        liquidationRatio: wad("1.1"),
        borrowRatio: wad("1.2"),
        liquidationPenalty: wad("0.05"),
        stabilityFee: RAY,
      });
      const rules: CollateralRules = { ...WETH_CONTROL, baseRate: wad("0.01"), minRate: 0n, stressShock: wad("0.1") };
      await gov.setCollateralRules(usdc, rules);
      expect(await risk.managedCollaterals()).to.deep.equal([weth, wbtc, usdc]);
      await openVault(sys, alice, sys.usdc, 500_000n * 10n ** 6n, wad(300_000));
      const p = await poke([live(3_000), live(60_000), live(1)]);
      const u = p.updates[2];
      // The fee starts at 0 (1 RAY) and takes one 0.5-point step toward ~2.1 %.
      expect([u.price, u.rate, u.targetBorrowRatio, u.borrowRatio]).to.deep.equal([
        WAD,
        wad("0.005"),
        wad("1.15"),
        wad("1.18"),
      ]);
      expect(u.curveRate).to.equal(wad("0.01") + mulDivUp(wad("0.03"), u.utilisation, wad("0.8")));
      // 1 − 1.1 · 0.9 · 0.9 = 0.109 of the debt.
      expect(u.stressLoss).to.equal(wadMulUp(p.debts[2], wad("0.109")));
      expect(p.collateralRatio).to.equal(wadDivDown(wad(500_000), p.debts[2]));
    });
  });

  // --------------------------------------------------------------------------- 10. reserve target

  describe("reserve target", () => {
    it("reserveTarget = Σ loss_c at the stress shocks; reserveTargetNow and stressLossNow on the current book", async () => {
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(20_000));
      await openVault(sys, carol, sys.weth, wad(3), wad(4_000));
      const pre = { weth: await readVm(sys, weth), wbtc: await readVm(sys, wbtc) };
      const p = await poke([live(3_000), live(60_000)]);
      const [dw, db] = [debtAt(pre.weth, p.t), debtAt(pre.wbtc, p.t)];
      expect(dw).to.be.within(wad(14_000), wad("14000.01"));
      const lossW = wadMulUp(dw, WAD - wadMulDown(wadMulDown(LR, wad("0.5")), wad("0.9")));
      const lossB = wadMulUp(db, WAD - wadMulDown(wadMulDown(LR, wad("0.6")), wad("0.9")));
      expect([p.updates[0].stressLoss, p.updates[1].stressLoss, p.reserveTarget]).to.deep.equal([
        lossW,
        lossB,
        lossW + lossB,
      ]);
      expect((await readState(sys)).reserveTarget).to.equal(lossW + lossB);
      // In the same second, the views agree with the stored figure.
      expect(await risk.stressLossNow(weth)).to.equal(lossW);
      expect(await risk.stressLossNow(wbtc)).to.equal(lossB);
      expect(await risk.reserveTargetNow()).to.equal(lossW + lossB);

      // A day later the debts have grown; the views follow, the stored figure waits for a poke.
      await time.increase(DAY);
      await ethers.provider.send("evm_mine", []);
      const now = BigInt(await time.latest());
      const [w, b] = [await readVm(sys, weth), await readVm(sys, wbtc)];
      const nowW = stressLoss(debtAt(w, now), LR, 0n, WETH_CONTROL, systemRules);
      const nowB = stressLoss(debtAt(b, now), LR, 0n, WBTC_CONTROL, systemRules);
      expect(nowW > lossW && nowB > lossB).to.equal(true);
      expect(await risk.stressLossNow(weth)).to.equal(nowW);
      expect(await risk.stressLossNow(wbtc)).to.equal(nowB);
      expect(await risk.reserveTargetNow()).to.equal(nowW + nowB);
      expect((await readState(sys)).reserveTarget).to.equal(lossW + lossB);
      await expect(risk.stressLossNow(usdc)).to.be.revertedWithCustomError(risk, "NotManaged").withArgs(usdc);
    });

    it("the value-at-risk move z·σ·√(horizon/year) replaces the stress shock when larger, and the drop is capped at 100 %", async () => {
      await zeroRates(); // debts stop moving: the views can be compared at any second
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(20_000));
      // √(86,400 / 31,536,000) = 0.052342…
      expect(horizonFactor(systemRules)).to.equal(52_342_392_259_021_370n);
      await swing("eth", 8, HOUR);
      const sigma = await sys.oracle.volatility(weth);
      const move = varMove(systemRules, sigma);
      expect(move).to.equal(wadMulUp(wadMulUp(wad("2.33"), sigma), 52_342_392_259_021_370n));
      expect(move > wad("0.5") && move < WAD, `VaR move ${move}`).to.equal(true);
      const debtW = await vm.totalDebt(weth);
      const expectedW = wadMulUp(debtW, WAD - wadMulDown(wadMulDown(LR, WAD - move), wad("0.9")));
      expect(await risk.stressLossNow(weth)).to.equal(expectedW);
      expect(expectedW > wadMulUp(debtW, wad("0.325"))).to.equal(true);

      // BTC: thirty 10 % moves a minute apart (Σr² ≈ 0.27 within τ = 1 day: σ ≈ 950 %): the drop is
      // capped at 100 %, loss = debt.
      await swing("btc", 30, 60n);
      expect(varMove(systemRules, await sys.oracle.volatility(wbtc)) > WAD).to.equal(true);
      const debtB = await vm.totalDebt(wbtc);
      expect(await risk.stressLossNow(wbtc)).to.equal(debtB);
      await refresh(sys.ethFeed, sys.bdolFeed);
      const p = await poke([live(3_000), live(60_000)]);
      expect([p.updates[0].stressLoss, p.updates[1].stressLoss]).to.deep.equal([
        stressLoss(debtW, LR, p.updates[0].volatility, WETH_CONTROL, systemRules),
        debtB,
      ]);
      expect(await risk.reserveTargetNow()).to.equal(p.reserveTarget);
    });

    it("no loss when even the stressed book recovers its debt (LR·(1 − d)·(1 − δ) ≥ 1)", async () => {
      await zeroRates();
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await setRules(weth, { stressShock: wad("0.3"), saleDiscount: wad("0.04") }); // 1.5 · 0.7 · 0.96 = 1.008
      expect(await risk.stressLossNow(weth)).to.equal(0n);
      await setRules(weth, { stressShock: wad("0.3"), saleDiscount: wad("0.05") }); // 0.9975: 0.25 % of the debt
      expect(await risk.stressLossNow(weth)).to.equal(wadMulUp(await vm.totalDebt(weth), wad("0.0025")));
      await setRules(weth, { stressShock: 0n, saleDiscount: 0n, volatilityMultiplier: 0n });
      const p = await poke([live(3_000), live(60_000)]);
      expect([p.updates[0].stressLoss, p.reserveTarget]).to.deep.equal([0n, 0n]);
    });
  });

  // --------------------------------------------------------------------------- 11. lens

  describe("lens", () => {
    it("systemSnapshot().risk and the per-collateral risk fields match the controller and the vault manager", async () => {
      await zeroRates(); // the lens and the direct reads agree whatever second each call runs at
      await openVault(sys, alice, sys.weth, wad(10), wad(10_000));
      await openVault(sys, bob, sys.wbtc, 10n ** 8n, wad(20_000));
      await setRules(weth, { baseRate: wad("0.02"), maxRate: wad("0.4"), slopeBelowKink: wad("0.03") });
      await sys.bdolFeed.updateAnswer(feedAnswer("0.99"));
      await poke([live(3_000), live(60_000)], live("0.99"));
      const p = await poke([live(2_520), live(60_000)], live("0.99"), { at: await ethAfter(HOUR, 2_520) });
      expect(p.priceTrips.length).to.equal(1);

      const check = async (managed: boolean[]) => {
        const snap = await sys.lens.systemSnapshot();
        const s = await readState(sys);
        const r = snap.risk;
        expect([r.controller, r.lastPoke, r.nextPokeAt, r.pegPrice, r.pegStatus]).to.deep.equal([
          await risk.getAddress(),
          s.lastPoke,
          s.lastPoke + INTERVAL,
          wad("0.99"),
          BigInt(Status.Live),
        ]);
        expect([r.integral, r.systemHaltUntil, r.systemHalted, r.criticalCollateralRatio]).to.deep.equal([
          s.integral,
          s.systemHaltUntil,
          BigInt(await time.latest()) < s.systemHaltUntil,
          wad("1.2"),
        ]);
        expect([r.reserveTarget, r.reserveTargetNow]).to.deep.equal([s.reserveTarget, await risk.reserveTargetNow()]);
        const tokens = [weth, wbtc];
        for (const [i, token] of tokens.entries()) {
          const c = snap.collaterals[i];
          const config = await vm.collateralConfig(token);
          expect(c.token).to.equal(token);
          expect(
            [c.managed, c.annualRate, c.breakerHaltUntil, c.stressLoss, c.pausedUntil],
            `collateral ${i}`,
          ).to.deep.equal([
            managed[i],
            toAnnual(config.stabilityFee),
            (await readCState(sys, token)).haltUntil,
            managed[i] ? await risk.stressLossNow(token) : 0n,
            config.pausedUntil,
          ]);
        }
        return snap;
      };
      const snap = await check([true, true]);
      expect([snap.collaterals[0].breakerHaltUntil, snap.collaterals[0].pausedUntil]).to.deep.equal([
        p.t + COOL_DOWN,
        p.t + COOL_DOWN,
      ]);
      expect(snap.collaterals[0].annualRate).to.equal(p.updates[0].rate);
      expect(snap.collaterals[0].stressLoss).to.equal(p.updates[0].stressLoss);
      expect(snap.risk.reserveTarget).to.equal(p.reserveTarget);
      expect(snap.risk.integral).to.equal(p.integral);

      await gov.unmanageCollateral(wbtc);
      const after_ = await check([true, false]);
      expect([
        after_.collaterals[1].managed,
        after_.collaterals[1].stressLoss,
        after_.collaterals[1].breakerHaltUntil,
      ]).to.deep.equal([false, 0n, 0n]);
      expect(after_.risk.reserveTargetNow).to.equal(await risk.stressLossNow(weth));
    });
  });
});

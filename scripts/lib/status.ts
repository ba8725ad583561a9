/**
 * The system's state through the lens, as tables: used by the `status` task (observers) and by the
 * demo. One `systemSnapshot()` call gives the collaterals and the reserve; the supply identity is
 * recomputed from the vault manager's raw accounting.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  PRICE_STATUS,
  WAD,
  annualRateOf,
  debtUp,
  wadDivDown,
  connect,
  fmtPct,
  fmtPerSecondFee,
  fmtRate,
  fmtWad,
  fmtWhen,
  kv,
  symbolOf,
  table,
  type Ballast,
} from "../../lib/sdk";
import { deploymentAddresses } from "../../lib/sdk/hardhat";

/** The contracts the status tables read: the SDK's `Ballast`. */
export type Contracts = Ballast;

/** The system on `hre`'s network, read-only (bound to the provider). */
export async function contracts(hre: HardhatRuntimeEnvironment): Promise<Contracts> {
  return connect(hre.ethers.provider, await deploymentAddresses(hre));
}

/**
 * The risk controller: its last poke, the peg controller, the system breaker and reserve target, then
 * per collateral the parameters it sets (fee, borrow ratio), their inputs and the breaker states.
 */
export async function printRisk(hre: HardhatRuntimeEnvironment, c: Contracts): Promise<void> {
  if (!c.risk) return;
  const snap = await c.lens.systemSnapshot();
  const r = snap.risk;
  const now = snap.timestamp;
  const coverage = r.reserveTargetNow === 0n ? "∞" : fmtPct(wadDivDown(snap.reserveValue, r.reserveTargetNow));
  kv("Risk controller", {
    "last poke / next poke allowed": `${fmtWhen(r.lastPoke, now)} / ${r.nextPokeAt <= now ? "now" : fmtWhen(r.nextPokeAt, now)}`,
    "BDOL market price":
      r.pegPrice === 0n ? "no feed" : `${fmtWad(r.pegPrice, 4)} ${PRICE_STATUS[Number(r.pegStatus)]}`,
    "peg integral term (rate / yr)": `${fmtWad(r.integral * 100n, 3)} points`,
    "system collateral ratio / critical": `${fmtPct(snap.systemCollateralRatio)} / ${fmtPct(r.criticalCollateralRatio)}`,
    "system breaker": r.systemHalted ? `HALTED (clears ${fmtWhen(r.systemHaltUntil, now)})` : "clear",
    "reserve target (stress loss, now / last poke)": `${fmtWad(r.reserveTargetNow)} / ${fmtWad(r.reserveTarget)}`,
    "reserve value / target": coverage,
  });
  const rows = [];
  for (const col of snap.collaterals) {
    rows.push({
      collateral: await symbolOf(hre.ethers.provider, col.token),
      managed: col.managed ? "yes" : "no",
      "fee / yr": fmtRate(col.annualRate),
      "LR / BR": `${fmtPct(col.liquidationRatio, 0)} / ${fmtPct(col.borrowRatio, 1)}`,
      volatility: fmtPct(col.volatility, 1),
      "ceiling used": fmtPct(col.utilisation),
      "price breaker": col.breakerHaltUntil > now ? `HALTED (${fmtWhen(col.breakerHaltUntil, now)})` : "clear",
      "risk-adding": col.paused ? `paused (${fmtWhen(col.pausedUntil, now)})` : "open",
      "stress loss (BDOL)": fmtWad(col.stressLoss),
    });
  }
  table("Controlled parameters and breakers", rows);
}

/** Per-collateral table: price, collateral, debt, ratios, parameters, debt under auction. */
export async function printCollaterals(hre: HardhatRuntimeEnvironment, c: Contracts): Promise<void> {
  const snap = await c.lens.systemSnapshot();
  const rows = [];
  for (const col of snap.collaterals) {
    const decimals = Number((await c.vaultManager.collateralConfig(col.token)).decimals);
    rows.push({
      collateral: await symbolOf(hre.ethers.provider, col.token),
      "price (USD)": `${fmtWad(col.price)} ${PRICE_STATUS[Number(col.priceStatus)]}`,
      amount: fmtWad(col.totalCollateral, 4, decimals),
      "value (USD)": fmtWad(col.collateralValue),
      "debt (BDOL)": fmtWad(col.debt),
      ratio: col.debt === 0n ? "∞" : fmtPct(wadDivDown(col.collateralValue, col.debt)),
      "ceiling used": fmtPct(col.utilisation),
      "LR / BR": `${fmtPct(col.liquidationRatio, 0)} / ${fmtPct(col.borrowRatio, 0)}`,
      "fee / yr": fmtRate(annualRateOf(col.stabilityFee)),
      "under auction": fmtWad(col.debtUnderAuction),
      paused: col.paused ? "yes" : "no",
    });
  }
  table("Collaterals", rows);
}

/** The reserve: value, ratio, buffer, surplus, deficit, composition, auctions. */
export async function printReserve(hre: HardhatRuntimeEnvironment, c: Contracts): Promise<void> {
  const snap = await c.lens.systemSnapshot();
  kv("Reserve", {
    "reserve value (USD)": fmtWad(snap.reserveValue),
    "reserve ratio (value − deficit − PSM-backed) / debt": fmtPct(snap.reserveRatio),
    "stability buffer (BDOL)": fmtWad(snap.stabilityBuffer),
    "surplus (BDOL)": fmtWad(snap.surplus),
    "deficit (BDOL)": fmtWad(snap.deficit),
    "system collateral ratio": fmtPct(snap.systemCollateralRatio),
    "debt under auction (BDOL)": fmtWad(snap.totalDebtUnderAuction),
    "auctions ever started": snap.auctionCount.toString(),
    "vaults ever opened": snap.vaultCount.toString(),
  });
  const holdings = await c.reserve.composition();
  const rows = [];
  for (const h of holdings) {
    const decimals = await decimalsOf(c, h.asset);
    rows.push({
      asset: await symbolOf(hre.ethers.provider, h.asset),
      amount: fmtWad(h.amount, 4, decimals),
      "value (USD)": fmtWad(h.value),
      share: snap.reserveValue === 0n ? "–" : fmtPct(wadDivDown(h.value, snap.reserveValue)),
    });
  }
  table("Reserve composition (escrowed and on-sale collateral, and USDC in strategies, included)", rows);
  await printLedgers(c);
}

/** A signed wad: "−1,234.56" or "1,234.56". */
function fmtSigned(x: bigint): string {
  return x < 0n ? `−${fmtWad(-x)}` : fmtWad(x);
}

/** The reserve's ledgers against its target and all its liabilities, and sBDOL (ReserveLens.reserveSnapshot). */
export async function printLedgers(c: Contracts): Promise<void> {
  const r = await c.lens.reserveSnapshot();
  const l = r.ledgers;
  const gap = r.targetGap < 0n ? `short by ${fmtWad(-r.targetGap)}` : `above by ${fmtWad(r.targetGap)}`;
  kv("Reserve ledgers (as booked now) and target", {
    "buffer / surplus (BDOL)": `${fmtWad(l.buffer)} / ${fmtWad(l.surplus)}`,
    "deficit / unbooked inflow (BDOL)": `${fmtWad(l.deficit)} / ${fmtWad(l.unbooked)}`,
    "reserve target (last poke / now)": `${fmtWad(r.reserveTarget)} / ${fmtWad(r.reserveTargetNow)}`,
    "buffer + surplus against the target": gap,
    "PSM-backed coin (BDOL)": fmtWad(r.psmBacked),
    "net position (value − deficit − savings owed − PSM-backed)": fmtSigned(r.netPosition),
    "savings may draw now (BDOL)": fmtWad(r.savingsPayable),
    "poke pay now (BDOL, before the surplus cap)": fmtWad(r.pokeRewardNow),
  });
  if (r.savings === ZERO) return;
  kv("Savings (sBDOL)", savingsRows(r));
}

type ReserveSnapshot = Awaited<ReturnType<Contracts["lens"]["reserveSnapshot"]>>;

/** sBDOL's rows of a reserve snapshot (`reserve:status`, `savings:status`); with `payable`, what the surplus may pay. */
export function savingsRows(r: ReserveSnapshot, payable = false): Record<string, string> {
  return {
    "savings rate": fmtPerSecondFee(r.savingsRate, 2),
    "assets / shares": `${fmtWad(r.savingsAssets)} BDOL / ${fmtWad(r.savingsShares)} sBDOL`,
    "interest owed, not yet drawn (BDOL)": fmtWad(r.ledgers.savingsOwed),
    ...(payable ? { "the surplus may pay now (BDOL)": fmtWad(r.savingsPayable) } : {}),
    deposits: r.savingsDepositsPaused ? "paused (withdrawals stay open)" : "open",
  };
}

const ZERO = "0x0000000000000000000000000000000000000000";

export async function decimalsOf(c: Contracts, token: string): Promise<number> {
  return Number(await c.erc20(token).decimals());
}

/** The peg stability module: fees, ceiling, minted, outflow bucket, depeg guard. */
export async function printPsm(hre: HardhatRuntimeEnvironment, c: Contracts): Promise<void> {
  if (!c.psm) return;
  const psm = c.psm;
  const stable = await psm.stable();
  const [price, status] = await c.oracle.getPrice(stable);
  const tolerance = await psm.depegTolerance();
  const minting = status === 0n && price >= WAD - tolerance;
  kv(`Peg stability module (${await symbolOf(hre.ethers.provider, stable)} ↔ BDOL)`, {
    "stable price (USD)": `${fmtWad(price, 4)} ${PRICE_STATUS[Number(status)]}`,
    "minting (stable → BDOL)": minting ? "open" : `refused (below ${fmtWad(WAD - tolerance, 4)} or not live)`,
    "fee in / out": `${fmtPct(await psm.feeIn())} / ${fmtPct(await psm.feeOut())}`,
    "minted / ceiling (BDOL)": `${fmtWad(await psm.minted())} / ${fmtWad(await psm.mintCeiling())}`,
    "outflow available / limit per window": `${fmtWad(await psm.availableOutflow())} / ${fmtWad(await psm.outflowLimit())} per ${Number(await psm.outflowWindow()) / 3600} h`,
    "fees owed to the reserve (BDOL)": fmtWad(await psm.pendingFees()),
  });
}

/**
 * BDOL's market and the peg keeper: the pool's spot, the market feed's last round (or why it is not
 * live), the keeper's debt against its cap, the USDC backing it, what it holds beyond (the next
 * update's profit to pay on), its rules and pause.
 */
export async function printMarket(hre: HardhatRuntimeEnvironment, c: Contracts): Promise<void> {
  if (!c.pegKeeper || !c.marketFeed) return;
  const k = c.pegKeeper;
  const feed = c.marketFeed;
  const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
  const [roundId, lastUpdateAt, notLive] = await feed.updateState();
  let round = "no round yet";
  if (notLive !== "0x00000000") {
    const reasons = ["PoolNotInitialized", "ObservationsTooShort", "LiquidityTooThin", "QuotePriceUnavailable"];
    const name = reasons.find((n) => feed.interface.getError(n)!.selector === notLive) ?? notLive;
    round = `not live (${name}), updated ${fmtWhen(lastUpdateAt, now)}`;
  } else if (roundId > 0n) {
    const [, answer, , updatedAt] = await feed.latestRoundData();
    round = `${fmtWad(answer, 4)} USD (round ${roundId}, ${fmtWhen(updatedAt, now)})`;
  }
  const r = await k.rules();
  const paused = await k.mintingPausedUntil();
  const quoteDecimals = await decimalsOf(c, await k.quoteToken());
  kv("BDOL market and peg keeper", {
    "pool spot (USDC per BDOL)": fmtWad(await feed.spotPrice(), 4),
    "market feed (TWAP × USDC/USD)": round,
    "keeper debt / cap (BDOL)": `${fmtWad(await k.debt())} / ${fmtWad(r.debtCap)}`,
    "USDC held (backs the debt) / beyond it (USD)": `${fmtWad(await k.quoteHeld(), 2, quoteDecimals)} / ${fmtWad(await k.excess())}`,
    "acts outside / per update / every": `1 ± ${fmtPct(r.band)} / ${fmtWad(r.maxPerUpdate)} BDOL / ${fmtHours(r.interval)}`,
    "refuses when spot ≠ TWAP or oracle by more than": fmtPct(r.maxSpread),
    "caller's share of profit": fmtPct(r.callerShare),
    minting: paused > now ? `paused until ${fmtWhen(paused, now)}` : "open",
    "reserve's buy-back left / limit a day (USD)": `${fmtWad(await k.availableBuyBack())} / ${fmtWad(await k.buyBackLimit())}`,
    "next update": fmtWhen(await k.nextUpdateAt(), now),
  });
}

/**
 * The reserve's ERC-4626 strategies: assets (convertToAssets, "unknown" when its views revert),
 * principal, cap, failure flag; liquid vs target and the rebalance limit.
 */
export async function printStrategies(hre: HardhatRuntimeEnvironment, c: Contracts): Promise<void> {
  if (!c.psm) return;
  const stable = await c.psm.stable();
  const decimals = await decimalsOf(c, stable);
  const liquid = await c.erc20(stable).balanceOf(await c.reserve.getAddress());
  const invested = await c.reserve.strategyAssets();
  const total = liquid + invested;
  const target = await c.reserve.liquidTarget();
  kv("Reserve liquidity", {
    "liquid / in strategies": `${fmtWad(liquid, 2, decimals)} / ${fmtWad(invested, 2, decimals)}`,
    "liquid share / target": `${total === 0n ? "–" : fmtPct(wadDivDown(liquid, total))} / ${fmtPct(target)}`,
    "rebalance limit available / per interval": `${fmtWad(await c.reserve.availableRebalance(), 2, decimals)} / ${fmtWad(await c.reserve.maxRebalance(), 2, decimals)} per ${fmtHours(await c.reserve.rebalanceInterval())}`,
  });
  const names = new Map(Object.entries(c.addresses).map(([n, a]) => [a.toLowerCase(), n]));
  const rows = [];
  for (const s of await c.reserve.strategies()) {
    rows.push({
      strategy: names.get(s.vault.toLowerCase()) ?? s.vault,
      assets: s.known ? fmtWad(s.assets, 2, decimals) : "unknown",
      principal: fmtWad(s.principal, 2, decimals),
      cap: fmtWad(s.cap, 2, decimals),
      status: s.failed
        ? s.known
          ? "FAILED (last exchange undone; retried)"
          : "FAILED (views revert: no deposits)"
        : "ok",
    });
  }
  if (rows.length > 0) table("Strategies", rows);
}

/**
 * supply + slack = Σ_c (⌈normalizedDebt_c × rate_c⌉ − accruedFees_c) + debt under auction + deficit,
 * + PSM-minted (less its unminted fees) + the peg keeper's debt, with a slack of a few wei, always in the protocol's favour (see VaultManager and LiquidationEngine).
 */
export async function supplyIdentity(c: Contracts): Promise<{ supply: bigint; backing: bigint; slack: bigint }> {
  let backing = 0n;
  for (const token of await c.vaultManager.collaterals()) {
    const cfg = await c.vaultManager.collateralConfig(token);
    backing += debtUp(cfg.totalNormalizedDebt, cfg.rateAccumulator) - cfg.accruedFees;
  }
  backing += (await c.engine.totalDebtUnderAuction()) + (await c.reserve.deficit());
  if (c.psm) backing += (await c.psm.minted()) - (await c.psm.pendingFees());
  if (c.pegKeeper) backing += await c.pegKeeper.debt();
  const supply = await c.bdol.totalSupply();
  return { supply, backing, slack: backing - supply };
}

export async function printSupply(c: Contracts): Promise<void> {
  const { supply, backing, slack } = await supplyIdentity(c);
  kv("Stablecoin supply identity", {
    "BDOL total supply": fmtWad(supply, 6),
    "Σ vault debt − unminted fees + debt under auction + deficit + PSM-minted + peg keeper debt": fmtWad(backing, 6),
    "slack (wei, rounding in the protocol's favour)": slack.toString(),
  });
}

/** Seconds as hours ("1 h", "24 h", "0.5 h"). */
function fmtHours(seconds: bigint | number): string {
  return `${Number(seconds) / 3600} h`;
}

/** An ethers Result (a struct) as a plain object of its named fields. */
const asObject = (r: unknown): Record<string, unknown> => (r as { toObject(): Record<string, unknown> }).toObject();

/** `status --json`: the lens's system snapshot (collaterals with their symbols) and the supply identity. */
export async function statusData(c: Contracts): Promise<Record<string, unknown>> {
  const snap = await c.lens.systemSnapshot();
  const registry = await c.collaterals();
  const collaterals = snap.collaterals.map((col) => ({
    symbol: registry.find(col.token)?.symbol ?? col.token,
    ...asObject(col),
  }));
  return { ...asObject(snap), collaterals, supply: await supplyIdentity(c) };
}

/** `reserve:status --json`: the snapshot, the reserve's composition and strategies, the PSM and the peg keeper. */
export async function reserveData(c: Contracts): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    snapshot: await c.lens.systemSnapshot(),
    ledgers: await c.lens.reserveSnapshot(),
    composition: await c.reserve.composition(),
    strategies: await c.reserve.strategies(),
    liquidTarget: await c.reserve.liquidTarget(),
    availableRebalance: await c.reserve.availableRebalance(),
  };
  if (c.psm) {
    out.psm = {
      stable: await c.psm.stable(),
      feeIn: await c.psm.feeIn(),
      feeOut: await c.psm.feeOut(),
      minted: await c.psm.minted(),
      mintCeiling: await c.psm.mintCeiling(),
      availableOutflow: await c.psm.availableOutflow(),
      outflowLimit: await c.psm.outflowLimit(),
      pendingFees: await c.psm.pendingFees(),
    };
  }
  if (c.pegKeeper) out.pegKeeper = await c.lens.pegKeeperSnapshot();
  if (c.marketFeed)
    out.marketFeed = { spotPrice: await c.marketFeed.spotPrice(), updateState: await c.marketFeed.updateState() };
  return out;
}

/**
 * The simulator's markets (see sim/README.md, "Markets"): the real Uniswap v3 pools of the local
 * deployment, traded by the actors a scenario implies instead of scripted prices.
 *
 * - **Collateral pools** (`<symbol>_USDC_POOL`: the deployed `WETH_USDC_POOL`, and the pools the
 *   simulator creates for the other collaterals, `WBTC_USDC_POOL`): a market
 *   maker holds a full-range position worth `market.depthUsd` at the start, scaled over time by the
 *   `market.depth` path (a cascade that drains 80 % of the depth is `[[0, 1], [60, 0.2]]`); an
 *   arbitrageur moves each pool to the scenario's price at every tick, paying what the depth costs.
 *   Auction takers (the keeper bot's flash takes) sell collateral into these pools between ticks and
 *   pay the slippage.
 * - **BDOL's pool** (`BDOL_USDC_POOL`, seeded as `market:seed` does): BDOL's price comes out of it.
 *   Holders trade in it on the scenario's demand path (`market.bdolDemand`, BDOL per hour, negative
 *   = selling, whatever the price) and, when the scenario prices BDOL, toward that price at most
 *   `market.bdolFollowPerHour` (panic sellers with the scripted price as their reservation price);
 *   the PSM's arbitrageur trades against them through the PSM (at most `psm.arbitragePerHour`) and
 *   the PegKeeper (when the run has it) through its updates.
 * - **BDOL's oracle price** is the MarketPriceFeed (the pool's TWAP × USDC/USD), set by governance at
 *   setup as on sepolia and mainnet; a round is recorded whenever one is due (every 10 minutes at most),
 *   as oracle infrastructure (it goes on while keepers are absent).
 */
import { Interface, MaxUint256 } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { FlashTaker, MarketPriceFeed, PegKeeper } from "../../typechain-types";
import type { KeeperReport } from "../../lib/keeper";
import type { TickRecord } from "./metrics";
import { marketFeedParams, seedPool } from "../../scripts/lib/market";
import {
  MAX_TICK,
  MIN_TICK,
  TICK_SPACING,
  alignTick,
  isToken0,
  priceWadAt,
  sqrtPriceX96At,
  uniswapArtifact,
} from "../../scripts/lib/uniswap";
import { Chain, WAD, bump, decodeError, toNum, valueDown } from "./chain";
import type { PsmDesk } from "./psm";
import { pathOf, priceAt, type AssetKey, type PricePoint, type Scenario, DEFAULT_ARBITRAGE_PER_HOUR } from "./scenario";
import { contractAt } from "../../lib/sdk/hardhat";

const Q96 = 2n ** 96n;
/** The collateral pools' fee tier (0.05 %, as WETH/USDC's deepest pool on mainnet). */
const COLLATERAL_FEE = 500;
/** Default depth of each collateral pool: the market maker's full-range position at the start [USD]. */
export const DEFAULT_DEPTH_USD = 100_000_000;
/** Default most BDOL per hour the holders trade toward a scripted BDOL price. */
export const DEFAULT_FOLLOW_PER_HOUR = 2_000_000;
/** A pool is "at" a target within this relative gap (no trade for less). */
const AT_TARGET = 1e-5;
/** Trades smaller than this many dollars are not sent. */
const MIN_TRADE_USD = 1;

export interface PoolHandle {
  key: AssetKey | "BDOL";
  address: string;
  base: string;
  baseDecimals: number;
  baseIs0: boolean;
  fee: number;
  /** The market maker's full-range position (collateral pools) and its liquidity at the start. */
  position?: { tokenId: bigint; liquidity: bigint; startLiquidity: bigint };
}

/** What the market did in a run (floats, whole tokens; the JSON's `market` block). */
export interface MarketReport {
  /** The depth path applied (multiplier of the market maker's starting liquidity) and its last value. */
  depthAtEnd: number;
  collateral: Record<
    AssetKey,
    {
      /** Largest gap between the pool and the tick's scenario price at the end of a tick (what the takes left). */
      largestGap: { minute: number; gap: number };
      /** Volume the arbitrageur traded to keep the pool at the scenario's price [USD]. */
      arbitrageVolumeUsd: number;
    }
  >;
  bdol: {
    /** BDOL the holders sold and bought on the demand path (`bdolDemand`). */
    demandSold: number;
    demandBought: number;
    /** BDOL the holders sold and bought toward the scripted price (`prices.BDOL`). */
    followSold: number;
    followBought: number;
    /** BDOL the PSM's arbitrageur minted and sold into the pool, and bought and redeemed. */
    arbitrageSold: number;
    arbitrageBought: number;
    arbitrageRedeemed: number;
    /** Ticks at which the holders had no BDOL left to sell. */
    ticksHoldersDry: number;
  };
  pegKeeper: {
    enabled: boolean;
    /** Updates sent, and dry runs refused by custom error. */
    updates: number;
    refusals: Record<string, number>;
  };
  /** MarketPriceFeed rounds recorded, and refused attempts by reason. */
  feedRounds: number;
  feedRefusals: Record<string, number>;
}

/** The amount of token0 (sqrt falls) or token1 (sqrt rises) that moves `liquidity` from `from` to `to`, fee included. */
function amountToMove(liquidity: bigint, from: bigint, to: bigint, fee: number): bigint {
  const raw = to < from ? (liquidity * Q96 * (from - to)) / (from * to) : (liquidity * (to - from)) / Q96;
  return (raw * (1_000_000n + BigInt(fee))) / 1_000_000n + 1n;
}

export class MarketDesk {
  readonly report: MarketReport;
  private readonly trader: PoolTrader;
  private readonly npmIface = new Interface(uniswapArtifact("NonfungiblePositionManager").abi);
  private readonly pools: Record<AssetKey | "BDOL", PoolHandle>;
  private readonly followPerHour: bigint;
  /** The feed's least time between rounds (MarketPriceFeed.ROUND_PERIOD), read once. */
  private roundPeriod?: number;
  private readonly arbPerHour: bigint;

  private constructor(
    readonly chain: Chain,
    private readonly s: Scenario,
    pools: Record<AssetKey | "BDOL", PoolHandle>,
    readonly feed: MarketPriceFeed,
    readonly keeper: PegKeeper,
    private readonly addrs: { router: string; npm: string; feed: string; keeper: string },
    private readonly psmFees: { feeIn: bigint; feeOut: bigint },
    pegKeeper: boolean,
    private readonly desk: PsmDesk,
  ) {
    this.pools = pools;
    this.trader = new PoolTrader(chain, addrs.router);
    const wad = (x: number) => BigInt(Math.round(x * 1e6)) * 10n ** 12n;
    this.followPerHour = wad(s.market?.bdolFollowPerHour ?? DEFAULT_FOLLOW_PER_HOUR);
    this.arbPerHour = wad(s.psm?.arbitragePerHour ?? DEFAULT_ARBITRAGE_PER_HOUR);
    const collateral = {} as MarketReport["collateral"];
    for (const k of chain.keys) collateral[k] = { largestGap: { minute: 0, gap: 0 }, arbitrageVolumeUsd: 0 };
    this.report = {
      depthAtEnd: 1,
      collateral,
      bdol: {
        demandSold: 0,
        demandBought: 0,
        followSold: 0,
        followBought: 0,
        arbitrageSold: 0,
        arbitrageBought: 0,
        arbitrageRedeemed: 0,
        ticksHoldersDry: 0,
      },
      pegKeeper: { enabled: pegKeeper, updates: 0, refusals: {} },
      feedRounds: 0,
      feedRefusals: {},
    };
  }

  /** Handles on the deployed market for one run (the pools were prepared by `setUpMarket`). */
  static async create(chain: Chain, s: Scenario, pegKeeper: boolean, desk: PsmDesk): Promise<MarketDesk> {
    const hre = chain.hre;
    const get = async (n: string) => (await hre.deployments.get(n)).address;
    const pools = {} as Record<AssetKey | "BDOL", PoolHandle>;
    for (const key of [...chain.keys, "BDOL"]) pools[key] = await poolHandle(chain, key);
    for (const k of chain.keys) {
      const saved = POSITIONS.get(pools[k].address.toLowerCase());
      if (saved) pools[k].position = { ...saved };
    }
    const addrs = {
      router: await get("SwapRouter"),
      npm: await get("NonfungiblePositionManager"),
      feed: await get("MarketPriceFeed"),
      keeper: await get("PegKeeper"),
    };
    return new MarketDesk(
      chain,
      s,
      pools,
      (await contractAt(hre, "MarketPriceFeed", addrs.feed)) as unknown as MarketPriceFeed,
      (await contractAt(hre, "PegKeeper", addrs.keeper)) as unknown as PegKeeper,
      addrs,
      { feeIn: await chain.psm.feeIn(), feeOut: await chain.psm.feeOut() },
      pegKeeper,
      desk,
    );
  }

  /**
   * One tick, before the keepers: the collateral pools' depth follows its path and the arbitrageur
   * brings them to the scenario's prices; BDOL's holders trade on the demand path and toward the
   * scripted price; the PSM's arbitrageur trades the pool against the PSM; a feed round when due.
   */
  async tick(minute: number, dtSeconds: number, prices: Record<AssetKey, number>, usdcUsd: number): Promise<void> {
    const depth = priceAt(this.s.market?.depth ?? [[0, 1]], minute);
    this.report.depthAtEnd = depth;
    for (const k of this.chain.keys) {
      const pool = this.pools[k];
      const target = priceWadOf(prices[k]);
      await this.setDepth(pool, depth);
      const traded = await this.trader.moveTo(pool, this.chain.deployer.address, target, undefined);
      this.report.collateral[k].arbitrageVolumeUsd += traded.usd;
    }
    if (dtSeconds > 0) await this.bdolFlows(minute, dtSeconds, usdcUsd);
    await this.recordRound();
  }

  /** Records a MarketPriceFeed round and the oracle's BDOL price when one is due (oracle infrastructure). */
  async recordRound(): Promise<void> {
    const c = this.chain;
    const [, lastAt] = await this.feed.updateState();
    this.roundPeriod ??= Number(await this.feed.ROUND_PERIOD());
    const next = Number(lastAt) + this.roundPeriod;
    if ((await c.latestTimestamp()) + 1 < next) return;
    const data = this.feed.interface.encodeFunctionData("update");
    const dry = await c.tryCall(c.deployer.address, this.addrs.feed, data, 1_000_000);
    if (!dry.ok) {
      bump(this.report.feedRefusals, decodeError(dry.data, [this.feed.interface]));
      return;
    }
    await c.send(c.deployer.address, this.addrs.feed, data, 1_000_000);
    this.report.feedRounds += 1;
    const record = c.oracle.interface.encodeFunctionData("recordPrice", [c.addresses.BallastDollar]);
    const ok = await c.tryCall(c.deployer.address, c.addresses.OracleAdapter, record, 500_000);
    if (ok.ok) await c.send(c.deployer.address, c.addresses.OracleAdapter, record, 500_000);
  }

  /** The PegKeeper's update by the keeper when due (dry run first; refusals counted by error). */
  async pegKeeperDuty(): Promise<void> {
    if (!this.report.pegKeeper.enabled) return;
    const c = this.chain;
    if (Number(await this.keeper.nextUpdateAt()) > (await c.latestTimestamp()) + 1) return;
    const data = this.keeper.interface.encodeFunctionData("update");
    const dry = await c.tryCall(c.keeper.address, this.addrs.keeper, data, 1_000_000);
    if (!dry.ok) {
      bump(this.report.pegKeeper.refusals, decodeError(dry.data, [this.keeper.interface, this.feed.interface]));
      return;
    }
    await c.send(c.keeper.address, this.addrs.keeper, data, 1_000_000);
    this.report.pegKeeper.updates += 1;
  }

  /** BDOL's spot in USDC per BDOL [wad]. */
  async bdolSpot(): Promise<bigint> {
    return this.trader.spot(this.pools.BDOL);
  }

  /** The pool's TWAP over the feed's window ending now, USDC per BDOL [wad]; undefined when it cannot be read. */
  async bdolTwap(): Promise<bigint | undefined> {
    try {
      const [price] = await this.feed.consult(await this.feed.window(), 0);
      return price;
    } catch {
      return undefined;
    }
  }

  /** The tick's market state (after the keepers). */
  async tickRecord(minute: number, prices: Record<AssetKey, number>, usdcUsd: number): Promise<MarketTick> {
    // What the tick's takes left in the collateral pools, against the tick's price (the arbitrage of
    // the next tick closes it).
    for (const k of this.chain.keys) {
      const gap = toNum(await this.trader.spot(this.pools[k])) / prices[k] - 1;
      if (Math.abs(gap) > Math.abs(this.report.collateral[k].largestGap.gap)) {
        this.report.collateral[k].largestGap = { minute, gap };
      }
    }
    const spot = toNum(await this.bdolSpot());
    const twap = await this.bdolTwap();
    const [oracle, status] = await this.chain.oracle.getPrice(this.chain.addresses.BallastDollar);
    return {
      bdolSpot: spot,
      bdolSpotUsd: spot * usdcUsd,
      bdolTwapUsd: twap === undefined ? null : toNum(twap) * usdcUsd,
      bdolOracle: toNum(oracle),
      bdolOracleStatus: Number(status),
      keeperDebt: toNum(await this.keeper.debt()),
      keeperQuote: Number(await this.keeper.quoteHeld()) / 1e6,
    };
  }

  // ------------------------------------------------------------------ internals

  /** The market maker's full-range liquidity at `factor` × its starting liquidity. */
  private async setDepth(pool: PoolHandle, factor: number): Promise<void> {
    const p = pool.position;
    if (!p) return;
    const target = (p.startLiquidity * BigInt(Math.round(factor * 1e6))) / 1_000_000n;
    const delta = target - p.liquidity;
    if (delta === 0n || (delta < 0n ? -delta : delta) * 100n < p.startLiquidity) return;
    const c = this.chain;
    const mm = c.deployer.address;
    if (delta < 0n) {
      const params = { tokenId: p.tokenId, liquidity: -delta, amount0Min: 0n, amount1Min: 0n, deadline: MaxUint256 };
      await c.send(mm, this.addrs.npm, this.npmIface.encodeFunctionData("decreaseLiquidity", [params]), 1_000_000);
      const collect = { tokenId: p.tokenId, recipient: mm, amount0Max: 2n ** 128n - 1n, amount1Max: 2n ** 128n - 1n };
      await c.send(mm, this.addrs.npm, this.npmIface.encodeFunctionData("collect", [collect]), 1_000_000);
    } else {
      const [sqrt] = await this.trader.slot0(pool);
      const amount0 = (delta * Q96) / sqrt + 1n;
      const amount1 = (delta * sqrt) / Q96 + 1n;
      const [a0, a1] = isToken0(pool.base, c.addresses.USDC)
        ? [pool.base, c.addresses.USDC]
        : [c.addresses.USDC, pool.base];
      await this.trader.mintTo(a0, mm, amount0 * 2n);
      await this.trader.mintTo(a1, mm, amount1 * 2n);
      for (const t of [a0, a1]) await this.trader.approve(t, mm, this.addrs.npm);
      const params = {
        tokenId: p.tokenId,
        amount0Desired: amount0,
        amount1Desired: amount1,
        amount0Min: 0n,
        amount1Min: 0n,
        deadline: MaxUint256,
      };
      await c.send(mm, this.addrs.npm, this.npmIface.encodeFunctionData("increaseLiquidity", [params]), 1_000_000);
    }
    const raw = await c.call(this.addrs.npm, this.npmIface.encodeFunctionData("positions", [p.tokenId]));
    p.liquidity = this.npmIface.decodeFunctionResult("positions", raw)[7] as bigint;
  }

  /** Holders on the demand path and toward the scripted price; the PSM's arbitrageur. */
  private async bdolFlows(minute: number, dtSeconds: number, usdcUsd: number): Promise<void> {
    const c = this.chain;
    const pool = this.pools.BDOL;
    const holders = c.market.address;
    const r = this.report.bdol;
    const wadPerHour = (perHour: bigint) => (perHour * BigInt(Math.round(dtSeconds))) / 3600n;
    // Demand: price-insensitive flow, down to the feed's floor or up to its ceiling at most.
    const demand = this.s.market?.bdolDemand;
    if (demand) {
      const perHour = priceAt(demand, minute);
      const amount = BigInt(Math.round(Math.abs(perHour) * 1e6)) * 10n ** 12n;
      const size = wadPerHour(amount);
      if (size >= WAD * BigInt(MIN_TRADE_USD)) {
        if (perHour < 0) {
          const held = await c.bdol.balanceOf(holders);
          if (held < size) r.ticksHoldersDry += 1;
          const t = await this.trader.moveTo(pool, holders, WAD / 2n, size < held ? size : held);
          r.demandSold += toNum(t.sold);
        } else {
          const t = await this.trader.moveTo(pool, holders, 2n * WAD, size / 10n ** 12n);
          r.demandBought += toNum(t.bought);
        }
      }
    }
    // Panic sellers (or buyers) with the scripted price as their reservation price, in USDC terms.
    if (this.s.prices.BDOL !== undefined) {
      const target = priceWadOf(priceAt(pathOf(this.s, "BDOL"), minute) / usdcUsd);
      const spot = await this.bdolSpot();
      const cap = wadPerHour(this.followPerHour);
      if (cap >= WAD && Math.abs(toNum(spot) / toNum(target) - 1) >= AT_TARGET) {
        if (target < spot) {
          const held = await c.bdol.balanceOf(holders);
          if (held < cap) r.ticksHoldersDry += 1;
          const t = await this.trader.moveTo(pool, holders, target, cap < held ? cap : held);
          r.followSold += toNum(t.sold);
        } else {
          const t = await this.trader.moveTo(pool, holders, target, cap / 10n ** 12n);
          r.followBought += toNum(t.bought);
        }
      }
    }
    await this.psmArbitrage(dtSeconds);
  }

  /**
   * The PSM's arbitrageur: above 1 / ((1 − feeIn)(1 − pool fee)) USDC it mints BDOL at the PSM and
   * sells it into the pool down to that price; below (1 − feeOut)(1 − pool fee) it buys BDOL from
   * the pool up to that price and redeems it (after the holders' queue, within the outflow bucket).
   * At most `psm.arbitragePerHour` BDOL a tick-hour; the PSM's refusals are counted in the desk.
   */
  private async psmArbitrage(dtSeconds: number): Promise<void> {
    const size = (this.arbPerHour * BigInt(Math.round(dtSeconds))) / 3600n;
    if (size < WAD) return;
    const c = this.chain;
    const pool = this.pools.BDOL;
    const arb = c.arbitrageur.address;
    const psm = c.addresses.PegStabilityModule;
    const poolFee = BigInt(pool.fee) * 10n ** 12n;
    const spot = await this.bdolSpot();
    const high = (WAD * WAD * WAD) / ((WAD - this.psmFees.feeIn) * (WAD - poolFee));
    const low = ((WAD - this.psmFees.feeOut) * (WAD - poolFee)) / WAD;
    const r = this.report.bdol;
    if (spot > high) {
      this.desk.arb.mintAttempts += 1;
      let held = await c.bdol.balanceOf(arb);
      if (held < size) {
        const stableIn = (size - held) / 10n ** 12n + 1n;
        const have = await c.usdc.balanceOf(arb);
        if (have < stableIn) {
          await c.mintUsdc(arb, stableIn - have);
          this.desk.arb.usdcBought += stableIn - have;
        }
        await this.trader.approve(c.addresses.USDC, arb, psm);
        const data = c.psm.interface.encodeFunctionData("swapStableForCoin", [stableIn, 0n, arb]);
        const dry = await c.tryCall(arb, psm, data);
        if (!dry.ok) {
          bump(this.desk.arb.mintRefused, decodeError(dry.data, [c.psm.interface, c.reserve.interface]));
        } else {
          const [coinOut] = c.psm.interface.decodeFunctionResult("swapStableForCoin", dry.data) as unknown as [bigint];
          await c.send(arb, psm, data, 1_500_000);
          this.desk.arb.minted += coinOut;
        }
        held = await c.bdol.balanceOf(arb);
      }
      if (held === 0n) return;
      const t = await this.trader.moveTo(pool, arb, high, held < size ? held : size);
      r.arbitrageSold += toNum(t.sold);
      return;
    }
    if (spot < low) {
      // Buys only what it can redeem now: after the holders' queue, within the bucket and the reserve's USDC.
      this.desk.arb.redeemAttempts += 1;
      if (this.desk.queue > 0n) {
        bump(this.desk.arb.redeemRefused, "holders' queue first");
        return;
      }
      const available = await c.psm.availableOutflow();
      const usdcHeld = (await c.usdc.balanceOf(c.addresses.ReservePool)) + (await c.reserve.strategyAssets());
      const roomUsdc = available < usdcHeld * 10n ** 12n ? available : usdcHeld * 10n ** 12n;
      const room = (roomUsdc * WAD) / (WAD - this.psmFees.feeOut);
      let held = await c.bdol.balanceOf(arb);
      if (room > held + WAD) {
        const want = room - held < size ? room - held : size;
        const t = await this.trader.moveTo(pool, arb, low, want / 10n ** 12n);
        r.arbitrageBought += toNum(t.bought);
        held = await c.bdol.balanceOf(arb);
      } else {
        bump(this.desk.arb.redeemRefused, "outflow bucket");
      }
      const coin = held < room ? held : room;
      if (coin < WAD) return;
      const data = c.psm.interface.encodeFunctionData("swapCoinForStable", [coin, 0n, arb]);
      const dry = await c.tryCall(arb, psm, data);
      if (!dry.ok) {
        bump(this.desk.arb.redeemRefused, decodeError(dry.data, [c.psm.interface, c.reserve.interface]));
        return;
      }
      await c.send(arb, psm, data, 1_500_000);
      this.desk.arb.redeemed += coin;
      r.arbitrageRedeemed += toNum(coin);
    }
  }
}

/**
 * Swaps on the real pools through Uniswap's SwapRouter, by raw transactions: moves a pool toward a
 * price (partial fills at the price limit), minting the test tokens a trader sells.
 */
export class PoolTrader {
  readonly poolIface = new Interface(uniswapArtifact("UniswapV3Pool").abi);
  private readonly routerIface = new Interface(uniswapArtifact("SwapRouter").abi);

  constructor(
    private readonly chain: Chain,
    private readonly router: string,
  ) {}

  async spot(pool: PoolHandle): Promise<bigint> {
    const [sqrt] = await this.slot0(pool);
    return priceWadAt(sqrt, pool.baseDecimals, 6, pool.baseIs0);
  }

  async slot0(pool: PoolHandle): Promise<[bigint, bigint]> {
    const raw = await this.chain.call(pool.address, this.poolIface.encodeFunctionData("slot0"));
    const sqrt = this.poolIface.decodeFunctionResult("slot0", raw)[0] as bigint;
    const liq = this.poolIface.decodeFunctionResult(
      "liquidity",
      await this.chain.call(pool.address, this.poolIface.encodeFunctionData("liquidity")),
    )[0] as bigint;
    return [sqrt, liq];
  }

  /**
   * Moves `pool` toward `target` (quote per base, wad) by `who`'s swap through the SwapRouter, selling
   * at most `maxIn` (raw units of what it sells; undefined: as much as it takes). The test tokens it
   * sells are minted to it; BDOL must be held. Returns what it sold and bought (raw), the side, and
   * the volume in USD at the target.
   */
  async moveTo(
    pool: PoolHandle,
    who: string,
    target: bigint,
    maxIn: bigint | undefined,
  ): Promise<{ sold: bigint; bought: bigint; sellBase: boolean; usd: number }> {
    const none = { sold: 0n, bought: 0n, sellBase: false, usd: 0 };
    const c = this.chain;
    const limit = sqrtPriceX96At(target, pool.baseDecimals, 6, pool.baseIs0);
    let [sqrt, liquidity] = await this.slot0(pool);
    if (liquidity === 0n) return none;
    const spot = priceWadAt(sqrt, pool.baseDecimals, 6, pool.baseIs0);
    if (Math.abs(toNum(spot) / toNum(target) - 1) < AT_TARGET) return none;
    const sellBase = target < spot;
    const tokenIn = sellBase ? pool.base : c.addresses.USDC;
    const tokenOut = sellBase ? c.addresses.USDC : pool.base;
    const isBdol = pool.key === "BDOL";
    let sold = 0n;
    let bought = 0n;
    for (let round = 0; round < 4; round++) {
      let amount = amountToMove(liquidity, sqrt, limit, pool.fee) * 2n;
      if (maxIn !== undefined) {
        const left = maxIn - sold;
        if (left <= 0n) break;
        if (amount > left) amount = left;
      }
      const have = await this.balanceOf(tokenIn, who);
      if (have < amount) {
        if (isBdol && sellBase) amount = have;
        else await this.mintTo(tokenIn, who, amount - have);
      }
      if (amount === 0n) break;
      await this.approveRouter(tokenIn, who);
      const outBefore = await this.balanceOf(tokenOut, who);
      const inBefore = await this.balanceOf(tokenIn, who);
      const data = this.routerIface.encodeFunctionData("exactInputSingle", [
        {
          tokenIn,
          tokenOut,
          fee: pool.fee,
          recipient: who,
          deadline: MaxUint256,
          amountIn: amount,
          amountOutMinimum: 0n,
          sqrtPriceLimitX96: limit,
        },
      ]);
      const dry = await c.tryCall(who, this.router, data, 3_000_000);
      if (!dry.ok) break;
      await c.send(who, this.router, data, 3_000_000);
      sold += inBefore - (await this.balanceOf(tokenIn, who));
      bought += (await this.balanceOf(tokenOut, who)) - outBefore;
      [sqrt, liquidity] = await this.slot0(pool);
      const now = priceWadAt(sqrt, pool.baseDecimals, 6, pool.baseIs0);
      if (Math.abs(toNum(now) / toNum(target) - 1) < AT_TARGET || liquidity === 0n) break;
      if (isBdol && sellBase) break;
    }
    const usd = Number(sellBase ? bought : sold) / 1e6;
    return { sold, bought, sellBase, usd };
  }

  async balanceOf(token: string, who: string): Promise<bigint> {
    const raw = await this.chain.call(token, this.chain.usdc.interface.encodeFunctionData("balanceOf", [who]));
    return BigInt(raw);
  }

  async mintTo(token: string, to: string, amount: bigint): Promise<void> {
    if (amount <= 0n) return;
    if (token.toLowerCase() === this.chain.addresses.BallastDollar.toLowerCase()) {
      throw new Error("BDOL cannot be minted to a market actor");
    }
    await this.chain.send(
      this.chain.deployer.address,
      token,
      this.chain.usdc.interface.encodeFunctionData("mint", [to, amount]),
      200_000,
    );
  }

  private readonly approved = new Set<string>();

  async approve(token: string, owner: string, spender: string): Promise<void> {
    const key = `${token}:${owner}:${spender}`.toLowerCase();
    if (this.approved.has(key)) return;
    await this.chain.send(
      owner,
      token,
      this.chain.usdc.interface.encodeFunctionData("approve", [spender, MaxUint256]),
      100_000,
    );
    this.approved.add(key);
  }

  async approveRouter(token: string, owner: string): Promise<void> {
    await this.approve(token, owner, this.router);
  }
}

/** USD (float) → wad. */
function priceWadOf(x: number): bigint {
  return BigInt(Math.round(x * 1e9)) * 10n ** 9n;
}

/** The market maker's positions, by pool address (set up once; the runs revert to the setup snapshot). */
const POSITIONS = new Map<string, { tokenId: bigint; liquidity: bigint; startLiquidity: bigint }>();

async function poolHandle(chain: Chain, key: AssetKey | "BDOL"): Promise<PoolHandle> {
  const hre = chain.hre;
  const name = key === "BDOL" ? "BDOL_USDC_POOL" : poolName(chain, key);
  const address = (await hre.deployments.get(name)).address;
  const base = key === "BDOL" ? chain.addresses.BallastDollar : chain.assets[key].tokenAddress;
  const iface = new Interface(uniswapArtifact("UniswapV3Pool").abi);
  const fee = Number(iface.decodeFunctionResult("fee", await chain.call(address, iface.encodeFunctionData("fee")))[0]);
  return {
    key,
    address,
    base,
    baseDecimals: key === "BDOL" ? 18 : chain.assets[key].decimals,
    baseIs0: isToken0(base, chain.addresses.USDC),
    fee,
  };
}

/**
 * Setup, after the warm-up, once per scenario before the runs: moves each collateral pool to the scenario's start price and gives the market maker a
 * full-range position worth `depthUsd` there, then points the oracle's BDOL feed at the
 * MarketPriceFeed (governance, impersonated) and records its first round.
 */
export async function setUpMarket(chain: Chain, s: Scenario, startPrices: Record<AssetKey, number>): Promise<void> {
  const hre = chain.hre;

  const npm = (await hre.deployments.get("NonfungiblePositionManager")).address;
  const npmIface = new Interface(uniswapArtifact("NonfungiblePositionManager").abi);
  const mm = chain.deployer.address;
  const trader = new PoolTrader(chain, (await hre.deployments.get("SwapRouter")).address);
  POSITIONS.clear();
  for (const k of chain.keys) {
    const pool = await poolHandle(chain, k);
    // The pool to the start price first (the deployed WETH pool starts at its configured price).
    await trader.moveTo(pool, mm, priceWadOf(startPrices[k]), undefined);
    const usd = s.market?.depthUsd?.[k] ?? DEFAULT_DEPTH_USD;
    const base = BigInt(Math.round((usd / 2 / startPrices[k]) * 10 ** pool.baseDecimals));
    const quote = BigInt(Math.round((usd / 2) * 1e6));
    const [t0, t1] = pool.baseIs0 ? [pool.base, chain.addresses.USDC] : [chain.addresses.USDC, pool.base];
    const [a0, a1] = pool.baseIs0 ? [base, quote] : [quote, base];
    for (const [t, a] of [
      [t0, a0],
      [t1, a1],
    ] as const) {
      await chain.send(mm, t, chain.usdc.interface.encodeFunctionData("mint", [mm, a]), 200_000);
      await chain.send(mm, t, chain.usdc.interface.encodeFunctionData("approve", [npm, MaxUint256]), 100_000);
    }
    const spacing = TICK_SPACING[pool.fee];
    const params = {
      token0: t0,
      token1: t1,
      fee: pool.fee,
      tickLower: alignTick(MIN_TICK, spacing, true),
      tickUpper: alignTick(MAX_TICK, spacing),
      amount0Desired: a0,
      amount1Desired: a1,
      amount0Min: 0n,
      amount1Min: 0n,
      recipient: mm,
      deadline: MaxUint256,
    };
    const data = npmIface.encodeFunctionData("mint", [params]);
    const dry = await chain.tryCall(mm, npm, data, 2_000_000);
    if (!dry.ok) throw new Error(`the market maker's position in ${k}'s pool was refused: ${dry.data.slice(0, 10)}`);
    const [tokenId, liquidity] = npmIface.decodeFunctionResult("mint", dry.data) as unknown as [bigint, bigint];
    await chain.send(mm, npm, data, 2_000_000);
    POSITIONS.set(pool.address.toLowerCase(), { tokenId, liquidity, startLiquidity: liquidity });
  }
  await useMarketFeed(chain);
}

/** A collateral's pool with USDC, by deployment name. */
function poolName(chain: Chain, key: AssetKey): string {
  return `${chain.assets[key].symbol}_USDC_POOL`;
}

/**
 * Setup, right after the deployment (the days of the price walk and the warm-up then pass, so that
 * the TWAP of BDOL's pool covers its seed): BDOL's pool is seeded as `market:seed` does (its BDOL
 * bought at the PSM), and each collateral without a deployed pool (WBTC) gets one at its start price.
 */
export async function prepareMarket(chain: Chain, startPrices: Record<AssetKey, number>): Promise<void> {
  await seedPool(chain.hre, "BDOL_USDC_POOL");
  for (const k of chain.keys) await createPool(chain.hre, chain, k, startPrices[k]);
}

async function createPool(hre: HardhatRuntimeEnvironment, chain: Chain, key: AssetKey, usd: number): Promise<void> {
  const name = poolName(chain, key);
  if (await hre.deployments.getOrNull(name)) return;
  const factoryAddr = (await hre.deployments.get("UniswapV3Factory")).address;
  const factory = new Interface(uniswapArtifact("UniswapV3Factory").abi);
  const poolIface = new Interface(uniswapArtifact("UniswapV3Pool").abi);
  const { tokenAddress: token, decimals } = chain.assets[key];
  const usdc = chain.addresses.USDC;
  const from = chain.deployer.address;
  await chain.send(
    from,
    factoryAddr,
    factory.encodeFunctionData("createPool", [token, usdc, COLLATERAL_FEE]),
    6_000_000,
  );
  const address = factory.decodeFunctionResult(
    "getPool",
    await chain.call(factoryAddr, factory.encodeFunctionData("getPool", [token, usdc, COLLATERAL_FEE])),
  )[0] as string;
  const sqrt = sqrtPriceX96At(priceWadOf(usd), decimals, 6, isToken0(token, usdc));
  await chain.send(from, address, poolIface.encodeFunctionData("initialize", [sqrt]), 500_000);
  await hre.deployments.save(name, { address, abi: uniswapArtifact("UniswapV3Pool").abi as never });
}

/**
 * Governance (the impersonated timelock) points the oracle's BDOL feed at the MarketPriceFeed with
 * mainnet's rules for it (config/networks.ts), and the first round is recorded.
 */
async function useMarketFeed(chain: Chain): Promise<void> {
  const hre = chain.hre;
  const feed = (await hre.deployments.get("MarketPriceFeed")).address;
  const params = marketFeedParams(feed);
  await chain.asTimelock([
    [
      chain.addresses.OracleAdapter,
      chain.oracle.interface.encodeFunctionData("setFeed", [chain.addresses.BallastDollar, params]),
      1_000_000,
    ],
  ]);
  const feedC = await contractAt(hre, "MarketPriceFeed", feed);
  await chain.send(chain.deployer.address, feed, feedC.interface.encodeFunctionData("update"), 1_000_000);
  await chain.send(
    chain.deployer.address,
    chain.addresses.OracleAdapter,
    chain.oracle.interface.encodeFunctionData("recordPrice", [chain.addresses.BallastDollar]),
    500_000,
  );
  const [price, status] = await chain.oracle.getPrice(chain.addresses.BallastDollar);
  if (status !== 0n)
    throw new Error(`BDOL's market feed reads status ${status} after its first round (price ${toNum(price)})`);
}

/** The market model's state at the end of a tick (TickRecord.market). */
export interface MarketTick {
  /** BDOL's pool price in USDC, and in USD (× the scenario's USDC price). */
  bdolSpot: number;
  bdolSpotUsd: number;
  /** The pool's TWAP over the feed's window ending now, in USD; null when it cannot be read. */
  bdolTwapUsd: number | null;
  /** The oracle's BDOL price (the MarketPriceFeed's last recorded round) and its status. */
  bdolOracle: number;
  bdolOracleStatus: number;
  /** The PegKeeper's debt (BDOL it minted and has not burnt) and the USDC it holds. */
  keeperDebt: number;
  keeperQuote: number;
}

/** What the markets did in a run (RunResult.market). */
export interface MarketTotals extends MarketReport {
  bdol: MarketReport["bdol"] & {
    /** Minutes with BDOL's spot (and TWAP) in USD more than 0.5 % and 1 % off $1. */
    minutesOutside: { spot05: number; spot1: number; twap05: number; twap1: number };
    /** The largest deviation from $1 of the spot and of the TWAP (signed), and when. */
    largestDeviation: { spot: { minute: number; deviation: number }; twap: { minute: number; deviation: number } };
    spotAtEnd: number;
    /** How close the spot came to a scripted BDOL price: mean and largest |spot − scripted| [USD]; null without one. */
    scriptedGap: { mean: number; max: number; minute: number } | null;
  };
  pegKeeperTotals: {
    /** BDOL minted and sold into the pool; bought back and burnt; USDC received and spent. */
    minted: number;
    bought: number;
    burnt: number;
    quoteReceived: number;
    quoteSpent: number;
    /** BDOL bought for the reserve with its own USDC below the peg (BoughtBackForReserve), and the USDC it cost. */
    reserveBoughtBack: number;
    reserveQuoteSpent: number;
    maxDebt: number;
    debtAtEnd: number;
    /** Σ ProfitPaid.profit [USD], of which the caller's rewards and what went to the reserve. */
    profit: number;
    callerRewards: number;
    toReserve: number;
  };
  takers: {
    flashTakes: number;
    /** Collateral sold by flash takes at the oracle price at the take [USD], the USDC it fetched, and the difference. */
    oracleValueSold: number;
    stableReceived: number;
    slippagePaid: number;
    /** slippagePaid / oracleValueSold (null when nothing was sold). */
    slippageShare: number | null;
  };
}

/**
 * A run's market totals: time off the peg and the largest deviations from the tick series (each
 * tick's state holds until the next), the PegKeeper's and the flash takers' figures from their
 * events over the run's blocks (the oracle price of a take from the keeper's own report of it).
 */
export async function analyseMarket(
  chain: Chain,
  desk: MarketDesk,
  s: Scenario,
  ticks: TickRecord[],
  reports: KeeperReport[],
  fromBlock: number,
  toBlock: number,
): Promise<MarketTotals> {
  const outside = { spot05: 0, spot1: 0, twap05: 0, twap1: 0 };
  const largest = { spot: { minute: 0, deviation: 0 }, twap: { minute: 0, deviation: 0 } };
  let gapSum = 0;
  let gapMax = { max: 0, minute: 0 };
  let maxDebt = 0;
  const scripted = s.prices.BDOL !== undefined;
  for (const [i, t] of ticks.entries()) {
    const m = t.market;
    if (!m) continue;
    const dt = i + 1 < ticks.length ? ticks[i + 1].minute - t.minute : 0;
    const dSpot = m.bdolSpotUsd - 1;
    if (Math.abs(dSpot) > 0.005) outside.spot05 += dt;
    if (Math.abs(dSpot) > 0.01) outside.spot1 += dt;
    if (Math.abs(dSpot) > Math.abs(largest.spot.deviation)) largest.spot = { minute: t.minute, deviation: dSpot };
    if (m.bdolTwapUsd !== null) {
      const dTwap = m.bdolTwapUsd - 1;
      if (Math.abs(dTwap) > 0.005) outside.twap05 += dt;
      if (Math.abs(dTwap) > 0.01) outside.twap1 += dt;
      if (Math.abs(dTwap) > Math.abs(largest.twap.deviation)) largest.twap = { minute: t.minute, deviation: dTwap };
    }
    if (scripted) {
      const gap = Math.abs(m.bdolSpotUsd - priceAt(pathOf(s, "BDOL"), t.minute));
      gapSum += gap * dt;
      if (gap > gapMax.max) gapMax = { max: gap, minute: t.minute };
    }
    maxDebt = Math.max(maxDebt, m.keeperDebt);
  }
  const duration = ticks.length > 1 ? ticks[ticks.length - 1].minute - ticks[0].minute : 0;
  const k = desk.keeper;
  const [provided, withdrawn, paid, forReserve] = await Promise.all([
    k.queryFilter(k.filters.Provided(), fromBlock, toBlock),
    k.queryFilter(k.filters.Withdrawn(), fromBlock, toBlock),
    k.queryFilter(k.filters.ProfitPaid(), fromBlock, toBlock),
    k.queryFilter(k.filters.BoughtBackForReserve(), fromBlock, toBlock),
  ]);
  const sum = (xs: bigint[]) => xs.reduce((a, x) => a + x, 0n);
  const usdc = (x: bigint) => Number(x) / 1e6;
  const taker = await contractAt(chain.hre, "FlashTaker", "FlashTaker");
  const takes = await taker.queryFilter(taker.filters.FlashTaken(), fromBlock, toBlock);
  const reference = new Map<string, { price: bigint; collateral: string }>();
  for (const r of reports)
    for (const t of r.takes)
      reference.set(t.auctionId.toString(), { price: t.referencePrice, collateral: t.collateral });
  let oracleValue = 0;
  let received = 0;
  for (const e of takes) {
    const ref = reference.get(e.args.auctionId.toString());
    if (!ref) continue;
    const asset = chain.keys.find((x) => chain.assets[x].tokenAddress.toLowerCase() === ref.collateral.toLowerCase());
    if (!asset) continue;
    oracleValue += toNum(valueDown(e.args.collateralSold, chain.assets[asset].decimals, ref.price));
    received += usdc(e.args.stableReceived);
  }
  const last = ticks[ticks.length - 1]?.market;
  return {
    ...desk.report,
    bdol: {
      ...desk.report.bdol,
      minutesOutside: outside,
      largestDeviation: largest,
      spotAtEnd: last?.bdolSpotUsd ?? 1,
      scriptedGap: scripted ? { mean: duration > 0 ? gapSum / duration : 0, ...gapMax } : null,
    },
    pegKeeperTotals: {
      minted: toNum(sum(provided.map((e) => e.args.minted))),
      quoteReceived: usdc(sum(provided.map((e) => e.args.quoteReceived))),
      bought: toNum(sum(withdrawn.map((e) => e.args.bought))),
      quoteSpent: usdc(sum(withdrawn.map((e) => e.args.quoteSpent))),
      burnt: toNum(sum(withdrawn.map((e) => e.args.burnt))),
      reserveBoughtBack: toNum(sum(forReserve.map((e) => e.args.bought))),
      reserveQuoteSpent: usdc(sum(forReserve.map((e) => e.args.quoteSpent))),
      maxDebt,
      debtAtEnd: last?.keeperDebt ?? 0,
      profit: toNum(sum(paid.map((e) => e.args.profit))),
      callerRewards: usdc(sum(paid.map((e) => e.args.rewardQuote))) + toNum(sum(paid.map((e) => e.args.rewardCoin))),
      toReserve: usdc(sum(paid.map((e) => e.args.quoteToReserve))) + toNum(sum(paid.map((e) => e.args.coinToReserve))),
    },
    takers: {
      flashTakes: takes.length,
      oracleValueSold: oracleValue,
      stableReceived: received,
      slippagePaid: oracleValue - received,
      slippageShare: oracleValue > 0 ? (oracleValue - received) / oracleValue : null,
    },
  };
}

/**
 * The market's side of the peg stability module during a simulation (see sim/README.md, "PSM flows"):
 *
 * - **holders** (the market account) redeem BDOL for USDC on the scenario's schedule
 *   (`psm.redemptions`). An ask joins a queue; at every tick the queue is served first come, first
 *   served, as far as the PSM's outflow bucket, the reserve's USDC and the holders' BDOL allow; the
 *   rest waits for the bucket to refill. When the bucket is what holds the queue back, the whole
 *   queue is also tried as a dry run (eth_call) so the PSM's own refusal is recorded.
 * - an **arbitrageur** (the last Hardhat account) trades at most `psm.arbitragePerHour` BDOL per hour
 *   whenever the market price of BDOL leaves the PSM's fee band around the market price of USDC:
 *     BDOL × (1 − feeIn) > USDC   → buys USDC on the market and mints BDOL through the PSM
 *                                   (swapStableForCoin; the depeg guard may refuse it),
 *     BDOL < USDC × (1 − feeOut)  → buys BDOL from the holders and redeems it through the PSM
 *                                   (swapCoinForStable), after the holders' queue.
 *   The prices are the scenario's paths: trades do not move them (the market is deep). USDC the
 *   arbitrageur needs is minted to it (bought on the market); the BDOL it mints goes to the holders.
 *
 * Every refused attempt is a dry run, never a reverted transaction; the reasons are the PSM's
 * custom errors, counted per kind.
 */
import { Chain, WAD, bump, decodeError } from "./chain";
import type { PegKey } from "./assets";
import { type Scenario, DEFAULT_ARBITRAGE_PER_HOUR } from "./scenario";

/** Redemptions and arbitrage trades smaller than this are not sent [wad]. */
const MIN_TRADE = WAD;

export interface PsmDeskReport {
  /** BDOL the holders asked to redeem in this run. */
  asked: number;
  /** BDOL of those asks redeemed (coin burnt, fee included). */
  served: number;
  /** BDOL still waiting at the end. */
  queueAtEnd: number;
  /** Largest queue seen at a tick. */
  maxQueue: number;
  /** Ticks at which the bucket held part of the queue back. */
  ticksHeldBack: number;
  /** Dry runs of the whole queue that the PSM refused, by custom error. */
  refusals: Record<string, number>;
  /** Ticks at which the holders had less BDOL than the queue. */
  ticksShortOfBdol: number;
  arbitrage: {
    perHour: number;
    /** Mint attempts (ticks at which BDOL × (1 − feeIn) > USDC). */
    mintAttempts: number;
    /** Mint attempts the PSM refused, by custom error (StableDepegged while USDC < 1 − tolerance). */
    mintRefused: Record<string, number>;
    /** BDOL minted by the arbitrageur. */
    minted: number;
    /** Redeem attempts (ticks at which BDOL < USDC × (1 − feeOut)). */
    redeemAttempts: number;
    /** Redeem attempts (or the part beyond the bucket) the PSM refused, by custom error. */
    redeemRefused: Record<string, number>;
    /** BDOL redeemed by the arbitrageur. */
    redeemed: number;
    /** USDC minted to the arbitrageur (what it bought on the market). */
    usdcBought: number;
  };
}

function toFloat(x: bigint): number {
  return Number(x / WAD) + Number(x % WAD) / 1e18;
}

export class PsmDesk {
  /** BDOL waiting to be redeemed [wad]. */
  queue = 0n;
  private nextAsk = 0;
  private asked = 0n;
  private served = 0n;
  private maxQueue = 0n;
  private ticksHeldBack = 0;
  private ticksShortOfBdol = 0;
  private readonly refusals: Record<string, number> = {};
  /** The arbitrageur's counts (the market model's arbitrageur, sim/src/market.ts, writes them too). */
  readonly arb = {
    mintAttempts: 0,
    mintRefused: {} as Record<string, number>,
    minted: 0n,
    redeemAttempts: 0,
    redeemRefused: {} as Record<string, number>,
    redeemed: 0n,
    usdcBought: 0n,
  };
  private readonly asks: [number, bigint][];
  private readonly perHour: bigint;

  private constructor(
    private readonly chain: Chain,
    scenario: Scenario,
    private readonly feeIn: bigint,
    private readonly feeOut: bigint,
    /** 10^(18 − USDC decimals). */
    private readonly scale: bigint,
  ) {
    this.asks = (scenario.psm?.redemptions ?? []).map(([m, a]) => [m, BigInt(Math.round(a * 1e6)) * 10n ** 12n]);
    this.perHour =
      BigInt(Math.round((scenario.psm?.arbitragePerHour ?? DEFAULT_ARBITRAGE_PER_HOUR) * 1e6)) * 10n ** 12n;
  }

  /** Reads the PSM's fees once (they do not change during a run). */
  static async create(chain: Chain, scenario: Scenario): Promise<PsmDesk> {
    const decimals = Number(await chain.usdc.decimals());
    return new PsmDesk(
      chain,
      scenario,
      await chain.psm.feeIn(),
      await chain.psm.feeOut(),
      10n ** BigInt(18 - decimals),
    );
  }

  /**
   * One tick: new asks join the queue, the queue is served, then the arbitrageur trades for the
   * `dtSeconds` since the previous tick at the scenario's prices.
   */
  async tick(minute: number, dtSeconds: number, prices: Record<PegKey, number>, arbitrage = true): Promise<void> {
    while (this.nextAsk < this.asks.length && this.asks[this.nextAsk][0] <= minute) {
      const amount = this.asks[this.nextAsk++][1];
      this.queue += amount;
      this.asked += amount;
    }
    if (this.queue > this.maxQueue) this.maxQueue = this.queue;
    if (this.queue > 0n) await this.serveQueue();
    if (arbitrage && this.perHour > 0n && dtSeconds > 0) await this.arbitrage(dtSeconds, prices);
  }

  report(): PsmDeskReport {
    return {
      asked: toFloat(this.asked),
      served: toFloat(this.served),
      queueAtEnd: toFloat(this.queue),
      maxQueue: toFloat(this.maxQueue),
      ticksHeldBack: this.ticksHeldBack,
      refusals: { ...this.refusals },
      ticksShortOfBdol: this.ticksShortOfBdol,
      arbitrage: {
        perHour: toFloat(this.perHour),
        mintAttempts: this.arb.mintAttempts,
        mintRefused: { ...this.arb.mintRefused },
        minted: toFloat(this.arb.minted),
        redeemAttempts: this.arb.redeemAttempts,
        redeemRefused: { ...this.arb.redeemRefused },
        redeemed: toFloat(this.arb.redeemed),
        usdcBought: Number(this.arb.usdcBought) / Number(10n ** 18n / this.scale),
      },
    };
  }

  // ------------------------------------------------------------------ internals

  /**
   * Most BDOL a redemption may burn now: its payout (coin − fee) within the bucket and the reserve's
   * USDC (liquid and in strategies). The fee rounds up, so coin × (1 − feeOut) ≥ payout.
   */
  private async redeemable(): Promise<{ coin: bigint; byBucket: boolean }> {
    const c = this.chain;
    const [available, liquid, invested] = await Promise.all([
      c.psm.availableOutflow(),
      c.usdc.balanceOf(c.addresses.ReservePool),
      c.reserve.strategyAssets(),
    ]);
    const held = (liquid + invested) * this.scale;
    const limit = available < held ? available : held;
    return { coin: (limit * WAD) / (WAD - this.feeOut), byBucket: available <= held };
  }

  private async redeem(from: string, to: string, coin: bigint): Promise<boolean> {
    const c = this.chain;
    const data = c.psm.interface.encodeFunctionData("swapCoinForStable", [coin, 0n, to]);
    const dry = await c.tryCall(from, c.addresses.PegStabilityModule, data);
    if (!dry.ok) return false;
    await c.send(from, c.addresses.PegStabilityModule, data, 1_500_000);
    return true;
  }

  /** Why the PSM refuses `data` from `from` (a dry run); "accepted" if it does not. */
  private async reason(from: string, data: string): Promise<string> {
    const dry = await this.chain.tryCall(from, this.chain.addresses.PegStabilityModule, data);
    if (dry.ok) return "accepted";
    return this.decode(dry.data);
  }

  private decode(data: string): string {
    const c = this.chain;
    return decodeError(data, [c.psm.interface, c.reserve.interface, c.bdol.interface, c.usdc.interface]);
  }

  private async serveQueue(): Promise<void> {
    const c = this.chain;
    const holders = c.market.address;
    const balance = await c.bdol.balanceOf(holders);
    if (balance < this.queue) this.ticksShortOfBdol += 1;
    const { coin: room, byBucket } = await this.redeemable();
    let coin = this.queue;
    if (balance < coin) coin = balance;
    if (room < coin) coin = room;
    if (coin < this.queue && room < this.queue && byBucket) {
      this.ticksHeldBack += 1;
      const data = c.psm.interface.encodeFunctionData("swapCoinForStable", [this.queue, 0n, holders]);
      bump(this.refusals, await this.reason(holders, data));
    }
    if (coin < MIN_TRADE) return;
    if (await this.redeem(holders, holders, coin)) {
      this.queue -= coin;
      this.served += coin;
    } else {
      const data = c.psm.interface.encodeFunctionData("swapCoinForStable", [coin, 0n, holders]);
      bump(this.refusals, await this.reason(holders, data));
    }
  }

  private async arbitrage(dtSeconds: number, prices: Record<PegKey, number>): Promise<void> {
    const c = this.chain;
    const size = (this.perHour * BigInt(Math.round(dtSeconds))) / 3600n;
    if (size < MIN_TRADE) return;
    const usdc = prices.USDC;
    const bdol = prices.BDOL;
    const feeIn = toFloat(this.feeIn);
    const feeOut = toFloat(this.feeOut);
    const arb = c.arbitrageur.address;
    const psm = c.addresses.PegStabilityModule;

    if (bdol * (1 - feeIn) > usdc) {
      // Mint: USDC in at par, BDOL out to the holders (sold at the market price).
      this.arb.mintAttempts += 1;
      const [minted, ceiling] = await Promise.all([c.psm.minted(), c.psm.mintCeiling()]);
      const roomCoin = ceiling > minted ? ceiling - minted : 0n;
      let stableIn = (size < roomCoin ? size : roomCoin) / this.scale;
      if (stableIn * this.scale < MIN_TRADE) stableIn = size / this.scale; // at the ceiling: ask anyway, to see the refusal
      const have = await c.usdc.balanceOf(arb);
      if (have < stableIn) {
        await c.mintUsdc(arb, stableIn - have);
        this.arb.usdcBought += stableIn - have;
      }
      const data = c.psm.interface.encodeFunctionData("swapStableForCoin", [stableIn, 0n, c.market.address]);
      const dry = await c.tryCall(arb, psm, data);
      if (!dry.ok) {
        bump(this.arb.mintRefused, this.decode(dry.data));
        return;
      }
      const [coinOut] = c.psm.interface.decodeFunctionResult("swapStableForCoin", dry.data) as unknown as [bigint];
      await c.send(arb, psm, data, 1_500_000);
      this.arb.minted += coinOut;
      return;
    }

    if (bdol < usdc * (1 - feeOut)) {
      // Redeem: BDOL bought from the holders, USDC out to the arbitrageur, after the holders' queue.
      this.arb.redeemAttempts += 1;
      if (this.queue > 0n) {
        bump(this.arb.redeemRefused, "holders' queue first");
        return;
      }
      const holders = c.market.address;
      const balance = await c.bdol.balanceOf(holders);
      const { coin: room } = await this.redeemable();
      let coin = size;
      if (balance < coin) coin = balance;
      if (room < coin) {
        coin = room;
        const data = c.psm.interface.encodeFunctionData("swapCoinForStable", [size, 0n, arb]);
        bump(this.arb.redeemRefused, await this.reason(holders, data));
      }
      if (coin < MIN_TRADE) return;
      if (await this.redeem(holders, arb, coin)) this.arb.redeemed += coin;
      else {
        const data = c.psm.interface.encodeFunctionData("swapCoinForStable", [coin, 0n, arb]);
        bump(this.arb.redeemRefused, await this.reason(holders, data));
      }
    }
  }
}

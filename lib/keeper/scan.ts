/**
 * Reading the chain: the protocol's contracts bound to the keeper's signer, then one reader per
 * stage of an iteration, each returning plain data (bigints, strings, booleans; no contract) that
 * plan.ts decides on. A stage is read right before it is planned and executed, because the
 * previous stage's transactions change what it sees: the market feed's update makes BDOL's round
 * new, liquidations start the auctions the auction stage then lists, redo rewards add to the BDOL
 * balance a take spends, and a flash take moves the pool the next flash take is quoted on.
 *
 * Imported while Hardhat loads its config (through the `keeper` task): it must not import
 * "hardhat"; everything comes in through `hre`.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract, Provider, Signer } from "ethers";
import type {
  BallastDollar,
  FlashTaker,
  IQuoterV2,
  LiquidationEngine,
  MarketPriceFeed,
  OracleAdapter,
  PegStabilityModule,
  ReserveLens,
  ReservePool,
  RiskController,
  VaultManager,
} from "../../typechain-types";
import { explainError } from "../sdk/errors";
import { connect, symbolOf, type Ballast } from "../sdk/contracts";
import { recordedAddresses } from "../sdk/hardhat";

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
/** Page calls in flight at once during a scan. */
const SCAN_CONCURRENCY = 4;
/** A flash take's gas when its estimate fails (the static call then says why). */
const FLASH_GAS_FALLBACK = 350_000n;

/** The protocol's contracts as the keeper uses them (connected to the keeper's signer). */
export interface KeeperContracts {
  vm: VaultManager;
  engine: LiquidationEngine;
  reserve: ReservePool;
  lens: ReserveLens;
  oracle: OracleAdapter;
  bdol: BallastDollar;
  /** Absent on a deployment without a risk controller. */
  risk?: RiskController;
  /** Absent on a deployment without a market. */
  marketFeed?: MarketPriceFeed;
  /** Flash takes: the taker, Uniswap's quoter, the PSM, and each collateral's USDC pool. */
  flash?: {
    taker: FlashTaker;
    quoter: IQuoterV2;
    psm: PegStabilityModule;
    pools: Map<string, { address: string; fee: bigint }>;
    /** The PSM's stable asset's decimals. */
    stableDecimals: bigint;
  };
  /** For decoding custom errors. */
  all: BaseContract[];
}

/** What a stage reader needs; `collaterals` caches each collateral's symbol and decimals for the iteration. */
export interface ScanContext {
  hre: HardhatRuntimeEnvironment;
  c: KeeperContracts;
  provider: Provider;
  collaterals: Map<string, CollateralInfo>;
}

export interface CollateralInfo {
  token: string;
  symbol: string;
  decimals: bigint;
  /** [wad] the oracle price (last good price when not live). */
  price: bigint;
  /** IOracleAdapter.PriceStatus; 0 is live. */
  status: bigint;
}

/** The network's gas price: latest basefee + suggested priority fee, or eth_gasPrice without a basefee. */
export interface GasReading {
  /** [wei] */
  price: bigint;
  /** The chain has a basefee (EIP-1559 fee fields apply). */
  eip1559: boolean;
  /** [wei] the suggested priority fee (EIP-1559 chains). */
  priority: bigint;
}

export interface MarketFeedScan {
  feed: string;
  /** The oracle reads the feed (as a primary or secondary feed of some asset). */
  read: boolean;
  /** [s] latest block's timestamp. */
  now: bigint;
  /** [s] 0 before the first update. */
  lastUpdateAt: bigint;
  /** [s] */
  roundPeriod: bigint;
}

export interface FeedRound {
  roundId: bigint;
  /** [s] */
  updatedAt: bigint;
}

/** One priced asset's feeds against what the oracle has processed. */
export interface RoundScan {
  asset: string;
  symbol: string;
  /** The primary feed's latest round; undefined when the feed fails. */
  primary?: FeedRound;
  /** The last primary round the round history processed. */
  lastRoundId: bigint;
  /** A composite asset's ratio leg: its latest round (undefined when it fails). */
  ratio?: { latest?: FeedRound; lastRoundId: bigint };
  /** [s] The circuit breaker's reference: the pending round's time while frozen, else the last good one's. */
  referenceUpdatedAt: bigint;
}

export interface VaultRow {
  vaultId: bigint;
  /** The zero address for a closed vault. */
  owner: string;
  collateral: string;
  debt: bigint;
  /** [wad] max uint256 with no debt. */
  healthFactor: bigint;
}

export interface VaultScan {
  blockNumber: number;
  /** vaultsHealth page calls. */
  lensCalls: number;
  vaults: VaultRow[];
  /** Every collateral of the snapshot, with what the reserve holds of it (its lots on sale included) [token units]. */
  collaterals: (CollateralInfo & { reserveHolding: bigint })[];
  /** [wad] the reserve's stabilityBuffer: what liquidations may absorb. */
  stabilityBuffer: bigint;
  /** [wad] the native asset's oracle price, 0 when the engine has none set: prices the gas. */
  nativePrice: bigint;
}

/** Reserve collateral not on sale yet, at the oracle. */
export interface HoldingScan extends CollateralInfo {
  /** [token units] the reserve's holding less its lots on sale. */
  held: bigint;
}

export interface AuctionView {
  auctionId: bigint;
  collateral: string;
  symbol: string;
  decimals: bigint;
  /** [token units] */
  lot: bigint;
  /** [wad] */
  tab: bigint;
  /** [wad per whole token] the auction price now. */
  price: bigint;
  /** [wad] */
  oraclePrice: bigint;
  oracleStatus: bigint;
  /** A take is refused until `redo`. */
  needsReset: boolean;
  /** Restarts paid so far (read for the auctions that need a reset; 0 for the others). */
  paidRedos: bigint;
}

export interface AuctionScan {
  /** Auctions ever started. */
  count: bigint;
  /** activeAuctions page calls. */
  lensCalls: number;
  /** Active auctions, in id order. */
  active: AuctionView[];
}

export interface TakeScan {
  /** [wad] the keeper's BDOL. */
  balance: bigint;
  /** [wad] each takeable auction's reference price, in the same order. */
  references: bigint[];
}

/** A flash take's quote, or which tool is missing. */
export type FlashQuote =
  | { missing: "tools" | "pool" }
  | {
      missing?: undefined;
      pool: string;
      /** [stable units] QuoterV2's proceeds of selling the amount into the pool. */
      quoted: bigint;
      stableDecimals: bigint;
      /** [wad] the PSM's fee on stable coming in. */
      feeIn: bigint;
      /** The taker's gas estimate (FLASH_GAS_FALLBACK when it fails). */
      gas: bigint;
      gasPrice: bigint;
    };

export interface HealScan {
  /** [wad] */
  deficit: bigint;
  /** [wad] the reserve's own BDOL (read only when there is a deficit). */
  reserveBalance: bigint;
  stablecoin: string;
}

export interface PokeScan {
  controller: string;
  /** [s] */
  now: bigint;
  nextPokeAt: bigint;
}

export interface RebalanceScan {
  reserve: string;
  /** The static call of `rebalance` from the keeper: what it would move, or why it reverts. */
  preview: { deposited: bigint; withdrawn: bigint } | { error: string };
  /** [USDC units] what may still move this interval (read only when the preview moves nothing). */
  available: bigint;
}

// ====================================================================== binding

export async function loadContracts(hre: HardhatRuntimeEnvironment, signer: Signer): Promise<KeeperContracts> {
  const addresses = await recordedAddresses(hre);
  if (!addresses.VaultManager) {
    throw new Error(`no VaultManager deployment on network ${hre.network.name}: deploy the system first`);
  }
  const b = connect(signer, addresses);
  const flash = await loadFlash(b);
  const { vaultManager: vm, engine, reserve, lens, oracle, bdol, risk, marketFeed } = b;
  const all = [
    engine,
    vm,
    reserve,
    oracle,
    bdol,
    lens,
    ...(risk ? [risk] : []),
    ...(marketFeed ? [marketFeed] : []),
    ...(flash ? [flash.taker, flash.psm] : []),
  ];
  return { vm, engine, reserve, lens, oracle, bdol, risk, marketFeed, flash, all: all as unknown as BaseContract[] };
}

/** The flash-take tools, when the deployment has them: every pool of the market whose quote is the PSM's stable asset. */
async function loadFlash(b: Ballast): Promise<KeeperContracts["flash"]> {
  if (!b.flashTaker || !b.psm || !b.has("QuoterV2")) return undefined;
  const stable = (await b.psm.stable()).toLowerCase();
  const pools = new Map<string, { address: string; fee: bigint }>();
  for (const [name, address] of Object.entries(b.addresses)) {
    if (!name.endsWith("_POOL")) continue;
    const pool = b.at("IUniswapV3Pool", address);
    const [t0, t1, fee] = await Promise.all([pool.token0(), pool.token1(), pool.fee()]);
    if (t1.toLowerCase() === stable) pools.set(t0.toLowerCase(), { address, fee });
    else if (t0.toLowerCase() === stable) pools.set(t1.toLowerCase(), { address, fee });
  }
  const stableDecimals = BigInt(await b.erc20(stable).decimals());
  return { taker: b.flashTaker, quoter: b.at("IQuoterV2", "QuoterV2"), psm: b.psm, pools, stableDecimals };
}

// ====================================================================== readers

/** The network's gas price now (see GasReading). */
export async function readGasPrice(provider: Provider): Promise<GasReading> {
  const [block, fee] = await Promise.all([provider.getBlock("latest"), provider.getFeeData()]);
  if (block?.baseFeePerGas != null) {
    const priority = fee.maxPriorityFeePerGas ?? 0n;
    return { price: block.baseFeePerGas + priority, eip1559: true, priority };
  }
  return { price: fee.gasPrice ?? 0n, eip1559: false, priority: 0n };
}

/** BDOL's market price feed, when the deployment has one. */
export async function scanMarketFeed(sc: ScanContext): Promise<MarketFeedScan | undefined> {
  const { c, provider } = sc;
  const feed = c.marketFeed;
  if (!feed) return undefined;
  const address = await feed.getAddress();
  const configs = await Promise.all((await c.oracle.assets()).map((a) => c.oracle.feedConfig(a)));
  const read = configs.some((f) =>
    [f.primaryFeed, f.secondaryFeed].some((x) => x.toLowerCase() === address.toLowerCase()),
  );
  if (!read) return { feed: address, read, now: 0n, lastUpdateAt: 0n, roundPeriod: 0n };
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const [, lastUpdateAt] = await feed.updateState();
  const roundPeriod = await feed.ROUND_PERIOD();
  return { feed: address, read, now, lastUpdateAt, roundPeriod };
}

/** Every asset the oracle prices: its feeds' latest rounds against the rounds the oracle processed. */
export async function scanRounds(sc: ScanContext): Promise<RoundScan[]> {
  const { hre, c, provider } = sc;
  const latest = async (feed: string): Promise<FeedRound | undefined> => {
    const aggregator = new hre.ethers.Contract(
      feed,
      ["function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)"],
      provider,
    );
    try {
      const [roundId, , , updatedAt] = (await aggregator.latestRoundData()) as [bigint, bigint, bigint, bigint, bigint];
      return { roundId, updatedAt };
    } catch {
      return undefined; // a broken feed: recording would change nothing
    }
  };
  const out: RoundScan[] = [];
  for (const asset of await c.oracle.assets()) {
    const [config, ratio, history, state] = await Promise.all([
      c.oracle.feedConfig(asset),
      c.oracle.ratioFeedConfig(asset),
      c.oracle.roundHistory(asset),
      c.oracle.priceState(asset),
    ]);
    out.push({
      asset,
      symbol: await symbolOf(hre.ethers.provider, asset),
      primary: await latest(config.primaryFeed),
      lastRoundId: history.lastRoundId,
      ratio:
        ratio.feed === ZERO_ADDRESS
          ? undefined
          : { latest: await latest(ratio.feed), lastRoundId: history.lastRatioRoundId },
      referenceUpdatedAt: state.frozen ? state.pendingUpdatedAt : state.lastGoodUpdatedAt,
    });
  }
  return out;
}

/**
 * `ReserveLens.systemSnapshot()` and `vaultsHealth` in pages of `pageSize`, all pinned to one
 * block, so 10,000 vaults cost 10 page calls at the default page size of 1,000.
 */
export async function scanVaults(sc: ScanContext, pageSize: number): Promise<VaultScan> {
  const { hre, c, provider } = sc;
  const blockTag = await provider.getBlockNumber();
  const snapshot = await c.lens.systemSnapshot({ blockTag });
  const collaterals: VaultScan["collaterals"] = [];
  for (const col of snapshot.collaterals) {
    const info = {
      token: col.token,
      symbol: await symbolOf(hre.ethers.provider, col.token),
      decimals: 0n, // filled below
      price: col.price,
      status: col.priceStatus,
    };
    sc.collaterals.set(col.token.toLowerCase(), info);
    collaterals.push({ ...info, reserveHolding: col.reserveHolding });
  }
  await Promise.all(
    collaterals.map(async (info) => {
      const { decimals } = await c.engine.collateralState(info.token, { blockTag });
      info.decimals = decimals;
      sc.collaterals.get(info.token.toLowerCase())!.decimals = decimals;
    }),
  );
  const nativePrice = await nativeAssetPrice(c, blockTag);
  const vaultCount = Number(snapshot.vaultCount);
  const starts: number[] = [];
  for (let from = 1; from <= vaultCount; from += pageSize) starts.push(from);
  const pages = await mapLimited(starts, SCAN_CONCURRENCY, (from) => c.lens.vaultsHealth(from, pageSize, { blockTag }));
  const vaults: VaultRow[] = [];
  for (const page of pages) {
    for (const v of page) {
      vaults.push({
        vaultId: v.vaultId,
        owner: v.owner,
        collateral: v.collateral,
        debt: v.debt,
        healthFactor: v.healthFactor,
      });
    }
  }
  return {
    blockNumber: blockTag,
    lensCalls: pages.length,
    vaults,
    collaterals,
    stabilityBuffer: snapshot.stabilityBuffer,
    nativePrice,
  };
}

/**
 * What the reserve owns and has not put on sale yet. The lens's reserveHolding counts the
 * reserve's own balance, whatever it holds elsewhere (escrow) and its lots on sale, so this does
 * not depend on where absorbed collateral sits. `sameBlock`: nothing was absorbed since the vault
 * scan (or a dry run), so its snapshot still holds; else the snapshot is read again.
 */
export async function scanReserveHoldings(
  sc: ScanContext,
  vaults: VaultScan,
  sameBlock: boolean,
): Promise<HoldingScan[]> {
  const { c, provider } = sc;
  const blockTag = sameBlock ? vaults.blockNumber : await provider.getBlockNumber();
  const snapshot =
    blockTag === vaults.blockNumber
      ? vaults.collaterals.map((col) => ({
          token: col.token,
          price: col.price,
          priceStatus: col.status,
          reserveHolding: col.reserveHolding,
        }))
      : (await c.lens.systemSnapshot({ blockTag })).collaterals;
  const out: HoldingScan[] = [];
  for (const col of snapshot) {
    const { collateralOnSale } = await c.engine.collateralState(col.token, { blockTag });
    const info = await collateralInfo(sc, col.token);
    out.push({ ...info, price: col.price, status: col.priceStatus, held: col.reserveHolding - collateralOnSale });
  }
  return out;
}

/**
 * The active auctions (`ReserveLens.activeAuctions`), paging from `firstActive` (the lowest id that
 * was still active last time), with the paid restarts of those that need a reset.
 */
export async function scanAuctions(sc: ScanContext, pageSize: number, firstActive: bigint): Promise<AuctionScan> {
  const { c } = sc;
  const count = await c.engine.auctionCount();
  const raw: Awaited<ReturnType<ReserveLens["activeAuctions"]>>[number][] = [];
  let lensCalls = 0;
  for (let from = firstActive; from <= count; from += BigInt(pageSize)) {
    raw.push(...(await c.lens.activeAuctions(from, pageSize)));
    lensCalls += 1;
  }
  const active: AuctionView[] = [];
  for (const a of raw) {
    const info = await collateralInfo(sc, a.collateral);
    active.push({
      auctionId: a.auctionId,
      collateral: a.collateral,
      symbol: info.symbol,
      decimals: info.decimals,
      lot: a.lot,
      tab: a.tab,
      price: a.price,
      oraclePrice: a.oraclePrice,
      oracleStatus: a.oracleStatus,
      needsReset: a.needsReset,
      paidRedos: a.needsReset ? (await c.engine.auctionInfo(a.auctionId)).paidRedos : 0n,
    });
  }
  return { count, lensCalls, active };
}

/** The keeper's BDOL and each takeable auction's reference price (`referencePrice`, default the oracle's). */
export async function scanTakes(
  sc: ScanContext,
  keeper: string,
  takeable: AuctionView[],
  referencePrice?: (collateral: string, oraclePrice: bigint) => bigint | Promise<bigint>,
): Promise<TakeScan> {
  const references: bigint[] = [];
  for (const a of takeable) {
    references.push(referencePrice ? await referencePrice(a.collateral, a.oraclePrice) : a.oraclePrice);
  }
  return { balance: await sc.c.bdol.balanceOf(keeper), references };
}

/**
 * QuoterV2's quote for selling `amount` of the auction's collateral into its USDC pool, the PSM's
 * fee in, the gas price and the FlashTaker's gas estimate.
 */
export async function scanFlashQuote(
  sc: ScanContext,
  a: AuctionView,
  amount: bigint,
  keeper: string,
): Promise<FlashQuote> {
  const { hre, c, provider } = sc;
  const flash = c.flash;
  if (!flash) return { missing: "tools" };
  const pool = flash.pools.get(a.collateral.toLowerCase());
  if (!pool) return { missing: "pool" };
  const stable = await flash.psm.stable();
  const [quoted] = await flash.quoter.quoteExactInputSingle.staticCall({
    tokenIn: a.collateral,
    tokenOut: stable,
    amountIn: amount,
    fee: pool.fee,
    sqrtPriceLimitX96: 0n,
  });
  const stableDecimals = flash.stableDecimals;
  const feeIn = await flash.psm.feeIn();
  const { price: gasPrice } = await readGasPrice(provider);
  let gas = FLASH_GAS_FALLBACK;
  try {
    gas = await flash.taker.run.estimateGas(a.auctionId, a.lot, a.price, pool.address, 0n, keeper);
  } catch {
    // Unprofitable or refused: the static call says why.
  }
  return { pool: pool.address, quoted, stableDecimals, feeIn, gas, gasPrice };
}

/** The reserve's deficit, and its BDOL to heal it with. */
export async function scanHeal(sc: ScanContext): Promise<HealScan> {
  const { reserve, bdol } = sc.c;
  const [deficit, stablecoin] = await Promise.all([reserve.deficit(), bdol.getAddress()]);
  const reserveBalance = deficit === 0n ? 0n : await bdol.balanceOf(await reserve.getAddress());
  return { deficit, reserveBalance, stablecoin };
}

/** When the risk controller's next poke is due; undefined without a controller. */
export async function scanPoke(sc: ScanContext): Promise<PokeScan | undefined> {
  const risk = sc.c.risk;
  if (!risk) return undefined;
  const now = BigInt((await sc.provider.getBlock("latest"))!.timestamp);
  return { controller: await risk.getAddress(), now, nextPokeAt: await risk.nextPokeAt() };
}

/** What a rebalance would move now (its static call from the keeper). */
export async function scanRebalance(sc: ScanContext): Promise<RebalanceScan> {
  const { reserve, all } = sc.c;
  const address = await reserve.getAddress();
  let preview: RebalanceScan["preview"];
  try {
    const [deposited, withdrawn] = (await reserve.rebalance.staticCall()) as unknown as [bigint, bigint];
    preview = { deposited, withdrawn };
  } catch (err) {
    return { reserve: address, preview: { error: explainError(err, all) }, available: 0n };
  }
  const idle = preview.deposited === 0n && preview.withdrawn === 0n;
  return { reserve: address, preview, available: idle ? await reserve.availableRebalance() : 0n };
}

// ====================================================================== helpers

/** A collateral seen in an auction; normally known from the snapshot. */
export async function collateralInfo(sc: ScanContext, token: string): Promise<CollateralInfo> {
  let info = sc.collaterals.get(token.toLowerCase());
  if (!info) {
    const state = await sc.c.engine.collateralState(token);
    const [price, status] = await sc.c.oracle.getPrice(state.oracleAsset);
    info = { token, symbol: await symbolOf(sc.hre.ethers.provider, token), decimals: state.decimals, price, status };
    sc.collaterals.set(token.toLowerCase(), info);
  }
  return info;
}

/** The native asset's oracle price (last good price), 0 when the engine has none set. */
async function nativeAssetPrice(c: KeeperContracts, blockTag: number): Promise<bigint> {
  const asset = await c.engine.nativeAsset({ blockTag });
  if (asset === ZERO_ADDRESS) return 0n;
  const [price] = await c.oracle.getPrice(asset, { blockTag });
  return price;
}

/** `fn` over `items` with at most `limit` in flight, results in order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

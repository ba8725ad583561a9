/**
 * The deployed system's book for the risk measures (risk.ts): per collateral its vaults with debt
 * (through `ReserveLens.vaultsHealth`, in pages, pinned to one block), the oracle's price and
 * volatility, the auctions' floor as the recovery, and the collateral the reserve holds (its
 * `composition()`: held, in escrow and on sale); and the stable part of what the reserve can pay:
 * reserveRatio × total debt (its value less the deficit and the PSM-backed coin) less the value of
 * that collateral, which risk.ts revalues at each simulated price.
 *
 * Not modelled yet: lots already in auction (their debt is in the total, their loss is not priced).
 */
import type { Ballast } from "./contracts";
import { fromFixed } from "./units";
import { max, wadMulDown } from "./math";
import { priceStatusName } from "./status";
import type { CollateralBook } from "./risk";

/** A fixed-point amount as a float (for the risk measures only). */
const toFloat = (x: bigint, decimals = 18) => Number(fromFixed(x, decimals));

/** Volatility used when the oracle has no estimate yet (no returns recorded): a hundredth of a percent. */
export const MIN_VOLATILITY = 1e-4;

export interface SystemBook {
  block: number;
  books: CollateralBook[];
  /** The stable part of what the reserve can pay [BDOL]: reserveRatio × total debt less the collateral it holds. */
  reserve: number;
  /** The collaterals whose oracle had no volatility estimate (MIN_VOLATILITY used). */
  noVolatility: string[];
  /** Collaterals whose oracle price is not live, with its status (the last good price is used). */
  notLive: { symbol: string; status: string }[];
}

export async function readBook(ballast: Ballast, pageSize = 200): Promise<SystemBook> {
  const provider = ballast.runner.provider;
  if (!provider) throw new Error("readBook needs a runner with a provider");
  const blockTag = await provider.getBlockNumber();
  const { lens, oracle, engine, vaultManager } = ballast;
  const registry = await ballast.collaterals();
  const count = Number(await vaultManager.vaultCount({ blockTag }));
  const books = new Map<string, CollateralBook>();
  const noVolatility: string[] = [];
  const notLive: { symbol: string; status: string }[] = [];
  const holdings = await ballast.reserve.composition({ blockTag });
  const holdingOf = (token: string) => holdings.find((h) => h.asset.toLowerCase() === token.toLowerCase());
  let heldValue = 0n;
  for (const c of registry.list) {
    const [[price, status], vol, state] = await Promise.all([
      oracle.getPrice(c.oracleAsset, { blockTag }),
      oracle.volatility(c.oracleAsset, { blockTag }),
      engine.collateralState(c.address, { blockTag }),
    ]);
    const holding = holdingOf(c.address);
    const held = holding?.amount ?? 0n;
    heldValue += holding?.value ?? 0n;
    if (vol === 0n) noVolatility.push(c.symbol);
    if (status !== 0n) notLive.push({ symbol: c.symbol, status: priceStatusName(status) });
    books.set(c.address.toLowerCase(), {
      symbol: c.symbol,
      price: toFloat(price),
      volatility: Math.max(MIN_VOLATILITY, toFloat(vol)),
      recovery: toFloat(state.params.floorRatio),
      vaults: [],
      held: toFloat(held, c.decimals),
    });
  }
  for (let from = 1; from <= count; from += pageSize) {
    for (const v of await lens.vaultsHealth(from, pageSize, { blockTag })) {
      if (v.debt === 0n) continue;
      const c = registry.find(v.collateral);
      const book = books.get(v.collateral.toLowerCase());
      if (!c || !book) continue;
      book.vaults.push({ collateral: toFloat(v.collateralAmount, c.decimals), debt: toFloat(v.debt) });
    }
  }
  const snap = await lens.systemSnapshot({ blockTag });
  const capacity = wadMulDown(snap.reserveRatio, snap.totalDebt);
  return {
    block: blockTag,
    books: [...books.values()],
    reserve: toFloat(max(0n, capacity - heldValue)),
    noVolatility,
    notLive,
  };
}

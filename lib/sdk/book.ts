/**
 * The deployed system's book for the risk measures (risk.ts): per collateral its open vaults
 * (through `ReserveLens.vaultsHealth`, in pages, pinned to one block), the oracle's price and
 * volatility, the auctions' floor as the recovery, and the collateral the reserve holds; and what
 * the reserve can pay: reserveRatio × total debt (its value less the deficit and the PSM-backed coin).
 */
import type { Ballast } from "./contracts";
import { fromFixed } from "./units";
import { wadMulDown } from "./math";
import type { CollateralBook } from "./risk";

/** A fixed-point amount as a float (for the risk measures only). */
const toFloat = (x: bigint, decimals = 18) => Number(fromFixed(x, decimals));

/** Volatility used when the oracle has no estimate yet (no returns recorded): a hundredth of a percent. */
export const MIN_VOLATILITY = 1e-4;

export interface SystemBook {
  block: number;
  books: CollateralBook[];
  /** What the reserve can pay toward bad debt [BDOL]: reserveRatio × total debt. */
  reserve: number;
  /** The collaterals whose oracle had no volatility estimate (MIN_VOLATILITY used). */
  noVolatility: string[];
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
  const reserveAddress = await ballast.reserve.getAddress();
  for (const c of registry.list) {
    const [[price], vol, state, held] = await Promise.all([
      oracle.getPrice(c.oracleAsset, { blockTag }),
      oracle.volatility(c.oracleAsset, { blockTag }),
      engine.collateralState(c.address, { blockTag }),
      ballast.erc20(c.address).balanceOf(reserveAddress, { blockTag }),
    ]);
    if (vol === 0n) noVolatility.push(c.symbol);
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
  return {
    block: blockTag,
    books: [...books.values()],
    reserve: toFloat(wadMulDown(snap.reserveRatio, snap.totalDebt)),
    noVolatility,
  };
}

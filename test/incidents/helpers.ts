/**
 * Shared set-up for the incident catalogue: a fresh collateral registered the way deploy/03, 04 and
 * 05 register WETH (oracle feed, vault-manager parameters, engine auction parameters), and a net
 * worth measure for "the attacker ends poorer".
 */
import { ethers } from "hardhat";
import type { BaseContract } from "ethers";

import { RAY, wad } from "../../lib/sdk";
import { adminOf, feedAnswer, type System, feedParams } from "../helpers/fixtures";
import { AUCTION, ETH_HEARTBEAT, LR, MIN_DEBT, PENALTY, WETH_SETUP, valueDown } from "../liquidation/helpers";
import type { MockAggregator } from "../../typechain-types";

export interface CollateralOptions {
  /** The adapter's sanity bounds [wad]. */
  minPrice?: bigint;
  maxPrice?: bigint;
  /** The 8-decimal mock feed's description. */
  description?: string;
}

/**
 * Registers an 18-decimal `token` as a collateral priced by a new 8-decimal mock feed at `usd`:
 * in the oracle (WETH's heartbeat, 25 % circuit breaker), in the vault manager (WETH's ratios and
 * penalty, a stability fee of exactly 1 RAY so that debts do not move with time) and in the engine
 * (the local auction parameters). Returns the feed.
 */
export async function addCollateral(
  sys: System,
  token: BaseContract,
  usd: number | string,
  opts: CollateralOptions = {},
): Promise<MockAggregator> {
  const asset = await token.getAddress();
  const feed = (await ethers.deployContract("MockAggregator", [
    8,
    opts.description ?? "TOKEN / USD",
    feedAnswer(usd),
  ])) as unknown as MockAggregator;
  await sys.oracle.connect(await adminOf(sys.oracle)).setFeed(
    asset,
    feedParams(await feed.getAddress(), {
      heartbeat: ETH_HEARTBEAT,
      maxReferenceAge: ETH_HEARTBEAT,
      minPrice: opts.minPrice ?? wad("0.01"),
      maxPrice: opts.maxPrice ?? wad(1_000_000),
      maxDeviation: WETH_SETUP.feed.maxDeviation,
    }),
  );
  await sys.vaultManager.connect(await adminOf(sys.vaultManager)).addCollateral(asset, {
    oracleAsset: asset,
    debtCeiling: wad(100_000_000),
    minDebt: MIN_DEBT,
    liquidationRatio: LR,
    borrowRatio: WETH_SETUP.borrowRatio,
    liquidationPenalty: PENALTY,
    stabilityFee: RAY,
  });
  await sys.engine.connect(await adminOf(sys.engine)).configureCollateral(asset, AUCTION);
  return feed;
}

/**
 * What `who` owns, in stablecoin at the given WETH price: its stablecoin, its WETH, and for each of
 * `vaultIds` (WETH vaults) the collateral left in the vault minus the debt (a closed or emptied
 * vault counts what is left of it).
 */
export async function worth(sys: System, who: string, ethPrice: bigint, vaultIds: bigint[] = []): Promise<bigint> {
  let total = (await sys.bdol.balanceOf(who)) + valueDown(await sys.weth.balanceOf(who), 18n, ethPrice);
  for (const id of vaultIds) {
    const v = await sys.vaultManager.vaultInfo(id);
    total += valueDown(v.collateralAmount, 18n, ethPrice) - v.debt;
  }
  return total;
}

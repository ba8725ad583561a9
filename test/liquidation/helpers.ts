/**
 * Shared helpers for the liquidation-engine, auction, reserve-pool and lens suites: the local
 * parameters, fixed-point mirrors of MathLib / CollateralLib, price moves, a state snapshot for
 * "nothing changed on refusal", and the supply identity.
 */
import { expect } from "chai";
import hre, { deployments, ethers, network } from "hardhat";
import { contractAt } from "../../lib/sdk/hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse, Result } from "ethers";

import { networkConfig } from "../../config/networks";
import {
  PriceStatus,
  RAY,
  WAD,
  amountForValueDown,
  amountForValueUp,
  auctionMultiplierDown,
  bounds,
  min,
  rayDivDown,
  rayMulUp,
  shareDown,
  sliceDebt,
  splitCollateralDown,
  valueDown,
  valueUp,
  wad,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
} from "../../lib/sdk";
import { adminOf, feedAnswer, openVault, type System } from "../helpers/fixtures";
import type { MockERC20 } from "../../typechain-types";

// ----------------------------------------------------------------------------- parameters

export const LOCAL = networkConfig("hardhat");
export const WETH_SETUP = LOCAL.collaterals.WETH;
export const WBTC_SETUP = LOCAL.collaterals.WBTC;
export const AUCTION = WETH_SETUP.auction; // WBTC's are the same locally
export const KEEPER = LOCAL.liquidation;
export const ETH_HEARTBEAT = WETH_SETUP.feed.heartbeat; // 3900 s
export const MIN_DEBT = WETH_SETUP.minDebt; // 500
export const PENALTY = WETH_SETUP.liquidationPenalty; // 0.1
export const LR = WETH_SETUP.liquidationRatio; // 1.5
export const BUFFER_SHARE = LOCAL.reserve.bufferShare; // 0.8
export const DUST = AUCTION.dust; // 100
export const DURATION = BigInt(AUCTION.duration); // 7200 s
export const MAX_AGE = BigInt(AUCTION.maxAge); // 3600 s
export const GWEI = 10n ** 9n;
export const ADMIN_ROLE = ethers.ZeroHash;
export const SALE_TAB = 2n ** 96n - 1n;

/** IOracleAdapter\'s `PriceStatus` (the SDK\'s). */
export const Status = PriceStatus;
export type Status = PriceStatus;

/** ConstantsLib's bounds, generated from the Solidity (lib/sdk/constants.ts). */
export const BOUNDS = bounds;

// ----------------------------------------------------------------------------- fixed point (MathLib, CollateralLib)

// The SDK's mirrors of MathLib and CollateralLib (checked against the contracts in test/sdk/math.test.ts).
export {
  amountForValueDown,
  amountForValueUp,
  min,
  rayDivDown,
  rayMulUp,
  shareDown,
  valueDown,
  valueUp,
  wadDivDown,
  wadDivUp,
  wadMulDown,
  wadMulUp,
};

/** The auction price `elapsed` seconds after a start at `top` (linear to zero over `duration`). */
export const auctionPriceAt = (top: bigint, elapsed: bigint, duration = DURATION) =>
  auctionMultiplierDown(elapsed, top, duration);

/** Engine._basefeeTip for a native price and basefee, with the local parameters. */
export const basefeeTip = (
  basefee: bigint,
  nativePrice: bigint,
  tipGas = BigInt(KEEPER.tipGas),
  maxTip = KEEPER.maxTip,
) => min(wadMulDown(tipGas * basefee, nativePrice), maxTip);

/**
 * A restart's pay (ILiquidationEngine.redo) with the local parameters, while fewer than
 * MAX_PAID_REDOS restarts were paid: min(redoGas × basefee × native price, maxTip,
 * ⌊maxRewardShare × min(tab, lot value)⌋ / MAX_PAID_REDOS).
 */
export const redoPayFor = (basefee: bigint, nativePrice: bigint, tab: bigint, lotValue: bigint) =>
  min(
    basefeeTip(basefee, nativePrice, BigInt(KEEPER.redoGas)),
    wadMulDown(min(tab, lotValue), KEEPER.maxRewardShare) / BOUNDS.MAX_PAID_REDOS,
  );

/** Engine._keeperReward with the local parameters. */
export const keeperRewardFor = (debt: bigint, basefee: bigint, nativePrice: bigint) =>
  min(basefeeTip(basefee, nativePrice) + wadMulDown(debt, KEEPER.keeperFee), wadMulDown(debt, KEEPER.maxRewardShare));

// ----------------------------------------------------------------------------- system set-up

/**
 * Sets both collaterals' stability fee to exactly 1 RAY (after accruing at the old fee): the rate
 * accumulators stop moving, so debts, health factors and the supply identity are time-independent.
 * Called before any vault has debt, so nothing is accrued and the reserve stays empty.
 */
export async function freezeRates(sys: System): Promise<void> {
  const vm = sys.vaultManager.connect(await adminOf(sys.vaultManager));
  for (const token of [sys.weth, sys.wbtc]) await vm.setStabilityFee(await token.getAddress(), RAY);
}

/** Re-publishes each collateral feed's current answer, so neither is stale after a time jump. */
export async function refreshFeeds(sys: System): Promise<void> {
  for (const feed of [sys.ethFeed, sys.btcFeed]) await feed.updateAnswer(await feed.answers(await feed.latestRound()));
}

/** Publishes an ETH price without recording it (must stay within 25 % of the last recorded price). */
export async function setEthPrice(sys: System, usd: number | string): Promise<void> {
  await sys.ethFeed.updateAnswer(feedAnswer(usd));
}

/** Moves the ETH price in recorded steps of at most 20 %, so the circuit breaker never trips. */
export async function moveEthPrice(sys: System, usd: number): Promise<void> {
  await movePrice(sys, "eth", usd);
}

export async function moveBtcPrice(sys: System, usd: number): Promise<void> {
  await movePrice(sys, "btc", usd);
}

async function movePrice(sys: System, which: "eth" | "btc", usd: number) {
  const feed = which === "eth" ? sys.ethFeed : sys.btcFeed;
  const token = which === "eth" ? sys.weth : sys.wbtc;
  let current = Number(await feed.answers(await feed.latestRound())) / 1e8;
  while (current !== usd) {
    const next = usd > current ? Math.min(usd, current * 1.2) : Math.max(usd, current * 0.8);
    await feed.updateAnswer(feedAnswer(next.toFixed(8)));
    await sys.oracle.recordPrice(await token.getAddress());
    current = next;
  }
  await sys.oracle.recordPrice(await token.getAddress());
}

/** Gives `who` `amount` of stablecoin from a WBTC vault of their own (2 BTC = 120,000 USD backs 75,000). */
export async function spareBdol(sys: System, who: HardhatEthersSigner, amount: bigint): Promise<bigint> {
  const collateral = 2n * 10n ** 8n + ((amount * 16n) / 10n / wad(60_000)) * 10n ** 8n;
  return openVault(sys, who, sys.wbtc, collateral, amount);
}

/** Sends `amount` of stablecoin to the reserve (a donation: it only gets richer), minting it from a vault of `from`. */
export async function donateToReserve(sys: System, from: HardhatEthersSigner, amount: bigint): Promise<void> {
  await spareBdol(sys, from, amount > MIN_DEBT ? amount : MIN_DEBT);
  await sys.bdol.connect(from).transfer(await sys.reserve.getAddress(), amount);
}

/**
 * The standard unhealthy vault: `collateral` WETH (default 10) with 1,800 of debt per WETH, opened at
 * 3,000 USD (ratio 1.67 ≥ 1.6), then ETH at `priceAfter` (default 2,500: −16.7 %, under the 25 %
 * circuit breaker), recorded as the last good price. At 2,500: value 25,000 against 18,000 × 1.5 required, health 0.926.
 */
export async function unhealthyVault(
  sys: System,
  who: HardhatEthersSigner,
  collateral = wad(10),
  priceAfter: number | string = 2_500,
): Promise<bigint> {
  const id = await openVault(sys, who, sys.weth, collateral, collateral * 1_800n);
  await setEthPrice(sys, priceAfter);
  await sys.oracle.recordPrice(await sys.weth.getAddress());
  return id;
}

/** Sets the basefee of the next block and returns gas settings a transaction in it can use. */
export async function nextBasefee(basefee: bigint): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  await network.provider.send("hardhat_setNextBlockBaseFeePerGas", [ethers.toQuantity(basefee)]);
  return { maxFeePerGas: basefee * 2n + GWEI, maxPriorityFeePerGas: 0n };
}

/**
 * Sends `send(fees)` in a block whose basefee is `basefee`, then sets the next block's basefee back
 * to 0 (also when the send reverts), so the transactions after it need no fee fields: the
 * coverage run sends every transaction at a gas price of 1 wei.
 */
export async function withBasefee<T>(
  basefee: bigint,
  send: (fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) => Promise<T>,
): Promise<T> {
  const fees = await nextBasefee(basefee);
  try {
    const result = await send(fees);
    if (result && typeof (result as { wait?: unknown }).wait === "function") {
      await (result as unknown as ContractTransactionResponse).wait();
    }
    return result;
  } finally {
    await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
  }
}

/** Mines the next transaction exactly `seconds` after `start`. */
export async function at(start: bigint, seconds: bigint): Promise<void> {
  await time.setNextBlockTimestamp(start + seconds);
}

// ----------------------------------------------------------------------------- events

/** Decoded logs named `name` that `contract` emitted in `tx`. */
export async function eventsOf(
  tx: ContractTransactionResponse,
  contract: BaseContract,
  name: string,
): Promise<Result[]> {
  const receipt = await tx.wait();
  const address = (await contract.getAddress()).toLowerCase();
  const out: Result[] = [];
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed.args);
  }
  return out;
}

/** The one event `name` of `contract` in `tx`. */
export async function eventOf(tx: ContractTransactionResponse, contract: BaseContract, name: string): Promise<Result> {
  const events = await eventsOf(tx, contract, name);
  expect(events.length, `one ${name} event`).to.equal(1);
  return events[0];
}

/** The basefee of the block that mined `tx`. */
export async function basefeeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return (await ethers.provider.getBlock(receipt!.blockNumber))!.baseFeePerGas!;
}

/** Timestamp of the block that mined `tx`. */
export async function timeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

// ----------------------------------------------------------------------------- snapshot

type BalanceToken = { balanceOf(account: string): Promise<bigint>; getAddress(): Promise<string> };

/**
 * Everything a liquidation-side call could move, all of it time-independent once the rates are
 * frozen (reverted transactions are mined, so the clock moves between "before" and "after"):
 * every vault, both collaterals' vault-manager state, token balances of the actors and the
 * contracts, the supply, the engine's counters, collateral states and every auction, the reserve's
 * deficit / buffer / surplus.
 */
export async function snapshot(sys: System, extraHolders: string[] = [], extraTokens: BalanceToken[] = []) {
  const vm = sys.vaultManager;
  const engine = sys.engine;
  const holders = [
    ...[sys.deployer, sys.alice, sys.bob, sys.carol, sys.keeper, sys.attacker].map((s) => s.address),
    await vm.getAddress(),
    await engine.getAddress(),
    await sys.reserve.getAddress(),
    ...extraHolders,
  ];
  const tokens: BalanceToken[] = [sys.bdol, sys.weth, sys.wbtc, ...extraTokens];
  const balances = await Promise.all(tokens.map((t) => Promise.all(holders.map((h) => t.balanceOf(h)))));
  const vaults: unknown[] = [];
  const count = await vm.vaultCount();
  for (let id = 1n; id <= count; id++) {
    try {
      vaults.push([...(await vm.vaultInfo(id))]);
    } catch {
      vaults.push("closed");
    }
  }
  const collaterals = await vm.collaterals();
  const configs = await Promise.all(collaterals.map(async (c) => [...(await vm.collateralConfig(c))]));
  const states = await Promise.all(
    collaterals.map(async (c) => {
      const s = await engine.collateralState(c);
      return [s.enabled, s.oracleAsset, s.decimals, [...s.params], s.debtUnderAuction, s.collateralOnSale];
    }),
  );
  const auctionCount = await engine.auctionCount();
  const auctions: unknown[] = [];
  for (let id = 1n; id <= auctionCount; id++) auctions.push([...(await engine.auctionInfo(id))]);
  return {
    balances,
    supply: await sys.bdol.totalSupply(),
    vaultCount: count,
    vaults,
    configs,
    states,
    auctionCount,
    auctions,
    totalDebtUnderAuction: await engine.totalDebtUnderAuction(),
    deficit: await sys.reserve.deficit(),
    buffer: await sys.reserve.stabilityBuffer(),
    surplus: await sys.reserve.surplus(),
  };
}
export type Snapshot = Awaited<ReturnType<typeof snapshot>>;

export async function expectUnchanged(
  sys: System,
  before: Snapshot,
  extraHolders: string[] = [],
  extraTokens: BalanceToken[] = [],
): Promise<void> {
  expect(await snapshot(sys, extraHolders, extraTokens)).to.deep.equal(before);
}

// ----------------------------------------------------------------------------- supply identity

/**
 * The supply identity of LiquidationEngine's and VaultManager's NatSpec, between transactions
 * (no flash mint outstanding), with the PSM's term (the deployment seeds BDOL's pool with BDOL bought
 * from the PSM):
 *
 *   slack = Σ_c (totalDebt(c) − pendingFees(c)) + totalDebtUnderAuction + deficit
 *           + (psm.minted − psm.pendingFees) − totalSupply
 *   0 ≤ slack ≤ maxSlack
 *
 * `totalDebt(c) − pendingFees(c)` is ⌈N_c × storedRate_c⌉ − accruedFees_c: the collateral's debt as
 * of its last accrual minus the fees counted against it but not yet minted to the reserve. The slack
 * is rounding, always in the protocol's favour (supply never exceeds what backs it): a borrow or a
 * partial repay adds at most ⌈rate / RAY⌉ = 2 wei, a full repay or close at most 1 wei, a whole
 * seizure at most 1 wei (⌈N r⌉ − ⌈(N − n) r⌉ ≥ ⌈n r⌉ − 1) and a partial one at most 3 wei (⌊slice / r⌋
 * normalized removed). Auctions, absorption, keeper pay, shortfalls and heals move supply and the
 * engine/reserve terms by exactly the same amounts. The default tolerance, 3 wei per vault-manager
 * operation in the scenario, is passed by the caller.
 */
export async function supplySlack(sys: System): Promise<bigint> {
  const vm = sys.vaultManager;
  let backing = 0n;
  for (const c of await vm.collaterals()) backing += (await vm.totalDebt(c)) - (await vm.pendingFees(c));
  backing += await sys.engine.totalDebtUnderAuction();
  backing += await sys.reserve.deficit();
  // The PSM's coin: minted against USDC (its fee included) less the fees owed but not yet minted.
  const psm = await contractAt(hre, "PegStabilityModule", "PegStabilityModule");
  backing += (await psm.minted()) - (await psm.pendingFees());
  // The peg keeper's coin: minted into the pool above the peg, not yet bought back and burnt.
  const keeper = await deployments.getOrNull("PegKeeper");
  if (keeper) backing += await (await contractAt(hre, "PegKeeper", keeper.address)).debt();
  return backing - (await sys.bdol.totalSupply());
}

export async function expectSupplyIdentity(sys: System, maxSlack: bigint): Promise<void> {
  const slack = await supplySlack(sys);
  expect(slack >= 0n, `supply exceeds backing by ${-slack} wei`).to.equal(true);
  expect(slack <= maxSlack, `slack ${slack} wei above ${maxSlack}`).to.equal(true);
}

/** Token decimals as a bigint. */
export async function decimalsOf(token: MockERC20): Promise<bigint> {
  return BigInt(await token.decimals());
}

// ----------------------------------------------------------------------------- liquidation mirrors

/** CollateralLib.slice: how much of `debt` a liquidation takes and how much of it is absorbed. */
export function sliceOf(debt: bigint, absorbCapacity: bigint, auctionRoom: bigint, minDebt = MIN_DEBT) {
  return sliceDebt(debt, absorbCapacity, auctionRoom, minDebt);
}

/** VaultManager.seize's split of a vault with `debt` and `collateral` at `price` (penalty 10 %). */
export function seizureOf(
  debt: bigint,
  collateral: bigint,
  buffer: bigint,
  room: bigint,
  price: bigint,
  decimals = 18n,
  penalty = PENALTY,
) {
  const { sliced, absorbed } = sliceOf(debt, buffer, room);
  const { toReserve, toAuction } = splitCollateralDown(collateral, debt, sliced, absorbed, penalty, decimals, price);
  const auctionDebt = sliced - absorbed;
  return {
    debt: sliced,
    absorbed,
    toReserve,
    auctionDebt,
    auctionCollateral: toAuction,
    keptCollateral: collateral - toReserve - toAuction,
    tab: wadMulUp(auctionDebt, WAD + penalty),
  };
}

/** The auction price multiplier `elapsed` seconds after a (re)start: startMultiplier × (duration − t) / duration. */
export const multiplierAt = (elapsed: bigint, startMultiplier = AUCTION.startMultiplier, duration = DURATION) =>
  auctionMultiplierDown(elapsed, startMultiplier, duration);

/** The auction price at a live oracle price, `elapsed` seconds after a (re)start. */
export const priceAt = (oraclePrice: bigint, elapsed: bigint, startMultiplier = AUCTION.startMultiplier) =>
  wadMulDown(oraclePrice, multiplierAt(elapsed, startMultiplier));

/** Liquidates `vaultId` as `caller` in a block whose basefee is `basefee`, paying `keeper`. */
export async function liquidate(
  sys: System,
  vaultId: bigint,
  opts: { keeper?: string; caller?: HardhatEthersSigner; basefee?: bigint } = {},
): Promise<ContractTransactionResponse> {
  const caller = opts.caller ?? sys.keeper;
  return withBasefee(opts.basefee ?? GWEI, (fees) =>
    sys.engine.connect(caller).liquidate(vaultId, opts.keeper ?? sys.keeper.address, fees),
  );
}

/**
 * The events of one liquidation: the vault manager's VaultSeized (debt and collateral taken) and
 * the engine's Liquidated (keeper, auction, reward). One place, so the suites follow the event
 * layout the contracts settle on.
 */
export async function expectLiquidation(
  sys: System,
  tx: ContractTransactionResponse,
  e: {
    vaultId: bigint;
    keeper: string;
    auctionId: bigint;
    reward: bigint | ((x: bigint) => boolean);
    debt: bigint;
    absorbed: bigint;
    toReserve: bigint;
    toAuction: bigint;
  },
): Promise<void> {
  const seized = await eventOf(tx, sys.vaultManager, "VaultSeized");
  expect([seized.vaultId, seized.debt, seized.absorbedDebt], "VaultSeized").to.deep.equal([
    e.vaultId,
    e.debt,
    e.absorbed,
  ]);
  expect([seized.collateralToReserve, seized.collateralToAuction], "VaultSeized collateral").to.deep.equal([
    e.toReserve,
    e.toAuction,
  ]);
  const liquidated = await eventOf(tx, sys.engine, "Liquidated");
  expect([liquidated.vaultId, liquidated.keeper, liquidated.auctionId], "Liquidated").to.deep.equal([
    e.vaultId,
    e.keeper,
    e.auctionId,
  ]);
  if (typeof e.reward === "function") expect(e.reward(liquidated.reward), "reward").to.equal(true);
  else expect(liquidated.reward, "reward").to.equal(e.reward);
}

/** The reserve's holding of `token` (held, escrowed in the vault manager, on sale), from `composition()`. */
export async function reserveHolding(sys: System, token: { getAddress(): Promise<string> }): Promise<bigint> {
  const address = await token.getAddress();
  const line = (await sys.reserve.composition()).find((h) => h.asset === address);
  return line ? line.amount : 0n;
}

/** The reward a liquidation paid, from its Liquidated event. */
export async function rewardOf(sys: System, tx: ContractTransactionResponse): Promise<bigint> {
  return (await eventOf(tx, sys.engine, "Liquidated")).reward as bigint;
}

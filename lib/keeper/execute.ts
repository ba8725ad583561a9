/**
 * Carrying out a plan. Every action is first run as a static call of the same call from the
 * keeper's address; a revert is logged with its decoded custom error and the action is skipped,
 * so two racing keepers waste no gas on reverts. Before every transaction the network's gas price
 * is read again and held to `maxGasPrice` (plan.ts's `gasCapReason`); under a cap, transactions
 * are also sent with `maxFeePerGas` = the cap, so inclusion can never cost more.
 *
 * Dry run: the same static calls; the report holds what they returned (debt and absorbed debt are
 * the lens's and the buffer's estimates, `gasUsed` is the gas estimate) and nothing is sent. Each
 * static call sees the chain as it is, not as the previous simulated actions would leave it.
 */
import type {
  BaseContract,
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Provider,
  TransactionReceipt,
} from "ethers";
import { explainError } from "../sdk/errors";
import { valueDown } from "../sdk/math";
import {
  absorbedEstimate,
  gasCapReason,
  planTake,
  type FlashTakeStep,
  type GasCheck,
  type HealStep,
  type LiquidationStep,
  type MarketUpdateStep,
  type PokeStep,
  type RebalanceStep,
  type RecordStep,
  type RedoStep,
  type SaleStep,
  type TakeStep,
} from "./plan";
import { readGasPrice, type AuctionView, type GasReading, type KeeperContracts } from "./scan";
import type { KeeperLog } from "./report";
import type { KeeperAction, KeeperOptions, KeeperReport } from "./types";

/**
 * Gas added to every estimate. eth_call and eth_estimateGas without fee fields run at basefee 0,
 * so the simulated basefee tip is 0 and a redo's keeper payment is not in the estimate; and the
 * oracle's gas guard makes an exact estimate fail when the next block costs a little more.
 */
const GAS_CUSHION = 100_000n;

type Overrides = { gasLimit?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };

export interface ExecContext {
  c: KeeperContracts;
  provider: Provider;
  /** The keeper's address. */
  keeper: string;
  opts: KeeperOptions;
  dryRun: boolean;
  out: KeeperLog;
  /** Called when the chain may have moved (a hook ran, a transaction was sent): a cached gas reading is then stale. */
  onChange?: () => void;
  /** Fee fields for the next transaction, set by the gas-cap check in `simulate`. */
  fees?: Overrides;
}

type Sim<T> = { ok: true; value: T } | { ok: false };
type Sent = { receipt?: ContractTransactionReceipt; gas: bigint };

// ====================================================================== stages

export async function executeMarketUpdate(ex: ExecContext, steps: MarketUpdateStep[]): Promise<void> {
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const feed = ex.c.marketFeed!; // planned only for the feed the scan found
    const sim = await simulate(ex, step.action, step.what, () => feed.update.staticCall());
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => feed.update.estimateGas(),
      (o) => feed.update(o),
    );
    if (sent === undefined) continue;
    ex.out.marketUpdated({ live: sim.value, gasUsed: sent.receipt?.gasUsed ?? sent.gas });
  }
}

export async function executeRecords(ex: ExecContext, steps: RecordStep[]): Promise<void> {
  const { oracle } = ex.c;
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const sim = await simulate(ex, step.action, step.what, () => oracle.recordPrice.staticCall(step.asset));
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => oracle.recordPrice.estimateGas(step.asset),
      (o) => oracle.recordPrice(step.asset, o),
    );
    if (sent === undefined) continue;
    ex.out.recorded({ asset: step.asset, gasUsed: sent.receipt?.gasUsed ?? sent.gas }, step.symbol);
  }
}

/** Liquidates in the plan's order; `buffer` is the snapshot's stability buffer (the dry run's absorption estimate only). */
export async function executeLiquidations(ex: ExecContext, steps: LiquidationStep[], buffer: bigint): Promise<void> {
  let bufferLeft = buffer;
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const absorbed = await liquidate(ex, step, bufferLeft);
    if (absorbed !== undefined) bufferLeft = bufferLeft > absorbed ? bufferLeft - absorbed : 0n;
  }
}

/** Returns the (estimated) absorbed debt, or undefined when skipped. */
async function liquidate(
  ex: ExecContext,
  step: Extract<LiquidationStep, { type: "act" }>,
  bufferLeft: bigint,
): Promise<bigint | undefined> {
  const { engine, vm } = ex.c;
  const id = step.vaultId;
  const sim = await simulate(ex, step.action, step.what, () => engine.liquidate.staticCall(id, ex.keeper));
  if (!sim.ok) return undefined;
  const sent = await send(
    ex,
    step.what,
    () => engine.liquidate.estimateGas(id, ex.keeper),
    (o) => engine.liquidate(id, ex.keeper, o),
  );
  if (sent === undefined) return undefined;
  let entry: KeeperReport["liquidations"][number];
  if (sent.receipt) {
    // The vault manager's VaultSeized carries the slice taken and the part absorbed; the engine's
    // Liquidated the auction and the reward.
    const seized = findEvent(sent.receipt, vm, "VaultSeized");
    const liquidated = findEvent(sent.receipt, engine, "Liquidated");
    entry = {
      vaultId: id,
      debt: seized.args.debt,
      absorbedDebt: seized.args.absorbedDebt,
      auctionId: liquidated.args.auctionId,
      reward: liquidated.args.reward,
      gasUsed: sent.receipt.gasUsed,
    };
  } else {
    const auctionId = sim.value;
    entry = {
      vaultId: id,
      debt: step.debt,
      absorbedDebt: absorbedEstimate(step.debt, auctionId, bufferLeft),
      auctionId,
      reward: await engine.keeperReward(step.debt),
      gasUsed: sent.gas,
    };
  }
  ex.out.liquidated(entry, { symbol: step.symbol, healthFactor: step.healthFactor, receipt: sent.receipt });
  return entry.absorbedDebt;
}

export async function executeSales(ex: ExecContext, steps: SaleStep[]): Promise<void> {
  const { reserve } = ex.c;
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const { token, held } = step;
    const sim = await simulate(ex, step.action, step.what, () => reserve.sellCollateral.staticCall(token, held));
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => reserve.sellCollateral.estimateGas(token, held),
      (o) => reserve.sellCollateral(token, held, o),
    );
    if (sent === undefined) continue;
    const auctionId = sent.receipt
      ? findEvent(sent.receipt, reserve, "CollateralSaleStarted").args.auctionId
      : sim.value;
    ex.out.sold(
      { collateral: token, amount: held, auctionId },
      { symbol: step.symbol, decimals: step.decimals, value: step.value, gasUsed: sent.receipt?.gasUsed ?? sent.gas },
    );
  }
}

export async function executeRedos(ex: ExecContext, steps: RedoStep[]): Promise<void> {
  const { engine } = ex.c;
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const a = step.auction;
    const sim = await simulate(ex, step.action, step.what, () => engine.redo.staticCall(a.auctionId, ex.keeper));
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => engine.redo.estimateGas(a.auctionId, ex.keeper),
      (o) => engine.redo(a.auctionId, ex.keeper, o),
    );
    if (sent === undefined) continue;
    // Dry run: the tip follows the basefee of the block that includes the redo, unknown before.
    const reward: bigint = sent.receipt ? findEvent(sent.receipt, engine, "AuctionReset").args.reward : 0n;
    ex.out.redone(
      { auctionId: a.auctionId, reward, gasUsed: sent.receipt?.gasUsed ?? sent.gas },
      { symbol: a.symbol, price: a.price },
    );
  }
}

/**
 * Takes in the plan's order, with `maxPrice` = the price seen (a price that moved up makes the take
 * revert, not overpay). The plan sized each take from the BDOL it expected to be left; a Dutch
 * auction's price only falls, so a take may pay less than planned: when the balance actually left
 * differs from the plan's, the take is sized again by the same rule (`planTake`).
 */
export async function executeTakes(
  ex: ExecContext,
  steps: TakeStep[],
  budget: { balance: bigint; maxTakeBdol?: bigint; gas?: GasCheck },
): Promise<void> {
  const { engine, bdol } = ex.c;
  let balance = budget.balance;
  for (let step of steps) {
    if (step.candidate && step.balance !== balance) {
      step = planTake(step.candidate, balance, budget.maxTakeBdol, budget.gas);
    }
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const a = step.candidate.auction;
    const args = [a.auctionId, step.maxCollateral, a.price, ex.keeper, "0x"] as const;
    const sim = await simulate(ex, step.action, step.what, () => engine.take.staticCall(...args));
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => engine.take.estimateGas(...args),
      (o) => engine.take(...args, o),
    );
    if (sent === undefined) continue;
    let amount: bigint;
    let paid: bigint;
    let price: bigint;
    if (sent.receipt) {
      const ev = findEvent(sent.receipt, engine, "Taken");
      amount = ev.args.collateralAmount;
      paid = ev.args.paid;
      price = ev.args.price;
      balance = await bdol.balanceOf(ex.keeper);
    } else {
      [amount, paid] = sim.value;
      price = a.price;
      balance -= paid;
    }
    const reference = step.candidate.reference;
    ex.out.took(
      {
        auctionId: a.auctionId,
        collateral: a.collateral,
        amount,
        paid,
        price,
        referencePrice: reference,
        profit: valueDown(amount, a.decimals, reference) - paid,
        gasUsed: sent.receipt?.gasUsed ?? sent.gas,
      },
      { symbol: a.symbol, decimals: a.decimals },
    );
  }
}

/** A flash take of the auction's whole lot (or what its tab buys) through the FlashTaker. */
export async function executeFlashTake(ex: ExecContext, a: AuctionView, step: FlashTakeStep): Promise<void> {
  if (step.type === "skip") {
    ex.out.skip(step.what, step.reason);
    return;
  }
  const taker = ex.c.flash!.taker;
  const runArgs = [a.auctionId, a.lot, a.price, step.pool, step.minProfit, ex.keeper] as const;
  const sim = await simulate(ex, step.action, step.what, () => taker.run.staticCall(...runArgs));
  if (!sim.ok) return;
  const sent = await send(
    ex,
    step.what,
    () => taker.run.estimateGas(...runArgs),
    (o) => taker.run(...runArgs, o),
  );
  if (sent === undefined) return;
  let profit = sim.value;
  let took = step.amount;
  let paid = step.paid;
  if (sent.receipt) {
    const ev = findEvent(sent.receipt, taker, "FlashTaken");
    profit = ev.args.profit;
    took = ev.args.collateralSold;
    paid = ev.args.paid;
  }
  ex.out.flashTook(
    {
      auctionId: a.auctionId,
      collateral: a.collateral,
      amount: took,
      paid,
      price: a.price,
      referencePrice: a.oraclePrice,
      profit,
      gasUsed: sent.receipt?.gasUsed ?? sent.gas,
    },
    step.quoteLine,
  );
}

export async function executeHeal(ex: ExecContext, steps: HealStep[]): Promise<void> {
  const { reserve } = ex.c;
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const sim = await simulate(ex, step.action, step.what, () => reserve.heal.staticCall());
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => reserve.heal.estimateGas(),
      (o) => reserve.heal(o),
    );
    if (sent === undefined) continue;
    ex.out.healed(sim.value, step.deficit, sent.receipt?.gasUsed ?? sent.gas);
  }
}

export async function executePoke(ex: ExecContext, steps: PokeStep[]): Promise<void> {
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const risk = ex.c.risk!; // planned only for the controller the scan found
    const sim = await simulate(ex, step.action, step.what, () => risk.poke.staticCall());
    if (!sim.ok) continue;
    const sent = await send(
      ex,
      step.what,
      () => risk.poke.estimateGas(),
      (o) => risk.poke(o),
    );
    if (sent === undefined) continue;
    ex.out.poked(sent.receipt?.gasUsed ?? sent.gas);
  }
}

export async function executeRebalance(ex: ExecContext, steps: RebalanceStep[]): Promise<void> {
  const { reserve } = ex.c;
  for (const step of steps) {
    if (step.type === "skip") {
      ex.out.skip(step.what, step.reason);
      continue;
    }
    const sim = await simulate(ex, step.action, step.what, () => reserve.rebalance.staticCall());
    if (!sim.ok) continue;
    const [deposited, withdrawn] = sim.value as unknown as [bigint, bigint];
    // Moved nothing since the plan looked (another keeper rebalanced): nothing to send.
    if (deposited === 0n && withdrawn === 0n) continue;
    const sent = await send(
      ex,
      step.what,
      () => reserve.rebalance.estimateGas(),
      (o) => reserve.rebalance(o),
    );
    if (sent === undefined) continue;
    ex.out.rebalanced({ deposited, withdrawn, gasUsed: sent.receipt?.gasUsed ?? sent.gas });
  }
}

// ====================================================================== transactions

/** `beforeAction`, the gas cap, then the static call; logs and records a skip on failure. */
async function simulate<T>(
  ex: ExecContext,
  action: KeeperAction,
  what: string,
  call: () => Promise<T>,
): Promise<Sim<T>> {
  if (ex.opts.beforeAction) {
    await ex.opts.beforeAction(action);
    ex.onChange?.();
  }
  const cap = ex.opts.maxGasPrice;
  ex.fees = undefined;
  if (cap !== undefined) {
    const reading = await readGasPrice(ex.provider);
    const capped = gasCapReason({ price: reading.price, cap });
    if (capped) {
      ex.out.skip(what, capped);
      return { ok: false };
    }
    ex.fees = feeFields(reading, cap);
  }
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    ex.out.skip(what, `static call reverted: ${explainError(err, ex.c.all)}`);
    return { ok: false };
  }
}

/**
 * Sends a transaction that passed its static call (or, in a dry run, only estimates its gas).
 * Gas limit: the estimate plus a quarter plus GAS_CUSHION (unused gas is not paid for).
 */
async function send(
  ex: ExecContext,
  what: string,
  estimate: () => Promise<bigint>,
  tx: (overrides: Overrides) => Promise<ContractTransactionResponse>,
): Promise<Sent | undefined> {
  let gas: bigint;
  try {
    gas = await estimate();
  } catch (err) {
    ex.out.skip(what, `gas estimate reverted: ${explainError(err, ex.c.all)}`);
    return undefined;
  }
  if (ex.dryRun) return { gas };
  const overrides: Overrides = { gasLimit: gas + gas / 4n + GAS_CUSHION, ...ex.fees };
  ex.onChange?.();
  try {
    const response = await tx(overrides);
    const receipt = await response.wait();
    if (!receipt) throw new Error("no receipt");
    ex.out.spent(receipt);
    return { receipt, gas };
  } catch (err) {
    // Lost a race inside one block: the transaction was mined and reverted.
    const receipt = (err as { receipt?: TransactionReceipt }).receipt;
    if (receipt) ex.out.spent(receipt);
    ex.out.skip(what, `transaction failed: ${explainError(err, ex.c.all)}`);
    return undefined;
  }
}

/** Fee fields that never pay more than `cap`. */
function feeFields(reading: GasReading, cap: bigint): Overrides {
  if (reading.eip1559) return { maxFeePerGas: cap, maxPriorityFeePerGas: min(reading.priority, cap) };
  return { gasPrice: min(reading.price, cap) };
}

function findEvent(receipt: ContractTransactionReceipt, contract: BaseContract, name: string) {
  const address = String(contract.target).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed;
  }
  throw new Error(`no ${name} event in transaction ${receipt.hash}`);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

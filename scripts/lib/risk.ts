/**
 * The risk controller's poke with a readable report, shared by the `risk:poke` task and the demo.
 * This module is imported while Hardhat loads its config (through the task), so it must not import
 * "hardhat" itself: everything comes in through `hre`.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { contracts } from "./status";
import { PRICE_STATUS, annualRateOf, fmtPct, fmtRate, fmtWad, fmtWhen, kv, symbolOf, table } from "../../lib/sdk";

export interface PokeResult {
  poked: boolean;
  nextPokeAt: bigint;
  txHash?: string;
  collaterals: { symbol: string; rate: bigint; borrowRatio: bigint; haltUntil: bigint }[];
}

export async function pokeAndReport(hre: HardhatRuntimeEnvironment, quiet = false): Promise<PokeResult> {
  const c = await contracts(hre);
  if (!c.risk) throw new Error(`no RiskController deployed on ${hre.network.name}`);
  const [signer] = await hre.ethers.getSigners();
  const risk = c.risk.connect(signer);
  const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
  const nextPokeAt = await risk.nextPokeAt();
  // The next block is at least one second later.
  if (nextPokeAt > now + 1n) {
    if (!quiet) console.log(`not due: the next poke is allowed ${fmtWhen(nextPokeAt, now)}; nothing sent`);
    return { poked: false, nextPokeAt, collaterals: [] };
  }
  const before = new Map<string, { rate: bigint; borrowRatio: bigint }>();
  for (const token of await risk.managedCollaterals()) {
    const cfg = await c.vaultManager.collateralConfig(token);
    before.set(token.toLowerCase(), {
      rate: annualRateOf(cfg.stabilityFee),
      borrowRatio: cfg.borrowRatio,
    });
  }
  const receipt = await (await risk.poke()).wait();
  const rows = [];
  const result: PokeResult = { poked: true, nextPokeAt: 0n, txHash: receipt!.hash, collaterals: [] };
  let system: Record<string, string> = {};
  let reserveArm: Record<string, string> = {};
  for (const log of receipt!.logs) {
    const parsed = risk.interface.parseLog(log);
    if (!parsed) continue;
    if (parsed.name === "CollateralPoked") {
      const token = parsed.args.collateral as string;
      const u = parsed.args.update;
      const symbol = await symbolOf(hre.ethers.provider, token);
      const old = before.get(token.toLowerCase())!;
      result.collaterals.push({ symbol, rate: u.rate, borrowRatio: u.borrowRatio, haltUntil: u.haltUntil });
      rows.push({
        collateral: symbol,
        "price (USD)": `${fmtWad(u.price)} ${PRICE_STATUS[Number(u.priceStatus)]}`,
        "ceiling used": fmtPct(u.utilisation),
        volatility: fmtPct(u.volatility, 1),
        "move (fast / slow window)": `${fmtPct(u.priceMove)} / ${fmtPct(u.slowPriceMove)}`,
        "fee / yr (curve → target)": `${fmtRate(u.curveRate)} → ${fmtRate(u.targetRate)}`,
        "fee / yr": `${fmtRate(old.rate)} → ${fmtRate(u.rate)}`,
        "borrow ratio": `${fmtPct(old.borrowRatio, 1)} → ${fmtPct(u.borrowRatio, 1)} (target ${fmtPct(u.targetBorrowRatio, 1)})`,
        halt: u.haltUntil === 0n ? "–" : `until ${fmtWhen(u.haltUntil, now)}`,
      });
    } else if (parsed.name === "Poked") {
      const a = parsed.args;
      system = {
        "BDOL price": a.pegPrice === 0n ? "no feed" : `${fmtWad(a.pegPrice, 4)} ${PRICE_STATUS[Number(a.pegStatus)]}`,
        "peg error / integral / peg term (points of fee)": `${fmtWad(a.pegError * 100n, 3)} / ${fmtWad(a.integral * 100n, 3)} / ${fmtWad(a.pegTerm * 100n, 3)}`,
        "system collateral ratio": fmtPct(a.systemCollateralRatio),
        "system breaker": a.systemHaltUntil > now ? `HALTED until ${fmtWhen(a.systemHaltUntil, now)}` : "clear",
        "reserve target (BDOL)": fmtWad(a.reserveTarget),
      };
    } else if (parsed.name === "ReservePoked") {
      const a = parsed.args;
      reserveArm = {
        "reserve target (stress + stable, BDOL)": `${fmtWad(a.reserveTarget)} (stable part ${fmtWad(a.stablePart)})`,
        "buffer + surplus": a.belowTarget ? "below the target: buffer first, savings capped" : "at or above the target",
        "savings rate (target → set)": `${fmtRate(a.savingsTargetRate)} → ${fmtRate(a.savingsRate)}`,
        "poke pay (asked / paid from the surplus, BDOL)": `${fmtWad(a.reward)} / ${fmtWad(a.paid)}`,
      };
    } else if (parsed.name === "PriceBreakerTripped") {
      if (!quiet)
        console.log(
          `price breaker tripped on ${await symbolOf(hre.ethers.provider, parsed.args.collateral)}: a move of ${fmtPct(parsed.args.move)} ` +
            `in the fast window, ${fmtPct(parsed.args.slowMove)} in the slow one`,
        );
    } else if (parsed.name === "SystemBreakerTripped") {
      if (!quiet)
        console.log(`system breaker tripped: collateral ratio ${fmtPct(parsed.args.collateralRatio)} below critical`);
    }
  }
  result.nextPokeAt = await risk.nextPokeAt();
  if (!quiet) {
    table(`Poke (tx ${receipt!.hash}, ${receipt!.gasUsed.toLocaleString("en-US")} gas)`, rows);
    kv("System", { ...system, ...reserveArm, "next poke allowed": fmtWhen(result.nextPokeAt, now) });
  }
  return result;
}

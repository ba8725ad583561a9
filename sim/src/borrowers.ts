/**
 * Borrowers who react to prices and fees (a scenario's `borrowers` block, see scenario.ts): every
 * `everyMinutes` the owners of the reacting vaults top up, repay or borrow. Every call is tried
 * first (a static call from the owner); a refusal is counted by its custom error and skipped.
 */
import { WAD, bump, decodeError, priceWad as wadOf, toNum as num, type Chain } from "./chain";
import type { AssetKey, BorrowersSpec } from "./scenario";

export interface BorrowerStats {
  looks: number;
  topUps: number;
  /** Collateral added, at the oracle price when added [USD]. */
  toppedUpValue: number;
  repays: number;
  repaid: number;
  borrows: number;
  borrowed: number;
  /** Reactions the protocol refused, by custom error. */
  refused: Record<string, number>;
}

export function newBorrowerStats(): BorrowerStats {
  return { looks: 0, topUps: 0, toppedUpValue: 0, repays: 0, repaid: 0, borrows: 0, borrowed: 0, refused: {} };
}

/**
 * One look: each reacting vault (`reacts(vaultId)`) at most one reaction, in the spec's order.
 * `fees` are the collaterals' stability fees (APR). Returns whether any vault changed.
 */
export async function reactBorrowers(
  chain: Chain,
  spec: BorrowersSpec,
  fees: Record<AssetKey, number>,
  reacts: (vaultId: bigint) => boolean,
  stats: BorrowerStats,
): Promise<boolean> {
  stats.looks += 1;
  const vm = chain.vm;
  const market = chain.market.address;
  const keyOf = new Map(chain.keys.map((k) => [chain.assets[k].tokenAddress.toLowerCase(), k]));
  let changed = false;
  for (const v of await chain.vaultsHealth()) {
    if (v.debt === 0n || v.healthFactor === 0n || v.healthFactor === 2n ** 256n - 1n || !reacts(v.vaultId)) continue;
    const key = keyOf.get(v.collateral);
    if (key === undefined) continue;
    const a = chain.assets[key];
    const fee = fees[key];
    const hf = v.healthFactor;
    const tryThen = async (data: string, what: string): Promise<boolean> => {
      const dry = await chain.tryCall(v.owner, chain.addresses.VaultManager, data, 1_500_000);
      if (!dry.ok) {
        bump(stats.refused, `${what}: ${decodeError(dry.data, [vm.interface])}`);
        return false;
      }
      await chain.send(v.owner, chain.addresses.VaultManager, data, 1_500_000);
      return true;
    };
    if (spec.topUpBelow !== undefined && hf < wadOf(spec.topUpBelow)) {
      // The health factor grows with the collateral: add collateral × (to / hf − 1).
      const add = (v.collateralAmount * (wadOf(spec.topUpTo!) - hf)) / hf;
      if (add === 0n) continue;
      await chain.mint(key, v.owner, add);
      if (await tryThen(vm.interface.encodeFunctionData("deposit", [v.vaultId, add]), "top-up")) {
        const [price] = await chain.oracle.getPrice(a.tokenAddress);
        stats.topUps += 1;
        stats.toppedUpValue += num((add * 10n ** BigInt(18 - a.decimals) * price) / WAD);
        changed = true;
      }
    } else if (spec.repayAboveFee !== undefined && fee > spec.repayAboveFee) {
      const amount = (v.debt * wadOf(spec.repayShare!)) / WAD;
      const { minDebt } = await vm.collateralConfig(a.tokenAddress);
      if (amount === 0n || v.debt - amount < minDebt) continue;
      const have = await chain.bdol.balanceOf(v.owner);
      // Bought from the holders at $1 (the market account).
      if (have < amount) {
        await chain.transferToken(chain.bdol, chain.addresses.BallastDollar, market, v.owner, amount - have);
      }
      if (await tryThen(vm.interface.encodeFunctionData("repay", [v.vaultId, amount]), "repay")) {
        stats.repays += 1;
        stats.repaid += num(amount);
        changed = true;
      }
    } else if (spec.borrowAbove !== undefined && hf > wadOf(spec.borrowAbove) && fee < spec.borrowBelowFee!) {
      // The health factor falls with the debt: borrow debt × (hf / to − 1), and sell it to the holders.
      const amount = (v.debt * (hf - wadOf(spec.borrowTo!))) / wadOf(spec.borrowTo!);
      if (amount === 0n) continue;
      if (await tryThen(vm.interface.encodeFunctionData("borrow", [v.vaultId, amount, v.owner]), "borrow")) {
        await chain.transferToken(chain.bdol, chain.addresses.BallastDollar, v.owner, market, amount);
        stats.borrows += 1;
        stats.borrowed += num(amount);
        changed = true;
      }
    }
  }
  return changed;
}

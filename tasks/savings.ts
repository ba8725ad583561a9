/**
 * Saver: BDOL in sBDOL, the savings vault (ERC-4626) whose rate the reserve's surplus pays.
 *   npx hardhat savings:deposit --amount 1000 --network localhost    BDOL → sBDOL shares
 *   npx hardhat savings:redeem --shares 500 | --all --network localhost   shares → BDOL (never paused)
 *   npx hardhat savings:status [--from <index|address>] --network localhost
 * Amounts are decimal strings (18 decimals). The signer is the first account, or `--from`. Each call
 * first draws the interest owed from the reserve's surplus (sBDOL's drip). A refused call prints its
 * decoded error (DepositsArePaused, ZeroAmount, ERC20InsufficientBalance…) and sends nothing.
 */
import { task } from "hardhat/config";
import { UsageError, fmtWad, kv, parseAmount } from "../lib/sdk";
import { cliAction, openSession } from "../lib/sdk/hardhat";
import { savingsRows } from "../scripts/lib/status";

const BDOL = { symbol: "BDOL", decimals: 18 };

task("savings:deposit", "Deposits BDOL into sBDOL, the savings vault")
  .addParam("amount", "BDOL to deposit, decimal")
  .addOptionalParam("from", "signer index or address")
  .setAction((args: { amount: string; from?: string }, hre) =>
    cliAction(hre, "savings:deposit", async () => {
      const amount = parseAmount("amount", args.amount, 18, { positive: true, unit: "BDOL" });
      const s = await openSession(hre, args.from);
      const savings = s.ballast.savings;
      await s.send(s.ballast.bdol.approve, [await savings.getAddress(), amount], { token: BDOL });
      const shares = await savings.deposit.staticCall(amount, s.address);
      const receipt = await s.send(savings.deposit, [amount, s.address], { token: BDOL, paid: BDOL });
      kv(`Deposited ${fmtWad(amount)} BDOL into sBDOL (tx ${receipt.hash}, gas ${receipt.gasUsed})`, {
        "sBDOL received": fmtWad(shares),
        ...(await position(s.ballast.savings, s.address)),
      });
      return shares;
    }),
  );

task("savings:redeem", "Redeems sBDOL shares for BDOL (withdrawals are never paused)")
  .addOptionalParam("shares", "sBDOL shares to redeem, decimal")
  .addFlag("all", "redeem every share")
  .addOptionalParam("from", "signer index or address")
  .setAction((args: { shares?: string; all: boolean; from?: string }, hre) =>
    cliAction(hre, "savings:redeem", async () => {
      if ((args.shares === undefined) === !args.all) throw new UsageError("give exactly one of --shares <n> or --all");
      const s = await openSession(hre, args.from);
      const savings = s.ballast.savings;
      const shares = args.all
        ? await savings.balanceOf(s.address)
        : parseAmount("shares", args.shares, 18, { positive: true, unit: "sBDOL" });
      if (shares === 0n) throw new UsageError(`${s.address} holds no sBDOL`);
      const assets = await savings.redeem.staticCall(shares, s.address, s.address);
      const receipt = await s.send(savings.redeem, [shares, s.address, s.address], { token: BDOL });
      kv(`Redeemed ${fmtWad(shares)} sBDOL (tx ${receipt.hash}, gas ${receipt.gasUsed})`, {
        "BDOL received": fmtWad(assets),
        ...(await position(s.ballast.savings, s.address)),
      });
      return assets;
    }),
  );

task("savings:status", "Prints sBDOL: its rate, assets, what the surplus may pay, and a holder's position")
  .addOptionalParam("from", "the holder: signer index or address (default: the first account)")
  .setAction((args: { from?: string }, hre) =>
    cliAction(hre, "savings:status", async () => {
      const s = await openSession(hre, args.from);
      const who = s.address;
      const r = await s.ballast.lens.reserveSnapshot();
      kv("Savings (sBDOL)", { ...savingsRows(r, true), ...(await position(s.ballast.savings, who)) });
      return r;
    }),
  );

async function position(
  savings: { balanceOf(a: string): Promise<bigint>; convertToAssets(x: bigint): Promise<bigint> },
  who: string,
) {
  const shares = await savings.balanceOf(who);
  return {
    [`${who.slice(0, 8)}…: shares / worth (BDOL)`]: `${fmtWad(shares)} / ${fmtWad(await savings.convertToAssets(shares))}`,
  };
}

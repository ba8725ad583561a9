/**
 * Arbitrageur: swap through the peg stability module.
 *   npx hardhat psm:swap --in 1000 [--mint] [--min 999] --network localhost    USDC → BDOL
 *   npx hardhat psm:swap --out 1000 [--min 998] --network localhost            BDOL → USDC
 * Amounts are decimal strings (USDC in 6 decimals, BDOL in 18). `--min` is the least the swap may
 * return (default: the quote, so a fee change between quote and swap makes it revert). `--mint`
 * mints the test USDC first (local networks). The signer is the first account, or
 * `--from <index|address>`. A refused swap prints its decoded error in human units (e.g.
 * StableDepegged, OutflowLimitExceeded) and sends nothing.
 */
import { task } from "hardhat/config";
import { UsageError, fmtPct, fmtWad, kv, parseAmount } from "../lib/sdk";
import { cliAction, openSession } from "../lib/sdk/hardhat";

interface SwapArgs {
  in?: string;
  out?: string;
  min?: string;
  mint: boolean;
  from?: string;
}

task("psm:swap", "Swaps USDC for BDOL (--in) or BDOL for USDC (--out) through the peg stability module")
  .addOptionalParam("in", "USDC to swap for BDOL, decimal")
  .addOptionalParam("out", "BDOL to redeem for USDC, decimal")
  .addOptionalParam("min", "least amount to receive, decimal (default: the quote)")
  .addFlag("mint", "mint the test USDC first (local networks only)")
  .addOptionalParam("from", "signer index or address")
  .setAction((args: SwapArgs, hre) =>
    cliAction(hre, "psm:swap", async () => {
      if ((args.in === undefined) === (args.out === undefined))
        throw new UsageError("give exactly one of --in <USDC> or --out <BDOL>");
      const s = await openSession(hre, args.from);
      const psm = s.ballast.psm;
      if (!psm) throw new UsageError(`no peg stability module on ${hre.network.name}`);
      const usdc = s.ballast.erc20(await psm.stable());
      const decimals = Number(await usdc.decimals());
      const stable = { symbol: await usdc.symbol(), decimals };
      const bdol = { symbol: "BDOL", decimals: 18 };
      if (args.in !== undefined) {
        const amount = parseAmount("in", args.in, decimals, { positive: true, unit: stable.symbol });
        if (args.mint) {
          const { faucet } = await import("../lib/sdk/dev");
          await faucet(s.ballast, await usdc.getAddress(), s.address, amount, s.signer);
        }
        const [quote, fee] = await psm.quoteStableForCoin(amount);
        const min = args.min === undefined ? quote : parseAmount("min", args.min, 18, { unit: "BDOL" });
        await s.send(usdc.approve, [await psm.getAddress(), amount], { token: stable });
        const received = await psm.swapStableForCoin.staticCall(amount, min, s.address).catch(() => quote);
        const receipt = await s.send(psm.swapStableForCoin, [amount, min, s.address], {
          token: bdol,
          paid: stable,
          stable,
        });
        kv(
          `Swapped ${fmtWad(amount, 2, decimals)} ${stable.symbol} for BDOL (tx ${receipt.hash}, gas ${receipt.gasUsed})`,
          {
            "BDOL received": fmtWad(received),
            [`fee (BDOL, owed to the reserve; ${fmtPct(await psm.feeIn())})`]: fmtWad(fee),
            "PSM minted / ceiling (BDOL)": `${fmtWad(await psm.minted())} / ${fmtWad(await psm.mintCeiling())}`,
            "your BDOL balance": fmtWad(await s.ballast.bdol.balanceOf(s.address)),
          },
        );
        return received;
      }
      const amount = parseAmount("out", args.out, 18, { positive: true, unit: "BDOL" });
      const [quote, fee] = await psm.quoteCoinForStable(amount);
      const min = args.min === undefined ? quote : parseAmount("min", args.min, decimals, { unit: stable.symbol });
      const received = await psm.swapCoinForStable.staticCall(amount, min, s.address).catch(() => quote);
      const receipt = await s.send(psm.swapCoinForStable, [amount, min, s.address], {
        token: stable,
        paid: bdol,
        stable,
      });
      kv(`Redeemed ${fmtWad(amount)} BDOL for ${stable.symbol} (tx ${receipt.hash}, gas ${receipt.gasUsed})`, {
        [`${stable.symbol} received`]: fmtWad(received, 2, decimals),
        [`fee (BDOL, owed to the reserve; ${fmtPct(await psm.feeOut())})`]: fmtWad(fee),
        "outflow left in the window (BDOL)": fmtWad(await psm.availableOutflow()),
        [`your ${stable.symbol} balance`]: fmtWad(await usdc.balanceOf(s.address), 2, decimals),
      });
      return received;
    }),
  );

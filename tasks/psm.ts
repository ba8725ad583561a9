/**
 * Arbitrageur: swap through the peg stability module.
 *   npx hardhat psm:swap --in 1000 [--mint] [--min 999] --network localhost    USDC → BDOL
 *   npx hardhat psm:swap --out 1000 [--min 998] --network localhost            BDOL → USDC
 * Amounts are decimal strings (USDC in 6 decimals, BDOL in 18). `--min` is the least the swap may
 * return (default: the quote, so a fee change between quote and swap makes it revert). `--mint`
 * mints the test USDC first (local networks and testnets). The signer is the first account, or
 * `--from <index>`. A refused swap prints its decoded error (e.g. StableDepegged, OutflowLimitExceeded).
 */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract } from "ethers";
import type { MockERC20, PegStabilityModule } from "../typechain-types";
import { ensureInProcessDeployment } from "../scripts/lib/deploy";
import { explainError } from "../scripts/lib/errors";
import { fmtWad, kv } from "../scripts/lib/format";

interface SwapArgs {
  in?: string;
  out?: string;
  min?: string;
  mint: boolean;
  from: number;
}

async function swap(hre: HardhatRuntimeEnvironment, args: SwapArgs): Promise<bigint | undefined> {
  if ((args.in === undefined) === (args.out === undefined))
    throw new Error("give exactly one of --in <USDC> or --out <BDOL>");
  const signer = (await hre.ethers.getSigners())[args.from];
  const psm = (await hre.ethers.getContractAt(
    "PegStabilityModule",
    (await hre.deployments.get("PegStabilityModule")).address,
    signer,
  )) as unknown as PegStabilityModule;
  const usdc = (await hre.ethers.getContractAt("MockERC20", await psm.stable(), signer)) as unknown as MockERC20;
  const bdol = await hre.ethers.getContractAt("BallastDollar", await psm.stablecoin(), signer);
  const decimals = Number(await usdc.decimals());
  try {
    let received: bigint;
    let hash: string;
    if (args.in !== undefined) {
      const amount = hre.ethers.parseUnits(args.in, decimals);
      if (args.mint) await (await usdc.mint(signer.address, amount)).wait();
      const [quote, fee] = await psm.quoteStableForCoin(amount);
      const min = args.min === undefined ? quote : hre.ethers.parseUnits(args.min, 18);
      await (await usdc.approve(await psm.getAddress(), amount)).wait();
      received = await psm.swapStableForCoin.staticCall(amount, min, signer.address);
      const receipt = await (await psm.swapStableForCoin(amount, min, signer.address)).wait();
      hash = receipt!.hash;
      kv(`Swapped ${fmtWad(amount, 2, decimals)} USDC for BDOL (tx ${hash}, gas ${receipt!.gasUsed})`, {
        "BDOL received": fmtWad(received),
        "fee (BDOL, owed to the reserve)": fmtWad(fee),
        "PSM minted / ceiling (BDOL)": `${fmtWad(await psm.minted())} / ${fmtWad(await psm.mintCeiling())}`,
        "your BDOL balance": fmtWad(await bdol.balanceOf(signer.address)),
      });
    } else {
      const amount = hre.ethers.parseUnits(args.out!, 18);
      const [quote, fee] = await psm.quoteCoinForStable(amount);
      const min = args.min === undefined ? quote : hre.ethers.parseUnits(args.min, decimals);
      received = await psm.swapCoinForStable.staticCall(amount, min, signer.address);
      const receipt = await (await psm.swapCoinForStable(amount, min, signer.address)).wait();
      hash = receipt!.hash;
      kv(`Redeemed ${fmtWad(amount)} BDOL for USDC (tx ${hash}, gas ${receipt!.gasUsed})`, {
        "USDC received": fmtWad(received, 2, decimals),
        "fee (BDOL, owed to the reserve)": fmtWad(fee),
        "outflow left in the window (BDOL)": fmtWad(await psm.availableOutflow()),
        "your USDC balance": fmtWad(await usdc.balanceOf(signer.address), 2, decimals),
      });
    }
    return received;
  } catch (err) {
    const names = ["PegStabilityModule", "ReservePool", "BallastDollar", "OracleAdapter"];
    const contracts = await Promise.all(
      names.map(async (n) => hre.ethers.getContractAt(n, (await hre.deployments.get(n)).address)),
    );
    const erc20 = await hre.ethers.getContractFactory("MockERC20");
    console.error(`refused: ${explainError(err, [...contracts, erc20 as unknown as BaseContract])}`);
    process.exitCode = 1;
    return undefined;
  }
}

task("psm:swap", "Swaps USDC for BDOL (--in) or BDOL for USDC (--out) through the peg stability module")
  .addOptionalParam("in", "USDC to swap for BDOL, decimal")
  .addOptionalParam("out", "BDOL to redeem for USDC, decimal")
  .addOptionalParam("min", "least amount to receive, decimal (default: the quote)")
  .addFlag("mint", "mint the test USDC first (local networks and testnets only)")
  .addOptionalParam("from", "signer index", 0, types.int)
  .setAction(async (args: SwapArgs, hre) => {
    await ensureInProcessDeployment(hre);
    return swap(hre, args);
  });

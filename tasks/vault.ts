/**
 * Borrower tasks: open, adjust and close a vault, and read it.
 *   npx hardhat vault:open --collateral WETH --amount 10 --debt 12000 [--mint] --network localhost
 *   npx hardhat vault:info --id 1
 *   npx hardhat vault:deposit|withdraw|borrow|repay --id 1 --amount 2.5
 *   npx hardhat vault:close --id 1
 * Amounts are decimal strings in the token's own units (WETH 18, WBTC 8; BDOL 18). The signer is
 * the network's first account, or `--from <index>`.
 */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { explainError } from "../scripts/lib/errors";
import { PRICE_STATUS, fmtPct, fmtWad, kv } from "../scripts/lib/format";

/** Runs a task body; a refused transaction prints its decoded custom error and exits 1. */
async function refusable(hre: HardhatRuntimeEnvironment, body: () => Promise<unknown>): Promise<unknown> {
  try {
    return await body();
  } catch (err) {
    const get = async (n: string) => hre.ethers.getContractAt(n, (await hre.deployments.get(n)).address);
    const contracts = await Promise.all(["VaultManager", "OracleAdapter", "BallastDollar"].map(get));
    const erc20 = await hre.ethers.getContractFactory("MockERC20");
    console.error(`refused: ${explainError(err, [...contracts, erc20 as unknown as import("ethers").BaseContract])}`);
    process.exitCode = 1;
    return undefined;
  }
}

async function ctx(hre: HardhatRuntimeEnvironment, from: number) {
  const signer = (await hre.ethers.getSigners())[from];
  const get = async (name: string, dep = name) =>
    hre.ethers.getContractAt(name, (await hre.deployments.get(dep)).address, signer);
  return {
    signer,
    vm: (await get("VaultManager")) as unknown as import("../typechain-types").VaultManager,
    oracle: (await get("OracleAdapter")) as unknown as import("../typechain-types").OracleAdapter,
    bdol: (await get("BallastDollar")) as unknown as import("../typechain-types").BallastDollar,
  };
}

async function token(hre: HardhatRuntimeEnvironment, symbolOrAddress: string, signer: import("ethers").Signer) {
  const address = hre.ethers.isAddress(symbolOrAddress)
    ? symbolOrAddress
    : (await hre.deployments.get(symbolOrAddress)).address;
  return (await hre.ethers.getContractAt(
    "MockERC20",
    address,
    signer,
  )) as unknown as import("../typechain-types").MockERC20;
}

async function printVault(hre: HardhatRuntimeEnvironment, id: bigint, from: number): Promise<void> {
  const { vm, oracle } = await ctx(hre, from);
  const [owner, collateral, amount, debt] = await vm.vaultInfo(id);
  const config = await vm.collateralConfig(collateral);
  const tok = await token(hre, collateral, (await hre.ethers.getSigners())[from]);
  const symbol = await tok.symbol();
  const [price, status] = await oracle.getPrice(config.oracleAsset);
  const value = (amount * 10n ** (18n - config.decimals) * price) / 10n ** 18n;
  const hf = await vm.healthFactor(id);
  kv(`Vault #${id}`, {
    owner,
    collateral: `${fmtWad(amount, 6, Number(config.decimals))} ${symbol}`,
    [`${symbol} price (USD)`]: `${fmtWad(price)} (${PRICE_STATUS[Number(status)]})`,
    "collateral value (USD)": fmtWad(value),
    "debt (BDOL)": fmtWad(debt, 6),
    "collateral ratio": debt === 0n ? "∞" : fmtPct((value * 10n ** 18n) / debt),
    "borrow ratio / liquidation ratio": `${fmtPct(config.borrowRatio)} / ${fmtPct(config.liquidationRatio)}`,
    "health factor": fmtWad(hf, 4),
  });
}

async function vaultToken(hre: HardhatRuntimeEnvironment, id: bigint, from: number) {
  const { vm, signer } = await ctx(hre, from);
  const [, collateral] = await vm.vaultInfo(id);
  const tok = await token(hre, collateral, signer);
  return { tok, decimals: Number(await tok.decimals()) };
}

task("vault:open", "Opens a vault: deposits collateral and mints BDOL in one transaction")
  .addParam("collateral", "collateral symbol (deployment name) or token address")
  .addParam("amount", "collateral amount, decimal, in the token's units")
  .addOptionalParam("debt", "BDOL to mint, decimal", "0")
  .addFlag("mint", "mint the test collateral first (local networks and testnets only)")
  .addOptionalParam("from", "signer index", 0, types.int)
  .setAction(async (args, hre) =>
    refusable(hre, async () => {
      const { vm, signer } = await ctx(hre, args.from);
      const tok = await token(hre, args.collateral, signer);
      const amount = hre.ethers.parseUnits(args.amount, await tok.decimals());
      const debt = hre.ethers.parseUnits(args.debt, 18);
      if (args.mint) await (await tok.mint(signer.address, amount)).wait();
      await (await tok.approve(await vm.getAddress(), amount)).wait();
      const id = await vm.openVault.staticCall(await tok.getAddress(), amount, debt);
      const receipt = await (await vm.openVault(await tok.getAddress(), amount, debt)).wait();
      console.log(`opened vault #${id} (tx ${receipt!.hash}, gas ${receipt!.gasUsed})`);
      await printVault(hre, id, args.from);
      return id;
    }),
  );

task("vault:info", "Prints a vault's collateral, debt and health")
  .addParam("id", "vault id", undefined, types.bigint)
  .addOptionalParam("from", "signer index", 0, types.int)
  .setAction(async (args, hre) => refusable(hre, () => printVault(hre, args.id, args.from)));

for (const action of ["deposit", "withdraw", "borrow", "repay"] as const) {
  const collateralSide = action === "deposit" || action === "withdraw";
  task(`vault:${action}`, `${action} ${collateralSide ? "collateral" : "BDOL"} on a vault`)
    .addParam("id", "vault id", undefined, types.bigint)
    .addParam("amount", `${collateralSide ? "collateral" : "BDOL"} amount, decimal`)
    .addOptionalParam("to", "recipient (withdraw, borrow); default: the signer")
    .addOptionalParam("from", "signer index", 0, types.int)
    .setAction(async (args, hre) =>
      refusable(hre, async () => {
        const { vm, signer } = await ctx(hre, args.from);
        const to = args.to ?? signer.address;
        let tx;
        if (collateralSide) {
          const { tok, decimals } = await vaultToken(hre, args.id, args.from);
          const amount = hre.ethers.parseUnits(args.amount, decimals);
          if (action === "deposit") {
            await (await tok.approve(await vm.getAddress(), amount)).wait();
            tx = await vm.deposit(args.id, amount);
          } else {
            tx = await vm.withdraw(args.id, amount, to);
          }
        } else {
          const amount = hre.ethers.parseUnits(args.amount, 18);
          tx = action === "borrow" ? await vm.borrow(args.id, amount, to) : await vm.repay(args.id, amount);
        }
        const receipt = await tx.wait();
        console.log(`${action} done (tx ${receipt!.hash}, gas ${receipt!.gasUsed})`);
        await printVault(hre, args.id, args.from);
      }),
    );
}

task("vault:close", "Repays all debt from the signer's BDOL and returns all collateral")
  .addParam("id", "vault id", undefined, types.bigint)
  .addOptionalParam("to", "collateral recipient; default: the signer")
  .addOptionalParam("from", "signer index", 0, types.int)
  .setAction(async (args, hre) =>
    refusable(hre, async () => {
      const { vm, bdol, signer } = await ctx(hre, args.from);
      const debt = await vm.debtOf(args.id);
      const balance = await bdol.balanceOf(signer.address);
      if (balance < debt)
        throw new Error(
          `closing needs ${fmtWad(debt, 6)} BDOL (with interest up to this block); the signer holds ${fmtWad(balance, 6)}`,
        );
      const receipt = await (await vm.closeVault(args.id, args.to ?? signer.address)).wait();
      console.log(
        `closed vault #${args.id}: repaid about ${fmtWad(debt, 6)} BDOL (tx ${receipt!.hash}, gas ${receipt!.gasUsed})`,
      );
    }),
  );

/**
 * Keeper chores available today (the liquidation bot arrives with the liquidation engine):
 *   npx hardhat keeper:record [--asset WETH]   record each asset's feed round in the oracle
 *   npx hardhat keeper:accrue [--collateral WETH]   accrue interest and mint it to the reserve
 */
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress } from "../scripts/lib/deploy";
import { PRICE_STATUS, fmtWad } from "../scripts/lib/format";

/** Every priced asset of the network config, as [symbol, address]. */
export async function pricedAssets(hre: HardhatRuntimeEnvironment): Promise<[string, string][]> {
  const config = networkConfig(hre.network.name);
  const entries = [...Object.entries(config.collaterals), ...Object.entries(config.pricedAssets)];
  return Promise.all(
    entries.map(
      async ([symbol, { token }]) => [symbol, await resolveAddress(hre, token, `${symbol}.token`)] as [string, string],
    ),
  );
}

task("keeper:record", "Records the latest feed round of each asset in the oracle (keepers run it every round)")
  .addOptionalParam("asset", "one asset symbol; default: all")
  .setAction(async (args, hre) => {
    const oracle = await hre.ethers.getContractAt(
      "OracleAdapter",
      (await hre.deployments.get("OracleAdapter")).address,
    );
    for (const [symbol, address] of await pricedAssets(hre)) {
      if (args.asset && args.asset !== symbol) continue;
      const [price, status] = await oracle.recordPrice.staticCall(address);
      const receipt = await (await oracle.recordPrice(address)).wait();
      console.log(
        `${symbol.padEnd(5)} ${fmtWad(price).padStart(14)} USD  ${PRICE_STATUS[Number(status)].padEnd(15)} gas ${receipt!.gasUsed}`,
      );
    }
  });

task("keeper:accrue", "Accrues each collateral's stability fee and mints it to the reserve")
  .addOptionalParam("collateral", "one collateral symbol; default: all")
  .setAction(async (args, hre) => {
    const vm = await hre.ethers.getContractAt("VaultManager", (await hre.deployments.get("VaultManager")).address);
    const config = networkConfig(hre.network.name);
    for (const [symbol, c] of Object.entries(config.collaterals)) {
      if (args.collateral && args.collateral !== symbol) continue;
      const token = await resolveAddress(hre, c.token, `${symbol}.token`);
      const pending = await vm.pendingFees(token);
      const receipt = await (await vm.accrue(token)).wait();
      console.log(
        `${symbol.padEnd(5)} minted ${fmtWad(pending, 6)} BDOL of fees to the reserve (gas ${receipt!.gasUsed})`,
      );
    }
  });

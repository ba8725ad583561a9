/**
 * Keeper chores (the bot, `npx hardhat keeper`, does these and more):
 *   npx hardhat keeper:record [--asset WETH]        record each priced asset's latest feed round in the oracle
 *   npx hardhat keeper:accrue [--collateral WETH]   accrue interest and mint it to the reserve
 * Symbols in any case; an unknown one is refused with the choices.
 */
import { task } from "hardhat/config";
import { fmtWad, priceStatusName } from "../lib/sdk";
import { cliAction, openSession } from "../lib/sdk/hardhat";

task("keeper:record", "Records the latest feed round of each asset in the oracle (keepers run it every round)")
  .addOptionalParam("asset", "one priced asset's symbol; default: all")
  .setAction((args, hre) =>
    cliAction(hre, "keeper:record", async () => {
      const s = await openSession(hre);
      const { pricedAsset, pricedAssets } = await import("../lib/sdk/dev");
      const assets = args.asset ? [await pricedAsset(s.ballast, args.asset)] : await pricedAssets(s.ballast);
      for (const { asset, symbol } of assets) {
        const [price, status] = await s.ballast.oracle.recordPrice.staticCall(asset);
        const receipt = await s.send(s.ballast.oracle.recordPrice, [asset]);
        console.log(
          `${symbol.padEnd(5)} ${fmtWad(price).padStart(14)} USD  ${priceStatusName(status).padEnd(15)} gas ${receipt.gasUsed}`,
        );
      }
    }),
  );

task("keeper:accrue", "Accrues each collateral's stability fee and mints it to the reserve")
  .addOptionalParam("collateral", "one collateral symbol; default: all")
  .setAction((args, hre) =>
    cliAction(hre, "keeper:accrue", async () => {
      const s = await openSession(hre);
      const registry = await s.ballast.collaterals();
      const list = args.collateral ? [registry.get(args.collateral)] : registry.list;
      for (const c of list) {
        const pending = await s.ballast.vaultManager.pendingFees(c.address);
        const receipt = await s.send(s.ballast.vaultManager.accrue, [c.address]);
        console.log(
          `${c.symbol.padEnd(5)} minted ${fmtWad(pending, 6)} BDOL of fees to the reserve (gas ${receipt.gasUsed})`,
        );
      }
    }),
  );

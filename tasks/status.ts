/**
 * Observer: `npx hardhat status [--network localhost]` prints the system's state through the lens:
 * per collateral the price and its status, collateral, debt, utilisation of the ceiling, parameters
 * and debt under auction; the reserve (value, ratio, buffer, surplus, deficit, composition); and
 * the stablecoin's supply identity.
 */
import { task } from "hardhat/config";
import { cliAction, deploymentAddresses } from "../lib/sdk/hardhat";
import { table, toJson } from "../lib/sdk";
import { contracts, printCollaterals, printReserve, printSupply, statusData } from "../scripts/lib/status";

task("status", "Prints the protocol's collaterals, reserve, auctions and supply")
  .addFlag("json", "print JSON (integers as decimal strings: wad, ray, token units)")
  .setAction((args, hre) =>
    cliAction(hre, "status", async () => {
      const c = await contracts(hre);
      if (args.json) {
        const data = await statusData(c);
        console.log(toJson(data));
        return data;
      }
      await printCollaterals(hre, c);
      await printReserve(hre, c);
      await printSupply(c);
    }),
  );

task("deployments:list", "Lists this network's deployments: name and address (what cast and other tools need)")
  .addFlag("json", "print JSON: { name: address }")
  .setAction((args, hre) =>
    cliAction(hre, "deployments:list", async () => {
      const addresses = await deploymentAddresses(hre);
      if (args.json) console.log(toJson(addresses));
      else
        table(
          `Deployments on ${hre.network.name}`,
          Object.entries(addresses).map(([name, address]) => ({ name, address })),
        );
      return addresses;
    }),
  );

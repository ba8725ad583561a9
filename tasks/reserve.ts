/**
 * Observer and keeper: the reserve.
 *   npx hardhat reserve:status     value, ratio, buffer, surplus, deficit, composition, the risk controller's
 *                                  parameters, breakers and reserve target, the PSM, BDOL's market and the
 *                                  peg keeper, liquidity and strategies
 *   npx hardhat reserve:rebalance  anyone: moves USDC toward the liquid target (ReservePool.rebalance)
 */
import { task } from "hardhat/config";
import {
  contracts,
  decimalsOf,
  printMarket,
  printPsm,
  printReserve,
  printRisk,
  printStrategies,
  reserveData,
} from "../scripts/lib/status";
import { fmtWad, toJson } from "../lib/sdk";
import { cliAction } from "../lib/sdk/hardhat";

task(
  "reserve:status",
  "Prints the reserve: value, ratios, buffer, deficit, composition, controller and breakers, PSM, liquidity, strategies",
)
  .addFlag("json", "print JSON (integers as decimal strings: wad, ray, token units)")
  .setAction((args, hre) =>
    cliAction(hre, "reserve:status", async () => {
      const c = await contracts(hre);
      if (args.json) {
        const data = await reserveData(c);
        console.log(toJson(data));
        return data;
      }
      await printReserve(hre, c);
      await printRisk(hre, c);
      await printPsm(hre, c);
      await printMarket(hre, c);
      await printStrategies(hre, c);
    }),
  );

task("reserve:rebalance", "Moves the reserve's USDC toward its liquid target (anyone may)").setAction((_args, hre) =>
  cliAction(hre, "reserve:rebalance", async () => {
    const c = await contracts(hre);
    const [signer] = await hre.ethers.getSigners();
    const reserve = c.reserve.connect(signer);
    const [deposited, withdrawn] = await reserve.rebalance.staticCall();
    const d = c.psm ? await decimalsOf(c, await c.psm.stable()) : 18;
    if (deposited === 0n && withdrawn === 0n) {
      if ((await reserve.availableRebalance()) === 0n) {
        const max = fmtWad(await reserve.maxRebalance(), 2, d);
        const hours = Number(await reserve.rebalanceInterval()) / 3600;
        console.log(
          `nothing to move now: the rebalance limit (${max} per ${hours} h) is used up; it refills over the interval`,
        );
      } else {
        console.log(
          "nothing to move: the reserve's liquid USDC is at its target (or the strategies are full or failing)",
        );
      }
      return { deposited, withdrawn };
    }
    const receipt = await (await reserve.rebalance()).wait();
    console.log(
      `rebalanced: ${fmtWad(deposited, 2, d)} into strategies, ${fmtWad(withdrawn, 2, d)} out of them (tx ${receipt!.hash})`,
    );
    return { deposited, withdrawn };
  }),
);

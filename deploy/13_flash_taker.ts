import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";

/**
 * FlashTaker: a keeper's tool, not a protocol contract — it holds nothing between transactions, has
 * no owner and no role; the keeper bot finds it here (`keeper --flash`). Deployed once per engine
 * and PSM.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const [engine, psm] = await Promise.all(["LiquidationEngine", "PegStabilityModule"].map((n) => deployments.get(n)));
  await deployments.deploy("FlashTaker", {
    from: deployer,
    args: [engine.address, psm.address],
    log: !networkConfig(network.name).local,
  });
};

func.id = "13_flash_taker";
func.tags = ["FlashTaker"];
func.dependencies = ["LiquidationEngine", "PegStabilityModule", "Market"];
export default func;

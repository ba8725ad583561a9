import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";

/** The read-only lens over the vault manager, the engine, the reserve and the oracle. */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const { local } = networkConfig(network.name);
  const [vm, engine] = await Promise.all(["VaultManager", "LiquidationEngine"].map((n) => deployments.get(n)));
  await deployments.deploy("ReserveLens", {
    from: deployer,
    skipIfAlreadyDeployed: true,
    args: [vm.address, engine.address],
    log: !local,
  });
};

func.id = "06_lens";
func.tags = ["ReserveLens"];
func.dependencies = ["LiquidationEngine"];
export default func;

import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";

/**
 * The read-only lens over the vault manager, the engine, the reserve, the oracle and the risk
 * controller. It holds no state and no role, so it is redeployed whenever its code changes.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const { local } = networkConfig(network.name);
  const [vm, engine, controller] = await Promise.all(
    ["VaultManager", "LiquidationEngine", "RiskController"].map((n) => deployments.get(n)),
  );
  await deployments.deploy("ReserveLens", {
    from: deployer,
    args: [vm.address, engine.address, controller.address],
    log: !local,
  });
};

func.id = "11_lens";
func.tags = ["ReserveLens"];
func.dependencies = ["LiquidationEngine", "RiskController"];
export default func;

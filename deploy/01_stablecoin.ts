import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";

const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const { stablecoin, local } = networkConfig(network.name);
  await deployments.deploy("BallastDollar", {
    skipIfAlreadyDeployed: true,
    from: deployer,
    args: [stablecoin.name, stablecoin.symbol, deployer],
    log: !local,
  });
};

func.id = "01_stablecoin";
func.tags = ["BallastDollar"];
export default func;

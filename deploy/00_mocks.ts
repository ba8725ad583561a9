import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";

/** Test tokens (local networks and testnets) and Chainlink-style mock feeds (local networks). */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const log = !config.local;

  for (const [name, t] of Object.entries(config.testTokens)) {
    await deployments.deploy(name, {
      skipIfAlreadyDeployed: true,
      contract: "MockERC20",
      from: deployer,
      args: [t.name, t.symbol, t.decimals],
      log,
    });
  }
  for (const [name, f] of Object.entries(config.mockFeeds)) {
    await deployments.deploy(name, {
      skipIfAlreadyDeployed: true,
      contract: "MockAggregator",
      from: deployer,
      args: [f.decimals, f.description, f.answer],
      log,
    });
  }
};

func.id = "00_mocks";
func.tags = ["Mocks"];
export default func;

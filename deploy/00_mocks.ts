import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress } from "../scripts/lib/deploy";

/**
 * Test tokens (local networks and testnets), Chainlink-style mock feeds and mock ERC-4626 strategies
 * over a test token (local networks).
 */
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
  for (const [name, s] of Object.entries(config.mockStrategies)) {
    const asset = await resolveAddress(hre, s.asset, `mockStrategies.${name}.asset`);
    await deployments.deploy(name, {
      skipIfAlreadyDeployed: true,
      contract: "MockERC4626Strategy",
      from: deployer,
      args: [asset, s.name, s.symbol],
      log,
    });
  }
};

func.id = "00_mocks";
func.tags = ["Mocks"];
export default func;

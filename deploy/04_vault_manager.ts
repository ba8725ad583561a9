import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent, requireAdmin } from "../scripts/lib/deploy";

/** The vault manager, its collaterals from the network config, and its minting right. */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const log = !config.local;

  const [bdol, oracle, reserve] = await Promise.all(
    ["BallastDollar", "OracleAdapter", "ReservePool"].map((n) => deployments.get(n)),
  );
  const vm = await deployments.deploy("VaultManager", {
    skipIfAlreadyDeployed: true,
    from: deployer,
    args: [bdol.address, oracle.address, reserve.address, deployer],
    log,
  });

  for (const [symbol, c] of Object.entries(config.collaterals)) {
    const token = await resolveAddress(hre, c.token, `collaterals.${symbol}.token`);
    const current = await deployments.read("VaultManager", "collateralConfig", token);
    if (current.enabled) continue;
    await requireAdmin(hre, "VaultManager", `VaultManager.addCollateral(${symbol})`);
    await deployments.execute("VaultManager", { from: deployer, log }, "addCollateral", token, {
      oracleAsset: token,
      debtCeiling: c.debtCeiling,
      minDebt: c.minDebt,
      liquidationRatio: c.liquidationRatio,
      borrowRatio: c.borrowRatio,
      liquidationPenalty: c.liquidationPenalty,
      stabilityFee: c.stabilityFee,
    });
  }

  await setIfDifferent(hre, "BallastDollar", { name: "isModule", args: [vm.address] }, true, "setModule", [
    vm.address,
    true,
  ]);
};

func.id = "04_vault_manager";
func.tags = ["VaultManager"];
func.dependencies = ["BallastDollar", "ReservePool", "OracleAdapter"];
export default func;

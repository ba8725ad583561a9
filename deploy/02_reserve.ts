import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { setIfDifferent } from "../scripts/lib/deploy";

/** The reserve pool (buffer and recovery shares, savings margin from the config), then the stablecoin's flash-fee settings pointing at it. */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const { stablecoin, local, reserve: reserveConfig } = networkConfig(network.name);
  const bdol = await deployments.get("BallastDollar");
  const reserve = await deployments.deploy("ReservePool", {
    skipIfAlreadyDeployed: true,
    from: deployer,
    args: [bdol.address, deployer, reserveConfig.bufferShare],
    log: !local,
  });

  await setIfDifferent(hre, "ReservePool", { name: "bufferShare" }, reserveConfig.bufferShare, "setBufferShare", [
    reserveConfig.bufferShare,
  ]);
  await setIfDifferent(hre, "ReservePool", { name: "recoveryShare" }, reserveConfig.recoveryShare, "setRecoveryShare", [
    reserveConfig.recoveryShare,
  ]);
  await setIfDifferent(hre, "ReservePool", { name: "savingsMargin" }, reserveConfig.savingsMargin, "setSavingsMargin", [
    reserveConfig.savingsMargin,
  ]);
  await setIfDifferent(hre, "BallastDollar", { name: "feeRecipient" }, reserve.address, "setFeeRecipient", [
    reserve.address,
  ]);
  await setIfDifferent(hre, "BallastDollar", { name: "flashFeeRate" }, stablecoin.flashFeeRate, "setFlashFeeRate", [
    stablecoin.flashFeeRate,
  ]);
  await setIfDifferent(hre, "BallastDollar", { name: "flashMintMax" }, stablecoin.flashMintMax, "setFlashMintMax", [
    stablecoin.flashMintMax,
  ]);
};

func.id = "02_reserve";
func.tags = ["ReservePool"];
func.dependencies = ["BallastDollar"];
export default func;

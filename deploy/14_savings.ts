import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { requireAdmin, resolveAddress, setIfDifferent, toBigInt } from "../scripts/lib/deploy";

/**
 * sBDOL, the savings vault: deployed over the stablecoin and the reserve, and made the reserve's
 * savings vault (ReservePool.savings: the only caller its surplus pays interest to). Its rate starts
 * at 0 %; the risk controller sets it (RISK_CONTROL_ROLE, granted here). Then the controller's reserve
 * arm: the reserve's risk controller (it sets the target and is paid by the poke) and the arm's rules. The guardian's pause role and the timelock's admin come with the hand-over (99_handover).
 * Re-runnable.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const [bdol, reserve] = await Promise.all(["BallastDollar", "ReservePool"].map((n) => deployments.get(n)));
  const savings = await deployments.deploy("SavingsBdol", {
    from: deployer,
    skipIfAlreadyDeployed: true,
    args: [bdol.address, reserve.address, deployer],
    log: !config.local,
  });
  await setIfDifferent(hre, "ReservePool", { name: "savings" }, savings.address, "setSavings", [savings.address]);
  // The rate setter: the risk controller's savings arm.
  const controller = await deployments.get("RiskController");
  const role = await deployments.read("SavingsBdol", "RISK_CONTROL_ROLE");
  if (!(await deployments.read("SavingsBdol", "hasRole", role, controller.address))) {
    await requireAdmin(hre, "SavingsBdol", `SavingsBdol.grantRole(RISK_CONTROL_ROLE, ${controller.address})`);
    await deployments.execute(
      "SavingsBdol",
      { from: deployer, log: !config.local },
      "grantRole",
      role,
      controller.address,
    );
  }
  // The controller's reserve arm: the reserve takes its target and pays its poke; its rules from the config.
  await setIfDifferent(hre, "ReservePool", { name: "riskController" }, controller.address, "setRiskController", [
    controller.address,
  ]);
  const arm = config.risk.reserveArm;
  const rules: Record<string, string | bigint | number> = {
    reserve: reserve.address,
    baseSavingsRate: arm.baseSavingsRate,
    savings: savings.address,
    pokeGas: arm.pokeGas,
    maxPokeReward: arm.maxPokeReward,
    gasAsset: await resolveAddress(hre, config.liquidation.nativeAsset, "liquidation.nativeAsset"),
    maxPokeRewardPerDay: arm.maxPokeRewardPerDay,
    maxSavingsRate: arm.maxSavingsRate,
    savingsRateStep: arm.savingsRateStep,
    capBelowTarget: arm.capBelowTarget,
    stableStress: arm.stableStress,
  };
  const current = await deployments.read("RiskController", "reserveRules");
  const inForce = Object.entries(rules).every(([key, v]) =>
    typeof v === "string"
      ? String(current[key]).toLowerCase() === v.toLowerCase()
      : toBigInt(current[key]) === BigInt(v),
  );
  if (!inForce) {
    await requireAdmin(hre, "RiskController", "RiskController.setReserveRules(…)");
    await deployments.execute("RiskController", { from: deployer, log: !config.local }, "setReserveRules", rules);
  }
};

func.id = "14_savings";
func.tags = ["SavingsBdol"];
func.dependencies = ["ReservePool", "RiskController"];
export default func;

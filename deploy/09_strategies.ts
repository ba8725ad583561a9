import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { requireAdmin, resolveAddress, setIfDifferent, toBigInt } from "../scripts/lib/deploy";

/**
 * The reserve's ERC-4626 strategies for the PSM's stable asset, from the config: each vault is
 * registered (or its cap updated) in the config's order; then the liquid target, the rebalance
 * interval and the rebalance limit per interval. Re-runnable: nothing already in force is sent again.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const opts = { from: deployer, log: !config.local };

  const registered = (await deployments.read("ReservePool", "strategies")) as { vault: string; cap: unknown }[];
  for (const [i, s] of config.reserveStrategies.entries()) {
    const vault = await resolveAddress(hre, s.vault, `reserveStrategies[${i}].vault`);
    const current = registered.find((r) => r.vault.toLowerCase() === vault.toLowerCase());
    if (!current) {
      await requireAdmin(hre, "ReservePool", `ReservePool.addStrategy(${vault}, ${s.cap})`);
      await deployments.execute("ReservePool", opts, "addStrategy", vault, s.cap);
    } else if (toBigInt(current.cap) !== s.cap) {
      await requireAdmin(hre, "ReservePool", `ReservePool.setStrategyCap(${vault}, ${s.cap})`);
      await deployments.execute("ReservePool", opts, "setStrategyCap", vault, s.cap);
    }
  }
  const r = config.reserve;
  await setIfDifferent(hre, "ReservePool", { name: "liquidTarget" }, r.liquidTarget, "setLiquidTarget", [
    r.liquidTarget,
  ]);
  await setIfDifferent(
    hre,
    "ReservePool",
    { name: "rebalanceInterval" },
    BigInt(r.rebalanceInterval),
    "setRebalanceInterval",
    [r.rebalanceInterval],
  );
  await setIfDifferent(hre, "ReservePool", { name: "maxRebalance" }, r.maxRebalance, "setMaxRebalance", [
    r.maxRebalance,
  ]);
};

func.id = "09_strategies";
func.tags = ["ReserveStrategies"];
func.dependencies = ["Mocks", "ReservePool", "PegStabilityModule"];
export default func;

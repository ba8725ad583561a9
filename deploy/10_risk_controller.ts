import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { requireAdmin, resolveAddress, toBigInt } from "../scripts/lib/deploy";

/**
 * The risk controller: its system rules, its peg controller and each collateral's rules from the
 * config, and the vault manager's RISK_CONTROL_ROLE (the one right it needs: set fees, borrow ratios
 * and halts). Struct-valued rules are compared field by field, so a re-run with the same config sends
 * nothing, and a changed value after the handover stops with the usual "use a proposal" message.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const r = config.risk;
  const vm = await deployments.get("VaultManager");
  const system = {
    pokeInterval: r.pokeInterval,
    priceWindow: r.priceWindow,
    slowWindow: r.slowWindow,
    coolDown: r.coolDown,
    varHorizon: r.varHorizon,
    criticalCollateralRatio: r.criticalCollateralRatio,
    varConfidence: r.varConfidence,
  };
  const controller = await deployments.deploy("RiskController", {
    from: deployer,
    skipIfAlreadyDeployed: true,
    args: [vm.address, deployer, system],
    log: !config.local,
  });

  const opts = { from: deployer, log: !config.local, estimateGasExtra: 10_000 };
  /** Sends `setter(...prefix, value)` when the struct read by `getter(...prefix)` differs from `value`. */
  const setStruct = async (getter: string, setter: string, value: Record<string, unknown>, prefix: unknown[] = []) => {
    const current = await deployments.read("RiskController", getter, ...prefix);
    const differs = Object.entries(value).some(([key, v]) =>
      typeof v === "string"
        ? String(current[key]).toLowerCase() !== v.toLowerCase()
        : toBigInt(current[key]) !== BigInt(v as bigint),
    );
    if (!differs) return;
    const change = `RiskController.${setter}(${[...prefix, JSON.stringify(value, (_, x) => (typeof x === "bigint" ? x.toString() : x))].join(", ")})`;
    await requireAdmin(hre, "RiskController", change);
    await deployments.execute("RiskController", opts, setter, ...prefix, value);
  };

  await setStruct("systemRules", "setSystemRules", system);
  const { pegAsset, ...gains } = r.peg;
  let pegAddress = "0x0000000000000000000000000000000000000000";
  if (pegAsset !== undefined) {
    const priced = config.pricedAssets[pegAsset];
    if (!priced) throw new Error(`risk.peg.pegAsset "${pegAsset}" is not an entry of pricedAssets`);
    pegAddress = await resolveAddress(hre, priced.token, `pricedAssets.${pegAsset}.token`);
  }
  await setStruct("pegRules", "setPegRules", { pegAsset: pegAddress, ...gains });
  for (const [symbol, c] of Object.entries(config.collaterals)) {
    const token = await resolveAddress(hre, c.token, `collaterals.${symbol}.token`);
    await setStruct("collateralRules", "setCollateralRules", { ...c.control }, [token]);
  }

  const role = await deployments.read("VaultManager", "RISK_CONTROL_ROLE");
  if (!(await deployments.read("VaultManager", "hasRole", role, controller.address))) {
    await requireAdmin(hre, "VaultManager", `VaultManager.grantRole(RISK_CONTROL_ROLE, ${controller.address})`);
    await deployments.execute("VaultManager", opts, "grantRole", role, controller.address);
  }
};

func.id = "10_risk_controller";
func.tags = ["RiskController"];
func.dependencies = ["VaultManager", "OracleAdapter"];
export default func;

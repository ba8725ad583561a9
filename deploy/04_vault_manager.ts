import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent, requireAdmin, toBigInt } from "../scripts/lib/deploy";
import { findRevertData } from "../lib/sdk";
import { contractAt } from "../lib/sdk/hardhat";

/**
 * The vault manager, its collaterals from the network config, and its minting right. A re-run on a
 * network where a collateral is already registered brings its governed parameters to the config:
 * debt ceiling and minimum debt at once; liquidation ratio and penalty, which the vault manager
 * moves by at most one step a day (StepTooLarge, StepTooSoon), one step per run toward the config
 * value, saying how many remain and when the next is allowed (a re-run before then stops with that
 * date). The borrow ratio and the stability fee are the risk controller's to move after
 * registration, so the config's values are initial only. After the governance handover every change
 * stops with the `gov:propose` hint (requireAdmin).
 */
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
    if (!current.enabled) {
      await requireAdmin(hre, "VaultManager", `VaultManager.addCollateral(${symbol})`);
      await deployments.execute("VaultManager", { from: deployer, log }, "addCollateral", token, {
        oracleAsset: await resolveAddress(hre, c.oracleAsset, `collaterals.${symbol}.oracleAsset`),
        debtCeiling: c.debtCeiling,
        minDebt: c.minDebt,
        liquidationRatio: c.liquidationRatio,
        borrowRatio: c.borrowRatio,
        liquidationPenalty: c.liquidationPenalty,
        stabilityFee: c.stabilityFee,
      });
      continue;
    }
    // Re-run on a live network: bring each governed parameter to the config's value.
    const field = (name: string) => ({ name: "collateralConfig", args: [token], field: name });
    await setIfDifferent(hre, "VaultManager", field("debtCeiling"), c.debtCeiling, "setDebtCeiling", [
      token,
      c.debtCeiling,
    ]);
    await setIfDifferent(hre, "VaultManager", field("minDebt"), c.minDebt, "setMinDebt", [token, c.minDebt]);
    await stepToward(hre, symbol, token, "setLiquidationRatio", toBigInt(current.liquidationRatio), c.liquidationRatio);
    await stepToward(
      hre,
      symbol,
      token,
      "setLiquidationPenalty",
      toBigInt(current.liquidationPenalty),
      c.liquidationPenalty,
    );
  }

  await setIfDifferent(hre, "BallastDollar", { name: "isModule", args: [vm.address] }, true, "setModule", [
    vm.address,
    true,
  ]);
};

/**
 * Moves a stepped parameter (`setLiquidationRatio`, `setLiquidationPenalty`) of `token` from
 * `current` toward `wanted`: all the way when one step allows it, else by the vault manager's
 * maximum step (read from its StepTooLarge refusal of the whole move, so no bound is copied here),
 * with a warning naming the steps left. Each move is first simulated from the deployer: a step not
 * allowed yet (StepTooSoon) stops the deploy with the time it becomes allowed; any other refusal
 * (a value out of its bounds, a liquidation ratio above the borrow ratio, a penalty below the
 * keeper reward cap) stops it at once with the error's name and arguments.
 */
async function stepToward(
  hre: HardhatRuntimeEnvironment,
  symbol: string,
  token: string,
  setter: "setLiquidationRatio" | "setLiquidationPenalty",
  current: bigint,
  wanted: bigint,
): Promise<void> {
  if (current === wanted) return;
  const { deployments, network } = hre;
  const { deployer } = await hre.getNamedAccounts();
  await requireAdmin(hre, "VaultManager", `VaultManager.${setter}(${symbol}, ${wanted})`);
  const vm = await contractAt(hre, "VaultManager", "VaultManager");
  // The vault manager's refusal of `value`, decoded (name and arguments), or undefined if it accepts.
  const refusal = async (value: bigint) => {
    try {
      await vm[setter].staticCall(token, value, { from: deployer });
      return undefined;
    } catch (e) {
      const data = findRevertData(e);
      const parsed = data ? vm.interface.parseError(data) : null;
      if (!parsed) throw e;
      return parsed;
    }
  };
  let next = wanted;
  let maxStep: bigint | undefined;
  let refused = await refusal(next);
  if (refused?.name === "StepTooLarge") {
    maxStep = toBigInt(refused.args[2]);
    next = wanted > current ? current + maxStep : current - maxStep;
    refused = await refusal(next);
  }
  const what = `VaultManager.${setter}(${symbol}): ${current} on ${network.name}, ${wanted} in config/networks.ts`;
  if (refused?.name === "StepTooSoon") {
    const at = toBigInt(refused.args[0]);
    throw new Error(
      `${what}: the next step (to ${next}) is allowed from ${new Date(Number(at) * 1000).toISOString()} ` +
        `(timestamp ${at}; one step a day): re-run the deploy then`,
    );
  }
  if (refused) {
    throw new Error(
      `${what}: the step to ${next} is refused with ${refused.name}(${refused.args.map(String).join(", ")})`,
    );
  }
  await deployments.execute(
    "VaultManager",
    { from: deployer, log: !networkConfig(network.name).local },
    setter,
    token,
    next,
  );
  if (next !== wanted && maxStep !== undefined) {
    const left = ((wanted > next ? wanted - next : next - wanted) + maxStep - 1n) / maxStep;
    console.warn(
      `04_vault_manager: ${what}: moved one step (at most ${maxStep}) to ${next}; ${left} more step(s), ` +
        "one a day: re-run the deploy after a day for the next",
    );
  }
}

func.id = "04_vault_manager";
func.tags = ["VaultManager"];
func.dependencies = ["BallastDollar", "ReservePool", "OracleAdapter"];
export default func;

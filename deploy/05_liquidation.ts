import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent, toBigInt, requireAdmin } from "../scripts/lib/deploy";

/**
 * The liquidation engine: auction parameters per collateral, keeper pay and the total auction
 * limit from the config; then the wiring — the vault manager and the reserve learn the engine, and
 * the engine and the reserve get their minting right (the engine burns what takers pay and mints
 * penalties to the reserve; the reserve burns to absorb and heal, and mints keeper pay it lacks).
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const log = !config.local;
  const opts = { from: deployer, log };

  const [vm, reserve] = await Promise.all(["VaultManager", "ReservePool"].map((n) => deployments.get(n)));
  const engine = await deployments.deploy("LiquidationEngine", {
    skipIfAlreadyDeployed: true,
    ...opts,
    args: [vm.address, reserve.address, deployer],
  });

  for (const [symbol, c] of Object.entries(config.collaterals)) {
    const token = await resolveAddress(hre, c.token, `collaterals.${symbol}.token`);
    const state = await deployments.read("LiquidationEngine", "collateralState", token);
    const a = c.auction;
    if (!state.enabled) {
      await requireAdmin(hre, "LiquidationEngine", `LiquidationEngine.configureCollateral(${symbol})`);
      await deployments.execute("LiquidationEngine", opts, "configureCollateral", token, a);
      continue;
    }
    // Re-run on a live network: bring each parameter to the config's value.
    const p = state.params;
    const setters: [string, unknown, bigint][] = [
      ["setStartMultiplier", p.startMultiplier, a.startMultiplier],
      ["setFloorRatio", p.floorRatio, a.floorRatio],
      ["setAuctionDuration", p.duration, BigInt(a.duration)],
      ["setMaxAuctionAge", p.maxAge, BigInt(a.maxAge)],
      ["setMaxAuctionDebt", p.maxAuctionDebt, a.maxAuctionDebt],
      ["setAuctionDust", p.dust, a.dust],
    ];
    for (const [setter, current, wanted] of setters) {
      if (toBigInt(current) === wanted) continue;
      await requireAdmin(hre, "LiquidationEngine", `LiquidationEngine.${setter}(${symbol}, ${wanted})`);
      await deployments.execute("LiquidationEngine", opts, setter, token, wanted);
    }
  }

  const l = config.liquidation;
  const set = (getter: string, value: bigint | string, setter: string, field?: string) =>
    setIfDifferent(hre, "LiquidationEngine", { name: getter, field }, value, setter, [value]);
  await set("maxTotalAuctionDebt", l.maxTotalAuctionDebt, "setMaxTotalAuctionDebt");
  await set("keeperRewardParams", BigInt(l.tipGas), "setTipGas", "tipGas");
  await set("keeperRewardParams", BigInt(l.redoGas), "setRedoGas", "redoGas");
  await set("keeperRewardParams", l.maxTip, "setMaxTip", "maxTip");
  await set("keeperRewardParams", l.keeperFee, "setKeeperFee", "keeperFee");
  await set("keeperRewardParams", l.maxRewardShare, "setMaxRewardShare", "maxRewardShare");
  await set("nativeAsset", await resolveAddress(hre, l.nativeAsset, "liquidation.nativeAsset"), "setNativeAsset");

  await setIfDifferent(hre, "VaultManager", { name: "liquidationEngine" }, engine.address, "setLiquidationEngine", [
    engine.address,
  ]);
  await setIfDifferent(hre, "ReservePool", { name: "vaultManager" }, vm.address, "setVaultManager", [vm.address]);
  await setIfDifferent(hre, "ReservePool", { name: "liquidationEngine" }, engine.address, "setLiquidationEngine", [
    engine.address,
  ]);
  for (const module of [engine.address, reserve.address]) {
    await setIfDifferent(hre, "BallastDollar", { name: "isModule", args: [module] }, true, "setModule", [module, true]);
  }
};

func.id = "05_liquidation";
func.tags = ["LiquidationEngine"];
func.dependencies = ["VaultManager", "ReservePool"];
export default func;

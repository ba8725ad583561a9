import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent } from "../scripts/lib/deploy";

/**
 * The peg stability module: its fees, ceiling, outflow bucket and depeg tolerance from the config;
 * its minting right; the reserve learns it (holds its stable asset, releases it for redemptions).
 * The module copies the oracle adapter's feed settings for its stable asset when it is deployed
 * (03_oracle runs first); a re-run that finds the adapter configured otherwise says so, because the
 * module then asks the adapter on every swap (and stops minting if its copied feed stops).
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const p = config.psm;
  const [bdol, oracle, reserve] = await Promise.all(
    ["BallastDollar", "OracleAdapter", "ReservePool"].map((n) => deployments.get(n)),
  );
  const stable = await resolveAddress(hre, p.stable, "psm.stable");
  const psm = await deployments.deploy("PegStabilityModule", {
    from: deployer,
    skipIfAlreadyDeployed: true,
    args: [bdol.address, stable, oracle.address, reserve.address, deployer],
    log: !config.local,
  });

  const set = (getter: string, value: bigint, setter: string) =>
    setIfDifferent(hre, "PegStabilityModule", { name: getter }, value, setter, [value]);
  await set("feeIn", p.feeIn, "setFeeIn");
  await set("feeOut", p.feeOut, "setFeeOut");
  await set("mintCeiling", p.mintCeiling, "setMintCeiling");
  await set("outflowWindow", BigInt(p.outflowWindow), "setOutflowWindow");
  await set("outflowLimit", p.outflowLimit, "setOutflowLimit");
  await set("depegTolerance", p.depegTolerance, "setDepegTolerance");

  await setIfDifferent(hre, "BallastDollar", { name: "isModule", args: [psm.address] }, true, "setModule", [
    psm.address,
    true,
  ]);
  await setIfDifferent(hre, "ReservePool", { name: "pegStabilityModule" }, psm.address, "setPegStabilityModule", [
    psm.address,
  ]);

  const copied = await deployments.read("PegStabilityModule", "stableFeed");
  const adapter = await deployments.read("OracleAdapter", "feedConfig", stable);
  const inForce = [adapter.primaryFeed, adapter.primaryDecimals, adapter.heartbeat, adapter.minPrice, adapter.maxPrice];
  if (inForce.some((v, i) => String(v).toLowerCase() !== String(copied[i]).toLowerCase())) {
    console.warn(
      `08_psm: OracleAdapter's feed settings for ${stable} differ from those PegStabilityModule copied at deployment ` +
        `(${copied.map(String).join(", ")}): it asks the adapter on every swap, and stops minting if its feed stops; ` +
        "deploy a new module to follow the new settings",
    );
  }
};

func.id = "08_psm";
func.tags = ["PegStabilityModule"];
func.dependencies = ["ReservePool", "OracleAdapter"];
export default func;

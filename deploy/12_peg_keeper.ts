import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { requireAdmin, setIfDifferent, toBigInt } from "../scripts/lib/deploy";

/**
 * The peg keeper on the market price feed's pool: its rules and buy-back limit from the config, its
 * minting right, and the reserve's leave to pay for its buy-backs (ReservePool.pegKeeper).
 * The guardian's pause role comes with the hand-over (99_handover). Re-runnable: rules in force and
 * the module right are left alone.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const k = config.market.pegKeeper;
  const rules = {
    debtCap: k.debtCap,
    maxPerUpdate: k.maxPerUpdate,
    band: k.band,
    maxSpread: k.maxSpread,
    callerShare: k.callerShare,
    interval: k.interval,
  };
  const [feed, oracle, reserve] = await Promise.all(
    ["MarketPriceFeed", "OracleAdapter", "ReservePool"].map((n) => deployments.get(n)),
  );
  const keeper = await deployments.deploy("PegKeeper", {
    from: deployer,
    skipIfAlreadyDeployed: true,
    args: [feed.address, oracle.address, reserve.address, deployer, rules],
    log: !config.local,
  });
  const current = await deployments.read("PegKeeper", "rules");
  const inForce = (Object.keys(rules) as (keyof typeof rules)[]).every(
    (key) => toBigInt(current[key]) === BigInt(rules[key]),
  );
  if (!inForce) {
    await requireAdmin(hre, "PegKeeper", "PegKeeper.setRules(…)");
    await deployments.execute("PegKeeper", { from: deployer, log: !config.local }, "setRules", rules);
  }
  await setIfDifferent(hre, "BallastDollar", { name: "isModule", args: [keeper.address] }, true, "setModule", [
    keeper.address,
    true,
  ]);
  // The reserve's buy-back: the reserve pays only this keeper, within the keeper's limit.
  await setIfDifferent(hre, "PegKeeper", { name: "buyBackLimit" }, k.buyBackLimit, "setBuyBackLimit", [k.buyBackLimit]);
  await setIfDifferent(hre, "ReservePool", { name: "pegKeeper" }, keeper.address, "setPegKeeper", [keeper.address]);
};

func.id = "12_peg_keeper";
func.tags = ["PegKeeper"];
func.dependencies = ["Market", "OracleAdapter", "ReservePool"];
export default func;

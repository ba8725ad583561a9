import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent } from "../scripts/lib/deploy";

/**
 * Governance: the token (whole supply to the treasury), the timelock and the governor, and the
 * governor's proposer and canceller rights on the timelock. The deployer is the timelock's admin
 * only until deploy/99_handover.ts, the last step, renounces it with every other role.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network, ethers } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const g = config.governance;
  const opts = { from: deployer, log: !config.local };

  const treasury = await resolveAddress(hre, g.treasury, "governance.treasury");
  const token = await deployments.deploy("GovernanceToken", {
    ...opts,
    args: [g.token.name, g.token.symbol, treasury, g.token.supply],
  });
  // Executors: address(0), i.e. anyone may execute a proposal once its delay has passed.
  const timelock = await deployments.deploy("Timelock", {
    ...opts,
    args: [g.timelockDelay, [], [ethers.ZeroAddress], deployer],
  });
  const governor = await deployments.deploy("BallastGovernor", {
    ...opts,
    args: [token.address, timelock.address, g.votingDelay, g.votingPeriod, g.proposalThreshold, g.quorumPercent],
  });

  for (const role of ["PROPOSER_ROLE", "CANCELLER_ROLE"]) {
    const id = await deployments.read("Timelock", role);
    if (!(await deployments.read("Timelock", "hasRole", id, governor.address))) {
      await deployments.execute("Timelock", opts, "grantRole", id, governor.address);
    }
  }

  await setIfDifferent(
    hre,
    "VaultManager",
    { name: "maxPauseDuration" },
    BigInt(g.maxPauseDuration),
    "setMaxPauseDuration",
    [g.maxPauseDuration],
  );

  if (config.local && g.selfDelegateTreasury && treasury === deployer) {
    const delegate = await deployments.read("GovernanceToken", "delegates", treasury);
    if (delegate === ethers.ZeroAddress) await deployments.execute("GovernanceToken", opts, "delegate", treasury);
  }
};

func.id = "07_governance";
func.tags = ["Governance"];
func.dependencies = ["VaultManager"];
export default func;

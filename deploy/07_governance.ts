import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress, setIfDifferent, toBigInt } from "../scripts/lib/deploy";

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

  // A guardian pause must outlast a whole governance cycle, so that a vote can renew it (or revoke a
  // captured guardian) before it lapses. The contracts enforce it too (GovernanceCycleTooLong, see
  // IBallastGovernor); this says so before anything is deployed.
  const cycle = g.votingDelay + g.votingPeriod + g.timelockDelay;
  if (g.maxPauseDuration <= cycle) {
    throw new Error(
      `config/networks.ts: governance.maxPauseDuration (${g.maxPauseDuration} s) must exceed voting delay + ` +
        `voting period + timelock delay (${cycle} s) on ${network.name}`,
    );
  }

  // First, while the vault manager knows no governor yet (it then checks nothing), so that the
  // governor's constructor, which checks its cycle against it, sees the configured value. On a re-run
  // the vault manager checks the value against the governor's cycle.
  await setIfDifferent(
    hre,
    "VaultManager",
    { name: "maxPauseDuration" },
    BigInt(g.maxPauseDuration),
    "setMaxPauseDuration",
    [g.maxPauseDuration],
  );

  // Never redeployed by a re-run (skipIfAlreadyDeployed): a new governor or timelock would hold no
  // power, a new token would mint a second supply. Settings that differ from the config are reported.
  const treasury = await resolveAddress(hre, g.treasury, "governance.treasury");
  const token = await deployments.deploy("GovernanceToken", {
    ...opts,
    skipIfAlreadyDeployed: true,
    args: [g.token.name, g.token.symbol, treasury, g.token.supply],
  });
  // Executors: address(0), i.e. anyone may execute a proposal once its delay has passed. Both know
  // the vault manager (deployed before them); it learns the governor below (no deployment cycle).
  const vaultManager = (await deployments.get("VaultManager")).address;
  const timelock = await deployments.deploy("Timelock", {
    ...opts,
    skipIfAlreadyDeployed: true,
    args: [g.timelockDelay, [], [ethers.ZeroAddress], deployer, vaultManager],
  });
  const governor = await deployments.deploy("BallastGovernor", {
    ...opts,
    skipIfAlreadyDeployed: true,
    args: [
      token.address,
      timelock.address,
      g.votingDelay,
      g.votingPeriod,
      g.proposalThreshold,
      g.quorumPercent,
      vaultManager,
    ],
  });

  const inForce: [string, unknown, bigint][] = [
    ["voting delay", await deployments.read("BallastGovernor", "votingDelay"), BigInt(g.votingDelay)],
    ["voting period", await deployments.read("BallastGovernor", "votingPeriod"), BigInt(g.votingPeriod)],
    ["proposal threshold", await deployments.read("BallastGovernor", "proposalThreshold"), g.proposalThreshold],
    ["quorum percent", await deployments.read("BallastGovernor", "quorumNumerator()"), BigInt(g.quorumPercent)],
    ["timelock delay", await deployments.read("Timelock", "getMinDelay"), BigInt(g.timelockDelay)],
  ];
  const differ = inForce.filter(([, current, wanted]) => toBigInt(current) !== wanted);
  if (differ.length > 0) {
    throw new Error(
      `governance settings on ${network.name} differ from config/networks.ts (${differ
        .map(([what, current, wanted]) => `${what}: ${String(current)} on chain, ${wanted} in the config`)
        .join("; ")}): only a proposal changes them (setVotingDelay, setVotingPeriod, setProposalThreshold, ` +
        `updateQuorumNumerator, Timelock.updateDelay)`,
    );
  }

  for (const role of ["PROPOSER_ROLE", "CANCELLER_ROLE"]) {
    const id = await deployments.read("Timelock", role);
    if (!(await deployments.read("Timelock", "hasRole", id, governor.address))) {
      await deployments.execute("Timelock", opts, "grantRole", id, governor.address);
    }
  }

  // From here on the vault manager, the governor and the timelock each refuse a change that would
  // make the governance cycle as long as a pause.
  await setIfDifferent(hre, "VaultManager", { name: "pauseGovernor" }, governor.address, "setPauseGovernor", [
    governor.address,
  ]);

  if (config.local && g.selfDelegateTreasury && treasury === deployer) {
    const delegate = await deployments.read("GovernanceToken", "delegates", treasury);
    if (delegate === ethers.ZeroAddress) await deployments.execute("GovernanceToken", opts, "delegate", treasury);
  }
};

func.id = "07_governance";
func.tags = ["Governance"];
func.dependencies = ["VaultManager"];
export default func;

import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig } from "../config/networks";
import { resolveAddress } from "../scripts/lib/deploy";
import { checkRoles, formatRoleReport } from "../scripts/lib/roles";
import { ADMIN_CONTRACTS, GUARDIAN_CONTRACTS } from "../lib/sdk";

const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);

/**
 * The last step: every admin and parameter role on every contract goes to the timelock, the
 * guardian gets its pause role on the vault manager and the peg keeper, and the deployer renounces everything it held
 * (its admin role on each contract and on the timelock). Then the post-deploy role check reads
 * every role of every contract and fails the deployment if anyone else holds one.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const opts = { from: deployer, log: !config.local };
  const timelock = (await deployments.get("Timelock")).address;
  const guardian = await resolveAddress(hre, config.governance.guardian, "governance.guardian");

  const guardianRole = await deployments.read("VaultManager", "GUARDIAN_ROLE");
  const grant = async (contract: string, role: string, account: string) => {
    if (!(await deployments.read(contract, "hasRole", role, account))) {
      await deployments.execute(contract, opts, "grantRole", role, account);
    }
  };
  // The guardian may pause risk-adding vault actions and the peg keeper's minting (the same role name).
  for (const contract of GUARDIAN_CONTRACTS) await grant(contract, guardianRole, guardian);
  for (const contract of ADMIN_CONTRACTS) {
    await grant(contract, DEFAULT_ADMIN_ROLE, timelock);
  }
  // Renounce only once the timelock holds each admin role (granted above), the timelock's own last.
  for (const contract of [...ADMIN_CONTRACTS, "Timelock"]) {
    if (await deployments.read(contract, "hasRole", DEFAULT_ADMIN_ROLE, deployer)) {
      await deployments.execute(contract, opts, "renounceRole", DEFAULT_ADMIN_ROLE, deployer);
    }
  }

  const report = await checkRoles(hre);
  if (!config.local) console.log(formatRoleReport(report));
  if (report.problems.length > 0) {
    throw new Error(`post-deploy role check failed:\n  ${report.problems.join("\n  ")}`);
  }
};

func.id = "99_handover";
func.tags = ["Handover"];
func.dependencies = [
  "VaultManager",
  "LiquidationEngine",
  "ReservePool",
  "PegStabilityModule",
  "ReserveStrategies",
  "RiskController",
  "Governance",
  "ReserveLens",
  "Market",
  "PegKeeper",
  "SavingsBdol",
];
export default func;

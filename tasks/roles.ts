import { task } from "hardhat/config";
import { UsageError } from "../lib/sdk";
import { cliAction, deploymentAddresses } from "../lib/sdk/hardhat";
import { checkRoles, formatRoleReport } from "../scripts/lib/roles";

// Observer / deployer: the post-deploy role check (also run by the last deploy step).
task("roles:check", "Reads every role of every contract and fails if anyone but the expected holder has one").setAction(
  (_args, hre) =>
    cliAction(hre, "roles:check", async () => {
      await deploymentAddresses(hre); // deploys in-process, or refuses a missing or stale deployment
      const report = await checkRoles(hre);
      console.log(formatRoleReport(report));
      if (report.problems.length > 0) {
        throw new UsageError(`role check failed on ${hre.network.name}: ${report.problems.length} problem(s)`);
      }
      return report;
    }),
);

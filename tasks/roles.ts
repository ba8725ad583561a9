import { task } from "hardhat/config";
import { checkRoles, formatRoleReport } from "../scripts/lib/roles";

// Observer / deployer: the post-deploy role check (also run by the last deploy step).
task("roles:check", "Reads every role of every contract and fails if anyone but the expected holder has one").setAction(
  async (_args, hre) => {
    const report = await checkRoles(hre);
    console.log(formatRoleReport(report));
    if (report.problems.length > 0) {
      process.exitCode = 1;
      throw new Error(`role check failed on ${hre.network.name}: ${report.problems.length} problem(s)`);
    }
    return report;
  },
);

import { existsSync, readFileSync, readdirSync } from "fs";
import path from "path";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** Where `npm run export` writes when no --out is given: exports/<network>.json. */
export const EXPORT_DIR = "exports";

/** hardhat-deploy's export format: one network's deployments by name. */
export interface DeploymentsExport {
  name: string;
  chainId: string;
  contracts: Record<string, { address: string; abi: unknown[] }>;
}

/** Reads a file written by hardhat-deploy's export (`.json`, or `.ts` as `export default … as const;`). */
export function readExport(file: string): DeploymentsExport {
  const text = readFileSync(file, "utf8");
  const json = file.endsWith(".ts") ? text.replace(/^export default /, "").replace(/ as const;\s*$/, "") : text;
  return JSON.parse(json) as DeploymentsExport;
}

/** The folder of `network`'s deployment records (BALLAST_DEPLOYMENTS_DIR moves the root). */
function recordsFolder(hre: HardhatRuntimeEnvironment): string {
  return path.join(hre.config.paths.deployments, hre.network.name);
}

function hasRecords(folder: string): boolean {
  return existsSync(path.join(folder, ".chainId")) && readdirSync(folder).some((f) => f.endsWith(".json"));
}

// Integrators: every deployment's address and ABI of one network in one file.
task(
  "deployments:export",
  "Writes every deployment's address and ABI on this network to one file (hardhat-deploy's export format)",
)
  .addOptionalParam("out", "File to write (.json, or .ts for an `as const` module); default exports/<network>.json")
  .addOptionalParam(
    "all",
    "Also write the records of every network in the deployments folder to this file (hardhat-deploy's --export-all)",
    undefined,
    types.string,
  )
  .setAction(async (args: { out?: string; all?: string }, hre): Promise<DeploymentsExport> => {
    const network = hre.network.name;
    const out = args.out ?? path.join(EXPORT_DIR, `${network}.json`);
    if (network === "hardhat") {
      // The in-process chain keeps nothing between runs: deploy the whole system first, as the tests do.
      await hre.deployments.fixture();
    } else {
      // Never deploys here: it exports the records a deploy wrote, which needs no connection to the chain.
      const folder = recordsFolder(hre);
      if (!hasRecords(folder)) {
        throw new HardhatPluginError(
          "deployments:export",
          `no deployment records for ${network} in ${folder}: deploy first (npx hardhat deploy --network ${network}), ` +
            `or check out the commit with that network's records`,
        );
      }
    }
    await hre.run("export", { export: out, exportAll: args.all });
    const written = readExport(out);
    const count = Object.keys(written.contracts).length;
    if (count === 0)
      throw new HardhatPluginError("deployments:export", `${out}: no deployment on ${network} to export`);
    console.log(`${out}: ${count} deployments on ${network} (chain ${written.chainId})`);
    if (args.all !== undefined) console.log(`${args.all}: every network with records, by chain id`);
    return written;
  });

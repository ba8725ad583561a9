import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { isLocalNetwork } from "../lib/sdk/hardhat";

/**
 * Runs before every other step. On a local node, deployment records whose contracts the node does
 * not have (left by a node that was restarted, or by the Hardhat node when anvil now runs, or the
 * reverse) would make the next steps read and call empty addresses. They are dropped, said so, and
 * the system is deployed afresh. On public networks a record without code stops the deployment.
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const all = await hre.deployments.all();
  const stale: string[] = [];
  for (const [name, d] of Object.entries(all)) {
    if ((await hre.ethers.provider.getCode(d.address)) === "0x") stale.push(name);
  }
  if (stale.length === 0) return;
  if (!isLocalNetwork(hre.network.name)) {
    throw new Error(
      `deployments/${hre.network.name} records contracts with no code on this chain: ${stale.join(", ")}. ` +
        `Check the RPC URL; to start over, move the folder away and deploy again.`,
    );
  }
  console.log(
    `deployments/${hre.network.name}: ${stale.length} record(s) point at contracts this node does not have ` +
      `(another node ran before this one); deploying afresh`,
  );
  for (const name of Object.keys(all)) await hre.deployments.delete(name);
};

func.id = "000_stale_records";
func.tags = ["StaleRecords"];
export default func;

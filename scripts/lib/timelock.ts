import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

/**
 * The Timelock as a signer, on the in-process network only: the benchmark and the simulator set
 * parameters directly (a scenario's setup), which after deploy/99_handover only the timelock may
 * do. Real networks go through a proposal (`gov:propose`); so does the demo.
 */
export async function impersonateTimelock(hre: HardhatRuntimeEnvironment): Promise<HardhatEthersSigner> {
  if (hre.network.name !== "hardhat") {
    throw new Error(`impersonating the timelock is for the in-process network, not ${hre.network.name}`);
  }
  const { address } = await hre.deployments.get("Timelock");
  await hre.network.provider.send("hardhat_setBalance", [address, "0x56BC75E2D63100000"]); // 100 ETH for gas
  return hre.ethers.getImpersonatedSigner(address);
}

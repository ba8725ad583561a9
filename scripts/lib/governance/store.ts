/**
 * The proposal store: what `gov:propose` sent (ids, descriptions, targets, values, calldatas,
 * description hash, proposer, creation time), so that `gov:vote`, `gov:queue`, `gov:execute` and
 * `gov:status` chain without copy-paste (`--id` defaults to the latest proposal) and queue/execute
 * can rebuild the governor's call exactly.
 *
 * Location: `<deployments>/<network>/.proposals.json` (the deployments folder follows
 * BALLAST_DEPLOYMENTS_DIR). It is a dot-file on purpose: hardhat-deploy loads every `*.json` file of
 * `deployments/<network>/` as a deployment record, but its folder walk (`traverse` in
 * hardhat-deploy/dist/src/utils.js, filter `!name.startsWith('.')`) skips names that start with a
 * dot, as it does for its own `.chainId` and `.migrations.json`. A visible file with another
 * extension would also be skipped as a record, but would make hardhat-deploy demand a `.chainId`
 * file in a folder that has none on the in-process network. `hardhat node` deletes
 * deployments/localhost at start, and the store with it, which suits a fresh chain.
 *
 * The store is keyed to the governor's address and chain id: entries of another deployment or
 * chain are ignored, and entries the governor does not know (an earlier in-process or anvil run at
 * the same addresses) are dropped when the next proposal is saved.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export const STORE_FILE = ".proposals.json";

export interface StoredProposal {
  /** Proposal id, decimal. */
  id: string;
  description: string;
  descriptionHash: string;
  targets: string[];
  /** Wei, decimal strings. */
  values: string[];
  calldatas: string[];
  /** `Contract.function(args)` as shown when proposed. */
  actions: string[];
  proposer: string;
  /** Block timestamp of the proposal [seconds]. */
  createdAt: number;
  blockNumber: number;
  txHash: string;
}

export interface ProposalStore {
  version: 1;
  network: string;
  chainId: number;
  governor: string;
  proposals: StoredProposal[];
}

let overridePath: string | undefined;

/**
 * Points the store at another file (tests use a temporary folder so that the in-process network
 * leaves nothing in the repository); `undefined` restores the default location.
 */
export function setProposalStorePath(file: string | undefined): void {
  overridePath = file;
}

/** Where the store of the current network lives. */
export function proposalStorePath(hre: HardhatRuntimeEnvironment): string {
  return overridePath ?? path.join(hre.config.paths.deployments, hre.network.name, STORE_FILE);
}

async function identity(hre: HardhatRuntimeEnvironment): Promise<{ chainId: number; governor: string }> {
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const governor = (await hre.deployments.get("BallastGovernor")).address;
  return { chainId, governor };
}

function readRaw(file: string): ProposalStore | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as ProposalStore;
    if (!Array.isArray(parsed.proposals)) throw new Error("no proposals array");
    return parsed;
  } catch (err) {
    throw new Error(
      `proposal store ${file} is not readable JSON (${(err as Error).message}); move it away to start over`,
    );
  }
}

/** The store of the current network and governor (empty when there is none). */
export async function loadStore(hre: HardhatRuntimeEnvironment): Promise<ProposalStore> {
  const { chainId, governor } = await identity(hre);
  const raw = readRaw(proposalStorePath(hre));
  const fresh: ProposalStore = { version: 1, network: hre.network.name, chainId, governor, proposals: [] };
  if (!raw || raw.chainId !== chainId || raw.governor.toLowerCase() !== governor.toLowerCase()) return fresh;
  return raw;
}

/** Writes the store atomically (temporary file, then rename). */
export function saveStore(hre: HardhatRuntimeEnvironment, store: ProposalStore): string {
  const file = proposalStorePath(hre);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(store, null, 2) + "\n");
  renameSync(tmp, file);
  return file;
}

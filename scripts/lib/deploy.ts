import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AddressRef } from "../../config/networks";

/** Resolves a config address: a literal, or a deployment made earlier in this run. */
export async function resolveAddress(
  hre: HardhatRuntimeEnvironment,
  ref: AddressRef | undefined,
  what: string,
): Promise<string> {
  if (ref === undefined) throw new Error(`config/networks.ts: missing address for ${what} on ${hre.network.name}`);
  if (typeof ref === "string") {
    if (!hre.ethers.isAddress(ref)) throw new Error(`config/networks.ts: ${what} is not an address: ${ref}`);
    return ref;
  }
  if ("account" in ref) {
    const accounts = await hre.getNamedAccounts();
    const account = accounts[ref.account];
    if (!account)
      throw new Error(`config/networks.ts: ${what} refers to named account "${ref.account}", which is not set`);
    return account;
  }
  if ("env" in ref) {
    const value = process.env[ref.env];
    if (!value)
      throw new Error(`config/networks.ts: ${what} comes from ${ref.env}, which is not set (see .env.example)`);
    if (!hre.ethers.isAddress(value)) throw new Error(`${ref.env} (${what}) is not an address: ${value}`);
    return value;
  }
  const deployment = await hre.deployments.getOrNull(ref.deployment);
  if (!deployment) {
    throw new Error(
      `config/networks.ts: ${what} refers to deployment "${ref.deployment}", which does not exist on ${hre.network.name}`,
    );
  }
  return deployment.address;
}

/**
 * Calls `setter(...args)` on a deployment unless `getter(...getterArgs)` already returns `value`,
 * so a deploy can be re-run on a live network: the protocol's setters reject no-op changes.
 */
export async function setIfDifferent(
  hre: HardhatRuntimeEnvironment,
  contract: string,
  getter: { name: string; args?: unknown[]; field?: string },
  value: bigint | string | boolean,
  setter: string,
  setterArgs: unknown[],
): Promise<boolean> {
  const { deployer } = await hre.getNamedAccounts();
  let current = await hre.deployments.read(contract, getter.name, ...(getter.args ?? []));
  if (getter.field !== undefined) current = current[getter.field];
  const same =
    typeof value === "string"
      ? String(current).toLowerCase() === value.toLowerCase()
      : typeof value === "bigint"
        ? toBigInt(current) === value
        : current === value;
  if (same) return false;
  await requireAdmin(hre, contract, `${contract}.${setter}(${setterArgs.map(String).join(", ")})`);
  const local = hre.network.name === "hardhat" || hre.network.name === "localhost";
  // A setter that stamps block.timestamp (the PSM's outflow bucket) costs a storage write more when
  // mined a second after the block it was estimated on (anvil estimates at the latest block's time).
  const opts = { from: deployer, log: !local, estimateGasExtra: 10_000 };
  await hre.deployments.execute(contract, opts, setter, ...setterArgs);
  return true;
}

/**
 * `deployments.read` decodes with ethers v5 (hardhat-deploy 1.x), so integers come back as
 * BigNumber, not bigint: compare through this.
 */
export function toBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" || typeof value === "string") return BigInt(value);
  if (value !== null && typeof value === "object" && "toString" in value) return BigInt(String(value));
  throw new Error(`not an integer: ${String(value)}`);
}

const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);

/**
 * Throws a clear error when the deployer no longer administers `contract`: after the governance
 * handover (deploy/99_handover.ts) a re-run of the deploy cannot change parameters; `change`
 * has to go through a proposal (`npx hardhat gov:propose`).
 */
export async function requireAdmin(hre: HardhatRuntimeEnvironment, contract: string, change: string): Promise<void> {
  const { deployer } = await hre.getNamedAccounts();
  if (await hre.deployments.read(contract, "hasRole", DEFAULT_ADMIN_ROLE, deployer)) return;
  throw new Error(
    `${change} is needed to match config/networks.ts on ${hre.network.name}, but the deployer no longer ` +
      `administers ${contract} (the timelock does): propose the change with npx hardhat gov:propose`,
  );
}

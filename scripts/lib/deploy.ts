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
  const local = hre.network.name === "hardhat" || hre.network.name === "localhost";
  await hre.deployments.execute(contract, { from: deployer, log: !local }, setter, ...setterArgs);
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

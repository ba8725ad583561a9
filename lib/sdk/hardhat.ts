/**
 * The Hardhat adapter: hardhat-deploy's records → `connect`, the signer a task acts as, and the
 * wrapper that turns every user mistake of a task into one line. Only type imports of Hardhat here:
 * the tasks import this module while Hardhat loads its config.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type {
  ContractRunner,
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Interface,
  Signer,
} from "ethers";
import { UsageError } from "./cli-error";
import {
  bind,
  connect,
  resolveAddress,
  type Addresses,
  type Ballast,
  type ContractName,
  type ContractOf,
} from "./contracts";
import { decodeRevert, findRevertData, type DecodeContext } from "./errors";

/** Networks whose chain the tools may move (time, mock prices, test tokens). */
export const LOCAL_NETWORKS = ["hardhat", "localhost"];
export const isLocalNetwork = (name: string): boolean => LOCAL_NETWORKS.includes(name);

/**
 * Every deployment record of the network, name → address. On a node (localhost), records whose
 * contracts are missing (the node restarted, or a switch between the Hardhat node and anvil) are
 * refused with the fix.
 */
export async function deploymentAddresses(hre: HardhatRuntimeEnvironment): Promise<Addresses> {
  await ensureInProcessDeployment(hre);
  const addresses = await recordedAddresses(hre);
  if (!addresses.VaultManager) {
    throw new UsageError(
      `no Ballast deployment on ${hre.network.name}: deploy first with npx hardhat deploy --network ${hre.network.name}`,
    );
  }
  if ((await hre.ethers.provider.getCode(addresses.VaultManager)) === "0x") throw staleRecords(hre.network.name);
  return addresses;
}

/** The network's deployment records as name → address, as they are (no deployment, no checks). */
export async function recordedAddresses(hre: HardhatRuntimeEnvironment): Promise<Addresses> {
  return Object.fromEntries(Object.entries(await hre.deployments.all()).map(([name, d]) => [name, d.address]));
}

/**
 * A compiled contract by its TypeChain name at an address or a deployment name, bound to `runner`
 * (default: the network's first account, else the provider): the SDK's binding for Hardhat tools.
 */
export async function contractAt<N extends ContractName>(
  hre: HardhatRuntimeEnvironment,
  name: N,
  addressOrName: string,
  runner?: ContractRunner,
): Promise<ContractOf<N>> {
  const address = resolveAddress(await recordedAddresses(hre), addressOrName, ` on ${hre.network.name}`);
  const r = runner ?? (await hre.ethers.getSigners())[0] ?? hre.ethers.provider;
  return bind(name, address, r);
}

/** The error for deployment records whose contracts the node does not have. */
export function staleRecords(network: string): UsageError {
  return new UsageError(
    `the deployment records in deployments/${network} point at contracts this node does not have ` +
      `(the node was restarted, or switched between the Hardhat node and anvil): ` +
      `deploy again with npx hardhat deploy --network ${network} --reset`,
  );
}

/**
 * Tasks on the in-process `hardhat` network start from an empty chain: deploy the whole system
 * first (announced), unless this process already did. Other networks are used as they are.
 */
export async function ensureInProcessDeployment(hre: HardhatRuntimeEnvironment): Promise<void> {
  if (hre.network.name !== "hardhat" || (await hre.deployments.getOrNull("BallastGovernor"))) return;
  console.log("(in-process network: deploying a fresh system first; use --network localhost for a running node)");
  await hre.deployments.fixture();
}

/**
 * The signer `--from` names: an account index or address (other than the first on local networks
 * only). Without `from`, the first account.
 */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, from?: string | number): Promise<Signer> {
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new UsageError(`no account on network ${hre.network.name}: set DEPLOYER_PRIVATE_KEY (see .env.example)`);
  }
  if (from === undefined || String(from).trim() === "") return signers[0];
  const ref = String(from).trim();
  let signer;
  if (/^\d+$/.test(ref)) {
    signer = signers[Number(ref)];
    if (!signer) {
      throw new UsageError(
        `--from ${ref}: ${hre.network.name} has ${signers.length} account(s), indices 0–${signers.length - 1}`,
      );
    }
  } else if (/^0x[0-9a-fA-F]{40}$/.test(ref)) {
    signer = signers.find((s) => s.address.toLowerCase() === ref.toLowerCase());
    if (!signer)
      throw new UsageError(`--from ${ref} is not one of the ${signers.length} accounts of ${hre.network.name}`);
  } else {
    throw new UsageError(`--from takes an account index or an address, not "${ref}"`);
  }
  if (signer !== signers[0] && !isLocalNetwork(hre.network.name)) {
    throw new UsageError(
      `--from selects another account on local networks only (${LOCAL_NETWORKS.join(", ")}); on ${hre.network.name} the signer is the first configured account`,
    );
  }
  return signer;
}

/** Refuses a local-only helper on a public network. */
export function assertLocal(hre: HardhatRuntimeEnvironment, what: string): void {
  if (!isLocalNetwork(hre.network.name)) {
    throw new UsageError(
      `${what} works on local networks only (${LOCAL_NETWORKS.join(", ")}), not on ${hre.network.name}`,
    );
  }
}

/** A task's view of the system: the contracts bound to its signer, and the revert decoder's names. */
export interface Session {
  hre: HardhatRuntimeEnvironment;
  signer: Signer;
  address: string;
  ballast: Ballast;
  /** Deployment names (and "you") by lower-case address, for messages. */
  names: Map<string, string>;
  /** Static-calls `method(...args)` first (a refusal sends nothing, on any node), then sends it. */
  send<A extends unknown[]>(
    method: SendableMethod<A>,
    args: A,
    ctx?: DecodeContext,
  ): Promise<ContractTransactionReceipt>;
}

export interface SendableMethod<A extends unknown[]> {
  (...args: A): Promise<ContractTransactionResponse>;
  staticCall(...args: A): Promise<unknown>;
}

/** The system on `hre`'s network as the signer `from` (default: the first account). */
export async function openSession(hre: HardhatRuntimeEnvironment, from?: string | number): Promise<Session> {
  const addresses = await deploymentAddresses(hre);
  const signer = await resolveSigner(hre, from);
  const address = await signer.getAddress();
  const ballast = connect(signer, addresses);
  const names = new Map(Object.entries(addresses).map(([n, a]) => [a.toLowerCase(), n]));
  names.set(address.toLowerCase(), "you");
  const session: Session = {
    hre,
    signer,
    address,
    ballast,
    names,
    async send(method, args, ctx = {}) {
      const context = { names, ...ctx };
      try {
        await method.staticCall(...args);
      } catch (err) {
        throw refusal(err, context);
      }
      try {
        const tx = await method(...args);
        const receipt = await tx.wait();
        if (!receipt || receipt.status !== 1) throw new UsageError(`transaction ${tx.hash} reverted`);
        return receipt;
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw refusal(err, context);
      }
    },
  };
  return session;
}

/** A failed call as a one-line `UsageError` ("refused: …" when the chain refused it). */
export function refusal(err: unknown, ctx: DecodeContext = {}, interfaces: Interface[] = []): UsageError {
  if (err instanceof UsageError) return err;
  const decoded = decodeRevert(err, interfaces, ctx);
  if (decoded.name || findRevertData(err)) return new UsageError(`refused: ${decoded.text}`);
  // A tool's own error keeps its whole message; a provider's (ethers sets `code`) its first line.
  const own = err instanceof Error && !("code" in err);
  return new UsageError(own ? err.message : decoded.text);
}

/**
 * Runs a task's body. From the command line (the task is the one Hardhat was asked to run), a
 * user mistake prints one line and exits 1; when another task or a test runs it, the error is
 * thrown as a `UsageError` so the caller can see it.
 */
export async function cliAction<T>(
  hre: HardhatRuntimeEnvironment,
  taskName: string,
  body: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await body();
  } catch (err) {
    const error = err instanceof UsageError ? err : refusal(err);
    if (!isTopLevel(taskName) || process.env.BALLAST_DEBUG) {
      if (process.env.BALLAST_DEBUG && !(err instanceof UsageError)) throw err;
      throw error;
    }
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
    return undefined;
  }
}

/** Whether Hardhat's command line was asked to run `taskName` itself. */
function isTopLevel(taskName: string): boolean {
  return process.argv.slice(2).includes(taskName);
}

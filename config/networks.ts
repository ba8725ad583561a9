/**
 * One typed configuration for every network Ballast deploys to: the types (config/types.ts), the
 * per-asset presets (config/presets.ts) and one file per network (local.ts, sepolia.ts, mainnet.ts). Deploy scripts read it through
 * `networkConfig(name)`, which throws on a network or value that is missing, so a deploy never
 * proceeds with a silent default.
 *
 * An `AddressRef` is a literal address, `{ deployment: "NAME" }` (a contract that an earlier deploy
 * step of this run created: mocks on local networks), `{ account: "NAME" }` (a named account of
 * hardhat.config.ts, local networks) or `{ env: "VAR" }` (an address from an environment variable,
 * for multisigs that differ between deployments; see .env.example).
 */
import { local } from "./local";
import { mainnet } from "./mainnet";
import { sepolia } from "./sepolia";
import type { NetworkConfig } from "./types";

export * from "./types";
const CONFIGS: Record<string, NetworkConfig> = { hardhat: local, localhost: local, sepolia, mainnet };

/**
 * The configuration of `network`; throws when the network has none.
 *
 * `BALLAST_CONFIG=<name>` makes the in-process `hardhat` network use `<name>`'s configuration
 * instead of the local one; it is meant for a fork (`FORK_URL`), e.g. `BALLAST_CONFIG=mainnet` deploys
 * against the real mainnet tokens and Chainlink feeds, with no mocks. It requires FORK_URL and has
 * no effect on any other network.
 */
export function networkConfig(network: string): NetworkConfig {
  const override = process.env.BALLAST_CONFIG;
  if (network === "hardhat" && override) {
    if (!process.env.FORK_URL) {
      throw new Error(`BALLAST_CONFIG=${override} applies to a fork of that network: set FORK_URL as well`);
    }
    network = override;
  }
  const config = CONFIGS[network];
  if (!config) {
    throw new Error(
      `config/networks.ts has no configuration for network "${network}" (known: ${Object.keys(CONFIGS).join(", ")})`,
    );
  }
  return config;
}

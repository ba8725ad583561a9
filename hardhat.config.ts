import "dotenv/config";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig, NetworkUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import "hardhat-deploy";

import "./tasks";

/** The one compiler version the project builds with; must equal the npm `solc` package's version. */
const SOLC_VERSION = "0.8.30";

// Hardhat downloads solc from the internet by default. The project compiles with the npm `solc`
// package (solcjs) instead, so a build never leaves the machine and gives the same bytecode everywhere.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  const longVersion: string = solc.version().replace(/\.Emscripten.*$/, "");
  if (!longVersion.startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(`npm solc is ${longVersion}; the project pins ${SOLC_VERSION}. Run npm ci.`);
  }
  return { compilerPath: require.resolve("solc/soljson.js"), isSolcJs: true, version: SOLC_VERSION, longVersion };
});

const {
  FORK_URL,
  FORK_BLOCK,
  LOCALHOST_RPC_URL,
  BALLAST_DEPLOYMENTS_DIR,
  SEPOLIA_RPC_URL,
  MAINNET_RPC_URL,
  DEPLOYER_PRIVATE_KEY,
  ETHERSCAN_API_KEY,
} = process.env;

function remote(url: string | undefined, chainId: number): NetworkUserConfig {
  return {
    url: url ?? "",
    chainId,
    accounts: DEPLOYER_PRIVATE_KEY ? [DEPLOYER_PRIVATE_KEY] : [],
  };
}

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        settings: {
          optimizer: { enabled: true, runs: 10_000 },
          viaIR: true,
          evmVersion: "cancun",
        },
      },
    ],
    overrides: {
      // The reserve's ledgers took it past the 24,576-byte limit at 10,000 runs.
      "contracts/core/ReservePool.sol": {
        version: SOLC_VERSION,
        settings: {
          optimizer: { enabled: true, runs: 200 },
          viaIR: true,
          evmVersion: "cancun",
          metadata: { useLiteralContent: true },
        },
      },
      "contracts/oracle/OracleAdapter.sol": {
        version: SOLC_VERSION,
        settings: {
          optimizer: { enabled: true, runs: 1_000_000 },
          viaIR: true,
          evmVersion: "cancun",
          // hardhat-deploy turns this on for `compilers` only. Without it the deployment record's
          // metadata holds no source text, and `etherscan-verify` cannot submit OracleAdapter.
          metadata: { useLiteralContent: true },
        },
      },
    },
  },
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      chainId: 31337,
      // Forking is opt-in: set FORK_URL (and optionally FORK_BLOCK) to run against a mainnet copy.
      forking: FORK_URL
        ? { url: FORK_URL, blockNumber: FORK_BLOCK ? Number(FORK_BLOCK) : undefined, enabled: true }
        : undefined,
      // The crash simulator and keeper-scan benchmark deploy thousands of vaults.
      allowUnlimitedContractSize: false,
    },
    // A node started with `npm run node` or `npx anvil`; LOCALHOST_RPC_URL points at another port.
    localhost: { url: LOCALHOST_RPC_URL || "http://127.0.0.1:8545", chainId: 31337 },
    sepolia: remote(SEPOLIA_RPC_URL, 11155111),
    mainnet: remote(MAINNET_RPC_URL, 1),
  },
  namedAccounts: {
    deployer: { default: 0 },
    // Local networks' guardian (config/networks.ts); public networks take it from the environment.
    guardian: { default: 6 },
  },
  paths: {
    sources: "contracts",
    tests: "test",
    cache: "cache",
    artifacts: "artifacts",
    // hardhat-deploy's deployment records (deployments/<network>/); BALLAST_DEPLOYMENTS_DIR moves
    // them, e.g. to a temporary folder so a test run never touches deployments/localhost.
    deployments: BALLAST_DEPLOYMENTS_DIR || "deployments",
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 300_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "true", offline: true },
  etherscan: { apiKey: ETHERSCAN_API_KEY ?? "" },
};

export default config;

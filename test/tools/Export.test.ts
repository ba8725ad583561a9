/**
 * `npm run export` (the `deployments:export` task): every deployment the deploy scripts create is
 * written with its ABI and an address that holds code; a fresh process with no arguments exports
 * the in-process deployment; a network with deployment records is exported from the records alone,
 * with no connection to its chain; a network without records is refused. And the records carry what
 * Etherscan verification reads (docs/INTEGRATORS.md): compiler version, compilation target, licence,
 * the solc input, and constructor arguments that encode to the deployment transaction's input.
 *
 * Child processes write only to a temporary folder (BALLAST_DEPLOYMENTS_DIR and --out), never to
 * exports/ or deployments/.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre, { deployments, ethers } from "hardhat";
import { Interface, isAddress } from "ethers";
import type { Deployment } from "hardhat-deploy/types";

import { readExport, type DeploymentsExport } from "../../tasks/export";
import { bin, Child, freePort, LOOPBACK, makeTempDir, removeTempDir, ROOT, run } from "../../scripts/lib/externalNode";

const STEP_TIMEOUT_MS = 180_000;

/** DESIGN.md §4's names and the market's (issue 12): an export without one of them is wrong whatever the scripts say. */
const DESIGN_NAMES = [
  "BallastDollar",
  "OracleAdapter",
  "VaultManager",
  "LiquidationEngine",
  "ReservePool",
  "PegStabilityModule",
  "RiskController",
  "GovernanceToken",
  "BallastGovernor",
  "Timelock",
  "ReserveLens",
  "MarketPriceFeed",
  "PegKeeper",
  "WETH",
  "WBTC",
  "USDC",
  "ETH_USD_FEED",
  "BTC_USD_FEED",
  "USDC_USD_FEED",
  "BDOL_USD_FEED",
  "UniswapV3Factory",
  "SwapRouter",
  "BDOL_USDC_POOL",
  "WETH_USDC_POOL",
];

/**
 * Deployments compiled elsewhere: Uniswap v3 from its npm packages' artifacts (local networks only;
 * sepolia and mainnet save the canonical, already verified addresses) and the pools its factory
 * creates. Everything else is compiled here and verifiable from its record.
 */
const NOT_COMPILED_HERE = [
  "UniswapV3Factory",
  "SwapRouter",
  "QuoterV2",
  "NonfungiblePositionManager",
  "BDOL_USDC_POOL",
  "WETH_USDC_POOL",
];

/** A child's environment: a plain local chain, records in `dir`, whatever the caller's environment says. */
function childEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    BALLAST_DEPLOYMENTS_DIR: dir,
    FORK_URL: "",
    BALLAST_CONFIG: "",
    HARDHAT_NETWORK: undefined, // `hardhat test` sets it; each command names its own network
    ...extra,
  };
}

/** A record's arguments as they read back from disk (bigints as decimal strings), through scripts/verify-args.js. */
function argsThroughVerifyArgs(dir: string, name: string, args: unknown[]): unknown[] {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ args }, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
  );
  const module = path.join(ROOT, "scripts", "verify-args.js");
  process.env.VERIFY_RECORD = file;
  try {
    delete require.cache[require.resolve(module)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(module) as unknown[];
  } finally {
    delete process.env.VERIFY_RECORD;
  }
}

describe("npm run export (deployments:export)", function () {
  let tmp: string;
  let recorded: Record<string, Deployment>;
  let inProcess: DeploymentsExport;

  before(async function () {
    tmp = makeTempDir("ballast-export-");
    await deployments.fixture();
    recorded = await deployments.all();
  });

  after(function () {
    if (tmp) removeTempDir(tmp);
  });

  it("writes every deployment the deploy scripts create, each with an ABI and an address that holds code", async function () {
    const out = path.join(tmp, "in-process.json");
    inProcess = (await hre.run("deployments:export", { out })) as DeploymentsExport;
    const written = readExport(out);
    expect(written).to.deep.equal(inProcess);
    expect(written.name).to.equal("hardhat");
    expect(written.chainId).to.equal("31337");

    const names = Object.keys(written.contracts).sort();
    expect(names).to.deep.equal(Object.keys(recorded).sort());
    expect(names).to.include.members(DESIGN_NAMES);
    for (const name of names) {
      const { address, abi } = written.contracts[name];
      expect(Array.isArray(abi) && abi.length > 0, `${name}: empty ABI`).to.equal(true);
      expect(isAddress(address), `${name}: ${address}`).to.equal(true);
      expect(address, name).to.equal(recorded[name].address);
      expect(await ethers.provider.getCode(address), `${name}: no code at ${address}`).to.not.equal("0x");
    }
  });

  it("`npm run export` in a fresh process deploys in-process and writes the same names and ABIs, offline", async function () {
    const out = path.join(tmp, "cli.json");
    const { output } = await run("npm run export", "npm", ["run", "--silent", "export", "--", "--out", out], {
      env: childEnv(path.join(tmp, "none")),
      timeoutMs: STEP_TIMEOUT_MS,
    });
    const names = Object.keys(inProcess.contracts).length;
    expect(output).to.contain(`${out}: ${names} deployments on hardhat (chain 31337)`);
    const cli = readExport(out);
    expect(cli.name).to.equal("hardhat");
    expect(Object.keys(cli.contracts).sort()).to.deep.equal(Object.keys(inProcess.contracts).sort());
    for (const [name, { abi }] of Object.entries(cli.contracts)) {
      expect(abi, name).to.deep.equal(inProcess.contracts[name].abi);
    }
  });

  describe("a network with deployment records", function () {
    let records: string;
    let exported: DeploymentsExport;

    before(async function () {
      // Records as a deploy to a live network writes them (metadata, solc input, arguments), renamed
      // to `localhost`; no node listens there, so the export can only read the files.
      records = path.join(tmp, "deployments");
      await run("hardhat deploy --write true", bin("hardhat"), ["deploy", "--write", "true", "--no-compile"], {
        env: childEnv(records),
        timeoutMs: STEP_TIMEOUT_MS,
      });
      renameSync(path.join(records, "hardhat"), path.join(records, "localhost"));
    });

    it("is exported from its records alone, with no connection to its chain", async function () {
      const out = path.join(tmp, "localhost.json");
      const closed = `http://${LOOPBACK}:${await freePort()}`;
      await run(
        "npm run export -- --network localhost",
        "npm",
        ["run", "--silent", "export", "--", "--network", "localhost", "--out", out],
        {
          env: childEnv(records, { LOCALHOST_RPC_URL: closed }),
          timeoutMs: STEP_TIMEOUT_MS,
        },
      );
      exported = readExport(out);
      expect(exported.name).to.equal("localhost");
      expect(exported.chainId).to.equal("31337");
      const files = readdirSync(path.join(records, "localhost")).filter((f) => f.endsWith(".json"));
      expect(Object.keys(exported.contracts).sort()).to.deep.equal(files.map((f) => f.replace(/\.json$/, "")).sort());
      expect(Object.keys(exported.contracts).sort()).to.deep.equal(Object.keys(inProcess.contracts).sort());
      for (const [name, { address, abi }] of Object.entries(exported.contracts)) {
        const record = JSON.parse(readFileSync(path.join(records, "localhost", `${name}.json`), "utf8"));
        expect(address, name).to.equal(record.address);
        expect(abi, name).to.deep.equal(inProcess.contracts[name].abi);
      }
    });

    it("refuses a network without records, naming the folder and the deploy command", async function () {
      const child = new Child(
        "npm run export -- --network mainnet",
        "npm",
        ["run", "--silent", "export", "--", "--network", "mainnet"],
        childEnv(records),
      );
      expect(await child.exited).to.not.equal(0);
      expect(child.log).to.contain(`no deployment records for mainnet in ${path.join(records, "mainnet")}`);
      expect(child.log).to.contain("npx hardhat deploy --network mainnet");
    });

    it("records carry what Etherscan verification reads: compiler, target, MIT licence, solc input", function () {
      const folder = path.join(records, "localhost");
      const notCompiled: string[] = [];
      for (const name of Object.keys(exported.contracts)) {
        const record = JSON.parse(readFileSync(path.join(folder, `${name}.json`), "utf8"));
        if (record.metadata === undefined) {
          notCompiled.push(name);
          continue;
        }
        const metadata = JSON.parse(record.metadata);
        // Etherscan's compiler list names solc builds this way (no ".Emscripten.clang" of solcjs).
        expect(metadata.compiler.version, name).to.match(/^0\.8\.30\+commit\.[0-9a-f]{8}$/);
        const [[source, contract]] = Object.entries(metadata.settings.compilationTarget as Record<string, string>);
        expect(source, name).to.match(/^contracts\//);
        expect(metadata.sources[source].content, `${name}: ${source}`).to.contain("// SPDX-License-Identifier: MIT");
        const input = path.join(folder, "solcInputs", `${record.solcInputHash}.json`);
        expect(existsSync(input), `${name}: no solc input ${input}`).to.equal(true);
        expect(JSON.parse(readFileSync(input, "utf8")).sources, name).to.have.property(source);
        expect(contract, name).to.be.a("string");
      }
      expect(notCompiled.sort()).to.deep.equal([...NOT_COMPILED_HERE].sort());
    });
  });

  it("every deployment's recorded arguments, read through scripts/verify-args.js, encode to its constructor input", async function () {
    const dir = path.join(tmp, "verify-args");
    mkdirSync(dir, { recursive: true });
    let checked = 0;
    for (const [name, d] of Object.entries(recorded)) {
      if (d.transactionHash === undefined) continue; // saved, not deployed (the pools)
      const tx = await ethers.provider.getTransaction(d.transactionHash);
      expect(tx, name).to.not.equal(null);
      const args = argsThroughVerifyArgs(dir, name, d.args ?? []);
      const encoded = new Interface(d.abi).encodeDeploy(args);
      expect(tx!.data, name).to.equal(d.bytecode + encoded.slice(2));
      checked++;
    }
    expect(checked).to.equal(Object.keys(recorded).length - 2);
  });
});

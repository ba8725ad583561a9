/**
 * The system on a real JSON-RPC node, driven the way a user does it: for a Hardhat node and for
 * anvil, start the node on a free loopback port, `hardhat deploy --network localhost` to it, open
 * a vault over JSON-RPC with ethers, and read its health factor with `cast call`.
 *
 * Deployment records go to a temporary folder (BALLAST_DEPLOYMENTS_DIR), never deployments/localhost,
 * and every node is stopped (its whole process group) in `after`, whatever happened before.
 * The deploy child runs with --no-compile: `hardhat test` has compiled the artifacts already.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider, parseEther, parseUnits, type JsonRpcSigner } from "ethers";
import { MockERC20__factory, OracleAdapter__factory, VaultManager__factory } from "../../typechain-types";
import {
  bin,
  Child,
  freePort,
  LOOPBACK,
  makeTempDir,
  removeTempDir,
  ROOT,
  run,
  waitForChainId,
} from "../../scripts/lib/externalNode";
import { WAD } from "../../lib/sdk";

const STEP_TIMEOUT_MS = 180_000;
const CHAIN_ID = 31337n;

const COLLATERAL = parseEther("10"); // 10 WETH
const DEBT = parseEther("10000"); // 10,000 BDOL
const ETH_PRICE = parseUnits("3000", 18); // the local config's mock ETH/USD feed

interface NodeKind {
  name: string;
  /** Resolved with `bin` when the suite starts, so a missing tool fails that suite only. */
  tool: string;
  args(port: number): string[];
}

const NODE_KINDS: NodeKind[] = [
  {
    name: "hardhat node",
    tool: "hardhat",
    // --no-deploy: hardhat-deploy would otherwise run the deploy scripts inside the node;
    // --no-reset: and delete <deployments>/localhost on start.
    args: (port) => ["node", "--hostname", LOOPBACK, "--port", String(port), "--no-deploy", "--no-reset"],
  },
  {
    name: "anvil",
    tool: "anvil",
    args: (port) => ["--host", LOOPBACK, "--port", String(port), "--chain-id", String(CHAIN_ID)],
  },
];

/**
 * eth_estimateGas finds the least gas that passes the oracle's gas guard (`InsufficientGas` below
 * MIN_GAS_FOR_FEED at the feed read), with no slack: mined one second later, interest accrual
 * costs a little more before the guard and the transaction reverts. Risk-adding calls therefore
 * send the estimate plus a quarter.
 */
const withMargin = (estimate: bigint) => estimate + estimate / 4n;

/** mulDiv rounding up / down, as MathLib does. */
const mulDivUp = (x: bigint, y: bigint, d: bigint) => (x * y + d - 1n) / d;
const mulDivDown = (x: bigint, y: bigint, d: bigint) => (x * y) / d;

function castUint(output: string): bigint {
  // `cast call ... "f()(uint256)"` prints "<decimal> [<scientific>]" for large numbers.
  const match = /^\s*(\d+)/.exec(output);
  if (!match) throw new Error(`unexpected cast output: ${output}`);
  return BigInt(match[1]);
}

/**
 * `cast call <vm> "healthFactor(uint256)(uint256)" 1 --rpc-url <url>`. cast (1.7) sends the calldata
 * as both `input` and `data`, which the Hardhat node (EDR) rejects with "duplicate field `data`";
 * only for that error, fall back to `cast rpc eth_call` with `data` alone and `cast abi-decode`.
 */
async function castHealthFactor(
  vm: string,
  url: string,
  blockArgs: string[],
): Promise<{ value: bigint; via: "cast call" | "cast rpc eth_call" }> {
  const signature = "healthFactor(uint256)(uint256)";
  try {
    const { output } = await run(
      "cast call",
      bin("cast"),
      ["call", vm, signature, "1", "--rpc-url", url, ...blockArgs],
      {
        timeoutMs: STEP_TIMEOUT_MS,
      },
    );
    return { value: castUint(output), via: "cast call" };
  } catch (err) {
    if (!/duplicate field `data`/.test(String(err))) throw err;
  }
  const data = (await run("cast calldata", bin("cast"), ["calldata", "healthFactor(uint256)", "1"])).output.trim();
  const block = blockArgs.length ? "0x" + BigInt(blockArgs[1]).toString(16) : "latest";
  const { output } = await run(
    "cast rpc eth_call",
    bin("cast"),
    ["rpc", "eth_call", JSON.stringify({ to: vm, data }), block, "--rpc-url", url],
    { timeoutMs: STEP_TIMEOUT_MS },
  );
  const raw = JSON.parse(output) as string;
  const decoded = (await run("cast abi-decode", bin("cast"), ["abi-decode", signature, raw])).output;
  return { value: castUint(decoded), via: "cast rpc eth_call" };
}

describe("External node: hardhat deploy, ethers and cast against a real JSON-RPC node", function () {
  this.timeout(4 * STEP_TIMEOUT_MS);

  const deploymentsLocalhost = path.join(ROOT, "deployments", "localhost");
  const hadDeploymentsLocalhost = existsSync(deploymentsLocalhost);

  for (const kind of NODE_KINDS) {
    describe(kind.name, function () {
      let node: Child | undefined;
      let provider: JsonRpcProvider | undefined;
      let url = "";
      let deploymentsDir = "";
      let childEnv: NodeJS.ProcessEnv = {};
      const timings: string[] = [];
      let suiteStart = 0;

      const address = (name: string): string => {
        const file = path.join(deploymentsDir, "localhost", `${name}.json`);
        return (JSON.parse(readFileSync(file, "utf8")) as { address: string }).address;
      };

      before(async function () {
        suiteStart = Date.now();
        const port = await freePort();
        url = `http://${LOOPBACK}:${port}`;
        deploymentsDir = makeTempDir("ballast-deployments-");
        childEnv = {
          LOCALHOST_RPC_URL: url,
          BALLAST_DEPLOYMENTS_DIR: deploymentsDir,
          // The node must be a plain local chain whatever the caller's environment says.
          FORK_URL: "",
          BALLAST_CONFIG: "",
          HARDHAT_NETWORK: undefined, // each command names its network; spawn drops undefined values
        };
        const start = Date.now();
        node = new Child(kind.name, bin(kind.tool), kind.args(port), childEnv);
        expect(await waitForChainId(node, url, STEP_TIMEOUT_MS)).to.equal(CHAIN_ID);
        timings.push(`start ${((Date.now() - start) / 1000).toFixed(1)} s`);
        provider = new JsonRpcProvider(url, Number(CHAIN_ID), { staticNetwork: true, pollingInterval: 100 });
      });

      after(async function () {
        provider?.destroy();
        const stopStart = Date.now();
        await node?.stop();
        timings.push(`stop ${((Date.now() - stopStart) / 1000).toFixed(1)} s`);
        if (deploymentsDir) removeTempDir(deploymentsDir);
        timings.push(`total ${((Date.now() - suiteStart) / 1000).toFixed(1)} s`);
        console.log(`      [${kind.name}] ${timings.join(", ")}`);
      });

      it("deploys the whole system with `hardhat deploy --network localhost`", async function () {
        const { output, ms } = await run(
          "hardhat deploy",
          bin("hardhat"),
          ["deploy", "--network", "localhost", "--no-compile"],
          { env: childEnv, timeoutMs: STEP_TIMEOUT_MS },
        );
        timings.push(`deploy ${(ms / 1000).toFixed(1)} s`);
        for (const name of ["WETH", "ETH_USD_FEED", "BallastDollar", "ReservePool", "OracleAdapter", "VaultManager"]) {
          expect(existsSync(path.join(deploymentsDir, "localhost", `${name}.json`)), `${name} deployment\n${output}`).to
            .be.true;
          expect(await provider!.getCode(address(name)), `${name} code`).to.not.equal("0x");
        }
        // The records went to the temporary folder, not the project's deployments/localhost.
        if (!hadDeploymentsLocalhost) expect(existsSync(deploymentsLocalhost)).to.be.false;
      });

      it("opens a vault over JSON-RPC: 10 WETH, 10,000 BDOL", async function () {
        const start = Date.now();
        const alice: JsonRpcSigner = await provider!.getSigner(1); // a funded default account
        const weth = MockERC20__factory.connect(address("WETH"), alice);
        const vm = VaultManager__factory.connect(address("VaultManager"), alice);

        await (await weth.mint(alice.address, COLLATERAL)).wait();
        await (await weth.approve(await vm.getAddress(), COLLATERAL)).wait();
        const args = [await weth.getAddress(), COLLATERAL, DEBT] as const;
        const receipt = await (
          await vm.openVault(...args, { gasLimit: withMargin(await vm.openVault.estimateGas(...args)) })
        ).wait();
        expect(receipt?.status).to.equal(1);

        expect(await vm.vaultCount()).to.equal(1n);
        const info = await vm.vaultInfo(1);
        expect(info.owner).to.equal(alice.address);
        expect(info.collateralAmount).to.equal(COLLATERAL);
        timings.push(`open vault ${((Date.now() - start) / 1000).toFixed(1)} s`);
      });

      it("`cast call healthFactor(1)` equals ethers and collateral value / (debt × 1.5) at $3,000", async function () {
        const vm = VaultManager__factory.connect(address("VaultManager"), provider!);
        const oracle = OracleAdapter__factory.connect(address("OracleAdapter"), provider!);
        const weth = address("WETH");
        // Pin every read to one block so the accrued interest is the same for all of them
        // (eth_blockNumber directly: ethers caches getBlockNumber()).
        const blockTag = Number(await provider!.send("eth_blockNumber", []));

        const [price, status] = await oracle.getPrice(weth, { blockTag });
        expect(status).to.equal(0n); // Live
        expect(price).to.equal(ETH_PRICE);

        const { liquidationRatio } = await vm.collateralConfig(weth, { blockTag });
        expect(liquidationRatio).to.equal(parseUnits("1.5", 18));
        const debt = await vm.debtOf(1, { blockTag });
        // Interest between the collateral's registration and the vault's opening rounds the debt up by a few wei.
        expect(debt)
          .to.be.gte(DEBT)
          .and.lte(DEBT + 10n ** 9n);

        const value = mulDivDown(COLLATERAL, price, WAD); // $30,000
        const expected = mulDivDown(value, WAD, mulDivUp(debt, liquidationRatio, WAD));
        const viaEthers = await vm.healthFactor(1, { blockTag });

        const start = Date.now();
        const vmAddress = await vm.getAddress();
        // As a user types it: no block pin (no block was mined since `blockTag`)...
        const latest = await castHealthFactor(vmAddress, url, []);
        // ...and pinned to the block ethers read.
        const pinned = await castHealthFactor(vmAddress, url, ["--block", String(blockTag)]);
        timings.push(`cast ${((Date.now() - start) / 1000).toFixed(1)} s (${latest.via})`);

        expect(pinned.value).to.equal(viaEthers);
        expect(latest.value).to.equal(viaEthers);
        expect(viaEthers).to.equal(expected);
        // 30,000 / (10,000 × 1.5) = 2, less the few wei of interest.
        expect(viaEthers)
          .to.be.lte(2n * WAD)
          .and.gte(2n * WAD - 10n ** 9n);
      });
    });
  }
});

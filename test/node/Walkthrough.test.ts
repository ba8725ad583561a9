/**
 * The README's local walkthrough, end to end, on a real JSON-RPC node: for a fresh Hardhat node and
 * a fresh anvil (each on a free loopback port, stopped in `after` whatever happened before),
 * `hardhat deploy --network localhost` with the records in a temporary folder, then every command of
 * scripts/walkthrough/steps.ts in order; each output must equal the README's sample block for it
 * (normalized: hashes, times, gas and digits past the second decimal masked). A README edited
 * without a run, a task whose output changed, or a node on which a command behaves differently
 * fails here; `npm run docs` regenerates the samples from a real run.
 *
 * Then, on the same node, what a user does without the tasks: open a vault with plain ethers over
 * JSON-RPC, and read its health factor with `cast call`, equal to ethers' and to the formula.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider, parseEther, parseUnits, type JsonRpcSigner } from "ethers";
import { MockERC20__factory, OracleAdapter__factory, VaultManager__factory } from "../../typechain-types";
import { STEPS } from "../../scripts/walkthrough/steps";
import {
  deployTo,
  normalize,
  readmeSamples,
  runSteps,
  sampleBody,
  startNode,
  type LocalNode,
  type NodeKind,
} from "../../scripts/walkthrough";
import { bin, ROOT, run } from "../../scripts/lib/externalNode";
import { PriceStatus, WAD } from "../../lib/sdk";

const CHAIN_ID = 31337n;
const COLLATERAL = parseEther("10"); // 10 WETH
const DEBT = parseEther("10000"); // 10,000 BDOL
const CAST_TIMEOUT_MS = 60_000;

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
 * `cast call <vm> "healthFactor(uint256)(uint256)" <id> --rpc-url <url>`. cast (1.7) sends the
 * calldata as both `input` and `data`, which the Hardhat node (EDR) rejects with "duplicate field
 * `data`"; only for that error, fall back to `cast rpc eth_call` with `data` alone and `cast abi-decode`.
 */
async function castHealthFactor(
  vm: string,
  id: bigint,
  url: string,
  blockArgs: string[],
): Promise<{ value: bigint; via: "cast call" | "cast rpc eth_call" }> {
  const signature = "healthFactor(uint256)(uint256)";
  const opts = { timeoutMs: CAST_TIMEOUT_MS };
  try {
    const { output } = await run(
      "cast call",
      bin("cast"),
      ["call", vm, signature, String(id), "--rpc-url", url, ...blockArgs],
      opts,
    );
    return { value: castUint(output), via: "cast call" };
  } catch (err) {
    if (!/duplicate field `data`/.test(String(err))) throw err;
  }
  const data = (
    await run("cast calldata", bin("cast"), ["calldata", "healthFactor(uint256)", String(id)], opts)
  ).output.trim();
  const block = blockArgs.length ? "0x" + BigInt(blockArgs[1]).toString(16) : "latest";
  const { output } = await run(
    "cast rpc eth_call",
    bin("cast"),
    ["rpc", "eth_call", JSON.stringify({ to: vm, data }), block, "--rpc-url", url],
    opts,
  );
  const raw = JSON.parse(output) as string;
  const decoded = (await run("cast abi-decode", bin("cast"), ["abi-decode", signature, raw], opts)).output;
  return { value: castUint(decoded), via: "cast rpc eth_call" };
}

describe("README walkthrough on a real node (Hardhat node and anvil)", function () {
  this.timeout(900_000);
  const samples = readmeSamples();
  const deploymentsLocalhost = path.join(ROOT, "deployments", "localhost");
  const hadDeploymentsLocalhost = existsSync(deploymentsLocalhost);

  it("the README has a sample block for every step, and only for steps", () => {
    expect([...samples.keys()].sort()).to.deep.equal(STEPS.map((s) => s.id).sort());
  });

  for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
    describe(kind === "hardhat" ? "Hardhat node" : "anvil", function () {
      let node: LocalNode | undefined;
      let provider: JsonRpcProvider | undefined;
      let vaultId = 0n;

      const address = (name: string): string => {
        const file = path.join(node!.deploymentsDir, "localhost", `${name}.json`);
        return (JSON.parse(readFileSync(file, "utf8")) as { address: string }).address;
      };

      before(async function () {
        node = await startNode(kind);
        provider = new JsonRpcProvider(node.url, Number(CHAIN_ID), { staticNetwork: true, pollingInterval: 100 });
        expect(BigInt(await provider.send("eth_chainId", []))).to.equal(CHAIN_ID);
      });

      after(async function () {
        provider?.destroy();
        await node?.stop();
        if (node) console.log(`      [${kind}] ${node.timings.join(", ")}`);
      });

      it("deploys the whole system with `hardhat deploy --network localhost`, records in a temporary folder", async () => {
        const output = await deployTo(node!);
        for (const name of ["WETH", "ETH_USD_FEED", "BallastDollar", "ReservePool", "OracleAdapter", "VaultManager"]) {
          const file = path.join(node!.deploymentsDir, "localhost", `${name}.json`);
          expect(existsSync(file), `${name} deployment\n${output}`).to.be.true;
          expect(await provider!.getCode(address(name)), `${name} code`).to.not.equal("0x");
        }
        // The records went to the temporary folder, not the project's deployments/localhost.
        if (!hadDeploymentsLocalhost) expect(existsSync(deploymentsLocalhost)).to.be.false;
      });

      it("every command's output equals the README's sample", async () => {
        const steps = await runSteps(node!);
        expect(steps.map((s) => s.id)).to.deep.equal(STEPS.map((s) => s.id));
        for (const [i, step] of steps.entries()) {
          const refused = step.output.startsWith("error: ");
          expect(refused, `${step.id}: ${step.output.split("\n")[0]}`).to.equal(Boolean(STEPS[i].refused));
          const masks = STEPS[i].masks;
          expect(normalize(step.output, masks), `${kind} ${step.id} (${step.command})`).to.equal(
            sampleBody(samples.get(step.id)!, masks),
          );
        }
      });

      it("opens a vault with plain ethers over JSON-RPC: 10 WETH, 10,000 BDOL", async () => {
        const start = Date.now();
        const carol: JsonRpcSigner = await provider!.getSigner(5); // a funded account the walkthrough does not use
        const weth = MockERC20__factory.connect(address("WETH"), carol);
        const vm = VaultManager__factory.connect(address("VaultManager"), carol);
        const before = await vm.vaultCount();

        await (await weth.mint(carol.address, COLLATERAL)).wait();
        await (await weth.approve(await vm.getAddress(), COLLATERAL)).wait();
        const args = [await weth.getAddress(), COLLATERAL, DEBT] as const;
        const receipt = await (
          await vm.openVault(...args, { gasLimit: withMargin(await vm.openVault.estimateGas(...args)) })
        ).wait();
        expect(receipt?.status).to.equal(1);

        vaultId = await vm.vaultCount();
        expect(vaultId).to.equal(before + 1n);
        const info = await vm.vaultInfo(vaultId);
        expect(info.owner).to.equal(carol.address);
        expect(info.collateralAmount).to.equal(COLLATERAL);
        node!.timings.push(`open vault ${((Date.now() - start) / 1000).toFixed(1)} s`);
      });

      it("`cast call healthFactor` equals ethers and collateral value / (debt × liquidation ratio)", async () => {
        expect(vaultId, "the vault of the previous test").to.be.gt(0n);
        const vm = VaultManager__factory.connect(address("VaultManager"), provider!);
        const oracle = OracleAdapter__factory.connect(address("OracleAdapter"), provider!);
        const weth = address("WETH");
        // Pin every read to one block so the accrued interest is the same for all of them
        // (eth_blockNumber directly: ethers caches getBlockNumber()).
        const blockTag = Number(await provider!.send("eth_blockNumber", []));

        const [price, status] = await oracle.getPrice(weth, { blockTag });
        expect(status).to.equal(BigInt(PriceStatus.Live));
        // The walkthrough's dev:price left WETH at $2,600.
        expect(price).to.equal(parseUnits("2600", 18));

        const { liquidationRatio } = await vm.collateralConfig(weth, { blockTag });
        expect(liquidationRatio).to.equal(parseUnits("1.5", 18));
        const debt = await vm.debtOf(vaultId, { blockTag });
        // Interest between the last accrual and the vault's opening rounds the debt up by a few wei.
        expect(debt)
          .to.be.gte(DEBT)
          .and.lte(DEBT + 10n ** 9n);

        const value = mulDivDown(COLLATERAL, price, WAD); // $26,000
        const expected = mulDivDown(value, WAD, mulDivUp(debt, liquidationRatio, WAD));
        const viaEthers = await vm.healthFactor(vaultId, { blockTag });

        const start = Date.now();
        const vmAddress = await vm.getAddress();
        // As a user types it: no block pin (no block was mined since `blockTag`)...
        const latest = await castHealthFactor(vmAddress, vaultId, node!.url, []);
        // ...and pinned to the block ethers read.
        const pinned = await castHealthFactor(vmAddress, vaultId, node!.url, ["--block", String(blockTag)]);
        node!.timings.push(`cast ${((Date.now() - start) / 1000).toFixed(1)} s (${latest.via})`);

        expect(pinned.value).to.equal(viaEthers);
        expect(latest.value).to.equal(viaEthers);
        expect(viaEthers).to.equal(expected);
        // 26,000 / (10,000 × 1.5) = 1.7333…, less the few wei of interest.
        expect(viaEthers)
          .to.be.lte((26n * WAD) / 15n)
          .and.gte((26n * WAD) / 15n - 10n ** 9n);
      });
    });
  }
});

/**
 * Mainnet fork: the real deploy scripts with the mainnet entry of config/networks.ts (real WETH,
 * real Chainlink feeds, no mocks), the real ETH/USD price through the oracle adapter, and a vault
 * opened with real WETH taken from an impersonated holder.
 *
 * Runs only when FORK_URL is set (hardhat.config.ts then forks it; FORK_BLOCK pins the block):
 *   FORK_URL=https://<mainnet RPC> npx hardhat test test/fork/Fork.test.ts
 * The suite sets BALLAST_CONFIG=mainnet for its own deploy (see `networkConfig`), deploys without a
 * hardhat-deploy fixture snapshot, and reverts the chain and restores the variable afterwards, so
 * the other suites, which run on the same fork with the local config, are not affected.
 */
import { expect } from "chai";
import hre, { deployments, ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Contract, parseEther, parseUnits, toQuantity } from "ethers";
import { networkConfig } from "../../config/networks";
import type { BallastDollar, OracleAdapter, VaultManager } from "../../typechain-types";
import { WAD } from "../../lib/sdk";
import { contractAt } from "../../lib/sdk/hardhat";

const WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
const ETH_USD_FEED = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419";
/** Known large WETH holders, tried in order; WETH.deposit() is the fallback. */
const WETH_HOLDERS = [
  "0x8EB8a3b98659Cce290402893d0123abb75E3ab28", // Avalanche bridge (EOA)
  "0x2F0b23f53734252Bda2277357e97e1517d6B042A", // MakerDAO MCD_JOIN_ETH_A
  "0x4d5F47FA6A74757f35C14fD3a6Ef8E3C9BC514E8", // Aave v3 aEthWETH
];

const LIVE = 0n;
const WETH_ABI = [
  "function symbol() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
  "function deposit() payable",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function approve(address spender, uint256 amount) returns (bool)",
];
const FEED_ABI = [
  "function decimals() view returns (uint8)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
];

const mulDivUp = (x: bigint, y: bigint, d: bigint) => (x * y + d - 1n) / d;
const mulDivDown = (x: bigint, y: bigint, d: bigint) => (x * y) / d;

describe("Mainnet fork: deploy with the mainnet config, real Chainlink price, vault with real WETH", function () {
  this.timeout(600_000); // a cold fork fetches every touched account and slot over RPC

  let snapshot: string | undefined;
  let configBefore: string | undefined;
  const envBefore: Record<string, string | undefined> = {};
  let configChanged = false;

  let alice: HardhatEthersSigner;
  let vm: VaultManager;
  let oracle: OracleAdapter;
  let bdol: BallastDollar;
  let weth: Contract;
  let vaultId = 0n;
  let collateral = 0n;
  let debt = 0n;

  before(async function () {
    if (!process.env.FORK_URL) {
      console.log("fork suite skipped: set FORK_URL to a mainnet RPC URL to run it");
      this.skip();
    }
    expect(network.name).to.equal("hardhat");
    // Run every call on a block of the fork, not on the remote's history: Hardhat executes calls at
    // historical blocks only for chains whose hardfork history it knows (mainnet does; a local
    // stand-in does not).
    await network.provider.send("hardhat_mine", ["0x1"]);
    expect(await ethers.provider.getCode(WETH), "WETH has no code: is FORK_URL an Ethereum mainnet RPC?").to.not.equal(
      "0x",
    );
    // The constants above are the ones the mainnet config deploys with.
    const mainnet = networkConfig("mainnet");
    expect(mainnet.collaterals.WETH.token).to.equal(WETH);
    expect(mainnet.collaterals.WETH.feed.primaryFeed).to.equal(ETH_USD_FEED);

    [, alice] = await ethers.getSigners();
    weth = new Contract(WETH, WETH_ABI, ethers.provider);
    expect(await weth.symbol()).to.equal("WETH");

    snapshot = (await network.provider.send("evm_snapshot", [])) as string;
    configBefore = process.env.BALLAST_CONFIG;
    process.env.BALLAST_CONFIG = "mainnet";
    configChanged = true;
    // The mainnet config takes the treasury and guardian multisigs from the environment: stand-ins.
    const signers = await ethers.getSigners();
    for (const [name, signer] of [
      ["MAINNET_TREASURY", signers[8]],
      ["MAINNET_GUARDIAN", signers[9]],
    ] as const) {
      envBefore[name] = process.env[name];
      process.env[name] ||= signer.address;
    }
    // deployments.run, not fixture(): a fixture would reuse (or leave behind) the snapshot other
    // suites get from `deployments.fixture()`, deployed with the local config.
    await deployments.run(undefined, { resetMemory: true, writeDeploymentsToFiles: false });

    vm = (await contractAt(hre, "VaultManager", "VaultManager")) as unknown as VaultManager;
    oracle = (await contractAt(hre, "OracleAdapter", "OracleAdapter")) as unknown as OracleAdapter;
    bdol = (await contractAt(hre, "BallastDollar", "BallastDollar")) as unknown as BallastDollar;
  });

  after(async function () {
    if (snapshot !== undefined) await network.provider.send("evm_revert", [snapshot]);
    if (configChanged) {
      if (configBefore === undefined) delete process.env.BALLAST_CONFIG;
      else process.env.BALLAST_CONFIG = configBefore;
      for (const [name, value] of Object.entries(envBefore)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("deploys against real WETH and the real Chainlink ETH/USD feed, without mocks", async function () {
    expect((await deployments.getOrNull("WETH")) ?? null, "mock WETH deployed on the fork").to.equal(null);
    expect((await deployments.getOrNull("ETH_USD_FEED")) ?? null, "mock feed deployed on the fork").to.equal(null);
    expect(await vm.collaterals()).to.include(WETH);
    const config = await vm.collateralConfig(WETH);
    expect(config.enabled).to.equal(true);
    expect(config.liquidationRatio).to.equal(parseUnits("1.5", 18));
    expect((await oracle.feedConfig(WETH)).primaryFeed).to.equal(ETH_USD_FEED);
  });

  it("reads the real Chainlink ETH/USD price through OracleAdapter.getPrice", async function () {
    const [price, status] = await oracle.getPrice(WETH);
    expect(status, "ETH/USD status (0 = Live, 1 = Stale, ...)").to.equal(LIVE);
    expect(price).to.be.gte(parseUnits("100", 18)).and.lte(parseUnits("100000", 18));

    const feed = new Contract(ETH_USD_FEED, FEED_ABI, ethers.provider);
    const decimals = BigInt(await feed.decimals());
    const [, answer] = await feed.latestRoundData();
    expect(price).to.equal(BigInt(answer) * 10n ** (18n - decimals));
  });

  it("opens a vault with WETH from an impersonated holder and borrows", async function () {
    const [price] = await oracle.getPrice(WETH);
    // At least 10 WETH and at least $30,000 of it, so a third of its value clears the mainnet minimum debt.
    const minimum = mulDivUp(parseUnits("30000", 18), WAD, price);
    collateral = minimum > parseEther("10") ? minimum : parseEther("10");

    const before = (await weth.balanceOf(alice.address)) as bigint;
    let source = "WETH.deposit()";
    for (const holder of WETH_HOLDERS) {
      if (((await weth.balanceOf(holder)) as bigint) < collateral) continue;
      await network.provider.request({ method: "hardhat_impersonateAccount", params: [holder] });
      try {
        await network.provider.request({
          method: "hardhat_setBalance",
          params: [holder, toQuantity(parseEther("10"))],
        });
        const signer = await ethers.getSigner(holder);
        await (await (weth.connect(signer) as Contract).transfer(alice.address, collateral)).wait();
        source = holder;
      } finally {
        await network.provider.request({ method: "hardhat_stopImpersonatingAccount", params: [holder] });
      }
      break;
    }
    if (source === "WETH.deposit()") {
      // No listed holder has enough at this block: wrap ETH instead (alice is a funded default account).
      await (await (weth.connect(alice) as Contract).deposit({ value: collateral })).wait();
    }
    expect((await weth.balanceOf(alice.address)) - before, `WETH from ${source}`).to.equal(collateral);

    await (await (weth.connect(alice) as Contract).approve(await vm.getAddress(), collateral)).wait();
    vaultId = await vm.connect(alice).openVault.staticCall(WETH, collateral, 0n);
    // Explicit gas for the risk-adding calls: an exact estimate can trip the oracle's gas guard
    // (InsufficientGas) when the transaction is mined a second later (see test/node).
    const gasLimit = (estimate: bigint) => estimate + estimate / 4n;
    await (
      await vm.connect(alice).openVault(WETH, collateral, 0n, {
        gasLimit: gasLimit(await vm.connect(alice).openVault.estimateGas(WETH, collateral, 0n)),
      })
    ).wait();

    // Borrow a third of the collateral's value, in whole BDOL: health factor ≈ 3 / 1.5 = 2.
    debt = (mulDivDown(collateral, price, WAD) / 3n / WAD) * WAD;
    expect(debt).to.be.gte(networkConfig("mainnet").collaterals.WETH.minDebt);
    const bdolBefore = await bdol.balanceOf(alice.address);
    await (
      await vm.connect(alice).borrow(vaultId, debt, alice.address, {
        gasLimit: gasLimit(await vm.connect(alice).borrow.estimateGas(vaultId, debt, alice.address)),
      })
    ).wait();

    expect((await bdol.balanceOf(alice.address)) - bdolBefore).to.equal(debt);
    const info = await vm.vaultInfo(vaultId);
    expect(info.owner).to.equal(alice.address);
    expect(info.collateral).to.equal(WETH);
    expect(info.collateralAmount).to.equal(collateral);
  });

  it("health factor = collateral value / (debt × 1.5) at the Chainlink price", async function () {
    const blockTag = await ethers.provider.getBlockNumber();
    const [price, status] = await oracle.getPrice(WETH, { blockTag });
    expect(status).to.equal(LIVE);
    const { liquidationRatio } = await vm.collateralConfig(WETH, { blockTag });
    const currentDebt = await vm.debtOf(vaultId, { blockTag });
    expect(currentDebt)
      .to.be.gte(debt)
      .and.lte(debt + 10n ** 9n);

    const value = mulDivDown(collateral, price, WAD);
    const expected = mulDivDown(value, WAD, mulDivUp(currentDebt, liquidationRatio, WAD));
    const healthFactor = await vm.healthFactor(vaultId, { blockTag });
    expect(healthFactor).to.equal(expected);
    // value ≥ 3 × debt (debt is rounded down to whole BDOL), so the health factor is at least 2, less a few wei of interest.
    expect(healthFactor).to.be.gte(2n * WAD - 10n ** 9n);
    expect(healthFactor).to.be.lt(2n * WAD + WAD / 100n);
  });
});

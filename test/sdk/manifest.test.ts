/**
 * The SDK's manifest and generated bounds against what the repo really has: the deploy scripts
 * create every protocol deployment the manifest names, with the contract it says; exactly the
 * manifest's admin contracts have roles; `connect` binds them all; lib/sdk/constants.ts is what
 * scripts/gen-constants.js makes of ConstantsLib.sol today.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import hre, { artifacts, deployments } from "hardhat";
import { ADMIN_CONTRACTS, OPTIONAL, PROTOCOL, UNISWAP, bounds, connect } from "../../lib/sdk";

const ROOT = path.resolve(__dirname, "..", "..");

describe("SDK manifest and bounds", function () {
  let all: Awaited<ReturnType<typeof deployments.all>>;
  before(async () => {
    await deployments.fixture();
    all = await deployments.all();
  });

  it("every protocol deployment the manifest names exists, with the contract it names", async () => {
    for (const [name, contract] of Object.entries(PROTOCOL)) {
      expect(all[name], `deployment ${name}`).to.not.equal(undefined);
      const artifact = await artifacts.readArtifact(contract);
      expect(JSON.stringify(all[name].abi), `${name}'s ABI is ${contract}'s`).to.equal(JSON.stringify(artifact.abi));
    }
    for (const name of OPTIONAL) expect(Object.keys(PROTOCOL)).to.include(name);
  });

  it("names every deployment: protocol, Uniswap, or a config-named token, feed, pool or strategy", () => {
    const known = new Set<string>([...Object.keys(PROTOCOL), ...UNISWAP]);
    for (const name of Object.keys(all)) {
      if (known.has(name)) continue;
      expect(name, `${name} is neither in the manifest nor config-named`).to.match(/^[A-Z0-9_]+$/);
    }
  });

  it("the contracts with roles are exactly the admin contracts and the timelock", () => {
    const withRoles = Object.entries(all)
      .filter(([, d]) =>
        d.abi.some((f: { type: string; name?: string }) => f.type === "function" && f.name === "hasRole"),
      )
      .map(([n]) => n)
      .sort();
    expect(withRoles).to.deep.equal([...ADMIN_CONTRACTS, "Timelock"].sort());
  });

  it("connect binds every protocol contract at its deployment's address, and the collateral registry reads the chain", async () => {
    const addresses = Object.fromEntries(Object.entries(all).map(([n, d]) => [n, d.address]));
    const c = connect(hre.ethers.provider, addresses);
    expect(await c.vaultManager.getAddress()).to.equal(all.VaultManager.address);
    expect(await c.pegKeeper!.getAddress()).to.equal(all.PegKeeper.address);
    expect(await c.vaultManager.stablecoin()).to.equal(all.BallastDollar.address);
    const registry = await c.collaterals();
    expect(registry.list.map((x) => [x.symbol, x.decimals])).to.deep.equal([
      ["WETH", 18],
      ["WBTC", 8],
    ]);
    expect(registry.get("wbtc").address).to.equal(all.WBTC.address);
    expect(() => registry.get("DOGE")).to.throw(
      '--collateral "DOGE" is not a collateral here; choose one of WETH, WBTC',
    );
    // Without an optional deployment the field is absent; without a required one, a clear error.
    const { PegKeeper: _pk, ...withoutKeeper } = addresses;
    expect(connect(hre.ethers.provider, withoutKeeper).pegKeeper).to.equal(undefined);
    const { VaultManager: _vm, ...withoutVm } = addresses;
    expect(() => connect(hre.ethers.provider, withoutVm)).to.throw("deployment VaultManager is missing");
  });

  it("lib/sdk/constants.ts is generated from ConstantsLib.sol and up to date", () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "gen-constants.js"), "--check"], {
      encoding: "utf8",
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(bounds.MAX_DEBT_CEILING).to.equal(10n ** 28n);
    expect(bounds.MIN_PRICE_WINDOW).to.equal(bounds.PRICE_RANGE_BUCKET);
    expect(bounds.MAX_STABILITY_FEE).to.equal(1_000000021979553151239153027n);
  });
});

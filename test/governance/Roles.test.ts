/**
 * The post-deploy role check (scripts/lib/roles.ts, run by deploy/99_handover.ts and the
 * `roles:check` task): on a fresh deployment every admin role sits with the timelock, the governor
 * alone proposes and cancels, anyone executes, the guardian holds its one role and the deployer
 * holds nothing; any other holder, a missing one, or a wrong privileged link is reported by name.
 */
import { expect } from "chai";
import hre, { deployments, ethers, getNamedAccounts } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";

import { networkConfig } from "../../config/networks";
import { ADMIN_CONTRACTS, wad, type ContractName } from "../../lib/sdk";
import { checkRoles, formatRoleReport, type RoleReport } from "../../scripts/lib/roles";
import { adminOf, loadSystem, type System } from "../helpers/fixtures";
import { contractAt } from "../../lib/sdk/hardhat";

const ADMIN_ROLE = ethers.ZeroHash;
const DAY = 24 * 3600;
const ROLE_NAMES = ["DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"];
const roleId = (name: string) => (name === "DEFAULT_ADMIN_ROLE" ? ADMIN_ROLE : ethers.id(name));

/** The report's role rows as "Contract.ROLE holder-name", sorted. */
const rows = (r: RoleReport) => r.roles.map((x) => `${x.contract}.${x.role} ${x.holderName}`).sort();

describe("Roles (post-deploy role check)", function () {
  let sys: System;
  let deployer: HardhatEthersSigner;
  let attacker: HardhatEthersSigner;
  let guardian: string;
  let timelockSigner: Signer;
  let addr: Record<string, string>;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ deployer, attacker } = sys);
    guardian = (await getNamedAccounts()).guardian;
    timelockSigner = await adminOf(sys.vaultManager);
    addr = {};
    for (const [name, d] of Object.entries(await deployments.all())) addr[name] = d.address;
  });

  /** A deployed contract connected to the (impersonated) timelock. */
  const asTimelock = async (name: string) =>
    (await contractAt(hre, name as ContractName, addr[name], timelockSigner)) as unknown as {
      grantRole(role: string, account: string): Promise<unknown>;
      revokeRole(role: string, account: string): Promise<unknown>;
      renounceRole(role: string, account: string): Promise<unknown>;
    };

  it("passes on a fresh deployment and lists exactly the expected holders", async () => {
    const report = await checkRoles(hre);
    expect(report.problems).to.deep.equal([]);
    expect(report.roles.every((r) => r.ok)).to.equal(true);
    expect(rows(report)).to.deep.equal(
      [
        ...ADMIN_CONTRACTS.map((c) => `${c}.DEFAULT_ADMIN_ROLE Timelock`),
        "VaultManager.GUARDIAN_ROLE guardian",
        "PegKeeper.GUARDIAN_ROLE guardian",
        "SavingsBdol.GUARDIAN_ROLE guardian",
        "VaultManager.RISK_CONTROL_ROLE RiskController",
        "SavingsBdol.RISK_CONTROL_ROLE RiskController",
        "Timelock.DEFAULT_ADMIN_ROLE Timelock",
        "Timelock.PROPOSER_ROLE BallastGovernor",
        "Timelock.CANCELLER_ROLE BallastGovernor",
        "Timelock.EXECUTOR_ROLE anyone (address 0)",
      ].sort(),
    );
    const holder = (contract: string, role: string) =>
      report.roles.find((r) => r.contract === contract && r.role === role)!.holder;
    expect(holder("VaultManager", "GUARDIAN_ROLE")).to.equal(guardian);
    expect(holder("Timelock", "EXECUTOR_ROLE")).to.equal(ethers.ZeroAddress);
    expect(report.links.length).to.be.greaterThan(0);
    expect(report.links.filter((l) => !l.ok)).to.deep.equal([]);
    expect(
      report.links.filter((l) => l.what === "BallastDollar module (mints/burns)").map((l) => l.valueName),
    ).to.have.members(["VaultManager", "LiquidationEngine", "ReservePool", "PegStabilityModule", "PegKeeper"]);
    expect(formatRoleReport(report).split("\n").at(-1)).to.equal("role check: ok");
  });

  it("leaves the deployer no role on any contract, and the timelock administering every role", async () => {
    expect(deployer.address).to.equal((await getNamedAccounts()).deployer);
    let contracts = 0;
    for (const [name, d] of Object.entries(await deployments.all())) {
      if (!d.abi.some((f: { name?: string }) => f.name === "hasRole")) continue;
      contracts++;
      const c = await ethers.getContractAt(d.abi, d.address);
      // Every role ever granted on the contract, and every role the protocol knows.
      const granted = (await c.queryFilter(c.filters.RoleGranted())).map(
        (l) => (l as unknown as { args: string[] }).args[0],
      );
      const roles = new Set([...ROLE_NAMES.map(roleId), ...granted]);
      for (const role of roles) {
        expect(await c.hasRole(role, deployer.address), `${name} ${role}`).to.equal(false);
        expect(await c.getRoleAdmin(role), `${name} admin of ${role}`).to.equal(ADMIN_ROLE);
      }
      // The deployer did hold the admin role during the deployment: it renounced it.
      expect(
        (await c.queryFilter(c.filters.RoleRevoked(ADMIN_ROLE, deployer.address))).length,
        `${name} renounced`,
      ).to.equal(1);
      expect(await c.hasRole(ADMIN_ROLE, addr.Timelock), name).to.equal(true);
    }
    expect(contracts).to.equal(ADMIN_CONTRACTS.length + 1); // + the timelock itself
    // Nor any privileged link: not a stablecoin module, not the fee recipient.
    expect(await sys.bdol.isModule(deployer.address)).to.equal(false);
    expect(await sys.bdol.feeRecipient()).to.equal(addr.ReservePool);
  });

  it("names an extra admin granted through the timelock", async () => {
    await (await asTimelock("OracleAdapter")).grantRole(ADMIN_ROLE, attacker.address);
    const report = await checkRoles(hre);
    expect(report.problems).to.deep.equal([
      `OracleAdapter: ${attacker.address} holds DEFAULT_ADMIN_ROLE, which only Timelock may hold`,
    ]);
    expect(report.roles.filter((r) => !r.ok)).to.deep.equal([
      {
        contract: "OracleAdapter",
        role: "DEFAULT_ADMIN_ROLE",
        holder: attacker.address,
        holderName: attacker.address,
        ok: false,
      },
    ]);
    expect(formatRoleReport(report)).to.include("role check: 1 problem(s)");
    // Once revoked, the check is clean again: holders are confirmed with hasRole, not just events.
    await (await asTimelock("OracleAdapter")).revokeRole(ADMIN_ROLE, attacker.address);
    expect((await checkRoles(hre)).problems).to.deep.equal([]);
  });

  it("names a second guardian, a missing guardian and a role the check does not know", async () => {
    const vm = await asTimelock("VaultManager");
    const guardianRole = ethers.id("GUARDIAN_ROLE");
    await vm.grantRole(guardianRole, attacker.address);
    await vm.revokeRole(guardianRole, guardian);
    const minter = ethers.id("MINTER_ROLE");
    await (await asTimelock("BallastDollar")).grantRole(minter, attacker.address);
    expect((await checkRoles(hre)).problems.sort()).to.deep.equal(
      [
        `VaultManager: ${attacker.address} holds GUARDIAN_ROLE, which only guardian may hold`,
        "VaultManager: guardian does not hold GUARDIAN_ROLE",
        `BallastDollar: ${attacker.address} holds ${minter}, which nobody may hold`,
      ].sort(),
    );
  });

  it("names a deployer given a timelock role, and a timelock that gave up its own admin", async () => {
    const timelock = await asTimelock("Timelock");
    await timelock.grantRole(ethers.id("PROPOSER_ROLE"), deployer.address);
    await timelock.renounceRole(ADMIN_ROLE, addr.Timelock);
    expect((await checkRoles(hre)).problems.sort()).to.deep.equal(
      [
        "Timelock: deployer holds PROPOSER_ROLE, which only BallastGovernor may hold",
        "Timelock: Timelock does not hold DEFAULT_ADMIN_ROLE",
      ].sort(),
    );
  });

  it("names an extra stablecoin module and a rewired reserve (privileged links that are not roles)", async () => {
    const timelock = timelockSigner;
    await sys.bdol.connect(timelock).setModule(attacker.address, true);
    await sys.vaultManager.connect(timelock).setReserve(attacker.address);
    expect((await checkRoles(hre)).problems.sort()).to.deep.equal(
      [
        `BallastDollar module (mints/burns) is ${attacker.address}`,
        `VaultManager.reserve is ${attacker.address}`,
      ].sort(),
    );
    // A module switched off again is not a module.
    await sys.bdol.connect(timelock).setModule(attacker.address, false);
    await sys.vaultManager.connect(timelock).setReserve(addr.ReservePool);
    expect((await checkRoles(hre)).problems).to.deep.equal([]);
  });

  it("names a newly deployed contract whose admin role was never handed over", async () => {
    // A new module deployed after the handover, still administered by its deployer.
    const local = networkConfig("hardhat");
    await deployments.deploy("NewModule", {
      contract: "ReservePool",
      from: deployer.address,
      args: [addr.BallastDollar, deployer.address, local.reserve.bufferShare],
    });
    expect((await checkRoles(hre)).problems.sort()).to.deep.equal(
      [
        "NewModule: deployer holds DEFAULT_ADMIN_ROLE, which only Timelock may hold",
        "NewModule: Timelock does not hold DEFAULT_ADMIN_ROLE",
      ].sort(),
    );
  });

  describe("roles:check task", () => {
    let printed: string[];
    let log: typeof console.log;
    beforeEach(() => {
      printed = [];
      log = console.log;
      console.log = (...args: unknown[]) => void printed.push(args.join(" "));
    });
    afterEach(() => {
      console.log = log;
    });

    it("prints the report and 'role check: ok' on a fresh deployment", async () => {
      const report = (await hre.run("roles:check")) as RoleReport;
      console.log = log;
      expect(report.problems).to.deep.equal([]);
      const text = printed.join("\n");
      expect(text).to.include("role check: ok");
      expect(text).to.match(/ok +VaultManager\.GUARDIAN_ROLE +guardian 0x/);
      expect(text).to.not.include("BAD");
    });

    it("fails, naming the problem, when someone else holds a role", async () => {
      await (await asTimelock("LiquidationEngine")).grantRole(ADMIN_ROLE, attacker.address);
      const exitCode = process.exitCode;
      let error: Error | undefined;
      try {
        await hre.run("roles:check");
      } catch (e) {
        error = e as Error;
      } finally {
        process.exitCode = exitCode; // the task sets it for the CLI
      }
      expect(error?.message).to.equal("role check failed on hardhat: 1 problem(s)");
      console.log = log;
      const text = printed.join("\n");
      expect(text).to.include("role check: 1 problem(s)");
      expect(text).to.include(`LiquidationEngine: ${attacker.address} holds DEFAULT_ADMIN_ROLE`);
      expect(text).to.match(/BAD +LiquidationEngine\.DEFAULT_ADMIN_ROLE/);
    });
  });

  describe("re-running the deploy after the handover", () => {
    it("sends no transaction when the config is unchanged", async () => {
      const block = await ethers.provider.getBlockNumber();
      const before = await deployments.all();
      await deployments.run(undefined, { resetMemory: false, writeDeploymentsToFiles: false });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      const after = await deployments.all();
      for (const [name, d] of Object.entries(before)) expect(after[name].address, name).to.equal(d.address);
      expect((await checkRoles(hre)).problems).to.deep.equal([]);
    });

    it("stops with a clear message, deploying nothing, when a setting differs from the config", async () => {
      const config = networkConfig("hardhat");
      const weth = (await deployments.get("WETH")).address;
      const block = await ethers.provider.getBlockNumber();
      const cases: [() => void, () => void, string][] = [
        [
          () => (config.governance.votingPeriod += 60),
          () => (config.governance.votingPeriod -= 60),
          "governance settings on hardhat differ from config/networks.ts (voting period: 3600 on chain, 3660 in the config)",
        ],
        [
          () => (config.collaterals.WETH.auction.dust += 1n),
          () => (config.collaterals.WETH.auction.dust -= 1n),
          "the deployer no longer administers LiquidationEngine (the timelock does): propose the change with npx hardhat gov:propose",
        ],
        [
          () => (config.reserve.bufferShare -= 1n),
          () => (config.reserve.bufferShare += 1n),
          "the deployer no longer administers ReservePool (the timelock does)",
        ],
        [
          () => (config.collaterals.WETH.debtCeiling += wad(1)),
          () => (config.collaterals.WETH.debtCeiling -= wad(1)),
          "VaultManager.setDebtCeiling(" +
            weth +
            ", 100000001000000000000000000) is needed to match config/networks.ts on hardhat, but the deployer no " +
            "longer administers VaultManager (the timelock does): propose the change with npx hardhat gov:propose",
        ],
        [
          () => (config.collaterals.WBTC.minDebt -= 1n),
          () => (config.collaterals.WBTC.minDebt += 1n),
          "the deployer no longer administers VaultManager",
        ],
        [
          () => (config.collaterals.WETH.liquidationRatio += wad("0.3")),
          () => (config.collaterals.WETH.liquidationRatio -= wad("0.3")),
          "VaultManager.setLiquidationRatio(WETH, 1800000000000000000) is needed to match config/networks.ts on hardhat, " +
            "but the deployer no longer administers VaultManager",
        ],
        [
          () => (config.collaterals.WBTC.liquidationPenalty += 1n),
          () => (config.collaterals.WBTC.liquidationPenalty -= 1n),
          "VaultManager.setLiquidationPenalty(WBTC, 100000000000000001)",
        ],
      ];
      for (const [change, restore, message] of cases) {
        change();
        try {
          await expect(
            deployments.run(undefined, { resetMemory: false, writeDeploymentsToFiles: false }),
          ).to.be.rejectedWith(message);
        } finally {
          restore();
        }
      }
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });
  });

  describe("re-running deploy/04 before the handover (the deployer still administers the vault manager)", () => {
    const config = networkConfig("hardhat");
    const WETH = config.collaterals.WETH;
    const initial = { ...WETH };
    const rerun = () => deployments.run(["VaultManager"], { resetMemory: false, writeDeploymentsToFiles: false });
    let weth: string;
    let warnings: string[];
    const warn = console.warn;

    beforeEach(async () => {
      // 00–04 only, fresh: no governance, no handover (not the full fixture the other tests share).
      await deployments.fixture(["VaultManager"], { fallbackToGlobal: false });
      weth = (await deployments.get("WETH")).address;
      warnings = [];
      console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
    });
    afterEach(() => {
      console.warn = warn;
      Object.assign(WETH, initial);
    });

    const vm = async () => contractAt(hre, "VaultManager", "VaultManager");
    const onChain = async () => {
      const c = await (await vm()).collateralConfig(weth);
      return [c.debtCeiling, c.minDebt, c.liquidationRatio, c.liquidationPenalty];
    };

    it("brings a changed debt ceiling and minimum debt to the config at once, and sends nothing when they match", async () => {
      WETH.debtCeiling = wad(7_000_000);
      WETH.minDebt = wad(1_000);
      await rerun();
      expect(await onChain()).to.deep.equal([
        wad(7_000_000),
        wad(1_000),
        initial.liquidationRatio,
        initial.liquidationPenalty,
      ]);
      const block = await ethers.provider.getBlockNumber();
      await rerun();
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("moves the liquidation ratio and penalty one step a day toward a config that jumps further, saying what is left", async () => {
      // 1.5 → 1.2 (three steps of 0.1) and 0.1 → 0.2 (two steps of 0.05).
      WETH.liquidationRatio = wad("1.2");
      WETH.liquidationPenalty = wad("0.2");
      await rerun();
      expect(await onChain()).to.deep.equal([initial.debtCeiling, initial.minDebt, wad("1.4"), wad("0.15")]);
      expect(warnings).to.have.length(2);
      expect(warnings[0]).to.include(
        "VaultManager.setLiquidationRatio(WETH): 1500000000000000000 on hardhat, 1200000000000000000 in config/networks.ts: " +
          "moved one step (at most 100000000000000000) to 1400000000000000000; 2 more step(s), one a day",
      );
      expect(warnings[1]).to.include("VaultManager.setLiquidationPenalty(WETH)");
      expect(warnings[1]).to.include("1 more step(s)");

      // The same day: the next step is not allowed yet; the deploy stops with the time it is.
      const block = await ethers.provider.getBlockNumber();
      await expect(rerun()).to.be.rejectedWith(
        new RegExp(
          "VaultManager\\.setLiquidationRatio\\(WETH\\): 1400000000000000000 on hardhat, 1200000000000000000 in " +
            "config/networks\\.ts: the next step \\(to 1300000000000000000\\) is allowed from \\d{4}-\\d\\d-\\d\\dT.*Z " +
            "\\(timestamp \\d+; one step a day\\): re-run the deploy then",
        ),
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(block);

      // A day later each moves one more step; the penalty arrives (no warning for it).
      await time.increase(DAY);
      warnings = [];
      await rerun();
      expect(await onChain()).to.deep.equal([initial.debtCeiling, initial.minDebt, wad("1.3"), wad("0.2")]);
      expect(warnings).to.have.length(1);
      await time.increase(DAY);
      await rerun();
      expect((await onChain())[2]).to.equal(wad("1.2"));
      const done = await ethers.provider.getBlockNumber();
      await time.increase(DAY);
      await rerun();
      expect(await ethers.provider.getBlockNumber()).to.equal(done + 1); // only time.increase mined
    });

    it("stops with the vault manager's own refusal when the config's value is not allowed for another reason", async () => {
      WETH.liquidationRatio = wad("1.7"); // above the 1.6 borrow ratio: no step leads there
      const block = await ethers.provider.getBlockNumber();
      await expect(rerun()).to.be.rejectedWith(
        "VaultManager.setLiquidationRatio(WETH): 1500000000000000000 on hardhat, 1700000000000000000 in config/networks.ts: " +
          "the step to 1700000000000000000 is refused with BorrowRatioBelowLiquidationRatio(1600000000000000000, 1700000000000000000)",
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      expect((await onChain())[2]).to.equal(initial.liquidationRatio);
    });
  });
});

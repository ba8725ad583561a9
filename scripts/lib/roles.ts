/**
 * The post-deploy role check: reads every role of every deployed contract and compares the holders
 * with what the governance handover must leave — the timelock administers everything, the governor
 * alone proposes and cancels, anyone executes, the guardian holds its one role, nobody else holds
 * anything (the deployer least of all). Used by the last deploy step, the `roles:check` task and
 * the tests.
 *
 * Holders are found from the RoleGranted events of each contract since its deployment, then
 * confirmed with `hasRole`, so a role granted to anyone at any time is seen. The same report lists
 * the privileged links that are not roles (stablecoin modules, fee recipient, wiring).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ZeroAddress, ZeroHash, getAddress, id as keccakId, type BaseContract, type Contract } from "ethers";
import { networkConfig } from "../../config/networks";
import { resolveAddress } from "./deploy";
import {
  ADMIN_CONTRACTS,
  EXPECTED_ROLES,
  KNOWN_ROLES,
  LINKS,
  STABLECOIN_MODULES,
  connect,
  type Holder,
  type ProtocolName,
} from "../../lib/sdk";

export interface RoleRow {
  contract: string;
  role: string;
  holder: string;
  /** Deployment or account name of the holder, or the address. */
  holderName: string;
  ok: boolean;
}

export interface LinkRow {
  what: string;
  value: string;
  valueName: string;
  ok: boolean;
}

export interface RoleReport {
  roles: RoleRow[];
  links: LinkRow[];
  problems: string[];
}

export async function checkRoles(hre: HardhatRuntimeEnvironment): Promise<RoleReport> {
  const { deployments, ethers, network } = hre;
  const config = networkConfig(network.name);
  const all = await deployments.all();
  const address = (name: string): string => {
    const d = all[name];
    if (!d) throw new Error(`role check: deployment ${name} is missing on ${network.name}`);
    return d.address;
  };
  const timelock = address("Timelock");
  const governor = address("BallastGovernor");
  const guardian = await resolveAddress(hre, config.governance.guardian, "governance.guardian");
  const { deployer } = await hre.getNamedAccounts();

  const names = new Map<string, string>();
  for (const [name, d] of Object.entries(all)) names.set(d.address.toLowerCase(), name);
  names.set(guardian.toLowerCase(), "guardian");
  if (!names.has(deployer.toLowerCase())) names.set(deployer.toLowerCase(), "deployer");
  names.set(ZeroAddress, "anyone (address 0)");
  const nameOf = (a: string) => names.get(a.toLowerCase()) ?? a;

  const roleNames = new Map<string, string>(
    KNOWN_ROLES.map((r) => [r === "DEFAULT_ADMIN_ROLE" ? ZeroHash : keccakId(r), r]),
  );
  /** Expected holders per contract and role name (the manifest's); any other holder, or a missing one, is a problem. */
  const holder = (h: Holder): string => (h === "guardian" ? guardian : h === "anyone" ? ZeroAddress : address(h));
  const expected: Record<string, Record<string, string[]>> = {};
  for (const [contract, roles] of Object.entries(EXPECTED_ROLES)) {
    expected[contract] = Object.fromEntries(Object.entries(roles!).map(([role, hs]) => [role, hs.map(holder)]));
  }
  const roles: RoleRow[] = [];
  const problems: string[] = [];
  for (const [name, d] of Object.entries(all)) {
    if (!d.abi.some((f: { type: string; name?: string }) => f.type === "function" && f.name === "hasRole")) continue;
    // Contracts with roles that the check does not know (a new module): admin by the timelock only.
    const want = expected[name] ?? { DEFAULT_ADMIN_ROLE: [timelock] };
    const contract = (await ethers.getContractAt(d.abi, d.address)) as unknown as Contract;
    const fromBlock = d.receipt?.blockNumber ?? 0;
    const granted = await contract.queryFilter(contract.filters.RoleGranted(), fromBlock);
    const pairs = new Map<string, Set<string>>();
    for (const roleName of Object.keys(want))
      pairs.set(roleName === "DEFAULT_ADMIN_ROLE" ? ZeroHash : keccakId(roleName), new Set());
    for (const log of granted) {
      const args = (log as unknown as { args: [string, string] }).args;
      const [role, account] = args;
      if (!pairs.has(role)) pairs.set(role, new Set());
      pairs.get(role)!.add(ethers.getAddress(account));
    }
    for (const [role, accounts] of pairs) {
      const roleName = roleNames.get(role) ?? role;
      const wanted = (want[roleName] ?? []).map((a) => ethers.getAddress(a));
      const holders: string[] = [];
      for (const account of accounts) if (await contract.hasRole(role, account)) holders.push(account);
      for (const holder of holders) {
        const ok = wanted.includes(holder);
        roles.push({ contract: name, role: roleName, holder, holderName: nameOf(holder), ok });
        if (!ok)
          problems.push(
            `${name}: ${nameOf(holder)} holds ${roleName}, ${wanted.length ? `which only ${wanted.map(nameOf).join(", ")} may hold` : "which nobody may hold"}`,
          );
      }
      for (const w of wanted) {
        if (!holders.includes(w)) problems.push(`${name}: ${nameOf(w)} does not hold ${roleName}`);
      }
    }
  }

  // On public networks the deployer must not be the guardian or the treasury either: all BLST in
  // the deployer's hands is control without any role.
  if (!config.local) {
    const treasury = await resolveAddress(hre, config.governance.treasury, "governance.treasury");
    if (guardian.toLowerCase() === deployer.toLowerCase()) problems.push("the guardian is the deployer");
    if (treasury.toLowerCase() === deployer.toLowerCase()) problems.push("the treasury (all BLST) is the deployer");
  }

  const links = await checkLinks(hre, address, nameOf);
  for (const l of links) if (!l.ok) problems.push(`${l.what} is ${l.valueName}`);
  return { roles, links, problems };
}

/** Privileges that are not roles (the manifest's): who may mint, where fees go, which contracts trust which. */
async function checkLinks(
  hre: HardhatRuntimeEnvironment,
  address: (name: string) => string,
  nameOf: (a: string) => string,
): Promise<LinkRow[]> {
  const all = await hre.deployments.all();
  const c = connect(hre.ethers.provider, Object.fromEntries(Object.entries(all).map(([n, d]) => [n, d.address])));
  const rows: LinkRow[] = [];

  // Stablecoin modules: every address ModuleSet ever enabled, confirmed with isModule.
  const modules = new Set<string>();
  for (const log of await c.bdol.queryFilter(c.bdol.filters.ModuleSet())) {
    const [module] = log.args;
    if (await c.bdol.isModule(module)) modules.add(getAddress(module));
  }
  const wantedModules = STABLECOIN_MODULES.map(address);
  for (const m of modules) {
    rows.push({
      what: "BallastDollar module (mints/burns)",
      value: m,
      valueName: nameOf(m),
      ok: wantedModules.includes(m),
    });
  }
  for (const w of wantedModules) {
    if (!modules.has(w)) rows.push({ what: "BallastDollar module missing", value: w, valueName: nameOf(w), ok: false });
  }
  const bound: Partial<Record<ProtocolName, BaseContract>> = {
    BallastDollar: c.bdol,
    VaultManager: c.vaultManager,
    ReservePool: c.reserve,
    LiquidationEngine: c.engine,
    BallastGovernor: c.governor,
    Timelock: c.timelock,
    SavingsBdol: c.savings,
  };
  for (const l of LINKS) {
    const contract = bound[l.contract];
    if (!contract) throw new Error(`role check: no binding for ${l.contract}`);
    const value = String(await contract.getFunction(l.getter)());
    rows.push({
      what: `${l.contract}.${l.getter}`,
      value,
      valueName: nameOf(value),
      ok: value.toLowerCase() === address(l.want).toLowerCase(),
    });
  }
  return rows;
}

/** The report as text: one line per role holder and per link, then the problems (or "ok"). */
export function formatRoleReport(report: RoleReport): string {
  const lines = ["roles (every holder of every role, from RoleGranted events, confirmed with hasRole):"];
  const w = Math.max(...report.roles.map((r) => `${r.contract}.${r.role}`.length), 10);
  for (const r of report.roles) {
    lines.push(
      `  ${r.ok ? "ok " : "BAD"} ${`${r.contract}.${r.role}`.padEnd(w)}  ${r.holderName}${r.holderName === r.holder ? "" : ` ${r.holder}`}`,
    );
  }
  lines.push("privileged links:");
  const lw = Math.max(...report.links.map((l) => l.what.length), 10);
  for (const l of report.links) lines.push(`  ${l.ok ? "ok " : "BAD"} ${l.what.padEnd(lw)}  ${l.valueName}`);
  lines.push(report.problems.length === 0 ? "role check: ok" : `role check: ${report.problems.length} problem(s)`);
  for (const p of report.problems) lines.push(`  - ${p}`);
  return lines.join("\n");
}

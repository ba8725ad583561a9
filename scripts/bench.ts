/**
 * `npm run bench`: deploys the fixture and measures the gas of the vault manager's actions and an
 * oracle read, prints a table against the targets and writes bench/gas.json.
 *
 * Conditions, chosen to be typical rather than flattering: the system already has other vaults;
 * an hour has passed since the collateral's last accrual (so each debt-changing action accrues and
 * mints fees to the reserve); the borrower holds no BDOL before opening (a fresh balance slot).
 */
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ContractTransactionResponse } from "ethers";
import type { MockAggregator, MockERC20, OracleAdapter, OracleGasCaller, VaultManager } from "../typechain-types";
import { table } from "./lib/format";

const WAD = 10n ** 18n;
const TARGETS: Record<string, number> = {
  openVault: 185_000,
  deposit: 60_000,
  borrow: 90_000,
  repay: 65_000,
  closeVault: 90_000,
};

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

async function main(): Promise<void> {
  await deployments.fixture();
  const get = async <T>(name: string, dep = name) =>
    (await ethers.getContractAt(name, (await deployments.get(dep)).address)) as unknown as T;
  const vm = await get<VaultManager>("VaultManager");
  const oracle = await get<OracleAdapter>("OracleAdapter");
  const weth = await get<MockERC20>("MockERC20", "WETH");
  const ethFeed = await get<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const wethAddr = await weth.getAddress();
  const vmAddr = await vm.getAddress();
  const [, alice, bob, carol] = await ethers.getSigners();

  for (const who of [alice, bob, carol]) {
    await weth.mint(who.address, 100n * WAD);
    await weth.connect(who).approve(vmAddr, ethers.MaxUint256);
  }
  // Another borrower already in the system.
  await vm.connect(bob).openVault(wethAddr, 10n * WAD, 5_000n * WAD);

  const hourPasses = async () => {
    await time.increase(3600);
    await ethFeed.updateAnswer(3_000n * 10n ** 8n);
  };

  const gas: Record<string, number> = {};
  await hourPasses();
  gas.openVault = await gasOf(vm.connect(alice).openVault(wethAddr, 10n * WAD, 5_000n * WAD));
  const id = await vm.vaultCount();
  await hourPasses();
  gas.deposit = await gasOf(vm.connect(alice).deposit(id, 1n * WAD));
  await hourPasses();
  gas.withdraw = await gasOf(vm.connect(alice).withdraw(id, 1n * WAD, alice.address));
  await hourPasses();
  gas.borrow = await gasOf(vm.connect(alice).borrow(id, 1_000n * WAD, alice.address));
  await hourPasses();
  gas.repay = await gasOf(vm.connect(alice).repay(id, 1_000n * WAD));
  await hourPasses();
  gas.accrue = await gasOf(vm.accrue(wethAddr));
  await hourPasses();
  // Carol's vault to close, funded so she can repay all including interest.
  await vm.connect(carol).openVault(wethAddr, 10n * WAD, 5_000n * WAD);
  const carolId = await vm.vaultCount();
  const bdol = await ethers.getContractAt("BallastDollar", (await deployments.get("BallastDollar")).address);
  await bdol.connect(alice).transfer(carol.address, 10n * WAD);
  await hourPasses();
  gas.closeVault = await gasOf(vm.connect(carol).closeVault(carolId, carol.address));

  const probeFactory = await ethers.getContractFactory("OracleGasCaller");
  const probe = (await probeFactory.deploy()) as unknown as OracleGasCaller;
  const [getPriceGas] = await probe.measureGetPrice(await oracle.getAddress(), wethAddr);
  gas.oracleGetPrice = Number(getPriceGas);
  await hourPasses();
  gas.oracleRecordPrice = await gasOf(oracle.recordPrice(wethAddr));

  table(
    "Gas used (in-process Hardhat network, mock feeds)",
    Object.entries(gas).map(([action, used]) => ({
      action,
      gas: used.toLocaleString("en-US"),
      target: TARGETS[action] ? `≤ ${TARGETS[action].toLocaleString("en-US")}` : "–",
      status: TARGETS[action] ? (used <= TARGETS[action] ? "ok" : "MISSED") : "",
    })),
  );
  console.log("oracleGetPrice is measured inside the EVM (no 21,000 intrinsic gas); the rest are whole transactions.");

  const out = path.join(__dirname, "..", "bench", "gas.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(gas, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  const missed = Object.entries(TARGETS).filter(([k, t]) => gas[k] > t);
  if (missed.length > 0) console.log(`targets missed: ${missed.map(([k]) => k).join(", ")}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

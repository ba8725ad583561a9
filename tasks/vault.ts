/**
 * Borrower tasks: open, adjust and close a vault, and read them.
 *   npx hardhat vault:open --collateral WETH --amount 10 --debt 12000 [--mint] --network localhost
 *   npx hardhat vault:info --id 1 [--json]
 *   npx hardhat vault:list [--owner <address|index>] [--json]
 *   npx hardhat vault:deposit|withdraw|borrow|repay --id 1 --amount 2.5
 *   npx hardhat vault:close --id 1
 * Amounts are decimal strings in the token's own units (WETH 18, WBTC 8; BDOL 18); symbols in any
 * case. The signer is the network's first account, or `--from <index|address>`. Every transaction
 * is static-called first: a refusal prints one line in human units and sends nothing.
 */
import { ZeroAddress } from "ethers";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  MAX_UINT256,
  UsageError,
  fmtPct,
  fmtToken,
  fmtWad,
  kv,
  parseAmount,
  parseWhole,
  priceStatusName,
  table,
  valueDown,
  wadDivDown,
  type Collateral,
} from "../lib/sdk";
import { cliAction, openSession, resolveSigner, type Session } from "../lib/sdk/hardhat";

interface VaultView {
  id: string;
  owner: string;
  collateral: string;
  collateralAmount: string;
  debt: string;
  price: string;
  priceStatus: string;
  collateralValue: string;
  collateralRatio: string | null;
  borrowRatio: string;
  liquidationRatio: string;
  healthFactor: string | null;
}

/** The vault `id`, refused with the range of ids when it does not exist. */
async function existingVault(s: Session, idArg: unknown) {
  const id = parseWhole("id", idArg, { positive: true });
  const vm = s.ballast.vaultManager;
  const count = await vm.vaultCount();
  // A closed vault reads as unknown (vaultInfo reverts UnknownVault): the same message as a wrong id.
  const [owner, collateral, amount, debt] =
    id <= count
      ? await vm.vaultInfo(id).catch(() => [ZeroAddress, ZeroAddress, 0n, 0n] as const)
      : [ZeroAddress, ZeroAddress, 0n, 0n];
  if (owner === ZeroAddress) {
    throw new UsageError(
      count === 0n
        ? `--id ${id}: no vault has been opened yet (npx hardhat vault:open)`
        : `--id ${id}: no open vault with this id (ids 1–${count} were opened; closed ones are gone)`,
    );
  }
  const c = (await s.ballast.collaterals()).find(collateral)!;
  return { id, owner, collateral: c, amount, debt };
}

async function vaultView(s: Session, id: bigint): Promise<{ view: VaultView; text: Record<string, string> }> {
  const { owner, collateral: c, amount, debt } = await existingVault(s, id);
  const config = await s.ballast.vaultManager.collateralConfig(c.address);
  const [price, status] = await s.ballast.oracle.getPrice(c.oracleAsset);
  const value = valueDown(amount, c.decimals, price);
  const hf = await s.ballast.vaultManager.healthFactor(id);
  const ratio = debt === 0n ? undefined : wadDivDown(value, debt);
  const view: VaultView = {
    id: String(id),
    owner,
    collateral: c.symbol,
    collateralAmount: String(amount),
    debt: String(debt),
    price: String(price),
    priceStatus: priceStatusName(status),
    collateralValue: String(value),
    collateralRatio: ratio === undefined ? null : String(ratio),
    borrowRatio: String(config.borrowRatio),
    liquidationRatio: String(config.liquidationRatio),
    healthFactor: hf === MAX_UINT256 ? null : String(hf),
  };
  const text = {
    owner: s.names.get(owner.toLowerCase()) === "you" ? `${owner} (you)` : owner,
    collateral: fmtToken(amount, c.decimals, c.symbol),
    [`${c.symbol} price (USD)`]: `${fmtWad(price)} (${priceStatusName(status)})`,
    "collateral value (USD)": fmtWad(value),
    "debt (BDOL)": fmtWad(debt, 6),
    "collateral ratio": ratio === undefined ? "∞" : fmtPct(ratio),
    "borrow ratio / liquidation ratio": `${fmtPct(config.borrowRatio)} / ${fmtPct(config.liquidationRatio)}`,
    "health factor": fmtWad(hf, 4),
  };
  return { view, text };
}

async function printVault(s: Session, id: bigint, json = false): Promise<VaultView> {
  const { view, text } = await vaultView(s, id);
  if (json) console.log(JSON.stringify(view, null, 2));
  else kv(`Vault #${id}`, text);
  return view;
}

/** Refuses an amount of `token` the signer does not hold, saying how to get it on a local chain. */
async function requireBalance(s: Session, c: { address: string; symbol: string; decimals: number }, amount: bigint) {
  const held = await s.ballast.erc20(c.address).balanceOf(s.address);
  if (held >= amount) return;
  throw new UsageError(
    `you hold ${fmtToken(held, c.decimals, c.symbol)}, ${fmtToken(amount, c.decimals, c.symbol)} needed; ` +
      `on a local network mint test ${c.symbol} with npx hardhat dev:faucet --asset ${c.symbol} --amount ${fmtToken(amount - held, c.decimals, "").trim()} (or add --mint)`,
  );
}

async function mintIfAsked(s: Session, c: Collateral, amount: bigint, mint: boolean) {
  if (!mint) return;
  const { faucet } = await import("../lib/sdk/dev");
  await faucet(s.ballast, c.address, s.address, amount, s.signer);
}

async function approve(s: Session, c: Collateral, amount: bigint) {
  const token = s.ballast.erc20(c.address);
  await s.send(token.approve, [await s.ballast.vaultManager.getAddress(), amount], { token: c });
}

const done = (what: string, r: { hash: string; gasUsed: bigint }) =>
  console.log(`${what} (tx ${r.hash}, gas ${r.gasUsed})`);

task("vault:open", "Opens a vault: deposits collateral and mints BDOL in one transaction")
  .addParam("collateral", "collateral symbol (any case) or token address")
  .addParam("amount", "collateral amount, decimal, in the token's units")
  .addOptionalParam("debt", "BDOL to mint, decimal", "0")
  .addFlag("mint", "mint the test collateral first (local networks only)")
  .addOptionalParam("from", "signer index or address")
  .setAction((args, hre) =>
    cliAction(hre, "vault:open", async () => {
      const s = await openSession(hre, args.from);
      const c = (await s.ballast.collaterals()).get(args.collateral);
      const amount = parseAmount("amount", args.amount, c.decimals, { positive: true, unit: c.symbol });
      const debt = parseAmount("debt", args.debt, 18, { unit: "BDOL" });
      await mintIfAsked(s, c, amount, args.mint);
      await requireBalance(s, c, amount);
      await approve(s, c, amount);
      const vm = s.ballast.vaultManager;
      const id = await vm.openVault.staticCall(c.address, amount, debt).catch(() => 0n);
      const receipt = await s.send(vm.openVault, [c.address, amount, debt], { token: c });
      done(`opened vault #${id}`, receipt);
      await printVault(s, id);
      return id;
    }),
  );

task("vault:info", "Prints a vault's collateral, debt and health")
  .addParam("id", "vault id")
  .addFlag("json", "print JSON (amounts as integers in token units / wad)")
  .addOptionalParam("from", "signer index or address")
  .setAction((args, hre) =>
    cliAction(hre, "vault:info", async () => {
      const s = await openSession(hre, args.from);
      return printVault(s, parseWhole("id", args.id, { positive: true }), args.json);
    }),
  );

task("vault:list", "Lists the open vaults of an owner (default: the signer), with their health")
  .addOptionalParam("owner", "owner address or account index (default: the signer)")
  .addFlag("all", "every open vault, whoever owns it")
  .addFlag("json", "print JSON")
  .addOptionalParam("from", "signer index or address")
  .setAction((args, hre) =>
    cliAction(hre, "vault:list", async () => {
      const s = await openSession(hre, args.from);
      const owner = args.all ? undefined : args.owner === undefined ? s.address : await ownerOf(hre, args.owner);
      const registry = await s.ballast.collaterals();
      const count = await s.ballast.vaultManager.vaultCount();
      const rows: Record<string, string>[] = [];
      const views = [];
      for (let from = 1n; from <= count; from += 500n) {
        for (const v of await s.ballast.lens.vaultsHealth(from, 500n)) {
          if (v.owner === ZeroAddress || (owner && v.owner.toLowerCase() !== owner.toLowerCase())) continue;
          const c = registry.find(v.collateral)!;
          views.push({
            id: String(v.vaultId),
            owner: v.owner,
            collateral: c.symbol,
            collateralAmount: String(v.collateralAmount),
            debt: String(v.debt),
            healthFactor: v.healthFactor === MAX_UINT256 ? null : String(v.healthFactor),
          });
          rows.push({
            vault: `#${v.vaultId}`,
            ...(owner ? {} : { owner: v.owner }),
            collateral: fmtToken(v.collateralAmount, c.decimals, c.symbol),
            "debt (BDOL)": fmtWad(v.debt),
            "health factor": fmtWad(v.healthFactor, 4),
          });
        }
      }
      if (args.json) console.log(JSON.stringify(views, null, 2));
      else if (rows.length === 0) console.log(owner ? `no open vault owned by ${owner}` : "no open vault");
      else table(owner ? `Open vaults of ${owner}` : "Open vaults", rows);
      return views;
    }),
  );

async function ownerOf(hre: HardhatRuntimeEnvironment, ref: string): Promise<string> {
  if (/^0x[0-9a-fA-F]{40}$/.test(ref.trim())) return ref.trim();
  if (/^\d+$/.test(ref.trim())) return (await resolveSigner(hre, ref)).getAddress();
  throw new UsageError(`--owner takes an address or an account index, not ${JSON.stringify(ref)}`);
}

for (const action of ["deposit", "withdraw", "borrow", "repay"] as const) {
  const collateralSide = action === "deposit" || action === "withdraw";
  const t = task(`vault:${action}`, `${action} ${collateralSide ? "collateral" : "BDOL"} on a vault`)
    .addParam("id", "vault id")
    .addParam("amount", `${collateralSide ? "collateral" : "BDOL"} amount, decimal`)
    .addOptionalParam("to", "recipient (withdraw, borrow); default: the signer")
    .addOptionalParam("from", "signer index or address");
  if (action === "deposit") t.addFlag("mint", "mint the test collateral first (local networks only)");
  t.setAction((args, hre) =>
    cliAction(hre, `vault:${action}`, async () => {
      const s = await openSession(hre, args.from);
      const vault = await existingVault(s, args.id);
      const c = vault.collateral;
      const vm = s.ballast.vaultManager;
      const to = args.to ?? s.address;
      if (!/^0x[0-9a-fA-F]{40}$/.test(to)) throw new UsageError(`--to ${JSON.stringify(to)} is not an address`);
      let receipt;
      if (collateralSide) {
        const amount = parseAmount("amount", args.amount, c.decimals, { positive: true, unit: c.symbol });
        if (action === "deposit") {
          await mintIfAsked(s, c, amount, args.mint);
          await requireBalance(s, c, amount);
          await approve(s, c, amount);
          receipt = await s.send(vm.deposit, [vault.id, amount], { token: c });
        } else {
          receipt = await s.send(vm.withdraw, [vault.id, amount, to], { token: c });
        }
      } else {
        const amount = parseAmount("amount", args.amount, 18, { positive: true, unit: "BDOL" });
        const bdol = { symbol: "BDOL", decimals: 18 };
        if (action === "repay") {
          await requireBalance(s, { address: await s.ballast.bdol.getAddress(), ...bdol }, amount);
        }
        receipt =
          action === "borrow"
            ? await s.send(vm.borrow, [vault.id, amount, to], { token: bdol })
            : await s.send(vm.repay, [vault.id, amount], { token: bdol });
      }
      done(`${action} done`, receipt);
      await printVault(s, vault.id);
    }),
  );
}

task("vault:close", "Repays all debt from the signer's BDOL and returns all collateral")
  .addParam("id", "vault id")
  .addOptionalParam("to", "collateral recipient; default: the signer")
  .addOptionalParam("from", "signer index or address")
  .setAction((args, hre) =>
    cliAction(hre, "vault:close", async () => {
      const s = await openSession(hre, args.from);
      const vault = await existingVault(s, args.id);
      const debt = await s.ballast.vaultManager.debtOf(vault.id);
      const balance = await s.ballast.bdol.balanceOf(s.address);
      if (balance < debt) {
        throw new UsageError(
          `closing vault #${vault.id} needs ${fmtWad(debt, 6)} BDOL (its debt with interest to this block); ` +
            `you hold ${fmtWad(balance, 6)}, short ${fmtWad(debt - balance, 6)}: get BDOL from the PSM ` +
            `(npx hardhat psm:swap --in ${Math.ceil(Number(debt - balance) / 1e18) + 1} --mint on a local network) or repay part with vault:repay`,
        );
      }
      const receipt = await s.send(s.ballast.vaultManager.closeVault, [vault.id, args.to ?? s.address], {
        token: { symbol: "BDOL", decimals: 18 },
      });
      done(`closed vault #${vault.id}: repaid about ${fmtWad(debt, 6)} BDOL`, receipt);
    }),
  );

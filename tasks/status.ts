/**
 * Observer: `npx hardhat status [--network localhost]` prints the system's state: per collateral
 * the price and its status, collateral, debt, utilisation of the ceiling and parameters; then the
 * stablecoin supply, the reserve and the supply identity.
 */
import { task } from "hardhat/config";
import { networkConfig } from "../config/networks";
import { resolveAddress } from "../scripts/lib/deploy";
import { PRICE_STATUS, fmtPct, fmtWad, kv, table } from "../scripts/lib/format";

const RAY = 10n ** 27n;
const WAD = 10n ** 18n;

task("status", "Prints the protocol's collaterals, debt, reserve and supply").setAction(async (_args, hre) => {
  if (hre.network.name === "hardhat" && !(await hre.deployments.getOrNull("VaultManager"))) {
    console.log("(in-process network: deploying a fresh system first; use --network localhost for a running node)");
    await hre.deployments.fixture();
  }
  const get = async (name: string) => hre.ethers.getContractAt(name, (await hre.deployments.get(name)).address);
  const vm = (await get("VaultManager")) as unknown as import("../typechain-types").VaultManager;
  const oracle = (await get("OracleAdapter")) as unknown as import("../typechain-types").OracleAdapter;
  const bdol = (await get("BallastDollar")) as unknown as import("../typechain-types").BallastDollar;
  const reserve = (await get("ReservePool")) as unknown as import("../typechain-types").ReservePool;
  const config = networkConfig(hre.network.name);

  const rows = [];
  let accruedDebt = 0n;
  let accruedFees = 0n;
  for (const [symbol, c] of Object.entries(config.collaterals)) {
    const token = await resolveAddress(hre, c.token, `${symbol}.token`);
    const cfg = await vm.collateralConfig(token);
    const [price, status] = await oracle.getPrice(cfg.oracleAsset);
    const debt = await vm.totalDebt(token);
    accruedDebt += (cfg.totalNormalizedDebt * cfg.rateAccumulator + RAY - 1n) / RAY;
    accruedFees += cfg.accruedFees;
    const value = (cfg.totalCollateral * 10n ** (18n - cfg.decimals) * price) / WAD;
    const yearly = (Number(cfg.stabilityFee - RAY) * 365 * 24 * 3600) / 1e27;
    rows.push({
      collateral: symbol,
      "price (USD)": `${fmtWad(price)} ${PRICE_STATUS[Number(status)]}`,
      amount: `${fmtWad(cfg.totalCollateral, 4, Number(cfg.decimals))}`,
      "value (USD)": fmtWad(value),
      "debt (BDOL)": fmtWad(debt),
      ratio: debt === 0n ? "∞" : fmtPct((value * WAD) / debt),
      "ceiling used": fmtPct(cfg.debtCeiling === 0n ? 0n : (debt * WAD) / cfg.debtCeiling),
      "LR / BR": `${fmtPct(cfg.liquidationRatio, 0)} / ${fmtPct(cfg.borrowRatio, 0)}`,
      "fee / yr": `${(Math.expm1(yearly) * 100).toFixed(2)} %`,
      paused: cfg.paused ? "yes" : "no",
    });
  }
  table("Collaterals", rows);
  const supply = await bdol.totalSupply();
  kv("Stablecoin and reserve", {
    "BDOL total supply": fmtWad(supply, 6),
    "reserve surplus (BDOL)": fmtWad(await reserve.surplus(), 6),
    "reserve value (USD)": fmtWad(await reserve.totalReserveValue(), 6),
    "fees accrued, not yet minted": fmtWad(accruedFees, 6),
    "Σ accrued debt − supply − unminted fees (wei)": (accruedDebt - supply - accruedFees).toString(),
    vaults: (await vm.vaultCount()).toString(),
  });
});

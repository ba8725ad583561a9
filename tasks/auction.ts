/**
 * Keepers and bidders: the liquidation engine's Dutch auctions.
 *   npx hardhat auction:list [--json] --network localhost
 *   npx hardhat auction:take --id 1 [--amount 2.5] [--max-price 2900] --network localhost
 * `auction:take` buys up to `--amount` of the lot (default: all of it) at the current price, paying
 * BDOL from the signer's balance; `--max-price` (default: the price now) refuses a price that rose.
 * Like every sending task it static-calls first and sends nothing when the engine would refuse.
 */
import { ZeroAddress } from "ethers";
import { task } from "hardhat/config";
import {
  UsageError,
  WAD,
  fmtPct,
  fmtToken,
  fmtWad,
  parseAmount,
  parseWhole,
  priceStatusName,
  table,
  valueUp,
  wadDivDown,
} from "../lib/sdk";
import { cliAction, openSession, type Session } from "../lib/sdk/hardhat";

const PAGE = 200n;

/** Every active auction, through the lens, in pages. */
async function activeAuctions(s: Session) {
  const count = await s.ballast.engine.auctionCount();
  const out = [];
  for (let from = 1n; from <= count; from += PAGE) out.push(...(await s.ballast.lens.activeAuctions(from, PAGE)));
  return out;
}

task("auction:list", "Lists the active auctions: lot, tab, price against the oracle, whether a restart is needed")
  .addFlag("json", "print JSON (amounts as integers in token units / wad)")
  .setAction((args, hre) =>
    cliAction(hre, "auction:list", async () => {
      const s = await openSession(hre);
      const registry = await s.ballast.collaterals();
      const auctions = await activeAuctions(s);
      const reserve = (await s.ballast.reserve.getAddress()).toLowerCase();
      const views = auctions.map((a) => ({
        id: String(a.auctionId),
        collateral: registry.find(a.collateral)?.symbol ?? a.collateral,
        lot: String(a.lot),
        tab: String(a.tab),
        debt: String(a.debt),
        price: String(a.price),
        oraclePrice: String(a.oraclePrice),
        oracleStatus: priceStatusName(a.oracleStatus),
        needsReset: a.needsReset,
        sale: a.owner.toLowerCase() === reserve,
      }));
      if (args.json) {
        console.log(JSON.stringify(views, null, 2));
        return views;
      }
      if (auctions.length === 0) {
        console.log("no active auction");
        return views;
      }
      table(
        `Active auctions (${auctions.length})`,
        auctions.map((a, i) => {
          const c = registry.find(a.collateral);
          const decimals = c?.decimals ?? 18;
          const vsOracle = a.oraclePrice === 0n ? 0n : wadDivDown(a.price, a.oraclePrice) - WAD;
          return {
            auction: `#${a.auctionId}${views[i].sale ? " (sale)" : ""}`,
            lot: fmtToken(a.lot, decimals, views[i].collateral, 4),
            "tab (BDOL)": views[i].sale ? "–" : fmtWad(a.tab),
            "price (USD)": fmtWad(a.price),
            "oracle (USD)": `${fmtWad(a.oraclePrice)} ${priceStatusName(a.oracleStatus)}`,
            "vs oracle": `${vsOracle > 0n ? "+" : ""}${fmtPct(vsOracle)}`,
            "lot at price (BDOL)": fmtWad(valueUp(a.lot, decimals, a.price)),
            state: a.needsReset ? "needs restart (redo)" : "takeable",
          };
        }),
      );
      return views;
    }),
  );

task("auction:take", "Buys collateral from an auction at its current price, paying BDOL")
  .addParam("id", "auction id")
  .addOptionalParam("amount", "most collateral to buy, decimal (default: the whole lot)")
  .addOptionalParam("maxPrice", "highest price per whole token to pay, USD (default: the price now)")
  .addOptionalParam("to", "receiver of the collateral; default: the signer")
  .addOptionalParam("from", "signer index or address")
  .setAction((args, hre) =>
    cliAction(hre, "auction:take", async () => {
      const s = await openSession(hre, args.from);
      const id = parseWhole("id", args.id, { positive: true });
      const engine = s.ballast.engine;
      const info = await engine.auctionInfo(id);
      if (info.collateral === ZeroAddress) {
        throw new UsageError(
          `--id ${id}: no active auction with this id (${await engine.activeAuctionCount()} active; npx hardhat auction:list)`,
        );
      }
      const c = (await s.ballast.collaterals()).find(info.collateral);
      const token = c ?? { symbol: await s.ballast.erc20(info.collateral).symbol(), decimals: 18 };
      const [price, needsReset] = await engine.auctionPrice(id);
      if (needsReset) throw new UsageError(`auction #${id} needs a restart first (the keeper's redo)`);
      const amount =
        args.amount === undefined
          ? info.lot
          : parseAmount("amount", args.amount, token.decimals, { positive: true, unit: token.symbol });
      const maxPrice =
        args.maxPrice === undefined ? price : parseAmount("max-price", args.maxPrice, 18, { unit: "USD" });
      const to = args.to ?? s.address;
      const [out, paid] = await engine.take
        .staticCall(id, amount, maxPrice, to, "0x")
        .catch(() => [0n, 0n] as [bigint, bigint]);
      const receipt = await s.send(engine.take, [id, amount, maxPrice, to, "0x"], {
        token: { symbol: "BDOL", decimals: 18 },
      });
      console.log(
        `took ${fmtToken(out, token.decimals, token.symbol)} from auction #${id} at ${fmtWad(price)} USD for ${fmtWad(paid)} BDOL ` +
          `(tx ${receipt.hash}, gas ${receipt.gasUsed})`,
      );
      return { out, paid };
    }),
  );

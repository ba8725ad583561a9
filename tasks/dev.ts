/**
 * Local-chain helpers (a Hardhat node, anvil, or the in-process network), refused elsewhere:
 *   npx hardhat dev:price  --asset WETH --price 2400 --network localhost   move a mock feed, price stays live
 *   npx hardhat dev:time   --advance 1h  --network localhost               move the clock (30m, 1d, …); feeds refreshed
 *   npx hardhat dev:faucet --asset WETH --amount 2 --network localhost     mint a test token to the signer
 * The logic lives in lib/sdk/dev.ts.
 */
import { task } from "hardhat/config";
import { fmtDuration, fmtToken, fmtUtc, fmtWad, parseAmount, parseDuration, table } from "../lib/sdk";
import { assertLocal, cliAction, openSession } from "../lib/sdk/hardhat";

task("dev:price", "Local networks: moves an asset's mock price feed to a price, in rounds the oracle accepts")
  .addParam("asset", "priced asset symbol (WETH, WBTC, USDC, BDOL; any case)")
  .addParam("price", "USD price, decimal")
  .setAction((args, hre) =>
    cliAction(hre, "dev:price", async () => {
      assertLocal(hre, "dev:price");
      const s = await openSession(hre);
      const dev = await import("../lib/sdk/dev");
      const { asset, symbol } = await dev.pricedAsset(s.ballast, args.asset);
      const target = parseAmount("price", args.price, 18, { positive: true, unit: "USD" });
      const steps = await dev.moveMockPrice(s.ballast, asset, target);
      const last = steps[steps.length - 1];
      console.log(
        `${symbol}: ${fmtWad(last.price)} USD (${last.status}) after ${steps.length} recorded round(s): ` +
          steps.map((p) => fmtWad(p.price)).join(" → "),
      );
      return last;
    }),
  );

task("dev:time", "Local networks: moves the clock forward and refreshes every mock feed so prices stay live")
  .addParam("advance", "how long: 90s, 30m, 1h, 1d, 2w")
  .setAction((args, hre) =>
    cliAction(hre, "dev:time", async () => {
      assertLocal(hre, "dev:time");
      const seconds = parseDuration("advance", args.advance);
      const s = await openSession(hre);
      const dev = await import("../lib/sdk/dev");
      await dev.advanceTime(hre.ethers.provider, seconds);
      const refreshed = await dev.refreshMockFeeds(s.ballast);
      const block = await hre.ethers.provider.getBlock("latest");
      console.log(`advanced ${fmtDuration(seconds)}: block ${block!.number} at ${fmtUtc(block!.timestamp)}`);
      table(
        "Prices after refreshing the mock feeds",
        refreshed.map((r) => ({ asset: r.symbol, "price (USD)": fmtWad(r.price), status: r.status })),
      );
      return block!.timestamp;
    }),
  );

task("dev:faucet", "Local networks: mints a test token (WETH, WBTC, USDC) to the signer")
  .addParam("asset", "token symbol (any case) or address")
  .addParam("amount", "amount, decimal, in the token's units")
  .addOptionalParam("to", "recipient; default: the signer")
  .addOptionalParam("from", "signer index or address")
  .setAction((args, hre) =>
    cliAction(hre, "dev:faucet", async () => {
      assertLocal(hre, "dev:faucet");
      const s = await openSession(hre, args.from);
      const dev = await import("../lib/sdk/dev");
      const token = await dev.testTokenOf(s.ballast, args.asset);
      const amount = parseAmount("amount", args.amount, token.decimals, { positive: true, unit: token.symbol });
      const to = args.to ?? s.address;
      await dev.faucet(s.ballast, token.address, to, amount, s.signer);
      const balance = await s.ballast.erc20(token.address).balanceOf(to);
      console.log(
        `minted ${fmtToken(amount, token.decimals, token.symbol)} to ${to}; balance ${fmtToken(balance, token.decimals, token.symbol)}`,
      );
      return balance;
    }),
  );

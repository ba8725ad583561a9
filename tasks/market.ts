/**
 * BDOL's market (local networks).
 *   npx hardhat market:seed [--pool BDOL_USDC_POOL] [--from 0] --network localhost
 * Provides the pool's seed liquidity from config/networks.ts (market.pools.<pool>.seed) through
 * Uniswap's position manager: test USDC minted, BDOL bought from the PSM at par.
 */
import { task } from "hardhat/config";
import { networkConfig } from "../config/networks";
import { cliAction, contractAt, resolveSigner } from "../lib/sdk/hardhat";
import { fmtWad, kv } from "../lib/sdk";
import { seedPool } from "../scripts/lib/market";

task("market:seed", "Seed a local Uniswap pool with the config's liquidity (BDOL bought from the PSM)")
  .addOptionalParam("pool", "pool deployment name", "BDOL_USDC_POOL")
  .addOptionalParam("from", "signer index or address")
  .setAction((args: { pool: string; from?: string }, hre) =>
    cliAction(hre, "market:seed", async () => {
      const signer = await resolveSigner(hre, args.from);
      const { tokenIds, liquidity } = await seedPool(hre, args.pool, signer);
      const rows: Record<string, string> = {
        "positions (NonfungiblePositionManager ids)": tokenIds.join(", "),
        "in-range liquidity (L)": liquidity.toString(),
      };
      if (args.pool === networkConfig(hre.network.name).market.priceFeed.pool) {
        const feed = await contractAt(hre, "MarketPriceFeed", "MarketPriceFeed");
        rows["spot BDOL price (USDC)"] = fmtWad(await feed.spotPrice(), 6);
      }
      kv(`Seeded ${args.pool} from ${await signer.getAddress()}`, rows);
    }),
  );

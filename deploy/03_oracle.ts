import { ZeroAddress } from "ethers";
import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig, type AddressRef, type FeedSetup } from "../config/networks";
import { resolveAddress, toBigInt, requireAdmin } from "../scripts/lib/deploy";

/**
 * The oracle adapter: the sequencer-uptime feed when the network has one, a feed per collateral
 * and priced asset, then a first recorded price so every asset has a last good price from the
 * start. Re-running skips what is already in force (the adapter's setters reject no-op changes).
 */
const func: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployments, getNamedAccounts, network } = hre;
  const { deployer } = await getNamedAccounts();
  const config = networkConfig(network.name);
  const log = !config.local;
  const opts = { from: deployer, log };

  // The sequencer-uptime feed is fixed at deployment (L2 networks only).
  const sequencerFeed =
    config.oracle.sequencerFeed === undefined
      ? ZeroAddress
      : await resolveAddress(hre, config.oracle.sequencerFeed, "oracle.sequencerFeed");
  const grace = sequencerFeed === ZeroAddress ? 0 : config.oracle.sequencerGracePeriod;
  await deployments.deploy("OracleAdapter", {
    ...opts,
    skipIfAlreadyDeployed: true,
    args: [deployer, sequencerFeed, grace],
  });

  const assets: [string, { token: AddressRef; feed: FeedSetup }][] = [
    ...Object.entries(config.collaterals),
    ...Object.entries(config.pricedAssets),
  ];
  for (const [symbol, { token, feed }] of assets) {
    const asset = await resolveAddress(hre, token, `${symbol}.token`);
    const primary = await resolveAddress(hre, feed.primaryFeed, `${symbol}.feed.primaryFeed`);
    const secondary =
      feed.secondaryFeed === undefined
        ? ZeroAddress
        : await resolveAddress(hre, feed.secondaryFeed, `${symbol}.feed.secondaryFeed`);

    const current = await deployments.read("OracleAdapter", "feedConfig", asset);
    const inForce =
      current.primaryFeed.toLowerCase() === primary.toLowerCase() &&
      current.secondaryFeed.toLowerCase() === secondary.toLowerCase() &&
      toBigInt(current.heartbeat) === BigInt(feed.heartbeat) &&
      toBigInt(current.minPrice) === feed.minPrice &&
      toBigInt(current.maxPrice) === feed.maxPrice &&
      toBigInt(current.maxDeviation) === feed.maxDeviation &&
      toBigInt(current.ewmaLambda) === feed.ewmaLambda;
    if (!inForce) {
      await requireAdmin(hre, "OracleAdapter", `OracleAdapter.setFeed(${asset}, …)`);
      await deployments.execute(
        "OracleAdapter",
        opts,
        "setFeed",
        asset,
        primary,
        secondary,
        feed.heartbeat,
        feed.minPrice,
        feed.maxPrice,
        feed.maxDeviation,
        feed.ewmaLambda,
      );
    }

    const state = await deployments.read("OracleAdapter", "priceState", asset);
    if (toBigInt(state.lastGoodPrice) === 0n) {
      await deployments.execute("OracleAdapter", opts, "recordPrice", asset);
      const after = await deployments.read("OracleAdapter", "priceState", asset);
      // Not fatal: a testnet feed may be stale right now; the first live reading will be accepted.
      if (toBigInt(after.lastGoodPrice) === 0n)
        console.warn(`03_oracle: no live price for ${symbol} yet; run recordPrice later`);
    }
  }
};

func.id = "03_oracle";
func.tags = ["OracleAdapter"];
func.dependencies = ["Mocks", "BallastDollar"];
export default func;

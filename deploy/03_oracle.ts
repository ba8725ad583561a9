import { ZeroAddress } from "ethers";
import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { networkConfig, type AddressRef, type FeedSetup } from "../config/networks";
import { resolveAddress, toBigInt, requireAdmin } from "../scripts/lib/deploy";

/**
 * The oracle adapter: the sequencer-uptime feed when the network has one, a feed per collateral
 * and priced asset (a composite asset/base × base/USD where the config has a ratio leg), then a
 * first recorded price so every asset has a last good price and a first round from the start. Re-running skips what is already in force (the adapter's setters reject no-op changes).
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

  // A collateral's feed is registered under its oracle asset (the key the vault manager prices it by).
  const assets: [string, { token: AddressRef; feed: FeedSetup }][] = [
    ...Object.entries(config.collaterals).map(
      ([symbol, c]) =>
        [symbol, { token: c.oracleAsset, feed: c.feed }] as [string, { token: AddressRef; feed: FeedSetup }],
    ),
    ...Object.entries(config.pricedAssets),
  ];
  for (const [symbol, { token, feed }] of assets) {
    const asset = await resolveAddress(hre, token, `${symbol}.oracleAsset`);
    const params = {
      primaryFeed: await resolveAddress(hre, feed.primaryFeed, `${symbol}.feed.primaryFeed`),
      secondaryFeed:
        feed.secondaryFeed === undefined
          ? ZeroAddress
          : await resolveAddress(hre, feed.secondaryFeed, `${symbol}.feed.secondaryFeed`),
      heartbeat: feed.heartbeat,
      minPrice: feed.minPrice,
      maxPrice: feed.maxPrice,
      maxDeviation: feed.maxDeviation,
      maxReferenceAge: feed.maxReferenceAge,
      ratioFeed:
        feed.ratio === undefined
          ? ZeroAddress
          : await resolveAddress(hre, feed.ratio.feed, `${symbol}.feed.ratio.feed`),
      ratioHeartbeat: feed.ratio?.heartbeat ?? 0,
      minRatio: feed.ratio?.minRatio ?? 0n,
      maxRatio: feed.ratio?.maxRatio ?? 0n,
    };

    const current = await deployments.read("OracleAdapter", "feedConfig", asset);
    const ratio = await deployments.read("OracleAdapter", "ratioFeedConfig", asset);
    const inForce =
      current.primaryFeed.toLowerCase() === params.primaryFeed.toLowerCase() &&
      current.secondaryFeed.toLowerCase() === params.secondaryFeed.toLowerCase() &&
      toBigInt(current.heartbeat) === BigInt(params.heartbeat) &&
      toBigInt(current.minPrice) === params.minPrice &&
      toBigInt(current.maxPrice) === params.maxPrice &&
      toBigInt(current.maxDeviation) === params.maxDeviation &&
      toBigInt(current.maxReferenceAge) === BigInt(params.maxReferenceAge) &&
      ratio.feed.toLowerCase() === params.ratioFeed.toLowerCase() &&
      toBigInt(ratio.heartbeat) === BigInt(params.ratioHeartbeat) &&
      toBigInt(ratio.minRatio) === params.minRatio &&
      toBigInt(ratio.maxRatio) === params.maxRatio;
    if (!inForce) {
      await requireAdmin(hre, "OracleAdapter", `OracleAdapter.setFeed(${asset}, …)`);
      await deployments.execute("OracleAdapter", opts, "setFeed", asset, params);
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
// The market first: BDOL's price feed (MarketPriceFeed) is one of the feeds set here.
func.dependencies = ["Mocks", "BallastDollar", "Market"];
export default func;

/**
 * `npm run bench`: deploys the fixture and measures the gas of the vault manager's actions and an
 * oracle read, prints a table against the targets and writes bench/gas.json.
 *
 * Conditions, chosen to be typical rather than flattering: the system already has other vaults;
 * an hour has passed since the collateral's last accrual (so each debt-changing action accrues and
 * mints fees to the reserve); the borrower holds no BDOL before opening (a fresh balance slot).
 */
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ContractTransactionResponse } from "ethers";
import type {
  BallastGovernor,
  GovernanceToken,
  PegStabilityModule,
  BallastDollar,
  BulkVaultOpener,
  LiquidationEngine,
  MockAggregator,
  MockERC20,
  OracleAdapter,
  OracleGasCaller,
  PegKeeper,
  ReserveLens,
  ReservePool,
  RiskController,
  SavingsBdol,
  VaultManager,
} from "../typechain-types";
import { table } from "../lib/sdk";
import { movePoolTo, seedPool } from "./lib/market";
import { networkConfig } from "../config/networks";
import { isToken0, sqrtPriceX96At } from "./lib/uniswap";
import { impersonateTimelock } from "./lib/timelock";
import { RAY, WAD } from "../lib/sdk";
import { contractAt } from "../lib/sdk/hardhat";
import type { ContractName } from "../lib/sdk/contracts";

const TARGETS: Record<string, number> = {
  openVault: 185_000,
  deposit: 60_000,
  borrow: 90_000,
  repay: 65_000,
  closeVault: 90_000,
  liquidateAbsorb: 150_000,
  liquidateAuction: 200_000,
  take: 120_000,
  psmSwapIn: 80_000,
  psmSwapOut: 80_000,
  poke: 250_000,
  savingsDeposit: 90_000,
  savingsRedeem: 90_000,
  marketFeedRead: 30_000,
  pegKeeperUpdate: 300_000,
};

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

async function main(): Promise<void> {
  await deployments.fixture();
  const get = async <T>(name: string, dep = name) => (await contractAt(hre, name as ContractName, dep)) as unknown as T;
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
  const bdol = await contractAt(hre, "BallastDollar", "BallastDollar");
  await bdol.connect(alice).transfer(carol.address, 10n * WAD);
  await hourPasses();
  gas.closeVault = await gasOf(vm.connect(carol).closeVault(carolId, carol.address));

  const probeFactory = await ethers.getContractFactory("OracleGasCaller");
  const probe = (await probeFactory.deploy()) as unknown as OracleGasCaller;
  const [getPriceGas] = await probe.measureGetPrice(await oracle.getAddress(), wethAddr);
  gas.oracleGetPrice = Number(getPriceGas);
  // Steady state: the keeper recorded the previous round (the bot records every round), so the
  // measured call processes one new round without walking back.
  await oracle.recordPrice(wethAddr);
  await hourPasses();
  gas.oracleRecordPrice = await gasOf(oracle.recordPrice(wethAddr));

  Object.assign(gas, await benchLiquidations(get));
  Object.assign(gas, await benchPsm(get));
  Object.assign(gas, await benchPoke(get));
  Object.assign(gas, await benchSavings(get));
  Object.assign(gas, await benchGovernance(get));
  const scan = await benchScan(get);
  // Last, as it seeds BDOL's pool through the PSM (the figures above start from the bare deployment).
  Object.assign(gas, await benchMarketFeed(probe));
  Object.assign(gas, await benchPegKeeper(get));
  Object.assign(gas, await benchFlashTake(get));

  table(
    "Gas used (in-process Hardhat network, mock feeds)",
    Object.entries(gas).map(([action, used]) => ({
      action,
      gas: used.toLocaleString("en-US"),
      target: TARGETS[action] ? `≤ ${TARGETS[action].toLocaleString("en-US")}` : "–",
      status: TARGETS[action] ? (used <= TARGETS[action] ? "ok" : "MISSED") : "",
    })),
  );
  console.log(
    "oracleGetPrice and marketFeedRead are measured inside the EVM (no 21,000 intrinsic gas); the rest are whole transactions.",
  );

  const out = path.join(__dirname, "..", "bench", "gas.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...gas, keeperScan: scan }, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  const missed = Object.entries(TARGETS).filter(([k, t]) => gas[k] > t);
  if (missed.length > 0) console.log(`targets missed: ${missed.map(([k]) => k).join(", ")}`);
}

type Getter = <T>(name: string, dep?: string) => Promise<T>;

/**
 * MarketPriceFeed.latestRoundData inside the EVM (cold, as a fresh transaction's first read): BDOL's
 * pool seeded as `market:seed` does, a window of history, then a recorded round (`update`).
 */
async function benchMarketFeed(probe: OracleGasCaller): Promise<Record<string, number>> {
  await seedPool(hre, "BDOL_USDC_POOL");
  const feed = await contractAt(hre, "MarketPriceFeed", "MarketPriceFeed");
  await time.increase(Number(await feed.window()));
  const usdcFeed = await contractAt(hre, "MockAggregator", "USDC_USD_FEED");
  await usdcFeed.updateAnswer(10n ** 8n);
  const marketFeedUpdate = await gasOf(feed.update());
  const [used] = await probe.measureFeedRead(await feed.getAddress());
  return { marketFeedRead: Number(used), marketFeedUpdate };
}

/**
 * PegKeeper.update, after `benchMarketFeed` (BDOL's pool seeded, a round recorded), with the oracle
 * reading BDOL from MarketPriceFeed as on mainnet: `pegKeeperUpdate` mints and sells its
 * per-update maximum (250k) with the pool held at 1.02 for a window; `pegKeeperWithdraw` buys it
 * back and burns it with the pool held at 0.98, the reserve's buy-back off (the keeper's own alone);
 * `pegKeeperBuyBack`, with no debt left and the limit back on, has the reserve's USDC buy its
 * per-update maximum (250k) at 0.98.
 */
async function benchPegKeeper(get: Getter): Promise<Record<string, number>> {
  const keeper = await get<PegKeeper>("PegKeeper");
  const oracle = await get<OracleAdapter>("OracleAdapter");
  const feed = await contractAt(hre, "MarketPriceFeed", "MarketPriceFeed");
  const bdol = (await deployments.get("BallastDollar")).address;
  const feeds = await Promise.all(
    ["ETH_USD_FEED", "BTC_USD_FEED", "WBTC_BTC_FEED", "USDC_USD_FEED"].map((n) =>
      get<MockAggregator>("MockAggregator", n),
    ),
  );
  const cfg = networkConfig("mainnet").pricedAssets.BDOL.feed;
  await oracle.connect(await impersonateTimelock(hre)).setFeed(bdol, {
    primaryFeed: await feed.getAddress(),
    secondaryFeed: ethers.ZeroAddress,
    heartbeat: cfg.heartbeat,
    minPrice: cfg.minPrice,
    maxPrice: cfg.maxPrice,
    maxDeviation: cfg.maxDeviation,
    maxReferenceAge: cfg.maxReferenceAge,
    ratioFeed: ethers.ZeroAddress,
    ratioHeartbeat: 0,
    minRatio: 0,
    maxRatio: 0,
  });
  const [, , , , , , , trader] = await ethers.getSigners();
  const hold = async (price: bigint) => {
    await movePoolTo(hre, trader, price);
    await time.increase(Number(await feed.window()));
    for (const f of feeds) await f.updateAnswer((await f.latestRoundData())[1]);
    await (await feed.update()).wait();
    await (await oracle.recordPrice(bdol)).wait();
  };
  await hold(102n * 10n ** 16n);
  const pegKeeperUpdate = await gasOf(keeper.update());
  await hold(98n * 10n ** 16n);
  const timelock = await impersonateTimelock(hre);
  const limit = await keeper.buyBackLimit();
  await (await keeper.connect(timelock).setBuyBackLimit(0n)).wait();
  const pegKeeperWithdraw = await gasOf(keeper.update());
  await (await keeper.connect(timelock).setBuyBackLimit(limit)).wait();
  await hold(98n * 10n ** 16n);
  const pegKeeperBuyBack = await gasOf(keeper.update());
  return { pegKeeperUpdate, pegKeeperWithdraw, pegKeeperBuyBack };
}

/**
 * FlashTaker.run: a whole WETH auction (10 WETH vault, 18,000 BDOL, ETH 3,000 → 2,600, no absorption)
 * taken 15 minutes in by a keeper with no BDOL: the lot sold into WETH_USDC_POOL (moved to the
 * oracle's price first), the USDC swapped at the PSM, the tab paid.
 */
async function benchFlashTake(get: Getter): Promise<Record<string, number>> {
  const vm = await get<VaultManager>("VaultManager");
  const engine = await get<LiquidationEngine>("LiquidationEngine");
  const oracle = await get<OracleAdapter>("OracleAdapter");
  const weth = await get<MockERC20>("MockERC20", "WETH");
  const usdc = await get<MockERC20>("MockERC20", "USDC");
  const ethFeed = await get<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const taker = await contractAt(hre, "FlashTaker", "FlashTaker");
  const pool = await contractAt(hre, "IUniswapV3Pool", "WETH_USDC_POOL");
  const router = await contractAt(hre, "ISwapRouter", "SwapRouter");
  const [, alice, , , keeper, , , trader] = await ethers.getSigners();
  const wethAddr = await weth.getAddress();
  const usdcAddr = await usdc.getAddress();
  const setEth = async (usd: bigint) => {
    await ethFeed.updateAnswer(usd * 10n ** 8n);
    await oracle.recordPrice(wethAddr);
  };
  await setEth(3_000n);
  await vm.connect(alice).openVault(wethAddr, 10n * WAD, 18_000n * WAD);
  const vaultId = await vm.vaultCount();
  await time.increase(3600);
  await setEth(2_600n);
  await engine.connect(keeper).liquidate(vaultId, keeper.address);
  const auctionId = await engine.auctionCount();
  // The market follows the oracle: WETH sold into the pool down to 2,600 USDC.
  await weth.mint(trader.address, 10_000n * WAD);
  await weth.connect(trader).approve(await router.getAddress(), ethers.MaxUint256);
  await router.connect(trader).exactInputSingle({
    tokenIn: wethAddr,
    tokenOut: usdcAddr,
    fee: await pool.fee(),
    recipient: trader.address,
    deadline: ethers.MaxUint256,
    amountIn: 10_000n * WAD,
    amountOutMinimum: 0,
    sqrtPriceLimitX96: sqrtPriceX96At(2_600n * WAD, 18, 6, isToken0(wethAddr, usdcAddr)),
  });
  await time.increase(900);
  await setEth(2_600n);
  const lot = (await engine.auctionInfo(auctionId)).lot;
  const flashTake = await gasOf(
    taker.connect(keeper).run(auctionId, lot, ethers.MaxUint256, await pool.getAddress(), 0n, keeper.address),
  );
  return { flashTake };
}

/**
 * The peg stability module in steady state: the reserve already holds USDC and BDOL, the swapper
 * already holds both, an earlier swap each way happened (the bucket and the mint ledger are warm).
 */
async function benchPsm(get: Getter): Promise<Record<string, number>> {
  const psm = await get<PegStabilityModule>("PegStabilityModule");
  const usdc = await get<MockERC20>("MockERC20", "USDC");
  const oracle = await get<OracleAdapter>("OracleAdapter");
  const usdcFeed = await get<MockAggregator>("MockAggregator", "USDC_USD_FEED");
  const [, , , , , swapper] = await ethers.getSigners();
  await usdcFeed.updateAnswer(10n ** 8n);
  await oracle.recordPrice(await usdc.getAddress());
  await usdc.mint(swapper.address, 10_000_000n * 10n ** 6n);
  await usdc.connect(swapper).approve(await psm.getAddress(), ethers.MaxUint256);
  await psm.connect(swapper).swapStableForCoin(100_000n * 10n ** 6n, 0n, swapper.address);
  await psm.connect(swapper).swapCoinForStable(1_000n * WAD, 0n, swapper.address);
  await time.increase(60);
  const gas: Record<string, number> = {};
  gas.psmSwapIn = await gasOf(psm.connect(swapper).swapStableForCoin(10_000n * 10n ** 6n, 0n, swapper.address));
  await time.increase(60);
  gas.psmSwapOut = await gasOf(psm.connect(swapper).swapCoinForStable(10_000n * WAD, 0n, swapper.address));
  return gas;
}

/**
 * The risk controller with two collaterals, both with debt, in steady state: a poke an hour earlier,
 * new rounds on both collateral feeds since, recorded by the keeper bot before it pokes (it records
 * every priced asset's new round each iteration), and the stablecoin half a cent under its peg, so
 * both fees and both borrow ratios move (interest accrues before each fee change). No breaker trips.
 * WBTC is the composite WBTC/BTC × BTC/USD, so its price read costs a second feed.
 */
async function benchPoke(get: Getter): Promise<Record<string, number>> {
  const risk = await get<RiskController>("RiskController");
  const vm = await get<VaultManager>("VaultManager");
  const wbtc = await get<MockERC20>("MockERC20", "WBTC");
  const ethFeed = await get<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const btcFeed = await get<MockAggregator>("MockAggregator", "BTC_USD_FEED");
  const bdolFeed = await get<MockAggregator>("MockAggregator", "BDOL_USD_FEED");
  const wbtcBtcFeed = await get<MockAggregator>("MockAggregator", "WBTC_BTC_FEED");
  const [, , , , , , , borrower] = await ethers.getSigners();
  await wbtc.mint(borrower.address, 10n ** 8n);
  await wbtc.connect(borrower).approve(await vm.getAddress(), ethers.MaxUint256);
  await vm.connect(borrower).openVault(await wbtc.getAddress(), 10n ** 8n, 20_000n * WAD);
  const hourPasses = async (eth: bigint, btc: bigint) => {
    await time.increase(3600);
    await ethFeed.updateAnswer(eth * 10n ** 8n);
    await btcFeed.updateAnswer(btc * 10n ** 8n);
    await wbtcBtcFeed.updateAnswer(10n ** 8n);
    await bdolFeed.updateAnswer(995n * 10n ** 5n);
  };
  // The reserve above its target (so the poke is paid and savings may draw), a saver in sBDOL.
  const bdol = await get<BallastDollar>("BallastDollar");
  const reserve = await get<ReservePool>("ReservePool");
  const savings = await get<SavingsBdol>("SavingsBdol");
  await vm.connect(borrower).borrow(await vm.vaultCount(), 8_000n * WAD, borrower.address);
  await bdol.connect(borrower).transfer(await reserve.getAddress(), 20_000n * WAD);
  await bdol.connect(borrower).approve(await savings.getAddress(), ethers.MaxUint256);
  await savings.connect(borrower).deposit(5_000n * WAD, borrower.address);
  await hourPasses(3_000n, 60_000n);
  await risk.poke(); // pays the poker (the deployer) once: its balance slot is warm from here on
  await hourPasses(3_030n, 59_400n);
  const oracle = await get<OracleAdapter>("OracleAdapter");
  for (const asset of await oracle.assets()) await oracle.recordPrice(asset);
  const tx = risk.poke();
  const poke = await gasOf(tx);
  const arm = (await (await tx).wait())!.logs
    .map((l) => risk.interface.parseLog(l))
    .find((l) => l?.name === "ReservePoked");
  if (!arm || arm.args.paid === 0n || arm.args.savingsRate === 0n) {
    throw new Error("bench: the measured poke was not paid or did not step the savings rate");
  }
  return { poke };
}

/**
 * sBDOL: a saver adds to its position, then redeems part of it, each an hour after the last drip at
 * a 5 % rate, so each call first draws the hour's interest from the reserve's surplus.
 */
async function benchSavings(get: Getter): Promise<Record<string, number>> {
  const vm = await get<VaultManager>("VaultManager");
  const weth = await get<MockERC20>("MockERC20", "WETH");
  const bdol = await get<BallastDollar>("BallastDollar");
  const reserve = await get<ReservePool>("ReservePool");
  const savings = await get<SavingsBdol>("SavingsBdol");
  const risk = await get<RiskController>("RiskController");
  const [, , , , , , , , saver] = await ethers.getSigners();
  await weth.mint(saver.address, 10n * WAD);
  await weth.connect(saver).approve(await vm.getAddress(), ethers.MaxUint256);
  await vm.connect(saver).openVault(await weth.getAddress(), 10n * WAD, 12_000n * WAD);
  await bdol.connect(saver).transfer(await reserve.getAddress(), 5_000n * WAD);
  await reserve.book();
  await bdol.connect(saver).approve(await savings.getAddress(), ethers.MaxUint256);
  await savings.connect(saver).deposit(2_000n * WAD, saver.address);
  await hre.network.provider.send("hardhat_impersonateAccount", [await risk.getAddress()]);
  await hre.network.provider.send("hardhat_setBalance", [await risk.getAddress(), "0xde0b6b3a7640000"]);
  const controller = await ethers.getSigner(await risk.getAddress());
  await savings.connect(controller).setRate(RAY + (5n * 10n ** 25n) / (365n * 86_400n));
  const gas: Record<string, number> = {};
  // The lens's reserve view (ledgers, target, net position, sBDOL) as an eth_call would cost it,
  // with its 21,000 intrinsic gas: informational, no target.
  const lens = await get<ReserveLens>("ReserveLens");
  gas.lensReserveSnapshot = Number(
    await ethers.provider.estimateGas({
      to: await lens.getAddress(),
      data: lens.interface.encodeFunctionData("reserveSnapshot"),
    }),
  );
  await time.increase(3600);
  gas.savingsDeposit = await gasOf(savings.connect(saver).deposit(1_000n * WAD, saver.address));
  await time.increase(3600);
  gas.savingsRedeem = await gasOf(savings.connect(saver).redeem(1_000n * WAD, saver.address, saver.address));
  return gas;
}

/**
 * Governance, informational (no targets): a one-action proposal (raise WETH's debt ceiling) from
 * propose to execute by the real Governor and Timelock, a vote by a holder with delegated votes, and
 * the guardian's pause of one collateral.
 */
async function benchGovernance(get: Getter): Promise<Record<string, number>> {
  const token = await get<GovernanceToken>("GovernanceToken");
  const governor = await get<BallastGovernor>("BallastGovernor");
  const vm = await get<VaultManager>("VaultManager");
  const weth = await deployments.get("WETH");
  const signers = await ethers.getSigners();
  const [treasury, alice] = signers;
  const guardian = signers[6];
  await token.connect(treasury).transfer(alice.address, 5_000_000n * WAD);
  await token.connect(alice).delegate(alice.address);
  await time.increase(1);

  const target = await vm.getAddress();
  const calldata = vm.interface.encodeFunctionData("setDebtCeiling", [weth.address, 200_000_000n * WAD]);
  const description = "bench: raise the WETH debt ceiling";
  const descriptionHash = ethers.id(description);
  const args: [string[], bigint[], string[]] = [[target], [0n], [calldata]];
  const gas: Record<string, number> = {};
  gas.govPropose = await gasOf(governor.connect(alice).propose(...args, description));
  const id = await governor.hashProposal(...args, descriptionHash);
  await time.increaseTo((await governor.proposalSnapshot(id)) + 1n);
  gas.govCastVote = await gasOf(governor.connect(alice).castVote(id, 1));
  await time.increaseTo((await governor.proposalDeadline(id)) + 1n);
  gas.govQueue = await gasOf(governor.queue(...args, descriptionHash));
  await time.increaseTo(await governor.proposalEta(id));
  gas.govExecute = await gasOf(governor.execute(...args, descriptionHash));
  gas.guardianPause = await gasOf(vm.connect(guardian).pauseRiskAdding(weth.address));
  // Setup for what follows, not measured: governance (the impersonated timelock) lifts the pause.
  await vm.connect(await impersonateTimelock(hre)).allowRiskAdding(weth.address);
  return gas;
}

/**
 * Liquidation gas in steady state: the system has already run a liquidation of each kind, so the
 * reserve already holds the collateral, the engine already holds a lot, auction counters are
 * non-zero; the keeper and the taker already hold BDOL; an hour has passed since the last accrual.
 * The auction path is measured with the buffer share at 0 (the buffer exhausted), so no part is absorbed.
 */
async function benchLiquidations(get: Getter): Promise<Record<string, number>> {
  const vm = await get<VaultManager>("VaultManager");
  const engine = await get<LiquidationEngine>("LiquidationEngine");
  const reserve = await get<ReservePool>("ReservePool");
  const oracle = await get<OracleAdapter>("OracleAdapter");
  const bdol = await get<BallastDollar>("BallastDollar");
  const weth = await get<MockERC20>("MockERC20", "WETH");
  const wbtc = await get<MockERC20>("MockERC20", "WBTC");
  const ethFeed = await get<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const btcFeed = await get<MockAggregator>("MockAggregator", "BTC_USD_FEED");
  const [, alice, bob, , keeper] = await ethers.getSigners();
  const wethAddr = await weth.getAddress();

  const setEth = async (usd: bigint) => {
    await ethFeed.updateAnswer(usd * 10n ** 8n);
    await btcFeed.updateAnswer(60_000n * 10n ** 8n);
    await oracle.recordPrice(wethAddr);
  };
  // Bob's big WBTC vault funds the reserve, the keeper and the taker.
  await setEth(3_000n);
  await wbtc.mint(bob.address, 100n * 10n ** 8n);
  await wbtc.connect(bob).approve(await vm.getAddress(), ethers.MaxUint256);
  await vm.connect(bob).openVault(await wbtc.getAddress(), 100n * 10n ** 8n, 1_000_000n * WAD);
  await bdol.connect(bob).transfer(keeper.address, 100n * WAD);
  // The auction path is measured from here on a reserve whose buffer is empty (below).
  const unfunded = await ethers.provider.send("evm_snapshot", []);
  const fund = async () => {
    await bdol.connect(bob).transfer(await reserve.getAddress(), 300_000n * WAD);
    await reserve.book();
  };
  await fund();

  const openRisky = async () => {
    await setEth(3_000n);
    await vm.connect(alice).openVault(wethAddr, 10n * WAD, 18_000n * WAD);
    return vm.vaultCount();
  };
  const crash = async () => {
    await time.increase(3600);
    await setEth(2_600n);
  };

  const gas: Record<string, number> = {};
  const warmAbsorb = await openRisky();
  const absorbed = await openRisky();
  await crash();
  await engine.connect(keeper).liquidate(warmAbsorb, keeper.address);
  gas.liquidateAbsorb = await gasOf(engine.connect(keeper).liquidate(absorbed, keeper.address));

  // Setup, not a measured call: back to before the reserve was funded, the timelock (impersonated)
  // turns absorption off, and the same 300,000 is booked to the surplus: a buffer exhausted by earlier
  // absorptions, a reserve that still pays its keepers.
  await ethers.provider.send("evm_revert", [unfunded]);
  await reserve.connect(await impersonateTimelock(hre)).setBufferShare(0n);
  await fund();
  const warmAuction = await openRisky();
  const auctioned = await openRisky();
  await crash();
  await engine.connect(keeper).liquidate(warmAuction, keeper.address);
  gas.liquidateAuction = await gasOf(engine.connect(keeper).liquidate(auctioned, keeper.address));

  // Ten minutes later the price (1.1 × oracle decaying over two hours) is ~1.008 × oracle.
  await time.increase(600);
  await setEth(2_600n);
  const auctionId = await engine.auctionCount();
  const lot = (await engine.auctionInfo(auctionId)).lot;
  gas.take = await gasOf(engine.connect(bob).take(auctionId, lot, ethers.MaxUint256, bob.address, "0x"));
  return gas;
}

/** Keeper scan: opens 10,000 vaults, then reads all their health factors through the lens in pages of 1,000. */
async function benchScan(get: Getter): Promise<{ vaults: number; ethCalls: number; wallMs: number }> {
  const vm = await get<VaultManager>("VaultManager");
  const lens = await get<ReserveLens>("ReserveLens");
  const weth = await get<MockERC20>("MockERC20", "WETH");
  const ethFeed = await get<MockAggregator>("MockAggregator", "ETH_USD_FEED");
  const oracle = await get<OracleAdapter>("OracleAdapter");
  const [, , , carol] = await ethers.getSigners();
  const opener = (await (await ethers.getContractFactory("BulkVaultOpener")).deploy()) as unknown as BulkVaultOpener;
  await ethFeed.updateAnswer(3_000n * 10n ** 8n);
  await oracle.recordPrice(await weth.getAddress());
  await weth.mint(carol.address, 100_000n * WAD);
  await weth.connect(carol).approve(await opener.getAddress(), ethers.MaxUint256);
  const target = 10_000n;
  while ((await vm.vaultCount()) < target) {
    const batch = target - (await vm.vaultCount());
    await opener
      .connect(carol)
      .open(await vm.getAddress(), await weth.getAddress(), batch < 80n ? batch : 80n, WAD, 1_000n * WAD, {
        gasLimit: 16_000_000,
      });
  }
  const count = Number(await vm.vaultCount());
  const pageSize = 1_000;
  const started = performance.now();
  let ethCalls = 0;
  let unhealthy = 0;
  for (let from = 1; from <= count; from += pageSize) {
    const page = await lens.vaultsHealth(from, pageSize);
    ethCalls += 1;
    unhealthy += page.filter((v) => v.healthFactor < WAD).length;
  }
  const wallMs = Math.round(performance.now() - started);
  console.log(
    `keeper scan: ${count.toLocaleString("en-US")} vaults in ${ethCalls} eth_calls of ${pageSize}, ${wallMs} ms (${unhealthy} unhealthy)`,
  );
  return { vaults: count, ethCalls, wallMs };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * `npm run demo`: deploys the whole protocol on the in-process Hardhat network with the real
 * deploy scripts and narrates a borrower's life, printing a table at every step.
 */
import hre, { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import {
  PRICE_STATUS,
  WAD,
  annualRateOf,
  connect,
  wadDivDown,
  wadMulDown,
  fmtPct,
  fmtRate,
  fmtWad,
  kv,
  table,
  type Ballast,
} from "../lib/sdk";
import { runKeeperOnce } from "../lib/keeper";
import { checkRoles } from "./lib/roles";
import {
  castVote,
  decodeRevert,
  delegateVotes,
  executeProposal,
  fmtUtc,
  fmtVotes,
  proposalStatus,
  proposeActions,
  queueProposal,
  setProposalStorePath,
  shortId,
} from "./lib/governance";
import { pokeAndReport } from "./lib/risk";
import {
  contracts as statusContracts,
  printMarket,
  printReserve,
  printRisk,
  printSupply,
  supplyIdentity,
} from "./lib/status";
import { marketFeedParams, movePoolTo, seedPool } from "./lib/market";
import { impersonateTimelock } from "./lib/timelock";
import { recordedAddresses } from "../lib/sdk/hardhat";

/** The deployed system, bound to the first account (the SDK's binding, read from the deployment records). */
async function system(): Promise<Ballast> {
  return connect((await ethers.getSigners())[0], await recordedAddresses(hre));
}

function say(text: string): void {
  console.log(`\n▶ ${text}`);
}

async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("the demo runs on the in-process hardhat network only");
  console.log("Ballast demo: a borrower's life on the in-process Hardhat network\n");

  say("Deploying the protocol with the project's deploy scripts (deployments.fixture)…");
  await deployments.fixture();
  const all = await deployments.all();
  table(
    "Deployed contracts",
    [
      "BallastDollar",
      "ReservePool",
      "OracleAdapter",
      "VaultManager",
      "WETH",
      "WBTC",
      "USDC",
      "ETH_USD_FEED",
      "BTC_USD_FEED",
      "WBTC_BTC_FEED",
      "LiquidationEngine",
      "PegStabilityModule",
      "RiskController",
      "ReserveLens",
      "GovernanceToken",
      "Timelock",
      "BallastGovernor",
    ].map((n) => ({
      name: n,
      address: all[n].address,
    })),
  );

  const [, alice, bob] = await ethers.getSigners();
  const b = await system();
  const { bdol, reserve, oracle, vaultManager: vm } = b;
  const weth = b.testToken("WETH");
  const wbtc = b.testToken("WBTC");
  const ethFeed = b.mockFeed("ETH_USD_FEED");
  const btcFeed = b.mockFeed("BTC_USD_FEED");
  // WBTC is priced BTC/USD × WBTC/BTC: its ratio leg needs fresh rounds too.
  const wbtcBtcFeed = b.mockFeed("WBTC_BTC_FEED");
  const wethAddr = await weth.getAddress();
  const wbtcAddr = await wbtc.getAddress();
  const wethCfg = await vm.collateralConfig(wethAddr);

  kv("WETH risk parameters", {
    "liquidation ratio": fmtPct(wethCfg.liquidationRatio),
    "borrow ratio (initial margin)": fmtPct(wethCfg.borrowRatio),
    "liquidation penalty": fmtPct(wethCfg.liquidationPenalty),
    "stability fee (per second, RAY)": wethCfg.stabilityFee.toString(),
    "minimum debt": `${fmtWad(wethCfg.minDebt)} BDOL`,
    "debt ceiling": `${fmtWad(wethCfg.debtCeiling)} BDOL`,
  });

  async function showVault(title: string, id: bigint): Promise<void> {
    const [, , amount, debt] = await vm.vaultInfo(id);
    const [price, status] = await oracle.getPrice(wethAddr);
    const value = wadMulDown(amount, price);
    const hf = await vm.healthFactor(id);
    const liqPrice = amount === 0n ? 0n : (((debt * wethCfg.liquidationRatio) / WAD) * WAD) / amount;
    kv(title, {
      "collateral (WETH)": fmtWad(amount, 4),
      "ETH price (USD)": `${fmtWad(price)} (${PRICE_STATUS[Number(status)]})`,
      "collateral value (USD)": fmtWad(value),
      "debt (BDOL)": fmtWad(debt, 4),
      "collateral ratio": debt === 0n ? "∞" : fmtPct(wadDivDown(value, debt)),
      "health factor": hf === ethers.MaxUint256 ? "∞" : fmtWad(hf, 4),
      "liquidation price (USD)": fmtWad(liqPrice),
      "Alice's BDOL": fmtWad(await bdol.balanceOf(alice.address), 4),
    });
  }

  async function setEthPrice(usd: number): Promise<void> {
    await ethFeed.updateAnswer(ethers.parseUnits(String(usd), 8));
    await oracle.recordPrice(wethAddr);
  }

  say("Alice deposits 10 WETH and mints 12,000 BDOL in one transaction (openVault).");
  await weth.mint(alice.address, 10n * WAD);
  await weth.connect(alice).approve(await vm.getAddress(), 10n * WAD);
  const id = await vm.connect(alice).openVault.staticCall(wethAddr, 10n * WAD, 12_000n * WAD);
  const openTx = await (await vm.connect(alice).openVault(wethAddr, 10n * WAD, 12_000n * WAD)).wait();
  console.log(`  vault #${id} opened, gas used ${openTx!.gasUsed}`);
  await showVault(`Vault #${id} after opening`, id);

  say("Bob opens a WBTC vault (8-decimal collateral): 0.5 WBTC, 10,000 BDOL.");
  await wbtc.mint(bob.address, 50_000_000n);
  await wbtc.connect(bob).approve(await vm.getAddress(), 50_000_000n);
  await vm.connect(bob).openVault(wbtcAddr, 50_000_000n, 10_000n * WAD);

  say("30 days pass. Interest compounds every second at 2 % a year; accrue() mints it to the reserve.");
  const accrueAt = async (): Promise<{ rate: bigint; at: bigint }> => {
    const receipt = await (await vm.accrue(wethAddr)).wait();
    const block = await ethers.provider.getBlock(receipt!.blockNumber);
    return { rate: (await vm.collateralConfig(wethAddr)).rateAccumulator, at: BigInt(block!.timestamp) };
  };
  const start = await accrueAt();
  const reserveBefore = await reserve.surplus();
  await time.increase(30 * 24 * 3600);
  // The mock feeds do not tick by themselves: publish fresh rounds at unchanged prices.
  await ethFeed.updateAnswer(3_000n * 10n ** 8n);
  await btcFeed.updateAnswer(60_000n * 10n ** 8n);
  await wbtcBtcFeed.updateAnswer(10n ** 8n);
  const end = await accrueAt();
  await vm.accrue(wbtcAddr);
  const [, , , aliceDebt] = await vm.vaultInfo(id);
  const years = Number(end.at - start.at) / (365 * 24 * 3600);
  kv(`Interest over ${(Number(end.at - start.at) / 86400).toFixed(2)} days`, {
    "WETH rate accumulator (RAY) before": start.rate.toString(),
    "WETH rate accumulator (RAY) after": end.rate.toString(),
    "growth, on-chain": ((Number(end.rate) / Number(start.rate) - 1) * 100).toFixed(9) + " %",
    "growth, closed form 1.02^t − 1": ((Math.pow(1.02, years) - 1) * 100).toFixed(9) + " %",
    "Alice's debt now (BDOL)": fmtWad(aliceDebt, 6),
    // The fees minted to the reserve are split: a share builds the stability buffer, the rest is surplus.
    "surplus from the fees minted to the reserve (BDOL; the buffer kept its share)": fmtWad(
      (await reserve.surplus()) - reserveBefore,
      6,
    ),
  });

  say("Alice repays 5,000 BDOL.");
  await vm.connect(alice).repay(id, 5_000n * WAD);
  await showVault(`Vault #${id} after a partial repay`, id);

  say(
    "ETH falls from $3,000 to $1,000 in steps; keepers record each round (the circuit breaker freezes a >25 % jump).",
  );
  const rows = [];
  for (const usd of [3000, 2500, 2000, 1600, 1300, 1000]) {
    await setEthPrice(usd);
    const [, , amount, debt] = await vm.vaultInfo(id);
    const hf = await vm.healthFactor(id);
    rows.push({
      "ETH (USD)": fmtWad(BigInt(usd) * WAD, 0),
      "collateral value": fmtWad(amount * BigInt(usd)),
      debt: fmtWad(debt),
      "collateral ratio": fmtPct((amount * BigInt(usd) * WAD) / debt),
      "health factor": fmtWad(hf, 4),
      liquidatable: hf < WAD ? "yes" : "no",
    });
  }
  table(`Vault #${id} as ETH falls`, rows);
  console.log(
    "  Below a health factor of 1 a keeper could liquidate the vault; nobody runs one in this drill (the next act does).",
  );

  say("ETH recovers to $2,800. Alice needs a little more BDOL than she holds to close: Bob sends her 100 BDOL.");
  for (const usd of [1240, 1540, 1920, 2400, 2800]) await setEthPrice(usd);
  await bdol.connect(bob).transfer(alice.address, 100n * WAD);
  await showVault(`Vault #${id} before closing`, id);

  say("Alice closes the vault: all debt repaid from her BDOL, all 10 WETH returned.");
  const wethBefore = await weth.balanceOf(alice.address);
  const debtAtClose = await vm.debtOf(id);
  await vm.connect(alice).closeVault(id, alice.address);
  kv("After closing", {
    "debt repaid (BDOL)": fmtWad(debtAtClose, 6),
    "WETH returned": fmtWad((await weth.balanceOf(alice.address)) - wethBefore, 4),
    "Alice's BDOL left": fmtWad(await bdol.balanceOf(alice.address), 6),
    "reserve surplus (BDOL)": fmtWad(await reserve.surplus(), 6),
  });

  say("System totals: every BDOL in circulation is backed by vault debt.");
  await vm.accrue(wethAddr);
  await vm.accrue(wbtcAddr);
  // Both collaterals just accrued and nothing is auctioned or owed: the backing is Σ accrued debt.
  const { supply, backing: accruedDebt, slack } = await supplyIdentity(await statusContracts(hre));
  kv("Supply identity (after accruing both collaterals)", {
    "BDOL total supply": fmtWad(supply, 6),
    "Σ accrued collateral debt (WETH + WBTC)": fmtWad(accruedDebt, 6),
    "debt − supply (wei; a few per borrow or repay, in the protocol's favour)": slack.toString(),
  });

  await crashAct(setEthPrice, async () => {
    await ethFeed.updateAnswer((await oracle.getPrice(wethAddr))[0] / 10n ** 10n);
    await btcFeed.updateAnswer(60_000n * 10n ** 8n);
    await wbtcBtcFeed.updateAnswer(10n ** 8n);
    await oracle.recordPrice(wethAddr);
    await oracle.recordPrice(wbtcAddr);
  });
  await governanceAct(async () => {
    await ethFeed.updateAnswer((await oracle.getPrice(wethAddr))[0] / 10n ** 10n);
    await oracle.recordPrice(wethAddr);
  });
  const refreshAll = async () => {
    await ethFeed.updateAnswer((await oracle.getPrice(wethAddr))[0] / 10n ** 10n);
    await btcFeed.updateAnswer(60_000n * 10n ** 8n);
    await wbtcBtcFeed.updateAnswer(10n ** 8n);
  };
  await reserveAct(refreshAll);
  await marketAct(refreshAll);
  console.log("\nDemo complete.");
}

/**
 * Act 2: a crash with a keeper. Three WETH borrowers, a reserve holding 20,000 BDOL (80 % of it is
 * the stability buffer), ETH from $2,800 to $2,100; the keeper bot liquidates (the buffer absorbs
 * what it can, the rest goes to auction), then takes the auctions once their price is 2 % under
 * the oracle, and puts the reserve's collateral up for sale.
 */
async function crashAct(setEthPrice: (usd: number) => Promise<void>, refreshFeeds: () => Promise<void>) {
  const signers = await ethers.getSigners();
  const [, , bob, , keeper] = signers;
  // Account 6 is the local guardian (config/networks.ts): Dave is account 8.
  const borrowers = { Carol: signers[3], Dave: signers[8], Erin: signers[7] };
  const b = await system();
  const { vaultManager: vm, bdol, reserve, lens } = b;
  const weth = b.testToken("WETH");
  const wethAddr = await weth.getAddress();

  say("ACT 2 — a crash. ETH is $2,800. Carol, Dave and Erin borrow against WETH.");
  await setEthPrice(2800);
  const plans: [keyof typeof borrowers, bigint, bigint][] = [
    ["Carol", 10n, 16_500n],
    ["Dave", 5n, 8_500n],
    ["Erin", 8n, 8_000n],
  ];
  const ids: Record<string, bigint> = {};
  for (const [name, eth, debt] of plans) {
    const who = borrowers[name];
    await weth.mint(who.address, eth * WAD);
    await weth.connect(who).approve(await vm.getAddress(), eth * WAD);
    ids[name] = await vm.connect(who).openVault.staticCall(wethAddr, eth * WAD, debt * WAD);
    await vm.connect(who).openVault(wethAddr, eth * WAD, debt * WAD);
  }
  // Bob adds 2 WBTC to his vault, far from danger, and borrows more to play two parts.
  const wbtc = b.testToken("WBTC");
  await wbtc.mint(bob.address, 200_000_000n);
  await wbtc.connect(bob).approve(await vm.getAddress(), 200_000_000n);
  const bobHeld = await bdol.balanceOf(bob.address);
  await vm.connect(bob).deposit(2n, 200_000_000n);
  await vm.connect(bob).borrow(2n, 40_000n * WAD, bob.address);
  console.log(
    `  Bob deposits 2 WBTC into his vault #2 and borrows 40,000 BDOL more (he held ${fmtWad(bobHeld, 0)}): he now holds ` +
      `${fmtWad(await bdol.balanceOf(bob.address), 0)} and sends 45,000 of it on.`,
  );
  await bdol.connect(bob).transfer(await reserve.getAddress(), 20_000n * WAD);
  await bdol.connect(bob).transfer(keeper.address, 25_000n * WAD);
  console.log(
    "  The reserve holds 20,000 BDOL (in production: fees collected over time; here Bob sends them), and the",
  );
  console.log("  keeper holds 25,000 BDOL to buy auctioned collateral with.");

  const showHealth = async (title: string) => {
    const page = await lens.vaultsHealth(ids.Carol, 3);
    table(
      title,
      page.map((v, i) => ({
        vault: `#${v.vaultId} ${plans[i][0]}`,
        "collateral (WETH)": fmtWad(v.collateralAmount, 4),
        "debt (BDOL)": fmtWad(v.debt),
        "health factor": fmtWad(v.healthFactor, 4),
      })),
    );
  };
  await showHealth("Vaults at ETH $2,800 (read through ReserveLens.vaultsHealth)");

  say("ETH falls to $2,400, then $2,100 (−25 %); keepers record each round.");
  await time.increase(600);
  await setEthPrice(2400);
  await time.increase(600);
  await setEthPrice(2100);
  await showHealth("Vaults at ETH $2,100");
  kv("Reserve before the keeper runs", {
    "stability buffer (BDOL)": fmtWad(await reserve.stabilityBuffer()),
    "surplus (BDOL)": fmtWad(await reserve.surplus()),
  });

  say("The keeper bot runs once (npx hardhat keeper --once does the same): scan, static-call, liquidate.");
  const log = (line: string) => console.log(`  keeper │ ${line}`);
  const first = await runKeeperOnce(hre, { keeper, log, sellReserveCollateral: true });
  table(
    "Liquidations",
    first.liquidations.map((l) => ({
      vault: `#${l.vaultId}`,
      "debt taken": fmtWad(l.debt),
      "absorbed by the buffer": fmtWad(l.absorbedDebt),
      "to auction": fmtWad(l.debt - l.absorbedDebt),
      auction: l.auctionId === 0n ? "–" : `#${l.auctionId}`,
      "keeper reward": fmtWad(l.reward),
      gas: l.gasUsed.toString(),
    })),
  );

  say(
    "15 minutes pass: auction prices (oracle × 1.10, falling linearly to zero over two hours) fall below oracle × 0.98, the keeper's threshold (--spread 0.02).",
  );
  await time.increase(15 * 60);
  await refreshFeeds();
  const second = await runKeeperOnce(hre, { keeper, log, sellReserveCollateral: true });
  table(
    "Auction takes",
    second.takes.map((t) => ({
      auction: `#${t.auctionId}`,
      "WETH bought": fmtWad(t.amount, 4),
      "paid (BDOL)": fmtWad(t.paid),
      "price / oracle (the take happens when it is ≤ 98 %)": fmtPct(wadDivDown(t.price, t.referencePrice)),
      "keeper profit": fmtWad(t.profit),
    })),
  );
  const daveVault = await vm.vaultInfo(ids.Dave);
  console.log(
    `  Dave's vault keeps ${fmtWad(daveVault[2], 4)} WETH (what the absorption did not need) and no debt: he can withdraw it.`,
  );
  console.log(`  Carol got ${fmtWad(await weth.balanceOf(borrowers.Carol.address), 4)} WETH back from her auction.`);

  say("The reserve after the crash (npx hardhat status prints the same):");
  const c = await statusContracts(hre);
  await printReserve(hre, c);
  await printSupply(c);
}

/**
 * Act 3: governance. BLST holders vote to raise WETH's debt ceiling from 100M to 150M BDOL through
 * the Governor and the Timelock, with the same library the `gov:*` tasks use; then the guardian
 * pauses WETH borrowing, which it cannot extend and which ends by itself.
 */
async function governanceAct(refreshFeeds: () => Promise<void>) {
  const signers = await ethers.getSigners();
  const [treasury, alice, bob, carol, keeper] = signers;
  const guardian = signers[6];
  const b = await system();
  const { governanceToken: token, governor, timelock, vaultManager: vm } = b;
  const weth = b.testToken("WETH");
  const wethAddr = await weth.getAddress();
  // The demo's proposal ids go to a temporary store, not deployments/hardhat/.
  setProposalStorePath(path.join(mkdtempSync(path.join(os.tmpdir(), "ballast-demo-")), "proposals.json"));

  say("ACT 3 — governance. Every parameter belongs to the timelock; BLST holders decide.");
  const roles = await checkRoles(hre);
  const deployerRoles = roles.roles.filter((r) => r.holder === treasury.address).length;
  kv("Governance", {
    "BLST supply (fixed, minted to the treasury)": fmtWad(await token.totalSupply(), 0),
    "voting delay / period": `${await governor.votingDelay()} s / ${await governor.votingPeriod()} s`,
    "timelock delay": `${await timelock.getMinDelay()} s`,
    "proposal threshold": `${fmtWad(await governor.proposalThreshold(), 0)} BLST`,
    quorum: `${await governor["quorumNumerator()"]()} % of the supply at the snapshot`,
    "role check":
      roles.problems.length === 0 ? "ok (every admin role held by the Timelock)" : roles.problems.join("; "),
    "roles the deployer holds": deployerRoles,
  });

  say("The treasury hands out BLST: Alice 3M, Bob 2M, Carol 1M; each delegates to themself.");
  for (const [who, amount] of [
    [alice, 3_000_000n],
    [bob, 2_000_000n],
    [carol, 1_000_000n],
  ] as const) {
    await token.connect(treasury).transfer(who.address, amount * WAD);
    await delegateVotes(hre, who);
  }
  // The treasury (94M BLST, self-delegated) does not vote: the holders decide.

  const before = (await vm.collateralConfig(wethAddr)).debtCeiling;
  say(`Alice proposes: raise WETH's debt ceiling from ${fmtWad(before, 0)} to 150,000,000 BDOL.`);
  const proposal = await proposeActions(
    hre,
    alice,
    [{ param: "debtCeiling", collateral: "WETH", value: "150000000" }],
    "Raise the WETH debt ceiling to 150M BDOL",
  );
  kv("Proposal", {
    id: shortId(proposal.id),
    action: proposal.actions.map((a) => a.text).join("; "),
    "votes counted at (snapshot)": fmtUtc(proposal.snapshot),
    "voting closes": fmtUtc(proposal.deadline),
  });

  say("A minute later the vote opens: Alice and Bob vote for, Carol against.");
  let tally;
  for (const [who, support] of [
    [alice, "for"],
    [bob, "for"],
    [carol, "against"],
  ] as const) {
    tally = await castVote(hre, who, proposal.id, support, { advance: true });
  }
  kv("Votes", {
    for: fmtVotes(tally!.votes.for),
    against: fmtVotes(tally!.votes.against),
    abstain: fmtVotes(tally!.votes.abstain),
    quorum: `${fmtVotes(tally!.quorum)} (${tally!.quorumReached ? "reached" : "not reached"})`,
  });

  say("The vote closes after an hour; anyone queues it in the timelock.");
  const queued = await queueProposal(hre, keeper, proposal.id, { advance: true });
  console.log(`  Queued; executable from ${fmtUtc(queued.eta)} (the timelock's delay).`);
  try {
    await executeProposal(hre, keeper, proposal.id);
    throw new Error("the timelock let a proposal run early");
  } catch (err) {
    console.log(
      `  Executing now is refused: ${(err as Error).message.split("\n")[0].replace(/; use --advance.*$/, "")}`,
    );
  }
  console.log(`  WETH debt ceiling still ${fmtWad((await vm.collateralConfig(wethAddr)).debtCeiling, 0)} BDOL.`);

  say("An hour later the keeper executes it (anyone may); the timelock makes the call.");
  await executeProposal(hre, keeper, proposal.id, { advance: true });
  const status = await proposalStatus(hre, proposal.id);
  console.log(
    `  Proposal ${status.state}. WETH debt ceiling: ${fmtWad((await vm.collateralConfig(wethAddr)).debtCeiling, 0)} BDOL.`,
  );

  say("The guardian sees trouble and pauses WETH borrowing (it can do nothing else).");
  await refreshFeeds();
  await vm.connect(guardian).pauseRiskAdding(wethAddr);
  const until = (await vm.collateralConfig(wethAddr)).pausedUntil;
  const aliceWeth = 5n * WAD;
  await weth.mint(alice.address, aliceWeth);
  await weth.connect(alice).approve(await vm.getAddress(), aliceWeth);
  const refusal = async (call: () => Promise<unknown>) => {
    try {
      await call();
      return "accepted";
    } catch (err) {
      const e = await decodeRevert(hre, err);
      return `refused: ${e.name ?? e.text}`;
    }
  };
  kv("While WETH is paused", {
    "pause ends by itself at": fmtUtc(until),
    "Alice opens a WETH vault with 5,000 BDOL debt": await refusal(() =>
      vm.connect(alice).openVault(wethAddr, aliceWeth, 5_000n * WAD),
    ),
    "the guardian extends its pause": await refusal(() => vm.connect(guardian).pauseRiskAdding(wethAddr)),
    "the guardian lifts its pause": await refusal(() => vm.connect(guardian).allowRiskAdding(wethAddr)),
    "the guardian sets the debt ceiling": await refusal(() => vm.connect(guardian).setDebtCeiling(wethAddr, 1n)),
  });

  say("A week later the pause has expired without anyone acting: Alice opens her vault.");
  await time.increaseTo(until);
  await refreshFeeds();
  await vm.connect(alice).openVault(wethAddr, aliceWeth, 5_000n * WAD);
  console.log(`  Opened vault #${await vm.vaultCount()} with 5 WETH and 5,000 BDOL of debt.`);
}

/**
 * Act 4: the reserve manages itself. An arbitrageur swaps USDC for BDOL through the peg stability
 * module; a keeper rebalances the reserve's USDC into its yield strategy; BDOL trades at $0.98 for a
 * day and the risk controller's hourly pokes raise the stability fees step by step; then USDC loses
 * its peg: the PSM refuses to mint against it while redemptions go on.
 */
async function reserveAct(refreshFeeds: () => Promise<void>) {
  console.log("\n═══ Act 4: the reserve manages itself (peg stability module, strategies, risk controller) ═══");
  const signers = await ethers.getSigners();
  const frank = signers[9];
  const b = await system();
  const { reserve, vaultManager: vm, bdol, oracle } = b;
  const psm = b.psm!;
  const risk = b.risk!;
  const usdc = b.testToken("USDC");
  const usdcFeed = b.mockFeed("USDC_USD_FEED");
  const bdolFeed = b.mockFeed("BDOL_USD_FEED");
  const weth = b.testToken("WETH");
  const USDC = (n: bigint) => n * 10n ** 6n;
  const c = await statusContracts(hre);
  const refresh = async () => {
    await refreshFeeds();
    await usdcFeed.updateAnswer((await oracle.getPrice(await usdc.getAddress()))[0] / 10n ** 10n);
  };

  say("Frank, an arbitrageur, swaps 1,000,000 USDC for BDOL through the PSM (fee 0.1 %).");
  await refresh();
  await usdc.mint(frank.address, USDC(1_000_000n));
  await usdc.connect(frank).approve(await psm.getAddress(), ethers.MaxUint256);
  await psm.connect(frank).swapStableForCoin(USDC(1_000_000n), 0n, frank.address);
  const decimals = 6;
  const liquid = async () => usdc.balanceOf(await reserve.getAddress());
  kv("After the swap", {
    "Frank's BDOL": fmtWad(await bdol.balanceOf(frank.address)),
    "PSM minted / ceiling (BDOL)": `${fmtWad(await psm.minted())} / ${fmtWad(await psm.mintCeiling())}`,
    "reserve's liquid USDC": fmtWad(await liquid(), 2, decimals),
  });

  say("A keeper rebalances: the reserve keeps 20 % of its USDC liquid and puts the rest in its ERC-4626 strategy.");
  await reserve.rebalance();
  kv("After rebalance()", {
    "liquid USDC": fmtWad(await liquid(), 2, decimals),
    "USDC in strategies (convertToAssets)": fmtWad(await reserve.strategyAssets(), 2, decimals),
  });

  say("BDOL slips to $0.98 on the market. Anyone may poke the risk controller once an hour (npx hardhat risk:poke):");
  const wethAddr = await weth.getAddress();
  const feeOf = async () => {
    const cfg = await vm.collateralConfig(wethAddr);
    return annualRateOf(cfg.stabilityFee);
  };
  const feeBefore = await feeOf();
  await time.increase(3600);
  await refresh();
  await bdolFeed.updateAnswer(98n * 10n ** 6n);
  await pokeAndReport(hre);
  const hourly: string[] = [];
  for (let h = 0; h < 23; h++) {
    await time.increase(3600);
    await refresh();
    await bdolFeed.updateAnswer(98n * 10n ** 6n);
    await risk.poke();
    if (h % 4 === 3) hourly.push(fmtRate(await feeOf()));
  }
  kv("WETH stability fee while BDOL trades at $0.98 (one poke an hour, at most +0.5 point each)", {
    "before the first poke": fmtRate(feeBefore),
    "every 4 hours after": hourly.join(" → "),
    "peg controller's integral term": `${fmtWad((await risk.state()).integral * 100n, 3)} points`,
  });

  say("USDC loses its peg ($0.95, as in March 2023): the PSM refuses USDC, BDOL holders still redeem.");
  await usdcFeed.updateAnswer(95n * 10n ** 6n);
  await oracle.recordPrice(await usdc.getAddress());
  await usdc.mint(frank.address, USDC(100_000n));
  const attempt = async (call: () => Promise<unknown>) => {
    try {
      await call();
      return "accepted";
    } catch (err) {
      const e = await decodeRevert(hre, err);
      return `refused: ${e.name ?? e.text}`;
    }
  };
  const usdcBefore = await usdc.balanceOf(frank.address);
  kv("During the depeg", {
    "Frank swaps 100,000 USDC for BDOL": await attempt(() =>
      psm.connect(frank).swapStableForCoin(USDC(100_000n), 0n, frank.address),
    ),
    "Frank redeems 500,000 BDOL for USDC": await attempt(() =>
      psm.connect(frank).swapCoinForStable(500_000n * WAD, 0n, frank.address),
    ),
    "USDC Frank received": fmtWad((await usdc.balanceOf(frank.address)) - usdcBefore, 2, decimals),
    "outflow left in today's window (BDOL)": fmtWad(await psm.availableOutflow()),
  });
  await printRisk(hre, c);
  console.log(
    "  The volatility above is the oracle's estimate, annualised from the price moves it recorded (an EWMA of squared returns\n" +
      "  over time): the demo moved ETH by −25 % within minutes, which annualises to thousands of % a year. The controller's\n" +
      "  response is bounded all the same: the borrow ratio moves at most maxBorrowRatioStep a poke, up to maxBorrowRatio.",
  );
}

/**
 * Act 5: BDOL's market. USDC recovers; BDOL's Uniswap pool is seeded (as `market:seed` does); the
 * oracle reads BDOL from MarketPriceFeed, as on mainnet; a buyer lifts the pool to 1.02 and the peg
 * keeper mints and sells into it, update after update; holders then sell it to 0.98 and the keeper
 * buys back and burns.
 */
async function marketAct(refreshFeeds: () => Promise<void>) {
  console.log("\n═══ Act 5: BDOL's market (Uniswap v3 pool, market price feed, peg keeper) ═══");
  const signers = await ethers.getSigners();
  const [, , , carol, keeperSigner] = signers;
  const gina = signers[10];
  const b = await system();
  const { oracle, bdol } = b;
  const usdcFeed = b.mockFeed("USDC_USD_FEED");
  const usdc = b.testToken("USDC");
  const feed = b.marketFeed!;
  const keeper = b.pegKeeper!;
  const c = await statusContracts(hre);
  const refresh = async () => {
    await refreshFeeds();
    await usdcFeed.updateAnswer(10n ** 8n);
    await feed.update().catch(() => undefined);
    await oracle.recordPrice(await bdol.getAddress());
  };

  say("USDC recovers its peg. BDOL's Uniswap v3 pool (0.01 % tier) is seeded: 6M of each, deepest at $1.");
  await usdcFeed.updateAnswer(10n ** 8n);
  await oracle.recordPrice(await usdc.getAddress());
  const seeded = await seedPool(hre, "BDOL_USDC_POOL");
  console.log(`  ${seeded.tokenIds.length} positions; in-range liquidity ${seeded.liquidity} (the feed wants 2e19).`);

  say("As on mainnet, the oracle now prices BDOL from MarketPriceFeed (a vote would do it; here the timelock acts).");
  await oracle
    .connect(await impersonateTimelock(hre))
    .setFeed(await bdol.getAddress(), marketFeedParams(await feed.getAddress()));
  await time.increase(Number(await feed.window()));
  await refresh();

  say("Gina buys BDOL in the pool and lifts it to $1.02. Half an hour later anyone may call PegKeeper.update():");
  await movePoolTo(hre, gina, 102n * 10n ** 16n);
  const line = async () => {
    await time.increase(1800);
    await refresh();
    try {
      const tx = await keeper.connect(keeperSigner).update();
      const logs = (await tx.wait())!.logs.map((l) => keeper.interface.parseLog(l)).filter((x) => x !== null);
      const p = logs.find((x) => x!.name === "Provided")?.args;
      const w = logs.find((x) => x!.name === "Withdrawn")?.args;
      const r = logs.find((x) => x!.name === "BoughtBackForReserve")?.args;
      const reserve = r
        ? `the reserve bought ${fmtWad(r.bought)} BDOL for ${fmtWad(r.quoteSpent, 2, 6)} USDC (kept, not burnt)`
        : "";
      const paid = logs.find((x) => x!.name === "ProfitPaid")!.args;
      const spot = fmtWad(await feed.spotPrice(), 4);
      const profit = `profit ${fmtWad(paid.profit)} (caller ${fmtWad(paid.rewardQuote, 2, 6)} USDC + ${fmtWad(paid.rewardCoin)} BDOL)`;
      if (p)
        return `minted and sold ${fmtWad(p.minted)} BDOL for ${fmtWad(p.quoteReceived, 2, 6)} USDC → spot ${spot}; ${profit}`;
      const own = w
        ? `bought ${fmtWad(w.bought)} BDOL for ${fmtWad(w.quoteSpent, 2, 6)} USDC, burnt ${fmtWad(w.burnt)}`
        : "";
      return `${[own, reserve].filter(Boolean).join("; ")} → spot ${spot}; ${profit}`;
    } catch (err) {
      const e = await decodeRevert(hre, err);
      return `nothing: ${e.name ?? e.text}`;
    }
  };
  const above: Record<string, string> = {};
  for (let i = 1; i <= 4; i++) above[`+${i * 30} min`] = await line();
  kv("The peg keeper above the peg (at most 250,000 BDOL per update, never below 1.0002)", above);

  say(
    "Holders sell BDOL down to $0.98 in the pool; the keeper buys back with the USDC it holds and burns, then the " +
      "reserve's USDC buys within its daily limit, while the pool has settled and at most 0.5 % above the TWAP.",
  );
  await movePoolTo(hre, carol, 98n * 10n ** 16n);
  const below: Record<string, string> = {};
  for (let i = 1; i <= 4; i++) below[`+${i * 30} min`] = await line();
  kv("The peg keeper below the peg (never above 0.9998)", below);
  await printMarket(hre, c);
  await printSupply(c);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

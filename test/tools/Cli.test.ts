/**
 * The command line a newcomer follows: every borrower, arbitrageur, keeper and local-chain task run
 * in process (hre.run) on the real deployment, their bad inputs each refused with one line naming
 * the argument (a `UsageError`) and nothing sent, refusals by the chain in human units, and the
 * local helpers leaving every price live. Two commands run as a real `npx hardhat` process to check
 * what the terminal shows: one line and exit code 1, no stack trace.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import hre, { deployments, ethers } from "hardhat";
import { UsageError, wad } from "../../lib/sdk";
import { assertLocal, openSession } from "../../lib/sdk/hardhat";
import { runTask } from "../helpers/tasks";

const ROOT = path.resolve(__dirname, "..", "..");
/** The borrower: an account the deployment gave nothing. */
const B = "7";

const run = runTask;

/** Expects the task to refuse with exactly one line matching `message`, sending nothing. */
async function refuses(name: string, args: Record<string, unknown>, message: string | RegExp) {
  const signer = (await ethers.getSigners())[Number(args.from ?? 0)] ?? (await ethers.getSigners())[0];
  const nonce = await ethers.provider.getTransactionCount(signer.address);
  const err = await run(name, args).then(
    () => undefined,
    (e) => e,
  );
  expect(err, `${name} ${JSON.stringify(args)} should refuse`).to.be.instanceOf(UsageError);
  if (typeof message === "string") expect(err.message).to.equal(message);
  else expect(err.message, err.message).to.match(message);
  expect(err.message.includes("\n"), "one line").to.equal(false);
  expect(await ethers.provider.getTransactionCount(signer.address), "nothing sent").to.equal(nonce);
}

describe("Command line (tasks in README order, bad inputs)", function () {
  before(async () => {
    await deployments.fixture();
  });

  describe("borrower", () => {
    it("opens a vault with a lowercase symbol, lists it, reads it as JSON", async () => {
      const { result: id, out } = await run("vault:open", {
        collateral: "weth",
        amount: "10",
        debt: "12000",
        mint: true,
        from: B,
      });
      expect(id).to.equal(1n);
      expect(out).to.match(/opened vault #1 \(tx 0x[0-9a-f]{64}, gas \d+\)/);
      expect(out).to.match(/health factor +│ +1\.6667/);
      const { result: view } = await run("vault:info", { id: "1", json: true, from: B });
      expect(view).to.include({
        id: "1",
        collateral: "WETH",
        collateralAmount: wad(10).toString(),
        priceStatus: "live",
      });
      const { result: list, out: table } = await run("vault:list", { from: B });
      expect(list.map((v: { id: string }) => v.id)).to.deep.equal(["1"]);
      expect(table).to.include("Open vaults of 0x14dC");
    });

    it("deposit right after open --mint: says what the signer holds and how to get more", async () => {
      await refuses(
        "vault:deposit",
        { id: "1", amount: "2", from: B },
        "you hold 0 WETH, 2 WETH needed; on a local network mint test WETH with npx hardhat dev:faucet --asset WETH --amount 2 (or add --mint)",
      );
      const { out } = await run("vault:deposit", { id: "1", amount: "2", mint: true, from: B });
      expect(out).to.match(/collateral +│ +12 WETH/);
    });

    it("refuses malformed, negative, over-precise and zero amounts, naming the argument", async () => {
      await refuses(
        "vault:open",
        { collateral: "WETH", amount: "abc", from: B },
        '--amount "abc" is not a decimal number (e.g. --amount 2.5)',
      );
      await refuses(
        "vault:open",
        { collateral: "WETH", amount: "-5", from: B },
        '--amount "-5" must not be negative (e.g. --amount 2.5)',
      );
      await refuses(
        "vault:open",
        { collateral: "WBTC", amount: "0.123456789", from: B },
        "--amount 0.123456789 has 9 decimals; WBTC has 8",
      );
      await refuses("vault:open", { collateral: "WETH", amount: "0", from: B }, "--amount must be more than 0 WETH");
      await refuses(
        "vault:borrow",
        { id: "1", amount: "1e3", from: B },
        '--amount "1e3" is not a decimal number (e.g. --amount 2.5)',
      );
      await refuses(
        "vault:open",
        { collateral: "WETH", amount: "1", debt: "-1", from: B },
        '--debt "-1" must not be negative (e.g. --debt 2.5)',
      );
    });

    it("refuses an unknown symbol with the choices, and ids that do not exist", async () => {
      await refuses(
        "vault:open",
        { collateral: "doge", amount: "1", from: B },
        '--collateral "doge" is not a collateral here; choose one of WETH, WBTC',
      );
      await refuses(
        "vault:info",
        { id: "7", from: B },
        "--id 7: no open vault with this id (ids 1–1 were opened; closed ones are gone)",
      );
      await refuses("vault:info", { id: "x", from: B }, '--id "x" is not a whole number');
      await refuses("vault:info", { id: "0", from: B }, "--id must be at least 1");
      await refuses(
        "vault:open",
        { collateral: "WETH", amount: "1", from: "99" },
        "--from 99: hardhat has 20 account(s), indices 0–19",
      );
      await refuses("vault:withdraw", { id: "1", amount: "1", to: "bob", from: B }, '--to "bob" is not an address');
    });

    it("the chain's refusals print in human units, nothing sent", async () => {
      await refuses(
        "vault:borrow",
        { id: "1", amount: "100000", from: B },
        "refused: BelowBorrowRatio: vault id #1, collateral value 36,000.00 USD, required value 179,200.00 USD",
      );
      await refuses(
        "vault:withdraw",
        { id: "1", amount: "50", from: B },
        "refused: InsufficientCollateral: requested 50 WETH, available 12 WETH",
      );
      await refuses(
        "vault:borrow",
        { id: "1", amount: "1", from: "2" },
        /^refused: NotOwnerOrOperator: vault id #1, caller you \(0x[0-9a-fA-F]{40}\)$/,
      );
    });

    it("close: says how much BDOL is missing and where to get it; after a PSM swap it closes", async () => {
      await refuses(
        "vault:close",
        { id: "1", from: B },
        /^closing vault #1 needs 12,000\.\d{6} BDOL \(its debt with interest to this block\); you hold 12,000\.000000, short 0\.\d{6}: get BDOL from the PSM \(npx hardhat psm:swap --in 2 --mint on a local network\) or repay part with vault:repay$/,
      );
      await run("psm:swap", { in: "2", mint: true, from: B });
      const { out } = await run("vault:close", { id: "1", from: B });
      expect(out).to.match(/closed vault #1: repaid about 12,000\.\d{6} BDOL/);
      await refuses(
        "vault:info",
        { id: "1", from: B },
        "--id 1: no open vault with this id (ids 1–1 were opened; closed ones are gone)",
      );
    });
  });

  describe("local-chain helpers", () => {
    it("dev:faucet mints a test token; unknown tokens are refused with the choices", async () => {
      const { result, out } = await run("dev:faucet", { asset: "usdc", amount: "1000.5" });
      expect(result).to.be.greaterThanOrEqual(1_000_500_000n);
      expect(out).to.match(/^minted 1,000\.5 USDC to 0xf39F/);
      await refuses(
        "dev:faucet",
        { asset: "BDOL", amount: "1" },
        '--asset "BDOL" is not a test token here; choose one of WETH, WBTC, USDC',
      );
      await refuses(
        "dev:faucet",
        { asset: "WETH", amount: "1.5.5" },
        '--amount "1.5.5" is not a decimal number (e.g. --amount 2.5)',
      );
    });

    it("dev:price moves WETH to 2,400 in rounds the circuit breaker accepts; the price is live", async () => {
      const { result, out } = await run("dev:price", { asset: "weth", price: "2400" });
      expect(result.price).to.equal(wad(2400));
      expect(result.status).to.equal("live");
      expect(out).to.equal("WETH: 2,400.00 USD (live) after 1 recorded round(s): 2,400.00");
      const s = await openSession(hre);
      const [price, status] = await s.ballast.oracle.getPrice(s.ballast.addresses.WETH);
      expect([price, status]).to.deep.equal([wad(2400), 0n]);
      // A composite asset moves its USD leg: WBTC = BTC/USD × WBTC/BTC.
      const wbtc = await run("dev:price", { asset: "WBTC", price: "55000" });
      expect(wbtc.result.status).to.equal("live");
      expect(wbtc.result.price).to.be.closeTo(wad(55_000), wad(1));
      await refuses(
        "dev:price",
        { asset: "ETH", price: "1" },
        '--asset "ETH" is not priced by the oracle; choose one of WETH, WBTC, USDC, BDOL',
      );
      await refuses(
        "dev:price",
        { asset: "WETH", price: "-1" },
        '--price "-1" must not be negative (e.g. --price 2.5)',
      );
    });

    it("dev:time advances the clock and refreshes the mock feeds: every price is live after a day", async () => {
      const before = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      const { result: after, out } = await run("dev:time", { advance: "1d" });
      expect(BigInt(after) - before).to.be.greaterThanOrEqual(86_400n);
      expect(out).to.match(/^advanced 1 d: block \d+ at \d{4}-\d\d-\d\d/);
      const s = await openSession(hre);
      for (const asset of await s.ballast.oracle.assets()) {
        expect((await s.ballast.oracle.getPrice(asset))[1], asset).to.equal(0n);
      }
      await refuses("dev:time", { advance: "soon" }, '--advance "soon" is not a duration (e.g. 90s, 30m, 1h, 1d)');
    });

    it("the local helpers are refused on a public network", () => {
      const fake = { network: { name: "sepolia" } } as unknown as typeof hre;
      expect(() => assertLocal(fake, "dev:time")).to.throw(
        "dev:time works on local networks only (hardhat, localhost), not on sepolia",
      );
    });
  });

  describe("arbitrageur and keeper", () => {
    it("psm:swap refuses both or neither side and bad amounts", async () => {
      await refuses("psm:swap", {}, "give exactly one of --in <USDC> or --out <BDOL>");
      await refuses("psm:swap", { in: "1", out: "1" }, "give exactly one of --in <USDC> or --out <BDOL>");
      await refuses("psm:swap", { in: "1.0000001" }, "--in 1.0000001 has 7 decimals; USDC has 6");
      await refuses(
        "psm:swap",
        { out: "10" },
        /^refused: ERC20InsufficientBalance: sender you \(0x[0-9a-fA-F]{40}\), balance 0 BDOL, needed 10 BDOL$/,
      );
    });

    it("keeper:record and keeper:accrue take symbols in any case and refuse unknown ones", async () => {
      const { out } = await run("keeper:record", { asset: "usdc" });
      expect(out).to.match(/^USDC +1\.00 USD +live/);
      await refuses(
        "keeper:record",
        { asset: "DAI" },
        '--asset "DAI" is not priced by the oracle; choose one of WETH, WBTC, USDC, BDOL',
      );
      await refuses(
        "keeper:accrue",
        { collateral: "dai" },
        '--collateral "dai" is not a collateral here; choose one of WETH, WBTC',
      );
    });

    it("auction:list and auction:take after a liquidation", async () => {
      const { result: id } = await run("vault:open", {
        collateral: "WETH",
        amount: "10",
        debt: "14000",
        mint: true,
        from: "1",
      });
      await run("dev:price", { asset: "WETH", price: "2000" });
      const s = await openSession(hre, 4);
      await (await s.ballast.engine.liquidate(id, s.address)).wait();
      const { result: auctions, out } = await run("auction:list", {});
      if (auctions.length === 0) {
        // The buffer absorbed the whole debt: nothing to auction on this deployment.
        expect(out).to.equal("no active auction");
        return;
      }
      expect(out).to.include("Active auctions");
      await refuses("auction:take", { id: "99" }, /^--id 99: no active auction with this id/);
      await refuses(
        "auction:take",
        { id: auctions[0].id, amount: "1" },
        /^refused: ERC20InsufficientBalance|^refused: /,
      );
    });
  });

  describe("observer", () => {
    it("status --json and reserve:status --json print exact integers as strings, named fields", async () => {
      const { out } = await run("status", { json: true });
      const data = JSON.parse(out);
      expect(data.collaterals.map((c: { symbol: string }) => c.symbol)).to.deep.equal(["WETH", "WBTC"]);
      expect(data.collaterals[0].liquidationRatio).to.equal(wad("1.5").toString());
      expect(BigInt(data.supply.supply)).to.be.greaterThan(0n);
      expect(BigInt(data.supply.slack)).to.be.greaterThanOrEqual(0n);
      const reserve = JSON.parse((await run("reserve:status", { json: true })).out);
      expect(Object.keys(reserve)).to.include.members(["snapshot", "composition", "psm", "pegKeeper"]);
      expect(reserve.psm.feeOut).to.match(/^\d+$/);
      const auctions = JSON.parse((await run("auction:list", { json: true })).out);
      expect(Array.isArray(auctions)).to.equal(true);
    });
  });

  describe("what the terminal shows (a real npx hardhat process)", () => {
    const hardhat = (args: string[]) =>
      spawnSync(process.execPath, [require.resolve("hardhat/internal/cli/bootstrap", { paths: [ROOT] }), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, BALLAST_DEBUG: "" },
        timeout: 120_000,
      });

    it("a mistake is one line on stderr and exit code 1, no stack trace", () => {
      const r = hardhat(["vault:open", "--collateral", "doge", "--amount", "1"]);
      expect(r.status).to.equal(1);
      expect(r.stderr.trim()).to.equal('error: --collateral "doge" is not a collateral here; choose one of WETH, WBTC');
      expect(r.stderr + r.stdout).to.not.match(/\n\s+at /);
    });

    it("vault and keeper tasks without --network deploy in process first, like the others", () => {
      const r = hardhat(["keeper:record", "--asset", "WETH"]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.include("(in-process network: deploying a fresh system first");
      expect(r.stdout).to.match(/WETH +3,000\.00 USD +live/);
    });
  });
});

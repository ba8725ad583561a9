/**
 * The SDK's revert decoder (lib/sdk/errors.ts) on every custom error of every ABI the protocol
 * deploys: each decodes by name, and each argument prints in a unit (no raw integer except where
 * the caller's context sizes it), then real refusals from the chain print in human units.
 */
import { expect } from "chai";
import hre, { deployments, ethers } from "hardhat";
import { AbiCoder, type ErrorFragment, type ParamType } from "ethers";
import {
  CONTEXT_UNIT_ERRORS,
  ERROR_SOURCES,
  UsageError,
  decodeData,
  errorsInterface,
  unitOf,
  wad,
} from "../../lib/sdk";
import { openSession } from "../../lib/sdk/hardhat";

/** A plausible value for a parameter type. */
function sample(p: ParamType, i: number): unknown {
  if (p.type === "address") return "0x" + String(i + 1).padStart(40, "0");
  if (p.type === "bool") return true;
  if (p.type === "bytes") return "0x1234";
  if (p.type.startsWith("bytes")) return "0x" + "ab".repeat(Number(p.type.slice(5)));
  if (p.type === "string") return "text";
  if (p.type.startsWith("int")) return -5n;
  if (p.type === "uint8") return 1n;
  if (p.type.startsWith("uint")) return (1_500_000_000_000_000_000n + BigInt(i)) % 2n ** BigInt(p.type.slice(4) || 256);
  if (p.type === "tuple") return p.components!.map((c, j) => sample(c, j));
  throw new Error(`no sample for ${p.type}`);
}

describe("SDK revert decoder", function () {
  it("decodes every custom error of every deployed contract's ABI, each argument in a unit", async () => {
    const iface = errorsInterface();
    const errors = iface.fragments.filter((f) => f.type === "error") as ErrorFragment[];
    expect(errors.length).to.be.greaterThan(120);
    const raw: string[] = [];
    for (const e of errors) {
      const args = e.inputs.map(sample);
      const data = e.selector + AbiCoder.defaultAbiCoder().encode(e.inputs, args).slice(2);
      const d = decodeData(data, [], {
        token: { symbol: "WETH", decimals: 18 },
        stable: { symbol: "USDC", decimals: 6 },
      });
      expect(d.name, e.format()).to.equal(e.name);
      expect(d.text.startsWith(e.name), d.text).to.equal(true);
      e.inputs.forEach((p, i) => {
        const unit = unitOf(e.name, p, i);
        if (
          unit === "raw" &&
          !CONTEXT_UNIT_ERRORS.has(e.name) &&
          !/^SafeCast|^InsufficientBalance$|^ERC1155/.test(e.name)
        )
          raw.push(`${e.name}.${p.name}`);
      });
    }
    expect(raw, "arguments printed as raw integers").to.deep.equal([]);
    // Every source is present (a renamed contract would silently drop its errors).
    const tc = require("../../typechain-types") as Record<string, unknown>;
    for (const name of ERROR_SOURCES) expect(tc[`${name}__factory`], name).to.not.equal(undefined);
  });

  it("prints amounts, ratios, prices and times in human units", () => {
    const iface = errorsInterface();
    const enc = (name: string, args: unknown[]) => iface.encodeErrorResult(iface.getError(name)!, args);
    const ctx = { token: { symbol: "WBTC", decimals: 8 } };
    expect(
      decodeData(enc("DebtCeilingExceeded", [1000020000000141634442032622n, wad(1_000_000_000)]), []).text,
    ).to.equal("DebtCeilingExceeded: total debt 1,000,020,000.000141 BDOL, debt ceiling 1,000,000,000 BDOL");
    expect(decodeData(enc("InsufficientCollateral", [500000000n, 100000000n]), [], ctx).text).to.equal(
      "InsufficientCollateral: requested 5 WBTC, available 1 WBTC",
    );
    expect(decodeData(enc("BorrowRatioBelowLiquidationRatio", [wad("1.4"), wad("1.5")]), []).text).to.equal(
      "BorrowRatioBelowLiquidationRatio: borrow ratio 140.00 %, liquidation ratio 150.00 %",
    );
    expect(decodeData(enc("PokeTooSoon", [1767225600n]), []).text).to.equal(
      "PokeTooSoon: next poke at 2026-01-01 00:00:00 UTC",
    );
    expect(decodeData(enc("StableDepegged", [wad("0.95"), wad("0.99")]), []).text).to.equal(
      "StableDepegged: price 0.95 USD, floor 0.99 USD",
    );
    expect(decodeData(enc("OracleNotLive", ["0x" + "11".repeat(20), 1n]), []).text).to.match(/status stale$/);
  });

  describe("on the chain", () => {
    before(async () => {
      await deployments.fixture();
    });

    it("a task's refusal: static-called first, nothing sent, one line in human units", async () => {
      const s = await openSession(hre, 3);
      const weth = (await s.ballast.collaterals()).get("weth");
      const { faucet } = await import("../../lib/sdk/dev");
      await faucet(s.ballast, weth.address, s.address, wad(1), s.signer);
      await (await s.ballast.erc20(weth.address).approve(await s.ballast.vaultManager.getAddress(), wad(1))).wait();
      const nonce = await ethers.provider.getTransactionCount(s.address);
      const vm = s.ballast.vaultManager;
      const err = await s.send(vm.openVault, [weth.address, wad(1), wad(100_000)], { token: weth }).catch((e) => e);
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.equal(
        "refused: BelowBorrowRatio: vault id #1, collateral value 3,000.00 USD, required value 160,000.00 USD",
      );
      expect(await ethers.provider.getTransactionCount(s.address), "nothing sent").to.equal(nonce);
    });
  });
});

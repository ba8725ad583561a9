/**
 * Anyone: `npx hardhat risk:poke [--network localhost]` runs the risk controller's poke when it is
 * due and prints what it did: per collateral the inputs (price, utilisation, volatility, price move)
 * and the outputs (fee and borrow ratio before → after, halts), then the peg controller and the
 * system breaker. Before the interval has passed it sends nothing and says when the next poke is
 * allowed.
 *
 * Anyone: `npx hardhat risk:report [--horizon 30d] [--paths 100000] [--correlation 0.5] [--json] [--chart f.svg]`
 * reads the book through the lens and prints the reserve's risk (scripts/lib/riskReport.ts): per
 * collateral the expected loss, VaR and expected shortfall at 99 %, the Greeks of the reserve's
 * exposure and two stresses; for the system the probability that the loss exceeds what the reserve
 * can pay, in closed form and by Monte Carlo. Reads only.
 */
import { task } from "hardhat/config";
import { UsageError, fmtFraction, fmtNumber, kv, parseDuration, parseWhole, table, toJson } from "../lib/sdk";
import { cliAction, openSession } from "../lib/sdk/hardhat";
import { pokeAndReport } from "../scripts/lib/risk";

task("risk:poke", "Runs the risk controller's poke when due and prints its inputs and outputs").setAction(
  (_args, hre) => cliAction(hre, "risk:poke", () => pokeAndReport(hre)),
);

task("risk:report", "The reserve's risk: the book as short puts (expected loss, VaR, ES, Greeks, insolvency)")
  .addOptionalParam("horizon", "horizon (30d, 7d, 12h)", "30d")
  .addOptionalParam("paths", "Monte Carlo paths (1,000 to 2,000,000)", "100000")
  .addOptionalParam("correlation", "correlation between collaterals in the second Monte Carlo, 0 to 1", "0.5")
  .addOptionalParam("seed", "Monte Carlo seed", "1")
  .addFlag("json", "print the report as JSON")
  .addOptionalParam("chart", "also write the chart (SVG: the loss distribution, per-collateral losses) to this file")
  .setAction((args, hre) =>
    cliAction(hre, "risk:report", async () => {
      if (args.chart !== undefined && !/\.svg$/i.test(String(args.chart))) {
        throw new UsageError(`--chart ${JSON.stringify(String(args.chart))} must name an .svg file`);
      }
      const horizon = Number(parseDuration("horizon", args.horizon));
      const paths = Number(parseWhole("paths", args.paths, { positive: true }));
      if (paths < 1_000 || paths > 2_000_000) throw new UsageError(`--paths must be 1,000 to 2,000,000: ${paths}`);
      const correlation = Number(String(args.correlation).trim());
      if (!/^\d*\.?\d+$/.test(String(args.correlation).trim()) || correlation > 1) {
        throw new UsageError(`--correlation ${JSON.stringify(String(args.correlation))} must be a number from 0 to 1`);
      }
      const seed = Number(parseWhole("seed", args.seed));
      const s = await openSession(hre);
      const { readRiskReport, riskChartSpec } = await import("../scripts/lib/riskReport");
      const r = await readRiskReport(s.ballast, { horizon, paths, correlation, seed });
      if (args.chart !== undefined) {
        const { renderVegaLiteSvg } = await import("../lib/sdk/chart");
        const { writeFileSync } = await import("node:fs");
        writeFileSync(String(args.chart), await renderVegaLiteSvg(riskChartSpec(r), "Ballast risk report"));
        if (!args.json) console.log(`chart written to ${String(args.chart)}`);
      }
      if (args.json) {
        console.log(toJson(r));
        return r;
      }
      const days = fmtNumber(r.horizonDays, r.horizonDays % 1 === 0 ? 0 : 2);
      table(
        `The book as short puts over ${days} d (block ${r.block}; lognormal prices at the oracle's volatility, ` +
          `collateral recovered at the auction floor; amounts in BDOL)`,
        r.collaterals.map((c) => ({
          collateral: c.collateral,
          vaults: c.vaults,
          debt: fmtNumber(c.debt, 0),
          "price (USD)": fmtNumber(c.price),
          volatility: fmtFraction(c.volatility, 1),
          "expected loss": fmtNumber(c.expectedLoss),
          "VaR 99 %": fmtNumber(c.valueAtRisk99),
          "ES 99 %": fmtNumber(c.expectedShortfall99),
          "after −1 % price": fmtNumber(c.lossAfter1pctFall),
          "after +10 pts vol": fmtNumber(c.lossAfter10ptVol),
        })),
      );
      table(
        "The reserve's exposure: collateral held × price − expected loss, and its Greeks (delta per USD of price, " +
          "gamma per USD², vega per 10 points of volatility)",
        r.collaterals.map((c) => ({
          collateral: c.collateral,
          held: fmtNumber(c.held, 4),
          exposure: fmtNumber(c.exposure),
          delta: fmtNumber(c.delta, 4),
          gamma: c.gamma.toExponential(3),
          "vega (10 pts)": fmtNumber(c.vega / 10),
        })),
      );
      const mc = Object.fromEntries(
        r.system.monteCarlo.map((m) => [
          `Monte Carlo, correlation ${fmtNumber(m.correlation, 2)} (${fmtNumber(m.paths, 0)} paths): P / ES 99 %`,
          `${
            m.insolvencyProbability === 0
              ? `< ${fmtFraction(3 / m.paths)} (95 %)`
              : `${fmtFraction(m.insolvencyProbability)} ± ${fmtFraction(m.error)}`
          } / ${fmtNumber(m.expectedShortfall99)}`,
        ]),
      );
      kv(`The system over ${days} d`, {
        "debt (BDOL)": fmtNumber(r.system.debt, 0),
        "the reserve can pay: stable part + the collateral it holds, at the floor of today's price": fmtNumber(
          r.system.capacityToday,
        ),
        "expected loss / VaR 99 % / ES 99 % (one factor, closed form)": `${fmtNumber(r.system.expectedLoss)} / ${fmtNumber(r.system.valueAtRisk99)} / ${fmtNumber(r.system.expectedShortfall99)}`,
        "P(loss > what the reserve can pay), closed form": fmtFraction(r.system.insolvencyProbability),
        ...mc,
      });
      if (r.noVolatility.length > 0) {
        console.log(
          `note: the oracle has no volatility estimate yet for ${r.noVolatility.join(", ")} (no returns recorded): ` +
            `a floor of 0.01 % was used`,
        );
      }
      for (const { symbol, status } of r.notLive) {
        console.log(`note: ${symbol}'s oracle price is ${status}: its last good price was used`);
      }
      return r;
    }),
  );

/**
 * The README's simulator tables cannot drift: they are rendered from the committed results file
 * sim/results/summary.json (the summary a real `npm run sim` wrote) with the console's own row
 * functions, and must equal it after prettier. `npm run docs:sim` regenerates them.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { README, RESULTS, loadSummary, markdownTable, renderReadme, simBlocks } from "../../sim/src/readme";
import { listScenarios } from "../../sim/src/scenario";

describe("README: the simulator's tables come from sim/results/summary.json", function () {
  this.timeout(60_000);
  const summary = loadSummary();

  it("the committed summary is a real run's: every scenario it names, all runs, checks passed", () => {
    expect(summary.generatedBy).to.match(/npx hardhat sim/);
    expect(summary.checks).to.match(/^Checks passed: all \d+ takes/);
    expect(summary.results.map((r) => r.scenario.name)).to.deep.equal(summary.command.scenarios);
    for (const name of summary.command.scenarios) expect(listScenarios()).to.include(name);
    const runsPerScenario =
      1 + (summary.command.keepersAbsentMinutes > 0 ? 1 : 0) + (summary.command.pegKeeper === "both" ? 1 : 0);
    for (const r of summary.results) {
      expect(r.runs.length, r.scenario.name).to.equal(runsPerScenario);
      expect(r.parameters.vaults).to.equal(summary.command.vaults);
      expect(r.wallMs).to.be.gte(r.runs.reduce((t, run) => t + run.wallMs, 0));
      for (const run of r.runs) expect(run).to.not.have.property("series");
    }
    expect(summary.wallMs).to.be.gte(summary.results.reduce((t, r) => t + r.wallMs, 0));
  });

  it("the README's sim blocks equal the tables rendered from it", async () => {
    const before = readFileSync(README, "utf8");
    const { text, written, missing } = await renderReadme(before, summary);
    expect(missing, "blocks the README lacks").to.deep.equal([]);
    expect(written.sort()).to.deep.equal([...simBlocks(summary).keys()].sort());
    expect(text === before, `README differs from ${RESULTS}: run npm run docs:sim`).to.equal(true);
  });

  it("renders rows as a Markdown table, escaping pipes", () => {
    expect(markdownTable([{ a: "1", "b|c": "x | y" }])).to.equal("| a | b\\|c |\n| --- | --- |\n| 1 | x \\| y |");
    expect(markdownTable([])).to.equal("(no rows)");
  });
});

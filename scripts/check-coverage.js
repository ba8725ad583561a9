#!/usr/bin/env node
// Fails when solidity-coverage's summary is below the project's floors (mocks are excluded in .solcover.js).
const fs = require("node:fs");
const path = require("node:path");

const FLOORS = { lines: 95, branches: 90 };
const file = path.join(__dirname, "..", "coverage", "coverage-summary.json");
if (!fs.existsSync(file)) {
  console.error(`no ${path.relative(process.cwd(), file)}: run \`hardhat coverage\` first`);
  process.exit(1);
}
const total = JSON.parse(fs.readFileSync(file, "utf8")).total;
let ok = true;
for (const [metric, floor] of Object.entries(FLOORS)) {
  const pct = total[metric].pct;
  const pass = pct >= floor;
  ok &&= pass;
  console.log(`${metric.padEnd(9)} ${String(pct).padStart(6)} %  (floor ${floor} %)  ${pass ? "ok" : "BELOW FLOOR"}`);
}
process.exit(ok ? 0 : 1);

/**
 * `npm run docs:sim`: writes the README's simulator blocks (`<!-- sim:ID -->`) from the committed
 * results file sim/results/summary.json (see sim/src/readme.ts); `--check` fails when they differ.
 * After a new run: copy its `<out>/summary.json` to sim/results/ and run this.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { README, RESULTS, loadSummary, renderReadme } from "../sim/src/readme";

async function main() {
  const check = process.argv.includes("--check");
  const before = readFileSync(README, "utf8");
  const { text, written, missing } = await renderReadme(before, loadSummary());
  const where = `${path.relative(process.cwd(), RESULTS)}`;
  if (missing.length > 0) {
    console.error(`README: no block for ${missing.map((id) => `<!-- sim:${id} -->`).join(", ")}`);
    process.exit(1);
  }
  if (check) {
    if (text !== before) {
      console.error(`README: the simulator's tables differ from ${where}; run npm run docs:sim`);
      process.exit(1);
    }
    console.log(`README: the simulator's ${written.length} blocks match ${where}`);
    return;
  }
  writeFileSync(README, text);
  console.log(`README: ${written.length} simulator blocks written from ${where}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

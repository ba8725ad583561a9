/**
 * `npm run docs`: runs the README's local walkthrough on a fresh Hardhat node and writes every
 * step's real output into the README's sample blocks. `npm run docs -- --check` runs it and fails
 * when a block differs (after normalize: hashes, times, gas and digits past the second decimal are
 * masked), or when a step has no block; CI runs the same comparison on a Hardhat node and on anvil
 * (test/node/Walkthrough.test.ts). Also checks lib/sdk/constants.ts against ConstantsLib.sol.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { normalize, readmeSamples, runWalkthrough, sampleBody, writeReadmeSamples } from "./walkthrough";
import { STEPS } from "./walkthrough/steps";

const masksOf = (id: string) => STEPS.find((s) => s.id === id)?.masks ?? [];

async function main() {
  const check = process.argv.includes("--check");
  const gen = spawnSync(process.execPath, [path.join(__dirname, "gen-constants.js"), ...(check ? ["--check"] : [])], {
    stdio: "inherit",
  });
  if (gen.status !== 0) process.exit(1);
  const { steps, timings } = await runWalkthrough("hardhat");
  console.log(`walkthrough on a Hardhat node: ${timings.join(", ")}`);
  if (process.argv.includes("--print")) {
    for (const s of steps) console.log(`\n$ npx hardhat --network localhost ${s.command}\n${s.output}`);
    return;
  }
  if (!check) {
    const written = writeReadmeSamples(steps);
    const missing = steps.filter((s) => !written.includes(s.id)).map((s) => s.id);
    console.log(
      `README: ${written.length} sample block(s) written${missing.length ? `; no block for ${missing.join(", ")}` : ""}`,
    );
    return;
  }
  const samples = readmeSamples();
  const problems: string[] = [];
  for (const s of steps) {
    const sample = samples.get(s.id);
    if (sample === undefined) problems.push(`${s.id}: no <!-- sample:${s.id} --> block in the README`);
    else if (sampleBody(sample) !== normalize(s.output))
      problems.push(`${s.id}: the README's sample differs from a real run`);
  }
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error("run npm run docs to regenerate the README's samples");
    process.exit(1);
  }
  console.log(`README: all ${steps.length} samples match a real run`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

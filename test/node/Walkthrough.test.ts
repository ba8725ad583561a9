/**
 * The README's local walkthrough, end to end: on a fresh Hardhat node and on a fresh anvil (each on
 * a free loopback port, stopped afterwards), `hardhat deploy --network localhost`, then every
 * command of scripts/walkthrough/steps.ts in order; each output must equal the README's sample block
 * for it (normalized: hashes, times, gas and digits past the second decimal masked). A README edited
 * without a run, a task whose output changed, or a node on which a command behaves differently
 * fails here; `npm run docs` regenerates the samples from a real run.
 */
import { expect } from "chai";
import { STEPS } from "../../scripts/walkthrough/steps";
import { normalize, readmeSamples, runWalkthrough, sampleBody, type NodeKind } from "../../scripts/walkthrough";

describe("README walkthrough on a real node (Hardhat node and anvil)", function () {
  this.timeout(900_000);
  const samples = readmeSamples();

  it("the README has a sample block for every step, and only for steps", () => {
    expect([...samples.keys()].sort()).to.deep.equal(STEPS.map((s) => s.id).sort());
  });

  for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
    it(`${kind}: every command's output equals the README's sample`, async () => {
      const { steps, timings } = await runWalkthrough(kind);
      console.log(`      [${kind}] ${timings.join(", ")}`);
      expect(steps.map((s) => s.id)).to.deep.equal(STEPS.map((s) => s.id));
      for (const [i, step] of steps.entries()) {
        const refused = step.output.startsWith("error: ");
        expect(refused, `${step.id}: ${step.output.split("\n")[0]}`).to.equal(Boolean(STEPS[i].refused));
        const masks = STEPS[i].masks;
        expect(normalize(step.output, masks), `${kind} ${step.id} (${step.command})`).to.equal(
          sampleBody(samples.get(step.id)!, masks),
        );
      }
    });
  }
});

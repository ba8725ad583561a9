/**
 * Runs the walkthrough's steps in this one Hardhat process (`hardhat run --network localhost
 * scripts/walkthrough/runner.ts`), each through `hre.run` exactly as the command line would run the
 * task (the same argument parsing, the same task code), with its console output captured, and
 * writes [{ id, command, output }] to $WALKTHROUGH_OUT. One process instead of one per command:
 * the walkthrough runs in seconds, not minutes, on each node.
 */
import { writeFileSync } from "node:fs";
import hre from "hardhat";
import { STEPS } from "./steps";

/** `--max-take 5 --once` → { maxTake: "5", once: true }, parsed by the task's own definitions. */
function parseArgs(taskName: string, words: string[]): Record<string, unknown> {
  const def = hre.tasks[taskName];
  if (!def) throw new Error(`unknown task ${taskName}`);
  const args: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith("--")) throw new Error(`${taskName}: unexpected ${word}`);
    const name = word.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const param = def.paramDefinitions[name];
    if (!param) throw new Error(`${taskName} has no --${word.slice(2)}`);
    if (param.isFlag) args[name] = true;
    else args[name] = (param.type as unknown as { parse(n: string, v: string): unknown }).parse(name, words[++i]);
  }
  return args;
}

async function main() {
  const out: { id: string; command: string; output: string }[] = [];
  const log = console.log;
  const error = console.error;
  for (const step of STEPS) {
    const [taskName, ...words] = step.command.split(/\s+/);
    const lines: string[] = [];
    console.log = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
    console.error = console.log;
    try {
      await hre.run(taskName, parseArgs(taskName, words));
    } catch (err) {
      // What the command line prints for a task's refusal (lib/sdk/hardhat.ts, cliAction).
      lines.push(`error: ${(err as Error).message}`);
    } finally {
      console.log = log;
      console.error = error;
    }
    out.push({ id: step.id, command: step.command, output: lines.join("\n").replace(/^\n+/, "") });
  }
  writeFileSync(process.env.WALKTHROUGH_OUT ?? "walkthrough.json", JSON.stringify(out, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

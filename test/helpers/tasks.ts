/** Running Hardhat tasks in process from the tests, as the command line would. */
import hre from "hardhat";

/** Runs a task with console output captured; returns its result and what it printed. */
export async function runTask(name: string, args: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    const result = await hre.run(name, args);
    return { result, out: lines.join("\n") };
  } finally {
    console.log = log;
  }
}

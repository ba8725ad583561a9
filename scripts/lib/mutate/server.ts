/**
 * A warm mocha runner for the mutation tool: started once per few dozen mutants in the workspace
 * (`node --require hardhat/register server.ts`), it runs the same test files on request, so each
 * mutant no longer pays Hardhat's start-up (12 s of a ~35 s mutant on a loaded 2-core machine).
 *
 * Each run starts from the same chain: the pristine state is snapshotted before the first run and
 * reverted to before every later one, and the test modules are reloaded, so no module state carries
 * over. hardhat-deploy keeps its fixtures' snapshot ids across runs and, finding one stale, redeploys
 * from the (new) artifacts, but Hardhat's network drops every snapshot newer than an id it is asked
 * to revert to even when that id no longer exists (which would take the pristine snapshot with it),
 * so a revert to an id not taken in the current run is answered `false` here without reaching it.
 * Protocol messages (IPC): parent → `{ type: "run", files }`; server → `{ type: "ready" }`, then
 * `{ type: "result", failures, failure? }` per run.
 */
import hre from "hardhat";
import Mocha from "mocha";
import path from "node:path";

interface RunMessage {
  type: "run";
  files: string[];
}

const testDir = path.resolve(hre.config.paths.root, hre.config.paths.tests) + path.sep;
const consoleLog = console.log;
const consoleError = console.error;
let pristine: string | undefined;
/** Snapshot ids taken in the current run, oldest first (a revert drops the id and all newer ones). */
let live: string[] = [];

type Request = (args: { method: string; params?: unknown[] | object }) => Promise<unknown>;
const provider = hre.network.provider;
const request: Request = provider.request.bind(provider);
const guarded: Request = async (args) => {
  if (args.method === "evm_revert") {
    const id = (args.params as string[] | undefined)?.[0];
    const at = live.indexOf(id as string);
    if (at < 0) return false;
    const ok = await request(args);
    if (ok) live = live.slice(0, at);
    return ok;
  }
  const result = await request(args);
  if (args.method === "evm_snapshot") live.push(result as string);
  if (args.method === "hardhat_reset") {
    pristine = undefined;
    live = [];
  }
  return result;
};
// ethers and the network helpers call `request`, hardhat-deploy calls `send`: guard both.
Object.assign(provider, {
  request: guarded,
  send: (method: string, params?: unknown[]) => guarded({ method, params }),
});

async function resetChain(): Promise<void> {
  live = [];
  if (pristine === undefined) {
    await request({ method: "hardhat_reset", params: [] });
  } else if (!(await request({ method: "evm_revert", params: [pristine] }))) {
    throw new Error("could not revert to the pristine chain");
  }
  pristine = (await request({ method: "evm_snapshot", params: [] })) as string;
  // A test that failed half-way may have left automine off.
  await request({ method: "evm_setAutomine", params: [true] });
  await request({ method: "evm_setIntervalMining", params: [0] });
}

async function run(files: string[]): Promise<{ failures: number; failure?: string }> {
  await resetChain();
  for (const key of Object.keys(require.cache)) if (key.startsWith(testDir)) delete require.cache[key];
  const mocha = new Mocha({ ...hre.config.mocha, bail: true, reporter: Mocha.reporters.Base });
  for (const file of files) mocha.addFile(path.resolve(hre.config.paths.root, file));
  let failure: string | undefined;
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on("fail", (test: Mocha.Runnable, err: Error) => {
      failure ??= `${test.titlePath().join(" › ")}: ${String(err?.message ?? err).split("\n")[0]}`;
    });
  });
  mocha.dispose();
  console.log = consoleLog;
  console.error = consoleError;
  return { failures, failure };
}

process.on("message", (message: RunMessage) => {
  if (message?.type !== "run") return;
  run(message.files).then(
    (result) => process.send!({ type: "result", ...result }),
    (err: unknown) => {
      process.send!({ type: "error", message: String((err as Error)?.stack ?? err) }, undefined, {}, () =>
        process.exit(1),
      );
    },
  );
});
process.on("disconnect", () => process.exit(0));
process.send!({ type: "ready" });

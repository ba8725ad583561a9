/**
 * Runs a test command in the workspace with a time limit: its own process group, so a timeout
 * kills mocha and anything it started; the output's tail is kept to name the test that failed.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import path from "node:path";

export interface TestRun {
  passed: boolean;
  timedOut: boolean;
  seconds: number;
  /** The first failing test and its error, from mocha's report (or the output's last line). */
  failure?: string;
  output: string;
}

const KEEP_OUTPUT = 64 * 1024;

/** Thrown once the run is being stopped (Ctrl-C): no new process starts, no result is recorded. */
export class Interrupted extends Error {}

let stopping = false;

/** The environment tests run in: a developer's fork or gas-report settings must not change them. */
function testEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FORK_URL;
  delete env.FORK_BLOCK;
  delete env.REPORT_GAS;
  return env;
}

/** Mocha through Hardhat, stopping at the first failure, on artifacts already in place. */
export function hardhatTestCommand(projectRoot: string, files: string[]): string[] {
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [projectRoot] });
  return [process.execPath, cli, "test", "--no-compile", "--bail", ...files];
}

/** Runs `command` in `cwd`; `timeoutMs` 0 means no limit. */
export function runCommand(command: string[], cwd: string, timeoutMs: number): Promise<TestRun> {
  if (stopping) return Promise.reject(new Interrupted("interrupted"));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), {
      cwd,
      env: testEnv(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    activeChildren.add(child.pid!);
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 2 * KEEP_OUTPUT) output = output.slice(-KEEP_OUTPUT);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            killGroup(child.pid!);
          }, timeoutMs)
        : undefined;
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      activeChildren.delete(child.pid!);
      if (stopping) return reject(new Interrupted("interrupted"));
      output = output.slice(-KEEP_OUTPUT);
      const passed = code === 0 && !timedOut;
      resolve({
        passed,
        timedOut,
        seconds: (Date.now() - started) / 1000,
        failure: passed || timedOut ? undefined : firstFailure(output),
        output,
      });
    });
  });
}

/** Process groups of the commands still running (killed on Ctrl-C). */
const activeChildren = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Kills every running command and refuses to start new ones (Ctrl-C). */
export function killActiveCommands(): void {
  stopping = true;
  for (const pid of activeChildren) killGroup(pid);
}

/** `Suite › test: first error line` from mocha's failure report, or the last non-empty line. */
export function firstFailure(output: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  // forge: `[FAIL: <reason>] invariant_x() (runs: …)`.
  const forgeFail = lines.find((l) => l.includes("[FAIL"));
  if (forgeFail) return shorten(forgeFail.trim(), 240);
  const failing = lines.findIndex((l) => /^\s*\d+ failing/.test(l));
  if (failing >= 0) {
    const rest = lines.slice(failing + 1).filter((l) => l.trim() !== "");
    const titles: string[] = [];
    let k = 0;
    for (; k < rest.length && titles.length < 4; k++) {
      const line = rest[k].trim();
      if (/^(\w*Error|Error)\b|^AssertionError|^[A-Z]\w+:/.test(line) && titles.length > 0) break;
      titles.push(line.replace(/^1\)\s*/, "").replace(/:$/, ""));
    }
    const error = rest[k]?.trim() ?? "";
    return shorten(`${titles.join(" › ")}: ${error}`, 240);
  }
  const last = lines.filter((l) => l.trim() !== "").pop() ?? "no output";
  return shorten(last.trim(), 240);
}

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Runs mocha in a long-lived process (server.ts) instead of a fresh `hardhat test` per mutant.
 * The process is replaced after `restartEvery` runs (bounded memory), after a timeout and after a
 * crash; the replacement starts at once, so it warms up while the next mutant compiles.
 */
export class WarmRunner {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private runs = 0;
  private pending?: (message: { type: string; failures?: number; failure?: string; message?: string }) => void;
  private exited?: (code: number | null) => void;
  private output = "";

  constructor(
    private readonly cwd: string,
    private readonly files: string[],
    private readonly restartEvery = 40,
  ) {}

  private start(): void {
    if (stopping) throw new Interrupted("interrupted");
    const env = testEnv();
    const child = fork(path.join(this.cwd, "scripts", "lib", "mutate", "server.ts"), [], {
      cwd: this.cwd,
      env,
      execArgv: [
        "--require",
        "hardhat/register",
        ...(process.env.MUTATE_DEBUG ? ["--require", process.env.MUTATE_DEBUG] : []),
      ],
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    activeChildren.add(child.pid!);
    this.child = child;
    this.runs = 0;
    this.output = "";
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-KEEP_OUTPUT);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.ready = new Promise((resolve, reject) => {
      child.on("message", (message: { type: string }) => {
        if (message.type === "ready") resolve();
        else this.pending?.(message);
      });
      child.on("exit", (code) => {
        activeChildren.delete(child.pid!);
        if (this.child === child) this.child = undefined;
        reject(new Error(`the warm test process exited (${code}) before it was ready:\n${this.output.slice(-4000)}`));
        this.exited?.(code);
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Starts the process now if there is none (e.g. right after a restart). */
  warmUp(): void {
    if (!this.child) this.start();
  }

  /** Runs the files once; `crashed` results should be confirmed with a cold run. */
  async run(timeoutMs: number): Promise<TestRun & { crashed: boolean }> {
    if (this.child && this.runs >= this.restartEvery) this.stop();
    this.warmUp();
    try {
      await this.ready;
    } catch (err) {
      throw stopping ? new Interrupted("interrupted") : err;
    }
    const child = this.child!;
    this.runs++;
    const started = Date.now();
    const result = await new Promise<{
      kind: "result" | "timeout" | "exit" | "error";
      failures?: number;
      failure?: string;
      message?: string;
    }>((resolve) => {
      const timer = timeoutMs > 0 ? setTimeout(() => resolve({ kind: "timeout" }), timeoutMs) : undefined;
      const finish = (r: Parameters<typeof resolve>[0]) => {
        if (timer) clearTimeout(timer);
        this.pending = undefined;
        this.exited = undefined;
        resolve(r);
      };
      this.pending = (m) => finish({ kind: m.type === "result" ? "result" : "error", ...m });
      this.exited = () => finish({ kind: "exit" });
      child.send({ type: "run", files: this.files });
    });
    if (stopping) throw new Interrupted("interrupted");
    const seconds = (Date.now() - started) / 1000;
    if (result.kind === "result") {
      const passed = result.failures === 0;
      return {
        passed,
        timedOut: false,
        crashed: false,
        seconds,
        failure: passed ? undefined : result.failure,
        output: "",
      };
    }
    // Timeout, crash or an error outside the tests: this process is done for; start the next one.
    const output = this.output + (result.message ?? "");
    this.stop();
    this.warmUp();
    return {
      passed: false,
      timedOut: result.kind === "timeout",
      crashed: result.kind !== "timeout",
      seconds,
      failure: result.kind === "timeout" ? undefined : firstFailure(output),
      output,
    };
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.pid) {
      activeChildren.delete(child.pid);
      killGroup(child.pid);
    }
  }
}

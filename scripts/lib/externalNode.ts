/**
 * Child processes for tests that drive a real JSON-RPC node: a free loopback port, a node started
 * in its own process group (so stopping it also stops what `npx`/`hardhat` spawned), commands with
 * a hard time limit, and a safety net that kills every live child when the test process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const LOOPBACK = "127.0.0.1";

/**
 * A tool installed with the project, never fetched from a registry (as `npx <name>` would when the
 * package is missing): for anvil and cast the platform binary package (@foundry-rs/<name>-<os>-<arch>,
 * an optional dependency), then node_modules/.bin, then the PATH (Foundry's own installer).
 */
export function bin(name: string): string {
  const exe = process.platform === "win32" ? `${name}.exe` : name;
  if (name === "anvil" || name === "cast") {
    const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch] ?? process.arch;
    try {
      const file = require.resolve(`@foundry-rs/${name}-${process.platform}-${arch}/bin/${exe}`, { paths: [ROOT] });
      if (existsSync(file)) return file;
    } catch {
      // no package for this platform
    }
  }
  const local = path.join(ROOT, "node_modules", ".bin", name);
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, exe))) return path.join(dir, exe);
  }
  throw new Error(`${name} not found in node_modules or on PATH: run npm ci, or install Foundry (foundryup)`);
}

/** A port that was free a moment ago: listen on port 0 on the loopback address, then close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("no port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** A fresh temporary folder, removed by `removeTempDir` or, failing that, when the process exits. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** SIGKILL to the whole process group: synchronous, so it also works from an `exit` handler. */
function killGroupNow(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

let exitHookInstalled = false;
/**
 * Children run in their own process groups, so a Ctrl-C in the terminal does not reach them: kill
 * them on exit and on SIGINT/SIGTERM/SIGHUP, then let the signal do what it would have done.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of live) killGroupNow(child);
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      killAll();
      // Alone on this signal: restore the default action (terminate) and re-raise it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** A child process group with its output kept for error messages. */
export class Child {
  readonly process: ChildProcess;
  private output = "";
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ) {
    installExitHook();
    this.process = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      // Its own process group: stop() kills the group, including grandchildren.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(this.process);
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    this.process.stdout?.on("data", keep);
    this.process.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      this.process.once("error", (err) => {
        this.output += `\n[spawn error] ${err.message}`;
        this.exitCode = null;
        live.delete(this.process);
        resolve(null);
      });
      this.process.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        live.delete(this.process);
        resolve(this.exitCode);
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get log(): string {
    return this.output;
  }

  tail(lines = 40): string {
    return this.output.trimEnd().split("\n").slice(-lines).join("\n");
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    const pid = this.process.pid;
    if (pid === undefined || !this.running) {
      killGroupNow(this.process); // stragglers of an exited leader
      return;
    }
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) === "timeout") killGroupNow(this.process);
    await this.exited;
    killGroupNow(this.process);
  }
}

export interface RunResult {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a command to completion; kills its process group and throws after `timeoutMs` or on a non-zero exit. */
export async function run(
  label: string,
  command: string,
  args: string[],
  { env = {}, timeoutMs = 180_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  const start = Date.now();
  const child = new Child(label, command, args, env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop();
  }, timeoutMs);
  try {
    const code = await child.exited;
    const ms = Date.now() - start;
    if (timedOut) throw new Error(`${label} did not finish within ${timeoutMs / 1000} s:\n${child.tail()}`);
    if (code !== 0) throw new Error(`${label} exited with ${code}:\n${child.tail()}`);
    return { code, output: child.log, ms };
  } finally {
    clearTimeout(timer);
    killGroupNow(child.process);
  }
}

/** JSON-RPC call over HTTP (Node's fetch); throws on a transport or RPC error. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Polls `eth_chainId` until the node answers; fails early when the node process exits. */
export async function waitForChainId(node: Child, url: string, timeoutMs = 180_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!node.running) throw new Error(`${node.label} exited before answering eth_chainId:\n${node.tail()}`);
    try {
      return BigInt((await rpc(url, "eth_chainId")) as string);
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`${node.label} did not answer eth_chainId within ${timeoutMs / 1000} s:\n${node.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

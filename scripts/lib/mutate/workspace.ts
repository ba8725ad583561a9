/**
 * The temporary copy of the project that mutants run in. The working tree is never written to: a
 * crash, a Ctrl-C or a kill -9 can leave at most a stray directory under the OS temp dir, never a
 * mutated contract in the repository.
 *
 * The copy holds the files git knows (tracked, plus untracked ones that are not ignored, so tests
 * being written are included), Hardhat's artifacts and the TypeChain types; node_modules is a
 * symlink. Mocha runs there with `--no-compile` against artifacts whose bytecode is swapped for
 * the mutant's and restored afterwards.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Bytecode } from "./compiler";

export class Workspace {
  private readonly saved = new Map<string, string>();

  private constructor(
    readonly root: string,
    readonly dir: string,
  ) {}

  /** Copies `root` into a fresh temporary directory. */
  static create(root: string): Workspace {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ballast-mutate-"));
    const ws = new Workspace(root, dir);
    try {
      const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      for (const file of listed.split("\0")) {
        if (!file || file.startsWith("node_modules/")) continue;
        const from = path.join(root, file);
        if (!existsSync(from)) continue; // deleted in the working tree
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        cpSync(from, path.join(dir, file), { verbatimSymlinks: true });
      }
      for (const generated of ["artifacts", "typechain-types", "cache", "out", "cache_forge"]) {
        if (existsSync(path.join(root, generated))) {
          cpSync(path.join(root, generated), path.join(dir, generated), { recursive: true });
        }
      }
      symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    } catch (err) {
      ws.remove();
      throw err;
    }
    return ws;
  }

  /** Absolute path of a project file inside the copy. */
  file(relative: string): string {
    return path.join(this.dir, relative);
  }

  /** Writes a project file in the copy, remembering the original for `restore()`. */
  write(relative: string, content: string): void {
    const file = this.file(relative);
    if (!this.saved.has(file)) this.saved.set(file, readFileSync(file, "utf8"));
    writeFileSync(file, content);
  }

  /** Puts `code` into the Hardhat artifact of `key` (`source:Name`). */
  writeArtifact(key: string, code: Bytecode): void {
    const [source, name] = key.split(":");
    const relative = path.join("artifacts", source, `${name}.json`);
    const file = this.file(relative);
    const artifact = JSON.parse(this.saved.get(file) ?? readFileSync(file, "utf8"));
    this.write(relative, JSON.stringify({ ...artifact, ...code }, null, 2));
  }

  /** Restores every file written since the last restore. */
  restore(): void {
    for (const [file, content] of this.saved) writeFileSync(file, content);
    this.saved.clear();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

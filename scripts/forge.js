#!/usr/bin/env node
/*
 * Runs the npm-installed Foundry forge for this project: `node scripts/forge.js <forge args>`,
 * e.g. `node scripts/forge.js test` (npm run test:forge) or `node scripts/forge.js build`.
 *
 * Why a wrapper rather than plain `npx forge`:
 *  - foundry.toml's `solc = "scripts/solc-wrapper.js"` is resolved by forge against the current
 *    directory, not the project root; FOUNDRY_SOLC with an absolute path computed here makes it
 *    work from any directory and on any machine without committing machine paths.
 *  - FOUNDRY_OFFLINE pins forge to never download a compiler or anything else, whatever a
 *    profile or a developer's global config says.
 * FOUNDRY_PROFILE (e.g. `deep`) and any other FOUNDRY_* variables pass through untouched.
 */
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const root = path.resolve(__dirname, "..");
const solcWrapper = path.join(__dirname, "solc-wrapper.js");

/**
 * The platform binary package (@foundry-rs/forge-<os>-<arch>), an optional dependency of the
 * project. The @foundry-rs/forge launcher package is not used: it lists platform packages that the
 * registry does not carry, which breaks `npm ci`.
 */
function forgeBinary() {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch] || process.arch;
  const exe = process.platform === "win32" ? "forge.exe" : "forge";
  const pkg = `@foundry-rs/forge-${process.platform}-${arch}`;
  try {
    const candidate = require.resolve(`${pkg}/bin/${exe}`, { paths: [root] });
    if (fs.existsSync(candidate)) return { command: candidate, args: [], env: {} };
  } catch {
    // Not installed for this platform.
  }
  // npm carries forge binaries for linux-x64, darwin-arm64 and win32-x64 only (optionalDependencies
  // in package.json); elsewhere use a forge on PATH (Foundry's own installer).
  console.error(`scripts/forge.js: no ${pkg} package for this platform; trying \`forge\` on PATH`);
  return { command: exe, args: [], env: {} };
}

/**
 * forge executes the wrapper directly, so it needs its executable bit; archives and some
 * checkouts drop it. Restore it rather than fail with a bare "permission denied" from forge.
 */
function ensureExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    fs.chmodSync(file, 0o755);
  }
}

function main() {
  ensureExecutable(solcWrapper);
  const forge = forgeBinary();
  const env = { ...process.env, ...forge.env, FOUNDRY_SOLC: solcWrapper, FOUNDRY_OFFLINE: "true" };
  const child = spawn(forge.command, [...forge.args, ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });

  // Ctrl-C reaches forge through the shared process group; forward explicit signals too.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (err) => {
    console.error(`scripts/forge.js: could not start forge (${forge.command}): ${err.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    // Shell convention for a child killed by a signal: 128 + signal number.
    process.exit(signal ? 128 + (os.constants.signals[signal] || 0) : code);
  });
}

main();

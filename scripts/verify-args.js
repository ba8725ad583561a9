/**
 * The constructor arguments of one hardhat-deploy record, for hardhat-verify's --constructor-args:
 *
 *   VERIFY_RECORD=deployments/sepolia/RiskController.json \
 *     npx hardhat verify --network sepolia --constructor-args scripts/verify-args.js <address>
 *
 * A record keeps the arguments its deploy script passed (numbers as decimal strings, struct
 * arguments as objects keyed by field name), which ethers encodes as the constructor did.
 * docs/INTEGRATORS.md has the whole procedure; test/tools/Export.test.ts checks that the arguments
 * of every deployment the scripts compile encode to its deployment transaction's input.
 */
const path = require("path");

const record = process.env.VERIFY_RECORD;
if (!record) {
  throw new Error("set VERIFY_RECORD to a deployment record, e.g. deployments/sepolia/VaultManager.json");
}
module.exports = require(path.resolve(record)).args ?? [];

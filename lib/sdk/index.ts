/**
 * Ballast's TypeScript SDK: everything the tools share, and nothing that depends on a tool.
 * - `connect(runner, addresses)`: typed contracts and the collateral registry (contracts.ts);
 *   `openSession(hre)`: the same over hardhat-deploy's records, with a signer (hardhat.ts).
 * - The deployment manifest: names, admin contracts, expected roles and links (manifest.ts).
 * - The math mirroring the contracts (math.ts), decimal parsing (units.ts), ConstantsLib's bounds
 *   generated from the Solidity (constants.ts).
 * - One revert decoder in human units (errors.ts) and one formatter (format.ts).
 */
export * from "./cli-error";
export * from "./contracts";
export * from "./errors";
export * from "./format";
export * from "./manifest";
export * from "./math";
export * from "./status";
export * from "./units";
export * as bounds from "./constants";
export * from "./risk";
export { readBook, MIN_VOLATILITY, type SystemBook } from "./book";

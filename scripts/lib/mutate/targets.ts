/**
 * The one place that says which contracts the mutation campaign mutates and which tests may kill
 * their mutants. Each test list starts with the contract's own test file (most mutants die there,
 * and `--bail` stops at the first failure), then the files that drive the contract through other
 * paths: scenarios, the liquidation flow, the audit regressions. A file that does not exist (yet) is
 * skipped with a warning, so audit regressions join as they land. The forge suites are only run
 * with `--forge`, on mutants that survive mocha (they are slow: a full via-IR `forge build`).
 */
export interface Target {
  /** Contract name, used in mutant ids (`VaultManager#042`). */
  name: string;
  /** Source file, relative to the project root. */
  source: string;
  /** Mocha files, in the order they run. */
  tests: string[];
  /** Forge test files (`--forge`). */
  forge: string[];
}

export const TARGETS: Target[] = [
  {
    name: "VaultManager",
    source: "contracts/core/VaultManager.sol",
    tests: [
      "test/core/VaultManager.test.ts",
      "test/liquidation/LiquidationEngine.test.ts",
      "test/risk/RiskController.test.ts", // applyRiskSettings: the controller's halts and steps
      "test/scenarios/Risk.scenarios.test.ts",
      "test/token/BallastDollar.test.ts",
      "test/governance/Roles.test.ts",
      "test/audit/D_AccumulatorOverflow.test.ts",
      "test/audit/E_SoundChecks.test.ts",
      "test/audit/F_SixDecimalsFuzz.test.ts",
    ],
    forge: ["test/invariant/VaultManager.invariant.t.sol", "test/invariant/VaultMath.t.sol"],
  },
  {
    name: "LiquidationEngine",
    source: "contracts/core/LiquidationEngine.sol",
    tests: [
      "test/liquidation/LiquidationEngine.test.ts",
      "test/liquidation/Auctions.test.ts",
      "test/keeper/KeeperBot.test.ts",
      "test/governance/Roles.test.ts",
      "test/audit/A_FeeOnTransferAuction.test.ts",
      "test/audit/B_DustLotGrief.test.ts",
      "test/audit/C_RedoPay.test.ts",
      "test/audit/E_SoundChecks.test.ts",
      "test/audit/F_SixDecimalsFuzz.test.ts",
      "test/audit/G_EngineMigration.test.ts",
    ],
    forge: ["test/invariant/Liquidation.invariant.t.sol"],
  },
  {
    name: "ReservePool",
    source: "contracts/core/ReservePool.sol",
    tests: [
      "test/core/ReservePool.test.ts",
      "test/core/ReserveStrategies.test.ts",
      "test/scenarios/Reserve.scenarios.test.ts",
      "test/liquidation/Auctions.test.ts",
      "test/psm/ReserveTasks.test.ts",
      "test/governance/Roles.test.ts",
      "test/audit/StrategyInflation.test.ts",
      "test/audit/StrategyFailingViews.test.ts",
    ],
    forge: ["test/invariant/Liquidation.invariant.t.sol"],
  },
  {
    name: "PegStabilityModule",
    source: "contracts/psm/PegStabilityModule.sol",
    tests: [
      "test/psm/PegStabilityModule.test.ts",
      "test/scenarios/Reserve.scenarios.test.ts",
      "test/psm/ReserveTasks.test.ts",
      "test/governance/Roles.test.ts",
      "test/audit/PsmBucketGrief.test.ts",
    ],
    forge: ["test/invariant/Psm.invariant.t.sol"],
  },
  {
    name: "RiskController",
    source: "contracts/risk/RiskController.sol",
    tests: [
      "test/risk/RiskController.test.ts",
      "test/scenarios/Risk.scenarios.test.ts",
      "test/risk/RiskTasks.test.ts",
      "test/governance/Roles.test.ts",
      "test/audit/VolatilitySampling.test.ts",
    ],
    forge: ["test/invariant/RiskController.invariant.t.sol"],
  },
  {
    name: "OracleAdapter",
    source: "contracts/oracle/OracleAdapter.sol",
    tests: [
      "test/oracle/OracleAdapter.test.ts",
      "test/core/VaultManager.test.ts",
      "test/risk/RiskController.test.ts",
      "test/governance/Roles.test.ts",
      "test/audit/PriceBreakerSkip.test.ts",
      "test/audit/VolatilitySampling.test.ts",
    ],
    forge: [],
  },
];

/** The shared libraries: not part of a default run (their mutants recompile every contract). */
export const LIBRARY_TARGETS: Target[] = [
  {
    name: "MathLib",
    source: "contracts/libraries/MathLib.sol",
    tests: [
      "test/core/VaultManager.test.ts",
      "test/liquidation/LiquidationEngine.test.ts",
      "test/liquidation/Auctions.test.ts",
      "test/psm/PegStabilityModule.test.ts",
      "test/risk/RiskController.test.ts",
      "test/core/ReservePool.test.ts",
    ],
    forge: ["test/invariant/VaultMath.t.sol"],
  },
  {
    name: "CollateralLib",
    source: "contracts/libraries/CollateralLib.sol",
    tests: [
      "test/liquidation/LiquidationEngine.test.ts",
      "test/liquidation/Auctions.test.ts",
      "test/core/VaultManager.test.ts",
      "test/core/ReservePool.test.ts",
      "test/risk/RiskController.test.ts",
    ],
    forge: ["test/invariant/VaultMath.t.sol"],
  },
];

export function findTarget(name: string): Target | undefined {
  return [...TARGETS, ...LIBRARY_TARGETS].find((t) => t.name.toLowerCase() === name.toLowerCase());
}

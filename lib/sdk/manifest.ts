/**
 * The deployment manifest: the protocol's deployment names (DESIGN.md fixes them; tools and tests
 * outside this repo rely on them), which contract each one is, and the privileges the governance
 * hand-over must leave. `deploy/99_handover.ts` grants from it and `roles:check` verifies against it;
 * `test/sdk/manifest.test.ts` checks it equals what the deploy scripts create.
 */

/** Deployment name → the contract (TypeChain/artifact name) deployed under it. */
export const PROTOCOL = {
  BallastDollar: "BallastDollar",
  ReservePool: "ReservePool",
  OracleAdapter: "OracleAdapter",
  VaultManager: "VaultManager",
  LiquidationEngine: "LiquidationEngine",
  GovernanceToken: "GovernanceToken",
  Timelock: "Timelock",
  BallastGovernor: "BallastGovernor",
  PegStabilityModule: "PegStabilityModule",
  RiskController: "RiskController",
  ReserveLens: "ReserveLens",
  MarketPriceFeed: "MarketPriceFeed",
  PegKeeper: "PegKeeper",
  FlashTaker: "FlashTaker",
  SavingsBdol: "SavingsBdol",
} as const;

export type ProtocolName = keyof typeof PROTOCOL;

/** Deployments a network may leave out (no stable asset, no market): tools treat them as absent. */
export const OPTIONAL: readonly ProtocolName[] = [
  "PegStabilityModule",
  "RiskController",
  "MarketPriceFeed",
  "PegKeeper",
  "FlashTaker",
];

/** The deployments every full system has (the protocol's, the optional ones left out). */
export const REQUIRED_DEPLOYMENTS: readonly ProtocolName[] = (Object.keys(PROTOCOL) as ProtocolName[]).filter(
  (name) => !OPTIONAL.includes(name),
);

/** Uniswap v3 deployments the market step records (local: deployed from the npm artifacts). */
export const UNISWAP = ["UniswapV3Factory", "SwapRouter", "QuoterV2", "NonfungiblePositionManager"] as const;

/** Contracts whose DEFAULT_ADMIN_ROLE (every parameter setter) the timelock must hold. */
export const ADMIN_CONTRACTS: readonly ProtocolName[] = [
  "BallastDollar",
  "OracleAdapter",
  "VaultManager",
  "LiquidationEngine",
  "ReservePool",
  "PegStabilityModule",
  "RiskController",
  "MarketPriceFeed",
  "PegKeeper",
  "SavingsBdol",
];

/** Contracts on which the guardian holds GUARDIAN_ROLE (pause only; sBDOL: deposits only). */
export const GUARDIAN_CONTRACTS: readonly ProtocolName[] = ["VaultManager", "PegKeeper", "SavingsBdol"];

/** Role names the role check translates from their hashes. */
export const KNOWN_ROLES = [
  "DEFAULT_ADMIN_ROLE",
  "GUARDIAN_ROLE",
  "RISK_CONTROL_ROLE",
  "PROPOSER_ROLE",
  "EXECUTOR_ROLE",
  "CANCELLER_ROLE",
] as const;

/** A holder in the expected-roles table: a deployment, the guardian, or anyone (address 0). */
export type Holder = ProtocolName | "guardian" | "anyone";

/**
 * Every role's only holders after the hand-over. Contracts with roles that are not listed (a new
 * module) may have the timelock as admin and nobody else.
 */
export const EXPECTED_ROLES: Partial<Record<ProtocolName, Record<string, Holder[]>>> = {
  ...Object.fromEntries(ADMIN_CONTRACTS.map((c) => [c, { DEFAULT_ADMIN_ROLE: ["Timelock"] }])),
  Timelock: {
    DEFAULT_ADMIN_ROLE: ["Timelock"],
    PROPOSER_ROLE: ["BallastGovernor"],
    CANCELLER_ROLE: ["BallastGovernor"],
    EXECUTOR_ROLE: ["anyone"],
  },
  VaultManager: {
    DEFAULT_ADMIN_ROLE: ["Timelock"],
    GUARDIAN_ROLE: ["guardian"],
    RISK_CONTROL_ROLE: ["RiskController"],
  },
  PegKeeper: { DEFAULT_ADMIN_ROLE: ["Timelock"], GUARDIAN_ROLE: ["guardian"] },
  SavingsBdol: {
    DEFAULT_ADMIN_ROLE: ["Timelock"],
    GUARDIAN_ROLE: ["guardian"],
    RISK_CONTROL_ROLE: ["RiskController"],
  },
};

/** The stablecoin's modules (may mint and burn BDOL): exactly these. */
export const STABLECOIN_MODULES: readonly ProtocolName[] = [
  "VaultManager",
  "LiquidationEngine",
  "ReservePool",
  "PegStabilityModule",
  "PegKeeper",
];

/** Privileged links that are not roles: `contract.getter()` must return deployment `want`. */
export const LINKS: readonly { contract: ProtocolName; getter: string; want: ProtocolName }[] = [
  { contract: "BallastDollar", getter: "feeRecipient", want: "ReservePool" },
  { contract: "VaultManager", getter: "reserve", want: "ReservePool" },
  { contract: "VaultManager", getter: "liquidationEngine", want: "LiquidationEngine" },
  { contract: "ReservePool", getter: "vaultManager", want: "VaultManager" },
  { contract: "ReservePool", getter: "liquidationEngine", want: "LiquidationEngine" },
  { contract: "ReservePool", getter: "pegStabilityModule", want: "PegStabilityModule" },
  { contract: "ReservePool", getter: "savings", want: "SavingsBdol" },
  { contract: "ReservePool", getter: "riskController", want: "RiskController" },
  { contract: "SavingsBdol", getter: "reserve", want: "ReservePool" },
  { contract: "LiquidationEngine", getter: "vaultManager", want: "VaultManager" },
  { contract: "LiquidationEngine", getter: "reserve", want: "ReservePool" },
  { contract: "BallastGovernor", getter: "timelock", want: "Timelock" },
  // The governor whose cycle every pause must outlast, and the vault manager both governance
  // contracts check the cycle against (IBallastGovernor).
  { contract: "VaultManager", getter: "pauseGovernor", want: "BallastGovernor" },
  { contract: "BallastGovernor", getter: "vaultManager", want: "VaultManager" },
  { contract: "Timelock", getter: "vaultManager", want: "VaultManager" },
  { contract: "BallastGovernor", getter: "token", want: "GovernanceToken" },
];

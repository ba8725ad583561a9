/**
 * What a proposal does, in human terms and on the wire: the registry of named parameters (one per
 * numeric setter the timelock may call), the conversion of a human value to the setter's units,
 * raw typed calls to a deployment by name, and the decoding of calldata back into
 * `Contract.setter(args)` with human units (for `gov:propose` and `gov:status`).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Interface, ParamType, isAddress, getAddress, type Contract } from "ethers";
import { RAY, SECONDS_PER_YEAR, fmtDuration, fromFixed, perSecondRate, rpowUp, toFixed } from "../../../lib/sdk";

/** ethers' isAddress without its type guard (which narrows a string to `never` in the else branch). */
const isAddr = (value: string): boolean => isAddress(value);

/**
 * How a named parameter's human value reads:
 * - `ratio`: a decimal (1.6 = 160 %) or a percentage with `%` ("160%"), stored as a WAD;
 * - `annualRate`: the stability fee as a yearly rate, a decimal (0.03 = 3 % a year) or a percentage
 *   with `%` ("3%"); stored as the per-second RAY rate that compounds to it (`perSecondRate`);
 * - `bdol` / `blst`: whole tokens, decimals allowed, `_` and `,` separators ignored; stored as a WAD;
 * - `seconds`: an integer number of seconds, or with a unit suffix `s`, `m`, `h`, `d`, `w` ("2d");
 * - `gas`: an integer amount of gas;
 * - `percent`: an integer percentage (4 = 4 %), with or without `%`.
 */
export type Unit = "ratio" | "annualRate" | "bdol" | "blst" | "seconds" | "gas" | "percent";

export interface ParamSpec {
  /** The name used by `--param` and the JSON file's `param`. */
  name: string;
  /** Deployment the setter lives on. */
  contract: string;
  setter: string;
  /** The setter's first argument is a collateral token. */
  perCollateral: boolean;
  unit: Unit;
  description: string;
  /** Reads the value in force, in the setter's units. */
  read: (c: Contract, collateral?: string) => Promise<bigint>;
}

const vmField =
  (field: string) =>
  async (c: Contract, collateral?: string): Promise<bigint> =>
    BigInt((await c.collateralConfig(collateral))[field]);
const auctionField =
  (field: string) =>
  async (c: Contract, collateral?: string): Promise<bigint> =>
    BigInt((await c.collateralState(collateral)).params[field]);
const keeperField =
  (field: string) =>
  async (c: Contract): Promise<bigint> =>
    BigInt((await c.keeperRewardParams())[field]);
const getter =
  (fn: string) =>
  async (c: Contract): Promise<bigint> =>
    BigInt(await c.getFunction(fn).staticCall());

/** Every numeric setter only the timelock may call (address setters go through raw actions). */
export const PARAMS: ParamSpec[] = [
  // VaultManager, per collateral
  {
    name: "debtCeiling",
    contract: "VaultManager",
    setter: "setDebtCeiling",
    perCollateral: true,
    unit: "bdol",
    description: "maximum total debt of the collateral",
    read: vmField("debtCeiling"),
  },
  {
    name: "minDebt",
    contract: "VaultManager",
    setter: "setMinDebt",
    perCollateral: true,
    unit: "bdol",
    description: "a vault's debt is 0 or at least this",
    read: vmField("minDebt"),
  },
  {
    name: "liquidationRatio",
    contract: "VaultManager",
    setter: "setLiquidationRatio",
    perCollateral: true,
    unit: "ratio",
    description: "maintenance margin; moves at most 0.1 per proposal",
    read: vmField("liquidationRatio"),
  },
  {
    name: "borrowRatio",
    contract: "VaultManager",
    setter: "setBorrowRatio",
    perCollateral: true,
    unit: "ratio",
    description: "initial margin, ≥ the liquidation ratio",
    read: vmField("borrowRatio"),
  },
  {
    name: "liquidationPenalty",
    contract: "VaultManager",
    setter: "setLiquidationPenalty",
    perCollateral: true,
    unit: "ratio",
    description: "share of the debt added on liquidation; moves at most 0.05 per proposal",
    read: vmField("liquidationPenalty"),
  },
  {
    name: "stabilityFee",
    contract: "VaultManager",
    setter: "setStabilityFee",
    perCollateral: true,
    unit: "annualRate",
    description: "yearly stability fee (stored per second)",
    read: vmField("stabilityFee"),
  },
  // VaultManager
  {
    name: "maxPauseDuration",
    contract: "VaultManager",
    setter: "setMaxPauseDuration",
    perCollateral: false,
    unit: "seconds",
    description: "longest pause",
    read: getter("maxPauseDuration"),
  },
  // LiquidationEngine, per collateral
  {
    name: "startMultiplier",
    contract: "LiquidationEngine",
    setter: "setStartMultiplier",
    perCollateral: true,
    unit: "ratio",
    description: "auction start price / oracle price",
    read: auctionField("startMultiplier"),
  },
  {
    name: "floorRatio",
    contract: "LiquidationEngine",
    setter: "setFloorRatio",
    perCollateral: true,
    unit: "ratio",
    description: "no take below oracle price × this",
    read: auctionField("floorRatio"),
  },
  {
    name: "auctionDuration",
    contract: "LiquidationEngine",
    setter: "setAuctionDuration",
    perCollateral: true,
    unit: "seconds",
    description: "time for the auction price to fall to zero",
    read: auctionField("duration"),
  },
  {
    name: "maxAuctionAge",
    contract: "LiquidationEngine",
    setter: "setMaxAuctionAge",
    perCollateral: true,
    unit: "seconds",
    description: "an older auction must be restarted",
    read: auctionField("maxAge"),
  },
  {
    name: "maxAuctionDebt",
    contract: "LiquidationEngine",
    setter: "setMaxAuctionDebt",
    perCollateral: true,
    unit: "bdol",
    description: "limit on the collateral's debt under auction",
    read: auctionField("maxAuctionDebt"),
  },
  {
    name: "auctionDust",
    contract: "LiquidationEngine",
    setter: "setAuctionDust",
    perCollateral: true,
    unit: "bdol",
    description: "smallest tab, and lot value, a partial take may leave",
    read: auctionField("dust"),
  },
  // LiquidationEngine
  {
    name: "maxTotalAuctionDebt",
    contract: "LiquidationEngine",
    setter: "setMaxTotalAuctionDebt",
    perCollateral: false,
    unit: "bdol",
    description: "limit on all debt under auction",
    read: getter("maxTotalAuctionDebt"),
  },
  {
    name: "tipGas",
    contract: "LiquidationEngine",
    setter: "setTipGas",
    perCollateral: false,
    unit: "gas",
    description: "keeper tip: gas priced at the basefee",
    read: keeperField("tipGas"),
  },
  {
    name: "redoGas",
    contract: "LiquidationEngine",
    setter: "setRedoGas",
    perCollateral: false,
    unit: "gas",
    description: "restart pay: gas priced at the basefee, paid at most 10 times per auction",
    read: keeperField("redoGas"),
  },
  {
    name: "maxTip",
    contract: "LiquidationEngine",
    setter: "setMaxTip",
    perCollateral: false,
    unit: "bdol",
    description: "cap on the keeper's basefee tip",
    read: keeperField("maxTip"),
  },
  {
    name: "keeperFee",
    contract: "LiquidationEngine",
    setter: "setKeeperFee",
    perCollateral: false,
    unit: "ratio",
    description: "keeper fee as a share of the liquidated debt",
    read: keeperField("keeperFee"),
  },
  {
    name: "maxRewardShare",
    contract: "LiquidationEngine",
    setter: "setMaxRewardShare",
    perCollateral: false,
    unit: "ratio",
    description: "cap on the whole keeper reward, share of the debt",
    read: keeperField("maxRewardShare"),
  },
  // ReservePool
  {
    name: "bufferShare",
    contract: "ReservePool",
    setter: "setBufferShare",
    perCollateral: false,
    unit: "ratio",
    description: "share of each booked inflow that joins the stability buffer",
    read: getter("bufferShare"),
  },
  {
    name: "recoveryShare",
    contract: "ReservePool",
    setter: "setRecoveryShare",
    perCollateral: false,
    unit: "ratio",
    description: "buffer share of inflows while buffer + surplus is below the reserve target",
    read: getter("recoveryShare"),
  },
  {
    name: "savingsMargin",
    contract: "ReservePool",
    setter: "setSavingsMargin",
    perCollateral: false,
    unit: "ratio",
    description: "savings draw only beyond the reserve target × (1 + margin)",
    read: getter("savingsMargin"),
  },
  // BallastDollar
  {
    name: "flashFeeRate",
    contract: "BallastDollar",
    setter: "setFlashFeeRate",
    perCollateral: false,
    unit: "ratio",
    description: "flash-mint fee, share of the amount",
    read: getter("flashFeeRate"),
  },
  {
    name: "flashMintMax",
    contract: "BallastDollar",
    setter: "setFlashMintMax",
    perCollateral: false,
    unit: "bdol",
    description: "largest single flash mint",
    read: getter("flashMintMax"),
  },
  // BallastGovernor
  {
    name: "votingDelay",
    contract: "BallastGovernor",
    setter: "setVotingDelay",
    perCollateral: false,
    unit: "seconds",
    description: "from a proposal to its snapshot",
    read: getter("votingDelay"),
  },
  {
    name: "votingPeriod",
    contract: "BallastGovernor",
    setter: "setVotingPeriod",
    perCollateral: false,
    unit: "seconds",
    description: "how long the vote stays open",
    read: getter("votingPeriod"),
  },
  {
    name: "proposalThreshold",
    contract: "BallastGovernor",
    setter: "setProposalThreshold",
    perCollateral: false,
    unit: "blst",
    description: "votes a proposer must hold",
    read: getter("proposalThreshold"),
  },
  {
    name: "quorumPercent",
    contract: "BallastGovernor",
    setter: "updateQuorumNumerator",
    perCollateral: false,
    unit: "percent",
    description: "quorum, percent of the supply at the snapshot",
    read: getter("quorumNumerator()"),
  },
  // Timelock
  {
    name: "timelockDelay",
    contract: "Timelock",
    setter: "updateDelay",
    perCollateral: false,
    unit: "seconds",
    description: "wait between queue and execution",
    read: getter("getMinDelay"),
  },
];

/** The registry entry named `name` (case-insensitive); the error lists every valid name. */
export function paramSpec(name: string): ParamSpec {
  const spec = PARAMS.find((p) => p.name.toLowerCase() === name.trim().toLowerCase());
  if (!spec) {
    throw new Error(`unknown parameter "${name}"; named parameters: ${PARAMS.map((p) => p.name).join(", ")}`);
  }
  return spec;
}

/** The registry entry whose setter is `contract.setter`, if any. */
function specOfSetter(contract: string, setter: string): ParamSpec | undefined {
  return PARAMS.find((p) => p.contract === contract && p.setter === setter);
}

// ------------------------------------------------------------------------------------------ units

const DURATION_UNITS: Record<string, bigint> = { s: 1n, m: 60n, h: 3600n, d: 86_400n, w: 604_800n };

function parseInteger(value: string, what: string): bigint {
  const v = value.trim().replace(/[_,]/g, "");
  if (!/^\d+$/.test(v)) throw new Error(`${what}: "${value}" is not a whole number`);
  return BigInt(v);
}

/** "1.6" → 1.6e18, "160%" → 1.6e18. */
function parseRatio(value: string, what: string): bigint {
  const v = value.trim();
  try {
    // x % = x / 100: a percentage with 16 decimals is a WAD with 18.
    if (v.endsWith("%")) return toFixed(v.slice(0, -1).trim(), 16);
    return toFixed(v, 18);
  } catch {
    throw new Error(`${what}: "${value}" is not a decimal (1.6, at most 18 decimals) or a percentage (160%)`);
  }
}

/** A human value of `unit` → the setter's integer. */
export function parseValue(unit: Unit, value: string | number | bigint, what = "value"): bigint {
  const v = String(value).trim();
  if (v === "") throw new Error(`${what}: missing value`);
  switch (unit) {
    case "ratio": {
      const r = parseRatio(v, what);
      if (r < 0n) throw new Error(`${what}: "${value}" is negative`);
      return r;
    }
    case "annualRate": {
      const r = parseRatio(v, what);
      if (r < 0n) throw new Error(`${what}: "${value}" is negative`);
      return perSecondRate(r);
    }
    case "bdol":
    case "blst": {
      const cleaned = v.replace(/[_,]/g, "");
      let amount: bigint;
      try {
        amount = toFixed(cleaned, 18);
      } catch {
        throw new Error(`${what}: "${value}" is not an amount in whole ${unit.toUpperCase()} (e.g. 150000000 or 1.5)`);
      }
      if (amount < 0n) throw new Error(`${what}: "${value}" is negative`);
      return amount;
    }
    case "seconds": {
      const m = /^(\d[\d_,]*)\s*([smhdw]?)$/i.exec(v);
      if (!m) throw new Error(`${what}: "${value}" is not a duration (seconds, or 30m, 2h, 7d, 1w)`);
      return parseInteger(m[1], what) * DURATION_UNITS[(m[2] || "s").toLowerCase()];
    }
    case "gas":
      return parseInteger(v, what);
    case "percent":
      return parseInteger(v.endsWith("%") ? v.slice(0, -1) : v, what);
  }
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A fixed-point number rounded half up to `digits` decimals, trailing zeros trimmed. */
function roundFixed(value: bigint, decimals: number, digits: number): string {
  const unit = 10n ** BigInt(Math.max(decimals - digits, 0));
  const rounded = digits >= decimals ? value : ((value + unit / 2n) / unit) * unit;
  return fromFixed(rounded, decimals, digits);
}

function amount(value: bigint, symbol: string): string {
  const [int, frac] = fromFixed(value).split(".");
  return `${group(int)}${frac ? "." + frac : ""} ${symbol}`;
}

/** The setter's integer in human units. */
export function formatValue(unit: Unit, value: bigint): string {
  switch (unit) {
    case "ratio":
      return `${fromFixed(value)} (${roundFixed(value * 100n, 18, 6)} %)`;
    case "annualRate": {
      if (value < RAY) return `${value} per second (below 1 RAY)`;
      const yearly = ((rpowUp(value, SECONDS_PER_YEAR) - RAY) * 100n) / 10n ** 9n; // WAD percent
      return `${roundFixed(yearly, 18, 4)} % a year`;
    }
    case "bdol":
      return amount(value, "BDOL");
    case "blst":
      return amount(value, "BLST");
    case "seconds":
      return value >= 60n ? `${value} s (${fmtDuration(value)})` : `${value} s`;
    case "gas":
      return `${group(value.toString())} gas`;
    case "percent":
      return `${value} %`;
  }
}

// --------------------------------------------------------------------------- deployments, names

interface Known {
  /** deployment name by lower-case address */
  names: Map<string, string>;
  /** deployment name → { address, abi } */
  all: Record<string, { address: string; abi: unknown[] }>;
}

async function known(hre: HardhatRuntimeEnvironment): Promise<Known> {
  const all = (await hre.deployments.all()) as Known["all"];
  const names = new Map<string, string>();
  for (const [name, d] of Object.entries(all)) names.set(d.address.toLowerCase(), name);
  return { names, all };
}

async function contractOf(hre: HardhatRuntimeEnvironment, name: string): Promise<Contract> {
  const d = await hre.deployments.getOrNull(name);
  if (!d) throw new Error(`deployment ${name} does not exist on ${hre.network.name}`);
  return new hre.ethers.Contract(d.address, d.abi, hre.ethers.provider);
}

/** Every deployment's interface: decodes any error the system may revert with. */
export async function allInterfaces(hre: HardhatRuntimeEnvironment): Promise<Interface[]> {
  const { all } = await known(hre);
  return Object.values(all).map((d) => new Interface(d.abi as never));
}

export interface CollateralRef {
  address: string;
  symbol: string;
}

/** Registered collaterals of the vault manager, with their token symbols. */
export async function registeredCollaterals(hre: HardhatRuntimeEnvironment): Promise<CollateralRef[]> {
  const vm = await contractOf(hre, "VaultManager");
  const addresses: string[] = [...(await vm.collaterals())];
  const { names } = await known(hre);
  return Promise.all(
    addresses.map(async (address) => {
      let symbol = names.get(address.toLowerCase()) ?? address;
      try {
        const erc20 = new hre.ethers.Contract(
          address,
          ["function symbol() view returns (string)"],
          hre.ethers.provider,
        );
        symbol = String(await erc20.symbol());
      } catch {
        // keep the deployment name
      }
      return { address: getAddress(address), symbol };
    }),
  );
}

/**
 * A registered collateral given by symbol (token symbol or deployment name, case-insensitive) or
 * address; the error lists the registered ones.
 */
export async function resolveCollateral(hre: HardhatRuntimeEnvironment, ref: string): Promise<CollateralRef> {
  const collaterals = await registeredCollaterals(hre);
  const list = () => collaterals.map((c) => `${c.symbol} (${c.address})`).join(", ");
  const r = ref.trim();
  let match: CollateralRef | undefined;
  if (isAddr(r)) {
    match = collaterals.find((c) => c.address.toLowerCase() === r.toLowerCase());
  } else {
    match = collaterals.find((c) => c.symbol.toLowerCase() === r.toLowerCase());
    if (!match) {
      const d = Object.entries((await known(hre)).all).find(([name]) => name.toLowerCase() === r.toLowerCase());
      if (d) match = collaterals.find((c) => c.address.toLowerCase() === d[1].address.toLowerCase());
    }
  }
  if (!match) throw new Error(`unknown collateral "${ref}"; registered collaterals: ${list()}`);
  return match;
}

// ---------------------------------------------------------------------------------- actions

/** A named change: `{ param: "debtCeiling", collateral: "WETH", value: "150000000" }`. */
export interface NamedChange {
  param: string;
  collateral?: string;
  value: string | number;
}

/**
 * A raw typed call to a deployment: `{ contract: "LiquidationEngine", function: "setKeeperFee",
 * args: ["1000000000000000"] }`. Arguments are in the function's own units (integers as decimal
 * strings); an `address` argument may also be a deployment name or a collateral symbol. `value`
 * is wei sent with the call (default 0). `function` may be a full signature for an overloaded name.
 */
export interface RawAction {
  contract: string;
  function: string;
  args?: unknown[];
  value?: string | number;
}

export type ActionInput = NamedChange | RawAction;

/** An action ready for the governor, with its human reading. */
export interface ResolvedAction {
  target: string;
  value: bigint;
  calldata: string;
  /** Deployment name of the target (its address when it is not a deployment). */
  contract: string;
  function: string;
  /** `Contract.function(args)` with human units. */
  text: string;
  /** Set for a named change. */
  param?: string;
  unit?: Unit;
  /** The new value in the setter's units (named changes). */
  newValue?: bigint;
  /** The value in force when the action was resolved or decoded (named changes). */
  current?: bigint;
  currentText?: string;
}

export function isNamedChange(a: ActionInput): a is NamedChange {
  return typeof (a as NamedChange).param === "string";
}

/** A named change → the setter call, with the value in force. */
export async function resolveNamedChange(hre: HardhatRuntimeEnvironment, change: NamedChange): Promise<ResolvedAction> {
  const spec = paramSpec(change.param);
  if (change.value === undefined || change.value === null || String(change.value).trim() === "") {
    throw new Error(`${spec.name}: missing value (${unitHelp(spec.unit)})`);
  }
  const contract = await contractOf(hre, spec.contract);
  let collateral: CollateralRef | undefined;
  if (spec.perCollateral) {
    if (!change.collateral) {
      const list = (await registeredCollaterals(hre)).map((c) => c.symbol).join(", ");
      throw new Error(`${spec.name} is set per collateral: give one (${list})`);
    }
    collateral = await resolveCollateral(hre, change.collateral);
  } else if (change.collateral) {
    throw new Error(`${spec.name} is not set per collateral; drop the collateral "${change.collateral}"`);
  }
  const newValue = parseValue(spec.unit, change.value, spec.name);
  const args = collateral ? [collateral.address, newValue] : [newValue];
  const calldata = contract.interface.encodeFunctionData(spec.setter, args);
  let current: bigint | undefined;
  try {
    current = await spec.read(contract, collateral?.address);
  } catch {
    current = undefined;
  }
  const shown = [...(collateral ? [collateral.symbol] : []), formatValue(spec.unit, newValue)];
  return {
    target: await contract.getAddress(),
    value: 0n,
    calldata,
    contract: spec.contract,
    function: spec.setter,
    text: `${spec.contract}.${spec.setter}(${shown.join(", ")})`,
    param: spec.name,
    unit: spec.unit,
    newValue,
    current,
    currentText: current === undefined ? undefined : formatValue(spec.unit, current),
  };
}

async function resolveAddressArg(hre: HardhatRuntimeEnvironment, value: unknown, what: string): Promise<string> {
  const v = String(value).trim();
  if (isAddr(v)) return getAddress(v);
  const { all } = await known(hre);
  const d = Object.entries(all).find(([name]) => name.toLowerCase() === v.toLowerCase());
  if (d) return getAddress(d[1].address);
  const c = (await registeredCollaterals(hre)).find((x) => x.symbol.toLowerCase() === v.toLowerCase());
  if (c) return c.address;
  throw new Error(`${what}: "${v}" is neither an address nor a deployment name on ${hre.network.name}`);
}

/** Converts JSON values to what ethers encodes for `type`, resolving names in address slots. */
async function convertArg(
  hre: HardhatRuntimeEnvironment,
  type: ParamType,
  value: unknown,
  what: string,
): Promise<unknown> {
  if (type.isArray()) {
    if (!Array.isArray(value)) throw new Error(`${what}: expected an array for ${type.format()}`);
    return Promise.all(value.map((v, i) => convertArg(hre, type.arrayChildren!, v, `${what}[${i}]`)));
  }
  if (type.isTuple()) {
    const comps = type.components!;
    if (Array.isArray(value)) {
      return Promise.all(comps.map((c, i) => convertArg(hre, c, value[i], `${what}.${c.name || i}`)));
    }
    if (value && typeof value === "object") {
      const obj = value as Record<string, unknown>;
      return Promise.all(comps.map((c) => convertArg(hre, c, obj[c.name], `${what}.${c.name}`)));
    }
    throw new Error(`${what}: expected an object or array for ${type.format()}`);
  }
  if (type.baseType === "address") return resolveAddressArg(hre, value, what);
  if (/^u?int/.test(type.baseType)) {
    const s = String(value).trim();
    if (!/^-?\d+$/.test(s) && !/^0x[0-9a-f]+$/i.test(s)) {
      throw new Error(`${what}: "${s}" is not an integer (${type.baseType}, in the function's own units)`);
    }
    return BigInt(s);
  }
  if (type.baseType === "bool") {
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    throw new Error(`${what}: "${String(value)}" is not true or false`);
  }
  return value;
}

/** A raw typed call to a deployment given by name (or address). */
export async function resolveRawAction(hre: HardhatRuntimeEnvironment, action: RawAction): Promise<ResolvedAction> {
  const { all, names } = await known(hre);
  const ref = String(action.contract ?? "").trim();
  let name: string | undefined;
  if (isAddr(ref)) name = names.get(ref.toLowerCase());
  else name = Object.keys(all).find((n) => n.toLowerCase() === ref.toLowerCase());
  if (!name) {
    const governed = [
      "VaultManager",
      "LiquidationEngine",
      "ReservePool",
      "BallastDollar",
      "OracleAdapter",
      "BallastGovernor",
      "Timelock",
    ];
    throw new Error(`unknown contract "${ref}" on ${hre.network.name}; governed deployments: ${governed.join(", ")}`);
  }
  const iface = new Interface(all[name].abi as never);
  const fnName = String(action.function ?? "").trim();
  const fragment = (() => {
    try {
      return iface.getFunction(fnName);
    } catch {
      return null;
    }
  })();
  if (!fragment || fragment.constant) {
    const setters = iface.fragments
      .filter((f) => f.type === "function")
      .map((f) => f as import("ethers").FunctionFragment)
      .filter((f) => !f.constant)
      .map((f) => f.name);
    throw new Error(
      `${name} has no ${fragment ? "state-changing " : ""}function "${fnName}"; its functions: ${[...new Set(setters)].join(", ")}`,
    );
  }
  const args = action.args ?? [];
  if (!Array.isArray(args) || args.length !== fragment.inputs.length) {
    throw new Error(
      `${name}.${fragment.format("sighash")} takes ${fragment.inputs.length} argument(s): ${fragment.inputs.map((i) => `${i.type} ${i.name}`).join(", ")}`,
    );
  }
  const converted = await Promise.all(
    fragment.inputs.map((input, i) =>
      convertArg(hre, input, args[i], `${name}.${fragment.name} ${input.name || `arg ${i}`}`),
    ),
  );
  const calldata = iface.encodeFunctionData(fragment, converted);
  const value = action.value === undefined ? 0n : BigInt(String(action.value));
  const decoded = await decodeAction(hre, all[name].address, value, calldata);
  return decoded;
}

/** A named change or a raw action → a resolved action. */
export async function resolveAction(hre: HardhatRuntimeEnvironment, action: ActionInput): Promise<ResolvedAction> {
  if (isNamedChange(action)) return resolveNamedChange(hre, action);
  if (typeof (action as RawAction).contract === "string" && typeof (action as RawAction).function === "string") {
    return resolveRawAction(hre, action as RawAction);
  }
  throw new Error(
    `an action is either a named change { "param", "collateral"?, "value" } or a raw call { "contract", "function", "args" }; got ${JSON.stringify(action)}`,
  );
}

async function formatArg(
  hre: HardhatRuntimeEnvironment,
  names: Map<string, string>,
  type: ParamType,
  value: unknown,
): Promise<string> {
  if (type.baseType === "address") {
    const a = String(value);
    const name = names.get(a.toLowerCase());
    return name ? name : a;
  }
  if (type.isArray()) {
    const items = await Promise.all((value as unknown[]).map((v) => formatArg(hre, names, type.arrayChildren!, v)));
    return `[${items.join(", ")}]`;
  }
  if (type.isTuple()) {
    const vals = value as unknown[];
    const items = await Promise.all(
      type.components!.map(async (c, i) => `${c.name}: ${await formatArg(hre, names, c, vals[i])}`),
    );
    return `{${items.join(", ")}}`;
  }
  return String(value);
}

/** Calldata to a target → `Contract.function(args)` with human units where the setter is known. */
export async function decodeAction(
  hre: HardhatRuntimeEnvironment,
  target: string,
  value: bigint,
  calldata: string,
): Promise<ResolvedAction> {
  const { all, names } = await known(hre);
  const name = names.get(target.toLowerCase());
  const base = { target: getAddress(target), value, calldata, contract: name ?? target };
  const withValue = (text: string) => (value > 0n ? `${text} {value: ${value} wei}` : text);
  if (!name) return { ...base, function: calldata.slice(0, 10), text: withValue(`${target}: calldata ${calldata}`) };
  const iface = new Interface(all[name].abi as never);
  const tx = iface.parseTransaction({ data: calldata, value });
  if (!tx)
    return {
      ...base,
      function: calldata.slice(0, 10),
      text: withValue(`${name}: unknown selector ${calldata.slice(0, 10)}`),
    };
  const spec = specOfSetter(name, tx.name);
  if (spec) {
    const newValue = BigInt(tx.args[spec.perCollateral ? 1 : 0]);
    const collateral = spec.perCollateral ? String(tx.args[0]) : undefined;
    let current: bigint | undefined;
    try {
      current = await spec.read(
        new hre.ethers.Contract(all[name].address, all[name].abi as never, hre.ethers.provider),
        collateral,
      );
    } catch {
      current = undefined;
    }
    let collateralName: string | undefined;
    if (collateral) {
      const c = (await registeredCollaterals(hre)).find((x) => x.address.toLowerCase() === collateral.toLowerCase());
      collateralName = c?.symbol ?? names.get(collateral.toLowerCase()) ?? collateral;
    }
    const shown = [...(collateralName ? [collateralName] : []), formatValue(spec.unit, newValue)];
    return {
      ...base,
      function: tx.name,
      text: withValue(`${name}.${tx.name}(${shown.join(", ")})`),
      param: spec.name,
      unit: spec.unit,
      newValue,
      current,
      currentText: current === undefined ? undefined : formatValue(spec.unit, current),
    };
  }
  const args = await Promise.all(tx.fragment.inputs.map((input, i) => formatArg(hre, names, input, tx.args[i])));
  return { ...base, function: tx.name, text: withValue(`${name}.${tx.name}(${args.join(", ")})`) };
}

/** One line on how a unit's value is written. */
export function unitHelp(unit: Unit): string {
  switch (unit) {
    case "ratio":
      return "a decimal (1.6) or a percentage (160%)";
    case "annualRate":
      return "a yearly rate, decimal (0.03) or percentage (3%)";
    case "bdol":
      return "whole BDOL (150000000)";
    case "blst":
      return "whole BLST (100000)";
    case "seconds":
      return "seconds (3600) or 30m, 2h, 7d, 1w";
    case "gas":
      return "gas units (400000)";
    case "percent":
      return "an integer percentage (4)";
  }
}

/**
 * The one revert decoder: finds the revert data in whatever ethers, Hardhat or anvil threw, decodes
 * it against the protocol's ABIs (custom errors, Error(string), Panic), and prints it in human
 * units: token amounts with their decimals and symbol, ratios in %, prices in USD, times as dates,
 * durations in d/h/min. `test/sdk/errors.test.ts` decodes every custom error of every ABI.
 *
 * Each argument's unit comes from `ERROR_UNITS` (per error, where the parameter's name does not
 * say) or from its name (`vaultId` → id, `nextPokeAt` → time, `liquidationRatio` → %, …). Amounts
 * whose token depends on the call (`InsufficientCollateral`, ERC-20 balance errors) use the token
 * the caller names in the context; without one they print in raw units, marked so.
 */
import { AbiCoder, ErrorFragment, Interface, type ParamType } from "ethers";
import { fmtAmount, fmtDuration, fmtInt, fmtPct, fmtPerSecondFee, fmtTime, fmtUtc, fmtWad } from "./format";

import { priceStatusName } from "./status";

/** How an error argument prints. */
export type ErrorUnit =
  | "bdol" // 18-decimal BDOL amount
  | "usd" // 18-decimal USD value
  | "price" // 18-decimal USD price
  | "ratio" // WAD ratio, printed in %
  | "factor" // WAD number printed as a plain decimal (a health factor)
  | "perSecondFee" // RAY per-second fee, printed as a yearly rate
  | "annualRate" // WAD annual rate
  | "time" // unix timestamp
  | "duration" // seconds
  | "token" // an amount of the context's token (collateral, stable, …)
  | "paid" // an amount of the token the signer pays (ERC-20 balance and allowance errors)
  | "stable" // an amount of the context's stable asset (USDC)
  | "gas"
  | "bps"
  | "id"
  | "count"
  | "blocks" // a block number or a timepoint of the governance clock
  | "status" // PriceStatus
  | "address"
  | "bytes"
  | "bool"
  | "text"
  | "raw"; // the caller's context decides (OutOfBounds, StepTooLarge)

/** Units per error where the parameters' names are not enough. */
export const ERROR_UNITS: Record<string, ErrorUnit[]> = {
  InsufficientCollateral: ["token", "token"],
  InsufficientEscrow: ["address", "token", "token"],
  InsufficientReserveCollateral: ["address", "token", "token"],
  InsufficientStable: ["address", "stable", "stable"],
  InsufficientSurplus: ["bdol", "bdol"],
  OutflowLimitExceeded: ["stable", "stable"],
  SlippageExceeded: ["token", "token"],
  InsufficientOutput: ["token", "token"],
  ProfitTooLow: ["token", "token"],
  StrategyLossExceeded: ["address", "stable", "stable", "stable"],
  StrategyNotEmpty: ["address", "count"],
  LiquidityTooThin: ["count", "count"],
  ObservationsTooShort: ["duration", "duration"],
  VaultNotLiquidatable: ["id", "factor"],
  InvalidRateBounds: ["annualRate", "annualRate", "annualRate"],
  InvalidSavingsRates: ["annualRate", "annualRate", "annualRate"],
  AmountTooLarge: ["raw", "raw"],
  OutOfBounds: ["raw", "raw", "raw"],
  StepTooLarge: ["raw", "raw", "raw"],
  ERC20InsufficientBalance: ["address", "paid", "paid"],
  ERC20InsufficientAllowance: ["address", "paid", "paid"],
  SafeERC20FailedDecreaseAllowance: ["address", "paid", "paid"],
  GovernorInsufficientProposerVotes: ["address", "token", "token"],
  ERC5805FutureLookup: ["blocks", "blocks"],
  GovernorInvalidProposalLength: ["count", "count", "count"],
  TimelockInvalidOperationLength: ["count", "count", "count"],
  TimelockInsufficientDelay: ["duration", "duration"],
  GovernorInvalidVotingPeriod: ["duration"],
  InvalidAccountNonce: ["address", "count"],
  VotesExpiredSignature: ["time"],
  StringsInsufficientHexLength: ["count", "count"],
  SafeCastOverflowedUintDowncast: ["count", "raw"],
  SafeCastOverflowedIntDowncast: ["count", "raw"],
  SafeCastOverflowedIntToUint: ["raw"],
  SafeCastOverflowedUintToInt: ["raw"],
  InsufficientBalance: ["raw", "raw"],
  ERC1155InsufficientBalance: ["address", "raw", "raw", "id"],
  ERC1155InvalidArrayLength: ["count", "count"],
  InsufficientGas: ["gas", "gas"],
  UpdateGasTooLow: ["gas", "gas"],
  ERC20ExceededSafeSupply: ["bdol", "bdol"],
  ERC2612ExpiredSignature: ["time"],
  ERC3156ExceededMaxLoan: ["bdol"],
  ERC4626ExceededMaxDeposit: ["address", "stable", "stable"],
  ERC4626ExceededMaxWithdraw: ["address", "stable", "stable"],
  ERC4626ExceededMaxMint: ["address", "count", "count"],
  ERC4626ExceededMaxRedeem: ["address", "count", "count"],
  GovernorInvalidQuorumFraction: ["count", "count"],
};

/** Errors whose `raw` arguments are sized by the caller's context (the parameter being set). */
export const CONTEXT_UNIT_ERRORS = new Set(["OutOfBounds", "StepTooLarge", "AmountTooLarge"]);

/** The unit of an error's parameter: the table, else its name and type. */
export function unitOf(error: string, param: ParamType, index: number): ErrorUnit {
  const listed = ERROR_UNITS[error]?.[index];
  if (listed) return listed;
  if (param.type === "address") return "address";
  if (param.type === "bool") return "bool";
  if (param.type === "string") return "text";
  if (param.type.startsWith("bytes")) return "bytes";
  const n = param.name.toLowerCase();
  if (param.type === "uint8" && n === "status") return "status";
  if (n.endsWith("status") || n === "current") return "status";
  if (/decimals|^max$|^bits$|length$|count$/.test(n)) return "count";
  if (/id$|^tokenid$/.test(n)) return "id";
  if (/(^|[a-z])at$|until|^expiry$/.test(n)) return "time";
  if (/gas/.test(n)) return "gas";
  if (/bps$/.test(n)) return "bps";
  if (/ratio|share|multiplier|tolerance|penalty/.test(n)) return "ratio";
  if (/rate$/.test(n)) return "annualRate";
  if (/price|spot|twap|floor/.test(n)) return "price";
  if (/duration|cycle|window|interval|delay|timepoint/.test(n)) return n === "timepoint" ? "blocks" : "duration";
  if (/value|dust/.test(n)) return "usd";
  if (/debt|ceiling|buffer|minted|proceeds|owed|profit|tab|capacity|held|votes|threshold|cap$/.test(n)) return "bdol";
  return "raw";
}

export interface TokenUnit {
  symbol: string;
  decimals: number;
}

export interface DecodeContext {
  /** The token the refused call moves (a collateral, BDOL, …): sizes `token` amounts. */
  token?: TokenUnit;
  /** The token the signer pays with (default: `token`): sizes ERC-20 balance and allowance errors. */
  paid?: TokenUnit;
  /** The stable asset (USDC): sizes `stable` amounts. */
  stable?: TokenUnit;
  /** How `raw` arguments print (a governance setter's bounds): `(value) => text`. */
  raw?: (value: bigint) => string;
  /** Names of known addresses (deployments, the signer), lower-case address → name. */
  names?: Map<string, string>;
  /** The chain's time, for "in 2 h" after a date. */
  now?: bigint;
}

export interface DecodedRevert {
  /** Error name (OutOfBounds, Error, Panic, …); undefined when nothing could be decoded. */
  name?: string;
  args: unknown[];
  /** `Name(arg, …)` with the raw arguments, or the provider's message. */
  raw: string;
  /** One line in human units: `DebtCeilingExceeded: total debt 1,000,020 BDOL > debt ceiling 1,000,000 BDOL`. */
  text: string;
}

/** The raw revert data (0x…) in an error thrown by ethers, Hardhat or anvil, if any. */
export function findRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop() as Record<string, unknown> | undefined;
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8}/.test(e.data)) return e.data;
    for (const key of ["error", "info", "cause", "data", "receipt"]) stack.push(e[key]);
  }
  // anvil: "execution reverted: custom error 0x…" or a JSON body carrying "data":"0x…"
  const message = messageOf(err);
  const hex = /"data"\s*:\s*"(0x[0-9a-fA-F]{8,})"/.exec(message) ?? /custom error (0x[0-9a-fA-F]{8,})/.exec(message);
  return hex?.[1];
}

function messageOf(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0 && parts.length < 8) {
    const e = stack.pop() as Record<string, unknown> | undefined;
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.message === "string") parts.push(e.message);
    if (typeof e.body === "string") parts.push(e.body);
    for (const key of ["error", "info", "cause"]) stack.push(e[key]);
  }
  return parts.join("\n");
}

/** Splits words of a camelCase parameter name: "totalDebt" → "total debt". */
const words = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

/** An amount of `token` in its decimals and symbol, or the raw units when the call's token is unknown. */
function tokenAmount(v: bigint, token: TokenUnit | undefined, kind: "token" | "stable"): string {
  return token ? `${fmtAmount(v, token.decimals, token.decimals)} ${token.symbol}` : `${v} (${kind} units)`;
}

function humanArg(unit: ErrorUnit, value: unknown, ctx: DecodeContext): string {
  if (unit === "address") {
    const a = String(value);
    const name = ctx.names?.get(a.toLowerCase());
    return name ? `${name} (${a})` : a;
  }
  if (unit === "bool") return String(value);
  if (unit === "text") return JSON.stringify(String(value));
  if (unit === "bytes") {
    const inner = typeof value === "string" && value.length >= 10 ? decodeData(value, [], ctx) : undefined;
    return inner?.name ? inner.text : String(value);
  }
  const v = BigInt(value as bigint);
  switch (unit) {
    case "bdol":
      return `${fmtAmount(v)} BDOL`;
    case "usd":
      return `${fmtWad(v)} USD`;
    case "price":
      return `${fmtAmount(v, 18, 6)} USD`;
    case "ratio":
      return fmtPct(v);
    case "factor":
      return fmtWad(v, 4);
    case "perSecondFee":
      return fmtPerSecondFee(v);
    case "annualRate":
      return v > 10n ** 26n ? fmtPerSecondFee(v) : `${fmtAmount(v * 100n, 18, 4)} % a year`;
    case "time":
      return ctx.now !== undefined ? fmtTime(v, ctx.now) : fmtUtc(v);
    case "duration":
      return fmtDuration(v);
    case "token":
      return tokenAmount(v, ctx.token, "token");
    case "paid":
      return tokenAmount(v, ctx.paid ?? ctx.token, "token");
    case "stable":
      return tokenAmount(v, ctx.stable, "stable");
    case "gas":
      return `${fmtInt(v)} gas`;
    case "bps":
      return `${v} bps`;
    case "id":
      return `#${v}`;
    case "count":
    case "blocks":
      return fmtInt(v);
    case "status":
      return priceStatusName(v);
    case "raw":
      return ctx.raw ? ctx.raw(v) : String(v);
  }
}

/** A decoded custom error in human units. */
export function humanError(fragment: ErrorFragment, args: readonly unknown[], ctx: DecodeContext = {}): string {
  if (fragment.inputs.length === 0) return fragment.name;
  const parts = fragment.inputs.map((p, i) => {
    const text = humanArg(unitOf(fragment.name, p, i), args[i], ctx);
    return p.name ? `${words(p.name)} ${text}` : text;
  });
  return `${fragment.name}: ${parts.join(", ")}`;
}

const PANICS: Record<string, string> = {
  "1": "assertion failed",
  "17": "arithmetic overflow or underflow",
  "18": "division by zero",
  "33": "invalid enum value",
  "50": "array index out of bounds",
  "65": "out of memory",
};

/** Decodes revert data against `interfaces` (and Error(string) / Panic(uint256)). */
export function decodeData(data: string, interfaces: Interface[], ctx: DecodeContext = {}): DecodedRevert {
  const coder = AbiCoder.defaultAbiCoder();
  if (data.startsWith("0x08c379a0")) {
    const [reason] = coder.decode(["string"], "0x" + data.slice(10));
    return { name: "Error", args: [reason], raw: `Error("${reason}")`, text: String(reason) };
  }
  if (data.startsWith("0x4e487b71")) {
    const [code] = coder.decode(["uint256"], "0x" + data.slice(10));
    const raw = `Panic(0x${BigInt(code).toString(16)})`;
    return { name: "Panic", args: [code], raw, text: `${raw}: ${PANICS[String(code)] ?? "panic"}` };
  }
  for (const iface of [...interfaces, errorsInterface()]) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) {
        const args = [...parsed.args];
        const raw = `${parsed.name}(${args.map(String).join(", ")})`;
        return { name: parsed.name, args, raw, text: humanError(parsed.fragment, args, ctx) };
      }
    } catch {
      // not this interface's error
    }
  }
  const raw = `unknown error ${data.slice(0, 10)}`;
  return { args: [], raw, text: raw };
}

/** Decodes whatever a failed call threw; falls back to the first line of its message. */
export function decodeRevert(err: unknown, interfaces: Interface[] = [], ctx: DecodeContext = {}): DecodedRevert {
  const data = findRevertData(err);
  if (data) return decodeData(data, interfaces, ctx);
  const message = messageOf(err);
  const custom = /custom error '([^']+)'/.exec(message);
  if (custom) return { name: custom[1].split("(")[0], args: [], raw: custom[1], text: custom[1] };
  const reason = /reverted with reason string '([^']*)'/.exec(message);
  if (reason) return { name: "Error", args: [reason[1]], raw: `Error("${reason[1]}")`, text: reason[1] };
  const first = message.split("\n")[0] || String(err);
  return { args: [], raw: first, text: first };
}

/**
 * A one-line explanation of a failed call in human units. The protocol's errors are always known;
 * `extra` adds other contracts' (or interfaces') errors.
 */
export function explainError(
  err: unknown,
  extra: (Interface | { interface: Interface })[] = [],
  ctx: DecodeContext = {},
): string {
  const interfaces = extra.map((x) => (x instanceof Interface ? x : x.interface));
  return decodeRevert(err, interfaces, ctx).text;
}

let cached: Interface | undefined;
/**
 * Every custom error of every contract the protocol deploys (and OpenZeppelin's ERC-20 errors), in
 * one interface; loaded from TypeChain's factories on first use.
 */
export function errorsInterface(): Interface {
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tc = require("../../typechain-types") as Record<string, { abi?: readonly unknown[] }>;
  const seen = new Map<string, ErrorFragment>();
  for (const name of ERROR_SOURCES) {
    const abi = tc[`${name}__factory`]?.abi ?? [];
    for (const f of new Interface(abi as never).fragments) {
      if (f.type === "error" && !seen.has((f as ErrorFragment).selector))
        seen.set((f as ErrorFragment).selector, f as ErrorFragment);
    }
  }
  cached = new Interface([...seen.values()]);
  return cached;
}

/** The TypeChain factories whose errors `errorsInterface` gathers. */
export const ERROR_SOURCES = [
  "BallastDollar",
  "ReservePool",
  "OracleAdapter",
  "VaultManager",
  "LiquidationEngine",
  "GovernanceToken",
  "Timelock",
  "BallastGovernor",
  "PegStabilityModule",
  "RiskController",
  "ReserveLens",
  "MarketPriceFeed",
  "PegKeeper",
  "FlashTaker",
  "SavingsBdol",
  "ErrorsLib",
  "MockERC20",
  "MockERC4626Strategy",
];

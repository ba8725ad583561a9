/**
 * `connect(runner, addresses)`: the protocol's contracts, typed, bound to a signer or a provider,
 * plus the collateral registry (symbol, decimals, oracle asset of every collateral the vault manager
 * accepts). The one place that binds contracts to addresses; `hardhat.ts` adapts hardhat-deploy's
 * records to it.
 *
 * TypeChain's factories are loaded when `connect` is called, not when this module is imported:
 * Hardhat imports the tasks (and so this module) before it has compiled anything.
 */
import type { ContractRunner } from "ethers";
import type {
  BallastDollar,
  BallastGovernor,
  FlashTaker,
  GovernanceToken,
  IERC20Metadata,
  LiquidationEngine,
  MarketPriceFeed,
  MockAggregator,
  MockERC20,
  OracleAdapter,
  PegKeeper,
  PegStabilityModule,
  ReserveLens,
  ReservePool,
  RiskController,
  SavingsBdol,
  Timelock,
  VaultManager,
} from "../../typechain-types";
import { UsageError } from "./cli-error";
import { OPTIONAL, PROTOCOL, type ProtocolName } from "./manifest";

/** Deployment name → address (the protocol's names, the tokens, feeds and pools). */
export type Addresses = Record<string, string>;

type Factories = typeof import("../../typechain-types");
/** Every contract or interface the project compiles, by its TypeChain name ("IUniswapV3Pool", "MockERC20", …). */
export type ContractName = {
  [K in keyof Factories]: K extends `${infer N}__factory` ? N : never;
}[keyof Factories];
/** The typed contract TypeChain makes for `N`. */
export type ContractOf<N extends ContractName> = Factories[`${N}__factory` & keyof Factories] extends {
  connect(address: string, runner?: ContractRunner | null): infer C;
}
  ? C
  : never;

/** A collateral the vault manager accepts. */
export interface Collateral {
  symbol: string;
  address: string;
  decimals: number;
  /** The key of its price in the oracle adapter (a token, or a reference asset such as BTC). */
  oracleAsset: string;
}

export interface Ballast {
  runner: ContractRunner;
  addresses: Addresses;
  bdol: BallastDollar;
  reserve: ReservePool;
  oracle: OracleAdapter;
  vaultManager: VaultManager;
  engine: LiquidationEngine;
  governanceToken: GovernanceToken;
  timelock: Timelock;
  governor: BallastGovernor;
  lens: ReserveLens;
  /** sBDOL, the savings vault. */
  savings: SavingsBdol;
  /** Absent on a network without a stable asset. */
  psm?: PegStabilityModule;
  risk?: RiskController;
  /** Absent on a network without a market. */
  marketFeed?: MarketPriceFeed;
  pegKeeper?: PegKeeper;
  flashTaker?: FlashTaker;
  /** An ERC-20 at `address` (or a deployment name), bound to the same runner. */
  erc20(addressOrName: string): IERC20Metadata;
  /** A test token (mintable: local networks and testnets). */
  testToken(addressOrName: string): MockERC20;
  /** A local deployment's mock price feed (anyone may publish a round). */
  mockFeed(addressOrName: string): MockAggregator;
  /** Any compiled contract or interface (`at("IUniswapV3Pool", "WETH_USDC_POOL")`), typed, same runner. */
  at<N extends ContractName>(name: N, addressOrName: string): ContractOf<N>;
  /** Whether the deployment records `name`. */
  has(name: string): boolean;
  /** The registry of collaterals, read once from the chain. */
  collaterals(): Promise<CollateralRegistry>;
  /** The same contracts bound to another runner (a different signer). */
  withRunner(runner: ContractRunner): Ballast;
}

/**
 * The entry of `list` whose symbol (any case) or address is `key`; otherwise a one-line refusal
 * naming the argument and listing the choices.
 */
export function pickBySymbol<T extends { symbol: string }>(
  list: T[],
  key: string,
  arg: string,
  what: string,
  addressOf: (t: T) => string,
): T {
  const k = key.trim().toLowerCase();
  const found = list.find((t) => t.symbol.toLowerCase() === k || addressOf(t).toLowerCase() === k);
  if (!found) {
    throw new UsageError(
      `--${arg} ${JSON.stringify(key)} is not ${what}; choose one of ${list.map((t) => t.symbol).join(", ")}`,
    );
  }
  return found;
}

export class CollateralRegistry {
  constructor(readonly list: Collateral[]) {}

  /** By symbol (any case) or address; an unknown one is refused with the choices listed. */
  get(symbolOrAddress: string, arg = "collateral"): Collateral {
    return pickBySymbol(this.list, symbolOrAddress, arg, "a collateral here", (c) => c.address);
  }

  /** By address, or undefined. */
  find(address: string): Collateral | undefined {
    return this.list.find((c) => c.address.toLowerCase() === address.toLowerCase());
  }
}

/** Any compiled contract or interface by its TypeChain name, at `address`, bound to `runner`. */
export function bind<N extends ContractName>(name: N, address: string, runner: ContractRunner): ContractOf<N> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tc = require("../../typechain-types") as Record<string, { connect(a: string, r: ContractRunner): unknown }>;
  const factory = tc[`${name}__factory`];
  if (!factory) throw new Error(`no compiled contract named ${name}`);
  return factory.connect(address, runner) as ContractOf<N>;
}

/** An address as given, or the address of the deployment so named; refused when there is none (`where`: " on <network>"). */
export function resolveAddress(addresses: Addresses, addressOrName: string, where = ""): string {
  if (/^0x[0-9a-fA-F]{40}$/.test(addressOrName)) return addressOrName;
  const address = addresses[addressOrName];
  if (!address) throw new UsageError(`no deployment named ${addressOrName}${where}`);
  return address;
}

/** The protocol's contracts at `addresses`, bound to `runner` (a signer sends, a provider reads). */
export function connect(runner: ContractRunner, addresses: Addresses): Ballast {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tc = require("../../typechain-types") as typeof import("../../typechain-types");
  const at = (name: ProtocolName): string => {
    const address = addresses[name];
    if (!address) throw new UsageError(`deployment ${name} is missing: deploy first (npx hardhat deploy)`);
    return address;
  };
  const optional = <T>(name: ProtocolName, make: (a: string) => T): T | undefined =>
    addresses[name] ? make(addresses[name]) : undefined;
  const resolve = (addressOrName: string) => resolveAddress(addresses, addressOrName);
  let registry: Promise<CollateralRegistry> | undefined;
  const system: Ballast = {
    runner,
    addresses,
    bdol: tc.BallastDollar__factory.connect(at("BallastDollar"), runner),
    reserve: tc.ReservePool__factory.connect(at("ReservePool"), runner),
    oracle: tc.OracleAdapter__factory.connect(at("OracleAdapter"), runner),
    vaultManager: tc.VaultManager__factory.connect(at("VaultManager"), runner),
    engine: tc.LiquidationEngine__factory.connect(at("LiquidationEngine"), runner),
    governanceToken: tc.GovernanceToken__factory.connect(at("GovernanceToken"), runner),
    timelock: tc.Timelock__factory.connect(at("Timelock"), runner),
    governor: tc.BallastGovernor__factory.connect(at("BallastGovernor"), runner),
    lens: tc.ReserveLens__factory.connect(at("ReserveLens"), runner),
    savings: tc.SavingsBdol__factory.connect(at("SavingsBdol"), runner),
    psm: optional("PegStabilityModule", (a) => tc.PegStabilityModule__factory.connect(a, runner)),
    risk: optional("RiskController", (a) => tc.RiskController__factory.connect(a, runner)),
    marketFeed: optional("MarketPriceFeed", (a) => tc.MarketPriceFeed__factory.connect(a, runner)),
    pegKeeper: optional("PegKeeper", (a) => tc.PegKeeper__factory.connect(a, runner)),
    flashTaker: optional("FlashTaker", (a) => tc.FlashTaker__factory.connect(a, runner)),
    erc20: (x) => tc.IERC20Metadata__factory.connect(resolve(x), runner),
    testToken: (x) => tc.MockERC20__factory.connect(resolve(x), runner),
    mockFeed: (x) => tc.MockAggregator__factory.connect(resolve(x), runner),
    at: (name, x) => bind(name, resolve(x), runner),
    has: (name) => Boolean(addresses[name]),
    collaterals: () => (registry ??= loadCollaterals(system)),
    withRunner: (other) => connect(other, addresses),
  };
  return system;
}

async function loadCollaterals(system: Ballast): Promise<CollateralRegistry> {
  const list = await Promise.all(
    (await system.vaultManager.collaterals()).map(async (address) => {
      const [symbol, config] = await Promise.all([
        system.erc20(address).symbol(),
        system.vaultManager.collateralConfig(address),
      ]);
      return { symbol, address, decimals: Number(config.decimals), oracleAsset: config.oracleAsset };
    }),
  );
  return new CollateralRegistry(list);
}

/** Every protocol deployment name a full system has (the optional ones included). */
export const protocolNames = (): ProtocolName[] => Object.keys(PROTOCOL) as ProtocolName[];
export { OPTIONAL };

const symbols = new Map<string, string>();

/** A token's symbol (cached per chain and address), or its address when it has none. */
export async function symbolOf(runner: ContractRunner, token: string): Promise<string> {
  const network = runner.provider ? String((await runner.provider.getNetwork()).chainId) : "?";
  const key = `${network}:${token.toLowerCase()}`;
  let symbol = symbols.get(key);
  if (symbol === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tc = require("../../typechain-types") as typeof import("../../typechain-types");
      symbol = await tc.IERC20Metadata__factory.connect(token, runner).symbol();
    } catch {
      symbol = token;
    }
    symbols.set(key, symbol);
  }
  return symbol;
}

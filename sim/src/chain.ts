/**
 * The simulator's handle on the in-process chain: the deployed contracts, the actors, and fast
 * primitives (raw `eth_sendTransaction` with a fixed gas limit: no estimate, no ethers round trips;
 * on the in-process network this is about twice as fast as a contract call through ethers, and
 * faster than batching with automine off, whose mempool bookkeeping costs more than it saves).
 */
import { ZeroAddress, type Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type {
  BallastDollar,
  LiquidationEngine,
  MockAggregator,
  MockERC20,
  OracleAdapter,
  PegStabilityModule,
  ReserveLens,
  ReservePool,
  RiskController,
  VaultManager,
} from "../../typechain-types";
import type { IReserveLens } from "../../typechain-types/contracts/lens/ReserveLens";
import { PEG_ASSETS, PEG_KEYS, simAssets, type PegKey } from "./assets";
import type { AssetKey } from "./scenario";
import { WAD } from "../../lib/sdk";
import { recordedAddresses } from "../../lib/sdk/hardhat";
import { connect } from "../../lib/sdk/contracts";

export type SystemSnapshot = IReserveLens.SystemSnapshotStructOutput;
export interface VaultHealthRow {
  vaultId: bigint;
  /** The vault's owner (checksum-free, lower-case). */
  owner: string;
  /** Lower-case address. */
  collateral: string;
  collateralAmount: bigint;
  debt: bigint;
  healthFactor: bigint;
}

export { WAD };
/**
 * Index of each actor in `ethers.getSigners()`; borrowers take every account from `borrowersFrom` on
 * except the last, which is the PSM arbitrageur.
 */
export const ACCOUNTS = { deployer: 0, keeper: 1, market: 2, borrowersFrom: 3 } as const;

export interface AssetHandles {
  key: AssetKey;
  /** The collateral's symbol (WETH), as the report names it. */
  symbol: string;
  token: MockERC20;
  tokenAddress: string;
  feed: MockAggregator;
  feedAddress: string;
  decimals: number;
  /**
   * The ratio leg of a composite price (local WBTC: WBTC/BTC at 1.0), republished at its answer
   * often enough to stay fresh; the scenarios move the USD leg only. When it was last published is
   * read from the chain (a copy kept here would survive `revert` and skew the next run).
   */
  ratioFeed?: { address: string; answer: bigint };
}

type Provider = HardhatRuntimeEnvironment["network"]["provider"];
const MINING = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "hardhat_mine", "evm_revert"]);

/** What `pinBlockTimes` returns: the scenario's basefee for the blocks to come, and the way back. */
export interface BlockPin {
  /** Every block from the next on has this basefee [wei] (undefined: the network's own). */
  setBaseFee(wei: bigint | undefined): Promise<void>;
  restore(): void;
}

/**
 * Makes every block's timestamp the previous one's plus a second unless the simulator sets it
 * (`setNextTimestamp`): Hardhat otherwise follows the wall clock between transactions, so two runs
 * from the same snapshot drifted apart by how long their RPC calls took (accrual, the volatility
 * estimate's weights, and from there liquidations). After anything that mines (or reverts to a
 * snapshot) the next block's time is pinned at once, so dry runs on the pending block see it too
 * (a reverted transaction is mined as well). A scenario's gas path sets each block's basefee the
 * same way (Hardhat would otherwise let it decay toward 0 over blocks below their gas target).
 */
export function pinBlockTimes(provider: Provider): BlockPin {
  const original = provider.request;
  const originalSend = provider.send;
  const request = original.bind(provider);
  let baseFee: bigint | undefined;
  const setNextBaseFee = async () => {
    if (baseFee !== undefined) {
      await request({ method: "hardhat_setNextBlockBaseFeePerGas", params: ["0x" + baseFee.toString(16)] });
    }
  };
  const pin = async () => {
    const latest = (await request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      timestamp: string;
    };
    await request({ method: "evm_setNextBlockTimestamp", params: [Number(latest.timestamp) + 1] });
    await setNextBaseFee();
  };
  provider.request = async (args) => {
    if (!MINING.has(args.method)) return request(args);
    try {
      return await request(args);
    } finally {
      await pin();
    }
  };
  // hardhat-ethers (the keeper bot's signer) calls `send`, which would bypass `request`.
  provider.send = (method: string, params?: unknown[]) => provider.request({ method, params });
  return {
    async setBaseFee(wei) {
      baseFee = wei;
      await setNextBaseFee();
    },
    restore() {
      provider.request = original;
      provider.send = originalSend;
    },
  };
}

/** The ratio leg (24-hour heartbeat locally) is republished when its last round is this old. */
const RATIO_REPUBLISH_SECONDS = 6 * 3600;

/** USDC or BDOL: the token (oracle key) and its mock feed. */
export interface PegHandles {
  key: PegKey;
  tokenAddress: string;
  feed: MockAggregator;
  feedAddress: string;
}

export class Chain {
  readonly provider: HardhatRuntimeEnvironment["network"]["provider"];

  private constructor(
    readonly hre: HardhatRuntimeEnvironment,
    readonly vm: VaultManager,
    readonly engine: LiquidationEngine,
    readonly reserve: ReservePool,
    readonly lens: ReserveLens,
    readonly oracle: OracleAdapter,
    readonly bdol: BallastDollar,
    readonly risk: RiskController,
    readonly psm: PegStabilityModule,
    /** The PSM's stable asset (a mintable MockERC20, 6 decimals). */
    readonly usdc: MockERC20,
    /** The collaterals as a scenario names them, in the configuration's order (assets.ts). */
    readonly keys: AssetKey[],
    readonly assets: Record<AssetKey, AssetHandles>,
    readonly pegs: Record<PegKey, PegHandles>,
    readonly signers: HardhatEthersSigner[],
    readonly addresses: Record<string, string>,
  ) {
    this.provider = hre.network.provider;
  }

  /** Deploys the whole system with the project's deploy scripts and connects to it. */
  static async deploy(hre: HardhatRuntimeEnvironment): Promise<Chain> {
    if (hre.network.name !== "hardhat") throw new Error("the simulator runs on the in-process hardhat network only");
    await hre.deployments.fixture();
    const signers = await hre.ethers.getSigners();
    const addresses = await recordedAddresses(hre);
    const b = connect(signers[0], addresses);
    const assets = {} as Record<AssetKey, AssetHandles>;
    const config = simAssets(hre.network.name);
    for (const a of config) {
      const token = b.testToken(a.symbol);
      const feed = b.mockFeed(a.feed);
      const tokenAddress = await token.getAddress();
      const ratio = await b.oracle.ratioFeedConfig(tokenAddress);
      let ratioFeed: AssetHandles["ratioFeed"];
      if (ratio.feed !== ZeroAddress) {
        const [, answer] = await b.mockFeed(ratio.feed).latestRoundData();
        ratioFeed = { address: ratio.feed, answer };
      }
      const decimals = Number(await token.decimals());
      if (decimals !== a.decimals)
        throw new Error(`${a.symbol} has ${decimals} decimals, the configuration ${a.decimals}`);
      assets[a.key] = {
        key: a.key,
        symbol: a.symbol,
        token,
        tokenAddress,
        feed,
        feedAddress: await feed.getAddress(),
        decimals,
        ratioFeed,
      };
    }
    const pegs = {} as Record<PegKey, PegHandles>;
    for (const key of PEG_KEYS) {
      const feed = b.mockFeed(PEG_ASSETS[key].feed);
      pegs[key] = {
        key,
        tokenAddress: addresses[PEG_ASSETS[key].token],
        feed,
        feedAddress: await feed.getAddress(),
      };
    }
    if (signers.length < ACCOUNTS.borrowersFrom + 2) throw new Error("the simulator needs at least 5 accounts");
    return new Chain(
      hre,
      b.vaultManager,
      b.engine,
      b.reserve,
      b.lens,
      b.oracle,
      b.bdol,
      b.risk!,
      b.psm!,
      b.testToken("USDC"),
      config.map((a) => a.key),
      assets,
      pegs,
      signers,
      addresses,
    );
  }

  get deployer(): HardhatEthersSigner {
    return this.signers[ACCOUNTS.deployer];
  }
  get keeper(): HardhatEthersSigner {
    return this.signers[ACCOUNTS.keeper];
  }
  get market(): HardhatEthersSigner {
    return this.signers[ACCOUNTS.market];
  }
  get borrowers(): HardhatEthersSigner[] {
    return this.signers.slice(ACCOUNTS.borrowersFrom, -1);
  }
  /** Trades through the PSM whenever the market price leaves its fee band (see sim/README.md). */
  get arbitrageur(): HardhatEthersSigner {
    return this.signers[this.signers.length - 1];
  }

  /** Sends a transaction and mines it (automine); throws when it reverts. */
  async send(from: string, to: string, data: string, gas = 1_000_000): Promise<string> {
    return (await this.provider.request({
      method: "eth_sendTransaction",
      params: [{ from, to, data, gas: "0x" + gas.toString(16) }],
    })) as string;
  }

  async blockNumber(): Promise<number> {
    return Number(await this.provider.request({ method: "eth_blockNumber", params: [] }));
  }

  async latestTimestamp(): Promise<number> {
    const block = (await this.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      timestamp: string;
    };
    return Number(block.timestamp);
  }

  /** The next block is mined at `timestamp` (when that is later than the latest block). */
  async setNextTimestamp(timestamp: number): Promise<void> {
    if (timestamp > (await this.latestTimestamp())) {
      await this.provider.request({ method: "evm_setNextBlockTimestamp", params: [timestamp] });
    }
  }

  async snapshot(): Promise<string> {
    return (await this.provider.request({ method: "evm_snapshot", params: [] })) as string;
  }

  async revert(id: string): Promise<void> {
    const ok = await this.provider.request({ method: "evm_revert", params: [id] });
    if (ok !== true) throw new Error(`evm_revert(${id}) failed`);
  }

  /**
   * Publishes a feed round at `usd` and records it in the oracle (first republishing the asset's
   * ratio leg at its answer when its last round is older than RATIO_REPUBLISH_SECONDS).
   */
  async setPrice(key: AssetKey, usd: number): Promise<void> {
    const a = this.assets[key];
    const from = this.deployer.address;
    if (a.ratioFeed !== undefined) {
      const now = await this.latestTimestamp();
      const round = await this.call(a.ratioFeed.address, a.feed.interface.encodeFunctionData("latestRoundData"));
      const publishedAt = Number(a.feed.interface.decodeFunctionResult("latestRoundData", round)[3]);
      if (now - publishedAt >= RATIO_REPUBLISH_SECONDS) {
        await this.send(
          from,
          a.ratioFeed.address,
          a.feed.interface.encodeFunctionData("updateAnswer", [a.ratioFeed.answer]),
          200_000,
        );
      }
    }
    await this.send(
      from,
      a.feedAddress,
      a.feed.interface.encodeFunctionData("updateAnswer", [feedAnswer(usd)]),
      200_000,
    );
    await this.send(
      from,
      this.addresses.OracleAdapter,
      this.oracle.interface.encodeFunctionData("recordPrice", [a.tokenAddress]),
      500_000,
    );
  }

  /**
   * Publishes a round of the USDC or BDOL feed at `usd` and records it in the oracle (the adapter's
   * circuit breaker for USD feeds compares each recorded price with the last one).
   */
  async setPegPrice(key: PegKey, usd: number): Promise<void> {
    const p = this.pegs[key];
    const from = this.deployer.address;
    await this.send(
      from,
      p.feedAddress,
      p.feed.interface.encodeFunctionData("updateAnswer", [feedAnswer(usd)]),
      200_000,
    );
    await this.send(
      from,
      this.addresses.OracleAdapter,
      this.oracle.interface.encodeFunctionData("recordPrice", [p.tokenAddress]),
      500_000,
    );
  }

  /**
   * Runs `calls` as governance: the timelock (impersonated, given gas money) sends each
   * `[to, data, gas]` in order, then the impersonation stops.
   */
  async asTimelock(calls: [string, string, number][]): Promise<void> {
    const timelock = (await this.hre.deployments.get("Timelock")).address;
    await this.provider.request({ method: "hardhat_impersonateAccount", params: [timelock] });
    await this.provider.request({ method: "hardhat_setBalance", params: [timelock, "0x56BC75E2D63100000"] });
    for (const [to, data, gas] of calls) await this.send(timelock, to, data, gas);
    await this.provider.request({ method: "hardhat_stopImpersonatingAccount", params: [timelock] });
  }

  /** A raw eth_call (no signer, no ethers round trips). */
  async call(to: string, data: string): Promise<string> {
    return (await this.provider.request({ method: "eth_call", params: [{ to, data }, "latest"] })) as string;
  }

  /**
   * A raw eth_call from `from` on the pending block, as a dry run of a transaction (it sees the next
   * block's timestamp, as the transaction would; a call on "latest" runs at the latest block's):
   * `{ ok: true, data }`, or `{ ok: false, data }` with the revert data (decode it with the
   * contract's interface).
   */
  async tryCall(from: string, to: string, data: string, gas = 2_000_000): Promise<{ ok: boolean; data: string }> {
    try {
      const out = (await this.provider.request({
        method: "eth_call",
        params: [{ from, to, data, gas: "0x" + gas.toString(16) }, "pending"],
      })) as string;
      return { ok: true, data: out };
    } catch (err) {
      const e = err as { data?: unknown; error?: { data?: unknown } };
      const raw = typeof e.data === "string" ? e.data : typeof e.error?.data === "string" ? e.error.data : undefined;
      if (raw === undefined) throw err;
      return { ok: false, data: raw };
    }
  }

  /** `ReserveLens.systemSnapshot()` through a raw eth_call. */
  async systemSnapshot(): Promise<SystemSnapshot> {
    const iface = this.lens.interface;
    const raw = await this.call(this.addresses.ReserveLens, iface.encodeFunctionData("systemSnapshot"));
    return iface.decodeFunctionResult("systemSnapshot", raw)[0] as SystemSnapshot;
  }

  /** Number of active auctions among ids ≥ `fromId` (ReserveLens.activeAuctions, length only). */
  async activeAuctionCount(fromId: bigint): Promise<number> {
    const last = await this.engine.auctionCount();
    if (fromId < 1n) fromId = 1n;
    if (fromId > last) return 0;
    const raw = await this.call(
      this.addresses.ReserveLens,
      this.lens.interface.encodeFunctionData("activeAuctions", [fromId, last - fromId + 1n]),
    );
    return Number(BigInt("0x" + raw.slice(66, 130)));
  }

  /**
   * Every open vault's health through `ReserveLens.vaultsHealth` pages, decoded by hand: VaultHealth
   * is a static tuple of six words, and ethers' generic decoder costs as much as the call itself.
   */
  async vaultsHealth(): Promise<VaultHealthRow[]> {
    const count = Number(await this.vm.vaultCount());
    const rows: VaultHealthRow[] = [];
    for (let from = 1; from <= count; from += 1000) {
      const raw = await this.call(
        this.addresses.ReserveLens,
        this.lens.interface.encodeFunctionData("vaultsHealth", [from, 1000]),
      );
      const word = (i: number) => BigInt("0x" + raw.slice(2 + 64 * i, 2 + 64 * (i + 1)));
      const n = Number(word(1));
      for (let i = 0; i < n; i++) {
        const b = 2 + 6 * i;
        const owner = word(b + 1);
        if (owner === 0n) continue;
        rows.push({
          vaultId: word(b),
          owner: "0x" + owner.toString(16).padStart(40, "0"),
          collateral:
            "0x" +
            word(b + 2)
              .toString(16)
              .padStart(40, "0"),
          collateralAmount: word(b + 3),
          debt: word(b + 4),
          healthFactor: word(b + 5),
        });
      }
    }
    return rows;
  }

  async mint(key: AssetKey, to: string, amount: bigint): Promise<void> {
    const a = this.assets[key];
    await this.send(
      this.deployer.address,
      a.tokenAddress,
      a.token.interface.encodeFunctionData("mint", [to, amount]),
      200_000,
    );
  }

  /** Mints test USDC (6 decimals) to `to`. */
  async mintUsdc(to: string, amount: bigint): Promise<void> {
    await this.send(
      this.deployer.address,
      this.addresses.USDC,
      this.usdc.interface.encodeFunctionData("mint", [to, amount]),
      200_000,
    );
  }

  async transferToken(
    token: MockERC20 | BallastDollar,
    tokenAddress: string,
    from: string,
    to: string,
    amount: bigint,
  ) {
    await this.send(from, tokenAddress, token.interface.encodeFunctionData("transfer", [to, amount]), 200_000);
  }
}

/** The custom error's name in revert `data`, from the first interface that knows it. */
export function decodeError(data: string, ifaces: Interface[]): string {
  for (const iface of ifaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return parsed.name;
    } catch {
      // not this contract's error
    }
  }
  return data.length > 10 ? `revert ${data.slice(0, 10)}` : "revert";
}

/** Adds one to `counts[key]` (refusals counted by reason). */
export function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** USD → 8-decimal feed answer (the mock feeds' precision). */
export function feedAnswer(usd: number): bigint {
  return BigInt(Math.round(usd * 1e8));
}

/** USD → the oracle's WAD price for that feed answer. */
export function priceWad(usd: number): bigint {
  return feedAnswer(usd) * 10n ** 10n;
}

/** WAD → float (for the JSON and the chart; exact figures are kept as strings where it matters). */
export function toNum(x: bigint, decimals = 18): number {
  if (x === 2n ** 256n - 1n) return Infinity;
  const scale = 10n ** BigInt(decimals);
  return Number(x / scale) + Number(x % scale) / Number(scale);
}

/** CollateralLib.valueDown, shared with the keeper (config/units.ts). */
export { valueDown } from "../../lib/sdk";

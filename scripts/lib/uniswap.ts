/**
 * Uniswap v3 on Ballast's side: the official npm packages' compiled artifacts (deployed as they are on
 * local networks), and the price ↔ sqrt-price ↔ tick conversions the deploy, the tools and the tests
 * share.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { InterfaceAbi } from "ethers";
import { contractAt } from "../../lib/sdk/hardhat";

/** The Uniswap contracts Ballast deploys or talks to, by deployment name → npm artifact. */
const ARTIFACTS = {
  UniswapV3Factory: "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
  UniswapV3Pool: "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
  SwapRouter: "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
  QuoterV2: "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
  NonfungiblePositionManager:
    "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
} as const;

export type UniswapContract = keyof typeof ARTIFACTS;

/** The compiled artifact (ABI and creation bytecode) of a Uniswap contract, from its npm package. */
export function uniswapArtifact(name: UniswapContract): { abi: InterfaceAbi; bytecode: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const artifact = require(ARTIFACTS[name]) as { abi: InterfaceAbi; bytecode: string };
  return { abi: artifact.abi, bytecode: artifact.bytecode };
}

/** Fee tier → tick spacing, as Uniswap's factory enables them (100 was enabled by governance later). */
export const TICK_SPACING: Record<number, number> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };

export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
const Q96 = 2n ** 96n;

/**
 * Integer square root (floor): Newton's iteration down from 2^⌈bits/2⌉ ≥ √x, which ends at the
 * floor. (A double's root is no start: above 2^106 its 53 bits miss the integer part by up to ~1e11.)
 */
export function sqrtBigInt(x: bigint): bigint {
  if (x < 0n) throw new Error("sqrt of a negative number");
  if (x < 2n) return x;
  let r = 1n << BigInt(Math.ceil(x.toString(2).length / 2));
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/**
 * The pool's raw ratio token1/token0 for a price of `priceWad` quote per base (whole units), as a
 * fraction [numerator, denominator].
 */
function rawRatio(priceWad: bigint, baseDecimals: number, quoteDecimals: number, baseIsToken0: boolean) {
  const num = priceWad * 10n ** BigInt(quoteDecimals);
  const den = 10n ** 18n * 10n ** BigInt(baseDecimals);
  return baseIsToken0 ? [num, den] : [den, num];
}

/** sqrtPriceX96 (floor) at which one whole base token costs `priceWad` whole quote tokens. */
export function sqrtPriceX96At(
  priceWad: bigint,
  baseDecimals: number,
  quoteDecimals: number,
  baseIsToken0: boolean,
): bigint {
  const [num, den] = rawRatio(priceWad, baseDecimals, quoteDecimals, baseIsToken0);
  return sqrtBigInt((num * Q96 * Q96) / den);
}

/** The base token's price in the quote token [wad, floor] at `sqrtPriceX96`. */
export function priceWadAt(
  sqrtPriceX96: bigint,
  baseDecimals: number,
  quoteDecimals: number,
  baseIsToken0: boolean,
): bigint {
  const scale = 10n ** BigInt(18 + baseDecimals - quoteDecimals);
  const ratioX192 = sqrtPriceX96 * sqrtPriceX96;
  return baseIsToken0 ? (ratioX192 * scale) / Q96 ** 2n : (Q96 ** 2n * scale) / ratioX192;
}

/** The tick at a price (floor of log base 1.0001 of the raw ratio), in floating point: for ranges. */
export function tickAt(priceWad: bigint, baseDecimals: number, quoteDecimals: number, baseIsToken0: boolean): number {
  const [num, den] = rawRatio(priceWad, baseDecimals, quoteDecimals, baseIsToken0);
  const ratio = Number((num * 10n ** 30n) / den) / 1e30;
  return Math.floor(Math.log(ratio) / Math.log(1.0001));
}

/** `tick` rounded down (or up) to a multiple of `spacing`, kept inside the usable range. */
export function alignTick(tick: number, spacing: number, up = false): number {
  const aligned = up ? Math.ceil(tick / spacing) * spacing : Math.floor(tick / spacing) * spacing;
  const min = Math.ceil(MIN_TICK / spacing) * spacing;
  const max = Math.floor(MAX_TICK / spacing) * spacing;
  return Math.min(Math.max(aligned, min), max);
}

/** Whether `a` sorts before `b` (Uniswap's token0 is the lower address). */
export function isToken0(a: string, b: string): boolean {
  return BigInt(a) < BigInt(b);
}

/** Deploys (once) a Uniswap contract from its npm artifact under its own name. */
export async function deployUniswap(
  hre: HardhatRuntimeEnvironment,
  name: UniswapContract,
  args: unknown[],
  log: boolean,
): Promise<string> {
  const { deployer } = await hre.getNamedAccounts();
  const { abi, bytecode } = uniswapArtifact(name);
  const d = await hre.deployments.deploy(name, {
    from: deployer,
    // hardhat-deploy takes the ABI in its own (ethers v5) format: the artifact's JSON ABI is that.
    contract: { abi: abi as never, bytecode },
    args,
    skipIfAlreadyDeployed: true,
    log,
  });
  return d.address;
}

/** An ERC-20's decimals as a number. */
export async function decimalsOf(hre: HardhatRuntimeEnvironment, token: string): Promise<number> {
  return Number(await (await contractAt(hre, "IERC20Metadata", token)).decimals());
}

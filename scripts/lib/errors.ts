import type { BaseContract } from "ethers";

/** The raw revert data (0x…) in an error thrown by ethers or a Hardhat provider, if any. */
export function findRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop() as Record<string, unknown> | undefined;
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
    for (const key of ["error", "info", "cause", "data"]) stack.push(e[key]);
  }
  return undefined;
}

/** Revert data, or "name:<Error>" from a Hardhat message that names a custom error without data. */
function revertData(err: unknown): string | undefined {
  const data = findRevertData(err);
  if (data) return data;
  const message = String((err as Error)?.message ?? "");
  const match = /custom error '([^']+)'/.exec(message) ?? /reverted with custom error '([^']+)'/.exec(message);
  return match ? `name:${match[1]}` : undefined;
}

/**
 * A one-line explanation of a failed call: the protocol's custom error with its arguments when
 * it can be decoded against `contracts`, else the original message.
 */
export function explainError(err: unknown, contracts: BaseContract[]): string {
  const data = revertData(err);
  if (data?.startsWith("name:")) return data.slice(5);
  if (data) {
    for (const c of contracts) {
      try {
        const parsed = c.interface.parseError(data);
        if (parsed) return `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})`;
      } catch {
        // not this contract's error
      }
    }
    return `unknown error ${data.slice(0, 10)}`;
  }
  return (err as Error)?.message?.split("\n")[0] ?? String(err);
}

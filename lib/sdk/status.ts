/** IOracleAdapter's `PriceStatus`, in the Solidity enum's order. */
export enum PriceStatus {
  Live,
  Stale,
  OutOfBounds,
  Frozen,
  Failed,
  SequencerDown,
  SequencerGrace,
}

/** Human names of `PriceStatus`, indexed by its numeric value. */
export const PRICE_STATUS = ["live", "stale", "out of bounds", "frozen", "failed", "sequencer down", "sequencer grace"];

/** The name of a status as returned by a contract (bigint or number). */
export const priceStatusName = (status: bigint | number): string =>
  PRICE_STATUS[Number(status)] ?? `status ${String(status)}`;

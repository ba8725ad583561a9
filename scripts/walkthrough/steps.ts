/**
 * The README's local walkthrough, in order: what a newcomer types after starting a node and
 * deploying. `npm run docs` runs it on a fresh Hardhat node and writes each step's output into the
 * README block marked `<!-- sample:<id> -->`; test/node/Walkthrough.test.ts runs it on a Hardhat
 * node and on anvil and fails when an output differs from the README's (after `normalize`).
 */
export interface Step {
  /** The README block's id. */
  id: string;
  /** The task and its arguments, as typed after `npx hardhat --network localhost`. */
  command: string;
  /** A refusal is expected: the step prints `error: …` and the walkthrough goes on. */
  refused?: boolean;
  /** Figures of this step that depend on the node's gas schedule or basefee, masked when comparing. */
  masks?: RegExp[];
}

export const STEPS: Step[] = [
  { id: "status-fresh", command: "status" },
  { id: "deployments", command: "deployments:list" },
  { id: "vault-open", command: "vault:open --collateral WETH --amount 10 --debt 12000 --mint --from 1" },
  { id: "vault-deposit-short", command: "vault:deposit --id 1 --amount 2 --from 1", refused: true },
  { id: "dev-faucet", command: "dev:faucet --asset weth --amount 2 --from 1" },
  { id: "vault-deposit", command: "vault:deposit --id 1 --amount 2 --from 1" },
  { id: "vault-withdraw", command: "vault:withdraw --id 1 --amount 2 --from 1" },
  { id: "vault-borrow", command: "vault:borrow --id 1 --amount 500 --from 1" },
  { id: "vault-repay", command: "vault:repay --id 1 --amount 2000 --from 1" },
  { id: "vault-borrow-refused", command: "vault:borrow --id 1 --amount 100000 --from 1", refused: true },
  { id: "vault-bad-amount", command: "vault:borrow --id 1 --amount -5 --from 1", refused: true },
  { id: "vault-bad-symbol", command: "vault:open --collateral doge --amount 1 --from 1", refused: true },
  { id: "vault-list", command: "vault:list --from 1" },
  { id: "psm-in", command: "psm:swap --in 1000 --mint --from 1" },
  { id: "psm-out", command: "psm:swap --out 500 --from 1" },
  { id: "savings-deposit", command: "savings:deposit --amount 200 --from 1" },
  { id: "savings-status", command: "savings:status --from 1" },
  { id: "dev-time", command: "dev:time --advance 1h" },
  { id: "keeper-record", command: "keeper:record" },
  { id: "keeper-accrue", command: "keeper:accrue" },
  {
    id: "risk-poke",
    command: "risk:poke",
    // The poke's pay is its gas at the node's basefee, which differs between nodes.
    masks: [/(poke pay \(asked \/ paid from the surplus, BDOL\)\s*│\s*)[\d,.]+ \/ [\d,.]+/g],
  },
  { id: "vault-open-risky", command: "vault:open --collateral WETH --amount 10 --debt 18000 --mint --from 2" },
  { id: "dev-price", command: "dev:price --asset WETH --price 2600" },
  { id: "vault-info-risky", command: "vault:info --id 2" },
  {
    id: "risk-report",
    command: "risk:report --horizon 30d --paths 20000",
    // Debt accrues by the second between commands and the volatility estimate depends on when returns
    // were sampled (as reserve:status): the figures are masked, the book's shape (vaults, rows) is not.
    // Whether WETH's estimate has sampled a return yet depends on the clock: its volatility cell (the
    // fifth) and the note naming the assets without an estimate are masked too.
    masks: [
      /(?<=^│[^│\n]*│[^│\n]*│[^│\n]*│[^│\n]*│)[^│\n]*/gm,
      /^note: the oracle has no volatility estimate yet.*$/gm,
      /-?\d[\d,]*\.\d+(e[+-]\d+)?/g,
    ],
  },
  {
    id: "keeper-once",
    command: "keeper --once",
    // The profit is the reward less the gas at the node's basefee, which differs between nodes.
    masks: [/realised profit [\d,.]+/g, /[\d,.]+(?=\s*│?\s*$)/gm],
  },
  { id: "auction-list", command: "auction:list" },
  { id: "vault-close", command: "vault:close --id 1 --from 1" },
  { id: "status", command: "status" },
  {
    id: "reserve-status",
    command: "reserve:status",
    // The oracle's volatility estimate samples a return only when enough time has passed since the
    // last one, so the seconds between the walkthrough's commands decide whether the move is in it.
    // The poke's pay follows the basefee, and the target "now" the debt accruing by the second.
    masks: [
      /(\/ [\d.]+ % +│ +)[\d,.]+ %/g,
      /(poke pay now \(BDOL, before the surplus cap\)\s*│\s*)[\d,.]+/g,
      /(reserve target \(last poke \/ now\)\s*│\s*[\d,.]+ \/ )[\d,.]+/g,
    ],
  },
  { id: "roles-check", command: "roles:check" },
];

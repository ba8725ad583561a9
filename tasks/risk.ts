/**
 * Anyone: `npx hardhat risk:poke [--network localhost]` runs the risk controller's poke when it is
 * due and prints what it did: per collateral the inputs (price, utilisation, volatility, price move)
 * and the outputs (fee and borrow ratio before → after, halts), then the peg controller and the
 * system breaker. Before the interval has passed it sends nothing and says when the next poke is
 * allowed.
 */
import { task } from "hardhat/config";
import { cliAction } from "../lib/sdk/hardhat";
import { pokeAndReport } from "../scripts/lib/risk";

task("risk:poke", "Runs the risk controller's poke when due and prints its inputs and outputs").setAction(
  (_args, hre) => cliAction(hre, "risk:poke", () => pokeAndReport(hre)),
);

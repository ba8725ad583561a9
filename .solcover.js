// solidity-coverage settings: mocks under contracts/test are not protocol code.
module.exports = {
  skipFiles: ["test/"],
  // The project compiles with viaIR; instrumented code needs the minimal IR optimizer to avoid stack-too-deep.
  irMinimum: true,
  istanbulReporter: ["text", "json-summary", "lcov"],
  // The node-based suites start their own nodes; coverage instruments the in-process network only.
  // Gas-measuring tests assert figures that instrumentation inflates; the main suite runs them.
  // The keeper bot and the simulator test TypeScript tooling (and run thousands of transactions); the
  // contracts they drive are covered by their own suites.
  // The L2 tests (the engine's and the Arbitrum incident's) deploy a second, instrumented VaultManager
  // by hand, and the engine-rewiring test a second LiquidationEngine, and two ReservePool tests a
  // second ReservePool, and the migration tests (G, Migration, the reserve's engine move) a second
  // LiquidationEngine: over the 2^24 transaction gas cap once instrumented.
  // Four audit regressions walk hundreds of feed rounds or measure a restart's gas (C_RedoPay,
  // VolatilitySampling, PriceBreakerSkip, R2_RoundWalkCap): instrumented, C fails on its gas figures
  // and the others failed too after many minutes each; the walk, the estimator and the breaker they
  // drive are covered by the OracleAdapter and RiskController unit tests. The Black Thursday incident's
  // keeper-pay test compares a liquidation's gas with its pay: instrumented gas is not real gas. The
  // sequencer tests (the adapter's and the PSM's) deploy a second, instrumented OracleAdapter (out of
  // gas); the walk starved of gas relies on real gas figures; the ten-day peg scenario times out
  // instrumented, and its pokes, still running after the timeout, broke the next file's fixture.
  mocha: {
    grep: "^(External node|Mainnet fork|Keeper bot|crash simulator)|^OracleAdapter gas |^LiquidationEngine an L2 deployment|^Arbitrum sequencer outage|^LiquidationEngine governance setters VaultManager\\.setLiquidationEngine refuses|^ReservePool constructor stores the stablecoin|^ReservePool constructor bounds and deployment rejects a buffer share|^AUDIT G \\(regression\\)|^LiquidationEngine migration|^ReservePool governance setters moving the engine|^AUDIT C \\(regression\\)|^AUDIT periph-2 regression|^AUDIT periph-5 regression|^Review R2|keeper pay follows block\\.basefee|^OracleAdapter sequencer uptime feed|with an L2 sequencer feed, never remembers a verdict|skips a reverting, malformed, gas-burning or unknown round|^Scenarios: the risk controller peg at \\$0\\.98 for ten days",
    invert: true,
  },
};

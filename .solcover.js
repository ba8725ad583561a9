// solidity-coverage settings: mocks under contracts/test are not protocol code.
module.exports = {
  skipFiles: ["test/"],
  // The project compiles with viaIR; instrumented code needs the minimal IR optimizer to avoid stack-too-deep.
  irMinimum: true,
  istanbulReporter: ["text", "json-summary", "lcov"],
  // The node-based suites start their own nodes; coverage instruments the in-process network only.
  // Gas-measuring tests assert figures that instrumentation inflates; the main suite runs them.
  mocha: { grep: "^(External node|Mainnet fork)|^OracleAdapter gas ", invert: true },
};

// solidity-coverage settings: mocks under contracts/test are not protocol code.
module.exports = {
  skipFiles: ["test/"],
  istanbulReporter: ["text", "json-summary", "lcov"],
  // The node-based suites start their own nodes; coverage instruments the in-process network only.
  mocha: { grep: "@external-node|@fork", invert: true },
};

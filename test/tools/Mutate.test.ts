/**
 * The mutation tool (scripts/lib/mutate): each operator yields exactly the expected mutants on a
 * fixture, ids are stable, and comments, strings, pragma, imports and assembly are never mutated;
 * the score and the failure summaries. Pure TypeScript: no chain, no compiler.
 */
import { expect } from "chai";

import { tokenize } from "../../scripts/lib/mutate/lexer";
import { DEFAULT_OPERATORS, type Mutant, applyMutant, generateMutants } from "../../scripts/lib/mutate/operators";
import {
  type AcceptedEntry,
  type ContractReport,
  type MutantResult,
  acceptedFor,
  summarize,
} from "../../scripts/lib/mutate/report";
import { firstFailure } from "../../scripts/lib/mutate/testrun";

const FIXTURE = `// SPDX-License-Identifier: MIT
pragma solidity >=0.8.0 <0.9.0;

import {MathLib} from "./MathLib.sol"; // a < b - c in a comment

/// @notice x < y, revert Foo(), wadMulUp(a) and emit E() in NatSpec
contract Fixture {
    error PauseCoolingDown(uint256 until);
    event Moved(uint256 amount);

    uint256 internal constant MAX_FEE = 0.1e18;
    string internal constant NOTE = "a < b && c - d; revert X();";

    /* a block comment: if (a > b) revert Y(); */
    function wadMulUp(uint256 a, uint256 b) internal pure returns (uint256) {
        return a * b;
    }

    function wadMulDown(uint256 a, uint256 b) internal pure returns (uint256) {
        return a * b;
    }

    function move(uint256 amount, uint256 fee) external onlyOwner returns (uint256 out) {
        if (amount == 0) revert PauseCoolingDown(block.timestamp);
        require(fee <= MAX_FEE, "fee");
        _checkLimit(amount, 1 days);
        out = amount - wadMulUp(amount, fee);
        out += MathLib.min(out, sqrtDown(amount));
        if (out > amount && fee != 0) {
            revert PauseCoolingDown(0);
        }
        emit Moved(out);
        int256 negative = -int256(out);
        negative++;
        assembly ("memory-safe") {
            out := add(out, lt(out, 1))
            if iszero(out) {
                revert(0, 0)
            }
        }
    }
}
`;

const brief = (m: Mutant) => `${m.operator} L${m.line}: ${m.description}`;

describe("mutation tool: generator", () => {
  const mutants = generateMutants(FIXTURE, { contract: "Fixture" });

  it("makes exactly the expected mutants, in source order, numbered from 001", () => {
    expect(mutants.map((m) => `${m.id} ${brief(m)}`)).to.deep.equal([
      "Fixture#001 delete-modifier L23: delete modifier onlyOwner",
      "Fixture#002 delete-revert L24: if (amount == 0) → if (false)",
      "Fixture#003 cmp-negate L24: == → !=",
      'Fixture#004 delete-revert L25: delete require(fee <= MAX_FEE, "fee");',
      "Fixture#005 cmp-boundary L25: <= → <",
      "Fixture#006 cmp-negate L25: <= → >",
      "Fixture#007 cmp-swap L25: <= → >=",
      "Fixture#008 bound L25: MAX_FEE → MAX_FEE + 1",
      "Fixture#009 delete-revert L26: delete _checkLimit(amount, 1 days);",
      "Fixture#010 bound L26: 1 days → 1 days + 1",
      "Fixture#011 bound L26: 1 days → 1 days - 1",
      "Fixture#012 arith L27: - → +",
      "Fixture#013 rounding L27: wadMulUp → wadMulDown",
      "Fixture#014 arith L28: += → -=",
      "Fixture#015 min-max L28: min → max",
      "Fixture#016 cmp-boundary L29: > → >=",
      "Fixture#017 cmp-negate L29: > → <=",
      "Fixture#018 cmp-swap L29: > → <",
      "Fixture#019 logic L29: && → ||",
      "Fixture#020 cmp-negate L29: != → ==",
      "Fixture#021 delete-revert L30: delete revert PauseCoolingDown(0);",
      "Fixture#022 delete-emit L32: delete emit Moved(out);",
    ]);
  });

  it("shows each mutant's line before and after", () => {
    const byId = new Map(mutants.map((m) => [m.id, m]));
    expect(byId.get("Fixture#002")!.mutatedLine).to.equal("if (false) revert PauseCoolingDown(block.timestamp);");
    expect(byId.get("Fixture#008")!.mutatedLine).to.equal('require(fee <= (MAX_FEE + 1), "fee");');
    expect(byId.get("Fixture#013")!.originalLine).to.equal("out = amount - wadMulUp(amount, fee);");
    expect(byId.get("Fixture#013")!.mutatedLine).to.equal("out = amount - wadMulDown(amount, fee);");
    expect(byId.get("Fixture#021")!.mutatedLine).to.equal("");
    expect(byId.get("Fixture#001")!.mutatedLine).to.equal(
      "function move(uint256 amount, uint256 fee) external returns (uint256 out) {",
    );
    for (const m of mutants) {
      const mutated = applyMutant(FIXTURE, m);
      expect(mutated, m.id).to.not.equal(FIXTURE);
      expect(mutated.split("\n").length, `${m.id} keeps the line count`).to.equal(FIXTURE.split("\n").length);
    }
  });

  it("never touches comments, strings, pragma, imports or assembly", () => {
    const protectedText = [
      "pragma solidity >=0.8.0 <0.9.0;",
      'import {MathLib} from "./MathLib.sol"; // a < b - c in a comment',
      "/// @notice x < y, revert Foo(), wadMulUp(a) and emit E() in NatSpec",
      '"a < b && c - d; revert X();"',
      "/* a block comment: if (a > b) revert Y(); */",
      FIXTURE.slice(FIXTURE.indexOf("assembly"), FIXTURE.indexOf("}\n    }\n}") + 1),
    ];
    for (const text of protectedText) {
      const start = FIXTURE.indexOf(text);
      expect(start, text).to.be.greaterThan(-1);
      const end = start + text.length;
      for (const m of mutants) expect(m.end <= start || m.start >= end, `${m.id} inside ${text}`).to.equal(true);
    }
  });

  it("leaves alone what is not an operator of its kind", () => {
    const descriptions = mutants.map(brief).join("\n");
    // The error PauseCoolingDown has no PauseCoolingUp; sqrtDown has no sqrtUp: no rounding mutant.
    expect(descriptions).to.not.match(/PauseCooling(Up|Down) →|sqrtDown →/);
    // Unary minus and ++ are not arithmetic mutants; declarations are not rounding mutants.
    expect(mutants.filter((m) => m.operator === "arith").map((m) => m.line)).to.deep.equal([27, 28]);
    expect(mutants.filter((m) => m.operator === "rounding")).to.have.length(1);
  });

  it("ids are stable: same source, fewer operators, or moved lines give the same ids", () => {
    const again = generateMutants(FIXTURE, { contract: "Fixture" });
    expect(again).to.deep.equal(mutants);
    const fewer = generateMutants(FIXTURE, { contract: "Fixture", operators: DEFAULT_OPERATORS });
    expect(fewer.map((m) => m.operator)).to.not.include.members(["cmp-swap", "delete-emit", "delete-modifier"]);
    for (const m of fewer) expect(mutants.find((x) => x.id === m.id)).to.deep.equal(m);
    const commented = FIXTURE.replace("contract Fixture {", "// a new comment line\ncontract Fixture {");
    const moved = generateMutants(commented, { contract: "Fixture" });
    expect(moved.map((m) => [m.id, m.description, m.line - 1])).to.deep.equal(
      mutants.map((m) => [m.id, m.description, m.line]),
    );
  });

  it("uses the project's function list for rounding pairs when given", () => {
    const known = new Set(["wadMulUp"]);
    const withList = generateMutants(FIXTURE, { contract: "Fixture", knownFunctions: known });
    expect(withList.filter((m) => m.operator === "rounding")).to.have.length(0);
  });

  it("lexes numbers, units and multi-character operators as single tokens", () => {
    const texts = tokenize("x >>= 1_000e18 days; a => b; c <= d; e ** 2; f != 0x1F;").map((t) => t.text);
    const expected = "x >>= 1_000e18 days ; a => b ; c <= d ; e ** 2 ; f != 0x1F ;";
    expect(texts.join(" ")).to.equal(expected);
  });
});

describe("mutation tool: scores and failure summaries", () => {
  const result = (id: string, status: MutantResult["status"], line = "a < b", mutated = "a <= b"): MutantResult => ({
    id,
    index: Number(id.split("#")[1]),
    operator: "cmp-boundary",
    line: 1,
    description: "< → <=",
    originalLine: line,
    mutatedLine: mutated,
    status,
    seconds: 1,
    compileSeconds: 1,
  });

  it("scores killed / (killed + survived), timeouts as killed, raw and net of accepted survivors", () => {
    const report = {
      contract: "X",
      generated: 9,
      results: [
        result("X#001", "killed", "k"),
        result("X#002", "timeout", "t"),
        result("X#003", "survived", "s1"),
        result("X#004", "survived", "s2"),
        result("X#005", "invalid", "i"),
        result("X#006", "equivalent", "e"),
      ],
    } as ContractReport;
    const accepted: AcceptedEntry[] = [
      { id: "X#004", original: "s2", mutated: "a <= b", reason: "equivalent" },
      // Another contract's entry with the same lines does not match.
      { id: "Y#003", original: "s1", mutated: "a <= b", reason: "other contract" },
    ];
    expect(acceptedFor(report.results[3], accepted)?.reason).to.equal("equivalent");
    expect(acceptedFor(report.results[2], accepted)).to.equal(undefined);
    expect(summarize(report, accepted)).to.deep.equal({
      generated: 9,
      run: 6,
      killed: 1,
      timeout: 1,
      survived: 2,
      accepted: 1,
      invalid: 1,
      equivalent: 1,
      scoreRaw: 50,
      scoreNet: 66.7,
    });
  });

  it("names the first failing mocha test, or forge's failing invariant", () => {
    const mocha = [
      "  12 passing (3s)",
      "  1 failing",
      "",
      "  1) PegStabilityModule",
      "       swapCoinForStable",
      "         pays at par:",
      "     AssertionError: expected 1 to equal 2",
      "      at Context.<anonymous> (test/psm/PegStabilityModule.test.ts:10:5)",
    ].join("\n");
    expect(firstFailure(mocha)).to.equal(
      "PegStabilityModule › swapCoinForStable › pays at par: AssertionError: expected 1 to equal 2",
    );
    const forge = "Ran 1 test\n[FAIL: wrongfulRefusals: 1 != 0] invariant_psmAndReserve() (runs: 3)\nFuzz seed: 0x1";
    expect(firstFailure(forge)).to.equal("[FAIL: wrongfulRefusals: 1 != 0] invariant_psmAndReserve() (runs: 3)");
  });
});

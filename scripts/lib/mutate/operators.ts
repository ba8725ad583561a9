/**
 * Mutant generation: deterministic, from the source text alone. The same source and the same
 * known-function list always give the same mutants in the same order with the same ids
 * (`<Contract>#<nnn>`, numbered in source order over every operator, so choosing fewer operators
 * never renumbers the others).
 */
import { type Token, matchingClose, matchingOpen, statementEnd, tokenize } from "./lexer";

export const OPERATORS = [
  "cmp-boundary",
  "cmp-negate",
  "cmp-swap",
  "rounding",
  "arith",
  "logic",
  "min-max",
  "bound",
  "delete-revert",
  "delete-emit",
  "delete-modifier",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** What a run uses unless `--operators` says otherwise (see OPERATOR_HELP for the opt-in ones). */
export const DEFAULT_OPERATORS: readonly Operator[] = [
  "cmp-boundary",
  "cmp-negate",
  "rounding",
  "arith",
  "logic",
  "min-max",
  "bound",
  "delete-revert",
];

export const OPERATOR_HELP: Record<Operator, string> = {
  "cmp-boundary": "< ↔ <=, > ↔ >=",
  "cmp-negate": "< ↔ >=, > ↔ <=, == ↔ !=",
  "cmp-swap": "< ↔ >, <= ↔ >= (opt-in: almost always dies with cmp-negate)",
  rounding: "fooUp( ↔ fooDown( where both functions exist (wadMulUp ↔ wadMulDown, valueUp ↔ valueDown…)",
  arith: "binary + ↔ -, += ↔ -=",
  logic: "&& ↔ ||",
  "min-max": "min( ↔ max(",
  bound:
    "off by one on a literal or constant bound: the operand of < <= > >= (the direction cmp-boundary does not " +
    "already cover) and the bounds passed to check…() guards (both directions)",
  "delete-revert": "if (c) revert … → if (false) revert …; delete revert …; / require(…); / check…(…); statements",
  "delete-emit": "delete emit …; (opt-in: events are asserted by the tests)",
  "delete-modifier": "drop a function modifier such as onlyRole(…) or nonReentrant (opt-in)",
};

export interface Mutant {
  /** `<Contract>#<nnn>`: stable for a given source. */
  id: string;
  index: number;
  contract: string;
  operator: Operator;
  /** 1-based line of the mutated span's first character. */
  line: number;
  start: number;
  end: number;
  replacement: string;
  /** Short human description: `< → <=`, `delete revert Foo(…)`. */
  description: string;
  /** The source line(s) the mutation touches, whitespace collapsed, and the same lines mutated. */
  originalLine: string;
  mutatedLine: string;
}

export interface GenerateOptions {
  /** Contract name used in ids. */
  contract: string;
  /**
   * Names of every function declared in the project: the rounding operator only swaps `xUp` for
   * `xDown` when `xDown` exists (so an error named `PauseCoolingDown` is left alone). Without it,
   * the function names declared in `source` are used.
   */
  knownFunctions?: ReadonlySet<string>;
  /** Operators to keep (ids are assigned over all operators first). Default: every operator. */
  operators?: readonly Operator[];
}

interface Candidate {
  operator: Operator;
  start: number;
  end: number;
  replacement: string;
  description: string;
}

const COMPARISONS: Record<string, Partial<Record<Operator, string>>> = {
  "<": { "cmp-boundary": "<=", "cmp-negate": ">=", "cmp-swap": ">" },
  "<=": { "cmp-boundary": "<", "cmp-negate": ">", "cmp-swap": ">=" },
  ">": { "cmp-boundary": ">=", "cmp-negate": "<=", "cmp-swap": "<" },
  ">=": { "cmp-boundary": ">", "cmp-negate": "<", "cmp-swap": "<=" },
  "==": { "cmp-negate": "!=" },
  "!=": { "cmp-negate": "==" },
};

/**
 * For a bound B on the right of `a op B`, the off-by-one that cmp-boundary does not already make:
 * `a < B` → `a <= B` is `a < B + 1`, so the new one is `a < B - 1`; and so on. On the left
 * (`B op a`) the directions are reversed.
 */
const BOUND_STEP_RIGHT: Record<string, "+" | "-"> = { "<": "-", "<=": "+", ">": "+", ">=": "-" };
const BOUND_STEP_LEFT: Record<string, "+" | "-"> = { "<": "+", "<=": "-", ">": "-", ">=": "+" };

const UNITS = new Set(["wei", "gwei", "ether", "seconds", "minutes", "hours", "days", "weeks", "years"]);
/** Identifiers after which `-`/`+` is unary (or not an arithmetic operator at all). */
const NOT_OPERANDS = new Set(["return", "else", "delete", "new", "emit", "revert", "if", "while", "for", "do"]);
const FUNCTION_KEYWORDS = new Set([
  "external",
  "public",
  "internal",
  "private",
  "view",
  "pure",
  "payable",
  "virtual",
  "override",
  "returns",
]);
const GUARD_CALL = /^_?check[A-Z0-9_]/;
const CONSTANT_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** Every mutant of `source`, numbered in source order; see GenerateOptions. */
export function generateMutants(source: string, options: GenerateOptions): Mutant[] {
  const tokens = tokenize(source);
  const known = options.knownFunctions ?? declaredFunctions(tokens);
  const candidates: Candidate[] = [];
  const add = (operator: Operator, start: number, end: number, replacement: string, description: string) =>
    candidates.push({ operator, start, end, replacement, description });

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (!t.mutable) continue;
    const prev = tokens[k - 1];
    const next = tokens[k + 1];

    if (t.kind === "punct") {
      const cmp = COMPARISONS[t.text];
      if (cmp) {
        for (const op of ["cmp-boundary", "cmp-negate", "cmp-swap"] as const) {
          const to = cmp[op];
          if (to) add(op, t.start, t.end, to, `${t.text} → ${to}`);
        }
        if (BOUND_STEP_RIGHT[t.text]) boundsAround(tokens, k, source, add);
      } else if ((t.text === "+" || t.text === "-") && isOperandEnd(prev)) {
        const to = t.text === "+" ? "-" : "+";
        add("arith", t.start, t.end, to, `${t.text} → ${to}`);
      } else if (t.text === "+=" || t.text === "-=") {
        const to = t.text === "+=" ? "-=" : "+=";
        add("arith", t.start, t.end, to, `${t.text} → ${to}`);
      } else if (t.text === "&&" || t.text === "||") {
        const to = t.text === "&&" ? "||" : "&&";
        add("logic", t.start, t.end, to, `${t.text} → ${to}`);
      }
      continue;
    }
    if (t.kind !== "ident") continue;
    const isCall = next?.text === "(" && prev?.text !== "function";

    const rounding = /^(\w+?)(Up|Down)$/.exec(t.text);
    if (rounding && isCall) {
      const to = rounding[1] + (rounding[2] === "Up" ? "Down" : "Up");
      if (known.has(to)) add("rounding", t.start, t.end, to, `${t.text} → ${to}`);
    }
    if ((t.text === "min" || t.text === "max") && isCall) {
      const to = t.text === "min" ? "max" : "min";
      add("min-max", t.start, t.end, to, `${t.text} → ${to}`);
    }
    if (isCall && GUARD_CALL.test(t.text)) guardArgumentBounds(tokens, k + 1, source, add);

    if (t.text === "revert") deleteRevert(tokens, k, source, add);
    else if (atStatementStart(prev) && (t.text === "require" || t.text === "emit" || GUARD_CALL.test(t.text))) {
      const end = statementEnd(tokens, k);
      if (end > 0) {
        const operator = t.text === "emit" ? "delete-emit" : "delete-revert";
        deleteStatement(operator, tokens, k, end, source, add);
      }
    } else if (
      t.kind === "ident" &&
      atStatementStart(prev) &&
      next?.text === "." &&
      tokens[k + 2]?.kind === "ident" &&
      GUARD_CALL.test(tokens[k + 2].text) &&
      tokens[k + 3]?.text === "("
    ) {
      // `Library.checkSomething(…);` as a statement.
      const end = statementEnd(tokens, k);
      if (end > 0) deleteStatement("delete-revert", tokens, k, end, source, add);
    }
    if (t.text === "function") deleteModifiers(tokens, k, source, add);
  }

  return numberMutants(source, candidates, options);
}

/** Names declared with `function <name>` in the token stream. */
export function declaredFunctions(tokens: Token[]): Set<string> {
  const names = new Set<string>();
  for (let k = 0; k + 1 < tokens.length; k++) {
    if (tokens[k].text === "function" && tokens[k + 1].kind === "ident") names.add(tokens[k + 1].text);
  }
  return names;
}

/** `replacement` followed by as many newlines as `source[start, end)` had, so later lines keep their numbers. */
function keepingLines(source: string, start: number, end: number, replacement: string): string {
  return replacement + "\n".repeat(source.slice(start, end).split("\n").length - 1);
}

function numberMutants(source: string, candidates: Candidate[], options: GenerateOptions): Mutant[] {
  const order = (op: Operator) => OPERATORS.indexOf(op);
  const sorted = candidates
    .map((c, seq) => ({ c, seq }))
    .sort((a, b) => a.c.start - b.c.start || order(a.c.operator) - order(b.c.operator) || a.seq - b.seq)
    .map(({ c }) => c);
  const seen = new Set<string>();
  const unique = sorted.filter((c) => {
    const key = `${c.start}:${c.end}:${c.replacement}`;
    if (seen.has(key) || source.slice(c.start, c.end) === c.replacement) return false;
    seen.add(key);
    return true;
  });
  const width = Math.max(3, String(unique.length).length);
  const keep = new Set(options.operators ?? OPERATORS);
  const mutants: Mutant[] = [];
  unique.forEach((c, i) => {
    if (!keep.has(c.operator)) return;
    const { originalLine, mutatedLine, line } = touchedLines(source, c);
    mutants.push({
      id: `${options.contract}#${String(i + 1).padStart(width, "0")}`,
      index: i + 1,
      contract: options.contract,
      operator: c.operator,
      line,
      start: c.start,
      end: c.end,
      replacement: c.replacement,
      description: c.description,
      originalLine,
      mutatedLine,
    });
  });
  return mutants;
}

/** The source with `mutant` applied. */
export function applyMutant(source: string, mutant: Pick<Mutant, "start" | "end" | "replacement">): string {
  return source.slice(0, mutant.start) + mutant.replacement + source.slice(mutant.end);
}

function touchedLines(source: string, c: Candidate): { line: number; originalLine: string; mutatedLine: string } {
  const from = source.lastIndexOf("\n", c.start - 1) + 1;
  const newline = source.indexOf("\n", c.end);
  const to = newline < 0 ? source.length : newline;
  const collapse = (s: string) => s.replace(/\s+/g, " ").trim();
  const original = source.slice(from, to);
  const mutated = source.slice(from, c.start) + c.replacement + source.slice(c.end, to);
  const line = source.slice(0, c.start).split("\n").length;
  return { line, originalLine: collapse(original), mutatedLine: collapse(mutated) };
}

function shorten(text: string, max = 60): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Whether a `+`/`-` after `prev` is binary (prev ends an operand). */
function isOperandEnd(prev: Token | undefined): boolean {
  if (!prev) return false;
  if (prev.kind === "number" || prev.kind === "string") return true;
  if (prev.kind === "ident") return !NOT_OPERANDS.has(prev.text);
  return prev.text === ")" || prev.text === "]";
}

function atStatementStart(prev: Token | undefined): boolean {
  return prev !== undefined && (prev.text === "{" || prev.text === "}" || prev.text === ";" || prev.text === "else");
}

/** Replacement for a deleted statement: nothing, or `{}` where a statement is required (`else …`). */
function emptyStatement(prev: Token | undefined): string {
  return prev && (prev.text === "{" || prev.text === "}" || prev.text === ";") ? "" : "{}";
}

type Add = (operator: Operator, start: number, end: number, replacement: string, description: string) => void;

function deleteStatement(operator: Operator, tokens: Token[], first: number, last: number, source: string, add: Add) {
  const start = tokens[first].start;
  const end = tokens[last].end;
  const replacement = keepingLines(source, start, end, emptyStatement(tokens[first - 1]));
  add(operator, start, end, replacement, `delete ${shorten(source.slice(start, end))}`);
}

/** `if (c) revert …` → `if (false) revert …`; a `revert …;` statement of its own is deleted. */
function deleteRevert(tokens: Token[], k: number, source: string, add: Add) {
  const prev = tokens[k - 1];
  if (prev?.text === ")") {
    const open = matchingOpen(tokens, k - 1);
    if (open > 0 && tokens[open - 1].text === "if") {
      const condition = source.slice(tokens[open + 1].start, tokens[k - 2].end);
      const [start, end] = [tokens[open - 1].start, tokens[k - 1].end];
      const replacement = keepingLines(source, start, end, "if (false)");
      add("delete-revert", start, end, replacement, `if (${shorten(condition, 40)}) → if (false)`);
    }
    return;
  }
  if (!atStatementStart(prev)) return;
  const end = statementEnd(tokens, k);
  if (end > 0) deleteStatement("delete-revert", tokens, k, end, source, add);
}

/** The span of a literal or constant bound ending at token `last` (inclusive), or null. */
function boundEndingAt(tokens: Token[], last: number): [number, number] | null {
  let k = last;
  let t = tokens[k];
  if (!t?.mutable) return null;
  if (t.kind === "ident" && UNITS.has(t.text) && tokens[k - 1]?.kind === "number") return [k - 1, k];
  if (t.kind === "number") return tokens[k - 1]?.text === "." ? null : [k, k];
  if (t.kind === "ident" && (t.text === "max" || t.text === "min") && tokens[k - 1]?.text === ".") {
    const close = k - 2;
    if (tokens[close]?.text !== ")") return null;
    const open = matchingOpen(tokens, close);
    return open > 0 && tokens[open - 1].text === "type" ? [open - 1, k] : null;
  }
  if (t.kind !== "ident" || !CONSTANT_NAME.test(t.text)) return null;
  while (tokens[k - 1]?.text === "." && tokens[k - 2]?.kind === "ident") k -= 2;
  t = tokens[k - 1];
  return t?.text === "." ? null : [k, last];
}

/** The span of a literal or constant bound starting at token `first`, or null. */
function boundStartingAt(tokens: Token[], first: number): [number, number] | null {
  const t = tokens[first];
  if (!t?.mutable) return null;
  let last = -1;
  if (t.kind === "number") last = UNITS.has(tokens[first + 1]?.text ?? "") ? first + 1 : first;
  else if (t.kind === "ident" && t.text === "type" && tokens[first + 1]?.text === "(") {
    const close = matchingClose(tokens, first + 1);
    const member = tokens[close + 2]?.text;
    if (close > 0 && tokens[close + 1]?.text === "." && (member === "max" || member === "min")) last = close + 2;
  } else if (t.kind === "ident") {
    let k = first;
    while (tokens[k + 1]?.text === "." && tokens[k + 2]?.kind === "ident") k += 2;
    if (CONSTANT_NAME.test(tokens[k].text)) last = k;
  }
  if (last < 0) return null;
  const after = tokens[last + 1]?.text;
  // A call or index (`LIMIT(…)`, `LIMITS[i]`) is not a bound.
  return after === "(" || after === "[" || after === "." ? null : [first, last];
}

function addBound(tokens: Token[], span: [number, number], step: "+" | "-", source: string, add: Add) {
  const [first, last] = span;
  const text = source.slice(tokens[first].start, tokens[last].end);
  const zero = tokens[first].kind === "number" && /^0+$/.test(tokens[first].text.replace(/_/g, ""));
  const isMin = text.endsWith(".min");
  const isMax = text.endsWith(".max");
  // `0 - 1`, `type(T).min - 1` and `type(T).max + 1` do not compile or always overflow.
  if (step === "-" && (zero || isMin)) return;
  if (step === "+" && isMax) return;
  // `ConstantsLib.MAX_FEE` is shown as `MAX_FEE` (the mutated line shows it whole).
  const chain = tokens[first].kind === "ident" && !isMin && !isMax;
  const name = shorten(chain ? text.slice(text.lastIndexOf(".") + 1) : text, 30);
  add("bound", tokens[first].start, tokens[last].end, `(${text} ${step} 1)`, `${name} → ${name} ${step} 1`);
}

/** Off-by-one mutants of the literal or constant operands of the comparison at `k`. */
function boundsAround(tokens: Token[], k: number, source: string, add: Add) {
  const op = tokens[k].text;
  const right = boundStartingAt(tokens, k + 1);
  if (right) addBound(tokens, right, BOUND_STEP_RIGHT[op], source, add);
  const left = boundEndingAt(tokens, k - 1);
  if (left) addBound(tokens, left, BOUND_STEP_LEFT[op], source, add);
}

/** Both off-by-one mutants of each literal or constant argument of a `check…(…)` call. */
function guardArgumentBounds(tokens: Token[], open: number, source: string, add: Add) {
  const close = matchingClose(tokens, open);
  if (close < 0) return;
  let argStart = open + 1;
  let depth = 0;
  for (let k = open + 1; k <= close; k++) {
    const text = tokens[k].text;
    if (text === "(" || text === "[" || text === "{") depth++;
    else if ((text === ")" || text === "]" || text === "}") && k !== close) depth--;
    if ((text === "," && depth === 0) || k === close) {
      const span = boundStartingAt(tokens, argStart);
      if (span && span[1] === k - 1) {
        addBound(tokens, span, "+", source, add);
        addBound(tokens, span, "-", source, add);
      }
      argStart = k + 1;
    }
  }
}

/** Drops each modifier (`onlyRole(ROLE)`, `nonReentrant`) of the function declared at `k`. */
function deleteModifiers(tokens: Token[], k: number, source: string, add: Add) {
  // Named functions only: a function type (`function (uint256) external f`) has no modifiers.
  let j = k + 1;
  if (tokens[j]?.kind !== "ident") return;
  j++;
  if (tokens[j]?.text !== "(") return;
  j = matchingClose(tokens, j) + 1;
  while (j > 0 && j < tokens.length && tokens[j].text !== "{" && tokens[j].text !== ";") {
    const t = tokens[j];
    if (t.kind === "ident" && FUNCTION_KEYWORDS.has(t.text)) {
      j = tokens[j + 1]?.text === "(" ? matchingClose(tokens, j + 1) + 1 : j + 1;
      continue;
    }
    if (t.kind === "ident" && t.mutable) {
      const last = tokens[j + 1]?.text === "(" ? matchingClose(tokens, j + 1) : j;
      if (last < 0) return;
      const [start, end] = [t.start, tokens[last].end];
      const replacement = keepingLines(source, start, end, "");
      add("delete-modifier", start, end, replacement, `delete modifier ${shorten(source.slice(start, end))}`);
      j = last + 1;
      continue;
    }
    j++;
  }
}

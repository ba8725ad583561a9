/**
 * A small Solidity lexer for the mutation tool: enough to find operators, identifiers and
 * statements without ever touching comments, strings, `pragma` and `import` directives or inline
 * assembly. It is not a parser; the operators in `operators.ts` work on the token stream and the
 * compiler rejects the rare mutant that turns out not to be valid Solidity (reported as invalid).
 */

export type TokenKind = "ident" | "number" | "string" | "punct";

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just past the last character. */
  end: number;
  /** 1-based line of the first character. */
  line: number;
  /** False inside `pragma` / `import` directives and `assembly` blocks: never mutated. */
  mutable: boolean;
}

/** Multi-character punctuators, longest first so that the scanner takes the longest match. */
const PUNCTUATORS = [
  ">>>=",
  "<<=",
  ">>=",
  ">>>",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "<<",
  ">>",
  "&&",
  "||",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "|=",
  "&=",
  "^=",
  "**",
  "->",
  ":=",
];

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const NUMBER = /^(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE]-?\d[\d_]*)?)/;

export class LexError extends Error {}

/** Splits `source` into tokens (comments and whitespace dropped) and marks the immutable ones. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const n = source.length;
  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (source.charCodeAt(k) === 10) line++;
  };
  while (i < n) {
    const c = source[i];
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "/") {
      while (i < n && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) throw new LexError(`unterminated comment at line ${line}`);
      advanceLines(i, close + 2);
      i = close + 2;
      continue;
    }
    const start = i;
    const startLine = line;
    if (c === '"' || c === "'") {
      i++;
      while (i < n && source[i] !== c) {
        if (source[i] === "\\") i++;
        else if (source[i] === "\n") throw new LexError(`unterminated string at line ${line}`);
        i++;
      }
      if (i >= n) throw new LexError(`unterminated string at line ${startLine}`);
      i++;
      tokens.push({ kind: "string", text: source.slice(start, i), start, end: i, line: startLine, mutable: true });
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < n && IDENT_PART.test(source[i])) i++;
      tokens.push({ kind: "ident", text: source.slice(start, i), start, end: i, line: startLine, mutable: true });
      continue;
    }
    const number = /[0-9.]/.test(c) ? NUMBER.exec(source.slice(i, i + 100)) : null;
    if (number && number[0] !== ".") {
      i += number[0].length;
      tokens.push({ kind: "number", text: number[0], start, end: i, line: startLine, mutable: true });
      continue;
    }
    const punct = PUNCTUATORS.find((p) => source.startsWith(p, i)) ?? c;
    i += punct.length;
    tokens.push({ kind: "punct", text: punct, start, end: i, line: startLine, mutable: true });
  }
  markImmutable(tokens);
  return tokens;
}

/** Index of the token closing the bracket opened at `open` (`(`, `[` or `{`), or -1. */
export function matchingClose(tokens: Token[], open: number): number {
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const o = tokens[open].text;
  const c = pairs[o];
  if (!c) return -1;
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (tokens[k].kind !== "punct") continue;
    if (tokens[k].text === o) depth++;
    else if (tokens[k].text === c && --depth === 0) return k;
  }
  return -1;
}

/** Index of the token opening the bracket closed at `close`, or -1. */
export function matchingOpen(tokens: Token[], close: number): number {
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  const c = tokens[close].text;
  const o = pairs[c];
  if (!o) return -1;
  let depth = 0;
  for (let k = close; k >= 0; k--) {
    if (tokens[k].kind !== "punct") continue;
    if (tokens[k].text === c) depth++;
    else if (tokens[k].text === o && --depth === 0) return k;
  }
  return -1;
}

/** Index of the `;` ending the statement that contains `from` at bracket depth 0, or -1. */
export function statementEnd(tokens: Token[], from: number): number {
  let depth = 0;
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== "punct") continue;
    if (t.text === "(" || t.text === "[" || t.text === "{") depth++;
    else if (t.text === ")" || t.text === "]" || t.text === "}") {
      if (--depth < 0) return -1;
    } else if (t.text === ";" && depth === 0) return k;
  }
  return -1;
}

/** `pragma …;`, `import …;` and `assembly ["evmasm"] [(flags)] { … }` are never mutated. */
function markImmutable(tokens: Token[]): void {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== "ident") continue;
    let last = -1;
    if (t.text === "pragma" || t.text === "import") {
      last = tokens.findIndex((x, j) => j > k && x.kind === "punct" && x.text === ";");
      if (last < 0) last = tokens.length - 1;
    } else if (t.text === "assembly") {
      let j = k + 1;
      if (tokens[j]?.kind === "string") j++;
      if (tokens[j]?.text === "(") j = matchingClose(tokens, j) + 1;
      if (tokens[j]?.text === "{") last = matchingClose(tokens, j);
      if (last < 0) last = tokens.length - 1;
    }
    if (last >= 0) {
      for (let j = k; j <= last; j++) tokens[j].mutable = false;
      k = last;
    }
  }
}

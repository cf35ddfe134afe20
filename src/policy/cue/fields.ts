/**
 * The regular field paths a CUE policy declares, found by a lexer-level scan of its source, so that
 * a policy can be told "the statement has no such field". CUE unifies a policy with the statement,
 * and a field the statement lacks is simply added: `PredicateType: "…"` (capitalised) or a typo'd
 * path constrains nothing and passes, in cosign as in CUE. The scan is deliberately conservative:
 * it reports only fields that every instance of the policy must have. Definitions (`#Foo`), hidden
 * (`_foo`) and optional (`foo?`) fields, pattern constraints (`[string]: …`), dynamic and
 * interpolated labels, comprehension bodies (`if`/`for`) and disjunction branches are skipped; fields
 * reached only through a reference (`predicate: #Pred`) are not seen. CUE itself has already
 * accepted the syntax when this runs, so the scan need not diagnose anything.
 */

type TokenKind = 'ident' | 'string' | 'other' | 'newline' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  /** For a plain string literal: its value (an interpolated one has none). */
  value?: string;
}

const IDENT = /[A-Za-z_$#][A-Za-z0-9_$#]*/y;
const NUMBER = /[0-9][0-9A-Za-z_.]*(?:[eE][+-]?[0-9]+)?/y;

/** A string literal from `start` (any number of leading `#`, then `"`, `'`, `"""` or `'''`). */
function scanString(src: string, start: number): { end: number; value?: string } {
  let i = start;
  let hashes = 0;
  while (src[i] === '#') {
    hashes++;
    i++;
  }
  const q = src[i] as string;
  const multi = src.startsWith(q.repeat(3), i);
  const close = (multi ? q.repeat(3) : q) + '#'.repeat(hashes);
  const escapeSeq = `\\${'#'.repeat(hashes)}`;
  i += multi ? 3 : 1;
  const bodyStart = i;
  let interpolated = false;
  let escaped = false;
  while (i < src.length) {
    if (src.startsWith(escapeSeq, i)) {
      if (src[i + escapeSeq.length] === '(') interpolated = true;
      escaped = true;
      i += escapeSeq.length + 1;
      continue;
    }
    if (src.startsWith(close, i)) {
      const body = src.slice(bodyStart, i);
      const end = i + close.length;
      if (interpolated || multi || q !== '"') return { end };
      if (!escaped) return { end, value: body };
      try {
        return { end, value: JSON.parse(`"${body}"`) as string };
      } catch {
        return { end };
      }
    }
    if (!multi && src[i] === '\n') return { end: i };
    i++;
  }
  return { end: i };
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      out.push({ kind: 'newline', text: '\n' });
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || (c === '#' && /^#+["']/.test(src.slice(i, i + 64)))) {
      const s = scanString(src, i);
      out.push({
        kind: 'string',
        text: src.slice(i, s.end),
        ...(s.value !== undefined ? { value: s.value } : {}),
      });
      i = s.end;
    } else if (/[0-9]/.test(c)) {
      NUMBER.lastIndex = i;
      NUMBER.exec(src);
      out.push({ kind: 'other', text: src.slice(i, NUMBER.lastIndex) });
      i = NUMBER.lastIndex;
    } else {
      IDENT.lastIndex = i;
      if (IDENT.exec(src)) {
        out.push({ kind: 'ident', text: src.slice(i, IDENT.lastIndex) });
        i = IDENT.lastIndex;
      } else {
        out.push({ kind: 'other', text: c });
        i++;
      }
    }
  }
  out.push({ kind: 'eof', text: '' });
  return out;
}

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
/** A token after which a newline ends the declaration (CUE's automatic comma). */
function endsOperand(t: Token | undefined): boolean {
  if (!t) return false;
  return t.kind === 'ident' || t.kind === 'string' || /^[0-9}\])_]/.test(t.text);
}

class Scanner {
  private pos = 0;
  readonly paths: string[][] = [];
  constructor(private readonly toks: Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)] as Token;
  }

  /** Skips a balanced bracket group starting at the current opening token. */
  private skipGroup(): void {
    const stack: string[] = [];
    do {
      const t = this.toks[this.pos++] as Token;
      if (t.kind === 'eof') return;
      if (t.kind === 'other' && OPEN[t.text]) stack.push(OPEN[t.text] as string);
      else if (t.kind === 'other' && t.text === stack[stack.length - 1]) stack.pop();
    } while (stack.length > 0);
  }

  /** The declarations of a struct body, up to its closing `}` (or the end of the file). */
  struct(prefix: string[], keep: boolean): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (t.kind === 'other' && t.text === '}') {
        this.pos++;
        return;
      }
      if (t.kind === 'newline' || (t.kind === 'other' && t.text === ',')) {
        this.pos++;
        continue;
      }
      this.declaration(prefix, keep);
    }
  }

  /** One declaration: `label: label: … value`, or something that declares no regular field. */
  private declaration(prefix: string[], keep: boolean): void {
    const t = this.peek();
    if (t.kind === 'ident' && ['package', 'import', 'let', 'if', 'for'].includes(t.text)) {
      // None of these declares a field every instance has; a comprehension's body is conditional.
      this.walkDeclaration();
      return;
    }
    const labels: string[] = [];
    let regular = keep;
    for (;;) {
      const label = this.label();
      if (label === undefined) break;
      if (label === null) regular = false;
      else labels.push(label);
      if (!(this.peek().kind === 'other' && this.peek().text === ':')) break;
      this.pos++;
      if (!regular) {
        this.walkDeclaration();
        this.record(prefix, labels, keep);
        return;
      }
    }
    if (labels.length === 0) {
      // An embedding (`close({…})`, `#Base`) or a bare expression: skipped.
      this.walkDeclaration();
      return;
    }
    this.value([...prefix, ...labels], regular);
  }

  /** Records the path up to the first label the scan could not name (a pattern, say). */
  private record(prefix: string[], labels: string[], keep: boolean): void {
    if (keep && labels.length > 0) this.paths.push([...prefix, ...labels]);
  }

  /**
   * A label: its name for a regular field, null for a field that is not regular (definition,
   * hidden, optional, pattern, dynamic), undefined when no label is here (an embedding).
   */
  private label(): string | null | undefined {
    let t = this.peek();
    // An alias (`X=foo:`) names the field for references; the field is `foo`.
    if (t.kind === 'ident' && this.peek(1).text === '=' && this.peek(2).text !== '~') {
      this.pos += 2;
      t = this.peek();
    }
    const next = this.peek(1);
    const suffix = next.kind === 'other' && (next.text === '?' || next.text === '!') ? next.text : '';
    const colonAt = suffix ? 2 : 1;
    const isLabel = (this.peek(colonAt).kind === 'other' && this.peek(colonAt).text === ':') || false;
    if (t.kind === 'other' && (t.text === '[' || t.text === '(')) {
      const save = this.pos;
      this.skipGroup();
      if (this.peek().kind === 'other' && this.peek().text === '?') this.pos++;
      if (this.peek().kind === 'other' && this.peek().text === ':') return null;
      this.pos = save;
      return undefined;
    }
    if (!isLabel || (t.kind !== 'ident' && t.kind !== 'string')) return undefined;
    this.pos += colonAt; // the ':' is the caller's
    if (suffix === '?') return null;
    if (t.kind === 'string') return t.value ?? null;
    if (t.text.startsWith('#') || t.text.startsWith('_')) return null;
    return t.text;
  }

  /**
   * A field's value. Struct literals joined by `&` are fields of it; when the value has a `|` (or is
   * an argument to something other than close()), its struct literals are not guaranteed, so their
   * fields are scanned but not kept.
   */
  private value(path: string[], keep: boolean): void {
    const start = this.pos;
    const hasDisjunction = this.walkDeclaration();
    this.pos = start;
    const keepInner = keep && !hasDisjunction;
    const before = this.paths.length;
    let sawStruct = false;
    let prev: Token | undefined;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'newline' && endsOperand(prev)) break;
      if (t.kind === 'other' && (t.text === ',' || t.text === '}')) break;
      if (t.kind === 'other' && t.text === '{') {
        this.pos++;
        sawStruct = true;
        this.struct(path, keepInner);
        prev = { kind: 'other', text: '}' };
        continue;
      }
      if (
        t.kind === 'ident' &&
        t.text === 'close' &&
        this.peek(1).text === '(' &&
        this.peek(2).text === '{'
      ) {
        this.pos += 3;
        sawStruct = true;
        this.struct(path, keepInner);
        if (this.peek().text === ')') this.pos++;
        prev = { kind: 'other', text: ')' };
        continue;
      }
      if (t.kind === 'other' && (t.text === '[' || t.text === '(')) {
        this.skipGroup();
        prev = { kind: 'other', text: t.text === '[' ? ']' : ')' };
        continue;
      }
      if (t.kind !== 'newline') prev = t;
      this.pos++;
    }
    // A struct value records its own fields; a leaf (or a struct with no regular fields) is a path.
    if (keep && (!sawStruct || this.paths.length === before)) this.paths.push(path);
  }

  /**
   * Walks to the end of the current declaration, over any bracketed groups, and says whether a `|`
   * disjunction stood at its own level (`||` is a boolean operator, not a disjunction).
   */
  private walkDeclaration(): boolean {
    let prev: Token | undefined;
    let disjunction = false;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return disjunction;
      if (t.kind === 'newline' && endsOperand(prev)) return disjunction;
      if (t.kind === 'other' && (t.text === ',' || t.text === '}')) return disjunction;
      if (t.kind === 'other' && t.text === '|') {
        if (this.peek(1).text === '|') {
          this.pos += 2;
          prev = t;
          continue;
        }
        disjunction = true;
      }
      if (t.kind === 'other' && OPEN[t.text]) {
        this.skipGroup();
        prev = { kind: 'other', text: OPEN[t.text] as string };
        continue;
      }
      if (t.kind !== 'newline') prev = t;
      this.pos++;
    }
  }
}

/**
 * The regular field paths `source` declares, in source order: leaves, and structs with no regular
 * field of their own. A path that is a prefix of another is dropped (the longer one says more).
 */
export function policyFieldPaths(source: string): string[][] {
  const s = new Scanner(tokenize(source));
  s.struct([], true);
  const keys = s.paths.map((p) => JSON.stringify(p));
  return s.paths.filter((_p, i) => {
    const k = keys[i] as string;
    const prefix = `${k.slice(0, -1)},`;
    return keys.indexOf(k) === i && !keys.some((other) => other.startsWith(prefix));
  });
}

/**
 * For each path, its shortest prefix that `statement` does not have (a key missing, or a value that
 * is not an object where the path goes on), deduplicated, as dotted names for messages.
 */
export function missingFields(paths: string[][], statement: unknown): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    let node: unknown = statement;
    for (let i = 0; i < path.length; i++) {
      const key = path[i] as string;
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) {
        out.add(dotted(path.slice(0, i + 1)));
        break;
      }
      node = (node as Record<string, unknown>)[key];
    }
  }
  return [...out];
}

/** A path as CUE prints it: identifiers bare, anything else quoted. */
export function dotted(path: string[]): string {
  return path.map((s) => (/^[A-Za-z$][A-Za-z0-9_$]*$/.test(s) ? s : JSON.stringify(s))).join('.');
}

/**
 * The exact bytes of one top-level member's value in a JSON document, so that `extract --predicate-only`
 * hands out a slice of the verified payload rather than a re-serialisation of it.
 */
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && WS.has(b[i]!)) i++;
  return i;
}

/** A Buffer over the same memory, for its native (memchr) indexOf. */
function view(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * End (exclusive) of the JSON string starting at b[i] === '"'. Short strings are walked byte by byte;
 * a long one (a base64 payload) is finished with native searches for the closing quote.
 */
function skipString(b: Buffer, i: number): number {
  let j = i + 1;
  const walk = Math.min(b.length, j + 64);
  for (; j < walk; j++) {
    const c = b[j];
    if (c === 0x22) return j + 1;
    if (c === 0x5c) j++;
  }
  // Position j now starts a character (not the tail of an escape).
  let from = j;
  for (;;) {
    const q = b.indexOf(0x22, from);
    if (q < 0) throw new Error('unterminated string');
    let backslashes = 0;
    for (let k = q - 1; k >= j && b[k] === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** End (exclusive) of the JSON value starting at b[i]. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < b.length) {
      const d = b[i]!;
      if (d === 0x22) {
        i = skipString(b, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new Error('unterminated container');
  }
  // number, true, false, null
  while (i < b.length && !WS.has(b[i]!) && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++;
  return i;
}

/**
 * [start, end) of the value of every top-level member of a JSON object, in one pass. The document
 * must already have parsed as JSON. A key present twice is an error: parsers disagree on which wins.
 */
export function topLevelMembers(doc: Uint8Array): Map<string, [number, number]> {
  const b = view(doc);
  const found = new Map<string, [number, number]>();
  let i = skipWs(b, 0);
  if (b[i] !== 0x7b) throw new Error('not a JSON object');
  i = skipWs(b, i + 1);
  while (i < b.length && b[i] !== 0x7d) {
    const keyEnd = skipString(b, i);
    const k = JSON.parse(b.toString('utf8', i, keyEnd)) as string;
    i = skipWs(b, keyEnd);
    if (b[i] !== 0x3a) throw new Error('expected ":"');
    i = skipWs(b, i + 1);
    const end = skipValue(b, i);
    if (found.has(k)) throw new Error(`"${k}" appears twice in the document`);
    found.set(k, [i, end]);
    i = skipWs(b, end);
    if (b[i] === 0x2c) i = skipWs(b, i + 1);
  }
  return found;
}

/**
 * Whether at most `limit` arrays and objects are open at once anywhere in `doc`, counted in one pass
 * without building anything (brackets inside strings do not count). JSON.parse accepts any depth, but
 * JSON.stringify, zod and every recursive walker after it overflow the stack. Malformed input is not
 * judged here: an unterminated string ends the count.
 */
export function nestingWithin(doc: Uint8Array, limit: number): boolean {
  const b = view(doc);
  let depth = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22) {
      try {
        i = skipString(b, i) - 1;
      } catch {
        return true;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return false;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return true;
}

/** [start, end) of the value of top-level key `key` in a JSON object (see topLevelMembers). */
export function topLevelValueSpan(doc: Uint8Array, key: string): [number, number] | undefined {
  return topLevelMembers(doc).get(key);
}

/** The value of a top-level member, parsed (for the small members of a large document). */
export function parseMember(doc: Uint8Array, span: [number, number] | undefined): unknown {
  return span ? JSON.parse(view(doc).toString('utf8', span[0], span[1])) : undefined;
}

/**
 * Whether `doc` is one well-formed JSON value (RFC 8259), checked without building it: for payloads too
 * large to parse into objects (a 100 MB SBOM would take several times that in memory). One state
 * machine over the bytes, over 80 lines on purpose: splitting it would cost a call per byte.
 */
export function isWellFormedJson(doc: Uint8Array): boolean {
  let i = 0;
  const n = doc.length;
  const ws = () => {
    while (i < n && WS.has(doc[i]!)) i++;
  };
  const str = (): boolean => {
    i++;
    while (i < n) {
      const c = doc[i]!;
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = doc[i + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++)
            if (!/[0-9a-fA-F]/.test(String.fromCharCode(doc[i + k] ?? 0))) return false;
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(String.fromCharCode(e))) return false;
        i += 2;
        continue;
      }
      i++;
    }
    return false;
  };
  const digits = (): boolean => {
    const s = i;
    while (i < n && doc[i]! >= 0x30 && doc[i]! <= 0x39) i++;
    return i > s;
  };
  const num = (): boolean => {
    if (doc[i] === 0x2d) i++;
    if (doc[i] === 0x30) i++;
    else if (!digits()) return false;
    if (doc[i] === 0x2e) {
      i++;
      if (!digits()) return false;
    }
    if (doc[i] === 0x65 || doc[i] === 0x45) {
      i++;
      if (doc[i] === 0x2b || doc[i] === 0x2d) i++;
      if (!digits()) return false;
    }
    return true;
  };
  const lit = (w: string): boolean => {
    for (let k = 0; k < w.length; k++) if (doc[i + k] !== w.charCodeAt(k)) return false;
    i += w.length;
    return true;
  };
  // An explicit stack instead of recursion: deep nesting must not overflow ours.
  const stack: number[] = [];
  const value = (): boolean => {
    const c = doc[i];
    if (c === 0x22) return str();
    if (c === 0x74) return lit('true');
    if (c === 0x66) return lit('false');
    if (c === 0x6e) return lit('null');
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return num();
    return false;
  };
  ws();
  for (;;) {
    const c = doc[i];
    if (c === 0x7b || c === 0x5b) {
      stack.push(c);
      i++;
      ws();
      if (doc[i] === (c === 0x7b ? 0x7d : 0x5d)) {
        stack.pop();
        i++;
      } else {
        if (c === 0x7b) {
          if (doc[i] !== 0x22 || !str()) return false;
          ws();
          if (doc[i] !== 0x3a) return false;
          i++;
          ws();
        }
        continue;
      }
    } else if (!value()) return false;
    // After a value: close containers or continue with the next member.
    for (;;) {
      ws();
      const top = stack.at(-1);
      if (top === undefined) return i === n;
      const close = top === 0x7b ? 0x7d : 0x5d;
      if (doc[i] === close) {
        stack.pop();
        i++;
        continue;
      }
      if (doc[i] !== 0x2c) return false;
      i++;
      ws();
      if (top === 0x7b) {
        if (doc[i] !== 0x22 || !str()) return false;
        ws();
        if (doc[i] !== 0x3a) return false;
        i++;
        ws();
      }
      break;
    }
  }
}

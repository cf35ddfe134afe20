/**
 * The exact bytes of one top-level member's value in a JSON document, so that `extract --predicate-only`
 * hands out a slice of the verified payload rather than a re-serialisation of it.
 */
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && WS.has(b[i]!)) i++;
  return i;
}

/** End (exclusive) of the JSON string starting at b[i] === '"'. */
function skipString(b: Uint8Array, i: number): number {
  i++;
  while (i < b.length) {
    const c = b[i]!;
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  throw new Error('unterminated string');
}

/** End (exclusive) of the JSON value starting at b[i]. */
function skipValue(b: Uint8Array, i: number): number {
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
 * [start, end) of the value of top-level key `key` in a JSON object. The document must already have
 * parsed as JSON. A key present twice is an error: parsers disagree on which one wins.
 */
export function topLevelValueSpan(doc: Uint8Array, key: string): [number, number] | undefined {
  const want = JSON.stringify(key);
  let i = skipWs(doc, 0);
  if (doc[i] !== 0x7b) throw new Error('not a JSON object');
  i = skipWs(doc, i + 1);
  let found: [number, number] | undefined;
  while (i < doc.length && doc[i] !== 0x7d) {
    const keyEnd = skipString(doc, i);
    const k = JSON.parse(Buffer.from(doc.subarray(i, keyEnd)).toString('utf8')) as string;
    i = skipWs(doc, keyEnd);
    if (doc[i] !== 0x3a) throw new Error('expected ":"');
    i = skipWs(doc, i + 1);
    const end = skipValue(doc, i);
    if (k === key || JSON.stringify(k) === want) {
      if (found) throw new Error(`"${key}" appears twice in the statement`);
      found = [i, end];
    }
    i = skipWs(doc, end);
    if (doc[i] === 0x2c) i = skipWs(doc, i + 1);
  }
  return found;
}

/**
 * JSON as Go's encoding/json.Marshal writes it, so that output meant to equal cosign's is equal byte for
 * byte: no spaces, map keys sorted (by their UTF-8 bytes), struct fields in declaration order, and
 * Go's escapes (`<`, `>`, `&`, U+2028 and U+2029 as \u escapes; \b \f \n \r \t; other controls \u00XX;
 * ill-formed UTF-16 as U+FFFD, as Go's decoder would have made it).
 */

/** A Go struct: its fields are written in this order, not sorted as a map's keys are. */
export class GoStruct {
  constructor(readonly fields: ReadonlyArray<readonly [string, unknown]>) {}
}

export function goStruct(fields: ReadonlyArray<readonly [string, unknown]>): GoStruct {
  return new GoStruct(fields);
}

const HEX = '0123456789abcdef';

export function goJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      if (c === 0x22) esc = '\\"';
      else if (c === 0x5c) esc = '\\\\';
      else if (c === 0x08) esc = '\\b';
      else if (c === 0x0c) esc = '\\f';
      else if (c === 0x0a) esc = '\\n';
      else if (c === 0x0d) esc = '\\r';
      else if (c === 0x09) esc = '\\t';
      else esc = `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
    } else if (c === 0x2028 || c === 0x2029) {
      esc = `\\u${c.toString(16)}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = '\ufffd';
    }
    if (esc === undefined) continue;
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return `${out}${s.slice(start)}"`;
}

/** A float64 as Go formats it: JavaScript's shortest form, except that -0 keeps its sign. */
function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`);
  return Object.is(n, -0) ? '-0' : String(n);
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** encoding/json.Marshal of a value decoded into Go's interface{} (maps, slices, strings, float64, bool, nil). */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof GoStruct)
    return `{${value.fields.map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(byUtf8);
    const o = value as Record<string, unknown>;
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson(o[k])}`).join(',')}}`;
  }
  throw new Error(`json: unsupported type: ${typeof value}`);
}

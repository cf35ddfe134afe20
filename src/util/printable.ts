/**
 * Text that came from outside (a registry, a layout, a manifest, a signed payload) is printed only
 * after the characters that act on a terminal or a viewer are replaced: an ANSI sequence in an
 * annotation could redraw the terminal to show a "verified" that never happened, a newline could add
 * a line (a fake "✓ verified", a Markdown heading, a workflow command) of its own, and a bidi
 * override could show a line's words in another order than they are stored.
 *
 * Replaced, each by "?": C0 controls but tab (newline and carriage return included), DEL, C1
 * controls, the Unicode line and paragraph separators, the bidi embeddings, overrides and isolates,
 * and unpaired surrogates (which no UTF-8 or XML output can carry).
 */
const UNPRINTABLE =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One printable line: see above. Every human output format applies it to outside text first. */
export function printable(s: string | undefined): string {
  return (s ?? '').replace(UNPRINTABLE, '?');
}

/**
 * Characters JSON.stringify leaves raw that a terminal or a viewer may still act on: DEL and the C1
 * controls (0x9b is CSI on some terminals), the line separators, and the bidi controls. In JSON text
 * they can only stand inside strings, where a \u escape means the same character.
 */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text whose every outside string keeps its exact value, with no character that acts on a terminal. */
export function jsonText(value: unknown, indent?: number): string {
  return escapeJsonRaw(JSON.stringify(value, null, indent));
}

/** JSON text written elsewhere (cosign's exact bytes), with the characters above as \u escapes. */
export function escapeJsonRaw(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

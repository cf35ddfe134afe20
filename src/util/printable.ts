/**
 * Text that came from a registry (annotations, artifact types, error messages) is printed only after
 * control characters are replaced: an ANSI sequence in an annotation could otherwise redraw the
 * terminal to show a "verified" that never happened.
 */
export function printable(s: string | undefined): string {
  return (s ?? '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

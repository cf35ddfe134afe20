/**
 * Image globs over `registry/repository` (docker.io/library/nginx, ghcr.io/org/app): `*` and `?` stay
 * within one path segment, `**` crosses segments. Compiled to RE2, so matching is linear. The same
 * globs select exceptions' check ids (signatures, vulnerabilities/CVE-2024-1234).
 */
import { compileRegExp, type FullMatch } from '../trust/regexp.js';

export interface ImageGlob {
  source: string;
  /** Literal characters: the more, the more specific (for `matching: mostSpecific`). */
  specificity: number;
  match: FullMatch;
}

export function compileGlob(glob: string): { glob: ImageGlob } | { error: string } {
  let re = '';
  let literal = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else {
      re += /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c;
      literal++;
    }
  }
  const compiled = compileRegExp(re);
  if ('error' in compiled) return { error: `not a valid image glob: ${compiled.error}` };
  return { glob: { source: glob, specificity: literal, match: compiled.regexp } };
}

export function matchesAny(globs: ImageGlob[], name: string): ImageGlob | undefined {
  let best: ImageGlob | undefined;
  for (const g of globs) if (g.match.test(name) && (!best || g.specificity > best.specificity)) best = g;
  return best;
}

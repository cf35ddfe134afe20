/**
 * Image globs over `registry/repository` (docker.io/library/nginx, ghcr.io/org/app): `*` and `?` stay
 * within one path segment, `**` crosses segments. Compiled to RE2, so matching is linear. The same
 * globs select exceptions' check ids (signatures, vulnerabilities/CVE-2024-1234).
 */
import { imageNameOf } from '../reference/name.js';
import { parseRegistryReference } from '../reference/parse.js';
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

/**
 * Why an image pattern can never match, or undefined. Images are matched by their normalised name
 * (lowercase registry, no :443, Docker Hub as docker.io/library/…), so a pattern written another way
 * silently matches nothing, and a stricter rule would then never apply. Such a pattern is a policy
 * error, with the spelling that does match: the registry as the image's own name would carry it.
 */
export function imagePatternProblem(pattern: string): { message: string; hint: string } | undefined {
  const slash = pattern.indexOf('/');
  const host = slash < 0 ? pattern : pattern.slice(0, slash);
  const rest = slash < 0 ? '' : pattern.slice(slash);
  if (/[*?]/.test(host)) return undefined;
  const looksLikeHost = host.includes('.') || host.includes(':') || host.toLowerCase() === 'localhost';
  if (!looksLikeHost) {
    const name = pattern.includes('/') ? `docker.io/${pattern}` : `docker.io/library/${pattern}`;
    return {
      message: `"${pattern}" names no registry, so it matches no image (images are matched as registry/repository)`,
      hint: `write ${name}`,
    };
  }
  let fixed: string;
  try {
    fixed = imageNameOf(parseRegistryReference(`${host}/x`)).registry;
  } catch {
    return {
      message: `"${pattern}" starts with "${host}", which is not a registry host`,
      hint: 'e.g. ghcr.io/org/**',
    };
  }
  if (fixed !== host)
    return {
      message: `"${pattern}" matches no image: registries are matched lower case, without :443, and Docker Hub as docker.io`,
      hint: `write ${fixed}${rest}`,
    };
  return undefined;
}

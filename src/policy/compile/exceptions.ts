/** Exceptions: time-boxed waivers, naming only rules that exist and images by valid globs. */
import { compileGlob, imagePatternProblem } from '../glob.js';
import type { PolicyDocument } from '../schema.js';
import type { Issues } from './issues.js';
import type { CompiledException } from './types.js';

export function compileExceptions(
  policy: PolicyDocument,
  ruleNames: ReadonlySet<string>,
  issues: Issues,
): CompiledException[] {
  return (policy.exceptions ?? []).map((e, ei) => {
    const path = ['exceptions', ei];
    for (const [i, rn] of (e.rules ?? []).entries())
      if (!ruleNames.has(rn)) issues.add([...path, 'rules', i], `no rule named "${rn}"`);
    const images = e.images.flatMap((g, i) => {
      const c = compileGlob(g);
      if ('error' in c) issues.add([...path, 'images', i], c.error);
      const never = imagePatternProblem(g);
      if (never) issues.add([...path, 'images', i], never.message, never.hint);
      return 'glob' in c ? [c.glob] : [];
    });
    const checks = e.checks.flatMap((g) => {
      const c = compileGlob(g);
      return 'glob' in c ? [c.glob] : [];
    });
    return { raw: e, images, checks, expiresAt: new Date(e.expiresAt) };
  });
}

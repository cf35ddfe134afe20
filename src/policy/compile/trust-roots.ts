/** The policy's trust roots by name, with "public-good" always present and reserved for the embedded root. */
import type { PolicyDocument } from '../schema.js';
import type { Issues } from './issues.js';
import type { CompiledPolicy } from './types.js';

/**
 * Paths are resolved against the policy file's folder (`rel`), in copies: the document stays as
 * written, which `policy diff` compares.
 */
export function compileTrustRoots(
  policy: PolicyDocument,
  rel: (path: string) => string,
  issues: Issues,
): CompiledPolicy['trustRoots'] {
  const trustRoots: CompiledPolicy['trustRoots'] = { 'public-good': { embedded: 'public-good' } };
  for (const [n, t] of Object.entries(policy.trustRoots ?? {})) {
    if (n === 'public-good' && !('embedded' in t))
      issues.add(['trustRoots', n], '"public-good" names the embedded root');
    trustRoots[n] =
      'trustedRoot' in t
        ? { trustedRoot: rel(t.trustedRoot) }
        : 'caRoots' in t
          ? {
              caRoots: rel(t.caRoots),
              ...(t.caIntermediates ? { caIntermediates: rel(t.caIntermediates) } : {}),
            }
          : t;
  }
  return trustRoots;
}

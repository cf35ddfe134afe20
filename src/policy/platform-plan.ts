/**
 * Which platform images of an image a policy needs verified: those its matching rules' `platforms:`
 * scopes count (every one for `each` and `any`, the named ones for a list), none when every matching
 * rule checks the index only, so that a policy without scopes costs no extra request.
 */
import { parsePlatform, platformMatches } from '../oci/schema.js';
import { matchingRules } from './evaluate/index.js';
import type { CompiledPolicy } from './load.js';

export function platformsWanted(
  policy: CompiledPolicy,
  name: string,
): ((platform: string) => boolean) | undefined {
  const scopes = matchingRules(policy, name)
    .map((m) => m.rule.platforms)
    .filter((s) => s.kind !== 'index');
  if (scopes.length === 0) return undefined;
  if (scopes.some((s) => s.kind !== 'list')) return () => true;
  const named = scopes.flatMap((s) => (s.kind === 'list' ? s.platforms : []));
  return (platform) => {
    if (platform === 'unknown') return false;
    try {
      const have = parsePlatform(platform);
      return named.some((w) => platformMatches(w, have));
    } catch {
      return false; // an index entry whose platform is not os/arch[/variant] is no named platform
    }
  };
}

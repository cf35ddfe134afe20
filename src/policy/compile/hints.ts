/** Fix suggestions for schema problems: "did you mean" for unknown keys, examples for well-known fields. */
import { policyJsonSchema } from '../json-schema.js';

/** Every key the schema knows, anywhere in a policy: read off the generated JSON Schema, so it cannot drift. */
let knownKeys: string[] | undefined;
function allSchemaKeys(): string[] {
  if (knownKeys) return knownKeys;
  const keys = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node !== null && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object')
        for (const k of Object.keys(o.properties)) keys.add(k);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(policyJsonSchema());
  knownKeys = [...keys].sort();
  return knownKeys;
}

/** "did you mean": the known key at the smallest edit distance, when it is close. */
export function unknownKeyHint(key: string): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of allSchemaKeys()) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best && bestD <= Math.max(2, Math.floor(key.length / 4))
    ? `did you mean "${best}"?`
    : 'remove it; unknown keys are errors';
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

export function schemaHint(path: ReadonlyArray<PropertyKey>): string | undefined {
  const last = String(path.at(-1) ?? '');
  if (last === 'apiVersion') return 'apiVersion: trustgate.dev/v1';
  if (last === 'kind') return 'kind: Policy';
  if (last === 'expiresAt' || last === 'notBefore' || last === 'notAfter')
    return 'an RFC 3339 time, e.g. 2026-12-31T00:00:00Z';
  if (last === 'signatures') return 'one of anyOf: [...], allOf: [...], or threshold: N with of: [...]';
  return undefined;
}

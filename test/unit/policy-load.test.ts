/** Loading policy files: every problem with its line, column and fix; regexps, globs, schema, diff. */
import { describe, expect, test } from 'vitest';
import { diffPolicies, formatChange } from '../../src/policy/diff.js';
import { compileGlob } from '../../src/policy/glob.js';
import { policyJsonSchema } from '../../src/policy/json-schema.js';
import { compilePolicy, type PolicyIssue } from '../../src/policy/load.js';
import { compileRegExp } from '../../src/trust/regexp.js';

const HEAD = 'apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: { name: t }\n';

function issues(text: string): PolicyIssue[] {
  const r = compilePolicy(text, 'p.yaml');
  return 'issues' in r ? r.issues : [];
}
function ok(text: string) {
  const r = compilePolicy(text, 'p.yaml');
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.policy;
}

describe('validation', () => {
  test('a typo’d key is an error at its line and column, with a did-you-mean', () => {
    const [i] = issues(`${HEAD}rules:\n  - name: r\n    images: ["**"]\n    requireDigset: true\n`);
    expect(i).toMatchObject({
      path: 'rules.0.requireDigset',
      line: 7,
      column: 5,
      message: 'unknown key "requireDigset"',
      hint: 'did you mean "requireDigest"?',
    });
  });

  test('wrong apiVersion and a bad time say what to write', () => {
    const found = issues(
      'apiVersion: trustgate.dev/v2\nkind: Policy\nmetadata: { name: t }\nexceptions:\n  - { name: e, images: ["**"], checks: [x], expiresAt: soon, reason: r, ticket: t }\n',
    );
    expect(found.map((i) => i.path)).toEqual(['apiVersion', 'exceptions.0.expiresAt']);
    expect(found[0]).toMatchObject({ line: 1, hint: 'apiVersion: trustgate.dev/v1' });
    expect(found[1]!.hint).toContain('RFC 3339');
  });

  test('semantic problems are all reported: unknown authority, threshold, CEL syntax with its column, bad RE2', () => {
    const text = `${HEAD}authorities:
  k: { keyless: { issuer: x, subject: y } }
rules:
  - name: r
    images: ["**"]
    signatures: { threshold: 3, of: [k, nobody] }
    attestations:
      - name: p
        type: slsaprovenance1
        slsa: { builderIdRegExp: "(open" }
        conditions:
          - { expr: "predicate.a +", message: m }
`;
    const found = issues(text);
    expect(found.map((i) => i.path)).toEqual([
      'rules.0.signatures.of.1',
      'rules.0.signatures.threshold',
      'rules.0.attestations.0.conditions.0.expr',
      'rules.0.attestations.0.slsa.builderIdRegExp',
    ]);
    expect(found[0]!.message).toBe('no authority named "nobody"');
    expect(found[2]).toMatchObject({ line: 15, message: expect.stringContaining('CEL:') });
    expect(found[2]!.column).toBeGreaterThan(20);
    expect(found[3]!.message).toContain('not a valid RE2 regular expression');
  });

  test('an authority needs exactly one of keys or keyless, and keyless exactly one issuer and subject form', () => {
    const found = issues(
      `${HEAD}authorities:\n  both: { keyless: { issuer: a, issuerRegExp: b, subject: c } }\n  none: {}\n`,
    );
    expect(found.map((i) => i.message)).toEqual([
      'give exactly one of `issuer` and `issuerRegExp`',
      'an authority has either `keys` or `keyless`, not both or neither',
    ]);
  });

  test('JSON policies parse with positions too; YAML duplicate keys are errors', () => {
    expect(ok('{"apiVersion":"trustgate.dev/v1","kind":"Policy","metadata":{"name":"j"}}').doc.noMatch).toBe(
      'deny',
    );
    expect(issues(`${HEAD}noMatch: deny\nnoMatch: allow\n`)[0]).toMatchObject({ line: 5 });
  });
});

describe('regular expressions and globs', () => {
  test('policy regexps match the whole value: the unanchored trap does not open', () => {
    const re = compileRegExp('https://github.com/org/repo/.*');
    if ('error' in re) throw new Error(re.error);
    expect(re.regexp.test('https://github.com/org/repo/.github/workflows/r.yml@refs/tags/v1')).toBe(true);
    expect(re.regexp.test('https://evil.example/?https://github.com/org/repo/x')).toBe(false);
    const part = compileRegExp('github.com/org/repo');
    if ('error' in part) throw new Error(part.error);
    expect(part.regexp.test('https://github.com/org/repo')).toBe(false);
  });

  test('catastrophic patterns run in linear time (RE2)', () => {
    const re = compileRegExp('(a+)+$');
    if ('error' in re) throw new Error(re.error);
    const t = performance.now();
    expect(re.regexp.test(`${'a'.repeat(20_000)}!`)).toBe(false);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  test('globs: * stays in a segment, ** crosses; regex characters are literal', () => {
    const g = (p: string) => {
      const c = compileGlob(p);
      if ('error' in c) throw new Error(c.error);
      return c.glob;
    };
    expect(g('ghcr.io/org/*').match.test('ghcr.io/org/app')).toBe(true);
    expect(g('ghcr.io/org/*').match.test('ghcr.io/org/team/app')).toBe(false);
    expect(g('ghcr.io/org/**').match.test('ghcr.io/org/team/app')).toBe(true);
    expect(g('ghcr.io/org/**').match.test('ghcr.io/organisation/app')).toBe(false);
    expect(g('ghcr.io/org/app').match.test('ghcrxio/org/app')).toBe(false);
    expect(g('ghcr.io/org/app').specificity).toBeGreaterThan(g('ghcr.io/**').specificity);
  });
});

test('the JSON Schema is generated from the same schema: strict objects and the required keys', () => {
  const s = policyJsonSchema() as { required: string[]; additionalProperties: boolean; $id: string };
  expect(s.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata']));
  expect(s.additionalProperties).toBe(false);
  expect(s.$id).toContain('trustgate.dev');
});

test('policy diff is semantic: formatting and defaults do not show; changed modes and removed authorities do', () => {
  const a = ok(
    `${HEAD}authorities:\n  k: { keyless: { issuer: x, subject: y } }\nrules:\n  - { name: r, images: ["**"], signatures: { anyOf: [k] } }\n`,
  );
  const same = ok(
    `${HEAD}noMatch: deny\nauthorities:\n  k:\n    keyless: { subject: y, issuer: x }\nrules:\n  - name: r\n    mode: enforce\n    images: ["**"]\n    signatures: { anyOf: [k] }\n`,
  );
  expect(diffPolicies(a.doc, same.doc)).toEqual([]);
  const b = ok(
    `${HEAD}rules:\n  - { name: r, images: ["**"], mode: warn }\n  - { name: s, images: ["r.example/x/**"] }\n`,
  );
  expect(diffPolicies(a.doc, b.doc).map(formatChange)).toEqual([
    '- authorities.k: {"keyless":{"issuer":"x","subject":"y"}}',
    '~ rules[r].mode: "enforce" → "warn"',
    '- rules[r].signatures: {"anyOf":["k"]}',
    '+ rules[s]: {"name":"s","images":["r.example/x/**"],"mode":"enforce"}',
  ]);
});

test('policy diff reports a reordering of rules or exceptions, which changes decisions', () => {
  const a = ok(
    `${HEAD}matching: mostSpecific\nrules:\n  - { name: r1, images: ["r.example/a/*"] }\n  - { name: r2, images: ["r.example/a/*"] }\n`,
  );
  const b = ok(
    `${HEAD}matching: mostSpecific\nrules:\n  - { name: r2, images: ["r.example/a/*"] }\n  - { name: r1, images: ["r.example/a/*"] }\n`,
  );
  expect(diffPolicies(a.doc, b.doc).map(formatChange)).toEqual([
    '~ rules (order): ["r1","r2"] → ["r2","r1"]',
  ]);
});

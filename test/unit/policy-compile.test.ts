/**
 * Compiling a policy text without touching the file system: key files are read only through the
 * caller's reader, resolved against the policy's folder; a reader that fails is one more issue.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compilePolicyDocument } from '../../src/policy/compile/index.js';

const PEM = readFileSync('fixtures/trust/cosign.pub', 'utf8');
const policy = (keys: string) =>
  `apiVersion: trustgate.dev/v1\nkind: Policy\nmetadata: { name: t }\nauthorities:\n  team:\n    keys:\n${keys}rules:\n  - name: r\n    images: ["**"]\n    signatures: { anyOf: [team] }\n`;

describe('compilePolicyDocument', () => {
  test('a key file is read through io.readKeyFile, relative to the policy file, never from disk', () => {
    const asked: string[] = [];
    const r = compilePolicyDocument(policy('      - file: keys/team.pub\n'), '/nowhere/policies/p.yaml', {
      readKeyFile: (p) => {
        asked.push(p);
        return PEM;
      },
    });
    expect(asked).toEqual([resolve('/nowhere/policies/keys/team.pub')]);
    if ('issues' in r) throw new Error(JSON.stringify(r.issues));
    expect(r.policy.authorities.get('team')?.keys).toHaveLength(1);
    expect(r.policy.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('a reader that throws is an issue at the key file, placed at its value', () => {
    const r = compilePolicyDocument(policy('      - file: team.pub\n'), '/p/p.yaml', {
      readKeyFile: () => {
        throw new Error('denied');
      },
    });
    expect('issues' in r && r.issues).toEqual([
      {
        path: 'authorities.team.keys.0.file',
        line: 7,
        column: 15,
        message: `cannot read the key file ${resolve('/p/team.pub')}`,
        hint: 'paths are relative to the policy file',
      },
    ]);
  });

  test('inline keys and keyless authorities never call the reader', () => {
    const inline = `      - pem: |\n${PEM.trim()
      .split('\n')
      .map((l) => `          ${l}`)
      .join('\n')}\n`;
    const r = compilePolicyDocument(policy(inline), 'p.yaml', {
      readKeyFile: () => {
        throw new Error('must not be called');
      },
    });
    expect('policy' in r).toBe(true);
  });

  test('a key the reader returns that is not a public key is an issue, not a throw', () => {
    const r = compilePolicyDocument(policy('      - file: k.pub\n'), 'p.yaml', {
      readKeyFile: () => 'nonsense',
    });
    expect('issues' in r && r.issues.map((i) => [i.path, i.hint])).toEqual([
      ['authorities.team.keys.0', 'a PEM SubjectPublicKeyInfo (cosign.pub)'],
    ]);
  });
});

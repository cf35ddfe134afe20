/**
 * Authorities: who may sign. Key authorities have their PEM keys parsed now (inline, or read through
 * the caller's `readKeyFile`); keyless ones have exactly one exact-or-RE2 matcher for issuer and
 * subject, and only certificate claims Fulcio defines.
 */
import { FULCIO_V2_CLAIMS, GITHUB_V1_CLAIMS } from '../../trust/claims.js';
import { parsePublicKey } from '../../trust/keys.js';
import type { PolicyAuthority, PolicyDocument } from '../schema.js';
import type { DocPath, Issues } from './issues.js';
import type { CompiledAuthority, CompiledKey, CompiledPolicy, CompileIO } from './types.js';

interface AuthorityContext {
  issues: Issues;
  trustRoots: CompiledPolicy['trustRoots'];
  /** A path from the policy, resolved against the policy file's folder. */
  rel: (path: string) => string;
  io: CompileIO;
}

export function compileAuthorities(
  policy: PolicyDocument,
  c: AuthorityContext,
): Map<string, CompiledAuthority> {
  const authorities = new Map<string, CompiledAuthority>();
  for (const [n, a] of Object.entries(policy.authorities)) {
    const compiled = compileAuthority(n, a, c);
    if (compiled) authorities.set(n, compiled);
  }
  return authorities;
}

function compileAuthority(n: string, a: PolicyAuthority, c: AuthorityContext): CompiledAuthority | undefined {
  const path = ['authorities', n];
  if (Boolean(a.keys) === Boolean(a.keyless)) {
    c.issues.add(path, 'an authority has either `keys` or `keyless`, not both or neither');
    return undefined;
  }
  const trustRoot = a.trustRoot ?? 'public-good';
  if (!(trustRoot in c.trustRoots))
    c.issues.add(
      [...path, 'trustRoot'],
      `no trust root named "${trustRoot}"`,
      `define it under trustRoots, or use one of: ${Object.keys(c.trustRoots).join(', ')}`,
    );
  const keys = compileKeys(n, a, c);
  const keyless = a.keyless ? compileKeyless(a.keyless, [...path, 'keyless'], c.issues) : undefined;
  return {
    name: n,
    raw: a,
    keys,
    revoked: new Set(a.revoked ?? []),
    ...(keyless ? { keyless } : {}),
    trustRoot,
    describe: keyless
      ? `${n} (keyless: ${a.keyless?.subject ?? `/${a.keyless?.subjectRegExp}/`} from ${a.keyless?.issuer ?? `/${a.keyless?.issuerRegExp}/`})`
      : `${n} (${keys.length} key(s))`,
  };
}

function compileKeys(n: string, a: PolicyAuthority, c: AuthorityContext): CompiledKey[] {
  const keys: CompiledKey[] = [];
  for (const [i, k] of (a.keys ?? []).entries()) {
    const kp = ['authorities', n, 'keys', i];
    if (Boolean(k.pem) === Boolean(k.file)) {
      c.issues.add(kp, 'a key has either `pem` (inline) or `file`, not both or neither');
      continue;
    }
    let pem = k.pem;
    if (pem === undefined) {
      try {
        pem = c.io.readKeyFile(c.rel(k.file!));
      } catch {
        c.issues.add(
          [...kp, 'file'],
          `cannot read the key file ${c.rel(k.file!)}`,
          'paths are relative to the policy file',
        );
        continue;
      }
    }
    try {
      // The issue path already says which key; the message names the file, if any, never a flag.
      const key = parsePublicKey(pem, k.file ?? `authorities.${n}.keys.${i}`, { text: k.file ?? '' });
      keys.push({
        key,
        ...(k.notBefore ? { notBefore: new Date(k.notBefore) } : {}),
        ...(k.notAfter ? { notAfter: new Date(k.notAfter) } : {}),
      });
      if (k.notBefore && k.notAfter && new Date(k.notBefore) >= new Date(k.notAfter))
        c.issues.add(kp, 'notBefore is not before notAfter');
    } catch (e) {
      c.issues.add(
        kp,
        (e as Error).message.split('\n')[0] ?? 'not a public key',
        'a PEM SubjectPublicKeyInfo (cosign.pub)',
      );
    }
  }
  return keys;
}

function compileKeyless(
  kl: NonNullable<PolicyAuthority['keyless']>,
  kp: DocPath,
  issues: Issues,
): CompiledAuthority['keyless'] {
  if ((kl.issuer === undefined) === (kl.issuerRegExp === undefined))
    issues.add(
      kp,
      'give exactly one of `issuer` and `issuerRegExp`',
      'issuer: https://token.actions.githubusercontent.com',
    );
  if ((kl.subject === undefined) === (kl.subjectRegExp === undefined))
    issues.add(kp, 'give exactly one of `subject` and `subjectRegExp`');
  for (const c of Object.keys(kl.claims ?? {})) {
    if (!(c in FULCIO_V2_CLAIMS) && !(c in GITHUB_V1_CLAIMS))
      issues.add(
        [...kp, 'claims'],
        `unknown certificate claim "${c}"`,
        `one of ${Object.keys(FULCIO_V2_CLAIMS).join(', ')}`,
        c,
      );
  }
  const issuerRegExp =
    kl.issuerRegExp !== undefined ? issues.regexp([...kp, 'issuerRegExp'], kl.issuerRegExp) : undefined;
  const subjectRegExp =
    kl.subjectRegExp !== undefined ? issues.regexp([...kp, 'subjectRegExp'], kl.subjectRegExp) : undefined;
  return {
    ...(kl.issuer !== undefined ? { issuer: kl.issuer } : {}),
    ...(issuerRegExp ? { issuerRegExp } : {}),
    ...(kl.subject !== undefined ? { subject: kl.subject } : {}),
    ...(subjectRegExp ? { subjectRegExp } : {}),
    claims: kl.claims ?? {},
  };
}

/**
 * An artifact against the subjects of an in-toto statement, by any digest algorithm that can be
 * computed here: npm provenance names its tarball by sha512 only, GitHub's by sha256. Matching on any
 * one collision-resistant algorithm the subject carries is as strong as matching on sha256; weaker or
 * unknown algorithms (sha1, md5, gitCommit) are never computed, so never match.
 */
import { createHash } from 'node:crypto';
import { TrustgateError } from '../errors.js';
import type { Statement } from './statement.js';

export const SUBJECT_DIGEST_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
export type SubjectDigestAlgorithm = (typeof SUBJECT_DIGEST_ALGORITHMS)[number];

const HEX_LENGTH: Record<SubjectDigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** An artifact given by its digest (`sha512:<hex>`): only subjects of that algorithm can match it. */
export interface ArtifactDigest {
  algorithm: SubjectDigestAlgorithm;
  digest: Buffer;
}

export function isSubjectDigestAlgorithm(s: string): s is SubjectDigestAlgorithm {
  return (SUBJECT_DIGEST_ALGORITHMS as readonly string[]).includes(s);
}

/**
 * `ALG:HEX` as an artifact digest; undefined for anything that is not written as one (a file path).
 * Written as one but wrong (too short, not hex, an algorithm not supported) is a usage error that
 * says what a digest must look like, never a file lookup.
 */
export function parseArtifactDigest(arg: string): ArtifactDigest | undefined {
  const m = /^([a-z][a-z0-9-]*):(.*)$/i.exec(arg);
  if (!m) return undefined;
  const algorithm = m[1]!.toLowerCase();
  const hex = m[2]!;
  const usage =
    'give the artifact file, or its digest as sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>';
  if (!isSubjectDigestAlgorithm(algorithm))
    throw new TrustgateError('USAGE', `${arg}: ${algorithm} is not a supported digest algorithm`, {
      hint: usage,
    });
  const want = HEX_LENGTH[algorithm];
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length !== want)
    throw new TrustgateError(
      'USAGE',
      `${arg} is not a ${algorithm} digest: it needs exactly ${want} hex digits, and has ${hex.length} character(s)${/^[0-9a-f]*$/i.test(hex) ? '' : ' that are not all hex'}`,
      { hint: usage },
    );
  return { algorithm, digest: Buffer.from(hex, 'hex') };
}

/**
 * Why no subject of `statement` names the artifact, or undefined when one does. `bytes` are hashed
 * with each algorithm a subject carries (once each); `only` restricts matching to one algorithm
 * (gh attestation verify --digest-alg).
 */
export function subjectMismatch(
  statement: Statement,
  artifact: { bytes: Uint8Array } | ArtifactDigest,
  only?: SubjectDigestAlgorithm,
): string | undefined {
  const computed = new Map<SubjectDigestAlgorithm, string>();
  const digestOf = (alg: SubjectDigestAlgorithm): string | undefined => {
    if ('algorithm' in artifact)
      return alg === artifact.algorithm ? artifact.digest.toString('hex') : undefined;
    let hex = computed.get(alg);
    if (hex === undefined) {
      hex = createHash(alg).update(artifact.bytes).digest('hex');
      computed.set(alg, hex);
    }
    return hex;
  };
  const usable = new Set<string>();
  for (const s of statement.subject) {
    for (const [alg, value] of Object.entries(s.digest)) {
      if (!isSubjectDigestAlgorithm(alg) || (only && alg !== only)) continue;
      usable.add(alg);
      if (digestOf(alg) === value.toLowerCase()) return undefined;
    }
  }
  const carried = [...new Set(statement.subject.flatMap((s) => Object.keys(s.digest)))].join(', ') || 'none';
  if (usable.size === 0)
    return `no subject of the statement has a ${only ?? SUBJECT_DIGEST_ALGORITHMS.join(', ')} digest to match the artifact by (the subjects carry: ${carried})`;
  if ('algorithm' in artifact) {
    if (!usable.has(artifact.algorithm))
      return `no subject of the statement has a ${artifact.algorithm} digest (the subjects carry: ${carried}); give the artifact file, or its digest in one of those`;
    return `no subject of the statement has ${artifact.algorithm} ${artifact.digest.toString('hex')}`;
  }
  return `no subject of the statement names the artifact (compared by ${[...usable].map((a) => `${a} ${computed.get(a as SubjectDigestAlgorithm)}`).join(', ')})`;
}

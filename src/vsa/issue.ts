/**
 * Issuing VSAs after `verify --policy`: one statement per decided image, signed when a key is given,
 * written to a file, a folder or a JSON Lines file, and attached to the image when asked.
 *
 * Where they go (`--vsa FILE`): a path ending in `.jsonl` gets one line per image (the bundle, or the
 * bare statement when unsigned); an existing folder, or a path ending in `/`, gets one file per image,
 * `<registry_repo>@sha256-<hex>.sigstore.json` (unsigned: `.intoto.json`); otherwise FILE is the one
 * image's VSA, and naming a plain file with more than one image is a usage error.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TrustgateError, UsageError } from '../errors.js';
import type { RegistryClient } from '../oci/registry/client.js';
import { writeOutputFile } from '../output/write-file.js';
import type { PolicyDecision } from '../policy/evaluate/types.js';
import type { ImageEvidence } from '../policy/evidence.js';
import type { CompiledPolicy } from '../policy/load.js';
import type { Digest } from '../reference/digest.js';
import { type Attached, attachVsa } from './attach.js';
import { signVsa } from './sign.js';
import type { VsaSigningKey } from './signing-key.js';
import { vsaStatement } from './statement.js';

export type VsaTarget =
  | { kind: 'file'; path: string }
  | { kind: 'folder'; path: string }
  | { kind: 'jsonl'; path: string };

export interface IssueOptions {
  target: VsaTarget;
  key?: VsaSigningKey;
  verifierId: string;
  /** Push each signed VSA as a referrer of its image with this client. */
  attach?: RegistryClient;
  now?: Date;
}

export interface IssuedVsa {
  reference: string;
  /** Where it was written; absent when no VSA could be made (the image has no digest). */
  file?: string;
  result?: 'PASSED' | 'FAILED';
  attached?: Attached;
  /** Why there is none, or why attaching failed. */
  problem?: string;
}

export interface IssueResult {
  issued: IssuedVsa[];
  /** Time spent building and signing, in ms, over every image (for the benchmark). */
  signMs: number;
}

/** Decide what `--vsa FILE` names, for `count` images. */
export function vsaTarget(path: string, count: number): VsaTarget {
  if (path.endsWith('.jsonl')) return { kind: 'jsonl', path };
  let folder = path.endsWith('/');
  try {
    folder ||= statSync(path).isDirectory();
  } catch {
    // a new path: a file unless it ends in '/'
  }
  if (folder) return { kind: 'folder', path };
  if (count > 1)
    throw new UsageError(
      `--vsa ${path}: ${count} images need a folder (end the path with /) or a .jsonl file`,
    );
  return { kind: 'file', path };
}

/**
 * The file name of an image's VSA in a folder: safe on every filesystem, and unique per repository
 * and digest. Flattening loses the difference between `reg/a/b` and `reg/a_b`, so a short hash of the
 * exact name is added.
 */
export function vsaFileName(name: string, digest: string, signed: boolean): string {
  const repo = name.replace(/[^A-Za-z0-9._-]+/g, '_');
  const tag = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${repo}-${tag}@${digest.replace(':', '-')}.${signed ? 'sigstore' : 'intoto'}.json`;
}

export async function issueVsas(
  items: ReadonlyArray<{ decision: PolicyDecision; evidence: ImageEvidence }>,
  policy: CompiledPolicy,
  o: IssueOptions,
): Promise<IssueResult> {
  const now = o.now ?? new Date();
  const issued: IssuedVsa[] = [];
  const lines: string[] = [];
  let signMs = 0;
  if (o.target.kind === 'folder') mkdirSync(o.target.path, { recursive: true });
  for (const { decision, evidence } of items) {
    const t0 = performance.now();
    const statement = vsaStatement({
      decision,
      evidence,
      policy,
      verifierId: o.verifierId,
      timeVerified: now,
    });
    if (!statement) {
      issued.push({ reference: decision.reference, problem: 'no VSA: the image never resolved to a digest' });
      continue;
    }
    const text = o.key ? (await signVsa(statement, o.key)).bundle : JSON.stringify(statement);
    signMs += performance.now() - t0;
    const digest = decision.digest ?? evidence.digest!;
    const one: IssuedVsa = { reference: decision.reference, result: statement.predicate.verificationResult };
    if (o.target.kind === 'jsonl') lines.push(text);
    else {
      const file =
        o.target.kind === 'file'
          ? o.target.path
          : join(o.target.path, vsaFileName(evidence.name, digest, !!o.key));
      await writeOutputFile(file, Buffer.from(`${text}\n`), 'the VSA');
      one.file = file;
    }
    if (o.target.kind === 'jsonl') one.file = o.target.path;
    if (o.attach)
      one.attached = await attachOne(o.attach, evidence, digest as Digest, Buffer.from(text), now);
    issued.push(one);
  }
  if (o.target.kind === 'jsonl')
    await writeOutputFile(o.target.path, Buffer.from(lines.map((l) => `${l}\n`).join('')), 'the VSA file');
  return { issued, signMs };
}

async function attachOne(
  client: RegistryClient,
  ev: ImageEvidence,
  digest: Digest,
  bundle: Buffer,
  now: Date,
): Promise<Attached> {
  // A layout named with --image-name has a registry name, but nothing of it is in that registry.
  const layout = ev.givenBy === 'layout' || ev.reference.startsWith('oci:') || ev.name.startsWith('oci:');
  if (layout || !ev.registry || ev.registry === 'oci')
    throw new TrustgateError(
      'USAGE',
      `--vsa-attach: ${ev.reference} is an OCI layout; a VSA is attached to a registry image`,
      {
        hint: 'push the image, then verify it there with --vsa-attach',
        option: 'vsaAttach',
      },
    );
  const repository = ev.name.slice(ev.registry.length + 1);
  return attachVsa(client, { registry: ev.registry, repository, digest }, bundle, now);
}

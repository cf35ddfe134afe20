/**
 * `trustgate export`: the auditor's evidence archive for one image. Every verified attestation payload,
 * the raw bundles and envelopes as fetched, certificates in PEM, the image manifest, summary.json and
 * SHA256SUMS. Names are ours (sanitised types and counters), never registry data, and each is checked
 * to stay inside the folder before anything is written. Every file is created exclusively (never
 * through a link, never over an existing file), in a folder that is new or empty and ours. Re-running
 * on the same image gives the same bytes, apart from summary.json's time field.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { discover } from '../discovery/discover.js';
import { TrustgateError } from '../errors.js';
import { RegistryClient } from '../oci/registry/client.js';
import type { PolicyDecision } from '../policy/evaluate.js';
import { parseReference } from '../reference/parse.js';
import { resolveImage } from '../resolve/resolve.js';
import { createExclusive } from '../util/safe-fs.js';
import { PREDICATE_TYPES, verifyAttestations } from '../verify/attestations.js';
import { buildTrust, type VerifyOptions } from '../verify/verify-image.js';
import { verifySignatures } from '../verify/verify-signatures.js';
import { VERSION } from '../version.js';
import { deterministicTarGz } from './tar.js';

export interface ExportOptions extends VerifyOptions {
  dir: string;
  /** Also (or instead) write one deterministic `<dir>.tar.gz`. */
  tar?: boolean;
  /** The time recorded in summary.json (the only field that changes between runs). */
  now?: Date;
  /** Also evaluate this policy file and record its decision in summary.json. */
  policy?: string;
  /** With `policy` and an OCI layout: the registry/repository to match rules against. */
  imageName?: string;
}

export interface ExportResult {
  dir: string;
  files: string[];
  tarball?: string;
  verifiedAttestations: number;
  verifiedSignatures: number;
  /** The policy decision, when a policy was given. */
  decision?: PolicyDecision;
}

const SHORT_BY_TYPE = new Map<string, string>();
for (const [short, uri] of Object.entries(PREDICATE_TYPES))
  if (!SHORT_BY_TYPE.has(uri)) SHORT_BY_TYPE.set(uri, short);

/** A file-name-safe name for a predicateType: the cosign shorthand, or a sanitised, bounded form. */
export function typeFileName(predicateType: string): string {
  const short = SHORT_BY_TYPE.get(predicateType);
  if (short) return short;
  const s = predicateType
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return s.length > 0 ? s : 'unknown';
}

/**
 * An archive name that stays inside the folder: one or two plain segments (no `..`, no leading dot,
 * no separators beyond the one sub-folder). Names are built from our own words, counters and
 * typeFileName; this guards that promise, so a change there cannot turn registry data into a path.
 */
export function isContainedName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(\/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?$/.test(name);
}

/**
 * The export folder: created when absent, else it must be an empty folder of ours that strangers
 * cannot write (a world-writable one would let them swap a sub-folder for a link while we write).
 * Checked after creation too, so a link that appears in between is refused, not written through.
 */
function prepareDir(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink())
    throw new TrustgateError('USAGE', `--dir ${dir} is a symbolic link; refusing to write through it`);
  if (!st.isDirectory()) throw new TrustgateError('USAGE', `--dir ${dir} exists and is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new TrustgateError('USAGE', `--dir ${dir} belongs to another user (uid ${st.uid})`, {
      hint: 'export into a folder of your own',
    });
  if ((st.mode & 0o002) !== 0)
    throw new TrustgateError('USAGE', `--dir ${dir} is writable by everyone`, {
      hint: 'export into a new folder, or chmod o-w it',
    });
  if (readdirSync(dir).length > 0)
    throw new TrustgateError('USAGE', `--dir ${dir} is not empty`, {
      hint: 'export into a new or empty directory',
    });
}

function pemOf(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export async function exportEvidence(reference: string, options: ExportOptions): Promise<ExportResult> {
  const ref = parseReference(reference);
  const { verifiers, trustRoot, trustText } = await buildTrust(options);
  const client = options.client ?? new RegistryClient(options);
  try {
    const image = await resolveImage(ref, {
      client,
      ...(options.platform ? { platform: options.platform } : {}),
    });
    const manifest = await image.source.getManifest(image.digest);
    const d = await discover(image.source, image.digest, {
      attestations: true,
      ...(options.discoveryLimits ? { limits: options.discoveryLimits } : {}),
    });
    const repository = ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : '';
    const sigs = verifySignatures(d, { digest: image.digest, repository }, verifiers).verdicts;
    const atts = verifyAttestations(d, verifiers);
    const files = new Map<string, Uint8Array>();
    files.set('manifest.json', manifest.bytes);

    // Raw material exactly as fetched, keyed by the layer digest it came from.
    const raw = new Map<string, { bytes: Uint8Array; certificate?: string }>();
    for (const s of d.simpleSigning)
      raw.set(s.origin.layer, { bytes: s.payload, ...(s.certificate ? { certificate: s.certificate } : {}) });
    for (const b of d.bundles) raw.set(b.origin.layer, { bytes: b.bytes });
    for (const l of d.dsseLayers)
      raw.set(l.origin.layer, { bytes: l.bytes, ...(l.certificate ? { certificate: l.certificate } : {}) });

    const items: unknown[] = [];
    sigs.forEach((s, i) => {
      const r = raw.get(s.origin.layer);
      const name = `signatures/${s.format}-${i}.json`;
      if (r) files.set(name, r.bytes);
      if (r?.certificate) files.set(`certificates/signature-${i}.pem`, Buffer.from(r.certificate));
      items.push({
        kind: 'signature',
        file: r ? name : undefined,
        format: s.format,
        origin: s.origin,
        verified: s.verified,
        reason: s.reason,
        key: s.key,
        identity: s.identity,
        tlog: s.tlog,
      });
    });
    const perType = new Map<string, number>();
    atts.forEach((a, i) => {
      const r = raw.get(a.origin.layer);
      const rawName = `raw/attestation-${i}.json`;
      if (r) files.set(rawName, r.bytes);
      if (r?.certificate) files.set(`certificates/attestation-${i}.pem`, Buffer.from(r.certificate));
      let payloadName: string | undefined;
      if (a.verified && a.payload && a.predicateType) {
        const t = typeFileName(a.predicateType);
        const n = perType.get(t) ?? 0;
        perType.set(t, n + 1);
        payloadName = `${t}-${n}.json`;
        files.set(payloadName, a.payload);
      }
      items.push({
        kind: 'attestation',
        file: payloadName,
        raw: r ? rawName : undefined,
        format: a.format,
        origin: a.origin,
        predicateType: a.predicateType,
        verified: a.verified,
        reason: a.reason,
        signer: a.signer,
        tlog: a.tlog,
        payloadSha256: a.payload
          ? `sha256:${createHash('sha256').update(a.payload).digest('hex')}`
          : undefined,
      });
    });
    // Certificates carried inside bundles, in PEM.
    for (const [i, b] of d.bundles.entries()) {
      try {
        const j = JSON.parse(Buffer.from(b.bytes).toString('utf8')) as {
          verificationMaterial?: { certificate?: { rawBytes?: string } };
        };
        const der = j.verificationMaterial?.certificate?.rawBytes;
        if (der) files.set(`certificates/bundle-${i}.pem`, Buffer.from(pemOf(Buffer.from(der, 'base64'))));
      } catch {
        // Unreadable bundles are already reported as such in the items.
      }
    }
    const now = options.now ?? new Date();
    let decision: PolicyDecision | undefined;
    if (options.policy) {
      const { evaluateImages } = await import('../policy/run.js');
      const run = await evaluateImages([reference], {
        ...options,
        client,
        policy: options.policy,
        effectiveTime: now,
        ...(options.imageName ? { layoutName: options.imageName } : {}),
      });
      decision = run.decisions[0]!;
      // The policy saw the reference again: if a tag moved in between, the archive would not match it.
      if (decision.digest && decision.digest !== image.digest) {
        throw new TrustgateError(
          'DIGEST_MISMATCH',
          `${reference} moved from ${image.digest} to ${decision.digest} during the export`,
          { hint: 'export by digest (repo@sha256:…) to archive one image' },
        );
      }
    }
    const summary = {
      schemaVersion: 1,
      reference,
      canonical: image.canonical,
      digest: image.digest,
      time: now.toISOString(),
      tool: { name: 'trustgate', version: VERSION },
      trustRoot: trustRoot.description,
      trust: trustText,
      items,
      unsigned: d.unsigned,
      // The decision as of `time` (its own copy of the time is left out: one time field per archive).
      ...(decision ? { policy: { ...decision, effectiveTime: undefined } } : {}),
    };
    files.set('summary.json', Buffer.from(`${JSON.stringify(summary, null, 2)}\n`));
    const names = [...files.keys()].sort();
    const sums = names
      .map((n) => `${createHash('sha256').update(files.get(n)!).digest('hex')}  ${n}`)
      .join('\n');
    files.set('SHA256SUMS', Buffer.from(`${sums}\n`));

    for (const n of files.keys())
      if (!isContainedName(n))
        throw new TrustgateError(
          'USAGE',
          `refusing to write ${JSON.stringify(n)}: not a plain name inside --dir`,
        );
    prepareDir(options.dir);
    for (const sub of new Set(
      [...files.keys()].filter((n) => n.includes('/')).map((n) => n.split('/')[0]!),
    )) {
      // Not recursive: fails if anything (a link included) is already at the name.
      mkdirSync(join(options.dir, sub), { mode: 0o755 });
    }
    for (const [n, bytes] of files) createExclusive(join(options.dir, n), bytes, 0o644);
    const result: ExportResult = {
      dir: options.dir,
      files: [...files.keys()].sort(),
      verifiedAttestations: atts.filter((a) => a.verified).length,
      verifiedSignatures: sigs.filter((s) => s.verified).length,
      ...(decision ? { decision } : {}),
    };
    if (options.tar) {
      const tarball = `${options.dir.replace(/\/+$/, '')}.tar.gz`;
      createExclusive(
        tarball,
        deterministicTarGz([...files].map(([name, bytes]) => ({ name, bytes }))),
        0o644,
      );
      result.tarball = tarball;
    }
    return result;
  } finally {
    if (!options.client) await client.close();
  }
}

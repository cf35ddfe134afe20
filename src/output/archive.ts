/**
 * The auditor's evidence archive on disk: every verified attestation payload, the raw bundles and
 * envelopes as fetched, certificates in PEM, the image manifest, summary.json and SHA256SUMS. Names
 * are ours (sanitised types and counters), never registry data, and each is checked to stay inside
 * the folder before anything is written. Every file is created exclusively (never through a link,
 * never over an existing file), in a folder that is new or empty and ours. The same input gives the
 * same bytes, apart from summary.json's time field. What goes in is decided by run/export.ts.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Discovery } from '../discovery/types.js';
import { TrustgateError } from '../errors.js';
import { jsonText } from '../util/printable.js';
import { createExclusive } from '../util/safe-fs.js';
import { type AttestationVerdict, PREDICATE_TYPES } from '../verify/attestations.js';
import type { SignatureVerdict } from '../verify/verify-signatures.js';
import { deterministicTarGz } from './tar.js';

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
export function prepareDir(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink())
    throw new TrustgateError('USAGE', `dir ${dir} is a symbolic link; refusing to write through it`, {
      option: 'dir',
    });
  if (!st.isDirectory())
    throw new TrustgateError('USAGE', `dir ${dir} exists and is not a directory`, {
      option: 'dir',
    });
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new TrustgateError('USAGE', `dir ${dir} belongs to another user (uid ${st.uid})`, {
      option: 'dir',
      hint: 'export into a folder of your own',
    });
  if ((st.mode & 0o002) !== 0)
    throw new TrustgateError('USAGE', `dir ${dir} is writable by everyone`, {
      option: 'dir',
      hint: 'export into a new folder, or chmod o-w it',
    });
  if (readdirSync(dir).length > 0)
    throw new TrustgateError('USAGE', `dir ${dir} is not empty`, {
      option: 'dir',
      hint: 'export into a new or empty directory',
    });
}

export function pemOf(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The archive's files by name, and summary.json's items, before summary.json and SHA256SUMS. */
export interface ArchiveContent {
  files: Map<string, Uint8Array>;
  items: unknown[];
}

/** Raw material exactly as fetched, keyed by the layer digest it came from. */
function rawByLayer(d: Discovery): Map<string, { bytes: Uint8Array; certificate?: string }> {
  const raw = new Map<string, { bytes: Uint8Array; certificate?: string }>();
  for (const s of d.simpleSigning)
    raw.set(s.origin.layer, { bytes: s.payload, ...(s.certificate ? { certificate: s.certificate } : {}) });
  for (const b of d.bundles) raw.set(b.origin.layer, { bytes: b.bytes });
  for (const l of d.dsseLayers)
    raw.set(l.origin.layer, { bytes: l.bytes, ...(l.certificate ? { certificate: l.certificate } : {}) });
  return raw;
}

/** The files and items for one image: its manifest, every signature and attestation, their certificates. */
export function archiveContent(
  manifest: Uint8Array,
  d: Discovery,
  sigs: SignatureVerdict[],
  atts: AttestationVerdict[],
): ArchiveContent {
  const files = new Map<string, Uint8Array>();
  files.set('manifest.json', manifest);
  const raw = rawByLayer(d);
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
      payloadSha256: a.payload ? `sha256:${createHash('sha256').update(a.payload).digest('hex')}` : undefined,
    });
  });
  bundleCertificates(d, files);
  return { files, items };
}

/** Certificates carried inside bundles, in PEM. */
function bundleCertificates(d: Discovery, files: Map<string, Uint8Array>): void {
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
}

/** summary.json, then SHA256SUMS over every file so far (summary.json included). */
export function sealArchive(files: Map<string, Uint8Array>, summary: unknown): void {
  files.set('summary.json', Buffer.from(`${jsonText(summary, 2)}\n`));
  const names = [...files.keys()].sort();
  const sums = names
    .map((n) => `${createHash('sha256').update(files.get(n)!).digest('hex')}  ${n}`)
    .join('\n');
  files.set('SHA256SUMS', Buffer.from(`${sums}\n`));
}

/**
 * Every file into dir (checked names, a fresh folder, exclusive creation), and with `tar` one
 * deterministic `<dir>.tar.gz` beside it. Returns the tarball's path when written.
 */
export function writeArchive(dir: string, files: Map<string, Uint8Array>, tar: boolean): string | undefined {
  for (const n of files.keys())
    if (!isContainedName(n))
      throw new TrustgateError(
        'USAGE',
        `refusing to write ${JSON.stringify(n)}: not a plain name inside --dir`,
      );
  prepareDir(dir);
  for (const sub of new Set([...files.keys()].filter((n) => n.includes('/')).map((n) => n.split('/')[0]!))) {
    // Not recursive: fails if anything (a link included) is already at the name.
    mkdirSync(join(dir, sub), { mode: 0o755 });
  }
  for (const [n, bytes] of files) createExclusive(join(dir, n), bytes, 0o644);
  if (!tar) return undefined;
  const tarball = `${dir.replace(/\/+$/, '')}.tar.gz`;
  createExclusive(tarball, deterministicTarGz([...files].map(([name, bytes]) => ({ name, bytes }))), 0o644);
  return tarball;
}

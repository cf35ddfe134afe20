/**
 * What cosign 2.5's `verify` and `verify-attestation` print, byte for byte, built from what trustgate
 * verified: the JSON array of simple-signing payloads (cosign's PrintVerification), the DSSE envelope
 * lines, the certificate lines and the check list of its summary. Scripts written against cosign parse
 * these bytes (`| jq`), so the shape, key order and escapes follow cosign's Go code, not our taste.
 */
import { type ASN1Obj, X509Certificate } from '@sigstore/core';
import type { SimpleSigningSignature } from '../discovery/types.js';
import { DEFAULT_REGISTRY, type ImageReference, parseReference } from '../reference/parse.js';
import type { Statement } from '../verify/statement.js';
import { goJson, goStruct } from './go-json.js';

/** One verified signature, as cosign's output needs it. */
export interface CosignSignatureOutput {
  /** The parsed simple-signing payload (legacy `.sig` and OCI 1.1 signatures). */
  simpleSigning?: {
    critical: {
      identity: { 'docker-reference': string };
      image: { 'docker-manifest-digest': string };
      type: string;
    };
    optional?: Record<string, unknown> | null;
  };
  /** The attached signature as read: its certificate, Rekor bundle and RFC 3161 annotations. */
  attachment?: Pick<SimpleSigningSignature, 'certificate' | 'rekorBundle' | 'rfc3161Timestamp'>;
  /** A cosign 3 signature bundle's statement (cosign 3 prints it in the simple-signing shape). */
  statement?: Statement;
}

const FULCIO = '1.3.6.1.4.1.57264.1';
/** cosign's CertExtensionMap: the v1 Fulcio extensions it copies into `optional`, under both names. */
const CERT_EXTENSIONS: ReadonlyArray<readonly [oid: string, name: string, label: string]> = [
  [`${FULCIO}.1`, 'oidcIssuer', 'Certificate issuer URL'],
  [`${FULCIO}.2`, 'githubWorkflowTrigger', 'GitHub Workflow Trigger'],
  [`${FULCIO}.3`, 'githubWorkflowSha', 'GitHub Workflow SHA'],
  [`${FULCIO}.4`, 'githubWorkflowName', 'GitHub Workflow Name'],
  [`${FULCIO}.5`, 'githubWorkflowRepository', 'GitHub Workflow Repository'],
  [`${FULCIO}.6`, 'githubWorkflowRef', 'GitHub Workflow Ref'],
];

interface CertFacts {
  subject: string;
  /** [oid, cosign's name, the label of cosign's text output, raw value], for the extensions present. */
  extensions: Array<[string, string, string, string]>;
}

/**
 * The first subject alternative name in Go's order (DNS names, emails, IPs, URIs), and the v1 Fulcio
 * extensions as raw strings, as cosign reads them. An unreadable certificate gives nothing: cosign
 * omits the fields when sig.Cert() fails.
 */
function certFacts(pem: string | undefined): CertFacts | undefined {
  if (!pem) return undefined;
  let cert: X509Certificate;
  try {
    cert = X509Certificate.parse(pem);
  } catch {
    return undefined;
  }
  let subject = '';
  try {
    const san = cert.extSubjectAltName;
    const names = san?.valueObj.subs[0] ? sanEntries(san.valueObj.subs[0]) : [];
    for (const kind of [2, 1, 7, 6]) {
      const hit = names.find((n) => n.tag === kind);
      if (hit) {
        subject = hit.value;
        break;
      }
    }
  } catch {
    subject = '';
  }
  const extensions: CertFacts['extensions'] = [];
  for (const [oid, name, label] of CERT_EXTENSIONS) {
    const ext = cert.extension(oid);
    const value = ext ? Buffer.from(ext.value).toString('utf8') : '';
    if (value !== '') extensions.push([oid, name, label, value]);
  }
  return { subject, extensions };
}

/** GeneralNames: [tag, text] for dNSName (2), rfc822Name (1), iPAddress (7), URI (6). */
function sanEntries(seq: ASN1Obj): Array<{ tag: number; value: string }> {
  return seq.subs
    .filter((s) => s.tag.isContextSpecific())
    .map((s) => {
      const tag = s.tag.number;
      return { tag, value: tag === 7 ? ipText(s.value) : Buffer.from(s.value).toString('utf8') };
    });
}

/** An IP address as Go's net.IP.String writes it (IPv6: the longest run of two or more zero groups as ::). */
function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return `?${b.toString('hex')}`;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return [...b.subarray(12)].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j > i ? j : i + 1;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** cosign's RekorBundle, re-encoded as its Go struct is: absent when the annotation does not parse. */
function rekorBundleValue(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    const b = JSON.parse(text) as {
      SignedEntryTimestamp?: unknown;
      Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown };
    };
    const p = b.Payload ?? {};
    const set = typeof b.SignedEntryTimestamp === 'string' ? b.SignedEntryTimestamp : '';
    return goStruct([
      ['SignedEntryTimestamp', Buffer.from(set, 'base64').toString('base64')],
      [
        'Payload',
        goStruct([
          ['body', p.body ?? null],
          ['integratedTime', Math.trunc(Number(p.integratedTime ?? 0))],
          ['logIndex', Math.trunc(Number(p.logIndex ?? 0))],
          ['logID', typeof p.logID === 'string' ? p.logID : ''],
        ]),
      ],
    ]);
  } catch {
    return undefined;
  }
}

function rfc3161Value(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    const t = JSON.parse(text) as { SignedRFC3161Timestamp?: unknown };
    const raw = typeof t.SignedRFC3161Timestamp === 'string' ? t.SignedRFC3161Timestamp : '';
    return goStruct([['SignedRFC3161Timestamp', Buffer.from(raw, 'base64').toString('base64')]]);
  } catch {
    return undefined;
  }
}

/** go-containerregistry's Name(): Docker Hub as index.docker.io, `latest` implied, a digest drops the tag. */
export function cosignImageName(reference: string | ImageReference): string {
  let ref: ImageReference;
  try {
    ref = typeof reference === 'string' ? parseReference(reference) : reference;
  } catch {
    return typeof reference === 'string' ? reference : reference.original;
  }
  if (ref.kind === 'layout') return ref.original;
  const registry = ref.registry === DEFAULT_REGISTRY ? 'index.docker.io' : ref.registry;
  const repo = `${registry}/${ref.repository}`;
  if (ref.digest) return `${repo}@${ref.digest}`;
  return `${repo}:${ref.tag ?? 'latest'}`;
}

/** One element of cosign verify's JSON array (payload.SimpleContainerImage plus what cosign adds). */
function containerImage(sig: CosignSignatureOutput, imageName: string): unknown {
  let critical: { ref: string; digest: string; type: string };
  let optional: Record<string, unknown> | null;
  if (sig.simpleSigning) {
    const c = sig.simpleSigning.critical;
    critical = {
      ref: c.identity['docker-reference'],
      digest: c.image['docker-manifest-digest'],
      type: c.type,
    };
    optional = sig.simpleSigning.optional ? { ...sig.simpleSigning.optional } : null;
  } else {
    // cosign 3: the statement's first subject, named by the reference as given, annotations as optional.
    const s = sig.statement!;
    const subject = s.subject[0];
    const digests = Object.entries(subject?.digest ?? {});
    const last = digests[digests.length - 1];
    critical = { ref: imageName, digest: last ? `${last[0]}:${last[1]}` : '', type: s.predicateType };
    const annotations = (subject as { annotations?: Record<string, unknown> } | undefined)?.annotations;
    optional = { ...(annotations ?? {}) };
  }
  const cert = certFacts(sig.attachment?.certificate);
  if (cert) {
    optional ??= {};
    optional.Subject = cert.subject;
    for (const [oid, name, , value] of cert.extensions) {
      if (name === 'oidcIssuer') optional.Issuer = value;
      else optional[name] = value;
      optional[oid] = value;
    }
  }
  const bundle = rekorBundleValue(sig.attachment?.rekorBundle);
  const ts = rfc3161Value(sig.attachment?.rfc3161Timestamp);
  if (bundle !== undefined || ts !== undefined) {
    optional ??= {};
    if (bundle !== undefined) optional.Bundle = bundle;
    if (ts !== undefined) optional.RFC3161Timestamp = ts;
  }
  return goStruct([
    [
      'critical',
      goStruct([
        ['identity', goStruct([['docker-reference', critical.ref]])],
        ['image', goStruct([['docker-manifest-digest', critical.digest]])],
        ['type', critical.type],
      ]),
    ],
    ['optional', optional],
  ]);
}

/** One verified payload as JSON, as cosign 3 prints a bundle signature with -o text. */
export function cosignPayloadJson(signature: CosignSignatureOutput, imageName: string): string {
  return goJson(containerImage(signature, imageName));
}

/** `cosign verify`'s stdout for one image (-o json, its default): a blank line, then the array. */
export function cosignVerifyJson(signatures: CosignSignatureOutput[], imageName: string): string {
  return `\n${goJson(signatures.map((s) => containerImage(s, imageName)))}\n`;
}

/** What `cosign verify -o text` and `verify-attestation` print on stderr before each payload. */
export function cosignCertificateLines(certificate: string | undefined): string[] {
  const cert = certFacts(certificate);
  if (!cert) return [];
  return [
    `Certificate subject: ${cert.subject}`,
    ...cert.extensions.map(([, , label, value]) => `${label}: ${value}`),
  ];
}

/** A bundle's DSSE envelope as cosign 2.5 prints it: json.Marshal of the protobuf struct (empty fields left out). */
export function cosignBundleEnvelope(envelope: {
  payloadType: string;
  payload: Uint8Array;
  signatures: Array<{ keyid: string; sig: string }>;
}): string {
  const fields: Array<[string, unknown]> = [];
  if (envelope.payload.length > 0) fields.push(['payload', Buffer.from(envelope.payload).toString('base64')]);
  if (envelope.payloadType) fields.push(['payloadType', envelope.payloadType]);
  if (envelope.signatures.length > 0)
    fields.push([
      'signatures',
      envelope.signatures.map((s) =>
        goStruct([
          ...(s.sig ? [['sig', s.sig] as const] : []),
          ...(s.keyid ? [['keyid', s.keyid] as const] : []),
        ]),
      ),
    ]);
  return goJson(goStruct(fields));
}

/** What cosign's summary says it checked (PrintVerificationHeader), after its blank line and title. */
export interface CosignChecks {
  /** --check-claims (cosign's default: true). */
  claims: boolean;
  /** -a/--annotations were given. */
  annotations: boolean;
  /** A transparency-log entry was verified (offline, from the bundle). */
  tlogVerifiedOffline: boolean;
  /** Verified with a given key (or certificate): cosign's SigVerifier. */
  key: boolean;
  /** Verified against the CA certificates of the trusted root (keyless). */
  keyless: boolean;
}

export function cosignSummaryLines(imageName: string, checks: CosignChecks): string[] {
  const lines = [
    '',
    `Verification for ${imageName} --`,
    'The following checks were performed on each of these signatures:',
  ];
  if (checks.claims) {
    if (checks.annotations) lines.push('  - The specified annotations were verified.');
    lines.push('  - The cosign claims were validated');
  }
  if (checks.tlogVerifiedOffline)
    lines.push('  - Existence of the claims in the transparency log was verified offline');
  if (checks.key) lines.push('  - The signatures were verified against the specified public key');
  if (checks.keyless)
    lines.push(
      '  - The code-signing certificate was verified using trusted certificate authority certificates',
    );
  return lines;
}

/** cosign's warning for --insecure-ignore-tlog (`what`: signature or attestation). */
export function cosignIgnoreTlogWarning(what: 'signature' | 'attestation'): string {
  return `WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the ${what}.`;
}

/**
 * Trust material kept apart from what is being verified: the Sigstore public-good trusted root as
 * embedded in @sigstore/tuf (offline, no TUF round trip), a trusted_root.json file, or a Rekor public
 * key given on its own (cosign's --rekor-public-key / SIGSTORE_REKOR_PUBLIC_KEY), a private CA, or
 * a TUF refresh; loadRoot/loadRootSpec are the one way from a spec to a loaded root. Just over 300
 * lines: every route to a root and the validity checks they share stay in one place.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { TrustgateError } from '../errors.js';
import type { RootSpecWithRekor, StaticRootSpec } from './root-spec.js';

export * from './root-spec.js';

import { readInputFile } from '../util/safe-fs.js';
import { parsePublicKey } from './keys.js';

export interface LoadedTrustRoot {
  root: TrustedRoot;
  /** Human description: which root, and its date where known. */
  description: string;
}

const require = createRequire(import.meta.url);

/** The public-good root shipped inside @sigstore/tuf's seeds.json: usable with no network at all. */
export function embeddedPublicGoodRoot(): LoadedTrustRoot {
  const seedsPath = require.resolve('@sigstore/tuf/seeds.json');
  const seeds = JSON.parse(readFileSync(seedsPath, 'utf8')) as Record<
    string,
    { targets?: Record<string, string> }
  >;
  const entry = Object.entries(seeds).find(([, v]) => v.targets?.['trusted_root.json']);
  if (!entry) throw new TrustgateError('TRUST_ROOT_INVALID', `${seedsPath} has no trusted_root.json target`);
  const json = JSON.parse(Buffer.from(entry[1].targets!['trusted_root.json']!, 'base64').toString('utf8'));
  const root = TrustedRoot.fromJSON(json);
  const version = (require('@sigstore/tuf/package.json') as { version: string }).version;
  return {
    root,
    description: `Sigstore public-good root embedded in @sigstore/tuf ${version} (${entry[0]}), newest log key from ${newestTlogStart(root)}`,
  };
}

/** Bounds user-named trust files, so /dev/zero or an endless pipe fails instead of filling memory. */
const MAX_TRUST_FILE_BYTES = 16 * 1024 * 1024;

export function trustedRootFromFile(file: string): LoadedTrustRoot {
  let text: string;
  try {
    text = readInputFile(file, MAX_TRUST_FILE_BYTES).toString('utf8');
  } catch {
    throw new TrustgateError('TRUST_ROOT_INVALID', `trustedRoot ${file}: cannot read the file`, {
      option: 'trustedRoot',
    });
  }
  return trustedRootFromJson(text, file);
}

/** A trusted_root.json document; `source` names it in errors and in the description. */
export function trustedRootFromJson(text: string, source: string): LoadedTrustRoot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TrustgateError('TRUST_ROOT_INVALID', `trustedRoot ${source}: not JSON`, {
      option: 'trustedRoot',
    });
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    !String((json as { mediaType?: unknown }).mediaType ?? '').startsWith(
      'application/vnd.dev.sigstore.trustedroot',
    )
  ) {
    throw new TrustgateError(
      'TRUST_ROOT_INVALID',
      `trustedRoot ${source}: not a Sigstore trusted_root.json (mediaType application/vnd.dev.sigstore.trustedroot…)`,
      { option: 'trustedRoot' },
    );
  }
  assertValidityStarts(json as RawTrustedRoot, source);
  return { root: TrustedRoot.fromJSON(json), description: `trusted root ${source}` };
}

/** A root whose only transparency log is the given Rekor key (valid from the epoch on). */
export function withRekorKey(base: LoadedTrustRoot | undefined, pemFile: string): LoadedTrustRoot {
  let pem: string;
  try {
    pem = readInputFile(pemFile, MAX_TRUST_FILE_BYTES).toString('utf8');
  } catch {
    throw new TrustgateError('KEY_UNAVAILABLE', `rekorPublicKey ${pemFile}: cannot read the file`, {
      option: 'rekorPublicKey',
    });
  }
  const k = parsePublicKey(pem, pemFile);
  const details =
    k.algorithm === 'ecdsa-p256'
      ? PublicKeyDetails.PKIX_ECDSA_P256_SHA_256
      : k.algorithm === 'ed25519'
        ? PublicKeyDetails.PKIX_ED25519
        : k.algorithm === 'ecdsa-p384'
          ? PublicKeyDetails.PKIX_ECDSA_P384_SHA_384
          : PublicKeyDetails.PKIX_RSA_PKCS1V5;
  const logId = createHash('sha256').update(k.spkiDer).digest();
  const root = TrustedRoot.fromJSON({
    ...(base
      ? (TrustedRoot.toJSON(base.root) as Record<string, unknown>)
      : { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }),
    tlogs: [
      {
        baseUrl: 'https://rekor.invalid',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: k.spkiDer.toString('base64'),
          keyDetails: PublicKeyDetails[details],
          validFor: { start: '1970-01-01T00:00:00Z' },
        },
        logId: { keyId: logId.toString('base64') },
      },
    ],
  });
  return {
    root,
    description: `${base ? `${base.description}, ` : ''}Rekor key ${pemFile} (${k.fingerprint.slice(0, 23)}…)`,
  };
}

function newestTlogStart(root: TrustedRoot): string {
  const starts = root.tlogs
    .map((t) => t.publicKey?.validFor?.start)
    .filter((d): d is Date => d instanceof Date);
  const newest = starts.sort((a, b) => b.getTime() - a.getTime())[0];
  return newest ? newest.toISOString().slice(0, 10) : 'unknown';
}

interface RawValidity {
  validFor?: { start?: string; end?: string };
}
interface RawTrustedRoot {
  tlogs?: Array<{ publicKey?: RawValidity; baseUrl?: string }>;
  ctlogs?: Array<{ publicKey?: RawValidity; baseUrl?: string }>;
  certificateAuthorities?: Array<RawValidity & { uri?: string }>;
  timestampAuthorities?: Array<RawValidity & { uri?: string }>;
}

/**
 * Every authority must say since when it is trusted. sigstore-js reads a missing start as "since the
 * beginning of time"; a trust root that omits it is malformed, and is rejected whole.
 */
function assertValidityStarts(root: RawTrustedRoot, file: string): void {
  const check = (what: string, v: RawValidity | undefined, name: string | undefined) => {
    if (!v?.validFor?.start) {
      throw new TrustgateError(
        'TRUST_ROOT_INVALID',
        `trustedRoot ${file}: ${what} ${name ?? ''} has no validFor.start`.replace('  ', ' '),
        {
          option: 'trustedRoot',
          hint: 'a trusted root must bound every key and CA; fix the file rather than trusting it unbounded',
        },
      );
    }
  };
  for (const t of root.tlogs ?? []) check('transparency log', t.publicKey, t.baseUrl);
  for (const t of root.ctlogs ?? []) check('CT log', t.publicKey, t.baseUrl);
  for (const c of root.certificateAuthorities ?? []) check('certificate authority', c, c.uri);
  for (const c of root.timestampAuthorities ?? []) check('timestamp authority', c, c.uri);
}

/**
 * A private CA with no Fulcio, Rekor or CT log (cosign's --ca-roots / --ca-intermediates): a trusted
 * root whose only authority is that chain. Logs and SCTs then have to be ignored explicitly.
 */
export function privateCaRoot(rootsFile: string, intermediatesFile?: string): LoadedTrustRoot {
  const read = (f: string, option: 'caRoots' | 'caIntermediates'): X509Certificate[] => {
    let pem: string;
    try {
      pem = readInputFile(f, MAX_TRUST_FILE_BYTES).toString('utf8');
    } catch {
      throw new TrustgateError('TRUST_ROOT_INVALID', `${option} ${f}: cannot read the file`, { option });
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0)
      throw new TrustgateError('TRUST_ROOT_INVALID', `${option} ${f}: no PEM certificates in it`, { option });
    return blocks.map((b) => {
      try {
        return new X509Certificate(b);
      } catch {
        throw new TrustgateError(
          'TRUST_ROOT_INVALID',
          `${option} ${f}: a certificate in it cannot be parsed`,
          {
            option,
          },
        );
      }
    });
  };
  const roots = read(rootsFile, 'caRoots');
  const intermediates = intermediatesFile ? read(intermediatesFile, 'caIntermediates') : [];
  const certificateAuthorities = roots.map((root) => ({
    subject: {
      organization: 'private CA',
      commonName:
        root.subject
          .split('\n')
          .find((l) => l.startsWith('CN='))
          ?.slice(3) ?? 'root',
    },
    uri: `file:${rootsFile}`,
    certChain: {
      certificates: [...intermediates, root].map((c) => ({ rawBytes: c.raw.toString('base64') })),
    },
    validFor: { start: new Date(root.validFrom).toISOString(), end: new Date(root.validTo).toISOString() },
  }));
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    ctlogs: [],
    timestampAuthorities: [],
    certificateAuthorities,
  });
  return {
    root,
    description: `private CA ${rootsFile}${intermediatesFile ? ` + ${intermediatesFile}` : ''} (no transparency log)`,
  };
}

export interface TufRefreshOptions {
  /** The TUF repository to refresh from. */
  mirror: string;
  /** The initial root.json to trust (for a private repository); default: the embedded public-good one. */
  rootFile?: string;
  /** Where the refreshed metadata is cached between runs. */
  cacheDir: string;
}

/**
 * An explicit online refresh of the trusted root through @sigstore/tuf (--tuf-mirror / --tuf-root).
 * Never done by default: the default is the embedded root, with no network at all.
 */
export async function tufTrustedRoot(opts: TufRefreshOptions): Promise<LoadedTrustRoot> {
  // lazy: TUF (and its HTTP client) is only for an explicit online refresh. @sigstore/tuf is CommonJS:
  // in the bundled CLI its named exports sit on the namespace's default, so both places are looked at.
  const tuf = (await import('@sigstore/tuf')) as typeof import('@sigstore/tuf') & {
    default?: typeof import('@sigstore/tuf');
  };
  const getTrustedRoot = tuf.getTrustedRoot ?? tuf.default?.getTrustedRoot;
  if (typeof getTrustedRoot !== 'function')
    throw new TrustgateError(
      'TRUST_ROOT_INVALID',
      'the TUF client could not be loaded (@sigstore/tuf has no getTrustedRoot)',
    );
  try {
    const root = await getTrustedRoot({
      mirrorURL: opts.mirror,
      ...(opts.rootFile ? { rootPath: opts.rootFile } : {}),
      cachePath: opts.cacheDir,
      forceCache: false,
      retry: 1,
      timeout: 15_000,
    });
    return {
      root,
      description: `trusted root refreshed from TUF mirror ${opts.mirror} (cache ${opts.cacheDir})`,
    };
  } catch (e) {
    throw new TrustgateError(
      'TRUST_ROOT_INVALID',
      `TUF refresh from ${opts.mirror} failed: ${(e as Error).message.split('\n')[0]}`,
      {
        hint: 'check the mirror and --tuf-root, or pass --trusted-root FILE to verify offline',
      },
    );
  }
}

/** The one loader for the static forms; no spec means the embedded public-good root. */
export function loadRoot(spec?: StaticRootSpec & { rekorPublicKey?: string }): LoadedTrustRoot {
  if (spec && 'caRoots' in spec) return privateCaRoot(spec.caRoots, spec.caIntermediates);
  const file = spec && 'trustedRoot' in spec ? spec.trustedRoot : undefined;
  // A Rekor key alone stands alone: the embedded root is not loaded just to be set aside.
  if (spec?.rekorPublicKey)
    return withRekorKey(file !== undefined ? trustedRootFromFile(file) : undefined, spec.rekorPublicKey);
  return file !== undefined ? trustedRootFromFile(file) : embeddedPublicGoodRoot();
}

export function defaultTufCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trustgate', 'tuf');
}

/** Any form, a TUF refresh included (which needs the network, hence async). */
export async function loadRootSpec(
  spec?: RootSpecWithRekor,
  o: { offline?: boolean } = {},
): Promise<LoadedTrustRoot> {
  if (spec && 'tufMirror' in spec && o.offline)
    throw new TrustgateError(
      'OFFLINE',
      `tufMirror ${spec.tufMirror}: a TUF refresh needs the network, and offline mode allows none`,
      { option: 'tufMirror', hint: 'pass a trusted_root.json file with --trusted-root FILE' },
    );
  if (spec && 'tufMirror' in spec)
    return tufTrustedRoot({
      mirror: spec.tufMirror,
      ...(spec.tufRoot ? { rootFile: spec.tufRoot } : {}),
      cacheDir: spec.tufCacheDir ?? defaultTufCacheDir(),
    });
  return loadRoot(spec);
}

/**
 * cosign's --certificate and --certificate-chain: a leaf certificate given out of band, for
 * signatures whose manifest carries none, and the chain it must lead to. The certificate is checked
 * by sigstore-js like any attached one (chain at the signature's time, SCT, identity); only where it
 * comes from differs.
 */
import { X509Certificate } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { TrustgateError } from '../errors.js';
import { readInputFile } from '../util/safe-fs.js';
import type { LoadedTrustRoot } from './roots.js';

const MAX_CERT_FILE_BYTES = 1024 * 1024;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export interface GivenCertificate {
  pem: string;
  der: Buffer;
}

function certificatesIn(spec: string, option: 'certificate' | 'certificateChain'): X509Certificate[] {
  let text = spec;
  if (!spec.includes('-----BEGIN')) {
    try {
      text = readInputFile(spec, MAX_CERT_FILE_BYTES).toString('utf8');
    } catch {
      throw new TrustgateError('USAGE', `${option} ${spec}: cannot read the file`, { option });
    }
  }
  const name = spec.includes('-----BEGIN') ? 'the PEM given' : spec;
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0)
    throw new TrustgateError('USAGE', `${option} ${name}: no PEM certificate in it`, { option });
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new TrustgateError('USAGE', `${option} ${name}: a certificate in it cannot be parsed`, {
        option,
      });
    }
  });
}

/** The leaf certificate: a PEM file, or the PEM text itself. Only the first certificate counts. */
export function loadGivenCertificate(spec: string): GivenCertificate {
  const [leaf] = certificatesIn(spec, 'certificate');
  return { pem: leaf!.toString(), der: leaf!.raw };
}

/**
 * The root with its certificate authorities replaced by one chain (cosign: the leaf's parent first,
 * the root last). Logs and CT logs stay: cosign still checks them against its usual keys.
 */
export function withCertificateChain(base: LoadedTrustRoot, chainFile: string): LoadedTrustRoot {
  const chain = certificatesIn(chainFile, 'certificateChain');
  const root = chain[chain.length - 1]!;
  if (!root.verify(root.publicKey))
    throw new TrustgateError(
      'USAGE',
      `certificateChain ${chainFile}: its last certificate is not a self-signed root`,
      { option: 'certificateChain', hint: 'list the leaf certificate’s parent first and the root last' },
    );
  const json = TrustedRoot.toJSON(base.root) as Record<string, unknown>;
  return {
    root: TrustedRoot.fromJSON({
      ...json,
      certificateAuthorities: [
        {
          subject: { organization: 'certificate chain', commonName: chainFile },
          uri: `file:${chainFile}`,
          certChain: { certificates: chain.map((c) => ({ rawBytes: c.raw.toString('base64') })) },
          validFor: {
            start: new Date(root.validFrom).toISOString(),
            end: new Date(root.validTo).toISOString(),
          },
        },
      ],
    }),
    description: `${base.description}, with its certificate authorities replaced by the chain ${chainFile}`,
  };
}

/** Checks on a bundle that sigstore-js does not make. */
import { X509Certificate } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';

/**
 * sigstore-js verifies only the leaf of an x509CertificateChain. A chain that carries its own root
 * would let a bundle bring its trust along; roots must come from the trusted root only.
 */
export function chainHoldsRoot(bundle: Bundle): string | undefined {
  const vm = bundle.verificationMaterial.content;
  if (vm?.$case !== 'x509CertificateChain') return undefined;
  for (const [i, c] of vm.x509CertificateChain.certificates.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(c.rawBytes));
    } catch {
      return `certificate ${i} of the bundle's chain cannot be parsed`;
    }
    if (cert.subject === cert.issuer && cert.checkIssued(cert) && cert.verify(cert.publicKey)) {
      return `the bundle's certificate chain contains a root certificate (${cert.subject.replace(/\n/g, ', ')}); roots come only from the trusted root`;
    }
  }
  return undefined;
}

/**
 * Counts a bundle may carry before any of it is checked. A signature needs one log entry and at most a
 * few timestamps; a chain is leaf, intermediates, never more than a handful. sigstore-js walks every
 * entry and timestamp it is given, so an unbounded list (within the byte cap) would cost CPU for
 * nothing (sigstore-go GHSA-cq38-jh5f-37mq).
 */
export const BUNDLE_LIMITS = { tlogEntries: 8, timestamps: 8, chainCertificates: 10, dsseSignatures: 8 };

export function bundleOverLimits(bundle: Bundle): string | undefined {
  const vm = bundle.verificationMaterial;
  const counts: Array<[keyof typeof BUNDLE_LIMITS, number, string]> = [
    ['tlogEntries', vm.tlogEntries.length, 'transparency-log entries'],
    ['timestamps', vm.timestampVerificationData?.rfc3161Timestamps.length ?? 0, 'RFC 3161 timestamps'],
    [
      'chainCertificates',
      vm.content?.$case === 'x509CertificateChain' ? vm.content.x509CertificateChain.certificates.length : 0,
      'chain certificates',
    ],
    [
      'dsseSignatures',
      bundle.content.$case === 'dsseEnvelope' ? bundle.content.dsseEnvelope.signatures.length : 0,
      'DSSE signatures',
    ],
  ];
  for (const [key, n, what] of counts) {
    if (n > BUNDLE_LIMITS[key]) {
      return `the bundle carries ${n} ${what}; at most ${BUNDLE_LIMITS[key]} are accepted`;
    }
  }
  return undefined;
}

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

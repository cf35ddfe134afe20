/**
 * An image pushed with what cosign attaches to it, signed by a key and logged in a throwaway keyless
 * world: Sigstore bundle referrers, a legacy `.sig` and a legacy `.att`, in any mix.
 */
import type { RegistryClient } from '../../src/oci/registry/client.js';
import { attLayer } from './cosign-att.js';
import { simpleSigningPayload } from './cosign-sig.js';
import type { BuiltImage } from './image-builder.js';
import type { KeylessWorld, KeySigner } from './keyless.js';
import { pushBundleReferrer, pushImage, pushSig } from './push.js';
import { simpleSigningAnnotations } from './signing.js';

export interface Attachments {
  /** In-toto statements, each as a bundle referrer (with cosign's annotations unless others are given). */
  bundles?: Array<{ statement: Uint8Array; annotations?: Record<string, string> }>;
  /** A legacy `.sig` with cosign's payload for `registry/repo`. */
  sig?: boolean;
  /** Layers of a legacy `.att`. */
  atts?: Array<{ statement: Uint8Array; predicateType: string }>;
}

export async function pushAttached(
  client: RegistryClient,
  registry: string,
  repo: string,
  img: BuiltImage,
  world: KeylessWorld,
  signer: KeySigner,
  attach: Attachments,
): Promise<void> {
  const digest = img.manifest.digest;
  await pushImage(client, registry, repo, img, 'v1');
  for (const b of attach.bundles ?? []) {
    const bundle = await world.signBundle(b.statement, signer);
    const size = img.manifest.bytes.length;
    if (b.annotations) await pushBundleReferrer(client, registry, repo, digest, size, bundle, b.annotations);
    else await pushBundleReferrer(client, registry, repo, digest, size, bundle);
  }
  if (attach.sig) {
    const payload = simpleSigningPayload(digest, `${registry}/${repo}`);
    const sig = await world.signLegacy(payload, signer);
    await pushSig(client, registry, repo, digest, [
      { payload, annotations: simpleSigningAnnotations(sig.signature, sig.rekorBundle) },
    ]);
  }
  const layers = [];
  for (const a of attach.atts ?? []) {
    const signed = await world.signLegacyAttestation(a.statement, signer);
    layers.push(
      attLayer(signed.envelope, a.predicateType, { 'dev.sigstore.cosign/bundle': signed.rekorBundle }),
    );
  }
  if (layers.length > 0) await pushSig(client, registry, repo, digest, layers, '.att');
}

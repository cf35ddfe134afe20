/**
 * Which attachment formats discovery reads. By default every one: Sigstore bundles and cosign
 * signatures stored as OCI 1.1 referrers, and the legacy `.sig`/`.att` tags. cosign reads one format
 * at a time, chosen by `--new-bundle-format` and `--experimental-oci11`; a caller that names either
 * gets cosign's choice exactly (cosign 2.5, pkg/cosign/verify.go):
 *
 * | new-bundle-format | experimental-oci11 | signatures (verify)                   | attestations          |
 * | true              | false              | bundle referrers, else `.sig` tag     | bundle referrers      |
 * | true              | true               | bundle referrers, signature referrers, else `.sig` | bundle referrers |
 * | false             | false              | legacy `.sig` tag                     | legacy `.att` tag     |
 * | false             | true               | signature referrers, then `.sig` tag  | legacy `.att` tag     |
 *
 * (An unnamed flag counts as false, its cosign default. cosign 2.5 reads experimental-oci11 only in
 * `verify`. Its `verify` never passes --new-bundle-format on, so it reads the `.sig` tag whatever the
 * flag says; cosign 3 reads the bundle referrers and falls back to the `.sig` tag when there are none.
 * trustgate does what cosign 3 does: the same answer as cosign 2.5 for every image cosign 2.5 can sign
 * (it cannot sign an image in the bundle format), and bundle-signed images verify.)
 */
import { TrustgateError } from '../errors.js';

export interface DiscoveryFormats {
  /** Sigstore bundles as OCI 1.1 referrers (the referrers API or its tag fallback). */
  bundles: boolean;
  /** cosign simple-signing signatures as OCI 1.1 referrers (cosign's experimental OCI 1.1 mode). */
  signatureReferrers: boolean;
  /** The legacy `[prefix]sha256-<hex>.sig` / `.att` tags (or a `cosign save` layout's entries). */
  legacyTags: boolean;
  /** Read the legacy tags after all when no bundle referrer was found (cosign 3's verify). */
  legacyTagsUnlessBundles?: boolean;
}

export const EVERY_FORMAT: Readonly<DiscoveryFormats> = {
  bundles: true,
  signatureReferrers: true,
  legacyTags: true,
};

/** cosign's two discovery flags, as a library caller or the CLI gives them; unset means not named. */
export interface CosignFormatChoice {
  newBundleFormat?: boolean;
  experimentalOci11?: boolean;
}

/** The formats a command reads: every one unless a cosign flag is named (the table above). */
export function formatsFor(
  choice: CosignFormatChoice | undefined,
  kind: 'signatures' | 'attestations',
): DiscoveryFormats {
  if (choice?.newBundleFormat === undefined && choice?.experimentalOci11 === undefined) return EVERY_FORMAT;
  const bundle = choice.newBundleFormat ?? false;
  const oci11 = kind === 'signatures' && (choice.experimentalOci11 ?? false);
  return {
    bundles: bundle,
    signatureReferrers: oci11,
    legacyTags: !bundle,
    ...(bundle && kind === 'signatures' ? { legacyTagsUnlessBundles: true } : {}),
  };
}

/** What `formats` leaves out, for where-we-looked messages; '' when it reads everything. */
export function formatsNote(formats: DiscoveryFormats): string {
  const read = [
    formats.bundles ? 'Sigstore bundle referrers' : '',
    formats.signatureReferrers ? 'signature referrers' : '',
    formats.legacyTags ? 'legacy tags' : '',
  ].filter(Boolean);
  if (read.length === 3) return '';
  const fallback =
    formats.legacyTagsUnlessBundles && !formats.legacyTags ? ', legacy tags when no bundle' : '';
  return `only ${read.join(' and ')}${fallback} read`;
}

// A tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127} (distribution spec); `sha256-<64 hex>.sig` takes 75.
const TAG_PREFIX = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,52}$/;

/** cosign's --attachment-tag-prefix: put before `sha256-<hex>.sig`, so it must keep the tag valid. */
export function checkTagPrefix(prefix: string): string {
  if (!TAG_PREFIX.test(prefix))
    throw new TrustgateError(
      'USAGE',
      `attachmentTagPrefix "${prefix}" cannot start a tag: use letters, digits, _ . - (not first: . -), at most 53 characters`,
      { option: 'attachmentTagPrefix' },
    );
  return prefix;
}

/** The legacy tag of `digest` with `suffix`, after the prefix; cosign save layouts have no prefix. */
export function legacyTagName(sourceName: string, digestTagText: string, prefix: string | undefined): string {
  return prefix && !sourceName.startsWith('oci:') ? `${prefix}${digestTagText}` : digestTagText;
}

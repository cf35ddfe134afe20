/**
 * Where a trust root comes from, as data: what a policy file or the CLI's flags name, before anything
 * is read. Kept apart from roots.ts (which loads roots with sigstore-js) so that mapping flags to a
 * spec loads nothing at start-up.
 */
/** A trust root as a policy file names it; the CLI's flags come down to one of these too. */
export type StaticRootSpec =
  | { embedded: 'public-good' }
  | { trustedRoot: string }
  | { caRoots: string; caIntermediates?: string };

/** An explicit online refresh (--tuf-mirror): only the CLI and library callers ask for it. */
export interface TufRootSpec {
  tufMirror: string;
  tufRoot?: string;
  /** Default: $XDG_CACHE_HOME/trustgate/tuf, else ~/.cache/trustgate/tuf. */
  tufCacheDir?: string;
}

export type RootSpec = StaticRootSpec | TufRootSpec;

/**
 * A Rekor key given on its own (--rekor-public-key) replaces the transparency logs of a trusted_root.json
 * file; without one it stands alone, not added to the embedded public-good root (cosign's behaviour).
 * A private CA or a TUF refresh ignores it.
 */
export type RootSpecWithRekor = RootSpec & { rekorPublicKey?: string };

/**
 * The CLI's and VerifyOptions' root fields as one spec, by their precedence: a private CA, then a TUF
 * refresh, then a trusted_root.json file, else the embedded root.
 */
export function rootSpecOf(o: {
  caRoots?: string;
  caIntermediates?: string;
  tufMirror?: string;
  tufRoot?: string;
  tufCacheDir?: string;
  trustedRoot?: string;
  rekorPublicKey?: string;
}): RootSpecWithRekor {
  const rekor = o.rekorPublicKey ? { rekorPublicKey: o.rekorPublicKey } : {};
  if (o.caRoots)
    return { caRoots: o.caRoots, ...(o.caIntermediates ? { caIntermediates: o.caIntermediates } : {}) };
  if (o.tufMirror)
    return {
      tufMirror: o.tufMirror,
      ...(o.tufRoot ? { tufRoot: o.tufRoot } : {}),
      ...(o.tufCacheDir ? { tufCacheDir: o.tufCacheDir } : {}),
    };
  if (o.trustedRoot) return { trustedRoot: o.trustedRoot, ...rekor };
  return { embedded: 'public-good', ...rekor };
}

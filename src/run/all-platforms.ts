/**
 * `--all-platforms`: every reference to a multi-arch index is followed by one reference per platform
 * image (registry/repo@child-digest, or oci:PATH@child-digest), so the run verifies each child as an
 * image of its own, with the same code, output and verdict rules as an image given on the command
 * line. A reference that is no index, or that cannot be resolved, is left as it is (the run itself
 * reports why it cannot be read).
 */
import { describeError } from '../errors.js';
import type { RegistryClient } from '../oci/registry/client.js';
import { formatDigestReference, parseReference } from '../reference/parse.js';
import { platformImages } from '../resolve/platforms.js';
import { resolveImage } from '../resolve/resolve.js';

export interface PlatformExpansion {
  references: string[];
  /** Each added reference's platform (os/arch[/variant]) and the index reference it came from. */
  platforms: Map<string, { platform: string; index: string }>;
  /** References whose platform images could not be listed, and why (they fail the run). */
  failures: Array<{ reference: string; message: string }>;
}

export async function expandPlatforms(
  references: string[],
  client: RegistryClient,
): Promise<PlatformExpansion> {
  const out: PlatformExpansion = { references: [], platforms: new Map(), failures: [] };
  for (const reference of references) {
    out.references.push(reference);
    let parsed: ReturnType<typeof parseReference>;
    try {
      parsed = parseReference(reference);
    } catch {
      continue; // the run reports the unparsable reference
    }
    try {
      const image = await resolveImage(parsed, { client });
      const listed = await platformImages(image.source, image.digest);
      if (!listed.index) continue;
      for (const child of listed.children) {
        const ref = formatDigestReference(parsed, child.digest);
        if (out.platforms.has(ref)) continue;
        out.references.push(ref);
        out.platforms.set(ref, { platform: child.platform, index: reference });
      }
    } catch (e) {
      out.failures.push({ reference, message: describeError(e) });
    }
  }
  return out;
}

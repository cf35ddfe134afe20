/**
 * The name policy rules match an image by: `registry/repository`, with no tag or digest. Registry
 * references get it from parse.ts's normalisation (lowercase host, `index.docker.io` → `docker.io`,
 * `library/` for official images), plus one rule for naming only: the HTTPS default port is dropped,
 * since `host:443` and `host` are one registry and rules are written without it. (The parsed reference
 * keeps the port: it is what we connect to.) A name given on its own, such as `--image-name` for an
 * OCI layout, goes through the same parser, so it matches exactly as the pulled image would.
 */
import { TrustgateError } from '../errors.js';
import { truncate } from './digest.js';
import { parseRegistryReference, type RegistryReference } from './parse.js';

export interface ImageName {
  /** registry/repository, e.g. docker.io/library/nginx. */
  name: string;
  registry: string;
}

export function imageNameOf(ref: Pick<RegistryReference, 'registry' | 'repository'>): ImageName {
  const registry = ref.registry.replace(/:443$/, '');
  return { name: `${registry}/${ref.repository}`, registry };
}

/**
 * `registry/repository` as a user gave it; `where` names it in the error, and `option` is the library
 * option it came from (the CLI names its flag).
 */
export function parseImageName(input: string, where: string, option?: string): ImageName {
  const opts = option === undefined ? {} : { option };
  const hint =
    'give the registry/repository the image will be pulled as, without tag or digest: registry.example/team/app';
  if (input.startsWith('oci:'))
    throw new TrustgateError('USAGE', `${where} "${truncate(input)}" is a layout, not a registry name`, {
      ...opts,
      hint,
    });
  let ref: RegistryReference;
  try {
    ref = parseRegistryReference(input);
  } catch (e) {
    const why = (e as Error).message.replace(/^invalid image reference "[^"]*": /, '');
    throw new TrustgateError('USAGE', `${where} "${truncate(input)}" is not a valid image name: ${why}`, {
      ...opts,
      hint,
    });
  }
  if (ref.tag !== undefined || ref.digest !== undefined)
    throw new TrustgateError(
      'USAGE',
      `${where} "${truncate(input)}" names a ${ref.digest ? 'digest' : 'tag'}; rules match registry/repository only`,
      { ...opts, hint },
    );
  return imageNameOf(ref);
}

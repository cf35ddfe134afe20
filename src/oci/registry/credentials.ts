/**
 * The credentials a RegistryClient uses, from its options: a caller's own Keychain, or explicit
 * credentials (cosign's --registry-username/-password/-token) bound to one registry host, then
 * Docker's config.json. Secrets stay in memory and are registered for redaction: they are never
 * logged, and helper output is never echoed in errors.
 */
import { TrustgateError } from '../../errors.js';
import { DockerConfigKeychain } from './docker-keychain.js';
import {
  chainKeychains,
  type Keychain,
  runKeychain,
  type StaticCredentials,
  StaticKeychain,
} from './keychain.js';

export type { Credential } from './keychain.js';
export { normalizeRegistryHost } from './registry-host.js';

export interface CredentialOptions extends StaticCredentials {
  /** Directory holding config.json; defaults to $DOCKER_CONFIG, then ~/.docker. */
  dockerConfigDir?: string;
  /** Set false to ignore Docker's config entirely. */
  useDockerConfig?: boolean;
  /**
   * Where credentials come from, in place of the options above and Docker's config (compose with
   * chainKeychains, StaticKeychain and DockerConfigKeychain to keep them). Whatever it returns is
   * registered for redaction and asked once per registry host.
   */
  keychain?: Keychain;
}

/** The run's keychain for these options. */
export function keychainFrom(options: CredentialOptions): Keychain {
  if (options.keychain) {
    const explicit = (['username', 'password', 'registryToken', 'registryHost'] as const).filter(
      (k) => options[k] !== undefined,
    );
    if (explicit.length > 0) {
      throw new TrustgateError(
        'USAGE',
        `the keychain option replaces ${explicit.join(', ')}: give those credentials through the keychain`,
        { hint: 'chainKeychains(new StaticKeychain({ ..., registryHost }), yourKeychain) keeps both' },
      );
    }
    return runKeychain(options.keychain);
  }
  const given = new StaticKeychain(options);
  if (options.useDockerConfig === false) return runKeychain(given);
  return runKeychain(chainKeychains(given, new DockerConfigKeychain(options)));
}

export * from './layout/layout-source.js';
export * from './media-types.js';
export * from './registry/client.js';
export type { Credential, CredentialOptions } from './registry/credentials.js';
export { DockerConfigKeychain } from './registry/docker-keychain.js';
export {
  chainKeychains,
  type Keychain,
  type StaticCredentials,
  StaticKeychain,
} from './registry/keychain.js';
export { deleteManifest, pushBlob, pushManifest } from './registry/push.js';
export type { HttpTransport, TransportOptions } from './registry/transport.js';
export * from './schema.js';
export * from './source.js';

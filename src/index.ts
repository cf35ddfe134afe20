/** trustgate as a library: every CLI command is one of these calls. */
export * from './errors.js';
export * from './exit-codes.js';
export * from './oci/index.js';
export * from './reference/index.js';
export * from './resolve/resolve.js';
export { VERSION } from './version.js';

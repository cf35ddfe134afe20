export * from '../inputs/manifests.js';

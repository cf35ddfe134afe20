export * from '../trust/keys.js';

export * from '../trust/identity.js';

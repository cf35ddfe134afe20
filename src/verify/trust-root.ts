export * from '../trust/roots.js';

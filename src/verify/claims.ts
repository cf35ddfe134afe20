export * from '../trust/claims.js';

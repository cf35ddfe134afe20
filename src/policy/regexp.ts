export * from '../trust/regexp.js';

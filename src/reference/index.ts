export * from './digest.js';
export * from './parse.js';

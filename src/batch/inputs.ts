export * from '../inputs/inputs.js';

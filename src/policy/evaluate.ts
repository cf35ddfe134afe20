export * from './evaluate/index.js';

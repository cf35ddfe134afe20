export * from '../run/each-image.js';

export * from '../inputs/pin.js';

export * from '../report/formats.js';

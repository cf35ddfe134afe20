export * from '../discovery/cache.js';

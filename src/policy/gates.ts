export * from './evaluate/gates/finding.js';
export * from './evaluate/gates/sbom.js';
export * from './evaluate/gates/slsa.js';
export * from './evaluate/gates/vulnerabilities.js';

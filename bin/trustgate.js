#!/usr/bin/env node
// Entry point. Checks the runtime before loading anything else, caches compiled code, and loads the
// CLI as one bundled file (dist/cli/main.mjs): resolving ~30 ES modules one by one costs more start-up
// time than everything a single resolve does.
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(
    `trustgate: Node.js >= 22.22 is required, this is ${process.versions.node}. In a checkout, run it through npm (npm exec trustgate) to use the project's Node 24.\n`,
  );
  process.exit(2);
}
module.enableCompileCache?.();
let main;
try {
  ({ main } = await import('../dist/cli/main.mjs'));
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.mjs')) {
    process.stderr.write('trustgate: not built yet: run `npm run build` (npm ci does it for you)\n');
    process.exit(1);
  }
  throw e;
}
process.exitCode = await main(process.argv);

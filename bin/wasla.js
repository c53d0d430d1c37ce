#!/usr/bin/env node
// The `wasla` command: runs the compiled CLI in dist/ in this very process (so signals such as
// SIGTERM reach the hub directly), building it first when dist/ is missing or stale
// (scripts/build.mjs). Development runs the sources instead: `node --import tsx src/cli/main.ts`.
import { ensureBuilt } from '../scripts/build.mjs';

try {
  ensureBuilt();
} catch (err) {
  process.stderr.write(`wasla: ${err.message}\n`);
  process.exit(1);
}
await import('../dist/cli/main.js');

/** Writes docs/cli.md from the command tree (`npm run docs:cli`); a test fails when it drifts. */
import { writeFileSync } from 'node:fs';
import { cliReference } from '../src/cli/reference.js';

writeFileSync('docs/cli.md', cliReference());
process.stdout.write('wrote docs/cli.md\n');

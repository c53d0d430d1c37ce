#!/usr/bin/env node
/**
 * Builds the SDK package (packages/sdk): compiles src/client and the trust primitives it imports
 * (the dependency rules keep it to those) into packages/sdk/dist with declarations, and copies the
 * licence in. `npm run build:sdk`; `npm pack ./packages/sdk` then makes the tarball institutions
 * install.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SDK = join(ROOT, 'packages', 'sdk');
rmSync(join(SDK, 'dist'), { recursive: true, force: true });
const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(SDK, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
copyFileSync(join(ROOT, 'LICENSE'), join(SDK, 'LICENSE'));
process.stdout.write('built packages/sdk/dist\n');

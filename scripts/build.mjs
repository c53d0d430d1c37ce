#!/usr/bin/env node
/**
 * The compiled build: `npm run build` emits JavaScript, declarations and source maps for src/ into
 * dist/ (tsconfig.build.json), with the SQL migrations beside the store that applies them. `wasla`
 * and `npm start` run dist/ and call `ensureBuilt()` first, which rebuilds only when dist/ is
 * missing or stale, so a fresh clone's `npm install && npm start` still works in one step.
 *
 * Stale means: the fingerprint of the sources (every file under src/ and the two tsconfig files:
 * path, size and modification time) differs from the one recorded by the last build. A checkout or
 * an edit changes it; a build that failed half-way records none, so the next start builds again.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];

function* files(path) {
  const st = statSync(path);
  if (!st.isDirectory()) {
    yield [path, st];
    return;
  }
  for (const name of readdirSync(path).sort()) yield* files(join(path, name));
}

/** what the build was made from: a hash over each input file's path, size and modification time */
export function sourceFingerprint(root = ROOT) {
  const h = createHash('sha256');
  for (const input of INPUTS) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    for (const [file, st] of files(path)) h.update(`${relative(root, file)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

export function isFresh(root = ROOT) {
  const stamp = join(root, 'dist', '.build-stamp');
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourceFingerprint(root);
}

/**
 * Compile src/ into dist/; throws with the compiler's output when it fails. The output is built
 * apart and then put in place, so a process starting meanwhile never runs half a build.
 */
export function build({ quiet = false } = {}) {
  const fingerprint = sourceFingerprint();
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    throw new Error('dist/ is missing or stale and TypeScript is not installed to build it: run `npm install` (with dev dependencies), then `npm run build`');
  }
  const out = `${DIST}.${process.pid}.tmp`;
  rmSync(out, { recursive: true, force: true });
  try {
    const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the build failed:\n${r.stdout}${r.stderr}`);
    // the store applies its migrations from the folder beside it, compiled or not
    cpSync(join(ROOT, 'src', 'store', 'migrations'), join(out, 'store', 'migrations'), { recursive: true });
    writeFileSync(join(out, '.build-stamp'), `${fingerprint}\n`);
    rmSync(DIST, { recursive: true, force: true });
    renameSync(out, DIST);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (!quiet) process.stderr.write('wasla: built dist/ from src/\n');
}

/** Build when dist/ is missing or stale; otherwise nothing. */
export function ensureBuilt() {
  if (!isFresh()) build();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    build({ quiet: true });
    process.stdout.write(`built dist/ (${sourceFingerprint().slice(0, 12)})\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

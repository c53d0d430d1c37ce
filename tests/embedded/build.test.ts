/**
 * The compiled build (scripts/build.mjs): `wasla` runs dist/, building it when it is missing or
 * stale and never otherwise, and the compiled CLI works on the repository's contracts. Run on a
 * copy of the repository, so the developer's own dist/ is never touched.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';

const run = promisify(execFile);
const REPO = resolve('.');

describe('the compiled build', () => {
  let dir: string;
  const wasla = (...args: string[]) => run(process.execPath, [join(dir, 'bin', 'wasla.js'), ...args], { cwd: dir, env: { ...process.env, WASLA_LOG_LEVEL: 'silent' } });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wasla-build-'));
    for (const p of ['src', 'scripts', 'bin', 'contracts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(REPO, p), join(dir, p), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds dist/ on the first run, not on the next, and again when a source changes', async () => {
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const first = await wasla('--version');
    expect(first.stdout.trim()).toBe(`wasla ${VERSION} (Node ${process.versions.node})`);
    expect(first.stderr).toContain('built dist/');
    expect(existsSync(join(dir, 'dist', 'store', 'migrations', 'meta', '_journal.json'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'hub.d.ts'))).toBe(true);

    const second = await wasla('--version');
    expect(second.stderr).not.toContain('built dist/');

    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'src', 'version.ts'), later, later);
    const third = await wasla('--version');
    expect(third.stderr).toContain('built dist/');
  });

  it('runs the compiled commands against the contract set', async () => {
    const r = await wasla('contracts', 'check');
    expect(r.stdout).toMatch(/^contracts ok: \d+ institutions/);
  });
});

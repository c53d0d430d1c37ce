/**
 * The case-index secret (issue 24): WASLA_INDEX_SECRET is checked without ever being echoed; unset,
 * the first start makes index.secret in the PKI directory (0600) and every later start, or another
 * process, reads the same one; the cursor secret is derived from it and differs from it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { querySecrets } from '../../../src/compose/query-secrets.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';

const log = createLogger('silent');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the case-index secret', () => {
  it('takes WASLA_INDEX_SECRET as base64 of at least 32 bytes, and never echoes a refused value', () => {
    const good = randomBytes(32).toString('base64');
    expect(loadConfig({ WASLA_INDEX_SECRET: good }).indexSecret?.equals(Buffer.from(good, 'base64'))).toBe(true);
    expect(loadConfig({ WASLA_INDEX_SECRET: randomBytes(40).toString('base64url') }).indexSecret?.length).toBe(40);
    const short = randomBytes(16).toString('base64');
    expect(() => loadConfig({ WASLA_INDEX_SECRET: short })).toThrow(/WASLA_INDEX_SECRET: expected at least 32 bytes once decoded, got 16/);
    try {
      loadConfig({ WASLA_INDEX_SECRET: `${short}!` });
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
    expect(loadConfig({}).indexSecret).toBeUndefined();
  });

  it('makes index.secret once in the PKI directory, mode 0600, and reads the same one after', () => {
    const pkiDir = mkdtempSync(join(tmpdir(), 'wasla-secret-'));
    dirs.push(pkiDir);
    const a = querySecrets({ pkiDir }, log);
    const b = querySecrets({ pkiDir }, log);
    expect(Buffer.from(a.indexSecret).equals(Buffer.from(b.indexSecret))).toBe(true);
    expect(a.indexSecret.length).toBe(32);
    expect(statSync(join(pkiDir, 'index.secret')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(join(pkiDir, 'index.secret'), 'utf8').trim(), 'base64').equals(Buffer.from(a.indexSecret))).toBe(true);
    expect(Buffer.from(a.cursorSecret).equals(Buffer.from(a.indexSecret))).toBe(false);
  });

  it('prefers the configured secret to the file', () => {
    const pkiDir = mkdtempSync(join(tmpdir(), 'wasla-secret-'));
    dirs.push(pkiDir);
    const configured = randomBytes(32);
    expect(Buffer.from(querySecrets({ pkiDir, indexSecret: configured }, log).indexSecret).equals(configured)).toBe(true);
    expect(() => statSync(join(pkiDir, 'index.secret'))).toThrow();
  });
});

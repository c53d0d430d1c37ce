/**
 * The bench's preload options and the kept database's name: refused where they cannot apply, and
 * a name PostgreSQL accepts that changes with what makes a kept history stale.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../bench/options.js';
import { keptDatabaseName, preloadFingerprint } from '../../../bench/preload.js';

describe('bench --preload options', () => {
  it('defaults to an empty database, and takes N with --keep-preload', () => {
    expect(parseOptions([])).toMatchObject({ preload: 0, keepPreload: false });
    expect(parseOptions(['--preload', '1000000', '--keep-preload'])).toMatchObject({ preload: 1_000_000, keepPreload: true });
  });

  it('refuses a preload in embedded mode, a keep without a preload, and sizes out of range', () => {
    expect(() => parseOptions(['--preload', '1000', '--embedded'])).toThrow(/--preload: .*embedded/);
    expect(() => parseOptions(['--keep-preload'])).toThrow(/--keep-preload: give --preload N/);
    expect(() => parseOptions(['--preload=-1'])).toThrow(/--preload: expected a number in 0..10000000/);
    expect(() => parseOptions(['--preload', '20000000'])).toThrow(/--preload/);
  });
});

describe('the kept database', () => {
  const repo = resolve('.');
  it('is named by N, fan-out and a fingerprint, within the 63 characters of a PostgreSQL name', () => {
    const name = keptDatabaseName(10_000_000, 3, preloadFingerprint(repo, 3, 8400));
    expect(name).toMatch(/^wasla_bench_pre_10000000_f3_[0-9a-f]{12}$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('gets another fingerprint for another fan-out or body size, the same for the same', () => {
    const a = preloadFingerprint(repo, 2, 1024);
    expect(preloadFingerprint(repo, 2, 1024)).toBe(a);
    expect(preloadFingerprint(repo, 3, 1024)).not.toBe(a);
    expect(preloadFingerprint(repo, 2, 2048)).not.toBe(a);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, DataDirLockedError } from '../../src/store/index.js';
import { storeSuite } from '../shared/store.suite.js';

storeSuite('PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-store-'));
  const database = await openDatabase({ dataDir: dir });
  return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('embedded data directory', () => {
  it('refuses a second opener of the same directory, and reopens after close with the data kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-lock-'));
    try {
      const a = await openDatabase({ dataDir: dir });
      await a.db.execute(sql`create table kept (v int)`);
      await a.db.execute(sql`insert into kept values (7)`);
      await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
      await a.close();
      const b = await openDatabase({ dataDir: dir });
      const r = await b.db.execute(sql`select v from kept`);
      expect(((r as any).rows ?? r)[0].v).toBe(7);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

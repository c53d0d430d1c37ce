import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '../../src/store/index.js';
import { deadlinesSuite } from '../shared/deadlines.suite.js';

deadlinesSuite('PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-deadlines-db-'));
  let database: Database = await openDatabase({ dataDir: dir });
  return {
    database,
    // a restarted embedded hub: the same data directory, opened again
    reopen: async () => {
      await database.close();
      database = await openDatabase({ dataDir: dir });
      return database;
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

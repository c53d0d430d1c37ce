import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/index.js';
import { emitSuite } from '../shared/emit.suite.js';

emitSuite('PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-emit-db-'));
  const database = await openDatabase({ dataDir: dir });
  return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

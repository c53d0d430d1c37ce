import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/index.js';
import { caseIndexSuite } from '../shared/case-index.suite.js';

caseIndexSuite(
  'PGlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-case-index-'));
    const database = await openDatabase({ dataDir: dir });
    return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  30,
);

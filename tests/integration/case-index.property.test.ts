import { openDatabase } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/services.js';
import { caseIndexSuite } from '../shared/case-index.suite.js';

caseIndexSuite(
  'PostgreSQL server',
  async () => {
    const tdb = await createTestDatabase();
    const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 2 });
    return { database, cleanup: () => tdb.drop() };
  },
  40,
);

import { openDatabase } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/services.js';
import { emitSuite } from '../shared/emit.suite.js';

emitSuite('PostgreSQL server', async () => {
  const tdb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
  return { database, cleanup: () => tdb.drop() };
});

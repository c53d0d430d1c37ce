import { openDatabase } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/services.js';
import { storeSuite } from '../shared/store.suite.js';

storeSuite('PostgreSQL server', async () => {
  const tdb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 12 });
  return { database, cleanup: () => tdb.drop() };
});

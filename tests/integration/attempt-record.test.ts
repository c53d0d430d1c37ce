import { openDatabase } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/services.js';
import { attemptRecordSuite } from '../shared/attempt-record.suite.js';

attemptRecordSuite('PostgreSQL server', async () => {
  const tdb = await createTestDatabase();
  const database = await openDatabase({ databaseUrl: tdb.url, poolSize: 8 });
  return { database, cleanup: () => tdb.drop() };
});

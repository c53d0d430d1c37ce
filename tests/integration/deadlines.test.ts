import { type Database, openDatabase } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/services.js';
import { deadlinesSuite } from '../shared/deadlines.suite.js';

deadlinesSuite('PostgreSQL server', async () => {
  const tdb = await createTestDatabase();
  let database: Database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
  return {
    database,
    // a restarted hub: a new pool on the same database
    reopen: async () => {
      await database.close();
      database = await openDatabase({ databaseUrl: tdb.url, poolSize: 4 });
      return database;
    },
    cleanup: () => tdb.drop(),
  };
});

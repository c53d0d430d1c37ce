import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { appendAudit } from '../../src/audit/log.js';
import { openDatabase } from '../../src/store/index.js';
import { auditSuite } from '../shared/audit.suite.js';

auditSuite('PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-'));
  const database = await openDatabase({ dataDir: dir });
  return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('wasla audit verify', () => {
  const verify = (dataDir: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, WASLA_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], { env })
      .then(({ stdout }) => ({ code: 0, out: stdout }), (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }));
  };

  it('seals what is committed and reports the head; exits 1 naming the first altered entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-cli-'));
    try {
      let database = await openDatabase({ dataDir: dir });
      for (const subject of ['a', 'b', 'c']) await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry', subject }]));
      await database.close();

      const intact = await verify(dir);
      expect(intact.code).toBe(0);
      expect(intact.out).toMatch(/^audit log intact: 3 entries, head [0-9a-f]{64}\n$/);

      database = await openDatabase({ dataDir: dir });
      await database.db.execute(sql`update audit_log set subject = 'x' where subject = 'b'`);
      await database.close();
      const broken = await verify(dir);
      expect(broken.code).toBe(1);
      expect(broken.out).toMatch(/^AUDIT LOG BROKEN at entry 2: entry 2 \(id \d+\) was altered \(1 entries verified before it\)\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { appendAudit, type AuditAction } from '../../src/audit/writer.js';
import { openDatabase } from '../../src/store/index.js';
import { auditSuite } from '../shared/audit.suite.js';
import { spendTransactionIdsUntil } from '../helpers/xid.js';
import { initCa } from '../../src/trust/index.js';

auditSuite(
  'PGlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-'));
    const database = await openDatabase({ dataDir: dir });
    return { database, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  {
    // a fresh PGlite starts below 1,000: its counter is moved by spending ids
    boundaries: [1_000n, 10_000n, 100_000n],
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-xid-'));
      const database = await openDatabase({ dataDir: dir });
      return {
        database,
        moveCounterTo: async (next) => (await spendTransactionIdsUntil(database.db, next), database),
        cleanup: async () => {
          await database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
);

describe('wasla audit verify', () => {
  const verify = (dataDir: string, ...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, WASLA_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify', ...args], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout, err: stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout, err: err.stderr }),
    );
  };

  it('seals what is committed and reports the head; checks a recorded head; exits 1 naming the first altered entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-cli-'));
    try {
      let database = await openDatabase({ dataDir: dir });
      for (const subject of ['a', 'b', 'c']) await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject }]));
      await database.close();

      const intact = await verify(dir);
      expect(intact.code).toBe(0);
      expect(intact.out).toMatch(/^audit log intact: 3 entries, head 3:[0-9a-f]{64}\n/);
      // the head it printed, kept elsewhere, is checked on the next verification
      const head = /head (3:[0-9a-f]{64})/.exec(intact.out)![1];
      const again = await verify(dir, '--expect-head', head);
      expect(again.code).toBe(0);
      expect(again.out.split('\n')[0]).toBe(`audit log intact: 3 entries, head ${head}; the recorded head ${head} is in it`);
      const wrong = await verify(dir, '--expect-head', `3:${'0'.repeat(64)}`);
      expect(wrong.code).toBe(1);
      expect(wrong.out).toMatch(/^AUDIT LOG BROKEN at entry 3: entry 3 does not have the recorded head's hash/);
      const beyond = await verify(dir, '--expect-head', head.replace(/^3:/, '4:'));
      expect(beyond.code).toBe(1);
      expect(beyond.out).toMatch(/^AUDIT LOG BROKEN at entry 4: the chain ends at entry 3, before the recorded head at entry 4/);
      const malformed = await verify(dir, '--expect-head', 'abc');
      expect(malformed.code).toBe(2);
      expect(malformed.err).toMatch(/--expect-head: expected <entry>:<64 hex digits>/);
      // issue 29: only what came after a head verified earlier
      const since = await verify(dir, '--since', head);
      expect(since.code, since.out + since.err).toBe(0);
      expect(since.out.split('\n')[0]).toBe(`audit log intact: 3 entries, head ${head}; checked from entry 4 on (seal 1), the entries before it taken from a head verified earlier`);
      const sinceWrong = await verify(dir, '--since', `3:${'0'.repeat(64)}`);
      expect(sinceWrong.code).toBe(1);
      expect(sinceWrong.out).toMatch(/^AUDIT LOG BROKEN at entry 3: entry 3 does not have the recorded head's hash/);

      database = await openDatabase({ dataDir: dir });
      await database.db.execute(sql`update audit_log set subject = 'x' where subject = 'b'`);
      await database.close();
      const broken = await verify(dir);
      expect(broken.code).toBe(1);
      expect(broken.out).toMatch(/^AUDIT LOG BROKEN at entry 2: entry 2 \(id \d+\) was altered \(1 entries verified before it\)\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // eight CLI processes, each opening the PGlite data directory and migrating it: 5 s each on a slow host
  }, 160_000);

  it('signs each seal with the hub key when it has one, and exits 1 when a seal signature was altered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-cli-'));
    try {
      initCa(join(dir, 'pki'), { commonName: 'Seal test CA' });
      let database = await openDatabase({ dataDir: dir });
      for (const subject of ['a', 'b']) await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject }]));
      await database.close();
      const intact = await verify(dir);
      expect(intact.code, intact.out + intact.err).toBe(0);
      expect(intact.out).toMatch(/\nseals signed by the hub: 1\n$/);

      database = await openDatabase({ dataDir: dir });
      // a forged signature value, of the right shape: a byte changed
      await database.db.execute(
        sql`update audit_seals set signature = jsonb_set(signature, '{value}', to_jsonb(case when left(signature->>'value', 1) = 'A' then 'B' else 'A' end || substr(signature->>'value', 2)))`,
      );
      await database.close();
      const broken = await verify(dir);
      expect(broken.code).toBe(1);
      expect(broken.out).toMatch(/AUDIT SEAL SIGNATURE BROKEN: seal 1 its signature does not verify/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('exports a signed bundle that verify-bundle accepts offline with the pinned CA, and refuses once a byte changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-cli-'));
    const cli = (...args: string[]) => {
      const env: NodeJS.ProcessEnv = { ...process.env, WASLA_DATA_DIR: dir };
      delete env.DATABASE_URL;
      delete env.REDIS_URL;
      delete env.WASLA_PKI_DIR;
      return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', ...args], { env }).then(
        ({ stdout }) => ({ code: 0, out: stdout }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
      );
    };
    try {
      const { caCertPem } = initCa(join(dir, 'pki'), { commonName: 'Export test CA' });
      writeFileSync(join(dir, 'ca.pem'), caCertPem);
      const database = await openDatabase({ dataDir: dir });
      for (const subject of ['a', 'b', 'c']) await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject }]));
      await database.close();
      const bundle = join(dir, 'bundle.json');
      const exported = await cli('export', '--out', bundle);
      expect(exported.code, exported.out).toBe(0);
      expect(exported.out).toMatch(/^wrote .*bundle\.json: 1 seals, 3 entries, 0 evidences of origin\n$/);
      const ok = await cli('verify-bundle', bundle, '--ca', join(dir, 'ca.pem'));
      expect(ok.code, ok.out).toBe(0);
      expect(ok.out).toMatch(/^bundle verified: 1 seals, 3 entries up to 3:[0-9a-f]{64}, 0 evidences of origin; signed by a hub of the CA you trust\n$/);
      writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('"subject":"b"', '"subject":"x"'));
      const broken = await cli('verify-bundle', bundle, '--ca', join(dir, 'ca.pem'));
      expect(broken.code).toBe(1);
      expect(broken.out).toMatch(/^BUNDLE BROKEN: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('exits 1 for a row outside every seal, with or without a recorded head, naming the row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasla-audit-cli-'));
    try {
      let database = await openDatabase({ dataDir: dir });
      for (const subject of ['a', 'b', 'c']) await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject }]));
      await database.close();
      const intact = await verify(dir);
      expect(intact.code).toBe(0);
      const head = /head (3:[0-9a-f]{64})/.exec(intact.out)![1];

      database = await openDatabase({ dataDir: dir });
      await database.db.execute(sql`insert into audit_log (id, tx, at, actor, action, data) values (77, '0', now(), 'forger', 'message.accepted', '{}')`);
      await database.close();
      for (const args of [[], ['--expect-head', head]]) {
        const r = await verify(dir, ...args);
        expect(r.code, r.out + r.err).toBe(1);
        expect(r.out).toBe('AUDIT LOG BROKEN: the table holds 4 rows, the chain and the entries waiting for it account for 3: id 77 (tx 0) is outside every seal (3 entries verified in the chain)\n');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

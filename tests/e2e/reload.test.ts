/** Contracts reload without restart: a new grant takes effect, a faulty set is refused. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { contractsWithRetry } from '../helpers/contracts.js';
import { requestReload } from '../../src/cli/commands/reload.js';
import { REDIS_URL } from '../helpers/services.js';
import { post, warrant } from '../shared/spine.suite.js';

describe('contracts reload (server mode)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  beforeAll(async () => {
    henv = await makeHubEnv('server');
    dir = contractsWithRetry({ schedule: [1], jitter: 0 });
    hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: dir });
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
  });

  async function until(cond: () => boolean | Promise<boolean>) {
    const end = Date.now() + 5000;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('applies a changed agreement without restart and writes the reload to the audit log', async () => {
    const file = join(dir, 'agreements', 'warrants-courts-police.json');
    const a = JSON.parse(readFileSync(file, 'utf8'));
    const before = await post(hub, warrant());
    expect(before.status).toBe(202);
    const keyed = warrant({ warrantNumber: 'W-RELOAD-KEYED' });
    const first = await post(hub, keyed, { 'idempotency-key': 'before-suspension' });
    expect(first.status).toBe(202);
    // the agreement is suspended: its warrant grant removed
    a.grants = a.grants.filter((g: any) => g.id !== 'warrants-to-police');
    writeFileSync(file, JSON.stringify(a));
    const old = hub.contracts();
    expect(await requestReload({ redisUrl: REDIS_URL, dataDir: '', prefix: henv.prefix, actor: 'operator:test' })).toMatch(/from [1-9]/);
    await until(() => hub.contracts() !== old);
    const after = await post(hub, warrant());
    expect(after.status).toBe(403);
    // a repeat of a message accepted before the change still gets its first answer, stored once
    const repeat = await post(hub, keyed, { 'idempotency-key': 'before-suspension' });
    expect(repeat.status).toBe(202);
    expect(repeat.json).toEqual(first.json);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    const reloads = async () => {
      const rows = await hub.database.db.execute(sql`select actor from audit_log where action = 'contracts.reloaded'`);
      return ((rows as any).rows ?? rows).map((r: any) => r.actor) as string[];
    };
    await until(async () => (await reloads()).includes('operator:test'));
    expect(await reloads()).toContain('operator:test');
  });

  it('refuses a faulty set and keeps the one in force', async () => {
    const current = hub.contracts();
    writeFileSync(join(dir, 'institutions', 'broken.json'), '{"id": 7}');
    await requestReload({ redisUrl: REDIS_URL, dataDir: '', prefix: henv.prefix, actor: 'operator:test' });
    await new Promise((r) => setTimeout(r, 500));
    expect(hub.contracts()).toBe(current);
  });
});

/**
 * The hub's own messages (intake/emit.ts) on both database drivers: validated, routed with the hub
 * as sender, committed with their deliveries and audit entry inside the caller's transaction, once
 * per key, and one refused message refusing only itself.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { indexValue } from '../../src/queries/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitHubMessages, type HubMessage } from '../../src/intake/emit.js';
import { HUB_INSTITUTION_ID } from '../../src/federation/index.js';
import { loadContracts } from '../../src/routing/index.js';
import type { Contracts } from '../../src/routing/types.js';
import type { Database } from '../../src/store/index.js';
import { resultRows } from '../../src/store/db.js';
import { CONTRACTS, example } from '../helpers/contracts.js';
import { TEST_VAULT } from '../helpers/payload-vault.js';

const RECIPIENT = 'ps.hjc.juvenile-court.ramallah';
/** the hub's case-index secret in these tests (made here, like a hub makes its own at first start) */
const SECRET = randomBytes(32);

/** the demo contracts plus an agreement that lets `senders` send detention alerts to the juvenile court */
export function contractsWithHubGrant(senders: string[] = [HUB_INSTITUTION_ID]): { dir: string; contracts: Contracts } {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-emit-'));
  cpSync(CONTRACTS, dir, { recursive: true });
  writeFileSync(
    join(dir, 'agreements', 'hub-alerts.json'),
    JSON.stringify({
      $schema: '../contract-schemas/agreement.schema.json',
      id: 'hub-alerts',
      title: 'Alerts the hub raises itself',
      parties: [RECIPIENT],
      validFrom: '2026-01-01',
      grants: [{ id: 'hub-detention-alerts', senders, types: ['detention.alert'], to: [{ recipient: RECIPIENT, major: 1, fields: ['*'] }] }],
    }),
  );
  return { dir, contracts: loadContracts(dir, { env: {} }) };
}

const alert = (extra: Partial<HubMessage> = {}): HubMessage => ({ type: 'detention.alert', version: '1.1', data: example('detention.alert', '1.1'), casereference: '88/2026', ...extra });

export function emitSuite(name: string, open: () => Promise<{ database: Database; cleanup: () => Promise<void> }>) {
  describe(`the hub's own messages: ${name}`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    let dir: string;
    let contracts: Contracts;
    beforeAll(async () => {
      ({ database, cleanup } = await open());
      ({ dir, contracts } = contractsWithHubGrant());
    });
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    });

    const count = async (table: 'messages' | 'deliveries', where = sql`true`) =>
      Number(resultRows<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from ${sql.raw(table)} where ${where}`))[0].n);

    it('commits a message from the hub with its delivery and its audit entry; the same key stores it once', async () => {
      const [first] = await emitHubMessages(database.db, contracts, [alert({ key: 'test:alert:1' })], SECRET, TEST_VAULT);
      expect(first).toMatchObject({ ok: true, stored: true });
      if (!first.ok || !first.stored) throw new Error('not stored');
      expect(first.deliveries.map((d) => d.recipient)).toEqual([RECIPIENT]);
      const [row] = resultRows<{ sender: string; classification: string; case_ref: string }>(
        await database.db.execute(sql`select sender, classification, case_ref from messages where id = ${first.id}`),
      );
      // the example's detainee is a child: the hub's message is juvenile, as what it is about
      expect(row).toEqual({ sender: HUB_INSTITUTION_ID, classification: 'juvenile', case_ref: '88/2026' });
      const audit = resultRows<{ actor: string; data: { credential: string } }>(
        await database.db.execute(sql`select actor, data from audit_log where action = 'message.accepted' and subject = ${first.id}`),
      );
      expect(audit.map((a) => [a.actor, a.data.credential])).toEqual([[HUB_INSTITUTION_ID, 'hub:self']]);
      // indexed like anyone's message, in the same statement: the detainee's national id keyed, never in clear
      const keys = resultRows<{ kind: string; value: string; classification: string }>(
        await database.db.execute(sql`select kind, value, classification from case_index where message_id = ${first.id} order by kind, value`),
      );
      const nationalId = (example('detention.alert', '1.1') as { detainee: { nationalId: string } }).detainee.nationalId;
      expect(keys.find((k) => k.kind === 'national-id')?.value).toBe(indexValue('national-id', nationalId, SECRET));
      expect(keys.map((k) => k.kind)).toEqual(expect.arrayContaining(['case-number', 'national-id', 'order-number', 'person-name']));
      expect(keys.every((k) => k.classification === 'juvenile' && !k.value.includes(nationalId))).toBe(true);

      const [again] = await emitHubMessages(database.db, contracts, [alert({ key: 'test:alert:1' })], SECRET, TEST_VAULT);
      expect(again).toEqual({ ok: true, stored: false });
      expect(await count('messages', sql`sender = ${HUB_INSTITUTION_ID} and case_ref = '88/2026'`)).toBe(1);
    });

    it('refuses a message no agreement lets the hub send, and commits the others', async () => {
      const warrant: HubMessage = { type: 'warrant.cancelled', version: '1.1', data: example('warrant.cancelled', '1.1') };
      const broken = alert({ data: { ...example('detention.alert', '1.1'), legalLimitDays: 'fifteen' } });
      const out = await emitHubMessages(database.db, contracts, [warrant, alert({ casereference: '90/2026' }), broken], SECRET, TEST_VAULT);
      expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['no-agreement', 'ok', 'schema-violation']);
      expect(await count('messages', sql`case_ref = '90/2026'`)).toBe(1);
    });

    it("commits nothing when the caller's transaction rolls back", async () => {
      const before = await count('messages');
      await expect(
        database.db.transaction(async (tx) => {
          const [o] = await emitHubMessages(tx as unknown as Database['db'], contracts, [alert({ casereference: '91/2026' })], SECRET, TEST_VAULT);
          expect(o).toMatchObject({ ok: true, stored: true });
          throw new Error('the caller fails after emitting');
        }),
      ).rejects.toThrow('the caller fails');
      expect(await count('messages')).toBe(before);
      expect(await count('deliveries', sql`message_id in (select id from messages where case_ref = '91/2026')`)).toBe(0);
    });

    it('does not let a sender pattern reach the hub: only its exact id does', async () => {
      const patterned = contractsWithHubGrant(['ps.**']);
      try {
        const [o] = await emitHubMessages(database.db, patterned.contracts, [alert()], SECRET, TEST_VAULT);
        expect(o.ok ? 'ok' : o.error.code).toBe('no-agreement');
      } finally {
        rmSync(patterned.dir, { recursive: true, force: true });
      }
    });
  });
}

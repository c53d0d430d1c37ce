/**
 * The case index in the database (store/case-index.ts) against its specification, the in-memory
 * index (queries/memory-index.ts), as a property on both drivers: messages committed by intake's own
 * statement (commitMessages, with their index rows), then every page of a court's
 * decision-enforcement and of the Ministry of Finance's fine-sentences read through StoreIndex must
 * equal, record for record and cursor for cursor, the pages MemoryIndex gives over the public and
 * restricted messages only. So the SQL index agrees with the reference, and no juvenile or gbv
 * message — whatever it says — ever makes a record exist, links one in, shows a field or moves a
 * page boundary for an uncleared caller.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexRows, MemoryIndex, type StoredMessage } from '../../src/queries/index.js';
import { commitMessages, sealMessage, StoreIndex, type Database } from '../../src/store/index.js';
import { allPages, catalogue, decision, item, report, secret } from '../unit/queries/helpers.js';
import { TEST_VAULT } from '../helpers/payload-vault.js';

/** what intake commits for a message: the message and, in the same statement, its index rows */
function commitOf(m: StoredMessage) {
  return {
    message: { id: m.id, sender: 'ps.test', type: m.type, version: m.version, classification: m.classification, envelope: { time: m.time, data: m.data }, routing: {}, receivedAt: new Date() },
    deliveries: [],
    response: null,
    audit: [],
    index: indexRows(catalogue, m.type, m.version, m.data, secret),
  };
}

export function caseIndexSuite(name: string, open: () => Promise<{ database: Database; cleanup: () => Promise<void> }>, numRuns: number) {
  describe(`the case index in the database agrees with the reference and ignores uncleared messages (${name}, property)`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ database, cleanup } = await open());
    });
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
    });

    it("a court's decision-enforcement and the Ministry of Finance's fine-sentences, page by page", async () => {
      const store = new StoreIndex(database.db, TEST_VAULT);
      await fc.assert(
        fc.asyncProperty(fc.array(item, { maxLength: 14 }), async (items) => {
          await database.db.execute(sql`delete from case_index`);
          await database.db.execute(sql`delete from messages`);
          const cleared = new MemoryIndex(catalogue, secret);
          const all: StoredMessage[] = items.map((it, i) => ({
            id: `0190b000-0000-7000-8000-${String(i).padStart(12, '0')}`,
            type: it.kind === 'decision' ? 'decision.issued' : 'decision.enforcement-status',
            version: '1.1',
            time: '2026-05-01T00:00:00Z',
            classification: it.classification,
            data: it.kind === 'decision' ? decision(it.court, it.n, it.fine) : report(it.court, it.n, it.status, it.day),
          }));
          if (all.length > 0)
            await commitMessages(
              database.db,
              all.map(commitOf).map((c) => ({ ...c, message: sealMessage(c.message, TEST_VAULT) })),
            );
          for (const m of all) if (m.classification === 'public' || m.classification === 'restricted') cleared.add(m);
          expect(await allPages(store, 'ps.hjc.court.ramallah', 'decision-enforcement', {})).toEqual(await allPages(cleared, 'ps.hjc.court.ramallah', 'decision-enforcement', {}));
          for (const n of [0, 1, 2]) {
            const params = { case: `${n}/2026`, court: 'ps.hjc.court.nablus' };
            expect(await allPages(store, 'ps.mof', 'fine-sentences', params)).toEqual(await allPages(cleared, 'ps.mof', 'fine-sentences', params));
          }
        }),
        { numRuns },
      );
    });
  });
}

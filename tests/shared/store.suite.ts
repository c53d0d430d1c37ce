/**
 * One conformance suite for the database port, run on PGlite (tests/embedded) and on the
 * PostgreSQL server (tests/integration): the same queries must keep the same guarantees on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/store/index.js';
import {
  claimMany,
  claimWithMessage,
  commitMessage,
  countOpenByState,
  dueBacklog,
  findDue,
  findIdempotent,
  getMessageView,
  IdempotencyRace,
  purgeIdempotencyKeys,
  recordAttempt,
  releaseExpiredLeases,
} from '../../src/store/index.js';
import { sealAll, verifyAudit } from '../../src/audit/log.js';
import { uuidv7 } from '../../src/ids.js';
import { groupCommitter } from '../../src/intake/accept.js';

export function storeSuite(name: string, open: () => Promise<{ database: Database; cleanup: () => Promise<void> }>) {
  describe(`store conformance: ${name}`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ database, cleanup } = await open());
    });
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
    });

    function newMessage(recipients: string[], opts: { key?: string; hash?: string } = {}) {
      const id = uuidv7();
      const now = new Date();
      return {
        message: {
          id,
          sender: 'ps.hjc.court.ramallah',
          type: 'warrant.issued',
          version: '2.0',
          classification: 'public',
          envelope: { id, data: { n: 1 } },
          routing: { deliveries: recipients },
          receivedAt: now,
        },
        deliveries: recipients.map((r) => ({
          id: uuidv7(),
          messageId: id,
          recipient: r,
          agreement: 'a',
          grant: 'g',
          major: 2,
          fields: ['*'],
          retry: { schedule: [1], jitter: 0 },
          state: 'pending' as const,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        })),
        idempotency: opts.key ? { sender: 'ps.hjc.court.ramallah', key: opts.key, requestHash: opts.hash ?? 'h' } : undefined,
        response: { id },
        audit: [{ actor: 'ps.hjc.court.ramallah', action: 'message.accepted' as const, subject: id, data: { recipients } }],
      };
    }

    const count = async (table: string) => {
      const r = await database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
      return Number(((r as any).rows ?? r)[0].n);
    };

    it('applies migrations idempotently', async () => {
      await database.migrate();
      await database.migrate();
      expect(await count('messages')).toBeGreaterThanOrEqual(0);
    });

    it('commits message, deliveries and audit together', async () => {
      const m = newMessage(['ps.police.judicial', 'ps.mof']);
      await commitMessage(database.db, m);
      const view = await getMessageView(database.db, m.message.id);
      expect(view?.deliveries.map((d) => d.recipient)).toEqual(['ps.mof', 'ps.police.judicial']);
      expect(view?.deliveries.every((d) => d.state === 'pending' && d.attempts === 0)).toBe(true);
    });

    it('stores nothing when any part of the commit fails (one row per message and recipient)', async () => {
      const before = await Promise.all(['messages', 'deliveries', 'audit_log'].map(count));
      const m = newMessage(['ps.mof', 'ps.mof']); // violates the (message, recipient) uniqueness
      await expect(commitMessage(database.db, m)).rejects.toThrow();
      const after = await Promise.all(['messages', 'deliveries', 'audit_log'].map(count));
      expect(after).toEqual(before);
    });

    it('group-commits concurrent messages, and one bad message does not refuse the others', async () => {
      const commit = groupCommitter(database.db, { maxItems: 10, maxWaitMs: 20 });
      const good = [newMessage(['ps.mof']), newMessage(['ps.mot', 'ps.mof'])];
      const bad = newMessage(['ps.mof', 'ps.mof']);
      const results = await Promise.allSettled([commit(good[0]), commit(bad), commit(good[1])]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      for (const g of good) expect((await getMessageView(database.db, g.message.id))?.deliveries).toHaveLength(g.deliveries.length);
      expect(await getMessageView(database.db, bad.message.id)).toBeUndefined();
    });

    it('lets one of many concurrent claims win, and only while due', async () => {
      const m = newMessage(['ps.police.judicial']);
      await commitMessage(database.db, m);
      const id = m.deliveries[0].id;
      const claims = await Promise.all(Array.from({ length: 8 }, () => claimWithMessage(database.db, id, 5_000)));
      const won = claims.filter(Boolean);
      expect(won).toHaveLength(1);
      expect(won[0]!.delivery.attempts).toBe(1);
      expect(await claimWithMessage(database.db, id, 5_000)).toBeUndefined();
    });

    it('claims a delivery named twice in one batch once, for the caller whose token came back', async () => {
      const m = newMessage(['ps.police.judicial', 'ps.mol.family']);
      await commitMessage(database.db, m);
      const [a, b] = m.deliveries.map((d) => d.id);
      const claims = await claimMany(database.db, [a, b, a], 5_000);
      expect(claims[1]?.delivery.id).toBe(b);
      expect(claims.filter((c) => c?.delivery.id === a)).toHaveLength(1);
      expect(claims[1]?.message.type).toBe('warrant.issued');
    });

    it('counts due, untaken deliveries per recipient (not those deferred or taken)', async () => {
      const due = newMessage(['backlog.a', 'backlog.b']);
      const alsoDue = newMessage(['backlog.a']);
      const later = newMessage(['backlog.b']);
      later.deliveries[0].nextAttemptAt = new Date(Date.now() + 60_000);
      for (const m of [due, alsoDue, later]) await commitMessage(database.db, m);
      await claimWithMessage(database.db, due.deliveries[1].id, 5_000);
      const backlog = await dueBacklog(database.db, ['backlog.a', 'backlog.b', 'backlog.none'], 100_000);
      expect(backlog.get('backlog.a')).toBe(2);
      expect(backlog.get('backlog.b')).toBeUndefined();
      expect(backlog.has('backlog.none')).toBe(false);
    });

    it("caps each recipient's count on its own, so that a long backlog hides no other", async () => {
      // the long backlog is older, so a cap over all recipients together would be spent on it
      const old = new Date(Date.now() - 60_000);
      for (let i = 0; i < 6; i++) {
        const m = newMessage(['capped.long']);
        m.deliveries[0].nextAttemptAt = old;
        await commitMessage(database.db, m);
      }
      for (let i = 0; i < 2; i++) await commitMessage(database.db, newMessage(['capped.short']));
      const backlog = await dueBacklog(database.db, ['capped.long', 'capped.short'], 4);
      expect(Object.fromEntries(backlog)).toEqual({ 'capped.long': 4, 'capped.short': 2 });
    });

    it('counts retries that are due again with the pending ones, capped over both', async () => {
      // the read counts each state on its own (see dueBacklog): the sum is the backlog, and the cap
      // still holds for the sum
      const attempt = { startedAt: new Date(), durationMs: 1, worker: 'w' };
      for (let i = 0; i < 3; i++) {
        const m = newMessage(['states.mixed']);
        await commitMessage(database.db, m);
        // a retry due at once: retrying, and due
        await recordAttempt(database.db, (await claimWithMessage(database.db, m.deliveries[0].id, 60_000))!, { ...attempt, outcome: 'retry', statusCode: 503, retryInMs: 0 });
      }
      for (let i = 0; i < 2; i++) await commitMessage(database.db, newMessage(['states.mixed']));
      expect((await dueBacklog(database.db, ['states.mixed'], 100)).get('states.mixed')).toBe(5);
      expect((await dueBacklog(database.db, ['states.mixed'], 4)).get('states.mixed')).toBe(4);
    });

    it('counts the deliveries not delivered, by state, and leaves the delivered uncounted', async () => {
      const before = await countOpenByState(database.db);
      const m = newMessage(['count.pending', 'count.in-flight', 'count.retrying', 'count.dead', 'count.delivered']);
      await commitMessage(database.db, m);
      const [, inFlight, retrying, dead, delivered] = m.deliveries;
      const attempt = { startedAt: new Date(), durationMs: 1, worker: 'w' };
      await claimWithMessage(database.db, inFlight.id, 60_000);
      await recordAttempt(database.db, (await claimWithMessage(database.db, retrying.id, 60_000))!, { ...attempt, outcome: 'retry', statusCode: 503, retryInMs: 60_000 });
      await recordAttempt(database.db, (await claimWithMessage(database.db, dead.id, 60_000))!, { ...attempt, outcome: 'dead', statusCode: 400 });
      await recordAttempt(database.db, (await claimWithMessage(database.db, delivered.id, 60_000))!, { ...attempt, outcome: 'delivered', statusCode: 200 });
      const after = await countOpenByState(database.db);
      expect(Object.keys(after).sort()).toEqual(['dead', 'in_flight', 'pending', 'retrying']);
      expect({
        pending: after.pending - before.pending,
        in_flight: after.in_flight - before.in_flight,
        retrying: after.retrying - before.retrying,
        dead: after.dead - before.dead,
      }).toEqual({ pending: 1, in_flight: 1, retrying: 1, dead: 1 });
    });

    it('records an attempt and schedules the retry; a lapsed lease cannot overwrite newer state', async () => {
      const m = newMessage(['ps.police.judicial']);
      await commitMessage(database.db, m);
      const id = m.deliveries[0].id;
      const first = (await claimWithMessage(database.db, id, 5_000))!;
      const st = await recordAttempt(database.db, first, { outcome: 'retry', startedAt: new Date(), durationMs: 3, statusCode: 503, error: 'HTTP 503', retryInMs: 0, worker: 'w1' });
      expect(st).toBe('retrying');
      const second = (await claimWithMessage(database.db, id, 5_000))!;
      expect(second.delivery.attempts).toBe(2);
      // the first holder reports late: its lease token is gone, so state is untouched
      const stale = await recordAttempt(database.db, first, { outcome: 'dead', startedAt: new Date(), durationMs: 1, statusCode: 400, error: 'late', worker: 'w1' });
      expect(stale).toBeUndefined();
      expect(await recordAttempt(database.db, second, { outcome: 'delivered', startedAt: new Date(), durationMs: 2, statusCode: 200, worker: 'w2' })).toBe('delivered');
      const view = (await getMessageView(database.db, m.message.id))!;
      expect(view.deliveries[0].state).toBe('delivered');
      expect(view.deliveries[0].attemptLog.map((a) => a.outcome)).toEqual(['retry', 'dead (lease lost)', 'delivered']);
    });

    it('returns a lapsed lease to due and finds due deliveries', async () => {
      const m = newMessage(['ps.police.judicial']);
      await commitMessage(database.db, m);
      const id = m.deliveries[0].id;
      await claimWithMessage(database.db, id, 1); // lease of 1 ms: the worker "died"
      await new Promise((r) => setTimeout(r, 20));
      expect(await releaseExpiredLeases(database.db)).toContain(id);
      const due = await findDue(database.db, 0, 10_000);
      expect(due.map((d) => d.id)).toContain(id);
    });

    it('refuses a second commit with the same idempotency key, even concurrently', async () => {
      const a = newMessage(['ps.mof'], { key: `k-${uuidv7()}` });
      const b = newMessage(['ps.mof'], { key: a.idempotency!.key });
      const results = await Promise.allSettled([commitMessage(database.db, a), commitMessage(database.db, b)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(IdempotencyRace);
    });

    it('keeps idempotency keys for the retention, then purges them', async () => {
      const m = newMessage(['ps.mof'], { key: `keep-${uuidv7()}` });
      await commitMessage(database.db, m);
      expect(await purgeIdempotencyKeys(database.db, 3_600_000)).toBe(0);
      expect(await findIdempotent(database.db, m.message.sender, m.idempotency!.key)).toBeDefined();
      await new Promise((r) => setTimeout(r, 20));
      expect(await purgeIdempotencyKeys(database.db, 10)).toBeGreaterThanOrEqual(1);
      expect(await findIdempotent(database.db, m.message.sender, m.idempotency!.key)).toBeUndefined();
    });

    it('puts what it commits on the audit chain (tampering: tests/shared/audit.suite.ts)', async () => {
      expect((await verifyAudit(database.db)).unsealed).toBeGreaterThan(3);
      expect(await sealAll(database.db)).toBeGreaterThan(3);
      const ok = await verifyAudit(database.db);
      expect(ok).toMatchObject({ ok: true, unsealed: 0 });
      expect(ok.entries).toBeGreaterThan(3);
    });
  });
}

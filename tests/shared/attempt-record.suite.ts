/**
 * Every attempt on the record, whatever the recipient answered, run on PGlite (tests/embedded) and
 * on the PostgreSQL server (tests/integration):
 * - hostile answers (random bytes in bodies, headers and receipts, any status, huge or malformed
 *   Retry-After) go through the real path — adapter decode, retry decision, grouped record
 *   statement — without the group statement failing, each delivery moving on (issue 19);
 * - one item that cannot be recorded does not fail the others of its group, and is logged;
 * - an attempt whose worker died is recorded as abandoned when its lease lapses (issue 20);
 * - a delivery ended without an attempt gives its attempt back and is on the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { claimMany, claimWithMessage, commitMessage, endUnattempted, LEASE_LAPSED, recordAttempts, releaseExpiredLeases, waitingByRecipient, type Database } from '../../src/store/index.js';
import { jsonHttpAdapter } from '../../src/adapters/json-http/index.js';
import { TransportError, type Outcome } from '../../src/adapters/index.js';
import { attemptRecorder } from '../../src/workers/attempt-recorder.js';
import { attemptRecord } from '../../src/workers/delivery.js';
import { Sweeper } from '../../src/workers/sweeper.js';
import { uuidv7 } from '../../src/ids.js';

/** a logger whose warnings and errors the test can read */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; deliveryId?: string }> = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

/** bytes a hostile receiver sends: NULs, invalid UTF-8, encoded lone surrogates, controls */
const hostileBytes = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0, 0xff, 0xfe, 0x1b, 0x7f), fc.constantFrom([0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf0, 0x9f, 0x98, 0x80], [0xc0, 0x80])), {
    maxLength: 3000,
  })
  .map((parts) => Buffer.from(parts.flat()));
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDC00', '\u0007', 'x', '😀'), maxLength: 500 }),
  hostileBytes.map((b) => b.toString('latin1')),
);
const retryAfter = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.constantFrom('3000000', '2147483648', '99999999999999999999999', '-3', '1e9', '', ' 7 '),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toUTCString()),
  hostileText,
);
/** what comes back from one exchange: an HTTP answer, or a transport failure with any message */
const exchange = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        status: fc.oneof(fc.integer({ min: 100, max: 999 }), fc.constantFrom(200, 400, 429, 500, 503)),
        headers: fc.record({ 'retry-after': retryAfter, 'x-junk': hostileText }, { requiredKeys: [] }),
        body: hostileBytes,
        receipt: fc.option(
          fc.oneof(
            fc.record({ unsigned: fc.constant(true), reason: hostileText }),
            fc.record({ keyid: hostileText, institution: hostileText, created: fc.oneof(fc.integer(), fc.double()), signatureInput: hostileText, signature: hostileText }),
            fc.jsonValue({ maxDepth: 20 }),
          ),
          { nil: undefined },
        ),
      })
      .map((r) => ({ kind: 'http' as const, ...r })),
  },
  { weight: 1, arbitrary: hostileText.map((message) => ({ kind: 'transport' as const, message })) },
);

export function attemptRecordSuite(name: string, open: () => Promise<{ database: Database; cleanup: () => Promise<void> }>) {
  describe(`attempt records: ${name}`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ database, cleanup } = await open());
    });
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
    });

    const rows = async <T>(q: ReturnType<typeof sql>) => {
      const r = await database.db.execute(q);
      return ((r as any).rows ?? r) as T[];
    };

    /** one message to `recipients`, committed; its deliveries claimed */
    async function claimed(recipients: string[], retry: object = { schedule: [1, 60], jitter: 0.2 }, leaseMs = 60_000, attemptTimeoutMs = 10_000) {
      const id = uuidv7();
      const now = new Date();
      const deliveries = recipients.map((r) => ({
        id: uuidv7(),
        messageId: id,
        recipient: r,
        agreement: 'a',
        grant: 'g',
        major: 1,
        fields: ['*'],
        retry,
        state: 'pending' as const,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      }));
      await commitMessage(database.db, {
        message: { id, sender: 'ps.hjc.court.ramallah', type: 'warrant.issued', version: '2.0', classification: 'restricted', envelope: { id, data: {} }, routing: {}, receivedAt: now },
        deliveries,
        response: { id },
        audit: [{ actor: 'ps.hjc.court.ramallah', action: 'message.accepted', subject: id }],
      });
      const claims = await claimMany(
        database.db,
        deliveries.map((d) => d.id),
        leaseMs,
        attemptTimeoutMs,
      );
      return claims.map((c) => c!);
    }

    it('records any answer a recipient sends, grouped with healthy ones, without the group statement failing', async () => {
      const { log, lines } = capturingLogger();
      // the group waits long enough here that every attempt of a run shares one statement
      let statements = 0;
      const record = attemptRecorder(database.db, log, {
        batch: { maxItems: 64, maxWaitMs: 20 },
        record: (db, items) => {
          statements++;
          return recordAttempts(db, items);
        },
      });
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(exchange, { minLength: 1, maxLength: 5 }), async (answers) => {
          runs++;
          const claims = await claimed([...answers.map((_, i) => `hostile.${i}`), 'healthy']);
          const before = statements;
          const outcomes: Outcome[] = answers.map((a) =>
            a.kind === 'transport' ? { kind: 'retry', reason: new TransportError(a.message, 'connection').message } : jsonHttpAdapter.decode({ status: a.status, headers: a.headers, body: a.body }),
          );
          outcomes.push({ kind: 'delivered' });
          const states = await Promise.all(
            claims.map((c, i) => {
              const a = answers[i];
              const receipt = a?.kind === 'http' ? a.receipt : undefined;
              return record(
                c,
                attemptRecord(c.delivery, outcomes[i], {
                  startedAt: new Date(),
                  durationMs: 3,
                  statusCode: a?.kind === 'http' ? a.status : a ? undefined : 200,
                  receipt,
                  worker: 'w',
                }),
              );
            }),
          );
          // one statement served them all: no item failed the group, none was recorded alone
          expect(statements - before).toBe(1);
          expect(states.at(-1)).toBe('delivered');
          for (const s of states) expect(['delivered', 'retrying', 'dead']).toContain(s);
          const ids = claims.map((c) => c.delivery.id);
          const recorded = await rows<{ delivery_id: string; n: number }>(sql`select delivery_id, count(*)::int as n from attempts
          where delivery_id in (${sql.join(
            ids.map((i) => sql`${i}::uuid`),
            sql`, `,
          )}) group by delivery_id`);
          expect(recorded.map((r) => Number(r.n))).toEqual(ids.map(() => 1));
          // a retry is never scheduled past the delivery's deadline, whatever Retry-After said
          const late = await rows<{ n: number }>(sql`select count(*)::int as n from deliveries
          where id in (${sql.join(
            ids.map((i) => sql`${i}::uuid`),
            sql`, `,
          )}) and (gives_up_at is null or next_attempt_at > gives_up_at)`);
          expect(Number(late[0].n)).toBe(0);
        }),
        { numRuns: 40 },
      );
      expect(runs).toBe(40);
      expect(lines).toEqual([]);
    });

    it('records the others of a group when one item cannot be recorded, and logs that one as an error', async () => {
      const { log, lines } = capturingLogger();
      const record = attemptRecorder(database.db, log, { batch: { maxItems: 64, maxWaitMs: 20 } });
      const [a, b, c] = await claimed(['fallback.a', 'fallback.b', 'fallback.c']);
      // an item the statement cannot take (not a uuid): it fails the grouped statement as a whole
      const bad = { ...b, delivery: { ...b.delivery, id: 'not-a-delivery-id' } };
      const attempt = { outcome: 'delivered' as const, startedAt: new Date(), durationMs: 1, statusCode: 200, worker: 'w' };
      const results = await Promise.allSettled([record(a, attempt), record(bad, attempt), record(c, attempt)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : undefined))).toEqual(['delivered', undefined, 'delivered']);
      expect(lines.filter((l) => l.level >= 50).map((l) => l.deliveryId)).toEqual(['not-a-delivery-id']);
      expect(lines.some((l) => l.level === 40 && /one by one/.test(l.msg))).toBe(true);
    });

    it('records the attempt of a worker that died mid-attempt as abandoned, with its audit entry, when the lease lapses', async () => {
      const [c] = await claimed(['abandoned.r'], undefined, 1); // a lease of 1 ms: the worker "died"
      await new Promise((r) => setTimeout(r, 20));
      // the sweeper's pass returns it to due and records the attempt; a second pass finds nothing
      const dispatched: string[] = [];
      const sweeper = new Sweeper({
        db: database.db,
        log: pino({ level: 'silent' }),
        intervalMs: 60_000,
        graceMs: 0,
        idempotencyRetentionMs: 3_600_000,
        dispatcher: { dispatch: async (jobs: Array<{ deliveryId: string }>) => void dispatched.push(...jobs.map((j) => j.deliveryId)) } as any,
      });
      await sweeper.sweep();
      expect(dispatched).toContain(c.delivery.id);
      expect(await releaseExpiredLeases(database.db)).not.toContain(c.delivery.id);
      const [d] = await rows<{ state: string; attempts: number; last_error: string }>(sql`select state, attempts, last_error from deliveries where id = ${c.delivery.id}`);
      expect(d).toMatchObject({ state: 'retrying', attempts: 1, last_error: LEASE_LAPSED });
      const attempts = await rows<{ number: number; outcome: string; error: string; worker: string }>(sql`select number, outcome, error, worker from attempts where delivery_id = ${c.delivery.id}`);
      expect(attempts).toEqual([{ number: 1, outcome: 'abandoned', error: LEASE_LAPSED, worker: 'sweeper' }]);
      const audit = await rows<{ data: any }>(sql`select data from audit_log where action = 'delivery.attempt' and subject = ${c.delivery.id}`);
      expect(audit.map((a) => (typeof a.data === 'string' ? JSON.parse(a.data) : a.data))).toMatchObject([{ attempt: 1, outcome: 'abandoned', leaseLost: true }]);
      // claimed again and abandoned again: as many rows as attempts counted
      await database.db.execute(sql`update deliveries set next_attempt_at = now() where id = ${c.delivery.id}`);
      expect(await claimWithMessage(database.db, c.delivery.id, 1)).toBeDefined();
      await new Promise((r) => setTimeout(r, 20));
      await releaseExpiredLeases(database.db);
      const [counted] = await rows<{ attempts: number; rows: number }>(
        sql`select d.attempts, (select count(*)::int from attempts a where a.delivery_id = d.id) as rows from deliveries d where d.id = ${c.delivery.id}`,
      );
      expect(Number(counted.rows)).toBe(Number(counted.attempts));
      expect(Number(counted.attempts)).toBe(2);
    });

    it('ends a claimed delivery without an attempt: dead, its attempt given back, on the audit log', async () => {
      const [c] = await claimed(['ended.r']);
      expect(c.delivery.attempts).toBe(1);
      expect(await endUnattempted(database.db, c, 'no-longer-entitled: ended.r is not cleared for juvenile', 'delivery.withdrawn', 'worker:w')).toBe(true);
      expect(await endUnattempted(database.db, c, 'again', 'delivery.withdrawn', 'worker:w')).toBe(false);
      const [d] = await rows<{ state: string; attempts: number; last_error: string }>(sql`select state, attempts, last_error from deliveries where id = ${c.delivery.id}`);
      expect(d).toEqual({ state: 'dead', attempts: 0, last_error: 'no-longer-entitled: ended.r is not cleared for juvenile' });
      const audit = await rows<{ actor: string; data: any }>(sql`select actor, data from audit_log where action = 'delivery.withdrawn' and subject = ${c.delivery.id}`);
      expect(audit).toHaveLength(1);
      expect(audit[0].actor).toBe('worker:w');
      expect(typeof audit[0].data === 'string' ? JSON.parse(audit[0].data) : audit[0].data).toMatchObject({ recipient: 'ended.r', reason: 'no-longer-entitled: ended.r is not cleared for juvenile' });
    });

    it('sets when a delivery is given up at its first claim (the schedule at its longest), and keeps it across retries', async () => {
      const t0 = Date.now();
      // 1 s and 2 s, at most 50 % longer: 4.5 s; three attempts of at most 250 ms: 0.75 s
      const [c] = await claimed(['deadline.r'], { schedule: [1, 2], jitter: 0.5 }, 60_000, 250);
      const span = c.delivery.givesUpAt!.getTime() - t0;
      expect(span).toBeGreaterThanOrEqual(4500 + 3 * 250);
      expect(span).toBeLessThan(4500 + 3 * 250 + 10_000);
      await recordAttempts(database.db, [{ claim: c, outcome: { outcome: 'retry', startedAt: new Date(), durationMs: 1, statusCode: 503, retryInMs: 0, worker: 'w' } }]);
      const again = (await claimWithMessage(database.db, c.delivery.id, 60_000, 250))!;
      expect(again.delivery.givesUpAt!.getTime()).toBe(c.delivery.givesUpAt!.getTime());
      // under store and forward there is none
      const [sf] = await claimed(['deadline.sf'], { schedule: [1], jitter: 0, storeAndForward: true });
      expect(sf.delivery.givesUpAt).toBeNull();
    });

    it('counts the deliveries waiting for each recipient, and the oldest', async () => {
      await claimed(['waiting.a']);
      const first = await waitingByRecipient(database.db);
      const a = first.find((w) => w.recipient === 'waiting.a')!;
      expect(a.waiting).toBe(1);
      expect(Date.now() - a.oldestCreatedAt.getTime()).toBeGreaterThanOrEqual(0);
      const [c] = await claimed(['waiting.a']);
      await recordAttempts(database.db, [{ claim: c, outcome: { outcome: 'delivered', startedAt: new Date(), durationMs: 1, statusCode: 200, worker: 'w' } }]);
      expect((await waitingByRecipient(database.db)).find((w) => w.recipient === 'waiting.a')).toMatchObject({ waiting: 1, oldestCreatedAt: a.oldestCreatedAt });
    });
  });
}

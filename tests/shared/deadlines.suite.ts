/**
 * Deadlines (issue 25) on both database drivers, through the real intake path (acceptMessage) and
 * the real clock (DeadlineClock) with the demo federation's expectations
 * (contracts/agreements/deadlines.json) plus one `within` expectation of a test agreement. Each
 * kind is met, missed, warned and withdrawn; the clock fires once across two clocks racing and
 * after a restart; the alerts are the hub's messages, routed, caused by the starting message and
 * of its class; every deadline event is on the audit log.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_INSTITUTION_ID } from '../../src/federation/index.js';
import { acceptMessage } from '../../src/intake/accept.js';
import type { Dispatcher } from '../../src/queue/index.js';
import { loadContracts } from '../../src/routing/index.js';
import type { Contracts } from '../../src/routing/types.js';
import { claimMany, type Database } from '../../src/store/index.js';
import { recordTelling } from '../../src/workers/delivery-notices.js';
import { resultRows } from '../../src/store/db.js';
import { DeadlineClock } from '../../src/workers/deadline-clock.js';
import { deadlineService } from '../../src/services/deadlines.js';
import { auditWriter } from '../../src/audit/writer.js';
import { CONTRACTS, envelope, example } from '../helpers/contracts.js';
import { TEST_VAULT } from '../helpers/payload-vault.js';
import { openStored } from '../../src/store/index.js';

const log = pino({ level: 'silent' });

/** the catalogue's example `i` of a type's version */
function exampleAt(type: string, version: string, i: number): Record<string, any> {
  return structuredClone(JSON.parse(readFileSync(join(CONTRACTS, 'messages', type, `${version}.schema.json`), 'utf8')).examples[i]);
}
const COURT = 'ps.hjc.court.ramallah';
const JUVENILE_COURT = 'ps.hjc.juvenile-court.ramallah';
const DAY = 86_400_000;
/** the case index's key for the alerts' personal values (any 32 bytes will do in a test) */
const INDEX_SECRET = new Uint8Array(32).fill(7);

/** the demo contracts plus a `within` expectation: a referral is acknowledged within 7 days */
function contractsWithWithin(): { dir: string; contracts: Contracts } {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-deadlines-'));
  cpSync(CONTRACTS, dir, { recursive: true });
  writeFileSync(
    join(dir, 'agreements', 'test-within.json'),
    JSON.stringify({
      id: 'test-within',
      title: 'A referral is acknowledged within 7 days',
      parties: ['ps.ago.prosecution', JUVENILE_COURT],
      validFrom: '2026-01-01',
      grants: [
        {
          id: 'alerts',
          senders: [HUB_INSTITUTION_ID],
          types: ['deadline.approaching', 'deadline.missed'],
          recipientFrom: '/notify',
          to: [{ recipient: 'ps.ago.prosecution', major: 1, fields: ['*'] }],
        },
      ],
      expectations: [
        {
          id: 'referral-acknowledged',
          when: { types: ['case.referred'] },
          expect: { types: ['case.referral-acknowledged'], from: 'ps.hjc.juvenile-court.*' },
          correlate: { by: 'correlationid' },
          due: { within: 'P7D' },
          warnBefore: 'P2D',
          notify: ['ps.ago.prosecution'],
          // a referral returned is no longer awaited (a cancelling message wins over an expected one)
          cancelledBy: [{ types: ['case.referral-acknowledged'], conditions: [{ pointer: '/status', op: 'equals', value: 'returned' }] }],
        },
      ],
    }),
  );
  return { dir, contracts: loadContracts(dir, { env: {} }) };
}

export interface DeadlineSuiteDb {
  database: Database;
  /** close and open the same database again (a restarted hub); undefined: not possible here */
  reopen?: () => Promise<Database>;
  cleanup: () => Promise<void>;
}

export function deadlinesSuite(name: string, open: () => Promise<DeadlineSuiteDb>) {
  describe(`deadlines: ${name}`, () => {
    let env: DeadlineSuiteDb;
    let database: Database;
    let dir: string;
    let contracts: Contracts;
    const dispatched: string[] = [];
    const dispatcher = {
      kind: 'in-process',
      dispatch: async (jobs: Array<{ deliveryId: string }>) => {
        dispatched.push(...jobs.map((j) => j.deliveryId));
      },
    } as unknown as Dispatcher;

    beforeAll(async () => {
      env = await open();
      database = env.database;
      ({ dir, contracts } = contractsWithWithin());
    });
    afterAll(async () => {
      await database?.close();
      await env?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    const clock = () => new DeadlineClock({ db: database.db, contracts: () => contracts, dispatcher, log, indexSecret: INDEX_SECRET, vault: TEST_VAULT, intervalMs: 60_000, batch: 10 });
    const rows = async <T>(q: ReturnType<typeof sql>) => resultRows<T>(await database.db.execute(q));
    async function send(sender: string, type: string, version: string, data: unknown, extra: Record<string, unknown> = {}): Promise<string> {
      const body = Buffer.from(JSON.stringify(envelope(type, version, data, extra)));
      const r = await acceptMessage({ db: database.db, contracts: () => contracts, dispatcher, log, indexSecret: INDEX_SECRET, vault: TEST_VAULT }, { sender, body, credential: 'test' });
      return r.answer.id;
    }
    const deadlinesOf = (messageId: string) =>
      rows<{ id: string; expectation: string; state: string; due_at: Date; warn_at: Date | null; periods_met: number; periods_missed: number; notify: string[] }>(
        sql`select id, expectation, state, due_at, warn_at, periods_met, periods_missed, notify from deadlines where started_by = ${messageId} order by expectation`,
      );
    // the hub's alerts about a deadline: a juvenile one is sealed (issue 26), so its data is read opened, not in SQL
    const alertsAbout = async (deadlineId: string) =>
      (
        await rows<{
          id: string;
          type: string;
          sender: string;
          classification: string;
          causation_id: string;
          recipients: string[];
          envelope: unknown;
          payload_ciphertext: Buffer | null;
          payload_key: Buffer | null;
        }>(
          sql`select m.id, m.type, m.sender, m.classification, m.causation_id, m.envelope, m.payload_ciphertext, m.payload_key,
          (select coalesce(jsonb_agg(d.recipient order by d.recipient), '[]'::jsonb) from deliveries d where d.message_id = m.id) as recipients
        from messages m where m.sender = ${HUB_INSTITUTION_ID} order by m.received_at`,
        )
      )
        .filter((m) => {
          const env = openStored({ id: String(m.id), classification: m.classification, envelope: m.envelope, payloadCiphertext: m.payload_ciphertext, payloadKey: m.payload_key }, TEST_VAULT)
            .envelope as { data?: { deadlineId?: string } };
          return env.data?.deadlineId === deadlineId;
        })
        .map(({ envelope: _e, payload_ciphertext: _c, payload_key: _k, ...m }) => m);
    const auditOf = async (deadlineId: string) => (await rows<{ action: string }>(sql`select action from audit_log where subject = ${deadlineId} order by id`)).map((r) => r.action);

    let serial = 0;
    function fine(dueBy: string) {
      const data = example('traffic-fine.issued', '1.1');
      data.fineNumber = `TF-2026-${String(7000000 + ++serial)}`;
      data.dueBy = dueBy;
      return data;
    }
    function paid(fineNumber: string) {
      return { ...example('traffic-fine.paid', '1.1'), fineNumber };
    }
    function warrant(validUntil: string) {
      // the example of an adult, fully identified: routed to the judicial police
      const data = exampleAt('warrant.issued', '1.1', 1);
      data.issuingCourt = { ...data.issuingCourt, id: COURT };
      data.warrantNumber = `RAM-W-2026-${String(10000 + ++serial).padStart(5, '0')}`;
      data.validUntil = validUntil;
      return data;
    }
    function measure(dateOfBirth: string) {
      // the example of a child's measure ordered by the juvenile court
      const data = exampleAt('alternative-measure.ordered', '1.0', 1);
      data.subject = { ...data.subject, juvenile: true, dateOfBirth };
      data.caseNumber = `${100 + ++serial}/2026`;
      return data;
    }

    describe('by a date in the message (a fine unpaid by its due date)', () => {
      it('is met by the expected answer from the expected institution, and never fires', async () => {
        const data = fine('2027-04-17');
        const id = await send('ps.mot', 'traffic-fine.issued', '1.1', data);
        const [d] = await deadlinesOf(id);
        // due at the END of 17 April in Asia/Hebron (UTC+3 in summer time): 2027-04-17T21:00Z
        expect(d).toMatchObject({ expectation: 'fine-unpaid', state: 'open' });
        expect(new Date(d.due_at).toISOString()).toBe('2027-04-17T21:00:00.000Z');
        // a payment from someone else than the expected institution meets nothing
        await expect(send('ps.mot', 'traffic-fine.paid', '1.1', paid(data.fineNumber))).rejects.toThrow();
        await send('ps.mof', 'traffic-fine.paid', '1.1', paid(data.fineNumber));
        expect((await deadlinesOf(id))[0].state).toBe('met');
        await clock().tick(new Date('2027-06-01T00:00:00Z'));
        expect(await alertsAbout(d.id)).toEqual([]);
        expect(await auditOf(d.id)).toEqual(['deadline.opened', 'deadline.met']);
      });

      it('is missed once: the hub sends deadline.missed to those named, caused by the fine, of its class', async () => {
        const data = fine('2027-04-18');
        const id = await send('ps.mot', 'traffic-fine.issued', '1.1', data);
        const [d] = await deadlinesOf(id);
        expect(await clock().tick(new Date('2027-04-18T20:59:59Z'))).toMatchObject({ missed: 0 });
        expect((await deadlinesOf(id))[0].state).toBe('open');
        const fired = await clock().tick(new Date('2027-04-18T21:00:00Z'));
        expect(fired.missed).toBeGreaterThanOrEqual(1);
        expect((await deadlinesOf(id))[0].state).toBe('missed');
        const alerts = await alertsAbout(d.id);
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({ type: 'deadline.missed', sender: HUB_INSTITUTION_ID, causation_id: id, recipients: ['ps.mot', 'ps.police.traffic'] });
        const [start] = await rows<{ classification: string }>(sql`select classification from messages where id = ${id}`);
        expect(alerts[0].classification).toBe(start.classification);
        expect(await auditOf(d.id)).toEqual(['deadline.opened', 'deadline.missed']);
        // its deliveries were handed to the dispatcher after the commit
        const [del] = await rows<{ id: string }>(sql`select id from deliveries where message_id = ${alerts[0].id} limit 1`);
        expect(dispatched).toContain(del.id);
        // fired once: later passes find nothing
        await clock().tick(new Date('2027-09-01T00:00:00Z'));
        expect(await alertsAbout(d.id)).toHaveLength(1);
      });

      it('is withdrawn by a cancelling message (a warrant cancelled) and never fires', async () => {
        const data = warrant('2027-11-04');
        const id = await send(COURT, 'warrant.issued', '1.1', data);
        const [d] = await deadlinesOf(id);
        expect(d.expectation).toBe('warrant-not-executed');
        // the issuing court (notifyFrom /issuingCourt/id) is told as well as the judicial police
        expect([...d.notify].sort()).toEqual([COURT, 'ps.police.judicial']);
        const cancelled: Record<string, any> = { ...example('warrant.cancelled', '1.1'), warrantNumber: data.warrantNumber };
        cancelled.court = { ...cancelled.court, id: COURT };
        await send(COURT, 'warrant.cancelled', '1.1', cancelled);
        expect((await deadlinesOf(id))[0].state).toBe('withdrawn');
        await clock().tick(new Date('2028-01-01T00:00:00Z'));
        expect(await alertsAbout(d.id)).toEqual([]);
        expect(await auditOf(d.id)).toEqual(['deadline.opened', 'deadline.withdrawn']);
      });

      it('is warned before it falls due, then met from the warned state', async () => {
        const data = warrant('2027-10-10');
        const id = await send(COURT, 'warrant.issued', '1.1', data);
        const [d] = await deadlinesOf(id);
        // valid all of 10 October (UTC+3): due 2027-10-10T21:00Z; warned 3 days before
        expect(new Date(d.due_at).toISOString()).toBe('2027-10-10T21:00:00.000Z');
        expect(new Date(d.warn_at!).toISOString()).toBe('2027-10-07T21:00:00.000Z');
        const fired = await clock().tick(new Date('2027-10-08T00:00:00Z'));
        expect(fired.warned).toBeGreaterThanOrEqual(1);
        expect((await deadlinesOf(id))[0].state).toBe('warned');
        const alerts = await alertsAbout(d.id);
        expect(alerts.map((a) => [a.type, a.recipients])).toEqual([['deadline.approaching', [COURT, 'ps.police.judicial']]]);
        const executed = { ...example('warrant.executed', '1.1'), warrantNumber: data.warrantNumber };
        await send('ps.police.judicial', 'warrant.executed', '1.1', executed);
        expect((await deadlinesOf(id))[0].state).toBe('met');
        await clock().tick(new Date('2027-12-01T00:00:00Z'));
        expect(await alertsAbout(d.id)).toHaveLength(1);
        expect(await auditOf(d.id)).toEqual(['deadline.opened', 'deadline.warned', 'deadline.met']);
      });
    });

    describe('within a duration (a referral acknowledged within 7 days)', () => {
      const referral = () => exampleAt('case.referred', '1.0', 1);
      it('opens at acceptance + 7 days and is met by a correlated answer', async () => {
        const id = await send('ps.ago.prosecution', 'case.referred', '1.0', referral(), { correlationid: `ref-${++serial}` });
        const [d] = (await deadlinesOf(id)).filter((x) => x.expectation === 'referral-acknowledged');
        const [m] = await rows<{ received_at: Date }>(sql`select received_at from messages where id = ${id}`);
        expect(new Date(d.due_at).getTime() - new Date(m.received_at).getTime()).toBe(7 * DAY);
        // the acknowledging court names itself (the issuer check, issue 26)
        const ack = { ...example('case.referral-acknowledged', '1.0'), court: { ...example('case.referral-acknowledged', '1.0').court, id: JUVENILE_COURT } };
        const [c] = await rows<{ correlation_id: string }>(sql`select correlation_id from messages where id = ${id}`);
        await send(JUVENILE_COURT, 'case.referral-acknowledged', '1.0', ack, { correlationid: c.correlation_id });
        expect((await deadlinesOf(id)).find((x) => x.id === d.id)!.state).toBe('met');
      });
      it('is warned, then missed, once each', async () => {
        const id = await send('ps.ago.prosecution', 'case.referred', '1.0', referral(), { correlationid: `ref-${++serial}` });
        const [d] = (await deadlinesOf(id)).filter((x) => x.expectation === 'referral-acknowledged');
        const warnAt = new Date(d.warn_at!);
        await clock().tick(new Date(warnAt.getTime() + 1000));
        await clock().tick(new Date(warnAt.getTime() + 2000));
        await clock().tick(new Date(new Date(d.due_at).getTime() + 1000));
        expect((await alertsAbout(d.id)).map((a) => [a.type, a.recipients])).toEqual([
          ['deadline.approaching', ['ps.ago.prosecution']],
          ['deadline.missed', ['ps.ago.prosecution']],
        ]);
        expect(await auditOf(d.id)).toEqual(['deadline.opened', 'deadline.warned', 'deadline.missed']);
      });
      it('is withdrawn by its cancelling message (the referral returned), and never fires', async () => {
        const corr = `ref-${++serial}`;
        const id = await send('ps.ago.prosecution', 'case.referred', '1.0', referral(), { correlationid: corr });
        const [d] = (await deadlinesOf(id)).filter((x) => x.expectation === 'referral-acknowledged');
        const returned: Record<string, any> = { ...exampleAt('case.referral-acknowledged', '1.0', 1), court: { ...exampleAt('case.referral-acknowledged', '1.0', 1).court, id: JUVENILE_COURT } };
        expect(returned.status).toBe('returned');
        await send(JUVENILE_COURT, 'case.referral-acknowledged', '1.0', returned, { correlationid: corr });
        expect((await deadlinesOf(id)).find((x) => x.id === d.id)!.state).toBe('withdrawn');
        await clock().tick(new Date(new Date(d.due_at).getTime() + DAY));
        expect(await alertsAbout(d.id)).toEqual([]);
        expect(await auditOf(d.id)).toEqual(['deadline.opened', 'deadline.withdrawn']);
      });
    });

    describe('every period (a social inquiry report every three months)', () => {
      it('is met and re-armed by each report, missed and re-armed when one is late, withdrawn when the case ends', async () => {
        const data = measure('2012-06-15');
        const id = await send(JUVENILE_COURT, 'alternative-measure.ordered', '1.0', data);
        const ds = await deadlinesOf(id);
        expect(ds.map((d) => d.expectation)).toEqual(['child-turns-18', 'social-inquiry-report']);
        const sir = ds[1];
        const [m] = await rows<{ received_at: Date; classification: string }>(sql`select received_at, classification from messages where id = ${id}`);
        expect(m.classification).toBe('juvenile');
        const report = { ...example('social-inquiry.report', '1.0'), caseNumber: data.caseNumber };
        const rid = await send('ps.mosd.child-protection', 'social-inquiry.report', '1.0', report);
        const [r] = await rows<{ received_at: Date }>(sql`select received_at from messages where id = ${rid}`);
        let now = (await deadlinesOf(id))[1];
        expect(now).toMatchObject({ state: 'open', periods_met: 1 });
        // due three calendar months after the report, in UTC (89 to 92 days)
        const span = new Date(now.due_at).getTime() - new Date(r.received_at).getTime();
        expect(span).toBeGreaterThanOrEqual(89 * DAY);
        expect(span).toBeLessThanOrEqual(92 * DAY);
        // no report in the next period: missed once, re-armed for the period after
        const late = new Date(new Date(now.due_at).getTime() + 1000);
        await clock().tick(late);
        now = (await deadlinesOf(id))[1];
        expect(now).toMatchObject({ state: 'open', periods_missed: 1 });
        expect(new Date(now.due_at).getTime()).toBeGreaterThan(late.getTime());
        const alerts = await alertsAbout(sir.id);
        expect(alerts.map((a) => [a.type, a.classification, a.recipients])).toEqual([['deadline.missed', 'juvenile', [JUVENILE_COURT]]]);
        // a final juvenile decision ends the case: withdrawn
        const decision: Record<string, any> = { ...example('decision.issued', '1.1'), caseNumber: data.caseNumber, juvenile: true, final: true };
        decision.court = { ...decision.court, id: JUVENILE_COURT };
        decision.parties = decision.parties.map((p: Record<string, unknown>, i: number) => (i === 0 ? { ...p, role: 'juvenile' } : p));
        await send(JUVENILE_COURT, 'decision.issued', '1.1', decision);
        const end = await deadlinesOf(id);
        expect(end[1].state).toBe('withdrawn');
        // the same decision met the child-turns-18 deadline (the court decided on the measure)
        expect(end[0].state).toBe('met');
        expect(await auditOf(sir.id)).toEqual(['deadline.opened', 'deadline.met', 'deadline.missed', 'deadline.withdrawn']);
      });
    });

    describe("a person's date in the federation's time zone", () => {
      it('a child born on 29 February turns 18 on 1 March at 00:00 in Asia/Hebron', async () => {
        const id = await send(JUVENILE_COURT, 'alternative-measure.ordered', '1.0', measure('2012-02-29'));
        const [turns18] = await deadlinesOf(id);
        expect(turns18.expectation).toBe('child-turns-18');
        // 2030 has no 29 February; 1 March 00:00 in Ramallah (UTC+2 in winter) is 28 February 22:00 UTC
        expect(new Date(turns18.due_at).toISOString()).toBe('2030-02-28T22:00:00.000Z');
        expect(new Date(turns18.warn_at!).toISOString()).toBe('2030-01-29T22:00:00.000Z');
      });
    });

    describe('firing once', () => {
      it('two clocks racing on the same due deadlines fire each once', async () => {
        const ids = await Promise.all([1, 2, 3, 4, 5].map(() => send('ps.mot', 'traffic-fine.issued', '1.1', fine('2027-05-02'))));
        const ds = (await Promise.all(ids.map(deadlinesOf))).flat();
        const at = new Date('2027-05-03T00:00:00Z');
        const [a, b] = await Promise.all([clock().tick(at), clock().tick(at)]);
        expect(a.missed + b.missed).toBeGreaterThanOrEqual(5);
        for (const d of ds) {
          expect((await alertsAbout(d.id)).length, d.id).toBe(1);
          expect((await auditOf(d.id)).filter((x) => x === 'deadline.missed')).toHaveLength(1);
        }
      });

      it('a hub that was down fires what fell due meanwhile, once, after it restarts', async () => {
        const id = await send('ps.mot', 'traffic-fine.issued', '1.1', fine('2027-05-20'));
        const w = await send(COURT, 'warrant.issued', '1.1', warrant('2027-05-21'));
        if (env.reopen) database = await env.reopen();
        const [d] = await deadlinesOf(id);
        const [dw] = await deadlinesOf(w);
        expect(d.state).toBe('open');
        // the warrant's warning time and due time both passed while it was down: missed, no late warning
        await clock().tick(new Date('2027-06-01T00:00:00Z'));
        await clock().tick(new Date('2027-06-02T00:00:00Z'));
        expect((await alertsAbout(d.id)).map((a) => a.type)).toEqual(['deadline.missed']);
        expect((await alertsAbout(dw.id)).map((a) => a.type)).toEqual(['deadline.missed']);
      });
    });

    it('lists deadlines by state and case to those concerned (need to know), and operators; each listing on the audit log', async () => {
      const service = deadlineService({ db: database.db, contracts: () => contracts, audit: auditWriter(database.db) });
      const data = fine('2027-08-01');
      const id = await send('ps.mot', 'traffic-fine.issued', '1.1', data);
      const [d] = await deadlinesOf(id);
      const as = (institution: string) => ({ institution, credential: 'test' });
      const all = await service.list(as('ps.hjc.wasla-operations'), { state: 'open', limit: 1000 });
      expect(all.items.map((x) => x.id)).toContain(d.id);
      expect(all.items.every((x) => x.state === 'open')).toBe(true);
      // the sender, a recipient of the fine (the ministry of finance) and those told see it
      for (const who of ['ps.mot', 'ps.mof', 'ps.police.traffic']) {
        expect(
          (await service.list(as(who), { state: 'open', limit: 1000 })).items.map((x) => x.id),
          who,
        ).toContain(d.id);
      }
      // an institution with no part in it does not
      const outsider = await service.list(as('ps.sjd.family-court.ramallah'), { limit: 1000 });
      expect(outsider.items.map((x) => x.id)).not.toContain(d.id);
      const [w] = await deadlinesOf(await send(COURT, 'warrant.issued', '1.1', warrant('2027-08-02')));
      const byCase = await service.list(as('ps.hjc.wasla-operations'), { caseRef: 'none/0', limit: 10 });
      expect(byCase.items).toEqual([]);
      expect((await service.list(as('ps.mot'), { limit: 1000 })).items.map((x) => x.id)).not.toContain(w.id);
      const [entry] = await rows<{ actor: string; data: { count: number } }>(
        sql`select actor, data from audit_log where action = 'deadlines.listed' and actor = 'ps.sjd.family-court.ramallah' order by id desc limit 1`,
      );
      expect(entry.data.count).toBe(outsider.items.length);
    });

    describe('dead deliveries are told', () => {
      async function killOne(c: Contracts): Promise<{ sender: string; deliveryId: string; messageId: string }> {
        const data = fine('2027-09-09');
        const id = await send('ps.mot', 'traffic-fine.issued', '1.1', data);
        const [d] = await rows<{ id: string }>(sql`select id from deliveries where message_id = ${id} order by recipient limit 1`);
        const [claim] = await claimMany(database.db, [d.id], 60_000);
        expect(claim).toBeDefined();
        const record = recordTelling({ contracts: () => c, dispatcher, log, indexSecret: INDEX_SECRET, vault: TEST_VAULT });
        const outcome = { outcome: 'dead' as const, startedAt: new Date(), durationMs: 5, statusCode: 410, error: 'HTTP 410 gone', worker: 'test' };
        expect(await record(database.db, [{ claim: claim!, outcome }])).toEqual(['dead']);
        return { sender: 'ps.mot', deliveryId: d.id, messageId: id };
      }
      const noticesAbout = (deliveryId: string) =>
        rows<{ type: string; causation_id: string; data: Record<string, any>; recipients: string[] }>(
          sql`select m.type, m.causation_id, m.envelope -> 'data' as data,
            (select coalesce(jsonb_agg(d.recipient), '[]'::jsonb) from deliveries d where d.message_id = m.id) as recipients
          from messages m where m.sender = ${HUB_INSTITUTION_ID} and m.type = 'delivery.failed' and (m.envelope -> 'data' ->> 'deliveryId') = ${deliveryId}`,
        );

      it('tells the sender in the transaction that records the death: recipient, message, reason, how to replay', async () => {
        const dead = await killOne(contracts);
        const told = await noticesAbout(dead.deliveryId);
        expect(told).toHaveLength(1);
        expect(told[0]).toMatchObject({ causation_id: dead.messageId, recipients: [dead.sender] });
        expect(told[0].data).toMatchObject({ messageId: dead.messageId, sender: dead.sender, lastError: 'HTTP 410 gone', replay: { path: `/v1/deliveries/${dead.deliveryId}/replay` } });
      });

      it('tells nothing when the agreement that carried the message opts out', async () => {
        const optOut = mkdtempSync(join(tmpdir(), 'wasla-optout-'));
        try {
          cpSync(dir, optOut, { recursive: true });
          const file = join(optOut, 'agreements', 'traffic-fines.json');
          writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), notifyDeadDeliveries: false }));
          const dead = await killOne(loadContracts(optOut, { env: {} }));
          expect(await noticesAbout(dead.deliveryId)).toEqual([]);
          const [d] = await rows<{ state: string }>(sql`select state from deliveries where id = ${dead.deliveryId}`);
          expect(d.state).toBe('dead');
        } finally {
          rmSync(optOut, { recursive: true, force: true });
        }
      });
    });

    it('keeps the deadline and its message together: a refused message opens nothing', async () => {
      const before = await rows<{ n: number }>(sql`select count(*)::int as n from deadlines`);
      const data = fine('2027-04-17');
      delete data.amount;
      await expect(send('ps.mot', 'traffic-fine.issued', '1.1', data)).rejects.toThrow();
      const after = await rows<{ n: number }>(sql`select count(*)::int as n from deadlines`);
      expect(after[0].n).toBe(before[0].n);
    });
  });
}

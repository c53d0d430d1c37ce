/**
 * One recipient's answer never breaks anyone else's bookkeeping (issue 19), in both modes: a
 * receiver answering with NULs, invalid UTF-8, encoded lone surrogates and a Retry-After of
 * 3,000,000 s, among a healthy one, while their attempts are recorded in the same statements. The
 * healthy deliveries arrive exactly once (before, the failed group statement left them in flight
 * until their leases lapsed, and they were delivered again); the hostile ones end in a recorded
 * state, every attempt on the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { contractsWithRetry, endpointEnv } from '../helpers/contracts.js';
import { post, contestedFine } from './spine.suite.js';

const HOSTILE = 'ps.mot';
const HEALTHY = 'ps.mof';

/** what the hostile receiver answers, in turn */
const hostileAnswers: Array<{ status: number; headers?: Record<string, string>; body: string | Buffer }> = [
  { status: 400, body: 'bad\u0000request' },
  { status: 503, headers: { 'retry-after': '3000000' }, body: 'maintenance' },
  // invalid UTF-8, an encoded lone surrogate, a NUL, an overlong NUL
  { status: 500, body: Buffer.from([0x65, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x00, 0xc0, 0x80]) },
  { status: 429, headers: { 'retry-after': '99999999999999999999999999' }, body: '\u0000'.repeat(5000) },
  { status: 503, headers: { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, body: '{"error":"\\u0000"}' },
];

export function hostileRecipientSuite(mode: Mode) {
  describe(`a hostile recipient among healthy ones (${mode} mode)`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    let n = 0;

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver((a) => {
        if (a.institution !== HOSTILE) return { status: 200, body: '{"ok":true}' };
        const h = hostileAnswers[n++ % hostileAnswers.length];
        return { status: h.status, headers: { 'content-type': 'text/plain', ...h.headers }, body: h.body };
      });
      // a lease that lapses within the test: a delivery left in flight would be sent again
      hub = await startTestHub(
        henv,
        {
          WASLA_CONTRACTS_DIR: contractsWithRetry({ schedule: [0.3, 0.3], jitter: 0 }),
          WASLA_LEASE_MS: '2500',
          WASLA_ATTEMPT_TIMEOUT_MS: '2000',
          WASLA_SWEEP_INTERVAL_MS: '200',
          WASLA_BREAKER_FAILURES: '1000',
        },
        { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } },
      );
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    const query = async <T>(q: ReturnType<typeof sql>) => {
      const r = await hub.database.db.execute(q);
      return ((r as any).rows ?? r) as T[];
    };

    it('delivers to the healthy recipient exactly once, and records every hostile answer', async () => {
      const contested = contestedFine();
      // sent at once, so that healthy and hostile attempts finish together and share record statements
      const answers = await Promise.all(Array.from({ length: 30 }, () => post(hub, contested)));
      for (const a of answers) expect(a.status).toBe(202);
      const healthy = answers.map((a) => a.json.deliveries.find((d: any) => d.recipient === HEALTHY).id as string);
      const hostile = answers.map((a) => a.json.deliveries.find((d: any) => d.recipient === HOSTILE).id as string);
      expect(new Set(answers.flatMap((a) => a.json.deliveries.map((d: any) => d.recipient)))).toEqual(new Set([HEALTHY, HOSTILE]));
      await receiver.waitForApplied(30, 30_000);

      // every delivery ends in a recorded state: none left in flight, none still due
      const end = Date.now() + 30_000;
      for (;;) {
        const [open] = await query<{ n: number }>(sql`select count(*)::int as n from deliveries where state in ('pending', 'in_flight', 'retrying')`);
        if (Number(open.n) === 0) break;
        if (Date.now() > end) throw new Error(`${open.n} deliveries still open`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // one lease and a sweep more: a delivery whose record had failed would be sent again now
      await new Promise((r) => setTimeout(r, 3000));

      const arrivals = (id: string) => receiver.arrivals.filter((a) => a.deliveryId === id).length;
      expect(healthy.map(arrivals)).toEqual(healthy.map(() => 1));
      const states = await query<{ id: string; recipient: string; state: string; attempts: number; rows: number; last_error: string }>(sql`
        select d.id, d.recipient, d.state, d.attempts, (select count(*)::int from attempts a where a.delivery_id = d.id) as rows, d.last_error
        from deliveries d`);
      for (const s of states.filter((x) => x.recipient === HEALTHY)) expect(s).toMatchObject({ state: 'delivered', attempts: 1, rows: 1 });
      const bad = states.filter((x) => x.recipient === HOSTILE);
      expect(bad.map((x) => x.id).sort()).toEqual([...hostile].sort());
      for (const s of bad) {
        expect(s.state).toBe('dead');
        expect(Number(s.rows)).toBe(Number(s.attempts));
        expect(s.last_error).not.toMatch(/[\u0000\uD800-\uDFFF]/);
        expect(s.last_error.length).toBeLessThan(400);
      }
      // the refusals' excerpts were kept, made storable
      expect(bad.some((s) => s.last_error.startsWith('HTTP 400 refused by the recipient: bad\uFFFDrequest'))).toBe(true);
    }, 90_000);
  });
}

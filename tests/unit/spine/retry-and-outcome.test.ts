import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { afterFailure, deferral, nextDelayMs } from '../../../src/workers/retry-policy.js';
import { DEFAULT_RETRY, MAX_DELAY_MS } from '../../../src/federation/index.js';
import { httpOutcome, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../src/adapters/outcome.js';

const res = (status: number, headers: Record<string, string> = {}) => ({ status, headers, body: Buffer.from('x') });

describe('retry policy', () => {
  it('follows the schedule, within the jitter band', () => {
    for (let i = 1; i <= DEFAULT_RETRY.schedule.length; i++) {
      const base = DEFAULT_RETRY.schedule[i - 1] * 1000;
      expect(nextDelayMs(DEFAULT_RETRY, i, undefined, () => 0)).toBe(Math.round(base * 0.8));
      expect(nextDelayMs(DEFAULT_RETRY, i, undefined, () => 1)).toBe(Math.round(base * 1.2));
    }
  });

  it('is dead (undefined) once the schedule is used up', () => {
    expect(nextDelayMs(DEFAULT_RETRY, DEFAULT_RETRY.schedule.length + 1)).toBeUndefined();
    expect(nextDelayMs({ schedule: [], jitter: 0 }, 1)).toBeUndefined();
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(nextDelayMs({ schedule: [1], jitter: 0 }, 1, 30_000)).toBe(30_000);
    expect(nextDelayMs({ schedule: [60], jitter: 0 }, 1, 1_000)).toBe(60_000);
  });
});

describe('the retry schedule as a bound in time (issue 20)', () => {
  const policy = { schedule: [1, 2, 4], jitter: 0 };
  const start = Date.parse('2026-01-01T00:00:00Z');
  const deadline = new Date(start + 7000);
  const at = (ms: number) => start + ms;

  it('is given up once its deadline has passed, attempts left or not, and once its attempts are used up', () => {
    expect(afterFailure(policy, { attemptsMade: 1, deadline, now: at(100) })).toEqual({ retry: true, inMs: 1000 });
    expect(afterFailure(policy, { attemptsMade: 1, deadline, now: at(7000) })).toEqual({ retry: false, why: "its retry schedule's time ran out at 2026-01-01T00:00:07.000Z" });
    expect(afterFailure(policy, { attemptsMade: 4, deadline, now: at(6000) })).toEqual({ retry: false, why: 'retries exhausted' });
  });

  it('never schedules past the deadline: the last chance is an attempt at the deadline', () => {
    expect(afterFailure(policy, { attemptsMade: 3, deadline, now: at(5000) })).toEqual({ retry: true, inMs: 2000 });
    // a Retry-After of 3,000,000 s is honoured up to the deadline, no further
    expect(afterFailure(policy, { attemptsMade: 1, deadline, now: at(0), retryAfterMs: parseRetryAfter('3000000') })).toEqual({ retry: true, inMs: 7000 });
  });

  it('gives a deferral (breaker, rate limit) until the deadline at most, and ends the delivery after it', () => {
    expect(deferral(deadline, 60_000, at(1000))).toEqual({ retry: true, inMs: 6000 });
    expect(deferral(deadline, 60_000, at(7000))).toMatchObject({ retry: false, why: expect.stringMatching(/time ran out at .* while the recipient could not be tried/) });
  });

  it("under store and forward (no deadline) waits however long it takes, at the schedule's last step", () => {
    const sf = { ...policy, storeAndForward: true };
    expect(afterFailure(sf, { attemptsMade: 10, deadline: null, now: at(86_400_000) })).toEqual({ retry: true, inMs: 4000 });
    expect(deferral(null, 60_000, at(86_400_000))).toEqual({ retry: true, inMs: 60_000 });
    expect(afterFailure({ schedule: [0], jitter: 0, storeAndForward: true }, { attemptsMade: 3, now: at(0) })).toEqual({ retry: true, inMs: 1000 });
  });

  it('returns only whole delays within [0, MAX_DELAY_MS] and never past the deadline, whatever the recipient asked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 604_800, noNaN: true }), { maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 10 * 604_800_000 }),
        fc.integer({ min: 0, max: 10 * 604_800_000 }),
        fc.option(fc.double({ min: 0, max: 1e15, noNaN: true }), { nil: undefined }),
        (schedule, jitter, storeAndForward, attemptsMade, span, elapsed, retryAfterMs) => {
          const p = { schedule, jitter, storeAndForward };
          const end = storeAndForward ? null : new Date(start + span);
          for (const d of [afterFailure(p, { attemptsMade, deadline: end, now: at(elapsed), retryAfterMs }), deferral(end, retryAfterMs ?? 0, at(elapsed))]) {
            if (!d.retry) {
              expect(storeAndForward && elapsed < Infinity && d.why === 'retries exhausted').toBe(false);
              continue;
            }
            expect(Number.isInteger(d.inMs)).toBe(true);
            expect(d.inMs).toBeGreaterThanOrEqual(0);
            expect(d.inMs).toBeLessThanOrEqual(MAX_DELAY_MS);
            if (end) expect(at(elapsed) + d.inMs).toBeLessThanOrEqual(end.getTime());
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('HTTP outcome', () => {
  it.each([200, 201, 202, 204])('%i is delivered', (s) => expect(httpOutcome(res(s)).kind).toBe('delivered'));
  it.each([408, 425, 429, 500, 502, 503, 504])('%i is retried', (s) => expect(httpOutcome(res(s)).kind).toBe('retry'));
  it.each([400, 401, 403, 404, 409, 410, 413, 422])('%i is dead at once', (s) => expect(httpOutcome(res(s)).kind).toBe('dead'));

  it('honours Retry-After in seconds and as a date', () => {
    const o = httpOutcome(res(429, { 'retry-after': '120' }));
    expect(o).toMatchObject({ kind: 'retry', retryAfterMs: 120_000 });
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-3')).toBeUndefined(); // not a date, though Date.parse reads it as the year -3
  });

  it('caps what a Retry-After can ask for, however it says it', () => {
    expect(parseRetryAfter('3000000')).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('9'.repeat(400))).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT')).toBe(MAX_RETRY_AFTER_MS);
  });

  it("keeps a bounded, storable excerpt of a refusal's body", () => {
    const o = httpOutcome({ status: 400, headers: {}, body: Buffer.concat([Buffer.from('bad\u0000input '), Buffer.from([0xff, 0xed, 0xa0, 0x80]), Buffer.alloc(5000, 'x')]) });
    expect(o.kind).toBe('dead');
    const reason = (o as { reason: string }).reason;
    expect(reason).not.toMatch(/[\u0000\uD800-\uDFFF]/);
    expect(reason.length).toBeLessThan(300);
  });
});

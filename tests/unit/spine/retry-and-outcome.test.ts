import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, nextDelayMs } from '../../../src/workers/retry-policy.js';
import { httpOutcome, parseRetryAfter } from '../../../src/adapters/outcome.js';

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
});

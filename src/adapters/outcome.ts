/**
 * What an HTTP answer means for a delivery, shared by every HTTP adapter:
 * 2xx delivered; 408, 425, 429 and 5xx retried (429/503 honour Retry-After); any other 4xx is dead
 * at once, since sending the same request again cannot change the answer.
 */
import type { Outcome, TransportResponse } from './types.js';

const RETRYABLE_4XX = new Set([408, 425, 429]);

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  // an HTTP date names its day and month; Date.parse alone would read '-3' as a year
  const at = /[a-z]/i.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function snippet(body: Buffer): string {
  const s = body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return s ? `: ${s}` : '';
}

export function httpOutcome(res: TransportResponse): Outcome {
  const s = res.status;
  if (s >= 200 && s < 300) return { kind: 'delivered' };
  if (s >= 500 || RETRYABLE_4XX.has(s)) {
    return { kind: 'retry', reason: `HTTP ${s}${snippet(res.body)}`, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
  }
  return { kind: 'dead', reason: `HTTP ${s} refused by the recipient${snippet(res.body)}` };
}

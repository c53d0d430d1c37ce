/**
 * What an HTTP answer means for a delivery, shared by every HTTP adapter:
 * 2xx delivered; 408, 425, 429 and 5xx retried (429/503 honour Retry-After); any other 4xx is dead
 * at once, since sending the same request again cannot change the answer.
 *
 * The answer is untrusted (issue 19): the excerpt of its body kept as the reason is bounded and
 * made storable (see untrusted.ts), and a Retry-After never asks for more than MAX_RETRY_AFTER_MS
 * (the retry schedule then bounds it further, see workers/retry-policy.ts).
 */
import type { Outcome, TransportResponse } from './types.js';
import { boundedText } from '../untrusted.js';
import { MAX_DELAY_MS } from '../federation/index.js';

/** the longest wait a recipient's Retry-After can ask for: the longest step a schedule may have */
export const MAX_RETRY_AFTER_MS = MAX_DELAY_MS;
/** characters of a refusal's body kept in the reason */
const EXCERPT_CHARS = 200;

const RETRYABLE_4XX = new Set([408, 425, 429]);

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  // a number of seconds (any number of digits: 1e400 is Infinity, cut to the bound below)
  if (/^\d+$/.test(v.trim())) return Math.min(MAX_RETRY_AFTER_MS, Number(v.trim()) * 1000);
  // an HTTP date names its day and month; Date.parse alone would read '-3' as a year
  const at = v.length <= 64 && /[a-z]/i.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(at) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

function snippet(body: Buffer): string {
  // a few bytes more than the excerpt: a character cut at the end becomes one U+FFFD, then is cut off
  const s = boundedText(
    body
      .subarray(0, EXCERPT_CHARS * 4)
      .toString('utf8')
      .replace(/\s+/g, ' ')
      .trim(),
    EXCERPT_CHARS,
  );
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

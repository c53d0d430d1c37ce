/**
 * What a preloaded history holds, in what proportions, and why (docs/benchmark.md, "Preloaded
 * history", says the same for readers). One place for every proportion, so the loader's SQL and
 * the docs cannot disagree. Every proportion is per delivery or per message and drawn from a hash
 * of the message's sequence number, so a history of N messages is the same whenever it is loaded.
 */

/** messages a year at the national hub the issue describes ("a few million a year") */
export const MESSAGES_PER_YEAR = 5_000_000;
/** so the history is spread at this pace, ending just before the load: 1 M messages span 73 days */
export const MS_PER_MESSAGE = (365 * 86_400_000) / MESSAGES_PER_YEAR;
/** the history ends this long before the load starts (nothing of it is still due) */
export const END_BEFORE_LOAD_MS = 60_000;

/**
 * Per delivery, out of 10 000 (a hash of message and recipient picks the class):
 * - delivered at the first attempt: the normal case;
 * - retried, then delivered (1 to 3 failed attempts, HTTP 503): a recipient down for a
 *   maintenance window or a restart, a few hours a month each;
 * - dead (the retry schedule used up, about 27 hours of failures) and left dead: a long outage
 *   nobody replayed after, or a recipient that was retired;
 * - dead, then replayed by the sender a day later and delivered: most long outages end so.
 */
export const OUTCOME_BOUNDS = { firstTry: 9_600, retried: 9_900, dead: 9_950, replayed: 10_000 } as const;
/** a delivery whose story (retries, replay) would still be running is delivered at once instead */
export const STORY_MS = 4 * 86_400_000;
/** how long after a delivery died its sender replayed it: 20 h plus up to a day */
export const REPLAY_AFTER_MS = { min: 20 * 3_600_000, spread: 24 * 3_600_000 } as const;
/** the failed attempts' answer, as the json-http adapter records it */
export const FAILED_ERROR = 'HTTP 503: {"error":"service unavailable"}';
/** the last failed attempt's, once the schedule is used up (workers/delivery.ts attemptRecord) */
export const DEAD_ERROR = `${FAILED_ERROR} (retries exhausted)`;

/** messages whose sender asked for their status once (GET /v1/messages/{id}/status), per 100 */
export const STATUS_QUERIED_PER_100 = 10;
/**
 * The hub keeps idempotency keys this long (WASLA_IDEMPOTENCY_RETENTION_H, default 24) and its
 * sweeper purges older ones, so a live hub holds only the last day's: so does the history.
 */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;
/**
 * Entries per seal. The hub's sealer seals what was committed since its last pass (every 200 ms
 * while busy): a few hundred entries under the bench's load, a handful on a quiet day. 500 keeps a
 * million-message load to minutes; a quiet hub's log would have more, smaller seals.
 */
export const SEAL_SIZE = 500;
/** messages per load transaction */
export const CHUNK = 10_000;
/** the hub processes (worker ids) the history's attempts are spread over */
export const WORKERS = ['41023-5f1c9a2e', '41187-c0a4e913', '52310-9b27d0f4', '52466-e81f3ac7'] as const;

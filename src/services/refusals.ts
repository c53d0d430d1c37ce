/**
 * Refused requests on the audit log (issue 26): each 401, 403 or 422 the API answers becomes a
 * `request.refused` entry with the reason (the problem code and status), the method and path, who
 * the request claimed to be and, when it was authenticated, who it was — never its body, not even
 * a fragment of it, so that a refused confidential payload reaches the log no more than an accepted
 * one does.
 *
 * Bounded, so that refusals cannot be used to flood the log: at most `perWindow` entries per window
 * (a minute by default) for each authenticated institution, and the same number for all
 * unauthenticated requests together — what an unauthenticated request claims (a keyid, a
 * Wasla-Sender header) is chosen by whoever sends it, so it cannot key a bucket of its own. Beyond
 * the bound, refusals are only counted; the next entry written for that bucket carries how many were
 * left out (`suppressedBefore`). So the log grows by at most perWindow × (institutions + 1) entries
 * a window, whatever is sent, and no refusal goes unnoticed: it is either written or counted.
 * Every claimed value is cut to a short printable identifier before it is written.
 */
import type { Logger } from 'pino';
import type { AuditWriter } from '../audit/writer.js';

export interface Refusal {
  status: number;
  /** the problem code */
  reason: string;
  method: string;
  path: string;
  /** the institution the request was authenticated as, when it was */
  sender?: string;
  /** how it was authenticated (cert:<serial>) */
  credential?: string;
  /** the operator person, when an operator certificate signed it */
  operator?: string;
  /** what the request said about itself: the signature's keyid, the Wasla-Sender header */
  claimed?: { keyid?: string; sender?: string };
}

export interface RefusalRecorder {
  /** writes (or, beyond the bound, counts) one refusal; never throws */
  record(r: Refusal): Promise<void>;
}

export interface RefusalOptions {
  perWindow?: number;
  windowMs?: number;
  now?: () => number;
}

/** the statuses that are refusals of what the caller sent or is (issue 26): not 404, not 5xx */
export const AUDITED_REFUSALS: ReadonlySet<number> = new Set([401, 403, 422]);

const UNAUTHENTICATED = 'unauthenticated';
const MAX_BUCKETS = 10_000;

/** a claimed identifier cut to 128 printable characters of an id's alphabet; anything else is dropped */
export function claimedId(v: string | null | undefined): string | undefined {
  if (!v) return undefined;
  const s = v.slice(0, 128).replace(/[^A-Za-z0-9._:-]/g, '');
  return s.length > 0 ? s : undefined;
}

export function refusalRecorder(audit: AuditWriter, log: Logger, opts: RefusalOptions = {}): RefusalRecorder {
  const perWindow = opts.perWindow ?? 60;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, { start: number; written: number; suppressed: number }>();

  return {
    async record(r) {
      if (!AUDITED_REFUSALS.has(r.status)) return;
      const key = r.sender ?? UNAUTHENTICATED;
      const t = now();
      let b = buckets.get(key);
      if (!b || t - b.start >= windowMs) {
        if (buckets.size >= MAX_BUCKETS) buckets.clear();
        b = { start: t, written: 0, suppressed: b?.suppressed ?? 0 };
        buckets.set(key, b);
      }
      if (b.written >= perWindow) {
        b.suppressed++;
        return;
      }
      b.written++;
      const suppressedBefore = b.suppressed;
      b.suppressed = 0;
      const claimed = { keyid: claimedId(r.claimed?.keyid), sender: claimedId(r.claimed?.sender) };
      try {
        await audit({
          actor: key,
          action: 'request.refused',
          subject: null,
          data: {
            status: r.status,
            reason: r.reason,
            method: r.method.slice(0, 16),
            path: r.path.slice(0, 200),
            ...(r.credential && { credential: r.credential }),
            ...(r.operator && { operator: r.operator }),
            ...((claimed.keyid || claimed.sender) && { claimed: Object.fromEntries(Object.entries(claimed).filter(([, v]) => v)) }),
            ...(suppressedBefore > 0 && { suppressedBefore }),
          },
        });
      } catch (err) {
        log.warn({ reason: r.reason, err: (err as Error).message }, 'could not write a refused request to the audit log');
      }
    },
  };
}

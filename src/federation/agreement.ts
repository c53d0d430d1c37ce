/**
 * Agreements: machine-readable memoranda of understanding (contracts/agreements/*.json) — who may
 * send which types to whom, on which conditions on the payload, which fields each recipient sees,
 * in which schema major, with which retry policy and rate limit, and which queries each party may
 * run. These are the loaded, checked forms; src/routing loads, checks and applies them.
 */
import type { Classification } from './classification.js';
import type { EnvelopeAttribute } from './envelope.js';
import type { Condition } from './condition.js';
import type { Expectation } from './expectation.js';

export type { Condition, ConditionOp } from './condition.js';
import type { RateLimit, RetryPolicy } from './retry.js';

/** One recipient (or pattern of recipients) a grant delivers to, with what it sees. */
export interface GrantTarget {
  recipient: string;
  /** JSON pointers into the payload of the pinned major; ['*'] = everything */
  fields: string[];
  /** the envelope attributes it receives (the agreement's `envelope`; absent: see routing's default) */
  envelope?: EnvelopeAttribute[];
  major: number;
  conditions: Condition[];
}

export interface Grant {
  id: string;
  /** the agreement this grant belongs to */
  agreement: string;
  senders: string[];
  types: string[];
  to: GrantTarget[];
  conditions: Condition[];
  /** content-based routing: the value(s) at this pointer name the recipient(s), which must be in `to` */
  recipientFrom?: string;
  /** every message sent under this grant is at least this class (e.g. a juvenile court's decisions) */
  classification?: Classification;
  retry: RetryPolicy;
  rateLimit?: RateLimit;
  acceptUnsignedReceipt: boolean;
}

/** A bank that may send camt.053/054 statements for the accounts it holds for the `for` institutions (issue 23). */
export interface StatementGrant {
  institution: string;
  for: string[];
}
/**
 * A query granted: a name, or (issue 24) a case query with the answer fields the institution may
 * see and the classes it is cleared for through this grant. A name alone grants no field.
 */
export type QueryGrantEntry = string | { name: string; fields?: string[]; clearances?: string[] };

export interface QueryGrant {
  /** institution id or pattern */
  institution: string;
  queries: QueryGrantEntry[];
}

/** The name an entry grants. */
export const grantedName = (e: QueryGrantEntry): string => (typeof e === 'string' ? e : e.name);

export interface Agreement {
  id: string;
  title: string;
  parties: string[];
  /** ISO date or date-time; the agreement is ignored before it */
  validFrom?: string;
  /** ISO date or date-time; the agreement is ignored after it (a date covers the whole day) */
  validUntil?: string;
  grants: Grant[];
  queries: QueryGrant[];
  /** issue 23: banks that may send ISO 20022 statements for the accounts they hold for `for` */
  statements?: StatementGrant[];
  /** what must follow which message, by when, and whom the hub tells if it does not (issue 25) */
  expectations: Expectation[];
  /** the hub tells a sender whose delivery under this agreement went dead (delivery.failed); false: it does not */
  notifyDeadDeliveries: boolean;
  /** the file it came from, relative to the contracts dir */
  file: string;
}

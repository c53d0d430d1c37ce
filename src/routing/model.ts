/**
 * The loaded form of agreements: what `loadContracts` returns beyond the spine's `Contracts`, and
 * what `route()` reads. Everything here is immutable data checked at load; routing never re-checks it.
 */
import type { Fault } from '../errors.js';
import type { Classification, Contracts, RateLimit, RetryPolicy } from './types.js';

export type ConditionOp = 'equals' | 'not-equals' | 'in' | 'exists' | 'not-exists' | 'lt' | 'lte' | 'gt' | 'gte';

/**
 * A test on the sender's payload (as sent, before translation). A pointer segment `*` walks every
 * element of an array and the condition must hold for all of them (vacuously true for []).
 */
export interface Condition {
  pointer: string;
  op: ConditionOp;
  value?: unknown;
}

/**
 * The envelope attributes that carry what a sender wrote (issue 19): a recipient receives those its
 * grant gives it. The others — specversion, id, source, type, dataschema, time, datacontenttype,
 * classification — say what the message is and always go.
 */
export const ENVELOPE_ATTRIBUTES = ['subject', 'casereference', 'correlationid', 'causationid', 'sourceeventid'] as const;
export type EnvelopeAttribute = (typeof ENVELOPE_ATTRIBUTES)[number];

/**
 * The envelope attributes a target receives when its agreement does not list them: all of them
 * when it sees the whole payload (`fields: ["*"]`), none when its fields are projected — a party's
 * name in `subject` must not reach a recipient whose fields leave party names out.
 */
export function defaultEnvelopeAttributes(fields: readonly string[]): EnvelopeAttribute[] {
  return fields.some((f) => f === '*' || f === '') ? [...ENVELOPE_ATTRIBUTES] : [];
}

/** One recipient (or pattern of recipients) a grant delivers to, with what it sees. */
export interface GrantTarget {
  recipient: string;
  /** JSON pointers into the payload of the pinned major; ['*'] = everything */
  fields: string[];
  /** the envelope attributes it receives (the agreement's `envelope`; absent: the default above) */
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

export interface QueryGrant {
  /** institution id or pattern */
  institution: string;
  queries: string[];
}

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
  /** the file it came from, relative to the contracts dir */
  file: string;
}

/** What `loadContracts` returns: the spine's `Contracts` plus the agreements routing needs. */
export interface LoadedContracts extends Contracts {
  agreements: ReadonlyMap<string, Agreement>;
  /** every grant of every agreement, in agreement-id then file order */
  grants: readonly Grant[];
  /** classification a message type carries by itself (`x-wasla-classification` in its schema) */
  typeClassification(type: string): Classification | undefined;
}

/** A contract fault: which file (relative to the contracts dir), where in it, and what is wrong. */
export interface ContractFault extends Fault {
  file: string;
}

/** Delays before attempts 2..8: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; the first attempt is immediate. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  schedule: Object.freeze([5, 300, 1800, 7200, 18000, 36000, 36000]) as number[],
  jitter: 0.2,
});

/** The payload pointers whose `true` marks a juvenile subject (plus any party with role "juvenile"). */
export const JUVENILE_FLAGS: readonly string[] = ['/juvenile', '/subject/juvenile', '/detainee/juvenile'];
/** The array of parties whose elements' `role` may be "juvenile". */
export const PARTIES_POINTER = '/parties';
export const PARTY_ROLE_POINTER = '/parties/*/role';

/**
 * Routing's public contract: institutions, agreements and the pure functions that decide who
 * may receive what. No I/O happens in routing except loading the contract set.
 */
import type { Catalogue } from '../schemas/types.js';

export type InstitutionKind = 'court' | 'prosecution' | 'police' | 'facility' | 'ministry' | 'bank' | 'fund' | 'counsellor' | 'hub';
export type Classification = 'public' | 'restricted' | 'juvenile' | 'gbv';
export type AdapterName = 'json-http' | 'xml-http' | 'iso20022';

export interface Institution {
  id: string;
  kind: InstitutionKind;
  name: { ar?: string; en: string };
  adapter: AdapterName;
  /** where deliveries are POSTed */
  endpoints: { deliveries: string };
  /** classes beyond public/restricted this institution is cleared for: 'juvenile', 'gbv' */
  clearances: Classification[];
}

export interface RetryPolicy {
  /** delays in seconds before attempt 2, 3, ...; its length + 1 is the maximum number of attempts */
  schedule: number[];
  /** 0..1: each delay is multiplied by a random factor in [1 - jitter, 1 + jitter] */
  jitter: number;
  /**
   * Store and forward: the delivery is never given up for time or attempts; once the schedule is
   * used up it is retried at the schedule's last delay until the recipient takes it. Without it the
   * schedule is a bound in time too (see workers/retry-policy.ts).
   */
  storeAndForward?: boolean;
}

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** One recipient in a routing decision: who, by which grant, in which major, which fields. */
export interface PlannedDelivery {
  recipient: string;
  agreement: string;
  /** the grant's id inside the agreement */
  grant: string;
  /** the schema major this recipient pinned */
  major: number;
  /** JSON pointers into the payload that the recipient may see; ['*'] or [''] means everything */
  fields: string[];
  /** the envelope attributes carrying sender-written data it receives (subject, casereference, ...; see routing/model.ts) */
  envelope: string[];
  retry: RetryPolicy;
  rateLimit?: RateLimit;
  /** whether an unsigned 2xx from the recipient counts as delivered (issue 3) */
  acceptUnsignedReceipt: boolean;
  /**
   * every (agreement, grant) that entitles this recipient to this message, the deciding one
   * (`agreement`/`grant` above) first; more than one when several grants reach the same recipient
   */
  entitledBy?: Array<{ agreement: string; grant: string }>;
}

export interface RoutingInput {
  sender: string;
  type: string;
  version: string;
  classification: Classification;
  data: unknown;
}

export interface RoutingDecision {
  sender: string;
  type: string;
  version: string;
  /** the effective classification (at least the envelope's) */
  classification: Classification;
  deliveries: PlannedDelivery[];
  /** every clearance a recipient had to hold (juvenile and gbv may both apply); [] when none */
  requiredClearances?: Array<'juvenile' | 'gbv'>;
}

/** the queries one agreement grants one institution */
export interface QueryGrantsOf {
  agreement: string;
  queries: string[];
}

export interface Contracts {
  dir: string;
  catalogue: Catalogue;
  institutions: ReadonlyMap<string, Institution>;
  institution(id: string): Institution | undefined;
  /** queries an institution may run under any agreement in force (issue 4, read APIs) */
  queriesFor(id: string): string[];
  /**
   * the queries each agreement in force grants an institution, agreement by agreement: a query is
   * answered about a message only under the agreement that carried it (issue 19.9)
   */
  queryGrants(id: string): QueryGrantsOf[];
}

/**
 * Routing's public contract: institutions, agreements and the pure functions that decide who
 * may receive what. No I/O happens in routing except loading the contract set.
 */
import type { Catalogue } from '../schemas/types.js';
import type { RetentionPolicy } from './retention.js';
import type { Agreement, Classification, Institution, RateLimit, RetryPolicy } from '../federation/index.js';
import type { MappingSet } from '../formats/xml/index.js';
import type { LoadedQueries } from '../queries/load.js';
import type { ClassificationReason } from '../record/classify.js';

// the federation's model (src/federation) that routing's contract speaks of
export type { AdapterName, Classification, Institution, InstitutionKind, RateLimit, RetryPolicy } from '../federation/index.js';

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
  /** when the hub received the message: the latest date of the events a classification rule may use (default: now) */
  receivedAt?: Date;
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
  /** why the hub classified it so: the sender's claim, the type, each field that raised it (no personal data) */
  classificationReasons?: ClassificationReason[];
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
  /** the XML mappings the contract set declares (contracts/mappings), checked against the catalogue */
  mappings: MappingSet;
  /** queries an institution may run under any agreement in force (issue 4, read APIs) */
  queriesFor(id: string): string[];
  /**
   * the queries each agreement in force grants an institution, agreement by agreement: a query is
   * answered about a message only under the agreement that carried it (issue 19.9)
   */
  queryGrants(id: string): QueryGrantsOf[];
  /** the agreements, by id: case queries read their query grants (issue 24) */
  agreements: ReadonlyMap<string, Agreement>;
  /** the named queries of contracts/queries/, checked with the agreements that grant them (issue 24) */
  queries: LoadedQueries;
  /** how long payloads are kept, per type (issue 26.7, contracts/retention.json); absent: nothing is purged */
  retention?: RetentionPolicy;
}

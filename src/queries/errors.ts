/**
 * The errors of the query core. Each has a stable `code` (the last segment of the problem type the
 * HTTP edge will answer with), the HTTP status it maps to, and `retryable: false`: a query refused
 * for what it asks, who asks or a broken contract fails the same way every time. Faults carry the
 * JSON pointer of what is wrong (in a contract file, or in the request's parameters).
 *
 * Self-contained on purpose: the edge maps them onto the hub's RFC 9457 problems (src/errors.ts)
 * when the query API is wired, without this core depending on how that hierarchy evolves.
 */

export interface QueryFault {
  /** the contract file (relative to the contracts dir) the fault is in; absent for a request */
  file?: string;
  /** JSON pointer of the faulty value in that file, or in the request's parameters */
  pointer: string;
  detail: string;
}

export type QueryErrorCode =
  /** a query or query-grant contract does not hold (stops the start, like any contract fault) */
  | 'query-contract-invalid'
  /** the index or cursor secret given by configuration is unusable (too short) */
  | 'query-secret-invalid'
  /** no such query */
  | 'unknown-query'
  /** no agreement in force grants the caller this query */
  | 'query-not-granted'
  /** a parameter is missing, unknown or does not validate */
  | 'query-parameters-invalid'
  /** a pagination cursor was altered, comes from another query, caller or parameters, or expired */
  | 'cursor-invalid';

const STATUS: Record<QueryErrorCode, number> = {
  'query-contract-invalid': 500,
  'query-secret-invalid': 500,
  'unknown-query': 404,
  'query-not-granted': 403,
  'query-parameters-invalid': 400,
  'cursor-invalid': 400,
};

export class QueryError extends Error {
  readonly code: QueryErrorCode;
  readonly status: number;
  readonly retryable = false as const;
  readonly faults: readonly QueryFault[];

  constructor(code: QueryErrorCode, detail: string, faults: QueryFault[] = []) {
    super(detail);
    this.name = 'QueryError';
    this.code = code;
    this.status = STATUS[code];
    this.faults = faults;
  }
}

/** A contract set whose queries or query grants do not hold: every fault, each naming its file. */
export class QueryContractError extends QueryError {
  constructor(faults: QueryFault[]) {
    const first = faults[0];
    const where = first ? `; first: ${first.file ?? ''}: ${first.pointer || '(root)'}: ${first.detail}` : '';
    super('query-contract-invalid', `the queries have ${faults.length} fault${faults.length === 1 ? '' : 's'}${where}`, faults);
    this.name = 'QueryContractError';
  }
}

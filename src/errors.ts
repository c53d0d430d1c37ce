/**
 * The hub's error hierarchy. Every refusal the hub gives is one of these, and each knows the
 * RFC 9457 problem it becomes: a stable `type` URI, an HTTP status, and for validation faults the
 * JSON pointer of each fault. `retryable` tells workers whether trying again can help.
 * Never throw strings; anything that is not a WaslaError is a 500 with no detail leaked.
 */

export const PROBLEM_BASE = 'https://wasla.dev/problems/';

export interface Fault {
  /** JSON pointer (RFC 6901) of the faulty value, relative to the document named by the problem */
  pointer: string;
  detail: string;
}

export class WaslaError extends Error {
  /** stable, machine-readable; the last segment of the problem type URI */
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly retryable: boolean;
  readonly faults: Fault[];
  readonly extra: Record<string, unknown>;

  constructor(opts: {
    code: string;
    status: number;
    title: string;
    detail?: string;
    retryable?: boolean;
    faults?: Fault[];
    extra?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(opts.detail ?? opts.title, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.status = opts.status;
    this.title = opts.title;
    this.retryable = opts.retryable ?? false;
    this.faults = opts.faults ?? [];
    this.extra = opts.extra ?? {};
  }

  get type(): string {
    return PROBLEM_BASE + this.code;
  }

  /** RFC 9457 problem details object */
  toProblem(instance?: string): Record<string, unknown> {
    const p: Record<string, unknown> = {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...this.extra,
    };
    if (instance) p.instance = instance;
    if (this.faults.length > 0) p.errors = this.faults;
    return p;
  }
}

/** 400: the request cannot be read (malformed JSON, bad envelope). */
export class BadRequestError extends WaslaError {
  constructor(code: string, detail: string, faults: Fault[] = []) {
    super({ code, status: 400, title: 'The request is malformed', detail, faults });
  }
}

/** 422: well-formed, but the payload breaks its schema or a rule. */
export class ValidationError extends WaslaError {
  constructor(code: string, detail: string, faults: Fault[] = []) {
    super({ code, status: 422, title: 'The message does not validate', detail, faults });
  }
}

/** 401: the request's signature, digest or certificate does not hold. */
export class AuthenticationError extends WaslaError {
  constructor(code: string, detail: string) {
    super({ code, status: 401, title: 'The request is not authenticated', detail });
  }
}

/** 403: authenticated, but no agreement entitles the sender to this. */
export class ForbiddenError extends WaslaError {
  constructor(code: string, detail: string, faults: Fault[] = []) {
    super({ code, status: 403, title: 'No agreement allows this', detail, faults });
  }
}

export class NotFoundError extends WaslaError {
  constructor(code: string, detail: string) {
    super({ code, status: 404, title: 'Not found', detail });
  }
}

/** 409/422 on idempotency conflicts, 413 on size, 415 on media type: built through this. */
export class RequestRefusedError extends WaslaError {}

/** 503: a dependency (PostgreSQL, Redis) is unreachable; the client may retry. */
export class UnavailableError extends WaslaError {
  constructor(detail: string, cause?: unknown) {
    super({ code: 'unavailable', status: 503, title: 'The hub is temporarily unavailable', detail, retryable: true, cause });
  }
}

/** what ran out, for a ResourceExhaustedError */
export type ExhaustedResource = 'disk' | 'memory' | 'connections' | 'resources';

/**
 * 503: the database has run out of something — disk space, memory, connections (PostgreSQL's class
 * 53, or ENOSPC from PGlite's files). Transient: nothing was stored, and the same request can
 * succeed once the operator (or the load) frees it; `retryAfterSeconds` says when to try.
 */
export class ResourceExhaustedError extends WaslaError {
  constructor(readonly resource: ExhaustedResource, readonly retryAfterSeconds: number, cause?: unknown) {
    const what = { disk: 'out of disk space', memory: 'out of memory', connections: 'out of connections', resources: 'out of resources' }[resource];
    super({
      code: 'resource-exhausted', status: 503, title: 'The hub is temporarily out of resources; try again shortly', retryable: true, cause,
      detail: `the database is ${what}; nothing was stored, send again after Retry-After (under the same Idempotency-Key)`,
      extra: { resource },
    });
  }
}

/**
 * 503: deliveries to a recipient of this message are too far behind (flow control). Nothing was
 * stored; the client may send the message again after `retryAfterSeconds`, signed anew (the replay
 * guard has seen the first signature).
 */
export class BacklogError extends WaslaError {
  constructor(detail: string, readonly retryAfterSeconds: number, recipients: string[]) {
    super({ code: 'delivery-backlog', status: 503, title: 'The hub is behind on deliveries; try again shortly', detail, retryable: true, extra: { recipients } });
  }
}

/** A contract set (messages, institutions, agreements) that does not hold; stops the start. */
export class ContractError extends WaslaError {
  constructor(detail: string, faults: Fault[] = [], public readonly file?: string) {
    super({ code: 'contract-invalid', status: 500, title: 'The contract set is invalid', detail, faults });
  }
}

/** A configuration variable with a wrong value; stops the start, naming the variable. */
export class ConfigError extends WaslaError {
  constructor(public readonly variable: string, detail: string) {
    super({ code: 'config-invalid', status: 500, title: 'Invalid configuration', detail: `${variable}: ${detail}` });
  }
}

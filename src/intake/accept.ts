/**
 * Accepting a message: parse the envelope, validate the payload against its schema version, route
 * it by the agreements, and commit message + deliveries + idempotency record + audit entry + case-index rows in one
 * transaction (invariants 1, 4, 6, 8). The answer is only built from what was committed; a refusal
 * at any step stores nothing.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { RequestRefusedError, ValidationError } from '../errors.js';
import type { Contracts, RoutingDecision } from '../routing/types.js';
import { asLoaded, deadlineEffects, route } from '../routing/index.js';
import { uuidv7 } from '../ids.js';
import { commitMessages, findIdempotent, sealMessage, type CommitInput, type Db, type NewDelivery, type PayloadVault } from '../store/index.js';
import { Batcher, type BatcherOptions } from '../batcher.js';
import type { Dispatcher } from '../queue/index.js';
import { schemaUri, type Envelope } from '../federation/index.js';
import { parseJsonBody, readEnvelope, type IncomingEnvelope } from './envelope.js';
import { inboundAdapterFor } from '../adapters/index.js';
import type { FlowControl } from './flow-control.js';
import { indexRows, sealedIndexRows } from '../queries/index-keys.js';
import { refuseIssuerMismatch } from './issuer-check.js';
import type { OriginEvidence } from '../record/origin.js';

export type Committer = (input: CommitInput) => Promise<'stored' | 'taken'>;

export interface IntakeDeps {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  log: Logger;
  /** commits one accepted message (default: a group committer over `db`) */
  commit?: Committer;
  /** holds a message while deliveries to its recipients are too far behind (see flow-control.ts) */
  flow?: Pick<FlowControl, 'admit'>;
  /** the request body limit, which bounds any document an adapter reads (default 4 MiB) */
  maxBodyBytes?: number;
  /** keys national ids and names in the case index (issue 24); the same secret answers queries */
  indexSecret: Uint8Array;
  /** seals confidential payloads before they are stored (issue 26); without it a juvenile or gbv message is refused */
  vault?: PayloadVault;
}

/**
 * Group commit for intake: messages accepted within ~2 ms share one statement and one WAL flush;
 * a message that finds no commit in progress goes at once (see Batcher's eagerBelow).
 * If a batch fails, each of its messages is tried on its own, so that one bad row cannot refuse the
 * others; a lost database fails them all, and each caller answers 503.
 */
export function groupCommitter(db: Db, opts: BatcherOptions = { maxItems: 32, maxWaitMs: 2, eagerBelow: 1 }): Committer {
  const batcher = new Batcher<CommitInput, 'stored' | 'taken' | { error: unknown }>(async (inputs) => {
    try {
      return await commitMessages(db, inputs);
    } catch (err) {
      if (inputs.length === 1) return [{ error: err }];
      return Promise.all(
        inputs.map((i) =>
          commitMessages(db, [i]).then(
            (r) => r[0],
            (error) => ({ error }),
          ),
        ),
      );
    }
  }, opts);
  return async (input) => {
    const r = await batcher.submit(input);
    if (typeof r === 'object') throw r.error;
    return r;
  };
}

const committers = new WeakMap<Db, Committer>();
function committerFor(deps: IntakeDeps): Committer {
  if (deps.commit) return deps.commit;
  let c = committers.get(deps.db);
  if (!c) committers.set(deps.db, (c = groupCommitter(deps.db)));
  return c;
}

export interface AcceptInput {
  sender: string;
  body: Buffer;
  /**
   * the request's Content-Type (default: the JSON envelope): it picks the adapter that reads the
   * document (adapters/registry.ts), e.g. application/xml for xml-http
   */
  mediaType?: string;
  idempotencyKey?: string;
  /** what authenticated the sender, for the audit entry */
  credential: string;
  /** the evidence of origin of a signed request, kept with the message (issue 26) */
  origin?: OriginEvidence;
}

export interface AcceptedMessage {
  id: string;
  type: string;
  version: string;
  classification: string;
  receivedAt: string;
  deliveries: Array<{ id: string; recipient: string; agreement: string; grant: string; major: number; state: 'pending' }>;
}

export interface AcceptResult {
  answer: AcceptedMessage;
  /** true when this is a repeat of an earlier request with the same Idempotency-Key and body */
  replayed: boolean;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function keyReused(): RequestRefusedError {
  return new RequestRefusedError('idempotency-key-reused', 'this Idempotency-Key was already used by your institution for a different request body; use a new key for a new message');
}

/** The earlier answer to this sender's key, when there is one (a repeat), else undefined. */
async function priorAnswer(deps: IntakeDeps, sender: string, key: string, requestHash: string): Promise<AcceptResult | undefined> {
  const prior = await findIdempotent(deps.db, sender, key);
  if (!prior) return undefined;
  if (prior.requestHash !== requestHash) throw keyReused();
  return { answer: prior.response as AcceptedMessage, replayed: true };
}

export async function acceptMessage(deps: IntakeDeps, input: AcceptInput): Promise<AcceptResult> {
  const requestHash = createHash('sha256').update(input.body).digest('hex');
  const key = input.idempotencyKey;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new RequestRefusedError('invalid-idempotency-key', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
  }
  // A repeat is recognised without a lookup first: a new message (the common case) goes straight
  // to the commit, which stores nothing under a key already taken and says so. Only a refusal or
  // a taken key costs the lookup — so a repeat gets its first answer even when the catalogue or
  // the agreements have changed since.
  let prepared: PreparedMessage;
  try {
    prepared = prepare(deps, input, requestHash);
  } catch (err) {
    const repeat = key !== undefined ? await priorAnswer(deps, input.sender, key, requestHash) : undefined;
    if (repeat) return repeat;
    throw err;
  }
  const { commit, answer, rows, env } = prepared;
  if (deps.flow) await deps.flow.admit(rows.map((r) => r.recipient));
  const stored = await committerFor(deps)(commit);
  if (stored === 'taken') {
    // An earlier request (on this or another api process) committed the same key: answer as it did.
    const repeat = await priorAnswer(deps, input.sender, key!, requestHash);
    if (repeat) return repeat;
    throw keyReused(); // taken, then purged between the two statements: treat it as reused
  }

  deps.log.info({ messageId: answer.id, sender: input.sender, type: env.type, version: env.version, deliveries: rows.map((r) => r.id) }, 'message accepted');
  // After the commit: scheduling is a hint. If Redis is away the sweeper dispatches these later.
  // `fresh`: just committed, so the dispatcher may carry them together with other messages' jobs.
  deps.dispatcher.dispatch(rows.map((r) => ({ deliveryId: r.id, attempt: 0, recipient: r.recipient, fresh: true }))).catch((err) => {
    deps.log.warn({ messageId: answer.id, err: (err as Error).message }, 'could not schedule deliveries now; the sweeper will');
  });
  return { answer, replayed: false };
}

/**
 * Every recipient pinned to another major must be able to read the message in it. A translation can
 * refuse a document the other major cannot carry (a translator's `requires`, a name in the wrong
 * script): refused here, with the pointers and the recipients, the sender can correct it; accepted,
 * it would only fail at every delivery attempt. The contract set already keeps `requires` out of
 * every grant (routing/check.ts); this also covers what no agreement condition can express.
 */
function refuseUntranslatable(contracts: Contracts, type: string, version: string, data: unknown, decision: RoutingDecision): void {
  const sentMajor = Number(version.split('.')[0]);
  for (const major of new Set(decision.deliveries.map((d) => d.major))) {
    if (major === sentMajor) continue;
    try {
      contracts.catalogue.translate(type, version, major, data);
    } catch (err) {
      if (!(err instanceof ValidationError) || err.code !== 'not-translatable') throw err;
      const who = decision.deliveries
        .filter((d) => d.major === major)
        .map((d) => d.recipient)
        .join(', ');
      throw new ValidationError(
        'not-translatable',
        `${who} read ${type} major ${major}, which cannot carry this message: ${err.message}`,
        err.faults.map((f) => ({ pointer: `/data${f.pointer}`, detail: f.detail })),
      );
    }
  }
}

/** Parse, validate and route; build the rows to commit. Throws the refusal; stores nothing. */
function prepare(deps: IntakeDeps, input: AcceptInput, requestHash: string): PreparedMessage {
  const contracts = deps.contracts();
  const mediaType = input.mediaType ?? 'application/cloudevents+json';
  // the document is read by the adapter of its media type into a CloudEvents envelope, which is
  // then checked like any JSON envelope: one path from here on, whatever the format (issue 22)
  const adapter = inboundAdapterFor(mediaType);
  if (!adapter) throw new RequestRefusedError('unsupported-media-type', 'send application/cloudevents+json, application/json or application/xml');
  const document = adapter.parseInbound(input.body, { mappings: contracts.mappings, mediaType, maxBytes: deps.maxBodyBytes ?? 4 * 1024 * 1024, strictJson: parseJsonBody });
  const env = readEnvelope(document, input.sender);
  const prepared = prepareMessage(
    contracts,
    env,
    {
      sender: input.sender,
      credential: input.credential,
      bodySha256: requestHash,
      evidence: input.origin,
      idempotency: input.idempotencyKey !== undefined ? { sender: input.sender, key: input.idempotencyKey, requestHash } : undefined,
    },
    deps.indexSecret,
  );
  if (adapter.name !== 'json-http') {
    // evidence: the bytes as signed and received, beside the envelope the hub made of them
    prepared.commit.message.receivedBody = input.body;
    prepared.commit.message.receivedMediaType = mediaType;
    (prepared.commit.audit[0].data as Record<string, unknown>).receivedAs = { adapter: adapter.name, mediaType };
  }
  // issue 26: sealed here, before the commit: the statement only ever carries ciphertext for it
  prepared.commit.message = sealMessage(prepared.commit.message, deps.vault);
  if (prepared.commit.message.payloadCiphertext) prepared.commit.index = sealedIndexRows(prepared.commit.index ?? [], deps.indexSecret);
  return prepared;
}

export interface PreparedMessage {
  commit: CommitInput;
  answer: AcceptedMessage;
  /** the deliveries to dispatch once the commit is done */
  rows: NewDelivery[];
  env: IncomingEnvelope;
}

export interface MessageOrigin {
  /** the institution the message is from: the authenticated sender, or the hub for its own messages */
  sender: string;
  /** what authenticated the sender, for the audit entry */
  credential: string;
  /** the sha-256 of the bytes as received (the canonical envelope's, for the hub's own messages) */
  bodySha256: string;
  /** the request's evidence of origin, when it was signed */
  evidence?: OriginEvidence;
  idempotency?: CommitInput['idempotency'];
}

/**
 * Validate a read envelope against its schema version, route it by the agreements in force and build
 * what commits it: the one path every message takes into the hub, whoever sends it (an institution
 * through the API, or the hub itself: intake/emit.ts). Its case-index rows (issue 24) are part of
 * what commits it, so a message is never stored unindexed. Throws the refusal; stores nothing.
 */
export function prepareMessage(contracts: Contracts, env: IncomingEnvelope, origin: MessageOrigin, indexSecret: Uint8Array): PreparedMessage {
  const { catalogue } = contracts;
  if (!catalogue.has(env.type)) {
    throw new ValidationError('unknown-type', `no message type "${env.type}" in the catalogue`, [{ pointer: '/type', detail: 'unknown message type' }]);
  }
  if (!catalogue.has(env.type, env.version)) {
    const known = catalogue
      .list()
      .filter((s) => s.type === env.type)
      .map((s) => s.version)
      .join(', ');
    throw new ValidationError('unknown-version', `"${env.type}" has no version ${env.version}; published: ${known}`, [{ pointer: '/dataschema', detail: 'unknown version' }]);
  }
  const faults = catalogue.validate(env.type, env.version, env.data);
  if (faults.length) {
    throw new ValidationError(
      'schema-violation',
      `the data does not match ${env.type}@${env.version} (${faults.length} fault(s))`,
      faults.map((f) => ({ pointer: `/data${f.pointer}`, detail: f.detail })),
    );
  }
  const receivedAt = new Date();
  const decision: RoutingDecision = route(contracts, { sender: origin.sender, type: env.type, version: env.version, classification: env.classification, data: env.data, receivedAt }, receivedAt);
  // after routing, so that a sender no agreement lets send this type hears `no-agreement` first
  refuseIssuerMismatch(asLoaded(contracts), origin.sender, env.type, env.version, env.data, receivedAt);
  refuseUntranslatable(contracts, env.type, env.version, env.data, decision);

  const id = uuidv7();
  const envelope: Envelope = {
    specversion: '1.0',
    id,
    source: origin.sender,
    type: env.type,
    dataschema: schemaUri(env.type, env.version),
    time: env.time ?? receivedAt.toISOString(),
    datacontenttype: 'application/json',
    classification: decision.classification,
    ...(env.subject !== undefined && { subject: env.subject }),
    ...(env.casereference !== undefined && { casereference: env.casereference }),
    ...(env.correlationid !== undefined && { correlationid: env.correlationid }),
    ...(env.causationid !== undefined && { causationid: env.causationid }),
    ...(env.sourceeventid !== undefined && { sourceeventid: env.sourceeventid }),
    data: env.data,
  };
  const rows: NewDelivery[] = decision.deliveries.map((p) => ({
    id: uuidv7(),
    messageId: id,
    recipient: p.recipient,
    agreement: p.agreement,
    grant: p.grant,
    major: p.major,
    fields: p.fields,
    retry: p.retry,
    acceptUnsignedReceipt: p.acceptUnsignedReceipt,
    rateLimit: p.rateLimit ?? null,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: receivedAt,
    createdAt: receivedAt,
    updatedAt: receivedAt,
  }));
  // issue 25: the deadlines this message opens and answers commit with it
  const effects = deadlineEffects(asLoaded(contracts), {
    id,
    sender: origin.sender,
    type: env.type,
    classification: decision.classification,
    data: env.data,
    receivedAt,
    ...(env.casereference !== undefined && { casereference: env.casereference }),
    ...(env.correlationid !== undefined && { correlationid: env.correlationid }),
    ...(env.causationid !== undefined && { causationid: env.causationid }),
  });
  const answer: AcceptedMessage = {
    id,
    type: env.type,
    version: env.version,
    classification: decision.classification,
    receivedAt: receivedAt.toISOString(),
    deliveries: rows.map((r) => ({ id: r.id, recipient: r.recipient, agreement: r.agreement, grant: r.grant, major: r.major, state: 'pending' as const })),
  };

  const commit: CommitInput = {
    message: {
      id,
      sender: origin.sender,
      type: env.type,
      version: env.version,
      classification: decision.classification,
      subject: env.subject ?? null,
      caseRef: env.casereference ?? null,
      correlationId: env.correlationid ?? null,
      causationId: env.causationid ?? null,
      envelope,
      routing: decision,
      receivedAt,
    },
    deliveries: rows,
    idempotency: origin.idempotency,
    ...(origin.evidence && { origin: origin.evidence }),
    response: answer,
    // keyed with the hub's secret before they leave this process: no national id or name in clear
    index: indexRows(catalogue, env.type, env.version, env.data, indexSecret),
    ...((effects.open.length > 0 || effects.answers.length > 0) && {
      deadlines: { open: effects.open.map((d) => ({ ...d, id: uuidv7() })), answers: effects.answers },
    }),
    audit: [
      {
        actor: origin.sender,
        action: 'message.accepted',
        subject: id,
        data: {
          type: env.type,
          version: env.version,
          classification: decision.classification,
          ...(decision.classificationReasons && { classificationReasons: decision.classificationReasons }),
          credential: origin.credential,
          bodySha256: origin.bodySha256,
          ...(origin.evidence && { origin: { signature: origin.evidence.label, receivedAt: origin.evidence.receivedAt } }),
          routing: decision.deliveries.map((p) => ({ recipient: p.recipient, agreement: p.agreement, grant: p.grant, major: p.major })),
          deliveries: rows.map((r) => r.id),
          ...(effects.skipped.length > 0 && { deadlinesNotOpened: effects.skipped }),
        },
      },
    ],
  };
  return { commit, answer, rows, env };
}

/**
 * The loader's SQL: one chunk of history (messages lo..hi-1) generated inside PostgreSQL from the
 * message template, so that nothing but the statement crosses the connection. Run in one
 * transaction per chunk: messages, their deliveries in final states, every attempt (with a receipt
 * when delivered), the idempotency keys still within retention, and the audit entries the hub
 * writes for all of it, in time order. Sealing is left to the hub's own sealer (preload.ts).
 * The proportions come from preload-mix.ts; each draw is a hash of the sequence number, so the
 * same N gives the same history.
 */
import { DEAD_ERROR, FAILED_ERROR, IDEMPOTENCY_RETENTION_MS, MS_PER_MESSAGE, OUTCOME_BOUNDS, REPLAY_AFTER_MS, STATUS_QUERIED_PER_100, STORY_MS, WORKERS } from './preload-mix.js';
import { PH, type MessageTemplate } from './preload-template.js';

/** session helpers: a stable 48-bit hash, and a UUIDv7 (time-ordered, as src/ids.ts makes them) from a time and a key */
export const SESSION_FUNCTIONS = [
  `create or replace function pg_temp.h(k text) returns bigint language sql immutable as
    $$ select ('x' || substr(md5(k), 1, 12))::bit(48)::bigint $$`,
  `create or replace function pg_temp.uuid7(t timestamptz, k text) returns uuid language sql immutable as
    $$ select (lpad(to_hex((extract(epoch from t) * 1000)::bigint), 12, '0') || '7' || substr(m, 1, 3) || '8' || substr(m, 4, 15))::uuid
       from (select md5(k) as m) x $$`,
];

/** what one load shares: the template, the certificates it names, and where its history ends */
export interface ChunkParams {
  template: MessageTemplate;
  /** per message: `cert:<serial>` of the sender's historical certificate */
  credential: string;
  /** per recipient (template order): the serial of its historical certificate, which signed its receipts */
  recipientSerials: string[];
  alg: string;
  /** the history's total size and its end (ms since the epoch) */
  total: number;
  endMs: number;
  /** time between two messages of the history (default MS_PER_MESSAGE: the issue's national hub) */
  paceMs?: number;
  /** a delivery's deadline after its first claim (wasla_gives_up_at for its retry policy), ms */
  givesUpAfterMs: number;
}

/** the parameter the chunk statements read (one jsonb, $1) */
export function chunkConfig(p: ChunkParams): string {
  const t = p.template;
  const schedule = t.deliveries[0].schedule;
  // cumulative delay before attempt n (1-based), seconds: 0, s1, s1+s2, ...
  const cum = [0];
  for (const s of schedule) cum.push(cum[cum.length - 1] + s);
  return JSON.stringify({
    body: t.body,
    sender: t.sender,
    type: t.type,
    version: t.version,
    classification: t.classification,
    subject: t.subject,
    case_ref: t.caseRef,
    correlation_id: t.correlationId,
    causation_id: t.causationId,
    envelope: t.envelope,
    routing: JSON.parse(t.routing),
    response: t.response,
    accepted: t.acceptedData,
    deliveries: t.deliveries.map((d, i) => ({
      recipient: d.recipient,
      agreement: d.agreement,
      grant: d.grant,
      major: d.major,
      fields: JSON.parse(d.fields),
      retry: JSON.parse(d.retry),
      accept_unsigned_receipt: d.acceptUnsignedReceipt,
      rate_limit: d.rateLimit === null ? null : JSON.parse(d.rateLimit),
      serial: p.recipientSerials[i],
    })),
    credential: p.credential,
    alg: p.alg,
    // attempts until a delivery dies: the first, then one per step of the schedule
    dead_after: schedule.length + 1,
    cum,
    start_ms: p.endMs - p.total * (p.paceMs ?? MS_PER_MESSAGE),
    step_ms: p.paceMs ?? MS_PER_MESSAGE,
    end_ms: p.endMs,
    story_ms: STORY_MS,
    retention_ms: IDEMPOTENCY_RETENTION_MS,
    gives_up_after_ms: p.givesUpAfterMs,
    workers: WORKERS,
    failed_error: FAILED_ERROR,
    dead_error: DEAD_ERROR,
  });
}

const ms = (x: string) => `(${x}) * interval '1 millisecond'`;
const fill = (text: string, pairs: Array<[string, string]>) => pairs.reduce((acc, [from, to]) => `replace(${acc}, '${from}', ${to})`, text);

/**
 * The statements of one chunk, in order, each taking ($1 config jsonb, $2 lo, $3 hi). Temporary
 * tables hold the chunk's plan (pm: messages, pd: deliveries, pa: attempts) and go at commit.
 */
export const CHUNK_STATEMENTS: string[] = [
  // messages: received at the history's pace with a jitter within the step, ids UUIDv7 of that time
  `create temp table pm on commit drop as
   select g as seq, lpad(g::text, 10, '0') as seqtxt, t.received_at, pg_temp.uuid7(t.received_at, 'm' || g) as mid,
     to_char(t.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at_text,
     encode(sha256(convert_to(replace($1::jsonb ->> 'body', '${PH.seq}', lpad(g::text, 10, '0')), 'UTF8')), 'hex') as sha
   from generate_series($2::bigint, $3::bigint - 1) g
   cross join lateral (select date_trunc('milliseconds', to_timestamp(0) + ${ms(`($1::jsonb ->> 'start_ms')::float8 + (g - 1) * ($1::jsonb ->> 'step_ms')::float8 + (pg_temp.h('j' || g) % 1000) / 1000.0 * ($1::jsonb ->> 'step_ms')::float8`)}) as received_at) t`,
  // deliveries: one per recipient, each in its outcome class (preload-mix.ts OUTCOME_BOUNDS)
  `create temp table pd on commit drop as
   select pm.seq, pm.mid, pm.received_at, (r.i - 1)::int as i, r.d, pg_temp.uuid7(pm.received_at, 'd' || pm.seq || '/' || r.i) as did, x.b,
     case when pm.received_at > to_timestamp(0) + ${ms(`($1::jsonb ->> 'end_ms')::float8 - ($1::jsonb ->> 'story_ms')::float8`)} then 'first-try'
          when x.b < ${OUTCOME_BOUNDS.firstTry} then 'first-try' when x.b < ${OUTCOME_BOUNDS.retried} then 'retried'
          when x.b < ${OUTCOME_BOUNDS.dead} then 'dead' else 'replayed' end as class
   from pm cross join jsonb_array_elements($1::jsonb -> 'deliveries') with ordinality r(d, i)
   cross join lateral (select pg_temp.h('o' || pm.seq || '/' || r.i) % 10000 as b) x`,
  // each message's delivery ids, in recipient order, for its answer and its audit entry
  `create temp table pds on commit drop as select mid, array_agg(did::text order by i) as ds from pd group by mid`,
  `analyze pm`,
  `analyze pd`,
  `alter table pd add column n_att int`,
  `update pd set n_att = case class when 'first-try' then 1 when 'retried' then 2 + b % 3
       when 'dead' then ($1::jsonb ->> 'dead_after')::int else ($1::jsonb ->> 'dead_after')::int + 1 end`,
  // attempts: the first ~50 ms after intake, each retry after the schedule's cumulative delay (±10 %),
  // a replayed delivery's last a day or so after it died
  `create temp table pa on commit drop as
   select pd.did, pd.mid, pd.i, pd.d ->> 'recipient' as recipient, pd.d ->> 'serial' as serial, pd.class, n,
     case when n = pd.n_att and pd.class <> 'dead' then 'delivered' when n = ($1::jsonb ->> 'dead_after')::int then 'dead' else 'retry' end as outcome,
     date_trunc('milliseconds', case when pd.class = 'replayed' and n = pd.n_att
       then pd.received_at + ${ms(`(($1::jsonb -> 'cum') ->> (n - 2))::float8 * 1000 + ${REPLAY_AFTER_MS.min} + pg_temp.h('r' || pd.did) % ${REPLAY_AFTER_MS.spread}`)}
       else pd.received_at + ${ms(`40 + pg_temp.h('s' || pd.did || n) % 30 + (($1::jsonb -> 'cum') ->> (n - 1))::float8 * 1000 * (0.9 + (pg_temp.h('k' || pd.did || n) % 200) / 1000.0)`)} end) as started_at,
     (3 + pg_temp.h('u' || pd.did || n) % 45)::int as duration_ms,
     ($1::jsonb -> 'workers') ->> (pg_temp.h('w' || pd.did || n) % 4)::int as worker
   from pd cross join generate_series(1, pd.n_att) n`,
  `analyze pa`,
  `insert into messages (id, sender, type, version, classification, subject, case_ref, correlation_id, causation_id, envelope, routing, received_at)
   select mid, $1::jsonb ->> 'sender', $1::jsonb ->> 'type', $1::jsonb ->> 'version', $1::jsonb ->> 'classification',
     $1::jsonb ->> 'subject', $1::jsonb ->> 'case_ref', $1::jsonb ->> 'correlation_id', $1::jsonb ->> 'causation_id',
     ${fill(`($1::jsonb ->> 'envelope')`, [
       [PH.messageId, 'mid::text'],
       [PH.at, 'at_text'],
       [PH.seq, 'seqtxt'],
     ])}::json,
     $1::jsonb -> 'routing', received_at
   from pm order by seq`,
  `insert into deliveries (id, message_id, recipient, agreement, grant_id, major, fields, retry, accept_unsigned_receipt, rate_limit,
     schedule_offset, gives_up_at, state, attempts, next_attempt_at, lease_token, lease_until, last_error, delivered_at, created_at, updated_at)
   select pd.did, pd.mid, pd.d ->> 'recipient', pd.d ->> 'agreement', pd.d ->> 'grant', (pd.d ->> 'major')::int, pd.d -> 'fields', pd.d -> 'retry',
     (pd.d ->> 'accept_unsigned_receipt')::boolean, case when jsonb_typeof(pd.d -> 'rate_limit') = 'null' then null else pd.d -> 'rate_limit' end,
     case when pd.class = 'replayed' then pd.n_att - 1 else 0 end,
     (case when pd.class = 'replayed' then last.started_at else first.started_at end) + ${ms(`($1::jsonb ->> 'gives_up_after_ms')::float8`)},
     case when pd.class = 'dead' then 'dead' else 'delivered' end, pd.n_att, null, null, null,
     case when pd.class = 'dead' then $1::jsonb ->> 'dead_error' end,
     case when pd.class <> 'dead' then last.ended_at end,
     pd.received_at, last.ended_at
   from pd
   join (select did, started_at from pa where n = 1) first on first.did = pd.did
   join (select distinct on (did) did, started_at, started_at + duration_ms * interval '1 millisecond' as ended_at from pa order by did, n desc) last on last.did = pd.did
   order by pd.seq, pd.i`,
  `insert into attempts (delivery_id, number, started_at, duration_ms, status_code, outcome, error, receipt, worker)
   select did, n, started_at, duration_ms, case when outcome = 'delivered' then 200 else 503 end, outcome,
     case outcome when 'retry' then $1::jsonb ->> 'failed_error' when 'dead' then $1::jsonb ->> 'dead_error' end,
     case when outcome = 'delivered' then jsonb_build_object(
       'keyid', serial, 'institution', recipient, 'created', floor(extract(epoch from started_at))::bigint,
       'signatureInput', format('wasla-receipt=("@status" "content-digest" "content-type" "wasla-delivery-id";req);created=%s;keyid="%s";alg="%s"',
         floor(extract(epoch from started_at))::bigint, serial, $1::jsonb ->> 'alg'),
       'signature', 'wasla-receipt=:' || translate(encode(sha512(convert_to(did::text || n, 'UTF8')), 'base64'), E'\\n', '') || ':') end,
     worker
   from pa order by started_at, did`,
  `insert into idempotency_keys (sender, key, request_hash, message_id, response, created_at)
   select $1::jsonb ->> 'sender', 'preload-' || seqtxt, sha, pm.mid,
     ${fill(`($1::jsonb ->> 'response')`, [
       [PH.messageId, 'pm.mid::text'],
       [PH.at, 'at_text'],
       [PH.delivery(0), "coalesce(ds[1], '')"],
       [PH.delivery(1), "coalesce(ds[2], '')"],
       [PH.delivery(2), "coalesce(ds[3], '')"],
     ])}::jsonb, received_at
   from pm join pds using (mid)
   where received_at >= to_timestamp(0) + ${ms(`($1::jsonb ->> 'end_ms')::float8 - ($1::jsonb ->> 'retention_ms')::float8`)}`,
  // the audit entries, in the order they happened; `at` to the millisecond, as the writer takes it
  `insert into audit_log (at, actor, action, subject, data)
   select at, actor, action, subject, data from (
     select pm.received_at + interval '2 milliseconds' as at, $1::jsonb ->> 'sender' as actor, 'message.accepted' as action, pm.mid::text as subject,
       ${fill(`($1::jsonb ->> 'accepted')`, [
         [PH.messageId, 'pm.mid::text'],
         [PH.bodySha256, 'sha'],
         [PH.credential, `($1::jsonb ->> 'credential')`],
         [PH.delivery(0), "coalesce(ds[1], '')"],
         [PH.delivery(1), "coalesce(ds[2], '')"],
         [PH.delivery(2), "coalesce(ds[3], '')"],
       ])}::jsonb as data
     from pm join pds using (mid)
     union all
     select date_trunc('milliseconds', started_at + duration_ms * interval '1 millisecond' + interval '1 millisecond'), 'worker:' || worker, 'delivery.attempt', did::text,
       jsonb_build_object('messageId', mid, 'recipient', recipient, 'attempt', n, 'outcome', outcome,
         'status', case when outcome = 'delivered' then 200 else 503 end,
         'error', case outcome when 'retry' then $1::jsonb ->> 'failed_error' when 'dead' then $1::jsonb ->> 'dead_error' end, 'leaseLost', false)
     from pa
     union all
     select date_trunc('milliseconds', pa.started_at - interval '40 milliseconds'), $1::jsonb ->> 'sender', 'delivery.replayed', pa.did::text,
       jsonb_build_object('messageId', pa.mid, 'recipient', pa.recipient, 'attemptsBefore', pa.n - 1, 'reason', 'recipient back after an outage')
     from pa where pa.class = 'replayed' and pa.outcome = 'delivered'
     union all
     select date_trunc('milliseconds', pm.received_at + ${ms(`60000 + pg_temp.h('q' || pm.seq) % 600000`)}), $1::jsonb ->> 'sender', 'message.status-queried', pm.mid::text,
       jsonb_build_object('credential', $1::jsonb ->> 'credential')
     from pm where pg_temp.h('q' || pm.seq) % 100 < ${STATUS_QUERIED_PER_100}
   ) e order by at`,
];

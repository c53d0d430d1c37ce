/**
 * The verdict, from the database and the receivers' records: every acknowledged message is stored
 * and reached each of its recipients (its delivery row delivered and that delivery id applied at
 * the receiver); no receiver applied anything twice; nothing is left non-terminal; nothing is dead
 * — except deliveries to a recipient down for good (`--down`), which must each end dead, after
 * their retry schedule, and never count as delivered. Problems come back with evidence (ids,
 * states, attempts) for the report.
 */
import type pg from 'pg';
import type { LoadResult } from './loadgen.js';
import type { ReceiverReport } from './receivers.js';

export interface Verdict {
  acknowledged: number;
  /** acknowledged messages that reached every recipient */
  delivered: number;
  /** acknowledged messages missing, or short of a recipient for good (dead, no row, delivered but never applied) */
  lost: number;
  appliedTwice: number;
  nonTerminal: number;
  /** dead deliveries to recipients that were up */
  dead: number;
  /** dead deliveries to recipients down for good, as they should be */
  deadDown: number;
  duplicateRate: number;
  /** everything else worth knowing, one line each */
  details: string[];
  /** every failed check, with evidence */
  problems: string[];
}

interface Row {
  id: string;
  message_id: string;
  recipient: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

export async function verify(db: pg.Pool, sender: string, recipients: readonly string[], load: LoadResult, receivers: ReceiverReport[], down: readonly string[] = []): Promise<Verdict> {
  const problems: string[] = [];
  const details: string[] = [];
  const rows = (await db.query<Row>('select id, message_id, recipient, state, attempts, last_error from deliveries')).rows;
  const messageIds = new Set((await db.query<{ id: string }>('select id from messages where sender = $1', [sender])).rows.map((r) => r.id));
  const keys = (await db.query<{ key: string; message_id: string }>('select key, message_id from idempotency_keys where sender = $1', [sender])).rows;
  const outcomes = (await db.query<{ outcome: string; n: number }>('select outcome, count(*)::int as n from attempts group by 1 order by 2 desc')).rows;
  const audited = new Map((await db.query<{ action: string; n: number }>('select action, count(*)::int as n from audit_log group by 1')).rows.map((r) => [r.action, r.n]));
  const attemptRows = outcomes.reduce((n, o) => n + o.n, 0);
  const twiceDelivered = (await db.query<{ delivery_id: string; n: number }>(`select delivery_id, count(*)::int as n from attempts where outcome like 'delivered%' group by 1 having count(*) > 1`))
    .rows;

  const byMessage = new Map<string, Row[]>();
  const byId = new Map<string, Row>();
  for (const r of rows) {
    byId.set(r.id, r);
    byMessage.set(r.message_id, [...(byMessage.get(r.message_id) ?? []), r]);
  }

  // receivers: what was applied where
  const applied = new Map<string, { receiver: string; messageId: string }>();
  const pairs = new Map<string, string[]>();
  let appliedTwice = 0;
  let duplicates = 0;
  let dupAfterHang = 0;
  let appliedCount = 0;
  for (const rep of receivers) {
    for (const m of rep.malformed) problems.push(`receiver ${rep.name} got a malformed delivery: ${m}`);
    for (const a of rep.applied) {
      appliedCount += 1;
      duplicates += a.duplicates;
      if (a.hungOnApply) dupAfterHang += a.duplicates;
      applied.set(a.deliveryId, { receiver: rep.name, messageId: a.messageId });
      if (a.applied > 1) {
        appliedTwice += 1;
        problems.push(`receiver ${rep.name} applied delivery ${a.deliveryId} ${a.applied} times`);
      }
      const pair = `${rep.name} ${a.messageId}`;
      pairs.set(pair, [...(pairs.get(pair) ?? []), a.deliveryId]);
      const row = byId.get(a.deliveryId);
      if (!row) problems.push(`receiver ${rep.name} applied delivery ${a.deliveryId} (message ${a.messageId}) that the database does not know`);
      else if (row.recipient !== rep.name || row.message_id !== a.messageId) {
        problems.push(`delivery ${a.deliveryId} is for ${row.recipient} / message ${row.message_id} but arrived at ${rep.name} as message ${a.messageId}`);
      }
    }
    details.push(`receiver ${rep.name}: arrivals=${rep.arrivals} applied=${rep.applied.length} answered_503=${rep.answered503} hung=${rep.hung} unverified=${rep.unverified}`);
  }
  for (const [pair, ids] of pairs) {
    if (ids.length > 1) {
      appliedTwice += 1;
      problems.push(`receiver/message ${pair} applied under ${ids.length} delivery ids: ${ids.join(', ')}`);
    }
  }

  // every acknowledged message, recipient by recipient
  let delivered = 0;
  let lost = 0;
  const evidence: string[] = [];
  for (const ack of load.acknowledged.values()) {
    const faults: string[] = [];
    let pending = false;
    if (!messageIds.has(ack.messageId)) faults.push('message not in the database');
    const mine = byMessage.get(ack.messageId) ?? [];
    for (const recipient of recipients) {
      const row = mine.find((r) => r.recipient === recipient);
      const promised = ack.deliveries.find((d) => d.recipient === recipient);
      if (!promised) faults.push(`the 202 named no delivery for ${recipient}`);
      if (!row) {
        faults.push(`no delivery row for ${recipient}`);
        continue;
      }
      if (promised && promised.id !== row.id) faults.push(`the 202 named delivery ${promised.id} for ${recipient}, the database has ${row.id}`);
      if (down.includes(recipient)) {
        // down for good: the delivery must end dead, and can never have been applied
        if (row.state === 'delivered' || applied.has(row.id))
          faults.push(`delivery ${row.id} to ${recipient}, which is down for good, is ${row.state}${applied.has(row.id) ? ' and was applied' : ''}`);
        else if (row.state !== 'dead') pending = true;
        continue;
      }
      if (row.state === 'dead') faults.push(`delivery ${row.id} to ${recipient} is dead after ${row.attempts} attempts: ${row.last_error}`);
      else if (row.state !== 'delivered') pending = true;
      else if (!applied.has(row.id)) faults.push(`delivery ${row.id} to ${recipient} is delivered in the database but was never applied by the receiver`);
    }
    if (mine.length !== recipients.length) faults.push(`${mine.length} delivery rows, expected ${recipients.length}`);
    if (faults.length) {
      lost += 1;
      if (evidence.length < 20) evidence.push(`message ${ack.messageId} (key ${ack.key}): ${faults.join('; ')}`);
    } else if (!pending) delivered += 1;
  }
  problems.push(...evidence);
  if (lost > evidence.length) problems.push(`... and ${lost - evidence.length} more lost messages`);

  const states: Record<string, number> = {};
  for (const r of rows) states[r.state] = (states[r.state] ?? 0) + 1;
  const nonTerminal = rows.filter((r) => r.state !== 'delivered' && r.state !== 'dead');
  const dead = rows.filter((r) => r.state === 'dead' && !down.includes(r.recipient));
  const deadDown = rows.filter((r) => r.state === 'dead' && down.includes(r.recipient));
  const stuckDown = nonTerminal.filter((r) => down.includes(r.recipient));
  if (stuckDown.length)
    problems.push(`${stuckDown.length} deliveries to recipients down for good never ended dead (still ${[...new Set(stuckDown.map((r) => r.state))].join(', ')}): nothing should wait for ever`);
  for (const r of nonTerminal.slice(0, 10)) problems.push(`delivery ${r.id} (message ${r.message_id}, ${r.recipient}) still ${r.state} after ${r.attempts} attempts: ${r.last_error}`);
  for (const r of dead.slice(0, 10)) problems.push(`delivery ${r.id} (message ${r.message_id}, ${r.recipient}) dead after ${r.attempts} attempts: ${r.last_error}`);
  if (nonTerminal.length) problems.push(`${nonTerminal.length} deliveries not terminal`);
  if (dead.length) problems.push(`${dead.length} deliveries dead`);

  // intake: one message per key; nothing stored that no key accounts for
  const keyed = new Set(keys.map((k) => k.message_id));
  const unkeyed = [...messageIds].filter((id) => !keyed.has(id));
  if (unkeyed.length) problems.push(`${unkeyed.length} stored messages without an idempotency key (double intake?): ${unkeyed.slice(0, 5).join(', ')}`);
  const ackedIds = new Set([...load.acknowledged.values()].map((a) => a.messageId));
  const unacked = [...messageIds].filter((id) => !ackedIds.has(id));
  for (const c of load.conflicts) problems.push(`one Idempotency-Key, two message ids: ${c}`);
  for (const g of load.gaveUp.slice(0, 10)) problems.push(`never acknowledged: ${g.key} (last: ${g.last})`);
  if (load.gaveUp.length) problems.push(`${load.gaveUp.length} messages never acknowledged within the retry window`);
  for (const f of load.refused.slice(0, 10)) problems.push(`refused: ${f.key} HTTP ${f.status} ${f.body}`);
  if (load.refused.length) problems.push(`${load.refused.length} messages refused`);

  // invariant 7: each intake and each attempt is on the record
  if ((audited.get('message.accepted') ?? 0) !== messageIds.size) problems.push(`audit log: ${audited.get('message.accepted') ?? 0} message.accepted entries for ${messageIds.size} messages`);
  if ((audited.get('delivery.attempt') ?? 0) !== attemptRows) problems.push(`audit log: ${audited.get('delivery.attempt') ?? 0} delivery.attempt entries for ${attemptRows} attempts`);
  details.push(`intake: sends=${load.sends} acknowledged=${load.acknowledged.size} replayed=${load.replayed} outcomes=${JSON.stringify(load.outcomes)} in ${(load.ms / 1000).toFixed(1)} s`);
  details.push(`database: messages=${messageIds.size} (committed but never acknowledged: ${unacked.length}) idempotency_keys=${keys.length} deliveries=${JSON.stringify(states)}`);
  details.push(`attempts: ${outcomes.map((o) => `${o.outcome}=${o.n}`).join(' ')}`);
  details.push(
    `deliveries with more than one successful attempt: ${twiceDelivered.length}${
      twiceDelivered.length
        ? ' e.g. ' +
          twiceDelivered
            .slice(0, 3)
            .map((t) => `${t.delivery_id}×${t.n}`)
            .join(', ')
        : ''
    }`,
  );
  details.push(
    `duplicate arrivals: ${duplicates} (${dupAfterHang} after a receiver hang, ${duplicates - dupAfterHang} otherwise) over ${appliedCount} applied; dead=${dead.length}${down.length ? ` dead_down=${deadDown.length} (of ${rows.filter((r) => down.includes(r.recipient)).length} to ${down.join(', ')})` : ''}`,
  );

  return {
    acknowledged: load.acknowledged.size,
    delivered,
    lost,
    appliedTwice,
    nonTerminal: nonTerminal.length,
    dead: dead.length,
    deadDown: deadDown.length,
    duplicateRate: appliedCount ? duplicates / appliedCount : 0,
    details,
    problems,
  };
}

/** attempts and audit entries of one delivery, for a report */
export async function deliveryEvidence(db: pg.Pool, deliveryId: string): Promise<string[]> {
  const a = await db.query<{ number: number; started_at: Date; duration_ms: number; status_code: number | null; outcome: string; error: string | null; worker: string }>(
    'select number, started_at, duration_ms, status_code, outcome, error, worker from attempts where delivery_id = $1 order by id',
    [deliveryId],
  );
  return a.rows.map((r) => `  attempt ${r.number} ${r.started_at.toISOString()} ${r.duration_ms}ms status=${r.status_code} ${r.outcome} ${r.error ?? ''} worker=${r.worker}`);
}

/**
 * Dead deliveries are told (issue 25): when a delivery goes dead, the hub sends its sender a
 * delivery.failed (which recipient, which message, the last reason, how to replay it); when a
 * replayed delivery then reaches its recipient, a delivery.recovered. Each notice commits in ONE
 * transaction with the state change that caused it (intake/emit.ts), unless the agreement that
 * carried the message opts out (`notifyDeadDeliveries: false`).
 *
 * Guarantees:
 * - the hot path is unchanged: a batch with nothing dead and nothing recovered is recorded by the
 *   one statement it always was; only a batch with one takes a transaction and a second statement;
 * - a notice is stored once per (delivery, attempt count) — the emit key — so a delivery that dies
 *   again after a replay tells again, and nothing tells twice for one death;
 * - a notice no agreement routes (an institution outside the notices agreement) is logged, and
 *   never holds the delivery's state change back.
 * A delivery is "recovered" when it is delivered after a replay: its attempts before the replay are
 * its schedule offset (store/delivery-admin.ts), so a replay of a delivery that died before any
 * attempt (offset 0) is not told as recovered.
 */
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { AuditAction } from '../audit/writer.js';
import { HUB_INSTITUTION_ID } from '../federation/index.js';
import { dispatchEmitted, type EmitOutcome, emitHubMessages, type HubMessage } from '../intake/emit.js';
import type { Dispatcher } from '../queue/index.js';
import { asLoaded } from '../routing/index.js';
import type { Contracts } from '../routing/types.js';
import { type AttemptOutcome, type Claim, type Db, type DeliveryState, endUnattempted, type PayloadVault, recordAttempts } from '../store/index.js';
import { resultRows } from '../store/db.js';

export interface NoticeDeps {
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  log: Logger;
  /** keys the notices' case-index rows, like every message's */
  indexSecret: Uint8Array;
  /** seals the notices like every message (issue 26) */
  vault?: PayloadVault;
}

interface Told {
  claim: Claim;
  kind: 'failed' | 'recovered';
  lastError?: string;
}

function optedOut(contracts: Contracts, agreement: string): boolean {
  return asLoaded(contracts).agreements.get(agreement)?.notifyDeadDeliveries === false;
}

/** Inside `tx`: the notices for these deliveries' state changes, emitted; what to dispatch after the commit. */
async function tell(tx: Db, deps: NoticeDeps, told: readonly Told[]): Promise<EmitOutcome[]> {
  const contracts = deps.contracts();
  const wanted = told.filter((t) => !optedOut(contracts, t.claim.delivery.agreement));
  if (wanted.length === 0) return [];
  const ids = JSON.stringify([...new Set(wanted.map((t) => t.claim.delivery.messageId))]);
  const found = resultRows<{ id: string; sender: string; type: string; case_ref: string | null }>(
    await tx.execute(sql`select id, sender, type, case_ref from messages where id = any(array(select jsonb_array_elements_text(${ids}::jsonb)::uuid))`),
  );
  const byId = new Map(found.map((m) => [String(m.id), m]));
  const now = new Date().toISOString();
  const notices: HubMessage[] = [];
  for (const t of wanted) {
    const d = t.claim.delivery;
    const m = byId.get(d.messageId);
    // the hub tells institutions; a notice about one of its own messages would tell no one
    if (!m || m.sender === HUB_INSTITUTION_ID) continue;
    const common = { deliveryId: d.id, messageId: d.messageId, messageType: m.type, sender: m.sender, recipient: d.recipient, attempts: d.attempts };
    notices.push({
      type: t.kind === 'failed' ? 'delivery.failed' : 'delivery.recovered',
      version: '1.0',
      // what the notice says (a recipient, a reason) is about the sender's own message, never its content
      classification: 'restricted',
      causationid: d.messageId,
      ...(m.case_ref !== null && { casereference: m.case_ref }),
      key: `delivery-${t.kind}:${d.id}:${d.attempts}`,
      data:
        t.kind === 'failed'
          ? { ...common, lastError: (t.lastError ?? 'dead').slice(0, 2000), failedAt: now, replay: { method: 'POST', path: `/v1/deliveries/${d.id}/replay` } }
          : { ...common, deliveredAt: now },
    });
  }
  return notices.length ? emitHubMessages(tx, contracts, notices, deps.indexSecret, deps.vault) : [];
}

function lastErrorOf(o: AttemptOutcome): string {
  return o.error ?? (o.statusCode !== undefined ? `HTTP ${o.statusCode}` : 'dead');
}

/**
 * The record statement for the attempt recorder (attempt-recorder.ts `record`), telling senders:
 * a batch in which an attempt may kill or recover its delivery is recorded in a transaction with
 * the notices for those that did.
 */
export function recordTelling(deps: NoticeDeps) {
  return async (db: Db, items: Array<{ claim: Claim; outcome: AttemptOutcome }>): Promise<Array<DeliveryState | undefined>> => {
    const mayTell = items.some((i) => i.outcome.outcome === 'dead' || (i.outcome.outcome === 'delivered' && (i.claim.delivery.scheduleOffset ?? 0) > 0));
    if (!mayTell) return recordAttempts(db, items);
    let outcomes: EmitOutcome[] = [];
    const states = await db.transaction(async (raw) => {
      const tx = raw as unknown as Db;
      const s = await recordAttempts(tx, items);
      const told: Told[] = [];
      items.forEach((i, n) => {
        if (s[n] === 'dead' && i.outcome.outcome === 'dead') told.push({ claim: i.claim, kind: 'failed', lastError: lastErrorOf(i.outcome) });
        else if (s[n] === 'delivered' && (i.claim.delivery.scheduleOffset ?? 0) > 0) told.push({ claim: i.claim, kind: 'recovered' });
      });
      outcomes = await tell(tx, deps, told);
      return s;
    });
    dispatchEmitted(deps.dispatcher, deps.log, outcomes, 'delivery notice');
    return states;
  };
}

/** endUnattempted (store/deliveries.ts), telling the sender in the same transaction. */
export async function endTelling(db: Db, deps: NoticeDeps, claim: Claim, reason: string, action: AuditAction, actor: string): Promise<boolean> {
  let outcomes: EmitOutcome[] = [];
  const ended = await db.transaction(async (raw) => {
    const tx = raw as unknown as Db;
    if (!(await endUnattempted(tx, claim, reason, action, actor))) return false;
    // the attempt count endUnattempted gave back
    const d = { ...claim.delivery, attempts: Math.max(0, claim.delivery.attempts - 1) };
    outcomes = await tell(tx, deps, [{ claim: { ...claim, delivery: d }, kind: 'failed', lastError: reason }]);
    return true;
  });
  dispatchEmitted(deps.dispatcher, deps.log, outcomes, 'delivery notice');
  return ended;
}

/**
 * Retention and legal holds in the database (issue 26.7).
 *
 * `purgePayloads` is the one place that purges a message's payload: the envelope's `data` (and
 * `data_base64`), the document as received (`received_body`), a sealed payload's ciphertext and
 * wrapped data key (issue 26, item 1: without them nothing of it can be opened again, whatever key
 * survives) and its case-index rows (names, plates, keyed ids: what queries found it by) go; the
 * row with the envelope's other attributes, the routing decision, deliveries, attempts, the evidence of origin (which holds
 * the body's SHA-256) and the audit entries stay, so the audit chain and bundles still verify. It
 * is one statement: choose, purge and write one `message.purged` audit entry per message commit
 * together or not at all.
 *
 * A message is purged only when
 * - it was received before its type's cut-off (routing/retention.ts computes the cut-offs),
 * - every one of its deliveries is delivered or dead — nothing still to deliver or waiting in an
 *   inbox (a dead one can no longer be replayed afterwards: services/deliveries.ts refuses it),
 * - no legal hold in force covers its case: the envelope's case reference, or a case number or
 *   prosecution case number of the case index from the hold's issuer.
 *
 * Bounded (a batch at most `limit` messages, oldest first) and safe beside another hub process:
 * rows are locked FOR UPDATE SKIP LOCKED, so two runs purge different messages, and a replay,
 * which locks the message row too, either waits for the purge and is refused, or keeps it.
 * Idempotent: a purged message is never chosen again.
 */
import { sql, type SQL } from 'drizzle-orm';
import { auditInsert, appendAudit } from '../audit/writer.js';
import { resultRows, type Db } from './db.js';

/** a (type, major) with its cut-off: messages received before `cutoff` are past their period */
export interface PurgeRuleRow {
  type: string;
  major: number;
  keep: string;
  cutoff: string;
}

export interface PurgeOptions {
  rules: readonly PurgeRuleRow[];
  /** the most messages one call purges */
  limit: number;
  /** who runs it, for the audit log: an operator (`alice@ps.hjc.wasla-operations`) or the sweeper */
  actor: string;
  /** list what would be purged and change nothing */
  dryRun?: boolean;
}

export interface PurgedMessage {
  id: string;
  type: string;
  version: string;
  receivedAt: string;
  keep: string;
}

/** Case kinds of the case index a legal hold matches (queries/index-keys.ts). */
const HELD_KINDS = sql`('case-number', 'prosecution-case-number')`;

/**
 * The messages past their period that may be purged now, oldest first. Each rule reads its type's
 * messages not purged yet, oldest first, through the partial index on (type, received_at, id)
 * where purged_at is null (issue 29): a batch costs what is due, not the history already purged.
 * (A join of the rules to messages was planned as a scan of the whole table, the cutoff being a
 * column of the rules: 0.76 s a batch at a million messages, a minute apart in the sweeper.)
 */
function due(rules: readonly PurgeRuleRow[], limit: number, lock: boolean): SQL {
  return sql`select m.id, m.type, m.version, m.received_at, r.keep
    from jsonb_to_recordset(${JSON.stringify(rules)}::jsonb) as r(type text, major int, keep text, cutoff timestamptz)
    cross join lateral (
      select m.id, m.type, m.version, m.received_at from messages m
      where m.type = r.type and m.received_at < r.cutoff and m.purged_at is null and split_part(m.version, '.', 1) = r.major::text
        and not exists (select 1 from deliveries d where d.message_id = m.id and d.state not in ('delivered', 'dead'))
        and not exists (select 1 from legal_holds h where h.lifted_at is null and (
          h.case_ref = m.case_ref
          or exists (select 1 from case_index c where c.message_id = m.id and c.kind in ${HELD_KINDS} and c.issuer = h.issuer and c.value = h.case_value)))
      order by m.received_at, m.id
      limit ${limit}${lock ? sql` for update of m skip locked` : sql``}) as m
    order by m.received_at, m.id
    limit ${limit}`;
}

type Row = { id: string; type: string; version: string; received_at: string | Date; keep: string };
const toPurged = (r: Row): PurgedMessage => ({ id: String(r.id), type: r.type, version: r.version, receivedAt: new Date(r.received_at).toISOString(), keep: r.keep });

/**
 * Purge the payloads of up to `limit` messages past their period (or, dry, list them). One
 * statement: the audit entries commit with the purge.
 */
export async function purgePayloads(db: Db, o: PurgeOptions): Promise<PurgedMessage[]> {
  if (o.rules.length === 0 || o.limit <= 0) return [];
  if (o.dryRun) return resultRows<Row>(await db.execute(due(o.rules, o.limit, false))).map(toPurged);
  const rows = resultRows<Row>(
    await db.execute(sql`with due as (${due(o.rules, o.limit, true)}),
      purged as (
        update messages m set envelope = ((m.envelope::jsonb - 'data') - 'data_base64')::json, received_body = null,
          payload_ciphertext = null, payload_key = null, payload_kek_id = null, purged_at = now()
        from due where m.id = due.id
        returning m.id, m.type, m.version, m.received_at, due.keep),
      unindexed as (delete from case_index c using purged p where c.message_id = p.id),
      audited as (${auditInsert({
        actor: sql`${o.actor}::text`,
        action: 'message.purged',
        subject: sql`p.id::text`,
        data: sql`jsonb_build_object('type', p.type, 'version', p.version, 'receivedAt', p.received_at, 'keep', p.keep,
          'bodySha256', (select o.evidence->>'bodySha256' from message_origins o where o.message_id = p.id))`,
        from: sql`from purged p`,
      })})
      select id, type, version, received_at, keep from purged order by received_at, id`),
  );
  return rows.map(toPurged);
}

export interface LegalHold {
  id: string;
  issuer: string;
  caseRef: string;
  reason: string;
  placedBy: string;
  placedAt: string;
  liftedBy: string | null;
  liftedAt: string | null;
  liftReason: string | null;
}

type HoldRow = {
  id: string;
  issuer: string;
  case_ref: string;
  reason: string;
  placed_by: string;
  placed_at: string | Date;
  lifted_by: string | null;
  lifted_at: string | Date | null;
  lift_reason: string | null;
};
const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());
const toHold = (r: HoldRow): LegalHold => ({
  id: String(r.id),
  issuer: r.issuer,
  caseRef: r.case_ref,
  reason: r.reason,
  placedBy: r.placed_by,
  placedAt: iso(r.placed_at)!,
  liftedBy: r.lifted_by,
  liftedAt: iso(r.lifted_at),
  liftReason: r.lift_reason,
});
const HOLD_COLUMNS = sql`id, issuer, case_ref, reason, placed_by, placed_at, lifted_by, lifted_at, lift_reason`;

/**
 * Place a hold on a case (issuer, case reference in the index's normal form), with its audit entry.
 * A hold already in force on the case is answered as it is (`placed: false`), and nothing is written.
 */
export async function placeLegalHold(db: Db, h: { id: string; issuer: string; caseRef: string; caseValue: string; reason: string; actor: string }): Promise<{ hold: LegalHold; placed: boolean }> {
  return db.transaction(async (tx) => {
    const inserted = resultRows<HoldRow>(
      await tx.execute(sql`insert into legal_holds (id, issuer, case_ref, case_value, reason, placed_by, placed_at)
        values (${h.id}, ${h.issuer}, ${h.caseRef}, ${h.caseValue}, ${h.reason}, ${h.actor}, date_trunc('milliseconds', now()))
        on conflict (issuer, case_value) where lifted_at is null do nothing
        returning ${HOLD_COLUMNS}`),
    );
    if (inserted.length === 0) {
      const [held] = resultRows<HoldRow>(await tx.execute(sql`select ${HOLD_COLUMNS} from legal_holds where issuer = ${h.issuer} and case_value = ${h.caseValue} and lifted_at is null`));
      return { hold: toHold(held), placed: false };
    }
    const hold = toHold(inserted[0]);
    await appendAudit(tx, [{ actor: h.actor, action: 'legal-hold.placed', subject: hold.id, data: { issuer: hold.issuer, caseRef: hold.caseRef, reason: hold.reason } }]);
    return { hold, placed: true };
  });
}

/** Lift a hold in force, with its audit entry; undefined when there is no such hold in force. */
export async function liftLegalHold(db: Db, id: string, actor: string, reason: string): Promise<LegalHold | undefined> {
  return db.transaction(async (tx) => {
    const [row] = resultRows<HoldRow>(
      await tx.execute(sql`update legal_holds set lifted_by = ${actor}, lifted_at = date_trunc('milliseconds', now()), lift_reason = ${reason}
        where id = ${id} and lifted_at is null returning ${HOLD_COLUMNS}`),
    );
    if (!row) return undefined;
    const hold = toHold(row);
    await appendAudit(tx, [{ actor, action: 'legal-hold.lifted', subject: hold.id, data: { issuer: hold.issuer, caseRef: hold.caseRef, reason } }]);
    return hold;
  });
}

/** Holds in force (or every hold, lifted ones too), newest first, at most `limit`. */
export async function listLegalHolds(db: Db, o: { all?: boolean; limit: number }): Promise<LegalHold[]> {
  const rows = resultRows<HoldRow>(await db.execute(sql`select ${HOLD_COLUMNS} from legal_holds ${o.all ? sql`` : sql`where lifted_at is null`} order by placed_at desc, id desc limit ${o.limit}`));
  return rows.map(toHold);
}

/**
 * The audit writer (invariant 7): the only way an entry enters the audit log. Every entry names an
 * action from AUDIT_ACTIONS, takes its time by one rule (AUDIT_AT), and commits with the change it
 * records — `appendAudit` inside the caller's transaction, or `auditInsert` inside the very
 * statement that makes the change (intake's commit, an attempt's record). It takes no lock, so
 * writers never queue behind one another for the log; the sealer chains entries later (log.ts).
 *
 * This module imports nothing of the hub, so the store's statements can use it without the store
 * and the audit log importing each other.
 */
import { sql, type SQL } from 'drizzle-orm';

/** Every action the hub writes to the audit log; docs/audit.md says what each records. */
export const AUDIT_ACTIONS = [
  // intake and reads
  'message.accepted',
  'message.read',
  'message.status-queried',
  'deliveries.listed',
  // delivery
  'delivery.attempt',
  'delivery.withdrawn',
  'delivery.expired',
  'delivery.replayed',
  'delivery.replay-refused',
  // operators
  'contracts.reloaded',
  'certificate.registered',
  'certificate.revoked',
  // issue 23: bank statements and reconciliations
  'statement.reconciled',
  'statement.duplicate',
  'reconciliations.listed',
  'reconciliation.read',
  'payouts.unmatched',
  // issue 24: case queries (who, which query, the parameters with national ids and names keyed, how many records)
  'query.run',
  // issue 25: deadlines
  'deadline.opened',
  'deadline.met',
  'deadline.withdrawn',
  'deadline.warned',
  'deadline.missed',
  'deadlines.listed',
  // issue 26: the record
  'request.refused',
  // issue 26: confidential payloads at rest
  'payload-keys.read',
  'payload-keys.rewrapped',
  'payloads.sealed',
  // issue 26.7: retention and legal holds
  'retention.run',
  'message.purged',
  'legal-hold.placed',
  'legal-hold.lifted',
  'legal-holds.listed',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditRecord {
  actor: string;
  action: AuditAction;
  subject?: string | null;
  data?: unknown;
}

/**
 * When an entry happened: its transaction's time, to the millisecond. Both drivers and a JavaScript
 * Date hold a millisecond exactly, so the time the sealer hashes is the time verification reads back.
 */
export const AUDIT_AT: SQL = sql`date_trunc('milliseconds', now())`;

/** what runs a statement: a database or an open transaction of either driver */
export interface SqlRunner {
  execute(query: SQL): PromiseLike<unknown>;
}

const ACTION_TEXT = /^[a-z]+(\.[a-z-]+)+$/;

/** an action as an SQL literal: the list is fixed and checked, so a statement's text stays the same (prepared statements) */
function actionLiteral(action: AuditAction): SQL {
  if (!AUDIT_ACTIONS.includes(action) || !ACTION_TEXT.test(action)) throw new TypeError(`not an audit action: ${action}`);
  return sql.raw(`'${action}'`);
}

export interface AuditRows {
  actor: SQL;
  /** a fixed action, or a column of rows whose actions came from AuditRecords */
  action: AuditAction | SQL;
  subject: SQL;
  data: SQL;
  /** the rest of the SELECT: `from …`, with any `where` */
  from: SQL;
}

/**
 * `insert into audit_log … select` for a statement that records its change itself (a CTE beside
 * the UPDATE it records): the caller names the columns and the rows, the writer adds the time.
 */
export function auditInsert(rows: AuditRows): SQL {
  const action = typeof rows.action === 'string' ? actionLiteral(rows.action) : rows.action;
  return sql`insert into audit_log (at, actor, action, subject, data)
    select ${AUDIT_AT}, ${rows.actor}, ${action}, ${rows.subject}, coalesce(${rows.data}, '{}'::jsonb) ${rows.from}`;
}

/** Append entries inside the caller's transaction (or as one statement of their own). */
export async function appendAudit(tx: SqlRunner, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const input = JSON.stringify(records.map((r) => ({ actor: r.actor, action: r.action, subject: r.subject ?? null, data: r.data ?? {} })));
  await tx.execute(
    auditInsert({
      actor: sql`x.actor`,
      action: sql`x.action`,
      subject: sql`x.subject`,
      data: sql`x.data`,
      from: sql`from jsonb_to_recordset(${input}::jsonb) as x(actor text, action text, subject text, data jsonb)`,
    }),
  );
}

/** Appends entries in a statement of their own: for a read or an operator action that changes nothing else. */
export type AuditWriter = (...records: AuditRecord[]) => Promise<void>;

export function auditWriter(db: SqlRunner): AuditWriter {
  return (...records) => appendAudit(db, records);
}

/**
 * Appending to and verifying the audit log. `appendAudit` runs inside the caller's transaction,
 * so an entry commits with the change it records, or not at all. A transaction-scoped advisory
 * lock serialises appenders; it is taken last in the transaction to hold it as briefly as can be.
 */
import { desc, asc, gt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../store/db.js';
import { auditLog } from '../store/schema.js';
import { entryHash, GENESIS_HASH, type AuditEntry } from './chain.js';

const AUDIT_LOCK = 72_617_002;

export interface AuditRecord {
  actor: string;
  action: string;
  subject?: string | null;
  data?: unknown;
}

export async function appendAudit(tx: DbOrTx, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  let seq = last ? Number(last.seq) : 0;
  let prev = last ? last.hash : GENESIS_HASH;
  // timestamps are kept to the millisecond, which both the database and Date hold exactly
  const at = new Date();
  const rows = records.map((r) => {
    seq += 1;
    const entry: AuditEntry = { seq, at, actor: r.actor, action: r.action, subject: r.subject ?? null, data: r.data ?? {} };
    const hash = entryHash(prev, entry);
    const row = { ...entry, data: entry.data as object, prevHash: prev, hash };
    prev = hash;
    return row;
  });
  await tx.insert(auditLog).values(rows);
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** the first seq at which the chain breaks, and why */
  brokenAt?: number;
  reason?: string;
  headHash: string;
}

export async function verifyAudit(db: DbOrTx, batch = 1000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, expected - 1)).orderBy(asc(auditLog.seq)).limit(batch);
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) return { ok: false, entries: count, brokenAt: expected, reason: `entry ${expected} is missing`, headHash: prev };
      if (r.prevHash !== prev) return { ok: false, entries: count, brokenAt: seq, reason: `entry ${seq} does not link to entry ${seq - 1}`, headHash: prev };
      const h = entryHash(prev, { seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, data: r.data });
      if (h !== r.hash) return { ok: false, entries: count, brokenAt: seq, reason: `entry ${seq} was altered`, headHash: prev };
      prev = h;
      expected += 1;
      count += 1;
    }
  }
  return { ok: true, entries: count, headHash: prev };
}

/**
 * Appending to, sealing and verifying the audit log (invariant 7).
 *
 * `appendAudit` runs inside the caller's transaction, so an entry commits with the change it
 * records, or not at all; it takes no lock, so intake and delivery transactions never queue
 * behind one another for the log. `sealAudit` then chains committed entries in the order it
 * finds them: one sealer at a time (a transaction-scoped advisory lock, tried, not waited for)
 * gives each the next `seq` and hash = H(prev_hash, entry). An entry is sealed within a sealing
 * interval of its commit; `verifyAudit` checks every sealed entry and counts those still waiting.
 */
import { asc, desc, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../store/db.js';
import { auditLog } from '../store/schema.js';
import { entryHash, GENESIS_HASH } from './chain.js';

const AUDIT_LOCK = 72_617_002;

export interface AuditRecord {
  actor: string;
  action: string;
  subject?: string | null;
  data?: unknown;
}

export async function appendAudit(tx: DbOrTx, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  // timestamps are kept to the millisecond, which both the database and Date hold exactly
  const at = new Date();
  await tx.insert(auditLog).values(records.map((r) => ({ at, actor: r.actor, action: r.action, subject: r.subject ?? null, data: (r.data ?? {}) as object })));
}

export interface SealOptions {
  /**
   * Wait for another sealer to finish instead of returning 0 at once. The hub's own sealers do not
   * wait (one of them sealing is enough); a caller that must see everything sealed — `wasla audit
   * verify`, a test — does, or it could return while a running hub's sealer holds the lock and
   * leave behind what that sealer had not yet seen.
   */
  waitForLock?: boolean;
}

/** Seal the entries committed so far (up to `batch`); returns how many, 0 when another sealer holds the lock. */
export async function sealAudit(db: Db, batch = 5000, opts: SealOptions = {}): Promise<number> {
  return db.transaction(async (tx) => {
    if (opts.waitForLock) {
      await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    } else {
      const lock = await tx.execute(sql`select pg_try_advisory_xact_lock(${AUDIT_LOCK}) as ok`);
      if (!((lock as any).rows ?? lock)[0].ok) return 0;
    }
    // A plain index scan of the unsealed index, in id order: sealing leaves a dead entry in that
    // index per row, and only a plain scan marks them dead for the next pass to skip (a bitmap
    // scan, which the planner prefers, visits every one of them again: ~8 ms a pass at 25k rows).
    await tx.execute(sql`set local enable_bitmapscan = off`);
    await tx.execute(sql`set local enable_seqscan = off`);
    const pending = await tx.select().from(auditLog).where(isNull(auditLog.seq)).orderBy(asc(auditLog.id)).limit(batch);
    if (pending.length === 0) return 0;
    const [head] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(isNotNull(auditLog.seq)).orderBy(desc(auditLog.seq)).limit(1);
    let seq = head ? Number(head.seq) : 0;
    let prev = head?.hash ?? GENESIS_HASH;
    const sealed = pending.map((e) => {
      seq += 1;
      const hash = entryHash(prev, { seq, at: e.at, actor: e.actor, action: e.action, subject: e.subject, data: e.data });
      const row = sql`(${e.id}::bigint, ${seq}::bigint, ${prev}::text, ${hash}::text)`;
      prev = hash;
      return row;
    });
    await tx.execute(sql`update audit_log as a set seq = v.seq, prev_hash = v.prev, hash = v.hash
      from (values ${sql.join(sealed, sql`, `)}) as v(id, seq, prev, hash) where a.id = v.id`);
    return pending.length;
  });
}

/** Seal until nothing is left (a bounded number of rounds). */
export async function sealAll(db: Db, maxRounds = 1000, opts: SealOptions = {}): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxRounds; i++) {
    const n = await sealAudit(db, undefined, opts);
    total += n;
    if (n === 0) break;
  }
  return total;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  /** entries committed but not sealed yet */
  unsealed: number;
  /** the first seq at which the chain breaks, and why */
  brokenAt?: number;
  reason?: string;
  headHash: string;
}

export async function verifyAudit(db: DbOrTx, batch = 1000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  const unsealedRows = await db.execute(sql`select count(*)::int as n from audit_log where seq is null`);
  const unsealed = Number(((unsealedRows as any).rows ?? unsealedRows)[0].n);
  const broken = (at: number, reason: string): VerifyResult => ({ ok: false, entries: count, unsealed, brokenAt: at, reason, headHash: prev });
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, expected - 1)).orderBy(asc(auditLog.seq)).limit(batch);
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) return broken(expected, `entry ${expected} is missing`);
      if (r.prevHash !== prev) return broken(seq, `entry ${seq} does not link to entry ${seq - 1}`);
      const h = entryHash(prev, { seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, data: r.data });
      if (h !== r.hash) return broken(seq, `entry ${seq} was altered`);
      prev = h;
      expected += 1;
      count += 1;
    }
  }
  return { ok: true, entries: count, unsealed, headHash: prev };
}

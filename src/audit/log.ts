/**
 * Appending to, sealing and verifying the audit log (invariant 7).
 *
 * `appendAudit` runs inside the caller's transaction, so an entry commits with the change it
 * records, or not at all; it takes no lock, so intake and delivery transactions never queue
 * behind one another for the log. `sealAudit` then chains the committed entries in (tx, id)
 * order: one sealer at a time (a transaction-scoped advisory lock, tried, not waited for) gives
 * each the next `seq` and hash = H(prev_hash, entry), and records the batch as one `audit_seals`
 * row. The entries are never updated: an update per entry cost PostgreSQL a new row version and
 * three index entries, and sealing in batches raised the hub's throughput by a sixth. An entry is
 * sealed within a sealing interval of its transaction's end (and of any transaction begun before
 * it, in any database of the server: transaction ids are server-wide); `verifyAudit` checks every
 * sealed entry and counts those still waiting.
 */
import { asc, desc, gt, isNotNull, sql } from 'drizzle-orm';
import { resultRows, type Db, type DbOrTx } from '../store/db.js';
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

/** before the first seal: every legacy-sealed entry (tx 0) lies at or below this point, every other above it */
const START = { tx: '0', id: Number.MAX_SAFE_INTEGER };

interface ChainHead {
  /** the next seal's number and its first entry's seq */
  seal: number;
  seq: number;
  /** the hash the next entry chains from */
  hash: string;
  /** the last (tx, id) sealed */
  tx: string;
  id: number;
}

/** Where the chain ends now: after the last seal, or after the legacy per-entry chain when there is none. */
async function chainHead(tx: DbOrTx): Promise<ChainHead> {
  const [last] = resultRows<{ seal: string | number; next_seq: string | number; head_hash: string; upto_tx_text: string; upto_id: string | number }>(await tx.execute(sql`
    select seal, first_seq + cardinality(entry_ids) as next_seq, head_hash, upto_tx::text as upto_tx_text, upto_id
    from audit_seals order by seal desc limit 1`));
  if (last) return { seal: Number(last.seal) + 1, seq: Number(last.next_seq), hash: last.head_hash, tx: last.upto_tx_text, id: Number(last.upto_id) };
  const [legacy] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(isNotNull(auditLog.seq)).orderBy(desc(auditLog.seq)).limit(1);
  return { seal: 1, seq: legacy ? Number(legacy.seq) + 1 : 1, hash: legacy?.hash ?? GENESIS_HASH, ...START };
}

// `at` as epoch milliseconds: both drivers agree on a number, and the hub writes it to the millisecond.
// The transaction id comes out as text (it may exceed 2^53) under a name of its own: an output
// column named `tx` would be what `order by tx` sorts, as text, putting '1000' before '995' (issue
// 20). Queries order by the qualified column `audit_log.tx`, which always means the xid8 itself.
const ENTRY_COLUMNS = sql`audit_log.id, audit_log.tx::text as tx_text, floor(extract(epoch from audit_log.at) * 1000)::float8 as at_ms,
  audit_log.actor, audit_log.action, audit_log.subject, audit_log.data`;
const ENTRY_ORDER = sql`order by audit_log.tx, audit_log.id`;
type EntryRow = { id: string | number; tx_text: string; at_ms: number; actor: string; action: string; subject: string | null; data: unknown };

const asEntry = (seq: number, at: Date, r: Pick<EntryRow, 'actor' | 'action' | 'subject' | 'data'>): AuditEntry => ({
  seq, at, actor: r.actor, action: r.action, subject: r.subject,
  data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
});

/**
 * Seal the entries committed so far (up to `batch`) with one `audit_seals` row; returns how many,
 * 0 when another sealer holds the lock.
 */
export async function sealAudit(db: Db, batch = 5000, opts: SealOptions = {}): Promise<number> {
  return db.transaction(async (tx) => {
    if (opts.waitForLock) {
      await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    } else {
      const [lock] = resultRows<{ ok: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${AUDIT_LOCK}) as ok`));
      if (!lock.ok) return 0;
    }
    const head = await chainHead(tx);
    // Only entries of transactions that have all ended: any transaction still running, or not yet
    // begun, has an id at or above the snapshot's xmin, so nothing can later appear below it.
    const pending = resultRows<EntryRow>(await tx.execute(sql`
      select ${ENTRY_COLUMNS} from audit_log
      where (tx, id) > (${head.tx}::xid8, ${head.id}::bigint) and tx < pg_snapshot_xmin(pg_current_snapshot())
      ${ENTRY_ORDER} limit ${batch}`));
    if (pending.length === 0) return 0;
    const hashes = Buffer.allocUnsafe(32 * pending.length);
    let prev = head.hash;
    pending.forEach((r, i) => {
      prev = entryHash(prev, asEntry(head.seq + i, new Date(Number(r.at_ms)), r));
      hashes.write(prev, 32 * i, 'hex');
    });
    const last = pending[pending.length - 1];
    await tx.execute(sql`
      insert into audit_seals (seal, first_seq, after_tx, after_id, upto_tx, upto_id, entry_ids, hashes, prev_hash, head_hash)
      values (${head.seal}, ${head.seq}, ${head.tx}::xid8, ${head.id}, ${last.tx_text}::xid8, ${Number(last.id)},
        ${`{${pending.map((r) => r.id).join(',')}}`}::bigint[], decode(${hashes.toString('hex')}, 'hex'), ${head.hash}, ${prev})`);
    return pending.length;
  });
}

/**
 * Entries committed but not sealed yet. Normally a sealing interval's worth; it grows while a
 * transaction left open on the PostgreSQL server holds sealing back (see `sealAudit`).
 */
export async function countUnsealed(db: DbOrTx): Promise<number> {
  return countAfter(db, await chainHead(db));
}

async function countAfter(db: DbOrTx, after: { tx: string; id: number }): Promise<number> {
  const [r] = resultRows<{ n: number }>(await db.execute(sql`select count(*)::int as n from audit_log where (tx, id) > (${after.tx}::xid8, ${after.id}::bigint)`));
  return Number(r.n);
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

/** a head printed by an earlier verification and kept outside the database: entry number and hash */
export interface RecordedHead {
  entry: number;
  hash: string;
}

/** `<entry>:<hash>`, as `wasla audit verify` prints the head */
export function formatHead(entry: number, hash: string): string {
  return `${entry}:${hash}`;
}

export function parseHead(text: string): RecordedHead | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m || Number(m[1]) < 1) return undefined;
  return { entry: Number(m[1]), hash: m[2] };
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

type SealRow = {
  seal: string | number; first_seq: string | number; after_tx_text: string; after_id: string | number; upto_tx_text: string; upto_id: string | number;
  entry_ids: Array<string | number>; hashes: string; prev_hash: string; head_hash: string;
};

/**
 * Walk the chain: the legacy per-entry links first (entries sealed before migration 0005), then
 * every seal in order, recomputing each entry's hash from its stored content. Reports the first
 * entry (by seq) that was altered, removed from a sealed range, or slipped into one.
 *
 * With a `recordedHead` (kept outside the database), it also proves what the chain alone cannot:
 * that the newest entries were not cut off (the chain must reach the recorded entry) and that the
 * chain was not rewritten, hashes and all, up to there (the hash at that entry must be the one
 * recorded).
 */
export async function verifyAudit(db: DbOrTx, batch = 1000, opts: { recordedHead?: RecordedHead } = {}): Promise<VerifyResult> {
  const recorded = opts.recordedHead;
  /** the chain has just reached entry `expected - 1` with hash `prev`: is that the recorded head? */
  const rewritten = () => recorded !== undefined && expected - 1 === recorded.entry && prev !== recorded.hash;
  const rewrittenReason = () => `entry ${recorded!.entry} does not have the recorded head's hash: the chain was rewritten up to there`;
  let prev = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  let after = { ...START };
  const broken = (at: number, reason: string, unsealed: number): VerifyResult => ({ ok: false, entries: count, unsealed, brokenAt: at, reason, headHash: prev });
  const stillUnsealed = () => countAfter(db, after);

  // legacy: each entry carries its own seq and link
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, expected - 1)).orderBy(asc(auditLog.seq)).limit(batch);
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) return broken(expected, `entry ${expected} is missing`, await stillUnsealed());
      if (r.prevHash !== prev) return broken(seq, `entry ${seq} does not link to entry ${seq - 1}`, await stillUnsealed());
      const h = entryHash(prev, asEntry(seq, r.at, r));
      if (h !== r.hash) return broken(seq, `entry ${seq} was altered`, await stillUnsealed());
      prev = h;
      expected += 1;
      count += 1;
      if (rewritten()) return broken(seq, rewrittenReason(), await stillUnsealed());
    }
  }

  // seals, a page at a time
  for (let nextSeal = 1; ;) {
    const seals = resultRows<SealRow>(await db.execute(sql`
      select seal, first_seq, after_tx::text as after_tx_text, after_id, upto_tx::text as upto_tx_text, upto_id, entry_ids,
        encode(hashes, 'hex') as hashes, prev_hash, head_hash
      from audit_seals where seal >= ${nextSeal} order by seal limit ${Math.max(1, Math.floor(batch / 100))}`));
    if (seals.length === 0) break;
    for (const s of seals) {
      const fail = async (at: number, reason: string) => broken(at, reason, await stillUnsealed());
      if (Number(s.seal) !== nextSeal) return fail(expected, `seal ${nextSeal} is missing`);
      if (Number(s.first_seq) !== expected || s.after_tx_text !== after.tx || Number(s.after_id) !== after.id) {
        return fail(expected, `seal ${nextSeal} does not continue from where the chain ended`);
      }
      if (s.prev_hash !== prev) return fail(expected, `seal ${nextSeal} does not link to entry ${expected - 1}`);
      const ids = s.entry_ids.map(Number);
      const hashes = s.hashes;
      if (hashes.length !== 64 * ids.length) return fail(expected, `seal ${nextSeal} was altered`);
      const rows = resultRows<EntryRow>(await db.execute(sql`
        select ${ENTRY_COLUMNS} from audit_log
        where (tx, id) > (${s.after_tx_text}::xid8, ${s.after_id}::bigint) and (tx, id) <= (${s.upto_tx_text}::xid8, ${s.upto_id}::bigint)
        ${ENTRY_ORDER}`));
      const sealedIds = new Set(ids);
      const intruder = rows.find((r) => !sealedIds.has(Number(r.id)));
      if (intruder) return fail(expected, `entry id ${intruder.id} was added to sealed range ${nextSeal} after sealing`);
      for (let i = 0; i < ids.length; i++) {
        const seq = expected;
        const r = rows[i];
        if (!r || Number(r.id) !== ids[i]) return fail(seq, `entry ${seq} (id ${ids[i]}) is missing`);
        const h = entryHash(prev, asEntry(seq, new Date(Number(r.at_ms)), r));
        if (h !== hashes.slice(64 * i, 64 * i + 64)) return fail(seq, `entry ${seq} (id ${ids[i]}) was altered`);
        prev = h;
        expected += 1;
        count += 1;
        if (rewritten()) return fail(seq, rewrittenReason());
      }
      if (s.head_hash !== prev) return fail(Number(s.first_seq), `seal ${nextSeal} was altered`);
      after = { tx: s.upto_tx_text, id: Number(s.upto_id) };
      nextSeal += 1;
    }
  }
  if (recorded && count < recorded.entry) {
    return broken(count + 1, `the chain ends at entry ${count}, before the recorded head at entry ${recorded.entry}: sealed entries were removed`, await stillUnsealed());
  }
  return { ok: true, entries: count, unsealed: await stillUnsealed(), headHash: prev };
}

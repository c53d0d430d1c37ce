/**
 * Sealing and verifying the audit log (invariant 7). Entries are written by the audit writer
 * (writer.ts), each committed with the change it records. `sealAudit` chains the committed entries in (tx, id)
 * order: one sealer at a time (a transaction-scoped advisory lock, tried, not waited for) gives
 * each the next `seq` and hash = H(prev_hash, entry), and records the batch as one `audit_seals`
 * row. The entries are never updated: an update per entry cost PostgreSQL a new row version and
 * three index entries, and sealing in batches raised the hub's throughput by a sixth.
 *
 * The sealing horizon. An entry may be sealed only when no entry can later commit ahead of it in
 * (tx, id) order, that is when every transaction with a lower id that could write to this
 * database's audit_log has ended. Transaction ids are server-wide, and the snapshot's xmin is the
 * oldest transaction running anywhere on the server: any client's long transaction in any other
 * database would hold sealing back (issue 28: the tests failed on a server that other clients
 * shared). So the horizon is computed from the current snapshot, in the same statement that reads
 * the entries, as the lowest of
 *   - the snapshot's xmax (every id at or above it is unassigned, or began after the snapshot), and
 *   - each id the snapshot lists as running, except those that pg_stat_activity places in another
 *     database: a backend is bound to one database for its life and a transaction id belongs to
 *     one backend, so such a transaction cannot write to this audit_log. An id that cannot be
 *     placed (a prepared transaction, which has no backend; a transaction that ended or began
 *     between the two readings; a backend whose xid the role may not see; a process with no
 *     database) is kept, so the horizon can only be lower than necessary, never higher.
 * pg_stat_activity shows the 32-bit xid, the snapshot the 64-bit one: they are matched on the low
 * 32 bits, which is unambiguous among transactions running at once (they span far fewer than
 * 2^31 ids, or the server would have stopped for wraparound).
 * Every other id below the horizon has ended (below xmin, or between xmin and xmax and not listed
 * as running), and its entries are visible to the statement's snapshot. An entry is therefore
 * sealed within a sealing interval of the end of its own transaction and of any transaction of
 * this database begun before it.
 *
 * `verifyAudit` checks every sealed entry and accounts for every row of the table: see there.
 */
import { asc, desc, gt, isNotNull, sql } from 'drizzle-orm';
import { resultRows, type Db, type DbOrTx } from '../store/db.js';
import { auditLog } from '../store/schema.js';
import { entryHash, GENESIS_HASH, type AuditEntry } from './chain.js';
import type { SealStatement, SignatureValue } from '../record/bundle.js';

const AUDIT_LOCK = 72_617_002;

export interface SealOptions {
  /**
   * Wait for another sealer to finish instead of returning 0 at once. The hub's own sealers do not
   * wait (one of them sealing is enough); a caller that must see everything sealed — `wasla audit
   * verify`, a test — does, or it could return while a running hub's sealer holds the lock and
   * leave behind what that sealer had not yet seen.
   */
  waitForLock?: boolean;
  /**
   * Signs the seal as it is made (issue 26, seal-signing.ts `sealStatementSigner`), so that it is
   * inserted with its signature: no second statement per seal, and no seal row updated just after
   * it was written.
   */
  sign?: (seal: UnsignedSealStatement) => SignatureValue;
}

/** a seal's statement (record/bundle.ts) less the hub's id, which only the signer knows */
export type UnsignedSealStatement = Omit<SealStatement, 'hub'>;

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
  const [last] = resultRows<{ seal: string | number; next_seq: string | number; head_hash: string; upto_tx_text: string; upto_id: string | number }>(
    await tx.execute(sql`
    select seal, first_seq + cardinality(entry_ids) as next_seq, head_hash, upto_tx::text as upto_tx_text, upto_id
    from audit_seals order by seal desc limit 1`),
  );
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
  seq,
  at,
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
});

/** the running transactions of the statement's snapshot that could still write to this database's audit_log */
const HOLDING_XIDS = sql`(
  select x from pg_snapshot_xip(pg_current_snapshot()) as x
  where not exists (
    select 1 from pg_stat_activity a
    where a.backend_xid is not null and a.datid is not null
      and a.datid <> (select oid from pg_database where datname = current_database())
      and a.backend_xid::text::bigint = (x::text::numeric % 4294967296)::bigint))`;

/** the sealing horizon (module header), as an xid8 expression for the current statement */
const SEALING_HORIZON = sql`(select least(pg_snapshot_xmax(pg_current_snapshot()), (select min(h.x) from ${HOLDING_XIDS} as h(x))))`;

export interface SealingHold {
  /** the transaction that holds sealing back */
  tx: string;
  /** its backend, when pg_stat_activity shows it (a prepared transaction has none) */
  pid?: number;
  database?: string;
  state?: string;
  since?: Date;
  /** the start of its current statement, at most 120 characters */
  query?: string;
  /** a prepared transaction's global id */
  prepared?: string;
}

/**
 * What holds sealing back now: the oldest running transaction that could still write to this
 * database's audit_log, with what the server says about it; undefined when nothing does. For an
 * operator (and a failing test) wondering why entries stay unsealed.
 */
export async function sealingHold(db: DbOrTx): Promise<SealingHold | undefined> {
  const [r] = resultRows<{ tx_text: string; pid: number | null; datname: string | null; state: string | null; since: Date | string | null; query: string | null; gid: string | null }>(
    await db.execute(sql`
    with hold as (select min(h.x) as x from ${HOLDING_XIDS} as h(x))
    select hold.x::text as tx_text, a.pid, a.datname, a.state, a.xact_start as since, left(a.query, 120) as query, p.gid
    from hold
    left join pg_stat_activity a on a.backend_xid::text::bigint = (hold.x::text::numeric % 4294967296)::bigint
    left join pg_prepared_xacts p on p.transaction::text::bigint = (hold.x::text::numeric % 4294967296)::bigint
    where hold.x is not null limit 1`),
  );
  if (!r) return undefined;
  return {
    tx: r.tx_text,
    ...(r.pid !== null ? { pid: Number(r.pid) } : {}),
    ...(r.datname !== null ? { database: r.datname } : {}),
    ...(r.state !== null ? { state: r.state } : {}),
    ...(r.since !== null ? { since: new Date(r.since) } : {}),
    ...(r.query !== null ? { query: r.query } : {}),
    ...(r.gid !== null ? { prepared: r.gid } : {}),
  };
}

export function describeHold(h: SealingHold): string {
  if (h.prepared !== undefined) return `prepared transaction ${h.tx} ('${h.prepared}')`;
  if (h.pid === undefined) return `transaction ${h.tx}`;
  return `transaction ${h.tx} (pid ${h.pid}, database ${h.database ?? '?'}, ${h.state ?? '?'}${h.since ? ` since ${h.since.toISOString()}` : ''}${h.query ? `: ${h.query}` : ''})`;
}

/**
 * Seal the entries committed so far (up to `batch`) with one `audit_seals` row; returns how many,
 * 0 when another sealer holds the lock.
 */
/** the most entries one seal holds */
export const SEAL_BATCH = 5000;

export async function sealAudit(db: Db, batch = SEAL_BATCH, opts: SealOptions = {}): Promise<number> {
  return db.transaction(async (tx) => {
    // now() is the transaction's start: the seal's time, read here so that a signed seal is
    // inserted with the time its signature covers (to the millisecond, as statements carry it)
    const [lock] = resultRows<{ ok: boolean; now_ms: number }>(
      await tx.execute(
        opts.waitForLock
          ? sql`select true as ok, floor(extract(epoch from now()) * 1000)::float8 as now_ms from (select pg_advisory_xact_lock(${AUDIT_LOCK})) as waited`
          : sql`select pg_try_advisory_xact_lock(${AUDIT_LOCK}) as ok, floor(extract(epoch from now()) * 1000)::float8 as now_ms`,
      ),
    );
    if (!lock.ok) return 0;
    const head = await chainHead(tx);
    // only entries below the horizon (module header): nothing can later commit ahead of them
    const pending = resultRows<EntryRow>(
      await tx.execute(sql`
      select ${ENTRY_COLUMNS} from audit_log
      where (tx, id) > (${head.tx}::xid8, ${head.id}::bigint) and tx < ${SEALING_HORIZON}
      ${ENTRY_ORDER} limit ${batch}`),
    );
    if (pending.length === 0) return 0;
    const hashes = Buffer.allocUnsafe(32 * pending.length);
    let prev = head.hash;
    pending.forEach((r, i) => {
      prev = entryHash(prev, asEntry(head.seq + i, new Date(Number(r.at_ms)), r));
      hashes.write(prev, 32 * i, 'hex');
    });
    const last = pending[pending.length - 1];
    const sealedAt = new Date(Number(lock.now_ms));
    const signature = opts.sign?.({ seal: head.seal, firstSeq: head.seq, count: pending.length, prevHash: head.hash, headHash: prev, sealedAt: sealedAt.toISOString() });
    await tx.execute(sql`
      insert into audit_seals (seal, first_seq, after_tx, after_id, upto_tx, upto_id, entry_ids, hashes, prev_hash, head_hash, sealed_at, signature)
      values (${head.seal}, ${head.seq}, ${head.tx}::xid8, ${head.id}, ${last.tx_text}::xid8, ${Number(last.id)},
        ${`{${pending.map((r) => r.id).join(',')}}`}::bigint[], decode(${hashes.toString('hex')}, 'hex'), ${head.hash}, ${prev},
        ${sealedAt.toISOString()}::timestamptz, ${signature ? JSON.stringify(signature) : null}::jsonb)`);
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
    const n = await sealAudit(db, SEAL_BATCH, opts);
    total += n;
    // a round that was not full took everything below the horizon; what committed since is the
    // next pass's. Going on would chase the intake's tail with seals of a few entries each, a
    // transaction of five statements apiece (issue 29: 19 seals a second at 200 messages/s).
    if (n < SEAL_BATCH) break;
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
  /** entries verified in the chain */
  entries: number;
  /** entries committed but not sealed yet, each by a transaction that can still be ahead of the horizon */
  unsealed: number;
  /** the rows the table held, all of them accounted for when ok: entries + unsealed (counted in one statement) */
  rows?: number;
  /** the first seq at which the chain breaks (absent when the fault is rows outside the chain), and why */
  brokenAt?: number;
  reason?: string;
  /** the rows that are neither in the chain nor legitimately waiting for it (at most ten named) */
  outside?: Array<{ id: number; tx: string; seq: number | null }>;
  headHash: string;
  /** an incremental walk (`since`): the first entry it hashed again (those before were taken as sealed), and the seal holding it */
  checkedFrom?: { entry: number; seal: number };
}

type SealRow = {
  seal: string | number;
  first_seq: string | number;
  after_tx_text: string;
  after_id: string | number;
  upto_tx_text: string;
  upto_id: string | number;
  entry_ids: Array<string | number>;
  hashes: string;
  prev_hash: string;
  head_hash: string;
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
export interface VerifyOptions {
  /** a head kept outside the database: the chain must still reach it, with its hash */
  recordedHead?: RecordedHead;
  /**
   * Check only what was appended after this head (issue 29): that entry `since.entry` still has
   * the hash `since.hash` in its seal, then every later entry, seal and row, as a full walk
   * would. What lies before it is not read again, so the check costs what is new, not what is
   * stored; a full walk now and then still checks the whole history.
   */
  since?: RecordedHead;
}

/** where an incremental walk starts: the seal holding the recorded entry, or why it cannot */
async function sinceStart(db: DbOrTx, since: RecordedHead): Promise<{ seal: number; legacy: number } | { reason: string }> {
  const [legacy] = resultRows<{ n: string | number | null }>(await db.execute(sql`select max(seq) as n from audit_log where seq is not null`));
  if (legacy.n !== null && since.entry <= Number(legacy.n)) {
    return { reason: `entry ${since.entry} is in the log's legacy part (entries 1 to ${legacy.n}, from before seals): verify the whole chain instead` };
  }
  // newest first on the primary key: the scan stops at the seal that holds the entry, after reading only the seals made since
  const [seal] = resultRows<{ seal: string | number }>(await db.execute(sql`select seal from audit_seals where first_seq <= ${since.entry} order by seal desc limit 1`));
  if (!seal) return { reason: `no seal holds entry ${since.entry}` };
  return { seal: Number(seal.seal), legacy: Number(legacy.n ?? 0) };
}

export async function verifyAudit(db: DbOrTx, batch = 1000, opts: VerifyOptions = {}): Promise<VerifyResult> {
  if (opts.since) return verifyFrom(db, batch, opts.since, opts.recordedHead);
  return walk(db, batch, opts.recordedHead);
}

async function verifyFrom(db: DbOrTx, batch: number, since: RecordedHead, recordedHead?: RecordedHead): Promise<VerifyResult> {
  const start = await sinceStart(db, since);
  if ('reason' in start) return { ok: false, entries: 0, unsealed: await countUnsealed(db), brokenAt: since.entry, reason: start.reason, headHash: since.hash };
  return walk(db, batch, recordedHead, { since, ...start });
}

async function walk(db: DbOrTx, batch: number, recorded: RecordedHead | undefined, from?: { since: RecordedHead; seal: number; legacy: number }): Promise<VerifyResult> {
  /** the chain has just reached entry `expected - 1` with hash `prev`: is that the recorded head? */
  const rewritten = () => recorded !== undefined && expected - 1 === recorded.entry && prev !== recorded.hash;
  const rewrittenReason = () => `entry ${recorded!.entry} does not have the recorded head's hash: the chain was rewritten up to there`;
  let prev = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  let legacyCount = 0;
  let after = { ...START };
  const broken = (at: number, reason: string, unsealed: number): VerifyResult => ({ ok: false, entries: count, unsealed, brokenAt: at, reason, headHash: prev });
  const stillUnsealed = () => countAfter(db, after);

  // legacy: each entry carries its own seq and link (an incremental walk starts after them)
  if (from) legacyCount = from.legacy;
  for (; !from; ) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expected - 1))
      .orderBy(asc(auditLog.seq))
      .limit(batch);
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
      legacyCount += 1;
      if (rewritten()) return broken(seq, rewrittenReason(), await stillUnsealed());
    }
  }

  // seals, a page at a time; an incremental walk starts at the seal that holds its entry, trusting
  // that entry's hash (checked against the recorded one below) and what came before it
  let trustedUpTo = 0;
  let countedFrom: { tx: string; id: number; entries: number } | undefined;
  for (let nextSeal = from?.seal ?? 1; ; ) {
    const seals = resultRows<SealRow>(
      await db.execute(sql`
      select seal, first_seq, after_tx::text as after_tx_text, after_id, upto_tx::text as upto_tx_text, upto_id, entry_ids,
        encode(hashes, 'hex') as hashes, prev_hash, head_hash
      from audit_seals where seal >= ${nextSeal} order by seal limit ${Math.max(1, Math.floor(batch / 100))}`),
    );
    if (seals.length === 0) break;
    for (const s of seals) {
      const fail = async (at: number, reason: string) => broken(at, reason, await stillUnsealed());
      if (Number(s.seal) !== nextSeal) return fail(expected, `seal ${nextSeal} is missing`);
      const ids = s.entry_ids.map(Number);
      const hashes = s.hashes;
      if (from && !countedFrom) {
        // the first seal of an incremental walk: the recorded entry must be in it, with the recorded hash
        const at = from.since.entry - Number(s.first_seq);
        if (at >= ids.length || hashes.length !== 64 * ids.length) return fail(from.since.entry, `the chain does not reach entry ${from.since.entry}: sealed entries were removed`);
        if (hashes.slice(64 * at, 64 * at + 64) !== from.since.hash)
          return fail(from.since.entry, `entry ${from.since.entry} does not have the recorded head's hash: the chain was rewritten up to there`);
        expected = Number(s.first_seq);
        count = expected - 1;
        prev = s.prev_hash;
        trustedUpTo = from.since.entry;
        after = { tx: s.after_tx_text, id: Number(s.after_id) };
        countedFrom = { ...after, entries: count };
      }
      if (Number(s.first_seq) !== expected || s.after_tx_text !== after.tx || Number(s.after_id) !== after.id) {
        return fail(expected, `seal ${nextSeal} does not continue from where the chain ended`);
      }
      if (s.prev_hash !== prev) return fail(expected, `seal ${nextSeal} does not link to entry ${expected - 1}`);
      if (hashes.length !== 64 * ids.length) return fail(expected, `seal ${nextSeal} was altered`);
      // At most one row more than the seal lists: an extra row in its range is among the first
      // count + 1 either way, and the limit keeps the plan an ordered index scan. Without it, a
      // range the planner misjudged (it estimates a row comparison by `tx` alone: 832,438 rows for
      // a seal of 500 in a history loaded in large transactions) was read by a parallel scan of
      // the whole log, for every seal.
      const rows = resultRows<EntryRow>(
        await db.execute(sql`
        select ${ENTRY_COLUMNS} from audit_log
        where (tx, id) > (${s.after_tx_text}::xid8, ${s.after_id}::bigint) and (tx, id) <= (${s.upto_tx_text}::xid8, ${s.upto_id}::bigint)
        ${ENTRY_ORDER} limit ${ids.length + 1}`),
      );
      const sealedIds = new Set(ids);
      const intruder = rows.find((r) => !sealedIds.has(Number(r.id)));
      if (intruder) return fail(expected, `entry id ${intruder.id} was added to sealed range ${nextSeal} after sealing`);
      for (let i = 0; i < ids.length; i++) {
        const seq = expected;
        const r = rows[i];
        if (!r || Number(r.id) !== ids[i]) return fail(seq, `entry ${seq} (id ${ids[i]}) is missing`);
        // up to the recorded entry of an incremental walk, the seal's hashes are taken as they are
        const h = seq <= trustedUpTo ? hashes.slice(64 * i, 64 * i + 64) : entryHash(prev, asEntry(seq, new Date(Number(r.at_ms)), r));
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
  if (from && !countedFrom) return broken(from.since.entry, `the chain does not reach entry ${from.since.entry}: sealed entries were removed`, await stillUnsealed());
  if (recorded && count < recorded.entry) {
    return broken(count + 1, `the chain ends at entry ${count}, before the recorded head at entry ${recorded.entry}: sealed entries were removed`, await stillUnsealed());
  }
  const result = await accountForEveryRow(db, { entries: count, legacy: legacyCount, after, headHash: prev, from: countedFrom });
  return from ? { ...result, checkedFrom: { entry: from.since.entry + 1, seal: from.seal } } : result;
}

/** at most this many rows are named in a failure */
const NAMED = 10;

/**
 * Every row of the table must be an entry the walk verified (a legacy entry, or one listed by its
 * seal) or one waiting to be sealed (after the last seal, written by a transaction that really
 * ran). Otherwise a row could sit outside every seal, invisible to the walk (issue 19.5): with
 * tx 0 and no seq (below the first seal's range), with a seq but a transaction id of ours (counted
 * twice or not at all), or with a transaction id the server has not reached (never sealed, waiting
 * for ever). The rows are counted in one statement, together with those after the walk's end, so
 * entries committed or sealed meanwhile by a running hub change nothing: they lie after `after`
 * either way.
 */
async function accountForEveryRow(
  db: DbOrTx,
  walked: { entries: number; legacy: number; after: { tx: string; id: number }; headHash: string; from?: { tx: string; id: number; entries: number } },
): Promise<VerifyResult> {
  const { entries, legacy, after, headHash, from } = walked;
  const afterHead = sql`seq is null and (tx, id) > (${after.tx}::xid8, ${after.id}::bigint)`;
  // an incremental walk accounts for the rows after where it started, which the walk's entries
  // (less those before) and the waiting ones must match: an index range, not the whole table
  const [c] = resultRows<{ total: string | number; pending: string | number }>(
    await db.execute(
      from
        ? sql`select count(*) as total, count(*) filter (where ${afterHead}) as pending from audit_log where (tx, id) > (${from.tx}::xid8, ${from.id}::bigint)`
        : sql`select count(*) as total, count(*) filter (where ${afterHead}) as pending from audit_log`,
    ),
  );
  const rows = Number(c.total) + (from?.entries ?? 0);
  const unsealed = Number(c.pending);
  const fail = (reason: string, outside: OutsideRow[]): VerifyResult => ({
    ok: false,
    entries,
    unsealed,
    rows,
    reason,
    outside: outside.map((r) => ({ id: Number(r.id), tx: r.tx_text, seq: r.seq === null ? null : Number(r.seq) })),
    headHash,
  });

  // waiting rows that no transaction can have written: at or above the snapshot's xmax no id has
  // been assigned to a transaction that ended before this statement, and 0 and 2 are never given
  // to one (1 is the migration's mark for legacy entries still to be sealed, which come first)
  const impossible = resultRows<OutsideRow>(
    await db.execute(sql`
    select id, tx::text as tx_text, seq from audit_log
    where ${afterHead} and (tx >= pg_snapshot_xmax(pg_current_snapshot()) or tx in ('0'::xid8, '2'::xid8))
      -- a verification inside a transaction that wrote entries itself sees them, under its own id
      and tx is distinct from pg_current_xact_id_if_assigned()
    order by id limit ${NAMED}`),
  );
  if (impossible.length) {
    const [next] = resultRows<{ xmax: string }>(await db.execute(sql`select pg_snapshot_xmax(pg_current_snapshot())::text as xmax`));
    return fail(
      `${describeRows(impossible)} ${impossible.length === 1 ? 'waits' : 'wait'} to be sealed with a transaction id no transaction has had ` +
        `(the server's next is ${next.xmax}): not written by the hub, and never to be sealed`,
      impossible,
    );
  }
  if (rows === entries + unsealed) return { ok: true, entries, unsealed, rows, headHash };

  // Which rows: without a seq below the first seal's range (tx 0), or with a seq the legacy walk
  // did not reach or a transaction id that legacy entries never have.
  const outside = resultRows<OutsideRow>(
    await db.execute(sql`
    select id, tx::text as tx_text, seq from audit_log
    where (seq is null and (tx, id) <= (${START.tx}::xid8, ${START.id}::bigint))
       or (seq is not null and (tx <> '0'::xid8 or seq < 1 or seq > ${legacy}))
    order by id limit ${NAMED}`),
  );
  const missing = rows - entries - unsealed;
  return fail(
    `the table holds ${rows} rows, the chain and the entries waiting for it account for ${entries + unsealed}` +
      `${outside.length ? `: ${describeRows(outside)} ${outside.length === 1 ? 'is' : 'are'} outside every seal` : missing < 0 ? ' (rows were counted twice)' : ''}`,
    outside,
  );
}

type OutsideRow = { id: string | number; tx_text: string; seq: string | number | null };

function describeRows(rs: OutsideRow[]): string {
  return rs.map((r) => `id ${r.id} (tx ${r.tx_text}${r.seq === null ? '' : `, seq ${r.seq}`})`).join(', ') + (rs.length === NAMED ? ' and maybe more' : '');
}

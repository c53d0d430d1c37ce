/**
 * A replay guard kept in the database (issue 19.4): the embedded hub has no Redis, and a guard in
 * memory alone forgot every signature at a restart, so a signed request captured before one was
 * accepted again after it, within its validity window, and stored as a second message.
 *
 * Guarantees (those of trust's ReplayGuard): `seen(hash, ttl)` checks and records in one statement
 * — of two concurrent calls with one hash, on one database, exactly one returns false — and keeps
 * the hash at least `ttl` seconds, across restarts. Expiry is by the database's clock. Expired rows
 * are purged in bounded batches as the guard is used, at most once a `purgeEveryMs`. Checks arriving
 * together share one statement (group commit), since PGlite runs one statement at a time.
 */
import { sql } from 'drizzle-orm';
import { Batcher } from '../batcher.js';
import { executePrepared, resultRows, type Db } from './db.js';
import type { ReplayGuard } from '../trust/index.js';

export interface DatabaseReplayGuardOptions {
  /** how often expired signatures are purged (default 60 000 ms) */
  purgeEveryMs?: number;
  /** most rows one purge deletes (default 10 000) */
  purgeBatch?: number;
  /** told when a purge fails (the guard goes on; the rows are purged next time) */
  onPurgeError?: (err: unknown) => void;
}

export class DatabaseReplayGuard implements ReplayGuard {
  private readonly batch: Batcher<{ hash: string; ttlMs: number }, boolean>;
  private readonly purgeEveryMs: number;
  private readonly purgeBatch: number;
  private lastPurge = 0;
  private purging?: Promise<number>;

  constructor(
    private readonly db: Db,
    private readonly opts: DatabaseReplayGuardOptions = {},
  ) {
    this.purgeEveryMs = opts.purgeEveryMs ?? 60_000;
    this.purgeBatch = opts.purgeBatch ?? 10_000;
    this.batch = new Batcher((items) => this.record(items), { maxItems: 64, maxWaitMs: 1, eagerBelow: 1 });
  }

  async seen(signatureHash: string, ttlSeconds: number): Promise<boolean> {
    if (Date.now() - this.lastPurge >= this.purgeEveryMs) {
      this.lastPurge = Date.now();
      this.purge().catch((err) => this.opts.onPurgeError?.(err));
    }
    return this.batch.submit({ hash: signatureHash, ttlMs: Math.max(1, Math.ceil(ttlSeconds)) * 1000 });
  }

  /** Records the new hashes of a batch; true for each one already recorded (a replay). */
  private async record(items: Array<{ hash: string; ttlMs: number }>): Promise<boolean[]> {
    // a hash twice in one batch: the first decides, the others are replays of it
    const first = new Map<string, number>();
    items.forEach((it, i) => first.has(it.hash) || first.set(it.hash, i));
    const rows = JSON.stringify([...first.keys()].map((hash) => ({ hash, ttl_ms: items[first.get(hash)!].ttlMs })));
    // an expired row is taken over (as if purged); a live one stays and the request is a replay
    const result = await executePrepared(
      this.db,
      'wasla_replay_seen',
      sql`
      insert into replay_signatures (hash, expires_at)
      select x.hash, now() + x.ttl_ms * interval '1 millisecond' from jsonb_to_recordset(${rows}::jsonb) as x(hash text, ttl_ms bigint)
      on conflict (hash) do update set expires_at = excluded.expires_at where replay_signatures.expires_at <= now()
      returning hash`,
    );
    const fresh = new Set(resultRows<{ hash: string }>(result).map((r) => r.hash));
    return items.map((it, i) => !(first.get(it.hash) === i && fresh.has(it.hash)));
  }

  /** Deletes up to `purgeBatch` expired signatures; returns how many. One purge at a time. */
  purge(): Promise<number> {
    return (this.purging ??= (async () => {
      try {
        const r = await this.db.execute(sql`delete from replay_signatures where hash in (
          select hash from replay_signatures where expires_at < now() order by expires_at limit ${this.purgeBatch}) returning hash`);
        return resultRows(r).length;
      } finally {
        this.purging = undefined;
      }
    })());
  }
}

/**
 * The database replay guard (issue 19.4), run on PGlite (tests/embedded) and on the PostgreSQL
 * server (tests/integration): check-and-record is atomic, a signature outlives the guard that saw
 * it (a restart), an expired one is taken over, and purging leaves the live ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { DatabaseReplayGuard, type Database } from '../../src/store/index.js';

export function replayGuardSuite(name: string, open: () => Promise<{ database: Database; cleanup: () => Promise<void> }>) {
  describe(`database replay guard: ${name}`, () => {
    let database: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ database, cleanup } = await open());
    });
    afterAll(async () => {
      await database?.close();
      await cleanup?.();
    });

    const hash = () => randomUUID().replace(/-/g, '');
    const expiresAt = async (h: string) => {
      const r = await database.db.execute(sql`select expires_at > now() as live from replay_signatures where hash = ${h}`);
      return ((r as any).rows ?? r)[0]?.live as boolean | undefined;
    };

    it('records a signature once: the first call says new, every later one says seen', async () => {
      const guard = new DatabaseReplayGuard(database.db);
      const h = hash();
      expect(await guard.seen(h, 300)).toBe(false);
      expect(await guard.seen(h, 300)).toBe(true);
      expect(await expiresAt(h)).toBe(true);
    });

    it('of concurrent calls with one signature, exactly one says new, however they are batched', async () => {
      const guard = new DatabaseReplayGuard(database.db);
      const other = new DatabaseReplayGuard(database.db);
      const h = hash();
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? guard : other).seen(h, 300)));
      expect(answers.filter((seen) => !seen)).toHaveLength(1);
      // distinct signatures in one batch are each new
      const hs = Array.from({ length: 30 }, hash);
      expect(await Promise.all(hs.map((x) => guard.seen(x, 300)))).toEqual(hs.map(() => false));
    });

    it('remembers across guards, as across a restart', async () => {
      const h = hash();
      expect(await new DatabaseReplayGuard(database.db).seen(h, 300)).toBe(false);
      expect(await new DatabaseReplayGuard(database.db).seen(h, 300)).toBe(true);
    });

    it('takes over an expired signature, and purges expired ones only', async () => {
      const guard = new DatabaseReplayGuard(database.db, { purgeEveryMs: 3_600_000 });
      const [old, live] = [hash(), hash()];
      await guard.seen(old, 300);
      await guard.seen(live, 300);
      // the window of `old` has passed
      await database.db.execute(sql`update replay_signatures set expires_at = now() - interval '1 second' where hash = ${old}`);
      expect(await guard.seen(old, 300)).toBe(false);
      expect(await expiresAt(old)).toBe(true);
      await database.db.execute(sql`update replay_signatures set expires_at = now() - interval '1 second' where hash = ${old}`);
      expect(await guard.purge()).toBeGreaterThanOrEqual(1);
      expect(await expiresAt(old)).toBeUndefined();
      expect(await expiresAt(live)).toBe(true);
      expect(await guard.seen(live, 300)).toBe(true);
    });
  });
}

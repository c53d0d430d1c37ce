/**
 * The audit chain's guarantees (invariant 7), on PGlite (tests/embedded) and on the PostgreSQL
 * server (tests/integration): entries are sealed in batches without being updated, and
 * `verifyAudit` names the first entry that was edited, removed or slipped into a sealed range.
 * Each test starts from an empty log, so one break cannot hide another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/store/index.js';
import { countUnsealed, describeHold, SEAL_BATCH, sealAll, sealAudit, sealingHold, type UnsignedSealStatement, verifyAudit } from '../../src/audit/log.js';
import type { SignatureValue } from '../../src/record/bundle.js';
import { appendAudit, type AuditAction } from '../../src/audit/writer.js';

type Open = () => Promise<{ database: Database; cleanup: () => Promise<void> }>;

/**
 * A database whose server-wide transaction counter the test may move forward: `moveCounterTo(n)`
 * makes `n` the next transaction id and returns the database to go on with (the server variant
 * restarts a private cluster, so the handle changes).
 */
export interface MovableCounter {
  open(): Promise<{ database: Database; moveCounterTo(next: bigint): Promise<Database> /** closes the database too */; cleanup: () => Promise<void> }>;
  /** the powers of ten to cross, in increasing order */
  boundaries: bigint[];
}

const rows = async <T>(database: Database, q: ReturnType<typeof sql>): Promise<T[]> => {
  const r = await database.db.execute(q);
  return ((r as any).rows ?? r) as T[];
};

/** `n` entries, each in its own transaction (as intake and delivery write them) */
async function append(database: Database, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject: `e${i}`, data: { i, nested: { b: 2, a: 1 } } }]));
  }
}

/**
 * Why entries are still waiting, for the message of a failing assertion: a test that finds fewer
 * sealed than it expects says what held sealing back (on a server other clients share, this was
 * the cause of issue 28's failures).
 */
async function why(database: Database): Promise<string> {
  const hold = await sealingHold(database.db);
  return `${await countUnsealed(database.db)} entries not sealed; ${hold ? `sealing is held back by ${describeHold(hold)}` : 'nothing holds sealing back now'}`;
}

/** the ids of the entries in chain order (seq 1, 2, ...); asserts there are `expected` of them */
async function chainIds(database: Database, expected: number): Promise<number[]> {
  const seals = await rows<{ entry_ids: Array<string | number> }>(database, sql`select entry_ids from audit_seals order by seal`);
  const ids = seals.flatMap((s) => s.entry_ids.map(Number));
  // a short chain would make ids[i] undefined below, and the SQL `where id = ` with nothing after it
  expect(ids.length, `entries in the chain: ${await why(database)}`).toBe(expected);
  return ids;
}

export function auditSuite(name: string, open: Open, counter: MovableCounter) {
  describe(`audit chain: ${name}`, () => {
    let opened: Awaited<ReturnType<Open>>;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.database.close();
      await opened?.cleanup();
    });
    async function withDatabase(fn: (database: Database) => Promise<void>) {
      await opened.database.db.execute(sql`truncate audit_log, audit_seals restart identity`);
      await fn(opened.database);
    }

    it('seals committed entries in batches, one seal row each, without touching the entries', async () => {
      await withDatabase(async (database) => {
        await append(database, 5);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 0, unsealed: 5 });
        expect(await sealAudit(database.db, 3), await why(database)).toBe(3);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 3, unsealed: 2 });
        await append(database, 2, 5);
        expect(await sealAll(database.db), await why(database)).toBe(4);
        const r = await verifyAudit(database.db);
        expect(r).toMatchObject({ ok: true, entries: 7, unsealed: 0 });
        expect(r.headHash).toMatch(/^[0-9a-f]{64}$/);
        const seals = await rows<{ seal: string | number; first_seq: string | number; n: number; prev_hash: string; head_hash: string }>(
          database,
          sql`select seal, first_seq, cardinality(entry_ids) as n, prev_hash, head_hash from audit_seals order by seal`,
        );
        expect(seals.map((s) => [Number(s.seal), Number(s.first_seq), Number(s.n)])).toEqual([
          [1, 1, 3],
          [2, 4, 4],
        ]);
        expect(seals[1].prev_hash).toBe(seals[0].head_hash);
        expect(seals[1].head_hash).toBe(r.headHash);
        // chain order is commit order here: one transaction after another
        const subjects = await rows<{ subject: string }>(database, sql`select subject from audit_log order by tx, id`);
        expect(subjects.map((s) => s.subject)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
        // the entries keep no per-entry link: sealing wrote only the seals
        const linked = await rows<{ n: number }>(database, sql`select count(*)::int as n from audit_log where seq is not null or hash is not null`);
        expect(linked[0].n).toBe(0);
        // nothing left: a further pass seals nothing and adds no empty seal
        expect(await sealAll(database.db)).toBe(0);
        expect((await rows(database, sql`select seal from audit_seals`)).length).toBe(2);
      });
    });

    it('sealers running at once, while writers commit, build one chain: every entry sealed exactly once, seq without a gap', async () => {
      await withDatabase(async (database) => {
        await append(database, 4);
        // 30 writers in their own transactions and three sealers, all at once
        const writers = Promise.all(
          Array.from({ length: 30 }, (_, i) => database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject: `w${i}`, data: { i } }]))),
        );
        const sealers = Promise.all(
          Array.from({ length: 3 }, async () => {
            let n = 0;
            for (let k = 0; k < 10; k++) n += await sealAudit(database.db, 4);
            return n;
          }),
        );
        const [, sealedMeanwhile] = await Promise.all([writers, sealers]);
        await sealAll(database.db);
        expect(sealedMeanwhile.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        const ids = await chainIds(database, 34);
        expect(new Set(ids).size).toBe(34);
        const seals = await rows<{ first_seq: string | number; n: number }>(database, sql`select first_seq, cardinality(entry_ids) as n from audit_seals order by seal`);
        let next = 1;
        for (const s of seals) {
          expect(Number(s.first_seq)).toBe(next);
          next += Number(s.n);
        }
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 34, unsealed: 0 });
      });
    });

    it('a pass makes one seal of what is below the horizon and leaves what commits meanwhile to the next pass; a full batch goes on (issue 29)', async () => {
      await withDatabase(async (database) => {
        await append(database, 3);
        // a writer committing entry after entry while the pass runs, as intake does under load
        let writing = true;
        const writer = (async () => {
          for (let i = 100; writing && i < 600; i++) await append(database, 1, i);
        })();
        await new Promise((r) => setTimeout(r, 30));
        const sealed = await sealAll(database.db);
        const seals = await rows<{ n: number }>(database, sql`select cardinality(entry_ids) as n from audit_seals order by seal`);
        writing = false;
        await writer;
        expect(seals.length, 'seals made by one pass').toBe(1);
        expect(Number(seals[0].n)).toBe(sealed);
        expect(sealed, await why(database)).toBeGreaterThanOrEqual(3);
        await sealAll(database.db);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true });

        // a round that took a full batch leaves more behind: the same pass goes on
        await database.db.execute(sql`truncate audit_log, audit_seals restart identity`);
        await database.db.transaction((tx) =>
          appendAudit(
            tx,
            Array.from({ length: SEAL_BATCH + 1 }, (_, i) => ({ actor: 'test', action: 'test.entry' as AuditAction, subject: `b${i}`, data: { i } })),
          ),
        );
        expect(await sealAll(database.db), await why(database)).toBe(SEAL_BATCH + 1);
        const full = await rows<{ n: number }>(database, sql`select cardinality(entry_ids) as n from audit_seals order by seal`);
        expect(full.map((r) => Number(r.n))).toEqual([SEAL_BATCH, 1]);
      });
    });

    it('signs a seal as it makes it: the row is inserted with the signature of its own statement (issue 26, 29)', async () => {
      await withDatabase(async (database) => {
        await append(database, 4);
        const signed: UnsignedSealStatement[] = [];
        const sign = (s: UnsignedSealStatement): SignatureValue => {
          signed.push(s);
          return { keyid: 'test-key', alg: 'ed25519', value: Buffer.from(JSON.stringify(s)).toString('base64') };
        };
        expect(await sealAll(database.db, undefined, { sign }), await why(database)).toBe(4);
        const [row] = await rows<{ seal: number; first_seq: number; n: number; prev_hash: string; head_hash: string; sealed_at: Date | string; signature: SignatureValue }>(
          database,
          sql`select seal, first_seq, cardinality(entry_ids) as n, prev_hash, head_hash, sealed_at, signature from audit_seals`,
        );
        expect(signed).toHaveLength(1);
        // what was signed is what the row holds, the time to the millisecond as statements carry it
        expect(signed[0]).toEqual({
          seal: Number(row.seal),
          firstSeq: Number(row.first_seq),
          count: Number(row.n),
          prevHash: row.prev_hash,
          headHash: row.head_hash,
          sealedAt: new Date(row.sealed_at).toISOString(),
        });
        expect(row.signature).toEqual({ keyid: 'test-key', alg: 'ed25519', value: Buffer.from(JSON.stringify(signed[0])).toString('base64') });
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 4 });
      });
    });

    it('names an edited entry', async () => {
      await withDatabase(async (database) => {
        await append(database, 6);
        await sealAll(database.db);
        const ids = await chainIds(database, 6);
        await database.db.execute(sql`update audit_log set data = '{"i": 99}' where id = ${ids[3]}`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 4, reason: `entry 4 (id ${ids[3]}) was altered`, entries: 3 });
      });
    });

    it('names a deleted entry', async () => {
      await withDatabase(async (database) => {
        await append(database, 6);
        await sealAll(database.db);
        const ids = await chainIds(database, 6);
        await database.db.execute(sql`delete from audit_log where id = ${ids[4]}`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 5, reason: `entry 5 (id ${ids[4]}) is missing` });
      });
    });

    it('names an entry slipped into a sealed range', async () => {
      await withDatabase(async (database) => {
        await append(database, 4);
        await sealAll(database.db);
        await chainIds(database, 4);
        // a forged entry whose (tx, id) falls inside the sealed range
        await database.db.execute(sql`insert into audit_log (id, tx, at, actor, action, data) values (-1, '3', now(), 'forger', 'message.accepted', '{}')`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 1, reason: 'entry id -1 was added to sealed range 1 after sealing' });
      });
    });

    it('with a head recorded outside the database, notices the newest entries cut off or the chain rewritten', async () => {
      await withDatabase(async (database) => {
        // one seal an entry, so that the newest can be cut off seal by seal
        await append(database, 3);
        for (let i = 0; i < 3; i++) await sealAudit(database.db, 1);
        await chainIds(database, 3);
        const at3 = await verifyAudit(database.db);
        const recordedHead = { entry: 3, hash: at3.headHash };
        await append(database, 2, 3);
        for (let i = 0; i < 2; i++) await sealAudit(database.db, 1);
        // the chain has grown past the recorded head, through it
        expect(await verifyAudit(database.db, undefined, { recordedHead })).toMatchObject({ ok: true, entries: 5 });
        // a hash that is not the chain's at entry 3: the chain (or the record) was rewritten
        const otherHash = { entry: 3, hash: 'f'.repeat(64) };
        expect(await verifyAudit(database.db, undefined, { recordedHead: otherHash })).toMatchObject({
          ok: false,
          brokenAt: 3,
          reason: "entry 3 does not have the recorded head's hash: the chain was rewritten up to there",
        });
        // the newest seals and their entries deleted: the rest of the chain is intact on its own...
        const cut = (await chainIds(database, 5)).slice(2);
        await database.db.execute(sql`delete from audit_seals where ${sql.raw(`'{${cut.join(',')}}'::bigint[]`)} && entry_ids`);
        await database.db.execute(sql`delete from audit_log where id = any(${sql.raw(`'{${cut.join(',')}}'::bigint[]`)})`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 2 });
        // ...but it no longer reaches the recorded head
        expect(await verifyAudit(database.db, undefined, { recordedHead })).toMatchObject({
          ok: false,
          brokenAt: 3,
          reason: 'the chain ends at entry 2, before the recorded head at entry 3: sealed entries were removed',
        });
      });
    });

    it('verifies only what was appended after a recorded head (--since), and finds any break there (issue 29)', async () => {
      await withDatabase(async (database) => {
        // three seals of three entries: the head recorded at entry 5, in the middle of seal 2
        await append(database, 9);
        for (let i = 0; i < 3; i++) await sealAudit(database.db, 3);
        const ids = await chainIds(database, 9);
        const [{ hash5 }] = await rows<{ hash5: string }>(database, sql`select substr(encode(hashes, 'hex'), 65, 64) as hash5 from audit_seals where seal = 2`);
        const since = { entry: 5, hash: hash5 };
        const full = await verifyAudit(database.db);
        expect(full).toMatchObject({ ok: true, entries: 9 });
        expect(await verifyAudit(database.db, undefined, { since })).toEqual({ ...full, checkedFrom: { entry: 6, seal: 2 } });

        // what comes after the head is checked: entry 7 altered
        const entry = (seq: number) => sql.raw(String(ids[seq - 1]));
        await database.db.execute(sql`update audit_log set subject = 'altered' where id = ${entry(7)}`);
        expect(await verifyAudit(database.db, undefined, { since })).toMatchObject({ ok: false, brokenAt: 7, reason: `entry 7 (id ${ids[6]}) was altered` });
        await database.db.execute(sql`update audit_log set subject = 'e6' where id = ${entry(7)}`);
        expect(await verifyAudit(database.db, undefined, { since })).toMatchObject({ ok: true });

        // a row slipped in after the head, into a sealed range, is found
        await database.db.execute(sql`insert into audit_log (tx, actor, action, data, at) select tx, 'x', 'test.entry', '{}', now() from audit_log where id = ${entry(8)}`);
        const slipped = await verifyAudit(database.db, undefined, { since });
        expect(slipped).toMatchObject({ ok: false, brokenAt: 7 });
        expect(slipped.reason).toMatch(/^entry id \d+ was added to sealed range 3 after sealing$/);
        await database.db.execute(sql`delete from audit_log where id > ${entry(9)}`);

        // the head's hash is not the chain's there: rewritten; a head the chain does not reach: cut
        expect(await verifyAudit(database.db, undefined, { since: { entry: 5, hash: 'f'.repeat(64) } })).toMatchObject({
          ok: false,
          brokenAt: 5,
          reason: "entry 5 does not have the recorded head's hash: the chain was rewritten up to there",
        });
        expect(await verifyAudit(database.db, undefined, { since: { entry: 12, hash: hash5 } })).toMatchObject({ ok: false, brokenAt: 12 });

        // what lies before the seal holding the head is not read again: an edit in seal 1 is the
        // full walk's to find, not this one's
        await database.db.execute(sql`update audit_log set subject = 'altered' where id = ${entry(2)}`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 2 });
        expect(await verifyAudit(database.db, undefined, { since })).toMatchObject({ ok: true, entries: 9, checkedFrom: { entry: 6, seal: 2 } });
      });
    });

    it('notices a removed or altered seal; a removed newest seal only unseals its entries, sealed again alike', async () => {
      await withDatabase(async (database) => {
        await append(database, 4);
        for (let i = 0; i < 4; i++) await sealAudit(database.db, 1);
        await chainIds(database, 4);
        const intact = await verifyAudit(database.db);
        expect(intact).toMatchObject({ ok: true, entries: 4, unsealed: 0 });
        // the newest seal gone: its entry waits again, and the next pass seals it to the same head
        await database.db.execute(sql`delete from audit_seals where seal = 4`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 3, unsealed: 1 });
        expect(await sealAll(database.db)).toBe(1);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: true, entries: 4, headHash: intact.headHash });
        // a seal in the middle altered, then removed
        await database.db.execute(sql`update audit_seals set head_hash = repeat('a', 64) where seal = 2`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 2, reason: 'seal 2 was altered' });
        await database.db.execute(sql`delete from audit_seals where seal = 2`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, brokenAt: 2, reason: 'seal 2 is missing' });
      });
    });
    it('accounts for every row: one outside every seal, or waiting with a transaction id no transaction has had, breaks verification (issue 19.5)', async () => {
      await withDatabase(async (database) => {
        await append(database, 3);
        await sealAll(database.db);
        await chainIds(database, 3);
        const intact = await verifyAudit(database.db);
        expect(intact).toMatchObject({ ok: true, entries: 3, unsealed: 0, rows: 3 });
        const recordedHead = { entry: 3, hash: intact.headHash };
        const count = async () => Number((await rows<{ n: string | number }>(database, sql`select count(*) as n from audit_log`))[0].n);

        // tx 0 and no seq: below the first seal's range, and not a legacy entry either
        await database.db.execute(sql`insert into audit_log (id, tx, at, actor, action, data) values (1000, '0', now(), 'forger', 'message.accepted', '{}')`);
        for (const head of [undefined, recordedHead]) {
          const r = await verifyAudit(database.db, undefined, { recordedHead: head });
          expect(r).toMatchObject({ ok: false, entries: 3, rows: 4, outside: [{ id: 1000, tx: '0', seq: null }] });
          expect(r.brokenAt).toBeUndefined();
          expect(r.reason).toBe('the table holds 4 rows, the chain and the entries waiting for it account for 3: id 1000 (tx 0) is outside every seal');
        }
        await database.db.execute(sql`delete from audit_log where id = 1000`);

        // a seq outside the legacy chain: never walked, never pending
        await database.db.execute(sql`insert into audit_log (id, tx, at, actor, action, data, seq, prev_hash, hash) values (1001, '0', now(), 'forger', 'x', '{}', 0, 'a', 'b')`);
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false, outside: [{ id: 1001, tx: '0', seq: 0 }] });
        await database.db.execute(sql`delete from audit_log where id = 1001`);

        // a transaction id the server has not reached: it would wait "not sealed yet" for ever
        await database.db.execute(sql`insert into audit_log (id, tx, at, actor, action, data) values (1002, '900000000000', now(), 'forger', 'message.accepted', '{}')`);
        const future = await verifyAudit(database.db, undefined, { recordedHead });
        expect(future).toMatchObject({ ok: false, entries: 3, outside: [{ id: 1002, tx: '900000000000', seq: null }] });
        expect(future.reason).toMatch(
          /^id 1002 \(tx 900000000000\) waits to be sealed with a transaction id no transaction has had \(the server's next is \d+\): not written by the hub, and never to be sealed$/,
        );
        expect(await sealAll(database.db)).toBe(0);
        await database.db.execute(sql`delete from audit_log where id = 1002`);

        // 2 (the frozen id) is never a writer's
        await database.db.execute(sql`insert into audit_log (id, tx, at, actor, action, data) values (1003, '2', now(), 'forger', 'x', '{}')`);
        // (2, id) sorts inside the first seal's range: an entry slipped in after sealing
        expect(await verifyAudit(database.db)).toMatchObject({ ok: false });
        await database.db.execute(sql`delete from audit_log where id = 1003`);

        // untouched again, and every row accounted for; one honest entry waits, counted
        await append(database, 1, 3);
        expect(await verifyAudit(database.db, undefined, { recordedHead })).toMatchObject({ ok: true, entries: 3, unsealed: 1, rows: 4 });
        expect(await count()).toBe(4);
      });
    });

    it('seals and verifies across powers of ten of the transaction counter, with several batches waiting across each', async () => {
      // Transaction ids compared as text put 1000 before 995: the sealer took a batch out of
      // order and the next one skipped or sealed again what lay between (issue 20).
      const c = await counter.open();
      let database = c.database;
      try {
        let written = 0;
        const subjects: string[] = [];
        for (const boundary of counter.boundaries) {
          database = await c.moveCounterTo(boundary - 4n);
          // eight entries in eight transactions: four below the boundary, four from it on
          const txs: bigint[] = [];
          for (let i = 0; i < 8; i++) {
            const subject = `b${boundary}-${i}`;
            await database.db.transaction((tx) => appendAudit(tx, [{ actor: 'test', action: 'test.entry' as AuditAction, subject }]));
            subjects.push(subject);
          }
          for (const r of await rows<{ tx_text: string }>(database, sql`select tx::text as tx_text from audit_log order by id desc limit 8`)) txs.push(BigInt(r.tx_text));
          expect(txs.some((t) => t < boundary) && txs.some((t) => t >= boundary), `the entries' transaction ids ${txs.join(', ')} straddle ${boundary}`).toBe(true);
          // three batches of at most three wait across the boundary
          const batches: number[] = [];
          for (let i = 0; i < 10; i++) {
            const n = await sealAudit(database.db, 3);
            if (n === 0) break;
            batches.push(n);
          }
          written += 8;
          expect(batches, `sealing batches across ${boundary}`).toEqual([3, 3, 2]);
          const v = await verifyAudit(database.db);
          expect(v, `verification after crossing ${boundary}`).toMatchObject({ ok: true, entries: written, unsealed: 0 });
        }
        // the chain holds every entry once, in the order the transactions ran
        const inChain = await rows<{ subject: string }>(
          database,
          sql`select a.subject from audit_seals s, unnest(s.entry_ids) with ordinality as u(id, n), audit_log a
          where a.id = u.id order by s.seal, u.n`,
        );
        expect(inChain.map((r) => r.subject)).toEqual(subjects);
      } finally {
        await c.cleanup();
      }
    });
  });
}

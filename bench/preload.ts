/**
 * `--preload N`: before measuring, the bench database holds N messages of history (preload-mix.ts
 * says what and in what proportions). The schema is the hub's own (its migrations, run by
 * `openDatabase`); the history's certificates are issued by a CA of its own and registered through
 * the hub's certificate ledger; the rows are generated inside PostgreSQL a chunk at a time
 * (preload-sql.ts); the audit entries are sealed by the hub's own sealer (`sealAudit`), so
 * `wasla audit verify` passes on the result and the hub's sealer carries the chain on from it.
 * Progress lines give rows/s. Nothing of the history is due, so the hub under test never sends it.
 *
 * `--keep-preload`: the loaded database is kept, named by N, the fan-out and a fingerprint of the
 * migrations and of this generator, and marked complete by a comment once loaded; each run then
 * starts from a copy of it (CREATE DATABASE ... TEMPLATE), so every run measures the same history
 * and a repeated run does not reload. A kept database whose load did not finish is dropped and
 * loaded again.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sealAudit } from '../src/audit/log.js';
import { openDatabase, recordCertificates } from '../src/store/index.js';
import { FileCertificateStore, initCa, issueToDir } from '../src/trust/index.js';
import { SENDER } from './contracts.js';
import { CHUNK, END_BEFORE_LOAD_MS, SEAL_SIZE } from './preload-mix.js';
import { CHUNK_STATEMENTS, chunkConfig, SESSION_FUNCTIONS } from './preload-sql.js';
import { messageTemplate } from './preload-template.js';
import { admin, databaseUrl, PG_ADMIN_URL } from './services.js';

export interface PreloadOptions {
  messages: number;
  fanout: number;
  payloadBytes: number;
  /** the repository whose contracts/ and migrations the hub under test uses */
  repo: string;
  /** time between two messages of the history (default: the pace of preload-mix.ts) */
  paceMs?: number;
  log: (line: string) => void;
}

export interface PreloadFigures {
  messages: number;
  deliveries: number;
  attempts: number;
  idempotencyKeys: number;
  auditEntries: number;
  seals: number;
  certificates: number;
  /** generating the rows, sealing the audit log, vacuum and analyze: seconds each */
  loadS: number;
  sealS: number;
  vacuumS: number;
  rowsPerS: number;
  databaseBytes: number;
}

/** rows of the hub's tables, one statement */
async function counts(c: pg.Client): Promise<Omit<PreloadFigures, 'loadS' | 'sealS' | 'vacuumS' | 'rowsPerS' | 'databaseBytes'>> {
  const r = await c.query(`select (select count(*) from messages) as messages, (select count(*) from deliveries) as deliveries,
    (select count(*) from attempts) as attempts, (select count(*) from idempotency_keys) as keys, (select count(*) from audit_log) as audit,
    (select count(*) from audit_seals) as seals, (select count(*) from certificates) as certs`);
  const x = r.rows[0];
  return {
    messages: Number(x.messages),
    deliveries: Number(x.deliveries),
    attempts: Number(x.attempts),
    idempotencyKeys: Number(x.keys),
    auditEntries: Number(x.audit),
    seals: Number(x.seals),
    certificates: Number(x.certs),
  };
}

/** the history's own federation: a CA, the sender's and each recipient's certificate (P-256) */
function historicalPki(dir: string, recipients: string[]): { credential: string; recipientSerials: string[] } {
  initCa(dir, { commonName: 'Wasla bench history CA', hubKeyType: 'ec-p256' });
  const issue = (institutionId: string) => issueToDir(dir, { institutionId, keyType: 'ec-p256' }).serial;
  return { credential: `cert:${issue(SENDER)}`, recipientSerials: recipients.map(issue) };
}

/** Fills the (empty or freshly migrated) database at `url` with the history; returns what it holds. */
export async function loadHistory(url: string, o: PreloadOptions): Promise<PreloadFigures> {
  const t0 = performance.now();
  const template = messageTemplate(o.repo, o.fanout, o.payloadBytes);
  const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
  const client = new pg.Client({ connectionString: url });
  const pkiDir = mkdtempSync(join(tmpdir(), 'wasla-preload-pki-'));
  await client.connect();
  try {
    const pki = historicalPki(
      join(pkiDir, 'pki'),
      template.deliveries.map((d) => d.recipient),
    );
    await recordCertificates(database.db, await new FileCertificateStore(join(pkiDir, 'pki')).list());
    // the deadline the hub's first claim sets (attempt timeout at its default, 10 s)
    const g = (await client.query(`select extract(epoch from wasla_gives_up_at($1::jsonb, 10000) - now())::float8 * 1000 as ms`, [template.deliveries[0].retry])).rows[0];
    const config = chunkConfig({
      template,
      credential: pki.credential,
      recipientSerials: pki.recipientSerials,
      alg: 'ecdsa-p256-sha256',
      total: o.messages,
      endMs: Date.now() - END_BEFORE_LOAD_MS,
      paceMs: o.paceMs,
      givesUpAfterMs: Number(g.ms),
    });
    // the load is rebuilt from scratch if interrupted: no need to wait for each commit's flush
    await client.query('set synchronous_commit = off');
    for (const f of SESSION_FUNCTIONS) await client.query(f);

    let rows = 0;
    let sealS = 0;
    let sealed = 0;
    for (let lo = 1; lo <= o.messages; lo += CHUNK) {
      const hi = Math.min(o.messages + 1, lo + CHUNK);
      await client.query('begin');
      try {
        for (const s of CHUNK_STATEMENTS) {
          const used = Math.max(0, ...[...s.matchAll(/\$(\d)/g)].map((m) => Number(m[1])));
          const r = await client.query(s, [config, lo, hi].slice(0, used));
          if (r.command === 'INSERT') rows += r.rowCount ?? 0;
        }
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      }
      // the hub's sealer, a seal at a time (SEAL_SIZE), until everything committed is in the chain
      const s0 = performance.now();
      for (let i = 0; i < 1_000_000; i++) {
        const n = await sealAudit(database.db, SEAL_SIZE, { waitForLock: true });
        sealed += n;
        if (n === 0) break;
      }
      sealS += (performance.now() - s0) / 1000;
      const s = (performance.now() - t0) / 1000;
      o.log(`preload: ${hi - 1}/${o.messages} messages, ${rows} rows and ${sealed} entries sealed in ${s.toFixed(0)} s: ${(rows / s).toFixed(0)} rows/s`);
    }
    const loadS = (performance.now() - t0) / 1000;
    const v0 = performance.now();
    // as autovacuum would have left a live hub's tables: visibility map set, statistics current
    for (const t of ['messages', 'deliveries', 'attempts', 'idempotency_keys', 'audit_log', 'audit_seals', 'certificates']) await client.query(`vacuum (analyze) ${t}`);
    const vacuumS = (performance.now() - v0) / 1000;
    const c = await counts(client);
    const bytes = Number((await client.query('select pg_database_size(current_database()) as b')).rows[0].b);
    o.log(`preload: done in ${loadS.toFixed(0)} s (sealing ${sealS.toFixed(0)} s) + vacuum ${vacuumS.toFixed(0)} s; ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    return { ...c, loadS, sealS, vacuumS, rowsPerS: rows / loadS, databaseBytes: bytes };
  } finally {
    rmSync(pkiDir, { recursive: true, force: true });
    await client.end().catch(() => {});
    await database.close().catch(() => {});
  }
}

/** the files whose change makes a kept history stale: the hub's migrations (of `repo`, the hub under test) and this generator */
export function preloadFingerprint(repo: string, fanout: number, payloadBytes: number): string {
  const h = createHash('sha256').update(`fan-out ${fanout}, body ${payloadBytes} bytes\n`);
  const migrations = join(repo, 'src', 'store', 'migrations');
  for (const f of readdirSync(migrations)
    .filter((f) => f.endsWith('.sql'))
    .sort())
    h.update(f).update(readFileSync(join(migrations, f)));
  const bench = fileURLToPath(new URL('.', import.meta.url));
  for (const f of ['preload.ts', 'preload-mix.ts', 'preload-sql.ts', 'preload-template.ts']) h.update(f).update(readFileSync(join(bench, f)));
  return h.digest('hex').slice(0, 12);
}

export function keptDatabaseName(messages: number, fanout: number, fingerprint: string): string {
  return `wasla_bench_pre_${messages}_f${fanout}_${fingerprint}`;
}

const MARK = 'wasla bench preload, complete: ';

/** the figures of a kept, completely loaded database, or undefined */
async function keptFigures(name: string): Promise<PreloadFigures | undefined> {
  const r = await admin((c) => c.query(`select shobj_description(oid, 'pg_database') as d from pg_database where datname = $1`, [name]));
  const d: string | null | undefined = r.rows[0]?.d;
  return d?.startsWith(MARK) ? (JSON.parse(d.slice(MARK.length)) as PreloadFigures) : undefined;
}

export interface PreloadResult extends PreloadFigures {
  /** the kept database the run's was copied from (--keep-preload) */
  keptAs?: string;
  /** true when the kept database was already there: nothing was loaded */
  reused: boolean;
  /** copying the kept database into the run's, seconds */
  copyS?: number;
}

/**
 * Gives the run's database `run` (not yet created with --keep-preload, already created without)
 * its history: loaded into it, or copied from the kept database, loading that first if needed.
 */
export async function preparePreload(run: string, keep: boolean, o: PreloadOptions): Promise<PreloadResult> {
  if (!keep) return { ...(await loadHistory(databaseUrl(run), o)), reused: false };
  const name = keptDatabaseName(o.messages, o.fanout, preloadFingerprint(o.repo, o.fanout, o.payloadBytes));
  // one bench at a time loads or copies a kept history: another run waits, then copies it
  const lock = new pg.Client({ connectionString: PG_ADMIN_URL });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [name]);
    let figures = await keptFigures(name);
    const reused = figures !== undefined;
    if (!figures) {
      o.log(`preload: loading ${o.messages} messages into ${name}, kept for later runs`);
      await admin(async (c) => {
        await c.query(`drop database if exists "${name}" with (force)`);
        await c.query(`create database "${name}"`);
      });
      figures = await loadHistory(databaseUrl(name), o);
      const mark = (MARK + JSON.stringify(figures)).replace(/'/g, "''");
      await admin((c) => c.query(`comment on database "${name}" is '${mark}'`));
    } else {
      o.log(`preload: ${name} is kept and complete (${figures.messages} messages); copying it`);
    }
    const c0 = performance.now();
    // a file copy: no WAL for the whole database, one checkpoint
    await admin((c) => c.query(`create database "${run}" template "${name}" strategy file_copy`));
    return { ...figures, keptAs: name, reused, copyS: (performance.now() - c0) / 1000 };
  } finally {
    await lock.end().catch(() => {}); // ends the session, and with it the lock
  }
}

/**
 * A PostgreSQL cluster and a Redis server of our own, started in a temporary directory on free
 * ports, for what the shared servers of tests/helpers/services.ts must never be used for:
 * restarting or flushing them (the chaos run), or moving the server-wide transaction counter to a
 * chosen number (the audit tests across a power of ten). Nothing here touches any other server,
 * and `remove()` stops the server and deletes its directory.
 *
 * PostgreSQL's programs come from `WASLA_PG_BIN`, else `pg_config --bindir`, else the newest
 * /usr/lib/postgresql/<version>/bin. initdb and the server refuse to run as root, so under root
 * they run as the `postgres` user (spawn's uid and gid), in a directory that user owns.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pgBinDir(): string {
  if (process.env.WASLA_PG_BIN) return process.env.WASLA_PG_BIN;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    /* no pg_config on the PATH */
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (!newest) throw new Error('no initdb found: set WASLA_PG_BIN to the directory holding initdb and pg_ctl');
  return join(root, newest, 'bin');
}

/** under root, the uid and gid to run PostgreSQL's programs as */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no postgres user to run initdb and the server as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** pg_xact holds the commit status of 1,048,576 transactions per 256 KiB segment */
const XACTS_PER_CLOG_SEGMENT = 32 * 8192 * 4;

export interface PrivatePostgres {
  port: number;
  dir: string;
  /** a connection URL for `database` (default postgres) */
  url(database?: string): string;
  /** create a database and return its URL */
  createDatabase(name: string): Promise<string>;
  /** fast shutdown and start again, as an operator's restart does */
  restart(): Promise<void>;
  /**
   * Stop the cluster, set the next transaction id to `next` (pg_resetwal -x; only forward), and
   * start it again. Connections must be closed first.
   */
  setNextXid(next: bigint): Promise<void>;
  /** answers a query now */
  ready(): Promise<boolean>;
  /** start it if it does not answer (after a failed restart) */
  ensureRunning(): Promise<void>;
  /** stop at once and delete everything */
  remove(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** place the transaction counter here before the first start (pg_resetwal -x) */
  nextXid?: bigint;
  /** where the temporary directory goes (default the OS's) */
  parent?: string;
}

export async function startPrivatePostgres(opts: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = pgBinDir();
  const user = serverUser();
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), 'wasla-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'run');
  mkdirSync(sockets);
  if (user) for (const p of [dir, sockets]) chownSync(p, user.uid, user.gid);
  const port = await freePort();
  const as = { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  const tool = (name: string, args: string[], timeout = 60_000) => execFileSync(join(bin, name), args, { ...as, timeout, stdio: ['ignore', 'pipe', 'pipe'] });

  tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], 120_000);
  // a throwaway cluster: durability costs time and buys nothing here
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${sockets}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 200',
      'shared_buffers = 64MB',
      'max_prepared_transactions = 10',
    ].join('\n') + '\n',
  );
  if (user) chownSync(join(data, 'postgresql.auto.conf'), user.uid, user.gid);

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const ready = async () => {
    const c = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 2_000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  };
  const start = async () => {
    try {
      tool('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    } catch (err) {
      throw new Error(`${(err as Error).message.split('\n')[0]}${logTail(dir)}`);
    }
    // bounded: pg_ctl -w has already waited; this only covers the first connection
    for (let i = 0; i < 100 && !(await ready()); i++) await sleep(100);
  };
  const stop = (mode: 'fast' | 'immediate') => tool('pg_ctl', ['-D', data, '-w', '-t', '60', '-m', mode, 'stop']);
  const setNextXid = async (next: bigint) => {
    stop('fast');
    // The server reads the commit status page that holds the next id at start: its segment must
    // exist and reach that page. Zeros are "in progress", the status of an id not yet used.
    const segment = join(data, 'pg_xact', (next / BigInt(XACTS_PER_CLOG_SEGMENT)).toString(16).toUpperCase().padStart(4, '0'));
    const size = XACTS_PER_CLOG_SEGMENT / 4;
    const have = existsSync(segment) ? statSync(segment).size : 0;
    if (have < size) {
      appendFileSync(segment, Buffer.alloc(size - have));
      if (user) chownSync(segment, user.uid, user.gid);
    }
    tool('pg_resetwal', ['-x', String(next), '-D', data]);
    await start();
  };

  try {
    if (opts.nextXid !== undefined) {
      await start();
      await setNextXid(opts.nextXid);
    } else {
      await start();
    }
  } catch (err) {
    try {
      stop('immediate');
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a private PostgreSQL in ${dir}: ${(err as Error).message}${logTail(dir)}`);
  }

  let removed = false;
  return {
    port,
    dir,
    url,
    ready,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`create database ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    async restart() {
      stop('fast');
      await start();
    },
    setNextXid,
    async ensureRunning() {
      if (await ready()) return;
      try {
        stop('immediate');
      } catch {
        /* not running */
      }
      await start();
    },
    async remove() {
      if (removed) return;
      removed = true;
      try {
        stop('immediate');
      } catch {
        /* already down */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function logTail(dir: string): string {
  try {
    return `\n${readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-10).join('\n')}`;
  } catch {
    return '';
  }
}

/** whether a Redis answers PING at `url` now (one try, no reconnecting) */
export async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  const up = await r
    .connect()
    .then(() => r.ping())
    .then(
      () => true,
      () => false,
    );
  r.disconnect();
  return up;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** running now (it is a child of this process) */
  running(): boolean;
  /** start it again after a crash; a no-op while it runs */
  ensureRunning(): Promise<void>;
  remove(): Promise<void>;
}

/** a redis-server child on a free port, with nothing saved to disk, and BullMQ's eviction policy */
export async function startPrivateRedis(opts: { parent?: string } = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), 'wasla-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const running = () => !!child && child.exitCode === null && child.signalCode === null;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    child.on('error', () => {});
    // bounded: 100 tries, 100 ms apart
    for (let i = 0; i < 100; i++) {
      if (!running()) throw new Error(`redis-server exited at start (see ${join(dir, 'redis.log')})`);
      if (await redisAnswers(url)) return;
      await sleep(100);
    }
    throw new Error(`redis-server on port ${port} did not answer`);
  };
  try {
    await start();
  } catch (err) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url,
    running,
    async ensureRunning() {
      if (!running()) await start();
    },
    async remove() {
      const c = child;
      if (c && running()) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGKILL');
        await Promise.race([exited, sleep(5_000)]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An exclusive lock on the embedded data directory. PGlite has no lock across processes: two
 * processes opening one directory both succeed and writes are silently lost. So the embedded mode
 * takes this lock first and refuses a second process with a clear message.
 *
 * It guarantees: at most one holder at a time, also when many processes start at once; a holder
 * that dies in any way (kill -9, power loss) leaves nothing that stops the next start, also when
 * the next process has the dead one's PID (a container's PID 1, or a reused PID).
 *
 * How (issue 20.2). Trusting the PID written in a lock file failed both ways: in a container a
 * restarted hub is PID 1 again, found "process 1" alive (itself) and refused for ever; and the
 * file was empty between its creation and the write, so simultaneous starts read PID 0, judged it
 * stale and both went on.
 *
 * - `flock` (the method used wherever the flock(1) program exists: util-linux, or busybox): an
 *   advisory lock on `wasla.lock` that the kernel releases when the last descriptor of the open
 *   file goes, that is when the hub closes it or dies. Node has no flock() of its own and a native
 *   addon would need a build, so the file is opened here and flock(1) is run on that descriptor,
 *   passed to it as fd 3: the lock belongs to the open file, which this process keeps, so it stays
 *   held after flock(1) exits. libuv opens files close-on-exec, so no later child of the hub
 *   inherits it. No PID is judged: the kernel knows who holds it, across PID namespaces too (two
 *   containers sharing the directory on one host exclude each other). The file is never removed
 *   (removing a locked file lets a third process lock a new file of the same name); it holds the
 *   holder's PID, for the message only.
 * - `pidfile` (where there is no flock(1)): PostgreSQL's postmaster.pid done right. A claim is a
 *   file `wasla.pid.<n>` holding {pid, process start time, boot id, PID namespace}, written in
 *   full to a temporary name and then hard-linked into place, which fails if the name exists: the
 *   file is never seen empty, and of two processes claiming number n, one wins. The holder is the
 *   claim with the highest n. A claim is stale when its process is gone: another boot, another PID
 *   namespace (a container recreated), our own PID or our parent's (PID 1 after a restart), no
 *   such process, or one whose start time (/proc/<pid>/stat) differs (the PID was reused). A stale
 *   top claim n is taken over by claiming n + 1, never by deleting it, so two processes that both
 *   judged it stale cannot both win. After claiming, a process looks again and yields to any
 *   higher claim (it may have missed one in a directory listing that ran while claims changed).
 *   Caveat: processes in different PID namespaces cannot see each other, so two containers sharing
 *   one data directory at once are not detected here (the flock method does detect them).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    public readonly dir: string,
    public readonly pid: number | undefined,
  ) {
    super(`the data directory ${dir} is in use by ${pid ? `process ${pid}` : 'another process'}; stop it first, or set WASLA_DATA_DIR to another directory`);
  }
}

export type LockMethod = 'flock' | 'pidfile';

export interface LockOptions {
  /** default: flock where flock(1) runs, else pidfile */
  method?: LockMethod;
}

/** Takes the lock or throws DataDirLockedError; returns the release function. */
export function lockDataDir(dir: string, opts: LockOptions = {}): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (opts.method !== 'pidfile') {
    const release = flockDataDir(dir);
    if (release) return release;
    if (opts.method === 'flock') throw new Error('the flock program (util-linux or busybox) is not on the PATH');
  }
  return pidfileLock(dir);
}

// ---- flock ----

const LOCK_FILE = 'wasla.lock';

/** the release function, or undefined when flock(1) is not there */
function flockDataDir(dir: string): (() => void) | undefined {
  const file = join(dir, LOCK_FILE);
  const fd = openSync(file, 'a+', 0o600);
  let r: ReturnType<typeof spawnSync>;
  try {
    r = spawnSync('flock', ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], timeout: 10_000 });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    closeSync(fd);
    return undefined;
  }
  if (r.status !== 0) {
    closeSync(fd);
    const stderr = r.stderr?.toString().trim();
    // status 1 with nothing said: the lock is held (-n); anything else is a failure of its own
    if (r.status === 1 && !stderr) throw new DataDirLockedError(dir, readPid(file));
    throw new Error(`could not lock the data directory ${dir}: flock ${r.error ? r.error.message : `exited ${r.status}`}${stderr ? `: ${stderr}` : ''}`);
  }
  // held: say who holds it, for the message a second opener prints
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    closeSync(fd);
  };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// ---- pidfile ----

interface Claim {
  pid: number;
  /** the process's start time, in clock ticks after boot (/proc/<pid>/stat field 22), when known */
  start?: string;
  boot?: string;
  pidns?: string;
}

const CLAIM = /^wasla\.pid\.(\d+)$/;
/** bounded: each round either ends or follows a claim made meanwhile by another process */
const MAX_ROUNDS = 20;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses */
function startTime(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function ownClaim(): Claim {
  return { pid: process.pid, start: startTime(process.pid), boot: read('/proc/sys/kernel/random/boot_id'), pidns: pidNamespace() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** the claims this process holds: its own PID on a claim means stale only when it is not one of these */
const heldHere = new Set<string>();

function stale(path: string, c: Claim, me: Claim): boolean {
  if (c.boot && me.boot && c.boot !== me.boot) return true;
  // a PID from another namespace names no process here: its container is gone (see the header)
  if (c.pidns && me.pidns && c.pidns !== me.pidns) return true;
  if (c.pid === me.pid) return !heldHere.has(path);
  if (c.pid === process.ppid) return true;
  if (!alive(c.pid)) return true;
  if (c.start && me.start) return startTime(c.pid) !== c.start;
  return false;
}

function claims(dir: string): number[] {
  return readdirSync(dir)
    .flatMap((n) => {
      const m = CLAIM.exec(n);
      return m ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
}

function readClaim(dir: string, n: number): Claim | undefined {
  const text = read(join(dir, `wasla.pid.${n}`));
  try {
    const c = text === undefined ? undefined : (JSON.parse(text) as Claim);
    return c && Number.isInteger(c.pid) ? c : undefined;
  } catch {
    return undefined;
  }
}

function pidfileLock(dir: string): () => void {
  const me = ownClaim();
  const temp = join(dir, `wasla.pid.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  writeFileSync(temp, JSON.stringify(me), { mode: 0o600, flush: true });
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const before = claims(dir);
      const top = before.at(-1);
      if (top !== undefined) {
        const c = readClaim(dir, top);
        // a claim is whole from the moment it exists; one we cannot read was removed meanwhile
        if (!c) continue;
        if (!stale(join(dir, `wasla.pid.${top}`), c, me)) throw new DataDirLockedError(dir, c.pid);
      }
      const n = (top ?? 0) + 1;
      const mine = join(dir, `wasla.pid.${n}`);
      try {
        linkSync(temp, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process claimed n first
        throw err;
      }
      if (claims(dir).some((m) => m > n)) {
        // a higher claim that the first listing missed: it decides, next round
        rmSync(mine, { force: true });
        continue;
      }
      // superseded claims are stale by construction: tidy them
      for (const m of before) if (m < n) rmSync(join(dir, `wasla.pid.${m}`), { force: true });
      heldHere.add(mine);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(mine);
        rmSync(mine, { force: true });
      };
    }
    throw new Error(`could not lock the data directory ${dir}: other processes kept claiming it`);
  } finally {
    rmSync(temp, { force: true });
  }
}

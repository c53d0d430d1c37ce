/**
 * The embedded data-directory lock (issue 20.2), between real processes, for both methods: a
 * holder killed with SIGKILL leaves nothing that stops the next start; a hub that is PID 1 in its
 * own PID namespace (a container) starts again after being killed, as PID 1 again; many processes
 * starting at once, round after round, leave exactly one holder.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, type LockMethod } from '../../src/store/data-dir-lock.js';

const CONTENDER = fileURLToPath(new URL('../helpers/lock-contender.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'wasla-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** start `hold` (under `prefix`, e.g. unshare) and resolve with its first line and the child */
function hold(dir: string, method: LockMethod, prefix: string[] = []): Promise<{ line: string; child: ChildProcess }> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', CONTENDER, 'hold', dir, method];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t = setTimeout(() => reject(new Error(`no answer from ${argv.join(' ')}: ${err}`)), 20_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) {
        clearTimeout(t);
        resolve({ line: out.split('\n')[0], child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      if (!out.includes('\n')) reject(new Error(`${argv.join(' ')} exited ${code} without an answer: ${err}`));
    });
  });
}

function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  return exited;
}

for (const method of ['flock', 'pidfile'] as const) {
  describe(`data-directory lock: ${method}`, () => {
    it('refuses a second process while the holder lives, naming it, and is free again once it is killed with SIGKILL', async () => {
      const dir = tempDir();
      const first = await hold(dir, method);
      expect(first.line).toMatch(/^locked \d+$/);
      const pid = Number(first.line.split(' ')[1]);
      try {
        const second = await hold(dir, method);
        expect(second.line).toBe(`refused the data directory ${dir} is in use by process ${pid}; stop it first, or set WASLA_DATA_DIR to another directory`);
        // in this process too
        expect(() => lockDataDir(dir, { method })).toThrow(DataDirLockedError);
      } finally {
        await killHard(first.child);
      }
      const third = await hold(dir, method);
      expect(third.line).toMatch(/^locked \d+$/);
      await killHard(third.child);
    });

    it('a hub that is PID 1 in its PID namespace, killed, starts again as PID 1', async () => {
      // unshare needs root (or user namespaces); a failure here is reported with its error
      const dir = tempDir();
      // --kill-child: SIGKILL to unshare reaches the namespace's PID 1 (the kernel's parent-death signal)
      const ns = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL'];
      for (let i = 0; i < 2; i++) {
        const h = await hold(dir, method, ns);
        expect(h.line, `start ${i + 1} inside a new PID namespace`).toBe('locked 1');
        await killHard(h.child);
      }
    });

    it('in one process: refused while held, free after release, and a claim naming this process that it does not hold is stale', () => {
      const dir = tempDir();
      const release = lockDataDir(dir, { method });
      expect(() => lockDataDir(dir, { method })).toThrow(DataDirLockedError);
      release();
      release();
      lockDataDir(dir, { method })();
    });

    it('of many processes starting at once, exactly one takes the lock, round after round, also over a stale lock', async () => {
      const N = 5;
      const ROUNDS = 30;
      const children = await Promise.all(
        Array.from(
          { length: N },
          () =>
            new Promise<ChildProcess>((resolve, reject) => {
              const c = fork(CONTENDER, ['serve', method], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
              const t = setTimeout(() => reject(new Error('contender did not start')), 20_000);
              c.once('message', () => {
                clearTimeout(t);
                resolve(c);
              });
            }),
        ),
      );
      const ask = <T>(c: ChildProcess, m: object) =>
        new Promise<T>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('contender did not answer')), 10_000);
          c.once('message', (r: T) => {
            clearTimeout(t);
            resolve(r);
          });
          c.send(m);
        });
      try {
        const winners: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const dir = tempDir();
          // every other round starts over a lock left by a process that is gone
          if (round % 2 === 1) {
            writeFileSync(join(dir, method === 'flock' ? 'wasla.lock' : 'wasla.pid.1'), method === 'flock' ? '999999\n' : JSON.stringify({ pid: 999_999, start: '1' }));
          }
          const at = Date.now() + 60;
          const results = await Promise.all(children.map((c) => ask<{ won: boolean; error?: string }>(c, { kind: 'take', dir, at })));
          expect(
            results.filter((r) => r.error),
            `round ${round}: errors`,
          ).toEqual([]);
          winners.push(results.filter((r) => r.won).length);
          await Promise.all(children.map((c) => ask(c, { kind: 'release' })));
          if (method === 'pidfile')
            expect(
              readdirSync(dir).filter((n) => n.startsWith('wasla.pid')),
              `round ${round}: claims left after release`,
            ).toEqual([]);
        }
        expect(winners).toEqual(Array(ROUNDS).fill(1));
      } finally {
        for (const c of children) await killHard(c);
      }
    }, 120_000);
  });
}

describe('data-directory lock: pidfile judges the process, not the number', () => {
  it('a claim by a live process whose start time differs (a reused PID) is stale; with the right start time it holds', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const reused = tempDir();
      writeFileSync(join(reused, 'wasla.pid.1'), JSON.stringify({ pid: sleeper.pid, start: '1' }));
      lockDataDir(reused, { method: 'pidfile' })();
      const stat = (await import('node:fs')).readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      const live = tempDir();
      writeFileSync(join(live, 'wasla.pid.1'), JSON.stringify({ pid: sleeper.pid, start }));
      expect(() => lockDataDir(live, { method: 'pidfile' })).toThrow(`in use by process ${sleeper.pid}`);
    } finally {
      await killHard(sleeper);
    }
  });
});

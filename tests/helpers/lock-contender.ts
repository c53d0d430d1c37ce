/**
 * A process that takes the embedded data-directory lock, for the lock's tests (a lock between
 * processes is tested between processes).
 *
 *   hold <dir> <method>   take the lock; print "locked <pid>", or "refused <message>" and exit 3;
 *                         then hold it until killed
 *   serve <method>        over IPC: {take, dir, at} waits until the clock reads `at` (so that
 *                         every contender tries at the same moment), tries, and answers
 *                         {won, error?}; {release} lets go of what it holds
 */
import { lockDataDir, DataDirLockedError, type LockMethod } from '../../src/store/data-dir-lock.js';

const [mode, a, b] = process.argv.slice(2);

if (mode === 'hold') {
  try {
    lockDataDir(a, { method: b as LockMethod });
    process.stdout.write(`locked ${process.pid}\n`);
    // bounded: the test kills it long before
    setTimeout(() => process.exit(0), 120_000);
  } catch (err) {
    process.stdout.write(`refused ${(err as Error).message}\n`);
    process.exit(3);
  }
} else if (mode === 'serve') {
  let release: (() => void) | undefined;
  process.on('message', (m: { kind: 'take'; dir: string; at: number } | { kind: 'release' }) => {
    if (m.kind === 'release') {
      release?.();
      release = undefined;
      process.send!({ kind: 'released' });
      return;
    }
    // bounded busy wait: `at` is a few tens of milliseconds ahead
    while (Date.now() < m.at && m.at - Date.now() < 1000);
    try {
      release = lockDataDir(m.dir, { method: a as LockMethod });
      process.send!({ kind: 'result', won: true });
    } catch (err) {
      process.send!({ kind: 'result', won: false, error: err instanceof DataDirLockedError ? undefined : (err as Error).message });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ kind: 'ready' });
}

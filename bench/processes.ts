/**
 * Server processes under test (hub roles, ceiling api and worker): started as real
 * `node --import tsx <script>` processes with their output in a log file, ready when a line of
 * their stdout matches, and stopped with SIGTERM, then SIGKILL after a grace period. Every process
 * started here is tracked, so the bench can stop them all on any exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerProc {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  /** set when we asked it to stop; an exit before that is a crash (or someone else's kill) */
  stopping: boolean;
}

const running = new Set<ServerProc>();

/** SIGKILL whatever is still running (for exit paths; synchronous) */
export function killAll(): void {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface StartOptions {
  name: string;
  /** node flags before --import tsx (e.g. --cpu-prof) */
  nodeFlags?: string[];
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logDir: string;
  ready: RegExp;
  timeoutMs?: number;
  /** told when the process exits after it was ready and before stopServer */
  onUnexpectedExit?: (p: ServerProc, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Starts a process and resolves with it and the match of its ready line. */
export function startServer(o: StartOptions): Promise<{ proc: ServerProc; match: RegExpMatchArray }> {
  const logFile = join(o.logDir, `${o.name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), '--import', 'tsx', ...o.args], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: ServerProc = {
    name: o.name,
    pid: child.pid!,
    child,
    logFile,
    stopping: false,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)))),
  };
  running.add(proc);
  proc.exited.then(() => {
    running.delete(proc);
    if (!proc.stopping && ready) o.onUnexpectedExit?.(proc, child.exitCode, child.signalCode);
  });
  child.stderr!.pipe(log, { end: false });
  let ready = false;
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${o.name} not ready within ${o.timeoutMs ?? 30_000} ms; last lines of ${logFile}:\n${tail(logFile)}`));
    }, o.timeoutMs ?? 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      log.write(c);
      if (ready) return;
      buffered += c.toString('utf8');
      const m = o.ready.exec(buffered);
      if (m) {
        ready = true;
        buffered = '';
        clearTimeout(timer);
        resolve({ proc, match: m });
      }
    });
    proc.exited.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      // give the log stream a moment to flush before quoting it
      setTimeout(() => reject(new Error(`${o.name} exited (code ${code}) before it was ready; last lines of ${logFile}:\n${tail(logFile)}`)), 100);
    });
  });
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves with the exit code */
export async function stopServer(p: ServerProc, graceMs = 20_000): Promise<number | null> {
  p.stopping = true;
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  const code = await p.exited;
  clearTimeout(t);
  return code;
}

/**
 * Calls between the bench orchestrator and its child processes (load generator, receivers) over
 * the fork IPC channel with structured-clone serialisation, so typed arrays cross cheaply. Every
 * call has an id and a timeout; a child exits by itself when its parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}
interface Event {
  event: string;
  data: unknown;
}

export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Map<string, (data: unknown) => void>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: Reply | Event) => {
      if ('event' in m) return this.listeners.get(m.event)?.(m.data);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${name}: ${m.error}`));
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error(`${name} exited (code ${code}) during a call`));
        }
        this.pending.clear();
        resolve(code);
      }),
    );
  }

  /** `node --import tsx bench/<script>` with an IPC channel */
  static fork(script: string, name: string): Child {
    const path = fileURLToPath(new URL(script, import.meta.url));
    return new Child(name, fork(path, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  on(event: string, fn: (data: any) => void): void {
    this.listeners.set(event, fn);
  }

  call<T>(cmd: string, args: unknown = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: "${cmd}" got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.send({ id, cmd, args });
    });
  }

  /** ask it to stop, then make sure it does */
  async stop(graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.call('stop', {}, graceMs).catch(() => {});
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

/** child side: answer calls with `handlers`; returns a function that emits events to the parent */
export function serveIpc(handlers: Record<string, (args: any) => unknown>): (event: string, data: unknown) => void {
  if (!process.send) throw new Error('run me through bench/run.ts (no IPC channel)');
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m: { id: number; cmd: string; args: unknown }) => {
    try {
      const h = handlers[m.cmd];
      if (!h) throw new Error(`unknown command "${m.cmd}"`);
      const value = await h(m.args);
      process.send!({ id: m.id, ok: true, value });
      if (m.cmd === 'stop') setImmediate(() => process.exit(0));
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
  return (event, data) => process.send!({ event, data });
}

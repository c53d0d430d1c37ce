/**
 * The hub's processes as real children (`node --import tsx src/cli/main.ts start --role …`): start
 * one and wait until it says it is up, SIGKILL it, start it again. Output goes to a log file per
 * process (appended across restarts). An exit we did not cause is recorded as a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { say } from './log.js';

export interface Crash {
  name: string;
  pid: number;
  code: number | null;
  signal: string | null;
  at: string;
}

export class HubProcess {
  private child?: ChildProcess;
  private readonly out: WriteStream;
  /** pids we killed on purpose */
  private readonly killed = new Set<number>();
  starts = 0;

  constructor(
    readonly name: string,
    private readonly role: 'api' | 'worker',
    private readonly repo: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
    private readonly crashes: Crash[],
  ) {
    this.out = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** start and resolve once the process printed its start line (migrations done, listening) */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) return;
    this.starts += 1;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--role', this.role], {
      cwd: this.repo,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const pid = child.pid!;
    this.out.write(`--- chaos: ${this.name} start #${this.starts} pid ${pid} at ${new Date().toISOString()}\n`);
    child.stderr!.on('data', (c: Buffer) => this.out.write(c));
    child.on('exit', (code, signal) => {
      this.out.write(`--- chaos: ${this.name} pid ${pid} exited code=${code} signal=${signal} at ${new Date().toISOString()}\n`);
      if (!this.killed.has(pid)) {
        this.crashes.push({ name: this.name, pid, code, signal, at: new Date().toISOString() });
        // exit 0 is the hub's graceful shutdown: something outside the run sent SIGTERM or SIGINT
        say(`${code === 0 ? 'STOPPED FROM OUTSIDE' : 'CRASH'}: ${this.name} pid ${pid} exited (code ${code}, signal ${signal}); see ${this.logFile}`);
      }
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const t = setTimeout(() => fail(new Error(`${this.name} did not start within ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(t);
        child.stdout!.off('data', onData);
        reject(err);
      };
      const onData = (c: Buffer) => {
        if (seen.length < 4096) seen += c.toString();
        if (/^wasla server mode, role /m.test(seen)) {
          clearTimeout(t);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = () => fail(new Error(`${this.name} exited while starting; see ${this.logFile}`));
      child.stdout!.on('data', onData);
      child.stdout!.on('data', (c: Buffer) => this.out.write(c));
      child.once('exit', onExit);
    });
  }

  /** SIGKILL and wait for the exit */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.killed.add(child.pid!);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  }

  close(): void {
    this.out.end();
  }
}

export interface HubEnv {
  databaseUrl: string;
  redisUrl: string;
  queueName: string;
  contractsDir: string;
  /** the federation CA, hub key and registered certificates */
  pkiDir: string;
  endpoints: Record<string, string>;
  attemptTimeoutMs: number;
  leaseMs: number;
}

export function hubEnv(h: HubEnv, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // nothing of the caller's wasla configuration leaks into the run
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WASLA_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  Object.assign(env, {
    DATABASE_URL: h.databaseUrl,
    REDIS_URL: h.redisUrl,
    WASLA_QUEUE_NAME: h.queueName,
    WASLA_CONTRACTS_DIR: h.contractsDir,
    WASLA_PKI_DIR: h.pkiDir,
    WASLA_LOG_LEVEL: 'warn',
    WASLA_SWEEP_INTERVAL_MS: '1000',
    WASLA_WORKER_PORT: '0',
    WASLA_LEASE_MS: String(h.leaseMs),
    WASLA_ATTEMPT_TIMEOUT_MS: String(h.attemptTimeoutMs),
    WASLA_SHUTDOWN_GRACE_MS: '2000',
    // With 25 % of attempts failing, five failures in a row happen every few hundred attempts;
    // the default 30 s pause (doubling to 5 min) would dominate the drain time.
    WASLA_BREAKER_OPEN_MS: '1000',
    ...(port !== undefined ? { WASLA_PORT: String(port) } : {}),
  });
  for (const [id, url] of Object.entries(h.endpoints)) env['WASLA_ENDPOINT_' + id.replace(/[.-]/g, '_').toUpperCase()] = url;
  return env;
}

export function logPath(dir: string, name: string): string {
  return join(dir, `${name}.log`);
}

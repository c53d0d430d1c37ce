/**
 * The fault schedule and its runner: SIGKILL api and worker processes and start them again, flush
 * Redis, restart PostgreSQL — one fault at a time, a fixed gap apart, each logged with its time.
 * The schedule is a fixed list (the default one, or one built from the counts given on the
 * command line), so a run is bounded and two runs with the same options inject the same faults.
 */
import type { HubProcess } from './processes.js';
import { flushRedis, type FlushMode, type Services } from './services.js';
import { say } from './log.js';

export type Fault = { kind: 'kill'; targets: string[] } | { kind: 'flush-redis' } | { kind: 'restart-pg' };

export interface FaultOptions {
  services: Services;
  flush: FlushMode;
  queueName: string;
  gapMs: number;
  /** how long a killed process stays down */
  downMs: number;
}

export interface FaultLogEntry {
  at: string;
  fault: string;
  ms: number;
  error?: string;
}

export interface ScheduleOptions {
  quick: boolean;
  pgRestart: boolean;
  /** counts that replace the default list: SIGKILLs, Redis flushes, PostgreSQL restarts */
  kills?: number;
  flushes?: number;
  pgRestarts?: number;
}

/** the kills a built schedule cycles through: each process alone, then pairs */
const KILL_TARGETS = [['api-1'], ['worker-1'], ['api-2'], ['worker-2'], ['api-1', 'worker-1'], ['api-2', 'worker-2'], ['api-1', 'api-2'], ['worker-1', 'worker-2']];

export function schedule(o: ScheduleOptions): Fault[] {
  const k = (...targets: string[]): Fault => ({ kind: 'kill', targets });
  const flush: Fault = { kind: 'flush-redis' };
  const pg: Fault = { kind: 'restart-pg' };
  if (o.kills !== undefined || o.flushes !== undefined || o.pgRestarts !== undefined) {
    const defaults = countKinds(schedule({ quick: o.quick, pgRestart: o.pgRestart }));
    return build(o.kills ?? defaults.kills, o.flushes ?? defaults.flushes, o.pgRestart ? (o.pgRestarts ?? defaults.pgRestarts) : 0);
  }
  const list: Fault[] = o.quick
    ? [k('api-1'), pg, k('worker-1'), flush, k('api-2'), k('worker-2'), k('api-1', 'worker-1'), flush, k('api-2', 'worker-2')]
    : [
        k('api-1'),
        k('worker-1'),
        flush,
        k('api-2'),
        k('worker-2'),
        pg,
        k('api-1'),
        k('worker-2'),
        flush,
        k('api-2'),
        k('worker-1'),
        pg,
        k('api-1', 'worker-1'),
        flush,
        k('api-2', 'worker-2'),
        k('worker-1'),
        pg,
        k('api-1', 'api-2'),
      ];
  return o.pgRestart ? list : list.filter((f) => f.kind !== 'restart-pg');
}

function countKinds(list: Fault[]): { kills: number; flushes: number; pgRestarts: number } {
  return {
    kills: list.filter((f) => f.kind === 'kill').length,
    flushes: list.filter((f) => f.kind === 'flush-redis').length,
    pgRestarts: list.filter((f) => f.kind === 'restart-pg').length,
  };
}

/** `kills` SIGKILLs cycling through KILL_TARGETS, with the flushes and restarts spread evenly among them */
function build(kills: number, flushes: number, pgRestarts: number): Fault[] {
  const want = { kill: kills, 'flush-redis': flushes, 'restart-pg': pgRestarts };
  const placed = { kill: 0, 'flush-redis': 0, 'restart-pg': 0 };
  const total = kills + flushes + pgRestarts;
  const list: Fault[] = [];
  for (let i = 1; i <= total; i++) {
    // the kind furthest behind its even share of the first i slots goes next
    const kind = (Object.keys(want) as Array<keyof typeof want>).filter((k) => placed[k] < want[k]).sort((x, y) => (want[y] * i) / total - placed[y] - ((want[x] * i) / total - placed[x]))[0];
    list.push(kind === 'kill' ? { kind, targets: KILL_TARGETS[placed.kill % KILL_TARGETS.length] } : { kind });
    placed[kind] += 1;
  }
  return list;
}

function describe(f: Fault, procs: Map<string, HubProcess>): string {
  if (f.kind === 'kill') return `SIGKILL ${f.targets.map((t) => `${t} (pid ${procs.get(t)?.pid ?? '-'})`).join(', ')}`;
  return f.kind === 'flush-redis' ? 'flush Redis' : 'restart PostgreSQL';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** start every process that is not running (after a crash or a kill) */
export async function ensureRunning(procs: Map<string, HubProcess>): Promise<void> {
  for (const p of procs.values()) if (!p.running) await p.start();
}

/** Run the schedule until it ends, `stop()` returns true, or the deadline passes. */
export async function runFaults(faults: Fault[], procs: Map<string, HubProcess>, o: FaultOptions, stop: () => boolean, deadline: number): Promise<FaultLogEntry[]> {
  const log: FaultLogEntry[] = [];
  for (const f of faults) {
    if (stop() || Date.now() + o.gapMs > deadline) break;
    await sleep(o.gapMs);
    const what = describe(f, procs);
    const at = new Date().toISOString();
    const t = Date.now();
    say(`fault: ${what}`);
    let error: string | undefined;
    try {
      if (f.kind === 'kill') {
        const targets = f.targets.map((n) => procs.get(n)!);
        await Promise.all(targets.map((p) => p.kill()));
        await sleep(o.downMs);
        for (const p of targets) await p.start();
      } else if (f.kind === 'flush-redis') {
        const n = await flushRedis(o.services.redisUrl, o.queueName, o.flush);
        say(`  flushed ${n < 0 ? 'everything (FLUSHALL)' : `${n} queue keys (${o.flush})`}`);
      } else {
        await o.services.restartPg();
      }
      await ensureRunning(procs);
    } catch (err) {
      error = (err as Error).message;
      say(`  fault failed: ${error}`);
    }
    log.push({ at, fault: what, ms: Date.now() - t, ...(error ? { error } : {}) });
    say(`  done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return log;
}

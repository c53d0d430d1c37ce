/**
 * `wasla contracts reload`: every running hub process loads the contract set again. Embedded: the
 * process holding the data directory gets SIGHUP. Server mode: a message on a Redis channel that
 * every api and worker process listens to. A set with faults is refused by each process, which
 * keeps the one in force; each reload is on the audit log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { DEFAULT_QUEUE_NAME, loadConfig } from '../../config.js';
import { loadContracts } from '../../routing/index.js';
import { reloadChannel } from '../../compose/reload.js';

export async function requestReload(opts: { redisUrl?: string; dataDir: string; prefix?: string; queueName?: string; actor: string }): Promise<string> {
  if (opts.redisUrl) {
    const r = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      // only this hub's processes: those on its queue (see reloadChannel)
      const n = await r.publish(reloadChannel({ prefix: opts.prefix, queueName: opts.queueName ?? DEFAULT_QUEUE_NAME, redisUrl: opts.redisUrl }), opts.actor);
      return `reload requested from ${n} hub process(es)`;
    } finally {
      r.disconnect();
    }
  }
  let pid: number;
  try {
    pid = Number(readFileSync(join(opts.dataDir, 'wasla.lock'), 'utf8').trim());
  } catch {
    throw new Error(`no embedded hub is running on ${opts.dataDir}`);
  }
  process.kill(pid, 'SIGHUP');
  return `reload requested from the embedded hub (pid ${pid})`;
}

export function register(program: Command): void {
  const contracts = program.commands.find((c) => c.name() === 'contracts') ?? program.command('contracts');
  contracts
    .command('reload')
    .description('make every running hub process load the contract set again (checked first; a faulty set is refused)')
    .action(async () => {
      const cfg = loadConfig();
      // refuse here too, so the operator sees the faults at once
      loadContracts(cfg.contractsDir);
      const actor = `operator:${process.env.USER ?? 'cli'}`;
      process.stdout.write(`${await requestReload({ redisUrl: cfg.redisUrl, dataDir: cfg.dataDir, queueName: cfg.queueName, actor })}\n`);
    });
}

/** `wasla start` and `wasla migrate`: running the hub and preparing its database. */
import type { Command } from 'commander';
import { loadConfig, type Role } from '../../config.js';
import { createLogger } from '../../log.js';
import { openDatabase } from '../../store/index.js';
import { startHub } from '../../hub.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the hub: embedded (PGlite, in-process) without DATABASE_URL/REDIS_URL, server mode with both')
    .option('--role <role>', 'api, worker or all (default: $WASLA_ROLE or all)')
    .option('--port <port>', 'port to listen on (default: $WASLA_PORT or 8080)')
    .action(async (o: { role?: string; port?: string }) => {
      const env = { ...process.env };
      if (o.role) env.WASLA_ROLE = o.role;
      if (o.port) env.WASLA_PORT = o.port;
      const config = loadConfig(env);
      const log = createLogger(config.logLevel);
      const hub = await startHub({ config, log, reloadOnSighup: true });
      const where = hub.url ? `listening on ${hub.url}` : hub.operationsUrl ? `no API; health and metrics on ${hub.operationsUrl}` : 'no HTTP listener (worker role)';
      const store = config.mode === 'embedded' ? `PGlite in ${config.dataDir}` : 'PostgreSQL + BullMQ on Redis';
      log.info({ url: hub.url, mode: config.mode, role: config.role as Role }, 'wasla started');
      process.stdout.write(`wasla ${config.mode} mode, role ${config.role}: ${where} (${store}); contracts from ${config.contractsDir}\n`);

      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down: no new requests, finishing in-flight attempts');
        hub.stop().then(
          () => process.exit(0),
          (err) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  program
    .command('migrate')
    .description('apply pending database migrations (the hub also applies them at start)')
    .action(async () => {
      const config = loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
      try {
        await database.migrate();
        process.stdout.write(`migrations applied (${database.kind})\n`);
      } finally {
        await database.close();
      }
    });
}

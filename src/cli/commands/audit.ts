/** `wasla audit verify`: walk the hash chain and report the first edit or gap. */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../store/index.js';
import { sealAll, verifyAudit } from '../../audit/log.js';

export function register(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every entry links to the one before and was not altered; exit 1 on any break')
    .action(async () => {
      const config = loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        // entries committed since the last sealing are sealed first, as a running hub would (after
        // its sealer, should one be at work)
        await sealAll(database.db, undefined, { waitForLock: true });
        const r = await verifyAudit(database.db);
        if (r.ok) process.stdout.write(`audit log intact: ${r.entries} entries, head ${r.headHash}${r.unsealed ? ` (${r.unsealed} not sealed yet)` : ''}\n`);
        else {
          process.stdout.write(`AUDIT LOG BROKEN at entry ${r.brokenAt}: ${r.reason} (${r.entries} entries verified before it)\n`);
          process.exitCode = 1;
        }
      } finally {
        await database.close();
      }
    });
}

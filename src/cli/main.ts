#!/usr/bin/env node
/**
 * The `wasla` command. Each command group lives in `commands/<group>.ts` and exports
 * `register(program)`, so groups can be added without touching one another.
 */
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { VERSION } from '../version.js';

const program = new Command();
program
  .name('wasla')
  .description('Wasla, the justice-sector integration hub: run it, migrate it, manage its contracts and trust')
  .version(`wasla ${VERSION} (Node ${process.versions.node})`, '-V, --version', 'print the version')
  .showHelpAfterError();
registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`wasla: ${msg}\n`);
  process.exit(1);
});

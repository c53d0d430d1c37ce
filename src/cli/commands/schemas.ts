/**
 * `wasla schemas check|lock|list`: the message catalogue from the command line. `check` is what CI
 * and operators run before a release; `lock` records newly published schemas in the lock file
 * (and refuses while the catalogue has faults); `list` shows what is published.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ContractError } from '../../errors.js';
import { LOCK_FILE, lockCatalogue, loadCatalogue, type CatalogueFault } from '../../schemas/index.js';

/** `$WASLA_CONTRACTS_DIR/messages`, the contracts dir defaulting to `./contracts`. */
export function defaultMessagesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.WASLA_CONTRACTS_DIR || './contracts', 'messages');
}

function printFaults(faults: readonly CatalogueFault[]): void {
  for (const f of faults) process.stderr.write(`${f.file}: ${f.pointer === '' ? '(root)' : f.pointer}: ${f.detail}\n`);
  process.stderr.write(`${faults.length} fault${faults.length === 1 ? '' : 's'}\n`);
  process.exitCode = 1;
}

export function register(program: Command): void {
  const schemas = program.command('schemas').description('check, lock and list the message catalogue (contracts/messages)');

  schemas
    .command('check')
    .description('check the catalogue: valid schemas, $id matches the file, examples validate, minors backward compatible, majors ship translators, published schemas unchanged')
    .argument('[dir]', 'catalogue directory (default $WASLA_CONTRACTS_DIR/messages, or ./contracts/messages)')
    .option('--lock-file <file>', `lock file (default <dir>/${LOCK_FILE})`)
    .action((dir: string | undefined, opts: { lockFile?: string }) => {
      const d = dir ?? defaultMessagesDir();
      try {
        const catalogue = loadCatalogue(d, { lockFile: opts.lockFile });
        const refs = catalogue.list();
        const types = new Set(refs.map((r) => r.type)).size;
        process.stdout.write(`catalogue ok: ${refs.length} schemas, ${types} types\n`);
      } catch (err) {
        if (!(err instanceof ContractError)) throw err;
        printFaults(err.faults as CatalogueFault[]);
      }
    });

  schemas
    .command('lock')
    .description('record schemas not yet in the lock file (published schemas are then immutable); refuses while the catalogue has faults')
    .argument('[dir]', 'catalogue directory (default $WASLA_CONTRACTS_DIR/messages, or ./contracts/messages)')
    .option('--lock-file <file>', `lock file (default <dir>/${LOCK_FILE})`)
    .action((dir: string | undefined, opts: { lockFile?: string }) => {
      const d = dir ?? defaultMessagesDir();
      const result = lockCatalogue(d, { lockFile: opts.lockFile });
      if (result.faults.length > 0) {
        printFaults(result.faults);
        process.stderr.write('nothing locked: fix the catalogue first\n');
        return;
      }
      for (const rel of result.added) process.stdout.write(`locked ${rel}\n`);
      process.stdout.write(`${result.lockFile}: ${result.added.length} schema${result.added.length === 1 ? '' : 's'} added\n`);
    });

  schemas
    .command('list')
    .description('list the published message types and versions')
    .argument('[dir]', 'catalogue directory (default $WASLA_CONTRACTS_DIR/messages, or ./contracts/messages)')
    .option('--json', 'print JSON instead of a table')
    .action((dir: string | undefined, opts: { json?: boolean }) => {
      const d = dir ?? defaultMessagesDir();
      let catalogue: ReturnType<typeof loadCatalogue>;
      try {
        catalogue = loadCatalogue(d);
      } catch (err) {
        if (!(err instanceof ContractError)) throw err;
        printFaults(err.faults as CatalogueFault[]);
        return;
      }
      const rows = catalogue.list().map((r) => ({ ...r, title: String(catalogue.get(r.type, r.version)?.title ?? '') }));
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const w = Math.max(4, ...rows.map((r) => r.type.length));
      process.stdout.write(`${'type'.padEnd(w)}  version  title\n`);
      for (const r of rows) process.stdout.write(`${r.type.padEnd(w)}  ${r.version.padEnd(7)}  ${r.title}\n`);
    });
}

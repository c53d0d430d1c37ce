/**
 * `wasla contracts check|routes`: the contract set (catalogue, institutions, agreements) from the
 * command line. `check` loads everything exactly as the hub does at start-up and prints one line per
 * fault (`<file>: <pointer>: <reason>`, exit 1); `routes` prints what the agreements allow, as a
 * routing table an operator can read against the memoranda they signed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ContractError, type Fault } from '../../errors.js';
import { formatCondition, loadContracts, routingTable, type LoadedContracts, type RouteRow } from '../../routing/index.js';

/** `$WASLA_CONTRACTS_DIR`, else `./contracts`. */
export function defaultContractsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WASLA_CONTRACTS_DIR || './contracts';
}

function printFaults(dir: string, err: ContractError): void {
  for (const f of err.faults as Array<Fault & { file?: string }>) {
    // routing names files relative to the contracts dir, the catalogue with its dir: print both as paths
    const named = f.file ?? err.file;
    const file = named === undefined ? dir : existsSync(named) ? named : path.join(dir, named);
    process.stderr.write(`${file}: ${f.pointer === '' ? '(root)' : f.pointer}: ${f.detail}\n`);
  }
  if (err.faults.length === 0) process.stderr.write(`${err.message}\n`);
  process.stderr.write(`${err.faults.length || 1} fault${err.faults.length === 1 ? '' : 's'}\n`);
  process.exitCode = 1;
}

/** Load or print the faults; undefined when the set does not hold. */
function load(dir: string): LoadedContracts | undefined {
  try {
    return loadContracts(dir);
  } catch (err) {
    if (!(err instanceof ContractError)) throw err;
    printFaults(dir, err);
    return undefined;
  }
}

export function summary(c: LoadedContracts): string {
  const types = new Set(c.catalogue.list().map((r) => r.type)).size;
  return `contracts ok: ${c.institutions.size} institutions, ${c.agreements.size} agreements, ${c.grants.length} grants, ${types} message types (${c.catalogue.list().length} schemas)`;
}

/** The routing table grouped sender pattern -> type -> recipients. */
export function formatRoutes(rows: RouteRow[]): string {
  const lines: string[] = [];
  let sender = '';
  let type = '';
  for (const r of rows) {
    const s = r.senders.join(', ');
    if (s !== sender) {
      lines.push(s);
      sender = s;
      type = '';
    }
    if (r.type !== type) {
      lines.push(`  ${r.type}`);
      type = r.type;
    }
    const reaches = r.reaches.length === 1 && r.reaches[0] === r.recipient ? '' : ` (${r.reaches.join(', ')})`;
    lines.push(`    -> ${r.recipient}${reaches}  major ${r.major}  fields ${r.fields.join(' ')}  envelope ${r.envelope.join(' ') || '(none)'}`);
    const notes: string[] = [`${r.agreement}/${r.grant}`];
    if (r.recipientFrom) notes.push(`recipient from ${r.recipientFrom}`);
    if (r.classification) notes.push(`classified ${r.classification}`);
    if (r.storeAndForward) notes.push('store and forward');
    if (r.conditions.length) notes.push(`if ${r.conditions.map(formatCondition).join(' and ')}`);
    lines.push(`       ${notes.join('; ')}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export function register(program: Command): void {
  const contracts = program.command('contracts').description('check the contract set and show the routing table the agreements define');

  contracts
    .command('check')
    .description('load the catalogue, institutions and agreements as the hub does at start-up; print every fault')
    .argument('[dir]', 'contracts directory (default $WASLA_CONTRACTS_DIR, or ./contracts)')
    .action((dir: string | undefined) => {
      const d = dir ?? defaultContractsDir();
      const c = load(d);
      if (c) process.stdout.write(summary(c) + '\n');
    });

  contracts
    .command('routes')
    .description('print the routing table: sender pattern -> message type -> recipients, with pinned major, fields and conditions')
    .argument('[dir]', 'contracts directory (default $WASLA_CONTRACTS_DIR, or ./contracts)')
    .option('--json', 'one JSON object per row instead of the grouped table')
    .action((dir: string | undefined, opts: { json?: boolean }) => {
      const d = dir ?? defaultContractsDir();
      const c = load(d);
      if (!c) return;
      const rows = routingTable(c);
      if (opts.json) for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stdout.write(formatRoutes(rows));
    });
}

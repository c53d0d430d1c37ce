/**
 * `wasla statement send`, `wasla reconciliation list|show` (issue 23): a bank's camt statement to
 * the hub, and what reconciliation made of the statements — signed like every request; the hub
 * answers each institution with its own (the bank, the account holder; operators see all).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addClientOptions, hubRequest, printAnswer, type HubClientOptions } from '../hub-client.js';

type Opts = Partial<HubClientOptions>;

export function register(program: Command): void {
  const statement = program.command('statement').description('banks: send a camt.053 statement or camt.054 notification to the hub');
  addClientOptions(statement.command('send <file>'))
    .description('send an ISO 20022 camt.053 or camt.054 document (XML file, or - for stdin) as your bank; the answer says what it settled')
    .action(async (file: string, o: Opts) => {
      const body = readFileSync(file === '-' ? 0 : file);
      printAnswer(await hubRequest(o, 'POST', '/v1/statements', body.toString('utf8'), { 'content-type': 'application/xml' }));
    });

  const rec = program.command('reconciliation').description('what the hub concluded from the banks’ statements: payouts paid, partly paid, returned, rejected; entries that matched nothing');
  addClientOptions(rec.command('list'))
    .description('list reconciliations you may see, oldest first')
    .option('--bank <id>', "only this bank's statements")
    .option('--after <statement>', "the next page: the statement the previous page's `next` named")
    .option('--limit <n>', 'reconciliations on one page (default 100)')
    .action(async (o: Opts & Record<string, string | undefined>) => {
      const q = new URLSearchParams();
      for (const k of ['bank', 'after', 'limit']) if (o[k]) q.set(k, o[k]!);
      printAnswer(await hubRequest(o, 'GET', `/v1/reconciliations?${q}`));
    });
  addClientOptions(rec.command('show <statement>'))
    .description("one statement's reconciliation: totals as declared and as computed, balances, each payout it changed, unmatched entries")
    .action(async (id: string, o: Opts) => printAnswer(await hubRequest(o, 'GET', `/v1/reconciliations/${encodeURIComponent(id)}`)));
}

/**
 * `wasla deadlines list` (issue 25): the deadlines your institution is concerned by (operators:
 * all), from the API, signed. The hub checks the filter and need to know; this prints its answer.
 */
import type { Command } from 'commander';
import { addClientOptions, type HubClientOptions, hubRequest, printAnswer } from '../hub-client.js';

type Opts = Partial<HubClientOptions> & Record<string, string | undefined>;

export function register(program: Command): void {
  const deadlines = program.command('deadlines').description('deadlines the hub watches: what must follow which message, by when (operators: sign with an institution of kind hub)');
  addClientOptions(deadlines.command('list'))
    .description('list deadlines newest first, e.g. --state missed --case 88/2026: those you are told of, and those started by a message you sent or received')
    .option('--state <state>', 'open, warned, missed, met or withdrawn')
    .option('--case <reference>', 'only deadlines started by a message with this case reference')
    .option('--before <id>', "the next page: the deadline id the previous page's `next` named")
    .option('--limit <n>', 'deadlines on one page (default 100)')
    .action(async (o: Opts) => {
      const q = new URLSearchParams();
      for (const k of ['state', 'case', 'before', 'limit']) if (o[k]) q.set(k, o[k]!);
      printAnswer(await hubRequest(o, 'GET', `/v1/deadlines?${q}`));
    });
}

/**
 * `wasla retention run` and `wasla legal-hold place|lift|list` (issue 26.7): the admin routes,
 * signed with an operator certificate (`wasla operator enroll --role admin`). What is purged, and
 * every hold placed or lifted, is on the hub's audit log with the operator as actor.
 */
import type { Command } from 'commander';
import { addClientOptions, hubRequest, printAnswer, type HubClientOptions } from '../hub-client.js';

type Opts = Partial<HubClientOptions>;

export function register(program: Command): void {
  const retention = program.command('retention').description('purge payloads past their retention period (contracts/retention.json); admins');
  addClientOptions(retention.command('run'))
    .description(
      'purge, oldest first, the payloads past their period whose deliveries are all delivered or dead and whose case no legal hold covers; the metadata, hashes, evidence of origin and audit entries stay',
    )
    .option('--dry-run', 'list what would be purged; change nothing')
    .option('--limit <n>', 'the most messages this run purges (default 1000, at most 10000); `more: true` says to run again')
    .action(async (o: Opts & { dryRun?: boolean; limit?: string }) => {
      const q = new URLSearchParams();
      if (o.dryRun) q.set('dryRun', 'true');
      if (o.limit) q.set('limit', o.limit);
      printAnswer(await hubRequest(o, 'POST', `/v1/admin/retention/run${q.size ? `?${q}` : ''}`));
    });

  const hold = program.command('legal-hold').description("legal holds: a held case's payloads are not purged; admins place and lift them");
  addClientOptions(hold.command('place'))
    .description('hold a case: retention purges none of its messages until the hold is lifted')
    .requiredOption('--issuer <institution>', 'the institution that issued the case reference, e.g. ps.hjc.court.ramallah')
    .requiredOption('--case <reference>', 'the case reference, e.g. 123/2026')
    .requiredOption('--reason <text>', 'why (a court order, litigation, an inquiry), for the record')
    .action(async (o: Opts & { issuer: string; case: string; reason: string }) => {
      printAnswer(await hubRequest(o, 'POST', '/v1/admin/legal-holds', JSON.stringify({ issuer: o.issuer, caseRef: o.case, reason: o.reason })));
    });
  addClientOptions(hold.command('lift <holdId>'))
    .description("lift a hold: the next retention run may purge the case's messages past their period")
    .requiredOption('--reason <text>', 'why, for the record')
    .action(async (id: string, o: Opts & { reason: string }) => {
      printAnswer(await hubRequest(o, 'POST', `/v1/admin/legal-holds/${encodeURIComponent(id)}/lift`, JSON.stringify({ reason: o.reason })));
    });
  addClientOptions(hold.command('list'))
    .description('the holds in force, newest first')
    .option('--all', 'lifted holds too')
    .action(async (o: Opts & { all?: boolean }) => {
      printAnswer(await hubRequest(o, 'GET', `/v1/admin/legal-holds${o.all ? '?all=true' : ''}`));
    });
}

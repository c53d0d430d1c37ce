/**
 * `wasla send`, `wasla status`, `wasla deliveries list|replay`: the API, signed, from a shell. A
 * replay the contracts in force no longer allow is refused by the hub (403 no-longer-entitled),
 * printed as the problem it answered.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { addClientOptions, hubRequest, HubUnreachableError, printAnswer, type HubClientOptions } from '../hub-client.js';

type Opts = Partial<HubClientOptions>;

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number, 0 or more');
  return Number(value);
}

export function register(program: Command): void {
  addClientOptions(program.command('send <envelopeFile>'))
    .description(
      'send a message as your institution: a CloudEvents envelope (JSON file), or an XML document of a mapping (a .xml file, or --content-type application/xml), or - for stdin; after a 503 or a failed connection it sends again, signed anew',
    )
    .option('--content-type <type>', 'the media type sent and signed, e.g. application/xml; dataschema="<schema URI>" (default: application/xml for a .xml file, else application/cloudevents+json)')
    .option('--idempotency-key <key>', 'repeat-safe: the same key and body are answered the same (default: a new random key, so that a resend stores the message once)')
    .option('--retries <n>', 'how many times to send again after a 503 or a failed connection, waiting as Retry-After says (0: never)', nonNegativeInt, 5)
    .option('--max-wait <seconds>', 'the longest wait before one resend', nonNegativeInt, 60)
    .action(async (file: string, o: Opts & { idempotencyKey?: string; retries: number; maxWait: number; contentType?: string }) => {
      const body = readFileSync(file === '-' ? 0 : file, 'utf8');
      const contentType = o.contentType ?? (/\.xml$/i.test(file) ? 'application/xml' : 'application/cloudevents+json');
      // A resend is safe only under an Idempotency-Key: a 503 for a database lost mid-commit, or a
      // connection cut after the request went out, may follow a message that was stored.
      const key = o.idempotencyKey ?? randomUUID();
      const headers: Record<string, string> = { 'content-type': contentType, 'idempotency-key': key };
      const answer = await hubRequest(o, 'POST', '/v1/messages', body, headers, {
        retries: o.retries,
        maxWaitSeconds: o.maxWait,
        onResend: ({ retry, retries, waitSeconds, reason }) => process.stderr.write(`wasla send: ${reason}; sending again in ${waitSeconds} s, signed anew (resend ${retry} of ${retries})\n`),
      }).catch((err: unknown) => {
        if (!(err instanceof HubUnreachableError)) throw err;
        throw new Error(`${err.message}\nthe hub did not answer; to send again without storing the message twice: --idempotency-key ${key}`);
      });
      printAnswer(answer);
      if (answer.status >= 500) process.stderr.write(`wasla send: to send again without storing the message twice: --idempotency-key ${key}\n`);
    });

  addClientOptions(program.command('status <messageId>'))
    .description('a message you sent: its deliveries and every attempt')
    .action(async (id: string, o: Opts) => printAnswer(await hubRequest(o, 'GET', `/v1/messages/${encodeURIComponent(id)}`)));

  const deliveries = program.command('deliveries').description("dead letters and replays (operators: sign with an operator certificate of the hub's institution, from `wasla operator enroll`)");
  addClientOptions(deliveries.command('list'))
    .description(
      'list deliveries, e.g. --state dead --recipient ps.police.judicial, or --state waiting: those neither delivered nor dead, oldest first, each with when it is given up (givesUpAt; null under store and forward)',
    )
    .option('--state <state>', 'pending, in_flight, retrying, delivered, dead, or waiting (pending, in_flight or retrying)')
    .option('--recipient <id>', 'only deliveries to this institution')
    .option('--type <type>', 'only deliveries of messages of this type, e.g. warrant.issued')
    .option('--since <time>', 'only deliveries created at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z)')
    .option('--until <time>', 'only deliveries created at or before this time (RFC 3339)')
    .option('--after <id>', "the next page: the delivery id the previous page's `next` named")
    .option('--limit <n>', 'deliveries on one page (default 100)')
    .action(async (o: Opts & Record<string, string | undefined>) => {
      const q = new URLSearchParams();
      for (const k of ['state', 'recipient', 'type', 'since', 'until', 'after', 'limit']) if (o[k]) q.set(k, o[k]!);
      printAnswer(await hubRequest(o, 'GET', `/v1/deliveries?${q}`));
    });
  addClientOptions(deliveries.command('replay [deliveryId]'))
    .description('replay one dead delivery, or (operators) every dead one matching --recipient/--type/--since/--until')
    .option('--recipient <id>', 'bulk: dead deliveries to this institution')
    .option('--type <type>', 'bulk: dead deliveries of messages of this type')
    .option('--since <time>', 'bulk: dead deliveries created at or after this time (RFC 3339)')
    .option('--until <time>', 'bulk: dead deliveries created at or before this time (RFC 3339)')
    .option('--limit <n>', 'bulk: at most this many (default 1000)')
    .option('--reason <text>', 'why, for the audit log')
    .action(async (id: string | undefined, o: Opts & Record<string, string | undefined>) => {
      if (id) {
        printAnswer(await hubRequest(o, 'POST', `/v1/deliveries/${encodeURIComponent(id)}/replay${o.reason ? `?reason=${encodeURIComponent(o.reason)}` : ''}`));
        return;
      }
      const filter: Record<string, unknown> = {};
      for (const k of ['recipient', 'type', 'since', 'until', 'reason']) if (o[k]) filter[k] = o[k];
      if (o.limit) filter.limit = Number(o.limit);
      printAnswer(await hubRequest(o, 'POST', '/v1/deliveries/replay', JSON.stringify(filter)));
    });
}

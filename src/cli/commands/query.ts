/**
 * `wasla query [name] --param k=v …`: a case query (issue 24) from a shell, signed as your
 * institution with the SDK; without a name, the queries you may run. The answer is printed only
 * once the hub's signature over it verifies — against the hub certificate you hold (--hub-cert),
 * or else against the certificates the hub serves at /v1/trust (said on stderr: that proves the
 * answer was not changed on the way, not who the hub is).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { hubKeyResolver, listQueries, query, QueryRefused, type QueryOptions } from '../../client/index.js';
import type { ResolvedKey } from '../../trust/index.js';
import { readCredentials } from '../credentials.js';
import { addClientOptions, type HubClientOptions } from '../hub-client.js';

type Opts = Partial<HubClientOptions> & { param: Record<string, string>; hubCert?: string; limit?: string; cursor?: string };

function param(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('name=value, e.g. --param plate=7-1234-95');
  const name = value.slice(0, at);
  if (Object.hasOwn(previous, name)) throw new InvalidArgumentError(`${name} is given twice; a query takes each parameter once`);
  return { ...previous, [name]: value.slice(at + 1) };
}

async function options(o: Opts): Promise<QueryOptions<ResolvedKey>> {
  const hubUrl = o.hub ?? process.env.WASLA_HUB_URL ?? 'http://127.0.0.1:8080';
  const keyFile = o.key ?? process.env.WASLA_KEY_FILE;
  const certFile = o.cert ?? process.env.WASLA_CERT_FILE;
  if (!keyFile || !certFile) throw new Error('sign with --key <file> --cert <file> (or WASLA_KEY_FILE / WASLA_CERT_FILE): `wasla institution enroll` writes both');
  const { keyPem, cert, alg } = readCredentials(keyFile, certFile);
  const hubCertFile = o.hubCert ?? process.env.WASLA_HUB_CERT_FILE;
  let hubCerts: string[];
  if (hubCertFile) hubCerts = [readFileSync(hubCertFile, 'utf8')];
  else {
    const res = await fetch(new URL('/v1/trust', hubUrl));
    hubCerts = ((await res.json()) as { hub: string[] }).hub;
    process.stderr.write('wasla query: verified against the certificates the hub serves; pass --hub-cert <file> to verify against one you hold\n');
  }
  return { hubUrl, key: keyPem, keyid: cert.serial, alg, hubKeys: hubKeyResolver(hubCerts) };
}

export function register(program: Command): void {
  addClientOptions(program.command('query [name]'))
    .description(
      "run a case query as your institution, e.g. `wasla query traffic-fines --param plate=7-1234-95`; without a name, the queries you may run. The hub's signature over the answer is verified before it is printed",
    )
    .option('--param <name=value>', 'a parameter of the query (repeat for several)', param, {})
    .option('--limit <n>', 'records on one page (1 to 100, default 20)')
    .option('--cursor <cursor>', "the next page: the previous answer's `next`, with the same parameters")
    .option('--hub-cert <file>', "the hub's certificate PEM to verify answers with (default $WASLA_HUB_CERT_FILE; unset: the certificates the hub serves)")
    .action(async (name: string | undefined, o: Opts) => {
      const opts = await options(o);
      try {
        if (name === undefined) {
          const { catalogue } = await listQueries(opts);
          process.stdout.write(`${JSON.stringify(catalogue, null, 2)}\n`);
          return;
        }
        const params = { ...o.param, ...(o.limit !== undefined ? { limit: o.limit } : {}), ...(o.cursor !== undefined ? { cursor: o.cursor } : {}) };
        const { answer, signature } = await query(name, params, opts);
        process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        process.stderr.write(`wasla query: signed by the hub (keyid ${String(signature.params.keyid)}) at ${answer.asOf}\n`);
      } catch (err) {
        if (!(err instanceof QueryRefused)) throw err;
        process.stdout.write(`HTTP ${err.status}\n${JSON.stringify(err.problem, null, 2)}\n`);
        process.exitCode = 1;
      }
    });
}

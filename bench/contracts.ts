/**
 * The bench's contract set, written at run time into a temporary directory: the repository's
 * `contracts/` (catalogue, institutions, agreements, unchanged) plus a bench sender, three bench
 * recipients and one agreement `bench-fanout` that sends `traffic-fine.contested` from the sender
 * to the first F recipients with every field. Endpoints point nowhere; the hub is given
 * `WASLA_ENDPOINT_<ID>` variables that aim them at the bench receivers.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpointEnvVar } from '../src/routing/endpoints.js';
import { MESSAGE_TYPE, SENDER } from './message.js';

export { SENDER } from './message.js';
export const RECIPIENTS = ['bench.recipient-1', 'bench.recipient-2', 'bench.recipient-3'] as const;

function institution(id: string, kind: string, name: string): object {
  return {
    $schema: '../contract-schemas/institution.schema.json',
    id,
    kind,
    name: { en: name },
    adapter: 'json-http',
    endpoints: { deliveries: 'http://127.0.0.1:9/bench-endpoint-not-set' },
    // issue 26: the bench's encrypted share is classified gbv; cleared recipients receive it
    clearances: kind === 'ministry' ? ['gbv'] : [],
  };
}

/** Writes the set under `dir` and returns its path. */
export function writeBenchContracts(repoContracts: string, dir: string, fanout: number): string {
  const out = join(dir, 'contracts');
  cpSync(repoContracts, out, { recursive: true, filter: (src) => !src.endsWith('openapi.json') });
  const write = (rel: string, v: object) => writeFileSync(join(out, rel), JSON.stringify(v, null, 2) + '\n');
  write(`institutions/${SENDER}.json`, institution(SENDER, 'court', 'Bench sender'));
  RECIPIENTS.forEach((id, i) => write(`institutions/${id}.json`, institution(id, 'ministry', `Bench recipient ${i + 1}`)));
  write('agreements/bench-fanout.json', {
    $schema: '../contract-schemas/agreement.schema.json',
    id: 'bench-fanout',
    title: `Bench: ${MESSAGE_TYPE} from the bench sender to ${fanout} recipient(s)`,
    parties: [SENDER, ...RECIPIENTS.slice(0, fanout)],
    grants: [
      {
        id: 'fanout',
        senders: [SENDER],
        types: [MESSAGE_TYPE],
        to: RECIPIENTS.slice(0, fanout).map((recipient) => ({ recipient, major: 1, fields: ['*'] })),
      },
    ],
  });
  return out;
}

/** `WASLA_ENDPOINT_BENCH_RECIPIENT_1=<url>` ... for the hub's environment */
export function endpointEnv(urls: readonly string[]): Record<string, string> {
  return Object.fromEntries(urls.map((u, i) => [endpointEnvVar(RECIPIENTS[i]), u]));
}

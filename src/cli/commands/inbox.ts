/**
 * `wasla inbox pull`: an institution that pulls its deliveries (docs/inbox.md), from a shell. Each
 * delivery is verified with the SDK before anything is done with it (the hub's signature, its
 * certificate chained to the federation CA given with --ca), printed or written to --out, and only
 * then acknowledged with a signed receipt. A delivery that does not verify is neither printed nor
 * acknowledged: its lease lapses and the hub records it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { pullDeliveries, type PulledDelivery } from '../../client/index.js';
import { readCredentials } from '../credentials.js';
import { addClientOptions, type HubClientOptions } from '../hub-client.js';

type Opts = Partial<HubClientOptions> & { ca?: string; hubCert?: string; limit: number; wait: number; out?: string; loop?: boolean };

function boundedInt(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`a whole number, ${min}..${max}`);
    return Number(value);
  };
}

function readPemFile(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${option} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (err as Error).message}`);
  }
}

/** a delivery's body, written whole or not at all (a temporary file renamed), before it is acknowledged */
function writeDelivery(dir: string, d: PulledDelivery): string {
  const file = join(dir, `${d.deliveryId}.json`);
  const tmp = `${file}.part`;
  writeFileSync(tmp, d.body);
  renameSync(tmp, file);
  return file;
}

export function register(program: Command): void {
  const inbox = program.command('inbox').description('for an institution that pulls its deliveries instead of receiving pushes ("delivery": "pull")');
  addClientOptions(inbox.command('pull'))
    .description('pull your waiting deliveries, verify each, print it (or write it to --out), then acknowledge it with a signed receipt')
    .option('--ca <file>', 'the federation CA certificate PEM: the hub certificate must chain to it (default $WASLA_CA_FILE)')
    .option('--hub-cert <file>', "the hub certificate PEM to verify deliveries with (default: the hub's current ones from GET /v1/trust, checked against --ca)")
    .option('--limit <n>', 'deliveries one pull leases at most', boundedInt(1, 100), 10)
    .option('--wait <seconds>', 'how long a pull waits for a delivery when none waits (the hub caps it)', boundedInt(0, 3600), 20)
    .option('--out <dir>', 'write each delivery body to <dir>/<deliveryId>.json instead of printing it')
    .option('--loop', 'keep pulling until interrupted (default: one pull)')
    .action(async (o: Opts) => {
      const hubUrl = o.hub ?? process.env.WASLA_HUB_URL ?? 'http://127.0.0.1:8080';
      const keyFile = o.key ?? process.env.WASLA_KEY_FILE;
      const certFile = o.cert ?? process.env.WASLA_CERT_FILE;
      if (!keyFile || !certFile) throw new Error('sign with --key <file> --cert <file> (or WASLA_KEY_FILE / WASLA_CERT_FILE): `wasla institution enroll` writes both');
      const caFile = o.ca ?? process.env.WASLA_CA_FILE;
      if (!caFile) throw new Error('name the federation CA certificate with --ca <file> (or WASLA_CA_FILE): deliveries are verified against it');
      const { keyPem, cert, alg } = readCredentials(keyFile, certFile);
      const ca = readPemFile(caFile, '--ca');
      let hub: string[];
      if (o.hubCert) hub = [readPemFile(o.hubCert, '--hub-cert')];
      else {
        const res = await fetch(new URL('/v1/trust', hubUrl));
        if (!res.ok) throw new Error(`GET /v1/trust answered ${res.status}: name the hub certificate with --hub-cert <file>`);
        hub = ((await res.json()) as { hub?: string[] }).hub ?? [];
      }
      if (o.out) mkdirSync(o.out, { recursive: true });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const sum = await pullDeliveries(
          { hubUrl, key: keyPem, keyid: cert.serial, alg, hub, caCertPems: [ca] },
          async (d) => {
            if (o.out) {
              const file = writeDelivery(o.out, d);
              process.stdout.write(`${JSON.stringify({ deliveryId: d.deliveryId, messageId: d.messageId, attempt: d.attempt, file })}\n`);
            } else {
              process.stdout.write(`${JSON.stringify({ deliveryId: d.deliveryId, messageId: d.messageId, attempt: d.attempt, body: d.json ?? d.body.toString('base64') })}\n`);
            }
          },
          {
            limit: o.limit,
            wait: o.wait,
            once: !o.loop,
            signal: controller.signal,
            onError: (err, id) => {
              process.stderr.write(`wasla inbox pull: ${id ? `delivery ${id}: ` : ''}${err.message}\n`);
              process.exitCode = 1;
            },
          },
        );
        process.stderr.write(`wasla inbox pull: ${sum.pulled} pulled, ${sum.acknowledged} acknowledged${sum.rejected ? `, ${sum.rejected} rejected (signature)` : ''}\n`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

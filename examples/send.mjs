#!/usr/bin/env node
// Send one message to a hub as your institution, in plain JavaScript with the SDK: the request is
// signed (RFC 9421, with a Content-Digest of the body) under your certificate's serial, and sent
// under an Idempotency-Key, so sending it again after a lost answer stores it once.
//
//   node examples/send.mjs --key keys/ps.hjc.court.ramallah.key.pem --cert keys/ps.hjc.court.ramallah.cert.pem examples/warrant.issued.json
//
// Options: --hub <url> (default http://127.0.0.1:8080), --idempotency-key <key> (default: a new one).
import { randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signingAlgorithmOf, signRequest } from '@wasla/sdk';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: 'string' }, cert: { type: 'string' }, hub: { type: 'string', default: 'http://127.0.0.1:8080' }, 'idempotency-key': { type: 'string' } },
});
if (!o.key || !o.cert || positionals.length !== 1) {
  process.stderr.write('usage: node examples/send.mjs --key <your key PEM> --cert <your certificate PEM> [--hub url] <envelope.json>\n');
  process.exit(2);
}
const cert = new X509Certificate(readFileSync(o.cert, 'utf8'));
const alg = signingAlgorithmOf(cert.publicKey); // the algorithm your key type signs with
const request = new Request(new URL('/v1/messages', o.hub), {
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json', 'idempotency-key': o['idempotency-key'] ?? randomUUID() },
  body: readFileSync(positionals[0]),
});
const signed = await signRequest(request, readFileSync(o.key, 'utf8'), { keyid: cert.serialNumber.toLowerCase(), alg });
const answer = await fetch(signed);
process.stdout.write(`HTTP ${answer.status}\n${JSON.stringify(await answer.json(), null, 2)}\n`);
process.exitCode = answer.status === 202 ? 0 : 1;

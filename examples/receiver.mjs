#!/usr/bin/env node
// A minimal receiver an institution can run against a local hub, in plain JavaScript with the SDK:
// it verifies each delivery's hub signature, applies each delivery once (by its delivery id), and
// answers with a signed receipt, which is what makes the hub count it delivered.
//
//   node examples/receiver.mjs --key keys/ps.police.judicial.key.pem --cert keys/ps.police.judicial.cert.pem
//
// then point the hub at it: WASLA_ENDPOINT_PS_POLICE_JUDICIAL=http://127.0.0.1:9000/deliveries
// (see packages/sdk/README.md). Options: --hub <url> (default http://127.0.0.1:8080), --port <n>
// (default 9000), --ca <file> (the federation CA certificate, obtained out of band; without it the
// CA the hub serves is trusted on first use and its fingerprint printed to compare).
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { signingAlgorithmOf, signReceipt, verifyDelivery } from '@wasla/sdk';

const { values: o } = parseArgs({
  options: {
    key: { type: 'string' },
    cert: { type: 'string' },
    hub: { type: 'string', default: 'http://127.0.0.1:8080' },
    port: { type: 'string', default: '9000' },
    ca: { type: 'string' },
  },
});
if (!o.key || !o.cert) {
  process.stderr.write('usage: node examples/receiver.mjs --key <your key PEM> --cert <your certificate PEM> [--hub url] [--port n] [--ca file]\n');
  process.exit(2);
}
const keyPem = readFileSync(o.key, 'utf8');
const cert = new X509Certificate(readFileSync(o.cert, 'utf8'));
const keyid = cert.serialNumber.toLowerCase();
const alg = signingAlgorithmOf(cert.publicKey); // the algorithm your key type signs with

// the hub's certificates (they rotate; the CA does not), from the hub's public trust route
const trust = await (await fetch(new URL('/v1/trust', o.hub))).json();
const caPem = o.ca ? readFileSync(o.ca, 'utf8') : trust.ca;
if (!o.ca) {
  const fp = createHash('sha256').update(new X509Certificate(caPem).raw).digest('hex');
  process.stdout.write(`trusting the CA the hub serves (sha-256 ${fp}): compare it with the one your federation published, or pass --ca\n`);
}

const applied = new Set(); // a real system keeps this in its database: the hub retries with the same ids
const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const request = new Request(new URL(req.url, `http://${req.headers.host}`), {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
    body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
  });
  let answer;
  try {
    const d = await verifyDelivery(request.clone(), trust.hub, { caCertPems: caPem });
    const envelope = JSON.parse(d.body.toString('utf8'));
    const first = !applied.has(d.deliveryId);
    applied.add(d.deliveryId);
    process.stdout.write(`${first ? 'received' : 'again (already applied)'} ${envelope.type} from ${envelope.source}: message ${d.messageId}, delivery ${d.deliveryId}\n`);
    answer = new Response(JSON.stringify({ status: 'accepted' }), { status: 202, headers: { 'content-type': 'application/json' } });
  } catch (err) {
    // a delivery whose signature does not hold is refused; the hub retries, and its operators see why
    process.stdout.write(`refused a request: ${err.code ?? ''} ${err.message}\n`);
    answer = new Response(JSON.stringify({ error: err.code ?? 'invalid' }), { status: 401, headers: { 'content-type': 'application/json' } });
  }
  const signed = await signReceipt(answer, keyPem, { keyid, alg, request });
  res.writeHead(signed.status, Object.fromEntries(signed.headers));
  res.end(Buffer.from(await signed.arrayBuffer()));
});
server.listen(Number(o.port), '127.0.0.1', () => process.stdout.write(`receiving deliveries on http://127.0.0.1:${server.address().port}/deliveries as certificate ${keyid}\n`));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => server.close(() => process.exit(0)));

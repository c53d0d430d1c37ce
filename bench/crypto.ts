/**
 * Crypto micro-benchmark for the trust layer: what one signature costs per request, node-forge
 * against node:crypto for RSA-2048 (PKCS#1 v1.5 / SHA-256 and PSS / SHA-512 / salt 64), and
 * node:crypto for Ed25519, ECDSA P-256 and HMAC-SHA256; plus the whole verifyMessage of one
 * request (parse, base, digest, resolve through the cached key resolver, verify).
 * Run: npx tsx bench/crypto.ts [budgetMsPerRow]. Each row runs at most `budget` ms and at most
 * MAX_OPS operations, so the whole run stays bounded (about 15 s).
 * Guarantees: before timing, every signature is cross-checked (forge's verify with node and the
 * reverse), so the figures compare implementations that agree.
 */
import { constants, createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { cpus } from 'node:os';
import forge from 'node-forge';
import { CertificateKeyResolver, MemoryCertificateStore, createCa, enroll, recordFromPem, signPlainRequest, verifyPlainRequest, type PlainRequest } from '../src/trust/index.js';
import { signBytes, verifyBytes } from '../src/trust/algorithms.js';

const BUDGET_MS = Number(process.argv[2] ?? 1000);
const MAX_OPS = 20_000;

interface Row {
  op: string;
  lib: string;
  ops: number;
  perSec: number;
  usPerOp: number;
}
const rows: Row[] = [];

function measure(op: string, lib: string, f: () => unknown): void {
  for (let i = 0; i < 3; i++) f(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(BUDGET_MS) * 1_000_000n;
  while (n < MAX_OPS) {
    f();
    n++;
    if ((n & 7) === 0 || n < 64) if (process.hrtime.bigint() >= deadline) break;
  }
  const ns = Number(process.hrtime.bigint() - start);
  const row = { op, lib, ops: n, perSec: (n * 1e9) / ns, usPerOp: ns / n / 1000 };
  rows.push(row);
  console.log(`${op.padEnd(46)} ${lib.padEnd(12)} ${row.perSec.toFixed(0).padStart(9)} ops/s ${row.usPerOp.toFixed(1).padStart(10)} µs/op  (n=${n})`);
}

async function measureAsync(op: string, lib: string, f: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await f();
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(BUDGET_MS) * 1_000_000n;
  while (n < MAX_OPS && process.hrtime.bigint() < deadline) {
    await f();
    n++;
  }
  const ns = Number(process.hrtime.bigint() - start);
  const row = { op, lib, ops: n, perSec: (n * 1e9) / ns, usPerOp: ns / n / 1000 };
  rows.push(row);
  console.log(`${op.padEnd(46)} ${lib.padEnd(12)} ${row.perSec.toFixed(0).padStart(9)} ops/s ${row.usPerOp.toFixed(1).padStart(10)} µs/op  (n=${n})`);
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`cross-check failed: ${what}`);
}

// A realistic signature base: the one a hub request produces.
const sampleKey = generateKeyPairSync('ed25519');
const sampleReq: PlainRequest = {
  method: 'POST',
  url: 'https://hub.wasla.example/v1/messages',
  headers: { 'content-type': 'application/cloudevents+json' },
  body: Buffer.from(JSON.stringify({ specversion: '1.0', type: 'warrant.issued', data: { case: '2026/17', court: 'ps.hjc.court.ramallah' } })),
};
const BASE = Buffer.from(signPlainRequest(sampleReq, { key: sampleKey.privateKey, alg: 'ed25519', keyid: '5f3c2a1b0e9d8c7b6a5f4e3d2c1b0a99' }).signature.base);
const BASE_BIN = BASE.toString('binary');

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}; base ${BASE.length} bytes; ${BUDGET_MS} ms per row\n`);

// --- RSA-2048 --------------------------------------------------------------------------------
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const fPriv = forge.pki.privateKeyFromPem(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string) as forge.pki.rsa.PrivateKey;
const fPub = forge.pki.publicKeyFromPem(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string) as forge.pki.rsa.PublicKey;

const forgeV15Sign = () => {
  const md = forge.md.sha256.create();
  md.update(BASE_BIN);
  return fPriv.sign(md);
};
const forgeV15Verify = (sig: string) => {
  const md = forge.md.sha256.create();
  md.update(BASE_BIN);
  return fPub.verify(md.digest().getBytes(), sig);
};
const pssScheme = () => forge.pss.create({ md: forge.md.sha512.create(), mgf: forge.mgf.mgf1.create(forge.md.sha512.create()), saltLength: 64 });
const forgePssSign = () => {
  const md = forge.md.sha512.create();
  md.update(BASE_BIN);
  return fPriv.sign(md, pssScheme());
};
const forgePssVerify = (sig: string) => {
  const md = forge.md.sha512.create();
  md.update(BASE_BIN);
  return fPub.verify(md.digest().getBytes(), sig, pssScheme());
};
const nodeV15 = { key: rsa.privateKey, padding: constants.RSA_PKCS1_PADDING };
const nodePss = { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };
const nodePssPub = { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };

const fV15 = forgeV15Sign();
const nV15 = sign('sha256', BASE, nodeV15);
check(verify('sha256', BASE, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(fV15, 'binary')), 'node verifies forge v1.5');
check(forgeV15Verify(nV15.toString('binary')), 'forge verifies node v1.5');
const fPss = forgePssSign();
const nPss = sign('sha512', BASE, nodePss);
check(verify('sha512', BASE, nodePssPub, Buffer.from(fPss, 'binary')), 'node verifies forge PSS');
check(forgePssVerify(nPss.toString('binary')), 'forge verifies node PSS');

measure('rsa-v1_5-sha256 sign (2048)', 'node-forge', forgeV15Sign);
measure('rsa-v1_5-sha256 sign (2048)', 'node:crypto', () => sign('sha256', BASE, nodeV15));
measure('rsa-v1_5-sha256 verify (2048)', 'node-forge', () => forgeV15Verify(fV15));
measure('rsa-v1_5-sha256 verify (2048)', 'node:crypto', () => verify('sha256', BASE, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, nV15));
measure('rsa-pss-sha512 sign (2048)', 'node-forge', forgePssSign);
measure('rsa-pss-sha512 sign (2048)', 'node:crypto', () => sign('sha512', BASE, nodePss));
measure('rsa-pss-sha512 verify (2048)', 'node-forge', () => forgePssVerify(fPss));
measure('rsa-pss-sha512 verify (2048)', 'node:crypto', () => verify('sha512', BASE, nodePssPub, nPss));

// --- Ed25519, ECDSA P-256, HMAC ----------------------------------------------------------------
const ed = generateKeyPairSync('ed25519');
const edSig = sign(null, BASE, ed.privateKey);
measure('ed25519 sign', 'node:crypto', () => sign(null, BASE, ed.privateKey));
measure('ed25519 verify', 'node:crypto', () => verify(null, BASE, ed.publicKey, edSig));

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ecSig = sign('sha256', BASE, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
measure('ecdsa-p256-sha256 sign', 'node:crypto', () => sign('sha256', BASE, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }));
measure('ecdsa-p256-sha256 verify', 'node:crypto', () => verify('sha256', BASE, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, ecSig));
// node 24 charges ~40 µs for an options object in place of a bare KeyObject (src/trust/ecdsa-encoding.ts):
// the bare key with DER, and the hub's own path (bare key plus the conversion to and from r||s)
const ecDer = sign('sha256', BASE, ec.privateKey);
measure('ecdsa-p256-sha256 sign, bare key (DER)', 'node:crypto', () => sign('sha256', BASE, ec.privateKey));
measure('ecdsa-p256-sha256 verify, bare key (DER)', 'node:crypto', () => verify('sha256', BASE, ec.publicKey, ecDer));
measure('ecdsa-p256-sha256 sign, hub (signBytes)', 'node:crypto', () => signBytes('ecdsa-p256-sha256', ec.privateKey, BASE));
measure('ecdsa-p256-sha256 verify, hub (verifyBytes)', 'node:crypto', () => verifyBytes('ecdsa-p256-sha256', ec.publicKey, BASE, ecSig));

const secret: KeyObject = createSecretKey(randomBytes(64));
measure('hmac-sha256', 'node:crypto', () => createHmac('sha256', secret).update(BASE).digest());

// --- one whole request: what the api pays per verified request -----------------------------
const ca = createCa({ commonName: 'Bench CA', validityDays: 30, keyBits: 2048 });
const store = new MemoryCertificateStore();
const resolver = new CertificateKeyResolver({ store, caCertPems: ca.certPem });
for (const [keyType, alg] of [
  ['ed25519', 'ed25519'],
  ['ec-p256', 'ecdsa-p256-sha256'],
  ['rsa-2048', 'rsa-pss-sha512'],
] as const) {
  const inst = enroll({ ca, institutionId: `bench.${keyType}`, keyType });
  await store.add(recordFromPem(inst.certPem));
  const signed = signPlainRequest(sampleReq, { key: inst.keyPem, alg, keyid: inst.serial });
  const req = { ...sampleReq, headers: signed.headers };
  await measureAsync(`verifyMessage, whole request (${alg})`, 'node:crypto', () => verifyPlainRequest(req, { resolveKey: resolver.resolveKey }));
}

const ratio = (op: string) => {
  const f = rows.find((r) => r.op === op && r.lib === 'node-forge')!;
  const n = rows.find((r) => r.op === op && r.lib === 'node:crypto')!;
  return (n.perSec / f.perSec).toFixed(0);
};
console.log(
  `\nnode:crypto / node-forge: v1.5 sign ${ratio('rsa-v1_5-sha256 sign (2048)')}x, v1.5 verify ${ratio('rsa-v1_5-sha256 verify (2048)')}x, ` +
    `PSS sign ${ratio('rsa-pss-sha512 sign (2048)')}x, PSS verify ${ratio('rsa-pss-sha512 verify (2048)')}x`,
);

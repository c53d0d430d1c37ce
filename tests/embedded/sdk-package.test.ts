/**
 * The SDK as institutions get it: `npm run build:sdk`, `npm pack ./packages/sdk`, and `npm install`
 * of the tarball into an empty project — no clone of the hub — whose plain-JavaScript examples
 * (examples/send.mjs, examples/receiver.mjs) then send a signed warrant to a real embedded hub and
 * receive its delivery to the police, verifying the hub's signature and answering with a signed
 * receipt the hub accepts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { endpointEnv } from '../helpers/contracts.js';
import { sharedFederation } from '../helpers/federation.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { freePort } from '../helpers/private-services.js';
import { getMessage, waitForStates } from '../shared/spine.suite.js';
import { federation, smallExport } from '../helpers/audit-bundle.js';

const run = promisify(execFile);
const REPO = resolve('.');
const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, env: { ...process.env, npm_config_loglevel: 'error' } });

describe('the SDK package', () => {
  let project: string;
  let henv: TestHubEnv;
  let hub: Hub;
  let receiver: ChildProcess | undefined;
  let receiverPort: number;

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'wasla-sdk-user-'));
    await run(process.execPath, ['scripts/build-sdk.mjs'], { cwd: REPO });
    const { stdout } = await npm(['pack', join(REPO, 'packages', 'sdk'), '--pack-destination', project], REPO);
    const tarball = stdout.trim().split('\n').at(-1)!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'court-system', private: true, type: 'module' }));
    await npm(['install', join(project, tarball)], project);
    for (const f of ['send.mjs', 'receiver.mjs', 'warrant.issued.json']) cpSync(join(REPO, 'examples', f), join(project, f));
    const fed = sharedFederation();
    for (const id of ['ps.hjc.court.ramallah', 'ps.police.judicial']) {
      writeFileSync(join(project, `${id}.key.pem`), fed.keys.get(id)!.keyPem);
      writeFileSync(join(project, `${id}.cert.pem`), fed.keys.get(id)!.certPem);
    }
    receiverPort = await freePort();
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv, {}, { contractsEnv: { ...process.env, ...endpointEnv('http://127.0.0.1:1'), WASLA_ENDPOINT_PS_POLICE_JUDICIAL: `http://127.0.0.1:${receiverPort}/deliveries` } });
  }, 120_000);
  afterAll(async () => {
    receiver?.kill('SIGTERM');
    await hub?.stop();
    await henv?.cleanup();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('installs as a package of its own: compiled JavaScript with declarations, and no hub server code', () => {
    const installed = join(project, 'node_modules', '@wasla', 'sdk');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('@wasla/sdk');
    expect(Object.keys(pkg.dependencies)).toEqual(['node-forge']);
    const folders = readdirSync(join(installed, 'dist')).sort();
    // audit/ holds only the chain's pure hash and canonical JSON; record/ only the offline verification
    expect(folders).toEqual(['audit', 'client', 'errors.d.ts', 'errors.js', 'errors.js.map', 'record', 'trust']);
    expect(
      readdirSync(join(installed, 'dist', 'audit'))
        .filter((f) => f.endsWith('.js'))
        .sort(),
    ).toEqual(['canonical-json.js', 'chain.js']);
    expect(
      readdirSync(join(installed, 'dist', 'record'))
        .filter((f) => f.endsWith('.js'))
        .sort(),
    ).toEqual(['bundle.js', 'errors.js', 'origin.js']);
    expect(readdirSync(join(installed, 'dist', 'client'))).toContain('index.d.ts');
    for (const server of ['key-resolver.js', 'certificate-store.js', 'replay-guard-redis.js', 'pki-dir.js']) {
      expect(readdirSync(join(installed, 'dist', 'trust'))).not.toContain(server);
    }
  });

  it('verifies an exported audit bundle offline, and fails it when one byte changes', async () => {
    const fed = federation();
    const exported = await smallExport(fed);
    writeFileSync(join(project, 'bundle.json'), exported.text);
    const changed = Buffer.from(exported.text);
    const at = exported.text.indexOf('message.accepted');
    changed[at] ^= 0x01; // one bit of one entry
    writeFileSync(join(project, 'bundle-changed.json'), changed);
    writeFileSync(join(project, 'ca.pem'), fed.ca.certPem);
    writeFileSync(
      join(project, 'audit.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { verifyAuditBundle } from '@wasla/sdk';",
        "const ca = readFileSync('ca.pem', 'utf8');",
        'const out = {};',
        "for (const f of ['bundle.json', 'bundle-changed.json']) {",
        '  const v = await verifyAuditBundle(readFileSync(f), { trustedCa: [ca] });',
        '  out[f] = { ok: v.ok, trust: v.trust, entries: v.entries, origins: v.origins.verified, codes: v.problems.map((p) => p.code) };',
        '}',
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['audit.mjs'], { cwd: project });
    const out = JSON.parse(stdout);
    expect(out['bundle.json']).toEqual({ ok: true, trust: 'pinned', entries: 5, origins: 1, codes: [] });
    expect(out['bundle-changed.json'].ok).toBe(false);
    expect(out['bundle-changed.json'].codes.length).toBeGreaterThan(0);
  });

  it('type-checks a TypeScript user of the package against its declarations', async () => {
    writeFileSync(
      join(project, 'check.ts'),
      [
        "import { signRequest, verifyDelivery, signingAlgorithmOf, type VerifiedDelivery } from '@wasla/sdk';",
        "import { X509Certificate } from 'node:crypto';",
        'export async function send(keyPem: string, certPem: string): Promise<Request> {',
        '  const cert = new X509Certificate(certPem);',
        "  const req = new Request('http://127.0.0.1:8080/v1/messages', { method: 'POST', body: '{}' });",
        '  return signRequest(req, keyPem, { keyid: cert.serialNumber.toLowerCase(), alg: signingAlgorithmOf(cert.publicKey) });',
        '}',
        'export async function receive(req: Request, hubPem: string): Promise<string> {',
        '  const d: VerifiedDelivery = await verifyDelivery(req, hubPem);',
        '  return d.deliveryId;',
        '}',
        '// a wrong use must not type-check: the key id is a string',
        '// @ts-expect-error',
        "signRequest(new Request('http://x'), 'k', { keyid: 1, alg: 'ed25519' });",
      ].join('\n'),
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--typeRoots',
      join(REPO, 'node_modules', '@types'),
      '--types',
      'node',
      'check.ts',
    ];
    await expect(run(process.execPath, [tsc, ...args], { cwd: project })).resolves.toBeDefined();
  });

  it('sends a signed warrant and receives its delivery with a signed receipt, from plain JavaScript', async () => {
    let out = '';
    receiver = spawn(process.execPath, ['receiver.mjs', '--key', 'ps.police.judicial.key.pem', '--cert', 'ps.police.judicial.cert.pem', '--hub', hub.url!, '--port', String(receiverPort)], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    receiver.stdout!.on('data', (c) => (out += c));
    receiver.stderr!.on('data', (c) => (out += c));
    const end = Date.now() + 20_000;
    while (!out.includes('receiving deliveries') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('receiving deliveries');
    expect(out).toContain('trusting the CA the hub serves');

    const sent = await run(process.execPath, ['send.mjs', '--key', 'ps.hjc.court.ramallah.key.pem', '--cert', 'ps.hjc.court.ramallah.cert.pem', '--hub', hub.url!, 'warrant.issued.json'], {
      cwd: project,
    });
    expect(sent.stdout).toMatch(/^HTTP 202\n/);
    const id = JSON.parse(sent.stdout.slice(sent.stdout.indexOf('{'))).id as string;
    await waitForStates(hub, id, ['delivered']);
    const m = await getMessage(hub, id);
    const police = m.json.deliveries.find((d: any) => d.recipient === 'ps.police.judicial');
    // the hub counted it delivered on the receiver's signed receipt
    expect(police.attemptLog.at(-1).receipt).toMatchObject({ keyid: sharedFederation().keys.get('ps.police.judicial')!.serial });
    expect(out).toContain(`received warrant.issued from ps.hjc.court.ramallah: message ${id}`);
  });
});

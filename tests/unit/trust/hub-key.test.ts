/**
 * The hub's signing key: its type is chosen when it is made (WASLA_HUB_KEY_TYPE, `wasla ca init
 * --hub-key-type`, default P-256), an existing key is never replaced by a configuration change, and
 * deliveries are signed with the algorithm the key implies — which the SDK's verifyDelivery accepts.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerTrustCommands } from '../../../src/cli/commands/trust.js';
import { verifyDelivery } from '../../../src/client/index.js';
import { DEFAULT_HUB_KEY_TYPE, ensureHubCertificate, initCa, parseCertificate, signingAlgorithmOf } from '../../../src/trust/index.js';
import { deliverySigner } from '../../../src/workers/delivery-signing.js';

const dirs: string[] = [];
function pkiDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wasla-hubkey-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const keyTypeOf = (dir: string) => {
  const k = createPrivateKey(readFileSync(join(dir, 'hub.key.pem'), 'utf8'));
  return k.asymmetricKeyType === 'ec' ? `ec-${k.asymmetricKeyDetails?.namedCurve}` : k.asymmetricKeyType;
};

describe('signingAlgorithmOf', () => {
  it('names the RFC 9421 algorithm of each key type the federation certifies', () => {
    expect(signingAlgorithmOf(generateKeyPairSync('ed25519').privateKey)).toBe('ed25519');
    expect(signingAlgorithmOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey)).toBe('ecdsa-p256-sha256');
    expect(signingAlgorithmOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)).toBe('rsa-pss-sha512');
    expect(signingAlgorithmOf(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey)).toBe('rsa-pss-sha512');
  });

  it('refuses a key no algorithm fits', () => {
    expect(() => signingAlgorithmOf(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey)).toThrow(/no signature algorithm/);
  });
});

describe('the hub key in the PKI directory', () => {
  it('is P-256 unless a type is named', () => {
    expect(DEFAULT_HUB_KEY_TYPE).toBe('ec-p256');
    const dir = pkiDir();
    initCa(dir, { validityDays: 2 });
    expect(keyTypeOf(dir)).toBe('ec-prime256v1');
  });

  it.each([
    ['ed25519', 'ed25519'],
    ['rsa-2048', 'rsa'],
  ] as const)('is a %s key when initCa names that type', (type, expected) => {
    const dir = pkiDir();
    initCa(dir, { validityDays: 2, hubKeyType: type });
    expect(keyTypeOf(dir)).toBe(expected);
  });

  it('is kept when a later start names another type (a new type is a planned rotation)', () => {
    const dir = pkiDir();
    const { hubSerial } = initCa(dir, { validityDays: 2, hubKeyType: 'ed25519' });
    const again = ensureHubCertificate(dir, 'rsa-2048');
    expect(again.serial).toBe(hubSerial);
    expect(keyTypeOf(dir)).toBe('ed25519');
  });
});

describe('deliverySigner', () => {
  it.each(['ed25519', 'ec-p256', 'rsa-2048'] as const)('signs with the algorithm a %s hub key implies, and the SDK verifies it', async (type) => {
    const dir = pkiDir();
    const { caCertPem } = initCa(dir, { validityDays: 2, hubKeyType: type });
    const hub = ensureHubCertificate(dir);
    const sign = deliverySigner({ keyPem: hub.keyPem, serial: hub.serial });
    const body = Buffer.from(JSON.stringify({ hello: 'court' }));
    const signed = sign({
      method: 'POST',
      url: 'http://127.0.0.1:9/inbox',
      body,
      headers: { 'content-type': 'application/json', 'wasla-message-id': 'm-1', 'wasla-delivery-id': 'd-1' },
    });
    const expectedAlg = signingAlgorithmOf(parseCertificate(hub.certPem).publicKey);
    expect(String(signed.headers['signature-input'])).toContain(`alg="${expectedAlg}"`);
    const v = await verifyDelivery({ method: 'POST', url: 'http://127.0.0.1:9/inbox', headers: signed.headers, body }, hub.certPem, { caCertPems: caCertPem });
    expect(v.signature.alg).toBe(expectedAlg);
    expect(v.deliveryId).toBe('d-1');
  });
});

describe('wasla ca init --hub-key-type', () => {
  async function caInit(dir: string, ...flags: string[]): Promise<{ out: string; error?: Error }> {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    const before = { pki: process.env.WASLA_PKI_DIR, type: process.env.WASLA_HUB_KEY_TYPE };
    process.env.WASLA_PKI_DIR = dir;
    delete process.env.WASLA_HUB_KEY_TYPE;
    try {
      const program = new Command().name('wasla').exitOverride();
      registerTrustCommands(program);
      await program.parseAsync(['node', 'wasla', 'ca', 'init', '--days', '2', ...flags]);
      return { out };
    } catch (error) {
      return { out, error: error as Error };
    } finally {
      write.mockRestore();
      if (before.pki === undefined) delete process.env.WASLA_PKI_DIR;
      else process.env.WASLA_PKI_DIR = before.pki;
      if (before.type !== undefined) process.env.WASLA_HUB_KEY_TYPE = before.type;
    }
  }

  it('makes the hub key of the type named, and says which', async () => {
    const dir = pkiDir();
    const r = await caInit(dir, '--hub-key-type', 'ed25519');
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/hub signing certificate: serial [0-9a-f]+ \(ed25519\)/);
    expect(keyTypeOf(dir)).toBe('ed25519');
  });

  it('makes a P-256 hub key when no type is named', async () => {
    const dir = pkiDir();
    const r = await caInit(dir);
    expect(r.error).toBeUndefined();
    expect(r.out).toContain('(ec-p256)');
    expect(keyTypeOf(dir)).toBe('ec-prime256v1');
  });

  it('refuses a type it cannot make, and makes no CA', async () => {
    const dir = pkiDir();
    const r = await caInit(dir, '--hub-key-type', 'dsa');
    expect(r.error?.message).toMatch(/--hub-key-type: expected ed25519, ec-p256 or rsa-2048, got "dsa"/);
    expect(() => readFileSync(join(dir, 'ca.cert.pem'))).toThrow();
  });
});

/**
 * The payload vault (issue 26): configuration read at start, failing closed. A wrong value stops
 * the start naming the variable and never echoing it; with no keys configured, a key file is made
 * in the PKI directory (0600) at the first start and read again at the next; a file others may read
 * stops the start. Sealing: a juvenile or gbv message is never stored in clear — without a vault it
 * is refused, and the store refuses one that reaches it unsealed.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { PAYLOAD_KEYS_FILE, payloadVault } from '../../../src/compose/payload-vault.js';
import { assertSealed, openStored, sealMessage, type PayloadColumns } from '../../../src/store/payload-store.js';
import { parsePayloadKeys } from '../../../src/record/payload-keys.js';
import { PayloadCryptoError } from '../../../src/record/errors.js';

const log = createLogger('silent');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'wasla-vault-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SECRET_TEXT = 'not-a-key-but-secret-looking-0123456789abcdef';

describe('payload keys in the configuration', () => {
  it('stops the start naming the variable, never echoing its value', () => {
    for (const [name, value] of [
      ['WASLA_PAYLOAD_KEYS', `k1:${SECRET_TEXT}`],
      ['WASLA_PAYLOAD_KEYS', SECRET_TEXT],
      ['WASLA_PAYLOAD_ENCRYPTION', 'everything'],
    ]) {
      let err: unknown;
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(name);
      expect((err as Error).message).not.toContain(SECRET_TEXT);
    }
    expect(() => loadConfig({ WASLA_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`, WASLA_PAYLOAD_KEYS_FILE: '/nowhere' })).toThrow(ConfigError);
  });

  it('reads keys and policy: the first key current', () => {
    const a = `a:${Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)).toString('base64')}`;
    const b = `b:${Buffer.from(Array.from({ length: 32 }, (_, i) => 100 + i)).toString('base64')}`;
    const cfg = loadConfig({ WASLA_PAYLOAD_KEYS: `${b},${a}`, WASLA_PAYLOAD_ENCRYPTION: 'all' });
    expect(cfg.payloadKeyring?.current).toBe('b');
    expect(cfg.payloadKeyring?.ids()).toEqual(['b', 'a']);
    expect(cfg.payloadEncryption).toBe('all');
    // the keyring prints as its ids only
    expect(JSON.stringify(cfg)).not.toContain(a.slice(2));
  });

  it('without keys configured, makes payload.keys (0600) in the PKI directory once, and reads it again', () => {
    const pki = tmp();
    const first = payloadVault({ pkiDir: pki, payloadEncryption: 'classified' }, log);
    const file = join(pki, PAYLOAD_KEYS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = payloadVault({ pkiDir: pki, payloadEncryption: 'classified' }, log);
    expect(again.keyring.current).toBe(first.keyring.current);
    // what the first sealed, the second opens: the same key
    const sealed = sealMessage(gbvRow(), first);
    expect(openStored(sealed, again).envelope).toEqual(gbvRow().envelope);
    expect(readFileSync(file, 'utf8')).toMatch(/^k\d{8}:/m);
  });

  it('refuses a key file that group or others may read, naming the variable it stands for', () => {
    const pki = tmp();
    payloadVault({ pkiDir: pki, payloadEncryption: 'classified' }, log);
    chmodSync(join(pki, PAYLOAD_KEYS_FILE), 0o644);
    expect(() => payloadVault({ pkiDir: pki, payloadEncryption: 'classified' }, log)).toThrow(/WASLA_PAYLOAD_KEYS.*chmod 600/);
  });
});

const keyring = parsePayloadKeys(`k1:${Buffer.from(Array.from({ length: 32 }, (_, i) => 3 * i + 1)).toString('base64')}`, 'test');

function gbvRow(classification = 'gbv'): PayloadColumns {
  return {
    id: '01900000-0000-7000-8000-000000000001',
    classification,
    // the sender's field order, which the round trip keeps
    envelope: { specversion: '1.0', id: '01900000-0000-7000-8000-000000000001', type: 'protection-order.issued', subject: 'the restrained person', data: { z: 1, a: 'words' } },
    receivedBody: Buffer.from('<order>words</order>'),
  };
}

describe('sealing a message', () => {
  it('seals a gbv message: the clear envelope keeps ids and type only, the document goes inside', () => {
    const s = sealMessage(gbvRow(), { keyring, policy: 'classified' });
    expect(s.envelope).toEqual({ specversion: '1.0', id: gbvRow().id, type: 'protection-order.issued' });
    expect(s.receivedBody).toBeNull();
    expect(s.payloadKekId).toBe('k1');
    expect(Buffer.from(s.payloadCiphertext!).toString('latin1')).not.toContain('words');
    const opened = openStored(s, { keyring, policy: 'classified' });
    expect(JSON.stringify(opened.envelope)).toBe(JSON.stringify(gbvRow().envelope));
    expect(opened.receivedBody?.toString()).toBe('<order>words</order>');
  });

  it('leaves a public message in clear under classified, seals it under all', () => {
    expect(sealMessage(gbvRow('public'), { keyring, policy: 'classified' }).payloadCiphertext).toBeUndefined();
    expect(sealMessage(gbvRow('public'), { keyring, policy: 'all' }).payloadCiphertext).toBeInstanceOf(Buffer);
  });

  it('fails closed: no vault, no storing a juvenile or gbv payload; the store refuses one unsealed', () => {
    expect(() => sealMessage(gbvRow('juvenile'), undefined)).toThrow(PayloadCryptoError);
    expect(() => assertSealed(gbvRow('gbv'))).toThrow(/refusing to store its payload in clear/);
    expect(() => assertSealed(gbvRow('restricted'))).not.toThrow();
    // a sealed row does not open without the keys, and says so with ids only
    const s = sealMessage(gbvRow(), { keyring, policy: 'classified' });
    expect(() => openStored(s, undefined)).toThrow(PayloadCryptoError);
    try {
      openStored(s, undefined);
    } catch (e) {
      expect((e as Error).message).not.toContain('words');
    }
  });
});

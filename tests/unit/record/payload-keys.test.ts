/**
 * KEK configuration: parsed and validated once like src/config.ts; a wrong value names the variable
 * and never echoes a key.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyConfigError } from '../../../src/record/errors.js';
import { loadEncryptionPolicy, loadPayloadKeyring, mustEncrypt, newPayloadKeyEntry, parsePayloadKeys } from '../../../src/record/payload-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'wasla-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(fn: () => unknown): KeyConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyConfigError);
    return e as KeyConfigError;
  }
  throw new Error('expected a KeyConfigError');
}

const k1 = newPayloadKeyEntry('k1');
const k2 = newPayloadKeyEntry('k2');
const b64 = (entry: string) => entry.slice(entry.indexOf(':') + 1);

describe('WASLA_PAYLOAD_KEYS', () => {
  it('reads several keys; the first is current', () => {
    const ring = loadPayloadKeyring({ WASLA_PAYLOAD_KEYS: ` ${k2} , ${k1} ` });
    expect(ring?.current).toBe('k2');
    expect(ring?.ids()).toEqual(['k2', 'k1']);
  });

  it('is undefined when no key is configured', () => {
    expect(loadPayloadKeyring({})).toBeUndefined();
    expect(loadPayloadKeyring({ WASLA_PAYLOAD_KEYS: ' ' })).toBeUndefined();
  });

  it.each([
    ['no colon', 'abc', /entry 1: expected <id>:<base64 key>/],
    ['a bad id', `bad id:${b64(k1)}`, /entry 1: the key id must be/],
    ['a short key', `k1:${Buffer.alloc(31, 7).toString('base64')}`, /entry 1 \(key k1\): expected exactly 32 bytes/],
    ['a long key', `k1:${Buffer.alloc(33, 7).toString('base64')}`, /expected exactly 32 bytes/],
    ['base64url', `k1:${b64(k1).replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, '')}`, /expected exactly 32 bytes/],
    ['a constant key', `k1:${Buffer.alloc(32, 0).toString('base64')}`, /not a random key/],
    ['an id twice', `${k1},${k1}`, /entry 2: key id k1 is given twice/],
    ['the second entry broken', `${k1},k2:zzzz`, /entry 2 \(key k2\)/],
  ])('refuses %s, naming the variable and not the value', (_what, value, detail) => {
    const e = configError(() => loadPayloadKeyring({ WASLA_PAYLOAD_KEYS: value }));
    expect(e.code).toBe('config-invalid');
    expect(e.variable).toBe('WASLA_PAYLOAD_KEYS');
    expect(e.message).toMatch(/^WASLA_PAYLOAD_KEYS: /);
    expect(e.message).toMatch(detail);
    const secret = value.slice(value.indexOf(':') + 1);
    if (secret.length > 8) expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain(b64(k1));
  });

  it('refuses both variables at once', () => {
    const e = configError(() => loadPayloadKeyring({ WASLA_PAYLOAD_KEYS: k1, WASLA_PAYLOAD_KEYS_FILE: '/nonexistent' }));
    expect(e.variable).toBe('WASLA_PAYLOAD_KEYS_FILE');
  });
});

describe('WASLA_PAYLOAD_KEYS_FILE', () => {
  it('reads one key a line, with comments, when only the owner can read the file', () => {
    const file = join(dir, 'keys-ok');
    writeFileSync(file, `# rotated 2026-07-01\n${k2}\n\n${k1}\r\n`);
    chmodSync(file, 0o600);
    const ring = loadPayloadKeyring({ WASLA_PAYLOAD_KEYS_FILE: file });
    expect(ring?.ids()).toEqual(['k2', 'k1']);
  });

  it('refuses a file others may read (POSIX mode bits)', () => {
    const file = join(dir, 'keys-open');
    writeFileSync(file, `${k1}\n`);
    chmodSync(file, 0o644);
    const e = configError(() => loadPayloadKeyring({ WASLA_PAYLOAD_KEYS_FILE: file }));
    expect(e.message).toMatch(/WASLA_PAYLOAD_KEYS_FILE: .* readable by group or others \(mode 644\); chmod 600/);
  });

  it('names a missing file', () => {
    const e = configError(() => loadPayloadKeyring({ WASLA_PAYLOAD_KEYS_FILE: join(dir, 'absent') }));
    expect(e.message).toMatch(/WASLA_PAYLOAD_KEYS_FILE: cannot read .*absent \(ENOENT\)/);
  });

  it('refuses a directory and a file with a broken entry, without echoing it', () => {
    expect(configError(() => loadPayloadKeyring({ WASLA_PAYLOAD_KEYS_FILE: dir })).message).toMatch(/is not a file/);
    const file = join(dir, 'keys-bad');
    writeFileSync(file, `${k1}\nk2 ${b64(k2)}\n`);
    chmodSync(file, 0o600);
    const e = configError(() => loadPayloadKeyring({ WASLA_PAYLOAD_KEYS_FILE: file }));
    expect(e.message).toMatch(/entry 2: expected <id>:<base64 key>/);
    expect(e.message).not.toContain(b64(k2));
  });
});

describe('WASLA_PAYLOAD_ENCRYPTION', () => {
  it('defaults to the classified payloads, and may be every payload', () => {
    expect(loadEncryptionPolicy({})).toBe('classified');
    expect(loadEncryptionPolicy({ WASLA_PAYLOAD_ENCRYPTION: 'all' })).toBe('all');
    expect(configError(() => loadEncryptionPolicy({ WASLA_PAYLOAD_ENCRYPTION: 'some' })).message).toBe('WASLA_PAYLOAD_ENCRYPTION: expected "classified" or "all", got "some"');
  });

  it('encrypts juvenile and gbv payloads under either policy, others only under "all"', () => {
    expect(mustEncrypt('classified', ['juvenile'])).toBe(true);
    expect(mustEncrypt('classified', ['gbv'])).toBe(true);
    expect(mustEncrypt('classified', [])).toBe(false);
    expect(mustEncrypt('all', [])).toBe(true);
  });

  it('parsePayloadKeys names the variable it was given', () => {
    expect(configError(() => parsePayloadKeys('', 'X_KEYS')).message).toMatch(/^X_KEYS: no key given/);
  });
});

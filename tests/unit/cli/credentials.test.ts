/**
 * The CLI's credentials: each mistake a person makes with --key and --cert gets a sentence that
 * says what is wrong and what to pass instead, never a bare OpenSSL or file-system code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCredentials } from '../../../src/cli/credentials.js';
import { sharedFederation } from '../../helpers/federation.js';

const fed = sharedFederation();
const dir = mkdtempSync(join(tmpdir(), 'wasla-cred-'));
const court = fed.keys.get('ps.hjc.court.ramallah')!;
const police = fed.keys.get('ps.police.judicial')!;
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const key = file('court.key.pem', court.keyPem);
const cert = file('court.cert.pem', court.certPem);

describe('reading --key and --cert', () => {
  it('reads a key and the certificate enrolled with it', () => {
    const c = readCredentials(key, cert);
    expect(c.cert.serial).toBe(court.serial);
  });

  it.each([
    ['the two files swapped', () => readCredentials(cert, key), /the two are swapped; pass --key .*court\.key\.pem --cert .*court\.cert\.pem/],
    ['a key file that does not exist', () => readCredentials(join(dir, 'nope.pem'), cert), /^--key .*nope\.pem: there is no such file; --key names your private key PEM/],
    ['a certificate file that does not exist', () => readCredentials(key, join(dir, 'nope.pem')), /^--cert .*nope\.pem: there is no such file/],
    ['a certificate given as the key', () => readCredentials(cert, cert), /holds no private key PEM .*: it is a certificate; --cert takes that one/],
    ["another institution's key", () => readCredentials(file('police.key.pem', police.keyPem), cert), /is not the key of the certificate in --cert .* \(serial /],
    ['a damaged key', () => readCredentials(file('bad.key.pem', '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n'), cert), /the private key cannot be read/],
  ])('%s gets a sentence', (_what, read, sentence) => {
    expect(read).toThrow(sentence);
  });
});

/**
 * The key and certificate a CLI user signs with, read with a sentence for each mistake a person
 * makes — a missing file, the two files swapped, a key that is not the certificate's — instead of
 * an OpenSSL code.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseCertificate, signingAlgorithmOf, type ParsedCertificate } from '../trust/index.js';

export interface Credentials {
  keyPem: string;
  cert: ParsedCertificate;
  alg: ReturnType<typeof signingAlgorithmOf>;
}

const ENROLL_HINT = '`wasla institution enroll <id> --out <dir>` writes both';

function readPem(file: string, option: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'it cannot be read (permissions)' : (err as Error).message;
    throw new Error(`${option} ${file}: ${why}; ${option} names ${what} (${ENROLL_HINT})`);
  }
}

const looksLikeKey = (pem: string) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem);
const looksLikeCert = (pem: string) => pem.includes('-----BEGIN CERTIFICATE-----');

export function readCredentials(keyFile: string, certFile: string): Credentials {
  const keyPem = readPem(keyFile, '--key', 'your private key PEM');
  const certPem = readPem(certFile, '--cert', 'your certificate PEM');
  if (looksLikeCert(keyPem) && looksLikeKey(certPem)) {
    throw new Error(`--key ${keyFile} holds a certificate and --cert ${certFile} a private key: the two are swapped; pass --key ${certFile} --cert ${keyFile}`);
  }
  if (!looksLikeKey(keyPem)) throw new Error(`--key ${keyFile} holds no private key PEM (-----BEGIN PRIVATE KEY-----)${looksLikeCert(keyPem) ? ': it is a certificate; --cert takes that one' : ''}`);
  if (!looksLikeCert(certPem))
    throw new Error(`--cert ${certFile} holds no certificate PEM (-----BEGIN CERTIFICATE-----)${looksLikeKey(certPem) ? ': it is a private key; --key takes that one' : ''}`);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error(`--key ${keyFile}: the private key cannot be read (damaged, or protected by a passphrase, which the CLI does not take)`);
  }
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(certPem);
  } catch {
    throw new Error(`--cert ${certFile}: the certificate cannot be read (damaged PEM)`);
  }
  const own = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const certified = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!own.equals(certified)) {
    throw new Error(`--key ${keyFile} is not the key of the certificate in --cert ${certFile} (serial ${cert.serial}): pass the key and certificate enrolled together`);
  }
  return { keyPem, cert, alg: signingAlgorithmOf(cert.publicKey) };
}

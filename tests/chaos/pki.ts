/**
 * The run's own federation PKI (keys are made at run time, never committed): a CA and the hub's
 * certificate in `<dir>` (the hub's WASLA_PKI_DIR), and an ed25519 key and certificate for the
 * sender and for each receiver, registered so that the hub resolves them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, issueToDir } from '../../src/trust/index.js';

export interface InstitutionKey {
  institutionId: string;
  keyPem: string;
  /** the certificate serial: the keyid of every signature made with this key */
  serial: string;
}

export interface RunPki {
  dir: string;
  caCertPem: string;
  hubCertPem: string;
  keys: Record<string, InstitutionKey>;
}

export function createPki(dir: string, institutions: readonly string[]): RunPki {
  const { caCertPem } = initCa(dir, { commonName: 'Wasla Chaos Federation CA' });
  const keys: Record<string, InstitutionKey> = {};
  for (const id of institutions) {
    const e = issueToDir(dir, { institutionId: id, keyType: 'ed25519' });
    keys[id] = { institutionId: id, keyPem: e.keyPem!, serial: e.serial };
  }
  return { dir, caCertPem, hubCertPem: readFileSync(join(dir, 'hub.cert.pem'), 'utf8'), keys };
}

/**
 * The bench federation's keys, made at run time in a temporary directory (never committed).
 *
 * A hub with signatures (its trust layer exports `initCa`/`issueToDir`, the PKI directory of
 * `WASLA_PKI_DIR`): the bench creates that directory — federation CA, hub key and certificate —
 * and enrolls the bench sender (key type to suit `--alg`) and the recipients (Ed25519, to sign
 * their receipts). A hub without them: with `--alg` other than none, a throw-away CA and the
 * sender's key come from `createCa`/`enroll`, so the load generator pays for signing even though
 * nobody checks yet. The trust layer is probed at run time so the bench runs on either hub.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as trust from '../src/trust/index.js';
import type { Alg } from './options.js';

export interface Key { keyPem: string; serial: string }

export interface BenchTrust {
  /** the hub reads WASLA_PKI_DIR (signed intake, signed deliveries, receipts) */
  pkiDir?: string;
  sender?: Key;
  /** per recipient, to sign receipts (only with a PKI directory) */
  recipients: Key[];
  hubCertPem?: string;
  caCertPem?: string;
}

type KeyType = 'ed25519' | 'ec-p256' | 'rsa-2048';
const KEY_TYPE: Record<Exclude<Alg, 'none'>, KeyType> = {
  ed25519: 'ed25519', 'ecdsa-p256-sha256': 'ec-p256', 'rsa-pss-sha512': 'rsa-2048', 'rsa-v1_5-sha256': 'rsa-2048',
};

interface PkiDirApi {
  initCa(dir: string, opts?: { commonName?: string; validityDays?: number }): unknown;
  issueToDir(dir: string, opts: { institutionId: string; keyType?: KeyType; validityDays?: number }): { keyPem?: string; serial: string };
}

/** the PKI-directory functions of a hub that signs, or undefined for one that does not yet */
function pkiDirApi(): PkiDirApi | undefined {
  const t = trust as unknown as Partial<PkiDirApi>;
  return typeof t.initCa === 'function' && typeof t.issueToDir === 'function' ? (t as PkiDirApi) : undefined;
}

export function setupTrust(dir: string, alg: Alg, sender: string, recipients: readonly string[]): BenchTrust {
  const api = pkiDirApi();
  if (api) {
    const pkiDir = join(dir, 'pki');
    api.initCa(pkiDir, { commonName: 'Wasla bench CA', validityDays: 2 });
    const issue = (institutionId: string, keyType: KeyType): Key => {
      const e = api.issueToDir(pkiDir, { institutionId, keyType, validityDays: 2 });
      return { keyPem: e.keyPem!, serial: e.serial };
    };
    return {
      pkiDir,
      sender: alg === 'none' ? undefined : issue(sender, KEY_TYPE[alg]),
      recipients: recipients.map((r) => issue(r, 'ed25519')),
      hubCertPem: readFileSync(join(pkiDir, 'hub.cert.pem'), 'utf8'),
      caCertPem: readFileSync(join(pkiDir, 'ca.cert.pem'), 'utf8'),
    };
  }
  if (alg === 'none') return { recipients: [] };
  const ca = trust.createCa({ commonName: 'Wasla bench CA', validityDays: 2, keyBits: 2048 });
  const e = trust.enroll({ ca, institutionId: sender, keyType: KEY_TYPE[alg], validityDays: 2 });
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'keys', 'sender.key.pem'), e.keyPem, { mode: 0o600 });
  return { sender: { keyPem: e.keyPem, serial: e.serial }, recipients: [], caCertPem: ca.certPem };
}

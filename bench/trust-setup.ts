/**
 * The bench federation's keys, made at run time in a temporary directory (never committed).
 *
 * A hub with signatures (its trust layer exports `initCa`/`issueToDir`, the PKI directory of
 * `WASLA_PKI_DIR`): the bench creates that directory — federation CA, hub key and certificate —
 * and enrolls the bench sender and the recipients (to sign their receipts). One algorithm for the
 * whole federation: `--alg` names the key type of the sender, the hub and the recipients alike
 * (with `none`, the hub and the recipients have P-256 keys, the hub's default). A hub from before
 * the hub key type could be chosen (`--hub-ref` older than WASLA_HUB_KEY_TYPE) signs with Ed25519
 * whatever its key is: bench it with `--alg ed25519`. A hub without them: with `--alg` other than
 * none, a throw-away CA and the sender's key come from `createCa`/`enroll`, so the load generator
 * pays for signing even though nobody checks yet. The trust layer is probed at run time so the bench runs on either hub.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as trust from '../src/trust/index.js';
import type { Alg } from './options.js';

type SignatureAlgorithm = Exclude<Alg, 'none'>;

export interface Key {
  keyPem: string;
  serial: string;
  alg: SignatureAlgorithm;
}

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
const KEY_TYPE: Record<SignatureAlgorithm, KeyType> = {
  ed25519: 'ed25519',
  'ecdsa-p256-sha256': 'ec-p256',
  'rsa-pss-sha512': 'rsa-2048',
  'rsa-v1_5-sha256': 'rsa-2048',
};
/** the hub's and the recipients' algorithm when intake is unsigned: the hub's default key type */
export const UNSIGNED_FEDERATION_ALG: SignatureAlgorithm = 'ecdsa-p256-sha256';

interface PkiDirApi {
  initCa(dir: string, opts?: { commonName?: string; validityDays?: number; hubKeyType?: KeyType }): unknown;
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
    const fedAlg = alg === 'none' ? UNSIGNED_FEDERATION_ALG : alg;
    api.initCa(pkiDir, { commonName: 'Wasla bench CA', validityDays: 2, hubKeyType: KEY_TYPE[fedAlg] });
    const issue = (institutionId: string): Key => {
      const e = api.issueToDir(pkiDir, { institutionId, keyType: KEY_TYPE[fedAlg], validityDays: 2 });
      return { keyPem: e.keyPem!, serial: e.serial, alg: fedAlg };
    };
    return {
      pkiDir,
      sender: alg === 'none' ? undefined : issue(sender),
      recipients: recipients.map((r) => issue(r)),
      hubCertPem: readFileSync(join(pkiDir, 'hub.cert.pem'), 'utf8'),
      caCertPem: readFileSync(join(pkiDir, 'ca.cert.pem'), 'utf8'),
    };
  }
  if (alg === 'none') return { recipients: [] };
  const ca = trust.createCa({ commonName: 'Wasla bench CA', validityDays: 2, keyBits: 2048 });
  const e = trust.enroll({ ca, institutionId: sender, keyType: KEY_TYPE[alg], validityDays: 2 });
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'keys', 'sender.key.pem'), e.keyPem, { mode: 0o600 });
  return { sender: { keyPem: e.keyPem, serial: e.serial, alg }, recipients: [], caCertPem: ca.certPem };
}

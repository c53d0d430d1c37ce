/**
 * The PKI directory: the federation's certificates as files, shared by every hub process on a host
 * and written by the `wasla` CLI while the hub runs (an embedded hub holds its database, so the CLI
 * cannot write there).
 *
 *   ca.cert.pem            the federation CA (trust anchor)
 *   ca.key.pem     0600    its private key, only where certificates are issued (keep it offline)
 *   hub.key.pem    0600    the hub's signing key (outbound deliveries)
 *   hub.cert.pem           the hub's certificate, issued by the CA
 *   certs/<serial>.pem     every certificate issued or registered (institutions and hub)
 *   revoked.json           { "<serial>": "<revoked at, ISO>" }
 *
 * FileCertificateStore implements the CertificateStore port over it. Private keys of institutions
 * are never kept here: `enroll` hands them to the caller.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RequestRefusedError } from '../errors.js';
import { createCa, enroll, importCa, issueCertificate, normalizeSerial, parseCertificate, type CertificateAuthority, type EnrollKeyType } from './pki.js';
import { recordFromPem } from './certificate-store.js';
import type { CertificateRecord, CertificateStore } from './types.js';
import { HUB_INSTITUTION_ID } from '../federation/index.js';

/** the id the hub's own certificate names (the federation model owns it) */
export { HUB_INSTITUTION_ID };

const paths = (dir: string) => ({
  caCert: join(dir, 'ca.cert.pem'),
  caKey: join(dir, 'ca.key.pem'),
  hubKey: join(dir, 'hub.key.pem'),
  hubCert: join(dir, 'hub.cert.pem'),
  certs: join(dir, 'certs'),
  revoked: join(dir, 'revoked.json'),
});

function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export function hasCa(dir: string): boolean {
  return existsSync(paths(dir).caCert);
}

/**
 * The hub key type when nobody names one. The hub's signature is the most verified in a federation
 * (every recipient checks it on every delivery) and the hub signs every delivery: on Node's
 * OpenSSL, EC P-256 does both faster than Ed25519 (verify ~65 against ~106 µs, sign ~26 against
 * ~35 µs on the bench machine; `npx tsx bench/crypto.ts`), and far faster than RSA signs.
 */
export const DEFAULT_HUB_KEY_TYPE: EnrollKeyType = 'ec-p256';

/** Creates the federation CA (RSA 3072) and the hub's own certificate. Refuses to overwrite. */
export function initCa(dir: string, opts: { commonName?: string; validityDays?: number; hubKeyType?: EnrollKeyType } = {}): { caCertPem: string; hubSerial: string } {
  const p = paths(dir);
  if (existsSync(p.caCert)) throw new RequestRefusedError('ca-exists', `${p.caCert} exists; remove the directory to start a new federation`);
  mkdirSync(p.certs, { recursive: true, mode: 0o700 });
  const ca = createCa({ commonName: opts.commonName ?? 'Wasla Federation CA', validityDays: opts.validityDays ?? 3650 });
  writeSecret(p.caKey, ca.keyPem);
  writeFileSync(p.caCert, ca.certPem);
  const hub = ensureHubCertificate(dir, opts.hubKeyType);
  return { caCertPem: ca.certPem, hubSerial: hub.serial };
}

/** Takes an existing (e.g. national) CA certificate as the trust anchor; its key stays elsewhere. */
export function importCaCertificate(dir: string, certPem: string): CertificateAuthority {
  const ca = importCa(certPem);
  const p = paths(dir);
  if (existsSync(p.caCert)) throw new RequestRefusedError('ca-exists', `${p.caCert} exists`);
  mkdirSync(p.certs, { recursive: true, mode: 0o700 });
  writeFileSync(p.caCert, certPem);
  return ca;
}

export function loadCa(dir: string): CertificateAuthority {
  const p = paths(dir);
  return importCa(readFileSync(p.caCert, 'utf8'), existsSync(p.caKey) ? readFileSync(p.caKey, 'utf8') : undefined);
}

/**
 * The hub's signing key and certificate, created on first use when the CA key is here. An existing
 * key is kept whatever `keyType` says: recipients pin the hub certificate, so a new key type is a
 * planned rotation, not a side effect of a configuration change.
 */
export function ensureHubCertificate(dir: string, keyType: EnrollKeyType = DEFAULT_HUB_KEY_TYPE): { keyPem: string; certPem: string; serial: string } {
  const p = paths(dir);
  if (existsSync(p.hubKey) && existsSync(p.hubCert)) {
    const certPem = readFileSync(p.hubCert, 'utf8');
    return { keyPem: readFileSync(p.hubKey, 'utf8'), certPem, serial: parseCertificate(certPem).serial };
  }
  const e = enroll({ ca: loadCa(dir), institutionId: HUB_INSTITUTION_ID, keyType, validityDays: 825 });
  writeSecret(p.hubKey, e.keyPem);
  writeFileSync(p.hubCert, e.certPem);
  registerCertificate(dir, e.certPem);
  return { keyPem: e.keyPem, certPem: e.certPem, serial: e.serial };
}

/** Issues an institution certificate from a CSR, or with a new key pair (test federations). */
export function issueToDir(dir: string, opts: { institutionId: string; csrPem?: string; keyType?: EnrollKeyType; validityDays?: number }) {
  const ca = loadCa(dir);
  if (opts.csrPem) {
    const c = issueCertificate({ ca, csrPem: opts.csrPem, institutionId: opts.institutionId, validityDays: opts.validityDays ?? 825 });
    registerCertificate(dir, c.certPem);
    return { ...c, keyPem: undefined };
  }
  const e = enroll({ ca, institutionId: opts.institutionId, keyType: opts.keyType ?? 'ed25519', validityDays: opts.validityDays ?? 825 });
  registerCertificate(dir, e.certPem);
  return e;
}

/** Adds a certificate issued elsewhere by the federation CA to the registry. */
export function registerCertificate(dir: string, certPem: string): CertificateRecord {
  const rec = recordFromPem(certPem);
  mkdirSync(paths(dir).certs, { recursive: true, mode: 0o700 });
  writeFileSync(join(paths(dir).certs, `${rec.serial}.pem`), certPem);
  return rec;
}

function readRevoked(dir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(paths(dir).revoked, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

export class FileCertificateStore implements CertificateStore {
  constructor(private readonly dir: string) {}

  private record(serial: string, revoked = readRevoked(this.dir)): CertificateRecord | null {
    const file = join(paths(this.dir).certs, `${serial}.pem`);
    if (!existsSync(file)) return null;
    const at = revoked[serial];
    return recordFromPem(readFileSync(file, 'utf8'), at ? new Date(at) : null);
  }

  async add(record: CertificateRecord): Promise<void> {
    if (this.record(record.serial)) {
      throw new RequestRefusedError('certificate-duplicate', `serial ${record.serial}`);
    }
    registerCertificate(this.dir, record.pem);
  }

  async list(): Promise<CertificateRecord[]> {
    const revoked = readRevoked(this.dir);
    const dir = paths(this.dir).certs;
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pem'))
      .map((f) => this.record(f.slice(0, -4), revoked)!)
      .filter(Boolean);
  }

  async get(serial: string): Promise<CertificateRecord | null> {
    return this.record(normalizeSerial(serial));
  }

  async revoke(serial: string, at: Date): Promise<CertificateRecord | null> {
    const s = normalizeSerial(serial);
    if (!this.record(s)) return null;
    const revoked = readRevoked(this.dir);
    // never un-revoke, keep the earliest time
    if (!revoked[s] || new Date(revoked[s]) > at) revoked[s] = at.toISOString();
    writeAtomically(paths(this.dir).revoked, JSON.stringify(revoked, null, 2));
    return this.record(s, revoked);
  }

  async listForInstitution(institutionId: string): Promise<CertificateRecord[]> {
    return (await this.list()).filter((r) => r.institutionId === institutionId);
  }
}

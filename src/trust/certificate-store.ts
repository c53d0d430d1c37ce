/**
 * In-memory CertificateStore (tests, the embedded demo, and the reference for the PostgreSQL one),
 * plus recordFromPem, the one way to turn a certificate into a CertificateRecord.
 *
 * Guarantees: the contract of types.ts — unique serials, revocation is one-way and keeps the
 * earliest time, records are copied in and out.
 */
import { RequestRefusedError } from '../errors.js';
import { normalizeSerial, parseCertificate } from './pki.js';
import type { CertificateRecord, CertificateStore } from './types.js';

/** A record for `pem`, with every field read from the certificate itself. */
export function recordFromPem(pem: string, revokedAt: Date | null = null): CertificateRecord {
  const c = parseCertificate(pem);
  return {
    serial: c.serial,
    institutionId: c.institutionId,
    pem: c.pem,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    revokedAt,
    fingerprint: c.fingerprint,
  };
}

function copy(r: CertificateRecord): CertificateRecord {
  return {
    ...r,
    notBefore: new Date(r.notBefore),
    notAfter: new Date(r.notAfter),
    revokedAt: r.revokedAt === null ? null : new Date(r.revokedAt),
  };
}

export class MemoryCertificateStore implements CertificateStore {
  private readonly records = new Map<string, CertificateRecord>();

  constructor(initial: readonly CertificateRecord[] = []) {
    for (const r of initial) this.records.set(normalizeSerial(r.serial), copy({ ...r, serial: normalizeSerial(r.serial) }));
  }

  async add(record: CertificateRecord): Promise<void> {
    const serial = normalizeSerial(record.serial);
    if (this.records.has(serial)) {
      throw new RequestRefusedError('certificate-duplicate', `a certificate with serial ${serial} is already stored`);
    }
    this.records.set(serial, copy({ ...record, serial }));
  }

  async list(): Promise<CertificateRecord[]> {
    return [...this.records.values()].map(copy);
  }

  async get(serial: string): Promise<CertificateRecord | null> {
    const r = this.records.get(normalizeSerial(serial));
    return r ? copy(r) : null;
  }

  async revoke(serial: string, at: Date): Promise<CertificateRecord | null> {
    const r = this.records.get(normalizeSerial(serial));
    if (!r) return null;
    if (r.revokedAt === null || at < r.revokedAt) r.revokedAt = new Date(at);
    return copy(r);
  }

  async listForInstitution(institutionId: string): Promise<CertificateRecord[]> {
    return [...this.records.values()].filter((r) => r.institutionId === institutionId).map(copy);
  }
}

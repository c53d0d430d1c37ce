/**
 * The trust layer's storage contract. The hub keeps institution certificates in a
 * CertificateStore; this file defines the record and the port, certificate-store.ts holds the
 * in-memory implementation, and the store module implements the same port on PostgreSQL.
 *
 * Contract every implementation keeps: `serial` is the canonical lowercase hex of pki.ts
 * (normalizeSerial) and unique; `revoke` never un-revokes and keeps the earliest revocation time;
 * records come back as copies, so a caller cannot change the store by mutating one.
 */

export interface CertificateRecord {
  /** lowercase hex, the keyid institutions sign with */
  serial: string;
  institutionId: string;
  pem: string;
  notBefore: Date;
  notAfter: Date;
  /** null while the certificate is not revoked */
  revokedAt: Date | null;
  /** SHA-256 of the DER, lowercase hex */
  fingerprint: string;
}

export interface CertificateStore {
  /** adds a certificate; refuses a serial that is already stored */
  add(record: CertificateRecord): Promise<void>;
  list(): Promise<CertificateRecord[]>;
  get(serial: string): Promise<CertificateRecord | null>;
  /** marks the certificate revoked at `at`; returns the updated record, null if unknown */
  revoke(serial: string, at: Date): Promise<CertificateRecord | null>;
  listForInstitution(institutionId: string): Promise<CertificateRecord[]>;
}

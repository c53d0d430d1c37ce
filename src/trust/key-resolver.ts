/**
 * keyid -> institution key, for verifyMessage: the certificate with that serial is looked up in
 * the CertificateStore, chained to a federation CA, and checked for validity and revocation.
 *
 * Guarantees: every call checks validity and revocation at the verification time (`now`), so an
 * expired certificate never resolves, even from cache. What is cached, and why it is safe:
 * - the parsed certificate and the result of its chain check, per serial, for as long as the
 *   store returns the same PEM (a certificate and a CA set never change their verdict);
 * - the store record (which carries `revokedAt`) for `recordTtlMs` (default 30 s), so a
 *   revocation made by another process is honoured within that time; `invalidate(serial)` /
 *   `clear()` drop it at once in this process (call them when revoking; broadcast to other
 *   processes if 30 s is too long, or set recordTtlMs to 0).
 * Several valid certificates of one institution (key rotation) each resolve under their own serial.
 *
 * With `onRecord`, no certificate resolves before it is on the record (issue 19.6): the first time
 * this process reads a certificate's record from the store — and again when its revocation first
 * shows there — `onRecord` is called and awaited before the record is used, so a certificate
 * enrolled while the hub runs is on the audit log before any request is accepted under it. A
 * failed `onRecord` fails the resolution (the request is refused, 503 when the database is away);
 * the next one tries again. Concurrent first uses share one call.
 */
import type { KeyObject } from 'node:crypto';
import { TrustError } from './errors.js';
import type { ResolveKey, ResolvedKey } from './http-signatures.js';
import { checkStatus, findIssuer, normalizeSerial, parseCertificate, toAnchors, type CertificateAuthority, type ParsedCertificate, type TrustAnchors } from './pki.js';
import type { CertificateRecord, CertificateStore } from './types.js';

export interface InstitutionKey extends ResolvedKey {
  institutionId: string;
  publicKey: KeyObject;
  /** the certificate serial (= keyid) */
  serial: string;
  fingerprint: string;
  notAfter: Date;
  /** the certificate itself, for what it carries beyond the key (an operator's role: record/operator-cert.ts) */
  certPem?: string;
}

export interface KeyResolverOptions {
  store: CertificateStore;
  /** the federation CA certificate(s) */
  caCertPems: TrustAnchors;
  /** how long a store record is reused before the store is asked again, in ms (default 30 000) */
  recordTtlMs?: number;
  /** most serials kept in cache (default 10 000) */
  maxEntries?: number;
  /** monotonic-enough clock for the record TTL, for tests */
  clock?: () => number;
  /** puts a record on the record (the hub: the certificate ledger and audit log) before it is first used */
  onRecord?: (record: CertificateRecord) => Promise<void>;
}

interface Entry {
  record: CertificateRecord;
  fetchedAt: number;
  parsed: ParsedCertificate;
  issuer: CertificateAuthority;
}

export class CertificateKeyResolver {
  private readonly store: CertificateStore;
  private readonly anchors: CertificateAuthority[];
  private readonly recordTtlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<CertificateRecord | null>>();
  private readonly onRecord?: (record: CertificateRecord) => Promise<void>;
  /** serial -> the revocation time (ms, or null) last put on the record by onRecord */
  private readonly recorded = new Map<string, number | null>();

  constructor(opts: KeyResolverOptions) {
    this.store = opts.store;
    this.anchors = toAnchors(opts.caCertPems);
    this.recordTtlMs = opts.recordTtlMs ?? 30_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.clock = opts.clock ?? Date.now;
    this.onRecord = opts.onRecord;
  }

  /** Drops what is cached for `serial` (call it when that certificate is revoked or replaced). */
  invalidate(serial: string): void {
    this.entries.delete(normalizeSerial(serial));
  }

  clear(): void {
    this.entries.clear();
  }

  /** The institution key for `keyid` at `now`; throws `signature-key-unknown` or `certificate-*`. */
  async resolve(keyid: string | undefined, opts: { now?: Date } = {}): Promise<InstitutionKey> {
    if (keyid === undefined || !/^[0-9a-fA-F]{1,64}$/.test(keyid)) {
      throw new TrustError('signature-key-unknown', `keyid ${JSON.stringify(keyid ?? null)} is not a certificate serial`);
    }
    const serial = normalizeSerial(keyid);
    const now = opts.now ?? new Date();
    const entry = await this.entry(serial);
    const revokedAt = entry.record.revokedAt;
    checkStatus(entry.parsed, entry.issuer, { now, isRevoked: () => revokedAt !== null && revokedAt <= now });
    const p = entry.parsed;
    return {
      key: p.publicKey,
      publicKey: p.publicKey,
      institutionId: p.institutionId,
      serial: p.serial,
      fingerprint: p.fingerprint,
      notAfter: p.notAfter,
      certPem: p.pem,
    };
  }

  /** The resolver in the shape verifyMessage takes; it checks the certificate at the verification time. */
  readonly resolveKey: ResolveKey<InstitutionKey> = (keyid, _alg, ctx) => this.resolve(keyid, { now: ctx.now });

  private async entry(serial: string): Promise<Entry> {
    const cached = this.entries.get(serial);
    const fresh = cached !== undefined && this.clock() - cached.fetchedAt < this.recordTtlMs;
    if (cached && fresh) return cached;

    const record = await this.fetch(serial);
    if (!record) {
      this.entries.delete(serial);
      throw new TrustError('signature-key-unknown', `no certificate with serial ${serial} is registered`);
    }
    let parsed: ParsedCertificate;
    let issuer: CertificateAuthority;
    if (cached && cached.record.pem === record.pem) {
      ({ parsed, issuer } = cached);
    } else {
      parsed = parseCertificate(record.pem);
      if (parsed.serial !== serial || parsed.institutionId !== record.institutionId) {
        throw new TrustError('certificate-untrusted', `the stored record for ${serial} does not match its certificate`);
      }
      issuer = findIssuer(parsed, this.anchors);
    }
    const entry: Entry = { record, fetchedAt: this.clock(), parsed, issuer };
    this.entries.delete(serial);
    this.entries.set(serial, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  // one store query per serial at a time, however many requests arrive together; a record not yet
  // on the record (or whose revocation is new) is put there before anyone uses it
  private fetch(serial: string): Promise<CertificateRecord | null> {
    let p = this.inflight.get(serial);
    if (!p) {
      p = this.store
        .get(serial)
        .then(async (record) => {
          if (record && this.onRecord) await this.putOnRecord(serial, record);
          return record;
        })
        .finally(() => this.inflight.delete(serial));
      this.inflight.set(serial, p);
    }
    return p;
  }

  private async putOnRecord(serial: string, record: CertificateRecord): Promise<void> {
    const revoked = record.revokedAt === null ? null : record.revokedAt.getTime();
    if (this.recorded.has(serial) && this.recorded.get(serial) === revoked) return;
    await this.onRecord!(record);
    this.recorded.delete(serial);
    this.recorded.set(serial, revoked);
    // bounded like the cache: a serial forgotten here is merely put on the record again (idempotent)
    if (this.recorded.size > this.maxEntries) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}

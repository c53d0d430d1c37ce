/**
 * The certificate ledger: what the hub has seen of the PKI directory, so that each certificate
 * registration and each revocation made there (by the CLI, possibly while the hub runs) goes onto the
 * audit log exactly once, however many hub processes notice it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { certificates } from './schema.js';
import { appendAudit, type AuditRecord } from '../audit/writer.js';
import type { CertificateRecord } from '../trust/index.js';

export async function recordCertificates(db: Db, records: CertificateRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  return db.transaction(async (tx) => {
    const audit: AuditRecord[] = [];
    for (const r of records) {
      const inserted = await tx
        .insert(certificates)
        .values({
          serial: r.serial,
          institutionId: r.institutionId,
          pem: r.pem,
          fingerprint: r.fingerprint,
          notBefore: r.notBefore,
          notAfter: r.notAfter,
          revokedAt: r.revokedAt,
          createdAt: new Date(),
        })
        .onConflictDoNothing()
        .returning({ serial: certificates.serial });
      if (inserted.length) {
        audit.push({
          actor: 'operator:pki',
          action: 'certificate.registered',
          subject: r.serial,
          data: { institution: r.institutionId, fingerprint: r.fingerprint, notAfter: r.notAfter.toISOString() },
        });
      }
      if (r.revokedAt) {
        const revoked = await tx
          .update(certificates)
          .set({ revokedAt: r.revokedAt })
          .where(sql`${certificates.serial} = ${r.serial} and ${certificates.revokedAt} is null`)
          .returning({ serial: certificates.serial });
        if (revoked.length || (inserted.length && r.revokedAt)) {
          audit.push({ actor: 'operator:pki', action: 'certificate.revoked', subject: r.serial, data: { institution: r.institutionId, revokedAt: r.revokedAt.toISOString() } });
        }
      }
    }
    await appendAudit(tx, audit);
    return audit.length;
  });
}

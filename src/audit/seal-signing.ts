/**
 * Signed seals (issue 26): each seal of the audit chain is signed with the hub's key, over the seal
 * statement `wasla-audit-seal/1` (record/bundle.ts: hub, seal, first entry, count, previous and head
 * hash, time). The head hash covers every entry of the seal and, through the previous hash, the
 * whole chain before it; so a signed seal lets anyone holding the hub's certificate check that the
 * hub vouched for this chain up to there — something a person who can rewrite the database, hashes
 * included, cannot forge without the hub's key.
 *
 * A running hub signs each seal as it makes it, in the statement that inserts it
 * (`sealStatementSigner`). Seals left unsigned — made by a process without the key, or before
 * migration 0014 — are signed afterwards, in a statement per seal (`signPendingSeals`). A seal
 * signed once is never signed again (`where signature is null`), so two processes signing at once
 * write the same seal once. `verifySealSignatures` checks every seal's
 * signature against the hub certificates given; seals made before signing existed (or by a process
 * without the hub key) are counted as unsigned, not as broken.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { resultRows, type Db, type DbOrTx } from '../store/db.js';
import { SEAL_STATEMENT_FORMAT, sealStatementBytes, signSeal, type SealStatement, type SignatureValue } from '../record/bundle.js';
import { toPrivateKey, verifyBytes } from '../trust/algorithms.js';
import type { UnsignedSealStatement } from './log.js';
import { normalizeSerial, parseCertificate } from '../trust/index.js';

export { SEAL_STATEMENT_FORMAT };

export interface SealSigner {
  /** the hub's institution id, as its certificate names it */
  hub: string;
  keyPem: string;
  certPem: string;
}

/** the hub's key and certificate when this process has them (hub.key.pem, hub.cert.pem in the PKI directory) */
export function hubSignerFrom(pkiDir: string, hub: string): SealSigner | undefined {
  const keyFile = join(pkiDir, 'hub.key.pem');
  const certFile = join(pkiDir, 'hub.cert.pem');
  if (!existsSync(keyFile) || !existsSync(certFile)) return undefined;
  return { hub, keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8') };
}

interface SealRow {
  seal: string | number;
  first_seq: string | number;
  count: string | number;
  prev_hash: string;
  head_hash: string;
  sealed_at: Date | string;
  signature: SignatureValue | null;
}

function statementOf(hub: string, r: SealRow): SealStatement {
  return {
    hub,
    seal: Number(r.seal),
    firstSeq: Number(r.first_seq),
    count: Number(r.count),
    prevHash: r.prev_hash,
    headHash: r.head_hash,
    sealedAt: new Date(r.sealed_at).toISOString(),
  };
}

const SEAL_COLUMNS = sql`seal, first_seq, cardinality(entry_ids) as count, prev_hash, head_hash, sealed_at, signature`;

/**
 * Signs each seal as the sealer makes it (`sealAudit`'s `sign`): the key and its certificate's
 * serial are read once, not per seal.
 */
export function sealStatementSigner(signer: SealSigner): (seal: UnsignedSealStatement) => SignatureValue {
  const keyid = parseCertificate(signer.certPem).serial;
  const key = toPrivateKey(signer.keyPem);
  return (seal) => signSeal({ hub: signer.hub, ...seal }, key, keyid);
}

/** Signs up to `limit` unsigned seals, oldest first; returns how many it signed. */
export async function signPendingSeals(db: Db, signer: SealSigner, limit = 100): Promise<number> {
  const rows = resultRows<SealRow>(await db.execute(sql`select ${SEAL_COLUMNS} from audit_seals where signature is null order by seal limit ${limit}`));
  const keyid = parseCertificate(signer.certPem).serial;
  for (const r of rows) {
    const signature = signSeal(statementOf(signer.hub, r), signer.keyPem, keyid);
    await db.execute(sql`update audit_seals set signature = ${JSON.stringify(signature)}::jsonb where seal = ${Number(r.seal)} and signature is null`);
  }
  return rows.length;
}

export interface SealSignatureReport {
  signed: number;
  unsigned: number;
  /** the first seal whose signature does not verify, and why */
  invalid?: { seal: number; reason: string };
}

/** Checks every seal's signature with the hub certificates (`hub` names the hub's institution). */
export async function verifySealSignatures(db: DbOrTx, hub: string, hubCertPems: readonly string[], batch = 500, fromSeal = 1): Promise<SealSignatureReport> {
  const certs = new Map(hubCertPems.map((pem) => parseCertificate(pem)).map((c) => [c.serial, c]));
  const report: SealSignatureReport = { signed: 0, unsigned: 0 };
  let after = fromSeal - 1;
  for (;;) {
    const rows = resultRows<SealRow>(await db.execute(sql`select ${SEAL_COLUMNS} from audit_seals where seal > ${after} order by seal limit ${batch}`));
    if (rows.length === 0) return report;
    for (const r of rows) {
      after = Number(r.seal);
      const sig = r.signature;
      if (!sig) {
        report.unsigned++;
        continue;
      }
      const cert = typeof sig.keyid === 'string' ? certs.get(normalizeSerial(sig.keyid)) : undefined;
      const statement = statementOf(hub, r);
      const sealedAt = new Date(statement.sealedAt);
      const why = !cert
        ? `signed by ${String(sig.keyid).slice(0, 64)}, which is not a hub certificate given`
        : sealedAt < cert.notBefore || sealedAt > cert.notAfter
          ? 'signed outside its certificate validity'
          : !verifyBytes(sig.alg, cert.publicKey, sealStatementBytes(statement), Buffer.from(String(sig.value), 'base64'))
            ? 'its signature does not verify: the seal or its signature was altered'
            : undefined;
      if (why) {
        report.invalid = { seal: after, reason: `seal ${after} ${why}` };
        return report;
      }
      report.signed++;
    }
  }
}

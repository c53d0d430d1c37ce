/**
 * `wasla audit export` (issue 26): a signed audit bundle (record/bundle.ts) of every seal whose
 * entries overlap a time range — the entries, the seals with their signatures, the hub and CA
 * certificates, the certificates of the institutions whose evidence it carries with their
 * revocation times, and the evidence of origin of each message accepted in it — that an auditor
 * verifies offline (`wasla audit verify-bundle`, record/bundle.ts `verifyAuditBundle`).
 *
 * Only signed seals can be exported: a bundle whose seals the hub did not sign proves nothing an
 * editor of the database could not forge, so an unsigned seal in the range is an error naming it.
 * Bounded: at most `maxSeals` seals (default 10,000, about 5 million entries) per bundle.
 */
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../store/db.js';
import { buildAuditBundle, type BuildBundleInput, type SignatureValue } from '../record/bundle.js';
import type { OriginEvidence } from '../record/origin.js';
import { originsOf } from '../store/origins.js';
import type { SealSigner } from './seal-signing.js';

export interface ExportOptions {
  from?: Date;
  to?: Date;
  signer: SealSigner;
  caCertPems: readonly string[];
  /** every hub certificate, for seals signed before a change of hub key */
  hubCertPems: readonly string[];
  /** institution certificates by serial, with revocation times as the hub knows them */
  certificate: (serial: string) => Promise<{ pem: string; revokedAt: Date | null } | undefined>;
  maxSeals?: number;
}

export class ExportError extends Error {}

interface SealRow {
  seal: string | number;
  first_seq: string | number;
  prev_hash: string;
  head_hash: string;
  sealed_at: Date | string;
  signature: SignatureValue | null;
  entry_ids: Array<string | number>;
}

interface EntryRow {
  id: string | number;
  at_ms: number;
  actor: string;
  action: string;
  subject: string | null;
  data: unknown;
}

/** The canonical text of the signed bundle of the seals overlapping [from, to]. */
export async function exportAuditBundle(db: Db, o: ExportOptions): Promise<{ text: string; seals: number; entries: number; origins: number }> {
  const maxSeals = o.maxSeals ?? 10_000;
  // an entry is sealed after it is written, so a seal holding an entry at or after `from` was sealed at or after it
  const seals = resultRows<SealRow>(
    await db.execute(sql`select seal, first_seq, prev_hash, head_hash, sealed_at, signature, entry_ids from audit_seals
      where sealed_at >= ${o.from ?? new Date(0)} order by seal limit ${maxSeals + 1}`),
  );
  const chosen: BuildBundleInput['seals'][number][] = [];
  for (const s of seals) {
    const ids = s.entry_ids.map(Number);
    const rows = resultRows<EntryRow>(
      await db.execute(sql`select id, floor(extract(epoch from at) * 1000)::float8 as at_ms, actor, action, subject, data
        from audit_log where id = any(${`{${ids.join(',')}}`}::bigint[])`),
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const entries = ids.map((id, i) => {
      const r = byId.get(id);
      if (!r) throw new ExportError(`seal ${s.seal}: entry id ${id} is missing; run wasla audit verify`);
      return { seq: Number(s.first_seq) + i, at: new Date(Number(r.at_ms)), actor: r.actor, action: r.action, subject: r.subject, data: r.data };
    });
    const inRange = entries.some((e) => (!o.from || e.at >= o.from) && (!o.to || e.at <= o.to));
    if (!inRange) {
      if (o.to && entries.every((e) => e.at > o.to!)) break;
      continue;
    }
    if (chosen.length >= maxSeals) throw new ExportError(`more than ${maxSeals} seals in the range: export a shorter one`);
    if (!s.signature) throw new ExportError(`seal ${s.seal} is not signed yet: run the hub (or wasla audit verify) with the hub key, then export again`);
    chosen.push({ seal: Number(s.seal), firstSeq: Number(s.first_seq), prevHash: s.prev_hash, headHash: s.head_hash, sealedAt: new Date(s.sealed_at), entries, signature: s.signature });
  }
  if (chosen.length === 0) throw new ExportError('no sealed entries in the range');

  const accepted = chosen.flatMap((s) => s.entries.filter((e) => e.action === 'message.accepted' && e.subject).map((e) => e.subject!));
  const stored = await originsOf(db, accepted);
  const origins: Record<string, OriginEvidence> = {};
  const serials = new Set<string>();
  for (const [id, ev] of stored) {
    origins[id] = ev as OriginEvidence;
    serials.add((ev as OriginEvidence).certificate);
  }
  const institutionCertificates: Array<{ pem: string; revokedAt: Date | null }> = [];
  for (const serial of [...serials].sort()) {
    const c = await o.certificate(serial);
    if (c) institutionCertificates.push(c);
  }
  const text = buildAuditBundle({
    hub: { id: o.signer.hub, key: o.signer.keyPem, certPem: o.signer.certPem },
    caCertPems: o.caCertPems,
    otherHubCertPems: o.hubCertPems,
    institutionCertificates,
    seals: chosen,
    origins,
    range: { from: o.from ?? null, to: o.to ?? null },
  });
  return { text, seals: chosen.length, entries: chosen.reduce((n, s) => n + s.entries.length, 0), origins: Object.keys(origins).length };
}

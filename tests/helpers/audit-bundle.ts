/**
 * Test support: a small federation (CA, hub, a court) made at run time, and a realistic audit
 * export — two seals over five entries, one of them a message the court signed with the SDK, with
 * its evidence of origin; and the export of a running test hub's own log, as `wasla audit export`
 * makes it. No key material is kept in the repository.
 */
import { createHash, randomUUID } from 'node:crypto';
import { entryHash, GENESIS_HASH, type AuditEntry } from '../../src/audit/chain.js';
import { exportAuditBundle } from '../../src/audit/export.js';
import { hubSignerFrom } from '../../src/audit/seal-signing.js';
import type { Db } from '../../src/store/index.js';
import { signRequest } from '../../src/client/index.js';
import { buildAuditBundle, signSeal, type BuildBundleInput, type SignatureValue } from '../../src/record/bundle.js';
import { captureOrigin, type OriginEvidence } from '../../src/record/origin.js';
import { createCa, enroll, FileCertificateStore, HUB_INSTITUTION_ID, type CaMaterial, type EnrolledInstitution } from '../../src/trust/index.js';
import { sharedFederation } from './federation.js';

const DAY = 86_400_000;

export interface Federation {
  ca: CaMaterial;
  hub: EnrolledInstitution;
  court: EnrolledInstitution;
}

export function federation(): Federation {
  const notBefore = new Date(Date.now() - 30 * DAY);
  const ca = createCa({ commonName: 'Bundle Test CA', validityDays: 3650, keyBits: 2048, notBefore: new Date(Date.now() - 400 * DAY) });
  return {
    ca,
    hub: enroll({ ca, institutionId: HUB_INSTITUTION_ID, keyType: 'ec-p256', validityDays: 365, notBefore }),
    court: enroll({ ca, institutionId: 'ps.hjc.court.ramallah', keyType: 'ed25519', validityDays: 365, notBefore }),
  };
}

export type Entry = AuditEntry;

/** The bundle of a test hub's audit log from `from` on, signed with the shared federation's hub key. */
export function exportHubBundle(db: Db, from: Date) {
  const fed = sharedFederation();
  const store = new FileCertificateStore(fed.pkiDir);
  return exportAuditBundle(db, {
    from,
    signer: hubSignerFrom(fed.pkiDir, HUB_INSTITUTION_ID)!,
    caCertPems: [fed.caCertPem],
    hubCertPems: [fed.hubCertPem],
    certificate: async (serial) => {
      const c = await store.get(serial);
      return c ? { pem: c.pem, revokedAt: c.revokedAt } : undefined;
    },
  });
}

/** Seals over `groups` of entries, chained from genesis and signed with the hub key. */
export function sealed(fed: Federation, groups: Entry[][], sealedAt = (i: number) => new Date(Date.now() - (groups.length - i) * 60_000)): BuildBundleInput['seals'] {
  let prev = GENESIS_HASH;
  return groups.map((entries, i) => {
    const prevHash = prev;
    for (const e of entries) prev = entryHash(prev, e);
    const s = { seal: i + 1, firstSeq: entries[0].seq, prevHash, headHash: prev, sealedAt: sealedAt(i), entries };
    const signature: SignatureValue = signSeal(
      { hub: HUB_INSTITUTION_ID, seal: s.seal, firstSeq: s.firstSeq, count: entries.length, prevHash, headHash: prev, sealedAt: s.sealedAt.toISOString() },
      fed.hub.keyPem,
      fed.hub.serial,
    );
    return { ...s, signature };
  });
}

export async function courtMessage(fed: Federation, receivedAt: Date): Promise<{ id: string; evidence: OriginEvidence; bodySha256: string }> {
  const body = JSON.stringify({ specversion: '1.0', type: 'warrant.issued', source: fed.court.institutionId, data: { warrantNumber: 'RAM-W-2026-00604' } });
  const signed = await signRequest(new Request('https://wasla.hjc.example/v1/messages', { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body }), fed.court.keyPem, {
    keyid: fed.court.serial,
    alg: 'ed25519',
    created: new Date(receivedAt.getTime() - 1000),
  });
  const headers: Record<string, string> = {};
  signed.headers.forEach((v, k) => {
    headers[k] = v;
  });
  const evidence = captureOrigin(
    { method: 'POST', url: signed.url, headers, body: Buffer.from(body) },
    { label: 'wasla', institution: fed.court.institutionId, certificate: fed.court.serial, receivedAt },
  );
  return { id: randomUUID(), evidence, bodySha256: createHash('sha256').update(body).digest('hex') };
}

export interface Export {
  text: string;
  input: BuildBundleInput;
  messageId: string;
  entries: Entry[];
}

/** A signed export: seal 1 = entries 1-3 (one of them the court's message), seal 2 = entries 4-5. */
export async function smallExport(fed: Federation, opts: { courtRevokedAt?: Date | null } = {}): Promise<Export> {
  const t0 = Date.now() - 10 * 60_000;
  const receivedAt = new Date(t0 + 1000);
  const msg = await courtMessage(fed, receivedAt);
  const at = (k: number) => new Date(t0 + k * 1000);
  const entries: Entry[] = [
    { seq: 1, at: at(0), actor: 'operator:pki', action: 'certificate.registered', subject: fed.court.serial, data: { institution: fed.court.institutionId } },
    {
      seq: 2,
      at: at(2),
      actor: fed.court.institutionId,
      action: 'message.accepted',
      subject: msg.id,
      data: { type: 'warrant.issued', version: '3.0', classification: 'public', bodySha256: msg.bodySha256, deliveries: [randomUUID()] },
    },
    { seq: 3, at: at(3), actor: 'hub', action: 'delivery.attempted', subject: randomUUID(), data: { outcome: 'delivered', status: 200 } },
    { seq: 4, at: at(4), actor: 'ps.police.judicial', action: 'message.read', subject: msg.id, data: { credential: 'cert:01' } },
    { seq: 5, at: at(5), actor: 'operator:pki', action: 'certificate.revoked', subject: '7f', data: { note: 'مثال' } },
  ];
  const input: BuildBundleInput = {
    hub: { id: HUB_INSTITUTION_ID, key: fed.hub.keyPem, certPem: fed.hub.certPem },
    caCertPems: [fed.ca.certPem],
    institutionCertificates: [{ pem: fed.court.certPem, revokedAt: opts.courtRevokedAt ?? null }],
    seals: sealed(fed, [entries.slice(0, 3), entries.slice(3)]),
    origins: { [msg.id]: msg.evidence },
    range: { from: at(0), to: at(5) },
  };
  return { text: buildAuditBundle(input), input, messageId: msg.id, entries };
}

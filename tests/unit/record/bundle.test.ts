/**
 * Signed audit bundles (issue 26, item 5): verified without the hub, and any changed byte fails.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../../src/audit/chain.js';
import { canonicalJson } from '../../../src/audit/canonical-json.js';
import { buildAuditBundle, verifyAuditBundle, type AuditBundle } from '../../../src/record/bundle.js';
import { createCa, enroll, HUB_INSTITUTION_ID } from '../../../src/trust/index.js';
import { federation, sealed, smallExport, type Export, type Federation } from '../../helpers/audit-bundle.js';

let fed: Federation;
let exp: Export;
let caFingerprint: string;

beforeAll(async () => {
  fed = federation();
  exp = await smallExport(fed);
  const { X509Certificate } = await import('node:crypto');
  caFingerprint = new X509Certificate(fed.ca.certPem).fingerprint256;
});

const problemCodes = (r: { problems: Array<{ code: string }> }) => r.problems.map((p) => p.code);

describe('verifyAuditBundle', () => {
  it('verifies an export: chain, seal signatures, bundle signature, evidence of origin', async () => {
    const r = await verifyAuditBundle(exp.text, { trustedCa: [caFingerprint] });
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ ok: true, trust: 'pinned', hub: HUB_INSTITUTION_ID, seals: 2, entries: 5, firstSeq: 1, origins: { verified: 1, missing: [] } });
    let h = GENESIS_HASH;
    for (const e of exp.entries) h = entryHash(h, e);
    expect(r.head).toBe(`5:${h}`);
    // bytes as read from a file, and the CA given as a PEM
    expect((await verifyAuditBundle(Buffer.from(exp.text), { trustedCa: [fed.ca.certPem] })).ok).toBe(true);
  });

  it('fails when any byte changes: every position of the bundle', async () => {
    const bytes = Buffer.from(exp.text, 'utf8');
    const passed: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] ^= 0x01;
      const r = await verifyAuditBundle(copy, { trustedCa: [caFingerprint] });
      if (r.ok) passed.push(i);
    }
    expect(bytes.length).toBeGreaterThan(4000);
    expect(passed).toEqual([]);
  });

  it('fails when any byte changes: other values at a sample of positions, and bytes added or removed', async () => {
    const bytes = Buffer.from(exp.text, 'utf8');
    let seed = 0x2545f491;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
    const passed: string[] = [];
    for (let k = 0; k < 600; k++) {
      const i = rand() % bytes.length;
      const copy = Buffer.from(bytes);
      copy[i] = (copy[i] + 1 + (rand() % 255)) & 0xff;
      if ((await verifyAuditBundle(copy, { trustedCa: [caFingerprint] })).ok) passed.push(`set ${i}`);
    }
    for (const i of [0, 1, bytes.length >> 1, bytes.length - 1]) {
      if ((await verifyAuditBundle(Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]), { trustedCa: [caFingerprint] })).ok) passed.push(`cut ${i}`);
      if ((await verifyAuditBundle(Buffer.concat([bytes.subarray(0, i), Buffer.from(' '), bytes.subarray(i)]), { trustedCa: [caFingerprint] })).ok) passed.push(`space ${i}`);
    }
    expect(passed).toEqual([]);
  });

  it('refuses a signature whose base64 is spelt otherwise (unused bits of its last character set)', async () => {
    const doc = JSON.parse(exp.text) as AuditBundle;
    const value = doc.signature.value;
    expect(value.endsWith('==')).toBe(true);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = value.length - 3;
    const other = value.slice(0, last) + alphabet[alphabet.indexOf(value[last]) ^ 1] + value.slice(last + 1);
    expect(Buffer.from(other, 'base64').equals(Buffer.from(value, 'base64'))).toBe(true);
    const text = exp.text.replace(value, other);
    expect(text).not.toBe(exp.text);
    const r = await verifyAuditBundle(text, { trustedCa: [caFingerprint] });
    expect(r.problems).toEqual([{ where: 'signature', code: 'bundle-malformed', detail: 'value must be canonical base64' }]);
  });

  it('refuses a reformatted bundle even with the same content', async () => {
    const pretty = JSON.stringify(JSON.parse(exp.text), null, 2);
    expect(problemCodes(await verifyAuditBundle(pretty))).toEqual(['bundle-not-canonical']);
    expect(exp.text).toContain(',"createdAt":');
    const dup = exp.text.replace(',"createdAt":', ',"createdAt":"x","createdAt":');
    expect(problemCodes(await verifyAuditBundle(dup))).toEqual(['bundle-not-canonical']);
  });

  it('without a CA to trust it only shows the bundle consistent; with the wrong one it fails', async () => {
    const r = await verifyAuditBundle(exp.text);
    expect(r).toMatchObject({ ok: true, trust: 'bundle' });
    const other = createCa({ commonName: 'Someone else', validityDays: 10, keyBits: 2048 });
    expect(problemCodes(await verifyAuditBundle(exp.text, { trustedCa: [other.certPem] }))).toEqual(['ca-untrusted']);
  });

  it('a chain rewritten and re-signed by someone holding another CA fails against the federation CA', async () => {
    const forger = federation();
    const forged = buildAuditBundle({
      ...exp.input,
      hub: { id: HUB_INSTITUTION_ID, key: forger.hub.keyPem, certPem: forger.hub.certPem },
      caCertPems: [forger.ca.certPem],
      seals: sealed(forger, [exp.entries.slice(0, 3), exp.entries.slice(3)]),
      institutionCertificates: [],
      origins: {},
    });
    expect((await verifyAuditBundle(forged)).ok).toBe(true);
    expect(problemCodes(await verifyAuditBundle(forged, { trustedCa: [caFingerprint] }))).toEqual(['ca-untrusted']);
  });

  it('an entry changed and the seal head recomputed, the bundle re-signed with the hub key: the seal signature fails', async () => {
    const entries = exp.entries.map((e) => (e.seq === 3 ? { ...e, data: { outcome: 'dead', status: 500 } } : e));
    const seals = exp.input.seals.map((s, i) => {
      const group = entries.filter((e) => e.seq >= s.firstSeq && e.seq < s.firstSeq + s.entries.length);
      let h = i === 0 ? GENESIS_HASH : '';
      if (i === 0) for (const e of group) h = entryHash(h, e);
      return i === 0 ? { ...s, entries: group, headHash: h } : s;
    });
    const r = await verifyAuditBundle(buildAuditBundle({ ...exp.input, seals }), { trustedCa: [caFingerprint] });
    expect(problemCodes(r)).toEqual(['signature-invalid', 'seal-discontinuous']);
    expect(r.problems[0].where).toBe('seals/0/signature');
  });

  it('a seal removed from the middle breaks continuity', async () => {
    const three = sealed(fed, [exp.entries.slice(0, 2), exp.entries.slice(2, 4), exp.entries.slice(4)]);
    const whole = buildAuditBundle({ ...exp.input, seals: three });
    expect((await verifyAuditBundle(whole, { trustedCa: [caFingerprint] })).ok).toBe(true);
    const gap = buildAuditBundle({ ...exp.input, seals: [three[0], three[2]] });
    const r = await verifyAuditBundle(gap, { trustedCa: [caFingerprint] });
    // seal 3 follows seal 1, its first entry is 5 where the chain is at 3, and its previous hash is seal 2's head
    expect(problemCodes(r)).toEqual(['seal-discontinuous', 'seal-discontinuous', 'seal-discontinuous']);
  });

  it('checks a head recorded earlier', async () => {
    const r = await verifyAuditBundle(exp.text, { trustedCa: [caFingerprint] });
    expect((await verifyAuditBundle(exp.text, { expectHead: r.head })).ok).toBe(true);
    let h = GENESIS_HASH;
    for (const e of exp.entries.slice(0, 2)) h = entryHash(h, e);
    expect((await verifyAuditBundle(exp.text, { expectHead: `2:${h}` })).ok).toBe(true);
    expect(problemCodes(await verifyAuditBundle(exp.text, { expectHead: `2:${'0'.repeat(64)}` }))).toEqual(['expected-head-missing']);
    expect(problemCodes(await verifyAuditBundle(exp.text, { expectHead: `9:${h}` }))).toEqual(['expected-head-missing']);
  });

  it('evidence of origin: a certificate revoked after the message verifies, one revoked before does not', async () => {
    const later = await smallExport(fed, { courtRevokedAt: new Date(Date.now() + 3600_000) });
    expect((await verifyAuditBundle(later.text, { trustedCa: [caFingerprint] })).ok).toBe(true);
    const before = await smallExport(fed, { courtRevokedAt: new Date(Date.now() - 20 * 60_000) });
    const r = await verifyAuditBundle(before.text, { trustedCa: [caFingerprint] });
    expect(problemCodes(r)).toEqual(['origin-certificate-revoked']);
    // the auditor's own knowledge of a revocation counts too
    const known = await verifyAuditBundle(exp.text, { trustedCa: [caFingerprint], revoked: { [fed.court.serial]: new Date(Date.now() - 20 * 60_000) } });
    expect(problemCodes(known)).toEqual(['origin-certificate-revoked']);
  });

  it("evidence must match its message's sealed entry: sender and body", async () => {
    const entries = exp.entries.map((e) => (e.action === 'message.accepted' ? { ...e, data: { ...(e.data as object), bodySha256: 'f'.repeat(64) } } : e));
    const text = buildAuditBundle({ ...exp.input, seals: sealed(fed, [entries.slice(0, 3), entries.slice(3)]) });
    expect(problemCodes(await verifyAuditBundle(text, { trustedCa: [caFingerprint] }))).toEqual(['origin-digest-mismatch']);
    const other = exp.entries.map((e) => (e.action === 'message.accepted' ? { ...e, actor: 'ps.hjc.court.nablus' } : e));
    const text2 = buildAuditBundle({ ...exp.input, seals: sealed(fed, [other.slice(0, 3), other.slice(3)]) });
    expect(problemCodes(await verifyAuditBundle(text2, { trustedCa: [caFingerprint] }))).toEqual(['origin-certificate-mismatch']);
  });

  it('names messages accepted without evidence, and refuses evidence without a message', async () => {
    const none = await verifyAuditBundle(buildAuditBundle({ ...exp.input, origins: {} }), { trustedCa: [caFingerprint] });
    expect(none).toMatchObject({ ok: true, origins: { verified: 0, missing: [exp.messageId] } });
    const stray = buildAuditBundle({ ...exp.input, origins: { 'not-a-message': Object.values(exp.input.origins)[0] } });
    expect(problemCodes(await verifyAuditBundle(stray, { trustedCa: [caFingerprint] }))).toEqual(['origin-without-entry']);
  });

  it('refuses an ECDSA signature in high-s form (a second spelling of the same signature)', async () => {
    const doc = JSON.parse(exp.text) as AuditBundle;
    const sig = Buffer.from(doc.seals[0].signature.value, 'base64');
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const s = BigInt('0x' + sig.subarray(32).toString('hex'));
    const high = Buffer.concat([sig.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
    const seals = exp.input.seals.map((x, i) => (i === 0 ? { ...x, signature: { ...x.signature, value: high.toString('base64') } } : x));
    const r = await verifyAuditBundle(buildAuditBundle({ ...exp.input, seals }), { trustedCa: [caFingerprint] });
    expect(r.problems).toEqual([{ where: 'seals/0/signature', code: 'signature-invalid', detail: 'an ECDSA signature must be in low-s form' }]);
  });

  it('a seal signed by a hub certificate that had expired by then fails', async () => {
    const old = enroll({ ca: fed.ca, institutionId: HUB_INSTITUTION_ID, keyType: 'ed25519', validityDays: 1, notBefore: new Date(Date.now() - 10 * 86_400_000) });
    const oldFed = { ...fed, hub: old };
    const text = buildAuditBundle({ ...exp.input, otherHubCertPems: [old.certPem], seals: sealed(oldFed, [exp.entries.slice(0, 3), exp.entries.slice(3)]) });
    const r = await verifyAuditBundle(text, { trustedCa: [caFingerprint] });
    expect(problemCodes(r)).toEqual(['signature-certificate-invalid', 'signature-certificate-invalid']);
    // seals made while it was valid verify: a hub key rotation keeps old seals good
    const valid = buildAuditBundle({
      ...exp.input,
      otherHubCertPems: [old.certPem],
      seals: sealed(oldFed, [exp.entries.slice(0, 3), exp.entries.slice(3)], () => new Date(Date.now() - 9.5 * 86_400_000)),
    });
    expect((await verifyAuditBundle(valid, { trustedCa: [caFingerprint] })).problems).toEqual([]);
  });

  it('is canonical JSON as written', () => {
    expect(canonicalJson(JSON.parse(exp.text))).toBe(exp.text);
  });

  it('imports nothing of the server, so the SDK can offer it', () => {
    const root = resolve('src');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
        visit(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
      }
    };
    visit(join(root, 'record', 'bundle.ts'));
    const files = [...seen].map((f) => relative(root, f)).sort();
    // federation/ is the pure model (types and constants), which the SDK carries anyway
    const allowed = (f: string) =>
      f.startsWith('record/') || f.startsWith('trust/') || f.startsWith('federation/') || ['audit/chain.ts', 'audit/canonical-json.ts', 'errors.ts', 'batcher.ts'].includes(f);
    expect(files.filter((f) => !allowed(f))).toEqual([]);
    expect(files).toContain('audit/chain.ts');
  });
});

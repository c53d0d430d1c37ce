/**
 * One conformance suite for every adapter (issue 22): an adapter passes it by having a folder in
 * src/adapters/<name>/ with the port's file set, a registry entry, and golden files in
 * tests/fixtures/adapters/<name>/ (cases.json names them); then one line in
 * tests/embedded/adapter-conformance.test.ts runs it. What it holds every adapter to:
 *
 * - golden files both ways: each outbound case encodes to exactly its golden bytes and media type;
 *   each inbound document parses to exactly its golden CloudEvents envelope;
 * - the hub's signature covers exactly the bytes produced: the SDK verifies the signed request, and
 *   one changed byte of the body, or another id in a header, fails it;
 * - the message id, delivery id and attempt on every request, the two ids covered by the signature;
 * - the outcome rules for every status class (2xx delivered; 408, 425, 429, 5xx retried with
 *   Retry-After honoured; 3xx and other 4xx dead; a hostile body bounded in the reason);
 * - a round trip through a real receiver on 127.0.0.1 that verifies the hub's signature and signs
 *   its receipt, which the hub checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFor, HttpTransport, type Adapter, type FormatContext, type OutboundMessage, type OutboundRequest } from '../../src/adapters/index.js';
import { deliverySigner, checkReceipt } from '../../src/workers/delivery-signing.js';
import { CertificateKeyResolver, ensureHubCertificate, FileCertificateStore } from '../../src/trust/index.js';
import { parseStrictJson } from '../../src/intake/strict-json.js';
import { loadContracts } from '../../src/routing/index.js';
import type { Institution } from '../../src/federation/index.js';
import { ok, startReceiver, verifyWithSdk, type Receiver } from '../helpers/receiver.js';
import { sharedFederation } from '../helpers/federation.js';
import { CONTRACTS } from '../helpers/contracts.js';

/** the files every adapter folder has (src/adapters/types.ts) */
export const ADAPTER_FILES = ['index.ts', 'encode.ts', 'decode.ts', 'parse-inbound.ts'];

interface Cases {
  recipient: string;
  outbound: Array<{ name: string; message: string; body: string; contentType: string }>;
  inbound: Array<{ name: string; body: string; mediaType: string; expected: string }>;
}

export function adapterConformanceSuite(name: string) {
  const dir = join('tests/fixtures/adapters', name);
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Cases;
  const read = (f: string) => readFileSync(join(dir, f));
  const messageOf = (f: string) => JSON.parse(read(f).toString('utf8')) as OutboundMessage;

  describe(`adapter conformance: ${name}`, () => {
    const adapter = adapterFor(name) as Adapter;
    // the shipped contract set: its mappings are what the hub would use, whoever speaks which format
    const contracts = loadContracts(CONTRACTS);
    const ctx: FormatContext = { mappings: contracts.mappings };
    const fed = sharedFederation();
    const hubKey = ensureHubCertificate(fed.pkiDir);
    const sign = deliverySigner({ keyPem: hubKey.keyPem, serial: hubKey.serial });
    let receiver: Receiver;
    let transport: HttpTransport;
    const recipientAt = (url: string): Institution => ({ ...contracts.institution(cases.recipient)!, endpoints: { deliveries: `${url}/${cases.recipient}` } });

    beforeAll(async () => {
      receiver = await startReceiver(ok);
      transport = new HttpTransport();
    });
    afterAll(async () => {
      transport?.close();
      await receiver?.close();
    });

    it('is registered by name and has the adapter folder file set', () => {
      expect(adapter?.name).toBe(name);
      for (const f of ADAPTER_FILES) expect(existsSync(join('src/adapters', name, f)), f).toBe(true);
      expect(cases.outbound.length).toBeGreaterThan(0);
      expect(cases.inbound.length).toBeGreaterThan(0);
    });

    for (const c of cases.outbound) {
      it(`encodes ${c.name} to exactly its golden bytes`, () => {
        const m = messageOf(c.message);
        const major = Number(m.envelope.dataschema.match(/\/(\d+)\.\d+\.schema\.json$/)![1]);
        expect(adapter.cannotEncode(m.envelope.type, major, ctx)).toBeUndefined();
        const req = adapter.encode(m, recipientAt('http://127.0.0.1:9'), ctx);
        expect(req.method).toBe('POST');
        expect(req.url).toBe(`http://127.0.0.1:9/${cases.recipient}`);
        expect(req.headers['content-type']).toBe(c.contentType);
        expect(req.body.toString('utf8')).toBe(read(c.body).toString('utf8'));
        expect(req.body.equals(read(c.body))).toBe(true);
      });
    }

    for (const c of cases.inbound) {
      it(`parses ${c.name} to exactly its golden envelope`, () => {
        const doc = adapter.parseInbound(read(c.body), { ...ctx, mediaType: c.mediaType, maxBytes: 1 << 20, strictJson: (b) => parseStrictJson(b) });
        expect(doc).toEqual(JSON.parse(read(c.expected).toString('utf8')));
      });
    }

    it('signs exactly the bytes it produced: one changed byte or another id fails the check', async () => {
      const url = 'http://127.0.0.1:9';
      for (const c of cases.outbound) {
        const req = sign(adapter.encode(messageOf(c.message), recipientAt(url), ctx));
        const verified = await verifyWithSdk(fed, req.url, req.method, req.headers, req.body);
        expect(verified.body.equals(read(c.body))).toBe(true);
        const flipped = Buffer.from(req.body);
        flipped[flipped.length >> 1] ^= 1;
        await expect(verifyWithSdk(fed, req.url, req.method, req.headers, flipped)).rejects.toThrow();
        await expect(verifyWithSdk(fed, req.url, req.method, { ...req.headers, 'wasla-delivery-id': '0196f1c2-0000-7000-8000-000000000000' }, req.body)).rejects.toThrow();
      }
    });

    it('carries the message id, delivery id and attempt on every request, both ids signed', async () => {
      for (const c of cases.outbound) {
        for (const attempt of [1, 7]) {
          const m = { ...messageOf(c.message), attempt };
          const req = sign(adapter.encode(m, recipientAt('http://127.0.0.1:9'), ctx));
          expect(req.headers).toMatchObject({ 'wasla-message-id': m.envelope.id, 'wasla-delivery-id': m.deliveryId, 'wasla-attempt': String(attempt) });
          expect(req.headers['signature-input']).toMatch(/"wasla-message-id" "wasla-delivery-id"/);
          const v = await verifyWithSdk(fed, req.url, req.method, req.headers, req.body);
          expect([v.messageId, v.deliveryId]).toEqual([m.envelope.id, m.deliveryId]);
        }
      }
    });

    it('decodes every status class by the outcome rules', () => {
      const answer = (status: number, headers: Record<string, string> = {}, body = '') => adapter.decode({ status, headers, body: Buffer.from(body) });
      for (const s of [200, 201, 202, 204]) expect(answer(s).kind, String(s)).toBe('delivered');
      for (const s of [408, 425, 429, 500, 502, 503, 504]) expect(answer(s).kind, String(s)).toBe('retry');
      for (const s of [301, 302, 400, 401, 403, 404, 409, 413, 415, 422]) expect(answer(s).kind, String(s)).toBe('dead');
      expect(answer(429, { 'retry-after': '7' })).toMatchObject({ kind: 'retry', retryAfterMs: 7000 });
      expect(answer(503, { 'retry-after': '99999999999' })).toMatchObject({ kind: 'retry' });
      const hostile = answer(400, {}, `<x>${'\u0000\u202e'.repeat(5000)}</x>`);
      expect(hostile.kind).toBe('dead');
      expect((hostile as { reason: string }).reason.length).toBeLessThan(300);
    });

    it('makes a round trip through a real receiver on 127.0.0.1: signature verified, receipt checked', async () => {
      const resolver = new CertificateKeyResolver({ store: new FileCertificateStore(fed.pkiDir), caCertPems: [fed.caCertPem] });
      for (const c of cases.outbound) {
        const m = messageOf(c.message);
        const req: OutboundRequest = sign(adapter.encode(m, recipientAt(receiver.url), ctx));
        const res = await transport.send(req, 5000);
        expect(adapter.decode(res)).toEqual({ kind: 'delivered' });
        expect(receiver.rejected).toEqual([]);
        const arrival = receiver.arrivals.find((a) => a.deliveryId === m.deliveryId && a.at > 0)!;
        expect(arrival.body.equals(read(c.body))).toBe(true);
        const receipt = await checkReceipt(resolver, cases.recipient, req, res);
        expect(receipt).toMatchObject({ ok: true, receipt: { institution: cases.recipient } });
        // and the receiver can read what it got with the same adapter
        const back = adapter.parseInbound(arrival.body, { ...ctx, mediaType: String(arrival.headers['content-type']), maxBytes: 1 << 20, strictJson: (b) => parseStrictJson(b) }) as { data: unknown };
        expect(back.data).toEqual(m.envelope.data);
      }
    });
  });
}

/**
 * The CLI's hub client against a fake hub (msw intercepts its fetch): every request is signed with
 * the SDK — anew for each resend, since the hub refuses a signature it has seen — a 503 is sent
 * again after its Retry-After, and a hub that cannot be reached is said so.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { hubRequest, HubUnreachableError } from '../../../src/cli/hub-client.js';
import { verifyRequest } from '../../../src/client/index.js';
import { CertificateKeyResolver, FileCertificateStore } from '../../../src/trust/index.js';
import { sharedFederation } from '../../helpers/federation.js';

const HUB = 'http://hub.test';
const COURT = 'ps.hjc.court.ramallah';
const server = setupServer();
const fed = sharedFederation();
const resolver = new CertificateKeyResolver({ store: new FileCertificateStore(fed.pkiDir), caCertPems: [fed.caCertPem] });
const dir = mkdtempSync(join(tmpdir(), 'wasla-cli-'));
const key = fed.keys.get(COURT)!;
const files = { hub: HUB, key: join(dir, 'court.key.pem'), cert: join(dir, 'court.cert.pem') };

beforeAll(() => {
  writeFileSync(files.key, key.keyPem);
  writeFileSync(files.cert, key.certPem);
  server.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('the CLI hub client', () => {
  it('signs each request as the institution, and signs a resend anew after a 503', async () => {
    const seen: Array<{ institution: string; signature: string | null; body: string }> = [];
    server.use(
      http.post(`${HUB}/v1/messages`, async ({ request }) => {
        const body = await request.clone().text();
        const verified = await verifyRequest(request, resolver.resolveKey);
        seen.push({ institution: verified.resolved.institutionId, signature: request.headers.get('signature'), body });
        if (seen.length === 1) {
          return HttpResponse.json(
            { type: 'https://wasla.dev/problems/delivery-backlog', title: 'The hub is behind on deliveries; try again shortly', status: 503 },
            { status: 503, headers: { 'retry-after': '0', 'content-type': 'application/problem+json' } },
          );
        }
        return HttpResponse.json({ id: 'm-1' }, { status: 202 });
      }),
    );
    const resends: string[] = [];
    const r = await hubRequest(files, 'POST', '/v1/messages', '{"a":1}', { 'idempotency-key': 'k' }, { retries: 2, maxWaitSeconds: 1, onResend: (i) => resends.push(i.reason) });
    expect(r).toEqual({ status: 202, text: '{"id":"m-1"}' });
    expect(seen.map((s) => [s.institution, s.body])).toEqual([
      [COURT, '{"a":1}'],
      [COURT, '{"a":1}'],
    ]);
    expect(seen[0].signature).not.toBe(seen[1].signature);
    expect(resends).toEqual(['HTTP 503 delivery-backlog (The hub is behind on deliveries; try again shortly)']);
  });

  it('gives the answer as it came when no resend is allowed', async () => {
    server.use(http.get(`${HUB}/v1/deliveries`, () => HttpResponse.json({ type: 'https://wasla.dev/problems/unavailable', status: 503 }, { status: 503 })));
    expect((await hubRequest(files, 'GET', '/v1/deliveries')).status).toBe(503);
  });

  it('says the hub is unreachable when the connection fails', async () => {
    server.use(http.get(`${HUB}/v1/deliveries`, () => HttpResponse.error()));
    await expect(hubRequest(files, 'GET', '/v1/deliveries')).rejects.toBeInstanceOf(HubUnreachableError);
  });
});

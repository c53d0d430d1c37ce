/**
 * Signatures are bound to this hub (issue 19.10): `@target-uri` is this hub's public URL with the
 * request's path and query, never the client's Host header. A request signed for another hub of
 * the same federation — relayed here with its own Host, or with ours — is refused and nothing is
 * stored; behind a proxy (WASLA_PUBLIC_URL), requests signed for the public URL verify whatever
 * Host the proxy passes on.
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { REQUEST_COMPONENTS, signPlainRequest } from '../../src/trust/index.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { COURT, counts, warrant } from '../shared/spine.suite.js';

/** sends a request signed over `signedUrl` to `hub`, with the Host header `host` */
async function send(hub: Hub, signedUrl: string, host: string, method = 'POST') {
  const key = sharedFederation().keys.get(COURT)!;
  const body = method === 'POST' ? Buffer.from(JSON.stringify(warrant())) : Buffer.alloc(0);
  const headers = signPlainRequest(
    { method, url: signedUrl, headers: method === 'POST' ? { 'content-type': 'application/cloudevents+json' } : {}, body },
    {
      key: key.key,
      keyid: key.serial,
      alg: 'ed25519',
      nonce: randomUUID(),
      components: method === 'POST' ? [...REQUEST_COMPONENTS] : ['@method', '@target-uri', 'content-digest'],
    },
  ).headers;
  const u = new URL(hub.url!);
  const target = new URL(signedUrl);
  return new Promise<{ status: number; code: string }>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path: target.pathname.replace(/^\/gw/, '') + target.search, headers: { ...headers, host } }, (res) => {
      let t = '';
      res.on('data', (c) => (t += c));
      res.on('end', () => resolve({ status: res.statusCode!, code: res.statusCode! >= 400 ? String(JSON.parse(t).type).replace('https://wasla.dev/problems/', '') : '' }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('signatures bound to this hub (embedded mode)', () => {
  describe('listening on loopback, no public URL set', () => {
    let henv: TestHubEnv;
    let hub: Hub;
    beforeAll(async () => {
      henv = await makeHubEnv('embedded');
      hub = await startTestHub(henv);
    });
    afterAll(async () => {
      await hub?.stop();
      await henv?.cleanup();
    });

    it.each([
      ['https://other-hub.example', 'other-hub.example'],
      ['http://other-hub.example', 'other-hub.example'],
      ['http://127.0.0.1:1', '127.0.0.1:1'], // another hub on this machine
    ])('refuses a request signed for %s and relayed with its Host: 401 signature-wrong-authority', async (other, host) => {
      const before = await counts(hub);
      expect(await send(hub, `${other}/v1/messages`, host)).toEqual({ status: 401, code: 'signature-wrong-authority' });
      expect(await counts(hub)).toEqual(before);
    });

    it('refuses a request signed for another hub and relayed under our Host: 401 signature-invalid', async () => {
      const before = await counts(hub);
      expect(await send(hub, 'https://other-hub.example/v1/messages', new URL(hub.url!).host)).toEqual({ status: 401, code: 'signature-invalid' });
      expect(await counts(hub)).toEqual(before);
    });

    it('accepts its own URL and its other loopback names', async () => {
      const port = new URL(hub.url!).port;
      expect((await send(hub, `${hub.url}/v1/messages`, `127.0.0.1:${port}`)).status).toBe(202);
      expect((await send(hub, `http://localhost:${port}/v1/messages`, `localhost:${port}`)).status).toBe(202);
    });
  });

  describe('behind a proxy: WASLA_PUBLIC_URL=https://wasla.hjc.example/gw', () => {
    let henv: TestHubEnv;
    let hub: Hub;
    const PUBLIC = 'https://wasla.hjc.example/gw';
    beforeAll(async () => {
      henv = await makeHubEnv('embedded');
      hub = await startTestHub(henv, { WASLA_PUBLIC_URL: `${PUBLIC}/` });
    });
    afterAll(async () => {
      await hub?.stop();
      await henv?.cleanup();
    });

    it('accepts a request signed for the public URL, whether the proxy keeps Host or rewrites it', async () => {
      expect((await send(hub, `${PUBLIC}/v1/messages`, 'wasla.hjc.example')).status).toBe(202);
      expect((await send(hub, `${PUBLIC}/v1/messages`, new URL(hub.url!).host)).status).toBe(202);
      expect((await send(hub, `${PUBLIC}/v1/deliveries?state=dead&limit=5`, 'wasla.hjc.example', 'GET')).status).toBe(200);
    });

    it('refuses a request signed for the address it listens on, which is not its public URL', async () => {
      const before = await counts(hub);
      expect(await send(hub, `${hub.url}/v1/messages`, new URL(hub.url!).host)).toEqual({ status: 401, code: 'signature-wrong-authority' });
      expect(await send(hub, 'https://other-hub.example/gw/v1/messages', 'other-hub.example')).toEqual({ status: 401, code: 'signature-wrong-authority' });
      expect(await counts(hub)).toEqual(before);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { signPlainRequest } from '../../src/trust/index.js';
import { makeHubEnv, startTestHub } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { trustSuite } from '../shared/trust.suite.js';
import { COURT, warrant } from '../shared/spine.suite.js';

trustSuite('server');

describe('replay guard across api processes', () => {
  it('refuses on one api process a signature already used on another', async () => {
    const henv = await makeHubEnv('server');
    // both are the one hub behind a load balancer: both know the name institutions sign
    const a = await startTestHub(henv, { WASLA_ROLE: 'api', WASLA_PUBLIC_URL: 'http://wasla.test' });
    const b = await startTestHub(henv, { WASLA_ROLE: 'api', WASLA_PUBLIC_URL: 'http://wasla.test' });
    try {
      const key = sharedFederation().keys.get(COURT)!;
      const body = JSON.stringify(warrant());
      // the signature covers @target-uri: both processes are reached under one name, as behind a load balancer
      const target = `http://wasla.test/v1/messages`;
      const { headers } = signPlainRequest(
        { method: 'POST', url: target, headers: { 'content-type': 'application/cloudevents+json', host: 'wasla.test' }, body: Buffer.from(body) },
        { key: key.key, keyid: key.serial, alg: 'ed25519' },
      );
      const send = async (hubUrl: string) => {
        const { default: http } = await import('node:http');
        const u = new URL(hubUrl);
        return new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request({ host: u.hostname, port: u.port, path: '/v1/messages', method: 'POST', headers: { ...headers, host: 'wasla.test' } }, (res) => {
            let t = '';
            res.on('data', (c) => (t += c));
            res.on('end', () => resolve({ status: res.statusCode!, body: t }));
          });
          req.on('error', reject);
          req.end(body);
        });
      };
      expect((await send(a.url!)).status).toBe(202);
      const second = await send(b.url!);
      expect(second.status).toBe(401);
      expect(JSON.parse(second.body).type).toBe('https://wasla.dev/problems/signature-replayed');
    } finally {
      await a.stop();
      await b.stop();
      await henv.cleanup();
    }
  });
});

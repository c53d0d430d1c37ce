/**
 * Flow control at intake, on a real embedded hub whose dispatcher is stopped, so that deliveries
 * stay due and untaken: a message to a recipient that far behind is held, then admitted when the
 * backlog shrinks, or refused with 503 delivery-backlog and nothing stored.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { COURT, counts, post, warrant } from '../shared/spine.suite.js';
import { REQUEST_COMPONENTS, signPlainRequest } from '../../src/trust/index.js';

describe('intake flow control (embedded)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv, { WASLA_INTAKE_BACKLOG_LIMIT: '1', WASLA_INTAKE_HOLD_MS: '1500' });
    await hub.dispatcher.close(0); // nothing takes deliveries from now on
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
  });

  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** the court's signed request for this body, as an institution's client would send it */
  const signedWarrant = (body: string) => {
    const k = sharedFederation().keys.get(COURT)!;
    const url = `${hub.url}/v1/messages`;
    const headers = signPlainRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/cloudevents+json' }, body: Buffer.from(body) },
      { key: k.key, keyid: k.serial, alg: 'ed25519', nonce: randomUUID(), components: [...REQUEST_COMPONENTS] },
    ).headers;
    return () => fetch(url, { method: 'POST', headers, body });
  };
  let refused: { body: string; send: () => Promise<Response> };

  it('refuses, after holding, a message to a recipient whose backlog is over the limit, storing nothing', async () => {
    expect((await post(hub, warrant({ warrantNumber: 'W-FLOW-1' }))).status).toBe(202);
    expect((await post(hub, warrant({ warrantNumber: 'W-FLOW-2' }))).status).toBe(202);
    await wait(400); // the backlog is read every 250 ms
    const before = await counts(hub);
    const t0 = Date.now();
    const body = JSON.stringify(warrant({ warrantNumber: 'W-FLOW-3' }));
    refused = { body, send: signedWarrant(body) };
    const res = await refused.send();
    const r = { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as any, headers: res.headers };
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(r.status).toBe(503);
    expect(r.type).toContain('application/problem+json');
    expect(r.json.type).toBe('https://wasla.dev/problems/delivery-backlog');
    expect(r.json.detail).toContain('sign the request again');
    expect(r.json.recipients).toEqual(['ps.police.judicial']);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await counts(hub)).toEqual(before);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/wasla_intake_held_total 1\b/);
  });

  it('admits a held message as soon as the backlog is back within the limit', async () => {
    const pending = post(hub, warrant({ warrantNumber: 'W-FLOW-4' }));
    await wait(300);
    // the deliveries are taken care of (as a worker would): the backlog drops to nothing
    await hub.database.db.execute(sql`update deliveries set state = 'delivered', delivered_at = now(), next_attempt_at = null`);
    const r = await pending;
    expect(r.status).toBe(202);
    expect(r.json.deliveries.map((d: any) => d.recipient)).toEqual(['ps.police.judicial']);
  });

  it('accepts the refused message signed anew, and refuses the first signature as a replay, as the 503 says', async () => {
    await hub.database.db.execute(sql`update deliveries set state = 'delivered', delivered_at = now(), next_attempt_at = null`);
    await wait(300); // a read of the backlog sees it empty
    const same = await refused.send();
    expect(same.status).toBe(401);
    expect(((await same.json()) as any).type).toBe('https://wasla.dev/problems/signature-replayed');
    const again = await signedWarrant(refused.body)();
    expect(again.status).toBe(202);
  });
});

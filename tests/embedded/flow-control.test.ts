/**
 * Flow control at intake, on a real embedded hub whose dispatcher is stopped, so that deliveries
 * stay due and untaken: a message to a recipient that far behind is held, then admitted when the
 * backlog shrinks, or refused with 503 delivery-backlog and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { counts, post, warrant } from '../shared/spine.suite.js';

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

  it('refuses, after holding, a message to a recipient whose backlog is over the limit, storing nothing', async () => {
    expect((await post(hub, warrant({ warrantNumber: 'W-FLOW-1' }))).status).toBe(202);
    expect((await post(hub, warrant({ warrantNumber: 'W-FLOW-2' }))).status).toBe(202);
    await wait(400); // the backlog is read every 250 ms
    const before = await counts(hub);
    const t0 = Date.now();
    const r = await post(hub, warrant({ warrantNumber: 'W-FLOW-3' }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect(r.status).toBe(503);
    expect(r.type).toContain('application/problem+json');
    expect(r.json.type).toBe('https://wasla.dev/problems/delivery-backlog');
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
});

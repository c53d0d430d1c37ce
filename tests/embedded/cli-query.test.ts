/**
 * `wasla query` as a ministry clerk runs it, against a real embedded hub: the answer is printed
 * once the hub's signature over it verifies with the hub certificate the clerk holds; a query the
 * institution is not granted prints the 403 problem and exits 1; without a name, the queries it
 * may run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { envelope, example } from '../helpers/contracts.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { post } from '../shared/spine.suite.js';
import { runCli as wasla } from '../helpers/cli.js';

describe('wasla query (embedded hub)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  const args = (who: string) => ['--hub', hub.url!, '--key', join(dir, `${who}.key.pem`), '--cert', join(dir, `${who}.cert.pem`), '--hub-cert', join(dir, 'hub.cert.pem')];
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv);
    dir = mkdtempSync(join(tmpdir(), 'wasla-cli-query-'));
    const fed = sharedFederation();
    for (const who of ['ps.mot', 'ps.bank.palestine']) {
      const k = fed.keys.get(who)!;
      writeFileSync(join(dir, `${who}.key.pem`), k.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, `${who}.cert.pem`), k.certPem);
    }
    writeFileSync(join(dir, 'hub.cert.pem'), fed.hubCertPem);
    const fine = envelope('traffic-fine.issued', '1.1', { ...example('traffic-fine.issued', '1.1'), issuedBy: 'ps.police.traffic' });
    expect((await post(hub, fine, {}, 'ps.police.traffic')).status).toBe(202);
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the verified answer of a granted query', async () => {
    const r = await wasla(['query', 'traffic-fines', '--param', 'plate=٧ ١٢٣٤-٩٥', ...args('ps.mot')]);
    expect([r.code, r.err]).toEqual([0, expect.stringContaining('signed by the hub')]);
    const answer = JSON.parse(r.out);
    expect(answer.records.map((x: any) => [x.key.value, x.status.state])).toEqual([['TF20260048213', 'overdue']]);
    expect(answer.records[0].fields.locality).toBe('Ramallah');
  }, 60_000);

  it('prints the refusal of a query the institution is not granted, and exits 1', async () => {
    const r = await wasla(['query', 'traffic-fines', '--param', 'plate=7-1234-95', ...args('ps.bank.palestine')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('HTTP 403');
    expect(r.out).toContain('query-not-granted');
  }, 60_000);

  it('lists the queries the institution may run', async () => {
    const r = await wasla(['query', ...args('ps.bank.palestine')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).queries.map((q: any) => q.name)).toEqual(['payout-status']);
  }, 60_000);
});

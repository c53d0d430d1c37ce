/**
 * `wasla inbox pull` as the judicial police's operator runs it against a real embedded hub where
 * the police pull: each waiting delivery is verified (hub certificate from GET /v1/trust, checked
 * against --ca), written to --out byte for byte as signed, and only then acknowledged — the hub
 * then holds it delivered. Printing instead of writing is the same path.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { getMessage, post, warrant } from '../shared/spine.suite.js';
import { POLICE, pullingContracts } from '../shared/inbox.suite.js';
import { runCli as wasla } from '../helpers/cli.js';

describe('wasla inbox pull (embedded hub)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  let args: string[];
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv, { WASLA_CONTRACTS_DIR: pullingContracts() });
    dir = mkdtempSync(join(tmpdir(), 'wasla-cli-inbox-'));
    const fed = sharedFederation();
    const k = fed.keys.get(POLICE)!;
    writeFileSync(join(dir, 'police.key.pem'), k.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'police.cert.pem'), k.certPem);
    writeFileSync(join(dir, 'ca.cert.pem'), fed.caCertPem);
    args = ['--hub', hub.url!, '--key', join(dir, 'police.key.pem'), '--cert', join(dir, 'police.cert.pem'), '--ca', join(dir, 'ca.cert.pem'), '--wait', '2'];
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes each delivery to --out, then acknowledges it; printing works the same way', async () => {
    const a = await post(hub, warrant({ warrantNumber: 'W-CLI-1' }));
    const b = await post(hub, warrant({ warrantNumber: 'W-CLI-2' }));
    const out = join(dir, 'inbox');
    const r = await wasla(['inbox', 'pull', ...args, '--out', out]);
    expect(r.err).toContain('2 pulled, 2 acknowledged');
    expect(r.code).toBe(0);
    const ids = [a.json.deliveries[0].id, b.json.deliveries[0].id];
    expect(readdirSync(out).sort()).toEqual(ids.map((id: string) => `${id}.json`).sort());
    const written = JSON.parse(readFileSync(join(out, `${ids[0]}.json`), 'utf8'));
    expect(written).toMatchObject({ id: a.json.id, type: 'warrant.issued', data: { warrantNumber: 'W-CLI-1' } });
    for (const m of [a, b]) expect((await getMessage(hub, m.json.id)).json.deliveries[0].state).toBe('delivered');

    const c = await post(hub, warrant({ warrantNumber: 'W-CLI-3' }));
    const printed = await wasla(['inbox', 'pull', ...args]);
    expect(printed.code).toBe(0);
    const line = JSON.parse(printed.out.trim());
    expect(line).toMatchObject({ deliveryId: c.json.deliveries[0].id, attempt: 1, body: { data: { warrantNumber: 'W-CLI-3' } } });
    expect((await getMessage(hub, c.json.id)).json.deliveries[0].state).toBe('delivered');
  });

  it('refuses to run without the federation CA to verify against', async () => {
    const r = await wasla(['inbox', 'pull', ...args.filter((x, i, all) => x !== '--ca' && all[i - 1] !== '--ca')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('--ca');
  });
});

/**
 * `wasla retention run` and `wasla legal-hold place|list|lift` against a real embedded hub (issue
 * 26.7), signed with an admin's operator certificate; an auditor's certificate is refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { sharedFederation, type TestKey } from '../helpers/federation.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { runCli as wasla } from '../helpers/cli.js';

describe('wasla retention / legal-hold (embedded hub)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  const keys = (who: string) => ['--hub', hub.url!, '--key', join(dir, `${who}.key.pem`), '--cert', join(dir, `${who}.cert.pem`)];
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv, { WASLA_RETENTION_BATCH: '0' });
    dir = mkdtempSync(join(tmpdir(), 'wasla-cli-ret-'));
    const write = (who: string, k: TestKey) => {
      writeFileSync(join(dir, `${who}.key.pem`), k.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, `${who}.cert.pem`), k.certPem);
    };
    write('admin', sharedFederation().enrollOperator('admin', 'cli-ret-admin'));
    write('auditor', sharedFederation().enrollOperator('auditor', 'cli-ret-aud'));
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const body = (out: string) => JSON.parse(out.slice(out.indexOf('\n') + 1));

  it('an admin runs retention dry and for real, places, lists and lifts a hold; an auditor cannot place one', async () => {
    const dry = await wasla(['retention', 'run', '--dry-run', '--limit', '5', ...keys('admin')]);
    expect([dry.code, dry.out.split('\n')[0]]).toEqual([0, 'HTTP 200']);
    expect(body(dry.out)).toEqual({ dryRun: true, messages: [], more: false });
    expect(body((await wasla(['retention', 'run', ...keys('admin')])).out).dryRun).toBe(false);

    const refused = await wasla(['legal-hold', 'place', '--issuer', 'ps.hjc.court.ramallah', '--case', '12/2026', '--reason', 'appeal', ...keys('auditor')]);
    expect(refused.out.split('\n')[0]).toBe('HTTP 403');
    expect(body(refused.out).type).toBe('https://wasla.dev/problems/role-not-allowed');

    const placed = await wasla(['legal-hold', 'place', '--issuer', 'ps.hjc.court.ramallah', '--case', '12/2026', '--reason', 'appeal', ...keys('admin')]);
    expect(placed.out.split('\n')[0]).toBe('HTTP 200');
    const { hold } = body(placed.out);
    expect(hold).toMatchObject({ issuer: 'ps.hjc.court.ramallah', caseRef: '12/2026', placedBy: 'cli-ret-admin@ps.hjc.wasla-operations' });
    expect(body((await wasla(['legal-hold', 'list', ...keys('auditor')])).out).items.map((h: any) => h.id)).toEqual([hold.id]);
    const lifted = await wasla(['legal-hold', 'lift', hold.id, '--reason', 'decided', ...keys('admin')]);
    expect([lifted.out.split('\n')[0], body(lifted.out).liftReason]).toEqual(['HTTP 200', 'decided']);
    expect(body((await wasla(['legal-hold', 'list', ...keys('admin')])).out).items).toEqual([]);
    expect(body((await wasla(['legal-hold', 'list', '--all', ...keys('admin')])).out).items).toHaveLength(1);
  }, 60_000);
});

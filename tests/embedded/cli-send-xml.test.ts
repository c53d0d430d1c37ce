/**
 * `wasla send` with an XML document, as a police integrator tests against a local hub (issue 22,
 * docs/adapters.md): a .xml file is sent as application/xml, signed over its bytes, and stored; a
 * hostile document is refused with its own problem type, printed, and nothing is stored.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { XML_POLICE } from '../helpers/xml-contracts.js';
import { counts } from '../shared/spine.suite.js';
import { runCli as wasla } from '../helpers/cli.js';

describe('wasla send with XML (embedded hub)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  let keyArgs: string[];
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv);
    await hub.dispatcher.close(0); // intake only: deliveries stay due
    dir = mkdtempSync(join(tmpdir(), 'wasla-cli-send-xml-'));
    const k = sharedFederation().keys.get(XML_POLICE)!;
    writeFileSync(join(dir, 'police.key.pem'), k.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'police.cert.pem'), k.certPem);
    keyArgs = ['--hub', hub.url!, '--key', join(dir, 'police.key.pem'), '--cert', join(dir, 'police.cert.pem')];
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends a .xml file as application/xml, signed over its bytes: the message is stored', async () => {
    const file = join(dir, 'report.xml');
    copyFileSync('tests/fixtures/mappings/warrant.executed-1/example-1.xml', file);
    const before = await counts(hub);
    const r = await wasla(['send', file, ...keyArgs, '--retries', '0']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^HTTP 202/);
    expect(JSON.parse(r.out.slice(r.out.indexOf('{')))).toMatchObject({ type: 'warrant.executed', version: '1.1' });
    expect((await counts(hub)).messages).toBe(before.messages + 1);
  });

  it('prints the hostile-XML refusal with its own type, and stores nothing', async () => {
    const file = join(dir, 'laughs.xml');
    writeFileSync(file, '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;</l>');
    const before = await counts(hub);
    const r = await wasla(['send', file, ...keyArgs, '--retries', '0']);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toContain('https://wasla.dev/problems/xml-doctype-forbidden');
    expect(await counts(hub)).toEqual(before);
  });
});

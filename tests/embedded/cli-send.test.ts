/**
 * `wasla send` and `wasla status` as a court's operator runs them, against a real embedded hub: the
 * message is stored, and after a 503 (here flow control's delivery-backlog, with the dispatcher
 * stopped so that deliveries stay due) the CLI waits as Retry-After says and sends again, signed
 * anew, under one Idempotency-Key, so that the message is stored once.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { sharedFederation } from '../helpers/federation.js';
import { COURT, counts, post, warrant } from '../shared/spine.suite.js';
import { runCli as wasla } from '../helpers/cli.js';

describe('wasla send (embedded hub)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let dir: string;
  let keyArgs: string[];
  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    hub = await startTestHub(henv, { WASLA_INTAKE_BACKLOG_LIMIT: '1', WASLA_INTAKE_HOLD_MS: '300' });
    await hub.dispatcher.close(0); // nothing takes deliveries: they stay due, the backlog only grows
    dir = mkdtempSync(join(tmpdir(), 'wasla-cli-send-'));
    const k = sharedFederation().keys.get(COURT)!;
    writeFileSync(join(dir, 'court.key.pem'), k.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'court.cert.pem'), k.certPem);
    keyArgs = ['--hub', hub.url!, '--key', join(dir, 'court.key.pem'), '--cert', join(dir, 'court.cert.pem')];
  });
  afterAll(async () => {
    await hub?.stop();
    await henv?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const envelopeFile = (name: string, warrantNumber: string) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(warrant({ warrantNumber })));
    return file;
  };
  const stored = async (warrantNumber: string) => {
    const r = await hub.database.db.execute(sql`select count(*)::int as n from messages where envelope::jsonb -> 'data' ->> 'warrantNumber' = ${warrantNumber}`);
    return Number(((r as any).rows ?? r)[0].n);
  };
  // async, so that the statement runs when called (drizzle runs a query only once it is awaited)
  const clearBacklog = async () => {
    await hub.database.db.execute(sql`update deliveries set state = 'delivered', delivered_at = now(), next_attempt_at = null where state <> 'delivered'`);
  };
  const backlogRead = () => new Promise((r) => setTimeout(r, 400)); // the backlog is read every 250 ms
  /** two due deliveries to the judicial police: over the limit of 1, so the next message is held, then refused */
  const fillBacklog = async (tag: string) => {
    await clearBacklog();
    await backlogRead();
    for (const n of [1, 2]) expect((await post(hub, warrant({ warrantNumber: `W-CLI-${tag}-${n}` }))).status).toBe(202);
    await backlogRead();
  };

  it('sends a message, which is stored, and shows it with wasla status', async () => {
    const sent = await wasla(['send', envelopeFile('ok.json', 'W-CLI-OK'), ...keyArgs]);
    expect(sent.code).toBe(0);
    expect(sent.out).toMatch(/^HTTP 202\n/);
    const messageId = JSON.parse(sent.out.replace(/^HTTP 202\n/, '')).id as string;
    expect(await stored('W-CLI-OK')).toBe(1);
    // no Idempotency-Key given: the CLI made one, so that a resend could not store it twice
    const keys = await hub.database.db.execute(sql`select key from idempotency_keys where message_id = ${messageId}`);
    expect(((keys as any).rows ?? keys)[0].key).toMatch(/^[0-9a-f-]{36}$/);

    const status = await wasla(['status', messageId, ...keyArgs]);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/^HTTP 200\n/);
    expect(JSON.parse(status.out.replace(/^HTTP 200\n/, ''))).toMatchObject({ id: messageId, deliveries: [{ recipient: 'ps.police.judicial' }] });
  });

  it('after a 503 delivery-backlog waits as Retry-After says and sends again, signed anew; the message is stored once', async () => {
    await fillBacklog('RETRY');
    const before = await counts(hub);
    let cleared: Promise<unknown> | undefined;
    const t0 = Date.now();
    // the backlog shrinks (as a worker would deliver) once the CLI has been refused and is waiting
    const run = await wasla(['send', envelopeFile('retry.json', 'W-CLI-RETRY'), '--idempotency-key', 'cli-retry-1', '--retries', '3', ...keyArgs], (err) => {
      if (err.includes('sending again')) cleared ??= clearBacklog();
    });
    await cleared;
    expect(run.err).toMatch(/^wasla send: HTTP 503 delivery-backlog \(The hub is behind on deliveries; try again shortly\); sending again in 1 s, signed anew \(resend 1 of 3\)\n$/);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^HTTP 202\n/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1300); // held 300 ms, then Retry-After: 1
    // the second request carried a new signature (the first would be refused as a replay) and the same key
    expect(await stored('W-CLI-RETRY')).toBe(1);
    expect(await counts(hub)).toEqual({ messages: before.messages + 1, deliveries: before.deliveries + 1, keys: before.keys + 1 });
    const keys = await hub.database.db.execute(sql`select count(*)::int as n from idempotency_keys where key = 'cli-retry-1'`);
    expect(Number(((keys as any).rows ?? keys)[0].n)).toBe(1);
  });

  it('with --retries 0 prints the 503, exits 1 and names the key to send again with; nothing is stored', async () => {
    await fillBacklog('NORETRY');
    const before = await counts(hub);
    const run = await wasla(['send', envelopeFile('noretry.json', 'W-CLI-NORETRY'), '--retries', '0', '--idempotency-key', 'cli-noretry-1', ...keyArgs]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^HTTP 503\n/);
    expect(JSON.parse(run.out.replace(/^HTTP 503\n/, '')).type).toBe('https://wasla.dev/problems/delivery-backlog');
    expect(run.err).toBe('wasla send: to send again without storing the message twice: --idempotency-key cli-noretry-1\n');
    expect(await counts(hub)).toEqual(before);
  });

  it('does not send a refused message again (4xx): the answer is final', async () => {
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify(warrant({ warrantNumber: 42 })));
    const run = await wasla(['send', file, ...keyArgs]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^HTTP 422\n/);
    expect(run.err).toBe('');
  });

  it('refuses to send without a key, or with a count of retries that is not a whole number', async () => {
    const file = envelopeFile('nokey.json', 'W-CLI-NOKEY');
    const unsigned = await wasla(['send', file, '--hub', hub.url!]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.err).toBe('wasla: sign with --key <file> --cert <file> (or WASLA_KEY_FILE / WASLA_CERT_FILE): `wasla institution enroll` writes both\n');
    const badCount = await wasla(['send', file, '--retries', '-1', ...keyArgs]);
    expect(badCount.code).not.toBe(0);
    expect(badCount.err).toContain("option '--retries <n>' argument '-1' is invalid. a whole number, 0 or more");
    expect(await stored('W-CLI-NOKEY')).toBe(0);
  });

  it('sends again after a failed connection, then gives up naming the key; exits 1', async () => {
    // a port that was free a moment ago: nothing listens there
    const port = await new Promise<number>((resolve) => {
      const s: Server = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const args = keyArgs.map((a) => (a === hub.url ? `http://127.0.0.1:${port}` : a));
    const run = await wasla(['send', envelopeFile('down.json', 'W-CLI-DOWN'), '--retries', '1', '--idempotency-key', 'cli-down-1', ...args]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^wasla send: fetch failed \(ECONNREFUSED\); sending again in 1 s, signed anew \(resend 1 of 1\)\n/);
    expect(run.err).toMatch(
      /wasla: no answer from the hub at http:\/\/127\.0\.0\.1:\d+ \(POST \/v1\/messages: fetch failed \(ECONNREFUSED\)\); is it running there\? Name another with --hub <url> or WASLA_HUB_URL\nthe hub did not answer; to send again without storing the message twice: --idempotency-key cli-down-1\n$/,
    );
    expect(await stored('W-CLI-DOWN')).toBe(0);
  });
});

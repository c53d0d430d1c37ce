/**
 * Confidential payloads at rest (issue 26), end to end: a gbv protection order and a juvenile
 * social-inquiry report go through a hub with real HTTP receivers and are delivered with their
 * payload whole; then every byte the hub keeps — a pg_dump of its database (or, embedded, every
 * file of its PGlite directory), every Redis key of its prefix, every line it logged at trace level —
 * is searched for the payloads' distinctive words, as text, as hex and as base64. None is found.
 * A control proves the search can fail: under `classified`, a plain warrant's words are found in
 * the dump; under `all` they are not, and its case reference (a column in clear by design) is.
 * The sender reads its message back whole; the recipient's answer holds no payload.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type Mode, type TestHubEnv } from '../helpers/hub.js';
import { ok, startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv, envelope, example } from '../helpers/contracts.js';
import { REDIS_URL } from '../helpers/services.js';
import { sharedFederation } from '../helpers/federation.js';
import { hubKeyResolver, query } from '../../src/client/index.js';
import { getMessage, post, waitForStates, warrant } from './spine.suite.js';

export const MAGISTRATE = 'ps.hjc.magistrate-court.ramallah';
export const CHILD_PROTECTION = 'ps.mosd.child-protection';
export const JUVENILE_UNIT = 'ps.police.juvenile-unit';
export const JUVENILE_COURT = 'ps.hjc.juvenile-court.ramallah';

/** words that occur nowhere but in the payloads below */
export const GBV_WORDS = 'Quillfeather marmalade lighthouse at the eastern gate';
export const GBV_NAME = 'زبرجد قنطريس عياد';
export const JUVENILE_WORDS = 'Periwinkle orchard tantrum behind the bakery';
export const PLAIN_WORDS = 'Heterochromia plainsight scar on the left wrist';
const PLAIN_CASE_REF = 'PLAIN-CASE-7731/2026';
const SEALED_PLATE = '4-9876-21';

export function gbvOrder(words = GBV_WORDS) {
  const data = example('protection-order.issued', '1.0');
  data.court = { ...data.court, id: MAGISTRATE };
  data.restrainedPerson.name = { ar: GBV_NAME };
  data.conditions[0].description = words;
  return envelope('protection-order.issued', '1.0', data);
}

export function juvenileReport() {
  const data = example('social-inquiry.report', '1.0');
  data.court = JUVENILE_COURT;
  data.findings.family = JUVENILE_WORDS;
  return envelope('social-inquiry.report', '1.0', data);
}

/** every form a string could take in a dump or a log: UTF-8 text, hex (bytea), base64 at each alignment */
export function forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  const out = [s, bytes.toString('hex'), JSON.stringify(s).slice(1, -1)];
  for (let shift = 0; shift < 3; shift++) {
    // base64 of the string at each offset inside a longer buffer: drop the edge characters that depend on the neighbours
    const b64 = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString('base64');
    out.push(b64.slice(4, -4));
  }
  return out;
}

/** the forms of `s` that `haystack` holds */
export function found(haystack: string, s: string): string[] {
  return forms(s).filter((f) => haystack.includes(f));
}

/** every value of every Redis key under the prefix, as text */
async function redisDump(prefix: string): Promise<string> {
  const r = new Redis(REDIS_URL);
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        const type = await r.type(k);
        out.push(k);
        if (type === 'string') out.push(String(await r.get(k)));
        else if (type === 'hash') out.push(JSON.stringify(await r.hgetall(k)));
        else if (type === 'list') out.push(JSON.stringify(await r.lrange(k, 0, -1)));
        else if (type === 'set') out.push(JSON.stringify(await r.smembers(k)));
        else if (type === 'zset') out.push(JSON.stringify(await r.zrange(k, '0', '-1', 'WITHSCORES')));
        else if (type === 'stream') out.push(JSON.stringify(await r.xrange(k, '-', '+')));
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return out.join('\n');
}

/** every file under a directory, as latin1 text (bytes kept one for one) */
function filesDump(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(readFileSync(p).toString('latin1'));
    }
  };
  walk(dir);
  return out.join('\n');
}

/** waits until every delivery of the message is delivered, read as its sender */
export async function delivered(hub: Pick<Hub, 'url'>, id: string, sender: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await getMessage(hub, id, sender);
    if (r.status === 200 && r.json.deliveries.every((d: any) => d.state === 'delivered')) return;
    if (Date.now() > end) throw new Error(`message ${id} not delivered: ${JSON.stringify(r.json.deliveries?.map((d: any) => [d.recipient, d.state, d.lastError]) ?? r.json)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** utf-8 forms searched in a latin1 view of raw files: each form's bytes, read as latin1 */
const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

export function payloadAtRestSuite(mode: Mode, policy: 'classified' | 'all') {
  describe(`confidential payloads at rest (${mode} mode, WASLA_PAYLOAD_ENCRYPTION=${policy})`, () => {
    let henv: TestHubEnv;
    let hub: Hub;
    let receiver: Receiver;
    const logLines: string[] = [];

    beforeAll(async () => {
      henv = await makeHubEnv(mode);
      receiver = await startReceiver(ok);
      // every line the hub writes, at the most talkative level
      const sink = new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      });
      hub = await startTestHub(henv, { WASLA_PAYLOAD_ENCRYPTION: policy }, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) }, log: pino({ level: 'trace' }, sink) });
    });
    afterAll(async () => {
      await hub?.stop();
      await receiver?.close();
      await henv?.cleanup();
    });

    if (policy === 'all') {
      it("keys an encrypted traffic fine's plate in the case index, and a query by plate still finds it", async () => {
        const data = { ...example('traffic-fine.issued', '1.1'), fineNumber: 'TF-2026-0077001', vehicle: { plate: SEALED_PLATE, country: 'PS' } };
        const r = await post(hub, envelope('traffic-fine.issued', '1.1', data), {}, 'ps.mot');
        expect(r.status).toBe(202);
        const rows = await hub.database.db.execute(sql`select value from case_index where message_id = ${r.json.id} and kind = 'plate'`);
        const values = (((rows as any).rows ?? rows) as Array<{ value: string }>).map((x) => x.value);
        expect(values).toHaveLength(1);
        expect(values[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(values[0]).not.toContain('9876');
        const fed = sharedFederation();
        const k = fed.keys.get('ps.mot')!;
        const { answer } = await query(
          'traffic-fines',
          { plate: SEALED_PLATE },
          { hubUrl: hub.url!, key: k.key, keyid: k.serial, alg: 'ed25519' as const, hubKeys: hubKeyResolver(fed.hubCertPem, fed.caCertPem) },
        );
        expect(answer.records.map((x) => x.fields.fineNumber)).toEqual(['TF-2026-0077001']);
      });
    }

    it('delivers gbv and juvenile payloads whole, stores none of their words in clear anywhere, and the sender reads them back', async () => {
      const gbv = await post(hub, gbvOrder(), {}, MAGISTRATE);
      expect(gbv.status).toBe(202);
      expect(gbv.json.classification).toBe('gbv');
      const juvenile = await post(hub, juvenileReport(), {}, CHILD_PROTECTION);
      expect(juvenile.status).toBe(202);
      expect(juvenile.json.classification).toBe('juvenile');
      const plain = await post(hub, warrant({ subject: { ...(warrant().data as Record<string, any>).subject, physicalDescription: PLAIN_WORDS } }));
      expect(plain.status).toBe(202);
      const plainWithRef = await post(hub, { ...warrant({ warrantNumber: 'W-PLAIN-REF' }), casereference: PLAIN_CASE_REF });
      expect(plainWithRef.status).toBe(202);

      await delivered(hub, gbv.json.id, MAGISTRATE);
      await delivered(hub, juvenile.json.id, CHILD_PROTECTION);
      await waitForStates(hub, plain.json.id, ['delivered']);
      await waitForStates(hub, plainWithRef.json.id, ['delivered']);
      // opened for delivery: the recipient got the words
      const arrived = (id: string) => receiver.arrivals.filter((a) => a.messageId === id).map((a) => a.body.toString('utf8'));
      expect(arrived(gbv.json.id).join('')).toContain(GBV_WORDS);
      expect(arrived(gbv.json.id).join('')).toContain(GBV_NAME);
      expect(receiver.arrivals.filter((a) => a.messageId === gbv.json.id).map((a) => a.institution)).toContain(JUVENILE_UNIT);
      expect(arrived(juvenile.json.id).join('')).toContain(JUVENILE_WORDS);

      // opened for its sender, who wrote it; a recipient's answer holds no payload
      const mine = await getMessage(hub, gbv.json.id, MAGISTRATE);
      expect(mine.status).toBe(200);
      expect(mine.json.envelope.data.conditions[0].description).toBe(GBV_WORDS);
      const theirs = await getMessage(hub, juvenile.json.id, JUVENILE_COURT);
      expect(JSON.stringify(theirs.json)).not.toContain(JUVENILE_WORDS);

      // stored sealed: the envelope column keeps ids and type, not the data
      const rows = await hub.database.db.execute(
        sql`select id, envelope::text as envelope, payload_ciphertext is not null as sealed, payload_kek_id from messages where id in (${gbv.json.id}, ${juvenile.json.id}, ${plain.json.id})`,
      );
      const byId = new Map((((rows as any).rows ?? rows) as Array<{ id: string; envelope: string; sealed: boolean; payload_kek_id: string | null }>).map((r) => [String(r.id), r]));
      for (const id of [gbv.json.id, juvenile.json.id]) {
        expect(byId.get(id)?.sealed).toBe(true);
        expect(JSON.parse(byId.get(id)!.envelope)).not.toHaveProperty('data');
        expect(byId.get(id)?.payload_kek_id).toBe(hub.config.payloadKeyring?.current ?? byId.get(id)?.payload_kek_id);
      }
      expect(byId.get(plain.json.id)?.sealed).toBe(policy === 'all');

      await hub.stop();
      const dump = mode === 'server' ? execFileSync('pg_dump', ['--no-owner', henv.db!.url], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8') : filesDump(henv.dataDir!);
      const redis = mode === 'server' ? await redisDump(henv.prefix!) : '';
      const logs = logLines.join('');
      expect(logs.length).toBeGreaterThan(0);
      const search = (s: string) => (mode === 'server' ? found(dump, s) : forms(s).filter((f) => dump.includes(latin1(f))));
      for (const secret of [GBV_WORDS, GBV_NAME, JUVENILE_WORDS]) {
        expect(search(secret), `${secret} in the database`).toEqual([]);
        expect(found(redis, secret), `${secret} in Redis`).toEqual([]);
        expect(found(logs, secret), `${secret} in the logs`).toEqual([]);
      }
      // the control: the search finds what is stored in clear
      if (policy === 'classified') expect(search(PLAIN_WORDS).length).toBeGreaterThan(0);
      else {
        expect(search(PLAIN_WORDS)).toEqual([]);
        expect(search(PLAIN_CASE_REF).length).toBeGreaterThan(0);
      }
      if (mode === 'server') expect(redis.length).toBeGreaterThan(0);
    });
  });
}

/**
 * Query grants over real HTTP (issue 19.9): who may read a message's status and list deliveries,
 * as an authorization matrix over the demo federation. Deny by default: `GET /v1/deliveries` needs
 * a `delivery-status` grant and lists only deliveries carried under an agreement that grants it;
 * `message-status` counts only under the agreement that carried the message to the recipient.
 *
 * The demo contracts give: the courts message-status and delivery-status under
 * warrants-courts-police; the judicial police message-status there; the ministries of finance and
 * transport message-status under traffic-fines only — not under court-decisions-ministries, which
 * carries the courts' fine sentences to them and grants no query at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../src/hub.js';
import { makeHubEnv, startTestHub, type TestHubEnv } from '../helpers/hub.js';
import { signedFetch } from '../helpers/federation.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { endpointEnv, envelope, example } from '../helpers/contracts.js';
import { COURT, post, warrant } from '../shared/spine.suite.js';
import { OPERATOR } from '../shared/hostile-input.suite.js';

const POLICE = 'ps.police.judicial';
const MOF = 'ps.mof';
const MOT = 'ps.mot';
const OTHER_COURT = 'ps.hjc.court.nablus';
const FUND = 'ps.alimony-fund';

function fineSentence() {
  const d: Record<string, any> = example('decision.issued', '1.0');
  d.court = { ...d.court, id: COURT };
  d.final = true;
  d.juvenile = false;
  d.sentence = { kind: 'fine', fine: { value: '150.000', currency: 'ILS' } };
  // a fine is collected by the ministry of finance, not committed by the police
  d.enforcement = { ...d.enforcement, authority: MOF, instructions: 'Collect the fine.' };
  d.parties = (d.parties ?? []).map((p: any) => ({ ...p, role: p.role === 'juvenile' ? 'accused' : p.role }));
  return envelope('decision.issued', '1.0', d);
}

describe('query grants (embedded mode, real HTTP)', () => {
  let henv: TestHubEnv;
  let hub: Hub;
  let receiver: Receiver;
  let warrantId: string;
  let decisionId: string;
  let warrantDeliveries: string[];
  let decisionDeliveries: string[];

  beforeAll(async () => {
    henv = await makeHubEnv('embedded');
    receiver = await startReceiver();
    hub = await startTestHub(henv, {}, { contractsEnv: { ...process.env, ...endpointEnv(receiver.url) } });
    const w = await post(hub, warrant());
    const d = await post(hub, fineSentence());
    expect([w.status, d.status]).toEqual([202, 202]);
    expect(w.json.deliveries.map((x: any) => [x.recipient, x.agreement])).toEqual([[POLICE, 'warrants-courts-police']]);
    expect(d.json.deliveries.map((x: any) => [x.recipient, x.agreement]).sort()).toEqual([
      [MOF, 'court-decisions-ministries'],
      [MOT, 'court-decisions-ministries'],
    ]);
    warrantId = w.json.id;
    decisionId = d.json.id;
    warrantDeliveries = w.json.deliveries.map((x: any) => x.id);
    decisionDeliveries = d.json.deliveries.map((x: any) => x.id);
  });
  afterAll(async () => {
    await hub?.stop();
    await receiver?.close();
    await henv?.cleanup();
  });

  async function get(who: string, path: string) {
    const res = await signedFetch(`${hub.url}${path}`, {}, who);
    const json = (await res.json()) as any;
    return { status: res.status, code: res.status >= 400 ? String(json.type).replace('https://wasla.dev/problems/', '') : '', json };
  }

  // [who, which message, status, problem type, what they see]
  const messageMatrix: Array<[string, 'warrant' | 'decision', number, string, string]> = [
    [COURT, 'warrant', 200, '', 'everything: the sender'],
    [COURT, 'decision', 200, '', 'everything: the sender'],
    [POLICE, 'warrant', 200, '', 'its own delivery: message-status under warrants-courts-police'],
    [MOF, 'decision', 403, 'query-not-granted', 'nothing: its message-status is under traffic-fines only'],
    [MOT, 'decision', 403, 'query-not-granted', 'nothing: its message-status is under traffic-fines only'],
    [MOF, 'warrant', 404, 'message-not-found', 'nothing: neither sender nor recipient'],
    [POLICE, 'decision', 404, 'message-not-found', 'nothing: neither sender nor recipient'],
    [OTHER_COURT, 'warrant', 404, 'message-not-found', 'nothing: another court'],
  ];

  it.each(messageMatrix)('GET /v1/messages/{id}: %s reading the %s gets %i %s (%s)', async (who, which, status, code) => {
    const r = await get(who, `/v1/messages/${which === 'warrant' ? warrantId : decisionId}`);
    expect([r.status, r.code]).toEqual([status, code]);
    if (status === 200 && who !== COURT) {
      // a recipient: metadata and its own delivery, no envelope, no one else's delivery
      expect(r.json.envelope).toBeUndefined();
      expect(r.json.deliveries.map((d: any) => d.recipient)).toEqual([who]);
    }
    if (status === 200 && who === COURT) expect(r.json.envelope).toBeDefined();
  });

  // [who, status, problem type, the deliveries of these two messages it sees]
  const listMatrix: Array<[string, number, string, () => string[]]> = [
    [OPERATOR, 200, '', () => [...warrantDeliveries, ...decisionDeliveries]],
    [COURT, 200, '', () => warrantDeliveries], // delivery-status under warrants-courts-police only
    [OTHER_COURT, 200, '', () => []], // the grant, but none of these are its messages
    [FUND, 200, '', () => []], // delivery-status under alimony
    [POLICE, 403, 'query-not-granted', () => []],
    [MOF, 403, 'query-not-granted', () => []],
    [MOT, 403, 'query-not-granted', () => []],
  ];

  it.each(listMatrix)('GET /v1/deliveries: %s gets %i %s', async (who, status, code, expected) => {
    const r = await get(who, '/v1/deliveries?limit=1000');
    expect([r.status, r.code]).toEqual([status, code]);
    if (status !== 200) return;
    const ours = new Set([...warrantDeliveries, ...decisionDeliveries]);
    expect(
      r.json.items
        .map((d: any) => d.id)
        .filter((id: string) => ours.has(id))
        .sort(),
    ).toEqual(expected().sort());
    // whatever else is listed is the caller's own and carried under an agreement granting it the query
    if (who !== OPERATOR) for (const d of r.json.items) expect([d.sender, d.recipient]).toContain(who);
  });
});

/**
 * The delivery handler over fake ports: a store in memory, a dispatcher that only collects jobs, a
 * transport that answers as told. What it checks is the handler's own decisions — what is sent,
 * what ends dead at once and what is tried again — not the database or the network.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createDeliveryHandler } from '../../../src/workers/delivery.js';
import type { DeliveryStore } from '../../../src/workers/delivery-store.js';
import { RecipientGate } from '../../../src/workers/recipient-gate.js';
import { TransportError, type OutboundRequest, type Transport, type TransportResponse } from '../../../src/adapters/index.js';
import { ValidationError } from '../../../src/errors.js';
import { createMetrics } from '../../../src/metrics.js';
import { createLogger } from '../../../src/log.js';
import { loadContracts, route, type LoadedContracts } from '../../../src/routing/index.js';
import type { AttemptOutcome, ClaimWithMessage, DeliveryRow, DeliveryState } from '../../../src/store/index.js';
import type { DispatchJob, Dispatcher } from '../../../src/queue/index.js';
import { CONTRACTS, endpointEnv, example } from '../../helpers/contracts.js';

const COURT = 'ps.hjc.court.ramallah';
const POLICE = 'ps.police.judicial';

/** the deliveries of one test, with what the handler did to them */
class FakeStore implements DeliveryStore {
  readonly rows = new Map<string, DeliveryRow>();
  readonly messages = new Map<string, ClaimWithMessage['message']>();
  readonly attempts: AttemptOutcome[] = [];
  readonly ended: Array<{ reason: string; action: string }> = [];

  async claimMany(ids: string[]) {
    return ids.map((id) => {
      const d = this.rows.get(id);
      if (!d || (d.state !== 'pending' && d.state !== 'retrying')) return undefined;
      const leaseToken = randomUUID();
      Object.assign(d, { state: 'in_flight', attempts: d.attempts + 1, leaseToken });
      return { delivery: { ...d }, leaseToken, message: this.messages.get(d.messageId)! };
    });
  }

  async defer() {
    return false;
  }

  async endUnattempted(claim: { delivery: DeliveryRow }, reason: string, action: string) {
    Object.assign(this.rows.get(claim.delivery.id)!, { state: 'dead', lastError: reason });
    this.ended.push({ reason, action });
    return true;
  }

  recordAttempt = async (claim: { delivery: DeliveryRow }, o: AttemptOutcome): Promise<DeliveryState> => {
    this.attempts.push(o);
    const state: DeliveryState = o.outcome === 'delivered' ? 'delivered' : o.outcome === 'dead' ? 'dead' : 'retrying';
    Object.assign(this.rows.get(claim.delivery.id)!, { state, lastError: o.error ?? null });
    return state;
  };
}

class FakeDispatcher implements Dispatcher {
  readonly kind = 'in-process' as const;
  readonly jobs: DispatchJob[] = [];
  async dispatch(jobs: DispatchJob[]) {
    this.jobs.push(...jobs);
  }
  async start() {}
  async close() {}
  async depth() {
    return this.jobs.length;
  }
  async ping() {}
}

class FakeTransport implements Transport {
  readonly sent: OutboundRequest[] = [];
  constructor(private readonly answer: () => TransportResponse) {}
  async send(req: OutboundRequest) {
    this.sent.push(req);
    return this.answer();
  }
}

const real = loadContracts(CONTRACTS, { env: endpointEnv('http://127.0.0.1:9') });

/** the same contracts, with a catalogue whose translation fails as `translate` says */
function withTranslation(translate: () => never): LoadedContracts {
  const catalogue = Object.create(real.catalogue, { translate: { value: translate } });
  return Object.create(real, { catalogue: { value: catalogue } });
}

/** the same contracts, with the police receiving in a format the hub has no adapter for */
function withPoliceAdapter(adapter: string): LoadedContracts {
  const institution = (id: string) => {
    const i = real.institution(id);
    return i && id === POLICE ? { ...i, adapter } : i;
  };
  return Object.create(real, { institution: { value: institution } });
}

/** the same contracts, with the judicial police pulling their deliveries (issue 22) */
function withPolicePulling(): LoadedContracts {
  const institution = (id: string) => {
    const i = real.institution(id);
    return i && id === POLICE ? { ...i, delivery: 'pull' as const } : i;
  };
  return Object.create(real, { institution: { value: institution } });
}

describe('the delivery handler (fake ports)', () => {
  let store: FakeStore;
  let dispatcher: FakeDispatcher;

  /** one due delivery of a court's warrant to the judicial police, as intake would have stored it */
  function dueWarrant(): string {
    const data = { ...example('warrant.issued', '2.0'), issuingCourt: { ...example('warrant.issued', '2.0').issuingCourt, id: COURT }, executingAuthority: POLICE };
    const decision = route(real, { sender: COURT, type: 'warrant.issued', version: '2.0', classification: 'restricted', data });
    const planned = decision.deliveries.find((p) => p.recipient === POLICE)!;
    const messageId = randomUUID();
    const id = randomUUID();
    const now = new Date();
    store.messages.set(messageId, {
      sender: COURT,
      type: 'warrant.issued',
      version: '2.0',
      envelope: { specversion: '1.0', id: messageId, source: COURT, type: 'warrant.issued', dataschema: 'x', time: now.toISOString(), classification: decision.classification, data },
    });
    store.rows.set(id, {
      id,
      messageId,
      recipient: POLICE,
      agreement: planned.agreement,
      grant: planned.grant,
      major: planned.major,
      fields: planned.fields,
      retry: { schedule: [1, 1, 1], jitter: 0 },
      acceptUnsignedReceipt: true,
      rateLimit: null,
      scheduleOffset: 0,
      givesUpAt: null,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      leaseToken: null,
      leaseUntil: null,
      lastError: null,
      deliveredAt: null,
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  function handler(contracts: LoadedContracts, transport: Transport) {
    return createDeliveryHandler({
      store,
      contracts: () => contracts,
      dispatcher,
      transport,
      metrics: createMetrics(),
      log: createLogger('silent'),
      workerId: 'test',
      leaseMs: 60_000,
      attemptTimeoutMs: 1000,
      gate: new RecipientGate({ maxInFlightPerRecipient: 4, failureThreshold: 100, openMs: 1000, maxOpenMs: 10_000 }),
    });
  }

  beforeEach(() => {
    store = new FakeStore();
    dispatcher = new FakeDispatcher();
  });

  it('sends the delivery, translated and projected, and records it delivered', async () => {
    const id = dueWarrant();
    const transport = new FakeTransport(() => ({ status: 200, headers: {}, body: Buffer.from('{}') }));
    await handler(real, transport)({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0].headers['wasla-delivery-id']).toBe(id);
    expect(JSON.parse(transport.sent[0].body.toString()).dataschema).toMatch(/warrant\.issued\/1\.\d+\.schema\.json$/);
    expect(store.rows.get(id)!.state).toBe('delivered');
  });

  it('sends nothing to an institution that pulls (issue 22): its job claims nothing; one claimed without its recipient goes back to the inbox', async () => {
    const pulling = withPolicePulling();
    const id = dueWarrant();
    const transport = new FakeTransport(() => ({ status: 200, headers: {}, body: Buffer.from('{}') }));
    await handler(pulling, transport)({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(store.rows.get(id)!).toMatchObject({ state: 'pending', attempts: 0 }); // not claimed
    const deferred: string[] = [];
    (store as DeliveryStore).defer = async (claim, _ms, reason) => {
      deferred.push(reason);
      Object.assign(store.rows.get(claim.delivery.id)!, { state: 'retrying' });
      return true;
    };
    await handler(pulling, transport)({ deliveryId: id, attempt: 0 }); // a job that does not say its recipient
    expect(transport.sent).toHaveLength(0);
    expect(store.attempts).toHaveLength(0);
    expect(deferred).toEqual([expect.stringContaining('waits in the inbox')]);
  });

  it('ends a delivery whose translation throws a non-retryable error dead after one attempt, sending nothing', async () => {
    const id = dueWarrant();
    const transport = new FakeTransport(() => ({ status: 200, headers: {}, body: Buffer.alloc(0) }));
    const contracts = withTranslation(() => {
      throw new ValidationError('not-translatable', 'warrant.issued@2.0 cannot be written in major 1: it requires /subject/nationalId');
    });
    await handler(contracts, transport)({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(transport.sent).toHaveLength(0);
    expect(store.attempts).toHaveLength(1);
    expect(store.attempts[0]).toMatchObject({ outcome: 'dead', error: expect.stringMatching(/^not-translatable: .*requires \/subject\/nationalId/) });
    expect(store.rows.get(id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect(dispatcher.jobs).toEqual([]); // no retry scheduled
  });

  it('ends a delivery dead at once when its translator fails on the data (a fault that repeats)', async () => {
    const id = dueWarrant();
    const contracts = withTranslation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'ar')");
    });
    await handler(contracts, new FakeTransport(() => ({ status: 200, headers: {}, body: Buffer.alloc(0) })))({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(store.rows.get(id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect(store.attempts[0].error).toMatch(/^internal: the request could not be built: Cannot read properties/);
  });

  it('ends a delivery to a recipient the hub has no adapter for dead at once', async () => {
    const id = dueWarrant();
    const transport = new FakeTransport(() => ({ status: 200, headers: {}, body: Buffer.alloc(0) }));
    await handler(withPoliceAdapter('carrier-pigeon'), transport)({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(transport.sent).toHaveLength(0);
    expect(store.rows.get(id)).toMatchObject({ state: 'dead', attempts: 1, lastError: expect.stringMatching(/^adapter-unknown: no adapter "carrier-pigeon"/) });
  });

  it('retries a recipient that did not answer, and schedules the retry', async () => {
    const id = dueWarrant();
    const transport: Transport = {
      send: async () => {
        throw new TransportError('no answer within 1000 ms', 'timeout');
      },
    };
    await handler(real, transport)({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(store.rows.get(id)).toMatchObject({ state: 'retrying', attempts: 1 });
    expect(store.attempts[0]).toMatchObject({ outcome: 'retry', error: 'no answer within 1000 ms', retryInMs: 1000 });
    expect(dispatcher.jobs).toMatchObject([{ deliveryId: id, attempt: 1, delayMs: 1000, recipient: POLICE }]);
  });

  it('withdraws a delivery the contracts in force no longer entitle, without an attempt', async () => {
    const id = dueWarrant();
    const transport = new FakeTransport(() => ({ status: 200, headers: {}, body: Buffer.alloc(0) }));
    const noGrants = Object.create(real, { grants: { value: [] } });
    await handler(noGrants, transport)({ deliveryId: id, attempt: 0, recipient: POLICE });
    expect(transport.sent).toHaveLength(0);
    expect(store.attempts).toHaveLength(0);
    expect(store.ended).toEqual([{ action: 'delivery.withdrawn', reason: expect.stringMatching(/^no-longer-entitled: /) }]);
  });
});

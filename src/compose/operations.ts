/**
 * What the operations routes (/healthz, /readyz, /metrics) read, the same in every process that
 * serves them: a readiness check per dependency, whether the process still takes work, and the
 * gauges sampled at scrape time — from PostgreSQL (deliveries by state, waiting per recipient, the
 * unsealed audit tail) and, in a worker, from its recipient gate.
 */
import { payoutsByState } from '../store/reconciliation.js';
import type { Metrics } from '../metrics.js';
import type { Database } from '../store/index.js';
import { countOpenByState, deadlineCounts, waitingByRecipient } from '../store/index.js';
import { countUnsealed } from '../audit/log.js';
import type { Dispatcher } from '../queue/index.js';
import type { RecipientGate } from '../workers/recipient-gate.js';

export interface Operations {
  /** readiness of each dependency: throws when unreachable */
  checks: Record<string, () => Promise<void>>;
  /** false once shutdown began: /readyz answers 503 so load balancers drain this process */
  accepting: () => boolean;
  stopAccepting: () => void;
  /** refresh the sampled gauges (at each scrape) */
  sample: () => Promise<void>;
  /** sample this worker's recipient gate too */
  watchGate: (gate: RecipientGate) => void;
}

export function createOperations(o: { mode: 'embedded' | 'server'; database: Database; dispatcher: Dispatcher; metrics: Metrics }): Operations {
  const { database, dispatcher, metrics } = o;
  const db = database.db;
  let accepting = true;
  let gate: RecipientGate | undefined;
  const checks: Record<string, () => Promise<void>> = o.mode === 'server' ? { database: () => database.ping(), redis: () => dispatcher.ping() } : { database: () => database.ping() };
  const sample = async () => {
    const counts = await countOpenByState(db);
    for (const [state, n] of Object.entries(counts)) metrics.deliveriesByState.set({ state }, n);
    metrics.queueDepth.set(await dispatcher.depth().catch(() => NaN));
    metrics.auditUnsealed.set(await countUnsealed(db));
    for (const [state, n] of Object.entries(await payoutsByState(db))) metrics.payoutsByState.set({ state }, n);
    for (const [state, n] of Object.entries(await deadlineCounts(db))) metrics.deadlinesOpen.set({ state }, n);
    metrics.waitingByRecipient.reset();
    metrics.oldestWaitingSeconds.reset();
    const now = Date.now();
    for (const w of await waitingByRecipient(db)) {
      metrics.waitingByRecipient.set({ recipient: w.recipient }, w.waiting);
      metrics.oldestWaitingSeconds.set({ recipient: w.recipient }, Math.max(0, (now - w.oldestCreatedAt.getTime()) / 1000));
    }
    if (gate) {
      for (const g of [metrics.recipientInFlight, metrics.recipientParked, metrics.recipientPaused]) g.reset();
      for (const r of gate.recipients()) {
        metrics.recipientInFlight.set({ recipient: r.recipient }, r.inFlight);
        metrics.recipientParked.set({ recipient: r.recipient }, r.parked);
        metrics.recipientPaused.set({ recipient: r.recipient }, r.status === 'open' ? 1 : r.status === 'half-open' ? 0.5 : 0);
      }
    }
  };
  return {
    checks,
    accepting: () => accepting,
    stopAccepting: () => {
      accepting = false;
    },
    sample,
    watchGate: (g) => {
      gate = g;
    },
  };
}

/** Prometheus metrics, one registry per hub instance (tests run several hubs in one process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  messagesAccepted: Counter<'type'>;
  messagesRefused: Counter<'reason'>;
  attempts: Counter<'outcome'>;
  attemptSeconds: Histogram<'outcome'>;
  deliveriesByState: Gauge<'state'>;
  queueDepth: Gauge;
  auditUnsealed: Gauge;
  intakeHeld: Counter;
  resourceExhausted: Counter<'resource'>;
  recipientInFlight: Gauge<'recipient'>;
  recipientParked: Gauge<'recipient'>;
  recipientPaused: Gauge<'recipient'>;
  waitingByRecipient: Gauge<'recipient'>;
  oldestWaitingSeconds: Gauge<'recipient'>;
  // issue 22: the pull inbox
  inboxLeased: Counter;
  inboxPollsWaiting: Gauge;
  // issue 23: reconciliation
  payoutsByState: Gauge<'state'>;
  unmatchedEntries: Counter;
  statementsReconciled: Counter<'flagged'>;
  // issue 25: deadlines
  deadlinesOpen: Gauge<'state'>;
  deadlineEvents: Counter<'event'>;
  /** count what a deadline clock pass fired */
  deadlinesFired(n: { warned: number; missed: number }): void;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'wasla_' });
  const deadlineEvents = new Counter({
    name: 'wasla_deadline_events_total',
    labelNames: ['event'],
    registers: [registry],
    help: 'Deadlines this worker fired: warned (deadline.approaching sent) and missed (deadline.missed sent)',
  });
  return {
    registry,
    messagesAccepted: new Counter({ name: 'wasla_messages_accepted_total', help: 'Messages accepted (202)', labelNames: ['type'], registers: [registry] }),
    messagesRefused: new Counter({ name: 'wasla_messages_refused_total', help: 'Requests refused, by problem type', labelNames: ['reason'], registers: [registry] }),
    attempts: new Counter({ name: 'wasla_delivery_attempts_total', help: 'Delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
    attemptSeconds: new Histogram({
      name: 'wasla_delivery_attempt_seconds',
      help: 'Delivery attempt latency',
      labelNames: ['outcome'],
      registers: [registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    deliveriesByState: new Gauge({
      name: 'wasla_deliveries',
      labelNames: ['state'],
      registers: [registry],
      // delivered ones are not counted: see countOpenByState; wasla_delivery_attempts_total{outcome="delivered"} counts them as they go
      help: 'Deliveries not delivered, by state: pending, in_flight, retrying, dead (sampled from PostgreSQL at scrape)',
    }),
    queueDepth: new Gauge({ name: 'wasla_queue_depth', help: 'Jobs waiting or delayed in the dispatcher', registers: [registry] }),
    auditUnsealed: new Gauge({
      name: 'wasla_audit_unsealed',
      registers: [registry],
      help: 'Audit entries committed but not sealed yet (sampled at scrape); grows while a transaction left open on the PostgreSQL server (in any database) holds sealing back',
    }),
    // per worker process, from its recipient gate (sampled at scrape)
    recipientInFlight: new Gauge({ name: 'wasla_recipient_in_flight', help: 'Attempts this worker has in flight to each recipient', labelNames: ['recipient'], registers: [registry] }),
    recipientParked: new Gauge({
      name: 'wasla_recipient_parked',
      labelNames: ['recipient'],
      registers: [registry],
      help: "Deliveries this worker holds in memory while the recipient's line is full (still due in PostgreSQL)",
    }),
    recipientPaused: new Gauge({
      name: 'wasla_recipient_paused',
      labelNames: ['recipient'],
      registers: [registry],
      help: "Whether this worker's breaker has paused the recipient: 0 closed, 1 open, 0.5 half-open (probing)",
    }),
    resourceExhausted: new Counter({
      name: 'wasla_resource_exhausted_total',
      labelNames: ['resource'],
      registers: [registry],
      help: 'Requests answered 503 because the database ran out of disk, memory or connections (resource-exhausted)',
    }),
    // from PostgreSQL at scrape, the same in every process: nothing waits unseen (issue 20)
    waitingByRecipient: new Gauge({
      name: 'wasla_deliveries_waiting',
      labelNames: ['recipient'],
      registers: [registry],
      help: 'Deliveries neither delivered nor dead (pending, in_flight, retrying), per recipient (sampled from PostgreSQL at scrape)',
    }),
    oldestWaitingSeconds: new Gauge({
      name: 'wasla_delivery_oldest_waiting_seconds',
      labelNames: ['recipient'],
      registers: [registry],
      help: 'Age of the oldest delivery neither delivered nor dead, per recipient: grows while a recipient is down, under store and forward without bound (sampled at scrape)',
    }),
    intakeHeld: new Counter({
      name: 'wasla_intake_held_total',
      help: 'Messages held by flow control while deliveries to a recipient were behind (those still behind after the hold are refused: delivery-backlog)',
      registers: [registry],
    }),
    // issue 22: the pull inbox
    inboxLeased: new Counter({
      name: 'wasla_inbox_leased_total',
      help: 'Deliveries handed out by GET /v1/inbox (each lease is an attempt; its end is counted in wasla_delivery_attempts_total)',
      registers: [registry],
    }),
    inboxPollsWaiting: new Gauge({ name: 'wasla_inbox_polls_waiting', help: 'Long polls of GET /v1/inbox waiting in this process', registers: [registry] }),
    // issue 23: reconciliation
    payoutsByState: new Gauge({ name: 'wasla_payouts', help: 'Payouts instructed to banks, by reconciliation state (sampled at scrape)', labelNames: ['state'], registers: [registry] }),
    unmatchedEntries: new Counter({ name: 'wasla_statement_entries_unmatched_total', help: 'Statement entries (or their transactions) that matched no payout', registers: [registry] }),
    statementsReconciled: new Counter({
      name: 'wasla_statements_reconciled_total',
      help: 'Statements and notifications reconciled; flagged: totals or balances did not add up',
      labelNames: ['flagged'],
      registers: [registry],
    }),
    // issue 25: deadlines
    deadlinesOpen: new Gauge({
      name: 'wasla_deadlines_open',
      labelNames: ['state'],
      registers: [registry],
      help: 'Deadlines not yet met, missed or withdrawn: open, or warned (sampled from PostgreSQL at scrape)',
    }),
    deadlineEvents: deadlineEvents,
    deadlinesFired: (n) => {
      if (n.warned) deadlineEvents.inc({ event: 'warned' }, n.warned);
      if (n.missed) deadlineEvents.inc({ event: 'missed' }, n.missed);
    },
  };
}

/**
 * The deadline clock (issue 25): in each worker process, a loop that claims the deadlines due —
 * their warning time or their due time — and fires each: the hub's deadline.approaching or
 * deadline.missed to the institutions the expectation names, and the deadline moved on (warned;
 * missed; an `every` deadline re-armed for its next period), with an audit entry, in ONE
 * transaction with the alert itself (intake/emit.ts).
 *
 * Guarantees:
 * - fires once across any number of workers: rows are claimed `FOR UPDATE SKIP LOCKED` and the
 *   state change commits with the alert; the alert's emit key (deadline, event, due time) stores
 *   it once even if a transaction were retried after an unknown outcome;
 * - a hub that was down fires on its first pass what fell due meanwhile, once: a deadline past
 *   both its warning and its due time is missed (no late warning); an `every` deadline several
 *   periods behind is missed once and re-armed for its first period still ahead;
 * - a pass costs what is due: the claim reads the partial index on `fire_at` of open deadlines;
 * - a refused alert (no grant routes it any more) does not hold the deadline back: it is moved on,
 *   and the refusal is logged and on its audit entry.
 */
import type { Logger } from 'pino';
import { type Expectation, addDuration, parseDuration } from '../federation/index.js';
import type { Contracts } from '../routing/types.js';
import { dispatchEmitted, type EmitOutcome, emitHubMessages, type HubMessage } from '../intake/emit.js';
import type { Dispatcher } from '../queue/index.js';
import { asLoaded, DEADLINE_APPROACHING, DEADLINE_MISSED, deadlineWarnAt } from '../routing/index.js';
import { claimDueDeadlines, type Db, type DeadlineFired, type DueDeadline, type PayloadVault, recordFired } from '../store/index.js';

export interface DeadlineClockOptions {
  db: Db;
  contracts: () => Contracts;
  dispatcher: Dispatcher;
  log: Logger;
  /** keys the hub's alerts' national ids and names in the case index, like every message's */
  indexSecret: Uint8Array;
  /** seals the alerts like every message (issue 26) */
  vault?: PayloadVault;
  intervalMs: number;
  /** deadlines fired per transaction */
  batch?: number;
  /** the audit actor */
  actor?: string;
  /** called with what each pass fired (metrics) */
  onFired?: (counts: { warned: number; missed: number }) => void;
}

/** at most this many batches a pass, so one pass ends; the next continues */
const MAX_BATCHES = 50;
/** an `every` deadline is re-armed at most this many periods ahead in one firing */
const MAX_PERIODS = 100_000;

function expectationOf(contracts: Contracts, d: DueDeadline): Expectation | undefined {
  return asLoaded(contracts)
    .agreements.get(d.agreement)
    ?.expectations.find((e) => e.id === d.expectation);
}

/** What firing `d` at `now` does: the event, and the deadline's next state and times. */
export function nextStep(d: DueDeadline, e: Expectation | undefined, now: Date): Omit<DeadlineFired, 'audit'> {
  if (d.state === 'open' && d.warnAt !== null && now.getTime() < d.dueAt.getTime()) {
    return { id: d.id, event: 'warned', state: 'warned', dueAt: d.dueAt, warnAt: d.warnAt, fireAt: d.dueAt };
  }
  const period = d.kind === 'every' && e?.due.kind === 'every' ? parseDuration(e.due.period) : undefined;
  if (!period) return { id: d.id, event: 'missed', state: 'missed', dueAt: d.dueAt, warnAt: d.warnAt, fireAt: d.fireAt };
  let next = addDuration(d.dueAt, period);
  for (let i = 0; i < MAX_PERIODS && next.getTime() <= now.getTime(); i++) next = addDuration(next, period);
  const warn = e ? deadlineWarnAt(e, next, now) : null;
  return { id: d.id, event: 'missed', state: 'open', dueAt: next, warnAt: warn, fireAt: warn ?? next };
}

/** The hub's message for a fired deadline. */
export function alertFor(d: DueDeadline, e: Expectation | undefined, event: 'warned' | 'missed', now: Date): HubMessage {
  const missed = event === 'missed';
  return {
    type: missed ? DEADLINE_MISSED : DEADLINE_APPROACHING,
    version: '1.0',
    classification: d.classification as HubMessage['classification'],
    causationid: d.startedBy,
    ...(d.caseRef !== null && { casereference: d.caseRef }),
    key: `deadline:${d.id}:${event}:${d.dueAt.toISOString()}`,
    data: {
      deadlineId: d.id,
      agreement: d.agreement,
      expectation: d.expectation,
      ...(e?.description !== undefined && { description: e.description.slice(0, 1000) }),
      kind: d.kind,
      startedBy: { messageId: d.startedBy, type: d.startedType, sender: d.startedSender },
      expected: { types: e ? [...e.expect.types] : [], from: e?.expect.from ?? '' },
      correlation: d.correlationKey,
      ...(d.caseRef !== null && { caseReference: d.caseRef }),
      dueAt: d.dueAt.toISOString(),
      ...(missed && d.kind === 'every' && { periodsMissed: d.periodsMissed + 1 }),
      notify: d.notify as string[],
      [missed ? 'missedAt' : 'warnedAt']: now.toISOString(),
    },
  };
}

export class DeadlineClock {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly o: DeadlineClockOptions) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((err) => this.o.log.warn({ err: (err as Error).message }, 'deadline clock pass failed; will try again'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.o.intervalMs);
            this.timer.unref();
          }
        });
    };
    loop();
  }

  /**
   * One pass: fire everything due at `asOf` (default now; a test or the demo's compressed clock
   * passes a later time), a batch a transaction. Returns how many were warned and missed.
   */
  async tick(asOf?: Date): Promise<{ warned: number; missed: number }> {
    const counts = { warned: 0, missed: 0 };
    for (let i = 0; i < MAX_BATCHES && !this.stopped; i++) {
      const n = await this.fireBatch(asOf, counts);
      if (n < (this.o.batch ?? 100)) break;
    }
    if (counts.warned + counts.missed > 0) this.o.onFired?.(counts);
    return counts;
  }

  private async fireBatch(asOf: Date | undefined, counts: { warned: number; missed: number }): Promise<number> {
    const contracts = this.o.contracts();
    let outcomes: EmitOutcome[] = [];
    let claimed = 0;
    await this.o.db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      const due = await claimDueDeadlines(tx, this.o.batch ?? 100, asOf);
      claimed = due.length;
      if (due.length === 0) return;
      const now = asOf ?? new Date();
      const steps = due.map((d) => {
        const e = expectationOf(contracts, d);
        const step = nextStep(d, e, now);
        return { d, step, alert: alertFor(d, e, step.event as 'warned' | 'missed', now) };
      });
      outcomes = await emitHubMessages(
        tx,
        contracts,
        steps.map((s) => s.alert),
        this.o.indexSecret,
        this.o.vault,
      );
      const fired: DeadlineFired[] = steps.map((s, i) => {
        const o = outcomes[i];
        const audit = o.ok ? (o.stored ? { alert: o.id } : { alert: 'sent before' }) : { alertRefused: o.error.code, reason: o.error.message.slice(0, 500) };
        return { ...s.step, audit: { ...audit, dueAt: s.d.dueAt.toISOString() } };
      });
      await recordFired(tx, fired, this.o.actor ?? 'hub:deadline-clock');
      for (const f of fired) counts[f.event]++;
    });
    dispatchEmitted(this.o.dispatcher, this.o.log, outcomes, 'deadline alert');
    if (claimed) this.o.log.info({ claimed }, 'deadline clock fired due deadlines');
    return claimed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

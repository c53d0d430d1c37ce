/**
 * Flow control at intake. A hub that accepts faster than it delivers grows a backlog without bound,
 * and every message then waits longer for its recipients. While more than `limit` deliveries are
 * due and untaken for a recipient, a message routed to it is held (its request waits, nothing is
 * stored yet) until the backlog shrinks, for at most `holdMs`, then refused with 503 and
 * Retry-After — nothing stored, so the message can simply be sent again (signed anew: the replay
 * guard has seen the first signature). A sender whose requests wait for their answers is thereby
 * slowed to the rate deliveries keep up with.
 *
 * Held messages wait in one line and go on in the order they came, as the backlog makes room: a
 * read of the backlog gives each recipient `limit - due + 1` places (holding starts once more
 * than `limit` are due), every message admitted takes one place of each of its recipients until
 * the next read, and a message that came later never overtakes an earlier one held for the same
 * recipient. (Releasing every held message at the
 * first read within the limit, as before, let them all through at once, overshooting the limit, so
 * that the next ones waited for the whole overshoot to drain: in the closed-loop bench the intake
 * p99 was four to six times the median.)
 *
 * Only deliveries that are due count: those a paused recipient (breaker, rate limit) has had
 * deferred do not, so a recipient that is down does not stop intake for it — the hub keeps
 * storing and forwards later. Counts are polled from PostgreSQL by each api process: every
 * `pollMs` while messages come in or a recipient is behind; while neither, the wait doubles up to
 * `idlePollMs`, and the next message brings the next read back to `pollMs` after the last one (it
 * is itself admitted on the last counts, which showed nobody behind). While a message is held the
 * reads come every `heldPollMs`, since each read is what lets held messages go on. Each api process
 * counts its own admissions only, so with several the limit can be overshot by what they admit
 * between two reads.
 */
import type { Logger } from 'pino';
import { BacklogError } from '../errors.js';

export interface FlowControlOptions {
  /** due deliveries per recipient above which its messages are held */
  limit: number;
  holdMs: number;
  /** between polls while messages come in or a recipient is behind (default 250 ms) */
  pollMs?: number;
  /** the longest wait between polls while idle (default 2000 ms) */
  idlePollMs?: number;
  /** between polls while a message is held (default 50 ms) */
  heldPollMs?: number;
  /** due deliveries per recipient (see store `dueBacklog`) */
  count: () => Promise<Map<string, number>>;
  log: Logger;
  /** called once per message held */
  onHeld?: () => void;
}

/** a held message: its recipients and how to let it go on */
interface Waiter {
  recipients: readonly string[];
  go: () => void;
}

export class FlowControl {
  /** due deliveries per recipient at the last read; undefined while it cannot be read */
  private due: Map<string, number> | undefined = new Map();
  /** messages admitted per recipient since the last read (their deliveries are not in `due` yet) */
  private taken = new Map<string, number>();
  /** held messages, oldest first */
  private line: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly pollMs: number;
  private readonly idlePollMs: number;
  private readonly heldPollMs: number;
  private waitMs: number;
  /** a message came in since the last poll began */
  private active = false;
  private lastPollAt = 0;
  private nextPollAt = 0;
  /** messages held so far, and refused after holding (for metrics and tests) */
  held = 0;
  refused = 0;

  constructor(private readonly o: FlowControlOptions) {
    this.pollMs = o.pollMs ?? 250;
    this.idlePollMs = Math.max(this.pollMs, o.idlePollMs ?? 2000);
    this.heldPollMs = Math.min(this.pollMs, o.heldPollMs ?? 50);
    this.waitMs = this.pollMs;
  }

  start(): void {
    void this.poll();
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    this.lastPollAt = Date.now();
    const sawMessages = this.active;
    this.active = false;
    try {
      this.due = await this.o.count();
    } catch (err) {
      // unknown backlog: hold nothing (intake itself will fail while the database is away)
      this.due = undefined;
      this.o.log.warn({ err: (err as Error).message }, 'flow control could not read the backlog');
    }
    // admissions before this read are in its counts (or about to be: those still committing)
    this.taken.clear();
    this.releaseInOrder();
    if (this.stopped) return;
    const busy = sawMessages || this.active || [...(this.due?.values() ?? [])].some((n) => n > this.o.limit);
    this.waitMs = busy ? this.pollMs : Math.min(this.idlePollMs, this.waitMs * 2);
    // messages still held after this read want the next one sooner
    this.schedule(this.line.length > 0 ? this.heldPollMs : this.waitMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.nextPollAt = Date.now() + ms;
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  /** bring the next read forward to `at` when it is due later */
  private readBy(at: number): void {
    if (this.timer && !this.stopped && this.nextPollAt > at) this.schedule(Math.max(0, at - Date.now()));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.line.splice(0)) w.go();
  }

  /** deliveries due for a recipient as far as this process knows: the last read plus its own admissions since */
  private load(recipient: string): number {
    return (this.due?.get(recipient) ?? 0) + (this.taken.get(recipient) ?? 0);
  }

  /** the recipients among these whose backlog is over the limit */
  behind(recipients: readonly string[]): string[] {
    if (!this.due) return [];
    return recipients.filter((r) => this.load(r) > this.o.limit);
  }

  private take(recipients: readonly string[]): void {
    if (!this.due) return;
    for (const r of recipients) this.taken.set(r, (this.taken.get(r) ?? 0) + 1);
  }

  /**
   * Lets held messages go on, oldest first, while their recipients have room. A recipient without
   * room stops every later message routed to it, so that nobody overtakes in its line; a later
   * message whose recipients all have room still goes on.
   */
  private releaseInOrder(): void {
    if (this.line.length === 0) return;
    const full = new Set<string>();
    const kept: Waiter[] = [];
    for (const w of this.line) {
      const over = this.behind(w.recipients);
      if (over.length > 0 || w.recipients.some((r) => full.has(r))) {
        for (const r of over) full.add(r);
        kept.push(w);
      } else {
        this.take(w.recipients);
        w.go();
      }
    }
    this.line = kept;
  }

  /** Resolves when the message may go on; throws BacklogError after holdMs. */
  async admit(recipients: readonly string[]): Promise<void> {
    this.active = true;
    // waking from idle: the next read comes pollMs after the last one, not at the end of a long wait
    this.readBy(this.lastPollAt + this.pollMs);
    if (this.stopped || (this.line.length === 0 && this.behind(recipients).length === 0)) {
      this.take(recipients);
      return;
    }
    // someone is held already: this message takes its place behind them, unless its recipients
    // are free of the line and have room
    let go!: () => void;
    const released = new Promise<void>((resolve) => (go = resolve));
    const waiter: Waiter = { recipients, go };
    this.line.push(waiter);
    this.releaseInOrder();
    if (!this.line.includes(waiter)) return;
    this.held += 1;
    this.o.onHeld?.();
    // a held message goes on after a read that finds room: read sooner
    this.readBy(this.lastPollAt + this.heldPollMs);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), this.o.holdMs)));
    const outcome = await Promise.race([released, expired]);
    clearTimeout(timer);
    if (outcome !== 'expired') return;
    this.line = this.line.filter((w) => w !== waiter);
    this.refused += 1;
    const behind = this.behind(recipients);
    throw new BacklogError(
      `deliveries to ${(behind.length > 0 ? behind : recipients).join(', ')} are more than ${this.o.limit} behind; nothing was stored; sign the request again and send it after the Retry-After delay (a signature the hub has seen is refused as a replay)`,
      1,
      behind.length > 0 ? behind : [...recipients],
    );
  }
}

/**
 * A wait profile of PostgreSQL during the measured phase: twice a second, what every session of
 * the bench database is doing (state and wait event, e.g. `active Lock:advisory` for a session
 * queued on an advisory lock, `idle in transaction Client:ClientRead` for one waiting on its
 * client between two statements of a transaction). Shares show where the time of the sessions goes.
 */
import pg from 'pg';
import { PG_ADMIN_URL } from './services.js';

export interface WaitShare {
  what: string;
  share: number;
  avgSessions: number;
}

export class PgWaitSampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer?: NodeJS.Timeout;
  private client?: pg.Client;
  private busy = false;

  constructor(
    private readonly database: string,
    private readonly everyMs = 500,
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: PG_ADMIN_URL });
    this.client.on('error', () => {});
    await this.client.connect();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    if (this.busy || !this.client) return;
    this.busy = true;
    try {
      const r = await this.client.query<{ what: string; n: string }>(
        `select state || coalesce(' ' || wait_event_type || ':' || wait_event, '') as what, count(*) as n
           from pg_stat_activity where datname = $1 and state <> 'idle' and pid <> pg_backend_pid() group by 1`,
        [this.database],
      );
      this.samples++;
      for (const row of r.rows) this.counts.set(row.what, (this.counts.get(row.what) ?? 0) + Number(row.n));
    } catch {
      // a missed sample is only a missed sample
    } finally {
      this.busy = false;
    }
  }

  /** stops sampling; shares of all non-idle session samples, largest first */
  async stop(): Promise<WaitShare[]> {
    clearInterval(this.timer);
    await this.client?.end().catch(() => {});
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([what, n]) => ({ what, share: total ? n / total : 0, avgSessions: this.samples ? n / this.samples : 0 }));
  }
}

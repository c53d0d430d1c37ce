/**
 * Replay guard shared by every api process, on Redis: `SET <prefix><hash> 1 NX EX <ttl>`.
 *
 * Guarantees: the check and the record are one Redis command, so two processes racing with the
 * same signature see exactly one `false`; entries expire on their own (no sweeping). If Redis
 * cannot answer, `seen` throws UnavailableError (503) — failing open would let replays through.
 * Works with a standalone client, Sentinel or Cluster (one key per command, no cross-slot work).
 */
import type { Cluster, Redis } from 'ioredis';
import { UnavailableError } from '../errors.js';
import type { ReplayGuard } from './replay-guard.js';
import { Batcher } from '../batcher.js';

export interface RedisReplayGuardOptions {
  /** key prefix (default 'wasla:replay:'), so tests and deployments can share a Redis */
  prefix?: string;
}

export class RedisReplayGuard implements ReplayGuard {
  readonly prefix: string;
  private readonly batch?: Batcher<{ key: string; ttl: number }, unknown>;

  constructor(
    private readonly redis: Redis | Cluster,
    opts: RedisReplayGuardOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'wasla:replay:';
    // On one Redis, checks arriving within a millisecond (or while a pipeline is on its way) go in
    // one pipeline (one write, one read) instead of a round trip each; a Cluster keeps one command
    // per key (no cross-slot).
    if (!(redis as Cluster).isCluster) {
      this.batch = new Batcher(
        async (items) => {
          const pipeline = (redis as Redis).pipeline();
          for (const { key, ttl } of items) pipeline.set(key, '1', 'EX', ttl, 'NX');
          const replies = await pipeline.exec();
          return items.map((_, i) => {
            const [err, reply] = replies?.[i] ?? [new Error('no reply'), null];
            return err ? { error: err } : reply;
          });
        },
        { maxItems: 64, maxWaitMs: 1, eagerBelow: 1 },
      );
    }
  }

  async seen(signatureHash: string, ttlSeconds: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const key = this.prefix + signatureHash;
    let reply: unknown;
    try {
      reply = this.batch ? await this.batch.submit({ key, ttl }) : await this.redis.set(key, '1', 'EX', ttl, 'NX');
    } catch (e) {
      throw new UnavailableError('the replay guard (Redis) is unreachable', e);
    }
    if (reply !== null && typeof reply === 'object' && 'error' in reply) throw new UnavailableError('the replay guard (Redis) is unreachable', (reply as { error: unknown }).error);
    // NX: 'OK' when we created the key, null when it already existed
    return reply !== 'OK';
  }
}

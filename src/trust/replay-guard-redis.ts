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

export interface RedisReplayGuardOptions {
  /** key prefix (default 'wasla:replay:'), so tests and deployments can share a Redis */
  prefix?: string;
}

export class RedisReplayGuard implements ReplayGuard {
  readonly prefix: string;

  constructor(
    private readonly redis: Redis | Cluster,
    opts: RedisReplayGuardOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'wasla:replay:';
  }

  async seen(signatureHash: string, ttlSeconds: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    let reply: string | null;
    try {
      reply = await this.redis.set(this.prefix + signatureHash, '1', 'EX', ttl, 'NX');
    } catch (e) {
      throw new UnavailableError('the replay guard (Redis) is unreachable', e);
    }
    // NX: 'OK' when we created the key, null when it already existed
    return reply !== 'OK';
  }
}

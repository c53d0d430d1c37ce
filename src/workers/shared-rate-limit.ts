/**
 * The agreement's rate limit towards a recipient, shared by every worker process: one token bucket
 * per recipient in Redis. Kept in each process's memory instead, N worker processes would send a
 * recipient N times what its agreement allows.
 *
 * Guarantees: taking a token is one Lua script, so processes racing for the last token see exactly
 * one success; the bucket is refilled by Redis's own clock (`TIME`), so the workers' clocks do not
 * matter; an idle bucket expires once it would be full again. When Redis cannot answer, `take`
 * throws and the caller falls back to its own bucket (see RecipientGate).
 */
import type { Redis } from 'ioredis';
import type { RateLimit } from '../federation/index.js';

export interface SharedRateLimit {
  /** Take a token of the recipient's bucket: 0 when taken, otherwise the ms until one is due. */
  take(recipient: string, limit: RateLimit): Promise<number>;
}

// KEYS[1]: the bucket; ARGV: perSecond, burst. Returns 0 (taken) or the ms until a token is due.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
`;

type WithTake = Redis & { waslaRateTake(key: string, perSecond: number, burst: number): Promise<number> };

export class RedisRateLimit implements SharedRateLimit {
  private readonly redis: WithTake;

  /** `prefix` names this hub's buckets, so that hubs (and tests) can share a Redis */
  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    // EVALSHA, with the script sent again should Redis have forgotten it
    if (!('waslaRateTake' in redis)) redis.defineCommand('waslaRateTake', { numberOfKeys: 1, lua: TAKE });
    this.redis = redis as WithTake;
  }

  async take(recipient: string, limit: RateLimit): Promise<number> {
    return Number(await this.redis.waslaRateTake(this.prefix + recipient, limit.perSecond, limit.burst));
  }
}

/**
 * A database out of disk, memory or connections (issue 20.5) is transient: 503
 * `resource-exhausted` with Retry-After, a metric and a log line naming what ran out — not 500.
 * Errors are injected as the drivers raise them: node-postgres and PGlite carry the SQLSTATE in
 * `code`, drizzle wraps them in a cause, Node's fs gives ENOSPC.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../../src/api/index.js';
import { exhaustedResource, toWaslaError } from '../../../src/api/problem.js';
import type { ApiDeps } from '../../../src/api/deps.js';
import { createMetrics } from '../../../src/metrics.js';
import { loadContracts } from '../../../src/routing/index.js';
import { example, envelope } from '../../helpers/contracts.js';
import { problemOf } from '../../../src/api/problems.js';
import { acceptMessage, type AcceptInput } from '../../../src/intake/accept.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });
const wrapped = (cause: unknown) => new Error('Failed query: with mi as (…)', { cause });

/** [what, error as the driver raises it, resource, Retry-After] */
const CASES: Array<[string, unknown, string, number]> = [
  ['53100 disk_full (PostgreSQL)', pgError('53100', 'could not extend file "base/16384/16402": No space left on device'), 'disk', 30],
  ['53200 out_of_memory', pgError('53200', 'out of memory'), 'memory', 10],
  ['53300 too_many_connections', pgError('53300', 'sorry, too many clients already'), 'connections', 5],
  ['53000 insufficient_resources', pgError('53000', 'insufficient resources'), 'resources', 10],
  ['53100 wrapped by drizzle', wrapped(pgError('53100', 'could not write to file "pg_wal/xlogtemp.42": No space left on device')), 'disk', 30],
  ['ENOSPC from a file write (PGlite)', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }), 'disk', 30],
  ['EDQUOT (quota)', Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT', errno: -122 }), 'disk', 30],
  ['a PGlite message only', new Error('could not extend file "base/1/2": No space left on device'), 'disk', 30],
];

describe('a database out of resources', () => {
  it.each(CASES)('maps %s to 503 resource-exhausted', (_what, err, resource, retryAfter) => {
    const e = toWaslaError(err);
    expect(e?.code).toBe('resource-exhausted');
    expect(e && problemOf(e).status).toBe(503);
    expect(e?.retryable).toBe(true);
    expect(e?.extra).toEqual({ resource });
    expect(exhaustedResource(err)?.retryAfterSeconds).toBe(retryAfter);
  });

  it('leaves other database errors alone: a configuration limit, a constraint, a syntax error', () => {
    for (const err of [pgError('53400', 'configuration limit exceeded'), pgError('23505', 'duplicate key'), pgError('42601', 'syntax error'), new Error('boom')]) {
      expect(exhaustedResource(err)).toBeUndefined();
      expect(toWaslaError(err)).toBeUndefined();
    }
  });

  describe('at the HTTP edge', () => {
    function app(commitError: unknown) {
      const lines: string[] = [];
      const log = pino(
        { level: 'info' },
        new Writable({
          write(chunk, _enc, cb) {
            lines.push(String(chunk));
            cb();
          },
        }),
      );
      const metrics = createMetrics();
      const contracts = loadContracts('contracts');
      const deps = {
        version: 'test',
        mode: 'embedded',
        maxBodyBytes: 256 * 1024,
        metrics,
        log,
        contracts: () => contracts,
        authenticate: async () => ({ institution: 'ps.hjc.court.ramallah', credential: 'test' }),
        services: {
          intake: {
            accept: (input: AcceptInput) =>
              acceptMessage(
                {
                  db: undefined as never,
                  contracts: () => contracts,
                  dispatcher: undefined as never,
                  indexSecret: new Uint8Array(32),
                  log,
                  commit: async () => {
                    throw commitError;
                  },
                },
                input,
              ),
          },
        },
      } as unknown as ApiDeps;
      return { app: createApp(deps).app, lines, metrics };
    }

    const warrant = () => {
      const data: Record<string, any> = { ...example('warrant.issued', '2.0'), executingAuthority: 'ps.police.judicial' };
      data.issuingCourt = { ...data.issuingCourt, id: 'ps.hjc.court.ramallah' };
      return JSON.stringify(envelope('warrant.issued', '2.0', data));
    };

    it.each(CASES)('answers %s with 503, Retry-After, a metric and a log line naming it', async (_what, err, resource, retryAfter) => {
      const { app: a, lines, metrics } = app(err);
      const res = await a.request('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: warrant() });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe(String(retryAfter));
      const p = (await res.json()) as Record<string, unknown>;
      expect(p).toMatchObject({ type: 'https://wasla.dev/problems/resource-exhausted', status: 503, resource });
      expect(await metrics.registry.getSingleMetricAsString('wasla_resource_exhausted_total')).toContain(`wasla_resource_exhausted_total{resource="${resource}"} 1`);
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.code === 'resource-exhausted');
      expect(logged).toMatchObject({ level: 50, resource });
      expect(logged.msg).toContain(resource === 'disk' ? 'out of disk space' : `out of ${resource}`);
    });
  });
});

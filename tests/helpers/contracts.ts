/**
 * A copy of the demo contract set for a test: every institution's endpoint pointed at the test's
 * receivers (through the WASLA_ENDPOINT_* variables the loader honours) and, where a test needs
 * retries to happen within seconds, every grant's retry schedule shortened.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { endpointEnvVar } from '../../src/routing/index.js';
import type { RetryPolicy } from '../../src/federation/index.js';

export const CONTRACTS = resolve('contracts');

export function institutionIds(dir = CONTRACTS): string[] {
  return readdirSync(join(dir, 'institutions'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, 'institutions', f), 'utf8')).id);
}

/**
 * env variables pointing every institution (or those in `map`) at a receiver URL; the institution
 * id is appended to the path so that one receiver can answer (and sign receipts) for several
 */
export function endpointEnv(defaultUrl: string, map: Record<string, string> = {}, dir = CONTRACTS): Record<string, string> {
  const env: Record<string, string> = {};
  for (const id of institutionIds(dir)) env[endpointEnvVar(id)] = `${map[id] ?? defaultUrl}/${id}`;
  return env;
}

/** a temp copy of the contract set with every grant changed by `patch` */
export function contractsWithGrants(patch: (grant: Record<string, any>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasla-contracts-'));
  cpSync(CONTRACTS, dir, { recursive: true });
  const adir = join(dir, 'agreements');
  for (const f of readdirSync(adir).filter((x) => x.endsWith('.json'))) {
    const a = JSON.parse(readFileSync(join(adir, f), 'utf8'));
    for (const g of a.grants ?? []) patch(g);
    writeFileSync(join(adir, f), JSON.stringify(a, null, 2));
  }
  return dir;
}

/** a temp copy of the contract set with every grant's retry policy replaced */
export function contractsWithRetry(retry: RetryPolicy): string {
  return contractsWithGrants((g) => {
    g.retry = retry;
  });
}

export function example(type: string, version: string, dir = CONTRACTS): Record<string, any> {
  const schema = JSON.parse(readFileSync(join(dir, 'messages', type, `${version}.schema.json`), 'utf8'));
  return structuredClone(schema.examples[0]);
}

export function envelope(type: string, version: string, data: unknown, extra: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    type,
    dataschema: `https://wasla.dev/contracts/messages/${type}/${version}.schema.json`,
    data,
    ...extra,
  };
}

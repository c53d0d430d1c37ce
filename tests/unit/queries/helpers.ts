/** Shared setup for the query core's tests: the real queries, agreements (with the proposed grants) and institutions. */
import fs from 'node:fs';
import path from 'node:path';
import { loadQueries, type AgreementQueryGrants, type RawGrantEntry } from '../../../src/queries/index.js';
import { catalogue, CONTRACTS } from './setup.js';

export { catalogue, CONTRACTS, REPO, cursorSecret, example, message, secret } from './setup.js';
export const queries = loadQueries(CONTRACTS, catalogue);

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;

/** Institutions as their files say them. */
export const institutions = new Map<string, { id: string; clearances: string[] }>(
  fs
    .readdirSync(path.join(CONTRACTS, 'institutions'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const doc = readJson(path.join(CONTRACTS, 'institutions', f));
      return [doc.id as string, { id: doc.id as string, clearances: doc.clearances as string[] }];
    }),
);

export function caller(id: string): { id: string; clearances: string[] } {
  const i = institutions.get(id);
  if (!i) throw new Error(`no institution ${id}`);
  return i;
}

/** The real agreements as their files say them: their `queries` lists hold the case-query grants. */
export const agreements: AgreementQueryGrants[] = fs
  .readdirSync(path.join(CONTRACTS, 'agreements'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const doc = readJson(path.join(CONTRACTS, 'agreements', f));
    return {
      id: doc.id,
      ...(doc.validFrom ? { validFrom: doc.validFrom } : {}),
      ...(doc.validUntil ? { validUntil: doc.validUntil } : {}),
      queries: (doc.queries ?? []) as Array<{ institution: string; queries: RawGrantEntry[] }>,
      file: `agreements/${f}`,
    };
  });
/** the agreements that grant case queries with fields */
export const grantingAgreementIds = agreements.filter((a) => a.queries.some((q) => q.queries.some((e) => typeof e !== 'string'))).map((a) => a.id);

export const NOW = new Date('2026-06-01T09:00:00Z');

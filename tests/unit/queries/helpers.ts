/** Shared setup for the query core's tests: the real queries, agreements (with the proposed grants) and institutions. */
import fs from 'node:fs';
import path from 'node:path';
import { loadQueries, type AgreementQueryGrants, type RawGrantEntry } from '../../../src/queries/index.js';
import { catalogue, CONTRACTS, REPO } from './setup.js';

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

const proposed = readJson(path.join(REPO, 'tests/fixtures/queries/query-grants.json')) as Record<string, Array<{ institution: string; queries: RawGrantEntry[] }>>;

/** The real agreements, with the proposed query grants (tests/fixtures/queries) added to their `queries`. */
export const agreements: AgreementQueryGrants[] = fs
  .readdirSync(path.join(CONTRACTS, 'agreements'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const doc = readJson(path.join(CONTRACTS, 'agreements', f));
    const extra = proposed[doc.id] ?? [];
    return {
      id: doc.id,
      ...(doc.validFrom ? { validFrom: doc.validFrom } : {}),
      ...(doc.validUntil ? { validUntil: doc.validUntil } : {}),
      queries: [...(doc.queries ?? []), ...extra],
      file: `agreements/${f}`,
    };
  });
export const proposedAgreementIds = Object.keys(proposed).filter((k) => !k.startsWith('$'));

export const NOW = new Date('2026-06-01T09:00:00Z');

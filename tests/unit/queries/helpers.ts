/** Shared setup for the query core's tests: the real queries, agreements (with the proposed grants) and institutions. */
import fs from 'node:fs';
import path from 'node:path';
import { loadQueries, runQuery, type AgreementQueryGrants, type IndexPort, type QueryAnswer, type QueryParams, type RawGrantEntry } from '../../../src/queries/index.js';
import fc from 'fast-check';
import type { Classification } from '../../../src/federation/index.js';
import { catalogue, CONTRACTS, cursorSecret, example, secret } from './setup.js';

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

// The random case histories of the query property tests (run.property.test.ts over the in-memory
// index, tests/shared/case-index.suite.ts over the SQL one): decisions and enforcement reports.
export const CLASSES: Classification[] = ['public', 'restricted', 'juvenile', 'gbv'];
export const COURTS = ['ps.hjc.court.ramallah', 'ps.hjc.court.nablus'];
export const STATUSES = ['pending', 'in-progress', 'enforced', 'impossible'];

export const decision = (court: string, n: number, fine: boolean) =>
  example('decision.issued', '1.1', (d) => {
    d.court.id = court;
    d.decisionNumber = `${n}/2026`;
    d.caseNumber = `${n % 3}/2026`;
    d.decidedOn = `2026-05-${String(10 + n).padStart(2, '0')}`;
    if (!fine) d.penalties = [{ kind: 'imprisonment', party: 0, term: 'P1Y' }];
  });
export const report = (court: string, n: number, status: string, day: number) =>
  example('decision.enforcement-status', '1.1', (d) => {
    d.decision = { court, caseNumber: `${n % 3}/2026`, decisionNumber: `${n}/2026` };
    d.status = status;
    d.reportedOn = `2026-05-${String(day).padStart(2, '0')}T10:00:00+03:00`;
    if (status !== 'delayed') delete d.delay;
  });

/** one message of a random case history: a decision or an enforcement report, at a class */
export const item = fc.record({
  kind: fc.constantFrom('decision', 'report'),
  court: fc.constantFrom(...COURTS),
  n: fc.integer({ min: 1, max: 6 }),
  fine: fc.boolean(),
  status: fc.constantFrom(...STATUSES),
  day: fc.integer({ min: 11, max: 28 }),
  classification: fc.constantFrom(...CLASSES),
});

/** Every page of a query's answer for `who`, two records a page, following the cursors (at most 20 pages). */
export async function allPages(port: IndexPort, who: string, query: string, params: QueryParams): Promise<QueryAnswer[]> {
  const deps = { queries, catalogue, agreements, port, indexSecret: secret, cursorSecret };
  const pages: QueryAnswer[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const { answer } = await runQuery(deps, { caller: caller(who), query, params: { ...params, limit: '2', ...(cursor ? { cursor } : {}) }, now: NOW });
    pages.push(answer);
    cursor = answer.next;
    if (!cursor) break;
  }
  return pages;
}

/**
 * "No query ever returns a field or a message outside the caller's grant" (issue 24, tests), as
 * properties over every shipped query, random grants (fields and clearances, one to three
 * agreements) and random records of catalogue messages in every classification.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerRecord, scopeClears, type CallerGrant, type QueryContract, type RecordHistory, type StoredMessage } from '../../../src/queries/index.js';
import type { Classification } from '../../../src/routing/types.js';
import { catalogue, queries } from './helpers.js';

const CLASSES: Classification[] = ['public', 'restricted', 'juvenile', 'gbv'];

/** Catalogue examples of the types a query reads, in the majors it reads them in, plus one type it does not read. */
function pool(q: QueryContract): Array<{ type: string; version: string; data: unknown }> {
  const out: Array<{ type: string; version: string; data: unknown }> = [];
  for (const ref of catalogue.list()) {
    const read = q.reads.find((r) => r.type === ref.type && r.major === ref.major);
    const other = ref.type === 'protection-order.issued';
    if (!read && !other) continue;
    for (const data of catalogue.get(ref.type, ref.version)!.examples as unknown[]) out.push({ type: ref.type, version: ref.version, data });
  }
  return out;
}

const arbitraries = [...queries.queries.values()].map((q) => {
  const messages = pool(q);
  const message = fc.record({
    pick: fc.nat({ max: messages.length - 1 }),
    classification: fc.constantFrom(...CLASSES),
    time: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }),
  });
  const scope = fc.record({
    agreement: fc.constantFrom('a', 'b', 'c'),
    fields: fc.subarray(q.fields.map((f) => f.name)),
    clearances: fc.subarray(['juvenile', 'gbv'] as const),
  });
  return fc
    .record({
      query: fc.constant(q),
      scopes: fc.array(scope, { minLength: 1, maxLength: 3 }),
      records: fc.array(fc.array(message, { maxLength: 8 }), { minLength: 1, maxLength: 3 }),
      asOf: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-06-01T00:00:00Z'), noInvalidDate: true }),
    })
    .map(({ query, scopes, records, asOf }) => {
      let n = 0;
      const histories: RecordHistory[] = records.map((list, r) => ({
        key: { kind: query.record.key, issuer: '', value: `R${r}` },
        messages: list.map((m): StoredMessage => {
          const src = messages[m.pick];
          n++;
          return { id: `m-${r}-${n}`, type: src.type, version: src.version, time: m.time.toISOString(), classification: m.classification, data: JSON.parse(JSON.stringify(src.data)) };
        }),
      }));
      const grant: CallerGrant = { query: query.name, institution: 'ps.test', scopes };
      return { query, grant, histories, asOf };
    });
});
const scenario = fc.oneof(...arbitraries);

const cleared = (grant: CallerGrant, m: StoredMessage) => grant.scopes.some((s) => scopeClears(s, m.classification));

function valuesAt(data: unknown, pointer: string): unknown[] {
  let frontier: unknown[] = [data];
  for (const t of pointer.slice(1).split('/')) {
    frontier = frontier.flatMap((v) => (t === '*' ? (Array.isArray(v) ? v : []) : typeof v === 'object' && v !== null && !Array.isArray(v) && t in v ? [(v as Record<string, unknown>)[t]] : []));
  }
  return frontier;
}

describe("an answer never holds a field or a message outside the caller's grant (property)", () => {
  it('fields: only those a scope grants, each from a message that very scope clears', () => {
    fc.assert(
      fc.property(scenario, ({ query, grant, histories, asOf }) => {
        for (const record of histories) {
          const a = answerRecord(query, grant, record, { catalogue, asOf, params: {} });
          if (!a) continue;
          for (const [name, value] of Object.entries(a.fields)) {
            const field = query.fields.find((f) => f.name === name)!;
            const provenance = record.messages.some(
              (m) =>
                grant.scopes.some((s) => scopeClears(s, m.classification) && s.fields.includes(name)) &&
                field.from.some((src) => {
                  if (src.type !== m.type) return false;
                  const vs = valuesAt(m.data, src.pointer);
                  return vs.length > 0 && JSON.stringify(src.pointer.includes('/*') ? vs : vs[0]) === JSON.stringify(value);
                }),
            );
            expect(provenance, `${query.name}: field ${name}`).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('messages: the history lists only cleared messages of the types the query reads', () => {
    fc.assert(
      fc.property(scenario, ({ query, grant, histories, asOf }) => {
        for (const record of histories) {
          const a = answerRecord(query, grant, record, { catalogue, asOf, params: {} });
          if (!a) continue;
          const allowed = new Set(record.messages.filter((m) => cleared(grant, m) && query.reads.some((r) => r.type === m.type)).map((m) => m.id));
          for (const h of a.history) expect(allowed.has(h.id)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('non-interference: the answer is the same as if the uncleared messages had never existed, whatever they say', () => {
    fc.assert(
      fc.property(scenario, fc.jsonValue(), ({ query, grant, histories, asOf }, junk) => {
        for (const record of histories) {
          const ctx = { catalogue, asOf, params: {} };
          const without = { ...record, messages: record.messages.filter((m) => cleared(grant, m)) };
          const scrambled = { ...record, messages: record.messages.map((m) => (cleared(grant, m) ? m : { ...m, data: junk, time: '2099-01-01T00:00:00Z' })) };
          const expected = answerRecord(query, grant, without, ctx);
          expect(answerRecord(query, grant, record, ctx)).toEqual(expected);
          expect(answerRecord(query, grant, scrambled, ctx)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a record whose messages are all uncleared is not answered at all', () => {
    fc.assert(
      fc.property(scenario, ({ query, grant, histories, asOf }) => {
        const uncleared = grant.scopes.every((s) => !s.clearances.includes('juvenile')) ? 'juvenile' : grant.scopes.every((s) => !s.clearances.includes('gbv')) ? 'gbv' : undefined;
        if (!uncleared) return;
        for (const record of histories) {
          const hidden = { ...record, messages: record.messages.map((m) => ({ ...m, classification: uncleared as Classification })) };
          expect(answerRecord(query, grant, hidden, { catalogue, asOf, params: {} })).toBeUndefined();
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Properties of route() over random federations, grants and payloads (invariant 6):
 * - nothing is delivered to a recipient that no grant entitles (sender, type, conditions, recipient
 *   pattern, recipientFrom all hold), nor to the sender itself;
 * - a delivery's fields never exceed what its entitling grants list;
 * - nothing juvenile or gbv reaches an institution not cleared for it;
 * - a refusal is always one of the three 403s;
 * - the envelope attributes carrying sender-written data (subject, ...) reach a recipient only when
 *   an entitling grant lists them, or gives it the whole payload;
 * - entitlement() — asked at every attempt and replay — agrees with route() for every institution.
 * The oracle below is written independently of route()'s own bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ForbiddenError } from '../../../src/errors.js';
import { entitlement, route } from '../../../src/routing/route.js';
import { holds } from '../../../src/routing/conditions.js';
import { matches } from '../../../src/routing/pattern.js';
import { DEFAULT_RETRY, ENVELOPE_ATTRIBUTES, type Condition, type EnvelopeAttribute, type Grant } from '../../../src/federation/index.js';
import type { Classification, Institution, RoutingDecision } from '../../../src/routing/types.js';
import { inMemory } from './helpers.js';

const IDS = ['p.court.a', 'p.court.b', 'p.police', 'p.mof', 'p.counsellor', 'q.bank'];
const PATTERNS = [...IDS, 'p.court.*', 'p.*', 'p.**', '*.*', 'q.*', 'p.*.a'];
const TYPES = ['x.one', 'x.two'];
const POINTERS = ['/k', '/subject/juvenile', '/amount', '/parties/*/role', '/to', '/missing'];
const FIELDS = ['*', '/k', '/subject', '/subject/name', '/amount', '/parties/*/role', '/to'];

const clearances = fc.subarray(['juvenile', 'gbv'] as const).map((c) => [...c]);
const institutions = fc
  .tuple(...IDS.map(() => clearances))
  .map((cls) => IDS.map((id, i): Institution => ({ id, kind: 'court', name: { en: id }, adapter: 'json-http', endpoints: { deliveries: 'http://127.0.0.1:1/d' }, clearances: cls[i] })));
const value = fc.oneof(fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.constantFrom('fine', 'juvenile', 'accused', '3.50'), fc.constantFrom(...IDS));
const condition: fc.Arbitrary<Condition> = fc
  .record({
    pointer: fc.constantFrom(...POINTERS),
    op: fc.constantFrom('equals', 'not-equals', 'in', 'exists', 'not-exists', 'lt', 'lte', 'gt', 'gte') as fc.Arbitrary<Condition['op']>,
    value: fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })),
  })
  .map((c) => (c.op === 'exists' || c.op === 'not-exists' ? { pointer: c.pointer, op: c.op } : c));
const grant = (agreement: string, id: string): fc.Arbitrary<Grant> =>
  fc
    .record({
      senders: fc.array(fc.constantFrom(...PATTERNS), { minLength: 1, maxLength: 2 }),
      types: fc.subarray(TYPES, { minLength: 1 }),
      to: fc.array(
        fc
          .record({
            recipient: fc.constantFrom(...PATTERNS),
            fields: fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }),
            major: fc.integer({ min: 1, max: 3 }),
            conditions: fc.oneof({ weight: 3, arbitrary: fc.constant<Condition[]>([]) }, { weight: 1, arbitrary: fc.array(condition, { minLength: 1, maxLength: 1 }) }),
            envelope: fc.option(fc.subarray([...ENVELOPE_ATTRIBUTES]) as fc.Arbitrary<EnvelopeAttribute[]>, { nil: undefined }),
          })
          .map((t) => {
            if (t.envelope === undefined) delete t.envelope;
            return t;
          }),
        { minLength: 1, maxLength: 3 },
      ),
      conditions: fc.oneof({ weight: 2, arbitrary: fc.constant<Condition[]>([]) }, { weight: 1, arbitrary: fc.array(condition, { minLength: 1, maxLength: 2 }) }),
      recipientFrom: fc.oneof({ weight: 3, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: fc.constant('/to') }),
      classification: fc.option(fc.constantFrom('restricted', 'juvenile', 'gbv') as fc.Arbitrary<Classification>, { nil: undefined }),
    })
    .map((g) => {
      const out: Grant = { id, agreement, ...g, retry: DEFAULT_RETRY, acceptUnsignedReceipt: false };
      if (g.recipientFrom === undefined) delete out.recipientFrom;
      if (g.classification === undefined) delete out.classification;
      return out;
    });
const grants = fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => grant(`a${i % 2}`, `g${i}`))));
const payload = fc.record(
  {
    k: value,
    amount: fc.constantFrom('1.00', '3.50', 7, '10'),
    subject: fc.record({ juvenile: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true), fc.constant('true')), name: fc.string({ maxLength: 2 }) }, { requiredKeys: [] }),
    parties: fc.array(fc.record({ role: fc.constantFrom('accused', 'victim', 'accused', 'victim', 'juvenile') }), { maxLength: 2 }),
    juvenile: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
    to: fc.oneof(fc.constantFrom(...IDS, 'z.nobody'), fc.array(fc.constantFrom(...IDS), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const envelopeClass = fc.constantFrom('public', 'restricted', 'public', 'restricted', 'juvenile', 'gbv') as fc.Arbitrary<Classification>;

/** Which (grant, target) pairs entitle `recipient`, judged from the agreements alone. */
function entitling(gs: Grant[], sender: string, type: string, data: unknown, recipient: string) {
  const out: Array<{ grant: Grant; fields: string[]; envelope?: string[] }> = [];
  for (const g of gs) {
    if (!g.types.includes(type) || !g.senders.some((s) => matches(s, sender))) continue;
    if (!g.conditions.every((c) => holds(c, data))) continue;
    for (const t of g.to) {
      if (!matches(t.recipient, recipient) || !t.conditions.every((c) => holds(c, data))) continue;
      if (g.recipientFrom !== undefined) {
        const v = (data as Record<string, unknown>).to;
        const named = Array.isArray(v) ? v : [v];
        if (!named.includes(recipient)) continue;
      }
      out.push({ grant: g, fields: t.fields, envelope: t.envelope });
    }
  }
  return out;
}

function juvenilePayload(data: Record<string, any>): boolean {
  return data.juvenile === true || data.subject?.juvenile === true || (Array.isArray(data.parties) && data.parties.some((p: any) => p.role === 'juvenile'));
}

describe('route (properties)', () => {
  it('delivers only to entitled, cleared recipients, other than the sender, with no more fields than granted', () => {
    let delivered = 0;
    fc.assert(
      fc.property(institutions, grants, fc.constantFrom(...IDS), fc.constantFrom(...TYPES), payload, envelopeClass, (insts, gs, sender, type, data, cls) => {
        const contracts = inMemory(insts, gs);
        let d: RoutingDecision;
        try {
          d = route(contracts, { sender, type, version: '1.0', classification: cls, data });
        } catch (err) {
          expect(err).toBeInstanceOf(ForbiddenError);
          expect(['no-agreement', 'no-recipient', 'no-cleared-recipient']).toContain((err as ForbiddenError).code);
          return;
        }
        expect(d.deliveries.length).toBeGreaterThan(0);
        expect(new Set(d.deliveries.map((x) => x.recipient)).size).toBe(d.deliveries.length);
        for (const del of d.deliveries) {
          delivered++;
          expect(del.recipient).not.toBe(sender);
          const inst = insts.find((i) => i.id === del.recipient);
          expect(inst).toBeDefined();
          const ents = entitling(gs, sender, type, data, del.recipient);
          expect(ents.length).toBeGreaterThan(0);
          expect(ents.some((e) => e.grant.agreement === del.agreement && e.grant.id === del.grant)).toBe(true);
          // fields: never more than the union of what the entitling grants list
          const granted = new Set(ents.flatMap((e) => e.fields));
          if (!granted.has('*')) for (const f of del.fields) expect(granted.has(f)).toBe(true);
          // envelope attributes: each one listed by an entitling grant, or a default of one that gives everything
          const attributes = new Set(ents.flatMap((e) => e.envelope ?? (e.fields.includes('*') ? [...ENVELOPE_ATTRIBUTES] : [])));
          for (const a of del.envelope) expect(attributes.has(a)).toBe(true);
          // clearances
          const need = new Set<string>();
          if (cls === 'juvenile' || cls === 'gbv') need.add(cls);
          if (juvenilePayload(data)) need.add('juvenile');
          for (const g of gs) {
            const matched = g.types.includes(type) && g.senders.some((s) => matches(s, sender)) && g.conditions.every((c) => holds(c, data));
            if (matched && (g.classification === 'juvenile' || g.classification === 'gbv')) need.add(g.classification);
          }
          for (const c of need) expect(inst!.clearances).toContain(c);
        }
        if (juvenilePayload(data)) expect(d.classification === 'juvenile' || d.classification === 'gbv').toBe(true);
        if (cls === 'juvenile' || cls === 'gbv') expect(d.classification).toBe(cls);
      }),
      { numRuns: 3000 },
    );
    // the generators must actually produce deliveries, or the property says nothing
    expect(delivered).toBeGreaterThan(800);
  });

  it('entitlement() agrees with route() for every institution: entitled exactly when delivered to, with the same delivery', () => {
    let entitled = 0;
    fc.assert(
      fc.property(institutions, grants, fc.constantFrom(...IDS), fc.constantFrom(...TYPES), payload, envelopeClass, (insts, gs, sender, type, data, cls) => {
        const contracts = inMemory(insts, gs);
        const input = { sender, type, version: '1.0', classification: cls, data };
        let planned: RoutingDecision['deliveries'] = [];
        try {
          planned = route(contracts, input).deliveries;
        } catch {
          // refused: nobody is entitled
        }
        for (const id of [...IDS, 'z.nobody']) {
          const e = entitlement(contracts, input, id);
          const p = planned.find((d) => d.recipient === id);
          if (p) {
            entitled++;
            expect(e).toEqual({ entitled: true, delivery: p });
          } else {
            expect(e.entitled).toBe(false);
            if (!e.entitled) expect(e.reason).toMatch(/no agreement in force|no grant in force|not cleared|no longer a member/);
          }
        }
      }),
      { numRuns: 1500 },
    );
    expect(entitled).toBeGreaterThan(300);
  });

  it('with no grant naming the sender, every message is refused with no-agreement', () => {
    fc.assert(
      fc.property(institutions, grants, fc.constantFrom(...TYPES), payload, envelopeClass, (insts, gs, type, data, cls) => {
        const only = gs.map((g) => ({ ...g, senders: ['q.bank'] }));
        try {
          route(inMemory(insts, only), { sender: 'p.police', type, version: '1.0', classification: cls, data });
          expect.unreachable();
        } catch (err) {
          expect((err as ForbiddenError).code).toBe('no-agreement');
        }
      }),
    );
  });
});

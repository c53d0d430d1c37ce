import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/schemas/index.js';
import { CATALOGUE_DIR, parentOf, resolvePointer } from './helpers.js';

const catalogue = loadCatalogue(CATALOGUE_DIR);
const refs = catalogue.list();

/** Every fault must name a place in the document, or (for `required`) a missing child of one. */
function assertPointersResolve(data: unknown, faults: { pointer: string; keyword: string }[]): void {
  for (const f of faults) {
    if (f.keyword === 'required') {
      const { parent, token } = parentOf(f.pointer);
      const p = resolvePointer(data, parent);
      expect(p.found, `parent of ${f.pointer}`).toBe(true);
      expect(resolvePointer(data, f.pointer).found, `${f.pointer} should be missing`).toBe(false);
      expect(typeof p.value === 'object' && p.value !== null && !Array.isArray(p.value)).toBe(true);
      expect(token.length).toBeGreaterThan(0);
    } else {
      expect(resolvePointer(data, f.pointer).found, `${f.pointer} (${f.keyword})`).toBe(true);
    }
  }
}

/** all pointers into a JSON value */
function pointers(v: unknown, at = ''): string[] {
  const out = [at];
  const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pointers(x, `${at}/${i}`)));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...pointers(x, `${at}/${esc(k)}`));
  return out;
}

/** Apply one edit at a pointer: replace the value, delete it, or add a key to an object. */
function mutate(doc: unknown, pointer: string, edit: { op: 'set' | 'delete' | 'add'; key: string; value: unknown }): unknown {
  const copy = structuredClone(doc);
  if (pointer === '') return edit.op === 'set' ? edit.value : copy;
  const { parent, token } = parentOf(pointer);
  const p = resolvePointer(copy, parent).value as any;
  if (edit.op === 'set') p[Array.isArray(p) ? Number(token) : token] = edit.value;
  else if (edit.op === 'delete') {
    if (Array.isArray(p)) p.splice(Number(token), 1);
    else delete p[token];
  } else {
    const target = p[Array.isArray(p) ? Number(token) : token];
    // an own key, as JSON.parse makes it (plain assignment of "__proto__" would set the prototype)
    if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
      Object.defineProperty(target, edit.key, { value: edit.value, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}

const refArb = fc.constantFrom(...refs);

describe('validate (property)', () => {
  it('never throws on arbitrary JSON, and every fault pointer resolves', () => {
    fc.assert(
      fc.property(refArb, fc.jsonValue(), (ref, data) => {
        const faults = catalogue.validate(ref.type, ref.version, data);
        expect(faults.length).toBeGreaterThan(0); // random JSON is never a valid message
        assertPointersResolve(data, faults);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated examples, and every fault pointer resolves', () => {
    const arb = refArb.chain((ref) => {
      const examples = catalogue.get(ref.type, ref.version)!.examples as unknown[];
      return fc.constantFrom(...examples).chain((ex) =>
        fc.record({
          ref: fc.constant(ref),
          example: fc.constant(ex),
          pointer: fc.constantFrom(...pointers(ex)),
          edit: fc.record({
            op: fc.constantFrom('set' as const, 'delete' as const, 'add' as const),
            key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'a/b', '~0', '')),
            value: fc.jsonValue({ maxDepth: 3 }),
          }),
        }),
      );
    });
    fc.assert(
      fc.property(arb, ({ ref, example, pointer, edit }) => {
        const data = mutate(example, pointer, edit);
        const faults = catalogue.validate(ref.type, ref.version, data);
        assertPointersResolve(data, faults);
      }),
      { numRuns: 2000 },
    );
  });

  it('handles objects built with a __proto__ own key', () => {
    const ex = structuredClone((catalogue.get('warrant.cancelled', '1.0')!.examples as any[])[0]);
    const data = JSON.parse(JSON.stringify(ex).replace('{', '{"__proto__":{"x":1},'));
    const faults = catalogue.validate('warrant.cancelled', '1.0', data);
    expect(faults.map((f) => f.pointer)).toEqual(['/__proto__']);
  });
});

/**
 * fast-check arbitraries for documents valid against a catalogue schema, built from the schema
 * itself. The catalogue's vocabulary is small (lint.ts: one type per subschema, closed objects,
 * items, enum, const, pattern, format date / date-time, length, item and numeric bounds, local
 * $refs), so every construct it admits has a generator here; anything else throws, so that a
 * schema this cannot cover is noticed instead of silently under-tested. Optional properties are
 * present or absent at random. Callers should still validate what they get (the property tests
 * assert it), since pattern and length bounds are combined by filtering.
 */
import fc from 'fast-check';

type Schema = Record<string, any>;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An ISO 8601 calendar date between 1950 and 2049. */
const isoDate = fc.record({ y: fc.integer({ min: 1950, max: 2049 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) }).map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);

/** An RFC 3339 date-time with a zone offset, as the region's systems send them. */
const isoDateTime = fc
  .record({
    date: isoDate,
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    zone: fc.constantFrom('Z', '+02:00', '+03:00', '-05:00'),
  })
  .map(({ date, h, mi, s, zone }) => `${date}T${pad(h)}:${pad(mi)}:${pad(s)}${zone}`);

function resolve(root: Schema, node: Schema): Schema {
  let cur = node;
  for (let hops = 0; hops < 32 && typeof cur.$ref === 'string'; hops++) cur = root.$defs[cur.$ref.slice('#/$defs/'.length)];
  return cur;
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s.enum) return fc.constantFrom(...(s.enum as string[]));
  if (s.const !== undefined) return fc.constant(s.const as string);
  if (s.format === 'date') return isoDate;
  if (s.format === 'date-time') return isoDateTime;
  if (s.format) throw new Error(`no generator for format ${s.format}`);
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 200;
  const base = s.pattern ? fc.stringMatching(new RegExp(s.pattern, 'u')) : fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
  // lengths as JSON Schema counts them: code points
  return base.filter((v) => [...v].length >= min && [...v].length <= max);
}

export function arbitraryFor(root: Schema, node: Schema = root, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 24) throw new Error('schema too deep for a generator');
  const s = resolve(root, node);
  switch (s.type) {
    case 'object': {
      const required = new Set<string>(s.required ?? []);
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties as Record<string, Schema>)) props[k] = arbitraryFor(root, v, depth + 1);
      const requiredKeys = Object.keys(props).filter((k) => required.has(k));
      return fc.record(props, { requiredKeys });
    }
    case 'array': {
      const item = arbitraryFor(root, s.items, depth + 1);
      const min = s.minItems ?? 0;
      const constraints = { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? 4, 4)) };
      return s.uniqueItems ? fc.uniqueArray(item, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(item, constraints);
    }
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    default:
      throw new Error(`no generator for a subschema of type ${JSON.stringify(s.type)}`);
  }
}

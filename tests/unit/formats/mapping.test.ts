import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { FormatError } from '../../../src/formats/errors.js';
import { checkMapping, fileCatalogue, loadMapping, MAPPINGS_DIR, type CatalogueSchemas } from '../../../src/formats/xml/mapping-check.js';
import { fromXml, plainNumber, toXml, type CanonicalMessage, type Mapping } from '../../../src/formats/xml/mapping.js';
import { readXml } from '../../../src/formats/xml/reader.js';
import { arbitraryFor } from '../../helpers/schema-arbitrary.js';

const catalogue = fileCatalogue();
const fixtures = new URL('../../fixtures/mappings/', import.meta.url);
const MAPPINGS: Array<[string, number, string]> = [
  ['warrant.issued', 1, 'warrant.issued-1'],
  ['warrant.issued', 3, 'warrant.issued-3'],
  ['warrant.executed', 1, 'warrant.executed-1'],
];
const load = (type: string, major: number) => loadMapping(`${MAPPINGS_DIR}${type}/${major}.json`, catalogue);
const raw = (type: string, major: number) => JSON.parse(readFileSync(`${MAPPINGS_DIR}${type}/${major}.json`, 'utf8'));

function refusal(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a refusal');
}

describe('golden files both ways', () => {
  for (const [type, major, dir] of MAPPINGS) {
    const folder = new URL(`${dir}/`, fixtures);
    for (const json of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
      test(`${dir}/${json}: canonical -> XML byte for byte, and back`, () => {
        const m = load(type, major);
        const canonical = JSON.parse(readFileSync(new URL(json, folder), 'utf8')) as CanonicalMessage;
        const golden = readFileSync(new URL(json.replace('.json', '.xml'), folder));
        expect(toXml(m, canonical).toString('utf8')).toBe(golden.toString('utf8'));
        expect(fromXml(m, readXml(golden).root)).toEqual(canonical);
      });
    }
  }

  test('a document with other prefixes, no indentation and CR LF reads to the same message', () => {
    const m = load('warrant.executed', 1);
    const xml = readFileSync(new URL('warrant.executed-1/inbound-other-prefixes.xml', fixtures));
    const expected = JSON.parse(readFileSync(new URL('warrant.executed-1/example-3.json', fixtures), 'utf8'));
    expect(fromXml(m, readXml(xml).root)).toEqual(expected);
  });

  test('every mapping file under contracts/mappings loads and is checked against the catalogue', () => {
    const found = readdirSync(MAPPINGS_DIR)
      .flatMap((t) => readdirSync(`${MAPPINGS_DIR}${t}`).map((f) => `${t}/${f}`))
      .sort();
    expect(found).toEqual(['warrant.executed/1.json', 'warrant.issued/1.json', 'warrant.issued/3.json']);
    for (const f of found) expect(loadMapping(`${MAPPINGS_DIR}${f}`, catalogue).root.element).toMatch(/^ext:/);
  });
});

describe('the mapping checker refuses', () => {
  const m1 = () => raw('warrant.executed', 1);
  test('a pointer the catalogue schema does not have', () => {
    const m = m1();
    m.root.children[3].pointer = '/result';
    const e = refusal(() => checkMapping(m, catalogue));
    expect([e.code, e.pointer]).toEqual(['mapping-pointer-unknown', '/result']);
  });
  test('a schema field the mapping does not carry', () => {
    const m = m1();
    m.root.children = m.root.children.filter((c: { element: string }) => c.element !== 'nc:CommentText');
    const e = refusal(() => checkMapping(m, catalogue));
    expect([e.code, e.pointer]).toEqual(['mapping-invalid', '/notes']);
  });
  test('optional that disagrees with the schema, both ways', () => {
    const m = m1();
    delete m.root.children.at(-1).optional; // notes is optional in the schema
    expect(refusal(() => checkMapping(m, catalogue)).pointer).toBe('/notes');
    const m2 = m1();
    m2.root.children[3].optional = true; // outcome is required
    expect(refusal(() => checkMapping(m2, catalogue)).pointer).toBe('/outcome');
  });
  test('a format that does not fit the schema type (a decimal where the schema has a number)', () => {
    const m = m1();
    m.root.children[5].children[2].children[0].children[0].format = 'decimal';
    expect(refusal(() => checkMapping(m, catalogue)).pointer).toBe('/where/gps/lat');
  });
  test('an undeclared prefix, a type the catalogue lacks, and a malformed file', () => {
    const m = m1();
    m.root.children[3].element = 'police:Outcome';
    expect(refusal(() => checkMapping(m, catalogue)).code).toBe('mapping-invalid');
    expect(refusal(() => checkMapping({ ...m1(), major: 9 }, catalogue)).code).toBe('mapping-invalid');
    expect(refusal(() => checkMapping({ ...m1(), root: { element: 'x', unknown: 1 } }, catalogue)).code).toBe('mapping-invalid');
  });
  test('the catalogue is reached only through the interface it is given', () => {
    const none: CatalogueSchemas = { latestSchema: () => undefined };
    expect(refusal(() => checkMapping(m1(), none)).code).toBe('mapping-invalid');
  });
});

describe('toXml and fromXml refuse bad values with their place', () => {
  const m = () => load('warrant.issued', 1);
  const example = () => JSON.parse(readFileSync(new URL('warrant.issued-1/example-1.json', fixtures), 'utf8')) as CanonicalMessage & { data: any };
  test('a missing required value, by JSON pointer', () => {
    const c = example();
    delete c.data.subject.dateOfBirth;
    expect([refusal(() => toXml(m(), c)).pointer]).toEqual(['/subject/dateOfBirth']);
  });
  test('money as a float is refused, never converted', () => {
    const c = example();
    c.data.bail.value = 5000.5;
    const e = refusal(() => toXml(m(), c));
    expect([e.code, e.pointer]).toEqual(['mapping-value-invalid', '/bail/value']);
  });
  test('a value XML cannot carry', () => {
    const c = example();
    c.data.specialInstructions = 'stop \u0000 here';
    expect(refusal(() => toXml(m(), c)).code).toBe('xml-character-forbidden');
  });
  test('an inbound document out of order, by XPath', () => {
    const xml = readFileSync(new URL('warrant.issued-1/example-2.xml', fixtures), 'utf8')
      .replace(/(<nc:Case>[\s\S]*?<\/nc:Case>\s*)/, '')
      .replace('<j:Warrant>', '<nc:Case><nc:CaseDocketID>88/2026</nc:CaseDocketID></nc:Case><j:Warrant>');
    const e = refusal(() => fromXml(m(), readXml(Buffer.from(xml)).root));
    expect([e.code, e.path]).toEqual(['xml-structure-mismatch', '/ext:WarrantIssuedMessage[1]/nc:Case']);
  });
});

describe('property: fromXml(toXml(x)) equals x for documents valid against the schema', () => {
  const uuid = fc.uuid();
  const envelope = fc.record({ id: uuid, type: fc.constant('t'), casereference: fc.string({ minLength: 1, maxLength: 30 }), correlationid: uuid, causationid: uuid }, { requiredKeys: [] });
  const NON_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
  for (const [type, major] of MAPPINGS) {
    test(`${type}@${major}`, () => {
      const m: Mapping = load(type, major);
      const schema = catalogue.latestSchema(type, major) as Record<string, unknown>;
      fc.assert(
        fc.property(arbitraryFor(schema), envelope, (data, env) => {
          const x: CanonicalMessage = { envelope: { ...env, type }, data };
          if (NON_XML.test(JSON.stringify(x).replace(/\\u00([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))))) {
            // XML 1.0 cannot carry control characters: the refusal names that, nothing else
            expect(refusal(() => toXml(m, x)).code).toBe('xml-character-forbidden');
            return;
          }
          expect(fromXml(m, readXml(toXml(m, x)).root)).toEqual(x);
        }),
        { numRuns: 150 },
      );
    });
  }

  test('numbers are written without exponents and read back exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const s = plainNumber(n);
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Object.is(Number(s), n)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

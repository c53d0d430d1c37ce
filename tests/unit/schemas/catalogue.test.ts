import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/schemas/index.js';
import { schemaUri } from '../../../src/federation/index.js';
import { ValidationError } from '../../../src/errors.js';
import { CATALOGUE_DIR, TYPES, VERSIONS } from './helpers.js';

const catalogue = loadCatalogue(CATALOGUE_DIR);

describe('the published catalogue', () => {
  it('has every type, each in the versions it was published in (1.0 unless VERSIONS says otherwise)', () => {
    const refs = catalogue.list();
    expect(new Set(refs.map((r) => r.type))).toEqual(new Set(TYPES));
    for (const t of TYPES) {
      expect(
        refs.filter((r) => r.type === t).map((r) => r.version),
        t,
      ).toEqual(VERSIONS[t] ?? ['1.0']);
    }
  });

  it('lists sorted by type, then numerically by version', () => {
    const refs = catalogue.list();
    const sorted = [...refs].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.major - b.major || a.minor - b.minor));
    expect(refs).toEqual(sorted);
  });

  it('answers majors, latest and has', () => {
    expect(catalogue.majors('warrant.issued')).toEqual([1, 2, 3]);
    expect(catalogue.latest('warrant.issued')?.version).toBe('3.0');
    expect(catalogue.latest('warrant.issued', 1)?.version).toBe('1.2');
    expect(catalogue.latest('warrant.issued', 2)?.version).toBe('2.1');
    expect(catalogue.latest('warrant.issued', 4)).toBeUndefined();
    expect(catalogue.latest('no.such')).toBeUndefined();
    expect(catalogue.majors('no.such')).toEqual([]);
    expect(catalogue.has('warrant.issued')).toBe(true);
    expect(catalogue.has('warrant.issued', '1.1')).toBe(true);
    expect(catalogue.has('warrant.issued', '1.2')).toBe(true);
    expect(catalogue.has('warrant.issued', '1.3')).toBe(false);
    expect(catalogue.has('no.such')).toBe(false);
  });

  it('returns the published document, frozen, with the $id its path implies', () => {
    const doc = catalogue.get('detention.alert', '1.0')!;
    expect(doc.$id).toBe(schemaUri('detention.alert', '1.0'));
    expect(Object.isFrozen(doc)).toBe(true);
    expect(Object.isFrozen(doc.properties)).toBe(true);
    expect(catalogue.get('detention.alert', '9.9')).toBeUndefined();
  });

  for (const ref of catalogue.list()) {
    const doc = catalogue.get(ref.type, ref.version)!;
    it(`${ref.type}@${ref.version} has a title, a description and examples that validate`, () => {
      expect(typeof doc.title).toBe('string');
      expect(typeof doc.description).toBe('string');
      const examples = doc.examples as unknown[];
      expect(examples.length).toBeGreaterThan(0);
      for (const ex of examples) expect(catalogue.validate(ref.type, ref.version, ex)).toEqual([]);
    });
  }

  it('keeps the routing pointers in place in every major', () => {
    for (const v of VERSIONS['warrant.issued']) {
      const ex = (catalogue.get('warrant.issued', v)!.examples as any[])[0];
      expect(typeof ex.subject.juvenile).toBe('boolean');
      expect(typeof ex.executingAuthority).toBe('string');
    }
    const alert = (catalogue.get('detention.alert', '1.0')!.examples as any[])[0];
    expect(typeof alert.detainee.juvenile).toBe('boolean');
  });

  it('points a fault at the missing child, the extra property, or the faulty value', () => {
    const ex = structuredClone((catalogue.get('warrant.issued', '2.0')!.examples as any[])[0]);
    delete ex.subject.nationalId;
    ex.subject.eyeColour = 'brown';
    ex.kind = 'detention';
    const faults = catalogue.validate('warrant.issued', '2.0', ex);
    expect(faults.map((f) => [f.pointer, f.keyword]).sort()).toEqual([
      ['/kind', 'enum'],
      ['/subject/eyeColour', 'additionalProperties'],
      ['/subject/nationalId', 'required'],
    ]);
    for (const f of faults) expect(f.detail.length).toBeGreaterThan(0);
  });

  it('escapes property names in pointers (RFC 6901)', () => {
    const ex = structuredClone((catalogue.get('warrant.cancelled', '1.0')!.examples as any[])[0]);
    ex['a/b~c'] = 1;
    expect(catalogue.validate('warrant.cancelled', '1.0', ex)).toEqual([{ pointer: '/a~1b~0c', detail: 'property "a/b~c" is not allowed here', keyword: 'additionalProperties' }]);
  });

  it('does not change the data it validates', () => {
    const ex = (catalogue.get('decision.issued', '1.0')!.examples as any[])[0];
    const before = JSON.stringify(ex);
    catalogue.validate('decision.issued', '1.0', structuredClone(ex));
    expect(JSON.stringify(ex)).toBe(before);
  });

  it('refuses an unknown type or version with a ValidationError', () => {
    expect(() => catalogue.validate('warrant.issued', '7.0', {})).toThrow(ValidationError);
    expect(() => catalogue.validate('nope.nope', '1.0', {})).toThrow(/no nope.nope@1.0/);
  });

  it('rejects a 1.1-only field under 1.0 but accepts a 1.0 document under 1.1', () => {
    const v10 = (catalogue.get('warrant.issued', '1.0')!.examples as any[])[0];
    expect(catalogue.validate('warrant.issued', '1.1', v10)).toEqual([]);
    const v11 = { ...v10, specialInstructions: 'Call the duty judge before entry.' };
    expect(catalogue.validate('warrant.issued', '1.0', v11).map((f) => f.pointer)).toEqual(['/specialInstructions']);
  });
});

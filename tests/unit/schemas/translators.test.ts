import { describe, expect, it } from 'vitest';
import { loadCatalogue, translators } from '../../../src/schemas/index.js';
import { ContractError, ValidationError } from '../../../src/errors.js';
import { down, up } from '../../../src/schemas/translators/warrant.issued.js';
import { CATALOGUE_DIR } from './helpers.js';

const catalogue = loadCatalogue(CATALOGUE_DIR);
const examples = (version: string) => structuredClone(catalogue.get('warrant.issued', version)!.examples as any[]);

describe('warrant.issued translators', () => {
  it('are registered both ways between majors 1 and 2', () => {
    expect(translators.find('warrant.issued', 1, 2)).toBeDefined();
    expect(translators.find('warrant.issued', 2, 1)).toBeDefined();
    expect(translators.find('warrant.issued', 2, 3)).toBeUndefined();
  });

  for (const version of ['1.0', '1.1', '2.0']) {
    it(`translate every ${version} example to the other major, valid against its latest minor`, () => {
      const toMajor = version.startsWith('1.') ? 2 : 1;
      for (const ex of examples(version)) {
        const out = catalogue.translate('warrant.issued', version, toMajor, ex);
        expect(out.version).toBe(toMajor === 2 ? '2.0' : '1.1');
        expect(catalogue.validate('warrant.issued', out.version, out.data)).toEqual([]);
      }
    });
  }

  it('round-trip 1.x -> 2.0 -> 1.x without loss (1.0 documents come back as valid 1.1 documents)', () => {
    for (const version of ['1.0', '1.1']) {
      for (const ex of examples(version)) {
        const there = catalogue.translate('warrant.issued', version, 2, ex);
        const back = catalogue.translate('warrant.issued', there.version, 1, there.data);
        expect(back.data).toEqual(ex);
        expect(catalogue.validate('warrant.issued', '1.1', back.data)).toEqual([]);
      }
    }
  });

  it('round-trip 2.0 -> 1.x -> 2.0 without loss when the warrant names one offence', () => {
    for (const ex of examples('2.0')) {
      const single = { ...ex, offences: [ex.offences[0]] };
      const back = catalogue.translate('warrant.issued', '1.1', 2, catalogue.translate('warrant.issued', '2.0', 1, single).data);
      expect(back).toEqual({ version: '2.0', data: single });
    }
  });

  it('keep only the first offence when going down (1.x carries one): offences[1..] are lost', () => {
    const ex = examples('2.0')[0];
    expect(ex.offences.length).toBe(2);
    const v1 = down(ex);
    expect(v1.offence).toEqual(ex.offences[0]);
    expect(JSON.stringify(v1)).not.toContain(ex.offences[1].code);
    expect(up(v1).offences).toEqual([ex.offences[0]]);
  });

  it('map the name: fullName <-> name.ar and fullNameLatin <-> name.latin', () => {
    const v2 = up(examples('1.1')[0]);
    expect(v2.subject.name).toEqual({ ar: 'سامي يوسف عبد الرحمن الجعبري', latin: 'Sami Yousef Abdelrahman Al-Jaabari' });
    const v1 = down({ ...examples('2.0')[1] });
    expect(v1.subject.fullName).toBe('محمد خليل أحمد النتشة');
    expect('fullNameLatin' in v1.subject).toBe(false);
  });

  it('keep the routing pointers /subject/juvenile and /executingAuthority', () => {
    for (const ex of examples('1.1')) {
      const v2 = up(ex);
      expect(v2.subject.juvenile).toBe(ex.subject.juvenile);
      expect(v2.executingAuthority).toBe(ex.executingAuthority);
    }
  });

  it('never change their input', () => {
    for (const version of ['1.0', '1.1', '2.0']) {
      for (const ex of examples(version)) {
        const before = structuredClone(ex);
        const out = catalogue.translate('warrant.issued', version, version.startsWith('1.') ? 2 : 1, ex);
        expect(ex).toEqual(before);
        // and share no objects with it
        (out.data as any).issuingCourt.name.ar = 'changed';
        expect(ex).toEqual(before);
      }
    }
  });
});

describe('catalogue.translate', () => {
  it('returns data unchanged, with its own version, within one major', () => {
    const ex = examples('1.0')[0];
    const out = catalogue.translate('warrant.issued', '1.0', 1, ex);
    expect(out.version).toBe('1.0');
    expect(out.data).toBe(ex);
    const t = (catalogue.get('traffic-fine.paid', '1.0')!.examples as unknown[])[0];
    expect(catalogue.translate('traffic-fine.paid', '1.0', 1, t)).toEqual({ version: '1.0', data: t });
  });

  it('refuses input that does not validate against its own version', () => {
    const ex = examples('1.1')[0];
    delete ex.subject.nationalId;
    try {
      catalogue.translate('warrant.issued', '1.1', 2, ex);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).faults.map((f) => f.pointer)).toEqual(['/subject/nationalId']);
    }
  });

  it('refuses unknown versions and majors', () => {
    expect(() => catalogue.translate('warrant.issued', '3.0', 1, {})).toThrow(ValidationError);
    expect(() => catalogue.translate('warrant.issued', '2.0', 3, examples('2.0')[0])).toThrow(/no major 3/);
    expect(() => catalogue.translate('nope.nope', '1.0', 2, {})).toThrow(ValidationError);
  });

  it('raises a ContractError when a translator produces invalid data', async () => {
    const { createTranslatorRegistry } = await import('../../../src/schemas/index.js');
    const { translateChain } = await import('../../../src/schemas/translate.js');
    const broken = createTranslatorRegistry([
      { type: 'warrant.issued', from: 1, to: 2, translate: () => ({ nonsense: true }) },
      { type: 'warrant.issued', from: 2, to: 1, translate: down },
    ]);
    const deps = {
      translators: broken,
      latest: (t: string, m: number) => catalogue.latest(t, m),
      has: (t: string, v: string) => catalogue.has(t, v),
      validate: (t: string, v: string, d: unknown) => (catalogue.has(t, v) ? catalogue.validate(t, v, d) : undefined),
    };
    expect(() => translateChain(deps, 'warrant.issued', '1.0', 2, examples('1.0')[0])).toThrow(ContractError);
  });
});

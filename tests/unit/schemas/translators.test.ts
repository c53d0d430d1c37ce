import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, translators } from '../../../src/schemas/index.js';
import { ContractError, ValidationError } from '../../../src/errors.js';
import { down, downTo2, REQUIRED_BY_V2, up, upTo3 } from '../../../src/schemas/translators/warrant.issued.js';
import { ARABIC_NAME_PATTERN, LATIN_NAME_PATTERN } from '../../../src/schemas/authoring.js';
import { arbitraryFor } from '../../helpers/schema-arbitrary.js';
import { CATALOGUE_DIR, VERSIONS } from './helpers.js';

const catalogue = loadCatalogue(CATALOGUE_DIR);
const examples = (version: string) => structuredClone(catalogue.get('warrant.issued', version)!.examples as any[]);
const major = (version: string) => Number(version.split('.')[0]);

/** Documents valid against `type@version`, generated from its schema (and checked to be valid). */
function validDocs(type: string, version: string): fc.Arbitrary<any> {
  const schema = catalogue.get(type, version)!;
  return arbitraryFor(structuredClone(schema) as Record<string, any>).filter((d) => catalogue.validate(type, version, d).length === 0);
}

/** The answer of a translation: the data, or the code and pointers of the refusal. */
function attempt(type: string, version: string, toMajor: number, data: unknown): { ok: true; version: string; data: any } | { ok: false; code: string; pointers: string[] } {
  try {
    return { ok: true, ...catalogue.translate(type, version, toMajor, data) } as { ok: true; version: string; data: any };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { ok: false, code: err.code, pointers: err.faults.map((f) => f.pointer) };
  }
}

const SCRIPT: Record<string, RegExp> = { ar: new RegExp(ARABIC_NAME_PATTERN, 'u'), latin: new RegExp(LATIN_NAME_PATTERN, 'u') };

const arabicName = fc.stringMatching(SCRIPT.ar).filter((v) => [...v].length <= 200);
const latinName = fc.stringMatching(SCRIPT.latin).filter((v) => [...v].length <= 200);

/** The same documents with every name member rewritten in its own script, so that 3.0 can carry them. */
function scripted(docs: fc.Arbitrary<any>): fc.Arbitrary<any> {
  return fc.tuple(docs, fc.array(arabicName, { minLength: 8, maxLength: 8 }), fc.array(latinName, { minLength: 8, maxLength: 8 })).map(([d, ars, las]) => {
    const out = structuredClone(d);
    let i = 0;
    const walk = (v: any): void => {
      if (typeof v !== 'object' || v === null) return;
      for (const k of Object.keys(v)) {
        if (k === 'ar' && typeof v[k] === 'string') v[k] = ars[i++ % ars.length];
        else if (k === 'latin' && typeof v[k] === 'string') v[k] = las[i++ % las.length];
        else walk(v[k]);
      }
    };
    walk(out);
    return out;
  });
}

/** The pointers of the name members (ar, latin) of a 2.x warrant in the wrong script, in document order. */
function wrongScripts(d: any): string[] {
  const names: [string, any][] = [
    ['/issuingCourt/name', d.issuingCourt.name],
    ['/judge/name', d.judge.name],
    ['/subject/name', d.subject.name],
    ...(d.subject.aliases ?? []).map((a: any, i: number) => [`/subject/aliases/${i}`, a] as [string, any]),
  ];
  if (d.subject.motherName) names.push(['/subject/motherName', d.subject.motherName]);
  const out: string[] = [];
  for (const [p, n] of names) for (const k of ['ar', 'latin']) if (n[k] !== undefined && !SCRIPT[k].test(n[k])) out.push(`${p}/${k}`);
  return out;
}

describe('warrant.issued translators', () => {
  it('are registered both ways between adjacent majors', () => {
    for (const [a, b] of [
      [1, 2],
      [2, 3],
    ]) {
      expect(translators.find('warrant.issued', a, b)).toBeDefined();
      expect(translators.find('warrant.issued', b, a)).toBeDefined();
    }
    expect(translators.find('warrant.issued', 3, 4)).toBeUndefined();
    expect(translators.find('warrant.issued', 3, 2)!.requires).toEqual(REQUIRED_BY_V2);
  });

  for (const version of VERSIONS['warrant.issued']) {
    it(`translate every ${version} example to every other major, valid against its latest minor, or refuse it as not translatable`, () => {
      for (const to of [1, 2, 3].filter((m) => m !== major(version))) {
        for (const ex of examples(version)) {
          const out = attempt('warrant.issued', version, to, ex);
          if (!out.ok) {
            // only a subject identified in part cannot go below 3
            expect(out.code).toBe('not-translatable');
            expect(major(version)).toBe(3);
            expect(REQUIRED_BY_V2.some((p) => out.pointers.includes(p))).toBe(true);
            continue;
          }
          expect(out.version).toBe(catalogue.latest('warrant.issued', to)!.version);
          expect(catalogue.validate('warrant.issued', out.version, out.data)).toEqual([]);
        }
      }
    });
  }

  it('carry every offence down to 1.x: offence, then additionalOffences (before 1.2, all but the first were dropped)', () => {
    const ex = examples('2.1')[0];
    expect(ex.offences.length).toBe(2);
    const v1 = down(ex);
    expect(v1.offence).toEqual(ex.offences[0]);
    expect(v1.additionalOffences).toEqual(ex.offences.slice(1));
    expect(up(v1).offences).toEqual(ex.offences);
    const one = down({ ...ex, offences: [ex.offences[0]] });
    expect('additionalOffences' in one).toBe(false);
  });

  it("carry the subject's aliases, mother's name and place of birth across every major", () => {
    const ex = examples('3.0')[0];
    const v2 = downTo2(ex);
    const v1 = down(v2);
    for (const k of ['aliases', 'motherName', 'placeOfBirth'] as const) {
      expect(v2.subject[k]).toEqual(ex.subject[k]);
      expect(v1.subject[k]).toEqual(ex.subject[k]);
    }
  });

  it('map the name: fullName <-> name.ar and fullNameLatin <-> name.latin', () => {
    const v2 = up(examples('1.2')[1]);
    expect(v2.subject.name).toEqual({ ar: 'سامي يوسف عبد الرحمن الجعبري', latin: 'Sami Yousef Abdelrahman Al-Jaabari' });
    const v1 = down({ ...examples('2.1')[1] });
    expect(v1.subject.fullName).toBe('محمد خليل أحمد النتشة');
    expect('fullNameLatin' in v1.subject).toBe(false);
  });

  it('refuse to write a warrant for a person identified only in part in 2.x, naming what is missing', () => {
    const partial = examples('3.0')[1];
    expect(partial.subject.nationalId).toBeUndefined();
    const out = attempt('warrant.issued', '3.0', 1, partial);
    expect(out).toEqual({ ok: false, code: 'not-translatable', pointers: [...REQUIRED_BY_V2] });
  });

  it('refuse to write a 2.x name that is not in Arabic script in 3.0, pointing at it', () => {
    const ex = examples('2.0')[0];
    ex.subject.name = { ar: 'Khaled Al-Omari' };
    expect(catalogue.validate('warrant.issued', '2.0', ex)).toEqual([]); // 2.0 never checked the script
    expect(attempt('warrant.issued', '2.0', 3, ex)).toEqual({ ok: false, code: 'not-translatable', pointers: ['/subject/name/ar'] });
    expect(() => upTo3(ex)).toThrow(ValidationError);
  });

  it('keep the routing pointers /subject/juvenile and /executingAuthority', () => {
    for (const ex of examples('1.2')) {
      const v2 = up(ex);
      expect(v2.subject.juvenile).toBe(ex.subject.juvenile);
      expect(v2.executingAuthority).toBe(ex.executingAuthority);
    }
  });

  it('never change their input', () => {
    for (const version of VERSIONS['warrant.issued']) {
      for (const ex of examples(version)) {
        const before = structuredClone(ex);
        const out = attempt('warrant.issued', version, major(version) === 3 ? 2 : major(version) + 1, ex);
        expect(ex).toEqual(before);
        if (!out.ok) continue;
        // and share no objects with it
        out.data.issuingCourt.name.ar = 'changed';
        expect(ex).toEqual(before);
      }
    }
  });
});

describe('round trips over generated valid warrants (fast-check): no translation loses what the older major can carry', () => {
  const runs = { numRuns: 150 };

  for (const version of ['1.0', '1.1', '1.2']) {
    it(`${version} -> 2.x -> 1.x gives the document back`, () => {
      fc.assert(
        fc.property(validDocs('warrant.issued', version), (d) => {
          const there = attempt('warrant.issued', version, 2, d);
          if (!there.ok) throw new Error(`1.x -> 2.x refused: ${JSON.stringify(there)}`);
          expect(catalogue.validate('warrant.issued', there.version, there.data)).toEqual([]);
          const back = attempt('warrant.issued', there.version, 1, there.data);
          expect(back).toEqual({ ok: true, version: '1.2', data: d });
        }),
        runs,
      );
    });
  }

  for (const version of ['2.0', '2.1']) {
    it(`${version} -> 1.x -> 2.x gives the document back: every offence and every subject field`, () => {
      fc.assert(
        fc.property(validDocs('warrant.issued', version), (d) => {
          const there = attempt('warrant.issued', version, 1, d);
          if (!there.ok) throw new Error(`2.x -> 1.x refused: ${JSON.stringify(there)}`);
          const back = attempt('warrant.issued', there.version, 2, there.data);
          expect(back).toEqual({ ok: true, version: '2.1', data: d });
        }),
        runs,
      );
    });

    it(`${version} -> 3.0 -> 2.x gives the document back, or refuses exactly the names in the wrong script`, () => {
      const docs = validDocs('warrant.issued', version);
      fc.assert(
        fc.property(fc.oneof(docs, scripted(docs)), (d) => {
          const wrong = wrongScripts(d);
          const there = attempt('warrant.issued', version, 3, d);
          if (wrong.length > 0) {
            expect(there.ok).toBe(false);
            if (there.ok) return;
            expect(there.code).toBe('not-translatable');
            expect([...there.pointers].sort()).toEqual([...wrong].sort());
            return;
          }
          if (!there.ok) throw new Error(`refused: ${JSON.stringify(there)}`);
          expect(attempt('warrant.issued', '3.0', 2, there.data)).toEqual({ ok: true, version: '2.1', data: d });
        }),
        runs,
      );
    });
  }

  it('3.0 -> 2.x -> 3.0 and 3.0 -> 1.x -> 3.0 give the document back when the subject is fully identified, and refuse it otherwise', () => {
    fc.assert(
      fc.property(validDocs('warrant.issued', '3.0'), (d) => {
        const missing = REQUIRED_BY_V2.filter((p) => d.subject[p.split('/')[2]] === undefined);
        for (const to of [2, 1]) {
          const there = attempt('warrant.issued', '3.0', to, d);
          if (missing.length > 0) {
            expect(there).toEqual({ ok: false, code: 'not-translatable', pointers: missing });
            continue;
          }
          if (!there.ok) throw new Error(`refused: ${JSON.stringify(there)}`);
          expect(attempt('warrant.issued', there.version, 3, there.data)).toEqual({ ok: true, version: '3.0', data: d });
        }
      }),
      runs,
    );
  });
});

describe('every translator the hub ships', () => {
  const types = [...new Set(translators.all().map((t) => t.type))];

  it('says in the schema of each newer major what a down-translation drops', () => {
    for (const type of types) {
      for (const m of catalogue.majors(type).filter((m) => m > 1)) {
        const doc = catalogue.get(type, catalogue.latest(type, m)!.version)!;
        expect(doc.description, `${type} major ${m}`).toMatch(/drop/i);
      }
    }
  });

  it('loses nothing on the way down and back (generated documents of every minor of every newer major)', () => {
    for (const type of types) {
      for (const ref of catalogue.list().filter((r) => r.type === type && r.major > 1)) {
        fc.assert(
          fc.property(validDocs(type, ref.version), (d) => {
            const there = attempt(type, ref.version, ref.major - 1, d);
            if (!there.ok) {
              expect(there.code).toBe('not-translatable');
              return;
            }
            const back = attempt(type, there.version, ref.major, there.data);
            expect(back).toEqual({ ok: true, version: catalogue.latest(type, ref.major)!.version, data: d });
          }),
          { numRuns: 100 },
        );
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
    expect(() => catalogue.translate('warrant.issued', '4.0', 1, {})).toThrow(ValidationError);
    expect(() => catalogue.translate('warrant.issued', '2.0', 4, examples('2.0')[0])).toThrow(/no major 4/);
    expect(() => catalogue.translate('nope.nope', '1.0', 2, {})).toThrow(ValidationError);
  });

  it('says which pointers a recipient pinned to a major needs (the requires of every translator on the way)', () => {
    expect(catalogue.translationRequires!('warrant.issued', 1)).toEqual([...REQUIRED_BY_V2].sort());
    expect(catalogue.translationRequires!('warrant.issued', 2)).toEqual([...REQUIRED_BY_V2].sort());
    expect(catalogue.translationRequires!('warrant.issued', 3)).toEqual([]);
    expect(catalogue.translationRequires!('decision.issued', 1)).toEqual([]);
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

  it('refuses a translator whose requires is not a plain JSON pointer', async () => {
    const { createTranslatorRegistry } = await import('../../../src/schemas/index.js');
    expect(() => createTranslatorRegistry([{ type: 'a.b', from: 2, to: 1, requires: ['/parties/*/id'], translate: (d) => d }])).toThrow(/without wildcards/);
  });
});

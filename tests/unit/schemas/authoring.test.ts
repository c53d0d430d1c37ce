/**
 * The authoring rules every schema published since issue 27 meets (src/schemas/authoring.ts): the
 * script of names, money as exact decimal strings with a currency, the references named; and the
 * type-level classification a schema may declare.
 */
import fs from 'node:fs';
import { schemaUri } from '../../../src/federation/index.js';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ARABIC_NAME_PATTERN, authoringFaults, LATIN_NAME_PATTERN, LEGACY_SCHEMAS, publishFaults } from '../../../src/schemas/authoring.js';
import { checkCatalogue, hashSchema, loadCatalogue } from '../../../src/schemas/index.js';
import { lintSchema } from '../../../src/schemas/lint.js';
import { CATALOGUE_DIR, copyCatalogue, readJson, writeJson } from './helpers.js';

const catalogue = loadCatalogue(CATALOGUE_DIR);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A made-up type in the new style, meeting every rule; `edit` breaks it. */
function newType(edit: (d: Record<string, any>) => void = () => {}): Record<string, any> {
  const doc: Record<string, any> = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: schemaUri('bail.posted', '1.0'),
    title: 'Bail posted (1.0)',
    description: 'Bail was posted for an accused. References: NIEM j:BailType.',
    type: 'object',
    additionalProperties: false,
    required: ['payer', 'amount'],
    properties: {
      payer: { $ref: '#/$defs/name' },
      amount: {
        type: 'object',
        additionalProperties: false,
        required: ['value', 'currency'],
        properties: { value: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]{1,3})?$' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
      },
      place: { type: 'object', additionalProperties: false, required: ['lat', 'lon'], properties: { lat: { type: 'number' }, lon: { type: 'number' } } },
    },
    $defs: {
      name: {
        type: 'object',
        additionalProperties: false,
        required: ['ar'],
        properties: { ar: { type: 'string', pattern: ARABIC_NAME_PATTERN }, latin: { type: 'string', pattern: LATIN_NAME_PATTERN } },
      },
    },
    examples: [{ payer: { ar: 'سعاد خليل', latin: 'Suad Khalil' }, amount: { value: '2500.00', currency: 'ILS' } }],
  };
  edit(doc);
  return doc;
}

describe('authoring rules', () => {
  it('accept a schema that meets them', () => {
    expect(authoringFaults(newType())).toEqual([]);
  });

  it('refuse a name whose Arabic or Latin member is not script-checked, at the definition', () => {
    const faults = authoringFaults(
      newType((d) => {
        delete d.$defs.name.properties.ar.pattern;
        d.$defs.name.properties.latin.pattern = '^.+$';
      }),
    );
    expect(faults.map((f) => f.pointer)).toEqual(['/$defs/name/properties/ar', '/$defs/name/properties/latin']);
  });

  it('refuse money as a JSON number, an amount without its decimal pattern or currency, and any other float', () => {
    const faults = authoringFaults(
      newType((d) => {
        d.properties.amount.properties.value = { type: 'number' };
        d.properties.amount.properties.currency = { type: 'string' };
        d.properties.ratio = { type: 'number' };
      }),
    );
    expect(faults.map((f) => f.pointer).sort()).toEqual(
      ['/properties/amount/properties/currency', '/properties/amount/properties/value', '/properties/amount/properties/value', '/properties/ratio'].sort(),
    );
  });

  it('refuse a description that names no reference', () => {
    expect(
      authoringFaults(
        newType((d) => {
          d.description = 'Bail was posted.';
        }),
      ).map((f) => f.pointer),
    ).toEqual(['/description']);
  });

  it('leave a later minor the faults it inherits, but not a new unchecked name nor its description', () => {
    const old = newType((d) => {
      delete d.$defs.name.properties.ar.pattern;
    });
    const next = newType((d) => {
      delete d.$defs.name.properties.ar.pattern;
      d.properties.guarantor = { type: 'object', additionalProperties: false, required: ['ar'], properties: { ar: { type: 'string' } } };
      d.description = 'Bail was posted.';
    });
    expect(publishFaults(next, old).map((f) => f.pointer)).toEqual(['/description', '/properties/guarantor/properties/ar']);
  });

  it('are met by every schema of the catalogue but the legacy ones, which wasla schemas check exempts by content', () => {
    const exempt: string[] = [];
    for (const ref of catalogue.list()) {
      const file = path.join(CATALOGUE_DIR, ref.type, `${ref.version}.schema.json`);
      if (LEGACY_SCHEMAS.has(hashSchema(fs.readFileSync(file)))) {
        exempt.push(`${ref.type}@${ref.version}`);
        continue;
      }
      const previous = catalogue
        .list()
        .filter((r) => r.type === ref.type && r.major === ref.major && r.minor < ref.minor)
        .at(-1);
      expect(
        publishFaults(catalogue.get(ref.type, ref.version) as Record<string, any>, previous && (catalogue.get(previous.type, previous.version) as Record<string, any>)),
        `${ref.type}@${ref.version}`,
      ).toEqual([]);
    }
    expect(exempt).toHaveLength(LEGACY_SCHEMAS.size);
  });

  it('leave no schema, legacy ones included, with money or anything else as a binary float', () => {
    for (const ref of catalogue.list()) {
      const faults = authoringFaults(catalogue.get(ref.type, ref.version) as Record<string, any>).filter((f) => /binary float|amount's/.test(f.detail));
      expect(faults, `${ref.type}@${ref.version}`).toEqual([]);
    }
  });

  it('name, in the latest minor of every major of every type, the public references it follows', () => {
    for (const type of new Set(catalogue.list().map((r) => r.type))) {
      for (const m of catalogue.majors(type)) {
        const doc = catalogue.get(type, catalogue.latest(type, m)!.version)!;
        expect(doc.description, `${type} major ${m}`).toMatch(/References?: \S/);
      }
    }
  });

  it('make wasla schemas check refuse a new schema that breaks one', () => {
    const dir = copyCatalogue();
    dirs.push(dir);
    const file = path.join(dir, 'bail.posted', '1.0.schema.json');
    writeJson(
      file,
      newType((d) => {
        d.properties.amount.properties.value = { type: 'number' };
        d.examples[0].amount.value = 2500;
      }),
    );
    const faults = checkCatalogue(dir).filter((f) => f.file === file);
    expect(faults.map((f) => f.pointer)).toEqual(['/properties/amount/properties/value', '/properties/amount/properties/value']);
    expect(faults.map((f) => f.detail).sort()).toEqual([
      expect.stringMatching(/^authoring rule: "value" is a binary float/),
      expect.stringMatching(/^authoring rule: an amount's value is a decimal string/),
    ]);
  });

  it('check names in the scripts they claim: an Arabic-script pattern refuses Latin letters and digits', () => {
    const ar = new RegExp(ARABIC_NAME_PATTERN, 'u');
    const latin = new RegExp(LATIN_NAME_PATTERN, 'u');
    for (const ok of ['محمد خليل أحمد النتشة', 'المدعو أبو سامر', 'محكمة الأحداث - رام الله', 'دار الأمل (رام الله)']) expect(ar.test(ok), ok).toBe(true);
    for (const bad of ['Mohammad', 'محمد 2', 'محمدKhalil', ' محمد', '']) expect(ar.test(bad), bad).toBe(false);
    for (const ok of ['Mohammad Al-Natsheh', 'Dar Al-Amal Observation and Social Care Centre', "O'Neil", 'Zoë']) expect(latin.test(ok), ok).toBe(true);
    for (const bad of ['محمد', 'Ahmad1', '']) expect(latin.test(bad), bad).toBe(false);
    const name = (catalogue.get('warrant.issued', '3.0')!.$defs as any).bilingualName;
    expect(
      loadCatalogue(CATALOGUE_DIR)
        .validate('warrant.issued', '3.0', {
          ...(catalogue.get('warrant.issued', '3.0')!.examples as any[])[0],
          subject: { ...(catalogue.get('warrant.issued', '3.0')!.examples as any[])[0].subject, name: { ar: 'Rami Al-Barghouthi' } },
        })
        .map((f) => [f.pointer, f.keyword]),
    ).toEqual([['/subject/name/ar', 'pattern']]);
    expect(name.properties.ar.pattern).toBe(ARABIC_NAME_PATTERN);
  });
});

describe('x-wasla-classification', () => {
  it('is admitted at the root only, with one of juvenile, gbv, restricted', () => {
    expect(
      lintSchema(
        newType((d) => {
          d['x-wasla-classification'] = 'gbv';
        }),
      ),
    ).toEqual([]);
    expect(
      lintSchema(
        newType((d) => {
          d['x-wasla-classification'] = 'secret';
        }),
      ).map((f) => f.pointer),
    ).toEqual(['/x-wasla-classification']);
    expect(
      lintSchema(
        newType((d) => {
          d.properties.payer = { ...d.$defs.name, 'x-wasla-classification': 'gbv' };
        }),
      ).map((f) => f.pointer),
    ).toContain('/properties/payer/x-wasla-classification');
  });

  it('cannot be dropped, changed or added by a later minor', () => {
    const dir = copyCatalogue();
    dirs.push(dir);
    const doc = readJson(path.join(dir, 'protection-order.issued/1.0.schema.json'));
    doc.$id = schemaUri('protection-order.issued', '1.1');
    delete doc['x-wasla-classification'];
    const file = path.join(dir, 'protection-order.issued/1.1.schema.json');
    writeJson(file, doc);
    expect(
      checkCatalogue(dir)
        .filter((f) => f.file === file)
        .map((f) => f.detail),
    ).toEqual([expect.stringMatching(/^not backward compatible with 1\.0: constraint "x-wasla-classification": "gbv" on the payload removed/)]);
  });

  it('is declared by the types whose every message is of a class', () => {
    const declared = catalogue
      .list()
      .filter((r) => catalogue.get(r.type, r.version)!['x-wasla-classification'] !== undefined)
      .map((r) => `${r.type}@${r.version}: ${catalogue.get(r.type, r.version)!['x-wasla-classification']}`);
    expect(declared).toEqual(['protection-order.issued@1.0: gbv', 'social-inquiry.report@1.0: juvenile']);
  });
});

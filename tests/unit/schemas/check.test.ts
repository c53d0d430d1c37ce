import fs from 'node:fs';
import { schemaUri } from '../../../src/federation/index.js';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCatalogue, createTranslatorRegistry, hashSchema, loadCatalogue, lockCatalogue, translators, type CatalogueFault } from '../../../src/schemas/index.js';
import { ContractError } from '../../../src/errors.js';
import { CATALOGUE_DIR, copyCatalogue, readJson, writeJson } from './helpers.js';
import { problemOfError } from '../../../src/api/problems.js';

const dirs: string[] = [];
function tmpCatalogue(): string {
  const d = copyCatalogue();
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** warrant.issued 1.3: a copy of 1.2 (the latest published minor of major 1) with its own $id, changed by `edit`. */
function addMinor(dir: string, edit: (doc: Record<string, any>) => void, version = '1.3'): string {
  const doc = readJson(path.join(dir, 'warrant.issued/1.2.schema.json'));
  doc.$id = schemaUri('warrant.issued', version);
  doc.title = `Warrant issued (${version})`;
  edit(doc);
  const file = path.join(dir, `warrant.issued/${version}.schema.json`);
  writeJson(file, doc);
  return file;
}

/** A small self-contained schema for made-up types. */
function simple(type: string, version: string, properties: Record<string, unknown>, examples: unknown[]): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: schemaUri(type, version),
    title: `${type} ${version}`,
    description: 'A test type. References: none, it is made up for a test.',
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
    examples,
  };
}

function faultsIn(faults: CatalogueFault[], file: string): CatalogueFault[] {
  return faults.filter((f) => f.file === file);
}

describe('checkCatalogue', () => {
  it('accepts the published catalogue', () => {
    expect(checkCatalogue(CATALOGUE_DIR)).toEqual([]);
  });

  describe('(a) a minor must be backward compatible with the one before it', () => {
    it('accepts a minor that only adds optional properties', () => {
      const dir = tmpCatalogue();
      addMinor(dir, (d) => {
        d.properties.subject.properties.nicknames = { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Other names the subject is known by.' };
        d.properties.recallDate = { type: 'string', format: 'date' };
        d.description = 'Same as 1.2 plus nicknames and a recall date. References: NIEM j:WarrantType.';
      });
      expect(checkCatalogue(dir)).toEqual([]);
    });

    const refused: [string, (d: Record<string, any>) => void, RegExp, string?][] = [
      [
        'a removed property',
        (d) => {
          delete d.properties.specialInstructions;
        },
        /property \/specialInstructions was removed/,
        '/properties',
      ],
      [
        'a newly required existing property',
        (d) => {
          d.required.push('bail');
        },
        /property \/bail became required/,
        '/required',
      ],
      [
        'a new required property',
        (d) => {
          d.properties.priority = { type: 'string' };
          d.required.push('priority');
        },
        /new property \/priority is required/,
        '/required',
      ],
      [
        'a required property made optional',
        (d) => {
          d.properties.subject.required = d.properties.subject.required.filter((n: string) => n !== 'juvenile');
        },
        /\/subject\/juvenile is no longer required/,
        '/properties/subject/required',
      ],
      [
        'a changed type',
        (d) => {
          d.properties.subject.properties.juvenile = { type: 'string' };
        },
        /type of \/subject\/juvenile changed from "boolean" to "string"/,
        '/properties/subject/properties/juvenile/type',
      ],
      [
        'a narrowed enum',
        (d) => {
          d.properties.kind.enum = ['arrest', 'bring-before-court'];
        },
        /enum of \/kind narrowed: "search" removed/,
        '/properties/kind/enum',
      ],
      [
        'a widened enum',
        (d) => {
          d.properties.kind.enum.push('extradition');
        },
        /enum of \/kind widened: "extradition" added/,
        '/properties/kind/enum',
      ],
      [
        'a changed pattern in a definition',
        (d) => {
          d.$defs.caseNumber.pattern = '^[0-9]{1,9}/[0-9]{4}$';
        },
        /pattern of \/caseNumber changed/,
        '/$defs/caseNumber/pattern',
      ],
      [
        'a new bound',
        (d) => {
          d.properties.subject.properties.physicalDescription.maxLength = 100;
        },
        /"maxLength" of \/subject\/physicalDescription changed from 1000 to 100/,
      ],
      [
        'a changed format',
        (d) => {
          d.properties.issuedOn.format = 'date-time';
        },
        /"format" of \/issuedOn changed/,
      ],
      [
        'a changed item schema',
        (d) => {
          d.$defs.offence.properties.code.pattern = '^[A-Z]+$';
        },
        /pattern of \/offence\/code changed/,
      ],
    ];
    for (const [what, edit, reason, pointer] of refused) {
      it(`refuses ${what}, naming the file`, () => {
        const dir = tmpCatalogue();
        const file = addMinor(dir, edit);
        const faults = faultsIn(checkCatalogue(dir), file);
        const hit = faults.find((f) => reason.test(f.detail));
        expect(hit, JSON.stringify(faults, null, 1)).toBeDefined();
        expect(hit!.detail).toMatch(/^not backward compatible with 1\.2: /);
        if (pointer) expect(hit!.pointer).toBe(pointer);
      });
    }

    it('refuses constructs it cannot compare (anyOf, open objects, remote refs)', () => {
      const dir = tmpCatalogue();
      const file = addMinor(dir, (d) => {
        d.properties.contact = { anyOf: [{ type: 'string' }, { type: 'integer' }] };
        d.properties.extra = { type: 'object', properties: { a: { type: 'string' } } };
        d.properties.remote = { $ref: 'https://example.org/other.json' };
      });
      const faults = faultsIn(checkCatalogue(dir), file);
      expect(faults).toContainEqual(expect.objectContaining({ pointer: '/properties/contact/anyOf', detail: expect.stringMatching(/not supported/) }));
      expect(faults).toContainEqual(expect.objectContaining({ pointer: '/properties/extra/additionalProperties', detail: expect.stringMatching(/closed/) }));
      expect(faults).toContainEqual(expect.objectContaining({ pointer: '/properties/remote/$ref', detail: expect.stringMatching(/only local references/) }));
    });

    it('compares with the previous minor even when the chain has a gap', () => {
      const dir = tmpCatalogue();
      const file = addMinor(
        dir,
        (d) => {
          delete d.properties.bail;
        },
        '1.5',
      );
      expect(faultsIn(checkCatalogue(dir), file).some((f) => /not backward compatible with 1\.2: property \/bail was removed/.test(f.detail))).toBe(true);
    });
  });

  describe('(b) published schemas are immutable', () => {
    it('refuses a locked file whose content changed, even by a description', () => {
      const dir = tmpCatalogue();
      const file = path.join(dir, 'warrant.cancelled/1.0.schema.json');
      const doc = readJson(file);
      doc.description += ' Edited.';
      writeJson(file, doc);
      expect(checkCatalogue(dir)).toEqual([{ file, pointer: '', detail: expect.stringMatching(/^published schemas are immutable; publish a new minor instead/) }]);
    });

    it('refuses a locked file that was deleted', () => {
      const dir = tmpCatalogue();
      fs.rmSync(path.join(dir, 'notification.requested'), { recursive: true });
      const faults = checkCatalogue(dir);
      expect(faults).toEqual([{ file: path.join(dir, 'notification.requested', '1.0.schema.json'), pointer: '', detail: expect.stringMatching(/missing/) }]);
    });

    it('ignores line-ending changes (CRLF checkouts)', () => {
      const dir = tmpCatalogue();
      const file = path.join(dir, 'detention.alert/1.0.schema.json');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
      expect(checkCatalogue(dir)).toEqual([]);
    });

    it('accepts new files; lock adds them, never rewrites an entry, and refuses while there are faults', () => {
      const dir = tmpCatalogue();
      const lockFile = path.join(dir, 'catalogue.lock.json');
      const before = readJson(lockFile);
      const file = addMinor(dir, (d) => {
        d.properties.recallDate = { type: 'string', format: 'date' };
      });
      expect(checkCatalogue(dir)).toEqual([]);

      const first = lockCatalogue(dir);
      expect(first).toEqual({ lockFile, added: ['warrant.issued/1.3.schema.json'], faults: [] });
      const after = readJson(lockFile);
      expect(after).toEqual({ ...before, 'warrant.issued/1.3.schema.json': hashSchema(fs.readFileSync(file)) });
      expect(lockCatalogue(dir).added).toEqual([]);

      // now 1.3 is published: editing it is refused, and lock will not paper over it
      const doc = readJson(file);
      doc.properties.recallDate.description = 'changed';
      writeJson(file, doc);
      const refused = lockCatalogue(dir);
      expect(refused.added).toEqual([]);
      expect(refused.faults.map((f) => f.file)).toEqual([file]);
      expect(readJson(lockFile)).toEqual(after);
    });

    it('writes a lock where there was none, and honours --lock-file', () => {
      const dir = tmpCatalogue();
      fs.rmSync(path.join(dir, 'catalogue.lock.json'));
      const lockFile = path.join(dir, 'elsewhere.lock.json');
      const published = Object.keys(readJson(path.join(CATALOGUE_DIR, 'catalogue.lock.json'))).length;
      const result = lockCatalogue(dir, { lockFile });
      expect(result.added).toHaveLength(published);
      expect(Object.keys(readJson(lockFile))).toHaveLength(published);
      expect(checkCatalogue(dir, { lockFile })).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'catalogue.lock.json'))).toBe(false);
    });

    it('refuses an unreadable lock file, naming it', () => {
      const dir = tmpCatalogue();
      const lockFile = path.join(dir, 'catalogue.lock.json');
      fs.writeFileSync(lockFile, '{ "warrant.issued/1.0.schema.json": 42, "../etc/passwd": "x" ');
      expect(checkCatalogue(dir)).toEqual([{ file: lockFile, pointer: '', detail: expect.stringMatching(/not valid JSON/) }]);
      fs.writeFileSync(lockFile, JSON.stringify({ 'warrant.issued/1.0.schema.json': 42, '../etc/passwd': 'x' }));
      expect(checkCatalogue(dir).map((f) => [f.file, f.pointer])).toEqual([
        [lockFile, '/warrant.issued~11.0.schema.json'],
        [lockFile, '/..~1etc~1passwd'],
      ]);
    });
  });

  describe('(c) a new major ships translators both ways', () => {
    const v1 = simple('case.registered', '1.0', { caseNumber: { type: 'string', pattern: '^[0-9]{1,7}/[0-9]{4}$' }, holder: { type: 'string' } }, [{ caseNumber: '12/2026', holder: 'سعاد' }]);
    const v2 = simple('case.registered', '2.0', { caseNumber: { type: 'string', pattern: '^[0-9]{1,7}/[0-9]{4}$' }, holders: { type: 'array', minItems: 1, items: { type: 'string' } } }, [
      { caseNumber: '13/2026', holders: ['سعاد', 'منى'] },
    ]);

    function withTwoMajors(): { dir: string; file2: string } {
      const dir = tmpCatalogue();
      writeJson(path.join(dir, 'case.registered/1.0.schema.json'), v1);
      const file2 = path.join(dir, 'case.registered/2.0.schema.json');
      writeJson(file2, v2);
      return { dir, file2 };
    }

    it('refuses major 2 without translators, naming its file', () => {
      const { dir, file2 } = withTwoMajors();
      expect(checkCatalogue(dir)).toEqual([
        { file: file2, pointer: '', detail: expect.stringMatching(/needs a translator from major 1/) },
        { file: file2, pointer: '', detail: expect.stringMatching(/needs a translator to major 1/) },
      ]);
    });

    it('refuses major 2 with a translator one way only', () => {
      const { dir, file2 } = withTwoMajors();
      const registry = createTranslatorRegistry([...translators.all(), { type: 'case.registered', from: 1, to: 2, translate: (d: any) => ({ caseNumber: d.caseNumber, holders: [d.holder] }) }]);
      expect(checkCatalogue(dir, { translators: registry })).toEqual([{ file: file2, pointer: '', detail: expect.stringMatching(/to major 1/) }]);
    });

    it('accepts translators both ways that turn every example into valid data', () => {
      const { dir } = withTwoMajors();
      const registry = createTranslatorRegistry([
        ...translators.all(),
        { type: 'case.registered', from: 1, to: 2, translate: (d: any) => ({ caseNumber: d.caseNumber, holders: [d.holder] }) },
        { type: 'case.registered', from: 2, to: 1, translate: (d: any) => ({ caseNumber: d.caseNumber, holder: d.holders[0] }) },
      ]);
      expect(checkCatalogue(dir, { translators: registry })).toEqual([]);
      const c = loadCatalogue(dir, { translators: registry });
      expect(c.translate('case.registered', '2.0', 1, { caseNumber: '13/2026', holders: ['a', 'b'] })).toEqual({ version: '1.0', data: { caseNumber: '13/2026', holder: 'a' } });
    });

    it('refuses translators whose output does not validate, naming the example', () => {
      const { dir, file2 } = withTwoMajors();
      const registry = createTranslatorRegistry([
        ...translators.all(),
        { type: 'case.registered', from: 1, to: 2, translate: (d: any) => ({ caseNumber: d.caseNumber, holders: d.holder }) },
        { type: 'case.registered', from: 2, to: 1, translate: (d: any) => ({ caseNumber: d.caseNumber, holder: d.holders[0] }) },
      ]);
      expect(checkCatalogue(dir, { translators: registry })).toEqual([
        { file: path.join(dir, 'case.registered/1.0.schema.json'), pointer: '/examples/0', detail: expect.stringMatching(/translating example 0 to major 2 fails: \/holders: must be of type array/) },
      ]);
      void file2;
    });

    it('refuses a major without the major before it', () => {
      const dir = tmpCatalogue();
      const file = path.join(dir, 'case.registered/2.0.schema.json');
      writeJson(file, v2);
      expect(checkCatalogue(dir)).toEqual([{ file, pointer: '', detail: 'major 2 published without major 1' }]);
    });
  });

  describe('(d) examples must validate', () => {
    it('refuses an example that does not validate, pointing into it', () => {
      const dir = tmpCatalogue();
      const file = addMinor(dir, (d) => {
        d.examples[0].subject.juvenile = 'yes';
        delete d.examples[1].caseNumber;
      });
      expect(faultsIn(checkCatalogue(dir), file)).toEqual([
        { file, pointer: '/examples/0/subject/juvenile', detail: 'example 0 does not validate: must be of type boolean' },
        { file, pointer: '/examples/1/caseNumber', detail: 'example 1 does not validate: required property "caseNumber" is missing' },
      ]);
    });

    it('refuses a schema without examples, title or description', () => {
      const dir = tmpCatalogue();
      const file = addMinor(dir, (d) => {
        d.examples = [];
        delete d.title;
        d.description = ' ';
      });
      const pointers = faultsIn(checkCatalogue(dir), file).map((f) => f.pointer);
      expect(pointers).toEqual(expect.arrayContaining(['/examples', '/title', '/description']));
    });
  });

  describe('(e) the file name and $id must agree', () => {
    it('refuses a $id that names another version', () => {
      const dir = tmpCatalogue();
      const file = path.join(dir, 'warrant.issued/1.3.schema.json');
      fs.copyFileSync(path.join(dir, 'warrant.issued/1.2.schema.json'), file);
      expect(faultsIn(checkCatalogue(dir), file)).toEqual([
        {
          file,
          pointer: '/$id',
          detail: expect.stringMatching(/file name says warrant\.issued@1\.3, so \$id must be "https:\/\/wasla\.dev\/contracts\/messages\/warrant\.issued\/1\.3\.schema\.json"/),
        },
      ]);
    });

    it('refuses a $id that names another type', () => {
      const dir = tmpCatalogue();
      const file = path.join(dir, 'warrant.recalled/1.0.schema.json');
      fs.mkdirSync(path.dirname(file));
      fs.copyFileSync(path.join(dir, 'warrant.cancelled/1.0.schema.json'), file);
      expect(checkCatalogue(dir).map((f) => [f.file, f.pointer])).toEqual([[file, '/$id']]);
    });
  });

  describe('everything else a catalogue directory can get wrong', () => {
    it('refuses invalid JSON, invalid schemas, bad names and a missing directory', () => {
      const dir = tmpCatalogue();
      const broken = path.join(dir, 'warrant.issued/1.3.schema.json');
      fs.writeFileSync(broken, '{ "title": ');
      const invalid = path.join(dir, 'case.registered/1.0.schema.json');
      writeJson(invalid, { ...simple('case.registered', '1.0', { n: { type: 'string' } }, [{ n: 'x' }]), minProperties: -1 });
      const badName = path.join(dir, 'warrant.issued/v3.schema.json');
      fs.writeFileSync(badName, '{}');
      const badType = path.join(dir, 'Warrant_Issued');
      fs.mkdirSync(badType);
      const zero = path.join(dir, 'warrant.issued/0.9.schema.json');
      fs.writeFileSync(zero, '{}');
      const faults = checkCatalogue(dir);
      expect(faults.find((f) => f.file === broken)?.detail).toMatch(/not valid JSON/);
      expect(faults.find((f) => f.file === invalid)?.detail).toMatch(/not a valid JSON Schema 2020-12/);
      expect(faults.find((f) => f.file === badName)?.detail).toMatch(/expected "<major>\.<minor>\.schema\.json"/);
      expect(faults.find((f) => f.file === badType)?.detail).toMatch(/not a message type name/);
      expect(faults.find((f) => f.file === zero)?.detail).toMatch(/majors start at 1/);
      expect(checkCatalogue(path.join(dir, 'nope'))).toEqual([{ file: path.join(dir, 'nope'), pointer: '', detail: expect.stringMatching(/cannot read the catalogue directory/) }]);
    });

    it('refuses a schema ajv strict mode refuses (unknown keyword)', () => {
      const dir = tmpCatalogue();
      const file = addMinor(dir, (d) => {
        d.properties.kind.enumm = ['x'];
      });
      expect(faultsIn(checkCatalogue(dir), file).map((f) => f.pointer)).toContain('/properties/kind/enumm');
    });
  });
});

describe('loadCatalogue', () => {
  it('throws a ContractError naming the file and listing every fault', () => {
    const dir = tmpCatalogue();
    // a type with a single version: an edit to warrant.cancelled 1.0 would also make 1.1 look incompatible
    const file = path.join(dir, 'notification.requested/1.0.schema.json');
    const doc = readJson(file);
    doc.properties.document.properties.kind.enum.pop();
    writeJson(file, doc);
    try {
      loadCatalogue(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ContractError);
      const e = err as ContractError;
      expect(e.file).toBe(file);
      expect(e.message).toContain(file);
      expect(e.faults.length).toBeGreaterThan(0);
      expect(problemOfError(e).type).toBe('https://wasla.dev/problems/contract-invalid');
    }
  });

  it('compiles each schema once', async () => {
    const { createAjv } = await import('../../../src/schemas/ajv.js');
    const proto = Object.getPrototypeOf(createAjv());
    const original = proto.compile;
    let calls = 0;
    proto.compile = function (this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    };
    try {
      const c = loadCatalogue(CATALOGUE_DIR);
      const n = c.list().length;
      expect(calls).toBe(n);
      for (const r of c.list()) for (const ex of c.get(r.type, r.version)!.examples as unknown[]) c.validate(r.type, r.version, ex);
      expect(calls).toBe(n);
    } finally {
      proto.compile = original;
    }
  });
});

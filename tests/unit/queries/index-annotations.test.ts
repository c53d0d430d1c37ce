/**
 * The case index declaration in the catalogue (issue 24.1): `x-wasla-index` at a schema's root,
 * outside the lock's hash, checked by `wasla schemas check`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCatalogue, hashSchema, loadCatalogue, type CatalogueFault } from '../../../src/schemas/index.js';
import { schemaUri as schemaId } from '../../../src/federation/index.js';
import { INDEX_KINDS, readIndexAnnotations } from '../../../src/schemas/index-annotations.js';
import { readLock, withoutUnlockedAnnotations } from '../../../src/schemas/lock.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const CATALOGUE_DIR = path.join(REPO, 'contracts/messages');

const dirs: string[] = [];
function tmpCatalogue(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-index-'));
  fs.cpSync(CATALOGUE_DIR, d, { recursive: true });
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
const write = (file: string, doc: unknown) => fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
const details = (faults: CatalogueFault[], file: string) => faults.filter((f) => f.file === file).map((f) => `${f.pointer}: ${f.detail}`);

/** A new minor of warrant.issued major 1 (copy of 1.2), changed by `edit`. */
function addMinor(dir: string, edit: (doc: Record<string, any>) => void): string {
  const doc = read(path.join(dir, 'warrant.issued/1.2.schema.json'));
  doc.$id = schemaId('warrant.issued', '1.3');
  doc.title = 'Warrant issued (1.3)';
  edit(doc);
  const file = path.join(dir, 'warrant.issued/1.3.schema.json');
  write(file, doc);
  return file;
}

/** the hub's notices about one delivery (issue 25): they carry ids, not a case, so nothing to index */
const NOT_ABOUT_A_CASE = ['delivery.failed', 'delivery.recovered'];

describe('the published catalogue declares its index', () => {
  const catalogue = loadCatalogue(CATALOGUE_DIR);

  it('annotates every one of the 27 types, in every version, with kinds it knows', () => {
    const types = new Set(catalogue.list().map((r) => r.type));
    expect(types.size).toBe(27);
    for (const ref of catalogue.list()) {
      const schema = catalogue.get(ref.type, ref.version)!;
      // every schema says what it is about; the hub's notices about a delivery name no case
      expect(Array.isArray(schema['x-wasla-index']), `${ref.type}@${ref.version}`).toBe(true);
      const annotations = readIndexAnnotations(schema);
      if (NOT_ABOUT_A_CASE.includes(ref.type)) expect(annotations).toEqual([]);
      else expect(annotations.length, `${ref.type}@${ref.version}`).toBeGreaterThan(0);
      for (const a of annotations) expect(INDEX_KINDS).toContain(a.kind);
    }
  });

  it('keeps every lock entry: the annotation is outside the hash', () => {
    const { lock } = readLock(path.join(CATALOGUE_DIR, 'catalogue.lock.json'));
    for (const [rel, hash] of Object.entries(lock!)) {
      const content = fs.readFileSync(path.join(CATALOGUE_DIR, rel), 'utf8');
      expect(content).toContain('"x-wasla-index"');
      expect(hashSchema(content), rel).toBe(hash);
    }
  });
});

describe('the lock hashes a schema without its index annotation', () => {
  const plain = '{\n  "a": 1,\n  "b": "x, \\"y\\" }",\n  "c": [1, 2]\n}\n';

  it('cuts the member wherever it stands, leaving the text the file had without it', () => {
    const member = '"x-wasla-index": [\n    { "pointer": "/a", "kind": "plate" }\n  ]';
    const first = plain.replace('{\n  "a"', `{\n  ${member},\n  "a"`);
    const middle = plain.replace('"c"', `${member},\n  "c"`);
    const last = plain.replace('[1, 2]\n}', `[1, 2],\n  ${member}\n}`);
    for (const text of [first, middle, last]) {
      expect(JSON.parse(text)['x-wasla-index']).toBeDefined();
      expect(withoutUnlockedAnnotations(text)).toBe(plain);
      expect(hashSchema(text)).toBe(hashSchema(plain));
    }
  });

  it('leaves a nested member of the same name, a string that mentions it, and non-objects alone', () => {
    const nested = '{\n  "a": { "x-wasla-index": [] },\n  "b": "\\"x-wasla-index\\": 1"\n}\n';
    expect(withoutUnlockedAnnotations(nested)).toBe(nested);
    expect(withoutUnlockedAnnotations('["x-wasla-index", 1]')).toBe('["x-wasla-index", 1]');
    expect(hashSchema(nested)).not.toBe(hashSchema('{\n  "a": {},\n  "b": "\\"x-wasla-index\\": 1"\n}\n'));
  });

  it('still refuses any other edit of a published schema, next to an annotation edit', () => {
    const dir = tmpCatalogue();
    const file = path.join(dir, 'alimony.payment-notice/1.0.schema.json');
    const text = fs.readFileSync(file, 'utf8');
    // re-declaring the index of a published schema is not an edit of what it accepts
    fs.writeFileSync(
      file,
      text.replace('{ "pointer": "/endToEndId", "kind": "payment-id" }', '{ "pointer": "/endToEndId", "kind": "payment-id" },\n    { "pointer": "/noticeNumber", "kind": "payment-id" }'),
    );
    expect(checkCatalogue(dir)).toEqual([]);
    // an edit outside the annotation is
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"title": "', '"title": "Edited: '));
    expect(details(checkCatalogue(dir), file)).toEqual([expect.stringMatching(/^: published schemas are immutable/)]);
  });
});

describe('wasla schemas check refuses a bad index annotation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a pointer that does not exist', { pointer: '/subject/passport', kind: 'national-id' }, '/x-wasla-index/0/pointer: "/subject/passport" does not exist in this schema'],
    ['an index into one array position', { pointer: '/additionalOffences/0/code', kind: 'case-number' }, '/x-wasla-index/0/pointer: "/additionalOffences/0/code" does not exist in this schema'],
    ['an unknown kind', { pointer: '/caseNumber', kind: 'case-ref' }, '/x-wasla-index/0/kind: unknown index kind "case-ref"'],
    ['a pointer to an object', { pointer: '/subject', kind: 'person-name' }, '/x-wasla-index/0/pointer: "/subject" must reach a string to be indexed'],
    ['an issuer that does not exist', { pointer: '/caseNumber', kind: 'case-number', issuer: '/court/id' }, '/x-wasla-index/0/issuer: "/court/id" does not exist in this schema'],
    ['an issuer through an array', { pointer: '/caseNumber', kind: 'case-number', issuer: '/additionalOffences/*/code' }, '/x-wasla-index/0/issuer: must be a JSON pointer without *'],
    ['an unknown member', { pointer: '/caseNumber', kind: 'case-number', role: 'x' }, '/x-wasla-index/0/role: unknown member "role"'],
  ];
  for (const [what, annotation, expected] of cases) {
    it(what, () => {
      const dir = tmpCatalogue();
      const file = addMinor(dir, (d) => {
        d['x-wasla-index'] = [annotation, ...d['x-wasla-index']];
      });
      expect(details(checkCatalogue(dir), file).join('\n')).toContain(expected);
    });
  }

  it('an annotation below the root', () => {
    const dir = tmpCatalogue();
    const file = addMinor(dir, (d) => {
      d.properties.caseNumber = { ...d.properties.caseNumber, 'x-wasla-index': 'case-number' };
    });
    expect(details(checkCatalogue(dir), file)).toContain('/properties/caseNumber/x-wasla-index: "x-wasla-index" is only allowed at the root of a catalogue schema');
  });

  it('a later minor that drops or changes an annotation of the minor before it', () => {
    const dir = tmpCatalogue();
    const file = addMinor(dir, (d) => {
      const list = d['x-wasla-index'] as Array<Record<string, string>>;
      d['x-wasla-index'] = list.filter((a) => a.pointer !== '/subject/nationalId').map((a) => (a.pointer === '/caseNumber' ? { ...a, kind: 'prosecution-case-number' } : a));
    });
    expect(details(checkCatalogue(dir), file)).toEqual([
      '/x-wasla-index: changes the index annotation of /caseNumber from case-number issued by /issuingCourt/id (as in 1.2) to prosecution-case-number issued by /issuingCourt/id',
      '/x-wasla-index: drops the index annotation of /subject/nationalId (national-id) that 1.2 has; a minor keeps every annotation of the minor before it',
    ]);
  });

  it('but accepts a later minor that adds annotations, or an issuer the minor before could not carry', () => {
    const dir = tmpCatalogue();
    addMinor(dir, (d) => {
      d.properties.court = { type: 'string', description: 'the issuing court again' };
      const list = d['x-wasla-index'] as Array<Record<string, string>>;
      d['x-wasla-index'] = [...list, { pointer: '/subject/motherName/ar', kind: 'person-name' }];
    });
    expect(checkCatalogue(dir)).toEqual([]);
    const executed = path.join(dir, 'warrant.executed/1.1.schema.json');
    // warrant.executed 1.0 indexes /warrantNumber without issuer; 1.1 adds /court and issues it there
    expect(readIndexAnnotations(read(executed)).find((a) => a.pointer === '/warrantNumber')).toEqual({ pointer: '/warrantNumber', kind: 'warrant-number', issuer: '/court' });
    // giving it an issuer that 1.0 already had a field for is a change
    const doc = read(executed);
    doc['x-wasla-index'] = doc['x-wasla-index'].map((a: Record<string, string>) => (a.pointer === '/caseNumber' ? { ...a, issuer: '/by/unit' } : a));
    const minor = path.join(dir, 'warrant.executed/1.2.schema.json');
    doc.$id = schemaId('warrant.executed', '1.2');
    write(minor, doc);
    expect(details(checkCatalogue(dir), minor)).toEqual([
      '/x-wasla-index: changes the index annotation of /caseNumber from case-number issued by /court (as in 1.1) to case-number issued by /by/unit',
    ]);
  });
});

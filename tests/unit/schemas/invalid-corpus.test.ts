import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/schemas/index.js';
import { CATALOGUE_DIR, FIXTURES_DIR, readJson, TYPES } from './helpers.js';

const catalogue = loadCatalogue(CATALOGUE_DIR);

interface Fixture {
  version: string;
  data: unknown;
  expectPointer: string;
  expectKeyword?: string;
}

describe('the corpus of invalid documents', () => {
  it('has at least 3 documents per type, covering required, pattern/format, additionalProperties and enum', () => {
    const keywords = new Set<string>();
    for (const type of TYPES) {
      const dir = path.join(FIXTURES_DIR, type, 'invalid');
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
      expect(files.length, type).toBeGreaterThanOrEqual(3);
      const kinds = new Set(files.map((f) => readJson(path.join(dir, f)).expectKeyword as string));
      expect(kinds.has('required'), `${type}: a missing required property`).toBe(true);
      expect(kinds.has('additionalProperties'), `${type}: an extra property`).toBe(true);
      expect(kinds.has('pattern') || kinds.has('format'), `${type}: a wrong pattern or format`).toBe(true);
      for (const k of kinds) keywords.add(k);
    }
    expect(keywords).toEqual(new Set(['required', 'additionalProperties', 'pattern', 'format', 'enum', 'type', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems']));
  });

  for (const type of TYPES) {
    const dir = path.join(FIXTURES_DIR, type, 'invalid');
    for (const file of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      it(`${type}/invalid/${file} is refused at its pointer`, () => {
        const fx = readJson(path.join(dir, file)) as Fixture;
        const faults = catalogue.validate(type, fx.version, fx.data);
        expect(faults.length).toBeGreaterThan(0);
        // each document carries exactly one defect, so every fault names the same place
        expect(faults.map((f) => f.pointer)).toEqual(faults.map(() => fx.expectPointer));
        if (fx.expectKeyword) expect(faults.map((f) => f.keyword)).toContain(fx.expectKeyword);
      });
    }
  }
});

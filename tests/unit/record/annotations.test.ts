/**
 * The record's schema annotations: read from a schema, checked against it (each pointer must reach
 * a field of the right kind), and removable so that the catalogue lock can ignore them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectDeclarations, readDeclarations, withoutRecordAnnotations } from '../../../src/record/annotations.js';
import { DeclarationError } from '../../../src/record/errors.js';

const load = (rel: string) => JSON.parse(readFileSync(`contracts/messages/${rel}`, 'utf8')) as Record<string, unknown>;
const strip = (doc: Record<string, unknown>) => withoutRecordAnnotations(doc);

describe('inspectDeclarations on a schema', () => {
  it('reads valid rules', () => {
    const doc = {
      ...strip(load('case.referred/1.0.schema.json')),
      'x-wasla-juvenile-when': [{ dateOfBirth: '/parties/*/dateOfBirth', where: { pointer: '/parties/*/role', in: ['accused', 'juvenile'] }, at: ['/charges/*/committedOn', '/referredOn'] }],
      'x-wasla-gbv-when': [{ pointer: '/charges/*/offence/code', in: ['PC60-292'] }],
      'x-wasla-issuer': [{ pointer: '/prosecutionOffice', units: true }],
    };
    expect(inspectDeclarations(doc)).toEqual({
      declarations: {
        juvenileWhen: [{ dateOfBirth: '/parties/*/dateOfBirth', where: { pointer: '/parties/*/role', in: ['accused', 'juvenile'] }, at: ['/charges/*/committedOn', '/referredOn'] }],
        gbvWhen: [{ pointer: '/charges/*/offence/code', in: ['PC60-292'] }],
        issuer: [{ pointer: '/prosecutionOffice', units: true }],
      },
      faults: [],
    });
  });

  it("takes the type's own classification", () => {
    expect(readDeclarations(strip(load('protection-order.issued/1.0.schema.json')))).toEqual({ type: 'gbv', juvenileWhen: [], gbvWhen: [], issuer: [] });
  });

  it('names every fault with its pointer into the schema', () => {
    const doc = {
      ...strip(load('warrant.issued/3.0.schema.json')),
      'x-wasla-juvenile-when': [
        { dateOfBirth: '/subject/birthDate', at: ['/issuedOn'] },
        { dateOfBirth: '/subject/name', at: ['/subject/sex'], extra: 1 },
        { dateOfBirth: '/subject/dateOfBirth', at: [], where: { pointer: '/subject/sex', in: ['male'] } },
        { dateOfBirth: '/subject/*/dateOfBirth', at: ['issuedOn'] },
      ],
      'x-wasla-gbv-when': [
        { pointer: '/offences/*/code', in: [] },
        { pointer: '/offences/*/code', in: ['A', 'A'] },
      ],
      'x-wasla-issuer': { pointer: '/issuingCourt/id' },
    };
    expect(inspectDeclarations(doc).faults).toEqual([
      { pointer: '/x-wasla-juvenile-when/0/dateOfBirth', detail: '/subject/birthDate no property "birthDate" in the schema there' },
      { pointer: '/x-wasla-juvenile-when/1/extra', detail: 'unknown member "extra" (allowed: dateOfBirth, where, at)' },
      { pointer: '/x-wasla-juvenile-when/1/dateOfBirth', detail: '/subject/name must be a string field' },
      { pointer: '/x-wasla-juvenile-when/1/at/0', detail: '/subject/sex must be a "date" or "date-time" field' },
      { pointer: '/x-wasla-juvenile-when/2/at', detail: 'must be a list of 1-10 pointers to the dates of the events' },
      { pointer: '/x-wasla-juvenile-when/2/where/pointer', detail: 'must read the same array elements as dateOfBirth (the same pointer up to its last "*")' },
      { pointer: '/x-wasla-juvenile-when/3/dateOfBirth', detail: '/subject/*/dateOfBirth "*" stands for array elements, but the schema has no array there' },
      { pointer: '/x-wasla-juvenile-when/3/at/0', detail: 'must be a JSON pointer into the payload ("/a/b", "*" for every array element)' },
      { pointer: '/x-wasla-gbv-when/0/in', detail: 'must be a list of 1-500 non-empty strings' },
      { pointer: '/x-wasla-gbv-when/1/in', detail: 'lists a value twice' },
      { pointer: '/x-wasla-issuer', detail: 'must be a list of 1-20 rules' },
    ]);
    expect(() => readDeclarations(doc)).toThrow(DeclarationError);
  });

  it('refuses an issuer field that is not a string, or a units flag that is not a boolean', () => {
    const doc = { ...strip(load('warrant.issued/3.0.schema.json')), 'x-wasla-issuer': [{ pointer: '/issuingCourt' }, { pointer: '/executingAuthority', units: 'yes' }] };
    expect(inspectDeclarations(doc).faults).toEqual([
      { pointer: '/x-wasla-issuer/0/pointer', detail: '/issuingCourt must be a string field' },
      { pointer: '/x-wasla-issuer/1/units', detail: 'must be true or false' },
    ]);
  });

  it('withoutRecordAnnotations removes the three keywords and nothing else', () => {
    const doc = { a: 1, 'x-wasla-classification': 'gbv', 'x-wasla-juvenile-when': [], 'x-wasla-gbv-when': [], 'x-wasla-issuer': [], 'x-wasla-index': {} };
    expect(withoutRecordAnnotations(doc)).toEqual({ a: 1, 'x-wasla-classification': 'gbv', 'x-wasla-index': {} });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJsonBody, readEnvelope } from '../../../src/intake/envelope.js';
import { WaslaError } from '../../../src/errors.js';
import { problemOf } from '../../../src/api/problems.js';

const SENDER = 'ps.hjc.court.ramallah';
const good = {
  specversion: '1.0',
  type: 'warrant.issued',
  dataschema: 'https://wasla.dev/contracts/messages/warrant.issued/2.0.schema.json',
  data: { a: 1 },
};

function faultsOf(fn: () => unknown): { code: string; status: number; pointers: string[] } {
  try {
    fn();
  } catch (err) {
    const e = err as WaslaError;
    return { code: e.code, status: problemOf(e).status, pointers: e.faults.map((f) => f.pointer) };
  }
  throw new Error('expected a refusal');
}

describe('envelope', () => {
  it('reads a minimal envelope, defaulting classification to restricted', () => {
    const e = readEnvelope(good, SENDER);
    expect(e).toMatchObject({ type: 'warrant.issued', version: '2.0', classification: 'restricted' });
  });

  it('keeps the sender id as sourceeventid and the extensions', () => {
    const e = readEnvelope({ ...good, id: 'court-42', classification: 'juvenile', casereference: '12/2026', correlationid: 'c1' }, SENDER);
    expect(e).toMatchObject({ sourceeventid: 'court-42', classification: 'juvenile', casereference: '12/2026', correlationid: 'c1' });
  });

  it.each([
    [{ ...good, specversion: '0.3' }, '/specversion'],
    [{ ...good, type: 7 }, '/type'],
    [{ ...good, dataschema: 'warrant.issued@2.0' }, '/dataschema'],
    [{ ...good, dataschema: 'https://wasla.dev/contracts/messages/warrant.executed/1.0.schema.json' }, '/dataschema'],
    [{ ...good, source: 'ps.police.judicial' }, '/source'],
    [{ ...good, time: 'yesterday' }, '/time'],
    [{ ...good, classification: 'secret' }, '/classification'],
    [{ ...good, clasification: 'gbv' }, '/clasification'],
    [{ ...good, data: [1] }, '/data'],
    [{ ...good, data: undefined }, '/data'],
  ])('refuses %j at its pointer', (env, pointer) => {
    const r = faultsOf(() => readEnvelope(env, SENDER));
    expect(r.status).toBe(400);
    expect(r.code).toBe('invalid-envelope');
    expect(r.pointers).toContain(pointer);
  });

  it('refuses a body that is not an object', () => {
    expect(faultsOf(() => readEnvelope([good], SENDER)).pointers).toEqual(['']);
  });

  it('refuses malformed JSON and deep nesting with their own problem types', () => {
    expect(faultsOf(() => parseJsonBody(Buffer.from('{"a":'))).code).toBe('malformed-json');
    const deep = '['.repeat(100) + ']'.repeat(100);
    expect(faultsOf(() => parseJsonBody(Buffer.from(deep))).code).toBe('too-deeply-nested');
    expect(parseJsonBody(Buffer.from('[[1]]'))).toEqual([[1]]);
  });

  it('measures depth without recursion, even for very deep bodies', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(faultsOf(() => parseJsonBody(Buffer.from(deep))).code).toBe('too-deeply-nested');
  });

  it('never throws anything but a WaslaError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          readEnvelope(v, SENDER);
        } catch (err) {
          expect(err).toBeInstanceOf(WaslaError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

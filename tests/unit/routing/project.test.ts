import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { project, projectEnvelope } from '../../../src/routing/project.js';
import { formatPointer, parsePointer } from '../../../src/json/index.js';

const warrant = {
  warrantNumber: 'RAM-W-1',
  subject: { name: { ar: 'م', latin: 'M' }, nationalId: '401234567', juvenile: false },
  offences: [
    { code: 'PC-1', description: 'theft' },
    { code: 'PC-2', description: 'fraud', note: 'x' },
  ],
  bail: { value: '500.00', currency: 'ILS' },
};

describe('project', () => {
  it('keeps listed pointers with their ancestors, nothing else', () => {
    expect(project(warrant, ['/warrantNumber', '/subject/nationalId'])).toEqual({
      warrantNumber: 'RAM-W-1',
      subject: { nationalId: '401234567' },
    });
  });

  it('* and "" keep everything (as a copy)', () => {
    const p = project(warrant, ['*']) as typeof warrant;
    expect(p).toEqual(warrant);
    expect(p).not.toBe(warrant);
    expect(p.offences).not.toBe(warrant.offences);
    expect(project(warrant, [''])).toEqual(warrant);
  });

  it('an array pointer keeps the whole array; /x/*/y keeps y of each element', () => {
    expect(project(warrant, ['/offences'])).toEqual({ offences: warrant.offences });
    expect(project(warrant, ['/offences/*/code'])).toEqual({ offences: [{ code: 'PC-1' }, { code: 'PC-2' }] });
    expect(project({ a: [{ b: 1 }, { c: 2 }] }, ['/a/*/b'])).toEqual({ a: [{ b: 1 }] });
  });

  it('overlapping pointers: the wider one wins', () => {
    expect(project(warrant, ['/subject/name/ar', '/subject'])).toEqual({ subject: warrant.subject });
  });

  it('a pointer that does not resolve leaves no empty ancestors', () => {
    expect(project(warrant, ['/subject/address/line', '/bail/value'])).toEqual({ bail: { value: '500.00' } });
    expect(project(warrant, ['/nope'])).toEqual({});
    expect(project(warrant, ['/warrantNumber/length'])).toEqual({});
    expect(project(warrant, ['/offences/0'])).toEqual({});
    expect(project(warrant, [])).toEqual({});
    expect(project(warrant, ['not-a-pointer'])).toEqual({});
  });

  it('never follows the prototype chain nor sets a prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const p = project(hostile, ['/__proto__']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(Object.keys(p)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(project({}, ['/constructor', '/toString'])).toEqual({});
  });
});

// ---- property: project() never leaks a field not listed ----

const key = fc.constantFrom('a', 'b', 'c', 'id', 'name', '0', '1', '__proto__', 'x/y', 'm~n');
const json = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4 }),
  ),
})).v;
const pointer = fc.array(fc.oneof(key, fc.constant('*')), { minLength: 1, maxLength: 4 }).map(formatPointer);

/** Every leaf of `v` (and every empty container), as a list of segments. */
function leaves(v: unknown, at: string[] = []): Array<{ path: string[]; value: unknown }> {
  if (Array.isArray(v)) return v.length === 0 ? [{ path: at, value: v }] : v.flatMap((x, i) => leaves(x, [...at, String(i)]));
  if (typeof v === 'object' && v !== null) {
    const ks = Object.keys(v);
    return ks.length === 0 ? [{ path: at, value: v }] : ks.flatMap((k) => leaves((v as Record<string, unknown>)[k], [...at, k]));
  }
  return [{ path: at, value: v }];
}

/** Does a listed pointer cover this output path (pointer is a prefix; * matches any index)? */
function covered(path: string[], fields: string[], isIndex: (depth: number) => boolean): boolean {
  return fields.some((f) => {
    const segs = parsePointer(f);
    if (segs.length > path.length) return false;
    return segs.every((s, i) => (s === '*' ? isIndex(i) : s === path[i]));
  });
}

/** The values reachable in the input by the same path shape (indices may shift when elements drop). */
function inputValues(v: unknown, path: string[], outerShape: boolean[]): unknown[] {
  let frontier = [v];
  path.forEach((seg, i) => {
    const next: unknown[] = [];
    for (const f of frontier) {
      if (outerShape[i] && Array.isArray(f)) next.push(...f);
      else if (typeof f === 'object' && f !== null && !Array.isArray(f) && Object.hasOwn(f, seg)) next.push((f as Record<string, unknown>)[seg]);
    }
    frontier = next;
  });
  return frontier;
}

describe('project (property)', () => {
  it('every value in the output sits under a listed pointer and comes from the same place in the input', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 5 }), fc.array(pointer, { maxLength: 4 }), (data, fields) => {
        const out = project(data, fields);
        for (const leaf of leaves(out)) {
          if (leaf.path.length === 0) continue; // the empty root
          // which depths of the output are arrays (so * may stand there)
          const shape: boolean[] = [];
          let cur: unknown = out;
          for (const seg of leaf.path) {
            shape.push(Array.isArray(cur));
            cur = Array.isArray(cur) ? cur[Number(seg)] : (cur as Record<string, unknown>)[seg];
          }
          expect(covered(leaf.path, fields, (d) => shape[d])).toBe(true);
          const from = inputValues(data, leaf.path, shape);
          expect(from.some((x) => JSON.stringify(x) === JSON.stringify(leaf.value))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('with no field listed, nothing is kept; with *, everything is', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 5 }), (data) => {
        expect(project(data, [])).toEqual({});
        expect(JSON.stringify(project(data, ['*']))).toBe(JSON.stringify(data));
      }),
    );
  });
});

describe('projectEnvelope', () => {
  const envelope = {
    specversion: '1.0',
    id: 'm1',
    source: 'ps.court',
    type: 'warrant.issued',
    dataschema: 'https://x/1.0',
    time: 't',
    datacontenttype: 'application/json',
    classification: 'restricted',
    subject: 'warrant against Ahmad Khalil',
    casereference: '1234/2026',
    correlationid: 'c',
    causationid: 'm0',
    sourceeventid: 'e1',
    data: { n: 1 },
  };

  it('keeps the structural attributes and only the listed ones of those carrying sender-written data', () => {
    expect(projectEnvelope(envelope, [])).toEqual({
      specversion: '1.0',
      id: 'm1',
      source: 'ps.court',
      type: 'warrant.issued',
      dataschema: 'https://x/1.0',
      time: 't',
      datacontenttype: 'application/json',
      classification: 'restricted',
      data: { n: 1 },
    });
    expect(projectEnvelope(envelope, ['casereference'])).toMatchObject({ casereference: '1234/2026' });
    expect(projectEnvelope(envelope, ['casereference'])).not.toHaveProperty('subject');
    expect(projectEnvelope(envelope, ['subject', 'casereference', 'correlationid', 'causationid', 'sourceeventid'])).toEqual(envelope);
  });

  it('withholds an attribute it does not know, whatever is listed', () => {
    expect(projectEnvelope({ ...envelope, partyname: 'x' } as Record<string, unknown>, ['partyname', 'subject'])).not.toHaveProperty('partyname');
  });
});

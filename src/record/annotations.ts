/**
 * The schema annotations the record reads: what makes a message juvenile or gbv, and which fields
 * name the institution that must have signed it. They sit at the root of a catalogue schema, next to
 * `x-wasla-classification`, and assert nothing about a payload (ajv must know them as annotations):
 *
 *   "x-wasla-juvenile-when": [{ "dateOfBirth": "/subject/dateOfBirth", "at": ["/issuedOn"] },
 *                             { "dateOfBirth": "/parties/*\/dateOfBirth",
 *                               "where": { "pointer": "/parties/*\/role", "in": ["accused", "juvenile"] },
 *                               "at": ["/charges/*\/committedOn", "/referredOn"] }]
 *   "x-wasla-gbv-when":      [{ "pointer": "/offences/*\/code", "in": ["PC60-292", ...] }]
 *   "x-wasla-issuer":        [{ "pointer": "/issuingCourt/id" }, { "pointer": "/by/unit", "units": true }]
 *
 * Why at the root, with pointers, and not `"x-wasla-issuer": true` on the field itself: a field is
 * often a `$ref` to a shared definition (`#/$defs/court` is the issuing court and, elsewhere in the
 * same schema, another court), the catalogue allows nothing beside a `$ref`, and a rule that spans
 * fields (a date of birth, the role of the same party, the date of the events) needs several
 * pointers anyway. One place per schema also makes the rules easy to review.
 *
 * Published schemas are hash-locked; these keywords are annotations the lock must ignore (like
 * `x-wasla-index`), so that a federation can add or correct them on a published version. Every
 * catalogue file is `JSON.stringify(doc, null, 2)` plus a newline, so removing the keywords and
 * serialising again gives back the bytes the lock hashed (tests/unit/record/annotations.test.ts).
 *
 * `inspectDeclarations` checks a schema's declarations against the schema itself: each pointer must
 * reach a field of the right kind through `properties`, `items` and local `$ref`s.
 */
import { escapePointerToken, isPlainObject, parsePointer, type JsonObject } from '../json/index.js';
import { DeclarationError } from './errors.js';
import { GBV_WHEN_KEYWORD, ISSUER_KEYWORD, JUVENILE_WHEN_KEYWORD } from '../schemas/annotations.js';

export const JUVENILE_WHEN = JUVENILE_WHEN_KEYWORD;
export const GBV_WHEN = GBV_WHEN_KEYWORD;
export const ISSUER = ISSUER_KEYWORD;
/** the keywords src/record adds to catalogue schemas: root-only annotations, outside the lock */
export const RECORD_ANNOTATION_KEYWORDS = [JUVENILE_WHEN, GBV_WHEN, ISSUER] as const;
const CLASSIFICATION_KEYWORD = 'x-wasla-classification';

export type TypeClass = 'juvenile' | 'gbv' | 'restricted';

export interface JuvenileRule {
  /** where a person's date of birth is; may hold `*` (every party) */
  dateOfBirth: string;
  /** only persons whose value here (same array elements as dateOfBirth) is one of `in` */
  where?: { pointer: string; in: string[] };
  /** dates or date-times of the events; the earliest one present is used */
  at: string[];
}

export interface GbvRule {
  pointer: string;
  /** codes that make a message gbv; a listed code also covers its sub-divisions (`PC60-292` covers `PC60-292.1`) */
  in: string[];
}

export interface IssuerField {
  /** a field naming an institution that must be the signer (or one it may act for) */
  pointer: string;
  /** the field may also name a unit of that institution (its id followed by more segments) */
  units?: boolean;
}

export interface ClassificationDeclaration {
  /** x-wasla-classification: every message of the type is at least this */
  type?: TypeClass;
  juvenileWhen: JuvenileRule[];
  gbvWhen: GbvRule[];
}

export interface RecordDeclarations extends ClassificationDeclaration {
  issuer: IssuerField[];
}

export interface DeclarationFault {
  /** a JSON pointer into the schema document */
  pointer: string;
  detail: string;
}

const MAX_RULES = 20;
const MAX_CODES = 500;
const POINTER_RE = /^(\/([^~/]|~[01])*)+$/;

/** The schema with the record's annotations removed: what the catalogue lock hashes. */
export function withoutRecordAnnotations(doc: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(doc)) if (!(RECORD_ANNOTATION_KEYWORDS as readonly string[]).includes(k)) out[k] = v;
  return out;
}

// ------------------------------------------------------------------------------------------------
// The schema side: where a pointer leads
// ------------------------------------------------------------------------------------------------

type LeafKind = 'date' | 'date-or-date-time' | 'string';

function deref(doc: JsonObject, node: unknown): JsonObject | undefined {
  let cur = node;
  for (let i = 0; i < 32 && isPlainObject(cur) && typeof cur.$ref === 'string'; i++) {
    const m = /^#\/\$defs\/([^/~]+)$/.exec(cur.$ref);
    cur = m && isPlainObject(doc.$defs) ? doc.$defs[m[1]] : undefined;
  }
  return isPlainObject(cur) ? cur : undefined;
}

/** The subschema a data pointer leads to (`*` through an array's items), or a reason it leads nowhere. */
function schemaAt(doc: JsonObject, pointer: string): { node: JsonObject } | { error: string } {
  let node = deref(doc, doc);
  for (const seg of parsePointer(pointer)) {
    if (!node) return { error: 'leads outside the schema' };
    if (seg === '*') {
      if (node.type !== 'array') return { error: `"*" stands for array elements, but the schema has no array there` };
      node = deref(doc, node.items);
    } else {
      const props = node.type === 'object' && isPlainObject(node.properties) ? node.properties : undefined;
      if (!props || !Object.hasOwn(props, seg)) return { error: `no property "${seg}" in the schema there` };
      node = deref(doc, props[seg]);
    }
  }
  return node ? { node } : { error: 'leads outside the schema' };
}

function leafFault(doc: JsonObject, pointer: string, kind: LeafKind): string | undefined {
  const r = schemaAt(doc, pointer);
  if ('error' in r) return `${pointer} ${r.error}`;
  const n = r.node;
  if (n.type !== 'string') return `${pointer} must be a string field`;
  if (kind === 'date' && n.format !== 'date') return `${pointer} must be a "date" field`;
  if (kind === 'date-or-date-time' && n.format !== 'date' && n.format !== 'date-time') return `${pointer} must be a "date" or "date-time" field`;
  return undefined;
}

function wildcards(pointer: string): number {
  return parsePointer(pointer).filter((s) => s === '*').length;
}

/** the pointer up to and including its last `*` */
function wildcardPrefix(pointer: string): string {
  const segs = parsePointer(pointer);
  const last = segs.lastIndexOf('*');
  return segs.slice(0, last + 1).join('/');
}

// ------------------------------------------------------------------------------------------------
// Reading and checking the annotations
// ------------------------------------------------------------------------------------------------

class Collector {
  readonly faults: DeclarationFault[] = [];
  add(pointer: string, detail: string): void {
    this.faults.push({ pointer, detail });
  }
}

function keysOnly(c: Collector, ptr: string, obj: JsonObject, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) c.add(`${ptr}/${escapePointerToken(k)}`, `unknown member "${k}" (allowed: ${allowed.join(', ')})`);
}

function pointerOk(c: Collector, ptr: string, v: unknown): v is string {
  if (typeof v !== 'string' || !POINTER_RE.test(v)) {
    c.add(ptr, 'must be a JSON pointer into the payload ("/a/b", "*" for every array element)');
    return false;
  }
  return true;
}

function codesOk(c: Collector, ptr: string, v: unknown): v is string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_CODES || !v.every((x) => typeof x === 'string' && x !== '' && x.length <= 200)) {
    c.add(ptr, `must be a list of 1-${MAX_CODES} non-empty strings`);
    return false;
  }
  if (new Set(v).size !== v.length) {
    c.add(ptr, 'lists a value twice');
    return false;
  }
  return true;
}

function rulesOf(c: Collector, doc: JsonObject, keyword: string): JsonObject[] {
  if (!(keyword in doc)) return [];
  const v = doc[keyword];
  const ptr = `/${keyword}`;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_RULES) {
    c.add(ptr, `must be a list of 1-${MAX_RULES} rules`);
    return [];
  }
  const out: JsonObject[] = [];
  v.forEach((r, i) => {
    if (isPlainObject(r)) out.push(r);
    else c.add(`${ptr}/${i}`, 'a rule must be an object');
  });
  return out.length === v.length ? out : [];
}

function juvenileRules(c: Collector, doc: JsonObject): JuvenileRule[] {
  const out: JuvenileRule[] = [];
  rulesOf(c, doc, JUVENILE_WHEN).forEach((r, i) => {
    const ptr = `/${JUVENILE_WHEN}/${i}`;
    const before = c.faults.length;
    keysOnly(c, ptr, r, ['dateOfBirth', 'where', 'at']);
    if (pointerOk(c, `${ptr}/dateOfBirth`, r.dateOfBirth)) {
      const f = leafFault(doc, r.dateOfBirth, 'date');
      if (f) c.add(`${ptr}/dateOfBirth`, f);
    }
    if (!Array.isArray(r.at) || r.at.length === 0 || r.at.length > 10) c.add(`${ptr}/at`, 'must be a list of 1-10 pointers to the dates of the events');
    else {
      r.at.forEach((p, j) => {
        if (pointerOk(c, `${ptr}/at/${j}`, p)) {
          const f = leafFault(doc, p, 'date-or-date-time');
          if (f) c.add(`${ptr}/at/${j}`, f);
        }
      });
    }
    let where: JuvenileRule['where'];
    if (r.where !== undefined) {
      if (!isPlainObject(r.where)) c.add(`${ptr}/where`, 'must be an object {"pointer", "in"}');
      else {
        keysOnly(c, `${ptr}/where`, r.where, ['pointer', 'in']);
        const wp = r.where.pointer;
        if (pointerOk(c, `${ptr}/where/pointer`, wp)) {
          const f = leafFault(doc, wp, 'string');
          if (f) c.add(`${ptr}/where/pointer`, f);
          else if (typeof r.dateOfBirth === 'string' && (wildcards(wp) !== wildcards(r.dateOfBirth) || wildcards(wp) === 0 || wildcardPrefix(wp) !== wildcardPrefix(r.dateOfBirth))) {
            c.add(`${ptr}/where/pointer`, 'must read the same array elements as dateOfBirth (the same pointer up to its last "*")');
          }
        }
        if (codesOk(c, `${ptr}/where/in`, r.where.in)) where = { pointer: wp as string, in: [...r.where.in] };
      }
    }
    if (c.faults.length === before) out.push({ dateOfBirth: r.dateOfBirth as string, at: [...(r.at as string[])], ...(where ? { where } : {}) });
  });
  return out;
}

function gbvRules(c: Collector, doc: JsonObject): GbvRule[] {
  const out: GbvRule[] = [];
  rulesOf(c, doc, GBV_WHEN).forEach((r, i) => {
    const ptr = `/${GBV_WHEN}/${i}`;
    const before = c.faults.length;
    keysOnly(c, ptr, r, ['pointer', 'in']);
    if (pointerOk(c, `${ptr}/pointer`, r.pointer)) {
      const f = leafFault(doc, r.pointer, 'string');
      if (f) c.add(`${ptr}/pointer`, f);
    }
    codesOk(c, `${ptr}/in`, r.in);
    if (c.faults.length === before) out.push({ pointer: r.pointer as string, in: [...(r.in as string[])] });
  });
  return out;
}

function issuerFields(c: Collector, doc: JsonObject): IssuerField[] {
  const out: IssuerField[] = [];
  rulesOf(c, doc, ISSUER).forEach((r, i) => {
    const ptr = `/${ISSUER}/${i}`;
    const before = c.faults.length;
    keysOnly(c, ptr, r, ['pointer', 'units']);
    if (pointerOk(c, `${ptr}/pointer`, r.pointer)) {
      const f = leafFault(doc, r.pointer, 'string');
      if (f) c.add(`${ptr}/pointer`, f);
    }
    if (r.units !== undefined && typeof r.units !== 'boolean') c.add(`${ptr}/units`, 'must be true or false');
    if (c.faults.length === before) out.push({ pointer: r.pointer as string, ...(r.units === true ? { units: true } : {}) });
  });
  return out;
}

/** The declarations of a catalogue schema, and every fault in them (pointers into the schema). */
export function inspectDeclarations(doc: JsonObject): { declarations: RecordDeclarations; faults: DeclarationFault[] } {
  const c = new Collector();
  const cls = doc[CLASSIFICATION_KEYWORD];
  const type = cls === 'juvenile' || cls === 'gbv' || cls === 'restricted' ? cls : undefined;
  const declarations: RecordDeclarations = {
    ...(type ? { type } : {}),
    juvenileWhen: juvenileRules(c, doc),
    gbvWhen: gbvRules(c, doc),
    issuer: issuerFields(c, doc),
  };
  return { declarations, faults: c.faults };
}

/** The declarations of a schema; throws DeclarationError (the first fault) when one is unusable. */
export function readDeclarations(doc: JsonObject): RecordDeclarations {
  const { declarations, faults } = inspectDeclarations(doc);
  if (faults.length > 0) throw new DeclarationError(faults[0].pointer, faults[0].detail);
  return declarations;
}

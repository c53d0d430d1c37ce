/**
 * The mapping engine: a mapping (contracts/mappings/<type>/<major>.json, checked by
 * mapping-check.ts) says, as data, how one message type and major is written as XML — root
 * element, namespaces and prefixes, element order, which JSON pointer or envelope attribute each
 * element carries, repeated elements, optional elements, attributes, value formats. This module
 * applies it both ways.
 *
 * Guarantees:
 * - toXml writes elements in the mapping's order, declares exactly the mapping's namespaces on the
 *   root, and checks the tree against the structure the mapping declares (structureOf) before any
 *   byte is produced; a value that cannot be written (a missing required value, a wrong JSON type,
 *   a malformed date, a float where a decimal string is due) is refused with its JSON pointer;
 * - fromXml first checks the tree against the same structure (refusing with the XPath of the
 *   fault), then builds the canonical message; for a mapping the checker accepted and a document
 *   valid against the catalogue schema, fromXml(readXml(toXml(m, x))) deep-equals x;
 * - amounts are `decimal` strings, never numbers; `number` values are written in plain decimal
 *   notation (no exponent) that reads back to the same IEEE double, -0 included.
 */
import { FormatError } from '../errors.js';
import { checkStructure, formatMatches, matches, type DeclaredAttribute, type DeclaredElement, type TextFormat } from './structure.js';
import { XML_NAMESPACE, attribute as xmlAttribute, element as xmlElement, type XmlAttribute, type XmlElement } from './tree.js';
import { writeXml } from './writer.js';

/** CloudEvents attributes of the envelope that a mapping may carry (lower-case, as CloudEvents names them). */
export const ENVELOPE_FIELDS = ['id', 'type', 'source', 'time', 'subject', 'casereference', 'correlationid', 'causationid'] as const;
export type EnvelopeField = (typeof ENVELOPE_FIELDS)[number];

export interface CanonicalMessage {
  envelope: Partial<Record<EnvelopeField, string>>;
  data: unknown;
}

export interface MappingAttribute {
  /** `name` or `prefix:name` (`xml:lang` needs no declaration) */
  attribute: string;
  /** a fixed value: written always, and it tells same-named sibling elements apart when reading */
  value?: string;
  /** or the JSON pointer (relative to the element's context) of the value it carries */
  pointer?: string;
  format?: TextFormat;
  optional?: boolean;
}

export interface MappingNode {
  /** `prefix:Local` */
  element: string;
  /** may be absent (a group: omitted when it would carry nothing) */
  optional?: boolean;
  attributes?: MappingAttribute[];
  /** group: child nodes, in document order */
  children?: MappingNode[];
  /** group: moves the context to this object; value: the value carried (relative to the context) */
  pointer?: string;
  /** repeats the element once per item of the array at this pointer (the item becomes the context) */
  each?: string;
  /** value: an envelope attribute instead of a pointer */
  envelope?: EnvelopeField;
  /** value: its format (default string) and an optional pattern on the XML text */
  format?: TextFormat;
  pattern?: string;
}

export interface Mapping {
  type: string;
  major: number;
  description?: string;
  /** prefix -> namespace URI, all declared on the root element */
  namespaces: Record<string, string>;
  root: MappingNode;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// names and pointers

export function qname(m: Mapping, name: string, where: string): { prefix: string; local: string; uri: string } {
  const i = name.indexOf(':');
  const prefix = i < 0 ? '' : name.slice(0, i);
  const local = i < 0 ? name : name.slice(i + 1);
  const uri = prefix === 'xml' ? XML_NAMESPACE : prefix === '' ? '' : m.namespaces[prefix];
  if (uri === undefined) throw new FormatError('mapping-invalid', `prefix ${prefix} of ${name} is not declared in the mapping's namespaces`, { path: where });
  return { prefix, local, uri };
}

/** RFC 6901 tokens of a pointer; '' is the context itself. */
export function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new FormatError('mapping-invalid', `${JSON.stringify(pointer)} is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(ctx: unknown, pointer: string): unknown {
  let cur = ctx;
  for (const t of tokens(pointer)) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, t)) return undefined;
    cur = (cur as Obj)[t];
  }
  return cur;
}

function set(ctx: Obj, pointer: string, value: unknown): void {
  const ts = tokens(pointer);
  let cur = ctx;
  for (const t of ts.slice(0, -1)) {
    if (!Object.hasOwn(cur, t)) cur[t] = {};
    cur = cur[t] as Obj;
  }
  cur[ts[ts.length - 1]] = value;
}

const join = (base: string, p: string) => base + p;

// ---------------------------------------------------------------------------------------------
// values

/** A double in plain decimal notation that Number() reads back to the same value. */
export function plainNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mant, expStr] = s.toLowerCase().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '');
  const point = mant.replace(/^-/, '').indexOf('.');
  const intLen = (point < 0 ? mant.replace(/^-/, '').length : point) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return (neg ? '-' : '') + out;
}

function emitValue(v: unknown, format: TextFormat, pointer: string): string {
  const bad = (why: string): never => {
    throw new FormatError('mapping-value-invalid', why, { pointer });
  };
  let s: string;
  switch (format) {
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) bad('expected a finite number');
      s = plainNumber(v as number);
      break;
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad('expected an integer');
      s = String(v);
      break;
    case 'boolean':
      if (typeof v !== 'boolean') bad('expected true or false');
      s = String(v);
      break;
    default:
      // strings, dates, date-times and decimals (money) are strings in the canonical JSON: a
      // number where a decimal is due is refused, never converted
      if (typeof v !== 'string') bad(`expected a string (${format})`);
      s = v as string;
  }
  if (!formatMatches(format, s)) bad(`${JSON.stringify(s.slice(0, 60))} is not a ${format}`);
  return s;
}

function parseValue(text: string, format: TextFormat, path: string): Json {
  switch (format) {
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new FormatError('mapping-value-invalid', `${JSON.stringify(text)} is not a number`, { path });
      return n;
    }
    case 'integer': {
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw new FormatError('mapping-value-invalid', `${JSON.stringify(text)} is not an integer`, { path });
      return n;
    }
    case 'boolean':
      return text === 'true' || text === '1';
    default:
      return text;
  }
}

// ---------------------------------------------------------------------------------------------
// structure

/** The declared structure a mapping implies: what toXml writes and fromXml accepts. */
export function structureOf(m: Mapping): DeclaredElement {
  const toDecl = (n: MappingNode, where: string): DeclaredElement => {
    const q = qname(m, n.element, where);
    const d: DeclaredElement = { ns: q.uri, name: q.local };
    if (n.each !== undefined) {
      d.min = 0;
      d.max = 'unbounded';
    } else if (n.optional) d.min = 0;
    if (n.attributes?.length) {
      d.attributes = n.attributes.map((a): DeclaredAttribute => {
        const aq = qname(m, a.attribute, where);
        const out: DeclaredAttribute = { ns: aq.prefix === '' ? '' : aq.uri, name: aq.local };
        if (a.value !== undefined) out.fixed = a.value;
        else {
          out.required = !a.optional;
          out.format = a.format ?? 'string';
        }
        return out;
      });
    }
    if (n.children) d.children = n.children.map((c) => toDecl(c, `${where}/${c.element}`));
    else d.text = { format: n.format ?? 'string', ...(n.pattern ? { pattern: n.pattern } : {}) };
    return d;
  };
  return toDecl(m.root, `/${m.root.element}`);
}

// ---------------------------------------------------------------------------------------------
// canonical -> XML

export function toXml(m: Mapping, canonical: CanonicalMessage, options: { indent?: number } = {}): Buffer {
  const root = buildTree(m, canonical);
  // the declared-structure check on what is about to be sent (issue 22, item 2)
  checkStructure(root, structureOf(m));
  return writeXml(root, { indent: options.indent ?? 2 });
}

export function buildTree(m: Mapping, canonical: CanonicalMessage): XmlElement {
  const els = emit(m, m.root, canonical.data, '', canonical);
  const root = els[0];
  if (!root) throw new FormatError('mapping-value-invalid', 'the message carries nothing the mapping writes', { pointer: '' });
  return { ...root, namespaces: { ...m.namespaces } };
}

function emit(m: Mapping, n: MappingNode, ctx: unknown, at: string, canonical: CanonicalMessage): XmlElement[] {
  const q = qname(m, n.element, n.element);
  if (n.each !== undefined) {
    const arr = get(ctx, n.each);
    const p = join(at, n.each);
    if (arr === undefined) {
      if (n.optional) return [];
      throw new FormatError('mapping-value-invalid', 'a required array is missing', { pointer: p });
    }
    if (!Array.isArray(arr)) throw new FormatError('mapping-value-invalid', 'expected an array', { pointer: p });
    return arr.map((item, i) => one(m, n, q, item, `${p}/${i}`, canonical, true)).filter((e): e is XmlElement => e !== undefined);
  }
  const e = one(m, n, q, ctx, at, canonical, false);
  return e ? [e] : [];
}

function one(m: Mapping, n: MappingNode, q: { prefix: string; local: string; uri: string }, ctx: unknown, at: string, canonical: CanonicalMessage, isItem: boolean): XmlElement | undefined {
  if (n.children) {
    let inner = ctx;
    let innerAt = at;
    if (n.pointer !== undefined) {
      inner = get(ctx, n.pointer);
      innerAt = join(at, n.pointer);
      if (inner === undefined) {
        if (n.optional) return undefined;
        throw new FormatError('mapping-value-invalid', 'a required object is missing', { pointer: innerAt });
      }
    }
    const children = n.children.flatMap((c) => emit(m, c, inner, innerAt, canonical));
    const attributes = emitAttributes(m, n, inner, innerAt);
    // a wrapper with no context of its own is left out when it would carry nothing
    if (n.optional && n.pointer === undefined && !isItem && children.length === 0 && attributes.every((a) => n.attributes?.find((x) => x.attribute === a.name)?.value !== undefined)) return undefined;
    return xmlElement(q, { children, attributes });
  }
  let value: unknown;
  let p: string;
  if (n.envelope !== undefined) {
    value = canonical.envelope[n.envelope];
    p = `envelope:${n.envelope}`;
  } else {
    p = isItem ? at : join(at, n.pointer ?? '');
    value = isItem ? ctx : get(ctx, n.pointer ?? '');
  }
  if (value === undefined) {
    if (n.optional) return undefined;
    throw new FormatError('mapping-value-invalid', 'a required value is missing', { pointer: p });
  }
  const text = emitValue(value, n.format ?? 'string', p);
  return xmlElement(q, { text, attributes: emitAttributes(m, n, ctx, at) });
}

function emitAttributes(m: Mapping, n: MappingNode, ctx: unknown, at: string): XmlAttribute[] {
  const out: XmlAttribute[] = [];
  for (const a of n.attributes ?? []) {
    const q = qname(m, a.attribute, n.element);
    const aq = { prefix: q.prefix, local: q.local, uri: q.prefix === '' ? '' : q.uri };
    if (a.value !== undefined) {
      out.push(xmlAttribute(aq, a.value));
      continue;
    }
    const p = join(at, a.pointer ?? '');
    const v = get(ctx, a.pointer ?? '');
    if (v === undefined) {
      if (a.optional) continue;
      throw new FormatError('mapping-value-invalid', 'a required attribute value is missing', { pointer: p });
    }
    out.push(xmlAttribute(aq, emitValue(v, a.format ?? 'string', p)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// XML -> canonical

export function fromXml(m: Mapping, root: XmlElement): CanonicalMessage {
  const decl = structureOf(m);
  checkStructure(root, decl);
  const canonical: CanonicalMessage = { envelope: {}, data: {} };
  read(m, [m.root], [decl], [root], canonical.data as Obj, canonical, '');
  return canonical;
}

/** Walks a sequence of mapping nodes over the child elements they matched (structure already checked). */
function read(m: Mapping, nodes: MappingNode[], decls: DeclaredElement[], els: readonly XmlElement[], ctx: Obj, canonical: CanonicalMessage, path: string): void {
  let i = 0;
  nodes.forEach((n, k) => {
    const d = decls[k];
    const run: XmlElement[] = [];
    const max = d.max === 'unbounded' ? Infinity : (d.max ?? 1);
    while (i < els.length && run.length < max && matches(els[i], d)) run.push(els[i++]);
    if (n.each !== undefined) {
      if (run.length === 0 && n.optional) return;
      const items = run.map((el, j) => item(m, n, d, el, canonical, `${path}/${el.name}[${j + 1}]`));
      set(ctx, n.each, items);
      return;
    }
    const el = run[0];
    if (!el) return;
    const at = `${path}/${el.name}[1]`;
    if (n.children) {
      let inner = ctx;
      if (n.pointer !== undefined && n.pointer !== '') {
        const existing = get(ctx, n.pointer);
        if (existing === undefined) set(ctx, n.pointer, {});
        inner = get(ctx, n.pointer) as Obj;
      }
      readAttributes(m, n, el, inner, at);
      read(m, n.children, d.children ?? [], el.children, inner, canonical, at);
      return;
    }
    readAttributes(m, n, el, ctx, at);
    const v = parseValue(el.text, n.format ?? 'string', at);
    if (n.envelope !== undefined) canonical.envelope[n.envelope] = String(v);
    else set(ctx, n.pointer ?? '', v);
  });
}

function item(m: Mapping, n: MappingNode, d: DeclaredElement, el: XmlElement, canonical: CanonicalMessage, at: string): Json {
  if (!n.children) return parseValue(el.text, n.format ?? 'string', at);
  const obj: Obj = {};
  readAttributes(m, n, el, obj, at);
  read(m, n.children, d.children ?? [], el.children, obj, canonical, at);
  return obj as Json;
}

function readAttributes(m: Mapping, n: MappingNode, el: XmlElement, ctx: Obj, at: string): void {
  for (const a of n.attributes ?? []) {
    if (a.value !== undefined || a.pointer === undefined) continue;
    const q = qname(m, a.attribute, n.element);
    const found = el.attributes.find((x) => x.local === q.local && x.uri === (q.prefix === '' ? '' : q.uri));
    if (found) set(ctx, a.pointer, parseValue(found.value, a.format ?? 'string', `${at}/@${a.attribute}`));
  }
}

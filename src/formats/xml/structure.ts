/**
 * Declared structure: what a document of one kind may contain — element names and namespaces,
 * their order, how often each occurs, which attributes they carry, and the shape of leaf values —
 * and a checker that a tree conforms to it. It is the subset of XML Schema that data-oriented
 * documents (NIEM exchanges, ISO 20022 messages) need: sequences of elements with occurrence
 * bounds, simple-typed leaves, and attributes.
 *
 * Guarantee: checkStructure returns only if every element of the tree is declared where it stands,
 * in declared order and number, with its declared attributes and no others, a leaf's text matches
 * its format and pattern, and an element with children has no text but whitespace. Otherwise it
 * throws FormatError `xml-structure-mismatch` with the XPath of the first fault.
 * The writer calls it on what it is about to send; readers call it on what they received, so a
 * bad document is refused with the place of its fault before any value is taken from it.
 */
import { FormatError } from '../errors.js';
import type { XmlElement } from './tree.js';

export type TextFormat = 'string' | 'date' | 'dateTime' | 'decimal' | 'integer' | 'number' | 'boolean';

export interface DeclaredAttribute {
  /** namespace URI; '' (the default) for an unprefixed attribute */
  ns?: string;
  name: string;
  required?: boolean;
  /** a value that identifies the element among same-named siblings (e.g. xml:lang="ar") */
  fixed?: string;
  format?: TextFormat;
  pattern?: string;
}

export interface DeclaredElement {
  ns: string;
  name: string;
  /** default 1 */
  min?: number;
  /** default 1; 'unbounded' for any number */
  max?: number | 'unbounded';
  attributes?: DeclaredAttribute[];
  /** a leaf: its text's format and pattern (absent: an element with children, or empty) */
  text?: { format?: TextFormat; pattern?: string; minLength?: number; maxLength?: number };
  /** the child elements, as a sequence in this order */
  children?: DeclaredElement[];
}

const FORMATS: Record<TextFormat, RegExp> = {
  string: /^[\s\S]*$/u,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  dateTime: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$/,
  decimal: /^[+-]?(\d+(\.\d*)?|\.\d+)$/,
  integer: /^[+-]?\d+$/,
  number: /^-?(0|[1-9]\d*)(\.\d+)?$/,
  boolean: /^(true|false|1|0)$/,
};

export function formatMatches(format: TextFormat, value: string): boolean {
  return FORMATS[format].test(value);
}

export function checkStructure(root: XmlElement, declared: DeclaredElement): void {
  if (!matches(root, declared)) {
    throw new FormatError('xml-structure-mismatch', `root element is {${root.uri}}${root.local}, expected {${declared.ns}}${declared.name}`, { path: `/${root.name}` });
  }
  checkElement(root, declared, `/${root.name}[1]`);
}

/** An element matches a declaration by namespace, local name and fixed attribute values. */
export function matches(el: XmlElement, d: DeclaredElement): boolean {
  if (el.local !== d.name || el.uri !== d.ns) return false;
  for (const a of d.attributes ?? []) {
    if (a.fixed === undefined) continue;
    const v = el.attributes.find((x) => x.local === a.name && x.uri === (a.ns ?? ''));
    if (v?.value !== a.fixed) return false;
  }
  return true;
}

function fail(path: string, detail: string): never {
  throw new FormatError('xml-structure-mismatch', detail, { path });
}

function checkElement(el: XmlElement, d: DeclaredElement, path: string): void {
  checkAttributes(el, d, path);
  const kids = d.children ?? [];
  if (d.text) {
    if (el.children.length > 0) fail(`${path}/${el.children[0].name}`, `${el.name} carries a value and may not contain elements`);
    const t = d.text;
    const v = el.text;
    if (t.format && !formatMatches(t.format, v)) fail(path, `${JSON.stringify(clip(v))} is not a ${t.format}`);
    if (t.pattern && !new RegExp(`^(?:${t.pattern})$`, 'u').test(v)) fail(path, `${JSON.stringify(clip(v))} does not match ${t.pattern}`);
    const len = [...v].length;
    if (t.minLength !== undefined && len < t.minLength) fail(path, `value is shorter than ${t.minLength}`);
    if (t.maxLength !== undefined && len > t.maxLength) fail(path, `value is longer than ${t.maxLength}`);
    return;
  }
  if (el.text.trim() !== '') fail(path, `${el.name} may contain only elements, not text`);
  // a sequence: each declared child in turn takes the run of matching elements that follows
  let i = 0;
  for (const k of kids) {
    const min = k.min ?? 1;
    const max = k.max === 'unbounded' ? Infinity : (k.max ?? 1);
    let n = 0;
    while (i < el.children.length && n < max && matches(el.children[i], k)) {
      const child = el.children[i];
      checkElement(child, k, `${path}/${child.name}[${++n}]`);
      i++;
    }
    if (n < min) {
      const at = i < el.children.length ? `${path}/${el.children[i].name}` : path;
      fail(at, `expected ${min === 1 ? 'an' : `at least ${min}`} element {${k.ns}}${k.name}${fixedOf(k)} here${i < el.children.length ? `, found ${el.children[i].name}` : ''}`);
    }
  }
  if (i < el.children.length) {
    const extra = el.children[i];
    fail(`${path}/${extra.name}`, `element ${extra.name} is not expected here (undeclared, out of order, or repeated too often)`);
  }
}

function checkAttributes(el: XmlElement, d: DeclaredElement, path: string): void {
  const declared = d.attributes ?? [];
  for (const a of el.attributes) {
    const decl = declared.find((x) => x.name === a.local && (x.ns ?? '') === a.uri);
    if (!decl) fail(`${path}/@${a.name}`, `attribute ${a.name} is not declared on ${el.name}`);
    if (decl.format && !formatMatches(decl.format, a.value)) fail(`${path}/@${a.name}`, `${JSON.stringify(clip(a.value))} is not a ${decl.format}`);
    if (decl.pattern && !new RegExp(`^(?:${decl.pattern})$`, 'u').test(a.value)) fail(`${path}/@${a.name}`, `${JSON.stringify(clip(a.value))} does not match ${decl.pattern}`);
  }
  for (const decl of declared) {
    if ((decl.required || decl.fixed !== undefined) && !el.attributes.some((a) => a.local === decl.name && a.uri === (decl.ns ?? ''))) {
      fail(path, `attribute ${decl.name} is required on ${el.name}`);
    }
  }
}

function fixedOf(d: DeclaredElement): string {
  const f = (d.attributes ?? []).filter((a) => a.fixed !== undefined).map((a) => `@${a.name}="${a.fixed}"`);
  return f.length ? `[${f.join(' and ')}]` : '';
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

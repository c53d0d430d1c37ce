/**
 * The XML writer: an element tree (tree.ts) out as UTF-8 bytes, with an XML declaration.
 *
 * Guarantees: what it writes is well-formed XML 1.0 that the reader reads back to the same tree
 * (text and attribute values byte for byte, names, prefixes, namespace declarations, order) — or it
 * throws a FormatError and writes nothing:
 * - every element and attribute name is a valid NCName and prefix (xml-name-invalid);
 * - every prefix used is declared on the element or an ancestor with the URI the node carries, and
 *   an unprefixed element's URI is the default namespace in scope (xml-namespace-undeclared): the
 *   writer never invents a declaration, so the namespaces and prefixes on the wire are exactly the
 *   ones the tree (a mapping) declares;
 * - no character outside XML 1.0's Char production is written (xml-character-forbidden);
 * - text escapes `&`, `<`, `>` and CR (so `]]>` cannot occur and CR survives line-end
 *   normalisation); attribute values also escape `"`, tab, LF and CR (so attribute-value
 *   normalisation cannot change them).
 * Indentation, when asked for, is added only around elements that have element children and no
 * text of their own, so it never changes a value.
 */
import { FormatError } from '../errors.js';
import { XML_NAMESPACE, type XmlAttribute, type XmlElement } from './tree.js';

export interface XmlWriteOptions {
  /** spaces per level; 0 (the default) writes no whitespace between elements */
  indent?: number;
}

// XML 1.0 (fifth edition) NameStartChar / NameChar, without ':' (names here are NCNames).
const NAME_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NCNAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u');
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isNcName(s: string): boolean {
  return NCNAME.test(s);
}

export function writeXml(root: XmlElement, options: XmlWriteOptions = {}): Buffer {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  if (options.indent) out.push('\n');
  writeElement(
    root,
    new Map([
      ['xml', XML_NAMESPACE],
      ['', ''],
    ]),
    out,
    options.indent ?? 0,
    0,
    '',
    1,
  );
  if (options.indent) out.push('\n');
  return Buffer.from(out.join(''), 'utf8');
}

function writeElement(el: XmlElement, inScope: Map<string, string>, out: string[], indent: number, level: number, parentPath: string, index: number): void {
  const path = `${parentPath}/${el.name}[${index}]`;
  checkName(el.prefix, el.local, path);
  const scope = new Map(inScope);
  for (const [prefix, uri] of Object.entries(el.namespaces)) {
    if (prefix !== '') checkName('', prefix, path);
    if (prefix === 'xml' || prefix === 'xmlns') throw new FormatError('xml-name-invalid', `prefix ${prefix} cannot be declared`, { path });
    if (prefix !== '' && uri === '') throw new FormatError('xml-namespace-undeclared', `prefix ${prefix} cannot be bound to no namespace`, { path });
    checkChars(uri, path);
    scope.set(prefix, uri);
  }
  if ((scope.get(el.prefix) ?? undefined) !== el.uri) {
    throw new FormatError(
      'xml-namespace-undeclared',
      `element ${el.name} is in namespace ${JSON.stringify(el.uri)} but its prefix ${JSON.stringify(el.prefix)} is bound to ${JSON.stringify(scope.get(el.prefix) ?? null)}`,
      { path },
    );
  }

  out.push('<', el.name);
  for (const [prefix, uri] of Object.entries(el.namespaces)) out.push(prefix === '' ? ' xmlns="' : ` xmlns:${prefix}="`, escapeAttribute(uri), '"');
  const seen = new Set<string>();
  for (const a of el.attributes) writeAttribute(a, scope, seen, out, path);

  const children = el.children;
  if (children.length === 0 && el.text === '') {
    out.push('/>');
    return;
  }
  out.push('>');
  checkChars(el.text, path);
  const pretty = indent > 0 && children.length > 0 && el.text.trim() === '';
  if (!pretty) out.push(escapeText(el.text));
  const counts = new Map<string, number>();
  for (const child of children) {
    const n = (counts.get(child.name) ?? 0) + 1;
    counts.set(child.name, n);
    if (pretty) out.push('\n', ' '.repeat(indent * (level + 1)));
    writeElement(child, scope, out, pretty ? indent : 0, level + 1, path, n);
  }
  if (pretty) out.push('\n', ' '.repeat(indent * level));
  out.push('</', el.name, '>');
}

function writeAttribute(a: XmlAttribute, scope: Map<string, string>, seen: Set<string>, out: string[], path: string): void {
  const where = `${path}/@${a.name}`;
  checkName(a.prefix, a.local, where);
  if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) {
    throw new FormatError('xml-name-invalid', 'namespace declarations belong in `namespaces`, not in attributes', { path: where });
  }
  // an unprefixed attribute is in no namespace; a prefixed one must be bound to its URI
  if (a.prefix === '' ? a.uri !== '' : scope.get(a.prefix) !== a.uri) {
    throw new FormatError('xml-namespace-undeclared', `attribute ${a.name} is in namespace ${JSON.stringify(a.uri)}, which its prefix does not declare here`, { path: where });
  }
  const key = `{${a.uri}}${a.local}`;
  if (seen.has(key)) throw new FormatError('xml-name-invalid', `attribute ${key} is written twice`, { path: where });
  seen.add(key);
  checkChars(a.value, where);
  out.push(' ', a.name, '="', escapeAttribute(a.value), '"');
}

function checkName(prefix: string, local: string, path: string): void {
  if (!isNcName(local) || (prefix !== '' && !isNcName(prefix))) {
    throw new FormatError('xml-name-invalid', `${JSON.stringify(prefix ? `${prefix}:${local}` : local)} is not a valid XML name`, { path });
  }
}

function checkChars(s: string, path: string): void {
  const m = NOT_XML_CHAR.exec(s);
  if (m) {
    const cp = m[0].codePointAt(0) ?? 0;
    throw new FormatError('xml-character-forbidden', `U+${cp.toString(16).toUpperCase().padStart(4, '0')} cannot be written in XML 1.0`, { path });
  }
}

export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

export function escapeAttribute(s: string): string {
  return s.replace(/[&<>"\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })[c] as string);
}

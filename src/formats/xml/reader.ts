/**
 * The hostile-XML-safe reader: bytes from outside (a sender's body, a bank's statement) in, an
 * ordered, namespace-aware element tree out, or a FormatError naming what was refused.
 *
 * Guarantees, checked in this order so the cheapest refusal comes first:
 * - at most `maxBytes` bytes are looked at (xml-too-large), before any decoding;
 * - the bytes are UTF-8 (a UTF-8 byte order mark is allowed; UTF-16 is refused as
 *   xml-encoding-unsupported, broken UTF-8 as xml-encoding-invalid) and an encoding declaration, if
 *   any, says UTF-8;
 * - every character is an XML 1.0 Char (xml-character-forbidden), literally or as a reference;
 * - no DOCTYPE and no markup declaration at all (xml-doctype-forbidden): so no entity is ever
 *   declared, expanded or fetched, no external DTD or parameter entity is ever read. The only
 *   entity references accepted are the five XML predefines and character references; any other is
 *   xml-entity-forbidden. Nothing is ever resolved outside the bytes given;
 * - no processing instruction but the XML declaration at the very start (and those the caller
 *   names in `allowProcessingInstructions`, which are dropped): xml-processing-instruction-forbidden;
 * - no XInclude element, in either XInclude namespace (xml-xinclude-forbidden): the tree would
 *   otherwise invite someone to resolve it;
 * - at most `maxDepth` nested elements, `maxElements` elements and `maxAttributes` attributes on
 *   one element (xml-too-deep, xml-too-many-elements, xml-too-many-attributes), checked as each
 *   start tag is read, so a refusal stops the parse at once;
 * - well-formed XML 1.0 with Namespaces 1.0 (xml-malformed), including the checks sax omits: a
 *   second root element, a repeated attribute (sax keeps the first silently; other parsers keep the
 *   last, so two readers would disagree about the same bytes), two attributes with the same
 *   expanded name, `<` in an attribute value, an undeclared prefix binding (`xmlns:p=""`), an XML
 *   declaration anywhere but at the start.
 * The parse is one linear pass (sax, iterative: no recursion, so no stack to overflow) over a
 * bounded input; the reader keeps no state between calls.
 *
 * Known leniencies (none lets a document mean two things): sax accepts `&AMP;` and `&#X41;` for
 * `&amp;` and `&#x41;`, and `]]>` in character data; attribute values are not whitespace-normalised
 * (XML 1.0 §3.3.3), which the writer makes moot by escaping tab, CR and LF in attributes.
 */
import sax from 'sax';
import { FormatError, type FormatErrorCode } from '../errors.js';
import { XINCLUDE_NAMESPACES, XML_NAMESPACE, XMLNS_NAMESPACE, type XmlAttribute, type XmlDocument, type XmlElement } from './tree.js';

export interface XmlReadLimits {
  /** bytes; the hub passes its request body limit */
  maxBytes: number;
  /** nesting depth of elements; the root is depth 1 */
  maxDepth: number;
  /** elements in the whole document */
  maxElements: number;
  /** attributes (namespace declarations included) on one element */
  maxAttributes: number;
  /** processing-instruction targets that are tolerated (and dropped); none by default */
  allowProcessingInstructions: readonly string[];
}

export const DEFAULT_XML_LIMITS: Readonly<XmlReadLimits> = Object.freeze({
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 200_000,
  maxAttributes: 64,
  allowProcessingInstructions: [],
});

// XML 1.0 Char production, as one class over code points. Lone surrogates cannot occur once the
// bytes decoded as UTF-8 with `fatal: true`.
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const XML_DECL = /^<\?xml\s+version\s*=\s*(["'])([^"']*)\1(?:\s+encoding\s*=\s*(["'])([^"']*)\3)?(?:\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*\?>/;
const MARKUP_DECLARATION = /^(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b/i;
// One attribute in a raw start tag that sax has already accepted: name = quoted value.
const RAW_ATTRIBUTE = /\s([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

interface Frame {
  name: string;
  prefix: string;
  local: string;
  uri: string;
  namespaces: Record<string, string>;
  attributes: XmlAttribute[];
  children: XmlElement[];
  text: string;
  /** position among same-named siblings, for XPaths in errors */
  index: number;
  childCounts: Map<string, number>;
}

export function readXml(bytes: Uint8Array, limits: Partial<XmlReadLimits> = {}): XmlDocument {
  const lim: XmlReadLimits = { ...DEFAULT_XML_LIMITS, ...limits };
  if (bytes.byteLength > lim.maxBytes) {
    throw new FormatError('xml-too-large', `document of ${bytes.byteLength} bytes is over the limit of ${lim.maxBytes}`);
  }
  const text = normaliseLineEnds(decode(bytes));
  checkCharacters(text);
  checkDeclaration(text);
  checkMarkupDeclarations(text);
  return parse(text, lim);
}

function decode(bytes: Uint8Array): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  // UTF-16 (with a byte order mark, or `<` as two bytes) and UTF-32 are refused, not guessed at.
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe) || (b0 === 0x00 && b1 === 0x3c) || (b0 === 0x3c && b1 === 0x00) || (b0 === 0x00 && b1 === 0x00)) {
    throw new FormatError('xml-encoding-unsupported', 'only UTF-8 documents are accepted');
  }
  try {
    // ignoreBOM false: a leading UTF-8 byte order mark is consumed, not returned
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new FormatError('xml-encoding-invalid', 'the document is not valid UTF-8');
  }
}

// XML 1.0 §2.11: CR LF and lone CR are read as LF before parsing. A CR written as &#13; survives.
function normaliseLineEnds(s: string): string {
  return s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
}

function checkCharacters(s: string): void {
  const m = NOT_XML_CHAR.exec(s);
  if (m) {
    const cp = m[0].codePointAt(0) ?? 0;
    throw new FormatError('xml-character-forbidden', `character U+${cp.toString(16).toUpperCase().padStart(4, '0')} at ${lineCol(s, m.index)} is not allowed in XML 1.0`);
  }
}

function checkDeclaration(s: string): void {
  if (!/^<\?xml[\s?]/.test(s)) return;
  const m = XML_DECL.exec(s);
  if (!m) throw new FormatError('xml-malformed', 'the XML declaration is malformed');
  if (m[2] !== '1.0') throw new FormatError('xml-malformed', `XML version ${JSON.stringify(m[2])} is not supported; only 1.0`);
  if (m[4] !== undefined && !/^utf-?8$/i.test(m[4])) {
    throw new FormatError('xml-encoding-unsupported', `declared encoding ${JSON.stringify(m[4])} is not UTF-8`);
  }
}

/**
 * Every `<!` outside a comment, a CDATA section or a processing instruction opens a declaration
 * (DOCTYPE, ENTITY, ..., or something unknown), and every one is refused. This is decided here, in
 * one pass of indexOf, before sax sees the text: sax reads a declaration by upper-casing all it has
 * read of it at every character, so `<!D` followed by 100 KB cost it about a minute of CPU. With
 * this pass, the only `<!` sax is given opens a comment or a CDATA section, which it reads linearly.
 * An unclosed comment, CDATA section or instruction is left to sax, which reports it malformed.
 */
function checkMarkupDeclarations(s: string): void {
  let i = 0;
  for (;;) {
    const lt = s.indexOf('<', i);
    if (lt < 0) return;
    const skipTo = (close: string, from: number): number => {
      const end = s.indexOf(close, from);
      return end < 0 ? -1 : end + close.length;
    };
    let next: number;
    if (s.startsWith('<?', lt)) next = skipTo('?>', lt + 2);
    else if (s.startsWith('<!--', lt)) next = skipTo('-->', lt + 4);
    else if (s.startsWith('<![CDATA[', lt)) next = skipTo(']]>', lt + 9);
    else if (s.startsWith('<!', lt)) {
      const decl = s.slice(lt + 2, lt + 42);
      if (MARKUP_DECLARATION.test(decl)) throw new FormatError('xml-doctype-forbidden', `markup declaration <!${decl.split(/[\s>[]/)[0]}> is not accepted (${lineCol(s, lt)})`);
      throw new FormatError('xml-malformed', `unknown declaration <!${decl.slice(0, 20)} (${lineCol(s, lt)})`);
    } else next = lt + 1;
    if (next < 0) return;
    i = next;
  }
}

function lineCol(s: string, index: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < index && i < s.length; i++) {
    if (s.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

function parse(text: string, lim: XmlReadLimits): XmlDocument {
  // strictEntities: only the five XML entities are known (not sax's HTML table); missing from @types/sax
  const parser = sax.parser(true, { xmlns: true, strictEntities: true, position: true } as sax.SAXOptions);
  const stack: Frame[] = [];
  const rootCounts = new Map<string, number>();
  let root: XmlElement | undefined;
  let elements = 0;
  let events = 0;
  const hasDeclaration = /^<\?xml[\s?]/.test(text);
  const allowedPis = new Set(lim.allowProcessingInstructions);

  const path = (): string => (stack.length === 0 ? '/' : stack.map((f) => `/${f.name}[${f.index}]`).join(''));
  const refuse = (code: FormatErrorCode, detail: string): never => {
    throw new FormatError(code, `${detail} (${lineCol(text, Math.max(0, parser.position - 1))})`, { path: path() });
  };

  parser.onerror = (err: Error) => {
    const first = String(err.message).split('\n')[0];
    if (first.startsWith('Invalid character entity')) {
      const ref = String((parser as unknown as { entity?: string }).entity ?? '');
      if (ref.startsWith('#')) refuse('xml-character-forbidden', `character reference &${ref}; is not an XML character`);
      refuse('xml-entity-forbidden', `entity reference &${ref}; is not one of the five XML predefined entities`);
    }
    refuse('xml-malformed', first);
  };

  parser.ondoctype = () => refuse('xml-doctype-forbidden', 'a DOCTYPE (DTD, entity declarations) is not accepted');
  parser.onsgmldeclaration = (decl: string) => {
    if (MARKUP_DECLARATION.test(decl)) refuse('xml-doctype-forbidden', `markup declaration <!${decl.split(/\s/)[0]}> is not accepted`);
    refuse('xml-malformed', `unknown declaration <!${decl.slice(0, 20)}>`);
  };

  parser.onprocessinginstruction = (pi: { name: string; body: string }) => {
    events++;
    if (pi.name.toLowerCase() === 'xml') {
      // the declaration is legal only as the very first thing in the document
      if (pi.name === 'xml' && hasDeclaration && events === 1) return;
      refuse('xml-malformed', 'an XML declaration may only stand at the very start of the document');
    }
    if (allowedPis.has(pi.name)) return;
    refuse('xml-processing-instruction-forbidden', `processing instruction <?${pi.name.slice(0, 40)}?> is not accepted`);
  };

  parser.oncomment = () => {
    events++;
  };

  parser.onopentag = (tag: sax.QualifiedTag) => {
    events++;
    if (stack.length === 0 && root !== undefined) refuse('xml-malformed', 'a document has one root element');
    if (stack.length + 1 > lim.maxDepth) refuse('xml-too-deep', `elements nest deeper than ${lim.maxDepth}`);
    if (++elements > lim.maxElements) refuse('xml-too-many-elements', `more than ${lim.maxElements} elements`);
    const attrs = Object.values(tag.attributes) as sax.QualifiedAttribute[];
    if (attrs.length > lim.maxAttributes) refuse('xml-too-many-attributes', `element ${tag.name} has more than ${lim.maxAttributes} attributes`);
    checkRawStartTag(text.slice(parser.startTagPosition - 1, parser.position), attrs.length, tag.name, refuse);
    if (XINCLUDE_NAMESPACES.includes(tag.uri)) refuse('xml-xinclude-forbidden', `XInclude element ${tag.name} is not accepted`);

    const namespaces: Record<string, string> = {};
    const attributes: XmlAttribute[] = [];
    const expanded = new Set<string>();
    for (const a of attrs) {
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns') || a.name === 'xmlns') {
        const declared = a.name === 'xmlns' ? '' : a.local;
        if (declared !== '' && a.value === '') refuse('xml-malformed', `prefix ${declared} cannot be bound to the empty namespace name`);
        if (declared !== 'xml' && a.value === XML_NAMESPACE) refuse('xml-malformed', `only the prefix xml may be bound to ${XML_NAMESPACE}`);
        if (a.value === XMLNS_NAMESPACE) refuse('xml-malformed', `no prefix may be bound to ${XMLNS_NAMESPACE}`);
        namespaces[declared] = a.value;
        continue;
      }
      const key = `{${a.uri}}${a.local}`;
      if (expanded.has(key)) refuse('xml-malformed', `element ${tag.name} has two attributes named ${key}`);
      expanded.add(key);
      attributes.push({ name: a.name, prefix: a.prefix, local: a.local, uri: a.uri, value: a.value });
    }

    const parent = stack[stack.length - 1];
    const counts = parent ? parent.childCounts : rootCounts;
    const index = (counts.get(tag.name) ?? 0) + 1;
    counts.set(tag.name, index);
    stack.push({ name: tag.name, prefix: tag.prefix, local: tag.local, uri: tag.uri, namespaces, attributes, children: [], text: '', index, childCounts: new Map() });
  };

  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.ontext = addText;
  parser.oncdata = addText;

  parser.onclosetag = () => {
    const f = stack.pop();
    if (!f) return;
    // whitespace between child elements is layout, not data (tree.ts)
    const text = f.children.length > 0 && f.text.trim() === '' ? '' : f.text;
    const el: XmlElement = { name: f.name, prefix: f.prefix, local: f.local, uri: f.uri, namespaces: f.namespaces, attributes: f.attributes, children: f.children, text };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
  };

  // One write: sax then checks its internal buffer sizes only after the whole (bounded) input,
  // so every refusal above fires at its own event and names its own cause.
  parser.write(text).close();
  if (root === undefined) throw new FormatError('xml-malformed', 'the document has no root element');
  return { root };
}

/**
 * sax accepts a start tag with a repeated attribute (keeping the first) and `<` in an attribute
 * value; both make a document non-well-formed, and the first makes two parsers read different
 * values from the same bytes. The raw tag is re-read here, after sax accepted its syntax.
 */
function checkRawStartTag(raw: string, reported: number, name: string, refuse: (code: FormatErrorCode, detail: string) => never): void {
  if (!raw.startsWith('<') || !raw.endsWith('>')) refuse('xml-malformed', `cannot delimit the start tag of ${name}`);
  let count = 0;
  for (const m of raw.matchAll(RAW_ATTRIBUTE)) {
    count++;
    const value = m[2] ?? m[3] ?? '';
    if (value.includes('<')) refuse('xml-malformed', `attribute ${m[1]} of ${name} contains '<'`);
  }
  if (count !== reported) refuse('xml-malformed', `element ${name} repeats an attribute`);
}

/**
 * The element tree the reader produces and the writer consumes: namespace-aware and ordered, for
 * data-oriented XML (records of elements and text, as NIEM and ISO 20022 documents are).
 *
 * What it keeps: each element's qualified name as written, its prefix, local name and namespace URI,
 * the namespace declarations made on it, its attributes in document order, its child elements in
 * document order, and its character data. What it drops: comments, the XML declaration, the
 * whitespace-only character data of an element that has child elements (layout, not data), and
 * where character data sat between child elements (all direct character data of an element is
 * concatenated into `text`). A leaf's text is kept exactly, whitespace included.
 */

export interface XmlAttribute {
  /** as written, e.g. `Ccy` or `xml:lang` */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** '' for an unprefixed attribute: attributes never take the default namespace */
  readonly uri: string;
  readonly value: string;
}

export interface XmlElement {
  /** as written, e.g. `j:Warrant` */
  readonly name: string;
  /** '' when the element is unprefixed */
  readonly prefix: string;
  readonly local: string;
  /** '' when the element is in no namespace */
  readonly uri: string;
  /** namespace declarations made on this element: prefix ('' for the default namespace) -> URI */
  readonly namespaces: Readonly<Record<string, string>>;
  /** in document order, namespace declarations excluded */
  readonly attributes: readonly XmlAttribute[];
  /** child elements in document order */
  readonly children: readonly XmlElement[];
  /** all character data directly inside this element (CDATA included), concatenated; '' when it
   * has child elements and that data is only whitespace */
  readonly text: string;
}

export interface XmlDocument {
  readonly root: XmlElement;
}

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
export const XINCLUDE_NAMESPACES = ['http://www.w3.org/2001/XInclude', 'http://www.w3.org/2003/XInclude'];

/** Build an element; the writer and mappings use it so every field is always present. */
export function element(
  qname: { prefix?: string; local: string; uri?: string },
  content: { namespaces?: Record<string, string>; attributes?: XmlAttribute[]; children?: XmlElement[]; text?: string } = {},
): XmlElement {
  const prefix = qname.prefix ?? '';
  return {
    name: prefix ? `${prefix}:${qname.local}` : qname.local,
    prefix,
    local: qname.local,
    uri: qname.uri ?? '',
    namespaces: content.namespaces ?? {},
    attributes: content.attributes ?? [],
    children: content.children ?? [],
    text: content.text ?? '',
  };
}

export function attribute(qname: { prefix?: string; local: string; uri?: string }, value: string): XmlAttribute {
  const prefix = qname.prefix ?? '';
  return { name: prefix ? `${prefix}:${qname.local}` : qname.local, prefix, local: qname.local, uri: qname.uri ?? '', value };
}

/** Children of `el` with this namespace URI and local name, in order. */
export function childrenNamed(el: XmlElement, uri: string, local: string): XmlElement[] {
  return el.children.filter((c) => c.uri === uri && c.local === local);
}

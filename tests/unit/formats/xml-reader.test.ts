import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { FormatError } from '../../../src/formats/errors.js';
import { readXml } from '../../../src/formats/xml/reader.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/xml-attacks/${name}`, import.meta.url));
const read = (s: string | Uint8Array, limits = {}) => readXml(typeof s === 'string' ? Buffer.from(s, 'utf8') : s, limits);

function refusal(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).retryable).toBe(false);
    return e as FormatError;
  }
  throw new Error('expected a refusal, got a tree');
}

describe('attack samples (tests/fixtures/xml-attacks/README.md)', () => {
  const expected: Record<string, string> = {
    'owasp-billion-laughs-LOL9.xml': 'xml-doctype-forbidden',
    'patt-billion-laugh-a4.xml': 'xml-doctype-forbidden',
    'defusedxml-xmlbomb.xml': 'xml-doctype-forbidden',
    'defusedxml-xmlbomb2.xml': 'xml-doctype-forbidden',
    'defusedxml-quadratic.xml': 'xml-doctype-forbidden',
    'defusedxml-cyclic.xml': 'xml-doctype-forbidden',
    'owasp-recursive-entity.xml': 'xml-doctype-forbidden',
    'patt-parameters-laugh.xml': 'xml-doctype-forbidden',
    'patt-classic-xxe-etc-passwd.xml': 'xml-doctype-forbidden',
    'owasp-xxe-reflected-file-retrieval.xml': 'xml-encoding-unsupported',
    'owasp-xxe-parameter-entity-remote-dtd.xml': 'xml-doctype-forbidden',
    'defusedxml-external.xml': 'xml-doctype-forbidden',
    'defusedxml-external_file.xml': 'xml-doctype-forbidden',
    'defusedxml-dtd.xml': 'xml-doctype-forbidden',
    'patt-xinclude-file.xml': 'xml-xinclude-forbidden',
    'defusedxml-simple-ns.xml': 'xml-processing-instruction-forbidden',
  };
  for (const [file, code] of Object.entries(expected)) {
    test(`${file} is refused as ${code}`, () => {
      expect(refusal(() => read(fixture(file))).code).toBe(code);
    });
  }

  test('the reflected-file XXE is refused for its DOCTYPE once its encoding is UTF-8', () => {
    const utf8 = fixture('owasp-xxe-reflected-file-retrieval.xml').toString('latin1').replace('ISO-8859-1', 'UTF-8');
    expect(refusal(() => read(utf8)).code).toBe('xml-doctype-forbidden');
  });

  test('the benign controls parse, and nothing of the attack reaches the tree', () => {
    const simple = read(fixture('defusedxml-simple.xml'));
    expect(simple.root.name).toBe('root');
    expect(simple.root.children.map((c) => c.local)).toEqual(['element', 'element', 'empty-element']);
    expect(simple.root.children[0].attributes).toEqual([{ name: 'key', prefix: '', local: 'key', uri: '', value: 'value' }]);
    expect(simple.root.children[0].text).toBe('text');
    const ns = read(fixture('defusedxml-simple-ns.xml'), { allowProcessingInstructions: ['pi'] });
    expect(ns.root.uri).toBe('namespace');
    expect(ns.root.children.every((c) => c.uri === 'namespace')).toBe(true);
  });
});

describe('each refusal has its own code', () => {
  test.each([
    ['a DOCTYPE without any entity', '<!DOCTYPE a><a/>', 'xml-doctype-forbidden'],
    ['a lower-case doctype', '<!doctype a><a/>', 'xml-doctype-forbidden'],
    ['a DOCTYPE after the root (refused as a declaration, wherever it stands)', '<a/><!DOCTYPE a>', 'xml-doctype-forbidden'],
    ['an undeclared entity reference', '<a>&nbsp;</a>', 'xml-entity-forbidden'],
    ['an entity reference in an attribute', '<a b="&ext;"/>', 'xml-entity-forbidden'],
    ['a character reference to NUL', '<a>&#0;</a>', 'xml-character-forbidden'],
    ['a character reference to U+FFFE', '<a>&#xFFFE;</a>', 'xml-character-forbidden'],
    ['a literal control character', '<a>\u0001</a>', 'xml-character-forbidden'],
    ['a literal U+FFFF', '<a>\uffff</a>', 'xml-character-forbidden'],
    ['a processing instruction', '<a><?php echo 1 ?></a>', 'xml-processing-instruction-forbidden'],
    ['a stylesheet instruction before the root', '<?xml-stylesheet href="x.xsl"?><a/>', 'xml-processing-instruction-forbidden'],
    ['a declaration that is not first', '<!-- c --><?xml version="1.0"?><a/>', 'xml-malformed'],
    ['a declaration after leading space', ' <?xml version="1.0"?><a/>', 'xml-malformed'],
    ['XML 1.1', '<?xml version="1.1"?><a/>', 'xml-malformed'],
    ['a declared Latin-1 encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><a/>', 'xml-encoding-unsupported'],
    ['XInclude 2001', '<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></a>', 'xml-xinclude-forbidden'],
    ['XInclude 2003', '<x:include xmlns:x="http://www.w3.org/2003/XInclude" href="/etc/passwd"/>', 'xml-xinclude-forbidden'],
    ['a repeated attribute', '<a x="1" x="2"/>', 'xml-malformed'],
    ['two attributes with one expanded name', '<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>', 'xml-malformed'],
    ['< in an attribute value', '<a x="<b>"/>', 'xml-malformed'],
    ['a prefix bound to the empty name', '<a xmlns:p=""/>', 'xml-malformed'],
    ['a prefix bound to the xml namespace', '<a xmlns:p="http://www.w3.org/XML/1998/namespace"/>', 'xml-malformed'],
    ['an unbound prefix', '<p:a/>', 'xml-malformed'],
    ['two roots', '<a/><b/>', 'xml-malformed'],
    ['no root', '<!-- nothing -->', 'xml-malformed'],
    ['an empty document', '', 'xml-malformed'],
    ['text outside the root', '<a/>tail', 'xml-malformed'],
    ['an unclosed element', '<a><b></a>', 'xml-malformed'],
    ['a markup declaration in content (refused as a declaration, wherever it stands)', '<a><!ENTITY x "y"></a>', 'xml-doctype-forbidden'],
  ])('%s', (_what, doc, code) => {
    expect(refusal(() => read(doc)).code).toBe(code);
  });

  test('a UTF-16 document is refused, with or without a byte order mark', () => {
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a/>', 'utf16le')]);
    expect(refusal(() => read(bom)).code).toBe('xml-encoding-unsupported');
    expect(refusal(() => read(Buffer.from('<a/>', 'utf16le'))).code).toBe('xml-encoding-unsupported');
  });

  test('invalid UTF-8 is refused', () => {
    expect(refusal(() => read(Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]))).code).toBe('xml-encoding-invalid');
    // an overlong encoding of '<'
    expect(refusal(() => read(Buffer.from([0xc0, 0xbc, 0x61, 0x2f, 0x3e]))).code).toBe('xml-encoding-invalid');
    // a UTF-8-encoded surrogate (CESU-8)
    expect(refusal(() => read(Buffer.from([0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e]))).code).toBe('xml-encoding-invalid');
  });

  test('the byte limit is checked before anything is decoded', () => {
    const doc = Buffer.from(`<a>${'x'.repeat(2000)}</a>`);
    expect(refusal(() => read(doc, { maxBytes: 1000 })).code).toBe('xml-too-large');
    expect(read(doc, { maxBytes: doc.byteLength }).root.text).toHaveLength(2000);
  });

  test('depth, element and attribute limits, each with the XPath where it was crossed', () => {
    const nested = (n: number) => '<e>'.repeat(n) + '</e>'.repeat(n);
    expect(read(nested(64)).root.local).toBe('e');
    const deep = refusal(() => read(nested(65)));
    expect(deep.code).toBe('xml-too-deep');
    expect(deep.path).toBe('/e[1]'.repeat(64));
    const many = `<r>${'<i/>'.repeat(11)}</r>`;
    expect(read(many, { maxElements: 12 }).root.children).toHaveLength(11);
    const tooMany = refusal(() => read(many, { maxElements: 11 }));
    expect(tooMany.code).toBe('xml-too-many-elements');
    expect(tooMany.path).toBe('/r[1]');
    const attrs = (n: number) => `<a ${Array.from({ length: n }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;
    expect(read(attrs(5), { maxAttributes: 5 }).root.attributes).toHaveLength(5);
    expect(refusal(() => read(attrs(6), { maxAttributes: 5 })).code).toBe('xml-too-many-attributes');
  });

  test("OWASP's coercive parsing: 30,000 and 100,000 nested elements, closed or not, are refused by depth", () => {
    for (const n of [30_000, 100_000]) {
      const open = Array.from({ length: n }, (_, i) => `<A${i + 1}>`).join('');
      const close = Array.from({ length: n }, (_, i) => `</A${n - i}>`).join('');
      expect(refusal(() => read(open, { maxBytes: 8_000_000 })).code).toBe('xml-too-deep');
      expect(refusal(() => read(open + close, { maxBytes: 8_000_000 })).code).toBe('xml-too-deep');
    }
  });
});

describe('the tree', () => {
  test('names, prefixes, namespaces, attributes and order are kept', () => {
    const doc = read(
      '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n' +
        '<j:Warrant xmlns:j="urn:j" xmlns:nc="urn:nc" xmlns="urn:d" nc:id="w1" plain="p">' +
        '<nc:Date>2026-01-01</nc:Date><Other/><nc:Date>2026-01-02</nc:Date></j:Warrant>',
    );
    const r = doc.root;
    expect([r.name, r.prefix, r.local, r.uri]).toEqual(['j:Warrant', 'j', 'Warrant', 'urn:j']);
    expect(r.namespaces).toEqual({ j: 'urn:j', nc: 'urn:nc', '': 'urn:d' });
    expect(r.attributes).toEqual([
      { name: 'nc:id', prefix: 'nc', local: 'id', uri: 'urn:nc', value: 'w1' },
      // attributes never take the default namespace
      { name: 'plain', prefix: '', local: 'plain', uri: '', value: 'p' },
    ]);
    expect(r.children.map((c) => `${c.uri}|${c.local}|${c.text}`)).toEqual(['urn:nc|Date|2026-01-01', 'urn:d|Other|', 'urn:nc|Date|2026-01-02']);
  });

  test('entities, CDATA, line ends and character references', () => {
    const doc = read(Buffer.from('<a x="&lt;&amp;&quot;&apos;&gt;">1 &lt; 2<![CDATA[ & <b> ]]>\r\nline&#13;&#x10FFFF;</a>'));
    expect(doc.root.attributes[0].value).toBe('<&"\'>');
    // CR LF in the bytes is read as LF (XML 1.0 §2.11); a CR written as &#13; survives
    expect(doc.root.text).toBe('1 < 2 & <b> \nline\r\u{10FFFF}');
  });

  test('Arabic text and names, and a UTF-8 byte order mark', () => {
    const doc = read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<وثيقة اسم="محمد">نص</وثيقة>')]));
    expect(doc.root.local).toBe('وثيقة');
    expect(doc.root.attributes[0].value).toBe('محمد');
    expect(doc.root.text).toBe('نص');
  });
});

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FormatError } from '../../../src/formats/errors.js';
import { readXml } from '../../../src/formats/xml/reader.js';
import { attribute, element, type XmlElement } from '../../../src/formats/xml/tree.js';
import { writeXml } from '../../../src/formats/xml/writer.js';
import { checkStructure, type DeclaredElement } from '../../../src/formats/xml/structure.js';

const J = 'urn:j';
const NC = 'urn:nc';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return (e as FormatError).code;
  }
  throw new Error('expected a refusal');
}

describe('writeXml', () => {
  const doc = element(
    { prefix: 'j', local: 'Warrant', uri: J },
    {
      namespaces: { j: J, nc: NC },
      attributes: [attribute({ local: 'version' }, '1 "quoted"\t<tab>\n&')],
      children: [
        element({ prefix: 'nc', local: 'Text', uri: NC }, { text: ' a < b && c > d ]]> \r\n x ' }),
        element({ prefix: 'nc', local: 'Empty', uri: NC }),
        element({ prefix: 'nc', local: 'Name', uri: NC }, { attributes: [attribute({ prefix: 'xml', local: 'lang', uri: 'http://www.w3.org/XML/1998/namespace' }, 'ar')], text: 'محمد' }),
      ],
    },
  );

  test('writes UTF-8 with a declaration, declared prefixes and the order given', () => {
    const s = writeXml(doc, { indent: 2 }).toString('utf8');
    expect(s.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<j:Warrant xmlns:j="urn:j" xmlns:nc="urn:nc" version=')).toBe(true);
    expect(s).toContain('<nc:Empty/>');
    expect(s.indexOf('nc:Text')).toBeLessThan(s.indexOf('nc:Name'));
    expect(s).not.toContain(']]>');
  });

  test('what it writes reads back to the same tree, values byte for byte', () => {
    for (const indent of [0, 2]) {
      expect(readXml(writeXml(doc, { indent })).root).toEqual(doc);
    }
  });

  test('refuses undeclared prefixes, bad names and non-XML characters instead of writing them', () => {
    expect(code(() => writeXml(element({ prefix: 'x', local: 'A', uri: 'urn:x' })))).toBe('xml-namespace-undeclared');
    expect(code(() => writeXml(element({ local: 'A', uri: 'urn:x' })))).toBe('xml-namespace-undeclared');
    expect(code(() => writeXml(element({ local: 'A' }, { attributes: [attribute({ prefix: 'p', local: 'a', uri: 'urn:p' }, '1')] })))).toBe('xml-namespace-undeclared');
    expect(code(() => writeXml(element({ local: '1A' })))).toBe('xml-name-invalid');
    expect(code(() => writeXml(element({ local: 'A' }, { text: 'bell \u0007' })))).toBe('xml-character-forbidden');
    expect(code(() => writeXml(element({ local: 'A' }, { attributes: [attribute({ local: 'a' }, '\uFFFF')] })))).toBe('xml-character-forbidden');
  });

  test('property: any text and attribute value made of XML characters survives a write and a read', () => {
    const xmlChar = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ''));
    fc.assert(
      fc.property(xmlChar, xmlChar, (text, value) => {
        const el = element({ local: 'a' }, { attributes: [attribute({ local: 'v' }, value)], children: [element({ local: 'b' }, { text })] });
        expect(readXml(writeXml(el)).root).toEqual(el);
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkStructure', () => {
  const decl: DeclaredElement = {
    ns: J,
    name: 'Warrant',
    children: [
      { ns: NC, name: 'Date', text: { format: 'date' } },
      { ns: NC, name: 'Name', min: 1, max: 2, attributes: [{ ns: 'http://www.w3.org/XML/1998/namespace', name: 'lang', required: true, pattern: '[a-z]{2}' }], text: { maxLength: 5 } },
      { ns: NC, name: 'Amount', min: 0, text: { format: 'decimal' } },
    ],
  };
  const parse = (xml: string): XmlElement => readXml(Buffer.from(`<j:Warrant xmlns:j="urn:j" xmlns:nc="urn:nc">${xml}</j:Warrant>`)).root;
  const fault = (xml: string) => {
    try {
      checkStructure(parse(xml), decl);
    } catch (e) {
      const f = e as FormatError;
      return [f.code, f.path];
    }
    return ['ok'];
  };

  test('accepts what is declared, in order and number', () => {
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">ر</nc:Name><nc:Name xml:lang="en">R</nc:Name><nc:Amount>10.50</nc:Amount>')).toEqual(['ok']);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">ر</nc:Name>')).toEqual(['ok']);
  });

  test('refuses, with the XPath of the fault', () => {
    expect(fault('<nc:Name xml:lang="ar">x</nc:Name><nc:Date>2026-05-01</nc:Date>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Name']);
    expect(fault('<nc:Date>2026-13-01</nc:Date><nc:Name xml:lang="ar">x</nc:Name>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Date[1]']);
    expect(fault('<nc:Date>2026-05-01</nc:Date>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]']);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">a</nc:Name><nc:Name xml:lang="ar">b</nc:Name><nc:Name xml:lang="ar">c</nc:Name>')).toEqual([
      'xml-structure-mismatch',
      '/j:Warrant[1]/nc:Name',
    ]);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name>a</nc:Name>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Name[1]']);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar" x="1">a</nc:Name>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Name[1]/@x']);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">abcdef</nc:Name>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Name[1]']);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">a</nc:Name><nc:Amount>1e3</nc:Amount>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Amount[1]']);
    expect(fault('text<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">a</nc:Name>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]']);
    expect(fault('<nc:Date>2026-05-01</nc:Date><nc:Name xml:lang="ar">a</nc:Name><nc:Other/>')).toEqual(['xml-structure-mismatch', '/j:Warrant[1]/nc:Other']);
    expect(() => checkStructure(readXml(Buffer.from('<Warrant/>')).root, decl)).toThrow(FormatError);
  });
});

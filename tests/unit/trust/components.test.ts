/**
 * RFC 9421 §2.1–§2.4 component values, checked against the examples printed in those sections.
 */
import { describe, expect, it } from 'vitest';
import { buildSignatureBase, componentValue, headersFromRecord, parseComponentId, type SignableMessage } from '../../../src/trust/index.js';
import { parseHttpMessage } from './rfc-data.js';

const value = (m: SignableMessage, id: string) => componentValue(m, parseComponentId(id));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('HTTP fields (§2.1)', () => {
  const m = parseHttpMessage(
    [
      'GET /foo HTTP/1.1',
      'Host: www.example.com',
      'Date: Tue, 20 Apr 2021 02:07:56 GMT',
      'X-OWS-Header:   Leading and trailing whitespace.   ',
      'X-Obs-Fold-Header: Obsolete',
      '    line folding.',
      'Cache-Control: max-age=60',
      'Cache-Control:    must-revalidate',
      'Example-Dict:  a=1,    b=2;x=1;y=2,   c=(a   b   c)',
      'X-Empty-Header: ',
    ].join('\n'),
  );

  it('trims, unfolds and combines field lines as §2.1 shows', () => {
    expect(value(m, 'host')).toBe('www.example.com');
    expect(value(m, 'x-ows-header')).toBe('Leading and trailing whitespace.');
    expect(value(m, 'x-obs-fold-header')).toBe('Obsolete line folding.');
    expect(value(m, 'cache-control')).toBe('max-age=60, must-revalidate');
    expect(value(m, 'example-dict')).toBe('a=1,    b=2;x=1;y=2,   c=(a   b   c)');
    expect(value(m, 'x-empty-header')).toBe('');
  });

  it('writes an empty value as "name": followed by a space', () => {
    expect(buildSignatureBase(m, ['x-empty-header'], { created: 1 }).base.split('\n')[0]).toBe('"x-empty-header": ');
  });

  it('re-serializes a structured field with ;sf (§2.1.1)', () => {
    expect(value(m, '"example-dict";sf')).toBe('a=1, b=2;x=1;y=2, c=(a b c)');
  });

  it('selects dictionary members with ;key (§2.1.2)', () => {
    const d = parseHttpMessage('GET / HTTP/1.1\nHost: x\nExample-Dict: a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid');
    expect(value(d, '"example-dict";key="a"')).toBe('(1 2)');
    expect(value(d, '"example-dict";key="d"')).toBe('(5 6);valid');
    expect(value(d, '"example-dict";key="b"')).toBe('3');
    expect(value(d, '"example-dict";key="c"')).toBe('4;aa=bb');
    expect(codeOf(() => value(d, '"example-dict";key="zz"'))).toBe('signature-component-missing');
  });

  it('wraps each field line separately with ;bs (§2.1.3)', () => {
    const two = parseHttpMessage('GET / HTTP/1.1\nHost: x\nExample-Header: value, with, lots\nExample-Header: of, commas');
    expect(value(two, '"example-header";bs')).toBe(':dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:');
    const one = parseHttpMessage('GET / HTTP/1.1\nHost: x\nExample-Header: value, with, lots, of, commas');
    expect(value(one, '"example-header";bs')).toBe(':dmFsdWUsIHdpdGgsIGxvdHMsIG9mLCBjb21tYXM=:');
  });

  it('refuses invalid identifiers', () => {
    expect(codeOf(() => value(m, '"example-dict";bs;sf'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(m, '"example-dict";tr'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(m, '"example-dict";foo'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(m, '"Host"'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(m, 'x-absent'))).toBe('signature-component-missing');
    expect(codeOf(() => buildSignatureBase(m, ['host', 'host'], {}))).toBe('signature-input-malformed');
    expect(codeOf(() => buildSignatureBase(m, ['@signature-params'], {}))).toBe('signature-input-malformed');
  });
});

describe('derived components (§2.2)', () => {
  const m: SignableMessage = { method: 'POST', url: 'https://www.example.com/path?param=value', headers: headersFromRecord({}) };

  it('derives @method, @target-uri, @authority, @scheme, @request-target, @path, @query', () => {
    expect(value(m, '@method')).toBe('POST');
    expect(value(m, '@target-uri')).toBe('https://www.example.com/path?param=value');
    expect(value(m, '@authority')).toBe('www.example.com');
    expect(value(m, '@scheme')).toBe('https');
    expect(value(m, '@request-target')).toBe('/path?param=value');
    expect(value(m, '@path')).toBe('/path');
    expect(value(m, '@query')).toBe('?param=value');
  });

  it('normalises the authority (lowercase, default port dropped) and gives "?" for no query', () => {
    const n: SignableMessage = { method: 'GET', url: 'HTTPS://WWW.Example.COM:443', headers: headersFromRecord({}) };
    expect(value(n, '@authority')).toBe('www.example.com');
    expect(value(n, '@scheme')).toBe('https');
    expect(value(n, '@path')).toBe('/');
    expect(value(n, '@query')).toBe('?');
    const p: SignableMessage = { method: 'GET', url: 'http://example.com:8080/a?b#frag', headers: headersFromRecord({}) };
    expect(value(p, '@authority')).toBe('example.com:8080');
    expect(value(p, '@target-uri')).toBe('http://example.com:8080/a?b');
  });

  it('derives @query-param values as §2.2.8 shows', () => {
    const q: SignableMessage = { method: 'GET', url: 'https://example.com/path?param=value&foo=bar&baz=batman&qux=', headers: headersFromRecord({}) };
    expect(value(q, '"@query-param";name="baz"')).toBe('batman');
    expect(value(q, '"@query-param";name="qux"')).toBe('');
    expect(value(q, '"@query-param";name="param"')).toBe('value');
    const e: SignableMessage = {
      method: 'GET',
      url: 'https://example.com/parameters?var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something',
      headers: headersFromRecord({}),
    };
    expect(value(e, '"@query-param";name="var"')).toBe('this%20is%20a%20big%0Avalue');
    expect(value(e, '"@query-param";name="bar"')).toBe('with%20plus%20whitespace');
    expect(value(e, '"@query-param";name="fa%C3%A7ade%22%3A%20"')).toBe('something');
  });

  it('refuses a repeated query parameter and an absent one', () => {
    const q: SignableMessage = { method: 'GET', url: 'https://example.com/?a=1&a=2', headers: headersFromRecord({}) };
    expect(codeOf(() => value(q, '"@query-param";name="a"'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(q, '"@query-param";name="b"'))).toBe('signature-component-missing');
  });

  it('derives @status only on responses, and request components on responses only with ;req (§2.4)', () => {
    const req: SignableMessage = { method: 'POST', url: 'https://example.com/foo', headers: headersFromRecord({ 'wasla-delivery-id': 'd-1' }) };
    const res: SignableMessage = { status: 200, headers: headersFromRecord({}), request: req };
    expect(value(res, '@status')).toBe('200');
    expect(value(res, '"@method";req')).toBe('POST');
    expect(value(res, '"wasla-delivery-id";req')).toBe('d-1');
    expect(codeOf(() => value(res, '@method'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(req, '@status'))).toBe('signature-input-malformed');
    expect(codeOf(() => value(req, '"@method";req'))).toBe('signature-input-malformed');
    expect(codeOf(() => value({ status: 200, headers: headersFromRecord({}) }, '"x";req'))).toBe('signature-component-missing');
    expect(codeOf(() => value(req, '@unknown'))).toBe('signature-input-malformed');
  });
});

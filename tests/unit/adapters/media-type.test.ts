import { describe, expect, it } from 'vitest';
import { parseMediaType } from '../../../src/adapters/index.js';

describe('parseMediaType', () => {
  it('reads the type and its parameters, names lower-cased, quoted values unescaped', () => {
    expect(parseMediaType('Application/XML; Charset=utf-8; dataschema="https://x/a b\\"c"')).toEqual({ type: 'application/xml', params: { charset: 'utf-8', dataschema: 'https://x/a b"c' } });
    expect(parseMediaType('application/xml')).toEqual({ type: 'application/xml', params: {} });
  });

  it('refuses what two readers could read differently: a repeated parameter, junk, an overlong header', () => {
    expect(parseMediaType('application/xml; charset=utf-8; charset=latin1')).toBeUndefined();
    expect(parseMediaType('application/xml; charset')).toBeUndefined();
    expect(parseMediaType('application/xml; a="unterminated')).toBeUndefined();
    expect(parseMediaType(`application/xml; a=${'x'.repeat(2000)}`)).toBeUndefined();
    expect(parseMediaType('xml')).toBeUndefined();
  });
});

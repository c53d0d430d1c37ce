import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLASSIFICATIONS, CLEARANCES, DEFAULT_RETRY, isClassification, isClearance, parseSchemaUri, schemaUri } from '../../../src/federation/index.js';
import { escapePointerToken, formatPointer, parsePointer, unescapePointerToken } from '../../../src/json/index.js';
import { generateOpenApi } from '../../../src/api/generate.js';

describe('the federation model', () => {
  it('reads back the type and version a schema URI names, and nothing else', () => {
    expect(parseSchemaUri(schemaUri('warrant.issued', '2.0'))).toEqual({ type: 'warrant.issued', version: '2.0' });
    expect(parseSchemaUri('https://wasla.dev/contracts/messages/warrant/2.0.schema.json')).toBeUndefined();
    expect(parseSchemaUri('https://example.org/contracts/messages/warrant.issued/2.0.schema.json')).toBeUndefined();
  });

  it('names the clearance classes among the classifications', () => {
    for (const c of CLEARANCES) expect(isClassification(c) && isClearance(c)).toBe(true);
    expect(CLASSIFICATIONS.filter(isClearance)).toEqual([...CLEARANCES]);
    expect(isClassification('secret')).toBe(false);
  });

  it('publishes the classifications in the OpenAPI envelope from the one list', () => {
    const doc = generateOpenApi() as { components: { schemas: { Envelope: { properties: { classification: { enum: string[] } } } } } };
    expect(doc.components.schemas.Envelope.properties.classification.enum).toEqual([...CLASSIFICATIONS]);
  });

  it('keeps the default retry schedule frozen', () => {
    expect(Object.isFrozen(DEFAULT_RETRY) && Object.isFrozen(DEFAULT_RETRY.schedule)).toBe(true);
  });
});

describe('JSON pointers', () => {
  it('escapes and unescapes every reference token (RFC 6901)', () => {
    expect(escapePointerToken('a/b~c')).toBe('a~1b~0c');
    expect(unescapePointerToken('~01')).toBe('~1');
    fc.assert(
      fc.property(fc.array(fc.string()), (tokens) => {
        expect(parsePointer(formatPointer(tokens))).toEqual(tokens);
      }),
    );
  });
});

/**
 * The hostile-XML reader's refusals are answered by the API each under its own code: every code of
 * XML_READER_CODES (src/formats/errors.ts) is a request error code (src/errors.ts, which lists them
 * out because the SDK carries it and not the format core) with a problem type of its own.
 */
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../../src/api/problems.js';
import { REQUEST_ERROR_CODES } from '../../../src/errors.js';
import { XML_READER_CODES } from '../../../src/formats/index.js';

describe('the XML reader codes', () => {
  it('are all request error codes, each with its problem', () => {
    for (const code of XML_READER_CODES) {
      expect(REQUEST_ERROR_CODES).toContain(code);
      expect(PROBLEMS[code as keyof typeof PROBLEMS], code).toBeDefined();
    }
  });
});

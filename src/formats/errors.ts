/**
 * The one error the format core throws: a refusal of a document (or of a value to be written) that
 * can never succeed by trying again. Each carries a stable `code` (the last segment of the problem
 * type the HTTP edge will give it), `retryable: false`, and where the fault has a place, the XPath
 * of the XML node (`path`) and/or the JSON pointer (RFC 6901) of the canonical value (`pointer`).
 *
 * Guarantee: every function in src/formats throws only FormatError for bad input; anything else
 * escaping is a bug in this code, not a property of the input.
 */

/** the refusals of the hostile-XML reader (src/formats/xml/reader.ts): the edge answers each under its own code */
export const XML_READER_CODES = [
  'xml-too-large',
  'xml-encoding-invalid',
  'xml-encoding-unsupported',
  'xml-character-forbidden',
  'xml-doctype-forbidden',
  'xml-entity-forbidden',
  'xml-processing-instruction-forbidden',
  'xml-xinclude-forbidden',
  'xml-too-deep',
  'xml-too-many-elements',
  'xml-too-many-attributes',
  'xml-malformed',
] as const;

export type FormatErrorCode =
  | (typeof XML_READER_CODES)[number]
  // writing and the declared-structure check
  | 'xml-name-invalid'
  | 'xml-namespace-undeclared'
  | 'xml-structure-mismatch'
  // mappings between canonical JSON and XML
  | 'mapping-invalid'
  | 'mapping-pointer-unknown'
  | 'mapping-value-invalid'
  // ISO 20022
  | 'money-invalid'
  | 'money-currency-mismatch'
  | 'iban-invalid'
  | 'bic-invalid'
  | 'pain001-invalid'
  | 'camt-unsupported'
  | 'camt-invalid';

export class FormatError extends Error {
  readonly code: FormatErrorCode;
  readonly retryable = false as const;
  /** XPath of the XML node at fault, e.g. `/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt` */
  readonly path?: string;
  /** JSON pointer of the canonical value at fault, e.g. `/subject/dateOfBirth` */
  readonly pointer?: string;

  constructor(code: FormatErrorCode, detail: string, where: { path?: string; pointer?: string } = {}) {
    super(detail);
    this.name = 'FormatError';
    this.code = code;
    if (where.path !== undefined) this.path = where.path;
    if (where.pointer !== undefined) this.pointer = where.pointer;
  }
}

export function isFormatError(e: unknown): e is FormatError {
  return e instanceof FormatError;
}

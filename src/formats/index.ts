/**
 * The format core: pure, self-contained conversions between the hub's canonical messages and the
 * formats institutions speak (XML mappings, ISO 20022). No I/O beyond reading contract files, no
 * imports from the hub's api, store, queue, workers or routing. Every refusal is a FormatError.
 */
export { FormatError, isFormatError, XML_READER_CODES, type FormatErrorCode } from './errors.js';
export * as xml from './xml/index.js';
export * as iso20022 from './iso20022/index.js';

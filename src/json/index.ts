/** JSON values and JSON pointers, shared by every part that reads untrusted JSON. */
export { deepFreeze, hasOwn, isPlainObject, jsonEqual, type JsonObject } from './value.js';
export { escapePointerToken, formatPointer, parsePointer, step, unescapePointerToken, valueAt, valuesAt } from './pointer.js';

/**
 * Authoring rules for catalogue schemas, beyond "is a valid 2020-12 schema".
 *
 * The compatibility check (compat.ts) can only be sound for constructs it understands, so every
 * schema in the catalogue is limited to that vocabulary: type (one type), properties, required,
 * additionalProperties: false, items, enum, const, string/number/array bounds, pattern, format,
 * local `$ref: "#/$defs/<name>"`, and annotations. Combinators (anyOf, oneOf, allOf, not, if/then/else),
 * patternProperties, dependent*, prefixItems, unevaluated*, remote refs and boolean subschemas are
 * refused here rather than compared unsoundly later. Every object is closed
 * (`additionalProperties: false`), which is what makes "adding an optional property" safe.
 *
 * One routing annotation is admitted at the root: `x-wasla-classification` ("juvenile", "gbv" or
 * "restricted"), for a type whose every message is of that class (a protection order in a
 * gender-based-violence case, a child's social inquiry report). Routing raises every message of the
 * type to it; compat.ts compares it like an assertion, so a later minor can neither add, change nor
 * drop it. The case index declaration `x-wasla-index` is admitted at the root too, and checked by
 * index-annotations.ts.
 */
import { DRAFT_2020_12 } from './ajv.js';
import { escapePointerToken } from '../json/index.js';
import type { Fault } from '../errors.js';
import { indexAnnotationFaults } from './index-annotations.js';
import { UNLOCKED_ANNOTATIONS } from './annotations.js';
import { CLASSIFICATIONS } from '../federation/index.js';
import { isPlainObject, type JsonObject } from '../json/index.js';

export const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const ASSERTIONS = new Set([
  'type',
  'enum',
  'const',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
]);
const STRUCTURE = new Set(['properties', 'required', 'additionalProperties', 'items', '$ref']);
const ROOT_ONLY = new Set<string>(['$schema', '$id', '$defs', 'x-wasla-classification', ...UNLOCKED_ANNOTATIONS]);
export const CLASSIFICATION_KEYWORD = 'x-wasla-classification';
/** the classes a type may declare for itself (public is the default, not a declaration) */
const CLASSES: readonly string[] = CLASSIFICATIONS.filter((c) => c !== 'public');
const LOCAL_REF = /^#\/\$defs\/([^/~]+)$/;

/** Faults (pointers into the schema document) for everything the catalogue does not allow. */
export function lintSchema(doc: JsonObject): Fault[] {
  const faults: Fault[] = [];
  const fault = (pointer: string, detail: string) => faults.push({ pointer, detail });

  if (doc.$schema !== DRAFT_2020_12) fault('/$schema', `must be "${DRAFT_2020_12}"`);
  for (const k of ['title', 'description'] as const) {
    if (typeof doc[k] !== 'string' || (doc[k] as string).trim() === '') fault(`/${k}`, `a catalogue schema needs a non-empty ${k}`);
  }
  if (!Array.isArray(doc.examples) || doc.examples.length === 0) {
    fault('/examples', 'a catalogue schema needs at least one complete, realistic example');
  }
  if (doc.type !== 'object') fault('/type', 'a message payload must be an object ("type": "object")');
  if (CLASSIFICATION_KEYWORD in doc && !CLASSES.includes(doc[CLASSIFICATION_KEYWORD] as string)) {
    fault(`/${CLASSIFICATION_KEYWORD}`, `must be one of ${CLASSES.map((c) => JSON.stringify(c)).join(', ')}`);
  }
  faults.push(...indexAnnotationFaults(doc));

  const defs = isPlainObject(doc.$defs) ? doc.$defs : {};
  if (doc.$defs !== undefined && !isPlainObject(doc.$defs)) fault('/$defs', '$defs must be an object');

  const walk = (node: unknown, ptr: string, root: boolean): void => {
    if (!isPlainObject(node)) {
      fault(ptr, 'subschemas must be objects (boolean schemas are not supported by the compatibility check)');
      return;
    }
    const keys = Object.keys(node);
    for (const k of keys) {
      if (ANNOTATIONS.has(k) || ASSERTIONS.has(k) || STRUCTURE.has(k)) continue;
      if (ROOT_ONLY.has(k)) {
        if (!root) fault(`${ptr}/${escapePointerToken(k)}`, `"${k}" is only allowed at the root of a catalogue schema`);
        continue;
      }
      fault(`${ptr}/${escapePointerToken(k)}`, `keyword "${k}" is not supported: the compatibility check cannot compare it`);
    }

    if ('$ref' in node) {
      const ref = node.$ref;
      const m = typeof ref === 'string' ? LOCAL_REF.exec(ref) : null;
      if (!m) fault(`${ptr}/$ref`, 'only local references "#/$defs/<name>" are supported (schemas are self-contained)');
      else if (!isPlainObject(defs[m[1]])) fault(`${ptr}/$ref`, `"${String(ref)}" does not name an entry of $defs`);
      for (const k of keys) {
        if (k !== '$ref' && !ANNOTATIONS.has(k)) fault(`${ptr}/${escapePointerToken(k)}`, `"${k}" next to "$ref": put constraints in the referenced definition`);
      }
      return;
    }

    if (typeof node.type !== 'string' || !TYPES.has(node.type)) {
      fault(`${ptr}/type`, 'every subschema needs a single "type" (or a "$ref")');
    }
    if (node.type === 'object') {
      if (node.additionalProperties !== false) {
        fault(`${ptr}/additionalProperties`, 'objects must be closed with "additionalProperties": false');
      }
      if (!isPlainObject(node.properties)) fault(`${ptr}/properties`, 'objects must list their properties');
    } else if ('additionalProperties' in node || 'properties' in node || 'required' in node) {
      fault(ptr, 'properties/required/additionalProperties are only allowed on "type": "object"');
    }
    if (node.type === 'array' && !('items' in node)) fault(`${ptr}/items`, 'arrays must say what their items are');

    if (isPlainObject(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) walk(sub, `${ptr}/properties/${escapePointerToken(name)}`, false);
    }
    if ('items' in node) walk(node.items, `${ptr}/items`, false);
  };

  walk(doc, '', true);
  for (const [name, sub] of Object.entries(defs)) walk(sub, `/$defs/${escapePointerToken(name)}`, false);
  return faults;
}

/**
 * The case index declaration (issue 24): which fields of a message say what it is about. A schema
 * declares them at its root, in the annotation keyword `x-wasla-index`:
 *
 *   "x-wasla-index": [
 *     { "pointer": "/caseNumber", "kind": "case-number", "issuer": "/court/id" },
 *     { "pointer": "/parties/*\/nationalId", "kind": "national-id" }
 *   ]
 *
 * `pointer` addresses the identifying value in the payload (`*` walks every element of an array);
 * `kind` says what it identifies; `issuer`, for numbers that are unique only within the institution
 * that gives them, points at that institution's id in the same payload. A key whose issuer the
 * payload does not carry is indexed without one.
 *
 * Guarantees, checked by `wasla schemas check` through lint.ts and check.ts:
 * - the annotation is well formed, names a known kind, and each pointer (and issuer pointer) exists
 *   in the schema and reaches a string, so an index entry can always be computed from valid data;
 * - a later minor keeps every annotation of the minor before it (same pointer, kind and issuer):
 *   what the index holds for a major never shrinks, so a query finds old and new minors alike.
 * The annotation asserts nothing about a payload: ajv knows the keyword and ignores it, compat.ts
 * leaves it to the rule above, and the lock hashes schemas without it (lock.ts), which is what lets
 * an index be declared on a schema published before the index existed.
 */
import type { Fault } from '../errors.js';
import { escapePointerToken, isPlainObject, type JsonObject } from '../json/index.js';

import { INDEX_KEYWORD } from './annotations.js';

export { INDEX_KEYWORD };

/**
 * What an index key identifies. Numbers given by an institution carry that institution as issuer
 * where the payload names it; a prosecution's case number is a kind of its own because its numbering
 * runs beside the courts' (a referral links the two).
 */
export const INDEX_KINDS = ['case-number', 'prosecution-case-number', 'decision-number', 'order-number', 'warrant-number', 'fine-number', 'payment-id', 'plate', 'national-id', 'person-name'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

export function isIndexKind(v: unknown): v is IndexKind {
  return typeof v === 'string' && (INDEX_KINDS as readonly string[]).includes(v);
}

export interface IndexAnnotation {
  /** JSON pointer into the payload; a segment `*` walks every array element */
  pointer: string;
  kind: IndexKind;
  /** JSON pointer (no `*`) to the issuing institution's id in the same payload */
  issuer?: string;
}

const POINTER = /^(\/([^~/]|~[01])*)+$/;

function segments(pointer: string): string[] {
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function deref(root: JsonObject, node: unknown): JsonObject | undefined {
  let cur = node;
  for (let hops = 0; hops < 32 && isPlainObject(cur) && typeof cur.$ref === 'string'; hops++) {
    const name = cur.$ref.startsWith('#/$defs/') ? cur.$ref.slice('#/$defs/'.length) : '';
    cur = isPlainObject(root.$defs) ? root.$defs[name] : undefined;
  }
  return isPlainObject(cur) && typeof cur.$ref !== 'string' ? cur : undefined;
}

/**
 * The subschema a payload pointer reaches in a catalogue schema (properties, `*` through items,
 * local `$ref`s followed), or undefined when no valid payload can have it. Numeric segments are not
 * accepted: an index addresses every element of an array, never one position.
 */
export function schemaAtPointer(root: JsonObject, pointer: string): JsonObject | undefined {
  if (pointer === '') return deref(root, root);
  if (!POINTER.test(pointer)) return undefined;
  let node = deref(root, root);
  for (const seg of segments(pointer)) {
    if (!node) return undefined;
    if (seg === '*') {
      node = node.type === 'array' ? deref(root, node.items) : undefined;
    } else {
      const props = node.type === 'object' && isPlainObject(node.properties) ? node.properties : undefined;
      node = props && Object.hasOwn(props, seg) ? deref(root, props[seg]) : undefined;
    }
  }
  return node;
}

/** The annotations of a schema as declared (not checked: see indexAnnotationFaults); [] when none. */
export function readIndexAnnotations(doc: JsonObject): IndexAnnotation[] {
  const list = doc[INDEX_KEYWORD];
  if (!Array.isArray(list)) return [];
  const out: IndexAnnotation[] = [];
  for (const a of list) {
    if (!isPlainObject(a) || typeof a.pointer !== 'string' || !isIndexKind(a.kind)) continue;
    out.push(typeof a.issuer === 'string' ? { pointer: a.pointer, kind: a.kind, issuer: a.issuer } : { pointer: a.pointer, kind: a.kind });
  }
  return out;
}

/** Faults (pointers into the schema document) of the `x-wasla-index` annotation; [] when absent or sound. */
export function indexAnnotationFaults(doc: JsonObject): Fault[] {
  if (!(INDEX_KEYWORD in doc)) return [];
  const at = `/${escapePointerToken(INDEX_KEYWORD)}`;
  const list = doc[INDEX_KEYWORD];
  if (!Array.isArray(list)) return [{ pointer: at, detail: 'must be an array of { pointer, kind, issuer? }' }];
  const faults: Fault[] = [];
  const seen = new Set<string>();
  list.forEach((a, i) => {
    const ai = `${at}/${i}`;
    if (!isPlainObject(a)) {
      faults.push({ pointer: ai, detail: 'must be an object { pointer, kind, issuer? }' });
      return;
    }
    for (const k of Object.keys(a)) {
      if (k !== 'pointer' && k !== 'kind' && k !== 'issuer')
        faults.push({ pointer: `${ai}/${escapePointerToken(k)}`, detail: `unknown member "${k}" (an index annotation has pointer, kind and issuer)` });
    }
    if (!isIndexKind(a.kind)) {
      faults.push({ pointer: `${ai}/kind`, detail: `unknown index kind ${JSON.stringify(a.kind)}; one of ${INDEX_KINDS.join(', ')}` });
    }
    if (typeof a.pointer !== 'string' || !POINTER.test(a.pointer)) {
      faults.push({ pointer: `${ai}/pointer`, detail: 'must be a JSON pointer into the payload, e.g. "/caseNumber" or "/parties/*/nationalId"' });
    } else {
      if (seen.has(a.pointer)) faults.push({ pointer: `${ai}/pointer`, detail: `"${a.pointer}" is annotated twice` });
      seen.add(a.pointer);
      const target = schemaAtPointer(doc, a.pointer);
      if (!target) faults.push({ pointer: `${ai}/pointer`, detail: `"${a.pointer}" does not exist in this schema (array elements are addressed with *)` });
      else if (target.type !== 'string') faults.push({ pointer: `${ai}/pointer`, detail: `"${a.pointer}" must reach a string to be indexed (it is ${JSON.stringify(target.type)})` });
    }
    if (a.issuer !== undefined) {
      if (typeof a.issuer !== 'string' || !POINTER.test(a.issuer) || segments(a.issuer).includes('*')) {
        faults.push({ pointer: `${ai}/issuer`, detail: 'must be a JSON pointer without * to the issuing institution\'s id, e.g. "/court/id"' });
      } else {
        const target = schemaAtPointer(doc, a.issuer);
        if (!target) faults.push({ pointer: `${ai}/issuer`, detail: `"${a.issuer}" does not exist in this schema` });
        else if (target.type !== 'string') faults.push({ pointer: `${ai}/issuer`, detail: `"${a.issuer}" must reach an institution id (a string)` });
      }
    }
  });
  return faults;
}

/**
 * Faults (pointers into the NEWER schema) for each annotation of the older minor that the newer one
 * drops or changes. Adding annotations is allowed: it only lets the index find more. So is giving an
 * issuer to a key the older minor indexed without one, when the issuer is a field the newer minor
 * added (warrant.executed 1.1 `court`): the older minor could not say it, and its messages keep
 * their issuer-less keys, which a lookup by value still finds.
 */
export function compareIndexAnnotations(older: JsonObject, newer: JsonObject, olderVersion: string): Fault[] {
  const now = new Map(readIndexAnnotations(newer).map((a) => [a.pointer, a]));
  const faults: Fault[] = [];
  const at = `/${escapePointerToken(INDEX_KEYWORD)}`;
  for (const a of readIndexAnnotations(older)) {
    const b = now.get(a.pointer);
    const was = `${a.kind}${a.issuer ? ` issued by ${a.issuer}` : ''}`;
    const issuerAdded = b !== undefined && a.issuer === undefined && b.issuer !== undefined && !schemaAtPointer(older, b.issuer);
    if (!b) faults.push({ pointer: at, detail: `drops the index annotation of ${a.pointer} (${was}) that ${olderVersion} has; a minor keeps every annotation of the minor before it` });
    else if (b.kind !== a.kind || (b.issuer !== a.issuer && !issuerAdded)) {
      faults.push({ pointer: at, detail: `changes the index annotation of ${a.pointer} from ${was} (as in ${olderVersion}) to ${b.kind}${b.issuer ? ` issued by ${b.issuer}` : ''}` });
    }
  }
  return faults;
}

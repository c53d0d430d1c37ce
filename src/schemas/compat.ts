/**
 * Structural backward-compatibility check between two minors of one major.
 *
 * The rule: a newer minor may only ADD optional properties to closed objects. Everything else a
 * document can be checked against must be identical: types, enums (neither narrowed nor widened —
 * a widened enum would hand old consumers values they do not know), patterns, formats, bounds,
 * required lists, item schemas. Annotations (title, description, examples, ...) may change.
 *
 * Soundness: both schemas have passed lintSchema, so the only constructs present are the ones
 * compared here. Under that vocabulary, "same assertions + same required + only new optional
 * properties on objects that were closed" implies every document valid under the old minor is
 * valid under the new one, and consumers of the old minor still find every field they relied on.
 * Local `$ref`s are followed on both sides, so moving a definition into `$defs` is not a change.
 * Fault pointers point into the NEW schema document. The case index declaration (`x-wasla-index`)
 * asserts nothing and has its own rule (index-annotations.ts: a minor only adds to it).
 */
import type { Fault } from '../errors.js';
import { escapePointerToken } from '../json/index.js';
import { UNLOCKED_ANNOTATIONS } from './annotations.js';
import { ANNOTATIONS } from './lint.js';
import { isPlainObject, jsonEqual, type JsonObject } from '../json/index.js';

const NOT_ASSERTIONS = new Set([...ANNOTATIONS, 'properties', 'required', 'additionalProperties', 'items', '$ref', '$defs', '$schema', '$id', ...UNLOCKED_ANNOTATIONS]);

function resolve(root: JsonObject, node: unknown, ptr: string): { node: JsonObject; ptr: string } {
  let cur = node;
  let at = ptr;
  for (let hops = 0; hops < 64 && isPlainObject(cur) && typeof cur.$ref === 'string'; hops++) {
    const name = cur.$ref.slice('#/$defs/'.length);
    const defs = root.$defs as JsonObject;
    at = `/$defs/${escapePointerToken(name)}`;
    cur = defs[name];
  }
  return { node: isPlainObject(cur) ? cur : {}, ptr: at };
}

function show(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

export function compareMinors(oldRoot: JsonObject, newRoot: JsonObject): Fault[] {
  const faults: Fault[] = [];
  const seen = new Set<string>();
  const fault = (pointer: string, detail: string) => {
    const key = pointer + '\u0000' + detail;
    if (!seen.has(key)) {
      seen.add(key);
      faults.push({ pointer, detail });
    }
  };
  const visited = new Set<string>();

  const compare = (oldNode: unknown, oldPtr: string, newNode: unknown, newPtr: string, where: string): void => {
    const o = resolve(oldRoot, oldNode, oldPtr);
    const n = resolve(newRoot, newNode, newPtr);
    const pair = `${o.ptr}\u0000${n.ptr}`;
    if (visited.has(pair)) return;
    visited.add(pair);
    const at = (k: string) => `${n.ptr}/${escapePointerToken(k)}`;
    const label = where === '' ? 'the payload' : where;

    const keys = new Set([...Object.keys(o.node), ...Object.keys(n.node)].filter((k) => !NOT_ASSERTIONS.has(k)));
    for (const k of keys) {
      const a = o.node[k];
      const b = n.node[k];
      if (k === 'enum' && Array.isArray(a) && Array.isArray(b)) {
        const removed = a.filter((x) => !b.some((y) => jsonEqual(x, y)));
        const added = b.filter((y) => !a.some((x) => jsonEqual(x, y)));
        if (removed.length > 0) fault(at(k), `enum of ${label} narrowed: ${removed.map(show).join(', ')} removed`);
        if (added.length > 0) fault(at(k), `enum of ${label} widened: ${added.map(show).join(', ')} added; consumers of the previous minor would not know these values (publish a new major)`);
        continue;
      }
      if (jsonEqual(a, b)) continue;
      if (k === 'type') fault(at(k), `type of ${label} changed from ${show(a)} to ${show(b)}`);
      else if (k === 'pattern') fault(at(k), `pattern of ${label} changed from ${show(a)} to ${show(b)}`);
      else if (a === undefined) fault(at(k), `new constraint "${k}": ${show(b)} on ${label}`);
      else if (b === undefined) fault(n.ptr, `constraint "${k}": ${show(a)} on ${label} removed`);
      else fault(at(k), `"${k}" of ${label} changed from ${show(a)} to ${show(b)}`);
    }

    if (!jsonEqual(o.node.additionalProperties, n.node.additionalProperties)) {
      fault(at('additionalProperties'), `additionalProperties of ${label} changed from ${show(o.node.additionalProperties)} to ${show(n.node.additionalProperties)}`);
    }

    const oldProps = isPlainObject(o.node.properties) ? o.node.properties : undefined;
    const newProps = isPlainObject(n.node.properties) ? n.node.properties : undefined;
    if (oldProps || newProps) {
      const op = oldProps ?? {};
      const np = newProps ?? {};
      const oldReq = new Set(Array.isArray(o.node.required) ? (o.node.required as string[]) : []);
      const newReq = new Set(Array.isArray(n.node.required) ? (n.node.required as string[]) : []);
      const child = (name: string) => `${where}/${escapePointerToken(name)}`;
      for (const name of Object.keys(op)) {
        if (!(name in np)) {
          fault(at('properties'), `property ${child(name)} was removed`);
          continue;
        }
        if (oldReq.has(name) && !newReq.has(name)) fault(at('required'), `property ${child(name)} is no longer required; consumers of the previous minor rely on it`);
        if (!oldReq.has(name) && newReq.has(name)) fault(at('required'), `property ${child(name)} became required`);
        compare(op[name], `${o.ptr}/properties/${escapePointerToken(name)}`, np[name], `${n.ptr}/properties/${escapePointerToken(name)}`, child(name));
      }
      for (const name of Object.keys(np)) {
        if (name in op) continue;
        if (newReq.has(name)) fault(at('required'), `new property ${child(name)} is required; a minor may only add optional properties`);
        if (o.node.additionalProperties !== false) {
          fault(`${n.ptr}/properties/${escapePointerToken(name)}`, `property ${child(name)} added to an object that was open: old documents may already carry it with any value`);
        }
      }
    }

    if ('items' in o.node || 'items' in n.node) {
      if (!('items' in o.node)) fault(at('items'), `new constraint "items" on ${label}`);
      else if (!('items' in n.node)) fault(n.ptr, `constraint "items" on ${label} removed`);
      else compare(o.node.items, `${o.ptr}/items`, n.node.items, `${n.ptr}/items`, `${where}/*`);
    }
  };

  compare(oldRoot, '', newRoot, '', '');
  return faults;
}

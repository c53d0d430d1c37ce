/**
 * The mappings in force, indexed: by message type and major (what an outbound delivery needs) and
 * by the expanded name of their root element (what an inbound document is recognised by). Each
 * entry carries the catalogue version (the latest minor of its major) it was checked against, so
 * an inbound document read through it is validated against exactly that version.
 *
 * Guarantees: immutable once built; two mappings for one (type, major) are refused at build time
 * (`mapping-invalid`), so a lookup never has to choose.
 */
import { FormatError } from '../errors.js';
import { qname, type Mapping } from './mapping.js';

export interface LoadedMapping {
  readonly mapping: Mapping;
  /** the catalogue version (`<major>.<minor>`, the latest minor of the major) the mapping covers */
  readonly version: string;
  /** the file it came from, relative to the contracts directory (for messages) */
  readonly file: string;
}

export interface MappingSet {
  /** the mapping of a message type at a major, if the federation declared one */
  get(type: string, major: number): LoadedMapping | undefined;
  /** every mapping whose root element has this namespace URI and local name */
  byRoot(uri: string, local: string): readonly LoadedMapping[];
  readonly size: number;
}

const key = (type: string, major: number) => `${type}\u0000${major}`;
const rootKey = (uri: string, local: string) => `${uri}\u0000${local}`;

export function mappingSet(entries: readonly LoadedMapping[]): MappingSet {
  const byType = new Map<string, LoadedMapping>();
  const byRootName = new Map<string, LoadedMapping[]>();
  for (const e of entries) {
    const k = key(e.mapping.type, e.mapping.major);
    const prior = byType.get(k);
    if (prior) throw new FormatError('mapping-invalid', `${e.file}: ${e.mapping.type} major ${e.mapping.major} is already mapped by ${prior.file}`);
    byType.set(k, Object.freeze({ ...e }));
    const q = qname(e.mapping, e.mapping.root.element, e.mapping.root.element);
    const rk = rootKey(q.uri, q.local);
    byRootName.set(rk, [...(byRootName.get(rk) ?? []), byType.get(k)!]);
  }
  return Object.freeze({
    get: (type: string, major: number) => byType.get(key(type, major)),
    byRoot: (uri: string, local: string) => byRootName.get(rootKey(uri, local)) ?? [],
    size: byType.size,
  });
}

/** A set with no mapping: what a contract set without `mappings/` has. */
export const NO_MAPPINGS: MappingSet = mappingSet([]);

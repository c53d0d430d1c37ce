/**
 * Loading and checking mappings (contracts/mappings/<type>/<major>.json). A mapping is accepted
 * only if:
 * - it is valid against contracts/contract-schemas/mapping.schema.json;
 * - every prefix it uses is declared, every element and attribute name is an NCName;
 * - every JSON pointer it names exists in the catalogue schema of its type and major (the latest
 *   minor, which carries every field of the earlier ones) — mapping-pointer-unknown otherwise;
 * - each value's format fits the schema's type (a `decimal` is a string, a `date` a string of
 *   format date, a `number` a number...), each `each` names an array, and `optional` says exactly
 *   what the schema says about presence (an optional array must have minItems >= 1, so that "no
 *   element" means "absent" without ambiguity);
 * - it covers every field of the schema exactly once, so that nothing a sender wrote is silently
 *   dropped on the way to XML and back.
 * The catalogue is reached through the small CatalogueSchemas interface, so the hub can hand in the
 * catalogue it has already loaded; fileCatalogue reads contracts/messages directly.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Mod from 'ajv/dist/2020.js';
import { FormatError } from '../errors.js';
import { ENVELOPE_FIELDS, qname, tokens, type Mapping, type MappingNode } from './mapping.js';
import type { TextFormat } from './structure.js';
import { isNcName } from './writer.js';

type Schema = Record<string, any>;

export interface CatalogueSchemas {
  /** the JSON Schema of the latest minor of `type` at `major`, or undefined if there is none */
  latestSchema(type: string, major: number): Schema | undefined;
}

/** Reads contracts/messages/<type>/<major>.<minor>.schema.json, picking the highest minor. */
export function fileCatalogue(dir = fileURLToPath(new URL('../../../contracts/messages/', import.meta.url))): CatalogueSchemas {
  return {
    latestSchema(type, major) {
      const folder = path.join(dir, type);
      if (!/^[a-z0-9.-]+$/.test(type) || !existsSync(folder)) return undefined;
      const minors = readdirSync(folder)
        .map((f) => /^(\d+)\.(\d+)\.schema\.json$/.exec(f))
        .filter((x): x is RegExpExecArray => x !== null && Number(x[1]) === major)
        .map((x) => Number(x[2]));
      if (minors.length === 0) return undefined;
      return JSON.parse(readFileSync(path.join(folder, `${major}.${Math.max(...minors)}.schema.json`), 'utf8'));
    },
  };
}

const MAPPING_SCHEMA_PATH = fileURLToPath(new URL('../../../contracts/contract-schemas/mapping.schema.json', import.meta.url));
/** contracts/mappings, where mapping files live: <type>/<major>.json */
export const MAPPINGS_DIR = fileURLToPath(new URL('../../../contracts/mappings/', import.meta.url));
let validateShape: (((v: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null }) | undefined;

function shape(mapping: unknown): asserts mapping is Mapping {
  if (!validateShape) {
    const ajv = new Ajv2020Mod.default({ allErrors: false, strict: false });
    validateShape = ajv.compile(JSON.parse(readFileSync(MAPPING_SCHEMA_PATH, 'utf8')));
  }
  if (!validateShape(mapping)) {
    const e = validateShape.errors?.[0];
    throw new FormatError('mapping-invalid', `mapping file: ${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`, { pointer: e?.instancePath ?? '' });
  }
}

export function loadMapping(file: string, catalogue: CatalogueSchemas): Mapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FormatError('mapping-invalid', `${file}: ${(e as Error).message}`);
  }
  try {
    return checkMapping(raw, catalogue);
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(e.code, `${file}: ${e.message}`, { ...(e.path ? { path: e.path } : {}), ...(e.pointer !== undefined ? { pointer: e.pointer } : {}) });
    throw e;
  }
}

export function checkMapping(raw: unknown, catalogue: CatalogueSchemas): Mapping {
  shape(raw);
  const m = raw;
  const schema = catalogue.latestSchema(m.type, m.major);
  if (!schema) throw new FormatError('mapping-invalid', `the catalogue has no ${m.type} of major ${m.major}`);
  for (const [prefix, uri] of Object.entries(m.namespaces)) {
    if (!isNcName(prefix) || prefix === 'xml' || prefix === 'xmlns') throw new FormatError('mapping-invalid', `prefix ${JSON.stringify(prefix)} cannot be declared`);
    if (uri === '') throw new FormatError('mapping-invalid', `prefix ${prefix} is bound to no namespace`);
  }
  const covered: string[] = [];
  checkNode(m, schema, m.root, schema, '', `/${m.root.element}`, covered, false);
  const wanted = leaves(schema, schema, '');
  const missing = wanted.filter((p) => !covered.includes(p));
  if (missing.length) throw new FormatError('mapping-invalid', `the mapping does not carry ${missing.join(', ')}: those values would be lost`, { pointer: missing[0] });
  const twice = covered.filter((p, i) => covered.indexOf(p) !== i);
  if (twice.length) throw new FormatError('mapping-invalid', `the mapping carries ${twice[0]} twice`, { pointer: twice[0] });
  return m;
}

function resolve(root: Schema, s: Schema): Schema {
  let cur = s;
  for (let hops = 0; hops < 32 && typeof cur.$ref === 'string'; hops++) {
    if (!cur.$ref.startsWith('#/$defs/')) throw new FormatError('mapping-invalid', `schema reference ${cur.$ref} is not local`);
    cur = root.$defs[cur.$ref.slice('#/$defs/'.length)];
  }
  return cur;
}

/** The schema at a relative pointer, and whether every step of it is required. */
function at(root: Schema, ctx: Schema, pointer: string, where: string, abs: string): { schema: Schema; required: boolean } {
  let cur = resolve(root, ctx);
  let required = true;
  for (const t of tokens(pointer)) {
    if (cur.type !== 'object' || !cur.properties || !Object.hasOwn(cur.properties, t)) {
      throw new FormatError('mapping-pointer-unknown', `${abs} does not exist in the catalogue schema`, { pointer: abs, path: where });
    }
    required &&= (cur.required ?? []).includes(t);
    cur = resolve(root, cur.properties[t]);
  }
  return { schema: cur, required };
}

const FITS: Record<TextFormat, (s: Schema) => boolean> = {
  string: (s) => s.type === 'string',
  date: (s) => s.type === 'string' && s.format === 'date',
  dateTime: (s) => s.type === 'string' && s.format === 'date-time',
  decimal: (s) => s.type === 'string' && typeof s.pattern === 'string' && /\[0-9\]|\\d/.test(s.pattern),
  integer: (s) => s.type === 'integer',
  number: (s) => s.type === 'number',
  boolean: (s) => s.type === 'boolean',
};

function checkFormat(format: TextFormat, s: Schema, abs: string, where: string): void {
  if (!FITS[format](s))
    throw new FormatError('mapping-invalid', `${abs} is ${s.type}${s.format ? ` (${s.format})` : ''} in the schema and cannot be written as ${format}`, { pointer: abs, path: where });
}

function checkPresence(optional: boolean | undefined, required: boolean, abs: string, where: string): void {
  if (!!optional === required) {
    throw new FormatError('mapping-invalid', required ? `${abs} is required by the schema but optional in the mapping` : `${abs} is optional in the schema: the mapping must mark it optional`, {
      pointer: abs,
      path: where,
    });
  }
}

function checkNode(m: Mapping, root: Schema, n: MappingNode, ctx: Schema, abs: string, where: string, covered: string[], inWrapper: boolean): void {
  qname(m, n.element, where);
  const local = n.element.includes(':') ? n.element.slice(n.element.indexOf(':') + 1) : n.element;
  if (!isNcName(local)) throw new FormatError('mapping-invalid', `${n.element} is not a valid element name`, { path: where });
  if (n.envelope !== undefined && !ENVELOPE_FIELDS.includes(n.envelope)) throw new FormatError('mapping-invalid', `${n.envelope} is not an envelope attribute`, { path: where });

  let here = ctx;
  let hereAbs = abs;
  let itemContext = false;
  if (n.each !== undefined) {
    const a = at(root, ctx, n.each, where, abs + n.each);
    hereAbs = `${abs}${n.each}/*`;
    if (a.schema.type !== 'array') throw new FormatError('mapping-invalid', `${abs + n.each} is not an array`, { pointer: abs + n.each, path: where });
    checkPresence(n.optional, a.required, abs + n.each, where);
    if (n.optional && !((a.schema.minItems ?? 0) >= 1))
      throw new FormatError('mapping-invalid', `${abs + n.each} is optional with minItems 0: an empty array and no array would both be written as nothing`, { pointer: abs + n.each, path: where });
    here = resolve(root, a.schema.items);
    itemContext = true;
  }
  for (const a of n.attributes ?? []) {
    qname(m, a.attribute, where);
    if (a.pointer === undefined) continue;
    const r = at(root, here, a.pointer, where, hereAbs + a.pointer);
    checkFormat(a.format ?? 'string', r.schema, hereAbs + a.pointer, where);
    checkPresence(a.optional, r.required, hereAbs + a.pointer, where);
    covered.push(hereAbs + a.pointer);
  }
  if (n.children) {
    if (n.envelope !== undefined || n.format !== undefined) throw new FormatError('mapping-invalid', 'a group carries no value of its own', { path: where });
    let wrapper = inWrapper;
    if (n.pointer !== undefined && n.each === undefined) {
      const r = at(root, here, n.pointer, where, hereAbs + n.pointer);
      if (r.schema.type !== 'object') throw new FormatError('mapping-invalid', `${hereAbs + n.pointer} is not an object`, { pointer: hereAbs + n.pointer, path: where });
      if (!inWrapper) checkPresence(n.optional, r.required, hereAbs + n.pointer, where);
      here = r.schema;
      hereAbs += n.pointer;
    } else if (n.optional && n.each === undefined) {
      // a wrapper without context: optional only if what it wraps is
      wrapper = true;
    }
    for (const c of n.children) checkNode(m, root, c, here, hereAbs, `${where}/${c.element}`, covered, wrapper && !c.each && c.pointer === undefined ? wrapper : false);
    return;
  }
  if (n.envelope !== undefined) return;
  if (itemContext) {
    if (n.pointer !== undefined && n.pointer !== '') throw new FormatError('mapping-invalid', 'a repeated value carries the array item itself', { path: where });
    checkFormat(n.format ?? 'string', here, hereAbs, where);
    covered.push(hereAbs);
    return;
  }
  if (!n.pointer) throw new FormatError('mapping-invalid', 'a value element needs a pointer or an envelope attribute', { path: where });
  const r = at(root, here, n.pointer, where, hereAbs + n.pointer);
  checkFormat(n.format ?? 'string', r.schema, hereAbs + n.pointer, where);
  checkPresence(n.optional, r.required, hereAbs + n.pointer, where);
  covered.push(hereAbs + n.pointer);
}

/** Every scalar the schema can hold, as pointers with `*` for array items. */
function leaves(root: Schema, s: Schema, prefix: string, depth = 0): string[] {
  if (depth > 24) throw new FormatError('mapping-invalid', 'schema nests too deep');
  const r = resolve(root, s);
  if (r.type === 'object') return Object.entries(r.properties ?? {}).flatMap(([k, v]) => leaves(root, v as Schema, `${prefix}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1));
  if (r.type === 'array') return leaves(root, r.items, `${prefix}/*`, depth + 1);
  return [prefix];
}

/**
 * Whether a JSON pointer can exist in data valid against a message schema, judged from the schema
 * alone: object members through `properties`, array elements (`*` or an index) through `items` /
 * `prefixItems`, following local `$ref`s (and `$ref`s to other catalogue schemas by `$id`) and the
 * branches of `allOf` / `anyOf` / `oneOf` / `if`-`then`-`else`. Deliberately strict: a member only
 * allowed through `additionalProperties` or `patternProperties` does not count, because an agreement
 * that projects or tests a field the schema never names is almost always a typo.
 */
import { parsePointer } from '../json/index.js';

type Schema = Record<string, unknown>;

export interface SchemaResolver {
  /** a schema by absolute `$id` (without fragment), if the catalogue has one */
  byId(id: string): Schema | undefined;
}

const INDEX = /^(0|[1-9][0-9]*)$/;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveFragment(doc: Schema, fragment: string): Schema | undefined {
  let cur: unknown = doc;
  for (const seg of parsePointer(decodeURIComponent(fragment))) {
    if (!isSchema(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return isSchema(cur) ? cur : undefined;
}

/** Expand a schema into the alternatives a value valid against it may satisfy. */
function expand(s: Schema, root: Schema, resolver: SchemaResolver | undefined, depth: number): Array<{ s: Schema; root: Schema }> {
  if (depth > 32) return [];
  const out: Array<{ s: Schema; root: Schema }> = [{ s, root }];
  const ref = s.$ref;
  if (typeof ref === 'string') {
    const hash = ref.indexOf('#');
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const frag = hash < 0 ? '' : ref.slice(hash + 1);
    let doc: Schema | undefined = root;
    if (base !== '') doc = resolveAbsolute(base, root, resolver);
    const target = doc && (frag === '' ? doc : resolveFragment(doc, frag));
    if (target && doc) out.push(...expand(target, doc, resolver, depth + 1));
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) for (const sub of list) if (isSchema(sub)) out.push(...expand(sub, root, resolver, depth + 1));
  }
  for (const key of ['then', 'else'] as const) {
    const sub = s[key];
    if (isSchema(sub)) out.push(...expand(sub, root, resolver, depth + 1));
  }
  return out;
}

function resolveAbsolute(base: string, root: Schema, resolver: SchemaResolver | undefined): Schema | undefined {
  const rootId = typeof root.$id === 'string' ? root.$id : undefined;
  let abs = base;
  try {
    abs = rootId ? new URL(base, rootId).href : new URL(base).href;
  } catch {
    // a relative ref with no base: try it as given
  }
  return resolver?.byId(abs.replace(/#.*$/, ''));
}

/** The subschemas a pointer reaches; empty when the pointer cannot exist. */
export function schemasAt(schema: Schema, pointer: string, resolver?: SchemaResolver, opts: { indices?: boolean } = {}): Schema[] {
  const indices = opts.indices ?? true;
  let frontier: Array<{ s: Schema; root: Schema }> = [{ s: schema, root: schema }];
  for (const seg of parsePointer(pointer)) {
    const next: Array<{ s: Schema; root: Schema }> = [];
    for (const f of frontier) {
      for (const { s, root } of expand(f.s, f.root, resolver, 0)) {
        const props = s.properties;
        if (isSchema(props) && Object.hasOwn(props, seg) && isSchema(props[seg])) {
          next.push({ s: props[seg] as Schema, root });
        }
        if (seg === '*' || (indices && INDEX.test(seg))) {
          if (isSchema(s.items)) next.push({ s: s.items, root });
          const prefix = s.prefixItems;
          if (Array.isArray(prefix)) {
            const picks = seg === '*' ? prefix : [prefix[Number(seg)]];
            for (const p of picks) if (isSchema(p)) next.push({ s: p, root });
          }
        }
      }
    }
    frontier = next;
    if (frontier.length === 0) return [];
  }
  return frontier.flatMap((f) => expand(f.s, f.root, resolver, 0).map((e) => e.s));
}

/** `indices: false` refuses numeric segments into arrays (projections address elements with `*`). */
export function pointerExists(schema: Schema, pointer: string, resolver?: SchemaResolver, opts: { indices?: boolean } = {}): boolean {
  return schemasAt(schema, pointer, resolver, opts).length > 0;
}

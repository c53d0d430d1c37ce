/**
 * JSON pointers (RFC 6901) over untrusted JSON. Only own properties are followed, so a pointer like
 * `/constructor` or `/__proto__` never reaches into the prototype chain; a segment `*` stands for
 * every element of an array (used by conditions and projections).
 */

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function formatPointer(segments: readonly string[]): string {
  return segments.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

const INDEX = /^(0|[1-9][0-9]*)$/;

/** One step down; `undefined` when it does not exist. */
export function step(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) {
    if (!INDEX.test(segment)) return undefined;
    const i = Number(segment);
    return i < value.length ? value[i] : undefined;
  }
  if (isPlainObject(value) && hasOwn(value, segment)) return value[segment];
  return undefined;
}

/** The value at a pointer without wildcards, or `undefined`. */
export function getAt(value: unknown, pointer: string | readonly string[]): unknown {
  const segments = typeof pointer === 'string' ? parsePointer(pointer) : pointer;
  let cur = value;
  for (const s of segments) {
    cur = step(cur, s);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * Every value a pointer with `*` segments reaches, with `complete: false` when some branch stopped
 * short (a missing member, or `*` over a non-array). Without wildcards: zero or one value.
 */
export function resolveAll(value: unknown, pointer: string): { values: unknown[]; complete: boolean } {
  const segments = parsePointer(pointer);
  let frontier: unknown[] = [value];
  let complete = true;
  for (const s of segments) {
    const next: unknown[] = [];
    for (const v of frontier) {
      if (s === '*') {
        if (Array.isArray(v)) next.push(...v);
        else complete = false;
      } else {
        const c = step(v, s);
        if (c === undefined) complete = false;
        else next.push(c);
      }
    }
    frontier = next;
  }
  return { values: frontier, complete };
}

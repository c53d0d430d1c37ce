/**
 * JSON pointers (RFC 6901): escaping, parsing, formatting, and reading the value at one. Only own
 * members are followed, so `/constructor` or `/__proto__` never reaches into the prototype chain.
 * Every fault the hub reports names its place with a pointer made here.
 */
import { hasOwn, isPlainObject } from './value.js';

/** RFC 6901 §3: one reference token as it is written in a pointer (`~` as `~0`, `/` as `~1`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** RFC 6901 §4: a reference token as written back to the member name (`~1` first, then `~0`). */
export function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer.slice(1).split('/').map(unescapePointerToken);
}

export function formatPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + escapePointerToken(String(s))).join('');
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

/** The value at a pointer, or `undefined`. */
export function valueAt(value: unknown, pointer: string | readonly string[]): unknown {
  const segments = typeof pointer === 'string' ? parsePointer(pointer) : pointer;
  let cur = value;
  for (const s of segments) {
    cur = step(cur, s);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * Every value a pointer reaches when a `*` token stands for every item of an array (own members
 * only; `*` on anything but an array reaches nothing). The catalogue's annotations use such pointers.
 */
export function valuesAt(data: unknown, pointer: string): unknown[] {
  let frontier: unknown[] = [data];
  for (const t of parsePointer(pointer)) {
    const next: unknown[] = [];
    for (const v of frontier) {
      if (t === '*') {
        if (Array.isArray(v)) next.push(...v);
      } else if (isPlainObject(v) && hasOwn(v, t)) {
        next.push(v[t]);
      }
    }
    frontier = next;
  }
  return frontier;
}

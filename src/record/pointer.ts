/**
 * JSON pointers with `*` (every array element) over untrusted data, yielding each value with the
 * concrete pointer that reaches it (`/offences/*\/code` -> `/offences/2/code`), so a fault or a
 * reason can name the exact value. Built on src/json/pointer.ts: only own properties are
 * followed, so `/__proto__` or `/constructor` reach nothing.
 */
import { formatPointer, parsePointer, step } from '../json/index.js';

export interface Located {
  /** the concrete pointer of `value` */
  pointer: string;
  value: unknown;
  /** the array index each `*` stood for, in order */
  indices: string[];
}

/** Every value `pointer` reaches in `data` (none when a member is missing). */
export function locate(data: unknown, pointer: string): Located[] {
  let frontier: Array<{ path: string[]; value: unknown; indices: string[] }> = [{ path: [], value: data, indices: [] }];
  for (const seg of parsePointer(pointer)) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      if (seg === '*') {
        if (!Array.isArray(f.value)) continue;
        f.value.forEach((v, i) => next.push({ path: [...f.path, String(i)], value: v, indices: [...f.indices, String(i)] }));
      } else {
        const v = step(f.value, seg);
        if (v !== undefined) next.push({ path: [...f.path, seg], value: v, indices: f.indices });
      }
    }
    frontier = next;
  }
  return frontier.map((f) => ({ pointer: formatPointer(f.path), value: f.value, indices: f.indices }));
}

/** `pointer` with its first `*` segments replaced by `indices` (the same element of the same arrays). */
export function substitute(pointer: string, indices: readonly string[]): string {
  let i = 0;
  return formatPointer(parsePointer(pointer).map((s) => (s === '*' && i < indices.length ? indices[i++] : s)));
}

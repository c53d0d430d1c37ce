/**
 * JSON pointers with wildcards, for conditions and projections: a segment `*` stands for every
 * element of an array. Plain pointers are src/json's; only own members are followed there too.
 */
import { parsePointer, step } from '../json/index.js';

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

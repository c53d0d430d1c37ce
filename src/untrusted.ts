/**
 * Making outside text and numbers safe to store: what a recipient answers (status, body excerpt,
 * headers, Retry-After), an error message that quotes it, a receipt's fields. PostgreSQL refuses a
 * NUL in `text` and `jsonb` and a lone surrogate in `jsonb`; an `int` column refuses anything past
 * 2^31 - 1. Guarantees: `boundedText` returns well-formed UTF-16 without NUL or other control
 * characters (tab, line feed and carriage return excepted), at most `maxChars` code units, never
 * cutting a surrogate pair in two; `boundedJson` applies the same to every string of a JSON value
 * (keys included) and bounds its depth and size; `clampInt` returns an integer inside its range.
 */

/** U+FFFD stands in for what cannot be stored, so a reader sees that something was there. */
const REPLACEMENT = '\uFFFD';
// C0 controls but tab, LF and CR; DEL; the C1 controls
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/** a high surrogate not followed by a low one, or a low one not preceded by a high one */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `value` as bounded, storable text (see the module header); '…' marks a cut. */
export function boundedText(value: unknown, maxChars: number): string {
  let s = typeof value === 'string' ? value : String(value);
  // cut first (cheap on a huge input), then repair: a pair cut in two becomes one U+FFFD
  const cut = s.length > maxChars;
  if (cut) s = s.slice(0, Math.max(0, maxChars - 1));
  s = s.replace(LONE_SURROGATE, REPLACEMENT).replace(CONTROLS, REPLACEMENT);
  return cut ? `${s}…` : s;
}

export interface JsonBounds {
  /** each string (and key) */
  maxString: number;
  /** nesting below the value itself */
  maxDepth: number;
  /** members and elements over the whole value */
  maxNodes: number;
}

const TRUNCATED = '[truncated]';

/**
 * A copy of a JSON value with every string bounded (see `boundedText`), no deeper than `maxDepth`
 * (deeper values become "[truncated]") and with at most `maxNodes` members and elements (the rest
 * are left out). Numbers that JSON cannot carry (NaN, Infinity) become null.
 */
export function boundedJson(value: unknown, bounds: JsonBounds): unknown {
  let nodes = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (typeof v === 'string') return boundedText(v, bounds.maxString);
    if (typeof v !== 'object') return v === undefined ? null : boundedText(v, bounds.maxString);
    if (depth >= bounds.maxDepth) return TRUNCATED;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const el of v) {
        if (++nodes > bounds.maxNodes) break;
        out.push(walk(el, depth + 1));
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, el] of Object.entries(v as Record<string, unknown>)) {
      if (el === undefined) continue;
      if (++nodes > bounds.maxNodes) break;
      Object.defineProperty(out, boundedText(k, bounds.maxString), { value: walk(el, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, 0);
}

export const INT32_MAX = 2_147_483_647;

/** `n` rounded and clamped to [min, max]; NaN (or what is no number) becomes `min`, an infinity its side's bound. */
export function clampInt(n: unknown, min: number, max: number): number {
  const x = typeof n === 'number' ? n : Number(n);
  if (Number.isNaN(x)) return min;
  return Math.min(max, Math.max(min, Math.round(x)));
}

/**
 * The neutral HTTP message shape the signature code works on, so the same code signs and verifies
 * Fetch Request/Response objects (SDK), Hono requests (API) and plain Node objects (hub worker)
 * without converting between them on the hot path.
 *
 * Guarantees: header lookup is case-insensitive; `get` returns all field lines of a name combined
 * with ", " (RFC 9110 §5.3), which is what RFC 9421 §2.1 signs; `getAll`, when present, returns the
 * individual field lines, which RFC 9421 §2.1.3 (`;bs`) needs.
 */

export interface HeadersLike {
  /** combined value of every field line with this name, or null when absent */
  get(name: string): string | null;
  /** the individual field line values, when the carrier keeps them apart */
  getAll?(name: string): string[];
}

export interface SignableMessage {
  /** request method; present on requests */
  method?: string;
  /** absolute target URI of the request, e.g. https://hub.example/v1/messages?x=1 */
  url?: string;
  /** response status; its presence makes the message a response */
  status?: number;
  headers: HeadersLike;
  /** for a response: the request it answers, for components with `;req` (RFC 9421 §2.4) */
  request?: SignableMessage;
}

/** A plain header record as Node's IncomingHttpHeaders or a hand-built object. */
export type HeaderRecord = Record<string, string | readonly string[] | number | undefined>;

/**
 * A HeadersLike over a plain record (any key case). Array values are separate field lines.
 * The lookup table is built once, so repeated `get` calls are cheap.
 */
export function headersFromRecord(record: HeaderRecord): HeadersLike {
  const lines = new Map<string, string[]>();
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const list = lines.get(key) ?? [];
    if (Array.isArray(value)) list.push(...value.map(String));
    else list.push(String(value));
    lines.set(key, list);
  }
  return {
    get(name) {
      const l = lines.get(name.toLowerCase());
      if (l === undefined) return null;
      // most fields have one line: no array to build for them
      return l.length === 1 ? l[0].trim() : l.map((v) => v.trim()).join(', ');
    },
    getAll(name) {
      return lines.get(name.toLowerCase()) ?? [];
    },
  };
}

/** Fetch `Headers` already satisfy HeadersLike; this only narrows the type. */
export function headersFromFetch(headers: { get(name: string): string | null }): HeadersLike {
  return { get: (name) => headers.get(name) };
}

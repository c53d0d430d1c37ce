/**
 * Reading a Content-Type (RFC 9110 §8.3.1): the media type and its parameters, names lower-cased,
 * quoted values unescaped. Bounded: a header longer than MAX_CHARS, a repeated parameter or a
 * parameter that is not `token=token` / `token="quoted"` is refused by returning undefined, so a
 * caller never acts on a value two readers would see differently.
 */
const MAX_CHARS = 1024;
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PARAM = new RegExp(`^\\s*;\\s*(${TOKEN})=(?:(${TOKEN})|"((?:[^"\\\\]|\\\\[\\t\\x20-\\x7e])*)")`);
const TYPE = new RegExp(`^\\s*(${TOKEN}/${TOKEN})`);

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaType(header: string): MediaType | undefined {
  if (header.length > MAX_CHARS) return undefined;
  const t = TYPE.exec(header);
  if (!t) return undefined;
  let rest = header.slice(t[0].length);
  const params: Record<string, string> = Object.create(null);
  while (rest.trim() !== '') {
    const p = PARAM.exec(rest);
    if (!p) return undefined;
    const name = p[1].toLowerCase();
    if (name in params) return undefined;
    params[name] = p[2] ?? p[3].replace(/\\(.)/g, '$1');
    rest = rest.slice(p[0].length);
  }
  return { type: t[1].toLowerCase(), params };
}

/**
 * RFC 8941 Structured Field Values: the minimal parser and serializer the trust layer needs
 * (Signature-Input, Signature, Content-Digest, and `;sf` / `;key` component values of RFC 9421).
 *
 * Guarantees: parsing follows the algorithms of RFC 8941 §4.2 strictly (anything they reject throws
 * SfParseError, nothing is guessed); serialization follows §4.1, so serialize(parse(x)) is the
 * canonical form of x. Integers are JS numbers, decimals are SfDecimal, tokens SfToken, byte
 * sequences Uint8Array, so a round trip never turns one type into another.
 * Not covered: RFC 9651 additions (Date, Display String).
 */

export class SfToken {
  constructor(readonly value: string) {}
}

export class SfDecimal {
  constructor(readonly value: number) {}
}

export type BareItem = number | SfDecimal | string | SfToken | Uint8Array | boolean;
export type Parameters = Map<string, BareItem>;
export interface Item {
  value: BareItem;
  params: Parameters;
}
export interface InnerList {
  items: Item[];
  params: Parameters;
}
export type Member = Item | InnerList;
export type Dictionary = Map<string, Member>;
export type List = Member[];

export class SfParseError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'SfParseError';
  }
}

export class SfSerializeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SfSerializeError';
  }
}

export function isInnerList(m: Member): m is InnerList {
  return Array.isArray((m as InnerList).items);
}

export function item(value: BareItem, params: Parameters = new Map()): Item {
  return { value, params };
}

// ---------------------------------------------------------------------------------------------
// Parsing (RFC 8941 §4.2)
// ---------------------------------------------------------------------------------------------

const isDigit = (c: string) => c >= '0' && c <= '9';
const isLcAlpha = (c: string) => c >= 'a' && c <= 'z';
const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
// tchar of RFC 9110 §5.6.2
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const BASE64_RE = /^[A-Za-z0-9+/=]*$/;

class Parser {
  pos = 0;
  constructor(readonly input: string) {}

  fail(msg: string): never {
    throw new SfParseError(msg, this.pos);
  }
  peek(): string {
    return this.input[this.pos] ?? '';
  }
  eof(): boolean {
    return this.pos >= this.input.length;
  }
  skipSP(): void {
    while (this.input[this.pos] === ' ') this.pos++;
  }
  // OWS = SP / HTAB (RFC 9110 §5.6.3), allowed around list and dictionary commas
  skipOWS(): void {
    while (this.input[this.pos] === ' ' || this.input[this.pos] === '\t') this.pos++;
  }

  // §4.2.1 / §4.2.2: after each member, OWS, then a comma or the end; a trailing comma fails
  afterMember(): boolean {
    this.skipOWS();
    if (this.eof()) return false;
    if (this.peek() !== ',') this.fail('expected "," between members');
    this.pos++;
    this.skipOWS();
    if (this.eof()) this.fail('trailing comma');
    return true;
  }

  parseList(): List {
    const out: List = [];
    if (this.eof()) return out;
    do out.push(this.parseItemOrInnerList());
    while (this.afterMember());
    return out;
  }

  parseDictionary(): Dictionary {
    const out: Dictionary = new Map();
    if (this.eof()) return out;
    do {
      const key = this.parseKey();
      let member: Member;
      if (this.peek() === '=') {
        this.pos++;
        member = this.parseItemOrInnerList();
      } else {
        // §4.2.2: a key without value is Boolean true with parameters
        member = { value: true, params: this.parseParameters() };
      }
      // §4.2.2: a repeated key overwrites the earlier value (Map.set keeps the first position)
      out.set(key, member);
    } while (this.afterMember());
    return out;
  }

  parseItemOrInnerList(): Member {
    return this.peek() === '(' ? this.parseInnerList() : this.parseItem();
  }

  parseInnerList(): InnerList {
    if (this.peek() !== '(') this.fail('expected "("');
    this.pos++;
    const items: Item[] = [];
    while (!this.eof()) {
      this.skipSP();
      if (this.peek() === ')') {
        this.pos++;
        return { items, params: this.parseParameters() };
      }
      items.push(this.parseItem());
      const c = this.peek();
      if (c !== ' ' && c !== ')') this.fail('expected SP or ")" in inner list');
    }
    return this.fail('unterminated inner list');
  }

  parseItem(): Item {
    const value = this.parseBareItem();
    return { value, params: this.parseParameters() };
  }

  parseParameters(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === ';') {
      this.pos++;
      this.skipSP();
      const key = this.parseKey();
      let value: BareItem = true;
      if (this.peek() === '=') {
        this.pos++;
        value = this.parseBareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  parseKey(): string {
    const c = this.peek();
    if (!isLcAlpha(c) && c !== '*') this.fail('key must start with lcalpha or "*"');
    const start = this.pos;
    while (!this.eof()) {
      const ch = this.peek();
      if (isLcAlpha(ch) || isDigit(ch) || ch === '_' || ch === '-' || ch === '.' || ch === '*') this.pos++;
      else break;
    }
    return this.input.slice(start, this.pos);
  }

  parseBareItem(): BareItem {
    const c = this.peek();
    if (c === '-' || isDigit(c)) return this.parseNumber();
    if (c === '"') return this.parseString();
    if (c === '*' || isAlpha(c)) return this.parseToken();
    if (c === ':') return this.parseByteSequence();
    if (c === '?') return this.parseBoolean();
    return this.fail('unrecognised bare item');
  }

  // §4.2.4
  parseNumber(): number | SfDecimal {
    let sign = 1;
    if (this.peek() === '-') {
      sign = -1;
      this.pos++;
    }
    if (!isDigit(this.peek())) this.fail('expected digit');
    let isDecimal = false;
    let digits = '';
    while (!this.eof()) {
      const ch = this.peek();
      if (isDigit(ch)) digits += ch;
      else if (ch === '.' && !isDecimal) {
        if (digits.length > 12) this.fail('decimal integer part longer than 12 digits');
        digits += ch;
        isDecimal = true;
      } else break;
      this.pos++;
      if (!isDecimal && digits.length > 15) this.fail('integer longer than 15 digits');
      if (isDecimal && digits.length > 16) this.fail('decimal longer than 16 characters');
    }
    if (!isDecimal) return sign * Number.parseInt(digits, 10);
    const frac = digits.length - 1 - digits.indexOf('.');
    if (frac === 0) this.fail('decimal ends with "."');
    if (frac > 3) this.fail('decimal with more than 3 fractional digits');
    return new SfDecimal(sign * Number.parseFloat(digits));
  }

  // §4.2.5: printable ASCII only; backslash escapes only DQUOTE and backslash
  parseString(): string {
    this.pos++;
    // the usual string has no escape: take it whole when it is all printable ASCII
    const close = this.input.indexOf('"', this.pos);
    if (close >= 0) {
      const whole = this.input.slice(this.pos, close);
      if (PLAIN_STRING_RE.test(whole)) {
        this.pos = close + 1;
        return whole;
      }
    }
    let out = '';
    while (!this.eof()) {
      const ch = this.input[this.pos++];
      if (ch === '\\') {
        if (this.eof()) this.fail('unterminated escape');
        const next = this.input[this.pos++];
        if (next !== '"' && next !== '\\') this.fail('invalid escape');
        out += next;
      } else if (ch === '"') {
        return out;
      } else {
        const code = ch.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('non-printable character in string');
        out += ch;
      }
    }
    return this.fail('unterminated string');
  }

  // §4.2.6
  parseToken(): SfToken {
    const start = this.pos;
    this.pos++;
    while (!this.eof()) {
      const ch = this.peek();
      if (TCHAR.test(ch) || ch === ':' || ch === '/') this.pos++;
      else break;
    }
    return new SfToken(this.input.slice(start, this.pos));
  }

  // §4.2.7
  parseByteSequence(): Uint8Array {
    this.pos++;
    const end = this.input.indexOf(':', this.pos);
    if (end < 0) this.fail('unterminated byte sequence');
    const b64 = this.input.slice(this.pos, end);
    // one pass of a native regex, not a test per character (this runs on every signature)
    if (!BASE64_RE.test(b64)) this.fail('invalid base64 character in byte sequence');
    // "=" may only pad the end; Buffer.from would otherwise silently stop decoding there
    if (/=[^=]/.test(b64)) this.fail('padding inside byte sequence');
    this.pos = end + 1;
    return new Uint8Array(Buffer.from(b64, 'base64'));
  }

  // §4.2.8
  parseBoolean(): boolean {
    this.pos++;
    const ch = this.input[this.pos++];
    if (ch === '1') return true;
    if (ch === '0') return false;
    return this.fail('invalid boolean');
  }
}

/** §4.2 top level: surrounding SP is discarded; anything left over is an error. */
function parseTop<T>(input: string, f: (p: Parser) => T): T {
  const p = new Parser(input);
  // Field values arrive with OWS trimmed by HTTP; trim HTAB as well as SP to be safe.
  p.skipOWS();
  const out = f(p);
  p.skipOWS();
  if (!p.eof()) p.fail('unexpected trailing characters');
  return out;
}

export const parseDictionary = (input: string): Dictionary => parseTop(input, (p) => p.parseDictionary());
export const parseList = (input: string): List => parseTop(input, (p) => p.parseList());
export const parseItem = (input: string): Item => parseTop(input, (p) => p.parseItem());

// ---------------------------------------------------------------------------------------------
// Serialization (RFC 8941 §4.1)
// ---------------------------------------------------------------------------------------------

const KEY_RE = /^[a-z*][a-z0-9_\-.*]*$/;
const TOKEN_RE = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;
const PRINTABLE_ASCII_RE = /^[\x20-\x7e]*$/;
/** printable ASCII without DQUOTE or backslash: a string body that needs no unescaping */
const PLAIN_STRING_RE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const STRING_ESCAPE_RE = /["\\]/g;

function serializeKey(key: string): string {
  if (!KEY_RE.test(key)) throw new SfSerializeError(`invalid key ${JSON.stringify(key)}`);
  return key;
}

export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'number') {
    // §4.1.4
    if (!Number.isInteger(v) || Math.abs(v) > 999_999_999_999_999) {
      throw new SfSerializeError(`not an sf-integer: ${v}`);
    }
    return String(v);
  }
  if (v instanceof SfDecimal) return serializeDecimal(v.value);
  if (typeof v === 'string') {
    // §4.1.6: printable ASCII only; DQUOTE and backslash escaped
    if (!PRINTABLE_ASCII_RE.test(v)) throw new SfSerializeError('sf-string must be printable ASCII');
    return '"' + v.replace(STRING_ESCAPE_RE, '\\$&') + '"';
  }
  if (v instanceof SfToken) {
    if (!TOKEN_RE.test(v.value)) throw new SfSerializeError(`invalid token ${JSON.stringify(v.value)}`);
    return v.value;
  }
  if (v instanceof Uint8Array) return ':' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') + ':';
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  throw new SfSerializeError('unsupported bare item');
}

// §4.1.5: round half to even to three decimals, no trailing zeros, at least one fractional digit
function serializeDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new SfSerializeError('decimal must be finite');
  const scaled = n * 1000;
  let r = Math.round(scaled);
  if (Math.abs(scaled % 1) === 0.5 && r % 2 !== 0) r -= 1;
  const sign = r < 0 ? '-' : '';
  const abs = Math.abs(r);
  const intPart = Math.floor(abs / 1000);
  if (String(intPart).length > 12) throw new SfSerializeError('decimal integer part longer than 12 digits');
  let frac = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  if (frac === '') frac = '0';
  return `${sign}${intPart}.${frac}`;
}

export function serializeParameters(params: Parameters): string {
  let out = '';
  for (const [k, v] of params) {
    out += ';' + serializeKey(k);
    if (v !== true) out += '=' + serializeBareItem(v);
  }
  return out;
}

export function serializeItem(i: Item): string {
  return serializeBareItem(i.value) + serializeParameters(i.params);
}

export function serializeInnerList(l: InnerList): string {
  return '(' + l.items.map(serializeItem).join(' ') + ')' + serializeParameters(l.params);
}

export function serializeMember(m: Member): string {
  return isInnerList(m) ? serializeInnerList(m) : serializeItem(m);
}

export function serializeList(l: List): string {
  return l.map(serializeMember).join(', ');
}

export function serializeDictionary(d: Dictionary): string {
  const parts: string[] = [];
  for (const [k, m] of d) {
    // §4.1.2: a member whose value is Boolean true is written as the key and its parameters only
    if (!isInnerList(m) && m.value === true) parts.push(serializeKey(k) + serializeParameters(m.params));
    else parts.push(serializeKey(k) + '=' + serializeMember(m));
  }
  return parts.join(', ');
}

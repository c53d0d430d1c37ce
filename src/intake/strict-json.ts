/**
 * Reading a request body as strict JSON: I-JSON (RFC 7493) and what PostgreSQL can store, checked
 * before the hub looks at a single value.
 *
 * Guarantees, in the order they are checked (the refusal names the first fault, with its pointer):
 *  1. the bytes are well-formed UTF-8 (no 0xFF, no overlong form, no encoded surrogate):
 *     `invalid-utf8`, checked by a fatal TextDecoder before anything else reads the body;
 *  2. the text is JSON (RFC 8259): `malformed-json`;
 *  3. no object nests deeper than `maxDepth` containers: `too-deeply-nested`;
 *  4. no string escapes a lone surrogate (`"\ud800"`): such a string has no UTF-8 form, so the
 *     recipients would not get what the sender signed — `invalid-utf8`, with its pointer;
 *  5. no string (member name or value) holds U+0000: PostgreSQL's text and jsonb cannot hold it,
 *     and XML 1.0 cannot carry it at all — `nul-character`, with its pointer;
 *  6. no object has two members with the same name, however they are spelt (`"a"` and `"\u0061"`
 *     are one name): `duplicate-member`, with the pointer of the second one. JSON.parse keeps the
 *     last of them while a first-wins reader of the signed bytes sees the first, so a duplicate
 *     could show an auditor one message and route another (RFC 7493 §2.3).
 * A document that passes is returned exactly as JSON.parse reads it.
 *
 * Checks 3–6 are one pass over the text after JSON.parse has accepted it, so the scanner may rely
 * on the text being valid JSON. The pass is iterative (no recursion for a deep document to
 * exhaust), linear in the length (each character is read once; a member name with escapes is
 * decoded once more), and holds one Set of names per open object, at most `maxDepth` of them.
 * Why not a library: @humanwhocodes/momoa recurses (a body of 100 000 `[` exhausts the stack) and
 * costs about 14 times JSON.parse; @streamparser/json's tokenizer costs about 6 times JSON.parse and
 * would still need this file's bookkeeping; neither refuses lone surrogate escapes.
 */
import { BadRequestError } from '../errors.js';
import { escapePointerToken } from '../json/index.js';

export const DEFAULT_MAX_DEPTH = 64;

// fatal: malformed bytes throw instead of turning into U+FFFD; ignoreBOM: a BOM stays in the text
// and JSON.parse refuses it, as RFC 8259 §8.1 lets a parser do (the hub has always refused it)
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Frame {
  /** member names seen so far; null for an array */
  names: Set<string> | null;
  /** the member being read (object) */
  name: string;
  /** the element being read (array) */
  index: number;
  /** an object whose next string is a member name */
  expectName: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** true when `s` holds a surrogate that is not half of a pair: not Unicode text, no UTF-8 form */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

function pointerOf(stack: readonly Frame[]): string {
  let p = '';
  for (const f of stack) p += '/' + (f.names ? escapePointerToken(f.name) : String(f.index));
  return p;
}

function fault(code: 'invalid-utf8' | 'nul-character' | 'duplicate-member' | 'too-deeply-nested', pointer: string, detail: string): BadRequestError {
  return new BadRequestError(code, detail, [{ pointer, detail }]);
}

const hex4 = (s: string, at: number) => (/^[0-9a-fA-F]{4}$/.test(s.slice(at, at + 4)) ? parseInt(s.slice(at, at + 4), 16) : -1);

interface StringScan {
  /** index of the closing quote */
  end: number;
  escaped: boolean;
  /** a lone surrogate escape or an escaped U+0000 */
  fault?: { code: 'invalid-utf8' | 'nul-character'; detail: string };
}

const lone = (s: string, at: number) => `a string escapes a lone surrogate (\\u${s.slice(at, at + 4)}), which is not Unicode text`;

/** Reads the string whose opening quote is at `start` (text JSON.parse accepted). */
function scanString(s: string, start: number): StringScan {
  let escaped = false;
  for (let j = start + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return { end: j, escaped };
    if (c !== 0x5c) continue;
    escaped = true;
    if (s.charCodeAt(j + 1) !== 0x75) {
      j++; // \" \\ \/ \b \f \n \r \t
      continue;
    }
    const u = hex4(s, j + 2);
    if (u === 0) return { end: j, escaped, fault: { code: 'nul-character', detail: 'a string holds U+0000 (\\u0000), which the hub can neither store nor forward' } };
    if (u >= 0xd800 && u <= 0xdbff) {
      const low = s.charCodeAt(j + 6) === 0x5c && s.charCodeAt(j + 7) === 0x75 ? hex4(s, j + 8) : -1;
      if (low < 0xdc00 || low > 0xdfff) return { end: j, escaped, fault: { code: 'invalid-utf8', detail: lone(s, j + 2) } };
      j += 11;
      continue;
    }
    if (u >= 0xdc00 && u <= 0xdfff) return { end: j, escaped, fault: { code: 'invalid-utf8', detail: lone(s, j + 2) } };
    j += 5;
  }
  return { end: s.length, escaped }; // unreachable for text JSON.parse accepted
}

/** Checks 3–6 of the module comment over text that JSON.parse accepted. */
export function checkJsonText(s: string, maxDepth = DEFAULT_MAX_DEPTH): void {
  const stack: Frame[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const top = stack[stack.length - 1];
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        // the root pointer, as before: the path to the 65th level says nothing a reader needs
        if (stack.length >= maxDepth) throw fault('too-deeply-nested', '', `the body nests deeper than ${maxDepth} levels`);
        stack.push({ names: c === 0x7b ? new Set() : null, name: '', index: 0, expectName: c === 0x7b });
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        break;
      case 0x2c: // ,
        if (top.names) top.expectName = true;
        else top.index++;
        break;
      case 0x22: {
        // "
        const scan = scanString(s, i);
        const isName = top !== undefined && top.names !== null && top.expectName;
        if (!isName) {
          if (scan.fault) throw fault(scan.fault.code, pointerOf(stack), scan.fault.detail);
          i = scan.end;
          break;
        }
        // the pointer of the object: the name cannot be written as a pointer token
        if (scan.fault) throw fault(scan.fault.code, pointerOf(stack.slice(0, -1)), `a member name: ${scan.fault.detail}`);
        const name = scan.escaped ? (JSON.parse(s.slice(i, scan.end + 1)) as string) : s.slice(i + 1, scan.end);
        top.name = name;
        top.expectName = false;
        if (top.names!.has(name)) throw fault('duplicate-member', pointerOf(stack), `the member ${JSON.stringify(name)} appears twice in one object (RFC 7493 §2.3)`);
        top.names!.add(name);
        i = scan.end;
        break;
      }
      default:
        break; // whitespace, ':', numbers, true, false, null
    }
  }
}

/** Decodes, parses and checks a body (see the module comment); returns what JSON.parse returns. */
export function parseStrictJson(raw: Uint8Array, maxDepth = DEFAULT_MAX_DEPTH): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw fault('invalid-utf8', '', 'the body is not well-formed UTF-8 (RFC 3629): a byte such as 0xFF, an overlong form or an encoded surrogate');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError('malformed-json', `the body is not valid JSON: ${(err as Error).message}`, [{ pointer: '', detail: 'not valid JSON' }]);
  }
  checkJsonText(text, maxDepth);
  return value;
}

/**
 * The catalogue's lock file: `catalogue.lock.json` maps each published schema file (path relative
 * to the catalogue directory, `/`-separated) to the sha-256 of its content. A published schema is
 * immutable: once listed, a different hash or a missing file is refused. Hashes are taken over the
 * content with CRLF normalised to LF, so a Windows checkout with autocrlf does not look edited, and
 * without the root members that annotate what the hub derives from a message (annotations.ts: the
 * case index, the classification rules, the issuer fields): they validate nothing, so declaring
 * them on a published schema is not an edit of what the schema accepts. Everything else in the file
 * stays under the hash, byte for byte.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Fault } from '../errors.js';
import { formatPointer, isPlainObject } from '../json/index.js';
import { UNLOCKED_ANNOTATIONS } from './annotations.js';

export const LOCK_FILE = 'catalogue.lock.json';
const SCHEMA_PATH = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\/(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.schema\.json$/;

export type Lock = Record<string, string>;

export function hashSchema(content: Buffer | string): string {
  const text = (typeof content === 'string' ? content : content.toString('utf8')).replace(/\r\n/g, '\n');
  return createHash('sha256').update(withoutUnlockedAnnotations(text), 'utf8').digest('hex');
}

/**
 * The text with the root object's unlocked annotation members cut out, each together with one comma that
 * separates it from its neighbours: the comma before it (and the whitespace up to it), or, when it is
 * the first member, the comma after it and the whitespace that follows. A member written on its own
 * lines in the file's indentation therefore leaves exactly the text the file had without it. Text
 * that is not a JSON object, or has no such member, is returned unchanged.
 */
export function withoutUnlockedAnnotations(text: string): string {
  let out = text;
  for (const member of UNLOCKED_ANNOTATIONS) {
    // a duplicated member is cut too (JSON.parse would read the last one); bounded by the text's size
    for (let guard = 0; guard < 16 && out.includes(`"${member}"`); guard++) {
      const cut = rootMemberSpan(out, member);
      if (!cut) break;
      out = out.slice(0, cut.from) + out.slice(cut.to);
    }
  }
  return out;
}

/** [from, to) of a root member and one separating comma, by a scan that skips strings; undefined if absent. */
function rootMemberSpan(text: string, name: string): { from: number; to: number } | undefined {
  let depth = 0;
  let expectingKey = false;
  let lastComma = -1; // the comma that put the root object in "expecting a key", -1 after "{"
  let i = 0;
  const skipString = (start: number): number => {
    let j = start + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = skipString(i);
      if (depth === 1 && expectingKey && text.slice(i + 1, end - 1) === name) {
        const valueEnd = endOfRootValue(text, end);
        if (valueEnd < 0) return undefined;
        if (lastComma >= 0) return { from: lastComma, to: valueEnd };
        let k = valueEnd;
        while (k < text.length && /\s/.test(text[k])) k++;
        if (text[k] !== ',') return { from: i, to: valueEnd };
        k++;
        while (k < text.length && /\s/.test(text[k])) k++;
        return { from: i, to: k };
      }
      expectingKey = false;
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') {
        expectingKey = true;
        lastComma = -1;
      }
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectingKey = true;
      lastComma = i;
    } else if (!/\s/.test(c) && c !== ':' && depth === 1) {
      expectingKey = false;
    }
    i++;
  }
  return undefined;
}

/** Index just past the value that starts after the key ending at `from` (after its colon), or -1. */
function endOfRootValue(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (text[i] !== ':') return -1;
  i++;
  let depth = 0;
  let last = -1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      i = j + 1;
      last = i;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return last;
      depth--;
    } else if (c === ',' && depth === 0) return last;
    if (!/\s/.test(c)) last = i + 1;
    i++;
  }
  return -1;
}

/** The lock, or undefined when there is none; faults (pointers into the lock file) if unreadable. */
export function readLock(file: string): { lock?: Lock; faults: Fault[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { faults: [] };
    return { faults: [{ pointer: '', detail: `cannot read the lock file: ${(err as Error).message}` }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { faults: [{ pointer: '', detail: `the lock file is not valid JSON: ${(err as Error).message}` }] };
  }
  if (!isPlainObject(parsed)) return { faults: [{ pointer: '', detail: 'the lock file must be an object mapping schema files to sha-256 hashes' }] };
  const faults: Fault[] = [];
  const lock: Lock = {};
  for (const [k, v] of Object.entries(parsed)) {
    const ptr = formatPointer([k]);
    if (!SCHEMA_PATH.test(k)) faults.push({ pointer: ptr, detail: 'not a schema path "<type>/<major>.<minor>.schema.json"' });
    else if (typeof v !== 'string' || !/^[a-f0-9]{64}$/.test(v)) faults.push({ pointer: ptr, detail: 'must be a lowercase hex sha-256' });
    else lock[k] = v;
  }
  return { lock, faults };
}

export function writeLock(file: string, lock: Lock): void {
  const sorted: Lock = {};
  for (const k of Object.keys(lock).sort()) sorted[k] = lock[k];
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(sorted, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

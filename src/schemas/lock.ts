/**
 * The catalogue's lock file: `catalogue.lock.json` maps each published schema file (path relative
 * to the catalogue directory, `/`-separated) to the sha-256 of its content. A published schema is
 * immutable: once listed, a different hash or a missing file is refused. Hashes are taken over the
 * content with CRLF normalised to LF, so a Windows checkout with autocrlf does not look edited.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Fault } from '../errors.js';
import { formatPointer, isPlainObject } from '../json/index.js';

export const LOCK_FILE = 'catalogue.lock.json';
const SCHEMA_PATH = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\/(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.schema\.json$/;

export type Lock = Record<string, string>;

export function hashSchema(content: Buffer | string): string {
  const text = (typeof content === 'string' ? content : content.toString('utf8')).replace(/\r\n/g, '\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
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

/**
 * Reads a catalogue directory: `<dir>/<type>/<major>.<minor>.schema.json`. Reports, rather than
 * skips, anything in a type folder that is not a schema file, so a typo in a file name cannot make
 * a schema silently disappear. Hidden entries and top-level files (the lock, a README) are ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CatalogueFault } from './types.js';

export const TYPE_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const FILE_NAME = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.schema\.json$/;

export interface SchemaFile {
  /** relative to the catalogue dir, `/`-separated: the lock file's key */
  rel: string;
  /** the path as reported to users: the catalogue dir joined with rel */
  file: string;
  type: string;
  version: string;
  major: number;
  minor: number;
  content: Buffer;
}

export function scanCatalogue(dir: string): { files: SchemaFile[]; faults: CatalogueFault[] } {
  const files: SchemaFile[] = [];
  const faults: CatalogueFault[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    faults.push({ file: dir, pointer: '', detail: `cannot read the catalogue directory: ${(err as Error).message}` });
    return { files, faults };
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || !e.isDirectory()) continue;
    const typeDir = path.join(dir, e.name);
    if (!TYPE_NAME.test(e.name)) {
      faults.push({ file: typeDir, pointer: '', detail: 'not a message type name: lowercase words separated by dots, e.g. "warrant.issued"' });
      continue;
    }
    let found = 0;
    for (const f of fs.readdirSync(typeDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (f.name.startsWith('.')) continue;
      const file = path.join(typeDir, f.name);
      const m = FILE_NAME.exec(f.name);
      if (!f.isFile() || !m) {
        faults.push({ file, pointer: '', detail: 'not a schema file: expected "<major>.<minor>.schema.json", e.g. "1.0.schema.json"' });
        continue;
      }
      const major = Number(m[1]);
      const minor = Number(m[2]);
      if (major === 0) {
        faults.push({ file, pointer: '', detail: 'majors start at 1' });
        continue;
      }
      found++;
      files.push({
        rel: `${e.name}/${f.name}`,
        file,
        type: e.name,
        version: `${major}.${minor}`,
        major,
        minor,
        content: fs.readFileSync(file),
      });
    }
    if (found === 0) faults.push({ file: typeDir, pointer: '', detail: 'a message type folder without any schema' });
  }
  return { files, faults };
}

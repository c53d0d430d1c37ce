/**
 * Reads a catalogue directory and checks all of it, collecting every fault instead of stopping at
 * the first: each file parses, is a valid draft 2020-12 schema within the catalogue's vocabulary
 * (lint.ts), has the `$id` its path implies, compiles with ajv (strict), and its examples validate;
 * each minor is backward compatible with the minor before it (compat.ts); each major N > 1 ships
 * translators both ways with N-1, and they turn every example into valid data; no published file
 * (one listed in the lock) was changed or removed; every schema but those published before the
 * authoring rules meets them (authoring.ts: script of names, money as decimal strings, references
 * named); each minor keeps the case index annotations of the minor before it (index-annotations.ts).
 * Each schema is compiled exactly once, and the result is reused by the Catalogue built on
 * top of this.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ValidationError, type Fault } from '../errors.js';
import { schemaUri } from '../federation/index.js';
import { createAjv, DRAFT_2020_12, toFaults, type Ajv, type ValidateFunction } from './ajv.js';
import { LEGACY_SCHEMAS, publishFaults } from './authoring.js';
import { compareMinors } from './compat.js';
import { compareIndexAnnotations } from './index-annotations.js';
import { isPlainObject, type JsonObject } from '../json/index.js';
import { lintSchema } from './lint.js';
import { hashSchema, LOCK_FILE, readLock, writeLock } from './lock.js';
import { scanCatalogue, type SchemaFile } from './scan.js';
import { translateChain } from './translate.js';
import { translators as builtInTranslators } from './translators/index.js';
import type { TranslatorRegistry } from './translators/types.js';
import type { CatalogueFault, SchemaRef } from './types.js';

export interface CheckOptions {
  /** default `<dir>/catalogue.lock.json`; when the file does not exist nothing is locked yet */
  lockFile?: string;
  /** default: the translators the hub ships */
  translators?: TranslatorRegistry;
}

export interface CompiledSchema {
  ref: SchemaRef;
  source: SchemaFile;
  doc: JsonObject;
  validate: ValidateFunction;
}

export interface Inspection {
  dir: string;
  ajv: Ajv;
  /** every schema that compiled, keyed `<type>@<version>` */
  compiled: Map<string, CompiledSchema>;
  files: SchemaFile[];
  faults: CatalogueFault[];
  translators: TranslatorRegistry;
}

const key = (type: string, version: string) => `${type}@${version}`;

export function inspectCatalogue(dir: string, opts: CheckOptions = {}): Inspection {
  const ajv = createAjv();
  const registry = opts.translators ?? builtInTranslators;
  const compiled = new Map<string, CompiledSchema>();
  const { files, faults } = scanCatalogue(dir);
  const add = (file: string, list: Fault[], prefix = '', detailPrefix = '') => {
    for (const f of list) faults.push({ file, pointer: prefix + f.pointer, detail: detailPrefix + f.detail });
  };
  /** schemas that passed the lint: the only ones the compatibility check may compare */
  const linted = new Map<string, JsonObject>();

  // 1. each file on its own
  for (const sf of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(sf.content.toString('utf8'));
    } catch (err) {
      add(sf.file, [{ pointer: '', detail: `not valid JSON: ${(err as Error).message}` }]);
      continue;
    }
    if (!isPlainObject(doc)) {
      add(sf.file, [{ pointer: '', detail: 'a schema file must hold a JSON object' }]);
      continue;
    }
    const before = faults.length;
    const expectedId = schemaUri(sf.type, sf.version);
    if (doc.$id !== expectedId) {
      add(sf.file, [{ pointer: '/$id', detail: `the file name says ${sf.type}@${sf.version}, so $id must be "${expectedId}" (it is ${JSON.stringify(doc.$id)})` }]);
    }
    if (doc.$schema !== DRAFT_2020_12) {
      add(sf.file, [{ pointer: '/$schema', detail: `must be "${DRAFT_2020_12}"` }]);
    } else if (!ajv.validateSchema(doc)) {
      add(sf.file, toFaults(ajv.errors), '', 'not a valid JSON Schema 2020-12: ');
    }
    const lint = lintSchema(doc);
    add(sf.file, lint);
    if (lint.length === 0) linted.set(key(sf.type, sf.version), doc);
    if (faults.length > before) continue;

    let validate: ValidateFunction;
    try {
      validate = ajv.compile(doc);
    } catch (err) {
      try {
        ajv.removeSchema(expectedId);
      } catch {
        /* not added */
      }
      add(sf.file, [{ pointer: '', detail: `does not compile: ${(err as Error).message}` }]);
      continue;
    }
    const ref: SchemaRef = { type: sf.type, version: sf.version, major: sf.major, minor: sf.minor };
    compiled.set(key(sf.type, sf.version), { ref, source: sf, doc, validate });

    (doc.examples as unknown[]).forEach((example, i) => {
      validate(example);
      add(sf.file, toFaults(validate.errors), `/examples/${i}`, `example ${i} does not validate: `);
    });
  }

  // (d) every schema meets the authoring rules, but the legacy ones and what a minor inherits from
  // the minor before it (neither can change any more). A legacy file that was edited is exempt too:
  // the lock already refuses the edit, which is the fault to fix.
  const lockFile = opts.lockFile ?? path.join(dir, LOCK_FILE);
  const { lock, faults: lockFaults } = readLock(lockFile);
  for (const sf of files) {
    const doc = linted.get(key(sf.type, sf.version));
    if (!doc || LEGACY_SCHEMAS.has(hashSchema(sf.content)) || LEGACY_SCHEMAS.has(lock?.[sf.rel] ?? '')) continue;
    const previous = files.filter((o) => o.type === sf.type && o.major === sf.major && o.minor < sf.minor).sort((a, b) => b.minor - a.minor)[0];
    add(sf.file, publishFaults(doc, previous && linted.get(key(previous.type, previous.version))), '', 'authoring rule: ');
  }

  // 2. versions of each type
  const byType = new Map<string, SchemaFile[]>();
  for (const sf of files) byType.set(sf.type, [...(byType.get(sf.type) ?? []), sf]);
  const latestOf = (type: string, major: number): SchemaRef | undefined => {
    let best: SchemaRef | undefined;
    for (const c of compiled.values()) {
      if (c.ref.type === type && c.ref.major === major && (!best || c.ref.minor > best.minor)) best = c.ref;
    }
    return best;
  };

  for (const [type, list] of byType) {
    list.sort((a, b) => a.major - b.major || a.minor - b.minor);
    const majors = [...new Set(list.map((s) => s.major))];
    for (const major of majors) {
      const minors = list.filter((s) => s.major === major);
      // (a) each minor against the one before it
      for (let i = 1; i < minors.length; i++) {
        const older = linted.get(key(type, minors[i - 1].version));
        const newer = linted.get(key(type, minors[i].version));
        if (!older || !newer) continue; // their own faults are already reported
        add(minors[i].file, compareMinors(older, newer), '', `not backward compatible with ${minors[i - 1].version}: `);
        add(minors[i].file, compareIndexAnnotations(older, newer, minors[i - 1].version));
      }
      if (major === 1) continue;
      const first = minors[0];
      if (!majors.includes(major - 1)) {
        add(first.file, [{ pointer: '', detail: `major ${major} published without major ${major - 1}` }]);
        continue;
      }
      // (c) translators both ways between major-1 and major
      const upT = registry.find(type, major - 1, major);
      const downT = registry.find(type, major, major - 1);
      if (!upT) add(first.file, [{ pointer: '', detail: `major ${major} needs a translator from major ${major - 1} (src/schemas/translators)` }]);
      if (!downT) add(first.file, [{ pointer: '', detail: `major ${major} needs a translator to major ${major - 1} (src/schemas/translators)` }]);
      // and they must turn every example of either side into valid data of the other, or refuse it
      // as not-translatable (a document the other major cannot carry: a translator's `requires`);
      // at least one example of each side must make it across, so the line is exercised both ways
      const exercise = (from: number, to: number) => {
        let crossed = 0;
        let refused = 0;
        let first: SchemaFile | undefined;
        for (const c of compiled.values()) {
          if (c.ref.type !== type || c.ref.major !== from) continue;
          first ??= c.source;
          (c.doc.examples as unknown[]).forEach((example, i) => {
            if (!c.validate(example)) return; // already reported as an invalid example
            try {
              translateChain(
                {
                  translators: registry,
                  latest: latestOf,
                  has: (t, v) => compiled.has(key(t, v)),
                  validate: (t, v, d) => {
                    const s = compiled.get(key(t, v));
                    if (!s) return undefined;
                    s.validate(d);
                    return toFaults(s.validate.errors);
                  },
                },
                type,
                c.ref.version,
                to,
                example,
              );
              crossed++;
            } catch (err) {
              if (err instanceof ValidationError && err.code === 'not-translatable') {
                refused++;
                return;
              }
              const e = err as Error & { faults?: Fault[] };
              const why = e.faults?.length ? e.faults.map((f) => `${f.pointer}: ${f.detail}`).join('; ') : e.message;
              add(c.source.file, [{ pointer: `/examples/${i}`, detail: `translating example ${i} to major ${to} fails: ${why}` }]);
            }
          });
        }
        if (first && crossed === 0 && refused > 0) {
          add(first.file, [{ pointer: '/examples', detail: `no example of major ${from} can be translated to major ${to}: add one the translator can carry` }]);
        }
      };
      if (upT && downT) {
        exercise(major - 1, major);
        exercise(major, major - 1);
      }
    }
  }

  // (b) published files are immutable
  add(lockFile, lockFaults);
  if (lock) {
    const byRel = new Map(files.map((f) => [f.rel, f]));
    for (const [rel, hash] of Object.entries(lock)) {
      const sf = byRel.get(rel);
      if (!sf) {
        add(path.join(dir, ...rel.split('/')), [
          { pointer: '', detail: `published schema is missing (listed in ${path.basename(lockFile)}); published schemas are immutable and cannot be withdrawn` },
        ]);
      } else if (hashSchema(sf.content) !== hash) {
        add(sf.file, [{ pointer: '', detail: `published schemas are immutable; publish a new minor instead (its sha-256 differs from the one in ${path.basename(lockFile)})` }]);
      }
    }
  }

  return { dir, ajv, compiled, files, faults, translators: registry };
}

/** Every fault of the catalogue in `dir`; [] when it is sound. */
export function checkCatalogue(dir: string, opts: CheckOptions = {}): CatalogueFault[] {
  return inspectCatalogue(dir, opts).faults;
}

export interface LockResult {
  lockFile: string;
  /** files newly recorded in the lock */
  added: string[];
  /** when not empty nothing was written: a catalogue with faults is never locked */
  faults: CatalogueFault[];
}

/**
 * Record every schema not yet in the lock. Existing entries are never rewritten (that is the point
 * of the lock), and nothing is written while the catalogue has faults, so a broken or incompatible
 * schema cannot be published by locking it.
 */
export function lockCatalogue(dir: string, opts: CheckOptions = {}): LockResult {
  const lockFile = opts.lockFile ?? path.join(dir, LOCK_FILE);
  const inspection = inspectCatalogue(dir, opts);
  if (inspection.faults.length > 0) return { lockFile, added: [], faults: inspection.faults };
  const lock = { ...(readLock(lockFile).lock ?? {}) };
  const added: string[] = [];
  for (const sf of inspection.files) {
    if (lock[sf.rel] !== undefined) continue;
    lock[sf.rel] = hashSchema(sf.content);
    added.push(sf.rel);
  }
  if (added.length > 0 || !existsSync(lockFile)) writeLock(lockFile, lock);
  return { lockFile, added, faults: [] };
}

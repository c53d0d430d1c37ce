/**
 * Helpers for routing tests: a small fake Catalogue that reads `messages/<type>/<ver>.schema.json`
 * without the real catalogue's checks, the base fixture federation copied to a temp dir to break,
 * and a way to build LoadedContracts in memory for property tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ContractError } from '../../../src/errors.js';
import { loadQueries } from '../../../src/queries/index.js';
import type { Catalogue, SchemaRef } from '../../../src/schemas/types.js';
import { loadContractSet } from '../../../src/routing/load.js';
import { queriesFor, queryGrants } from '../../../src/routing/load.js';
import type { ContractFault, LoadedContracts } from '../../../src/routing/model.js';
import type { Agreement, Grant } from '../../../src/federation/index.js';
import type { Classification, Institution } from '../../../src/routing/types.js';
import { NO_MAPPINGS } from '../../../src/formats/xml/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const BASE = path.join(REPO, 'tests/fixtures/contracts/base');
export const DEMO = path.join(REPO, 'contracts');

/** A Catalogue over a folder of schemas, or over schemas given inline: no checks, identity translate. */
export function fakeCatalogue(source: string | Record<string, Record<string, unknown>>): Catalogue {
  const docs = new Map<string, Record<string, unknown>>();
  if (typeof source === 'string') {
    for (const type of fs.readdirSync(source)) {
      for (const f of fs.readdirSync(path.join(source, type))) {
        const version = f.replace(/\.schema\.json$/, '');
        docs.set(`${type}@${version}`, JSON.parse(fs.readFileSync(path.join(source, type, f), 'utf8')));
      }
    }
  } else {
    for (const [k, v] of Object.entries(source)) docs.set(k, v);
  }
  const refs: SchemaRef[] = [...docs.keys()]
    .map((k) => {
      const [type, version] = k.split('@');
      const [major, minor] = version.split('.').map(Number);
      return { type, version, major, minor };
    })
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.major - b.major || a.minor - b.minor));
  const latest = (type: string, major?: number) => {
    const of = refs.filter((r) => r.type === type);
    const m = major ?? of.at(-1)?.major;
    return of.filter((r) => r.major === m).at(-1);
  };
  return {
    list: () => refs.slice(),
    get: (type, version) => docs.get(`${type}@${version}`),
    has: (type, version) => (version === undefined ? refs.some((r) => r.type === type) : docs.has(`${type}@${version}`)),
    majors: (type) => [...new Set(refs.filter((r) => r.type === type).map((r) => r.major))],
    latest,
    validate: () => [],
    translate: (type, fromVersion, toMajor, data) => ({ version: latest(type, toMajor)?.version ?? fromVersion, data }),
  };
}

/** A copy of the base fixture federation in a fresh temp dir. */
export function tempSet(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasla-contracts-'));
  fs.cpSync(BASE, dir, { recursive: true });
  return dir;
}

export function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Edit one JSON file of a contract set in place. */
export function edit(dir: string, rel: string, fn: (doc: any) => any): void {
  const file = path.join(dir, rel);
  const doc = readJson(file);
  const out = fn(doc);
  writeJson(file, out === undefined ? doc : out);
}

export function loadSet(dir: string, env: Record<string, string | undefined> = {}): LoadedContracts {
  return loadContractSet(dir, fakeCatalogue(path.join(dir, 'messages')), { env });
}

/** The base fixture, loaded once per call (cheap: a dozen small files). */
export function base(env: Record<string, string | undefined> = {}): LoadedContracts {
  return loadSet(BASE, env);
}

/** Load and expect a ContractError; returns its faults. */
export function faultsOf(dir: string, env: Record<string, string | undefined> = {}): ContractFault[] {
  try {
    loadSet(dir, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    const e = err as ContractError;
    expect(e.code).toBe('contract-invalid');
    expect(e.file).toBeTruthy();
    return e.faults as ContractFault[];
  }
  throw new Error('expected the contract set to be refused');
}

/** Expect one fault in `file` at `pointer` whose detail matches. */
export function expectFault(faults: ContractFault[], file: string, pointer: string, detail: RegExp): void {
  const hit = faults.find((f) => f.file === file && f.pointer === pointer && detail.test(f.detail));
  expect(hit, `no fault ${file}: ${pointer}: ${detail} among\n${faults.map((f) => `${f.file}: ${f.pointer}: ${f.detail}`).join('\n')}`).toBeDefined();
}

/** LoadedContracts in memory, skipping every load-time check (for property tests of route()). */
export function inMemory(institutions: Institution[], grants: Grant[], typeClasses: Record<string, Classification> = {}): LoadedContracts {
  const insts = new Map(institutions.map((i) => [i.id, i]));
  const agreements = new Map<string, Agreement>();
  for (const g of grants) {
    const a: Agreement = agreements.get(g.agreement) ?? {
      id: g.agreement,
      title: g.agreement,
      parties: [],
      grants: [],
      queries: [],
      expectations: [],
      notifyDeadDeliveries: true,
      file: `agreements/${g.agreement}.json`,
    };
    a.grants.push(g);
    agreements.set(g.agreement, a);
  }
  return {
    dir: '/nowhere',
    timeZone: 'Asia/Hebron',
    catalogue: fakeCatalogue({}),
    institutions: insts,
    mappings: NO_MAPPINGS,
    agreements,
    // the loader orders agreements by id; the tie-break between equally specific grants relies on it
    grants: [...agreements.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).flatMap((a) => a.grants),
    institution: (id) => insts.get(id),
    queriesFor: (id) => queriesFor(agreements, id, new Date()),
    // no queries folder: no named queries (issue 24)
    queries: loadQueries('/nowhere', fakeCatalogue({})),
    queryGrants: (id) => queryGrants(agreements, id, new Date()),
    typeClassification: (t) => typeClasses[t],
  };
}

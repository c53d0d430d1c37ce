/**
 * Loading the contract set: institutions and agreements, checked against their schemas, against each
 * other and against the message catalogue. Either everything holds and a frozen `LoadedContracts`
 * comes back, or a ContractError lists every fault as `{ file, pointer, detail }`.
 *
 * Side-effect free: it reads files and the environment it is given, keeps no state (beyond the
 * compiled contract schemas), so it can be called again to reload.
 */
import { resolve } from 'node:path';
import { ContractError } from '../errors.js';
import type { Catalogue } from '../schemas/types.js';
import type { QueryGrantsOf } from './types.js';
import {
  CLASSIFICATION_RANK,
  DEFAULT_RETRY,
  isClassification,
  type Agreement,
  type Classification,
  type Condition,
  type Correlation,
  type DueRule,
  type EnvelopeAttribute,
  type Expectation,
  type Grant,
  inboxTarget,
  type Institution,
  type QueryGrant,
  type StatementGrant,
  type RateLimit,
  grantedName,
} from '../federation/index.js';
import { defaultEnvelopeAttributes, type LoadedContracts } from './model.js';
import { type ContractFile, FaultList, readFolder, validateFile } from './contract-files.js';
import { checkAgreement } from './check.js';
import { checkGrantEncodable, checkInstitutionAdapters } from './check-adapters.js';
import { loadMappings } from './mappings.js';
import { checkExpectations } from './expectation-check.js';
import { assertTimeZone } from '../record/calendar.js';
import { type Env, resolveEndpoint } from './endpoints.js';
import { matches } from './pattern.js';
import type { SchemaResolver } from './schema-walk.js';
import { isActive } from './validity.js';
import { checkQueryGrants, loadQueries, QueryContractError, type LoadedQueries } from '../queries/index.js';

/** The named queries (issue 24) and the agreements' grants of them, checked; undefined when a fault was added. */
function loadQuerySet(root: string, catalogue: Catalogue, agreements: ReadonlyMap<string, Agreement>, institutions: ReadonlyMap<string, Institution>, faults: FaultList): LoadedQueries | undefined {
  let queries: LoadedQueries;
  try {
    queries = loadQueries(root, catalogue);
  } catch (err) {
    if (!(err instanceof QueryContractError)) throw err;
    for (const f of err.faults) faults.add(f.file ?? 'queries', f.pointer, f.detail);
    return undefined;
  }
  const grantFaults = checkQueryGrants(agreements.values(), queries.queries, institutions);
  for (const f of grantFaults) faults.add(f.file ?? 'agreements', f.pointer, f.detail);
  return grantFaults.length === 0 ? queries : undefined;
}
import { loadRetention } from './retention.js';
import { inspectDeclarations, type RecordDeclarations } from '../record/annotations.js';

export interface LoadOptions {
  /** where `${VAR}` placeholders and `WASLA_ENDPOINT_<ID>` overrides come from; default process.env */
  env?: Env;
  /** the federation's time zone, for the dates of people in deadlines; default WASLA_TIME_ZONE of `env`, else Asia/Hebron */
  timeZone?: string;
}

export const DEFAULT_TIME_ZONE = 'Asia/Hebron';

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function loadInstitutions(dir: string, env: Env, faults: FaultList): Map<string, Institution> {
  const out = new Map<string, Institution>();
  const fileOf = new Map<string, string>();
  for (const f of readFolder(dir, 'institutions', faults)) {
    if (!validateFile('institution', f, faults)) continue;
    const doc = f.doc as Omit<Institution, 'endpoints'> & { endpoints?: { deliveries: string } };
    if (doc.id !== f.stem) faults.add(f.file, '/id', `id "${doc.id}" does not match the file name (expected ${doc.id}.json)`);
    if (fileOf.has(doc.id)) {
      faults.add(f.file, '/id', `institution "${doc.id}" is already defined in ${fileOf.get(doc.id)}`);
      continue;
    }
    fileOf.set(doc.id, f.file);
    // a pulling institution needs no endpoint (issue 22): its deliveries are signed over its inbox URI
    const pull = doc.delivery === 'pull';
    const raw = doc.endpoints?.deliveries;
    const ep = raw === undefined ? { url: inboxTarget(doc.id) } : resolveEndpoint(doc.id, raw, env);
    if (ep.error) faults.add(f.file, '/endpoints/deliveries', ep.error);
    out.set(doc.id, {
      id: doc.id,
      kind: doc.kind,
      name: doc.name.ar === undefined ? { en: doc.name.en } : { ar: doc.name.ar, en: doc.name.en },
      adapter: doc.adapter,
      ...(pull && { delivery: 'pull' as const }),
      endpoints: { deliveries: ep.url ?? raw ?? inboxTarget(doc.id) },
      clearances: [...doc.clearances],
      ...(doc.iso20022 ? { iso20022: { debtors: doc.iso20022.debtors.map((d) => ({ ...d })) } } : {}),
    });
  }
  return out;
}

interface RawGrant {
  id: string;
  senders: string[];
  types: string[];
  to: Array<{ recipient: string; fields: string[]; major: number; conditions?: Condition[]; envelope?: EnvelopeAttribute[] }>;
  conditions?: Condition[];
  recipientFrom?: string;
  classification?: Classification;
  retry?: { schedule?: number[]; jitter?: number; storeAndForward?: boolean };
  rateLimit?: RateLimit;
  acceptUnsignedReceipt?: boolean;
}

interface RawAgreement {
  id: string;
  title: string;
  parties: string[];
  validFrom?: string;
  validUntil?: string;
  grants: RawGrant[];
  queries?: QueryGrant[];
  statements?: StatementGrant[];
  expectations?: RawExpectation[];
  notifyDeadDeliveries?: boolean;
}

interface RawExpectation {
  id: string;
  description?: string;
  when: { types: string[]; conditions?: Condition[] };
  expect: { types: string[]; from: string };
  correlate: Correlation;
  due: { within?: string; by?: string; plus?: string; day?: 'start' | 'end'; every?: string };
  warnBefore?: string;
  notify?: string[];
  notifyFrom?: string[];
  cancelledBy?: Array<{ types: string[]; conditions?: Condition[] }>;
}

function toDueRule(d: RawExpectation['due']): DueRule {
  if (d.within !== undefined) return { kind: 'within', duration: d.within };
  if (d.every !== undefined) return { kind: 'every', period: d.every };
  return { kind: 'by', pointer: d.by!, ...(d.plus !== undefined && { plus: d.plus }), day: d.day ?? 'end' };
}

function toExpectation(e: RawExpectation): Expectation {
  return {
    id: e.id,
    ...(e.description !== undefined && { description: e.description }),
    when: { types: [...e.when.types], conditions: [...(e.when.conditions ?? [])] },
    expect: { types: [...e.expect.types], from: e.expect.from },
    correlate: { ...e.correlate },
    due: toDueRule(e.due),
    ...(e.warnBefore !== undefined && { warnBefore: e.warnBefore }),
    notify: [...(e.notify ?? [])],
    notifyFrom: [...(e.notifyFrom ?? [])],
    cancelledBy: (e.cancelledBy ?? []).map((c) => ({ types: [...c.types], conditions: [...(c.conditions ?? [])] })),
  };
}

function toAgreement(f: ContractFile): Agreement {
  const raw = f.doc as RawAgreement;
  const grants: Grant[] = raw.grants.map((g) => ({
    id: g.id,
    agreement: raw.id,
    senders: [...g.senders],
    types: [...g.types],
    to: g.to.map((t) => ({
      recipient: t.recipient,
      fields: [...t.fields],
      major: t.major,
      conditions: [...(t.conditions ?? [])],
      envelope: [...(t.envelope ?? defaultEnvelopeAttributes(t.fields))],
    })),
    conditions: [...(g.conditions ?? [])],
    ...(g.recipientFrom !== undefined ? { recipientFrom: g.recipientFrom } : {}),
    ...(g.classification !== undefined ? { classification: g.classification } : {}),
    retry: {
      schedule: [...(g.retry?.schedule ?? DEFAULT_RETRY.schedule)],
      jitter: g.retry?.jitter ?? DEFAULT_RETRY.jitter,
      ...(g.retry?.storeAndForward && { storeAndForward: true }),
    },
    ...(g.rateLimit !== undefined ? { rateLimit: { ...g.rateLimit } } : {}),
    acceptUnsignedReceipt: g.acceptUnsignedReceipt ?? false,
  }));
  return {
    id: raw.id,
    title: raw.title,
    parties: [...raw.parties],
    ...(raw.validFrom !== undefined ? { validFrom: raw.validFrom } : {}),
    ...(raw.validUntil !== undefined ? { validUntil: raw.validUntil } : {}),
    grants,
    queries: (raw.queries ?? []).map((q) => ({
      institution: q.institution,
      queries: q.queries.map((e) =>
        typeof e === 'string' ? e : { name: e.name, ...(e.fields !== undefined ? { fields: [...e.fields] } : {}), ...(e.clearances !== undefined ? { clearances: [...e.clearances] } : {}) },
      ),
    })),
    ...(raw.statements ? { statements: raw.statements.map((s) => ({ institution: s.institution, for: [...s.for] })) } : {}),
    expectations: (raw.expectations ?? []).map(toExpectation),
    notifyDeadDeliveries: raw.notifyDeadDeliveries ?? true,
    file: f.file,
  };
}

function resolverFor(catalogue: Catalogue): SchemaResolver {
  const byId = new Map<string, Record<string, unknown>>();
  for (const ref of catalogue.list()) {
    const s = catalogue.get(ref.type, ref.version);
    if (s && typeof s.$id === 'string') byId.set(s.$id.replace(/#.*$/, ''), s);
  }
  return { byId: (id) => byId.get(id) };
}

const CLASS_KEYS = ['x-wasla-classification', 'x-classification'];

/** The class a type declares in any of its published schemas; juvenile/gbv win over restricted. */
function typeClassifications(catalogue: Catalogue): Map<string, Classification> {
  const out = new Map<string, Classification>();
  for (const ref of catalogue.list()) {
    const s = catalogue.get(ref.type, ref.version);
    if (!s) continue;
    for (const k of CLASS_KEYS) {
      const c = s[k];
      if (!isClassification(c)) continue;
      const prev = out.get(ref.type);
      if (prev === undefined || CLASSIFICATION_RANK[c] > CLASSIFICATION_RANK[prev]) out.set(ref.type, c);
    }
  }
  return out;
}

/**
 * The record's declarations of every published schema (issue 26): what makes a message juvenile or
 * gbv, which fields must name the signer. A declaration that cannot be used is a fault of the
 * contract set, so a hub never runs with a classification rule it silently ignores.
 */
function recordDeclarationsOf(catalogue: Catalogue, faults: FaultList): Map<string, RecordDeclarations> {
  const out = new Map<string, RecordDeclarations>();
  for (const ref of catalogue.list()) {
    const s = catalogue.get(ref.type, ref.version);
    if (!s) continue;
    const { declarations, faults: found } = inspectDeclarations(s);
    for (const f of found) faults.add(`messages/${ref.type}/${ref.version}.schema.json`, f.pointer, f.detail);
    out.set(`${ref.type}@${ref.version}`, declarations);
  }
  return out;
}

/** Load and check the institutions and agreements of `dir` against an already loaded catalogue. */
export function loadContractSet(dir: string, catalogue: Catalogue, opts: LoadOptions = {}): LoadedContracts {
  const env = opts.env ?? process.env;
  const root = resolve(dir);
  const faults = new FaultList();
  const institutions = loadInstitutions(root, env, faults);
  checkInstitutionAdapters(institutions, faults);
  const mappings = loadMappings(root, catalogue, faults);

  const agreements = new Map<string, Agreement>();
  const resolver = resolverFor(catalogue);
  const classes = typeClassifications(catalogue);
  const declarations = recordDeclarationsOf(catalogue, faults);
  const ctx = { institutions, catalogue, resolver, typeClassification: (t: string) => classes.get(t) };
  for (const f of readFolder(root, 'agreements', faults)) {
    if (!validateFile('agreement', f, faults)) continue;
    const a = toAgreement(f);
    if (a.id !== f.stem) faults.add(f.file, '/id', `id "${a.id}" does not match the file name (expected ${a.id}.json)`);
    if (agreements.has(a.id)) {
      faults.add(f.file, '/id', `agreement "${a.id}" is already defined in ${agreements.get(a.id)!.file}`);
      continue;
    }
    agreements.set(a.id, a);
    checkAgreement(ctx, faults, a);
    checkGrantEncodable(institutions, mappings, catalogue, faults, a, (t) => catalogue.has(t));
    checkExpectations(ctx, faults, a);
  }
  const retention = loadRetention(root, catalogue, faults);
  const timeZone = opts.timeZone ?? env.WASLA_TIME_ZONE ?? DEFAULT_TIME_ZONE;
  try {
    assertTimeZone(timeZone);
  } catch {
    faults.add('(configuration)', '', `unknown time zone ${JSON.stringify(timeZone.slice(0, 64))} (WASLA_TIME_ZONE: an IANA name such as "Asia/Hebron")`);
  }

  const queries = faults.size === 0 ? loadQuerySet(root, catalogue, agreements, institutions, faults) : undefined;

  if (faults.size > 0 || !queries) {
    const first = faults.list[0];
    const files = [...new Set(faults.list.map((f) => f.file))];
    throw new ContractError(
      `the contract set in ${root} has ${faults.size} fault${faults.size === 1 ? '' : 's'} in ${files.join(', ')}; first: ${first.file}: ${first.pointer || '(root)'}: ${first.detail}`,
      faults.list,
      first.file,
    );
  }

  const sortedAgreements = new Map([...agreements.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const grants = [...sortedAgreements.values()].flatMap((a) => a.grants);
  deepFreeze(institutions);
  for (const i of institutions.values()) deepFreeze(i);
  for (const a of sortedAgreements.values()) deepFreeze(a);

  const contracts: LoadedContracts = {
    dir: root,
    catalogue,
    institutions,
    mappings,
    agreements: sortedAgreements,
    grants,
    institution: (id) => institutions.get(id),
    queriesFor: (id) => (institutions.has(id) ? queriesFor(sortedAgreements, id, new Date()) : []),
    queryGrants: (id) => (institutions.has(id) ? queryGrants(sortedAgreements, id, new Date()) : []),
    queries,
    typeClassification: (t) => classes.get(t),
    timeZone,
    recordDeclarations: (t, v) => declarations.get(`${t}@${v}`),
    retention,
  };
  return Object.freeze(contracts);
}

/** The query names an institution may run now under any agreement, sorted. */
export function queriesFor(agreements: ReadonlyMap<string, Agreement>, id: string, now: Date): string[] {
  return [...new Set(queryGrants(agreements, id, now).flatMap((g) => g.queries))].sort();
}

/** The query names each agreement in force grants an institution now (agreements without any left out). */
export function queryGrants(agreements: ReadonlyMap<string, Agreement>, id: string, now: Date): QueryGrantsOf[] {
  const out: QueryGrantsOf[] = [];
  for (const a of agreements.values()) {
    if (!isActive(a, now)) continue;
    const names = new Set<string>();
    for (const q of a.queries) if (matches(q.institution, id)) for (const n of q.queries) names.add(grantedName(n));
    if (names.size) out.push({ agreement: a.id, queries: [...names].sort() });
  }
  return out;
}
